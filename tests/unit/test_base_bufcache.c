/*
 * test_base_bufcache.c — the free-list cache in front of the stack's allocator
 * (base/bufcache.h): power-of-two blocks, and the registered exact object sizes (the
 * engine's tcb and half-open entry pool): LIFO reuse without an allocator call, the
 * per-size bound, what passes through, the byte accounting, drain, no leaks; base_zalloc
 * of a reused object.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "base/bufcache.h"
#include "test_base_alloc.h"

#define OBJ 1400        /* not a power of two, like sizeof(struct tcb) */

/* c in front of ta, with OBJ registered after the sizes in first[0..n) */
static struct base_allocator cache_of(struct test_alloc *ta, struct base_bufcache *c,
				      const size_t *first, size_t n)
{
	test_alloc_init(ta);
	base_bufcache_init(c, &ta->a);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(base_bufcache_add_size(c, first[i]), 0);
	cr_assert_eq(base_bufcache_add_size(c, OBJ), 0);
	return base_bufcache_allocator(c);
}

Test(bufcache, exact_size_objects_reused_lifo_without_allocator_calls)
{
	struct test_alloc ta;
	struct base_bufcache c;
	struct base_allocator a;
	void *x, *y;

	test_alloc_init(&ta);
	base_bufcache_init(&c, &ta.a);
	cr_assert_eq(base_bufcache_add_size(&c, OBJ), 0);
	a = base_bufcache_allocator(&c);
	x = base_alloc(&a, OBJ);
	y = base_alloc(&a, OBJ);
	cr_assert_eq(ta.allocs, 2, "allocs %zu", ta.allocs);
	base_free(&a, x, OBJ);
	base_free(&a, y, OBJ);
	cr_assert_eq(ta.frees, 0, "freed objects stay in the cache (frees %zu)", ta.frees);
	cr_assert_eq(base_bufcache_held(&c), 2 * OBJ, "held %zu", base_bufcache_held(&c));
	cr_assert_eq(ta.live_bytes, 2 * OBJ);
	cr_assert_eq(base_alloc(&a, OBJ), y, "the most recently freed object comes back first");
	cr_assert_eq(base_alloc(&a, OBJ), x);
	cr_assert_eq(ta.allocs, 2, "no allocator call for a cached object (allocs %zu)", ta.allocs);
	cr_assert_eq(base_bufcache_held(&c), 0);
	cr_assert_eq(c.hits, 2);
	cr_assert_eq(c.misses, 2);
	base_free(&a, x, OBJ);
	base_free(&a, y, OBJ);
	base_bufcache_drain(&c);
	cr_assert_eq(base_bufcache_held(&c), 0);
	cr_assert_eq(ta.frees, 2);
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
}

Test(bufcache, exact_size_bound_then_pass_through)
{
	struct test_alloc ta;
	struct base_bufcache c;
	struct base_allocator a;
	void *p[BUFCACHE_OBJ_MAX + 3];
	size_t n = sizeof p / sizeof p[0];

	test_alloc_init(&ta);
	base_bufcache_init(&c, &ta.a);
	cr_assert_eq(base_bufcache_add_size(&c, OBJ), 0);
	a = base_bufcache_allocator(&c);
	for (size_t i = 0; i < n; i++)
		p[i] = base_alloc(&a, OBJ);
	for (size_t i = 0; i < n; i++)
		base_free(&a, p[i], OBJ);
	cr_assert_eq(ta.frees, 3, "beyond %d kept objects the rest go back (frees %zu)",
		     BUFCACHE_OBJ_MAX, ta.frees);
	cr_assert_eq(base_bufcache_held(&c), (size_t)BUFCACHE_OBJ_MAX * OBJ);
	/* another size passes straight through, in and out */
	p[0] = base_alloc(&a, OBJ + 8);
	cr_assert_eq(ta.allocs, n + 1);
	base_free(&a, p[0], OBJ + 8);
	cr_assert_eq(ta.frees, 4);
	base_bufcache_drain(&c);
	cr_assert_eq(ta.frees, n + 1);
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
}

/* base_bufcache_obj_alloc/_free (the engine's tcb, tcb.c): the same lists as the
 * allocator's path for that size, either way round; misses, the bound and a refusal go
 * to the backing allocator with the registered size */
