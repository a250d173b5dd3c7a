/*
 * ip.h — IPv4 for the engine: receive checks (RFC 791, RFC 1122 §3.2.1, RFC 9293
 * §3.9.2.3 MUST-57/MUST-63), header emission, and ICMP echo (RFC 792).
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
};

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
 * destination not ours, bad source, unknown protocol, bad ICMP checksum. Broadcast or
 * multicast destinations are dropped here for TCP (MUST-57) with their own counter.
 */
enum ip_rx_kind ip_input(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt,
			 size_t len, struct ip_rx *rx);

/*
 * Writes a 20-byte IPv4 header (DF set, as Linux does for TCP with PMTU discovery) in
 * buf[0..20) for a payload of payload_len bytes that the caller has put at buf + 20,
 * with the given TTL and TOS byte (DS field + ECN, RFC 2474/3168; MUST-48/49).
 * Returns 20 + payload_len, or 0 when it exceeds 65535 or cap.
 */
size_t ip_emit(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
	       uint8_t ttl, uint8_t tos, uint16_t id, size_t payload_len);

/*
 * Builds the echo reply (RFC 792) to the ICMP echo request in rx into out[0..cap).
 * Returns its length, or 0 when rx is not an echo request or out is too small.
 */
size_t ip_icmp_echo_reply(const struct ip_rx *rx, uint8_t ttl, uint16_t id, uint8_t *out,
			  size_t cap);

/* An ICMP error about one of our TCP segments (RFC 9293 §3.9.2.2, RFC 5927). */
struct ip_icmp_err {
	uint8_t type, code;
	uint32_t laddr, raddr;   /* the quoted segment's source (ours) and destination */
	uint16_t lport, rport;
	uint32_t seq;            /* the quoted segment's sequence number */
	uint16_t mtu;            /* destination unreachable code 4: next-hop MTU (RFC 1191),
	                          * 0 when the router did not say; else 0 */
};

/* Parses an ICMP destination-unreachable, time-exceeded or parameter-problem message
 * quoting a TCP header (at least 8 bytes of it). Returns false for anything else. */
bool ip_icmp_parse_error(const struct ip_rx *rx, struct ip_icmp_err *err);

#endif
