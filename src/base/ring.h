/*
 * ring.h — byte ring buffer with lazily allocated storage (send and receive buffers).
 *
 * An idle connection has cap == 0 and no storage; ring_reserve allocates (or grows)
 * it, ring_free hands it back once the ring is empty. A ring also carries
 * RING_SMALL_CAP bytes of inline storage that ring_take_small puts in use without an
 * allocation (a few bytes sent or received: a connection that exchanges a short message
 * allocates nothing for it); ring_reserve moves the bytes out of it when they outgrow
 * it, keeping every offset, and ring_free/ring_destroy leave the ring with no storage.
 * A ring whose inline storage is in use points into itself: it must not be copied or
 * moved (the tcb that holds it never is). cap is a power of two so offsets
 * wrap with a mask. Bytes live at buf[(head + i) & (cap - 1)] for i < len. Offsets in
 * this API are relative to head (the oldest byte): ring_peek(off) is how the sender
 * reads bytes snd_una+off for retransmission without consuming them; ring_drop
 * consumes them when acknowledged. Nothing here allocates except ring_reserve.
 */
#ifndef SYNACK_BASE_RING_H
#define SYNACK_BASE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"

#define RING_MAX_CAP (1u << 30)
#define RING_SMALL_CAP 16u     /* inline storage: a power of two */

struct ring {
	uint8_t *buf;  /* NULL when cap == 0; small while the inline storage is in use */
	uint32_t cap;  /* 0 or a power of two <= RING_MAX_CAP */
	uint32_t head; /* index of the oldest byte */
	uint32_t len;  /* bytes stored */
	uint8_t small[RING_SMALL_CAP];  /* inline storage (cap RING_SMALL_CAP) */
};

/* An empty ring with no storage (same as zeroing it). */
static inline void ring_init(struct ring *r)
{
	r->buf = NULL;
	r->cap = 0;
	r->head = 0;
	r->len = 0;
}

/* Whether the ring's bytes live in its inline storage. */
static inline bool ring_is_small(const struct ring *r)
{
	return r->buf == r->small;
}

/* Puts the inline storage in use (cap RING_SMALL_CAP) for a ring with no storage (cap
 * == 0, so empty); no allocation, cannot fail. */
static inline void ring_take_small(struct ring *r)
{
	r->buf = r->small;
	r->cap = RING_SMALL_CAP;
	r->head = 0;
}

static inline uint32_t ring_len(const struct ring *r)
{
	return r->len;
}

/* Bytes that ring_write can still accept (0 when there is no storage). */
static inline uint32_t ring_space(const struct ring *r)
{
	return r->cap - r->len;
}

/* Makes the capacity at least cap (rounded up to a power of two), allocating from a
 * (the same allocator must be passed to every call on this ring). Growing keeps the
 * contents at their offsets from head, including bytes placed beyond len by
 * ring_write_at (head becomes 0 in the new storage), and moves them out of the inline
 * storage when that was in use. Never shrinks. Returns 0,
 * -EINVAL when cap > RING_MAX_CAP, or -ENOMEM (the ring is then unchanged). cap == 0 is
 * a no-op returning 0. */
int ring_reserve(struct ring *r, const struct base_allocator *a, uint32_t cap);

/* Appends up to n bytes from src (borrowed for the call); returns how many fit. */
uint32_t ring_write(struct ring *r, const void *src, uint32_t n);

/* Copies up to n bytes starting off bytes after head into dst without consuming them;
 * returns the count copied (0 when off >= len). */
uint32_t ring_peek(const struct ring *r, uint32_t off, void *dst, uint32_t n);

/* Copies up to n bytes from the head into dst and consumes them; returns the count. */
uint32_t ring_read(struct ring *r, void *dst, uint32_t n);

/* ring_write and ring_read for a few bytes (a short request or response, at most
 * RING_SHORT bytes asked for): the same result by a byte loop, the index masked at each
 * byte (the wrap included), instead of libc's memcpy call (and, for a write, ring.c's
 * call): user.c's SEND takes ring_write_short, ring_read takes ring_read_short. Bench
 * lifecycle makes two one-byte sends and two one-byte reads per lifecycle; test_base_ring
 * compares both with the general code at every head position and fill. */
#define RING_SHORT 8u

/* ring_write for n <= RING_SHORT bytes. */
static inline uint32_t ring_write_short(struct ring *r, const uint8_t *src, uint32_t n)
{
	uint32_t at = r->head + r->len;

	if (n > ring_space(r))
		n = ring_space(r);
	for (uint32_t i = 0; i < n; i++)
		r->buf[(at + i) & (r->cap - 1)] = src[i];
	r->len += n;
	return n;
}

/* ring_read for n <= RING_SHORT bytes asked for. */
static inline uint32_t ring_read_short(struct ring *r, uint8_t *dst, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = r->buf[(r->head + i) & (r->cap - 1)];
	if (r->cap)     /* as ring_drop: with no storage there is no head to move */
		r->head = (r->head + n) & (r->cap - 1);
	r->len -= n;
	return n;
}

/* Consumes up to n bytes without copying (e.g. acknowledged data); returns the count. */
uint32_t ring_drop(struct ring *r, uint32_t n);

/* Writes up to n bytes from src at offset off from head, which may lie beyond len
 * (out-of-order data placed in free space); len does not change. Returns the count
 * written: min(n, cap - off), 0 when off >= cap. Bytes below len are overwritten. */
uint32_t ring_write_at(struct ring *r, uint32_t off, const void *src, uint32_t n);

/* A contiguous stretch of a ring's storage. */
struct ring_piece {
	uint8_t *p;
	uint32_t n;
};

/* The storage of the bytes at offsets [off, off + n) from head, as at most two
 * contiguous pieces (before and after the wrap point; pc[1].n is 0 when one is enough),
 * so a caller can copy them its own way (with a checksum, say): stored bytes to read
 * (off + n <= len) or free space to fill in place (off >= len, then ring_commit). n is
 * clamped to cap - off (0 when off >= cap); returns pc[0].n + pc[1].n. The pointers
 * stay valid until the ring is reserved, freed or destroyed. */
uint32_t ring_pieces(const struct ring *r, uint32_t off, uint32_t n, struct ring_piece pc[2]);

/* Extends len by up to n bytes (already placed with ring_write_at); returns the count. */
uint32_t ring_commit(struct ring *r, uint32_t n);

/* Releases the storage unconditionally, discarding any data (connection teardown). */
static inline void ring_destroy(struct ring *r, const struct base_allocator *a)
{
	if (r->buf && !ring_is_small(r))
		base_free(a, r->buf, r->cap);
	ring_init(r);
}

/* Releases the storage if the ring is empty (cap becomes 0; inline storage is only
 * given up). Returns true when the ring has no storage afterwards, false when it still
 * holds data (nothing changed). */
static inline bool ring_free(struct ring *r, const struct base_allocator *a)
{
	if (r->len)
		return false;
	ring_destroy(r, a);
	return true;
}

#endif /* SYNACK_BASE_RING_H */
