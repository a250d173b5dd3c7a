/* test_ip_fastpath.c — ip_input's fixed-layout case (20-byte header, TCP, accepted) is
 * exactly the general parse: ip_input and ip_input_full judge the same datagrams,
 * valid ones and ones with one field or one byte changed (version/IHL, total length
 * against the buffer, checksum right or stale, fragment bits, protocol, broadcast /
 * multicast / foreign destinations, invalid sources, options, truncation), and must
 * return the same kind, the same drop counter and the same *rx, field by field. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "ip/ip.h"
#include "synack/synack.h"
#include "wire/wire.h"

#define US 0x0a000001u
#define US2 0x7f000001u         /* a loopback address of ours: loopback sources allowed */
#define THEM 0x0a000002u

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A TCP (or other proto) datagram of 20 + plen bytes with a correct header checksum. */
static size_t build(uint8_t *pkt, uint8_t proto, uint32_t src, uint32_t dst, size_t plen)
{
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .proto = proto, .src = src, .dst = dst,
		.frag = WIRE_IP_DF, .total_len = (uint16_t)(20 + plen), .id = 9,
	};

	for (size_t i = 0; i < plen; i++)
		pkt[20 + i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(wire_ipv4_emit(&ip, pkt, 20), 20);
	return 20 + plen;
}

