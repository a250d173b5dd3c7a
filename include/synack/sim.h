/*
 * synack/sim.h — the deterministic network simulator (public API).
 *
 * Many hosts in one process, joined by links, driven by a virtual clock. A host is either
 * a synack stack (created through the public engine API) or a "raw" endpoint: a callback
 * that receives packets and may send arbitrary bytes (used to inject spoofed SYNs, odd
 * flag sets, old duplicates). Links carry opaque packets; per direction they model
 * latency, bandwidth (serialisation delay behind a bounded FIFO queue, tail drop),
 * random loss, duplication, reordering (extra random delay), corruption (one flipped bit),
 * partition, and scripted drops ("the 3rd packet from A on this link").
 *
 * Determinism: every random choice comes from a xoshiro256** generator seeded from the
 * simulator seed (one stream per link direction, one per host), events with equal
 * times are ordered by a sequence number, so the same seed and the same script give a
 * bit-identical run. The clock never advances by itself: synack_sim_step() jumps to the
 * earliest of the next packet delivery, the next scheduled call, and each stack host's
 * next timer deadline.
 *
 * Memory: everything is allocated at synack_sim_new() (bounded by the config) or when a
 * host or link is added; the per-packet path never allocates. Packets that do not fit the
 * bounds are dropped with a named fate, never truncated.
 *
 * Ownership: every pointer passed in is borrowed for the duration of the call unless a
 * comment says otherwise. Functions returning int return 0 or a non-negative id on
 * success and a negative errno value (-EINVAL, -ENOMEM, -ENOSPC, -ENOENT) on failure.
 */
#ifndef SYNACK_SIM_H
#define SYNACK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_sim;

struct synack_sim_config {
	uint64_t seed;            /* every random choice derives from this */
	uint32_t max_hosts;       /* 0 = 16 */
	uint32_t max_links;       /* 0 = 16 */
	uint32_t max_events;      /* packets in flight + scheduled calls; 0 = 1024 */
	uint32_t pkt_max_bytes;   /* largest packet carried; 0 = 2048; larger ones are dropped */
	uint32_t queue_max_pkts;  /* upper bound for any link queue; 0 = 256 */
	/* Required: alloc/free/ctx give the simulator and its stacks their memory (the
	 * library never calls the OS). env.secret is NOT used: each stack host gets a
	 * secret derived from the seed, so ISNs and cookies are reproducible too. */
	struct synack_env env;
};

/* Parameters of one direction of a link (the transmit side of one attached host).
 * Probabilities are in parts per million so runs never depend on floating point. */
struct synack_link_dir {
	uint64_t latency_ns;      /* propagation delay added after serialisation */
	uint64_t bandwidth_bps;   /* bits per second; 0 = infinite (no serialisation, no queue) */
	uint32_t queue_pkts;      /* packets queued or in serialisation before tail drop;
	                             0 = queue_max_pkts; clamped to queue_max_pkts */
	uint32_t loss_ppm;        /* random loss on the wire */
	uint32_t dup_ppm;         /* a second copy is delivered */
	uint32_t reorder_ppm;     /* this packet takes an extra random delay ... */
	uint32_t reorder_max_ns;  /* ... uniform in [0, reorder_max_ns] */
	uint32_t corrupt_ppm;     /* one seeded random bit of the delivered copy is flipped */
	bool partitioned;         /* everything sent this way is dropped */
};

/* What happened to one transmitted packet. Exactly one fate; the flags may add detail. */
enum synack_sim_fate {
	SYNACK_SIM_DELIVERED = 0,
	SYNACK_SIM_DROP_LOSS,       /* random loss (loss_ppm) */
	SYNACK_SIM_DROP_PARTITION,  /* the direction is partitioned */
	SYNACK_SIM_DROP_QUEUE,      /* tail drop: the link queue was full */
	SYNACK_SIM_DROP_SCRIPT,     /* a scripted drop (nth packet or filter) */
	SYNACK_SIM_DROP_NOROUTE,    /* no link leads to the destination address */
	SYNACK_SIM_DROP_TOOBIG,     /* longer than pkt_max_bytes */
	SYNACK_SIM_DROP_NOBUF,      /* the simulator's event pool (max_events) was full */
	SYNACK_SIM_FATE_COUNT
};

