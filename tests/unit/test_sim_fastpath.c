/*
 * test_sim_fastpath.c — the simulator's short cuts (synack_pending-gated drains, the
 * verdict of a fault-free direction written without the link model, the per-host route
 * cache) change nothing observable: whole transfers, fault-free and under loss,
 * duplication, reordering, corruption, tail drops and a slow reader, are run twice with
 * the same seed, once with the reference driver (synack_sim_config.plain_driver: every
 * stack drained with plain output and poll calls after every step, every packet through
 * the whole link model and a fresh route lookup) and once without, and every tap record
 * — kind, times, packet id, direction index, hosts, fate, flags, corrupted bit and the
 * packet's bytes — is compared one by one, with gso/gro off and on. The same comparison
 * shows the zero-copy calls (synack_send_reserve/commit, synack_recv_view/consume) put
 * on the wire exactly what send()/recv() of the same amounts do. Raw-host scripts
 * show that a direction with any fault, a script or a filter still goes through the
 * model (exact fates, flags, times, copies), and that the route cache follows an
 * address added to a host.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "plain_alloc.h"
#include "sim/sim_internal.h"
#include "synack/io.h"
#include "synack/sim.h"
#include "synack/transfer.h"

/* One tap record, flattened: the fields, then the packet's bytes. */
struct trace {
	uint8_t *b;
	size_t len, cap;
	size_t nrec;
};

static void put(struct trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 4096;
		t->b = realloc(t->b, t->cap);
		cr_assert_not_null(t->b);
	}
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void record(void *ctx, const struct synack_sim_tap *rec)
{
	struct trace *t = ctx;
	uint64_t f[12] = {
		(uint64_t)rec->kind, rec->now_ns, rec->pkt_id, rec->dir_index,
		(uint64_t)(int64_t)rec->link, (uint64_t)(int64_t)rec->src_host,
		(uint64_t)(int64_t)rec->dst_host, (uint64_t)rec->fate, rec->flags,
		rec->deliver_ns, rec->dup_deliver_ns,
		(uint64_t)rec->corrupt_bit << 32 | (uint64_t)rec->is_duplicate << 16 | rec->len,
	};

	put(t, f, sizeof f);
	put(t, rec->pkt, rec->len);
	t->nrec++;
}

static void run(const struct synack_transfer_config *base, bool plain, struct trace *t,
		struct synack_transfer_result *res)
{
	struct synack_transfer_config c = *base;

	memset(t, 0, sizeof *t);
	c.plain_sim = plain;
	c.tap = record;
	c.tap_ctx = t;
	cr_assert_eq(synack_io_env(&c.env), 0);
	cr_assert_eq(synack_transfer_run(&c, res), 0);
}

/* The first differing record, for the failure message. */
static size_t first_diff(const struct trace *a, const struct trace *b)
{
	size_t n = a->len < b->len ? a->len : b->len, i = 0;

	while (i < n && a->b[i] == b->b[i])
		i++;
	return i;
}

/* Runs a (with the reference driver when plain_a) and b (the short cuts) and asserts
 * the same trace, record for record and byte for byte, and the same transfer. */
static void compare_runs(const struct synack_transfer_config *a, bool plain_a,
			 const struct synack_transfer_config *b)
{
	struct synack_transfer_result *r1 = calloc(1, sizeof *r1), *r2 = calloc(1, sizeof *r2);
	struct trace plain, fast;
	const struct synack_transfer_config *c = a;

	cr_assert(r1 && r2);
	run(a, plain_a, &plain, r1);
	run(b, false, &fast, r2);
	cr_assert_gt(plain.nrec, 1000, "only %zu records", plain.nrec);
	cr_assert_eq(plain.nrec, fast.nrec, "records: plain %zu, fast %zu", plain.nrec,
		     fast.nrec);
	cr_assert_eq(plain.len, fast.len);
	cr_assert(memcmp(plain.b, fast.b, plain.len) == 0,
		  "traces differ at byte %zu of %zu", first_diff(&plain, &fast), plain.len);
	cr_assert_eq(r1->bytes_total, c->bytes * (c->flows ? c->flows : 1));
	cr_assert_eq(r2->bytes_total, r1->bytes_total);
	cr_assert(r1->flow[0].sha_equal && r2->flow[0].sha_equal);
	cr_assert(memcmp(r1->flow[0].sha_received, r2->flow[0].sha_received, 32) == 0);
	cr_assert_eq(r1->idle_ns, r2->idle_ns);
	free(plain.b);
	free(fast.b);
	free(r1);
	free(r2);
}

