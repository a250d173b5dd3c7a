/* test_scenario_s01.c — S01 handshake-close (SCENARIOS.md; RFC 9293 §3.5 Figure 6, §3.6
 * Figure 12): the exact exchange on a 10 ms link — three-way handshake, 6 bytes each way,
 * A closes first (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT), B reads EOF in CLOSE-WAIT, closes
 * (LAST-ACK) and is CLOSED on the last ACK; A's TIME-WAIT ends exactly 2MSL (60 s) later.
 * Seven segments without data; a pure ACK consumes no sequence number. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S01_handshake_data_close_time_wait)
{
	struct synack_sc_run *run = run_scenario("S01", 1);
	const struct want_seg want[] = {
		/* handshake: SYN consumes one number, the ACK none */
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		/* 6 bytes A -> B, ACKed at once by B (its reply is not ready yet: the
		 * delayed ACK would hold it; Linux's quick-ACK mode after the handshake) */
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, ESTAB},
		/* 6 bytes B -> A; A ACKs at once too (its first data received: quick-ACK) */
		{200 * MSEC, HB, F_PSH | F_ACK, 1, 7, 6, ESTAB, 210 * MSEC, ESTAB},
		{210 * MSEC, HA, F_ACK, 7, 7, 0, ESTAB, 220 * MSEC, ESTAB},
		/* A closes: FIN seq=u (7) -> B ACKs u+1 and enters CLOSE-WAIT */
		{300 * MSEC, HA, F_FIN | F_ACK, 7, 7, 0, FW1, 310 * MSEC, CLOSE_WAIT},
		{310 * MSEC, HB, F_ACK, 7, 8, 0, CLOSE_WAIT, 320 * MSEC, FW2},
		/* B closes: FIN seq=w (7) ack=u+1 -> A TIME-WAIT, its ACK w+1 closes B */
		{400 * MSEC, HB, F_FIN | F_ACK, 7, 8, 0, LAST_ACK, 410 * MSEC, TIME_WAIT},
		{410 * MSEC, HA, F_ACK, 8, 8, 0, TIME_WAIT, 420 * MSEC, CLOSED},
	};
	const struct synack_sc_entry *e;

	check_segments(run, want, sizeof want / sizeof want[0]);
	check_call(run, HB, "listen", 1, 0, 0);
	check_call(run, HA, "connect", 1, 1 * MSEC, -EINPROGRESS);
	check_call(run, HB, "accept", 1, 31 * MSEC, 1);
	check_call(run, HB, "accept", 2, 31 * MSEC, -EAGAIN);
	check_call(run, HA, "send", 1, 100 * MSEC, 6);
	check_call(run, HB, "recv", 1, 110 * MSEC, 6);
	cr_assert_str_eq(call_of(run, HB, "recv", 1)->text, "recv(1) \"hello.\"");
	check_call(run, HB, "send", 1, 200 * MSEC, 6);
	check_call(run, HA, "recv", 1, 210 * MSEC, 6);
	check_call(run, HA, "close", 1, 300 * MSEC, 0);
	/* The passive side's application reads EOF when the FIN arrives. */
	check_call(run, HB, "recv", 2, 310 * MSEC, 0);
	check_call(run, HB, "close", 1, 400 * MSEC, 0);
	e = event_of(run, HA, SYNACK_EV_CONNECTED);
	cr_assert_eq(e->t_ns, 21 * MSEC);
	/* TIME-WAIT lasts 2 * MSL = 60 s from the FIN's arrival, then CLOSED. */
	e = timer_transition(run, HA, TIME_WAIT, CLOSED);
	cr_assert_eq(e->t_ns, 410 * MSEC + 60 * SEC, "TIME-WAIT ended at %llu",
		     (unsigned long long)e->t_ns);
	cr_assert_eq(synack_sim_now(synack_sc_sim(run)), 410 * MSEC + 60 * SEC);
	synack_sc_run_free(run);
}

Test(scenario, S01_same_seed_same_log_other_seed_other_isns)
{
	struct synack_sc_run *a = run_scenario("S01", 7), *b = run_scenario("S01", 7);
	struct synack_sc_run *c = run_scenario("S01", 8);
	size_t na, nb, nc;
	const struct synack_sc_entry *la = synack_sc_log(a, &na), *lb = synack_sc_log(b, &nb);
	const struct synack_sc_entry *lc = synack_sc_log(c, &nc);

	cr_assert_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		cr_assert_eq(la[i].kind, lb[i].kind);
		cr_assert_eq(la[i].t_ns, lb[i].t_ns);
		cr_assert_eq(la[i].seq, lb[i].seq, "entry %zu", i);
		cr_assert_eq(la[i].pkt_len, lb[i].pkt_len);
		if (la[i].pkt_len)
			cr_assert_arr_eq(synack_sc_packet(a, &la[i]), synack_sc_packet(b, &lb[i]),
					 la[i].pkt_len);
	}
	/* Another seed: other secrets, so other ISNs (RFC 6528), same relative exchange. */
	cr_assert_eq(na, nc);
	for (size_t i = 0; i < na; i++)
		if (la[i].kind == SYNACK_SC_LOG_SEND && (la[i].tcp_flags & F_SYN)) {
			cr_assert_neq(la[i].seq, lc[i].seq);
			cr_assert_eq(la[i].rel_seq, lc[i].rel_seq);
		}
	synack_sc_run_free(a);
	synack_sc_run_free(b);
	synack_sc_run_free(c);
}
