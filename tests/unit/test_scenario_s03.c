/* test_scenario_s03.c — S03 simultaneous-close (RFC 9293 §3.6 Figure 13): both ends close
 * at 100 ms; the FINs cross, each arrives in FIN-WAIT-1 -> CLOSING and is ACKed; each ACK
 * -> TIME-WAIT; both leave TIME-WAIT 2MSL later. 4 closing segments. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S03_simultaneous_close)
{
	struct synack_sc_run *run = run_scenario("S03", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_FIN | F_ACK, 1, 1, 0, FW1, 110 * MSEC, CLOSING},
		{100 * MSEC, HB, F_FIN | F_ACK, 1, 1, 0, FW1, 110 * MSEC, CLOSING},
		{110 * MSEC, HB, F_ACK, 2, 2, 0, CLOSING, 120 * MSEC, TIME_WAIT},
		{110 * MSEC, HA, F_ACK, 2, 2, 0, CLOSING, 120 * MSEC, TIME_WAIT},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	check_call(run, HA, "close", 1, 100 * MSEC, 0);
	check_call(run, HB, "close", 1, 100 * MSEC, 0);
	cr_assert_eq(timer_transition(run, HA, TIME_WAIT, CLOSED)->t_ns, 120 * MSEC + 60 * SEC);
	cr_assert_eq(timer_transition(run, HB, TIME_WAIT, CLOSED)->t_ns, 120 * MSEC + 60 * SEC);
	synack_sc_run_free(run);
}
