/* test_scenario_s15.c — S15 options (Stevens §18.10; RFC 9293 §3.1 "Options", §3.2;
 * RFC 7323 §2-3; RFC 2018). A crafted client at 10.0.0.3 opens a connection to B with a
 * SYN carrying an unknown option (kind 99) before MSS 100, SACK-permitted, timestamps,
 * NOP, window scale 7 and EOL (then bytes after the EOL that would be malformed): B
 * skips the unknown option by its length and reads the rest (its SYN,ACK echoes the
 * timestamp and carries a window scale only because the client offered one; its data
 * segments are 100 - 12 timestamp bytes = 88 bytes). B builds MSS, SACK-permitted, TS,
 * NOP, WS (Linux's layout, 4-byte aligned, data offset 10) and NOP, NOP, TS afterwards
 * (data offset 8). A SACK block is parsed and the data delivered. Five malformed segments (option length 0,
 * length 1, overrun, data offset 4, data offset 15 past the end) are dropped and
 * counted, never answered; then data offset 15 with 40 bytes of options is accepted at
 * the very sequence number the malformed ones carried. */
#include "test_scenario_states.h"
#include "test_scenario_util.h"
#include "wire/wire.h"

/* The TCP header of a SEND entry's packet (IPv4 header of 20 bytes in the simulator). */
static struct wire_tcp parse_sent(const struct synack_sc_run *run, int nth)
{
	const struct synack_sc_entry *e = segment_nth(run, nth);
	const uint8_t *p = synack_sc_packet(run, e);
	struct wire_tcp t;

	cr_assert_not_null(p);
	cr_assert_eq(wire_tcp_parse(p + 20, e->pkt_len - 20u, &t), WIRE_OK);
	return t;
}

