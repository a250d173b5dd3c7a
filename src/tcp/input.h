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
	V_CONTINUE_AT_NXT,      /* CONTINUE for a segment that skipped the first four
				 * checks: at RCV.NXT, TSval not older than TS.Recent */
};

/* One segment being processed: the parsed segment (borrowed) and its trimmed view.
 * seg_ctx_init sets every field above reason but tcb and hash (tcp_input_inline and
 * tcp_input_cached set those on the way they take) and clears reason and every field
 * below it as one block (then sets flags): a new field that starts at zero goes below
 * reason, any other is set there. */
struct seg_ctx {
	struct tcp_stack *ts;
	struct tcb *tcb;                /* NULL once the connection is gone */
	const struct wire_tcp *seg;
	uint32_t laddr, raddr;
	uint32_t hash;                  /* tcp_tuple_hash of the segment's 4-tuple */
	uint32_t seq;                   /* after trimming */
	uint32_t len;                   /* payload bytes after trimming */
	int fd;                         /* the connection's descriptor on arrival, or -1 */
	const uint8_t *data;
	const char *reason;             /* static string for the decision note */
	uint32_t rtt_us;                /* RTT sample this ACK gave (tcp_ack_advance), 0: none */
	uint32_t reopen_iss;            /* the connection went away into LISTEN (MUST-11) */
	uint8_t flags;                  /* SYN/FIN cleared when trimmed away */
	uint8_t st_before;
	bool back_to_listen;
	bool syn_trimmed;               /* an old SYN was trimmed off (still "the SYN bit is
	                                 * set" for the fourth check, RFC 5961 §4.2) */
	bool has_reopen_iss;            /* a TIME-WAIT 4-tuple is reopened: use reopen_iss */
	bool disordered;                /* an old-TSval duplicate ACK PAWS let through (input.c
	                                 * is_disordered_ack): its window is not taken */
	bool list_out;                  /* output may be due (data acknowledged, a wider
	                                 * window, ESTABLISHED): tcp_list_if_due at the end */
	bool no_record;                 /* fin_to_record found no memory for a TIME-WAIT
	                                 * record (counted): finish keeps the tcb */
};

/* §3.10.7.1 reply to a segment that has no connection (never to a RST). */
void tcp_reply_rst(struct seg_ctx *c);
/* Acknowledges everything below ack on c->tcb (send buffer, RTT sample, timers). */
void tcp_ack_advance(struct seg_ctx *c, uint32_t ack);
/* Takes MSS, window scale and timestamps from the peer's SYN (RFC 9293 §3.7.1, 7323). */
void tcp_take_syn_options(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *s);
/* synq.c: a new half-open entry for the SYN in c (c->tcb the listener), its SYN-ACK
 * queued and timer armed; NULL on ENOMEM (counted). */
struct tcp_reqsk *tcp_synq_add(struct seg_ctx *c);
/* synq.c: a segment for entry r. true: the handshake completed, c->tcb is the new
 * SYN-RECEIVED tcb (r freed) and the caller runs the pipeline on it. */
bool tcp_synq_input(struct seg_ctx *c, struct tcp_reqsk *r);
/* synq.c: makes the tcb described by r (SYN-RECEIVED, counted on its listener's SYN
 * queue) and sets c->tcb to it. r is not freed. false on ENOMEM. */
bool tcp_synq_promote(struct seg_ctx *c, const struct tcp_reqsk *r);
/* synq.c: queues a SYN-ACK whose ISN is a SYN cookie for the SYN in c (no state kept);
 * false when the cookie queue is full (counted). */
bool tcp_synq_send_cookie(struct seg_ctx *c);
/* synq.c: checks the cookie in the ACK in c (c->tcb the listener). > 0 (the MSS): valid,
 * c->tcb is the new SYN-RECEIVED tcb; 0: valid but no memory; < 0: a tcp_cookie_err. */
int tcp_synq_check_cookie(struct seg_ctx *c);
/* input.c: §3.10.7.4 for c->tcb (a synchronized or SYN-RECEIVED connection). */
void tcp_conn_input(struct seg_ctx *c);
/* Bookkeeping on reaching ESTABLISHED: events, accept queue, keepalive, queued FIN,
 * RFC 6298 (5.7) RTO fallback to 3 s when the handshake gave no RTT sample. The caller
 * lists the tcb (input.c: tcp_list_if_due at the segment's end). */
