/*
 * recovery.c — loss recovery driven by ACKs (RFC 5681 §2–3.2, RFC 3042, RFC 6582 §3.2,
 * RFC 6675 §5, §5.1) and its output hooks; see recovery.h for the division of labour
 * with cc.c and for the sequence-number conventions.
 *
 * Choices (docs/choices.md):
 *   - With SACK negotiated, a duplicate ACK is RFC 6675 §2's (an ACK that SACKs octets
 *     not SACKed before); RFC 5681's duplicate without new SACK information is not
 *     counted (RFC 6675 §8: forged or out-of-window-triggered duplicates do not start
 *     recovery). Without SACK, RFC 5681 §2 (a)–(e) exactly; a window change, data,
 *     SYN or FIN makes an ACK not a duplicate (Linux's FLAG_NOT_DUP likewise).
 *   - RFC 6582 step 2 holds back fast retransmit only after a recovery or RTO set
 *     `recover` (RFC 6582 initialises it to ISS, which forbids a fast retransmit of the
 *     first data segment; Linux only holds after an episode): NewReno enters when
 *     SEG.ACK - 1 > recover, i.e. SND.UNA beyond SND.MAX of that episode; SACK enters
 *     when HighACK >= RecoveryPoint (RFC 6675 §5.1).
 *   - NewReno's window inflation (RFC 5681 §3.2 steps 3-4, RFC 6582 partial
 *     deflation) is kept in `inflate` and subtracted from the flight in tcp_pipe
 *     instead of added to cwnd: new data goes out once the duplicates have inflated
 *     the window past the flight, one segment per further duplicate.
 *   - NewReno: only the first partial ACK restarts the retransmission timer (RFC 6582
 *     §3.2 step 3 and §4's "Impatient" variant): when much of a window is lost, one
 *     retransmission per RTT would take longer than a timeout and go-back-N. SACK
 *     recovery restarts it on every advance (RFC 6298 (5.3), RFC 6675 §6).
 *   - A retransmission is sent when it starts below SND.UNA + SND.WND or at SND.UNA
 *     (Linux tcp_retransmit_skb), its length not cut by the window (RFC 9293 MAY-7).
 *   - With RACK (rack.h; docs/choices.md "loss detection with SACK"), recovery begins
 *     when RACK marks a loss, the marked segments are resent in sequence order (the
 *     first regardless of cwnd), pipe = outstanding - SACKed - marked lost in and out
 *     of recovery (Linux tcp_packets_in_flight), and the tail loss probe takes the
 *     place of NextSeg () rules (3) and (4).
 *   - Spurious fast retransmits (reordering deeper than DupThresh) are detected by RFC
 *     3522's timestamp test on the first ACK covering the first retransmission and
 *     undone at once (Linux tcp_try_undo_partial / tcp_packet_delayed; RFC 4015 §3.2
 *     leaves the response open): cwnd and ssthresh as before, recovery left; with SACK
 *     a new recovery may begin at once (Linux), without it RFC 6582's recover holds.
 */
#include "tcp/recovery.h"
#include "tcp/cc.h"
#include "tcp/ecn.h"
#include "tcp/sndbuf.h"
#include "tcp/tcb.h"

#define MS 1000000ull

static uint32_t smss(const struct tcb *tcb)
{
	return tcb->snd_mss ? tcb->snd_mss : 1;
}

#ifndef NDEBUG
uint32_t tcp_rec_rare(const struct tcp_recovery *r)
{
	/* the tcb that embeds r, as container_of computes it (const kept) */
	const struct tcb *tcb = (const struct tcb *)(const void *)((const char *)r -
								   offsetof(struct tcb, rec));

	return tcp_rare(tcb);   /* the check */
}
#endif

bool tcp_rec_in_recovery(const struct tcb *tcb)
{
	return tcb->rec.state != TCP_REC_OPEN;
}

/* ---- what counts as a duplicate (RFC 5681 §2) ------------------------------------- */

bool tcp_rec_is_dupack(const struct tcb *tcb, const struct wire_tcp *seg)
{
	uint32_t data_max = tcb->fin_sent ? tcb->fin_seq : tcb->snd_max;

	return seq_lt(tcb->snd_una, data_max) &&                        /* (a) */
	       !seg->payload_len &&                                     /* (b) */
	       !(seg->flags & (WIRE_TCP_SYN | WIRE_TCP_FIN)) &&          /* (c) */
	       seg->ack == tcb->snd_una &&                              /* (d) */
	       ((uint32_t)seg->win << tcb->snd_wscale) == tcb->snd_wnd; /* (e) */
}

/* ---- pipe and FlightSize ------------------------------------------------------------ */

