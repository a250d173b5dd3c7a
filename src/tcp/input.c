/*
 * input.c — SEGMENT ARRIVES (RFC 9293 §3.10.7), written to be read beside the RFC.
 *
 * tcp_input demultiplexes, then follows §3.10.7.1 (CLOSED), §3.10.7.2 (LISTEN, in
 * listen.c), §3.10.7.3 (SYN-SENT) or §3.10.7.4 ("Other states"), whose eight checks are
 * the steps of a pipeline. Each step returns a verdict:
 *   CONTINUE  go on with the next step
 *   DROP      discard the segment silently
 *   DROP_ACK  discard it and answer with an ACK (<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>)
 *   DROP_RST  discard it and answer <SEQ=SEG.ACK><CTL=RST>
 *   DONE      processing ended (the tcb may be gone: ctx->tcb is then NULL)
 * Steps never build segments: they change state and record intent (want_ack, the
 * output list); output.c builds what is due. Robustness additions: RFC 5961 (§3.2 RST,
 * §4 SYN, §5 ACK checks, challenge ACKs rate-limited per connection, §7), RFC 7323 PAWS,
 * RFC 1337 (RST ignored in TIME-WAIT).
 */
#include <errno.h>
#include <string.h>

#include "tcp/cc.h"
#include "tcp/challenge.h"
#include "tcp/ecn.h"
#include "tcp/input.h"
#include "tcp/recovery.h"
#include "tcp/route.h"
#include "tcp/sndbuf.h"
#include "tcp/tcb.h"

#define MS 1000000ull

/* Paths marked __attribute__((cold)) below (answers to unacceptable segments, trimming,
 * out-of-order text, no connection) are rare in a working connection: the compiler lays
 * them out of tcp_conn_input's way and keeps its registers for the common segments. */

/* ---- helpers -------------------------------------------------------------------- */

static uint32_t seg_len(const struct seg_ctx *c)
{
	return c->len + !!(c->flags & WIRE_TCP_SYN) + !!(c->flags & WIRE_TCP_FIN);
}

/* Queues <SEQ=SEG.ACK><CTL=RST> or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 * (§3.10.7.1); never in answer to a RST. */
void tcp_reply_rst(struct seg_ctx *c)
{
	const struct wire_tcp *s = c->seg;
	uint32_t len = (uint32_t)s->payload_len + !!(s->flags & WIRE_TCP_SYN) +
		       !!(s->flags & WIRE_TCP_FIN);

	if (s->flags & WIRE_TCP_RST)
		return;
	if (s->flags & WIRE_TCP_ACK)
		tcp_queue_ctl(c->ts, c->laddr, s->dport, c->raddr, s->sport, s->ack, 0,
			      WIRE_TCP_RST);
	else
		tcp_queue_ctl(c->ts, c->laddr, s->dport, c->raddr, s->sport, 0, s->seq + len,
			      WIRE_TCP_RST | WIRE_TCP_ACK);
}

/*
 * Linux's tcp_oow_rate_limited ("tcp: mitigate ACK loops", FINDINGS F2): an ACK sent in
 * answer to an unacceptable segment (§3.10.7.4 first check, PAWS, RFC 5961 challenge)
 * goes out at most once per invalid_ratelimit_ms per connection, unless the segment
 * carries data without SYN (data is not part of an ACK loop). Returns true when this
 * ACK must be suppressed (counted); otherwise records the time of the ACK.
 */
static bool oow_limited(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	uint64_t gap = (uint64_t)c->ts->cfg.invalid_ratelimit_ms * MS;

	if (c->seg->payload_len && !(c->seg->flags & WIRE_TCP_SYN))
		return false;
	if (gap && tcb->last_invalid_ack_ns && c->ts->now_ns - tcb->last_invalid_ack_ns < gap) {
		tcp_count(c->ts, SYNACK_CTR_TCP_OOW_LIMITED);
		return true;
	}
	tcb->last_invalid_ack_ns = c->ts->now_ns ? c->ts->now_ns : 1;
	return false;
}

/* An ACK answering an unacceptable segment, unless rate-limited (oow_limited). */
__attribute__((cold)) static enum verdict dup_ack(struct seg_ctx *c)
{
	if (oow_limited(c)) {
		c->reason = "dropped: out-of-window ACK rate-limited";
		return V_DROP;
	}
	return V_DROP_ACK;
}

/* RFC 5961 §7: a challenge ACK, if this connection's budget allows. */
__attribute__((cold)) static enum verdict challenge_ack(struct seg_ctx *c, const char *why)
{
	struct tcb *tcb = c->tcb;

	if (oow_limited(c)) {
		c->reason = "dropped: challenge ACK rate-limited (invalid_ratelimit_ms)";
		return V_DROP;
	}

	if (!tcp_challenge_allow(&tcb->challenge, c->ts->now_ns,
				 c->ts->cfg.challenge_ack_limit)) {
		tcp_count(c->ts, SYNACK_CTR_TCP_CHALLENGE_LIMITED);
		c->reason = "dropped: challenge ACK rate-limited";
		return V_DROP;
	}
	tcp_count(c->ts, SYNACK_CTR_TCP_CHALLENGE_ACK);
	c->reason = why;
	return V_DROP_ACK;
}

/* Ends the connection with err: the user learns it from SO_ERROR, recv and events. */
void tcp_drop(struct tcp_stack *ts, struct tcb *tcb, int err)
{
	if (err == ETIMEDOUT && tcb->soft_error)
		err = tcb->soft_error;  /* Linux tcp_write_err: sk_err_soft ?: ETIMEDOUT */
	if (tcb->fd >= 0) {
		tcb->so_error = err;
		tcb->dead_error = err;
		tcp_wake(ts, tcb, err == ECONNRESET || err == ECONNREFUSED ? SYNACK_EV_RESET
									  : SYNACK_EV_ERROR);
		tcp_wake(ts, tcb, SYNACK_EV_READABLE);
	}
	ring_destroy(&tcb->sndbuf, &ts->alloc);         /* "all segment queues flushed" */
	ring_destroy(&tcb->rcvbuf, &ts->alloc);
	tcp_tcb_close(ts, tcb);
}

void tcp_enter_time_wait(struct tcp_stack *ts, struct tcb *tcb)
{
	/* §3.10.7.4: "Enter the TIME-WAIT state. Start the time-wait timer, turn off the
	 * other timers." Turned off as tcp_timer_clear does, the wheel node left where it
	 * is (timers.c: a node may sit before the earliest deadline, never after): when it
	 * sits earlier it wakes once and moves to the 2MSL deadline, when it is off
	 * tcp_timer_set arms it; no cancel and re-insert on the wheel
	 * for a connection that becomes a TIME-WAIT record at once (finish) */
	tcp_set_state(tcb, TCP_TIME_WAIT);
	tcp_uncache(ts, tcb);           /* its segments take tw.c's way (tcb.h) */
	for (int k = 1; k < TCP_T_COUNT; k++)
		tcp_timer_clear(ts, tcb, k);
	tcp_timer_set(ts, tcb, TCP_T_TIME_WAIT, ts->now_ns + 2ull * ts->cfg.msl_ms * MS);
	ring_destroy(&tcb->sndbuf, &ts->alloc);
	tcp_wake(ts, tcb, SYNACK_EV_CLOSED);
}

/* §3.10.7.3 and §3.10.7.4 fifth check: the peer's SYN options (RFC 9293 §3.7.1,
 * RFC 7323 §2.2, §3.2). */
void tcp_take_syn_options(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *s)
{
	uint32_t peer_mss = (s->opt.present & WIRE_HAS_MSS) ? s->opt.mss : 536; /* MUST-15 */
	uint32_t own = ts->cfg.mtu - 40;

	if (tcb->opt.maxseg && tcb->opt.maxseg < own)
		own = tcb->opt.maxseg;
	tcb->snd_mss = (uint16_t)(peer_mss < own ? peer_mss : own);
	if (!tcb->snd_mss)
		tcb->snd_mss = 1;
	tcb->ws_ok = ts->cfg.window_scaling && (s->opt.present & WIRE_HAS_WS);
	tcb->snd_wscale = tcb->ws_ok ? (uint8_t)(s->opt.wscale > 14 ? 14 : s->opt.wscale) : 0;
	if (!tcb->ws_ok)
		tcb->rcv_wscale = 0;
	tcb->ts_ok = ts->cfg.timestamps && (s->opt.present & WIRE_HAS_TS);
	/* RFC 2018 §2: SACK may be used only when both sides sent SACK-permitted */
	tcb->sack_ok = ts->cfg.sack && (s->opt.present & WIRE_HAS_SACKOK);
	if (tcb->ts_ok) {
		tcb->ts_recent = s->opt.ts_val;
		tcb->ts_recent_ns = ts->now_ns;
		if (tcb->snd_mss > 12 + 1)
			tcb->snd_mss -= 12;     /* the option rides on every segment */
	}
}

/* SND.UNA moves to ack: SND.NXT not behind it, the RTT sample, the resets progress
 * makes (ack_advance, syn_acked). */
