/* test_tcp_isn.c — RFC 6528 §3 ISNs and the RFC 7323 §5.4 timestamp offset: exact values
 * against SipHash-2-4 (128-bit output) computed here through libsodium directly, the 4 µs clock, and
 * sensitivity to every part of the 4-tuple and the key. */
#include <criterion/criterion.h>
#include <sodium.h>

#include "tcp/isn.h"

/* a == b for integers or pointers (compared as addresses), printing both on failure. */
#define assert_eq_u(a, b)                                                               \
	cr_assert_eq((unsigned long long)(a), (unsigned long long)(b),                  \
		     "%s = %llu (0x%llx), want %llu (0x%llx)", #a,                       \
		     (unsigned long long)(a), (unsigned long long)(a),                \
		     (unsigned long long)(b), (unsigned long long)(b))

static const uint8_t KEY_A[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
static const uint8_t KEY_B[16] = { 0xa5, 0x5a, 0x01, 0x10, 0x77, 0x88, 0x99, 0xaa,
				   0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x12, 0x34 };

#define L_ADDR 0x0a000001u /* 10.0.0.1 */
#define R_ADDR 0xc0a80102u /* 192.168.1.2 */
#define L_PORT 80
#define R_PORT 40000

/* 32-bit word w (0..3) of SipHash-2-4's 128-bit output (bytes read little-endian), via
 * libsodium: F is word 0, the timestamp offset word 1, the tables' hash word 2 (isn.h). */
static uint32_t sip_word(const uint8_t key[16], const uint8_t *in, size_t len, int w)
{
	unsigned char out[crypto_shorthash_siphashx24_BYTES];
	const unsigned char *p = out + 4 * w;

	crypto_shorthash_siphashx24(out, in, len, key);
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* F: the low 32 bits. */
static uint32_t sip_low32(const uint8_t key[16], const uint8_t *in, size_t len)
{
	return sip_word(key, in, len, 0);
}

/* The next 32 bits of the same output: the timestamp offset (isn.h). */
static uint32_t sip_high32(const uint8_t key[16], const uint8_t *in, size_t len)
{
	return sip_word(key, in, len, 1);
}

Test(isn, equals_independent_rfc6528_computation)
{
	/* 10.0.0.1:80 -> 192.168.1.2:40000, network byte order, local first. */
	const uint8_t tuple[12] = { 10, 0, 0, 1, 0x00, 0x50, 192, 168, 1, 2, 0x9c, 0x40 };
	uint64_t now_ns = 123456789012345ull;
	uint32_t m = (uint32_t)(now_ns / 4000u); /* 30864197253 mod 2^32 */
	uint32_t want = m + sip_low32(KEY_A, tuple, sizeof(tuple));

	assert_eq_u(m, (uint32_t)(30864197253ull & 0xffffffffu));
	cr_assert_eq(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, now_ns), want,
		     "isn %08x want %08x", tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, now_ns),
		     want);
	/* At time 0 the ISN is F itself. */
	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, 0), sip_low32(KEY_A, tuple, sizeof(tuple)));
}

Test(isn, known_key_pins_f)
{
	/* A second, independent pin: the SipHash paper's key 00..0f over this tuple. If
	 * the serialisation (order, byte order) changed, this breaks. */
	const uint8_t tuple[12] = { 10, 0, 0, 1, 0x00, 0x50, 192, 168, 1, 2, 0x9c, 0x40 };
	const uint8_t swapped[12] = { 192, 168, 1, 2, 0x9c, 0x40, 10, 0, 0, 1, 0x00, 0x50 };
	uint32_t f = tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, 0);

	assert_eq_u(f, sip_low32(KEY_A, tuple, 12));
	cr_assert_neq(f, sip_low32(KEY_A, swapped, 12));
	assert_eq_u(tcp_isn(KEY_A, R_ADDR, R_PORT, L_ADDR, L_PORT, 0), sip_low32(KEY_A, swapped, 12));
}

Test(isn, same_tuple_same_time_same_isn)
{
	uint64_t t = 5000000000ull;

	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t), tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t));
}

Test(isn, four_microseconds_advance_by_one)
{
	uint64_t t = 7000000000ull; /* a multiple of 4000 */
	uint32_t base = tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t);

	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t + 3999), base);
	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t + 4000), base + 1u);
	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t + 8000), base + 2u);
	/* One second: 250,000 ticks (RFC 6528 §3 / RFC 793's 4 µs clock). */
	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t + 1000000000ull), base + 250000u);
	/* M wraps modulo 2^32 ticks (2^32 * 4 µs): same ISN one period later. */
	assert_eq_u(tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t + 4000ull * (1ull << 32)), base);
}

Test(isn, different_tuples_and_keys_differ)
{
	uint64_t t = 1000;
	uint32_t ref = tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, t);
	uint32_t v[] = {
		tcp_isn(KEY_A, L_ADDR + 1, L_PORT, R_ADDR, R_PORT, t),
		tcp_isn(KEY_A, L_ADDR, L_PORT + 1, R_ADDR, R_PORT, t),
		tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR + 1, R_PORT, t),
		tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT + 1, t),
		tcp_isn(KEY_A, R_ADDR, R_PORT, L_ADDR, L_PORT, t), /* the reverse direction */
		tcp_isn(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT, t),
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_neq(v[i], ref, "variant %zu equals the reference %08x", i, ref);
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(v[i], v[j], "variants %zu and %zu collide", i, j);
	}
	/* Adjacent ports are not adjacent ISNs: F is not linear in the port. */
	cr_assert_neq(v[1] - ref, 1u);
}

