/*
 * test_ip_srcroute.c — IP source routing for TCP (RFC 9293 §3.9.2.1, RFC 1122 §4.2.3.8
 * and §3.2.1.8 (c), RFC 791 §3.1): the exact IP header bytes synack sends.
 *
 *   MUST-51  IP_OPTIONS gives an active open its route: the SYN and every later segment
 *            go to the first hop with {hops.., final destination} in the option;
 *   MUST-52  that route wins over a route received in a datagram;
 *   MUST-53  a passive open saves the SYN's return route and uses it on every segment
 *            (SYN-ACK, its retransmission, SYN-cookie SYN-ACK, data, RST);
 *   SHLD-24  a later accepted segment's different route replaces it;
 * plus accept_source_route (0 by default: dropped and counted), routes under way and
 * malformed options dropped, the echo of a route on RSTs and ICMP echo replies, and
 * ICMP errors quoting a source-routed segment matched to their connection.
 *
 * Addresses: we are US 10.0.0.1, the peer THEM 10.0.0.2; hops 192.0.2.x (our routes)
 * and 198.51.100.x / 203.0.113.x (routes the peer's datagrams recorded).
 */
#include "harness.h"

#include <stdio.h>

#define G1 0xc0000201u  /* 192.0.2.1 */
#define G2 0xc0000202u
#define R1 0xc6336401u  /* 198.51.100.1 */
#define R2 0xc6336402u
#define R3 0xcb007103u  /* 203.0.113.3 */

#define A(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)

/* A packet synack sent, parsed: TCP checksummed against the final destination. */
struct rpkt {
	uint8_t raw[2048];
	size_t len;
	struct wire_ipv4 ip;
	struct wire_ipv4_opts o;
	uint32_t final_dst;
	struct wire_tcp t;
};

static void expect_bytes(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	char g[200], w[200];
	size_t k = 0, j = 0;

	if (!memcmp(got, want, n))
		return;
	for (size_t i = 0; i < n && k + 4 < sizeof g; i++) {
		k += (size_t)snprintf(g + k, sizeof g - k, "%02x ", got[i]);
		j += (size_t)snprintf(w + j, sizeof w - j, "%02x ", want[i]);
	}
	cr_assert_fail("%s:\n got  %s\n want %s", what, g, w);
}

/* Drains one packet (false: none). With a source route the TCP checksum must verify
 * over the final destination (RFC 9293 §3.9.2.1) and not over the header's. */
static bool drain(struct harness *h, struct rpkt *p)
{
	memset(p, 0, sizeof *p);
	p->len = synack_output(h->s, h->now, p->raw, sizeof p->raw);
	if (!p->len)
		return false;
	cr_assert_eq(wire_ipv4_parse(p->raw, p->len, &p->ip), WIRE_OK);
	cr_assert(wire_ipv4_csum_ok(p->raw, p->ip.hdr_len), "IP header checksum");
	cr_assert_eq(p->ip.total_len, p->len);
	cr_assert_eq(p->ip.src, US);
	cr_assert_eq(wire_ipv4_parse_opts(p->ip.opts, p->ip.hdr_len - 20u, &p->o), WIRE_OK);
	p->final_dst = p->ip.dst;
	if (p->o.has_srr)
		p->final_dst = p->o.srr.addr[p->o.srr.count - 1];
	if (p->ip.proto != WIRE_IPPROTO_TCP)
		return true;
	cr_assert_eq(wire_tcp_parse(p->raw + p->ip.hdr_len, p->len - p->ip.hdr_len, &p->t),
		     WIRE_OK);
	cr_assert(wire_tcp_csum_ok(US, p->final_dst, p->raw + p->ip.hdr_len,
				   p->len - p->ip.hdr_len), "TCP checksum over the final dst");
	if (p->o.has_srr)
		cr_assert(!wire_tcp_csum_ok(US, p->ip.dst, p->raw + p->ip.hdr_len,
					    p->len - p->ip.hdr_len),
			  "TCP checksum must not cover the first hop");
	return true;
}

/* Asserts the IP header of p: IHL, destination (first hop) and the options bytes. */
static void expect_route(const struct rpkt *p, uint32_t dst, const uint8_t *opts, size_t olen)
{
	const uint8_t d[4] = { A(dst) };

	cr_assert_eq(p->raw[0], 0x45 + olen / 4, "version/IHL %02x, expected %02zx", p->raw[0],
		     0x45 + olen / 4);
	expect_bytes(p->raw + 16, d, 4, "IP destination");
	if (olen)
		expect_bytes(p->raw + 20, opts, olen, "IP options");
	cr_assert_eq(p->ip.hdr_len, 20 + olen);
}

