/* test_scenario_util.h — helpers for the scenario tests (tests/unit/test_scenario_sNN.c):
 * run a scenario of the catalogue in the simulator and compare its log with the exact
 * expected exchange: per segment the sender, virtual send time, flags, seq/ack relative
 * to the ISNs, payload length, fate, the sender's state after sending, the arrival time
 * and the receiver's state after processing; socket calls and their return values. */
#ifndef TEST_SCENARIO_UTIL_H
#define TEST_SCENARIO_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synack/sim.h"
#include "synack/synack.h"
#include "plain_alloc.h"

#define US 1000ull
#define MSEC 1000000ull
#define SEC 1000000000ull

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10, F_URG = 0x20 };
enum { HA = 0, HB = 1 };
#define NONE (-2)   /* no arrival expected (dropped) */
#define NOT_OURS (-3) /* delivered to the next hop, which does not own the destination
                       * (a reply to a spoofed source): no decision note there */

struct want_seg {
	uint64_t t_ns;          /* sent at */
	int from;               /* HA / HB */
	uint8_t flags;
	uint32_t seq, ack, len; /* relative (ack ignored when flags has no ACK) */
	int sender_state;
	uint64_t arrive_ns;     /* 0 with receiver_state NONE: not delivered */
	int receiver_state;
};

static inline struct synack_sc_run *run_scenario(const char *id, uint64_t seed)
{
	struct synack_env env = {.alloc = plain_alloc, .free = plain_free};
	const struct synack_scenario *sc = synack_scenario_find(id);
	struct synack_sc_run *run;

	cr_assert_not_null(sc, "scenario %s", id);
	cr_assert(sc->ready, "%s is marked ready in the catalogue", id);
	run = synack_sc_run(sc, seed, &env);
	cr_assert_not_null(run);
	cr_assert(!synack_sc_truncated(run));
	return run;
}

static inline const char *st(int s)
{
	return s < 0 ? "?" : synack_state_name(s);
}

/* The first (non-duplicate) arrival of packet pkt_id after log index i, or NULL. */
static inline const struct synack_sc_entry *arrival_of(const struct synack_sc_entry *log,
						       size_t n, size_t i, uint64_t pkt_id)
{
	for (size_t k = i + 1; k < n; k++)
		if (log[k].kind == SYNACK_SC_LOG_DELIVER && log[k].pkt_id == pkt_id && !log[k].is_dup)
			return &log[k];
	return NULL;
}

/* Compares every TCP segment sent in the run with want[0..nwant), in order. */
static inline void check_segments(const struct synack_sc_run *run, const struct want_seg *want,
				  size_t nwant)
{
	size_t n, seen = 0;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];
		const struct want_seg *w;
		const struct synack_sc_entry *a;

		if (e->kind != SYNACK_SC_LOG_SEND || !e->is_tcp)
			continue;
		cr_assert_lt(seen, nwant, "unexpected extra segment #%zu from %c at %llu ns, "
			     "flags 0x%02x seq %u ack %u", seen + 1, 'A' + e->host,
			     (unsigned long long)e->t_ns, e->tcp_flags, e->rel_seq, e->rel_ack);
		w = &want[seen++];
		cr_assert_eq(e->host, w->from, "seg %zu: from %c, want %c", seen, 'A' + e->host,
			     'A' + w->from);
		cr_assert_eq(e->t_ns, w->t_ns, "seg %zu: sent at %llu ns, want %llu", seen,
			     (unsigned long long)e->t_ns, (unsigned long long)w->t_ns);
		cr_assert_eq(e->tcp_flags, w->flags, "seg %zu: flags 0x%02x, want 0x%02x", seen,
			     e->tcp_flags, w->flags);
		cr_assert_eq(e->rel_seq, w->seq, "seg %zu: seq %u, want %u", seen, e->rel_seq, w->seq);
		if (w->flags & F_ACK)
			cr_assert_eq(e->rel_ack, w->ack, "seg %zu: ack %u, want %u", seen, e->rel_ack,
				     w->ack);
		cr_assert_eq(e->len, w->len, "seg %zu: len %u, want %u", seen, e->len, w->len);
		cr_assert_eq(e->state, w->sender_state, "seg %zu: sender in %s, want %s", seen,
			     st(e->state), st(w->sender_state));
		a = arrival_of(log, n, i, e->pkt_id);
		if (w->receiver_state == NONE) {
			cr_assert_neq(e->fate, SYNACK_SIM_DELIVERED, "seg %zu: delivered", seen);
			cr_assert_null(a, "seg %zu: arrived", seen);
			continue;
		}
		cr_assert_eq(e->fate, SYNACK_SIM_DELIVERED, "seg %zu: %s", seen,
			     synack_sim_fate_name(e->fate));
		cr_assert_not_null(a, "seg %zu: never arrived", seen);
		cr_assert_eq(a->t_ns, w->arrive_ns, "seg %zu: arrived at %llu, want %llu", seen,
			     (unsigned long long)a->t_ns, (unsigned long long)w->arrive_ns);
		if (w->receiver_state == NOT_OURS) {
			cr_assert_null(a->decision, "seg %zu: decision %s", seen, a->decision);
			continue;
		}
		cr_assert_eq(a->state, w->receiver_state, "seg %zu: receiver in %s, want %s", seen,
			     st(a->state), st(w->receiver_state));
		cr_assert_not_null(a->decision, "seg %zu: no decision note", seen);
	}
	cr_assert_eq(seen, nwant, "%zu segments, want %zu", seen, nwant);
}

