/*
 * ss.c — the `ss`-style listing of a stack's connections, per-state counts and the `-s`
 * summary with per-reason counters (include/synack/ss.h has the exact text format).
 *
 * Pure formatting over synack_sock_list() entries and synack_counter(): snprintf into
 * fixed buffers on the stack, lines handed to the caller's callback. No state, no
 * allocation. The states are RFC 9293 §3.3.2's names (synack_state_name); the timer
 * words follow Linux's `ss -o` ("on", "persist", "keepalive", "timewait").
 */
#include <stdio.h>
#include <string.h>

#include "synack/ss.h"

#define LINE_CAP 200
#define ADDR_CAP 24     /* "255.255.255.255:65535" + NUL */

/* Column layout shared by header and entries: State, Recv-Q, Send-Q, Local, Peer, Timer
 * (the last column also carries `ss -i`'s cwnd, ssthresh, rcv_rtt and rcv_space) */
#define ROW_FMT(q) "%-12s %-6" q " %-6" q " %-21s %-21s %s"

static size_t clamp_len(int n)
{
	return n < 0 ? 0 : (size_t)n;
}

/* Drops trailing blanks (the empty timer column) from buf[0..len); returns the new length. */
static size_t trim_right(char *buf, size_t cap, size_t len)
{
	size_t shown = len < cap ? len : (cap ? cap - 1 : 0);

	if (!cap || shown != len)
		return len;     /* cut short: the full length stays the answer */
	while (len && buf[len - 1] == ' ')
		buf[--len] = '\0';
	return len;
}

static void format_endpoint(char *buf, size_t cap, uint32_t addr, uint16_t port)
{
	if (port)
		snprintf(buf, cap, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 0xffu,
			 (addr >> 8) & 0xffu, addr & 0xffu, port);
	else
		snprintf(buf, cap, "%u.%u.%u.%u:*", addr >> 24, (addr >> 16) & 0xffu,
			 (addr >> 8) & 0xffu, addr & 0xffu);
}

/* Linux's ss words for the timer kinds (inet_diag's idiag_timer); delack is ours. */
static const char *timer_word(int timer)
{
	switch (timer) {
	case SYNACK_TIMER_RETRANSMIT:
	case SYNACK_TIMER_SYNACK:
	case SYNACK_TIMER_USER_TIMEOUT:
		return "on";
	case SYNACK_TIMER_PERSIST:
		return "persist";
	case SYNACK_TIMER_DELACK:
		return "delack";
	case SYNACK_TIMER_KEEPALIVE:
		return "keepalive";
	case SYNACK_TIMER_TIME_WAIT:
	case SYNACK_TIMER_FIN_WAIT_2:   /* Linux shows an orphaned FIN-WAIT-2 as timewait */
		return "timewait";
	default:
		return "?";
	}
}

/* The remaining time in the units ss.h describes. */
static void format_remaining(char *buf, size_t cap, uint64_t rem_ns)
{
	uint64_t ms = rem_ns / 1000000u, s = ms / 1000u, min = s / 60u;

	if (ms < 1000u)
		snprintf(buf, cap, "%ums", (unsigned)ms);
	else if (s < 10u)
		snprintf(buf, cap, "%u.%us", (unsigned)s, (unsigned)(ms % 1000u / 100u));
	else if (s < 60u)
		snprintf(buf, cap, "%us", (unsigned)s);
	else if (s < 600u && s % 60u)
		snprintf(buf, cap, "%umin%us", (unsigned)min, (unsigned)(s % 60u));
	else if (min < 60u)
		snprintf(buf, cap, "%umin", (unsigned)min);
	else if (min % 60u)
		snprintf(buf, cap, "%lluh%umin", (unsigned long long)(min / 60u),
			 (unsigned)(min % 60u));
	else
		snprintf(buf, cap, "%lluh", (unsigned long long)(min / 60u));
}

static void format_timer(char *buf, size_t cap, const struct synack_sock_info *e,
			 uint64_t now_ns)
{
	char rem[32];

	if (e->timer == SYNACK_TIMER_NONE) {
		buf[0] = '\0';
		return;
	}
	format_remaining(rem, sizeof rem,
			 e->timer_deadline_ns > now_ns ? e->timer_deadline_ns - now_ns : 0);
	snprintf(buf, cap, "timer:(%s,%s,%u)", timer_word(e->timer), rem, e->retransmits);
}

/* Appends " word" (no blank at the start of an empty buf) within cap. */
static void append_word(char *buf, size_t cap, const char *word)
{
	size_t len = strlen(buf);

	if (len < cap)
		snprintf(buf + len, cap - len, "%s%s", len ? " " : "", word);
}

/* `ss -i`'s "ecn" and "ecnseen" (tcp_info options) after the timer, if any. */
static void format_ecn(char *buf, size_t cap, const struct synack_sock_info *e)
{
	if (e->ecn & SYNACK_TI_OPT_ECN)
		append_word(buf, cap, "ecn");
	if (e->ecn & SYNACK_TI_OPT_ECN_SEEN)
		append_word(buf, cap, "ecnseen");
}

/* `ss -i`'s "cwnd:10 ssthresh:7 rcv_rtt:10 rcv_space:14600" after the timer, if any:
 * ssthresh once set, rcv_rtt (ms, %g as ss) once sampled, rcv_space when not 0. */
