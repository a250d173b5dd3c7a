/* test_wire_tcpip_parse.c — the one-pass parse of a received TCP/IPv4 packet
 * (wire_tcpip_parse: both headers read once, both checksums summed from the loaded
 * words) judges exactly as the general parsers: wire_ipv4_parse + wire_ipv4_csum_ok
 * (20-byte header, not a fragment, protocol TCP) then wire_tcp_parse +
 * wire_tcp_csum_ok. Golden packets (a Linux SYN, a data segment with NOP,NOP,TS, a pure
 * ACK without options) with every field asserted, then many random packets: every
 * option layout (none, NOP,NOP,TS, Linux's SYN layout, other orders, SACK blocks,
 * unknown kinds, EOL padding, bad lengths of every kind), odd and even payloads (0..9
 * bytes often: wire_sum_short and its bound), link padding, and one or more of: a byte
 * of either header changed, the data offset, the total length, the fragment bits, the
 * protocol or IHL changed (IP options), the buffer truncated, a checksum left stale or
 * made right again. The verdict must be the same and, when accepted, every field of
 * the result. */
#include <criterion/criterion.h>
#include <string.h>

#include "pkt_fix.h"
#include "wire/wire.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t next_rand(void)
{
	return pf_rand(&rng);
}

/* The general parsers' verdict on pkt[0..len), with what they give. */
static bool general(const uint8_t *pkt, size_t len, uint32_t *src, uint32_t *dst,
		    struct wire_tcp *t)
{
	struct wire_ipv4 ip;

	if (wire_ipv4_parse(pkt, len, &ip) != WIRE_OK || ip.hdr_len != WIRE_IPV4_HDR_MIN ||
	    !wire_ipv4_csum_ok(pkt, ip.hdr_len) || wire_ipv4_is_fragment(&ip) ||
	    ip.proto != WIRE_IPPROTO_TCP)
		return false;
	if (wire_tcp_parse(pkt + 20, ip.total_len - 20u, t) != WIRE_OK ||
	    !wire_tcp_csum_ok(ip.src, ip.dst, pkt + 20, ip.total_len - 20u))
		return false;
	*src = ip.src;
	*dst = ip.dst;
	return true;
}

static void expect_same_opts(const struct wire_tcp_opts *a, const struct wire_tcp_opts *b)
{
	cr_assert_eq(a->present, b->present, "present %02x vs %02x", a->present, b->present);
	cr_assert_eq(a->wscale, b->wscale, "wscale %u vs %u", a->wscale, b->wscale);
	cr_assert_eq(a->sack_count, b->sack_count, "sack_count %u vs %u", a->sack_count,
		     b->sack_count);
	cr_assert_eq(a->unknown_count, b->unknown_count, "unknown %u vs %u", a->unknown_count,
		     b->unknown_count);
	cr_assert_eq(a->mss, b->mss, "mss %u vs %u", a->mss, b->mss);
	cr_assert_eq(a->ts_val, b->ts_val, "ts_val %u vs %u", a->ts_val, b->ts_val);
	cr_assert_eq(a->ts_ecr, b->ts_ecr, "ts_ecr %u vs %u", a->ts_ecr, b->ts_ecr);
	for (int i = 0; i < a->sack_count; i++) {      /* the rest are unspecified */
		cr_assert_eq(a->sack[i].left, b->sack[i].left, "sack %d left", i);
		cr_assert_eq(a->sack[i].right, b->sack[i].right, "sack %d right", i);
	}
}

static unsigned n_accepted, n_rejected, n_ts, n_syn_layout, n_other_opts, n_payload;

