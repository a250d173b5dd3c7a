/*
 * sim_internal.h — the simulator's private structures: the event heap, link directions
 * ("ports") and their transmit model, hosts. Exposed to tests/unit/test_sim_*.c so the
 * link model and the heap are tested without stacks.
 *
 * Invariants:
 *  - events are ordered by (t_ns, seq); seq is a simulator-wide counter that only grows,
 *    so two events with the same time run in the order they were queued;
 *  - a port's transmit queue is FIFO: departures within one port are non-decreasing, so
 *    the ring of departure times stays sorted and its length is the queue occupancy;
 *  - no allocation after a host or link is added: events come from a free list over a
 *    preallocated array, each event owning a fixed pkt_max_bytes buffer.
 */
#ifndef SYNACK_SIM_INTERNAL_H
#define SYNACK_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "synack/sim.h"

#define SIM_MAX_PORTS    8   /* hosts attached to one link */
#define SIM_MAX_ADDRS    4   /* IPv4 addresses per host */
#define SIM_MAX_SCRIPTED 16  /* pending scripted nth-drops per direction */
#define SIM_NAME_LEN     16

/* ---- event heap ------------------------------------------------------------------ */

enum sim_ev_kind { SIM_EV_FREE, SIM_EV_PKT, SIM_EV_CALL };

struct sim_event {
	uint64_t t_ns;
	uint64_t seq;
	enum sim_ev_kind kind;
	uint32_t next_free;      /* free-list link while SIM_EV_FREE */
	/* SIM_EV_PKT */
	int link;
	int src_host;
	int dst_host;
	uint64_t pkt_id;
	uint32_t dir_index;
	uint32_t len;
	bool is_dup;
	uint8_t *buf;            /* pkt_max_bytes, owned by the event array */
	/* SIM_EV_CALL */
	synack_sim_call_fn fn;
	void *ctx;
};

/* A binary min-heap of event indices keyed by (t_ns, seq) of the events they name, with
 * an optional FIFO ring for events queued in order and optional runs of events queued
 * back to back at one time sharing one entry (heap.c). Index + 1 below: 0 means none,
 * so a zeroed heap has no run. */
struct sim_heap {
	uint32_t *idx;
	uint32_t len;            /* events in the heap part */
	uint32_t cap;
	const struct sim_event *ev; /* the event array the indices refer to */
	uint32_t *fifo;          /* NULL: heap only; else a ring of cap entries */
	uint32_t f_head, f_len;  /* events in the ring part */
	uint32_t *run_next;      /* NULL: no runs (every event takes an entry); else cap
	                          * entries: per event, the next of its run + 1 */
	uint32_t tail;           /* the last event pushed + 1 while it is queued, else 0 */
	uint32_t front;          /* the next event of the run being popped + 1, else 0 */
};

/* Pushes event index i; the caller guarantees fewer than cap events are queued (one
 * slot per event). */
void sim_heap_push(struct sim_heap *h, uint32_t i);
/* Removes and returns the index of the least event; the caller checks that one is
 * queued (sim_heap_peek != UINT32_MAX). */
uint32_t sim_heap_pop(struct sim_heap *h);
/* The least event's index without removing it; UINT32_MAX when empty. */
uint32_t sim_heap_peek(const struct sim_heap *h);

/* ---- link directions ------------------------------------------------------------- */

struct sim_port {
	int host;                /* the attached host; this port is its transmit side */
	struct synack_link_dir p;
	struct rng rng;          /* this direction's own stream */
	uint64_t *q;             /* ring of departure times of queued packets */
	uint32_t q_cap, q_head, q_len;
	uint64_t busy_until_ns;  /* when the last queued packet leaves the port */
	uint32_t sent;           /* packets handed to this direction so far */
	uint32_t script[SIM_MAX_SCRIPTED];
	uint32_t nscript;
};

/* The link model's verdict for one packet. */
struct sim_xmit {
	enum synack_sim_fate fate;
	uint32_t flags;          /* SYNACK_SIM_F_* */
	uint32_t dir_index;
	uint64_t deliver_ns;
	uint64_t dup_deliver_ns;
	uint32_t corrupt_bit;
};

/* The scripted-drop filter as the link model sees it (pkt borrowed for the call). */
struct sim_filter {
	synack_sim_filter_fn fn;
	void *ctx;
	int link;
	const uint8_t *pkt;
};

/* Initialises a port for host with parameters p (NULL = ideal), a queue ring of q_cap
 * entries at q (borrowed for the port's life) and a random stream seeded by seed. */
void sim_port_init(struct sim_port *port, int host, const struct synack_link_dir *p,
		   uint64_t *q, uint32_t q_cap, uint64_t seed);

/* Decides the fate and times of one packet of len bytes sent at now_ns, in this order:
 * partition; queue (tail drop when queue_pkts packets are waiting or in serialisation);
 * serialisation (bandwidth) then latency; scripted drop (nth, then the filter f, which
 * may be NULL, and is consulted only for packets that got this far); loss; corruption; duplication; reordering. Random numbers are drawn
 * only for the features whose probability is non-zero, in that order, so a fault-free
 * direction consumes no randomness. Updates the port's queue and counters. */
void sim_port_xmit(struct sim_port *port, uint64_t now_ns, uint32_t len,
		   const struct sim_filter *f, struct sim_xmit *out);

