/* test_scenario_s04.c — S04 half-close (Stevens §18.5, the rsh sort example): A sends its
 * input and shuts down writing; B reads the data then EOF, and its answer still reaches A
 * in FIN-WAIT-2; then B closes and A enters TIME-WAIT. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S04_half_close_peer_still_sends)
{
	struct synack_sc_run *run = run_scenario("S04", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 110 * MSEC, ESTAB},
		{100 * MSEC, HA, F_FIN | F_ACK, 7, 1, 0, FW1, 110 * MSEC, CLOSE_WAIT},
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, FW1},
		{110 * MSEC, HB, F_ACK, 1, 8, 0, CLOSE_WAIT, 120 * MSEC, FW2},
		/* data from the peer arrives in FIN-WAIT-2 and is delivered */
		{300 * MSEC, HB, F_PSH | F_ACK, 1, 8, 6, CLOSE_WAIT, 310 * MSEC, FW2},
		{310 * MSEC, HA, F_ACK, 8, 7, 0, FW2, 320 * MSEC, CLOSE_WAIT},
		{400 * MSEC, HB, F_FIN | F_ACK, 7, 8, 0, LAST_ACK, 410 * MSEC, TIME_WAIT},
		{410 * MSEC, HA, F_ACK, 8, 8, 0, TIME_WAIT, 420 * MSEC, CLOSED},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	check_call(run, HA, "shutdown", 1, 100 * MSEC, 0);
	check_call(run, HB, "recv", 1, 110 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"b.c.a.\"");
	check_call(run, HB, "recv", 2, 110 * MSEC, 0); /* EOF */
	check_call(run, HB, "send", 1, 300 * MSEC, 6);
	check_call(run, HA, "recv", 1, 310 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HA, "recv", 1)->text, "recv(0) \"a.b.c.\"");
	check_call(run, HA, "recv", 2, 410 * MSEC, 0);
	synack_sc_run_free(run);
}