static inline __attribute__((always_inline)) void una_advance(struct seg_ctx *c, uint32_t ack)
{
	struct tcb *tcb = c->tcb;

	tcb->snd_una = ack;
	tcb->syn_was_acked = true;      /* SND.UNA < ack: past ISS, if not long ago */
	if (seq_lt(tcb->snd_nxt, ack))
		tcb->snd_nxt = ack;
	/* RFC 6298 §3 with Karn's rule, RFC 7323 §4 RTTM (rttm.c); congestion control
	 * gets the sample from recovery.c (tcp_rec_on_ack), outside recovery only */
	c->rtt_us = tcp_rtt_on_ack(c->ts, tcb, ack, c->seg);
	tcb->retransmits = 0;
	tcb->backoff = 0;
	tcb->r1_reported = false;
	tcb->soft_error = 0;            /* progress: the path works again */
}

/*
 * The ACK of our SYN and nothing else (SYN-SENT's SYN-ACK, SYN-RECEIVED's ACK):
 * SND.UNA = ISS, SEG.ACK = ISS + 1 = SND.MAX. What tcp_ack_advance does then, in
 * place: the send buffer holds no octet the ACK covers (its first is ISS + 1:
 * tcp_sndbuf_seq), so nothing is dropped and nobody woken, only the storage of an
 * empty buffer released; SND.UNA and the rest (una_advance); nothing is left
 * outstanding, so the retransmission and user timers stop (RFC 6298 (5.2); the first
 * by the caller's tcp_on_established). Any other ACK, and every ACK with
 * no_in_predict (test_tcp_predict's reference), goes to tcp_ack_advance. Only for a
 * caller that runs tcp_on_established next (syn_sent_input, ack_syn_received).
 */
static inline __attribute__((always_inline)) void syn_acked(struct seg_ctx *c, uint32_t ack)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;

	if (ts->no_in_predict || tcb->snd_una != tcb->iss || ack != tcb->iss + 1 ||
	    ack != tcb->snd_max) {
		tcp_ack_advance(c, ack);
		return;
	}
	if (!ring_len(&tcb->sndbuf))
		ring_free(&tcb->sndbuf, &ts->alloc);
	una_advance(c, ack);
	/* RFC 6298 (5.2): tcp_on_established, which both callers run next, stops the
	 * retransmission timer (tcp_rexmit_stop) before anything reads it */
	tcp_timer_clear(ts, tcb, TCP_T_USER_TIMEOUT);
}

/* ---- §3.10.7.1 CLOSED -------------------------------------------------------------- */

__attribute__((cold)) static void closed_input(struct seg_ctx *c)
{
	if (c->seg->flags & WIRE_TCP_RST) {
		c->reason = "dropped: RST to closed port";
		tcp_note(c->ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, c->seg,
			 c->laddr, c->raddr, c->reason);
		return;
	}
	tcp_count(c->ts, SYNACK_CTR_TCP_NO_LISTENER);
	tcp_reply_rst(c);
	tcp_note(c->ts, NULL, SYNACK_NOTE_IN, SYNACK_V_RESET, TCP_CLOSED, c->seg, c->laddr,
		 c->raddr, "RST sent: no listener");
}

/* ---- §3.10.7.3 SYN-SENT ------------------------------------------------------------ */

static enum verdict syn_sent_input(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	bool ack_ok = false;

	/* first: check the ACK bit */
	if (s->flags & WIRE_TCP_ACK) {
		if (seq_leq(s->ack, tcb->iss) || seq_gt(s->ack, tcb->snd_max)) {
			if (s->flags & WIRE_TCP_RST) {
				c->reason = "dropped: RST with unacceptable ACK in SYN-SENT";
				return V_DROP;
			}
			c->reason = "RST sent: unacceptable ACK in SYN-SENT";
			return V_DROP_RST;
		}
		ack_ok = seq_lt(tcb->snd_una, s->ack);
	}
	/* second: check the RST bit (RFC 5961 §3.2: acceptable iff the ACK is) */
	if (s->flags & WIRE_TCP_RST) {
		if (!ack_ok) {
			c->reason = "dropped: RST without acceptable ACK";
			return V_DROP;
		}
		c->reason = "connection refused";
		tcp_drop(c->ts, tcb, ECONNREFUSED);
		c->tcb = NULL;
		return V_DONE;
	}
	/* fourth: check the SYN bit */
	if (!(s->flags & WIRE_TCP_SYN)) {
		c->reason = "dropped: neither SYN nor RST in SYN-SENT";
		return V_DROP;
	}
	tcb->irs = s->seq;
	tcb->rcv_nxt = s->seq + 1;
	tcp_take_syn_options(c->ts, tcb, s);
	tcp_ecn_on_synack(tcb, s->flags);       /* RFC 3168 §6.1.1 */
	tcb->snd_wnd = s->win;                  /* a SYN's window is never scaled */
	tcb->snd_wl1 = s->seq;
	tcb->snd_wl2 = s->ack;
	tcb->rcv_adv = tcb->rcv_nxt;
	tcb->want_ack = true;
	if (ack_ok) {
		if (tcb->snd_wnd > tcb->max_snd_wnd)    /* RFC 5961 §5.2 MAX.SND.WND */
			tcb->max_snd_wnd = tcb->snd_wnd;
		syn_acked(c, s->ack);
		tcp_set_state(tcb, TCP_ESTABLISHED);
		tcp_on_established(c->ts, tcb);
		c->list_out = true;
		c->reason = "connected";
		/* "continue processing at the sixth step" for data and FIN */
		c->seq = s->seq + 1;
		c->flags &= (uint8_t)~WIRE_TCP_SYN;
		return V_CONTINUE_AT_URG;
	}
	/* simultaneous open (S02): SYN-RECEIVED, resend our SYN as a SYN-ACK */
	tcp_set_state(tcb, TCP_SYN_RECEIVED);
	tcb->from_listen = false;
	tcb->snd_nxt = tcb->iss;
	tcp_rexmit_stop(c->ts, tcb);
	tcb->retransmits = 0;
	tcb->backoff = 0;
	c->reason = "simultaneous open";
	return V_DONE;
}

/* ---- §3.10.7.4 first check: sequence number -------------------------------------- */

static bool seq_acceptable(const struct tcb *tcb, uint32_t seq, uint32_t len)
{
	uint32_t wnd = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	uint32_t nxt = tcb->rcv_nxt;

	if (len == 0 && wnd == 0)
		return seq == nxt;
	if (len == 0)
		return seq_in(seq, nxt, nxt + wnd);
	if (wnd == 0)
		return false;
	/* Table 6, plus a segment overhanging both edges: it holds the whole window, and
	 * "only the new parts are processed" (Linux tcp_sequence; docs/choices.md) */
	return seq_in(seq, nxt, nxt + wnd) || seq_in(seq + len - 1, nxt, nxt + wnd) ||
	       (seq_lt(seq, nxt) && seq_geq(seq + len - 1, nxt + wnd));
}

/*
 * A "disordered" ACK that PAWS lets through (deviation from RFC 7323 §5.3 R1, as Linux's
 * tcp_disordered_ack): a pure ACK at RCV.NXT that acknowledges nothing new (SEG.ACK ==
 * SND.UNA), would not update the window (Linux's tcp_may_update_window is false: SEG.SEQ
 * not after SND.WL1, and at SND.WL1 a window neither larger nor zero), and whose TSval is
 * at most one RTO's worth of ticks behind TS.Recent (Linux: rto * 1024 / HZ, i.e. a
 * 1 kHz peer clock assumed). Such a segment carries no data PAWS protects, only its
 * SACK/D-SACK blocks, and a reordered path delivers many of them behind a newer one:
 * dropping them starves SACK loss recovery (docs/choices.md, "PAWS and disordered ACKs").
 * Its stale window is not taken (c->disordered stops update_window) and TS.Recent does
 * not move back (tcp_conn_input updates it only forward).
 */
__attribute__((cold)) static bool is_disordered_ack(const struct seg_ctx *c)
{
	const struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	uint32_t wnd = (uint32_t)s->win << tcb->snd_wscale;
	uint64_t slack = tcp_rto_ns(c->ts, tcb) / MS * 1024 / 1000;

	if ((s->flags & (WIRE_TCP_ACK | WIRE_TCP_SYN | WIRE_TCP_FIN)) != WIRE_TCP_ACK ||
	    s->payload_len || s->seq != tcb->rcv_nxt || s->ack != tcb->snd_una)
		return false;
	if (seq_gt(s->seq, tcb->snd_wl1) ||
	    (s->seq == tcb->snd_wl1 && (wnd > tcb->snd_wnd || wnd == 0)))
		return false;
	return tcb->ts_recent - s->opt.ts_val <= slack;
}

/* RFC 7323 §5.3 PAWS, before the sequence check. */
static enum verdict step_paws(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	if (!tcb->ts_ok || !(s->opt.present & WIRE_HAS_TS) || (s->flags & WIRE_TCP_RST))
		return V_CONTINUE;
	if (!seq_lt(s->opt.ts_val, tcb->ts_recent))
		return V_CONTINUE;
	/* §5.5: ts_recent older than 24 days is invalid, not a reason to drop */
	if (c->ts->now_ns - tcb->ts_recent_ns > 24ull * 86400 * 1000 * MS)
		return V_CONTINUE;
	if (is_disordered_ack(c)) {
		tcp_count(c->ts, SYNACK_CTR_TCP_PAWS_DISORDERED);
		c->disordered = true;
		return V_CONTINUE;
	}
	tcp_count(c->ts, SYNACK_CTR_TCP_PAWS);
	c->reason = "dropped: PAWS (old timestamp)";
	return dup_ack(c);
}

