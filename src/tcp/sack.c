/*
 * sack.c — the sender's SACK scoreboard: RFC 6675 §4 Update (), IsLost (), SetPipe ()
 * and the holes NextSeg () walks; RFC 2018 §3 block validity; RFC 2883 §4 D-SACK
 * blocks are not SACK information for the scoreboard. See sack.h for the invariants.
 *
 * Every operation is O(TCP_SB_MAX): the ranges are a small sorted array.
 */
#include <string.h>

#include "tcp/sack.h"

void tcp_sb_clear(struct tcp_scoreboard *sb)
{
	sb->n = 0;
	sb->sacked_bytes = 0;
}

/* RFC 2883 §4: the first block reports duplicate data when it lies below the
 * cumulative acknowledgment or inside the second block. */
bool tcp_sb_is_dsack(uint32_t ack, const struct wire_sack_block *blk, unsigned n)
{
	if (seq_lt(blk[0].left, ack))
		return true;
	return n >= 2 && seq_geq(blk[0].left, blk[1].left) && seq_leq(blk[0].right, blk[1].right);
}

static void remove_ranges(struct tcp_scoreboard *sb, unsigned at, unsigned count)
{
	memmove(&sb->r[at], &sb->r[at + count], (sb->n - at - count) * sizeof sb->r[0]);
	sb->n = (uint8_t)(sb->n - count);
}

/* Marks [s, e) SACKed; returns the octets that were not SACKed before. */
static uint32_t insert_range(struct tcp_scoreboard *sb, uint32_t s, uint32_t e)
{
	unsigned i = 0, j;
	uint32_t old = 0, ns, ne;

	while (i < sb->n && seq_lt(sb->r[i].end, s))
		i++;
	j = i;
	while (j < sb->n && seq_leq(sb->r[j].start, e))
		j++;
	if (i == j) {
		/* no range touches [s, e): a new one at i */
		if (sb->n == TCP_SB_MAX) {
			if (i == sb->n)
				return 0;       /* full, and it would be the highest: forgotten */
			sb->sacked_bytes -= sb->r[sb->n - 1].end - sb->r[sb->n - 1].start;
			sb->n--;
		}
		memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof sb->r[0]);
		sb->r[i].start = s;
		sb->r[i].end = e;
		sb->n++;
		sb->sacked_bytes += e - s;
		return e - s;
	}
	/* ranges i..j-1 overlap or touch [s, e): merge them into r[i] */
	ns = seq_lt(s, sb->r[i].start) ? s : sb->r[i].start;
	ne = seq_gt(e, sb->r[j - 1].end) ? e : sb->r[j - 1].end;
	for (unsigned k = i; k < j; k++)
		old += sb->r[k].end - sb->r[k].start;
	sb->r[i].start = ns;
	sb->r[i].end = ne;
	remove_ranges(sb, i + 1, j - i - 1);
	sb->sacked_bytes += (ne - ns) - old;
	return (ne - ns) - old;
}

uint32_t tcp_sb_update(struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		       uint32_t ack, const struct wire_sack_block *blk, unsigned n)
{
	uint32_t added = 0;

	for (unsigned k = 0; k < n; k++) {
		uint32_t l = blk[k].left, r = blk[k].right;

		if (k == 0 && tcp_sb_is_dsack(ack, blk, n))
			continue;               /* RFC 2883: not for the scoreboard */
		if (!seq_lt(l, r) || seq_gt(r, snd_max) || seq_leq(r, snd_una))
			continue;               /* RFC 2018: invalid, or nothing new */
		if (seq_lt(l, snd_una))
			l = snd_una;
		added += insert_range(sb, l, r);
	}
	return added;
}

void tcp_sb_ack(struct tcp_scoreboard *sb, uint32_t snd_una)
{
	unsigned k = 0;

	if (!sb->n)
		return;         /* nothing SACKed: the common case, no loss */
	while (k < sb->n && seq_leq(sb->r[k].end, snd_una)) {
		sb->sacked_bytes -= sb->r[k].end - sb->r[k].start;
		k++;
	}
	remove_ranges(sb, 0, k);
	if (sb->n && seq_lt(sb->r[0].start, snd_una)) {
		sb->sacked_bytes -= snd_una - sb->r[0].start;
		sb->r[0].start = snd_una;
	}
}

