/*
 * test_wire_ipv4_srr.c — IPv4 options (RFC 791 §3.1): the options-area parser (EOL,
 * NOP, loose/strict source routes decoded, other kinds skipped by length), the source
 * route emitter and the header emitter with options. Golden bytes are written from
 * RFC 791's layout (type 131/137, length 3 + 4n, pointer, addresses, EOL padding as
 * Linux's ip_options_get pads); every truncation and every malformed length and
 * pointer byte gets its named error; parse and emit round-trip byte for byte.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "golden/check.h"
#include "wire/wire.h"

/* A heap copy of exactly len bytes, so ASan catches a read one byte past the area. */
static enum wire_err parse_exact(const uint8_t *p, size_t len, struct wire_ipv4_opts *o)
{
	uint8_t *q = malloc(len ? len : 1);
	enum wire_err e;

	cr_assert(q != NULL);
	if (len)
		memcpy(q, p, len);
	e = wire_ipv4_parse_opts(q, len, o);
	free(q);
	return e;
}

/* NOP, LSRR via 192.0.2.2 and 10.0.0.2 (pointer at the first), EOL: 12 bytes. */
static const uint8_t lsrr_area[12] = {
	0x01, 0x83, 0x0b, 0x04, 0xc0, 0x00, 0x02, 0x02, 0x0a, 0x00, 0x00, 0x02,
};

/* A completed SSRR as the final destination receives it: three recorded hops. */
static const uint8_t ssrr_done[16] = {
	0x89, 0x0f, 0x10, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02,
	0x03, 0x00,
};

/* 10.0.0.1 -> 192.0.2.1 (first hop) with LSRR {192.0.2.2, 10.0.0.2}, id 0x1234, DF,
 * TTL 64, TCP, 20 bytes of payload; checksum computed by hand (RFC 1071). */
static const uint8_t hdr_lsrr[32] = {
	0x48, 0x00, 0x00, 0x34, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0xcd, 0xb6, 0x0a, 0x00,
	0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x83, 0x0b, 0x04, 0xc0, 0x00, 0x02, 0x02, 0x0a,
	0x00, 0x00, 0x02, 0x00,
};

Test(ipv4_srr, parse_lsrr_after_nop)
{
	struct wire_ipv4_opts o;

	EXPECT_ERR(parse_exact(lsrr_area, sizeof lsrr_area, &o), WIRE_OK);
	EXPECT_TRUE(o.has_srr);
	EXPECT_EQ(o.other_count, 0);
	EXPECT_EQ(o.srr.type, WIRE_IPOPT_LSRR);
	EXPECT_EQ(o.srr.len, 11);
	EXPECT_EQ(o.srr.ptr, 4);
	EXPECT_EQ(o.srr.count, 2);
	EXPECT_EQ(o.srr.off, 1);
	EXPECT_EQ(o.srr.addr[0], 0xc0000202);
	EXPECT_EQ(o.srr.addr[1], 0x0a000002);
	EXPECT_FALSE(wire_ipv4_srr_done(&o.srr));
}

Test(ipv4_srr, parse_completed_ssrr)
{
	struct wire_ipv4_opts o;

	EXPECT_ERR(parse_exact(ssrr_done, sizeof ssrr_done, &o), WIRE_OK);
	EXPECT_TRUE(o.has_srr);
	EXPECT_EQ(o.srr.type, WIRE_IPOPT_SSRR);
	EXPECT_EQ(o.srr.len, 15);
	EXPECT_EQ(o.srr.ptr, 16);
	EXPECT_EQ(o.srr.count, 3);
	EXPECT_EQ(o.srr.off, 0);
	EXPECT_EQ(o.srr.addr[0], 0xc0000201);
	EXPECT_EQ(o.srr.addr[2], 0xc0000203);
	EXPECT_TRUE(wire_ipv4_srr_done(&o.srr));
}

Test(ipv4_srr, other_options_skipped_and_eol_ends_the_list)
{
	/* record route (7, len 7, ptr 4), router alert (148, len 4), timestamp (68, len 8),
	 * EOL, then bytes that would be an overrun if they were read */
	static const uint8_t area[24] = {
		0x07, 0x07, 0x04, 0, 0, 0, 0, 0x94, 0x04, 0, 0, 0x44, 0x08, 0x05, 0x00,
		0, 0, 0, 0, 0x00, 0x83, 0xff, 0x00, 0x00,
	};
	struct wire_ipv4_opts o;

	EXPECT_ERR(parse_exact(area, sizeof area, &o), WIRE_OK);
	EXPECT_FALSE(o.has_srr);
	EXPECT_EQ(o.other_count, 3);
	/* the same area without the EOL: the 0x83 with length 255 runs past the end */
	{
		uint8_t b[sizeof area];

		memcpy(b, area, sizeof b);
		b[19] = WIRE_IPOPT_NOP;
		EXPECT_ERR(parse_exact(b, sizeof b, &o), WIRE_IPOPT_OVERRUN);
	}
	EXPECT_ERR(parse_exact(area, 0, &o), WIRE_OK);
}

