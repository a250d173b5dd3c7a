/*
 * test_transfer_ecn.c — ECN end to end in the simulator (RFC 3168; src/tcp/ecn.c, the
 * link's CE marking in src/sim/link.c): one flow of 8 MiB through a 20 Mbit/s, 20 ms
 * link whose 100-packet queue marks ECT packets CE once 20 packets wait ahead of them
 * (a step AQM). With ECN negotiated the queue never overflows: congestion is signalled
 * by CE marks only, the sender reduces cwnd on ECE without retransmitting anything and
 * sends CWR. The same run without ECN (the link leaves not-ECT packets alone) fills
 * the queue: tail drops and retransmissions — so the ECN run's zero is not an accident
 * of the parameters.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "synack/transfer.h"
#include "plain_alloc.h"

static struct synack_transfer_result *run(bool ecn, const char *cc)
{
	struct synack_transfer_config c = {0};
	struct synack_transfer_result *res = calloc(1, sizeof(*res));
	int rc;

	cr_assert_not_null(res);
	c.bytes = 8u << 20;
	c.rtt_ns = 20000000ull;
	c.bandwidth_bps = 20000000ull;
	c.queue_pkts = 100;
	c.ecn = ecn;
	c.ecn_mark_pkts = 20;
	c.cc = cc;
	c.seed = 5;
	c.env.alloc = plain_alloc;
	c.env.free = plain_free;
	rc = synack_transfer_run(&c, res);
	cr_assert_eq(res->error, 0, "setup failed: %s (%d)", res->what, res->error);
	fprintf(stderr, "%s ecn=%d: %.3f s, CE %llu, ECE %llu, reductions %llu, CWR %llu, "
		"queue drops %llu, retrans %llu\n", cc, ecn, (double)res->duration_ns / 1e9,
		(unsigned long long)res->ce_marked, (unsigned long long)res->ece_in,
		(unsigned long long)res->ecn_reductions, (unsigned long long)res->cwr_out,
		(unsigned long long)res->fate[SYNACK_SIM_DROP_QUEUE],
		(unsigned long long)res->retrans);
	cr_assert_eq(rc, 0, "run returned %d", rc);
	cr_assert(res->flow[0].sha_equal);
	return res;
}

static void check_ecn_replaces_loss(const char *cc)
{
	struct synack_transfer_result *res = run(true, cc);

	cr_assert_gt(res->ce_marked, 0);
	cr_assert_geq(res->ece_in, res->ecn_reductions);
	cr_assert_gt(res->ecn_reductions, 0, "cwnd never reduced");
	cr_assert_gt(res->cwr_out, 0);
	cr_assert_leq(res->cwr_out, res->ecn_reductions);
	cr_assert_eq(res->fate[SYNACK_SIM_DROP_QUEUE], 0, "queue overflowed %llu times",
		     (unsigned long long)res->fate[SYNACK_SIM_DROP_QUEUE]);
	cr_assert_eq(res->retrans, 0, "%llu retransmissions", (unsigned long long)res->retrans);
	free(res);
	res = run(false, cc);
	cr_assert_eq(res->ce_marked, 0);
	cr_assert_eq(res->ecn_reductions, 0);
	cr_assert_gt(res->fate[SYNACK_SIM_DROP_QUEUE], 0);
	cr_assert_gt(res->retrans, 0);
	free(res);
}

Test(transfer_ecn, cubic_ce_marks_instead_of_drops, .timeout = 300)
{
	check_ecn_replaces_loss("cubic");
}

Test(transfer_ecn, reno_ce_marks_instead_of_drops, .timeout = 300)
{
	check_ecn_replaces_loss("reno");
}
