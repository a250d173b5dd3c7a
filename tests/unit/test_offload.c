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

static void rig_init(struct rig *r, bool gso, bool gro_b)
{
	memset(r, 0, sizeof *r);
	r->gso = gso;
	r->a = new_stack(A_ADDR, gso, false);
	r->b = new_stack(B_ADDR, false, gro_b);
	r->lfd = synack_socket(r->b);
	cr_assert_eq(synack_bind(r->b, r->lfd, B_ADDR, 80), 0);
	cr_assert_eq(synack_listen(r->b, r->lfd, 8), 0);
	r->afd = synack_socket(r->a);
	cr_assert_eq(synack_connect(r->a, r->afd, B_ADDR, 80), -EINPROGRESS);
	r->now = 1 * MS;
	r->bfd = -1;
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
 * packets and counters. */
static void check_gso_equals_plain(bool burst)
{
	struct rig one, cut;

	rig_init(&one, false, false);
	rig_init(&cut, true, false);
	cut.burst = burst;
	rig_transfer(&one, 3u << 20);
	rig_transfer(&cut, 3u << 20);
	assert_same_wire(&cut, &one);
	rig_free(&one);
	rig_free(&cut);
}

Test(offload, gso_cut_equals_one_segment_per_call)
{
	check_gso_equals_plain(false);
}

/* synack_output_burst + synack_burst_packet (wire packets straight from the send ring)
 * give the same wire packets and counters as one synack_output per segment. */
Test(offload, gso_burst_equals_one_segment_per_call)
{
	check_gso_equals_plain(true);
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

/* Sets up an established rig whose receiver b has gro on, with a's next ten full segments
 * in q (none delivered yet). Returns b's RCV.NXT as a's first sequence number. */
static uint32_t ten_segments(struct rig *r, struct wpkt *q)
{
	static struct wpkt qa[512], qb[512];
	uint8_t chunk[14480];
	uint64_t rcvd = 0;
	struct wire_tcp t;
	size_t n;

	rig_init(r, false, true);
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
	uint32_t seq0 = ten_segments(&r, q);
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
	uint32_t seq0 = ten_segments(&r, q);
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