/* Data the peer sent again: [left, right) is at or below RCV.NXT. Reported in a D-SACK
 * block (RFC 2883 §4.1.1) when SACK is on, and the ACKs go out at once again: the
 * peer is retransmitting, maybe because our ACKs were lost (Linux DELAYEDACKLOST). */
__attribute__((cold)) static void note_duplicate(struct seg_ctx *c, uint32_t left, uint32_t right)
{
	if (c->tcb->sack_ok)
		tcp_reass_dsack(&c->tcb->rcv_ooo, left, right);
	tcp_rare_sync_ooo(c->tcb);
	tcp_rcv_enter_quickack(c->tcb);
}

/* Trims the segment to the window: the part before RCV.NXT (§3.10.7.4 "trimmed"),
 * and the part beyond the window's right edge (with any FIN behind it). */
__attribute__((cold)) static void trim_to_window(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	uint32_t wnd = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;

	if (seq_lt(c->seq, tcb->rcv_nxt)) {
		uint32_t cut = tcb->rcv_nxt - c->seq;

		if (c->flags & WIRE_TCP_SYN) {
			c->flags &= (uint8_t)~WIRE_TCP_SYN;
			c->syn_trimmed = true;
			cut--;
			c->seq++;
		}
		if (cut > c->len)
			cut = c->len;
		if (cut)
			note_duplicate(c, c->seq, c->seq + cut);
		c->data += cut;
		c->len -= cut;
		c->seq += cut;
	}
	if (seq_gt(c->seq + c->len, tcb->rcv_nxt + wnd)) {
		uint32_t keep = seq_gt(tcb->rcv_nxt + wnd, c->seq) ? tcb->rcv_nxt + wnd - c->seq : 0;

		c->len = keep;
		c->flags &= (uint8_t)~WIRE_TCP_FIN;
	}
}

static enum verdict step_seq(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	uint32_t wnd = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;

	if (tcb->state == TCP_SYN_RECEIVED && !tcb->from_listen &&
	    (c->flags & (WIRE_TCP_SYN | WIRE_TCP_ACK)) == (WIRE_TCP_SYN | WIRE_TCP_ACK) &&
	    c->seq + 1 == tcb->rcv_nxt && c->seg->ack == tcb->snd_max) {
		/* simultaneous open (§3.5 Figure 8, S02): the peer's SYN-ACK repeats its SYN
		 * and acknowledges ours; take it as the ACK (Linux does the same) */
		c->seq++;
		c->flags &= (uint8_t)~WIRE_TCP_SYN;
	}
	if (wnd == 0 && c->len && c->seq == tcb->rcv_nxt) {
		/* §3.10.7.4: with a zero window, "special allowance" for ACKs, URGs, RSTs */
		c->len = 0;
		c->flags &= (uint8_t)~WIRE_TCP_FIN;
	}
	if (!seq_acceptable(tcb, c->seq, seg_len(c))) {
		if (c->flags & WIRE_TCP_RST) {
			c->reason = "dropped: RST out of window";
			return V_DROP;
		}
		if (tcb->state == TCP_SYN_RECEIVED && (c->flags & WIRE_TCP_SYN) &&
		    c->seq == tcb->irs) {
			/* a retransmitted SYN: our SYN-ACK was lost; resend it (as Linux) */
			tcb->snd_nxt = tcb->iss;
			tcp_want_output(c->ts, tcb);
			c->reason = "SYN retransmitted: SYN-ACK resent";
			return V_DONE;
		}
		tcp_count(c->ts, SYNACK_CTR_TCP_NOT_ACCEPTABLE);
		if (c->len && !(c->flags & WIRE_TCP_SYN) && seq_leq(c->seq + c->len, tcb->rcv_nxt))
			note_duplicate(c, c->seq, c->seq + c->len);
		c->reason = "dropped: not acceptable";
		return dup_ack(c);      /* (TIME-WAIT never gets here: tw.c handles it) */
	}
	trim_to_window(c);
	return V_CONTINUE;
}

/* ---- second check: RST (RFC 9293 §3.10.7.4, RFC 5961 §3.2, RFC 1337) --------------- */

static enum verdict step_rst(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;

	if (!(c->flags & WIRE_TCP_RST))
		return V_CONTINUE;
	if (c->seq != tcb->rcv_nxt)
		return challenge_ack(c, "challenge ACK: RST in window, not at RCV.NXT");
	switch (tcb->state) {
	case TCP_SYN_RECEIVED:
		if (tcb->from_listen) {
			/* MUST-11: back to LISTEN: the half-open child simply goes away */
			c->reason = "RST: SYN-RECEIVED returns to LISTEN";
			c->back_to_listen = true;
			tcp_tcb_close(c->ts, tcb);
			c->tcb = NULL;
			return V_DONE;
		}
		c->reason = "RST: connection refused";
		tcp_drop(c->ts, tcb, ECONNREFUSED);
		break;
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		c->reason = "RST: CLOSED";
		tcp_tcb_close(c->ts, tcb);
		break;
	default:
		c->reason = "RST: connection reset";
		tcp_drop(c->ts, tcb, ECONNRESET);
		break;
	}
	c->tcb = NULL;
	return V_DONE;
}

/* ---- fourth check: SYN (RFC 9293 §3.10.7.4, RFC 5961 §4) ----------------------------- */

static enum verdict step_syn(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;

	/* RFC 5961 §4.2: "irrespective of the sequence number", so also a SYN the first
	 * check trimmed off an acceptable segment (Linux looks at th->syn) */
	if (!(c->flags & WIRE_TCP_SYN) && !c->syn_trimmed)
		return V_CONTINUE;
	if (tcb->state == TCP_SYN_RECEIVED && tcb->from_listen) {
		c->reason = "SYN in SYN-RECEIVED: returns to LISTEN";
		c->back_to_listen = true;
		tcp_tcb_close(c->ts, tcb);
		c->tcb = NULL;
		return V_DONE;
	}
	return challenge_ack(c, "challenge ACK: SYN in synchronized state");
}

/* ---- fifth check: ACK -------------------------------------------------------------- */

/* Everything up to ack (SND.UNA < ack <= SND.MAX) is acknowledged: tcp_ack_advance,
 * written out in predicted_ack (the ACK of a whole flight, most of them) and called
 * elsewhere. */
static inline __attribute__((always_inline)) void ack_advance(struct seg_ctx *c, uint32_t ack)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;
	uint32_t head = tcp_sndbuf_seq(tcb);
	uint32_t data_acked = seq_gt(ack, head) ? ack - head : 0;

	if (data_acked > ring_len(&tcb->sndbuf))
		data_acked = ring_len(&tcb->sndbuf);    /* the rest was our FIN */
	ring_drop(&tcb->sndbuf, data_acked);
	if (!ring_len(&tcb->sndbuf))
		ring_free(&tcb->sndbuf, &ts->alloc);    /* buffers released when empty */
	una_advance(c, ack);
	if (tcb->snd_una == tcb->snd_max) {
		tcp_rexmit_stop(ts, tcb);                       /* RFC 6298 (5.2) */
		tcp_timer_clear(ts, tcb, TCP_T_USER_TIMEOUT);
	} else {
		tcp_rexmit_arm(ts, tcb);                        /* RFC 6298 (5.3) */
		if (tcb->opt.user_timeout_ms)
			tcp_timer_set(ts, tcb, TCP_T_USER_TIMEOUT,
				      ts->now_ns + tcb->opt.user_timeout_ms * MS);
	}
	if (data_acked) {
		tcp_wake(ts, tcb, SYNACK_EV_WRITABLE);
		c->list_out = true;     /* room in cwnd and the buffer: tcp_list_if_due */
	}
}

void tcp_ack_advance(struct seg_ctx *c, uint32_t ack)
{
	ack_advance(c, ack);
}

/* §3.10.7.4 fifth check: "If SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =<
 * SEG.ACK), set SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ, and set SND.WL2 <- SEG.ACK" */
static bool is_window_update(const struct tcb *tcb, const struct wire_tcp *s)
{
	return seq_lt(tcb->snd_wl1, s->seq) ||
	       (tcb->snd_wl1 == s->seq && seq_leq(tcb->snd_wl2, s->ack));
}

/* SND.WND <- wnd (the segment's window, scaled) once WL1/WL2 said to take it; a peer
 * that moves its right edge left of SND.NXT shrank the window (§3.8.6, MUST-34/35,
 * SHLD-15/16/17). */
static void take_window(struct seg_ctx *c, uint32_t wnd)
{
	struct tcb *tcb = c->tcb;
	uint32_t old = tcb->snd_wnd;

	tcb->snd_wnd = wnd;
	if (tcb->snd_wnd > tcb->max_snd_wnd)
		tcb->max_snd_wnd = tcb->snd_wnd;
	if (tcb->snd_wnd > old) {
		tcp_timer_clear(c->ts, tcb, TCP_T_PERSIST);
		c->list_out = true;
	} else if (tcb->snd_wnd < old && seq_lt(tcb->snd_una + tcb->snd_wnd, tcb->snd_nxt)) {
		tcp_rec_window_shrunk(c->ts, tcb);
	}
}

/* SND.WND update (§3.10.7.4 fifth check, ESTABLISHED). */
static void update_window(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	if (c->disordered)      /* a stale window (is_disordered_ack) */
		return;
	if (is_window_update(tcb, s)) {
		tcb->snd_wl1 = s->seq;
		tcb->snd_wl2 = s->ack;
		take_window(c, (uint32_t)s->win << tcb->snd_wscale);
	}
}