static void fix_csum(uint8_t *pkt)
{
	uint16_t c;

	pkt[10] = pkt[11] = 0;
	c = wire_csum(pkt, (size_t)(pkt[0] & 0x0f) * 4);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const uint32_t addrs[] = { US, US2 };
static unsigned accepted_tcp, dropped;

/* Both judgements of pkt[0..len), compared; returns the kind. */
static enum ip_rx_kind compare(const uint8_t *pkt, size_t len, bool accept_srr)
{
	struct ip_rx a, b;
	enum ip_rx_kind ka, kb;

	memset(&a, 0xa5, sizeof a);
	memset(&b, 0xa5, sizeof b);
	ka = ip_input(addrs, 2, accept_srr, pkt, len, &a);
	kb = ip_input_full(addrs, 2, accept_srr, pkt, len, &b);
	cr_assert_eq(ka, kb, "kind %d vs %d, len %zu, bytes %02x %02x %02x %02x", ka, kb, len,
		     pkt[0], pkt[2], pkt[3], pkt[9]);
	cr_assert_eq(a.drop_ctr, b.drop_ctr, "drop counter %s vs %s",
		     synack_counter_name(a.drop_ctr), synack_counter_name(b.drop_ctr));
	cr_assert_eq(a.src, b.src, "src %08x vs %08x", a.src, b.src);
	cr_assert_eq(a.dst, b.dst, "dst %08x vs %08x", a.dst, b.dst);
	cr_assert_eq(a.pkt, b.pkt);
	cr_assert_eq(a.hdr_len, b.hdr_len, "hdr_len %zu vs %zu", a.hdr_len, b.hdr_len);
	cr_assert_eq(a.payload, b.payload);
	cr_assert_eq(a.payload_len, b.payload_len, "payload_len %zu vs %zu", a.payload_len,
		     b.payload_len);
	cr_assert_eq(a.has_srr, b.has_srr);
	if (ka == IP_RX_TCP)
		accepted_tcp++;
	else if (ka == IP_RX_DROP)
		dropped++;
	return ka;
}

Test(ip_fastpath, named_cases_equal_full_parse)
{
	uint8_t pkt[96];
	size_t n;

	n = build(pkt, WIRE_IPPROTO_TCP, THEM, US, 40);
	cr_assert_eq(compare(pkt, n, false), IP_RX_TCP);
	cr_assert_eq(compare(pkt, n + 7, false), IP_RX_TCP);    /* link padding */
	cr_assert_eq(compare(pkt, n - 1, false), IP_RX_DROP);   /* total length > len */
	cr_assert_eq(compare(pkt, 19, false), IP_RX_DROP);
	cr_assert_eq(compare(pkt, 0, false), IP_RX_DROP);
	pkt[10] ^= 0x40;
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* checksum */
	n = build(pkt, WIRE_IPPROTO_TCP, THEM, US, 0);
	cr_assert_eq(compare(pkt, n, false), IP_RX_TCP);        /* header alone */
	pkt[2] = 0;
	pkt[3] = 19;
	fix_csum(pkt);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* total length < 20 */
	n = build(pkt, WIRE_IPPROTO_TCP, US2, US2, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_TCP);        /* loopback to loopback */
	n = build(pkt, WIRE_IPPROTO_TCP, US2, US, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* MUST-63 */
	n = build(pkt, WIRE_IPPROTO_TCP, 0, US, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);
	n = build(pkt, WIRE_IPPROTO_TCP, THEM, 0xe0000001u, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* MUST-57 */
	n = build(pkt, WIRE_IPPROTO_TCP, THEM, 0x0a000009u, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* not ours */
	n = build(pkt, 17, THEM, US, 8);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);       /* unknown protocol */
	n = build(pkt, WIRE_IPPROTO_TCP, THEM, US, 8);
	pkt[6] = 0x20;                                          /* MF */
	fix_csum(pkt);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);
	pkt[6] = 0x00;
	pkt[7] = 0x01;                                          /* offset 8 */
	fix_csum(pkt);
	cr_assert_eq(compare(pkt, n, false), IP_RX_DROP);
	/* IHL 6 with a NOP option area: the general parse takes it */
	n = build(pkt, WIRE_IPPROTO_TCP, THEM, US, 24);
	pkt[0] = 0x46;
	pkt[20] = pkt[21] = pkt[22] = pkt[23] = WIRE_IPOPT_NOP;
	fix_csum(pkt);
	cr_assert_eq(compare(pkt, n, false), IP_RX_TCP);
	cr_assert_eq(compare(pkt, 23, false), IP_RX_DROP);
}

/* One field or byte of a valid datagram changed, the checksum mostly made right again
 * so that the later checks are reached too. */
static size_t mutate(uint8_t *pkt, size_t *len)
{
	static const uint32_t some_addrs[] = {
		US, US2, THEM, 0, 0xffffffffu, 0xe0000001u, 0xf0000001u, 0x7f000002u, 0x0a000009u,
	};
	size_t n = build(pkt, next_rand() % 4 ? WIRE_IPPROTO_TCP : WIRE_IPPROTO_ICMP,
			 next_rand() % 8 ? THEM : US2, next_rand() % 8 ? US : US2, next_rand() % 40);
	uint32_t r = next_rand();
	size_t cap = n + next_rand() % 3;
	uint16_t tl;

	switch (r % 9) {
	case 0:
		pkt[next_rand() % 20] = (uint8_t)next_rand();
		break;
	case 1:
		pkt[next_rand() % 20] ^= (uint8_t)(1u << (next_rand() % 8));
		break;
	case 2:
		tl = (uint16_t)(next_rand() % 80);
		pkt[2] = (uint8_t)(tl >> 8);
		pkt[3] = (uint8_t)tl;
		break;
	case 3:
		pkt[6] = (uint8_t)next_rand();
		pkt[7] = (uint8_t)(next_rand() % 4 ? 0 : next_rand());
		break;
	case 4:
		put32(pkt + 12, some_addrs[next_rand() % 9]);
		break;
	case 5:
		put32(pkt + 16, some_addrs[next_rand() % 9]);
		break;
	case 6:
		pkt[9] = (uint8_t)(next_rand() % 3 ? WIRE_IPPROTO_TCP : next_rand());
		break;
	case 7:
		pkt[0] = (uint8_t)(0x40 | (next_rand() % 16));
		break;
	default:
		cap = next_rand() % (n + 1);    /* truncated */
		break;
	}
	if (next_rand() % 4)
		fix_csum(pkt);
	*len = cap;
	return n;
}

Test(ip_fastpath, mutated_datagrams_equal_full_parse)
{
	uint8_t pkt[128];
	size_t len;

	accepted_tcp = dropped = 0;
	for (unsigned i = 0; i < 200000; i++) {
		memset(pkt, 0, sizeof pkt);
		mutate(pkt, &len);
		compare(pkt, len, i & 1);
	}
	/* both outcomes are exercised in bulk, not only at the edges */
	cr_assert_gt(accepted_tcp, 20000u, "accepted %u", accepted_tcp);
	cr_assert_gt(dropped, 50000u, "dropped %u", dropped);
}