bool tcp_sb_is_sacked(const struct tcp_scoreboard *sb, uint32_t seq)
{
	for (unsigned k = 0; k < sb->n; k++)
		if (seq_in(seq, sb->r[k].start, sb->r[k].end))
			return true;
	return false;
}

uint32_t tcp_sb_high(const struct tcp_scoreboard *sb, uint32_t snd_una)
{
	return sb->n ? sb->r[sb->n - 1].end : snd_una;
}

/* The RFC 6675 IsLost () test on what lies above a sequence number. */
static bool lost_by(unsigned ranges_above, uint32_t bytes_above, uint32_t smss)
{
	return ranges_above >= TCP_DUPTHRESH || bytes_above > (TCP_DUPTHRESH - 1) * smss;
}

bool tcp_sb_is_lost(const struct tcp_scoreboard *sb, uint32_t seq, uint32_t smss)
{
	unsigned cnt = 0;
	uint32_t bytes = 0;

	for (unsigned k = 0; k < sb->n; k++) {
		uint32_t s = sb->r[k].start;

		if (!seq_gt(sb->r[k].end, seq + 1))
			continue;               /* no octet of this range above seq */
		if (seq_leq(s, seq))
			s = seq + 1;
		cnt++;
		bytes += sb->r[k].end - s;
	}
	return lost_by(cnt, bytes, smss);
}

uint32_t tcp_sb_lost_end(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t smss)
{
	uint32_t bytes = 0;

	/* every unSACKed octet below range k has the ranges k..n-1 above it: the test is
	 * the same across that hole, and true for the highest k that passes, below too */
	for (unsigned k = sb->n; k-- > 0;) {
		bytes += sb->r[k].end - sb->r[k].start;
		if (lost_by(sb->n - k, bytes, smss))
			return sb->r[k].start;
	}
	return snd_una;
}

uint32_t tcp_sb_unsacked(const struct tcp_scoreboard *sb, uint32_t from, uint32_t to)
{
	uint32_t n = to - from;

	for (unsigned k = 0; k < sb->n; k++) {
		uint32_t s = seq_gt(sb->r[k].start, from) ? sb->r[k].start : from;
		uint32_t e = seq_lt(sb->r[k].end, to) ? sb->r[k].end : to;

		if (seq_lt(s, e))
			n -= e - s;
	}
	return n;
}

uint32_t tcp_sb_pipe(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		     uint32_t high_rxt, uint32_t smss)
{
	uint32_t lost_end = tcp_sb_lost_end(sb, snd_una, smss);
	uint32_t rxt = high_rxt;

	if (seq_lt(rxt, snd_una))
		rxt = snd_una;
	if (seq_gt(rxt, snd_max))
		rxt = snd_max;
	/* (a) unSACKed and not lost, (b) unSACKed and retransmitted (counted twice when
	 * both: RFC 6675 §4's note) */
	return tcp_sb_unsacked(sb, snd_una, snd_max) - tcp_sb_unsacked(sb, snd_una, lost_end) +
	       tcp_sb_unsacked(sb, snd_una, rxt);
}

bool tcp_sb_next_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t limit,
		      uint32_t *seq, uint32_t *len)
{
	uint32_t s = from, end = limit;

	for (unsigned k = 0; k < sb->n; k++) {
		if (seq_leq(sb->r[k].end, s))
			continue;
		if (seq_leq(sb->r[k].start, s)) {
			s = sb->r[k].end;       /* s is SACKed: skip the range */
			continue;
		}
		if (seq_lt(sb->r[k].start, end))
			end = sb->r[k].start;
		break;
	}
	if (!seq_lt(s, end))
		return false;
	*seq = s;
	*len = end - s;
	return true;
}

bool tcp_sb_highest_hole(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
			 uint32_t *seq)
{
	uint32_t top = snd_max;

	/* ranges never touch, so the octet below the top range is unSACKed */
	if (sb->n && sb->r[sb->n - 1].end == snd_max)
		top = sb->r[sb->n - 1].start;
	if (!seq_gt(top, snd_una))
		return false;
	*seq = top - 1;
	return true;
}