/* The nth (1-based) call entry of host whose text starts with prefix. */
static inline const struct synack_sc_entry *call_of(const struct synack_sc_run *run, int host,
						    const char *prefix, int nth)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_CALL && log[i].host == host &&
		    !strncmp(log[i].text, prefix, strlen(prefix)) && --nth == 0)
			return &log[i];
	cr_assert_fail("no call '%s' by %c", prefix, 'A' + host);
	return NULL;
}

static inline void check_call(const struct synack_sc_run *run, int host, const char *prefix,
			      int nth, uint64_t t_ns, long ret)
{
	const struct synack_sc_entry *e = call_of(run, host, prefix, nth);

	cr_assert_eq(e->t_ns, t_ns, "%c %s: at %llu, want %llu", 'A' + host, e->text,
		     (unsigned long long)e->t_ns, (unsigned long long)t_ns);
	cr_assert_eq(e->ret, ret, "%c %s = %ld, want %ld", 'A' + host, e->text, e->ret, ret);
}

/* The first socket event of kind on host: its time and error. */
static inline const struct synack_sc_entry *event_of(const struct synack_sc_run *run, int host,
						     int kind)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_EVENT && log[i].host == host &&
		    (int)log[i].event.kind == kind)
			return &log[i];
	cr_assert_fail("no event %d on %c", kind, 'A' + host);
	return NULL;
}

/* The first TIMER note of host that moves the connection from -> to. */
static inline const struct synack_sc_entry *timer_transition(const struct synack_sc_run *run,
							     int host, int from, int to)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_NOTE && log[i].host == host &&
		    log[i].note.dir == SYNACK_NOTE_TIMER && log[i].note.state_before == from &&
		    log[i].note.state_after == to)
			return &log[i];
	cr_assert_fail("no timer %s -> %s on %c", st(from), st(to), 'A' + host);
	return NULL;
}

/* The nth (1-based) connection-list snapshot (SS step) of host: entries and count. */
static inline const struct synack_sock_info *snapshot_of(const struct synack_sc_run *run,
							 int host, int nth, size_t *count)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_SS && log[i].host == host && --nth == 0)
			return synack_sc_snapshot(run, &log[i], count);
	cr_assert_fail("no snapshot of %c", 'A' + host);
	return NULL;
}

/* The arrival (DELIVER entry) of the nth (1-based) TCP segment sent in the run. */
static inline const struct synack_sc_entry *arrival_nth(const struct synack_sc_run *run, int nth)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_SEND && log[i].is_tcp && --nth == 0)
			return arrival_of(log, n, i, log[i].pkt_id);
	return NULL;
}

/* The nth (1-based) TCP segment sent in the run. */
static inline const struct synack_sc_entry *segment_nth(const struct synack_sc_run *run, int nth)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_SEND && log[i].is_tcp && --nth == 0)
			return &log[i];
	cr_assert_fail("no segment #%d", nth);
	return NULL;
}

static inline uint64_t counter_of(const struct synack_sc_run *run, int host, int ctr)
{
	return synack_counter(synack_sim_stack(synack_sc_sim(run), host), ctr);
}

#endif
