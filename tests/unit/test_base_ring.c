/*
 * test_base_ring.c — the lazily allocated byte ring: no storage until ring_reserve,
 * wraparound writes/reads, peek at offsets, drop, growth with wrapped and out-of-order
 * contents, release only when empty, the inline storage (no allocation, moved out by
 * growth with every offset kept, never handed to the allocator), a seeded randomized test against a plain array
 * model of the bytes at each offset from head, and the short copies (ring_write_short,
 * ring_read_short) against the general code.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "base/ring.h"
#include "base/rng.h"
#include "test_base_alloc.h"

static void fill(uint8_t *p, uint32_t n, uint8_t start)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

Test(ring, lazy_storage_and_free_when_empty)
{
	struct test_alloc ta;
	struct ring r;
	uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8];

	test_alloc_init(&ta);
	ring_init(&r);
	cr_assert_eq(r.cap, 0);
	cr_assert_null(r.buf);
	cr_assert_eq(ring_space(&r), 0);
	cr_assert_eq(ring_write(&r, in, 8), 0, "no storage: nothing fits");
	cr_assert_eq(ring_read(&r, out, 8), 0);
	cr_assert_eq(ring_peek(&r, 0, out, 8), 0);
	cr_assert(ring_free(&r, &ta.a), "no storage counts as released");
	cr_assert_eq(ta.allocs, 0);

	cr_assert_eq(ring_reserve(&r, &ta.a, 100), 0);
	cr_assert_eq(r.cap, 128);
	cr_assert_eq(ta.live_bytes, 128);
	cr_assert_eq(ring_reserve(&r, &ta.a, 64), 0);
	cr_assert_eq(r.cap, 128, "never shrinks");
	cr_assert_eq(ta.allocs, 1);
	cr_assert_eq(ring_write(&r, in, 8), 8);
	cr_assert_not(ring_free(&r, &ta.a), "holds data: must not release");
	cr_assert_eq(r.cap, 128);
	cr_assert_eq(ring_read(&r, out, 8), 8);
	cr_assert_arr_eq(out, in, 8);
	cr_assert(ring_free(&r, &ta.a));
	cr_assert_eq(r.cap, 0);
	cr_assert_null(r.buf);
	cr_assert_eq(ta.live_bytes, 0);
}

Test(ring, wraparound_peek_drop)
{
	struct test_alloc ta;
	struct ring r;
	uint8_t a[100], b[80], out[128];

	test_alloc_init(&ta);
	ring_init(&r);
	cr_assert_eq(ring_reserve(&r, &ta.a, 128), 0);
	fill(a, 100, 0);
	fill(b, 80, 100);
	cr_assert_eq(ring_write(&r, a, 100), 100);
	cr_assert_eq(ring_read(&r, out, 60), 60);
	cr_assert_arr_eq(out, a, 60);
	cr_assert_eq(ring_write(&r, b, 80), 80, "wraps past the end of storage");
	cr_assert_eq(r.head, 60);
	cr_assert_eq(ring_len(&r), 120);
	cr_assert_eq(ring_space(&r), 8);
	cr_assert_eq(ring_write(&r, b, 80), 8, "only what fits");
	/* contents now: 60..99, 100..179, 100..107 */
	cr_assert_eq(ring_peek(&r, 30, out, 20), 20); /* straddles the a/b join and the wrap */
	for (uint32_t i = 0; i < 20; i++)
		cr_assert_eq(out[i], (uint8_t)(90 + i), "peek byte %u = %u", i, out[i]);
	cr_assert_eq(ring_len(&r), 128, "peek consumes nothing");
	cr_assert_eq(ring_peek(&r, 125, out, 10), 3, "peek is bounded by len");
	cr_assert_eq(out[0], 105);
	cr_assert_eq(out[2], 107);
	cr_assert_eq(ring_peek(&r, 128, out, 10), 0);
	cr_assert_eq(ring_drop(&r, 50), 50);
	cr_assert_eq(ring_read(&r, out, 5), 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(out[i], (uint8_t)(110 + i));
	cr_assert_eq(ring_drop(&r, 1000), 73, "drop is bounded by len");
	cr_assert_eq(ring_len(&r), 0);
	ring_destroy(&r, &ta.a);
	cr_assert_eq(ta.live_bytes, 0);
}

