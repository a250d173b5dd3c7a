/* test_sim_link.c — the simulator's link model and run loop with opaque packets and raw
 * hosts (no stacks): exact delivery times from latency and bandwidth, queue bound and
 * tail drop, seeded loss/duplication/reordering/corruption patterns checked against an
 * independent replay of the documented draw order, partition, scripted drops, routing,
 * scheduled calls and the virtual clock, the capture tap, and the pool bound. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "plain_alloc.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define C_ADDR 0x0a000003u
#define MS 1000000ull

struct arrival {
	uint64_t t;
	int host;
	uint32_t tag;
	uint8_t bytes[64];
	size_t len;
};

struct rec {
	struct arrival arr[256];
	int narr;
	struct synack_sim_tap sends[256];
	int nsends;
	int ndelivers;
};

static void on_recv(void *ctx, struct synack_sim *sim, int host, uint64_t now,
		    const uint8_t *pkt, size_t len)
{
	struct rec *r = ctx;
	struct arrival *a = &r->arr[r->narr++];

	(void)sim;
	a->t = now;
	a->host = host;
	a->len = len < sizeof a->bytes ? len : sizeof a->bytes;
	memcpy(a->bytes, pkt, a->len);
	a->tag = len >= 24 ? (uint32_t)pkt[20] << 8 | pkt[21] : 0;
}

static void on_tap(void *ctx, const struct synack_sim_tap *t)
{
	struct rec *r = ctx;

	if (t->kind == SYNACK_SIM_TAP_SEND)
		r->sends[r->nsends++] = *t;
	else
		r->ndelivers++;
}

static struct synack_sim *new_sim(uint64_t seed, uint32_t max_events)
{
	struct synack_sim_config cfg = {.seed = seed, .max_events = max_events};

	cfg.env.alloc = plain_alloc;
	cfg.env.free = plain_free;
	return synack_sim_new(&cfg);
}

/* A 24-byte "IPv4-like" packet: only the destination (bytes 16..19) matters to the sim;
 * bytes 20..21 carry a tag so arrivals can be matched. */
static size_t make_pkt(uint8_t *p, uint32_t dst, uint16_t tag, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[16] = (uint8_t)(dst >> 24);
	p[17] = (uint8_t)(dst >> 16);
	p[18] = (uint8_t)(dst >> 8);
	p[19] = (uint8_t)dst;
	p[20] = (uint8_t)(tag >> 8);
	p[21] = (uint8_t)tag;
	return len;
}

static int send_tag(struct synack_sim *sim, int from, uint32_t dst, uint16_t tag, size_t len)
{
	uint8_t p[1600];

	return synack_sim_send(sim, from, p, make_pkt(p, dst, tag, len));
}

/* Two raw hosts a (0) and b (1), one link (0) with a→b = ab. */
static struct synack_sim *pair(uint64_t seed, struct rec *r, const struct synack_link_dir *ab)
{
	struct synack_sim *sim = new_sim(seed, 0);

	cr_assert_not_null(sim);
	cr_assert_eq(synack_sim_add_raw_host(sim, "a", A_ADDR, on_recv, r), 0);
	cr_assert_eq(synack_sim_add_raw_host(sim, "b", B_ADDR, on_recv, r), 1);
	cr_assert_eq(synack_sim_add_link(sim, 0, 1, ab, NULL), 0);
	synack_sim_set_tap(sim, on_tap, r);
	return sim;
}

Test(sim_heap, orders_by_time_then_sequence)
{
	struct sim_event ev[6] = {0};
	uint32_t idx[6];
	struct sim_heap h = {.idx = idx, .cap = 6, .ev = ev};
	const uint64_t t[6] = {30, 10, 20, 10, 5, 20};
	const uint32_t want[6] = {4, 1, 3, 2, 5, 0};

	for (uint32_t i = 0; i < 6; i++) {
		ev[i].t_ns = t[i];
		ev[i].seq = i;
		sim_heap_push(&h, i);
	}
	cr_assert_eq(sim_heap_peek(&h), 4u);
	for (uint32_t i = 0; i < 6; i++) {
		uint32_t got = sim_heap_pop(&h);

		cr_assert_eq(got, want[i], "pop %u: got %u want %u", i, got, want[i]);
	}
	cr_assert_eq(h.len, 0u);
	cr_assert_eq(sim_heap_peek(&h), UINT32_MAX);
}

