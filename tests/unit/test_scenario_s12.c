/* test_scenario_s12.c — S12 fin-wait-2-timeout (Stevens §18.6.3): A closes fully; B never
 * answers with its FIN; A's orphaned FIN-WAIT-2 connection is dropped after fin_timeout
 * (60 s) counted from entering FIN-WAIT-2; B's FIN sent later gets a RST. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S12_orphaned_fin_wait_2_dropped_after_fin_timeout)
{
	struct synack_sc_run *run = run_scenario("S12", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_FIN | F_ACK, 1, 1, 0, FW1, 110 * MSEC, CLOSE_WAIT},
		{110 * MSEC, HB, F_ACK, 1, 2, 0, CLOSE_WAIT, 120 * MSEC, FW2},
		{70 * SEC, HB, F_FIN | F_ACK, 1, 2, 0, LAST_ACK, 70 * SEC + 10 * MSEC, CLOSED},
		{70 * SEC + 10 * MSEC, HA, F_RST, 2, 0, 0, CLOSED, 70 * SEC + 20 * MSEC, CLOSED},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_eq(timer_transition(run, HA, FW2, CLOSED)->t_ns, 120 * MSEC + 60 * SEC);
	synack_sc_run_free(run);
}
