/*
 * timer.c — hierarchical timing wheel (Varghese and Lauck, "Hashed and Hierarchical
 * Timing Wheels", SOSP 1987, scheme 7) on absolute nanosecond deadlines.
 *
 * Invariants (cur = w->tick, g(x, L) = bits [6L, 6L+6) of x, "above L" = bits >= 6L+6):
 *  - a node in slots[L][s] has tick t = max(deadline_ns / TIMER_TICK_NS, cur at arm time)
 *    with t above L == cur above L and g(t, L) == s; for L > 0, s > g(cur, L);
 *    for L == 0, s >= g(cur, 0). So level L-1 nodes are all earlier than level L nodes.
 *  - occupied[L] bit s is set iff slots[L][s] is non-empty.
 *  - the due list holds nodes with deadline_ns <= now_ns, sorted by deadline.
 *  - a node in the wheel with deadline_ns <= now_ns exists only if past_armed is set.
 *  - the pending list holds armed nodes not placed yet, in the order of their last arm;
 *    it is empty whenever the wheel is read or advanced (place_pending runs first).
 * Advancing from tick a to tick b (collect): at each level, if a and b differ above L
 * every node there is earlier than b: all due. Otherwise slots below g(b, L) are due,
 * slot g(b, L) (L > 0) straddles b and is cascaded (its nodes re-placed relative to b),
 * later slots stay valid. Finally the level-0 slot of tick b is scanned for deadlines
 * <= now. Due nodes are merge-sorted by deadline and merged into the due list.
 */
#include <string.h>

#include "base/timer.h"

#define SLOT_MASK ((uint64_t)TIMER_SLOTS - 1)

static unsigned level_shift(unsigned level)
{
	return level * TIMER_SLOT_BITS;
}

static struct timer_node *node_of(struct list_node *l)
{
	return container_of(l, struct timer_node, link);
}

static const struct timer_node *cnode_of(const struct list_node *l)
{
	return (const struct timer_node *)(const void *)((const char *)l -
							  offsetof(struct timer_node, link));
}

/* The level at which tick t is kept when the current tick is cur (t >= cur): that of
 * the highest 6-bit group in which they differ. */
static unsigned level_for(uint64_t t, uint64_t cur)
{
	uint64_t diff = t ^ cur;

	if (diff == 0)
		return 0;
	return (unsigned)(63 - __builtin_clzll(diff)) / TIMER_SLOT_BITS;
}

static void place(struct timer_wheel *w, struct timer_node *n)
{
	uint64_t t = n->deadline_ns / TIMER_TICK_NS;
	unsigned level, slot;

	if (t < w->tick)
		t = w->tick; /* in the past: due at the current tick */
	level = level_for(t, w->tick);
	slot = (unsigned)((t >> level_shift(level)) & SLOT_MASK);
	list_push_back(&w->slots[level][slot], &n->link);
	w->occupied[level] |= 1ull << slot;
	n->where = TIMER_IN_WHEEL;
	n->level = (uint8_t)level;
	n->slot = (uint8_t)slot;
}

static void unlink_node(struct timer_wheel *w, struct timer_node *n)
{
	list_remove(&n->link);
	if (n->where == TIMER_IN_WHEEL && list_empty(&w->slots[n->level][n->slot]))
		w->occupied[n->level] &= ~(1ull << n->slot);
	n->where = TIMER_IDLE;
}

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	for (unsigned l = 0; l < TIMER_LEVELS; l++)
		for (unsigned s = 0; s < TIMER_SLOTS; s++)
			list_init(&w->slots[l][s]);
	list_init(&w->due);
	list_init(&w->pending);
	w->now_ns = now_ns;
	w->tick = now_ns / TIMER_TICK_NS;
}

void timer_arm(struct timer_wheel *w, struct timer_node *n, uint64_t deadline_ns)
{
	if (n->where == TIMER_IDLE)
		w->count++;
	else
		unlink_node(w, n);
	n->deadline_ns = deadline_ns;
	list_push_back(&w->pending, &n->link);
	n->where = TIMER_PENDING;
}

/* Places the pending nodes as timer_arm placed them before placement was deferred (the
 * tick has not moved since they were armed: only collect moves it, after this). */
static void place_pending(struct timer_wheel *w)
{
	while (!list_empty(&w->pending)) {
		struct timer_node *n = node_of(w->pending.next);

		list_remove(&n->link);
		if (n->deadline_ns <= w->now_ns)
			w->past_armed = true;
		place(w, n);
	}
}

void timer_cancel(struct timer_wheel *w, struct timer_node *n)
{
	if (n->where == TIMER_IDLE)
		return;
	unlink_node(w, n);
	w->count--;
}

/* Moves the whole of slots[level][slot] to the tail of to. */
static void take_slot(struct timer_wheel *w, unsigned level, unsigned slot,
		      struct list_node *to)
{
	list_splice_tail(to, &w->slots[level][slot]);
	w->occupied[level] &= ~(1ull << slot);
	w->slot_visits++;
}

/* Moves every slot of level whose bit is set in mask to the tail of to. */
static void take_slots(struct timer_wheel *w, unsigned level, uint64_t mask,
		       struct list_node *to)
{
	while (mask) {
		unsigned s = (unsigned)__builtin_ctzll(mask);

		take_slot(w, level, s, to);
		mask &= mask - 1;
	}
}

/* Empties every level into batch (due) or cascade (to re-place) for the move of the
 * current tick from a to b > a, per the rules in the file header. */
