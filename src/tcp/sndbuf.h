/*
 * sndbuf.h — send-buffer autotuning, as Linux's tcp_sndbuf_expand / tcp_new_space.
 *
 * A connection's send buffer (tcb->opt.sndbuf) starts at cfg.wmem_default (Linux
 * tcp_wmem[1], 16 KiB). Unless the user set SO_SNDBUF (tcb->opt.sndbuf_locked, Linux's
 * SOCK_SNDBUF_LOCK), it grows to hold two congestion windows of full segments (Linux:
 * "Cubic needs 1.7 factor, rounded to 2"), at ESTABLISHED and whenever an ACK frees
 * space while the sender is not cwnd-limited, never above cfg.wmem_max (Linux
 * tcp_wmem[2], 4 MiB; synack has one knob for that cap and for SO_SNDBUF's clamp). It
 * never shrinks. The ring behind it grows on the next send() (user.c).
 *
 * Units: bytes of payload. Linux counts skb truesize (a full segment costs ~4.3 KiB
 * there, so 2 x cwnd x truesize holds 2 x cwnd segments' payload); synack's ring holds
 * payload only, so the per-segment cost here is the send MSS.
 */
#ifndef SYNACK_TCP_SNDBUF_H
#define SYNACK_TCP_SNDBUF_H

#include <stdint.h>

struct tcp_stack;
struct tcb;

/* The send buffer Linux's tcp_sndbuf_expand would choose for tcb now: 2 * max(IW10,
 * cwnd in segments) * SMSS, capped at cfg.wmem_max. Pure. */
uint32_t tcp_sndbuf_target(const struct tcp_stack *ts, const struct tcb *tcb);

/* Grows tcb->opt.sndbuf to tcp_sndbuf_target unless SO_SNDBUF locked it (Linux
 * tcp_sndbuf_expand; called at ESTABLISHED, like tcp_init_buffer_space). */
void tcp_sndbuf_expand(struct tcp_stack *ts, struct tcb *tcb);

/* An ACK freed send-buffer space: expand when the sender is not cwnd-limited (pipe <
 * cwnd), Linux's tcp_new_space / tcp_should_expand_sndbuf. */
void tcp_sndbuf_on_ack(struct tcp_stack *ts, struct tcb *tcb);

#endif
