/*
 * rack.h — RACK-TLP (RFC 8985): time-based loss detection for SACK connections, with
 * the transmit map it needs (one entry per segment sent and not yet cumulatively
 * acknowledged: its sequence range, the time it was last sent, whether it was SACKed,
 * marked lost or retransmitted; Linux keeps the same facts on each skb of its
 * retransmission queue).
 *
 * What RACK answers that RFC 6675 cannot: a segment is lost when a segment sent after
 * it has been delivered and more than RACK.rtt + reo_wnd has passed since it was sent
 * (§6.2 step 5). That also finds lost retransmissions (RFC 6675 waits for the RTO), and
 * a single SACK is enough when time says so (no DupThresh segments needed); reordering
 * seen on the path widens reo_wnd (§6.2 steps 3-4, D-SACK rounds). The tail loss probe
 * (§7) sends one segment 2 SRTT after the last one when nothing else would bring an ACK
 * before the RTO, so a tail loss is repaired by recovery instead of a timeout.
 *
 * Division of labour: recovery.c decides recovery (entering, NextSeg, pipe, leaving) and
 * asks this module which segments are lost (tcp_rack_first_lost, lost_bytes); cc.c does
 * the window arithmetic. The RACK reordering timer and the TLP timer share the
 * retransmission timer's slot as in Linux (icsk_pending ICSK_TIME_REO_TIMEOUT /
 * ICSK_TIME_LOSS_PROBE): `timer` says which of them the slot holds; tcp_rexmit_arm
 * (timers.c) resets it to the plain RTO.
 *
 * Runs: segments sent at the same instant one after the other (a GSO burst, a window's
 * worth sent by one output call) share one entry while nothing asks about a part of it:
 * an entry holds a run of segments of seg_len bytes each, counted back from its end
 * (the first may be shorter: partly acknowledged), all with the same time and flags.
 * RACK's answers for such a run are those of its segments one by one (delivering the
 * segments k..l of a run is delivering segment k, then segment l: rack.c
 * deliver_range); what needs one segment of a run on its own (a SACK block, a
 * retransmission, a loss mark, the RTO's marks) first splits every run of the flight
 * into its segments (rack.c split_runs; per_seg then holds until the map empties). So
 * the common flight, sent and cumulatively acknowledged without loss, is one entry per
 * send time instead of one per segment, and a flight of one run needs no storage
 * beyond the tcb (the map's first entry is inline). tcp_stack.rack_per_segment keeps
 * one entry per segment throughout (tests compare the two).
 *
 * Invariants: the map's entries are contiguous and ascending in sequence space, the
 * first starting at `base` (<= SND.UNA after an ACK is processed) and the last ending
 * at SND.MAX (when the map is in use); lost_bytes is the sum of the lengths of entries
 * flagged LOST; an entry is never both SACKED and LOST; flags are 0 in an entry of
 * more than one segment, which exists only while per_seg is false. Bounded: at most
 * TCP_RACK_MAX_SEGS entries; beyond that a new segment is merged into the last entry
 * (coarser times, never unbounded memory: that entry counts as one segment, seg_len 0),
 * and runs that would not fit as segments stay whole (each one segment). Storage beyond
 * the inline entry comes from the stack's allocator and goes when the map empties or at
 * tcp_rack_free.
 */
#ifndef SYNACK_TCP_RACK_H
#define SYNACK_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/wire.h"

struct tcp_stack;
struct tcb;

#define TCP_RACK_MIN_SEGS 256u          /* first allocation: 4 KiB */
#define TCP_RACK_MAX_SEGS 65536u        /* 1 MiB at most per connection */

/* net.ipv4.tcp_recovery bits (Linux include/net/tcp.h) */
#define TCP_RACK_LOSS_DETECTION 0x1

enum { TCP_RACK_F_SACKED = 1, TCP_RACK_F_LOST = 2, TCP_RACK_F_RETRANS = 4 };

/* What the retransmission slot holds besides the RTO. */
enum { TCP_RACK_T_RTO = 0, TCP_RACK_T_REO, TCP_RACK_T_TLP };

struct tcp_rack_seg {
	uint64_t xmit_ns;       /* when last (re)transmitted */
	uint32_t end;           /* one past the last sequence number (FIN included) */
	uint16_t seg_len;       /* a run of segments of seg_len, counted back from end
				 * (the first may be shorter); 0: the entry is one segment */
	uint8_t flags;          /* TCP_RACK_F_* */
	uint8_t pad;
};

