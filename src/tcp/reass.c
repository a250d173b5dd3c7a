/*
 * reass.c — out-of-order data held in place in the receive ring (RFC 9293 §3.10.7.4
 * seventh check, MAY-13), the SACK and D-SACK blocks our ACKs report (RFC 2018 §4,
 * RFC 2883 §4), and when the receiver ACKs (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2,
 * RFC 5681 §4.2, with Linux's quick-ACK and interactive modes).
 *
 * Memory: data lives only in the receive ring, at the offset its sequence number maps
 * to, and only inside the ring's storage; the blocks are an array from the stack's
 * allocator, taken at the first hole, doubled when more are needed and given back when
 * the queue empties,
 * bounded by the ring's capacity (reass.h: tcp_reass_limit, pruning from the top as
 * Linux's tcp_prune_ofo_queue). Invariants:
 * see reass.h.
 */
#include <string.h>

#include "tcp/reass.h"
#include "tcp/tcb.h"

#define MS 1000000ull

void tcp_reass_free(struct tcp_reass *q, const struct base_allocator *a)
{
	if (q->ext)
		base_free(a, q->ext, q->ext_cap * sizeof *q->ext);
	q->ext = NULL;
	q->ext_cap = 0;
	q->n = 0;
}

void tcp_reass_clear(struct tcp_reass *q, const struct base_allocator *a)
{
	tcp_reass_free(q, a);
	q->has_fin = false;
	q->has_dsack = false;
}

uint32_t tcp_reass_limit(const struct ring *r)
{
	uint32_t lim = r->cap / TCP_REASS_BLOCK_BYTES;

	if (lim < TCP_REASS_MIN_BLOCKS)
		return TCP_REASS_MIN_BLOCKS;
	return lim < TCP_REASS_MAX_BLOCKS ? lim : TCP_REASS_MAX_BLOCKS;
}

static struct tcp_reass_block *blocks(struct tcp_reass *q)
{
	return q->ext;
}

static uint32_t capacity(const struct tcp_reass *q)
{
	return q->ext_cap;      /* 0 without an array (tcp_reass_free) */
}

/* Room for one block more than n, within lim: true when the array has it (taken from a
 * at the first hole, TCP_REASS_MIN_BLOCKS entries; then grown, doubling). */
static bool reserve_one(struct tcp_reass *q, const struct base_allocator *a, uint32_t lim)
{
	uint32_t ncap = capacity(q);
	struct tcp_reass_block *nb;

	if (q->n < ncap)
		return true;
	if (q->n >= lim || !a)
		return false;
	ncap = !ncap ? TCP_REASS_MIN_BLOCKS : ncap * 2 < lim ? ncap * 2 : lim;
	nb = base_alloc(a, ncap * sizeof *nb);
	if (!nb)
		return false;
	if (q->ext) {
		memcpy(nb, q->ext, q->n * sizeof *nb);
		base_free(a, q->ext, q->ext_cap * sizeof *q->ext);
	}
	q->ext = nb;
	q->ext_cap = ncap;
	return true;
}

void tcp_reass_dsack(struct tcp_reass *q, uint32_t left, uint32_t right)
{
	/* RFC 2883 §4: one D-SACK block, the latest duplicate (Linux replaces too) */
	q->has_dsack = true;
	q->dsack_left = left;
	q->dsack_right = right;
}

void tcp_reass_set_fin(struct tcp_reass *q, uint32_t fin_seq)
{
	q->has_fin = true;
	q->fin_seq = fin_seq;
}

/* Cuts [seq, *end) to what the ring can hold above rcv_nxt and to a remembered FIN.
 * Returns false when nothing is left. */
static bool clip(const struct tcp_reass *q, const struct ring *r, uint32_t rcv_nxt,
		 uint32_t seq, uint32_t *end, bool store)
{
	if (store) {
		uint32_t room = r->cap - ring_len(r);   /* bytes after RCV.NXT with storage */

		if (seq - rcv_nxt >= room)
			return false;
		if (*end - rcv_nxt > room)
			*end = rcv_nxt + room;
	}
	if (q->has_fin && seq_gt(*end, q->fin_seq))
		*end = q->fin_seq;      /* nothing is held beyond the peer's FIN */
	return seq_lt(seq, *end);
}

/* The first stretch of [seq, end) already held in blk[i..j): a D-SACK (RFC 2883 §4.1.2
 * reports duplicates above the cumulative ACK too). */
static void dsack_overlap(struct tcp_reass *q, uint32_t i, uint32_t j, uint32_t seq,
			  uint32_t end)
{
	const struct tcp_reass_block *blk = blocks(q);

	for (uint32_t k = i; k < j; k++) {
		uint32_t l = seq_gt(blk[k].left, seq) ? blk[k].left : seq;
		uint32_t r = seq_lt(blk[k].right, end) ? blk[k].right : end;

		if (seq_lt(l, r)) {
			tcp_reass_dsack(q, l, r);
			return;
		}
	}
}

