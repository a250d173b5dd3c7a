/*
 * keyedhash.h — SipHash-2-4 (Aumasson and Bernstein, 2012), through libsodium's
 * crypto_shorthash_siphash24, and its 128-bit-output variant through
 * crypto_shorthash_siphashx24. Pure computation (no OS access): the 64-bit output for SYN
 * cookies (RFC 4987), the SYN queue's and the ephemeral ports' hashes; the 128-bit output
 * for the per-4-tuple PRF that gives the RFC 6528 ISN, the timestamp offset and the
 * connection tables' hash at once (tcp/isn.h tcp_tuple_prf). Keys come from the owner,
 * who took them from src/io/'s OS random source.
 */
#ifndef SYNACK_BASE_KEYEDHASH_H
#define SYNACK_BASE_KEYEDHASH_H

#include <stddef.h>
#include <stdint.h>

#define BASE_SIPHASH_KEY_BYTES 16

/* SipHash-2-4 of len bytes at data (borrowed for the call; may be NULL when len == 0)
 * under the 16-byte key. The 8-byte output is read little-endian, as the SipHash paper
 * defines it (its test vector for key 00..0f and empty input is 0x726fdb47dd0e0e31). */
uint64_t base_siphash24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len);

/* SipHash-2-4 with the 128-bit output (the paper's variant) of len bytes at data under the
 * 16-byte key: out[0] = output bytes 0..7, out[1] = bytes 8..15, each read little-endian. */
void base_siphashx24(const uint8_t key[BASE_SIPHASH_KEY_BYTES], const void *data, size_t len,
		     uint64_t out[2]);

#endif /* SYNACK_BASE_KEYEDHASH_H */
