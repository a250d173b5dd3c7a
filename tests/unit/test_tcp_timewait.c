/* test_tcp_timewait.c — the compact TIME-WAIT table: 64-byte entries, demux, expiry in
 * deadline order at exact times, restart, per-port counts (single and several local
 * addresses, against a model), allocator failure, a 100k
 * entry run with no leak, and the RFC 6191 §2 reopen decisions (with wrap-around). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include <sodium.h>

#include "base/keyedhash.h"
#include "tcp/timewait.h"

/* a == b for integers or pointers (compared as addresses), printing both on failure. */
#define assert_eq_u(a, b)                                                               \
	cr_assert_eq((unsigned long long)(a), (unsigned long long)(b),                  \
		     "%s = %llu (0x%llx), want %llu (0x%llx)", #a,                       \
		     (unsigned long long)(a), (unsigned long long)(a),                \
		     (unsigned long long)(b), (unsigned long long)(b))

/* A counting allocator that can be told to fail after a number of allocations. */
struct counting {
	size_t bytes_out, allocs, frees;
	long fail_after; /* < 0: never fail */
};

static void *count_alloc(void *ctx, size_t n)
{
	struct counting *c = ctx;

	if (c->fail_after == 0)
		return NULL;
	if (c->fail_after > 0)
		c->fail_after--;
	c->bytes_out += n;
	c->allocs++;
	return malloc(n);
}

static void count_free(void *ctx, void *p, size_t n)
{
	struct counting *c = ctx;

	if (!p)
		return;
	c->bytes_out -= n;
	c->frees++;
	free(p);
}

static const uint8_t KEY[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6 };

static struct counting cnt;
static struct base_allocator alloc = { count_alloc, count_free, &cnt };
static struct tw_table tab;

static void setup(void)
{
	cnt = (struct counting){ .fail_after = -1 };
	assert_eq_u(tw_init(&tab, &alloc, KEY), 0);
}

static void teardown(void)
{
	tw_destroy(&tab);
	cr_assert_eq(cnt.bytes_out, 0u, "leaked %zu bytes", cnt.bytes_out);
}

#define L1 0x0a000001u
#define L2 0x0a000002u
#define R1 0xc0a80101u
#define R2 0xc0a80102u

static struct tw_entry proto(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tw_entry p;

	memset(&p, 0, sizeof(p));
	p.laddr = laddr;
	p.lport = lport;
	p.raddr = raddr;
	p.rport = rport;
	p.snd_nxt = 0x1000u + rport;
	p.rcv_nxt = 0x2000u + rport;
	p.has_ts = rport & 1u;
	p.ts_recent = 0x3000u + rport;
	p.hnode.spare = 0x4000u + rport;       /* the window of its ACKs (tw.c) */
	return p;
}

static struct tw_entry *insert(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
			       uint64_t deadline)
{
	struct tw_entry p = proto(laddr, lport, raddr, rport), *e = NULL;
	int err = tw_insert(&tab, &p, deadline, &e);

	cr_assert_eq(err, 0, "insert %u->%u: %d", lport, rport, err);
	cr_assert_not_null(e);
	return e;
}

static void assert_entry(const struct tw_entry *e, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint64_t deadline)
{
	struct tw_entry p = proto(laddr, lport, raddr, rport);

	cr_assert_not_null(e);
	assert_eq_u(e->laddr, laddr);
	assert_eq_u(e->lport, lport);
	assert_eq_u(e->raddr, raddr);
	assert_eq_u(e->rport, rport);
	assert_eq_u(e->snd_nxt, p.snd_nxt);
	assert_eq_u(e->rcv_nxt, p.rcv_nxt);
	assert_eq_u(e->has_ts, p.has_ts);
	assert_eq_u(e->ts_recent, p.ts_recent);
	assert_eq_u(e->hnode.spare, p.hnode.spare);
	cr_assert_eq((uint64_t)e->deadline_ns, deadline, "deadline %llu want %llu",
		     (unsigned long long)e->deadline_ns, (unsigned long long)deadline);
}

/* Pops one expired entry at now and checks it is the 4-tuple/deadline expected. */
static void pop_expect(uint64_t now, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport, uint64_t deadline)
{
	struct tw_entry out;

	cr_assert(tw_pop_expired(&tab, now, &out), "nothing expired at %llu",
		  (unsigned long long)now);
	assert_entry(&out, laddr, lport, raddr, rport, deadline);
	cr_assert_null(tw_lookup(&tab, laddr, lport, raddr, rport));
}

TestSuite(timewait, .init = setup, .fini = teardown);

Test(timewait, entry_fits_64_bytes)
{
	cr_assert_leq(sizeof(struct tw_entry), 64u, "sizeof %zu", sizeof(struct tw_entry));
	/* The pool rounds to 16: an entry really costs 64 bytes. */
	assert_eq_u(tab.entries.obj_size, 64u);
}

