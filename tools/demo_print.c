/*
 * demo_print.c — prints a scenario run of the simulator (include/synack/sim.h): every
 * socket call with its result, every segment in tcpdump's format at its virtual send time
 * with its fate on the link, every arrival with the receiving engine's decision and the
 * state it enters, timer decisions, marks, and at the end the RFC-style ladder
 * (include/synack/ladder.h). Also writes the run's packets to a pcap file: each packet
 * once, at its virtual send time, in time order (drops are marked in the printed trace,
 * not in the pcap).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "synack/ladder.h"
#include "synack/pcap.h"
#include "synack/ss.h"
#include "synack/trace.h"

static const struct { int e; const char *name; } errnames[] = {
	{EINPROGRESS, "EINPROGRESS"}, {ECONNREFUSED, "ECONNREFUSED"},
	{ECONNRESET, "ECONNRESET"}, {ETIMEDOUT, "ETIMEDOUT"}, {EAGAIN, "EAGAIN"},
	{EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EPIPE, "EPIPE"},
	{ENOTCONN, "ENOTCONN"}, {EINVAL, "EINVAL"}, {EBADF, "EBADF"}, {EISCONN, "EISCONN"},
	{EALREADY, "EALREADY"}, {ENOMEM, "ENOMEM"}, {EMFILE, "EMFILE"},
	{ENETUNREACH, "ENETUNREACH"}, {EHOSTUNREACH, "EHOSTUNREACH"}, {ENOPROTOOPT, "ENOPROTOOPT"},
};

const char *demo_errname(long err)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].e == err)
			return errnames[i].name;
	return "E?";
}

static const char *host_name(int h)
{
	return h == 0 ? "A" : h == 1 ? "B" : "?";
}

static const char *state_name(int st)
{
	return st < 0 ? "?" : synack_state_name(st);
}

/* "HH:MM:SS.uuuuuu" of a virtual time (hours keep counting past 24). */
static void print_ts(FILE *out, uint64_t t_ns)
{
	uint64_t us = t_ns / 1000, s = us / 1000000;

	fprintf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%06" PRIu64, s / 3600,
		s / 60 % 60, s % 60, us % 1000000);
}

static const char *event_name(int kind)
{
	static const char *const names[] = {
		[SYNACK_EV_READABLE] = "readable", [SYNACK_EV_WRITABLE] = "writable",
		[SYNACK_EV_CONNECTED] = "connected", [SYNACK_EV_ACCEPTABLE] = "acceptable",
		[SYNACK_EV_RESET] = "reset", [SYNACK_EV_CLOSED] = "closed",
		[SYNACK_EV_ERROR] = "error", [SYNACK_EV_URGENT] = "urgent",
		[SYNACK_EV_SOFT_ERROR] = "soft-error",
	};

	if (kind < SYNACK_EV_READABLE || kind > SYNACK_EV_SOFT_ERROR)
		return "?";
	return names[kind];
}

static void print_send(FILE *out, const struct demo_ctx *d, const struct synack_sc_entry *e,
		       struct synack_trace *tr, int *last_state)
{
	const uint8_t *pkt = synack_sc_packet(d->run, e);
	char line[512];

	print_ts(out, e->t_ns);
	if (pkt)
		synack_trace_format(tr, line, sizeof line, pkt, e->pkt_len, e->pkt_len,
				    (int64_t)e->t_ns);
	else
		snprintf(line, sizeof line, "(packet %" PRIu64 " not kept)", e->pkt_id);
	fprintf(out, " %s> %s", host_name(e->host), line);
	if (e->injected)
		fprintf(out, "   ** crafted (injected)");
	if (!e->is_tcp && e->text[0])
		fprintf(out, "   ** malformed: %s", e->text);
	if (e->fate != SYNACK_SIM_DELIVERED)
		fprintf(out, "   ** %s", synack_sim_fate_name(e->fate));
	if (e->sim_flags & SYNACK_SIM_F_CORRUPTED)
		fprintf(out, "   ** corrupted on the link");
	if (e->sim_flags & SYNACK_SIM_F_DUPLICATED)
		fprintf(out, "   ** duplicated on the link");
	if (e->sim_flags & SYNACK_SIM_F_REORDERED)
		fprintf(out, "   ** delayed (reordered)");
	fputc('\n', out);
	if (e->host >= 0 && e->state >= 0 && e->state != last_state[e->host] && !e->injected) {
		fprintf(out, "%*s %s  enters %s\n", 15, "", host_name(e->host), state_name(e->state));
		last_state[e->host] = e->state;
	}
}

