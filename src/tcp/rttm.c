/*
 * rttm.c — round-trip time samples taken when an ACK advances SND.UNA (RFC 6298 §3,
 * Karn's algorithm; RFC 7323 §4 RTTM). The estimator itself (SRTT, RTTVAR, RTO with
 * rto_min/rto_max) is timers.c's tcp_rtt_sample.
 *
 * Which sample (Linux tcp_ack_update_rtt's order): the timed segment (ns clock, never
 * a retransmitted one) when this ACK covers it; otherwise, with timestamps, TSecr of
 * this ACK (RFC 7323 §4.1: TSecr identifies the transmission, so retransmissions are
 * measured too; 1 ms resolution, a 0 ms sample counts as 1 ms as in Linux). Every ACK
 * that advances SND.UNA gives at most one sample (the ACK of a SYN-ACK that synq.c
 * already timed gives none), with RFC 6298's gains (Linux; RFC 7323
 * Appendix G's per-window scaling of alpha/beta is not applied).
 */
#include "tcp/cc.h"
#include "tcp/tcb.h"

#define MS 1000000ull

/* always_inline: input.c's two copies of the ACK advance (predicted_ack's and
 * tcp_ack_advance) each take it in place under LTO, as the one copy did before */
__attribute__((always_inline)) inline uint32_t tcp_rtt_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t ack,
			const struct wire_tcp *seg)
{
	uint64_t us = 0;

	if (tcb->rtt.timing && seq_geq(ack, tcb->rtt.timed_seq)) {
		tcb->rtt.timing = false;
		us = (ts->now_ns - tcb->rtt.timed_at_ns) / 1000;
		if (!us)
			us = 1;
	} else if (tcb->ts_ok && seg && (seg->opt.present & WIRE_HAS_TS) && seg->opt.ts_ecr &&
		   !(ack == tcb->iss + 1 && tcb->rtt.has_sample)) {
		/* (an ACK of our SYN only, already measured: the SYN-ACK timed by synq.c) */
		/* RFC 7323 §4.1: RTT = our clock now - TSecr (same ms clock as TSval) */
		uint32_t now_ts = (uint32_t)(ts->now_ns / MS) + tcb->ts_offset;
		uint32_t d = now_ts - seg->opt.ts_ecr;

		if ((int32_t)d < 0)
			return 0;       /* an echo from the future: not ours, no sample */
		us = (uint64_t)(d ? d : 1) * 1000u;
	}
	if (!us)
		return 0;
	if (us > 0xffffffffu)
		us = 0xffffffffu;
	tcp_rtt_sample(&tcb->rtt, (uint32_t)us, ts->cfg.rto_min_ms * 1000u,
		       ts->cfg.rto_max_ms * 1000u);
	return (uint32_t)us;
}
