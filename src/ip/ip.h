/*
 * ip.h — IPv4 for the engine: receive checks (RFC 791, RFC 1122 §3.2.1, RFC 9293
 * §3.9.2.3 MUST-57/MUST-63), header emission with options, source routes (RFC 791
 * §3.1, RFC 1122 §3.2.1.8 (c), RFC 9293 §3.9.2.1), and ICMP echo (RFC 792).
 *
 * Pure functions over buffers: the caller (the stack) owns the address list and the
 * counters. Addresses are host order.
 */
#ifndef SYNACK_IP_IP_H
#define SYNACK_IP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

enum ip_rx_kind {
	IP_RX_DROP = 0,  /* rx->drop_ctr says why (a SYNACK_CTR_* value) */
	IP_RX_TCP,       /* payload is a TCP segment whose checksum is not judged yet */
	IP_RX_ICMP,      /* payload is an ICMP message with a correct checksum */
};

struct ip_rx {
	uint32_t src, dst;
	const uint8_t *pkt;      /* the whole packet (borrowed) */
	size_t hdr_len;
	const uint8_t *payload;  /* inside pkt */
	size_t payload_len;
	int drop_ctr;
	bool has_srr;            /* a completed source route arrived: srr is valid */
	struct wire_ipv4_srr srr; /* the recorded route; last, left unset (not cleared per
	                          * datagram) unless has_srr */
};

#define IP_OPTS_MAX 40

/*
 * The IP options our datagrams to one peer carry: the bytes as they go on the wire,
 * EOL-padded to a multiple of 4. With a source route (at most one, RFC 1122 §3.2.1.8
 * (c)), the IPv4 destination of our datagrams is first_hop and the option's last
 * address slot carries the final destination, written when a header is emitted (as
 * Linux's ip_options_build does); the TCP checksum still covers the final destination
 * (RFC 9293 §3.9.2.1). One form serves a route the application gave (IP_OPTIONS) and a
 * return route built from a received one.
 */
struct ip_opts {
	uint8_t len;             /* bytes in opt: 0 (none) .. 40, a multiple of 4 */
	uint8_t srr_off;         /* has_srr: offset of the LSRR/SSRR option in opt */
	bool has_srr;
	bool from_user;          /* given by the application, not learnt from a datagram */
	uint32_t first_hop;      /* has_srr: the IPv4 destination of our datagrams */
	uint8_t opt[IP_OPTS_MAX];
};

/* Bytes of the IPv4 header for datagrams carrying o (NULL: no options). */
static inline size_t ip_hdr_len(const struct ip_opts *o)
{
	return WIRE_IPV4_HDR_MIN + (o ? o->len : 0u);
}

/*
 * IP_OPTIONS, as Linux's ip_options_get for a socket: raw[0..len) (borrowed; len 0
 * clears, giving o->len 0) is a list of NOP and EOL (bytes after an EOL become EOL)
 * and at most one LSRR/SSRR with pointer 4 and at least one address. The first address
 * is the first hop; the others move up one slot, the last slot being the final
 * destination's (Linux ip_options_compile). Padded with EOL to a multiple of 4.
 * Returns false (o untouched) for anything else: len > 40, another option kind (record
 * route and timestamps are not implemented: MAY-10, MAY-11), a malformed length or
 * pointer, two source routes.
 */
bool ip_opts_from_user(struct ip_opts *o, const uint8_t *raw, size_t len);
/* The bytes as the application gives them (getsockopt(IP_OPTIONS), Linux's
 * ip_options_undo): o's options with the first hop back in the route's first slot.
 * out must hold IP_OPTS_MAX bytes. Returns the length (o->len). */
size_t ip_opts_to_user(const struct ip_opts *o, uint8_t *out);
/*
 * RFC 1122 §3.2.1.8 (c): the return route for a datagram from src that arrived with
 * the completed source route srr (its data the recorded route G1..Gn): first hop Gn,
 * option {Gn-1, .., G1, src} of the same type with pointer 4. A recorded route that
 * begins with src itself (case (B)) is corrected by leaving src out. Returns false when
 * nothing is left to route through (then replies go directly).
 */
bool ip_opts_return_route(struct ip_opts *o, const struct wire_ipv4_srr *srr, uint32_t src);

/* Class D (multicast), class E, 255.255.255.255: never a unicast endpoint. */
bool ip_addr_is_bcast_mcast(uint32_t a);
/* RFC 1122 §3.2.1.3 / MUST-63: a source a segment may not come from (0, broadcast,
 * multicast, class E, loopback from a non-loopback destination). */
bool ip_src_is_invalid(uint32_t src, uint32_t dst);
static inline bool ip_is_loopback(uint32_t a) { return (a >> 24) == 127; }

