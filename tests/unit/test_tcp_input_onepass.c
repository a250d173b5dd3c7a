/* test_tcp_input_onepass.c — synack_input's one-pass parse (ip_tcp_input:
 * wire_tcpip_parse and the address checks) decides exactly as the general parsers: two
 * stacks with the same keys and clock, one with tcp_stack.no_in_fast_path, a listener
 * on port 80 in each and connections to it, get the same packets; after every packet
 * every counter (each drop with its reason), every packet sent (byte for byte), every
 * event and every decision note must be equal, and so must the connection's RFC
 * variables. The packets: segments for the live connection near its sequence space
 * (data, ACKs, FIN, RST, SYN, old timestamps), SYNs to the listener, segments to a
 * closed port, with every option layout (none, NOP,NOP,TS, Linux's SYN layout, SACK
 * blocks, other orders, random option bytes with bad lengths), payloads odd and even;
 * and the same mutated: a header byte or bit changed, a bad checksum (either header),
 * the data offset, the total length, fragment bits, the protocol (ICMP, UDP), IHL
 * (IP options: NOPs, a source route), foreign and invalid addresses (broadcast,
 * multicast, 0, loopback), the buffer truncated or padded. Both the one-pass stack's
 * own counters show each kind reached (accepted, malformed, bad checksums, IP drops). */
#include <stddef.h>

#include "harness.h"
#include "api/api.h"
#include "ip/ip.h"
#include "pkt_fix.h"

struct duo {
	struct harness h[2];    /* [0] one-pass parse, [1] general parsers */
	int lfd[2], fd[2];
	uint16_t port;          /* the live connection's peer port */
	uint32_t peer_ts;
	unsigned pkts_out;
	unsigned onepass;       /* packets ip_tcp_input takes whole */
};

static uint64_t rng = 0x13198a2e03707344ull;

static uint32_t next_rand(void)
{
	return pf_rand(&rng);
}

static void drain_compare(struct duo *d)
{
	for (;;) {
		size_t n0 = synack_output(d->h[0].s, d->h[0].now, d->h[0].pkt, sizeof d->h[0].pkt);
		size_t n1 = synack_output(d->h[1].s, d->h[1].now, d->h[1].pkt, sizeof d->h[1].pkt);

		cr_assert_eq(n0, n1, "packet %u: %zu bytes one-pass, %zu general", d->pkts_out,
			     n0, n1);
		if (!n0)
			break;
		cr_assert_eq(memcmp(d->h[0].pkt, d->h[1].pkt, n0), 0, "packet %u differs",
			     d->pkts_out);
		d->pkts_out++;
	}
	for (int c = 0; c < SYNACK_CTR_COUNT; c++)
		cr_assert_eq(synack_counter(d->h[0].s, c), synack_counter(d->h[1].s, c),
			     "counter %s: %llu vs %llu", synack_counter_name(c),
			     (unsigned long long)synack_counter(d->h[0].s, c),
			     (unsigned long long)synack_counter(d->h[1].s, c));
	h_same_events_notes(d->h[0].s, d->h[1].s);
	if (d->fd[0] >= 0) {
		const struct tcb *a = api_tcb(d->h[0].s, d->fd[0]);
		const struct tcb *b = api_tcb(d->h[1].s, d->fd[1]);
		size_t from = offsetof(struct tcb, snd_una), to = offsetof(struct tcb, tnode);

		cr_assert_eq(!a, !b);
		if (a)
			cr_assert_eq(memcmp((const char *)a + from, (const char *)b + from,
					    to - from), 0, "tcb fields differ (rcv_nxt %u/%u)",
				     a->rcv_nxt, b->rcv_nxt);
	}
}

