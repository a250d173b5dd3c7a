/*
 * scenario.c — runs a scripted conversation (include/synack/sim.h, "scenarios") in the
 * simulator and records its log: packets sent (fate, TCP fields, seq/ack relative to the
 * ISNs), deliveries with the receiver's decision note and states, socket calls with their
 * return values, socket events, and marks for link/host manipulations.
 *
 * The script's steps run as simulator calls at their virtual times (one call at a time:
 * it runs every step due and schedules the next). Relative sequence numbers follow the
 * RFC ladders: SEQ relative to the sender's ISN, ACK relative to the receiver's, the
 * ISNs learned from the SYNs seen on the link (a segment of a conversation whose SYN was
 * never seen keeps its raw numbers).
 */
#include <errno.h>
#include <string.h>

#include "sim/scenario_raw.h"
#include "sim/sim_internal.h"
#include "wire/wire.h"

#define LOG_CAP     4096u
#define ARENA_CAP   (2u << 20)
#define ISN_CAP     64u
#define LIST_CAP    256u
#define SNAP_CAP    2048u

struct isn_rec {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t isn;
};

struct synack_sc_run {
	struct base_allocator a;
	const struct synack_scenario *sc;
	struct synack_sim *sim;
	int host[2];
	int link;
	int fd[2][SYNACK_SC_SLOTS];
	size_t next_step;
	struct synack_sc_entry *log;
	uint32_t n, cap;
	uint8_t *arena;
	size_t alen, acap;
	bool truncated;
	struct isn_rec isn[ISN_CAP];
	uint32_t nisn;
	long pending[2];          /* per host: DELIVER entry awaiting its IN note, or -1 */
	bool injecting;           /* a RAW step is sending: its SEND entries are marked */
	struct synack_sock_info *snap; /* SS snapshots, SNAP_CAP entries in all */
	uint32_t nsnap;
	uint8_t rbuf[4096];
	uint8_t pkt[2048];        /* RAW: the crafted packet */
};

/* ---- text without stdio (src/sim may not use it): a bounded string builder ------- */

struct text {
	char s[64];
	size_t len;
};

static struct text *t_str(struct text *t, const char *s)
{
	while (*s && t->len + 1 < sizeof t->s)
		t->s[t->len++] = *s++;
	t->s[t->len] = '\0';
	return t;
}

static struct text *t_num(struct text *t, long v)
{
	char d[24];
	int n = 0;
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;

	if (v < 0)
		t_str(t, "-");
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n > 0 && t->len + 1 < sizeof t->s)
		t->s[t->len++] = d[--n];
	t->s[t->len] = '\0';
	return t;
}