/*
 * Judges one received packet pkt[0..len) (borrowed) against our addresses
 * addrs[0..naddrs). Returns IP_RX_TCP/ICMP with *rx filled, or IP_RX_DROP with
 * rx->drop_ctr set: malformed header, bad header checksum, fragment (no reassembly yet),
 * destination not ours, bad source, unknown protocol, bad ICMP checksum, malformed IP
 * options. Broadcast or multicast destinations are dropped here for TCP (MUST-57) with
 * their own counter. A source route option: dropped unless accept_srr (Linux's
 * accept_source_route), and also when not completed (we do not forward); a completed
 * one is passed up in rx->srr (RFC 1122 §3.2.1.8 (c)).
 */
enum ip_rx_kind ip_input(const uint32_t *addrs, unsigned naddrs, bool accept_srr,
			 const uint8_t *pkt, size_t len, struct ip_rx *rx);
/* ip_input without its fixed-layout case for the common datagram (20-byte header, TCP,
 * accepted): every datagram takes the general parse. The same results and *rx; kept
 * callable so tests can compare the two. */
enum ip_rx_kind ip_input_full(const uint32_t *addrs, unsigned naddrs, bool accept_srr,
			      const uint8_t *pkt, size_t len, struct ip_rx *rx);

/*
 * The common TCP datagram judged in one pass (wire_tcpip_parse) against our addresses
 * addrs[0..naddrs): true when ip_input would return IP_RX_TCP with no source route and
 * the TCP header would parse and its checksum be right, with *src, *dst and *seg (its
 * payload inside pkt, borrowed) exactly as that path gives them. False for every other
 * datagram, counted nowhere: the caller takes it through ip_input, which decides and
 * counts. test_tcp_input_onepass compares both paths.
 */
bool ip_tcp_input(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt, size_t len,
		  uint32_t *src, uint32_t *dst, struct wire_tcp *seg);
/* ip_tcp_input's address checks alone, for a datagram from src to dst whose headers
 * wire_tcpip_parse has accepted: dst is ours (which covers MUST-57: no address of ours is
 * broadcast or multicast) and src a valid source (MUST-63). */
bool ip_tcp_addrs_ok(const uint32_t *addrs, unsigned naddrs, uint32_t src, uint32_t dst);

/* ip_tcp_input without the TCP checksum (wire_tcpip_parse_hdrs): *sum is the running sum
 * of the pseudo-header and the TCP header, the payload's to be added by the caller (GRO
 * sums it while copying it, offload.c). test_offload compares GRO on both paths. */
bool ip_tcp_input_hdrs(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt,
		       size_t len, uint32_t *src, uint32_t *dst, struct wire_tcp *seg,
		       uint64_t *sum);

/*
 * Writes a 20-byte IPv4 header (DF set, as Linux does for TCP with PMTU discovery) in
 * buf[0..20) for a payload of payload_len bytes that the caller has put at buf + 20,
 * with the given TTL and TOS byte (DS field + ECN, RFC 2474/3168; MUST-48/49).
 * Returns 20 + payload_len, or 0 when it exceeds 65535 or cap.
 */
size_t ip_emit(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
	       uint8_t ttl, uint8_t tos, uint16_t id, size_t payload_len);
/* ip_emit for a datagram carrying the options o (NULL or len 0: none): the payload sits
 * at buf + ip_hdr_len(o); with a source route the header's destination is o->first_hop
 * and dst (the final destination) goes into the route's last slot. Returns
 * ip_hdr_len(o) + payload_len, or 0 when that exceeds 65535 or cap. */
size_t ip_emit_opts(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
		    uint8_t ttl, uint8_t tos, uint16_t id, const struct ip_opts *o,
		    size_t payload_len);

/*
 * Builds the echo reply (RFC 792) to the ICMP echo request in rx into out[0..cap); a
 * request that came by a source route is answered by its return route (RFC 1122
 * §3.2.2.6). Returns its length, or 0 when rx is not an echo request or out is too small.
 */
size_t ip_icmp_echo_reply(const struct ip_rx *rx, uint8_t ttl, uint16_t id, uint8_t *out,
			  size_t cap);

/* An ICMP error about one of our TCP segments (RFC 9293 §3.9.2.2, RFC 5927). */
struct ip_icmp_err {
	uint8_t type, code;
	uint32_t laddr, raddr;   /* the quoted segment's source (ours) and destination (the
	                          * final one, from its source route when it had one) */
	uint16_t lport, rport;
	uint32_t seq;            /* the quoted segment's sequence number */
	uint16_t mtu;            /* destination unreachable code 4: next-hop MTU (RFC 1191),
	                          * 0 when the router did not say; else 0 */
};

/* Parses an ICMP destination-unreachable, time-exceeded or parameter-problem message
 * quoting a TCP header (at least 8 bytes of it). Returns false for anything else. */
bool ip_icmp_parse_error(const struct ip_rx *rx, struct ip_icmp_err *err);

#endif