static void input_both(struct duo *d, const uint8_t *pkt, size_t len)
{
	const struct tcp_stack *ts = &d->h[0].s->tcp;
	struct wire_tcp seg;
	uint32_t src, dst;

	if (ip_tcp_input(ts->addrs, ts->naddrs, pkt, len, &src, &dst, &seg))
		d->onepass++;
	for (int i = 0; i < 2; i++)
		synack_input(d->h[i].s, d->h[i].now, pkt, len);
	drain_compare(d);
}

/* The options of one peer segment: the layouts senders use, or random option bytes
 * (kinds of every sort, sometimes a bad length) written at o; returns their length. */
static size_t peer_opts(struct duo *d, struct wire_tcp_opts *opt, uint8_t *o)
{
	size_t cap;

	memset(opt, 0, sizeof *opt);
	opt->ts_val = next_rand() % 8 ? ++d->peer_ts : next_rand();     /* some fail PAWS */
	opt->ts_ecr = next_rand() % 4 ? 0 : next_rand();
	opt->mss = (uint16_t)(500 + next_rand() % 1000);
	opt->wscale = (uint8_t)(next_rand() % 16);
	opt->sack_count = (uint8_t)(1 + next_rand() % 3);
	for (int k = 0; k < WIRE_SACK_MAX; k++) {
		opt->sack[k].left = next_rand();
		opt->sack[k].right = opt->sack[k].left + next_rand() % 3000;
	}
	switch (next_rand() % 6) {
	case 0:
		opt->present = 0;
		return 0;
	case 1:
	case 2:
		opt->present = WIRE_HAS_TS;
		return 0;
	case 3:
		opt->present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS;
		return 0;
	case 4:
		opt->present = (uint8_t)(next_rand() & 0x1f);
		return 0;
	default:
		break;
	}
	cap = 4 * (1 + next_rand() % 10);
	pf_random_opts(&rng, o, cap);
	return cap;
}

/* A valid packet THEM -> US at pkt: to the live connection near its sequence space,
 * a SYN to the listener, or to a closed port. Returns its length. */
static size_t peer_packet(struct duo *d, uint8_t *pkt)
{
	static const uint8_t flag_sets[] = {
		F_ACK, F_ACK, F_ACK | F_PSH, F_ACK | F_FIN, F_RST, F_ACK | F_RST, F_SYN,
		F_SYN | F_ACK, F_ACK | F_URG, 0,
	};
	const struct tcb *t = d->fd[0] >= 0 ? api_tcb(d->h[0].s, d->fd[0]) : NULL;
	struct wire_tcp seg = { .dport = SRV_PORT, .win = (uint16_t)(next_rand() % 65536) };
	struct wire_ipv4 ip = { .ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = THEM, .dst = US,
				.frag = WIRE_IP_DF, .tos = (uint8_t)(next_rand() % 4) };
	uint8_t raw[40], data[64];
	size_t rawlen = peer_opts(d, &seg.opt, raw), plen = next_rand() % 3 ? 0 :
							     next_rand() % sizeof data, n;
	unsigned r = next_rand() % 10;

	seg.flags = flag_sets[next_rand() % sizeof flag_sets];
	if (r < 7 && t) {
		seg.sport = d->port;
		seg.seq = t->rcv_nxt + (next_rand() % 4 ? 0 : next_rand() % 4000 - 2000);
		seg.ack = t->snd_una + (next_rand() % 4 ? 0 : next_rand() % 200 - 100);
	} else if (r < 9) {
		seg.sport = (uint16_t)(20000 + next_rand() % 100);
		seg.flags = next_rand() % 4 ? F_SYN : seg.flags;
		seg.seq = next_rand();
		seg.opt.ts_ecr = 0;
	} else {
		seg.dport = (uint16_t)(81 + next_rand() % 3);      /* closed */
		seg.sport = (uint16_t)next_rand();
		seg.seq = next_rand();
		seg.ack = next_rand();
	}
	if (seg.flags & F_URG)
		seg.urp = (uint16_t)(next_rand() % 8);
	for (size_t i = 0; i < plen; i++)
		data[i] = (uint8_t)next_rand();
	if (rawlen)
		seg.opt.present = 0;
	n = wire_tcp_emit(&seg, THEM, US, data, plen, pkt + 20, 1000);
	if (!n) {       /* options over 40 bytes: none */
		seg.opt.present = 0;
		n = wire_tcp_emit(&seg, THEM, US, data, plen, pkt + 20, 1000);
	}
	cr_assert_gt(n, 0);
	if (rawlen) {   /* the random option bytes in place of none */
		memmove(pkt + 40 + rawlen, pkt + 40, plen);
		memcpy(pkt + 40, raw, rawlen);
		pkt[32] = (uint8_t)((20 + rawlen) / 4 << 4 | (pkt[32] & 15));
		n += rawlen;
	}
	ip.total_len = (uint16_t)(n + 20);
	wire_ipv4_emit(&ip, pkt, 20);
	pf_fix_tcp_csum(pkt, n + 20);
	return n + 20;
}

