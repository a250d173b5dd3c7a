/*
 * ip.c — IPv4 receive checks and emission for the engine (RFC 791; RFC 1122 §3.2.1.3
 * address rules; RFC 9293 §3.9.2.3 MUST-57, MUST-63), ICMP echo reply (RFC 792) and
 * parsing of ICMP errors about TCP segments (RFC 9293 §3.9.2.2, RFC 5927).
 *
 * No reassembly: fragments are dropped and counted. IP options are skipped.
 */
#include <string.h>

#include "ip/ip.h"
#include "synack/synack.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

bool ip_addr_is_bcast_mcast(uint32_t a)
{
	return a == 0xffffffffu || (a >> 28) >= 0xe;   /* 224/4 multicast, 240/4 class E */
}

bool ip_src_is_invalid(uint32_t src, uint32_t dst)
{
	if (src == 0 || ip_addr_is_bcast_mcast(src))
		return true;
	return ip_is_loopback(src) && !ip_is_loopback(dst);
}

static bool is_ours(const uint32_t *addrs, unsigned n, uint32_t a)
{
	for (unsigned i = 0; i < n; i++)
		if (addrs[i] == a)
			return true;
	return false;
}

static enum ip_rx_kind drop(struct ip_rx *rx, int ctr)
{
	rx->drop_ctr = ctr;
	return IP_RX_DROP;
}

enum ip_rx_kind ip_input(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt,
			 size_t len, struct ip_rx *rx)
{
	struct wire_ipv4 ip;

	memset(rx, 0, sizeof *rx);
	if (wire_ipv4_parse(pkt, len, &ip) != WIRE_OK)
		return drop(rx, SYNACK_CTR_IP_MALFORMED);
	if (!wire_ipv4_csum_ok(pkt, ip.hdr_len))
		return drop(rx, SYNACK_CTR_IP_BAD_CSUM);
	rx->src = ip.src;
	rx->dst = ip.dst;
	rx->pkt = pkt;
	rx->hdr_len = ip.hdr_len;
	rx->payload = pkt + ip.hdr_len;
	rx->payload_len = (size_t)ip.total_len - ip.hdr_len;
	if (wire_ipv4_is_fragment(&ip))
		return drop(rx, SYNACK_CTR_IP_FRAGMENT);
	if (ip.proto == WIRE_IPPROTO_TCP && ip_addr_is_bcast_mcast(ip.dst))
		return drop(rx, SYNACK_CTR_TCP_SYN_BCAST);      /* MUST-57 */
	if (!is_ours(addrs, naddrs, ip.dst))
		return drop(rx, SYNACK_CTR_IP_NOT_OURS);
	if (ip_src_is_invalid(ip.src, ip.dst))
		return drop(rx, SYNACK_CTR_IP_BAD_SRC);         /* MUST-63 */
	if (ip.proto == WIRE_IPPROTO_TCP)
		return IP_RX_TCP;
	if (ip.proto != WIRE_IPPROTO_ICMP)
		return drop(rx, SYNACK_CTR_IP_UNKNOWN_PROTO);
	if (rx->payload_len < 8 || wire_csum(rx->payload, rx->payload_len) != 0)
		return drop(rx, SYNACK_CTR_ICMP_BAD);
	return IP_RX_ICMP;
}

size_t ip_emit(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
	       uint8_t ttl, uint8_t tos, uint16_t id, size_t payload_len)
{
	struct wire_ipv4 ip = {
		.hdr_len = WIRE_IPV4_HDR_MIN,
		.tos = tos,
		.id = id,
		.frag = WIRE_IP_DF,
		.ttl = ttl,
		.proto = proto,
		.src = src,
		.dst = dst,
	};

	if (payload_len + WIRE_IPV4_HDR_MIN > 65535 || payload_len + WIRE_IPV4_HDR_MIN > cap)
		return 0;
	ip.total_len = (uint16_t)(payload_len + WIRE_IPV4_HDR_MIN);
	if (!wire_ipv4_emit(&ip, buf, cap))
		return 0;
	return ip.total_len;
}

size_t ip_icmp_echo_reply(const struct ip_rx *rx, uint8_t ttl, uint16_t id, uint8_t *out,
			  size_t cap)
{
	size_t n = rx->payload_len;
	uint8_t *icmp = out + WIRE_IPV4_HDR_MIN;
	uint16_t csum;

	if (n < 8 || rx->payload[0] != ICMP_ECHO || rx->payload[1] != 0 ||
	    n + WIRE_IPV4_HDR_MIN > cap)
		return 0;
	memcpy(icmp, rx->payload, n);
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	csum = wire_csum(icmp, n);
	icmp[2] = (uint8_t)(csum >> 8);
	icmp[3] = (uint8_t)csum;
	return ip_emit(out, cap, rx->dst, rx->src, WIRE_IPPROTO_ICMP, ttl, 0, id, n);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool ip_icmp_parse_error(const struct ip_rx *rx, struct ip_icmp_err *err)
{
	const uint8_t *m = rx->payload;
	struct wire_ipv4 inner;
	const uint8_t *tcp;

	if (rx->payload_len < 8 + WIRE_IPV4_HDR_MIN + 8)
		return false;
	if (m[0] != ICMP_UNREACH && m[0] != ICMP_TIME_EXCEEDED && m[0] != ICMP_PARAM_PROBLEM)
		return false;
	/* the quoted datagram is usually truncated: parse its header with its own length */
	if (wire_ipv4_parse(m + 8, rx->payload_len - 8, &inner) != WIRE_OK &&
	    (m[8] >> 4) != 4)
		return false;
	inner.hdr_len = (uint8_t)((m[8] & 0xf) * 4);
	if (inner.hdr_len < WIRE_IPV4_HDR_MIN || m[8 + 9] != WIRE_IPPROTO_TCP ||
	    rx->payload_len < 8u + inner.hdr_len + 8u)
		return false;
	tcp = m + 8 + inner.hdr_len;
	err->type = m[0];
	err->code = m[1];
	err->laddr = get32(m + 8 + 12);
	err->raddr = get32(m + 8 + 16);
	err->lport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	err->rport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	err->seq = get32(tcp + 4);
	err->mtu = (uint16_t)((m[0] == ICMP_UNREACH && m[1] == 4) ? (m[6] << 8 | m[7]) : 0);
	return true;
}
