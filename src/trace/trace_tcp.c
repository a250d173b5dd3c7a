/*
 * trace_tcp.c — the TCP part of a tcpdump -n line (tcpdump 4.99's output for TCP over
 * IPv4, established by feeding tcpdump crafted packets: tests/data/gen_trace_pcap.py).
 *
 *   192.0.2.1.4000 > 192.0.2.2.80: Flags [S.], seq 7, ack 1415531522, win 4096,
 *   options [mss 1024,sackOK,TS val 1 ecr 2,nop,wscale 7], length 0
 *
 * Header fields per RFC 9293 §3.1; options per RFC 9293 §3.2, RFC 7323 (window scale,
 * timestamps), RFC 2018 (SACK), RFC 7413 (fast open), RFC 5482 (user timeout),
 * RFC 5925 (TCP-AO), RFC 6994 (shared experimental options).
 *
 * Relative sequence numbers (tcpdump's default; -S turns them off): for a segment with
 * ACK set, the conversation is looked up in a canonical direction (the lower port first;
 * with equal ports the lower address first). When it is not known yet, or the segment
 * carries SYN, its base is (re)set from this segment (seq, and ack - 1, stored per
 * direction) and the segment prints absolute numbers; later segments print seq and ack
 * minus their direction's base. SACK blocks are always taken relative to the base of
 * the acknowledged direction, including on the segment that set the base. Segments
 * without ACK neither use nor touch the table.
 *
 * Broken headers are printed the way tcpdump prints them: " [|tcp]" where the capture
 * ends, "[bad hdr length ...]" for a data offset below 5 or past the segment, "[bad
 * opt]" for an option whose length is impossible, "[len N]" after an option whose length
 * byte disagrees with its kind. Every byte read is bounds-checked against the capture.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace_int.h"
#include "wire/wire.h"

enum opt_result { OPT_DONE, OPT_BAD, OPT_TRUNC };

/* tcpdump's flag letters, in its order; "none" when no letter applies. */
static const struct {
	uint8_t bit;
	char letter;
} flag_letters[] = {
	{WIRE_TCP_FIN, 'F'}, {WIRE_TCP_SYN, 'S'}, {WIRE_TCP_RST, 'R'}, {WIRE_TCP_PSH, 'P'},
	{WIRE_TCP_ACK, '.'}, {WIRE_TCP_URG, 'U'}, {WIRE_TCP_ECE, 'E'}, {WIRE_TCP_CWR, 'W'},
};

static void put_flags(struct trace_out *o, uint8_t flags)
{
	char s[sizeof(flag_letters) / sizeof(flag_letters[0]) + 1];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(flag_letters) / sizeof(flag_letters[0]); i++)
		if (flags & flag_letters[i].bit)
			s[n++] = flag_letters[i].letter;
	s[n] = '\0';
	trace_put(o, "Flags [%s]", n ? s : "none");
}

/* The fixed header. A complete, well-formed segment goes through the wire parser;
 * anything else (bad offset, bad options, a short capture) is read field by field from
 * the 20 bytes the caller has checked are there. */
static void read_header(const struct trace_pkt *p, struct wire_tcp *h)
{
	const uint8_t *s = p->seg;

	if (p->avail >= p->length && wire_tcp_parse(s, p->length, h) == WIRE_OK)
		return;
	memset(h, 0, sizeof(*h));
	h->sport = trace_get16(s);
	h->dport = trace_get16(s + 2);
	h->seq = trace_get32(s + 4);
	h->ack = trace_get32(s + 8);
	h->hdr_len = (uint8_t)((s[12] >> 4) * 4);
	h->flags = s[13];
	h->win = trace_get16(s + 14);
	h->csum = trace_get16(s + 16);
	h->urp = trace_get16(s + 18);
}

static uint32_t hash_key(uint32_t src, uint32_t dst, uint32_t ports)
{
	uint32_t x = src * 0x9e3779b1u ^ dst * 0x85ebca77u ^ ports * 0xc2b2ae3du;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 13;
	return x;
}

/* Finds the conversation's entry, or claims one (a free way of its set, else the least
 * recently used) and reports that it is new. */
