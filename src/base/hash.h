/*
 * hash.h — intrusive chained hash table.
 *
 * Entries embed a struct hash_node; the caller computes the 32-bit hash (e.g. with
 * base_siphash24 over a 4-tuple) and compares keys itself: the table knows only hashes.
 * Lookup pattern:
 *
 *	for (n = hash_bucket_first(t, h); n; n = n->next)
 *		if (n->hash == h && key_equal(container_of(n, struct conn, hnode), key))
 *			...
 *
 * The bucket count is a power of two; the bucket of h is h & (nbuckets - 1). The table
 * doubles when an insert brings the load above 1 (count > nbuckets), rehashing every
 * entry AT ONCE (O(count), one allocation, during that hash_insert). If that allocation
 * fails the table keeps working at a higher load and tries again count/8 inserts
 * later; hash_insert itself never fails. Chains are singly linked: hash_remove is
 * O(chain length). Not thread-safe; no iteration order guarantees.
 */
#ifndef SYNACK_BASE_HASH_H
#define SYNACK_BASE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/list.h" /* container_of */

struct hash_node {
	struct hash_node *next; /* next in the same bucket (read it to walk a bucket) */
	uint32_t hash;          /* set by hash_insert */
	uint32_t spare;         /* never read or written by the table: 4 bytes for the
	                         * containing struct (padding on 64-bit otherwise) */
};

struct hash_table {
	struct hash_node **buckets;
	size_t nbuckets;     /* power of two */
	size_t count;
	size_t retry_wait;   /* inserts to wait before retrying a failed doubling */
	const struct base_allocator *alloc; /* borrowed for the table's lifetime */
};

/* Initialises t with at least initial_buckets buckets (rounded up to a power of two,
 * minimum 8), allocated from a (borrowed; must outlive t). Returns 0, -EINVAL when
 * initial_buckets is absurd (> 2^30), or -ENOMEM (t is then empty and needs no
 * hash_destroy, though calling it is harmless). */
int hash_init(struct hash_table *t, const struct base_allocator *a, size_t initial_buckets);

/* Frees the bucket array. Entries are the caller's; they are not touched. */
void hash_destroy(struct hash_table *t);

/* Links node (borrowed until removed; not already in t) under hash. Duplicates of a
 * key are allowed (the caller checks first if it wants uniqueness). May grow t. t must
 * have been initialised successfully (on a table whose hash_init failed it does
 * nothing). Inline (a connection's birth and death insert into three or four tables;
 * the call and the saved registers of the growth path were most of an insert's cost),
 * the growth out of line. */
void hash_overloaded(struct hash_table *t);

static inline void hash_insert(struct hash_table *t, struct hash_node *node, uint32_t hash)
{
	struct hash_node **head;

	if (!t->buckets) /* hash_init failed (a caller bug to go on): refuse, do not crash */
		return;
	node->hash = hash;
	head = &t->buckets[hash & (t->nbuckets - 1)];
	node->next = *head;
	*head = node;
	if (++t->count > t->nbuckets)
		hash_overloaded(t);
}

/* Unlinks node from t. Returns false (and changes nothing) if node is not in t. */
bool hash_remove(struct hash_table *t, struct hash_node *node);

/* First node of the bucket that hash maps to, or NULL; continue with node->next and
 * compare node->hash == hash before the key. */
static inline struct hash_node *hash_bucket_first(const struct hash_table *t, uint32_t hash)
{
	if (!t->buckets)
		return NULL;
	return t->buckets[hash & (t->nbuckets - 1)];
}

static inline size_t hash_count(const struct hash_table *t)
{
	return t->count;
}

/* Number of buckets, and the first node of bucket i (i < hash_nbuckets): together they
 * walk every entry (e.g. for a listing), as long as nothing is inserted meanwhile. */
static inline size_t hash_nbuckets(const struct hash_table *t)
{
	return t->buckets ? t->nbuckets : 0;
}

static inline struct hash_node *hash_bucket_at(const struct hash_table *t, size_t i)
{
	return t->buckets[i];
}

#endif /* SYNACK_BASE_HASH_H */