/* "name(fd" — the start of most call texts. */
static struct text *t_call(struct text *t, const char *name, int fd)
{
	t->len = 0;
	t->s[0] = '\0';
	return t_num(t_str(t_str(t, name), "("), fd);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- the log --------------------------------------------------------------------- */

static struct synack_sc_entry *log_add(struct synack_sc_run *r, enum synack_sc_kind kind,
				       int host)
{
	struct synack_sc_entry *e;

	if (r->n >= r->cap) {
		r->truncated = true;
		return NULL;
	}
	e = &r->log[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->t_ns = synack_sim_now(r->sim);
	e->host = host;
	e->peer = -1;
	e->state = -1;
	e->state_before = -1;
	return e;
}

static int host_index(const struct synack_sc_run *r, int sim_host)
{
	return sim_host == r->host[0] ? 0 : sim_host == r->host[1] ? 1 : -1;
}

static void log_call(struct synack_sc_run *r, int h, long ret, const char *text)
{
	struct synack_sc_entry *e = log_add(r, SYNACK_SC_LOG_CALL, h);

	if (!e)
		return;
	e->ret = ret;
	copy_text(e->text, sizeof e->text, text);
}

static void log_mark(struct synack_sc_run *r, int h, const char *text)
{
	struct synack_sc_entry *e = log_add(r, SYNACK_SC_LOG_MARK, h);

	if (e)
		copy_text(e->text, sizeof e->text, text);
}

/* ---- ISNs and states --------------------------------------------------------------- */

static struct isn_rec *isn_find(struct synack_sc_run *r, uint32_t saddr, uint16_t sport,
				uint32_t daddr, uint16_t dport)
{
	for (uint32_t i = 0; i < r->nisn; i++) {
		struct isn_rec *x = &r->isn[i];

		if (x->saddr == saddr && x->sport == sport && x->daddr == daddr && x->dport == dport)
			return x;
	}
	return NULL;
}

static void isn_learn(struct synack_sc_run *r, const struct wire_ipv4 *ip,
		      const struct wire_tcp *t)
{
	struct isn_rec *x = isn_find(r, ip->src, t->sport, ip->dst, t->dport);

	if (!x) {
		if (r->nisn >= ISN_CAP)
			return;
		x = &r->isn[r->nisn++];
	}
	*x = (struct isn_rec){ip->src, ip->dst, t->sport, t->dport, t->seq};
}

/* The state of the connection with this 4-tuple on a host: CLOSED when the host holds
 * no such connection, -1 when the host has no stack. */
static int state_of(struct synack_sc_run *r, int sim_host, uint32_t laddr, uint16_t lport,
		    uint32_t raddr, uint16_t rport)
{
	struct synack_stack *s = synack_sim_stack(r->sim, sim_host);
	struct synack_sock_info list[LIST_CAP];
	size_t n;

	if (!s)
		return -1;
	n = synack_sock_list(s, list, LIST_CAP);
	if (n > LIST_CAP)
		n = LIST_CAP;
	/* A socket the application has not closed yet may still name the 4-tuple in
	 * CLOSED while a new incarnation lives: the live one is the state. */
	for (size_t i = 0; i < n; i++)
		if (list[i].laddr == laddr && list[i].lport == lport && list[i].raddr == raddr &&
		    list[i].rport == rport && list[i].state != SYNACK_STATE_CLOSED)
			return list[i].state;
	return SYNACK_STATE_CLOSED;
}

static void fill_tcp(struct synack_sc_run *r, struct synack_sc_entry *e, const uint8_t *pkt,
		     size_t len, bool learn)
{
	struct wire_ipv4 ip;
	struct wire_tcp t;
	const struct isn_rec *mine, *theirs;
	enum wire_err err;

	if (wire_ipv4_parse(pkt, len, &ip) != WIRE_OK || ip.proto != WIRE_IPPROTO_TCP)
		return;
	/* A segment whose header does not parse (S15) still names its endpoints: the
	 * arrival can be matched with the receiver's connection. */
	e->saddr = ip.src;
	e->daddr = ip.dst;
	if (ip.total_len - ip.hdr_len >= 4) {
		e->sport = (uint16_t)(pkt[ip.hdr_len] << 8 | pkt[ip.hdr_len + 1]);
		e->dport = (uint16_t)(pkt[ip.hdr_len + 2] << 8 | pkt[ip.hdr_len + 3]);
	}
	err = wire_tcp_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &t);
	if (err != WIRE_OK) {
		copy_text(e->text, sizeof e->text, wire_strerror(err));
		return;
	}
	e->is_tcp = true;
	e->tcp_flags = t.flags;
	e->tcp_hdr_len = t.hdr_len;
	e->urp = t.urp;
	e->win = t.win;
	e->mss = (t.opt.present & WIRE_HAS_MSS) ? t.opt.mss : 0;
	e->seq = t.seq;
	e->ack = t.ack;
	e->len = (uint32_t)t.payload_len;
	/* A crafted SYN on a 4-tuple whose ISN is known (a SYN into an established
	 * connection, S23, S26) does not start a new numbering; any other SYN does. */
	if (learn && (t.flags & WIRE_TCP_SYN) &&
	    !(r->injecting && isn_find(r, ip.src, t.sport, ip.dst, t.dport)))
		isn_learn(r, &ip, &t);
	mine = isn_find(r, ip.src, t.sport, ip.dst, t.dport);
	theirs = isn_find(r, ip.dst, t.dport, ip.src, t.sport);
	e->rel_seq = mine ? t.seq - mine->isn : t.seq;
	e->rel_ack = theirs ? t.ack - theirs->isn : t.ack;
	if (learn && e->host >= 0)
		e->state = state_of(r, r->host[e->host], ip.src, t.sport, ip.dst, t.dport);
}

/* ---- simulator callbacks ----------------------------------------------------------- */

static void on_tap(void *ctx, const struct synack_sim_tap *t)
{
	struct synack_sc_run *r = ctx;
	bool send = t->kind == SYNACK_SIM_TAP_SEND;
	int h = host_index(r, send ? t->src_host : t->dst_host);
	struct synack_sc_entry *e = log_add(r, send ? SYNACK_SC_LOG_SEND : SYNACK_SC_LOG_DELIVER, h);

	if (!e)
		return;
	e->peer = host_index(r, send ? t->dst_host : t->src_host);
	e->pkt_id = t->pkt_id;
	e->fate = t->fate;
	e->sim_flags = t->flags;
	e->is_dup = t->is_duplicate;
	e->injected = send && r->injecting;
	fill_tcp(r, e, t->pkt, t->len, send);
	if (send) {
		if (r->alen + t->len <= r->acap) {
			memcpy(r->arena + r->alen, t->pkt, t->len);
			e->pkt_off = (uint32_t)r->alen;
			e->pkt_len = (uint32_t)t->len;
			r->alen += t->len;
		} else {
			r->truncated = true;
		}
	} else if (h >= 0) {
		r->pending[h] = (long)(e - r->log);
	}
}

static int free_slot(const struct synack_sc_run *r, int h)
{
	for (int i = 0; i < SYNACK_SC_SLOTS; i++)
		if (r->fd[h][i] < 0)
			return i;
	return -1;
}

static struct text *t_addr(struct text *t, uint32_t a);

/* accept(lfd), logged with the peer of the connection it returns. */
static int do_accept(struct synack_sc_run *r, int h, int lfd)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	uint32_t addr = 0;
	uint16_t port = 0;
	int fd = synack_accept(s, lfd, &addr, &port);
	struct text t;