static void compare(const struct synack_transfer_config *c)
{
	compare_runs(c, true, c);
}

static struct synack_transfer_config faulty(uint64_t seed)
{
	struct synack_transfer_config c = {0};

	c.bytes = 1000000;
	c.seed = seed;
	c.rtt_ns = 10000000;
	c.bandwidth_bps = 100000000;
	c.queue_pkts = 24;              /* tail drops too */
	c.loss_ppm = 20000;
	c.dup_ppm = 20000;
	c.reorder_ppm = 30000;
	c.corrupt_ppm = 10000;
	return c;
}

Test(sim_fastpath, faulty_trace_identical_to_plain_driver)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct synack_transfer_config c = faulty(seed);

		compare(&c);
	}
}

Test(sim_fastpath, faulty_trace_identical_with_offloads_and_slow_reader)
{
	struct synack_transfer_config c = faulty(7);

	c.gso = c.gro = true;
	c.read_every_ns = 2000000;      /* scheduled calls: recv() from outside any drain */
	c.read_chunk_bytes = 5000;
	compare(&c);
	c = faulty(8);
	c.flows = 3;
	c.rtt_ns = 0;                   /* zero latency: everything at one instant */
	c.bandwidth_bps = 0;
	compare(&c);
}

Test(sim_fastpath, fault_free_trace_identical_to_plain_driver)
{
	struct synack_transfer_config c = {0};

	c.bytes = 2000000;
	c.seed = 11;
	c.rtt_ns = 10000000;
	compare(&c);                    /* one packet per call, 5 ms each way */
	c.gso = c.gro = true;
	c.flows = 2;
	c.rtt_ns = 0;                   /* bursts at one instant, as bench bulk */
	compare(&c);
	c.flows = 1;
	c.rtt_ns = 2000000;
	c.read_every_ns = 1000000;      /* window closes and reopens */
	c.read_chunk_bytes = 3000;
	compare(&c);
}

/* ---- raw hosts: the link model is still used wherever it decides something ---------- */

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define C_ADDR 0x0a000003u
#define X_ADDR 0x0a000063u
#define MS 1000000ull

struct raw_log {
	struct synack_sim_tap send[64];
	uint8_t send_bytes[64][64];
	int nsend;
	struct { uint64_t t; int host; size_t len; uint8_t b[64]; } arr[128];
	int narr;
	int filter_calls;
};

static void raw_recv(void *ctx, struct synack_sim *sim, int host, uint64_t now,
		     const uint8_t *pkt, size_t len)
{
	struct raw_log *l = ctx;

	(void)sim;
	cr_assert_lt(l->narr, 128);
	l->arr[l->narr].t = now;
	l->arr[l->narr].host = host;
	l->arr[l->narr].len = len;
	memcpy(l->arr[l->narr].b, pkt, len < 64 ? len : 64);
	l->narr++;
}

static void raw_tap(void *ctx, const struct synack_sim_tap *t)
{
	struct raw_log *l = ctx;

	if (t->kind != SYNACK_SIM_TAP_SEND)
		return;
	cr_assert_lt(l->nsend, 64);
	l->send[l->nsend] = *t;
	memcpy(l->send_bytes[l->nsend], t->pkt, t->len < 64 ? t->len : 64);
	l->send[l->nsend].pkt = NULL;
	l->nsend++;
}

static bool drop_tag3(void *ctx, int link, int src, uint32_t dir_index, const uint8_t *pkt,
		      size_t len)
{
	struct raw_log *l = ctx;

	(void)link;
	(void)src;
	(void)dir_index;
	l->filter_calls++;
	return len >= 22 && pkt[21] == 3;
}

static struct synack_sim *raw_sim(bool plain, struct raw_log *l)
{
	struct synack_sim_config cfg = {.seed = 5, .plain_driver = plain};
	struct synack_sim *sim;

	cfg.env.alloc = plain_alloc;
	cfg.env.free = plain_free;
	sim = synack_sim_new(&cfg);
	cr_assert_not_null(sim);
	cr_assert_eq(synack_sim_add_raw_host(sim, "a", A_ADDR, raw_recv, l), 0);
	cr_assert_eq(synack_sim_add_raw_host(sim, "b", B_ADDR, raw_recv, l), 1);
	synack_sim_set_tap(sim, raw_tap, l);
	return sim;
}