/* The next packet synack sends: TCP flags (-1: any) and expect_route's checks. */
static void expect_next(struct harness *h, struct rpkt *p, int flags, uint32_t dst,
			const uint8_t *opts, size_t olen)
{
	cr_assert(drain(h, p), "no packet sent");
	if (flags >= 0)
		cr_assert_eq(p->t.flags, flags, "flags %02x, expected %02x", p->t.flags, flags);
	expect_route(p, dst, opts, olen);
}

/* A segment THEM -> US whose IP header carries opts[0..olen) (a multiple of 4). */
static void send_routed(struct harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
			uint32_t seq, uint32_t ack, const struct wire_tcp_opts *to,
			const void *data, size_t len, const uint8_t *opts, size_t olen)
{
	struct wire_tcp t = {
		.sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags,
		.win = 8192,
	};
	struct wire_ipv4 ip = {
		.ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = THEM, .dst = US,
	};
	size_t n;

	if (to)
		t.opt = *to;
	n = wire_tcp_emit(&t, THEM, US, data, len, h->pkt + 20 + olen,
			  sizeof h->pkt - 20 - olen);
	cr_assert_gt(n, 0);
	ip.total_len = (uint16_t)(20 + olen + n);
	cr_assert_eq(wire_ipv4_emit_opts(&ip, opts, olen, h->pkt, 20 + olen), 20 + olen);
	synack_input(h->s, h->now, h->pkt, 20 + olen + n);
}

/* Completed LSRR recorded {R1, R2} (pointer past the end), as US receives it. */
static const uint8_t rec_r1r2[12] = { 0x83, 0x0b, 0x0c, A(R1), A(R2), 0x00 };
/* Its return route as we send it: to R2, then R1, then THEM. */
static const uint8_t ret_r1r2[12] = { 0x83, 0x0b, 0x04, A(R1), A(THEM), 0x00 };
/* Completed SSRR recorded {R3}. */
static const uint8_t rec_r3[8] = { 0x89, 0x07, 0x08, A(R3), 0x00 };
static const uint8_t ret_r3[8] = { 0x89, 0x07, 0x04, A(THEM), 0x00 };

/* The route an application gives: hops G1 then G2 (11 bytes, as Linux takes them). */
static const uint8_t user_g1g2[11] = { 0x83, 0x0b, 0x04, A(G1), A(G2) };
/* What goes on the wire: to G1; option {G2, THEM}, EOL-padded. */
static const uint8_t wire_g1g2[12] = { 0x83, 0x0b, 0x04, A(G2), A(THEM), 0x00 };

static void init_accepting(struct harness *h)
{
	struct synack_config c;

	h_default_config(&c);
	c.accept_source_route = 1;
	h_init_cfg(h, &c);
}

static int set_route(struct harness *h, int fd, const uint8_t *r, size_t n)
{
	return synack_setsockopt(h->s, fd, SYNACK_IPPROTO_IP, SYNACK_IP_OPTIONS, r, n);
}

static int get_route(struct harness *h, int fd, uint8_t *got, size_t *glen)
{
	return synack_getsockopt(h->s, fd, SYNACK_IPPROTO_IP, SYNACK_IP_OPTIONS, got, glen);
}

/* ---- MUST-51: an application specifies a source route for an active open ------------ */

Test(srcroute, must51_active_open_route_on_syn_and_every_segment)
{
	struct harness h;
	struct rpkt p;
	struct wire_tcp_opts mss = { .present = WIRE_HAS_MSS, .mss = 1460 };
	static const uint8_t data[3000];
	uint8_t got[40];
	size_t glen = sizeof got;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);             /* accept_source_route 0: sending a route works anyway */
	fd = synack_socket(h.s);
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	cr_assert_eq(glen, 12);
	expect_bytes(got, (const uint8_t[]){ 0x83, 0x0b, 0x04, A(G1), A(G2), 0 }, 12,
		     "getsockopt(IP_OPTIONS)");
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);

	expect_next(&h, &p, F_SYN, G1, wire_g1g2, sizeof wire_g1g2);
	cr_assert_eq(p.final_dst, THEM);
	cr_assert_eq(p.len, 32 + 24);   /* IP 20 + 12 options, TCP 20 + MSS */
	iss = p.t.seq;
	lport = p.t.sport;

	/* the SYN-ACK comes back directly (no route): our ACK still takes the route */
	h_send_opt(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192, &mss, NULL, 0, 0);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_ACK);
	cr_assert_eq(p.t.ack, PEER_ISN + 1);
	expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);

	/* data: the options' 12 bytes come out of the payload (RFC 1122 §4.2.2.6
	 * Eff.snd.MSS = min(SendMSS + 20, MMS_S) - TCPhdrsize - IPoptionsize): 1448 bytes,
	 * 1500-byte datagrams */
	{
		int one = 1;    /* no Nagle: the short third segment goes at once */

		cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY,
					       &one, sizeof one), 0);
	}
	cr_assert_eq(synack_send(h.s, fd, data, sizeof data, 0), (ssize_t)sizeof data);
	for (int i = 0; i < 3; i++) {
		cr_assert(drain(&h, &p), "data segment %d", i);
		expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
		cr_assert_eq(p.t.seq, iss + 1 + 1448u * (uint32_t)i);
		cr_assert_eq(p.t.payload_len, i < 2 ? 1448u : 3000u - 2 * 1448u);
		if (i < 2)
			cr_assert_eq(p.len, 1500);
	}
	cr_assert(!drain(&h, &p));

	/* ABORT (SO_LINGER 0): the RST is a control segment, still on the route */
	{
		struct synack_linger lg = { 1, 0 };

		cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg,
					       sizeof lg), 0);
	}
	cr_assert_eq(synack_close(h.s, fd), 0);
	expect_next(&h, &p, F_RST | F_ACK, G1, wire_g1g2, sizeof wire_g1g2);
	h_fini(&h);
}