/* ring_pieces: the storage of a range as the two sides of the wrap point, for stored
 * bytes and for free space beyond len; clamped to cap - off. */
Test(ring, pieces_of_stored_and_free_ranges)
{
	struct test_alloc ta;
	struct ring r;
	struct ring_piece pc[2];
	uint8_t a[100], out[40];

	test_alloc_init(&ta);
	ring_init(&r);
	cr_assert_eq(ring_pieces(&r, 0, 10, pc), 0, "no storage");
	cr_assert_eq(pc[0].n + pc[1].n, 0);
	cr_assert_eq(ring_reserve(&r, &ta.a, 128), 0);
	fill(a, 100, 0);
	cr_assert_eq(ring_write(&r, a, 100), 100);
	cr_assert_eq(ring_drop(&r, 90), 90);            /* head 90, len 10 */
	cr_assert_eq(ring_pieces(&r, 2, 5, pc), 5, "inside, no wrap");
	cr_assert_eq(pc[0].p, r.buf + 92);
	cr_assert_eq(pc[0].n, 5);
	cr_assert_eq(pc[1].n, 0);
	cr_assert_eq(pc[0].p[0], 92);
	cr_assert_eq(ring_pieces(&r, 10, 40, pc), 40, "free space across the wrap");
	cr_assert_eq(pc[0].p, r.buf + 100);
	cr_assert_eq(pc[0].n, 28);
	cr_assert_eq(pc[1].p, r.buf);
	cr_assert_eq(pc[1].n, 12);
	for (uint32_t i = 0; i < 40; i++)
		*(i < 28 ? &pc[0].p[i] : &pc[1].p[i - 28]) = (uint8_t)(200 + i);
	cr_assert_eq(ring_commit(&r, 40), 40);
	cr_assert_eq(ring_pieces(&r, 0, 200, pc), 128, "clamped to cap - off");
	cr_assert_eq(pc[0].n, 38);
	cr_assert_eq(pc[1].n, 90);
	cr_assert_eq(ring_pieces(&r, 128, 1, pc), 0, "off at cap");
	cr_assert_null(pc[0].p);
	cr_assert_eq(ring_drop(&r, 10), 10);
	cr_assert_eq(ring_peek(&r, 0, out, 40), 40);
	for (uint32_t i = 0; i < 40; i++)
		cr_assert_eq(out[i], (uint8_t)(200 + i), "byte %u", i);
	ring_destroy(&r, &ta.a);
	cr_assert_eq(ta.live_bytes, 0);
}

Test(ring, grow_keeps_wrapped_and_out_of_order_bytes)
{
	struct test_alloc ta;
	struct ring r;
	uint8_t a[16], out[64];

	test_alloc_init(&ta);
	ring_init(&r);
	cr_assert_eq(ring_reserve(&r, &ta.a, 16), 0);
	fill(a, 16, 0);
	ring_write(&r, a, 12);
	ring_drop(&r, 10);             /* head = 10, len = 2 */
	ring_write(&r, a, 8);          /* wraps: len 10 */
	cr_assert_eq(ring_write_at(&r, 12, "XYZ", 3), 3); /* beyond len, wrapping */
	cr_assert_eq(ring_len(&r), 10);
	cr_assert_eq(ring_reserve(&r, &ta.a, 40), 0);
	cr_assert_eq(r.cap, 64);
	cr_assert_eq(ring_peek(&r, 0, out, 10), 10);
	cr_assert_eq(out[0], 10);
	cr_assert_eq(out[1], 11);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(out[2 + i], i);
	/* fill the gap at 10..11, then commit through the out-of-order bytes */
	cr_assert_eq(ring_write_at(&r, 10, "!?", 2), 2);
	cr_assert_eq(ring_commit(&r, 5), 5);
	cr_assert_eq(ring_peek(&r, 10, out, 10), 5);
	cr_assert_arr_eq(out, "!?XYZ", 5);
	cr_assert_eq(ring_write_at(&r, 64, "x", 1), 0, "offset beyond storage");
	cr_assert_eq(ring_write_at(&r, 60, "abcdefgh", 8), 4, "clipped at cap");
	cr_assert_eq(ring_commit(&r, 1000), 64 - 15, "commit bounded by space");
	ring_destroy(&r, &ta.a);
	cr_assert_eq(ta.live_bytes, 0);
}

