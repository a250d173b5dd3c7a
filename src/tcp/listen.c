/*
 * listen.c — LISTEN (RFC 9293 §3.10.7.2), the SYN queue and the accept queue (S16),
 * and reaching ESTABLISHED. (A SYN that reopens a TIME-WAIT 4-tuple arrives here with
 * c->reopen_iss set by tw.c: RFC 6191.)
 *
 * A SYN makes a compact half-open entry on the listener's SYN queue (synq.c); the
 * control block is made when the handshake completes, and it then moves to the FIFO
 * accept queue, bounded by the listen backlog; a SYN that arrives
 * while the accept queue is full is dropped silently so the client retries (Linux).
 * The SYN queue is bounded by min(backlog, max_syn_backlog).
 */
#include <errno.h>

#include "tcp/cc.h"
#include "tcp/input.h"
#include "tcp/isn.h"
#include "tcp/sndbuf.h"
#include "tcp/tcb.h"

#define MS 1000000ull

/* Sets ISS and our SYN-time parameters (shared by active and passive open). */
void tcp_init_send_side(struct tcp_stack *ts, struct tcb *tcb)
{
	uint32_t own = ts->cfg.mtu - 40;
	uint32_t ts_offset;

	/* RFC 6528 §3 ISS and RFC 7323 §5.4 offset: the PRF output the port choice or the
	 * tuple's lookup computed (isn.h) */
	tcp_tuple_isn(ts, tcb->laddr, tcb->lport, tcb->raddr, tcb->rport, &tcb->iss, &ts_offset);
	tcb->snd_una = tcb->iss;
	tcb->snd_nxt = tcb->iss;
	tcb->snd_max = tcb->iss;
	tcb->rcv_mss = (uint16_t)(tcb->opt.maxseg && tcb->opt.maxseg < own ? tcb->opt.maxseg
									     : own);
	tcb->snd_mss = 536;
	tcb->rcv_wscale = tcp_rcv_wscale(ts, &tcb->opt);      /* for autotuning's cap */
	tcb->ts_offset = ts->cfg.timestamps ? ts_offset : 0;
}

static bool in_quiet_time(const struct tcp_stack *ts)
{
	return ts->cfg.quiet_time && ts->now_ns - ts->first_now_ns < ts->cfg.msl_ms * MS;
}

static uint32_t synq_limit(const struct tcp_stack *ts, const struct tcb *l)
{
	return l->backlog < ts->cfg.max_syn_backlog ? l->backlog : ts->cfg.max_syn_backlog;
}

static void listen_note(struct seg_ctx *c, struct tcb *who, uint8_t verdict)
{
	tcp_note(c->ts, who, SYNACK_NOTE_IN, verdict, TCP_LISTEN, c->seg, c->laddr, c->raddr,
		 c->reason);
}

static void listen_syn(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *l = c->tcb;
	struct tcp_reqsk *r;

	if (c->seg->flags & WIRE_TCP_FIN) {
		c->reason = "dropped: SYN+FIN to a listener";  /* as Linux */
		listen_note(c, l, SYNACK_V_DROPPED);
		return;
	}
	if (in_quiet_time(ts)) {
		tcp_count(ts, SYNACK_CTR_TCP_QUIET_TIME);
		c->reason = "SYN dropped: quiet time";
		listen_note(c, l, SYNACK_V_DROPPED);
		return;
	}
	if (l->acceptq_len >= l->backlog) {
		tcp_count(ts, SYNACK_CTR_TCP_ACCEPTQ_FULL);
		c->reason = "SYN dropped: accept queue full";
		listen_note(c, l, SYNACK_V_DROPPED);
		return;
	}
	if (ts->cfg.syncookies == 2 ||
	    (ts->cfg.syncookies == 1 && l->synq_len >= synq_limit(ts, l))) {
		/* RFC 4987 §3.6 (S17): answer with a cookie, keep nothing */
		bool sent = tcp_synq_send_cookie(c);

		if (sent)       /* cookie ACKs are checked for a while (cookies_recent) */
			l->synq_overflow_ns = ts->now_ns ? ts->now_ns : 1;

		c->reason = sent ? "SYN answered with a SYN cookie" : "SYN dropped: queue full";
		listen_note(c, l, sent ? SYNACK_V_ACCEPTED : SYNACK_V_DROPPED);
		return;
	}
	if (l->synq_len >= synq_limit(ts, l)) {
		tcp_count(ts, SYNACK_CTR_TCP_SYNQ_FULL);
		c->reason = "SYN dropped: SYN queue full";
		listen_note(c, l, SYNACK_V_DROPPED);
		return;
	}
	r = tcp_synq_add(c);
	c->reason = r ? "SYN accepted: SYN-RECEIVED" : "SYN dropped: no memory";
	if (!r) {
		listen_note(c, l, SYNACK_V_DROPPED);
		return;
	}
	tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, TCP_LISTEN, c->seg, c->laddr,
		 c->raddr, c->reason);
	tcp_note_fix_after(ts, TCP_SYN_RECEIVED);
}

