/*
 * keyedhash.c — SipHash-2-4 (Aumasson and Bernstein 2012, §2), output read little-endian
 * as in the paper's Appendix A.
 *
 * Written out here rather than called through libsodium's crypto_shorthash_siphash24:
 * every segment hashes its 4-tuple (12 or 16 bytes), and the library call with its
 * byte-wise output conversion cost about 240 instructions per hash against about 110
 * here (docs/PERFORMANCE.md). Same function, same output: tests/unit/test_base_keyedhash.c
 * checks the paper's vectors and every length 0..200 against a reference.
 */
#include <string.h>

#include "base/keyedhash.h"

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound (§2, "SipRound"). */
#define SIPROUND(v0, v1, v2, v3)                                                          \
	do {                                                                               \
		v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);              \
		v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                                   \
		v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                                   \
		v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);              \
	} while (0)

/* The 8 bytes at p as a little-endian word (§2: "m_i ... little-endian"). */
static uint64_t load_le64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

uint64_t base_siphash24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len)
{
	static const uint8_t empty[1];
	const uint8_t *p = data ? data : empty; /* NULL only with len == 0 (contract) */
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)len << 56;     /* last block: length mod 256 in the top byte */
	size_t tail = len & 7;
	const uint8_t *end = p + (len - tail);

	for (; p != end; p += 8) {             /* compression: c = 2 rounds per word */
		uint64_t m = load_le64(p);

		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t i = 0; i < tail; i++)      /* the remaining bytes, zero padded */
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;                            /* finalization: d = 4 rounds */
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
