/* test_scenario_s20.c — S20 handshake-data (seeds/004 §1.4; RFC 9293 §3.10.7.2: text on
 * a SYN "should be queued for processing later after ESTABLISHED"; Linux without TCP Fast
 * Open drops it and acknowledges only the SYN, and so do we). A crafted client at
 * 10.0.0.3 sends a SYN with 5 bytes: B's SYN,ACK acknowledges the SYN alone (ack = 1), the
 * SYN-RECEIVED child holds no data, nothing is readable. The third segment carries 6
 * bytes: B becomes ESTABLISHED and delivers exactly them. A's stack queues data while
 * SYN-SENT; it leaves with the third segment of its handshake and is delivered. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S20_syn_data_not_delivered_third_segment_data_delivered)
{
	struct synack_sc_run *run = run_scenario("S20", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 5, CLOSED, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, NOT_OURS},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, CLOSED, 110 * MSEC, ESTAB},
		/* ACKed at once (the first data: quick-ACK mode); reading the 6 bytes does not
		 * move the right edge (the window is already 65535 = the most an unscaled
		 * window can say), so no window update is sent then (RFC 9293 §3.8.6.2.2,
		 * Linux tcp_cleanup_rbuf) */
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, NOT_OURS},
		{1000 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 1010 * MSEC, SYN_RCVD},
		{1010 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 1020 * MSEC, ESTAB},
		/* the third segment of A's handshake carries the data queued in SYN-SENT */
		{1020 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 1030 * MSEC, ESTAB},
		{1030 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 1040 * MSEC, ESTAB},
	};
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert(segment_nth(run, 1)->injected);
	cr_assert_eq(segment_nth(run, 1)->saddr, 0x0a000003u);
	/* At 50 ms the child is SYN-RECEIVED with nothing buffered, nothing accepted. */
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[1].state, SYN_RCVD);
	cr_assert_eq(v[1].raddr, 0x0a000003u);
	cr_assert_eq(v[1].recv_q, 0);
	/* The only data B's application ever reads on that connection: the third segment. */
	check_call(run, HB, "accept", 1, 110 * MSEC, 1);
	check_call(run, HB, "recv", 1, 110 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"third.\"");
	check_call(run, HA, "send", 1, 1000 * MSEC, 6);
	check_call(run, HB, "recv", 2, 1030 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HB, "recv", 2)->text, "recv(2) \"queued\"");
	synack_sc_run_free(run);
}
