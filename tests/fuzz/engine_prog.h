/*
 * engine_prog.h — the fuzz program for the whole engine, shared by the libFuzzer target
 * (tests/fuzz/fuzz_engine.c) and the regression replay (tests/unit/test_fuzz_regress.c),
 * so that every finding replays as a test exactly as the fuzzer ran it.
 *
 * Two stacks wired back to back: stack 0, the server (10.0.0.1 and 10.0.0.3), stack 1,
 * the client (10.0.0.2), fixed keys, a counting allocator that aborts past FP_MEM_CAP
 * live bytes (unbounded growth is a crash). The network is round based: each round
 * drains every packet both stacks want to send, then delivers them (so FINs and SYNs
 * can cross), until both are quiet; a drop policy can lose a stack's output.
 *
 * fp_run(data, len):
 *   byte 0        configuration flags (FP_CFG_*)
 *   prefix        fixed real exchanges through the public API leave the stacks with
 *                 connections in every state (fp_prefix: listeners, ESTABLISHED with data
 *                 in flight and a zero window, half-closed, FIN-WAIT-1/2, CLOSE-WAIT,
 *                 CLOSING, LAST-ACK, TIME-WAIT on both sides, SYN-SENT, SYN-RECEIVED,
 *                 a full accept queue, keep-alive armed, a refused connect)
 *   then a program: one opcode byte and its arguments per step (FP_OP_*): segments
 *                 built from the live connections (seq/ack near the values last seen on
 *                 the wire), raw bytes, replays of captured packets with a flipped byte,
 *                 ICMP errors quoting live segments, SYN floods, socket calls with
 *                 arbitrary arguments, time jumps, drops, config changes, allocation
 *                 failures. Missing argument bytes read as 0.
 *   after each step: drain outputs (each checked: IPv4 and TCP checksums, our source
 *                 address, length), events and notes (fields in range), then check the
 *                 invariants through the API (fp_check).
 *   at the end:   close every descriptor, let two hours pass; both stacks must be empty,
 *                 and freeing them must return every byte.
 * A violated invariant prints "fuzz_engine: ..." and both stacks' ss listings to stderr
 * and aborts. Checks for findings still open in /work/notes/FINDINGS.md (reproducers in
 * tests/fuzz/regress-pending/Fn-*) are relaxed unless SYNACK_FUZZ_STRICT names them
 * ("F2", "F1,F2", or "all"), so the fuzzer keeps looking for new ones meanwhile; once
 * Fn is fixed its check becomes unconditional and its reproducer moves to regress/. SYNACK_FUZZ_TRACE=1 prints every step and packet
 * (tcpdump format) on stderr.
 */
#ifndef SYNACK_TESTS_FUZZ_ENGINE_PROG_H
#define SYNACK_TESTS_FUZZ_ENGINE_PROG_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/ss.h"
#include "synack/synack.h"
#include "synack/trace.h"
#include "wire/wire.h"

#define FP_SRV       0
#define FP_CLI       1
#define FP_SRV_ADDR  0x0a000001u
#define FP_SRV_ADDR2 0x0a000003u
#define FP_CLI_ADDR  0x0a000002u
#define FP_NOBODY    0x0a000009u
#define FP_MEM_CAP   (96u << 20)
#define FP_PKT_CAP   2048u
#define FP_ROUND_MAX 64u
#define FP_HIST      64u
#define FP_TUPLES    48u
#define FP_FDS       48u
#define FP_LIST_CAP  4096u
#define FP_MAX_STEPS 400u
#define FP_PUMP_MAX  1000u     /* packets in one pump without time passing: an ACK war */
#define FP_MSEC      1000000ull
#define FP_SEC       1000000000ull

enum {
	FP_CFG_NO_TS = 0x01,       /* timestamps off */
	FP_CFG_NO_WS = 0x02,       /* window scaling off */
	FP_CFG_COOKIES = 0x04,     /* syncookies = 2 (always) */
	FP_CFG_SMALLBUF = 0x08,    /* 4 KB default buffers */
	FP_CFG_TW_REUSE = 0x10,    /* tw_reuse = 1 */
	FP_CFG_NO_1337 = 0x20,     /* rfc1337 = 0 */
	FP_CFG_FEW_NOTES = 0x40,   /* notes_max = 4 */
	FP_CFG_SMALL_MTU = 0x80,   /* mtu 576 */
};

enum {
	FP_OP_SEG = 0, FP_OP_RAW, FP_OP_REPLAY, FP_OP_CALL, FP_OP_TIME, FP_OP_DEADLINE,
	FP_OP_DROP, FP_OP_FLOOD, FP_OP_CONFIG, FP_OP_FAIL_ALLOC, FP_OP_ICMP, FP_OP_DRAIN,
	FP_OP_COUNT
};

struct fp_mem {
	size_t live, peak, cap;
	unsigned fail_skip, fail_count;   /* after fail_skip allocations, fail fail_count */
};

struct fp_seg {
	bool valid;
	uint32_t src, dst;
	struct wire_tcp t;       /* payload pointer cleared */
};

struct fp_tuple {
	uint32_t addr[2];        /* [FP_SRV] the server-side address, [FP_CLI] the client's */
	uint16_t port[2];
	struct fp_seg last[2];   /* the last segment stack k sent on this tuple */
};

struct fp_pkt {
	int from;
	size_t len;
	uint8_t b[FP_PKT_CAP];
};

struct fp_in {
	const uint8_t *d;
	size_t n, i;
};

struct fp {
	struct synack_stack *st[2];
	struct fp_mem mem[2];
	struct synack_config cfg[2];
	uint32_t mtu_max[2];
	uint8_t flags;
	uint32_t strict;             /* bit n: check open finding Fn (SYNACK_FUZZ_STRICT) */
	struct synack_trace *trace;  /* SYNACK_FUZZ_TRACE=1: every packet and step on stderr */
	uint64_t now;
	int fds[2][FP_FDS];
	unsigned nfds[2];
	struct fp_tuple tup[FP_TUPLES];
	unsigned ntup;
	struct fp_pkt hist[FP_HIST];
	unsigned nhist;
	struct fp_pkt round[FP_ROUND_MAX];
	unsigned drop_pumps[2];      /* drop stack k's output for that many more pumps */
	bool drop_now[2];
	uint64_t pkts_seen;          /* for the entry-count bound */
	unsigned loops_cut;          /* ACK loops cut short (non-strict mode) */
	uint64_t calls;
	uint8_t buf[FP_PKT_CAP];
	uint8_t data[65536];
	uint8_t rbuf[65536];
	struct synack_sock_info list[FP_LIST_CAP];
};

#define FP_FAIL(...) do { \
	fprintf(stderr, "fuzz_engine: " __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

static void fp_print_line(void *ctx, const char *line)
{
	fprintf(stderr, "%s%s\n", (const char *)ctx, line);
}

/* The ss view of both stacks on stderr, for failure reports. */
static void fp_dump(struct fp *p)
{
	static struct synack_sock_info scratch[FP_LIST_CAP];

	for (int k = 0; k < 2; k++) {
		fprintf(stderr, "fuzz_engine: stack %d (%s) at %llu ns:\n", k,
			k ? "client" : "server", (unsigned long long)p->now);
		synack_ss_dump(p->st[k], p->now, SYNACK_SS_LIST | SYNACK_SS_SUMMARY, scratch,
			       FP_LIST_CAP, fp_print_line, (void *)"  ");
	}
}

#define FP_FAILP(p, ...) do { \
	fp_dump(p); \
	FP_FAIL(__VA_ARGS__); \
} while (0)

/* ---- input ------------------------------------------------------------------------ */

