/* test_scenario_s25.c — S25 tcpdump-trace (Stevens §18.2.1, §18.2.5): the short exchange
 * of fig. 18.1 (port 1037 to the discard port 9: handshake, 6 bytes, close from each
 * side) formatted with the trace printer exactly as tcpdump -n prints it: relative
 * sequence numbers after the SYN (the SYN and SYN,ACK absolute, "ack 1", "seq 1:7"),
 * and with -S every number as on the wire (ISN + offset). tests/sh/demo_tcpdump.sh
 * checks the demo's lines and its --pcap file against tcpdump itself. */
#include <stdio.h>

#include "synack/trace.h"
#include "test_scenario_states.h"
#include "test_scenario_util.h"

static struct synack_trace rel_tr, abs_tr;

Test(scenario, S25_trace_relative_and_absolute)
{
	struct synack_sc_run *run = run_scenario("S25", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, SYN_SENT, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, ESTAB},
		{21 * MSEC, HA, F_ACK, 1, 1, 0, ESTAB, 31 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 6, ESTAB, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 7, 0, ESTAB, 120 * MSEC, ESTAB},
		{200 * MSEC, HA, F_FIN | F_ACK, 7, 1, 0, FW1, 210 * MSEC, CLOSE_WAIT},
		{210 * MSEC, HB, F_ACK, 1, 8, 0, CLOSE_WAIT, 220 * MSEC, FW2},
		{300 * MSEC, HB, F_FIN | F_ACK, 1, 8, 0, LAST_ACK, 310 * MSEC, TIME_WAIT},
		{310 * MSEC, HA, F_ACK, 8, 2, 0, TIME_WAIT, 320 * MSEC, CLOSED},
	};
	const struct synack_trace_opts ro = {.absolute_seq = false, .ts = SYNACK_TRACE_TS_NONE};
	const struct synack_trace_opts ao = {.absolute_seq = true, .ts = SYNACK_TRACE_TS_NONE};
	uint32_t ia, ib;

	check_segments(run, want, sizeof want / sizeof want[0]);
	ia = segment_nth(run, 1)->seq;
	ib = segment_nth(run, 2)->seq;
	{
		/* tcpdump: relative after the SYN; -S: every number on the wire. */
		char rel[9][96], abs_[9][96];

		snprintf(rel[0], 96, "Flags [S], seq %u", ia);
		snprintf(rel[1], 96, "Flags [S.], seq %u, ack %u", ib, ia + 1);
		snprintf(rel[2], 96, "Flags [.], ack 1");
		snprintf(rel[3], 96, "Flags [P.], seq 1:7, ack 1");
		snprintf(rel[4], 96, "Flags [.], ack 7");
		snprintf(rel[5], 96, "Flags [F.], seq 7, ack 1");
		snprintf(rel[6], 96, "Flags [.], ack 8");
		snprintf(rel[7], 96, "Flags [F.], seq 1, ack 8");
		snprintf(rel[8], 96, "Flags [.], ack 2");
		snprintf(abs_[0], 96, "Flags [S], seq %u", ia);
		snprintf(abs_[1], 96, "Flags [S.], seq %u, ack %u", ib, ia + 1);
		snprintf(abs_[2], 96, "Flags [.], ack %u", ib + 1);
		snprintf(abs_[3], 96, "Flags [P.], seq %u:%u, ack %u", ia + 1, ia + 7, ib + 1);
		snprintf(abs_[4], 96, "Flags [.], ack %u", ia + 7);
		snprintf(abs_[5], 96, "Flags [F.], seq %u, ack %u", ia + 7, ib + 1);
		snprintf(abs_[6], 96, "Flags [.], ack %u", ia + 8);
		snprintf(abs_[7], 96, "Flags [F.], seq %u, ack %u", ib + 1, ia + 8);
		snprintf(abs_[8], 96, "Flags [.], ack %u", ib + 2);

		synack_trace_init(&rel_tr, &ro);
		synack_trace_init(&abs_tr, &ao);
		for (int i = 1; i <= 9; i++) {
			const struct synack_sc_entry *e = segment_nth(run, i);
			const uint8_t *p = synack_sc_packet(run, e);
			char want_rel[200], want_abs[200], got[512];
			int k;

			k = snprintf(want_rel, sizeof want_rel, "IP 10.0.0.%d.%u > 10.0.0.%d.%u: %s, ",
				     e->host + 1, e->sport, 2 - e->host, e->dport, rel[i - 1]);
			cr_assert_lt(k, (int)sizeof want_rel);
			k = snprintf(want_abs, sizeof want_abs, "IP 10.0.0.%d.%u > 10.0.0.%d.%u: %s, ",
				     e->host + 1, e->sport, 2 - e->host, e->dport, abs_[i - 1]);
			cr_assert_lt(k, (int)sizeof want_abs);
			synack_trace_format(&rel_tr, got, sizeof got, p, e->pkt_len, e->pkt_len, 0);
			cr_assert(!strncmp(got, want_rel, strlen(want_rel)),
				  "seg %d relative:\n got  %s\n want %s...", i, got, want_rel);
			cr_assert(strstr(got, e->len ? ", length 6" : ", length 0"), "seg %d: %s", i, got);
			synack_trace_format(&abs_tr, got, sizeof got, p, e->pkt_len, e->pkt_len, 0);
			cr_assert(!strncmp(got, want_abs, strlen(want_abs)),
				  "seg %d -S:\n got  %s\n want %s...", i, got, want_abs);
		}
	}
	check_call(run, HB, "recv(1) \"hello.\"", 1, 110 * MSEC, 6);
	synack_sc_run_free(run);
}