Test(isn, ts_offset_exact_and_independent_of_isn)
{
	const uint8_t in[12] = { 10, 0, 0, 1, 0x00, 0x50, 192, 168, 1, 2, 0x9c, 0x40 };
	uint32_t off = tcp_ts_offset(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT);

	assert_eq_u(off, sip_high32(KEY_B, in, sizeof(in)));
	/* Same key and input as the ISN: the other half of the output, not F. */
	cr_assert_neq(tcp_ts_offset(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT),
		      tcp_isn(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, 0));
	/* A pure function of the 4-tuple: stable across incarnations. */
	assert_eq_u(tcp_ts_offset(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT), off);
	cr_assert_neq(tcp_ts_offset(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT + 1), off);
}

/* A fixed xorshift64 stream for the random cases below (reproducible). */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(isn, pair_equals_the_two_separate_hashes)
{
	/* tcp_isn_pair's two values are exactly the low and high halves of libsodium's
	 * SipHash-2-4 of the 12-byte tuple, in the right places, for any key and 4-tuple
	 * (10 000 random ones, each byte of key and tuple moving) */
	uint64_t rs = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 10000; i++) {
		uint8_t key[16], in[12];
		uint32_t la = (uint32_t)next_rand(&rs), ra = (uint32_t)next_rand(&rs);
		uint16_t lp = (uint16_t)next_rand(&rs), rp = (uint16_t)next_rand(&rs);
		uint64_t now = next_rand(&rs) >> 8;
		uint32_t isn = 0, off = 0;

		for (int k = 0; k < 16; k++)
			key[k] = (uint8_t)next_rand(&rs);
		in[0] = (uint8_t)(la >> 24); in[1] = (uint8_t)(la >> 16);
		in[2] = (uint8_t)(la >> 8);  in[3] = (uint8_t)la;
		in[4] = (uint8_t)(lp >> 8);  in[5] = (uint8_t)lp;
		in[6] = (uint8_t)(ra >> 24); in[7] = (uint8_t)(ra >> 16);
		in[8] = (uint8_t)(ra >> 8);  in[9] = (uint8_t)ra;
		in[10] = (uint8_t)(rp >> 8); in[11] = (uint8_t)rp;
		tcp_isn_pair(key, la, lp, ra, rp, now, &isn, &off);
		cr_assert_eq(isn, (uint32_t)(now / 4000u) + sip_low32(key, in, 12),
			     "case %d: isn %08x want %08x", i, isn,
			     (uint32_t)(now / 4000u) + sip_low32(key, in, 12));
		cr_assert_eq(off, sip_high32(key, in, 12), "case %d: offset %08x want %08x", i,
			     off, sip_high32(key, in, 12));
		assert_eq_u(tcp_isn(key, la, lp, ra, rp, now), isn);
		assert_eq_u(tcp_ts_offset(key, la, lp, ra, rp), off);
	}
}

Test(isn, pair_pins_known_values)
{
	/* KEY_A over 10.0.0.1:80 -> 192.168.1.2:40000 at time 0: F and the offset, as
	 * libsodium computes them, and not equal to each other */
	const uint8_t in[12] = { 10, 0, 0, 1, 0x00, 0x50, 192, 168, 1, 2, 0x9c, 0x40 };
	uint32_t isn = 0, off = 0;

	tcp_isn_pair(KEY_A, L_ADDR, L_PORT, R_ADDR, R_PORT, 0, &isn, &off);
	assert_eq_u(isn, sip_low32(KEY_A, in, 12));
	assert_eq_u(off, sip_high32(KEY_A, in, 12));
	cr_assert_neq(isn, off);
}

Test(isn, tuple_prf_halves_are_the_isn_and_the_table_hash)
{
	/* tcp_tuple_prf's out[0] gives tcp_isn_pair's values (tcp_isn_from_half) and
	 * out[1]'s low word is word 2 of libsodium's 128-bit output, the tables' hash */
	const uint8_t in[12] = { 10, 0, 0, 1, 0x00, 0x50, 192, 168, 1, 2, 0x9c, 0x40 };
	uint64_t out[2];
	uint32_t isn = 0, off = 0, isn2 = 0, off2 = 0;

	tcp_tuple_prf(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT, out);
	tcp_isn_from_half(out[0], 123456789ull, &isn, &off);
	tcp_isn_pair(KEY_B, L_ADDR, L_PORT, R_ADDR, R_PORT, 123456789ull, &isn2, &off2);
	assert_eq_u(isn, isn2);
	assert_eq_u(off, off2);
	assert_eq_u((uint32_t)out[1], sip_word(KEY_B, in, 12, 2));
	assert_eq_u(out[1] >> 32, sip_word(KEY_B, in, 12, 3));
	cr_assert_neq((uint32_t)out[1], (uint32_t)out[0]);
}
