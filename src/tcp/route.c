/*
 * route.c — per-connection IP options and source routes (RFC 9293 §3.9.2.1 MUST-51,
 * MUST-52, MUST-53, SHLD-24; RFC 1122 §4.2.3.8, §3.2.1.8 (c)). See route.h.
 *
 * Who decides what (the header emit is ip.c's ip_emit_opts, called by output.c):
 *   - the application's route (IP_OPTIONS) is stored in the tcb with from_user set and
 *     is never replaced by a received one (MUST-52);
 *   - otherwise the newest completed source route received on an accepted segment of
 *     the connection (its SYN first: half-open entries keep it, synq.c) is the route
 *     (MUST-53, SHLD-24); a segment without a route leaves the saved one in place;
 *   - control segments answer by tcp_route_for_replies's choice.
 */
#include <errno.h>
#include <string.h>

#include "tcp/route.h"

/* tcp_route_free's out-of-line part: *p is not NULL. */
void tcp_route_release(struct tcp_stack *ts, struct ip_opts **p)
{
	base_free(&ts->alloc, *p, sizeof **p);
	*p = NULL;
}

bool tcp_route_set(struct tcp_stack *ts, struct ip_opts **p, const struct ip_opts *src)
{
	if (!*p) {
		*p = base_alloc(&ts->alloc, sizeof **p);
		if (!*p) {
			tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
			return false;
		}
	}
	**p = *src;
	return true;
}

void tcp_route_learn(struct tcp_stack *ts, struct tcb *tcb)
{
	const struct ip_opts *rx = ts->rx_route;

	if (!rx || tcb->state == TCP_LISTEN || (tcb->ipopts && tcb->ipopts->from_user))
		return;
	if (tcb->ipopts && tcb->ipopts->len == rx->len &&
	    tcb->ipopts->first_hop == rx->first_hop &&
	    !memcmp(tcb->ipopts->opt, rx->opt, rx->len))
		return;                 /* the same route again */
	tcp_route_set(ts, &tcb->ipopts, rx);
	tcp_rare_sync_route(tcb);
	tcp_uncache(ts, tcb);           /* its segments take the demux now (tcb.h) */
}

void tcp_route_for_replies(struct tcp_stack *ts, const struct ip_opts *conn)
{
	if (conn->from_user || !ts->rx_route) {
		ts->reply_copy = *conn;
		ts->reply_route = &ts->reply_copy;
	}
}

void tcp_route_ctl(struct tcp_stack *ts, struct tcp_ctl *c, const struct ip_opts *o)
{
	ts->ctl_route[c - ts->ctlq] = *o;
	c->has_route = true;
}

int tcp_route_setsockopt(struct tcp_stack *ts, struct tcb *tcb, const void *val, size_t len)
{
	struct ip_opts o;

	if (len && !val)
		return -EINVAL;
	if (!ip_opts_from_user(&o, val, len))
		return -EINVAL;
	if (!o.len) {
		tcp_route_free(ts, &tcb->ipopts);
		tcp_rare_sync_route(tcb);
		return 0;
	}
	tcp_uncache(ts, tcb);           /* its segments take the demux now (tcb.h) */
	if (!tcp_route_set(ts, &tcb->ipopts, &o))
		return -ENOMEM;
	tcp_rare_sync_route(tcb);
	return 0;
}

size_t tcp_route_getsockopt(const struct tcb *tcb, void *val, size_t cap)
{
	uint8_t buf[IP_OPTS_MAX];
	size_t n;

	if (!tcb->ipopts)
		return 0;
	n = ip_opts_to_user(tcb->ipopts, buf);
	if (n > cap)
		n = cap;
	memcpy(val, buf, n);
	return n;
}
