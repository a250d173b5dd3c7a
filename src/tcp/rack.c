/*
 * rack.c — RACK-TLP (RFC 8985 §6.1–6.3, §7.2) over a transmit map; see rack.h for the
 * model, the invariants and the division of labour with recovery.c.
 *
 * Choices (docs/choices.md):
 *   - As Linux (tcp_recovery.c), RACK.min_RTT is the smallest RTT sample RACK took on
 *     this connection (Linux: a windowed minimum over 5 minutes; a transfer here is
 *     shorter than the window), and RACK runs only when SACK is negotiated.
 *   - The loss scan walks only the holes of the SACK scoreboard below the newest
 *     segment sent before RACK.xmit_ts (never-retransmitted entries are in send order,
 *     so the first one sent after it ends the scan): the cost is the unSACKed entries,
 *     not the flight (Linux keeps a time-sorted list for the same purpose).
 *   - An entry partly covered by a SACK block stays unSACKed: a retransmission covers
 *     it whole.
 */
#include "tcp/rack.h"
#include "tcp/sack.h"
#include "tcp/tcb.h"

#define MS 1000000ull
#define US 1000ull

static uint32_t smss(const struct tcb *tcb)
{
	return tcb->snd_mss ? tcb->snd_mss : 1;
}

bool tcp_rack_enabled(const struct tcp_stack *ts, const struct tcb *tcb)
{
	return (ts->cfg.recovery & TCP_RACK_LOSS_DETECTION) && tcb->sack_ok;
}

/* ---- the map ------------------------------------------------------------------------ */

static struct tcp_rack_seg *at(struct tcp_rack *m, uint32_t i)
{
	struct tcp_rack_seg *s = m->seg ? m->seg : &m->one;

	return &s[(m->head + i) & (m->cap - 1)];
}

static const struct tcp_rack_seg *cat(const struct tcp_rack *m, uint32_t i)
{
	const struct tcp_rack_seg *s = m->seg ? m->seg : &m->one;

	return &s[(m->head + i) & (m->cap - 1)];
}

static uint32_t start_of(const struct tcp_rack *m, uint32_t i)
{
	return i ? cat(m, i - 1)->end : m->base;
}

/* The end of the first segment of entry e starting at s (rack.h "Runs": the segments
 * are counted back from the end, so the first is the one that may be shorter). */
static uint32_t first_end(const struct tcp_rack_seg *e, uint32_t s)
{
	if (!e->seg_len)
		return e->end;
	return s + (e->end - s - 1) % e->seg_len + 1;
}

static uint32_t nsegs(const struct tcp_rack_seg *e, uint32_t s)
{
	if (!e->seg_len)
		return 1;
	return (e->end - s + e->seg_len - 1u) / e->seg_len;
}

/* The index of the entry holding seq (n when seq is at or beyond the last end). */
static uint32_t find(const struct tcp_rack *m, uint32_t seq)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (seq_gt(cat(m, mid)->end, seq))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Storage for ncap entries, the old entries moved in (the first at index 0). */
static bool move_to(struct tcp_stack *ts, struct tcp_rack *m, uint32_t ncap)
{
	struct tcp_rack_seg *ns = base_alloc(&ts->alloc, ncap * sizeof *ns);

	if (!ns)
		return false;
	for (uint32_t i = 0; i < m->n; i++)
		ns[i] = *at(m, i);
	if (m->seg)
		base_free(&ts->alloc, m->seg, m->cap * sizeof *m->seg);
	m->seg = ns;
	m->cap = ncap;
	m->head = 0;
	return true;
}

/* Room for one more entry: the inline one first, then a ring from the allocator. */
static bool grow(struct tcp_rack *m, struct tcp_stack *ts)
{
	uint32_t ncap = m->cap > 1 ? m->cap * 2 : TCP_RACK_MIN_SEGS;

	m->active = true;
	if (!m->cap) {
		m->cap = 1;             /* the inline entry */
		m->head = 0;
		return true;
	}
	return ncap <= TCP_RACK_MAX_SEGS && move_to(ts, m, ncap);
}

