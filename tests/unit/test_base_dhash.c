/*
 * test_base_dhash.c — the doubly linked hash table (the bind index's): every node's pprev
 * points at the link that points at it, after inserts, O(1) removals in any order (the
 * oldest of one long chain first: the bound-port case), growth and allocator failure.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "test_base_alloc.h"
#include "base/dhash.h"

struct entry {
	struct dhash_node node;
	uint32_t key, hash;
	bool in_table;
};

#define N 20000

static uint32_t entry_hash(const struct dhash_node *n)
{
	return ((const struct entry *)(const void *)n)->hash; /* node is the first member */
}

/* Walks every bucket: each node's pprev is the link that points at it, sits in the bucket
 * its hash maps to, is in the table by the test's account and is met once; the count
 * matches. Then every entry the test holds in the table is found under its hash. */
static void check(const struct dhash_table *t, struct entry *e, uint32_t n)
{
	size_t walked = 0;

	for (uint32_t i = 0; i < n; i++)
		e[i].key &= 0x7fffffffu;
	for (size_t b = 0; b < dhash_nbuckets(t); b++) {
		struct dhash_node *const *link = &t->buckets[b];

		for (struct dhash_node *x = *link; x; link = &x->next, x = x->next) {
			struct entry *y = container_of(x, struct entry, node);

			cr_assert_eq(x->pprev, link, "key %u: pprev %p, link %p", y->key,
				     (void *)x->pprev, (void *)link);
			cr_assert_eq(y->hash & (t->nbuckets - 1), b, "key %u in bucket %zu", y->key, b);
			cr_assert(y->in_table, "key %u walked but removed", y->key);
			cr_assert_eq(y->key & 0x80000000u, 0, "key %u walked twice", y->key);
			y->key |= 0x80000000u;
			walked++;
		}
	}
	cr_assert_eq(walked, dhash_count(t));
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(e[i].in_table, (e[i].key & 0x80000000u) != 0, "key %u", i);
		cr_assert_eq(e[i].in_table, dhash_linked(&e[i].node), "key %u", i);
		e[i].key &= 0x7fffffffu;
	}
}

Test(dhash, one_chain_removed_oldest_first_middle_and_newest)
{
	struct test_alloc ta;
	struct dhash_table t;
	struct entry *e = calloc(N, sizeof(*e));

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(dhash_init(&t, &ta.a, 8, entry_hash), 0);
	/* every entry under one hash: a port's owners (a listener's accepted connections) */
	for (uint32_t i = 0; i < N; i++) {
		e[i] = (struct entry){ .key = i, .hash = 0x5000u, .in_table = true };
		dhash_insert(&t, &e[i].node, e[i].hash);
	}
	cr_assert_eq(dhash_count(&t), N);
	cr_assert_geq(dhash_nbuckets(&t), N, "no growth");
	check(&t, e, N);
	/* the newest is the chain's head, the oldest its tail */
	cr_assert_eq(dhash_bucket_first(&t, 0x5000u), &e[N - 1].node);
	/* oldest first: the tail each time */
	for (uint32_t i = 0; i < N / 2; i++) {
		dhash_remove(&t, &e[i].node);
		e[i].in_table = false;
		if (i % 1000 == 0)
			check(&t, e, N);
	}
	check(&t, e, N);
	/* the head, then from the middle */
	dhash_remove(&t, &e[N - 1].node);
	e[N - 1].in_table = false;
	cr_assert_eq(dhash_bucket_first(&t, 0x5000u), &e[N - 2].node);
	for (uint32_t i = N / 2 + 1; i < N - 1; i += 2) {
		dhash_remove(&t, &e[i].node);
		e[i].in_table = false;
	}
	check(&t, e, N);
	/* an unlinked node: left as it is, the count untouched */
	dhash_remove(&t, &e[0].node);
	cr_assert_eq(dhash_count(&t), N - N / 2 - 1 - (N / 2 - 1) / 2);
	check(&t, e, N);
	/* a removed node goes back in, at the head */
	dhash_insert(&t, &e[0].node, e[0].hash);
	e[0].in_table = true;
	cr_assert_eq(dhash_bucket_first(&t, 0x5000u), &e[0].node);
	check(&t, e, N);
	dhash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
	free(e);
}

