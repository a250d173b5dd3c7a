/*
 * ipv4.c — the IPv4 header (RFC 791 §3.1): parse with every length validated, header
 * checksum check, emit of a header with or without options, and the options area:
 * parse (EOL, NOP, loose and strict source routes decoded, other kinds skipped by their
 * length: RFC 1122 §3.2.1.8) and emit of a source route option.
 *
 * Invariants: parse reads nothing before it has checked that the bytes exist; on
 * WIRE_OK, 20 <= hdr_len <= total_len <= len, so buf[hdr_len..total_len) is the payload.
 * wire_ipv4_parse does not interpret options: they are exposed as a borrowed pointer
 * for wire_ipv4_parse_opts, which checks every length byte before it reads a body
 * ("The IP layer must not crash as the result of an option length that is outside the
 * possible range", RFC 1122 §3.2.1.8).
 */
#include <string.h>

#include "wire/wire.h"

/*
 * Checks, in this order (each names its own error): 20 bytes present; version 4; IHL
 * in 5..15 and IHL*4 bytes present; IHL*4 <= total length <= len. buf is borrowed;
 * ip->opts points into it.
 */
enum wire_err wire_ipv4_parse(const uint8_t *buf, size_t len, struct wire_ipv4 *ip)
{
	size_t hdr_len, total_len;

	if (len < WIRE_IPV4_HDR_MIN)
		return WIRE_IP_TRUNCATED;
	if ((buf[0] >> 4) != 4)
		return WIRE_IP_VERSION;
	hdr_len = (size_t)(buf[0] & 0x0f) * 4;
	if (hdr_len < WIRE_IPV4_HDR_MIN || hdr_len > len)
		return WIRE_IP_IHL;
	total_len = wire_get16(buf + 2);
	if (total_len < hdr_len || total_len > len)
		return WIRE_IP_TOTAL_LEN;

	ip->hdr_len = (uint8_t)hdr_len;
	ip->tos = buf[1];
	ip->total_len = (uint16_t)total_len;
	ip->id = wire_get16(buf + 4);
	ip->frag = wire_get16(buf + 6);
	ip->ttl = buf[8];
	ip->proto = buf[9];
	ip->csum = wire_get16(buf + 10);
	ip->src = wire_get32(buf + 12);
	ip->dst = wire_get32(buf + 16);
	ip->opts = buf + WIRE_IPV4_HDR_MIN;
	return WIRE_OK;
}

/* RFC 791 §3.1 "Header Checksum": the sum over the header, checksum included, is 0. */
bool wire_ipv4_csum_ok(const uint8_t *buf, size_t hdr_len)
{
	if (hdr_len == WIRE_IPV4_HDR_MIN)
		return wire_csum_fold(wire_csum_add20(0, buf)) == 0;
	return wire_csum(buf, hdr_len) == 0;
}

size_t wire_ipv4_emit(const struct wire_ipv4 *ip, uint8_t *buf, size_t cap)
{
	if (cap < WIRE_IPV4_HDR_MIN)
		return 0;
	wire_ipv4_emit20(buf, ip->tos, ip->total_len, ip->id, ip->frag, ip->ttl, ip->proto,
			 ip->src, ip->dst);
	return WIRE_IPV4_HDR_MIN;
}

size_t wire_ipv4_emit_opts(const struct wire_ipv4 *ip, const uint8_t *opts, size_t opts_len,
			   uint8_t *buf, size_t cap)
{
	size_t hdr_len = WIRE_IPV4_HDR_MIN + opts_len;

	if (opts_len % 4 || opts_len > WIRE_IPV4_OPTS_MAX || cap < hdr_len)
		return 0;
	buf[0] = (uint8_t)(0x40 | hdr_len / 4);        /* version 4, IHL */
	buf[1] = ip->tos;
	wire_put16(buf + 2, ip->total_len);
	wire_put16(buf + 4, ip->id);
	wire_put16(buf + 6, ip->frag);
	buf[8] = ip->ttl;
	buf[9] = ip->proto;
	wire_put16(buf + 10, 0);
	wire_put32(buf + 12, ip->src);
	wire_put32(buf + 16, ip->dst);
	if (opts_len)
		memmove(buf + WIRE_IPV4_HDR_MIN, opts, opts_len);
	if (opts_len)
		wire_put16(buf + 10, wire_csum(buf, hdr_len));
	else
		wire_put16(buf + 10, wire_csum_fold(wire_csum_add20(0, buf)));
	return hdr_len;
}

