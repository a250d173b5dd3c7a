/*
 * synack.h — the public contract of synack, a sans-IO userspace TCP/IPv4 stack.
 *
 * The stack never reads a clock, a device or a random source. A driver (the simulator,
 * the TUN loop, a test) feeds it three kinds of input and drains two kinds of output:
 *
 *   inputs:  synack_input()   one received IPv4 packet
 *            socket calls     synack_connect(), synack_send(), ...
 *            synack_advance() "the time is now": fires the timers that are due
 *   outputs: synack_output()  one packet to transmit, copied into the caller's buffer
 *            synack_poll_event() / synack_poll_note()   socket events, decision log
 *            synack_next_deadline()  when to call synack_advance() next
 *
 * The driver loop, in this order, after ANY input (packet, socket call or advance):
 *   1. while ((n = synack_output(s, now, buf, sizeof buf)) > 0) transmit(buf, n);
 *   2. while (synack_poll_event(s, &ev)) handle(ev);   (handlers may make socket calls:
 *      then go back to 1)
 *   3. deadline = synack_next_deadline(s); sleep until a packet arrives or the deadline.
 * The engine never calls back into the driver or the application.
 *
 * Time: every driver call takes now_ns, a monotonic time in nanoseconds chosen by the
 * caller (it need not start at 0 and must never go backwards; a smaller value than one
 * seen before is treated as the latest value seen). Socket calls take no time: they use
 * the latest now_ns the stack was given (0 before the first driver call).
 *
 * Addresses and ports are in host byte order everywhere in this header (10.0.0.1 is
 * 0x0a000001). Socket calls return >= 0 on success or a negative errno value with
 * Linux's meaning for the same situation (-ECONNREFUSED, -EAGAIN, ...; compare with the
 * <errno.h> names). The stack never blocks: where Linux would block, it returns -EAGAIN.
 *
 * Ownership: every pointer argument is borrowed for the duration of the call only,
 * unless the function says otherwise. No function keeps a pointer given to it.
 *
 * Thread safety: none. One stack is used by one thread at a time; separate stacks are
 * fully independent (no globals), so many can live in one process.
 */
#ifndef SYNACK_SYNACK_H
#define SYNACK_SYNACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct synack_stack;

/* ==== configuration ================================================================ */

/*
 * Knobs named after Linux's sysctls (net.ipv4.tcp_<name>, net.core.<name>) with Linux's
 * defaults, except where noted. Durations carry their unit in the name. Fill one with
 * synack_config_default() and change what you need; synack_stack_set_config() changes
 * them at run time (new values apply to timers armed afterwards).
 */
struct synack_config {
	/* connection establishment (RFC 9293 §3.8.1, §3.8.3) */
	uint32_t syn_retries;          /* 7: SYN retransmissions before ETIMEDOUT. Linux has 6
	                                * (127 s in all), below RFC 9293 MUST-23's 3 minutes;
	                                * 7 gives 1+2+...+64 = 127 s + 128 s = 255 s. */
	uint32_t synack_retries;       /* 5: SYN-ACK retransmissions, then the half-open
	                                * entry is dropped silently */
	uint32_t syncookies;           /* 1: 0 off, 1 when the SYN queue overflows, 2 always */
	uint32_t max_syn_backlog;      /* 1024: upper bound of each listener's SYN queue
	                                * (the queue is also bounded by the listen backlog) */
	uint32_t somaxconn;            /* 4096: listen() backlog is clamped to this */
	uint32_t quiet_time;           /* 0: when 1, no connection is initiated or accepted
	                                * during the first msl_ms after the first driver call
	                                * (RFC 9293 §3.4.3 quiet time; off as in Linux) */

	/* retransmission (RFC 6298, RFC 9293 §3.8.1, §3.8.3) */
	uint32_t rto_initial_ms;       /* 1000: RFC 6298 (2.1) */
	uint32_t rto_min_ms;           /* 200: Linux's TCP_RTO_MIN (RFC 6298 (2.4) says 1 s) */
	uint32_t rto_max_ms;           /* 120000: Linux's TCP_RTO_MAX */
	uint32_t retries1;             /* 3: R1, retransmissions before the stack reports
	                                * (an SYNACK_NOTE and counter) that the path looks bad */
	uint32_t retries2;             /* 15: R2, retransmissions before ETIMEDOUT */
	uint32_t delayed_ack_ms;       /* 40: delayed-ACK timeout (Linux TCP_DELACK_MIN;
	                                * RFC 9293 SHLD-18 bounds it at 500 ms) */

	/* closing (RFC 9293 §3.6, §3.4.2) */
	uint32_t fin_timeout_ms;       /* 60000: an orphaned (fully closed) FIN-WAIT-2
	                                * connection is dropped after this */
	uint32_t msl_ms;               /* 30000: TIME-WAIT lasts 2 * msl_ms = 60 s (Linux's
	                                * TCP_TIMEWAIT_LEN). RFC 9293 suggests MSL = 2 min. */
	uint32_t tw_reuse;             /* 2: as Linux: 0 off, 1 on, 2 loopback only. Reuse of
	                                * a TIME-WAIT 4-tuple by connect() when timestamps
	                                * prove the new incarnation newer (RFC 6191 idea) */
	uint32_t rfc1337;              /* 1: ignore RST in TIME-WAIT (RFC 1337). Linux's
	                                * default is 0; the issue asks for 1. */

	/* keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6) */
	uint32_t keepalive_time_ms;    /* 7200000: idle time before the first probe */
	uint32_t keepalive_intvl_ms;   /* 75000: time between probes */
	uint32_t keepalive_probes;     /* 9: unanswered probes before ETIMEDOUT */

	/* robustness (RFC 5961) */
	uint32_t challenge_ack_limit;  /* 1000: challenge ACKs per second per connection */
	uint32_t invalid_ratelimit_ms; /* 500: min. gap between duplicate ACKs sent in answer
	                                * to out-of-window segments (Linux's
	                                * tcp_invalid_ratelimit) */

	/* options (RFC 7323, RFC 2018) */
	uint32_t window_scaling;       /* 1 */
	uint32_t timestamps;           /* 1 */
	uint32_t sack;                 /* 1: offer and accept SACK-permitted (RFC 2018 §2,
	                                * net.ipv4.tcp_sack); 0: neither */

	/* buffers (net.ipv4.tcp_rmem / tcp_wmem middle values, net.core.*_max) */
	uint32_t rmem_default;         /* 131072 bytes */
	uint32_t wmem_default;         /* 16384 bytes */
	uint32_t rmem_max;             /* 6291456 bytes: SO_RCVBUF is clamped to this, and
	                                * autotuning stops here (tcp_rmem[2]) */
	uint32_t wmem_max;             /* 4194304 bytes: SO_SNDBUF is clamped to this */

