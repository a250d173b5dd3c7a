/*
 * trace_ipv.c — what `tcpdump -n -v` adds for IPv4 (RFC 791 §3.1): the header summary
 * "(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 48, options
 * (LSRR 192.0.2.1,,EOL), bad cksum 1234 (->5678)!)" and the destination a transport
 * checksum is computed against.
 *
 * The rules are tcpdump 4.99's, read off its output for crafted packets
 * (tests/data/gen_trace_v_pcap.py, compared by tests/sh/trace_verbose.sh):
 *  - TOS in hex, then ",ECT(1)", ",ECT(0)" or ",CE" for the ECN field (RFC 3168 §5);
 *    fragment flags "+" (MF), "DF", "rsvd" joined by ", ", or "none"; the protocol by
 *    tcpdump's name or "unknown".
 *  - Options: "," between them; EOL ends the list; a kind other than EOL/NOP whose length
 *    byte is < 2 or runs past the options area prints " [bad length N]" and ends it.
 *    Record route and the source routes print each address, with "," after every address
 *    the pointer has passed, after " [bad length N]" (length not 3 + 4k) and
 *    " [bad ptr N]" (pointer not 4 + 4k, or past the end + 1) when they apply; the
 *    addresses are read to the option's stated length even past it (the bytes that
 *    follow). Router alert prints " value N" when N is not 0 and " [bad length N]" when
 *    shorter than 4. Other kinds print their name only (tcpdump decodes the timestamp
 *    option further; synack does not handle that option, and does not either).
 *  - The header checksum, when wrong: ", bad cksum <stored> (-><right>)!".
 *  - A TCP checksum is checked against the last address of a source route when the
 *    packet has one (whatever its pointer), else against the IP destination.
 * Text only: everything goes through trace_put into the caller's buffer.
 */
#include <string.h>

#include "trace/trace_int.h"
#include "wire/wire.h"

#define IPOPT_RR 7u
#define IPOPT_RA 148u

static const char *proto_name(uint8_t p)
{
	static const struct {
		uint8_t num;
		const char *name;
	} names[] = {
		{0, "Options"}, {1, "ICMP"}, {2, "IGMP"}, {4, "IPIP"}, {6, "TCP"}, {8, "EGP"},
		{9, "IGRP"}, {17, "UDP"}, {33, "DCCP"}, {41, "IPv6"}, {43, "Routing"},
		{44, "Fragment"}, {46, "RSVP"}, {47, "GRE"}, {50, "ESP"}, {51, "AH"},
		{55, "Mobile IP"}, {58, "ICMPv6"}, {62, "Mobile IP (old)"}, {88, "EIGRP"},
		{89, "OSPF"}, {103, "PIM"}, {108, "Compressed IP"}, {112, "VRRP"}, {113, "PGM"},
		{132, "SCTP"}, {135, "Mobility"}, {143, "Ethernet"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].num == p)
			return names[i].name;
	return "unknown";
}

static void put_opt_name(struct trace_out *o, uint8_t kind)
{
	switch (kind) {
	case WIRE_IPOPT_EOL: trace_put(o, "EOL"); return;
	case WIRE_IPOPT_NOP: trace_put(o, "NOP"); return;
	case IPOPT_RR: trace_put(o, "RR"); return;
	case 68: trace_put(o, "timestamp"); return;
	case 82: trace_put(o, "traceroute"); return;
	case 130: trace_put(o, "security"); return;
	case WIRE_IPOPT_LSRR: trace_put(o, "LSRR"); return;
	case WIRE_IPOPT_SSRR: trace_put(o, "SSRR"); return;
	case IPOPT_RA: trace_put(o, "RA"); return;
	default: trace_put(o, "unknown %u", kind); return;
	}
}

/* A route (RR, LSRR, SSRR) of olen bytes at b[0..]; b[0..avail) is captured. Returns
 * false when an address runs past the capture. */
static bool put_route(struct trace_out *o, const uint8_t *b, size_t avail, unsigned olen)
{
	unsigned ptr;
	char a[16];

	if (olen < 3) {
		trace_put(o, " [bad length %u]", olen);
		return true;
	}
	if ((olen + 1) & 3)
		trace_put(o, " [bad length %u]", olen);
	if (avail < 3)
		return false;
	ptr = (unsigned)b[2] - 1u;      /* 0 wraps: "past everything" */
	if (ptr < 3 || ((ptr + 1) & 3) || ptr > olen + 1)
		trace_put(o, " [bad ptr %u]", b[2]);
	for (unsigned off = 3; off < olen; off += 4) {
		if (off + 4 > avail)
			return false;
		trace_put(o, " %s", trace_addr(trace_get32(b + off), a));
		if (ptr > off)
			trace_put(o, ",");
	}
	return true;
}

