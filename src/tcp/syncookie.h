/*
 * syncookie.h — SYN cookies (RFC 4987 §3.6 and Appendix A), with Linux's IPv4 MSS table
 * and Linux's (after FreeBSD's, RFC 4987 §3.6) encoding of window scale and
 * SACK-permitted (and ECN) in the low bits of the SYN-ACK's timestamp.
 *
 * The cookie is the server's ISN in a SYN-ACK sent without keeping any state. Layout,
 * before whitening ("7 bits ... and 25 bits for the other data", RFC 4987 §3.6):
 *
 *	 31     27 26  25 24                                    0
 *	+---------+------+---------------------------------------+
 *	| t mod 32| mssi |        MAC (low 25 bits)              |
 *	+---------+------+---------------------------------------+
 *
 *   t    = now_ns / 64 s, truncated to 32 bits: the counter "increasing every 64
 *          seconds" of RFC 4987 Appendix A (Linux: tcp_cookie_time()).
 *   mssi = index into {536, 1300, 1440, 1460}, Linux's msstab for IPv4: the largest
 *          entry not above the MSS asked for (536 when it is below 536, as Linux).
 *   MAC  = SipHash-2-4 under the key over laddr, lport, raddr, rport (network order),
 *          client ISN, t (all 32 bits), mssi, and a domain byte 0x01 — so neither the
 *          counter nor the MSS index can be altered without breaking it.
 * The cookie sent is raw + W, W = SipHash(key, 4-tuple, domain byte 0x00) (low 32 bits)
 * + client ISN, as Linux adds its first hash and the client's sequence number: the
 * whole 32 bits look random to an off-path observer (RFC 6528's concern) and the
 * cookie moves with the client's ISN.
 *
 * Validation (of the ACK that completes the handshake: client_isn = SEG.SEQ - 1,
 * cookie = SEG.ACK - 1): for the current key, then the previous one, undo W, read
 * t mod 32 and take the latest counter value <= now with those low bits (age 0..31
 * periods), and compare the MAC. A MAC match older than TCP_COOKIE_MAX_AGE periods is
 * TCP_COOKIE_TOO_OLD, so a valid cookie lives between 64 and 128 s (Linux's
 * MAX_SYNCOOKIE_AGE 2); no MAC match under either key is TCP_COOKIE_BAD_MAC (a forged,
 * tampered or mis-addressed ACK, a cookie from before the clock stepped back, or one
 * older than 32 periods — its reconstructed counter is then wrong).
 *
 * Secret rotation: keys[cur] makes cookies; keys[cur ^ 1] (when has_prev) is also
 * accepted. A cookie made under key K therefore validates until the second rotation
 * after K became current. Rotating at most once per 2 counter periods (128 s) never cuts
 * a cookie's 64..128 s life short; faster rotation can.
 *
 * Addresses and ports are in host byte order; "local" is the listener's side (the
 * destination of the SYN and of the ACK). Pure functions, no clock: now_ns comes in.
 */
#ifndef SYNACK_TCP_SYNCOOKIE_H
#define SYNACK_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_COOKIE_KEY_BYTES 16
#define TCP_COOKIE_PERIOD_NS 64000000000ull /* the counter t ticks every 64 s */
#define TCP_COOKIE_MAX_AGE 2                /* periods: valid when now_t - t < 2 */
#define TCP_COOKIE_MSS_COUNT 4              /* entries in the MSS table */

/* Reasons tcp_cookie_check rejects a cookie (negative, so they never look like an MSS). */
enum tcp_cookie_err {
	TCP_COOKIE_BAD_MAC = -1, /* no key reproduces the MAC: forged, tampered, wrong tuple */
	TCP_COOKIE_TOO_OLD = -2, /* authentic, but made TCP_COOKIE_MAX_AGE or more periods ago */
};

/* The cookie secrets: the current key and, once rotated, the previous one. Set up with
 * tcp_cookie_keys_init; the fields are the module's. */