static struct synack_trace_conv *find_conv(struct synack_trace *t, uint32_t src, uint32_t dst,
					   uint32_t ports, bool *is_new)
{
	struct synack_trace_conv *set = t->conv[hash_key(src, dst, ports) % SYNACK_TRACE_CONV_SETS];
	struct synack_trace_conv *victim = &set[0];

	if (++t->use_clock == 0)
		t->use_clock = 1; /* 0 marks a free entry; a wrap only ages the LRU order */
	for (unsigned i = 0; i < SYNACK_TRACE_CONV_WAYS; i++) {
		struct synack_trace_conv *c = &set[i];

		if (c->last_use && c->key_src == src && c->key_dst == dst && c->key_ports == ports) {
			c->last_use = t->use_clock;
			*is_new = false;
			return c;
		}
		if (victim->last_use && (!c->last_use || c->last_use < victim->last_use))
			victim = c;
	}
	victim->key_src = src;
	victim->key_dst = dst;
	victim->key_ports = ports;
	victim->last_use = t->use_clock;
	*is_new = true;
	return victim;
}

struct rel {
	bool rev;           /* this segment runs against the canonical direction */
	uint32_t base_seq;  /* tcpdump's th->seq / th->ack (0 and 0 with -S) */
	uint32_t base_ack;
};

/* tcpdump's relative-sequence bookkeeping; rewrites h->seq and h->ack for printing. */
static void relate(struct synack_trace *t, const struct trace_pkt *p, struct wire_tcp *h,
		   struct rel *r)
{
	struct synack_trace_conv *c;
	bool is_new;

	memset(r, 0, sizeof(*r));
	if (t->opts.absolute_seq || !(h->flags & WIRE_TCP_ACK))
		return;
	r->rev = h->sport > h->dport || (h->sport == h->dport && p->src > p->dst);
	if (r->rev)
		c = find_conv(t, p->dst, p->src, (uint32_t)h->dport << 16 | h->sport, &is_new);
	else
		c = find_conv(t, p->src, p->dst, (uint32_t)h->sport << 16 | h->dport, &is_new);
	if (is_new || (h->flags & WIRE_TCP_SYN)) {
		if (r->rev) {
			c->ack = h->seq;
			c->seq = h->ack - 1;
		} else {
			c->seq = h->seq;
			c->ack = h->ack - 1;
		}
	} else if (r->rev) {
		h->seq -= c->ack;
		h->ack -= c->seq;
	} else {
		h->seq -= c->seq;
		h->ack -= c->ack;
	}
	r->base_seq = c->seq;
	r->base_ack = c->ack;
}

static const char *option_name(uint8_t kind, char buf[16])
{
	switch (kind) {
	case 0: return "eol";
	case 1: return "nop";
	case 2: return "mss";
	case 3: return "wscale";
	case 4: return "sackOK";
	case 5: return "sack";
	case 6: return "echo";
	case 7: return "echoreply";
	case 8: return "TS";
	case 11: return "cc";
	case 12: return "ccnew";
	case 13: return "";           /* tcpdump names CC.ECHO with an empty string */
	case 19: return "md5";
	case 20: return "scps";
	case 28: return "uto";
	case 29: return "tcp-ao";
	case 30: return "mptcp";
	case 34: return "tfo";
	case 254: return "exp";
	default:
		snprintf(buf, 16, "unknown-%u", kind);
		return buf;
	}
}

/* One option's body, cp[0..) with `left` header bytes remaining and `avail` captured
 * bytes from cp on. Sets *datalen to the bytes the body takes (tcpdump advances by
 * this, not by the length byte). */
struct opt_ctx {
	struct trace_out *o;
	const uint8_t *cp;
	size_t avail;
	unsigned left;
	const struct rel *rel;
};

/* tcpdump's LENCHECK: the body must fit the header ([bad opt]) and the capture ([|tcp]). */
static enum opt_result need(const struct opt_ctx *x, unsigned n)
{
	if (n > x->left)
		return OPT_BAD;
	if (n > x->avail)
		return OPT_TRUNC;
	return OPT_DONE;
}

static void put_hex(struct trace_out *o, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		trace_put(o, "%02x", b[i]);
}

/* RFC 7413 fast open cookie (also inside the RFC 6994 experimental option). */
static void put_fastopen(struct trace_out *o, const uint8_t *b, unsigned n, bool exp)
{
	if (exp)
		trace_put(o, "tfo");
	if (n == 0) {
		trace_put(o, " cookiereq");
	} else if (n % 2 != 0 || n < 4 || n > 16) {
		trace_put(o, " (invalid)");
	} else {
		trace_put(o, " cookie ");
		put_hex(o, b, n);
	}
}

/* RFC 2018 §3: blocks printed relative to the acknowledged direction's base. */
static enum opt_result put_sack(const struct opt_ctx *x, unsigned datalen)
{
	enum opt_result r;

