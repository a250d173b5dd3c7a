/*
 * test_faultenum.c — exhaustive fault enumeration on the simulator (issue 6, deliverable
 * 5; docs/sim.md "Fault enumeration"). One Criterion test runs the four exchanges, each
 * with the default config and with timestamps/SACK/window scaling off ("/noopts"), and
 * prints the pattern count of each and the total.
 *
 * Four exchanges between host A (10.0.0.1) and host B (10.0.0.2) on one 10 ms link:
 *   handshake  B listens, A connects (RFC 9293 §3.5 Figure 6);
 *   close      after a fault-free handshake, 100 bytes A->B and 200 bytes B->A, A closes
 *              once it has read B's bytes, B closes on EOF (§3.6 Figure 12 case 1);
 *   simopen    A and B connect to each other at the same instant (§3.5 Figure 8);
 *   simclose   after a fault-free handshake both close at the same instant (§3.6
 *              Figure 13).
 *
 * Numbering: the fault window of an exchange opens at its first call (t = 0 for the
 * handshake and simopen, t = 100 ms for close and simclose). From then on the packets
 * each host hands to the link are numbered 1, 2, ... per direction ("A3" is the third
 * packet A sends, whatever it is: original, retransmission, ACK, RST). Copies the fault
 * machinery itself re-sends (a held packet or copy, "A3'" in traces) are not numbered.
 *
 * Faults, at most one per numbered packet:
 *   loss      the packet is dropped on the link;
 *   dup       a second identical copy arrives right after the first;
 *   latedup   the packet arrives, and a second copy is re-sent right after the next
 *             packet its sender hands to the link in the same direction (an old
 *             duplicate; the hold limit below applies to the copy);
 *   reorderN  (N = 1, 2) the packet is held and re-sent right after the N-th next packet
 *             its sender hands to the link in the same direction (whatever that packet's
 *             own fate), so it arrives after it; when the sender sends fewer than N more
 *             packets within the hold limit (fe_hold_ns: 2 * rto_initial) it is re-sent then.
 *
 * Enumeration (deterministic, no randomness anywhere): the fault-free run numbers the
 * base packets; every single fault on every packet of the base run is run; for each
 * single fault f1, every fault f2 on every other packet of the run with f1 applied — so
 * f2 ranges over the retransmissions and answers that f1 itself caused — is run as the
 * pattern {f1, f2}. A pattern is a set: one reached twice (from f1 and from f2) runs
 * once. K, the bound of the numbering, is therefore the number of packets the direction
 * carries in that run: every packet of the run is a target, and an index the run never
 * reaches could not change it; the test prints the largest K met per direction.
 *
 * A failing pattern prints its fault list and the run's trace (tcpdump-format lines of
 * every packet at its virtual time, with the fault applied, each delivery, the hosts'
 * state changes and socket events). SYNACK_FAULTENUM_REPLAY="close A3:loss,B2:reorder1"
 * runs only that pattern and prints its trace (pass or fail).
 *
 * Known engine failures go in fe_pending[] (reported in notes/REQUESTS.md): such a
 * pattern is printed and counted as PENDING, never as passed; if it starts passing, or
 * is never met, the test fails so the list stays honest.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "synack/sim.h"
#include "synack/synack.h"
#include "synack/trace.h"
#include "plain_alloc.h"

static const char *fe_event_name(int kind);
struct fe_run;
static uint64_t fe_hold_ns(const struct fe_run *r);

#define FE_ADDR_A 0x0a000001u
#define FE_ADDR_B 0x0a000002u
#define FE_MS 1000000ull
#define FE_SEC 1000000000ull
#define FE_LATENCY_NS (10 * FE_MS)     /* each way: RTT 20 ms */
#define FE_PHASE_NS (100 * FE_MS)      /* close/simclose: the window opens here */
#define FE_LIMIT_NS (3600 * FE_SEC)    /* a run not idle by then is stuck */
#define FE_PKT 1600
#define FE_A_BYTES 100
#define FE_B_BYTES 200
#define FE_MAX_SEEN 8192

/* Each exchange runs twice: with the default config (timestamps, SACK, window scaling
 * offered and agreed) and with all three off ("/noopts": old duplicates are then told
 * apart by sequence numbers alone, no PAWS). */
enum fe_exchange {
	FE_HANDSHAKE, FE_CLOSE, FE_SIMOPEN, FE_SIMCLOSE,
	FE_NOOPTS, /* + one of the above */
	FE_EXCHANGES = 2 * FE_NOOPTS
};
static const char *const fe_ex_names[FE_EXCHANGES] = {
	"handshake", "close", "simopen", "simclose",
	"handshake/noopts", "close/noopts", "simopen/noopts", "simclose/noopts",
};

static enum fe_exchange fe_base(enum fe_exchange ex)
{
	return (enum fe_exchange)(ex % FE_NOOPTS);
}

enum fe_kind { FE_LOSS, FE_DUP, FE_LATEDUP, FE_REORDER1, FE_REORDER2, FE_KINDS };
static const char *const fe_kind_names[FE_KINDS] = {"loss", "dup", "latedup", "reorder1",
						    "reorder2"};

struct fe_fault {
	uint8_t dir;    /* 0: A -> B, 1: B -> A */
	uint8_t kind;   /* enum fe_kind */
	uint16_t idx;   /* 1-based packet number in the window, per direction */
};

struct fe_pattern {
	int n;
	struct fe_fault f[2];
};

/* Known failures: "exchange", "pattern" as fe_pattern_str prints it, and why. */
struct fe_pending_entry {
	const char *exchange;
	const char *pattern;
	const char *why;
};

/* ---- one run ------------------------------------------------------------------------ */

struct fe_held {
	bool on;
	uint8_t dir;
	int left;               /* packets of the same direction still to pass it */
	uint32_t gen;
	char label[16];
	size_t len;
	uint8_t buf[FE_PKT];
};

struct fe_app {
	int fd, lfd;
	int connected_events, accepts;
	int bad_events;          /* RESET / ERROR events: none is correct here */
	int last_error;
	uint8_t rx[512];
	size_t nrx;
	bool eof, closed;
	uint64_t t_established;  /* CONNECTED event / accept, 0 if never */
};

