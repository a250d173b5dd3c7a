/*
 * isn.c — RFC 6528 §3 initial sequence numbers (RFC 9293 §3.4.1) and the RFC 7323 §5.4
 * per-connection timestamp offset. See isn.h for the exact construction.
 */
#include "tcp/isn.h"

#include "base/keyedhash.h"

#define TUPLE_BYTES 12

/* Serialises the connection identifier as F's input: laddr, lport, raddr, rport, all
 * big-endian (network order). */
static void put_tuple(uint8_t out[TUPLE_BYTES], uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport)
{
	out[0] = (uint8_t)(laddr >> 24);
	out[1] = (uint8_t)(laddr >> 16);
	out[2] = (uint8_t)(laddr >> 8);
	out[3] = (uint8_t)laddr;
	out[4] = (uint8_t)(lport >> 8);
	out[5] = (uint8_t)lport;
	out[6] = (uint8_t)(raddr >> 24);
	out[7] = (uint8_t)(raddr >> 16);
	out[8] = (uint8_t)(raddr >> 8);
	out[9] = (uint8_t)raddr;
	out[10] = (uint8_t)(rport >> 8);
	out[11] = (uint8_t)rport;
}

/* SipHash-2-4 of the 4-tuple: F is its low 32 bits, the timestamp offset its high 32 */
static uint64_t tuple_hash(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport)
{
	uint8_t in[TUPLE_BYTES];

	put_tuple(in, laddr, lport, raddr, rport);
	return base_siphash24(key, in, sizeof(in));
}

uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns)
{
	uint32_t m = (uint32_t)(now_ns / TCP_ISN_TICK_NS); /* RFC 6528 §3: the 4 µs timer M */

	return m + (uint32_t)tuple_hash(key, laddr, lport, raddr, rport); /* + F(...) */
}

uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport)
{
	return (uint32_t)(tuple_hash(key, laddr, lport, raddr, rport) >> 32); /* RFC 7323 §5.4 */
}

/* One libsodium SipHash call for both (session 10; two calls before). */
void tcp_isn_pair(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		  uint32_t raddr, uint16_t rport, uint64_t now_ns, uint32_t *isn,
		  uint32_t *ts_offset)
{
	uint64_t h = tuple_hash(key, laddr, lport, raddr, rport);

	*isn = (uint32_t)(now_ns / TCP_ISN_TICK_NS) + (uint32_t)h;
	*ts_offset = (uint32_t)(h >> 32);
}