	/* IP (net.ipv4.*) */
	uint32_t mtu;                  /* 1500: the interface MTU; our MSS = mtu - 40 */
	uint16_t ip_local_port_range_lo; /* 32768 */
	uint16_t ip_local_port_range_hi; /* 60999 */
	uint8_t  ip_default_ttl;       /* 64 */
	uint8_t  icmp_echo_ignore_all; /* 0: answer pings */
	uint8_t  accept_source_route;  /* 0, as Linux (net.ipv4.conf.*.accept_source_route):
	                                * datagrams with a loose or strict source route
	                                * option are dropped and counted (RFC 7126 §4.3-4.4
	                                * advise it). 1: RFC 9293 §3.9.2.1 / RFC 1122
	                                * §4.2.3.8: a completed route's return route is saved
	                                * and used by the connection (MUST-53, SHLD-24).
	                                * Sending a route (IP_OPTIONS, MUST-51) works either
	                                * way. Other values: the config is refused
	                                * (-EINVAL). */

	/* bookkeeping (synack only) */
	uint32_t notes_max;            /* 1024: capacity of the decision-note queue; 0 turns
	                                * notes off. When full the oldest note is dropped and
	                                * SYNACK_CTR_NOTES_LOST is counted */
	uint32_t max_sockets;          /* 65536: descriptor table limit (EMFILE beyond) */

	/* congestion control (RFC 5681, RFC 6928, RFC 9438) */
	char congestion_control[16];   /* "cubic" (net.ipv4.tcp_congestion_control); "reno"
	                                * is NewReno. NUL-terminated; an unknown name makes
	                                * the config invalid. Per socket: SYNACK_TCP_CONGESTION */
	uint32_t slow_start_after_idle; /* 1: after more than one RTO without sending, cwnd
	                                * restarts from min(IW, cwnd) (RFC 5681 §4.1) */

	/* loss detection (net.ipv4.tcp_recovery, tcp_early_retrans) */
	uint32_t recovery;             /* 1: bit 0x1 RACK loss detection (RFC 8985) on SACK
	                                * connections; 0: RFC 6675 / RFC 6582 only */
	uint32_t early_retrans;        /* 3: >= 3 sends RFC 8985 tail loss probes (with
	                                * RACK); below 3 none */

	/* offloads, as ethtool's features of a device (docs/choices.md "GSO/GRO"); not
	 * Linux sysctls, and off by default here: every packet the driver sees is one
	 * wire packet, as the tests and drill scripts assert */
	uint32_t gso;                  /* 1: synack_output_gso may return super-segments */
	uint32_t gro;                  /* 1: synack_input_burst merges in-order segments */

	/* receive-buffer autotuning (net.ipv4.tcp_moderate_rcvbuf; docs/choices.md) */
	uint32_t moderate_rcvbuf;      /* 1: a connection's receive buffer grows from
	                                * rmem_default toward twice what the application
	                                * reads per RTT, up to rmem_max (Linux tcp_rmem[2]),
	                                * and our window shift is chosen for rmem_max;
	                                * SO_RCVBUF stops it. 0: fixed at rmem_default */
	/* Explicit Congestion Notification (RFC 3168 §6.1, RFC 9293 SHLD-8) */
	uint32_t tcp_ecn;              /* 2, as Linux's net.ipv4.tcp_ecn: 0 off; 1 request
	                                * ECN on outgoing connections and accept it on
	                                * incoming ones; 2 accept it when the peer asks,
	                                * never request. Above 2: the config is refused */
};

/* Fills *cfg with the defaults written above. */
void synack_config_default(struct synack_config *cfg);

/* ==== environment: what the stack needs from the OS, injected =========================== */

#define SYNACK_SECRET_LEN 32

/*
 * The allocator and secret keys, copied by synack_stack_new (the struct itself is not
 * kept; ctx is kept and passed to every alloc/free call). alloc returns NULL on failure
 * (the stack then fails the call with -ENOMEM or drops the packet and counts it); free
 * gets back the size given to alloc. secret: bytes 0..15 key the RFC 6528 ISN hash,
 * bytes 16..31 key the SYN cookies (RFC 4987). src/io gives a malloc + getrandom()
 * environment (synack/io.h); tests inject fixed keys for reproducible ISNs.
 */
struct synack_env {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
	uint8_t secret[SYNACK_SECRET_LEN];
};

/* ==== the stack ===================================================================== */

/*
 * Creates a stack with a copy of *cfg (NULL: defaults) and of *env. Returns NULL when
 * env is NULL, env->alloc/free are NULL, the config is invalid (see
 * synack_stack_set_config) or memory runs out.
 */
struct synack_stack *synack_stack_new(const struct synack_config *cfg,
				      const struct synack_env *env);
/* Frees the stack and everything in it, without sending anything. NULL is a no-op. */
void synack_stack_free(struct synack_stack *s);
/*
 * Adds an IPv4 address (host order) the stack owns: packets to other destinations are
 * dropped (counted). Returns 0, -EEXIST if already there, -EINVAL for 0.0.0.0, a
 * multicast/broadcast/loopback-net address is accepted only for 127.x, -ENOSPC beyond
 * SYNACK_MAX_ADDRS addresses.
 */
#define SYNACK_MAX_ADDRS 16
int synack_stack_add_addr(struct synack_stack *s, uint32_t addr);
/*
 * Replaces the configuration (copied). Returns -EINVAL (nothing changed) when a value is
 * refused; every refused value: syncookies > 2, quiet_time > 1, rto_initial_ms 0,
 * rto_min_ms 0, rto_min_ms > rto_max_ms, msl_ms 0, tw_reuse > 2, rmem_default 0,
 * wmem_default 0, mtu < 68 or > 65535, ip_local_port_range_lo 0 or > _hi,
 * ip_local_port_range_hi 0, ip_default_ttl 0, accept_source_route > 1, max_sockets 0 or
 * > 65536, gso > 1, gro > 1, moderate_rcvbuf > 1, tcp_ecn > 2, a congestion_control
 * without its terminating NUL or not built in ("reno", "newreno", "cubic"); notes_max
 * cannot change after creation. Every other field takes any value of its width. TIME-WAIT and timers
 * already armed keep their deadlines.
 */