Test(sim_link, latency_and_bandwidth_give_exact_times)
{
	/* 1 Mbit/s: a 125-byte packet serialises in exactly 1 ms; 10 ms propagation. */
	struct synack_link_dir ab = {.latency_ns = 10 * MS, .bandwidth_bps = 1000000};
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, &ab);

	for (uint16_t i = 1; i <= 3; i++)
		cr_assert_eq(send_tag(sim, 0, B_ADDR, i, 125), SYNACK_SIM_DELIVERED);
	cr_assert_eq(synack_sim_next_time(sim), 11 * MS);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(r.arr[i].t, (uint64_t)(11 + i) * MS, "pkt %d at %llu", i,
			     (unsigned long long)r.arr[i].t);
		cr_assert_eq(r.arr[i].host, 1);
		cr_assert_eq(r.arr[i].tag, (uint32_t)i + 1);
	}
	cr_assert_eq(synack_sim_now(sim), 13 * MS);
	/* A 1-byte-longer packet takes ceil(1008 bits / 1 Mbit/s) = 1008 us. */
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 9, 126), SYNACK_SIM_DELIVERED);
	cr_assert_eq(r.sends[3].deliver_ns, 23 * MS + 1008000, "got %llu",
		     (unsigned long long)r.sends[3].deliver_ns);
	/* The other direction was left ideal: no delay at all. */
	cr_assert_eq(send_tag(sim, 1, A_ADDR, 10, 126), SYNACK_SIM_DELIVERED);
	cr_assert_eq(r.sends[4].deliver_ns, 13 * MS);
	synack_sim_free(sim);
}

Test(sim_link, reverse_direction_is_independent_and_ideal_by_default)
{
	struct synack_link_dir ab = {.latency_ns = 10 * MS};
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, &ab);

	cr_assert_eq(send_tag(sim, 1, A_ADDR, 7, 40), SYNACK_SIM_DELIVERED);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 1);
	cr_assert_eq(r.arr[0].t, 0u);
	cr_assert_eq(r.arr[0].host, 0);
	synack_sim_free(sim);
}

Test(sim_link, queue_bound_tail_drops)
{
	struct synack_link_dir ab = {.bandwidth_bps = 1000000, .queue_pkts = 2};
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, &ab);

	cr_assert_eq(send_tag(sim, 0, B_ADDR, 1, 125), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 2, 125), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 3, 125), SYNACK_SIM_DROP_QUEUE);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 4, 125), SYNACK_SIM_DROP_QUEUE);
	/* At 1 ms the first has left: one slot frees; the new one leaves at 3 ms. */
	synack_sim_run_until(sim, 1 * MS);
	cr_assert_eq(synack_sim_now(sim), 1 * MS);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 5, 125), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 6, 125), SYNACK_SIM_DROP_QUEUE);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 3);
	cr_assert_eq(r.arr[0].t, 1 * MS);
	cr_assert_eq(r.arr[1].t, 2 * MS);
	cr_assert_eq(r.arr[2].t, 3 * MS);
	cr_assert_eq(r.arr[2].tag, 5u);
	cr_assert_eq(r.nsends, 6);
	cr_assert_eq(r.sends[2].dir_index, 3u);
	cr_assert_eq(r.sends[2].fate, SYNACK_SIM_DROP_QUEUE);
	cr_assert_str_eq(synack_sim_fate_name(r.sends[2].fate), "dropped: queue full");
	synack_sim_free(sim);
}