static uint8_t fp_u8(struct fp_in *in)
{
	return in->i < in->n ? in->d[in->i++] : 0;
}

static uint16_t fp_u16(struct fp_in *in)
{
	uint16_t hi = fp_u8(in);

	return (uint16_t)(hi << 8 | fp_u8(in));
}

static uint32_t fp_u32(struct fp_in *in)
{
	uint32_t hi = fp_u16(in);

	return hi << 16 | fp_u16(in);
}

/* ---- allocator --------------------------------------------------------------------- */

static void *fp_alloc(void *ctx, size_t n)
{
	struct fp_mem *m = ctx;
	void *p;

	if (m->fail_skip) {
		m->fail_skip--;
	} else if (m->fail_count) {
		m->fail_count--;
		return NULL;
	}
	if (n > m->cap - m->live)
		FP_FAIL("memory bound: %zu bytes live, %zu more asked, cap %zu", m->live, n,
			m->cap);
	p = malloc(n ? n : 1);
	if (!p)
		FP_FAIL("malloc(%zu) failed", n);
	m->live += n;
	if (m->live > m->peak)
		m->peak = m->live;
	return p;
}

static void fp_free(void *ctx, void *p, size_t n)
{
	struct fp_mem *m = ctx;

	if (!p)
		return;
	if (n > m->live)
		FP_FAIL("free of %zu bytes with only %zu live (size mismatch)", n, m->live);
	m->live -= n;
	free(p);
}

/* ---- checks on what the stacks produce --------------------------------------------- */

static bool fp_owns(struct fp *p, int k, uint32_t addr)
{
	(void)p;
	if (k == FP_SRV)
		return addr == FP_SRV_ADDR || addr == FP_SRV_ADDR2;
	return addr == FP_CLI_ADDR;
}

static void fp_check_errno(long r, const char *what)
{
	if (r < 0 && r < -4095)
		FP_FAIL("%s returned %ld, not a negative errno", what, r);
}

/* The destination the TCP checksum covers: with a source route (IP_OPTIONS or a
 * return route, RFC 9293 §3.9.2.1) the route's last address, else the header's. */
static uint32_t fp_final_dst(const struct wire_ipv4 *ip)
{
	struct wire_ipv4_opts o;

	if (ip->hdr_len > WIRE_IPV4_HDR_MIN &&
	    wire_ipv4_parse_opts(ip->opts, ip->hdr_len - WIRE_IPV4_HDR_MIN, &o) != WIRE_OK)
		FP_FAIL("sent IPv4 options that do not parse");
	if (ip->hdr_len > WIRE_IPV4_HDR_MIN && o.has_srr) {
		if (!o.srr.count || o.srr.ptr != 4)
			FP_FAIL("sent a source route with %u addresses, pointer %u", o.srr.count,
				o.srr.ptr);
		return o.srr.addr[o.srr.count - 1];
	}
	return ip->dst;
}

/* Every packet a stack sends must be a well-formed IPv4 packet with correct checksums. */
static void fp_check_packet(struct fp *p, int k, const uint8_t *b, size_t n)
{
	struct wire_ipv4 ip;
	struct wire_tcp t;

	if (n > p->mtu_max[k])     /* connections may keep an MSS from a larger mtu */
		FP_FAIL("stack %d sent %zu bytes, mtu %u", k, n, p->mtu_max[k]);
	if (wire_ipv4_parse(b, n, &ip) != WIRE_OK)
		FP_FAIL("stack %d sent a packet that does not parse as IPv4 (%zu bytes)", k, n);
	if (!wire_ipv4_csum_ok(b, ip.hdr_len))
		FP_FAIL("stack %d sent a bad IPv4 header checksum", k);
	if (ip.total_len != n)
		FP_FAIL("stack %d: IPv4 total length %u, packet %zu", k, ip.total_len, n);
	if (!fp_owns(p, k, ip.src) && ip.proto == WIRE_IPPROTO_TCP)
		FP_FAIL("stack %d sent TCP from %08x, not its address", k, ip.src);
	if (ip.proto == WIRE_IPPROTO_ICMP) {
		if (wire_csum(b + ip.hdr_len, n - ip.hdr_len) != 0)
			FP_FAIL("stack %d sent ICMP with a bad checksum", k);
		return;
	}
	if (ip.proto != WIRE_IPPROTO_TCP)
		FP_FAIL("stack %d sent protocol %u", k, ip.proto);
	if (wire_tcp_parse(b + ip.hdr_len, n - ip.hdr_len, &t) != WIRE_OK)
		FP_FAIL("stack %d sent a TCP segment that does not parse", k);
	if (!wire_tcp_csum_ok(ip.src, fp_final_dst(&ip), b + ip.hdr_len, n - ip.hdr_len))
		FP_FAIL("stack %d sent a bad TCP checksum", k);
	if ((t.flags & WIRE_TCP_SYN) && (t.flags & (WIRE_TCP_RST | WIRE_TCP_FIN)))
		FP_FAIL("stack %d sent SYN with RST/FIN (flags %02x)", k, t.flags);
}

static void fp_check_event(int k, const struct synack_event *ev)
{
	if (ev->fd < 0 || ev->kind < SYNACK_EV_READABLE || ev->kind > SYNACK_EV_SOFT_ERROR ||
	    ev->error < 0)
		FP_FAIL("stack %d: bad event fd %d kind %d error %d", k, ev->fd, ev->kind,
			ev->error);
	if ((ev->kind == SYNACK_EV_RESET || ev->kind == SYNACK_EV_ERROR ||
	     ev->kind == SYNACK_EV_SOFT_ERROR) && ev->error == 0)
		FP_FAIL("stack %d: event kind %d without an error", k, ev->kind);
}

static void fp_check_note(int k, const struct synack_note *n)
{
	if (n->dir < SYNACK_NOTE_IN || n->dir > SYNACK_NOTE_USER ||
	    n->verdict < SYNACK_V_ACCEPTED || n->verdict > SYNACK_V_TIMED_OUT ||
	    n->state_before >= SYNACK_STATE_COUNT || n->state_after >= SYNACK_STATE_COUNT ||
	    n->timer >= SYNACK_TIMER_COUNT || !n->reason || !n->reason[0])
		FP_FAIL("stack %d: bad note dir %u verdict %u states %u->%u timer %u reason %s",
			k, n->dir, n->verdict, n->state_before, n->state_after, n->timer,
			n->reason ? n->reason : "(null)");
}

static void fp_drain_side(struct fp *p, int k)
{
	struct synack_event ev;
	struct synack_note n;
	unsigned guard = 0;

	while (synack_poll_event(p->st[k], &ev)) {
		fp_check_event(k, &ev);
		if (++guard > 1u << 20)
			FP_FAIL("stack %d: event queue does not drain", k);
	}
	guard = 0;
	while (synack_poll_note(p->st[k], &n)) {
		fp_check_note(k, &n);
		if (p->trace && n.dir != SYNACK_NOTE_OUT)
			fprintf(stderr, "   %c note: %s %s -> %s (%s)\n", k ? 'C' : 'S',
				n.dir == SYNACK_NOTE_IN ? "in" : n.dir == SYNACK_NOTE_TIMER ?
				synack_timer_name(n.timer) : "user", synack_state_name(n.state_before),
				synack_state_name(n.state_after), n.reason);
		if (++guard > 1u << 20)
			FP_FAIL("stack %d: note queue does not drain", k);
	}
}

/* With SYNACK_FUZZ_TRACE=1: one tcpdump line per packet, tag saying who got it. */
static void fp_trace_pkt(struct fp *p, const char *tag, const uint8_t *b, size_t n)
{
	char line[512];

	if (!p->trace)
		return;
	synack_trace_format(p->trace, line, sizeof line, b, n, n, (int64_t)p->now);
	fprintf(stderr, "%s %s\n", tag, line);
}

