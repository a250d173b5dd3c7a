/* test_ip_input.c — IPv4 under the engine: ICMP echo answered, checksums verified,
 * fragments dropped and counted, other destinations, bad sources (MUST-63) and SYNs to
 * broadcast/multicast (MUST-57) dropped, each with its counter. */
#include "harness.h"

static size_t build_ip(uint8_t *pkt, uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag,
		       const uint8_t *payload, size_t len)
{
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .proto = proto, .src = src, .dst = dst, .frag = frag,
		.total_len = (uint16_t)(20 + len), .id = 7,
	};

	memcpy(pkt + 20, payload, len);
	cr_assert_eq(wire_ipv4_emit(&ip, pkt, 20), 20);
	return 20 + len;
}

static size_t build_echo(uint8_t *icmp)
{
	uint16_t c;

	memset(icmp, 0, 16);
	icmp[0] = 8;
	icmp[4] = 0x12; icmp[5] = 0x34;         /* id */
	icmp[7] = 1;                            /* seq */
	memcpy(icmp + 8, "pingdata", 8);
	c = wire_csum(icmp, 16);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 16;
}

Test(ip_input, icmp_echo_answered)
{
	struct harness h;
	uint8_t icmp[16], pkt[64], out[128];
	struct wire_ipv4 ip;
	size_t n;

	h_init(&h);
	n = build_ip(pkt, THEM, US, WIRE_IPPROTO_ICMP, 0, icmp, build_echo(icmp));
	synack_input(h.s, h.now, pkt, n);
	n = synack_output(h.s, h.now, out, sizeof out);
	cr_assert_eq(n, 36);
	cr_assert_eq(wire_ipv4_parse(out, n, &ip), WIRE_OK);
	cr_assert(wire_ipv4_csum_ok(out, 20));
	cr_assert_eq(ip.src, US);
	cr_assert_eq(ip.dst, THEM);
	cr_assert_eq(ip.proto, WIRE_IPPROTO_ICMP);
	cr_assert_eq(out[20], 0);               /* echo reply */
	cr_assert_eq(wire_csum(out + 20, 16), 0);
	cr_assert_eq(memcmp(out + 24, icmp + 4, 12), 0);        /* id, seq, data kept */
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_ICMP_ECHO), 1);
	cr_assert_eq(synack_output(h.s, h.now, out, sizeof out), 0);
	h_fini(&h);
}

static void expect_dropped(struct harness *h, const uint8_t *pkt, size_t n, int ctr)
{
	uint8_t out[128];
	uint64_t before = synack_counter(h->s, ctr);

	synack_input(h->s, h->now, pkt, n);
	cr_assert_eq(synack_counter(h->s, ctr), before + 1, "counter %s",
		     synack_counter_name(ctr));
	cr_assert_eq(synack_output(h->s, h->now, out, sizeof out), 0);
}

static size_t syn_to(uint8_t *pkt, uint32_t src, uint32_t dst, uint16_t frag)
{
	struct wire_tcp t = { .sport = 1234, .dport = 81, .seq = 1, .flags = F_SYN, .win = 100 };
	uint8_t seg[64];
	size_t n = wire_tcp_emit(&t, src, dst, NULL, 0, seg, sizeof seg);

	return build_ip(pkt, src, dst, WIRE_IPPROTO_TCP, frag, seg, n);
}

Test(ip_input, drops_are_counted_never_answered)
{
	struct harness h;
	uint8_t pkt[128];
	size_t n;

	h_init(&h);
	n = syn_to(pkt, THEM, US, WIRE_IP_MF);
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_FRAGMENT);
	n = syn_to(pkt, THEM, 0x0a000009u, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_NOT_OURS);
	n = syn_to(pkt, THEM, 0xffffffffu, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_TCP_SYN_BCAST);   /* MUST-57 */
	n = syn_to(pkt, THEM, 0xe0000001u, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_TCP_SYN_BCAST);
	n = syn_to(pkt, 0xe0000001u, US, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_BAD_SRC);      /* MUST-63 */
	n = syn_to(pkt, 0, US, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_BAD_SRC);
	n = syn_to(pkt, 0x7f000001u, US, 0);
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_BAD_SRC);
	n = syn_to(pkt, THEM, US, 0);
	pkt[10] ^= 1;                                           /* IP checksum */
	expect_dropped(&h, pkt, n, SYNACK_CTR_IP_BAD_CSUM);
	n = syn_to(pkt, THEM, US, 0);
	pkt[20 + 4] ^= 1;                                       /* TCP seq, checksum stale */
	expect_dropped(&h, pkt, n, SYNACK_CTR_TCP_BAD_CSUM);
	n = syn_to(pkt, THEM, US, 0);
	expect_dropped(&h, pkt, 19, SYNACK_CTR_IP_MALFORMED);
	pkt[20 + 12] = 0x40;                                    /* data offset 4 */
	expect_dropped(&h, pkt, n, SYNACK_CTR_TCP_MALFORMED);
	h_fini(&h);
}