/* An empty map gives its ring back to the allocator (its bufcache keeps the block for
 * the next flight): an idle connection holds no map (DESIGN.md: idle connections
 * small). The next flight may form runs again. */
static void release_if_empty(struct tcp_stack *ts, struct tcp_rack *m)
{
	if (m->n)
		return;
	m->per_seg = false;
	if (m->seg)
		base_free(&ts->alloc, m->seg, m->cap * sizeof *m->seg);
	m->seg = NULL;
	m->cap = 0;
	m->head = 0;
}

static void drop_all(struct tcp_rack *m, uint32_t base)
{
	m->n = 0;
	m->head = 0;
	m->base = base;
	m->lost_bytes = 0;
}

/*
 * Every run of the flight becomes its segments (rack.h "Runs"), before anything asks
 * about one segment of a run; then no run forms until the map empties. When the
 * segments would not fit (TCP_RACK_MAX_SEGS, or no memory) each run stays one entry
 * and counts as one segment from now on (coarser, as the bound in append).
 */
static void split_runs(struct tcp_stack *ts, struct tcp_rack *m)
{
	uint32_t total = 0, ncap = TCP_RACK_MIN_SEGS, j = 0;
	struct tcp_rack_seg *ns;

	if (m->per_seg)
		return;
	m->per_seg = true;
	for (uint32_t i = 0; i < m->n; i++)
		total += nsegs(cat(m, i), start_of(m, i));
	if (total == m->n)
		return;
	while (ncap < total && ncap <= TCP_RACK_MAX_SEGS / 2)
		ncap *= 2;
	ns = ncap >= total ? base_alloc(&ts->alloc, ncap * sizeof *ns) : NULL;
	if (!ns) {
		for (uint32_t i = 0; i < m->n; i++)
			at(m, i)->seg_len = 0;
		return;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		const struct tcp_rack_seg *e = cat(m, i);
		uint32_t s = start_of(m, i);

		for (uint32_t end = first_end(e, s);; end += e->seg_len) {
			ns[j] = *e;
			ns[j].end = end;
			ns[j++].seg_len = 0;
			if (end == e->end)
				break;
		}
	}
	if (m->seg)
		base_free(&ts->alloc, m->seg, m->cap * sizeof *m->seg);
	m->seg = ns;
	m->cap = ncap;
	m->head = 0;
	m->n = total;
}

/* Whether [seq, seq + span) may join the last entry's run: sent now, right after it, the
 * same length as its segments, nothing flagged. */
static bool joins_run(const struct tcp_stack *ts, const struct tcp_rack *m, uint32_t seq,
		      uint32_t span)
{
	const struct tcp_rack_seg *e;

	if (m->per_seg || !m->n || ts->rack_per_segment)
		return false;
	e = cat(m, m->n - 1);
	return e->seg_len == span && e->xmit_ns == ts->now_ns && !e->flags && e->end == seq;
}

static void append(struct tcp_stack *ts, struct tcp_rack *m, uint32_t seq, uint32_t end)
{
	struct tcp_rack_seg *e;

	if (joins_run(ts, m, seq, end - seq)) {
		at(m, m->n - 1)->end = end;
		return;
	}
	if (!m->n)
		m->base = seq;
	else if (at(m, m->n - 1)->end != seq)
		drop_all(m, seq);       /* not contiguous (cannot happen): start afresh */
	if (m->n == m->cap && !grow(m, ts)) {
		if (!m->n)
			return;
		e = at(m, m->n - 1);    /* bounded: the last entry grows instead */
		if (e->flags & TCP_RACK_F_LOST)
			m->lost_bytes += end - seq;
		e->end = end;
		e->seg_len = 0;
		e->xmit_ns = ts->now_ns;
		return;
	}
	e = at(m, m->n++);
	e->end = end;
	e->flags = 0;
	e->seg_len = end - seq < 65536u && !m->per_seg && !ts->rack_per_segment ?
		     (uint16_t)(end - seq) : 0;
	e->xmit_ns = ts->now_ns;
}

