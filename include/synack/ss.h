/*
 * ss.h — the `ss`-style view of a stack: its connections one per line (as `ss -nato`
 * prints Linux's), per-state counts (the `ss -nat | awk '{d[$1]++}'` tally) and a `-s`
 * summary that adds every nonzero per-reason counter by name.
 *
 * Text only: lines are handed to a caller's callback (no stdio, no allocation). A line is
 * NUL-terminated, has no trailing newline and is valid only during the callback.
 *
 * The listing's columns, each separated by at least one space:
 *
 *   State        Recv-Q Send-Q Local Address:Port    Peer Address:Port     Timer
 *   LISTEN       0      128    0.0.0.0:80            0.0.0.0:*
 *   ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:40000        timer:(keepalive,2h,0) cwnd:10 rcv_space:14480
 *   ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:40002        cwnd:6 ssthresh:7 rcv_rtt:10.5 rcv_space:28960
 *   TIME-WAIT    0      0      10.0.0.1:80           10.0.0.2:40001        timer:(timewait,59s,0)
 *
 * States carry their RFC 9293 names (Linux's ss abbreviates: ESTAB, SYN-RECV, UNCONN).
 * Recv-Q/Send-Q are bytes buffered; for a listener the accept queue length and backlog,
 * as ss prints them. Timer is `timer:(KIND,REMAINING,RETRANSMITS)` as `ss -o` writes it,
 * KIND in Linux's words: "on" (retransmission, SYN-ACK retransmission, user timeout),
 * "persist", "keepalive", "timewait" (2MSL, and orphaned FIN-WAIT-2 as Linux shows it),
 * plus "delack", which Linux does not list; the column is empty without a timer.
 * REMAINING: "0ms".."999ms", "1.0s".."9.9s" (tenths, truncated), "10s".."59s",
 * "1min".."59min" with seconds below 10 minutes ("1min5s"), then "1h".. with minutes
 * ("2h", "1h30min").
 * After the timer (or in its place) an ECN connection shows "ecn", and "ecnseen" once an
 * ECT or CE data segment has arrived, as `ss -i` does (synack_sock_info.ecn); then a
 * connection with a congestion window shows it as `ss -i` does: "cwnd:N" in segments,
 * then "ssthresh:N" once a congestion event has set it (synack_sock_info.cwnd/ssthresh),
 * then the receiver's "rcv_rtt:MS" (%g of milliseconds, once it has a sample) and
 * "rcv_space:BYTES" (when not 0), as ss prints tcpi_rcv_rtt and tcpi_rcv_space.
 */
#ifndef SYNACK_SS_H
#define SYNACK_SS_H

#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives one line of text (NUL-terminated, no newline), borrowed for the call. */
typedef void (*synack_ss_line_fn)(void *ctx, const char *line);

/* The header line of the listing ("State  Recv-Q ..."), cut to fit buf[0..cap) and
 * NUL-terminated when cap > 0. Returns the length the full line has (as snprintf). */
size_t synack_ss_format_header(char *buf, size_t cap);

/*
 * One entry of synack_sock_list() as a listing line, into buf[0..cap) (cut to fit,
 * NUL-terminated when cap > 0). now_ns is the stack's current time, against which the
 * timer's remaining time is computed (a deadline already passed shows as 0ms). Returns
 * the length the full line has. A state or timer number out of range prints as "?".
 */
size_t synack_ss_format_entry(const struct synack_sock_info *e, uint64_t now_ns,
			      char *buf, size_t cap);

/* The header and one line per entry of v[0..n), in the order given. */
void synack_ss_write_list(const struct synack_sock_info *v, size_t n, uint64_t now_ns,
			  synack_ss_line_fn emit, void *ctx);

/*
 * Per-state counts of v[0..n): one line "STATE COUNT" per state that occurs, in the
 * order of enum synack_state (LISTEN before ESTABLISHED before TIME-WAIT ...), then
 * "total N". Entries with an out-of-range state count under "?", listed last but for
 * the total.
 */
void synack_ss_write_counts(const struct synack_sock_info *v, size_t n,
			    synack_ss_line_fn emit, void *ctx);

/*
 * The `ss -s` summary: "TCP: N (estab E, synrecv S, timewait T, listen L, other O)" for
 * the entries v[0..n) (estab counts every synchronized state before TIME-WAIT: ESTABLISHED,
 * CLOSE-WAIT, FIN-WAIT-1/2, CLOSING, LAST-ACK), then "counters:" and one line
 * "  NAME VALUE" per nonzero synack_counter() of s, in enum order.
 */
void synack_ss_write_summary(const struct synack_stack *s, const struct synack_sock_info *v,
			     size_t n, synack_ss_line_fn emit, void *ctx);

/*
 * Convenience for drivers: lists s's connections with synack_sock_list() into the
 * caller's scratch[0..cap), then writes the listing (flags & SYNACK_SS_LIST), the counts
 * (SYNACK_SS_COUNTS) and the summary (SYNACK_SS_SUMMARY), in that order. When the stack
 * holds more than cap entries, the first cap are shown and a line "... N more entries
 * not shown" follows the listing; counts and summary then cover the shown ones only.
 * Returns the stack's total number of entries.
 */
#define SYNACK_SS_LIST    0x1
#define SYNACK_SS_COUNTS  0x2
#define SYNACK_SS_SUMMARY 0x4
size_t synack_ss_dump(struct synack_stack *s, uint64_t now_ns, int flags,
		      struct synack_sock_info *scratch, size_t cap,
		      synack_ss_line_fn emit, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
