/*
 * wire.h — bytes <-> validated structs for IPv4 and TCP (RFC 791, RFC 9293 §3.1–3.2,
 * RFC 7323, RFC 2018), the Internet checksum (RFC 1071, RFC 1624) and serial-number
 * arithmetic on 32-bit sequence numbers (RFC 1982, RFC 9293 §3.4).
 *
 * Pure: no state, no allocation, no I/O. Every parse function validates lengths first;
 * once it returns WIRE_OK every field of the output struct is meaningful and every
 * pointer it returns points inside the caller's buffer (borrowed, not copied).
 * All multi-byte fields in the structs are in host byte order.
 */
#ifndef SYNACK_WIRE_WIRE_H
#define SYNACK_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- errors: every parse failure has a name ------------------------------------ */

enum wire_err {
	WIRE_OK = 0,
	/* IPv4 */
	WIRE_IP_TRUNCATED,      /* buffer shorter than 20 bytes */
	WIRE_IP_VERSION,        /* version field is not 4 */
	WIRE_IP_IHL,            /* IHL < 5, or IHL*4 > buffer */
	WIRE_IP_TOTAL_LEN,      /* total length < IHL*4, or > buffer */
	/* TCP */
	WIRE_TCP_TRUNCATED,     /* segment shorter than 20 bytes */
	WIRE_TCP_DOFF,          /* data offset < 5, or offset*4 > segment */
	WIRE_OPT_LEN_SHORT,     /* an option (not EOL/NOP) with length byte 0 or 1 */
	WIRE_OPT_OVERRUN,       /* an option's kind/length byte or body runs past the header */
	WIRE_OPT_MSS_LEN,       /* MSS option length != 4 */
	WIRE_OPT_WS_LEN,        /* window scale option length != 3 */
	WIRE_OPT_SACKOK_LEN,    /* SACK-permitted option length != 2 */
	WIRE_OPT_SACK_LEN,      /* SACK option length not 2 + 8*n with n in 1..4 */
	WIRE_OPT_TS_LEN,        /* timestamps option length != 10 */
	/* IPv4 options (RFC 791 §3.1) */
	WIRE_IPOPT_OVERRUN,     /* an IP option's length byte or body runs past the header */
	WIRE_IPOPT_LEN_SHORT,   /* an IP option (not EOL/NOP) with length byte 0 or 1 */
	WIRE_IPOPT_SRR_LEN,     /* LSRR/SSRR length < 3 or not 3 + 4*n */
	WIRE_IPOPT_SRR_PTR,     /* LSRR/SSRR pointer < 4, not 4 + 4*k, or > length + 1 */
	WIRE_IPOPT_SRR_DUP,     /* more than one source route option (RFC 1122 §3.2.1.8 (c)) */
	WIRE_ERR_COUNT
};

/* A short stable name for the reason ("tcp: data offset"), for logs and drop counters. */
const char *wire_strerror(enum wire_err err);

/* ---- serial-number arithmetic (RFC 1982; RFC 9293 §3.4) ---------------------------- */

/*
 * Big-endian (network order) 16/32-bit loads and stores at any alignment. A store is
 * one byte swap and one store (memcpy, a plain move at any alignment): written byte by
 * byte, GCC merged the bytes back into one store only where it saw the whole value at
 * once, and elsewhere assembled them with shifts and ors (~12 instructions for 32 bits;
 * -164 instructions per lifecycle in bench lifecycle when changed). A load stays byte by
 * byte: GCC recognises that pattern as one load and a swap everywhere, and folds the
 * swap into a compare with a constant (the one-pass read's option test), which the
 * memcpy form lost (+38 per lifecycle in synack_input, measured).
 */
/* v in network byte order, as stored (a byte swap on a little-endian host) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WIRE_BE16(v) ((uint16_t)(v))
#define WIRE_BE32(v) ((uint32_t)(v))
#else
#define WIRE_BE16(v) __builtin_bswap16(v)
#define WIRE_BE32(v) __builtin_bswap32(v)
#endif

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_put16(uint8_t *p, uint16_t v)
{
	v = WIRE_BE16(v);
	memcpy(p, &v, 2);
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	v = WIRE_BE32(v);
	memcpy(p, &v, 4);
}

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }
/* lo <= x < hi in sequence space (an empty range when lo == hi). */
static inline bool seq_in(uint32_t x, uint32_t lo, uint32_t hi) { return x - lo < hi - lo; }
/* lo <= x <= hi. */
static inline bool seq_in_closed(uint32_t x, uint32_t lo, uint32_t hi) { return x - lo <= hi - lo; }

/* ---- Internet checksum (RFC 1071), accumulated 64 bits at a time --------------------- */
/*
 * A running sum is a 64-bit one's complement value (arithmetic modulo 2^64 - 1, any of
 * its bits may be set) congruent modulo 2^16 - 1 to the RFC 1071 sum of the bytes as
 * big-endian 16-bit words, and 0 only when every byte summed was 0 (why this is the
 * same checksum: src/wire/checksum.c). Start with 0; combine sums with
 * wire_csum_combine or as an acc argument, never with '+'; only wire_csum_fold reads
 * one. The small pieces are inline: they sit on every packet's path.
 */

/* The one's complement sum of two running sums: a + b with the carry out of bit 63
 * added back in (end-around carry, RFC 1071 §2(C)). */
static inline uint64_t wire_csum_combine(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;

	return s + (s < b);
}

/* A sum of host-order words as a sum of big-endian words (RFC 1071 §2(B)): the byte
 * swap of every 16-bit lane, which modulo 2^64 - 1 is a rotation left by 8 bits. */
static inline uint64_t wire_csum_host_to_be(uint64_t s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return s;
#else
	return s << 8 | s >> 56;
#endif
}

/* Adds len bytes at data (borrowed, read only) to the running sum acc; an odd final
 * byte is padded with zero. Returns the new sum; sums of pieces combine only when every
 * piece but the last has even length. */