struct tcp_cookie_keys {
	uint8_t key[2][TCP_COOKIE_KEY_BYTES];
	uint8_t cur;      /* index of the current key (0 or 1) */
	bool has_prev;    /* key[cur ^ 1] holds the previous key */
};

/* Makes key (16 bytes, copied) the current key, with no previous key. */
void tcp_cookie_keys_init(struct tcp_cookie_keys *k, const uint8_t key[TCP_COOKIE_KEY_BYTES]);

/* Makes new_key (copied) current; the current key becomes the previous one and the one
 * before it is forgotten (its cookies now fail with TCP_COOKIE_BAD_MAC). */
void tcp_cookie_rotate(struct tcp_cookie_keys *k, const uint8_t new_key[TCP_COOKIE_KEY_BYTES]);

/* The MSS the table would encode for mss: the largest entry <= mss, or 536 (the first)
 * when mss < 536. */
uint16_t tcp_cookie_mss_round(uint16_t mss);

/*
 * The cookie (our ISN for the SYN-ACK) for a SYN from raddr:rport with sequence number
 * client_isn to the listener laddr:lport, at now_ns. mss is the MSS we would use with
 * this peer (its MSS option, or 536 without one — RFC 9293 §3.7.1 — already clamped
 * to ours). *mss_used (when mss_used is not NULL) receives the table value encoded,
 * which is the MSS the connection must use from then on. k is borrowed for the call.
 */
uint32_t tcp_cookie_make(const struct tcp_cookie_keys *k, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t client_isn, uint16_t mss,
			 uint64_t now_ns, uint16_t *mss_used);

/*
 * Checks the cookie carried by an ACK from raddr:rport to the listener laddr:lport:
 * client_isn = SEG.SEQ - 1 and cookie = SEG.ACK - 1 of that ACK. Returns the MSS the
 * cookie encodes (536..1460, > 0) when it is authentic under the current or previous
 * key and less than TCP_COOKIE_MAX_AGE periods old; else TCP_COOKIE_BAD_MAC or
 * TCP_COOKIE_TOO_OLD. Costs at most four SipHash computations.
 */
int tcp_cookie_check(const struct tcp_cookie_keys *k, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport, uint32_t client_isn, uint32_t cookie,
		     uint64_t now_ns);

/* A short stable name for a tcp_cookie_check result ("ok" for a positive MSS). */
const char *tcp_cookie_strerror(int result);

/*
 * Options through timestamps (RFC 4987 §3.6; Linux cookie_init_timestamp). Only when
 * the SYN carried a Timestamps option: the TSval of our SYN-ACK is ts_now with its low
 * 6 bits replaced by
 *	bits 0-3  the peer's window shift (0..14), 0xf when its SYN had no WS option
 *	bit  4    SACK-permitted seen on the SYN
 *	bit  5    ECN: the SYN asked for it and we accepted (RFC 3168 §6.1.1; Linux
 *	          TS_OPT_ECN), so the SYN-ACK carried ECE
 * and moved back by 64 when that would put it after ts_now, so our timestamp clock
 * never appears to jump forward (RFC 7323 §5.4: monotonic). wscale < 0 means none;
 * wscale > 14 is encoded as 14 (RFC 7323 §2.3 clamps such shifts to 14).
 */
uint32_t tcp_cookie_ts_encode(uint32_t ts_now, int wscale, bool sack, bool ecn);

/*
 * Reads the options back from the TSecr of the cookie ACK (our TSval echoed): sets
 * *wscale (0..14, or -1 for a shift field of 0xf: no WS option), *sack and *ecn. Every
 * 6-bit value means something (Linux cookie_timestamp_decode / cookie_ecn_ok). An ACK
 * without timestamps means the SYN had none: the caller then uses no WS, no SACK and
 * no ECN without calling this. The bits are not covered by the MAC (as in Linux): a
 * peer that alters them only changes its own connection.
 */
void tcp_cookie_ts_decode(uint32_t tsecr, int *wscale, bool *sack, bool *ecn);

#endif /* SYNACK_TCP_SYNCOOKIE_H */