/* ---- capture: tuples and history ----------------------------------------------------- */

static bool fp_known_addr(uint32_t a)
{
	return a == FP_SRV_ADDR || a == FP_SRV_ADDR2 || a == FP_CLI_ADDR;
}

static void fp_capture(struct fp *p, int k, const uint8_t *b, size_t n)
{
	struct fp_pkt *h = &p->hist[p->nhist++ % FP_HIST];
	struct wire_ipv4 ip;
	struct wire_tcp t;
	uint32_t a[2];
	uint16_t pt[2];
	unsigned i;

	h->from = k;
	h->len = n;
	memcpy(h->b, b, n);
	if (wire_ipv4_parse(b, n, &ip) != WIRE_OK || ip.proto != WIRE_IPPROTO_TCP ||
	    wire_tcp_parse(b + ip.hdr_len, n - ip.hdr_len, &t) != WIRE_OK ||
	    !fp_known_addr(ip.dst))
		return;
	a[k] = ip.src, pt[k] = t.sport;
	a[1 - k] = ip.dst, pt[1 - k] = t.dport;
	for (i = 0; i < p->ntup; i++)
		if (p->tup[i].addr[0] == a[0] && p->tup[i].addr[1] == a[1] &&
		    p->tup[i].port[0] == pt[0] && p->tup[i].port[1] == pt[1])
			break;
	if (i == p->ntup) {
		if (p->ntup == FP_TUPLES)
			return;
		p->ntup++;
		memset(&p->tup[i], 0, sizeof p->tup[i]);
		memcpy(p->tup[i].addr, a, sizeof a);
		memcpy(p->tup[i].port, pt, sizeof pt);
	}
	t.payload = NULL;
	p->tup[i].last[k] = (struct fp_seg){ .valid = true, .src = ip.src, .dst = ip.dst, .t = t };
}

/* ---- the network -------------------------------------------------------------------- */

static void fp_check(struct fp *p, bool after_advance);

/* Runs rounds until both stacks are quiet: drain all output, then deliver it. */
static void fp_pump(struct fp *p)
{
	uint64_t moved = 0;

	for (int k = 0; k < 2; k++) {
		p->drop_now[k] = p->drop_pumps[k] > 0;
		if (p->drop_pumps[k])
			p->drop_pumps[k]--;
	}
	for (;;) {
		unsigned nr = 0;

		for (int k = 0; k < 2; k++) {
			size_t n;

			while (nr < FP_ROUND_MAX &&
			       (n = synack_output(p->st[k], p->now, p->round[nr].b, FP_PKT_CAP)) > 0) {
				fp_check_packet(p, k, p->round[nr].b, n);
				fp_capture(p, k, p->round[nr].b, n);
				p->round[nr].from = k;
				p->round[nr].len = n;
				nr++;
			}
			fp_drain_side(p, k);
		}
		if (!nr)
			break;
		for (unsigned i = 0; i < nr; i++) {
			int from = p->round[i].from;

			p->pkts_seen++;
			fp_trace_pkt(p, p->drop_now[from] ? (from ? "C>lost" : "S>lost")
					 : (from ? "C>S  " : "S>C  "), p->round[i].b, p->round[i].len);
			if (!p->drop_now[from])
				synack_input(p->st[1 - from], p->now, p->round[i].b, p->round[i].len);
		}
		for (int k = 0; k < 2; k++)
			fp_drain_side(p, k);
		moved += nr;
		if (moved > FP_PUMP_MAX) {
			/* FINDINGS F2 (fixed): dup/challenge ACKs are rate limited by
			 * invalid_ratelimit_ms, so desynchronized peers cannot loop */
			FP_FAILP(p, "more than %u packets exchanged without time passing "
				 "(ACK loop)", FP_PUMP_MAX);
		}
	}
	for (int k = 0; k < 2; k++)
		p->drop_now[k] = false;
}

static void fp_inject(struct fp *p, int k, const uint8_t *b, size_t n)
{
	fp_trace_pkt(p, k ? "inj>C" : "inj>S", b, n);
	p->pkts_seen++;
	synack_input(p->st[k], p->now, b, n);
}

static bool fp_has_due(struct fp *p)
{
	for (int k = 0; k < 2; k++) {
		size_t n = synack_sock_list(p->st[k], p->list, FP_LIST_CAP);

		for (size_t i = 0; i < n && i < FP_LIST_CAP; i++)
			if (p->list[i].timer_deadline_ns && p->list[i].timer_deadline_ns <= p->now)
				return true;
	}
	return false;
}

/* Moves the clock and fires timers. A timer armed for "now" while timers fire (a zero
 * timeout) may wait for the next synack_advance: a few calls at the same time must
 * leave nothing due. */
static void fp_advance(struct fp *p, uint64_t to)
{
	if (to > p->now)
		p->now = to;
	for (int round = 0; round < 4; round++) {
		for (int k = 0; k < 2; k++)
			synack_advance(p->st[k], p->now);
		fp_pump(p);
		if (!fp_has_due(p))
			break;
	}
	fp_check(p, true);
}

/* ---- invariants through the API --------------------------------------------------------- */

static void fp_check_stack(struct fp *p, int k, bool after_advance)
{
	struct synack_stack *s = p->st[k];
	size_t n = synack_sock_list(s, p->list, FP_LIST_CAP);
	uint64_t next = synack_next_deadline(s);
	uint64_t bound = 64 + p->cfg[k].max_sockets + p->pkts_seen + p->calls;
	int last_fd = -1;
	bool fdless = false;

	if (n > bound || n > FP_LIST_CAP)
		FP_FAILP(p, "stack %d lists %zu entries (bound %llu)", k, n, (unsigned long long)bound);
	for (size_t i = 0; i < n; i++) {
		const struct synack_sock_info *e = &p->list[i];
		struct synack_tcp_info ti;

		if (e->state >= SYNACK_STATE_COUNT || e->timer >= SYNACK_TIMER_COUNT)
			FP_FAILP(p, "stack %d entry %zu: state %u timer %u", k, i, e->state, e->timer);
		if ((e->timer != SYNACK_TIMER_NONE) != (e->timer_deadline_ns != 0))
			FP_FAILP(p, "stack %d entry %zu: timer %u with deadline %llu", k, i, e->timer,
				(unsigned long long)e->timer_deadline_ns);
		if (e->timer_deadline_ns && next > e->timer_deadline_ns)
			FP_FAILP(p, "stack %d: next deadline %llu later than %s timer %llu of %s", k,
				(unsigned long long)next, synack_timer_name(e->timer),
				(unsigned long long)e->timer_deadline_ns,
				synack_state_name(e->state));
		if (after_advance && e->timer_deadline_ns && e->timer_deadline_ns <= p->now)
			FP_FAILP(p, "stack %d: %s timer of a %s entry due %llu not fired at %llu", k,
				synack_timer_name(e->timer), synack_state_name(e->state),
				(unsigned long long)e->timer_deadline_ns,
				(unsigned long long)p->now);
		if (e->fd < 0) {
			fdless = true;
			continue;
		}
		/* FINDINGS F1 (fixed): descriptors ascending */
		if (fdless || e->fd <= last_fd)
			FP_FAILP(p, "stack %d: listing order broken: fd %d after fd %d", k, e->fd,
				 last_fd);
		last_fd = e->fd;
		if (synack_tcp_info(s, e->fd, &ti) != 0)
			FP_FAILP(p, "stack %d: listed fd %d has no tcp_info", k, e->fd);
		if (ti.state != e->state)
			FP_FAILP(p, "stack %d fd %d: tcp_info state %s, listing %s", k, e->fd,
				synack_state_name(ti.state), synack_state_name(e->state));
		if (e->state >= SYNACK_STATE_SYN_SENT) {
			if (!seq_leq(ti.snd_una, ti.snd_nxt))
				FP_FAILP(p, "stack %d fd %d (%s): snd_una %u after snd_nxt %u", k,
					e->fd, synack_state_name(e->state), ti.snd_una, ti.snd_nxt);
			if (ti.recv_queue != e->recv_q || ti.send_queue != e->send_q)
				FP_FAILP(p, "stack %d fd %d: queues %u/%u in tcp_info, %u/%u listed",
					k, e->fd, ti.recv_queue, ti.send_queue, e->recv_q,
					e->send_q);
			if (ti.send_queue > p->cfg[k].wmem_max * 2u ||
			    ti.recv_queue > p->cfg[k].rmem_max * 2u)
				FP_FAILP(p, "stack %d fd %d: queues %u/%u beyond the buffer limits",
					k, e->fd, ti.recv_queue, ti.send_queue);
		}
		/* SYN backoff may pass rto_max by design (syn_retries: 64 s then 128 s) */
		if (ti.rto_us > p->cfg[k].rto_max_ms * 1000u && e->state >= SYNACK_STATE_ESTABLISHED)
			FP_FAILP(p, "stack %d fd %d: rto %u us above rto_max", k, e->fd, ti.rto_us);
	}
}