uint64_t wire_csum_add(uint64_t acc, const void *data, size_t len);

/*
 * The implementations of wire_csum_add / wire_csum_copy's 64-byte blocks (the bytes
 * past the last block always take the portable path). The best one this CPU runs is
 * chosen once at program start (wire_csum_best: AVX2, else the x86-64 add-with-carry
 * chain, else portable); every one gives the same sums. wire_csum_use switches to impl
 * (false, nothing changed, when this CPU or build does not have it): for tests and
 * measurements, not thread-safe against sums running at the same time.
 */
enum wire_csum_impl {
	WIRE_CSUM_PORTABLE,     /* C, 8-byte words: the reference */
	WIRE_CSUM_ADC,          /* x86-64 add-with-carry chain */
	WIRE_CSUM_AVX2,         /* x86-64 32-byte vectors, CPUs with AVX2 */
	WIRE_CSUM_NIMPL
};
bool wire_csum_impl_ok(enum wire_csum_impl impl);
enum wire_csum_impl wire_csum_best(void);
bool wire_csum_use(enum wire_csum_impl impl);
/* The implementation in use now, and a short name for one ("avx2"; "?" if unknown). */
enum wire_csum_impl wire_csum_impl_now(void);
const char *wire_csum_impl_name(enum wire_csum_impl impl);

/* wire_csum_add(acc, src, len) that also copies the len bytes to dst (both borrowed for
 * the call; they must not overlap): one pass over the bytes instead of a copy and a sum.
 * Returns the new sum. */
uint64_t wire_csum_copy(uint64_t acc, void *dst, const void *src, size_t len);

/* Adds sum, the running sum of a piece that starts off bytes into the data being summed
 * (the pieces before it summed into acc), to acc. A piece at an odd offset was summed
 * with its bytes in the other halves of their 16-bit words: its sum is byte-swapped
 * (RFC 1071 §2(B)), which modulo 2^64 - 1 is a rotation by 8 bits. */
static inline uint64_t wire_csum_add_at(uint64_t acc, uint64_t sum, size_t off)
{
	if (off & 1)
		sum = sum << 8 | sum >> 56;
	return wire_csum_combine(acc, sum);
}

/* wire_csum_add(acc, data, 20) for exactly 20 bytes (an IPv4 header without options):
 * five 32-bit words summed into 64 bits cannot carry out, so there is no chain. */
static inline uint64_t wire_csum_add20(uint64_t acc, const void *data)
{
	const uint8_t *p = data;
	uint32_t w[5];

	memcpy(w, p, sizeof w);
	return wire_csum_combine(acc, wire_csum_host_to_be((uint64_t)w[0] + w[1] + w[2] +
							   w[3] + w[4]));
}

/* Folds a running sum to 16 bits and complements it: the value to put in a header. A
 * buffer whose stored checksum is right sums (with the checksum) to 0 after folding.
 * The fold (RFC 1071 §4.1): x plus x rotated by half its width holds, in its upper
 * half, the end-around-carry sum of the two halves; 64 -> 32 -> 16. */
static inline uint16_t wire_csum_fold(uint64_t acc)
{
	uint32_t s32;

	acc += acc << 32 | acc >> 32;
	s32 = (uint32_t)(acc >> 32);
	s32 += s32 << 16 | s32 >> 16;
	return (uint16_t)~(s32 >> 16);
}

/*
 * wire_csum_fold(acc) == 0, the check of a received header or segment whose stored
 * checksum was summed with it, without the fold: the folded sum is 0xffff exactly when
 * acc is a nonzero multiple of 2^16 - 1 (the fold keeps the value modulo 2^16 - 1, and
 * gives 0 only for acc = 0). 2^16 - 1 is odd, so divisibility is one multiplication
 * (exact division, Granlund and Montgomery, "Division by invariant integers using
 * multiplication", PLDI 1994): acc = k (2^16 - 1) exactly when acc times the inverse of
 * 2^16 - 1 modulo 2^64 is k, and every k up to (2^64 - 1) / (2^16 - 1) =
 * 0x0001000100010001 is such a multiple below 2^64; k = 0 (acc = 0) is excluded by the
 * "- 1". A multiply, a subtraction and a compare instead of the fold's nine
 * instructions and a compare; test_wire_checksum (ok_is_fold_zero) compares the two.
 */
#define WIRE_CSUM_INV 0xfffefffefffeffffull     /* (2^16 - 1)^-1 modulo 2^64 */
_Static_assert((uint64_t)(0xffffull * WIRE_CSUM_INV) == 1, "the inverse of 2^16 - 1");
static inline bool wire_csum_ok(uint64_t acc)
{
	return acc * WIRE_CSUM_INV - 1 < 0x0001000100010001ull;
}

/* The checksum of one buffer: wire_csum_fold(wire_csum_add(0, data, len)). */
uint16_t wire_csum(const void *data, size_t len);
/* RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from old_v to new_v. */
uint16_t wire_csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v);
/* The same for a 32-bit field (an address, a sequence number). */
uint16_t wire_csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v);

/* The IPv4 pseudo-header sum (RFC 9293 §3.1): src, dst, zero, protocol, length;
 * addresses in host order. Each 32-bit address is congruent to the sum of its two
 * 16-bit halves (2^16 = 1 modulo 2^16 - 1); the total stays below 2^34. */
static inline uint64_t wire_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
					uint16_t len)
{
	return (uint64_t)src + dst + proto + len;
}

/* ---- IPv4 (RFC 791) -------------------------------------------------------------- */

#define WIRE_IPV4_HDR_MIN 20u
#define WIRE_IPV4_HDR_MAX 60u
#define WIRE_IPPROTO_ICMP 1u
#define WIRE_IPPROTO_TCP  6u
#define WIRE_IP_DF 0x4000u
#define WIRE_IP_MF 0x2000u
#define WIRE_IP_OFFMASK 0x1fffu

