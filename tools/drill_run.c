/*
 * drill_run.c — runs a packetdrill script against one synack stack on a virtual clock.
 *
 * The script plays the remote peer (192.0.2.1, ports 40000 + flow) talking to synack
 * (192.168.0.1, port 8080 or the port synack picked). Events run in order at their
 * script times; between events the stack is advanced deadline by deadline, and every
 * packet it sends is queued with its send time. A "<" line builds and injects a packet;
 * a ">" line takes the next queued packet (advancing the clock up to its time plus the
 * tolerance) and compares it field by field; a call line maps onto the synack socket API.
 *
 * Numbering as packetdrill does: the script's own sequence numbers and TS values are
 * used on the wire as written; synack's sequence numbers are printed relative to its ISN
 * (learned from the first SYN it sends on a flow), its TS values relative to the first
 * TS val it sent (an inbound ecr is mapped back the same way).
 *
 * Blocking calls: synack never blocks, so a call on a socket without O_NONBLOCK that
 * gets -EAGAIN (or a connect's -EINPROGRESS) is retried after every change of the stack
 * until it completes; "a...b" calls let later events run meanwhile, and must complete
 * at b within the tolerance. docs/drill.md has the whole mapping and the deviations.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "synack/drill.h"
#include "synack/synack.h"
#include "synack/trace.h"

#include "drill_run.h"

#define LOCAL_ADDR  0xc0a80001u   /* 192.168.0.1 */
#define REMOTE_ADDR 0xc0000201u   /* 192.0.2.1 */
#define LOCAL_PORT  8080
#define RPORT_BASE  40000
#define FLOWS_MAX   16
#define FDS_MAX     64
#define QUEUE_MAX   256
#define PKT_CAP     2048
#define START_NS    1000000000ull /* the script's time 0 on the stack's clock */
#define ANY_WAIT_US 3600000000ll   /* "*" waits at most an hour of virtual time */
#define O_RDWR_VAL  2
#define O_NONBLOCK_VAL 0x800

struct flow {
	uint16_t lport;          /* synack's port; 0: LOCAL_PORT */
	bool isn_known, ts_known;
	uint32_t isn;            /* synack's ISN on this flow */
	uint32_t ts_script0, ts_actual0;
};

struct fdmap {
	int script_fd, fd;
	bool used, nonblock;
};

struct qpkt {
	int64_t t_us;
	size_t len;
	uint8_t b[PKT_CAP];
};

/* A call that would block and is being retried. */
struct pending {
	bool active;
	const struct synack_drill_event *ev;
	int64_t start_us, end_us;   /* end: when it must complete (± tolerance) */
	int64_t timeout_us;         /* poll: when its timeout runs out */
	int64_t done_bytes;         /* write/send: queued so far */
	bool connect_started;
};

struct runner {
	struct drill_opts o;
	struct synack_stack *s;
	uint64_t now_ns;
	int64_t last_us;            /* base of relative times */
	struct flow flows[FLOWS_MAX];
	struct fdmap fds[FDS_MAX];
	struct qpkt *q;             /* FIFO of packets synack sent, not yet matched */
	size_t qhead, qlen;
	int connects;
	int sut_fd;                 /* synack fd of the last socket()/accept(): the socket
	                             * %{ tcpi_* }% blocks look at; -1 none */
	struct pending pend;
	struct synack_trace tr;
	char **trace;
	size_t ntrace, captrace;
	FILE *out;
	const char *path;
	/* the first failure */
	bool failed;
	int fail_line;
	char fail_msg[320], fail_expected[320], fail_actual[320];
	const char *fail_text;
};

static int64_t now_us(const struct runner *r)
{
	return (int64_t)(r->now_ns - START_NS) / 1000;
}

__attribute__((format(printf, 3, 4)))
static void fail(struct runner *r, const struct synack_drill_event *ev, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	r->fail_line = ev ? ev->line : 0;
	r->fail_text = ev ? ev->text : NULL;
	va_start(ap, fmt);
	vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
	va_end(ap);
}

static void add_trace(struct runner *r, char dir, const uint8_t *pkt, size_t len)
{
	char line[400];
	int64_t t = now_us(r);

	size_t n = (size_t)snprintf(line, sizeof line, "%3lld.%06lld %c ", (long long)(t / 1000000),
				    (long long)(t % 1000000), dir);
	synack_trace_format(&r->tr, line + n, sizeof line - n, pkt, len, len, 0);
	if (r->ntrace == r->captrace) {
		size_t cap = r->captrace ? 2 * r->captrace : 64;
		char **v = realloc(r->trace, cap * sizeof *v);
		if (!v)
			return;
		r->trace = v;
		r->captrace = cap;
	}
	r->trace[r->ntrace] = strdup(line);
	if (r->trace[r->ntrace])
		r->ntrace++;
}

/* ---- the stack's side: output, time --------------------------------------------- */

static void collect(struct runner *r)
{
	struct synack_event sev;
	struct synack_note note;
	uint8_t buf[PKT_CAP];
	size_t n;

	while ((n = synack_output(r->s, r->now_ns, buf, sizeof buf)) > 0) {
		add_trace(r, '>', buf, n);
		if (r->qlen == QUEUE_MAX) {
			fail(r, NULL, "more than %d packets sent and not expected", QUEUE_MAX);
			continue;
		}
		struct qpkt *p = &r->q[(r->qhead + r->qlen++) % QUEUE_MAX];
		p->t_us = now_us(r);
		p->len = n;
		memcpy(p->b, buf, n);
	}
	while (synack_poll_event(r->s, &sev))
		;
	while (synack_poll_note(r->s, &note))
		;
}