/*
 * An acceptable ACK that changes nothing the ACK processing reads (a short path; the
 * long one is taken with ts->no_fast_path, test_tcp_fastpath compares them): SEG.ACK =
 * SND.UNA = SND.MAX (nothing acknowledged, nothing outstanding: no RTT sample, no
 * duplicate ACK, no send buffer to drop), the window it carries equal to SND.WND (so
 * update_window only moves WL1/WL2: no persist, no output, no shrink) and recovery quiet
 * (tcp_rec_quiet_ack: then tcp_rec_on_ack returns NULL after the same resets).
 */
static bool is_quiet_ack(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	/* ECE goes the general way: tcp_ecn_on_ack counts it and may reduce cwnd; so does
	 * an ACK during a CWR window, which tcp_ecn_on_ack may close */
	return !c->ts->no_fast_path && !(s->flags & WIRE_TCP_ECE) &&
	       !(tcb->ecn_flags & TCP_ECN_IN_CWR) && s->ack == tcb->snd_una &&
	       tcb->snd_una == tcb->snd_max &&
	       ((uint32_t)s->win << tcb->snd_wscale) == tcb->snd_wnd &&
	       tcp_rec_quiet_ack(&tcb->rec, s);
}

/* SYN-RECEIVED's acceptable ACK (§3.10.7.4 fifth check: "enter ESTABLISHED state and
 * continue processing with the variables below set to: SND.WND <- SEG.WND, SND.WL1 <-
 * SEG.SEQ, SND.WL2 <- SEG.ACK"), once its tests passed (ack_syn_received,
 * handshake_acked). */
static inline __attribute__((always_inline)) void established_by_ack(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	tcp_set_state(tcb, TCP_ESTABLISHED);
	tcb->snd_wnd = (uint32_t)s->win << tcb->snd_wscale;
	if (tcb->snd_wnd > tcb->max_snd_wnd)
		tcb->max_snd_wnd = tcb->snd_wnd;
	tcb->snd_wl1 = s->seq;
	tcb->snd_wl2 = s->ack;
	syn_acked(c, s->ack);
	tcp_on_established(c->ts, tcb);
	c->list_out = true;
}

static enum verdict ack_syn_received(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	if (!(seq_lt(tcb->snd_una, s->ack) && seq_leq(s->ack, tcb->snd_max))) {
		c->reason = "RST sent: unacceptable ACK in SYN-RECEIVED";
		return V_DROP_RST;
	}
	if (tcb->parent && tcb->parent->acceptq_len >= tcb->parent->backlog) {
		/* Linux (tcp_abort_on_overflow 0): ignore the ACK, the client retries */
		tcp_count(c->ts, SYNACK_CTR_TCP_ACCEPTQ_FULL);
		c->reason = "ACK dropped: accept queue full";
		return V_DROP;
	}
	established_by_ack(c);
	return V_CONTINUE;
}

/* The fifth check's last part: "In addition to the processing for the ESTABLISHED
 * state", what our FIN being acknowledged does in FIN-WAIT-1, CLOSING and LAST-ACK. */
static inline __attribute__((always_inline)) enum verdict ack_moves_state(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;

	if (!tcb->fin_sent)
		return V_CONTINUE;      /* each case needs our FIN acknowledged (tcp_fin_acked) */
	switch (tcb->state) {
	case TCP_FIN_WAIT_1:
		if (tcp_fin_acked(tcb)) {
			tcp_set_state(tcb, TCP_FIN_WAIT_2);
			if (tcb->user_closed)   /* orphaned: Linux's tcp_fin_timeout */
				tcp_timer_set(c->ts, tcb, TCP_T_FIN_WAIT_2,
					      c->ts->now_ns + c->ts->cfg.fin_timeout_ms * MS);
		}
		break;
	case TCP_CLOSING:
		if (tcp_fin_acked(tcb))
			tcp_enter_time_wait(c->ts, tcb);
		break;
	case TCP_LAST_ACK:
		if (tcp_fin_acked(tcb)) {
			c->reason = "FIN acknowledged: CLOSED";
			tcp_wake(c->ts, tcb, SYNACK_EV_CLOSED);
			tcp_tcb_close(c->ts, tcb);
			c->tcb = NULL;
			return V_DONE;
		}
		break;
	default:
		break;
	}
	return V_CONTINUE;
}

static enum verdict step_ack(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	uint32_t prev_una;
	const char *why;
	bool dup;

	if (!(c->flags & WIRE_TCP_ACK)) {
		c->reason = "dropped: no ACK";
		return V_DROP;
	}
	if (tcb->state == TCP_SYN_RECEIVED) {
		enum verdict v = ack_syn_received(c);

		if (v != V_CONTINUE)
			return v;
	}
	/* RFC 5961 §5.2: acceptable iff SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, with
	 * MAX.SND.WND the largest window the peer has offered so far (Linux max_window),
	 * kept where a synchronized connection takes SND.WND: SYN-SENT's SYN-ACK,
	 * ack_syn_received, take_window; read only here */
	if (seq_gt(s->ack, tcb->snd_max) || seq_lt(s->ack, tcb->snd_una - tcb->max_snd_wnd))
		return challenge_ack(c, "challenge ACK: ACK out of range");
	if (is_quiet_ack(c)) {
		/* nothing acknowledged, nothing outstanding, the window we hold: of the
		 * window update only WL1/WL2 move; recovery, RACK and cc have nothing to do
		 * (tcp_rec_quiet_ack made tcp_rec_on_ack's own resets) */
		if (!c->disordered && is_window_update(tcb, s)) {
			tcb->snd_wl1 = s->seq;
			tcb->snd_wl2 = s->ack;
		}
	} else {
		/* RFC 5681 §2: whether it is a duplicate depends on the state before it */
		prev_una = tcb->snd_una;
		dup = tcp_rec_is_dupack(tcb, s);
		if (seq_gt(s->ack, tcb->snd_una))
			tcp_ack_advance(c, s->ack);
		update_window(c);
		why = tcp_rec_on_ack(c->ts, tcb, s, prev_una, dup, c->rtt_us); /* ECN too */
		if (why)
			c->reason = why;
	}
	return ack_moves_state(c);
}

/* ---- sixth check: URG (RFC 9293 §3.10.7.4, RFC 6093) --------------------------------- */

static enum verdict step_urg(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	uint32_t up;

	if (!(c->flags & WIRE_TCP_URG) || !c->seg->urp)
		return V_CONTINUE;
	if (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_FIN_WAIT_1 &&
	    tcb->state != TCP_FIN_WAIT_2)
		return V_CONTINUE;
	/* RFC 6093 §2: the pointer points to the byte after the urgent data */
	up = c->seg->seq + c->seg->urp;
	if (!tcb->rcv_urg || seq_gt(up, tcb->rcv_up)) {
		tcb->rcv_up = up;
		tcb->rcv_urg = true;
		tcp_wake(c->ts, tcb, SYNACK_EV_URGENT);        /* MUST-32 */
	}
	return V_CONTINUE;
}

/* ---- seventh check: segment text ---------------------------------------------------- */

/* Out-of-order data (MAY-13): held in place in the receive ring (reass.c) and ACKed at
 * once with SACK blocks (RFC 5681 §4.2 "an immediate duplicate ACK"; RFC 2018 §4).
 * A FIN behind it stays set for step_fin, which remembers it. */
__attribute__((cold)) static enum verdict text_out_of_order(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	uint32_t len = c->len;
	enum tcp_reass_res res = tcp_reass_insert(&tcb->rcv_ooo, &c->ts->alloc, &tcb->rcvbuf,
						  tcb->rcv_nxt, c->seq, c->data, &len,
						  !tcb->rd_shut);

	tcp_rare_sync_ooo(tcb);
	tcb->want_ack = true;
	switch (res) {
	case TCP_REASS_QUEUED:
		c->reason = "out of order: held, ACK";
		break;
	case TCP_REASS_PRUNED:
		c->reason = "out of order: held, blocks above it dropped for room, ACK";
		break;
	case TCP_REASS_DUP:
		tcp_rcv_enter_quickack(tcb);
		c->reason = "out of order: duplicate, ACK";
		break;
	default:
		/* bounded memory: no block left (or no room): dropped, counted */
		tcp_count(c->ts, SYNACK_CTR_TCP_OOO_DROPPED);
		c->reason = res == TCP_REASS_FULL ? "out of order: dropped (all blocks in use), ACK"
						  : "out of order: dropped (no room), ACK";
		break;
	}
	if (res == TCP_REASS_FULL || res == TCP_REASS_NO_ROOM || len < c->len)
		c->flags &= (uint8_t)~WIRE_TCP_FIN;
	c->len = len;
	return V_CONTINUE;
}

/*
 * A few bytes in sequence, nothing held out of order: the receive ring's inline storage
 * (ring.h) takes them while they fit, with no allocation (put in use here when the ring
 * has no storage). The window offered does not depend on the storage (tcp_rcv_space:
 * opt.rcvbuf less what is queued); anything else grows the ring to opt.rcvbuf as before.
 */
static bool text_fits_small(struct seg_ctx *c)
{
	struct ring *r = &c->tcb->rcvbuf;

	if (c->seq != c->tcb->rcv_nxt || !tcp_reass_empty(&c->tcb->rcv_ooo))
		return false;
	if (!r->cap && c->len <= RING_SMALL_CAP && !c->ts->no_small_rings)
		ring_take_small(r);
	return ring_is_small(r) && c->len <= ring_space(r);
}

