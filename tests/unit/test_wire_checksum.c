/*
 * test_wire_checksum.c — the Internet checksum (RFC 1071), incremental update (RFC 1624)
 * and the pseudo-header sum, against known vectors, a plain 16-bit reference sum,
 * every alignment, and checksums that Linux put in real packets (tests/golden).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "golden/linux_packets.h"
#include "golden/check.h"
#include "wire/wire.h"

/* xorshift64 (Marsaglia): a tiny seeded generator, so failures replay exactly. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* The textbook RFC 1071 §4.1 loop, 16 bits at a time: the reference the fast one must match. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

Test(checksum, rfc1071_example)
{
	/* RFC 1071 §3 numerical example: the sum is ddf2, so the checksum is 220d. */
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	EXPECT_EQ(wire_csum(v, sizeof(v)), 0x220d);
	EXPECT_EQ(wire_csum_fold(wire_csum_add(0, v, sizeof(v))), 0x220d);
}

Test(checksum, odd_lengths)
{
	static const uint8_t v7[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6 };
	static const uint8_t v1[] = { 0xab };
	uint8_t ff[64], big[1027];
	size_t i;

	memset(ff, 0xff, sizeof(ff));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	big[1024] = 1, big[1025] = 2, big[1026] = 3;
	EXPECT_EQ(wire_csum(v7, sizeof(v7)), 0x2304); /* last byte padded: f600 */
	EXPECT_EQ(wire_csum(v1, 1), 0x54ff);
	EXPECT_EQ(wire_csum(ff, sizeof(ff)), 0x0000);
	EXPECT_EQ(wire_csum(big, sizeof(big)), 0xfafe);
	EXPECT_EQ(wire_csum(v1, 0), 0xffff); /* empty: sum 0, checksum ffff */
}

Test(checksum, every_length_and_alignment_matches_reference)
{
	uint8_t data[300], buf[300 + 8];
	size_t len, off, i;

	rng_state = 0x9e3779b97f4a7c15u;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();
	for (len = 0; len <= sizeof(data); len++) {
		uint16_t want = (uint16_t)~ref_sum(data, len);

		for (off = 0; off < 8; off++) {
			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + off, data, len);
			CTX("len %zu off %zu", len, off);
			EXPECT_EQ(wire_csum(buf + off, len), want);
		}
	}
}

Test(checksum, pieces_combine_when_even)
{
	uint8_t data[200];
	size_t i, cut;

	rng_state = 12345;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();
	for (cut = 0; cut <= sizeof(data); cut += 2) {
		uint64_t acc = wire_csum_add(0, data, cut);

		acc = wire_csum_add(acc, data + cut, sizeof(data) - cut);
		CTX("cut %zu", cut);
		EXPECT_EQ(wire_csum_fold(acc), wire_csum(data, sizeof(data)));
	}
}

Test(checksum, large_running_sum_carries)
{
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	/* 0xffff is one's complement -0: adding it changes nothing for a non-zero sum. */
	EXPECT_EQ(wire_csum_fold(wire_csum_add(0xffff, v, sizeof(v))), 0x220d);
	/* A running sum near 2^64 must wrap with end-around carry, not lose bits:
	 * UINT64_MAX - 0xffff + 0x10000 wraps to 0 + carry... the fold of UINT64_MAX is -0. */
	EXPECT_EQ(wire_csum_fold(UINT64_MAX), 0x0000);
	EXPECT_EQ(wire_csum_fold(wire_csum_add(UINT64_MAX, v, sizeof(v))), 0x220d);
	EXPECT_EQ(wire_csum_fold(0x1234ull << 48 | 0x1234ull << 32), (uint16_t)~0x2468);
}

/* wire_csum_ok is wire_csum_fold(acc) == 0 for every acc: 0, every multiple of 2^16 - 1
 * at both ends of the range and its neighbours, and random values and multiples. */
static void check_csum_ok(uint64_t acc)
{
	if (wire_csum_ok(acc) == (wire_csum_fold(acc) == 0))
		return;         /* (the context is written only for a failure: 4 M calls) */
	CTX("acc %#llx", (unsigned long long)acc);
	EXPECT_EQ((int)wire_csum_ok(acc), (int)(wire_csum_fold(acc) == 0));
}