Test(ring, inline_storage_moves_out_with_offsets_kept)
{
	struct test_alloc ta;
	struct ring r;
	uint8_t in[RING_SMALL_CAP], out[RING_SMALL_CAP];

	test_alloc_init(&ta);
	ring_init(&r);
	fill(in, RING_SMALL_CAP, 1);
	ring_take_small(&r);
	cr_assert(ring_is_small(&r));
	cr_assert_eq(ring_space(&r), RING_SMALL_CAP);
	/* wrapped: head at 10, 12 bytes stored, 2 more placed beyond len */
	cr_assert_eq(ring_write(&r, in, 10), 10);
	cr_assert_eq(ring_drop(&r, 10), 10);
	cr_assert_eq(ring_write(&r, in, 12), 12);
	cr_assert_eq(ring_write_at(&r, 13, in + 12, 2), 2);
	cr_assert_eq(ring_reserve(&r, &ta.a, RING_SMALL_CAP), 0, "already that large");
	cr_assert(ring_is_small(&r));
	cr_assert_eq(ta.allocs, 0);
	cr_assert_eq(ring_reserve(&r, &ta.a, 100), 0);
	cr_assert(!ring_is_small(&r));
	cr_assert_eq(r.cap, 128);
	cr_assert_eq(ta.allocs, 1);
	cr_assert_eq(ta.frees, 0, "the inline storage is not the allocator's");
	cr_assert_eq(ring_len(&r), 12);
	cr_assert_eq(ring_commit(&r, 3), 3);
	cr_assert_eq(ring_read(&r, out, 15), 15);
	cr_assert_arr_eq(out, in, 12);
	cr_assert_eq(out[13], in[12]);
	cr_assert_eq(out[14], in[13]);
	cr_assert(ring_free(&r, &ta.a));
	cr_assert_eq(ta.live_bytes, 0);
	/* given up when empty or destroyed: no storage, nothing freed */
	ring_take_small(&r);
	cr_assert_eq(ring_write(&r, in, 3), 3);
	cr_assert(!ring_free(&r, &ta.a));
	ring_destroy(&r, &ta.a);
	cr_assert_null(r.buf);
	cr_assert_eq(r.cap, 0);
	ring_take_small(&r);
	cr_assert(ring_free(&r, &ta.a));
	cr_assert_null(r.buf);
	cr_assert_eq(ta.allocs, 1);
	cr_assert_eq(ta.frees, 1);
}

Test(ring, reserve_errors)
{
	struct test_alloc ta;
	struct ring r;

	test_alloc_init(&ta);
	ring_init(&r);
	cr_assert_eq(ring_reserve(&r, &ta.a, RING_MAX_CAP + 1), -EINVAL);
	cr_assert_eq(ring_reserve(&r, &ta.a, 0), 0);
	cr_assert_eq(r.cap, 0);
	ta.fail_after = 0;
	cr_assert_eq(ring_reserve(&r, &ta.a, 10), -ENOMEM);
	cr_assert_eq(r.cap, 0);
	ta.fail_after = -1;
	cr_assert_eq(ring_reserve(&r, &ta.a, 10), 0);
	ring_write(&r, "abc", 3);
	ta.fail_after = 0;
	cr_assert_eq(ring_reserve(&r, &ta.a, 100), -ENOMEM);
	cr_assert_eq(r.cap, 16, "unchanged after a failed growth");
	uint8_t out[3];

	cr_assert_eq(ring_read(&r, out, 3), 3);
	cr_assert_arr_eq(out, "abc", 3);
	ring_destroy(&r, &ta.a);
	cr_assert_eq(ta.live_bytes, 0);
}

