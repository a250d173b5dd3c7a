/*
 * fuzz_wire.c — libFuzzer target for src/wire: the input is parsed as an IPv4 packet
 * and its TCP segment (or, when it is not IPv4, as a bare TCP segment and as a bare
 * options area). Whatever parses is checked against the input bytes, emitted, and the
 * emitted bytes re-parsed: the two parses must agree field for field and the emitted
 * checksums must verify. Any disagreement abort()s, which libFuzzer reports as a crash.
 * The checksum is also compared with a plain 16-bit reference sum of the same bytes.
 *
 * Seeds: tests/fuzz/corpus/fuzz_wire/ (golden packets from tests/golden/).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                   \
	do {                         \
		if (!(c))            \
			abort();     \
	} while (0)

static uint8_t out[65536 + 64];

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 §4.1, 16 bits at a time. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void require_same_opts(const struct wire_tcp_opts *a, const struct wire_tcp_opts *b)
{
	REQUIRE(a->present == b->present);
	REQUIRE(a->mss == b->mss && a->wscale == b->wscale);
	REQUIRE(a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr);
	REQUIRE(a->sack_count == b->sack_count);
	REQUIRE(memcmp(a->sack, b->sack, sizeof(a->sack[0]) * a->sack_count) == 0);
}

/* seg[0..len) parsed into *t: check it against the bytes, then emit and re-parse. */
static void fuzz_tcp(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
	struct wire_tcp t, back;
	size_t n;

	if (wire_tcp_parse(seg, len, &t) != WIRE_OK)
		return;
	REQUIRE(t.hdr_len >= 20 && t.hdr_len <= 60 && t.hdr_len <= len);
	REQUIRE(t.payload == seg + t.hdr_len && t.payload_len == len - t.hdr_len);
	REQUIRE(t.opt.sack_count <= WIRE_SACK_MAX);
	REQUIRE(t.flags == seg[13] && t.reserved == (seg[12] & 15));

	n = wire_tcp_emit(&t, src, dst, t.payload, t.payload_len, out, sizeof(out));
	if (wire_tcp_opts_len(&t.opt) > 40 || len > 65535) {
		REQUIRE(n == 0);
		return;
	}
	REQUIRE(n == 20 + wire_tcp_opts_len(&t.opt) + t.payload_len);
	REQUIRE(wire_tcp_csum_ok(src, dst, out, n));
	REQUIRE(wire_tcp_parse(out, n, &back) == WIRE_OK);
	REQUIRE(back.sport == t.sport && back.dport == t.dport);
	REQUIRE(back.seq == t.seq && back.ack == t.ack);
	REQUIRE(back.flags == t.flags && back.reserved == t.reserved);
	REQUIRE(back.win == t.win && back.urp == t.urp);
	REQUIRE(back.payload_len == t.payload_len);
	REQUIRE(memcmp(back.payload, t.payload, t.payload_len) == 0);
	require_same_opts(&back.opt, &t.opt);
	/* a second emit of the re-parsed segment is byte-identical: emit is canonical */
	{
		static uint8_t out2[sizeof(out)];

		REQUIRE(wire_tcp_emit(&back, src, dst, back.payload, back.payload_len, out2,
				      sizeof(out2)) == n);
		REQUIRE(memcmp(out, out2, n) == 0);
	}
}

/* The options area: a parsed source route lies inside the area and starts with its
 * type byte; emitting it gives the same bytes back; the header with its options emits
 * and re-parses with the same length and a good checksum. */