Test(checksum, ok_is_fold_zero)
{
	const uint64_t m = 0xffff, kmax = UINT64_MAX / 0xffff;

	check_csum_ok(0);
	check_csum_ok(UINT64_MAX);
	for (uint64_t k = 0; k < 70000; k++) {
		for (int d = -1; d <= 1; d++) {
			check_csum_ok(k * m + (uint64_t)d);
			check_csum_ok((kmax - k) * m + (uint64_t)d);
		}
	}
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 1000000; i++) {
		uint64_t k = rng() % (kmax + 1);

		check_csum_ok(rng());
		check_csum_ok(k * m);
		check_csum_ok(k * m + 1);
	}
	/* a valid header sums to a nonzero multiple: the folded sum 0xffff */
	EXPECT_TRUE(wire_csum_ok(0xffff));
	EXPECT_FALSE(wire_csum_ok(0));
	EXPECT_FALSE(wire_csum_ok(0xfffe));
}

/* Linux computed these: header checksum of captured IPv4 headers. */
Test(checksum, ipv4_headers_from_linux)
{
	static const struct { const uint8_t *pkt; size_t hlen; uint16_t csum; } c[] = {
		{ syn_full, 20, 0x0c4c },   /* frame 1 */
		{ synack_full, 20, 0x26a8 }, /* frame 2 */
		{ syn_ipopts, 28, 0x2db8 },  /* frame 37, record-route option */
		{ frag_last, 20, 0x1bdb },   /* frame 63 */
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t h[60];

		memcpy(h, c[i].pkt, c[i].hlen);
		CTX("header %zu verifies", i);
		EXPECT_EQ(wire_csum(h, c[i].hlen), 0);
		h[10] = h[11] = 0;
		CTX("header %zu", i);
		EXPECT_EQ(wire_csum(h, c[i].hlen), c[i].csum);
	}
}

/* Linux computed these: TCP checksums over the pseudo-header (RFC 9293 §3.1). */
Test(checksum, tcp_pseudo_header_from_linux)
{
	static const struct { const uint8_t *pkt; size_t len; uint16_t csum; } c[] = {
		{ syn_full, sizeof(syn_full), 0x52a2 },   /* frame 1 */
		{ data_full, sizeof(data_full), 0xbdef }, /* frame 4, 6 bytes of data */
		{ sack3, sizeof(sack3), 0xd647 },         /* frame 59 */
		{ syn_ipopts, sizeof(syn_ipopts), 0xcc9f }, /* frame 37, IHL 7 */
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t seg[100];
		size_t hl = (size_t)(c[i].pkt[0] & 15) * 4, sl = c[i].len - hl;
		uint32_t src = (uint32_t)c[i].pkt[12] << 24 | (uint32_t)c[i].pkt[13] << 16 |
			       (uint32_t)c[i].pkt[14] << 8 | c[i].pkt[15];
		uint32_t dst = (uint32_t)c[i].pkt[16] << 24 | (uint32_t)c[i].pkt[17] << 16 |
			       (uint32_t)c[i].pkt[18] << 8 | c[i].pkt[19];
		uint64_t ph = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, (uint16_t)sl);

		memcpy(seg, c[i].pkt + hl, sl);
		CTX("seg %zu verifies", i);
		EXPECT_EQ(wire_csum_fold(wire_csum_add(ph, seg, sl)), 0);
		seg[16] = seg[17] = 0;
		CTX("seg %zu", i);
		EXPECT_EQ(wire_csum_fold(wire_csum_add(ph, seg, sl)), c[i].csum);
	}
}

