/*
 * ecn.h — Explicit Congestion Notification for TCP (RFC 3168 §6.1; RFC 9293 §3.8.2
 * SHLD-8), as Linux does it with net.ipv4.tcp_ecn (cfg.tcp_ecn: 0 off, 1 request and
 * accept, 2 accept only — Linux's default).
 *
 * Per connection the state is tcb->ecn_flags (TCP_ECN_*) and tcb->ecn_cwr_seq:
 *   OK          ECN negotiated (SYN-SENT: requested, until the SYN-ACK says otherwise)
 *   DEMAND_CWR  receiver: a CE-marked data segment arrived; ECE on every segment we
 *               send until a segment with CWR arrives (§6.1.3)
 *   QUEUE_CWR   sender: cwnd was reduced; CWR on the next new data segment (§6.1.2)
 *   IN_CWR      sender: an ECE was answered; further ECEs are ignored until SND.UNA
 *               reaches ecn_cwr_seq (one response per window of data, §6.1.2)
 *   SEEN        receiver: a data segment came ECT(0), ECT(1) or CE (shown only)
 * The IP ECN field (RFC 3168 §5) of the datagram being processed is ts->rx_ecn (set by
 * the api layer around tcp_input, like rx_route).
 *
 * Who calls what: output.c (tcp_ecn_syn_flags, tcp_ecn_out), input.c (tcp_ecn_on_synack
 * in SYN-SENT, tcp_ecn_on_ack in the fifth check, tcp_ecn_on_data in the seventh),
 * synq.c (tcp_ecn_syn_ok for a SYN to a listener), cc.c (tcp_ecn_queue_cwr on a loss
 * reduction).
 */
#ifndef SYNACK_TCP_ECN_H
#define SYNACK_TCP_ECN_H

#include <stdbool.h>
#include <stdint.h>

struct tcp_stack;
struct tcb;
struct wire_tcp;

/* tcb->ecn_flags bits */
#define TCP_ECN_OK          0x01
#define TCP_ECN_DEMAND_CWR  0x02
#define TCP_ECN_QUEUE_CWR   0x04
#define TCP_ECN_IN_CWR      0x08
#define TCP_ECN_SEEN        0x10    /* an ECT or CE data segment arrived (Linux's
                                     * TCP_ECN_SEEN; tcp_info / ss "ecnseen") */

/* The IP header's ECN field (RFC 3168 §5): the low two bits of the TOS byte. */
#define TCP_ECN_NOT_ECT 0x0
#define TCP_ECN_ECT_1   0x1
#define TCP_ECN_ECT_0   0x2
#define TCP_ECN_CE      0x3
#define TCP_ECN_MASK    0x3

/* A SYN to a listener asks for ECN and we accept (RFC 3168 §6.1.1): ECE and CWR both
 * set, the datagram not ECT (Linux tcp_ecn_create_request), cfg.tcp_ecn != 0. */
bool tcp_ecn_syn_ok(const struct tcp_stack *ts, const struct wire_tcp *syn);

/* The ECN flags of a SYN or SYN-ACK tcb sends (output.c). SYN-SENT: ECE|CWR on the
 * first SYN when cfg.tcp_ecn == 1 (sets TCP_ECN_OK); a retransmitted SYN goes without
 * them (Linux tcp_ecn_clear_syn, RFC 3168 §6.1.1.1). SYN-RECEIVED (simultaneous open):
 * ECE when negotiated. */
uint8_t tcp_ecn_syn_flags(struct tcp_stack *ts, struct tcb *tcb);

/* SYN-SENT receives a SYN-ACK (or a SYN: simultaneous open) with flags: ECN stays on
 * only for an ECN-setup SYN-ACK, ECE without CWR (§6.1.1), or a SYN with both. */
void tcp_ecn_on_synack(struct tcb *tcb, uint8_t flags);

/* Sender side, an acceptable ACK with flags arrived on an ECN connection (after
 * SND.UNA moved): ECE starts one congestion response per window (tcp_cc_on_ece) and
 * queues CWR; the response window ends when SND.UNA reaches the SND.NXT of then. */
void tcp_ecn_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint8_t flags);

/* Receiver side, a data segment (len > 0) with flags in the IP ECN field ts->rx_ecn:
 * CWR ends the ECE echo, CE (re)starts it (§6.1.3). Returns true when the segment
 * should be acknowledged at once (Linux: CWR on data, or the first CE). */
bool tcp_ecn_on_data(struct tcp_stack *ts, struct tcb *tcb, uint8_t flags);

/* The ECN part of a segment tcb sends after the handshake: ECE while echoing; for new
 * data (new_data: payload starting at or beyond SND.MAX, not a probe) CWR when queued
 * and ECT(0) in the IP header. Updates *flags and returns the TOS byte to use (tos
 * with its ECN field replaced). */
uint8_t tcp_ecn_out(struct tcp_stack *ts, struct tcb *tcb, uint8_t *flags, bool new_data,
		    uint8_t tos);

/* The SYNACK_TI_OPT_ECN / SYNACK_TI_OPT_ECN_SEEN bits of tcb (Linux tcp_get_info's
 * TCPI_OPT_ECN / TCPI_OPT_ECN_SEEN), for tcp_info and the ss listing. */
uint8_t tcp_ecn_info(const struct tcb *tcb);

/* A loss reduction (fast recovery, RTO) on an ECN connection: CWR on the next new data
 * segment (RFC 3168 §6.1.2; Linux tcp_init_cwnd_reduction / tcp_enter_loss). */
void tcp_ecn_queue_cwr(struct tcb *tcb);

#endif
