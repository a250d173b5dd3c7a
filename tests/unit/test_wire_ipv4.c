/*
 * test_wire_ipv4.c — IPv4 header parse/emit (RFC 791 §3.1) on packets Linux sent
 * (tests/golden/linux_packets.h, from tests/golden/capture.sh): exact fields as tshark
 * decodes them, emit gives the captured bytes back, every truncation fails with its
 * named error, and each malformed field with its own.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "golden/linux_packets.h"
#include "golden/check.h"
#include "wire/wire.h"

/* A heap copy of exactly len bytes, so ASan catches a read one byte past the input. */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	cr_assert(q != NULL);
	if (len)
		memcpy(q, p, len);
	return q;
}

static enum wire_err parse_exact(const uint8_t *p, size_t len, struct wire_ipv4 *ip)
{
	uint8_t *q = dup_exact(p, len);
	enum wire_err e = wire_ipv4_parse(q, len, ip);

	free(q);
	return e;
}

/* Values from `tshark -T fields -e ip.*` on tests/golden/linux.pcap. */
Test(ipv4, parse_linux_syn)
{
	struct wire_ipv4 ip;

	EXPECT_ERR(wire_ipv4_parse(syn_full, sizeof(syn_full), &ip), WIRE_OK);
	EXPECT_EQ(ip.hdr_len, 20);
	EXPECT_EQ(ip.tos, 0);
	EXPECT_EQ(ip.total_len, 60);
	EXPECT_EQ(ip.id, 0x1a5c);
	EXPECT_EQ(ip.frag, WIRE_IP_DF);
	EXPECT_EQ(ip.ttl, 64);
	EXPECT_EQ(ip.proto, WIRE_IPPROTO_TCP);
	EXPECT_EQ(ip.csum, 0x0c4c);
	EXPECT_EQ(ip.src, 0x0a090001); /* 10.9.0.1 */
	EXPECT_EQ(ip.dst, 0x0a090002); /* 10.9.0.2 */
	cr_assert(ip.opts == syn_full + 20);
	EXPECT_FALSE(wire_ipv4_is_fragment(&ip));
	EXPECT_TRUE(wire_ipv4_csum_ok(syn_full, ip.hdr_len));
}

Test(ipv4, parse_linux_synack_id_zero)
{
	struct wire_ipv4 ip;

	EXPECT_ERR(wire_ipv4_parse(synack_full, sizeof(synack_full), &ip), WIRE_OK);
	EXPECT_EQ(ip.id, 0); /* Linux's SYN-ACK with DF: id 0 */
	EXPECT_EQ(ip.csum, 0x26a8);
	EXPECT_EQ(ip.src, 0x0a090002);
	EXPECT_EQ(ip.dst, 0x0a090001);
	EXPECT_TRUE(wire_ipv4_csum_ok(synack_full, ip.hdr_len));
}

Test(ipv4, parse_linux_record_route_options)
{
	/* frame 37: IP_OPTIONS record route; IHL 7, options 07 07 08 0a090001 00 */
	static const uint8_t opts[8] = { 0x07, 0x07, 0x08, 0x0a, 0x09, 0x00, 0x01, 0x00 };
	struct wire_ipv4 ip;

	EXPECT_ERR(wire_ipv4_parse(syn_ipopts, sizeof(syn_ipopts), &ip), WIRE_OK);
	EXPECT_EQ(ip.hdr_len, 28);
	EXPECT_EQ(ip.total_len, 68);
	EXPECT_EQ(ip.id, 0xddd6);
	EXPECT_EQ(ip.csum, 0x2db8);
	cr_assert(ip.opts == syn_ipopts + 20);
	EXPECT_MEM(ip.opts, opts, 8);
	EXPECT_TRUE(wire_ipv4_csum_ok(syn_ipopts, ip.hdr_len));
	/* and Linux's SYN-ACK echoing it (frame 38) */
	EXPECT_ERR(wire_ipv4_parse(synack_ipopts, sizeof(synack_ipopts), &ip), WIRE_OK);
	EXPECT_EQ(ip.hdr_len, 28);
	EXPECT_EQ(ip.csum, 0x0b8f);
	EXPECT_TRUE(wire_ipv4_csum_ok(synack_ipopts, ip.hdr_len));
}

