/*
 * test_stream_rec_undo.c — a fast retransmit that reordering caused, detected by RFC
 * 3522 (Eifel: the first ACK covering the retransmission echoes a TSval older than the
 * retransmission's) and undone (cwnd and ssthresh as before the recovery, recovery
 * left: Linux tcp_try_undo_partial); a real loss (the ACK echoes the retransmission's
 * TSval) keeps the recovery; without SACK the undo keeps RFC 6582's recover.
 *
 * Fixture: test_stream_rec_rig.h's rig_accept, from a peer whose SYN has MSS 1012, timestamps and
 * (when asked) SACK-permitted, window 65535, no window scaling: SMSS = 1000 (12 octets
 * of timestamps); 10000 bytes sent as 10 segments (IW10), CUBIC (the default).
 * Sequence numbers relative to ISS + 1; the peer's TS clock is its own counter.
 */
#include "test_stream_rec_rig.h"
#include "tcp/cc.h"

static uint32_t ts0;            /* TSval of the first flight */

/* The next segment with data: exactly [REL(x), REL(x) + SMSS) with TSval tsval. */
static void expect_ts(struct rig *r, uint32_t x, uint32_t tsval)
{
	expect_seg(r, x, SMSS);
	cr_assert(r->h.out.opt.present & WIRE_HAS_TS);
	cr_assert_eq(r->h.out.opt.ts_val, tsval, "TSval %u, expected %u", r->h.out.opt.ts_val,
		     tsval);
}

/* The connection (RFC 6675 / 6582 recovery; RACK: test_stream_rec_rack) with the 10
 * segments sent, all with TSval ts0. */
static void u_open(struct rig *r, bool sack)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_TS, .mss = SMSS + 12,
				   .ts_val = 500 };
	static char data[NSEG * SMSS];
	struct synack_config cfg;

	h_default_config(&cfg);
	cfg.timestamps = 1;
	cfg.sack = 1;
	cfg.recovery = 0;
	if (sack)
		o.present |= WIRE_HAS_SACKOK;
	rig_accept(r, &cfg, o);
	cr_assert_eq(synack_send(r->h.s, r->fd, data, sizeof data, 0), (long)sizeof data);
	expect_seg(r, 0, SMSS);
	ts0 = r->h.out.opt.ts_val;
	for (uint32_t k = 1; k < NSEG; k++)
		expect_ts(r, k * SMSS, ts0);
	expect_no_data(r);
}

/* 50 ms later three SACKs report segments 1..3 (segment 0 missing): RFC 6675 recovery,
 * segment 0 again at once with TSval ts0 + 50. */
static void u_fast_retransmit_sack(struct rig *u)
{
	static const uint32_t b1[] = { 1000, 2000 }, b2[] = { 1000, 3000 },
			      b3[] = { 1000, 4000 };

	cr_assert_eq(u->tcb->cc.cwnd, NSEG * SMSS);
	cr_assert_eq(u->tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	h_advance(&u->h, 50 * MSEC);
	peer_ack_ts(u, 0, 1, b1, ts0);
	peer_ack_ts(u, 0, 1, b2, ts0);
	expect_no_data(u);
	cr_assert_eq(u->tcb->rec.state, TCP_REC_OPEN);
	peer_ack_ts(u, 0, 1, b3, ts0);
	expect_ts(u, 0, ts0 + 50);
	expect_no_data(u);
	cr_assert_eq(u->tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(u->tcb->cc.ssthresh, 7 * SMSS);    /* CUBIC: 0.7 x 10000 */
	cr_assert_eq(u->tcb->cc.cwnd, 7 * SMSS);
	cr_assert(u->tcb->rec.eifel_armed);
}

Test(stream_rec_undo, sack_reordered_segment_recovery_undone)
{
	struct rig u;

	u_open(&u, true);
	u_fast_retransmit_sack(&u);
	/* 1 ms later: the original segment 0 arrived after all; the ACK covers 0..3 and
	 * echoes ts0 (< ts0 + 50): spurious, undone */
	h_advance(&u.h, 1 * MSEC);
	peer_ack_ts(&u, 4 * SMSS, 0, NULL, ts0);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert(!u.tcb->rec.eifel_armed);
	cr_assert(!u.tcb->rec.has_recover);             /* SACK: may recover again */
	cr_assert_eq(u.tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);   /* slow start again */
	/* cwnd 10000 back, then this ACK's slow-start growth: + 1 SMSS */
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	expect_no_data(&u);                             /* nothing else queued */
	/* the retransmitted copy arrives too: a D-SACK, nothing changes */
	peer_ack_ts(&u, 4 * SMSS, 1, (const uint32_t[]){ 0, 1000 }, ts0 + 50);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_FAST_RETRANS), 1);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_RETRANS), 1);
	rig_close(&u);
}

Test(stream_rec_undo, sack_real_loss_keeps_recovery)
{
	struct rig u;

	u_open(&u, true);
	u_fast_retransmit_sack(&u);
	/* 50 ms later the retransmission filled the hole: the ACK echoes its TSval */
	h_advance(&u.h, 50 * MSEC);
	peer_ack_ts(&u, 4 * SMSS, 0, NULL, ts0 + 50);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_SACK);   /* partial: recover is 10000 */
	cr_assert(!u.tcb->rec.eifel_armed);             /* only the first ACK decides */
	cr_assert_eq(u.tcb->cc.ssthresh, 7 * SMSS);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	/* a later ACK echoing an old TSval no longer undoes anything */
	peer_ack_ts(&u, 5 * SMSS, 0, NULL, ts0);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	peer_ack_ts(&u, NSEG * SMSS, 0, NULL, ts0 + 50);  /* full ACK: recovery ends */
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	cr_assert_eq(u.tcb->cc.ssthresh, 7 * SMSS);
	rig_close(&u);
}

Test(stream_rec_undo, newreno_reordered_segment_undone_recover_kept)
{
	struct rig u;

	u_open(&u, false);
	h_advance(&u.h, 50 * MSEC);
	for (int i = 0; i < 3; i++)
		peer_ack_ts(&u, 0, 0, NULL, ts0);       /* RFC 5681 duplicates */
	expect_ts(&u, 0, ts0 + 50);
	expect_no_data(&u);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_NEWRENO);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	h_advance(&u.h, 1 * MSEC);
	peer_ack_ts(&u, 4 * SMSS, 0, NULL, ts0);        /* the original, reordered */
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->rec.inflate, 0);
	cr_assert_eq(u.tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	/* RFC 6582 step 2: duplicates of this window still start no second recovery */
	cr_assert(u.tcb->rec.has_recover);
	cr_assert_eq(u.tcb->rec.recover, REL(&u, NSEG * SMSS));
	for (int i = 0; i < 3; i++)
		peer_ack_ts(&u, 4 * SMSS, 0, NULL, ts0);
	expect_no_data(&u);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_FAST_RETRANS), 1);
	rig_close(&u);
}
