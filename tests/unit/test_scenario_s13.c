/* test_scenario_s13.c — S13 time-wait-rst (Stevens ex. 18.16, RFC 1337, RFC 9293
 * §3.10.7.4 TIME-WAIT): A closes first and waits in TIME-WAIT; a RST with an in-window
 * sequence number (B's SND.NXT), crafted as if from B, arrives after B has closed. A
 * ignores it (rfc1337 = 1, counted): the TIME-WAIT record stays and ends exactly 2MSL
 * after it began, not when the RST came. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S13_rst_in_time_wait_is_ignored)
{
	struct synack_sc_run *run = run_scenario("S13", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_FIN | F_ACK, 1, 1, 0, FW1, 110 * MSEC, CLOSE_WAIT},
		{110 * MSEC, HB, F_ACK, 1, 2, 0, CLOSE_WAIT, 120 * MSEC, FW2},
		{200 * MSEC, HB, F_FIN | F_ACK, 1, 2, 0, LAST_ACK, 210 * MSEC, TIME_WAIT},
		{210 * MSEC, HA, F_ACK, 2, 2, 0, TIME_WAIT, 220 * MSEC, CLOSED},
		/* the crafted RST: seq = B's SND.NXT (ISN + 2), exactly RCV.NXT of A */
		{1000 * MSEC, HB, F_RST, 2, 0, 0, CLOSED, 1010 * MSEC, TIME_WAIT},
	};
	const struct synack_sc_entry *rst = segment_nth(run, 8), *a = arrival_nth(run, 8);
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert(rst->injected);
	cr_assert_str_eq(a->decision, "RST ignored in TIME-WAIT (RFC 1337)");
	cr_assert_eq(a->verdict, SYNACK_V_DROPPED);
	cr_assert_eq(counter_of(run, HA, SYNACK_CTR_TCP_TW_RST_IGNORED), 1);
	/* 90 ms after the RST the record is still there, its 2MSL timer unchanged. */
	v = snapshot_of(run, HA, 1, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].state, TIME_WAIT);
	cr_assert_eq(v[0].lport, 40000);
	cr_assert_eq(v[0].rport, 80);
	cr_assert_eq(v[0].timer, SYNACK_TIMER_TIME_WAIT);
	cr_assert_eq(v[0].timer_deadline_ns, 210 * MSEC + 60 * SEC);
	cr_assert_eq(timer_transition(run, HA, TIME_WAIT, CLOSED)->t_ns, 210 * MSEC + 60 * SEC);
	synack_sc_run_free(run);
}