static void clear_lost(struct tcp_rack *m, uint32_t i)
{
	struct tcp_rack_seg *e = at(m, i);

	if (e->flags & TCP_RACK_F_LOST) {
		e->flags &= (uint8_t)~TCP_RACK_F_LOST;
		m->lost_bytes -= e->end - start_of(m, i);
	}
}

void tcp_rack_on_send(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint32_t end = seq + span;

	if (!span)
		return;
	if (m->tlp_due) {
		/* §7.3: this segment is the probe */
		tcp_rack_set_tlp_due(tcb, false);
		tcp_rack_set_tlp_out(tcb, true);
		m->tlp_rexmit = seq_lt(seq, tcb->snd_max);
		m->tlp_dsack = false;
		m->tlp_end_seq = seq_gt(end, tcb->snd_max) ? end : tcb->snd_max;
	}
	if (seq_lt(seq, tcb->snd_max)) {
		uint32_t top = seq_lt(end, tcb->snd_max) ? end : tcb->snd_max;

		split_runs(ts, m);
		for (uint32_t i = find(m, seq); i < m->n && seq_lt(start_of(m, i), top); i++) {
			clear_lost(m, i);
			at(m, i)->flags |= TCP_RACK_F_RETRANS;
			at(m, i)->xmit_ns = ts->now_ns;
		}
	}
	if (seq_gt(end, tcb->snd_max))
		append(ts, m, seq_gt(seq, tcb->snd_max) ? seq : tcb->snd_max, end);
	if (tcb->rec.rare & TCP_RARE_LOST)
		tcp_rare_sync_lost(tcb);        /* lost bytes only fall here (clear_lost,
						 * drop_all) or grow where not 0 (append) */
}

/* The map empty with no storage (cap 0): what append would do for the flight's first
 * segment (grow's inline entry, a run of one unless per segment). */
void tcp_rack_on_lone_send(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span)
{
	struct tcp_rack *m = &tcb->rec.rack;

	m->active = true;
	m->cap = 1;
	m->head = 0;
	m->n = 1;
	m->base = seq;
	m->one.end = seq + span;
	m->one.flags = 0;
	m->one.seg_len = span < 65536u && !m->per_seg && !ts->rack_per_segment ? (uint16_t)span
										 : 0;
	m->one.xmit_ns = ts->now_ns;
}

void tcp_rack_on_send_gso(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t len,
			  uint32_t span, uint32_t gso)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint32_t off = 0;

	if (!gso || !len) {
		tcp_rack_on_send(ts, tcb, seq, span);
		return;
	}
	/* new data, no probe due: the first packet as tcp_rack_on_send would take it, then
	 * the packets before the last one that join its run in one store (what the loop
	 * would do packet by packet) */
	if (len > gso && !m->tlp_due && !seq_lt(seq, tcb->snd_max)) {
		uint32_t full = (len - 1) / gso * gso;          /* all but the last packet */

		if (!joins_run(ts, m, seq, gso)) {
			append(ts, m, seq, seq + gso);
			off = gso;
		}
		if (full > off && joins_run(ts, m, seq + off, gso)) {
			at(m, m->n - 1)->end = seq + full;
			off = full;
		}
	}
	for (; off < len; off += gso)
		tcp_rack_on_send(ts, tcb, seq + off, len - off > gso ? gso : span - off);
	if (tcb->rec.rare & TCP_RARE_LOST)
		tcp_rare_sync_lost(tcb);        /* as in tcp_rack_on_send */
}

/* ---- RFC 8985 §6.2 steps 2–4 ---------------------------------------------------------- */

