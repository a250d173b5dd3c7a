/*
 * cc.c — congestion control entry points (RFC 5681 §3, §4.1; RFC 6928; RFC 9438 §4.6,
 * §4.8, §5.8) and the choice of algorithm. The algorithms (cc_newreno.c, cc_cubic.c)
 * only decide ssthresh on a congestion event and growth in congestion avoidance; what
 * every algorithm shares is here: the initial window, slow start, the reactions to
 * recovery and timeouts, restart after idle.
 *
 * Invariants: see cc.h. cwnd and ssthresh are bytes; SMSS = tcb->snd_mss.
 */
#include <string.h>

#include "tcp/cc.h"
#include "tcp/ecn.h"
#include "tcp/tcb.h"

static uint32_t smss(const struct tcb *tcb)
{
	return tcb->snd_mss ? tcb->snd_mss : 1;
}

const struct tcp_cc_ops *tcp_cc_find(const char *name, size_t len)
{
	size_t n = strnlen(name, len);

	/* Linux registers NewReno as "reno"; accept the RFC's name too */
	if ((n == 4 && !memcmp(name, "reno", 4)) || (n == 7 && !memcmp(name, "newreno", 7)))
		return &tcp_cc_newreno;
	if (n == 5 && !memcmp(name, "cubic", 5))
		return &tcp_cc_cubic;
	return NULL;
}

const struct tcp_cc_ops *tcp_cc_ops_of(struct tcp_stack *ts, const struct tcb *tcb)
{
	const struct tcp_cc_ops *ops = tcb->cc.ops;

	/* an accepted connection inherits its listener's choice (Linux) */
	if (!ops && tcb->parent)
		ops = tcb->parent->cc.ops;
	if (!ops)
		ops = ts->dflt.cc_ops;  /* cfg.congestion_control's (tcp_stack_set_cfg) */
	return ops ? ops : &tcp_cc_cubic;
}

void tcp_cc_select(struct tcp_stack *ts, struct tcb *tcb, const struct tcp_cc_ops *ops)
{
	tcb->cc.ops = ops;
	if (tcb->cc.cwnd) {
		memset(&tcb->cc.cubic, 0, sizeof tcb->cc.cubic);
		tcb->cc.bytes_acked = 0;
		ops->init(ts, tcb);
	}
}

uint32_t tcp_cc_initial_window(uint32_t mss)
{
	/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)) */
	uint32_t lim = 2 * mss > 14600 ? 2 * mss : 14600;

	return 10 * mss < lim ? 10 * mss : lim;
}

uint32_t tcp_cc_flight(const struct tcb *tcb)
{
	return seq_gt(tcb->snd_max, tcb->snd_una) ? tcb->snd_max - tcb->snd_una : 0;
}

void tcp_cc_init(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	cc->ops = tcp_cc_ops_of(ts, tcb);
	/* RFC 5681 §3.1 / RFC 6928 §2: one segment when the SYN or SYN-ACK was lost */
	cc->cwnd = tcb->total_retrans ? smss(tcb) : tcp_cc_initial_window(smss(tcb));
	cc->ssthresh = TCP_CC_INFINITE_SSTHRESH;
	cc->bytes_acked = 0;
	cc->in_recovery = false;
	cc->cwnd_limited = false;
	cc->rto_reduced = false;
	if (cc->max_snd_wnd < tcb->snd_wnd)
		cc->max_snd_wnd = tcb->snd_wnd;
	memset(&cc->cubic, 0, sizeof cc->cubic);
	cc->ops->init(ts, tcb);
}

/* RFC 5681 (2): cwnd += min(N, SMSS) per ACK in slow start. */
static void slow_start(struct tcb *tcb, uint32_t acked)
{
	uint32_t inc = acked < smss(tcb) ? acked : smss(tcb);

	tcb->cc.cwnd = tcb->cc.cwnd + inc < tcb->cc.cwnd ? UINT32_MAX : tcb->cc.cwnd + inc;
}

