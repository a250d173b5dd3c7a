/*
 * test_offload.c — segmentation and receive offloads (synack.h synack_output_gso,
 * synack_gso_segment, synack_input_burst; docs/choices.md "GSO/GRO").
 *
 *  - GSO: two identical stack pairs driven by the same loop, one with gso off
 *    (synack_output, one wire packet per call) and one with gso on (super-segments cut
 *    by synack_gso_segment): every wire packet, both directions, byte for byte equal,
 *    and super-segments were made; the whole simulator trace of a transfer under loss,
 *    duplication, reordering and corruption equal with and without gso.
 *  - GRO: the merge rules one by one (gap, flags, options, flow, ACK, window, sizes);
 *    a burst of ten in-order segments answered by one ACK; a corrupted packet in a burst
 *    dropped and counted, the rest delivered (out-of-order data SACKed); a simulator
 *    transfer with gso and gro under faults keeps the SHA-256.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "synack/synack.h"
#include "synack/transfer.h"
#include "wire/wire.h"
#include "plain_alloc.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define MS 1000000ull
#define MAXPKT 4096u

/* ---- a two-stack rig driven by hand ------------------------------------------------ */

struct wpkt {
	uint8_t b[1600];
	size_t len;
};

struct rig {
	struct synack_stack *a, *b;     /* a sends, b receives */
	int afd, lfd, bfd;
	uint64_t now;
	bool gso;                       /* a drained with synack_output_gso + cut */
	bool burst;                     /* ... with synack_output_burst + burst_packet */
	uint32_t supers;                /* super-segments a returned */
	struct wpkt *log;               /* every wire packet, both directions, in order */
	size_t nlog, caplog;
};

static void log_pkt(struct rig *r, const uint8_t *p, size_t n)
{
	if (r->nlog == r->caplog) {
		r->caplog = r->caplog ? 2 * r->caplog : 256;
		r->log = realloc(r->log, r->caplog * sizeof *r->log);
		cr_assert_not_null(r->log);
	}
	cr_assert_leq(n, sizeof r->log[0].b);
	memcpy(r->log[r->nlog].b, p, n);
	r->log[r->nlog++].len = n;
}

static struct synack_stack *new_stack(uint32_t addr, bool gso, bool gro)
{
	struct synack_config cfg;
	struct synack_env env = {.alloc = plain_alloc, .free = plain_free};
	struct synack_stack *s;

	synack_config_default(&cfg);
	cfg.wmem_default = cfg.wmem_max = 1u << 20;
	cfg.rmem_default = cfg.rmem_max = 1u << 20;
	cfg.gso = gso;
	cfg.gro = gro;
	memset(env.secret, 0x5a, sizeof env.secret);
	s = synack_stack_new(&cfg, &env);
	cr_assert_not_null(s);
	cr_assert_eq(synack_stack_add_addr(s, addr), 0);
	return s;
}

/* A rig whose sender a connects with TCP_MAXSEG maxseg (0: none). */
static void rig_init_mss(struct rig *r, bool gso, bool gro_b, int maxseg)
{
	memset(r, 0, sizeof *r);
	r->gso = gso;
	r->a = new_stack(A_ADDR, gso, false);
	r->b = new_stack(B_ADDR, false, gro_b);
	r->lfd = synack_socket(r->b);
	cr_assert_eq(synack_bind(r->b, r->lfd, B_ADDR, 80), 0);
	cr_assert_eq(synack_listen(r->b, r->lfd, 8), 0);
	r->afd = synack_socket(r->a);
	if (maxseg)
		cr_assert_eq(synack_setsockopt(r->a, r->afd, SYNACK_IPPROTO_TCP, SYNACK_TCP_MAXSEG,
					       &maxseg, sizeof maxseg), 0);
	cr_assert_eq(synack_connect(r->a, r->afd, B_ADDR, 80), -EINPROGRESS);
	r->now = 1 * MS;
	r->bfd = -1;
}

static void rig_init(struct rig *r, bool gso, bool gro_b)
{
	rig_init_mss(r, gso, gro_b, 0);
}

/* Drains a's output into out[] (wire packets): one per call, or cut from super-segments. */
static size_t drain_a(struct rig *r, struct wpkt *out, size_t max)
{
	static uint8_t big[65535];
	size_t k = 0, n, m;
	uint32_t gso;

	for (;;) {
		cr_assert_lt(k, max);
		if (r->burst) {
			uint32_t npkts;

			n = synack_output_burst(r->a, r->now, out[k].b, sizeof out[k].b, &npkts);
			if (!n)
				return k;
			cr_assert_geq(npkts, 1);
			out[k++].len = n;
			r->supers += npkts > 1;
			for (uint32_t i = 1; i < npkts; i++) {
				cr_assert_lt(k, max);
				m = synack_burst_packet(r->a, i, out[k].b, sizeof out[k].b);
				cr_assert_gt(m, 0, "burst packet %u of %u", i, npkts);
				out[k++].len = m;
			}
			cr_assert_eq(synack_burst_packet(r->a, npkts, out[k].b, sizeof out[k].b), 0);
			continue;
		}
		if (!r->gso) {
			n = synack_output(r->a, r->now, out[k].b, sizeof out[k].b);
			if (!n)
				return k;
			out[k++].len = n;
			continue;
		}
		n = synack_output_gso(r->a, r->now, big, sizeof big, &gso);
		if (!n)
			return k;
		if (!gso) {
			cr_assert_leq(n, sizeof out[k].b);
			memcpy(out[k].b, big, n);
			out[k++].len = n;
			continue;
		}
		r->supers++;
		for (uint32_t i = 0;
		     (m = synack_gso_segment(big, n, gso, i, out[k].b, sizeof out[k].b)); i++) {
			out[k++].len = m;
			cr_assert_lt(k, max);
		}
	}
}

static size_t drain_b(struct rig *r, struct wpkt *out, size_t max)
{
	size_t k = 0, n;

	while (k < max && (n = synack_output(r->b, r->now, out[k].b, sizeof out[k].b)))
		out[k++].len = n;
	return k;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7);
}

/* One round: a's packets to b one by one (b drained after each into its queue for a),
 * then b's packets to a, the receiver reads, and the clock moves to the next deadline
 * when nothing moved. Returns bytes b read. */
