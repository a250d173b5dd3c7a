/* test_scenario_s16.c — S16 backlog (Stevens §18.11.4, seeds/004 §1.2; Linux's two
 * queues). B listens with backlog 2 and does not call accept() at first. Two handshakes
 * complete in the stack; the third SYN finds the SYN queue full (2 half-open entries,
 * bounded by the backlog) and is dropped silently — no RST; A retransmits at 1 s, now
 * the accept queue is full (2 completed) — dropped silently again; after one accept()
 * at 2 s the retransmission at 3 s completes. Data sent before accept() is buffered
 * (Recv-Q 6) and read after it. accept() returns the connections in arrival order. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S16_backlog_queues_silent_drop_fifo_accept)
{
	struct synack_sc_run *run = run_scenario("S16", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{2 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 12 * MSEC, SYN_RCVD},
		{3 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 13 * MSEC, LISTEN},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{12 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 22 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{22 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 32 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, ESTAB},
		{1003 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 1013 * MSEC, LISTEN},
		{3003 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 3013 * MSEC, SYN_RCVD},
		{3013 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 3023 * MSEC, ESTAB},
		{3023 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 3033 * MSEC, ESTAB},
	};
	const struct synack_sock_info *v;
	size_t n;

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_str_eq(arrival_nth(run, 3)->decision, "SYN dropped: SYN queue full");
	cr_assert_str_eq(arrival_nth(run, 10)->decision, "SYN dropped: accept queue full");
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_SYNQ_FULL), 1);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_ACCEPTQ_FULL), 1);
	/* At 500 ms: the listener's accept queue holds 2 of 2; the first connection has 6
	 * bytes buffered before any accept(). */
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[0].recv_q, 2);
	cr_assert_eq(v[0].send_q, 2);
	cr_assert_eq(v[1].state, ESTAB);
	cr_assert_eq(v[1].rport, 40000);
	cr_assert_eq(v[1].recv_q, 6);
	/* FIFO */
	check_call(run, HB, "accept", 1, 2000 * MSEC, 1);
	cr_assert_str_eq(call_of(run, HB, "accept", 1)->text, "accept(0) from 10.0.0.1:40000");
	check_call(run, HB, "recv", 1, 2000 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"first.\"");
	cr_assert_str_eq(call_of(run, HB, "accept", 2)->text, "accept(0) from 10.0.0.1:40001");
	cr_assert_str_eq(call_of(run, HB, "accept", 3)->text, "accept(0) from 10.0.0.1:40002");
	check_call(run, HB, "accept", 4, 4000 * MSEC, -EAGAIN);
	synack_sc_run_free(run);
}