Test(ipv4_srr, every_truncation_fails_named)
{
	for (size_t len = 0; len <= sizeof lsrr_area; len++) {
		struct wire_ipv4_opts o;
		enum wire_err want = WIRE_IPOPT_OVERRUN;

		if (len <= 1 || len == sizeof lsrr_area)
			want = WIRE_OK;         /* empty, a lone NOP, the whole area */
		CTX("area truncated to %zu", len);
		EXPECT_ERR(parse_exact(lsrr_area, len, &o), want);
		EXPECT_EQ(o.has_srr, len == sizeof lsrr_area);
	}
	for (size_t len = 0; len < sizeof ssrr_done; len++) {
		struct wire_ipv4_opts o;

		CTX("completed route truncated to %zu", len);
		EXPECT_ERR(parse_exact(ssrr_done, len, &o),
			   len && len < 15 ? WIRE_IPOPT_OVERRUN : WIRE_OK);
	}
}

/* Every value of the length byte of an LSRR at the start of a 40-byte area. */
Test(ipv4_srr, every_length_byte)
{
	uint8_t area[40];

	for (unsigned l = 0; l < 256; l++) {
		struct wire_ipv4_opts o;
		enum wire_err want;

		memset(area, 0, sizeof area);
		area[0] = WIRE_IPOPT_LSRR;
		area[1] = (uint8_t)l;
		area[2] = 4;
		if (l < 2)
			want = WIRE_IPOPT_LEN_SHORT;
		else if (l > sizeof area)
			want = WIRE_IPOPT_OVERRUN;
		else if (l < 3 || (l - 3) % 4)
			want = WIRE_IPOPT_SRR_LEN;
		else
			want = WIRE_OK;
		CTX("length %u", l);
		EXPECT_ERR(parse_exact(area, sizeof area, &o), want);
		if (want == WIRE_OK) {
			EXPECT_EQ(o.srr.count, (l - 3) / 4);
			EXPECT_EQ(o.srr.len, l);
		}
	}
}

/* Every value of the pointer byte of an 11-byte SSRR (two addresses). */
Test(ipv4_srr, every_pointer_byte)
{
	uint8_t area[12];

	for (unsigned p = 0; p < 256; p++) {
		struct wire_ipv4_opts o;
		bool ok = p == 4 || p == 8 || p == 12;

		memcpy(area, lsrr_area + 1, 11);
		area[0] = WIRE_IPOPT_SSRR;
		area[2] = (uint8_t)p;
		area[11] = 0;
		CTX("pointer %u", p);
		EXPECT_ERR(parse_exact(area, sizeof area, &o), ok ? WIRE_OK : WIRE_IPOPT_SRR_PTR);
		if (ok)
			EXPECT_EQ(wire_ipv4_srr_done(&o.srr), p == 12);
	}
}

Test(ipv4_srr, two_source_routes_rejected)
{
	static const uint8_t two[16] = {
		0x83, 0x07, 0x04, 10, 0, 0, 9, 0x89, 0x07, 0x04, 10, 0, 0, 8, 0, 0,
	};
	static const uint8_t twice[16] = {
		0x83, 0x07, 0x04, 10, 0, 0, 9, 0x83, 0x07, 0x08, 10, 0, 0, 8, 0, 0,
	};
	struct wire_ipv4_opts o;

	EXPECT_ERR(parse_exact(two, sizeof two, &o), WIRE_IPOPT_SRR_DUP);
	EXPECT_ERR(parse_exact(twice, sizeof twice, &o), WIRE_IPOPT_SRR_DUP);
}

Test(ipv4_srr, option_length_zero_or_one)
{
	static const uint8_t a[4] = { 0x07, 0x00, 0x00, 0x00 };
	static const uint8_t b[4] = { 0x01, 0x44, 0x01, 0x00 };
	struct wire_ipv4_opts o;

	EXPECT_ERR(parse_exact(a, sizeof a, &o), WIRE_IPOPT_LEN_SHORT);
	EXPECT_ERR(parse_exact(b, sizeof b, &o), WIRE_IPOPT_LEN_SHORT);
	/* an area longer than an IPv4 header can hold is refused whole */
	{
		uint8_t big[44];

		memset(big, WIRE_IPOPT_NOP, sizeof big);
		EXPECT_ERR(parse_exact(big, sizeof big, &o), WIRE_IPOPT_OVERRUN);
		EXPECT_ERR(parse_exact(big, 40, &o), WIRE_OK);
	}
}