static void print_deliver(FILE *out, const struct synack_sc_entry *e, int *last_state)
{
	print_ts(out, e->t_ns);
	fprintf(out, " %s< ", host_name(e->host));
	if (e->is_dup)
		fprintf(out, "(duplicate) ");
	if (!e->decision && e->is_tcp && e->daddr != (e->host == 0 ? SYNACK_SC_ADDR_A :
						       e->host == 1 ? SYNACK_SC_ADDR_B : 0u)) {
		fprintf(out, "not addressed to %s: dropped (a reply to a spoofed source)\n",
			host_name(e->host));
		return;
	}
	if (!e->decision) {
		fprintf(out, "no decision noted\n");
		return;
	}
	fprintf(out, "%s", e->decision);
	if (e->state >= 0 && e->state_before >= 0 && e->state != e->state_before)
		fprintf(out, "  (%s -> %s)", state_name(e->state_before), state_name(e->state));
	else if (e->state >= 0)
		fprintf(out, "  (%s)", state_name(e->state));
	fputc('\n', out);
	if (e->host >= 0 && e->state >= 0)
		last_state[e->host] = e->state;
}

static void print_note(FILE *out, const struct synack_sc_entry *e, int *last_state)
{
	const struct synack_note *n = &e->note;

	/* Arrivals are shown with their delivery, transmissions with their segment. */
	if (n->dir != SYNACK_NOTE_TIMER && n->dir != SYNACK_NOTE_USER)
		return;
	if (n->dir == SYNACK_NOTE_USER && n->state_before == n->state_after)
		return;
	print_ts(out, e->t_ns);
	fprintf(out, " %s  ", host_name(e->host));
	if (n->dir == SYNACK_NOTE_TIMER && n->timer)
		fprintf(out, "timer %s: ", synack_timer_name(n->timer));
	else if (n->dir == SYNACK_NOTE_TIMER)
		fprintf(out, "timer: ");
	fprintf(out, "%s", n->reason ? n->reason : "");
	if (n->state_before != n->state_after)
		fprintf(out, "  (%s -> %s)", state_name(n->state_before), state_name(n->state_after));
	fputc('\n', out);
	if (e->host >= 0)
		last_state[e->host] = n->state_after;
}

static void print_call(FILE *out, const struct synack_sc_entry *e)
{
	print_ts(out, e->t_ns);
	fprintf(out, " %s  %s = ", host_name(e->host), e->text);
	if (e->ret < 0)
		fprintf(out, "-%s\n", demo_errname(-e->ret));
	else
		fprintf(out, "%ld%s\n", e->ret, e->ret == 0 && !strncmp(e->text, "recv", 4) ?
			" (EOF)" : "");
}

struct ss_out {
	FILE *out;
	const char *indent;
};

static void print_ss_line(void *ctx, const char *line)
{
	struct ss_out *o = ctx;

	fprintf(o->out, "%s%s\n", o->indent, line);
}

/* An SS entry: the listing as `synack ss` prints it, then the per-state counts. */
static void print_ss(FILE *out, const struct demo_ctx *d, const struct synack_sc_entry *e)
{
	size_t n;
	const struct synack_sock_info *v = synack_sc_snapshot(d->run, e, &n);
	struct ss_out o = {out, "                   "};

	print_ts(out, e->t_ns);
	fprintf(out, " %s  --- connection list (synack ss), %zu entries:\n", host_name(e->host), n);
	synack_ss_write_list(v, n, e->t_ns, print_ss_line, &o);
	fprintf(out, "%sper-state counts:\n", o.indent);
	o.indent = "                     ";
	synack_ss_write_counts(v, n, print_ss_line, &o);
}

