/* test_tcp_syncookies.c — S17 syn-flood through the engine: spoofed SYNs fill a small
 * SYN queue; with syncookies 1 (default) a legitimate client still connects through a
 * cookie whose ISN is exactly tcp_cookie_make's and whose MSS (table-rounded) is
 * honoured; with 0 its SYN is dropped; 2 answers every SYN with a cookie; invalid
 * cookie ACKs get a RST (§3.10.7.2) and are counted; key rotation; WS through TSval. */
#include "harness.h"
#include "tcp/isn.h"
#include "tcp/syncookie.h"

#define R (PEER_ISN + 1)

/* A segment from src:sport (any source address) to US:SRV_PORT. */
static void send_from(struct harness *h, uint32_t src, uint16_t sport, uint8_t flags,
		      uint32_t seq, uint32_t ack, const struct wire_tcp_opts *opt)
{
	struct wire_tcp t = {
		.sport = sport, .dport = SRV_PORT, .seq = seq, .ack = ack, .flags = flags,
		.win = 8192,
	};
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = src, .dst = US,
	};
	size_t n;

	if (opt)
		t.opt = *opt;
	n = wire_tcp_emit(&t, src, US, NULL, 0, h->pkt + 20, sizeof h->pkt - 20);
	cr_assert_gt(n, 0);
	ip.total_len = (uint16_t)(n + 20);
	cr_assert_eq(wire_ipv4_emit(&ip, h->pkt, 20), 20);
	synack_input(h->s, h->now, h->pkt, n + 20);
}

static void harness_cookie_keys(struct tcp_cookie_keys *k)
{
	uint8_t key[16];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)((i + 16) * 7 + 1);   /* the harness secret's second half */
	tcp_cookie_keys_init(k, key);
}

/* 4 spoofed SYNs (10.9.0.1..4) fill the SYN queue of a backlog-4 listener. */
static int flood(struct harness *h)
{
	int l = h_listen(h, SRV_PORT, 4);

	for (uint32_t i = 1; i <= 4; i++) {
		send_from(h, 0x0a090000u + i, 1000, F_SYN, 77 * i, 0, NULL);
		EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, 77 * i + 1, ANYWIN);
	}
	cr_assert_eq(h_state_of_port(h, 1000), SYNACK_STATE_SYN_RECEIVED);
	return l;
}

Test(tcp_listen, listen_syn_flood_cookie_connects_with_mss_S17)
{
	struct harness h;
	struct tcp_cookie_keys k;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1400 };
	struct synack_tcp_info ti;
	struct synack_sock_info info[16];
	uint16_t used;
	uint32_t cookie;
	uint8_t data[3000] = { 0 };
	int l, fd;

	h_init(&h);
	l = flood(&h);
	/* the legitimate client: no entry, a cookie SYN-ACK (MSS 1400 -> table 1300) */
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	harness_cookie_keys(&k);
	cookie = tcp_cookie_make(&k, US, SRV_PORT, THEM, PEER_PORT, PEER_ISN, 1400, h.now, &used);
	cr_assert_eq(used, 1300);
	EXPECT_SEG(&h, F_SYN | F_ACK, cookie, R, 65535);
	cr_assert_eq(h.out.opt.mss, 1460);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_SENT), 1);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1, "no state kept for a cookie");
	cr_assert_eq(synack_sock_list(h.s, info, 16), 1 + 4);   /* listener + 4 entries */
	/* the third segment carries data: the connection exists from the cookie alone */
	h_advance(&h, 500 * MSEC);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R, cookie + 1, 8192, "hello", 5);
	EXPECT_SEG(&h, F_ACK, cookie + 1, R + 5, ANYWIN);  /* quick-ACK mode: at once */
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 1);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.state, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(ti.snd_mss, 1300, "snd_mss %u", ti.snd_mss);
	cr_assert_eq(ti.iss, cookie);
	cr_assert_eq(synack_recv(h.s, fd, data, sizeof data, 0), 5);
	cr_assert_eq(memcmp(data, "hello", 5), 0);
	/* the cookie's MSS is honoured on the wire */
	cr_assert_eq(synack_send(h.s, fd, data, 3000, 0), 3000);
	EXPECT_SEG(&h, F_ACK, cookie + 1, R + 5, ANYWIN);
	cr_assert_eq(h.out.payload_len, 1300);
	h_fini(&h);
}

Test(tcp_listen, listen_syn_flood_without_cookies_drops_S17)
{
	struct harness h;
	struct synack_config c;

	h_default_config(&c);
	c.syncookies = 0;
	h_init_cfg(&h, &c);
	flood(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_NONE(&h);                /* dropped while the queue is full */
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_SYNQ_FULL), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_SENT), 0);
	/* a stray ACK is not taken as a cookie: §3.10.7.2 RST */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, 12345, 8192);
	EXPECT_SEG(&h, F_RST, 12345, 0, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_BAD), 0);
	h_fini(&h);
}

Test(tcp_listen, listen_bad_cookie_ack_gets_rst_counted)
{
	struct harness h;
	uint32_t cookie;

	h_init(&h);
	flood(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	cookie = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, cookie + 2, 8192);      /* tampered */
	EXPECT_SEG(&h, F_RST, cookie + 2, 0, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, cookie + 1, 8192);  /* other ISN */
	EXPECT_SEG(&h, F_RST, cookie + 1, 0, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_BAD), 2);
	/* too old: 128 s later the counter is 2 periods on */
	h_advance(&h, 128 * SEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, cookie + 1, 8192);
	EXPECT_SEG(&h, F_RST, cookie + 1, 0, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 0);
	h_fini(&h);
}