/* §6.2: "sent after": later, or at the same time and higher in sequence space. */
static bool sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* Step 2: the time since xmit_ns (a segment's transmission), in microseconds. */
static inline uint32_t rtt_since(const struct tcp_stack *ts, uint64_t xmit_ns)
{
	uint64_t rtt_ns = ts->now_ns > xmit_ns ? ts->now_ns - xmit_ns : 0;

	return rtt_ns / US > UINT32_MAX ? UINT32_MAX : (uint32_t)(rtt_ns / US);
}

/* Step 2 (and 3) for one segment of entry e, ending at end, newly delivered
 * (cumulatively acknowledged or SACKed). */
static void delivered(struct tcp_stack *ts, struct tcb *tcb, const struct tcp_rack_seg *e,
		      uint32_t end, const struct wire_tcp *seg)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint32_t rtt_us = rtt_since(ts, e->xmit_ns);

	if (e->flags & TCP_RACK_F_RETRANS) {
		/* step 2: an ACK that may be for the original is no sample (Karn): the
		 * echoed timestamp predates the retransmission, or the time is shorter
		 * than any RTT seen */
		uint32_t tsval = (uint32_t)(e->xmit_ns / MS) + tcb->ts_offset;

		if ((seg->opt.present & WIRE_HAS_TS) && seq_lt(seg->opt.ts_ecr, tsval))
			return;
		if (m->min_rtt_us && rtt_us < m->min_rtt_us)
			return;
	}
	if (!m->min_rtt_us || rtt_us < m->min_rtt_us)
		m->min_rtt_us = rtt_us ? rtt_us : 1;
	/* step 3: a segment delivered below the highest delivered was reordered */
	if (!(e->flags & TCP_RACK_F_RETRANS) && m->xmit_ns && seq_lt(end, m->fack))
		m->reordering_seen = true;
	else if (!m->xmit_ns || seq_gt(end, m->fack))
		m->fack = end;
	if (!m->xmit_ns || sent_after(e->xmit_ns, end, m->xmit_ns, m->end_seq)) {
		m->xmit_ns = e->xmit_ns;
		m->end_seq = end;
	}
	/* RACK.rtt: of the most recently sent segment this ACK delivered (§6.2 step 2
	 * walks them in send order, each one setting it), even when that was sent
	 * before RACK.xmit_ts: late originals bring back the path's RTT after a segment
	 * that overtook them */
	if (!m->ack_xmit_ns || sent_after(e->xmit_ns, end, m->ack_xmit_ns, m->ack_end)) {
		m->ack_xmit_ns = e->xmit_ns;
		m->ack_end = end;
		m->rtt_us = rtt_us;
	}
}

/*
 * The segments of entry e from the one ending at first to the one ending at last
 * delivered, in send order (one time, ascending ends): the first decides reordering
 * (step 3: the later ones end above it and so above RACK.fack once it is taken), the
 * last leaves RACK.fack, RACK.xmit_ts/end_seq and RACK.rtt where the segments between
 * would have left them (same time, higher end: "sent after"); the RTT sample is the
 * same for all. So two calls stand for the whole range.
 */
static void deliver_range(struct tcp_stack *ts, struct tcb *tcb, const struct tcp_rack_seg *e,
			  uint32_t first, uint32_t last, const struct wire_tcp *seg)
{
	delivered(ts, tcb, e, first, seg);
	if (last != first)
		delivered(ts, tcb, e, last, seg);
}

/* Marks the entries wholly inside [l, r) SACKed, walking only what the scoreboard did
 * not hold before (its holes), so an ACK costs the newly SACKed entries. */
static void mark_sacked(struct tcp_stack *ts, struct tcb *tcb, uint32_t l, uint32_t r,
			const struct wire_tcp *seg)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint32_t from = l, hs, hl;

	while (tcp_sb_next_hole(&tcb->rec.sb, from, r, &hs, &hl)) {
		for (uint32_t i = find(m, hs); i < m->n; i++) {
			struct tcp_rack_seg *e = at(m, i);
			uint32_t s = start_of(m, i);

			if (!seq_lt(s, hs + hl))
				break;
			if (seq_lt(s, l) || seq_gt(e->end, r) || (e->flags & TCP_RACK_F_SACKED))
				continue;
			clear_lost(m, i);
			e->flags |= TCP_RACK_F_SACKED;
			delivered(ts, tcb, e, e->end, seg);
		}
		from = hs + hl;
	}
}