/* Sends a 40-byte packet to dst with tag in byte 21; the buffer is overwritten right
 * after, so what arrives is the simulator's copy. */
static int send40(struct synack_sim *sim, int from, uint32_t dst, uint8_t tag)
{
	uint8_t p[40];
	int fate;

	memset(p, 0xa5, sizeof p);
	p[0] = 0x45;
	p[16] = (uint8_t)(dst >> 24);
	p[17] = (uint8_t)(dst >> 16);
	p[18] = (uint8_t)(dst >> 8);
	p[19] = (uint8_t)dst;
	p[21] = tag;
	fate = synack_sim_send(sim, from, p, sizeof p);
	memset(p, 0, sizeof p);
	return fate;
}

/* Three packets a -> b over one link whose a -> b direction is d (and optionally a
 * filter), run to idle; the same with the reference driver gives the same log. */
static void run_dir(const struct synack_link_dir *d, bool filter, uint32_t nth,
		    struct raw_log *l)
{
	struct raw_log ref;

	for (int pass = 0; pass < 2; pass++) {
		struct raw_log *x = pass ? l : &ref;
		struct synack_sim *sim;

		memset(x, 0, sizeof *x);
		sim = raw_sim(pass == 0, x);
		cr_assert_eq(synack_sim_add_link(sim, 0, 1, d, NULL), 0);
		if (filter)
			synack_sim_set_filter(sim, drop_tag3, x);
		if (nth)
			cr_assert_eq(synack_sim_drop_nth(sim, 0, 0, nth), 0);
		for (uint8_t tag = 1; tag <= 3; tag++)
			send40(sim, 0, B_ADDR, tag);
		cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
		synack_sim_free(sim);
	}
	cr_assert_eq(ref.nsend, l->nsend);
	cr_assert_eq(ref.narr, l->narr);
	for (int i = 0; i < l->nsend; i++) {
		const struct synack_sim_tap *a = &ref.send[i], *b = &l->send[i];

		cr_assert(a->now_ns == b->now_ns && a->pkt_id == b->pkt_id &&
			  a->dir_index == b->dir_index && a->link == b->link &&
			  a->src_host == b->src_host && a->dst_host == b->dst_host &&
			  a->fate == b->fate && a->flags == b->flags &&
			  a->deliver_ns == b->deliver_ns && a->dup_deliver_ns == b->dup_deliver_ns &&
			  a->corrupt_bit == b->corrupt_bit && a->len == b->len, "send %d", i);
	}
	cr_assert(memcmp(ref.send_bytes, l->send_bytes, sizeof ref.send_bytes) == 0);
	cr_assert(memcmp(ref.arr, l->arr, sizeof ref.arr) == 0);
	cr_assert_eq(ref.filter_calls, l->filter_calls);
}

Test(sim_fastpath, ideal_direction_predicate_names_every_knob)
{
	struct sim_port port;
	uint64_t q[4];
	struct synack_link_dir d = {.latency_ns = 7 * MS, .queue_pkts = 3};

	sim_port_init(&port, 0, &d, q, 4, 1);
	cr_assert(sim_port_is_ideal(&port));    /* latency and a queue bound alone */
	for (int k = 0; k < 7; k++) {
		struct synack_link_dir f = d;

		switch (k) {
		case 0: f.bandwidth_bps = 1000000; break;
		case 1: f.loss_ppm = 1; break;
		case 2: f.dup_ppm = 1; break;
		case 3: f.reorder_ppm = 1; break;
		case 4: f.corrupt_ppm = 1; break;
		case 5: f.partitioned = true; break;
		default: break;
		}
		sim_port_init(&port, 0, &f, q, 4, 1);
		if (k == 6)
			port.script[port.nscript++] = 9;
		cr_assert(!sim_port_is_ideal(&port), "knob %d", k);
	}
}