int synack_stack_set_config(struct synack_stack *s, const struct synack_config *cfg);
/*
 * The range [*min, *max] synack_stack_set_config accepts for the field named field (its
 * struct synack_config name; borrowed for the call) taken alone. Returns false, leaving
 * *min and *max alone, for a field without a range of its own (any value of its width,
 * or a string). The limits that involve two fields (the port range, rto_min_ms <=
 * rto_max_ms) are not ranges of one field.
 */
bool synack_config_range(const char *field, uint32_t *min, uint32_t *max);
/* The current configuration (valid until the next set_config or stack_free). */
const struct synack_config *synack_stack_config(const struct synack_stack *s);
/*
 * Replaces the SYN-cookie key (RFC 4987 §3.6 secret rotation). Cookies made under the
 * previous key stay valid until the rotation after this one. key: 16 bytes.
 */
void synack_stack_rotate_cookie_key(struct synack_stack *s, const uint8_t key[16]);

/* ==== driver calls ================================================================== */

/*
 * One received IPv4 packet pkt[0..len) (the IP header first, no link header), borrowed
 * for the call. Never fails: bad packets are dropped and counted (synack_counter), and a
 * decision note is recorded for every TCP segment.
 */
void synack_input(struct synack_stack *s, uint64_t now_ns, const uint8_t *pkt, size_t len);
/*
 * Copies the next packet to transmit (a complete IPv4 packet) into buf[0..cap) and
 * returns its length, or 0 when there is nothing to send. cap should be at least the
 * configured mtu: a packet that does not fit is discarded and counted
 * (SYNACK_CTR_OUT_NO_ROOM). Segments are built here, from connection state, so calling
 * it late never sends stale data.
 */
size_t synack_output(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap);

/*
 * Segmentation and receive offloads (docs/choices.md "GSO/GRO"), for drivers whose
 * device takes a burst at a time; with the gso and gro knobs off (the default) these
 * behave exactly as synack_output and one synack_input per packet.
 *
 * synack_output_gso: synack_output, except that with cfg.gso on a connection sending
 * full-sized segments of new data may return one super-segment (up to 65535 bytes:
 * give cap >= 65535 to get them whole) and set *gso_size to its payload bytes per wire
 * packet; *gso_size is 0 for an ordinary packet. A super-segment's TCP checksum is not
 * valid: never transmit it as it is, cut it with synack_gso_segment. The counters
 * count the wire packets.
 */
size_t synack_output_gso(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap,
			 uint32_t *gso_size);
/*
 * Writes wire packet number index (0-based) of the super-segment pkt[0..len) cut at
 * gso_size payload bytes into out[0..cap) and returns its length; 0 when index is past
 * the last packet, cap is too small, or pkt is not an IPv4/TCP packet with whole
 * headers. Each packet is what synack_output would have returned one call after the
 * other: the IPv4 and TCP headers copied, the IP total length, ID (+ index) and
 * header checksum, the TCP sequence number (+ index * gso_size) and checksum computed,
 * PSH and FIN kept on the last packet only. Pure function of its arguments.
 */
size_t synack_gso_segment(const uint8_t *pkt, size_t len, uint32_t gso_size, uint32_t index,
			  uint8_t *out, size_t cap);

/*
 * synack_output_burst: synack_output_gso without the super-segment: its wire packets
 * are written one by one straight from the connection's send buffer. Writes the next
 * packet into buf[0..cap) (cap >= the mtu) and returns its length (0: nothing to send)
 * with *npkts = 1, or, with cfg.gso on, wire packet 0 of a burst of *npkts >= 2 wire
 * packets, the others to be written with synack_burst_packet(s, 1 .. *npkts - 1, ...)
 * before the next call on s. The packets are the bytes synack_gso_segment cuts from
 * the super-segment synack_output_gso would have returned (the same per-packet counters
 * and state: the burst counts as sent).
 */
size_t synack_output_burst(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap,
			   uint32_t *npkts);
/*
 * Writes wire packet index of the burst the last synack_output_burst call on s began
 * into out[0..cap) and returns its length; 0 when there is no such burst or packet
 * (another call on s came in between and freed the connection or acknowledged the
 * bytes, index >= its *npkts), or cap is too small.
 */
size_t synack_burst_packet(struct synack_stack *s, uint32_t index, uint8_t *out, size_t cap);

/* One received packet of a burst (data borrowed for the call). */
struct synack_pkt {
	const uint8_t *data;
	size_t len;
};
/*
 * Received packets pkts[0..n), in arrival order. With cfg.gro off: synack_input on
 * each, in order. With cfg.gro on, as a device with GRO: every packet's IPv4 and TCP
 * checksums are verified (a bad one is dropped and counted as synack_input would, the
 * rest still delivered), then consecutive in-order TCP segments of one connection whose
 * headers are the same except the sequence number (ACK only, or PSH on the last one
 * merged; the same options, acknowledgment and window; all but the last full-sized)
 * are handed to TCP as one segment of at most 65535 bytes: TCP's per-segment work —
 * and its ACK, one per merged segment carrying more than one full-sized segment, as
 * Linux — is done once. Counters count the wire packets.
 */
void synack_input_burst(struct synack_stack *s, uint64_t now_ns, const struct synack_pkt *pkts,
			size_t n);
/* Bits of synack_pending(). */
enum {
	SYNACK_PENDING_OUTPUT = 1u << 0, /* synack_output may return a packet */
	SYNACK_PENDING_EVENT = 1u << 1,  /* synack_poll_event returns an event */
	SYNACK_PENDING_NOTE = 1u << 2,   /* synack_poll_note returns a note */
};
/*
 * What the outputs hold, for a driver that skips the calls that would find nothing: a
 * clear bit means the matching call returns nothing now (synack_output and
 * synack_output_gso 0, synack_poll_event / synack_poll_note false). A set
 * SYNACK_PENDING_OUTPUT means synack_output may return a packet: it may still return 0
 * (a connection waiting on a closed window, say); the EVENT and NOTE bits are exact.
 * Only inputs, socket calls, synack_advance and the output and poll calls change them.
 *
 * The clock: takes now_ns and records it exactly as synack_output does (the latest
 * value seen is kept), so that a driver that calls synack_pending(s, now) instead of an
 * empty synack_output(s, now, ...) leaves the stack in the same state — the socket calls
 * that follow see the same time. It changes nothing else. O(1), allocates nothing.
 * 0 means the driver loop's steps 1 and 2 have nothing to do.
 */
