/*
 * test_wire_garbage.c — two million seeded random and mutated inputs through
 * wire_ipv4_parse, wire_tcp_parse and wire_tcp_parse_opts. Each result must be either a
 * named error of the right family, or a struct consistent with the input bytes (lengths
 * inside the buffer, payload pointer inside it, fields equal to the bytes they came
 * from, sack_count <= 4); a successful TCP parse must survive emit -> re-parse with the
 * same fields. Every input ends exactly at the end of its heap allocation, so under ASan
 * (build-asan) a read one byte too far aborts the test.
 *
 * Three generators: plain random bytes; random bytes with a plausible first header
 * byte (version 4 / sane data offset) so the checks past the first one are reached; and
 * mutations (byte flips, option-byte splices, truncations) of the golden packets, which
 * reach deepest. A local xorshift64 keeps it independent of src/base.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "golden/check.h"
#include "golden/crafted_packets.h"
#include "golden/linux_packets.h"
#include "wire/wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define AREA 128 /* inputs are at most this long */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The heap area inputs are copied into, flush against its end. */
static uint8_t *area;

static const uint8_t *place(const uint8_t *in, size_t len)
{
	uint8_t *p = area + AREA - len;

	memmove(p, in, len);
	return p;
}

static long n_ok, n_err;

static void check_ipv4(const uint8_t *in, size_t len)
{
	const uint8_t *b = place(in, len);
	struct wire_ipv4 ip;
	enum wire_err e = wire_ipv4_parse(b, len, &ip);

	if (e != WIRE_OK) {
		n_err++;
		cr_assert(e >= WIRE_IP_TRUNCATED && e <= WIRE_IP_TOTAL_LEN, "ipv4 error %d", (int)e);
		return;
	}
	n_ok++;
	cr_assert(len >= 20 && b[0] >> 4 == 4);
	cr_assert(ip.hdr_len >= 20 && ip.hdr_len <= 60 && ip.hdr_len % 4 == 0);
	cr_assert(ip.hdr_len <= ip.total_len && ip.total_len <= len,
		  "hdr %u total %u len %zu", ip.hdr_len, ip.total_len, len);
	cr_assert(ip.hdr_len == (b[0] & 15) * 4 && ip.total_len == get16(b + 2));
	cr_assert(ip.opts == b + 20);
	cr_assert(ip.id == get16(b + 4) && ip.frag == get16(b + 6) && ip.ttl == b[8]);
	cr_assert(ip.proto == b[9] && ip.csum == get16(b + 10) && ip.tos == b[1]);
	cr_assert(ip.src == get32(b + 12) && ip.dst == get32(b + 16));
}

static void check_opts_consistent(const struct wire_tcp_opts *o)
{
	cr_assert(o->sack_count <= WIRE_SACK_MAX, "sack_count %u", o->sack_count);
	cr_assert(((o->present & WIRE_HAS_SACK) != 0) == (o->sack_count > 0));
	cr_assert((o->present & ~0x1fu) == 0);
}

/* Emit what parsed, re-parse, compare: the fields survive (unknown options excepted). */
static void check_tcp_round_trip(const struct wire_tcp *t)
{
	static uint8_t out[AREA + 64];
	struct wire_tcp back;
	size_t n = wire_tcp_emit(t, 0x0a000001, 0x0a000002, t->payload, t->payload_len, out,
				 sizeof(out));

	if (wire_tcp_opts_len(&t->opt) > 40) {
		cr_assert(n == 0);
		return;
	}
	cr_assert(n == 20 + wire_tcp_opts_len(&t->opt) + t->payload_len, "emit %zu", n);
	cr_assert(wire_tcp_csum_ok(0x0a000001, 0x0a000002, out, n));
	EXPECT_ERR(wire_tcp_parse(out, n, &back), WIRE_OK);
	cr_assert(back.sport == t->sport && back.dport == t->dport);
	cr_assert(back.seq == t->seq && back.ack == t->ack && back.win == t->win);
	cr_assert(back.flags == t->flags && back.reserved == t->reserved && back.urp == t->urp);
	cr_assert(back.payload_len == t->payload_len);
	cr_assert(memcmp(back.payload, t->payload, t->payload_len) == 0);
	cr_assert(back.opt.present == t->opt.present, "present %x vs %x", back.opt.present,
		  t->opt.present);
	cr_assert(back.opt.mss == t->opt.mss && back.opt.wscale == t->opt.wscale);
	cr_assert(back.opt.ts_val == t->opt.ts_val && back.opt.ts_ecr == t->opt.ts_ecr);
	cr_assert(back.opt.sack_count == t->opt.sack_count);
	cr_assert(memcmp(back.opt.sack, t->opt.sack, sizeof(back.opt.sack[0]) * back.opt.sack_count) == 0);
}

static void check_tcp(const uint8_t *in, size_t len)
{
	const uint8_t *b = place(in, len);
	struct wire_tcp t;
	enum wire_err e = wire_tcp_parse(b, len, &t);

	if (e != WIRE_OK) {
		n_err++;
		cr_assert(e >= WIRE_TCP_TRUNCATED && e < WIRE_ERR_COUNT, "tcp error %d", (int)e);
		return;
	}
	n_ok++;
	cr_assert(t.hdr_len >= 20 && t.hdr_len <= 60 && t.hdr_len % 4 == 0 && t.hdr_len <= len);
	cr_assert(t.hdr_len == (b[12] >> 4) * 4);
	cr_assert(t.payload == b + t.hdr_len && t.payload_len == len - t.hdr_len);
	cr_assert(t.sport == get16(b) && t.dport == get16(b + 2));
	cr_assert(t.seq == get32(b + 4) && t.ack == get32(b + 8));
	cr_assert(t.flags == b[13] && t.reserved == (b[12] & 15));
	cr_assert(t.win == get16(b + 14) && t.csum == get16(b + 16) && t.urp == get16(b + 18));
	check_opts_consistent(&t.opt);
	check_tcp_round_trip(&t);
}

