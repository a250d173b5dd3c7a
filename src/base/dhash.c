/*
 * dhash.c — dhash.h's initialisation and growth. The policy is hash.c's: doubled at once
 * when the load passes 1, a failed doubling retried count/8 inserts later.
 */
#include <errno.h>

#include "base/dhash.h"

#define DHASH_MIN_BUCKETS 8
#define DHASH_MAX_BUCKETS ((size_t)1 << 30)

int dhash_init(struct dhash_table *t, const struct base_allocator *a, size_t initial_buckets,
	       uint32_t (*hash_of)(const struct dhash_node *))
{
	size_t n = DHASH_MIN_BUCKETS;

	*t = (struct dhash_table){ .alloc = a, .hash_of = hash_of };
	if (initial_buckets > DHASH_MAX_BUCKETS)
		return -EINVAL;
	while (n < initial_buckets)
		n <<= 1;
	t->buckets = base_zalloc(a, n * sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nbuckets = n;
	return 0;
}

void dhash_destroy(struct dhash_table *t)
{
	if (t->buckets)
		base_free(t->alloc, t->buckets, t->nbuckets * sizeof(*t->buckets));
	*t = (struct dhash_table){ .alloc = t->alloc, .hash_of = t->hash_of };
}

/* Doubles the bucket array, relinking every node under hash_of; false (nothing changed)
 * when the allocation fails or the table is at its largest. */
static bool grow(struct dhash_table *t)
{
	size_t n = t->nbuckets * 2, mask = n - 1;
	struct dhash_node **nb = t->nbuckets < DHASH_MAX_BUCKETS ?
		base_zalloc(t->alloc, n * sizeof(*nb)) : NULL;

	if (!nb)
		return false;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct dhash_node *node = t->buckets[i];

		while (node) {
			struct dhash_node *next = node->next;
			struct dhash_node **head = &nb[t->hash_of(node) & mask];

			node->next = *head;
			node->pprev = head;
			if (*head)
				(*head)->pprev = &node->next;
			*head = node;
			node = next;
		}
	}
	base_free(t->alloc, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = nb;
	t->nbuckets = n;
	return true;
}

void dhash_overloaded(struct dhash_table *t)
{
	if (t->retry_wait > 0) {
		t->retry_wait--;
		return;
	}
	if (!grow(t))
		t->retry_wait = t->count / 8;
}