Test(timewait, insert_lookup_remove)
{
	struct tw_entry *a = insert(L1, 80, R1, 40000, 1000);
	struct tw_entry *b = insert(L1, 80, R1, 40001, 1000);
	struct tw_entry *c = insert(L2, 443, R2, 40000, 1000);

	assert_eq_u(tw_count(&tab), 3u);
	assert_eq_u(pool_in_use(&tab.entries), 3u);
	assert_eq_u(tw_lookup(&tab, L1, 80, R1, 40000), a);
	assert_eq_u(tw_lookup(&tab, L1, 80, R1, 40001), b);
	assert_eq_u(tw_lookup(&tab, L2, 443, R2, 40000), c);
	assert_entry(a, L1, 80, R1, 40000, 1000);
	assert_entry(b, L1, 80, R1, 40001, 1000);
	/* Each field of the key matters; local/remote are not interchangeable. */
	cr_assert_null(tw_lookup(&tab, L2, 80, R1, 40000));
	cr_assert_null(tw_lookup(&tab, L1, 81, R1, 40000));
	cr_assert_null(tw_lookup(&tab, L1, 80, R2, 40000));
	cr_assert_null(tw_lookup(&tab, L1, 80, R1, 40002));
	cr_assert_null(tw_lookup(&tab, R1, 40000, L1, 80));

	tw_remove(&tab, b);
	cr_assert_null(tw_lookup(&tab, L1, 80, R1, 40001));
	assert_eq_u(tw_lookup(&tab, L1, 80, R1, 40000), a);
	assert_eq_u(tw_count(&tab), 2u);
	assert_eq_u(pool_in_use(&tab.entries), 2u);
	tw_remove(&tab, a);
	tw_remove(&tab, c);
	assert_eq_u(tw_count(&tab), 0u);
	assert_eq_u(pool_in_use(&tab.entries), 0u);
	assert_eq_u(tw_next_deadline(&tab), UINT64_MAX);
}

Test(timewait, insert_errors_leave_table_unchanged)
{
	struct tw_entry p = proto(L1, 80, R1, 40000), *e = (struct tw_entry *)&p;

	insert(L1, 80, R1, 40000, 500);
	assert_eq_u(tw_insert(&tab, &p, 900, &e), -EEXIST);
	assert_eq_u(e, &p); /* *out untouched on error */
	assert_eq_u(tw_count(&tab), 1u);
	assert_eq_u(tw_next_deadline(&tab), 500u);

	p = proto(0, 80, R1, 40001);
	assert_eq_u(tw_insert(&tab, &p, 900, NULL), -EINVAL);
	assert_eq_u(tw_count(&tab), 1u);
}

Test(timewait, allocation_failure_is_enomem_and_clean)
{
	struct tw_entry p = proto(L2, 8080, R2, 50000);
	size_t before = cnt.bytes_out;

	/* The entry pool's chunk allocation fails. */
	cnt.fail_after = 0;
	assert_eq_u(tw_insert(&tab, &p, 100, NULL), -ENOMEM);
	assert_eq_u(tw_count(&tab), 0u);
	assert_eq_u(pool_in_use(&tab.entries), 0u);
	assert_eq_u(cnt.bytes_out, before);
	/* The entry chunk succeeds, the port page fails. */
	cnt.fail_after = 1;
	assert_eq_u(tw_insert(&tab, &p, 100, NULL), -ENOMEM);
	assert_eq_u(tw_count(&tab), 0u);
	assert_eq_u(pool_in_use(&tab.entries), 0u);
	assert_eq_u(pool_in_use(&tab.ports), 0u);
	cr_assert(!tw_port_in_use(&tab, L2, 8080));
	assert_eq_u(tw_next_deadline(&tab), UINT64_MAX);
	/* With memory back, the same insert works. */
	cnt.fail_after = -1;
	assert_eq_u(tw_insert(&tab, &p, 100, NULL), 0);
	cr_assert(tw_port_in_use(&tab, L2, 8080));
}

/*
 * tw_add (the engine's in-place record, tw.c tcp_tw_from_tcb) makes the entry
 * tw_insert_hashed makes, without its checks: the same 4-tuple, deadline (clamped),
 * lookups, port counts and expiry order, on one local address and on a mixed port; the
 * engine fields are the caller's to write. ENOMEM leaves the table as it was.
 */