struct fe_run {
	enum fe_exchange ex;
	const struct fe_pattern *pat;
	struct synack_config cfg;
	struct synack_sim *sim;
	int host[2];
	int link;
	bool window;
	uint32_t emitted[2];
	uint32_t cur_idx[2];     /* number of the packet being sent (filter -> tap) */
	int cur_kind[2];         /* fault applied to it, -1 none */
	bool injecting;
	const char *inject_label; /* the held packet being re-sent */
	bool dup_armed[2];
	struct fe_held held[2];
	uint32_t gen;
	struct fe_app app[2];
	/* state tracking (after every simulator step) */
	int state[2];            /* of the host's connection; -1 none yet */
	uint64_t t_tw_enter[2], t_gone[2];
	bool was_tw[2], gone[2];
	uint64_t t_last_rx[2];
	uint64_t t_idle;
	bool idle;
	int faults_applied;
	int dups_done, releases_done; /* faults that took effect, seen on the tap */
	/* trace (only when tracing) */
	bool tracing;
	struct synack_trace *tr;
	char *log;
	size_t log_len, log_cap;
	char labels[512][20];     /* pkt_id -> "A3", "A3'" (re-sent copy), "" */
	/* verdict */
	char why[512];
	bool failed;
};

struct fe_stats {
	uint32_t patterns, passed, pending, failed;
	uint32_t max_k[2];
	uint64_t max_est_ns[3], max_done_ns[3];
	uint32_t failures_printed;
};