/* One or more changes to a packet; the checksums mostly made right again after. */
static void mutate(uint8_t *pkt, size_t *len, size_t cap)
{
	static const uint32_t addrs[] = {
		0, 0xffffffffu, 0xe0000001u, 0xf0000001u, 0x7f000001u, 0x0a000009u, US, THEM,
	};
	unsigned k = 1 + next_rand() % 2;

	while (k-- && *len) {
		switch (next_rand() % 12) {
		case 0:
			pkt[next_rand() % (*len < 60 ? *len : 60)] = (uint8_t)next_rand();
			break;
		case 1:
			pkt[next_rand() % *len] ^= (uint8_t)(1u << next_rand() % 8);
			break;
		case 2:
			pkt[32] = (uint8_t)((next_rand() % 16) << 4 | (pkt[32] & 15));
			break;
		case 3:
			pf_put16(pkt + 2, (uint16_t)(next_rand() % (*len + 8)));
			break;
		case 4:
			pkt[6] = (uint8_t)(next_rand() % 2 ? 0x20 : next_rand());
			pkt[7] = (uint8_t)(next_rand() % 2 ? 0 : next_rand());
			break;
		case 5:
			pkt[9] = (uint8_t)(next_rand() % 2 ? WIRE_IPPROTO_ICMP : 17);
			break;
		case 6:         /* IP options: NOPs, or a completed source route */
			if (*len >= 20 && *len + 12 <= cap) {
				size_t ol = next_rand() % 2 ? 4 : 12;

				memmove(pkt + 20 + ol, pkt + 20, *len - 20);
				memset(pkt + 20, WIRE_IPOPT_NOP, ol);
				if (ol == 12) {
					pkt[20] = WIRE_IPOPT_LSRR;
					pkt[21] = 11;
					pkt[22] = 12;   /* done: pointer past the last address */
					pf_put32(pkt + 23, 0x0a0000feu);
					pf_put32(pkt + 27, 0x0a0000fdu);
					pkt[31] = WIRE_IPOPT_EOL;
				}
				pkt[0] = (uint8_t)(0x40 | (20 + ol) / 4);
				pf_put16(pkt + 2, (uint16_t)((pkt[2] << 8 | pkt[3]) + ol));
				*len += ol;
			}
			break;
		case 7:
			pf_put32(pkt + 12, addrs[next_rand() % 8]);
			break;
		case 8:
			pf_put32(pkt + 16, addrs[next_rand() % 8]);
			break;
		case 9:
			*len = next_rand() % (*len + 1);
			break;
		case 10:
			if (*len + 8 <= cap)
				*len += next_rand() % 8;
			break;
		default:
			pkt[0] = (uint8_t)((next_rand() % 16) << 4 | (pkt[0] & 15));
			break;
		}
	}
	if (*len >= 20 && next_rand() % 4)
		pf_fix_tcp_csum(pkt, *len);
	if (*len >= 20 && next_rand() % 4)
		pf_fix_ip_csum(pkt);
}

