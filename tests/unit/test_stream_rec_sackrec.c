/* test_stream_rec_sackrec.c — with SACK negotiated: RFC 6675's duplicate ACK (new SACK
 * information, §2), entering recovery by DupThresh or by IsLost (§5 (1), (2)), the
 * pipe, NextSeg () rules (1), (3), (4) in order, the exit at RecoveryPoint (A), RTO
 * during recovery (§5.1: scoreboard cleared, no new recovery below RecoveryPoint) and
 * reordering below DupThresh. Fixture: test_stream_rec_rig.h. Where a decision depends
 * on cwnd, the test sets cwnd right after the ACK that enters recovery (congestion
 * window arithmetic is cc.c's, tested in test_stream_cc_*). */
#include "test_stream_rec_rig.h"

Test(stream_rec_sackrec, duplicate_needs_new_sack_information)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	/* RFC 5681 duplicates without SACK blocks: not duplicates here (RFC 6675 §2) */
	for (int i = 0; i < 5; i++)
		dupack(&r, 0);
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));       /* nothing new: not */
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	/* a D-SACK block (RFC 2883) is not new SACK information */
	peer_ack(&r, 0, 65535, 2, B(1000, 1500, 1000, 2000));
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	cr_assert_eq(r.tcb->rec.dupacks, 2);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 0);
	/* a cumulative ACK that also SACKs something new resets, then counts: 1 */
	peer_ack(&r, 3000, 65535, 1, B(4000, 5000));
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	rig_close(&r);
}

Test(stream_rec_sackrec, third_sack_duplicate_fast_retransmit)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	peer_ack(&r, 0, 65535, 1, B(1000, 4000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	r.tcb->cc.cwnd = 7 * SMSS;
	expect_data(&r, 0, SMSS);       /* (4.3) HighACK + 1 */
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.high_rxt, REL(&r, SMSS));
	cr_assert_eq(r.tcb->rec.rescue_rxt, REL(&r, SMSS));
	cr_assert_eq(r.tcb->rec.recover, REL(&r, NSEG * SMSS));
	/* pipe: 4..9 not lost (6000) + 0 retransmitted (1000) */
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_sackrec, one_ack_sacking_three_segments_is_lost_enters)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	/* a single duplicate, but more than 2 SMSS SACKed above SND.UNA: IsLost (§5 (2)) */
	peer_ack(&r, 0, 65535, 1, B(1000, 3001));
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	expect_data(&r, 0, SMSS);
	rig_close(&r);
}

Test(stream_rec_sackrec, exactly_two_smss_sacked_is_not_loss)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	/* RFC 6675 §5 (3): limited transmit by SetPipe with HighRxt = HighACK: 8000 */
	cr_assert_eq(tcp_pipe(r.tcb), 8 * SMSS);
	expect_no_data(&r);
	rig_close(&r);
}

