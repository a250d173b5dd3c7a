/* test_scenario_s10.c — S10 time-wait (Stevens §18.6.1, seeds/004 §2.2–2.4; RFC 9293
 * §3.6, §3.10.7.4 TIME-WAIT; RFC 6191). B, the server, closes first: B goes through
 * FIN-WAIT-1/2 into TIME-WAIT; A (the passive closer) never enters TIME-WAIT. B's last
 * ACK is lost: A's FIN comes again after its RTO, B ACKs it again and restarts 2MSL (the
 * record then ends 60 s after the second FIN, not the first). An old duplicate is answered
 * by an ACK and dropped. With the listener closed, bind(*:80) fails EADDRINUSE; with
 * SO_REUSEADDR bind succeeds but connect() to A:40000 (the 4-tuple in TIME-WAIT) fails
 * EADDRINUSE. A new SYN whose ISN is beyond the old incarnation's reopens the 4-tuple. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S10_time_wait_2msl_restart_bind_and_reopen)
{
	struct synack_sc_run *run = run_scenario("S10", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HB, F_FIN | F_ACK, 1, 1, 0, FW1, 110 * MSEC, CLOSE_WAIT},
		{110 * MSEC, HA, F_ACK, 1, 2, 0, CLOSE_WAIT, 120 * MSEC, FW2},
		{200 * MSEC, HA, F_FIN | F_ACK, 1, 2, 0, LAST_ACK, 210 * MSEC, TIME_WAIT},
		/* B's last ACK is lost */
		{210 * MSEC, HB, F_ACK, 2, 2, 0, TIME_WAIT, 0, NONE},
		/* A's FIN again after its RTO (200 ms: rto_min); re-ACKed, 2MSL restarts */
		{400 * MSEC, HA, F_FIN | F_ACK, 1, 2, 0, LAST_ACK, 410 * MSEC, TIME_WAIT},
		{410 * MSEC, HB, F_ACK, 2, 2, 0, TIME_WAIT, 420 * MSEC, CLOSED},
		/* old duplicate data: ACKed and dropped; A's RST to that ACK is ignored */
		{2000 * MSEC, HA, F_PSH | F_ACK, 1, 1, 4, CLOSED, 2010 * MSEC, TIME_WAIT},
		{2010 * MSEC, HB, F_ACK, 2, 2, 0, TIME_WAIT, 2020 * MSEC, CLOSED},
		{2020 * MSEC, HA, F_RST, 2, 0, 0, CLOSED, 2030 * MSEC, TIME_WAIT},
		/* the new incarnation (numbers relative to the new ISNs) */
		{5000 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 5010 * MSEC, SYN_RCVD},
		{5010 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 5020 * MSEC, ESTAB},
		{5020 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 5030 * MSEC, ESTAB},
	};
	const struct synack_sock_info *v;
	size_t n;
	size_t nlog;
	const struct synack_sc_entry *log = synack_sc_log(run, &nlog);

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_str_eq(arrival_nth(run, 8)->decision,
			 "FIN retransmitted in TIME-WAIT: ACK, 2MSL restarted");
	cr_assert_str_eq(arrival_nth(run, 10)->decision, "dropped: not acceptable in TIME-WAIT");
	cr_assert_str_eq(arrival_nth(run, 13)->decision,
			 "TIME-WAIT reopened by a newer SYN (RFC 6191)");
	/* The new ISN is the old one plus the 4 us clock's ticks in between (RFC 6528:
	 * same 4-tuple, same F): (5000 ms - 1 ms) / 4 us. */
	cr_assert_eq(segment_nth(run, 13)->seq - segment_nth(run, 1)->seq, 1249750u);
	check_call(run, HB, "bind", 2, 3000 * MSEC, -EADDRINUSE);
	check_call(run, HB, "setsockopt", 1, 3000 * MSEC, 0);
	check_call(run, HB, "bind", 3, 3000 * MSEC, 0);
	check_call(run, HB, "connect", 1, 3000 * MSEC, -EADDRINUSE);
	check_call(run, HB, "listen", 2, 4000 * MSEC, 0);
	check_call(run, HB, "accept", 3, 5030 * MSEC, 2);
	cr_assert_str_eq(call_of(run, HB, "accept", 3)->text, "accept(131073) from 10.0.0.1:40000");
	/* At 3 s: B's TIME-WAIT record ends 2MSL after the retransmitted FIN (410 ms). */
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[2].state, TIME_WAIT);
	cr_assert_eq(v[2].lport, 80);
	cr_assert_eq(v[2].rport, 40000);
	cr_assert_eq(v[2].timer_deadline_ns, 410 * MSEC + 60 * SEC);
	/* A, the passive closer, never entered TIME-WAIT. */
	for (size_t i = 0; i < nlog; i++)
		if (log[i].host == HA && log[i].kind == SYNACK_SC_LOG_DELIVER)
			cr_assert_neq(log[i].state, TIME_WAIT, "A in TIME-WAIT at %llu",
				      (unsigned long long)log[i].t_ns);
	synack_sc_run_free(run);
}
