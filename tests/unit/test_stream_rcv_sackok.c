/* test_stream_rcv_sackok.c — SACK-permitted negotiation (RFC 2018 §2) with cfg.sack
 * (net.ipv4.tcp_sack, default 1): the exact option bytes of our SYN and SYN-ACK in
 * Linux's layout for every combination of timestamps and window scaling (sackOK takes
 * the place of the NOP,NOP before TS; without TS it is NOP,NOP,sackOK before NOP,WS),
 * sack_ok only when both sides offered it (tcp_info), the half-open entry keeping it,
 * and a SYN-cookie child getting it back from the SACK bit of the cookie TSval. */
#include "harness.h"
#include "tcp/syncookie.h"

static void init_opts(struct harness *h, unsigned ts, unsigned ws, unsigned sack)
{
	struct synack_config c;

	synack_config_default(&c);
	c.timestamps = ts;
	c.window_scaling = ws;
	c.sack = sack;
	h_init_cfg(h, &c);
}

/* The option bytes of the segment h_next just drained equal want[0..n). */
static void expect_opt_bytes(struct harness *h, const uint8_t *want, size_t n)
{
	const uint8_t *o = h->pkt + 20 + 20;

	cr_assert_eq(h->out.hdr_len, 20 + n, "header %u bytes, want %zu", h->out.hdr_len,
		     20 + n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(o[i], want[i], "option byte %zu: 0x%02x, want 0x%02x", i, o[i],
			     want[i]);
}

#define BE32(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

static int connect_syn(struct harness *h)
{
	int fd = synack_socket(h->s);

	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, 65535);
	return fd;
}

Test(stream_rcv_sackok, syn_layout_ts_ws_sack_as_linux)
{
	struct harness h;
	uint32_t v;

	init_opts(&h, 1, 1, 1);
	connect_syn(&h);
	v = h.out.opt.ts_val;
	{
		/* mss 1460,sackOK,TS val v ecr 0,nop,wscale 7 (for the 6 MiB cap) */
		const uint8_t w[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, BE32(v), 0, 0, 0, 0,
				       1, 3, 3, 7};
		expect_opt_bytes(&h, w, sizeof w);
	}
	h_fini(&h);
}

Test(stream_rcv_sackok, syn_layout_without_ts)
{
	struct harness h;
	/* mss 1460,nop,nop,sackOK,nop,wscale 7 */
	const uint8_t w[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};

	init_opts(&h, 0, 1, 1);
	connect_syn(&h);
	expect_opt_bytes(&h, w, sizeof w);
	h_fini(&h);
}

Test(stream_rcv_sackok, syn_layout_without_ws)
{
	struct harness h;
	uint32_t v;

	init_opts(&h, 1, 0, 1);
	connect_syn(&h);
	v = h.out.opt.ts_val;
	{
		/* mss 1460,sackOK,TS val v ecr 0 */
		const uint8_t w[16] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, BE32(v), 0, 0, 0, 0};
		expect_opt_bytes(&h, w, sizeof w);
	}
	h_fini(&h);
}

Test(stream_rcv_sackok, syn_layout_sack_only)
{
	struct harness h;
	/* mss 1460,nop,nop,sackOK */
	const uint8_t w[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};

	init_opts(&h, 0, 0, 1);
	connect_syn(&h);
	expect_opt_bytes(&h, w, sizeof w);
	h_fini(&h);
}

Test(stream_rcv_sackok, syn_without_sack_when_off)
{
	struct harness h;
	uint32_t v;

	init_opts(&h, 1, 1, 0);
	connect_syn(&h);
	v = h.out.opt.ts_val;
	{
		/* mss 1460,nop,nop,TS val v ecr 0,nop,wscale 7 */
		const uint8_t w[20] = {2, 4, 0x05, 0xb4, 1, 1, 8, 10, BE32(v), 0, 0, 0, 0,
				       1, 3, 3, 7};
		expect_opt_bytes(&h, w, sizeof w);
	}
	h_fini(&h);
}

/* Active open: sack_ok follows the SYN-ACK's SACK-permitted; nothing after the SYN
 * carries SACK-permitted (RFC 2018 §2: "MUST NOT be sent on non-SYN segments"). */
static void active_with_peer(bool peer_sack, unsigned want_opts)
{
	struct harness h;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1460 };
	uint32_t iss;
	uint16_t lport;
	int fd;

	init_opts(&h, 0, 0, 1);
	fd = connect_syn(&h);
	iss = h.out.seq;
	lport = h.out.sport;
	if (peer_sack)
		o.present |= WIRE_HAS_SACKOK;
	h_send_opt(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 1, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.opt.present, 0);
	cr_assert_eq(h.out.hdr_len, 20);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, want_opts);
	h_fini(&h);
}