static void retry_pending(struct runner *r);
static int64_t pending_deadline_us(const struct runner *r);

/* Runs the stack's timers up to script time t_us (never backwards), retrying a
 * pending blocking call after each step. Stops early once stop_on_packet and a packet
 * is queued. */
static void advance_to(struct runner *r, int64_t t_us, bool stop_on_packet)
{
	uint64_t target = START_NS + (uint64_t)(t_us < 0 ? 0 : t_us) * 1000;

	while (!r->failed) {
		if (stop_on_packet && r->qlen)
			return;
		uint64_t d = synack_next_deadline(r->s);
		if (r->pend.active) {
			uint64_t pd = START_NS + (uint64_t)pending_deadline_us(r) * 1000;
			d = pd < d ? pd : d;
		}
		if (d <= r->now_ns)
			d = r->now_ns + 1000;
		if (d > target)
			break;
		r->now_ns = d;
		synack_advance(r->s, r->now_ns);
		collect(r);
		retry_pending(r);
	}
	if (target > r->now_ns) {
		r->now_ns = target;
		synack_advance(r->s, r->now_ns);
		collect(r);
		retry_pending(r);
	}
}

/* ---- descriptors ------------------------------------------------------------------ */

static struct fdmap *find_fd(struct runner *r, int64_t script_fd)
{
	for (int i = 0; i < FDS_MAX; i++)
		if (r->fds[i].used && r->fds[i].script_fd == script_fd)
			return &r->fds[i];
	return NULL;
}

static void map_fd(struct runner *r, const struct synack_drill_event *ev, int64_t script_fd,
		   int fd)
{
	struct fdmap *old = find_fd(r, script_fd);

	if (old) {      /* a closed descriptor's number used again */
		*old = (struct fdmap){.script_fd = (int)script_fd, .fd = fd, .used = true};
		return;
	}
	for (int i = 0; i < FDS_MAX; i++)
		if (!r->fds[i].used) {
			r->fds[i] = (struct fdmap){.script_fd = (int)script_fd, .fd = fd, .used = true};
			return;
		}
	fail(r, ev, "more than %d descriptors", FDS_MAX);
}

/* ---- outbound packets: mapping and matching ---------------------------------------- */

static int flow_of_port(uint16_t rport)
{
	return rport >= RPORT_BASE && rport < RPORT_BASE + FLOWS_MAX ? rport - RPORT_BASE : -1;
}

/* What synack sent, in the script's numbering. */
static void map_outbound(struct runner *r, const struct synack_drill_wire *w,
			 struct synack_drill_pkt *p, bool learn)
{
	struct flow *f = &r->flows[flow_of_port(w->dport)];

	memset(p, 0, sizeof *p);
	if (learn && (w->flags & 0x02) && !f->isn_known) {
		f->isn = w->seq;
		f->isn_known = true;
	}
	p->dir = '>';
	p->flow = (uint8_t)flow_of_port(w->dport);
	p->flags = w->flags;
	p->seq = w->seq - (f->isn_known ? f->isn : 0);
	p->len = (uint32_t)w->payload_len;
	p->end = p->seq + p->len;
	p->has_ack = (w->flags & 0x10) != 0;
	p->ack = w->ack;
	p->has_win = true;
	p->win = w->win;
	p->has_urg = (w->flags & 0x20) != 0;
	p->urg = w->urg;
	p->has_opts = w->nopts > 0;
	p->nopts = w->nopts;
	memcpy(p->opts, w->opts, sizeof p->opts);
	for (unsigned i = 0; i < p->nopts; i++) {
		struct synack_drill_opt *o = &p->opts[i];
		if (o->kind != SYNACK_DRILL_OPT_TS)
			continue;
		if (learn && !f->ts_known)
			continue;   /* set by the comparison, which knows the script's value */
		if (f->ts_known)
			o->v[0] = o->v[0] - f->ts_actual0 + f->ts_script0;
	}
}

static bool is_padding(uint8_t kind)
{
	return kind == SYNACK_DRILL_OPT_NOP || kind == SYNACK_DRILL_OPT_EOL;
}

static bool opt_equal(const struct synack_drill_opt *a, const struct synack_drill_opt *b,
		      bool check_tsval)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SYNACK_DRILL_OPT_MSS:
	case SYNACK_DRILL_OPT_WSCALE:
		return a->v[0] == b->v[0];
	case SYNACK_DRILL_OPT_TS:
		return (!check_tsval || a->v[0] == b->v[0]) && a->v[1] == b->v[1];
	case SYNACK_DRILL_OPT_SACK:
		return a->nblocks == b->nblocks &&
		       !memcmp(a->v, b->v, sizeof a->v[0] * 2u * a->nblocks);
	default:
		return true;
	}
}

