/*
 * reass.h — the receiver's out-of-order queue and ACK policy (reass.c).
 *
 * Out-of-order data (RFC 9293 §3.10.7.4 seventh check, MAY-13 "segments that arrive
 * out of order ... kept for later processing") is written in place into the receive
 * ring, at the offset its sequence number will have once the bytes before it arrive;
 * a sorted array of blocks records which sequence ranges above RCV.NXT are held (the
 * "assembler" of smoltcp, not a queue of segments).
 *
 * How many blocks follows the receive buffer, as Linux bounds its out-of-order queue
 * by memory (sk_rcvbuf, each held segment charged its truesize, about 1 KiB for a
 * small one) rather than by a count: at most tcp_reass_limit() = ring capacity /
 * TCP_REASS_BLOCK_BYTES blocks, at least TCP_REASS_MIN_BLOCKS, at most
 * TCP_REASS_MAX_BLOCKS. The array is allocated from the stack's allocator when the
 * first segment arrives out of order (TCP_REASS_MIN_BLOCKS entries: the tcb holds only
 * the pointer, so a connection that never sees a hole allocates and zeroes nothing for
 * it), doubling when more are needed, and given back when the queue empties
 * (tcp_reass_pull reaching past the last block, tcp_reass_clear) or the tcb is freed
 * (tcp_reass_free). A failed allocation counts as no block left. When a segment
 * needs a block and none is left, held blocks that lie entirely above it are dropped,
 * highest first, until one is free (Linux tcp_prune_ofo_queue, which stops at the
 * incoming segment: data nearer RCV.NXT is worth more — a retransmission filling a low
 * hole is not lost to data far above it); when nothing lies above it, the segment
 * itself is dropped (counted by the caller). So memory is bounded by the receive
 * buffer whatever arrives (the data is in the ring; the blocks cost at most 12 /
 * TCP_REASS_BLOCK_BYTES of it), and a segment costs a binary search plus one memmove
 * of at most TCP_REASS_MAX_BLOCKS entries.
 *
 * The same blocks give the SACK option of our ACKs (RFC 2018 §4: the block holding the
 * most recently received segment first, then the others most recently changed first)
 * and a D-SACK block for duplicate data (RFC 2883 §4).
 *
 * Invariants (for the tcb's RCV.NXT, ring = tcb->rcvbuf):
 *   - blk[0..n) sorted, disjoint and not adjacent: blk[i].right < blk[i+1].left;
 *   - RCV.NXT < blk[0].left (a block that RCV.NXT reaches is merged at once);
 *   - byte s of a block sits at ring offset ring_len + (s - RCV.NXT) (when stored):
 *     in-order writes and reads keep that true, so nothing moves when a hole fills.
 */
#ifndef SYNACK_TCP_REASS_H
#define SYNACK_TCP_REASS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/ring.h"
#include "wire/wire.h"

#define TCP_REASS_MIN_BLOCKS 16         /* the least bound, the first array's size */
#define TCP_REASS_BLOCK_BYTES 1024u     /* receive buffer charged per block */
#define TCP_REASS_MAX_BLOCKS 4096u      /* whatever the buffer (48 KiB of blocks) */
#define TCP_MAX_QUICKACKS 16    /* Linux TCP_MAX_QUICKACKS */

struct tcp_reass_block {
	uint32_t left, right;   /* [left, right): sequence numbers held */
	uint32_t stamp;         /* when data last arrived into it (larger = later) */
};

struct tcp_reass {
	struct tcp_reass_block *ext;    /* the blocks, ext_cap of them; NULL (ext_cap 0)
	                                 * while none is held */
	uint32_t n;             /* blocks in use */
	uint32_t ext_cap;       /* entries of ext */
	bool has_fin;           /* a FIN at fin_seq arrived beyond a hole */
	bool has_dsack;         /* report [dsack_left, dsack_right) once (RFC 2883) */
	uint32_t fin_seq;
	uint32_t dsack_left, dsack_right;
	uint32_t clock;         /* last stamp given */

	/* ACK policy (Linux's icsk_ack, reass.c tcp_rcv_*) */
	uint32_t rcv_wup;       /* RCV.NXT when our last ACK left */
	uint64_t last_data_ns;  /* when in-sequence data last arrived (0: never) */
	uint16_t seg_est;       /* the peer's full segment size as seen (Linux rcv_mss) */
	uint8_t quick;          /* ACKs still sent at once (quick-ACK mode) */
	bool pingpong;          /* interactive: our data answered theirs within the ACK delay */
};

/* What tcp_reass_insert did with a segment. */
enum tcp_reass_res {
	TCP_REASS_QUEUED,       /* held (some or all bytes new) */
	TCP_REASS_PRUNED,       /* held, after dropping blocks above it to make room */
	TCP_REASS_DUP,          /* every byte already held: D-SACK recorded */
	TCP_REASS_FULL,         /* would need more than tcp_reass_limit() blocks and none
	                         * lies above it: dropped */
	TCP_REASS_NO_ROOM,      /* nothing fits in the ring's storage: dropped */
};