	t_str(t_call(&t, "accept", lfd), ")");
	if (fd >= 0)
		t_num(t_str(t_addr(t_str(&t, " from "), addr), ":"), port);
	log_call(r, h, fd, t.s);
	return fd;
}

static void auto_accept(struct synack_sc_run *r, int h, int lfd)
{
	for (;;) {
		int slot = free_slot(r, h);
		int fd;

		if (slot < 0)
			return;
		fd = do_accept(r, h, lfd);
		if (fd < 0)
			return;
		r->fd[h][slot] = fd;
	}
}

static void read_all(struct synack_sc_run *r, int h, int fd)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	struct text t;

	for (;;) {
		ssize_t n = synack_recv(s, fd, r->rbuf, sizeof r->rbuf - 1, 0);

		if (n == -EAGAIN)
			return;
		t_str(t_call(&t, "recv", fd), ")");
		if (n > 0) {
			/* Show the start of the data, as text, control bytes as '.'. */
			char show[25];
			size_t k = (size_t)n < 24 ? (size_t)n : 24;

			for (size_t i = 0; i < k; i++)
				show[i] = r->rbuf[i] >= 32 && r->rbuf[i] < 127 ? (char)r->rbuf[i] : '.';
			show[k] = '\0';
			t_str(t_str(t_str(&t, " \""), show), "\"");
		}
		log_call(r, h, (long)n, t.s);
		if (n <= 0)
			return;
	}
}