Test(timewait, add_in_place_as_insert)
{
	static const struct { uint32_t l; uint16_t lp; uint32_t r; uint16_t rp; uint64_t dl; } in[] = {
		{ L1, 80, R1, 40000, 700 }, { L1, 80, R2, 40001, 300 }, { L2, 80, R1, 40002, 900 },
		{ L1, 443, R1, 40003, TW_DEADLINE_MAX + 5 }, { L2, 443, R2, 40004, 500 },
	};
	struct tw_entry p = proto(L2, 8080, R2, 50000);
	uint64_t last = 0;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		uint32_t h = tw_hash(&tab, in[i].l, in[i].lp, in[i].r, in[i].rp);
		struct tw_entry *e = tw_add(&tab, h, in[i].l, in[i].lp, in[i].r, in[i].rp, in[i].dl);
		struct tw_entry want = proto(in[i].l, in[i].lp, in[i].r, in[i].rp);

		cr_assert_not_null(e);
		e->snd_nxt = want.snd_nxt;
		e->rcv_nxt = want.rcv_nxt;
		e->has_ts = want.has_ts;
		e->ts_recent = want.ts_recent;
		e->hnode.spare = want.hnode.spare;
		assert_eq_u(tw_lookup(&tab, in[i].l, in[i].lp, in[i].r, in[i].rp), e);
		assert_entry(e, in[i].l, in[i].lp, in[i].r, in[i].rp,
			     in[i].dl > TW_DEADLINE_MAX ? TW_DEADLINE_MAX : in[i].dl);
		assert_eq_u(tw_count(&tab), i + 1);
	}
	cr_assert(tw_port_in_use(&tab, L1, 80) && tw_port_in_use(&tab, L2, 80));
	cr_assert(tw_port_in_use(&tab, L1, 443) && tw_port_in_use(&tab, L2, 443));
	cr_assert(!tw_port_in_use(&tab, L1, 8080));
	/* a 4-tuple tw_add made is there for tw_insert's duplicate check */
	{
		struct tw_entry d = proto(L1, 80, R1, 40000);

		assert_eq_u(tw_insert(&tab, &d, 100, NULL), -EEXIST);
	}
	for (int n = 0; n < 5; n++) {
		struct tw_entry out;

		cr_assert(tw_pop_expired(&tab, TW_DEADLINE_MAX, &out));
		cr_assert_geq((uint64_t)out.deadline_ns, last, "expired out of order");
		last = out.deadline_ns;
	}
	cr_assert(!tw_port_in_use(&tab, 0, 80) && !tw_port_in_use(&tab, 0, 443));
	/* a new port page cannot be allocated: nothing changes */
	cnt.fail_after = 0;
	cr_assert_null(tw_add(&tab, tw_hash(&tab, L2, 8080, R2, 50000), L2, 8080, R2, 50000, 1));
	assert_eq_u(tw_count(&tab), 0u);
	cr_assert(!tw_port_in_use(&tab, L2, 8080));
	cnt.fail_after = -1;
	assert_eq_u(tw_insert(&tab, &p, 100, NULL), 0);
}

Test(timewait, expiry_in_deadline_order_at_exact_times)
{
	struct tw_entry out;

	insert(L1, 80, R1, 1, 1000);
	insert(L1, 80, R1, 2, 2000);
	insert(L1, 80, R1, 3, 3000);
	insert(L1, 80, R1, 4, 3000);
	assert_eq_u(tw_next_deadline(&tab), 1000u);
	cr_assert(!tw_pop_expired(&tab, 999, &out));
	assert_eq_u(tw_count(&tab), 4u);
	pop_expect(1000, L1, 80, R1, 1, 1000);
	cr_assert(!tw_pop_expired(&tab, 1000, &out));
	assert_eq_u(tw_next_deadline(&tab), 2000u);
	assert_eq_u(tw_expire(&tab, 1999), 0u);
	assert_eq_u(tw_expire(&tab, 2999), 1u); /* the 2000 one */
	cr_assert_null(tw_lookup(&tab, L1, 80, R1, 2));
	assert_eq_u(tw_next_deadline(&tab), 3000u);
	pop_expect(5000, L1, 80, R1, 3, 3000); /* late caller: still earliest first */
	pop_expect(5000, L1, 80, R1, 4, 3000);
	cr_assert(!tw_pop_expired(&tab, UINT64_MAX, &out));
	assert_eq_u(tw_next_deadline(&tab), UINT64_MAX);
	assert_eq_u(pool_in_use(&tab.entries), 0u);
}