static void fuzz_ipv4_opts(const uint8_t *data, const struct wire_ipv4 *ip)
{
	size_t olen = (size_t)ip->hdr_len - 20;
	struct wire_ipv4_opts o, back;
	struct wire_ipv4 copy = *ip, re;
	enum wire_err e = wire_ipv4_parse_opts(ip->opts, olen, &o);

	REQUIRE(e == WIRE_OK || (e >= WIRE_IPOPT_OVERRUN && e < WIRE_ERR_COUNT));
	copy.total_len = ip->hdr_len;
	REQUIRE(wire_ipv4_emit_opts(&copy, ip->opts, olen, out, sizeof(out)) ==
		(olen % 4 ? 0 : ip->hdr_len));
	if (olen % 4 == 0) {
		REQUIRE(wire_ipv4_csum_ok(out, ip->hdr_len));
		REQUIRE(wire_ipv4_parse(out, ip->hdr_len, &re) == WIRE_OK);
		REQUIRE(re.hdr_len == ip->hdr_len && memcmp(out + 20, data + 20, olen) == 0);
	}
	if (e != WIRE_OK || !o.has_srr)
		return;
	REQUIRE((size_t)o.srr.off + o.srr.len <= olen);
	REQUIRE(data[20 + o.srr.off] == o.srr.type && o.srr.len == 3 + 4 * o.srr.count);
	REQUIRE(o.srr.ptr >= 4 && o.srr.ptr <= o.srr.len + 1);
	if (!o.srr.count) {
		REQUIRE(wire_ipv4_srr_emit(&o.srr, out, sizeof(out)) == 0);
		return;
	}
	REQUIRE(wire_ipv4_srr_emit(&o.srr, out, sizeof(out)) == ((o.srr.len + 3u) & ~3u));
	REQUIRE(memcmp(out, data + 20 + o.srr.off, o.srr.len) == 0);
	REQUIRE(wire_ipv4_parse_opts(out, (o.srr.len + 3u) & ~3u, &back) == WIRE_OK);
	REQUIRE(back.has_srr && back.srr.ptr == o.srr.ptr && back.srr.count == o.srr.count);
	REQUIRE(memcmp(back.srr.addr, o.srr.addr, 4 * o.srr.count) == 0);
}

static void fuzz_ipv4(const uint8_t *data, size_t size, const struct wire_ipv4 *ip)
{
	struct wire_ipv4 copy = *ip, back;
	size_t pay = (size_t)ip->total_len - ip->hdr_len;

	REQUIRE(ip->hdr_len >= 20 && ip->hdr_len <= ip->total_len && ip->total_len <= size);
	REQUIRE(ip->opts == data + 20);
	fuzz_ipv4_opts(data, ip);
	/* emit writes 20 bytes, no options: the packet shrinks by the options' length */
	copy.total_len = (uint16_t)(pay + 20);
	REQUIRE(wire_ipv4_emit(&copy, out, sizeof(out)) == 20);
	memcpy(out + 20, data + ip->hdr_len, pay);
	REQUIRE(wire_ipv4_csum_ok(out, 20));
	REQUIRE(wire_ipv4_parse(out, 20 + pay, &back) == WIRE_OK);
	REQUIRE(back.hdr_len == 20 && back.total_len == copy.total_len);
	REQUIRE(back.tos == ip->tos && back.id == ip->id && back.frag == ip->frag);
	REQUIRE(back.ttl == ip->ttl && back.proto == ip->proto);
	REQUIRE(back.src == ip->src && back.dst == ip->dst);
	REQUIRE(wire_ipv4_is_fragment(&back) == wire_ipv4_is_fragment(ip));
	if (ip->proto == WIRE_IPPROTO_TCP && !wire_ipv4_is_fragment(ip))
		fuzz_tcp(data + ip->hdr_len, pay, ip->src, ip->dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_ipv4 ip;
	struct wire_tcp_opts o;
	enum wire_err e;

	REQUIRE(wire_csum(data, size) == ref_csum(data, size));
	e = wire_ipv4_parse(data, size, &ip);
	REQUIRE(e >= WIRE_OK && e < WIRE_ERR_COUNT);
	if (e == WIRE_OK) {
		fuzz_ipv4(data, size, &ip);
		return 0;
	}
	fuzz_tcp(data, size, 0x0a000001, 0x0a000002);
	e = wire_tcp_parse_opts(data, size < 40 ? size : 40, &o);
	REQUIRE(e == WIRE_OK || (e >= WIRE_OPT_LEN_SHORT && e < WIRE_ERR_COUNT));
	if (e == WIRE_OK)
		REQUIRE(o.sack_count <= WIRE_SACK_MAX);
	return 0;
}
