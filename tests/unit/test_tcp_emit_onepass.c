/* test_tcp_emit_onepass.c — output.c's one-pass header writer (wire_tcpip_emit: the
 * IPv4 and TCP headers with both checksums summed from the field values) builds exactly
 * the packets of the two-step writers (wire_tcp_emit, then ip_emit): two stacks with
 * the same keys and clock, one with tcp_stack.no_out_fast_path (two-step writers), run
 * the same active-open script and every packet drained must be byte-identical. The
 * script covers the segments of a lifecycle and the rarer ones: our SYN with its
 * options (MSS, SACK-permitted, timestamps, window scale, the ECN-setup flags) and its
 * retransmission, the handshake's ACK, data (ECT(0) with ECN), its retransmission after
 * an RTO, SACK blocks, the ECE echo of CE data, a keep-alive probe, a zero-window probe,
 * our FIN, the RST of an abort and a control RST for a closed port, short writes
 * across the send ring's wrap; for every
 * combination of timestamps, SACK, window scaling and ECN, and with an IP TTL and TOS
 * set by the application. Exact sequence numbers, flags and options of the key
 * segments are asserted on the one-pass stack's packets too. The passive side the
 * same way: SYN-ACKs of half-open entries (and their retransmission) and of SYN
 * cookies, for every option combination and with the listener's IP TTL and TOS. */
#include "harness.h"
#include "api/api.h"

#define P2 40001        /* the peer's port for the closed-port RST */

struct duo {
	struct harness h[2];    /* [0] one-pass writer, [1] two-step writers */
	int fd[2];
	bool ts, sack, ws, ecn;
	uint32_t iss;           /* our ISS (the same in both) */
	uint32_t p;             /* the peer's next sequence number */
	uint32_t our_ts;        /* TSval of our last packet */
	unsigned pkts;
	struct wire_tcp last;   /* the last packet drained from [0] */
	uint8_t last_tos;
	uint8_t flags_seen;     /* OR of our flags since the script last cleared it */
};

/* Drains both stacks: the same packets, byte for byte. Returns how many. */
static unsigned drain(struct duo *d)
{
	unsigned k = 0;

	for (;; k++) {
		size_t n0 = synack_output(d->h[0].s, d->h[0].now, d->h[0].pkt, sizeof d->h[0].pkt);
		size_t n1 = synack_output(d->h[1].s, d->h[1].now, d->h[1].pkt, sizeof d->h[1].pkt);
		struct wire_ipv4 ip;

		cr_assert_eq(n0, n1, "packet %u: %zu bytes one-pass, %zu two-step", d->pkts, n0,
			     n1);
		if (!n0)
			return k;
		cr_assert_eq(memcmp(d->h[0].pkt, d->h[1].pkt, n0), 0, "packet %u differs",
			     d->pkts);
		d->pkts++;
		cr_assert_eq(wire_ipv4_parse(d->h[0].pkt, n0, &ip), WIRE_OK);
		cr_assert(wire_ipv4_csum_ok(d->h[0].pkt, ip.hdr_len));
		cr_assert_eq(wire_tcp_parse(d->h[0].pkt + 20, ip.total_len - 20u, &d->last),
			     WIRE_OK);
		cr_assert(wire_tcp_csum_ok(ip.src, ip.dst, d->h[0].pkt + 20, ip.total_len - 20u));
		d->last_tos = ip.tos;
		d->flags_seen |= d->last.flags;
		if (d->last.opt.present & WIRE_HAS_TS)
			d->our_ts = d->last.opt.ts_val;
	}
}

static void advance(struct duo *d, uint64_t dt)
{
	for (int i = 0; i < 2; i++)
		h_advance(&d->h[i], dt);
}

