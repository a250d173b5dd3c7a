/* test_trace_printer.c — the tcpdump-format printer on exact strings: header fields,
 * flags, options, SACK, broken headers, truncated captures, ICMP, the timestamp formats
 * and tcpdump's relative-sequence state machine (including our bounded table).
 * The expected lines follow tcpdump 4.99 -n's output for the same kinds of bytes (most
 * are cases of tests/data/gen_trace_pcap.py, which tests/sh/trace_equiv.sh compares with
 * tcpdump itself). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "synack/trace.h"

#define T0_NS (1700000000LL * 1000000000LL + 123456789LL) /* 2023-11-14 22:13:20.123456789 UTC */

static struct synack_trace tr;

struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urp;
	const uint8_t *opts;
	size_t opts_len;
	size_t payload_len;
	int doff; /* 0: computed */
};

static uint8_t pkt[1600];

/* Builds IPv4 + TCP bytes into pkt (checksums left 0: tcpdump -n does not judge them). */
static size_t build(const struct seg *s)
{
	size_t hl = 20 + s->opts_len, tl = 20 + hl + s->payload_len;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(tl >> 8);
	pkt[3] = (uint8_t)tl;
	pkt[6] = 0x40;
	pkt[8] = 64;
	pkt[9] = 6;
	for (int i = 0; i < 4; i++) {
		pkt[12 + i] = (uint8_t)(s->src >> (24 - 8 * i));
		pkt[16 + i] = (uint8_t)(s->dst >> (24 - 8 * i));
		pkt[24 + i] = (uint8_t)(s->seq >> (24 - 8 * i));
		pkt[28 + i] = (uint8_t)(s->ack >> (24 - 8 * i));
	}
	pkt[20] = (uint8_t)(s->sport >> 8);
	pkt[21] = (uint8_t)s->sport;
	pkt[22] = (uint8_t)(s->dport >> 8);
	pkt[23] = (uint8_t)s->dport;
	pkt[32] = (uint8_t)((s->doff ? s->doff : (int)(hl / 4)) << 4);
	pkt[33] = s->flags;
	pkt[34] = (uint8_t)(s->win >> 8);
	pkt[35] = (uint8_t)s->win;
	pkt[38] = (uint8_t)(s->urp >> 8);
	pkt[39] = (uint8_t)s->urp;
	if (s->opts_len)
		memcpy(pkt + 40, s->opts, s->opts_len);
	memset(pkt + 20 + hl, 'x', s->payload_len);
	return tl;
}

static char line[1024];

static const char *fmt_len(size_t len, size_t caplen, int64_t ts)
{
	synack_trace_format(&tr, line, sizeof(line), pkt, len, caplen, ts);
	return line;
}

static const char *fmt(const struct seg *s)
{
	size_t n = build(s);

	return fmt_len(n, n, T0_NS);
}

static void setup_none(void)
{
	struct synack_trace_opts o = {.ts = SYNACK_TRACE_TS_NONE};

	synack_trace_init(&tr, &o);
}

#define A1 0xc0000201u /* 192.0.2.1 */
#define A2 0xc0000202u /* 192.0.2.2 */
enum { F = 1, S = 2, R = 4, P = 8, A = 16, U = 32, E = 64, W = 128 };

TestSuite(trace, .init = setup_none);

Test(trace, brief_example_syn)
{
	static const uint8_t mss[] = {2, 4, 0x04, 0x00};
	struct seg s = {A1, A2, 4000, 80, 1415531521u, 0, S, 4096, 0, mss, 4, 0, 0};

	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [S], seq 1415531521, "
				  "win 4096, options [mss 1024], length 0");
}

