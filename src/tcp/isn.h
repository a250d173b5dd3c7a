/*
 * isn.h — initial sequence numbers (RFC 6528 §3, as taken into RFC 9293 §3.4.1) and the
 * per-connection timestamp offset RFC 7323 §5.4 builds from the same function.
 *
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M
 * is a timer ticking every 4 microseconds and F a pseudorandom function of the
 * connection identifier and a secret. Our choices:
 *   - M = now_ns / 4000, truncated to 32 bits (so it wraps every 4.77 hours, like the
 *     RFC 793 clock; only differences of M matter).
 *   - F = SipHash-2-4 with its 128-bit output (the paper's variant: libsodium's
 *     crypto_shorthash_siphashx24, through base/keyedhash.h base_siphashx24), keyed
 *     with a 16-byte secret the owner took from the OS random source, over the 12 bytes
 *         local address (4, network byte order), local port (2, network order),
 *         remote address (4), remote port (2)
 *     truncated to its low 32 bits (the first 8 output bytes read little-endian, as
 *     SipHash defines it). SipHash is a PRF designed for short inputs with a 128-bit key
 *     (the key length RFC 6528 §3 asks for); MD5 is the RFC's example, and Linux also
 *     moved to SipHash (secure_tcp_seq).
 *   - The same output's other 96 bits: the timestamp offset (bits 32..63) and the
 *     stack's 4-tuple table hash (bits 64..95: timewait.h tw_hash, whose table the
 *     stack keys with this same secret). Every end hashes a 4-tuple for its tables and
 *     needs its ISN for the same 4-tuple: one PRF call gives both (tcp_tuple_prf; the
 *     table remembers the last output, tcb.h tcp_tuple_isn). Disjoint bits of one PRF
 *     output are as independent as outputs under two keys: the ISN and TSval a peer
 *     sees tell it nothing about the bucket a 4-tuple lands in (Linux keys its
 *     established hash apart, with jhash).
 *   - The secret is not rotated here: RFC 6528 §3 notes that changing it changes the ISN
 *     space of reincarnated connections unless 2*MSL of quiet time is observed, so the
 *     owner keeps one key per stack lifetime (a restart picks a new one).
 * "Local" is this host: the source address and port of the segments that carry the ISN.
 * Pure: no clock, no state; now_ns comes from the caller.
 */
#ifndef SYNACK_TCP_ISN_H
#define SYNACK_TCP_ISN_H

#include <stdint.h>

#define TCP_ISN_KEY_BYTES 16
#define TCP_ISN_TICK_NS 4000u /* RFC 6528 §3: M ticks every 4 microseconds */

/*
 * The 128-bit PRF output for the 4-tuple under key (borrowed): out[0] = F | ts_offset
 * << 32 (tcp_isn_from_half), out[1] low 32 bits = the tables' hash (timewait.h).
 */
void tcp_tuple_prf(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport, uint64_t out[2]);

/* *isn = M(now_ns) + F and *ts_offset from half = out[0] of tcp_tuple_prf. */
static inline void tcp_isn_from_half(uint64_t half, uint64_t now_ns, uint32_t *isn,
				     uint32_t *ts_offset)
{
	*isn = (uint32_t)(now_ns / TCP_ISN_TICK_NS) + (uint32_t)half;
	*ts_offset = (uint32_t)(half >> 32);
}

/*
 * The ISN for a connection from laddr:lport (ours) to raddr:rport at time now_ns
 * (monotonic ns): (uint32_t)(now_ns / 4000) + F, F as described above. Addresses and
 * ports in host byte order. key is borrowed for the call. Same key and 4-tuple: the ISN
 * advances by exactly 1 per 4 µs.
 */
uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns);

/*
 * The per-connection timestamp offset (RFC 7323 §5.4 "Snd.TSoffset"): bits 32..63 of
 * the same SipHash-2-4 output whose low 32 bits are F (one PRF call gives both). RFC 7323
 * §5.4 suggests "the same function with a different secret key"; two halves of one PRF
 * output are as independent as two keyed outputs (a peer that learns the offset from
 * TSval learns nothing about the low half, so it cannot predict ISNs), and one call per
 * connection end instead of two saves ~620 instructions per lifecycle (docs/rfc-map.md,
 * "ISN and timestamp offset"). Linux hashes twice (secure_tcp_seq, secure_tcp_ts_off with
 * a second secret). The offset is a pure function of the 4-tuple, so a new incarnation
 * of a 4-tuple continues the old one's timestamp sequence (what RFC 6191 relies on) and a
 * TIME_WAIT record need not store it.
 */
uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport);

/*
 * Both values at once for the same key and 4-tuple: *isn = tcp_isn(key, ..., now_ns) and
 * *ts_offset = tcp_ts_offset(key, ...), bit for bit, from one SipHash computation. key
 * is borrowed; isn and ts_offset point to the caller's storage. For callers that need
 * both (an active open, a SYN-ACK).
 */
void tcp_isn_pair(const uint8_t key[TCP_ISN_KEY_BYTES], uint32_t laddr, uint16_t lport,
		  uint32_t raddr, uint16_t rport, uint64_t now_ns, uint32_t *isn,
		  uint32_t *ts_offset);

#endif /* SYNACK_TCP_ISN_H */