/* Both verdicts on pkt[0..len), compared field by field; returns the verdict. */
static bool compare(const uint8_t *pkt, size_t len)
{
	struct wire_tcp a, b;
	uint32_t sa = 1, da = 2, sb = 3, db = 4;
	bool ka, kb;

	memset(&a, 0xa5, sizeof a);
	memset(&b, 0x5a, sizeof b);
	ka = wire_tcpip_parse(pkt, len, &sa, &da, &a);
	kb = general(pkt, len, &sb, &db, &b);
	cr_assert_eq(ka, kb, "one pass %d, general %d: len %zu, ip %02x tl %u frag %02x%02x "
		     "proto %u, doff %u", ka, kb, len, pkt[0], len >= 4 ? pkt[2] << 8 | pkt[3] : 0,
		     len >= 8 ? pkt[6] : 0, len >= 8 ? pkt[7] : 0, len >= 10 ? pkt[9] : 0,
		     len >= 33 ? pkt[32] >> 4 : 0);
	if (!ka) {
		n_rejected++;
		return false;
	}
	n_accepted++;
	cr_assert_eq(sa, sb, "src %08x vs %08x", sa, sb);
	cr_assert_eq(da, db, "dst %08x vs %08x", da, db);
	cr_assert_eq(a.sport, b.sport);
	cr_assert_eq(a.dport, b.dport);
	cr_assert_eq(a.seq, b.seq, "seq %u vs %u", a.seq, b.seq);
	cr_assert_eq(a.ack, b.ack, "ack %u vs %u", a.ack, b.ack);
	cr_assert_eq(a.hdr_len, b.hdr_len, "hdr_len %u vs %u", a.hdr_len, b.hdr_len);
	cr_assert_eq(a.flags, b.flags, "flags %02x vs %02x", a.flags, b.flags);
	cr_assert_eq(a.reserved, b.reserved, "reserved %x vs %x", a.reserved, b.reserved);
	cr_assert_eq(a.win, b.win, "win %u vs %u", a.win, b.win);
	cr_assert_eq(a.csum, b.csum, "csum %04x vs %04x", a.csum, b.csum);
	cr_assert_eq(a.urp, b.urp, "urp %u vs %u", a.urp, b.urp);
	cr_assert_eq(a.payload, b.payload);
	cr_assert_eq(a.payload_len, b.payload_len, "payload_len %zu vs %zu", a.payload_len,
		     b.payload_len);
	expect_same_opts(&a.opt, &b.opt);
	if (a.hdr_len == 32 && a.opt.present == WIRE_HAS_TS)
		n_ts++;
	else if (a.hdr_len == 40 && a.opt.present == (WIRE_HAS_MSS | WIRE_HAS_SACKOK |
						      WIRE_HAS_TS | WIRE_HAS_WS))
		n_syn_layout++;
	else if (a.hdr_len > 20)
		n_other_opts++;
	if (a.payload_len)
		n_payload++;
	return true;
}

/* An options area of random bytes made of options of every kind, sometimes with a bad
 * length, sometimes EOL-padded; returns its length (a multiple of 4, at most 40). */
static size_t random_opts(uint8_t *o)
{
	size_t cap = 4 * (next_rand() % 11);

	pf_random_opts(&rng, o, cap);
	return cap;
}

/* A well-formed option area in one of the layouts senders use; returns its length. */
static size_t layout_opts(uint8_t *o)
{
	struct wire_tcp_opts opt = { 0 };
	uint8_t tmp[60];
	struct wire_tcp t = { .sport = 1, .dport = 2 };
	size_t n;

	switch (next_rand() % 5) {
	case 0:
		return 0;
	case 1:
		opt.present = WIRE_HAS_TS;
		break;
	case 2:
		opt.present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS;
		break;
	case 3:
		opt.present = (uint8_t)(next_rand() & 0x1f);
		break;
	default:
		return random_opts(o);
	}
	opt.mss = (uint16_t)next_rand();
	opt.wscale = (uint8_t)(next_rand() % 16);
	opt.ts_val = next_rand();
	opt.ts_ecr = next_rand();
	opt.sack_count = (uint8_t)(1 + next_rand() % ((opt.present & WIRE_HAS_TS) ? 3 : 4));
	for (int i = 0; i < WIRE_SACK_MAX; i++) {
		opt.sack[i].left = next_rand();
		opt.sack[i].right = next_rand();
	}
	t.opt = opt;
	n = wire_tcp_emit(&t, 0, 0, NULL, 0, tmp, sizeof tmp);
	if (!n)
		return 0;       /* more than 40 bytes: no options then */
	memcpy(o, tmp + 20, n - 20);
	return n - 20;
}

/* A valid packet at pkt (cap bytes of room): 20-byte IP header, TCP header with
 * options, payload, both checksums right. Returns its length. */
