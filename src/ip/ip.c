/*
 * ip.c — IPv4 receive checks and emission for the engine (RFC 791; RFC 1122 §3.2.1.3
 * address rules; RFC 9293 §3.9.2.3 MUST-57, MUST-63), ICMP echo reply (RFC 792) and
 * parsing of ICMP errors about TCP segments (RFC 9293 §3.9.2.2, RFC 5927).
 *
 * No reassembly: fragments are dropped and counted. IP options (RFC 1122 §3.2.1.8):
 * every received options area is validated (a malformed one drops the datagram, as
 * Linux's ip_options_compile does); source routes are the only kind interpreted: a
 * completed one is passed up so TCP can answer by its return route (RFC 9293 §3.9.2.1),
 * one still under way is dropped (a host does not forward), and all of them are
 * dropped unless the stack accepts source routes (Linux's accept_source_route, default
 * off: RFC 7126 §4.3–4.4). Other options are skipped (MUST-50). Outgoing options come
 * from an application's IP_OPTIONS or a return route (struct ip_opts).
 */
#include <stddef.h>
#include <string.h>

#include "ip/ip.h"
#include "synack/synack.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

/* inline here: the fixed-layout case of ip_input uses them on every datagram */
static inline bool is_bcast_mcast(uint32_t a)
{
	return a == 0xffffffffu || (a >> 28) >= 0xe;   /* 224/4 multicast, 240/4 class E */
}

static inline bool is_invalid_src(uint32_t src, uint32_t dst)
{
	if (src == 0 || is_bcast_mcast(src))
		return true;
	return ip_is_loopback(src) && !ip_is_loopback(dst);
}

bool ip_addr_is_bcast_mcast(uint32_t a)
{
	return is_bcast_mcast(a);
}