	if (datalen % 8 != 0) {
		trace_put(x->o, " invalid sack");
		return OPT_DONE;
	}
	trace_put(x->o, " %u ", datalen / 8);
	for (unsigned i = 0; i < datalen; i += 8) {
		uint32_t s, e, base;

		if ((r = need(x, i + 8)) != OPT_DONE)
			return r;
		s = trace_get32(x->cp + i);
		e = trace_get32(x->cp + i + 4);
		base = x->rel->rev ? x->rel->base_seq : x->rel->base_ack;
		trace_put(x->o, "{%u:%u}", s - base, e - base);
	}
	return OPT_DONE;
}

static enum opt_result put_body(const struct opt_ctx *x, uint8_t kind, unsigned len,
				unsigned *datalen)
{
	struct trace_out *o = x->o;
	const uint8_t *cp = x->cp;
	enum opt_result r;
	unsigned v;

	switch (kind) {
	case 0: case 1: case 4:
		*datalen = 0;
		return OPT_DONE;
	case 2:
		*datalen = 2;
		if ((r = need(x, 2)) == OPT_DONE)
			trace_put(o, " %u", trace_get16(cp));
		return r;
	case 3:
		*datalen = 1;
		if ((r = need(x, 1)) == OPT_DONE)
			trace_put(o, " %u", cp[0]);
		return r;
	case 5:
		*datalen = len - 2;
		return put_sack(x, len - 2);
	case 6: case 7: case 11: case 12: case 13:
		*datalen = 4;
		if ((r = need(x, 4)) == OPT_DONE)
			trace_put(o, " %u", trace_get32(cp));
		return r;
	case 8:
		*datalen = 8;
		if ((r = need(x, 8)) == OPT_DONE)
			trace_put(o, " val %u ecr %u", trace_get32(cp), trace_get32(cp + 4));
		return r;
	case 19: /* RFC 2385 MD5 signature: tcpdump cannot check it without -M */
		*datalen = 16;
		if ((r = need(x, 16)) == OPT_DONE) {
			trace_put(o, " shared secret not supplied with -M, can't check - ");
			put_hex(o, cp, 16);
		}
		return r;
	case 20:
		*datalen = 2;
		if ((r = need(x, 2)) == OPT_DONE)
			trace_put(o, " cap %02x id %u", cp[0], cp[1]);
		return r;
	case 28: /* RFC 5482 §3: granularity bit, then the timeout */
		*datalen = 2;
		if ((r = need(x, 2)) != OPT_DONE)
			return r;
		v = trace_get16(cp);
		trace_put(o, " 0x%x %u", v, (v & 1) ? (v >> 1) * 60 : v >> 1);
		return OPT_DONE;
	case 29: /* RFC 5925 §2.2 */
		*datalen = len - 2;
		if ((r = need(x, len - 2)) != OPT_DONE)
			return r;
		if (len - 2 < 2) {
			trace_put(o, " (invalid)");
		} else {
			trace_put(o, " keyid %u rnextkeyid %u", cp[0], cp[1]);
			if (len - 2 > 2) {
				trace_put(o, " mac 0x");
				put_hex(o, cp + 2, len - 4);
			}
		}
		return OPT_DONE;
	case 34:
		*datalen = len - 2;
		if ((r = need(x, len - 2)) == OPT_DONE) {
			trace_put(o, " ");
			put_fastopen(o, cp, len - 2, false);
		}
		return r;
	case 254: /* RFC 6994: a 16-bit experiment identifier first */
		*datalen = len - 2;
		if ((r = need(x, len - 2)) != OPT_DONE)
			return r;
		if (len - 2 < 2)
			return OPT_BAD;
		trace_put(o, "-");
		if (trace_get16(cp) == 0xf989)
			put_fastopen(o, cp + 2, len - 4, true);
		else
			trace_put(o, "%04x", trace_get16(cp));
		return OPT_DONE;
	default: /* unknown kinds (and MPTCP, not decoded): the body in hex */
		*datalen = len - 2;
		if (len - 2)
			trace_put(o, " 0x");
		for (unsigned i = 0; i < len - 2; i++) {
			if ((r = need(x, i + 1)) != OPT_DONE)
				return r;
			trace_put(o, "%02x", cp[i]);
		}
		return OPT_DONE;
	}
}

/*
 * ", options [...]". Returns false when the line ends inside the options (a bad option
 * or the end of the capture), in which case tcpdump prints nothing after them.
 */