struct wire_ipv4 {
	uint8_t  hdr_len;       /* IHL * 4, 20..60 */
	uint8_t  tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag;          /* flags (DF, MF) and offset in 8-byte units, as on the wire */
	uint8_t  ttl;
	uint8_t  proto;
	uint16_t csum;          /* as received (parse) / computed by emit */
	uint32_t src, dst;
	const uint8_t *opts;    /* hdr_len - 20 bytes of options, skipped (parse only) */
};

static inline bool wire_ipv4_is_fragment(const struct wire_ipv4 *ip)
{
	return (ip->frag & (WIRE_IP_MF | WIRE_IP_OFFMASK)) != 0;
}

/* Parses an IPv4 header at buf[0..len). On WIRE_OK, *ip is filled, and the payload is
 * buf[ip->hdr_len .. ip->total_len) (bytes past total_len are link padding, ignored).
 * The header checksum is not judged here: see wire_ipv4_csum_ok. */
enum wire_err wire_ipv4_parse(const uint8_t *buf, size_t len, struct wire_ipv4 *ip);
/* True when the header checksum over buf[0..hdr_len) is right. buf must hold hdr_len. */
bool wire_ipv4_csum_ok(const uint8_t *buf, size_t hdr_len);
/* Writes a 20-byte header (no options) from ip (hdr_len ignored, taken as 20) with
 * a computed checksum; ip->total_len must already count the payload. Returns 20, or 0
 * when cap < 20. */
size_t wire_ipv4_emit(const struct wire_ipv4 *ip, uint8_t *buf, size_t cap);

/* The fixed 20-byte header (version 4, IHL 5) from its field values into buf[0..20)
 * (the caller checked the room), the checksum summed from the values in registers
 * instead of re-read from the written bytes (RFC 1071 §2: the sum of the ten 16-bit
 * words, in any grouping; each 32-bit address is congruent to the sum of its halves,
 * as in wire_pseudo_ipv4). The first word is never 0, so the fold gives the same one of
 * the two zeros as the byte-wise sum: bytes identical to wire_ipv4_emit_opts with no
 * options (test_wire_ipv4 compares them). What every emitted packet pays: inline. */
static inline void wire_ipv4_emit20(uint8_t *buf, uint8_t tos, uint16_t total_len,
				    uint16_t id, uint16_t frag, uint8_t ttl, uint8_t proto,
				    uint32_t src, uint32_t dst)
{
	uint64_t sum = (uint64_t)(0x4500u | tos) + total_len + id + frag +
		       (uint32_t)(ttl << 8 | proto) + src + dst;
	uint16_t csum = wire_csum_fold(sum);

	buf[0] = 0x45;
	buf[1] = tos;
	wire_put16(buf + 2, total_len);
	wire_put16(buf + 4, id);
	wire_put16(buf + 6, frag);
	buf[8] = ttl;
	buf[9] = proto;
	wire_put16(buf + 10, csum);
	wire_put32(buf + 12, src);
	wire_put32(buf + 16, dst);
}

/* Writes a header of 20 + opts_len bytes: the fields of ip (hdr_len ignored) followed
 * by opts[0..opts_len) (borrowed; opts_len a multiple of 4, at most 40, so IHL = 5 +
 * opts_len / 4), with the checksum over the whole header. ip->total_len must count the
 * header with its options and the payload. Returns 20 + opts_len, or 0 when opts_len is
 * not a multiple of 4 or above 40, or cap is smaller than the header. */
size_t wire_ipv4_emit_opts(const struct wire_ipv4 *ip, const uint8_t *opts, size_t opts_len,
			   uint8_t *buf, size_t cap);

/* ---- IPv4 options: source routes (RFC 791 §3.1, RFC 1122 §3.2.1.8) ----------------- */

enum {
	WIRE_IPOPT_EOL = 0,
	WIRE_IPOPT_NOP = 1,
	WIRE_IPOPT_LSRR = 131,  /* loose source and record route */
	WIRE_IPOPT_SSRR = 137,  /* strict source and record route */
};

#define WIRE_IPV4_OPTS_MAX 40u
#define WIRE_SRR_MAX 9          /* (40 - 3) / 4 addresses fit in one header */

/*
 * A loose or strict source route option: type, length (3 + 4 * count), pointer and
 * route data. The pointer is RFC 791's: the 1-based octet offset of the next address
 * in the option, 4 for the first; it is greater than the length when the route is
 * completed (the datagram is at its final destination and the data is the recorded
 * route: RFC 1122 §3.2.1.8 (c)).
 */
struct wire_ipv4_srr {
	uint8_t  type;          /* WIRE_IPOPT_LSRR or WIRE_IPOPT_SSRR */
	uint8_t  len;           /* option length in bytes, 3 + 4 * count */
	uint8_t  ptr;           /* 4 + 4 * k, k in 0..count */
	uint8_t  count;         /* addresses in the route data, 0..WIRE_SRR_MAX */
	uint8_t  off;           /* parse: the option's offset in the options area */
	uint32_t addr[WIRE_SRR_MAX];
};

struct wire_ipv4_opts {
	bool     has_srr;
	uint8_t  other_count;   /* options other than EOL, NOP and a source route, skipped
	                         * by their length (record route, timestamp, ...) */
	struct wire_ipv4_srr srr;
};

/* The source route has been followed to its end (pointer past the last address). */
static inline bool wire_ipv4_srr_done(const struct wire_ipv4_srr *s)
{
	return s->ptr > s->len;
}

/*
 * Parses the options area opts[0..len) of an IPv4 header (len = hdr_len - 20, at most
 * 40; opts borrowed). *out is zeroed first. EOL ends the list; NOP is skipped; every
 * other option must have a length byte >= 2 that keeps it inside the area; LSRR/SSRR
 * are validated and decoded (one at most); other kinds are counted and skipped.
 * Returns WIRE_OK or the named error of the first bad option.
 */
enum wire_err wire_ipv4_parse_opts(const uint8_t *opts, size_t len,
				   struct wire_ipv4_opts *out);