struct tcp_rack {
	struct tcp_rack_seg *seg;       /* ring of cap entries, cap a power of two; NULL
					 * while the inline entry serves (cap 1) or nothing
					 * is in use (cap 0) */
	struct tcp_rack_seg one;        /* the inline entry */
	uint32_t cap, head, n;
	bool per_seg;                   /* no runs until the map empties (rack.h "Runs") */
	uint32_t base;                  /* first sequence number of seg[head] */
	uint32_t lost_bytes;            /* in entries flagged LOST */
	bool active;                    /* the map was allocated once: RACK runs (recovery.c);
					 * stays set while the empty map is released */
	/* RFC 8985 §6.1 */
	uint64_t xmit_ns;               /* RACK.xmit_ts (0: nothing delivered yet) */
	uint32_t end_seq;               /* RACK.end_seq */
	uint32_t rtt_us;                /* RACK.rtt */
	uint64_t ack_xmit_ns;           /* the newest segment the current ACK delivered */
	uint32_t ack_end;
	uint32_t min_rtt_us;            /* RACK.min_RTT (0: no sample yet) */
	uint32_t fack;                  /* RACK.fack: highest end delivered */
	uint32_t dsack_round;           /* RACK.dsack_round (SND.MAX when set) */
	bool has_dsack_round;
	bool reordering_seen;           /* RACK.reordering_seen */
	uint8_t reo_wnd_mult;           /* RACK.reo_wnd_mult (1..) */
	uint8_t reo_wnd_persist;        /* RACK.reo_wnd_persist */
	uint8_t timer;                  /* TCP_RACK_T_*: what the RTO slot holds */
	/* RFC 8985 §7 */
	bool tlp_due;                   /* the PTO fired: the next segment is the probe */
	bool tlp_out;                   /* a probe is outstanding (TLP.end_seq) */
	bool tlp_rexmit;                /* ... and it was a retransmission */
	bool tlp_dsack;                 /* a D-SACK came for it */
	uint32_t tlp_end_seq;
};

/* True when tcb uses RACK-TLP: tcp_recovery bit 0 (Linux, default on), SACK negotiated. */
bool tcp_rack_enabled(const struct tcp_stack *ts, const struct tcb *tcb);

/* Output sent [seq, seq + span) (span counts a FIN; a SYN is not tracked): the part at
 * or beyond SND.MAX (not yet updated) is appended, the part below is a retransmission
 * (its entries get the new time, RETRANS, lose LOST). Ends a pending probe (tlp_due).
 * A failed allocation leaves the map as it was (RACK then finds less). */
void tcp_rack_on_send(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span);

/* The same for a super-segment of len payload bytes, [seq, seq + span) (span - len: a
 * FIN), cut into wire packets of gso payload bytes (the last one the rest and the FIN):
 * exactly as tcp_rack_on_send for each packet in turn (gso 0: one segment), with the
 * packets that join a run taken in one store. */
void tcp_rack_on_send_gso(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t len,
			  uint32_t span, uint32_t gso);

/* For an ACK seg (borrowed), after SND.UNA moved from prev_una and before the scoreboard
 * takes seg's SACK blocks (it still holds what was SACKed before): entries newly
 * cumulatively acknowledged or newly SACKed update RACK.xmit_ts/end_seq/rtt (§6.2 step
 * 2, ambiguous retransmissions skipped), reordering is noted (step 3), a D-SACK widens
 * reo_wnd (step 4), acknowledged entries leave the map. */
void tcp_rack_on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
		     uint32_t prev_una);

/* §6.2 step 5 (after the scoreboard is updated): marks lost every unSACKed entry sent
 * before RACK.xmit_ts whose time is up (xmit + RACK.rtt + reo_wnd <= now). Returns the
 * ns until the next one's time is up (0: none waits), for the reordering timer. */
uint64_t tcp_rack_detect_loss(struct tcp_stack *ts, struct tcb *tcb);

/* §6.2 step 4: reo_wnd in ns. */
uint64_t tcp_rack_reo_wnd_ns(const struct tcp_stack *ts, const struct tcb *tcb);

/* The first entry flagged LOST at or after from: true with [*seq, *seq + *len). */
bool tcp_rack_first_lost(const struct tcb *tcb, uint32_t from, uint32_t *seq, uint32_t *len);

/* The last entry (the highest sequence sent): true with [*seq, *seq + *len). */
bool tcp_rack_last_seg(const struct tcb *tcb, uint32_t *seq, uint32_t *len);

/* Retransmission timeout (§6.3 / Linux tcp_timeout_mark_lost): every entry is marked
 * lost and forgets SACKED (the scoreboard is cleared too, RFC 2018 §8); the probe ends. */
void tcp_rack_on_rto(struct tcp_stack *ts, struct tcb *tcb);

/* The recovery was undone as spurious (recovery.c, RFC 3522 detection): the segments
 * marked lost were only delayed, so the marks go (Linux tcp_undo_cwnd_reduction with
 * unmark_loss) and reordering is taken as seen (Linux tcp_check_sack_reordering). */
void tcp_rack_on_undo(struct tcb *tcb);

/* Recovery ended without undo (§6.2 step 4: reo_wnd_persist counts down, then
 * reo_wnd_mult = 1; an undone episode does not count, as Linux). */
void tcp_rack_on_recovery_end(struct tcb *tcb);

/* §7.2: the probe timeout for the current flight, in ns: 2 SRTT, plus rto_min when one
 * segment is in flight (a delayed ACK), else 2 ms (Linux TCP_TIMEOUT_MIN); 1 s without
 * an RTT sample; never later than the RTO would fire. */
uint64_t tcp_rack_pto_ns(const struct tcp_stack *ts, const struct tcb *tcb);
/* The same with the RTO (tcp_rto_ns) already known. */
uint64_t tcp_rack_pto_rto(const struct tcp_stack *ts, const struct tcb *tcb, uint64_t rto);

/* recovery.c "Lone segments": the flight's only segment sent into an empty map with no
 * storage (cap 0), and that entry (inline, no flags, ending at SND.UNA) cumulatively
 * acknowledged by an ACK without SACK option: each exactly what tcp_rack_on_send and
 * tcp_rack_on_ack do then. */
void tcp_rack_on_lone_send(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span);
void tcp_rack_on_lone_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg);

/* Releases the map's storage (tcb freed). */
void tcp_rack_free(struct tcp_stack *ts, struct tcb *tcb);

#endif