static void on_obs(void *ctx, struct synack_sim *sim, const struct synack_sim_obs *o)
{
	struct synack_sc_run *r = ctx;
	int h = host_index(r, o->host);
	struct synack_sc_entry *e;

	(void)sim;
	if (h < 0)
		return;
	if (o->kind == SYNACK_SIM_OBS_NOTE) {
		e = log_add(r, SYNACK_SC_LOG_NOTE, h);
		if (e)
			e->note = *o->note;
		if (o->note->dir == SYNACK_NOTE_IN && r->pending[h] >= 0) {
			struct synack_sc_entry *d = &r->log[r->pending[h]];

			d->decision = o->note->reason;
			d->verdict = o->note->verdict;
			d->state_before = o->note->state_before;
			/* The state as the stack holds it now (after this segment), not as the
			 * note tells it: the ladder shows what the connection really is. */
			d->state = d->is_tcp || d->dport ? state_of(r, o->host, d->daddr, d->dport,
								     d->saddr, d->sport)
							 : o->note->state_after;
			/* A listener's child that is gone "returns to LISTEN" (RFC 9293
			 * §3.10.7.4 second check): the endpoint is the listener again. */
			/* A header that did not parse reached no connection: it changed
			 * nothing, whatever state it was aimed at. */
			if (!d->is_tcp && d->dport)
				d->state_before = d->state;
			if (d->state == SYNACK_STATE_CLOSED &&
			    o->note->state_after == SYNACK_STATE_LISTEN)
				d->state = SYNACK_STATE_LISTEN;
			r->pending[h] = -1;
		}
		return;
	}
	e = log_add(r, SYNACK_SC_LOG_EVENT, h);
	if (e)
		e->event = *o->event;
	if (o->event->kind == SYNACK_EV_ACCEPTABLE && r->sc->auto_accept[h])
		auto_accept(r, h, o->event->fd);
	if (o->event->kind == SYNACK_EV_READABLE && r->sc->auto_read[h])
		read_all(r, h, o->event->fd);
}

/* ---- script steps ------------------------------------------------------------------ */

static int new_socket(struct synack_sc_run *r, int h, int slot)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	int fd;

	if (r->fd[h][slot] >= 0)
		return r->fd[h][slot];
	fd = synack_socket(s);
	log_call(r, h, fd, "socket()");
	if (fd >= 0)
		r->fd[h][slot] = fd;
	return fd;
}

static struct text *t_addr(struct text *t, uint32_t a)
{
	if (!a)
		return t_str(t, "*");
	for (int i = 3; i >= 0; i--)
		t_str(t_num(t, (long)((a >> (8 * i)) & 255)), i ? "." : "");
	return t;
}

static void do_bind(struct synack_sc_run *r, int h, int fd, uint32_t addr, uint16_t port)
{
	struct text t;

	t_str(t_num(t_str(t_addr(t_str(t_call(&t, "bind", fd), ", "), addr), ":"), port), ")");
	log_call(r, h, synack_bind(synack_sim_stack(r->sim, r->host[h]), fd, addr, port), t.s);
}

/* Whether the socket still needs a bind (its local port is 0). */
static bool is_unbound(struct synack_sc_run *r, int h, int fd)
{
	uint32_t a = 0;
	uint16_t p = 0;

	return synack_getsockname(synack_sim_stack(r->sim, r->host[h]), fd, &a, &p) < 0 || !p;
}

static void set_int_opt(struct synack_sc_run *r, int h, int fd, int level, int name,
			const char *what)
{
	int one = 1;
	struct text t;

	t_str(t_str(t_str(t_call(&t, "setsockopt", fd), ", "), what), ", 1)");
	log_call(r, h, synack_setsockopt(synack_sim_stack(r->sim, r->host[h]), fd, level, name,
					 &one, sizeof one), t.s);
}

static void step_socket_op(struct synack_sc_run *r, const struct synack_sc_step *st)
{
	int h = st->host, fd = r->fd[h][st->slot];
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	struct text t;
	long ret;

	switch (st->op) {
	case SYNACK_SC_SEND:
		t_str(t_num(t_str(t_call(&t, "send", fd), ", "), (long)st->arg), " bytes)");
		ret = (long)synack_send(s, fd, st->data, st->arg, 0);
		break;
	case SYNACK_SC_RECV:
		read_all(r, h, fd);
		return;
	case SYNACK_SC_SHUTDOWN:
		t_str(t_str(t_call(&t, "shutdown", fd),
			    st->arg == SYNACK_SHUT_WR ? ", SHUT_WR" :
			    st->arg == SYNACK_SHUT_RD ? ", SHUT_RD" : ", SHUT_RDWR"), ")");
		ret = synack_shutdown(s, fd, (int)st->arg);
		break;
	case SYNACK_SC_CLOSE:
		t_str(t_call(&t, "close", fd), ")");
		ret = synack_close(s, fd);
		r->fd[h][st->slot] = -1;
		break;
	case SYNACK_SC_LINGER0: {
		struct synack_linger l = {1, 0};

		t_str(t_call(&t, "setsockopt", fd), ", SO_LINGER, {1, 0})");
		ret = synack_setsockopt(s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &l, sizeof l);
		break;
	}
	case SYNACK_SC_KEEPALIVE:
		set_int_opt(r, h, fd, SYNACK_SOL_SOCKET, SYNACK_SO_KEEPALIVE, "SO_KEEPALIVE");
		return;
	case SYNACK_SC_SEND_OOB:
		t_str(t_num(t_str(t_call(&t, "send", fd), ", "), (long)st->arg), " bytes, MSG_OOB)");
		ret = (long)synack_send(s, fd, st->data, st->arg, SYNACK_MSG_OOB);
		break;
	default:
		return;
	}
	log_call(r, h, ret, t.s);
}