void tcp_on_established(struct tcp_stack *ts, struct tcb *tcb);
/* The same for a tcb promote has just made, completed by a bare ACK (listen.c). */
void tcp_on_established_promoted(struct tcp_stack *ts, struct tcb *tcb);
/* Chooses ISS, our MSS, window scale and timestamp offset for a new connection. */
void tcp_init_send_side(struct tcp_stack *ts, struct tcb *tcb);
/* §3.10.7.2 LISTEN, c->tcb being the listener. */
void tcp_listen_input(struct seg_ctx *c);
/* tw.c: Linux's tcp_oow_rate_limited for connections without a tcb (TIME-WAIT records,
 * half-open entries): an ACK answering the unacceptable segment in c goes out at most
 * once per invalid_ratelimit_ms per 4-tuple hash slot (64 slots: collisions only
 * throttle more); data without SYN is exempt. true: suppress (counted). */
bool tcp_oow_tuple_limited(struct seg_ctx *c);
/* tw.c: a segment for the TIME-WAIT record e (RFC 9293 §3.10.7.4, RFC 6191, RFC 1337),
 * or, when c->tcb is set, for that full TIME-WAIT tcb (e a copy of its fields, from
 * tcp_tw_fill_proto). Returns true when a SYN reopened the 4-tuple (record removed or
 * tcb closed, c->tcb NULL, c->reopen_iss set): the caller hands the SYN to the
 * listener; false when the segment was handled. */
bool tcp_tw_input(struct seg_ctx *c, struct tw_entry *e);

/* input.c: tcp_input for a segment tcp_input_inline does not take to a connection
 * itself: c as tcp_input_inline set it (c->tcb, c->hash and c->st_before not yet). */
void tcp_input_demux(struct seg_ctx *c);

/* The segment's context for tcp_input_inline and tcp_input_cached: the fields above
 * reason but tcb and hash, which both ways on set first, and the block from reason on
 * cleared whole (st_before set there too): not an initializer, whose zeroing of the
 * whole context costs five 16-byte stores. */
static inline __attribute__((always_inline)) void
seg_ctx_init(struct seg_ctx *c, struct tcp_stack *ts, uint32_t laddr, uint32_t raddr,
	     const struct wire_tcp *seg)
{
	c->ts = ts;
	c->seg = seg;
	c->laddr = laddr;
	c->raddr = raddr;
	c->seq = seg->seq;
	c->len = (uint32_t)seg->payload_len;
	c->fd = -1;
	c->data = seg->payload;
	memset(&c->reason, 0, sizeof *c - offsetof(struct seg_ctx, reason));
	c->flags = seg->flags;
}

/* tcp_input_inline's and tcp_input_cached's way on, c set by seg_ctx_init. hit: the
 * segment's 4-tuple is that of t, the one-entry cache's tcb, which is never in
 * TIME-WAIT and has no IP options (tcb.h tcp_uncache): tcp_conn_input at once. */
static inline __attribute__((always_inline)) void
tcp_input_dispatch(struct seg_ctx *c, struct tcb *t, bool hit)
{
	if (hit) {
		c->tcb = t;
		c->hash = t->hnode.hash;
		c->st_before = t->state;
		tcp_conn_input(c);
		return;
	}
	tcp_input_demux(c);
}

/*
 * tcp_input (tcb.h) in the caller's frame: the segment's context set once, from the
 * values the read has just written, and a segment for the connection of the one-entry
 * cache (tcp_lookup_input: every segment of a connection after the first one it
 * receives, in the benchmarks 9 of 11 per lifecycle) handed to tcp_conn_input with no
 * call in between. A tcb with IP options (MUST-52, MUST-53: the reply route) or in
 * TIME-WAIT (tw.c), which the cache never holds, a cache miss and every segment without
 * a connection take tcp_input_demux, which runs the whole demux as before. GRO's flush (offload.c) calls
 * it; tcp_input is this, out of line, for the general read and GRO's unmerged segments.
 */
static inline __attribute__((always_inline)) void
tcp_input_inline(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr,
		 const struct wire_tcp *seg)
{
	struct seg_ctx c;
	struct tcb *t = ts->last_conn;

	seg_ctx_init(&c, ts, laddr, raddr, seg);
	tcp_input_dispatch(&c, t, tcp_is_cached_conn(t, laddr, seg->dport, raddr, seg->sport));
}

/* tcp_input_inline for synack_input's one-pass read, which has tested the one-entry
 * cache before the address checks (stack.c): t the cache's tcb when the segment's
 * 4-tuple is its (tcp_is_cached_conn), else NULL. */
static inline __attribute__((always_inline)) void
tcp_input_cached(struct tcp_stack *ts, struct tcb *t, uint32_t laddr, uint32_t raddr,
		 const struct wire_tcp *seg)
{
	struct seg_ctx c;

	seg_ctx_init(&c, ts, laddr, raddr, seg);
	tcp_input_dispatch(&c, t, t != NULL);
}

#endif