uint32_t tcp_pipe(const struct tcb *tcb)
{
	const struct tcp_recovery *r = &tcb->rec;
	uint32_t flight = tcb->snd_max - tcb->snd_una;
	uint32_t allow;

	if (r->rack.active && tcb->sack_ok && r->state != TCP_REC_NEWRENO) {
		/* RACK (Linux tcp_packets_in_flight): what is neither SACKed nor marked
		 * lost, in and out of recovery; the probe goes whatever cwnd says (§7.3) */
		uint32_t gone = r->sb.sacked_bytes + r->rack.lost_bytes;

		if (r->rack.tlp_due)
			return 0;
		return flight > gone ? flight - gone : 0;
	}
	switch (r->state) {
	case TCP_REC_SACK:
		return tcp_sb_pipe(&r->sb, tcb->snd_una, tcb->snd_max, r->high_rxt, smss(tcb));
	case TCP_REC_NEWRENO:
		/* RFC 5681 §3.2 steps 3-5 and RFC 6582 §3.2 step 3: cwnd is ssthresh
		 * plus the inflation; we subtract the inflation from the flight instead
		 * (cwnd itself stays ssthresh, so the full ACK's deflation is free) */
		if (r->inflate >= 0)
			return flight > (uint32_t)r->inflate ? flight - (uint32_t)r->inflate : 0;
		return flight + (uint32_t)-(int64_t)r->inflate;
	default:
		break;
	}
	flight = tcb->snd_nxt - tcb->snd_una;   /* after an RTO: what was resent since */
	if (!r->dupacks)
		return flight;
	if (tcb->sack_ok)       /* RFC 6675 §5 (3.1)-(3.2): HighRxt = HighACK, SetPipe */
		return tcp_sb_pipe(&r->sb, tcb->snd_una, tcb->snd_nxt, tcb->snd_una, smss(tcb));
	/* RFC 3042: one SMSS more per duplicate ACK, for the first two */
	allow = (r->dupacks < 2 ? r->dupacks : 2) * smss(tcb);
	return flight > allow ? flight - allow : 0;
}

uint32_t tcp_flight_size(const struct tcb *tcb)
{
	const struct tcp_recovery *r = &tcb->rec;

	if (r->state == TCP_REC_OPEN && r->dupacks &&
	    seq_in_closed(r->lt_base, tcb->snd_una, tcb->snd_max))
		return r->lt_base - tcb->snd_una;
	return tcb->snd_max - tcb->snd_una;
}

/* ---- choosing a retransmission (RFC 6675 NextSeg (), RFC 5681/6582) ---------------- */

enum rule { R_NONE = 0, R_LOST, R_MAYBE, R_RESCUE, R_FORCED, R_PROBE };

/* One past the last payload octet in the send buffer. */
static uint32_t data_end(const struct tcb *tcb)
{
	return tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf);
}

/* Cuts [seq, seq + *len) to one SMSS and to the data we hold; false when nothing is
 * left, or the segment starts beyond the peer's window (and not at SND.UNA). */
static bool fit(const struct tcb *tcb, uint32_t seq, uint32_t *len)
{
	uint32_t end = data_end(tcb);

	if (seq != tcb->snd_una && !seq_lt(seq, tcb->snd_una + tcb->snd_wnd))
		return false;
	if (*len > smss(tcb))
		*len = smss(tcb);
	if (!seq_lt(seq, end))
		*len = 0;               /* only the FIN is there */
	else if (seq_gt(seq + *len, end))
		*len = end - seq;
	return *len || (tcb->fin_sent && seq == tcb->fin_seq && !tcp_fin_acked(tcb));
}

/* RFC 6675 NextSeg () rule (2)'s test: unsent data the window allows. */
static bool has_new_data(const struct tcb *tcb)
{
	if (seq_lt(tcb->snd_nxt, data_end(tcb)))
		return seq_lt(tcb->snd_nxt, tcb->snd_una + tcb->snd_wnd);
	return tcb->fin_queued && !tcb->fin_sent;
}

static enum rule choose_sack(const struct tcb *tcb, uint32_t *seq, uint32_t *len)
{
	const struct tcp_recovery *r = &tcb->rec;
	uint32_t from = seq_max(r->high_rxt, tcb->snd_una);
	uint32_t hi;

	/* (C): only while cwnd - pipe >= 1 SMSS */
	if (tcb->cc.cwnd && tcp_pipe(tcb) + smss(tcb) > tcb->cc.cwnd)
		return R_NONE;
	/* (1) the first unSACKed octet above HighRxt that IsLost () */
	if (tcp_sb_next_hole(&r->sb, from, tcp_sb_lost_end(&r->sb, tcb->snd_una, smss(tcb)),
			     seq, len) && fit(tcb, *seq, len))
		return R_LOST;
	/* (2) new data: output's */
	if (has_new_data(tcb))
		return R_NONE;
	/* (3) unSACKed above HighRxt, below the highest SACKed octet */
	if (tcp_sb_next_hole(&r->sb, from, tcp_sb_high(&r->sb, tcb->snd_una), seq, len) &&
	    fit(tcb, *seq, len))
		return R_MAYBE;
	/* (4) one rescue retransmission per recovery, holding the highest unSACKed octet */
	if ((!r->has_rescue || seq_gt(tcb->snd_una, r->rescue_rxt)) &&
	    tcp_sb_highest_hole(&r->sb, tcb->snd_una, tcb->snd_max, &hi)) {
		*seq = seq_gt(hi + 1 - smss(tcb), tcb->snd_una) ? hi + 1 - smss(tcb) : tcb->snd_una;
		*len = hi + 1 - *seq;
		if (fit(tcb, *seq, len))
			return R_RESCUE;
	}
	return R_NONE;
}

/*
 * With RACK (rack.h) the segments to retransmit are the ones it marked lost, in
 * sequence order, in recovery and out of it (after an RTO, or while RFC 6582's recover
 * holds recovery back), as cwnd allows; the first of a recovery goes regardless of cwnd
 * (RFC 6675 (4.3), RFC 6937's at least one). The tail loss probe (§7.3) resends the
 * last segment when no new data may go.
 */
static enum rule choose_rack(const struct tcb *tcb, uint32_t *seq, uint32_t *len)
{
	const struct tcp_recovery *r = &tcb->rec;

