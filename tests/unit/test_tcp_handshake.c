/* test_tcp_handshake.c — CLOSED, LISTEN and SYN-SENT segment arrival (RFC 9293
 * §3.10.7.1–3), active/passive/simultaneous open, MSS option (S14), S07, S18, S22. */
#include "harness.h"

Test(tcp_closed, closed_syn_gets_rst_ack)
{
	struct harness h;

	h_init(&h);
	/* S07: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	h_send(&h, PEER_PORT, 81, F_SYN, 5000, 0, 8192);
	EXPECT_SEG(&h, F_RST | F_ACK, 0, 5001, 0);
	cr_assert_eq(h.out.sport, 81);
	cr_assert_eq(h.out.dport, PEER_PORT);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NO_LISTENER), 1);
	h_fini(&h);
}

Test(tcp_closed, closed_ack_gets_rst_seq_ack)
{
	struct harness h;

	h_init(&h);
	h_send(&h, PEER_PORT, 81, F_ACK, 5000, 777, 8192);
	EXPECT_SEG(&h, F_RST, 777, 0, 0);
	h_fini(&h);
}

Test(tcp_closed, closed_data_fin_counts_len)
{
	struct harness h;

	h_init(&h);
	h_send_data(&h, PEER_PORT, 81, F_FIN | F_PSH, 5000, 0, 8192, "abc", 3);
	EXPECT_SEG(&h, F_RST | F_ACK, 0, 5004, 0);      /* 3 data + FIN */
	h_fini(&h);
}

Test(tcp_closed, closed_rst_is_ignored)
{
	struct harness h;

	h_init(&h);
	h_send(&h, PEER_PORT, 81, F_RST, 5000, 0, 0);
	h_send(&h, PEER_PORT, 81, F_RST | F_ACK, 5000, 9, 0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_listen, listen_syn_gets_syn_ack_with_mss)
{
	struct harness h;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS);
	cr_assert_eq(h.out.opt.mss, 1460);              /* S14: MTU - 40 */
	cr_assert_eq(h.out.payload_len, 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_listen, listen_ack_gets_rst)
{
	struct harness h;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN, 4242, 8192);
	EXPECT_SEG(&h, F_RST, 4242, 0, 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	h_fini(&h);
}

Test(tcp_listen, listen_rst_ignored)
{
	struct harness h;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, PEER_ISN, 0, 0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_listen, listen_data_dropped)
{
	struct harness h;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_PSH, PEER_ISN, 0, 8192, "x", 1);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN, PEER_ISN, 0, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	h_fini(&h);
}

Test(tcp_listen, listen_syn_fin_dropped)
{
	struct harness h;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN | F_FIN, PEER_ISN, 0, 8192);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_listen, passive_handshake_accept)
{
	struct harness h;
	uint32_t iss;
	int l, fd;

	h_init(&h);
	fd = h_passive_est(&h, &l, &iss);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(synack_accept(h.s, l, NULL, NULL), -EAGAIN);
	h_fini(&h);
}

Test(tcp_listen, listen_syn_without_mss_uses_536)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.snd_mss, 536);          /* MUST-15 */
	cr_assert_eq(ti.rcv_mss, 1460);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_rst_returns_to_listen)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	(void)iss;
	/* S18: an old duplicate SYN; the peer answers our SYN-ACK with a RST */
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, PEER_ISN + 1, 0, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_bad_ack_gets_rst)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 5, 8192);
	EXPECT_SEG(&h, F_RST, iss + 5, 0, 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_dup_syn_resends_syn_ack)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_data_ack_establishes)
{
	struct harness h;
	uint32_t iss;
	char buf[16];
	int l, fd;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	/* S06: third ACK lost, the data segment (ACK set) completes the handshake */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1, iss + 1, 8192,
		    "hello", 5);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 5);     /* S16 buffered */
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_syn_ack_establishes)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	cr_assert_geq(lport, 32768);
	cr_assert_leq(lport, 60999);
	EXPECT_EVENT(&h, fd, SYNACK_EV_CONNECTED);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EISCONN);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_first_syn_has_mss_only)
{
	struct harness h;
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EALREADY);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, 65535);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS);
	cr_assert_eq(h.out.opt.mss, 1460);
	cr_assert_eq(h.out.ack, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_rst_acceptable_ack)
{
	struct harness h;
	int fd, err;
	size_t len = sizeof err;
	uint32_t iss;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	h_send(&h, SRV_PORT, h.out.sport, F_RST | F_ACK, 0, iss + 1, 0);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_EVENT(&h, fd, SYNACK_EV_RESET);
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ECONNREFUSED);        /* S07, S22 */
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_rst_unacceptable_ack_ignored)
{
	struct harness h;
	int fd;
	uint32_t iss;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	h_send(&h, SRV_PORT, h.out.sport, F_RST | F_ACK, 0, iss + 2, 0);
	h_send(&h, SRV_PORT, h.out.sport, F_RST, 0, 0, 0);     /* no ACK at all */
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_bad_ack_gets_rst)
{
	struct harness h;
	int fd;
	uint32_t iss;
	uint16_t lport;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	lport = h.out.sport;
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 7, 8192);
	EXPECT_SEG(&h, F_RST, iss + 7, 0, 0);
	h_send(&h, SRV_PORT, lport, F_ACK, PEER_ISN, iss, 8192);     /* SEG.ACK =< ISS */
	EXPECT_SEG(&h, F_RST, iss, 0, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_plain_ack_dropped)
{
	struct harness h;
	int fd;
	uint32_t iss;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	h_send(&h, SRV_PORT, h.out.sport, F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_NONE(&h);        /* fifth: neither SYN nor RST: drop */
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	h_fini(&h);
}

Test(tcp_syn_sent, syn_sent_syn_simultaneous_open)
{
	struct harness h;
	int fd;
	uint32_t iss;
	uint16_t lport;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	lport = h.out.sport;
	/* S02: the peer's own SYN crosses ours */
	h_send(&h, SRV_PORT, lport, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_RECEIVED);
	/* its SYN-ACK for our SYN arrives: ESTABLISHED, 4 segments in all (Figure 8) */
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	EXPECT_EVENT(&h, fd, SYNACK_EV_CONNECTED);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_active_rst_refused)
{
	struct harness h;
	int fd;
	uint32_t iss;
	uint16_t lport;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	lport = h.out.sport;
	h_send(&h, SRV_PORT, lport, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	/* MUST-11: reached from SYN-SENT, a RST means "connection refused" */
	h_send(&h, SRV_PORT, lport, F_RST, PEER_ISN + 1, 0, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ECONNREFUSED);
	h_fini(&h);
}