static void fe_logf(struct fe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fe_logf(struct fe_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->tracing)
		return;
	if (r->log_cap - r->log_len < 512) {
		r->log_cap = r->log_cap ? r->log_cap * 2 : 65536;
		r->log = realloc(r->log, r->log_cap);
		cr_assert(r->log);
	}
	va_start(ap, fmt);
	n = vsnprintf(r->log + r->log_len, r->log_cap - r->log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->log_len += (size_t)n < r->log_cap - r->log_len ? (size_t)n
								   : r->log_cap - r->log_len - 1;
}

static void fe_fail(struct fe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fe_fail(struct fe_run *r, const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(r->why);

	if (used + 4 >= sizeof r->why)
		return;
	if (used)
		r->why[used++] = ';', r->why[used++] = ' ', r->why[used] = 0;
	va_start(ap, fmt);
	vsnprintf(r->why + used, sizeof r->why - used, fmt, ap);
	va_end(ap);
	r->failed = true;
}

static const char fe_host_ch[2] = {'A', 'B'};

static int fe_dir_of(const struct fe_run *r, int host)
{
	return host == r->host[0] ? 0 : 1;
}

static int fe_fault_for(const struct fe_run *r, int dir, uint32_t idx)
{
	for (int i = 0; i < r->pat->n; i++)
		if (r->pat->f[i].dir == dir && r->pat->f[i].idx == idx)
			return r->pat->f[i].kind;
	return -1;
}

static void fe_set_dup(struct fe_run *r, int dir, bool on)
{
	struct synack_link_dir d = {.latency_ns = FE_LATENCY_NS};

	if (on)
		d.dup_ppm = 1000000u;
	synack_sim_link_set(r->sim, r->link, r->host[dir], &d);
	r->dup_armed[dir] = on;
}

/* Re-sends a held packet now: it reaches the peer after every packet already queued. */
static void fe_release(struct fe_run *r, struct fe_held *h, const char *why)
{
	h->on = false;
	fe_logf(r, "%12.6f %s' re-sent (%s)\n", (double)synack_sim_now(r->sim) / 1e9,
		h->label, why);
	r->injecting = true;
	r->inject_label = h->label;
	if (synack_sim_send(r->sim, r->host[h->dir], h->buf, h->len) == SYNACK_SIM_DELIVERED)
		r->releases_done++;
	r->injecting = false;
}

struct fe_hold_timer {
	struct fe_run *r;
	int slot;
	uint32_t gen;
};
static struct fe_hold_timer fe_hold_timers[2];

static void fe_hold_expire(void *ctx, struct synack_sim *sim, uint64_t now)
{
	struct fe_hold_timer *t = ctx;
	struct fe_held *h = &t->r->held[t->slot];

	(void)sim;
	(void)now;
	if (h->on && h->gen == t->gen)
		fe_release(t->r, h, "hold limit");
}

/* The scripted-drop filter: numbers the packet and applies its fault. */
static bool fe_filter(void *ctx, int link, int src_host, uint32_t dir_index,
		      const uint8_t *pkt, size_t len)
{
	struct fe_run *r = ctx;
	int d = fe_dir_of(r, src_host), kind;

	(void)link;
	(void)dir_index;
	if (r->injecting || !r->window) {
		r->cur_idx[d] = 0;
		return false;
	}
	r->cur_idx[d] = ++r->emitted[d];
	kind = fe_fault_for(r, d, r->cur_idx[d]);
	r->cur_kind[d] = kind;
	if (kind < 0)
		return false;
	r->faults_applied++;
	if (kind == FE_LOSS)
		return true;
	if (kind == FE_DUP) {
		fe_set_dup(r, d, true);
		return false;
	}
	for (int s = 0; s < 2; s++) {
		struct fe_held *h = &r->held[s];

		if (h->on)
			continue;
		cr_assert(len <= sizeof h->buf);
		h->on = true;
		h->dir = (uint8_t)d;
		h->left = kind == FE_REORDER2 ? 2 : 1;
		h->gen = ++r->gen;
		h->len = len;
		memcpy(h->buf, pkt, len);
		snprintf(h->label, sizeof h->label, "%c%u", fe_host_ch[d], r->cur_idx[d]);
		fe_hold_timers[s] = (struct fe_hold_timer){r, s, h->gen};
		synack_sim_at(r->sim, synack_sim_now(r->sim) + fe_hold_ns(r),
			      fe_hold_expire, &fe_hold_timers[s]);
		return kind != FE_LATEDUP;
	}
	cr_assert_fail("more than two packets held");
	return true;
}

static void fe_trace_pkt(struct fe_run *r, const struct synack_sim_tap *t, const char *label,
			 const char *what)
{
	char line[400];

	synack_trace_format(r->tr, line, sizeof line, t->pkt, t->len, t->len, (int64_t)t->now_ns);
	fe_logf(r, "%-5s %s%s\n", label, line, what);
}

static void fe_tap(void *ctx, const struct synack_sim_tap *t)
{
	struct fe_run *r = ctx;
	int d = fe_dir_of(r, t->src_host);
	char label[20] = "";

	if (t->kind == SYNACK_SIM_TAP_DELIVER) {
		int to = 1 - d;

		r->t_last_rx[to] = t->now_ns;
		if (r->tracing)
			fe_logf(r, "%12.6f   -> %c got %s%s\n", (double)t->now_ns / 1e9,
				fe_host_ch[to], t->pkt_id < 512 ? r->labels[t->pkt_id] : "?",
				t->is_duplicate ? " (second copy)" : "");
		return;
	}
	if (r->injecting) {
		snprintf(label, sizeof label, "%s'", r->inject_label);
		if (t->pkt_id < 512)
			snprintf(r->labels[t->pkt_id], sizeof r->labels[0], "%s", label);
		if (r->tracing)
			fe_trace_pkt(r, t, label, "  [re-sent: held copy]");
		return;
	}
	if (r->cur_idx[d])
		snprintf(label, sizeof label, "%c%u", fe_host_ch[d], r->cur_idx[d]);
	else
		snprintf(label, sizeof label, "%c-", fe_host_ch[d]);
	if (t->pkt_id < 512)
		snprintf(r->labels[t->pkt_id], sizeof r->labels[0], "%s", label);
	if (r->tracing) {
		const char *what = "";
		int k = r->cur_idx[d] ? r->cur_kind[d] : -1;

		if (k == FE_LOSS)
			what = "  [fault: loss]";
		else if (k == FE_DUP)
			what = "  [fault: dup]";
		else if (k == FE_LATEDUP)
			what = "  [fault: latedup, copy held]";
		else if (k == FE_REORDER1)
			what = "  [fault: reorder1, held]";
		else if (k == FE_REORDER2)
			what = "  [fault: reorder2, held]";
		fe_trace_pkt(r, t, label, what);
	}
	if (r->dup_armed[d]) {
		if (t->fate == SYNACK_SIM_DELIVERED && (t->flags & SYNACK_SIM_F_DUPLICATED))
			r->dups_done++;
		fe_set_dup(r, d, false);
	}
	if (!r->cur_idx[d])
		return;
	/* A numbered packet went out: held packets of this direction that it passes. */
	for (int s = 0; s < 2; s++) {
		struct fe_held *h = &r->held[s];
		char tag[32];

		if (!h->on || h->dir != d || strcmp(h->label, label) == 0)
			continue;
		if (--h->left == 0) {
			snprintf(tag, sizeof tag, "after %s", label);
			fe_release(r, h, tag);
		}
	}
}

/* ---- the applications ---------------------------------------------------------------- */

static const uint8_t *fe_payload(int host)
{
	static uint8_t pa[FE_A_BYTES], pb[FE_B_BYTES];

	if (!pa[0]) {
		for (size_t i = 0; i < sizeof pa; i++)
			pa[i] = (uint8_t)('a' + i % 26);
		for (size_t i = 0; i < sizeof pb; i++)
			pb[i] = (uint8_t)('0' + (i * 7) % 75);
	}
	return host == 0 ? pa : pb;
}

static size_t fe_expect_rx(const struct fe_run *r, int host)
{
	if (fe_base(r->ex) != FE_CLOSE)
		return 0;
	return host == 0 ? FE_B_BYTES : FE_A_BYTES;
}

static void fe_close_fd(struct fe_run *r, int h)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	long ret = synack_close(s, r->app[h].fd);

	fe_logf(r, "%12.6f %c close(%d) = %ld\n", (double)synack_sim_now(r->sim) / 1e9,
		fe_host_ch[h], r->app[h].fd, ret);
	if (ret != 0)
		fe_fail(r, "%c close = %ld", fe_host_ch[h], ret);
	r->app[h].closed = true;
}

static void fe_read_all(struct fe_run *r, int h)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	struct fe_app *a = &r->app[h];
	uint8_t buf[512];
	ssize_t n;

	while (!a->closed && (n = synack_recv(s, a->fd, buf, sizeof buf, 0)) != -EAGAIN) {
		if (n < 0) {
			fe_fail(r, "%c recv = %zd", fe_host_ch[h], n);
			return;
		}
		fe_logf(r, "%12.6f %c recv = %zd\n", (double)synack_sim_now(r->sim) / 1e9,
			fe_host_ch[h], n);
		if (n == 0) {
			a->eof = true;
			/* close: B closes on EOF (A has closed before, its FIN got here) */
			if (fe_base(r->ex) == FE_CLOSE && h == 1)
				fe_close_fd(r, h);
			return;
		}
		if (a->nrx + (size_t)n > sizeof a->rx) {
			fe_fail(r, "%c received more than %zu bytes", fe_host_ch[h], sizeof a->rx);
			return;
		}
		memcpy(a->rx + a->nrx, buf, (size_t)n);
		a->nrx += (size_t)n;
		/* close: A closes once it has read all of B's bytes */
		if (fe_base(r->ex) == FE_CLOSE && h == 0 && a->nrx == FE_B_BYTES)
			fe_close_fd(r, h);
	}
}

static void fe_accept(struct fe_run *r)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[1]);
	struct fe_app *b = &r->app[1];
	int fd;

	while ((fd = synack_accept(s, b->lfd, NULL, NULL)) >= 0) {
		fe_logf(r, "%12.6f B accept = %d\n", (double)synack_sim_now(r->sim) / 1e9, fd);
		if (b->accepts++ == 0) {
			b->fd = fd;
			b->t_established = synack_sim_now(r->sim);
		}
		/* one-shot server: the listener goes once the connection is accepted, so
		 * that the end state is an empty listing */
		synack_close(s, b->lfd);
		b->lfd = -1;
		return;
	}
}

