/*
 * ephemeral.h — ephemeral port selection, RFC 6056 §3.3.4 Algorithm 4 ("double-hash
 * port selection"), the algorithm of Linux's __inet_hash_connect.
 *
 * For a connect() from laddr toward raddr:rport the candidates are
 *
 *     port = lo + (F + table[G]) mod (hi - lo + 1),   table[G] += 1 per candidate tried
 *
 * where lo..hi is ip_local_port_range (Linux 32768..60999), and F and G are one keyed
 * hash of the 3-tuple (laddr, raddr, rport): h = SipHash-2-4 under the stack's ISN key
 * (bytes 0..15 of the env secret) over the 11 bytes
 *     laddr (4, network order), raddr (4), rport (2), the domain byte 'P' (0x50),
 * the 64-bit output read little-endian as SipHash defines it; F = h >> 32 and
 * G = h mod TCP_PORT_TABLE (Linux: port_offset >> 32 and port_offset &
 * (INET_TABLE_PERTURB_SIZE - 1) of secure_ipv4_port_ephemeral's SipHash). The domain
 * byte keeps F unrelated to the ISN's F and the timestamp offset (isn.h), which use the
 * same key over 12 and 13 bytes.
 *
 * So a destination starts at an offset an off-path attacker cannot guess (RFC 6056 §2.2:
 * blind attacks need the 4-tuple), two destinations start at unrelated offsets, and
 * consecutive connections to one destination walk the range sequentially from there
 * (each connect() continues where the last one stopped: the counter remembers it), so a
 * 4-tuple is reused as late as possible — unlike a plain global counter (every process
 * starting at lo meets the peer's TIME-WAIT for the same 4-tuple) and unlike random
 * ports (RFC 6056 §3.3.1/3.3.2, early reuse). The table starts at zero: F is already
 * secret. A candidate is taken when the 4-tuple is free (or its TIME-WAIT record may be
 * reused, tw_reuse) and no listener owns the port; when none is, connect() fails with
 * EADDRNOTAVAIL after table[G] has advanced by the whole range (RFC 6056's loop).
 *
 * bind() to port 0 and listen() on an unbound socket use the same function with raddr
 * and rport 0 (a per-local-address secret offset and its counter). Deviations from
 * Linux, named: no parity split (Linux tries ports of lo's parity first for connect()
 * and leaves the others to bind()), no random extra step after a success (Linux adds
 * up to 7*2 to the counter since 2022, against device tracking), a table of 4096
 * 16-bit counters per stack instead of 65536 32-bit ones per host (8 KiB in every
 * stack; the simulator runs many). docs/choices.md, "Ephemeral ports".
 */
#ifndef SYNACK_TCP_EPHEMERAL_H
#define SYNACK_TCP_EPHEMERAL_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_PORT_TABLE 4096u     /* RFC 6056's TABLE_LENGTH; a power of two */
#define TCP_PORT_KEY_BYTES 16

struct tcp_port_table {
	uint16_t perturb[TCP_PORT_TABLE];   /* RFC 6056 table[], counters mod 2^16 */
	/* the last 3-tuple hashed and its h (tcp_port_hash_memo): a client connecting
	 * again and again to one destination hashes once; zeroed = empty */
	uint64_t memo_h;
	uint32_t memo_laddr, memo_raddr;
	uint16_t memo_rport;
	bool memo_valid;
};

/* h of the header comment for laddr -> raddr:rport (host byte order; raddr and rport
 * 0 for bind/listen). key is borrowed for the call. Pure. */
uint64_t tcp_port_hash(const uint8_t key[TCP_PORT_KEY_BYTES], uint32_t laddr, uint32_t raddr,
		       uint16_t rport);

/* tcp_port_hash into t's memo, returned. */
uint64_t tcp_port_hash_fill(struct tcp_port_table *t, const uint8_t key[TCP_PORT_KEY_BYTES],
			    uint32_t laddr, uint32_t raddr, uint16_t rport);
/* tcp_port_hash(key, laddr, raddr, rport), remembered in t for the next call with the
 * same 3-tuple. key must be the same in every call on t (the stack's ISN key, fixed at
 * init). Inline: a connect() to the destination of the last one compares and loads. */
static inline uint64_t tcp_port_hash_memo(struct tcp_port_table *t,
					  const uint8_t key[TCP_PORT_KEY_BYTES], uint32_t laddr,
					  uint32_t raddr, uint16_t rport)
{
	if (!t->memo_valid || t->memo_laddr != laddr || t->memo_raddr != raddr ||
	    t->memo_rport != rport)
		return tcp_port_hash_fill(t, key, laddr, raddr, rport);
	return t->memo_h;
}

/* A candidate walk: the counter slot and the offset of one destination. */
struct tcp_port_walk {
	uint16_t *counter;     /* &table->perturb[G] */
	uint32_t offset;       /* F */
	uint16_t lo;
	uint32_t num;          /* hi - lo + 1 */
};

/* Starts the walk for hash h over lo..hi (lo <= hi). */
void tcp_port_walk_init(struct tcp_port_walk *w, struct tcp_port_table *t, uint64_t h,
			uint16_t lo, uint16_t hi);

/* The next candidate: lo + (F + table[G]) mod num, then table[G] += 1. */
uint16_t tcp_port_walk_next(struct tcp_port_walk *w);

#endif /* SYNACK_TCP_EPHEMERAL_H */