static void fp_check(struct fp *p, bool after_advance)
{
	for (int k = 0; k < 2; k++)
		fp_check_stack(p, k, after_advance);
}

/* ---- socket helpers ---------------------------------------------------------------------- */

static void fp_add_fd(struct fp *p, int k, int fd)
{
	if (fd >= 0 && p->nfds[k] < FP_FDS)
		p->fds[k][p->nfds[k]++] = fd;
}

static int fp_socket(struct fp *p, int k)
{
	int fd = synack_socket(p->st[k]);

	if (fd < 0)
		FP_FAIL("prefix: socket() on stack %d: %d", k, fd);
	fp_add_fd(p, k, fd);
	return fd;
}

static int fp_listen(struct fp *p, uint32_t addr, uint16_t port, int backlog)
{
	int fd = fp_socket(p, FP_SRV);

	if (synack_bind(p->st[FP_SRV], fd, addr, port) || synack_listen(p->st[FP_SRV], fd, backlog))
		FP_FAIL("prefix: listener on %u failed", port);
	return fd;
}

static int fp_connect(struct fp *p, uint16_t port)
{
	int fd = fp_socket(p, FP_CLI);
	int r = synack_connect(p->st[FP_CLI], fd, FP_SRV_ADDR, port);

	if (r != -EINPROGRESS)
		FP_FAIL("prefix: connect to %u: %d", port, r);
	return fd;
}

static int fp_accept(struct fp *p, int lfd)
{
	int fd = synack_accept(p->st[FP_SRV], lfd, NULL, NULL);

	fp_add_fd(p, FP_SRV, fd);
	return fd;
}

/* Pump with stack k's output lost (k < 0: nothing lost). */
static void fp_pump_drop(struct fp *p, int k)
{
	if (k >= 0)
		p->drop_pumps[k] = 1;
	fp_pump(p);
}

/* ---- setup and prefix ----------------------------------------------------------------- */

static void fp_config(struct synack_config *c, uint8_t flags)
{
	synack_config_default(c);
	c->max_sockets = 64;
	c->max_syn_backlog = 128;
	c->timestamps = !(flags & FP_CFG_NO_TS);
	c->window_scaling = !(flags & FP_CFG_NO_WS);
	if (flags & FP_CFG_COOKIES)
		c->syncookies = 2;
	if (flags & FP_CFG_SMALLBUF) {
		c->rmem_default = 4096;
		c->wmem_default = 4096;
	}
	if (flags & FP_CFG_TW_REUSE)
		c->tw_reuse = 1;
	if (flags & FP_CFG_NO_1337)
		c->rfc1337 = 0;
	c->notes_max = (flags & FP_CFG_FEW_NOTES) ? 4 : 64;
	if (flags & FP_CFG_SMALL_MTU)
		c->mtu = 576;
}

/* "all" or "1": every finding; "F2" or "F1,F2": those only. */
static uint32_t fp_parse_strict(const char *v)
{
	uint32_t m = 0;

	if (!v)
		return 0;
	if (!strcmp(v, "all") || !strcmp(v, "1"))
		return UINT32_MAX;
	for (; *v; v++)
		if (*v == 'F' && v[1] >= '0' && v[1] <= '9')
			m |= 1u << (strtoul(v + 1, NULL, 10) & 31);
	return m;
}

static struct fp *fp_new(uint8_t flags)
{
	struct fp *p = calloc(1, sizeof *p);

	if (!p)
		FP_FAIL("calloc");
	p->now = 1000 * FP_SEC;
	p->flags = flags;
	p->strict = fp_parse_strict(getenv("SYNACK_FUZZ_STRICT"));
	if (getenv("SYNACK_FUZZ_TRACE") && getenv("SYNACK_FUZZ_TRACE")[0] == '1') {
		struct synack_trace_opts o = { .absolute_seq = true, .ts = SYNACK_TRACE_TS_EPOCH };

		p->trace = calloc(1, sizeof *p->trace);
		if (!p->trace)
			FP_FAIL("calloc");
		synack_trace_init(p->trace, &o);
	}
	for (int k = 0; k < 2; k++) {
		struct synack_env env = { .alloc = fp_alloc, .free = fp_free, .ctx = &p->mem[k] };

		for (int i = 0; i < SYNACK_SECRET_LEN; i++)
			env.secret[i] = (uint8_t)(i * 13 + 7 + k);
		p->mem[k].cap = FP_MEM_CAP;
		fp_config(&p->cfg[k], flags);
		p->mtu_max[k] = p->cfg[k].mtu;
		p->st[k] = synack_stack_new(&p->cfg[k], &env);
		if (!p->st[k])
			FP_FAIL("stack_new");
	}
	if (synack_stack_add_addr(p->st[FP_SRV], FP_SRV_ADDR) ||
	    synack_stack_add_addr(p->st[FP_SRV], FP_SRV_ADDR2) ||
	    synack_stack_add_addr(p->st[FP_CLI], FP_CLI_ADDR))
		FP_FAIL("add_addr");
	for (size_t i = 0; i < sizeof p->data; i++)
		p->data[i] = (uint8_t)(i * 31 + 5);
	for (int k = 0; k < 2; k++)
		synack_advance(p->st[k], p->now);
	return p;
}

/* Connections the prefix leaves behind, by name (client fd, server fd or -1). */
struct fp_conns {
	int lis80, lis81;
	int est_c, est_s;        /* ESTABLISHED both, data exchanged, urgent data unread */
	int fly_c, fly_s;        /* ESTABLISHED, client data lost in flight (retransmit) */
	int half_c, half_s;      /* client FIN-WAIT-2 (shutdown), server CLOSE-WAIT */
	int fw1_c;               /* client ESTABLISHED; server FIN-WAIT-1 (orphan, FIN lost) */
	int la_c;                /* closed: client TIME-WAIT; server LAST-ACK */
	int closing_c, closing_s; /* both CLOSING */
	int zw_c, zw_s;          /* server's data fills the client's window: persist */
	int ka_c, ka_s;          /* keep-alive armed (1 s) */
	int synsent_c;           /* SYN lost: SYN-SENT */
	int synrcvd_c;           /* SYN-ACK lost: client SYN-SENT, server SYN-RECEIVED */
	int aq_c, aq2_c;         /* port 81: one queued unaccepted, one refused by a full queue */
	int refused_c;           /* port 82: RST, connect refused */
};