static void fe_observe(void *ctx, struct synack_sim *sim, const struct synack_sim_obs *o)
{
	struct fe_run *r = ctx;
	int h = fe_dir_of(r, o->host);
	struct fe_app *a = &r->app[h];

	(void)sim;
	if (o->kind == SYNACK_SIM_OBS_NOTE) {
		if (r->tracing && o->note->dir != SYNACK_NOTE_OUT)
			fe_logf(r, "%12.6f   %c note: %s (%s -> %s)\n", (double)o->now_ns / 1e9,
				fe_host_ch[h], o->note->reason ? o->note->reason : "-",
				synack_state_name(o->note->state_before),
				synack_state_name(o->note->state_after));
		return;
	}
	fe_logf(r, "%12.6f %c event %s on fd %d error %d\n", (double)o->now_ns / 1e9,
		fe_host_ch[h], fe_event_name(o->event->kind), o->event->fd, o->event->error);
	switch (o->event->kind) {
	case SYNACK_EV_ACCEPTABLE:
		if (h == 1 && o->event->fd == a->lfd)
			fe_accept(r);
		break;
	case SYNACK_EV_CONNECTED:
		if (a->connected_events++ == 0)
			a->t_established = o->now_ns;
		break;
	case SYNACK_EV_READABLE:
		if (o->event->fd == a->fd && a->fd >= 0)
			fe_read_all(r, h);
		break;
	case SYNACK_EV_RESET:
	case SYNACK_EV_ERROR:
		a->bad_events++;
		a->last_error = o->event->error;
		break;
	default:
		break;
	}
}

/* ---- setup and phases ------------------------------------------------------------------ */

static void fe_phase(void *ctx, struct synack_sim *sim, uint64_t now)
{
	struct fe_run *r = ctx;

	(void)sim;
	fe_logf(r, "%12.6f --- fault window opens ---\n", (double)now / 1e9);
	r->window = true;
	for (int h = 0; h < 2; h++) {
		struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);

		if (r->app[h].fd < 0) {
			fe_fail(r, "%c has no connection at the phase start", fe_host_ch[h]);
			return;
		}
		if (fe_base(r->ex) == FE_CLOSE) {
			size_t n = h == 0 ? FE_A_BYTES : FE_B_BYTES;
			ssize_t ret = synack_send(s, r->app[h].fd, fe_payload(h), n, 0);

			fe_logf(r, "%12.6f %c send(%zu) = %zd\n", (double)now / 1e9,
				fe_host_ch[h], n, ret);
			if (ret != (ssize_t)n)
				fe_fail(r, "%c send = %zd", fe_host_ch[h], ret);
		} else {
			fe_close_fd(r, h);
		}
	}
}

static int fe_connect(struct fe_run *r, int h, uint16_t lport, uint32_t daddr, uint16_t dport)
{
	struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
	int fd = synack_socket(s);

	cr_assert_geq(fd, 0);
	if (lport)
		cr_assert_eq(synack_bind(s, fd, SYNACK_ADDR_ANY, lport), 0);
	cr_assert_eq(synack_connect(s, fd, daddr, dport), -EINPROGRESS);
	return fd;
}

static void fe_setup(struct fe_run *r)
{
	struct synack_sim_config sc = {.seed = 1, .max_events = 64, .pkt_max_bytes = FE_PKT};
	struct synack_link_dir d = {.latency_ns = FE_LATENCY_NS};
	struct synack_stack *sb;

	sc.env.alloc = plain_alloc;
	sc.env.free = plain_free;
	r->sim = synack_sim_new(&sc);
	cr_assert(r->sim);
	if (!r->tracing)
		r->cfg.notes_max = 0;
	r->host[0] = synack_sim_add_stack_host(r->sim, "A", FE_ADDR_A, &r->cfg);
	r->host[1] = synack_sim_add_stack_host(r->sim, "B", FE_ADDR_B, &r->cfg);
	cr_assert(r->host[0] >= 0 && r->host[1] >= 0);
	r->link = synack_sim_add_link(r->sim, r->host[0], r->host[1], &d, &d);
	cr_assert_geq(r->link, 0);
	synack_sim_set_filter(r->sim, fe_filter, r);
	synack_sim_set_tap(r->sim, fe_tap, r);
	synack_sim_set_observer(r->sim, fe_observe, r);
	for (int h = 0; h < 2; h++) {
		r->app[h].fd = r->app[h].lfd = -1;
		r->state[h] = -1;
		r->cur_kind[h] = -1;
	}
	sb = synack_sim_stack(r->sim, r->host[1]);
	if (fe_base(r->ex) == FE_SIMOPEN) {
		r->window = true;
		r->app[0].fd = fe_connect(r, 0, 1111, FE_ADDR_B, 2222);
		r->app[1].fd = fe_connect(r, 1, 2222, FE_ADDR_A, 1111);
	} else {
		r->app[1].lfd = synack_socket(sb);
		cr_assert_geq(r->app[1].lfd, 0);
		cr_assert_eq(synack_bind(sb, r->app[1].lfd, SYNACK_ADDR_ANY, 80), 0);
		cr_assert_eq(synack_listen(sb, r->app[1].lfd, 8), 0);
		r->window = fe_base(r->ex) == FE_HANDSHAKE;
		r->app[0].fd = fe_connect(r, 0, 0, FE_ADDR_B, 80);
		if (!r->window)
			cr_assert_eq(synack_sim_at(r->sim, FE_PHASE_NS, fe_phase, r), 0);
	}
	fe_logf(r, "%12.6f --- %s: A %s ---\n", 0.0, fe_ex_names[r->ex],
		fe_base(r->ex) == FE_SIMOPEN ? "and B connect" : "connects to B:80");
}

/* The host's connection (not the listener) in its listing, or -1 (state) when gone. */
static int fe_conn_state(struct fe_run *r, int h, struct synack_sock_info *out)
{
	struct synack_sock_info info[8];
	size_t n = synack_sock_list(synack_sim_stack(r->sim, r->host[h]), info, 8);

	for (size_t i = 0; i < n && i < 8; i++) {
		if (info[i].state == SYNACK_STATE_LISTEN)
			continue;
		if (out)
			*out = info[i];
		return info[i].state;
	}
	return -1;
}

