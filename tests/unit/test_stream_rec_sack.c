/* test_stream_rec_sack.c — the sender's SACK scoreboard (src/tcp/sack.c) on given SACK
 * blocks: Update () merging and validity (RFC 2018 §3), D-SACK blocks ignored (RFC 2883
 * §4), IsLost (), SetPipe () and the holes NextSeg () walks (RFC 6675 §4). SMSS 1000,
 * SND.UNA 1000, so segment k covers [1000 k, 1000 (k + 1)). */
#include <criterion/criterion.h>

#include "tcp/sack.h"

#define MSS 1000u
#define UNA 1000u

static struct tcp_sb_range sb_ranges[TCP_SB_MAX];
static struct tcp_scoreboard sb = { .r = sb_ranges };   /* storage attached (sack.h) */

static uint32_t upd(uint32_t una, uint32_t max, uint32_t ack, unsigned n, const uint32_t *lr)
{
	struct wire_sack_block b[WIRE_SACK_MAX];

	for (unsigned i = 0; i < n; i++) {
		b[i].left = lr[2 * i];
		b[i].right = lr[2 * i + 1];
	}
	return tcp_sb_update(&sb, una, max, ack, b, n);
}

static void expect_ranges(unsigned n, const uint32_t *se)
{
	uint32_t total = 0;

	cr_assert_eq(sb.n, n, "ranges %u, expected %u", sb.n, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(sb.r[i].start, se[2 * i], "range %u start %u, expected %u", i,
			     sb.r[i].start, se[2 * i]);
		cr_assert_eq(sb.r[i].end, se[2 * i + 1], "range %u end %u, expected %u", i,
			     sb.r[i].end, se[2 * i + 1]);
		total += se[2 * i + 1] - se[2 * i];
	}
	cr_assert_eq(sb.sacked_bytes, total, "sacked %u, expected %u", sb.sacked_bytes, total);
}

Test(stream_rec_sack, update_merges_and_counts_new_octets)
{
	tcp_sb_clear(&sb);
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){3000, 4000}), 1000);
	cr_assert_eq(upd(UNA, 11000, UNA, 2, (uint32_t[]){5000, 6000, 3000, 4000}), 1000);
	expect_ranges(2, (uint32_t[]){3000, 4000, 5000, 6000});
	/* the same blocks again: nothing new (not a duplicate ACK for RFC 6675 §2) */
	cr_assert_eq(upd(UNA, 11000, UNA, 2, (uint32_t[]){5000, 6000, 3000, 4000}), 0);
	/* filling the gap between them: one range, 1000 new octets */
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){3000, 6000}), 1000);
	expect_ranges(1, (uint32_t[]){3000, 6000});
	/* adjacent block merges; overlapping block counts only its new part */
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){6000, 7000}), 1000);
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){2500, 3500}), 500);
	expect_ranges(1, (uint32_t[]){2500, 7000});
	cr_assert(tcp_sb_is_sacked(&sb, 2500));
	cr_assert(tcp_sb_is_sacked(&sb, 6999));
	cr_assert_not(tcp_sb_is_sacked(&sb, 7000));
	cr_assert_not(tcp_sb_is_sacked(&sb, 2499));
	cr_assert_eq(tcp_sb_high(&sb, UNA), 7000);
}

Test(stream_rec_sack, invalid_blocks_ignored)
{
	tcp_sb_clear(&sb);
	/* beyond SND.MAX (RFC 2018: never sent), empty, reversed, wholly acknowledged */
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){10000, 11001}), 0);
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){4000, 4000}), 0);
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){5000, 4000}), 0);
	cr_assert_eq(upd(UNA, 11000, UNA, 1, (uint32_t[]){500, 1000}), 0);
	expect_ranges(0, NULL);
	/* a block straddling SND.UNA is kept above it: first block below the ACK would be a
	 * D-SACK, so put it second */
	cr_assert_eq(upd(UNA, 11000, UNA, 2, (uint32_t[]){8000, 9000, 500, 2000}), 2000);
	expect_ranges(2, (uint32_t[]){1000, 2000, 8000, 9000});
}

Test(stream_rec_sack, dsack_first_block_ignored)
{
	tcp_sb_clear(&sb);
	/* RFC 2883 §4.1: first block below the cumulative ACK: a D-SACK */
	cr_assert_eq(upd(UNA, 11000, 2000, 2, (uint32_t[]){1000, 2000, 5000, 6000}), 1000);
	expect_ranges(1, (uint32_t[]){5000, 6000});
	/* §4.2: first block inside the second: a D-SACK for data above the ACK */
	cr_assert_eq(upd(UNA, 11000, UNA, 2, (uint32_t[]){7000, 8000, 7000, 9000}), 2000);
	expect_ranges(2, (uint32_t[]){5000, 6000, 7000, 9000});
	/* a first block not inside the second is ordinary SACK information */
	cr_assert_eq(upd(UNA, 11000, UNA, 2, (uint32_t[]){3000, 4000, 7000, 9000}), 1000);
	expect_ranges(3, (uint32_t[]){3000, 4000, 5000, 6000, 7000, 9000});
}

Test(stream_rec_sack, cumulative_ack_trims)
{
	tcp_sb_clear(&sb);
	upd(UNA, 11000, UNA, 3, (uint32_t[]){2000, 3000, 4000, 6000, 8000, 9000});
	tcp_sb_ack(&sb, 5000);
	expect_ranges(2, (uint32_t[]){5000, 6000, 8000, 9000});
	tcp_sb_ack(&sb, 9000);
	expect_ranges(0, NULL);
}