Test(trace, relative_sequence_handshake_data_close)
{
	static const uint8_t mss[] = {2, 4, 0x02, 0x18};
	struct seg syn = {A1, A2, 4000, 80, 1415531521u, 0, S, 4096, 0, mss, 4, 0, 0};
	struct seg synack = {A2, A1, 80, 4000, 7, 1415531522u, S | A, 8192, 0, mss, 4, 0, 0};
	struct seg ack = {A1, A2, 4000, 80, 1415531522u, 8, A, 4096, 0, NULL, 0, 0, 0};
	struct seg data = {A1, A2, 4000, 80, 1415531522u, 8, P | A, 4096, 0, NULL, 0, 100, 0};
	struct seg back = {A2, A1, 80, 4000, 8, 1415531622u, P | A, 8192, 0, NULL, 0, 10, 0};
	struct seg fin = {A1, A2, 4000, 80, 1415531622u, 18, F | A, 4096, 0, NULL, 0, 0, 0};

	cr_assert_str_eq(fmt(&syn), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [S], seq 1415531521, "
				    "win 4096, options [mss 536], length 0");
	/* the SYN-ACK sets the base and prints absolute numbers */
	cr_assert_str_eq(fmt(&synack), "IP 192.0.2.2.80 > 192.0.2.1.4000: Flags [S.], seq 7, "
				       "ack 1415531522, win 8192, options [mss 536], length 0");
	cr_assert_str_eq(fmt(&ack), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [.], ack 1, win 4096, length 0");
	cr_assert_str_eq(fmt(&data), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [P.], seq 1:101, ack 1, "
				     "win 4096, length 100");
	cr_assert_str_eq(fmt(&back), "IP 192.0.2.2.80 > 192.0.2.1.4000: Flags [P.], seq 1:11, ack 101, "
				     "win 8192, length 10");
	cr_assert_str_eq(fmt(&fin), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [F.], seq 101, ack 11, "
				    "win 4096, length 0");
}

Test(trace, absolute_with_S)
{
	struct synack_trace_opts o = {.absolute_seq = true, .ts = SYNACK_TRACE_TS_NONE};
	struct seg synack = {A2, A1, 80, 4000, 7, 1415531522u, S | A, 8192, 0, NULL, 0, 0, 0};
	struct seg ack = {A1, A2, 4000, 80, 1415531522u, 8, A, 4096, 0, NULL, 0, 5, 0};

	synack_trace_init(&tr, &o);
	fmt(&synack);
	cr_assert_str_eq(fmt(&ack), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [.], "
				    "seq 1415531522:1415531527, ack 8, win 4096, length 5");
}

Test(trace, midstream_first_ack_is_absolute_then_relative)
{
	struct seg a = {A1, A2, 44444, 7777, 500000, 900000, A, 100, 0, NULL, 0, 10, 0};
	struct seg b = {A2, A1, 7777, 44444, 900000, 500010, A, 100, 0, NULL, 0, 20, 0};

	cr_assert_str_eq(fmt(&a), "IP 192.0.2.1.44444 > 192.0.2.2.7777: Flags [.], seq 500000:500010, "
				  "ack 900000, win 100, length 10");
	cr_assert_str_eq(fmt(&b), "IP 192.0.2.2.7777 > 192.0.2.1.44444: Flags [.], seq 1:21, ack 10, "
				  "win 100, length 20");
}

Test(trace, syn_ack_rebases_syn_alone_does_not)
{
	struct seg a = {A1, A2, 44444, 7777, 500000, 900000, A, 100, 0, NULL, 0, 0, 0};
	struct seg sa = {A2, A1, 7777, 44444, 123456, 500011, S | A, 100, 0, NULL, 0, 0, 0};
	struct seg syn = {A1, A2, 44444, 7777, 42, 0, S, 100, 0, NULL, 0, 0, 0};
	struct seg b = {A1, A2, 44444, 7777, 500011, 123457, A, 100, 0, NULL, 0, 1, 0};

	fmt(&a);
	cr_assert_str_eq(fmt(&sa), "IP 192.0.2.2.7777 > 192.0.2.1.44444: Flags [S.], seq 123456, "
				   "ack 500011, win 100, length 0");
	cr_assert_str_eq(fmt(&syn), "IP 192.0.2.1.44444 > 192.0.2.2.7777: Flags [S], seq 42, win 100, length 0");
	cr_assert_str_eq(fmt(&b), "IP 192.0.2.1.44444 > 192.0.2.2.7777: Flags [.], seq 1:2, ack 1, "
				  "win 100, length 1");
}

Test(trace, equal_ports_ordered_by_address)
{
	struct seg a = {A2, A1, 7000, 7000, 111, 222, A, 100, 0, NULL, 0, 0, 0};
	struct seg b = {A1, A2, 7000, 7000, 222, 112, A, 100, 0, NULL, 0, 5, 0};

	fmt(&a);
	cr_assert_str_eq(fmt(&b), "IP 192.0.2.1.7000 > 192.0.2.2.7000: Flags [.], seq 1:6, ack 1, "
				  "win 100, length 5");
}

Test(trace, sack_relative_even_on_the_base_segment)
{
	static const uint8_t sack[] = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
	struct seg s = {0x0a010101u, 0x0a010102u, 1000, 2002, 1, 5, A, 65535, 0, sack, sizeof(sack), 0, 0};

	cr_assert_str_eq(fmt(&s), "IP 10.1.1.1.1000 > 10.1.1.2.2002: Flags [.], ack 5, win 65535, "
				  "options [nop,nop,sack 2 {6:16}{26:36}], length 0");
}

Test(trace, flags_as_tcpdump_spells_them)
{
	static const struct {
		uint8_t flags;
		const char *text;
	} cases[] = {
		{0, "[none]"}, {U, "[U]"}, {E, "[E]"}, {W, "[W]"}, {S | E | W, "[SEW]"},
		{U | A, "[.U]"}, {U | P | A, "[P.U]"}, {F | P | A, "[FP.]"},
		{F | S | R | P | A | U | E | W, "[FSRP.UEW]"}, {S | R, "[SR]"},
	};
	struct synack_trace_opts o = {.absolute_seq = true, .ts = SYNACK_TRACE_TS_NONE};

	synack_trace_init(&tr, &o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seg s = {A1, A2, 33000, 33001, 1, 2, cases[i].flags, 1000, 7, NULL, 0, 0, 0};
		char want[64];

		snprintf(want, sizeof(want), "Flags %s", cases[i].text);
		cr_assert(strstr(fmt(&s), want), "flags %#x: '%s' lacks '%s'", cases[i].flags, line, want);
	}
	{
		struct seg s = {A1, A2, 33000, 33001, 1, 2, U | A, 1000, 7, NULL, 0, 0, 0};

		cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.33000 > 192.0.2.2.33001: Flags [.U], ack 2, "
					  "win 1000, urg 7, length 0");
	}
}