Test(bufcache, direct_object_calls_share_the_allocators_lists)
{
	const size_t small = 64;
	struct test_alloc ta;
	struct base_bufcache c;
	struct base_allocator a = cache_of(&ta, &c, &small, 1);        /* OBJ in slot 1 */
	void *x, *p[BUFCACHE_OBJ_MAX + 2];
	size_t n = sizeof p / sizeof p[0];

	x = base_bufcache_obj_alloc(&c, 1);
	cr_assert_not_null(x);
	cr_assert_eq(ta.allocs, 1);
	cr_assert_eq(ta.live_bytes, OBJ, "the backing allocator asked for %zu", ta.live_bytes);
	base_bufcache_obj_free(&c, 1, x);
	cr_assert_eq(base_alloc(&a, OBJ), x, "freed directly, allocated through a");
	base_free(&a, x, OBJ);
	cr_assert_eq(base_bufcache_obj_alloc(&c, 1), x, "freed through a, allocated directly");
	cr_assert_eq(ta.allocs, 1, "allocs %zu", ta.allocs);
	cr_assert_eq(c.hits, 2);
	cr_assert_eq(c.misses, 1);
	p[0] = x;
	for (size_t i = 1; i < n; i++)
		p[i] = base_bufcache_obj_alloc(&c, 1);
	for (size_t i = 0; i < n; i++)
		base_bufcache_obj_free(&c, 1, p[i]);
	cr_assert_eq(ta.frees, 2, "beyond %d kept objects the rest go back (frees %zu)",
		     BUFCACHE_OBJ_MAX, ta.frees);
	cr_assert_eq(base_bufcache_held(&c), (size_t)BUFCACHE_OBJ_MAX * OBJ);
	base_bufcache_drain(&c);
	ta.fail_after = 0;
	cr_assert_null(base_bufcache_obj_alloc(&c, 1), "a refused allocation is NULL");
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
}

Test(bufcache, add_size_refusals)
{
	struct test_alloc ta;
	struct base_bufcache c;

	test_alloc_init(&ta);
	base_bufcache_init(&c, &ta.a);
	cr_assert_eq(base_bufcache_add_size(&c, sizeof(void *) - 1), -1, "smaller than a link");
	cr_assert_eq(base_bufcache_add_size(&c, 8192), -1, "a power-of-two class already");
	cr_assert_eq(base_bufcache_add_size(&c, OBJ), 0);
	cr_assert_eq(base_bufcache_add_size(&c, OBJ), -1, "registered twice");
	for (int i = 1; i < BUFCACHE_OBJ_SIZES; i++)
		cr_assert_eq(base_bufcache_add_size(&c, OBJ + (size_t)i * 16), 0);
	cr_assert_eq(base_bufcache_add_size(&c, 100), -1, "every slot taken");
	cr_assert_eq(ta.allocs, 0, "registering allocates nothing");
}

Test(bufcache, power_of_two_blocks_and_objects_counted_apart)
{
	struct test_alloc ta;
	struct base_bufcache c;
	struct base_allocator a;
	void *blk, *obj;

	test_alloc_init(&ta);
	base_bufcache_init(&c, &ta.a);
	cr_assert_eq(base_bufcache_add_size(&c, OBJ), 0);
	a = base_bufcache_allocator(&c);
	blk = base_alloc(&a, 4096);
	obj = base_alloc(&a, OBJ);
	base_free(&a, blk, 4096);
	base_free(&a, obj, OBJ);
	cr_assert_eq(base_bufcache_held(&c), 4096 + OBJ, "held %zu", base_bufcache_held(&c));
	cr_assert_eq(base_alloc(&a, 4096), blk);
	cr_assert_eq(base_alloc(&a, OBJ), obj);
	cr_assert_eq(ta.allocs, 2);
	base_free(&a, blk, 4096);
	base_free(&a, obj, OBJ);
	base_bufcache_drain(&c);
	cr_assert_eq(ta.live_bytes, 0, "leaked %zu bytes", ta.live_bytes);
}

/* base_zalloc over a reused (dirty) object: every byte zero (alloc.h base_zero, the
 * tcb's and the half-open entry's birth); base_zero of each length at each alignment
 * writes exactly [p, p + n) */
Test(bufcache, zalloc_of_a_reused_object_is_zero_and_base_zero_is_exact)
{
	struct test_alloc ta;
	struct base_bufcache c;
	struct base_allocator a;
	unsigned char *x, *y, buf[600];

	a = cache_of(&ta, &c, NULL, 0);
	x = base_alloc(&a, OBJ);
	cr_assert_not_null(x);
	memset(x, 0xa5, OBJ);
	base_free(&a, x, OBJ);
	y = base_zalloc(&a, OBJ);
	cr_assert_eq(y, x, "the cached object comes back");
	for (size_t i = 0; i < OBJ; i++)
		cr_assert_eq(y[i], 0, "byte %zu is %#x", i, y[i]);
	base_free(&a, y, OBJ);
	for (size_t off = 0; off < 32; off++) {
		for (size_t n = 0; n + off + 64 <= sizeof buf; n += 1 + n / 8) {
			memset(buf, 0x5a, sizeof buf);
			base_zero(buf + off, n);
			for (size_t i = 0; i < sizeof buf; i++)
				cr_assert_eq(buf[i], i >= off && i < off + n ? 0 : 0x5a,
					     "off %zu n %zu: byte %zu is %#x", off, n, i, buf[i]);
		}
	}
	base_bufcache_drain(&c);
	cr_assert_eq(ta.live_bytes, 0);
}