unsigned synack_pending(struct synack_stack *s, uint64_t now_ns);
/* Fires every timer due at or before now_ns. */
void synack_advance(struct synack_stack *s, uint64_t now_ns);
/*
 * The absolute time (same clock as now_ns) at which synack_advance() should next be
 * called, or UINT64_MAX when no timer is armed. May be earlier than the earliest timer
 * (a harmless early wake-up), never later. O(1) in the number of connections.
 */
uint64_t synack_next_deadline(struct synack_stack *s);

/* ==== events ======================================================================== */

enum synack_event_kind {
	SYNACK_EV_READABLE = 1, /* data, EOF (peer FIN) or an error can be read */
	SYNACK_EV_WRITABLE,     /* send buffer space became available */
	SYNACK_EV_CONNECTED,    /* a non-blocking connect() completed: ESTABLISHED */
	SYNACK_EV_ACCEPTABLE,   /* a listener's accept queue became non-empty */
	SYNACK_EV_RESET,        /* the peer reset the connection (error: ECONNRESET or
	                         * ECONNREFUSED) */
	SYNACK_EV_CLOSED,       /* the connection reached CLOSED or TIME-WAIT; the
	                         * descriptor stays valid until synack_close() */
	SYNACK_EV_ERROR,        /* the connection failed: error holds the errno
	                         * (ETIMEDOUT, EHOSTUNREACH, ...) — also readable via
	                         * SO_ERROR */
	SYNACK_EV_URGENT,       /* the peer's urgent pointer advanced: urgent data is
	                         * pending (RFC 9293 §3.8.5 MUST-32; poll() also shows
	                         * SYNACK_POLLPRI, tcp_info.urg_data says how much) */
	SYNACK_EV_SOFT_ERROR,   /* an error report while the connection goes on (RFC 9293
	                         * §3.9.1.8 MUST-47): error holds EHOSTUNREACH, ENETUNREACH,
	                         * ... for an ICMP soft error, ETIMEDOUT when R1 was reached
	                         * (§3.8.3 SHLD-9). Off with SYNACK_SO_ERROR_REPORTS = 0 */
};

struct synack_event {
	int fd;                        /* the descriptor concerned */
	enum synack_event_kind kind;
	int error;                     /* a positive errno for RESET/ERROR, else 0 */
};

/*
 * Pops the next socket event into *ev; false when none. Events are coalesced per socket
 * (at most one pending event of each kind per descriptor) so the queue is bounded by
 * the number of sockets. Events are edge notifications: use synack_poll() for the
 * level (current readiness).
 */
bool synack_poll_event(struct synack_stack *s, struct synack_event *ev);

/*
 * Pops up to max events into ev[0..], as max synack_poll_event calls in a row would (the
 * same events in the same order: the queue's sockets in turn, each socket's pending
 * kinds lowest first); returns how many, 0 when none. A return below max means the
 * queue is empty. Like epoll_wait, the events are those pending at the call: a handler
 * that closes a descriptor must expect later events of that batch for it.
 */
size_t synack_poll_events(struct synack_stack *s, struct synack_event *ev, size_t max);

/* ==== decision notes (why the stack did what it did) ================================= */

enum synack_note_dir {
	SYNACK_NOTE_IN = 1,   /* a segment (or packet) arrived */
	SYNACK_NOTE_OUT,      /* a segment was built for transmission */
	SYNACK_NOTE_TIMER,    /* a timer expired */
	SYNACK_NOTE_USER,     /* a socket call changed state */
};

enum synack_verdict {
	SYNACK_V_ACCEPTED = 1, /* processed (state may have changed) */
	SYNACK_V_DROPPED,      /* discarded without reply */
	SYNACK_V_ACKED,        /* discarded, answered with an ACK (incl. challenge ACK) */
	SYNACK_V_RESET,        /* answered with a RST, or the connection was reset */
	SYNACK_V_SENT,         /* (OUT) transmitted */
	SYNACK_V_FIRED,        /* (TIMER) the timer's action was taken */
	SYNACK_V_TIMED_OUT,    /* (TIMER) the connection was given up */
};

struct synack_note {
	uint64_t time_ns;
	int fd;                 /* the descriptor, or -1 (no socket: listener child not
	                         * yet accepted, half-open entry, TIME-WAIT, closed port) */
	uint32_t laddr, raddr;  /* the 4-tuple, local side first (0 when unknown) */
	uint16_t lport, rport;
	uint8_t dir;            /* enum synack_note_dir */
	uint8_t verdict;        /* enum synack_verdict */
	uint8_t state_before;   /* enum synack_state */
	uint8_t state_after;
	uint8_t tcp_flags;      /* of the segment (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08
	                         * ACK 0x10 URG 0x20), 0 for timers */
	uint8_t timer;          /* enum synack_timer for TIMER notes, else 0 */
	uint32_t seq, ack;      /* of the segment */
	uint32_t len;           /* payload bytes of the segment */
	const char *reason;     /* static string: "accepted", "challenge ACK",
	                         * "dropped: not acceptable", "RST sent: no listener", ... */
};

/* Pops the oldest decision note into *n; false when none. */
bool synack_poll_note(struct synack_stack *s, struct synack_note *n);

/* ==== states and timers ============================================================= */

/* RFC 9293 §3.3.2 states, ordered so that "has received a SYN", "is synchronized",
 * "has sent a FIN" are ranges (as in FreeBSD's tcp_fsm.h). */
enum synack_state {
	SYNACK_STATE_CLOSED = 0,
	SYNACK_STATE_LISTEN,
	SYNACK_STATE_SYN_SENT,
	SYNACK_STATE_SYN_RECEIVED,
	SYNACK_STATE_ESTABLISHED,
	SYNACK_STATE_CLOSE_WAIT,
	SYNACK_STATE_FIN_WAIT_1,
	SYNACK_STATE_CLOSING,
	SYNACK_STATE_LAST_ACK,
	SYNACK_STATE_FIN_WAIT_2,
	SYNACK_STATE_TIME_WAIT,
	SYNACK_STATE_COUNT
};

/* "SYN-RECEIVED", "TIME-WAIT", ... as RFC 9293 writes them; "?" when out of range. */
const char *synack_state_name(int state);

enum synack_timer {
	SYNACK_TIMER_NONE = 0,
	SYNACK_TIMER_RETRANSMIT,   /* data / SYN / FIN retransmission (RFC 6298) */
	SYNACK_TIMER_PERSIST,      /* zero-window probe (RFC 9293 §3.8.6.1) */
	SYNACK_TIMER_DELACK,       /* delayed ACK (RFC 9293 §3.8.6.3) */
	SYNACK_TIMER_KEEPALIVE,    /* RFC 9293 §3.8.4 */
	SYNACK_TIMER_TIME_WAIT,    /* 2MSL */
	SYNACK_TIMER_FIN_WAIT_2,   /* orphaned FIN-WAIT-2 (fin_timeout) */
	SYNACK_TIMER_SYNACK,       /* half-open entry's SYN-ACK retransmission */
	SYNACK_TIMER_USER_TIMEOUT, /* RFC 9293 §3.8.3 USER TIMEOUT / TCP_USER_TIMEOUT */
	SYNACK_TIMER_COUNT
};