static void fe_track(struct fe_run *r)
{
	uint64_t now = synack_sim_now(r->sim);

	for (int h = 0; h < 2; h++) {
		int st = fe_conn_state(r, h, NULL);

		if (st == r->state[h])
			continue;
		fe_logf(r, "%12.6f %c state %s -> %s\n", (double)now / 1e9, fe_host_ch[h],
			r->state[h] < 0 ? "(none)" : synack_state_name(r->state[h]),
			st < 0 ? "(none)" : synack_state_name(st));
		if (st == SYNACK_STATE_TIME_WAIT && !r->was_tw[h]) {
			r->was_tw[h] = true;
			r->t_tw_enter[h] = now;
		}
		if (st < 0 && r->state[h] >= 0) {
			r->gone[h] = true;
			r->t_gone[h] = now;
		}
		r->state[h] = st;
	}
}

/* ---- time bounds (derived from the configuration) --------------------------------------
 *
 * A fault costs the exchange at most one retransmission timeout: a lost packet is
 * repaired by its sender's timer (or by the peer's, which fires no later); a duplicate
 * costs nothing; a reordered packet arrives right after the sender's next packet, and
 * when it was needed that next packet is its own retransmission, sent by a timer. Two
 * faults on one segment meet the backed-off timer (RFC 6298 (5.5)), so F faults cost at
 * most R(F) = sum_{i<F} rto_initial * 2^i (0, 1 s, 3 s): the SYN and SYN-ACK timers start
 * at rto_initial (RFC 6298 (2.1)), and after the handshake the RTO is smaller (RTT 20 ms,
 * rto_min 200 ms). With F <= 2 < syn_retries, synack_retries, retries2, no timer gives
 * up, so ETIMEDOUT is never the correct outcome here, and FIN-WAIT-2 never lasts
 * fin_timeout (the peer's FIN always comes within the active bound).
 *   establishment:  t <= 3 one-way delays + R(F)
 *   close/simclose: every connection is in TIME-WAIT or gone by the phase start
 *                   + 4 one-way delays + R(F) (the active bound);
 *   TIME-WAIT:      lasts at least 2MSL (2 * msl_ms) from entry, ends at most 2MSL after
 *                   the last segment its host received; idle by the active bound + the
 *                   hold limit (a held copy may arrive that late and restart 2MSL) + 2MSL.
 */
static uint64_t fe_bound_ns(const struct fe_run *r, int nfaults, uint64_t base_ns)
{
	uint64_t rto = (uint64_t)r->cfg.rto_initial_ms * FE_MS, rep = 0;

	for (int i = 0; i < nfaults; i++)
		rep += rto << i;
	return base_ns + rep;
}

/* The longest a held copy waits (reorder, latedup): 2 * rto_initial. */
static uint64_t fe_hold_ns(const struct fe_run *r)
{
	return 2ull * r->cfg.rto_initial_ms * FE_MS;
}

static uint64_t fe_2msl_ns(const struct fe_run *r)
{
	return 2ull * r->cfg.msl_ms * FE_MS;
}

/* ---- the verdict ---------------------------------------------------------------------- */

static void fe_check_established(struct fe_run *r, int nfaults)
{
	struct synack_tcp_info ti[2];
	struct synack_sock_info si[2];
	uint64_t bound = fe_bound_ns(r, nfaults, 3 * FE_LATENCY_NS);

	for (int h = 0; h < 2; h++) {
		struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);
		int st = fe_conn_state(r, h, &si[h]);
		size_t nl = synack_sock_list(s, NULL, 0);

		if (r->app[h].fd < 0) {
			fe_fail(r, "%c has no connected descriptor", fe_host_ch[h]);
			return;
		}
		if (st != SYNACK_STATE_ESTABLISHED)
			fe_fail(r, "%c ends in %s, want ESTABLISHED", fe_host_ch[h],
				st < 0 ? "(none)" : synack_state_name(st));
		if (nl != 1)
			fe_fail(r, "%c listing has %zu entries, want 1", fe_host_ch[h], nl);
		if (st >= 0 && si[h].timer != SYNACK_TIMER_NONE)
			fe_fail(r, "%c timer %s still armed", fe_host_ch[h],
				synack_timer_name(si[h].timer));
		if (synack_tcp_info(s, r->app[h].fd, &ti[h]) != 0)
			fe_fail(r, "%c tcp_info failed", fe_host_ch[h]);
		if (r->app[h].t_established == 0 || r->app[h].t_established > bound)
			fe_fail(r, "%c established at %.6f s, bound %.6f s", fe_host_ch[h],
				(double)r->app[h].t_established / 1e9, (double)bound / 1e9);
	}
	if (r->failed)
		return;
	if (r->app[0].connected_events != 1 ||
	    (fe_base(r->ex) == FE_SIMOPEN ? r->app[1].connected_events != 1 : r->app[1].accepts != 1))
		fe_fail(r, "CONNECTED events A %d B %d, accepts %d (want exactly one each)",
			r->app[0].connected_events, r->app[1].connected_events, r->app[1].accepts);
	for (int h = 0; h < 2; h++) {
		const struct synack_tcp_info *me = &ti[h], *peer = &ti[1 - h];

		if (me->iss != peer->irs || me->snd_nxt != peer->rcv_nxt ||
		    me->snd_una != me->snd_nxt || me->snd_nxt != me->iss + 1)
			fe_fail(r, "%c iss %u snd_una %u snd_nxt %u vs peer irs %u rcv_nxt %u",
				fe_host_ch[h], me->iss, me->snd_una, me->snd_nxt, peer->irs,
				peer->rcv_nxt);
	}
}