/* Step 4: a D-SACK widens reo_wnd, once per round trip (dsack_round). */
static void on_dsack(struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	if (m->tlp_out && m->tlp_rexmit)
		m->tlp_dsack = true;    /* §7.4.1: the probe was not needed */
	if (m->has_dsack_round && seq_lt(tcb->snd_una, m->dsack_round))
		return;
	m->has_dsack_round = true;
	m->dsack_round = tcb->snd_max;
	if (m->reo_wnd_mult < 255)
		m->reo_wnd_mult++;
	m->reo_wnd_persist = 16;
}

void tcp_rack_on_ack(struct tcp_stack *ts, struct tcb *tcb, const struct wire_tcp *seg,
		     uint32_t prev_una)
{
	struct tcp_rack *m = &tcb->rec.rack;

	(void)prev_una;
	if (!m->reo_wnd_mult)
		m->reo_wnd_mult = 1;
	m->ack_xmit_ns = 0;             /* nothing delivered by this ACK yet */
	/* cumulatively acknowledged entries leave the map; those not SACKed before were
	 * delivered by this ACK */
	while (m->n && seq_leq(at(m, 0)->end, tcb->snd_una)) {
		struct tcp_rack_seg *e = at(m, 0);

		clear_lost(m, 0);
		if (!(e->flags & TCP_RACK_F_SACKED))
			deliver_range(ts, tcb, e, first_end(e, m->base), e->end, seg);
		m->base = e->end;
		m->head = (m->head + 1) & (m->cap - 1);
		m->n--;
	}
	if (m->n && seq_lt(m->base, tcb->snd_una)) {
		struct tcp_rack_seg *e = at(m, 0);

		if (e->seg_len) {
			/* the run's segments wholly below SND.UNA were delivered (a run
			 * holds no flags) */
			uint32_t k = (e->end - tcb->snd_una + e->seg_len - 1u) / e->seg_len;
			uint32_t b = e->end - k * e->seg_len;

			if (seq_gt(b, m->base))
				deliver_range(ts, tcb, e, first_end(e, m->base), b, seg);
		}
		if (e->flags & TCP_RACK_F_LOST)
			m->lost_bytes -= tcb->snd_una - m->base;
		m->base = tcb->snd_una;         /* partly acknowledged */
	} else if (!m->n) {
		m->base = tcb->snd_una;
		release_if_empty(ts, m);
	}
	if (tcb->rec.rare & TCP_RARE_LOST)
		tcp_rare_sync_lost(tcb);        /* clear_lost: they only fall */
	if (!(seg->opt.present & WIRE_HAS_SACK) || !seg->opt.sack_count)
		return;
	for (unsigned k = 0; k < seg->opt.sack_count; k++) {
		uint32_t l = seg->opt.sack[k].left, r = seg->opt.sack[k].right;

		if (k == 0 && tcp_sb_is_dsack(seg->ack, seg->opt.sack, seg->opt.sack_count)) {
			on_dsack(tcb);
			continue;
		}
		if (!seq_lt(l, r) || seq_gt(r, tcb->snd_max) || seq_leq(r, tcb->snd_una))
			continue;               /* RFC 2018: invalid, or nothing new */
		split_runs(ts, m);
		mark_sacked(ts, tcb, seq_lt(l, tcb->snd_una) ? tcb->snd_una : l, r, seg);
	}
	tcp_rare_sync_lost(tcb);                /* mark_sacked's clear_lost */
}

