/* test_tcp_established.c — synchronized states (RFC 9293 §3.10.7.4) driven by
 * segment scripts: data at and around the window edges, RST/SYN/ACK checks of RFC 5961,
 * FIN handling, active/passive/simultaneous close (S01, S03), half-close (S04), abortive
 * close (S08), RFC 2525 §2.17, TIME-WAIT (S10, S13), urgent data (S27). */
#include "harness.h"
#include "api/api.h"

#define R (PEER_ISN + 1)        /* our RCV.NXT after F-EST */

/* The first data of a connection is ACKed at once (Linux's quick-ACK mode); the delayed
 * ACK of later segments is in test_stream_rcv_ack.c. */
Test(tcp_established, established_data_in_order_quick_ack)
{
	struct harness h;
	uint32_t iss;
	char buf[16];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R, iss + 1, 8192, "hello", 5);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 5, 65535);
	EXPECT_NONE(&h);
	EXPECT_EVENT(&h, fd, SYNACK_EV_READABLE);
	cr_assert_eq(synack_recv(h.s, fd, buf, 3, SYNACK_MSG_PEEK), 3);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), -EAGAIN);
	h_fini(&h);
}

Test(tcp_established, established_second_segment_acked_at_once)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, "aaaa", 4);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 4, iss + 1, 8192, "bbbb", 4);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 8, 65535);
	EXPECT_NONE(&h);
	h_advance(&h, SEC);
	EXPECT_NONE(&h);                        /* the delayed ACK went with it */
	h_fini(&h);
}

Test(tcp_established, established_data_left_edge_overlap_trimmed)
{
	struct harness h;
	uint32_t iss;
	char buf[16];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, "abc", 3);
	/* overlaps: 2 old bytes, 3 new */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 1, 8192, "bcdef", 5);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 6, ANYWIN);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 6);
	cr_assert_eq(memcmp(buf, "abcdef", 6), 0);
	h_fini(&h);
}

Test(tcp_established, established_old_duplicate_gets_ack)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R - 10, iss + 1, 8192, "0123456789", 10);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);       /* not acceptable: ACK and drop */
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NOT_ACCEPTABLE), 1);
	h_fini(&h);
}

Test(tcp_established, established_data_right_edge_outside_gets_ack)
{
	struct harness h;
	uint32_t iss;
	char buf[4];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 65535, iss + 1, 8192, "x", 1);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 65534, iss + 1, 8192, "y", 1);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);       /* in window, out of order: dup ACK */
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), -EAGAIN);
	h_fini(&h);
}

/*
 * A segment overhanging both edges of the window: RFC 9293 Table 6 rejects it (neither
 * its first nor its last octet lies in the window) while §3.10.7.4 processes "only the
 * new parts" of a segment straddling old and new; Linux (tcp_sequence) accepts it. So
 * do we (docs/choices.md "A segment overhanging both window edges"): the old octets are
 * trimmed (reported as a D-SACK), the ones beyond the window too, and exactly the
 * window's worth is delivered and acknowledged.
 */
Test(tcp_established, established_data_overhanging_both_edges_trimmed)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_SACKOK };
	struct synack_config cfg;
	static char seg[1100], buf[2000];
	struct harness h;
	uint32_t iss;
	int l, fd;

	h_default_config(&cfg);
	cfg.sack = 1;
	cfg.rmem_default = 1000;        /* RCV.WND 1000 */
	h_init_cfg(&h, &cfg);
	l = h_listen(&h, SRV_PORT, 16);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, 1000);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, "abcde", 5);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 5, 995);
	/* [R + 2, R + 1102): 3 octets below RCV.NXT, 102 beyond RCV.NXT + RCV.WND */
	for (unsigned i = 0; i < sizeof seg; i++)
		seg[i] = (char)('A' + i % 23);
	memcpy(seg, "cde", 3);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 2, iss + 1, 8192, seg, sizeof seg);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 1000, 0);
	cr_assert(h.out.opt.present & WIRE_HAS_SACK);
	cr_assert_eq(h.out.opt.sack_count, 1);
	cr_assert_eq(h.out.opt.sack[0].left, R + 2);    /* RFC 2883 §4.1.2: the old part */
	cr_assert_eq(h.out.opt.sack[0].right, R + 5);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NOT_ACCEPTABLE), 0);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 1000);
	cr_assert_eq(memcmp(buf, "abcde", 5), 0);
	cr_assert_eq(memcmp(buf + 5, seg + 3, 995), 0);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), -EAGAIN);
	h_fini(&h);
}

Test(tcp_established, established_rst_at_rcv_nxt_resets)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R, 0, 0);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_EVENT(&h, fd, SYNACK_EV_RESET);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ECONNRESET);
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), -EPIPE);
	h_fini(&h);
}

Test(tcp_established, established_rst_in_window_challenge_ack)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 100, 0, 0);  /* RFC 5961 §3.2 */
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_CHALLENGE_ACK), 1);
	h_fini(&h);
}

