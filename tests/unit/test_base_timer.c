/*
 * test_base_timer.c — the hierarchical timing wheel (src/base/timer.c): arm, cancel,
 * re-arm; exact firing order; timer_next_deadline exact at level 0 and conservative
 * above; past and huge deadlines; the cost of a long jump (slot visits, not wall time);
 * and a seeded model-based test against a naive list of (node, deadline) pairs.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "base/timer.h"

#define MS 1000000ull
#define SEC (1000 * MS)
#define HOUR (3600 * SEC)

/* Pops everything due at now into out[] (at most max); returns the count. */
static int drain(struct timer_wheel *w, uint64_t now, struct timer_node **out, int max)
{
	struct timer_node *n;
	int k = 0;

	while ((n = timer_pop_expired(w, now)) != NULL) {
		cr_assert_lt(k, max, "more nodes fired than expected");
		cr_assert(!timer_is_armed(n), "popped node still armed");
		out[k++] = n;
	}
	return k;
}

Test(timer, arm_cancel_rearm)
{
	struct timer_wheel w;
	struct timer_node a = { 0 }, b = { 0 };
	struct timer_node *out[4];

	timer_wheel_init(&w, 1000 * MS);
	cr_assert_eq(timer_next_deadline(&w), UINT64_MAX);
	cr_assert(!timer_is_armed(&a));
	timer_arm(&w, &a, 1010 * MS);
	timer_arm(&w, &b, 1020 * MS);
	cr_assert(timer_is_armed(&a));
	cr_assert_eq(timer_count(&w), 2);
	cr_assert_eq(timer_next_deadline(&w), 1010 * MS);

	timer_cancel(&w, &a);
	cr_assert(!timer_is_armed(&a));
	timer_cancel(&w, &a); /* idempotent */
	cr_assert_eq(timer_count(&w), 1);
	cr_assert_eq(timer_next_deadline(&w), 1020 * MS);

	/* re-arm b later: it moves, it does not fire at its old deadline */
	timer_arm(&w, &b, 1030 * MS);
	cr_assert_eq(timer_count(&w), 1);
	cr_assert_eq(drain(&w, 1025 * MS, out, 4), 0);
	cr_assert_eq(timer_next_deadline(&w), 1030 * MS);
	/* re-arm b earlier than now: due at the next pop */
	timer_arm(&w, &b, 1 * MS);
	cr_assert_eq(drain(&w, 1025 * MS, out, 4), 1);
	cr_assert_eq(out[0], &b);
	cr_assert_eq(timer_count(&w), 0);
	cr_assert_eq(timer_next_deadline(&w), UINT64_MAX);
	cr_assert_eq(drain(&w, 5000 * MS, out, 4), 0);

	/* cancel a node that was already collected as due but not popped yet */
	timer_arm(&w, &a, 5001 * MS);
	timer_arm(&w, &b, 5002 * MS);
	cr_assert_eq(timer_pop_expired(&w, 6000 * MS), &a);
	timer_cancel(&w, &b);
	cr_assert_null(timer_pop_expired(&w, 6000 * MS));
	cr_assert_eq(timer_count(&w), 0);
}

/* timer_forget leaves the wheel as timer_cancel does, for a node in each place: alone
 * in a higher-level slot (its occupied bit must go), beside another in a level-0 slot,
 * pending (armed after the last placement), collected as due and not popped yet. Two
 * wheels get the same arms; one forgets the nodes the other cancels. */