Test(timewait, restart_moves_to_tail_with_new_deadline)
{
	struct tw_entry *a = insert(L1, 80, R1, 1, 60000);

	insert(L1, 80, R1, 2, 61000);
	insert(L1, 80, R1, 3, 62000);
	/* A retransmitted FIN at t=30000 restarts 2MSL (60000). */
	tw_restart(&tab, a, 90000);
	assert_eq_u((uint64_t)a->deadline_ns, 90000u);
	assert_eq_u(tw_lookup(&tab, L1, 80, R1, 1), a);
	assert_eq_u(tw_next_deadline(&tab), 61000u);
	assert_eq_u(tw_expire(&tab, 60000), 0u); /* its old deadline no longer fires */
	pop_expect(61000, L1, 80, R1, 2, 61000);
	pop_expect(62000, L1, 80, R1, 3, 62000);
	assert_eq_u(tw_next_deadline(&tab), 90000u);
	assert_eq_u(tw_expire(&tab, 89999), 0u);
	pop_expect(90000, L1, 80, R1, 1, 90000);
	/* Restarting the only entry keeps it the head. */
	a = insert(L1, 80, R1, 7, 100);
	tw_restart(&tab, a, 200);
	assert_eq_u(tw_next_deadline(&tab), 200u);
	pop_expect(200, L1, 80, R1, 7, 200);
}

Test(timewait, lowered_msl_expires_on_time)
{
	/* msl lowered at run time: the shorter wait opens a second lane, so the later-
	 * inserted entry with the earlier deadline is reported and expired on time (F5). */
	struct tw_entry out;

	insert(L1, 80, R1, 1, 120000); /* old 2*MSL */
	insert(L1, 80, R1, 2, 80000);  /* inserted after msl was lowered */
	insert(L1, 80, R1, 3, 120500); /* back to the old msl: lane 0 again */
	assert_eq_u(tw_next_deadline(&tab), 80000u);
	cr_assert(!tw_pop_expired(&tab, 79999, &out));
	pop_expect(80000, L1, 80, R1, 2, 80000);
	assert_eq_u(tw_next_deadline(&tab), 120000u);
	pop_expect(120000, L1, 80, R1, 1, 120000);
	pop_expect(120500, L1, 80, R1, 3, 120500);
	assert_eq_u(tw_next_deadline(&tab), UINT64_MAX);
}

Test(timewait, lane_choice_after_lane_0_empties)
{
	/* The lane an entry joins (the listing shows it: lane by lane) once the entries of
	 * lane 0 are gone while a second lane still holds some: the lane whose tail is the
	 * latest deadline not after the new one (lane 1), not the empty lane 0, which the
	 * one-test case (enqueue: other lanes known empty) must not take. */
	struct tw_entry *a = insert(L1, 80, R1, 1, 100000);
	uint16_t want[] = { 2, 3, 4, 5 };
	size_t i = 0;

	insert(L1, 80, R1, 2, 50000);   /* lowered msl: lane 1 */
	tw_remove(&tab, a);             /* lane 0 empty, lane 1 not */
	insert(L1, 80, R1, 3, 70000);   /* lane 1's tail fits: lane 1 */
	insert(L1, 80, R1, 4, 80000);   /* and again */
	a = insert(L1, 80, R1, 6, 90000);
	tw_remove(&tab, a);
	insert(L1, 80, R1, 5, 85000);   /* lane 1 still */
	for (struct tw_entry *e = tw_first(&tab); e; e = tw_next(&tab, e), i++) {
		cr_assert_lt(i, 4u);
		assert_eq_u(e->rport, want[i]);
	}
	assert_eq_u(i, 4u);
}

Test(timewait, many_msl_changes_match_a_sorted_model)
{
	/* More distinct 2*MSL lengths than lanes, restarts included: every pop is the
	 * earliest remaining deadline (ties: any order), the reported next deadline is
	 * always the true minimum, and the listing sees every entry once. */
	enum { N = 600 };
	static uint64_t model[N];
	static struct tw_entry *ent[N];
	uint64_t x = 88172645463325252ull, now = 0;
	size_t live = 0;

	for (int i = 0; i < N; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		now += x % 50;
		model[i] = now + 1000 + (x >> 20) % 9 * 7000; /* nine 2*MSL lengths */
		ent[i] = insert(L1, 80, R1, (uint16_t)(i + 1), model[i]);
		live++;
		if (i % 7 == 3) { /* a retransmitted FIN restarts an earlier entry */
			int j = (int)((x >> 33) % (uint64_t)(i + 1));
			if (ent[j]) {
				model[j] = now + 5000;
				tw_restart(&tab, ent[j], model[j]);
			}
		}
		uint64_t min = UINT64_MAX;
		for (int k = 0; k <= i; k++)
			if (ent[k] && model[k] < min)
				min = model[k];
		assert_eq_u(tw_next_deadline(&tab), min);
		if (i % 5 == 0) { /* expire what is due, checking each against the model */
			struct tw_entry out;
			while (tw_pop_expired(&tab, now, &out)) {
				int k = out.rport - 1;
				cr_assert(ent[k] != NULL, "entry %d popped twice", k);
				assert_eq_u(out.deadline_ns, model[k]);
				cr_assert(model[k] <= now, "entry %d expired early", k);
				for (int m = 0; m < N && m <= i; m++)
					cr_assert(!ent[m] || m == k || model[m] >= model[k],
						  "entry %d (deadline %llu) popped before %d (%llu)", k,
						  (unsigned long long)model[k], m,
						  (unsigned long long)model[m]);
				ent[k] = NULL;
				live--;
			}
		}
	}
	size_t listed = 0;
	for (struct tw_entry *e = tw_first(&tab); e; e = tw_next(&tab, e))
		listed++;
	assert_eq_u(listed, live);
	assert_eq_u(tw_count(&tab), live);
}