/* One packet from both stacks, the same bytes, parsed into h[0].out (its checksum not
 * judged: a reply by a source route sums the final destination). */
static bool next_both(struct duo *d)
{
	size_t n0 = synack_output(d->h[0].s, d->h[0].now, d->h[0].pkt, sizeof d->h[0].pkt);
	size_t n1 = synack_output(d->h[1].s, d->h[1].now, d->h[1].pkt, sizeof d->h[1].pkt);
	struct wire_ipv4 ip;

	cr_assert_eq(n0, n1);
	if (!n0)
		return false;
	cr_assert_eq(memcmp(d->h[0].pkt, d->h[1].pkt, n0), 0);
	d->pkts_out++;
	cr_assert_eq(wire_ipv4_parse(d->h[0].pkt, n0, &ip), WIRE_OK);
	cr_assert_eq(wire_tcp_parse(d->h[0].pkt + ip.hdr_len, ip.total_len - ip.hdr_len,
				    &d->h[0].out), WIRE_OK);
	return true;
}

/* A new connection from THEM:port, accepted in both stacks; false (and nothing
 * accepted) when the port is taken already (a mutated packet may have opened it). */
static bool connect_port(struct duo *d, uint16_t port)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS |
					      WIRE_HAS_WS, .mss = 1460, .wscale = 7 };
	uint32_t a;

	d->port = port;
	o.ts_val = ++d->peer_ts;
	for (int i = 0; i < 2; i++)
		h_send_opt(&d->h[i], port, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	if (!next_both(d) || d->h[0].out.flags != (F_SYN | F_ACK)) {
		drain_compare(d);
		return false;
	}
	o.present = WIRE_HAS_TS;
	o.ts_val = ++d->peer_ts;
	o.ts_ecr = d->h[0].out.opt.ts_val;
	for (int i = 0; i < 2; i++) {
		h_send_opt(&d->h[i], port, SRV_PORT, F_ACK, PEER_ISN + 1, d->h[0].out.seq + 1,
			   65535, &o, NULL, 0, 0);
		d->fd[i] = synack_accept(d->h[i].s, d->lfd[i], &a, NULL);
	}
	cr_assert_eq(d->fd[0], d->fd[1]);
	drain_compare(d);
	return d->fd[0] >= 0;
}

static void connect_peer(struct duo *d, uint16_t port)
{
	while (!connect_port(d, port))
		port++;
}

/* Two stacks as the test's header says (gro on both when gro: GRO's one-pass read,
 * ip_tcp_input_hdrs, against ip_input + wire_tcp_parse), a listener, a live connection. */
static void duo_init(struct duo *d, bool gro)
{
	memset(d, 0, sizeof *d);
	for (int i = 0; i < 2; i++) {
		struct synack_config c;

		h_default_config(&c);
		c.timestamps = 1;
		c.sack = 1;
		c.window_scaling = 1;
		c.accept_source_route = 1;
		c.gro = gro;
		h_init_cfg(&d->h[i], &c);
		d->h[i].s->tcp.no_in_fast_path = i == 1;
		d->lfd[i] = h_listen(&d->h[i], SRV_PORT, 1000);
	}
	connect_peer(d, PEER_PORT);
}

/* Every so often (reads) the clock moves on and both applications read; when asked, or
 * when the live connection is gone or out of ESTABLISHED, it is closed and another one
 * made (port from k). */
static void duo_tend(struct duo *d, bool reads, bool renew, unsigned k)
{
	static char sink[70000];

	if (reads) {
		for (int i = 0; i < 2; i++) {
			h_advance(&d->h[i], 50 * MSEC);
			(void)synack_recv(d->h[i].s, d->fd[i], sink, sizeof sink, 0);
		}
		drain_compare(d);
	}
	if (renew || api_tcb(d->h[0].s, d->fd[0]) == NULL ||
	    api_tcb(d->h[0].s, d->fd[0])->state != TCP_ESTABLISHED) {
		for (int i = 0; i < 2; i++)
			synack_close(d->h[i].s, d->fd[i]);
		drain_compare(d);
		connect_peer(d, (uint16_t)(PEER_PORT + 1 + k % 20000));
	}
}

