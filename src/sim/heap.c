/*
 * heap.c — the simulator's event queue: a binary min-heap of event indices ordered by
 * (delivery time, sequence number). The sequence number makes ties deterministic: two
 * events due at the same virtual time run in the order they were queued.
 * Push and pop are O(log n); the array is preallocated (one slot per event).
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

void sim_heap_push(struct sim_heap *h, uint32_t i)
{
	h->idx[h->len] = i;
	sift_up(h, h->len++);
}

uint32_t sim_heap_pop(struct sim_heap *h)
{
	uint32_t top = h->idx[0];

	h->idx[0] = h->idx[--h->len];
	if (h->len > 0)
		sift_down(h, 0);
	return top;
}

uint32_t sim_heap_peek(const struct sim_heap *h)
{
	return h->len ? h->idx[0] : UINT32_MAX;
}