Test(timer, forget_leaves_the_wheel_as_cancel)
{
	static const uint64_t dl[] = { 100 * MS + 123, 70 * MS + 5, 70 * MS + 7, 3 * HOUR,
				       2 * MS, 3 * MS, 90 * MS };
	enum { N = sizeof dl / sizeof dl[0] };
	struct timer_wheel w[2];
	struct timer_node x[2][N + 1], *out[2][N];

	for (int k = 0; k < 2; k++) {
		struct timer_wheel *wk = &w[k];

		memset(x[k], 0, sizeof x[k]);
		timer_wheel_init(wk, 0);
		for (int i = 0; i < N - 1; i++)
			timer_arm(wk, &x[k][i], dl[i]);
		timer_next_deadline(wk);                /* placed */
		cr_assert_eq(timer_pop_expired(wk, 5 * MS), &x[k][4]); /* [5] due, kept */
		timer_arm(wk, &x[k][N - 1], dl[N - 1]); /* pending */
		timer_arm(wk, &x[k][N], 200 * MS);
		for (int i = 0; i < N; i++) {
			if (i != 0 && i != 1 && i != 3 && i != 5 && i != N - 1)
				continue;
			if (k)
				timer_cancel(wk, &x[k][i]);
			else
				timer_forget(wk, &x[k][i]);
		}
	}
	cr_assert_eq(timer_count(&w[0]), timer_count(&w[1]));
	for (uint64_t now = 5 * MS; now < 4 * HOUR; now += now / 2) {
		int got[2];

		cr_assert_eq(timer_next_deadline(&w[0]), timer_next_deadline(&w[1]), "at %llu",
			     (unsigned long long)now);
		for (int k = 0; k < 2; k++)
			got[k] = drain(&w[k], now, out[k], N);
		cr_assert_eq(got[0], got[1]);
		for (int i = 0; i < got[0]; i++)
			cr_assert_eq(out[0][i] - x[0], out[1][i] - x[1]);
		cr_assert_eq(timer_count(&w[0]), timer_count(&w[1]));
	}
	cr_assert_eq(timer_count(&w[0]), 0);
}

Test(timer, fires_in_exact_deadline_order_within_and_across_ticks)
{
	/* deadlines chosen out of arming order, several in one tick, ns apart */
	const uint64_t d[8] = { 7 * MS + 999999, 7 * MS + 1, 3 * MS, 7 * MS, 300 * SEC,
				7 * MS + 1, 2 * HOUR + 17, 64 * MS };
	const int order[8] = { 2, 3, 1, 5, 0, 7, 4, 6 }; /* index by deadline (1 before 5: ties keep arm order) */
	struct timer_node n[8] = { 0 }, *out[8];
	struct timer_wheel w;
	int k;

	timer_wheel_init(&w, 0);
	for (int i = 0; i < 8; i++)
		timer_arm(&w, &n[i], d[i]);
	k = drain(&w, 3 * HOUR, out, 8);
	cr_assert_eq(k, 8);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(out[i], &n[order[i]], "position %d: node %ld, want %d", i,
			     (long)(out[i] - n), order[i]);
}

Test(timer, within_one_tick_fires_only_what_is_due)
{
	struct timer_node a = { 0 }, b = { 0 }, *out[2];
	struct timer_wheel w;

	timer_wheel_init(&w, 0);
	timer_arm(&w, &a, 5 * MS + 300);
	timer_arm(&w, &b, 5 * MS + 200);
	cr_assert_eq(drain(&w, 5 * MS + 199, out, 2), 0);
	cr_assert_eq(drain(&w, 5 * MS + 200, out, 2), 1);
	cr_assert_eq(out[0], &b);
	cr_assert_eq(timer_next_deadline(&w), 5 * MS + 300);
	cr_assert_eq(drain(&w, 5 * MS + 299, out, 2), 0);
	cr_assert_eq(drain(&w, 5 * MS + 300, out, 2), 1);
	cr_assert_eq(out[0], &a);
}