static void fe_check_closed(struct fe_run *r, int nfaults)
{
	uint64_t active = FE_PHASE_NS + fe_bound_ns(r, nfaults, 4 * FE_LATENCY_NS);
	uint64_t msl2 = fe_2msl_ns(r);

	for (int h = 0; h < 2; h++) {
		struct fe_app *a = &r->app[h];
		size_t want = fe_expect_rx(r, h);
		bool want_tw = fe_base(r->ex) == FE_SIMCLOSE || h == 0;

		if (!a->closed)
			fe_fail(r, "%c never closed its socket", fe_host_ch[h]);
		if (a->nrx != want || memcmp(a->rx, fe_payload(1 - h), want) != 0)
			fe_fail(r, "%c received %zu bytes, want %zu%s", fe_host_ch[h], a->nrx,
				want, a->nrx == want ? " (content differs)" : "");
		if (fe_base(r->ex) == FE_CLOSE && h == 1 && !a->eof)
			fe_fail(r, "B never read EOF");
		if (!r->gone[h]) {
			fe_fail(r, "%c connection never went away", fe_host_ch[h]);
			continue;
		}
		if (want_tw != r->was_tw[h])
			fe_fail(r, "%c %s TIME-WAIT", fe_host_ch[h],
				want_tw ? "never went through" : "went through");
		if (r->was_tw[h]) {
			if (r->t_tw_enter[h] > active)
				fe_fail(r, "%c entered TIME-WAIT at %.6f s, bound %.6f s",
					fe_host_ch[h], (double)r->t_tw_enter[h] / 1e9,
					(double)active / 1e9);
			if (r->t_gone[h] < r->t_tw_enter[h] + msl2)
				fe_fail(r, "%c TIME-WAIT lasted %.6f s < 2MSL", fe_host_ch[h],
					(double)(r->t_gone[h] - r->t_tw_enter[h]) / 1e9);
			if (r->t_gone[h] > r->t_last_rx[h] + msl2)
				fe_fail(r, "%c TIME-WAIT ended %.6f s after its last segment > 2MSL",
					fe_host_ch[h],
					(double)(r->t_gone[h] - r->t_last_rx[h]) / 1e9);
		} else if (r->t_gone[h] > active) {
			fe_fail(r, "%c closed at %.6f s, bound %.6f s", fe_host_ch[h],
				(double)r->t_gone[h] / 1e9, (double)active / 1e9);
		}
	}
	/* a held copy (reorder, latedup) may reach a TIME-WAIT host up to the hold limit
	 * after the active bound and restart its 2MSL (RFC 9293 §3.10.7.4, TIME-WAIT) */
	if (r->t_idle > active + fe_hold_ns(r) + msl2)
		fe_fail(r, "idle at %.6f s, bound %.6f s", (double)r->t_idle / 1e9,
			(double)(active + fe_hold_ns(r) + msl2) / 1e9);
	for (int h = 0; h < 2; h++) {
		size_t nl = synack_sock_list(synack_sim_stack(r->sim, r->host[h]), NULL, 0);

		if (nl != 0)
			fe_fail(r, "%c listing has %zu entries at the end, want 0", fe_host_ch[h], nl);
	}
}

static void fe_verdict(struct fe_run *r)
{
	if (!r->idle) {
		fe_fail(r, "not idle at %.0f s (stuck)", (double)FE_LIMIT_NS / 1e9);
		return;
	}
	for (int h = 0; h < 2; h++) {
		struct synack_stack *s = synack_sim_stack(r->sim, r->host[h]);

		if (r->app[h].bad_events)
			fe_fail(r, "%c got a RESET/ERROR event (errno %d)", fe_host_ch[h],
				r->app[h].last_error);
		if (synack_next_deadline(s) != UINT64_MAX)
			fe_fail(r, "%c has a timer armed at the end", fe_host_ch[h]);
		if (!r->app[h].closed && r->app[h].fd >= 0) {
			int err = -1;
			size_t len = sizeof err;

			if (synack_getsockopt(s, r->app[h].fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR,
					      &err, &len) != 0 || err != 0)
				fe_fail(r, "%c SO_ERROR %d", fe_host_ch[h], err);
		}
	}
	if (r->faults_applied != r->pat->n)
		fe_fail(r, "%d of %d faults applied (a numbered packet never existed)",
			r->faults_applied, r->pat->n);
	for (int i = 0, dups = 0, holds = 0; i < r->pat->n; i++) {
		dups += r->pat->f[i].kind == FE_DUP;
		holds += r->pat->f[i].kind >= FE_LATEDUP;
		if (i == r->pat->n - 1 && (dups != r->dups_done || holds != r->releases_done))
			fe_fail(r, "faults took effect: %d of %d dup, %d of %d re-sent", r->dups_done,
				dups, r->releases_done, holds);
	}
	if (fe_base(r->ex) == FE_HANDSHAKE || fe_base(r->ex) == FE_SIMOPEN)
		fe_check_established(r, r->pat->n);
	else
		fe_check_closed(r, r->pat->n);
}

/* Runs one pattern; r is zeroed here. The simulator is freed before returning. */
static void fe_run_pattern(struct fe_run *r, enum fe_exchange ex, const struct fe_pattern *p,
			   bool tracing)
{
	memset(r, 0, sizeof *r);
	r->ex = ex;
	r->pat = p;
	r->tracing = tracing;
	synack_config_default(&r->cfg);
	if (ex >= FE_NOOPTS) {
		r->cfg.timestamps = 0;
		r->cfg.sack = 0;
		r->cfg.window_scaling = 0;
	}
	if (tracing) {
		struct synack_trace_opts o = {.ts = SYNACK_TRACE_TS_EPOCH};

		r->tr = malloc(sizeof *r->tr);
		cr_assert(r->tr);
		synack_trace_init(r->tr, &o);
	}
	fe_setup(r);
	synack_sim_flush(r->sim);
	fe_track(r);
	for (;;) {
		uint64_t t = synack_sim_next_time(r->sim);

		if (t == UINT64_MAX) {
			r->idle = true;
			break;
		}
		if (t > FE_LIMIT_NS)
			break;
		synack_sim_step(r->sim);
		fe_track(r);
	}
	r->t_idle = synack_sim_now(r->sim);
	fe_logf(r, "%12.6f --- idle ---\n", (double)r->t_idle / 1e9);
	fe_verdict(r);
	synack_sim_free(r->sim);
	r->sim = NULL;
	free(r->tr);
	r->tr = NULL;
}

