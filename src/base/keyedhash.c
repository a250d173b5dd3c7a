/*
 * keyedhash.c — SipHash-2-4 through libsodium (crypto_shorthash_siphash24 and, for the
 * 128-bit output, crypto_shorthash_siphashx24), output read little-endian as in the
 * SipHash paper (Aumasson and Bernstein 2012, Appendix A).
 */
#include <sodium.h>
#include <string.h>

#include "base/keyedhash.h"

static uint64_t le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);        /* one load; the bytes are little-endian */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

uint64_t base_siphash24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len)
{
	static const uint8_t empty[1];
	unsigned char out[crypto_shorthash_siphash24_BYTES];

	if (!data)
		data = empty; /* len == 0 by contract; libsodium wants a valid pointer */
	crypto_shorthash_siphash24(out, data, (unsigned long long)len, key);
	return le64(out);
}

void base_siphashx24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len,
		     uint64_t out[2])
{
	static const uint8_t empty[1];
	unsigned char h[crypto_shorthash_siphashx24_BYTES];

	if (!data)
		data = empty;
	crypto_shorthash_siphashx24(h, data, (unsigned long long)len, key);
	out[0] = le64(h);
	out[1] = le64(h + 8);
}