Test(timewait, deadline_clamped_to_63_bits)
{
	struct tw_entry *e = insert(L1, 80, R1, 1, UINT64_MAX);
	struct tw_entry out;

	assert_eq_u((uint64_t)e->deadline_ns, TW_DEADLINE_MAX);
	assert_eq_u(tw_next_deadline(&tab), TW_DEADLINE_MAX);
	cr_assert(!tw_pop_expired(&tab, TW_DEADLINE_MAX - 1, &out));
	pop_expect(TW_DEADLINE_MAX, L1, 80, R1, 1, TW_DEADLINE_MAX);
	/* The flag bit beside the deadline is not disturbed by a large deadline. */
	e = insert(L1, 80, R1, 3, TW_DEADLINE_MAX); /* rport odd: has_ts = 1 */
	assert_eq_u(e->has_ts, 1u);
	tw_restart(&tab, e, UINT64_MAX - 5);
	assert_eq_u(e->has_ts, 1u);
	assert_eq_u((uint64_t)e->deadline_ns, TW_DEADLINE_MAX);
}

Test(timewait, port_in_use_exact_and_wildcard)
{
	struct tw_entry *a = insert(L1, 80, R1, 1000, 10);
	struct tw_entry *b = insert(L1, 80, R2, 1000, 10);
	struct tw_entry *c = insert(L2, 8080, R1, 1000, 10);

	cr_assert(tw_port_in_use(&tab, L1, 80));
	cr_assert(tw_port_in_use(&tab, 0, 80));
	cr_assert(!tw_port_in_use(&tab, L2, 80));
	cr_assert(tw_port_in_use(&tab, L2, 8080));
	cr_assert(tw_port_in_use(&tab, 0, 8080));
	cr_assert(!tw_port_in_use(&tab, L1, 8080));
	cr_assert(!tw_port_in_use(&tab, 0, 1000)); /* remote ports do not count */
	/* One local address per port: the slots answer, no record. */
	assert_eq_u(pool_in_use(&tab.ports), 0u);

	tw_remove(&tab, a);
	cr_assert(tw_port_in_use(&tab, L1, 80));
	cr_assert(tw_port_in_use(&tab, 0, 80));
	tw_remove(&tab, b);
	cr_assert(!tw_port_in_use(&tab, L1, 80));
	cr_assert(!tw_port_in_use(&tab, 0, 80));
	assert_eq_u(tw_expire(&tab, 10), 1u);
	cr_assert(!tw_port_in_use(&tab, 0, 8080));
	cr_assert(!tw_port_in_use(&tab, L2, 8080));
	(void)c;
}

#define L3 0x0a000003u

Test(timewait, port_with_several_local_addresses)
{
	struct tw_entry *a1 = insert(L1, 80, R1, 1000, 10);
	struct tw_entry *b = insert(L2, 80, R1, 1000, 10);   /* the port becomes mixed */
	struct tw_entry *a2 = insert(L1, 80, R2, 1000, 10);

	cr_assert(tw_port_in_use(&tab, L1, 80));
	cr_assert(tw_port_in_use(&tab, L2, 80));
	cr_assert(tw_port_in_use(&tab, 0, 80));
	cr_assert(!tw_port_in_use(&tab, L3, 80));
	assert_eq_u(pool_in_use(&tab.ports), 2u); /* (L1,80) counting 2, (L2,80) */
	tw_remove(&tab, b);
	cr_assert(!tw_port_in_use(&tab, L2, 80));
	cr_assert(tw_port_in_use(&tab, L1, 80));
	assert_eq_u(pool_in_use(&tab.ports), 1u);
	tw_remove(&tab, a1);
	cr_assert(tw_port_in_use(&tab, L1, 80));
	cr_assert(tw_port_in_use(&tab, 0, 80));
	tw_remove(&tab, a2);
	cr_assert(!tw_port_in_use(&tab, L1, 80));
	cr_assert(!tw_port_in_use(&tab, 0, 80));
	assert_eq_u(pool_in_use(&tab.ports), 0u);
	/* Empty again, the port takes a single address without a record. */
	insert(L3, 80, R1, 1000, 10);
	cr_assert(tw_port_in_use(&tab, L3, 80));
	cr_assert(!tw_port_in_use(&tab, L1, 80));
	assert_eq_u(pool_in_use(&tab.ports), 0u);
}

