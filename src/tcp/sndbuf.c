/*
 * sndbuf.c — send-buffer autotuning (Linux's tcp_sndbuf_expand and tcp_new_space;
 * there is no RFC for it). See sndbuf.h for the rule, its units and its invariants
 * (opt.sndbuf never shrinks here, never exceeds cfg.wmem_max, and is left alone once
 * the user set SO_SNDBUF).
 */
#include "tcp/cc.h"
#include "tcp/recovery.h"
#include "tcp/sndbuf.h"
#include "tcp/tcb.h"

#define SNDBUF_INIT_CWND 10u    /* Linux TCP_INIT_CWND: the floor of the segment count */

static inline uint32_t target(const struct tcp_stack *ts, const struct tcb *tcb)
{
	uint32_t mss = tcb->snd_mss ? tcb->snd_mss : 536;
	uint64_t segs = tcb->cc.cwnd / mss, want;

	if (segs < SNDBUF_INIT_CWND)
		segs = SNDBUF_INIT_CWND;
	want = 2 * segs * mss;          /* Linux: "Cubic needs 1.7 factor, rounded to 2" */
	return want > ts->cfg.wmem_max ? ts->cfg.wmem_max : (uint32_t)want;
}

uint32_t tcp_sndbuf_target(const struct tcp_stack *ts, const struct tcb *tcb)
{
	return target(ts, tcb);
}

void tcp_sndbuf_expand(struct tcp_stack *ts, struct tcb *tcb)
{
	uint32_t want;

	if (tcb->opt.sndbuf_locked)
		return;
	want = target(ts, tcb);
	if (tcb->opt.sndbuf < want)
		tcb->opt.sndbuf = want;
}

/* always_inline: recovery.c tcp_rec_on_ack and input.c lone_acked each take it in place
 * under LTO (its common case is three tests) */
__attribute__((always_inline)) inline void tcp_sndbuf_on_ack(struct tcp_stack *ts, struct tcb *tcb)
{
	uint32_t want;

	/* Linux tcp_should_expand_sndbuf: "If we filled the congestion window, do not
	 * expand" */
	if (!tcb->cc.cwnd)
		return;
	/* what tcp_sndbuf_expand would do, its cheap tests first: the buffer is mostly
	 * at its target already, and then the flight (tcp_pipe) need not be counted. The
	 * target is at most max(2 cwnd, 2 SNDBUF_INIT_CWND SMSS) (target: segs * mss <=
	 * max(cwnd, SNDBUF_INIT_CWND mss)): a buffer that large needs no division */
	if (tcb->opt.sndbuf_locked ||
	    ((uint64_t)tcb->opt.sndbuf >= 2 * (uint64_t)tcb->cc.cwnd &&
	     tcb->opt.sndbuf >= 2 * SNDBUF_INIT_CWND * (uint32_t)(tcb->snd_mss ? tcb->snd_mss : 536)))
		return;
	want = target(ts, tcb);
	if (tcb->opt.sndbuf >= want || tcp_pipe(tcb) >= tcb->cc.cwnd)
		return;
	tcb->opt.sndbuf = want;
}