static void sweep_levels(struct timer_wheel *w, uint64_t a, uint64_t b,
			 struct list_node *batch, struct list_node *cascade)
{
	for (unsigned l = 0; l < TIMER_LEVELS; l++) {
		uint64_t occ = w->occupied[l];
		unsigned above = level_shift(l) + TIMER_SLOT_BITS;
		unsigned gb;

		if (!occ)
			continue;
		if ((a >> above) != (b >> above)) {
			take_slots(w, l, occ, batch);
			continue;
		}
		gb = (unsigned)((b >> level_shift(l)) & SLOT_MASK);
		take_slots(w, l, occ & ((1ull << gb) - 1), batch);
		if (l > 0 && (occ >> gb & 1))
			take_slot(w, l, gb, cascade);
	}
}

/* Stable merge of two NULL-terminated chains (linked through next) by deadline. */
static struct list_node *merge_chains(struct list_node *a, struct list_node *b)
{
	struct list_node head, *tail = &head;

	while (a && b) {
		if (node_of(b)->deadline_ns < node_of(a)->deadline_ns) {
			tail->next = b;
			b = b->next;
		} else {
			tail->next = a;
			a = a->next;
		}
		tail = tail->next;
	}
	tail->next = a ? a : b;
	return head.next;
}

/* Bottom-up stable merge sort of a NULL-terminated chain: bins[i] holds a sorted run
 * of 2^i nodes, all earlier in the input than the nodes still to come. */
static struct list_node *sort_chain(struct list_node *chain)
{
	struct list_node *bins[64] = { 0 };
	struct list_node *out = NULL;
	unsigned i;

	while (chain) {
		struct list_node *run = chain;

		chain = chain->next;
		run->next = NULL;
		for (i = 0; bins[i]; i++) {
			run = merge_chains(bins[i], run);
			bins[i] = NULL;
		}
		bins[i] = run;
	}
	for (i = 0; i < 64; i++)
		if (bins[i])
			out = merge_chains(bins[i], out);
	return out;
}

/* Sorts batch and merges it into the due list (existing due nodes first on ties). */
static void merge_into_due(struct timer_wheel *w, struct list_node *batch)
{
	struct list_node *chain, *pos = w->due.next;

	batch->prev->next = NULL;
	chain = sort_chain(batch->next);
	list_init(batch);
	while (chain) {
		struct list_node *n = chain;
		uint64_t d = node_of(n)->deadline_ns;

		chain = chain->next;
		while (pos != &w->due && node_of(pos)->deadline_ns <= d)
			pos = pos->next;
		list_insert_between(n, pos->prev, pos);
		node_of(n)->where = TIMER_IN_DUE;
	}
}

/* Advances the wheel to now and moves every node with deadline <= now to the due list. */
static void collect(struct timer_wheel *w, uint64_t now)
{
	uint64_t b = now / TIMER_TICK_NS;
	struct list_node batch, cascade, *pos, *tmp;
	unsigned s0;

	list_init(&batch);
	list_init(&cascade);
	if (b != w->tick)
		sweep_levels(w, w->tick, b, &batch, &cascade);
	w->tick = b;
	w->now_ns = now;
	list_for_each_safe(pos, tmp, &cascade) {
		list_remove(pos);
		if (node_of(pos)->deadline_ns <= now)
			list_push_back(&batch, pos);
		else
			place(w, node_of(pos));
	}
	s0 = (unsigned)(b & SLOT_MASK);
	if (w->occupied[0] >> s0 & 1) {
		w->slot_visits++;
		list_for_each_safe(pos, tmp, &w->slots[0][s0]) {
			if (node_of(pos)->deadline_ns <= now) {
				list_remove(pos);
				list_push_back(&batch, pos);
			}
		}
		if (list_empty(&w->slots[0][s0]))
			w->occupied[0] &= ~(1ull << s0);
	}
	w->past_armed = false;
	if (!list_empty(&batch))
		merge_into_due(w, &batch);
}

struct timer_node *timer_pop_expired(struct timer_wheel *w, uint64_t now_ns)
{
	struct timer_node *n;

	place_pending(w);
	if (now_ns < w->now_ns)
		now_ns = w->now_ns; /* time never goes back */
	if (now_ns != w->now_ns || w->past_armed)
		collect(w, now_ns);
	if (list_empty(&w->due))
		return NULL;
	n = node_of(w->due.next);
	unlink_node(w, n);
	w->count--;
	return n;
}

uint64_t timer_next_deadline(struct timer_wheel *w)
{
	uint64_t best = UINT64_MAX;

	place_pending(w);
	if (!list_empty(&w->due))
		best = node_of(w->due.next)->deadline_ns; /* sorted: the head is the minimum */
	for (unsigned l = 0; l < TIMER_LEVELS; l++) {
		unsigned above = level_shift(l) + TIMER_SLOT_BITS, s;
		uint64_t start_tick;

		if (!w->occupied[l])
			continue;
		s = (unsigned)__builtin_ctzll(w->occupied[l]);
		if (l == 0) {
			const struct list_node *pos;

			for (pos = w->slots[0][s].next; pos != &w->slots[0][s]; pos = pos->next) {
				if (cnode_of(pos)->deadline_ns < best)
					best = cnode_of(pos)->deadline_ns;
			}
			return best;
		}
		/* The slot's first tick: no node in it is earlier. Lower levels were empty. */
		start_tick = (w->tick >> above << above) | ((uint64_t)s << level_shift(l));
		return start_tick * TIMER_TICK_NS < best ? start_tick * TIMER_TICK_NS : best;
	}
	return best;
}