/* Bytes 20.. of the TCP header of the nth segment equal want[0..n). */
static void check_opt_bytes(const struct synack_sc_run *run, int nth, const uint8_t *want,
			    size_t n)
{
	const struct synack_sc_entry *e = segment_nth(run, nth);
	const uint8_t *p = synack_sc_packet(run, e);

	cr_assert_eq(e->tcp_hdr_len, 20 + n, "seg %d: header %u bytes, want %zu", nth,
		     e->tcp_hdr_len, 20 + n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(p[40 + i], want[i], "seg %d option byte %zu: 0x%02x, want 0x%02x", nth,
			     i, p[40 + i], want[i]);
}

Test(scenario, S15_options_parsed_built_and_malformed_dropped)
{
	struct synack_sc_run *run = run_scenario("S15", 1);
	const struct want_seg want[] = {
		{1 * MSEC, HA, F_SYN, 0, 0, 0, CLOSED, 11 * MSEC, SYN_RCVD},
		{11 * MSEC, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, 21 * MSEC, NOT_OURS},
		{50 * MSEC, HA, F_ACK, 1, 1, 0, CLOSED, 60 * MSEC, ESTAB},
		{100 * MSEC, HA, F_PSH | F_ACK, 1, 1, 4, CLOSED, 110 * MSEC, ESTAB},
		{110 * MSEC, HB, F_ACK, 1, 5, 0, ESTAB, 120 * MSEC, NOT_OURS},
		{200 * MSEC, HB, F_ACK, 1, 5, 88, ESTAB, 210 * MSEC, NOT_OURS},
		{200 * MSEC, HB, F_ACK, 89, 5, 88, ESTAB, 210 * MSEC, NOT_OURS},
		{200 * MSEC, HB, F_ACK, 177, 5, 88, ESTAB, 210 * MSEC, NOT_OURS},
		{300 * MSEC, HA, F_ACK, 5, 265, 0, CLOSED, 310 * MSEC, ESTAB},
		{310 * MSEC, HB, F_PSH | F_ACK, 265, 5, 36, ESTAB, 320 * MSEC, NOT_OURS},
		{350 * MSEC, HA, F_ACK, 5, 301, 0, CLOSED, 360 * MSEC, ESTAB},
		{900 * MSEC, HA, F_PSH | F_ACK, 5, 301, 4, CLOSED, 910 * MSEC, ESTAB},
		{910 * MSEC, HB, F_ACK, 301, 9, 0, ESTAB, 920 * MSEC, NOT_OURS},
	};
	static const char *const bad_reason[5] = {
		"tcp: option length 0 or 1", "tcp: option length 0 or 1",
		"tcp: option overruns header", "tcp: bad data offset", "tcp: bad data offset",
	};
	struct wire_tcp t, syn;
	const struct synack_sc_entry *log;
	const struct synack_sock_info *v;
	size_t n, nl;
	int bad = 0;

	check_segments(run, want, sizeof want / sizeof want[0]);

	/* The client's SYN as B read it: the unknown option skipped by length, every
	 * known option found, nothing read after the EOL. */
	syn = parse_sent(run, 1);
	cr_assert_eq(segment_nth(run, 1)->tcp_hdr_len, 48);
	cr_assert_eq(syn.opt.unknown_count, 1);
	cr_assert_eq(syn.opt.present, WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS);
	cr_assert_eq(syn.opt.mss, 100);
	cr_assert_eq(syn.opt.wscale, 7);
	cr_assert_eq(syn.opt.ts_val, 1000);
	cr_assert_eq(arrival_nth(run, 1)->mss, 100);

	/* B's SYN,ACK: MSS 1460, SACK-permitted in place of the NOP, NOP before TS (val,
	 * ecr = the client's 1000), NOP, WS 7 (chosen for the 6 MiB autotuning cap, as
	 * Linux): Linux's layout (the client offered SACK). */
	t = parse_sent(run, 2);
	{
		const uint8_t w[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10,
				       (uint8_t)(t.opt.ts_val >> 24), (uint8_t)(t.opt.ts_val >> 16),
				       (uint8_t)(t.opt.ts_val >> 8), (uint8_t)t.opt.ts_val,
				       0, 0, 0x03, 0xe8, 1, 3, 3, 7};
		check_opt_bytes(run, 2, w, sizeof w);
	}
	cr_assert_eq(t.win, 65535);
	/* After the SYN: NOP, NOP, TS echoing the client's latest value; the window is
	 * B's 131072-byte buffer scaled by 7 (128). */
	t = parse_sent(run, 6);
	{
		const uint8_t w[12] = {1, 1, 8, 10, (uint8_t)(t.opt.ts_val >> 24),
				       (uint8_t)(t.opt.ts_val >> 16), (uint8_t)(t.opt.ts_val >> 8),
				       (uint8_t)t.opt.ts_val, 0, 0, 0x03, 0xea};
		check_opt_bytes(run, 6, w, sizeof w);
	}
	cr_assert_eq(t.win, 1024);
	cr_assert_eq(parse_sent(run, 13).opt.ts_ecr, 1005);

	/* The SACK block was parsed (and the data delivered); data offset 15 accepted. */
	t = parse_sent(run, 4);
	cr_assert_eq(t.opt.present, WIRE_HAS_SACK | WIRE_HAS_TS);
	cr_assert_eq(t.opt.sack_count, 1);
	cr_assert_eq(t.opt.sack[0].left, 1000);
	cr_assert_eq(t.opt.sack[0].right, 2000);
	cr_assert_eq(segment_nth(run, 12)->tcp_hdr_len, 60);
	check_call(run, HB, "recv(1) \"sack\"", 1, 110 * MSEC, 4);
	check_call(run, HB, "recv(1) \"good\"", 1, 910 * MSEC, 4);

	/* The five malformed segments: dropped at B, which stays ESTABLISHED and answers
	 * nothing (check_segments saw no reply between 360 ms and 900 ms). */
	log = synack_sc_log(run, &nl);
	for (size_t i = 0; i < nl; i++) {
		const struct synack_sc_entry *e = &log[i], *a;

		if (e->kind != SYNACK_SC_LOG_SEND || e->is_tcp)
			continue;
		cr_assert_lt(bad, 5);
		cr_assert(e->injected);
		cr_assert_eq(e->t_ns, (uint64_t)(400 + 100 * bad) * MSEC, "bad %d at %llu", bad,
			     (unsigned long long)e->t_ns);
		cr_assert_str_eq(e->text, bad_reason[bad]);
		a = arrival_of(log, nl, i, e->pkt_id);
		cr_assert_not_null(a);
		cr_assert_eq(a->t_ns, e->t_ns + 10 * MSEC);
		cr_assert_str_eq(a->decision, "dropped: malformed TCP header");
		cr_assert_eq(a->verdict, SYNACK_V_DROPPED);
		cr_assert_eq(a->state, ESTAB);
		cr_assert_eq(a->state_before, ESTAB);
		bad++;
	}
	cr_assert_eq(bad, 5);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_MALFORMED), 5);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_IN), 6);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_RST_OUT), 0);
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[1].state, ESTAB);
	cr_assert_eq(v[1].recv_q, 0);
	cr_assert_eq(v[1].send_q, 0);
	synack_sc_run_free(run);
}