/* Replays the documented draw order for loss only. */
static void expected_loss(uint64_t seed, uint32_t ppm, int n, bool *lost)
{
	struct rng g;

	rng_seed(&g, sim_subseed(seed, 1, 0, 0));
	for (int i = 0; i < n; i++)
		lost[i] = rng_below(&g, 1000000) < ppm;
}

static void run_loss(uint64_t seed, bool *lost, int n)
{
	struct synack_link_dir ab = {.latency_ns = MS, .loss_ppm = 300000};
	struct rec r = {0};
	struct synack_sim *sim = pair(seed, &r, &ab);

	for (int i = 0; i < n; i++) {
		int fate = send_tag(sim, 0, B_ADDR, (uint16_t)i, 40);

		cr_assert(fate == SYNACK_SIM_DELIVERED || fate == SYNACK_SIM_DROP_LOSS);
		lost[i] = fate == SYNACK_SIM_DROP_LOSS;
	}
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	int delivered = 0;

	for (int i = 0; i < n; i++)
		delivered += !lost[i];
	cr_assert_eq(r.narr, delivered);
	synack_sim_free(sim);
}

Test(sim_link, seeded_loss_pattern_is_exact_and_reproducible)
{
	enum { N = 64 };
	bool a[N], b[N], c[N], want[N];
	int nlost = 0;

	run_loss(42, a, N);
	run_loss(42, b, N);
	run_loss(43, c, N);
	expected_loss(42, 300000, N, want);
	cr_assert_arr_eq(a, b, sizeof a);
	cr_assert_arr_eq(a, want, sizeof a);
	cr_assert(memcmp(a, c, sizeof a) != 0, "seed 43 gave seed 42's pattern");
	for (int i = 0; i < N; i++)
		nlost += a[i];
	cr_assert(nlost > 5 && nlost < 40, "30%% loss lost %d of %d", nlost, N);
}

