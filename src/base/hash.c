/*
 * hash.c — intrusive chained hash table with power-of-two buckets, doubled (rehashed at
 * once) when the load passes 1. A failed doubling leaves the table as it was, working at
 * a higher load; the next attempt comes count/8 inserts later, so lasting allocator
 * failure costs O(log count) attempts, not one per insert, and once memory is back the
 * table doubles on each insert until the load is <= 1 again.
 */
#include <errno.h>

#include "base/hash.h"

#define HASH_MIN_BUCKETS 8
#define HASH_MAX_BUCKETS ((size_t)1 << 30)

static size_t round_up_pow2(size_t n)
{
	size_t p = HASH_MIN_BUCKETS;

	while (p < n)
		p <<= 1;
	return p;
}

int hash_init(struct hash_table *t, const struct base_allocator *a, size_t initial_buckets)
{
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
	t->retry_wait = 0;
	t->alloc = a;
	if (initial_buckets > HASH_MAX_BUCKETS)
		return -EINVAL;
	t->nbuckets = round_up_pow2(initial_buckets);
	t->buckets = base_zalloc(a, t->nbuckets * sizeof(*t->buckets));
	if (!t->buckets) {
		t->nbuckets = 0;
		return -ENOMEM;
	}
	return 0;
}

void hash_destroy(struct hash_table *t)
{
	if (t->buckets)
		base_free(t->alloc, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
	t->retry_wait = 0;
}

/* Doubles the bucket array and moves every node. Returns false, changing nothing, when
 * the allocation fails or the table is at its maximum size. */
static bool grow(struct hash_table *t)
{
	size_t n = t->nbuckets * 2, mask = n - 1;
	struct hash_node **nb;

	if (t->nbuckets >= HASH_MAX_BUCKETS)
		return false;
	nb = base_zalloc(t->alloc, n * sizeof(*nb));
	if (!nb)
		return false;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct hash_node *node = t->buckets[i];

		while (node) {
			struct hash_node *next = node->next;
			size_t b = node->hash & mask;

			node->next = nb[b];
			nb[b] = node;
			node = next;
		}
	}
	base_free(t->alloc, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = nb;
	t->nbuckets = n;
	return true;
}

/* hash_insert (hash.h) after an insert brought the load above 1 */
void hash_overloaded(struct hash_table *t)
{
	/* Load above 1. After a failed doubling, wait count/8 inserts before retrying, so
	 * lasting memory pressure costs O(log count) failed attempts. */
	if (t->retry_wait > 0) {
		t->retry_wait--;
		return;
	}
	if (!grow(t))
		t->retry_wait = t->count / 8;
}

bool hash_remove(struct hash_table *t, struct hash_node *node)
{
	struct hash_node **link;

	if (!t->buckets)
		return false;
	for (link = &t->buckets[node->hash & (t->nbuckets - 1)]; *link; link = &(*link)->next) {
		if (*link == node) {
			*link = node->next;
			node->next = NULL;
			t->count--;
			return true;
		}
	}
	return false;
}
