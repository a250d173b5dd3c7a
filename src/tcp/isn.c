/*
 * isn.c — RFC 6528 §3 initial sequence numbers (RFC 9293 §3.4.1) and the RFC 7323 §5.4
 * per-connection timestamp offset. See isn.h for the exact construction.
 *
 * F (12 bytes of 4-tuple) and the offset (the same 12 bytes and a domain byte) are both
 * SipHash-2-4 under one key, and SipHash reads its input 8 bytes at a time: the first
 * block of the two inputs is the same, so tcp_isn_pair runs the key set-up and that
 * block once and forks only for the last block and the finalisation (the SipHash paper,
 * Aumasson and Bernstein 2012, §2). SipHash is written out here for these two fixed
 * lengths (no generic call through libsodium's PLT); the outputs are bit for bit
 * libsodium's crypto_shorthash_siphash24 (test_tcp_isn checks them against it).
 */
#include "tcp/isn.h"

#include <stdbool.h>

#define TUPLE_BYTES 12
#define TS_DOMAIN 0x54 /* 'T': separates the timestamp offset from F */

/* The connection identifier, F's input, is 12 bytes: laddr, lport, raddr, rport, all
 * big-endian (network order); tuple_words below reads them straight from the values. */

/* ---- SipHash-2-4 for the two fixed-length inputs (paper §2) ---------------------- */

struct sip {
	uint64_t v0, v1, v2, v3;
};

static uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian load of 8 key bytes (GCC and clang turn this into one load). */
static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* The tuple bytes of put_tuple read as SipHash reads them: bytes 0..7 as the first
 * little-endian message word (*m0), bytes 8..11 as the low half of the last (*tail). */
static inline void tuple_words(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
			       uint64_t *m0, uint64_t *tail)
{
	*m0 = (uint64_t)(laddr >> 24) | (uint64_t)(laddr >> 16 & 0xff) << 8 |
	      (uint64_t)(laddr >> 8 & 0xff) << 16 | (uint64_t)(laddr & 0xff) << 24 |
	      (uint64_t)(lport >> 8) << 32 | (uint64_t)(lport & 0xff) << 40 |
	      (uint64_t)(raddr >> 24) << 48 | (uint64_t)(raddr >> 16 & 0xff) << 56;
	*tail = (uint64_t)(raddr >> 8 & 0xff) | (uint64_t)(raddr & 0xff) << 8 |
		(uint64_t)(rport >> 8) << 16 | (uint64_t)(rport & 0xff) << 24;
}

/* One SipRound (paper §2, Figure 2.1); the callers repeat it c = 2 and d = 4 times. */
static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

/* Initialisation with the key, then the compression of message word m (c = 2). */
static inline void sip_start(struct sip *s, const uint8_t key[TCP_ISN_KEY_BYTES], uint64_t m)
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ull;
	s->v1 = k1 ^ 0x646f72616e646f6dull;
	s->v2 = k0 ^ 0x6c7967656e657261ull;
	s->v3 = k1 ^ 0x7465646279746573ull ^ m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* The last word (tail bytes and the length in the top byte), then finalisation (d = 4). */
static inline uint64_t sip_finish(struct sip s, uint64_t last)
{
	s.v3 ^= last;
	sip_round(&s);
	sip_round(&s);
	s.v0 ^= last;
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* ---- the public functions ------------------------------------------------------ */

/* SipHash-2-4 under key of the 12-byte tuple, plus the domain byte when with_domain. */
static uint64_t sip_tuple(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
			  uint32_t raddr, uint16_t rport, bool with_domain)
{
	uint64_t m0, tail;
	struct sip s;

	tuple_words(laddr, lport, raddr, rport, &m0, &tail);
	if (with_domain)
		tail |= (uint64_t)TS_DOMAIN << 32;      /* byte 12 */
	sip_start(&s, key, m0);
	return sip_finish(s, tail | (uint64_t)(TUPLE_BYTES + with_domain) << 56);
}

uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns)
{
	uint32_t m = (uint32_t)(now_ns / TCP_ISN_TICK_NS); /* RFC 6528 §3: the 4 µs timer M */

	return m + (uint32_t)sip_tuple(key, laddr, lport, raddr, rport, false); /* + F */
}

uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport)
{
	return (uint32_t)sip_tuple(key, laddr, lport, raddr, rport, true); /* RFC 7323 §5.4 */
}

void tcp_isn_pair(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		  uint32_t raddr, uint16_t rport, uint64_t now_ns, uint32_t *isn,
		  uint32_t *ts_offset)
{
	uint64_t m0, tail;
	struct sip s;

	tuple_words(laddr, lport, raddr, rport, &m0, &tail);
	sip_start(&s, key, m0);                         /* bytes 0..7, shared */
	/* RFC 6528 §3: M + F, F over the 12 bytes */
	*isn = (uint32_t)(now_ns / TCP_ISN_TICK_NS) +
	       (uint32_t)sip_finish(s, tail | (uint64_t)TUPLE_BYTES << 56);
	/* RFC 7323 §5.4: over the 13 bytes (the domain byte is byte 12) */
	*ts_offset = (uint32_t)sip_finish(s, tail | (uint64_t)TS_DOMAIN << 32 |
						  (uint64_t)(TUPLE_BYTES + 1) << 56);
}