/* The peer's segment THEM:SRV_PORT -> US:our port, to both; TS when negotiated. */
static void peer(struct duo *d, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		 uint32_t len, const struct wire_sack_block *sack, uint8_t tos)
{
	static uint8_t data[3000];
	struct wire_tcp_opts o = { 0 };

	if (d->ts) {
		o.present = WIRE_HAS_TS;
		o.ts_val = 7000 + d->pkts;
		o.ts_ecr = d->our_ts;
	}
	if (sack && d->sack) {
		o.present |= WIRE_HAS_SACK;
		o.sack_count = 1;
		o.sack[0] = *sack;
	}
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 3);
	for (int i = 0; i < 2; i++)
		h_send_tos(&d->h[i], SRV_PORT, d->last.sport ? d->last.sport : 0, flags, seq, ack,
			   win, &o, data, len, 0, tos);
}

static void setopt(struct duo *d, int level, int name, const void *v, unsigned len)
{
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_setsockopt(d->h[i].s, d->fd[i], level, name, v, len), 0);
}

/* Both stacks of the variant ([1] with the two-step writers), each with a socket. */
static void init_pair(struct duo *d, bool ts, bool sack, bool ws, bool ecn, int cookies)
{
	memset(d, 0, sizeof *d);
	d->ts = ts;
	d->sack = sack;
	d->ws = ws;
	d->ecn = ecn;
	for (int i = 0; i < 2; i++) {
		struct synack_config c;

		h_default_config(&c);
		c.timestamps = ts;
		c.sack = sack;
		c.window_scaling = ws;
		c.tcp_ecn = ecn ? 1 : 0;
		c.syncookies = cookies;
		h_init_cfg(&d->h[i], &c);
		d->h[i].s->tcp.no_out_fast_path = i == 1;
		d->fd[i] = synack_socket(d->h[i].s);
		cr_assert_geq(d->fd[i], 0);
	}
}

static void open_duo(struct duo *d, bool ts, bool sack, bool ws, bool ecn, int ttl, int tos)
{
	int on = 1;

	init_pair(d, ts, sack, ws, ecn, 0);
	setopt(d, SYNACK_SOL_SOCKET, SYNACK_SO_KEEPALIVE, &on, sizeof on);
	setopt(d, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &on, sizeof on);
	if (ttl)
		setopt(d, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, &ttl, sizeof ttl);
	if (tos)
		setopt(d, SYNACK_IPPROTO_IP, SYNACK_IP_TOS, &tos, sizeof tos);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_connect(d->h[i].s, d->fd[i], THEM, SRV_PORT), -EINPROGRESS);
	cr_assert_eq(drain(d), 1);
	/* our SYN: options as configured, ECE+CWR when asking for ECN (RFC 3168 §6.1.1) */
	cr_assert_eq(d->last.flags, F_SYN | (ecn ? WIRE_TCP_ECE | WIRE_TCP_CWR : 0));
	cr_assert_eq(d->last.opt.present, WIRE_HAS_MSS | (ts ? WIRE_HAS_TS : 0) |
					  (sack ? WIRE_HAS_SACKOK : 0) | (ws ? WIRE_HAS_WS : 0));
	d->iss = d->last.seq;
	if (ecn)
		return;         /* a resent SYN gives up ECN (Linux's fallback) */
	advance(d, 1100 * MSEC);        /* the SYN's retransmission (RFC 6298 (5.4)) */
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.flags, F_SYN);
	cr_assert_eq(d->last.seq, d->iss);
}

/* The peer's SYN-ACK with the options of the variant, our ACK. */
static void establish(struct duo *d)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1000 };

	if (d->ts) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = 6000;
		o.ts_ecr = d->our_ts;
	}
	if (d->sack)
		o.present |= WIRE_HAS_SACKOK;
	if (d->ws) {
		o.present |= WIRE_HAS_WS;
		o.wscale = 2;
	}
	d->p = PEER_ISN + 1;
	for (int i = 0; i < 2; i++)
		h_send_opt(&d->h[i], SRV_PORT, d->last.sport,
			   F_SYN | F_ACK | (d->ecn ? WIRE_TCP_ECE : 0), PEER_ISN, d->iss + 1, 8192,
			   &o, NULL, 0, 0);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.flags, F_ACK);
	cr_assert_eq(d->last.seq, d->iss + 1);
	cr_assert_eq(d->last.ack, d->p);
}

static void app_send(struct duo *d, size_t n)
{
	static char buf[3000];

	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_send(d->h[i].s, d->fd[i], buf, n, 0), (int)n);
}