/* Writes the source route s (type, 3 + 4 * count, s->ptr, the addresses; s->len and
 * s->off ignored) then EOL bytes up to a multiple of 4. Returns the padded length, or
 * 0 when the type is not LSRR/SSRR, count is 0 or above WIRE_SRR_MAX, the pointer is
 * not 4 + 4 * k with k <= count, or cap is too small. */
size_t wire_ipv4_srr_emit(const struct wire_ipv4_srr *s, uint8_t *buf, size_t cap);

/* ---- TCP header and options (RFC 9293 §3.1–3.2, RFC 7323, RFC 2018) ---------------- */

#define WIRE_TCP_HDR_MIN 20u
#define WIRE_TCP_HDR_MAX 60u

enum {
	WIRE_TCP_FIN = 0x01,
	WIRE_TCP_SYN = 0x02,
	WIRE_TCP_RST = 0x04,
	WIRE_TCP_PSH = 0x08,
	WIRE_TCP_ACK = 0x10,
	WIRE_TCP_URG = 0x20,
	WIRE_TCP_ECE = 0x40,
	WIRE_TCP_CWR = 0x80,
};

enum {
	WIRE_OPT_EOL = 0,
	WIRE_OPT_NOP = 1,
	WIRE_OPT_MSS = 2,
	WIRE_OPT_WS = 3,
	WIRE_OPT_SACKOK = 4,
	WIRE_OPT_SACK = 5,
	WIRE_OPT_TS = 8,
};

/* Bits of wire_tcp_opts.present. */
enum {
	WIRE_HAS_MSS = 1u << 0,
	WIRE_HAS_WS = 1u << 1,
	WIRE_HAS_SACKOK = 1u << 2,
	WIRE_HAS_SACK = 1u << 3,
	WIRE_HAS_TS = 1u << 4,
};

#define WIRE_SACK_MAX 4

struct wire_sack_block { uint32_t left, right; };

struct wire_tcp_opts {
	uint8_t  present;                 /* WIRE_HAS_* */
	uint8_t  wscale;                  /* shift as received (clamping is the engine's job) */
	uint8_t  sack_count;              /* 1..4 when WIRE_HAS_SACK */
	uint8_t  unknown_count;           /* options of unknown kind skipped by their length */
	uint16_t mss;
	uint32_t ts_val, ts_ecr;
	/* the first sack_count blocks; the rest are unspecified (wire_tcp_opts_clear) */
	struct wire_sack_block sack[WIRE_SACK_MAX];
};

/* No options: every field before the SACK blocks zeroed (sack_count 0), the blocks left
 * as they are: nothing reads a block at or past sack_count. The one-pass read's
 * common segments (NOP,NOP,TS or none) store 16 bytes instead of 48 (~6 instructions
 * per packet read, ~65 per lifecycle in bench lifecycle). */
static inline void wire_tcp_opts_clear(struct wire_tcp_opts *o)
{
	memset(o, 0, offsetof(struct wire_tcp_opts, sack));
}

struct wire_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t  hdr_len;       /* data offset * 4, 20..60 */
	uint8_t  flags;         /* WIRE_TCP_* */
	uint8_t  reserved;      /* the 4 reserved bits (byte 12 low nibble), as received */
	uint16_t win;           /* unscaled, as on the wire */
	uint16_t csum;
	uint16_t urp;
	struct wire_tcp_opts opt;
	const uint8_t *payload; /* parse: inside the caller's buffer; emit: ignored */
	size_t   payload_len;
};

/*
 * Two adjacent 16-bit fields, the first at p and the second at p + 2, set from the
 * big-endian word w that holds them on the wire (the first w >> 16, the second
 * w & 0xffff) with one 4-byte store: w's halves swapped on a little-endian host, w as it
 * is on a big-endian one. The one-pass read sets the ports, and the checksum and urgent
 * pointer, of struct wire_tcp this way (fields checked adjacent where it does).
 */
static inline void wire_set16x2(void *p, uint32_t w)
{
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	w = w << 16 | w >> 16;
#endif
	memcpy(p, &w, 4);
}

/* Parses a TCP segment seg[0..len) (len = IP payload length). Validates the data
 * offset and every option; on WIRE_OK fills *tcp including payload/payload_len.
 * The checksum is not judged here: see wire_tcp_csum_ok. */
enum wire_err wire_tcp_parse(const uint8_t *seg, size_t len, struct wire_tcp *tcp);
/* Parses only the options area opts[0..len) into *out (used by wire_tcp_parse). *out is
 * zeroed first; on an error it holds the options before the bad one. A repeated option
 * overwrites the earlier one (as Linux does); unknown_count saturates at 255. */
enum wire_err wire_tcp_parse_opts(const uint8_t *opts, size_t len, struct wire_tcp_opts *out);
/* wire_tcp_parse_opts for the one-pass read: true when it returns WIRE_OK, with *sum the
 * running sum of the area's bytes (len a multiple of 4: the area's 32-bit words as
 * values, RFC 1071 §2); false (*sum unset) for any error. Out of line: only segments
 * with options other than NOP,NOP,TS (SYNs, SACK blocks) take it. */
bool wire_tcp_parse_opts_sum(const uint8_t *opts, size_t len, struct wire_tcp_opts *out,
			     uint64_t *sum);
/* True when the TCP checksum over the IPv4 pseudo-header and seg[0..len) is right. */
bool wire_tcp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len);

/* Bytes the options in opt take when emitted by wire_tcp_emit (a multiple of 4). More
 * than 40 means they do not fit in one header (wire_tcp_emit then returns 0); SIZE_MAX
 * when WIRE_HAS_SACK is set with sack_count outside 1..4. */