/* The first block whose right edge is at or after seq (n when none): binary search. */
static uint32_t first_reaching(const struct tcp_reass *q, uint32_t seq)
{
	const struct tcp_reass_block *blk = tcp_reass_blocks(q);
	uint32_t lo = 0, hi = q->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (seq_lt(blk[mid].right, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * No block is free for a segment whose merge range is blk[i..j): drop held blocks that
 * lie wholly above it (index >= j), highest first, until one is free (Linux
 * tcp_prune_ofo_queue stops at the incoming segment). False when none lies above it.
 */
static bool prune_above(struct tcp_reass *q, uint32_t j, uint32_t lim)
{
	bool pruned = false;

	while (q->n + 1 > lim || q->n >= capacity(q)) {
		if (q->n <= j)
			return false;
		q->n--;                 /* the highest block: its bytes are forgotten */
		pruned = true;
	}
	return pruned;
}

enum tcp_reass_res tcp_reass_insert(struct tcp_reass *q, const struct base_allocator *a,
				    struct ring *r, uint32_t rcv_nxt, uint32_t seq,
				    const uint8_t *data, uint32_t *len, bool store)
{
	uint32_t end = seq + *len, left = seq, right, i, j, m, lim = tcp_reass_limit(r);
	struct tcp_reass_block *blk;
	bool pruned = false;

	if (!clip(q, r, rcv_nxt, seq, &end, store)) {
		*len = 0;
		return TCP_REASS_NO_ROOM;
	}
	*len = end - seq;
	right = end;
	/* blk[i..j) overlap or touch [seq, end): they become one block */
	blk = blocks(q);
	i = first_reaching(q, seq);
	for (j = i; j < q->n && seq_leq(blk[j].left, end); j++)
		;
	m = j - i;
	if (m == 1 && seq_leq(blk[i].left, seq) && seq_leq(end, blk[i].right)) {
		tcp_reass_dsack(q, seq, end);   /* every byte held: a duplicate */
		blk[i].stamp = ++q->clock;      /* RFC 2883 §4: its block follows the D-SACK */
		return TCP_REASS_DUP;
	}
	if (m == 0 && !(q->n < lim && reserve_one(q, a, lim))) {
		if (!prune_above(q, j, lim))
			return TCP_REASS_FULL;
		pruned = true;
	}
	blk = blocks(q);                /* reserve_one may have moved them */
	dsack_overlap(q, i, j, seq, end);
	if (store)
		ring_write_at(r, ring_len(r) + (seq - rcv_nxt), data, *len);
	if (m) {
		if (seq_lt(blk[i].left, left))
			left = blk[i].left;
		if (seq_gt(blk[j - 1].right, right))
			right = blk[j - 1].right;
	}
	if (m == 0) {
		memmove(&blk[i + 1], &blk[i], (q->n - i) * sizeof blk[0]);
		q->n++;
	} else if (m > 1) {
		memmove(&blk[i + 1], &blk[j], (q->n - j) * sizeof blk[0]);
		q->n -= m - 1;
	}
	blk[i].left = left;
	blk[i].right = right;
	blk[i].stamp = ++q->clock;      /* the most recently received segment's block */
	return pruned ? TCP_REASS_PRUNED : TCP_REASS_QUEUED;
}

uint32_t tcp_reass_pull(struct tcp_reass *q, const struct base_allocator *a, struct ring *r,
			uint32_t rcv_nxt, bool store)
{
	struct tcp_reass_block *blk = blocks(q);
	uint32_t moved = 0, k = 0;

	while (k < q->n && seq_leq(blk[k].left, rcv_nxt + moved)) {
		if (!k && seq_lt(blk[0].left, rcv_nxt))
			/* the in-order segment brought bytes we held: a duplicate part
			 * (RFC 2883 §4.1.2; Linux tcp_ofo_queue's D-SACK) */
			tcp_reass_dsack(q, blk[0].left,
					seq_lt(blk[0].right, rcv_nxt) ? blk[0].right : rcv_nxt);
		if (seq_gt(blk[k].right, rcv_nxt + moved)) {
			uint32_t add = blk[k].right - (rcv_nxt + moved);

			/* the bytes already sit at their offsets: extend the readable part */
			if (store)
				ring_commit(r, add);
			moved += add;
		}
		k++;
	}
	if (k) {
		memmove(&blk[0], &blk[k], (q->n - k) * sizeof blk[0]);
		q->n -= k;
	}
	if (!q->n)
		tcp_reass_free(q, a);   /* an idle connection holds no array (reass.h) */
	return moved;
}

unsigned tcp_reass_sack_blocks(const struct tcp_reass *q, struct wire_sack_block *out,
			       unsigned max)
{
	const struct tcp_reass_block *blk = tcp_reass_blocks(q);
	uint32_t below = 0;             /* stamps are unique: the next is the largest under */
	unsigned k = 0, taken = 0;

	if (q->has_dsack && k < max) {
		out[k].left = q->dsack_left;    /* RFC 2883 §4: first */
		out[k].right = q->dsack_right;
		k++;
	}
	/* RFC 2018 §4: the block of the latest segment first, then the others by how
	 * recently they changed (a block reported earlier keeps its place behind newer
	 * ones; a merge takes the newest stamp). max is at most 4: O(4 n) */
	while (k < max) {
		uint32_t best = q->n;

		for (uint32_t i = 0; i < q->n; i++)
			if ((!taken || blk[i].stamp < below) &&
			    (best == q->n || blk[i].stamp > blk[best].stamp))
				best = i;
		if (best == q->n)
			break;
		below = blk[best].stamp;
		taken++;
		out[k].left = blk[best].left;
		out[k].right = blk[best].right;
		k++;
	}
	return k;
}

/* ---- ACK policy -------------------------------------------------------------------- */

/* Linux tcp_incr_quickack: RCV.WND / (2 * segment size), at least 2, at most 16. */
static void incr_quickack(struct tcb *tcb)
{
	struct tcp_reass *q = &tcb->rcv_ooo;
	uint32_t n = tcb->rcv_wnd / (2u * q->seg_est);

	if (!n)
		n = 2;
	if (n > TCP_MAX_QUICKACKS)
		n = TCP_MAX_QUICKACKS;
	if (n > q->quick)
		q->quick = (uint8_t)n;
}

/* Linux tcp_initialize_rcv_mss and tcp_measure_rcv_mss: the size of the peer's full
 * segments, first guessed (at most 536), then the largest seen up to our MSS. */
static void measure_segment(struct tcb *tcb, uint32_t n)
{
	struct tcp_reass *q = &tcb->rcv_ooo;

	if (!q->seg_est) {
		uint32_t h = tcb->rcv_mss < tcb->snd_mss ? tcb->rcv_mss : tcb->snd_mss;

		if (h > tcb->rcv_wnd / 2)
			h = tcb->rcv_wnd / 2;
		if (h > 536)
			h = 536;
		q->seg_est = (uint16_t)(h < 88 ? 88 : h);
	}
	if (n >= q->seg_est)
		q->seg_est = (uint16_t)(n < tcb->rcv_mss ? n : tcb->rcv_mss);
}

/* Time since in-sequence data last arrived. last_data_ns holds 1 for data at time 0 (0
 * means never), so a clock still at 0 reads as no time passed, not as 2^64 - 1 ns. */
static uint64_t since_data_ns(const struct tcp_stack *ts, const struct tcp_reass *q)
{
	return ts->now_ns > q->last_data_ns ? ts->now_ns - q->last_data_ns : 0;
}

/* always_inline: input.c step_text, its one caller, takes it in place under LTO (the
 * data segment's ACK policy; out of line a call and a frame per data segment) */
__attribute__((always_inline)) inline void tcp_rcv_data_ack(struct tcp_stack *ts,
							    struct tcb *tcb, uint32_t n,
							    bool now)
{
	struct tcp_reass *q = &tcb->rcv_ooo;

	measure_segment(tcb, n);
	/* quick-ACK mode at the first data, and again after an idle time beyond the RTO
	 * (Linux tcp_event_data_recv) */
	if (!q->last_data_ns || since_data_ns(ts, q) > (uint64_t)tcp_rto_ns(ts, tcb))
		incr_quickack(tcb);
	q->last_data_ns = ts->now_ns ? ts->now_ns : 1;
	/* §3.8.6.3 / RFC 1122 §4.2.3.2: an ACK for at least every second full-sized
	 * segment (Linux: more than one full segment not yet acknowledged) */
	if (now || (q->quick && !q->pingpong) || tcb->rcv_nxt - q->rcv_wup > q->seg_est) {
		tcb->want_ack = true;
		return;
	}
	if (!tcb->deadline[TCP_T_DELACK])
		tcp_timer_set(ts, tcb, TCP_T_DELACK, ts->now_ns + ts->cfg.delayed_ack_ms * MS);
}

void tcp_rcv_enter_quickack(struct tcb *tcb)
{
	if (!tcb->rcv_ooo.seg_est)
		measure_segment(tcb, 0);
	incr_quickack(tcb);
	tcb->rcv_ooo.pingpong = false;
}

void tcp_rcv_ack_sent(struct tcp_stack *ts, struct tcb *tcb, uint32_t data_len)
{
	struct tcp_reass *q = &tcb->rcv_ooo;

	/* Linux tcp_dec_quickack_mode: one quick ACK spent per ACK of new data */
	if (q->quick && tcb->rcv_nxt != q->rcv_wup)
		q->quick--;
	q->rcv_wup = tcb->rcv_nxt;
	/* Linux tcp_event_data_sent: our data answers theirs within the ACK delay */
	if (data_len && q->last_data_ns &&
	    since_data_ns(ts, q) < (uint64_t)ts->cfg.delayed_ack_ms * MS)
		q->pingpong = true;
}

void tcp_rcv_delack_fired(struct tcp_stack *ts, struct tcb *tcb)
{
	(void)ts;
	tcb->rcv_ooo.pingpong = false;  /* Linux tcp_delack_timer_handler: ACK missed */
}