/* The peer ACKs everything we sent until nothing is left to send (cwnd may be one
 * segment after the SYN's retransmission, RFC 5681 §3.1); returns SND.MAX. */
static uint32_t ack_all(struct duo *d)
{
	const struct tcb *t = api_tcb(d->h[0].s, d->fd[0]);

	for (int k = 0; k < 20 && (t->snd_una != t->snd_max || drain(d)); k++) {
		peer(d, F_ACK, d->p, t->snd_max, 8192, 0, NULL, 0);
		drain(d);
	}
	cr_assert_eq(t->snd_una, t->snd_max);
	return t->snd_max;
}

static void run(bool ts, bool sack, bool ws, bool ecn, int ttl, int tos)
{
	struct duo dd, *d = &dd;
	struct wire_sack_block blk;
	struct synack_linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint32_t s, una;

	open_duo(d, ts, sack, ws, ecn, ttl, tos);
	establish(d);
	s = d->iss + 1;
	/* data, ACKed: 1 byte then two segments */
	app_send(d, 1);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.payload_len, 1);
	if (!tos)
		cr_assert_eq(d->last_tos & 3, ecn ? 2 : 0, "ts %d sack %d ws %d ecn %d: tos %#x",
			     ts, sack, ws, ecn, d->last_tos); /* ECT(0) on new data */
	peer(d, F_ACK, d->p, s + 1, 8192, 0, NULL, 0);
	drain(d);
	s += 1;
	app_send(d, 1500);
	cr_assert_geq(drain(d), 1);
	/* the RTO's retransmission of the first segment: not ECT (RFC 3168 §6.1.5) */
	advance(d, 1500 * MSEC);
	cr_assert_geq(drain(d), 1);
	cr_assert(seq_geq(d->last.seq, s) && seq_lt(d->last.seq, s + 1500));
	cr_assert_eq(d->last_tos & 3, 0);
	s = ack_all(d);
	cr_assert_eq(s, d->iss + 1 + 1 + 1500);
	/* the peer's data out of order (SACK block), then the hole, then CE-marked data */
	peer(d, F_ACK | F_PSH, d->p + 100, s, 8192, 100, NULL, 0);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.ack, d->p);
	cr_assert_eq(!!(d->last.opt.present & WIRE_HAS_SACK), sack);
	peer(d, F_ACK | F_PSH, d->p, s, 8192, 100, NULL, 0);
	drain(d);
	d->p += 200;
	d->flags_seen = 0;
	peer(d, F_ACK | F_PSH, d->p, s, 8192, 50, NULL, 3);
	drain(d);
	d->p += 50;
	/* our ACK with ECE echoes the CE mark (RFC 3168 §6.1.3) */
	app_send(d, 10);
	cr_assert_geq(drain(d), 1);
	cr_assert_eq(!!(d->flags_seen & WIRE_TCP_ECE), ecn);
	/* the peer's ACK with a D-SACK-ish block below it and CWR */
	blk = (struct wire_sack_block){ s - 100, s };
	peer(d, F_ACK | (ecn ? WIRE_TCP_CWR : 0), d->p, s + 10, 8192, 0, &blk, 0);
	drain(d);
	s += 10;
	/* a keep-alive probe after the idle time: SEG.SEQ = SND.UNA - 1 (§3.8.4) */
	advance(d, 7201 * SEC);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.seq, s - 1);
	cr_assert_eq(d->last.payload_len, 0);
	peer(d, F_ACK, d->p, s, 8192, 0, NULL, 0);
	drain(d);
	/* a zero window, data waiting: the persist timer's probe */
	peer(d, F_ACK, d->p, s, 0, 0, NULL, 0);
	drain(d);
	app_send(d, 20);
	cr_assert_eq(drain(d), 0);
	advance(d, 3 * SEC);
	cr_assert_geq(drain(d), 1);
	una = s;
	cr_assert_eq(d->last.seq, una - 1);
	/* the window opens: the data, then our FIN */
	peer(d, F_ACK, d->p, s, 8192, 0, NULL, 0);
	cr_assert_geq(drain(d), 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_shutdown(d->h[i].s, d->fd[i], SYNACK_SHUT_WR), 0);
	drain(d);
	cr_assert(d->last.flags & F_FIN);
	/* the abort's RST (§3.10.5: <SEQ=SND.NXT><CTL=RST>, ACK as Linux) */
	setopt(d, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof lg);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_close(d->h[i].s, d->fd[i]), 0);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.flags, F_RST | F_ACK);
	cr_assert_eq(d->last.seq, s + 20 + 1);
	/* a segment for a port with no socket: the control RST (§3.10.7.1) */
	for (int i = 0; i < 2; i++)
		h_send(&d->h[i], P2, 5555, F_ACK, 77, 99, 100);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.flags, F_RST);
	cr_assert_eq(d->last.seq, 99);
	cr_assert_geq(d->pkts, 16);
	for (int i = 0; i < 2; i++)
		h_fini(&d->h[i]);
}