static size_t valid_packet(uint8_t *pkt, size_t cap)
{
	size_t olen = layout_opts(pkt + 40), plen = next_rand() % 4 ? next_rand() % 10
								     : next_rand() % 200;
	size_t hl = 20 + olen, tl = 20 + hl + plen;
	struct wire_ipv4 ip = {
		.tos = (uint8_t)next_rand(), .total_len = (uint16_t)tl, .id = (uint16_t)next_rand(),
		.frag = next_rand() % 2 ? WIRE_IP_DF : 0, .ttl = (uint8_t)next_rand(),
		.proto = WIRE_IPPROTO_TCP, .src = next_rand(), .dst = next_rand(),
	};
	uint8_t *t = pkt + 20;

	cr_assert_leq(tl, cap);
	wire_ipv4_emit(&ip, pkt, 20);
	for (int i = 0; i < 12; i++)
		t[i] = (uint8_t)next_rand();
	t[12] = (uint8_t)((hl / 4) << 4 | (next_rand() % 4 ? 0 : next_rand() % 16));
	t[13] = (uint8_t)next_rand();
	pf_put16(t + 14, (uint16_t)next_rand());
	pf_put16(t + 18, (uint16_t)(next_rand() % 2 ? 0 : next_rand()));
	for (size_t i = 0; i < plen; i++)
		t[hl + i] = (uint8_t)next_rand();
	pf_fix_tcp_csum(pkt, cap);
	return tl;
}

/* One or more changes to a valid packet; *len may change (truncation, padding). */
static void mutate(uint8_t *pkt, size_t *len, size_t cap)
{
	unsigned k = 1 + next_rand() % 3;
	uint16_t v;

	while (k-- && *len) {
		switch (next_rand() % 10) {
		case 0:         /* any byte of the headers */
			pkt[next_rand() % (*len < 60 ? *len : 60)] = (uint8_t)next_rand();
			break;
		case 1:         /* one bit of the headers or the payload */
			pkt[next_rand() % *len] ^= (uint8_t)(1u << next_rand() % 8);
			break;
		case 2:         /* the data offset */
			pkt[32] = (uint8_t)((next_rand() % 16) << 4 | (pkt[32] & 15));
			break;
		case 3:         /* the total length */
			v = (uint16_t)(next_rand() % (*len + 8));
			pf_put16(pkt + 2, v);
			break;
		case 4:         /* fragment bits and offset */
			pkt[6] = (uint8_t)(next_rand() % 2 ? 0x20 : next_rand());
			pkt[7] = (uint8_t)(next_rand() % 2 ? 0 : next_rand());
			break;
		case 5:         /* protocol */
			pkt[9] = (uint8_t)(next_rand() % 2 ? 17 : next_rand());
			break;
		case 6:         /* IHL: IP options (the general path takes them) */
			pkt[0] = (uint8_t)(0x40 | next_rand() % 16);
			break;
		case 7:         /* version */
			pkt[0] = (uint8_t)((next_rand() % 16) << 4 | 5);
			break;
		case 8:         /* truncated */
			*len = next_rand() % (*len + 1);
			break;
		default:        /* link padding */
			if (*len + 8 <= cap)
				*len += next_rand() % 8;
			break;
		}
	}
	if (next_rand() % 4)
		pf_fix_tcp_csum(pkt, *len);
	if (next_rand() % 4)
		pf_fix_ip_csum(pkt);
}