Test(tcp_established, established_rst_outside_window_dropped)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 70000, 0, 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST | F_ACK, R - 1, iss + 1, 0);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

Test(tcp_established, established_syn_challenge_ack)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, R + 5, 0, 8192);  /* RFC 5961 §4 */
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	/* a second one within invalid_ratelimit_ms (500 ms): no ACK (Linux
	 * tcp_oow_rate_limited; FINDINGS F2) */
	h_advance(&h, 500 * MSEC - 1);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN | F_ACK, R, iss + 1, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_OOW_LIMITED), 1);
	h_advance(&h, 1);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN | F_ACK, R, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

Test(tcp_established, established_pure_ack_out_of_window_dup_ack_rate_limited)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_passive_est(&h, NULL, &iss);
	/* FINDINGS F2: pure ACKs left of the window get one dup ACK per 500 ms */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R - 100, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	for (int i = 0; i < 100; i++)
		h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R - 100, iss + 1, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_OOW_LIMITED), 100);
	/* data is never part of an ACK loop: always answered */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R - 100, iss + 1, 8192, "xy", 2);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	h_advance(&h, 500 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R - 100, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	h_fini(&h);
}

Test(tcp_established, established_ack_beyond_snd_nxt_challenge_ack)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 50, 8192, "zz", 2);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);       /* RFC 5961 §5.2: data not taken */
	h_fini(&h);
}

Test(tcp_established, established_send_and_ack)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, 65535);
	cr_assert_eq(h.out.payload_len, 3);
	cr_assert_eq(memcmp(h.out.payload, "abc", 3), 0);
	h_advance(&h, 50 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 4, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.snd_una, iss + 4);
	cr_assert_eq(ti.unacked, 0);
	/* RFC 6298: the SYN-ACK was timed at 0 us (2.2), then this 50 ms sample (2.3):
	 * RTTVAR = 3/4*0 + 1/4*50000, SRTT = 7/8*0 + 1/8*50000; RTO floored at rto_min */
	cr_assert_eq(ti.rttvar_us, 12500);
	cr_assert_eq(ti.rtt_us, 6250);
	cr_assert_eq(ti.rto_us, 200000);
	h_fini(&h);
}

Test(tcp_established, established_send_respects_mss_and_window)
{
	struct harness h;
	uint32_t iss;
	static char big[4000];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);     /* peer sent no MSS: 536; window 8192 */
	cr_assert_eq(synack_send(h.s, fd, big, sizeof big, 0), 4000);
	for (uint32_t i = 0; i < 7; i++) {
		EXPECT_SEG(&h, F_ACK, iss + 1 + 536 * i, R, ANYWIN);
		cr_assert_eq(h.out.payload_len, 536);   /* S14: never above the peer's MSS */
	}
	EXPECT_NONE(&h);        /* Nagle: the 248-byte tail waits for the ACK */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1 + 536 * 7, 8192);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1 + 536 * 7, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 4000 - 536 * 7);
	EXPECT_NONE(&h);
	h_fini(&h);
}

/* MUST-1 (RFC 9293 §3.1, §3.8.6: the window is an unsigned number): windows with the
 * field's top bit set (40 000, 65 535, no scaling) limit the sender exactly. MTU 65535
 * and the peer's MSS 60 000 make the initial window 2 x 60 000 (RFC 6928), so only the
 * peer's window holds the sender back: 40 000 bytes go, then nothing until the ACK that
 * opens 65 535 more, then the last 60 000 (PSH). A window read as signed (40 000 as
 * -25 536) fails this at the first segment. */
Test(tcp_established, must1_window_with_the_top_bit_set_is_unsigned)
{
	struct wire_tcp_opts o = {.present = WIRE_HAS_MSS, .mss = 60000};
	struct synack_config c;
	struct harness h;
	static char big[100000];
	uint32_t iss, a;
	int l, fd;

	h_default_config(&c);
	c.mtu = 65535;
	c.wmem_default = 1u << 20;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 16);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 40000, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 40000);
	fd = synack_accept(h.s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_send(h.s, fd, big, sizeof big, 0), (long)sizeof big);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 40000, "payload %zu, the window is 40000",
		     h.out.payload_len);
	EXPECT_NONE(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1 + 40000, 65535);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1 + 40000, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 60000);
	EXPECT_NONE(&h);
	synack_close(h.s, fd);
	h_fini(&h);
}

Test(tcp_established, established_fin_to_close_wait)
{
	struct harness h;
	uint32_t iss;
	char buf[4];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 1, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSE_WAIT);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 0);     /* EOF */
	/* S01 passive close: LAST-ACK, then CLOSED on the ACK of our FIN */
	cr_assert_eq(synack_shutdown(h.s, fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R + 1, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_LAST_ACK);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 2, 8192);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_established, established_close_active_to_time_wait)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_shutdown(h.s, fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_FIN_WAIT_1);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	EXPECT_STATE(&h, fd, SYNACK_STATE_FIN_WAIT_2);
	EXPECT_NONE(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, 65535);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_advance(&h, 60 * SEC - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_advance(&h, 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);      /* 2 * msl = 60 s */
	h_fini(&h);
}