Test(timer, next_deadline_exact_at_level0_conservative_above)
{
	struct timer_node a = { 0 }, b = { 0 }, *out[2];
	struct timer_wheel w;

	timer_wheel_init(&w, 0);
	timer_arm(&w, &a, 100 * MS + 123); /* tick 100: level 1, slot 1 = ticks 64..127 */
	cr_assert_eq(timer_next_deadline(&w), 64 * MS);
	cr_assert_eq(drain(&w, 64 * MS, out, 2), 0); /* the early wake-up fires nothing */
	cr_assert_eq(timer_next_deadline(&w), 100 * MS + 123); /* cascaded: now exact */
	timer_arm(&w, &b, 70 * MS + 5);
	cr_assert_eq(timer_next_deadline(&w), 70 * MS + 5);
	cr_assert_eq(drain(&w, 70 * MS + 5, out, 2), 1);
	cr_assert_eq(out[0], &b);
	cr_assert_eq(drain(&w, 100 * MS + 122, out, 2), 0);
	cr_assert_eq(drain(&w, 100 * MS + 123, out, 2), 1);
	cr_assert_eq(out[0], &a);

	/* 1 ns after a level-1 slot boundary: the wake-up at the boundary fires nothing */
	timer_arm(&w, &a, 192 * MS + 1);
	cr_assert_eq(timer_next_deadline(&w), 192 * MS);
	cr_assert_eq(drain(&w, 192 * MS, out, 2), 0);
	cr_assert_eq(timer_next_deadline(&w), 192 * MS + 1);
	cr_assert_eq(drain(&w, 192 * MS + 1, out, 2), 1);
}

Test(timer, past_deadlines_fire_at_next_pop_in_order)
{
	struct timer_node n[3] = { { 0 } }, *out[3];
	struct timer_wheel w;

	timer_wheel_init(&w, 10 * SEC);
	timer_arm(&w, &n[0], 10 * SEC); /* == now */
	timer_arm(&w, &n[1], 0);
	timer_arm(&w, &n[2], 9 * SEC);
	cr_assert_eq(timer_next_deadline(&w), 0);
	/* a pop at an earlier time counts as the current time */
	cr_assert_eq(drain(&w, 1 * SEC, out, 3), 3);
	cr_assert_eq(out[0], &n[1]);
	cr_assert_eq(out[1], &n[2]);
	cr_assert_eq(out[2], &n[0]);
}

Test(timer, rearm_in_the_past_from_inside_the_drain)
{
	struct timer_node a = { 0 }, b = { 0 }, c = { 0 }, *out[4];
	struct timer_wheel w;

	timer_wheel_init(&w, 0);
	timer_arm(&w, &a, 10 * MS);
	timer_arm(&w, &b, 20 * MS);
	cr_assert_eq(timer_pop_expired(&w, 30 * MS), &a);
	timer_arm(&w, &c, 15 * MS); /* past, earlier than b which is already collected */
	timer_arm(&w, &a, 25 * MS); /* re-armed from inside the loop, also past */
	cr_assert_eq(drain(&w, 30 * MS, out, 4), 3);
	cr_assert_eq(out[0], &c);
	cr_assert_eq(out[1], &b);
	cr_assert_eq(out[2], &a);
}

Test(timer, huge_deadlines_never_fire_early)
{
	struct timer_node a = { 0 }, b = { 0 }, c = { 0 }, *out[3];
	struct timer_wheel w;
	uint64_t now = 5 * SEC, nd;
	int steps = 0, fired = 0;

	timer_wheel_init(&w, now);
	timer_arm(&w, &a, UINT64_MAX);
	timer_arm(&w, &b, UINT64_MAX - 5);
	timer_arm(&w, &c, UINT64_MAX / 2);
	/* walk by next_deadline: each timer within TIMER_LEVELS + 1 wake-ups */
	/* (a node may be armed at UINT64_MAX itself, so loop on the count) */
	while (timer_count(&w)) {
		nd = timer_next_deadline(&w);
		cr_assert_geq(nd, now, "next deadline went back");
		now = nd;
		int k = drain(&w, now, out, 3);
		for (int i = 0; i < k; i++)
			cr_assert_geq(now, out[i]->deadline_ns);
		fired += k;
		cr_assert_leq(++steps, 3 * (TIMER_LEVELS + 1), "%d steps", steps);
	}
	cr_assert_eq(fired, 3);
	cr_assert_eq(now, UINT64_MAX);

	timer_wheel_init(&w, 0);
	timer_arm(&w, &a, UINT64_MAX);
	timer_arm(&w, &b, UINT64_MAX - 5);
	cr_assert_eq(drain(&w, UINT64_MAX - 6, out, 3), 0);
	cr_assert_eq(drain(&w, UINT64_MAX - 5, out, 3), 1);
	cr_assert_eq(out[0], &b);
	cr_assert_eq(timer_next_deadline(&w), UINT64_MAX); /* exact, and it is a real deadline */
	cr_assert(timer_is_armed(&a));
	cr_assert_eq(drain(&w, UINT64_MAX, out, 3), 1);
	cr_assert_eq(out[0], &a);
}