Test(trace, linux_syn_options)
{
	static const uint8_t o[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 1, 3, 3, 7};
	struct seg s = {A1, A2, 40001, 5555, 1, 0, S, 64240, 0, o, sizeof(o), 0, 0};

	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.40001 > 192.0.2.2.5555: Flags [S], seq 1, win 64240, "
				  "options [mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7], length 0");
}

Test(trace, malformed_options)
{
	static const uint8_t bad_first[] = {2, 1, 0, 0};
	static const uint8_t bad_second[] = {2, 4, 5, 0xb4, 8, 10, 0, 0};
	static const uint8_t mss_len5[] = {2, 5, 5, 0xb4, 0, 0, 0, 0};
	static const uint8_t unknown[] = {99, 4, 0xde, 0xad};
	struct seg s = {A1, A2, 34000, 34001, 1, 0, S, 65535, 0, bad_first, 4, 0, 0};

	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34000 > 192.0.2.2.34001: Flags [S], seq 1, win 65535, "
				  "options [[bad opt]");
	s.opts = bad_second;
	s.opts_len = 8;
	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34000 > 192.0.2.2.34001: Flags [S], seq 1, win 65535, "
				  "options [mss 1460,[bad opt]]");
	s.opts = mss_len5;
	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34000 > 192.0.2.2.34001: Flags [S], seq 1, win 65535, "
				  "options [mss 1460[len 5],eol], length 0");
	s.opts = unknown;
	s.opts_len = 4;
	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34000 > 192.0.2.2.34001: Flags [S], seq 1, win 65535, "
				  "options [unknown-99 0xdead], length 0");
}

Test(trace, bad_header_lengths)
{
	struct seg s = {A1, A2, 34002, 34003, 9, 9, A, 65535, 0, NULL, 0, 0, 4};

	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34002 > 192.0.2.2.34003:  tcp 4 "
				  "[bad hdr length 16 - too short, < 20]");
	s.doff = 15;
	s.payload_len = 3;
	cr_assert_str_eq(fmt(&s), "IP 192.0.2.1.34002 > 192.0.2.2.34003: Flags [.] "
				  "[bad hdr length 60 - too long, > 23]");
}

Test(trace, truncated_captures)
{
	static const uint8_t o[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 1, 3, 3, 7};
	struct seg s = {A1, A2, 36000, 36001, 5, 0, S, 65535, 0, o, sizeof(o), 0, 0};
	size_t n = build(&s);

	cr_assert_str_eq(fmt_len(n, 48, T0_NS), "IP 192.0.2.1.36000 > 192.0.2.2.36001: Flags [S], seq 5, "
						"win 65535, options [mss 1460,sackOK,TS [|tcp]>");
	cr_assert_str_eq(fmt_len(n, 42, T0_NS), "IP 192.0.2.1.36000 > 192.0.2.2.36001: Flags [S], seq 5, "
						"win 65535, options [mss [|tcp]");
	cr_assert_str_eq(fmt_len(n, 34, T0_NS), "IP 192.0.2.1.36000 > 192.0.2.2.36001:  [|tcp]");
	cr_assert_str_eq(fmt_len(n, 22, T0_NS), "IP 192.0.2.1 > 192.0.2.2: [|tcp]");
	cr_assert_str_eq(fmt_len(n, 19, T0_NS), "IP  [|ip]");
	/* every capture length, none reads past caplen (ASan) and all start with "IP " */
	for (size_t cap = 0; cap <= n; cap++)
		cr_assert(!strncmp(fmt_len(n, cap, T0_NS), "IP ", 3), "caplen %zu: %s", cap, line);
}

