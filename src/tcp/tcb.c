/*
 * tcb.c — control-block lifetime, demultiplexing (RFC 9293 §3.10.7: "find the
 * connection by its 4-tuple"), listener lookup (exact address before wildcard, S23),
 * the bind rules of S10 and ephemeral port choice (RFC 6056 §3.3.4 Algorithm 4, ephemeral.h).
 *
 * Connections hash on the 4-tuple with SipHash under the stack's secret (no hash
 * flooding); listeners hash on the local port and a bucket walk prefers the exact
 * address. bind() checks walk the bound tcbs of the port's bucket (ts->bound, doubly
 * linked so that a close unlinks its tcb without walking the port's other owners).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "tcp/isn.h"
#include "tcp/route.h"
#include "tcp/tcb.h"

void tcp_tuple_isn(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		   uint16_t rport, uint32_t *isn, uint32_t *ts_offset)
{
	/* ts->tw is keyed with ts->isn_key (tw.c tcp_tw_init) */
	tcp_isn_from_half(tw_isn_half(&ts->tw, laddr, lport, raddr, rport), ts->now_ns, isn,
			  ts_offset);
}

/*
 * tcbs come from and go back to the stack's cache directly (base_bufcache_obj_alloc and
 * _free: what ts->alloc does for this size, without its indirect call and size lookup):
 * the first size tcp_stack_init registers, in slot TCP_TCB_OBJ_SLOT, the half-open
 * entry's the second (synq.c). Neither can be refused: not a power of two, larger than
 * a pointer, two different sizes, the first two.
 */
#define IS_OBJ_SIZE(n) (((n) & ((n) - 1)) != 0 && (n) > sizeof(void *))
_Static_assert(IS_OBJ_SIZE(sizeof(struct tcb)) && IS_OBJ_SIZE(sizeof(struct tcp_reqsk)) &&
		       sizeof(struct tcb) != sizeof(struct tcp_reqsk),
	       "struct tcb and struct tcp_reqsk are registered exact sizes (bufcache.h)");

struct tcb *tcp_tcb_new(struct tcp_stack *ts, const struct tcp_sockopts *opt)
{
	struct tcb *tcb = base_bufcache_obj_alloc(&ts->bufcache, TCP_TCB_OBJ_SLOT);

	if (!tcb) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		return NULL;
	}
	/* zero as a whole, through the library's memset (alloc.h base_zero): faster than
	 * the inline `rep stosq` over the 1 080 bytes that held the count-bounded arrays
	 * out (session 13), and nothing to reason about */
	base_zero(tcb, sizeof *tcb);
	/* then only what is not zero: the state CLOSED, an idle wheel node (timer_node_init
	 * but its link) and the RFC 6298 estimator but its RTO are zeros, which
	 * the compiler cannot know after the out-of-line zeroing and would store again */
	_Static_assert(TCP_CLOSED == 0 && TIMER_IDLE == 0, "a zeroed tcb is CLOSED, its node idle");
	/* the summary (rare.h): no rare condition, the stack's switches */
	tcb->rec.rare = ((uint32_t)ts->rare_switches << TCP_RARE_S_SHIFT) & TCP_RARE_S_BITS;
	tcb->fd = -1;
	list_init(&tcb->tnode.link);
	list_init(&tcb->synq);
	list_init(&tcb->acceptq);
	list_init(&tcb->qlink);
	list_init(&tcb->out_link);     /* ev_link: listed by tcp_wake, valid with ev_pending */
	tcb->opt = *opt;                /* as one block (tcp_stack_set_cfg's defaults) */
	tcb->rtt.rto_us = ts->cfg.rto_initial_ms * 1000u;     /* RFC 6298 (2.1) */
	list_push_back(&ts->all_list, &tcb->all_link);
	return tcb;
}

/* A listener's unaccepted children go with it (close of a listener: §3.10.4). Out of
 * line: a connection's free then keeps no registers for the walks. */