Test(wire_tcpip_parse, golden_packets)
{
	/* a Linux SYN: MSS 1460, SACKOK+TS, NOP, WS 7; 10.0.0.2:40000 -> 10.0.0.1:80 */
	static const uint8_t syn_tcp[] = {
		0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
		0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
	};
	uint8_t pkt[128];
	struct wire_ipv4 ip = { .ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = 0x0a000002u,
				.dst = 0x0a000001u, .frag = WIRE_IP_DF };
	struct wire_tcp t;
	uint32_t s, d;

	ip.total_len = 20 + sizeof syn_tcp;
	wire_ipv4_emit(&ip, pkt, 20);
	memcpy(pkt + 20, syn_tcp, sizeof syn_tcp);
	pf_fix_tcp_csum(pkt, sizeof pkt);
	cr_assert(compare(pkt, ip.total_len));
	cr_assert(wire_tcpip_parse(pkt, ip.total_len, &s, &d, &t));
	cr_assert_eq(s, 0x0a000002u);
	cr_assert_eq(d, 0x0a000001u);
	cr_assert_eq(t.sport, 40000);
	cr_assert_eq(t.dport, 80);
	cr_assert_eq(t.seq, 1000);
	cr_assert_eq(t.flags, WIRE_TCP_SYN);
	cr_assert_eq(t.win, 64240);
	cr_assert_eq(t.hdr_len, 40);
	cr_assert_eq(t.opt.present, WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS);
	cr_assert_eq(t.opt.mss, 1460);
	cr_assert_eq(t.opt.ts_val, 0x00010203u);
	cr_assert_eq(t.opt.ts_ecr, 0);
	cr_assert_eq(t.opt.wscale, 7);
	cr_assert_eq(t.payload_len, 0);
	cr_assert_eq(t.payload, pkt + 60);
	pkt[20 + 16] ^= 1;                      /* the TCP checksum one bit off */
	cr_assert(!compare(pkt, ip.total_len));
	pkt[20 + 16] ^= 1;
	cr_assert(!compare(pkt, ip.total_len - 1u));    /* the buffer one byte short */

	/* data with NOP,NOP,TS: 3 bytes, ACK|PSH */
	{
		struct wire_tcp in = { .sport = 80, .dport = 40000, .seq = 7, .ack = 1001,
				       .flags = WIRE_TCP_ACK | WIRE_TCP_PSH, .win = 502 };

		in.opt.present = WIRE_HAS_TS;
		in.opt.ts_val = 0xdeadbeefu;
		in.opt.ts_ecr = 0x01020304u;
		cr_assert_eq(wire_tcp_emit(&in, ip.src, ip.dst, (const uint8_t *)"abc", 3,
					   pkt + 20, sizeof pkt - 20), 35);
		ip.total_len = 55;
		wire_ipv4_emit(&ip, pkt, 20);
		cr_assert(compare(pkt, 55));
		cr_assert(compare(pkt, 60));    /* link padding is not the segment's */
		cr_assert(wire_tcpip_parse(pkt, 55, &s, &d, &t));
		cr_assert_eq(t.opt.present, WIRE_HAS_TS);
		cr_assert_eq(t.opt.ts_val, 0xdeadbeefu);
		cr_assert_eq(t.opt.ts_ecr, 0x01020304u);
		cr_assert_eq(t.payload_len, 3);
		cr_assert_eq(memcmp(t.payload, "abc", 3), 0);
		pkt[54] ^= 0x80;                /* the payload's last (odd) byte */
		cr_assert(!compare(pkt, 55));
		pkt[54] ^= 0x80;
		pkt[10] ^= 1;                   /* the IP header checksum */
		cr_assert(!compare(pkt, 55));
	}
	/* a pure ACK without options, IHL 6 with a NOP option area: general path only */
	{
		struct wire_tcp in = { .sport = 80, .dport = 40000, .seq = 8, .ack = 1001,
				       .flags = WIRE_TCP_ACK, .win = 1 };

		cr_assert_eq(wire_tcp_emit(&in, ip.src, ip.dst, NULL, 0, pkt + 20,
					   sizeof pkt - 20), 20);
		ip.total_len = 40;
		wire_ipv4_emit(&ip, pkt, 20);
		cr_assert(compare(pkt, 40));
		cr_assert(wire_tcpip_parse(pkt, 40, &s, &d, &t));
		cr_assert_eq(t.opt.present, 0);
		cr_assert_eq(t.hdr_len, 20);
		memmove(pkt + 24, pkt + 20, 20);
		memset(pkt + 20, WIRE_IPOPT_NOP, 4);
		pkt[0] = 0x46;
		pkt[3] = 44;
		pf_fix_ip_csum(pkt);
		cr_assert(!wire_tcpip_parse(pkt, 44, &s, &d, &t));
	}
}

