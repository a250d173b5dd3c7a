/*
 * ladder.c — the RFC-style ladder diagram of include/synack/ladder.h, in the notation of
 * RFC 9293 §3.5 (Figures 6–13: "TCP A", "TCP B", "<SEQ=100><CTL=SYN>", "-->", "<--",
 * "..." for a segment still in flight). Pure text into caller buffers.
 */
#include <stdio.h>
#include <string.h>

#include "synack/ladder.h"

/* The RFC prefixes each row with "n.  "; the state column follows. */
#define NUM_W 5

/* Rows are built in a local line (long enough for any row the demo draws), trimmed,
 * then copied out with snprintf semantics. */
#define LINE_MAX_BYTES 512

static size_t copy_out(char *buf, size_t cap, char *line, int n)
{
	size_t len = n > 0 ? (size_t)n : 0;

	if (len >= LINE_MAX_BYTES)
		len = LINE_MAX_BYTES - 1;
	while (len > 0 && line[len - 1] == ' ')
		len--;
	line[len] = '\0';
	snprintf(buf, cap, "%s", line);
	return len;
}

size_t synack_ladder_segment(char *buf, size_t cap, uint32_t seq, uint32_t ack,
			     uint8_t flags, uint32_t len)
{
	static const struct { uint8_t bit; const char *name; } ctl[] = {
		{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x20, "URG"},
		{0x10, "ACK"},
	};
	char ctls[32] = "";
	size_t cl = 0;
	int n;

	for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
		if (!(flags & ctl[i].bit))
			continue;
		n = snprintf(ctls + cl, sizeof ctls - cl, "%s%s", cl ? "," : "", ctl[i].name);
		cl += (size_t)n;
	}
	char seqs[24], acks[24] = "", ctlf[40] = "", data[24] = "";

	snprintf(seqs, sizeof seqs, "<SEQ=%u>", seq);
	if (flags & 0x10)
		snprintf(acks, sizeof acks, "<ACK=%u>", ack);
	if (cl)
		snprintf(ctlf, sizeof ctlf, "<CTL=%s>", ctls);
	if (len)
		snprintf(data, sizeof data, "<DATA=%u>", len);
	n = snprintf(buf, cap, "%s%s%s%s", seqs, acks, ctlf, data);
	return n > 0 ? (size_t)n : 0;
}

/* Total width of a row up to (not including) B's column. */
static size_t b_column(size_t seg_w)
{
	return NUM_W + SYNACK_LADDER_STATE_W + 1 + 4 + seg_w + 1 + 4;
}

size_t synack_ladder_title(char *buf, size_t cap, const char *a_title, const char *b_title,
			   size_t seg_w)
{
	char line[LINE_MAX_BYTES];
	int n = snprintf(line, sizeof line, "%*s%-*.200s%.200s", NUM_W, "",
			 (int)(b_column(seg_w) - NUM_W), a_title ? a_title : "",
			 b_title ? b_title : "");

	return copy_out(buf, cap, line, n);
}

/* The two arrow columns: near A and near B. */
static void arrows(const struct synack_ladder_row *r, const char **at_a, const char **at_b)
{
	const char *arrow = r->a_to_b ? "-->" : "<--";
	bool a_sends = r->a_to_b;

	switch (r->kind) {
	case SYNACK_LADDER_BOTH:
		*at_a = *at_b = arrow;
		break;
	case SYNACK_LADDER_SENT:
	case SYNACK_LADDER_LOST:
		*at_a = a_sends ? arrow : "...";
		*at_b = a_sends ? "..." : arrow;
		break;
	case SYNACK_LADDER_ARRIVED:
		*at_a = a_sends ? "..." : arrow;
		*at_b = a_sends ? arrow : "...";
		break;
	default:
		*at_a = *at_b = "   ";
		break;
	}
}

size_t synack_ladder_row(char *buf, size_t cap, unsigned n, const struct synack_ladder_row *r,
			 size_t seg_w)
{
	char line[LINE_MAX_BYTES], num[16];
	const char *at_a, *at_b;
	const char *seg = r->kind == SYNACK_LADDER_STATES || !r->seg ? "" : r->seg;
	int len;

	if (seg_w > 200)
		seg_w = 200;
	snprintf(num, sizeof num, "%u.", n);
	arrows(r, &at_a, &at_b);
	len = snprintf(line, sizeof line, "%-*s%-*.40s %3s %-*.200s %3s %.200s", NUM_W, num,
		       SYNACK_LADDER_STATE_W, r->a_text ? r->a_text : "", at_a, (int)seg_w, seg,
		       at_b, r->b_text ? r->b_text : "");
	return copy_out(buf, cap, line, len);
}