static size_t rig_round(struct rig *r, struct wpkt *qa, struct wpkt *qb, uint64_t *rcvd)
{
	size_t na = drain_a(r, qa, 512), nb = 0, got = 0;
	uint8_t buf[65536];
	ssize_t k;

	for (size_t i = 0; i < na; i++) {
		log_pkt(r, qa[i].b, qa[i].len);
		synack_input(r->b, r->now, qa[i].b, qa[i].len);
		nb += drain_b(r, qb + nb, 512 - nb);
	}
	if (r->bfd < 0) {
		uint32_t addr;
		uint16_t port;

		r->bfd = synack_accept(r->b, r->lfd, &addr, &port);
		if (r->bfd < 0)
			r->bfd = -1;
	}
	while (r->bfd >= 0 && (k = synack_recv(r->b, r->bfd, buf, sizeof buf, 0)) > 0) {
		for (ssize_t i = 0; i < k; i++)
			cr_assert_eq(buf[i], pattern(*rcvd + (uint64_t)i), "byte %llu",
				     (unsigned long long)(*rcvd + (uint64_t)i));
		*rcvd += (uint64_t)k;
		got += (size_t)k;
	}
	nb += drain_b(r, qb + nb, 512 - nb);
	for (size_t i = 0; i < nb; i++) {
		log_pkt(r, qb[i].b, qb[i].len);
		synack_input(r->a, r->now, qb[i].b, qb[i].len);
	}
	if (!na && !nb && !got) {
		uint64_t da = synack_next_deadline(r->a), db = synack_next_deadline(r->b);
		uint64_t d = da < db ? da : db;

		if (d != UINT64_MAX) {
			r->now = d > r->now ? d : r->now + 1;
			synack_advance(r->a, r->now);
			synack_advance(r->b, r->now);
		}
	} else {
		r->now += 1000;   /* 1 us per round: the clock moves, TSvals do not */
	}
	return na + nb + got;
}

/* Moves total bytes a -> b; the log holds every wire packet. */
static void rig_transfer(struct rig *r, uint64_t total)
{
	static struct wpkt qa[512], qb[512];
	uint64_t sent = 0, rcvd = 0;
	uint8_t chunk[16384];

	for (int round = 0; round < 200000 && rcvd < total; round++) {
		while (sent < total) {
			size_t n = total - sent < sizeof chunk ? (size_t)(total - sent) : sizeof chunk;
			ssize_t k;

			for (size_t i = 0; i < n; i++)
				chunk[i] = pattern(sent + i);
			k = synack_send(r->a, r->afd, chunk, n, 0);
			if (k <= 0)
				break;
			sent += (uint64_t)k;
		}
		rig_round(r, qa, qb, &rcvd);
	}
	cr_assert_eq(rcvd, total, "received %llu of %llu", (unsigned long long)rcvd,
		     (unsigned long long)total);
}

static void rig_free(struct rig *r)
{
	synack_stack_free(r->a);
	synack_stack_free(r->b);
	free(r->log);
}

/* The wire packets and counters of a rig with offload equal those of one without. */
static void assert_same_wire(struct rig *cut, struct rig *one)
{
	cr_assert_gt(cut->supers, 10, "super-segments made: %u", cut->supers);
	cr_assert_eq(one->supers, 0);
	cr_assert_eq(cut->nlog, one->nlog, "wire packets: %zu with gso, %zu without", cut->nlog,
		     one->nlog);
	for (size_t i = 0; i < one->nlog; i++) {
		cr_assert_eq(cut->log[i].len, one->log[i].len, "packet %zu: length %zu != %zu", i,
			     cut->log[i].len, one->log[i].len);
		cr_assert(!memcmp(cut->log[i].b, one->log[i].b, one->log[i].len),
			  "packet %zu differs", i);
	}
	/* every counter but the decision notes lost: a super-segment is one note (the
	 * rig reads none, so the queue overflows by fewer) */
	for (uint64_t c = 0; c < SYNACK_CTR_COUNT; c++)
		cr_assert(c == SYNACK_CTR_NOTES_LOST ||
			  synack_counter(cut->a, (int)c) == synack_counter(one->a, (int)c),
			  "counter %s: %llu != %llu", synack_counter_name((int)c),
			  (unsigned long long)synack_counter(cut->a, (int)c),
			  (unsigned long long)synack_counter(one->a, (int)c));
	cr_assert_lt(synack_counter(cut->a, SYNACK_CTR_NOTES_LOST),
		     synack_counter(one->a, SYNACK_CTR_NOTES_LOST));
}

/* 3 MiB through a gso rig (burst: the send-ring path) and a plain one: the same wire
 * packets and counters. maxseg: a's TCP_MAXSEG (0: none; 1447: 1435-byte payloads with
 * timestamps, so every other packet starts at an odd send-ring offset and wraps there
 * are cut at odd points). */
static void check_gso_equals_plain(bool burst, int maxseg)
{
	struct rig one, cut;

	rig_init_mss(&one, false, false, maxseg);
	rig_init_mss(&cut, true, false, maxseg);
	cut.burst = burst;
	rig_transfer(&one, 3u << 20);
	rig_transfer(&cut, 3u << 20);
	assert_same_wire(&cut, &one);
	rig_free(&one);
	rig_free(&cut);
}

Test(offload, gso_cut_equals_one_segment_per_call)
{
	check_gso_equals_plain(false, 0);
}

/* synack_output_burst + synack_burst_packet (wire packets straight from the send ring)
 * give the same wire packets and counters as one synack_output per segment. */
Test(offload, gso_burst_equals_one_segment_per_call)
{
	check_gso_equals_plain(true, 0);
}

/* The same with the checksum summed while the payload is copied out of the send ring
 * across its wrap point at an odd offset (wire_csum_add_at). */
Test(offload, gso_burst_with_odd_ring_offsets_equals_one_segment_per_call)
{
	check_gso_equals_plain(true, 1447);
}

/* A burst's packets are refused past its end, with too small a buffer, and once the
 * peer acknowledged their bytes (they left the send ring). */
