/*
 * timers.c — per-connection timers and the RFC 6298 round-trip estimator.
 *
 * Each tcb has one absolute deadline per kind (tcb->deadline[], 0 = off) and one node
 * in the stack's timing wheel, armed at or before the minimum of them (never after):
 * arming, cancelling and finding the stack's next deadline never scan connections. When
 * the node fires, every kind whose deadline has passed is handled, then the node is
 * re-armed at the new minimum (or cancelled when every kind is off). A deadline moved
 * later or cleared leaves the node alone (an early wake-up, tcp_timer_set).
 *
 * Kinds and their RFC: retransmission (RFC 6298 §5, RFC 9293 §3.8.1, §3.8.3 R1/R2,
 * MUST-20/21/23), persist (§3.8.6.1), delayed ACK (§3.8.6.3), keepalive (§3.8.4),
 * TIME-WAIT 2MSL (§3.10.7.4), orphaned FIN-WAIT-2 (Linux tcp_fin_timeout), user timeout
 * (§3.8.3, RFC 5482).
 */
#include <errno.h>

#include "tcp/cc.h"
#include "tcp/tcb.h"

#define MS 1000000ull

/* Re-arms the wheel node at the earliest per-kind deadline. (Off = 0 becomes
 * UINT64_MAX by the - 1, so the minimum needs no branch per kind.) */
static void timers_sync(struct tcp_stack *ts, struct tcb *tcb)
{
	uint64_t min = UINT64_MAX;

	for (int k = 1; k < TCP_T_COUNT; k++) {
		uint64_t d = tcb->deadline[k] - 1;

		min = d < min ? d : min;
	}
	min += 1;               /* 0 again when every kind is off */
	if (!min)
		timer_cancel(&ts->wheel, &tcb->tnode);
	else if (!timer_is_armed(&tcb->tnode) || tcb->tnode.deadline_ns != min)
		timer_arm(&ts->wheel, &tcb->tnode, min);
}

/*
 * The node may sit earlier than the earliest deadline, never later: a deadline that
 * moves later (the retransmission timer restarted by each ACK, RFC 6298 (5.3)) or is
 * cleared (5.2) leaves the node where it is, and when it fires tcp_timers_run finds
 * nothing due and re-arms it at the real minimum (timers_sync): one early wake-up per
 * node period instead of a wheel cancel and insert per ACK. Linux's retransmit timer
 * does the same (sk_reset_timer only when the new expiry is earlier; icsk_pending
 * cleared without deleting the timer). synack_next_deadline says it may be early.
 * Only a deadline earlier than the node moves the node.
 */
void tcp_timer_set(struct tcp_stack *ts, struct tcb *tcb, int kind, uint64_t deadline_ns)
{
	uint64_t d = deadline_ns ? deadline_ns : 1;
	struct timer_node *n = &tcb->tnode;

	tcb->deadline[kind] = d;
	/* unarmed: every kind was off (or the node was popped inside tcp_timers_run,
	 * whose final sync corrects it) */
	if (!timer_is_armed(n) || d < n->deadline_ns)
		timer_arm(&ts->wheel, n, d);
}

/* ---- RFC 6298 estimator ---------------------------------------------------------- */

/* The estimator starts in the tcb's birth (tcb.c tcp_tcb_new): all zero, no sample, RTO
 * the configured initial value (RFC 6298 (2.1)). Each sample: tcb.h tcp_rtt_sample
 * (inline: an ACK's sample pays no call). */


uint64_t tcp_rto_ns(const struct tcp_stack *ts, const struct tcb *tcb)
{
	uint64_t rto = (uint64_t)tcb->rtt.rto_us * 1000u;
	uint64_t max = (uint64_t)ts->cfg.rto_max_ms * MS;

	/* MUST-23 arithmetic: SYN backoff doubles from the initial RTO without the
	 * rto_max clamp, so syn_retries n waits 2^(n+1) - 1 s in all (n = 7: 255 s, the
	 * figure RFC 9293's 3 minutes asks to exceed). Linux clamps at 120 s and checks
	 * elapsed time instead; the total differs, the intent is the same. */
	if (tcb->state == TCP_SYN_SENT)
		max = UINT64_MAX;
	/* RFC 6298 (5.5): back off the timer, doubling per expiry, capped at the max */
	for (unsigned i = 0; i < tcb->backoff && rto < max; i++)
		rto *= 2;
	return rto < max ? rto : max;
}

/* The slot the retransmission timer uses: a half-open passive connection's is the
 * SYN-ACK timer, so notes and the listing name it as ss does ("syn-ack"). */
static int rexmit_kind(const struct tcb *tcb)
{
	return tcb->state == TCP_SYN_RECEIVED && tcb->from_listen ? TCP_T_SYNACK
								   : TCP_T_RETRANSMIT;
}

