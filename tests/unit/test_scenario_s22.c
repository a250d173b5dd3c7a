/* test_scenario_s22.c — S22 rst-in-handshake (Stevens §18.6; RFC 9293 §3.10.7.3 SYN-SENT,
 * §3.10.7.4 second check). (1) A crafted client's SYN makes B's listener child
 * SYN-RECEIVED; the client's in-window RST returns it to LISTEN (the child is gone, the
 * listener stays, nothing to accept). (2) A's SYN is lost; crafted segments from B's
 * port reach A in SYN-SENT: RST without ACK — dropped; RST,ACK whose ACK is not ISS + 1
 * — dropped (no RST in answer to a RST); RST,ACK acknowledging the SYN — the connection
 * is refused: CLOSED, ECONNREFUSED, before the SYN's first retransmission (1 s). */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S22_rst_in_syn_received_and_syn_sent)
{
	struct synack_sc_run *run = run_scenario("S22", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, CLOSED, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, NOT_OURS},
		{100 * MSEC, HA, F_RST, 1, 0, 0, CLOSED, 110 * MSEC, LISTEN},
		{200 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 0, NONE},
		{300 * MSEC, HB, F_RST, 0, 0, 0, CLOSED, 310 * MSEC, SYN_SENT},
		{400 * MSEC, HB, F_RST | F_ACK, 0, 5, 0, CLOSED, 410 * MSEC, SYN_SENT},
		{500 * MSEC, HB, F_RST | F_ACK, 0, 1, 0, CLOSED, 510 * MSEC, CLOSED},
	};
	const struct synack_sock_info *v;
	const struct synack_sc_entry *e;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	for (int i = 5; i <= 7; i++)
		cr_assert(segment_nth(run, i)->injected);
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[1].state, SYN_RCVD);
	v = snapshot_of(run, HB, 2, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[0].recv_q, 0);
	/* Both ignored RSTs were dropped without a reply (check_segments saw no segment
	 * from A after them) and changed nothing. */
	cr_assert_eq(arrival_nth(run, 5)->verdict, SYNACK_V_DROPPED);
	e = event_of(run, HA, SYNACK_EV_RESET);
	cr_assert_eq(e->t_ns, 510 * MSEC);
	cr_assert_eq(e->event.error, ECONNREFUSED);
	check_call(run, HA, "recv", 1, 600 * MSEC, -ECONNREFUSED);
	synack_sc_run_free(run);
}