static enum verdict step_text(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;
	bool had_ooo = !tcp_reass_empty(&tcb->rcv_ooo);
	bool ecn_now;
	uint32_t n, more;

	if (!c->len)
		return V_CONTINUE;
	if (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_FIN_WAIT_1 &&
	    tcb->state != TCP_FIN_WAIT_2) {
		c->len = 0;             /* CLOSE-WAIT and later: "ignore the segment text" */
		return V_CONTINUE;
	}
	ecn_now = tcp_ecn_on_data(ts, tcb, c->seg->flags);     /* RFC 3168 §6.1.3 */
	if (tcb->user_closed) {
		/* RFC 2525 §2.17, Linux: data for a closed socket resets the connection */
		tcp_count(ts, SYNACK_CTR_TCP_DATA_AFTER_CLOSE);
		tcp_send_rst_for(ts, tcb);
		c->reason = "RST sent: data after close";
		tcp_drop(ts, tcb, ECONNRESET);
		c->tcb = NULL;
		return V_DONE;
	}
	/* the ring grows here when autotuning grew the buffer (rcvbuf.c), or when the
	 * bytes outgrow its inline storage. When it cannot (no memory) and the storage it
	 * has cannot hold the text, the segment is not taken: RFC 9293 §3.10.7.4, only
	 * data taken advances RCV.NXT; an ACK with RCV.NXT at once (Linux: ICSK_ACK_NOMEM) */
	if (!tcb->rd_shut && tcb->rcvbuf.cap < tcb->opt.rcvbuf && !text_fits_small(c) &&
	    ring_reserve(&tcb->rcvbuf, &ts->alloc, tcb->opt.rcvbuf) &&
	    (!tcb->rcvbuf.cap ||
	     (c->seq == tcb->rcv_nxt && ring_space(&tcb->rcvbuf) < c->len))) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		c->reason = "dropped: no memory for receive buffer, ACK";
		return V_DROP_ACK;
	}
	if (c->seq != tcb->rcv_nxt)
		return text_out_of_order(c);
	n = c->len;
	/* a FIN held beyond a hole ends the stream: nothing is taken past it */
	if (tcb->rcv_ooo.has_fin && seq_gt(c->seq + n, tcb->rcv_ooo.fin_seq))
		n = seq_gt(tcb->rcv_ooo.fin_seq, c->seq) ? tcb->rcv_ooo.fin_seq - c->seq : 0;
	if (!tcb->rd_shut) {            /* SHUT_RD: accepted and discarded */
		/* what the ring holds: the segment is already cut to the window we offered,
		 * which a smaller SO_RCVBUF does not take back (SHLD-14) */
		uint32_t space = ring_space(&tcb->rcvbuf);
		const struct tcp_placed *pl = &ts->placed;

		n = n < space ? n : space;
		/* already in place from a receive offload (tcb.h struct tcp_placed): never
		 * read through c->data then, which covers only the first wire packet */
		if (pl->tcb == tcb && pl->seq == c->seq)
			n = ring_commit(&tcb->rcvbuf, n < pl->len ? n : pl->len);
		else
			n = ring_write(&tcb->rcvbuf, c->data, n);
	}
	tcb->rcv_nxt += n;
	/* the bytes held beyond the hole this segment filled join the stream */
	more = 0;
	if (had_ooo) {
		more = tcp_reass_pull(&tcb->rcv_ooo, &ts->alloc, &tcb->rcvbuf, tcb->rcv_nxt,
				      !tcb->rd_shut);
		tcp_rare_sync_ooo(tcb);
	}
	tcb->rcv_nxt += more;
	tcb->bytes_received += n + more;
	if (n && !tcb->rd_shut)
		tcp_wake(ts, tcb, SYNACK_EV_READABLE);
	if (n < c->len)
		c->flags &= (uint8_t)~WIRE_TCP_FIN;
	if (had_ooo)
		c->reason = tcp_reass_empty(&tcb->rcv_ooo) ? "hole filled, ACK"
							   : "hole partly filled, ACK";
	/* RFC 5681 §4.2: at once when the segment fills (part of) a gap, or was cut short;
	 * otherwise Linux's delayed-ACK rules (reass.c) */
	tcp_rcv_data_ack(ts, tcb, n, had_ooo || n < c->len || ecn_now ||
				     (tcb->sack_ok && tcb->rcv_ooo.has_dsack));
	tcp_rcvbuf_on_data(ts, tcb, n, c->seg->opt.present & WIRE_HAS_TS, c->seg->opt.ts_ecr);
	return V_CONTINUE;
}

/* ---- eighth check: FIN ------------------------------------------------------------- */

static enum verdict step_fin(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;
	struct tcp_reass *q = &tcb->rcv_ooo;

	if ((c->flags & WIRE_TCP_FIN) && c->seq + c->len != tcb->rcv_nxt &&
	    tcb->state != TCP_TIME_WAIT) {
		/* FIN beyond a hole: remembered and processed once the hole fills (reass.c);
		 * a duplicate ACK at once, as for out-of-order data (MAY-13, Linux) */
		if (!tcp_has_rcvd_fin(tcb->state) && seq_gt(c->seq + c->len, tcb->rcv_nxt))
			tcp_reass_set_fin(q, c->seq + c->len);
		tcb->want_ack = true;
		return V_CONTINUE;
	}
	if (!(c->flags & WIRE_TCP_FIN) && !tcp_reass_fin_due(q, tcb->rcv_nxt))
		return V_CONTINUE;
	if (!(c->flags & WIRE_TCP_FIN))
		c->reason = "hole filled up to the FIN held beyond it";
	tcp_reass_clear(q, &ts->alloc); /* nothing follows the FIN */
	tcp_rare_ooo_cleared(tcb);
	if (tcb->state != TCP_TIME_WAIT && !tcp_has_rcvd_fin(tcb->state))
		tcb->rcv_nxt++;         /* "advance RCV.NXT over the FIN" */
	tcb->want_ack = true;
	tcb->eof_seen = true;
	tcp_wake(ts, tcb, SYNACK_EV_READABLE);  /* "signal the user connection closing" */
	switch (tcb->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(tcb, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if (tcp_fin_acked(tcb))
			tcp_enter_time_wait(ts, tcb);
		else
			tcp_set_state(tcb, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(ts, tcb);
		break;
	case TCP_TIME_WAIT:
		tcp_timer_set(ts, tcb, TCP_T_TIME_WAIT, ts->now_ns + 2ull * ts->cfg.msl_ms * MS);
		break;
	default:                        /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
		break;
	}
	return V_CONTINUE;
}

/*
 * LAST-ACK's end for an orphaned connection (§3.10.7.4 fifth check, LAST-ACK: "If our
 * FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return"), taken
 * by predicted_ack when SEG.ACK = SND.MAX acknowledges our FIN and the FIN was a lone
 * segment (tcp_rec_lone_acked). No descriptor: the tcb is freed at once (tcb.h
 * tcp_tcb_free_orphan), and nothing is left to read what step_ack would write first -
 * the send buffer's release, SND.UNA, the RTT sample, the timers' stop, the window,
 * RACK's delivery, congestion control, ECN, the send buffer's size. Outside the tcb that work counts nothing, notes
 * nothing (tcp_rec_lone_acked: tcp_rec_on_ack returns NULL; the note's reason is
 * ack_moves_state's) and wakes nobody (no descriptor); what it would have listed or
 * armed goes with the tcb (tcp_tcb_free). So the tcb is closed without it.
 */
static enum verdict closed_by_fin_ack(struct seg_ctx *c)
{
	c->reason = "FIN acknowledged: CLOSED";
	tcp_tcb_free_orphan(c->ts, c->tcb);     /* tcp_tcb_close's free, straight (tcb.h) */
	c->tcb = NULL;
	return V_DONE;
}

/*
 * An orphan's FIN in FIN-WAIT-2, straight into its TIME-WAIT record (§3.10.7.4 eighth
 * check, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the time-wait timer, turn off the
 * other timers"; tw.c: with no descriptor TIME-WAIT is a record and the tcb is freed).
 * Taken by predicted_ack for its second kind (SEG.ACK = SND.UNA = SND.MAX, recovery
 * quiet, no URG or ECE) when the segment is a FIN without text. The pipeline would then
 * only write into a tcb that finish frees at once (tcp_tw_from_tcb): WL1/WL2 and the
 * window (in FIN-WAIT-2 SND.NXT = SND.UNA: nothing can shrink), ECN's CWR end (without
 * ECE it counts nothing), FIN-WAIT-2's nothing in ack_moves_state, the receive queue's
 * clear, tcp_enter_time_wait's timers, send buffer release and wakes (no descriptor: no
 * event), TS.Recent's stamp, the output listing. What the record reads is set as the
 * pipeline sets it: RCV.NXT over the FIN, TS.Recent (is_predicted saw TSval >=
 * TS.Recent at SEG.SEQ = RCV.NXT), the ACK owed, and tcp_enter_time_wait's deadline
 * (now + 2MSL). Not with notes kept (finish writes one), a source route to learn (the
 * tcb would keep it and stay) or IP options. With no memory for a record the tcb is
 * left as it was, the failure counted as tcp_tw_from_tcb counts it, and the pipeline
 * goes on, its finish keeping the tcb (c->no_record). Those values are written into
 * the record directly, in one move with the tcb's free (tw.c tcp_tw_fin_record); with
 * no_life_fast through the tcb, then tcp_tw_replace (test_tcp_life_twin compares).
 */
static bool fin_to_record(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	struct tw_entry *e;
	uint64_t deadline;
	uint32_t tsr;
	bool made = false;

	if (tcb->fd >= 0 || c->len || !(c->flags & WIRE_TCP_FIN) || ts->notes_cap ||
	    ts->rx_route || tcb->ipopts)
		return false;
	deadline = ts->now_ns + 2ull * ts->cfg.msl_ms * MS;
	tsr = tcb->ts_ok && (s->opt.present & WIRE_HAS_TS) ? s->opt.ts_val     /* RFC 7323 §4.3 */
							    : tcb->ts_recent;
	if (!ts->no_life_fast) {
		/* in one move, nothing written into the tcb it frees (tw.c) */
		made = tcp_tw_fin_record(ts, tcb, tsr, deadline);
	} else if ((e = tcp_tw_add_for(ts, tcb, deadline)) != NULL) {
		tcb->rcv_nxt++;                 /* "advance RCV.NXT over the FIN" */
		tcb->ts_recent = tsr;
		tcb->want_ack = true;
		tcp_tw_replace(ts, tcb, e);
		made = true;
	}
	if (!made) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		c->no_record = true;
		return false;
	}
	c->tcb = NULL;
	return true;
}

/*
 * The recovery side of the ACK of a lone segment (recovery.c "Lone segments"), taken
 * by predicted_ack when tcp_rec_lone_acked held before the ACK was applied (what it
 * reads the ACK's own steps do not write: ack_advance's timers and RTT sample,
 * take_window): what tcp_rec_on_ack does then, in the fifth check's order - RACK
 * delivers the map's inline entry, duplicate ACKs reset, congestion control takes the
 * ACK (recovery.c lone_ack), then ECN (RFC 3168 §6.1.2) and the send buffer (SND.UNA
 * moved). No reason: tcp_rec_on_ack returns NULL there. In place of the call and of
 * tcp_rec_on_ack's own tests of what predicted_ack already knows; rec_no_lone_path
 * turns it off with recovery.c's lone path.
 */
static inline __attribute__((always_inline)) void lone_acked(struct seg_ctx *c,
							     uint32_t prev_una)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;

	tcb->rec.prr_lost = false;
	tcp_rack_on_lone_ack(ts, tcb, c->seg);
	tcp_rec_clear_dupacks(tcb);
	tcp_cc_on_ack(ts, tcb, tcb->snd_una - prev_una, c->rtt_us);
	if (tcb->ecn_flags & TCP_ECN_OK)
		tcp_ecn_on_ack(ts, tcb, c->seg->flags);
	tcp_sndbuf_on_ack(ts, tcb);
}