void tcp_rexmit_arm(struct tcp_stack *ts, struct tcb *tcb)
{
	int kind = rexmit_kind(tcb);

	tcp_timer_clear(ts, tcb, kind == TCP_T_SYNACK ? TCP_T_RETRANSMIT : TCP_T_SYNACK);
	tcp_timer_set(ts, tcb, kind, ts->now_ns + tcp_rto_ns(ts, tcb));
	tcb->rec.rack.timer = TCP_RACK_T_RTO;   /* the slot holds the RTO (rack.h) */
}

void tcp_keepalive_arm(struct tcp_stack *ts, struct tcb *tcb)
{
	if (!tcb->opt.keepalive || !tcp_is_synchronized(tcb->state) ||
	    tcb->state == TCP_TIME_WAIT) {
		tcp_timer_clear(ts, tcb, TCP_T_KEEPALIVE);
		return;
	}
	tcb->ka_probes = 0;
	if (!tcb->last_rcv_ns)
		tcb->last_rcv_ns = ts->now_ns;
	tcp_timer_set(ts, tcb, TCP_T_KEEPALIVE, tcb->last_rcv_ns + tcb->opt.keepidle_ms * MS);
}

/* ---- expiry handlers: each returns false when the tcb is gone ---------------------- */

static bool give_up_limit_reached(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->state == TCP_SYN_SENT)
		return tcb->retransmits >= tcb->opt.syn_retries;        /* MUST-23 */
	if (tcb->state == TCP_SYN_RECEIVED)
		return tcb->retransmits >= ts->cfg.synack_retries;
	return tcb->retransmits >= tcb->opt.retries2;                   /* R2, MUST-20 */
}

/* A TIMER note for a connection the handler is about to end: state_after CLOSED. */
static void note_end(struct tcp_stack *ts, struct tcb *tcb, int kind, const char *reason)
{
	tcp_note_timer(ts, tcb, kind, SYNACK_V_TIMED_OUT, tcb->state, reason);
	tcp_note_fix_after(ts, TCP_CLOSED);
}

static bool on_retransmit(struct tcp_stack *ts, struct tcb *tcb, int kind)
{
	uint8_t before = tcb->state;

	if (kind == TCP_T_RETRANSMIT && tcb->rec.rack.timer != TCP_RACK_T_RTO &&
	    tcp_is_synchronized(tcb->state)) {
		/* RFC 8985: the slot held RACK's reordering timer or the tail loss probe */
		tcp_note_timer(ts, tcb, kind, SYNACK_V_FIRED, before,
			       tcb->rec.rack.timer == TCP_RACK_T_TLP
				       ? "tail loss probe (RFC 8985 §7.3)"
				       : "RACK reordering timeout (RFC 8985 §6.3)");
		tcp_rec_on_timer(ts, tcb);
		return true;
	}
	if (give_up_limit_reached(ts, tcb)) {
		if (tcb->state == TCP_SYN_RECEIVED && tcb->from_listen) {
			/* S06: the half-open entry is dropped silently */
			tcp_count(ts, SYNACK_CTR_TCP_SYNACK_GIVEUP);
			note_end(ts, tcb, kind,
				 "SYN-ACK retries exhausted: half-open entry dropped");
			tcp_tcb_close(ts, tcb);
			return false;
		}
		tcp_count(ts, SYNACK_CTR_TCP_TIMEOUTS);
		note_end(ts, tcb, kind, "retransmissions exhausted: ETIMEDOUT");
		tcp_drop(ts, tcb, ETIMEDOUT);
		return false;
	}
	if (!tcb->retransmits)
		tcb->first_rto_ns = ts->now_ns;
	tcb->retransmits++;
	tcb->total_retrans++;
	if (tcb->backoff < 30)
		tcb->backoff++;                 /* RFC 6298 (5.5) */
	tcb->rtt.timing = false;                /* Karn: no sample from a retransmission */
	tcb->snd_nxt = tcb->snd_una;            /* RFC 6298 (5.4): resend the earliest */
	tcp_count(ts, SYNACK_CTR_TCP_RETRANS);
	if (tcb->retransmits >= tcb->opt.retries1 && !tcb->r1_reported &&
	    tcp_is_synchronized(tcb->state)) {
		/* MUST-20/§3.8.3: R1 reached, tell the IP layer/user: a counter and a note */
		tcb->r1_reported = true;
		tcp_count(ts, SYNACK_CTR_TCP_R1_REACHED);
		tcp_report_soft(ts, tcb, tcb->soft_error ? tcb->soft_error : ETIMEDOUT);
	}
	tcp_note_timer(ts, tcb, kind, SYNACK_V_FIRED, before,
		       kind == TCP_T_SYNACK ? "SYN-ACK retransmission timeout"
		       : tcb->r1_reported && tcb->retransmits == tcb->opt.retries1
			       ? "retransmission timeout (R1 reached)" : "retransmission timeout");
	if (tcp_is_synchronized(tcb->state))
		tcp_rec_on_rto(ts, tcb);        /* recovery ends, scoreboard cleared, cc */
	tcp_rexmit_arm(ts, tcb);                /* RFC 6298 (5.6) */
	tcp_want_output(ts, tcb);
	return true;
}

