/*
 * test_io_fault.c — the loop's fault injector (src/io/fault.c), the netem substitute:
 * the --fault spec parser (exact fields, every error message), and the injector's fates:
 * exact release times of delayed packets, FIFO order at equal times, jitter bounds,
 * reorder skipping the delay, the limit's tail drop, dup and loss rates within binomial
 * bounds, the same fates for the same seed and per-direction independence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/io_int.h"

#define MS 1000000ull
#define RX SYNACK_LOOP_RX
#define TX SYNACK_LOOP_TX

static struct synack_fault_opts parse_ok(const char *spec)
{
	struct synack_fault_opts o;
	char err[200] = "";
	int rc = synack_fault_parse(spec, &o, err, sizeof err);

	cr_assert_eq(rc, 0, "parse '%s': %d %s", spec, rc, err);
	return o;
}

static void parse_bad(const char *spec, const char *want)
{
	struct synack_fault_opts o;
	char err[200] = "";
	int rc = synack_fault_parse(spec, &o, err, sizeof err);

	cr_assert_eq(rc, -EINVAL, "parse '%s': rc %d, want -EINVAL", spec, rc);
	cr_assert_str_eq(err, want, "parse '%s': message '%s', want '%s'", spec, err, want);
}

Test(io_fault, parse_every_key)
{
	struct synack_fault_opts o =
		parse_ok("loss=5%,delay=20ms,jitter=1500us,reorder=10%,dup=0.5,seed=42,dir=rx,limit=7");

	cr_assert_eq(o.loss_ppm, 50000u, "loss %u", o.loss_ppm);
	cr_assert_eq(o.delay_us, 20000u, "delay %u", o.delay_us);
	cr_assert_eq(o.jitter_us, 1500u, "jitter %u", o.jitter_us);
	cr_assert_eq(o.reorder_ppm, 100000u, "reorder %u", o.reorder_ppm);
	cr_assert_eq(o.dup_ppm, 5000u, "dup %u", o.dup_ppm);
	cr_assert_eq(o.seed, 42u, "seed %llu", (unsigned long long)o.seed);
	cr_assert_eq(o.dirs, 1u << RX, "dirs %u", o.dirs);
	cr_assert_eq(o.limit, 7u, "limit %u", o.limit);

	o = parse_ok("loss=0.0001%");
	cr_assert_eq(o.loss_ppm, 1u, "loss %u", o.loss_ppm);
	cr_assert_eq(o.seed, 1u, "default seed %llu", (unsigned long long)o.seed);
	cr_assert_eq(o.dirs, 0u, "default dirs %u", o.dirs);
	o = parse_ok("loss=100%,delay=1s,dir=tx,seed=18446744073709551615");
	cr_assert_eq(o.loss_ppm, 1000000u, "loss %u", o.loss_ppm);
	cr_assert_eq(o.delay_us, 1000000u, "delay %u", o.delay_us);
	cr_assert_eq(o.dirs, 1u << TX, "dirs %u", o.dirs);
	cr_assert_eq(o.seed, UINT64_MAX, "seed");
	o = parse_ok("dir=both,dup=1%");
	cr_assert_eq(o.dirs, 1u << RX | 1u << TX, "dirs %u", o.dirs);
}

Test(io_fault, parse_errors_are_named)
{
	parse_bad("", "empty fault spec");
	parse_bad("lose=5%", "'lose=5%': unknown key (loss, dup, reorder, delay, jitter, limit, seed, dir)");
	parse_bad("loss", "'loss': expected KEY=VALUE");
	parse_bad("loss=101%", "'loss=101%': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("loss=100.5%", "'loss=100.5%': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("loss=0.00001%", "'loss=0.00001%': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("loss=-1%", "'loss=-1%': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("loss=%", "'loss=%': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("delay=20", "'delay=20': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("delay=61s", "'delay=61s': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("dir=up", "'dir=up': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("limit=0", "'limit=0': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("seed=18446744073709551616",
		  "'seed=18446744073709551616': bad value (percent 0..100, time with us/ms/s)");
	parse_bad("loss=5%,", "trailing comma");
	parse_bad("loss=5%,,dup=1%", "'': expected KEY=VALUE");
	parse_bad("reorder=10%", "reorder needs a delay");
	parse_bad("jitter=1ms", "jitter needs a delay");
}

static uint8_t pkt_of(unsigned i, uint8_t buf[8])
{
	for (int k = 0; k < 8; k++)
		buf[k] = (uint8_t)(i >> (k * 3));
	return buf[0];
}

Test(io_fault, delay_is_exact_and_fifo)
{
	struct synack_fault_opts o = parse_ok("delay=20ms");
	struct io_fault *f = io_fault_new(&o);
	struct synack_loop_stats st = { 0 };
	enum synack_loop_dir dir;
	const uint8_t *p;
	size_t len;
	uint8_t b[8];

	for (unsigned i = 0; i < 5; i++) {
		pkt_of(i, b);
		cr_assert_eq(io_fault_admit(f, i % 2 ? TX : RX, 1000 * MS, b, sizeof b, &st), 0u,
			     "packet %u passed at once", i);
	}
	cr_assert_eq(st.rx_fault_delayed, 3u, "rx delayed %llu", (unsigned long long)st.rx_fault_delayed);
	cr_assert_eq(st.tx_fault_delayed, 2u, "tx delayed %llu", (unsigned long long)st.tx_fault_delayed);
	cr_assert_eq(io_fault_deadline(f), 1020 * MS, "deadline %llu", (unsigned long long)io_fault_deadline(f));
	cr_assert(!io_fault_pop(f, 1020 * MS - 1, &dir, &p, &len), "released before its time");
	for (unsigned i = 0; i < 5; i++) {
		uint8_t want[8];

		pkt_of(i, want);
		cr_assert(io_fault_pop(f, 1020 * MS, &dir, &p, &len), "packet %u not released", i);
		cr_assert_eq(len, sizeof want, "len %zu", len);
		cr_assert_eq(memcmp(p, want, sizeof want), 0, "packet %u: other bytes (order)", i);
		cr_assert_eq(dir, i % 2 ? TX : RX, "packet %u: dir %d", i, dir);
	}
	cr_assert(!io_fault_pop(f, UINT64_MAX, &dir, &p, &len), "a sixth packet");
	cr_assert_eq(io_fault_deadline(f), UINT64_MAX, "deadline after all released");
	io_fault_free(f);
}

Test(io_fault, jitter_bounds_and_time_order)
{
	struct synack_fault_opts o = parse_ok("delay=10ms,jitter=4ms,seed=7");
	struct io_fault *f = io_fault_new(&o);
	struct synack_loop_stats st = { 0 };
	enum synack_loop_dir dir;
	const uint8_t *p;
	size_t len;
	uint64_t last = 0, lo = UINT64_MAX, hi = 0;
	uint8_t b[8];

	for (unsigned i = 0; i < 900; i++)
		io_fault_admit(f, RX, 0, &(uint8_t){ pkt_of(i, b) }, 1, &st);
	for (uint64_t t = 0; t <= 20 * MS; t += 100000) {
		while (io_fault_pop(f, t, &dir, &p, &len)) {
			cr_assert(t >= last, "released out of time order");
			last = t;
			lo = t < lo ? t : lo;
			hi = t > hi ? t : hi;
		}
	}
	/* 100 µs polling: releases fall in [6 ms, 14 ms] rounded up to the poll step */
	cr_assert(lo >= 6 * MS && lo <= 6 * MS + 200000, "earliest release %llu ns", (unsigned long long)lo);
	cr_assert(hi >= 14 * MS - 200000 && hi <= 14 * MS, "latest release %llu ns", (unsigned long long)hi);
	cr_assert_eq(st.rx_fault_delayed, 900u, "delayed %llu", (unsigned long long)st.rx_fault_delayed);
	io_fault_free(f);
}

