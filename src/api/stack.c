/*
 * stack.c — the public stack object and the driver calls (include/synack/synack.h):
 * creation from an injected environment, configuration, synack_input (IPv4 demux to
 * TCP and ICMP), synack_output, synack_advance, next deadline, events, notes, the
 * `ss` listing and counters.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "ip/ip.h"
#include "tcp/cc.h"
#include "tcp/ecn.h"
#include "tcp/input.h"

void synack_config_default(struct synack_config *c)
{
	memset(c, 0, sizeof *c);
	c->syn_retries = 7;
	c->synack_retries = 5;
	c->syncookies = 1;
	c->max_syn_backlog = 1024;
	c->somaxconn = 4096;
	c->rto_initial_ms = 1000;
	c->rto_min_ms = 200;
	c->rto_max_ms = 120000;
	c->retries1 = 3;
	c->retries2 = 15;
	c->delayed_ack_ms = 40;
	c->fin_timeout_ms = 60000;
	c->msl_ms = 30000;
	c->tw_reuse = 2;
	c->rfc1337 = 1;
	c->keepalive_time_ms = 7200000;
	c->keepalive_intvl_ms = 75000;
	c->keepalive_probes = 9;
	c->challenge_ack_limit = 1000;
	c->invalid_ratelimit_ms = 500;
	c->window_scaling = 1;
	c->timestamps = 1;
	c->sack = 1;
	c->rmem_default = 131072;
	c->wmem_default = 16384;
	c->rmem_max = 6291456;
	c->wmem_max = 4194304;
	c->mtu = 1500;
	c->ip_local_port_range_lo = 32768;
	c->ip_local_port_range_hi = 60999;
	c->ip_default_ttl = 64;
	c->notes_max = 1024;
	c->max_sockets = 65536;
	memcpy(c->congestion_control, "cubic", 6);
	c->slow_start_after_idle = 1;
	c->recovery = 1;
	c->early_retrans = 3;
	c->moderate_rcvbuf = 1;
	c->tcp_ecn = 2;
}

/*
 * The values synack_stack_set_config accepts for each field alone (synack.h contract):
 * the one table config_ok and synack_config_range (the TUN programs' --set) read.
 * Fields not listed take any value of their width.
 */
struct cfg_range {
	const char *name;
	size_t off, size;
	uint32_t min, max;
};

