/*
 * keyedhash.h — SipHash-2-4 (Aumasson and Bernstein, 2012), through libsodium's
 * crypto_shorthash_siphash24. Pure computation (no OS access): used for connection-table
 * hashing, RFC 6528 ISNs and RFC 4987 SYN cookies, with keys the owner obtained from
 * src/io/'s OS random source.
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

#endif /* SYNACK_BASE_KEYEDHASH_H */
