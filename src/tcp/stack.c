/*
 * stack.c — the per-stack TCP state: initialisation, the decision-note ring, socket
 * events, the output list and the queues of stateless control packets.
 *
 * Bounded everything: notes drop the oldest (counted), control segments and raw packets
 * are refused when their fixed queues are full (counted), events coalesce per tcb.
 */
#include <errno.h>
#include <string.h>

#include "tcp/route.h"
#include "tcp/tcb.h"

void tcp_stack_set_cfg(struct tcp_stack *ts, const struct synack_config *cfg)
{
	struct tcp_sockopts *o = &ts->dflt.opt;

	ts->cfg = *cfg;
	/* a new socket's options: Linux's sysctl defaults (keepalive, retries, buffers) */
	memset(o, 0, sizeof *o);
	o->keepidle_ms = cfg->keepalive_time_ms;
	o->keepintvl_ms = cfg->keepalive_intvl_ms;
	o->keepcnt = cfg->keepalive_probes;
	o->retries1 = cfg->retries1;
	o->retries2 = cfg->retries2;
	o->syn_retries = cfg->syn_retries;
	o->rcvbuf = cfg->rmem_default;
	o->sndbuf = cfg->wmem_default;
	o->error_reports = true;
	ts->dflt.cc_ops = tcp_cc_find(cfg->congestion_control, sizeof cfg->congestion_control);
	ts->dflt.rcv_wscale = tcp_rcv_wscale_of(cfg, o);
}

void tcp_tmpl_tos_ttl_all(struct tcp_stack *ts)
{
	for (struct list_node *n = ts->all_list.next; n != &ts->all_list; n = n->next)
		tcp_tmpl_tos_ttl(ts, container_of(n, struct tcb, all_link));
}

int tcp_stack_init(struct tcp_stack *ts, const struct synack_config *cfg,
		   const struct base_allocator *a, const uint8_t secret[SYNACK_SECRET_LEN])
{
	/* ring storage is allocated when a connection first sends or receives and handed
	 * back when empty: keep a few freed blocks for the next one (base/bufcache.h) */
	base_bufcache_init(&ts->bufcache, a);
	/* and every connection's control block (a client's tcb, a server's half-open
	 * entry then its tcb) is allocated once and freed once: keep those too, a
	 * bounded tcb pool (DESIGN.md: pools for control blocks) */
	base_bufcache_add_size(&ts->bufcache, sizeof(struct tcb));   /* TCP_TCB_OBJ_SLOT */
	base_bufcache_add_size(&ts->bufcache, sizeof(struct tcp_reqsk)); /* TCP_REQSK_OBJ_SLOT */
	ts->alloc = base_bufcache_allocator(&ts->bufcache);
	tcp_stack_set_cfg(ts, cfg);
	memcpy(ts->isn_key, secret, 16);
	list_init(&ts->all_list);
	list_init(&ts->out_list);
	list_init(&ts->ev_list);
	timer_wheel_init(&ts->wheel, 0);
	/* RFC 6056 table[] (F is the secret) and an empty hash memo */
	memset(&ts->ports, 0, sizeof ts->ports);
	if (hash_init(&ts->conns, &ts->alloc, 64) < 0)
		return -ENOMEM;
	if (hash_init(&ts->listeners, &ts->alloc, 16) < 0) {
		hash_destroy(&ts->conns);
		return -ENOMEM;
	}
	if (tcp_tw_init(ts) < 0) {
		hash_destroy(&ts->listeners);
		hash_destroy(&ts->conns);
		return -ENOMEM;
	}
	timer_wheel_init(&ts->synq_wheel, 0);
	list_init(&ts->synack_out);
	tcp_cookie_keys_init(&ts->cookie_keys, secret + 16);
	if (hash_init(&ts->synq_hash, &ts->alloc, 64) < 0 ||
	    dhash_init(&ts->bound, &ts->alloc, 64, tcp_bound_hash_of) < 0) {
		hash_destroy(&ts->synq_hash);
		tw_destroy(&ts->tw);
		hash_destroy(&ts->listeners);
		hash_destroy(&ts->conns);
		return -ENOMEM;
	}
	ts->notes_cap = cfg->notes_max;
	if (ts->notes_cap) {
		ts->notes = base_alloc(&ts->alloc, ts->notes_cap * sizeof *ts->notes);
		if (!ts->notes) {
			dhash_destroy(&ts->bound);
			hash_destroy(&ts->synq_hash);
			tw_destroy(&ts->tw);
			hash_destroy(&ts->listeners);
			hash_destroy(&ts->conns);
			return -ENOMEM;
		}
	}
	return 0;
}

