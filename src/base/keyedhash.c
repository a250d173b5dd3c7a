/*
 * keyedhash.c — SipHash-2-4 through libsodium (crypto_shorthash_siphash24), output read
 * little-endian as in the SipHash paper (Aumasson and Bernstein 2012, Appendix A).
 */
#include <sodium.h>
#include <string.h>

#include "base/keyedhash.h"

uint64_t base_siphash24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len)
{
	static const uint8_t empty[1];
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t v;

	if (!data)
		data = empty; /* len == 0 by contract; libsodium wants a valid pointer */
	crypto_shorthash_siphash24(out, data, (unsigned long long)len, key);
	memcpy(&v, out, sizeof v);      /* one load; the bytes are little-endian */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}
