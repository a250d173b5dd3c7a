/*
 * test_ss_engine.c — the ss listing of real stacks: a server and a client driven by real
 * exchanges into known states (the fuzz decoder's prefix, tests/fuzz/engine_prog.h:
 * each connection's intended state is asserted in test_fuzz_regress.c), printed with
 * synack_ss_dump; exact text, per-state counts and the -s summary's counters.
 */
#include <criterion/criterion.h>

#include "fuzz/engine_prog.h"
#include "rfc6056_ref.h"
#include "synack/ss.h"

struct sink {
	char text[16384];
	size_t len;
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
}

/*
 * The expected listings number the client's connect()s as a sequential allocator would:
 * 32768 + k for the k-th connect() to port 80 (k = 0..10), 32779 and 32780 for the two
 * to port 81, 32781 for the one to port 82. remap() replaces each by the port RFC 6056
 * Algorithm 4 gives that connect() (rfc6056_ref.h, with the fixture's client key:
 * engine_prog.h's secret[i] = i * 13 + 7 + FP_CLI), so the listings stay readable and
 * the ports exact.
 */
static const char *remap(const char *text)
{
	static char out[8192];
	static struct ref6056 ref;
	uint16_t ports[14];
	uint8_t key[16];
	size_t o = 0;

	memset(&ref, 0, sizeof ref);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 13 + 7 + FP_CLI);
	for (int k = 0; k < 14; k++)
		ports[k] = ref_next(&ref, key, FP_CLI_ADDR, FP_SRV_ADDR, k < 11 ? 80 : k < 13 ? 81 : 82,
				    32768, 60999);
	for (const char *p = text; *p; p++) {
		unsigned n = 0;

		cr_assert_lt(o + 6, sizeof out);
		out[o++] = *p;
		if (*p != ':' || sscanf(p + 1, "%5u", &n) != 1 || n < 32768 || n > 32781)
			continue;
		o += (size_t)snprintf(out + o, sizeof out - o, "%u", ports[n - 32768]);
		p += 5;
	}
	out[o] = '\0';
	return out;
}