void tcp_stack_destroy(struct tcp_stack *ts)
{
	struct list_node *first;

	/* re-read the head each time: freeing a listener frees its children too */
	while ((first = list_first(&ts->all_list))) {
		struct tcb *tcb = container_of(first, struct tcb, all_link);

		tcb->fd = -1;
		tcp_tcb_free(ts, tcb);
	}
	for (unsigned i = 0; i < TCP_RAW_QUEUE; i++)
		base_free(&ts->alloc, ts->rawq[i].data, ts->rawq[i].cap);
	base_free(&ts->alloc, ts->notes, ts->notes_cap * sizeof *ts->notes);
	tw_destroy(&ts->tw);
	hash_destroy(&ts->synq_hash);
	dhash_destroy(&ts->bound);
	hash_destroy(&ts->listeners);
	hash_destroy(&ts->conns);
	base_bufcache_drain(&ts->bufcache);
	ts->alloc = ts->bufcache.backing;       /* what the owner frees the rest with */
}

bool tcp_is_local_addr(const struct tcp_stack *ts, uint32_t addr)
{
	for (unsigned i = 0; i < ts->naddrs; i++)
		if (ts->addrs[i] == addr)
			return true;
	return false;
}

static struct synack_note *note_slot(struct tcp_stack *ts)
{
	uint32_t idx;

	if (!ts->notes_cap)
		return NULL;
	if (ts->notes_len == ts->notes_cap) {
		ts->notes_head = (ts->notes_head + 1) % ts->notes_cap;
		ts->notes_len--;
		tcp_count(ts, SYNACK_CTR_NOTES_LOST);
	}
	idx = (ts->notes_head + ts->notes_len) % ts->notes_cap;
	ts->notes_len++;
	return &ts->notes[idx];
}

void tcp_note_write(struct tcp_stack *ts, const struct tcb *tcb, uint8_t dir, uint8_t verdict,
		    uint8_t st_before, const struct wire_tcp *seg, uint32_t laddr, uint32_t raddr,
		    const char *reason)
{
	struct synack_note *n = note_slot(ts);

	if (!n)
		return;
	memset(n, 0, sizeof *n);
	n->time_ns = ts->now_ns;
	n->fd = tcb ? tcb->fd : -1;
	n->dir = dir;
	n->verdict = verdict;
	n->state_before = st_before;
	n->state_after = tcb ? tcb->state : TCP_CLOSED;
	n->reason = reason;
	if (tcb) {
		n->laddr = tcb->laddr;
		n->raddr = tcb->raddr;
		n->lport = tcb->lport;
		n->rport = tcb->rport;
	} else {
		n->laddr = laddr;
		n->raddr = raddr;
	}
	if (seg) {
		if (!tcb || !tcb->rport) {
			n->lport = dir == SYNACK_NOTE_OUT ? seg->sport : seg->dport;
			n->rport = dir == SYNACK_NOTE_OUT ? seg->dport : seg->sport;
			n->laddr = laddr;
			n->raddr = raddr;
		}
		n->tcp_flags = seg->flags;
		n->seq = seg->seq;
		n->ack = seg->ack;
		n->len = (uint32_t)seg->payload_len;
	}
}

struct synack_note *tcp_note_last(struct tcp_stack *ts)
{
	if (!ts->notes_len)
		return NULL;
	return &ts->notes[(ts->notes_head + ts->notes_len - 1) % ts->notes_cap];
}

void tcp_note_fix_after(struct tcp_stack *ts, uint8_t st_after)
{
	struct synack_note *n = tcp_note_last(ts);

	if (n)
		n->state_after = st_after;
}

