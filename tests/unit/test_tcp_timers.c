/* test_tcp_timers.c — every timer at exact virtual times: SYN backoff to ETIMEDOUT
 * (S05, MUST-23), SYN-ACK retries (S06), orphaned FIN-WAIT-2 (S12), keepalive (S21),
 * R1/R2 (MUST-20/21), TCP_USER_TIMEOUT, persist, configurable MSL (S10). */
#include "harness.h"

#define R (PEER_ISN + 1)

Test(tcp_timers, syn_sent_timeout_backoff_255s)
{
	struct harness h;
	const uint64_t t0 = 1000 * SEC;
	/* retransmissions at 1, 3, 7, 15, 31, 63, 127 s; ETIMEDOUT at 255 s */
	static const unsigned at_s[] = { 1, 3, 7, 15, 31, 63, 127 };
	uint32_t iss;
	int fd, err;
	size_t len = sizeof err;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	for (size_t i = 0; i < sizeof at_s / sizeof at_s[0]; i++) {
		cr_assert_eq(synack_next_deadline(h.s) <= t0 + at_s[i] * SEC, true);
		h_at(&h, t0 + at_s[i] * SEC - 1);
		EXPECT_NONE(&h);
		h_at(&h, t0 + at_s[i] * SEC);
		EXPECT_SEG(&h, F_SYN, iss, 0, ANYWIN);
		EXPECT_NONE(&h);
	}
	h_at(&h, t0 + 255 * SEC - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	h_at(&h, t0 + 255 * SEC);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	EXPECT_EVENT(&h, fd, SYNACK_EV_ERROR);
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ETIMEDOUT);
	cr_assert_eq(synack_next_deadline(h.s), UINT64_MAX);
	h_fini(&h);
}

Test(tcp_timers, syn_received_synack_retries_then_dropped)
{
	struct harness h;
	const uint64_t t0 = 1000 * SEC;
	static const unsigned at_s[] = { 1, 3, 7, 15, 31 };
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	for (size_t i = 0; i < 5; i++) {
		h_at(&h, t0 + at_s[i] * SEC - 1);
		EXPECT_NONE(&h);
		h_at(&h, t0 + at_s[i] * SEC);
		EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	}
	h_at(&h, t0 + 63 * SEC - 1);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	h_at(&h, t0 + 63 * SEC);
	EXPECT_NONE(&h);                /* S06: dropped silently */
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_SYNACK_GIVEUP), 1);
	h_fini(&h);
}

Test(tcp_timers, fin_wait_2_orphan_fin_timeout)
{
	struct harness h;
	uint32_t iss;
	int fd;
	uint64_t t;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	t = h.now;
	h_at(&h, t + 60 * SEC - 1);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_FIN_WAIT_2);
	h_at(&h, t + 60 * SEC);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	EXPECT_NONE(&h);
	/* S12: a FIN after the drop gets a RST */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_RST, iss + 2, 0, 0);
	h_fini(&h);
}

Test(tcp_timers, fin_wait_2_half_close_waits_forever)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	h_advance(&h, 10 * 3600 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_FIN_WAIT_2);
	cr_assert_eq(synack_next_deadline(h.s), UINT64_MAX);
	h_fini(&h);
}

Test(tcp_timers, established_keepalive_probes_then_etimedout)
{
	struct harness h;
	uint32_t iss;
	int fd, one = 1;
	uint64_t t;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	t = h.now;
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_KEEPALIVE, &one,
				       sizeof one), 0);
	/* traffic at +1000 s moves the idle start */
	h_at(&h, t + 1000 * SEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192);
	t += 1000 * SEC;
	h_at(&h, t + 7200 * SEC - 1);
	EXPECT_NONE(&h);
	h_at(&h, t + 7200 * SEC);
	EXPECT_SEG(&h, F_ACK, iss, R, ANYWIN);          /* §3.8.4: SEQ = SND.NXT - 1 */
	/* a live peer answers: idle again */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192);
	t = h.now;
	h_at(&h, t + 7200 * SEC);
	EXPECT_SEG(&h, F_ACK, iss, R, ANYWIN);
	for (unsigned i = 1; i < 9; i++) {
		h_at(&h, t + 7200 * SEC + i * 75 * SEC - 1);
		EXPECT_NONE(&h);
		h_at(&h, t + 7200 * SEC + i * 75 * SEC);
		EXPECT_SEG(&h, F_ACK, iss, R, ANYWIN);
	}
	h_at(&h, t + 7200 * SEC + 9 * 75 * SEC);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ETIMEDOUT);     /* S21 */
	h_fini(&h);
}