/*
 * The passive side: SYN-ACKs (output.c emit_synack) and what follows. Both stacks get
 * a listener (IP_TTL/IP_TOS set on it when asked: the entry inherits them), the peer's
 * SYN with the variant's options (ECE+CWR for ECN), our SYN-ACK, with cookies 0 its
 * retransmission after the SYN-ACK RTO (RFC 6298 (2.1): 1 s), the handshake's ACK,
 * then data and our FIN on the accepted socket; cookies 2 answers every SYN with a SYN
 * cookie (RFC 4987 §3.6: TSval encodes the options when timestamps are on).
 */
static void run_passive(bool ts, bool sack, bool ws, bool ecn, int cookies, int ttl, int tos)
{
	struct duo dd, *d = &dd;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1000 };
	/* a cookie without timestamps has nowhere to keep ECN (Linux tcp_conn_request) */
	uint8_t want = F_SYN | F_ACK | (ecn && (ts || !cookies) ? WIRE_TCP_ECE : 0);
	int lfd[2], afd[2];
	uint32_t iss;

	init_pair(d, ts, sack, ws, ecn, cookies);
	for (int i = 0; i < 2; i++) {
		lfd[i] = d->fd[i];
		if (ttl)
			cr_assert_eq(synack_setsockopt(d->h[i].s, lfd[i], SYNACK_IPPROTO_IP,
						       SYNACK_IP_TTL, &ttl, sizeof ttl), 0);
		if (tos)
			cr_assert_eq(synack_setsockopt(d->h[i].s, lfd[i], SYNACK_IPPROTO_IP,
						       SYNACK_IP_TOS, &tos, sizeof tos), 0);
		cr_assert_eq(synack_bind(d->h[i].s, lfd[i], SYNACK_ADDR_ANY, SRV_PORT), 0);
		cr_assert_eq(synack_listen(d->h[i].s, lfd[i], 16), 0);
	}
	if (ts) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = 5000;
	}
	if (sack)
		o.present |= WIRE_HAS_SACKOK;
	if (ws) {
		o.present |= WIRE_HAS_WS;
		o.wscale = 3;
	}
	for (int i = 0; i < 2; i++)
		h_send_opt(&d->h[i], PEER_PORT, SRV_PORT,
			   F_SYN | (ecn ? WIRE_TCP_ECE | WIRE_TCP_CWR : 0), PEER_ISN, 0, 8192, &o,
			   NULL, 0, 0);
	cr_assert_eq(drain(d), 1);
	cr_assert_eq(d->last.flags, want);
	cr_assert_eq(d->last.ack, PEER_ISN + 1);
	cr_assert_eq(d->last.sport, SRV_PORT);
	cr_assert_eq(d->last.dport, PEER_PORT);
	cr_assert_eq(d->last.opt.present & ~WIRE_HAS_SACKOK,
		     WIRE_HAS_MSS | (ts ? WIRE_HAS_TS : 0) |
		     (ws && (ts || !cookies) ? WIRE_HAS_WS : 0)); /* a cookie keeps WS in TSval */
	cr_assert_eq(d->last_tos, tos & ~3, "tos %#x", d->last_tos);
	iss = d->last.seq;
	if (!cookies) {
		cr_assert_eq(d->last.opt.present & WIRE_HAS_SACKOK, sack ? WIRE_HAS_SACKOK : 0);
		advance(d, 1100 * MSEC);
		cr_assert_eq(drain(d), 1);
		cr_assert_eq(d->last.flags, want);
		cr_assert_eq(d->last.seq, iss);
	}
	o.present &= WIRE_HAS_TS;
	o.ts_val = 5001;
	o.ts_ecr = d->last.opt.ts_val;
	for (int i = 0; i < 2; i++) {
		h_send_opt(&d->h[i], PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192,
			   ts ? &o : NULL, NULL, 0, 0);
		afd[i] = synack_accept(d->h[i].s, lfd[i], NULL, NULL);
		cr_assert_geq(afd[i], 0);
		cr_assert_eq(synack_send(d->h[i].s, afd[i], "hello", 5, 0), 5);
		cr_assert_eq(synack_shutdown(d->h[i].s, afd[i], SYNACK_SHUT_WR), 0);
	}
	cr_assert_geq(drain(d), 1);
	cr_assert(d->last.flags & F_FIN);
	cr_assert_eq(d->last.seq, iss + 1 + (d->last.payload_len ? 0 : 5));
	cr_assert_geq(d->pkts, cookies ? 2 : 3);
	for (int i = 0; i < 2; i++)
		h_fini(&d->h[i]);
}

