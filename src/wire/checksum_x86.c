/*
 * checksum_x86.c — the x86-64 block kernels of the Internet checksum (RFC 1071), plain
 * sum and copy-and-sum (contract: checksum_kern.h; checksum.c chooses among them once, by
 * what the CPU runs, and does the bytes past the last 64-byte block).
 *
 * adc: one add-with-carry chain of eight 8-byte words per 64 bytes, closed by adc $0 (the
 * end-around carry of RFC 1071 §2(C)); it cannot carry out: a chain started with the
 * carry clear never reaches all-ones with a carry.
 *
 * avx2: RFC 1071 §2(C) allows any word width as long as the carries come back in.
 * Each 8-byte host-order word w = lo + hi * 2^32 is congruent to lo + hi modulo
 * 2^32 - 1, hence modulo 2^16 - 1; so the two 32-bit halves are added into 64-bit vector
 * lanes, which cannot overflow (below), and the lanes are added up at the end: a plain
 * integer sum congruent to the bytes' one's complement sum, 0 only when every byte was 0.
 * Written with GCC vector extensions (32-byte vectors) in avx2-target functions: only
 * they use AVX2 instructions (the build does not pass -mavx2), and checksum.c calls them
 * only after __builtin_cpu_supports("avx2"). The same body compiled for plain x86-64
 * (16-byte SSE2 pairs) measured slower than the adc chain (GCC 12 spills the 32-byte
 * accumulators), so there is no SSE2 kernel: docs/PERFORMANCE.md "session 9 (zc)".
 */
#include <string.h>

#include "wire/checksum_kern.h"
#include "wire/wire.h"

#if WIRE_CSUM_HAVE_X86

uint64_t wire_csum_sum_adc(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (; len; len -= 64, p += 64)
		__asm__("addq 0(%[p]), %[s]\n\t"
			"adcq 8(%[p]), %[s]\n\t"
			"adcq 16(%[p]), %[s]\n\t"
			"adcq 24(%[p]), %[s]\n\t"
			"adcq 32(%[p]), %[s]\n\t"
			"adcq 40(%[p]), %[s]\n\t"
			"adcq 48(%[p]), %[s]\n\t"
			"adcq 56(%[p]), %[s]\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum)
			: [p] "r"(p)
			: "cc", "memory");      /* reads p[0..63] */
	return sum;
}

/* Each word loaded once, stored, and added from the register; the movs leave the carry
 * flag alone, so the 64 bytes are one chain. */
uint64_t wire_csum_copy_adc(uint8_t *d, const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (; len; len -= 64, p += 64, d += 64)
		__asm__("movq 0(%[p]), %%rax\n\t"
			"movq 8(%[p]), %%rdx\n\t"
			"movq 16(%[p]), %%rcx\n\t"
			"movq 24(%[p]), %%r8\n\t"
			"movq %%rax, 0(%[d])\n\t"
			"movq %%rdx, 8(%[d])\n\t"
			"movq %%rcx, 16(%[d])\n\t"
			"movq %%r8, 24(%[d])\n\t"
			"addq %%rax, %[s]\n\t"
			"adcq %%rdx, %[s]\n\t"
			"adcq %%rcx, %[s]\n\t"
			"adcq %%r8, %[s]\n\t"
			"movq 32(%[p]), %%rax\n\t"
			"movq 40(%[p]), %%rdx\n\t"
			"movq 48(%[p]), %%rcx\n\t"
			"movq 56(%[p]), %%r8\n\t"
			"movq %%rax, 32(%[d])\n\t"
			"movq %%rdx, 40(%[d])\n\t"
			"movq %%rcx, 48(%[d])\n\t"
			"movq %%r8, 56(%[d])\n\t"
			"adcq %%rax, %[s]\n\t"
			"adcq %%rdx, %[s]\n\t"
			"adcq %%rcx, %[s]\n\t"
			"adcq %%r8, %[s]\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum)
			: [p] "r"(p), [d] "r"(d)
			: "rax", "rdx", "rcx", "r8", "cc", "memory");
	return sum;
}

typedef uint64_t vec_u64 __attribute__((vector_size(32)));

/* Bytes per lane-sum round: 2^26 steps of 64 bytes put at most 2^26 values below 2^32
 * in each lane (< 2^58); the four accumulators' lanes then add to < 2^62. */
#define VEC_ROUND ((size_t)1 << 32)

/*
 * The vector kernel: the 32-bit halves of every 8-byte word at p added into the 64-bit
 * lanes of four accumulators, 64 bytes per step (two vectors, each also stored to d when
 * copy); the lanes are added up once per VEC_ROUND bytes and joined to the running sum.
 * Loads and stores go through memcpy: any alignment.
 */
static inline __attribute__((always_inline)) uint64_t vec_blocks(uint8_t *d, const uint8_t *p,
								 size_t len, bool copy)
{
	const vec_u64 lo = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
	uint64_t sum = 0;

	while (len) {
		size_t n = len < VEC_ROUND ? len : VEC_ROUND;
		vec_u64 a = {0}, b = {0}, c = {0}, e = {0};

		for (len -= n; n; n -= 64, p += 64) {
			vec_u64 x, y;

			memcpy(&x, p, sizeof x);
			memcpy(&y, p + 32, sizeof y);
			if (copy) {
				memcpy(d, &x, sizeof x);
				memcpy(d + 32, &y, sizeof y);
				d += 64;
			}
			a += x & lo;
			b += x >> 32;
			c += y & lo;
			e += y >> 32;
		}
		a += b + c + e;
		sum = wire_csum_combine(sum, a[0] + a[1] + a[2] + a[3]);
	}
	return sum;
}

__attribute__((target("avx2"))) uint64_t wire_csum_sum_avx2(const uint8_t *p, size_t len)
{
	return vec_blocks(NULL, p, len, false);
}

__attribute__((target("avx2"))) uint64_t wire_csum_copy_avx2(uint8_t *d, const uint8_t *p,
							      size_t len)
{
	return vec_blocks(d, p, len, true);
}

#else
/* ISO C wants a translation unit to declare something. */
typedef int wire_checksum_x86_unused;
#endif