Test(offload, burst_packet_refused_past_end_small_buffer_and_acked)
{
	static struct wpkt q[64], qb[64];
	static uint8_t chunk[65536];
	struct rig r;
	uint32_t npkts;
	size_t nb = 0;

	rig_init(&r, true, false);
	rig_transfer(&r, 200000);
	cr_assert_eq(synack_send(r.a, r.afd, chunk, sizeof chunk, 0), (ssize_t)sizeof chunk);
	q[0].len = synack_output_burst(r.a, r.now, q[0].b, sizeof q[0].b, &npkts);
	cr_assert_eq(q[0].len, 20 + 32 + 1448, "packet 0: %zu bytes", q[0].len);
	cr_assert_gt(npkts, 2, "npkts %u", npkts);
	for (uint32_t i = 1; i < npkts; i++) {
		q[i].len = synack_burst_packet(r.a, i, q[i].b, sizeof q[i].b);
		cr_assert_eq(q[i].len, 20 + 32 + 1448, "packet %u: %zu bytes", i, q[i].len);
	}
	cr_assert_eq(synack_burst_packet(r.a, npkts, q[63].b, sizeof q[63].b), 0);
	cr_assert_eq(synack_burst_packet(r.a, 1, q[63].b, 20 + 32 + 1447), 0);
	cr_assert_eq(synack_burst_packet(r.a, 1, q[63].b, sizeof q[63].b), q[1].len);
	cr_assert(!memcmp(q[63].b, q[1].b, q[1].len));
	for (uint32_t i = 0; i < npkts; i++) {
		synack_input(r.b, r.now, q[i].b, q[i].len);
		nb += drain_b(&r, qb + nb, 64 - nb);
	}
	cr_assert_gt(nb, 0);
	for (size_t i = 0; i < nb; i++)
		synack_input(r.a, r.now, qb[i].b, qb[i].len);
	cr_assert_eq(synack_burst_packet(r.a, 0, q[63].b, sizeof q[63].b), 0);
	cr_assert_eq(synack_burst_packet(r.a, 1, q[63].b, sizeof q[63].b), 0);
	rig_free(&r);
}

/* A hand-made super-segment: IP ID 0x1234, seq 1000, PSH|ACK, TS option, 3 x 100 + 50. */
static size_t make_super(uint8_t *buf, size_t cap, uint8_t flags, size_t payload)
{
	struct wire_tcp t = {.sport = 5000, .dport = 80, .seq = 1000, .ack = 7, .flags = flags,
			     .win = 512};
	uint8_t data[400];
	size_t n;

	t.opt.present = WIRE_HAS_TS;
	t.opt.ts_val = 11;
	t.opt.ts_ecr = 22;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	n = wire_tcp_emit(&t, A_ADDR, B_ADDR, data, payload, buf + 20, cap - 20);
	cr_assert_gt(n, 0);
	buf[0] = 0x45;
	buf[1] = 0;
	buf[2] = (uint8_t)((20 + n) >> 8);
	buf[3] = (uint8_t)(20 + n);
	buf[4] = 0x12;
	buf[5] = 0x34;
	buf[6] = 0x40;
	buf[7] = 0;
	buf[8] = 64;
	buf[9] = WIRE_IPPROTO_TCP;
	buf[10] = buf[11] = 0;
	for (int i = 0; i < 4; i++) {
		buf[12 + i] = (uint8_t)(A_ADDR >> (24 - 8 * i));
		buf[16 + i] = (uint8_t)(B_ADDR >> (24 - 8 * i));
	}
	return 20 + n;
}

Test(offload, gso_segment_headers_and_checksums)
{
	uint8_t sup[1024], out[256];
	size_t n = make_super(sup, sizeof sup, WIRE_TCP_ACK | WIRE_TCP_PSH | WIRE_TCP_FIN, 350);
	size_t lens[4] = {152, 152, 152, 102};
	uint32_t i;

	for (i = 0; i < 4; i++) {
		struct wire_tcp t;
		size_t m = synack_gso_segment(sup, n, 100, i, out, sizeof out);

		cr_assert_eq(m, lens[i], "packet %u: %zu bytes, want %zu", i, m, lens[i]);
		cr_assert(wire_ipv4_csum_ok(out, 20), "packet %u: IP checksum", i);
		cr_assert_eq((out[2] << 8 | out[3]), (int)m);
		cr_assert_eq((out[4] << 8 | out[5]), 0x1234 + (int)i, "packet %u: IP ID", i);
		cr_assert(wire_tcp_csum_ok(A_ADDR, B_ADDR, out + 20, m - 20), "packet %u", i);
		cr_assert_eq(wire_tcp_parse(out + 20, m - 20, &t), WIRE_OK);
		cr_assert_eq(t.seq, 1000 + 100 * i);
		cr_assert_eq(t.flags, i == 3 ? (WIRE_TCP_ACK | WIRE_TCP_PSH | WIRE_TCP_FIN)
					     : WIRE_TCP_ACK, "packet %u flags %#x", i, t.flags);
		cr_assert_eq(t.opt.ts_val, 11);
		cr_assert_eq(t.opt.ts_ecr, 22);
		cr_assert_eq(t.payload[0], (uint8_t)(100 * i));
		cr_assert_eq(t.payload_len, i == 3 ? 50u : 100u);
	}
	cr_assert_eq(synack_gso_segment(sup, n, 100, 4, out, sizeof out), 0);
	/* bad input: a named refusal (0), never a read past the buffer */
	cr_assert_eq(synack_gso_segment(sup, n, 0, 0, out, sizeof out), 0);
	cr_assert_eq(synack_gso_segment(sup, n, 100, 0, out, 100), 0);
	for (size_t l = 0; l < 52; l++)
		cr_assert_eq(synack_gso_segment(sup, l, 100, 0, out, sizeof out), 0, "len %zu", l);
	sup[0] = 0x65;
	cr_assert_eq(synack_gso_segment(sup, n, 100, 0, out, sizeof out), 0);
}

/* ---- GRO rules --------------------------------------------------------------------- */

struct gseg {
	uint8_t b[256];
	struct wire_tcp t;
};

static void mk(struct gseg *g, uint32_t seq, uint8_t flags, uint32_t tsval, size_t len)
{
	struct wire_tcp t = {.sport = 5000, .dport = 80, .seq = seq, .ack = 7, .flags = flags,
			     .win = 512};
	uint8_t data[200] = {0};
	size_t n;

	t.opt.present = WIRE_HAS_TS;
	t.opt.ts_val = tsval;
	t.opt.ts_ecr = 22;
	n = wire_tcp_emit(&t, A_ADDR, B_ADDR, data, len, g->b, sizeof g->b);
	cr_assert_gt(n, 0);
	cr_assert_eq(wire_tcp_parse(g->b, n, &g->t), WIRE_OK);
}

