/*
 * syncookie.c — RFC 4987 §3.6 / Appendix A SYN cookies with Linux's IPv4 MSS table and
 * timestamp-encoded options, secret rotation with one previous key. The layout, the
 * validation order and the rotation window are documented in syncookie.h.
 */
#include "tcp/syncookie.h"

#include <string.h>

#include "base/keyedhash.h"

#define T_BITS 5                        /* RFC 4987 App. A: counter modulo 32 */
#define T_SHIFT 27
#define MSSI_SHIFT 25
#define MSSI_MASK 0x3u
#define MAC_MASK 0x01ffffffu            /* 25 bits */
#define T_MOD_MASK ((1u << T_BITS) - 1) /* 31 */

#define DOMAIN_WHITEN 0x00
#define DOMAIN_MAC 0x01

#define TS_OPT_BITS 6                   /* Linux TSBITS */
#define TS_OPT_MASK 0x3fu
#define TS_WSCALE_MASK 0x0fu            /* 0xf: no window scaling */
#define TS_SACK 0x10u
#define TS_ECN 0x20u
#define WSCALE_MAX 14                   /* RFC 7323 §2.3 */

/* Linux's msstab (net/ipv4/syncookies.c): the common IPv4 MSS values, ascending. */
static const uint16_t mss_table[TCP_COOKIE_MSS_COUNT] = { 536, 1300, 1440, 1460 };

