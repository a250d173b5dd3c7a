/*
 * route.h — the IP options of connections: source routing as RFC 9293 §3.9.2.1 (RFC 1122
 * §4.2.3.8) asks. An application gives a route for an active open (IP_OPTIONS:
 * MUST-51) and it takes precedence over routes received (MUST-52); a passive connection
 * saves the return route of a completed source route that came with the SYN and uses
 * it on all its segments (MUST-53), a later segment's different route replacing it
 * (SHLD-24). Received routes reach TCP only when the stack accepts them
 * (accept_source_route, ip.c).
 *
 * Storage: a tcb or half-open entry points to a struct ip_opts allocated when it first
 * needs one (NULL: plain 20-byte headers), freed with it; SYN-cookie SYN-ACKs use one
 * slot per cookie queue entry and control segments one per ctl queue entry
 * (ts->cookie_route, ts->ctl_route), so neither queue's entries grow.
 */
#ifndef SYNACK_TCP_ROUTE_H
#define SYNACK_TCP_ROUTE_H

#include "tcp/tcb.h"

void tcp_route_release(struct tcp_stack *ts, struct ip_opts **p);
/* Frees *p (may be NULL) and sets it to NULL. */
static inline void tcp_route_free(struct tcp_stack *ts, struct ip_opts **p)
{
	if (*p)         /* the common case: no route, no call */
		tcp_route_release(ts, p);
}
/* *p becomes a copy of src (allocated when *p is NULL). false (nothing changed) on
 * ENOMEM, counted. */
bool tcp_route_set(struct tcp_stack *ts, struct ip_opts **p, const struct ip_opts *src);
/* SHLD-24 / MUST-53: tcb (not a listener) takes the return route of the segment being
 * processed (ts->rx_route), unless its route came from the application (MUST-52). */
void tcp_route_learn(struct tcp_stack *ts, struct tcb *tcb);
/* Control segments queued while a segment for a connection (a tcb or a half-open entry)
 * whose route is conn (not NULL) is processed answer by conn when it came from the
 * application (MUST-52) or the segment brought none (MUST-53: all segments of the
 * connection); else by the segment's return route (as Linux's ip_send_unicast_reply
 * echoes the options). */
void tcp_route_for_replies(struct tcp_stack *ts, const struct ip_opts *conn);
/* The control segment c (in ts->ctlq) carries a copy of o. */
void tcp_route_ctl(struct tcp_stack *ts, struct tcp_ctl *c, const struct ip_opts *o);
/* The IP options of the control segment c (in ts->ctlq), or NULL (20-byte header). */
static inline const struct ip_opts *tcp_ctl_route(const struct tcp_stack *ts,
						  const struct tcp_ctl *c)
{
	return c->has_route ? &ts->ctl_route[c - ts->ctlq] : NULL;
}
/* setsockopt(IP_OPTIONS): 0, -EINVAL (malformed, ip_opts_from_user) or -ENOMEM. len 0
 * removes the route. Later segments carry the new options. */
int tcp_route_setsockopt(struct tcp_stack *ts, struct tcb *tcb, const void *val, size_t len);
/* getsockopt(IP_OPTIONS): the options' bytes as the application gives them, at most
 * cap; returns their length (0 when none). */
size_t tcp_route_getsockopt(const struct tcb *tcb, void *val, size_t cap);

#endif
