/*
 * plain_alloc.h — the struct synack_env allocator of tests that do not count bytes:
 * malloc and free, the context unused. Tests that count (harness.h's h_alloc,
 * test_base_alloc.h) keep their own.
 */
#ifndef SYNACK_TESTS_PLAIN_ALLOC_H
#define SYNACK_TESTS_PLAIN_ALLOC_H

#include <stdlib.h>

/* malloc(n); ctx unused. */
static inline void *plain_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

/* free(p); ctx and n unused. */
static inline void plain_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	free(p);
}

#endif
