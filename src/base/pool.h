/*
 * pool.h — fixed-size object pool (control blocks, TIME_WAIT records, SYN-queue entries).
 *
 * Objects come from chunks of objs_per_chunk objects, allocated from the injected
 * allocator only when the free list is empty; freed objects go back on a LIFO free list
 * (the most recently released, cache-warm object is reused first). Chunks are released
 * only by pool_destroy. Every object is aligned to POOL_ALIGN (16) whatever the
 * allocator's alignment. Object memory is not zeroed by pool_get.
 */
#ifndef SYNACK_BASE_POOL_H
#define SYNACK_BASE_POOL_H

#include <stddef.h>

#include "base/alloc.h"

#define POOL_ALIGN 16

struct pool_free {
	struct pool_free *next;
};

struct pool {
	const struct base_allocator *alloc; /* borrowed for the pool's lifetime */
	size_t obj_size;        /* rounded up to POOL_ALIGN */
	size_t objs_per_chunk;
	size_t chunk_bytes;     /* what each chunk asks of the allocator */
	void *chunks;           /* singly linked through each chunk's first word */
	struct pool_free *free_list;
	size_t in_use;          /* objects handed out and not yet put back */
	size_t nchunks;
};

/* Initialises p for objects of obj_size bytes (> 0), objs_per_chunk (> 0) at a time,
 * memory from a (borrowed; must outlive p). Allocates nothing yet. Returns 0 or -EINVAL
 * (a size is 0 or a chunk would overflow size_t). */
int pool_init(struct pool *p, const struct base_allocator *a, size_t obj_size,
	      size_t objs_per_chunk);

/* pool_get's slow part, out of line: threads a new chunk onto the empty free list. 0 or
 * -ENOMEM (or -EINVAL for a pool whose pool_init failed). Not for other callers. */
int pool_add_chunk(struct pool *p);

/* An object of obj_size bytes (uninitialised, 16-aligned), or NULL when the free list is
 * empty and the allocator fails. O(1). Inline (a TIME-WAIT record's birth and death),
 * the chunk allocation out of line. */
static inline void *pool_get(struct pool *p)
{
	struct pool_free *f;

	if (!p->free_list && pool_add_chunk(p) != 0)
		return NULL;
	f = p->free_list;
	p->free_list = f->next;
	p->in_use++;
	return f;
}

/* Returns obj (from pool_get on this p; may be NULL, then a no-op) to the pool. O(1). */
static inline void pool_put(struct pool *p, void *obj)
{
	struct pool_free *f = obj;

	if (!f)
		return;
	f->next = p->free_list;
	p->free_list = f;
	p->in_use--;
}

/* Releases every chunk. Objects still in use become invalid. p may be re-initialised. */
void pool_destroy(struct pool *p);

static inline size_t pool_in_use(const struct pool *p)
{
	return p->in_use;
}

#endif /* SYNACK_BASE_POOL_H */