size_t wire_tcp_opts_len(const struct wire_tcp_opts *opt);
/* Writes header + options + payload (payload/payload_len taken from the arguments, not
 * from tcp) into buf, computing the checksum over the IPv4 pseudo-header (src, dst).
 * tcp->hdr_len is ignored and computed. Options are laid out as Linux does:
 *   SYN:  MSS, then SACKOK+TS as [4,2,8,10,val,ecr] (or NOP,NOP,TS / NOP,NOP,SACKOK),
 *         then NOP,WS
 *   else: NOP,NOP,TS, then NOP,NOP,SACK blocks
 * Every option set in tcp->opt.present is written, whatever the flags (which options a
 * segment carries is the engine's choice), always in the one order MSS, SACKOK/TS, WS,
 * SACK; tcp->reserved is written as given. payload may already sit at buf + header
 * length (it is moved, overlap is fine).
 * Returns the segment length, or 0 when cap is too small, the options do not fit, the
 * segment would exceed 65535 bytes, or payload is NULL with payload_len > 0. */
size_t wire_tcp_emit(const struct wire_tcp *tcp, uint32_t src, uint32_t dst,
		     const uint8_t *payload, size_t payload_len, uint8_t *buf, size_t cap);
/* The options of a SYN or SYN-ACK when all four are on (Linux's defaults, and ours):
 * MSS; SACKOK and TS in one 12-byte group; NOP, WS: 20 bytes. */
#define WIRE_SYN_OPTS (WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS)

/* WIRE_SYN_OPTS at o in wire_tcp_emit's layout (MSS; SACKOK, TS; NOP, WS: 20 bytes),
 * written as the values of their five 32-bit words, and those words' sum (RFC 1071 §2:
 * the checksum's running sum takes big-endian 32-bit values as they are). */
