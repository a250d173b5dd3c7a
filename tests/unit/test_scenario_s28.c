/* test_scenario_s28.c — S28 connection-rate (seeds/004 §2.4, Stevens ex. 18.14): A has 4
 * local ports and closes actively, so each connection holds its port in TIME-WAIT for
 * 2MSL (60 s): four connections 1 s apart, all four records listed at 4.5 s with their
 * timers, the fifth connect() fails EADDRNOTAVAIL; at 60.3 s (after the first record
 * expired at 60.21 s) connect() succeeds again, on the freed port 40000. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S28_time_wait_bounds_connection_rate)
{
	struct synack_sc_run *run = run_scenario("S28", 1);
	const struct synack_sock_info *v;
	size_t n;

	for (int i = 0; i < 4; i++) {
		const struct synack_sc_entry *syn = segment_nth(run, 1 + 7 * i);

		cr_assert_eq(syn->tcp_flags, F_SYN);
		cr_assert_eq(syn->t_ns, (uint64_t)i * SEC);
		cr_assert_eq(syn->sport, 40000 + i);
		check_call(run, HA, "connect", 1 + i, (uint64_t)i * SEC, -EINPROGRESS);
		/* A's ACK of B's FIN: A is the active closer and enters TIME-WAIT */
		cr_assert_eq(segment_nth(run, 7 + 7 * i)->state, TIME_WAIT);
	}
	v = snapshot_of(run, HA, 1, &n);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(v[i].state, TIME_WAIT);
		cr_assert_eq(v[i].lport, 40000 + i);
		cr_assert_eq(v[i].timer_deadline_ns, i * SEC + 210 * MSEC + 60 * SEC);
	}
	check_call(run, HA, "connect", 5, 5 * SEC, -EADDRNOTAVAIL);
	cr_assert_eq(timer_transition(run, HA, TIME_WAIT, CLOSED)->t_ns, 60 * SEC + 210 * MSEC);
	check_call(run, HA, "connect", 6, 60 * SEC + 300 * MSEC, -EINPROGRESS);
	cr_assert_eq(segment_nth(run, 29)->tcp_flags, F_SYN);
	cr_assert_eq(segment_nth(run, 29)->sport, 40000);
	cr_assert_eq(arrival_nth(run, 29)->state, SYN_RCVD);
	synack_sc_run_free(run);
}