/* The absolute number for a relative one: n + the ISN learnt for saddr:sport ->
 * daddr:dport, or n itself when none was seen. */
static uint32_t resolve(struct synack_sc_run *r, uint32_t n, uint32_t saddr, uint16_t sport,
			uint32_t daddr, uint16_t dport)
{
	const struct isn_rec *x = isn_find(r, saddr, sport, daddr, dport);

	return x ? x->isn + n : n;
}

/* RAW: the host's side of the link sends raw->count crafted segments; its stack never
 * sees them (the host is only the place where they enter the network). */
static void inject_raw(struct synack_sc_run *r, int h, const struct synack_sc_raw *raw)
{
	uint32_t count = raw && raw->count ? raw->count : 1;

	if (!raw)
		return;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t sa = (raw->saddr ? raw->saddr : h == 0 ? SYNACK_SC_ADDR_A :
			       SYNACK_SC_ADDR_B) + i;
		uint32_t da = raw->daddr ? raw->daddr : h == 0 ? SYNACK_SC_ADDR_B : SYNACK_SC_ADDR_A;
		uint16_t sp = (uint16_t)(raw->sport + i);
		uint32_t seq = resolve(r, raw->seq, sa, sp, da, raw->dport) + i * 7919u;
		uint32_t ack = resolve(r, raw->ack, da, raw->dport, sa, sp);
		size_t len = sim_sc_build_raw(raw, sa, sp, da, raw->dport, seq, ack,
					      (uint16_t)(0x5300 + i), r->pkt, sizeof r->pkt);

		if (!len) {
			log_mark(r, h, "crafted segment does not fit: not sent");
			continue;
		}
		r->injecting = true;
		synack_sim_send(r->sim, r->host[h], r->pkt, len);
		r->injecting = false;
	}
}

/* SS: the host's connection list as the stack holds it now, kept for the log. */
static void snapshot(struct synack_sc_run *r, int h)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	struct synack_sc_entry *e = log_add(r, SYNACK_SC_LOG_SS, h);
	size_t n;

	if (!e || !s)
		return;
	n = synack_sock_list(s, r->snap + r->nsnap, SNAP_CAP - r->nsnap);
	if (n > SNAP_CAP - r->nsnap) {
		r->truncated = true;
		n = SNAP_CAP - r->nsnap;
	}
	e->ss_off = r->nsnap;
	e->ss_count = (uint32_t)n;
	r->nsnap += (uint32_t)n;
	copy_text(e->text, sizeof e->text, "connection list (ss)");
}