Test(trace, icmp_echo_and_unreachable)
{
	uint8_t *p = pkt;

	memset(pkt, 0, sizeof(pkt));
	p[0] = 0x45; p[3] = 28 + 28; p[9] = 1;
	p[12] = 192; p[14] = 2; p[15] = 1; p[16] = 192; p[18] = 2; p[19] = 2;
	p[20] = 3; p[21] = 3;                              /* port unreachable */
	p[28] = 0x45; p[37] = 6;                           /* quoted IPv4 header, TCP */
	p[44] = 10; p[47] = 9;                             /* its destination 10.0.0.9 */
	p[50] = 0x1f; p[51] = 0x40;                        /* its destination port 8000 */
	cr_assert_str_eq(fmt_len(56, 56, T0_NS), "IP 192.0.2.1 > 192.0.2.2: ICMP 10.0.0.9 tcp port 8000 "
						 "unreachable, length 36");
	cr_assert_str_eq(fmt_len(56, 50, T0_NS), "IP 192.0.2.1 > 192.0.2.2:  [|icmp]");
	p[3] = 28 + 8;
	p[20] = 8; p[21] = 0; p[24] = 0x12; p[25] = 0x34; p[27] = 1;
	cr_assert_str_eq(fmt_len(36, 36, T0_NS), "IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 4660, "
						 "seq 1, length 16");
}

static long plus_eight_hours(void *ctx, int64_t epoch_s)
{
	(void)ctx;
	(void)epoch_s;
	return 8 * 3600;
}

Test(trace, timestamp_formats)
{
	struct seg s = {A1, A2, 1, 2, 1, 0, 0, 0, 0, NULL, 0, 0, 0};
	struct synack_trace_opts o = {0};
	size_t n = build(&s);

	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS), "22:13:20.123456 IP ", 19), "%s", line);
	o.utc_offset_s = plus_eight_hours;
	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS), "06:13:20.123456 IP ", 19), "%s", line);
	o.ts = SYNACK_TRACE_TS_DATE;
	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS), "2023-11-15 06:13:20.123456 IP ", 30), "%s", line);
	/* a leap day and the turn of a year, in UTC */
	o.utc_offset_s = NULL;
	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, 1709251199999999000LL), "2024-02-29 23:59:59.999999 ", 27), "%s", line);
	cr_assert(!strncmp(fmt_len(n, n, 1704067200000000000LL), "2024-01-01 00:00:00.000000 ", 27), "%s", line);
	o.ts = SYNACK_TRACE_TS_EPOCH;
	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS), "1700000000.123456 IP ", 21), "%s", line);
	o.ts = SYNACK_TRACE_TS_DELTA;
	synack_trace_init(&tr, &o);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS), " 00:00:00.000000 IP ", 20), "%s", line);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS + 3661000001000LL), " 01:01:01.000001 IP ", 20), "%s", line);
	cr_assert(!strncmp(fmt_len(n, n, T0_NS + 3659000001000LL), "-00:00:02.000000 IP ", 20), "%s", line);
	/* 25 hours: tcpdump shows the time of day of the delta */
	cr_assert(!strncmp(fmt_len(n, n, T0_NS + 3659000001000LL + 90000000000000LL),
			   " 01:00:00.000000 IP ", 20), "%s", line);
}

Test(trace, output_cut_to_the_buffer)
{
	struct seg s = {A1, A2, 4000, 80, 1, 0, S, 4096, 0, NULL, 0, 0, 0};
	char small[11];
	size_t n = build(&s), full;

	full = synack_trace_format(&tr, small, sizeof(small), pkt, n, n, T0_NS);
	cr_assert_eq(full, strlen("IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [S], seq 1, win 4096, length 0"));
	cr_assert_str_eq(small, "IP 192.0.2");
	cr_assert_eq(synack_trace_format(&tr, NULL, 0, pkt, n, n, T0_NS), full);
}

Test(trace, table_is_bounded_and_forgets_least_recently_used)
{
	struct seg first = {A1, A2, 4000, 80, 1000, 2000, A, 10, 0, NULL, 0, 0, 0};
	struct seg again = {A1, A2, 4000, 80, 1005, 2000, A, 10, 0, NULL, 0, 0, 0};

	fmt(&first);
	cr_assert_str_eq(fmt(&again), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [.], ack 1, win 10, length 0");
	/* 8 times the table's capacity of other conversations pushes it out */
	for (uint32_t i = 0; i < 8 * SYNACK_TRACE_CONV_SETS * SYNACK_TRACE_CONV_WAYS; i++) {
		struct seg other = {0x0a000000u + i, A2, 5000, 80, 1, 1, A, 10, 0, NULL, 0, 0, 0};

		fmt(&other);
	}
	cr_assert_str_eq(fmt(&again), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [.], ack 2000, win 10, length 0");
	cr_assert_str_eq(fmt(&again), "IP 192.0.2.1.4000 > 192.0.2.2.80: Flags [.], ack 1, win 10, length 0");
}
