/*
 * rare.h — the summary of a connection's rare conditions (tcb->rec.rare, in struct
 * tcp_recovery beside most of what it summarises, so that recovery.h's inline tests
 * read it from the recovery state they are given): one bit per
 * condition that sends a segment off the common path of input or output, 0 when none
 * holds (a connection's whole life in a request/response exchange without loss).
 *
 * The predicates of the common segment (output.c plan_pure_ack, plan_new_data,
 * nothing_due, is_common, lone_ok; recovery.h tcp_rec_quiet_ack, tcp_rec_lone_acked)
 * each tested several of these conditions field by field on every segment; with the
 * summary they test one word against a mask. Every bit stands for exactly one
 * condition (equal to it, not an approximation), so a predicate that tests the mask
 * instead of the fields answers exactly as before.
 *
 * Invariant: tcb->rec.rare == tcp_rare_of(tcb) (tcb.h) at every point where it is read.
 * Kept by the code that changes each condition, through the setters in tcb.h (never a
 * store by hand): the flags at their stores (tcp_set_want_probe, tcp_set_want_ka_probe,
 * tcp_set_urg_pending, tcp_rec_set_state, tcp_rec_set_rexmit_due, tcp_rec_set_dupacks,
 * tcp_rec_clear_dupacks, tcp_rec_set_eifel_armed, tcp_rack_set_tlp_due,
 * tcp_rack_set_tlp_out); what changes by whole calls or sums after them (the IP options
 * tcp_rare_sync_route, the out-of-order queue tcp_rare_sync_ooo and
 * tcp_rare_ooo_cleared, the SACK scoreboard tcp_rare_sync_sb, RACK's lost bytes
 * tcp_rare_sync_lost). A tcb is born zeroed (all clear, as its fields) but for the
 * stack's switches (TCP_RARE_S_*, tcb.c tcp_tcb_new). In builds without NDEBUG (Debug,
 * the sanitizer build where the tests run) every read goes through tcb.h tcp_rare() or
 * tcp_rare_at(), or recovery.h tcp_rec_rare(), which check the stored word against
 * tcp_rare_of and the stack's switches and abort on a difference: every test then
 * checks the summary at every segment. With NDEBUG (RelWithDebInfo, the LTO build
 * measured) the read is a load.
 */
#ifndef SYNACK_TCP_RARE_H
#define SYNACK_TCP_RARE_H

#include <stdint.h>

/* the tcb's own flags */
#define TCP_RARE_KA_PROBE (1u << 0)   /* want_ka_probe: keep-alive probe due (§3.8.4) */
#define TCP_RARE_PROBE    (1u << 1)   /* want_probe: zero-window probe due (§3.8.6.1) */
#define TCP_RARE_URG      (1u << 2)   /* urg_pending: SND.UP meaningful (§3.8.5) */
#define TCP_RARE_IPOPTS   (1u << 3)   /* ipopts != NULL: IP options on our segments */
#define TCP_RARE_OOO      (1u << 4)   /* out-of-order data held (rcv_ooo.n) or a D-SACK
                                       * to report (rcv_ooo.has_dsack) */
/* loss recovery and RACK-TLP (recovery.h, rack.h) */
#define TCP_RARE_REC      (1u << 5)   /* rec.state != TCP_REC_OPEN */
#define TCP_RARE_REXMIT   (1u << 6)   /* rec.rexmit_due */
#define TCP_RARE_DUPACKS  (1u << 7)   /* rec.dupacks != 0 */
#define TCP_RARE_SB       (1u << 8)   /* rec.sb.n != 0: SACKed ranges held */
#define TCP_RARE_EIFEL    (1u << 9)   /* rec.eifel_armed */
#define TCP_RARE_LOST     (1u << 10)  /* rec.rack.lost_bytes != 0 */
#define TCP_RARE_TLP_DUE  (1u << 11)  /* rec.rack.tlp_due */
#define TCP_RARE_TLP_OUT  (1u << 12)  /* rec.rack.tlp_out */
/* the stack's switches (tcb.h struct tcp_stack rare_switches), copied at the birth of the
 * connection: they are per stack and never change while it has connections */
#define TCP_RARE_S_SHIFT  13
#define TCP_RARE_S_NO_OUT_FAST (1u << 13)  /* no_out_fast_path */
#define TCP_RARE_S_NO_OUT_COMMON (1u << 14)  /* no_out_common */
#define TCP_RARE_S_BITS (TCP_RARE_S_NO_OUT_FAST | TCP_RARE_S_NO_OUT_COMMON)

/* loss recovery's and RACK's bits (tcb.h tcp_rare_of_rec) */
#define TCP_RARE_REC_BITS                                                               \
	(TCP_RARE_REC | TCP_RARE_REXMIT | TCP_RARE_DUPACKS | TCP_RARE_SB | TCP_RARE_EIFEL | \
	 TCP_RARE_LOST | TCP_RARE_TLP_DUE | TCP_RARE_TLP_OUT)

/* What every plan of output.c needs clear (plan_pure_ack, plan_new_data): no probe
 * wanted, recovery open with nothing to resend (tcp_rec_next_seg false), nothing
 * marked lost, no tail-loss probe due. */
#define TCP_RARE_PLAN                                                                  \
	(TCP_RARE_KA_PROBE | TCP_RARE_PROBE | TCP_RARE_REC | TCP_RARE_REXMIT |           \
	 TCP_RARE_LOST | TCP_RARE_TLP_DUE)

/* nothing_due's: as TCP_RARE_PLAN, a forced retransmission aside (it comes only in
 * recovery, which TCP_RARE_REC covers). */
#define TCP_RARE_DUE                                                                   \
	(TCP_RARE_KA_PROBE | TCP_RARE_PROBE | TCP_RARE_REC | TCP_RARE_LOST |             \
	 TCP_RARE_TLP_DUE)

/* What output's common writer (is_common) cannot write: IP options, an urgent pointer;
 * with SACK also SACK blocks (out-of-order data held, a D-SACK). */
#define TCP_RARE_WRITER (TCP_RARE_IPOPTS | TCP_RARE_URG)

/* Recovery quiet for an ACK that acknowledges nothing (tcp_rec_quiet_ack). */
#define TCP_RARE_QUIET                                                                 \
	(TCP_RARE_REC | TCP_RARE_DUPACKS | TCP_RARE_LOST | TCP_RARE_TLP_OUT |            \
	 TCP_RARE_TLP_DUE)

/* Recovery quiet for the ACK of a lone segment (tcp_rec_lone_acked). */
#define TCP_RARE_LONE_ACK                                                              \
	(TCP_RARE_REC | TCP_RARE_TLP_OUT | TCP_RARE_LOST | TCP_RARE_SB | TCP_RARE_EIFEL)

/* rare with bit set when on is true, clear otherwise */
static inline uint32_t tcp_rare_with(uint32_t rare, uint32_t bit, int on)
{
	return on ? rare | bit : rare & ~bit;
}

#endif