/* ---- patterns ----------------------------------------------------------------------------- */

static int fe_fault_cmp(const struct fe_fault *a, const struct fe_fault *b)
{
	if (a->dir != b->dir)
		return a->dir - b->dir;
	if (a->idx != b->idx)
		return a->idx - b->idx;
	return a->kind - b->kind;
}

static void fe_pattern_str(const struct fe_pattern *p, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = 0;
	if (p->n == 0)
		snprintf(buf, cap, "none");
	for (int i = 0; i < p->n && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%c%u:%s", i ? "," : "",
					 fe_host_ch[p->f[i].dir], p->f[i].idx,
					 fe_kind_names[p->f[i].kind]);
}

/* Parses "A3:loss,B2:reorder1" ("none" or "" for no fault). */
static bool fe_pattern_parse(const char *s, struct fe_pattern *p)
{
	memset(p, 0, sizeof *p);
	while (*s == ' ')
		s++;
	if (!*s || strcmp(s, "none") == 0)
		return true;
	while (*s) {
		struct fe_fault f = {0};
		char kind[16];
		unsigned idx;
		int used = 0, k;

		if (p->n == 2 || (*s != 'A' && *s != 'B'))
			return false;
		f.dir = *s == 'A' ? 0 : 1;
		if (sscanf(s + 1, "%u:%15[a-z0-9]%n", &idx, kind, &used) != 2 || idx == 0)
			return false;
		for (k = 0; k < FE_KINDS && strcmp(kind, fe_kind_names[k]) != 0; k++)
			;
		if (k == FE_KINDS)
			return false;
		f.kind = (uint8_t)k;
		f.idx = (uint16_t)idx;
		p->f[p->n++] = f;
		s += 1 + used;
		if (*s == ',')
			s++;
	}
	if (p->n == 2 && fe_fault_cmp(&p->f[0], &p->f[1]) > 0) {
		struct fe_fault t = p->f[0];

		p->f[0] = p->f[1];
		p->f[1] = t;
	}
	return true;
}

static const char *fe_pending_why(const struct fe_pending_entry *pend, size_t npend,
				  enum fe_exchange ex, const char *pat, bool *met)
{
	for (size_t i = 0; i < npend; i++)
		if (strcmp(pend[i].exchange, fe_ex_names[ex]) == 0 &&
		    strcmp(pend[i].pattern, pat) == 0) {
			met[i] = true;
			return pend[i].why;
		}
	return NULL;
}

static void fe_print_trace(enum fe_exchange ex, const struct fe_pattern *p)
{
	struct fe_run *t = calloc(1, sizeof *t);

	cr_assert(t);
	fe_run_pattern(t, ex, p, true);
	fprintf(stderr, "---- trace of %s pattern (replay: SYNACK_FAULTENUM_REPLAY=\"%s ",
		fe_ex_names[ex], fe_ex_names[ex]);
	{
		char s[64];

		fe_pattern_str(p, s, sizeof s);
		fprintf(stderr, "%s\") ----\n%.*s---- verdict: %s ----\n", s, (int)t->log_len,
			t->log ? t->log : "", t->failed ? t->why : "pass");
	}
	free(t->log);
	free(t);
}

/* Runs one pattern and books its verdict. Returns the run's packet counts in k[2]. */
static void fe_one(enum fe_exchange ex, const struct fe_pattern *p, struct fe_stats *st,
		   const struct fe_pending_entry *pend, size_t npend, bool *met, uint32_t k[2])
{
	static struct fe_run r;
	char s[64];
	const char *why;

	fe_run_pattern(&r, ex, p, false);
	fe_pattern_str(p, s, sizeof s);
	st->patterns++;
	for (int d = 0; d < 2; d++) {
		k[d] = r.emitted[d];
		if (k[d] > st->max_k[d])
			st->max_k[d] = k[d];
	}
	if (p->n <= 2) {
		uint64_t est = r.app[0].t_established > r.app[1].t_established
				       ? r.app[0].t_established : r.app[1].t_established;

		if (est > st->max_est_ns[p->n])
			st->max_est_ns[p->n] = est;
		if (r.t_idle > st->max_done_ns[p->n])
			st->max_done_ns[p->n] = r.t_idle;
	}
	why = fe_pending_why(pend, npend, ex, s, met);
	if (!r.failed && !why) {
		st->passed++;
		return;
	}
	if (r.failed && why) {
		st->pending++;
		printf("PENDING %s %s: %s (known: %s)\n", fe_ex_names[ex], s, r.why, why);
		return;
	}
	st->failed++;
	if (why)
		fprintf(stderr, "FAIL %s %s: listed as pending (%s) but passes now: move it "
			"out of fe_pending\n", fe_ex_names[ex], s, why);
	else
		fprintf(stderr, "FAIL %s %s: %s\n", fe_ex_names[ex], s, r.why);
	if (!why && st->failures_printed++ < 3)
		fe_print_trace(ex, p);
}

struct fe_seen {
	struct fe_pattern *v;
	size_t n;
};

static bool fe_seen_add(struct fe_seen *seen, const struct fe_pattern *p)
{
	for (size_t i = 0; i < seen->n; i++)
		if (fe_fault_cmp(&seen->v[i].f[0], &p->f[0]) == 0 &&
		    fe_fault_cmp(&seen->v[i].f[1], &p->f[1]) == 0)
			return false;
	cr_assert_lt(seen->n, FE_MAX_SEEN);
	seen->v[seen->n++] = *p;
	return true;
}

#define FE_MAX_CAND 512

/* Every fault on every packet of a run that carried k[0] packets A->B, k[1] B->A, in
 * order (direction, number, kind). Returns how many. */
static size_t fe_candidates(const uint32_t k[2], struct fe_fault *out)
{
	size_t n = 0;

	for (int d = 0; d < 2; d++)
		for (uint32_t i = 1; i <= k[d]; i++)
			for (int c = 0; c < FE_KINDS; c++) {
				cr_assert_lt(n, FE_MAX_CAND);
				out[n++] = (struct fe_fault){(uint8_t)d, (uint8_t)c, (uint16_t)i};
			}
	return n;
}