Test(io_fault, reorder_skips_the_delay_and_limit_drops)
{
	struct synack_fault_opts o = parse_ok("delay=5ms,reorder=100%");
	struct io_fault *f = io_fault_new(&o);
	struct synack_loop_stats st = { 0 };
	uint8_t b[1] = { 0 };

	for (int i = 0; i < 10; i++)
		cr_assert_eq(io_fault_admit(f, TX, 0, b, 1, &st), 1u, "reordered copy held");
	cr_assert_eq(st.tx_fault_reordered, 10u, "reordered %llu", (unsigned long long)st.tx_fault_reordered);
	cr_assert_eq(io_fault_deadline(f), UINT64_MAX, "something held");
	io_fault_free(f);

	o = parse_ok("delay=5ms,limit=3");
	f = io_fault_new(&o);
	memset(&st, 0, sizeof st);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(io_fault_admit(f, RX, 0, b, 1, &st), 0u, "passed at once");
	/* the limit is per direction: TX still has room */
	cr_assert_eq(io_fault_admit(f, TX, 0, b, 1, &st), 0u, "passed at once");
	cr_assert_eq(st.rx_fault_delayed, 3u, "rx delayed %llu", (unsigned long long)st.rx_fault_delayed);
	cr_assert_eq(st.rx_fault_lost, 2u, "rx tail drops %llu", (unsigned long long)st.rx_fault_lost);
	cr_assert_eq(st.tx_fault_delayed, 1u, "tx delayed %llu", (unsigned long long)st.tx_fault_delayed);
	io_fault_free(f);
}