/*
 * Header prediction, the fifth check (Van Jacobson's; Linux's
 * tcp_rcv_established fast path). A predicted segment (is_predicted: the first four
 * checks would change nothing) in a synchronized state (SYN-RECEIVED's ACK goes to
 * ack_syn_received) without URG or ECE is in a request/response connection almost
 * always one of two kinds; for them only the parts of the fifth check (step_ack) that
 * can act are run:
 *  - SEG.ACK = SND.MAX > SND.UNA, no text, no FIN: an ACK of the whole flight.
 *    tcp_ack_advance; update_window (never disordered: is_predicted saw no old TSval);
 *    tcp_rec_on_ack with dup false (RFC 5681 §2 (d): SEG.ACK is not SND.UNA), ECN,
 *    the send buffer (SND.UNA moved) - for a lone segment (tcp_rec_lone_acked) its
 *    steps in place (lone_acked).
 *  - SEG.ACK = SND.UNA = SND.MAX, recovery quiet (tcp_rec_quiet_ack, as is_quiet_ack):
 *    nothing acknowledged or outstanding; typically data or a FIN. The window is
 *    update_window's; when it differs from SND.WND step_ack takes the ACK as not quiet,
 *    where tcp_rec_on_ack does only what tcp_rec_quiet_ack did (recovery.c on_ack) and
 *    tcp_ecn_on_ack, which without ECE acts only in a CWR window: run then (and not
 *    quiet in step_ack either: is_quiet_ack).
 *  - the first kind in LAST-ACK, our FIN a lone segment, no descriptor: the tcb is
 *    closed at once (closed_by_fin_ack).
 *  - the second kind in FIN-WAIT-2, a FIN without text, no descriptor: the tcb is
 *    replaced by its TIME-WAIT record at once (fin_to_record).
 * With the window SND.WND already holds (the common case) update_window moves only
 * WL1/WL2. In both SEG.ACK passes RFC 5961 §5.2's range test (MAX.SND.WND is kept
 * where SND.WND is taken), and what our FIN's acknowledgement does is run
 * (ack_moves_state). Anything else returns false before it changed state, and goes
 * through step_ack. The sixth to eighth checks follow (run_checks), straight for a
 * segment without text (predicted_rest). Off with tcp_stack.no_in_predict (and with
 * no_fast_path): test_tcp_predict compares the two on random segments in every state.
 */
static bool predicted_ack(struct seg_ctx *c, enum verdict *v)
{
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	uint32_t prev_una = tcb->snd_una;
	bool lone = false;
	const char *why;

	if (c->ts->no_in_predict || tcb->state == TCP_SYN_RECEIVED ||
	    (c->flags & (WIRE_TCP_URG | WIRE_TCP_ECE)))
		return false;
	if (s->ack == prev_una) {
		if (prev_una != tcb->snd_max || !tcp_rec_quiet_ack(&tcb->rec, s))
			return false;
		if (tcb->state == TCP_FIN_WAIT_2 && fin_to_record(c)) {
			c->ts->in_predicted++;
			*v = V_DONE;
			return true;
		}
	} else {
		if (s->ack != tcb->snd_max || !seq_gt(s->ack, prev_una) || c->len ||
		    (c->flags & WIRE_TCP_FIN))
			return false;
		lone = tcp_rec_lone_acked(&tcb->rec, tcb->sack_ok, s, s->ack);
		if (lone && tcb->state == TCP_LAST_ACK && tcb->fd < 0 && tcb->fin_sent) {
			c->ts->in_predicted++;
			*v = closed_by_fin_ack(c);
			return true;
		}
		lone = lone && !c->ts->rec_no_lone_path;
		ack_advance(c, s->ack);
	}
	if (is_window_update(tcb, s)) {
		tcb->snd_wl1 = s->seq;
		tcb->snd_wl2 = s->ack;
		if (((uint32_t)s->win << tcb->snd_wscale) != tcb->snd_wnd)
			take_window(c, (uint32_t)s->win << tcb->snd_wscale);
	}
	if (lone) {
		lone_acked(c, prev_una);
	} else if (tcb->snd_una != prev_una) {
		why = tcp_rec_on_ack(c->ts, tcb, s, prev_una, false, c->rtt_us);
		if (why)
			c->reason = why;
	} else if (tcb->ecn_flags & TCP_ECN_IN_CWR) {
		tcp_ecn_on_ack(c->ts, tcb, s->flags);   /* may close the CWR window */
	}
	c->ts->in_predicted++;
	*v = ack_moves_state(c);
	return true;
}

/*
 * The sixth to eighth checks (§3.10.7.4) of a predicted segment without text whose
 * fifth check predicted_ack took, leaving the connection to them (V_CONTINUE),
 * straight, for the two kinds a connection's common life brings:
 *  - neither text nor FIN (an ACK): URG was excluded by predicted_ack (sixth check:
 *    nothing), the seventh has no text, and the eighth acts only on a FIN remembered
 *    beyond a hole that RCV.NXT has reached (tcp_reass_fin_due);
 *  - a FIN without text in ESTABLISHED: the eighth check's "advance RCV.NXT over the
 *    FIN" (SEG.SEQ = RCV.NXT: is_predicted), the queue cleared (nothing follows the
 *    FIN), "signal the user", "enter the CLOSE-WAIT state".
 * The ACK RFC 9293 asks for (want_ack) is listed at the end (tcp_conn_input's
 * V_CONTINUE_AT_NXT, list_at_end) as for every accepted segment. Anything else
 * (text, a FIN in another state, a remembered FIN due) returns false having changed
 * nothing, and goes through step_urg, step_text and step_fin. Off with predicted_ack
 * (no_in_predict): test_tcp_predict compares the two.
 */
static inline __attribute__((always_inline)) bool predicted_rest(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;

	if (c->len)
		return false;
	if (!(c->flags & WIRE_TCP_FIN))
		return !tcp_reass_fin_due(&tcb->rcv_ooo, tcb->rcv_nxt);
	if (tcb->state != TCP_ESTABLISHED)
		return false;
	tcp_reass_clear(&tcb->rcv_ooo, &ts->alloc);     /* nothing follows the FIN */
	tcp_rare_ooo_cleared(tcb);
	tcb->rcv_nxt++;                 /* "advance RCV.NXT over the FIN" */
	tcb->want_ack = true;
	tcb->eof_seen = true;
	tcp_wake(ts, tcb, SYNACK_EV_READABLE);  /* "signal the user connection closing" */
	tcp_set_state(tcb, TCP_CLOSE_WAIT);
	return true;
}

/* ---- the pipeline ----------------------------------------------------------------- */

/* Where a segment enters the checks: the first (PAWS, then the sequence number), the
 * fifth (ACK: header prediction) or the sixth (URG: SYN-SENT's "continue processing at
 * the sixth step"). */
