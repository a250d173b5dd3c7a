/* test_scenario_s19.c — S19 isn (Stevens §18.2.3, seeds/004 §1.3; RFC 6528 §3, RFC 9293
 * §3.4.1): ISN = M + F(4-tuple, secret), M a 4 us clock. Port 40000 at 1 ms and again at
 * 1.001 s: the ISNs differ by exactly 1 s / 4 us = 250000 (same F); port 40001 at
 * 1.001 s: F differs. B's ISNs obey the same rule. Another seed (another secret):
 * other ISNs, the same differences. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

static uint32_t f_of(const struct synack_sc_entry *e)
{
	return e->seq - (uint32_t)(e->t_ns / 4000u);
}

static void check_isns(uint64_t seed)
{
	struct synack_sc_run *run = run_scenario("S19", seed);
	/* 1: A SYN 40000 @1ms; 2: B SYN,ACK; 3: ACK; 4: RST; 5: A SYN 40001; 6: A SYN 40000
	 * @1.001 s; 7, 8: B's SYN,ACKs to 40001 and 40000. */
	const struct synack_sc_entry *a1 = segment_nth(run, 1), *b1 = segment_nth(run, 2);
	const struct synack_sc_entry *a2 = segment_nth(run, 5), *a3 = segment_nth(run, 6);
	const struct synack_sc_entry *b2 = segment_nth(run, 7), *b3 = segment_nth(run, 8);

	cr_assert_eq(a1->tcp_flags, F_SYN);
	cr_assert_eq(a1->sport, 40000);
	cr_assert_eq(a2->sport, 40001);
	cr_assert_eq(a3->sport, 40000);
	cr_assert_eq(a3->t_ns, 1001 * MSEC);
	cr_assert_eq(b2->dport, 40001);
	cr_assert_eq(b3->dport, 40000);
	cr_assert_eq(a3->seq - a1->seq, 250000u, "A: %u", a3->seq - a1->seq);
	cr_assert_eq(b3->seq - b1->seq, 250000u, "B: %u", b3->seq - b1->seq);
	cr_assert_eq(f_of(a1), f_of(a3));
	cr_assert_neq(f_of(a1), f_of(a2));
	cr_assert_neq(f_of(b1), f_of(b2));
	cr_assert_neq(a2->seq, a3->seq);
	/* the second 40000 connection completes on both ends */
	check_call(run, HB, "accept", 3, 1011 * MSEC + 20 * MSEC, 2);
	check_call(run, HB, "accept", 5, 1031 * MSEC, 3);
	cr_assert_str_eq(call_of(run, HB, "accept", 5)->text, "accept(0) from 10.0.0.1:40000");
	cr_assert_eq(arrival_nth(run, 10)->state, ESTAB);
	synack_sc_run_free(run);
}

Test(scenario, S19_isn_clock_plus_keyed_hash)
{
	struct synack_sc_run *r1 = run_scenario("S19", 1), *r2 = run_scenario("S19", 2);

	check_isns(1);
	check_isns(2);
	cr_assert_neq(segment_nth(r1, 1)->seq, segment_nth(r2, 1)->seq);
	synack_sc_run_free(r1);
	synack_sc_run_free(r2);
}