Test(ipv4, parse_linux_fragments)
{
	struct wire_ipv4 ip;

	/* frame 61: first fragment of a 3000-byte UDP datagram: MF, offset 0, 1500 bytes */
	EXPECT_ERR(wire_ipv4_parse(frag_first, sizeof(frag_first), &ip), WIRE_OK);
	EXPECT_EQ(ip.total_len, 1500);
	EXPECT_EQ(ip.id, 0x4948);
	EXPECT_EQ(ip.frag, WIRE_IP_MF);
	EXPECT_EQ(ip.proto, 17);
	EXPECT_TRUE(wire_ipv4_is_fragment(&ip));
	EXPECT_TRUE(wire_ipv4_csum_ok(frag_first, 20));
	/* frame 63: last fragment: no MF, offset 370 * 8 = 2960 */
	EXPECT_ERR(wire_ipv4_parse(frag_last, sizeof(frag_last), &ip), WIRE_OK);
	EXPECT_EQ(ip.total_len, 68);
	EXPECT_EQ(ip.frag & WIRE_IP_OFFMASK, 370);
	EXPECT_EQ(ip.frag & (WIRE_IP_MF | WIRE_IP_DF), 0);
	EXPECT_TRUE(wire_ipv4_is_fragment(&ip));
}

/* emit(parse(p)) gives p's 20-byte header back, checksum included. */
Test(ipv4, emit_round_trip_linux)
{
	static const struct { const uint8_t *p; size_t len; } c[] = {
		{ syn_full, sizeof(syn_full) }, { synack_full, sizeof(synack_full) },
		{ data_full, sizeof(data_full) }, { rst_refused, sizeof(rst_refused) },
		{ frag_first, sizeof(frag_first) }, { frag_last, sizeof(frag_last) },
		{ sack3, sizeof(sack3) },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct wire_ipv4 ip;
		uint8_t out[20];

		EXPECT_ERR(wire_ipv4_parse(c[i].p, c[i].len, &ip), WIRE_OK);
		memset(out, 0xee, sizeof(out));
		EXPECT_EQ(wire_ipv4_emit(&ip, out, sizeof(out)), 20);
		CTX("packet %zu", i);
		EXPECT_MEM(out, c[i].p, 20);
	}
}

Test(ipv4, emit_computes_checksum_and_refuses_small_buffer)
{
	struct wire_ipv4 ip = {
		.tos = 0x10, .total_len = 40, .id = 0x1234, .frag = WIRE_IP_DF, .ttl = 64,
		.proto = WIRE_IPPROTO_TCP, .csum = 0xdead, .src = 0xc0a80001, .dst = 0xc0a80002,
		.hdr_len = 60, /* ignored */
	};
	static const uint8_t want[20] = {
		0x45, 0x10, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
		0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
	};
	uint8_t out[20], w[20];

	memcpy(w, want, 20);
	w[10] = (uint8_t)(wire_csum(want, 20) >> 8);
	w[11] = (uint8_t)wire_csum(want, 20);
	EXPECT_EQ(wire_ipv4_emit(&ip, out, sizeof(out)), 20);
	EXPECT_MEM(out, w, 20);
	EXPECT_TRUE(wire_ipv4_csum_ok(out, 20));
	EXPECT_EQ(wire_ipv4_emit(&ip, out, 19), 0);
	EXPECT_EQ(wire_ipv4_emit(&ip, out, 0), 0);
}

