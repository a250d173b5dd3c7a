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

/* A stack (only its configuration set: tcp_stack_set_cfg, as every stack's) with
 * window scaling on and the buffer as the cap (moderate_rcvbuf off) */
static struct tcp_stack *new_stack(struct synack_config *cfg)
{
	struct tcp_stack *ts = calloc(1, sizeof *ts);

	cr_assert_not_null(ts);
	synack_config_default(cfg);
	cfg->window_scaling = 1;
	cfg->moderate_rcvbuf = 0;       /* the cap is opt.rcvbuf */
	tcp_stack_set_cfg(ts, cfg);
	return ts;
}

static void check(struct tcp_stack *ts, uint32_t cap)
{
	struct tcp_sockopts opt = { .rcvbuf = cap };

	cr_assert_eq(tcp_rcv_wscale(ts, &opt), by_search(cap), "cap %u: %u, the search %u",
		     cap, tcp_rcv_wscale(ts, &opt), by_search(cap));
	cr_assert_eq(tcp_rcv_wscale_of(&ts->cfg, &opt), by_search(cap));
}

Test(tcp_rcv_wscale, equals_the_search_at_every_boundary)
{
	struct synack_config cfg;
	struct tcp_stack *ts = new_stack(&cfg);
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

/* The default options' shift is kept in ts->dflt (tcb.h tcp_rcv_wscale): opt here has
 * the default buffer (cfg.rmem_default, 131072), so each answer after a change of the
 * configuration is the kept one, which must follow the change. */
Test(tcp_rcv_wscale, knobs_choose_the_cap)
{
	struct synack_config cfg;
	struct tcp_stack *ts = new_stack(&cfg);
	struct tcp_sockopts opt = ts->dflt.opt;

	cr_assert_eq(opt.rcvbuf, 131072);
	cfg.rmem_max = 6u << 20;
	tcp_stack_set_cfg(ts, &cfg);
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 2);      /* moderate_rcvbuf 0: the buffer */
	cfg.moderate_rcvbuf = 1;
	tcp_stack_set_cfg(ts, &cfg);
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 7);      /* autotuning's cap */
	opt.rcvbuf_locked = true;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 2);      /* SO_RCVBUF fixed it */
	cfg.window_scaling = 0;
	tcp_stack_set_cfg(ts, &cfg);
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 0);
	opt.rcvbuf_locked = false;
	cr_assert_eq(tcp_rcv_wscale(ts, &opt), 0);
	free(ts);
}

/* The kept answer is tcp_rcv_wscale_of's for the default options under every mix of
 * the knobs it reads, default buffers at and around the shift boundaries included. */
Test(tcp_rcv_wscale, kept_default_equals_the_computation)
{
	struct synack_config cfg;
	struct tcp_stack *ts = new_stack(&cfg);
	const uint32_t bufs[] = { 1, 4096, 65535, 65536, 131071, 131072, 131073, 1u << 20,
				  (6u << 20) + 1, UINT32_MAX };
	unsigned n = 0;

	for (int ws = 0; ws < 2; ws++)
		for (int mod = 0; mod < 2; mod++)
			for (unsigned b = 0; b < sizeof bufs / sizeof bufs[0]; b++)
				for (unsigned m = 0; m < sizeof bufs / sizeof bufs[0]; m++) {
					struct tcp_sockopts opt;

					cfg.window_scaling = (uint32_t)ws;
					cfg.moderate_rcvbuf = (uint32_t)mod;
					cfg.rmem_default = bufs[b];
					cfg.rmem_max = bufs[m];
					tcp_stack_set_cfg(ts, &cfg);
					opt = ts->dflt.opt;
					cr_assert_eq(opt.rcvbuf, bufs[b]);
					cr_assert_eq(tcp_rcv_wscale(ts, &opt),
						     tcp_rcv_wscale_of(&cfg, &opt),
						     "ws %d mod %d rmem_default %u rmem_max %u", ws,
						     mod, bufs[b], bufs[m]);
					n += tcp_rcv_wscale(ts, &opt) != 0;
				}
	cr_assert_gt(n, 20);    /* non-zero shifts among them, not only the off case */
	free(ts);
}