void demo_print_trace(FILE *out, const struct demo_ctx *d)
{
	struct synack_trace_opts o = {.absolute_seq = d->absolute, .ts = SYNACK_TRACE_TS_NONE};
	static struct synack_trace tr;
	int last_state[2] = {-1, -1};
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(d->run, &n);

	synack_trace_init(&tr, &o);
	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];

		switch (e->kind) {
		case SYNACK_SC_LOG_SEND:
			print_send(out, d, e, &tr, last_state);
			break;
		case SYNACK_SC_LOG_DELIVER:
			print_deliver(out, e, last_state);
			break;
		case SYNACK_SC_LOG_NOTE:
			print_note(out, e, last_state);
			break;
		case SYNACK_SC_LOG_CALL:
			print_call(out, e);
			break;
		case SYNACK_SC_LOG_EVENT:
			print_ts(out, e->t_ns);
			fprintf(out, " %s  event %s on fd %d", host_name(e->host),
				event_name(e->event.kind), e->event.fd);
			if (e->event.error)
				fprintf(out, " (%s)", demo_errname(e->event.error));
			fputc('\n', out);
			break;
		case SYNACK_SC_LOG_MARK:
			print_ts(out, e->t_ns);
			fprintf(out, " %s  --- %s\n", host_name(e->host), e->text);
			break;
		case SYNACK_SC_LOG_SS:
			print_ss(out, d, e);
			break;
		}
	}
	if (synack_sc_truncated(d->run))
		fprintf(out, "(the log filled up: later events are not shown)\n");
}

/* The packets alone, one tcpdump -n line each (with -S when absolute), in send order:
 * what `tcpdump -n [-S] -r` prints for the --pcap file. */
void demo_print_packets(FILE *out, const struct demo_ctx *d, bool absolute)
{
	struct synack_trace_opts o = {.absolute_seq = absolute, .ts = SYNACK_TRACE_TS_DEFAULT};
	static struct synack_trace tr;
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(d->run, &n);
	char line[512];

	synack_trace_init(&tr, &o);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *pkt = synack_sc_packet(d->run, &log[i]);

		if (!pkt)
			continue;
		synack_trace_format(&tr, line, sizeof line, pkt, log[i].pkt_len, log[i].pkt_len,
				    (int64_t)log[i].t_ns);
		fprintf(out, "  %s\n", line);
	}
}

/* ---- the ladder -------------------------------------------------------------------- */

#define MAX_ROWS 512

struct lrow {
	struct synack_ladder_row r;
	char seg[96];
	char a[32], b[32];
};

static struct lrow rows[MAX_ROWS];

static size_t add_row(size_t nr, enum synack_ladder_kind kind, bool a_to_b, const char *a,
		      const char *b, const char *seg)
{
	struct lrow *x;

	if (nr >= MAX_ROWS)
		return nr;
	x = &rows[nr];
	snprintf(x->a, sizeof x->a, "%s", a ? a : "");
	snprintf(x->b, sizeof x->b, "%s", b ? b : "");
	snprintf(x->seg, sizeof x->seg, "%s", seg ? seg : "");
	x->r = (struct synack_ladder_row){kind, a_to_b, x->a, x->b, x->seg};
	return nr + 1;
}

/* Index of the next TCP SEND or DELIVER entry after i, or n. */
static size_t next_segment_entry(const struct synack_sc_entry *log, size_t n, size_t i)
{
	for (size_t k = i + 1; k < n; k++)
		if ((log[k].kind == SYNACK_SC_LOG_SEND || log[k].kind == SYNACK_SC_LOG_DELIVER) &&
		    log[k].is_tcp)
			return k;
	return n;
}

static void seg_text(const struct demo_ctx *d, const struct synack_sc_entry *e, char *buf,
		     size_t cap)
{
	if (d->absolute)
		synack_ladder_segment(buf, cap, e->seq, e->ack, e->tcp_flags, e->len);
	else
		synack_ladder_segment(buf, cap, e->rel_seq, e->rel_ack, e->tcp_flags, e->len);
}

/* The state each host starts in: its state before the first arrival, CLOSED if it
 * sends first. */
static void initial_states(const struct synack_sc_entry *log, size_t n, int init[2])
{
	init[0] = init[1] = -1;
	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];

		if (!e->is_tcp || e->host < 0 || init[e->host] >= 0)
			continue;
		if (e->kind == SYNACK_SC_LOG_SEND)
			init[e->host] = SYNACK_STATE_CLOSED;
		else if (e->kind == SYNACK_SC_LOG_DELIVER)
			init[e->host] = e->state_before >= 0 ? e->state_before : SYNACK_STATE_CLOSED;
	}
}

