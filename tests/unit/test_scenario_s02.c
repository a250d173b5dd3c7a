/* test_scenario_s02.c — S02 simultaneous-open (RFC 9293 §3.5 Figure 8, Stevens §18.8):
 * A and B connect to each other's port 1 ms apart; the SYNs cross; each SYN arrives in
 * SYN-SENT -> SYN-RECEIVED and is answered SYN,ACK (same ISN); each SYN,ACK -> ESTABLISHED.
 * 4 segments, ONE connection per end, and data flows both ways on it. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S02_simultaneous_open_one_connection)
{
	struct synack_sc_run *run = run_scenario("S02", 1);
	const struct want_seg want[] = {
		{0, HA, F_SYN, 0, 0, 0, SYN_SENT, 10 * MSEC, SYN_RCVD},
		{1 * MSEC, HB, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{10 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 20 * MSEC, ESTAB},
		{11 * MSEC, HA, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 5, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 6, 0, ESTAB, 120 * MSEC, ESTAB},
		{200 * MSEC, HB, F_PSH | F_ACK, 1, 6, 5, ESTAB, 210 * MSEC, ESTAB},
		{210 * MSEC, HA, F_ACK, 6, 6, 0, ESTAB, 220 * MSEC, ESTAB},
	};
	struct synack_sock_info list[8];

	check_segments(run, want, sizeof want / sizeof want[0]);
	check_call(run, HA, "connect", 1, 0, -EINPROGRESS);
	check_call(run, HB, "connect", 1, 1 * MSEC, -EINPROGRESS);
	cr_assert_eq(event_of(run, HA, SYNACK_EV_CONNECTED)->t_ns, 20 * MSEC);
	cr_assert_eq(event_of(run, HB, SYNACK_EV_CONNECTED)->t_ns, 21 * MSEC);
	check_call(run, HB, "recv", 1, 110 * MSEC, 5);
	check_call(run, HA, "recv", 1, 210 * MSEC, 5);
	/* One connection on each end. */
	for (int h = 0; h < 2; h++)
		cr_assert_eq(synack_sock_list(synack_sim_stack(synack_sc_sim(run), h), list, 8), 1u);
	synack_sc_run_free(run);
}