static inline __attribute__((always_inline)) uint64_t
wire_syn_opts_put_sum(uint8_t *o, uint16_t mss, uint32_t ts_val, uint32_t ts_ecr,
		      uint8_t wscale)
{
	uint32_t m = (uint32_t)WIRE_OPT_MSS << 24 | 4u << 16 | mss;
	uint32_t kind = (uint32_t)WIRE_OPT_SACKOK << 24 | 2u << 16 | (uint32_t)WIRE_OPT_TS << 8 |
			10u;
	uint32_t ws = (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_WS << 16 | 3u << 8 | wscale;

	wire_put32(o, m);
	wire_put32(o + 4, kind);
	wire_put32(o + 8, ts_val);
	wire_put32(o + 12, ts_ecr);
	wire_put32(o + 16, ws);
	return (uint64_t)m + kind + ts_val + ts_ecr + ws;
}

/* NOP, NOP, TS (kind 8, length 10) at o with TSval val and TSecr ecr, the options of
 * every segment after a handshake that negotiated timestamps (RFC 7323 Appendix A, as
 * wire_tcp_emit lays them out), written as the values of their three 32-bit words, and
 * those words' sum (as wire_syn_opts_put_sum). */
static inline __attribute__((always_inline)) uint64_t
wire_ts_opt_put_sum(uint8_t *o, uint32_t val, uint32_t ecr)
{
	uint32_t kind = (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_NOP << 16 |
			(uint32_t)WIRE_OPT_TS << 8 | 10u;

	wire_put32(o, kind);
	wire_put32(o + 4, val);
	wire_put32(o + 8, ecr);
	return (uint64_t)kind + val + ecr;
}

/* wire_tcp_opts_len, with no options, timestamps alone (every segment after a
 * handshake that negotiated them) or WIRE_SYN_OPTS sized without the general walk. */
static inline size_t wire_tcp_opts_len_quick(const struct wire_tcp_opts *opt)
{
	if (!(opt->present & ~WIRE_HAS_TS))
		return opt->present ? 12u : 0u;
	return opt->present == WIRE_SYN_OPTS ? 20u : wire_tcp_opts_len(opt);
}

/* Writes the options of opt at p as wire_tcp_emit lays them out (wire_tcp_opts_len(opt)
 * bytes, at most 40: the caller checked) and returns acc plus their running sum, summed
 * from the values of their 32-bit words as they are written (no re-read). */
uint64_t wire_tcp_opts_write_sum(const struct wire_tcp_opts *opt, uint8_t *p, uint64_t acc);

/*
 * The common packet in one pass: at buf a 20-byte IPv4 header (no options, DF, the
 * given TTL, TOS and ID, protocol TCP) and the TCP header of tcp with its options,
 * exactly as wire_ipv4_emit20 and wire_tcp_emit would write them, checksums included.
 * The payload_len bytes of payload must already sit right behind the TCP header
 * (buf + 20 + 20 + options length); they are read, not moved. Returns the packet
 * length, or 0 where wire_tcp_emit refuses (options over 40 bytes or invalid), the
 * packet would exceed 65535 bytes, or cap is smaller than the packet.
 *
 * Both checksums are summed from the field values in registers instead of re-read from
 * the written bytes (RFC 1071 §2: the one's complement sum of 16-bit words in any
 * grouping; each 32-bit value is congruent, modulo 2^16 - 1, to the sum of its halves,
 * as in wire_pseudo_ipv4). The connection's fixed words (addresses, protocol, ports;
 * TTL, TOS and DF for IPv4) are the template; the segment's words (sequence and
 * acknowledgment numbers, offset and flags, window, urgent pointer, the lengths and the
 * IP ID) patch it. The options are summed as values too (their 32-bit words as they
 * are written; NOP,NOP,TS inline); the payload from its bytes. The sum holds the protocol (6), so it is never 0: the fold gives the
 * byte-wise sum's checksum, 0x0000 included (0xffff only comes from all-zero data,
 * RFC 1624 §3). test_wire_tcp compares it with both writers and RFC 1071's loop.
 * Every segment a connection sends pays it: inline.
 */
static inline size_t wire_tcpip_emit(const struct wire_tcp *tcp, uint32_t src, uint32_t dst,
				     uint8_t ttl, uint8_t tos, uint16_t id, size_t payload_len,
				     uint8_t *buf, size_t cap)
{
	size_t olen = wire_tcp_opts_len_quick(&tcp->opt);
	uint8_t *t = buf + WIRE_IPV4_HDR_MIN;
	uint32_t ports = (uint32_t)tcp->sport << 16 | tcp->dport, word3;
	size_t hdr_len, seg_len;
	uint64_t sum;

	if (olen > WIRE_TCP_HDR_MAX - WIRE_TCP_HDR_MIN)
		return 0;
	hdr_len = WIRE_TCP_HDR_MIN + olen;
	if (payload_len > UINT16_MAX - WIRE_IPV4_HDR_MIN - hdr_len ||
	    WIRE_IPV4_HDR_MIN + hdr_len + payload_len > cap)
		return 0;
	seg_len = hdr_len + payload_len;
	/* data offset, reserved bits, flags and window: the header's fourth word */
	word3 = (uint32_t)((hdr_len / 4) << 4 | (tcp->reserved & 0x0fu)) << 24 |
		(uint32_t)tcp->flags << 16 | tcp->win;
	sum = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, (uint16_t)seg_len) + ports +
	      tcp->seq + tcp->ack + word3 + tcp->urp;
	if (tcp->opt.present == WIRE_HAS_TS) {
		sum += wire_ts_opt_put_sum(t + 20, tcp->opt.ts_val, tcp->opt.ts_ecr);
	} else if (tcp->opt.present == WIRE_SYN_OPTS) {
		sum += wire_syn_opts_put_sum(t + 20, tcp->opt.mss, tcp->opt.ts_val, tcp->opt.ts_ecr,
					     tcp->opt.wscale);
	} else if (olen) {
		sum = wire_tcp_opts_write_sum(&tcp->opt, t + WIRE_TCP_HDR_MIN, sum);
	}
	if (payload_len)
		sum = wire_csum_add(sum, t + hdr_len, payload_len);
	wire_put32(t, ports);
	wire_put32(t + 4, tcp->seq);
	wire_put32(t + 8, tcp->ack);
	wire_put32(t + 12, word3);
	wire_put16(t + 16, wire_csum_fold(sum));
	wire_put16(t + 18, tcp->urp);
	wire_ipv4_emit20(buf, tos, (uint16_t)(WIRE_IPV4_HDR_MIN + seg_len), id, WIRE_IP_DF, ttl,
			 WIRE_IPPROTO_TCP, src, dst);
	return WIRE_IPV4_HDR_MIN + seg_len;
}


/*
 * A connection's header template: the bytes and sums of its IPv4 and TCP headers that
 * no segment of it changes (version 4 and IHL 5, DF, protocol TCP, both addresses and
 * both ports), computed once when the connection's 4-tuple is set
 * (wire_tcpip_tmpl_init), so that each segment stores them whole and adds one value to
 * each checksum instead of writing and summing them field by field
 * (wire_tcpip_tmpl_put). TOS and TTL are in it too, set apart by wire_tcpip_tmpl_tos_ttl
 * whenever their source changes (a socket option, the stack's configuration: the
 * caller's to call): a connection's segments all carry the same ones, but for ECN's
 * field (ECT(0) on new data, RFC 3168 §6.1.2), which each segment adds as it goes.
 */
struct wire_tcpip_tmpl {
	uint8_t  hdr[24];       /* packet bytes 0..23: the IPv4 header with total length,
	                         * ID and checksum 0; the TCP ports */
	uint64_t ip_sum;        /* the IPv4 header's fixed words: 0x4500, DF, protocol,
	                         * both addresses, TOS and TTL (RFC 1071 §2) */
	uint64_t tcp_sum;       /* the pseudo-header's addresses and protocol (RFC 9293
	                         * §3.1) and the ports */
};

/* Fills *tp for segments from src:sport to dst:dport (host order), with TOS and TTL 0
 * until wire_tcpip_tmpl_tos_ttl sets them. */
static inline void wire_tcpip_tmpl_init(struct wire_tcpip_tmpl *tp, uint32_t src, uint32_t dst,
					uint16_t sport, uint16_t dport)
{
	uint32_t ports = (uint32_t)sport << 16 | dport;

	memset(tp->hdr, 0, 12);
	tp->hdr[0] = 0x45;
	wire_put16(tp->hdr + 6, WIRE_IP_DF);
	tp->hdr[9] = WIRE_IPPROTO_TCP;
	wire_put32(tp->hdr + 12, src);
	wire_put32(tp->hdr + 16, dst);
	wire_put32(tp->hdr + 20, ports);
	/* a 32-bit value is congruent, modulo 2^16 - 1, to the sum of its halves, as in
	 * wire_pseudo_ipv4 */
	tp->ip_sum = 0x4500u + WIRE_IP_DF + WIRE_IPPROTO_TCP + (uint64_t)src + dst;
	tp->tcp_sum = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, 0) + ports;
}

/* Sets *tp's TOS (its ECN field clear: wire_tcpip_tmpl_put adds it per segment) and TTL,
 * and its IPv4 sum with them: the old ones' share taken out, the new ones' put in. */
static inline void wire_tcpip_tmpl_tos_ttl(struct wire_tcpip_tmpl *tp, uint8_t tos, uint8_t ttl)
{
	tp->ip_sum += (uint64_t)tos + ((uint32_t)ttl << 8);
	tp->ip_sum -= (uint64_t)tp->hdr[1] + ((uint32_t)tp->hdr[8] << 8);
	tp->hdr[1] = tos;
	tp->hdr[8] = ttl;
}

/*
 * Both headers of a segment of the connection of template tp at buf, exactly as
 * wire_tcpip_emit writes them for a struct wire_tcp with tp's ports, this seq and ack,
 * word3 its fourth word (data offset, reserved bits, flags, window) and urgent pointer
 * 0: the template's 24 bytes stored whole (with its TOS and TTL), then the segment's
 * words (ECN's field ect ORed into the TOS, RFC 3168 §5: 0 or ECT(0); total length and
 * ID, the IPv4 checksum; sequence and acknowledgment numbers, word3, the TCP checksum).
 * seg_len counts the TCP header with its options and the payload, which
 * are in place behind the fixed 20 bytes and summed in sum (RFC 1071 §2, from their
 * values as wire_tcpip_emit sums them). Both sums hold a nonzero constant (0x4500, the
 * protocol), so their folds give the byte-wise sums' checksums. test_wire_tcp
 * (tmpl_put_equals_one_pass) compares it with wire_tcpip_emit; test_tcp_out_common with
 * the general writers, segment by segment.
 */
