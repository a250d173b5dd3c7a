/*
 * isn.c — RFC 6528 §3 initial sequence numbers (RFC 9293 §3.4.1) and the RFC 7323 §5.4
 * per-connection timestamp offset. See isn.h for the exact construction.
 */
#include "tcp/isn.h"

#include <string.h>

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

/* One SipRound (Aumasson and Bernstein 2012, §2). */
#define SIPROUND(v0, v1, v2, v3)                                                          \
	do {                                                                              \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                 \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                 \
	} while (0)

/* The four finalisation rounds (written out: no loop counter per round). */
#define SIPROUNDS4(v0, v1, v2, v3)                                                        \
	do {                                                                              \
		SIPROUND(v0, v1, v2, v3);                                                 \
		SIPROUND(v0, v1, v2, v3);                                                 \
		SIPROUND(v0, v1, v2, v3);                                                 \
		SIPROUND(v0, v1, v2, v3);                                                 \
	} while (0)

static uint16_t be16(uint32_t x)
{
	return (uint16_t)((x >> 8 & 0xff) | (x & 0xff) << 8);
}

/*
 * SipHash-2-4 with the 128-bit output (the SipHash paper's variant, as libsodium's
 * crypto_shorthash_siphashx24) written out for this one input, the 12 bytes laddr,
 * lport, raddr, rport in network order: one 8-byte block (laddr, lport, raddr's high
 * half) and the final block (raddr's low half, rport, the length 12 in the top byte),
 * both built from the words instead of serialised byte by byte. test_tcp_isn compares
 * it with libsodium over random keys and 4-tuples.
 */
void tcp_tuple_prf(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport, uint64_t out[2])
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull ^ 0xee;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m = (uint64_t)__builtin_bswap32(laddr) | (uint64_t)be16(lport) << 32 |
		     (uint64_t)be16(raddr >> 16) << 48;
	uint64_t b = (uint64_t)12 << 56 | (uint64_t)be16(rport) << 16 | be16(raddr & 0xffff);

	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xee;
	SIPROUNDS4(v0, v1, v2, v3);
	out[0] = v0 ^ v1 ^ v2 ^ v3;
	v1 ^= 0xdd;
	SIPROUNDS4(v0, v1, v2, v3);
	out[1] = v0 ^ v1 ^ v2 ^ v3;
}

/* The first half of the 4-tuple's PRF output: F low, the timestamp offset high */
static uint64_t isn_half(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport)
{
	uint64_t out[2];

	tcp_tuple_prf(key, laddr, lport, raddr, rport, out);
	return out[0];
}

uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns)
{
	uint32_t m = (uint32_t)(now_ns / TCP_ISN_TICK_NS); /* RFC 6528 §3: the 4 µs timer M */

	return m + (uint32_t)isn_half(key, laddr, lport, raddr, rport); /* + F(...) */
}

uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport)
{
	return (uint32_t)(isn_half(key, laddr, lport, raddr, rport) >> 32); /* RFC 7323 §5.4 */
}

void tcp_isn_pair(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		  uint32_t raddr, uint16_t rport, uint64_t now_ns, uint32_t *isn,
		  uint32_t *ts_offset)
{
	tcp_isn_from_half(isn_half(key, laddr, lport, raddr, rport), now_ns, isn, ts_offset);
}