static bool merges(const struct gseg *h, const struct gseg *s, uint32_t src, bool ended)
{
	return api_gro_may_merge(&h->t, h->b, A_ADDR, B_ADDR, 100, ended, &s->t, s->b, src,
				 B_ADDR);
}

Test(offload, gro_merges_only_what_it_may)
{
	struct gseg h, s;

	mk(&h, 1000, WIRE_TCP_ACK, 5, 100);
	cr_assert(api_gro_may_start(&h.t));
	mk(&s, 1100, WIRE_TCP_ACK, 5, 100);
	cr_assert(merges(&h, &s, A_ADDR, false), "next in sequence, same header");
	cr_assert(!merges(&h, &s, A_ADDR, true), "after a short piece or a PSH");
	cr_assert(!merges(&h, &s, A_ADDR + 1, false), "another flow (source address)");
	mk(&s, 1100, WIRE_TCP_ACK | WIRE_TCP_PSH, 5, 60);
	cr_assert(merges(&h, &s, A_ADDR, false), "PSH on the last, shorter");
	mk(&s, 1200, WIRE_TCP_ACK, 5, 100);
	cr_assert(!merges(&h, &s, A_ADDR, false), "a gap");
	mk(&s, 1000, WIRE_TCP_ACK, 5, 100);
	cr_assert(!merges(&h, &s, A_ADDR, false), "a duplicate");
	mk(&s, 1100, WIRE_TCP_ACK, 6, 100);
	cr_assert(!merges(&h, &s, A_ADDR, false), "another TSval (an option change)");
	mk(&s, 1100, WIRE_TCP_ACK, 5, 120);
	cr_assert(!merges(&h, &s, A_ADDR, false), "longer than the first piece");
	mk(&s, 1100, WIRE_TCP_ACK, 5, 0);
	cr_assert(!merges(&h, &s, A_ADDR, false), "no payload");
	const uint8_t bad[] = {WIRE_TCP_ACK | WIRE_TCP_FIN, WIRE_TCP_ACK | WIRE_TCP_RST,
			       WIRE_TCP_ACK | WIRE_TCP_SYN, WIRE_TCP_ACK | WIRE_TCP_URG,
			       WIRE_TCP_PSH};
	for (size_t i = 0; i < sizeof bad; i++) {
		mk(&s, 1100, bad[i], 5, 100);
		cr_assert(!merges(&h, &s, A_ADDR, false), "flags %#x", bad[i]);
		cr_assert(!api_gro_may_start(&s.t), "start with flags %#x", bad[i]);
	}
	mk(&s, 1100, WIRE_TCP_ACK, 5, 100);
	s.t.sport = 5001;
	cr_assert(!merges(&h, &s, A_ADDR, false), "another flow (port)");
	s.t.sport = 5000;
	s.t.ack = 8;
	cr_assert(!merges(&h, &s, A_ADDR, false), "another ACK");
	s.t.ack = 7;
	s.t.win = 513;
	cr_assert(!merges(&h, &s, A_ADDR, false), "another window");
}

/* Sets up an established rig whose receiver b has gro on (and SO_RCVBUF rcvbuf on its
 * listener, 0: the default), with a's next ten full segments in q (none delivered yet).
 * Returns b's RCV.NXT as a's first sequence number. */
static uint32_t ten_segments(struct rig *r, struct wpkt *q, int rcvbuf)
{
	static struct wpkt qa[512], qb[512];
	uint8_t chunk[14480];
	uint64_t rcvd = 0;
	struct wire_tcp t;
	size_t n;

	rig_init(r, false, true);
	if (rcvbuf)
		cr_assert_eq(synack_setsockopt(r->b, r->lfd, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF,
					       &rcvbuf, sizeof rcvbuf), 0);
	for (int i = 0; i < 20 && r->bfd < 0; i++)
		rig_round(r, qa, qb, &rcvd);
	cr_assert_geq(r->bfd, 0);
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = pattern(i);
	cr_assert_eq(synack_send(r->a, r->afd, chunk, sizeof chunk, 0), (ssize_t)sizeof chunk);
	n = drain_a(r, q, 512);
	cr_assert_eq(n, 10, "segments: %zu", n);
	cr_assert_eq(wire_tcp_parse(q[0].b + 20, q[0].len - 20, &t), WIRE_OK);
	cr_assert_eq(t.payload_len, 1448);
	return t.seq;
}

static void sack_of(const struct wpkt *p, struct wire_tcp *t)
{
	cr_assert_eq(wire_tcp_parse(p->b + 20, p->len - 20, t), WIRE_OK);
}

Test(offload, gro_burst_of_ten_gets_one_ack)
{
	static struct wpkt q[512], out[16];
	struct synack_pkt pk[10];
	struct rig r;
	struct wire_tcp t;
	uint32_t seq0 = ten_segments(&r, q, 0);
	uint64_t in0 = synack_counter(r.b, SYNACK_CTR_TCP_IN);
	uint8_t buf[20000];

	for (int i = 0; i < 10; i++)
		pk[i] = (struct synack_pkt){q[i].b, q[i].len};
	synack_input_burst(r.b, r.now, pk, 10);
	cr_assert_eq(synack_counter(r.b, SYNACK_CTR_TCP_IN) - in0, 10);
	cr_assert_eq(drain_b(&r, out, 16), 1, "one ACK for the merged segment");
	sack_of(&out[0], &t);
	cr_assert_eq(t.ack, seq0 + 14480, "ACK %u, want %u", t.ack, seq0 + 14480);
	cr_assert_eq(t.flags, WIRE_TCP_ACK);
	cr_assert_eq(synack_recv(r.b, r.bfd, buf, sizeof buf, 0), 14480);
	for (size_t i = 0; i < 14480; i++)
		cr_assert_eq(buf[i], pattern(i), "byte %zu", i);
	rig_free(&r);
}