#define CFG_RANGE(f, lo, hi) \
	{ #f, offsetof(struct synack_config, f), sizeof(((struct synack_config *)0)->f), lo, hi }
static const struct cfg_range cfg_ranges[] = {
	CFG_RANGE(syncookies, 0, 2), CFG_RANGE(quiet_time, 0, 1),
	CFG_RANGE(rto_initial_ms, 1, UINT32_MAX), CFG_RANGE(rto_min_ms, 1, UINT32_MAX),
	CFG_RANGE(msl_ms, 1, UINT32_MAX), CFG_RANGE(tw_reuse, 0, 2),
	CFG_RANGE(rmem_default, 1, UINT32_MAX), CFG_RANGE(wmem_default, 1, UINT32_MAX),
	CFG_RANGE(mtu, 68, 65535), CFG_RANGE(ip_local_port_range_lo, 1, UINT16_MAX),
	CFG_RANGE(ip_local_port_range_hi, 1, UINT16_MAX), CFG_RANGE(ip_default_ttl, 1, UINT8_MAX),
	CFG_RANGE(accept_source_route, 0, 1), CFG_RANGE(max_sockets, 1, 1u << API_SLOT_BITS),
	CFG_RANGE(gso, 0, 1), CFG_RANGE(gro, 0, 1), CFG_RANGE(moderate_rcvbuf, 0, 1),
	CFG_RANGE(tcp_ecn, 0, 2),
};
#undef CFG_RANGE

bool synack_config_range(const char *field, uint32_t *min, uint32_t *max)
{
	for (size_t i = 0; i < sizeof cfg_ranges / sizeof cfg_ranges[0]; i++)
		if (!strcmp(cfg_ranges[i].name, field)) {
			*min = cfg_ranges[i].min;
			*max = cfg_ranges[i].max;
			return true;
		}
	return false;
}

/* The field r describes, read at its width. */
static uint32_t field_value(const struct synack_config *c, const struct cfg_range *r)
{
	const char *p = (const char *)c + r->off;
	uint16_t v16;
	uint32_t v32;

	if (r->size == 1)
		return (uint8_t)*p;
	if (r->size == 2) {
		memcpy(&v16, p, 2);
		return v16;
	}
	memcpy(&v32, p, 4);
	return v32;
}

static bool config_ok(const struct synack_config *c)
{
	for (size_t i = 0; i < sizeof cfg_ranges / sizeof cfg_ranges[0]; i++) {
		uint32_t v = field_value(c, &cfg_ranges[i]);

		if (v < cfg_ranges[i].min || v > cfg_ranges[i].max)
			return false;
	}
	/* what involves two fields or the engine */
	return c->ip_local_port_range_lo <= c->ip_local_port_range_hi &&
	       c->rto_min_ms <= c->rto_max_ms &&
	       tcp_cc_find(c->congestion_control, sizeof c->congestion_control) &&
	       memchr(c->congestion_control, 0, sizeof c->congestion_control);
}

struct synack_stack *synack_stack_new(const struct synack_config *cfg,
				      const struct synack_env *env)
{
	struct synack_config def;
	struct base_allocator a;
	struct synack_stack *s;

	if (!env || !env->alloc || !env->free)
		return NULL;
	if (!cfg) {
		synack_config_default(&def);
		cfg = &def;
	}
	if (!config_ok(cfg))
		return NULL;
	a.alloc = env->alloc;
	a.free = env->free;
	a.ctx = env->ctx;
	s = base_zalloc(&a, sizeof *s);
	if (!s)
		return NULL;
	if (tcp_stack_init(&s->tcp, cfg, &a, env->secret) < 0) {
		base_free(&a, s, sizeof *s);
		return NULL;
	}
	s->free_head = UINT32_MAX;
	return s;
}

void synack_stack_free(struct synack_stack *s)
{
	struct base_allocator a;

	if (!s)
		return;
	base_free(&s->tcp.alloc, s->gro_buf, 65535);
	tcp_stack_destroy(&s->tcp);
	a = s->tcp.alloc;       /* the env's allocator (the cache in front is drained) */
	base_free(&a, s->slots, s->nslots * sizeof *s->slots);
	base_free(&a, s, sizeof *s);
}

int synack_stack_add_addr(struct synack_stack *s, uint32_t addr)
{
	struct tcp_stack *ts = &s->tcp;

	if (addr == 0 || ip_addr_is_bcast_mcast(addr))
		return -EINVAL;
	if (tcp_is_local_addr(ts, addr))
		return -EEXIST;
	if (ts->naddrs == SYNACK_MAX_ADDRS)
		return -ENOSPC;
	ts->addrs[ts->naddrs++] = addr;
	return 0;
}

int synack_stack_set_config(struct synack_stack *s, const struct synack_config *cfg)
{
	uint8_t ttl;

	if (!config_ok(cfg) || cfg->notes_max != s->tcp.cfg.notes_max)
		return -EINVAL;
	ttl = s->tcp.cfg.ip_default_ttl;
	tcp_stack_set_cfg(&s->tcp, cfg);
	if (cfg->ip_default_ttl != ttl)
		tcp_tmpl_tos_ttl_all(&s->tcp);  /* the connections' templates: a walk of all */
	return 0;
}

const struct synack_config *synack_stack_config(const struct synack_stack *s)
{
	return &s->tcp.cfg;
}

void synack_stack_rotate_cookie_key(struct synack_stack *s, const uint8_t key[16])
{
	tcp_cookie_rotate(&s->tcp.cookie_keys, key);
}

/* ---- driver calls ----------------------------------------------------------------- */

static inline __attribute__((always_inline)) void tcp_rx(struct tcp_stack *ts,
							  const struct ip_rx *rx)
{
	struct wire_tcp seg;

	if (wire_tcp_parse(rx->payload, rx->payload_len, &seg) != WIRE_OK) {
		tcp_count(ts, SYNACK_CTR_TCP_MALFORMED);
		tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, NULL, rx->dst,
			 rx->src, "dropped: malformed TCP header");
		return;
	}
	if (!wire_tcp_csum_ok(rx->src, rx->dst, rx->payload, rx->payload_len)) {
		tcp_count(ts, SYNACK_CTR_TCP_BAD_CSUM);
		tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, &seg, rx->dst,
			 rx->src, "dropped: bad checksum");
		return;
	}
	tcp_count(ts, SYNACK_CTR_TCP_IN);
	api_rx_ecn(ts, rx->pkt[1]);
	tcp_input(ts, rx->dst, rx->src, &seg);
}

