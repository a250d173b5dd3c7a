/* test_scenario_s14.c — S14 mss (Stevens §18.4; RFC 9293 §3.7.1, RFC 6691, RFC 1122
 * §4.2.2.6). A's MTU is 296 (the SLIP example): its SYN carries MSS 256 = 296 - 40, B's
 * SYN,ACK MSS 1460; the option appears in SYNs only. Neither side sends a segment whose
 * data plus TCP options exceed 256 bytes: with 12 bytes of timestamps that is 244 data
 * bytes per full segment (as Linux; RFC 6691: the MSS counts the options). A crafted
 * SYN from 10.0.0.3 without an MSS option: B assumes 536 and sends 536-byte segments
 * (no timestamps were offered). Nagle holds the remainders until the ACK. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S14_mss_256_on_a_296_mtu_and_536_default)
{
	struct synack_sc_run *run = run_scenario("S14", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HB, F_ACK, 1, 1, 244, ESTAB, 110 * MSEC, ESTAB},
		{100 * MSEC, HB, F_ACK, 245, 1, 244, ESTAB, 110 * MSEC, ESTAB},
		/* quick-ACK mode: A ACKs each of its first segments at once */
		{110 * MSEC, HA, F_ACK, 1, 245, 0, ESTAB, 120 * MSEC, ESTAB},
		{110 * MSEC, HA, F_ACK, 1, 489, 0, ESTAB, 120 * MSEC, ESTAB},
		{120 * MSEC, HB, F_PSH | F_ACK, 489, 1, 112, ESTAB, 130 * MSEC, ESTAB},
		{130 * MSEC, HA, F_ACK, 1, 601, 0, ESTAB, 140 * MSEC, ESTAB},
		{300 * MSEC, HA, F_ACK, 1, 601, 244, ESTAB, 310 * MSEC, ESTAB},
		{310 * MSEC, HB, F_ACK, 601, 245, 0, ESTAB, 320 * MSEC, ESTAB},
		{320 * MSEC, HA, F_PSH | F_ACK, 245, 601, 56, ESTAB, 330 * MSEC, ESTAB},
		{330 * MSEC, HB, F_ACK, 601, 301, 0, ESTAB, 340 * MSEC, ESTAB},
		{500 * MSEC, HA, F_SYN, 0, 0, 0, CLOSED, 510 * MSEC, SYN_RCVD},
		{510 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 520 * MSEC, NOT_OURS},
		{600 * MSEC, HA, F_ACK, 1, 1, 0, CLOSED, 610 * MSEC, ESTAB},
		{700 * MSEC, HB, F_ACK, 1, 1, 536, ESTAB, 710 * MSEC, NOT_OURS},
		{800 * MSEC, HB, F_RST | F_ACK, 537, 1, 0, CLOSED, 810 * MSEC, NOT_OURS},
	};
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	check_segments(run, want, sizeof want / sizeof want[0]);
	cr_assert_eq(segment_nth(run, 1)->mss, 256);
	cr_assert_eq(segment_nth(run, 2)->mss, 1460);
	cr_assert_eq(segment_nth(run, 14)->mss, 0);
	cr_assert_eq(segment_nth(run, 15)->mss, 1460);
	/* MSS only on SYNs; no segment between A and B carries more than 256 bytes of
	 * data + options. */
	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];

		if (e->kind != SYNACK_SC_LOG_SEND || !e->is_tcp)
			continue;
		if (!(e->tcp_flags & F_SYN))
			cr_assert_eq(e->mss, 0, "MSS option on a non-SYN at %llu",
				     (unsigned long long)e->t_ns);
		if (e->daddr == SYNACK_SC_ADDR_A || e->daddr == SYNACK_SC_ADDR_B)
			cr_assert_leq(e->len + e->tcp_hdr_len - 20u, 256u);
	}
	check_call(run, HB, "accept", 3, 610 * MSEC, 2);
	synack_sc_run_free(run);
}
