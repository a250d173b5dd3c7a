/*
 * pdrun.c — a small packetdrill stand-in that runs .pkt scripts against a shared
 * object through packetdrill's interface (packetdrill/packetdrill_interface.h) only.
 *
 *   pdrun [--so=PATH] [--so_flags=FLAGS] [--tolerance_usecs=N] [--mtu=N] [--lenient]
 *         [-v] SCRIPT.pkt...
 *
 * It is the proof of libsynack_packetdrill.so while the real packetdrill is not at
 * hand: it dlopens the object, calls packetdrill_interface_init, and then does what
 * packetdrill does with it — every system call of the script through the function
 * pointers, run in a system-call thread of its own (a blocking call blocks inside the
 * object; the thread is seen as blocked when /proc says it sleeps, as packetdrill
 * checks), every '<' packet through netdev_send, every packet of the stack through
 * netdev_receive with its send time, and time only through usleep and gettimeofday.
 * Scripts are read with the public parser (include/synack/drill.h). The semantics
 * (times, tolerance, sequence and TS mapping, flows "<N", --lenient, blocking calls,
 * unexpected packets) are those of `synack drill` (docs/drill.md), so the verdict on
 * every script must be the same: tests/pd/pd_drill.sh checks that.
 *
 * Differences from `synack drill`, none of which changes a verdict on tests/drill: the
 * clock moves in steps of at most 1 ms while waiting for a packet or a blocked call (the
 * object still stamps each packet with its exact send time); a blocked call is noticed
 * at the end of the step that unblocked it.
 *
 * Output: "PASS path" / "FAIL path:line: what" with expected/actual and a trace, a
 * summary line; exit 0 when all pass, 1 when any fails, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "synack/drill.h"
#include "synack/trace.h"

#include "packetdrill_interface.h"

#define LOCAL_ADDR  0xc0a80001u   /* 192.168.0.1: the object's default --so_flags local */
#define REMOTE_ADDR 0xc0000201u   /* 192.0.2.1 */
#define LOCAL_PORT  8080
#define RPORT_BASE  40000
#define FLOWS_MAX   16
#define FDS_MAX     64
#define QUEUE_MAX   256
#define PKT_CAP     65536
#define STEP_US     1000          /* the clock's step while waiting */
#define TICK_US     1             /* what one gettimeofday() moves the clock */
#define ANY_WAIT_US 3600000000ll  /* "*" waits at most an hour of virtual time */

struct opts {
	const char *so_path, *so_flags;
	int64_t tolerance_us;
	uint32_t mtu;
	bool lenient, verbose;
};

struct flow {
	uint16_t lport;          /* synack's port; 0: LOCAL_PORT */
	bool isn_known, ts_known;
	uint32_t isn;
	uint32_t ts_script0, ts_actual0;
};

struct fdmap {
	int script_fd, fd;
	bool used;
};

struct qpkt {
	int64_t t_us;
	size_t len;
	uint8_t *b;
};

/* The system-call thread and the one call it runs. */
struct job {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool posted, quit;
	atomic_int busy, done;
	atomic_int tid;
	const struct synack_drill_event *ev;
	int fd;                  /* the live descriptor the call is on (-1: none) */
	int64_t ret;             /* result: >= 0, or -errno */
	int ival;                /* getsockopt: int value */
	struct linger lval;      /* getsockopt: SO_LINGER */
	short revents;           /* poll */
};

struct runner {
	struct opts o;
	struct packetdrill_interface ifc;
	int64_t t0_us;           /* the object's clock at script time 0 */
	int64_t clock;           /* the object's clock now, in script time */
	int64_t last_us;
	struct flow flows[FLOWS_MAX];
	struct fdmap fds[FDS_MAX];
	struct qpkt q[QUEUE_MAX];
	size_t qhead, qlen;
	int connects;
	int sut_fd;              /* live descriptor of the last socket()/accept(), or -1:
	                          * the socket %{ tcpi_* }% blocks read TCP_INFO from */
	/* the call in the system-call thread that blocks */
	bool pend_active;
	const struct synack_drill_event *pend_ev;
	int64_t pend_end_us;
	struct job job;
	struct synack_trace tr;
	char **trace;
	size_t ntrace, captrace;
	const char *path;
	bool failed;
	int fail_line;
	char fail_msg[320], fail_expected[320], fail_actual[320];
	const char *fail_text;
	uint8_t buf[PKT_CAP];
};

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

/* ---- the object's clock --------------------------------------------------------- */