Test(checksum, pseudo_header_value)
{
	/* 10.9.0.1 -> 10.9.0.2, TCP, 40 bytes: 0a09+0001+0a09+0002+0006+0028 */
	uint64_t s = wire_pseudo_ipv4(0x0a090001u, 0x0a090002u, 6, 40);

	EXPECT_EQ(wire_csum_fold(s), (uint16_t)~(0x0a09 + 1 + 0x0a09 + 2 + 6 + 40));
	/* the same sum as the 12 pseudo-header bytes summed as data */
	{
		static const uint8_t ph[12] = { 10, 9, 0, 1, 10, 9, 0, 2, 0, 6, 0, 40 };

		EXPECT_EQ(wire_csum_fold(s), wire_csum(ph, sizeof(ph)));
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * RFC 1624: after changing one 16-bit or 32-bit field, the incremental update equals a
 * full recompute. Random headers (never all zero, where -0/+0 would legitimately differ),
 * random field positions, seeded.
 */
Test(checksum, incremental_equals_recompute)
{
	uint8_t h[60];
	int iter;

	rng_state = 0xfeedfacecafebeefu;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = 20 + 2 * (size_t)(rng() % 21), i, at;
		uint16_t csum, upd;

		for (i = 0; i < len; i++)
			h[i] = (uint8_t)rng();
		h[0] |= 1; /* not all zero */
		put16(h + 10, 0);
		put16(h + 10, wire_csum(h, len));
		at = 2 * (size_t)(rng() % (len / 2 - 1));
		if (at == 10)
			at = 12;
		csum = get16(h + 10);
		if (iter & 1) {
			uint16_t old_v = get16(h + at), new_v = (uint16_t)rng();

			put16(h + at, new_v);
			upd = wire_csum_update16(csum, old_v, new_v);
		} else {
			uint32_t old_v, new_v = (uint32_t)rng();

			if (at + 4 > len || (at < 12 && at + 4 > 10))
				at = 12;
			old_v = (uint32_t)get16(h + at) << 16 | get16(h + at + 2);
			put16(h + at, (uint16_t)(new_v >> 16));
			put16(h + at + 2, (uint16_t)new_v);
			upd = wire_csum_update32(csum, old_v, new_v);
		}
		put16(h + 10, 0);
		CTX("iter %d at %zu len %zu", iter, at, len);
		EXPECT_EQ(upd, wire_csum(h, len));
	}
}

Test(checksum, incremental_on_linux_header)
{
	/* Lower the TTL of a captured header by one, as a router would (RFC 1624 §4). */
	uint8_t h[20];
	uint16_t old_w, new_w, upd;

	memcpy(h, syn_full, 20);
	old_w = get16(h + 8);
	h[8]--;
	new_w = get16(h + 8);
	upd = wire_csum_update16(get16(h + 10), old_w, new_w);
	h[10] = h[11] = 0;
	EXPECT_EQ(upd, wire_csum(h, 20));
	EXPECT_EQ(upd, 0x0d4c); /* 0c4c + 0100 */
}

/* The reference loop as a 64-bit-acc-free checksum: ~sum over data, then folded in. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_sum(p, len);
}

/*
 * The 64-bit add-with-carry path against the 16-bit reference: every length 0..1600
 * (odd ones included) at every alignment 0..7, each with random bytes, all-zero bytes
 * and all-0xff bytes (the two zeros of one's complement: all-zero data must give 0xffff,
 * all-0xff data 0x0000, as the reference does).
 */
Test(checksum, long_lengths_zero_and_ones_match_reference)
{
	static uint8_t data[1600 + 8];
	size_t len, off, i;
	int kind;

	rng_state = 0x0123456789abcdefu;
	for (kind = 0; kind < 3; kind++) {
		for (len = 0; len <= 1600; len++) {
			for (off = 0; off < 8; off++) {
				for (i = 0; i < len; i++)
					data[off + i] = kind == 0 ? (uint8_t)rng() :
						       kind == 1 ? 0x00 : 0xff;
				CTX("kind %d len %zu off %zu", kind, len, off);
				EXPECT_EQ(wire_csum(data + off, len), ref_csum(data + off, len));
			}
		}
	}
	memset(data, 0, sizeof(data));
	EXPECT_EQ(wire_csum(data, 1600), 0xffff);
	memset(data, 0xff, sizeof(data));
	EXPECT_EQ(wire_csum(data, 1600), 0x0000);
	EXPECT_EQ(wire_csum(data, 1599), 0x00ff); /* last byte padded: ff00 */
}

/*
 * Running sums: a random starting acc (any 64-bit value, as one's complement sums may
 * hold) plus pieces of random even lengths, against the reference over the same bytes
 * with the acc's value folded in. 20000 random cases.
 */
Test(checksum, random_pieces_and_accumulators_match_reference)
{
	static uint8_t data[2000];
	int iter;

	rng_state = 0xdeadbeef12345678u;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rng() % sizeof(data)), at = 0, i;
		uint64_t acc0 = rng(), acc = acc0;
		uint32_t want;
		uint8_t a8[8];

		for (i = 0; i < len; i++)
			data[i] = (uint8_t)(iter % 5 == 0 ? 0xff : iter % 7 == 0 ? 0 : rng());
		while (at < len) {
			size_t n = (size_t)(rng() % 200) * 2;

			if (n > len - at || rng() % 4 == 0)
				n = len - at;   /* the last piece may be odd */
			acc = iter & 1 ? wire_csum_combine(acc, wire_csum_add(0, data + at, n))
				       : wire_csum_add(acc, data + at, n);
			at += n;
		}
		/* acc0 as 8 big-endian bytes is the same value modulo 2^16 - 1 */
		for (i = 0; i < 8; i++)
			a8[i] = (uint8_t)(acc0 >> (56 - 8 * i));
		want = (uint32_t)ref_sum(a8, 8) + ref_sum(data, len);
		while (want >> 16)
			want = (want & 0xffff) + (want >> 16);
		CTX("iter %d len %zu acc0 %llx", iter, len, (unsigned long long)acc0);
		/* acc0 != 0, so the fold never takes the all-zero +0 */
		EXPECT_EQ(wire_csum_fold(acc), (uint16_t)~want);
	}
}

