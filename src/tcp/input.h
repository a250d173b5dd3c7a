/*
 * input.h — the segment-arrival pipeline's shared pieces (input.c, listen.c).
 */
#ifndef SYNACK_TCP_INPUT_H
#define SYNACK_TCP_INPUT_H

#include "tcp/tcb.h"

/* The verdict of one step of §3.10.7 (see input.c). */
enum verdict {
	V_CONTINUE = 0,
	V_DROP,
	V_DROP_ACK,
	V_DROP_RST,
	V_DONE,
	V_CONTINUE_AT_URG,      /* SYN-SENT → ESTABLISHED: "continue at the sixth step" */
};

/* One segment being processed: the parsed segment (borrowed) and its trimmed view. */
struct seg_ctx {
	struct tcp_stack *ts;
	struct tcb *tcb;                /* NULL once the connection is gone */
	const struct wire_tcp *seg;
	uint32_t laddr, raddr;
	uint32_t seq;                   /* after trimming */
	uint32_t len;                   /* payload bytes after trimming */
	const uint8_t *data;
	uint8_t flags;                  /* SYN/FIN cleared when trimmed away */
	uint8_t st_before;
	int fd;                         /* the connection's descriptor on arrival, or -1 */
	bool back_to_listen;            /* the connection went away into LISTEN (MUST-11) */
	const char *reason;             /* static string for the decision note */
};

/* §3.10.7.1 reply to a segment that has no connection (never to a RST). */
void tcp_reply_rst(struct seg_ctx *c);
/* Acknowledges everything below ack on c->tcb (send buffer, RTT sample, timers). */
void tcp_ack_advance(struct seg_ctx *c, uint32_t ack);
/* Takes MSS, window scale and timestamps from the peer's SYN (RFC 9293 §3.7.1, 7323). */
void tcp_take_syn_options(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *s);
/* Bookkeeping on reaching ESTABLISHED: events, accept queue, keepalive, queued FIN. */
void tcp_on_established(struct tcp_stack *ts, struct tcb *tcb);
/* Chooses ISS, our MSS, window scale and timestamp offset for a new connection. */
void tcp_init_send_side(struct tcp_stack *ts, struct tcb *tcb);
/* §3.10.7.2 LISTEN, c->tcb being the listener. */
void tcp_listen_input(struct seg_ctx *c);
/* RFC 6191 / RFC 9293 §3.6.1: a SYN to a TIME-WAIT connection that may reopen it.
 * Returns true (the TIME-WAIT tcb freed) when the SYN should go to the listener. */
bool tcp_time_wait_reopen(struct seg_ctx *c);

#endif