/* Not a timing assertion: the wheel counts the slot lists it touches. A 10-hour jump
 * with 3 timers must jump over empty time via the bitmaps (10 h is 36 million ticks). */
Test(timer, long_jump_costs_few_slot_visits)
{
	struct timer_node n[3] = { { 0 } }, *out[3];
	struct timer_wheel w;

	timer_wheel_init(&w, 123456789);
	timer_arm(&w, &n[0], 9 * HOUR + 7);
	timer_arm(&w, &n[1], 5 * MS);
	timer_arm(&w, &n[2], 3 * HOUR);
	w.slot_visits = 0;
	cr_assert_eq(drain(&w, 123456789 + 10 * HOUR, out, 3), 3);
	cr_assert_eq(out[0], &n[1]);
	cr_assert_eq(out[1], &n[2]);
	cr_assert_eq(out[2], &n[0]);
	cr_assert_leq(w.slot_visits, TIMER_LEVELS * TIMER_SLOTS, "%llu visits",
		      (unsigned long long)w.slot_visits);
	/* and a jump over nothing visits nothing */
	w.slot_visits = 0;
	cr_assert_eq(drain(&w, 50 * HOUR, out, 3), 0);
	cr_assert_eq(w.slot_visits, 0);
}

/* ---- model-based randomized test ---- */

#define NNODES 64

struct model {
	struct timer_wheel w;
	struct timer_node node[NNODES];
	bool armed[NNODES];
	uint64_t deadline[NNODES];
	uint64_t now;
	struct rng rng;
	long fired;
};

static uint64_t true_earliest(const struct model *m, int *which)
{
	uint64_t e = UINT64_MAX;

	*which = -1;
	for (int i = 0; i < NNODES; i++)
		if (m->armed[i] && (*which < 0 || m->deadline[i] < e)) {
			e = m->deadline[i];
			*which = i;
		}
	return e;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A delay from 0 ns to hours, log-uniform-ish so every level is exercised. */
static uint64_t random_span(struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0: return 0;
	case 1: return rng_below(r, 1000);                   /* ns */
	case 2: return rng_below(r, 2 * (uint32_t)MS);       /* around one tick */
	case 3: return rng_below(r, 100) * MS + rng_below(r, 1000000);
	case 4: return (uint64_t)rng_below(r, 70000) * MS;   /* ~a minute */
	case 5: return (uint64_t)rng_below(r, 3600) * SEC + rng_below(r, 1000000000);
	case 6: return (uint64_t)rng_below(r, 10) * HOUR + (uint64_t)rng_below(r, 3600) * SEC;
	default: /* slot-aligned offsets, sometimes a few ns past a slot boundary */
		return (uint64_t)rng_below(r, 64) * (1ull << (6 * rng_below(r, 5))) * MS +
		       (rng_below(r, 2) ? rng_below(r, 2000) : 0);
	}
}