/* Options: exact list in order; lenient: the same non-padding options in any order. */
static bool opts_match(const struct runner *r, const struct synack_drill_pkt *e,
		       const struct synack_drill_pkt *a, bool check_tsval)
{
	if (e->opts_any)
		return true;
	if (!r->o.lenient) {
		if (e->nopts != a->nopts)
			return false;
		for (unsigned i = 0; i < e->nopts; i++)
			if (!opt_equal(&e->opts[i], &a->opts[i], check_tsval))
				return false;
		return true;
	}
	unsigned ne = 0, na = 0;
	for (unsigned i = 0; i < e->nopts; i++)
		ne += !is_padding(e->opts[i].kind);
	for (unsigned i = 0; i < a->nopts; i++)
		na += !is_padding(a->opts[i].kind);
	if (ne != na)
		return false;
	for (unsigned i = 0; i < e->nopts; i++) {
		bool found = is_padding(e->opts[i].kind);
		for (unsigned k = 0; k < a->nopts && !found; k++)
			found = opt_equal(&e->opts[i], &a->opts[k], false);
		if (!found)
			return false;
	}
	return true;
}

/* Takes the TS val mapping from the first outbound TS option of a flow. */
static void learn_ts(struct runner *r, const struct synack_drill_pkt *e,
		     const struct synack_drill_wire *w)
{
	struct flow *f = &r->flows[flow_of_port(w->dport)];

	if (f->ts_known || e->opts_any)
		return;
	for (unsigned i = 0; i < e->nopts; i++)
		for (unsigned k = 0; k < w->nopts; k++)
			if (e->opts[i].kind == SYNACK_DRILL_OPT_TS &&
			    w->opts[k].kind == SYNACK_DRILL_OPT_TS) {
				f->ts_known = true;
				f->ts_script0 = e->opts[i].v[0];
				f->ts_actual0 = w->opts[k].v[0];
				return;
			}
}

/* Which field differs, or NULL. */
static const char *compare(const struct runner *r, const struct synack_drill_pkt *e,
			   const struct synack_drill_pkt *a)
{
	if (e->flow != a->flow)
		return "flow (remote port)";
	if (e->flags != a->flags)
		return "flags";
	if (e->seq != a->seq)
		return "seq";
	if (e->len != a->len)
		return "length";
	if (e->has_ack && e->ack != a->ack)
		return "ack";
	if (e->has_win && !r->o.lenient && e->win != a->win)
		return "win";
	if (e->has_urg && e->urg != a->urg)
		return "urg";
	if (!opts_match(r, e, a, !r->o.lenient))
		return "TCP options";
	return NULL;
}

static bool pop_packet(struct runner *r, struct synack_drill_wire *w, int64_t *t_us)
{
	struct qpkt *p = &r->q[r->qhead];

	if (!r->qlen)
		return false;
	r->qhead = (r->qhead + 1) % QUEUE_MAX;
	r->qlen--;
	*t_us = p->t_us;
	return synack_drill_parse(p->b, p->len, w) == 0 && flow_of_port(w->dport) >= 0;
}

/* --lenient: merges the following contiguous segments while the script's one is longer. */
static void merge_segments(struct runner *r, const struct synack_drill_pkt *e,
			   struct synack_drill_wire *w, int64_t hi_us)
{
	struct synack_drill_wire next;
	int64_t t;
	uint32_t want = e->len;

	while (w->payload_len < want && !r->failed) {
		if (!r->qlen)
			advance_to(r, hi_us, true);
		if (!r->qlen)
			return;
		struct qpkt *p = &r->q[r->qhead];
		if (synack_drill_parse(p->b, p->len, &next) || next.dport != w->dport ||
		    next.seq != w->seq + w->payload_len ||
		    (next.flags & ~0x08) != (w->flags & ~0x08))
			return;
		pop_packet(r, &next, &t);
		w->payload_len += next.payload_len;
		w->flags |= next.flags;
		w->ack = next.ack;
		w->win = next.win;
	}
}

static void do_outbound(struct runner *r, const struct synack_drill_event *ev,
			int64_t lo_us, int64_t hi_us)
{
	struct synack_drill_wire w;
	struct synack_drill_pkt a;
	int64_t t;

	if (!r->qlen)
		advance_to(r, hi_us, true);
	if (r->failed)
		return;
	if (!r->qlen) {
		fail(r, ev, "expected packet not sent by %.6f", (double)hi_us / 1e6);
		synack_drill_format(&ev->pkt, r->fail_expected, sizeof r->fail_expected);
		snprintf(r->fail_actual, sizeof r->fail_actual, "nothing");
		return;
	}
	if (!pop_packet(r, &w, &t)) {
		fail(r, ev, "synack sent a packet that is not TCP to the script's peer");
		return;
	}
	if (r->o.lenient)
		merge_segments(r, &ev->pkt, &w, hi_us);
	map_outbound(r, &w, &a, true);
	learn_ts(r, &ev->pkt, &w);
	map_outbound(r, &w, &a, false);
	const char *diff = t < lo_us ? "send time" : compare(r, &ev->pkt, &a);
	if (!diff)
		return;
	fail(r, ev, "outbound packet: %s differs", diff);
	size_t n = synack_drill_format(&ev->pkt, r->fail_expected, sizeof r->fail_expected);
	if (n < sizeof r->fail_expected)
		snprintf(r->fail_expected + n, sizeof r->fail_expected - n, "   at %.6f~%.6f",
			 (double)lo_us / 1e6, (double)hi_us / 1e6);
	n = synack_drill_format(&a, r->fail_actual, sizeof r->fail_actual);
	if (n < sizeof r->fail_actual)
		snprintf(r->fail_actual + n, sizeof r->fail_actual - n, "   at %.6f",
			 (double)t / 1e6);
}

/* ---- inbound packets ---------------------------------------------------------------- */