static void check_opts(const uint8_t *in, size_t len)
{
	const uint8_t *b = place(in, len);
	struct wire_tcp_opts o;
	enum wire_err e = wire_tcp_parse_opts(b, len, &o);

	if (e != WIRE_OK) {
		n_err++;
		cr_assert(e >= WIRE_OPT_LEN_SHORT && e < WIRE_ERR_COUNT, "opts error %d", (int)e);
		return;
	}
	n_ok++;
	check_opts_consistent(&o);
}

static void fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

static void setup(void)
{
	area = malloc(AREA);
	cr_assert(area != NULL);
	n_ok = n_err = 0;
}

static void teardown(void)
{
	free(area);
}

TestSuite(garbage, .init = setup, .fini = teardown);

Test(garbage, random_bytes)
{
	uint8_t in[AREA];
	long i;

	rng_state = 0x243f6a8885a308d3u;
	for (i = 0; i < 600000; i++) {
		size_t len = rng_below(AREA + 1);

		fill_random(in, len);
		check_ipv4(in, len);
		check_tcp(in, len);
		check_opts(in, len < 40 ? len : 40);
	}
	/* plain noise mostly fails early; some must parse (else the checks above were idle) */
	cr_assert(n_ok > 10000 && n_err > 10000, "ok %ld err %ld", n_ok, n_err);
}

/* Headers that pass the first checks, so the later ones (IHL vs length, total length,
 * data offset, every option) see random values. */
Test(garbage, plausible_headers)
{
	uint8_t in[AREA];
	long i;

	rng_state = 0x13198a2e03707344u;
	for (i = 0; i < 600000; i++) {
		size_t len = 20 + rng_below(AREA - 20 + 1);

		fill_random(in, len);
		in[0] = (uint8_t)(0x40 | (in[0] & 15));
		if (rng() & 1) /* total length near the buffer's */
			in[2] = 0, in[3] = (uint8_t)(len - rng_below(8));
		check_ipv4(in, len);
		in[12] = (uint8_t)((5 + rng_below(11)) << 4 | (in[12] & 15));
		check_tcp(in, len);
		/* option areas made of option-like bytes: kinds 0..8 and small lengths */
		{
			size_t k, olen = rng_below(41);

			for (k = 0; k < olen; k++)
				in[k] = (uint8_t)((rng() & 3) ? rng_below(9) : rng_below(40));
			check_opts(in, olen);
		}
	}
	cr_assert(n_ok > 100000 && n_err > 100000, "ok %ld err %ld", n_ok, n_err);
}

static const struct { const uint8_t *p; size_t len; } seeds[] = {
	{ syn_full, sizeof(syn_full) }, { synack_full, sizeof(synack_full) },
	{ data_full, sizeof(data_full) }, { syn_nots, sizeof(syn_nots) },
	{ syn_nosack, sizeof(syn_nosack) }, { rst_refused, sizeof(rst_refused) },
	{ syn_ipopts, sizeof(syn_ipopts) }, { sack1, sizeof(sack1) }, { sack3, sizeof(sack3) },
	{ sack4, sizeof(sack4) }, { max_opts, sizeof(max_opts) },
	{ unknown_kinds, sizeof(unknown_kinds) }, { all_flags, sizeof(all_flags) },
};

/* Flips, option-byte splices and truncations of real packets: most stay almost valid. */
Test(garbage, mutated_golden_packets)
{
	static const uint8_t opt_bytes[] = { 0, 1, 2, 3, 4, 5, 8, 10, 18, 26, 34, 255 };
	uint8_t in[AREA];
	long i;

	rng_state = 0xa4093822299f31d0u;
	for (i = 0; i < 800000; i++) {
		size_t s = rng_below(ARRAY_LEN(seeds)), len = seeds[s].len;
		size_t hl = (size_t)(seeds[s].p[0] & 15) * 4, m, nmut = 1 + rng_below(4);

		memcpy(in, seeds[s].p, len);
		for (m = 0; m < nmut; m++) {
			size_t at = rng_below(len);

			switch (rng() % 4) {
			case 0:
				in[at] ^= (uint8_t)(1u << rng_below(8));
				break;
			case 1:
				in[at] = (uint8_t)rng();
				break;
			case 2: /* an option-shaped byte somewhere in the TCP options */
				at = hl + 20 + rng_below(40);
				if (at < len)
					in[at] = opt_bytes[rng_below(ARRAY_LEN(opt_bytes))];
				break;
			default:
				len -= rng_below(len - hl + 1) / 2;
				break;
			}
		}
		check_ipv4(in, len);
		if (len >= hl) {
			check_tcp(in + hl, len - hl);
			if (len >= hl + 20)
				check_opts(in + hl + 20, len - hl - 20 < 40 ? len - hl - 20 : 40);
		}
	}
	cr_assert(n_ok > 200000 && n_err > 100000, "ok %ld err %ld", n_ok, n_err);
}
