/* test_scenario_s24.c — S24 state-listing (seeds/001, 003; RFC 9293 §3.3.2): at 500 ms
 * host B holds one connection in each of the 11 states, and its connection list (the
 * `synack ss` listing) names each with its endpoints, queues and timer; the per-state
 * counts (`ss -nat | awk '{print $1}' | sort | uniq -c`) are 1 for every state. How each
 * state is reached: see s24 in src/sim/scenarios.c. The entries are matched by state
 * (the listing orders descriptors first, then descriptor-less entries). */
#include <stdio.h>

#include "synack/ss.h"
#include "test_scenario_states.h"
#include "test_scenario_util.h"

#define ADDR_A SYNACK_SC_ADDR_A
#define ADDR_C 0x0a000003u

struct want_sock {
	int state;
	int fd;                 /* -2: any descriptor-less (-1) */
	uint32_t laddr;
	uint16_t lport;
	uint32_t raddr;
	uint16_t rport;
	uint32_t recv_q, send_q;
	int timer;
	uint64_t deadline_ns;
	uint16_t retransmits;
};

struct lines {
	char text[16][64];
	int n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;

	if (l->n < 16)
		snprintf(l->text[l->n++], sizeof l->text[0], "%s", line);
}

Test(scenario, S24_one_host_in_all_eleven_states)
{
	struct synack_sc_run *run = run_scenario("S24", 1);
	const uint32_t B_ = SYNACK_SC_ADDR_B;
	const struct want_sock want[11] = {
		{LISTEN, 0, 0, 80, 0, 0, 0, 8, SYNACK_TIMER_NONE, 0, 0},
		{CLOSED, 1, 0, 9000, 0, 0, 0, 0, SYNACK_TIMER_NONE, 0, 0},
		{ESTAB, 2, B_, 80, ADDR_A, 40000, 0, 0, SYNACK_TIMER_NONE, 0, 0},
		{FW2, 3, B_, 80, ADDR_A, 40001, 0, 0, SYNACK_TIMER_NONE, 0, 0},
		{CLOSE_WAIT, 5, B_, 80, ADDR_A, 40003, 0, 0, SYNACK_TIMER_NONE, 0, 0},
		{SYN_SENT, 9, B_, 32768, ADDR_C, 7777, 0, 0, SYNACK_TIMER_RETRANSMIT, 1100 * MSEC, 0},
		{FW1, -1, B_, 80, ADDR_C, 5001, 0, 0, SYNACK_TIMER_RETRANSMIT, 700 * MSEC, 1},
		{CLOSING, -1, B_, 80, ADDR_C, 5002, 0, 0, SYNACK_TIMER_RETRANSMIT, 700 * MSEC, 1},
		{LAST_ACK, -1, B_, 80, ADDR_C, 5003, 0, 0, SYNACK_TIMER_RETRANSMIT, 800 * MSEC, 1},
		{SYN_RCVD, -1, B_, 80, ADDR_C, 5004, 0, 0, SYNACK_TIMER_SYNACK, 1020 * MSEC, 0},
		{TIME_WAIT, -1, B_, 80, ADDR_A, 40002, 0, 0, SYNACK_TIMER_TIME_WAIT, 60210 * MSEC, 0},
	};
	static const char *const counts[12] = {
		"CLOSED 1", "LISTEN 1", "SYN-SENT 1", "SYN-RECEIVED 1", "ESTABLISHED 1",
		"CLOSE-WAIT 1", "FIN-WAIT-1 1", "CLOSING 1", "LAST-ACK 1", "FIN-WAIT-2 1",
		"TIME-WAIT 1", "total 11",
	};
	const struct synack_sock_info *v;
	struct lines l = {0};
	size_t n;
	bool seen[11] = {false};

	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 11, "%zu entries, want 11", n);
	for (size_t i = 0; i < n; i++) {
		const struct want_sock *w = NULL;

		for (int k = 0; k < 11; k++)
			if (want[k].state == v[i].state)
				w = &want[k];
		cr_assert_not_null(w, "entry %zu in state %s", i, st(v[i].state));
		cr_assert(!seen[w - want], "two entries in %s", st(w->state));
		seen[w - want] = true;
		cr_assert_eq(v[i].fd, w->fd, "%s: fd %d, want %d", st(w->state), v[i].fd, w->fd);
		cr_assert_eq(v[i].laddr, w->laddr, "%s: laddr %08x", st(w->state), v[i].laddr);
		cr_assert_eq(v[i].lport, w->lport, "%s: lport %u", st(w->state), v[i].lport);
		cr_assert_eq(v[i].raddr, w->raddr, "%s: raddr %08x", st(w->state), v[i].raddr);
		cr_assert_eq(v[i].rport, w->rport, "%s: rport %u", st(w->state), v[i].rport);
		cr_assert_eq(v[i].recv_q, w->recv_q, "%s: recv_q %u", st(w->state), v[i].recv_q);
		cr_assert_eq(v[i].send_q, w->send_q, "%s: send_q %u", st(w->state), v[i].send_q);
		cr_assert_eq(v[i].timer, w->timer, "%s: timer %s, want %s", st(w->state),
			     synack_timer_name(v[i].timer), synack_timer_name(w->timer));
		cr_assert_eq(v[i].timer_deadline_ns, w->deadline_ns, "%s: deadline %llu, want %llu",
			     st(w->state), (unsigned long long)v[i].timer_deadline_ns,
			     (unsigned long long)w->deadline_ns);
		cr_assert_eq(v[i].retransmits, w->retransmits, "%s: %u retransmits", st(w->state),
			     v[i].retransmits);
	}
	synack_ss_write_counts(v, n, collect, &l);
	cr_assert_eq(l.n, 12, "%d count lines", l.n);
	for (int i = 0; i < 12; i++)
		cr_assert_str_eq(l.text[i], counts[i]);

	/* How the states were reached, at their virtual times. */
	check_call(run, HB, "shutdown(3, SHUT_WR)", 1, 100 * MSEC, 0);
	check_call(run, HB, "connect(9, 10.0.0.3:7777)", 1, 100 * MSEC, -EINPROGRESS);
	check_call(run, HB, "close(4)", 1, 100 * MSEC, 0);
	check_call(run, HB, "close(8)", 1, 200 * MSEC, 0);
	check_call(run, HB, "recv(5)", 1, 110 * MSEC, 0);
	/* A's view at the same instant: the other ends of the connections with A. */
	v = snapshot_of(run, HA, 1, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0].state, ESTAB);
	cr_assert_eq(v[1].state, CLOSE_WAIT);
	cr_assert_eq(v[1].lport, 40001);
	cr_assert_eq(v[2].state, FW2);
	cr_assert_eq(v[2].lport, 40003);
	cr_assert_eq(v[2].timer, SYNACK_TIMER_FIN_WAIT_2);
	synack_sc_run_free(run);
}
