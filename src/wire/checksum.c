/*
 * checksum.c — the Internet checksum (RFC 1071), its incremental update (RFC 1624) and
 * the IPv4 pseudo-header sum used by TCP (RFC 9293 §3.1).
 *
 * The sum is accumulated 64 bits at a time: 8 bytes are loaded per step (memcpy, so any
 * alignment is fine) in host byte order and added with end-around carry. RFC 1071 §2(C)
 * allows wider words as long as the carries come back in: a 64-bit one's complement
 * sum (arithmetic modulo 2^64 - 1) is congruent, modulo 2^16 - 1, to the 16-bit one's
 * complement sum, because 2^16 - 1 divides 2^64 - 1. RFC 1071 §2(B): the sum of
 * host-order words is the sum of big-endian words with the two bytes swapped; modulo
 * 2^64 - 1 that swap is a multiplication by 2^8, i.e. a 64-bit rotation by 8 bits, so
 * no fold is needed until a checksum is written or checked.
 *
 * Invariant: every running sum handed out (wire_csum_add, wire_pseudo_ipv4) is a 64-bit
 * one's complement value congruent, modulo 2^16 - 1, to the one's complement sum of the
 * bytes as big-endian 16-bit words; it is 0 only when every byte summed was 0 (so the
 * fold gives the same one of the two zeros as the 16-bit reference loop). Sums combine
 * only through wire_csum_add's acc or wire_csum_combine, never with plain '+'. The
 * small pieces (combine, fold, the 20-byte sum, the pseudo-header) are inline in wire.h.
 */
#include <string.h>

#include "wire/wire.h"

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * Sum of the len & 7 last bytes at p, host order, as 4-, 2- and 1-byte pieces each at
 * an even offset so every byte keeps its position within its 16-bit word; an odd last
 * byte is padded with zero in its own position as RFC 1071 §4.1 does. At most
 * 2^32 + 2^16 + 2^8: no carry to fold.
 */
static uint64_t sum_tail(const uint8_t *p, size_t len)
{
	uint64_t t = 0;

	if (len & 4) {
		t += load32(p);
		p += 4;
	}
	if (len & 2) {
		uint16_t w;

		memcpy(&w, p, sizeof w);
		t += w;
		p += 2;
	}
	if (len & 1) {
		uint8_t last[2] = { p[0], 0 };  /* RFC 1071 §4.1: padded with a zero byte */
		uint16_t w;

		memcpy(&w, last, sizeof w);
		t += w;
	}
	return t;
}

/*
 * Adds len bytes at data to acc. Borrowed data, read only. x86-64: one add-with-carry
 * chain (64 bytes per step, then one 8-byte word per step); elsewhere the 8-byte words
 * are added with wire_csum_combine. The tail (< 8 bytes) goes through sum_tail.
 */
uint64_t wire_csum_add(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t sum = 0;

#if defined(__x86_64__) && defined(__GNUC__)
	/* 9 instructions per 64 bytes where a compare-and-add takes about 35;
	 * the end-around carry of RFC 1071 §2(C) is the final adc $0 (it cannot carry out:
	 * a chain started with the carry clear never reaches all-ones with a carry). */
	while (len >= 64) {
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
		p += 64;
		len -= 64;
	}
	if (len >= 8) {
		size_t n = len / 8;

		/* one word per step: lea and dec leave the carry flag alone */
		__asm__("clc\n"
			"1:\n\t"
			"adcq (%[p]), %[s]\n\t"
			"leaq 8(%[p]), %[p]\n\t"
			"decq %[n]\n\t"
			"jnz 1b\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum), [p] "+r"(p), [n] "+r"(n)
			:
			: "cc", "memory");      /* reads the n words at p */
		len &= 7;
	}
#else
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof w);
		sum = wire_csum_combine(sum, w);
		p += 8;
		len -= 8;
	}
#endif
	if (len)
		sum = wire_csum_combine(sum, sum_tail(p, len));
	return wire_csum_combine(acc, wire_csum_host_to_be(sum));
}

/*
 * wire_csum_add and a copy in one pass over the bytes (the payload copies of the GSO cut
 * and of GRO's placement: each byte is loaded once, stored once and summed from the
 * register). x86-64: 64 bytes per step, each 8-byte word loaded, stored and added in one
 * add-with-carry chain closed by adc $0 as in wire_csum_add; then the same one word per
 * step; the tail (< 8 bytes) is copied and goes through sum_tail.
 */
uint64_t wire_csum_copy(uint64_t acc, void *dst, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint8_t *d = dst;
	uint64_t sum = 0;

#if defined(__x86_64__) && defined(__GNUC__)
	while (len >= 64) {
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
		p += 64;
		d += 64;
		len -= 64;
	}
#endif
	/* the movs leave the carry flag alone: one chain per step above; here each word
	 * is combined on its own (at most seven) */
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof w);
		memcpy(d, &w, sizeof w);
		sum = wire_csum_combine(sum, w);
		p += 8;
		d += 8;
		len -= 8;
	}
	if (len) {
		memcpy(d, p, len);
		sum = wire_csum_combine(sum, sum_tail(p, len));
	}
	return wire_csum_combine(acc, wire_csum_host_to_be(sum));
}

uint16_t wire_csum(const void *data, size_t len)
{
	return wire_csum_fold(wire_csum_add(0, data, len));
}

/*
 * RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'), the form RFC 1624 recommends over RFC 1141's
 * because it never produces the wrong one of the two zeros (-0 vs +0). Equals a full
 * recompute except over all-zero data (tests/unit/test_wire_checksum.c).
 */
uint16_t wire_csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v)
{
	uint64_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_v;
	sum += new_v;
	return wire_csum_fold(sum);
}

/* Eqn. 3 applied to both 16-bit halves of a 32-bit field at once. */
uint16_t wire_csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v)
{
	uint64_t sum = (uint16_t)~csum;

	sum += (uint16_t)~(old_v >> 16);
	sum += (uint16_t)~(old_v & 0xffffu);
	sum += new_v >> 16;
	sum += new_v & 0xffffu;
	return wire_csum_fold(sum);
}