Test(timewait, second_address_on_a_port_without_memory_changes_nothing)
{
	struct tw_entry p = proto(L2, 80, R1, 1000);

	insert(L1, 80, R1, 1000, 10);        /* entry chunk and port page allocated */
	cnt.fail_after = 0;                  /* the record chunk (going mixed) fails */
	assert_eq_u(tw_insert(&tab, &p, 10, NULL), -ENOMEM);
	assert_eq_u(tw_count(&tab), 1u);
	assert_eq_u(pool_in_use(&tab.entries), 1u);
	assert_eq_u(pool_in_use(&tab.ports), 0u);
	cr_assert(tw_port_in_use(&tab, L1, 80));
	cr_assert(tw_port_in_use(&tab, 0, 80));
	cr_assert(!tw_port_in_use(&tab, L2, 80));
	cr_assert_null(tw_lookup(&tab, L2, 80, R1, 1000));
	cnt.fail_after = -1;
	assert_eq_u(tw_insert(&tab, &p, 10, NULL), 0);
	cr_assert(tw_port_in_use(&tab, L2, 80));
	assert_eq_u(tw_expire(&tab, 10), 2u);
	cr_assert(!tw_port_in_use(&tab, 0, 80));
	assert_eq_u(pool_in_use(&tab.ports), 0u);
}

/*
 * Random inserts and removals over 3 local addresses and ports on three pages, each
 * answer of tw_port_in_use compared with a count over the live entries.
 */
Test(timewait, port_answers_match_a_model)
{
	static const uint32_t addrs[3] = { L1, L2, L3 };
	static const uint16_t ports[4] = { 80, 81, 300, 65535 };
	enum { SLOTS = 48 }; /* (address, port, remote port) triples */
	struct tw_entry *live[SLOTS] = { 0 };
	uint32_t x = 12345;

	for (int step = 0; step < 4000; step++) {
		int i;

		x = x * 1103515245u + 12345u;
		i = (int)((x >> 8) % SLOTS);
		if (live[i]) {
			tw_remove(&tab, live[i]);
			live[i] = NULL;
		} else {
			live[i] = insert(addrs[i % 3], ports[(i / 3) % 4], R1, (uint16_t)(i / 12), 10);
		}
		for (int pi = 0; pi < 4; pi++) {
			bool any = false;

			for (int ai = 0; ai < 3; ai++) {
				bool want = false;

				for (int k = 0; k < SLOTS; k++)
					if (live[k] && k % 3 == ai && (k / 3) % 4 == pi)
						want = true;
				any = any || want;
				cr_assert_eq(tw_port_in_use(&tab, addrs[ai], ports[pi]), want,
					     "step %d addr %d port %u", step, ai, ports[pi]);
			}
			cr_assert_eq(tw_port_in_use(&tab, 0, ports[pi]), any, "step %d port %u",
				     step, ports[pi]);
			cr_assert(!tw_port_in_use(&tab, 0, (uint16_t)(ports[pi] - 1u)) ||
				  ports[pi] == 81);
		}
	}
}

Test(timewait, hundred_thousand_entries_no_leak)
{
	enum { N = 100000 };
	const uint64_t base = 1000000000ull;
	size_t expired = 0;

	for (uint32_t i = 0; i < N; i++) {
		struct tw_entry p = proto(L1 + (i % 3), (uint16_t)(80 + i % 7),
					  R1 + i / 1000, (uint16_t)(1024 + i % 1000));

		cr_assert_eq(tw_insert(&tab, &p, base + 10ull * i, NULL), 0, "insert %u", i);
	}
	assert_eq_u(tw_count(&tab), (size_t)N);
	assert_eq_u(pool_in_use(&tab.entries), (size_t)N);
	assert_eq_u(pool_in_use(&tab.ports), 3u * 7u); /* 7 ports, each on 3 addresses */
	for (uint32_t i = 0; i < N; i += 997) {
		struct tw_entry *e = tw_lookup(&tab, L1 + (i % 3), (uint16_t)(80 + i % 7),
					       R1 + i / 1000, (uint16_t)(1024 + i % 1000));

		cr_assert_not_null(e, "entry %u missing", i);
		assert_eq_u((uint64_t)e->deadline_ns, base + 10ull * i);
	}
	/* Expire in uneven steps; each step removes exactly the entries due. */
	for (uint64_t now = base - 1; expired < N; now += 12345) {
		uint64_t due = now < base ? 0 : (now - base) / 10 + 1;
		size_t want = (due > N ? N : (size_t)due) - expired;

		cr_assert_eq(tw_expire(&tab, now), want, "at %llu", (unsigned long long)now);
		expired += want;
		assert_eq_u(tw_count(&tab), (size_t)N - expired);
		if (expired < N)
			assert_eq_u(tw_next_deadline(&tab), base + 10ull * expired);
	}
	assert_eq_u(pool_in_use(&tab.entries), 0u);
	assert_eq_u(pool_in_use(&tab.ports), 0u);
	assert_eq_u(tw_next_deadline(&tab), UINT64_MAX);
	/* Warm: a second round allocates no new entry chunk. */
	size_t allocs = cnt.allocs;
	for (uint32_t i = 0; i < 1000; i++) {
		struct tw_entry p = proto(L1, 80, R2, (uint16_t)i);

		assert_eq_u(tw_insert(&tab, &p, 5, NULL), 0);
	}
	assert_eq_u(cnt.allocs, allocs);
	assert_eq_u(tw_expire(&tab, 5), 1000u);
}