/* RFC 9293 §3.9.2.1: a completed source route's return route is handed to TCP for the
 * time of the datagram (tcp/route.h); ICMP builds its own (ip_icmp_echo_reply). Out of
 * line: its buffer would give synack_input a stack-protector check per datagram. */
__attribute__((noinline)) static void tcp_rx_routed(struct tcp_stack *ts,
						    const struct ip_rx *rx)
{
	struct ip_opts back;

	if (ip_opts_return_route(&back, &rx->srr, rx->src))
		ts->rx_route = ts->reply_route = &back;
	tcp_rx(ts, rx);
	ts->rx_route = NULL;
}

static void icmp_rx(struct tcp_stack *ts, const struct ip_rx *rx)
{
	struct ip_icmp_err err;
	uint8_t out[1500];
	size_t n;

	if (rx->payload[0] == 8) {
		if (ts->cfg.icmp_echo_ignore_all)
			return;
		n = ip_icmp_echo_reply(rx, ts->cfg.ip_default_ttl,
				       (uint16_t)ts->counters[SYNACK_CTR_IP_OUT], out,
				       sizeof out < ts->cfg.mtu ? sizeof out : ts->cfg.mtu);
		if (n && tcp_queue_raw(ts, out, n))
			tcp_count(ts, SYNACK_CTR_ICMP_ECHO);
		return;
	}
	tcp_count(ts, SYNACK_CTR_ICMP_IN);
	if (ip_icmp_parse_error(rx, &err))
		tcp_icmp_input(ts, &err);       /* RFC 9293 §3.9.2.2 */
}

/* synack_input's datagram that the one pass does not take (or every datagram with
 * no_in_fast_path): the general parsers, which name the reason of a drop. Out of line,
 * so the common path's frame holds neither its struct ip_rx nor icmp_rx's buffer and
 * saves fewer registers. */
__attribute__((noinline)) static void input_general(struct tcp_stack *ts, const uint8_t *pkt,
						    size_t len)
{
	struct ip_rx rx;

	switch (ip_input(ts->addrs, ts->naddrs, ts->cfg.accept_source_route != 0, pkt, len,
			 &rx)) {
	case IP_RX_TCP:
		if (rx.has_srr)
			tcp_rx_routed(ts, &rx);
		else
			tcp_rx(ts, &rx);
		ts->reply_route = NULL; /* it lives for one datagram (tcp/route.h) */
		break;
	case IP_RX_ICMP:
		icmp_rx(ts, &rx);
		break;
	default:
		tcp_count(ts, rx.drop_ctr);
		break;
	}
}

void synack_input(struct synack_stack *s, uint64_t now_ns, const uint8_t *pkt, size_t len)
{
	struct tcp_stack *ts = &s->tcp;
	struct wire_tcp seg;
	uint32_t src, dst;

	tcp_set_now(ts, now_ns);
	tcp_count(ts, SYNACK_CTR_IP_IN);
	/* the common TCP datagram parsed and verified in one pass (ip_tcp_input): both
	 * headers and checksums, then the addresses, except for a segment of the cached
	 * connection (tcp_is_cached_conn): ts->last_conn only ever holds a tcb whose
	 * 4-tuple passes ip_tcp_addrs_ok (its laddr one of ours, and addresses are never
	 * removed; its raddr a valid source from laddr, a function of the two: see
	 * tcp_hash_insert_hashed's callers and tcp_lookup_input_miss, which finds a tcb
	 * only for a segment that passed them), so a segment with its 4-tuple passes too */
	if (__builtin_expect(!ts->no_in_fast_path, 1) &&
	    wire_tcpip_parse(pkt, len, &src, &dst, &seg)) {
		struct tcb *t = ts->last_conn;

		if (!tcp_is_cached_conn(t, dst, seg.dport, src, seg.sport)) {
			if (!ip_tcp_addrs_ok(ts->addrs, ts->naddrs, src, dst))
				goto general;
			t = NULL;
		}
		tcp_count(ts, SYNACK_CTR_TCP_IN);
		api_rx_ecn(ts, pkt[1]);
		tcp_input_cached(ts, t, dst, src, &seg);
		ts->reply_route = NULL;
		return;
	}
general:
	input_general(ts, pkt, len);
}