/* Whether sim_port_xmit's verdict for any packet is known without the model: no
 * partition, infinite bandwidth (no queue), no loss, duplication, reordering or
 * corruption, no scripted drop pending. Then it is DELIVERED at now + latency_ns with
 * no flag, dir_index = ++sent, and no random number drawn (the caller must also have
 * no filter: a filter sees every packet). */
bool sim_port_is_ideal(const struct sim_port *port);

/* Whether the nth packet (1-based) is on the port's scripted-drop list; removes it. */
bool sim_port_take_scripted(struct sim_port *port, uint32_t nth);

struct sim_link {
	bool used;
	bool is_segment;
	uint32_t nports;
	struct sim_port port[SIM_MAX_PORTS];
};

/* ---- hosts ----------------------------------------------------------------------- */

struct sim_host {
	bool used;
	char name[SIM_NAME_LEN];
	uint32_t addr[SIM_MAX_ADDRS];
	uint32_t naddr;
	synack_sim_recv_fn recv;
	void *recv_ctx;
	int first_link;          /* default route; -1 until attached */
	uint32_t index;
	/* stack hosts */
	struct synack_stack *stack;
	bool is_stack;
	struct synack_config cfg;
	bool notes_off;          /* cfg.notes_max == 0 (fixed at creation): nothing to drain */
	uint32_t restarts;
	uint64_t advanced_at_ns; /* last synack_advance time, +1 guards a stuck deadline */
	bool advanced;
	uint32_t stuck;          /* times the stack's deadline did not move past an advance */
	/* route cache (sim.c): the last IPv4 destination this host sent to, its link, the
	 * host reached and this host's port on that link; valid while rc_gen equals the
	 * simulator's route_gen (0: empty) */
	uint32_t rc_daddr;
	uint64_t rc_gen;
	int rc_link, rc_dst;
	struct sim_port *rc_port;
};

struct synack_sim {
	struct base_allocator a;
	uint64_t seed;
	bool plain_driver;       /* synack_sim_config.plain_driver: no short cuts */
	uint64_t route_gen;      /* >= 1; bumped when a host, address, link or port is added */
	uint64_t now_ns;
	uint64_t next_seq;
	uint64_t next_pkt_id;
	uint32_t pkt_max;
	uint32_t queue_max;

	struct sim_host *hosts;
	uint32_t max_hosts, nhosts;
	struct sim_link *links;
	uint32_t max_links, nlinks;

	struct sim_event *ev;
	uint8_t *bufs;
	uint32_t max_events;
	uint32_t free_head;      /* UINT32_MAX when the pool is empty */
	struct sim_heap heap;

	synack_sim_tap_fn tap;
	void *tap_ctx;
	struct synack_sim_stats stats;
	synack_sim_filter_fn filter;
	void *filter_ctx;
	synack_sim_observer_fn observer;
	void *observer_ctx;
	uint8_t *out_buf;        /* pkt_max bytes: synack_output's destination */
};

#define SIM_GRO_BURST 64u    /* packets handed to one synack_input_burst at most */

/* ---- events and sending (sim.c) ----------------------------------------------------- */

/* Takes a free event (its buffer holds pkt_max bytes); UINT32_MAX when the pool is empty. */
uint32_t sim_event_get(struct synack_sim *sim);
/* Returns an event taken with sim_event_get and not queued to the pool. */
void sim_event_put(struct synack_sim *sim, uint32_t i);
/* synack_sim_send of the len bytes in free event ev's buffer (from sim_event_get) by
 * host from, which must exist: the event itself becomes the delivered copy (one copy
 * less); it belongs to the simulator again when this returns, whatever the fate. */
int sim_send_event(struct synack_sim *sim, int from, uint32_t ev, size_t len);

/* ---- host glue (host.c) ------------------------------------------------------------ */

/* The host with id, or NULL. */
struct sim_host *sim_host_get(struct synack_sim *sim, int id);
/* Adds a host record (no stack, no callback yet); returns its id or a negative errno. */
int sim_host_alloc(struct synack_sim *sim, const char *name, uint32_t addr);
/* Hands a delivered packet to host id (raw: its callback; stack: synack_input and then
 * the host's output is drained onto the links). pkt is borrowed for the call. */
void sim_host_input(struct synack_sim *sim, int id, const uint8_t *pkt, size_t len);
/* The earliest timer deadline among stack hosts (clamped to >= now), UINT64_MAX when none;
 * *host receives the first host (lowest id) with that deadline. */
uint64_t sim_hosts_next_deadline(const struct synack_sim *sim, int *host);
/* Runs host id's timers at the current time and drains its output. */
void sim_host_advance(struct synack_sim *sim, int id);
/* Frees every host's stack (at synack_sim_free). */
void sim_hosts_release(struct synack_sim *sim);
/* Drains host id's output, notes and events until none is left. */
void sim_host_drain(struct synack_sim *sim, int id);

/* Derives a sub-seed for stream (kind, a, b) from the simulator seed: splitmix-style
 * mixing so that streams are independent and adding a link leaves others unchanged. */
uint64_t sim_subseed(uint64_t seed, uint32_t kind, uint32_t a, uint32_t b);

#endif /* SYNACK_SIM_INTERNAL_H */
