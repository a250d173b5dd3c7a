/*
 * dhash.h — intrusive chained hash table with doubly linked chains: O(1) removal.
 *
 * hash.h's chains are singly linked, so a removal walks its chain. That is fine where
 * keys spread (a 4-tuple under SipHash) and wrong where many entries share one key: every
 * socket bound to one local port (a listener's accepted connections) hashes alike, and
 * closing the oldest of N walked N nodes. Here each node knows the link that points at
 * it (next, pprev: Linux's hlist), so dhash_remove never walks.
 *
 * Nodes do not store their hash (16 bytes, as hash.h's node): the table asks the
 * hash_of function given at dhash_init when it doubles. Growth, and its failure, are as
 * hash.h says: doubled at once when the load passes 1; a failed doubling leaves the
 * table working at a higher load and is retried count/8 inserts later; dhash_insert never
 * fails. Not thread-safe; no iteration order guarantees.
 */
#ifndef SYNACK_BASE_DHASH_H
#define SYNACK_BASE_DHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/list.h" /* container_of */

struct dhash_node {
	struct dhash_node *next;   /* next in the same bucket (read it to walk a bucket) */
	struct dhash_node **pprev; /* the link pointing at this node; NULL while unlinked */
};

struct dhash_table {
	struct dhash_node **buckets;
	size_t nbuckets;     /* power of two */
	size_t count;
	size_t retry_wait;   /* inserts to wait before retrying a failed doubling */
	uint32_t (*hash_of)(const struct dhash_node *); /* a linked node's hash (growth) */
	const struct base_allocator *alloc; /* borrowed for the table's lifetime */
};

/* Initialises t with at least initial_buckets buckets (a power of two, minimum 8) from a
 * (borrowed; must outlive t); hash_of must give each node the hash it was inserted
 * under. Returns 0, -EINVAL (initial_buckets > 2^30) or -ENOMEM (t is then empty). */
int dhash_init(struct dhash_table *t, const struct base_allocator *a, size_t initial_buckets,
	       uint32_t (*hash_of)(const struct dhash_node *));

/* Frees the bucket array; the nodes are the caller's and are not touched. */
void dhash_destroy(struct dhash_table *t);

/* dhash_insert's growth, out of line */
void dhash_overloaded(struct dhash_table *t);

static inline bool dhash_linked(const struct dhash_node *node)
{
	return node->pprev != NULL;
}

/* Links node (unlinked, borrowed until removed) under hash, at the head of its bucket.
 * May grow t. On a table whose dhash_init failed it does nothing (node stays unlinked). */
static inline void dhash_insert(struct dhash_table *t, struct dhash_node *node, uint32_t hash)
{
	struct dhash_node **head;

	if (!t->buckets)
		return;
	head = &t->buckets[hash & (t->nbuckets - 1)];
	node->next = *head;
	node->pprev = head;
	if (*head)
		(*head)->pprev = &node->next;
	*head = node;
	if (++t->count > t->nbuckets)
		dhash_overloaded(t);
}

/* Unlinks node from t in O(1); an unlinked node is left as it is. */
static inline void dhash_remove(struct dhash_table *t, struct dhash_node *node)
{
	if (!node->pprev)
		return;
	*node->pprev = node->next;
	if (node->next)
		node->next->pprev = node->pprev;
	node->next = NULL;
	node->pprev = NULL;
	t->count--;
}

/* First node of hash's bucket, or NULL; continue with node->next, comparing keys. */
static inline struct dhash_node *dhash_bucket_first(const struct dhash_table *t, uint32_t hash)
{
	return t->buckets ? t->buckets[hash & (t->nbuckets - 1)] : NULL;
}

static inline size_t dhash_count(const struct dhash_table *t)
{
	return t->count;
}

static inline size_t dhash_nbuckets(const struct dhash_table *t)
{
	return t->buckets ? t->nbuckets : 0;
}

#endif /* SYNACK_BASE_DHASH_H */