static int64_t clock_us(struct runner *r)
{
	struct timeval tv;

	if (r->ifc.gettimeofday(r->ifc.userdata, &tv, NULL))
		fail(r, NULL, "gettimeofday() failed: %s", strerror(errno));
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/*
 * The object's clock in script time. Only this program moves it (usleep, and TICK_US
 * per gettimeofday), so it is mirrored in r->clock; it is read only right before the
 * clock must move, and the reading must equal the mirror.
 */
static int64_t now_us(const struct runner *r)
{
	return r->clock;
}

/* Moves the clock to script time t (never backwards). */
static void move_clock(struct runner *r, int64_t t)
{
	if (t <= r->clock)
		return;
	int64_t read = clock_us(r) - r->t0_us;
	if (read != r->clock)
		fail(r, NULL, "gettimeofday() reads %lld us, expected %lld", (long long)read,
		     (long long)r->clock);
	r->clock = read + TICK_US;
	if (t > r->clock && r->ifc.usleep(r->ifc.userdata, (useconds_t)(t - r->clock)))
		fail(r, NULL, "usleep() failed: %s", strerror(errno));
	if (t > r->clock)
		r->clock = t;
}

/* ---- trace ------------------------------------------------------------------------ */

static void add_trace(struct runner *r, int64_t t, char dir, const uint8_t *pkt, size_t len)
{
	char line[400];
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

/* ---- the system-call thread ---------------------------------------------------------- */

static void exec_call(struct runner *r, struct job *j);

static void *job_main(void *arg)
{
	struct runner *r = arg;
	struct job *j = &r->job;

	atomic_store(&j->tid, (int)syscall(SYS_gettid));
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->posted && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit)
			break;
		j->posted = false;
		pthread_mutex_unlock(&j->mu);
		atomic_store(&j->busy, 1);
		exec_call(r, j);
		atomic_store(&j->busy, 0);
		atomic_store(&j->done, 1);
		pthread_mutex_lock(&j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* Is the thread asleep (blocked in the object)? Read from /proc without allocating. */
static bool thread_sleeping(int tid)
{
	char path[64], st[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, st, sizeof st - 1);
	close(fd);
	if (n <= 0)
		return false;
	st[n] = '\0';
	char *p = strrchr(st, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Waits until the call finished or sleeps inside the object (seen three times in a
 * row, 50 us apart). Returns true when it finished. */
static bool wait_idle(struct runner *r)
{
	struct job *j = &r->job;
	int asleep = 0;

	while (!atomic_load(&j->done)) {
		if (atomic_load(&j->busy) && thread_sleeping(atomic_load(&j->tid))) {
			if (++asleep == 3)
				return atomic_load(&j->done) != 0;
		} else {
			asleep = 0;
		}
		nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
	}
	return true;
}

/* Starts ev in the system-call thread; true when it completed at once. */
static bool submit(struct runner *r, const struct synack_drill_event *ev)
{
	struct job *j = &r->job;

	atomic_store(&j->done, 0);
	pthread_mutex_lock(&j->mu);
	j->ev = ev;
	j->fd = -1;
	j->ret = 0;
	j->posted = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	while (!atomic_load(&j->busy) && !atomic_load(&j->done))
		sched_yield();
	return wait_idle(r);
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
	struct fdmap *m = find_fd(r, script_fd);

	for (int i = 0; i < FDS_MAX && !m; i++)
		if (!r->fds[i].used)
			m = &r->fds[i];
	if (!m) {
		fail(r, ev, "more than %d descriptors", FDS_MAX);
		return;
	}
	*m = (struct fdmap){.script_fd = (int)script_fd, .fd = fd, .used = true};
}

/* ---- packets out of the object -------------------------------------------------------- */

static int flow_of_port(uint16_t rport)
{
	return rport >= RPORT_BASE && rport < RPORT_BASE + FLOWS_MAX ? rport - RPORT_BASE : -1;
}

/* Takes every packet netdev_receive has into the queue. */
static void collect(struct runner *r)
{
	for (;;) {
		size_t n = sizeof r->buf;
		long long t = 0;
		if (r->ifc.netdev_receive(r->ifc.userdata, r->buf, &n, &t)) {
			fail(r, NULL, "netdev_receive() failed: %s", strerror(errno));
			return;
		}
		if (n == 0)
			return;
		int64_t ts = t - r->t0_us;
		add_trace(r, ts, '>', r->buf, n);
		if (r->qlen == QUEUE_MAX) {
			fail(r, NULL, "more than %d packets sent and not expected", QUEUE_MAX);
			continue;
		}
		struct synack_drill_wire w;
		int fl;
		if (!synack_drill_parse(r->buf, n, &w) && (w.flags & 0x02) &&
		    (fl = flow_of_port(w.dport)) >= 0 && !r->flows[fl].lport)
			r->flows[fl].lport = w.sport;   /* a connect()'s port, from its SYN */
		struct qpkt *p = &r->q[(r->qhead + r->qlen++) % QUEUE_MAX];
		p->t_us = ts;
		p->len = n;
		p->b = malloc(n);
		if (p->b)
			memcpy(p->b, r->buf, n);
		else
			p->len = 0;
	}
}

static void finish_call(struct runner *r, const struct synack_drill_event *ev, int64_t t);

/* After any change: if the blocked call completed, finish it at time t. */
static void sync_pending(struct runner *r, int64_t t)
{
	if (!r->pend_active)
		return;
	if (wait_idle(r)) {
		r->pend_active = false;
		collect(r);
		finish_call(r, r->pend_ev, t);
	} else if (t > r->pend_end_us + r->o.tolerance_us) {
		fail(r, r->pend_ev, "%s() still blocked at %.6f, the script says it returns at %.6f",
		     r->pend_ev->call.name, (double)t / 1e6, (double)r->pend_end_us / 1e6);
	}
}

/* Moves the object's clock to script time t in steps of at most STEP_US; stops early
 * once stop_on_packet and a packet is queued. */
static void advance_to(struct runner *r, int64_t t, bool stop_on_packet)
{
	while (!r->failed) {
		collect(r);
		if (stop_on_packet && r->qlen)
			return;
		int64_t n = now_us(r);
		if (n >= t)
			break;
		move_clock(r, t - n < STEP_US ? t : n + STEP_US);
		sync_pending(r, now_us(r));
	}
	collect(r);
}

/* ---- outbound packets: mapping and matching (as synack drill) ------------------------ */

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
	for (unsigned i = 0; i < p->nopts; i++)
		if (p->opts[i].kind == SYNACK_DRILL_OPT_TS && f->ts_known)
			p->opts[i].v[0] = p->opts[i].v[0] - f->ts_actual0 + f->ts_script0;
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

static bool opts_match(const struct runner *r, const struct synack_drill_pkt *e,
		       const struct synack_drill_pkt *a, bool check_tsval)
{
	unsigned ne = 0, na = 0;

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
	bool ok;

	if (!r->qlen)
		return false;
	r->qhead = (r->qhead + 1) % QUEUE_MAX;
	r->qlen--;
	*t_us = p->t_us;
	ok = p->b && synack_drill_parse(p->b, p->len, w) == 0 && flow_of_port(w->dport) >= 0;
	free(p->b);
	p->b = NULL;
	return ok;
}

static void merge_segments(struct runner *r, const struct synack_drill_pkt *e,
			   struct synack_drill_wire *w, int64_t hi_us)
{
	struct synack_drill_wire next;
	int64_t t;

	while (w->payload_len < e->len && !r->failed) {
		if (!r->qlen)
			advance_to(r, hi_us, true);
		if (!r->qlen)
			return;
		struct qpkt *p = &r->q[r->qhead];
		if (!p->b || synack_drill_parse(p->b, p->len, &next) || next.dport != w->dport ||
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

/* ---- inbound packets: netdev_send ---------------------------------------------------- */

static void do_inbound(struct runner *r, const struct synack_drill_event *ev, int64_t t)
{
	const struct synack_drill_pkt *p = &ev->pkt;
	struct synack_drill_wire w;
	struct flow *f;

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
	size_t n = synack_drill_build(&w, r->buf, sizeof r->buf);
	if (!n) {
		fail(r, ev, "cannot build the packet (options longer than 40 bytes?)");
		return;
	}
	add_trace(r, t, '<', r->buf, n);
	if (r->ifc.netdev_send(r->ifc.userdata, r->buf, n))
		fail(r, ev, "netdev_send() failed: %s", strerror(errno));
	collect(r);
	sync_pending(r, t);
}

/* ---- system calls, run in the system-call thread ------------------------------------ */

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

/* The live descriptor of the script's argument 0, or -1 (failed). */
static int arg_fd(struct runner *r, const struct synack_drill_event *ev)
{
	int64_t v;
	struct fdmap *m;

	if (!arg_value(r, ev, 0, &v))
		return -1;
	m = find_fd(r, v);
	if (!m)
		fail(r, ev, "%s(): descriptor %lld was never opened", ev->call.name, (long long)v);
	return m ? m->fd : -1;
}

static bool parse_linger(const char *s, struct linger *l)
{
	return sscanf(s, " { onoff = %d , linger = %d }", &l->l_onoff, &l->l_linger) == 2;
}

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

static struct sockaddr_in make_sin(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	return sin;
}

/* -errno of a libc-style -1 result. */
static int64_t res(int64_t v)
{
	return v < 0 ? -(int64_t)errno : v;
}

static int64_t exec_sockopt(struct runner *r, struct job *j, bool set)
{
	const struct synack_drill_event *ev = j->ev;
	struct packetdrill_interface *f = &r->ifc;
	int64_t level, name, v = 0;
	struct linger l;
	socklen_t len;

	if (ev->call.nargs != 5) {
		fail(r, ev, "%s(): expected 5 arguments", ev->call.name);
		return 0;
	}
	if (!arg_value(r, ev, 1, &level) || !arg_value(r, ev, 2, &name))
		return 0;
	bool linger = level == SOL_SOCKET && name == SO_LINGER;
	if (set && linger) {
		if (!parse_linger(ev->call.args[3], &l)) {
			fail(r, ev, "setsockopt(): SO_LINGER value must be {onoff=N, linger=N}");
			return 0;
		}
		return res(f->setsockopt(f->userdata, j->fd, (int)level, (int)name, &l, sizeof l));
	}
	if (set) {
		if (!arg_value(r, ev, 3, &v))
			return 0;
		int iv = (int)v;
		return res(f->setsockopt(f->userdata, j->fd, (int)level, (int)name, &iv,
					 sizeof iv));
	}
	if (linger) {
		len = sizeof j->lval;
		return res(f->getsockopt(f->userdata, j->fd, (int)level, (int)name, &j->lval, &len));
	}
	len = sizeof j->ival;
	return res(f->getsockopt(f->userdata, j->fd, (int)level, (int)name, &j->ival, &len));
}

/* Runs the job's call through the interface (in the system-call thread); sets j->ret. */
static void exec_call(struct runner *r, struct job *j)
{
	const struct synack_drill_call *c = &j->ev->call;
	const struct synack_drill_event *ev = j->ev;
	struct packetdrill_interface *f = &r->ifc;
	static uint8_t buf[1 << 20];
	int64_t v = 0, flags = 0;
	void *u = f->userdata;

	if (strcmp(c->name, "socket") && strcmp(c->name, "poll") && (j->fd = arg_fd(r, ev)) < 0)
		return;
	if (!strcmp(c->name, "socket")) {
		int64_t dom = 0, type = 0;
		if (c->nargs != 3 || !arg_value(r, ev, 1, &type) || !arg_value(r, ev, 2, &v))
			return;
		if (strcmp(c->args[0], "..."))
			arg_value(r, ev, 0, &dom);
		else
			dom = AF_INET;
		j->ret = res(f->socket(u, (int)dom, (int)type, (int)v));
	} else if (!strcmp(c->name, "bind")) {
		struct sockaddr_in sin = make_sin(LOCAL_ADDR, LOCAL_PORT);
		j->ret = res(f->bind(u, j->fd, (struct sockaddr *)&sin, sizeof sin));
	} else if (!strcmp(c->name, "listen")) {
		if (arg_value(r, ev, 1, &v))
			j->ret = res(f->listen(u, j->fd, (int)v));
	} else if (!strcmp(c->name, "accept")) {
		struct sockaddr_in sin;
		socklen_t len = sizeof sin;
		j->ret = res(f->accept(u, j->fd, (struct sockaddr *)&sin, &len));
	} else if (!strcmp(c->name, "connect")) {
		int flow = r->connects < FLOWS_MAX ? r->connects++ : FLOWS_MAX - 1;
		struct sockaddr_in sin = make_sin(REMOTE_ADDR, (uint16_t)(RPORT_BASE + flow));
		j->ret = res(f->connect(u, j->fd, (struct sockaddr *)&sin, sizeof sin));
	} else if (!strcmp(c->name, "read") || !strcmp(c->name, "recv")) {
		bool is_recv = c->name[2] == 'c';
		if (!arg_value(r, ev, 2, &v) || (is_recv && !arg_value(r, ev, 3, &flags)))
			return;
		if (v < 0 || (size_t)v > sizeof buf) {
			fail(r, ev, "%s(): length out of range", c->name);
			return;
		}
		j->ret = is_recv ? res(f->recv(u, j->fd, buf, (size_t)v, (int)flags))
				 : res(f->read(u, j->fd, buf, (size_t)v));
	} else if (!strcmp(c->name, "write") || !strcmp(c->name, "send")) {
		bool is_send = c->name[0] == 's';
		if (!arg_value(r, ev, 2, &v) || (is_send && !arg_value(r, ev, 3, &flags)))
			return;
		if (v < 0 || (size_t)v > sizeof buf) {
			fail(r, ev, "%s(): length out of range", c->name);
			return;
		}
		j->ret = is_send ? res(f->send(u, j->fd, buf, (size_t)v, (int)flags))
				 : res(f->write(u, j->fd, buf, (size_t)v));
	} else if (!strcmp(c->name, "shutdown")) {
		if (arg_value(r, ev, 1, &v))
			j->ret = res(f->shutdown(u, j->fd, (int)v));
	} else if (!strcmp(c->name, "close")) {
		j->ret = res(f->close(u, j->fd));
	} else if (!strcmp(c->name, "fcntl")) {
		if (!arg_value(r, ev, 1, &v))
			return;
		if (v == F_SETFL && arg_value(r, ev, 2, &flags))
			j->ret = res(f->fcntl(u, j->fd, (int)v, (int)flags));
		else if (v != F_SETFL)
			j->ret = res(f->fcntl(u, j->fd, (int)v));
	} else if (!strcmp(c->name, "setsockopt") || !strcmp(c->name, "getsockopt")) {
		j->ret = exec_sockopt(r, j, c->name[0] == 's');
	} else if (!strcmp(c->name, "poll")) {
		int64_t pf[3], nfds, timeout;
		if (c->nargs != 3 || !parse_pollfd(c->args[0], pf) || !arg_value(r, ev, 1, &nfds) ||
		    !arg_value(r, ev, 2, &timeout) || nfds != 1) {
			fail(r, ev, "poll(): expected [{fd=N, events=E, revents=R}], 1, TIMEOUT");
			return;
		}
		struct fdmap *m = find_fd(r, pf[0]);
		if (!m) {
			fail(r, ev, "poll(): descriptor %lld was never opened", (long long)pf[0]);
			return;
		}
		j->fd = m->fd;
		struct pollfd p = {.fd = m->fd, .events = (short)pf[1]};
		j->ret = res(f->poll(u, &p, 1, (int)timeout));
		j->revents = p.revents;
	} else {
		fail(r, ev, "unsupported system call %s()", c->name);
	}
}

/* ---- results (main thread) ------------------------------------------------------------ */

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

static void check_value(struct runner *r, const struct synack_drill_event *ev)
{
	const struct synack_drill_call *c = &ev->call;
	const struct job *j = &r->job;
	int64_t name = 0, want = 0;

	if (!strcmp(c->name, "poll")) {
		int64_t pf[3];
		if (parse_pollfd(c->args[0], pf) && j->revents != pf[2])
			fail(r, ev, "poll(): revents 0x%x, the script says 0x%llx", j->revents,
			     (unsigned long long)pf[2]);
		return;
	}
	if (strcmp(c->name, "getsockopt") || j->ret != 0 || !synack_drill_value(c->args[2], &name))
		return;
	if (name == SO_LINGER) {
		struct linger l;
		if (!parse_linger(c->args[3], &l))
			fail(r, ev, "getsockopt(): SO_LINGER value must be {onoff=N, linger=N}");
		else if (!l.l_onoff != !j->lval.l_onoff || l.l_linger != j->lval.l_linger)
			fail(r, ev, "getsockopt(): SO_LINGER is {onoff=%d, linger=%d}",
			     j->lval.l_onoff, j->lval.l_linger);
		return;
	}
	if (!arg_value(r, ev, 3, &want) || want == j->ival)
		return;
	if (r->o.lenient && (name == SO_RCVBUF || name == SO_SNDBUF)) {
		printf("notice %s:%d: getsockopt value %d, the script says %lld (--lenient)\n",
		       r->path, ev->line, j->ival, (long long)want);
		return;
	}
	fail(r, ev, "getsockopt(): wrong value");
	snprintf(r->fail_expected, sizeof r->fail_expected, "[%lld]", (long long)want);
	if (name == SO_ERROR && j->ival > 0)
		snprintf(r->fail_actual, sizeof r->fail_actual, "[%s]",
			 synack_drill_errno_name(j->ival));
	else
		snprintf(r->fail_actual, sizeof r->fail_actual, "[%d]", j->ival);
}

/* The call finished at script time t: timing, result, descriptor mapping, values. */
static void finish_call(struct runner *r, const struct synack_drill_event *ev, int64_t t)
{
	const struct synack_drill_call *c = &ev->call;
	int64_t ret = r->job.ret, tol = r->o.tolerance_us;

	if (r->failed)
		return;
	if (ev->is_blocking && (t < r->pend_end_us - tol || t > r->pend_end_us + tol)) {
		fail(r, ev, "%s() returned at %.6f, the script says %.6f (tolerance %lld us)",
		     c->name, (double)t / 1e6, (double)r->pend_end_us / 1e6, (long long)tol);
		return;
	}
	if (ret >= 0 && (!strcmp(c->name, "socket") || !strcmp(c->name, "accept")))
		r->sut_fd = (int)ret;
	if (ret >= 0 && (!strcmp(c->name, "socket") || !strcmp(c->name, "accept")) &&
	    c->ret >= 0) {
		map_fd(r, ev, c->ret, (int)ret);
		ret = c->ret;            /* the script's number for the live descriptor */
	}
	check_result(r, ev, ret);
	check_value(r, ev);
}

static void run_call(struct runner *r, const struct synack_drill_event *ev, int64_t t,
		     int64_t t1)
{
	if (r->pend_active) {
		fail(r, ev, "a system call while %s() (line %d) still blocks", r->pend_ev->call.name,
		     r->pend_ev->line);
		return;
	}
	r->pend_ev = ev;
	r->pend_end_us = ev->is_blocking ? t1 : t;
	if (submit(r, ev)) {
		collect(r);
		finish_call(r, ev, now_us(r));
		return;
	}
	r->pend_active = true;
	if (ev->is_blocking)
		return;
	/* Not written as blocking: it must complete within the tolerance. */
	advance_to(r, t + r->o.tolerance_us, false);
	if (r->pend_active && !r->failed)
		fail(r, ev, "%s() would block, and the script does not write it as blocking "
		     "(t...t2)", ev->call.name);
}

/* ---- shell lines and %{ code }% blocks, as packetdrill runs them -------------------- */

/*
 * packetdrill runs a shell line on its host, where it cannot reach the object; the one
 * way a sysctl reaches synack is --so_flags. So the sysctls of the shell lines at time 0
 * that open a script are given to the object as --so_flags (what a third party writes
 * on packetdrill's command line); every other command is skipped with a notice: pdrun
 * never runs commands on the host.
 */
static void shell_to_flags(const struct runner *r, const struct synack_drill_event *ev,
			   char *flags, size_t cap)
{
	char cmd[sizeof ev->cmd];
	char *save = NULL;
	bool sysctl = false;

	snprintf(cmd, sizeof cmd, "%s", ev->cmd);
	for (char *w = strtok_r(cmd, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t n = strlen(w);
		if (!strcmp(w, ";") || !strcmp(w, "&&")) {
			sysctl = false;
			continue;
		}
		bool ends = n && w[n - 1] == ';';
		if (ends)
			w[--n] = '\0';
		if (n >= 2 && (w[0] == '"' || w[0] == '\'') && w[n - 1] == w[0]) {
			w[n - 1] = '\0';
			w++;
		}
		if (!strcmp(w, "sysctl")) {
			sysctl = true;
		} else if (sysctl && w[0] != '-' && strchr(w, '=')) {
			size_t len = strlen(flags);
			snprintf(flags + len, cap - len, " %s", w);
		} else if (!sysctl) {
			printf("notice %s:%d: skipped '%s' (pdrun runs no host commands)\n",
			       r->path, ev->line, w);
			sysctl = true;          /* skip to the next command */
			continue;
		}
		if (ends)
			sysctl = false;
	}
}

static bool is_time_zero(const struct synack_drill_event *ev)
{
	return ev->t0_kind != SYNACK_DRILL_T_ANY && ev->t0_us == 0 && !ev->has_t1;
}

/* RFC 9293's name for a Linux tcpi_state number. */
static const char *state_name(int64_t st)
{
	static const char *names[] = {"?", "ESTABLISHED", "SYN-SENT", "SYN-RECEIVED",
				      "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED",
				      "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"};

	return st >= 1 && st <= 11 ? names[st] : "?";
}

static bool tcpi_field(const struct tcp_info *ti, const char *name, int64_t *v)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
#define F(f) {"tcpi_" #f, offsetof(struct tcp_info, tcpi_##f), sizeof(((struct tcp_info *)0)->tcpi_##f)}
		F(state), F(retransmits), F(backoff), F(rto), F(rtt), F(rttvar), F(snd_mss),
		F(rcv_mss), F(total_retrans),
#undef F
	};

	if (!strcmp(name, "tcpi_snd_wscale") || !strcmp(name, "tcpi_rcv_wscale")) {
		*v = name[5] == 's' ? ti->tcpi_snd_wscale : ti->tcpi_rcv_wscale;
		return true;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strcmp(name, fields[i].name))
			continue;
		if (fields[i].size == 1) {
			uint8_t b;
			memcpy(&b, (const char *)ti + fields[i].off, 1);
			*v = b;
		} else {
			uint32_t u;
			memcpy(&u, (const char *)ti + fields[i].off, 4);
			*v = u;
		}
		return true;
	}
	return false;
}

static bool holds(int64_t a, const char *op, int64_t b)
{
	return !strcmp(op, "==") ? a == b : !strcmp(op, "!=") ? a != b :
	       !strcmp(op, "<") ? a < b : !strcmp(op, "<=") ? a <= b :
	       !strcmp(op, ">") ? a > b : !strcmp(op, ">=") ? a >= b : false;
}

/*
 * "%{ assert tcpi_X OP V [and ...][, message] }%": packetdrill evaluates it on the
 * TCP_INFO of the script's socket, which in so mode comes from the object's
 * getsockopt(TCP_INFO); so does pdrun. Other code is skipped with a notice.
 */
static void run_code(struct runner *r, const struct synack_drill_event *ev)
{
	char name[64], op[4], val[64], cond[sizeof ev->cmd];
	const char *p = ev->cmd;
	struct tcp_info ti;
	bool have = false;
	int64_t want, got;

	while (*p == ' ')
		p++;
	if (strncmp(p, "assert ", 7)) {
		printf("notice %s:%d: skipped code '%s' (only 'assert tcpi_X OP V' is run)\n",
		       r->path, ev->line, ev->cmd);
		return;
	}
	snprintf(cond, sizeof cond, "%.*s", (int)strcspn(p + 7, ","), p + 7);
	for (char *c = cond; *c;) {
		int used = 0;
		if (sscanf(c, " %63[a-z_] %3[=!<>] %63[A-Za-z0-9_] %n", name, op, val, &used) != 3 ||
		    !synack_drill_value(val, &want)) {
			printf("notice %s:%d: skipped code '%s' (not 'tcpi_X OP V [and ...]')\n",
			       r->path, ev->line, ev->cmd);
			return;
		}
		if (!have) {
			socklen_t len = sizeof ti;
			if (r->sut_fd < 0 || r->ifc.getsockopt(r->ifc.userdata, r->sut_fd, IPPROTO_TCP,
							       TCP_INFO, &ti, &len)) {
				fail(r, ev, "%s: no open socket to read tcpi_* from", ev->cmd);
				return;
			}
			have = true;
		}
		if (!tcpi_field(&ti, name, &got)) {
			printf("notice %s:%d: skipped code '%s' (no %s)\n", r->path, ev->line,
			       ev->cmd, name);
			return;
		}
		if (!holds(got, op, want)) {
			fail(r, ev, "assert failed: %s is %lld (state %s), the script says %s %s", name,
			     (long long)got, state_name(ti.tcpi_state), op, val);
			return;
		}
		c += used;
		if (!strncmp(c, "and ", 4))
			c += 4;
		else if (*c) {
			printf("notice %s:%d: skipped code '%s' (not 'tcpi_X OP V [and ...]')\n",
			       r->path, ev->line, ev->cmd);
			return;
		}
	}
}

/* Packets queued before t - tolerance: the script did not expect them. */
static void check_unexpected(struct runner *r, const struct synack_drill_event *ev,
			     int64_t before_us)
{
	struct synack_drill_wire w;
	struct synack_drill_pkt a;
	int64_t t;

	if (r->failed || !r->qlen || r->q[r->qhead].t_us >= before_us)
		return;
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
			lo = t;
			hi = lo + ANY_WAIT_US;
		}
		do_outbound(r, ev, lo, hi);
		r->last_us = ev->t0_kind == SYNACK_DRILL_T_ANY ? now_us(r) : t;
		return;
	}
	advance_to(r, t, false);
	check_unexpected(r, ev, t - tol);
	if (r->failed)
		return;
	if (ev->kind == SYNACK_DRILL_EV_PACKET)
		do_inbound(r, ev, now_us(r));
	else if (ev->kind == SYNACK_DRILL_EV_CALL)
		run_call(r, ev, t, t1);
	else if (ev->kind == SYNACK_DRILL_EV_CODE)
		run_code(r, ev);
	else
		printf("notice %s:%d: shell line not run: pdrun runs no host commands, and a "
		       "sysctl reaches the object only as --so_flags at time 0\n", r->path,
		       ev->line);
	r->last_us = t;
}

static void finish_script(struct runner *r)
{
	static const struct synack_drill_event end = {.line = 0, .text = "(end of script)"};

	if (r->pend_active && !r->failed) {
		advance_to(r, r->pend_end_us + r->o.tolerance_us, false);
		if (r->pend_active && !r->failed)
			fail(r, r->pend_ev, "%s() still blocked at the end of the script",
			     r->pend_ev->call.name);
	}
	collect(r);
	check_unexpected(r, &end, INT64_MAX);
}

/* ---- the script file, the object, the report ---------------------------------------- */

static int parse_opt(const char *arg, struct opts *o)
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
	} else if (!strncmp(arg, "--so=", 5)) {
		o->so_path = arg + 5;
	} else if (!strncmp(arg, "--so_flags=", 11)) {
		o->so_flags = arg + 11;
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

/* Parses the file; 0, the line of a syntax error (msg), or -1 (unreadable). */
static int load_script(struct runner *r, struct script *s, char *msg, size_t cap)
{
	struct synack_drill_parser p = {0};
	char *line = NULL, opt[320];
	size_t lcap = 0;
	int res_line = 0;
	FILE *f = fopen(r->path, "r");

	if (!f)
		return -1;
	while (getline(&line, &lcap, f) >= 0) {
		if (s->n == s->cap) {
			size_t nc = s->cap ? 2 * s->cap : 64;
			struct synack_drill_event *v = realloc(s->ev, nc * sizeof *v);
			if (!v) {
				snprintf(msg, cap, "out of memory");
				res_line = p.line + 1;
				break;
			}
			s->ev = v;
			s->cap = nc;
		}
		int k = synack_drill_parse_line(&p, line, &s->ev[s->n], msg, cap);
		if (k == SYNACK_DRILL_EVENT) {
			s->n++;
		} else if (k == SYNACK_DRILL_NOTICE) {
			printf("notice %s:%d: %s\n", r->path, p.line, msg);
		} else if (k == SYNACK_DRILL_OPTION) {
			snprintf(opt, sizeof opt, "--%s", msg);
			if (!strcmp(opt, "-v") || !strncmp(opt, "--so", 4) || parse_opt(opt, &r->o))
				printf("notice %s:%d: option %s ignored\n", r->path, p.line, opt);
		} else if (k == SYNACK_DRILL_ERROR) {
			res_line = p.line;
			break;
		}
	}
	if (!res_line && synack_drill_parse_end(&p, msg, cap) == SYNACK_DRILL_ERROR)
		res_line = p.line;
	free(line);
	fclose(f);
	return res_line;
}

static void print_trace(const struct runner *r)
{
	printf("  trace (script time, '>' sent by synack, '<' injected):\n");
	for (size_t i = 0; i < r->ntrace; i++)
		printf("    %s\n", r->trace[i]);
}

static void report(const struct runner *r)
{
	if (!r->failed) {
		printf("PASS %s\n", r->path);
		if (r->o.verbose)
			print_trace(r);
		return;
	}
	printf("FAIL %s:%d: %s\n", r->path, r->fail_line, r->fail_msg);
	if (r->fail_text)
		printf("  script:   %s\n", r->fail_text);
	if (r->fail_expected[0])
		printf("  expected: %s\n", r->fail_expected);
	if (r->fail_actual[0])
		printf("  actual:   %s\n", r->fail_actual);
	print_trace(r);
}

/* Unblocks a call still blocked in the object (closing its descriptor) and ends the
 * system-call thread. */
static void stop_thread(struct runner *r)
{
	struct job *j = &r->job;

	if (r->pend_active && !atomic_load(&j->done) && j->fd >= 0)
		r->ifc.close(r->ifc.userdata, j->fd);
	while (!atomic_load(&j->done) && atomic_load(&j->busy))
		nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
	pthread_mutex_lock(&j->mu);
	j->quit = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL);
}

static int run_file(const char *path, const struct opts *o, void *so)
{
	struct runner *r = calloc(1, sizeof *r);
	struct script sc = {0};
	char msg[300], flags[1024];
	size_t first = 0;
	int rc = 1;

	if (!r)
		return 2;
	r->o = *o;
	r->path = path;
	int bad = load_script(r, &sc, msg, sizeof msg);
	if (bad) {
		if (bad < 0)
			printf("FAIL %s: cannot read the script\n", path);
		else
			printf("FAIL %s:%d: syntax: %s\n", path, bad, msg);
		free(sc.ev);
		free(r);
		return bad < 0 ? 2 : 1;
	}
	packetdrill_interface_init_t init =
		(packetdrill_interface_init_t)dlsym(so, "packetdrill_interface_init");
	snprintf(flags, sizeof flags, "mtu=%u tick_usecs=%d%s%s", r->o.mtu, TICK_US,
		 r->o.so_flags ? " " : "", r->o.so_flags ? r->o.so_flags : "");
	size_t base_len = strlen(flags);
	for (; first < sc.n && sc.ev[first].kind == SYNACK_DRILL_EV_SHELL &&
	       is_time_zero(&sc.ev[first]); first++)
		shell_to_flags(r, &sc.ev[first], flags, sizeof flags);
	init(flags, &r->ifc);
	r->sut_fd = -1;
	struct timeval tv;
	if (r->ifc.gettimeofday(r->ifc.userdata, &tv, NULL)) {
		bool sysctls = strlen(flags) > base_len;
		printf("FAIL %s:%d: %s --so_flags '%s' (%s)\n", path,
		       sysctls ? sc.ev[0].line : 0,
		       sysctls ? "synack rejects the configuration of" : "the object rejects",
		       flags, strerror(errno));
		r->ifc.free(r->ifc.userdata);
		free(sc.ev);
		free(r);
		return 1;
	}
	synack_trace_init(&r->tr, &(struct synack_trace_opts){.ts = SYNACK_TRACE_TS_NONE});
	pthread_mutex_init(&r->job.mu, NULL);
	pthread_cond_init(&r->job.cv, NULL);
	if (pthread_create(&r->job.thread, NULL, job_main, r)) {
		printf("FAIL %s: cannot start the system-call thread\n", path);
		r->ifc.free(r->ifc.userdata);
		free(sc.ev);
		free(r);
		return 2;
	}
	while (!atomic_load(&r->job.tid))
		sched_yield();
	r->t0_us = clock_us(r);
	r->clock = TICK_US;
	for (size_t i = first; i < sc.n && !r->failed; i++)
		run_event(r, &sc.ev[i]);
	finish_script(r);
	stop_thread(r);
	report(r);
	rc = r->failed ? 1 : 0;
	r->ifc.free(r->ifc.userdata);
	for (size_t i = 0; i < QUEUE_MAX; i++)
		free(r->q[i].b);
	for (size_t i = 0; i < r->ntrace; i++)
		free(r->trace[i]);
	free(r->trace);
	free(sc.ev);
	free(r);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: pdrun [--so=PATH] [--so_flags=FLAGS] [--tolerance_usecs=N] "
		"[--mtu=N] [--lenient] [-v] SCRIPT.pkt...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.tolerance_us = 4000, .mtu = 1500};
	int first = 1, failed = 0, ran = 0;
	void *so;

	o.so_path = getenv("SYNACK_PD_SO");
	for (; first < argc && argv[first][0] == '-'; first++)
		if (parse_opt(argv[first], &o)) {
			fprintf(stderr, "pdrun: bad option '%s'\n", argv[first]);
			return usage();
		}
	if (first == argc || !o.so_path)
		return usage();
	so = dlopen(o.so_path, RTLD_NOW | RTLD_LOCAL);
	if (!so || !dlsym(so, "packetdrill_interface_init")) {
		fprintf(stderr, "pdrun: %s: %s\n", o.so_path, so ? "no packetdrill_interface_init"
								  : dlerror());
		return 2;
	}
	for (int i = first; i < argc; i++, ran++) {
		failed += run_file(argv[i], &o, so) != 0;
		fflush(stdout);
	}
	printf("%d script%s, %d passed, %d failed\n", ran, ran == 1 ? "" : "s", ran - failed,
	       failed);
	dlclose(so);
	return failed ? 1 : 0;
}