Test(wire_tcpip_parse, random_and_malformed_packets_equal_general_parse)
{
	static uint8_t pkt[400];
	unsigned mutated_accepted = 0;

	n_accepted = n_rejected = n_ts = n_syn_layout = n_other_opts = n_payload = 0;
	for (unsigned i = 0; i < 300000; i++) {
		size_t len = valid_packet(pkt, sizeof pkt - 16);
		bool mutated = next_rand() % 3 != 0;

		if (mutated)
			mutate(pkt, &len, sizeof pkt);
		if (compare(pkt, len) && mutated)
			mutated_accepted++;
	}
	/* every kind is exercised in bulk, not only at the edges */
	cr_assert_gt(n_accepted, 60000u, "accepted %u", n_accepted);
	cr_assert_gt(n_rejected, 100000u, "rejected %u", n_rejected);
	cr_assert_gt(n_ts, 10000u, "NOP,NOP,TS %u", n_ts);
	cr_assert_gt(n_syn_layout, 10000u, "SYN layout %u", n_syn_layout);
	cr_assert_gt(n_other_opts, 15000u, "other options %u", n_other_opts);
	cr_assert_gt(n_payload, 30000u, "with payload %u", n_payload);
	cr_assert_gt(mutated_accepted, 5000u, "mutated yet accepted %u", mutated_accepted);
}

/* Emits in over ip into pkt and reads it back with wire_tcpip_parse into *t (not
 * cleared first: whatever an earlier read left there stays for the callee to overwrite). */
static void emit_and_parse(const struct wire_tcp *in, struct wire_ipv4 *ip, uint8_t *pkt,
			   size_t cap, struct wire_tcp *t)
{
	uint32_t s, d;
	size_t n = wire_tcp_emit(in, ip->src, ip->dst, NULL, 0, pkt + 20, cap - 20);

	ip->total_len = (uint16_t)(20 + n);
	wire_ipv4_emit(ip, pkt, 20);
	cr_assert(wire_tcpip_parse(pkt, ip->total_len, &s, &d, t));
	cr_assert_eq(s, ip->src);
	cr_assert_eq(d, ip->dst);
}

/* One struct read into again and again, as a caller's would be: the options of an
 * earlier packet (a SYN's MSS, window scale, SACK-permitted; a TS value) must not be
 * left behind by a later packet with NOP,NOP,TS or with no options, both read without
 * the general option walk. */
Test(wire_tcpip_parse, options_of_an_earlier_packet_are_not_left_behind)
{
	struct wire_tcp in = { .sport = 40000, .dport = 80, .seq = 1000, .flags = WIRE_TCP_SYN,
			       .win = 64240 };
	struct wire_ipv4 ip = { .ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = 0x0a000002u,
				.dst = 0x0a000001u, .frag = WIRE_IP_DF };
	uint8_t pkt[128];
	struct wire_tcp t;

	memset(&t, 0, sizeof t);
	in.opt.present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS;
	in.opt.mss = 1460;
	in.opt.wscale = 7;
	in.opt.ts_val = 11;
	emit_and_parse(&in, &ip, pkt, sizeof pkt, &t);
	cr_assert_eq(t.opt.mss, 1460);
	cr_assert_eq(t.opt.wscale, 7);

	in.flags = WIRE_TCP_ACK;
	in.opt.present = WIRE_HAS_TS;
	in.opt.ts_val = 12;
	in.opt.ts_ecr = 13;
	emit_and_parse(&in, &ip, pkt, sizeof pkt, &t);
	cr_assert_eq(t.opt.present, WIRE_HAS_TS, "present %02x", t.opt.present);
	cr_assert_eq(t.opt.mss, 0, "mss %u left from the SYN", t.opt.mss);
	cr_assert_eq(t.opt.wscale, 0, "wscale %u left from the SYN", t.opt.wscale);
	cr_assert_eq(t.opt.ts_val, 12);
	cr_assert_eq(t.opt.ts_ecr, 13);

	in.opt.present = 0;
	emit_and_parse(&in, &ip, pkt, sizeof pkt, &t);
	cr_assert_eq(t.opt.present, 0, "present %02x", t.opt.present);
	cr_assert_eq(t.opt.ts_val, 0, "ts_val %u left from before", t.opt.ts_val);
	cr_assert_eq(t.opt.ts_ecr, 0, "ts_ecr %u left from before", t.opt.ts_ecr);
}
