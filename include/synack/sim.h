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
	/* The reference driver: after every step every stack host is drained with plain
	 * synack_output / synack_poll_event / synack_poll_note calls until they return
	 * nothing, as synack.h's driver loop reads, without the synack_pending short cuts;
	 * every packet goes through the whole link model (no fast path for a fault-free
	 * direction), a fresh route lookup and an entry of its own in the event queue (no
	 * runs of events due at one instant). Traces are byte-identical either way
	 * (test_sim_fastpath proves it); for tests. */
	bool plain_driver;
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
	/* ECN marking (RFC 3168 §5), of ECT packets only (not-ECT ones are never changed):
	 * a delivered ECT packet becomes CE with probability ecn_mark_ppm, or when it joins
	 * a queue already holding at least ecn_mark_pkts packets (0 = no threshold; needs a
	 * bandwidth) — a step-marking AQM. The tap's SEND record shows the packet as sent,
	 * the destination receives it marked (SYNACK_SIM_F_CE). */
	uint32_t ecn_mark_ppm;
	uint32_t ecn_mark_pkts;
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
#define SYNACK_SIM_F_CE         0x8u /* delivered with its IP ECN field set to CE */

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

/* Adds a host running a synack stack, created with a copy of cfg (NULL: defaults) and
 * the simulator's allocator, its secret derived from the seed, the host id and the
 * restart count, and owning addr. Returns the host id or a negative errno (-ENOMEM when
 * the stack cannot be created). */
int synack_sim_add_stack_host(struct synack_sim *sim, const char *name, uint32_t addr,
			      const struct synack_config *cfg);
/* The stack of host, or NULL for a raw host or an unknown id. The pointer changes at
 * synack_sim_restart_host(). Socket calls made on it from a scheduled call are followed
 * by the host's output being drained; made from elsewhere, call synack_sim_flush(). */
struct synack_stack *synack_sim_stack(struct synack_sim *sim, int host);
/* "Host restart": frees the host's stack (all connections vanish without a packet) and
 * creates a fresh one with the same config and addresses and a new secret. Packets in
 * flight towards it are delivered to the new stack. -ENOENT, -EINVAL (raw host),
 * -ENOMEM (the host is left without a stack: it then discards packets). */
int synack_sim_restart_host(struct synack_sim *sim, int host);
/* How many times host was restarted. */
uint32_t synack_sim_restarts(const struct synack_sim *sim, int host);
/* Drains every stack host's output, notes and events now (the driver loop of synack.h). */
void synack_sim_flush(struct synack_sim *sim);

/* What the hosts' stacks report, drained after every input, advance and scheduled call:
 * decision notes (in the order the stack queued them) and socket events. The callback
 * may make socket calls on any stack; the simulator drains again afterwards. */
enum synack_sim_obs_kind {
	SYNACK_SIM_OBS_NOTE,
	SYNACK_SIM_OBS_EVENT,
};

struct synack_sim_obs {
	enum synack_sim_obs_kind kind;
	int host;
	uint64_t now_ns;
	const struct synack_note *note;   /* OBS_NOTE */
	const struct synack_event *event; /* OBS_EVENT */
};
typedef void (*synack_sim_observer_fn)(void *ctx, struct synack_sim *sim,
				       const struct synack_sim_obs *obs);
/* Installs (or with NULL removes) the observer. Without one, notes and events are
 * drained and discarded. */
void synack_sim_set_observer(struct synack_sim *sim, synack_sim_observer_fn fn, void *ctx);

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
/* Installs (or with NULL removes) the scripted-drop filter. A filter that changes the
 * sending direction's parameters with synack_sim_link_set() changes them for the packet
 * it is deciding on too (its loss, corruption, duplication and reordering steps come
 * after the filter): test_faultenum duplicates one chosen packet that way. */
void synack_sim_set_filter(struct synack_sim *sim, synack_sim_filter_fn fn, void *ctx);

/* Installs (or with NULL removes) the capture tap. The SEND record is emitted when the
 * packet is fully queued, so the tap callback may call synack_sim_send() (its own SEND
 * record comes before that call returns): test_faultenum re-sends a held packet right
 * after the one that overtakes it that way. */
void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* What the simulator did with the packets handed to it so far, counted as a tap counts
 * its SEND records (kept whether or not a tap is set): a driver that only counts needs
 * no tap. */
struct synack_sim_stats {
	uint64_t pkts;                          /* SEND records */
	uint64_t fate[SYNACK_SIM_FATE_COUNT];   /* by their fate */
	uint64_t duplicated, reordered;         /* with F_DUPLICATED, F_REORDERED */
	uint64_t corrupted, ce_marked;          /* delivered with F_CORRUPTED, F_CE */
};
/* Copies the counts into *out. */
void synack_sim_stats(const struct synack_sim *sim, struct synack_sim_stats *out);

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


