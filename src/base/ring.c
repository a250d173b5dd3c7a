/*
 * ring.c — byte ring buffer with lazily allocated power-of-two storage (or its own
 * RING_SMALL_CAP inline bytes, ring.h). Every copy is one memcpy call, two when the
 * bytes wrap at the end of the storage; a read of at most RING_SHORT bytes is
 * ring_read_short's byte loop (ring.h).
 */
#include <errno.h>

#include "base/ring.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Copies n bytes from src into the ring's storage starting at physical index at
 * (wrapping). n <= cap. */
static void copy_in(struct ring *r, uint32_t at, const uint8_t *src, uint32_t n)
{
	uint32_t first = min_u32(n, r->cap - at);

	memcpy(r->buf + at, src, first);
	if (n > first)
		memcpy(r->buf, src + first, n - first);
}

/* Copies n bytes out of the storage starting at physical index at (wrapping). */
static void copy_out(const struct ring *r, uint32_t at, uint8_t *dst, uint32_t n)
{
	uint32_t first = min_u32(n, r->cap - at);

	memcpy(dst, r->buf + at, first);
	if (n > first)
		memcpy(dst + first, r->buf, n - first);
}

int ring_reserve(struct ring *r, const struct base_allocator *a, uint32_t cap)
{
	uint32_t newcap;
	uint8_t *nb;

	if (cap > RING_MAX_CAP)
		return -EINVAL;
	if (cap == 0 || cap <= r->cap)
		return 0;
	/* the smallest power of two >= cap (cap <= RING_MAX_CAP = 2^30: no overflow) */
	newcap = cap == 1 ? 1 : 1u << (32 - __builtin_clz(cap - 1));
	nb = base_alloc(a, newcap);
	if (!nb)
		return -ENOMEM;
	if (r->buf) {
		/* all of the old storage, linearised from head: the len bytes and anything
		 * placed beyond them by ring_write_at keep their offsets */
		copy_out(r, r->head, nb, r->cap);
		if (!ring_is_small(r))
			base_free(a, r->buf, r->cap);
	}
	r->buf = nb;
	r->cap = newcap;
	r->head = 0;
	return 0;
}

uint32_t ring_write(struct ring *r, const void *src, uint32_t n)
{
	n = min_u32(n, ring_space(r));
	if (n)
		copy_in(r, (r->head + r->len) & (r->cap - 1), src, n);
	r->len += n;
	return n;
}

uint32_t ring_peek(const struct ring *r, uint32_t off, void *dst, uint32_t n)
{
	if (off >= r->len)
		return 0;
	n = min_u32(n, r->len - off);
	if (n)
		copy_out(r, (r->head + off) & (r->cap - 1), dst, n);
	return n;
}

uint32_t ring_drop(struct ring *r, uint32_t n)
{
	n = min_u32(n, r->len);
	if (r->cap)
		r->head = (r->head + n) & (r->cap - 1);
	/* head is not reset when the ring empties: bytes placed beyond len by
	 * ring_write_at stay at their offsets. */
	r->len -= n;
	return n;
}

uint32_t ring_read(struct ring *r, void *dst, uint32_t n)
{
	if (n <= RING_SHORT)
		return ring_read_short(r, dst, n);      /* a few bytes: no memcpy call */
	n = ring_peek(r, 0, dst, n);
	return ring_drop(r, n);
}

uint32_t ring_write_at(struct ring *r, uint32_t off, const void *src, uint32_t n)
{
	if (off >= r->cap)
		return 0;
	n = min_u32(n, r->cap - off);
	if (n)
		copy_in(r, (r->head + off) & (r->cap - 1), src, n);
	return n;
}

uint32_t ring_pieces(const struct ring *r, uint32_t off, uint32_t n, struct ring_piece pc[2])
{
	uint32_t at;

	pc[0] = pc[1] = (struct ring_piece){NULL, 0};
	if (off >= r->cap)
		return 0;
	n = min_u32(n, r->cap - off);
	at = (r->head + off) & (r->cap - 1);
	pc[0] = (struct ring_piece){r->buf + at, min_u32(n, r->cap - at)};
	if (pc[0].n < n)
		pc[1] = (struct ring_piece){r->buf, n - pc[0].n};
	return n;
}

uint32_t ring_commit(struct ring *r, uint32_t n)
{
	n = min_u32(n, ring_space(r));
	r->len += n;
	return n;
}
