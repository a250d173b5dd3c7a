/*
 * recovery.h — loss recovery driven by ACKs: the duplicate ACK (RFC 5681 §2, RFC 6675
 * §2), fast retransmit on the DupThresh-th duplicate ACK (RFC 5681 §3.2), NewReno fast
 * recovery with partial ACKs and `recover` (RFC 6582 §3.2) when SACK is off, SACK-based
 * loss recovery (RFC 6675 §5) when it is on, limited transmit (RFC 3042, RFC 6675 §5
 * step 3), and what a retransmission timeout does to all of that (RFC 6582 step 4,
 * RFC 6675 §5.1). State: struct tcp_recovery, embedded in the tcb as tcb->rec.
 *
 * Congestion-window arithmetic is cc.c's (tcp_cc_*); this module decides when recovery
 * begins and ends, what is retransmitted, and how much data counts as in the network
 * (tcp_pipe), which output compares with cwnd. NewReno's window inflation (RFC 5681
 * steps 3–4, RFC 6582 partial deflation) is kept here as `inflate`, and it is
 * subtracted from the flight instead of being added to cwnd (cc sets cwnd = ssthresh on
 * entry).
 *
 * With SACK and net.ipv4.tcp_recovery bit 0x1 (the default, as Linux), losses are
 * found by RACK-TLP (RFC 8985, rack.h) instead of DupThresh/IsLost: recovery begins
 * when RACK marks a segment lost, NextSeg () resends the marked segments in order, pipe
 * is what is neither SACKed nor marked lost, and the tail loss probe replaces NextSeg ()
 * rules (3) and (4). Without SACK, or with the bit clear, RFC 6675 / RFC 6582 as above.
 *
 * During SACK recovery (RFC 6675 and RACK alike) how much is sent per ACK follows RFC
 * 6937's Proportional Rate Reduction with the slow-start reduction bound, as Linux
 * (tcp_cwnd_reduction): each ACK sets cwnd = pipe + sndcnt, so output's usual cwnd -
 * pipe test sends exactly sndcnt; the window ends at ssthresh when recovery ends.
 *
 * A fast retransmit that the peer did not need (the segment was only reordered) is
 * detected with timestamps as RFC 3522 (Eifel) says and undone as Linux does
 * (tcp_cc_undo: cwnd and ssthresh as before the recovery).
 *
 * Sequence numbers are exclusive ends: `recover` is one past the RFC's recover /
 * RecoveryPoint (SND.MAX when recovery or the RTO began), `high_rxt` one past HighRxt.
 *
 * Who calls what:
 *   tcp_rec_is_dupack, tcp_rec_on_ack   input.c step_ack, for every acceptable ACK
 *   tcp_rec_next_seg, tcp_rec_on_sent   output.c plan_segment / account_sent
 *   tcp_rec_on_xmit(_gso), tcp_rec_after_send  output.c account_sent (every segment)
 *   tcp_rec_on_rto                      timers.c, retransmission timeout
 *   tcp_rec_on_timer                    timers.c, the slot held a RACK or TLP timer
 *   tcp_rec_window_shrunk               input.c update_window (RFC 9293 §3.8.6)
 *   tcp_pipe, tcp_flight_size           output.c / cc.c
 */
#ifndef SYNACK_TCP_RECOVERY_H
#define SYNACK_TCP_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/rack.h"
#include "tcp/rare.h"
#include "tcp/sack.h"
#include "wire/wire.h"

struct tcp_stack;
struct tcb;

enum tcp_rec_state {
	TCP_REC_OPEN = 0,       /* no recovery (also after an RTO: go-back-N from SND.UNA) */
	TCP_REC_NEWRENO,        /* RFC 6582 fast recovery (SACK not negotiated) */
	TCP_REC_SACK,           /* RFC 6675 loss recovery */
};