/* RFC 1071 §4.1's reference loop: 16-bit big-endian words, carries folded back. */
static uint16_t ref_csum16(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The header wire_ipv4_emit20 must write, byte by byte, with the reference checksum. */
static void ref_header(const struct wire_ipv4 *ip, uint8_t out[20])
{
	uint16_t c;

	memset(out, 0, 20);
	out[0] = 0x45;
	out[1] = ip->tos;
	out[2] = (uint8_t)(ip->total_len >> 8);
	out[3] = (uint8_t)ip->total_len;
	out[4] = (uint8_t)(ip->id >> 8);
	out[5] = (uint8_t)ip->id;
	out[6] = (uint8_t)(ip->frag >> 8);
	out[7] = (uint8_t)ip->frag;
	out[8] = ip->ttl;
	out[9] = ip->proto;
	for (int i = 0; i < 4; i++) {
		out[12 + i] = (uint8_t)(ip->src >> (24 - 8 * i));
		out[16 + i] = (uint8_t)(ip->dst >> (24 - 8 * i));
	}
	c = ref_csum16(out, 20);
	out[10] = (uint8_t)(c >> 8);
	out[11] = (uint8_t)c;
}

/* The checksum from the field values (wire_ipv4_emit20, used by wire_ipv4_emit and by
 * every packet the engine sends through ip_emit) writes exactly what the reference loop
 * and the general writer (wire_ipv4_emit_opts, no options) write: random headers, and
 * each one again with the ID chosen so the word sum is a multiple of 0xffff (the
 * checksum 0x0000 case, where a wrong fold would give 0xffff). */
Test(ipv4, emit20_from_values_equals_reference_and_general_writer)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned zero_csums = 0;

	for (int i = 0; i < 20000; i++) {
		struct wire_ipv4 ip;
		uint8_t want[20], a[20], b[20], c[20];

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memset(&ip, 0, sizeof ip);
		ip.tos = (uint8_t)x;
		ip.total_len = (uint16_t)(x >> 8);
		ip.id = (uint16_t)(x >> 24);
		ip.frag = (i & 1) ? WIRE_IP_DF : (uint16_t)(x >> 40);
		ip.ttl = (uint8_t)(x >> 56);
		ip.proto = (i & 2) ? WIRE_IPPROTO_TCP : (uint8_t)(x >> 48);
		ip.src = (uint32_t)(x * 0xff51afd7ed558ccdull >> 32);
		ip.dst = (uint32_t)(x * 0xc4ceb9fe1a85ec53ull >> 32);
		if (i & 4) {
			/* make the 16-bit sum of all words but the ID equal to -ID */
			uint32_t s = 0;

			ip.id = 0;
			ref_header(&ip, want);
			s = (uint16_t)~(uint16_t)(want[10] << 8 | want[11]);
			ip.id = (uint16_t)(0xffff - s);
		}
		ref_header(&ip, want);
		zero_csums += !want[10] && !want[11];
		memset(a, 0xee, 20);
		memset(b, 0xee, 20);
		memset(c, 0xee, 20);
		wire_ipv4_emit20(a, ip.tos, ip.total_len, ip.id, ip.frag, ip.ttl, ip.proto,
				 ip.src, ip.dst);
		EXPECT_EQ(wire_ipv4_emit(&ip, b, 20), 20);
		EXPECT_EQ(wire_ipv4_emit_opts(&ip, NULL, 0, c, 20), 20);
		CTX("header %d", i);
		EXPECT_MEM(a, want, 20);
		EXPECT_MEM(b, want, 20);
		EXPECT_MEM(c, want, 20);
	}
	/* the constructed IDs did reach the zero checksum (else the test proves less) */
	EXPECT_TRUE(zero_csums >= 2000);
}

/* What a truncation of a valid packet to len bytes must report. */
static enum wire_err expect_trunc(size_t len, size_t hdr_len)
{
	if (len < 20)
		return WIRE_IP_TRUNCATED;
	if (len < hdr_len)
		return WIRE_IP_IHL;
	return WIRE_IP_TOTAL_LEN;
}

Test(ipv4, every_truncation_fails_named)
{
	static const struct { const uint8_t *p; size_t len; } c[] = {
		{ syn_full, sizeof(syn_full) }, { syn_ipopts, sizeof(syn_ipopts) },
		{ data_nots, sizeof(data_nots) }, { rst_refused, sizeof(rst_refused) },
		{ frag_first, sizeof(frag_first) },
	};
	size_t i, len;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t hl = (size_t)(c[i].p[0] & 15) * 4;

		for (len = 0; len < c[i].len; len++) {
			struct wire_ipv4 ip;

			CTX("packet %zu truncated to %zu", i, len);
			EXPECT_ERR(parse_exact(c[i].p, len, &ip), expect_trunc(len, hl));
		}
		{
			struct wire_ipv4 ip;

			EXPECT_ERR(parse_exact(c[i].p, c[i].len, &ip), WIRE_OK);
		}
	}
}

