/* test_tcp_syncookie.c — RFC 4987 SYN cookies: exact value against SipHash computed here
 * via libsodium, MSS table rounding (Linux's), rejection reasons, counter age
 * boundaries, key rotation window, and timestamp-encoded WS/SACK round trips. */
#include <criterion/criterion.h>
#include <sodium.h>

#include "tcp/syncookie.h"

static const uint8_t KEY_A[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KEY_B[16] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
				   0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf };
static const uint8_t KEY_C[16] = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
				   0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf };
static const uint8_t KEY_D[16] = { 0xd0 };
static const uint8_t KEY_ZERO[16] = { 0 };

#define LA 0x0a000001u /* listener 10.0.0.1:80 */
#define LP 80
#define RA 0xc0a80102u /* client 192.168.1.2:40000 */
#define RP 40000
#define CISN 0x12345678u

#define PERIOD 64000000000ull
#define T0 (1000ull * 1000000000ull) /* 1000 s: counter 15, period [960 s, 1024 s) */

static uint64_t sip(const uint8_t key[16], const uint8_t *in, size_t len)
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t v = 0;

	crypto_shorthash_siphash24(out, in, len, key);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | out[i];
	return v;
}

static struct tcp_cookie_keys keys_with(const uint8_t key[16])
{
	struct tcp_cookie_keys k;

	tcp_cookie_keys_init(&k, key);
	return k;
}

static uint32_t make(const struct tcp_cookie_keys *k, uint16_t mss, uint64_t now,
		     uint16_t *used)
{
	return tcp_cookie_make(k, LA, LP, RA, RP, CISN, mss, now, used);
}

static int check(const struct tcp_cookie_keys *k, uint32_t cookie, uint64_t now)
{
	return tcp_cookie_check(k, LA, LP, RA, RP, CISN, cookie, now);
}

/* A tcp_cookie_check result == want, both printed by name on failure. */
#define assert_result(expr, want)                                                       \
	do {                                                                            \
		int r_ = (expr);                                                         \
		cr_assert_eq(r_, (int)(want), "%s: %d (%s), want %d", #expr, r_,         \
			     tcp_cookie_strerror(r_), (int)(want));                       \
	} while (0)

/* check() == want, printing both results by name on failure. */
#define assert_check(k, cookie, now, want)                                              \
	do {                                                                            \
		int got_ = check((k), (cookie), (now));                                  \
		cr_assert_eq(got_, (int)(want), "cookie %08x at %llu ns: %d (%s), want %d (%s)", \
			     (unsigned)(cookie), (unsigned long long)(now), got_,         \
			     tcp_cookie_strerror(got_), (int)(want),                     \
			     tcp_cookie_strerror((int)(want)));                           \
	} while (0)

Test(syncookie, equals_independent_computation)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	const uint8_t tuple[12] = { 10, 0, 0, 1, 0, 80, 192, 168, 1, 2, 0x9c, 0x40 };
	uint8_t win[13], min[22];
	uint32_t t = 15, mssi = 2; /* 1440 */
	uint32_t mac, w, want;
	uint16_t used = 0;

	memcpy(win, tuple, 12);
	win[12] = 0x00;
	memcpy(min, tuple, 12);
	min[12] = 0x12, min[13] = 0x34, min[14] = 0x56, min[15] = 0x78; /* client ISN */
	min[16] = 0, min[17] = 0, min[18] = 0, min[19] = 15;             /* t */
	min[20] = (uint8_t)mssi;
	min[21] = 0x01;
	mac = (uint32_t)sip(KEY_A, min, sizeof(min)) & 0x01ffffffu;
	w = (uint32_t)sip(KEY_A, win, sizeof(win)) + CISN;
	want = ((t & 31u) << 27 | mssi << 25 | mac) + w;

	cr_assert_eq(make(&k, 1450, T0, &used), want, "cookie %08x want %08x",
		     make(&k, 1450, T0, &used), want);
	cr_assert_eq(used, 1440);
	assert_check(&k, want, T0, 1440);
}

Test(syncookie, mss_table_rounding_and_round_trip)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	static const struct {
		uint16_t mss, want;
	} cases[] = {
		{ 0, 536 },     { 88, 536 },    { 535, 536 },   { 536, 536 },   { 537, 536 },
		{ 1299, 536 },  { 1300, 1300 }, { 1301, 1300 }, { 1439, 1300 }, { 1440, 1440 },
		{ 1459, 1440 }, { 1460, 1460 }, { 1461, 1460 }, { 8960, 1460 }, { 65535, 1460 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t used = 0;
		uint32_t c = make(&k, cases[i].mss, T0, &used);

		cr_assert_eq(used, cases[i].want, "mss %u encoded %u want %u", cases[i].mss, used,
			     cases[i].want);
		cr_assert_eq(tcp_cookie_mss_round(cases[i].mss), cases[i].want);
		cr_assert_eq(check(&k, c, T0), (int)cases[i].want, "mss %u: check %d",
			     cases[i].mss, check(&k, c, T0));
	}
	/* mss_used may be NULL. */
	assert_check(&k, make(&k, 1300, T0, NULL), T0, 1300);
}

