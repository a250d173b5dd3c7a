/* test_ss_format.c — the ss-style formatter (src/trace/ss.c) on hand-filled entries:
 * exact header, entry lines for each timer kind and remaining-time range, per-state
 * counts order, summary, truncation contract. */
#include <criterion/criterion.h>
#include <string.h>

#include "synack/ss.h"

#define SEC  1000000000ull
#define MSEC 1000000ull

struct sink {
	char text[8192];
	size_t len;
	int lines;
};

static void collect(void *ctx, const char *line)
{
	struct sink *k = ctx;
	size_t n = strlen(line);

	cr_assert_lt(k->len + n + 1, sizeof k->text);
	memcpy(k->text + k->len, line, n);
	k->len += n;
	k->text[k->len++] = '\n';
	k->text[k->len] = '\0';
	k->lines++;
}

static struct synack_sock_info entry(int fd, int st, uint32_t la, uint16_t lp, uint32_t ra,
				     uint16_t rp, uint32_t rq, uint32_t sq)
{
	struct synack_sock_info e = {
		.fd = fd, .state = (uint8_t)st, .laddr = la, .lport = lp, .raddr = ra,
		.rport = rp, .recv_q = rq, .send_q = sq,
	};
	return e;
}

static const char *line_of(const struct synack_sock_info *e, uint64_t now)
{
	static char buf[200];

	synack_ss_format_entry(e, now, buf, sizeof buf);
	return buf;
}

Test(ss_format, header)
{
	char buf[200];
	size_t n = synack_ss_format_header(buf, sizeof buf);

	cr_assert_str_eq(buf, "State        Recv-Q Send-Q Local Address:Port    "
			 "Peer Address:Port     Timer");
	cr_assert_eq(n, strlen(buf));
}

Test(ss_format, listener_and_closed)
{
	struct synack_sock_info l = entry(3, SYNACK_STATE_LISTEN, 0, 80, 0, 0, 2, 128);
	struct synack_sock_info c = entry(4, SYNACK_STATE_CLOSED, 0, 0, 0, 0, 0, 0);

	cr_assert_str_eq(line_of(&l, 0),
			 "LISTEN       2      128    0.0.0.0:80            0.0.0.0:*");
	cr_assert_str_eq(line_of(&c, 0),
			 "CLOSED       0      0      0.0.0.0:*             0.0.0.0:*");
}

Test(ss_format, every_state_name)
{
	static const char *const want[] = {
		"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT",
		"FIN-WAIT-1", "CLOSING", "LAST-ACK", "FIN-WAIT-2", "TIME-WAIT", "?",
	};

	for (int st = 0; st <= SYNACK_STATE_COUNT; st++) {
		struct synack_sock_info e = entry(-1, st, 0x0a000001, 1, 0x0a000002, 2, 0, 0);
		char buf[200];

		synack_ss_format_entry(&e, 0, buf, sizeof buf);
		cr_assert_eq(strncmp(buf, want[st], strlen(want[st])), 0, "state %d: '%s'", st,
			     buf);
		cr_assert_eq(buf[strlen(want[st])], ' ', "state %d: '%s'", st, buf);
	}
}