Test(offload, gro_drops_a_bad_checksum_and_delivers_the_rest)
{
	static struct wpkt q[512], out[16];
	struct synack_pkt pk[10];
	struct rig r;
	struct wire_tcp t;
	uint32_t seq0 = ten_segments(&r, q, 0);
	uint8_t buf[20000];

	q[5].b[100] ^= 0x10;    /* a flipped payload bit in the sixth segment */
	for (int i = 0; i < 10; i++)
		pk[i] = (struct synack_pkt){q[i].b, q[i].len};
	synack_input_burst(r.b, r.now, pk, 10);
	cr_assert_eq(synack_counter(r.b, SYNACK_CTR_TCP_BAD_CSUM), 1);
	cr_assert_eq(drain_b(&r, out, 16), 1, "one ACK: the hole and the data after it");
	sack_of(&out[0], &t);
	cr_assert_eq(t.ack, seq0 + 5 * 1448);
	cr_assert(t.opt.present & WIRE_HAS_SACK);
	cr_assert_eq(t.opt.sack_count, 1);
	cr_assert_eq(t.opt.sack[0].left, seq0 + 6 * 1448);
	cr_assert_eq(t.opt.sack[0].right, seq0 + 10 * 1448);
	cr_assert_eq(synack_recv(r.b, r.bfd, buf, sizeof buf, 0), 5 * 1448);
	q[5].b[100] ^= 0x10;    /* the retransmission fills the hole */
	synack_input_burst(r.b, r.now, pk + 5, 1);
	cr_assert_eq(synack_recv(r.b, r.bfd, buf, sizeof buf, 0), 5 * 1448);
	for (size_t i = 0; i < 5 * 1448; i++)
		cr_assert_eq(buf[i], pattern(5 * 1448 + i), "byte %zu", i);
	rig_free(&r);
}

/* ---- GRO in place: what TCP reads of a merged segment ----------------------------------
 * A merge written straight into the receive ring keeps the first packet's payload pointer
 * with the merged length: nothing may read through it past the first packet. These tests
 * give synack_input_burst each packet in a buffer of its exact size (ASan build: a read
 * past one is reported; plain build: the bytes after it are not the stream's, so the
 * exact byte checks fail) and cover every path a merge can take besides in-order. */

/* Segment k (1448 bytes, stream bytes k * 1448 onwards) of the rig's stream, built from
 * a's first data packet tmpl (same IPv4 header, ACK, window and options), in a buffer of
 * its exact size (caller frees). bad flips a payload bit after the checksum. */
static struct synack_pkt craft(const struct wpkt *tmpl, uint32_t seq0, uint32_t k, bool bad)
{
	size_t hl = 20 + (size_t)(tmpl->b[20 + 12] >> 4) * 4, len = hl + 1448;
	uint8_t *p = malloc(len);
	uint32_t seq = seq0 + k * 1448;
	uint64_t sum;

	cr_assert_not_null(p);
	cr_assert_eq(tmpl->len, len);
	memcpy(p, tmpl->b, hl);
	for (size_t i = 0; i < 1448; i++)
		p[hl + i] = pattern((uint64_t)k * 1448 + i);
	p[24] = (uint8_t)(seq >> 24);
	p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	p[36] = p[37] = 0;
	sum = wire_pseudo_ipv4(A_ADDR, B_ADDR, WIRE_IPPROTO_TCP, (uint16_t)(len - 20));
	sum = wire_csum_fold(wire_csum_add(sum, p + 20, len - 20));
	p[36] = (uint8_t)(sum >> 8);
	p[37] = (uint8_t)sum;
	if (bad)
		p[hl + 100] ^= 0x10;
	return (struct synack_pkt){p, len};
}

/* Segments first..last (inclusive) in one synack_input_burst, segment bad (if in the
 * range) with a flipped bit; returns b's packets in out (at most 16). */
static size_t burst(struct rig *r, const struct wpkt *tmpl, uint32_t seq0, uint32_t first,
		    uint32_t last, uint32_t bad, struct wpkt *out)
{
	struct synack_pkt pk[64];
	uint32_t n = 0;

	cr_assert_lt(last - first, 64);
	for (uint32_t k = first; k <= last; k++)
		pk[n++] = craft(tmpl, seq0, k, k == bad);
	synack_input_burst(r->b, r->now, pk, n);
	for (uint32_t i = 0; i < n; i++)
		free((void *)pk[i].data);
	return drain_b(r, out, 16);
}

/* The one ACK b sent: its acknowledgment number and SACK blocks (pairs of segment
 * numbers relative to seq0; nsack of them). */
static void expect_ack(const struct wpkt *out, size_t n, uint32_t seq0, uint32_t ack_segs,
		       const uint32_t *sack_segs, uint8_t nsack)
{
	struct wire_tcp t;

	cr_assert_eq(n, 1, "b sent %zu packets", n);
	sack_of(&out[0], &t);
	cr_assert_eq(t.flags, WIRE_TCP_ACK);
	cr_assert_eq(t.ack, seq0 + ack_segs * 1448, "ACK %u, want %u", t.ack - seq0,
		     ack_segs * 1448);
	if (!nsack) {
		cr_assert(!(t.opt.present & WIRE_HAS_SACK), "%u SACK blocks", t.opt.sack_count);
		return;
	}
	cr_assert(t.opt.present & WIRE_HAS_SACK);
	cr_assert_eq(t.opt.sack_count, nsack);
	for (uint8_t i = 0; i < nsack; i++) {
		cr_assert_eq(t.opt.sack[i].left, seq0 + sack_segs[2 * i] * 1448,
			     "block %u left %u", i, t.opt.sack[i].left - seq0);
		cr_assert_eq(t.opt.sack[i].right, seq0 + sack_segs[2 * i + 1] * 1448,
			     "block %u right %u", i, t.opt.sack[i].right - seq0);
	}
}

/* Reads everything b holds and checks it is stream bytes from..from + want. */
static void expect_read(struct rig *r, uint64_t from, size_t want)
{
	static uint8_t buf[1 << 17];
	ssize_t k = synack_recv(r->b, r->bfd, buf, sizeof buf, 0);

	cr_assert_eq(k, (ssize_t)want, "read %zd, want %zu", k, want);
	for (size_t i = 0; i < want; i++)
		cr_assert_eq(buf[i], pattern(from + i), "byte %zu", i);
}

/* An established rig (b's SO_RCVBUF rcvbuf, 0: the default) with segment 0 delivered
 * alone (the receive ring then exists) and ACKed; *seq0 is segment 0's sequence number. */
