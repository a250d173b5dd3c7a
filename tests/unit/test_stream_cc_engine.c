/* test_stream_cc_engine.c — congestion control seen on the wire, exact segments: the
 * first flight is IW10 (RFC 6928), slow start opens the window by min(acked, SMSS) per
 * ACK (RFC 5681 (2)), an RTO sends one segment with ssthresh from the flight (RFC 5681
 * (4), RFC 9438 §4.8 for CUBIC), restart after idle (RFC 5681 §4.1), TCP_CONGESTION. */
#include "synack/ss.h"
#include "test_stream_snd_util.h"

#define M 1460u

Test(stream_cc_engine, iw10_first_flight_is_exactly_ten_segments)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.snd_cwnd, 14600);
	cr_assert_eq(ti.snd_ssthresh, 0x7fffffffu);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100000, 0), 100000);
	snd_expect_flight(&h, iss + 1, 10, M);
	h_advance(&h, 100 * MSEC);
	EXPECT_NONE(&h);                /* nothing more until an ACK (RTO is 200 ms) */
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.unacked, 14600);
	h_fini(&h);
}

Test(stream_cc_engine, iw10_small_mss_ten_segments)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "reno", 0);
	fd = snd_est(&h, 0, 65535, &iss);       /* no MSS option: 536 (MUST-15) */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 20000, 0), 20000);
	snd_expect_flight(&h, iss + 1, 10, 536);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 5360);
	h_fini(&h);
}

Test(stream_cc_engine, iw_large_mss_is_14600_bytes)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss;
	int fd;

	snd_init(&h, "reno", 0);
	c = *synack_stack_config(h.s);
	c.mtu = 9000;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	fd = snd_est(&h, 4000, 65535, &iss);
	/* RFC 6928: min(10 * 4000, max(8000, 14600)) = 14600: three full segments; the
	 * 2600 bytes cwnd still allows are a short segment the sender's SWS rule holds */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100000, 0), 100000);
	snd_expect_flight(&h, iss + 1, 3, 4000);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 14600);
	h_fini(&h);
}

Test(stream_cc_engine, slow_start_opens_by_one_smss_per_ack)
{
	struct harness h;
	uint32_t iss, nxt;
	int fd;

	snd_init(&h, "reno", 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 200000, 0), 200000);
	nxt = snd_expect_flight(&h, iss + 1, 10, M);
	h_advance(&h, 10 * MSEC);
	snd_ack(&h, iss + 1 + M, 65535, 0);                     /* one segment */
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 16060);
	nxt = snd_expect_flight(&h, nxt, 2, M);                 /* 16060 - 13140 */
	snd_ack(&h, iss + 1 + 3 * M, 65535, 0);                 /* two: still +1 SMSS */
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 17520);
	nxt = snd_expect_flight(&h, nxt, 3, M);                 /* 17520 - 13140 */
	snd_ack(&h, nxt, 65535, 0);                             /* everything */
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 18980);
	snd_expect_flight(&h, nxt, 13, M);                      /* 18980 = 13 SMSS */
	h_fini(&h);
}

/* The listing's `ss -i` fields (segments) for the connection on PEER_PORT. */
static void expect_ss_cc(struct harness *h, uint32_t cwnd, uint32_t ssthresh, const char *tail)
{
	struct synack_sock_info v[4];
	char line[200];
	size_t n = synack_sock_list(h->s, v, 4);

	for (size_t i = 0; i < n && i < 4; i++) {
		if (v[i].rport != PEER_PORT)
			continue;
		cr_assert_eq(v[i].cwnd, cwnd, "cwnd %u", v[i].cwnd);
		cr_assert_eq(v[i].ssthresh, ssthresh, "ssthresh %u", v[i].ssthresh);
		synack_ss_format_entry(&v[i], h->now, line, sizeof line);
		cr_assert(strlen(line) > strlen(tail) &&
			  !strcmp(line + strlen(line) - strlen(tail), tail), "%s", line);
		return;
	}
	cr_assert_fail("no connection listed");
}

