/*
 * ipv4.c — the IPv4 header (RFC 791 §3.1): parse with every length validated, header
 * checksum check, and emit of a 20-byte header (no options) with its checksum.
 *
 * Invariants: parse reads nothing before it has checked that the bytes exist; on
 * WIRE_OK, 20 <= hdr_len <= total_len <= len, so buf[hdr_len..total_len) is the payload.
 * Options are not interpreted (RFC 1122 §3.2.1.8 lets a host ignore those it does not
 * implement): they are skipped by IHL and exposed as a borrowed pointer.
 */
#include "wire/wire.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

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
	total_len = get16(buf + 2);
	if (total_len < hdr_len || total_len > len)
		return WIRE_IP_TOTAL_LEN;

	ip->hdr_len = (uint8_t)hdr_len;
	ip->tos = buf[1];
	ip->total_len = (uint16_t)total_len;
	ip->id = get16(buf + 4);
	ip->frag = get16(buf + 6);
	ip->ttl = buf[8];
	ip->proto = buf[9];
	ip->csum = get16(buf + 10);
	ip->src = get32(buf + 12);
	ip->dst = get32(buf + 16);
	ip->opts = buf + WIRE_IPV4_HDR_MIN;
	return WIRE_OK;
}

/* RFC 791 §3.1 "Header Checksum": the sum over the header, checksum included, is 0. */
bool wire_ipv4_csum_ok(const uint8_t *buf, size_t hdr_len)
{
	return wire_csum(buf, hdr_len) == 0;
}

size_t wire_ipv4_emit(const struct wire_ipv4 *ip, uint8_t *buf, size_t cap)
{
	if (cap < WIRE_IPV4_HDR_MIN)
		return 0;
	buf[0] = 0x45; /* version 4, IHL 5 */
	buf[1] = ip->tos;
	put16(buf + 2, ip->total_len);
	put16(buf + 4, ip->id);
	put16(buf + 6, ip->frag);
	buf[8] = ip->ttl;
	buf[9] = ip->proto;
	put16(buf + 10, 0);
	put32(buf + 12, ip->src);
	put32(buf + 16, ip->dst);
	put16(buf + 10, wire_csum(buf, WIRE_IPV4_HDR_MIN));
	return WIRE_IPV4_HDR_MIN;
}