static void run_step(struct synack_sc_run *r, const struct synack_sc_step *st)
{
	int h = st->host;
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	struct text t;
	int fd;

	switch (st->op) {
	case SYNACK_SC_LISTEN:
		fd = new_socket(r, h, st->slot);
		if (is_unbound(r, h, fd))
			do_bind(r, h, fd, st->addr, st->port);
		t_str(t_num(t_str(t_call(&t, "listen", fd), ", "), (long)st->arg), ")");
		log_call(r, h, synack_listen(s, fd, (int)st->arg), t.s);
		break;
	case SYNACK_SC_BIND:
		fd = new_socket(r, h, st->slot);
		do_bind(r, h, fd, st->addr, st->lport);
		break;
	case SYNACK_SC_REUSEADDR:
		fd = new_socket(r, h, st->slot);
		set_int_opt(r, h, fd, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, "SO_REUSEADDR");
		break;
	case SYNACK_SC_CONNECT: {
		uint32_t peer = st->addr ? st->addr : h == 0 ? SYNACK_SC_ADDR_B : SYNACK_SC_ADDR_A;
		bool fresh = r->fd[h][st->slot] < 0;

		fd = new_socket(r, h, st->slot);
		if (fresh && st->lport)
			do_bind(r, h, fd, 0, st->lport);
		t_str(t_call(&t, "connect", fd), ", ");
		for (int i = 3; i >= 0; i--)
			t_str(t_num(&t, (long)((peer >> (8 * i)) & 255)), i ? "." : ":");
		t_str(t_num(&t, st->port), ")");
		log_call(r, h, synack_connect(s, fd, peer, st->port), t.s);
		break;
	}
	case SYNACK_SC_ACCEPT:
		fd = do_accept(r, h, r->fd[h][st->from]);
		if (fd >= 0)
			r->fd[h][st->slot] = fd;
		break;
	case SYNACK_SC_PARTITION:
		synack_sim_partition(r->sim, r->link, st->arg != 0);
		log_mark(r, h, st->arg ? "link partitioned" : "link healed");
		break;
	case SYNACK_SC_DROP_NTH: {
		struct sim_port *p = NULL;
		struct sim_link *l = &r->sim->links[r->link];

		for (uint32_t i = 0; i < l->nports; i++)
			if (l->port[i].host == r->host[h])
				p = &l->port[i];
		if (p)
			synack_sim_drop_nth(r->sim, r->link, r->host[h], p->sent + st->arg);
		t.len = 0;
		t_str(t_str(t_num(t_str(&t, "packet #"), (long)st->arg), " from here on"),
		      " will be dropped");
		log_mark(r, h, t.s);
		break;
	}
	case SYNACK_SC_RAW:
		inject_raw(r, h, st->raw);
		break;
	case SYNACK_SC_SS:
		snapshot(r, h);
		break;
	case SYNACK_SC_ADD_ADDR:
		t.len = 0;
		t_addr(t_str(&t, "host adds address "), st->arg);
		synack_sim_host_add_addr(r->sim, r->host[h], st->arg);
		log_mark(r, h, t.s);
		break;
	case SYNACK_SC_TW_REUSE:
	case SYNACK_SC_SYNCOOKIES: {
		struct synack_config c = *synack_stack_config(s);
		bool tw = st->op == SYNACK_SC_TW_REUSE;

		if (tw)
			c.tw_reuse = st->arg;
		else
			c.syncookies = st->arg;
		t.len = 0;
		t_num(t_str(&t, tw ? "tw_reuse = " : "syncookies = "), (long)st->arg);
		log_mark(r, h, t.s);
		if (synack_stack_set_config(s, &c))
			log_mark(r, h, "the stack refused the configuration");
		break;
	}
	case SYNACK_SC_MARK:
		log_mark(r, h, st->data ? st->data : "");
		break;
	case SYNACK_SC_RESTART:
		synack_sim_restart_host(r->sim, r->host[h]);
		for (int i = 0; i < SYNACK_SC_SLOTS; i++)
			r->fd[h][i] = -1;
		log_mark(r, h, "host restarts: all state lost");
		break;
	default:
		step_socket_op(r, st);
		break;
	}
}

static void on_step(void *ctx, struct synack_sim *sim, uint64_t now_ns)
{
	struct synack_sc_run *r = ctx;
	const struct synack_sc_step *steps = r->sc->steps;

	while (steps[r->next_step].op != SYNACK_SC_END && steps[r->next_step].at_ns <= now_ns) {
		struct synack_stack *s = synack_sim_stack(sim, r->host[steps[r->next_step].host & 1]);

		/* Socket calls use the latest time the stack was given (synack.h "Time"):
		 * give it the current virtual time first, so a call at t acts at t (the ISN's
		 * clock, timestamps, timers armed by the call). Timers due now run first. */
		if (s)
			synack_advance(s, now_ns);
		run_step(r, &steps[r->next_step++]);
		/* Each call's packets leave before the next step (the driver loop). */
		synack_sim_flush(sim);
	}
	if (steps[r->next_step].op != SYNACK_SC_END)
		synack_sim_at(sim, steps[r->next_step].at_ns, on_step, r);
}

