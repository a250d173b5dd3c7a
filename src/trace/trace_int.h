/*
 * trace_int.h — internals of the tcpdump-format printer shared by trace.c (timestamps,
 * IPv4, ICMP, UDP) and trace_tcp.c (TCP): the bounded text sink and the packet view.
 */
#ifndef SYNACK_TRACE_INT_H
#define SYNACK_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/trace.h"

/* Text sink over the caller's buffer: appends while room remains, always counts the full
 * length (snprintf semantics), keeps buf NUL-terminated. */
struct trace_out {
	char *buf;
	size_t cap;
	size_t len;
	unsigned depth;         /* 1 while printing an ICMP error's quoted datagram */
};

void trace_put(struct trace_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The IPv4 facts the transport printers need. The transport bytes are
 * seg[0..avail): avail counts only what was captured and lies inside the IP total
 * length; length is the transport length the IP header claims (tcpdump prints it even
 * when the capture holds less). */
struct trace_pkt {
	uint32_t src, dst;
	const uint8_t *seg;
	uint32_t length;
	size_t avail;
	bool fragment;          /* MF or an offset: tcpdump -v checks no transport checksum */
	uint32_t csum_dst;      /* the destination a -v transport checksum is checked against */
};

/* "a.b.c.d" of a host-order address into buf[16]. */
const char *trace_addr(uint32_t a, char buf[16]);

struct wire_ipv4;

/* trace_ipv.c: the -v header summary "(tos ..., options (...))" and the newline and
 * indent after it, for the header ip parsed from pkt[0..caplen) (caplen >= 20). */
void trace_ipv4_verbose(struct trace_out *o, const struct wire_ipv4 *ip, const uint8_t *pkt,
			size_t caplen);
/* The address tcpdump checks a transport checksum against: a source route's last
 * address, else ip->dst. Reads only pkt[0..min(hdr_len, caplen)). */
uint32_t trace_ipv4_csum_dst(const struct wire_ipv4 *ip, const uint8_t *pkt, size_t caplen);

/* Prints the TCP part of the line: tcpdump 4.99's tcp_print for IPv4 with -n. */
void trace_tcp(struct synack_trace *t, struct trace_out *o, const struct trace_pkt *p);

static inline uint16_t trace_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t trace_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