	if (r->rexmit_due) {
		if (!tcp_rack_first_lost(tcb, tcb->snd_una, seq, len)) {
			*seq = tcb->snd_una;
			*len = tcb->snd_max - tcb->snd_una;
		}
		return fit(tcb, *seq, len) ? R_FORCED : R_NONE;
	}
	if (r->rack.tlp_due) {
		if (has_new_data(tcb) || !tcp_rack_last_seg(tcb, seq, len))
			return R_NONE;
		return fit(tcb, *seq, len) ? R_PROBE : R_NONE;
	}
	if (!r->rack.lost_bytes)
		return R_NONE;                  /* nothing marked: the common case, no pipe */
	if (tcb->cc.cwnd && tcp_pipe(tcb) + smss(tcb) > tcb->cc.cwnd)
		return R_NONE;                  /* (C) */
	if (tcp_rack_first_lost(tcb, tcb->snd_una, seq, len) && fit(tcb, *seq, len))
		return R_LOST;
	return R_NONE;
}

static enum rule choose(const struct tcb *tcb, uint32_t *seq, uint32_t *len)
{
	const struct tcp_recovery *r = &tcb->rec;

	if (!tcp_is_synchronized(tcb->state))
		return R_NONE;
	if (r->rack.active && tcb->sack_ok && r->state != TCP_REC_NEWRENO)
		return choose_rack(tcb, seq, len);
	if (r->state == TCP_REC_OPEN)
		return R_NONE;
	if (r->rexmit_due) {
		/* RFC 5681 §3.2 step 3 / RFC 6675 (4.3) / RFC 6582 partial ACK */
		*seq = tcb->snd_una;
		*len = tcb->snd_max - tcb->snd_una;
		return fit(tcb, *seq, len) ? R_FORCED : R_NONE;
	}
	if (r->state == TCP_REC_SACK)
		return choose_sack(tcb, seq, len);
	return R_NONE;          /* NewReno: new data only, as cwnd and pipe allow */
}

bool tcp_rec_next_seg(const struct tcp_stack *ts, const struct tcb *tcb, uint32_t *seq,
		      uint32_t *len)
{
	(void)ts;
	return choose(tcb, seq, len) != R_NONE;
}

void tcp_rec_on_sent(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span)
{
	struct tcp_recovery *r = &tcb->rec;
	uint32_t s, l, end = seq + span;
	enum rule rule = choose(tcb, &s, &l);

	switch (rule) {
	case R_NONE:
		return;
	case R_FORCED:
		if (r->eifel_pending && tcb->ts_ok) {
			/* RFC 3522 §2: remember the first retransmission's TSval (the
			 * segment output builds now carries exactly this one) */
			r->eifel_seq = seq;
			r->eifel_tsval = (uint32_t)(ts->now_ns / MS) + tcb->ts_offset;
			tcp_rec_set_eifel_armed(tcb, true);
			r->eifel_known = true;
		}
		r->eifel_pending = false;
		tcp_rec_set_rexmit_due(tcb, false);
		if (seq_gt(end, r->high_rxt))
			r->high_rxt = end;
		if (r->state == TCP_REC_SACK && !r->has_rescue) {
			r->rescue_rxt = end;    /* (4.3): HighRxt and RescueRxt */
			r->has_rescue = true;
		}
		break;
	case R_RESCUE:
		r->rescue_rxt = r->recover;     /* rule (4): HighRxt not updated */
		r->has_rescue = true;
		break;
	default:
		if (seq_gt(end, r->high_rxt))
			r->high_rxt = end;      /* (C.2) */
		break;
	}
	if (r->undo_armed)
		r->undo_retrans += (span + smss(tcb) - 1) / smss(tcb);
	if (tcb->rtt.timing && seq_lt(seq, tcb->rtt.timed_seq))
		tcb->rtt.timing = false;        /* Karn: the timed octets were resent */
	tcb->total_retrans++;
	tcp_count(ts, SYNACK_CTR_TCP_RETRANS);
}

/* ---- entering, running and leaving recovery ---------------------------------------- */

/* RFC 6582 step 2 / RFC 6675 §5.1: may a new recovery begin at this SND.UNA? */
static bool may_enter(const struct tcb *tcb)
{
	const struct tcp_recovery *r = &tcb->rec;

	if (!r->has_recover)
		return true;
	if (tcb->sack_ok)
		return seq_geq(tcb->snd_una, r->recover);
	return seq_gt(tcb->snd_una, r->recover);
}

static void enter_recovery(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_recovery *r = &tcb->rec;

	tcp_cc_enter_recovery(ts, tcb);         /* ssthresh; cwnd = ssthresh */
	tcp_rec_set_state(tcb, tcb->sack_ok ? TCP_REC_SACK : TCP_REC_NEWRENO);
	r->recover = tcb->snd_max;              /* RFC 6582 step 2, RFC 6675 (4.1) */
	r->has_recover = true;
	r->high_rxt = tcb->snd_una;
	r->has_rescue = false;
	/* RFC 5681 step 3: cwnd = ssthresh + 3 SMSS, as inflation */
	r->inflate = (int32_t)(TCP_DUPTHRESH * smss(tcb));
	tcp_rec_set_rexmit_due(tcb, true);
	r->partial_seen = false;
	r->eifel_pending = true;
	tcp_rec_set_eifel_armed(tcb, false);
	r->eifel_known = false;
	tcp_rack_set_tlp_out(tcb, false);
	tcp_rack_set_tlp_due(tcb, false);
	r->undo_armed = true;                   /* RFC 3708: count this episode's */
	r->undo_retrans = 0;
	/* RFC 6937 §3 initialization: RecoverFS = snd.nxt - snd.una (SND.MAX here, as
	 * RFC 6675's FlightSize) */
	r->prr_delivered = r->prr_out = 0;
	r->recover_fs = tcb->snd_max - tcb->snd_una;
	tcp_count(ts, SYNACK_CTR_TCP_FAST_RETRANS);
	tcp_want_output(ts, tcb);
}