static void fp_prefix(struct fp *p, struct fp_conns *c)
{
	struct synack_stack *S = p->st[FP_SRV], *C = p->st[FP_CLI];
	/* rcvbuf: two segments of MSS 1448 fill the window exactly (a partial segment
	 * would wait: sender SWS avoidance), so zw_s ends in persist */
	int one = 1, idle = 1, rcvbuf = 2896, fd;

	c->lis80 = fp_listen(p, SYNACK_ADDR_ANY, 80, 16);
	c->lis81 = fp_listen(p, FP_SRV_ADDR, 81, 1);

	c->est_c = fp_connect(p, 80);
	fp_pump(p);
	c->est_s = fp_accept(p, c->lis80);
	synack_send(C, c->est_c, "hello", 5, 0);
	synack_send(S, c->est_s, "world!", 6, 0);
	fp_pump(p);
	synack_recv(S, c->est_s, p->rbuf, 5, 0);
	synack_send(S, c->est_s, "!", 1, SYNACK_MSG_OOB);
	fp_pump(p);

	c->fly_c = fp_connect(p, 80);
	fp_pump(p);
	c->fly_s = fp_accept(p, c->lis80);
	synack_send(C, c->fly_c, p->data, 3000, 0);
	fp_pump_drop(p, FP_CLI);

	c->half_c = fp_connect(p, 80);
	fp_pump(p);
	c->half_s = fp_accept(p, c->lis80);
	synack_shutdown(C, c->half_c, SYNACK_SHUT_WR);
	fp_pump(p);

	c->fw1_c = fp_connect(p, 80);
	fp_pump(p);
	fd = fp_accept(p, c->lis80);
	synack_close(S, fd);
	fp_pump_drop(p, FP_SRV);

	/* client closes first: server ends in TIME-WAIT... no: the passive closer gets
	 * LAST-ACK; losing the client's last ACK leaves it there, client in TIME-WAIT */
	c->la_c = fp_connect(p, 80);
	fp_pump(p);
	fd = fp_accept(p, c->lis80);
	synack_close(C, c->la_c);
	fp_pump(p);
	synack_close(S, fd);
	fp_pump_drop(p, FP_CLI);

	/* TIME-WAIT on the server: it closes first, everything delivered */
	fd = fp_connect(p, 80);
	fp_pump(p);
	synack_close(S, fp_accept(p, c->lis80));
	fp_pump(p);
	synack_close(C, fd);
	fp_pump(p);

	/* simultaneous close: both FINs cross in one round, both ACKs lost */
	c->closing_c = fp_connect(p, 80);
	fp_pump(p);
	c->closing_s = fp_accept(p, c->lis80);
	synack_shutdown(C, c->closing_c, SYNACK_SHUT_WR);
	synack_shutdown(S, c->closing_s, SYNACK_SHUT_WR);
	p->drop_pumps[0] = p->drop_pumps[1] = 0;
	{
		unsigned nr = 0;

		for (int k = 0; k < 2; k++) {
			size_t n;

			while (nr < FP_ROUND_MAX &&
			       (n = synack_output(p->st[k], p->now, p->round[nr].b, FP_PKT_CAP)) > 0) {
				fp_check_packet(p, k, p->round[nr].b, n);
				fp_capture(p, k, p->round[nr].b, n);
				p->round[nr].from = k;
				p->round[nr].len = n;
				nr++;
			}
		}
		for (unsigned i = 0; i < nr; i++)
			fp_inject(p, 1 - p->round[i].from, p->round[i].b, p->round[i].len);
	}
	p->drop_pumps[0] = p->drop_pumps[1] = 1;
	fp_pump(p);

	c->zw_c = fp_socket(p, FP_CLI);
	synack_setsockopt(C, c->zw_c, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	synack_connect(C, c->zw_c, FP_SRV_ADDR, 80);
	fp_pump(p);
	c->zw_s = fp_accept(p, c->lis80);
	synack_send(S, c->zw_s, p->data, 20000, 0);
	fp_pump(p);

	c->ka_c = fp_socket(p, FP_CLI);
	synack_setsockopt(C, c->ka_c, SYNACK_SOL_SOCKET, SYNACK_SO_KEEPALIVE, &one, sizeof one);
	synack_setsockopt(C, c->ka_c, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPIDLE, &idle, sizeof idle);
	synack_setsockopt(C, c->ka_c, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPINTVL, &idle, sizeof idle);
	synack_connect(C, c->ka_c, FP_SRV_ADDR, 80);
	fp_pump(p);
	c->ka_s = fp_accept(p, c->lis80);

	c->synsent_c = fp_connect(p, 80);
	fp_pump_drop(p, FP_CLI);
	c->synrcvd_c = fp_connect(p, 80);
	fp_pump_drop(p, FP_SRV);

	c->aq_c = fp_connect(p, 81);
	fp_pump(p);
	c->aq2_c = fp_connect(p, 81);
	fp_pump(p);
	c->refused_c = fp_connect(p, 82);
	fp_pump(p);
	fp_check(p, false);
}

/* ---- program steps ------------------------------------------------------------------ */

static int fp_pick_fd(struct fp *p, int k, uint8_t b)
{
	static const int odd[] = { -1, 0, 1, 63, 64, 1 << 20, INT_MAX, INT_MIN };

	if (b >= 0xf0)
		return odd[b & 7];
	if (!p->nfds[k])
		return (int)b;
	return p->fds[k][b % p->nfds[k]];
}

static uint32_t fp_pick_addr(struct fp_in *in)
{
	static const uint32_t addrs[] = {
		SYNACK_ADDR_ANY, FP_SRV_ADDR, FP_CLI_ADDR, FP_SRV_ADDR2, FP_NOBODY,
		0x7f000001u, 0xe0000001u, 0xffffffffu, 0x0a0000ffu,
	};
	uint8_t b = fp_u8(in);

	if (b < 2 * (sizeof addrs / sizeof addrs[0]))
		return addrs[b % (sizeof addrs / sizeof addrs[0])];
	return fp_u32(in);
}

static uint16_t fp_pick_port(struct fp *p, struct fp_in *in)
{
	static const uint16_t ports[] = { 0, 80, 81, 82, 32768, 60999, 65535 };
	uint8_t b = fp_u8(in);

	if (b < 14)
		return ports[b % 7];
	if (b < 128 && p->ntup)
		return p->tup[b % p->ntup].port[b & 1];
	return fp_u16(in);
}

static void fp_op_call(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in);
	int k = sel & 1, fd = fp_pick_fd(p, k, fp_u8(in));
	struct synack_stack *s = p->st[k];
	long r = 0;

	p->calls++;
	switch ((sel >> 1) % 16) {
	case 0:
		r = synack_socket(s);
		fp_add_fd(p, k, (int)r);
		break;
	case 1: {
		uint32_t a = fp_pick_addr(in);

		r = synack_bind(s, fd, a, fp_pick_port(p, in));
		break;
	}
	case 2:
		r = synack_listen(s, fd, (int)(int8_t)fp_u8(in) * (fp_u8(in) & 1 ? 1 : 300));
		break;
	case 3: {
		uint32_t a = 0;
		uint16_t port = 0;

		r = synack_accept(s, fd, fp_u8(in) & 1 ? &a : NULL, &port);
		fp_add_fd(p, k, (int)r);
		break;
	}
	case 4: {
		uint32_t a = fp_pick_addr(in);

		r = synack_connect(s, fd, a, fp_pick_port(p, in));
		break;
	}
	case 5: {
		size_t len = fp_u16(in);
		int flags = (int)fp_u8(in);

		r = synack_send(s, fd, len ? p->data : NULL, len, flags);
		if (r > (long)len)
			FP_FAIL("send returned %ld for %zu bytes", r, len);
		break;
	}
	case 6: {
		size_t len = fp_u16(in);
		int flags = (int)fp_u8(in);

		r = synack_recv(s, fd, p->rbuf, len, flags);
		if (r > (long)len)
			FP_FAIL("recv returned %ld for %zu bytes", r, len);
		break;
	}
	case 7:
		r = synack_shutdown(s, fd, (int)(int8_t)fp_u8(in) % 4);
		break;
	case 8:
		r = synack_close(s, fd);
		break;
	case 9: case 10: {
		static const int names[][2] = {
			{1, 2}, {1, 4}, {1, 7}, {1, 8}, {1, 9}, {1, 13}, {6, 1}, {6, 2},
			{6, 4}, {6, 5}, {6, 6}, {6, 7}, {6, 18}, {6, 0x5301}, {6, 0x5302}, {0, 0},
		};
		uint8_t b = fp_u8(in);
		int level = names[b % 16][0], name = names[b % 16][1];
		/* a third word: len reaches 9, and byte options (IP_OPTIONS) read len bytes */
		int32_t val[3] = { (int32_t)fp_u32(in), (int32_t)fp_u32(in), 0 };
		size_t len = fp_u8(in) % 10;

		if (b >= 0xf0) {
			level = (int)fp_u16(in);
			name = (int)fp_u16(in);
		}
		if ((sel >> 1) % 16 == 9) {
			r = synack_setsockopt(s, fd, level, name, len ? val : NULL, len);
		} else {
			size_t l = len;

			r = synack_getsockopt(s, fd, level, name, val, &l);
			if (!r && l > len && len)
				FP_FAIL("getsockopt wrote %zu bytes into %zu", l, len);
		}
		break;
	}
	case 11: {
		uint32_t a;
		uint16_t port;

		r = fp_u8(in) & 1 ? synack_getsockname(s, fd, &a, &port)
				  : synack_getpeername(s, fd, &a, &port);
		break;
	}
	case 12:
		r = synack_poll(s, fd, (int)fp_u16(in));
		break;
	case 13: {
		struct synack_tcp_info ti;

		r = synack_tcp_info(s, fd, &ti);
		break;
	}
	case 14: {
		size_t cap = fp_u8(in) % 5;
		size_t all = synack_sock_list(s, NULL, 0);

		if (synack_sock_list(s, p->list, cap) != all)
			FP_FAIL("sock_list totals differ with cap %zu", cap);
		break;
	}
	default: {
		struct synack_linger lg = { (int)(int8_t)fp_u8(in), (int)(int8_t)fp_u8(in) };

		r = synack_setsockopt(s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof lg);
		break;
	}
	}
	fp_check_errno(r, "socket call");
}