Test(syncookie, wrong_isn_or_tuple_is_bad_mac)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	uint32_t c = make(&k, 1460, T0, NULL);

	assert_result(tcp_cookie_check(&k, LA, LP, RA, RP, CISN, c, T0), 1460);
	assert_result(tcp_cookie_check(&k, LA, LP, RA, RP, CISN + 1, c, T0), TCP_COOKIE_BAD_MAC);
	assert_result(tcp_cookie_check(&k, LA, LP, RA, RP, CISN - 1, c, T0), TCP_COOKIE_BAD_MAC);
	assert_result(tcp_cookie_check(&k, LA + 1, LP, RA, RP, CISN, c, T0), TCP_COOKIE_BAD_MAC);
	assert_result(tcp_cookie_check(&k, LA, LP + 1, RA, RP, CISN, c, T0), TCP_COOKIE_BAD_MAC);
	assert_result(tcp_cookie_check(&k, LA, LP, RA + 1, RP, CISN, c, T0), TCP_COOKIE_BAD_MAC);
	assert_result(tcp_cookie_check(&k, LA, LP, RA, RP + 1, CISN, c, T0), TCP_COOKIE_BAD_MAC);
	/* Local and remote swapped. */
	assert_result(tcp_cookie_check(&k, RA, RP, LA, LP, CISN, c, T0), TCP_COOKIE_BAD_MAC);
	cr_assert_str_eq(tcp_cookie_strerror(TCP_COOKIE_BAD_MAC), "cookie: bad MAC");
	cr_assert_str_eq(tcp_cookie_strerror(TCP_COOKIE_TOO_OLD), "cookie: too old");
	cr_assert_str_eq(tcp_cookie_strerror(1460), "ok");
}

Test(syncookie, every_single_bit_flip_is_rejected)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	uint32_t c = make(&k, 1300, T0, NULL);

	for (int bit = 0; bit < 32; bit++) {
		uint32_t bad = c ^ (1u << bit);

		cr_assert_eq(check(&k, bad, T0), TCP_COOKIE_BAD_MAC, "bit %d: %d", bit,
			     check(&k, bad, T0));
	}
	assert_check(&k, c + 1, T0, TCP_COOKIE_BAD_MAC);
	assert_check(&k, 0, T0, TCP_COOKIE_BAD_MAC);
}

Test(syncookie, counter_age_boundaries)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	uint64_t start = 15 * PERIOD; /* 960 s: the period T0 lies in */
	uint32_t c = make(&k, 1460, T0, NULL);

	assert_check(&k, c, start, 1460);                  /* same period */
	assert_check(&k, c, start + PERIOD - 1, 1460);
	assert_check(&k, c, start + PERIOD, 1460);         /* age 1 */
	assert_check(&k, c, start + 2 * PERIOD - 1, 1460); /* 127.99.. s later */
	assert_check(&k, c, start + 2 * PERIOD, TCP_COOKIE_TOO_OLD); /* age 2 */
	assert_check(&k, c, start + 31 * PERIOD, TCP_COOKIE_TOO_OLD); /* age 31 */
	/* Age 32 aliases counter bits; the MAC over the full counter then fails. */
	assert_check(&k, c, start + 32 * PERIOD, TCP_COOKIE_BAD_MAC);
	assert_check(&k, c, start + 33 * PERIOD, TCP_COOKIE_BAD_MAC);
	/* From before the clock stepped back: the previous period does not accept it. */
	assert_check(&k, c, start - 1, TCP_COOKIE_BAD_MAC);
	/* Made at the very end of a period, checked 1 ns later: age 1, still valid. */
	c = make(&k, 536, 16 * PERIOD - 1, NULL);
	assert_check(&k, c, 16 * PERIOD, 536);
	assert_check(&k, c, 17 * PERIOD, TCP_COOKIE_TOO_OLD); /* 64 s + 1 ns old */
}

Test(syncookie, counter_crosses_mod_32_and_far_times)
{
	struct tcp_cookie_keys k = keys_with(KEY_B);
	uint64_t now = 31 * PERIOD + 5; /* counter 31 */
	uint32_t c = make(&k, 1440, now, NULL);

	assert_check(&k, c, 32 * PERIOD, 1440); /* counter 32: 0 mod 32, age 1 */
	assert_check(&k, c, 33 * PERIOD, TCP_COOKIE_TOO_OLD);
	/* Near the end of the uint64_t nanosecond range (counter ~2^28). */
	now = UINT64_MAX - PERIOD / 2;
	c = make(&k, 1300, now, NULL);
	assert_check(&k, c, UINT64_MAX, 1300);
	assert_check(&k, c, now - 2 * PERIOD, TCP_COOKIE_BAD_MAC);
}