size_t synack_output(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap)
{
	tcp_set_now(&s->tcp, now_ns);
	return tcp_output(&s->tcp, buf, cap, NULL);
}

size_t synack_output_gso(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap,
			 uint32_t *gso_size)
{
	tcp_set_now(&s->tcp, now_ns);
	*gso_size = 0;
	return tcp_output(&s->tcp, buf, cap, s->tcp.cfg.gso ? gso_size : NULL);
}

unsigned synack_pending(struct synack_stack *s, uint64_t now_ns)
{
	const struct tcp_stack *ts = &s->tcp;

	/* the clock moves as an empty synack_output would move it: skipping that call
	 * must leave nothing different for the socket calls that follow */
	tcp_set_now(&s->tcp, now_ns);
	return (tcp_has_output(ts) ? SYNACK_PENDING_OUTPUT : 0u) |
	       (list_empty(&ts->ev_list) ? 0u : SYNACK_PENDING_EVENT) |
	       (ts->notes_len ? SYNACK_PENDING_NOTE : 0u);
}

void synack_advance(struct synack_stack *s, uint64_t now_ns)
{
	tcp_set_now(&s->tcp, now_ns);
	tcp_timers_run(&s->tcp);
}

uint64_t synack_next_deadline(struct synack_stack *s)
{
	uint64_t t = timer_next_deadline(&s->tcp.wheel);
	uint64_t w = tw_next_deadline(&s->tcp.tw);
	uint64_t q = tcp_synq_next_deadline(&s->tcp);

	if (q < t)
		t = q;
	return w < t ? w : t;
}

/*
 * The event queue: a tcb is on ts->ev_list while ev_pending has a bit (tcp_wake lists it
 * with its first bit); its ev_link means nothing once the bits are taken, so a batch
 * takes the tcbs it empties off the list in one store at the end, without unlinking
 * or self-linking each (tcp_tcb_free and tcp_user_close unlink only a tcb with bits).
 */
#define EV_WITH_ERROR (1u << SYNACK_EV_RESET | 1u << SYNACK_EV_ERROR | 1u << SYNACK_EV_SOFT_ERROR)

/* The event of kind bit for tcb's descriptor. */
static inline void fill_event(struct synack_event *ev, const struct tcb *tcb, uint32_t bit)
{
	ev->fd = tcb->fd;
	ev->kind = (enum synack_event_kind)bit;
	ev->error = !(EV_WITH_ERROR >> bit & 1u) ? 0
		    : bit == SYNACK_EV_SOFT_ERROR ? tcb->report_error : tcb->dead_error;
}

/* The queue's first tcbs (n the first, the queue not empty) into ev[0..max). Out of
 * line: the call that finds the queue empty saves no registers. */
__attribute__((noinline)) static size_t take_events(struct list_node *head, struct list_node *n,
						   struct synack_event *ev, size_t max)
{
	size_t k = 0;

	if (!max)
		return 0;
	do {
		struct tcb *tcb = container_of(n, struct tcb, ev_link);
		uint32_t p = tcb->ev_pending;

		do {
			fill_event(&ev[k++], tcb, (uint32_t)__builtin_ctz(p));
			p &= p - 1;
		} while (p && k != max);
		tcb->ev_pending = p;
		if (p)
			break;          /* stays first with the kinds left */
		n = n->next;
	} while (n != head && k != max);
	head->next = n;
	n->prev = head;
	return k;
}

size_t synack_poll_events(struct synack_stack *s, struct synack_event *ev, size_t max)
{
	struct list_node *head = &s->tcp.ev_list, *n = head->next;

	return n == head ? 0 : take_events(head, n, ev, max);
}