static void do_inbound(struct runner *r, const struct synack_drill_event *ev)
{
	const struct synack_drill_pkt *p = &ev->pkt;
	struct flow *f;
	struct synack_drill_wire w;
	uint8_t buf[PKT_CAP];

	if (p->flow >= FLOWS_MAX || p->opts_any) {
		fail(r, ev, p->opts_any ? "<...> is only for outbound packets"
					: "flow number too large");
		return;
	}
	f = &r->flows[p->flow];
	memset(&w, 0, sizeof w);
	w.src = REMOTE_ADDR;
	w.dst = LOCAL_ADDR;
	w.sport = (uint16_t)(RPORT_BASE + p->flow);
	w.dport = f->lport ? f->lport : LOCAL_PORT;
	w.seq = p->seq;
	w.ack = p->has_ack ? p->ack + (f->isn_known ? f->isn : 0) : 0;
	w.flags = p->flags;
	w.win = (uint16_t)(p->has_win ? p->win : 65535);
	w.urg = p->urg;
	w.nopts = p->nopts;
	memcpy(w.opts, p->opts, sizeof w.opts);
	w.payload_len = p->len;
	for (unsigned i = 0; i < w.nopts; i++) {
		struct synack_drill_opt *o = &w.opts[i];
		if (o->kind == SYNACK_DRILL_OPT_TS && f->ts_known && o->v[1])
			o->v[1] = o->v[1] - f->ts_script0 + f->ts_actual0;
		if (o->kind == SYNACK_DRILL_OPT_SACK && f->isn_known)
			for (unsigned k = 0; k < 2u * o->nblocks; k++)
				o->v[k] += f->isn;
	}
	size_t n = synack_drill_build(&w, buf, sizeof buf);
	if (!n) {
		fail(r, ev, "cannot build the packet (options longer than 40 bytes?)");
		return;
	}
	add_trace(r, '<', buf, n);
	synack_input(r->s, r->now_ns, buf, n);
	collect(r);
	retry_pending(r);
}

/* ---- system calls ------------------------------------------------------------------- */

static bool arg_value(struct runner *r, const struct synack_drill_event *ev, int i,
		      int64_t *v)
{
	if (i >= ev->call.nargs || !synack_drill_value(ev->call.args[i], v)) {
		fail(r, ev, "%s(): argument %d '%s' is not a number or known name",
		     ev->call.name, i + 1, i < ev->call.nargs ? ev->call.args[i] : "");
		return false;
	}
	return true;
}

/* The script descriptor of argument 0, mapped. */
static struct fdmap *arg_fd(struct runner *r, const struct synack_drill_event *ev)
{
	int64_t v;
	struct fdmap *m;

	if (!arg_value(r, ev, 0, &v))
		return NULL;
	m = find_fd(r, v);
	if (!m)
		fail(r, ev, "%s(): descriptor %lld was never opened", ev->call.name, (long long)v);
	return m;
}

/* Compares a call's result (ret >= 0, or -errno) with the script's. */
static void check_result(struct runner *r, const struct synack_drill_event *ev, int64_t ret)
{
	const struct synack_drill_call *c = &ev->call;
	bool ok = ret < 0 ? c->ret == -1 && c->err == -ret : c->ret == ret && !c->err;

	if (ok)
		return;
	fail(r, ev, "%s() returned the wrong result", c->name);
	if (c->err)
		snprintf(r->fail_expected, sizeof r->fail_expected, "= %lld %s", (long long)c->ret,
			 synack_drill_errno_name(c->err));
	else
		snprintf(r->fail_expected, sizeof r->fail_expected, "= %lld", (long long)c->ret);
	if (ret < 0)
		snprintf(r->fail_actual, sizeof r->fail_actual, "= -1 %s",
			 synack_drill_errno_name((int)-ret));
	else
		snprintf(r->fail_actual, sizeof r->fail_actual, "= %lld", (long long)ret);
}

/* "{onoff=1, linger=0}" */
static bool parse_linger(const char *s, struct synack_linger *l)
{
	return sscanf(s, " { onoff = %d , linger = %d }", &l->l_onoff, &l->l_linger) == 2;
}

/* "[{fd=4, events=POLLIN, revents=POLLIN}]": fd, events, revents. */
static bool parse_pollfd(const char *s, int64_t v[3])
{
	static const char *keys[3] = {"fd=", "events=", "revents="};
	char tmp[SYNACK_DRILL_ARG_CAP];

	for (int i = 0; i < 3; i++) {
		const char *k = strstr(s, keys[i]);
		if (i == 1 && k && k > s && k[-1] == 'r')
			k = strstr(k + 1, keys[i]);
		if (!k)
			return false;
		k += strlen(keys[i]);
		size_t n = strcspn(k, ",}");
		if (n >= sizeof tmp)
			return false;
		memcpy(tmp, k, n);
		tmp[n] = '\0';
		if (!synack_drill_value(tmp, &v[i]))
			return false;
	}
	return true;
}

static void check_buf_value(struct runner *r, const struct synack_drill_event *ev,
			    int name, int64_t want, int64_t got)
{
	if (want == got)
		return;
	if (r->o.lenient && (name == SYNACK_SO_RCVBUF || name == SYNACK_SO_SNDBUF)) {
		fprintf(r->out, "notice %s:%d: getsockopt value %lld, the script says %lld "
			"(--lenient)\n", r->path, ev->line, (long long)got, (long long)want);
		return;
	}
	fail(r, ev, "getsockopt(): wrong value");
	snprintf(r->fail_expected, sizeof r->fail_expected, "[%lld]", (long long)want);
	if (name == SYNACK_SO_ERROR && got > 0)
		snprintf(r->fail_actual, sizeof r->fail_actual, "[%s]",
			 synack_drill_errno_name((int)got));
	else
		snprintf(r->fail_actual, sizeof r->fail_actual, "[%lld]", (long long)got);
}