static size_t build_rows(const struct demo_ctx *d, const struct synack_sc_entry *log, size_t n)
{
	static bool combined[1 << 16];
	int init[2];
	size_t nr = 0;

	memset(combined, 0, sizeof combined);
	initial_states(log, n, init);
	nr = add_row(nr, SYNACK_LADDER_STATES, true, init[0] >= 0 ? state_name(init[0]) : "",
		     init[1] >= 0 ? state_name(init[1]) : "", NULL);
	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];
		char seg[96];
		bool a_to_b = e->host == 0;

		if (e->kind == SYNACK_SC_LOG_NOTE && e->note.dir == SYNACK_NOTE_TIMER &&
		    e->note.state_before != e->note.state_after && e->host >= 0) {
			char txt[32];

			snprintf(txt, sizeof txt, "%s", state_name(e->note.state_after));
			nr = add_row(nr, SYNACK_LADDER_STATES, true, e->host == 0 ? txt : NULL,
				     e->host == 1 ? txt : NULL, NULL);
			continue;
		}
		if (!e->is_tcp || e->host < 0)
			continue;
		seg_text(d, e, seg, sizeof seg);
		if (e->kind == SYNACK_SC_LOG_SEND) {
			const char *st = e->state >= 0 ? state_name(e->state) : "";
			size_t k = next_segment_entry(log, n, i);

			if (e->fate != SYNACK_SIM_DELIVERED) {
				nr = add_row(nr, SYNACK_LADDER_LOST, a_to_b, a_to_b ? st : "(lost)",
					     a_to_b ? "(lost)" : st, seg);
			} else if (k < n && log[k].kind == SYNACK_SC_LOG_DELIVER &&
				   log[k].pkt_id == e->pkt_id && !log[k].is_dup) {
				const char *rs = log[k].state >= 0 ? state_name(log[k].state) : "";

				combined[k & 0xffff] = true;
				nr = add_row(nr, SYNACK_LADDER_BOTH, a_to_b, a_to_b ? st : rs,
					     a_to_b ? rs : st, seg);
			} else {
				nr = add_row(nr, SYNACK_LADDER_SENT, a_to_b, a_to_b ? st : NULL,
					     a_to_b ? NULL : st, seg);
			}
		} else if (!combined[i & 0xffff]) {
			const char *rs = e->state >= 0 ? state_name(e->state) : "";
			bool from_a = e->peer == 0;

			nr = add_row(nr, SYNACK_LADDER_ARRIVED, from_a, from_a ? NULL : rs,
				     from_a ? rs : NULL, seg);
		}
	}
	return nr;
}

void demo_print_ladder(FILE *out, const struct demo_ctx *d)
{
	size_t n, nr, w = 0;
	const struct synack_sc_entry *log = synack_sc_log(d->run, &n);
	char line[512];

	nr = build_rows(d, log, n);
	for (size_t i = 0; i < nr; i++)
		if (strlen(rows[i].seg) > w)
			w = strlen(rows[i].seg);
	synack_ladder_title(line, sizeof line, "TCP A (10.0.0.1)", "TCP B (10.0.0.2)", w);
	fprintf(out, "%s\n", line);
	for (size_t i = 0; i < nr; i++) {
		synack_ladder_row(line, sizeof line, (unsigned)i + 1, &rows[i].r, w);
		fprintf(out, "%s\n", line);
	}
	if (nr >= MAX_ROWS)
		fprintf(out, "(ladder cut at %d rows)\n", MAX_ROWS);
}

int demo_write_pcap(const struct demo_ctx *d, const char *path)
{
	char err[256];
	struct synack_pcap_writer *w = synack_pcap_open_write(path, err, sizeof err);
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(d->run, &n);
	int rc = 0;

	if (!w) {
		fprintf(stderr, "synack demo: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *pkt = synack_sc_packet(d->run, &log[i]);

		if (pkt && synack_pcap_write(w, (int64_t)log[i].t_ns, pkt, log[i].pkt_len))
			rc = -1;
	}
	if (synack_pcap_close_write(w))
		rc = -1;
	if (rc)
		fprintf(stderr, "synack demo: writing %s failed\n", path);
	return rc;
}
