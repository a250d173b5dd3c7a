/* test_stream_rec_newreno.c — without SACK: which ACKs are duplicates (RFC 5681 §2
 * (a)–(e)), fast retransmit on exactly the third (§3.2), NewReno partial ACKs and the
 * exit at `recover` (RFC 6582 §3.2), RTO during recovery (RFC 6582 step 4), reordering
 * below DupThresh, new data during recovery as the window inflates (RFC 5681 §3.2
 * steps 3-5, RFC 6582 partial deflation), and a peer shrinking its window (RFC 9293
 * §3.8.6). Fixture:
 * test_stream_rec_rig.h (SMSS 1000, 10 segments in flight, relative sequence numbers). */
#include "test_stream_rec_rig.h"

Test(stream_rec_newreno, third_duplicate_ack_fast_retransmit_exact_segment)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	dupack(&r, 0);
	expect_no_data(&r);
	dupack(&r, 0);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.dupacks, 2);
	cr_assert_eq(fast_retrans(&r), 0);
	dupack(&r, 0);                  /* the third: segment 0 again, at once */
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_NEWRENO);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, NSEG * SMSS));
	cr_assert_eq(fast_retrans(&r), 1);
	/* further duplicates inflate the window but nothing new is queued: no segment */
	for (int i = 0; i < 6; i++)
		dupack(&r, 0);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(9 * SMSS));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 1);
	rig_close(&r);
}

Test(stream_rec_newreno, acks_that_are_not_duplicates)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	dupack(&r, 0);                                  /* 1 */
	peer_ack(&r, 0, 60000, 0, NULL);                /* (e) the window changed: not */
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	r.peer_win = 60000;                             /* compared with the new window */
	h_send_data(&r.h, PEER_PORT, SRV_PORT, F_ACK, r.peer_seq, REL(&r, 0), 60000, "d", 1);
	r.peer_seq++;
	cr_assert_eq(r.tcb->rec.dupacks, 1);            /* (b) it carries data: not */
	h_send(&r.h, PEER_PORT, SRV_PORT, F_ACK, r.peer_seq, REL(&r, 0) - 1, 60000);
	cr_assert_eq(r.tcb->rec.dupacks, 1);            /* (d) an older ACK: not */
	dupack(&r, 0);                                  /* 2 */
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.dupacks, 2);
	dupack(&r, 0);                                  /* 3 */
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_newreno, no_outstanding_data_no_duplicate)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);      /* everything acknowledged */
	for (int i = 0; i < 5; i++)
		dupack(&r, NSEG * SMSS);                /* (a) nothing outstanding */
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 0);
	rig_close(&r);
}

Test(stream_rec_newreno, reordering_below_dupthresh_no_retransmission)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	/* segment 0 arrives third: two duplicates, then the cumulative ACK */
	dupack(&r, 0);
	dupack(&r, 0);
	peer_ack(&r, 3 * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	dupack(&r, 3 * SMSS);
	dupack(&r, 3 * SMSS);
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 0);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 0);
	rig_close(&r);
}

Test(stream_rec_newreno, partial_acks_retransmit_until_recover)
{
	struct rig r;
	uint64_t rto;

	rig_open(&r, false);
	expect_flight(&r);
	/* segments 0, 3 and 6 lost: 1, 2 give two duplicates, 4 the third */
	dupack(&r, 0);
	dupack(&r, 0);
	dupack(&r, 0);
	expect_data(&r, 0, SMSS);
	dupack(&r, 0);                  /* from 5 */
	expect_no_data(&r);
	/* the retransmitted 0 arrives: ACK 3000, a partial ACK: 3 goes at once */
	peer_ack(&r, 3 * SMSS, 65535, 0, NULL);
	expect_data(&r, 3 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_NEWRENO);
	/* RFC 6582: inflation 3 + 1 SMSS, minus 3000 acknowledged, plus SMSS back */
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(2 * SMSS));
	/* the first partial ACK restarted the retransmission timer */
	rto = r.tcb->deadline[TCP_T_RETRANSMIT];
	cr_assert_eq(rto, r.h.now + tcp_rto_ns(&r.h.s->tcp, r.tcb));
	/* 3 arrives 10 ms later: ACK 6000, partial again: 6; the timer is not restarted
	 * (RFC 6582 §4, Impatient) */
	h_advance(&r.h, 10 * MSEC);
	peer_ack(&r, 6 * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->deadline[TCP_T_RETRANSMIT], rto);
	expect_data(&r, 6 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 1);
	/* 6 arrives: ACK 10000 = recover: full ACK, recovery ends */
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->rec.inflate, 0);
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 3);
	rig_close(&r);
}