/* "retransmit", "persist", "delack", "keepalive", "time-wait", "fin-wait-2", "syn-ack",
 * "user-timeout", "none"; "?" when out of range. */
const char *synack_timer_name(int timer);

/* ==== sockets ======================================================================= */

/* Constants with Linux's numeric values, so callers need no libc socket headers. */
#define SYNACK_SOL_SOCKET    1
#define SYNACK_IPPROTO_IP    0
#define SYNACK_IPPROTO_TCP   6
#define SYNACK_IP_TOS        1   /* DS field + ECN byte of every IPv4 header sent (MUST-48);
                                  * the ECN bits are kept by the stack, as Linux does */
#define SYNACK_IP_TTL        2   /* 1..255, -1 = the stack's ip_default_ttl (MUST-49) */
#define SYNACK_IP_OPTIONS    4   /* bytes, not an int: the IP options of every datagram
                                  * the socket sends, as Linux's: up to 40 bytes of NOP,
                                  * EOL and one LSRR (131) / SSRR (137) source route with
                                  * pointer 4 whose addresses are the hops, the first
                                  * hop first (the connect() address is the final
                                  * destination, put in the last slot: RFC 791, MUST-51).
                                  * Padded with EOL to a multiple of 4; len 0 clears;
                                  * -EINVAL for anything else (other option kinds
                                  * included). getsockopt returns the padded bytes, or
                                  * the return route a passive connection saved
                                  * (MUST-53), and sets *len (0 when none). */
#define SYNACK_SO_REUSEADDR  2
#define SYNACK_SO_ERROR      4
#define SYNACK_SO_SNDBUF     7
#define SYNACK_SO_RCVBUF     8
#define SYNACK_SO_KEEPALIVE  9
#define SYNACK_SO_LINGER     13
#define SYNACK_TCP_NODELAY   1
#define SYNACK_TCP_MAXSEG    2
#define SYNACK_TCP_KEEPIDLE  4   /* seconds */
#define SYNACK_TCP_KEEPINTVL 5   /* seconds */
#define SYNACK_TCP_KEEPCNT   6
#define SYNACK_TCP_SYNCNT    7
#define SYNACK_TCP_USER_TIMEOUT 18 /* milliseconds, 0 = off */
#define SYNACK_TCP_CONGESTION 13 /* a string, not an int: "cubic" or "reno" (Linux's
                                  * names; "newreno" also accepted); -ENOENT for an
                                  * unknown name; getsockopt writes up to 16 bytes */
/* synack only (Linux has these as sysctls alone): R1 and R2 of RFC 9293 §3.8.3 per
 * socket, in retransmissions (MUST-20, MUST-21). */
#define SYNACK_TCP_RETRIES1  0x5301
#define SYNACK_TCP_RETRIES2  0x5302
/* synack only: 0 turns SYNACK_EV_SOFT_ERROR reports off for this socket (RFC 9293
 * §3.9.1.8 SHLD-20); on (1) by default. Level SYNACK_SOL_SOCKET. */
#define SYNACK_SO_ERROR_REPORTS 0x5310

#define SYNACK_MSG_OOB       0x01  /* send: the data is urgent (RFC 9293 §3.8.5) */
#define SYNACK_MSG_PEEK      0x02
#define SYNACK_MSG_DONTWAIT  0x40  /* accepted; every call is non-blocking anyway */
#define SYNACK_MSG_NOSIGNAL  0x4000 /* accepted; the stack never raises signals */

#define SYNACK_SHUT_RD   0
#define SYNACK_SHUT_WR   1
#define SYNACK_SHUT_RDWR 2

#define SYNACK_POLLIN    0x001
#define SYNACK_POLLPRI   0x002
#define SYNACK_POLLOUT   0x004
#define SYNACK_POLLERR   0x008
#define SYNACK_POLLHUP   0x010
#define SYNACK_POLLRDHUP 0x2000

#define SYNACK_ADDR_ANY 0u

struct synack_linger {
	int l_onoff;
	int l_linger;   /* seconds */
};

/*
 * Descriptors are small non-negative integers. Each carries the generation of its slot,
 * so a descriptor used after synack_close() gives -EBADF even when the slot was reused.
 */

/* A new TCP socket, CLOSED. Returns the descriptor, -EMFILE, or -ENOMEM. */
int synack_socket(struct synack_stack *s);
/*
 * Binds to a local address (SYNACK_ADDR_ANY or one of the stack's addresses, else
 * -EADDRNOTAVAIL) and port (0: an ephemeral port from ip_local_port_range). -EINVAL if
 * already bound; -EADDRINUSE when another socket holds the address/port, or a TIME-WAIT
 * connection does and SO_REUSEADDR is off (Linux's rules: two sockets may share a port
 * only when both set SO_REUSEADDR and neither is listening).
 */
int synack_bind(struct synack_stack *s, int fd, uint32_t addr, uint16_t port);
/*
 * Passive OPEN (RFC 9293 §3.10.1): LISTEN with an accept queue of at most backlog
 * completed connections (0 counts as 1; negative or above somaxconn means somaxconn.
 * Linux admits backlog + 1; we admit exactly backlog). Binds an ephemeral port first if
 * unbound. -EINVAL when connected or connecting; calling it again on a listener updates
 * the backlog.
 */
int synack_listen(struct synack_stack *s, int fd, int backlog);
/*
 * Takes the oldest completed connection from the accept queue (FIFO). Returns its new
 * descriptor and fills *addr and *port with the peer (either may be NULL), or -EAGAIN when
 * the queue is empty, -EINVAL when fd is not listening.
 */
int synack_accept(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port);
/*
 * Active OPEN (RFC 9293 §3.10.1), non-blocking: sends a SYN and returns -EINPROGRESS;
 * completion is reported as SYNACK_EV_CONNECTED, failure as SYNACK_EV_RESET/ERROR and
 * SO_ERROR (ECONNREFUSED, ETIMEDOUT). -EALREADY while connecting, -EISCONN when
 * connected, -EADDRNOTAVAIL when no ephemeral port is free or the stack has no address,
 * -EADDRINUSE when the 4-tuple exists (also in TIME-WAIT, unless tw_reuse applies),
 * -ENETUNREACH for 0.0.0.0 or a multicast/broadcast destination, -EAGAIN during the
 * quiet time, -EISCONN on a listener (Linux; see synack_listen_to_active()).
 */