Test(tcp_timers, established_r2_gives_up_after_924_6s)
{
	struct harness h;
	uint32_t iss;
	uint64_t t, rto = 200 * MSEC;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);     /* RTT sample 0: RTO = rto_min 200 ms */
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), 1);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	t = h.now;
	for (int i = 0; i < 15; i++) {
		t += rto;
		h_at(&h, t - 1);
		EXPECT_NONE(&h);
		h_at(&h, t);
		EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
		cr_assert_eq(h.out.payload_len, 1);
		cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_R1_REACHED), i >= 2 ? 1 : 0);
		rto = rto * 2 > 120 * SEC ? 120 * SEC : rto * 2;
	}
	t += rto;
	h_at(&h, t - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_at(&h, t);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(t - 1000 * SEC, 924600 * MSEC);    /* Linux's well-known 924.6 s */
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), -ETIMEDOUT);
	h_fini(&h);
}

Test(tcp_timers, established_retries2_per_socket)
{
	struct harness h;
	uint32_t iss;
	int fd, two = 2;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_RETRIES2, &two,
				       sizeof two), 0);
	synack_send(h.s, fd, "x", 1, 0);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	h_advance(&h, 200 * MSEC);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	h_advance(&h, 400 * MSEC);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	h_advance(&h, 800 * MSEC - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_advance(&h, 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	h_fini(&h);
}

Test(tcp_timers, established_user_timeout)
{
	struct harness h;
	uint32_t iss;
	int fd, ms = 5000;
	uint64_t t;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_USER_TIMEOUT, &ms,
				       sizeof ms), 0);
	synack_send(h.s, fd, "x", 1, 0);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	t = h.now;
	h_at(&h, t + 5 * SEC - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_at(&h, t + 5 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ETIMEDOUT);
	h_fini(&h);
}

/* What a driver does before time t: wake at each deadline the stack reports (it may be
 * early, synack.h) and find nothing to send. Leaves h->now at the last wake-up. */
static void wake_until(struct harness *h, uint64_t t)
{
	uint64_t d;

	while ((d = synack_next_deadline(h->s)) < t) {
		if (d <= h->now) {
			/* due already: one advance at the same time must clear it */
			h_at(h, h->now);
			EXPECT_NONE(h);
			cr_assert_gt(synack_next_deadline(h->s), h->now, "deadline %llu stays due",
				     (unsigned long long)synack_next_deadline(h->s));
			continue;
		}
		h_at(h, d);
		EXPECT_NONE(h);
	}
}

Test(tcp_timers, established_ack_stops_retransmit_timer)
{
	struct harness h;
	uint32_t iss;
	int fd, kind = 0;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	synack_send(h.s, fd, "x", 1, 0);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);

	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), h.now + 200 * MSEC); /* (5.1) */
	cr_assert_eq(kind, SYNACK_TIMER_RETRANSMIT);
	cr_assert_leq(synack_next_deadline(h.s), h.now + 200 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 2, 8192);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), 0);        /* RFC 6298 (5.2) */
	/* the wheel node is left where it was (timers.c): early wake-ups that find
	 * nothing due, then no deadline at all */
	cr_assert_leq(synack_next_deadline(h.s), h.now + 200 * MSEC);
	wake_until(&h, h.now + 200 * MSEC);
	h_at(&h, h.now + 200 * MSEC);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_next_deadline(h.s), UINT64_MAX);
	h_fini(&h);
}