/* ---- RFC 6191 §2 ------------------------------------------------------------------ */

static struct tw_entry old_incarnation(bool has_ts, uint32_t rcv_nxt, uint32_t ts_recent)
{
	struct tw_entry e;

	memset(&e, 0, sizeof(e));
	e.has_ts = has_ts;
	e.rcv_nxt = rcv_nxt; /* just past the peer's FIN, which was at rcv_nxt - 1 */
	e.ts_recent = ts_recent;
	return e;
}

Test(timewait_rfc6191, old_with_timestamps)
{
	struct tw_entry e = old_incarnation(true, 5000, 700);

	/* New uses TS: TSval newer wins whatever the sequence number. */
	cr_assert(tw_syn_may_reopen(&e, 100, true, 701));
	cr_assert(tw_syn_may_reopen(&e, 4999, true, 0x7fffffffu + 700u));
	/* TSval older: dropped even with a newer sequence number. */
	cr_assert(!tw_syn_may_reopen(&e, 9000, true, 699));
	/* TSval equal: the sequence number decides (greater than the FIN's, 4999). */
	cr_assert(tw_syn_may_reopen(&e, 5000, true, 700));
	cr_assert(tw_syn_may_reopen(&e, 5001, true, 700));
	cr_assert(!tw_syn_may_reopen(&e, 4999, true, 700));
	cr_assert(!tw_syn_may_reopen(&e, 10, true, 700));
	/* New without TS: the sequence number alone. */
	cr_assert(tw_syn_may_reopen(&e, 5000, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 4999, false, 999999));
}

Test(timewait_rfc6191, old_without_timestamps)
{
	struct tw_entry e = old_incarnation(false, 5000, 12345);

	/* New uses TS: honoured whatever the sequence number and TSval. */
	cr_assert(tw_syn_may_reopen(&e, 1, true, 0));
	cr_assert(tw_syn_may_reopen(&e, 4999, true, 12344));
	/* New without TS: SEG.SEQ > the FIN's sequence number (RCV.NXT - 1). */
	cr_assert(tw_syn_may_reopen(&e, 5000, false, 0));
	cr_assert(tw_syn_may_reopen(&e, 5000u + 0x7fffffffu - 1u, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 4999, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 1, false, 0));
	/* More than 2^31 ahead is behind in sequence space. */
	cr_assert(!tw_syn_may_reopen(&e, 5000u + 0x80000000u, false, 0));
}

Test(timewait_rfc6191, wrap_around)
{
	/* RCV.NXT just past the wrap: the FIN was at 0xffffffff. */
	struct tw_entry e = old_incarnation(false, 0, 0);

	cr_assert(tw_syn_may_reopen(&e, 0, false, 0));
	cr_assert(tw_syn_may_reopen(&e, 0x10, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 0xffffffffu, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 0xfffffff0u, false, 0));

	/* Sequence numbers across the wrap. */
	e = old_incarnation(false, 0xfffffff0u, 0);
	cr_assert(tw_syn_may_reopen(&e, 0x10, false, 0));
	cr_assert(tw_syn_may_reopen(&e, 0xfffffff0u, false, 0));
	cr_assert(!tw_syn_may_reopen(&e, 0xffffffefu, false, 0));

	/* Timestamps across the wrap (RFC 7323 §5.2 modular comparison). */
	e = old_incarnation(true, 5000, 0xfffffff0u);
	cr_assert(tw_syn_may_reopen(&e, 1, true, 0x10));          /* newer after wrap */
	cr_assert(!tw_syn_may_reopen(&e, 9000, true, 0xffffffe0u)); /* older */
	e = old_incarnation(true, 5000, 0x10);
	cr_assert(!tw_syn_may_reopen(&e, 9000, true, 0xfffffff0u)); /* before the wrap: older */
	cr_assert(tw_syn_may_reopen(&e, 1, true, 0x11));
}

