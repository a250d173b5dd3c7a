/*
 * test_sim_heap_fifo.c — the event queue's FIFO fast path (src/sim/heap.c) gives exactly
 * the heap-only order, (time, sequence), whatever mix of in-order and out-of-order
 * pushes and pops: checked against the plain heap on a seeded random sequence, and on a
 * small hand-written case whose order is spelled out. Runs (events pushed back to back
 * at one time sharing an entry) give that order too, with pops between the pushes of a
 * run, runs whose last event was popped before the next push, and calls mixed in.
 */
#include <criterion/criterion.h>

#include "base/rng.h"
#include "sim/sim_internal.h"

#define N 4096

static struct sim_event ev[N];
static uint32_t idx_a[N], idx_b[N], ring[N], runs[N];

Test(sim_heap_fifo, hand_written_order)
{
	/* times 10, 20, 20, 5, 30, 15 with seq = index: pushes 0,1,2 go to the ring, 3 (5 <
	 * 20) to the heap, 4 to the ring, 5 (15 < 30) to the heap */
	const uint64_t t[6] = {10, 20, 20, 5, 30, 15};
	const uint32_t want[6] = {3, 0, 5, 1, 2, 4};
	struct sim_heap h = {.idx = idx_a, .cap = 6, .ev = ev, .fifo = ring};

	for (uint32_t i = 0; i < 6; i++) {
		ev[i].t_ns = t[i];
		ev[i].seq = i;
		sim_heap_push(&h, i);
	}
	cr_assert_eq(h.f_len, 4u, "ring holds %u, want 4", h.f_len);
	cr_assert_eq(h.len, 2u, "heap holds %u, want 2", h.len);
	for (int k = 0; k < 6; k++) {
		uint32_t got = sim_heap_pop(&h);

		cr_assert_eq(got, want[k], "pop %d: got event %u, want %u", k, got, want[k]);
	}
	cr_assert_eq(sim_heap_peek(&h), UINT32_MAX);
}

Test(sim_heap_fifo, same_order_as_heap_only)
{
	struct sim_heap plain = {.idx = idx_a, .cap = N, .ev = ev};
	struct sim_heap fast = {.idx = idx_b, .cap = N, .ev = ev, .fifo = ring};
	struct rng g;
	uint64_t now = 0, seq = 0;
	uint32_t next = 0, queued = 0;

	rng_seed(&g, 42);
	for (int step = 0; step < 200000; step++) {
		bool push = queued == 0 || (next < N && rng_below(&g, 100) < 55);

		if (push) {
			/* mostly "now + constant latency", sometimes an extra random delay */
			uint32_t i = next++;

			ev[i].t_ns = now + 1000 + (rng_below(&g, 10) == 0 ? rng_below(&g, 5000) : 0);
			ev[i].seq = seq++;
			sim_heap_push(&plain, i);
			sim_heap_push(&fast, i);
			queued++;
		} else {
			uint32_t a = sim_heap_peek(&plain), b = sim_heap_peek(&fast);

			cr_assert_eq(b, a, "step %d: peek %u, heap-only %u", step, b, a);
			a = sim_heap_pop(&plain);
			b = sim_heap_pop(&fast);
			cr_assert_eq(b, a, "step %d: pop %u, heap-only %u", step, b, a);
			now = ev[a].t_ns;
			queued--;
			if (next == N && queued == 0)
				break;
		}
		if (next == N && !push && queued == 0)
			break;
	}
	while (queued--) {
		uint32_t a = sim_heap_pop(&plain), b = sim_heap_pop(&fast);

		cr_assert_eq(b, a, "drain: pop %u, heap-only %u", b, a);
	}
	cr_assert_eq(sim_heap_peek(&fast), UINT32_MAX);
	cr_assert_eq(next, (uint32_t)N, "only %u events were pushed", next);
}

Test(sim_heap_fifo, runs_keep_the_heap_only_order)
{
	struct sim_heap plain = {.idx = idx_a, .cap = N, .ev = ev};
	struct sim_heap fast = {.idx = idx_b, .cap = N, .ev = ev, .fifo = ring,
				.run_next = runs};
	struct rng g;
	uint64_t now = 0, seq = 0;
	uint32_t next = 0, queued = 0, max_saved = 0;

	rng_seed(&g, 7);
	while (next < N || queued) {
		uint32_t burst = next < N ? (uint32_t)rng_below(&g, 40) : 0;
		uint64_t t = now + (rng_below(&g, 3) == 0 ? 0 : 1000 + rng_below(&g, 3) * 500);

		/* a burst at one time (sometimes now, sometimes later, sometimes before what
		 * is queued), sometimes with a pop inside it */
		for (uint32_t k = 0; k < burst && next < N; k++) {
			uint32_t i = next++;

			ev[i].t_ns = rng_below(&g, 20) == 0 ? t + rng_below(&g, 700) : t;
			seq += 1 + rng_below(&g, 3);    /* growing, not always by one */
			ev[i].seq = seq;
			sim_heap_push(&plain, i);
			sim_heap_push(&fast, i);
			queued++;
			if (queued - (fast.len + fast.f_len) > max_saved)
				max_saved = queued - (fast.len + fast.f_len);
			if (rng_below(&g, 15) == 0) {
				uint32_t a = sim_heap_pop(&plain), b = sim_heap_pop(&fast);

				cr_assert_eq(b, a, "event %u: pop %u, heap-only %u", i, b, a);
				now = ev[a].t_ns;
				queued--;
			}
		}
		for (uint32_t k = rng_below(&g, 60); k > 0 && queued; k--) {
			uint32_t a = sim_heap_peek(&plain), b = sim_heap_peek(&fast);

			cr_assert_eq(b, a, "peek %u, heap-only %u", b, a);
			a = sim_heap_pop(&plain);
			b = sim_heap_pop(&fast);
			cr_assert_eq(b, a, "pop %u, heap-only %u", b, a);
			now = ev[a].t_ns;
			queued--;
		}
	}
	cr_assert_eq(sim_heap_peek(&fast), UINT32_MAX);
	cr_assert_eq(sim_heap_peek(&plain), UINT32_MAX);
	cr_assert_gt(max_saved, 20u, "runs never held more than %u events", max_saved);
}
