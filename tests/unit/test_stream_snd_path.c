/* test_stream_snd_path.c — the send path, exact segments at exact times: Nagle on and
 * off (RFC 9293 §3.7.4), sender SWS avoidance and its override timeout (RFC 1122
 * §4.2.3.4), zero-window probes with exponential backoff up to rto_max and the give-up
 * after unanswered probes (§3.8.6.1), RTO values (RFC 6298 (2.2)-(2.5), (5.5)), RTT
 * samples from timestamps on retransmitted data (RFC 7323 §4), effective MSS (§3.7.1). */
#include "test_stream_snd_util.h"

#define M 1460u

static void set_nodelay(struct harness *h, int fd)
{
	int one = 1;

	cr_assert_eq(synack_setsockopt(h->s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one,
				       sizeof one), 0);
}

Test(stream_snd_path, nagle_holds_second_small_segment)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100, 0), 100);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);    /* nothing outstanding */
	cr_assert_eq(h.out.payload_len, 100);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100, 0), 100);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 50, 0), 50);
	EXPECT_NONE(&h);                                        /* held: 100 unacked */
	h_advance(&h, 30 * MSEC);
	snd_ack(&h, iss + 101, 65535, 0);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 101, SR, ANYWIN);  /* coalesced */
	cr_assert_eq(h.out.payload_len, 150);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(stream_snd_path, nodelay_sends_each_small_segment)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	set_nodelay(&h, fd);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100, 0), 100);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100, 0), 100);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 101, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, 100);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(stream_snd_path, nagle_full_segments_then_tail_after_ack)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 3000, 0), 3000);
	snd_expect_flight(&h, iss + 1, 2, M);                   /* the 80-byte tail waits */
	h_advance(&h, 40 * MSEC);
	snd_ack(&h, iss + 1 + M, 65535, 0);                     /* still 1460 unacked */
	EXPECT_NONE(&h);
	snd_ack(&h, iss + 1 + 2 * M, 65535, 0);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1 + 2 * M, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, 80);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(stream_snd_path, nodelay_full_segments_and_tail_at_once)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	set_nodelay(&h, fd);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 3000, 0), 3000);
	EXPECT_SEG(&h, F_ACK, iss + 1, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, M);
	EXPECT_SEG(&h, F_ACK, iss + 1 + M, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, M);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1 + 2 * M, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, 80);
	EXPECT_NONE(&h);
	h_fini(&h);
}

/* Peer window 4000 (its largest): after two full segments 1080 bytes of window are
 * left, less than half the largest window: the sender waits (RFC 1122 §4.2.3.4). */
Test(stream_snd_path, sws_holds_small_window_then_override_timeout)
{
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 4000, &iss);
	set_nodelay(&h, fd);                    /* SWS, not Nagle, is what holds here */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 10000, 0), 10000);
	snd_expect_flight(&h, iss + 1, 2, M);
	h_advance(&h, 20 * MSEC);
	/* everything acknowledged, right edge unchanged (window 1080): still too small,
	 * nothing in flight: the persist timer is the override timeout */
	snd_ack(&h, iss + 1 + 2 * M, 1080, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), h.now + 200 * MSEC);
	h_advance(&h, 200 * MSEC - 1);
	EXPECT_NONE(&h);
	h_advance(&h, 1);
	EXPECT_SEG(&h, F_ACK, iss + 1 + 2 * M, SR, ANYWIN);    /* fills the window */
	cr_assert_eq(h.out.payload_len, 1080);
	EXPECT_NONE(&h);
	/* a window of at least half the largest (2000 of 4000) is used at once */
	h_advance(&h, 20 * MSEC);
	snd_ack(&h, iss + 1 + 2 * M + 1080, 2000, 0);
	EXPECT_SEG(&h, F_ACK, iss + 1 + 2 * M + 1080, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, M);
	EXPECT_NONE(&h);                        /* then 540 < 2000: waits again */
	h_fini(&h);
}

/* §3.8.6.1: probes at one RTO (200 ms) then doubling, capped at rto_max (120 s);
 * answered probes keep the connection, the window opening sends the data. */
Test(stream_snd_path, zero_window_probe_backoff_to_rto_max)
{
	static const uint64_t gap_ms[] = { 200, 400, 800, 1600, 3200, 6400, 12800, 25600,
					   51200, 102400, 120000, 120000, 120000 };
	struct harness h;
	uint32_t iss;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	snd_ack(&h, iss + 1, 0, 0);                     /* window closes */
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_NONE(&h);
	for (size_t i = 0; i < sizeof gap_ms / sizeof gap_ms[0]; i++) {
		h_advance(&h, gap_ms[i] * MSEC - 1);
		EXPECT_NONE(&h);
		h_advance(&h, 1);
		EXPECT_SEG(&h, F_ACK, iss, SR, ANYWIN);  /* <SEQ=SND.UNA-1><CTL=ACK> */
		cr_assert_eq(h.out.payload_len, 0);
		snd_ack(&h, iss + 1, 0, 0);             /* answered at once: still zero */
		EXPECT_NONE(&h);
	}
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_advance(&h, 2 * MSEC);
	snd_ack(&h, iss + 1, 1000, 0);                  /* window opens */
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);
	cr_assert_eq(h.out.payload_len, 3);
	/* backoff reset: the data's retransmission timer is one plain RTO */
	cr_assert_eq(snd_info(&h, fd).backoff, 0);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), h.now + 200 * MSEC);
	h_fini(&h);
}