Test(syncookie, rotation_window_exact)
{
	struct tcp_cookie_keys k = keys_with(KEY_A);
	struct tcp_cookie_keys only_zero = keys_with(KEY_ZERO);
	uint32_t ca = make(&k, 1460, T0, NULL), cb, cc;

	/* No previous key after init: the (all-zero) second slot is never used. */
	assert_check(&k, make(&only_zero, 1460, T0, NULL), T0, TCP_COOKIE_BAD_MAC);

	tcp_cookie_rotate(&k, KEY_B); /* current B, previous A */
	cb = make(&k, 1300, T0, NULL);
	cr_assert_neq(ca, cb);
	assert_check(&k, ca, T0, 1460);
	assert_check(&k, cb, T0, 1300);

	tcp_cookie_rotate(&k, KEY_C); /* current C, previous B: A is gone */
	cc = make(&k, 536, T0, NULL);
	assert_check(&k, ca, T0, TCP_COOKIE_BAD_MAC);
	assert_check(&k, cb, T0, 1300);
	assert_check(&k, cc, T0, 536);
	/* The age limit still applies to a previous-key cookie. */
	assert_check(&k, cb, 17 * PERIOD, TCP_COOKIE_TOO_OLD);

	tcp_cookie_rotate(&k, KEY_D); /* current D, previous C */
	assert_check(&k, cb, T0, TCP_COOKIE_BAD_MAC);
	assert_check(&k, cc, T0, 536);
	/* Each key makes what a fresh single-key holder would make. */
	struct tcp_cookie_keys kc = keys_with(KEY_C);
	cr_assert_eq(make(&kc, 536, T0, NULL), cc);
}

Test(syncookie, ts_encode_decode_every_wscale_sack_and_ecn)
{
	static const uint32_t nows[] = { 0x00000000u, 0x0000003fu, 0x12345640u, 0x12345655u,
					 0x1234567fu, 0xffffffffu, 0x80000005u };

	for (size_t n = 0; n < sizeof(nows) / sizeof(nows[0]); n++) {
		for (int ws = -1; ws <= 14; ws++) {
			for (int b = 0; b < 4; b++) {
				bool s = b & 1, e = b & 2;
				uint32_t ts = tcp_cookie_ts_encode(nows[n], ws, s, e);
				uint32_t opts = (ws < 0 ? 0xfu : (uint32_t)ws) | (s ? 0x10u : 0u) |
						(e ? 0x20u : 0u);
				int got_ws = 99;
				bool got_sack = !s, got_ecn = !e;

				cr_assert_eq(ts & 0x3fu, opts, "now %08x ws %d sack %d ecn %d: %08x",
					     nows[n], ws, s, e, ts);
				/* Never after ts_now, and within 64 of it. */
				cr_assert(nows[n] - ts < 64u, "now %08x ts %08x", nows[n], ts);
				tcp_cookie_ts_decode(ts, &got_ws, &got_sack, &got_ecn);
				cr_assert_eq(got_ws, ws, "now %08x: ws %d decoded %d", nows[n], ws,
					     got_ws);
				cr_assert_eq(got_sack, s);
				cr_assert_eq(got_ecn, e);
			}
		}
	}
}

Test(syncookie, ts_encode_exact_values)
{
	/* Low bits of now above the options: same 64-block. */
	cr_assert_eq(tcp_cookie_ts_encode(0x12345678u, 7, true, false), 0x12345657u);
	cr_assert_eq(tcp_cookie_ts_encode(0x12345678u, 7, true, true), 0x12345677u);
	/* Below: the previous 64-block (never ahead of our clock). */
	cr_assert_eq(tcp_cookie_ts_encode(0x12345641u, -1, true, false), 0x1234561fu);
	cr_assert_eq(tcp_cookie_ts_encode(0x12345641u, 0, false, false), 0x12345640u);
	cr_assert_eq(tcp_cookie_ts_encode(0x12345641u, 1, false, false), 0x12345641u);
	cr_assert_eq(tcp_cookie_ts_encode(0x12345641u, 2, false, false), 0x12345602u);
	/* Wrap below zero. */
	cr_assert_eq(tcp_cookie_ts_encode(0x00000000u, 3, false, false), 0xffffffc3u);
	/* Shifts above 14 are clamped to 14 (RFC 7323 §2.3); below -1 is "none". */
	cr_assert_eq(tcp_cookie_ts_encode(0x1000003fu, 15, false, false), 0x1000000eu);
	cr_assert_eq(tcp_cookie_ts_encode(0x1000003fu, -7, false, false), 0x1000000fu);
}

Test(syncookie, ts_decode_ecn_bit)
{
	int ws = 42;
	bool sack = false, ecn = false;

	/* bit 5 is ECN (Linux TS_OPT_ECN): the other fields read as without it */
	tcp_cookie_ts_decode(0x12345620u, &ws, &sack, &ecn);
	cr_assert_eq(ws, 0);
	cr_assert(!sack);
	cr_assert(ecn);
	tcp_cookie_ts_decode(0x1234563fu, &ws, &sack, &ecn);
	cr_assert_eq(ws, -1);
	cr_assert(sack);
	cr_assert(ecn);
	tcp_cookie_ts_decode(0x1234561fu, &ws, &sack, &ecn);
	cr_assert_eq(ws, -1);
	cr_assert(sack);
	cr_assert(!ecn);
}