Test(srcroute, must51_fin_and_retransmitted_syn_carry_the_route)
{
	struct harness h;
	struct rpkt p;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	/* SSRR with one hop: to G1, option {THEM} */
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x89, 0x07, 0x04, A(G1) }, 7), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	expect_next(&h, &p, -1, G1, ret_r3, sizeof ret_r3);
	iss = p.t.seq;
	lport = p.t.sport;
	h_advance(&h, 1 * SEC);         /* RTO: the SYN again, same route */
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN);
	cr_assert_eq(p.t.seq, iss);
	expect_route(&p, G1, ret_r3, sizeof ret_r3);
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	expect_next(&h, &p, -1, G1, ret_r3, sizeof ret_r3);
	cr_assert_eq(synack_shutdown(h.s, fd, SYNACK_SHUT_WR), 0);
	expect_next(&h, &p, F_FIN | F_ACK, G1, ret_r3, sizeof ret_r3);
	synack_close(h.s, fd);
	h_fini(&h);
}

Test(srcroute, must51_ip_options_values)
{
	struct harness h;
	struct rpkt p;
	uint8_t got[40];
	size_t glen;
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	/* Linux's rules (ip_options_get/compile): EINVAL for these */
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x83, 0x07, 0x08, A(G1) }, 7), -EINVAL,
		     "pointer not 4");
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x83, 0x03, 0x04, 0 }, 4), -EINVAL,
		     "no address");
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x83, 0x09, 0x04, A(G1), 1, 2 }, 9),
		     -EINVAL, "length not 3 + 4n");
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x83, 0x0b, 0x04, A(G1) }, 7), -EINVAL,
		     "option overruns the bytes given");
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x83, 0x07, 0x04, A(G1), 0x89, 0x07,
				0x04, A(G2) }, 14), -EINVAL, "two source routes");
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x07, 0x07, 0x04, 0, 0, 0, 0 }, 7),
		     -EINVAL, "record route is not implemented (MAY-11)");
	{
		uint8_t big[44];

		memset(big, 1, sizeof big);
		cr_assert_eq(set_route(&h, fd, big, sizeof big), -EINVAL, "44 bytes");
	}
	glen = sizeof got;
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	cr_assert_eq(glen, 0, "nothing was set");
	/* NOPs before the route keep their place; bytes after EOL become EOL */
	cr_assert_eq(set_route(&h, fd, (const uint8_t[]){ 0x01, 0x83, 0x07, 0x04, A(G1), 0x00,
				0x55, 0x66 }, 11), 0);
	glen = sizeof got;
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	cr_assert_eq(glen, 12);
	expect_bytes(got, (const uint8_t[]){ 0x01, 0x83, 0x07, 0x04, A(G1), 0, 0, 0, 0 }, 12,
		     "getsockopt after NOP, LSRR, EOL, junk");
	/* len 0 clears: plain 20-byte headers again */
	cr_assert_eq(set_route(&h, fd, NULL, 0), 0);
	glen = sizeof got;
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	cr_assert_eq(glen, 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	expect_next(&h, &p, -1, THEM, NULL, 0);
	/* set after connect: later segments carry it (Linux: the next datagram) */
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	h_advance(&h, 1 * SEC);
	expect_next(&h, &p, F_SYN, G1, wire_g1g2, sizeof wire_g1g2);
	synack_close(h.s, fd);
	h_fini(&h);
}

/*
 * Golden bytes: the whole IPv4 header of the first datagram a stack sends, written out
 * from RFC 791's layout — 0x48 (version 4, IHL 8: 20 + 12 option bytes), TOS 0, total
 * length 56 (TCP 20 + MSS 4), id 0, DF, TTL 64, TCP, the checksum computed by hand
 * (csum), 10.0.0.1 -> dst (the first hop), then LSRR (0x83) length 11 pointer 4 with
 * {a1, a2} and EOL — and the TCP segment exactly as wire_tcp_emit builds it for the
 * final destination THEM (RFC 9293 §3.9.2.1: the pseudo-header's destination is the
 * final one, not the first hop in the IP header).
 */
