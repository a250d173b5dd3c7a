/*
 * test_base_keyedhash.c — base_siphash24 against the SipHash paper (Aumasson and
 * Bernstein 2012): the Appendix A example (key 00..0f, message 00..0e) and the empty-
 * message vector, then against a reference SipHash-2-4 written here from the paper's
 * description for every length 0..200 (every tail length, several blocks).
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "base/keyedhash.h"

static uint8_t key_seq[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

Test(siphash, paper_appendix_vector)
{
	uint8_t msg[15];
	uint64_t h;

	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	h = base_siphash24(key_seq, msg, sizeof(msg));
	cr_assert_eq(h, 0xa129ca6149be45e5ull, "got %#llx", (unsigned long long)h);
}

Test(siphash, empty_message_vector)
{
	uint64_t h = base_siphash24(key_seq, "", 0);

	cr_assert_eq(h, 0x726fdb47dd0e0e31ull, "got %#llx", (unsigned long long)h);
	h = base_siphash24(key_seq, NULL, 0);
	cr_assert_eq(h, 0x726fdb47dd0e0e31ull, "NULL data: got %#llx", (unsigned long long)h);
}

/* ---- reference SipHash-2-4 from the paper's §2 ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t ref_siphash24(const uint8_t k[16], const uint8_t *m, size_t len)
{
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	uint8_t last[8] = { 0 };
	size_t full = len / 8;

	for (size_t i = 0; i < full; i++) {
		uint64_t mi = le64(m + 8 * i);

		v[3] ^= mi;
		sip_round(v);
		sip_round(v);
		v[0] ^= mi;
	}
	/* final block: the remaining bytes, zero padding, length mod 256 in the top byte */
	for (size_t i = 0; i < len % 8; i++)
		last[i] = m[8 * full + i];
	last[7] = (uint8_t)len;
	uint64_t mb = le64(last);

	v[3] ^= mb;
	sip_round(v);
	sip_round(v);
	v[0] ^= mb;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

Test(siphash, reference_reproduces_paper_vectors)
{
	uint8_t msg[15];

	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	cr_assert_eq(ref_siphash24(key_seq, msg, 15), 0xa129ca6149be45e5ull);
	cr_assert_eq(ref_siphash24(key_seq, msg, 0), 0x726fdb47dd0e0e31ull);
}

Test(siphash, matches_reference_every_length)
{
	uint8_t msg[200], key[16];

	for (int i = 0; i < 200; i++)
		msg[i] = (uint8_t)(i * 37 + 11);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0xa5 ^ (i * 29));
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint64_t got = base_siphash24(key, msg, len), want = ref_siphash24(key, msg, len);

		cr_assert_eq(got, want, "len %zu: %#llx vs %#llx", len, (unsigned long long)got,
			     (unsigned long long)want);
	}
}

Test(siphash, key_matters)
{
	uint8_t k2[16];

	for (int i = 0; i < 16; i++)
		k2[i] = key_seq[i];
	k2[15] ^= 1;
	cr_assert_neq(base_siphash24(key_seq, "abc", 3), base_siphash24(k2, "abc", 3));
}
