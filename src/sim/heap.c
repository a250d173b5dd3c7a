/*
 * heap.c — the simulator's event queue: a binary min-heap of event indices ordered by
 * (delivery time, sequence number). The sequence number makes ties deterministic: two
 * events due at the same virtual time run in the order they were queued.
 * Push and pop are O(log n); the array is preallocated (one slot per event).
 *
 * FIFO fast path (when h->fifo is set): most events are queued in time order (one link
 * direction delivers in order unless it reorders; a bulk transfer keeps thousands of
 * packets in flight). An event not before the FIFO's tail is appended to a ring instead
 * of the heap, O(1); pop and peek take the lesser of the ring's head and the heap's top.
 * Both stay sorted, so the order is exactly the heap-only order: (time, sequence).
 */
#include "sim/sim_internal.h"

static bool is_before(const struct sim_heap *h, uint32_t a, uint32_t b)
{
	const struct sim_event *x = &h->ev[a], *y = &h->ev[b];

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns;
	return x->seq < y->seq;
}

static void sift_up(struct sim_heap *h, uint32_t pos)
{
	uint32_t item = h->idx[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!is_before(h, item, h->idx[parent]))
			break;
		h->idx[pos] = h->idx[parent];
		pos = parent;
	}
	h->idx[pos] = item;
}

static void sift_down(struct sim_heap *h, uint32_t pos)
{
	uint32_t item = h->idx[pos];

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= h->len)
			break;
		if (child + 1 < h->len && is_before(h, h->idx[child + 1], h->idx[child]))
			child++;
		if (!is_before(h, h->idx[child], item))
			break;
		h->idx[pos] = h->idx[child];
		pos = child;
	}
	h->idx[pos] = item;
}

static uint32_t fifo_at(const struct sim_heap *h, uint32_t k)
{
	return h->fifo[(h->f_head + k) % h->cap];
}

void sim_heap_push(struct sim_heap *h, uint32_t i)
{
	if (h->fifo && (h->f_len == 0 || !is_before(h, i, fifo_at(h, h->f_len - 1)))) {
		h->fifo[(h->f_head + h->f_len) % h->cap] = i;
		h->f_len++;
		return;
	}
	h->idx[h->len] = i;
	sift_up(h, h->len++);
}

/* Whether the least event is the FIFO's head (rather than the heap's top). */
static bool fifo_first(const struct sim_heap *h)
{
	return h->f_len && (h->len == 0 || is_before(h, fifo_at(h, 0), h->idx[0]));
}

uint32_t sim_heap_pop(struct sim_heap *h)
{
	uint32_t top;

	if (fifo_first(h)) {
		top = fifo_at(h, 0);
		h->f_head = (h->f_head + 1) % h->cap;
		h->f_len--;
		return top;
	}
	top = h->idx[0];

	h->idx[0] = h->idx[--h->len];
	if (h->len > 0)
		sift_down(h, 0);
	return top;
}

uint32_t sim_heap_peek(const struct sim_heap *h)
{
	if (fifo_first(h))
		return fifo_at(h, 0);
	return h->len ? h->idx[0] : UINT32_MAX;
}