Test(stream_snd_path, zero_window_probes_unanswered_give_up)
{
	struct harness h;
	uint32_t iss;
	int fd, three = 3, err;
	size_t len = sizeof err;
	uint64_t t0;

	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_RETRIES2, &three,
				       sizeof three), 0);
	snd_ack(&h, iss + 1, 0, 0);
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_NONE(&h);                /* the driver drains: output arms the persist timer */
	t0 = h.now;
	h_at(&h, t0 + 200 * MSEC);
	EXPECT_SEG(&h, F_ACK, iss, SR, ANYWIN);
	h_at(&h, t0 + 600 * MSEC);
	EXPECT_SEG(&h, F_ACK, iss, SR, ANYWIN);
	h_at(&h, t0 + 1400 * MSEC);
	EXPECT_SEG(&h, F_ACK, iss, SR, ANYWIN);
	h_at(&h, t0 + 3000 * MSEC - 1);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_at(&h, t0 + 3000 * MSEC);                     /* retries2 probes unanswered */
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_EVENT(&h, fd, SYNACK_EV_ERROR);
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ETIMEDOUT);
	h_fini(&h);
}

/* Active open whose SYN-ACK comes rtt_ms later (MSS 1460, no options otherwise). */
static int open_after(struct harness *h, uint64_t rtt_ms, uint32_t *iss)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = M };
	int fd = synack_socket(h->s);
	uint16_t lport;

	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	*iss = h->out.seq;
	lport = h->out.sport;
	h_advance(h, rtt_ms * MSEC);
	h_send_opt(h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, *iss + 1, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(h, F_ACK, *iss + 1, SR, ANYWIN);
	return fd;
}

Test(stream_snd_path, rto_values_rfc6298)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	uint16_t lport;
	int fd;

	snd_init(&h, "cubic", 0);
	fd = open_after(&h, 100, &iss);
	lport = h.out.sport;
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.rtt_us, 100000);        /* (2.2) SRTT = R */
	cr_assert_eq(ti.rttvar_us, 50000);      /*       RTTVAR = R/2 */
	cr_assert_eq(ti.rto_us, 300000);        /*       RTO = SRTT + 4 RTTVAR */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 1000, 0), 1000);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);
	h_advance(&h, 60 * MSEC);
	h_send(&h, SRV_PORT, lport, F_ACK, SR, iss + 1001, 65535);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.rttvar_us, 47500);      /* (2.3) (3 * 50 + |100 - 60|) / 4 */
	cr_assert_eq(ti.rtt_us, 95000);         /*       (7 * 100 + 60) / 8 */
	cr_assert_eq(ti.rto_us, 285000);
	/* (5.5) backoff: 285, 570, 1140, 2280 ms between retransmissions */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 500, 0), 500);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1001, SR, ANYWIN);
	for (uint64_t gap = 285; gap <= 2280; gap *= 2) {
		h_advance(&h, gap * MSEC - 1);
		EXPECT_NONE(&h);
		h_advance(&h, 1);
		EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1001, SR, ANYWIN);
		cr_assert_eq(h.out.payload_len, 500);
	}
	h_fini(&h);
	/* (2.4): a 10 ms path still gets rto_min = 200 ms (Linux; the RFC says 1 s) */
	snd_init(&h, "cubic", 0);
	fd = open_after(&h, 10, &iss);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.rtt_us, 10000);
	cr_assert_eq(ti.rto_us, 200000);
	h_fini(&h);
}

/* RFC 7323 §4: the retransmitted segment's TSval comes back in TSecr and measures the
 * RTT that Karn's algorithm cannot (RFC 6298 §3). Without timestamps: no sample. */
static void rttm_case(int timestamps, uint32_t srtt, uint32_t rttvar)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss, tsval;
	int fd;

	snd_init(&h, "cubic", timestamps);
	fd = snd_est(&h, M, 65535, &iss);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.rtt_us, 0);             /* the SYN-ACK, answered at once */
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 100, 0), 100);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);
	h_advance(&h, 200 * MSEC);              /* RTO: the same bytes again */
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, SR, ANYWIN);
	tsval = h.out.opt.ts_val;
	cr_assert_eq(!!(h.out.opt.present & WIRE_HAS_TS), !!timestamps);
	h_advance(&h, 30 * MSEC);
	snd_ack(&h, iss + 101, 65535, tsval);
	ti = snd_info(&h, fd);
	cr_assert_eq(ti.rtt_us, srtt);
	cr_assert_eq(ti.rttvar_us, rttvar);
	h_fini(&h);
}

Test(stream_snd_path, rttm_timestamps_measure_retransmissions)
{
	rttm_case(1, 3750, 7500);       /* sample 30 ms: SRTT 0 + 30/8, RTTVAR (0 + 30)/4 */
	rttm_case(0, 0, 0);             /* Karn: no sample from a retransmission */
}

Test(stream_snd_path, effective_mss_segmentation)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss;
	int fd;

	/* the peer's MSS */
	snd_init(&h, "cubic", 0);
	fd = snd_est(&h, 1000, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 5000, 0), 5000);
	snd_expect_flight(&h, iss + 1, 5, 1000);
	h_fini(&h);
	/* the timestamps option takes 12 bytes of every segment */
	snd_init(&h, "cubic", 1);
	fd = snd_est(&h, 1000, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 988 * 5, 0), 988 * 5);
	snd_expect_flight(&h, iss + 1, 5, 988);
	h_fini(&h);
	/* our own MTU (576: MSS 536) below the peer's 1460 */
	snd_init(&h, "cubic", 0);
	c = *synack_stack_config(h.s);
	c.mtu = 576;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	fd = snd_est(&h, M, 65535, &iss);
	cr_assert_eq(synack_send(h.s, fd, snd_blob, 536 * 4, 0), 536 * 4);
	snd_expect_flight(&h, iss + 1, 4, 536);
	h_fini(&h);
}