Test(tcp_fin_wait_1, fin_wait_1_fin_ack_to_time_wait)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_fini(&h);
}

Test(tcp_fin_wait_1, fin_wait_1_fin_simultaneous_close)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	/* S03: the peer's FIN does not ack ours */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSING);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 2, 8192);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_fin_wait_2, fin_wait_2_data_still_received)
{
	struct harness h;
	uint32_t iss;
	char buf[8];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);      /* S04 half-close */
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R, iss + 2, 8192, "sorted", 6);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R + 6, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 7, ANYWIN);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 6);
	cr_assert_eq(memcmp(buf, "sorted", 6), 0);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_advance(&h, 3600 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_fin_restarts_2msl)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	h_advance(&h, 30 * SEC);
	/* S10: our last ACK was lost: the FIN comes again, is ACKed, 2MSL restarts */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	h_advance(&h, 59 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_advance(&h, 1 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_rst_ignored_rfc1337)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 1, 0, 0);   /* S13 */
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_TW_RST_IGNORED), 1);
	h_fini(&h);
}

Test(tcp_established, established_close_unread_data_sends_rst)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, "unread", 6);
	cr_assert_eq(synack_close(h.s, fd), 0);
	/* RFC 2525 §2.17 */
	EXPECT_SEG(&h, F_RST | F_ACK, iss + 1, R + 6, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_close(h.s, fd), -EBADF);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	h_fini(&h);
}

Test(tcp_established, established_linger_zero_close_sends_rst)
{
	struct harness h;
	struct synack_linger lg = { 1, 0 };
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_send(h.s, fd, "queued", 6, 0), 6);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg,
				       sizeof lg), 0);
	cr_assert_eq(synack_close(h.s, fd), 0);
	EXPECT_SEG(&h, F_RST | F_ACK, iss + 7, R, 0);   /* S08: SEQ=SND.NXT */
	EXPECT_NONE(&h);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);       /* no TIME-WAIT */
	h_fini(&h);
}

Test(tcp_established, established_close_orphan_data_after_close_rst)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_FIN_WAIT_2);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192, "late", 4);
	EXPECT_SEG(&h, F_RST | F_ACK, iss + 2, R, 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	h_fini(&h);
}

Test(tcp_established, established_urgent_data_in_line)
{
	struct harness h;
	uint32_t iss;
	char buf[8];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_URG, R, iss + 1, 8192, NULL, "ab!", 3, 3);
	cr_assert(synack_poll(h.s, fd, SYNACK_POLLPRI | SYNACK_POLLIN) ==
		  (SYNACK_POLLPRI | SYNACK_POLLIN));
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 3);     /* S27: in line */
	cr_assert_eq(memcmp(buf, "ab!", 3), 0);
	/* sending urgent data: URG with the pointer past the last urgent byte (RFC 6093) */
	cr_assert_eq(synack_send(h.s, fd, "xy", 2, SYNACK_MSG_OOB), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH | F_URG, iss + 1, R + 3, ANYWIN);
	cr_assert_eq(h.out.urp, 2);
	h_fini(&h);
}

/* RFC 9293 §3.8.5: once the urgent octets are acknowledged, SND.UP is forgotten. The
 * sequence space wraps (§3.4): 2^32 - 1 octets later SND.UNA is one octet below the old
 * SND.UP, and a stack that still held it would put URG with a pointer of 1 on segments
 * that carry no urgent data. A real transfer of 4 G octets is minutes under ASan, so the
 * test moves SND.UP instead, as test_tcp_iss_wrap moves ISS: on an idle connection
 * (nothing outstanding) every other variable is relative to SND.UNA, and SND.UP one
 * octet ahead of SND.UNA is what the long transfer leaves. */
Test(tcp_established, urgent_pointer_forgotten_once_acked)
{
	struct harness h;
	uint32_t iss;
	struct tcb *t;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	t = api_tcb(h.s, fd);
	cr_assert_not_null(t);
	cr_assert_eq(synack_send(h.s, fd, "xy", 2, SYNACK_MSG_OOB), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH | F_URG, iss + 1, R, ANYWIN);
	cr_assert_eq(h.out.urp, 2);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 3, 8192);  /* urgent octets acked */
	EXPECT_NONE(&h);
	cr_assert_eq(synack_send(h.s, fd, "ab", 2, 0), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 3, R, ANYWIN);        /* past SND.UP: no URG */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 5, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(t->snd_una, iss + 5);
	t->snd_up = t->snd_una + 1;     /* 2^32 - 1 octets on: the old SND.UP just ahead */
	cr_assert_eq(synack_send(h.s, fd, "cd", 2, 0), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 5, R, ANYWIN);        /* no URG, no pointer */
	cr_assert_eq(h.out.urp, 0);
	h_fini(&h);
}