/* Segments 0, 3 and 5 lost; the SACK blocks the peer would send as 1, 2, 4, 6 arrive. */
Test(stream_rec_sackrec, nextseg_rules_in_order_and_exit)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	expect_no_data(&r);
	peer_ack(&r, 0, 65535, 2, B(4000, 5000, 1000, 3000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	r.tcb->cc.cwnd = 8 * SMSS;
	/* (4.3) 0; then (C): pipe 7000 < 8000: NextSeg: rule (1) finds nothing (only 0
	 * IsLost: 3 has 2 ranges, 2000 octets above), no new data (2), rule (3): 3 */
	expect_data(&r, 0, SMSS);
	expect_data(&r, 3 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(tcp_pipe(r.tcb), 8 * SMSS);
	cr_assert_eq(r.tcb->rec.high_rxt, REL(&r, 4 * SMSS));

	/* 6 arrives: SACK 1-2, 4, 6: pipe 7000; rule (3) again: 5 */
	peer_ack(&r, 0, 65535, 3, B(6000, 7000, 4000, 5000, 1000, 3000));
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	/* PRR (RFC 6937, test_stream_rec_prr) set cwnd = pipe + 0 on this ACK; this test
	 * is about NextSeg (): give it one segment of room again */
	r.tcb->cc.cwnd = 8 * SMSS;
	expect_data(&r, 5 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.high_rxt, REL(&r, 6 * SMSS));

	/* the retransmitted 0 arrives: ACK 3000 (partial), SACK 4, 6. Nothing IsLost,
	 * no hole above HighRxt below 7000: rule (4), the rescue retransmission of the
	 * segment holding the highest unSACKed octet (9999) */
	peer_ack(&r, 3000, 65535, 2, B(6000, 7000, 4000, 5000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(tcp_pipe(r.tcb), 7 * SMSS);
	r.tcb->cc.cwnd = 8 * SMSS;              /* as above */
	expect_data(&r, 9 * SMSS, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.rescue_rxt, REL(&r, NSEG * SMSS));
	cr_assert_eq(r.tcb->rec.high_rxt, REL(&r, 6 * SMSS));  /* rule (4): unchanged */
	/* only one rescue per recovery */
	peer_ack(&r, 5000, 65535, 1, B(6000, 7000));
	expect_no_data(&r);

	/* ACK 10000 >= RecoveryPoint: (A) recovery ends */
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->rec.sb.n, 0);
	expect_no_data(&r);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 4);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_sackrec, rule_one_lost_segments_first)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	/* 0 and 2 lost, 1 and 3..9 SACKed in one ACK: both IsLost */
	peer_ack(&r, 0, 65535, 2, B(3000, 10000, 1000, 2000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	r.tcb->cc.cwnd = 5 * SMSS;
	cr_assert_eq(tcp_pipe(r.tcb), 0);
	expect_data(&r, 0, SMSS);
	expect_data(&r, 2 * SMSS, SMSS);        /* rule (1) */
	expect_no_data(&r);                     /* nothing else unSACKed: no rescue */
	cr_assert_eq(tcp_pipe(r.tcb), 2 * SMSS);
	rig_close(&r);
}

Test(stream_rec_sackrec, cwnd_limits_nextseg)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 2, B(3000, 10000, 1000, 2000));
	r.tcb->cc.cwnd = SMSS + SMSS - 1;       /* cwnd - pipe < SMSS after the first */
	expect_data(&r, 0, SMSS);               /* (4.3) whatever cwnd says */
	expect_no_data(&r);
	r.tcb->cc.cwnd = 2 * SMSS;
	peer_ack(&r, 0, 65535, 2, B(3000, 10000, 1000, 2000));  /* no news; output runs */
	tcp_want_output(&r.h.s->tcp, r.tcb);
	expect_data(&r, 2 * SMSS, SMSS);
	expect_no_data(&r);
	rig_close(&r);
}

Test(stream_rec_sackrec, reordering_below_dupthresh_no_retransmission)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	peer_ack(&r, 4 * SMSS, 65535, 0, NULL);         /* 0 and 3 were late */
	peer_ack(&r, NSEG * SMSS, 65535, 0, NULL);
	expect_no_data(&r);
	cr_assert_eq(fast_retrans(&r), 0);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 0);
	rig_close(&r);
}

Test(stream_rec_sackrec, rto_in_recovery_clears_scoreboard_and_holds)
{
	struct rig r;
	uint64_t rto;

	rig_open(&r, true);
	expect_flight(&r);
	peer_ack(&r, 0, 65535, 1, B(1000, 4000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	expect_data(&r, 0, SMSS);
	rto = r.tcb->deadline[TCP_T_RETRANSMIT];
	h_at(&r.h, rto);
	expect_data(&r, 0, SMSS);
	/* §5.1: recovery terminated, RecoveryPoint = HighData, SACK information expunged */
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, NSEG * SMSS));
	cr_assert_eq(r.tcb->rec.sb.n, 0);
	cr_assert_null(r.tcb->rec.sb.r);        /* its storage given back (recovery.c) */
	while (h_next(&r.h))
		;
	/* new SACK information below RecoveryPoint: counted, no new recovery */
	peer_ack(&r, 0, 65535, 1, B(1000, 2000));
	peer_ack(&r, 0, 65535, 1, B(1000, 3000));
	peer_ack(&r, 0, 65535, 1, B(1000, 9000));
	cr_assert_eq(r.tcb->rec.dupacks, 3);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_sackrec, after_rto_go_back_skips_sacked)
{
	struct rig r;

	rig_open(&r, true);
	expect_flight(&r);
	h_at(&r.h, r.tcb->deadline[TCP_T_RETRANSMIT]);
	expect_data(&r, 0, SMSS);
	/* make the go-back stop at 1000 as cwnd = 1 SMSS would, whatever output did */
	r.tcb->snd_nxt = REL(&r, SMSS);
	/* the peer holds 1..3: SND.NXT jumps over them (RFC 6675 §5.1 "filling in") */
	peer_ack(&r, 0, 65535, 1, B(1000, 4000));
	cr_assert_eq(r.tcb->snd_nxt, REL(&r, 4 * SMSS));
	rig_close(&r);
}