enum first_check {
	FROM_PAWS,
	FROM_ACK,
	FROM_URG,
};

/* The checks of §3.10.7.4 in the RFC's order from `from` on, each run while the ones
 * before returned CONTINUE; the first other verdict ends them. Direct calls, not a loop
 * over a table of pointers: the compiler can inline the small steps. A predicted
 * segment (FROM_ACK) that they all let through returns V_CONTINUE_AT_NXT: what
 * tcp_conn_input's end needs to know of it is then known. */
static enum verdict run_checks(struct seg_ctx *c, enum first_check from)
{
	enum verdict v;

	if (from == FROM_PAWS &&
	    ((v = step_paws(c)) != V_CONTINUE || (v = step_seq(c)) != V_CONTINUE ||
	     (v = step_rst(c)) != V_CONTINUE || (v = step_syn(c)) != V_CONTINUE))
		return v;
	if (from == FROM_ACK && predicted_ack(c, &v)) {
		if (v != V_CONTINUE)
			return v;
		if (predicted_rest(c))
			return V_CONTINUE_AT_NXT;
	} else if (from != FROM_URG && (v = step_ack(c)) != V_CONTINUE) {
		return v;
	}
	if ((v = step_urg(c)) != V_CONTINUE || (v = step_text(c)) != V_CONTINUE)
		return v;
	v = step_fin(c);
	return from == FROM_ACK ? V_CONTINUE_AT_NXT : v;
}

/* The segment's one listing (stack.c tcp_list_if_due): an ACK owed, our FIN, or what
 * list_out says. With an ACK owed output always sends (output.c nothing_due's first
 * test): listed at once, as tcp_list_if_due would. Our FIN once acknowledged is no
 * reason any more: everything we sent is acknowledged, nothing_due's FIN test passes,
 * what else may want output (probes, RACK, recovery) lists the tcb itself, and the
 * window tcp_output_settled would note (note_max_window) is noted only in the states
 * that may send data, which none with our FIN acknowledged is (FIN-WAIT-2, TIME-WAIT;
 * CLOSING and LAST-ACK leave at once). Part of the listing rule (off with no_list_rule:
 * test_tcp_predict's list twin). */
static inline void list_at_end(struct seg_ctx *c, struct tcb *tcb)
{
	if (tcb->want_ack)
		tcp_want_output(c->ts, tcb);
	else if (c->list_out ||
		 (tcb->fin_queued && (!tcp_fin_acked(tcb) || c->ts->no_list_rule)))
		tcp_list_if_due(c->ts, tcb);
}

static void finish(struct seg_ctx *c, enum verdict v)
{
	uint8_t verdict = SYNACK_V_ACCEPTED;

	/* RFC 9293 §3.9.2.1 SHLD-24: an accepted segment's source route replaces ours */
	if (c->tcb && c->ts->rx_route && (v == V_CONTINUE || v == V_DONE))
		tcp_route_learn(c->ts, c->tcb);

	switch (v) {
	case V_DROP:
		verdict = SYNACK_V_DROPPED;
		if (c->tcb && c->list_out)
			tcp_list_if_due(c->ts, c->tcb);
		break;
	case V_DROP_ACK:
		verdict = SYNACK_V_ACKED;
		c->tcb->want_ack = true;
		tcp_want_output(c->ts, c->tcb);
		break;
	case V_DROP_RST:
		verdict = SYNACK_V_RESET;
		tcp_reply_rst(c);
		break;
	default:
		if (c->tcb)
			list_at_end(c, c->tcb);
		break;
	}
	if (!c->reason)
		c->reason = v == V_DROP ? "dropped" : "accepted";
	if (c->ts->notes_cap) {         /* no note kept: none written (tcp_note) */
		tcp_note(c->ts, c->tcb, SYNACK_NOTE_IN, verdict, c->st_before, c->seg, c->laddr,
			 c->raddr, c->reason);
		if (!c->tcb && tcp_note_last(c->ts))
			tcp_note_last(c->ts)->fd = c->fd; /* gone: state_after CLOSED, same fd */
		if (c->back_to_listen)
			tcp_note_fix_after(c->ts, TCP_LISTEN);
	}
	/* no descriptor: TIME-WAIT is kept as a compact record (tw.c) */
	if (c->tcb && c->tcb->state == TCP_TIME_WAIT && c->tcb->fd < 0 && !c->no_record &&
	    tcp_tw_from_tcb(c->ts, c->tcb))
		c->tcb = NULL;  /* freed: the caller must not look at it again */
}

/*
 * Header prediction (Van Jacobson; RFC 9293 §3.10.7 allows any processing whose result
 * is the pipeline's). In a synchronized state other than TIME-WAIT (whose records and
 * tcbs tw.c judges first), a segment with ACK and neither SYN nor RST, at exactly
 * RCV.NXT, whose text fits the offered window and whose timestamp (if any) is not older
 * than TS.Recent is one for which the first four checks (PAWS, sequence, RST, SYN)
 * return CONTINUE without touching anything: PAWS only acts on TSval < TS.Recent; the
 * sequence check accepts SEG.SEQ = RCV.NXT with SEG.LEN <= RCV.WND (with a zero window
 * only SEG.LEN = 0: a FIN then counts in SEG.LEN and needs RCV.WND > 0), trims nothing
 * (a FIN right after text that fits stays) and, without SYN, does the same in every
 * synchronized state; no RST, no SYN. Such a segment starts at the fifth check (ACK).
 * URG does not exclude a segment either: the urgent pointer is read only by the sixth
 * check (step_urg), which a predicted segment runs. ECE/CWR and the IP ECN field do not
 * exclude a segment: ECN acts only in the fifth (tcp_ecn_on_ack) and seventh
 * (tcp_ecn_on_data) checks, which a predicted segment runs (RFC 3168 §6.1.2-§6.1.3). test_tcp_fastpath runs the same segments with this
 * off (ts->no_fast_path), ECN variants included, and compares every segment sent and
 * the connection's state.
 */
static bool is_predicted(const struct seg_ctx *c)
{
	const struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;
	uint32_t wnd;

	/* (c->syn_trimmed is still false here: only the first check's trim sets it; the
	 * state is synchronized or SYN-RECEIVED: tcp_conn_input takes SYN-SENT first, and
	 * no LISTEN or CLOSED tcb is in the connection table or its one-entry cache -
	 * listeners have their own, tcp_tcb_close_kept takes a closed one out of both) */
	if (tcb->state == TCP_TIME_WAIT ||
	    c->ts->no_fast_path ||
	    (c->flags & (WIRE_TCP_SYN | WIRE_TCP_RST | WIRE_TCP_ACK)) != WIRE_TCP_ACK ||
	    c->seq != tcb->rcv_nxt)
		return false;
	/* step_paws acts only here */
	if (tcb->ts_ok && (s->opt.present & WIRE_HAS_TS) && seq_lt(s->opt.ts_val, tcb->ts_recent))
		return false;
	wnd = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	if ((c->flags & WIRE_TCP_FIN) && !wnd)
		return false;   /* SEG.LEN 1 in a zero window: not acceptable */
	return c->len <= wnd;   /* seq_acceptable, and trim_to_window cuts nothing */
}

/* The end of a segment is_predicted took that every check accepted: RFC 7323 §4.3's
 * conditions for TS.Recent hold (at RCV.NXT, so SEG.SEQ =< RCV.NXT now; TSval >=
 * TS.Recent), and so do the short finish's but for its state and the stack's tests
 * (never SYN-RECEIVED: its ACK leaves it or is not CONTINUE; maybe TIME-WAIT: CLOSING's
 * ACK of our FIN, FIN-WAIT's FIN). Off with no_fast_path (is_predicted), as the rest of
 * header prediction. */
static inline __attribute__((always_inline)) void predicted_end(struct seg_ctx *c,
								struct tcb *tcb)
{
	if (tcb->ts_ok && (c->seg->opt.present & WIRE_HAS_TS)) {
		tcb->ts_recent = c->seg->opt.ts_val;
		tcb->ts_recent_ns = c->ts->now_ns;
	}
	if (tcb->state != TCP_TIME_WAIT && !c->ts->rx_route && !c->ts->notes_cap) {
		list_at_end(c, tcb);
		return;
	}
	finish(c, V_CONTINUE);
}

/*
 * SYN-SENT's SYN-ACK that ACKs our SYN (syn_sent_input: ESTABLISHED, "continue
 * processing at the sixth step") without text, FIN or URG: the sixth to eighth checks
 * find nothing (no URG; no text; no FIN, and none held: nothing was received before),
 * and the end's RFC 7323 §4.3 TS.Recent is what tcp_take_syn_options has just set
 * (this SYN-ACK's TSval, now). What is left is the short finish's listing (the state
 * ESTABLISHED, or FIN-WAIT-1 after a CLOSE during the handshake), when finish has
 * nothing else to do: no note, no route to learn. Off with no_in_predict (test_tcp_predict
 * active_open_the_ack_of_our_syn_alone compares the two).
 */
static inline __attribute__((always_inline)) bool synack_ends_at_sixth(const struct seg_ctx *c)
{
	return !c->len && !(c->flags & (WIRE_TCP_FIN | WIRE_TCP_URG)) && !c->ts->no_in_predict &&
	       !c->ts->rx_route && !c->ts->notes_cap;
}