/* Every kind of verdict reached, in bulk, on the one-pass stack, and at least out_min
 * packets sent (fewer with GRO: one ACK per merge). */
static void duo_check_reached(struct duo *d, unsigned out_min)
{
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_TCP_IN), 15000u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_TCP_MALFORMED), 500u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_TCP_BAD_CSUM), 300u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_IP_BAD_CSUM), 1000u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_IP_MALFORMED), 500u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_IP_FRAGMENT), 100u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_IP_NOT_OURS), 100u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_IP_BAD_SRC), 100u);
	cr_assert_gt(synack_counter(d->h[0].s, SYNACK_CTR_TCP_SYN_BCAST), 100u);
	cr_assert_gt(d->pkts_out, out_min, "%u packets sent", d->pkts_out);
	cr_assert_gt(d->onepass, 15000u, "%u packets took the one pass", d->onepass);
	for (int i = 0; i < 2; i++)
		h_fini(&d->h[i]);
}

Test(tcp_input_onepass, random_and_malformed_packets_same_as_general_parse)
{
	static uint8_t pkt[2000];
	struct duo d;

	duo_init(&d, false);
	for (unsigned i = 0; i < 40000; i++) {
		size_t len = peer_packet(&d, pkt);

		if (next_rand() % 2)
			mutate(pkt, &len, sizeof pkt);
		input_both(&d, pkt, len);
		duo_tend(&d, i % 16 == 0, i % 500 == 499, i);
	}
	duo_check_reached(&d, 15000);
}

/* The next packet of a train after tmpl (len bytes, as peer_packet made it): the same
 * headers and payload, the sequence number past tmpl's payload, the checksum right;
 * false when tmpl carries no payload. */
static bool train_next(uint8_t *tmpl, size_t len)
{
	size_t thl = (size_t)(tmpl[32] >> 4) * 4;

	if (len <= 20 + thl)
		return false;
	pf_put32(tmpl + 24, wire_get32(tmpl + 24) + (uint32_t)(len - 20 - thl));
	pf_fix_tcp_csum(tmpl, len);
	return true;
}

/* n packets through synack_input_burst on both stacks, then everything compared. */
static void burst_both(struct duo *d, uint8_t (*pkt)[2000], const size_t *len, unsigned n)
{
	const struct tcp_stack *ts = &d->h[0].s->tcp;
	struct synack_pkt pk[8];

	for (unsigned k = 0; k < n; k++) {
		struct wire_tcp seg;
		uint32_t src, dst;
		uint64_t sum;

		if (ip_tcp_input_hdrs(ts->addrs, ts->naddrs, pkt[k], len[k], &src, &dst, &seg,
				      &sum))
			d->onepass++;
		pk[k] = (struct synack_pkt){pkt[k], len[k]};
	}
	for (int i = 0; i < 2; i++)
		synack_input_burst(d->h[i].s, d->h[i].now, pk, n);
	drain_compare(d);
}

/*
 * GRO (synack_input_burst) reads the common packet in one pass (offload.c gro_rx:
 * ip_tcp_input_hdrs, its header sum kept for the checksum GRO verifies while copying
 * the payload) and decides exactly as through ip_input + wire_tcp_parse: the same
 * packets as above in bursts of 1..8, two of three after the first a train's next
 * segment (the previous unmutated packet's copy, its sequence number past its payload;
 * half of the trains' heads made plain ACKs) so merges form, in place in the receive
 * ring or in gro_buf, and a quarter of them mutated (a bad checksum inside a merge,
 * a gap, a header that no longer matches). Every counter, packet sent, event, note and
 * the tcb equal after every burst.
 */