Test(stream_rec_newreno, pipe_and_inflation)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	cr_assert_eq(tcp_pipe(r.tcb), NSEG * SMSS);
	dupack(&r, 0);                  /* RFC 3042: one SMSS of limited transmit */
	cr_assert_eq(tcp_pipe(r.tcb), 9 * SMSS);
	cr_assert_eq(tcp_flight_size(r.tcb), NSEG * SMSS);
	dupack(&r, 0);
	cr_assert_eq(tcp_pipe(r.tcb), 8 * SMSS);
	dupack(&r, 0);                  /* RFC 5681 step 3: ssthresh + 3 SMSS */
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(3 * SMSS));
	dupack(&r, 0);                  /* step 4: one more SMSS */
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(4 * SMSS));
	/* the inflation counts against the flight: pipe = 10000 - 4000 */
	cr_assert_eq(tcp_pipe(r.tcb), 6 * SMSS);
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	/* partial ACK of 500 octets (less than SMSS): deflate by 500, nothing added back;
	 * the flight fell by 500 too, so pipe stays 9500 - 3500 */
	peer_ack(&r, 500, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(3500));
	cr_assert_eq(tcp_pipe(r.tcb), 6 * SMSS);
	expect_data(&r, 500, SMSS);     /* the first unacknowledged segment */
	expect_no_data(&r);
	rig_close(&r);
}

/* The next segment carrying data is new data [REL(x), REL(x) + len) of the second
 * send() below: ACK, PSH only on its last segment (it ends at 16 * SMSS). */
static void expect_new(struct rig *r, uint32_t x, uint32_t len)
{
	for (;;) {
		cr_assert(h_next(&r->h), "expected new data at rel %u, got nothing", x);
		if (r->h.out.payload_len || r->h.out.flags != F_ACK)
			break;
	}
	cr_assert_eq(r->h.out.seq, REL(r, x), "data at rel %u, expected rel %u",
		     r->h.out.seq - REL(r, 0), x);
	cr_assert_eq(r->h.out.payload_len, len, "len %zu at rel %u", r->h.out.payload_len, x);
	cr_assert_eq(r->h.out.flags, x + len == 16 * SMSS ? F_ACK | F_PSH : F_ACK);
}

/*
 * RFC 3042 limited transmit, then RFC 5681 §3.2 with the inflation applied (CUBIC, the
 * default: ssthresh = 0.7 x FlightSize 10000 = 7000, limited-transmit segments not in
 * FlightSize): steps 3-4 inflate by 3 SMSS and 1 SMSS per further duplicate, step 5
 * sends new data once ssthresh + inflation exceeds the flight (10 + 2 segments out,
 * so from the 6th duplicate on: one new segment each); RFC 6582 partial ACK: the
 * first unacknowledged segment at once, the window deflated by the 1000 acknowledged
 * and SMSS added back, one new segment; full ACK: cwnd = ssthresh, no inflation, the
 * last queued segment goes (cwnd would allow four).
 */
