/*
 * test_base_pool.c — the fixed-size object pool: LIFO reuse, chunk growth with distinct
 * non-overlapping objects, 16-byte alignment over an allocator that aligns only to 8,
 * allocator failure returning NULL (and recovering), bad sizes, no leaks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "base/pool.h"
#include "test_base_alloc.h"

Test(pool, get_put_reuse_lifo)
{
	struct test_alloc ta;
	struct pool p;
	void *a, *b;

	test_alloc_init(&ta);
	cr_assert_eq(pool_init(&p, &ta.a, 40, 8), 0);
	cr_assert_eq(ta.allocs, 0, "pool_init must not allocate");
	a = pool_get(&p);
	b = pool_get(&p);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	cr_assert_eq(pool_in_use(&p), 2);
	pool_put(&p, a);
	cr_assert_eq(pool_in_use(&p), 1);
	cr_assert_eq(pool_get(&p), a, "the most recently released object comes back first");
	pool_put(&p, b);
	pool_put(&p, a);
	pool_put(&p, NULL); /* no-op */
	cr_assert_eq(pool_in_use(&p), 0);
	cr_assert_eq(pool_get(&p), a);
	cr_assert_eq(pool_get(&p), b);
	cr_assert_eq(ta.allocs, 1);
	pool_destroy(&p);
	cr_assert_eq(ta.live_bytes, 0);
}

Test(pool, chunk_growth_distinct_objects)
{
	enum { PER = 4, TOTAL = 10, SIZE = 24 };
	struct test_alloc ta;
	struct pool p;
	uint8_t *obj[TOTAL];

	test_alloc_init(&ta);
	cr_assert_eq(pool_init(&p, &ta.a, SIZE, PER), 0);
	for (int i = 0; i < TOTAL; i++) {
		obj[i] = pool_get(&p);
		cr_assert_not_null(obj[i]);
		memset(obj[i], i + 1, SIZE);
	}
	cr_assert_eq(ta.allocs, 3, "10 objects at 4 per chunk need 3 chunks, got %zu", ta.allocs);
	cr_assert_eq(p.nchunks, 3);
	for (int i = 0; i < TOTAL; i++)
		for (int k = 0; k < SIZE; k++)
			cr_assert_eq(obj[i][k], i + 1, "object %d byte %d overwritten", i, k);
	/* put all back, get 10 again: no new chunk */
	for (int i = 0; i < TOTAL; i++)
		pool_put(&p, obj[i]);
	for (int i = 0; i < TOTAL; i++)
		cr_assert_not_null(pool_get(&p));
	cr_assert_eq(ta.allocs, 3);
	cr_assert_eq(pool_in_use(&p), TOTAL);
	pool_destroy(&p);
	cr_assert_eq(ta.live_bytes, 0);
	cr_assert_eq(ta.frees, 3);
}

Test(pool, objects_aligned_to_16_whatever_the_allocator_alignment)
{
	const size_t sizes[] = { 1, 8, 13, 16, 17, 100 };
	struct test_alloc ta;

	test_alloc_init(&ta);
	/* blocks at 16k and at 16k + 8: the chunk header alone cannot align both */
	for (size_t k = 0; k < 2 * sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct pool p;
		uintptr_t prev = 0;

		ta.misalign = k % 2 ? 8 : 0;
		cr_assert_eq(pool_init(&p, &ta.a, sizes[k / 2], 5), 0);
		for (int i = 0; i < 12; i++) {
			void *o = pool_get(&p);

			cr_assert_not_null(o);
			cr_assert_eq((uintptr_t)o % POOL_ALIGN, 0, "size %zu object %d at %p",
				     sizes[k / 2], i, o);
			memset(o, 0xee, sizes[k / 2]); /* ASan: the whole object is inside the chunk */
			if (i % 5)
				cr_assert_geq((uintptr_t)o - prev, sizes[k / 2]);
			prev = (uintptr_t)o;
		}
		pool_destroy(&p);
	}
	cr_assert_eq(ta.live_bytes, 0);
}

Test(pool, allocator_failure_returns_null_and_recovers)
{
	struct test_alloc ta;
	struct pool p;
	void *o[3];

	test_alloc_init(&ta);
	cr_assert_eq(pool_init(&p, &ta.a, 32, 2), 0);
	ta.fail_after = 0;
	cr_assert_null(pool_get(&p));
	cr_assert_eq(pool_in_use(&p), 0);
	ta.fail_after = 1; /* one chunk, then nothing */
	o[0] = pool_get(&p);
	o[1] = pool_get(&p);
	cr_assert_not_null(o[0]);
	cr_assert_not_null(o[1]);
	cr_assert_null(pool_get(&p), "third object needs a second chunk, which fails");
	cr_assert_eq(pool_in_use(&p), 2);
	pool_put(&p, o[1]);
	o[2] = pool_get(&p); /* from the free list: no allocation needed */
	cr_assert_eq(o[2], o[1]);
	ta.fail_after = -1;
	cr_assert_not_null(pool_get(&p));
	cr_assert_eq(pool_in_use(&p), 3);
	pool_destroy(&p);
	cr_assert_eq(ta.live_bytes, 0);
}

Test(pool, bad_sizes)
{
	struct test_alloc ta;
	struct pool p;

	test_alloc_init(&ta);
	cr_assert_eq(pool_init(&p, &ta.a, 0, 8), -EINVAL);
	cr_assert_null(pool_get(&p), "a failed init must not hand out objects");
	cr_assert_eq(pool_init(&p, &ta.a, 8, 0), -EINVAL);
	cr_assert_eq(pool_init(&p, &ta.a, SIZE_MAX, 1), -EINVAL);
	cr_assert_eq(pool_init(&p, &ta.a, 1024, SIZE_MAX / 512), -EINVAL);
	cr_assert_eq(ta.allocs, 0);
}