Test(sim_link, duplication_reorder_corruption_follow_draw_order)
{
	struct synack_link_dir ab = {.latency_ns = 5 * MS, .dup_ppm = 500000,
				     .reorder_ppm = 500000, .reorder_max_ns = 3000000,
				     .corrupt_ppm = 200000};
	struct rec r = {0};
	struct synack_sim *sim = pair(7, &r, &ab);
	struct rng g;
	enum { N = 40 };
	int copies = 0, ncorrupt = 0, ndup = 0, nreorder = 0;

	rng_seed(&g, sim_subseed(7, 1, 0, 0));
	for (int i = 0; i < N; i++) {
		uint64_t now = (uint64_t)i * MS;
		uint64_t t1, t2 = 0;
		uint32_t bit = 0;
		bool corrupt, dup;

		synack_sim_run_until(sim, now);
		cr_assert_eq(send_tag(sim, 0, B_ADDR, (uint16_t)i, 24), SYNACK_SIM_DELIVERED);
		/* corruption, then duplication, then reordering per copy */
		corrupt = rng_below(&g, 1000000) < 200000;
		if (corrupt)
			bit = rng_below(&g, 24 * 8);
		dup = rng_below(&g, 1000000) < 500000;
		t1 = now + 5 * MS;
		if (rng_below(&g, 1000000) < 500000)
			t1 += rng_below(&g, 3000001);
		if (dup) {
			t2 = now + 5 * MS;
			if (rng_below(&g, 1000000) < 500000)
				t2 += rng_below(&g, 3000001);
		}
		const struct synack_sim_tap *s = &r.sends[i];

		cr_assert_eq(!!(s->flags & SYNACK_SIM_F_CORRUPTED), corrupt, "pkt %d", i);
		cr_assert_eq(!!(s->flags & SYNACK_SIM_F_DUPLICATED), dup, "pkt %d", i);
		cr_assert_eq(s->deliver_ns, t1, "pkt %d: %llu vs %llu", i,
			     (unsigned long long)s->deliver_ns, (unsigned long long)t1);
		if (corrupt)
			cr_assert_eq(s->corrupt_bit, bit);
		if (dup)
			cr_assert_eq(s->dup_deliver_ns, t2);
		copies += 1 + dup;
		ncorrupt += corrupt;
		ndup += dup;
		nreorder += !!(s->flags & SYNACK_SIM_F_REORDERED);
	}
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, copies);
	cr_assert_eq(r.ndelivers, copies);
	cr_assert(ncorrupt > 0 && ndup > 0 && nreorder > 0);
	/* Arrivals are in time order, and a corrupted first copy differs in exactly its
	 * bit, the pristine copy (sent bytes) does not. */
	for (int i = 1; i < r.narr; i++)
		cr_assert_leq(r.arr[i - 1].t, r.arr[i].t);
	for (int i = 0; i < N; i++) {
		const struct synack_sim_tap *s = &r.sends[i];
		uint8_t want[24];
		int seen = 0;

		make_pkt(want, B_ADDR, (uint16_t)i, 24);
		for (int k = 0; k < r.narr; k++) {
			if (r.arr[k].t == s->deliver_ns && r.arr[k].tag == (uint32_t)i && !seen) {
				uint8_t w[24];

				memcpy(w, want, 24);
				if (s->flags & SYNACK_SIM_F_CORRUPTED)
					w[s->corrupt_bit / 8] ^= (uint8_t)(0x80u >> (s->corrupt_bit % 8));
				if (!memcmp(r.arr[k].bytes, w, 24))
					seen = 1;
			}
		}
		/* A flipped bit in the tag bytes changes the tag; then match on bytes alone. */
		if (!seen && (s->flags & SYNACK_SIM_F_CORRUPTED)) {
			uint8_t w[24];

			memcpy(w, want, 24);
			w[s->corrupt_bit / 8] ^= (uint8_t)(0x80u >> (s->corrupt_bit % 8));
			for (int k = 0; k < r.narr; k++)
				if (r.arr[k].t == s->deliver_ns && !memcmp(r.arr[k].bytes, w, 24))
					seen = 1;
		}
		cr_assert(seen, "pkt %d: first copy not found with the expected bytes", i);
	}
	synack_sim_free(sim);
}

Test(sim_link, partition_drops_until_healed)
{
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, NULL);

	cr_assert_eq(synack_sim_partition(sim, 0, true), 0);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 1, 40), SYNACK_SIM_DROP_PARTITION);
	cr_assert_eq(send_tag(sim, 1, A_ADDR, 2, 40), SYNACK_SIM_DROP_PARTITION);
	cr_assert_eq(synack_sim_partition(sim, 0, false), 0);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 3, 40), SYNACK_SIM_DELIVERED);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 1);
	cr_assert_eq(r.arr[0].tag, 3u);
	cr_assert_eq(synack_sim_partition(sim, 5, true), -ENOENT);
	synack_sim_free(sim);
}

static bool drop_tag_7(void *ctx, int link, int src, uint32_t nth, const uint8_t *p, size_t len)
{
	int *calls = ctx;

	(void)link;
	(void)src;
	(void)nth;
	(*calls)++;
	return len >= 22 && p[21] == 7;
}

Test(sim_link, scripted_drops_nth_and_filter)
{
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, NULL);
	int calls = 0;

	cr_assert_eq(synack_sim_drop_nth(sim, 0, 0, 3), 0);
	cr_assert_eq(synack_sim_drop_nth(sim, 0, 0, 0), -EINVAL);
	cr_assert_eq(synack_sim_drop_nth(sim, 0, 2, 1), -ENOENT);
	synack_sim_set_filter(sim, drop_tag_7, &calls);
	for (uint16_t i = 1; i <= 8; i++) {
		int want = (i == 3 || i == 7) ? SYNACK_SIM_DROP_SCRIPT : SYNACK_SIM_DELIVERED;

		cr_assert_eq(send_tag(sim, 0, B_ADDR, i, 40), want, "packet %u", i);
	}
	/* The nth rule fired for packet 3 (filter not consulted), the filter for the rest. */
	cr_assert_eq(calls, 7);
	/* The other direction counts its own packets: its 3rd is not dropped. */
	for (uint16_t i = 1; i <= 3; i++)
		cr_assert_eq(send_tag(sim, 1, A_ADDR, i, 40), SYNACK_SIM_DELIVERED);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 9);
	synack_sim_free(sim);
}