/* Back to Open: the per-episode state every way out of recovery resets. */
static void reset_episode(struct tcb *tcb)
{
	tcp_rec_set_state(tcb, TCP_REC_OPEN);
	tcb->rec.inflate = 0;
	tcp_rec_set_rexmit_due(tcb, false);
	tcp_rec_clear_dupacks(tcb);
}

/* An episode found needless (RFC 3522 or RFC 3708, Linux's response): recovery left if
 * it still runs, and with SACK a new one may begin as soon as a later hole shows (RFC
 * 6675 §5.1's RecoveryPoint belonged to the undone episode); RACK's lost marks cleared
 * (Linux unmark_loss); cwnd and ssthresh as before (cc.c tcp_cc_undo). */
static void undo_episode(struct tcp_stack *ts, struct tcb *tcb, int ctr)
{
	struct tcp_recovery *r = &tcb->rec;

	if (r->state != TCP_REC_OPEN) {
		reset_episode(tcb);
		if (tcb->sack_ok)
			r->has_recover = false;
	}
	if (r->rack.active)
		tcp_rack_on_undo(tcb);          /* the "lost" segments were only late */
	r->undo_armed = false;
	tcp_count(ts, ctr);
	tcp_cc_undo(ts, tcb);
}

static void exit_recovery(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_recovery *r = &tcb->rec;

	reset_episode(tcb);
	r->eifel_pending = false;
	tcp_rec_set_eifel_armed(tcb, false);
	tcp_rack_on_recovery_end(tcb);
	tcp_cc_exit_recovery(ts, tcb);          /* RFC 6582 step 3 (2): cwnd = ssthresh */
}

/*
 * RFC 3522 §2 (Eifel detection): the first ACK that acknowledges the first
 * retransmission of this recovery echoes a timestamp older than that retransmission's
 * TSval, so it was triggered by the original segment: the fast retransmit was spurious
 * (the original had been reordered, not lost). True when this ACK shows that; then the
 * recovery is undone: cwnd and ssthresh as before (cc.c tcp_cc_undo, Linux
 * tcp_try_undo_partial), and with SACK a new recovery may begin as soon as a later
 * hole shows (Linux; RFC 6675 §5.1's RecoveryPoint belonged to the undone episode).
 */
static bool undo_if_spurious(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg)
{
	struct tcp_recovery *r = &tcb->rec;

	if (!r->eifel_armed || !seq_gt(tcb->snd_una, r->eifel_seq))
		return false;
	tcp_rec_set_eifel_armed(tcb, false);
	if (r->state == TCP_REC_OPEN || !(seg->opt.present & WIRE_HAS_TS) ||
	    !seq_lt(seg->opt.ts_ecr, r->eifel_tsval))
		return false;
	undo_episode(ts, tcb, SYNACK_CTR_TCP_UNDO_TS);
	return true;
}

/*
 * RFC 3708 §3 (D-SACK detection of spurious retransmissions) with Linux's response
 * (tcp_try_undo_dsack): every retransmission of the last fast-recovery episode has
 * been reported back as a duplicate, so none was needed: cwnd and ssthresh as before,
 * recovery left if it still runs. Reordering beyond the reordering window looks like
 * this (the originals arrive after all); ACKs that would have shown it to the Eifel
 * test may themselves be lost or reordered. Not after an RTO (disarmed there).
 */
static bool undo_by_dsack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg)
{
	struct tcp_recovery *r = &tcb->rec;
	const struct wire_sack_block *b = seg->opt.sack;
	uint32_t segs;

	if (!r->undo_armed || !r->undo_retrans || !(seg->opt.present & WIRE_HAS_SACK) ||
	    !seg->opt.sack_count || !tcp_sb_is_dsack(seg->ack, b, seg->opt.sack_count) ||
	    !seq_lt(b[0].left, b[0].right))
		return false;
	segs = (b[0].right - b[0].left + smss(tcb) - 1) / smss(tcb);
	r->undo_retrans = segs >= r->undo_retrans ? 0 : r->undo_retrans - segs;
	if (r->undo_retrans)
		return false;
	r->eifel_pending = false;
	tcp_rec_set_eifel_armed(tcb, false);
	undo_episode(ts, tcb, SYNACK_CTR_TCP_UNDO_DSACK);
	return true;
}

/* RFC 6582 §3.2 step 3, partial acknowledgment. tcp_ack_advance has just restarted the
 * retransmission timer: only the first partial ACK may (Impatient, §4). */
static void newreno_partial(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked)
{
	struct tcp_recovery *r = &tcb->rec;
	int64_t v = (int64_t)r->inflate - acked;

	if (!r->partial_seen) {
		r->partial_seen = true;
		r->rto_deadline = tcb->deadline[TCP_T_RETRANSMIT];
	} else if (r->rto_deadline && tcb->deadline[TCP_T_RETRANSMIT]) {
		tcp_timer_set(ts, tcb, TCP_T_RETRANSMIT, r->rto_deadline);
	}

	if (acked >= smss(tcb))
		v += smss(tcb);                 /* "add back SMSS bytes" */
	if (v < INT32_MIN)
		v = INT32_MIN;
	r->inflate = (int32_t)v;
	tcp_rec_set_rexmit_due(tcb, true);      /* "retransmit the first unacknowledged" */
}