static void placed_rig(struct rig *r, struct wpkt *tmpl, uint32_t *seq0, int rcvbuf)
{
	static struct wpkt q[512], out[16];

	*seq0 = ten_segments(r, q, rcvbuf);
	*tmpl = q[0];
	expect_ack(out, burst(r, tmpl, *seq0, 0, 0, ~0u, out), *seq0, 1, NULL, 0);
	cr_assert_neq(api_tcb(r->b, r->bfd)->rcvbuf.cap, 0);
	memset(r->b->gro_buf, 0, 65535);
}

static bool gro_buf_untouched(struct rig *r)
{
	for (size_t i = 0; i < 65535; i++)
		if (r->b->gro_buf[i])
			return false;
	return true;
}

Test(offload, gro_in_place_reads_only_each_packet)
{
	static struct wpkt out[16];
	struct wpkt tmpl;
	struct rig r;
	uint32_t seq0;

	placed_rig(&r, &tmpl, &seq0, 0);
	expect_ack(out, burst(&r, &tmpl, seq0, 1, 9, ~0u, out), seq0, 10, NULL, 0);
	cr_assert(gro_buf_untouched(&r), "the merge went through gro_buf, not in place");
	cr_assert_eq(ring_len(&api_tcb(r.b, r.bfd)->rcvbuf), 10 * 1448);
	expect_read(&r, 0, 10 * 1448);
	rig_free(&r);
}

Test(offload, gro_out_of_order_burst_held_sacked_then_hole_filled)
{
	static struct wpkt out[16];
	static const uint32_t sack[] = {4, 10};
	struct wpkt tmpl;
	struct rig r;
	uint32_t seq0;

	placed_rig(&r, &tmpl, &seq0, 0);
	expect_ack(out, burst(&r, &tmpl, seq0, 4, 9, ~0u, out), seq0, 1, sack, 1);
	cr_assert(!gro_buf_untouched(&r), "an out-of-order merge is not placed");
	cr_assert_eq(ring_len(&api_tcb(r.b, r.bfd)->rcvbuf), 1448);
	expect_ack(out, burst(&r, &tmpl, seq0, 1, 3, ~0u, out), seq0, 10, NULL, 0);
	expect_read(&r, 0, 10 * 1448);
	rig_free(&r);
}

Test(offload, gro_duplicate_bursts_get_dsack)
{
	static struct wpkt out[16];
	static const uint32_t whole[] = {1, 6}, part[] = {3, 6};
	struct wpkt tmpl;
	struct rig r;
	uint32_t seq0;

	placed_rig(&r, &tmpl, &seq0, 0);
	expect_ack(out, burst(&r, &tmpl, seq0, 1, 5, ~0u, out), seq0, 6, NULL, 0);
	/* RFC 2883 §4: the first block reports the duplicate */
	expect_ack(out, burst(&r, &tmpl, seq0, 1, 5, ~0u, out), seq0, 6, whole, 1);
	expect_ack(out, burst(&r, &tmpl, seq0, 3, 9, ~0u, out), seq0, 10, part, 1);
	expect_read(&r, 0, 10 * 1448);
	rig_free(&r);
}

Test(offload, gro_bad_packet_inside_a_placed_burst)
{
	static struct wpkt out[16];
	static const uint32_t sack[] = {6, 10};
	struct wpkt tmpl;
	struct rig r;
	uint32_t seq0;
	uint64_t in0, bad0;

	placed_rig(&r, &tmpl, &seq0, 0);
	in0 = synack_counter(r.b, SYNACK_CTR_TCP_IN);
	bad0 = synack_counter(r.b, SYNACK_CTR_TCP_BAD_CSUM);
	expect_ack(out, burst(&r, &tmpl, seq0, 1, 9, 5, out), seq0, 5, sack, 1);
	cr_assert_eq(synack_counter(r.b, SYNACK_CTR_TCP_IN) - in0, 8);
	cr_assert_eq(synack_counter(r.b, SYNACK_CTR_TCP_BAD_CSUM) - bad0, 1);
	cr_assert_eq(api_tcb(r.b, r.bfd)->rcv_nxt, seq0 + 5 * 1448);
	cr_assert_eq(ring_len(&api_tcb(r.b, r.bfd)->rcvbuf), 5 * 1448);
	expect_read(&r, 0, 5 * 1448);
	expect_ack(out, burst(&r, &tmpl, seq0, 5, 5, ~0u, out), seq0, 10, NULL, 0);
	expect_read(&r, 5 * 1448, 5 * 1448);
	rig_free(&r);
}

/* A bad packet that would have joined a placed merge (its checksum checked while its
 * payload is copied into the ring's free space) leaves everything as if it never came:
 * against a twin rig given the same burst without it, the same ACK byte for byte, RCV.NXT,
 * ring length, bytes read and every counter but the drop's own (IP in, bad checksum). */
Test(offload, gro_bad_packet_checked_while_placed_is_as_if_never_sent)
{
	static struct wpkt out[16], twin_out[16];
	struct wpkt tmpl, twin_tmpl;
	struct rig r, twin;
	uint32_t seq0, twin_seq0;

	placed_rig(&r, &tmpl, &seq0, 0);
	placed_rig(&twin, &twin_tmpl, &twin_seq0, 0);
	cr_assert_eq(seq0, twin_seq0);
	cr_assert_eq(burst(&r, &tmpl, seq0, 1, 9, 9, out), 1);
	cr_assert_eq(burst(&twin, &twin_tmpl, seq0, 1, 8, ~0u, twin_out), 1);
	cr_assert_eq(out[0].len, twin_out[0].len);
	cr_assert(!memcmp(out[0].b, twin_out[0].b, out[0].len), "the ACKs differ");
	expect_ack(out, 1, seq0, 9, NULL, 0);
	cr_assert_eq(api_tcb(r.b, r.bfd)->rcv_nxt, api_tcb(twin.b, twin.bfd)->rcv_nxt);
	cr_assert_eq(ring_len(&api_tcb(r.b, r.bfd)->rcvbuf), 9 * 1448);
	cr_assert_eq(ring_len(&api_tcb(twin.b, twin.bfd)->rcvbuf), 9 * 1448);
	for (int c = 0; c < SYNACK_CTR_COUNT; c++) {
		uint64_t want = synack_counter(twin.b, c) +
				(c == SYNACK_CTR_IP_IN || c == SYNACK_CTR_TCP_BAD_CSUM);

		cr_assert_eq(synack_counter(r.b, c), want, "counter %s: %llu, want %llu",
			     synack_counter_name(c), (unsigned long long)synack_counter(r.b, c),
			     (unsigned long long)want);
	}
	expect_read(&r, 0, 9 * 1448);
	expect_read(&twin, 0, 9 * 1448);
	expect_ack(out, burst(&r, &tmpl, seq0, 9, 9, ~0u, out), seq0, 10, NULL, 0);
	expect_read(&r, 9 * 1448, 1448);
	rig_free(&r);
	rig_free(&twin);
}