struct tcp_recovery {
	/* TCP_RARE_* (rare.h): the summary of the whole connection's rare conditions, not
	 * only recovery's; kept here, beside most of what it summarises, so that the tests
	 * below read it from r. Written only through tcb.h's setters. */
	uint32_t rare;
	struct tcp_scoreboard sb;
	uint32_t recover;       /* RFC 6582 recover + 1 / RFC 6675 RecoveryPoint + 1 */
	uint32_t high_rxt;      /* RFC 6675 HighRxt + 1 */
	uint32_t rescue_rxt;    /* RFC 6675 RescueRxt + 1, when has_rescue */
	uint32_t lt_base;       /* SND.MAX at the first duplicate ACK: data sent after it
	                         * is limited transmit, not part of FlightSize */
	int32_t inflate;        /* NewReno: window inflation in bytes (may go negative
	                         * after partial deflation) */
	uint8_t state;          /* enum tcp_rec_state */
	uint8_t dupacks;        /* RFC 6675 DupAcks, saturating at 255 */
	bool has_recover;       /* a recovery or an RTO has set recover */
	bool has_rescue;
	bool rexmit_due;        /* the segment at SND.UNA goes out next, whatever cwnd says
	                         * (fast retransmit; RFC 6582 partial ACK) */
	bool partial_seen;      /* NewReno: a partial ACK came in this recovery */
	uint64_t rto_deadline;  /* NewReno: the retransmission deadline the first partial
	                         * ACK set (RFC 6582 §4 "Impatient": later ones keep it) */
	/* RFC 3522 Eifel detection of a spurious fast retransmit: the first retransmission
	 * of the episode started at eifel_seq and carried TSval eifel_tsval */
	uint32_t eifel_seq, eifel_tsval;
	bool eifel_pending;     /* recovery began, its first retransmission not yet sent */
	bool eifel_armed;       /* it was sent with a timestamp; no ACK covered it yet */
	bool eifel_known;       /* eifel_tsval is this episode's first retransmission's */
	/* RFC 3708 / Linux tcp_try_undo_dsack: retransmissions of the last episode not yet
	 * reported duplicate by a D-SACK; 0 with undo_armed: every one was spurious */
	uint32_t undo_retrans;
	bool undo_armed;
	/* RFC 6937 Proportional Rate Reduction, during SACK recovery: octets delivered
	 * to the peer (cumulatively acknowledged or SACKed) and sent (new data and
	 * retransmissions) since recovery began, and FlightSize when it began */
	uint32_t prr_delivered, prr_out, recover_fs;
	bool prr_lost;          /* the ACK being processed marked a segment lost */
	struct tcp_rack rack;   /* RFC 8985 RACK-TLP state and transmit map (rack.h) */
};

/* The summary (r->rare) for a test: in builds without NDEBUG checked against its
 * recomputation from the tcb that embeds r (tcb.h tcp_rare), as every read is. */
#ifdef NDEBUG
static inline uint32_t tcp_rec_rare(const struct tcp_recovery *r)
{
	return r->rare;
}
#else
uint32_t tcp_rec_rare(const struct tcp_recovery *r);
#endif

/* RFC 5681 §2 duplicate ACK, tested before seg changes anything: data outstanding (a
 * lone FIN is not data),
 * no payload, neither SYN nor FIN, SEG.ACK == SND.UNA, and the window (scaled) equal to
 * SND.WND. seg is borrowed. */
bool tcp_rec_is_dupack(const struct tcb *tcb, const struct wire_tcp *seg);

/*
 * The part of tcp_rec_on_ack that decides an ACK needs nothing from recovery or RACK:
 * open (no recovery, no duplicate ACKs counted), no SACK option on seg, RACK's transmit
 * map empty with nothing marked lost and no probe out or due. With SND.UNA = SND.MAX
 * and nothing newly acknowledged, tcp_rec_on_ack does exactly this and returns NULL
 * (recovery.c on_ack); input.c step_ack calls it directly then. When true it makes the
 * same two resets tcp_rec_on_ack makes (RACK's reordering multiplier at least 1, no
 * transmit time of the newest delivered segment), and prr_lost is cleared. Recovery
 * open, no duplicate ACK, nothing lost, no probe out or due are the summary's bits
 * (TCP_RARE_QUIET, rare.h), tested as one.
 */
static inline bool tcp_rec_quiet_ack(struct tcp_recovery *r, const struct wire_tcp *seg)
{
	struct tcp_rack *m = &r->rack;

	if ((tcp_rec_rare(r) & TCP_RARE_QUIET) || (seg->opt.present & WIRE_HAS_SACK) || m->n)
		return false;
	if (!m->reo_wnd_mult)
		m->reo_wnd_mult = 1;
	m->ack_xmit_ns = 0;
	r->prr_lost = false;
	return true;
}

/*
 * A lone segment acknowledged (recovery.c "Lone segments"): the ACK of ack = SND.MAX,
 * above SND.UNA, finds recovery open, RACK (with SACK) holding the whole flight in its
 * map's inline entry without flags, ending at ack, no probe out, nothing lost or SACKed,
 * no Eifel test armed, and seg carries no SACK option. tcp_rec_on_ack then delivers the
 * entry, resets the duplicate ACK count and lets congestion control take the ACK: it
 * counts nothing, lists nothing, arms no timer and returns NULL. Recovery open, no probe
 * out, nothing lost or SACKed, no Eifel test armed are the summary's bits
 * (TCP_RARE_LONE_ACK, rare.h), tested as one.
 */
static inline bool tcp_rec_lone_acked(const struct tcp_recovery *r, bool sack_ok,
				      const struct wire_tcp *seg, uint32_t ack)
{
	const struct tcp_rack *m = &r->rack;

	return !(tcp_rec_rare(r) & TCP_RARE_LONE_ACK) && m->active && sack_ok && m->n == 1 &&
	       !m->seg && !m->one.flags && m->one.end == ack &&
	       !(seg->opt.present & WIRE_HAS_SACK);
}