int synack_connect(struct synack_stack *s, int fd, uint32_t addr, uint16_t port);
/*
 * synack-only extension, no socket-API equivalent: RFC 9293 §3.10.2's SEND in LISTEN
 * with the remote socket specified ("change the connection from passive to active,
 * select an ISS", Figure 5's LISTEN -> SYN-SENT). connect() on a listener stays -EISCONN
 * as in Linux. fd must be listening with an empty SYN queue and an empty accept queue:
 * it stops listening, selects its ISS (RFC 6528), sends <SEQ=ISS><CTL=SYN>, enters
 * SYN-SENT and returns -EINPROGRESS; from there on it is exactly a connecting socket
 * (SYNACK_EV_CONNECTED, SO_ERROR, same errors as synack_connect(), after which it is
 * still listening). -EBADF for a bad descriptor, -EINVAL when fd is not listening,
 * -EBUSY when a half-open or unaccepted connection is queued on it.
 */
int synack_listen_to_active(struct synack_stack *s, int fd, uint32_t addr, uint16_t port);
/*
 * SEND (RFC 9293 §3.10.2): copies up to len bytes into the send buffer and returns how
 * many (possibly fewer than len), -EAGAIN when the buffer is full, -ENOTCONN before the
 * connection is synchronized and not connecting (data given during SYN-SENT is queued,
 * as RFC 9293 allows), -EPIPE after shutdown(SHUT_WR)/close or when the connection is
 * reset (then SO_ERROR holds the reason for one call first, as Linux: ECONNRESET).
 * flags: SYNACK_MSG_OOB marks the data urgent; DONTWAIT/NOSIGNAL are accepted.
 */
ssize_t synack_send(struct synack_stack *s, int fd, const void *buf, size_t len, int flags);
/*
 * RECEIVE (RFC 9293 §3.10.3): copies up to len received bytes (urgent data in line,
 * RFC 6093) and returns the count; 0 at end of stream (peer FIN, or after SHUT_RD);
 * -EAGAIN when nothing is buffered yet; -ECONNRESET/-ETIMEDOUT once after a failure,
 * -ENOTCONN when never connected. SYNACK_MSG_PEEK leaves the data in the buffer.
 */
ssize_t synack_recv(struct synack_stack *s, int fd, void *buf, size_t len, int flags);
/* One piece of a send or receive buffer handed out in place (as struct iovec). */
struct synack_iovec {
	void *base;
	size_t len;
};
/*
 * Zero-copy SEND, in two steps. synack_send_reserve() hands out all the space SEND
 * would accept now, in place at the end of the send buffer: iov[0] and iov[1] (owned
 * by the stack; the buffer is a ring, so the space may wrap: iov[1].len is 0 unless it
 * does) and returns the total (> 0); or the negative errno synack_send() would return
 * now, with the same side effects (SO_ERROR reported once; -EPIPE after SHUT_WR, close
 * or a reset, -ENOTCONN before connecting, -EAGAIN when the buffer is full), both
 * pieces then empty. -EBADF for a bad descriptor, -EFAULT for a NULL iov.
 * The application writes its bytes into the pieces in order, then synack_send_commit()
 * gives the first n of them (n <= the total) to the connection: exactly
 * synack_send(s, fd, those n bytes, n, 0) — same return value, same errno in every
 * state, same segments on the wire. A commit of more than was reserved, or after
 * anything else touched the send buffer (synack_send, another reservation, or any call
 * into the stack that may release or move the buffer: synack_input, synack_advance,
 * synack_output, socket calls on fd), is refused with -EINVAL (after the state's own
 * errno, when send() would return one) and nothing is sent: reserve again. The pieces
 * are valid only until that next call. A commit of 0 is send() of 0 bytes.
 */
ssize_t synack_send_reserve(struct synack_stack *s, int fd, struct synack_iovec iov[2]);
ssize_t synack_send_commit(struct synack_stack *s, int fd, size_t n);
/*
 * Zero-copy RECEIVE. synack_recv_view() shows every readable byte in place, oldest
 * first: iov[0] and iov[1] (owned by the stack, read-only; iov[1].len is 0 unless the
 * bytes wrap at the end of the ring) and returns the total (> 0). With nothing readable
 * both pieces are empty and it returns what synack_recv(..., SYNACK_MSG_PEEK) would: 0
 * at end of stream (peer FIN, or after SHUT_RD), -EAGAIN, -ENOTCONN, or a pending
 * SO_ERROR (-ECONNRESET, -ETIMEDOUT...) which it leaves pending. -EBADF, -EFAULT for a
 * NULL iov. Nothing is consumed; the pieces are valid until the next call into the
 * stack.
 * synack_recv_consume() is synack_recv(s, fd, buf, n, 0) without the copy: it consumes
 * the n oldest buffered bytes and returns n, updating the advertised window, receive
 * buffer autotuning (bytes read) and end of stream exactly as that recv() (same
 * segments on the wire); with nothing readable it returns what that recv() returns (0 at
 * end of stream, -EAGAIN, SO_ERROR once, -ENOTCONN). -EINVAL when n exceeds the bytes
 * buffered (nothing consumed), -EBADF. Urgent data is in line, as for recv().
 */
ssize_t synack_recv_view(struct synack_stack *s, int fd, struct synack_iovec iov[2]);
ssize_t synack_recv_consume(struct synack_stack *s, int fd, size_t n);
/*
 * SHUT_WR: CLOSE for the sending side (RFC 9293 §3.10.4): a FIN after the queued data,
 * the connection still receives (half-close). SHUT_RD: further received data is
 * discarded and recv returns 0. -ENOTCONN when not connected, -EINVAL for bad how.
 */
int synack_shutdown(struct synack_stack *s, int fd, int how);
/*
 * Releases the descriptor. The connection closes gracefully in the background (FIN
 * after queued data), except: unread received data → RST (RFC 2525 §2.17), SO_LINGER
 * {1, 0} → RST (ABORT, RFC 9293 §3.10.5), a listener resets its queued connections.
 * Returns 0 or -EBADF.
 */