/* The fixed 20-byte path equals the generic one: random headers (every byte, so all
 * 2^8 values of each position over the run), all-zero and all-0xff. */
Test(checksum, ipv4_20_byte_path_matches_generic)
{
	uint8_t h[20];
	int iter;
	size_t i;

	rng_state = 0x5555aaaa5555aaaau;
	for (iter = 0; iter < 100000; iter++) {
		for (i = 0; i < 20; i++)
			h[i] = (uint8_t)rng();
		CTX("iter %d", iter);
		EXPECT_EQ(wire_csum_fold(wire_csum_add20(0, h)), ref_csum(h, 20));
		EXPECT_EQ(wire_csum_fold(wire_csum_add20(0x1234, h)),
			  wire_csum_fold(wire_csum_add(0x1234, h, 20)));
	}
	memset(h, 0, sizeof(h));
	CTX("all zero");
	EXPECT_EQ(wire_csum_fold(wire_csum_add20(0, h)), 0xffff);
	memset(h, 0xff, sizeof(h));
	CTX("all ones");
	EXPECT_EQ(wire_csum_fold(wire_csum_add20(0, h)), 0x0000);
	CTX("%s", "ip header functions");
	/* and through the header functions: a captured Linux header verifies, a flipped
	 * bit does not, emit writes Linux's checksum (frame 1: 0x0c4c) */
	EXPECT_TRUE(wire_ipv4_csum_ok(syn_full, 20));
	memcpy(h, syn_full, 20);
	h[15] ^= 1;
	EXPECT_FALSE(wire_ipv4_csum_ok(h, 20));
	{
		struct wire_ipv4 ip;
		uint8_t out[20];

		EXPECT_ERR(wire_ipv4_parse(syn_full, sizeof(syn_full), &ip), WIRE_OK);
		EXPECT_EQ(wire_ipv4_emit(&ip, out, sizeof(out)), 20);
		EXPECT_EQ(get16(out + 10), 0x0c4c);
	}
}

/*
 * wire_csum_copy: every length 0..1600 at every source and destination alignment 0..7,
 * random, all-zero and all-0xff bytes, a random starting acc: the same running sum as
 * wire_csum_add (bit for bit, not only after the fold), the bytes copied exactly, and
 * not one byte written before or after the destination.
 */
Test(checksum, copy_and_sum_equals_sum_then_copy)
{
	static uint8_t src[1600 + 8], dst[1600 + 32];
	size_t len, so, d_off, i;
	int kind;

	rng_state = 0x5eed5eed5eed5eedu;
	for (kind = 0; kind < 3; kind++) {
		for (len = 0; len <= 1600; len += len < 200 ? 1 : 61) {
			for (so = 0; so < 8; so++) {
				for (d_off = 8; d_off < 16; d_off++) {
					uint64_t acc = kind ? 0 : rng(), got;

					for (i = 0; i < len; i++)
						src[so + i] = kind == 0 ? (uint8_t)rng() :
							      kind == 1 ? 0x00 : 0xff;
					memset(dst, 0x5a, sizeof(dst));
					got = wire_csum_copy(acc, dst + d_off, src + so, len);
					CTX("kind %d len %zu src %zu dst %zu", kind, len, so, d_off);
					EXPECT_EQ(got, wire_csum_add(acc, src + so, len));
					EXPECT_EQ(memcmp(dst + d_off, src + so, len), 0);
					for (i = 0; i < d_off; i++)
						EXPECT_EQ(dst[i], 0x5a);
					for (i = d_off + len; i < sizeof(dst); i++)
						EXPECT_EQ(dst[i], 0x5a);
				}
			}
		}
	}
}