/*
 * Is an ACK to listener l worth checking as a SYN cookie? With syncookies 1 only when l
 * answered a SYN with a cookie in the last TCP_COOKIE_VALID_NS (Linux
 * tcp_synq_no_recent_overflow, TCP_SYNCOOKIE_VALID): a listener that never overflowed
 * does not run SipHash for every stray ACK, and a guessed cookie can only be tried
 * during a flood. Deviations: the window is our cookie's whole life (2 counter periods,
 * 128 s; Linux 120 s for its 60 s counter) and the stamp is exact (Linux refreshes it
 * at most once a second). With syncookies 2 every ACK is checked.
 */
#define TCP_COOKIE_VALID_NS (TCP_COOKIE_MAX_AGE * TCP_COOKIE_PERIOD_NS)

static bool cookies_recent(const struct tcp_stack *ts, const struct tcb *l)
{
	if (ts->cfg.syncookies == 2)
		return true;
	return ts->cfg.syncookies == 1 && l->synq_overflow_ns &&
	       ts->now_ns - l->synq_overflow_ns <= TCP_COOKIE_VALID_NS;
}

/*
 * A valid cookie ACK creates the connection (SYN-RECEIVED, then the §3.10.7.4 pipeline
 * on the same ACK: ESTABLISHED, accept queue, any data). Returns false when it is not a
 * valid cookie (counted): the caller then follows §3.10.7.2 and answers with a RST, as
 * Linux does (its LISTEN processing resets an ACK whose cookie fails). Called only when
 * cookies_recent: an ACK to a listener otherwise gets its RST unchecked.
 */
static bool listen_cookie_ack(struct seg_ctx *c)
{
	struct tcb *l = c->tcb;
	int mss;

	if (l->acceptq_len >= l->backlog) {
		tcp_count(c->ts, SYNACK_CTR_TCP_ACCEPTQ_FULL);
		c->reason = "ACK dropped: accept queue full";
		listen_note(c, l, SYNACK_V_DROPPED);
		return true;
	}
	mss = tcp_synq_check_cookie(c);
	if (mss < 0) {
		tcp_count(c->ts, SYNACK_CTR_TCP_COOKIES_BAD);
		return false;
	}
	if (mss == 0) {
		c->tcb = l;
		c->reason = "cookie ACK dropped: no memory";
		listen_note(c, l, SYNACK_V_DROPPED);
		return true;
	}
	tcp_count(c->ts, SYNACK_CTR_TCP_COOKIES_OK);
	tcp_note(c->ts, NULL, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, TCP_LISTEN, c->seg, c->laddr,
		 c->raddr, "valid SYN cookie: connection created");
	tcp_note_fix_after(c->ts, TCP_SYN_RECEIVED);
	tcp_conn_input(c);
	return true;
}

void tcp_listen_input(struct seg_ctx *c)
{
	const struct wire_tcp *s = c->seg;

	/* §3.10.7.2 first: an incoming RST is ignored */
	if (s->flags & WIRE_TCP_RST) {
		c->reason = "dropped: RST to a listener";
		listen_note(c, c->tcb, SYNACK_V_DROPPED);
		return;
	}
	/* RFC 4987 §3.6: an ACK may complete a handshake answered with a SYN cookie */
	if ((s->flags & (WIRE_TCP_ACK | WIRE_TCP_SYN)) == WIRE_TCP_ACK &&
	    cookies_recent(c->ts, c->tcb) && listen_cookie_ack(c))
		return;
	/* second: any acknowledgment is bad: <SEQ=SEG.ACK><CTL=RST> */
	if (s->flags & WIRE_TCP_ACK) {
		tcp_reply_rst(c);
		c->reason = "RST sent: ACK to a listener";
		listen_note(c, c->tcb, SYNACK_V_RESET);
		return;
	}
	/* third: SYN */
	if (s->flags & WIRE_TCP_SYN) {
		listen_syn(c);
		return;
	}
	/* fourth: "any other control or text-bearing segment ... drop it" */
	c->reason = "dropped: no SYN to a listener";
	listen_note(c, c->tcb, SYNACK_V_DROPPED);
}