Test(ss_engine, both_sides_after_the_prefix)
{
	static struct synack_sock_info scratch[64];
	struct fp_conns c;
	struct fp *p = fp_new(0);
	struct sink k = {0};
	size_t n;

	fp_prefix(p, &c);
	/* server: listeners (port 81: 1 queued of backlog 1), est (all ACKed: both sides
	 * are in quick-ACK mode for their first segments, as Linux), fly (3000 bytes never arrived: empty), half-closed,
	 * CLOSING, zero window (17104 queued of 20000: the send buffer autotuned to 2 x IW10 x 1448
	 * at ESTABLISHED, tcp/sndbuf.c; persist), keep-alive peer, then the
	 * descriptor-less: orphan FIN-WAIT-1 and LAST-ACK, the queued child on 81,
	 * then the compact half-open (SYN-RECEIVED) entries, TIME-WAIT records last */
	n = synack_ss_dump(p->st[FP_SRV], p->now, SYNACK_SS_LIST | SYNACK_SS_COUNTS, scratch, 64,
			   collect, &k);
	cr_assert_eq(n, 13);
	cr_assert_str_eq(k.text, remap(
		"State        Recv-Q Send-Q Local Address:Port    Peer Address:Port     Timer\n"
		"LISTEN       0      16     0.0.0.0:80            0.0.0.0:*\n"
		"LISTEN       1      1      10.0.0.1:81           0.0.0.0:*\n"
		"ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:32768        cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:32769        cwnd:10 rcv_space:14600\n"
		"CLOSE-WAIT   0      0      10.0.0.1:80           10.0.0.2:32770        cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  0      17104  10.0.0.1:80           10.0.0.2:32775        timer:(persist,200ms,0) cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  0      0      10.0.0.1:80           10.0.0.2:32776        cwnd:10 rcv_space:14600\n"
		"CLOSING      0      0      10.0.0.1:80           10.0.0.2:32774        timer:(on,200ms,0) cwnd:10 rcv_space:14600\n"
		"FIN-WAIT-1   0      0      10.0.0.1:80           10.0.0.2:32771        timer:(on,200ms,0) cwnd:10 rcv_space:14600\n"
		"LAST-ACK     0      0      10.0.0.1:80           10.0.0.2:32772        timer:(on,200ms,0) cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  0      0      10.0.0.1:81           10.0.0.2:32779        cwnd:10 rcv_space:14600\n"
		"SYN-RECEIVED 0      0      10.0.0.1:80           10.0.0.2:32778        timer:(on,1.0s,0)\n"
		"TIME-WAIT    0      0      10.0.0.1:80           10.0.0.2:32773        timer:(timewait,1min,0)\n"
		"LISTEN 2\n"
		"SYN-RECEIVED 1\n"
		"ESTABLISHED 5\n"
		"CLOSE-WAIT 1\n"
		"FIN-WAIT-1 1\n"
		"CLOSING 1\n"
		"LAST-ACK 1\n"
		"TIME-WAIT 1\n"
		"total 13\n"));

	/* (descriptors ascending: the CLOSING socket reuses a slot, so its fd is larger)
	 * client: the SYN-SENT ones (lost SYN, lost SYN-ACK, full accept queue), the refused
	 * connect in CLOSED, and its TIME-WAIT record (it closed first, on "32772"); ss -i's
	 * rcv_space is min(buffer, 10 x 1460) = 14600, but 2896 on the zero-window reader
	 * (SO_RCVBUF 2896), whose full-sized data gave the one receiver RTT sample here: a
	 * TSecr of this very millisecond, counted as 1 ms (Linux tcp_rcv_rtt_measure_ts) */
	memset(&k, 0, sizeof k);
	n = synack_ss_dump(p->st[FP_CLI], p->now, SYNACK_SS_LIST, scratch, 64, collect, &k);
	cr_assert_eq(n, 13);
	cr_assert_str_eq(k.text, remap(
		"State        Recv-Q Send-Q Local Address:Port    Peer Address:Port     Timer\n"
		"ESTABLISHED  7      0      10.0.0.2:32768        10.0.0.1:80           cwnd:10 rcv_space:14600\n"
		/* fly: the slot holds RFC 8985's tail loss probe, 2 SRTT + 2 ms (SRTT 0
		 * on these links; Linux's ss also shows a loss probe as "on") */
		"ESTABLISHED  0      3000   10.0.0.2:32769        10.0.0.1:80           timer:(on,2ms,0) cwnd:10 rcv_space:14600\n"
		"FIN-WAIT-2   0      0      10.0.0.2:32770        10.0.0.1:80           cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  0      0      10.0.0.2:32771        10.0.0.1:80           cwnd:10 rcv_space:14600\n"
		"ESTABLISHED  2896   0      10.0.0.2:32775        10.0.0.1:80           cwnd:10 rcv_rtt:1 rcv_space:2896\n"
		"ESTABLISHED  0      0      10.0.0.2:32776        10.0.0.1:80           timer:(keepalive,1.0s,0) cwnd:10 rcv_space:14600\n"
		"SYN-SENT     0      0      10.0.0.2:32777        10.0.0.1:80           timer:(on,1.0s,0)\n"
		"SYN-SENT     0      0      10.0.0.2:32778        10.0.0.1:80           timer:(on,1.0s,0)\n"
		"ESTABLISHED  0      0      10.0.0.2:32779        10.0.0.1:81           cwnd:10 rcv_space:14600\n"
		"SYN-SENT     0      0      10.0.0.2:32780        10.0.0.1:81           timer:(on,1.0s,0)\n"
		"CLOSED       0      0      10.0.0.2:32781        10.0.0.1:82\n"
		"CLOSING      0      0      10.0.0.2:32774        10.0.0.1:80           timer:(on,200ms,0) cwnd:10 rcv_space:14600\n"
		"TIME-WAIT    0      0      10.0.0.2:32772        10.0.0.1:80           timer:(timewait,1min,0)\n"));

	/* -s: estab counts ESTABLISHED (5), CLOSE-WAIT, FIN-WAIT-1, CLOSING, LAST-ACK; the
	 * server refused one connect on 82 (RST: no listener) and dropped one SYN
	 * on 81 (accept queue full); every nonzero counter appears, in enum order */
	memset(&k, 0, sizeof k);
	synack_ss_dump(p->st[FP_SRV], p->now, SYNACK_SS_SUMMARY, scratch, 64, collect, &k);
	cr_assert(strstr(k.text, "TCP: 13 (estab 9, synrecv 1, timewait 1, listen 2, other 0)\n"
			 "counters:\n  ip_in "), "%s", k.text);
	cr_assert(strstr(k.text, "\n  tcp_no_listener 1\n  tcp_rst_out 1\n"), "%s", k.text);
	cr_assert(strstr(k.text, "\n  tcp_acceptq_full 1\n"), "%s", k.text);
	cr_assert_null(strstr(k.text, "tcp_bad_csum"), "%s", k.text);

	/* a scratch buffer too small: the first 3 shown, then the remainder counted */
	memset(&k, 0, sizeof k);
	n = synack_ss_dump(p->st[FP_SRV], p->now, SYNACK_SS_LIST, scratch, 3, collect, &k);
	cr_assert_eq(n, 13);
	cr_assert(strstr(k.text, remap("10.0.0.1:80           10.0.0.2:32768        cwnd:10 rcv_space:14600\n"
				       "... 10 more entries not shown\n")), "%s", k.text);
	fp_finish(p);
}
