/*
 * alloc.h — the injected allocator. Nothing below src/io/ calls malloc/free: every
 * structure that needs memory takes a struct base_allocator from its owner (src/io/
 * provides the malloc-backed one; tests use counting or failing ones).
 *
 * Contract for implementations: alloc returns NULL on failure (never aborts), memory is
 * uninitialised and aligned at least as malloc's (16 on x86-64/aarch64 Linux; the pool
 * does not rely on it and aligns by itself). free receives the exact size that was
 * asked of alloc, so a size-class allocator needs no header. free(ctx, NULL, 0) is a
 * no-op.
 */
#ifndef SYNACK_BASE_ALLOC_H
#define SYNACK_BASE_ALLOC_H

#include <stddef.h>
#include <string.h>

struct base_allocator {
	void *(*alloc)(void *ctx, size_t size); /* NULL on failure; memory uninitialised */
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

/* n bytes from a, uninitialised; NULL on failure or when n == 0. */
static inline void *base_alloc(const struct base_allocator *a, size_t n)
{
	if (n == 0)
		return NULL;
	return a->alloc(a->ctx, n);
}

/*
 * Zeroes n bytes at p with the C library's memset, called out of line on purpose (alloc.c):
 * for a block of a size known at compile time in the hundreds of bytes (a tcb, a
 * half-open entry) GCC expands memset inline as `rep stosq`, whose start-up costs about
 * what the library's vector stores take for the whole block. Measured on this project's
 * VM (docs/PERFORMANCE.md, Session 16 (life)): a tcb's 1 528 bytes in ~18 ns and 104
 * instructions through the library, ~35 ns and 201 instructions (callgrind counts each
 * `rep` iteration) inline. Small or variable sizes gain nothing: use memset there.
 */
void base_zero(void *p, size_t n);

/* n zeroed bytes from a; NULL on failure or when n == 0. */
static inline void *base_zalloc(const struct base_allocator *a, size_t n)
{
	void *p = base_alloc(a, n);

	if (p)
		base_zero(p, n);
	return p;
}

/* Returns p (n bytes, as allocated by base_alloc/base_zalloc on a) to a. p may be NULL. */
static inline void base_free(const struct base_allocator *a, void *p, size_t n)
{
	if (p)
		a->free(a->ctx, p, n);
}

#endif /* SYNACK_BASE_ALLOC_H */