/* SipHash-2-4's 128-bit output for the 4-tuple (isn.h tcp_tuple_prf's input: laddr,
 * lport, raddr, rport big-endian), computed here through libsodium: out[0] = bytes 0..7,
 * out[1] = bytes 8..15, little-endian. */
static void prf_ref(const uint32_t t[4], uint64_t out[2])
{
	uint8_t in[12] = { (uint8_t)(t[0] >> 24), (uint8_t)(t[0] >> 16), (uint8_t)(t[0] >> 8),
			   (uint8_t)t[0], (uint8_t)(t[1] >> 8), (uint8_t)t[1],
			   (uint8_t)(t[2] >> 24), (uint8_t)(t[2] >> 16), (uint8_t)(t[2] >> 8),
			   (uint8_t)t[2], (uint8_t)(t[3] >> 8), (uint8_t)t[3] };
	unsigned char h[crypto_shorthash_siphashx24_BYTES];

	crypto_shorthash_siphashx24(h, in, sizeof in, KEY);
	out[0] = out[1] = 0;
	for (int i = 7; i >= 0; i--) {
		out[0] = out[0] << 8 | h[i];
		out[1] = out[1] << 8 | h[8 + i];
	}
}

/*
 * tw_hash and tw_isn_half remember the last 4-tuple: whatever order 4-tuples come in
 * (runs of one, alternation, the all-zero 4-tuple the memo starts with, one function
 * then the other), each value equals its part of SipHash-2-4's 128-bit output under the
 * key (tw_hash bits 64..95, tw_isn_half bits 0..63), computed here directly.
 */
Test(timewait, hash_memo_equals_siphash_in_any_order)
{
	static const uint32_t tuples[][4] = {
		{ 0, 0, 0, 0 },                       /* the memo's initial 4-tuple */
		{ 0x0a000001u, 80, 0x0a000002u, 40000 },
		{ 0x0a000001u, 80, 0x0a000002u, 40001 }, /* only rport differs */
		{ 0x0a000001u, 81, 0x0a000002u, 40000 }, /* only lport */
		{ 0x0a000003u, 80, 0x0a000002u, 40000 }, /* only laddr */
		{ 0x0a000001u, 80, 0x0a000004u, 40000 }, /* only raddr */
	};
	static const int order[] = { 0, 1, 1, 1, 2, 1, 2, 2, 3, 4, 5, 0, 0, 5, 1, 0, 3, 3 };
	static const int isn_first[] = { 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1 };

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const uint32_t *t = tuples[order[i]];
		uint64_t ref[2];
		uint64_t half;
		uint32_t h;

		prf_ref(t, ref);
		if (isn_first[i]) {
			half = tw_isn_half(&tab, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3]);
			h = tw_hash(&tab, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3]);
		} else {
			h = tw_hash(&tab, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3]);
			half = tw_isn_half(&tab, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3]);
		}
		cr_assert_eq(h, (uint32_t)ref[1], "step %zu (4-tuple %d): hash 0x%08x, want 0x%08x",
			     i, order[i], h, (uint32_t)ref[1]);
		cr_assert_eq(half, ref[0], "step %zu (4-tuple %d): isn half 0x%016llx, want 0x%016llx",
			     i, order[i], (unsigned long long)half, (unsigned long long)ref[0]);
	}
	/* tw_lookup hashes without the memo: the same function */
	{
		struct tw_entry p = { .laddr = 0x0a000001u, .lport = 80, .raddr = 0x0a000002u,
				      .rport = 40000 };

		assert_eq_u(tw_insert(&tab, &p, 1000, NULL), 0);
		cr_assert_not_null(tw_lookup(&tab, 0x0a000001u, 80, 0x0a000002u, 40000));
		cr_assert_not_null(tw_lookup_hashed(&tab, tw_hash(&tab, 0x0a000001u, 80,
								  0x0a000002u, 40000),
						    0x0a000001u, 80, 0x0a000002u, 40000));
	}
	/* distinct 4-tuples got distinct hashes here (a memo returning a stale value
	 * would have repeated one) */
	for (size_t a = 0; a < 6; a++)
		for (size_t b = a + 1; b < 6; b++)
			cr_assert_neq(tw_hash(&tab, tuples[a][0], (uint16_t)tuples[a][1],
					      tuples[a][2], (uint16_t)tuples[a][3]),
				      tw_hash(&tab, tuples[b][0], (uint16_t)tuples[b][1],
					      tuples[b][2], (uint16_t)tuples[b][3]),
				      "4-tuples %zu and %zu", a, b);
}