static void expect_golden(const struct rpkt *p, uint16_t csum, uint32_t dst, uint32_t a1,
			  uint32_t a2)
{
	const uint8_t hdr[32] = {
		0x48, 0x00, 0x00, 0x38, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
		(uint8_t)(csum >> 8), (uint8_t)csum, 0x0a, 0x00, 0x00, 0x01, A(dst),
		0x83, 0x0b, 0x04, A(a1), A(a2), 0x00,
	};
	uint8_t seg[64];
	size_t n;

	expect_bytes(p->raw, hdr, 32, "IPv4 header with options");
	n = wire_tcp_emit(&p->t, US, THEM, NULL, 0, seg, sizeof seg);
	cr_assert_eq(n, p->len - 32, "TCP length %zu, datagram %zu", n, p->len);
	expect_bytes(p->raw + 32, seg, n, "TCP segment");
}

Test(srcroute, must51_syn_golden_bytes)
{
	struct harness h;
	struct rpkt p;
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN);
	cr_assert_eq(p.t.dport, SRV_PORT);
	cr_assert_eq(p.t.opt.present, WIRE_HAS_MSS, "SYN options %x", p.t.opt.present);
	/* to G1 = 192.0.2.1, {G2 = 192.0.2.2, THEM = 10.0.0.2 (the final destination)} */
	expect_golden(&p, 0xdfe6, G1, G2, THEM);
	synack_close(h.s, fd);
	h_fini(&h);
}

/* ---- MUST-52: the application's route takes precedence --------------------------------- */

Test(srcroute, must52_user_route_wins_over_received_route)
{
	struct harness h;
	struct rpkt p;
	uint8_t got[40];
	size_t glen = sizeof got;
	uint32_t iss;
	uint16_t lport;
	int fd;

	init_accepting(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert(drain(&h, &p));
	iss = p.t.seq;
	lport = p.t.sport;
	/* SYN-SENT, an unacceptable ACK by another route: the RST (a control segment)
	 * still takes ours */
	send_routed(&h, SRV_PORT, lport, F_ACK, PEER_ISN, iss + 1000, NULL, NULL, 0, rec_r3,
		    sizeof rec_r3);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_RST);
	cr_assert_eq(p.t.seq, iss + 1000);
	expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
	/* the SYN-ACK arrives by another route: we keep ours */
	send_routed(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, NULL, NULL, 0,
		    rec_r1r2, sizeof rec_r1r2);
	expect_next(&h, &p, F_ACK, G1, wire_g1g2, sizeof wire_g1g2);
	/* and data that came by it is acknowledged by ours */
	send_routed(&h, SRV_PORT, lport, F_ACK | F_PSH, PEER_ISN + 1, iss + 1, NULL, "hi", 2,
		    rec_r3, sizeof rec_r3);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.ack, PEER_ISN + 3);
	expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	expect_bytes(got, (const uint8_t[]){ 0x83, 0x0b, 0x04, A(G1), A(G2), 0 }, 12,
		     "still the application's route");
	synack_close(h.s, fd);
	h_fini(&h);
}

/* The application's route set after connect, in SYN-SENT: a control segment answering a
 * plain datagram (no IP options: the one-pass read, stack.c) takes it too. The connection
 * was in the one-entry cache since connect; a tcb with IP options must leave it (route.c
 * tcp_route_setsockopt, tcb.h tcp_uncache), so that its segments take the demux, which
 * hands its route to the replies (tcp_route_for_replies). */
Test(srcroute, must52_route_set_in_syn_sent_answers_plain_datagrams)
{
	struct harness h;
	struct rpkt p;
	uint32_t iss;
	uint16_t lport;
	int fd;

	init_accepting(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	expect_next(&h, &p, F_SYN, THEM, NULL, 0);
	iss = p.t.seq;
	lport = p.t.sport;
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	/* SYN-SENT, an unacceptable ACK in a plain datagram: <SEQ=SEG.ACK><CTL=RST> by the
	 * application's route */
	h_send(&h, SRV_PORT, lport, F_ACK, PEER_ISN, iss + 1000, 8192);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_RST);
	cr_assert_eq(p.t.seq, iss + 1000);
	expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	synack_close(h.s, fd);
	h_fini(&h);
}

/* ---- MUST-53: a passive open saves the return route ----------------------------------- */

