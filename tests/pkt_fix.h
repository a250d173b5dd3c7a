/*
 * pkt_fix.h — helpers for tests that feed random and mutated IPv4/TCP packets
 * (header-only): a seeded xorshift generator, big-endian stores, and checksums made
 * right again after a change so that the checks behind them are reached.
 */
#ifndef SYNACK_TESTS_PKT_FIX_H
#define SYNACK_TESTS_PKT_FIX_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

/* xorshift64: the same sequence for the same seed (*state != 0). */
static inline uint32_t pf_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 16);
}

static inline void pf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pf_put32(uint8_t *p, uint32_t v)
{
	pf_put16(p, (uint16_t)(v >> 16));
	pf_put16(p + 2, (uint16_t)v);
}

/* Makes the TCP checksum of the segment behind the IPv4 header at pkt right: IHL and
 * total length from the header, the length clamped to cap; nothing when they leave no
 * room for the checksum field. */
static inline void pf_fix_tcp_csum(uint8_t *pkt, size_t cap)
{
	size_t ihl = (size_t)(pkt[0] & 15) * 4, tl = (size_t)(pkt[2] << 8 | pkt[3]);
	uint64_t sum;

	if (tl > cap)
		tl = cap;
	if (ihl < 20 || tl < ihl + 18)
		return;
	pf_put16(pkt + ihl + 16, 0);
	sum = wire_pseudo_ipv4(wire_get32(pkt + 12), wire_get32(pkt + 16), WIRE_IPPROTO_TCP,
			       (uint16_t)(tl - ihl));
	pf_put16(pkt + ihl + 16, wire_csum_fold(wire_csum_add(sum, pkt + ihl, tl - ihl)));
}

/* Makes the IPv4 header checksum right (over IHL * 4 bytes, at least 20). */
static inline void pf_fix_ip_csum(uint8_t *pkt)
{
	size_t ihl = (size_t)(pkt[0] & 15) * 4;

	pf_put16(pkt + 10, 0);
	pf_put16(pkt + 10, wire_csum(pkt, ihl < 20 ? 20 : ihl));
}

/* A TCP options area of cap bytes at o (cap a multiple of 4, at most 40) made of
 * options of every kind (EOL, NOP, MSS, WS, SACK-permitted, SACK with 0..4 blocks,
 * timestamps, unknown kinds), one in 16 with a random (often bad) length byte. */
static inline void pf_random_opts(uint64_t *rng, uint8_t *o, size_t cap)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 30, 34, 254 };
	static const uint8_t good_len[] = { 1, 1, 4, 3, 2, 10, 10, 4, 2, 6 };
	size_t i = 0;

	while (i < cap) {
		unsigned k = pf_rand(rng) % sizeof kinds;
		size_t l = good_len[k];

		if (kinds[k] == WIRE_OPT_SACK)
			l = 2 + 8 * (pf_rand(rng) % 5);
		if (pf_rand(rng) % 16 == 0)
			l = pf_rand(rng) % 12;          /* a bad length */
		o[i++] = kinds[k];
		if (kinds[k] <= WIRE_OPT_NOP)
			continue;
		if (i < cap)
			o[i++] = (uint8_t)l;
		for (size_t j = 2; j < l && i < cap; j++)
			o[i++] = (uint8_t)pf_rand(rng);
	}
}

#endif