/* ==== scenarios: scripted conversations between two stack hosts =====================
 *
 * A scenario (SCENARIOS.md S01..S28) is a script of timed socket calls and link or host
 * manipulations on host A (10.0.0.1) and host B (10.0.0.2), joined by one point-to-point
 * link. Running it records a log of everything that happened, in order: each packet sent
 * (with its fate and, for TCP, seq/ack relative to the ISNs), each delivery with the
 * receiver's decision note, every socket call with its return value, socket events and
 * marks. The demo prints the log; the scenario tests assert on it.
 */

#define SYNACK_SC_ADDR_A 0x0a000001u
#define SYNACK_SC_ADDR_B 0x0a000002u
#define SYNACK_SC_SLOTS 16          /* socket slots per host a script can name */
#define SYNACK_SC_MS(x) ((uint64_t)(x) * 1000000ull)

enum synack_sc_op {
	SYNACK_SC_END = 0,
	SYNACK_SC_LISTEN,      /* socket, bind(any, port), listen(backlog=arg) into slot */
	SYNACK_SC_CONNECT,     /* socket, bind(any, lport) if lport, connect(peer, port) */
	SYNACK_SC_ACCEPT,      /* accept on listener slot `from` into slot */
	SYNACK_SC_SEND,        /* send data (arg bytes) on slot */
	SYNACK_SC_RECV,        /* recv up to arg bytes (0: 4096) on slot */
	SYNACK_SC_SHUTDOWN,    /* shutdown(slot, arg) */
	SYNACK_SC_CLOSE,       /* close(slot) */
	SYNACK_SC_LINGER0,     /* SO_LINGER {1, 0} on slot */
	SYNACK_SC_KEEPALIVE,   /* SO_KEEPALIVE 1 on slot */
	SYNACK_SC_REUSEADDR,   /* SO_REUSEADDR 1 on slot (a new socket when the slot is empty) */
	SYNACK_SC_BIND,        /* socket + bind(any, lport) into slot */
	SYNACK_SC_PARTITION,   /* the link goes down (arg 1) or heals (arg 0) */
	SYNACK_SC_DROP_NTH,    /* the arg-th packet the host sends from now on is dropped */
	SYNACK_SC_RESTART,     /* the host restarts: its stack loses all state */
	SYNACK_SC_RAW,         /* the host's side of the link injects crafted segments (raw) */
	SYNACK_SC_SS,          /* snapshot of the host's connection list (synack_sock_list) */
	SYNACK_SC_SEND_OOB,    /* send data (arg bytes) on slot with SYNACK_MSG_OOB */
	SYNACK_SC_ADD_ADDR,    /* the host (its stack and the simulator) owns address arg too */
	SYNACK_SC_MARK,        /* a comment in the log: data */
	SYNACK_SC_TW_REUSE,    /* the host's stack gets tw_reuse = arg (synack_stack_set_config) */
	SYNACK_SC_SYNCOOKIES,  /* the host's stack gets syncookies = arg (synack_stack_set_config) */
};

/* A crafted segment for SYNACK_SC_RAW, built with the wire layer and sent by the step's
 * host (its stack never sees it): from saddr:sport to daddr:dport. seq is relative to the
 * ISN the log learnt for this direction of the 4-tuple (from a SYN seen on the link), ack
 * relative to the other direction's; where no ISN is known the number is used as is.
 * With count > 1, copy i (0-based) comes from saddr + i and sport + i, with seq + i * 7919
 * (a spoofed flood). */
struct synack_sc_raw {
	uint32_t saddr;         /* 0: the host's own address */
	uint32_t daddr;         /* 0: the other host's address */
	uint16_t sport, dport;
	uint8_t flags;          /* TCP flags byte as on the wire */
	uint32_t seq, ack;
	uint16_t win;
	uint16_t urp;
	const uint8_t *opts;    /* raw option bytes (written as given, data offset adjusted; */
	uint8_t opts_len;       /* a length that is not a multiple of 4 is padded with EOL) */
	uint16_t mss;           /* non-zero and opts NULL: an MSS option */
	const char *data;       /* payload */
	uint32_t len;
	uint32_t count;         /* 0 = 1 */
	uint8_t doff;           /* non-zero: the data offset field (4 bits, words) written as
	                           given after building, even when it is wrong (S15) */
};

struct synack_sc_step {
	uint64_t at_ns;         /* virtual time of the step */
	enum synack_sc_op op;
	int host;               /* 0 = A, 1 = B */
	int slot;
	int from;               /* ACCEPT: listener slot */
	uint16_t port;          /* LISTEN: local port; CONNECT: peer port */
	uint16_t lport;         /* CONNECT/BIND: local port (0: ephemeral) */
	uint32_t arg;
	const char *data;       /* SEND: arg bytes; MARK: the text */
	uint32_t addr;          /* LISTEN/BIND: local address (0: any); CONNECT: peer address
	                           (0: the other host's) */
	const struct synack_sc_raw *raw; /* RAW */
};

