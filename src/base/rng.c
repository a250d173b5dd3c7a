/*
 * rng.c — xoshiro256** 1.0 seeded by splitmix64 (definitions in rng.h's references),
 * and unbiased bounded integers by Lemire's method ("Fast Random Integer Generation in
 * an Interval", ACM TOMACS 2019).
 */
#include "base/rng.h"

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t sm = seed;

	/* splitmix64 never yields four zero words, so the state is never all-zero. */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64_next(&sm);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	uint64_t m;
	uint32_t low;

	if (n == 0)
		return 0;
	/* Multiply a 32-bit draw by n: the high word is the result. Draws whose low word
	 * falls below 2^32 mod n would over-represent some results; they are rejected. */
	m = (rng_next(r) >> 32) * n;
	low = (uint32_t)m;
	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;

		while (low < threshold) {
			m = (rng_next(r) >> 32) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}