static inline __attribute__((always_inline)) void
wire_tcpip_tmpl_put(const struct wire_tcpip_tmpl *tp, uint8_t *buf, uint8_t ect, uint16_t id,
		    uint32_t seq, uint32_t ack, uint32_t word3, uint32_t seg_len, uint64_t sum)
{
	uint8_t *t = buf + WIRE_IPV4_HDR_MIN;
	uint32_t tot = WIRE_IPV4_HDR_MIN + seg_len;

	sum += tp->tcp_sum + seg_len + seq + ack + word3;
	memcpy(buf, tp->hdr, sizeof tp->hdr);
	buf[1] |= ect;
	wire_put32(buf + 2, tot << 16 | id);
	wire_put16(buf + 10, wire_csum_fold(tp->ip_sum + ect + tot + id));
	wire_put32(t + 4, seq);
	wire_put32(t + 8, ack);
	wire_put32(t + 12, word3);
	wire_put32(t + 16, (uint32_t)wire_csum_fold(sum) << 16);        /* urgent pointer 0 */
}


/* The part of wire_tcpip_parse_hdrs after the options (tot the IPv4 total length,
 * word3 the TCP header's fourth word, s the options' sum): the fixed TCP fields and the
 * sum of the rest. The fixed 20 bytes and the two addresses are summed as loaded, in
 * host order (two 64-bit words and one 32-bit word, and the addresses' 64-bit word,
 * with their carries), then turned into a big-endian sum by wire_csum_host_to_be (RFC
 * 1071 §2(B)), as the IPv4 header's sum is: the fields are read for their values only,
 * and none of them is kept for the sum. */
static inline __attribute__((always_inline)) bool
wire_tcpip_parse_rest(const uint8_t *pkt, size_t tot, size_t hdr_len, uint32_t word3,
		      uint64_t s, uint32_t *src, uint32_t *dst, struct wire_tcp *tcp,
		      uint64_t *sum)
{
	const uint8_t *t = pkt + WIRE_IPV4_HDR_MIN;
	uint64_t a, b, ad;
	uint32_t c;

	tcp->hdr_len = (uint8_t)hdr_len;
	tcp->reserved = (uint8_t)(word3 >> 24 & 0x0fu);
	tcp->flags = (uint8_t)(word3 >> 16);
	tcp->win = (uint16_t)word3;
	tcp->payload = t + hdr_len;
	tcp->payload_len = tot - WIRE_IPV4_HDR_MIN - hdr_len;
	_Static_assert(offsetof(struct wire_tcp, dport) == offsetof(struct wire_tcp, sport) + 2 &&
		       offsetof(struct wire_tcp, urp) == offsetof(struct wire_tcp, csum) + 2,
		       "wire_set16x2 sets two adjacent fields");
	wire_set16x2((uint8_t *)tcp + offsetof(struct wire_tcp, sport), wire_get32(t));
	tcp->seq = wire_get32(t + 4);
	tcp->ack = wire_get32(t + 8);
	wire_set16x2((uint8_t *)tcp + offsetof(struct wire_tcp, csum), wire_get32(t + 16));
	*src = wire_get32(pkt + 12);
	*dst = wire_get32(pkt + 16);
	memcpy(&a, t, 8);               /* ports, sequence number */
	memcpy(&b, t + 8, 8);           /* acknowledgment number, word3 */
	memcpy(&c, t + 16, 4);          /* checksum, urgent pointer */
	memcpy(&ad, pkt + 12, 8);       /* source, destination */
	a = wire_csum_combine(wire_csum_combine(wire_csum_combine(a, b), ad), c);
	*sum = wire_csum_combine(wire_csum_host_to_be(a),
				 s + WIRE_IPPROTO_TCP + (tot - WIRE_IPV4_HDR_MIN));
	return true;
}

/* wire_tcpip_parse_hdrs for an option area other than none or NOP,NOP,TS (SYNs, SACK
 * blocks), its IPv4 header and TCP header length already judged: the area through
 * wire_tcp_parse_opts_sum, then wire_tcpip_parse_rest. Out of line (tcp.c), so the
 * common path hands its values over as arguments and keeps none across a call. */
bool wire_tcpip_parse_opts_rest(const uint8_t *pkt, size_t tot, size_t hdr_len,
				uint32_t word3, uint32_t *src, uint32_t *dst,
				struct wire_tcp *tcp, uint64_t *sum);

/*
 * The common received packet's two headers read once, the mirror of wire_tcpip_emit:
 * a 20-byte IPv4 header (version 4, IHL 5: no options) that is not a fragment, carries
 * protocol TCP, has a total length in 40..len and a right header checksum; a TCP header
 * whose data offset fits the segment and whose options are well formed. Returns true
 * with *src, *dst (host order) and *tcp filled exactly as wire_ipv4_parse and
 * wire_tcp_parse fill them, and *sum the running sum of the pseudo-header and the TCP
 * header with its options (the payload not summed: the caller adds it, or sums it while
 * copying it). Returns false for any other packet, *tcp then unspecified: the caller
 * judges it through the general parsers, which name the reason. Addresses are not
 * judged here, nor the TCP checksum.
 *
 * The IPv4 header checksum is summed from the 20 bytes as loaded, two 64-bit words and
 * one 32-bit word with their carries: its fold is 0 exactly when the big-endian sum's
 * is (the sum of host-order words is the big-endian sum rotated by 8 bits, RFC 1071
 * §2(B), and the header is never all zero); the TCP header's fixed 20 bytes and the
 * pseudo-header's addresses the same way (wire_tcpip_parse_rest). Option words read in
 * place serve both their fields and the sum (RFC 1071 §2: a big-endian 32-bit value is
 * congruent, modulo 2^16 - 1, to the sum of its halves, as in wire_pseudo_ipv4). Options: none, and
 * NOP,NOP,TS (every segment after a handshake with timestamps, RFC 7323 Appendix A)
 * recognised by one 32-bit compare, are read here; any other layout (SYNs, SACK
 * blocks) goes out of line to wire_tcpip_parse_opts_rest with what has been read so far
 * (the IPv4 header is not read twice), which parses the area with
 * wire_tcp_parse_opts_sum (Linux's SYN layout its first case) and ends as the common
 * path does (wire_tcpip_parse_rest). Every packet pays it: always inline, and the
 * common layout marked likely (without it the compiler cleared the options with a byte
 * loop).
 */