/* ---- the run ----------------------------------------------------------------------- */

static struct synack_sim *make_sim(struct synack_sc_run *r, uint64_t seed,
				   const struct synack_env *env)
{
	struct synack_sim_config cfg = {.seed = seed, .env = *env};
	struct synack_config hc[2];
	struct synack_sim *sim = synack_sim_new(&cfg);

	if (!sim)
		return NULL;
	for (int h = 0; h < 2; h++) {
		synack_config_default(&hc[h]);
		if (r->sc->configure)
			r->sc->configure(h, &hc[h]);
	}
	r->sim = sim;
	r->host[0] = synack_sim_add_stack_host(sim, "A", SYNACK_SC_ADDR_A, &hc[0]);
	r->host[1] = synack_sim_add_stack_host(sim, "B", SYNACK_SC_ADDR_B, &hc[1]);
	if (r->host[0] < 0 || r->host[1] < 0)
		return NULL;
	r->link = synack_sim_add_link(sim, r->host[0], r->host[1], &r->sc->ab, &r->sc->ba);
	if (r->link < 0)
		return NULL;
	synack_sim_set_tap(sim, on_tap, r);
	synack_sim_set_observer(sim, on_obs, r);
	return sim;
}

struct synack_sc_run *synack_sc_run(const struct synack_scenario *sc, uint64_t seed,
				    const struct synack_env *env)
{
	struct base_allocator a;
	struct synack_sc_run *r;

	if (!sc || !env || !env->alloc || !env->free || !sc->steps)
		return NULL;
	a = (struct base_allocator){env->alloc, env->free, env->ctx};
	r = base_zalloc(&a, sizeof(*r));
	if (!r)
		return NULL;
	r->a = a;
	r->sc = sc;
	r->cap = LOG_CAP;
	r->acap = ARENA_CAP;
	r->log = base_alloc(&a, sizeof(*r->log) * r->cap);
	r->arena = base_alloc(&a, r->acap);
	r->snap = base_alloc(&a, sizeof(*r->snap) * SNAP_CAP);
	r->pending[0] = r->pending[1] = -1;
	memset(r->fd, 0xff, sizeof r->fd);
	if (!r->log || !r->arena || !r->snap || !make_sim(r, seed, env)) {
		synack_sc_run_free(r);
		return NULL;
	}
	if (sc->steps[0].op != SYNACK_SC_END)
		synack_sim_at(r->sim, sc->steps[0].at_ns, on_step, r);
	synack_sim_run_until_idle(r->sim, sc->run_until_ns);
	return r;
}

void synack_sc_run_free(struct synack_sc_run *r)
{
	struct base_allocator a;

	if (!r)
		return;
	a = r->a;
	synack_sim_free(r->sim);
	base_free(&a, r->log, sizeof(*r->log) * r->cap);
	base_free(&a, r->arena, r->acap);
	base_free(&a, r->snap, sizeof(*r->snap) * SNAP_CAP);
	base_free(&a, r, sizeof(*r));
}

const struct synack_sc_entry *synack_sc_log(const struct synack_sc_run *r, size_t *count)
{
	*count = r->n;
	return r->log;
}

const uint8_t *synack_sc_packet(const struct synack_sc_run *r, const struct synack_sc_entry *e)
{
	if (e->kind != SYNACK_SC_LOG_SEND || e->pkt_len == 0)
		return NULL;
	return r->arena + e->pkt_off;
}

struct synack_sim *synack_sc_sim(const struct synack_sc_run *r)
{
	return r->sim;
}

int synack_sc_fd(const struct synack_sc_run *r, int host, int slot)
{
	if (host < 0 || host > 1 || slot < 0 || slot >= SYNACK_SC_SLOTS)
		return -1;
	return r->fd[host][slot];
}

const struct synack_sock_info *synack_sc_snapshot(const struct synack_sc_run *r,
						  const struct synack_sc_entry *e, size_t *count)
{
	if (!e || e->kind != SYNACK_SC_LOG_SS) {
		*count = 0;
		return NULL;
	}
	*count = e->ss_count;
	return r->snap + e->ss_off;
}

bool synack_sc_truncated(const struct synack_sc_run *r)
{
	return r->truncated;
}