/*
 * The map is one inline entry without flags ending at SND.UNA, seg has no SACK option:
 * what tcp_rack_on_ack does (the entry delivered, the map emptied and released), with
 * delivered's step 2 and 3 written for it. The entry was sent with nothing outstanding
 * (output.c lone_ok: at SND.MAX = SND.UNA, not a retransmission): every segment
 * delivered before ended at or below its start and was sent no later, so for its last
 * segment (end) nothing shows reordering, FACK moves to end, and it is sent after
 * RACK.xmit_ts's segment and after none this ACK delivered (ack_xmit_ns reset): RACK's
 * xmit_ts, end_seq, rtt and the ACK's newest all become the entry's. A run's earlier
 * segments (deliver_range's first) would set the same fields, each then overwritten by
 * the last one's with the same transmission time; the minimum RTT takes the same
 * sample. rec_no_lone_path: test_tcp_rack_runs compares this with tcp_rack_on_ack.
 */
/* always_inline: recovery.c lone_ack and input.c lone_acked each take it in place under
 * LTO (out of line the call costs as much as the body) */
__attribute__((always_inline)) inline void tcp_rack_on_lone_ack(struct tcp_stack *ts, struct tcb *tcb,
							   const struct wire_tcp *seg)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint32_t rtt_us = rtt_since(ts, m->one.xmit_ns);

	(void)seg;      /* no SACK option; a flagless entry needs no TSecr (Karn) */
	if (!m->reo_wnd_mult)
		m->reo_wnd_mult = 1;
	if (!m->min_rtt_us || rtt_us < m->min_rtt_us)
		m->min_rtt_us = rtt_us ? rtt_us : 1;
	m->fack = m->one.end;
	m->xmit_ns = m->ack_xmit_ns = m->one.xmit_ns;
	m->end_seq = m->ack_end = m->one.end;
	m->rtt_us = rtt_us;
	m->n = 0;
	m->head = 0;
	m->cap = 0;
	m->per_seg = false;
	m->base = tcb->snd_una;
}

uint64_t tcp_rack_reo_wnd_ns(const struct tcp_stack *ts, const struct tcb *tcb)
{
	const struct tcp_rack *m = &tcb->rec.rack;
	uint64_t w, srtt = (uint64_t)tcb->rtt.srtt_us * US;

	(void)ts;
	if (!m->reordering_seen) {
		/* no reordering seen: DupThresh's behaviour once in recovery or once
		 * DupThresh segments are SACKed */
		if (tcb->rec.state != TCP_REC_OPEN ||
		    tcb->rec.sb.sacked_bytes >= TCP_DUPTHRESH * smss(tcb))
			return 0;
	}
	w = (uint64_t)(m->reo_wnd_mult ? m->reo_wnd_mult : 1) * m->min_rtt_us / 4 * US;
	return w < srtt ? w : srtt;
}

/* ---- step 5 ----------------------------------------------------------------------------- */

uint64_t tcp_rack_detect_loss(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint64_t reo, timeout = 0;
	uint32_t from = tcb->snd_una, hs, hl;

	if (!m->xmit_ns || !m->n)
		return 0;
	/* runs are in send order and hold no flags: when the first segment of the first
	 * one was not sent before RACK.xmit_ts, nothing is lost and nothing waits (the
	 * loop below would return at it); else a segment may be marked: split them */
	if (!m->per_seg && !sent_after(m->xmit_ns, m->end_seq, at(m, 0)->xmit_ns,
					first_end(at(m, 0), m->base)))
		return 0;
	split_runs(ts, m);
	reo = tcp_rack_reo_wnd_ns(ts, tcb);
	while (tcp_sb_next_hole(&tcb->rec.sb, from, tcb->snd_max, &hs, &hl)) {
		for (uint32_t i = find(m, hs); i < m->n; i++) {
			struct tcp_rack_seg *e = at(m, i);
			uint64_t due;

			if (!seq_lt(start_of(m, i), hs + hl))
				break;
			if (e->flags & (TCP_RACK_F_SACKED | TCP_RACK_F_LOST))
				continue;
			if (!sent_after(m->xmit_ns, m->end_seq, e->xmit_ns, e->end)) {
				if (!(e->flags & TCP_RACK_F_RETRANS))
					return timeout; /* every later original too */
				continue;
			}
			due = e->xmit_ns + (uint64_t)m->rtt_us * US + reo;
			if (due <= ts->now_ns) {
				e->flags |= TCP_RACK_F_LOST;
				m->lost_bytes += e->end - start_of(m, i);
				tcp_rare_sync_lost(tcb);
			} else if (due - ts->now_ns > timeout) {
				timeout = due - ts->now_ns;
			}
		}
		from = hs + hl;
	}
	return timeout;
}

