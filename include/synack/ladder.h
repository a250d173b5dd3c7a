/*
 * synack/ladder.h — the RFC-style ladder diagram (RFC 9293 §3.5 Figures 6–13 style):
 *
 *       TCP A (port 65525)                                     TCP B (port 443)
 *   1.  CLOSED                                                 LISTEN
 *   2.  SYN-SENT     --> <SEQ=0><CTL=SYN>                  --> SYN-RECEIVED
 *   3.  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>       <-- SYN-RECEIVED
 *   4.  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>           --> ESTABLISHED
 *
 * One row is one event: a segment sent and received at once (both arrows), a segment
 * sent whose arrival comes later ("..." on the far side, as RFC 9293 Figure 8 draws
 * simultaneous opens), its later arrival ("..." on the near side), a lost segment, or
 * states alone. Text only: every function formats into the caller's buffer with
 * snprintf semantics (returns the length the full text needs; the output is always
 * NUL-terminated when cap > 0) and never allocates.
 */
#ifndef SYNACK_LADDER_H
#define SYNACK_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Width of the state columns (the longest state name, "SYN-RECEIVED", is 12). */
#define SYNACK_LADDER_STATE_W 12

/*
 * The segment as RFC 9293 writes it: "<SEQ=s>" then "<ACK=a>" when flags has ACK
 * (0x10), "<CTL=...>" with the control bits in the order SYN,FIN,RST,PSH,URG,ACK, and
 * "<DATA=n>" when len > 0. seq and ack are what the caller wants shown (relative to the
 * ISNs in a demo). flags: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20.
 */
size_t synack_ladder_segment(char *buf, size_t cap, uint32_t seq, uint32_t ack,
			     uint8_t flags, uint32_t len);

/* The title line: a_title at the left, b_title right-aligned to the row width for
 * segment texts seg_w characters wide. */
size_t synack_ladder_title(char *buf, size_t cap, const char *a_title, const char *b_title,
			   size_t seg_w);

enum synack_ladder_kind {
	SYNACK_LADDER_BOTH,     /* sent and received: arrows at both ends */
	SYNACK_LADDER_SENT,     /* sent; arrival shown by a later ARRIVED row */
	SYNACK_LADDER_ARRIVED,  /* the arrival of an earlier SENT row */
	SYNACK_LADDER_LOST,     /* sent and never arrives: "..." then the far text */
	SYNACK_LADDER_STATES,   /* no segment: the two texts alone (initial states, notes) */
};

struct synack_ladder_row {
	enum synack_ladder_kind kind;
	bool a_to_b;            /* direction of the segment */
	const char *a_text;     /* A's column: a state name or a note; NULL = blank */
	const char *b_text;
	const char *seg;        /* the segment text (NULL only for STATES) */
};

/* One row numbered n ("%2u.  "), the segment column padded to seg_w characters. */
size_t synack_ladder_row(char *buf, size_t cap, unsigned n, const struct synack_ladder_row *r,
			 size_t seg_w);

#ifdef __cplusplus
}
#endif

#endif
