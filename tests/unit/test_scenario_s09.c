/* test_scenario_s09.c — S09 half-open (Stevens §18.7.3): B restarts (all state lost) at
 * 100 ms; A's data at 200 ms finds no connection and is answered RST seq=SEG.ACK
 * (RFC 9293 §3.10.7.1); A's connection is reset: recv fails ECONNRESET. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S09_restarted_host_resets_old_connection)
{
	struct synack_sc_run *run = run_scenario("S09", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{200 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 210 * MSEC, CLOSED},
		{210 * MSEC, HB, F_RST, 1, 0, 0, CLOSED, 220 * MSEC, CLOSED},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_eq(synack_sim_restarts(synack_sc_sim(run), HB), 1u);
	check_call(run, HA, "send", 1, 200 * MSEC, 6);
	check_call(run, HA, "recv", 1, 220 * MSEC, -ECONNRESET);
	cr_assert_eq(event_of(run, HA, SYNACK_EV_RESET)->event.error, ECONNRESET);
	synack_sc_run_free(run);
}
