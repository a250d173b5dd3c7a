/*
 * loop.h — synack on a real network: a Linux TUN device (IFF_TUN | IFF_NO_PI, IPv4) and
 * the reference event loop that drives the sans-IO engine from it.
 *
 * The loop is the documented way to embed synack in a program (examples/echo_server.c).
 * It owns one stack, one TUN device, an epoll set, a timerfd armed at the stack's next
 * deadline, a signalfd for SIGINT/SIGTERM and, optionally, the control socket that
 * `synack ss` queries. After every wake-up it calls the engine in the order synack.h
 * prescribes, exactly as the simulator does:
 *
 *   packets read from the TUN fd -> synack_input(now)      (now: CLOCK_MONOTONIC, ns)
 *   synack_advance(now)
 *   repeat { synack_output() -> write to the TUN fd;
 *            synack_poll_event() -> the callback watching that descriptor }
 *   until the callbacks made no call that produced more output or events;
 *   notes drained; timerfd set to synack_next_deadline().
 *
 * Application code runs only inside callbacks (socket events, OS descriptors it added,
 * the signal hook); every socket call made there is followed by the drain above, so the
 * application never has to flush anything itself.
 *
 * Addresses are in host byte order, as in synack.h. Functions that can fail return a
 * negative errno value (or NULL) and write a one-line message into err[0..errlen)
 * (always NUL-terminated when errlen > 0).
 *
 * Ownership: pointers are borrowed for the call unless said otherwise; callback contexts
 * are kept and handed back untouched. Thread safety: none; one loop per thread.
 */
#ifndef SYNACK_LOOP_H
#define SYNACK_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== the TUN device ================================================================ */

#define SYNACK_IFNAMSIZ 16

/*
 * Attaches to the TUN device called name in the current network namespace, creating it
 * when it does not exist (it then disappears when the descriptor is closed, unless it was
 * made persistent beforehand, e.g. by `ip tuntap add`). The descriptor is non-blocking,
 * close-on-exec; reads return one IPv4/IPv6 packet each, without any header (IFF_NO_PI).
 * The name the kernel used is written to ifname (SYNACK_IFNAMSIZ bytes). Returns the fd,
 * or -EBUSY (another process is attached), -EPERM/-EACCES (needs CAP_NET_ADMIN),
 * -EINVAL (a name too long, or the device exists and is not a TUN device), -ENOENT
 * (no /dev/net/tun).
 */
int synack_tun_open(const char *name, char ifname[SYNACK_IFNAMSIZ], char *err, size_t errlen);

/*
 * Configures the kernel's side of the device: when peer_addr is not 0, sets its IPv4
 * address peer_addr/prefix_len (which adds the route to the prefix through the
 * device); when mtu is not 0, sets the MTU; always brings the link up. Returns 0 or a
 * negative errno (-EPERM without CAP_NET_ADMIN, -ENODEV, -EINVAL for a prefix above 32).
 */
int synack_tun_configure(const char *ifname, uint32_t peer_addr, unsigned prefix_len,
			 uint32_t mtu, char *err, size_t errlen);

/* The MTU of the device ifname, or a negative errno. */
int synack_tun_mtu(const char *ifname);

/* ==== fault injection (the netem substitute) ======================================== */

/*
 * Seeded faults between the engine and the device, applied by the loop to packets read
 * from the TUN device (before synack_input) and to packets synack writes to it, with
 * netem's semantics (tc-netem(8), the kernel's net/sched/sch_netem.c): per packet,
 * duplication (a second copy, which goes through the delay on its own), then loss, then
 * for each copy the delay: delay_us ± jitter_us (uniform), except that with probability
 * reorder a copy skips the delay (netem's "reorder P" with gap 1) and so overtakes the
 * packets held before it. Held packets are kept in time order (jitter larger than the
 * spacing of packets reorders them too, as in netem); at most limit packets are held per
 * direction, beyond that a packet is dropped (netem's tail drop). Each direction draws
 * from its own random stream derived from seed: the n-th packet of a direction always
 * meets the same fate for a given seed. Probabilities are in parts per million.
 */
struct synack_fault_opts {
	uint32_t loss_ppm;           /* dropped */
	uint32_t dup_ppm;            /* sent twice */
	uint32_t reorder_ppm;        /* sent without the delay (needs delay_us > 0) */
	uint32_t delay_us;           /* added to every other packet */
	uint32_t jitter_us;          /* delay varies uniformly in delay ± jitter (>= 0) */
	uint32_t limit;              /* packets held per direction; 0: 1000 (netem's) */
	unsigned dirs;               /* 1 << SYNACK_LOOP_RX | 1 << SYNACK_LOOP_TX; 0: both */
	uint64_t seed;
};

