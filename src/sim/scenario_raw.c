/*
 * scenario_raw.c — builds the crafted segments of a scenario's RAW step (scenario_raw.h):
 * spoofed SYNs (S17), old duplicates (S18), RSTs in the handshake and in TIME-WAIT (S13,
 * S22), odd flag sets (S26, RFC 1025 "nastygram"), malformed options (S15). Header and
 * well-formed options come from wire_tcp_emit (RFC 9293 §3.1); raw option bytes are laid
 * after the fixed header as given, the data offset set to cover them, padded with EOL to
 * a 4-byte boundary (§3.1 "Padding"), and the checksum recomputed over the pseudo-header.
 * A given data offset overrides the computed one (S15: offsets below 5 or past the end).
 */
#include "sim/scenario_raw.h"

#include <string.h>

#include "wire/wire.h"

#define RAW_PAYLOAD_MAX 1400u
#define IP_HDR 20u

/* The TCP segment at seg (len bytes) gets the raw options of r, moving the payload. */
static size_t place_raw_opts(const struct synack_sc_raw *r, uint8_t *seg, size_t len,
			     size_t cap)
{
	size_t olen = ((size_t)r->opts_len + 3u) & ~(size_t)3u;

	if (olen > WIRE_TCP_HDR_MAX - WIRE_TCP_HDR_MIN || len + olen > cap)
		return 0;
	memmove(seg + WIRE_TCP_HDR_MIN + olen, seg + WIRE_TCP_HDR_MIN, len - WIRE_TCP_HDR_MIN);
	memset(seg + WIRE_TCP_HDR_MIN, WIRE_OPT_EOL, olen);
	memcpy(seg + WIRE_TCP_HDR_MIN, r->opts, r->opts_len);
	seg[12] = (uint8_t)(((WIRE_TCP_HDR_MIN + olen) / 4) << 4);
	return len + olen;
}

static void put_csum(uint32_t saddr, uint32_t daddr, uint8_t *seg, size_t len)
{
	uint64_t sum = wire_pseudo_ipv4(saddr, daddr, WIRE_IPPROTO_TCP, (uint16_t)len);
	uint16_t c;

	seg[16] = seg[17] = 0;
	c = wire_csum_fold(wire_csum_add(sum, seg, len));
	seg[16] = (uint8_t)(c >> 8);
	seg[17] = (uint8_t)c;
}

size_t sim_sc_build_raw(const struct synack_sc_raw *raw, uint32_t saddr, uint16_t sport,
			uint32_t daddr, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t id,
			uint8_t *buf, size_t cap)
{
	struct wire_tcp t;
	struct wire_ipv4 ip;
	size_t len;

	if (raw->len > RAW_PAYLOAD_MAX || cap < IP_HDR + WIRE_TCP_HDR_MAX + raw->len)
		return 0;
	memset(&t, 0, sizeof t);
	t.sport = sport;
	t.dport = dport;
	t.seq = seq;
	t.ack = ack;
	t.flags = raw->flags;
	t.win = raw->win;
	t.urp = raw->urp;
	if (!raw->opts && raw->mss) {
		t.opt.present = WIRE_HAS_MSS;
		t.opt.mss = raw->mss;
	}
	len = wire_tcp_emit(&t, saddr, daddr, (const uint8_t *)raw->data, raw->len,
			    buf + IP_HDR, cap - IP_HDR);
	if (!len)
		return 0;
	if (raw->opts) {
		len = place_raw_opts(raw, buf + IP_HDR, len, cap - IP_HDR);
		if (!len)
			return 0;
	}
	/* A data offset below 5 or past the segment's end (RFC 9293 §3.1: 5..15 words,
	 * within the segment) is the receiver's to reject; the checksum stays right. */
	if (raw->doff)
		buf[IP_HDR + 12] = (uint8_t)((raw->doff & 0x0f) << 4);
	if (raw->opts || raw->doff)
		put_csum(saddr, daddr, buf + IP_HDR, len);
	memset(&ip, 0, sizeof ip);
	ip.total_len = (uint16_t)(IP_HDR + len);
	ip.id = id;
	ip.ttl = 64;
	ip.proto = WIRE_IPPROTO_TCP;
	ip.src = saddr;
	ip.dst = daddr;
	if (!wire_ipv4_emit(&ip, buf, cap))
		return 0;
	return IP_HDR + len;
}
