/*
 * bufcache.h — a small free-list cache in front of an allocator, for the engine's large
 * power-of-two blocks (the lazily allocated send and receive rings, base/ring.h).
 *
 * A connection's rings are allocated when data arrives or is sent and handed back as
 * soon as they are empty (DESIGN.md: idle connections small), so a short connection
 * allocates and frees them once each. This cache keeps a few freed blocks of each
 * power-of-two size from 4 KiB to 256 KiB on a LIFO list and hands them out again, so
 * that pattern costs no allocator call. Everything else (other sizes) passes straight
 * through to the backing allocator.
 *
 * Bounds: per size class at most BUFCACHE_CLASS_BYTES worth of blocks (at least one,
 * at most BUFCACHE_MAX_PER_CLASS), so the cache never holds more than about 0.75 MiB
 * (one 256 KiB, one 128 KiB, two 64 KiB, four of each smaller class). Cached blocks
 * stay allocated from the backing allocator until base_bufcache_drain.
 *
 * Object sizes: besides the power-of-two classes, up to BUFCACHE_OBJ_SIZES exact sizes
 * registered with base_bufcache_add_size (the engine's control blocks and half-open
 * entries, which every connection allocates and frees once) keep at most
 * BUFCACHE_OBJ_MAX freed objects each on their own LIFO list: a tcb pool without a
 * second allocator, bounded (about 22 KiB of 1.4 KiB control blocks), and handed back
 * like the blocks by base_bufcache_drain. base_bufcache_held counts them too, so
 * "bytes in use" is the backing allocator's live bytes less base_bufcache_held.
 *
 * Use: base_bufcache_init(&c, &backing); struct base_allocator a =
 * base_bufcache_allocator(&c); allocate and free through a (same sizes in and out,
 * as alloc.h requires); base_bufcache_drain(&c) before dropping c. Not thread-safe.
 */
#ifndef SYNACK_BASE_BUFCACHE_H
#define SYNACK_BASE_BUFCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"

#define BUFCACHE_MIN_SHIFT 12                      /* 4 KiB */
#define BUFCACHE_MAX_SHIFT 18                      /* 256 KiB */
#define BUFCACHE_CLASSES (BUFCACHE_MAX_SHIFT - BUFCACHE_MIN_SHIFT + 1)
#define BUFCACHE_CLASS_BYTES ((size_t)128 * 1024)
#define BUFCACHE_MAX_PER_CLASS 4
#define BUFCACHE_OBJ_SIZES 2                       /* exact sizes (tcb, half-open entry) */
#define BUFCACHE_OBJ_MAX 16                        /* freed objects kept per exact size */

struct base_bufcache {
	struct base_allocator backing;          /* copied at init */
	void *head[BUFCACHE_CLASSES];           /* free blocks, linked through word 0 */
	uint8_t count[BUFCACHE_CLASSES];
	size_t obj_size[BUFCACHE_OBJ_SIZES];    /* registered exact sizes (0 = unused) */
	void *obj_head[BUFCACHE_OBJ_SIZES];     /* free objects, linked through word 0 */
	uint8_t obj_count[BUFCACHE_OBJ_SIZES];
	uint64_t hits, misses;                  /* statistics: allocations served / not */
};

/* An empty cache in front of backing (copied). */
void base_bufcache_init(struct base_bufcache *c, const struct base_allocator *backing);

/* The allocator that goes through c (its ctx is c: c must outlive its use). */
struct base_allocator base_bufcache_allocator(struct base_bufcache *c);

/* Registers an exact object size (at least a pointer's size) whose freed objects c keeps
 * (up to BUFCACHE_OBJ_MAX). Returns 0, or -1 when size is too small, already cached (a
 * power-of-two class or registered before) or every slot is taken: then objects of
 * that size simply pass through. */
int base_bufcache_add_size(struct base_bufcache *c, size_t size);

/*
 * Allocating and freeing an object of the exact size registered in slot (0 for the
 * first base_bufcache_add_size that succeeded, 1 for the second): what c's allocator
 * does for that size, called directly: no indirect call, no search for the size's slot.
 * The engine's tcb (tcb.c, slot 0) and half-open entry (synq.c, slot 1). NULL when the
 * backing allocator fails.
 */
static inline void *base_bufcache_obj_alloc(struct base_bufcache *c, int slot)
{
	void **b = c->obj_head[slot];

	if (!b) {
		c->misses++;
		return c->backing.alloc(c->backing.ctx, c->obj_size[slot]);
	}
	c->obj_head[slot] = *b;         /* free objects are linked through word 0 */
	c->obj_count[slot]--;
	c->hits++;
	return b;
}

static inline void base_bufcache_obj_free(struct base_bufcache *c, int slot, void *p)
{
	if (c->obj_count[slot] >= BUFCACHE_OBJ_MAX) {
		c->backing.free(c->backing.ctx, p, c->obj_size[slot]);
		return;
	}
	*(void **)p = c->obj_head[slot];
	c->obj_head[slot] = p;
	c->obj_count[slot]++;
}

/* Hands every cached block back to the backing allocator. c stays usable. */
void base_bufcache_drain(struct base_bufcache *c);

/* Bytes held in the cache (allocated from the backing allocator, not in use): blocks
 * and objects of the registered sizes. */
size_t base_bufcache_held(const struct base_bufcache *c);

#endif /* SYNACK_BASE_BUFCACHE_H */