/* After any change: count, armed flags and next_deadline against the model. */
static void check_invariants(struct model *m)
{
	int which;
	uint64_t e = true_earliest(m, &which), nd = timer_next_deadline(&m->w);
	size_t count = 0;

	for (int i = 0; i < NNODES; i++) {
		cr_assert_eq(timer_is_armed(&m->node[i]), m->armed[i], "node %d armed flag", i);
		count += m->armed[i];
	}
	cr_assert_eq(timer_count(&m->w), count);
	if (which < 0) {
		cr_assert_eq(nd, UINT64_MAX);
		return;
	}
	cr_assert_leq(nd, e, "next_deadline %llu later than true earliest %llu",
		      (unsigned long long)nd, (unsigned long long)e);
	/* exact when the earliest is in the current level-0 span (or already due) */
	if (e <= m->now || (e / TIMER_TICK_NS) >> TIMER_SLOT_BITS == m->w.tick >> TIMER_SLOT_BITS)
		cr_assert_eq(nd, e, "not exact: %llu vs %llu (now %llu)", (unsigned long long)nd,
			     (unsigned long long)e, (unsigned long long)m->now);
	else
		cr_assert_gt(nd, m->now, "a future-only wheel asked for a wake-up in the past");
}

/* Advances to now and pops until NULL, checking every popped node against the model:
 * armed, deadline <= now, in deadline order; then nothing due may remain armed. */
static void model_advance(struct model *m, uint64_t now)
{
	struct timer_node *n;
	uint64_t last = 0;

	if (now > m->now)
		m->now = now;
	while ((n = timer_pop_expired(&m->w, m->now)) != NULL) {
		int i = (int)(n - m->node);

		cr_assert(i >= 0 && i < NNODES);
		cr_assert(m->armed[i], "node %d fired but was not armed (twice?)", i);
		cr_assert_leq(m->deadline[i], m->now, "node %d fired early: deadline %llu now %llu",
			      i, (unsigned long long)m->deadline[i], (unsigned long long)m->now);
		cr_assert_geq(m->deadline[i], last, "out of order");
		last = m->deadline[i];
		m->armed[i] = false;
		m->fired++;
	}
	for (int i = 0; i < NNODES; i++)
		cr_assert(!m->armed[i] || m->deadline[i] > m->now,
			  "node %d due (deadline %llu <= now %llu) but not fired", i,
			  (unsigned long long)m->deadline[i], (unsigned long long)m->now);
	check_invariants(m);
}

static void model_arm(struct model *m, int i, uint64_t deadline)
{
	timer_arm(&m->w, &m->node[i], deadline);
	m->armed[i] = true;
	m->deadline[i] = deadline;
}

/* Walks by next_deadline until the true earliest has fired: at most TIMER_LEVELS + 1
 * wake-ups, each never before anything's deadline (model_advance checks). */
static void model_walk_to_earliest(struct model *m)
{
	int which, steps = 0;

	true_earliest(m, &which);
	if (which < 0)
		return;
	while (m->armed[which] || timer_is_armed(&m->node[which])) {
		model_advance(m, timer_next_deadline(&m->w));
		cr_assert_leq(++steps, TIMER_LEVELS + 1, "%d wake-ups to reach node %d", steps,
			      which);
	}
}

static void run_model(uint64_t seed, uint64_t start, int ops)
{
	static struct model m; /* 8 KB wheel: keep it off the stack */

	memset(&m, 0, sizeof(m));
	rng_seed(&m.rng, seed);
	m.now = start;
	timer_wheel_init(&m.w, start);
	for (int op = 0; op < ops; op++) {
		int i = (int)rng_below(&m.rng, NNODES);
		uint32_t what = rng_below(&m.rng, 100);

		if (what < 40) {
			model_arm(&m, i, add_sat(m.now, random_span(&m.rng)));
		} else if (what < 45) { /* in the past */
			uint64_t back = random_span(&m.rng);
			model_arm(&m, i, m.now > back ? m.now - back : 0);
		} else if (what < 47) { /* huge */
			model_arm(&m, i, UINT64_MAX - rng_below(&m.rng, 3 * (uint32_t)MS));
		} else if (what < 60) {
			timer_cancel(&m.w, &m.node[i]);
			m.armed[i] = false;
		} else if (what < 85) {
			model_advance(&m, add_sat(m.now, random_span(&m.rng)));
		} else {
			model_walk_to_earliest(&m);
		}
		check_invariants(&m);
	}
	/* finally walk everything out, huge deadlines included */
	int left = (int)timer_count(&m.w), steps = 0;

	while (timer_count(&m.w)) {
		model_advance(&m, timer_next_deadline(&m.w));
		cr_assert_leq(++steps, left * (TIMER_LEVELS + 1));
	}
	for (int i = 0; i < NNODES; i++)
		cr_assert(!m.armed[i]);
	cr_assert_gt(m.fired, ops / 10, "too few firings (%ld) to mean anything", m.fired);
}

