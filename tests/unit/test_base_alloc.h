/*
 * test_base_alloc.h — a counting, failure-injecting struct base_allocator for the base
 * tests. Each block carries a hidden header with its size so that a free with the wrong
 * size (or of a pointer it did not hand out) fails the test.
 */
#ifndef SYNACK_TEST_BASE_ALLOC_H
#define SYNACK_TEST_BASE_ALLOC_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/alloc.h"

#define TEST_ALLOC_MAGIC 0x5eedf00dcafe1234ull

struct test_alloc {
	struct base_allocator a;
	long fail_after;     /* -1: never fail; n >= 0: n more successes, then all fail */
	size_t failures;     /* allocations refused */
	size_t allocs, frees;
	size_t live_bytes;
	size_t misalign;     /* hand out pointers this many bytes past 16-alignment */
};

struct test_alloc_hdr {
	uint64_t magic;
	size_t size;
	size_t misalign;
	uint64_t pad;
};

static void *test_alloc_alloc(void *ctx, size_t size)
{
	struct test_alloc *t = ctx;
	struct test_alloc_hdr *h;

	if (t->fail_after == 0) {
		t->failures++;
		return NULL;
	}
	if (t->fail_after > 0)
		t->fail_after--;
	h = malloc(sizeof(*h) + t->misalign + size);
	cr_assert_not_null(h);
	h->magic = TEST_ALLOC_MAGIC;
	h->size = size;
	h->misalign = t->misalign;
	t->allocs++;
	t->live_bytes += size;
	/* fill with garbage: nothing may rely on fresh memory being zero */
	memset((char *)(h + 1), 0xa5, t->misalign + size);
	return (char *)(h + 1) + t->misalign;
}

static void test_alloc_free(void *ctx, void *ptr, size_t size)
{
	struct test_alloc *t = ctx;
	struct test_alloc_hdr *h;
	size_t m;

	if (!ptr)
		return;
	/* misalign may have changed since; it is recorded per block, found by scanning */
	for (m = 0; m < 64; m++) {
		h = (struct test_alloc_hdr *)((char *)ptr - m) - 1;
		if (((uintptr_t)h & 7) == 0 && h->magic == TEST_ALLOC_MAGIC && h->misalign == m)
			break;
	}
	cr_assert_lt(m, 64, "free of a pointer the allocator never handed out");
	cr_assert_eq(h->size, size, "free with size %zu of a %zu-byte block", size, h->size);
	h->magic = 0;
	t->frees++;
	t->live_bytes -= size;
	free(h);
}

static inline void test_alloc_init(struct test_alloc *t)
{
	memset(t, 0, sizeof(*t));
	t->a.alloc = test_alloc_alloc;
	t->a.free = test_alloc_free;
	t->a.ctx = t;
	t->fail_after = -1;
}

#endif
