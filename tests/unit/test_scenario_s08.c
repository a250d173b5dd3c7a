/* test_scenario_s08.c — S08 abortive-close (Stevens §18.7.2; RFC 9293 §3.10.5 ABORT):
 * SO_LINGER {1, 0} then close sends RST seq=SND.NXT instead of a FIN, no TIME-WAIT; the
 * RST is not acknowledged; the peer's read fails ECONNRESET. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S08_linger_zero_close_sends_rst)
{
	struct synack_sc_run *run = run_scenario("S08", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_RST | F_ACK, 1, 1, 0, CLOSED, 110 * MSEC, CLOSED},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	check_call(run, HA, "setsockopt", 1, 100 * MSEC, 0);
	check_call(run, HA, "close", 1, 100 * MSEC, 0);
	check_call(run, HB, "recv", 1, 110 * MSEC, -ECONNRESET);
	cr_assert_eq(event_of(run, HB, SYNACK_EV_RESET)->event.error, ECONNRESET);
	synack_sc_run_free(run);
}