/* Empties q (blocks, FIN, D-SACK) and gives the allocated array back to a (borrowed
 * for the call); the ACK policy fields are kept. */
void tcp_reass_clear(struct tcp_reass *q, const struct base_allocator *a);

/* Gives the allocated array back to a (borrowed for the call); q holds no blocks
 * afterwards (the tcb is freed, or the queue emptied). */
void tcp_reass_free(struct tcp_reass *q, const struct base_allocator *a);

/* The most blocks q may hold above RCV.NXT with a receive ring of r (see above). */
uint32_t tcp_reass_limit(const struct ring *r);

/* The held blocks, sorted: tcp_reass_blocks(q)[0 .. q->n) (NULL when n is 0). */
static inline const struct tcp_reass_block *tcp_reass_blocks(const struct tcp_reass *q)
{
	return q->ext;
}

static inline bool tcp_reass_empty(const struct tcp_reass *q)
{
	return q->n == 0;
}

/*
 * Holds the segment [seq, seq + *len) with seq after rcv_nxt. data (borrowed for the
 * call) is written into ring r in place when store is true (false: SHUT_RD, the bytes
 * are only accounted). Bytes beyond the ring's storage or beyond a remembered FIN are
 * cut: *len is set to the bytes kept. Overlap with held data is recorded as D-SACK
 * (its first stretch). A new block may grow the array from a (borrowed for the call;
 * a failed allocation counts as no block left) or prune blocks above the segment
 * (PRUNED). Returns what happened; q is unchanged on FULL and NO_ROOM.
 */
enum tcp_reass_res tcp_reass_insert(struct tcp_reass *q, const struct base_allocator *a,
				    struct ring *r, uint32_t rcv_nxt, uint32_t seq,
				    const uint8_t *data, uint32_t *len, bool store);

/*
 * After RCV.NXT advanced to rcv_nxt by in-order data: merges every block that it
 * reaches, committing their bytes into the ring (when store), and returns how many
 * bytes RCV.NXT moves on beyond rcv_nxt (0 when no block is reached). Held bytes the
 * in-order data covered again are recorded as D-SACK (the first block's overlap).
 * When no block is left the allocated array goes back to a (borrowed for the call).
 */
uint32_t tcp_reass_pull(struct tcp_reass *q, const struct base_allocator *a, struct ring *r,
			uint32_t rcv_nxt, bool store);

/* Remembers a FIN at fin_seq beyond a hole (applied when RCV.NXT reaches it). */
void tcp_reass_set_fin(struct tcp_reass *q, uint32_t fin_seq);

/* True when the remembered FIN sits at rcv_nxt (the hole before it filled). */
static inline bool tcp_reass_fin_due(const struct tcp_reass *q, uint32_t rcv_nxt)
{
	return q->has_fin && q->fin_seq == rcv_nxt;
}

/* Records [left, right) as duplicate data to report in the next ACK's D-SACK block. */
void tcp_reass_dsack(struct tcp_reass *q, uint32_t left, uint32_t right);

/*
 * Fills out[0..max) with the SACK blocks of the next ACK (RFC 2018 §4, RFC 2883 §4):
 * the D-SACK block first when one is pending, then the held blocks, most recently
 * changed first. Returns the count (0..max). Does not clear the D-SACK (the output
 * routine calls tcp_reass_dsack_sent once the ACK is built).
 */
unsigned tcp_reass_sack_blocks(const struct tcp_reass *q, struct wire_sack_block *out,
			       unsigned max);

static inline void tcp_reass_dsack_sent(struct tcp_reass *q)
{
	q->has_dsack = false;
}

/* ---- ACK policy (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2, RFC 5681 §4.2; as Linux) ---- */

struct tcb;
struct tcp_stack;

/*
 * n bytes of new in-sequence data were taken (RCV.NXT already moved). Records intent:
 * an ACK at the next output (want_ack) when now is true (out-of-order or hole-filling
 * data, a shortened segment), in quick-ACK mode (the first segments of a connection,
 * after an idle period longer than the RTO, after duplicate data: Linux's icsk_ack.quick
 * unless interactive), or when more than one full-sized segment is unacknowledged (every
 * second full segment); otherwise the delayed-ACK timer (cfg.delayed_ack_ms) is armed.
 */
void tcp_rcv_data_ack(struct tcp_stack *ts, struct tcb *tcb, uint32_t n, bool now);

/* Duplicate data arrived (the peer retransmitted what we had): quick-ACK mode again
 * (Linux tcp_enter_quickack_mode on DELAYEDACKLOST). */
void tcp_rcv_enter_quickack(struct tcb *tcb);

/* A segment carrying our ACK (data_len payload bytes) left: updates RCV.WUP, spends a
 * quick ACK when new data was acknowledged, and notes an interactive exchange when our
 * data answers theirs within the ACK delay (Linux pingpong). */
void tcp_rcv_ack_sent(struct tcp_stack *ts, struct tcb *tcb, uint32_t data_len);

/* The delayed-ACK timer fired: the ACK is due, and the exchange was not interactive
 * after all (Linux leaves pingpong mode there). */
void tcp_rcv_delack_fired(struct tcp_stack *ts, struct tcb *tcb);

#endif
