/* test_tcp_options.c — options negotiated on the SYN (RFC 9293 §3.7.1, RFC 7323):
 * window scale and timestamps with Linux's defaults on (SACK-permitted too: see
 * test_stream_rcv_sackok.c), PAWS (RFC 7323 §5). */
#include "harness.h"

static void init_with_options(struct harness *h)
{
	struct synack_config c;

	synack_config_default(&c);              /* timestamps and window scaling on */
	h_init_cfg(h, &c);
}

Test(tcp_options, listen_syn_ws_ts_negotiated)
{
	struct harness h;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS,
				   .mss = 1460, .wscale = 7, .ts_val = 5000, .ts_ecr = 0 };
	struct synack_tcp_info ti;
	uint32_t iss, tsval;
	int l, fd;

	init_with_options(&h);
	l = h_listen(&h, SRV_PORT, 4);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 65535);
	iss = h.out.seq;
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS);
	cr_assert_eq(h.out.opt.mss, 1460);
	cr_assert_eq(h.out.opt.wscale, 7);      /* the 6 MiB autotuning cap (rmem_max) */
	cr_assert_eq(h.out.opt.ts_ecr, 5000);
	tsval = h.out.opt.ts_val;
	o.present = WIRE_HAS_TS;
	o.ts_val = 5001;
	o.ts_ecr = tsval;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 100, &o, NULL, 0, 0);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, SYNACK_TI_OPT_TIMESTAMPS | SYNACK_TI_OPT_WSCALE);
	cr_assert_eq(ti.snd_wscale, 7);
	cr_assert_eq(ti.snd_wnd, 100u << 7);
	cr_assert_eq(ti.snd_mss, 1460 - 12);    /* the timestamp option rides on every segment */
	/* data: TS on every segment, window scaled by our shift */
	cr_assert_eq(synack_send(h.s, fd, "hi", 2, 0), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, PEER_ISN + 1, 131072 >> 7);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_TS);
	cr_assert_eq(h.out.opt.ts_ecr, 5001);
	/* PAWS: an older TSval is dropped with an ACK (RFC 7323 §5.3) */
	o.ts_val = 4000;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 3, 100, &o, "old", 3, 0);
	EXPECT_SEG(&h, F_ACK, iss + 3, PEER_ISN + 1, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_PAWS), 1);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -EAGAIN);
	h_fini(&h);
}

Test(tcp_options, syn_sent_offers_ws_ts_peer_without_options)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	uint16_t lport;
	int fd;

	init_with_options(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, 65535);
	cr_assert_eq(h.out.opt.present,
		     WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS | WIRE_HAS_SACKOK);
	iss = h.out.seq;
	lport = h.out.sport;
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.opt.present, 0);     /* the peer offered neither */
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.options, 0);
	cr_assert_eq(ti.rcv_wscale, 0);
	cr_assert_eq(ti.snd_mss, 536);
	h_fini(&h);
}
