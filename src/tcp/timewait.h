/*
 * timewait.h — the compact TIME-WAIT table (RFC 9293 §3.6, §3.10.7.4; RFC 6191 §2).
 *
 * A connection that enters TIME-WAIT is turned into a 64-byte struct tw_entry (asserted
 * at compile time) instead of keeping its control block for 2*MSL. The table holds:
 *   - a hash table on the 4-tuple (base/hash.h; the hash is 32 bits of the 128-bit
 *     SipHash-2-4 output isn.h tcp_tuple_prf computes under the key given to tw_init, so
 *     remote peers cannot aim entries at one bucket) for demultiplexing;
 *   - TW_LANES expiry FIFOs (base/list.h), each kept in deadline order: an insert or a
 *     restart appends to the lane whose tail is the latest deadline not after the new
 *     one. While 2*MSL is constant every entry lands in the first lane in O(1); when
 *     msl is lowered at run time, the earlier deadlines open a fresh lane instead of
 *     breaking the order ("patience" lanes). Only when every lane's tail is later does
 *     an insert walk back to its place (still correct, no longer O(1)). Expiry pops the
 *     earliest lane head, the next deadline is the minimum of TW_LANES heads, so the
 *     table never reports a deadline later than the earliest entry's, and an entry is
 *     never expired early or late;
 *   - a count per local port and per local (address, port), for bind() decisions: a
 *     slot per port in pages of TW_PORTS_PER_PAGE ports (2 KiB, allocated with the first
 *     entry on one of their ports and kept until tw_destroy, as the pools keep their
 *     chunks: at most 512 KiB for all 65536 ports), holding the port's count and, while
 *     every entry on the port has the same local address (the usual case: one address
 *     per stack), that address; a port whose entries have several local
 *     addresses is "mixed" and keeps its per-address counts in a small hash table.
 * Entries come from a pool (base/pool.h): no allocation per entry once the pool has
 * grown to the working-set size.
 *
 * What an entry keeps, and what it deliberately does not (to fit 64 bytes):
 *   - the 4-tuple, SND.NXT (the sequence number of our TIME-WAIT ACKs) and RCV.NXT
 *     (just past the peer's FIN: what our ACKs acknowledge and what RFC 6191 compares);
 *   - TS.Recent and whether timestamps were in use (PAWS in TIME-WAIT, RFC 7323 §5;
 *     the TSecr of our ACKs; RFC 6191);
 *   - the expiry deadline (absolute ns, 61 bits: deadlines >= 2^61 ns, 73 years, are
 *     clamped to 2^61 - 1).
 *   - the window field of its ACKs (Linux tw_rcv_wnd >> tw_rcv_wscale): the one the
 *     connection last advertised (tw.c), in the hash node's spare word (hnode.spare,
 *     16 bits used), so the entry stays 64 bytes.
 *   - NOT the local timestamp offset: it is a pure function of the 4-tuple
 *     (tcp_ts_offset in tcp/isn.h, RFC 7323 §5.4), recomputed when an ACK is sent.
 * RFC 1337 (TIME-WAIT assassination): the engine ignores RSTs that match an entry when
 * its rfc1337 knob is on; this table has no opinion.
 *
 * Addresses and ports in host byte order, "l" = local, "r" = remote. Not thread-safe.
 */
#ifndef SYNACK_TCP_TIMEWAIT_H
#define SYNACK_TCP_TIMEWAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/hash.h"
#include "base/list.h"
#include "base/pool.h"

#define TW_KEY_BYTES 16
#define TW_DEADLINE_MAX ((UINT64_C(1) << 61) - 1)
#define TW_LANES 4
#define TW_PORTS_PER_PAGE 256
#define TW_PORT_PAGES (65536 / TW_PORTS_PER_PAGE)

/* Entries on one local port (timewait.c keeps the invariants). */
struct tw_port_slot {
	uint32_t any;        /* entries with this local port, any local address */
	uint32_t addr;       /* their one local address, 0 when mixed; stale when any == 0 */
};

struct tw_port_page {
	struct tw_port_slot slot[TW_PORTS_PER_PAGE];
};

/*
 * One TIME-WAIT connection. hnode, fifo and deadline_ns belong to the table (read
 * deadline_ns freely; change it only through tw_restart); the other fields are the
 * engine's and may be updated in place (e.g. ts_recent after a valid retransmitted FIN,
 * RFC 7323 §4.3), except the 4-tuple, which is the hash key.
 */
struct tw_entry {
	struct hash_node hnode;     /* 4-tuple demux chain */
	struct list_node fifo;      /* link in its expiry lane, head = earliest */
	uint64_t deadline_ns : 61;  /* absolute expiry time */
	uint64_t has_ts : 1;        /* timestamps were in use (ts_recent meaningful) */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t snd_nxt;           /* SND.NXT: just past our FIN */
	uint32_t rcv_nxt;           /* RCV.NXT: just past the peer's FIN */
	uint32_t ts_recent;         /* TS.Recent (RFC 7323 §4.3), when has_ts */
};