static void format_cc(char *buf, size_t cap, const struct synack_sock_info *e)
{
	char w[48];

	if (e->cwnd) {
		snprintf(w, sizeof w, "cwnd:%u", (unsigned)e->cwnd);
		append_word(buf, cap, w);
	}
	if (e->cwnd && e->ssthresh) {
		snprintf(w, sizeof w, "ssthresh:%u", (unsigned)e->ssthresh);
		append_word(buf, cap, w);
	}
	if (e->rcv_rtt_us) {
		snprintf(w, sizeof w, "rcv_rtt:%g", (double)e->rcv_rtt_us / 1000);
		append_word(buf, cap, w);
	}
	if (e->rcv_space) {
		snprintf(w, sizeof w, "rcv_space:%u", (unsigned)e->rcv_space);
		append_word(buf, cap, w);
	}
}

size_t synack_ss_format_header(char *buf, size_t cap)
{
	char tmp[LINE_CAP];
	size_t len = clamp_len(snprintf(tmp, sizeof tmp, ROW_FMT("s"), "State", "Recv-Q",
					"Send-Q", "Local Address:Port", "Peer Address:Port",
					"Timer"));

	if (cap)
		snprintf(buf, cap, "%s", tmp);
	return len;
}

size_t synack_ss_format_entry(const struct synack_sock_info *e, uint64_t now_ns,
			      char *buf, size_t cap)
{
	char local[ADDR_CAP], peer[ADDR_CAP], timer[128];
	char tmp[LINE_CAP];
	size_t len;

	format_endpoint(local, sizeof local, e->laddr, e->lport);
	format_endpoint(peer, sizeof peer, e->raddr, e->rport);
	format_timer(timer, sizeof timer, e, now_ns);
	format_ecn(timer, sizeof timer, e);
	format_cc(timer, sizeof timer, e);
	len = clamp_len(snprintf(tmp, sizeof tmp, ROW_FMT("u"), synack_state_name(e->state),
				 e->recv_q, e->send_q, local, peer, timer));
	len = trim_right(tmp, sizeof tmp, len);
	if (cap)
		snprintf(buf, cap, "%s", tmp);
	return len;
}

void synack_ss_write_list(const struct synack_sock_info *v, size_t n, uint64_t now_ns,
			  synack_ss_line_fn emit, void *ctx)
{
	char line[LINE_CAP];

	synack_ss_format_header(line, sizeof line);
	emit(ctx, line);
	for (size_t i = 0; i < n; i++) {
		synack_ss_format_entry(&v[i], now_ns, line, sizeof line);
		emit(ctx, line);
	}
}

void synack_ss_write_counts(const struct synack_sock_info *v, size_t n,
			    synack_ss_line_fn emit, void *ctx)
{
	size_t count[SYNACK_STATE_COUNT + 1] = {0};     /* last slot: out of range */
	char line[LINE_CAP];

	for (size_t i = 0; i < n; i++)
		count[v[i].state < SYNACK_STATE_COUNT ? v[i].state : SYNACK_STATE_COUNT]++;
	for (int st = 0; st <= SYNACK_STATE_COUNT; st++) {
		if (!count[st])
			continue;
		snprintf(line, sizeof line, "%s %zu", synack_state_name(st), count[st]);
		emit(ctx, line);
	}
	snprintf(line, sizeof line, "total %zu", n);
	emit(ctx, line);
}

void synack_ss_write_summary(const struct synack_stack *s, const struct synack_sock_info *v,
			     size_t n, synack_ss_line_fn emit, void *ctx)
{
	size_t estab = 0, synrecv = 0, tw = 0, listen = 0, other = 0;
	char line[LINE_CAP];

	for (size_t i = 0; i < n; i++) {
		uint8_t st = v[i].state;

		if (st >= SYNACK_STATE_ESTABLISHED && st < SYNACK_STATE_TIME_WAIT)
			estab++;
		else if (st == SYNACK_STATE_SYN_RECEIVED)
			synrecv++;
		else if (st == SYNACK_STATE_TIME_WAIT)
			tw++;
		else if (st == SYNACK_STATE_LISTEN)
			listen++;
		else
			other++;
	}
	snprintf(line, sizeof line,
		 "TCP: %zu (estab %zu, synrecv %zu, timewait %zu, listen %zu, other %zu)",
		 n, estab, synrecv, tw, listen, other);
	emit(ctx, line);
	emit(ctx, "counters:");
	for (int c = 0; c < SYNACK_CTR_COUNT; c++) {
		uint64_t val = synack_counter(s, c);

		if (!val)
			continue;
		snprintf(line, sizeof line, "  %s %llu", synack_counter_name(c),
			 (unsigned long long)val);
		emit(ctx, line);
	}
}

size_t synack_ss_dump(struct synack_stack *s, uint64_t now_ns, int flags,
		      struct synack_sock_info *scratch, size_t cap,
		      synack_ss_line_fn emit, void *ctx)
{
	size_t total = synack_sock_list(s, scratch, cap);
	size_t shown = total < cap ? total : cap;
	char line[LINE_CAP];

	if (flags & SYNACK_SS_LIST) {
		synack_ss_write_list(scratch, shown, now_ns, emit, ctx);
		if (shown < total) {
			snprintf(line, sizeof line, "... %zu more entries not shown",
				 total - shown);
			emit(ctx, line);
		}
	}
	if (flags & SYNACK_SS_COUNTS)
		synack_ss_write_counts(scratch, shown, emit, ctx);
	if (flags & SYNACK_SS_SUMMARY)
		synack_ss_write_summary(s, scratch, shown, emit, ctx);
	return total;
}