Test(stream_rec_newreno, new_data_during_recovery_inflation_and_deflation)
{
	static char more[6 * SMSS];     /* segments 10..15: 16000 fit in SO_SNDBUF */
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	cr_assert_eq(synack_send(r.h.s, r.fd, more, sizeof more, 0), (long)sizeof more);
	expect_no_data(&r);                     /* cwnd 10000 is full */
	dupack(&r, 0);                          /* RFC 3042: one segment each */
	expect_new(&r, 10 * SMSS, SMSS);
	expect_no_data(&r);
	dupack(&r, 0);
	expect_new(&r, 11 * SMSS, SMSS);
	expect_no_data(&r);
	dupack(&r, 0);                          /* fast retransmit, ssthresh 7000 */
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->cc.ssthresh, 7 * SMSS);
	cr_assert_eq(r.tcb->cc.cwnd, 7 * SMSS);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, 12 * SMSS));
	cr_assert_eq(tcp_pipe(r.tcb), 9 * SMSS);        /* 12000 out, inflation 3000 */
	dupack(&r, 0);                          /* pipe 8000 */
	expect_no_data(&r);
	dupack(&r, 0);                          /* pipe 7000 = cwnd: still nothing */
	expect_no_data(&r);
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	dupack(&r, 0);                          /* pipe 6000: one new segment */
	expect_new(&r, 12 * SMSS, SMSS);
	expect_no_data(&r);
	dupack(&r, 0);
	expect_new(&r, 13 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(7 * SMSS));
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	/* partial ACK of segment 0: segment 1 at once, then one new segment */
	peer_ack(&r, SMSS, 65535, 0, NULL);
	expect_data(&r, SMSS, SMSS);
	expect_new(&r, 14 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.inflate, (int32_t)(7 * SMSS));
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_NEWRENO);
	/* full ACK (recover = 12000): cwnd 7000, 3000 in flight: the last segment */
	peer_ack(&r, 12 * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->rec.inflate, 0);
	cr_assert_eq(r.tcb->cc.cwnd, 7 * SMSS);
	expect_new(&r, 15 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(tcp_pipe(r.tcb), 4 * SMSS);
	cr_assert_eq(fast_retrans(&r), 1);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 2);
	rig_close(&r);
}

Test(stream_rec_newreno, rto_during_recovery_ends_it_and_sets_recover)
{
	struct rig r;
	uint64_t t0, rto;

	rig_open(&r, false);
	t0 = r.h.now;
	expect_flight(&r);
	dupack(&r, 0);
	dupack(&r, 0);
	dupack(&r, 0);
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	/* the retransmission timer started with the first transmission (RFC 6298 (5.1))
	 * and no ACK advanced SND.UNA since */
	rto = r.tcb->deadline[TCP_T_RETRANSMIT];
	cr_assert_eq(rto, t0 + 200 * MSEC, "RTO at +%llu ns", (unsigned long long)(rto - t0));
	h_at(&r.h, rto - 1);
	expect_no_data(&r);
	h_at(&r.h, rto);
	expect_data(&r, 0, SMSS);       /* go-back-N from SND.UNA (RFC 6298 (5.4)) */
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert(r.tcb->rec.has_recover);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, NSEG * SMSS));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RTO), 1);
	while (h_next(&r.h))
		;                       /* how much more goes back is cwnd's (cc.c) */
	/* three duplicates below recover (the peer holds 1..9): no fast retransmit
	 * (RFC 6582 step 2: not until SEG.ACK - 1 > recover) */
	dupack(&r, 0);
	dupack(&r, 0);
	dupack(&r, 0);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_newreno, recover_holds_until_ack_beyond_it)
{
	struct rig r;
	static char more[3 * SMSS];

	rig_open(&r, false);
	expect_flight(&r);
	h_at(&r.h, r.tcb->deadline[TCP_T_RETRANSMIT]);  /* RTO: recover = 10000 */
	expect_data(&r, 0, SMSS);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, NSEG * SMSS));
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);       /* everything, = recover */
	cr_assert_eq(synack_send(r.h.s, r.fd, more, sizeof more, 0), (long)sizeof more);
	while (h_next(&r.h))
		;                       /* as much as cwnd allows (cc.c) */
	cr_assert(seq_gt(r.tcb->snd_max, REL(&r, NSEG * SMSS)));
	/* ACK = recover: "ack_number - 1 > recover" fails, so three duplicates do not
	 * start a fast retransmit (RFC 6582 step 2) */
	for (int i = 0; i < 3; i++)
		dupack(&r, NSEG * SMSS);
	cr_assert_eq(r.tcb->rec.dupacks, 3);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	/* one octet beyond recover: now a new recovery may begin */
	peer_ack(&r, NSEG * SMSS + 1, 65535, 0, NULL);
	for (int i = 0; i < 2; i++) {
		dupack(&r, NSEG * SMSS + 1);
		while (h_next(&r.h))
			;               /* RFC 3042 limited transmit, as cwnd allows */
	}
	dupack(&r, NSEG * SMSS + 1);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_NEWRENO);
	expect_data(&r, NSEG * SMSS + 1, SMSS);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_newreno, peer_shrinks_window_to_zero_persist_not_timeout)
{
	struct rig r;
	int kind = 0;
	uint64_t when;

	rig_open(&r, false);
	expect_flight(&r);
	/* segment 0 acknowledged with a zero window: the right edge moved left of SND.NXT
	 * (RFC 9293 §3.8.6 MUST-34): nothing is in flight any more, the persist timer
	 * probes (MUST-35), no retransmission timeout (SHLD-17) */
	peer_ack(&r, SMSS, 0, 0, NULL);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->snd_nxt, REL(&r, SMSS));
	cr_assert_eq(r.tcb->deadline[TCP_T_RETRANSMIT], 0);
	when = h_timer_of_port(&r.h, PEER_PORT, &kind);
	cr_assert_eq(kind, SYNACK_TIMER_PERSIST);
	cr_assert_eq(when, r.h.now + tcp_rto_ns(&r.h.s->tcp, r.tcb));
	h_at(&r.h, when);
	EXPECT_SEG(&r.h, F_ACK, REL(&r, SMSS) - 1, PEER_ISN + 1, ANYWIN);   /* probe */
	/* the window opens again: sending resumes at SND.UNA */
	peer_ack(&r, SMSS, 65535, 0, NULL);
	expect_data(&r, SMSS, SMSS);
	cr_assert_eq(fast_retrans(&r), 0);
	rig_close(&r);
}