/*
 * Parses a comma-separated fault spec into *out (zeroed first; seed 1 by default):
 *   loss=P%  dup=P%  reorder=P%  delay=Tms  jitter=Tms  limit=N  seed=N  dir=rx|tx|both
 * P is a decimal percentage 0..100 (the % is optional, resolution 0.0001 %); T takes a
 * unit: us, ms or s. rx is what Linux sends to synack, tx what synack sends. Returns 0,
 * or -EINVAL with a message naming the bad item (unknown key, bad number, reorder
 * without delay, jitter without delay).
 */
int synack_fault_parse(const char *spec, struct synack_fault_opts *out, char *err,
		       size_t errlen);

/* ==== the loop ====================================================================== */

struct synack_loop;

enum synack_loop_dir {
	SYNACK_LOOP_RX = 1,   /* read from the device: the kernel sent it to synack */
	SYNACK_LOOP_TX,       /* written to the device by synack */
};

struct synack_loop_opts {
	const char *tun;             /* device name (required) */
	uint32_t addr;               /* synack's own IPv4 address (required) */
	uint32_t peer_addr;          /* the kernel's address on the device, 0: leave as is */
	unsigned peer_prefix;        /* its prefix length, 1..32 (with peer_addr) */
	uint32_t mtu;                /* 0: the device's MTU; else set on the device too */
	const struct synack_config *config; /* NULL: synack_config_default() with
	                              * notes_max 0 unless a note hook is given; mtu is
	                              * always replaced by the device's */
	/* The control socket `synack ss` queries: NULL for the abstract Unix socket
	 * "@synack/<tun>" (abstract names belong to the network namespace, so
	 * `ip netns exec NS synack ss --tun tun0` finds it); "" for none; else a path. */
	const char *ctl;
	/* Every packet read or written, with its CLOCK_REALTIME time in ns (for pcap files
	 * and tcpdump-format lines). Packets that are not IPv4 are not reported. */
	void (*tap)(void *ctx, enum synack_loop_dir dir, const uint8_t *pkt, size_t len,
		    int64_t realtime_ns);
	void *tap_ctx;
	/* Every decision note (synack_poll_note) as it is drained; NULL: notes are dropped. */
	void (*note)(void *ctx, const struct synack_note *n);
	void *note_ctx;
	uint32_t grace_ms;           /* how long a shutdown waits for connections to
	                              * close properly; 0: 3000 */
	/* Faults applied between the engine and the device (copied); NULL: none. tap then
	 * shows synack's side: packets as the engine received them (after loss and delay)
	 * and as it sent them (before). */
	const struct synack_fault_opts *fault;
};

/*
 * Opens the device (synack_tun_open), configures it (synack_tun_configure), creates the
 * stack with synack_io_env() keys, adds opts->addr, opens the control socket and blocks
 * SIGINT and SIGTERM for the thread (they are read by the loop, and restored by
 * synack_loop_free). Returns NULL with a message in err on any failure (errno-style
 * reason in *errp when errp is not NULL): device busy, no permission, control socket
 * address in use, ...
 */
struct synack_loop *synack_loop_new(const struct synack_loop_opts *opts, int *errp,
				    char *err, size_t errlen);
/* Closes everything (without sending anything more) and frees l. NULL is a no-op. */
void synack_loop_free(struct synack_loop *l);

/* The stack the loop drives: make socket calls on it freely (from callbacks). */
struct synack_stack *synack_loop_stack(struct synack_loop *l);
/* The monotonic time (ns) the loop last gave the stack. */
uint64_t synack_loop_now(const struct synack_loop *l);
/* The device name. */
const char *synack_loop_ifname(const struct synack_loop *l);

/* A socket event for a watched descriptor. The callback may make any socket call,
 * including synack_loop_close() on ev->fd. */
typedef void (*synack_loop_event_fn)(struct synack_loop *l, const struct synack_event *ev,
				     void *ctx);

/*
 * Routes the events of synack descriptor fd to fn(ctx) (replacing an earlier watch).
 * Because events are edges, the loop then reports the current level once: READABLE when
 * synack_poll() says POLLIN/POLLHUP/POLLERR, WRITABLE when POLLOUT (use this right after
 * synack_accept(): data may have arrived before the child had a descriptor). Events of
 * descriptors nobody watches are discarded. Returns 0 or -ENOMEM.
 */