Test(stream_rcv_sackok, active_peer_offers_sack)
{
	active_with_peer(true, SYNACK_TI_OPT_SACK);
}

Test(stream_rcv_sackok, active_peer_without_sack)
{
	active_with_peer(false, 0);
}

/* Passive open through a half-open entry: the SYN-ACK answers SACK-permitted exactly
 * when the SYN had it and cfg.sack is on; the accepted tcb has sack_ok accordingly. */
static void passive_with(unsigned cfg_sack, bool peer_sack)
{
	struct harness h;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1460 };
	bool sack = cfg_sack && peer_sack;
	uint32_t iss;
	int l, fd;

	init_opts(&h, 0, 0, cfg_sack);
	l = h_listen(&h, SRV_PORT, 4);
	if (peer_sack)
		o.present |= WIRE_HAS_SACKOK;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 65535);
	iss = h.out.seq;
	if (sack) {
		const uint8_t w[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};

		expect_opt_bytes(&h, w, sizeof w);
	} else {
		const uint8_t w[4] = {2, 4, 0x05, 0xb4};

		expect_opt_bytes(&h, w, sizeof w);
	}
	/* a retransmitted SYN-ACK (the entry's own builder) carries the same options */
	h_advance(&h, 1 * SEC);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS | (sack ? WIRE_HAS_SACKOK : 0));
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_NONE(&h);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, sack ? SYNACK_TI_OPT_SACK : 0);
	h_fini(&h);
}

Test(stream_rcv_sackok, passive_both_offer)
{
	passive_with(1, true);
}

Test(stream_rcv_sackok, passive_peer_without)
{
	passive_with(1, false);
}

Test(stream_rcv_sackok, passive_sack_off_ignores_offer)
{
	passive_with(0, true);
}

/* SYN cookies (syncookies = 2): SACK-permitted rides in the cookie TSval's SACK bit
 * (syncookie.h, as Linux), so the child created from the ACK has sack_ok; without
 * timestamps there is nowhere to keep it and the cookie SYN-ACK does not offer it. */
Test(stream_rcv_sackok, cookie_child_keeps_sack_through_tsval)
{
	struct harness h;
	struct synack_config c;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = {
		.present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS, .mss = 1460,
		.ts_val = 9000,
	};
	uint32_t cookie, tsv;
	int ws = -2, l, fd;
	bool sack = false, ecn = true;

	synack_config_default(&c);
	c.syncookies = 2;
	c.window_scaling = 0;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 16);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 65535);
	cookie = h.out.seq;
	tsv = h.out.opt.ts_val;
	{
		/* mss 1460,sackOK,TS val tsv ecr 9000 */
		const uint8_t w[16] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, BE32(tsv), BE32(9000u)};

		expect_opt_bytes(&h, w, sizeof w);
	}
	tcp_cookie_ts_decode(tsv, &ws, &sack, &ecn);
	cr_assert_eq(ws, -1);
	cr_assert(sack);
	cr_assert(!ecn);
	o.present = WIRE_HAS_TS;
	o.ts_val = 9001;
	o.ts_ecr = tsv;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, cookie + 1, 1000, &o, NULL, 0,
		   0);
	EXPECT_NONE(&h);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, SYNACK_TI_OPT_TIMESTAMPS | SYNACK_TI_OPT_SACK);
	h_fini(&h);
}

Test(stream_rcv_sackok, cookie_without_ts_drops_sack)
{
	struct harness h;
	struct synack_config c;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = {
		.present = WIRE_HAS_MSS | WIRE_HAS_SACKOK, .mss = 1460,
	};
	const uint8_t w[4] = {2, 4, 0x05, 0xb4};
	uint32_t cookie;
	int l, fd;

	synack_config_default(&c);
	c.syncookies = 2;
	c.timestamps = 0;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 16);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 65535);
	cookie = h.out.seq;
	expect_opt_bytes(&h, w, sizeof w);      /* MSS only: neither WS nor SACK fit */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, cookie + 1, 1000);
	EXPECT_NONE(&h);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, 0);
	h_fini(&h);
}

/* Simultaneous open (§3.10.7.3 fourth): the SYN,ACK we answer a SYN with in SYN-SENT
 * carries SACK-permitted only when the peer's SYN did. */
Test(stream_rcv_sackok, simultaneous_open_synack_follows_peer)
{
	struct harness h;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK, .mss = 1460 };
	uint32_t iss;
	uint16_t lport;
	int fd;

	init_opts(&h, 0, 0, 1);
	fd = connect_syn(&h);
	iss = h.out.seq;
	lport = h.out.sport;
	h_send_opt(&h, SRV_PORT, lport, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS | WIRE_HAS_SACKOK);
	h_send(&h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.state, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(ti.options, SYNACK_TI_OPT_SACK);
	h_fini(&h);
}