/* The enumeration of one exchange (see the header comment); returns its counts. */
static struct fe_stats fe_enumerate(enum fe_exchange ex, const struct fe_pending_entry *pend,
				    size_t npend)
{
	struct fe_stats st = {0};
	struct fe_pattern none = {0};
	struct fe_seen seen = {calloc(FE_MAX_SEEN, sizeof(struct fe_pattern)), 0};
	bool *met = calloc(npend + 1, sizeof(bool));
	uint32_t k0[2], k1[2];
	uint32_t singles = 0, pairs = 0;
	struct fe_fault c1[FE_MAX_CAND], c2[FE_MAX_CAND];
	size_t n1, n2;

	cr_assert(seen.v && met);
	fe_one(ex, &none, &st, pend, npend, met, k0);
	n1 = fe_candidates(k0, c1);
	for (size_t i = 0; i < n1; i++) {
		struct fe_pattern p1 = {1, {c1[i]}};

		fe_one(ex, &p1, &st, pend, npend, met, k1);
		singles++;
		n2 = fe_candidates(k1, c2);
		for (size_t j = 0; j < n2; j++) {
			struct fe_pattern p2 = {2, {c1[i], c2[j]}};
			uint32_t k2[2];

			if (c2[j].dir == c1[i].dir && c2[j].idx == c1[i].idx)
				continue;
			if (fe_fault_cmp(&c1[i], &c2[j]) > 0) {
				p2.f[0] = c2[j];
				p2.f[1] = c1[i];
			}
			if (!fe_seen_add(&seen, &p2))
				continue;
			fe_one(ex, &p2, &st, pend, npend, met, k2);
			pairs++;
		}
	}
	printf("faultenum %-16s: %4u patterns (1 fault-free, %u single, %u pairs): %u passed, "
	       "%u pending (known engine failures), %u failed; base run A%u B%u packets, K up "
	       "to A%u B%u; latest establishment / idle (virtual s) with 0, 1, 2 faults: "
	       "%.3f %.3f %.3f / %.3f %.3f %.3f\n",
	       fe_ex_names[ex], st.patterns, singles, pairs, st.passed, st.pending, st.failed,
	       k0[0], k0[1], st.max_k[0], st.max_k[1], (double)st.max_est_ns[0] / 1e9,
	       (double)st.max_est_ns[1] / 1e9, (double)st.max_est_ns[2] / 1e9,
	       (double)st.max_done_ns[0] / 1e9, (double)st.max_done_ns[1] / 1e9,
	       (double)st.max_done_ns[2] / 1e9);
	fflush(stdout);
	for (size_t i = 0; i < npend; i++)
		if (strcmp(pend[i].exchange, fe_ex_names[ex]) == 0 && !met[i]) {
			fprintf(stderr, "FAIL %s: pending pattern %s was never run\n",
				fe_ex_names[ex], pend[i].pattern);
			st.failed++;
		}
	free(seen.v);
	free(met);
	return st;
}

static const char *fe_event_name(int kind)
{
	switch (kind) {
	case SYNACK_EV_READABLE: return "READABLE";
	case SYNACK_EV_WRITABLE: return "WRITABLE";
	case SYNACK_EV_CONNECTED: return "CONNECTED";
	case SYNACK_EV_ACCEPTABLE: return "ACCEPTABLE";
	case SYNACK_EV_RESET: return "RESET";
	case SYNACK_EV_CLOSED: return "CLOSED";
	case SYNACK_EV_ERROR: return "ERROR";
	default: return "other";
	}
}

/* Known engine failures (reported in notes/REQUESTS.md): printed as PENDING, never
 * counted as passed. Format: exchange, pattern as printed, the finding. */
static const struct fe_pending_entry fe_pending[] = {
	{"", "", ""}, /* placeholder: no known failure */
};
#define FE_NPENDING (sizeof fe_pending / sizeof fe_pending[0] - 1)

/* SYNACK_FAULTENUM_REPLAY="close A3:loss,B2:reorder1": that pattern alone, with its trace. */
static bool fe_replay(void)
{
	const char *replay = getenv("SYNACK_FAULTENUM_REPLAY");
	struct fe_pattern p;
	struct fe_run *r;
	int ex;

	if (!replay)
		return false;
	for (ex = 0; ex < FE_EXCHANGES; ex++) {
		size_t nl = strlen(fe_ex_names[ex]);

		if (strncmp(replay, fe_ex_names[ex], nl) == 0 && replay[nl] == ' ')
			break;
	}
	cr_assert_lt(ex, FE_EXCHANGES, "SYNACK_FAULTENUM_REPLAY: unknown exchange in '%s'", replay);
	cr_assert(fe_pattern_parse(strchr(replay, ' ') + 1, &p), "bad pattern '%s'", replay);
	fe_print_trace((enum fe_exchange)ex, &p);
	r = calloc(1, sizeof *r);
	cr_assert(r);
	fe_run_pattern(r, (enum fe_exchange)ex, &p, false);
	cr_assert(!r->failed, "%s", r->why);
	free(r);
	return true;
}

Test(faultenum, every_pattern_of_up_to_two_faults, .timeout = 280)
{
	struct fe_stats total = {0};

	if (fe_replay())
		return;
	for (int ex = 0; ex < FE_EXCHANGES; ex++) {
		struct fe_stats st = fe_enumerate((enum fe_exchange)ex, fe_pending, FE_NPENDING);

		total.patterns += st.patterns;
		total.passed += st.passed;
		total.pending += st.pending;
		total.failed += st.failed;
	}
	printf("faultenum total           : %4u patterns: %u passed, %u pending (known engine "
	       "failures), %u failed\n", total.patterns, total.passed, total.pending,
	       total.failed);
	fflush(stdout);
	cr_assert_eq(total.failed, 0, "%u of %u fault patterns failed (listed above)",
		     total.failed, total.patterns);
	cr_assert_eq(total.passed + total.pending, total.patterns);
}