/* After an RTO the sender goes back to SND.UNA; with SACK it skips what the peer holds
 * (RFC 6675 §5.1: "filling in the sequence space reported as missing"). */
static void skip_sacked(struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = &tcb->rec.sb;

	for (unsigned k = 0; k < sb->n; k++)
		if (seq_in(tcb->snd_nxt, sb->r[k].start, sb->r[k].end))
			tcb->snd_nxt = sb->r[k].end;
}

static const char *in_recovery_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked,
				   bool dup)
{
	struct tcp_recovery *r = &tcb->rec;

	if (seq_geq(tcb->snd_una, r->recover)) {
		/* RFC 6582 step 3 full acknowledgment; RFC 6675 (A) */
		exit_recovery(ts, tcb);
		return "full ACK: recovery ends";
	}
	tcp_want_output(ts, tcb);
	if (r->state == TCP_REC_SACK)
		return acked ? "partial ACK (SACK recovery)" : NULL;    /* (B), (C) */
	if (acked) {
		newreno_partial(ts, tcb, acked);
		return "partial ACK: retransmit SND.UNA";
	}
	if (dup) {
		r->inflate += (int32_t)smss(tcb);       /* RFC 5681 step 4 */
		return "duplicate ACK in recovery";
	}
	return NULL;
}

/* ---- Proportional Rate Reduction (RFC 6937) ----------------------------------------- */

/*
 * RFC 6937 §3, on an ACK during SACK recovery that delivered `delivered` octets
 * (DeliveredData: the change in SND.UNA plus the change in SACKed octets). While pipe
 * is above ssthresh the sender keeps pace with the delivery, scaled by ssthresh /
 * RecoverFS (CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out); at or below it, it
 * catches up towards ssthresh by at most the slow-start reduction bound
 * MAX(prr_delivered - prr_out, DeliveredData), plus SMSS only when the ACK advanced
 * SND.UNA and marked nothing newly lost (Linux tcp_cwnd_reduction; the "safe ACK" of
 * RFC 6937's revision). cwnd = pipe + sndcnt (§3), so output's cwnd - pipe test sends
 * exactly sndcnt. An ACK that delivered nothing (a D-SACK alone, a window update)
 * leaves cwnd as it is (Linux). Octets, as the RFC; Linux counts segments.
 */
static void prr_on_ack(struct tcb *tcb, uint32_t delivered, bool safe)
{
	struct tcp_recovery *r = &tcb->rec;
	uint32_t pipe, ssthresh = tcb->cc.ssthresh;
	uint64_t sndcnt, cwnd;

	if (!delivered || !tcb->cc.cwnd)
		return;
	r->prr_delivered += delivered;
	pipe = tcp_pipe(tcb);
	if (pipe > ssthresh) {
		uint64_t fs = r->recover_fs ? r->recover_fs : 1;
		uint64_t due = ((uint64_t)r->prr_delivered * ssthresh + fs - 1) / fs;

		sndcnt = due > r->prr_out ? due - r->prr_out : 0;
	} else {
		uint64_t limit = r->prr_delivered > r->prr_out ? r->prr_delivered - r->prr_out : 0;

		if (limit < delivered)
			limit = delivered;
		if (safe)
			limit += smss(tcb);     /* PRR-SSRB */
		sndcnt = ssthresh - pipe < limit ? ssthresh - pipe : limit;
	}
	cwnd = pipe + sndcnt;
	tcb->cc.cwnd = cwnd > UINT32_MAX ? UINT32_MAX : (uint32_t)cwnd;
}

/* ---- RACK-TLP (RFC 8985) timers ------------------------------------------------------ */

/* The retransmission slot takes at + the kind when it is earlier than what it holds. */
static void arm_rack_timer(struct tcp_stack *ts, struct tcb *tcb, uint64_t at, uint8_t kind)
{
	uint64_t cur = tcb->deadline[TCP_T_RETRANSMIT];

	if (cur && cur <= at)
		return;
	tcp_timer_set(ts, tcb, TCP_T_RETRANSMIT, at);
	tcb->rec.rack.timer = kind;
}

/* RFC 8985 §7.2: a probe may be scheduled outside recovery, with SACK, data in flight,
 * no probe outstanding, the RTO running (a segment is outstanding). */
static void schedule_tlp(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint64_t at;

	if (ts->cfg.early_retrans < 3 || tcb->rec.state != TCP_REC_OPEN || m->tlp_out ||
	    m->tlp_due || m->timer == TCP_RACK_T_REO || tcb->snd_una == tcb->snd_max ||
	    tcb->snd_nxt != tcb->snd_max || m->lost_bytes ||
	    !tcb->deadline[TCP_T_RETRANSMIT] || tcb->state < TCP_ESTABLISHED)
		return;
	at = ts->now_ns + tcp_rack_pto_ns(ts, tcb);
	if (tcb->deadline[TCP_T_RETRANSMIT] != at)     /* PTO = RTO: the slot is right */
		tcp_timer_set(ts, tcb, TCP_T_RETRANSMIT, at);
	m->timer = TCP_RACK_T_TLP;
}

void tcp_rec_on_xmit(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span)
{
	if (tcb->rec.state == TCP_REC_SACK)
		tcb->rec.prr_out += span;       /* RFC 6937 §3: "prr_out += (data sent)" */
	if (tcp_rack_enabled(ts, tcb))
		tcp_rack_on_send(ts, tcb, seq, span);
}

void tcp_rec_on_xmit_gso(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t len,
			 uint32_t span, uint32_t gso)
{
	if (tcb->rec.state == TCP_REC_SACK)
		tcb->rec.prr_out += span;
	if (tcp_rack_enabled(ts, tcb))
		tcp_rack_on_send_gso(ts, tcb, seq, len, span, gso);
}