int synack_close(struct synack_stack *s, int fd);
/*
 * Socket options at level SYNACK_SOL_SOCKET, SYNACK_IPPROTO_IP or SYNACK_IPPROTO_TCP,
 * names above. Values
 * are int (struct synack_linger for SO_LINGER); len must be at least the size.
 * -ENOPROTOOPT for unknown options, -EINVAL for bad lengths/values. getsockopt writes
 * the value and sets *len; SO_ERROR returns the pending error and clears it.
 */
int synack_setsockopt(struct synack_stack *s, int fd, int level, int name,
		      const void *val, size_t len);
int synack_getsockopt(struct synack_stack *s, int fd, int level, int name,
		      void *val, size_t *len);
/* Local and peer address/port; -ENOTCONN for the peer when there is none. */
int synack_getsockname(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port);
int synack_getpeername(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port);
/*
 * Readiness now (level-triggered), the SYNACK_POLL* bits of events that hold, plus
 * POLLERR/POLLHUP whatever events asks. Returns the bits, or -EBADF.
 */
int synack_poll(struct synack_stack *s, int fd, int events);

/* STATUS (RFC 9293 §3.10.6), in the spirit of Linux's TCP_INFO. */
struct synack_tcp_info {
	uint8_t  state;          /* enum synack_state */
	uint8_t  retransmits;    /* consecutive unanswered retransmissions now */
	uint8_t  backoff;        /* RTO backoff exponent */
	uint8_t  options;        /* SYNACK_TI_OPT_* negotiated */
	uint8_t  snd_wscale, rcv_wscale;
	uint32_t rto_us;
	uint32_t rtt_us;         /* SRTT */
	uint32_t rttvar_us;
	uint32_t snd_mss, rcv_mss;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd;   /* snd_wnd scaled (bytes) */
	uint32_t rcv_nxt, rcv_wnd;            /* rcv_wnd advertised last (bytes) */
	uint32_t snd_cwnd;                    /* bytes (0 before ESTABLISHED) */
	uint32_t unacked;                     /* bytes in flight */
	uint32_t send_queue, recv_queue;      /* bytes buffered */
	uint32_t total_retrans;
	uint64_t bytes_sent, bytes_received;
	uint64_t segs_out, segs_in;
	uint32_t snd_ssthresh;   /* bytes; 0x7fffffff until the first congestion event */
	uint32_t urg_data;       /* received urgent bytes not yet read: from the next byte
	                          * recv() returns up to the urgent pointer (MUST-33) */
	uint32_t rcv_rtt_us;     /* the receiver's RTT estimate (Linux tcpi_rcv_rtt, µs):
	                          * from the TSecr of full-sized data, or the time the peer
	                          * takes to fill a window (src/tcp/rcvbuf.h); 0 = none yet */
	uint32_t rcv_space;      /* bytes the application read in the last measured RTT,
	                          * autotuning's baseline (Linux tcpi_rcv_space); from
	                          * ESTABLISHED min(buffer, 10 * our MSS) until then */
};
#define SYNACK_TI_OPT_TIMESTAMPS 0x1
#define SYNACK_TI_OPT_SACK       0x2
#define SYNACK_TI_OPT_WSCALE     0x4
#define SYNACK_TI_OPT_ECN        0x8   /* ECN negotiated (RFC 3168 §6.1.1; cfg.tcp_ecn) */
#define SYNACK_TI_OPT_ECN_SEEN   0x10  /* an ECT or CE data segment has arrived on it */

/* Fills *info. Returns 0 or -EBADF. */
int synack_tcp_info(struct synack_stack *s, int fd, struct synack_tcp_info *info);

/* ==== listing and counters (the `ss` view) ========================================== */

struct synack_sock_info {
	int fd;                 /* -1 for connections without a descriptor: accepted-queue
	                         * children, half-open entries, TIME-WAIT records, orphans */
	uint8_t state;          /* enum synack_state */
	uint8_t timer;          /* enum synack_timer that fires next, or NONE */
	uint16_t retransmits;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t recv_q, send_q; /* bytes; for a listener: accept queue length and backlog,
	                          * as ss prints them */
	uint64_t timer_deadline_ns; /* absolute, 0 when no timer */
	uint32_t cwnd;          /* congestion window in segments (bytes / SMSS, rounded
	                         * down, as `ss -i` shows tcpi_snd_cwnd); 0 when the
	                         * connection has none (before ESTABLISHED, listeners,
	                         * half-open entries, TIME-WAIT records) */
	uint32_t ssthresh;      /* slow-start threshold in segments; 0 until the first
	                         * congestion event sets it (ss -i omits it then) */
	uint8_t ecn;            /* SYNACK_TI_OPT_ECN and SYNACK_TI_OPT_ECN_SEEN, as in
	                         * synack_tcp_info.options (ss -i: "ecn", "ecnseen") */
	uint32_t rcv_rtt_us;    /* as synack_tcp_info's (ss -i's rcv_rtt:, in ms there);
	                         * 0 without a control block or before the first sample */
	uint32_t rcv_space;     /* as synack_tcp_info's (ss -i's rcv_space:); 0 without a
	                         * control block or before ESTABLISHED */
};

/*
 * Writes up to cap entries, one per connection of any kind (sockets, listeners,
 * half-open entries, TIME-WAIT records), into out (NULL allowed when cap is 0), and
 * returns the total number of entries: call again with a bigger buffer if that is more
 * than cap. Order: descriptors ascending, then descriptor-less entries. O(entries).
 */
size_t synack_sock_list(struct synack_stack *s, struct synack_sock_info *out, size_t cap);