Test(io_fault, certain_loss_and_no_faults)
{
	struct synack_fault_opts o = parse_ok("loss=100%");
	struct io_fault *f = io_fault_new(&o);
	struct synack_loop_stats st = { 0 };
	uint8_t b[1] = { 0 };

	for (int i = 0; i < 1000; i++)
		cr_assert_eq(io_fault_admit(f, RX, 0, b, 1, &st), 0u, "a copy survived");
	cr_assert_eq(st.rx_fault_lost, 1000u, "lost %llu", (unsigned long long)st.rx_fault_lost);
	io_fault_free(f);

	o = parse_ok("seed=3");
	f = io_fault_new(&o);
	memset(&st, 0, sizeof st);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(io_fault_admit(f, TX, 0, b, 1, &st), 1u, "not exactly one copy");
	cr_assert(!memcmp(&st, &(struct synack_loop_stats){ 0 }, sizeof st), "a counter moved");
	io_fault_free(f);
}

/* Loss 5 % and dup 1 % over 200 000 packets: within 5 standard deviations of the mean. */
Test(io_fault, rates_match_the_spec)
{
	struct synack_fault_opts o = parse_ok("loss=5%,dup=1%,seed=99");
	struct io_fault *f = io_fault_new(&o);
	struct synack_loop_stats st = { 0 };
	uint64_t copies = 0;
	uint8_t b[1] = { 0 };

	for (int i = 0; i < 200000; i++)
		copies += io_fault_admit(f, RX, 0, b, 1, &st);
	/* sd = sqrt(n p (1-p)): 97.5 for 5 %, 44.5 for 1 % */
	cr_assert(st.rx_fault_lost > 10000 - 490 && st.rx_fault_lost < 10000 + 490,
		  "lost %llu of 200000", (unsigned long long)st.rx_fault_lost);
	cr_assert(st.rx_fault_dup > 2000 - 225 && st.rx_fault_dup < 2000 + 225,
		  "duplicated %llu of 200000", (unsigned long long)st.rx_fault_dup);
	cr_assert_eq(copies, 200000 + st.rx_fault_dup - st.rx_fault_lost, "copies %llu",
		     (unsigned long long)copies);
	io_fault_free(f);
}

/* The fates of a direction's packets depend on the seed and that direction only. */
Test(io_fault, same_seed_same_fates_per_direction)
{
	struct synack_fault_opts o = parse_ok("loss=20%,dup=20%,seed=5");
	struct synack_fault_opts o2 = parse_ok("loss=20%,dup=20%,seed=6");
	struct io_fault *a = io_fault_new(&o), *b = io_fault_new(&o), *c = io_fault_new(&o2);
	struct synack_loop_stats st = { 0 };
	uint8_t x[1] = { 0 };
	int differ = 0;

	for (int i = 0; i < 5000; i++) {
		unsigned fa = io_fault_admit(a, RX, 0, x, 1, &st);
		unsigned fb, fc;

		/* b sees TX traffic in between; its RX fates must not change */
		for (int k = 0; k < i % 3; k++)
			io_fault_admit(b, TX, 0, x, 1, &st);
		fb = io_fault_admit(b, RX, 0, x, 1, &st);
		fc = io_fault_admit(c, RX, 0, x, 1, &st);
		cr_assert_eq(fa, fb, "packet %d: %u copies vs %u with the same seed", i, fa, fb);
		differ += fa != fc;
	}
	cr_assert(differ > 1000, "seed 6 gave the same fates as seed 5 (%d differences)", differ);
	io_fault_free(a);
	io_fault_free(b);
	io_fault_free(c);
}