/* Builds a segment on a live tuple into stack k, from the last one the other side
 * sent (or the mirror of k's own), then mutated; emitted with correct checksums. */
static void fp_op_seg(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in), tsel = fp_u8(in);
	int k = sel & 1, o = 1 - k;
	struct fp_tuple *tu;
	struct wire_tcp t;
	struct wire_ipv4 ip = { .hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP };
	uint8_t fl = fp_u8(in), sm = fp_u8(in), am = fp_u8(in), om = fp_u8(in);
	int16_t sd = (int16_t)fp_u16(in), ad = (int16_t)fp_u16(in);
	size_t plen = fp_u8(in), n, hl, olen = 0;
	const uint8_t *ropt = NULL;

	if (!p->ntup)
		return;
	tu = &p->tup[tsel % p->ntup];
	memset(&t, 0, sizeof t);
	if (tu->last[o].valid) {
		t = tu->last[o].t;
		t.seq += (uint32_t)t.payload_len + !!(t.flags & WIRE_TCP_SYN) +
			 !!(t.flags & WIRE_TCP_FIN);
	} else if (tu->last[k].valid) {
		const struct wire_tcp *m = &tu->last[k].t;

		t.seq = m->ack;
		t.ack = m->seq + (uint32_t)m->payload_len + !!(m->flags & WIRE_TCP_SYN) +
			!!(m->flags & WIRE_TCP_FIN);
		t.win = 8192;
	}
	t.sport = tu->port[o];
	t.dport = tu->port[k];
	ip.src = tu->addr[o];
	ip.dst = tu->addr[k];
	if (sel & 2)
		t.flags = fl;
	else
		t.flags = (uint8_t)((fl & 0x3f) | WIRE_TCP_ACK) & (uint8_t)~(fl >> 6 ? WIRE_TCP_ACK : 0);
	/* seq/ack: near the live values, or far (half the space, the window edge, raw) */
	switch (sm & 3) {
	case 0: t.seq += (uint32_t)(int32_t)sd; break;
	case 1: t.seq += (uint32_t)(int32_t)sd * 1024u; break;
	case 2: t.seq += 0x80000000u + (uint32_t)(int32_t)sd; break;
	default: t.seq = fp_u32(in); break;
	}
	switch (am & 3) {
	case 0: t.ack += (uint32_t)(int32_t)ad; break;
	case 1: t.ack += (uint32_t)(int32_t)ad * 1024u; break;
	case 2: t.ack += 0x80000000u + (uint32_t)(int32_t)ad; break;
	default: t.ack = fp_u32(in); break;
	}
	if (sm & 4)
		t.win = fp_u16(in);
	if (sm & 8)
		t.urp = fp_u16(in);
	t.reserved = (sm & 16) ? (uint8_t)(fp_u8(in) & 0xf) : 0;
	/* options: keep, drop all, or rebuild from bits */
	if (om & 1) {
		memset(&t.opt, 0, sizeof t.opt);
		if (om & 2) { t.opt.present |= WIRE_HAS_MSS; t.opt.mss = fp_u16(in); }
		if (om & 4) { t.opt.present |= WIRE_HAS_WS; t.opt.wscale = fp_u8(in); }
		if (om & 8) t.opt.present |= WIRE_HAS_SACKOK;
		if (om & 16) {
			t.opt.present |= WIRE_HAS_TS;
			t.opt.ts_val = fp_u32(in);
			t.opt.ts_ecr = fp_u32(in);
		}
		if (om & 32) {
			t.opt.present |= WIRE_HAS_SACK;
			t.opt.sack_count = (uint8_t)(1 + fp_u8(in) % 3);
			for (unsigned i = 0; i < t.opt.sack_count; i++) {
				t.opt.sack[i].left = t.ack + (uint32_t)(int32_t)(int16_t)fp_u16(in);
				t.opt.sack[i].right = t.opt.sack[i].left + fp_u16(in);
			}
		}
	} else if ((om & 2) && (t.opt.present & WIRE_HAS_TS)) {
		t.opt.ts_val += (uint32_t)(int32_t)(int8_t)fp_u8(in) * 1000u;
	}
	if (om & 0x80)
		plen *= 6;
	for (size_t i = 0; i < plen && i < 1400; i++)
		p->rbuf[i] = fp_u8(in);
	if (plen > 1400)
		plen = 1400;
	/* to a stack that accepts source routes: a completed LSRR (one or two hops) on
	 * some segments, whose return route the stack's answers take (RFC 9293 §3.9.2.1)
	 * toward FP_NOBODY, never delivered */
	hl = 20;
	if ((sel & 4) && p->cfg[k].accept_source_route) {
		static const uint8_t rr[2][12] = {
			{ 0x83, 0x07, 0x08, 10, 0, 0, 9, 0 },
			{ 0x83, 0x0b, 0x0c, 192, 0, 2, 7, 10, 0, 0, 9, 0 },
		};

		olen = sel & 8 ? 12 : 8;
		ropt = rr[!!(sel & 8)];
		hl += olen;
	}
	n = wire_tcp_emit(&t, ip.src, ip.dst, p->rbuf, plen, p->buf + hl, sizeof p->buf - hl);
	if (!n)
		return;
	ip.total_len = (uint16_t)(n + hl);
	ip.id = (uint16_t)p->pkts_seen;
	if (om & 0x40)
		ip.frag = WIRE_IP_DF;
	wire_ipv4_emit_opts(&ip, ropt, olen, p->buf, hl);
	fp_inject(p, k, p->buf, n + hl);
}

