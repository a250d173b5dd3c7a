/*
 * synack/transfer.h — bulk transfers between two synack stacks in the simulator
 * (`synack transfer`, the integrity matrix, the fairness tests and bench/bulk).
 *
 * A run builds a simulator with two stack hosts, sender 10.0.0.1 and receiver 10.0.0.2,
 * joined by one point-to-point link whose two directions both get the configured
 * latency (RTT / 2), bandwidth, queue and faults (loss, duplication, reordering,
 * corruption: one random bit flipped per corrupted packet). The receiver listens on port
 * 5001; the sender opens `flows` connections to it and writes `bytes` bytes of a
 * pseudo-random stream (derived from the seed) on each, then shuts its side down
 * (shutdown(SHUT_WR)); the receiver reads everything, hashing it with SHA-256 (libsodium
 * crypto_hash_sha256), and on end of stream shuts its own side down. The sender ends in
 * TIME-WAIT, the receiver in CLOSED (LAST-ACK answered). Then every descriptor is
 * closed and the simulator runs until idle, so TIME-WAIT expires; a connection still
 * listed after that is "stuck".
 *
 * Everything is deterministic: the same configuration gives the same packets, times
 * and figures. Time is virtual: the run costs the CPU time of its events only.
 *
 * Ownership: pointers in the config are borrowed for the duration of synack_transfer_run.
 */
#ifndef SYNACK_TRANSFER_H
#define SYNACK_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/sim.h"
#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SYNACK_TRANSFER_MAX_FLOWS 16
#define SYNACK_TRANSFER_PORT 5001

/* Progress report, given to the progress callback every progress_every_ns of virtual
 * time while data moves. */
struct synack_transfer_progress {
	uint64_t now_ns;          /* virtual time since the start */
	uint64_t bytes_total;     /* bytes to move in all (0 in a timed run) */
	uint64_t bytes_received;  /* received so far, all flows */
	uint64_t retrans;         /* the "tcp_retrans" counter, both stacks */
};

struct synack_transfer_config {
	uint64_t bytes;           /* per flow; 0 with run_for_ns: send until run_for_ns */
	uint32_t flows;           /* 1..SYNACK_TRANSFER_MAX_FLOWS; 0 = 1 */
	uint64_t rtt_ns;          /* base round-trip time: each direction gets rtt_ns / 2 */
	uint64_t bandwidth_bps;   /* per direction; 0 = infinite (no queue) */
	uint32_t queue_pkts;      /* link queue per direction; 0 = enough for the buffers */
	uint32_t loss_ppm;        /* faults, each direction, parts per million */
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint64_t reorder_max_ns;  /* extra delay of a reordered packet, uniform in [0, max];
	                           * 0 = min(1 ms, rtt_ns / 2) (1 ms when rtt_ns is 0) */
	uint32_t corrupt_ppm;
	uint32_t buf_bytes;       /* SO_SNDBUF and SO_RCVBUF of both ends (cfg rmem/wmem
	                           * defaults and maxima); 0 = max(4 MiB, 2 x BDP) rounded up
	                           * to a power of two, at most 256 MiB */
	uint32_t mtu;             /* 0 = 1500 */
	const char *cc;           /* "cubic", "reno" or "newreno" (= "reno"): both stacks'
	                           * cfg.congestion_control; NULL: the stack's default */
	uint64_t seed;            /* simulator faults, ISNs, the data */
	uint64_t time_limit_ns;   /* virtual-time budget for the data and the close (not the
	                           * final 2MSL): exceeded = timed_out; 0 = 1 hour */
	uint64_t run_for_ns;      /* timed run (fairness): stop at this time, no close */
	uint64_t stagger_ns;      /* flow i connects at i * stagger_ns */
	uint64_t measure_from_ns; /* timed run: per-flow bytes counted from here */
	bool no_hash;             /* skip SHA-256 (bench: measure the stack only) */
	bool no_close_check;      /* skip the final run to idle (bench) */
	bool no_sack;             /* both stacks' cfg.sack = 0: no SACK-permitted, loss
	                           * recovery by NewReno (RFC 6582) instead of RFC 6675 */
	/* A slow application. 0 (the default): the receiver reads everything at each
	 * READABLE event. Otherwise it calls recv() once per flow every read_every_ns, for
	 * at most read_chunk_bytes (0 = 64 KiB), while data is buffered: the window closes
	 * and reopens in steps of that size. */
	uint64_t read_every_ns;
	uint32_t read_chunk_bytes;
	bool gso, gro;            /* both stacks' cfg.gso / cfg.gro = 1: super-segments cut
	                           * before the link, bursts merged after it (synack.h) */
	bool plain_sim;           /* the simulator's reference driver (synack_sim_config
	                           * plain_driver): the same trace, more calls; for tests */
	/* ECN (RFC 3168): both stacks' cfg.tcp_ecn = 1 (the client asks, the server
	 * accepts), and the link's CE marking of ECT packets, each direction
	 * (synack_link_dir ecn_mark_ppm / ecn_mark_pkts). */
	bool ecn;
	uint32_t ecn_mark_ppm;
	uint32_t ecn_mark_pkts;
	/* Optional observers. The tap sees every packet (as synack_sim_set_tap). */
	synack_sim_tap_fn tap;
	void *tap_ctx;
	void (*progress)(void *ctx, const struct synack_transfer_progress *p);
	void *progress_ctx;
	uint64_t progress_every_ns; /* 0 = 100 ms */
	/* Memory for the simulator and stacks (env.secret is not used). */
	struct synack_env env;
	/* Receive-buffer autotuning room: both stacks' cfg.rmem_default (the buffer a
	 * connection starts with; Linux tcp_rmem[1] is 131072), growing up to buf_bytes
	 * (cfg.rmem_max) as the application reads (cfg.moderate_rcvbuf). 0 = buf_bytes:
	 * the buffer starts at its maximum. */
	uint32_t rcv_initial_bytes;
	/* Both applications use the zero-copy calls (synack.h synack_send_reserve/commit,
	 * synack_recv_view/consume) for the same amounts send()/recv() would move: the
	 * sender writes the bytes into the reserved space, the receiver hashes them in
	 * place. With no_hash (the bench) the data is one chunk sent again and again: the
	 * sender writes only reserved memory that does not hold those bytes from an earlier
	 * lap of the ring, and the receiver lets them go unread (as recv() into a buffer
	 * nobody reads): what is left per byte is the stacks' own work. */
	bool zerocopy;
	/* Both stacks keep synack_config_default's buffers, Linux's (tcp_rmem 4096 131072
	 * 6291456, tcp_wmem 4096 16384 4194304): the receive buffer starts at 128 KiB and
	 * autotunes up to 6 MiB, the send buffer at 16 KiB up to 4 MiB, instead of
	 * buf_bytes on both ends from the start. buf_bytes (0: 6 MiB) then only sizes the
	 * simulator; rcv_initial_bytes is not used. */
	bool default_bufs;
};