static void rto_case(const char *cc, uint32_t ssthresh, const char *ss_tail)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss, nxt;
	int fd;

	snd_init(&h, cc, 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100000, 0), 100000);
	snd_expect_flight(&h, iss + 1, 10, M);
	expect_ss_cc(&h, 10, 0, "timer:(on,200ms,0) cwnd:10 rcv_space:14600");
	h_advance(&h, 200 * MSEC - 1);
	EXPECT_NONE(&h);
	h_advance(&h, 1);                       /* RTO = rto_min: one segment, the first */
	nxt = snd_expect_flight(&h, iss + 1, 1, M);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.snd_cwnd, M);
	cr_assert_eq(ti.snd_ssthresh, ssthresh);
	expect_ss_cc(&h, 1, ssthresh / M, ss_tail);     /* ss -i: segments */
	h_advance(&h, 50 * MSEC);
	snd_ack(&h, nxt, 65535, 0);             /* slow start from 1 SMSS: go-back-N */
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 2 * M);
	snd_expect_flight(&h, nxt, 2, M);
	h_fini(&h);
}

Test(stream_cc_engine, rto_reno_ssthresh_half_flight)
{
	rto_case("reno", 7300, "timer:(on,400ms,1) cwnd:1 ssthresh:5 rcv_space:14600"); /* max(14600/2, 2 SMSS) */
}

Test(stream_cc_engine, rto_cubic_ssthresh_beta_flight)
{
	rto_case("cubic", 10220, "timer:(on,400ms,1) cwnd:1 ssthresh:7 rcv_space:14600");      /* 14600 * 0.7 */
}

/* Sends exactly one IW, has it all acknowledged 50 ms later (cwnd 16060), then sends
 * 40000 bytes after `idle_ms` of silence since the flight went out. */
static unsigned flight_after_idle(uint64_t idle_ms, uint32_t after_idle)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss, seq;
	unsigned n = 0;
	int fd;

	snd_init(&h, "reno", 0);
	c = *synack_stack_config(h.s);
	c.slow_start_after_idle = after_idle;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 14600, 0), 14600);
	seq = snd_expect_flight(&h, iss + 1, 10, M);
	h_advance(&h, 50 * MSEC);
	snd_ack(&h, seq, 65535, 0);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 16060);
	cr_assert_eq(snd_info(&h, fd).rto_us, 200000);
	h_advance(&h, (idle_ms - 50) * MSEC);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 40000, 0), 40000);
	while (h_next(&h)) {
		cr_assert_eq(h.out.seq, seq);
		cr_assert_eq(h.out.payload_len, M);
		seq += M;
		n++;
	}
	h_fini(&h);
	return n;
}

Test(stream_cc_engine, restart_after_idle_longer_than_rto)
{
	cr_assert_eq(flight_after_idle(150, 1), 11);    /* 150 ms < RTO: cwnd kept */
	cr_assert_eq(flight_after_idle(200, 1), 11);    /* exactly one RTO: kept */
	cr_assert_eq(flight_after_idle(201, 1), 10);    /* RW = min(IW, cwnd) */
	cr_assert_eq(flight_after_idle(5000, 1), 10);
	cr_assert_eq(flight_after_idle(5000, 0), 11);   /* tcp_slow_start_after_idle = 0 */
}

