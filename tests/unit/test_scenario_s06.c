/* test_scenario_s06.c — S06 synack-retransmit / lost third ACK (seeds/004 §1.2, §1 Q6):
 * (1) A's ACK completing the handshake is dropped; A's data (ACK set) moves B from
 * SYN-RECEIVED to ESTABLISHED and is delivered. (2) A second connection whose ACKs are
 * all lost: B retransmits its SYN,ACK 1, 2, 4, 8, 16 s apart (synack_retries = 5), then
 * drops the half-open entry silently 32 s after the last one. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S06_lost_third_ack_and_synack_retransmissions)
{
	struct synack_sc_run *run = run_scenario("S06", 1);
	const uint64_t t2 = 2 * SEC + 10 * MSEC; /* B's first SYN,ACK of connection 2 */
	struct want_seg want[13] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 0, NONE},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, ESTAB},
		{2 * SEC, HA, F_SYN, 0, 0, 0, SYN_SENT, t2, SYN_RCVD},
		{t2, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, t2 + 10 * MSEC, ESTAB},
		{t2 + 10 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 0, NONE},
	};
	const uint64_t back_s[5] = {1, 3, 7, 15, 31};
	size_t n;
	const struct synack_sc_entry *log;
	struct synack_sock_info list[16];
	size_t nl;
	int half_open = 0;
	bool dropped_note = false;

	for (int i = 0; i < 5; i++)
		want[8 + i] = (struct want_seg){t2 + back_s[i] * SEC, HB, F_SYN | F_ACK, 0, 1, 0,
						SYN_RCVD, 0, NONE};
	check_segments(run, want, 13);
	check_call(run, HB, "recv", 1, 110 * MSEC, 6);
	check_call(run, HB, "accept", 1, 110 * MSEC, 1);
	/* The half-open entry is forgotten at t2 + 63 s, by a timer, without a packet. */
	log = synack_sc_log(run, &n);
	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_NOTE && log[i].host == HB &&
		    log[i].note.dir == SYNACK_NOTE_TIMER && log[i].t_ns > t2 + 31 * SEC) {
			cr_assert_eq(log[i].t_ns, t2 + 63 * SEC, "dropped at %llu",
				     (unsigned long long)log[i].t_ns);
			dropped_note = true;
		}
	cr_assert(dropped_note);
	nl = synack_sock_list(synack_sim_stack(synack_sc_sim(run), HB), list, 16);
	cr_assert_leq(nl, 16u);
	for (size_t i = 0; i < nl; i++)
		half_open += list[i].rport == 40001;
	cr_assert_eq(half_open, 0, "B still holds the half-open entry");
	synack_sc_run_free(run);
}