/* Fixes the IPv4 and TCP/ICMP checksums of b[0..n) if it parses far enough. */
static void fp_fix_csums(uint8_t *b, size_t n)
{
	size_t hl, tl;

	if (n < 20 || (b[0] >> 4) != 4)
		return;
	hl = (size_t)(b[0] & 15) * 4;
	tl = (size_t)b[2] << 8 | b[3];
	if (hl < 20 || hl > n || tl > n || tl < hl)
		return;
	b[10] = b[11] = 0;
	{
		uint16_t c = wire_csum(b, hl);

		b[10] = (uint8_t)(c >> 8);
		b[11] = (uint8_t)c;
	}
	if (b[9] == WIRE_IPPROTO_TCP && tl - hl >= 18) {
		uint32_t src = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
		uint32_t dst = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
		uint64_t acc;
		uint16_t c;

		b[hl + 16] = b[hl + 17] = 0;
		acc = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, (uint16_t)(tl - hl));
		c = wire_csum_fold(wire_csum_add(acc, b + hl, tl - hl));
		b[hl + 16] = (uint8_t)(c >> 8);
		b[hl + 17] = (uint8_t)c;
	} else if (b[9] == WIRE_IPPROTO_ICMP && tl - hl >= 4) {
		uint16_t c;

		b[hl + 2] = b[hl + 3] = 0;
		c = wire_csum(b + hl, tl - hl);
		b[hl + 2] = (uint8_t)(c >> 8);
		b[hl + 3] = (uint8_t)c;
	}
}

static void fp_op_raw(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in);
	int k = sel & 1;
	size_t n = fp_u16(in) % FP_PKT_CAP;

	for (size_t i = 0; i < n; i++)
		p->buf[i] = fp_u8(in);
	if ((sel & 2) && n >= 20) {          /* plausible addresses, length and checksums */
		uint32_t src = k == FP_SRV ? FP_CLI_ADDR : FP_SRV_ADDR;
		uint32_t dst = k == FP_SRV ? FP_SRV_ADDR : FP_CLI_ADDR;

		p->buf[0] = (uint8_t)(0x40 | (p->buf[0] & 15));
		p->buf[2] = (uint8_t)(n >> 8);
		p->buf[3] = (uint8_t)n;
		p->buf[9] = sel & 4 ? WIRE_IPPROTO_ICMP : WIRE_IPPROTO_TCP;
		for (int i = 0; i < 4; i++) {
			p->buf[12 + i] = (uint8_t)(src >> (24 - 8 * i));
			p->buf[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
		}
		fp_fix_csums(p->buf, n);
	}
	fp_inject(p, k, p->buf, n);
}

static void fp_op_replay(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in), idx = fp_u8(in);
	uint16_t pos = fp_u16(in);
	uint8_t val = fp_u8(in);
	const struct fp_pkt *h;
	unsigned have = p->nhist < FP_HIST ? p->nhist : FP_HIST;

	if (!have)
		return;
	h = &p->hist[idx % have];
	memcpy(p->buf, h->b, h->len);
	if (sel & 1)
		p->buf[pos % h->len] ^= val;
	if (sel & 2)
		fp_fix_csums(p->buf, h->len);
	/* back to its destination, or (bit 2) reflected to its sender */
	fp_inject(p, sel & 4 ? h->from : 1 - h->from, p->buf, h->len);
}

/* An ICMP error (type/code from the input) quoting the last segment stack k sent on a
 * tuple, as a router on the path would send it (RFC 792, RFC 5927). */
static void fp_op_icmp(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in), tsel = fp_u8(in), type = fp_u8(in), code = fp_u8(in);
	uint16_t mtu = fp_u16(in);
	int k = sel & 1;
	const struct fp_seg *sg;
	struct wire_ipv4 ip = { .hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_ICMP };
	struct wire_ipv4 qip = { .hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP };
	uint8_t *q = p->buf + 28;
	size_t n;

	if (!p->ntup)
		return;
	sg = &p->tup[tsel % p->ntup].last[k];
	if (!sg->valid)
		return;
	if (sel & 2) {
		type = (sel & 4) ? 11 : 3;
		code = (sel & 8) ? 4 : code % 16;
	}
	qip.src = sg->src;
	qip.dst = sg->dst;
	qip.total_len = 40;
	wire_ipv4_emit(&qip, q, 20);
	n = wire_tcp_emit(&sg->t, sg->src, sg->dst, NULL, 0, q + 20, 60);
	n = (sel & 16) ? 8 : (n ? n : 8);
	memset(p->buf + 20, 0, 8);
	p->buf[20] = type;
	p->buf[21] = code;
	p->buf[26] = (uint8_t)(mtu >> 8);
	p->buf[27] = (uint8_t)mtu;
	ip.src = (sel & 32) ? sg->dst : 0x0a0000feu;   /* the peer, or a router */
	ip.dst = sg->src;
	ip.total_len = (uint16_t)(20 + 8 + 20 + n);
	wire_ipv4_emit(&ip, p->buf, 20);
	fp_fix_csums(p->buf, ip.total_len);
	fp_inject(p, k, p->buf, ip.total_len);
}

/* n spoofed SYNs (or bare ACKs: bit 0) at the server's listeners. */
static void fp_op_flood(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in);
	unsigned n = (unsigned)fp_u8(in) * 2u;
	uint32_t seed = fp_u32(in);
	uint16_t dport = sel & 2 ? 81 : 80;

	for (unsigned i = 0; i < n; i++) {
		struct wire_tcp t = {
			.sport = (uint16_t)(1024 + (seed + i) % 50000), .dport = dport,
			.seq = seed * 2654435761u + i * 7919u, .ack = seed ^ (i * 977u),
			.flags = sel & 1 ? WIRE_TCP_ACK : WIRE_TCP_SYN, .win = 29200,
		};
		struct wire_ipv4 ip = {
			.hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP,
			.src = 0xc6120000u + ((seed + i * 31u) & 0xffffu), .dst = FP_SRV_ADDR,
		};
		size_t m;

		if (!(sel & 1)) {
			t.opt.present = WIRE_HAS_MSS | (sel & 4 ? WIRE_HAS_TS | WIRE_HAS_WS : 0);
			t.opt.mss = 1460;
			t.opt.wscale = 7;
			t.opt.ts_val = seed + i;
		}
		m = wire_tcp_emit(&t, ip.src, ip.dst, NULL, 0, p->buf + 20, sizeof p->buf - 20);
		ip.total_len = (uint16_t)(m + 20);
		wire_ipv4_emit(&ip, p->buf, 20);
		fp_inject(p, FP_SRV, p->buf, m + 20);
		if (i % 16 == 15)
			fp_pump(p);
	}
}

