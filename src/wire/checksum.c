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
 * Whole 64-byte blocks go through one set of kernels chosen once at program start by
 * what the CPU runs (checksum_kern.h; the x86-64 ones, AVX2 among them, are in
 * checksum_x86.c); the portable kernel here is the reference they are tested against
 * (tests/unit/test_wire_checksum_impl.c forces each in turn).
 *
 * Invariant: every running sum handed out (wire_csum_add, wire_pseudo_ipv4) is a 64-bit
 * one's complement value congruent, modulo 2^16 - 1, to the one's complement sum of the
 * bytes as big-endian 16-bit words; it is 0 only when every byte summed was 0 (so the
 * fold gives the same one of the two zeros as the 16-bit reference loop). Sums combine
 * only through wire_csum_add's acc or wire_csum_combine, never with plain '+'. The
 * small pieces (combine, fold, the 20-byte sum, the pseudo-header) are inline in wire.h.
 */
#include <string.h>

#include "wire/checksum_kern.h"
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

/* ---- the block kernels and the choice among them ---------------------------------- */

/* The portable kernels, the reference the others are tested against: each 8-byte word
 * added with end-around carry (wire_csum_combine). */
static uint64_t sum_portable(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w;

		memcpy(&w, p, sizeof w);
		sum = wire_csum_combine(sum, w);
	}
	return sum;
}

static uint64_t copy_portable(uint8_t *d, const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (; len >= 8; len -= 8, p += 8, d += 8) {
		uint64_t w;

		memcpy(&w, p, sizeof w);
		memcpy(d, &w, sizeof w);
		sum = wire_csum_combine(sum, w);
	}
	return sum;
}

static const struct csum_kern {
	const char *name;
	uint64_t (*sum)(const uint8_t *p, size_t len);
	uint64_t (*copy)(uint8_t *d, const uint8_t *p, size_t len);
} kerns[WIRE_CSUM_NIMPL] = {
	[WIRE_CSUM_PORTABLE] = {"portable", sum_portable, copy_portable},
#if WIRE_CSUM_HAVE_X86
	[WIRE_CSUM_ADC] = {"adc", wire_csum_sum_adc, wire_csum_copy_adc},
	[WIRE_CSUM_AVX2] = {"avx2", wire_csum_sum_avx2, wire_csum_copy_avx2},
#endif
};

/* The kernels in use: the portable ones until choose_kern runs at program start (before
 * main), then the best this CPU runs; only wire_csum_use changes them after that. */
static const struct csum_kern *kern = &kerns[WIRE_CSUM_PORTABLE];

bool wire_csum_impl_ok(enum wire_csum_impl impl)
{
	if ((unsigned)impl >= WIRE_CSUM_NIMPL || !kerns[impl].sum)
		return false;
#if WIRE_CSUM_HAVE_X86
	if (impl == WIRE_CSUM_AVX2) {
		__builtin_cpu_init();   /* may run before the library's own constructors */
		return __builtin_cpu_supports("avx2");
	}
#endif
	return true;
}

enum wire_csum_impl wire_csum_best(void)
{
	/* AVX2, then the adc chain, then the portable loop */
	if (wire_csum_impl_ok(WIRE_CSUM_AVX2))
		return WIRE_CSUM_AVX2;
	if (wire_csum_impl_ok(WIRE_CSUM_ADC))
		return WIRE_CSUM_ADC;
	return WIRE_CSUM_PORTABLE;
}

bool wire_csum_use(enum wire_csum_impl impl)
{
	if (!wire_csum_impl_ok(impl))
		return false;
	kern = &kerns[impl];
	return true;
}

enum wire_csum_impl wire_csum_impl_now(void)
{
	return (enum wire_csum_impl)(kern - kerns);
}

const char *wire_csum_impl_name(enum wire_csum_impl impl)
{
	return (unsigned)impl < WIRE_CSUM_NIMPL && kerns[impl].name ? kerns[impl].name : "?";
}

__attribute__((constructor)) static void choose_kern(void)
{
	wire_csum_use(wire_csum_best());
}

/* ---- sums -------------------------------------------------------------------------- */

/* The bytes past the last 64-byte block (len < 64): 8-byte words, then sum_tail. */
static uint64_t sum_rest(uint64_t sum, const uint8_t *p, size_t len)
{
	sum = wire_csum_combine(sum, sum_portable(p, len));
	if (len & 7)
		sum = wire_csum_combine(sum, sum_tail(p + (len & ~(size_t)7), len & 7));
	return sum;
}

/*
 * Adds len bytes at data to acc. Borrowed data, read only. The 64-byte blocks go through
 * the chosen kernel (not called for fewer than 64 bytes: headers stay on the direct
 * path), the rest through the portable words and sum_tail.
 */
uint64_t wire_csum_add(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t blocks = len & ~(size_t)63;
	uint64_t sum = blocks ? kern->sum(p, blocks) : 0;

	sum = sum_rest(sum, p + blocks, len - blocks);
	return wire_csum_combine(acc, wire_csum_host_to_be(sum));
}

/*
 * wire_csum_add and a copy in one pass over the bytes (the payload copies of the GSO cut
 * and of GRO's placement: each byte is loaded once, stored once and summed from the
 * register): the 64-byte blocks through the chosen copy kernel, the rest copied and then
 * summed as in wire_csum_add.
 */
uint64_t wire_csum_copy(uint64_t acc, void *dst, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint8_t *d = dst;
	size_t blocks = len & ~(size_t)63;
	uint64_t sum = blocks ? kern->copy(d, p, blocks) : 0;

	if (len > blocks)
		memcpy(d + blocks, p + blocks, len - blocks);
	sum = sum_rest(sum, p + blocks, len - blocks);
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