#define SYNACK_SIM_F_CORRUPTED  0x1u /* the delivered copy has one bit flipped */
#define SYNACK_SIM_F_DUPLICATED 0x2u /* a second copy is delivered too */
#define SYNACK_SIM_F_REORDERED  0x4u /* the packet took an extra delay */

/* A short stable name for a fate ("delivered", "dropped: loss", ...). */
const char *synack_sim_fate_name(enum synack_sim_fate fate);

enum synack_sim_tap_kind {
	SYNACK_SIM_TAP_SEND,    /* a packet was handed to a link (once per packet) */
	SYNACK_SIM_TAP_DELIVER, /* a copy reaches its destination host (before the host sees it) */
};

/* One record of the capture tap. pkt is borrowed for the callback: on SEND the bytes as
 * sent (what a capture at the sender's side of the link holds), on DELIVER the bytes as
 * they arrive (a corrupted copy differs by corrupt_bit). */
struct synack_sim_tap {
	enum synack_sim_tap_kind kind;
	uint64_t now_ns;          /* virtual time of the send or of the delivery */
	uint64_t pkt_id;          /* 1, 2, ... in send order over the whole simulator */
	uint32_t dir_index;       /* 1-based count of packets sent by src_host on this link */
	int link;                 /* link id, -1 when NOROUTE */
	int src_host;
	int dst_host;             /* -1 when NOROUTE */
	enum synack_sim_fate fate;
	uint32_t flags;           /* SYNACK_SIM_F_* */
	uint64_t deliver_ns;      /* SEND, delivered: arrival time of the (first) copy */
	uint64_t dup_deliver_ns;  /* SEND with F_DUPLICATED: arrival of the second copy */
	uint32_t corrupt_bit;     /* with F_CORRUPTED: bit index flipped (byte = bit / 8) */
	bool is_duplicate;        /* DELIVER: this is the second copy */
	const uint8_t *pkt;
	size_t len;
};
typedef void (*synack_sim_tap_fn)(void *ctx, const struct synack_sim_tap *rec);

/* A raw host's receive callback: one packet arrives at now_ns (pkt borrowed). */
typedef void (*synack_sim_recv_fn)(void *ctx, struct synack_sim *sim, int host,
				   uint64_t now_ns, const uint8_t *pkt, size_t len);
/* A scheduled call: runs at its virtual time (see synack_sim_at). */
typedef void (*synack_sim_call_fn)(void *ctx, struct synack_sim *sim, uint64_t now_ns);
/* A scripted-drop filter: return true to drop this packet (fate DROP_SCRIPT). Consulted
 * for every packet that passed partition and queue checks; dir_index as in the tap. */
typedef bool (*synack_sim_filter_fn)(void *ctx, int link, int src_host, uint32_t dir_index,
				     const uint8_t *pkt, size_t len);

/* Creates a simulator at virtual time 0. Returns NULL when cfg is invalid (no allocator)
 * or memory runs out. */
struct synack_sim *synack_sim_new(const struct synack_sim_config *cfg);
/* Frees the simulator, its hosts (and their stacks) and links. NULL is allowed. */
void synack_sim_free(struct synack_sim *sim);

/* The current virtual time in nanoseconds. */
uint64_t synack_sim_now(const struct synack_sim *sim);

/* Adds a raw host named name (copied, up to 15 characters kept) owning IPv4 address
 * addr (host byte order). recv may be NULL (arriving packets are discarded). Returns
 * the host id (0, 1, ...) or -ENOSPC / -EINVAL. */
int synack_sim_add_raw_host(struct synack_sim *sim, const char *name, uint32_t addr,
			    synack_sim_recv_fn recv, void *ctx);