Test(sim_fastpath, ideal_direction_delivers_at_latency_in_order)
{
	struct synack_link_dir d = {.latency_ns = 3 * MS};
	struct raw_log l;

	run_dir(&d, false, 0, &l);
	cr_assert_eq(l.nsend, 3);
	cr_assert_eq(l.narr, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(l.send[i].fate, SYNACK_SIM_DELIVERED);
		cr_assert_eq(l.send[i].flags, 0);
		cr_assert_eq(l.send[i].dir_index, (uint32_t)i + 1);
		cr_assert_eq(l.send[i].deliver_ns, 3 * MS);
		cr_assert_eq(l.arr[i].t, 3 * MS);
		cr_assert_eq(l.arr[i].b[21], i + 1);
		cr_assert(memcmp(l.arr[i].b, l.send_bytes[i], 40) == 0);
	}
}

Test(sim_fastpath, faulty_direction_still_goes_through_the_model)
{
	struct synack_link_dir d = {.latency_ns = 1 * MS};
	struct raw_log l;

	d.loss_ppm = 1000000;
	run_dir(&d, false, 0, &l);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(l.send[i].fate, SYNACK_SIM_DROP_LOSS);
	cr_assert_eq(l.narr, 0);

	/* every packet duplicated and its first copy corrupted: the duplicate is a copy
	 * of its own, taken before the flip */
	d.loss_ppm = 0;
	d.dup_ppm = 1000000;
	d.corrupt_ppm = 1000000;
	run_dir(&d, false, 0, &l);
	cr_assert_eq(l.narr, 6);
	for (int i = 0; i < 3; i++) {
		uint32_t bit = l.send[i].corrupt_bit;
		uint8_t want[40];

		cr_assert_eq(l.send[i].flags, SYNACK_SIM_F_DUPLICATED | SYNACK_SIM_F_CORRUPTED);
		memcpy(want, l.send_bytes[i], 40);
		want[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		cr_assert(memcmp(l.arr[2 * i].b, want, 40) == 0, "packet %d", i);
		cr_assert(memcmp(l.arr[2 * i + 1].b, l.send_bytes[i], 40) == 0, "dup %d", i);
	}

	/* bandwidth: 320 bits at 320 kbit/s = 1 ms each, queued behind each other */
	d = (struct synack_link_dir){.latency_ns = 1 * MS, .bandwidth_bps = 320000};
	run_dir(&d, false, 0, &l);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(l.arr[i].t, (uint64_t)(i + 2) * MS);

	d = (struct synack_link_dir){.partitioned = true};
	run_dir(&d, false, 0, &l);
	cr_assert_eq(l.send[0].fate, SYNACK_SIM_DROP_PARTITION);
	cr_assert_eq(l.narr, 0);

	/* a scripted drop and a filter on an otherwise ideal direction */
	d = (struct synack_link_dir){.latency_ns = 1 * MS};
	run_dir(&d, false, 2, &l);
	cr_assert_eq(l.send[0].fate, SYNACK_SIM_DELIVERED);
	cr_assert_eq(l.send[1].fate, SYNACK_SIM_DROP_SCRIPT);
	cr_assert_eq(l.send[2].fate, SYNACK_SIM_DELIVERED);
	run_dir(&d, true, 0, &l);
	cr_assert_eq(l.filter_calls, 3);
	cr_assert_eq(l.send[2].fate, SYNACK_SIM_DROP_SCRIPT);
	cr_assert_eq(l.narr, 2);
}

/* a -- b point to point (link 0, a's default route), a and c on a segment (link 1).
 * A destination nobody owns goes to b by default, and the cache keeps that answer;
 * once c owns it (an address added), or a new host d on the segment owns another, the
 * next packet must go there. */
Test(sim_fastpath, route_cache_follows_an_added_address_and_host)
{
	const uint32_t y = 0x0a000064u;

	for (int pass = 0; pass < 2; pass++) {
		struct raw_log l = {0};
		struct synack_sim *sim = raw_sim(pass == 0, &l);
		int seg;

		cr_assert_eq(synack_sim_add_raw_host(sim, "c", C_ADDR, raw_recv, &l), 2);
		cr_assert_eq(synack_sim_add_link(sim, 0, 1, NULL, NULL), 0);
		seg = synack_sim_add_segment(sim);
		cr_assert_eq(seg, 1);
		cr_assert_eq(synack_sim_attach(sim, seg, 0, NULL), 0);
		cr_assert_eq(synack_sim_attach(sim, seg, 2, NULL), 0);
		cr_assert_eq(send40(sim, 0, X_ADDR, 1), SYNACK_SIM_DELIVERED);
		cr_assert_eq(send40(sim, 0, X_ADDR, 2), SYNACK_SIM_DELIVERED);
		cr_assert_eq(synack_sim_host_add_addr(sim, 2, X_ADDR), 0);
		cr_assert_eq(send40(sim, 0, X_ADDR, 3), SYNACK_SIM_DELIVERED);
		cr_assert_eq(send40(sim, 0, y, 4), SYNACK_SIM_DELIVERED);
		cr_assert_eq(send40(sim, 0, y, 5), SYNACK_SIM_DELIVERED);
		cr_assert_eq(synack_sim_add_raw_host(sim, "d", y, raw_recv, &l), 3);
		cr_assert_eq(send40(sim, 0, y, 6), SYNACK_SIM_DELIVERED);  /* d not attached */
		cr_assert_eq(synack_sim_attach(sim, seg, 3, NULL), 0);
		cr_assert_eq(send40(sim, 0, y, 7), SYNACK_SIM_DELIVERED);
		cr_assert(synack_sim_run_until_idle(sim, UINT64_MAX));
		cr_assert_eq(l.narr, 7);
		for (int i = 0; i < 7; i++) {
			static const int host[7] = {1, 1, 2, 1, 1, 1, 3};
			static const int link[7] = {0, 0, 1, 0, 0, 0, 1};

			cr_assert_eq(l.arr[i].b[21], i + 1);
			cr_assert_eq(l.arr[i].host, host[i], "packet %d at host %d", i + 1,
				     l.arr[i].host);
			cr_assert_eq(l.send[i].link, link[i], "packet %d", i + 1);
			cr_assert_eq(l.send[i].dst_host, host[i]);
		}
		cr_assert_eq(l.send[2].dir_index, 1);   /* a's first packet on the segment */
		cr_assert_eq(l.send[5].dir_index, 5);
		synack_sim_free(sim);
	}
}

/* ---- the zero-copy API against send()/recv() -------------------------------------- */

Test(sim_fastpath, zerocopy_api_trace_identical_to_send_recv)
{
	struct synack_transfer_config c = faulty(21), z;

	c.read_every_ns = 1500000;      /* partial reads: window updates after consume */
	c.read_chunk_bytes = 7000;
	c.rcv_initial_bytes = 16384;    /* autotuning grows the buffer from bytes read */
	z = c;
	z.zerocopy = true;
	compare_runs(&c, false, &z);
	c = faulty(22);
	c.gso = c.gro = true;
	c.flows = 2;
	c.buf_bytes = 65536;            /* the rings wrap often: two-piece reservations */
	z = c;
	z.zerocopy = true;
	compare_runs(&c, false, &z);
	c = (struct synack_transfer_config){.bytes = 3000000, .seed = 3, .gso = true,
					    .gro = true, .no_hash = false};
	z = c;
	z.zerocopy = true;
	compare_runs(&c, false, &z);
}

/* The bench's zero-copy sender (no hashing) writes only the reserved bytes that its
 * memory does not hold yet; the wire must carry exactly what send() of the same chunk
 * puts there: whole traces of both compared, with rings whose capacity is a multiple of
 * the 64 KiB chunk (laps skip the writes), smaller than it (every lap at another chunk
 * offset: everything written again), a send ring that grows (new storage each time),
 * and under loss (retransmissions re-read the ring). */
static void compare_wire(const struct synack_transfer_config *c)
{
	struct synack_transfer_result *r1 = calloc(1, sizeof *r1), *r2 = calloc(1, sizeof *r2);
	struct synack_transfer_config z = *c;
	struct trace copy, zc;

	cr_assert(r1 && r2);
	z.zerocopy = true;
	run(c, false, &copy, r1);
	run(&z, false, &zc, r2);
	cr_assert_gt(copy.nrec, 1000, "only %zu records", copy.nrec);
	cr_assert_eq(copy.nrec, zc.nrec, "records: copy %zu, zero-copy %zu", copy.nrec, zc.nrec);
	cr_assert_eq(copy.len, zc.len);
	cr_assert(memcmp(copy.b, zc.b, copy.len) == 0, "traces differ at byte %zu of %zu",
		  first_diff(&copy, &zc), copy.len);
	cr_assert_eq(r1->bytes_total, c->bytes * (c->flows ? c->flows : 1));
	cr_assert_eq(r2->bytes_total, r1->bytes_total);
	free(copy.b);
	free(zc.b);
	free(r1);
	free(r2);
}

Test(sim_fastpath, zerocopy_bench_sender_puts_send_bytes_on_the_wire)
{
	static const uint32_t bufs[] = {262144, 65536, 98304, 32768, 20000};
	struct synack_transfer_config c;

	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
		c = (struct synack_transfer_config){.bytes = 3000000 + 777 * i, .seed = 5,
						    .gso = true, .gro = true, .no_hash = true,
						    .no_close_check = true, .buf_bytes = bufs[i]};
		compare_wire(&c);
	}
	/* the stacks' default buffers: the send ring grows from 16 KiB, block after block */
	c = (struct synack_transfer_config){.bytes = 6000000, .seed = 6, .gso = true,
					    .gro = true, .no_hash = true, .no_close_check = true,
					    .default_bufs = true};
	compare_wire(&c);
	c = faulty(23);
	c.no_hash = true;
	c.buf_bytes = 131072;
	c.gso = c.gro = true;
	c.flows = 2;
	compare_wire(&c);
	c = faulty(24);
	c.no_hash = true;
	c.rcv_initial_bytes = 16384;    /* the receive ring grows and is freed when read */
	compare_wire(&c);
}