Test(ss_format, timers)
{
	uint64_t now = 1000 * SEC;
	struct synack_sock_info e = entry(5, SYNACK_STATE_ESTABLISHED, 0x0a000001, 80,
					  0xc0a80a0b, 40000, 7, 1448);

	e.timer = SYNACK_TIMER_RETRANSMIT;
	e.timer_deadline_ns = now + 1234 * MSEC;
	e.retransmits = 2;
	cr_assert_str_eq(line_of(&e, now),
			 "ESTABLISHED  7      1448   10.0.0.1:80           192.168.10.11:40000   "
			 "timer:(on,1.2s,2)");
	e.retransmits = 0;
	e.timer = SYNACK_TIMER_KEEPALIVE;
	e.timer_deadline_ns = now + 7200 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(keepalive,2h,0)");
	e.timer = SYNACK_TIMER_PERSIST;
	e.timer_deadline_ns = now + 204 * MSEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(persist,204ms,0)");
	e.timer = SYNACK_TIMER_DELACK;
	e.timer_deadline_ns = now + 40 * MSEC + 999;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(delack,40ms,0)");
	e.timer = SYNACK_TIMER_TIME_WAIT;
	e.timer_deadline_ns = now + 59 * SEC + 999 * MSEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(timewait,59s,0)");
	e.timer = SYNACK_TIMER_FIN_WAIT_2;
	e.timer_deadline_ns = now + 65 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(timewait,1min5s,0)");
	e.timer = SYNACK_TIMER_SYNACK;
	e.timer_deadline_ns = now + 600 * SEC + 5 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,10min,0)");
	e.timer = SYNACK_TIMER_USER_TIMEOUT;
	e.timer_deadline_ns = now + 90 * 60 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,1h30min,0)");
	e.timer = SYNACK_TIMER_RETRANSMIT;
	e.timer_deadline_ns = now - 1;                  /* overdue */
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,0ms,0)");
	e.timer_deadline_ns = now + 120 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,2min,0)");
	e.timer_deadline_ns = now + 9999 * MSEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,9.9s,0)");
	e.timer_deadline_ns = now + 10 * SEC;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(on,10s,0)");
	e.timer = SYNACK_TIMER_COUNT;
	cr_assert_str_eq(line_of(&e, now) + 71, "timer:(?,10s,0)");
}

/* `ss -i`'s congestion fields: cwnd in segments, ssthresh only once set, after the
 * timer or in its column when there is none; nothing when cwnd is 0. */
Test(ss_format, cwnd_and_ssthresh_like_ss_i)
{
	struct synack_sock_info e = entry(3, SYNACK_STATE_ESTABLISHED, 0x0a000001, 80,
					  0x0a000002, 40000, 0, 0);

	e.cwnd = 10;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        cwnd:10");
	e.cwnd = 6;
	e.ssthresh = 7;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        cwnd:6 ssthresh:7");
	e.timer = SYNACK_TIMER_RETRANSMIT;
	e.timer_deadline_ns = 200 * MSEC;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        timer:(on,200ms,0) cwnd:6 ssthresh:7");
	e.cwnd = 0;                     /* no window: no congestion fields at all */
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        timer:(on,200ms,0)");
}

/* `ss -i`'s ECN words from the tcp_info option bits: "ecn", then "ecnseen", between
 * the timer and cwnd. */
Test(ss_format, ecn_and_ecnseen_like_ss_i)
{
	struct synack_sock_info e = entry(3, SYNACK_STATE_ESTABLISHED, 0x0a000001, 80,
					  0x0a000002, 40000, 0, 0);

	e.ecn = SYNACK_TI_OPT_ECN;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        ecn");
	e.ecn |= SYNACK_TI_OPT_ECN_SEEN;
	e.cwnd = 10;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        ecn ecnseen cwnd:10");
	e.timer = SYNACK_TIMER_RETRANSMIT;
	e.timer_deadline_ns = 200 * MSEC;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        timer:(on,200ms,0) ecn ecnseen cwnd:10");
	e.ecn = 0;
	cr_assert_str_eq(line_of(&e, 0), "ESTABLISHED  0      0      10.0.0.1:80           "
			 "10.0.0.2:40000        timer:(on,200ms,0) cwnd:10");
}

/* Asserts the line of e, an ESTABLISHED 10.0.0.1:80 - 10.0.0.2:40000 entry with empty
 * queues, carries exactly tail in its last column. */
static void expect_last_column(const struct synack_sock_info *e, const char *tail)
{
	const char *line = line_of(e, 0);
	const char *cols = "ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:40000        ";

	cr_assert_eq(strncmp(line, cols, strlen(cols)), 0, "line '%s'", line);
	cr_assert_str_eq(line + strlen(cols), tail);
}

/* `ss -i`'s receiver fields after the congestion ones: rcv_rtt in ms (%g, as ss prints
 * tcpi_rcv_rtt / 1000) once sampled, rcv_space when not 0. */