Test(dhash, growth_relinks_every_node_under_hash_of)
{
	struct test_alloc ta;
	struct dhash_table t;
	struct entry *e = calloc(N, sizeof(*e));
	size_t last;

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(dhash_init(&t, &ta.a, 0, entry_hash), 0);
	last = dhash_nbuckets(&t);
	cr_assert_eq(last, 8);
	for (uint32_t i = 0; i < N; i++) {
		/* a few keys share hashes, most spread: chains of several after each doubling */
		e[i] = (struct entry){ .key = i, .hash = (i / 3) * 2654435761u, .in_table = true };
		dhash_insert(&t, &e[i].node, e[i].hash);
		if (dhash_nbuckets(&t) != last) {
			cr_assert_eq(dhash_nbuckets(&t), last * 2);
			last = dhash_nbuckets(&t);
			check(&t, e, i + 1);
		}
		cr_assert_leq(dhash_count(&t), dhash_nbuckets(&t));
	}
	for (uint32_t i = 0; i < N; i += 2) {
		dhash_remove(&t, &e[i].node);
		e[i].in_table = false;
	}
	check(&t, e, N);
	dhash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
	free(e);
}

Test(dhash, allocator_failure_during_growth_keeps_working)
{
	struct test_alloc ta;
	struct dhash_table t;
	struct entry *e = calloc(N, sizeof(*e));

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(dhash_init(&t, &ta.a, 16, entry_hash), 0);
	ta.fail_after = 0;
	for (uint32_t i = 0; i < N; i++) {
		e[i] = (struct entry){ .key = i, .hash = i * 2654435761u ^ (i >> 7), .in_table = true };
		dhash_insert(&t, &e[i].node, e[i].hash);
	}
	cr_assert_eq(dhash_nbuckets(&t), 16, "grew without memory?");
	/* one attempt per count/8 inserts, not one per insert */
	cr_assert_leq(ta.failures, 70, "%zu failed allocations", ta.failures);
	cr_assert_geq(ta.failures, 1);
	check(&t, e, N);
	for (uint32_t i = 0; i < N; i += 2) {
		dhash_remove(&t, &e[i].node);
		e[i].in_table = false;
	}
	check(&t, e, N);
	ta.fail_after = -1;
	for (uint32_t i = 0; i < N; i += 2) {
		dhash_insert(&t, &e[i].node, e[i].hash);
		e[i].in_table = true;
	}
	cr_assert_geq(dhash_nbuckets(&t), dhash_count(&t));
	check(&t, e, N);
	dhash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
	free(e);
}

Test(dhash, init_failure_and_bad_size)
{
	struct test_alloc ta;
	struct dhash_table t;
	struct entry x = { .key = 1, .hash = 5 };

	test_alloc_init(&ta);
	ta.fail_after = 0;
	cr_assert_eq(dhash_init(&t, &ta.a, 8, entry_hash), -ENOMEM);
	dhash_insert(&t, &x.node, x.hash); /* refused, not a crash; the node stays unlinked */
	cr_assert_not(dhash_linked(&x.node));
	cr_assert_eq(dhash_count(&t), 0);
	cr_assert_null(dhash_bucket_first(&t, 5));
	dhash_remove(&t, &x.node);
	cr_assert_eq(dhash_count(&t), 0);
	dhash_destroy(&t);
	ta.fail_after = -1;
	cr_assert_eq(dhash_init(&t, &ta.a, ((size_t)1 << 30) + 1, entry_hash), -EINVAL);
	cr_assert_eq(dhash_init(&t, &ta.a, 9, entry_hash), 0);
	cr_assert_eq(dhash_nbuckets(&t), 16);
	dhash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
}