Test(srcroute, must53_passive_open_uses_return_route_on_all_segments)
{
	struct harness h;
	struct rpkt p;
	uint8_t got[40];
	size_t glen = sizeof got;
	uint32_t iss, a;
	int l, fd;

	init_accepting(&h);
	l = h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	expect_next(&h, &p, F_SYN | F_ACK, R2, ret_r1r2, sizeof ret_r1r2);
	cr_assert_eq(p.final_dst, THEM);
	iss = p.t.seq;
	/* SYN-ACK retransmission: the same route */
	h_advance(&h, 1 * SEC);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN | F_ACK);
	cr_assert_eq(p.t.seq, iss);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	/* the ACK comes without a route: the saved one stays */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	cr_assert(!drain(&h, &p));
	fd = synack_accept(h.s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(get_route(&h, fd, got, &glen), 0);
	cr_assert_eq(glen, 12);
	expect_bytes(got, (const uint8_t[]){ 0x83, 0x0b, 0x04, A(R2), A(R1), 0 }, 12,
		     "getsockopt on the accepted socket: the return route, first hop first");
	cr_assert_eq(synack_send(h.s, fd, "hello", 5, 0), 5);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.payload_len, 5);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	/* the listener itself learnt nothing */
	glen = sizeof got;
	cr_assert_eq(get_route(&h, l, got, &glen), 0);
	cr_assert_eq(glen, 0);
	synack_close(h.s, fd);
	expect_next(&h, &p, F_FIN | F_ACK, R2, ret_r1r2, sizeof ret_r1r2);
	synack_close(h.s, l);
	h_fini(&h);
}

Test(srcroute, must53_synack_golden_bytes)
{
	struct harness h;
	struct rpkt p;

	init_accepting(&h);
	h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN | F_ACK);
	cr_assert_eq(p.t.ack, PEER_ISN + 1);
	cr_assert_eq(p.t.opt.present, WIRE_HAS_MSS, "SYN-ACK options %x", p.t.opt.present);
	/* to R2 = 198.51.100.2 (the last hop the SYN came through), {R1 = 198.51.100.1,
	 * THEM} */
	expect_golden(&p, 0x454a, R2, R1, THEM);
	h_fini(&h);
}

/* A half-open entry's own segments take the SYN's route even when the segment they
 * answer came without one (MUST-53: all segments); a retransmitted SYN by another route
 * does not change the entry's (the route is taken from the SYN that made it). */
Test(srcroute, must53_half_open_entry_answers_by_saved_route)
{
	struct harness h;
	struct rpkt p;
	uint32_t iss;

	init_accepting(&h);
	h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	iss = p.t.seq;
	/* SYN-RECEIVED, data far beyond the window, no route: the entry's ACK */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1 + 100000, iss + 1, 8192, "x",
		    1);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_ACK);
	cr_assert_eq(p.t.seq, iss + 1);
	cr_assert_eq(p.t.ack, PEER_ISN + 1);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	/* the SYN again, without a route: the SYN-ACK again, by the saved route */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN | F_ACK);
	cr_assert_eq(p.t.seq, iss);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	cr_assert(!drain(&h, &p));
	h_fini(&h);
}

Test(srcroute, must53_recorded_route_starting_with_the_source_is_corrected)
{
	/* RFC 1122 §3.2.1.8 (c) case (B): {THEM, R1, R2} recorded; THEM is not a hop */
	static const uint8_t rec[16] = { 0x83, 0x0f, 0x10, A(THEM), A(R1), A(R2), 0x00 };
	struct harness h;
	struct rpkt p;

	init_accepting(&h);
	h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec, sizeof rec);
	expect_next(&h, &p, -1, R2, ret_r1r2, sizeof ret_r1r2);
	/* {THEM} alone: nothing to route through, the SYN-ACK goes directly */
	send_routed(&h, PEER_PORT + 1, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0,
		    (const uint8_t[]){ 0x83, 0x07, 0x08, A(THEM), 0 }, 8);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.dport, PEER_PORT + 1);
	expect_route(&p, THEM, NULL, 0);
	h_fini(&h);
}

Test(srcroute, must53_syn_cookie_synack_carries_return_route)
{
	struct harness h;
	struct synack_config c;
	struct rpkt p;
	uint32_t iss, a;
	int l, fd;

	h_default_config(&c);
	c.accept_source_route = 1;
	c.syncookies = 2;       /* always */
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_SYN | F_ACK);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_SENT), 1);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	iss = p.t.seq;
	/* the completing ACK brings the route again: the connection takes it from there */
	send_routed(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, NULL, NULL, 0,
		    rec_r1r2, sizeof rec_r1r2);
	cr_assert(!drain(&h, &p));
	fd = synack_accept(h.s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), 1);
	expect_next(&h, &p, -1, R2, ret_r1r2, sizeof ret_r1r2);
	h_fini(&h);
}

/* ---- SHLD-24: a later source route overrides ------------------------------------------- */

