/* test_drill_parse.c — the packetdrill line parser and packet helpers of synack drill
 * (src/trace/drill_parse.c, drill_packet.c): times, packets, options, calls, errno
 * results, skipped lines, #ifdef, named syntax errors; build -> parse round trip with
 * options in script order; the packetdrill-syntax printer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "synack/drill.h"

static struct synack_drill_parser p;
static struct synack_drill_event ev;
static char msg[256];

static int parse(const char *line)
{
	return synack_drill_parse_line(&p, line, &ev, msg, sizeof msg);
}

static void reset(void)
{
	memset(&p, 0, sizeof p);
}

TestSuite(drill_parse, .init = reset);

Test(drill_parse, times)
{
	cr_assert_eq(parse("0 close(3) = 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.t0_kind, SYNACK_DRILL_T_ABS);
	cr_assert_eq(ev.t0_us, 0);
	cr_assert_eq(parse("+.1 close(3) = 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.t0_kind, SYNACK_DRILL_T_REL);
	cr_assert_eq(ev.t0_us, 100000, "%lld", (long long)ev.t0_us);
	cr_assert_eq(parse("* close(3) = 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.t0_kind, SYNACK_DRILL_T_ANY);
	cr_assert_eq(parse("1.5~2.25 > . 1:1(0) ack 1"), SYNACK_DRILL_EVENT);
	cr_assert(ev.has_t1 && !ev.is_blocking && !ev.t1_rel);
	cr_assert_eq(ev.t0_us, 1500000);
	cr_assert_eq(ev.t1_us, 2250000);
	cr_assert_eq(parse("+0...+0.200 accept(3, ..., ...) = 4"), SYNACK_DRILL_EVENT);
	cr_assert(ev.has_t1 && ev.is_blocking && ev.t1_rel);
	cr_assert_eq(ev.t0_us, 0);
	cr_assert_eq(ev.t1_us, 200000);
	cr_assert_eq(parse("0...0.1 > S 0:0(0)"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "a packet cannot have a blocking time");
	cr_assert_eq(parse("x close(3) = 0"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "expected a time"), "%s", msg);
}

Test(drill_parse, packet_fields_and_options)
{
	cr_assert_eq(parse("+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.kind, SYNACK_DRILL_EV_PACKET);
	cr_assert_eq(ev.pkt.dir, '<');
	cr_assert_eq(ev.pkt.flags, 0x02);
	cr_assert(ev.pkt.has_win && !ev.pkt.has_ack);
	cr_assert_eq(ev.pkt.win, 32792);
	cr_assert_eq(ev.pkt.nopts, 6);
	cr_assert_eq(ev.pkt.opts[0].kind, SYNACK_DRILL_OPT_MSS);
	cr_assert_eq(ev.pkt.opts[0].v[0], 1000);
	cr_assert_eq(ev.pkt.opts[1].kind, SYNACK_DRILL_OPT_SACKOK);
	cr_assert_eq(ev.pkt.opts[5].kind, SYNACK_DRILL_OPT_WSCALE);
	cr_assert_eq(ev.pkt.opts[5].v[0], 7);

	cr_assert_eq(parse("+0 > P. 1:1001(1000) ack 1 <nop,nop,TS val 100 ecr 700,nop,nop,sack 5:10 20:30>"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.pkt.flags, 0x18);
	cr_assert_eq(ev.pkt.seq, 1);
	cr_assert_eq(ev.pkt.end, 1001);
	cr_assert_eq(ev.pkt.len, 1000);
	cr_assert(ev.pkt.has_ack);
	cr_assert_eq(ev.pkt.ack, 1);
	cr_assert_eq(ev.pkt.opts[2].kind, SYNACK_DRILL_OPT_TS);
	cr_assert_eq(ev.pkt.opts[2].v[0], 100);
	cr_assert_eq(ev.pkt.opts[2].v[1], 700);
	cr_assert_eq(ev.pkt.opts[5].nblocks, 2);
	cr_assert_eq(ev.pkt.opts[5].v[3], 30);

	cr_assert_eq(parse("+0 > R. 0:0(0) ack 1 <...>"), SYNACK_DRILL_EVENT);
	cr_assert(ev.pkt.opts_any);
	cr_assert_eq(parse("+0 < - 5:5(0) win 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.pkt.flags, 0);
	cr_assert_eq(parse("+0 <3 FRPU. 1:1(0) urg 5"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.pkt.flow, 3);
	cr_assert_eq(ev.pkt.flags, 0x3d);
	cr_assert_eq(ev.pkt.urg, 5);
}

Test(drill_parse, packet_errors)
{
	cr_assert_eq(parse("0 < S 0:5(0) win 1"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "seq:end(len): end - seq is not len");
	cr_assert_eq(parse("0 < S 0:0 win 1"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "expected seq:end(len)"), "%s", msg);
	cr_assert_eq(parse("0 < X 0:0(0)"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "expected TCP flags"), "%s", msg);
	cr_assert_eq(parse("0 < S 0:0(0) <mss 99999>"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "bad TCP option"), "%s", msg);
	cr_assert_eq(parse("0 < S 0:0(0) <mss 1000"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "expected '>'"), "%s", msg);
	cr_assert_eq(parse("0 < S 0:0(0) win 70000"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "win 70000 is above 65535");
	cr_assert_eq(parse("0 < S 0:0(0) bogus"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "unexpected text in packet"), "%s", msg);
}

Test(drill_parse, calls_and_results)
{
	cr_assert_eq(parse("+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.kind, SYNACK_DRILL_EV_CALL);
	cr_assert_str_eq(ev.call.name, "setsockopt");
	cr_assert_eq(ev.call.nargs, 5);
	cr_assert_str_eq(ev.call.args[3], "{onoff=1, linger=0}");
	cr_assert_eq(ev.call.ret, 0);
	cr_assert_eq(ev.call.err, 0);

	cr_assert_eq(parse("+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.call.ret, -1);
	cr_assert_eq(ev.call.err, 115);
	cr_assert_str_eq(ev.call.args[1], "...");

	cr_assert_eq(parse("+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.call.ret, 0x802);
	cr_assert_eq(parse("+0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1"),
		     SYNACK_DRILL_EVENT, "%s", msg);
	cr_assert_eq(ev.call.nargs, 3);
	cr_assert_str_eq(ev.call.args[0], "[{fd=4, events=POLLIN, revents=POLLIN}]");

	cr_assert_eq(parse("+0 read(4, ..., 10) = -1 EBOGUS"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "unknown errno name 'EBOGUS'");
	cr_assert_eq(parse("+0 read(4, ..., 10)"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "expected '= RESULT' after read()");
	cr_assert_eq(parse("+0 read(4, ..., 10 = 3"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "bad argument list in read()");
}

Test(drill_parse, values)
{
	int64_t v;

	cr_assert(synack_drill_value("O_RDWR|O_NONBLOCK", &v));
	cr_assert_eq(v, 0x802);
	cr_assert(synack_drill_value("[ECONNREFUSED]", &v));
	cr_assert_eq(v, 111);
	cr_assert(synack_drill_value(" [ 4 ] ", &v));
	cr_assert_eq(v, 4);
	cr_assert(synack_drill_value("MSG_PEEK|MSG_DONTWAIT", &v));
	cr_assert_eq(v, 0x42);
	cr_assert(!synack_drill_value("...", &v));
	cr_assert(!synack_drill_value("SO_BOGUS", &v));
	cr_assert(!synack_drill_value("[4", &v));
	cr_assert_eq(synack_drill_errno("ETIMEDOUT"), 110);
	cr_assert_str_eq(synack_drill_errno_name(104), "ECONNRESET");
	cr_assert_str_eq(synack_drill_errno_name(9999), "E?");
}

Test(drill_parse, skipped_lines_options_ifdef)
{
	cr_assert_eq(parse("--tolerance_usecs=10000"), SYNACK_DRILL_OPTION);
	cr_assert_str_eq(msg, "tolerance_usecs=10000");
	cr_assert_eq(parse("`sysctl -q net.ipv4.tcp_timestamps=0`"), SYNACK_DRILL_NOTICE);
	cr_assert(strstr(msg, "skipped shell command"), "%s", msg);
	cr_assert_eq(parse("%{"), SYNACK_DRILL_NOTICE);
	cr_assert_eq(parse("0 this is python"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("}%"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("/* a comment"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("0 close(3) = 0 */"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("   // nothing"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#ifdef FreeBSD"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("0 close(3) = 0"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#else"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("0 close(4) = 0 // linux"), SYNACK_DRILL_EVENT);
	cr_assert_str_eq(ev.call.args[0], "4");
	cr_assert_eq(ev.line, 12);
	cr_assert_eq(parse("#endif"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#ifdef STANDARD"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#ifndef STANDARD"), SYNACK_DRILL_NONE);
	cr_assert_eq(synack_drill_parse_end(&p, msg, sizeof msg), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "end of script inside #ifdef");
	cr_assert_eq(parse("0 close(5) = 0"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#endif"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("0 close(6) = 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(parse("#endif"), SYNACK_DRILL_NONE);
	cr_assert_eq(synack_drill_parse_end(&p, msg, sizeof msg), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("#endif"), SYNACK_DRILL_ERROR);
	cr_assert_eq(parse("--mtu=1000"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "after the first event"), "%s", msg);
}

Test(drill_packet, build_parse_round_trip_keeps_option_order)
{
	struct synack_drill_wire w = {
		.src = 0xc0000201, .dst = 0xc0a80001, .sport = 40000, .dport = 8080,
		.seq = 7, .ack = 0, .flags = 0x02, .win = 1234, .payload_len = 3, .nopts = 4,
		.opts = {{.kind = SYNACK_DRILL_OPT_WSCALE, .v = {7}},
			 {.kind = SYNACK_DRILL_OPT_NOP},
			 {.kind = SYNACK_DRILL_OPT_TS, .v = {100, 0}},
			 {.kind = SYNACK_DRILL_OPT_MSS, .v = {1000}}},
	};
	struct synack_drill_wire back;
	uint8_t buf[200];
	size_t n = synack_drill_build(&w, buf, sizeof buf);

	/* 20 IP + 20 TCP + (3+1+10+4 = 18 -> 20) options + 3 payload */
	cr_assert_eq(n, 63, "%zu", n);
	cr_assert_eq(buf[20 + 12] >> 4, 10);
	cr_assert_eq(buf[40], 3);     /* wscale first, as written */
	cr_assert_eq(synack_drill_parse(buf, n, &back), 0);
	cr_assert_eq(back.seq, 7);
	cr_assert_eq(back.win, 1234);
	cr_assert_eq(back.payload_len, 3);
	cr_assert_eq(back.nopts, 4);
	cr_assert_eq(back.opts[0].kind, SYNACK_DRILL_OPT_WSCALE);
	cr_assert_eq(back.opts[2].v[0], 100);
	cr_assert_eq(back.opts[3].v[0], 1000);
	buf[45] ^= 0xff;              /* the TCP header stays parseable, */
	buf[20 + 12] = 0x40;          /* but a data offset of 4 is not */
	cr_assert_eq(synack_drill_parse(buf, n, &back), -1);
	cr_assert_eq(synack_drill_build(&w, buf, 50), 0);
	w.opts[0] = (struct synack_drill_opt){.kind = SYNACK_DRILL_OPT_SACK, .nblocks = 4};
	w.opts[1] = w.opts[0];
	cr_assert_eq(synack_drill_build(&w, buf, sizeof buf), 0);   /* > 40 bytes */
}

Test(drill_packet, format)
{
	char out[200];

	cr_assert_eq(parse("0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 2>"),
		     SYNACK_DRILL_EVENT);
	synack_drill_format(&ev.pkt, out, sizeof out);
	cr_assert_str_eq(out, "S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 2>");
	cr_assert_eq(parse("0 > F. 5:5(0) ack 3 <...>"), SYNACK_DRILL_EVENT);
	synack_drill_format(&ev.pkt, out, sizeof out);
	cr_assert_str_eq(out, "F. 5:5(0) ack 3 <...>");
	size_t n = synack_drill_format(&ev.pkt, out, 4);
	cr_assert_eq(n, strlen("F. 5:5(0) ack 3 <...>"));
	cr_assert_str_eq(out, "F. ");
}

/* Timed `shell` lines and one-line %{ }% blocks are events carrying their text; untimed
 * ones and multi-line blocks stay notices; malformed ones are named errors. */
Test(drill_parse, timed_shell_and_code_events)
{
	cr_assert_eq(parse("0 `sysctl -q net.ipv4.tcp_syncookies=2`"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.kind, SYNACK_DRILL_EV_SHELL);
	cr_assert_eq(ev.t0_kind, SYNACK_DRILL_T_ABS);
	cr_assert_str_eq(ev.cmd, "sysctl -q net.ipv4.tcp_syncookies=2");
	cr_assert_eq(parse("+.5   %{ assert tcpi_state == TCP_CLOSING, tcpi_state }%  "),
		     SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.kind, SYNACK_DRILL_EV_CODE);
	cr_assert_eq(ev.t0_kind, SYNACK_DRILL_T_REL);
	cr_assert_eq(ev.t0_us, 500000);
	cr_assert_str_eq(ev.cmd, "assert tcpi_state == TCP_CLOSING, tcpi_state");
	cr_assert_eq(parse("+0 `echo a` b"), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "unexpected text after the shell command"), "%s", msg);
	cr_assert_eq(parse("+0 `echo a"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "shell command without its closing backquote");
	cr_assert_eq(parse("+0...1 `echo a`"), SYNACK_DRILL_ERROR);
	cr_assert_str_eq(msg, "a shell command or code block takes one time");
	char longcmd[300];
	snprintf(longcmd, sizeof longcmd, "0 `%0200d`", 0);
	cr_assert_eq(parse(longcmd), SYNACK_DRILL_ERROR);
	cr_assert(strstr(msg, "longer than 159"), "%s", msg);
	/* a timed block spanning lines is skipped up to its }% */
	cr_assert_eq(parse("+0 %{"), SYNACK_DRILL_NOTICE);
	cr_assert_eq(parse("assert tcpi_state == 1"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("}%"), SYNACK_DRILL_NONE);
	cr_assert_eq(parse("+0 close(3) = 0"), SYNACK_DRILL_EVENT);
	cr_assert_eq(ev.kind, SYNACK_DRILL_EV_CALL);
	int64_t v;
	cr_assert(synack_drill_value("TCP_CLOSING", &v));
	cr_assert_eq(v, 11);
	cr_assert(synack_drill_value("TCP_INFO", &v));
	cr_assert_eq(v, 11);
}
