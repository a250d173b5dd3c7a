/* test_scenario_s23.c — S23 demux-and-binding (Stevens §18.11.1–3; RFC 9293 §3.10.7.1-2,
 * RFC 5961 §4). B owns 10.0.0.2 and 10.0.0.4. A connection is the 4-tuple: two
 * connections share B's 10.0.0.4:80. The listener bound to 10.0.0.4:80 answers SYNs to
 * that address only: a SYN to 10.0.0.2:80 gets RST,ACK (ECONNREFUSED). The wildcard
 * listener on 8080 answers both addresses, each connection keeping the address it was
 * reached at. A wildcard bind to port 80 overlaps the listening 10.0.0.4:80: EADDRINUSE
 * even with SO_REUSEADDR (Linux). A SYN on an established 4-tuple gets a challenge ACK
 * (RFC 5961 §4.2) and changes nothing; a data segment (ACK set) to the listener gets a
 * RST with seq = SEG.ACK and creates nothing. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

#define ADDR_B2 0x0a000004u

Test(scenario, S23_demux_specific_and_wildcard_listeners)
{
	struct synack_sc_run *run = run_scenario("S23", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{2 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 12 * MSEC, SYN_RCVD},
		{3 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 13 * MSEC, CLOSED},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{12 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 22 * MSEC, ESTAB},
		{13 * MSEC, HB, F_RST | F_ACK, 0, 1, 0, CLOSED, 23 * MSEC, CLOSED},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{22 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 32 * MSEC, ESTAB},
		{100 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 110 * MSEC, SYN_RCVD},
		{110 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 120 * MSEC, ESTAB},
		{120 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 130 * MSEC, ESTAB},
		{200 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 210 * MSEC, SYN_RCVD},
		{210 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 220 * MSEC, ESTAB},
		{220 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 230 * MSEC, ESTAB},
		/* crafted SYN in the window of the established 40000 connection */
		{600 * MSEC, HA, F_SYN, 5000, 0, 0, ESTAB, 610 * MSEC, ESTAB},
		{610 * MSEC, HB, F_ACK, 1, 1, 0, ESTAB, 620 * MSEC, ESTAB},
		/* crafted data to the listener from a port with no connection */
		{700 * MSEC, HA, F_PSH | F_ACK, 1, 12345, 4, CLOSED, 710 * MSEC, LISTEN},
		{710 * MSEC, HB, F_RST, 12345, 0, 0, CLOSED, 720 * MSEC, CLOSED},
	};
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_eq(segment_nth(run, 6)->saddr, SYNACK_SC_ADDR_B);
	cr_assert_eq(segment_nth(run, 10)->saddr, ADDR_B2);
	cr_assert_eq(segment_nth(run, 13)->saddr, SYNACK_SC_ADDR_B);
	cr_assert_str_eq(arrival_nth(run, 3)->decision, "RST sent: no listener");
	cr_assert_str_eq(arrival_nth(run, 15)->decision, "challenge ACK: SYN in synchronized state");
	cr_assert_str_eq(arrival_nth(run, 17)->decision, "RST sent: ACK to a listener");
	cr_assert_eq(segment_nth(run, 18)->seq, 12345);
	cr_assert_eq(event_of(run, HA, SYNACK_EV_RESET)->event.error, ECONNREFUSED);
	check_call(run, HB, "bind", 3, 0, -EADDRINUSE);
	cr_assert_str_eq(call_of(run, HB, "accept", 1)->text, "accept(1) from 10.0.0.1:40003");
	cr_assert_str_eq(call_of(run, HB, "accept", 2)->text, "accept(1) from 10.0.0.1:40004");
	cr_assert_str_eq(call_of(run, HB, "accept", 3)->text, "accept(0) from 10.0.0.1:40000");
	cr_assert_str_eq(call_of(run, HB, "accept", 4)->text, "accept(0) from 10.0.0.1:40001");
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 7);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[0].laddr, ADDR_B2);
	cr_assert_eq(v[1].state, LISTEN);
	cr_assert_eq(v[1].laddr, 0);
	cr_assert_eq(v[3].laddr, ADDR_B2);
	cr_assert_eq(v[3].lport, 8080);
	cr_assert_eq(v[4].laddr, SYNACK_SC_ADDR_B);
	cr_assert_eq(v[4].lport, 8080);
	for (int i = 3; i < 7; i++)
		cr_assert_eq(v[i].state, ESTAB);
	cr_assert_eq(v[5].rport, 40000);
	cr_assert_eq(v[6].rport, 40001);
	synack_sc_run_free(run);
}
