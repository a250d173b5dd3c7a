/*
 * cc.h — congestion control: the per-connection state (struct tcp_cc, embedded in the
 * tcb as tcb->cc), the small ops table an algorithm fills, and the entry points the
 * rest of the engine calls (RFC 5681 §3, RFC 6928, RFC 9438).
 *
 * Units: cwnd, ssthresh and every window below are in bytes (RFC 5681 counts bytes;
 * Linux counts segments); SMSS is tcb->snd_mss, the payload of a full segment with the
 * options every segment carries. Time comes from ts->now_ns.
 *
 * Who calls what:
 *   tcp_cc_init            at ESTABLISHED (listen.c tcp_on_established): IW, algorithm
 *   tcp_cc_on_ack          input (tcp_ack_advance / recovery.c): new data acknowledged
 *                          outside loss recovery
 *   tcp_cc_enter_recovery  recovery.c: a loss detected by ACKs (fast retransmit)
 *   tcp_cc_exit_recovery   recovery.c: recovery ends (full ACK)
 *   tcp_cc_on_rto          timers.c: the retransmission timer expired
 *   tcp_cc_on_send         output.c: new data is about to be sent (restart after idle)
 *   tcp_cc_on_ece          ecn.c: an ECN-Echo, once per window (RFC 3168 §6.1.2)
 *
 * Invariants: after tcp_cc_init, ops != NULL, cwnd >= SMSS and ssthresh >= 2 * SMSS;
 * before it (handshake), cwnd == 0 means "not initialised" and output is not limited.
 */
#ifndef SYNACK_TCP_CC_H
#define SYNACK_TCP_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_stack;
struct tcb;

/* "Arbitrarily high" initial ssthresh (RFC 5681 §3.1; Linux TCP_INFINITE_SSTHRESH). */
#define TCP_CC_INFINITE_SSTHRESH 0x7fffffffu
/* Longest algorithm name with its NUL (Linux TCP_CA_NAME_MAX). */
#define TCP_CC_NAME_MAX 16

/* CUBIC's per-connection state (RFC 9438 §4.1.2), bytes and ns. */
struct tcp_cc_cubic {
	uint32_t w_max;          /* W_max; 0 = no congestion event yet */
	uint32_t cwnd_prior;     /* cwnd when ssthresh was last set */
	uint32_t cwnd_epoch;     /* cwnd at t_epoch */
	uint32_t w_est;          /* Reno-friendly estimate (§4.3) */
	uint64_t k_us;           /* K (§4.2, Figure 2) */
	uint64_t epoch_ns;       /* t_epoch; 0 = no avoidance stage started */
};

struct tcp_cc {
	uint32_t cwnd, ssthresh;        /* bytes */
	const struct tcp_cc_ops *ops;   /* NULL until chosen (socket option or init) */
	uint32_t bytes_acked;           /* RFC 5681 §3.1 byte counting in avoidance */
	uint32_t max_snd_wnd;           /* largest SND.WND seen (sender SWS, RFC 1122
	                                 * §4.2.3.4) */
	uint64_t last_send_ns;          /* last segment with data or FIN sent (idle) */
	bool in_recovery;               /* between enter_recovery and exit_recovery */
	bool cwnd_limited;              /* output was held back by cwnd since the last ACK
	                                 * (growth only then: RFC 9438 §4.6, RFC 7661) */
	bool rto_reduced;               /* ssthresh was set by an RTO at SND.UNA rto_una */
	uint32_t rto_una;
	uint8_t probes_out;             /* zero-window probes unanswered (timers.c) */
	uint64_t probe_ns;              /* when the last one was sent */
	struct tcp_cc_cubic cubic;
	/* before the last tcp_cc_enter_recovery, for tcp_cc_undo (Linux prior_cwnd,
	 * prior_ssthresh; CUBIC's W_max and cwnd_prior as well) */
	uint32_t undo_cwnd, undo_ssthresh, undo_w_max, undo_cwnd_prior;
};

/*
 * An algorithm. Every hook is called with a tcb whose cc.ops is this table.
 *   init:       after cwnd/ssthresh got their initial values; resets private state.
 *   ssthresh:   the new ssthresh for a congestion event (loss by ACKs or RTO), before
 *               cwnd changes; may update private state (CUBIC's W_max).
 *   cong_avoid: acked bytes of new data were acknowledged outside recovery; grows cwnd
 *               (slow start and congestion avoidance). rtt_us: the newest sample, 0
 *               when none.
 *   on_rto:     optional: after a timeout set ssthresh and cwnd (private state follows).
 *   tx_start:   optional: data is sent again after idle_ns with nothing in flight.
 */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_stack *ts, struct tcb *tcb);
	uint32_t (*ssthresh)(struct tcp_stack *ts, struct tcb *tcb);
	void (*cong_avoid)(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked,
			   uint32_t rtt_us);
	void (*on_rto)(struct tcp_stack *ts, struct tcb *tcb);
	void (*tx_start)(struct tcp_stack *ts, struct tcb *tcb, uint64_t idle_ns);
};