static void fp_op_time(struct fp *p, struct fp_in *in)
{
	static const uint64_t steps[] = {
		1 * FP_MSEC, 40 * FP_MSEC, 200 * FP_MSEC, 999 * FP_MSEC, 1 * FP_SEC, 3 * FP_SEC,
		30 * FP_SEC, 60 * FP_SEC, 61 * FP_SEC, 121 * FP_SEC, 7200 * FP_SEC,
		7275 * FP_SEC,
	};
	uint8_t b = fp_u8(in);
	uint64_t dt = b < 2 * 12 ? steps[b % 12] : (uint64_t)fp_u32(in) * FP_MSEC / 16;

	fp_advance(p, p->now + dt);
}

static void fp_op_deadline(struct fp *p, struct fp_in *in)
{
	uint64_t d0 = synack_next_deadline(p->st[0]), d1 = synack_next_deadline(p->st[1]);
	uint64_t d = d0 < d1 ? d0 : d1;
	uint8_t reps = (uint8_t)(1 + fp_u8(in) % 8);

	for (uint8_t i = 0; i < reps && d != UINT64_MAX; i++) {
		fp_advance(p, d);
		d0 = synack_next_deadline(p->st[0]);
		d1 = synack_next_deadline(p->st[1]);
		d = d0 < d1 ? d0 : d1;
		if (d <= p->now)        /* an early wake-up is allowed: move on a little */
			d = p->now + 1;
	}
}

static void fp_op_config(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in);
	int k = sel & 1;
	struct synack_config c = p->cfg[k];
	uint32_t v = fp_u32(in);

	switch ((sel >> 1) % 12) {
	case 0: c.msl_ms = v % 100000; break;
	case 1: c.rto_min_ms = v % 5000; break;
	case 2: c.rto_max_ms = v % 200000; break;
	case 3: c.syncookies = v % 4; break;
	case 4: c.fin_timeout_ms = v % 100000; break;
	case 5: c.keepalive_time_ms = v % 10000; c.keepalive_intvl_ms = v % 3000; break;
	case 6: c.challenge_ack_limit = v % 5; break;
	case 7:
		c.tw_reuse = v % 3;
		c.rfc1337 = v & 4 ? 1 : 0;
		c.accept_source_route = v & 8 ? 1 : 0;
		break;
	case 8: c.syn_retries = v % 10; c.synack_retries = (v >> 8) % 10; break;
	case 9: c.retries2 = v % 20; c.retries1 = (v >> 8) % 5; break;
	case 10: c.mtu = v % 2000; break;
	default: c.timestamps = v & 1; c.window_scaling = (v >> 1) & 1; break;
	}
	if (synack_stack_set_config(p->st[k], &c) == 0) {
		p->cfg[k] = c;
		if (c.mtu > p->mtu_max[k])
			p->mtu_max[k] = c.mtu;
	}
	if (sel & 0x80) {
		uint8_t key[16];

		for (int i = 0; i < 16; i++)
			key[i] = (uint8_t)(v + (uint32_t)i);
		synack_stack_rotate_cookie_key(p->st[k], key);
	}
}

/* Reads everything readable, accepts everything acceptable (helps reach deep states). */
static void fp_op_drain(struct fp *p, struct fp_in *in)
{
	uint8_t sel = fp_u8(in);

	for (int k = 0; k < 2; k++) {
		for (unsigned i = 0; i < p->nfds[k]; i++) {
			int fd = p->fds[k][i], a;

			if (sel & 1) {
				while ((a = synack_accept(p->st[k], fd, NULL, NULL)) >= 0)
					fp_add_fd(p, k, a);
			}
			if (sel & 2)
				while (synack_recv(p->st[k], fd, p->rbuf, sizeof p->rbuf, 0) > 0)
					;
		}
	}
}

static void fp_step(struct fp *p, struct fp_in *in)
{
	static const char *const names[FP_OP_COUNT] = {
		"seg", "raw", "replay", "call", "time", "deadline", "drop", "flood", "config",
		"fail-alloc", "icmp", "drain",
	};
	uint8_t op = fp_u8(in) % FP_OP_COUNT;

	if (p->trace)
		fprintf(stderr, "-- step at byte %zu: %s\n", in->i - 1, names[op]);
	switch (op) {
	case FP_OP_SEG: fp_op_seg(p, in); break;
	case FP_OP_RAW: fp_op_raw(p, in); break;
	case FP_OP_REPLAY: fp_op_replay(p, in); break;
	case FP_OP_CALL: fp_op_call(p, in); break;
	case FP_OP_TIME: fp_op_time(p, in); return;
	case FP_OP_DEADLINE: fp_op_deadline(p, in); return;
	case FP_OP_DROP: {
		uint8_t b = fp_u8(in);

		p->drop_pumps[b & 1] = (b >> 1) % 4;
		break;
	}
	case FP_OP_FLOOD: fp_op_flood(p, in); break;
	case FP_OP_CONFIG: fp_op_config(p, in); break;
	case FP_OP_FAIL_ALLOC: {
		uint8_t b = fp_u8(in);

		p->mem[b & 1].fail_skip = fp_u8(in) % 8;
		p->mem[b & 1].fail_count = (b >> 1) % 16;
		break;
	}
	case FP_OP_ICMP: fp_op_icmp(p, in); break;
	default: fp_op_drain(p, in); break;
	}
	fp_pump(p);
	fp_check(p, false);
}

/* Closes everything, lets time pass: both stacks must end empty and return every byte. */
static void fp_finish(struct fp *p)
{
	for (int k = 0; k < 2; k++) {
		p->mem[k].fail_count = 0;
		p->mem[k].fail_skip = 0;
		p->drop_pumps[k] = 0;
		fp_config(&p->cfg[k], p->flags);   /* back to the start's timers */
		synack_stack_set_config(p->st[k], &p->cfg[k]);
		for (unsigned i = 0; i < p->nfds[k]; i++)
			synack_close(p->st[k], p->fds[k][i]);
	}
	fp_pump(p);
	/* jump from deadline to deadline (at least 10 s at a time), at most 200 minutes */
	for (uint64_t end = p->now + 200 * 60 * FP_SEC; p->now < end;) {
		uint64_t d0 = synack_next_deadline(p->st[0]), d1 = synack_next_deadline(p->st[1]);
		uint64_t d = d0 < d1 ? d0 : d1;

		if (!synack_sock_list(p->st[0], NULL, 0) && !synack_sock_list(p->st[1], NULL, 0))
			break;
		if (d == UINT64_MAX)
			d = end;        /* nothing armed: entries left now stay forever */
		fp_advance(p, d > p->now + 10 * FP_SEC ? d : p->now + 10 * FP_SEC);
	}
	for (int k = 0; k < 2; k++) {
		size_t n = synack_sock_list(p->st[k], p->list, FP_LIST_CAP);

		if (n) {
			const struct synack_sock_info *e = &p->list[0];

			FP_FAILP(p, "stack %d still holds %zu entries 200 min after closing all; first: "
				"%s fd %d %08x:%u-%08x:%u timer %s", k, n, synack_state_name(e->state),
				e->fd, e->laddr, e->lport, e->raddr, e->rport,
				synack_timer_name(e->timer));
		}
	}
	free(p->trace);
	for (int k = 0; k < 2; k++) {
		synack_stack_free(p->st[k]);
		if (p->mem[k].live)
			FP_FAIL("stack %d leaked %zu bytes", k, p->mem[k].live);
	}
	free(p);
}

/* Runs one program (see the file header). Aborts on any violated invariant. */
static inline void fp_run(const uint8_t *data, size_t len)
{
	struct fp_in in = { data, len, 0 };
	struct fp_conns c;
	struct fp *p = fp_new(fp_u8(&in));
	unsigned steps = 0;

	fp_prefix(p, &c);
	while (in.i < in.n && steps++ < FP_MAX_STEPS)
		fp_step(p, &in);
	fp_finish(p);
}

#endif
