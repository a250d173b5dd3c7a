/* test_scenario_s26.c — S26 nastygram (Stevens §18.2.1, RFC 1025; RFC 9293 §3.10.7.2
 * LISTEN, §3.10.7.4 fourth/fifth checks, RFC 5961 §4.2). To B's listener from a crafted
 * client: SYN+FIN, SYN+RST, SYN+FIN+PSH+URG with data, and no flags with data are all
 * dropped without a reply and create nothing. Into the established connection: no flags
 * (no ACK) is dropped; SYN+FIN and SYN+FIN+PSH+URG+data each get a challenge ACK (600 ms
 * apart, beyond the 500 ms rate limit) and change nothing. The connection still carries
 * data afterwards. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S26_odd_flag_sets_dropped_or_challenged)
{
	struct synack_sc_run *run = run_scenario("S26", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_SYN | F_FIN, 0, 0, 0, CLOSED, 110 * MSEC, LISTEN},
		{200 * MSEC, HA, F_SYN | F_RST, 0, 0, 0, CLOSED, 210 * MSEC, LISTEN},
		{300 * MSEC, HA, F_SYN | F_FIN | F_PSH | F_URG, 0, 0, 4, CLOSED, 310 * MSEC, LISTEN},
		{400 * MSEC, HA, 0, 4000, 0, 4, CLOSED, 410 * MSEC, LISTEN},
		{500 * MSEC, HA, 0, 1, 0, 4, ESTAB, 510 * MSEC, ESTAB},
		{600 * MSEC, HA, F_SYN | F_FIN, 1, 0, 0, ESTAB, 610 * MSEC, ESTAB},
		{610 * MSEC, HB, F_ACK, 1, 1, 0, ESTAB, 620 * MSEC, ESTAB},
		{1200 * MSEC, HA, F_SYN | F_FIN | F_PSH | F_URG, 1, 0, 4, ESTAB, 1210 * MSEC, ESTAB},
		{1210 * MSEC, HB, F_ACK, 1, 1, 0, ESTAB, 1220 * MSEC, ESTAB},
		{1400 * MSEC, HA, F_PSH | F_ACK, 1, 1, 3, ESTAB, 1410 * MSEC, ESTAB},
		{1410 * MSEC, HB, F_ACK, 1, 4, 0, ESTAB, 1420 * MSEC, ESTAB},
	};
	static const char *const why[] = {
		[4] = "dropped: SYN+FIN to a listener", [5] = "dropped: RST to a listener",
		[6] = "dropped: SYN+FIN to a listener", [7] = "dropped: no SYN to a listener",
		[8] = "dropped: no ACK", [9] = "challenge ACK: SYN in synchronized state",
		[11] = "challenge ACK: SYN in synchronized state",
	};
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	for (int i = 4; i <= 11; i++)
		if (why[i])
			cr_assert_str_eq(arrival_nth(run, i)->decision, why[i], "seg %d: %s", i,
					 arrival_nth(run, i)->decision);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_CHALLENGE_ACK), 2);
	/* Nothing was created or delivered by the nastygrams. */
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[0].recv_q, 0);
	cr_assert_eq(v[1].state, ESTAB);
	cr_assert_eq(v[1].recv_q, 0);
	check_call(run, HB, "recv", 1, 1410 * MSEC, 3);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"ok.\"");
	synack_sc_run_free(run);
}
