/*
 * rng.h — seeded deterministic PRNG for the simulator and tests. NOT for security:
 * ISNs, SYN cookies and secrets use keyed SipHash with keys from src/io/'s OS random.
 *
 * xoshiro256** 1.0 (Blackman and Vigna, "Scrambled Linear Pseudorandom Number
 * Generators", 2018), its 256-bit state filled from the 64-bit seed by splitmix64
 * (Steele, Lea and Flood, 2014), as the xoshiro authors recommend. The same seed gives
 * the same sequence on every platform.
 */
#ifndef SYNACK_BASE_RNG_H
#define SYNACK_BASE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds r from seed (any value, 0 included) via four splitmix64 outputs. */
void rng_seed(struct rng *r, uint64_t seed);

/* The next 64 uniformly distributed bits. */
uint64_t rng_next(struct rng *r);

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject); 0 when n == 0. */
uint32_t rng_below(struct rng *r, uint32_t n);

/* Uniform in [0, 1): the top 53 bits of rng_next scaled by 2^-53. */
double rng_unit(struct rng *r);

#endif /* SYNACK_BASE_RNG_H */