/* wire_csum_add_at: a buffer cut anywhere (odd cuts too, as a ring's wrap point cuts a
 * payload) and summed as two pieces gives the one-piece checksum. */
Test(checksum, pieces_at_any_offset_combine_with_add_at)
{
	uint8_t data[301];
	size_t i, cut, len;

	rng_state = 777;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();
	for (len = 299; len <= 301; len++) {
		for (cut = 0; cut <= len; cut++) {
			uint64_t acc = wire_csum_add(0x1234, data, cut);

			acc = wire_csum_add_at(acc, wire_csum_add(0, data + cut, len - cut), cut);
			CTX("len %zu cut %zu", len, cut);
			EXPECT_EQ(wire_csum_fold(acc), wire_csum_fold(wire_csum_add(0x1234, data, len)));
		}
	}
	memset(data, 0, sizeof(data));
	EXPECT_EQ(wire_csum_fold(wire_csum_add_at(wire_csum_add(0, data, 3),
						  wire_csum_add(0, data + 3, 4), 3)), 0xffff);
}

/* ---- every block kernel, forced in turn (wire_csum_use) ------------------------------ */

/* Whether this CPU runs impl, asked independently of checksum.c. */
static bool cpu_has(enum wire_csum_impl impl)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (impl == WIRE_CSUM_AVX2)
		return __builtin_cpu_supports("avx2");
	return impl < WIRE_CSUM_NIMPL;
#else
	return impl == WIRE_CSUM_PORTABLE;
#endif
}

/* Makes impl the one in use; false (nothing to test) when the machine lacks it. */
static bool force_impl(enum wire_csum_impl impl)
{
	bool ok = wire_csum_use(impl);

	CTX("impl %s", wire_csum_impl_name(impl));
	EXPECT_EQ(ok, cpu_has(impl));
	if (ok)
		EXPECT_EQ(wire_csum_impl_now(), impl);
	return ok;
}

/* The reference loop's sum of complete words so far (acc, not folded) plus len's odd last
 * byte, folded and complemented: RFC 1071 §4.1's loop split at len, so a growing prefix
 * is checked without re-running it. */