_Static_assert(sizeof(struct tw_entry) <= 64, "a TIME-WAIT entry must fit 64 bytes");

struct tw_table {
	struct hash_table by_tuple;  /* struct tw_entry, on the 4-tuple */
	struct hash_table by_port;   /* mixed ports' counts (timewait.c), on (laddr, lport) */
	struct pool entries;
	struct pool ports;
	struct list_node lanes[TW_LANES]; /* each sorted by deadline, earliest first */
	bool spread;                 /* false: lanes 1.. are empty (timewait.c enqueue) */
	struct tw_port_page *port_pages[TW_PORT_PAGES]; /* by lport / TW_PORTS_PER_PAGE */
	uint8_t key[TW_KEY_BYTES];   /* SipHash key for both hash tables */
	uint32_t memo_in[3];         /* the last 4-tuple tw_hash hashed (laddr, raddr, ports) */
	uint32_t memo_hash;          /* and its hash */
	uint64_t memo_isn_half;      /* and the other PRF half (tw_isn_half) */
};

/*
 * Initialises an empty table whose memory comes from a (borrowed: must outlive t) and
 * whose hash tables are keyed with key (16 bytes, copied; take it from the OS random
 * source so peers cannot predict collisions). Returns 0 or -ENOMEM (then t needs no
 * tw_destroy, though calling it is harmless).
 */
int tw_init(struct tw_table *t, const struct base_allocator *a, const uint8_t key[TW_KEY_BYTES]);

/* Frees every entry and all memory of t. Entry pointers become invalid. */
void tw_destroy(struct tw_table *t);

/*
 * Adds a TIME-WAIT entry copied from proto's engine fields (4-tuple, snd_nxt, rcv_nxt,
 * has_ts, ts_recent, hnode.spare; its links and deadline_ns are ignored) expiring at deadline_ns
 * (absolute ns; clamped to TW_DEADLINE_MAX), in its expiry lane. On success returns 0
 * and, when out is not NULL, sets *out to the entry (valid until it is removed or
 * expired). Errors: -EINVAL when proto->laddr is 0 (a connection has a concrete local
 * address), -EEXIST when the 4-tuple is already in t, -ENOMEM; t is unchanged on error.
 * O(1) expected (O(n) when the hash table doubles, or when msl was lowered more than
 * TW_LANES - 1 times within 2*MSL).
 */
int tw_insert(struct tw_table *t, const struct tw_entry *proto, uint64_t deadline_ns,
	      struct tw_entry **out);

/* The entry for this 4-tuple, or NULL. The pointer is owned by t. O(1) expected. */
struct tw_entry *tw_lookup(const struct tw_table *t, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport);

/* Computes the PRF output for the 4-tuple into t's memo (tw_hash, tw_isn_half). */
void tw_memo_fill(struct tw_table *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
		  uint16_t rport);

/*
 * A connection's segments arrive in runs (a handshake, a request and its reply, a
 * close), so the last 4-tuple hashed is remembered with the PRF's output: the same
 * 4-tuple again costs a comparison (inline) instead of a SipHash. The memo is a cache of
 * a pure function of (key, 4-tuple): it never needs invalidating, and a peer gains
 * nothing from it (a different 4-tuple is hashed under the key as before). tw_init fills
 * it with the output for the all-zero 4-tuple, so it always holds a true pair.
 */
static inline void tw_memo(struct tw_table *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
			   uint16_t rport)
{
	if (laddr != t->memo_in[0] || raddr != t->memo_in[1] ||
	    ((uint32_t)lport << 16 | rport) != t->memo_in[2])
		tw_memo_fill(t, laddr, lport, raddr, rport);
}

/*
 * The table's hash of a 4-tuple: bits 64..95 of tcp_tuple_prf (isn.h) under the key
 * given to tw_init. The engine uses this one function for every 4-tuple table of a
 * stack (connections, half-open entries, records), so a segment's 4-tuple is hashed
 * once and the value passed to each lookup: tw_lookup_hashed and tw_insert_hashed take
 * it instead of hashing again. h must be tw_hash(t, the same 4-tuple); the result is
 * then exactly that of tw_lookup / tw_insert. The last 4-tuple and its PRF output are
 * remembered in t (a memo of this pure function: hashing the same 4-tuple again costs a
 * comparison).
 */
static inline uint32_t tw_hash(struct tw_table *t, uint32_t laddr, uint16_t lport,
			       uint32_t raddr, uint16_t rport)
{
	tw_memo(t, laddr, lport, raddr, rport);
	return t->memo_hash;
}

/* The first half of the same output, out[0] of tcp_tuple_prf (F and the timestamp
 * offset when t's key is the ISN key: tcb.h tcp_tuple_isn), through the same memo. */