/* Bytes in use: the allocator's live bytes less what the buffer cache holds unused. */
static size_t live_bytes(const struct rig *r)
{
	return r->h.mem.live_bytes - base_bufcache_held(&r->h.s->tcp.bufcache);
}

/* The scoreboard's storage (sack.h, recovery.c): none until the first ACK with a SACK
 * block, TCP_SB_BYTES from the stack's allocator then, given back when a cumulative
 * ACK takes the last SACKed range; a later SACK block takes it again. */
Test(stream_rec_sackrec, scoreboard_storage_from_first_sack_to_last_range)
{
	struct rig r;
	size_t idle;

	rig_open(&r, true);
	expect_flight(&r);
	idle = live_bytes(&r);
	peer_ack(&r, 0, 65535, 0, NULL);        /* no SACK block: none taken */
	cr_assert_null(r.tcb->rec.sb.r);
	peer_ack(&r, 0, 65535, 1, B(2000, 3000));
	cr_assert_not_null(r.tcb->rec.sb.r);
	cr_assert_eq(live_bytes(&r) - idle, TCP_SB_BYTES, "%zu bytes taken",
		     live_bytes(&r) - idle);
	peer_ack(&r, 1000, 65535, 1, B(2000, 3000));    /* a range is left: kept */
	cr_assert_eq(r.tcb->rec.sb.n, 1);
	cr_assert_not_null(r.tcb->rec.sb.r);
	peer_ack(&r, 3000, 65535, 0, NULL);     /* covers it: given back */
	cr_assert_eq(r.tcb->rec.sb.n, 0);
	cr_assert_null(r.tcb->rec.sb.r);
	cr_assert_eq(live_bytes(&r), idle, "%zu bytes in use, %zu before", live_bytes(&r), idle);
	peer_ack(&r, 3000, 65535, 1, B(5000, 6000));
	cr_assert_eq(r.tcb->rec.sb.n, 1);
	cr_assert_eq(r.tcb->rec.sb.r[0].start, REL(&r, 5000));
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	rig_close(&r);          /* taken back with the tcb: h_fini finds no leak */
}

/* No memory for the scoreboard (the stack's allocator refuses): the ACK's SACK blocks
 * are forgotten, as those beyond TCP_SB_MAX ranges are (sack.h), counted tcp_no_memory:
 * not a duplicate (RFC 6675 §2: no new SACK information recorded), no recovery, nothing
 * sent. With memory again the same ACK is what it would have been the first time:
 * more than 2 SMSS SACKed, IsLost, recovery and the retransmission of segment 0. */
Test(stream_rec_sackrec, scoreboard_without_memory_forgets_the_blocks)
{
	struct tcp_stack *ts;
	struct rig r;
	void *(*alloc)(void *, size_t);
	uint64_t nomem;

	rig_open(&r, true);
	expect_flight(&r);
	ts = &r.h.s->tcp;
	nomem = synack_counter(r.h.s, SYNACK_CTR_TCP_NO_MEMORY);
	alloc = ts->bufcache.backing.alloc;
	ts->bufcache.backing.alloc = h_refuse_alloc;
	peer_ack(&r, 0, 65535, 1, B(1000, 4000));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_NO_MEMORY), nomem + 1);
	cr_assert_null(r.tcb->rec.sb.r);
	cr_assert_eq(r.tcb->rec.sb.n, 0);
	cr_assert_eq(r.tcb->rec.sb.sacked_bytes, 0);
	cr_assert_eq(r.tcb->rec.dupacks, 0);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	expect_no_data(&r);
	ts->bufcache.backing.alloc = alloc;
	peer_ack(&r, 0, 65535, 1, B(1000, 4000));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_NO_MEMORY), nomem + 1);
	cr_assert_not_null(r.tcb->rec.sb.r);
	cr_assert_eq(r.tcb->rec.sb.sacked_bytes, 3 * SMSS);
	cr_assert_eq(r.tcb->rec.dupacks, 1);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	expect_data(&r, 0, SMSS);
	rig_close(&r);
}
