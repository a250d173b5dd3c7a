/* test_scenario_s27.c — S27 urgent (seeds/000; RFC 9293 §3.8.5, RFC 6093 §4). A sends
 * "abc", then one urgent byte "!" with MSG_OOB: that segment carries URG with the urgent
 * pointer 1, i.e. SEG.SEQ + 1 is the octet following the urgent data (RFC 9293 §3.1);
 * B receives the urgent byte in line, in order after "abc" (RFC 6093: SO_OOBINLINE
 * behaviour). Other segments carry no URG and urgent pointer 0. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S27_urgent_pointer_and_inline_delivery)
{
	struct synack_sc_run *run = run_scenario("S27", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 3, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 4, 0, ESTAB, 120 * MSEC, ESTAB},
		{200 * MSEC, HA, F_URG | F_PSH | F_ACK, 4, 1, 1, ESTAB, 210 * MSEC, ESTAB},
		{210 * MSEC, HB, F_ACK, 1, 5, 0, ESTAB, 220 * MSEC, ESTAB},
	};

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_eq(segment_nth(run, 6)->urp, 1);
	for (int i = 1; i <= 7; i++)
		if (i != 6)
			cr_assert_eq(segment_nth(run, i)->urp, 0, "seg %d urp", i);
	check_call(run, HA, "send", 2, 200 * MSEC, 1);
	cr_assert_str_eq(call_of(run, HA, "send", 2)->text, "send(0, 1 bytes, MSG_OOB)");
	check_call(run, HB, "recv", 1, 110 * MSEC, 3);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"abc\"");
	check_call(run, HB, "recv", 2, 210 * MSEC, 1);
	cr_assert_str_eq(call_of(run, HB, "recv", 2)->text, "recv(1) \"!\"");
	synack_sc_run_free(run);
}
