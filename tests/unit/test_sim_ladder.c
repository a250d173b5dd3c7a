/* test_sim_ladder.c — the RFC-style ladder printer (src/trace/ladder.c): exact text of
 * the segment notation and of whole rows, the RFC 9293 Figure 8 "..." rows, truncation. */
#include <criterion/criterion.h>
#include <string.h>

#include "synack/ladder.h"

Test(ladder, segment_notation)
{
	char b[96];

	cr_assert_eq(synack_ladder_segment(b, sizeof b, 0, 0, 0x02, 0), 16u);
	cr_assert_str_eq(b, "<SEQ=0><CTL=SYN>");
	synack_ladder_segment(b, sizeof b, 0, 1, 0x12, 0);
	cr_assert_str_eq(b, "<SEQ=0><ACK=1><CTL=SYN,ACK>");
	synack_ladder_segment(b, sizeof b, 1, 1, 0x10, 0);
	cr_assert_str_eq(b, "<SEQ=1><ACK=1><CTL=ACK>");
	synack_ladder_segment(b, sizeof b, 1, 1, 0x18, 5);
	cr_assert_str_eq(b, "<SEQ=1><ACK=1><CTL=PSH,ACK><DATA=5>");
	synack_ladder_segment(b, sizeof b, 6, 7, 0x11, 0);
	cr_assert_str_eq(b, "<SEQ=6><ACK=7><CTL=FIN,ACK>");
	synack_ladder_segment(b, sizeof b, 0, 0, 0x04, 0);
	cr_assert_str_eq(b, "<SEQ=0><CTL=RST>");
	synack_ladder_segment(b, sizeof b, 4294967295u, 0, 0, 0);
	cr_assert_str_eq(b, "<SEQ=4294967295>");
	/* Truncated output is still terminated and the full length is reported. */
	cr_assert_eq(synack_ladder_segment(b, 8, 0, 1, 0x12, 0), 27u);
	cr_assert_str_eq(b, "<SEQ=0>");
}

Test(ladder, handshake_rows_match_the_rfc_figure)
{
	char seg[3][64], line[256];
	size_t w = 0;

	synack_ladder_segment(seg[0], 64, 0, 0, 0x02, 0);
	synack_ladder_segment(seg[1], 64, 0, 1, 0x12, 0);
	synack_ladder_segment(seg[2], 64, 1, 1, 0x10, 0);
	for (int i = 0; i < 3; i++)
		w = strlen(seg[i]) > w ? strlen(seg[i]) : w;
	cr_assert_eq(w, 27u);
	synack_ladder_title(line, sizeof line, "TCP A (port 65525)", "TCP B (port 443)", w);
	cr_assert_str_eq(line, "     TCP A (port 65525)                               TCP B (port 443)");
	struct synack_ladder_row r0 = {SYNACK_LADDER_STATES, true, "CLOSED", "LISTEN", NULL};
	synack_ladder_row(line, sizeof line, 1, &r0, w);
	cr_assert_str_eq(line, "1.   CLOSED                                           LISTEN");
	struct synack_ladder_row r1 = {SYNACK_LADDER_BOTH, true, "SYN-SENT", "SYN-RECEIVED", seg[0]};
	synack_ladder_row(line, sizeof line, 2, &r1, w);
	cr_assert_str_eq(line, "2.   SYN-SENT     --> <SEQ=0><CTL=SYN>            --> SYN-RECEIVED");
	struct synack_ladder_row r2 = {SYNACK_LADDER_BOTH, false, "ESTABLISHED", "SYN-RECEIVED", seg[1]};
	synack_ladder_row(line, sizeof line, 3, &r2, w);
	cr_assert_str_eq(line, "3.   ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK> <-- SYN-RECEIVED");
	struct synack_ladder_row r3 = {SYNACK_LADDER_BOTH, true, "ESTABLISHED", "ESTABLISHED", seg[2]};
	synack_ladder_row(line, sizeof line, 4, &r3, w);
	cr_assert_str_eq(line, "4.   ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>     --> ESTABLISHED");
}

Test(ladder, in_flight_and_lost_rows)
{
	char line[256];
	const char *s = "<SEQ=100><CTL=SYN>";
	struct synack_ladder_row sent = {SYNACK_LADDER_SENT, true, "SYN-SENT", NULL, s};
	struct synack_ladder_row arr = {SYNACK_LADDER_ARRIVED, true, NULL, "SYN-RECEIVED", s};
	struct synack_ladder_row back = {SYNACK_LADDER_SENT, false, NULL, "SYN-SENT", s};
	struct synack_ladder_row lost = {SYNACK_LADDER_LOST, true, "SYN-SENT", "(lost)", s};

	synack_ladder_row(line, sizeof line, 2, &sent, 18);
	cr_assert_str_eq(line, "2.   SYN-SENT     --> <SEQ=100><CTL=SYN> ...");
	synack_ladder_row(line, sizeof line, 4, &arr, 18);
	cr_assert_str_eq(line, "4.                ... <SEQ=100><CTL=SYN> --> SYN-RECEIVED");
	synack_ladder_row(line, sizeof line, 3, &back, 18);
	cr_assert_str_eq(line, "3.                ... <SEQ=100><CTL=SYN> <-- SYN-SENT");
	synack_ladder_row(line, sizeof line, 5, &lost, 18);
	cr_assert_str_eq(line, "5.   SYN-SENT     --> <SEQ=100><CTL=SYN> ... (lost)");
	/* Small buffers: terminated, full length returned. */
	cr_assert_eq(synack_ladder_row(line, 6, 5, &lost, 18), 51u);
	cr_assert_str_eq(line, "5.   ");
}