Test(stream_rec_sack, full_scoreboard_drops_highest)
{
	tcp_sb_clear(&sb);
	for (uint32_t k = 0; k < TCP_SB_MAX; k++)
		upd(UNA, 200000, UNA, 1, (uint32_t[]){2000 + 2000 * k, 2500 + 2000 * k});
	cr_assert_eq(sb.n, TCP_SB_MAX);
	/* a new highest range is forgotten; a new lower one evicts the highest */
	cr_assert_eq(upd(UNA, 200000, UNA, 1, (uint32_t[]){150000, 151000}), 0);
	cr_assert_eq(upd(UNA, 200000, UNA, 1, (uint32_t[]){1000, 1200}), 200);
	cr_assert_eq(sb.n, TCP_SB_MAX);
	cr_assert_eq(sb.r[0].start, 1000);
	cr_assert_eq(sb.r[TCP_SB_MAX - 1].end, 2500 + 2000 * (TCP_SB_MAX - 2));
	cr_assert_eq(sb.sacked_bytes, 200 + 500 * (TCP_SB_MAX - 1));
}

/* RFC 6675 IsLost: three discontiguous SACKed ranges above, or more than 2 SMSS. */
Test(stream_rec_sack, is_lost_by_count_and_by_bytes)
{
	tcp_sb_clear(&sb);
	/* segments 1..10 sent ([1000, 11000)); 3 and 4 SACKed: 2000 octets, 1 range */
	upd(UNA, 11000, UNA, 1, (uint32_t[]){3000, 5000});
	cr_assert_not(tcp_sb_is_lost(&sb, 1000, MSS));   /* exactly 2 SMSS: not more */
	upd(UNA, 11000, UNA, 1, (uint32_t[]){5000, 5001});
	cr_assert(tcp_sb_is_lost(&sb, 1000, MSS));       /* 2001 octets above */
	cr_assert(tcp_sb_is_lost(&sb, 2999, MSS));
	cr_assert_not(tcp_sb_is_lost(&sb, 3000, MSS));   /* 2000 above 3000 */

	/* small segments: three ranges of 100 octets each */
	tcp_sb_clear(&sb);
	upd(UNA, 11000, UNA, 3, (uint32_t[]){2000, 2100, 2200, 2300, 2400, 2500});
	cr_assert(tcp_sb_is_lost(&sb, 1000, MSS));
	cr_assert(tcp_sb_is_lost(&sb, 1999, MSS));
	cr_assert_not(tcp_sb_is_lost(&sb, 2100, MSS));   /* two ranges above */
	cr_assert_eq(tcp_sb_lost_end(&sb, UNA, MSS), 2000);
	/* the range a sequence number sits in counts with its octets above it */
	cr_assert(tcp_sb_is_lost(&sb, 2050, MSS));
}

Test(stream_rec_sack, pipe_lost_end_and_holes)
{
	uint32_t seq, len;

	tcp_sb_clear(&sb);
	/* 10 segments [1000, 11000); segment 1 lost ([1000, 2000)), 2, 4 lost;
	 * SACKed: 3 ([3000, 4000)), 5..9 ([5000, 10000)); 10 outstanding */
	upd(UNA, 11000, UNA, 2, (uint32_t[]){5000, 10000, 3000, 4000});
	cr_assert_eq(tcp_sb_lost_end(&sb, UNA, MSS), 5000);
	/* unSACKed: [1000,3000) [4000,5000) [10000,11000) = 4000; lost: the first 3000;
	 * nothing retransmitted: pipe = 1000 */
	cr_assert_eq(tcp_sb_unsacked(&sb, UNA, 11000), 4000);
	cr_assert_eq(tcp_sb_pipe(&sb, UNA, 11000, UNA, MSS), 1000);
	/* HighRxt after retransmitting [1000, 2000): counted again */
	cr_assert_eq(tcp_sb_pipe(&sb, UNA, 11000, 2000, MSS), 2000);
	cr_assert_eq(tcp_sb_pipe(&sb, UNA, 11000, 5000, MSS), 4000);

	cr_assert(tcp_sb_next_hole(&sb, 2000, 10000, &seq, &len));
	cr_assert_eq(seq, 2000);
	cr_assert_eq(len, 1000);
	cr_assert(tcp_sb_next_hole(&sb, 3000, 10000, &seq, &len));
	cr_assert_eq(seq, 4000);
	cr_assert_eq(len, 1000);
	cr_assert_not(tcp_sb_next_hole(&sb, 5000, 10000, &seq, &len));
	cr_assert(tcp_sb_next_hole(&sb, 5000, 11000, &seq, &len));
	cr_assert_eq(seq, 10000);
	cr_assert_eq(len, 1000);

	cr_assert(tcp_sb_highest_hole(&sb, UNA, 11000, &seq));
	cr_assert_eq(seq, 10999);
	upd(UNA, 11000, UNA, 1, (uint32_t[]){10000, 11000});
	cr_assert(tcp_sb_highest_hole(&sb, UNA, 11000, &seq));
	cr_assert_eq(seq, 4999);
}

Test(stream_rec_sack, sequence_wrap)
{
	const uint32_t una = 0xfffff000u;

	tcp_sb_clear(&sb);
	cr_assert_eq(upd(una, una + 8000, una, 1, (uint32_t[]){una + 2000, una + 6000}), 4000);
	cr_assert_eq(sb.r[0].start, 0xfffff7d0u);
	cr_assert_eq(sb.r[0].end, 0x00000770u);
	cr_assert_eq(tcp_sb_lost_end(&sb, una, MSS), una + 2000);
	cr_assert_eq(tcp_sb_pipe(&sb, una, una + 8000, una, MSS), 2000);
	tcp_sb_ack(&sb, una + 3000);
	cr_assert_eq(sb.r[0].start, una + 3000);
	cr_assert_eq(sb.sacked_bytes, 3000);
}
