/*
 * sack.h — the sender's SACK scoreboard (RFC 2018 §3, RFC 6675 §3–4, RFC 2883 §4).
 *
 * The scoreboard holds the ranges of sequence space above SND.UNA that the peer has
 * reported in SACK blocks, as half-open ranges [start, end), sorted, disjoint and never
 * adjacent (touching ranges are merged). It answers RFC 6675's questions: IsLost (),
 * SetPipe () and the holes NextSeg () walks. It knows no tcb: callers pass SND.UNA,
 * SND.MAX (RFC 6675 HighData + 1), HighRxt and SMSS.
 *
 * Sequence conventions: RFC 6675 names octets (HighACK is the last octet acknowledged,
 * HighData the last octet sent, HighRxt the last octet retransmitted); this module works
 * with exclusive ends, so HighACK + 1 = SND.UNA, HighData + 1 = SND.MAX and "S <= HighRxt"
 * reads seq_lt(S, high_rxt) where high_rxt is one past the last octet retransmitted.
 *
 * Invariants: n <= TCP_SB_MAX; every range lies within (SND.UNA, SND.MAX] as of the last
 * tcp_sb_update/tcp_sb_ack; sacked_bytes is the sum of the range lengths. Bounded: a
 * block that would need a range beyond TCP_SB_MAX drops the highest range (less SACK
 * information only makes the sender more conservative). No allocation here: the ranges'
 * storage r (TCP_SB_MAX entries) is the owner's, who attaches it before the first
 * tcp_sb_update that may add a range (recovery.c, on the first ACK with SACK blocks:
 * a connection that never sees one keeps none; r may be NULL while n == 0).
 */
#ifndef SYNACK_TCP_SACK_H
#define SYNACK_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/wire.h"

#define TCP_SB_MAX 32
#define TCP_SB_BYTES (TCP_SB_MAX * sizeof(struct tcp_sb_range)) /* the storage of r */
#define TCP_DUPTHRESH 3         /* RFC 5681 §3.2, RFC 6675 §2: DupThresh */

struct tcp_sb_range {
	uint32_t start, end;    /* SACKed octets [start, end) */
};

struct tcp_scoreboard {
	struct tcp_sb_range *r; /* TCP_SB_MAX ranges, or NULL (none attached: n == 0) */
	uint8_t n;
	uint32_t sacked_bytes;
};

/* Empties the scoreboard (RFC 6675 §5.1 / RFC 2018 §8 after a retransmission timeout);
 * its storage stays attached. */
void tcp_sb_clear(struct tcp_scoreboard *sb);

/* RFC 6675 Update () for the SACK blocks blk[0..n) of an ACK whose cumulative
 * acknowledgment is ack (already applied: snd_una == ack or ack is old). A first block
 * that is a D-SACK (RFC 2883 §4: below ack, or inside the second block) is ignored, as
 * are blocks that are empty, reversed, or reach beyond snd_max (RFC 2018: invalid); a
 * block starting below snd_una is trimmed. blk is borrowed for the call. Returns the
 * number of octets newly SACKed (previously neither acknowledged nor SACKed), which
 * makes the ACK a "duplicate" in RFC 6675 §2's sense when > 0. sb->r must be attached. */
uint32_t tcp_sb_update(struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		       uint32_t ack, const struct wire_sack_block *blk, unsigned n);

/* RFC 2883 §4: the first of blk[0..n) (n >= 1) reports duplicate data (a D-SACK): it
 * lies below ack, or inside the second block. */
bool tcp_sb_is_dsack(uint32_t ack, const struct wire_sack_block *blk, unsigned n);

/* The cumulative acknowledgment moved to snd_una: forgets what lies below it. */
void tcp_sb_ack(struct tcp_scoreboard *sb, uint32_t snd_una);

/* True when seq has been SACKed. */
bool tcp_sb_is_sacked(const struct tcp_scoreboard *sb, uint32_t seq);

/* One past the highest octet SACKed, or snd_una when nothing is. */
uint32_t tcp_sb_high(const struct tcp_scoreboard *sb, uint32_t snd_una);

/* RFC 6675 IsLost (seq): DupThresh discontiguous SACKed ranges above seq, or more than
 * (DupThresh - 1) * smss octets SACKed above it. */
bool tcp_sb_is_lost(const struct tcp_scoreboard *sb, uint32_t seq, uint32_t smss);

/* The end of the lost region: every unSACKed octet in [snd_una, result) is lost by
 * IsLost (), none at or above it (IsLost is monotonic). snd_una when none is lost. */
uint32_t tcp_sb_lost_end(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t smss);

/* UnSACKed octets in [from, to) (from <= to, both within [snd_una, snd_max]). */
uint32_t tcp_sb_unsacked(const struct tcp_scoreboard *sb, uint32_t from, uint32_t to);

/* RFC 6675 SetPipe (): octets in [snd_una, snd_max) not SACKed that are not lost, plus
 * those (not SACKed) below high_rxt, which have been retransmitted. */
uint32_t tcp_sb_pipe(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		     uint32_t high_rxt, uint32_t smss);

/* The first unSACKed octet at or after from and below limit: true with *seq set and
 * *len the length of the hole there (up to the next SACKed range or limit). */
bool tcp_sb_next_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t limit,
		      uint32_t *seq, uint32_t *len);

/* The highest unSACKed octet below snd_max, at or above snd_una: true with *seq set
 * (RFC 6675 NextSeg () rule (4)); false when everything outstanding is SACKed. */
bool tcp_sb_highest_hole(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
			 uint32_t *seq);

#endif
