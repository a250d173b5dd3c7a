/*
 * test_base_hash.c — the intrusive hash table: 100k inserts, lookups and removals with
 * forced collisions (equal hashes), growth keeping every entry findable, and allocator
 * failure during growth (the table keeps working at a higher load).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "test_base_alloc.h"
#include "base/hash.h"

struct entry {
	struct hash_node hnode;
	uint32_t key;
	bool in_table;
};

#define N 100000
#define NF 20000 /* entries in the failure test: its chains are long on purpose */

static struct entry *find(const struct hash_table *t, uint32_t hash, uint32_t key)
{
	for (struct hash_node *n = hash_bucket_first(t, hash); n; n = n->next) {
		struct entry *e = container_of(n, struct entry, hnode);

		if (n->hash == hash && e->key == key)
			return e;
	}
	return NULL;
}

/* Forced collisions: 1000 distinct hash values for 100k keys (chains of 100 equal hashes). */
static uint32_t colliding_hash(uint32_t key)
{
	return (key % 1000) * 2654435761u;
}

static void check_all_n(const struct hash_table *t, struct entry *e, uint32_t (*h)(uint32_t),
			uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct entry *f = find(t, h(i), i);

		if (e[i].in_table)
			cr_assert_eq(f, &e[i], "key %u: found %p want %p", i, (void *)f, (void *)&e[i]);
		else
			cr_assert_null(f, "key %u found after removal", i);
	}
}

static void check_all(const struct hash_table *t, struct entry *e, uint32_t (*h)(uint32_t))
{
	check_all_n(t, e, h, N);
}

static uint32_t spread_hash(uint32_t key)
{
	return key * 2654435761u ^ (key >> 7);
}

Test(hash, many_with_collisions_insert_lookup_remove)
{
	struct test_alloc ta;
	struct hash_table t;
	struct entry *e = calloc(N, sizeof(*e));

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(hash_init(&t, &ta.a, 4), 0);
	cr_assert_eq(hash_nbuckets(&t), 8);
	for (uint32_t i = 0; i < N; i++) {
		e[i].key = i;
		hash_insert(&t, &e[i].hnode, colliding_hash(i));
		e[i].in_table = true;
	}
	cr_assert_eq(hash_count(&t), N);
	cr_assert_geq(hash_nbuckets(&t), N, "no growth: %zu buckets", hash_nbuckets(&t));
	check_all(&t, e, colliding_hash);
	/* remove every third, then look everything up again */
	for (uint32_t i = 0; i < N; i += 3) {
		cr_assert(hash_remove(&t, &e[i].hnode));
		e[i].in_table = false;
	}
	cr_assert_not(hash_remove(&t, &e[0].hnode), "second removal must report absence");
	cr_assert_eq(hash_count(&t), N - (N + 2) / 3);
	check_all(&t, e, colliding_hash);
	/* equal keys under equal hashes: both stored, both reachable */
	hash_insert(&t, &e[0].hnode, colliding_hash(1));
	e[0].key = 1;
	int seen = 0;

	for (struct hash_node *n = hash_bucket_first(&t, colliding_hash(1)); n; n = n->next)
		seen += n->hash == colliding_hash(1) && container_of(n, struct entry, hnode)->key == 1;
	cr_assert_eq(seen, 2);
	hash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
	free(e);
}

Test(hash, growth_keeps_every_entry_findable_and_walkable)
{
	struct test_alloc ta;
	struct hash_table t;
	struct entry *e = calloc(N, sizeof(*e));
	size_t last_buckets;

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(hash_init(&t, &ta.a, 0), 0);
	last_buckets = hash_nbuckets(&t);
	for (uint32_t i = 0; i < N; i++) {
		e[i].key = i;
		e[i].in_table = true;
		hash_insert(&t, &e[i].hnode, spread_hash(i));
		if (hash_nbuckets(&t) != last_buckets) {
			/* just grew: doubled, load back to <= 1, and every entry so far findable */
			cr_assert_eq(hash_nbuckets(&t), last_buckets * 2);
			last_buckets = hash_nbuckets(&t);
			for (uint32_t j = 0; j <= i; j++)
				cr_assert_eq(find(&t, spread_hash(j), j), &e[j], "key %u after growth", j);
		}
		cr_assert_leq(hash_count(&t), hash_nbuckets(&t));
	}
	/* the bucket walk visits each entry exactly once */
	size_t walked = 0;

	for (size_t b = 0; b < hash_nbuckets(&t); b++)
		for (struct hash_node *n = hash_bucket_at(&t, b); n; n = n->next) {
			struct entry *x = container_of(n, struct entry, hnode);

			cr_assert(x->in_table, "visited twice: %u", x->key);
			x->in_table = false;
			walked++;
		}
	cr_assert_eq(walked, N);
	hash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
	free(e);
}

Test(hash, allocator_failure_during_growth_keeps_working)
{
	struct test_alloc ta;
	struct hash_table t;
	struct entry *e = calloc(NF, sizeof(*e));

	cr_assert_not_null(e);
	test_alloc_init(&ta);
	cr_assert_eq(hash_init(&t, &ta.a, 16), 0);
	ta.fail_after = 0; /* every allocation from now on fails */
	for (uint32_t i = 0; i < NF; i++) {
		e[i].key = i;
		e[i].in_table = true;
		hash_insert(&t, &e[i].hnode, spread_hash(i));
	}
	cr_assert_eq(hash_nbuckets(&t), 16, "grew without memory?");
	cr_assert_eq(hash_count(&t), NF);
	/* one attempt per count/8 inserts (about 60 here), not one per insert */
	cr_assert_leq(ta.failures, 70, "%zu failed allocations", ta.failures);
	cr_assert_geq(ta.failures, 1);
	check_all_n(&t, e, spread_hash, NF);
	for (uint32_t i = 0; i < NF; i += 2) {
		cr_assert(hash_remove(&t, &e[i].hnode));
		e[i].in_table = false;
	}
	check_all_n(&t, e, spread_hash, NF);
	/* memory comes back: the next growth point succeeds and everything stays findable */
	ta.fail_after = -1;
	for (uint32_t i = 0; i < NF; i += 2) {
		hash_insert(&t, &e[i].hnode, spread_hash(i));
		e[i].in_table = true;
	}
	cr_assert_geq(hash_nbuckets(&t), hash_count(&t), "load still above 1: %zu in %zu",
		      hash_count(&t), hash_nbuckets(&t));
	check_all_n(&t, e, spread_hash, NF);
	hash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
	free(e);
}

Test(hash, init_failure_and_bad_size)
{
	struct test_alloc ta;
	struct hash_table t;
	struct entry x = { .key = 1 };

	test_alloc_init(&ta);
	ta.fail_after = 0;
	cr_assert_eq(hash_init(&t, &ta.a, 8), -ENOMEM);
	hash_insert(&t, &x.hnode, 5); /* refused, not a crash */
	cr_assert_eq(hash_count(&t), 0);
	cr_assert_null(hash_bucket_first(&t, 5));
	cr_assert_not(hash_remove(&t, &x.hnode));
	hash_destroy(&t);
	ta.fail_after = -1;
	cr_assert_eq(hash_init(&t, &ta.a, ((size_t)1 << 30) + 1), -EINVAL);
	cr_assert_eq(hash_init(&t, &ta.a, 9), 0);
	cr_assert_eq(hash_nbuckets(&t), 16);
	hash_destroy(&t);
	cr_assert_eq(ta.live_bytes, 0);
}