/* the storage is the smallest power of two holding cap, around every power up to 1 MiB */
Test(ring, reserve_rounds_up_to_a_power_of_two)
{
	struct test_alloc ta;

	test_alloc_init(&ta);
	for (uint32_t k = 0; k <= 20; k++) {
		uint32_t p = 1u << k;
		uint32_t caps[3] = { p - 1, p, p + 1 };

		for (int i = 0; i < 3; i++) {
			uint32_t cap = caps[i], want = 1;
			struct ring r;

			if (cap == 0)
				continue;
			while (want < cap)
				want <<= 1;
			ring_init(&r);
			cr_assert_eq(ring_reserve(&r, &ta.a, cap), 0, "cap %u", cap);
			cr_assert_eq(r.cap, want, "cap %u: storage %u, want %u", cap, r.cap, want);
			cr_assert_eq(ta.live_bytes, want);
			ring_destroy(&r, &ta.a);
		}
	}
	cr_assert_eq(ta.live_bytes, 0);
}

/* ---- randomized model: model[i] is the byte at offset i from head, -1 if unknown ---- */

#define MAXCAP 4096

Test(ring, randomized_against_array_model)
{
	static int16_t model[MAXCAP];
	struct test_alloc ta;
	struct ring r;
	struct rng g;
	uint32_t len = 0, cap = 0;
	uint8_t buf[MAXCAP + 16], out[MAXCAP + 16];

	test_alloc_init(&ta);
	ring_init(&r);
	rng_seed(&g, 2024);
	for (int i = 0; i < MAXCAP; i++)
		model[i] = -1;
	for (int step = 0; step < 100000; step++) {
		uint32_t what = rng_below(&g, 100), n = rng_below(&g, cap ? cap + 8 : 64);

		if (what < 3 && cap < MAXCAP) {
			uint32_t want = rng_below(&g, MAXCAP) + 1;

			cr_assert_eq(ring_reserve(&r, &ta.a, want), 0);
			while (cap < want)
				cap = cap ? cap * 2 : 1;
			cr_assert_eq(r.cap, cap);
		} else if (what < 35) {
			uint32_t fit = n < cap - len ? n : cap - len;

			for (uint32_t i = 0; i < n; i++)
				buf[i] = (uint8_t)rng_next(&g);
			cr_assert_eq(ring_write(&r, buf, n), fit);
			for (uint32_t i = 0; i < fit; i++)
				model[len + i] = buf[i];
			len += fit;
		} else if (what < 55) {
			uint32_t off = rng_below(&g, len + 4), got = ring_peek(&r, off, out, n);
			uint32_t want = off >= len ? 0 : (n < len - off ? n : len - off);

			cr_assert_eq(got, want, "peek(%u, %u) with len %u", off, n, len);
			for (uint32_t i = 0; i < got; i++)
				if (model[off + i] >= 0)
					cr_assert_eq(out[i], model[off + i], "step %d offset %u", step,
						     off + i);
		} else if (what < 80) {
			bool copy = rng_below(&g, 2);
			uint32_t k = n < len ? n : len;

			cr_assert_eq(copy ? ring_read(&r, out, n) : ring_drop(&r, n), k);
			for (uint32_t i = 0; copy && i < k; i++)
				if (model[i] >= 0)
					cr_assert_eq(out[i], model[i], "step %d read byte %u", step, i);
			memmove(model, model + k, (cap - k) * sizeof(model[0]));
			for (uint32_t i = cap - k; i < cap; i++)
				model[i] = -1; /* the storage dropped bytes now sit beyond the end */
			len -= k;
		} else if (what < 95 && cap) {
			uint32_t off = rng_below(&g, cap + 2), got;
			uint32_t want = off >= cap ? 0 : (n < cap - off ? n : cap - off);

			for (uint32_t i = 0; i < n; i++)
				buf[i] = (uint8_t)rng_next(&g);
			got = ring_write_at(&r, off, buf, n);
			cr_assert_eq(got, want);
			for (uint32_t i = 0; i < got; i++)
				model[off + i] = buf[i];
		} else {
			uint32_t k = n < cap - len ? n : cap - len;

			cr_assert_eq(ring_commit(&r, n), k);
			len += k;
		}
		cr_assert_eq(ring_len(&r), len);
		cr_assert_eq(ring_space(&r), cap - len);
		if (len == 0 && rng_below(&g, 50) == 0) {
			cr_assert(ring_free(&r, &ta.a));
			cr_assert_eq(ta.live_bytes, 0);
			cap = 0;
			for (int i = 0; i < MAXCAP; i++)
				model[i] = -1;
		}
	}
	ring_destroy(&r, &ta.a);
	cr_assert_eq(ta.live_bytes, 0);
}