Test(stream_cc_engine, tcp_congestion_option)
{
	struct harness h;
	struct synack_config c;
	char name[16];
	size_t len = sizeof name;
	uint32_t iss;
	uint16_t lport;
	int l, fd, s2;

	snd_init(&h, "cubic", 0);
	s2 = synack_socket(h.s);
	cr_assert_eq(synack_getsockopt(h.s, s2, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION, name,
				       &len), 0);
	cr_assert_eq(len, 16);
	cr_assert_str_eq(name, "cubic");
	cr_assert_eq(synack_setsockopt(h.s, s2, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION,
				       "vegas", 5), -ENOENT);
	cr_assert_eq(synack_setsockopt(h.s, s2, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION,
				       "reno", 0), -EINVAL);
	cr_assert_eq(synack_setsockopt(h.s, s2, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION,
				       "renoXX", 4), 0);   /* the first len bytes */
	len = 3;
	cr_assert_eq(synack_getsockopt(h.s, s2, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION, name,
				       &len), 0);
	cr_assert_eq(len, 3);
	cr_assert_eq(memcmp(name, "ren", 3), 0);
	/* a listener's choice goes to the connections it accepts (Linux) */
	l = synack_socket(h.s);
	cr_assert_eq(synack_setsockopt(h.s, l, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION,
				       "reno", 5), 0);
	cr_assert_eq(synack_bind(h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 8), 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, SR, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, SR, iss + 1, 65535);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	len = sizeof name;
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION, name,
				       &len), 0);
	cr_assert_str_eq(name, "reno");
	/* the stack-wide default: an unknown name is refused */
	c = *synack_stack_config(h.s);
	memcpy(c.congestion_control, "bogus", 6);
	cr_assert_eq(synack_stack_set_config(h.s, &c), -EINVAL);
	memcpy(c.congestion_control, "reno\0", 6);
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	/* ... and the next connection takes the new default (found when the configuration
	 * is set: tcp_stack_set_cfg; it was "cubic" for the connections above) */
	fd = h_active_est(&h, &iss, &lport);
	len = sizeof name;
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_CONGESTION, name,
				       &len), 0);
	cr_assert_str_eq(name, "reno");
	h_fini(&h);
}

/* RFC 5681 §3.1: "if the SYN or SYN/ACK is lost, the initial window used by a sender
 * after a correctly transmitted SYN MUST be one segment". Passive side: the SYN-ACK
 * retransmitted by its timer (1 s) or resent for a retransmitted SYN; no MSS option, so
 * SMSS 536 (IW10 would be 5360). Linux carries req->num_retrans into the child. */
static int passive_after_lost_synack(struct harness *h, bool by_timer, uint32_t *iss)
{
	int l = h_listen(h, SRV_PORT, 16), fd;

	h_send(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, SR, ANYWIN);
	*iss = h->out.seq;
	if (by_timer)
		h_advance(h, 1 * SEC);
	else
		h_send(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535);
	EXPECT_SEG(h, F_SYN | F_ACK, *iss, SR, ANYWIN);
	h_advance(h, 100 * MSEC);
	h_send(h, PEER_PORT, SRV_PORT, F_ACK, SR, *iss + 1, 65535);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	return fd;
}

Test(stream_cc_engine, iw_one_segment_after_synack_retransmitted_by_timer)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "reno", 0);
	fd = passive_after_lost_synack(&h, true, &iss);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 536);
	cr_assert_eq(snd_info(&h, fd).total_retrans, 1);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 20000, 0), 20000);
	snd_expect_flight(&h, iss + 1, 1, 536);
	snd_ack(&h, iss + 1 + 536, 65535, 0);           /* slow start: 2 segments */
	snd_expect_flight(&h, iss + 1 + 536, 2, 536);
	h_fini(&h);
}

Test(stream_cc_engine, iw_one_segment_after_synack_resent_for_retransmitted_syn)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = passive_after_lost_synack(&h, false, &iss);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 536);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 20000, 0), 20000);
	snd_expect_flight(&h, iss + 1, 1, 536);
	h_fini(&h);
}

/* Active side: the SYN retransmitted at 1 s, then answered: one segment too. */
Test(stream_cc_engine, iw_one_segment_after_syn_retransmitted)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd;

	snd_init(&h, "reno", 0);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	lport = h.out.sport;
	h_advance(&h, 1 * SEC);
	EXPECT_SEG(&h, F_SYN, iss, 0, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 65535);
	EXPECT_SEG(&h, F_ACK, iss + 1, SR, ANYWIN);
	cr_assert_eq(snd_info(&h, fd).snd_cwnd, 536);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 20000, 0), 20000);
	cr_assert(h_next(&h));
	cr_assert_eq(h.out.seq, iss + 1);
	cr_assert_eq(h.out.payload_len, 536);
	EXPECT_NONE(&h);
	h_fini(&h);
}