Test(timer, model_random_from_zero)
{
	for (uint64_t seed = 1; seed <= 20; seed++)
		run_model(seed, 0, 3000);
}

Test(timer, model_random_from_odd_start_times)
{
	run_model(101, 999999999999ull, 3000);      /* mid-tick, ~17 minutes */
	run_model(102, 1ull << 62, 3000);           /* far along */
	run_model(103, (1ull << 36) * MS - 1, 3000);/* one ns before a top-level boundary */
	run_model(104, UINT64_MAX - 10 * HOUR, 2000);
}

/* ---- deferred placement (timer.h): the same wheel as placing at once ---- */

/* Two wheels get the same arms, cancels and advances; eager has its pending node placed
 * after every arm (timer_next_deadline places), lazy only when the script reads it. Every
 * pop (the node, in order: ties included) and every answer of timer_next_deadline must be
 * the same. Deadlines come from a small set so that ties, re-arms of a pending node at
 * the same deadline and several nodes in one slot are common. */
static void run_twin(uint64_t seed, int ops)
{
	static struct timer_wheel eager, lazy;
	static struct timer_node ne[16], nl[16];
	struct rng r;
	uint64_t now = 5 * SEC + 123;

	memset(ne, 0, sizeof ne);
	memset(nl, 0, sizeof nl);
	rng_seed(&r, seed);
	timer_wheel_init(&eager, now);
	timer_wheel_init(&lazy, now);
	for (int op = 0; op < ops; op++) {
		int i = (int)rng_below(&r, 16);
		uint32_t what = rng_below(&r, 100);

		if (what < 50) {
			uint64_t d = now - 2 * MS + rng_below(&r, 6) * MS / 2 +
				     (rng_below(&r, 4) ? 0 : (uint64_t)rng_below(&r, 3) * 70 * MS);

			timer_arm(&eager, &ne[i], d);
			timer_next_deadline(&eager);
			timer_arm(&lazy, &nl[i], d);
		} else if (what < 65) {
			timer_cancel(&eager, &ne[i]);
			timer_cancel(&lazy, &nl[i]);
		} else if (what < 80) {
			cr_assert_eq(timer_next_deadline(&lazy), timer_next_deadline(&eager),
				     "seed %llu op %d", (unsigned long long)seed, op);
		} else {
			struct timer_node *a, *b;

			if (rng_below(&r, 2))
				now += rng_below(&r, 3) * MS / 2;
			do {
				a = timer_pop_expired(&eager, now);
				b = timer_pop_expired(&lazy, now);
				cr_assert_eq(a ? a - ne : -1, b ? b - nl : -1, "seed %llu op %d",
					     (unsigned long long)seed, op);
			} while (a);
		}
		cr_assert_eq(timer_count(&lazy), timer_count(&eager));
		for (int k = 0; k < 16; k++)
			cr_assert_eq(timer_is_armed(&nl[k]), timer_is_armed(&ne[k]));
	}
}

Test(timer, deferred_placement_is_placing_at_once)
{
	for (uint64_t seed = 1; seed <= 40; seed++)
		run_twin(seed, 4000);
}