/* After an acceptable ACK has been applied (SND.UNA advanced from prev_una, SND.WND
 * updated): the scoreboard (SACK blocks of seg, when SACK is on), duplicate ACK
 * counting, entering, continuing and leaving recovery, undoing a recovery whose fast
 * retransmit was spurious (RFC 3522: the first ACK covering it echoes a TSval older
 * than the retransmission's), and congestion control's share
 * (tcp_cc_on_ack outside recovery, with rtt_us the sample this ACK gave or 0); then,
 * in the fifth check's order, ECN (tcp_ecn_on_ack, RFC 3168 §6.1.2, after loss
 * detection) and, when SND.UNA moved, the send buffer (tcp_sndbuf_on_ack: Linux
 * tcp_check_space after tcp_ack). dup5681 is tcp_rec_is_dupack's answer taken before
 * the ACK was applied. Returns a static reason for the decision note when recovery did
 * something, else NULL. */
const char *tcp_rec_on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
			   uint32_t prev_una, bool dup5681, uint32_t rtt_us);

/* The retransmission timer expired on a synchronized connection (before SND.NXT is
 * rewound or after: neither is read): recovery ends, recover = SND.MAX (RFC 6582 step
 * 4, RFC 6675 §5.1), the scoreboard is cleared (RFC 2018 §8), tcp_cc_on_rto. */
void tcp_rec_on_rto(struct tcp_stack *ts, struct tcb *tcb);

/* The peer moved its right window edge left of SND.NXT (RFC 9293 §3.8.6 MUST-34). At
 * zero window nothing is in flight any more as far as we are concerned: SND.NXT goes
 * back to SND.UNA and the retransmission timer stops, so the persist timer probes
 * (MUST-35) and the connection does not time out on data beyond the edge (SHLD-17). */
void tcp_rec_window_shrunk(struct tcp_stack *ts, struct tcb *tcb);

/* What output sends next when it is a retransmission: true with [*seq, *seq + *len)
 * (payload octets; a FIN follows when *seq + *len is the FIN's sequence number) — the
 * fast retransmit or partial-ACK retransmission at SND.UNA regardless of cwnd, or in
 * SACK recovery RFC 6675 NextSeg () rules (1), (3), (4) when cwnd - pipe >= SMSS.
 * false: nothing to retransmit now (new data, rule (2), is output's own business). */
bool tcp_rec_next_seg(const struct tcp_stack *ts, const struct tcb *tcb, uint32_t *seq,
		      uint32_t *len);

/* Output sent the segment tcp_rec_next_seg chose: [seq, seq + span) with span counting
 * a FIN. Updates HighRxt / RescueRxt (RFC 6675 §5 (4.3), (C.2), NextSeg rule (4)),
 * counts the retransmission, stops RTT timing over it (Karn). Call before SND.NXT/SND.MAX
 * bookkeeping (the choice is recomputed from unchanged state). */
void tcp_rec_on_sent(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span);

/* The bytes output compares with cwnd: outside recovery SND.NXT - SND.UNA, less the
 * limited-transmit allowance on duplicate ACKs 1 and 2 (RFC 3042: SMSS each; with SACK,
 * RFC 6675 §5 (3) SetPipe); in NewReno recovery SND.MAX - SND.UNA less the window
 * inflation (0 at least); in SACK recovery RFC 6675 SetPipe (). */
uint32_t tcp_pipe(const struct tcb *tcb);

/* RFC 5681 FlightSize for ssthresh: SND.MAX - SND.UNA without the segments limited
 * transmit sent since the first duplicate ACK (RFC 5681 §3.2 step 2, RFC 6675 (4.2)). */
uint32_t tcp_flight_size(const struct tcb *tcb);

/* Output is about to account a segment [seq, seq + span) (span counts a FIN; SYNs are
 * not passed): RACK's transmit map (rack.h), before SND.NXT/SND.MAX move. */
void tcp_rec_on_xmit(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span);

/* The same for a super-segment of len payload bytes spanning span (a FIN: span - len)
 * that leaves as wire packets of gso payload bytes: as tcp_rec_on_xmit for each packet
 * in turn (rack.h tcp_rack_on_send_gso). */
void tcp_rec_on_xmit_gso(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t len,
			 uint32_t span, uint32_t gso);

/* After output accounted a segment that carried new data (the RTO is running): RFC
 * 8985 §7.2 schedules the tail loss probe when it may. */
void tcp_rec_after_send(struct tcp_stack *ts, struct tcb *tcb);

/* The retransmission slot fired while it held RACK's reordering timer or the TLP timer
 * (tcb->rec.rack.timer != TCP_RACK_T_RTO): RFC 8985 §6.3 (mark what is lost now,
 * recovery may begin) or §7.3 (the next segment is the probe); the RTO is armed again.
 * tcb is synchronized. */
void tcp_rec_on_timer(struct tcp_stack *ts, struct tcb *tcb);

/* True during NewReno or SACK recovery. */
bool tcp_rec_in_recovery(const struct tcb *tcb);

#endif