/* synack_transfer_run counts packets from synack_sim_stats and installs no tap unless
 * asked: its counts equal what a tap counting SEND records sees, under every fault that
 * sets a flag (loss, duplication, reordering, queue drops, CE marking; corruption keeps
 * the tap, to check checksums). */
struct counts {
	uint64_t pkts, fate[SYNACK_SIM_FATE_COUNT], dup, reo, corrupted, ce;
};

static void count_tap(void *ctx, const struct synack_sim_tap *rec)
{
	struct counts *n = ctx;

	if (rec->kind != SYNACK_SIM_TAP_SEND)
		return;
	n->pkts++;
	n->fate[rec->fate]++;
	n->dup += !!(rec->flags & SYNACK_SIM_F_DUPLICATED);
	n->reo += !!(rec->flags & SYNACK_SIM_F_REORDERED);
	if (rec->fate == SYNACK_SIM_DELIVERED) {
		n->corrupted += !!(rec->flags & SYNACK_SIM_F_CORRUPTED);
		n->ce += !!(rec->flags & SYNACK_SIM_F_CE);
	}
}

static void check_counts(const struct synack_transfer_result *r, const struct counts *n)
{
	cr_assert_eq(r->pkts, n->pkts, "pkts %llu, tap %llu", (unsigned long long)r->pkts,
		     (unsigned long long)n->pkts);
	for (int f = 0; f < SYNACK_SIM_FATE_COUNT; f++)
		cr_assert_eq(r->fate[f], n->fate[f], "fate %d: %llu, tap %llu", f,
			     (unsigned long long)r->fate[f], (unsigned long long)n->fate[f]);
	cr_assert_eq(r->duplicated, n->dup);
	cr_assert_eq(r->reordered, n->reo);
	cr_assert_eq(r->corrupted, n->corrupted);
	cr_assert_eq(r->ce_marked, n->ce);
}