/*
 * RFC 6298 (5.7): after a SYN or SYN-ACK timeout the RTO is "re-initialized to 3 seconds
 * when data transmission begins". Linux (tcp_init_transfer -> tcp_init_metrics,
 * TCP_TIMEOUT_FALLBACK) keys this on having no RTT sample from the handshake instead of
 * on the timeout, and so do we: a retransmitted SYN or SYN-ACK gives no Karn sample, but
 * with timestamps the ACK's TSecr still measures the handshake (rttm.c), and Linux keeps
 * that RTO; a SYN-cookie handshake without timestamps has no sample and falls back too.
 * The estimator stays empty, so the first data sample initialises it ((2.2)). An RTO
 * already above 3 s (rto_initial_ms) is kept, as (5.7) only raises it.
 */
static void fall_back_rto(struct tcb *tcb)
{
	const uint32_t fallback_us = 3000000;

	if (!tcb->rtt.has_sample && tcb->rtt.rto_us < fallback_us)
		tcb->rtt.rto_us = fallback_us;
}

/* What every connection entering ESTABLISHED sets up: its congestion control and its
 * buffers. */
static inline __attribute__((always_inline)) void buffers_and_cc(struct tcp_stack *ts,
								  struct tcb *tcb)
{
	tcp_cc_init(ts, tcb);           /* IW10 (RFC 6928), algorithm */
	tcp_sndbuf_expand(ts, tcb);     /* Linux tcp_init_buffer_space */
	tcp_rcvbuf_init(ts, tcb);
}

/* A child of l off its SYN queue (counted off, on no list) onto the accept queue, and
 * the listener woken: accept() has a connection. */
static inline __attribute__((always_inline)) void to_accept_queue(struct tcp_stack *ts,
								   struct tcb *l, struct tcb *tcb)
{
	list_push_back(&l->acceptq, &tcb->qlink);
	tcb->queued = TCP_Q_ACCEPT;
	l->acceptq_len++;
	tcp_wake(ts, l, SYNACK_EV_ACCEPTABLE);
}

void tcp_on_established(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcb *l = tcb->parent;

	tcb->ever_synced = true;
	fall_back_rto(tcb);
	if (l && tcb->queued == TCP_Q_SYN) {
		tcp_unqueue(tcb);
		tcb->parent = l;
		to_accept_queue(ts, l, tcb);
	} else {
		tcp_wake(ts, tcb, SYNACK_EV_CONNECTED);
		tcp_wake(ts, tcb, SYNACK_EV_WRITABLE);
	}
	tcp_rexmit_stop(ts, tcb);
	if (tcb->snd_una != tcb->snd_max)
		tcp_rexmit_arm(ts, tcb);
	/* tcp_keepalive_arm without SO_KEEPALIVE (the usual case) only clears the slot:
	 * done here, without the call */
	if (tcb->opt.keepalive)
		tcp_keepalive_arm(ts, tcb);
	else
		tcp_timer_clear(ts, tcb, TCP_T_KEEPALIVE);
	buffers_and_cc(ts, tcb);
	if (tcb->fin_queued) {
		/* CLOSE (or SHUT_WR) during the handshake: "queue for processing after
		 * entering ESTABLISHED" (§3.10.4) */
		tcp_set_state(tcb, TCP_FIN_WAIT_1);
	}
	/* listed by the caller (input.c) when something is due: tcp_list_if_due */
}

/*
 * tcp_on_established for the tcb promote (synq.c) has just made, whose handshake the bare
 * ACK it was made for completes (input.c handshake_acked), with what tcp_on_established
 * tests known: it has a listener and is counted on its SYN queue on no list (promote);
 * no timer was ever set on it (tcp_tcb_new's zeroes: the retransmission slots and the
 * keepalive slot are clear and RACK's timer is TCP_RACK_T_RTO, 0), nothing is
 * outstanding (SND.UNA = SND.MAX = ISS + 1 after the ACK) and no FIN is queued (it has
 * no descriptor yet: no CLOSE or SHUT_WR). Off with no_in_predict or no_fast_path
 * (handshake_acked is): test_tcp_predict passive_open_the_ack_that_completes_it
 * compares the two.
 */
void tcp_on_established_promoted(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcb *l = tcb->parent;

	tcb->ever_synced = true;
	fall_back_rto(tcb);
	/* from the SYN queue to the accept queue (tcp_unqueue's count, then the move) */
	l->synq_len--;
	to_accept_queue(ts, l, tcb);
	if (tcb->opt.keepalive)         /* the listener's SO_KEEPALIVE, copied */
		tcp_keepalive_arm(ts, tcb);
	buffers_and_cc(ts, tcb);
}