Test(sim_link, segment_routes_by_destination_address)
{
	struct rec r = {0};
	struct synack_sim *sim = new_sim(1, 0);
	int seg;

	cr_assert_eq(synack_sim_add_raw_host(sim, "a", A_ADDR, on_recv, &r), 0);
	cr_assert_eq(synack_sim_add_raw_host(sim, "b", B_ADDR, on_recv, &r), 1);
	cr_assert_eq(synack_sim_add_raw_host(sim, "c", C_ADDR, on_recv, &r), 2);
	cr_assert_eq(synack_sim_host_add_addr(sim, 2, 0x0a000063u), 0);
	seg = synack_sim_add_segment(sim);
	cr_assert_eq(seg, 0);
	for (int h = 0; h < 3; h++)
		cr_assert_eq(synack_sim_attach(sim, seg, h, NULL), 0);
	cr_assert_eq(synack_sim_attach(sim, seg, 1, NULL), -EINVAL);
	synack_sim_set_tap(sim, on_tap, &r);
	cr_assert_eq(send_tag(sim, 0, C_ADDR, 1, 40), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, 0x0a000063u, 2, 40), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 2, B_ADDR, 3, 40), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, 0x0b000001u, 4, 40), SYNACK_SIM_DROP_NOROUTE);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 3);
	cr_assert_eq(r.arr[0].host, 2);
	cr_assert_eq(r.arr[1].host, 2);
	cr_assert_eq(r.arr[2].host, 1);
	cr_assert_eq(r.sends[3].link, -1);
	cr_assert_eq(r.sends[3].dst_host, -1);
	cr_assert_eq(synack_sim_host_by_addr(sim, 0x0a000063u), 2);
	cr_assert_eq(synack_sim_host_by_addr(sim, 0x0b000001u), -ENOENT);
	synack_sim_free(sim);
}

Test(sim_link, point_to_point_peer_is_the_default_route)
{
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, NULL);

	/* An address nobody owns (a spoofed SYN's source answered) goes to the peer. */
	cr_assert_eq(send_tag(sim, 1, 0xc0a80001u, 1, 40), SYNACK_SIM_DELIVERED);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 1);
	cr_assert_eq(r.arr[0].host, 0);
	synack_sim_free(sim);
}

struct calls {
	uint64_t t[8];
	int tag[8];
	int n;
};

static struct calls *g_calls;

static void call_rec(void *ctx, struct synack_sim *sim, uint64_t now)
{
	(void)sim;
	g_calls->t[g_calls->n] = now;
	g_calls->tag[g_calls->n++] = (int)(intptr_t)ctx;
}

