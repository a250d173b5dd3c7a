/* test_scenario_s21.c — S21 keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6; Linux
 * defaults): after keepalive_time (7200 s) idle A probes with SEG.SEQ = SND.NXT - 1; B's
 * answer restarts the idle time; with the link down the next 9 probes, 75 s apart, go
 * unanswered and the connection fails with ETIMEDOUT. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S21_keepalive_probes_then_etimedout)
{
	struct synack_sc_run *run = run_scenario("S21", 1);
	struct want_seg want[14] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		/* first probe, 2 h after the last segment A received (the SYN,ACK) */
		{7200 * SEC + 21 * MSEC, HA, F_ACK, 0, 1, 0, ESTAB, 7200 * SEC + 31 * MSEC, ESTAB},
		{7200 * SEC + 31 * MSEC, HB, F_ACK, 1, 1, 0, ESTAB, 7200 * SEC + 41 * MSEC, ESTAB},
	};
	const uint64_t first = 14400 * SEC + 41 * MSEC;
	const struct synack_sc_entry *e;

	for (int i = 0; i < 9; i++)
		want[5 + i] = (struct want_seg){first + (uint64_t)i * 75 * SEC, HA, F_ACK, 0, 1, 0,
						ESTAB, 0, NONE};
	check_segments(run, want, 14);
	e = event_of(run, HA, SYNACK_EV_ERROR);
	cr_assert_eq(e->event.error, ETIMEDOUT);
	cr_assert_eq(e->t_ns, first + 9 * 75 * SEC, "ETIMEDOUT at %llu", (unsigned long long)e->t_ns);
	synack_sc_run_free(run);
}
