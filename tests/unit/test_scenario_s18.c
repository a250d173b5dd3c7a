/* test_scenario_s18.c — S18 old-duplicate-syn (seeds/000 and 004 §1.1; RFC 9293 §3.5
 * Figure 8): why the handshake has three segments. A stale SYN with A's address and port
 * (crafted; A's stack never sent it) reaches B's listener: B answers SYN,ACK; A's stack
 * has no such connection and answers RST seq = SEG.ACK (§3.10.7.1); B's child goes from
 * SYN-RECEIVED back to LISTEN (§3.10.7.4 second check) and nothing reaches accept().
 * A real connection from the same port afterwards completes normally. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S18_old_duplicate_syn_reset_back_to_listen)
{
	struct synack_sc_run *run = run_scenario("S18", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, CLOSED, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, CLOSED},
		/* RST with SEQ = the SYN,ACK's ACK (old ISN + 1), no ACK bit */
		{21 * MSEC, HA, F_RST, 1, 0, 0, CLOSED, 31 * MSEC, LISTEN},
		{1000 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 1010 * MSEC, SYN_RCVD},
		{1010 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 1020 * MSEC, ESTAB},
		{1020 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 1030 * MSEC, ESTAB},
	};
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert(segment_nth(run, 1)->injected);
	cr_assert_eq(segment_nth(run, 1)->seq, 1000000);
	cr_assert_eq(segment_nth(run, 2)->ack, 1000001);
	cr_assert_eq(segment_nth(run, 3)->seq, 1000001);
	cr_assert(!segment_nth(run, 3)->injected);
	cr_assert_str_eq(arrival_nth(run, 2)->decision, "RST sent: no listener");
	/* B holds only its listener again; nothing was queued for accept(). */
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[0].recv_q, 0);
	check_call(run, HB, "accept", 1, 100 * MSEC, -EAGAIN);
	check_call(run, HB, "accept", 2, 1100 * MSEC, 1);
	synack_sc_run_free(run);
}
