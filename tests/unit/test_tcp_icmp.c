/* test_tcp_icmp.c — ICMP errors delivered to connections (RFC 9293 §3.9.2.2, RFC 1122
 * §4.2.3.9, RFC 5927 sequence check, RFC 1191 PMTU): crafted ICMP packets from a router
 * quoting our own segments. */
#include "harness.h"

#define R (PEER_ISN + 1)

static int connect_syn(struct harness *h, uint32_t *iss, uint16_t *lport)
{
	int fd = synack_socket(h->s);

	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	*iss = h->out.seq;
	*lport = h->out.sport;
	return fd;
}

Test(tcp_icmp, syn_sent_port_unreachable_refused)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = connect_syn(&h, &iss, &lport);
	h_icmp_err(&h, 3, 3, 0, lport, SRV_PORT, iss);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ECONNREFUSED);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 1);
	h_fini(&h);
}

Test(tcp_icmp, syn_sent_protocol_unreachable_fails)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = connect_syn(&h, &iss, &lport);
	h_icmp_err(&h, 3, 2, 0, lport, SRV_PORT, iss);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ENOPROTOOPT);
	h_fini(&h);
}

Test(tcp_icmp, syn_sent_stale_sequence_ignored_rfc5927)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = connect_syn(&h, &iss, &lport);
	h_icmp_err(&h, 3, 3, 0, lport, SRV_PORT, iss + 1);        /* not in [UNA, NXT) */
	h_icmp_err(&h, 3, 3, 0, lport, SRV_PORT, iss - 1);
	h_icmp_err(&h, 3, 3, 0, lport, SRV_PORT + 1, iss);        /* no such connection */
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_STALE), 3);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 0);
	h_fini(&h);
}

Test(tcp_icmp, syn_sent_host_unreachable_soft_then_timeout_reports_it)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;
	const uint64_t t0 = 1000 * SEC;

	h_init(&h);
	h.cfg.syn_retries = 1;
	cr_assert_eq(synack_stack_set_config(h.s, &h.cfg), 0);
	fd = connect_syn(&h, &iss, &lport);
	h_icmp_err(&h, 3, 1, 0, lport, SRV_PORT, iss);    /* soft: keep trying */
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	h_at(&h, t0 + 1 * SEC);
	EXPECT_SEG(&h, F_SYN, iss, 0, ANYWIN);
	h_at(&h, t0 + 3 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -EHOSTUNREACH);  /* not ETIMEDOUT */
	h_fini(&h);
}

Test(tcp_icmp, established_port_unreachable_is_soft_cleared_by_ack)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd, err = -1;
	size_t len = sizeof err;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	h_icmp_err(&h, 3, 3, 0, lport, SRV_PORT, iss + 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, 0);           /* soft errors are not SO_ERROR (Linux) */
	h_send(&h, SRV_PORT, lport, F_ACK, R, iss + 4, 8192);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

Test(tcp_icmp, established_frag_needed_lowers_mss_and_resends)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint8_t buf[3000] = { 0 };
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	cr_assert_eq(synack_send(h.s, fd, buf, 3000, 0), 3000);
	/* no MSS option on the peer's SYN-ACK: 536 (MUST-15) */
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 536);
	while (h_next(&h))
		;
	h_icmp_err(&h, 3, 4, 400, lport, SRV_PORT, iss + 1);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.snd_mss, 360, "snd_mss %u", ti.snd_mss);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);        /* resent at the new size */
	cr_assert_eq(h.out.payload_len, 360);
	/* a larger MTU later never raises it; an MTU below 68 is ignored */
	h_icmp_err(&h, 3, 4, 1400, lport, SRV_PORT, iss + 1);
	h_icmp_err(&h, 3, 4, 60, lport, SRV_PORT, iss + 1);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.snd_mss, 360);
	h_fini(&h);
}

/* A half-open entry on a listener: SYN from PEER_PORT, our SYN-ACK seq *iss. */
static int half_open(struct harness *h, uint32_t *iss)
{
	int l = h_listen(h, SRV_PORT, 16);

	h_send(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, PEER_ISN + 1, ANYWIN);
	*iss = h->out.seq;
	cr_assert_eq(h_state_of_port(h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	return l;
}

/* RFC 5927 §4.1 / Linux tcp_req_err: a host unreachable quoting the SYN-ACK (seq ISS)
 * drops the entry silently; the late third ACK then finds only the listener (RST). */
Test(tcp_icmp, half_open_host_unreachable_drops_entry)
{
	struct harness h;
	uint32_t iss;
	int l;

	h_init(&h);
	l = half_open(&h, &iss);
	h_icmp_err(&h, 3, 1, 0, SRV_PORT, PEER_PORT, iss);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_STALE), 0);
	EXPECT_NONE(&h);
	h_at(&h, h.now + 1 * SEC);              /* no SYN-ACK retransmission any more */
	EXPECT_NONE(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_SEG(&h, F_RST, iss + 1, 0, ANYWIN);
	cr_assert_eq(synack_accept(h.s, l, NULL, NULL), -EAGAIN);
	h_fini(&h);
}

/* Time exceeded, parameter problem and net unreachable drop it too (Linux's list). */
Test(tcp_icmp, half_open_time_exceeded_param_problem_net_unreachable_drop)
{
	static const uint8_t msg[3][2] = { { 11, 0 }, { 12, 0 }, { 3, 0 } };

	for (int i = 0; i < 3; i++) {
		struct harness h;
		uint32_t iss;

		h_init(&h);
		half_open(&h, &iss);
		h_icmp_err(&h, msg[i][0], msg[i][1], 0, SRV_PORT, PEER_PORT, iss);
		cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1, "ICMP %u/%u", msg[i][0],
			     msg[i][1]);
		cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 1);
		h_fini(&h);
	}
}

/* A quoted sequence other than the ISS is stale (counted); port unreachable and
 * fragmentation needed leave the entry (Linux): the SYN-ACK is retransmitted at 1 s and
 * the third ACK completes the handshake. */
Test(tcp_icmp, half_open_mismatch_and_nonfatal_codes_ignored)
{
	struct harness h;
	uint32_t iss, a;
	int l;

	h_init(&h);
	l = half_open(&h, &iss);
	h_icmp_err(&h, 3, 1, 0, SRV_PORT, PEER_PORT, iss + 1);
	h_icmp_err(&h, 3, 1, 0, SRV_PORT, PEER_PORT, iss - 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_STALE), 2);
	h_icmp_err(&h, 3, 3, 0, SRV_PORT, PEER_PORT, iss);
	h_icmp_err(&h, 3, 4, 576, SRV_PORT, PEER_PORT, iss);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_STALE), 2);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	EXPECT_NONE(&h);
	h_at(&h, h.now + 1 * SEC);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_NONE(&h);
	cr_assert_geq(synack_accept(h.s, l, &a, NULL), 0);
	h_fini(&h);
}