void tcp_rec_after_send(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->rec.rack.active && tcb->sack_ok)
		schedule_tlp(ts, tcb);
}

/*
 * Lone segments. Most flights of a request/response connection are one segment (a
 * request, a response, a FIN) sent with nothing outstanding and acknowledged whole by
 * the next ACK, with nothing lost, SACKed or probed. For them the general accounting
 * walks RACK's map, arms the RTO and then asks §7.2 whether the probe timer should take
 * the slot, and on the ACK walks the map, looks for losses, probes, recovery and
 * reordering timers that cannot be there. Here the same state is written in one pass:
 * - sent (output.c lone_ok: nothing outstanding, recovery open, the map empty with no
 *   storage, nothing lost, no probe due, the retransmission timer off, synchronized;
 *   output.c account_sent's account_lone_send, inline there for its cost per segment):
 *   the map's inline entry (tcp_rack_on_lone_send); the RTO in the retransmission slot
 *   (tcp_rexmit_arm: the SYN-ACK slot cleared, RACK's timer kind RTO), replaced by the
 *   probe timeout when schedule_tlp would take it (its other conditions hold by the
 *   above: SND.UNA < SND.NXT = SND.MAX, nothing lost, no probe due, the slot holds the
 *   RTO), in one tcp_timer_set at the earlier of the two as the two calls leave it;
 * - acknowledged (lone_ack below): the whole flight, one inline entry without flags,
 *   by an ACK without SACK option, recovery open, no probe out, nothing SACKed, no
 *   Eifel test armed: RACK delivers the entry and empties the map (tcp_rack_on_lone_ack),
 *   congestion control takes the ACK; detect_loss, the probe's episode, rack_maybe_enter
 *   and schedule_tlp would find an empty map and SND.UNA = SND.MAX and do nothing.
 * tcp_stack.rec_no_lone_path turns both off: test_tcp_rack_runs compares every packet
 * and the RACK, recovery, cc and timer state with and without them.
 */

/* The ACK side of "Lone segments" above (the send side is output.c's): true when it
 * applied. */
static bool lone_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
		     uint32_t prev_una, uint32_t rtt_us)
{
	struct tcp_recovery *r = &tcb->rec;

	if (ts->rec_no_lone_path || tcb->snd_una != tcb->snd_max || tcb->snd_una == prev_una ||
	    !tcp_rec_lone_acked(r, tcb->sack_ok, seg, tcb->snd_una))
		return false;
	r->prr_lost = false;
	tcp_rack_on_lone_ack(ts, tcb, seg);
	tcp_rec_clear_dupacks(tcb);
	tcp_cc_on_ack(ts, tcb, tcb->snd_una - prev_una, rtt_us);
	return true;
}

/* RACK found losses outside recovery: recovery begins (RFC 8985 §6.2 step 5 with RFC
 * 6675's reaction: Linux tcp_time_to_recover on lost_out), unless RFC 6582's recover
 * still holds it back; then the marked segments are resent as cwnd allows. */
static const char *rack_maybe_enter(struct tcp_stack *ts, struct tcb *tcb)
{
	if (!tcb->rec.rack.lost_bytes || tcb->rec.state != TCP_REC_OPEN)
		return NULL;
	tcp_want_output(ts, tcb);
	if (!may_enter(tcb))
		return "RACK: lost segments resent, no new recovery before recover";
	enter_recovery(ts, tcb);
	return "RACK: segment lost (RFC 8985), recovery begins";
}

/* §7.4: the ACK of the probe ends its episode; a probe that was a retransmission and
 * drew no D-SACK repaired a loss, which congestion control must hear about (Linux: a
 * CWR reduction; here cwnd = ssthresh of the algorithm at once). */
static const char *tlp_episode(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	if (!m->tlp_out || seq_lt(tcb->snd_una, m->tlp_end_seq))
		return NULL;
	tcp_rack_set_tlp_out(tcb, false);
	if (!m->tlp_rexmit || m->tlp_dsack || tcb->rec.state != TCP_REC_OPEN)
		return NULL;
	tcp_cc_enter_recovery(ts, tcb);
	tcp_cc_exit_recovery(ts, tcb);
	return "tail loss probe repaired a loss: cwnd reduced";
}

/*
 * The ACK that ends a RACK recovery (Linux tcp_try_undo_recovery, tcp_packet_delayed):
 * when it echoes a TSval older than the episode's first retransmission, the last hole
 * was filled by a segment sent before any retransmission — the episode began on
 * reordering, not loss — and the reduction is undone (cwnd and ssthresh as before; the
 * lost marks stay: Linux's unmark_loss is false here).
 */
static bool undo_at_full_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg)
{
	struct tcp_recovery *r = &tcb->rec;

	if (!r->eifel_known || !(seg->opt.present & WIRE_HAS_TS) ||
	    !seq_lt(seg->opt.ts_ecr, r->eifel_tsval))
		return false;
	reset_episode(tcb);
	r->has_recover = false;
	r->eifel_pending = r->eifel_known = false;
	tcp_rec_set_eifel_armed(tcb, false);
	r->undo_armed = false;
	/* no tcp_rack_on_recovery_end: an undone episode does not count against RFC 8985
	 * §6.2 step 4's reo_wnd_persist (Linux tcp_try_undo_recovery decrements it only
	 * when the recovery is not undone) */
	tcp_count(ts, SYNACK_CTR_TCP_UNDO_TS);
	tcp_cc_undo(ts, tcb);
	return true;
}

