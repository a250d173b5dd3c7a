/*
 * isn.c — RFC 6528 §3 initial sequence numbers (RFC 9293 §3.4.1) and the RFC 7323 §5.4
 * per-connection timestamp offset. See isn.h for the exact construction.
 */
#include "tcp/isn.h"

#include "base/keyedhash.h"

/*
 * SipHash-2-4 with the 128-bit output (libsodium's crypto_shorthash_siphashx24, through
 * base/keyedhash.h) over the 12 bytes laddr, lport, raddr, rport, each in network order.
 */
void tcp_tuple_prf(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport, uint64_t out[2])
{
	/* the 12 bytes as three 32-bit words in memory order: a byte swap and a store each
	 * (twelve byte stores cost ~36 instructions, more than a tenth of the PRF) */
	uint32_t w[3] = { laddr, (uint32_t)lport << 16 | raddr >> 16,
			  raddr << 16 | rport };

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	for (int i = 0; i < 3; i++)
		w[i] = __builtin_bswap32(w[i]);
#endif
	base_siphashx24(key, w, sizeof w, out);
}

/* The first half of the 4-tuple's PRF output: F low, the timestamp offset high */
static uint64_t isn_half(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport)
{
	uint64_t out[2];

	tcp_tuple_prf(key, laddr, lport, raddr, rport, out);
	return out[0];
}

uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns)
{
	uint32_t m = (uint32_t)(now_ns / TCP_ISN_TICK_NS); /* RFC 6528 §3: the 4 µs timer M */

	return m + (uint32_t)isn_half(key, laddr, lport, raddr, rport); /* + F(...) */
}

uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport)
{
	return (uint32_t)(isn_half(key, laddr, lport, raddr, rport) >> 32); /* RFC 7323 §5.4 */
}

void tcp_isn_pair(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		  uint32_t raddr, uint16_t rport, uint64_t now_ns, uint32_t *isn,
		  uint32_t *ts_offset)
{
	tcp_isn_from_half(isn_half(key, laddr, lport, raddr, rport), now_ns, isn, ts_offset);
}