bool ip_src_is_invalid(uint32_t src, uint32_t dst)
{
	return is_invalid_src(src, dst);
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

/* RFC 1122 §3.2.1.8: options are checked whole; a source route is passed up only
 * when it is completed (case (c): "the datagram has reached its final destination"). */
static enum ip_rx_kind check_options(const struct wire_ipv4 *ip, bool accept_srr,
				     struct ip_rx *rx)
{
	struct wire_ipv4_opts o;

	if (ip->hdr_len == WIRE_IPV4_HDR_MIN)
		return IP_RX_TCP;
	if (wire_ipv4_parse_opts(ip->opts, ip->hdr_len - WIRE_IPV4_HDR_MIN, &o) != WIRE_OK)
		return drop(rx, SYNACK_CTR_IP_BAD_OPTIONS);
	if (!o.has_srr)
		return IP_RX_TCP;
	if (!accept_srr)
		return drop(rx, SYNACK_CTR_IP_SRR_DENIED);
	if (!wire_ipv4_srr_done(&o.srr))
		return drop(rx, SYNACK_CTR_IP_SRR_NOT_FINAL);
	rx->has_srr = true;
	rx->srr = o.srr;
	return IP_RX_TCP;
}

enum ip_rx_kind ip_input_full(const uint32_t *addrs, unsigned naddrs, bool accept_srr,
			      const uint8_t *pkt, size_t len, struct ip_rx *rx)
{
	struct wire_ipv4 ip;

	memset(rx, 0, offsetof(struct ip_rx, srr));
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
	if (ip.proto == WIRE_IPPROTO_TCP && is_bcast_mcast(ip.dst))
		return drop(rx, SYNACK_CTR_TCP_SYN_BCAST);      /* MUST-57 */
	if (!is_ours(addrs, naddrs, ip.dst))
		return drop(rx, SYNACK_CTR_IP_NOT_OURS);
	if (is_invalid_src(ip.src, ip.dst))
		return drop(rx, SYNACK_CTR_IP_BAD_SRC);         /* MUST-63 */
	if (check_options(&ip, accept_srr, rx) == IP_RX_DROP)
		return IP_RX_DROP;
	if (ip.proto == WIRE_IPPROTO_TCP)
		return IP_RX_TCP;
	if (ip.proto != WIRE_IPPROTO_ICMP)
		return drop(rx, SYNACK_CTR_IP_UNKNOWN_PROTO);
	if (rx->payload_len < 8 || wire_csum(rx->payload, rx->payload_len) != 0)
		return drop(rx, SYNACK_CTR_ICMP_BAD);
	return IP_RX_ICMP;
}

/*
 * The common datagram read at fixed offsets: version 4 and IHL 5 in one byte (no
 * options), the header checksum summed as five 32-bit words, and every check of
 * ip_input_full that can fail (total length, checksum, fragment, MUST-57 destination,
 * ours, MUST-63 source) made at once; only a TCP datagram that passes all of them is
 * taken here. Anything else, ICMP included, goes through ip_input_full, which then
 * decides and counts exactly as before: this case can only accept what it would
 * accept, with the same *rx (test_ip_fastpath compares both on mutated headers).
 */
enum ip_rx_kind ip_input(const uint32_t *addrs, unsigned naddrs, bool accept_srr,
			 const uint8_t *pkt, size_t len, struct ip_rx *rx)
{
	uint32_t w0, w1, src, dst;

	if (len < WIRE_IPV4_HDR_MIN || pkt[0] != 0x45)
		goto full;
	w0 = wire_get32(pkt);        /* version/IHL, TOS, total length */
	w1 = wire_get32(pkt + 4);    /* id, flags + fragment offset */
	src = wire_get32(pkt + 12);
	dst = wire_get32(pkt + 16);
	if ((w0 & 0xffff) < WIRE_IPV4_HDR_MIN || (w0 & 0xffff) > len ||
	    (w1 & (WIRE_IP_MF | WIRE_IP_OFFMASK)) || pkt[9] != WIRE_IPPROTO_TCP ||
	    wire_csum_fold(wire_csum_add20(0, pkt)) != 0 || is_bcast_mcast(dst) ||
	    !is_ours(addrs, naddrs, dst) || is_invalid_src(src, dst))
		goto full;
	memset(rx, 0, offsetof(struct ip_rx, srr));
	rx->src = src;
	rx->dst = dst;
	rx->pkt = pkt;
	rx->hdr_len = WIRE_IPV4_HDR_MIN;
	rx->payload = pkt + WIRE_IPV4_HDR_MIN;
	rx->payload_len = (w0 & 0xffff) - WIRE_IPV4_HDR_MIN;
	return IP_RX_TCP;
full:
	return ip_input_full(addrs, naddrs, accept_srr, pkt, len, rx);
}

/* The common TCP datagram in one pass (wire_tcpip_parse: both headers, both checksums),
 * then the address checks of ip_input_full: ours (no address of ours is broadcast or
 * multicast, synack_stack_add_addr refuses them, so this covers MUST-57 as well) and
 * the source (MUST-63). */
bool ip_tcp_input(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt, size_t len,
		  uint32_t *src, uint32_t *dst, struct wire_tcp *seg)
{
	return wire_tcpip_parse(pkt, len, src, dst, seg) &&
	       ip_tcp_addrs_ok(addrs, naddrs, *src, *dst);
}

bool ip_tcp_addrs_ok(const uint32_t *addrs, unsigned naddrs, uint32_t src, uint32_t dst)
{
	return is_ours(addrs, naddrs, dst) && !is_invalid_src(src, dst);
}

bool ip_tcp_input_hdrs(const uint32_t *addrs, unsigned naddrs, const uint8_t *pkt,
		       size_t len, uint32_t *src, uint32_t *dst, struct wire_tcp *seg,
		       uint64_t *sum)
{
	return wire_tcpip_parse_hdrs(pkt, len, src, dst, seg, sum) &&
	       is_ours(addrs, naddrs, *dst) && !is_invalid_src(*src, *dst);
}

size_t ip_emit(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
	       uint8_t ttl, uint8_t tos, uint16_t id, size_t payload_len)
{
	size_t total = payload_len + WIRE_IPV4_HDR_MIN;

	if (total > 65535 || total > cap)
		return 0;
	wire_ipv4_emit20(buf, tos, (uint16_t)total, id, WIRE_IP_DF, ttl, proto, src, dst);
	return total;
}

size_t ip_emit_opts(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint8_t proto,
		    uint8_t ttl, uint8_t tos, uint16_t id, const struct ip_opts *o,
		    size_t payload_len)
{
	size_t hl = ip_hdr_len(o);
	struct wire_ipv4 ip = { .tos = tos, .id = id, .frag = WIRE_IP_DF, .ttl = ttl,
				.proto = proto, .src = src, .dst = dst };
	uint8_t opt[IP_OPTS_MAX];

	if (!o || !o->len)      /* the common case keeps the fixed 20-byte path */
		return ip_emit(buf, cap, src, dst, proto, ttl, tos, id, payload_len);
	if (payload_len + hl > 65535 || payload_len + hl > cap)
		return 0;
	ip.hdr_len = (uint8_t)hl;
	ip.total_len = (uint16_t)(payload_len + hl);
	memcpy(opt, o->opt, o->len);
	if (o->has_srr) {
		/* RFC 791 §3.1: the datagram goes to the first hop; the final destination
		 * is the route's last address (Linux ip_options_build) */
		ip.dst = o->first_hop;
		wire_put32(opt + o->srr_off + o->opt[o->srr_off + 1] - 4, dst);
	}
	if (!wire_ipv4_emit_opts(&ip, opt, o->len, buf, cap))
		return 0;
	return ip.total_len;
}

/* ---- source routes (RFC 791 §3.1, RFC 1122 §3.2.1.8 (c), RFC 9293 §3.9.2.1) ---------- */

bool ip_opts_from_user(struct ip_opts *o, const uint8_t *raw, size_t len)
{
	struct ip_opts n;
	struct wire_ipv4_opts p;
	size_t i = 0;

	if (len > IP_OPTS_MAX)
		return false;
	memset(&n, 0, sizeof n);
	if (len)
		memcpy(n.opt, raw, len);
	n.len = (uint8_t)((len + 3) & ~(size_t)3);     /* EOL padding (zeroed above) */
	if (wire_ipv4_parse_opts(n.opt, n.len, &p) != WIRE_OK || p.other_count)
		return false;
	/* Linux (ip_options_compile without a packet): pointer 4, one address at least */
	if (p.has_srr && (p.srr.ptr != 4 || !p.srr.count))
		return false;
	while (i < n.len) {             /* validated above: every length is in range */
		if (n.opt[i] == WIRE_IPOPT_EOL) {
			memset(n.opt + i, WIRE_IPOPT_EOL, n.len - i);
			break;
		}
		i += n.opt[i] == WIRE_IPOPT_NOP ? 1u : n.opt[i + 1];
	}
	if (p.has_srr) {
		uint8_t *r = n.opt + p.srr.off;

		n.has_srr = true;
		n.srr_off = p.srr.off;
		n.first_hop = p.srr.addr[0];
		memmove(r + 3, r + 7, p.srr.len - 7u);
		memset(r + p.srr.len - 4, 0, 4);       /* the final destination's slot */
	}
	n.from_user = true;
	*o = n;
	return true;
}

size_t ip_opts_to_user(const struct ip_opts *o, uint8_t *out)
{
	memcpy(out, o->opt, o->len);
	if (o->has_srr) {
		uint8_t *r = out + o->srr_off;

		memmove(r + 7, r + 3, r[1] - 7u);
		wire_put32(r + 3, o->first_hop);
	}
	return o->len;
}

bool ip_opts_return_route(struct ip_opts *o, const struct wire_ipv4_srr *srr, uint32_t src)
{
	struct wire_ipv4_srr back = { .type = srr->type, .ptr = 4 };
	unsigned n = srr->count, skip = 0;

	if (n && srr->addr[0] == src)
		skip = 1;               /* case (B): the source recorded itself first */
	if (n <= skip)
		return false;
	back.count = (uint8_t)(n - skip);
	for (unsigned k = 0; k + 1 < back.count; k++)
		back.addr[k] = srr->addr[n - 2 - k];   /* Gn-1 .. G1 */
	back.addr[back.count - 1] = src;               /* the final destination's slot */
	memset(o, 0, sizeof *o);
	o->len = (uint8_t)wire_ipv4_srr_emit(&back, o->opt, sizeof o->opt);
	o->has_srr = o->len != 0;
	o->first_hop = srr->addr[n - 1];
	return o->has_srr;
}

size_t ip_icmp_echo_reply(const struct ip_rx *rx, uint8_t ttl, uint16_t id, uint8_t *out,
			  size_t cap)
{
	size_t n = rx->payload_len;
	struct ip_opts back;
	const struct ip_opts *route = NULL;
	uint8_t *icmp;
	uint16_t csum;

	/* RFC 1122 §3.2.2.6: "the return route MUST be reversed and used" */
	if (rx->has_srr && ip_opts_return_route(&back, &rx->srr, rx->src))
		route = &back;
	icmp = out + ip_hdr_len(route);
	if (n < 8 || rx->payload[0] != ICMP_ECHO || rx->payload[1] != 0 ||
	    n + ip_hdr_len(route) > cap)
		return 0;
	memcpy(icmp, rx->payload, n);
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	csum = wire_csum(icmp, n);
	icmp[2] = (uint8_t)(csum >> 8);
	icmp[3] = (uint8_t)csum;
	return ip_emit_opts(out, cap, rx->dst, rx->src, WIRE_IPPROTO_ICMP, ttl, 0, id, route, n);
}

/* The final destination of a quoted datagram: with a source route still under way,
 * the header's destination is a hop and the final one is the route's last address. */
static uint32_t quoted_final_dst(const uint8_t *q, size_t hdr_len)
{
	struct wire_ipv4_opts o;

	if (hdr_len > WIRE_IPV4_HDR_MIN &&
	    wire_ipv4_parse_opts(q + WIRE_IPV4_HDR_MIN, hdr_len - WIRE_IPV4_HDR_MIN, &o) ==
		    WIRE_OK &&
	    o.has_srr && o.srr.count && !wire_ipv4_srr_done(&o.srr))
		return o.srr.addr[o.srr.count - 1];
	return wire_get32(q + 16);
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
	err->laddr = wire_get32(m + 8 + 12);
	err->raddr = quoted_final_dst(m + 8, inner.hdr_len);
	err->lport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	err->rport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	err->seq = wire_get32(tcp + 4);
	err->mtu = (uint16_t)((m[0] == ICMP_UNREACH && m[1] == 4) ? (m[6] << 8 | m[7]) : 0);
	return true;
}