int synack_loop_watch(struct synack_loop *l, int fd, synack_loop_event_fn fn, void *ctx);
/* Stops watching fd and synack_close()s it (graceful, see synack_close). */
int synack_loop_close(struct synack_loop *l, int fd);

/* An OS descriptor is ready; events are EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR bits. */
typedef void (*synack_loop_fd_fn)(struct synack_loop *l, int osfd, uint32_t events, void *ctx);

/*
 * Adds an OS descriptor (stdin, a pipe, a timerfd of the application...) to the epoll
 * set with the given EPOLL* events, level-triggered. Returns 0 or a negative errno
 * (-EPERM for a regular file, which epoll cannot watch: read those directly).
 */
int synack_loop_add_fd(struct synack_loop *l, int osfd, uint32_t events,
		       synack_loop_fd_fn fn, void *ctx);
/* Changes the events watched for osfd (0 pauses it). */
int synack_loop_mod_fd(struct synack_loop *l, int osfd, uint32_t events);
/* Removes osfd from the set (it is not closed). */
int synack_loop_del_fd(struct synack_loop *l, int osfd);

/*
 * Called on SIGINT or SIGTERM (signo), instead of the default, which is
 * synack_loop_shutdown(). A second signal while shutting down ends the loop at once.
 */
void synack_loop_on_signal(struct synack_loop *l, void (*fn)(struct synack_loop *l, int signo,
							     void *ctx), void *ctx);

/*
 * Graceful end: every watched descriptor is synack_loop_close()d (a FIN after queued
 * data; a listener resets its unaccepted connections), then the loop keeps running until
 * every connection is in TIME-WAIT or gone (none left in SYN-SENT, SYN-RECEIVED,
 * ESTABLISHED, CLOSE-WAIT, FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK) or grace_ms have
 * passed, and synack_loop_run() returns.
 */
void synack_loop_shutdown(struct synack_loop *l);
/* synack_loop_run() returns after the current iteration, whatever is still open. */
void synack_loop_stop(struct synack_loop *l);

/*
 * Runs until synack_loop_stop() or the end of a shutdown. Returns 0, or a negative
 * errno when the device or epoll fails (with a message for synack_loop_error()).
 */
int synack_loop_run(struct synack_loop *l);
/* The message of the last failure ("" when none). */
const char *synack_loop_error(const struct synack_loop *l);

/* Counters of the driver itself (not the engine's). */
struct synack_loop_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_not_ipv4;        /* IPv6 etc. read from the device, dropped */
	uint64_t tx_dropped;         /* writes the device refused (EAGAIN, ENOBUFS, ...) */
	uint64_t ctl_queries;
	/* fault injection, per direction (rx: toward synack, tx: from synack) */
	uint64_t rx_fault_lost, tx_fault_lost;          /* loss, and tail drops at limit */
	uint64_t rx_fault_dup, tx_fault_dup;            /* second copies made */
	uint64_t rx_fault_delayed, tx_fault_delayed;    /* copies held back */
	uint64_t rx_fault_reordered, tx_fault_reordered; /* copies that skipped the delay */
};
void synack_loop_stats(const struct synack_loop *l, struct synack_loop_stats *out);

/* ==== the control channel (`synack ss`) ============================================== */

/* A snapshot of a running loop: the listing and the counters, taken at now_ns. */
struct synack_ctl_snapshot {
	char ifname[SYNACK_IFNAMSIZ];
	uint32_t addr;
	int32_t pid;
	uint64_t now_ns;
	size_t nsocks;
	struct synack_sock_info *socks;   /* nsocks entries */
	size_t ncounters;
	uint64_t *counters;               /* indexed by enum synack_counter */
	struct synack_loop_stats stats;
};

/*
 * Asks the loop listening on the control socket ctl (as in synack_loop_opts: NULL with
 * tun, or a path) for a snapshot, waiting at most timeout_ms. Returns 0 with *out
 * filled (free it with synack_ctl_snapshot_free), or -ENOENT/-ECONNREFUSED when no loop
 * listens there, -ETIMEDOUT, -EPROTO for a malformed answer.
 */
int synack_ctl_query(const char *tun, const char *ctl, unsigned timeout_ms,
		     struct synack_ctl_snapshot *out, char *err, size_t errlen);
void synack_ctl_snapshot_free(struct synack_ctl_snapshot *snap);

#ifdef __cplusplus
}
#endif

#endif