/* Gives host another IPv4 address (up to 4 per host). -ENOSPC / -ENOENT. */
int synack_sim_host_add_addr(struct synack_sim *sim, int host, uint32_t addr);
/* The host's name, or "?" for an unknown id. */
const char *synack_sim_host_name(const struct synack_sim *sim, int host);
/* The host owning addr, or -ENOENT. */
int synack_sim_host_by_addr(const struct synack_sim *sim, uint32_t addr);

/* Adds a point-to-point link between hosts a and b with parameters ab (a→b) and ba
 * (b→a); NULL means "no delay, no faults". Returns the link id or a negative errno. */
int synack_sim_add_link(struct synack_sim *sim, int a, int b,
			const struct synack_link_dir *ab, const struct synack_link_dir *ba);
/* Adds a shared segment (up to 8 hosts). Each attached host has its own transmit
 * direction with its own parameters and queue (like a switched Ethernet port); a packet
 * goes to the attached host owning its destination address. */
int synack_sim_add_segment(struct synack_sim *sim);
int synack_sim_attach(struct synack_sim *sim, int link, int host,
		      const struct synack_link_dir *tx);

/* Replaces the parameters of the direction from host `from` on link. Takes effect for
 * packets sent from now on (packets in flight keep their times). */
int synack_sim_link_set(struct synack_sim *sim, int link, int from,
			const struct synack_link_dir *tx);
/* Reads them back. */
int synack_sim_link_get(const struct synack_sim *sim, int link, int from,
			struct synack_link_dir *tx);
/* Partitions (on=true) or heals every direction of link. */
int synack_sim_partition(struct synack_sim *sim, int link, bool on);
/* Scripted drop: the nth (1-based) packet that host `from` sends on link is dropped.
 * Up to 16 pending per direction; -ENOSPC beyond. */
int synack_sim_drop_nth(struct synack_sim *sim, int link, int from, uint32_t nth);
/* Installs (or with NULL removes) the scripted-drop filter. */
void synack_sim_set_filter(struct synack_sim *sim, synack_sim_filter_fn fn, void *ctx);

/* Installs (or with NULL removes) the capture tap. */
void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* Host `from` transmits len bytes now: the route is chosen by the IPv4 destination
 * address (bytes 16..19; a packet shorter than 20 bytes goes out the host's first link),
 * the link decides the fate. Returns the fate (>= 0) or a negative errno (-ENOENT for
 * an unknown host). Used by raw hosts; stack hosts send by themselves. */
int synack_sim_send(struct synack_sim *sim, int from, const uint8_t *pkt, size_t len);

/* Schedules fn(ctx, sim, t) at virtual time t (t < now runs at now). Calls with the same
 * time run in the order they were scheduled, before packets and timers of the same time
 * that were queued later. Returns 0 or -ENOSPC (event pool full). */
int synack_sim_at(struct synack_sim *sim, uint64_t t_ns, synack_sim_call_fn fn, void *ctx);

/* The time of the next event (delivery, call, or stack timer), UINT64_MAX when idle. */
uint64_t synack_sim_next_time(const struct synack_sim *sim);
/* Runs the single earliest event: one packet delivery (the receiving stack's input and
 * its output), one scheduled call, or one stack host's timers (synack_advance at its
 * deadline). Ties: deliveries and calls first in the order queued, then hosts by id.
 * Returns true if something ran, false when idle (the clock does not move). */
bool synack_sim_step(struct synack_sim *sim);
/* Runs every event with time <= t_ns, then sets the clock to t_ns (never backwards). */
void synack_sim_run_until(struct synack_sim *sim, uint64_t t_ns);
/* Runs until nothing is left to do or the next event is later than limit_ns. Returns
 * true when the simulator is idle, false when it stopped at the limit (the clock stays at
 * the last event that ran). */
bool synack_sim_run_until_idle(struct synack_sim *sim, uint64_t limit_ns);

#ifdef __cplusplus
}
#endif

#endif