__attribute__((noinline)) static void free_children(struct tcp_stack *ts, struct tcb *tcb)
{
	struct list_node *pos, *tmp;

	list_for_each_safe(pos, tmp, &tcb->synq)
		tcp_synq_free(ts, container_of(pos, struct tcp_reqsk, qlink));
	list_for_each_safe(pos, tmp, &tcb->acceptq)
		tcp_tcb_free(ts, container_of(pos, struct tcb, qlink));
}

void tcp_tcb_free(struct tcp_stack *ts, struct tcb *tcb)
{
	if (!list_empty(&tcb->synq) || !list_empty(&tcb->acceptq))
		free_children(ts, tcb);
	if (tcb->queued != TCP_Q_NONE)
		tcp_unqueue(tcb);       /* its qlink is on a list only while queued */
	tcp_uncache(ts, tcb);
	if (ts->burst.tcb == tcb)
		ts->burst.tcb = NULL;
	if (tcb->in_hash)
		hash_remove(&ts->conns, &tcb->hnode);
	if (tcb->in_listen_hash)
		hash_remove(&ts->listeners, &tcb->hnode);
	dhash_remove(&ts->bound, &tcb->bnode); /* O(1): no walk of the port's other owners */
	timer_cancel(&ts->wheel, &tcb->tnode);
	list_unlink(&tcb->out_link);    /* self-linked or on a list; freed below */
	if (tcb->ev_pending)
		list_unlink(&tcb->ev_link);
	list_unlink(&tcb->all_link);
	if (tcp_tcb_has_storage(tcb))
		tcp_tcb_free_storage(ts, tcb);
	base_bufcache_obj_free(&ts->bufcache, TCP_TCB_OBJ_SLOT, tcb);
}

/* The storage the tcb points at; the fields that record it go with the tcb, so nothing
 * is reset where there is none (a short connection has given back its rings already:
 * TIME-WAIT, the last read; its maps were never allocated). Out of line: a free then
 * keeps no registers for it. */
__attribute__((noinline)) void tcp_tcb_free_storage(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->sndbuf.buf)
		ring_destroy(&tcb->sndbuf, &ts->alloc);
	if (tcb->rcvbuf.buf)
		ring_destroy(&tcb->rcvbuf, &ts->alloc);
	tcp_route_free(ts, &tcb->ipopts);
	if (tcb->rec.rack.seg)
		tcp_rack_free(ts, tcb);         /* RACK's transmit map (rack.h) */
	if (tcb->rcv_ooo.ext)
		tcp_reass_free(&tcb->rcv_ooo, &ts->alloc);      /* out-of-order blocks (reass.h) */
	if (tcb->rec.sb.r)
		base_free(&ts->alloc, tcb->rec.sb.r, TCP_SB_BYTES);     /* SACK scoreboard */
}

void tcp_unqueue(struct tcb *tcb)
{
	if (tcb->queued == TCP_Q_SYN)
		tcb->parent->synq_len--;
	else if (tcb->queued == TCP_Q_ACCEPT)
		tcb->parent->acceptq_len--;
	tcb->queued = TCP_Q_NONE;
	list_remove(&tcb->qlink);
}

struct tcb *tcp_lookup(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport)
{
	return tcp_lookup_hashed(ts, tcp_tuple_hash(ts, laddr, lport, raddr, rport), laddr,
				 lport, raddr, rport);
}

void tcp_listen_insert(struct tcp_stack *ts, struct tcb *tcb)
{
	hash_insert(&ts->listeners, &tcb->hnode, tcp_lport_hash(tcb->lport));
	tcb->in_listen_hash = true;
}

void tcp_listen_remove(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->in_listen_hash)
		hash_remove(&ts->listeners, &tcb->hnode);
	tcb->in_listen_hash = false;
}

static bool addrs_overlap(uint32_t a, uint32_t b)
{
	return a == b || a == SYNACK_ADDR_ANY || b == SYNACK_ADDR_ANY;
}

/* ts->bound's hash of a linked tcb, for its growth (lport does not change while bound) */
uint32_t tcp_bound_hash_of(const struct dhash_node *n)
{
	const struct tcb *tcb = (const void *)((const char *)n - offsetof(struct tcb, bnode));

	return tcp_lport_hash(tcb->lport);
}

