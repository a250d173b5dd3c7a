/*
 * test_transfer_fairness.c — competing flows on one bottleneck converge to a fair share
 * (issue 4): 2 and 10 flows from one stack to another through one 100 Mbit/s link with a
 * queue of one bandwidth-delay product (RTT 20 ms: 167 packets of 1500 bytes), flow i
 * starting at i seconds, 60 s in all; Jain's fairness index over the bytes each flow
 * received from 30 s to 60 s must be >= 0.9, with CUBIC and with NewReno (both stacks'
 * cfg.congestion_control; SACK on as by default, and NewReno once more with SACK off,
 * which runs RFC 6582 fast recovery with window inflation). The link must also be used,
 * at least 80 % of its rate over that window, so flows that are all equally starved
 * cannot pass as "fair". (With reassembly, SACK recovery and NewReno inflation, all
 * five runs use 96.5 % of the link, i.e. all of it: 1448 payload octets per 1500-byte
 * packet; Jain's index is 0.993-1.000.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "synack/transfer.h"
#include "plain_alloc.h"

#define BW 100000000ull
#define SEC 1000000000ull

static void run_fairness(const char *cc, uint32_t flows, uint64_t seed, bool no_sack)
{
	struct synack_transfer_config c = {0};
	struct synack_transfer_result *res = calloc(1, sizeof(*res));
	double window_s = 30, used = 0;
	int rc;

	cr_assert_not_null(res);
	c.flows = flows;
	c.rtt_ns = 20000000ull;
	c.bandwidth_bps = BW;
	c.queue_pkts = 167;                  /* one BDP: 100 Mbit/s x 20 ms / 1500 B */
	c.buf_bytes = 4u << 20;
	c.cc = cc;
	c.seed = seed;
	c.stagger_ns = SEC;
	c.measure_from_ns = 30 * SEC;
	c.run_for_ns = 60 * SEC;
	c.no_hash = true;
	c.no_sack = no_sack;
	c.env.alloc = plain_alloc;
	c.env.free = plain_free;
	rc = synack_transfer_run(&c, res);
	cr_assert_eq(res->error, 0, "setup failed: %s (%d)", res->what, res->error);
	cr_assert(res->cc_applied, "%s was not given to the stacks", cc);
	for (uint32_t i = 0; i < flows; i++) {
		fprintf(stderr, "%s x%u flow %u: %.2f Mbit/s over 30..60 s, errors %d/%d\n", cc,
			flows, i, (double)res->flow[i].window_bytes * 8 / window_s / 1e6,
			res->flow[i].sender_error, res->flow[i].receiver_error);
		used += (double)res->flow[i].window_bytes * 8 / window_s;
		cr_assert_eq(res->flow[i].sender_error, 0, "flow %u: sender error %d", i,
			     res->flow[i].sender_error);
		cr_assert_eq(res->flow[i].receiver_error, 0, "flow %u: receiver error %d", i,
			     res->flow[i].receiver_error);
	}
	fprintf(stderr, "%s x%u: Jain %.4f, link used %.1f %%, retrans %lld\n", cc, flows,
		res->jain_index, used * 100 / (double)BW, (long long)res->retrans);
	cr_assert_eq(rc, 0, "run returned %d", rc);
	cr_assert_geq(res->jain_index, 0.9, "%s with %u flows: Jain's index %.4f < 0.9", cc,
		      flows, res->jain_index);
	cr_assert_geq(used, 0.8 * (double)BW, "%s with %u flows: link used %.1f %%", cc, flows,
		      used * 100 / (double)BW);
	free(res);
}

Test(transfer_fairness, cubic_2_flows, .timeout = 300)
{
	run_fairness("cubic", 2, 71, false);
}

Test(transfer_fairness, cubic_10_flows, .timeout = 300)
{
	run_fairness("cubic", 10, 72, false);
}

Test(transfer_fairness, newreno_2_flows, .timeout = 300)
{
	run_fairness("newreno", 2, 73, false);
}

Test(transfer_fairness, newreno_10_flows, .timeout = 300)
{
	run_fairness("newreno", 10, 74, false);
}

/* Without SACK: NewReno fast recovery (RFC 6582) with window inflation */
Test(transfer_fairness, newreno_nosack_10_flows, .timeout = 300)
{
	run_fairness("newreno", 10, 75, true);
}