static const char *rack_on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
			       uint32_t acked, uint32_t rtt_us, const char *note)
{
	struct tcp_recovery *r = &tcb->rec;
	uint32_t lost = r->rack.lost_bytes;
	uint64_t reo = tcp_rack_detect_loss(ts, tcb);
	const char *why;

	r->prr_lost = r->rack.lost_bytes > lost;

	if ((why = tlp_episode(ts, tcb)))
		note = why;
	if (r->state != TCP_REC_OPEN) {
		if (seq_geq(tcb->snd_una, r->recover) && undo_at_full_ack(ts, tcb, seg)) {
			note = "full ACK older than the first retransmission: recovery undone";
		} else if (seq_geq(tcb->snd_una, r->recover)) {
			exit_recovery(ts, tcb);         /* RFC 6675 (A) */
			note = "full ACK: recovery ends";
		} else {
			tcp_want_output(ts, tcb);
			note = acked ? "partial ACK (RACK recovery)" : note;
		}
	} else if (acked) {
		tcp_rec_clear_dupacks(tcb);
		tcp_cc_on_ack(ts, tcb, acked, rtt_us);
	}
	if (r->state == TCP_REC_OPEN) {
		if (seq_lt(tcb->snd_nxt, tcb->snd_max) && r->sb.n)
			skip_sacked(tcb);
		if ((why = rack_maybe_enter(ts, tcb)))
			note = why;
	}
	if (reo)
		arm_rack_timer(ts, tcb, ts->now_ns + reo, TCP_RACK_T_REO);     /* §6.3 */
	else
		schedule_tlp(ts, tcb);
	return note;
}

void tcp_rec_on_timer(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint8_t kind = m->timer;
	uint64_t reo;

	tcp_rexmit_arm(ts, tcb);                /* the RTO again (timer = RTO) */
	if (kind == TCP_RACK_T_TLP) {
		tcp_rack_set_tlp_due(tcb, true);        /* §7.3: one probe, new data first */
		tcp_count(ts, SYNACK_CTR_TCP_LOSS_PROBES);
		tcp_want_output(ts, tcb);
		return;
	}
	reo = tcp_rack_detect_loss(ts, tcb);    /* §6.3 */
	if (tcb->rec.state == TCP_REC_OPEN && rack_maybe_enter(ts, tcb) &&
	    tcb->rec.state == TCP_REC_SACK)
		prr_on_ack(tcb, smss(tcb), false);      /* Linux tcp_rack_reo_timeout:
							 * one segment "delivered" */
	if (tcb->rec.state != TCP_REC_OPEN || m->lost_bytes)
		tcp_want_output(ts, tcb);
	if (reo)
		arm_rack_timer(ts, tcb, ts->now_ns + reo, TCP_RACK_T_REO);
}

/*
 * An ACK that acknowledges nothing new while nothing is in flight, carries no SACK
 * option, outside recovery, with no probe out and RACK's map empty: every step of
 * on_ack below would leave the state as it is (no duplicate: RFC 5681 §2 (a)
 * and RFC 6675 §2 need outstanding data or new SACK information; RACK has nothing to
 * deliver, mark or time). What RACK's per-ACK start does (reo_wnd_mult's lazy 1, no
 * delivery by this ACK yet, the map's base at SND.UNA) is done here; the rest is
 * skipped: most ACKs of a short connection are of this kind (the peer's data and FIN).
 */

/*
 * The scoreboard's storage (sack.h): attached from the stack's allocator when the first
 * ACK with SACK blocks arrives, given back when a cumulative ACK takes its last range,
 * after a timeout's clear and with the tcb (tcb.c): a connection that sees no SACK
 * block carries none (its tcb is 256 bytes smaller to zero and to keep). When the
 * allocation fails (counted tcp_no_memory) the ACK's SACK blocks are forgotten, as
 * sack.h forgets those beyond TCP_SB_MAX ranges: less SACK information, a more
 * conservative sender (RFC 2018 §8, RFC 6675 §5.1 give a sender no duty to use it).
 */
static bool sb_attach(struct tcp_stack *ts, struct tcp_recovery *r)
{
	if (r->sb.r)
		return true;
	r->sb.r = base_alloc(&ts->alloc, TCP_SB_BYTES);
	if (r->sb.r)
		return true;
	tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
	return false;
}

static void sb_detach(struct tcp_stack *ts, struct tcp_recovery *r)
{
	if (r->sb.r)
		base_free(&ts->alloc, r->sb.r, TCP_SB_BYTES);
	r->sb.r = NULL;
}