/* synack_poll_events with max 1, written for one: the application loop that takes one
 * event per call (the simulator's, io/loop.c's) keeps its cost */
bool synack_poll_event(struct synack_stack *s, struct synack_event *ev)
{
	struct list_node *head = &s->tcp.ev_list, *n = head->next;
	struct tcb *tcb;
	uint32_t p;

	if (n == head)
		return false;
	tcb = container_of(n, struct tcb, ev_link);
	p = tcb->ev_pending;
	fill_event(ev, tcb, (uint32_t)__builtin_ctz(p));
	tcb->ev_pending = p & (p - 1);
	if (!tcb->ev_pending)
		list_unlink(n);         /* ev_link stale from here */
	return true;
}

bool synack_poll_note(struct synack_stack *s, struct synack_note *n)
{
	struct tcp_stack *ts = &s->tcp;

	if (!ts->notes_len)
		return false;
	*n = ts->notes[ts->notes_head];
	ts->notes_head = (ts->notes_head + 1) % ts->notes_cap;
	ts->notes_len--;
	return true;
}

/* ---- names and counters ------------------------------------------------------------- */

const char *synack_state_name(int state)
{
	static const char *const names[SYNACK_STATE_COUNT] = {
		"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT",
		"FIN-WAIT-1", "CLOSING", "LAST-ACK", "FIN-WAIT-2", "TIME-WAIT",
	};

	return state >= 0 && state < SYNACK_STATE_COUNT ? names[state] : "?";
}

const char *synack_timer_name(int timer)
{
	static const char *const names[SYNACK_TIMER_COUNT] = {
		"none", "retransmit", "persist", "delack", "keepalive", "time-wait",
		"fin-wait-2", "syn-ack", "user-timeout",
	};

	return timer >= 0 && timer < SYNACK_TIMER_COUNT ? names[timer] : "?";
}

static const char *const counter_names[SYNACK_CTR_COUNT] = {
	"ip_in", "ip_out", "ip_malformed", "ip_bad_csum", "ip_not_ours", "ip_fragment",
	"ip_bad_src", "ip_unknown_proto", "icmp_echo", "icmp_in", "icmp_bad", "tcp_in",
	"tcp_out", "tcp_malformed", "tcp_bad_csum", "tcp_syn_bcast", "tcp_no_listener",
	"tcp_rst_out", "tcp_not_acceptable", "tcp_challenge_ack", "tcp_challenge_limited",
	"tcp_paws", "tcp_acceptq_full", "tcp_synq_full", "tcp_cookies_sent", "tcp_cookies_ok",
	"tcp_cookies_bad", "tcp_tw_rst_ignored", "tcp_retrans", "tcp_timeouts",
	"tcp_r1_reached", "tcp_synack_giveup", "tcp_no_memory", "out_no_room",
	"out_queue_full", "notes_lost", "tcp_quiet_time", "tcp_data_after_close",
	"tcp_oow_limited", "tcp_icmp_err", "tcp_icmp_stale",
	"tcp_fast_retrans", "tcp_rto", "tcp_ooo_dropped", "ip_bad_options", "ip_srr_denied",
	"ip_srr_not_final", "tcp_loss_probes", "tcp_undo_ts", "tcp_undo_dsack",
	"tcp_paws_disordered", "ip_ect", "ip_ce", "tcp_ece_in", "tcp_ecn_reductions",
	"tcp_cwr_out",
};

uint64_t synack_counter(const struct synack_stack *s, int counter)
{
	return counter >= 0 && counter < SYNACK_CTR_COUNT ? s->tcp.counters[counter] : 0;
}

const char *synack_counter_name(int counter)
{
	return counter >= 0 && counter < SYNACK_CTR_COUNT ? counter_names[counter] : "?";
}

size_t synack_stack_cached_bytes(const struct synack_stack *s)
{
	return base_bufcache_held(&s->tcp.bufcache);
}

/* ---- the ss listing ------------------------------------------------------------------ */