Test(ipv4_srr, emit_golden_and_round_trip)
{
	struct wire_ipv4_srr s = {
		.type = WIRE_IPOPT_LSRR, .ptr = 4, .count = 2,
		.addr = { 0xc0000202, 0x0a000002 },
	};
	uint8_t buf[40];
	struct wire_ipv4_opts o;

	memset(buf, 0xee, sizeof buf);
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 12);
	EXPECT_MEM(buf, lsrr_area + 1, 11);
	EXPECT_EQ(buf[11], WIRE_IPOPT_EOL);
	EXPECT_EQ(buf[12], 0xee);                      /* nothing past the padding */
	EXPECT_ERR(parse_exact(buf, 12, &o), WIRE_OK);
	EXPECT_EQ(wire_ipv4_srr_emit(&o.srr, buf + 20, 20), 12);
	EXPECT_MEM(buf + 20, buf, 12);
	/* a completed route (pointer = length + 1) emits as parsed; 3 addresses: 15 + 1 */
	EXPECT_ERR(parse_exact(ssrr_done, sizeof ssrr_done, &o), WIRE_OK);
	EXPECT_EQ(wire_ipv4_srr_emit(&o.srr, buf, sizeof buf), 16);
	EXPECT_MEM(buf, ssrr_done, 16);
	/* nine addresses fill the area: 39 bytes + one EOL */
	s.count = WIRE_SRR_MAX;
	s.ptr = 4 + 4 * 9;
	for (int i = 0; i < WIRE_SRR_MAX; i++)
		s.addr[i] = 0x0a000100u + (uint32_t)i;
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 40);
	EXPECT_EQ(buf[1], 39);
	EXPECT_EQ(buf[2], 40);
	EXPECT_EQ(buf[3 + 4 * 8 + 3], 0x08);
	EXPECT_EQ(buf[39], 0);
	EXPECT_ERR(parse_exact(buf, 40, &o), WIRE_OK);
	EXPECT_EQ(o.srr.count, 9);
	EXPECT_TRUE(wire_ipv4_srr_done(&o.srr));
}

Test(ipv4_srr, emit_refuses_bad_routes)
{
	struct wire_ipv4_srr s = {
		.type = WIRE_IPOPT_SSRR, .ptr = 4, .count = 1, .addr = { 0x0a000002 },
	};
	uint8_t buf[40];

	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, 8), 8);
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, 7), 0);   /* no room for the padding */
	s.ptr = 9;
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
	s.ptr = 12;                                     /* beyond length + 1 = 8 */
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
	s.ptr = 3;
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
	s.ptr = 4;
	s.type = 7;                                     /* record route is not a source route */
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
	s.type = WIRE_IPOPT_LSRR;
	s.count = 0;
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
	s.count = WIRE_SRR_MAX + 1;
	EXPECT_EQ(wire_ipv4_srr_emit(&s, buf, sizeof buf), 0);
}

Test(ipv4_srr, header_with_options_golden)
{
	struct wire_ipv4 ip = {
		.tos = 0, .total_len = 52, .id = 0x1234, .frag = WIRE_IP_DF, .ttl = 64,
		.proto = WIRE_IPPROTO_TCP, .src = 0x0a000001, .dst = 0xc0000201,
	};
	uint8_t buf[64], back[32];
	struct wire_ipv4 p;
	struct wire_ipv4_opts o;

	memset(buf, 0, sizeof buf);
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, (const uint8_t[]){ 0x83, 0x0b, 0x04, 0xc0, 0x00,
			0x02, 0x02, 0x0a, 0x00, 0x00, 0x02, 0x00 }, 12, buf, sizeof buf), 32);
	EXPECT_MEM(buf, hdr_lsrr, 32);
	EXPECT_TRUE(wire_ipv4_csum_ok(buf, 32));
	memset(buf + 32, 0, 20);
	EXPECT_ERR(wire_ipv4_parse(buf, 52, &p), WIRE_OK);
	EXPECT_EQ(p.hdr_len, 32);
	EXPECT_ERR(wire_ipv4_parse_opts(p.opts, p.hdr_len - 20u, &o), WIRE_OK);
	EXPECT_EQ(o.srr.addr[1], 0x0a000002);
	/* options may already sit in place (memmove) */
	memcpy(back, hdr_lsrr, sizeof back);
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, back + 20, 12, back, sizeof back), 32);
	EXPECT_MEM(back, hdr_lsrr, 32);
	/* refused: not a multiple of 4, above 40, no room */
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, lsrr_area, 11, buf, sizeof buf), 0);
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, buf, 44, buf, sizeof buf), 0);
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, lsrr_area, 12, buf, 31), 0);
	/* no options: the 20-byte header of wire_ipv4_emit */
	EXPECT_EQ(wire_ipv4_emit_opts(&ip, NULL, 0, buf, 20), 20);
	EXPECT_EQ(buf[0], 0x45);
}

Test(ipv4_srr, strerror_names)
{
	cr_assert_str_eq(wire_strerror(WIRE_IPOPT_SRR_PTR), "ip: bad source route pointer");
	cr_assert_str_eq(wire_strerror(WIRE_IPOPT_SRR_DUP), "ip: more than one source route");
	for (int e = 0; e < WIRE_ERR_COUNT; e++)
		cr_assert_str_neq(wire_strerror((enum wire_err)e), "unknown", "error %d", e);
}