Test(srcroute, shld24_later_route_overrides_earlier)
{
	struct harness h;
	struct rpkt p;
	uint32_t iss, a, rn = PEER_ISN + 1;
	int l, fd;

	init_accepting(&h);
	l = h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	iss = p.t.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, rn, iss + 1, 8192);
	fd = synack_accept(h.s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	/* data by another route (SSRR via R3): our ACK follows it */
	send_routed(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rn, iss + 1, NULL, "ab", 2, rec_r3,
		    sizeof rec_r3);
	rn += 2;
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.ack, rn);
	expect_route(&p, R3, ret_r3, sizeof ret_r3);
	/* data without a route: the route stays */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rn, iss + 1, 8192, "cd", 2);
	rn += 2;
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.ack, rn);
	expect_route(&p, R3, ret_r3, sizeof ret_r3);
	/* a segment outside the window is not accepted: its route is not taken either */
	send_routed(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rn + 100000, iss + 1, NULL, "ef", 2,
		    rec_r1r2, sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.ack, rn);
	expect_route(&p, R3, ret_r3, sizeof ret_r3);
	/* and back to the first route */
	send_routed(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rn, iss + 1, NULL, "gh", 2, rec_r1r2,
		    sizeof rec_r1r2);
	rn += 2;
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.ack, rn);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	h_fini(&h);
}

/* ---- accept_source_route, datagrams dropped ------------------------------------------- */

Test(srcroute, default_policy_drops_source_routed_datagrams)
{
	struct harness h;
	struct rpkt p;

	h_init(&h);             /* accept_source_route 0, Linux's default */
	cr_assert_eq(h.cfg.accept_source_route, 0);
	h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(!drain(&h, &p), "a source-routed SYN must be dropped");
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_SRR_DENIED), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_IN), 0);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	/* the same SYN without the route is answered */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	expect_next(&h, &p, F_SYN | F_ACK, THEM, NULL, 0);
	cr_assert_str_eq(synack_counter_name(SYNACK_CTR_IP_SRR_DENIED), "ip_srr_denied");
	/* the knob takes 0 and 1 only */
	{
		struct synack_config c = h.cfg;

		c.accept_source_route = 2;
		cr_assert_eq(synack_stack_set_config(h.s, &c), -EINVAL);
		c.accept_source_route = 1;
		cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	}
	/* turned on at run time: the same SYN from another port is answered by its route */
	send_routed(&h, PEER_PORT + 1, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	expect_next(&h, &p, F_SYN | F_ACK, R2, ret_r1r2, sizeof ret_r1r2);
	cr_assert_eq(p.t.dport, PEER_PORT + 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_SRR_DENIED), 1);
	h_fini(&h);
}

Test(srcroute, route_under_way_and_malformed_options_dropped)
{
	struct harness h;
	struct rpkt p;

	init_accepting(&h);
	h_listen(&h, SRV_PORT, 4);
	/* pointer 8 of 11: one hop still to go, we would be forwarding */
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0,
		    (const uint8_t[]){ 0x83, 0x0b, 0x08, A(R1), A(R2), 0 }, 12);
	cr_assert(!drain(&h, &p));
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_SRR_NOT_FINAL), 1);
	/* LSRR with length 2: malformed (RFC 1122 §3.2.1.8: never a crash) */
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0,
		    (const uint8_t[]){ 0x83, 0x02, 0x00, 0x00 }, 4);
	cr_assert(!drain(&h, &p));
	/* a timestamp option whose length runs past the header */
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0,
		    (const uint8_t[]){ 0x01, 0x44, 0x0c, 0x05 }, 4);
	cr_assert(!drain(&h, &p));
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_BAD_OPTIONS), 2);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_IN), 0);
	h_fini(&h);
}

/* ---- replies without a connection, ICMP ------------------------------------------------ */

Test(srcroute, rst_for_closed_port_answers_by_return_route)
{
	struct harness h;
	struct rpkt p;

	init_accepting(&h);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_RST | F_ACK);
	cr_assert_eq(p.t.ack, PEER_ISN + 1);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	h_fini(&h);
}

Test(srcroute, icmp_echo_reply_by_return_route)
{
	struct harness h;
	struct rpkt p;
	uint8_t pkt[20 + 12 + 12];
	struct wire_ipv4 ip = {
		.ttl = 64, .proto = WIRE_IPPROTO_ICMP, .src = THEM, .dst = US,
		.total_len = sizeof pkt,
	};
	uint8_t *icmp = pkt + 32;
	uint16_t c;

	init_accepting(&h);
	memset(pkt, 0, sizeof pkt);
	icmp[0] = 8;                    /* echo request, id 7, seq 1, "ping" */
	icmp[5] = 7;
	icmp[7] = 1;
	memcpy(icmp + 8, "ping", 4);
	c = wire_csum(icmp, 12);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	cr_assert_eq(wire_ipv4_emit_opts(&ip, rec_r1r2, 12, pkt, 32), 32);
	synack_input(h.s, h.now, pkt, sizeof pkt);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.ip.proto, WIRE_IPPROTO_ICMP);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	cr_assert_eq(p.len, sizeof pkt);
	cr_assert_eq(p.raw[32], 0);     /* echo reply */
	expect_bytes(p.raw + 36, icmp + 4, 8, "id, seq, data");
	cr_assert_eq(wire_csum(p.raw + 32, 12), 0);
	h_fini(&h);
}

