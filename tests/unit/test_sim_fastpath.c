/*
 * test_sim_fastpath.c — the simulator's short cuts (synack_pending-gated drains, and
 * whatever else skips work that would find nothing) change nothing observable: whole
 * transfers under loss, duplication, reordering, corruption, tail drops and a slow
 * reader are run twice with the same seed, once with the reference driver
 * (synack_sim_config.plain_driver: every stack drained with plain output and poll
 * calls after every step) and once without, and every tap record — kind, times, packet
 * id, direction index, hosts, fate, flags, corrupted bit and the packet's bytes — is
 * compared one by one, with gso/gro off and on.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

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

static void compare(const struct synack_transfer_config *c)
{
	struct synack_transfer_result *r1 = calloc(1, sizeof *r1), *r2 = calloc(1, sizeof *r2);
	struct trace plain, fast;

	cr_assert(r1 && r2);
	run(c, true, &plain, r1);
	run(c, false, &fast, r2);
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
