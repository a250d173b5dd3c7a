/* test_scenario_s07.c — S07 refused (Stevens §18.7.1; RFC 9293 §3.10.7.1): a SYN to a port
 * with no listener is answered RST,ACK seq=0 ack=ISN+1; the connect fails ECONNREFUSED
 * on arrival; the RST itself is not answered. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S07_syn_to_closed_port_refused)
{
	struct synack_sc_run *run = run_scenario("S07", 1);
	const struct want_seg want[] = {
		{0, HA, F_SYN, 0, 0, 0, SYN_SENT, 10 * MSEC, CLOSED},
		{10 * MSEC, HB, F_RST | F_ACK, 0, 1, 0, CLOSED, 20 * MSEC, CLOSED},
	};
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n), *e;

	check_segments(run, want, 2);
	/* RST,ACK seq is literally 0 (no ISN of B's involved). */
	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_SEND && log[i].host == HB)
			cr_assert_eq(log[i].seq, 0u);
	check_call(run, HA, "connect", 1, 0, -EINPROGRESS);
	e = event_of(run, HA, SYNACK_EV_RESET);
	cr_assert_eq(e->t_ns, 20 * MSEC);
	cr_assert_eq(e->event.error, ECONNREFUSED);
	synack_sc_run_free(run);
}