static void fill_info(const struct tcb *t, struct synack_sock_info *o)
{
	uint64_t best = 0;

	memset(o, 0, sizeof *o);
	o->fd = t->fd;
	o->state = t->state;
	o->laddr = t->laddr;
	o->raddr = t->raddr;
	o->lport = t->lport;
	o->rport = t->rport;
	o->retransmits = t->retransmits;
	if (t->state == TCP_LISTEN) {
		o->recv_q = t->acceptq_len;
		o->send_q = t->backlog;
	} else {
		o->recv_q = ring_len(&t->rcvbuf);
		o->send_q = ring_len(&t->sndbuf);
	}
	for (int k = 1; k < TCP_T_COUNT; k++) {
		if (t->deadline[k] && (!best || t->deadline[k] < best)) {
			best = t->deadline[k];
			o->timer = (uint8_t)k;
		}
	}
	o->timer_deadline_ns = best;
	o->ecn = tcp_ecn_info(t);
	if (t->cc.cwnd && t->snd_mss) {
		/* in segments, as Linux's tcp_info (ss -i): our cc counts bytes */
		o->cwnd = t->cc.cwnd / t->snd_mss;
		if (t->cc.ssthresh != TCP_CC_INFINITE_SSTHRESH)
			o->ssthresh = t->cc.ssthresh / t->snd_mss;
	}
	o->rcv_rtt_us = t->rcvq.rtt_us8 >> 3;
	o->rcv_space = t->rcvq.space;
}

static int cmp_fd(const void *a, const void *b)
{
	int x = ((const struct synack_sock_info *)a)->fd;
	int y = ((const struct synack_sock_info *)b)->fd;

	return (x > y) - (x < y);
}

size_t synack_sock_list(struct synack_stack *s, struct synack_sock_info *out, size_t cap)
{
	struct list_node *pos;
	size_t n = 0;

	for (uint32_t i = 0; i < s->nslots; i++) {
		if (!s->slots[i].tcb)
			continue;
		if (n < cap)
			fill_info(s->slots[i].tcb, &out[n]);
		n++;
	}
	/* descriptors ascending (fd = generation << 16 | slot: slot order is not fd order;
	 * FINDINGS F1). When cap is short, the entries returned are sorted but which
	 * descriptors they are is unspecified. */
	if (out && cap)
		qsort(out, n < cap ? n : cap, sizeof *out, cmp_fd);
	for (pos = s->tcp.all_list.next; pos != &s->tcp.all_list; pos = pos->next) {
		const struct tcb *t = container_of(pos, struct tcb, all_link);

		if (t->fd >= 0)
			continue;
		if (n < cap)
			fill_info(t, &out[n]);
		n++;
	}
	/* half-open entries, per listener in SYN-queue order */
	for (pos = s->tcp.all_list.next; pos != &s->tcp.all_list; pos = pos->next) {
		const struct tcb *l = container_of(pos, struct tcb, all_link);
		struct list_node *q;

		if (l->state != TCP_LISTEN)
			continue;
		for (q = l->synq.next; q != &l->synq; q = q->next) {
			const struct tcp_reqsk *r = container_of(q, struct tcp_reqsk, qlink);

			if (n < cap) {
				memset(&out[n], 0, sizeof out[n]);
				out[n].fd = -1;
				out[n].state = TCP_SYN_RECEIVED;
				out[n].timer = SYNACK_TIMER_SYNACK;
				out[n].timer_deadline_ns = r->tnode.deadline_ns;
				out[n].retransmits = r->retransmits;
				out[n].laddr = r->laddr;
				out[n].raddr = r->raddr;
				out[n].lport = r->lport;
				out[n].rport = r->rport;
			}
			n++;
		}
	}
	/* TIME-WAIT records, earliest expiry first */
	for (const struct tw_entry *e = tw_first(&s->tcp.tw); e; e = tw_next(&s->tcp.tw, e)) {

		if (n < cap) {
			memset(&out[n], 0, sizeof out[n]);
			out[n].fd = -1;
			out[n].state = TCP_TIME_WAIT;
			out[n].timer = SYNACK_TIMER_TIME_WAIT;
			out[n].timer_deadline_ns = e->deadline_ns;
			out[n].laddr = e->laddr;
			out[n].raddr = e->raddr;
			out[n].lport = e->lport;
			out[n].rport = e->rport;
		}
		n++;
	}
	return n;
}