struct synack_scenario {
	const char *id;         /* "S01" */
	const char *name;       /* "handshake-close" */
	const char *what;       /* one line: what it shows */
	bool ready;             /* false: the engine cannot do it yet ("(not yet)") */
	bool auto_accept[2];    /* accept on SYNACK_EV_ACCEPTABLE into the next free slot */
	bool auto_read[2];      /* recv everything on SYNACK_EV_READABLE (logs data/EOF) */
	struct synack_link_dir ab, ba;
	void (*configure)(int host, struct synack_config *cfg); /* NULL: defaults */
	const struct synack_sc_step *steps;
	uint64_t run_until_ns;  /* the run stops here (or earlier when idle) */
	const char *explain;    /* NULL or lines printed after the run (arithmetic, formulas) */
};

/* The catalogue, in id order, and its size. */
const struct synack_scenario *synack_scenarios(size_t *count);
/* By id ("S01", case-insensitive, "1" and "s1" too) or name; NULL when unknown. */
const struct synack_scenario *synack_scenario_find(const char *key);

enum synack_sc_kind {
	SYNACK_SC_LOG_SEND,     /* a packet handed to the link (once per packet) */
	SYNACK_SC_LOG_DELIVER,  /* a copy arrives at a host */
	SYNACK_SC_LOG_NOTE,     /* a decision note of a host's stack */
	SYNACK_SC_LOG_EVENT,    /* a socket event */
	SYNACK_SC_LOG_CALL,     /* a socket call of the script (or auto accept/read) */
	SYNACK_SC_LOG_MARK,     /* a link or host manipulation, or a comment */
	SYNACK_SC_LOG_SS,       /* a snapshot of a host's connection list (synack_sc_snapshot) */
};

struct synack_sc_entry {
	enum synack_sc_kind kind;
	uint64_t t_ns;
	int host;               /* who sends / receives / calls / notes */
	int peer;               /* SEND/DELIVER: the other host, -1 if none */
	/* SEND / DELIVER */
	uint64_t pkt_id;
	enum synack_sim_fate fate;
	uint32_t sim_flags;     /* SYNACK_SIM_F_* */
	bool is_dup;
	bool is_tcp;            /* the fields below parsed */
	uint8_t tcp_flags;
	uint32_t seq, ack, len; /* as on the wire; len = payload bytes */
	uint32_t rel_seq, rel_ack; /* seq - sender's ISN, ack - receiver's ISN (when known) */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	int state;              /* SEND: the sender's state of this 4-tuple after sending;
	                           DELIVER: the receiver's after processing (read from the
	                           stack's connection list when its decision note is drained;
	                           CLOSED when it holds no such connection; -1 if unknown) */
	int state_before;       /* DELIVER: receiver's state before (-1 unknown) */
	const char *decision;   /* DELIVER: the receiver's note reason, NULL if none */
	uint8_t verdict;        /* DELIVER: enum synack_verdict, 0 if none */
	uint32_t pkt_off, pkt_len; /* SEND: bytes in the run's arena (pkt_len 0 if not kept) */
	/* NOTE */
	struct synack_note note;
	/* EVENT */
	struct synack_event event;
	/* CALL / MARK; SEND / DELIVER of an IPv4 TCP packet whose header does not parse:
	 * why (wire_strerror, "tcp: option length 0 or 1"), is_tcp false, addresses and
	 * ports (when 4 bytes are there) still filled */
	char text[64];
	long ret;               /* CALL: the return value (negative errno on failure) */
	bool injected;          /* SEND: a crafted segment of a RAW step */
	uint8_t tcp_hdr_len;    /* SEND/DELIVER with is_tcp: data offset * 4 */
	uint16_t urp;           /* SEND/DELIVER with is_tcp: urgent pointer */
	uint16_t win;           /* SEND/DELIVER with is_tcp: window as on the wire */
	uint16_t mss;           /* SEND/DELIVER with is_tcp: MSS option, 0 if absent */
	/* SS: the snapshot's entries (synack_sc_snapshot) */
	uint32_t ss_off, ss_count;
};

struct synack_sc_run;

/* Runs scenario sc with seed. env supplies the allocator (its secret is not used).
 * Returns the run (free with synack_sc_run_free) or NULL when memory runs out. */
struct synack_sc_run *synack_sc_run(const struct synack_scenario *sc, uint64_t seed,
				    const struct synack_env *env);
void synack_sc_run_free(struct synack_sc_run *run);
/* The log: *count entries, valid until synack_sc_run_free. */
const struct synack_sc_entry *synack_sc_log(const struct synack_sc_run *run, size_t *count);
/* The bytes of a SEND entry's packet (NULL when not kept). */
const uint8_t *synack_sc_packet(const struct synack_sc_run *run, const struct synack_sc_entry *e);
/* The simulator of the run (for inspection after the run: stacks, time). */
struct synack_sim *synack_sc_sim(const struct synack_sc_run *run);
/* The descriptor in a host's script slot (-1 when empty). */
int synack_sc_fd(const struct synack_sc_run *run, int host, int slot);
/* The connection list of an SS entry: *count entries (NULL when e is not one). */
const struct synack_sock_info *synack_sc_snapshot(const struct synack_sc_run *run,
						  const struct synack_sc_entry *e, size_t *count);
/* Whether the log or the packet arena filled up (later entries/bytes were not kept). */
bool synack_sc_truncated(const struct synack_sc_run *run);

#ifdef __cplusplus
}
#endif

#endif