/*
 * RFC 6298 (5.3): each ACK of new data restarts the retransmission timer, so the
 * deadline only moves later; the wheel node is not moved per ACK (timers.c) and the
 * driver wakes up early once. The retransmission must still go out at exactly the
 * last restart + RTO, never earlier, and back off exactly (5.5).
 */
Test(tcp_timers, rto_restarted_by_acks_fires_at_exact_time)
{
	struct harness h;
	static char data[3 * 536];   /* full segments: Nagle holds none back */
	uint64_t t0;
	uint32_t iss;
	int fd, kind = 0;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	t0 = h.now;
	cr_assert_eq(synack_send(h.s, fd, data, sizeof data, 0), (int)sizeof data);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);            /* MSS 536 (no option) */
	EXPECT_SEG(&h, F_ACK, iss + 537, R, ANYWIN);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1073, R, ANYWIN);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 200 * MSEC, "deadline %llu",
		     (unsigned long long)(h_timer_of_port(&h, PEER_PORT, NULL) - t0));
	cr_assert_eq(kind, SYNACK_TIMER_RETRANSMIT);

	wake_until(&h, t0 + 50 * MSEC);
	h_at(&h, t0 + 50 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 537, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 250 * MSEC);  /* (5.3) */
	wake_until(&h, t0 + 100 * MSEC);
	h_at(&h, t0 + 100 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1073, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 300 * MSEC);
	cr_assert_eq(kind, SYNACK_TIMER_RETRANSMIT);
	/* the node still sits at the first deadline (not moved per ACK) or earlier */
	cr_assert_leq(synack_next_deadline(h.s), t0 + 200 * MSEC);

	/* early wake-ups find nothing due; the retransmission comes at exactly
	 * t0 + 100 ms + RTO (5.4: the earliest unacknowledged segment) */
	wake_until(&h, t0 + 300 * MSEC);
	cr_assert_leq(h.now, t0 + 300 * MSEC - 1);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), t0 + 300 * MSEC);
	h_at(&h, t0 + 300 * MSEC - 1);
	EXPECT_NONE(&h);
	h_at(&h, t0 + 300 * MSEC);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1073, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 536);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 700 * MSEC);  /* (5.5) */
	wake_until(&h, t0 + 700 * MSEC);
	h_at(&h, t0 + 700 * MSEC - 1);
	EXPECT_NONE(&h);
	h_at(&h, t0 + 700 * MSEC);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1073, R, ANYWIN);
	EXPECT_NONE(&h);
	/* everything acknowledged: (5.2), then early wake-ups only, and no deadline */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1609, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), 0);
	cr_assert_leq(synack_next_deadline(h.s), t0 + 1500 * MSEC);
	wake_until(&h, t0 + 1500 * MSEC);
	h_at(&h, t0 + 1500 * MSEC);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_next_deadline(h.s), UINT64_MAX);
	h_fini(&h);
}

Test(tcp_timers, established_zero_window_persist_probe)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 0);         /* window closes */
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_NONE(&h);
	h_advance(&h, 200 * MSEC);
	EXPECT_SEG(&h, F_ACK, iss, R, ANYWIN);  /* §3.8.6.1 probe, Linux-style SND.UNA-1 */
	cr_assert_eq(h.out.payload_len, 0);
	h_advance(&h, 400 * MSEC);              /* backed off */
	EXPECT_SEG(&h, F_ACK, iss, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192);      /* window opens */
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R, ANYWIN);
	cr_assert_eq(h.out.payload_len, 3);
	h_fini(&h);
}

Test(tcp_timers, time_wait_msl_runtime_configurable)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss;
	int fd;

	h_init(&h);
	c = *synack_stack_config(h.s);
	c.msl_ms = 1000;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	fd = h_passive_est(&h, NULL, &iss);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, NULL), h.now + 2 * SEC);
	h_advance(&h, 2 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	h_fini(&h);
}