Test(sim_clock, calls_run_in_time_then_queue_order_and_clock_jumps)
{
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, NULL);
	struct calls c = {0};

	g_calls = &c;
	cr_assert_eq(synack_sim_at(sim, 7200ull * 1000 * MS, call_rec, (void *)3), 0);
	cr_assert_eq(synack_sim_at(sim, 5 * MS, call_rec, (void *)1), 0);
	cr_assert_eq(synack_sim_at(sim, 5 * MS, call_rec, (void *)2), 0);
	cr_assert_eq(synack_sim_next_time(sim), 5 * MS);
	cr_assert(synack_sim_step(sim));
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.tag[0], 1);
	cr_assert_eq(synack_sim_now(sim), 5 * MS);
	/* The limit stops before the two-hour call; the clock stays at the last event. */
	cr_assert(!synack_sim_run_until_idle(sim, 10 * MS));
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.tag[1], 2);
	cr_assert_eq(synack_sim_now(sim), 5 * MS);
	/* Two hours of virtual time in one jump. */
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.t[2], 7200ull * 1000 * MS);
	cr_assert(!synack_sim_step(sim));
	synack_sim_run_until(sim, 7201ull * 1000 * MS);
	cr_assert_eq(synack_sim_now(sim), 7201ull * 1000 * MS);
	/* The past runs at now. */
	cr_assert_eq(synack_sim_at(sim, 0, call_rec, (void *)4), 0);
	cr_assert_eq(synack_sim_next_time(sim), 7201ull * 1000 * MS);
	synack_sim_free(sim);
}

Test(sim_tap, one_send_record_per_packet_in_time_order)
{
	struct synack_link_dir ab = {.latency_ns = 2 * MS, .loss_ppm = 1000000};
	struct rec r = {0};
	struct synack_sim *sim = pair(1, &r, &ab);

	send_tag(sim, 0, B_ADDR, 1, 40);
	synack_sim_run_until(sim, 3 * MS);
	send_tag(sim, 1, A_ADDR, 2, 60);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.nsends, 2);
	cr_assert_eq(r.sends[0].pkt_id, 1u);
	cr_assert_eq(r.sends[0].now_ns, 0u);
	cr_assert_eq(r.sends[0].src_host, 0);
	cr_assert_eq(r.sends[0].dst_host, 1);
	cr_assert_eq(r.sends[0].fate, SYNACK_SIM_DROP_LOSS);
	cr_assert_eq(r.sends[1].pkt_id, 2u);
	cr_assert_eq(r.sends[1].now_ns, 3 * MS);
	cr_assert_eq(r.sends[1].len, 60u);
	cr_assert_eq(r.sends[1].fate, SYNACK_SIM_DELIVERED);
	cr_assert_eq(r.ndelivers, 1);
	synack_sim_free(sim);
}

Test(sim_bounds, event_pool_and_packet_size)
{
	struct rec r = {0};
	struct synack_sim *sim = new_sim(1, 2);
	struct synack_link_dir ab = {.latency_ns = MS};

	cr_assert_eq(synack_sim_add_raw_host(sim, "a", A_ADDR, on_recv, &r), 0);
	cr_assert_eq(synack_sim_add_raw_host(sim, "b", B_ADDR, on_recv, &r), 1);
	cr_assert_eq(synack_sim_add_link(sim, 0, 1, &ab, NULL), 0);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 1, 40), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 2, 40), SYNACK_SIM_DELIVERED);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 3, 40), SYNACK_SIM_DROP_NOBUF);
	cr_assert_eq(synack_sim_at(sim, 0, call_rec, NULL), -ENOSPC);
	cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
	cr_assert_eq(r.narr, 2);
	cr_assert_eq(send_tag(sim, 0, B_ADDR, 4, 1500), SYNACK_SIM_DELIVERED);
	{
		uint8_t big[2100];

		cr_assert_eq(synack_sim_send(sim, 0, big, make_pkt(big, B_ADDR, 5, sizeof big)),
			     SYNACK_SIM_DROP_TOOBIG);
	}
	cr_assert_eq(synack_sim_send(sim, 9, NULL, 0), -ENOENT);
	cr_assert_eq(synack_sim_add_link(sim, 0, 0, NULL, NULL), -EINVAL);
	cr_assert_eq(synack_sim_add_link(sim, 0, 7, NULL, NULL), -ENOENT);
	synack_sim_free(sim);
}

Test(sim_bounds, config_without_allocator_is_refused)
{
	struct synack_sim_config cfg = {.seed = 1};

	cr_assert_null(synack_sim_new(&cfg));
	cr_assert_null(synack_sim_new(NULL));
}