static int64_t call_sockopt(struct runner *r, const struct synack_drill_event *ev,
			    struct fdmap *m, bool set)
{
	int64_t level, name, v = 0;
	struct synack_linger l;

	if (!arg_value(r, ev, 1, &level) || !arg_value(r, ev, 2, &name))
		return 0;
	if (set) {
		if (name == SYNACK_SO_LINGER) {
			if (!parse_linger(ev->call.args[3], &l)) {
				fail(r, ev, "setsockopt(): SO_LINGER value must be {onoff=N, linger=N}");
				return 0;
			}
			return synack_setsockopt(r->s, m->fd, (int)level, (int)name, &l, sizeof l);
		}
		if (!arg_value(r, ev, 3, &v))
			return 0;
		int iv = (int)v;
		return synack_setsockopt(r->s, m->fd, (int)level, (int)name, &iv, sizeof iv);
	}
	if (name == SYNACK_SO_LINGER) {
		size_t len = sizeof l;
		int ret = synack_getsockopt(r->s, m->fd, (int)level, (int)name, &l, &len);
		if (ret == 0 && !parse_linger(ev->call.args[3], &(struct synack_linger){0}))
			fail(r, ev, "getsockopt(): SO_LINGER value must be {onoff=N, linger=N}");
		struct synack_linger want;
		if (ret == 0 && parse_linger(ev->call.args[3], &want) &&
		    (!want.l_onoff != !l.l_onoff || want.l_linger != l.l_linger))
			fail(r, ev, "getsockopt(): SO_LINGER is {onoff=%d, linger=%d}",
			     l.l_onoff, l.l_linger);
		return ret;
	}
	int iv = 0;
	size_t len = sizeof iv;
	int ret = synack_getsockopt(r->s, m->fd, (int)level, (int)name, &iv, &len);
	if (ret == 0 && arg_value(r, ev, 3, &v))
		check_buf_value(r, ev, (int)name, v, iv);
	return ret;
}

/* Runs a call once. Returns true when it completed (result in *ret), false when it
 * would block on a blocking socket (then nothing is compared yet). */
