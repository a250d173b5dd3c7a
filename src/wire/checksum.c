/*
 * checksum.c — the Internet checksum (RFC 1071), its incremental update (RFC 1624) and
 * the IPv4 pseudo-header sum used by TCP (RFC 9293 §3.1).
 *
 * The sum is accumulated 64 bits at a time: 8 bytes are loaded per step (memcpy, so any
 * alignment is fine) in host byte order and added with end-around carry, then folded to
 * 16 bits. RFC 1071 §2(B) shows the one's complement sum is independent of byte order
 * up to one final swap, and §2(C) that wider words may be summed as long as the carries
 * are folded back; so the result is swapped once into big-endian order at the end.
 *
 * Invariant: every running sum handed out (wire_csum_add, wire_pseudo_ipv4) means "the
 * one's complement sum of big-endian 16-bit words", so sums from here combine freely.
 */
#include <string.h>

#include "wire/wire.h"

/* a + b with the carry out of bit 63 added back in (one's complement addition). */
static uint64_t add_carry(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;

	return s + (s < b);
}

/* Folds a 64-bit one's complement sum to 16 bits (RFC 1071 §4.1 "fold 32-bit sum"). */
static uint16_t fold16(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* A 16-bit sum of host-order words, as the sum of big-endian words (RFC 1071 §2(B)). */
static uint16_t host_sum_to_be(uint16_t s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return s;
#else
	return (uint16_t)((s << 8) | (s >> 8));
#endif
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * Adds len bytes at data to acc. Borrowed data, read only. Four 8-byte words per loop
 * step keep the adds independent; the tail (< 8 bytes) is added as 4-, 2- and 1-byte
 * pieces, an odd last byte padded with zero in its own position as RFC 1071 §4.1 does.
 */
uint64_t wire_csum_add(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t sum = 0;

#if defined(__x86_64__) && defined(__GNUC__)
	/* x86-64: one add-with-carry chain over 64 bytes per step (9 instructions where
	 * add_carry's compare-and-add takes about 35; the end-around carry of RFC 1071 §2(C)
	 * is the final adc $0). The loops below finish the rest. */
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
#endif
	while (len >= 32) {
		sum = add_carry(sum, load64(p));
		sum = add_carry(sum, load64(p + 8));
		sum = add_carry(sum, load64(p + 16));
		sum = add_carry(sum, load64(p + 24));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		sum = add_carry(sum, load64(p));
		p += 8;
		len -= 8;
	}
	/* the tail as 4-, 2- and 1-byte pieces, each at an even offset so every byte keeps
	 * its position within its 16-bit word (a variable-length copy cost more than the
	 * sum itself on 20-byte headers) */
	if (len & 4) {
		uint32_t w;

		memcpy(&w, p, sizeof w);
		sum = add_carry(sum, w);
		p += 4;
	}
	if (len & 2) {
		uint16_t w;

		memcpy(&w, p, sizeof w);
		sum = add_carry(sum, w);
		p += 2;
	}
	if (len & 1) {
		uint8_t last[2] = { p[0], 0 };  /* RFC 1071 §4.1: padded with a zero byte */
		uint16_t w;

		memcpy(&w, last, sizeof w);
		sum = add_carry(sum, w);
	}
	return add_carry(acc, host_sum_to_be(fold16(sum)));
}

/* Folds acc to 16 bits and complements it: the value a header carries. */
uint16_t wire_csum_fold(uint64_t acc)
{
	return (uint16_t)~fold16(acc);
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

/*
 * RFC 9293 §3.1 "TCP Pseudo-Header": source address, destination address, a zero byte,
 * the protocol and the TCP length (header plus data, not counting the pseudo-header).
 * Addresses in host order; the sum is in the same big-endian sense as wire_csum_add.
 */
uint64_t wire_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t sum = 0;

	sum += src >> 16;
	sum += src & 0xffffu;
	sum += dst >> 16;
	sum += dst & 0xffffu;
	sum += proto;
	sum += len;
	return sum;
}
