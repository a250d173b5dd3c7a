/* test_tcp_rcv_wscale.c — tcp_rcv_wscale (rcvbuf.c) without its loop: the window
 * shift is the smallest s <= 14 with 65535 << s >= the buffer cap (RFC 7323 §2.3,
 * Linux tcp_select_initial_window), checked against that definition, written as the
 * plain search, for every cap at and around each 65535 << s and 65536 << s boundary, a
 * spread of others and the extremes, and for the knobs that pick the cap. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tcp/rcvbuf.h"
#include "tcp/tcb.h"

static uint8_t by_search(uint32_t cap)
{
	uint8_t s = 0;

	while (s < 14 && ((uint64_t)65535 << s) < cap)
		s++;
	return s;
}

static struct tcp_stack *new_stack(void)
{
	struct tcp_stack *ts = calloc(1, sizeof *ts);

	cr_assert_not_null(ts);
	ts->cfg.window_scaling = 1;
	ts->cfg.moderate_rcvbuf = 0;    /* the cap is opt.rcvbuf */
	return ts;
}

static void check(struct tcp_stack *ts, uint32_t cap)
{
	struct tcp_sockopts opt = { .rcvbuf = cap };

	cr_assert_eq(tcp_rcv_wscale(ts, &opt), by_search(cap), "cap %u: %u, the search %u",
		     cap, tcp_rcv_wscale(ts, &opt), by_search(cap));
}

Test(tcp_rcv_wscale, equals_the_search_at_every_boundary)
{
	struct tcp_stack *ts = new_stack();
	uint64_t x = 1;

	for (uint32_t s = 0; s <= 16; s++) {
		uint32_t edges[2] = { (uint32_t)(65535ull << s), (uint32_t)(65536ull << s) - 1 };

		for (int e = 0; e < 2; e++)
			for (int64_t d = -3; d <= 3; d++)
				check(ts, (uint32_t)((int64_t)edges[e] + d));
	}
	for (uint32_t cap = 0; cap < 300000; cap++)
		check(ts, cap);
	for (int i = 0; i < 200000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		check(ts, (uint32_t)(x >> 32) >> (x & 31));
	}
	check(ts, UINT32_MAX);
	check(ts, UINT32_MAX - 65535);
	/* the named values: Linux's defaults (rmem_max 6 MiB: 7), 131072 (2), 65535 (0) */
	cr_assert_eq(by_search(6u << 20), 7);
	cr_assert_eq(by_search(131072), 2);
	cr_assert_eq(by_search(65535), 0);
	cr_assert_eq(by_search(65536), 1);
	free(ts);
}

Test(tcp_rcv_wscale, knobs_choose_the_cap)
{
	struct tcp_stack *ts = new_stack();
	struct tcp_sockopts opt = { .rcvbuf = 131072 };

	ts->cfg.rmem_max = 6u << 20;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 2);      /* moderate_rcvbuf 0: the buffer */
	ts->cfg.moderate_rcvbuf = 1;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 7);      /* autotuning's cap */
	opt.rcvbuf_locked = true;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 2);      /* SO_RCVBUF fixed it */
	ts->cfg.window_scaling = 0;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 0);
	free(ts);
}