static inline __attribute__((always_inline)) bool
wire_tcpip_parse_hdrs(const uint8_t *pkt, size_t len, uint32_t *src, uint32_t *dst,
		      struct wire_tcp *tcp, uint64_t *sum)
{
	const uint32_t nop_nop_ts = (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_NOP << 16 |
				    (uint32_t)WIRE_OPT_TS << 8 | 10u;
	/* the first 8 bytes as loaded: version 4 and IHL 5 (byte 0), and neither MF nor a
	 * fragment offset (bytes 6 and 7 but DF and the reserved bit: WIRE_IP_MF |
	 * WIRE_IP_OFFMASK), judged with one mask whatever the byte order */
	const uint8_t mask_b[8] = { 0xff, 0, 0, 0, 0, 0,
				    (WIRE_IP_MF | WIRE_IP_OFFMASK) >> 8,
				    (WIRE_IP_MF | WIRE_IP_OFFMASK) & 0xff };
	const uint8_t v45_b[8] = { 0x45, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t *t = pkt + WIRE_IPV4_HDR_MIN;
	uint64_t q0, q1, s, vihl_frag_mask, vihl_45;
	uint32_t d, word3;
	size_t tot, hdr_len;

	memcpy(&vihl_frag_mask, mask_b, 8);
	memcpy(&vihl_45, v45_b, 8);
	if (len < WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN)
		return false;
	memcpy(&q0, pkt, 8);            /* version/IHL, TOS, total length, ID, flags+offset */
	memcpy(&q1, pkt + 8, 8);        /* TTL, protocol, checksum, source */
	memcpy(&d, pkt + 16, 4);        /* destination */
	tot = wire_get16(pkt + 2);
	if ((q0 & vihl_frag_mask) != vihl_45 ||
	    tot < WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN || tot > len ||
	    pkt[9] != WIRE_IPPROTO_TCP ||
	    !wire_csum_ok(wire_csum_combine(wire_csum_combine(q0, q1), d)))
		return false;
	word3 = wire_get32(t + 12);     /* data offset, reserved, flags, window */
	hdr_len = (size_t)(word3 >> 26 & 0x3cu);
	if (hdr_len < WIRE_TCP_HDR_MIN || hdr_len > tot - WIRE_IPV4_HDR_MIN)
		return false;
	if (__builtin_expect(hdr_len == WIRE_TCP_HDR_MIN + 12 &&
			     wire_get32(t + 20) == nop_nop_ts, 1)) {
		wire_tcp_opts_clear(&tcp->opt);
		tcp->opt.present = WIRE_HAS_TS;
		tcp->opt.ts_val = wire_get32(t + 24);
		tcp->opt.ts_ecr = wire_get32(t + 28);
		s = nop_nop_ts + (uint64_t)tcp->opt.ts_val + tcp->opt.ts_ecr;
	} else if (hdr_len == WIRE_TCP_HDR_MIN) {
		wire_tcp_opts_clear(&tcp->opt);
		s = 0;
	} else {
		return wire_tcpip_parse_opts_rest(pkt, tot, hdr_len, word3, src, dst, tcp, sum);
	}
	return wire_tcpip_parse_rest(pkt, tot, hdr_len, word3, s, src, dst, tcp, sum);
}

/*
 * The sum of a short payload p[0..len), len <= WIRE_SUM_SHORT_MAX, as a value to add to
 * a running sum with '+' (at most 8 * 0xff00: the header sums it joins are far from
 * 2^64): byte i is the high half of its big-endian 16-bit word when i is even, the
 * payload starting at an even offset of the segment (RFC 1071 §2; an odd last byte
 * padded with zero, §4.1). A one-byte request or response costs a few instructions
 * instead of wire_csum_add's call.
 */
#define WIRE_SUM_SHORT_MAX 8u
static inline uint64_t wire_sum_short(const uint8_t *p, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += (uint64_t)p[i] << (i & 1 ? 0 : 8);
	return s;
}

/*
 * wire_tcpip_parse_hdrs with the TCP checksum judged too (the payload summed from its
 * bytes, a short one inline by wire_sum_short, RFC 9293 §3.1): true only for a common packet whose both checksums are right,
 * exactly the packets that wire_ipv4_parse, wire_ipv4_csum_ok, wire_tcp_parse and
 * wire_tcp_csum_ok all accept with a 20-byte IPv4 header, not fragmented, protocol TCP.
 * The sum holds the protocol (6), so it is never 0 and its fold is 0 exactly when the
 * byte-wise sum's is. test_wire_tcpip_parse compares it with the general parsers.
 */
static inline bool wire_tcpip_parse(const uint8_t *pkt, size_t len, uint32_t *src,
				    uint32_t *dst, struct wire_tcp *tcp)
{
	uint64_t sum;

	if (!wire_tcpip_parse_hdrs(pkt, len, src, dst, tcp, &sum))
		return false;
	if (tcp->payload_len <= WIRE_SUM_SHORT_MAX)
		sum += wire_sum_short(tcp->payload, tcp->payload_len);
	else
		sum = wire_csum_add(sum, tcp->payload, tcp->payload_len);
	return wire_csum_ok(sum);
}

#endif
