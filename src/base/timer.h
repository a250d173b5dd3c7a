/*
 * timer.h — hierarchical timing wheel on absolute nanosecond deadlines.
 *
 * One wheel per stack; one struct timer_node embedded per owner (the engine arms a
 * connection's node at the minimum of its per-kind deadlines). The wheel never reads a
 * clock: time comes in through timer_wheel_init() and timer_pop_expired().
 *
 * Layout: TIMER_LEVELS levels of TIMER_SLOTS (64) slots. A level-0 slot spans one tick
 * (TIMER_TICK_NS = 1 ms), a level-L slot 64^L ticks. Eight levels span 2^48 ticks, more
 * than the whole uint64_t nanosecond range (2^44.1 ms), so no deadline is ever clamped.
 * A node is placed by comparing its deadline's tick with the wheel's current tick: at
 * the level of the highest 6-bit group in which they differ (level 0 when equal). So
 * every node at level L lies in a later level-L slot of the current level-(L+1) span,
 * and every node at level L is later than every node at level L-1. When the current
 * tick enters a higher-level slot, that slot's nodes are re-placed ("cascade") lower.
 *
 * Exact deadlines are kept (never rounded to ticks): a node fires at the first
 * timer_pop_expired() whose now_ns >= its deadline_ns, never earlier; the nodes due at
 * one call come out in deadline order (ties: in the order they were collected).
 *
 * Placement is deferred: timer_arm only records the deadline and queues the node on a
 * pending list (re-arming a pending node moves it to the list's tail); the next
 * timer_next_deadline or timer_pop_expired places every pending node, in that order, as
 * timer_arm would have placed it then (the current tick cannot move in between: only
 * those two read or advance it). So a node armed, re-armed and cancelled between two
 * such calls never touches a slot or a bitmap (a connection that lives and dies between
 * two advances of a driver that does not ask for the next deadline in between), and
 * the slots, their order and every answer are those of placing at once.
 *
 * Costs: arm and cancel O(1). timer_next_deadline O(levels) plus a scan of one
 * level-0 slot (the earliest occupied, timers due within one millisecond), plus the
 * placing of the nodes armed since the last call (each arm placed once: O(1) each).
 * timer_pop_expired: when now moves, at most TIMER_LEVELS*64 slot visits (occupancy
 * bitmaps jump over empty time; never a tick-by-tick loop), plus O(k log k) for the k
 * nodes that become due (sorted by deadline), plus each cascaded node re-placed once,
 * plus a scan of the current level-0 slot. A pop at an unchanged now that finds its
 * answer in the already-collected due list is O(1).
 */
#ifndef SYNACK_BASE_TIMER_H
#define SYNACK_BASE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"

#define TIMER_TICK_NS 1000000ull /* level-0 granularity: 1 ms */
#define TIMER_SLOT_BITS 6
#define TIMER_SLOTS (1u << TIMER_SLOT_BITS) /* 64 */
#define TIMER_LEVELS 8 /* 64^8 ticks > UINT64_MAX ns / 1 ms: covers every deadline */

enum timer_where {
	TIMER_IDLE = 0, /* not armed (a zeroed node is idle) */
	TIMER_IN_WHEEL, /* in slots[level][slot] */
	TIMER_IN_DUE,   /* collected as due, waiting to be popped */
	TIMER_PENDING,  /* armed, on the pending list: not placed yet */
};

struct timer_node {
	uint64_t deadline_ns;  /* absolute; read-only for the owner while armed */
	struct list_node link; /* private to the wheel */
	uint8_t where;         /* enum timer_where */
	uint8_t level, slot;   /* valid when where == TIMER_IN_WHEEL */
};

struct timer_wheel {
	uint64_t now_ns;   /* latest time seen (init or pop); never goes backwards */
	uint64_t tick;     /* now_ns / TIMER_TICK_NS */
	uint64_t occupied[TIMER_LEVELS]; /* bit s set iff slots[level][s] is non-empty */
	struct list_node slots[TIMER_LEVELS][TIMER_SLOTS];
	struct list_node due;  /* collected due nodes, sorted by deadline */
	struct list_node pending; /* armed, not placed yet, in the order of their last arm */
	bool past_armed;       /* a node was armed at a deadline <= now_ns since the last collect */
	size_t count;          /* armed nodes (in wheel + due) */
	uint64_t slot_visits;  /* statistic: slot lists touched while advancing (cost tests) */
};

/* Makes n idle (same as zeroing it). Call once before first use of a node that is not
 * zero-initialised. */
static inline void timer_node_init(struct timer_node *n)
{
	n->deadline_ns = 0;
	list_init(&n->link);
	n->where = TIMER_IDLE;
	n->level = 0;
	n->slot = 0;
}

/* True while n is armed in some wheel (waiting, or due and not yet popped). */
static inline bool timer_is_armed(const struct timer_node *n)
{
	return n->where != TIMER_IDLE;
}

/* Initialises an empty wheel whose current time is now_ns. No allocation: the wheel is
 * a plain struct (about 8 KB) embedded in its owner. */
void timer_wheel_init(struct timer_wheel *w, uint64_t now_ns);

/* Arms n (borrowed: it must stay valid until it fires or is cancelled; it must not be
 * armed in another wheel) at the absolute deadline_ns. O(1): the node is placed by the
 * next timer_next_deadline() or timer_pop_expired() (file header). Re-arming an armed
 * node moves it. A deadline <= the wheel's current time is due at the next
 * timer_pop_expired(). */
void timer_arm(struct timer_wheel *w, struct timer_node *n, uint64_t deadline_ns);

/* Disarms n if armed in w; O(1); idempotent (an idle node is left alone). */
void timer_cancel(struct timer_wheel *w, struct timer_node *n);

/* timer_cancel for a node whose memory is about to be freed: w is left as timer_cancel
 * leaves it, n is not (its link and state are not reset: it must not be used again).
 * Inline: a connection's death (tcp/tcb.h tcp_tcb_free_orphan) calls nothing for it. */
static inline void timer_forget(struct timer_wheel *w, struct timer_node *n)
{
	if (n->where == TIMER_IDLE)
		return;
	list_unlink(&n->link);
	if (n->where == TIMER_IN_WHEEL && list_empty(&w->slots[n->level][n->slot]))
		w->occupied[n->level] &= ~(1ull << n->slot);
	w->count--;
}

/* Number of armed nodes. */
static inline size_t timer_count(const struct timer_wheel *w)
{
	return w->count;
}

/* When the driver should next call timer_pop_expired(). UINT64_MAX when nothing is
 * armed. The exact earliest deadline when it lies in the earliest occupied level-0 slot
 * (or was already collected as due; it may then be <= the current time); otherwise the
 * start time of the earliest occupied higher-level slot, which is never later than the
 * true earliest deadline (a conservative early wake-up: advancing to it cascades and
 * fires nothing early). Each such wake-up moves the earliest node down at least one
 * level, so at most TIMER_LEVELS+1 wake-ups reach it. Places the pending nodes; changes
 * nothing else. */
uint64_t timer_next_deadline(struct timer_wheel *w);

/* Advances the wheel to now_ns (an earlier now_ns than already seen counts as the
 * current time: time never goes back), then unlinks and returns one node whose
 * deadline_ns <= now_ns, the earliest such first, or NULL when none is due. The node is
 * idle on return and may be re-armed at once (also from inside the caller's drain
 * loop). Call until NULL to fire everything due. */
struct timer_node *timer_pop_expired(struct timer_wheel *w, uint64_t now_ns);

#endif /* SYNACK_BASE_TIMER_H */