static bool try_call(struct runner *r, const struct synack_drill_event *ev, int64_t *ret)
{
	const struct synack_drill_call *c = &ev->call;
	static uint8_t buf[1 << 20];
	struct fdmap *m = NULL;
	int64_t v = 0, flags = 0;

	*ret = 0;
	if (strcmp(c->name, "socket") && strcmp(c->name, "poll") && !(m = arg_fd(r, ev)))
		return true;
	if (!strcmp(c->name, "socket")) {
		if (c->nargs != 3 || (arg_value(r, ev, 1, &v) && v != 1) ||
		    (arg_value(r, ev, 2, &flags) && flags != 6 && flags != 0)) {
			fail(r, ev, "socket(): only SOCK_STREAM, IPPROTO_TCP");
			return true;
		}
		*ret = synack_socket(r->s);
		if (*ret >= 0)
			r->sut_fd = (int)*ret;
		if (*ret >= 0 && c->ret >= 0)
			map_fd(r, ev, c->ret, (int)*ret);
		if (*ret >= 0)
			*ret = c->ret >= 0 ? c->ret : *ret;
	} else if (!strcmp(c->name, "bind")) {
		*ret = synack_bind(r->s, m->fd, LOCAL_ADDR, LOCAL_PORT);
	} else if (!strcmp(c->name, "listen")) {
		if (arg_value(r, ev, 1, &v))
			*ret = synack_listen(r->s, m->fd, (int)v);
	} else if (!strcmp(c->name, "accept")) {
		*ret = synack_accept(r->s, m->fd, NULL, NULL);
		if (*ret == -EAGAIN && !m->nonblock)
			return false;
		if (*ret >= 0)
			r->sut_fd = (int)*ret;
		if (*ret >= 0 && c->ret >= 0)
			map_fd(r, ev, c->ret, (int)*ret);
		if (*ret >= 0)
			*ret = c->ret >= 0 ? c->ret : *ret;
	} else if (!strcmp(c->name, "connect")) {
		if (!r->pend.connect_started || r->pend.ev != ev) {
			int flow = r->connects < FLOWS_MAX ? r->connects++ : FLOWS_MAX - 1;
			*ret = synack_connect(r->s, m->fd, REMOTE_ADDR, (uint16_t)(RPORT_BASE + flow));
			uint16_t port = 0;
			if (synack_getsockname(r->s, m->fd, NULL, &port) == 0 && port)
				r->flows[flow].lport = port;
			if (*ret != -EINPROGRESS || m->nonblock)
				return true;
			r->pend.connect_started = true;
			r->pend.ev = ev;
		}
		int rev = synack_poll(r->s, m->fd, SYNACK_POLLOUT);
		if (!(rev & (SYNACK_POLLOUT | SYNACK_POLLERR | SYNACK_POLLHUP)))
			return false;
		int err = 0;
		size_t len = sizeof err;
		synack_getsockopt(r->s, m->fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len);
		*ret = -err;
	} else if (!strcmp(c->name, "read") || !strcmp(c->name, "recv")) {
		if (!arg_value(r, ev, 2, &v) || (c->name[0] == 'r' && c->name[1] == 'e' &&
						 c->name[2] == 'c' && !arg_value(r, ev, 3, &flags)))
			return true;
		if (v < 0 || (size_t)v > sizeof buf) {
			fail(r, ev, "%s(): length out of range", c->name);
			return true;
		}
		*ret = synack_recv(r->s, m->fd, buf, (size_t)v, (int)flags);
		if (*ret == -EAGAIN && !m->nonblock && !(flags & SYNACK_MSG_DONTWAIT))
			return false;
	} else if (!strcmp(c->name, "write") || !strcmp(c->name, "send")) {
		if (!arg_value(r, ev, 2, &v) || (c->name[0] == 's' && !arg_value(r, ev, 3, &flags)))
			return true;
		if (v < 0 || (size_t)v > sizeof buf) {
			fail(r, ev, "%s(): length out of range", c->name);
			return true;
		}
		bool blocking = !m->nonblock && !(flags & SYNACK_MSG_DONTWAIT);
		int64_t done = r->pend.ev == ev ? r->pend.done_bytes : 0;
		int64_t n = synack_send(r->s, m->fd, buf, (size_t)(v - done), (int)flags);
		if (n > 0)
			done += n;
		if (blocking && (n == -EAGAIN || (n > 0 && done < v))) {
			r->pend.ev = ev;
			r->pend.done_bytes = done;
			return false;
		}
		*ret = n < 0 && done == 0 ? n : done;
	} else if (!strcmp(c->name, "shutdown")) {
		if (arg_value(r, ev, 1, &v))
			*ret = synack_shutdown(r->s, m->fd, (int)v);
	} else if (!strcmp(c->name, "close")) {
		/* the mapping stays: a later call on it gets synack's EBADF */
		*ret = synack_close(r->s, m->fd);
	} else if (!strcmp(c->name, "fcntl")) {
		if (!arg_value(r, ev, 1, &v))
			return true;
		if (v == 3) {
			*ret = O_RDWR_VAL | (m->nonblock ? O_NONBLOCK_VAL : 0);
		} else if (v == 4 && arg_value(r, ev, 2, &flags)) {
			m->nonblock = (flags & O_NONBLOCK_VAL) != 0;
			*ret = 0;
		} else if (v != 4) {
			fail(r, ev, "fcntl(): only F_GETFL and F_SETFL");
		}
	} else if (!strcmp(c->name, "setsockopt") || !strcmp(c->name, "getsockopt")) {
		if (c->nargs != 5) {
			fail(r, ev, "%s(): expected 5 arguments", c->name);
			return true;
		}
		*ret = call_sockopt(r, ev, m, c->name[0] == 's');
	} else if (!strcmp(c->name, "poll")) {
		int64_t pf[3], nfds, timeout;
		if (c->nargs != 3 || !parse_pollfd(c->args[0], pf) || !arg_value(r, ev, 1, &nfds) ||
		    !arg_value(r, ev, 2, &timeout) || nfds != 1) {
			fail(r, ev, "poll(): expected [{fd=N, events=E, revents=R}], 1, TIMEOUT");
			return true;
		}
		m = find_fd(r, pf[0]);
		if (!m) {
			fail(r, ev, "poll(): descriptor %lld was never opened", (long long)pf[0]);
			return true;
		}
		int rev = synack_poll(r->s, m->fd, (int)pf[1]);
		if (rev < 0) {
			*ret = rev;
			return true;
		}
		rev &= (int)pf[1] | SYNACK_POLLERR | SYNACK_POLLHUP;
		if (!rev && timeout != 0 && now_us(r) < r->pend.timeout_us)
			return false;
		*ret = rev != 0;
		if (rev != pf[2] && !r->failed) {
			fail(r, ev, "poll(): revents 0x%x, the script says 0x%llx", rev,
			     (unsigned long long)pf[2]);
		}
	} else {
		fail(r, ev, "unsupported system call %s()", c->name);
	}
	return true;
}

/* When the pending call must have completed, and when a poll's timeout runs out. */
static int64_t pending_deadline_us(const struct runner *r)
{
	int64_t d = r->pend.end_us + r->o.tolerance_us + 1;

	return r->pend.timeout_us < d ? r->pend.timeout_us : d;
}

static void finish_call(struct runner *r, const struct synack_drill_event *ev, int64_t ret)
{
	int64_t t = now_us(r), tol = r->o.tolerance_us;

	r->pend.active = false;
	if (r->failed)
		return;
	if (ev->is_blocking && (t < r->pend.end_us - tol || t > r->pend.end_us + tol)) {
		fail(r, ev, "%s() returned at %.6f, the script says %.6f (tolerance %lld us)",
		     ev->call.name, (double)t / 1e6, (double)r->pend.end_us / 1e6, (long long)tol);
		return;
	}
	check_result(r, ev, ret);
}

static void retry_pending(struct runner *r)
{
	int64_t ret;

	if (!r->pend.active || r->failed)
		return;
	if (try_call(r, r->pend.ev, &ret)) {
		collect(r);
		finish_call(r, r->pend.ev, ret);
		return;
	}
	if (now_us(r) > r->pend.end_us + r->o.tolerance_us)
		fail(r, r->pend.ev, "%s() still blocked at %.6f, the script says it returns at %.6f",
		     r->pend.ev->call.name, (double)now_us(r) / 1e6, (double)r->pend.end_us / 1e6);
}