/* Both rigs' b: the same ACK bytes, receive state and counters. */
static void assert_same_receiver(struct rig *r, struct rig *twin, const struct wpkt *out,
				 size_t n, const struct wpkt *twin_out, size_t twin_n)
{
	struct tcb *t = api_tcb(r->b, r->bfd), *u = api_tcb(twin->b, twin->bfd);

	cr_assert_eq(n, twin_n, "b sent %zu packets, the twin %zu", n, twin_n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(out[i].len, twin_out[i].len);
		cr_assert(!memcmp(out[i].b, twin_out[i].b, out[i].len), "packet %zu differs", i);
	}
	cr_assert_eq(t->rcv_nxt, u->rcv_nxt);
	cr_assert_eq(t->rcv_adv, u->rcv_adv);
	cr_assert_eq(t->bytes_received, u->bytes_received);
	cr_assert_eq(ring_len(&t->rcvbuf), ring_len(&u->rcvbuf));
	for (int c = 0; c < SYNACK_CTR_COUNT; c++)
		cr_assert_eq(synack_counter(r->b, c), synack_counter(twin->b, c),
			     "counter %s: %llu != %llu", synack_counter_name(c),
			     (unsigned long long)synack_counter(r->b, c),
			     (unsigned long long)synack_counter(twin->b, c));
}

/* Two placed rigs, the twin's b never placing (no_gro_place), both readers having read
 * segment 0 (the rings given back); returns segment 0's sequence number (both rigs'). */
static uint32_t given_back_rigs(struct rig *r, struct wpkt *tmpl, struct rig *twin,
				struct wpkt *twin_tmpl)
{
	uint32_t seq0, twin_seq0;

	placed_rig(r, tmpl, &seq0, 0);
	placed_rig(twin, twin_tmpl, &twin_seq0, 0);
	cr_assert_eq(seq0, twin_seq0);
	twin->b->no_gro_place = true;
	expect_read(r, 0, 1448);
	expect_read(twin, 0, 1448);
	return seq0;
}

/* A reader that empties the ring gives its storage back (user.c); the next merge takes
 * the storage and is written in place (gro_buf untouched), as a twin rig that never
 * places (no_gro_place: the merge in gro_buf, copied into the ring by step_text) does in
 * every ACK byte, RCV.NXT, window, ring length and counter; the bytes read back are the
 * stream's. Twice, the second merge 21 packets long. */
Test(offload, gro_places_into_a_ring_that_was_given_back)
{
	static struct wpkt out[16], twin_out[16];
	struct wpkt tmpl, twin_tmpl;
	struct rig r, twin;
	uint32_t seq0;
	static const uint32_t from[] = {1, 10}, to[] = {9, 30};

	seq0 = given_back_rigs(&r, &tmpl, &twin, &twin_tmpl);
	for (int i = 0; i < 2; i++) {
		size_t n, twin_n;

		cr_assert_eq(api_tcb(r.b, r.bfd)->rcvbuf.cap, 0, "the ring was given back");
		cr_assert_eq(api_tcb(twin.b, twin.bfd)->rcvbuf.cap, 0);
		n = burst(&r, &tmpl, seq0, from[i], to[i], ~0u, out);
		twin_n = burst(&twin, &twin_tmpl, seq0, from[i], to[i], ~0u, twin_out);
		cr_assert(gro_buf_untouched(&r), "merge %d went through gro_buf, not in place", i);
		cr_assert(!gro_buf_untouched(&twin), "the twin's merge %d was placed", i);
		memset(twin.b->gro_buf, 0, 65535);
		expect_ack(out, n, seq0, to[i] + 1, NULL, 0);
		assert_same_receiver(&r, &twin, out, n, twin_out, twin_n);
		expect_read(&r, (uint64_t)from[i] * 1448, (to[i] - from[i] + 1) * 1448);
		expect_read(&twin, (uint64_t)from[i] * 1448, (to[i] - from[i] + 1) * 1448);
		assert_same_receiver(&r, &twin, out, 0, twin_out, 0);
	}
	rig_free(&r);
	rig_free(&twin);
}

/* Makes a's data packet p's TSval older by `by` (its checksums are the crafter's). */
static void age_tsval(struct wpkt *p, uint32_t by)
{
	size_t end = 20 + (size_t)(p->b[20 + 12] >> 4) * 4, i = 40;

	while (i < end && p->b[i] == 1)
		i++;
	cr_assert(i + 10 <= end && p->b[i] == 8 && p->b[i + 1] == 10, "no timestamps at %zu", i);
	wire_put32(p->b + i + 2, wire_get32(p->b + i + 2) - by);
}

/* A merge TCP drops (PAWS: every packet's TSval older than TS.Recent, RFC 7323 §5.3)
 * after place_target took the ring's storage for it (the reader had given it back)
 * leaves the ring with no storage, not an empty ring of SO_RCVBUF until the next read:
 * against a twin rig that never places, the same ACK bytes, RCV.NXT, window, bytes
 * received, ring length and every counter; the next in-order merge is placed and taken. */