static bool on_keepalive(struct tcp_stack *ts, struct tcb *tcb)
{
	uint64_t idle_end = tcb->last_rcv_ns + tcb->opt.keepidle_ms * MS;

	/* segments arriving do not touch the timer; idleness is checked here, lazily */
	if (!tcb->ka_probes && ts->now_ns < idle_end) {
		tcp_timer_set(ts, tcb, TCP_T_KEEPALIVE, idle_end);
		return true;
	}
	if (tcb->ka_probes >= tcb->opt.keepcnt) {
		tcp_count(ts, SYNACK_CTR_TCP_TIMEOUTS);
		note_end(ts, tcb, TCP_T_KEEPALIVE, "keepalive probes unanswered: ETIMEDOUT");
		tcp_drop(ts, tcb, ETIMEDOUT);
		return false;
	}
	tcb->ka_probes++;
	tcp_set_want_ka_probe(tcb, true);
	tcp_note_timer(ts, tcb, TCP_T_KEEPALIVE, SYNACK_V_FIRED, tcb->state, "keepalive probe");
	tcp_timer_set(ts, tcb, TCP_T_KEEPALIVE, ts->now_ns + tcb->opt.keepintvl_ms * MS);
	tcp_want_output(ts, tcb);
	return true;
}

/*
 * §3.8.6.1 persist timer (MUST-35): one probe per expiry, the interval doubling from one
 * RTO up to rto_max (RFC 6298 (5.5) backoff, as Linux tcp_probe_timer / tcp_probe0_when).
 * A window that opened takes data (the SWS override: output sends what fits); a closed
 * one gets Linux's <SEQ=SND.UNA-1><CTL=ACK>. The connection is kept as long as the peer
 * answers (MUST-36 / Linux: any segment resets the count); retries2 unanswered probes in
 * a row end it with ETIMEDOUT (Linux's max_probes = tcp_retries2).
 */
static bool on_persist(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	if (cc->probes_out && tcb->last_rcv_ns >= cc->probe_ns)
		cc->probes_out = 0;     /* the last probe was answered */
	if (cc->probes_out >= tcb->opt.retries2) {
		tcp_count(ts, SYNACK_CTR_TCP_TIMEOUTS);
		note_end(ts, tcb, TCP_T_PERSIST, "zero-window probes unanswered: ETIMEDOUT");
		tcp_drop(ts, tcb, ETIMEDOUT);
		return false;
	}
	if (cc->probes_out < 255)
		cc->probes_out++;
	cc->probe_ns = ts->now_ns;
	tcp_set_want_probe(tcb, true);
	if (tcb->backoff < 30)
		tcb->backoff++;
	tcp_note_timer(ts, tcb, TCP_T_PERSIST, SYNACK_V_FIRED, tcb->state, "zero-window probe");
	tcp_timer_set(ts, tcb, TCP_T_PERSIST, ts->now_ns + tcp_rto_ns(ts, tcb));
	tcp_want_output(ts, tcb);
	return true;
}

static bool on_expire(struct tcp_stack *ts, struct tcb *tcb, int kind)
{
	uint8_t before = tcb->state;

	switch (kind) {
	case TCP_T_RETRANSMIT:
	case TCP_T_SYNACK:
		return on_retransmit(ts, tcb, kind);
	case TCP_T_PERSIST:
		return on_persist(ts, tcb);
	case TCP_T_DELACK:
		tcp_rcv_delack_fired(ts, tcb);
		tcb->want_ack = true;
		tcp_want_output(ts, tcb);
		return true;
	case TCP_T_KEEPALIVE:
		return on_keepalive(ts, tcb);
	case TCP_T_TIME_WAIT:
	case TCP_T_FIN_WAIT_2:
		tcp_set_state(tcb, TCP_CLOSED);
		tcp_note_timer(ts, tcb, kind, SYNACK_V_FIRED, before,
			       kind == TCP_T_TIME_WAIT ? "2MSL expired: CLOSED"
						       : "fin_timeout expired: CLOSED");
		tcp_wake(ts, tcb, SYNACK_EV_CLOSED);
		tcp_tcb_close(ts, tcb);
		return false;
	case TCP_T_USER_TIMEOUT:
		tcp_count(ts, SYNACK_CTR_TCP_TIMEOUTS);
		note_end(ts, tcb, kind, "user timeout: ETIMEDOUT");
		tcp_drop(ts, tcb, ETIMEDOUT);
		return false;
	default:
		return true;
	}
}

void tcp_timers_run(struct tcp_stack *ts)
{
	struct timer_node *n;

	while ((n = timer_pop_expired(&ts->wheel, ts->now_ns))) {
		struct tcb *tcb = container_of(n, struct tcb, tnode);
		bool alive = true;

		for (int k = 1; alive && k < TCP_T_COUNT; k++) {
			if (!tcb->deadline[k] || tcb->deadline[k] > ts->now_ns)
				continue;
			tcb->deadline[k] = 0;
			alive = on_expire(ts, tcb, k);
		}
		if (alive)
			timers_sync(ts, tcb);
	}
	tcp_synq_timers_run(ts);
	tcp_tw_expire(ts);
}
