/*
 * checksum_kern.h — the block kernels behind wire_csum_add and wire_csum_copy
 * (checksum.c chooses one set once, by what the CPU runs; checksum_x86.c holds the x86-64
 * ones). Private to src/wire.
 *
 * Contract of every kernel: len is a multiple of 64 (0 allowed); the bytes at p are read
 * at any alignment (borrowed for the call); a copy kernel also writes them to d (any
 * alignment, not overlapping p). The result is a running sum of the bytes as host-order
 * words (checksum.c's header: modulo 2^64 - 1, congruent modulo 2^16 - 1 to the RFC 1071
 * sum of the host-order 16-bit words, 0 only when every byte was 0), not yet turned to
 * big-endian order.
 */
#ifndef SYNACK_WIRE_CHECKSUM_KERN_H
#define SYNACK_WIRE_CHECKSUM_KERN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define WIRE_CSUM_HAVE_X86 1
/* One add-with-carry chain of eight 8-byte words per 64 bytes (any x86-64). */
uint64_t wire_csum_sum_adc(const uint8_t *p, size_t len);
uint64_t wire_csum_copy_adc(uint8_t *d, const uint8_t *p, size_t len);
/* 32-bit halves of 8-byte words added into the 64-bit lanes of 32-byte vectors (AVX2:
 * call only when the CPU has it). */
uint64_t wire_csum_sum_avx2(const uint8_t *p, size_t len);
uint64_t wire_csum_copy_avx2(uint8_t *d, const uint8_t *p, size_t len);
#else
#define WIRE_CSUM_HAVE_X86 0
#endif

#endif
