/*
 * rfc6056_ref.h — RFC 6056 §3.3.4 Algorithm 4 (double-hash ephemeral ports) as synack
 * specifies it in src/tcp/ephemeral.h, written again here for the tests from the RFC's
 * pseudo-code and that specification, with libsodium's SipHash called directly (not
 * through base_siphash24 or ephemeral.c):
 *
 *   h      = SipHash-2-4(key = secret[0..15], laddr | raddr | rport | 'P'), big-endian
 *            fields, output read little-endian
 *   offset = h >> 32, index = h mod 4096
 *   port   = lo + (offset + table[index]) mod (hi - lo + 1); table[index]++ (mod 2^16)
 *
 * struct ref6056 is the test's own copy of table[]: a test that knows which candidates
 * the stack must skip calls ref_next() once per candidate, as the RFC's loop does.
 */
#ifndef SYNACK_TEST_RFC6056_REF_H
#define SYNACK_TEST_RFC6056_REF_H

#include <sodium.h>
#include <stdint.h>

#define REF_TABLE 4096u

struct ref6056 {
	uint16_t table[REF_TABLE];
};

static inline uint64_t ref_hash(const uint8_t key[16], uint32_t laddr, uint32_t raddr,
				uint16_t rport)
{
	unsigned char in[11], out[crypto_shorthash_siphash24_BYTES];
	uint64_t h = 0;

	for (int i = 0; i < 4; i++) {
		in[i] = (unsigned char)(laddr >> (24 - 8 * i));
		in[4 + i] = (unsigned char)(raddr >> (24 - 8 * i));
	}
	in[8] = (unsigned char)(rport >> 8);
	in[9] = (unsigned char)rport;
	in[10] = 'P';
	crypto_shorthash_siphash24(out, in, sizeof in, key);
	for (int i = 7; i >= 0; i--)
		h = h << 8 | out[i];
	return h;
}

/* The next candidate for laddr -> raddr:rport over lo..hi; advances the counter. */
static inline uint16_t ref_next(struct ref6056 *r, const uint8_t key[16], uint32_t laddr,
				uint32_t raddr, uint16_t rport, uint16_t lo, uint16_t hi)
{
	uint64_t h = ref_hash(key, laddr, raddr, rport);
	uint16_t *t = &r->table[h % REF_TABLE];
	uint32_t num = (uint32_t)(hi - lo) + 1;
	uint16_t port = (uint16_t)(lo + ((h >> 32) + *t) % num);

	(*t)++;
	return port;
}

/* index (G) of a destination, to know which destinations share a counter */
static inline unsigned ref_index(const uint8_t key[16], uint32_t laddr, uint32_t raddr,
				 uint16_t rport)
{
	return (unsigned)(ref_hash(key, laddr, raddr, rport) % REF_TABLE);
}

#endif