Test(tcp_input_onepass, gro_bursts_same_as_general_parse)
{
	static uint8_t pkt[8][2000], tmpl[2000];
	struct duo d;
	size_t len[8], tlen = 0;
	unsigned trains = 0, bursts = 0;

	duo_init(&d, true);
	for (unsigned i = 0; i < 40000; bursts++) {
		unsigned n = 1 + next_rand() % 8;

		for (unsigned k = 0; k < n; k++, i++) {
			bool train = k && next_rand() % 3 && train_next(tmpl, tlen);

			if (train) {
				trains++;
			} else {
				tlen = peer_packet(&d, tmpl);
				if (next_rand() % 2) {
					tmpl[33] = F_ACK;       /* a plain ACK may start a merge */
					pf_fix_tcp_csum(tmpl, tlen);
				}
			}
			memcpy(pkt[k], tmpl, tlen);
			len[k] = tlen;
			if (next_rand() % (train ? 4 : 2) == 0)
				mutate(pkt[k], &len[k], sizeof pkt[k]);
		}
		burst_both(&d, pkt, len, n);
		duo_tend(&d, bursts % 4 == 0, bursts % 100 == 99, i);
	}
	cr_assert_gt(trains, 10000u, "%u train packets", trains);
	cr_assert_not_null(d.h[0].s->gro_buf);
	duo_check_reached(&d, 10000);
}

/*
 * A connection to a loopback peer from an address of ours that is not loopback (connect
 * allows it, as Linux's does): every segment from the peer fails MUST-63 (a loopback
 * source to a destination that is not loopback) and is dropped and counted as a bad
 * source, though its 4-tuple is the connection's. The one-pass read skips the address
 * checks for a segment of the cached connection (stack.c synack_input), so the cache
 * must never hold this one (user.c open_active): else the SYN-ACK below would complete
 * the handshake on the one-pass stack. Both stacks must drop it, send nothing, stay in
 * SYN-SENT and count the same.
 */
Test(tcp_input_onepass, loopback_peer_from_other_address_dropped_as_bad_source)
{
	const uint32_t lo = 0x7f000001u;
	struct harness h[2];

	for (int i = 0; i < 2; i++) {
		struct wire_tcp t = { .sport = SRV_PORT, .seq = PEER_ISN, .win = 8192,
				      .flags = F_SYN | F_ACK };
		struct wire_ipv4 ip = { .hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP,
					.src = lo, .dst = US };
		int fd;
		size_t n;

		h_init(&h[i]);
		h[i].s->tcp.no_in_fast_path = i == 1;
		fd = synack_socket(h[i].s);
		cr_assert_geq(fd, 0);
		cr_assert_eq(synack_connect(h[i].s, fd, lo, SRV_PORT), -EINPROGRESS);
		EXPECT_SEG(&h[i], F_SYN, h[i].out.seq, 0, ANYWIN);
		cr_assert_eq(h[i].out_dst, lo);
		t.dport = h[i].out.sport;
		t.ack = h[i].out.seq + 1;
		n = wire_tcp_emit(&t, lo, US, NULL, 0, h[i].pkt + 20, sizeof h[i].pkt - 20);
		cr_assert_gt(n, 0);
		ip.total_len = (uint16_t)(n + 20);
		cr_assert_eq(wire_ipv4_emit(&ip, h[i].pkt, 20), 20);
		synack_input(h[i].s, h[i].now, h[i].pkt, n + 20);
		EXPECT_NONE(&h[i]);
		EXPECT_STATE(&h[i], fd, SYNACK_STATE_SYN_SENT);
		cr_assert_eq(synack_counter(h[i].s, SYNACK_CTR_IP_BAD_SRC), 1);
		cr_assert_eq(synack_counter(h[i].s, SYNACK_CTR_TCP_IN), 0);
	}
	h_same_counters(h[0].s, h[1].s);
	h_same_events_notes(h[0].s, h[1].s);
	for (int i = 0; i < 2; i++)
		h_fini(&h[i]);
}