struct synack_transfer_flow {
	uint64_t bytes_sent;      /* accepted by send() */
	uint64_t bytes_received;  /* returned by recv() */
	uint64_t window_bytes;    /* timed run: received in [measure_from_ns, run_for_ns] */
	uint8_t sha_sent[32];
	uint8_t sha_received[32];
	bool sha_equal;
	bool eof;                 /* the receiver read end of stream */
	uint64_t done_ns;         /* the receiver read the last byte (end of stream) */
	int sender_state;         /* enum synack_state when the receiver reached CLOSED (or
	                           * at the end of the run); -1 unknown */
	int receiver_state;
	int sender_error;         /* SO_ERROR seen (positive errno), 0 */
	int receiver_error;
	uint32_t total_retrans;   /* synack_tcp_info of the sender's socket */
};

struct synack_transfer_result {
	int error;                /* 0, or a negative errno: the run could not be set up */
	const char *what;         /* with error: which step failed */
	bool completed;           /* every flow: all bytes received, sender TIME-WAIT,
	                           * receiver CLOSED, within the time limit */
	bool timed_out;           /* the time limit passed first */
	bool stuck;               /* connections left after the final run to idle */
	bool cc_applied;          /* cfg.cc was given to the stacks (and accepted) */
	uint32_t flows;
	struct synack_transfer_flow flow[SYNACK_TRANSFER_MAX_FLOWS];
	uint64_t bytes_total;     /* received, all flows */
	uint64_t duration_ns;     /* virtual: first SYN to the last flow's end of stream */
	uint64_t closed_ns;       /* virtual: until every connection reached its end state */
	uint64_t idle_ns;         /* virtual: until the simulator went idle (2MSL included) */
	double goodput_bps;       /* bytes_total * 8 / duration */
	double jain_index;        /* over the flows' window_bytes (timed run), else bytes */
	uint64_t buf_bytes;       /* the buffer size used */
	uint32_t queue_pkts;      /* the queue size used */
	/* Both stacks' counters added up; UINT64_MAX when the stack has no such counter. */
	uint64_t retrans;         /* "tcp_retrans" */
	uint64_t fast_retrans;    /* "tcp_fast_retrans" */
	uint64_t rtos;            /* "tcp_rto" */
	uint64_t bad_csum;        /* ip_bad_csum + tcp_bad_csum + ip_malformed + tcp_malformed */
	/* What the link did (both directions). */
	uint64_t pkts;            /* handed to the link */
	uint64_t fate[SYNACK_SIM_FATE_COUNT];
	uint64_t duplicated, reordered;
	uint64_t corrupted;       /* corrupted copies delivered */
	uint64_t corrupted_csum_caught; /* of those, copies whose IPv4 or TCP checksum, checked
	                           * here independently of the stack, does not verify */
	uint64_t left_sender, left_receiver; /* connections listed after the run to idle
	                           * (the receiver's listener is not counted) */
	uint64_t ce_marked;       /* packets the link delivered CE-marked */
	uint64_t ece_in;          /* "tcp_ece_in", both stacks */
	uint64_t ecn_reductions;  /* "tcp_ecn_reductions" */
	uint64_t cwr_out;         /* "tcp_cwr_out" */
};

/* Parses "64M", "1G", "1500", "10k" (powers of 1024 for sizes when binary is true,
 * of 1000 otherwise), "50ms", "1s", "300us", "5%", "0.5%"; false on junk. */
bool synack_transfer_parse_size(const char *s, bool binary, uint64_t *out);
bool synack_transfer_parse_time(const char *s, uint64_t *out_ns);
bool synack_transfer_parse_ppm(const char *s, uint32_t *out_ppm);

/* Runs the transfer described by cfg and fills *res (always; see res->error). Returns
 * 0 when the run completed (res->completed and, unless timed, every SHA-256 equal and
 * nothing stuck), 1 when it ran but did not meet that, or res->error. */
int synack_transfer_run(const struct synack_transfer_config *cfg,
			struct synack_transfer_result *res);

#ifdef __cplusplus
}
#endif

#endif