void tcp_cc_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked_bytes,
		   uint32_t rtt_us)
{
	struct tcp_cc *cc = &tcb->cc;
	bool limited = cc->cwnd_limited;

	if (!cc->cwnd || !acked_bytes)
		return;
	cc->cwnd_limited = false;
	cc->rto_reduced = false;
	if (cc->in_recovery)
		return;
	/* grow only a window that is used (RFC 9438 §4.6, RFC 7661; Linux
	 * tcp_is_cwnd_limited): output was held by cwnd, or the data in flight before this
	 * ACK filled it (slow start: half of it, as Linux) */
	if (!limited) {
		uint64_t before = (uint64_t)tcp_cc_flight(tcb) + acked_bytes;

		if (cc->cwnd < cc->ssthresh ? 2 * before < cc->cwnd
					    : before + smss(tcb) <= cc->cwnd)
			return;
	}
	if (cc->cwnd < cc->ssthresh)
		slow_start(tcb, acked_bytes);
	else
		cc->ops->cong_avoid(ts, tcb, acked_bytes, rtt_us);
}

void tcp_cc_enter_recovery(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	if (!cc->cwnd)
		tcp_cc_init(ts, tcb);
	cc->undo_cwnd = cc->cwnd;
	cc->undo_ssthresh = cc->ssthresh;
	cc->undo_w_max = cc->cubic.w_max;
	cc->undo_cwnd_prior = cc->cubic.cwnd_prior;
	cc->ssthresh = cc->ops->ssthresh(ts, tcb);
	cc->cwnd = cc->ssthresh;
	cc->bytes_acked = 0;
	cc->in_recovery = true;
	tcp_ecn_queue_cwr(tcb);         /* RFC 3168 §6.1.2: CWR after any reduction */
}

void tcp_cc_on_ece(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	if (!cc->cwnd)
		return;
	cc->ssthresh = cc->ops->ssthresh(ts, tcb);
	cc->cwnd = cc->ssthresh;
	cc->bytes_acked = 0;
}

void tcp_cc_undo(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	(void)ts;
	if (!cc->cwnd)
		return;
	if (cc->undo_cwnd > cc->cwnd)
		cc->cwnd = cc->undo_cwnd;
	if (cc->undo_ssthresh > cc->ssthresh)
		cc->ssthresh = cc->undo_ssthresh;
	cc->cubic.w_max = cc->undo_w_max;
	cc->cubic.cwnd_prior = cc->undo_cwnd_prior;
	cc->cubic.epoch_ns = 0;         /* a new epoch from the restored window */
	cc->bytes_acked = 0;
	cc->in_recovery = false;
}

void tcp_cc_exit_recovery(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	(void)ts;
	if (!cc->cwnd)
		return;
	cc->cwnd = cc->ssthresh;        /* RFC 6582 §3.2 step 3 (1), RFC 6675 §5 */
	cc->in_recovery = false;
}

void tcp_cc_on_rto(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;

	if (!cc->cwnd)
		return;                 /* handshake: tcp_cc_init sees total_retrans */
	/* RFC 5681 (4): ssthresh only when this data was not already resent by the timer */
	if (!cc->rto_reduced || cc->rto_una != tcb->snd_una) {
		cc->ssthresh = cc->ops->ssthresh(ts, tcb);
		cc->rto_reduced = true;
		cc->rto_una = tcb->snd_una;
	}
	cc->cwnd = smss(tcb);           /* loss window LW = 1 SMSS */
	tcp_ecn_queue_cwr(tcb);
	cc->bytes_acked = 0;
	cc->in_recovery = false;
	if (cc->ops->on_rto)
		cc->ops->on_rto(ts, tcb);
}

void tcp_cc_on_send(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;
	uint64_t idle;

	if (!cc->cwnd || tcp_cc_flight(tcb) || !cc->last_send_ns ||
	    ts->now_ns <= cc->last_send_ns)
		return;
	idle = ts->now_ns - cc->last_send_ns;
	if (cc->ops->tx_start)
		cc->ops->tx_start(ts, tcb, idle);
	/* RFC 5681 §4.1: idle longer than one RTO: cwnd = RW = min(IW, cwnd). Linux
	 * (tcp_cwnd_restart) first keeps ssthresh at least 3/4 of the old cwnd so slow
	 * start climbs back quickly; so do we. */
	if (ts->cfg.slow_start_after_idle && idle > (uint64_t)tcb->rtt.rto_us * 1000u) {
		uint32_t iw = tcp_cc_initial_window(smss(tcb));
		uint32_t keep = cc->cwnd / 4 * 3;

		if (cc->ssthresh < keep)
			cc->ssthresh = keep;
		if (cc->cwnd > iw)
			cc->cwnd = iw;
		cc->bytes_acked = 0;
	}
	cc->last_send_ns = ts->now_ns;
}