/* Per-reason counters (append-only list: new reasons are added at the end). */
enum synack_counter {
	SYNACK_CTR_IP_IN = 0,        /* IPv4 packets given to synack_input */
	SYNACK_CTR_IP_OUT,           /* packets returned by synack_output */
	SYNACK_CTR_IP_MALFORMED,     /* dropped: IPv4 header did not parse */
	SYNACK_CTR_IP_BAD_CSUM,      /* dropped: IPv4 header checksum */
	SYNACK_CTR_IP_NOT_OURS,      /* dropped: destination is not one of our addresses */
	SYNACK_CTR_IP_FRAGMENT,      /* dropped: a fragment (no reassembly yet) */
	SYNACK_CTR_IP_BAD_SRC,       /* dropped: source is ours, 0, broadcast, multicast,
	                              * loopback from outside (MUST-63 §3.9.2.3) */
	SYNACK_CTR_IP_UNKNOWN_PROTO, /* dropped: not TCP or ICMP */
	SYNACK_CTR_ICMP_ECHO,        /* echo requests answered */
	SYNACK_CTR_ICMP_IN,          /* other ICMP messages received */
	SYNACK_CTR_ICMP_BAD,         /* dropped: malformed ICMP / bad checksum */
	SYNACK_CTR_TCP_IN,           /* TCP segments that passed the IP checks */
	SYNACK_CTR_TCP_OUT,          /* TCP segments sent */
	SYNACK_CTR_TCP_MALFORMED,    /* dropped: header/options did not parse */
	SYNACK_CTR_TCP_BAD_CSUM,     /* dropped: TCP checksum */
	SYNACK_CTR_TCP_SYN_BCAST,    /* dropped: SYN to broadcast/multicast (MUST-57) */
	SYNACK_CTR_TCP_NO_LISTENER,  /* RST sent: no socket for the segment (§3.10.7.1) */
	SYNACK_CTR_TCP_RST_OUT,      /* RSTs sent in all */
	SYNACK_CTR_TCP_NOT_ACCEPTABLE, /* dropped (ACK sent): §3.10.7.4 first check */
	SYNACK_CTR_TCP_CHALLENGE_ACK,  /* challenge ACKs sent (RFC 5961) */
	SYNACK_CTR_TCP_CHALLENGE_LIMITED, /* challenge ACKs suppressed by the rate limit */
	SYNACK_CTR_TCP_PAWS,         /* dropped: PAWS (RFC 7323 §5) */
	SYNACK_CTR_TCP_ACCEPTQ_FULL, /* SYN dropped: accept queue full */
	SYNACK_CTR_TCP_SYNQ_FULL,    /* SYN dropped: SYN queue full and no cookies */
	SYNACK_CTR_TCP_COOKIES_SENT, /* SYN-ACKs carrying a SYN cookie */
	SYNACK_CTR_TCP_COOKIES_OK,   /* connections created from a valid cookie */
	SYNACK_CTR_TCP_COOKIES_BAD,  /* ACKs to a listener with an invalid cookie */
	SYNACK_CTR_TCP_TW_RST_IGNORED, /* RST ignored in TIME-WAIT (RFC 1337) */
	SYNACK_CTR_TCP_RETRANS,      /* segments retransmitted */
	SYNACK_CTR_TCP_TIMEOUTS,     /* connections dropped: ETIMEDOUT */
	SYNACK_CTR_TCP_R1_REACHED,   /* R1 crossed (RFC 9293 §3.8.3 MUST-20 report) */
	SYNACK_CTR_TCP_SYNACK_GIVEUP,/* half-open entries dropped after synack_retries */
	SYNACK_CTR_TCP_NO_MEMORY,    /* segments or calls refused for lack of memory */
	SYNACK_CTR_OUT_NO_ROOM,      /* packets discarded: synack_output buffer too small */
	SYNACK_CTR_OUT_QUEUE_FULL,   /* control packets (RST, ICMP reply) not queued */
	SYNACK_CTR_NOTES_LOST,       /* decision notes dropped (queue full) */
	SYNACK_CTR_TCP_QUIET_TIME,   /* SYNs dropped during the quiet time */
	SYNACK_CTR_TCP_DATA_AFTER_CLOSE, /* data after close/SHUT_RD answered with RST */
	SYNACK_CTR_TCP_OOW_LIMITED,  /* ACKs to out-of-window/PAWS/challenge segments
	                              * suppressed by invalid_ratelimit_ms (Linux's
	                              * tcp_oow_rate_limited: breaks ACK loops) */
	SYNACK_CTR_TCP_ICMP_ERR,     /* ICMP errors applied to a connection */
	SYNACK_CTR_TCP_ICMP_STALE,   /* ICMP errors ignored: no connection, or quoted
	                              * SEG.SEQ outside [SND.UNA, SND.NXT) (RFC 5927) */
	SYNACK_CTR_TCP_FAST_RETRANS, /* fast retransmits: loss recoveries begun by duplicate
	                              * ACKs (RFC 5681 §3.2, RFC 6675 §5) */
	SYNACK_CTR_TCP_RTO,          /* retransmission-timer expirations on synchronized
	                              * connections (RFC 6298 §5) */
	SYNACK_CTR_TCP_OOO_DROPPED,  /* out-of-order segments dropped: all TCP_REASS_MAX
	                              * blocks of held data in use (or no buffer room) */
	SYNACK_CTR_IP_BAD_OPTIONS,   /* IPv4 datagrams with malformed options (RFC 1122
	                              * §3.2.1.8: lengths checked before anything is read) */
	SYNACK_CTR_IP_SRR_DENIED,    /* datagrams with a source route option dropped:
	                              * accept_source_route is 0 */
	SYNACK_CTR_IP_SRR_NOT_FINAL, /* datagrams whose source route is not completed
	                              * (we would be a hop: a host does not forward) */
	SYNACK_CTR_TCP_LOSS_PROBES,  /* tail loss probes sent (RFC 8985 §7; Linux
	                              * TCPLossProbes) */
	SYNACK_CTR_TCP_UNDO_TS,      /* recoveries undone: the timestamps showed the first
	                              * retransmission spurious (RFC 3522) */
	SYNACK_CTR_TCP_UNDO_DSACK,   /* recoveries undone: every retransmission D-SACKed
	                              * (RFC 3708; Linux TCPDSACKUndo) */
	SYNACK_CTR_TCP_PAWS_DISORDERED, /* old-timestamp duplicate ACKs PAWS let through
	                              * (Linux's tcp_disordered_ack exemption) */
	SYNACK_CTR_IP_ECT,           /* TCP datagrams received ECT(0) or ECT(1) (RFC 3168 §5) */
	SYNACK_CTR_IP_CE,            /* TCP datagrams received CE-marked */
	SYNACK_CTR_TCP_ECE_IN,       /* segments with ECE received on ECN connections */
	SYNACK_CTR_TCP_ECN_REDUCTIONS, /* congestion responses to ECE (cwnd reduced, one per
	                              * window, RFC 3168 §6.1.2) */
	SYNACK_CTR_TCP_CWR_OUT,      /* segments sent with CWR */
	SYNACK_CTR_COUNT
};

/* The counter's value (0 for an unknown counter). */
uint64_t synack_counter(const struct synack_stack *s, int counter);
/* A short stable name ("ip_bad_csum"), "?" when unknown. */
const char *synack_counter_name(int counter);

/* Bytes the stack holds allocated from env.alloc but not in use: freed ring blocks,
 * control blocks and half-open entries its buffer cache keeps for the next connection
 * (at most about 0.75 MiB). Bytes in use are env.alloc's live bytes less these. */
size_t synack_stack_cached_bytes(const struct synack_stack *s);

#ifdef __cplusplus
}
#endif

#endif
