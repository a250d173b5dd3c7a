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
 *
 * Runs (when h->run_next is set): an event pushed right after another that is still
 * queued, due at the same time (sequence numbers only grow), joins that event's run
 * instead of taking an entry (a burst of packets delivered at one instant: one entry,
 * not one each). Nothing else can fall between the events of a run in (time, sequence)
 * order: every other event due then was queued before the run or after it, and events
 * pushed later are due no earlier than the run (the clock has reached it when it is
 * popped). So once a run's first event is popped the rest of the run are the least
 * events, in order: pop and peek take them from h->front before the ring or the heap.
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

/* The ring position k places after the head (k < cap, f_head < cap): no division. */
static uint32_t ring_pos(const struct sim_heap *h, uint32_t k)
{
	uint32_t at = h->f_head + k;

	return at >= h->cap ? at - h->cap : at;
}

static uint32_t fifo_at(const struct sim_heap *h, uint32_t k)
{
	return h->fifo[ring_pos(h, k)];
}

/* Whether event i, pushed now, continues a run: the last event pushed is still queued
 * and due at the same time (i's sequence number is the greater: they only grow). */
static bool extends_run(const struct sim_heap *h, uint32_t i)
{
	const struct sim_event *t;

	if (!h->run_next || !h->tail)
		return false;
	t = &h->ev[h->tail - 1];
	return h->ev[i].t_ns == t->t_ns && h->ev[i].seq > t->seq;
}

void sim_heap_push(struct sim_heap *h, uint32_t i)
{
	if (h->run_next)
		h->run_next[i] = 0;
	if (extends_run(h, i)) {
		h->run_next[h->tail - 1] = i + 1;
		h->tail = i + 1;
		return;
	}
	h->tail = i + 1;
	if (h->fifo && (h->f_len == 0 || !is_before(h, i, fifo_at(h, h->f_len - 1)))) {
		h->fifo[ring_pos(h, h->f_len)] = i;
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

/* The least entry of the ring and the heap, removed. */
static uint32_t pop_entry(struct sim_heap *h)
{
	uint32_t top;

	if (fifo_first(h)) {
		top = fifo_at(h, 0);
		h->f_head = ring_pos(h, 1);
		h->f_len--;
		return top;
	}
	top = h->idx[0];
	h->idx[0] = h->idx[--h->len];
	if (h->len > 0)
		sift_down(h, 0);
	return top;
}

uint32_t sim_heap_pop(struct sim_heap *h)
{
	uint32_t top = h->front ? h->front - 1 : pop_entry(h);

	if (!h->run_next)
		return top;
	h->front = h->run_next[top];    /* the rest of its run comes next */
	if (h->tail == top + 1)
		h->tail = 0;            /* no longer queued: a new push starts a run */
	return top;
}

uint32_t sim_heap_peek(const struct sim_heap *h)
{
	if (h->front)
		return h->front - 1;
	if (fifo_first(h))
		return fifo_at(h, 0);
	return h->len ? h->idx[0] : UINT32_MAX;
}