void tcp_note_timer(struct tcp_stack *ts, const struct tcb *tcb, int kind, uint8_t verdict,
		    uint8_t st_before, const char *reason)
{
	struct synack_note *n;

	tcp_note(ts, tcb, SYNACK_NOTE_TIMER, verdict, st_before, NULL, 0, 0, reason);
	n = tcp_note_last(ts);
	if (n)
		n->timer = (uint8_t)kind;
}

void tcp_wake(struct tcp_stack *ts, struct tcb *tcb, enum synack_event_kind kind)
{
	if (tcb->fd < 0)
		return;
	if (!tcb->ev_pending)
		list_push_back(&ts->ev_list, &tcb->ev_link);
	tcb->ev_pending |= 1u << kind;
}

void tcp_report_soft(struct tcp_stack *ts, struct tcb *tcb, int err)
{
	if (!tcb->opt.error_reports)
		return;
	tcb->report_error = err;
	tcp_wake(ts, tcb, SYNACK_EV_SOFT_ERROR);
}

void tcp_want_output(struct tcp_stack *ts, struct tcb *tcb)
{
	/* a CLOSED or LISTEN tcb has nothing to send (a connection closed under its
	 * socket that a user call such as TCP_NODELAY or a read would list again: planned,
	 * it would be a segment without ACK, sent again on every call) */
	if (tcb->state >= TCP_SYN_SENT && tcb->out_link.next == &tcb->out_link) {
		list_push_back(&ts->out_list, &tcb->out_link);
		tcp_mark_output(ts, TCP_OUT_LIST);
	}
}

/*
 * Input's one listing rule, at the end of a segment (input.c list_out): a tcb is listed
 * only when output would do more than take it off the list again (output_queued's
 * nothing_due: no ACK or probe owed, recovery open with nothing lost or due, no unsent
 * data, no SYN or FIN waiting at SND.NXT). An ACK of the whole flight, a wider window with
 * nothing to send, ESTABLISHED entered by the passive side, FIN-WAIT-2 entered: not
 * listed; what output_queued does for such a tcb (note the largest window) is done here.
 */
void tcp_list_if_due(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->out_link.next != &tcb->out_link)
		return;                 /* listed already */
	if (!ts->no_list_rule && tcp_output_settled(tcb))
		return;
	tcp_want_output(ts, tcb);
}

struct tcp_ctl *tcp_queue_ctl(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
			      uint32_t raddr, uint16_t rport, uint32_t seq, uint32_t ack,
			      uint8_t flags)
{
	struct tcp_ctl *c;

	if (ts->ctl_len == TCP_CTL_QUEUE) {
		tcp_count(ts, SYNACK_CTR_OUT_QUEUE_FULL);
		return NULL;
	}
	c = &ts->ctlq[(ts->ctl_head + ts->ctl_len) % TCP_CTL_QUEUE];
	ts->ctl_len++;
	tcp_mark_output(ts, TCP_OUT_QUEUES);
	c->laddr = laddr;
	c->raddr = raddr;
	c->lport = lport;
	c->rport = rport;
	c->seq = seq;
	c->ack = ack;
	c->flags = flags;
	c->has_ts = false;
	c->has_ts_offset = false;
	c->win = 0;
	c->ts_ecr = 0;
	c->has_route = false;
	if (ts->reply_route)
		tcp_route_ctl(ts, c, ts->reply_route);  /* route.h: tcp_route_for_replies */
	return c;
}

bool tcp_queue_raw(struct tcp_stack *ts, const uint8_t *pkt, size_t len)
{
	struct tcp_raw *r;

	if (ts->raw_len == TCP_RAW_QUEUE || len > ts->cfg.mtu) {
		tcp_count(ts, SYNACK_CTR_OUT_QUEUE_FULL);
		return false;
	}
	r = &ts->rawq[(ts->raw_head + ts->raw_len) % TCP_RAW_QUEUE];
	if (r->cap < len) {
		base_free(&ts->alloc, r->data, r->cap);
		r->cap = 0;
		r->data = base_alloc(&ts->alloc, ts->cfg.mtu);
		if (!r->data) {
			tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
			return false;
		}
		r->cap = ts->cfg.mtu;
	}
	memcpy(r->data, pkt, len);
	r->len = (uint32_t)len;
	ts->raw_len++;
	tcp_mark_output(ts, TCP_OUT_QUEUES);
	return true;
}