static uint16_t ref_prefix_csum(uint64_t acc, const uint8_t *p, size_t len)
{
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/*
 * Both kernels of one implementation over the prefixes 0..4096 of src (data at alignment
 * so), the copy to dst at alignment (so * 37 + len) % 64 with 64 guard bytes each side:
 * the checksum of the reference loop, copy's running sum bit for bit add's, the bytes
 * copied and no guard byte written (assertions run only for a failing case, with its
 * context: millions of cases pass).
 */
static void check_prefixes(const uint8_t *src, uint8_t *dst, size_t so, int kind)
{
	static uint8_t guard[64];
	uint64_t acc = 0;
	size_t len;

	memset(guard, 0x5a, sizeof(guard));
	for (len = 0; len <= 4096; len++) {
		size_t d_off = 64 + (so * 37 + len) % 64;
		uint16_t want, got;
		uint64_t s_add, s_copy;

		if (len >= 2 && !(len & 1))
			acc += (uint32_t)(src[len - 2] << 8 | src[len - 1]);
		want = ref_prefix_csum(acc, src, len);
		memset(dst + d_off - 64, 0x5a, 64);
		memset(dst + d_off + len, 0x5a, 64);
		s_add = wire_csum_add(0, src, len);
		s_copy = wire_csum_copy(0, dst + d_off, src, len);
		got = wire_csum_fold(s_add);
		if (got != want || s_copy != s_add || memcmp(dst + d_off, src, len) ||
		    memcmp(dst + d_off - 64, guard, 64) || memcmp(dst + d_off + len, guard, 64)) {
			CTX("impl %s kind %d len %zu src %% 64 = %zu dst %% 64 = %zu",
			    wire_csum_impl_name(wire_csum_impl_now()), kind, len, so, d_off % 64);
			EXPECT_EQ(got, want);
			EXPECT_EQ(s_copy, s_add);
			EXPECT_EQ(memcmp(dst + d_off, src, len), 0);
			for (size_t i = 0; i < 64; i++) {
				EXPECT_EQ(dst[d_off - 64 + i], 0x5a);
				EXPECT_EQ(dst[d_off + len + i], 0x5a);
			}
		}
	}
}

/*
 * Each implementation this machine has (the test asks the CPU itself which those are),
 * forced in turn: every length 0..4096 at every source alignment 0..63 with random bytes,
 * and at eight alignments with all-0xff bytes (every word carries: the sum must come out
 * as 0x0000, the reference's zero) and all-zero bytes (0xffff), each destination
 * alignment 0..63 met along the way; the reference is RFC 1071 §4.1's 16-bit loop.
 * Fails when a kernel drops a carry, mis-sums a lane, stores past its block or reads a
 * byte in the wrong order.
 */
Test(checksum, every_impl_every_length_and_alignment)
{
	static uint8_t src[64 + 4096], dst[64 + 64 + 4096 + 64];
	static const size_t some[] = {0, 1, 2, 7, 8, 31, 33, 63};
	enum wire_csum_impl was = wire_csum_impl_now(), impl;
	int tested = 0, kind;

	EXPECT_EQ(was, wire_csum_best());       /* chosen at program start */
	for (impl = WIRE_CSUM_PORTABLE; impl < WIRE_CSUM_NIMPL; impl++) {
		if (!force_impl(impl))
			continue;
		tested++;
		rng_state = 0xc0ffee0000000001u + impl;
		for (kind = 0; kind < 3; kind++) {
			size_t so, k, n = kind ? sizeof(some) / sizeof(some[0]) : 64;

			for (k = 0; k < n; k++) {
				so = kind ? some[k] : k;
				for (size_t i = 0; i < 4096; i++)
					src[so + i] = kind == 0 ? (uint8_t)rng() :
						      kind == 1 ? 0xff : 0x00;
				check_prefixes(src + so, dst, so, kind);
			}
		}
	}
	wire_csum_use(was);
	CTX("implementations run");
	EXPECT_EQ(tested, 1 + cpu_has(WIRE_CSUM_ADC) + cpu_has(WIRE_CSUM_AVX2));
	EXPECT_FALSE(wire_csum_use(WIRE_CSUM_NIMPL));
	EXPECT_EQ(wire_csum_impl_now(), was);
}

/*
 * Each implementation forced in turn: for every pair of source and destination
 * alignments 0..63, a random length up to 64 KiB (odd ones included) of random bytes,
 * then of all-0xff bytes, copied between heap blocks of exactly the alignment plus the
 * length (ASan reports a kernel reading or writing past them); the checksum against the
 * reference loop, the copy's sum against the plain sum, the bytes copied.
 */
Test(checksum, every_impl_random_lengths_to_64k_every_alignment_pair)
{
	static uint8_t data[65536];
	enum wire_csum_impl was = wire_csum_impl_now(), impl;

	for (impl = WIRE_CSUM_PORTABLE; impl < WIRE_CSUM_NIMPL; impl++) {
		if (!force_impl(impl))
			continue;
		rng_state = 0xfeedface00000000u + impl;
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)rng();
		for (int kind = 0; kind < 2; kind++) {
			for (size_t pair = 0; pair < 64 * 64; pair++) {
				size_t so = pair % 64, d_off = pair / 64;
				size_t len = (size_t)(rng() % (sizeof(data) + 1));
				uint8_t *s = malloc(so + len ? so + len : 1);
				uint8_t *d = malloc(d_off + len ? d_off + len : 1);
				const uint8_t *from = kind ? s + so : data;
				uint16_t want, got;
				uint64_t s_add, s_copy;

				cr_assert(s && d);
				if (kind)
					memset(s + so, 0xff, len);
				else
					memcpy(s + so, data, len);
				want = ref_csum(from, len);
				s_add = wire_csum_add(0, s + so, len);
				s_copy = wire_csum_copy(0, d + d_off, s + so, len);
				got = wire_csum_fold(s_add);
				if (got != want || s_copy != s_add || memcmp(d + d_off, s + so, len)) {
					CTX("impl %s kind %d len %zu src %% 64 = %zu dst %% 64 = %zu",
					    wire_csum_impl_name(impl), kind, len, so, d_off);
					EXPECT_EQ(got, want);
					EXPECT_EQ(s_copy, s_add);
					EXPECT_EQ(memcmp(d + d_off, s + so, len), 0);
				}
				free(s);
				free(d);
			}
		}
	}
	wire_csum_use(was);
}