Test(srcroute, icmp_error_quoting_a_source_routed_segment_finds_it)
{
	struct harness h;
	struct rpkt p;
	uint8_t pkt[20 + 8 + 32 + 8];
	struct wire_ipv4 ip = {
		.ttl = 64, .proto = WIRE_IPPROTO_ICMP, .src = G2, .dst = US,
		.total_len = sizeof pkt,
	};
	uint8_t *icmp = pkt + 20, *t;
	size_t glen = sizeof(int);
	uint16_t c;
	int fd, err = 0;

	h_init(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert(drain(&h, &p));
	/* G2 says port unreachable, quoting our SYN as it reached G2: header destination
	 * G2, pointer 8 (THEM, the last address, next) */
	memset(pkt, 0, sizeof pkt);
	cr_assert_eq(wire_ipv4_emit(&ip, pkt, 20), 20);
	icmp[0] = 3;
	icmp[1] = 3;
	memcpy(icmp + 8, p.raw, 32);
	icmp[8 + 16] = (uint8_t)(G2 >> 24);
	icmp[8 + 17] = (uint8_t)(G2 >> 16);
	icmp[8 + 18] = (uint8_t)(G2 >> 8);
	icmp[8 + 19] = (uint8_t)G2;
	icmp[8 + 22] = 8;
	t = icmp + 8 + 32;
	memcpy(t, p.raw + 32, 8);       /* ports and sequence number of our SYN */
	c = wire_csum(icmp, sizeof pkt - 20);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	synack_input(h.s, h.now, pkt, sizeof pkt);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_STALE), 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);      /* a hard error in SYN-SENT */
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &glen),
		     0);
	cr_assert_eq(err, ECONNREFUSED);
	synack_close(h.s, fd);
	h_fini(&h);
}

Test(srcroute, must53_time_wait_keeps_the_route)
{
	struct harness h;
	struct rpkt p;
	uint32_t iss, a;
	int l, fd;

	init_accepting(&h);
	l = h_listen(&h, SRV_PORT, 4);
	send_routed(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, NULL, 0, rec_r1r2,
		    sizeof rec_r1r2);
	cr_assert(drain(&h, &p));
	iss = p.t.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	fd = synack_accept(h.s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_close(h.s, fd), 0);
	expect_next(&h, &p, F_FIN | F_ACK, R2, ret_r1r2, sizeof ret_r1r2);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	cr_assert(drain(&h, &p));
	cr_assert_eq(p.t.flags, F_ACK);
	cr_assert_eq(p.t.ack, PEER_ISN + 2);
	expect_route(&p, R2, ret_r1r2, sizeof ret_r1r2);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_TIME_WAIT);
	/* the peer's FIN again: TIME-WAIT answers it, still by the route */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	expect_next(&h, &p, F_ACK, R2, ret_r1r2, sizeof ret_r1r2);
	/* a new SYN without a route reopens the 4-tuple: the new incarnation has none */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN + 100000, 0, 8192);
	expect_next(&h, &p, F_SYN | F_ACK, THEM, NULL, 0);
	h_fini(&h);
}

/* ---- GRO (synack_input_burst) and the route of replies ------------------------------- */

/* A plain segment THEM:sport -> US:dport (20-byte IP header) built into buf; its length. */
static size_t mk_plain(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport, uint8_t flags,
		       uint32_t seq, uint32_t ack, const void *data, size_t len)
{
	struct wire_tcp t = {
		.sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags,
		.win = 8192,
	};
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_TCP, .src = THEM, .dst = US,
	};
	size_t n = wire_tcp_emit(&t, THEM, US, data, len, buf + 20, cap - 20);

	cr_assert_gt(n, 0);
	ip.total_len = (uint16_t)(n + 20);
	cr_assert_eq(wire_ipv4_emit(&ip, buf, 20), 20);
	return n + 20;
}

/* The RST synack sends from closed port `port`, answering an ACK whose SEG.ACK was seq
 * (RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>), and nothing else but the routed
 * connection's (port 2000) packets, all on its route. RFC 9293 §3.9.2.1: the RST answers
 * a datagram that brought no route, for no connection: a 20-byte header straight to THEM,
 * not the routed connection's route. */