/* ---- options ------------------------------------------------------------------------ */

/*
 * RFC 791 §3.1 "Loose/Strict Source and Record Route": type, length, pointer, route
 * data of 4-byte addresses. The pointer (1-based, from the option's first octet) is at
 * least 4, moves by 4 per hop, and equals length + 1 once the route is completed.
 * o points at the type byte; optlen (>= 2) is known to lie inside the area.
 */
static enum wire_err parse_srr(const uint8_t *o, size_t optlen, size_t off,
			       struct wire_ipv4_srr *s)
{
	uint8_t ptr;

	if (optlen < 3 || (optlen - 3) % 4)
		return WIRE_IPOPT_SRR_LEN;
	ptr = o[2];
	if (ptr < 4 || (ptr - 4) % 4 || (size_t)ptr > optlen + 1)
		return WIRE_IPOPT_SRR_PTR;
	s->type = o[0];
	s->len = (uint8_t)optlen;
	s->ptr = ptr;
	s->count = (uint8_t)((optlen - 3) / 4);
	s->off = (uint8_t)off;
	for (unsigned i = 0; i < s->count; i++)
		s->addr[i] = wire_get32(o + 3 + 4 * i);
	return WIRE_OK;
}

enum wire_err wire_ipv4_parse_opts(const uint8_t *opts, size_t len,
				   struct wire_ipv4_opts *out)
{
	size_t i = 0;

	memset(out, 0, sizeof *out);
	if (len > WIRE_IPV4_OPTS_MAX)
		return WIRE_IPOPT_OVERRUN;
	while (i < len) {
		uint8_t kind = opts[i];
		size_t optlen;

		if (kind == WIRE_IPOPT_EOL)
			break;
		if (kind == WIRE_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return WIRE_IPOPT_OVERRUN;
		optlen = opts[i + 1];
		if (optlen < 2)
			return WIRE_IPOPT_LEN_SHORT;
		if (optlen > len - i)
			return WIRE_IPOPT_OVERRUN;
		if (kind == WIRE_IPOPT_LSRR || kind == WIRE_IPOPT_SSRR) {
			enum wire_err e;

			if (out->has_srr)
				return WIRE_IPOPT_SRR_DUP;
			e = parse_srr(opts + i, optlen, i, &out->srr);
			if (e != WIRE_OK)
				return e;
			out->has_srr = true;
		} else if (out->other_count < 255) {
			out->other_count++;
		}
		i += optlen;
	}
	return WIRE_OK;
}

size_t wire_ipv4_srr_emit(const struct wire_ipv4_srr *s, uint8_t *buf, size_t cap)
{
	size_t len = 3 + 4 * (size_t)s->count;
	size_t padded = (len + 3) & ~(size_t)3;

	if ((s->type != WIRE_IPOPT_LSRR && s->type != WIRE_IPOPT_SSRR) || !s->count ||
	    s->count > WIRE_SRR_MAX || s->ptr < 4 || (s->ptr - 4) % 4 ||
	    (size_t)s->ptr > len + 1 || cap < padded)
		return 0;
	buf[0] = s->type;
	buf[1] = (uint8_t)len;
	buf[2] = s->ptr;
	for (unsigned i = 0; i < s->count; i++)
		wire_put32(buf + 3 + 4 * i, s->addr[i]);
	memset(buf + len, WIRE_IPOPT_EOL, padded - len);
	return padded;
}
