/* test_scenario_s11.c — S11 quiet-time (Stevens §18.6.2; RFC 9293 §3.4.3): with
 * quiet_time = 1, B neither accepts nor initiates connections during the first MSL
 * (30 s) after its first driver call: connect() fails EAGAIN, A's SYNs are dropped (and
 * counted) at 11 ms, 1.011, 3.011, 7.011, 15.011 s; the one at 31.011 s is accepted. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S11_quiet_time_drops_syns_for_msl)
{
	struct synack_sc_run *run = run_scenario("S11", 1);
	struct want_seg want[9];
	const uint64_t syn_ms[6] = {1, 1001, 3001, 7001, 15001, 31001};

	for (int i = 0; i < 6; i++)
		want[i] = (struct want_seg){syn_ms[i] * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT,
					    (syn_ms[i] + 10) * MSEC, i < 5 ? LISTEN : SYN_RCVD};
	want[6] = (struct want_seg){31011 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD,
				    31021 * MSEC, ESTAB};
	want[7] = (struct want_seg){31021 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31031 * MSEC, ESTAB};
	check_segments(run, want, 8);
	for (int i = 1; i <= 5; i++)
		cr_assert_str_eq(arrival_nth(run, i)->decision, "SYN dropped: quiet time");
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_QUIET_TIME), 5);
	check_call(run, HB, "connect", 1, 2 * MSEC, -EAGAIN);
	check_call(run, HB, "accept", 1, 31031 * MSEC, 2);
	synack_sc_run_free(run);
}
