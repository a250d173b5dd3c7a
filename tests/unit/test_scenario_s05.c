/* test_scenario_s05.c — S05 connect-timeout (Stevens §18.3; RFC 6298 (2.1), (5.5); RFC
 * 9293 MUST-23): the link is down; the SYN is sent at 0 and retransmitted at 1, 3, 7, 15,
 * 31, 63 and 127 s (RTO 1 s doubling, syn_retries = 7) and connect fails with ETIMEDOUT
 * when the 8th wait (128 s) ends, at 255 s — over 3 minutes in all, as synack.h's
 * syn_retries comment states. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S05_syn_backoff_then_etimedout)
{
	struct synack_sc_run *run = run_scenario("S05", 1);
	const uint64_t at_s[8] = {0, 1, 3, 7, 15, 31, 63, 127};
	struct want_seg want[8];
	const struct synack_sc_entry *e;

	for (int i = 0; i < 8; i++)
		want[i] = (struct want_seg){at_s[i] * SEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 0, NONE};
	check_segments(run, want, 8);
	check_call(run, HA, "connect", 1, 0, -EINPROGRESS);
	e = event_of(run, HA, SYNACK_EV_ERROR);
	cr_assert_eq(e->event.error, ETIMEDOUT);
	cr_assert_eq(e->t_ns, 255 * SEC, "ETIMEDOUT at %llu", (unsigned long long)e->t_ns);
	cr_assert_geq(e->t_ns, 180 * SEC);
	synack_sc_run_free(run);
}
