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