/* RFC 9293 §3.8.6: the peer moves its right edge from 65535 octets above SND.UNA to
 * 500 (left of SND.NXT, not zero). MUST-34: nothing breaks; SHLD-15: no new data,
 * though 6000 octets wait; SHLD-16/MAY-7: the fast retransmission of old data starts
 * at SND.UNA and is not cut at the new edge (Linux tcp_retransmit_skb). */
Test(stream_rec_newreno, peer_shrinks_window_no_new_data_old_data_resent)
{
	static char more[6 * SMSS];
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	cr_assert_eq(synack_send(r.h.s, r.fd, more, sizeof more, 0), (long)sizeof more);
	expect_no_data(&r);
	peer_ack(&r, SMSS, 500, 0, NULL);               /* right edge: rel 1500 */
	expect_no_data(&r);
	cr_assert_eq(r.tcb->snd_wnd, 500);
	cr_assert_eq(r.tcb->snd_nxt, REL(&r, NSEG * SMSS));
	for (int i = 0; i < 3; i++)
		peer_ack(&r, SMSS, 500, 0, NULL);       /* duplicates: same window */
	expect_data(&r, SMSS, SMSS);                    /* 1000 octets, 500 beyond */
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_NEWRENO);
	cr_assert_eq(r.tcb->snd_max, REL(&r, NSEG * SMSS));
	rig_close(&r);
}

Test(stream_rec_newreno, lone_fin_outstanding_no_duplicates)
{
	struct rig r;

	rig_open(&r, false);
	expect_flight(&r);
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);
	cr_assert_eq(synack_shutdown(r.h.s, r.fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&r.h, F_FIN | F_ACK, REL(&r, NSEG * SMSS), PEER_ISN + 1, ANYWIN);
	/* only the FIN is unacknowledged: not "outstanding data" (RFC 5681 §2 (a)) */
	for (int i = 0; i < 4; i++)
		dupack(&r, NSEG * SMSS);
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	EXPECT_NONE(&r.h);
	cr_assert_eq(fast_retrans(&r), 0);
	rig_close(&r);
}