Test(ipv4, link_padding_ignored)
{
	/* Ethernet pads short frames: bytes past total_len are not payload. */
	uint8_t buf[sizeof(rst_refused) + 6];
	struct wire_ipv4 ip;

	memcpy(buf, rst_refused, sizeof(rst_refused));
	memset(buf + sizeof(rst_refused), 0, 6);
	EXPECT_ERR(wire_ipv4_parse(buf, sizeof(buf), &ip), WIRE_OK);
	EXPECT_EQ(ip.total_len, 40);
	EXPECT_EQ(ip.hdr_len, 20);
}

Test(ipv4, bad_version)
{
	uint8_t buf[sizeof(syn_full)];
	struct wire_ipv4 ip;
	unsigned v;

	for (v = 0; v < 16; v++) {
		memcpy(buf, syn_full, sizeof(buf));
		buf[0] = (uint8_t)(v << 4 | 5);
		CTX("version %u", v);
		EXPECT_ERR(wire_ipv4_parse(buf, sizeof(buf), &ip), v == 4 ? WIRE_OK : WIRE_IP_VERSION);
	}
}

Test(ipv4, bad_ihl)
{
	uint8_t buf[sizeof(syn_full)];
	struct wire_ipv4 ip;
	unsigned ihl;

	for (ihl = 0; ihl < 16; ihl++) {
		enum wire_err want = WIRE_OK;

		memcpy(buf, syn_full, sizeof(buf));
		buf[0] = (uint8_t)(0x40 | ihl);
		if (ihl < 5 || ihl * 4 > sizeof(buf))
			want = WIRE_IP_IHL;
		CTX("ihl %u", ihl);
		EXPECT_ERR(wire_ipv4_parse(buf, sizeof(buf), &ip), want);
		if (want == WIRE_OK)
			EXPECT_EQ(ip.hdr_len, ihl * 4);
	}
	/* IHL 15 (60 bytes) with 60 bytes present parses: options skipped whole */
	memcpy(buf, syn_full, sizeof(buf));
	buf[0] = 0x4f;
	EXPECT_ERR(wire_ipv4_parse(buf, sizeof(buf), &ip), WIRE_OK);
	EXPECT_EQ(ip.hdr_len, 60);
}

Test(ipv4, bad_total_len)
{
	uint8_t buf[sizeof(syn_ipopts)];
	struct wire_ipv4 ip;
	unsigned tl;

	for (tl = 0; tl < 200; tl++) {
		enum wire_err want = WIRE_OK;

		memcpy(buf, syn_ipopts, sizeof(buf));
		buf[2] = (uint8_t)(tl >> 8);
		buf[3] = (uint8_t)tl;
		if (tl < 28 || tl > sizeof(buf))
			want = WIRE_IP_TOTAL_LEN;
		CTX("total %u", tl);
		EXPECT_ERR(wire_ipv4_parse(buf, sizeof(buf), &ip), want);
		if (want == WIRE_OK)
			EXPECT_EQ(ip.total_len, tl);
	}
}

Test(ipv4, checksum_detects_every_bit_flip)
{
	uint8_t h[28];
	size_t bit;

	memcpy(h, syn_ipopts, sizeof(h));
	EXPECT_TRUE(wire_ipv4_csum_ok(h, sizeof(h)));
	for (bit = 0; bit < sizeof(h) * 8; bit++) {
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CTX("bit %zu", bit);
		EXPECT_FALSE(wire_ipv4_csum_ok(h, sizeof(h)));
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

Test(ipv4, strerror_names)
{
	cr_assert_str_eq(wire_strerror(WIRE_IP_IHL), "ip: bad header length");
	cr_assert_str_eq(wire_strerror(WIRE_ERR_COUNT), "unknown");
}