extern const struct tcp_cc_ops tcp_cc_newreno;  /* cc_newreno.c, name "reno" */
extern const struct tcp_cc_ops tcp_cc_cubic;    /* cc_cubic.c, name "cubic" */

/* The algorithm called name ("reno", "cubic"; "newreno" is accepted for "reno"), or
 * NULL. name need not be NUL-terminated within len bytes. */
const struct tcp_cc_ops *tcp_cc_find(const char *name, size_t len);
/* Chooses ops for tcb (TCP_CONGESTION). Before ESTABLISHED it only records the
 * choice; afterwards the algorithm's init runs with cwnd/ssthresh kept, as Linux. */
void tcp_cc_select(struct tcp_stack *ts, struct tcb *tcb, const struct tcp_cc_ops *ops);
/* The algorithm tcb uses or will use: its own, else its listener's, else the stack's
 * cfg.congestion_control. Never NULL. */
const struct tcp_cc_ops *tcp_cc_ops_of(struct tcp_stack *ts, const struct tcb *tcb);

/* RFC 6928 initial window for an SMSS of mss bytes: min(10*MSS, max(2*MSS, 14600)). */
uint32_t tcp_cc_initial_window(uint32_t mss);

/* At ESTABLISHED: cwnd = IW (RFC 6928; 1 SMSS when the SYN or SYN-ACK was retransmitted,
 * RFC 5681 §3.1), ssthresh infinite, the algorithm's init. */
void tcp_cc_init(struct tcp_stack *ts, struct tcb *tcb);
/* acked_bytes of new data acknowledged outside recovery: slow start (RFC 5681 (2)) or
 * the algorithm's congestion avoidance. rtt_us: the sample this ACK gave, 0 if none. */
void tcp_cc_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked_bytes,
		   uint32_t rtt_us);
/* Fast retransmit begins (RFC 5681 §3.2 step 2): ssthresh = ops->ssthresh; cwnd =
 * ssthresh (the caller adds inflation, RFC 5681 step 3 / RFC 6582, if it uses it). */
void tcp_cc_enter_recovery(struct tcp_stack *ts, struct tcb *tcb);
/* An ECN-Echo (RFC 3168 §6.1.2, ecn.c): the reduction of a loss without a
 * retransmission or a recovery: ssthresh = ops->ssthresh, cwnd = ssthresh. */
void tcp_cc_on_ece(struct tcp_stack *ts, struct tcb *tcb);
/* Recovery ends (RFC 6582 §3.2 step 3, RFC 6675 §5): cwnd = ssthresh. */
void tcp_cc_exit_recovery(struct tcp_stack *ts, struct tcb *tcb);
/* The recovery that began at the last tcp_cc_enter_recovery was spurious (RFC 3522
 * detection, recovery.c): RFC 4015 §3.2 / Linux tcp_undo_cwnd_reduction — ssthresh and
 * cwnd go back to at least what they were before it (CUBIC's W_max too, its epoch
 * restarts), and recovery ends. */
void tcp_cc_undo(struct tcp_stack *ts, struct tcb *tcb);
/* Retransmission timeout (RFC 5681 (4), RFC 9438 §4.8): ssthresh by the algorithm
 * (only on the first timeout of a run: Karn's backed-off repeats keep it), cwnd = 1 SMSS
 * (loss window), recovery state left. */
void tcp_cc_on_rto(struct tcp_stack *ts, struct tcb *tcb);
/* New data is about to be sent: restart after idle (RFC 5681 §4.1, Linux
 * tcp_slow_start_after_idle): with nothing in flight and no send for more than one RTO,
 * cwnd = min(IW, cwnd). Also moves CUBIC's epoch past the idle time (RFC 9438 §5.8). */
void tcp_cc_on_send(struct tcp_stack *ts, struct tcb *tcb);
/* SND.MAX - SND.UNA: "nothing in flight" for idle restart and the used-window test.
 * (ssthresh uses recovery.h's tcp_flight_size: RFC 5681 FlightSize without limited
 * transmit.) */
uint32_t tcp_cc_flight(const struct tcb *tcb);

/* rttm.c: the RTT sample of an ACK that advanced SND.UNA to ack (seg the segment,
 * borrowed, may be NULL): the timed segment when ack covers it (Karn), else RFC 7323
 * RTTM from seg's TSecr. Feeds tcp_rtt_sample (RFC 6298 (2.2)/(2.3), rto_min/max) and
 * returns the sample in us, 0 when this ACK gave none. */
struct wire_tcp;
uint32_t tcp_rtt_on_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t ack,
			const struct wire_tcp *seg);

/* cc_cubic.c, exposed for tests: RFC 9438 Figure 2's K in microseconds for a window
 * gap W_max - cwnd_epoch of gap_bytes, and Figure 1's W_cubic(t) in bytes (cc_cubic.c
 * header gives the fixed-point forms). */
uint64_t tcp_cubic_k_us(uint32_t gap_bytes, uint32_t mss);
uint32_t tcp_cubic_w(uint32_t w_max, uint64_t k_us, uint64_t t_us, uint32_t mss);

#endif