/* ---- short copies (ring.h): ring_write_short and ring_read_short against the general code */

/* r with storage of cap bytes (the inline storage when cap is RING_SMALL_CAP), every
 * byte of it 0xAA, then head at `head` and len bytes from 100 queued from there. */
static void ring_at(struct ring *r, struct test_alloc *ta, uint32_t cap, uint32_t head,
		    uint32_t len)
{
	uint8_t in[64];

	ring_init(r);
	if (cap == RING_SMALL_CAP)
		ring_take_small(r);
	else
		cr_assert_eq(ring_reserve(r, &ta->a, cap), 0);
	memset(r->buf, 0xAA, cap);
	fill(in, head, 0);
	cr_assert_eq(ring_write(r, in, head), head);
	cr_assert_eq(ring_drop(r, head), head);
	fill(in, len, 100);
	cr_assert_eq(ring_write(r, in, len), len);
}

static void same_ring(const struct ring *a, const struct ring *b, uint32_t cap, const char *what)
{
	cr_assert_eq(a->len, b->len, "%s: len %u vs %u", what, a->len, b->len);
	cr_assert_eq(a->head, b->head, "%s: head %u vs %u", what, a->head, b->head);
	cr_assert_eq(memcmp(a->buf, b->buf, cap), 0, "%s: storage differs", what);
}

/*
 * Every head position and every fill of the inline storage and of a 32-byte one, every
 * count up to RING_SHORT: ring_write_short leaves what ring_write leaves (clamped to the
 * space, wrapping at the end), ring_read_short what ring_peek then ring_drop leave (the
 * general read: ring_read itself now takes ring_read_short for short counts), with the
 * same bytes out.
 */
Test(ring, short_copies_same_as_general)
{
	static const uint32_t caps[] = { RING_SMALL_CAP, 32 };
	struct test_alloc ta;
	uint8_t src[RING_SHORT], oa[RING_SHORT], ob[RING_SHORT];
	unsigned cases = 0;

	test_alloc_init(&ta);
	fill(src, RING_SHORT, 200);
	for (unsigned c = 0; c < 2; c++) {
		uint32_t cap = caps[c];

		for (uint32_t head = 0; head < cap; head++)
			for (uint32_t len = 0; len <= cap; len++)
				for (uint32_t n = 0; n <= RING_SHORT; n++) {
					struct ring a, b;
					uint32_t ka, kb;

					ring_at(&a, &ta, cap, head, len);
					ring_at(&b, &ta, cap, head, len);
					ka = ring_write_short(&a, src, n);
					kb = ring_write(&b, src, n);
					cr_assert_eq(ka, kb, "write %u at head %u len %u", n, head, len);
					same_ring(&a, &b, cap, "write");
					ring_destroy(&a, &ta.a);
					ring_destroy(&b, &ta.a);

					ring_at(&a, &ta, cap, head, len);
					ring_at(&b, &ta, cap, head, len);
					memset(oa, 0, sizeof oa);
					memset(ob, 0, sizeof ob);
					ka = ring_read_short(&a, oa, n);
					kb = ring_peek(&b, 0, ob, n);
					cr_assert_eq(ring_drop(&b, kb), kb);
					cr_assert_eq(ka, kb, "read %u at head %u len %u", n, head, len);
					cr_assert_eq(memcmp(oa, ob, sizeof oa), 0, "read bytes");
					same_ring(&a, &b, cap, "read");
					ring_destroy(&a, &ta.a);
					ring_destroy(&b, &ta.a);
					cases++;
				}
	}
	cr_assert_eq(cases, (RING_SHORT + 1) * (16 * 17 + 32 * 33));
	cr_assert_eq(ta.live_bytes, 0);
}