Test(offload, gro_dropped_merge_gives_the_storage_back)
{
	static struct wpkt out[16], twin_out[16];
	struct wpkt tmpl, twin_tmpl, old, twin_old;
	struct rig r, twin;
	uint32_t seq0;
	size_t n, twin_n;

	seq0 = given_back_rigs(&r, &tmpl, &twin, &twin_tmpl);
	cr_assert_eq(api_tcb(r.b, r.bfd)->rcvbuf.cap, 0, "the ring was given back");
	old = tmpl;
	twin_old = twin_tmpl;
	age_tsval(&old, 1000);
	age_tsval(&twin_old, 1000);
	n = burst(&r, &old, seq0, 1, 9, ~0u, out);
	twin_n = burst(&twin, &twin_old, seq0, 1, 9, ~0u, twin_out);
	cr_assert_eq(synack_counter(r.b, SYNACK_CTR_TCP_PAWS), 1);
	expect_ack(out, n, seq0, 1, NULL, 0);
	assert_same_receiver(&r, &twin, out, n, twin_out, twin_n);
	cr_assert_eq(api_tcb(r.b, r.bfd)->rcvbuf.cap, 0, "an empty ring of %u bytes held",
		     api_tcb(r.b, r.bfd)->rcvbuf.cap);
	cr_assert_eq(api_tcb(twin.b, twin.bfd)->rcvbuf.cap, 0);
	memset(twin.b->gro_buf, 0, 65535);
	n = burst(&r, &tmpl, seq0, 1, 9, ~0u, out);
	twin_n = burst(&twin, &twin_tmpl, seq0, 1, 9, ~0u, twin_out);
	cr_assert(gro_buf_untouched(&r), "the merge went through gro_buf, not in place");
	expect_ack(out, n, seq0, 10, NULL, 0);
	assert_same_receiver(&r, &twin, out, n, twin_out, twin_n);
	expect_read(&r, 1448, 9 * 1448);
	rig_free(&r);
	rig_free(&twin);
}

/* SO_RCVBUF 65537: a 131072-byte ring whose window ends 65537 bytes (rounded down to the
 * window shift) past what the reader took, so a placed merge can cross the window edge:
 * only the bytes up to it are committed, RCV.NXT stops there. */
Test(offload, gro_placed_burst_across_the_window_edge)
{
	static struct wpkt out[16];
	struct wpkt tmpl;
	struct rig r;
	struct tcb *tcb;
	struct wire_tcp t;
	uint32_t seq0, edge;

	placed_rig(&r, &tmpl, &seq0, 65537);
	tcb = api_tcb(r.b, r.bfd);
	cr_assert_eq(tcb->rcvbuf.cap, 131072);
	for (uint32_t k = 1; k < 40; k += 13)
		burst(&r, &tmpl, seq0, k, k + 12, ~0u, out);
	edge = tcb->rcv_adv;
	cr_assert_eq(tcb->rcv_nxt, seq0 + 40 * 1448);
	cr_assert(edge - tcb->rcv_nxt > 0 && edge - tcb->rcv_nxt < 10 * 1448, "window %u",
		  edge - tcb->rcv_nxt);
	cr_assert_geq(ring_space(&tcb->rcvbuf), 65535, "room for a placed merge");
	cr_assert_eq(burst(&r, &tmpl, seq0, 40, 49, ~0u, out), 1);
	cr_assert(gro_buf_untouched(&r), "the merge went through gro_buf, not in place");
	sack_of(&out[0], &t);
	cr_assert_eq(t.ack, edge, "ACK %u, want the edge %u", t.ack - seq0, edge - seq0);
	cr_assert_eq(tcb->rcv_nxt, edge);
	cr_assert_eq(ring_len(&tcb->rcvbuf), edge - seq0);
	expect_read(&r, 0, edge - seq0);
	rig_free(&r);
}

/* ---- the simulator -------------------------------------------------------------------- */

struct trace_hash {
	uint64_t h;
	uint64_t n;
};

static void hash_tap(void *ctx, const struct synack_sim_tap *rec)
{
	struct trace_hash *th = ctx;
	uint64_t h = th->h ^ (rec->kind + 31 * rec->now_ns + 131 * rec->fate + 7 * rec->flags);

	for (size_t i = 0; i < rec->len; i++)
		h = (h ^ rec->pkt[i]) * 0x100000001b3ull;
	th->h = h * 0x100000001b3ull;
	th->n++;
}

static void run_sim(bool gso, bool gro, uint32_t fault_ppm, struct trace_hash *th,
		    struct synack_transfer_result *res)
{
	struct synack_transfer_config c = {0};

	c.bytes = 8u << 20;
	c.rtt_ns = 10 * MS;
	c.loss_ppm = c.dup_ppm = c.corrupt_ppm = fault_ppm;
	c.reorder_ppm = 5 * fault_ppm;
	c.seed = 77;
	c.gso = gso;
	c.gro = gro;
	c.tap = hash_tap;
	c.tap_ctx = th;
	c.env.alloc = plain_alloc;
	c.env.free = plain_free;
	memset(res, 0, sizeof *res);
	th->h = 0xcbf29ce484222325ull;
	th->n = 0;
	cr_assert_eq(synack_transfer_run(&c, res), 0, "%s", res->what ? res->what : "");
	cr_assert(res->flow[0].sha_equal);
	cr_assert_eq(res->flow[0].bytes_received, c.bytes);
	cr_assert_eq(res->flow[0].sender_state, SYNACK_STATE_TIME_WAIT);
	cr_assert_eq(res->flow[0].receiver_state, SYNACK_STATE_CLOSED);
	cr_assert_eq(res->bad_csum, res->corrupted);
	cr_assert_eq(res->corrupted_csum_caught, res->corrupted);
}

Test(offload, sim_trace_with_gso_equals_without_under_faults, .timeout = 300)
{
	static struct synack_transfer_result r0, r1;
	struct trace_hash h0, h1;

	run_sim(false, false, 10000, &h0, &r0);
	run_sim(true, false, 10000, &h1, &r1);
	cr_assert_gt(r0.fate[SYNACK_SIM_DROP_LOSS], 0);
	cr_assert_gt(r0.corrupted, 0);
	cr_assert_eq(h1.n, h0.n, "tap records %llu != %llu", (unsigned long long)h1.n,
		     (unsigned long long)h0.n);
	cr_assert_eq(h1.h, h0.h, "the traces differ");
}

Test(offload, sim_transfer_with_gso_and_gro_keeps_the_bytes, .timeout = 300)
{
	static struct synack_transfer_result r0, r1, r2;
	struct trace_hash h;

	run_sim(true, true, 10000, &h, &r1);
	cr_assert_gt(r1.fate[SYNACK_SIM_DROP_LOSS], 0);
	cr_assert_gt(r1.corrupted, 0);
	cr_assert_gt(r1.duplicated, 0);
	/* no faults: GRO merges every burst, so the receiver sends fewer ACKs */
	run_sim(false, false, 0, &h, &r0);
	run_sim(true, true, 0, &h, &r2);
	cr_assert_lt(r2.pkts, r0.pkts, "packets with GRO %llu, without %llu",
		     (unsigned long long)r2.pkts, (unsigned long long)r0.pkts);
}