static void run_call(struct runner *r, const struct synack_drill_event *ev, int64_t t,
		     int64_t t1)
{
	int64_t ret, pf[3], timeout;

	if (r->pend.active) {
		fail(r, ev, "a system call while %s() (line %d) still blocks", r->pend.ev->call.name,
		     r->pend.ev->line);
		return;
	}
	r->pend = (struct pending){.start_us = t, .end_us = ev->is_blocking ? t1 : t,
				   .timeout_us = INT64_MAX};
	if (!strcmp(ev->call.name, "poll") && ev->call.nargs == 3 &&
	    parse_pollfd(ev->call.args[0], pf) && synack_drill_value(ev->call.args[2], &timeout) &&
	    timeout >= 0)
		r->pend.timeout_us = t + timeout * 1000;
	bool done = try_call(r, ev, &ret);
	collect(r);
	if (done) {
		finish_call(r, ev, ret);
		return;
	}
	r->pend.active = true;
	r->pend.ev = ev;
	if (ev->is_blocking)
		return;
	/* Not written as blocking: it must complete within the tolerance. */
	advance_to(r, t + r->o.tolerance_us, false);
	if (r->pend.active && !r->failed)
		fail(r, ev, "%s() would block, and the script does not write it as blocking "
		     "(t...t2)", ev->call.name);
	r->pend.active = false;
}

/* A timed `shell` line (sysctls applied) or %{ code }% block (tcpi_* asserts). */
static void run_embedded(struct runner *r, const struct synack_drill_event *ev)
{
	char note[400], err[300];
	int k = ev->kind == SYNACK_DRILL_EV_SHELL ?
		drill_shell(r->s, ev->cmd, note, sizeof note, err, sizeof err) :
		drill_code(r->s, r->sut_fd, ev->cmd, note, sizeof note, err, sizeof err);

	if (k < 0)
		fail(r, ev, "%s", err);
	else if (k > 0)
		fprintf(r->out, "notice %s:%d: %s\n", r->path, ev->line, note);
	collect(r);
}

/* Packets queued before t - tolerance: the script did not expect them. */
static void check_unexpected(struct runner *r, const struct synack_drill_event *ev,
			     int64_t before_us)
{
	struct synack_drill_wire w;
	struct synack_drill_pkt a;

	if (r->failed || !r->qlen || r->q[r->qhead].t_us >= before_us)
		return;
	int64_t t = r->q[r->qhead].t_us;
	if (!pop_packet(r, &w, &t)) {
		fail(r, ev, "synack sent a packet that is not TCP to the script's peer");
		return;
	}
	map_outbound(r, &w, &a, false);
	fail(r, ev, "synack sent a packet the script does not expect (before this line)");
	snprintf(r->fail_expected, sizeof r->fail_expected, "no packet");
	size_t n = synack_drill_format(&a, r->fail_actual, sizeof r->fail_actual);
	if (n < sizeof r->fail_actual)
		snprintf(r->fail_actual + n, sizeof r->fail_actual - n, "   at %.6f",
			 (double)t / 1e6);
}

static void run_event(struct runner *r, const struct synack_drill_event *ev)
{
	int64_t tol = r->o.tolerance_us, base = r->last_us, t, t1;

	t = ev->t0_kind == SYNACK_DRILL_T_ANY ? now_us(r) :
	    ev->t0_kind == SYNACK_DRILL_T_REL ? base + ev->t0_us : ev->t0_us;
	t1 = !ev->has_t1 ? t : ev->t1_rel ? base + ev->t1_us : ev->t1_us;
	if (ev->has_t1 && t1 < t) {
		fail(r, ev, "time range ends before it starts");
		return;
	}
	if (ev->kind == SYNACK_DRILL_EV_PACKET && ev->pkt.dir == '>') {
		int64_t lo = t - tol, hi = t1 + tol;
		if (ev->t0_kind == SYNACK_DRILL_T_ANY) {
			lo = now_us(r);
			hi = lo + ANY_WAIT_US;
		}
		do_outbound(r, ev, lo, hi);
		r->last_us = ev->t0_kind == SYNACK_DRILL_T_ANY ? now_us(r) : t;
		return;
	}
	if (t > now_us(r))
		advance_to(r, t, false);
	check_unexpected(r, ev, t - tol);
	if (r->failed)
		return;
	if (ev->kind == SYNACK_DRILL_EV_PACKET)
		do_inbound(r, ev);
	else if (ev->kind == SYNACK_DRILL_EV_CALL)
		run_call(r, ev, t, t1);
	else
		run_embedded(r, ev);
	r->last_us = t;
}

static void finish_script(struct runner *r)
{
	static const struct synack_drill_event end = {.line = 0, .text = "(end of script)"};

	if (r->pend.active && !r->failed) {
		advance_to(r, r->pend.end_us + r->o.tolerance_us, false);
		if (r->pend.active && !r->failed)
			fail(r, r->pend.ev, "%s() still blocked at the end of the script",
			     r->pend.ev->call.name);
	}
	check_unexpected(r, &end, INT64_MAX);
}

/* ---- the script file ------------------------------------------------------------------ */

