/*
 * trace.h — one line per IPv4 packet, exactly as `tcpdump -n` (4.99) prints it.
 *
 * TCP is printed in full (flags, relative or absolute sequence numbers, window, urgent
 * pointer, every option including SACK blocks, tcpdump's messages for broken headers and
 * truncated captures); ICMP echo, unreachable and time-exceeded messages, UDP and other
 * protocols as tcpdump's short lines. The application-layer text tcpdump appends for
 * well-known ports is not printed. docs/trace.md lists the tcpdump rules mirrored.
 *
 * The caller owns a struct synack_trace (no allocation anywhere): it carries tcpdump's
 * per-conversation base sequence numbers, in a fixed-size table, and the previous
 * packet's time for the -ttt format. One tracer per packet stream, used by one thread.
 */
#ifndef SYNACK_TRACE_H
#define SYNACK_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Timestamp formats: tcpdump's default and its -t, -tt, -ttt, -tttt switches. */
enum synack_trace_ts {
	SYNACK_TRACE_TS_DEFAULT = 0, /* "HH:MM:SS.uuuuuu" in local time */
	SYNACK_TRACE_TS_NONE,        /* -t: no timestamp */
	SYNACK_TRACE_TS_EPOCH,       /* -tt: "seconds.uuuuuu" since the epoch */
	SYNACK_TRACE_TS_DELTA,       /* -ttt: " HH:MM:SS.uuuuuu" since the previous packet
	                              * ("-" instead of " " when time went backwards; hours
	                              * are taken modulo 24, as tcpdump does) */
	SYNACK_TRACE_TS_DATE,        /* -tttt: "YYYY-MM-DD HH:MM:SS.uuuuuu" in local time */
};

struct synack_trace_opts {
	bool absolute_seq;            /* -S: print sequence numbers as on the wire */
	enum synack_trace_ts ts;
	/* The local time's offset from UTC in seconds (east positive) at the instant
	 * epoch_s, for the default and -tttt formats; NULL means UTC. The trace layer reads
	 * no clock or time zone itself: the caller (the synack tool) supplies this. */
	long (*utc_offset_s)(void *ctx, int64_t epoch_s);
	void *utc_offset_ctx;
	/* -v: the IPv4 header summary with its options, then a newline and four spaces
	 * before the rest; the TCP checksum; an ICMP error's quoted datagram on its own
	 * lines (tcpdump -v's layout: the "line" then holds newlines). */
	bool verbose;
};

/*
 * tcpdump keeps, per TCP conversation (the address/port pair in a canonical order), the
 * sequence numbers relative to which it prints. tcpdump's table grows without bound;
 * ours has SYNACK_TRACE_CONV_SETS * SYNACK_TRACE_CONV_WAYS entries and, when a set is
 * full, forgets its least recently used conversation (whose next packet then starts a
 * fresh base, as a conversation tcpdump never saw would). Captures with fewer live
 * conversations than that print exactly as tcpdump does.
 */
#define SYNACK_TRACE_CONV_SETS 256u
#define SYNACK_TRACE_CONV_WAYS 4u

struct synack_trace_conv {
	uint32_t key_src, key_dst;  /* the conversation, in tcpdump's canonical direction */
	uint32_t key_ports;         /* source port << 16 | destination port, same direction */
	uint32_t seq, ack;          /* tcpdump's th->seq and th->ack */
	uint32_t last_use;          /* 0: free */
};

struct synack_trace {
	struct synack_trace_opts opts;
	int64_t prev_us;            /* the previous packet's time (-ttt) */
	bool has_prev;
	uint32_t use_clock;
	struct synack_trace_conv conv[SYNACK_TRACE_CONV_SETS][SYNACK_TRACE_CONV_WAYS];
};

/* Resets t for a new packet stream with the options opts (copied; NULL: defaults). */
void synack_trace_init(struct synack_trace *t, const struct synack_trace_opts *opts);

/*
 * Formats one IPv4 packet as tcpdump -n prints it, without the trailing newline, into
 * buf[0..cap) (NUL-terminated when cap > 0, cut short when it does not fit).
 *
 * pkt[0..caplen) are the captured bytes of an IPv4 packet (no link header) that was len
 * bytes long on the wire (len >= caplen; len < caplen is taken as caplen). ts_ns is the
 * capture time in nanoseconds since the epoch; printed to the microsecond (truncated).
 *
 * Updates t (conversation bases, previous time). Never reads outside pkt[0..caplen).
 * Returns the length of the whole line (as snprintf does: a value >= cap means the
 * line was cut).
 */
size_t synack_trace_format(struct synack_trace *t, char *buf, size_t cap,
			   const uint8_t *pkt, size_t len, size_t caplen, int64_t ts_ns);

#ifdef __cplusplus
}
#endif

#endif
