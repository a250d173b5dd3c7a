/*
 * ecn.c — Explicit Congestion Notification for TCP (RFC 3168 §6.1, RFC 9293 §3.8.2
 * SHLD-8): negotiation, the receiver's ECE echo, the sender's one congestion response
 * per window and its CWR, ECT(0) on new data. Linux's behaviour where RFC 3168 leaves a
 * choice (tcp_ecn.h / tcp_input.c's tcp_ecn_* helpers), so captures compare with it:
 *   - only data segments that carry new data are ECT(0): never pure ACKs,
 *     retransmissions, SYN/SYN-ACK, RST, window or keep-alive probes (§6.1.4, §6.1.5,
 *     §6.1.1);
 *   - CE counts on data segments only (a CE-marked pure ACK is ignored, §6.1.4: they
 *     are sent not-ECT anyway);
 *   - the response to ECE is the congestion control's reduction (ssthresh from the
 *     algorithm, cwnd = ssthresh), as for a loss but with nothing retransmitted
 *     (§6.1.2), at most once per window and not during loss recovery (which reduced
 *     already). Linux reaches the same cwnd gradually (PRR in its CWR state); we set it
 *     at once, as RFC 3168 §6.1.2 describes ("halve the congestion window").
 * Invariants: see ecn.h. Everything here is a no-op on a connection without TCP_ECN_OK.
 */
#include "tcp/ecn.h"
#include "tcp/cc.h"
#include "tcp/recovery.h"
#include "tcp/tcb.h"

bool tcp_ecn_syn_ok(const struct tcp_stack *ts, const struct wire_tcp *syn)
{
	const uint8_t both = WIRE_TCP_ECE | WIRE_TCP_CWR;

	return ts->cfg.tcp_ecn && (syn->flags & both) == both &&
	       (ts->rx_ecn & TCP_ECN_MASK) == TCP_ECN_NOT_ECT;
}

uint8_t tcp_ecn_syn_flags(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->state == TCP_SYN_SENT) {
		if (tcb->retransmits || tcb->total_retrans)
			return 0;       /* RFC 3168 §6.1.1.1: a middlebox may drop it */
		if (ts->cfg.tcp_ecn != 1)
			return 0;
		tcb->ecn_flags |= TCP_ECN_OK;
		return WIRE_TCP_ECE | WIRE_TCP_CWR;
	}
	return (tcb->ecn_flags & TCP_ECN_OK) ? WIRE_TCP_ECE : 0;
}

void tcp_ecn_on_synack(struct tcb *tcb, uint8_t flags)
{
	uint8_t both = WIRE_TCP_ECE | WIRE_TCP_CWR;
	uint8_t want = (flags & WIRE_TCP_ACK) ? WIRE_TCP_ECE : both;

	if ((flags & both) != want)
		tcb->ecn_flags = 0;
}

void tcp_ecn_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint8_t flags)
{
	if (!(tcb->ecn_flags & TCP_ECN_OK))
		return;
	if ((tcb->ecn_flags & TCP_ECN_IN_CWR) && !seq_lt(tcb->snd_una, tcb->ecn_cwr_seq))
		tcb->ecn_flags &= (uint8_t)~TCP_ECN_IN_CWR;     /* the window has passed */
	if (!(flags & WIRE_TCP_ECE))
		return;
	tcp_count(ts, SYNACK_CTR_TCP_ECE_IN);
	if ((tcb->ecn_flags & TCP_ECN_IN_CWR) || tcp_rec_in_recovery(tcb) || !tcb->cc.cwnd)
		return;
	tcp_cc_on_ece(ts, tcb);
	tcb->ecn_flags |= TCP_ECN_IN_CWR | TCP_ECN_QUEUE_CWR;
	tcb->ecn_cwr_seq = tcb->snd_max;
	tcp_count(ts, SYNACK_CTR_TCP_ECN_REDUCTIONS);
}

bool tcp_ecn_on_data(struct tcp_stack *ts, struct tcb *tcb, uint8_t flags)
{
	bool now = false;

	(void)ts;
	if (!(tcb->ecn_flags & TCP_ECN_OK))
		return false;
	if (ts->rx_ecn & TCP_ECN_MASK)
		tcb->ecn_flags |= TCP_ECN_SEEN;
	/* §6.1.3 / Linux tcp_ecn_accept_cwr: CWR first, so CE on the same segment echoes */
	if (flags & WIRE_TCP_CWR) {
		tcb->ecn_flags &= (uint8_t)~TCP_ECN_DEMAND_CWR;
		now = true;
	}
	if ((ts->rx_ecn & TCP_ECN_MASK) == TCP_ECN_CE) {
		if (!(tcb->ecn_flags & TCP_ECN_DEMAND_CWR))
			now = true;     /* Linux: quick ACK on the first CE */
		tcb->ecn_flags |= TCP_ECN_DEMAND_CWR;
	}
	return now;
}

uint8_t tcp_ecn_out(struct tcp_stack *ts, struct tcb *tcb, uint8_t *flags, bool new_data,
		    uint8_t tos)
{
	uint8_t f = tcb->ecn_flags;

	if (!(f & TCP_ECN_OK))
		return tos;
	tos &= (uint8_t)~TCP_ECN_MASK;
	if (new_data) {
		tos |= TCP_ECN_ECT_0;
		if (f & TCP_ECN_QUEUE_CWR) {
			*flags |= WIRE_TCP_CWR;
			tcb->ecn_flags &= (uint8_t)~TCP_ECN_QUEUE_CWR;
			tcp_count(ts, SYNACK_CTR_TCP_CWR_OUT);
		}
	}
	if (f & TCP_ECN_DEMAND_CWR)
		*flags |= WIRE_TCP_ECE;
	return tos;
}

uint8_t tcp_ecn_info(const struct tcb *tcb)
{
	return (uint8_t)(((tcb->ecn_flags & TCP_ECN_OK) ? SYNACK_TI_OPT_ECN : 0) |
			 ((tcb->ecn_flags & TCP_ECN_SEEN) ? SYNACK_TI_OPT_ECN_SEEN : 0));
}

void tcp_ecn_queue_cwr(struct tcb *tcb)
{
	if (tcb->ecn_flags & TCP_ECN_OK)
		tcb->ecn_flags |= TCP_ECN_QUEUE_CWR;
}