void tcp_conn_input(struct seg_ctx *c)
{
	struct tcb *tcb = c->tcb;
	enum first_check from = FROM_PAWS;
	enum verdict v;

	c->fd = tcb->fd;
	tcb->segs_in++;
	tcb->last_rcv_ns = c->ts->now_ns;
	tcb->ka_probes = 0;
	if (tcb->state == TCP_SYN_SENT) {
		v = syn_sent_input(c);
		if (v != V_CONTINUE_AT_URG) {
			finish(c, v);
			return;
		}
		if (synack_ends_at_sixth(c)) {
			list_at_end(c, tcb);
			return;
		}
		from = FROM_URG;
	} else if (is_predicted(c)) {
		from = FROM_ACK;
	}
	v = run_checks(c, from);
	tcb = c->tcb;
	if (v == V_CONTINUE_AT_NXT) {
		predicted_end(c, tcb);
		return;
	}
	if (!tcb) {
		/* the connection ended (closed, reset, or its TIME-WAIT record made): with no
		 * note to write finish has nothing left to do for it; off with
		 * no_in_predict, as the short finish below */
		if (v != V_DONE || c->ts->notes_cap || c->ts->no_in_predict)
			finish(c, v);
		return;
	}
	/* RFC 7323 §4.3: remember the newest timestamp of an in-sequence segment */
	if (tcb->ts_ok && (c->seg->opt.present & WIRE_HAS_TS) &&
	    (v == V_CONTINUE || v == V_DONE) && seq_geq(c->seg->opt.ts_val, tcb->ts_recent) &&
	    seq_leq(c->seg->seq, tcb->rcv_nxt)) {
		tcb->ts_recent = c->seg->opt.ts_val;
		tcb->ts_recent_ns = c->ts->now_ns;
	}
	if (v == V_CONTINUE && tcb->state != TCP_TIME_WAIT && tcb->state != TCP_SYN_RECEIVED &&
	    !c->ts->rx_route && !c->ts->notes_cap && !c->ts->no_in_predict) {
		/* what finish does for such a segment (no route to learn, no note to
		 * write, no TIME-WAIT to hand over, nothing left half-open); off with
		 * no_in_predict (test_tcp_predict, notes off) */
		list_at_end(c, tcb);
		return;
	}
	finish(c, v);
	if (c->tcb && c->tcb->state == TCP_SYN_RECEIVED && c->tcb->from_listen) {
		/* a promoted half-open connection that did not complete (cannot happen
		 * after tcp_synq_input's checks): half-open state is never a tcb */
		tcp_tcb_close(c->ts, c->tcb);
		c->tcb = NULL;
	}
}

/*
 * The ACK that completes a passive open, on the tcb tcp_synq_input has just promoted
 * (SYN-RECEIVED, from LISTEN), straight: what tcp_conn_input would do for it when it
 * is a bare ACK at RCV.NXT. tcp_synq_input has made the first four checks of
 * §3.10.7.4 on the entry the tcb was made from (PAWS against the same TS.Recent,
 * sequence, RST, SYN) and SYN-RECEIVED's ACK tests (SEG.ACK = ISS + 1, so SND.UNA <
 * SEG.ACK =< SND.NXT; the accept queue not full); at SEG.SEQ = RCV.NXT without text
 * or FIN is_predicted would hold, and ack_syn_received's two tests pass. So:
 *  - fifth check: ESTABLISHED, SND.WND, WL1/WL2, SND.UNA (established_by_ack); then
 *    RFC 5961 §5.2's range holds (SEG.ACK = SND.UNA = SND.MAX) and the ACK is quiet
 *    (is_quiet_ack: nothing outstanding, the window just taken, no ECE, no CWR window,
 *    recovery quiet), so the window update moves WL1/WL2 to what they hold; our FIN
 *    was never sent (ack_moves_state: nothing);
 *  - sixth to eighth: no URG, no text, no FIN (and no FIN held: nothing was received);
 *  - the end: predicted_end (TS.Recent, the listing or finish).
 * The tcb is the one promote has just made (tcp_tcb_new's zeroes and promote's
 * values), which spares the tests and resets a segment's start, established_by_ack and
 * syn_acked make for any tcb: its descriptor is -1 and the context's already; its
 * receive time is now and its keepalive probes 0; SND.UNA = ISS and SND.NXT = SND.MAX =
 * ISS + 1, so syn_acked's way is the one without tcp_ack_advance; its send buffer has
 * no storage (ring_free: nothing), its retransmission counts, backoff, soft error and
 * user timeout are 0 (una_advance's and syn_acked's resets: nothing); SND.WND's
 * largest is 0 (so it becomes SND.WND); its recovery state is open with nothing
 * counted, no RACK map, probe or lost bytes (tcp_rec_quiet_ack: true unless the ACK
 * carries SACK blocks; of its resets only RACK's reordering multiplier, 0 in a new
 * tcb, changes), and its ECN flags hold no CWR window. Anything else (text on the ACK,
 * FIN, URG, ECE, SACK blocks, SEG.SEQ past RCV.NXT) returns false having changed
 * nothing, and goes through tcp_conn_input. Off with no_in_predict and no_fast_path:
 * test_tcp_predict's twins compare the two.
 */
static bool handshake_acked(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *tcb = c->tcb;
	const struct wire_tcp *s = c->seg;

	if (ts->no_in_predict || ts->no_fast_path || c->len || c->seq != tcb->rcv_nxt ||
	    (c->flags & (WIRE_TCP_FIN | WIRE_TCP_URG | WIRE_TCP_ECE)) ||
	    (s->opt.present & WIRE_HAS_SACK))
		return false;
	tcb->segs_in++;                 /* tcp_conn_input's start */
	tcp_set_state(tcb, TCP_ESTABLISHED);    /* established_by_ack */
	tcb->snd_wnd = (uint32_t)s->win << tcb->snd_wscale;
	tcb->max_snd_wnd = tcb->snd_wnd;
	tcb->snd_wl1 = s->seq;
	tcb->snd_wl2 = s->ack;
	tcb->snd_una = s->ack;          /* syn_acked, una_advance */
	tcb->syn_was_acked = true;
	c->rtt_us = tcp_rtt_on_ack(ts, tcb, s->ack, s);
	tcb->rec.rack.reo_wnd_mult = 1; /* tcp_rec_quiet_ack */
	tcp_on_established_promoted(ts, tcb);
	c->list_out = true;
	predicted_end(c, tcb);
	return true;
}

/* tcp_input_inline's other segments: the full demux past the one-entry cache (which
 * never holds a tcb with IP options or in TIME-WAIT: the connection table finds
 * those), then the half-open entries, the TIME-WAIT records, the listeners
 * (§3.10.7.2) and CLOSED (§3.10.7.1). */
void tcp_input_demux(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *seg = c->seg;
	uint32_t laddr = c->laddr, raddr = c->raddr;
	struct tcb *listener;
	struct tw_entry *tw;
	struct tcp_reqsk *req;

	/* one hash of the 4-tuple for every table (tcp_tuple_hash). tcp_input_inline has
	 * tested the one-entry cache: a tcb with IP options or in TIME-WAIT, which it never
	 * holds, is in the connection table (tcp_lookup_input) */
	if (hash_count(&ts->conns)) {
		c->tcb = tcp_lookup_input_miss(ts, laddr, seg->dport, raddr, seg->sport,
					       &c->hash);
	} else {
		/* no connection at all (a server between handshakes): the hash without
		 * the probe. Tested here rather than in hash_bucket_first, which GRO's
		 * read inlines: there it cost bench bulk 72 k (~3 a packet) */
		c->hash = tcp_tuple_hash(ts, laddr, seg->dport, raddr, seg->sport);
		c->tcb = NULL;
	}
	if (c->tcb && c->tcb->ipopts)
		tcp_route_for_replies(ts, c->tcb->ipopts);      /* MUST-52, MUST-53 */
	if (c->tcb && c->tcb->state == TCP_TIME_WAIT) {
		/* one TIME-WAIT behaviour for records and full tcbs (tw.c) */
		struct tw_entry copy;

		tcp_tw_fill_proto(ts, c->tcb, &copy);
		c->st_before = TCP_TIME_WAIT;
		if (!tcp_tw_input(c, &copy))
			return;
	}
	if (c->tcb) {
		c->st_before = c->tcb->state;
		tcp_conn_input(c);
		return;
	}
	req = c->has_reopen_iss ? NULL
				: tcp_synq_lookup_hashed(ts, c->hash, laddr, seg->dport, raddr,
							 seg->sport);
	if (req) {
		if (req->ipopts)
			tcp_route_for_replies(ts, req->ipopts); /* MUST-53 (route.h) */
		c->st_before = TCP_SYN_RECEIVED;
		if (tcp_synq_input(c, req) && !handshake_acked(c))
			tcp_conn_input(c);
		return;
	}
	tw = c->has_reopen_iss ? NULL
			       : tw_lookup_hashed(&ts->tw, c->hash, laddr, seg->dport, raddr,
						  seg->sport);
	if (tw && !tcp_tw_input(c, tw))
		return;
	listener = tcp_lookup_listener(ts, laddr, seg->dport);
	if (listener) {
		c->tcb = listener;
		c->st_before = TCP_LISTEN;
		tcp_listen_input(c);
		return;
	}
	c->st_before = TCP_CLOSED;
	closed_input(c);
}

void tcp_input(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr, const struct wire_tcp *seg)
{
	tcp_input_inline(ts, laddr, raddr, seg);
}