static const char *on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
			  uint32_t prev_una, bool dup5681, uint32_t rtt_us)
{
	struct tcp_recovery *r = &tcb->rec;
	uint32_t acked = tcb->snd_una - prev_una;
	uint32_t newly_sacked = 0;
	const char *note = NULL;
	bool rack = r->rack.active && tcb->sack_ok;
	bool dup;

	if (!acked && tcb->snd_una == tcb->snd_max && tcp_rec_quiet_ack(r, seg))
		return NULL;
	if (acked && r->sb.n) {
		tcp_sb_ack(&r->sb, tcb->snd_una);
		tcp_rare_sync_sb(tcb);
		if (!r->sb.n)
			sb_detach(ts, r);       /* nothing SACKed above SND.UNA any more */
	}
	if (rack)
		tcp_rack_on_ack(ts, tcb, seg, prev_una);
	if (tcb->sack_ok && (seg->opt.present & WIRE_HAS_SACK) && sb_attach(ts, r)) {
		newly_sacked = tcp_sb_update(&r->sb, tcb->snd_una, tcb->snd_max, seg->ack,
					     seg->opt.sack, seg->opt.sack_count);
		tcp_rare_sync_sb(tcb);
	}
	/* RFC 6675 §2 with SACK, RFC 5681 §2 without */
	dup = tcb->sack_ok ? newly_sacked > 0 : dup5681;
	if (acked && undo_if_spurious(ts, tcb, seg))
		note = "spurious fast retransmit (RFC 3522): recovery undone";
	else if (tcb->sack_ok && undo_by_dsack(ts, tcb, seg))
		note = "every retransmission D-SACKed (RFC 3708): recovery undone";
	if (rack)
		return rack_on_ack(ts, tcb, seg, acked, rtt_us, note);
	if (r->state != TCP_REC_OPEN)
		return in_recovery_ack(ts, tcb, acked, dup5681 || newly_sacked);
	if (acked) {
		tcp_rec_clear_dupacks(tcb);     /* RFC 6675 §5: a cumulative ACK */
		tcp_cc_on_ack(ts, tcb, acked, rtt_us);
	}
	if (seq_lt(tcb->snd_nxt, tcb->snd_max) && r->sb.n)
		skip_sacked(tcb);
	if (!dup)
		return note;
	if (!r->dupacks)
		r->lt_base = tcb->snd_max;
	if (r->dupacks < 255)
		tcp_rec_set_dupacks(tcb, (uint8_t)(r->dupacks + 1));
	/* RFC 6675 §5 (1), (2); RFC 5681 §3.2 step 2 */
	if (r->dupacks >= TCP_DUPTHRESH ||
	    (tcb->sack_ok && tcp_sb_is_lost(&r->sb, tcb->snd_una, smss(tcb)))) {
		if (may_enter(tcb)) {
			enter_recovery(ts, tcb);
			return "duplicate ACK: fast retransmit, recovery begins";
		}
		return "duplicate ACK: no fast retransmit before recover (RFC 6582)";
	}
	tcp_want_output(ts, tcb);               /* RFC 3042 limited transmit */
	return "duplicate ACK";
}

/* tcp_rec_on_ack for every ACK but a lone segment's (kept out of line: the lone ACK, the
 * common one, then pays for none of its registers). */
__attribute__((noinline)) static const char *
general_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
	    uint32_t prev_una, bool dup5681, uint32_t rtt_us)
{
	struct tcp_recovery *r = &tcb->rec;
	uint32_t sacked = r->sb.sacked_bytes, lost_end = prev_una;
	bool rack = r->rack.active && tcb->sack_ok;
	const char *note;
	int64_t delivered;

	if (tcb->sack_ok && !rack && r->state == TCP_REC_SACK)
		lost_end = tcp_sb_lost_end(&r->sb, prev_una, smss(tcb));
	r->prr_lost = false;
	note = on_ack(ts, tcb, seg, prev_una, dup5681, rtt_us);
	if (r->state != TCP_REC_SACK)
		return note;
	/* RFC 6937 DeliveredData = change_in(snd.una) + change_in(SACKd) */
	delivered = (int64_t)(uint32_t)(tcb->snd_una - prev_una) + r->sb.sacked_bytes - sacked;
	if (!rack)
		r->prr_lost = seq_gt(tcp_sb_lost_end(&r->sb, tcb->snd_una, smss(tcb)), lost_end);
	prr_on_ack(tcb, delivered > 0 ? (uint32_t)delivered : 0,
		   tcb->snd_una != prev_una && !r->prr_lost);
	return note;
}

const char *tcp_rec_on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
			   uint32_t prev_una, bool dup5681, uint32_t rtt_us)
{
	const char *why = NULL;

	if (!lone_ack(ts, tcb, seg, prev_una, rtt_us))
		why = general_ack(ts, tcb, seg, prev_una, dup5681, rtt_us);
	/* RFC 3168 §6.1.2, after loss detection: only an ECN connection has anything to do
	 * (tcp_ecn_on_ack's first test, made here without the call) */
	if (tcb->ecn_flags & TCP_ECN_OK)
		tcp_ecn_on_ack(ts, tcb, seg->flags);
	if (tcb->snd_una != prev_una)
		tcp_sndbuf_on_ack(ts, tcb);     /* Linux tcp_check_space after tcp_ack */
	return why;
}

void tcp_rec_on_rto(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_recovery *r = &tcb->rec;

	reset_episode(tcb);
	r->recover = tcb->snd_max;              /* RFC 6582 step 4, RFC 6675 §5.1 */
	r->has_recover = true;
	r->has_rescue = false;
	r->eifel_pending = false;
	tcp_rec_set_eifel_armed(tcb, false);
	r->undo_armed = false;
	tcp_sb_clear(&r->sb);                   /* RFC 2018 §8: the peer may have reneged */
	tcp_rare_sync_sb(tcb);
	sb_detach(ts, r);
	if (r->rack.active)
		tcp_rack_on_rto(ts, tcb);       /* everything outstanding is lost */
	tcp_count(ts, SYNACK_CTR_TCP_RTO);
	tcp_cc_on_rto(ts, tcb);
}

void tcp_rec_window_shrunk(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->snd_wnd)
		return;         /* SHLD-15/16: no new data (output's usable window is 0),
				 * old data below the edge is retransmitted normally */
	tcb->snd_nxt = tcb->snd_una;
	tcp_rexmit_stop(ts, tcb);
	tcb->retransmits = 0;
	tcp_want_output(ts, tcb);               /* output arms the persist timer */
}