Test(tcp_listen, listen_cookie_key_rotation)
{
	struct harness h;
	uint8_t k1[16] = { 1 }, k2[16] = { 2 };
	uint32_t cookie;
	int l;

	h_init(&h);
	l = flood(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	cookie = h.out.seq;
	synack_stack_rotate_cookie_key(h.s, k1);        /* previous key still accepted */
	synack_stack_rotate_cookie_key(h.s, k2);        /* now forgotten */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, cookie + 1, 8192);
	EXPECT_SEG(&h, F_RST, cookie + 1, 0, ANYWIN);
	/* a fresh cookie under k2 works after one more rotation */
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	cookie = h.out.seq;
	synack_stack_rotate_cookie_key(h.s, k1);
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_ACK, R, cookie + 1, 8192);
	EXPECT_NONE(&h);
	cr_assert_geq(synack_accept(h.s, l, NULL, NULL), 0);
	h_fini(&h);
}

Test(tcp_listen, listen_syncookies_always_ws_in_tsval)
{
	struct harness h;
	struct synack_config c;
	struct synack_tcp_info ti;
	struct wire_tcp_opts o = {
		.present = WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS, .mss = 1460, .wscale = 7,
		.ts_val = 9000,
	};
	struct synack_sock_info info[4];
	uint32_t cookie, tsv;
	int ws = -2, l, fd;
	bool sack = true, ecn = true;

	h_default_config(&c);
	c.syncookies = 2;
	c.timestamps = 1;
	c.window_scaling = 1;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 16);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, 65535);
	cookie = h.out.seq;
	tsv = h.out.opt.ts_val;
	cr_assert(h.out.opt.present & WIRE_HAS_WS);
	cr_assert_eq(h.out.opt.ts_ecr, 9000);
	tcp_cookie_ts_decode(tsv, &ws, &sack, &ecn);
	cr_assert_eq(ws, 7);
	cr_assert(!sack);
	cr_assert(!ecn);
	cr_assert_eq(synack_sock_list(h.s, info, 4), 1);        /* always: no entry */
	o.present = WIRE_HAS_TS;
	o.ts_val = 9001;
	o.ts_ecr = tsv;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, R, cookie + 1, 1000, &o, NULL, 0, 0);
	EXPECT_NONE(&h);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.snd_wscale, 7);
	cr_assert_eq(ti.snd_wnd, 1000u << 7);
	cr_assert(ti.options & SYNACK_TI_OPT_TIMESTAMPS);
	cr_assert_eq(ti.snd_mss, 1460 - 12);
	h_fini(&h);
}

/* An ACK from port carrying a cookie made now under the stack's key (as if a SYN had
 * been answered with one): accepted when checked. */
static uint32_t send_crafted_cookie_ack(struct harness *h, uint16_t port)
{
	struct tcp_cookie_keys k;
	uint16_t used;
	uint32_t cookie;

	harness_cookie_keys(&k);
	cookie = tcp_cookie_make(&k, US, SRV_PORT, THEM, port, PEER_ISN, 1460, h->now, &used);
	h_send(h, port, SRV_PORT, F_ACK, R, cookie + 1, 8192);
	return cookie;
}

/* syncookies 1: a listener whose SYN queue never overflowed does not check cookies
 * (Linux tcp_synq_no_recent_overflow): an authentic cookie ACK gets the §3.10.7.2 RST,
 * uncounted as a bad cookie. */
Test(tcp_listen, listen_cookie_not_checked_without_recent_overflow)
{
	struct harness h;
	uint32_t cookie;
	int l;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, 4);
	cookie = send_crafted_cookie_ack(&h, PEER_PORT);
	EXPECT_SEG(&h, F_RST, cookie + 1, 0, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 0);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_BAD), 0);
	cr_assert_eq(synack_accept(h.s, l, NULL, NULL), -EAGAIN);
	h_fini(&h);
}

/* After an overflow (a SYN answered with a cookie at t0), cookie ACKs are checked until
 * t0 + 128 s (two counter periods) and not after. */
Test(tcp_listen, listen_cookie_checked_within_128s_of_overflow)
{
	struct harness h;
	uint32_t cookie;
	uint64_t t0;
	int l;

	h_init(&h);
	l = flood(&h);
	send_from(&h, 0x0a090005u, 1000, F_SYN, 5, 0, NULL);     /* overflow: a cookie */
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 6, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_SENT), 1);
	t0 = h.now;
	h_at(&h, t0 + 128 * SEC);
	while (h_next(&h))
		;                       /* the flood's SYN-ACK retransmissions */
	send_crafted_cookie_ack(&h, PEER_PORT);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 1);
	cr_assert_geq(synack_accept(h.s, l, NULL, NULL), 0);
	h_at(&h, t0 + 128 * SEC + 1);
	while (h_next(&h))
		;
	cookie = send_crafted_cookie_ack(&h, PEER_PORT + 1);     /* authentic, unchecked */
	EXPECT_SEG(&h, F_RST, cookie + 1, 0, ANYWIN);
	h_send(&h, PEER_PORT + 2, SRV_PORT, F_ACK, R, 7777, 8192);
	EXPECT_SEG(&h, F_RST, 7777, 0, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_BAD), 0, "not checked");
	h_fini(&h);
}

/* syncookies 2: every ACK is checked, with no overflow and no cookie sent before. */
Test(tcp_listen, listen_syncookies_always_checks_without_overflow)
{
	struct harness h;
	struct synack_config c;
	int l;

	h_default_config(&c);
	c.syncookies = 2;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 4);
	send_crafted_cookie_ack(&h, PEER_PORT);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_OK), 1);
	cr_assert_geq(synack_accept(h.s, l, NULL, NULL), 0);
	h_fini(&h);
}