struct cookie_id {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t client_isn;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 4-tuple as 12 bytes, local first, network order (the same serialisation as isn.c). */
static void put_tuple(uint8_t *p, const struct cookie_id *id)
{
	put_be32(p, id->laddr);
	put_be16(p + 4, id->lport);
	put_be32(p + 6, id->raddr);
	put_be16(p + 10, id->rport);
}

/* W: added to the raw cookie so all 32 bits look random (Linux's first hash + sseq). */
static uint32_t compute_whitener(const uint8_t *key, const struct cookie_id *id)
{
	uint8_t in[13];

	put_tuple(in, id);
	in[12] = DOMAIN_WHITEN;
	return (uint32_t)base_siphash24(key, in, sizeof(in)) + id->client_isn;
}

/* The 25-bit MAC over the 4-tuple, client ISN, full counter and MSS index. */
static uint32_t compute_mac(const uint8_t *key, const struct cookie_id *id, uint32_t t,
			    uint32_t mssi)
{
	uint8_t in[22];

	put_tuple(in, id);
	put_be32(in + 12, id->client_isn);
	put_be32(in + 16, t);
	in[20] = (uint8_t)mssi;
	in[21] = DOMAIN_MAC;
	return (uint32_t)base_siphash24(key, in, sizeof(in)) & MAC_MASK;
}

static uint32_t counter_at(uint64_t now_ns)
{
	return (uint32_t)(now_ns / TCP_COOKIE_PERIOD_NS);
}

/* Index of the largest table entry <= mss; 0 when mss is below every entry (Linux). */
static uint32_t find_mss_index(uint16_t mss)
{
	uint32_t i = TCP_COOKIE_MSS_COUNT - 1;

	while (i > 0 && mss < mss_table[i])
		i--;
	return i;
}

void tcp_cookie_keys_init(struct tcp_cookie_keys *k, const uint8_t key[TCP_COOKIE_KEY_BYTES])
{
	memset(k, 0, sizeof(*k));
	memcpy(k->key[0], key, TCP_COOKIE_KEY_BYTES);
	k->cur = 0;
	k->has_prev = false;
}

void tcp_cookie_rotate(struct tcp_cookie_keys *k, const uint8_t new_key[TCP_COOKIE_KEY_BYTES])
{
	k->cur ^= 1u;
	memcpy(k->key[k->cur], new_key, TCP_COOKIE_KEY_BYTES);
	k->has_prev = true;
}

uint16_t tcp_cookie_mss_round(uint16_t mss)
{
	return mss_table[find_mss_index(mss)];
}

uint32_t tcp_cookie_make(const struct tcp_cookie_keys *k, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t client_isn, uint16_t mss,
			 uint64_t now_ns, uint16_t *mss_used)
{
	const struct cookie_id id = { laddr, raddr, lport, rport, client_isn };
	const uint8_t *key = k->key[k->cur & 1u];
	uint32_t t = counter_at(now_ns);
	uint32_t mssi = find_mss_index(mss);
	uint32_t raw;

	raw = (t & T_MOD_MASK) << T_SHIFT | mssi << MSSI_SHIFT | compute_mac(key, &id, t, mssi);
	if (mss_used)
		*mss_used = mss_table[mssi];
	return raw + compute_whitener(key, &id);
}

/* Checks cookie under one key: the MSS (> 0), TCP_COOKIE_TOO_OLD or TCP_COOKIE_BAD_MAC. */
static int check_with_key(const uint8_t *key, const struct cookie_id *id, uint32_t cookie,
			  uint32_t now_t)
{
	uint32_t raw = cookie - compute_whitener(key, id);
	uint32_t age = (now_t - (raw >> T_SHIFT)) & T_MOD_MASK;
	uint32_t mssi = (raw >> MSSI_SHIFT) & MSSI_MASK;

	/* The latest counter value <= now_t whose low 5 bits match (RFC 4987 App. A:
	 * "checked against recent values of the counter"). */
	if ((raw & MAC_MASK) != compute_mac(key, id, now_t - age, mssi))
		return TCP_COOKIE_BAD_MAC;
	if (age >= TCP_COOKIE_MAX_AGE)
		return TCP_COOKIE_TOO_OLD;
	return mss_table[mssi];
}

int tcp_cookie_check(const struct tcp_cookie_keys *k, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport, uint32_t client_isn, uint32_t cookie,
		     uint64_t now_ns)
{
	const struct cookie_id id = { laddr, raddr, lport, rport, client_isn };
	uint32_t now_t = counter_at(now_ns);
	int r = check_with_key(k->key[k->cur & 1u], &id, cookie, now_t);

	if (r == TCP_COOKIE_BAD_MAC && k->has_prev)
		r = check_with_key(k->key[(k->cur & 1u) ^ 1u], &id, cookie, now_t);
	return r;
}

const char *tcp_cookie_strerror(int result)
{
	if (result > 0)
		return "ok";
	switch (result) {
	case TCP_COOKIE_BAD_MAC:
		return "cookie: bad MAC";
	case TCP_COOKIE_TOO_OLD:
		return "cookie: too old";
	default:
		return "cookie: unknown result";
	}
}

uint32_t tcp_cookie_ts_encode(uint32_t ts_now, int wscale, bool sack, bool ecn)
{
	uint32_t opts, ts;

	if (wscale < 0)
		opts = TS_WSCALE_MASK;
	else
		opts = (uint32_t)(wscale > WSCALE_MAX ? WSCALE_MAX : wscale);
	if (sack)
		opts |= TS_SACK;
	if (ecn)
		opts |= TS_ECN;
	ts = (ts_now & ~TS_OPT_MASK) | opts;
	/* Never ahead of our timestamp clock (Linux: "if (after(ts, ts_now))"). */
	if ((int32_t)(ts - ts_now) > 0)
		ts -= 1u << TS_OPT_BITS;
	return ts;
}

void tcp_cookie_ts_decode(uint32_t tsecr, int *wscale, bool *sack, bool *ecn)
{
	uint32_t opts = tsecr & TS_OPT_MASK;
	uint32_t ws = opts & TS_WSCALE_MASK;

	*wscale = ws == TS_WSCALE_MASK ? -1 : (int)ws;
	*sack = (opts & TS_SACK) != 0;
	*ecn = (opts & TS_ECN) != 0;
}