static void expect_closed_rst(struct harness *h, uint16_t port, uint32_t seq)
{
	struct rpkt p;
	int rsts = 0;

	while (drain(h, &p)) {
		if (p.t.sport == port) {
			cr_assert_eq(p.t.flags, F_RST);
			cr_assert_eq(p.t.seq, seq);
			expect_route(&p, THEM, NULL, 0);
			rsts++;
			continue;
		}
		cr_assert_eq(p.t.sport, 2000, "unexpected packet from port %u", p.t.sport);
		expect_route(&p, G1, wire_g1g2, sizeof wire_g1g2);
	}
	cr_assert_eq(rsts, 1, "RSTs from port %u: %d", port, rsts);
}

/* Two plain segments in one synack_input_burst: first to the routed connection
 * (lport 2000, data or a bare ACK), then to closed port `port` (data or a bare ACK, its
 * SEG.ACK ack); then expect_closed_rst. */
static void burst_two(struct harness *h, uint32_t rcv, uint32_t snd, bool data0, uint16_t port,
		      bool data1, uint32_t ack)
{
	static const uint8_t data[100];
	static uint8_t b[2][200];
	struct synack_pkt pk[2];

	pk[0] = (struct synack_pkt){b[0], mk_plain(b[0], sizeof b[0], SRV_PORT, 2000,
						  data0 ? F_ACK | F_PSH : F_ACK, rcv, snd, data,
						  data0 ? sizeof data : 0)};
	pk[1] = (struct synack_pkt){b[1], mk_plain(b[1], sizeof b[1], SRV_PORT, port,
						  data1 ? F_ACK | F_PSH : F_ACK, 5000, ack, data,
						  data1 ? sizeof data : 0)};
	synack_input_burst(h->s, h->now, pk, 2);
	expect_closed_rst(h, port, ack);
}

/*
 * GRO hands segments to TCP without synack_input (offload.c gro_flush, and the segments
 * that start no merge), so it must end the reply route's life after each as
 * synack_input does (ts->reply_route: tcp/route.h, one datagram). A connection with the
 * application's route (MUST-51/52) sets it while one of its segments is processed
 * (tcp_route_for_replies); a RST answering the next segment, for a closed port, must go
 * without that route: when the next segment is a merge flushed later, when it starts no
 * merge (read at once after the flush), when it comes in a later synack_input, and after
 * a segment of the connection that started no merge.
 */
Test(srcroute, gro_reply_route_lives_for_one_segment)
{
	static const uint8_t data[100];
	static uint8_t b[200];
	struct synack_config c;
	struct synack_pkt pk[1];
	struct harness h;
	struct rpkt p;
	uint32_t iss, rcv;
	uint16_t lport;
	int fd;

	h_default_config(&c);
	c.gro = 1;
	h_init_cfg(&h, &c);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, fd, US, 2000), 0);
	cr_assert_eq(set_route(&h, fd, user_g1g2, sizeof user_g1g2), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	expect_next(&h, &p, F_SYN, G1, wire_g1g2, sizeof wire_g1g2);
	iss = p.t.seq;
	lport = p.t.sport;
	cr_assert_eq(lport, 2000);
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	expect_next(&h, &p, F_ACK, G1, wire_g1g2, sizeof wire_g1g2);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	rcv = PEER_ISN + 1;

	/* 1. data for the connection (a merge), then data for closed port 3001 (a second
	 * merge, flushed at the burst's end) */
	burst_two(&h, rcv, iss + 1, true, 3001, true, 7000);
	rcv += 100;
	/* 2. data for the connection, then a bare ACK for closed port 3002 (no merge: read
	 * right after the flush) */
	burst_two(&h, rcv, iss + 1, true, 3002, false, 7100);
	rcv += 100;
	/* 3. data for the connection alone in a burst, then a bare ACK for closed port
	 * 3003 in a synack_input of its own */
	pk[0] = (struct synack_pkt){b, mk_plain(b, sizeof b, SRV_PORT, lport, F_ACK | F_PSH,
					       rcv, iss + 1, data, sizeof data)};
	synack_input_burst(h.s, h.now, pk, 1);
	rcv += 100;
	h_send(&h, SRV_PORT, 3003, F_ACK, 5000, 7200, 8192);
	expect_closed_rst(&h, 3003, 7200);
	/* 4. a bare ACK for the connection (no merge: read at once), then data for closed
	 * port 3004 (a merge, flushed at the burst's end) */
	burst_two(&h, rcv, iss + 1, false, 3004, true, 7300);

	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_BAD_CSUM), 0);
	cr_assert_eq(synack_recv(h.s, fd, (uint8_t[400]){0}, 400, 0), 3 * (ssize_t)sizeof data);
	synack_close(h.s, fd);
	h_fini(&h);
}