Test(ss_format, rcv_rtt_and_rcv_space_like_ss_i)
{
	struct synack_sock_info e = entry(3, SYNACK_STATE_ESTABLISHED, 0x0a000001, 80,
					  0x0a000002, 40000, 0, 0);

	e.cwnd = 10;
	e.rcv_space = 14600;
	expect_last_column(&e, "cwnd:10 rcv_space:14600");
	e.rcv_rtt_us = 10500;
	e.rcv_space = 28960;
	expect_last_column(&e, "cwnd:10 rcv_rtt:10.5 rcv_space:28960");
	e.rcv_rtt_us = 250;
	e.ssthresh = 7;
	expect_last_column(&e, "cwnd:10 ssthresh:7 rcv_rtt:0.25 rcv_space:28960");
	e.rcv_rtt_us = 10000;
	e.timer = SYNACK_TIMER_RETRANSMIT;
	e.timer_deadline_ns = 200 * MSEC;
	expect_last_column(&e, "timer:(on,200ms,0) cwnd:10 ssthresh:7 rcv_rtt:10 rcv_space:28960");
	e.cwnd = 0;                     /* the receiver's fields do not need a cwnd */
	expect_last_column(&e, "timer:(on,200ms,0) rcv_rtt:10 rcv_space:28960");
}

Test(ss_format, widest_line_and_truncation)
{
	struct synack_sock_info e = entry(5, SYNACK_STATE_SYN_RECEIVED, 0xffffffff, 65535,
					  0xffffffff, 65535, 4294967295u, 4294967295u);
	const char *want = "SYN-RECEIVED 4294967295 4294967295 255.255.255.255:65535 "
			   "255.255.255.255:65535 timer:(on,999ms,65535) ecn ecnseen "
			   "cwnd:4294967295 ssthresh:4294967295 rcv_rtt:4.29497e+06 "
			   "rcv_space:4294967295";
	char small[10];
	size_t n;

	e.timer = SYNACK_TIMER_SYNACK;
	e.timer_deadline_ns = 999 * MSEC;
	e.retransmits = 65535;
	e.cwnd = 4294967295u;
	e.ssthresh = 4294967295u;
	e.ecn = SYNACK_TI_OPT_ECN | SYNACK_TI_OPT_ECN_SEEN;
	e.rcv_rtt_us = 4294967295u;
	e.rcv_space = 4294967295u;
	cr_assert_str_eq(line_of(&e, 0), want);
	n = synack_ss_format_entry(&e, 0, small, sizeof small);
	cr_assert_eq(n, strlen(want));
	cr_assert_str_eq(small, "SYN-RECEI");
	cr_assert_eq(synack_ss_format_entry(&e, 0, NULL, 0), strlen(want));
}

Test(ss_format, list_counts_summary_order)
{
	struct synack_sock_info v[] = {
		entry(3, SYNACK_STATE_LISTEN, 0, 80, 0, 0, 0, 16),
		entry(4, SYNACK_STATE_ESTABLISHED, 0x0a000001, 80, 0x0a000002, 40001, 0, 0),
		entry(-1, SYNACK_STATE_TIME_WAIT, 0x0a000001, 80, 0x0a000002, 40000, 0, 0),
		entry(-1, SYNACK_STATE_SYN_RECEIVED, 0x0a000001, 80, 0x0a000003, 5, 0, 0),
		entry(-1, SYNACK_STATE_TIME_WAIT, 0x0a000001, 80, 0x0a000002, 40002, 0, 0),
		entry(6, SYNACK_STATE_CLOSE_WAIT, 0x0a000001, 80, 0x0a000002, 40003, 3, 0),
		entry(7, 200, 0x0a000001, 80, 0x0a000002, 40004, 0, 0),
	};
	struct sink k = {0};

	synack_ss_write_counts(v, 7, collect, &k);
	cr_assert_str_eq(k.text,
			 "LISTEN 1\n"
			 "SYN-RECEIVED 1\n"
			 "ESTABLISHED 1\n"
			 "CLOSE-WAIT 1\n"
			 "TIME-WAIT 2\n"
			 "? 1\n"
			 "total 7\n");
	memset(&k, 0, sizeof k);
	synack_ss_write_list(v, 2, 0, collect, &k);
	cr_assert_str_eq(k.text,
			 "State        Recv-Q Send-Q Local Address:Port    Peer Address:Port     Timer\n"
			 "LISTEN       0      16     0.0.0.0:80            0.0.0.0:*\n"
			 "ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:40001\n");
	memset(&k, 0, sizeof k);
	synack_ss_write_counts(v, 0, collect, &k);
	cr_assert_str_eq(k.text, "total 0\n");
}