static bool put_options(struct trace_out *o, const struct trace_pkt *p, unsigned hlen,
			const struct rel *rel)
{
	size_t cp = WIRE_TCP_HDR_MIN;
	unsigned left = hlen - WIRE_TCP_HDR_MIN;
	bool first = true;
	char name[16];

	trace_put(o, ", options [");
	while (left > 0) {
		struct opt_ctx x;
		enum opt_result r;
		unsigned len, datalen = 0;
		uint8_t kind;

		if (!first)
			trace_put(o, ",");
		/* The kind and length bytes themselves missing from the capture: tcpdump
		 * stops at once, without the '>' it prints for a short option body. */
		if (cp >= p->avail) {
			trace_put(o, " [|tcp]");
			return false;
		}
		kind = p->seg[cp++];
		if (kind == WIRE_OPT_EOL || kind == WIRE_OPT_NOP) {
			len = 1;
		} else {
			if (cp >= p->avail) {
				trace_put(o, " [|tcp]");
				return false;
			}
			len = p->seg[cp++];
			if (len < 2 || len > left)
				goto bad;
			left--;
		}
		left--;
		trace_put(o, "%s", option_name(kind, name));
		x = (struct opt_ctx){o, p->seg + cp, p->avail - cp, left, rel};
		r = put_body(&x, kind, len, &datalen);
		if (r == OPT_BAD)
			goto bad;
		if (r == OPT_TRUNC) {
			trace_put(o, first ? " [|tcp]" : " [|tcp]>");
			return false;
		}
		cp += datalen;
		left -= datalen;
		datalen += (kind == WIRE_OPT_EOL || kind == WIRE_OPT_NOP) ? 1 : 2;
		if (datalen != len)
			trace_put(o, "[len %u]", len);
		first = false;
		if (kind == WIRE_OPT_EOL)
			break;
	}
	trace_put(o, "]");
	return true;
bad:
	trace_put(o, first ? "[bad opt]" : "[bad opt]]");
	return false;
}

/* -v: the stored checksum and whether it is right for the pseudo-header with
 * p->csum_dst (tcpdump: ", cksum 0x1234 (correct)" or "(incorrect -> 0x5678)"). */
static void put_csum(struct trace_out *o, const struct trace_pkt *p)
{
	uint64_t sum = wire_pseudo_ipv4(p->src, p->csum_dst, WIRE_IPPROTO_TCP,
					(uint16_t)p->length);
	uint16_t stored = trace_get16(p->seg + 16);

	if (wire_csum_fold(wire_csum_add(sum, p->seg, p->length)) == 0) {
		trace_put(o, ", cksum 0x%04x (correct)", stored);
		return;
	}
	sum = wire_csum_add(wire_csum_add(sum, p->seg, 16), p->seg + 18, p->length - 18u);
	trace_put(o, ", cksum 0x%04x (incorrect -> 0x%04x)", stored, wire_csum_fold(sum));
}

void trace_tcp(struct synack_trace *t, struct trace_out *o, const struct trace_pkt *p)
{
	char a[16], b[16];
	struct wire_tcp h;
	struct rel rel;
	uint32_t length;

	if (p->avail < 4) {
		trace_put(o, "%s > %s: [|tcp]", trace_addr(p->src, a), trace_addr(p->dst, b));
		return;
	}
	trace_put(o, "%s.%u > %s.%u: ", trace_addr(p->src, a), trace_get16(p->seg),
		  trace_addr(p->dst, b), trace_get16(p->seg + 2));
	if (p->avail < WIRE_TCP_HDR_MIN) {
		trace_put(o, " [|tcp]");
		return;
	}
	read_header(p, &h);
	if (h.hdr_len < WIRE_TCP_HDR_MIN) {
		trace_put(o, " tcp %u [bad hdr length %u - too short, < %u]", p->length - h.hdr_len,
			  h.hdr_len, WIRE_TCP_HDR_MIN);
		return;
	}
	put_flags(o, h.flags);
	/* tcpdump updates its conversation table before judging an over-long offset. */
	relate(t, p, &h, &rel);
	if (h.hdr_len > p->length) {
		trace_put(o, " [bad hdr length %u - too long, > %u]", h.hdr_len, p->length);
		return;
	}
	if (t->opts.verbose && !p->fragment && p->avail >= p->length)
		put_csum(o, p);
	length = p->length - h.hdr_len;
	if (length > 0 || (h.flags & (WIRE_TCP_SYN | WIRE_TCP_FIN | WIRE_TCP_RST))) {
		trace_put(o, ", seq %u", h.seq);
		if (length > 0)
			trace_put(o, ":%u", h.seq + length);
	}
	if (h.flags & WIRE_TCP_ACK)
		trace_put(o, ", ack %u", h.ack);
	trace_put(o, ", win %u", h.win);
	if (h.flags & WIRE_TCP_URG)
		trace_put(o, ", urg %u", h.urp);
	if (h.hdr_len > WIRE_TCP_HDR_MIN && !put_options(o, p, h.hdr_len, &rel))
		return;
	trace_put(o, ", length %u", length);
}