/* The options area b[0..len); b[0..avail) is captured (avail may exceed len: what
 * follows the header). */
static void put_options(struct trace_out *o, const uint8_t *b, size_t len, size_t avail)
{
	const char *sep = "";

	while (len > 0) {
		uint8_t kind;
		unsigned olen = 1;

		if (!avail) {
			trace_put(o, "%s[|ip]", sep);
			return;
		}
		kind = b[0];
		trace_put(o, "%s", sep);
		sep = ",";
		put_opt_name(o, kind);
		if (kind != WIRE_IPOPT_EOL && kind != WIRE_IPOPT_NOP) {
			if (avail < 2) {
				trace_put(o, " [|ip]");
				return;
			}
			olen = b[1];
			if (olen < 2 || olen > len) {
				trace_put(o, " [bad length %u]", olen);
				return;
			}
		}
		if (kind == WIRE_IPOPT_EOL)
			return;
		if (kind == IPOPT_RR || kind == WIRE_IPOPT_LSRR || kind == WIRE_IPOPT_SSRR) {
			if (!put_route(o, b, avail, olen)) {
				trace_put(o, " [|ip]");
				return;
			}
		} else if (kind == IPOPT_RA) {
			if (olen < 4)
				trace_put(o, " [bad length %u]", olen);
			else if (avail < 4)
				trace_put(o, " [|ip]");
			else if (trace_get16(b + 2))
				trace_put(o, " value %u", trace_get16(b + 2));
		}
		b += olen;
		len -= olen;
		avail = olen < avail ? avail - olen : 0;
	}
}

static void put_frag_flags(struct trace_out *o, uint16_t frag)
{
	const char *sep = "";

	trace_put(o, ", flags [");
	if (!(frag & (WIRE_IP_MF | WIRE_IP_DF | 0x8000u)))
		trace_put(o, "none");
	if (frag & WIRE_IP_MF) {
		trace_put(o, "+");
		sep = ", ";
	}
	if (frag & WIRE_IP_DF) {
		trace_put(o, "%sDF", sep);
		sep = ", ";
	}
	if (frag & 0x8000u)
		trace_put(o, "%srsvd", sep);
	trace_put(o, "]");
}

void trace_ipv4_verbose(struct trace_out *o, const struct wire_ipv4 *ip, const uint8_t *pkt,
			size_t caplen)
{
	static const char *const ecn[4] = {"", ",ECT(1)", ",ECT(0)", ",CE"};

	trace_put(o, "(tos 0x%x%s, ttl %u, id %u, offset %u", ip->tos, ecn[ip->tos & 3],
		  ip->ttl, ip->id, (unsigned)(ip->frag & WIRE_IP_OFFMASK) * 8u);
	put_frag_flags(o, ip->frag);
	trace_put(o, ", proto %s (%u), length %u", proto_name(ip->proto), ip->proto,
		  ip->total_len);
	if (ip->hdr_len > WIRE_IPV4_HDR_MIN) {
		trace_put(o, ", options (");
		put_options(o, pkt + WIRE_IPV4_HDR_MIN, ip->hdr_len - WIRE_IPV4_HDR_MIN,
			    caplen - WIRE_IPV4_HDR_MIN);
		trace_put(o, ")");
	}
	if (caplen >= ip->hdr_len && !wire_ipv4_csum_ok(pkt, ip->hdr_len)) {
		uint64_t sum = wire_csum_add(wire_csum_add(0, pkt, 10), pkt + 12,
					     ip->hdr_len - 12u);

		trace_put(o, ", bad cksum %x (->%x)!", ip->csum, wire_csum_fold(sum));
	}
	trace_put(o, ")\n    ");
}

uint32_t trace_ipv4_csum_dst(const struct wire_ipv4 *ip, const uint8_t *pkt, size_t caplen)
{
	size_t end = ip->hdr_len < caplen ? ip->hdr_len : caplen;
	size_t i = WIRE_IPV4_HDR_MIN;

	while (i < end) {
		uint8_t kind = pkt[i];
		unsigned olen;

		if (kind == WIRE_IPOPT_EOL)
			break;
		if (kind == WIRE_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= end)
			break;
		olen = pkt[i + 1];
		if (olen < 2 || olen > end - i)
			break;
		if ((kind == WIRE_IPOPT_LSRR || kind == WIRE_IPOPT_SSRR) && olen >= 7)
			return trace_get32(pkt + i + olen - 4);     /* the last address */
		i += olen;
	}
	return ip->dst;
}