Test(tcp_emit_onepass, synack_every_option_combination)
{
	for (int v = 0; v < 16; v++)
		run_passive(v & 1, v & 2, v & 4, v & 8, 0, 0, 0);
}

Test(tcp_emit_onepass, synack_of_syn_cookies)
{
	for (int v = 0; v < 16; v++)
		run_passive(v & 1, v & 2, v & 4, v & 8, 2, 0, 0);
}

Test(tcp_emit_onepass, synack_ip_ttl_and_tos_of_the_listener)
{
	run_passive(true, true, true, false, 0, 17, 0x10);
	run_passive(true, false, false, true, 2, 200, 0xb8);
}

/* Short writes (1..8 bytes: output.c peek_sum_short) of changing bytes, each sent
 * while the one before is still unacknowledged and then ACKed, so that the send ring
 * (16 bytes inline while it holds little) never empties and wraps at every offset,
 * the payload starting past the ring's head: the same packets as the two-step writers,
 * the bytes as written, right checksums (drain). */
static void run_short_writes(bool ts)
{
	struct duo dd, *d = &dd;
	uint32_t s, prev = 0;

	open_duo(d, ts, true, true, false, 0, 0);
	establish(d);
	s = d->iss + 1;
	for (unsigned k = 0; k < 300; k++) {
		uint8_t b[8];
		size_t n = 1 + (k * 5) % 8;

		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)(0x5a + 37 * k + 11 * j);
		for (int i = 0; i < 2; i++)
			cr_assert_eq(synack_send(d->h[i].s, d->fd[i], b, n, 0), (int)n);
		cr_assert_eq(drain(d), 1);
		cr_assert_eq(d->last.seq, s + prev, "write %u", k);
		cr_assert_eq(d->last.payload_len, n, "write %u", k);
		cr_assert_eq(memcmp(d->h[0].pkt + 40 + (ts ? 12 : 0), b, n), 0, "write %u", k);
		s += prev;              /* the write before this one is ACKed */
		prev = (uint32_t)n;
		peer(d, F_ACK, d->p, s, 8192, 0, NULL, 0);
		drain(d);
	}
}

Test(tcp_emit_onepass, short_writes_across_the_send_ring_wrap)
{
	run_short_writes(true);
	run_short_writes(false);
}

Test(tcp_emit_onepass, every_option_combination)
{
	for (int v = 0; v < 16; v++)
		run(v & 1, v & 2, v & 4, v & 8, 0, 0);
}

Test(tcp_emit_onepass, ip_ttl_and_tos_set)
{
	run(true, true, true, false, 17, 0x10);
	run(true, false, false, true, 200, 0xb8);
}