/*
 * Linux's rules (inet_csk_bind_conflict), which S10 describes: a port is shared only
 * when both sockets set SO_REUSEADDR and neither listens; a TIME-WAIT connection on the
 * port blocks bind unless the new socket sets SO_REUSEADDR. TIME-WAIT records are
 * consulted through the table's per-port counts (O(1)); control blocks through the
 * bound-port index: O(sockets on that port), not O(all connections) (FINDINGS F4).
 */
int tcp_check_bind(struct tcp_stack *ts, const struct tcb *tcb, uint32_t addr, uint16_t port)
{
	uint32_t h = tcp_lport_hash(port);

	if (!tcb->opt.reuseaddr && tw_port_in_use(&ts->tw, addr, port))
		return -EADDRINUSE;
	for (struct dhash_node *n = dhash_bucket_first(&ts->bound, h); n; n = n->next) {
		const struct tcb *o = container_of(n, struct tcb, bnode);

		if (o == tcb || !o->bound || o->lport != port || !addrs_overlap(o->laddr, addr))
			continue;
		if (o->state == TCP_TIME_WAIT || (o->fd < 0 && o->user_closed)) {
			if (!tcb->opt.reuseaddr)
				return -EADDRINUSE;
			continue;
		}
		/* both SO_REUSEADDR and the other not listening: shared, also when tcb is
		 * the one starting to listen (Linux inet_csk_get_port with relax: the first
		 * listen() succeeds, the second finds a listener and fails) */
		if (tcb->opt.reuseaddr && o->opt.reuseaddr && o->state != TCP_LISTEN)
			continue;
		return -EADDRINUSE;
	}
	return 0;
}

uint16_t tcp_pick_port(struct tcp_stack *ts, const struct tcb *tcb, uint32_t laddr,
		       uint32_t raddr, uint16_t rport, uint32_t *hash)
{
	struct tcp_port_walk w;
	struct tw_entry *e;
	uint32_t h;

	if (raddr) {
		uint16_t p = tcp_pick_port_tw(ts, laddr, raddr, rport, &h, &e);

		if (p && hash)
			*hash = h;
		return p;
	}
	/* bind() to port 0, listen() unbound: RFC 6056 §3.3.4 Algorithm 4 as Linux
	 * __inet_hash_connect (ephemeral.h), each candidate checked by the bind rules */
	tcp_port_walk_init(&w, &ts->ports, tcp_port_hash_memo(&ts->ports, ts->isn_key, laddr, 0, 0),
			   ts->cfg.ip_local_port_range_lo, ts->cfg.ip_local_port_range_hi);
	for (uint32_t i = 0; i < w.num; i++) {
		uint16_t p = tcp_port_walk_next(&w);

		if (tcp_check_bind(ts, tcb, laddr, p) == 0)
			return p;
	}
	return 0;
}

void tcp_tcb_close_kept(struct tcp_stack *ts, struct tcb *tcb)
{
	tcp_set_state(tcb, TCP_CLOSED);
	for (int k = 0; k < TCP_T_COUNT; k++)
		tcb->deadline[k] = 0;
	timer_cancel(&ts->wheel, &tcb->tnode);
	tcp_uncache(ts, tcb);
	if (ts->burst.tcb == tcb)
		ts->burst.tcb = NULL;
	if (tcb->in_hash)
		hash_remove(&ts->conns, &tcb->hnode);
	tcb->in_hash = false;
	tcp_listen_remove(ts, tcb);
	list_remove(&tcb->out_link);
	if (tcb->fd < 0)
		tcp_tcb_free(ts, tcb);
}

uint32_t tcp_rcv_space(const struct tcp_stack *ts, const struct tcb *tcb)
{
	uint32_t used = ring_len(&tcb->rcvbuf);

	(void)ts;
	return tcb->opt.rcvbuf > used ? tcb->opt.rcvbuf - used : 0;
}