/* ---- queries and events ----------------------------------------------------------------- */

bool tcp_rack_first_lost(const struct tcb *tcb, uint32_t from, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *m = &tcb->rec.rack;
	uint32_t hs, hl;

	if (!m->lost_bytes)
		return false;
	while (tcp_sb_next_hole(&tcb->rec.sb, from, tcb->snd_max, &hs, &hl)) {
		for (uint32_t i = find(m, hs); i < m->n; i++) {
			uint32_t s = start_of(m, i);

			if (!seq_lt(s, hs + hl))
				break;
			if (cat(m, i)->flags & TCP_RACK_F_LOST) {
				*seq = seq_lt(s, from) ? from : s;
				*len = cat(m, i)->end - *seq;
				if (*len)
					return true;
			}
		}
		from = hs + hl;
	}
	return false;
}

bool tcp_rack_last_seg(const struct tcb *tcb, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *m = &tcb->rec.rack;

	const struct tcp_rack_seg *e;

	if (!m->n)
		return false;
	e = cat(m, m->n - 1);
	*seq = start_of(m, m->n - 1);
	if (e->seg_len && e->end - *seq > e->seg_len)
		*seq = e->end - e->seg_len;     /* the last segment of a run */
	*len = e->end - *seq;
	return *len > 0;
}

void tcp_rack_on_rto(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	split_runs(ts, m);
	m->lost_bytes = 0;
	for (uint32_t i = 0; i < m->n; i++) {
		at(m, i)->flags = (uint8_t)((at(m, i)->flags & TCP_RACK_F_RETRANS) | TCP_RACK_F_LOST);
		m->lost_bytes += at(m, i)->end - start_of(m, i);
	}
	tcp_rare_sync_lost(tcb);
	tcp_rack_set_tlp_due(tcb, false);
	tcp_rack_set_tlp_out(tcb, false);
}

void tcp_rack_on_undo(struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	for (uint32_t i = 0; i < m->n; i++)
		at(m, i)->flags &= (uint8_t)~TCP_RACK_F_LOST;
	m->lost_bytes = 0;
	tcp_rare_sync_lost(tcb);
	m->reordering_seen = true;
}

void tcp_rack_on_recovery_end(struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	if (m->reo_wnd_persist && !--m->reo_wnd_persist)
		m->reo_wnd_mult = 1;
}

uint64_t tcp_rack_pto_ns(const struct tcp_stack *ts, const struct tcb *tcb)
{
	return tcp_rack_pto_rto(ts, tcb, tcp_rto_ns(ts, tcb));
}

uint64_t tcp_rack_pto_rto(const struct tcp_stack *ts, const struct tcb *tcb, uint64_t rto)
{
	uint64_t pto;

	if (!tcb->rtt.has_sample)
		pto = 1000 * MS;
	else if (tcb->snd_max - tcb->snd_una <= smss(tcb))
		pto = 2 * (uint64_t)tcb->rtt.srtt_us * US + (uint64_t)ts->cfg.rto_min_ms * MS;
	else
		pto = 2 * (uint64_t)tcb->rtt.srtt_us * US + 2 * MS;
	return pto < rto ? pto : rto;
}

void tcp_rack_free(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rack *m = &tcb->rec.rack;

	if (m->seg)
		base_free(&ts->alloc, m->seg, m->cap * sizeof *m->seg);
	m->seg = NULL;
	m->cap = 0;
	m->per_seg = false;
	drop_all(m, 0);
	tcp_rare_sync_lost(tcb);
}