Test(sim_fastpath, transfer_counts_without_a_tap_equal_a_counting_tap)
{
	for (int k = 0; k < 2; k++) {
		struct synack_transfer_config c = faulty(40 + (uint64_t)k), t;
		struct synack_transfer_result *r1 = calloc(1, sizeof *r1);
		struct synack_transfer_result *r2 = calloc(1, sizeof *r2);
		struct counts n = {0};

		cr_assert(r1 && r2);
		c.corrupt_ppm = k ? c.corrupt_ppm : 0;  /* k = 0: no tap at all */
		c.ecn = true;
		c.ecn_mark_ppm = 50000;
		c.gso = c.gro = k == 1;
		cr_assert_eq(synack_io_env(&c.env), 0);
		t = c;
		t.tap = count_tap;
		t.tap_ctx = &n;
		cr_assert_eq(synack_transfer_run(&c, r1), 0);
		cr_assert_eq(synack_transfer_run(&t, r2), 0);
		check_counts(r1, &n);
		check_counts(r2, &n);
		cr_assert_gt(n.fate[SYNACK_SIM_DROP_LOSS], 0u);
		cr_assert_gt(n.dup, 0u);
		cr_assert_gt(n.reo, 0u);
		cr_assert_gt(n.ce, 0u);
		cr_assert_eq(n.corrupted > 0, k == 1);
		free(r1);
		free(r2);
	}
}