int drill_parse_opt(const char *arg, struct drill_opts *o)
{
	char *end;

	if (!strncmp(arg, "--tolerance_usecs=", 18)) {
		long v = strtol(arg + 18, &end, 10);
		if (*end || v < 0 || arg[18] == '\0')
			return -1;
		o->tolerance_us = v;
	} else if (!strncmp(arg, "--mtu=", 6)) {
		long v = strtol(arg + 6, &end, 10);
		if (*end || v < 68 || v > 65535)
			return -1;
		o->mtu = (uint32_t)v;
	} else if (!strcmp(arg, "--ip_version=ipv4")) {
		return 0;
	} else if (!strcmp(arg, "--lenient")) {
		o->lenient = true;
	} else if (!strcmp(arg, "-v")) {
		o->verbose = true;
	} else {
		return -1;
	}
	return 0;
}

struct script {
	struct synack_drill_event *ev;
	size_t n, cap;
};

/* Parses the file into s; prints notices. Returns 0, or the line of an error (message
 * in msg), -1 when the file cannot be read. */
static int load_script(struct runner *r, struct script *s, char *msg, size_t cap)
{
	struct synack_drill_parser p = {0};
	char *line = NULL, opt[320];
	size_t lcap = 0;
	int res = 0;
	FILE *f = fopen(r->path, "r");

	if (!f)
		return -1;
	while (getline(&line, &lcap, f) >= 0) {
		if (s->n == s->cap) {
			size_t nc = s->cap ? 2 * s->cap : 64;
			struct synack_drill_event *v = realloc(s->ev, nc * sizeof *v);
			if (!v) {
				snprintf(msg, cap, "out of memory");
				res = p.line + 1;
				break;
			}
			s->ev = v;
			s->cap = nc;
		}
		int k = synack_drill_parse_line(&p, line, &s->ev[s->n], msg, cap);
		if (k == SYNACK_DRILL_EVENT) {
			s->n++;
		} else if (k == SYNACK_DRILL_NOTICE) {
			fprintf(r->out, "notice %s:%d: %s\n", r->path, p.line, msg);
		} else if (k == SYNACK_DRILL_OPTION) {
			snprintf(opt, sizeof opt, "--%s", msg);
			if (!strcmp(opt, "-v") || drill_parse_opt(opt, &r->o))
				fprintf(r->out, "notice %s:%d: option %s ignored\n", r->path,
					p.line, opt);
		} else if (k == SYNACK_DRILL_ERROR) {
			res = p.line;
			break;
		}
	}
	if (!res && synack_drill_parse_end(&p, msg, cap) == SYNACK_DRILL_ERROR)
		res = p.line;
	free(line);
	fclose(f);
	return res;
}

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

static int make_stack(struct runner *r)
{
	struct synack_config cfg;
	struct synack_env env = {.alloc = env_alloc, .free = env_free};

	for (int i = 0; i < SYNACK_SECRET_LEN; i++)
		env.secret[i] = (uint8_t)(0x5a + i);   /* fixed: runs are reproducible */
	synack_config_default(&cfg);
	cfg.mtu = r->o.mtu;
	r->s = synack_stack_new(&cfg, &env);
	if (!r->s || synack_stack_add_addr(r->s, LOCAL_ADDR))
		return -1;
	r->now_ns = START_NS;
	synack_advance(r->s, r->now_ns);
	return 0;
}

static void print_trace(const struct runner *r)
{
	fprintf(r->out, "  trace (script time, '>' sent by synack, '<' injected):\n");
	for (size_t i = 0; i < r->ntrace; i++)
		fprintf(r->out, "    %s\n", r->trace[i]);
}

static void report(const struct runner *r)
{
	if (!r->failed) {
		fprintf(r->out, "PASS %s\n", r->path);
		if (r->o.verbose)
			print_trace(r);
		return;
	}
	fprintf(r->out, "FAIL %s:%d: %s\n", r->path, r->fail_line, r->fail_msg);
	if (r->fail_text)
		fprintf(r->out, "  script:   %s\n", r->fail_text);
	if (r->fail_expected[0])
		fprintf(r->out, "  expected: %s\n", r->fail_expected);
	if (r->fail_actual[0])
		fprintf(r->out, "  actual:   %s\n", r->fail_actual);
	print_trace(r);
}

int drill_run_file(const char *path, const struct drill_opts *opts, FILE *out)
{
	struct runner *r = calloc(1, sizeof *r);
	struct script sc = {0};
	char msg[300];
	int rc;

	if (!r)
		return 2;
	r->o = *opts;
	r->sut_fd = -1;
	r->out = out;
	r->path = path;
	int bad = load_script(r, &sc, msg, sizeof msg);
	if (bad) {
		if (bad < 0)
			fprintf(out, "FAIL %s: cannot read the script\n", path);
		else
			fprintf(out, "FAIL %s:%d: syntax: %s\n", path, bad, msg);
		free(sc.ev);
		free(r);
		return bad < 0 ? 2 : 1;
	}
	synack_trace_init(&r->tr, &(struct synack_trace_opts){.ts = SYNACK_TRACE_TS_NONE});
	r->q = calloc(QUEUE_MAX, sizeof *r->q);
	if (!r->q || make_stack(r)) {
		fprintf(out, "FAIL %s: cannot create the stack\n", path);
		rc = 2;
	} else {
		for (size_t i = 0; i < sc.n && !r->failed; i++)
			run_event(r, &sc.ev[i]);
		finish_script(r);
		report(r);
		rc = r->failed ? 1 : 0;
	}
	synack_stack_free(r->s);
	for (size_t i = 0; i < r->ntrace; i++)
		free(r->trace[i]);
	free(r->trace);
	free(r->q);
	free(sc.ev);
	free(r);
	return rc;
}