static inline uint64_t tw_isn_half(struct tw_table *t, uint32_t laddr, uint16_t lport,
				   uint32_t raddr, uint16_t rport)
{
	tw_memo(t, laddr, lport, raddr, rport);
	return t->memo_isn_half;
}
static inline struct tw_entry *tw_lookup_hashed(const struct tw_table *t, uint32_t h,
						uint32_t laddr, uint16_t lport, uint32_t raddr,
						uint16_t rport)
{
	for (struct hash_node *n = hash_bucket_first(&t->by_tuple, h); n; n = n->next) {
		struct tw_entry *e = container_of(n, struct tw_entry, hnode);

		if (n->hash == h && e->laddr == laddr && e->lport == lport &&
		    e->raddr == raddr && e->rport == rport)
			return e;
	}
	return NULL;
}
int tw_insert_hashed(struct tw_table *t, const struct tw_entry *proto, uint32_t h,
		     uint64_t deadline_ns, struct tw_entry **out);

/*
 * The entry made in place, for a caller that knows the 4-tuple (laddr != 0) is not in t
 * (the engine: a connection leaving for TIME-WAIT holds its 4-tuple, and a record and a
 * control block never share one, tw.c) and h is its tw_hash: no duplicate check, no
 * prototype copied. Returns the entry, counted, hashed and in its expiry lane at
 * deadline_ns (clamped), with its 4-tuple set and the engine fields (snd_nxt, rcv_nxt,
 * has_ts, ts_recent, hnode.spare) left for the caller to write before t is used again;
 * NULL on ENOMEM (t unchanged). tw_insert_hashed is this after its checks.
 */
struct tw_entry *tw_add(struct tw_table *t, uint32_t h, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport, uint64_t deadline_ns);

/*
 * Restarts e's 2*MSL wait (RFC 9293 §3.10.7.4: a retransmitted FIN in TIME-WAIT
 * "restart the 2 MSL timeout"): sets its deadline to deadline_ns (clamped) and moves it
 * to the tail of its lane (see tw_insert). e must be in t. O(1) expected.
 */
void tw_restart(struct tw_table *t, struct tw_entry *e, uint64_t deadline_ns);

/* Removes e (which must be in t) and returns it to the pool: e is invalid afterwards
 * (a SYN reopened the 4-tuple, a RST was accepted, or tw_reuse took it). O(1) expected. */
void tw_remove(struct tw_table *t, struct tw_entry *e);

/*
 * If the earliest entry has expired (deadline_ns <= now_ns), copies it to *out (its links
 * are then meaningless), removes it from t and returns true; otherwise returns false.
 * Call in a loop to see each expiry, earliest first. O(1) expected.
 */
bool tw_pop_expired(struct tw_table *t, uint64_t now_ns, struct tw_entry *out);

/* Removes every entry whose deadline_ns <= now_ns, earliest first, and returns how
 * many. O(expired * TW_LANES). */
size_t tw_expire(struct tw_table *t, uint64_t now_ns);

/* The earliest deadline of any entry, or UINT64_MAX when t is empty. O(TW_LANES). */
uint64_t tw_next_deadline(const struct tw_table *t);

/* Iteration over every entry, lane by lane, each lane earliest first (for listings):
 * tw_first(t), then tw_next(t, e) until NULL. Do not insert or remove meanwhile. */
struct tw_entry *tw_first(const struct tw_table *t);
struct tw_entry *tw_next(const struct tw_table *t, const struct tw_entry *e);

/* Number of entries. O(1). */
size_t tw_count(const struct tw_table *t);

/*
 * True when some entry has local port lport and local address laddr, or, when laddr is
 * 0 (INADDR_ANY, a wildcard bind), any local address. O(1): the port's slot answers,
 * with a hash lookup only for a port whose entries have several local addresses. That
 * hash table hashes (laddr, lport) multiplicatively, not with SipHash: both are ours
 * (our address, our listening or ephemeral port), so a peer cannot aim them at a bucket.
 */
bool tw_port_in_use(const struct tw_table *t, uint32_t laddr, uint16_t lport);

/*
 * RFC 6191 §2: may a SYN for e's 4-tuple (sequence number seg_seq) open a new
 * incarnation now? has_ts: timestamps "would be enabled for the new incarnation" (the
 * SYN carries a Timestamps option and we would answer with one); ts_val: the SYN's
 * TSval. Decision, timestamps compared modulo 2^32 (RFC 7323 §5.2):
 *   old used TS, new uses TS:  TSval > TS.Recent, or TSval == TS.Recent and seq newer;
 *   old used TS, new does not: seq newer;
 *   old did not use TS:        new uses TS, or seq newer.
 * "seq newer" is RFC 6191's "greater than the last sequence number seen on the previous
 * incarnation", which its note defines as the sequence number of the peer's FIN, i.e.
 * SEG.SEQ > RCV.NXT - 1 (modulo 2^32). Linux (tcp_timewait_state_process) demands
 * SEG.SEQ > RCV.NXT, one more; we follow the RFC: the new ISN RCV.NXT cannot overlap
 * the old incarnation, whose last octet was the FIN at RCV.NXT - 1.
 * When this returns false the SYN is silently dropped and e stays (RFC 6191 §2).
 */
bool tw_syn_may_reopen(const struct tw_entry *e, uint32_t seg_seq, bool has_ts,
		       uint32_t ts_val);

#endif /* SYNACK_TCP_TIMEWAIT_H */
