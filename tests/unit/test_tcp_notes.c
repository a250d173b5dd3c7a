/* test_tcp_notes.c — decision notes carry the state AFTER processing and the timer kind
 * (REQUESTS.md), the SYN-ACK timer is reported as SYNACK_TIMER_SYNACK, and S02
 * simultaneous open between two engines completes in 4 segments (RFC 9293 §3.5 Figure 8,
 * §3.10.7.4 fifth check in SYN-RECEIVED). */
#include "harness.h"

/* Drains the notes; copies the last one with direction dir into *out. */
static bool last_note(struct harness *h, int dir, struct synack_note *out)
{
	struct synack_note n = { 0 };
	bool found = false;

	while (synack_poll_note(h->s, &n))
		if (n.dir == dir) {
			*out = n;
			found = true;
		}
	return found;
}

#define EXPECT_NOTE(n, dir_, before, after, timer_) do { \
	cr_assert_eq((n).dir, (dir_)); \
	cr_assert_eq((n).state_before, (before), "state_before %s, expected %s", \
		     synack_state_name((n).state_before), synack_state_name(before)); \
	cr_assert_eq((n).state_after, (after), "state_after %s, expected %s", \
		     synack_state_name((n).state_after), synack_state_name(after)); \
	cr_assert_eq((n).timer, (timer_), "timer %s, expected %s", \
		     synack_timer_name((n).timer), synack_timer_name(timer_)); \
} while (0)

Test(tcp_notes, syn_sent_rst_note_says_closed)
{
	struct harness h;
	struct synack_note n = { 0 };
	int fd;
	uint32_t iss;

	h_init(&h);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	h_send(&h, SRV_PORT, h.out.sport, F_RST | F_ACK, 0, iss + 1, 0);
	cr_assert(last_note(&h, SYNACK_NOTE_IN, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_IN, SYNACK_STATE_SYN_SENT, SYNACK_STATE_CLOSED, 0);
	cr_assert_eq(n.fd, fd, "note fd %d, expected %d", n.fd, fd);
	cr_assert_str_eq(n.reason, "connection refused");
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ECONNREFUSED);
	h_fini(&h);
}

Test(tcp_notes, last_ack_ack_note_says_closed)
{
	struct harness h;
	struct synack_note n = { 0 };
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, PEER_ISN + 2, ANYWIN);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, PEER_ISN + 2, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_LAST_ACK);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 2, iss + 2, 8192);
	cr_assert(last_note(&h, SYNACK_NOTE_IN, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_IN, SYNACK_STATE_LAST_ACK, SYNACK_STATE_CLOSED, 0);
	cr_assert_eq(n.fd, fd);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	synack_close(h.s, fd);
	h_fini(&h);
}

Test(tcp_notes, syn_sent_timer_notes_carry_kind)
{
	struct harness h;
	struct synack_note n = { 0 };
	int fd;
	const uint64_t t0 = 1000 * SEC;

	h_init(&h);
	h.cfg.syn_retries = 1;
	cr_assert_eq(synack_stack_set_config(h.s, &h.cfg), 0);
	fd = synack_socket(h.s);
	synack_connect(h.s, fd, THEM, SRV_PORT);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert_eq(h_timer_of_port(&h, SRV_PORT, NULL), t0 + 1 * SEC);
	h_at(&h, t0 + 1 * SEC);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert(last_note(&h, SYNACK_NOTE_TIMER, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_TIMER, SYNACK_STATE_SYN_SENT, SYNACK_STATE_SYN_SENT,
		    SYNACK_TIMER_RETRANSMIT);
	cr_assert_eq(n.time_ns, t0 + 1 * SEC);
	h_at(&h, t0 + 3 * SEC);
	cr_assert(last_note(&h, SYNACK_NOTE_TIMER, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_TIMER, SYNACK_STATE_SYN_SENT, SYNACK_STATE_CLOSED,
		    SYNACK_TIMER_RETRANSMIT);
	cr_assert_eq(n.verdict, SYNACK_V_TIMED_OUT);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 0, 0), -ETIMEDOUT);
	h_fini(&h);
}

Test(tcp_notes, syn_received_synack_timer_is_syn_ack_kind)
{
	struct harness h;
	struct synack_note n = { 0 };
	int kind = -1;
	const uint64_t t0 = 1000 * SEC;
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 8);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 1 * SEC);
	cr_assert_eq(kind, SYNACK_TIMER_SYNACK, "listed timer %s", synack_timer_name(kind));
	h_at(&h, t0 + 1 * SEC);
	EXPECT_SEG(&h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	cr_assert(last_note(&h, SYNACK_NOTE_TIMER, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_TIMER, SYNACK_STATE_SYN_RECEIVED, SYNACK_STATE_SYN_RECEIVED,
		    SYNACK_TIMER_SYNACK);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), t0 + 3 * SEC);
	cr_assert_eq(kind, SYNACK_TIMER_SYNACK);
	/* the third ACK: ESTABLISHED, no SYN-ACK timer left */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	cr_assert_eq(h_timer_of_port(&h, PEER_PORT, &kind), 0);
	h_fini(&h);
}

Test(tcp_notes, time_wait_expiry_note_kind)
{
	struct harness h;
	struct synack_note n = { 0 };
	uint32_t iss;
	uint16_t lport;
	int fd;
	uint64_t t;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, PEER_ISN + 2, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	t = h.now;
	h_at(&h, t + 60 * SEC);
	cr_assert(last_note(&h, SYNACK_NOTE_TIMER, &n));
	EXPECT_NOTE(n, SYNACK_NOTE_TIMER, SYNACK_STATE_TIME_WAIT, SYNACK_STATE_CLOSED,
		    SYNACK_TIMER_TIME_WAIT);
	synack_close(h.s, fd);
	h_fini(&h);
}

/* ---- S02 between two engines ---------------------------------------------------------- */

struct pair {
	struct synack_stack *s[2];
	struct h_alloc_stats mem;
	uint64_t now;
	unsigned segs;
	uint8_t flags[16];
	uint32_t seq[16], ack[16];
	int from[16];
};

/* Delivers every packet both stacks have queued (crossing in flight), once. */
static void pair_exchange(struct pair *p)
{
	static uint8_t q[2][8][2048];
	size_t len[2][8], n[2] = { 0, 0 };

	for (int i = 0; i < 2; i++)
		while (n[i] < 8 && (len[i][n[i]] = synack_output(p->s[i], p->now, q[i][n[i]],
								  sizeof q[i][0])))
			n[i]++;
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < n[i]; k++) {
			struct wire_tcp t;

			cr_assert_eq(wire_tcp_parse(q[i][k] + 20, len[i][k] - 20, &t), WIRE_OK);
			cr_assert_lt(p->segs, 16);
			p->flags[p->segs] = t.flags;
			p->seq[p->segs] = t.seq;
			p->ack[p->segs] = t.ack;
			p->from[p->segs++] = i;
			synack_input(p->s[!i], p->now, q[i][k], len[i][k]);
		}
	p->now += MSEC;
}

Test(tcp_syn_sent, syn_sent_crossing_syns_two_engines_S02)
{
	struct pair p = { .now = 1000 * SEC };
	struct synack_env env = { .alloc = h_alloc, .free = h_free, .ctx = &p.mem };
	const uint32_t addr[2] = { US, THEM };
	const uint16_t port[2] = { 1111, 2222 };
	int fd[2];
	uint32_t iss[2];
	char buf[8];

	for (int i = 0; i < 2; i++) {
		env.secret[0] = (uint8_t)(i + 1);
		p.s[i] = synack_stack_new(NULL, &env);     /* defaults: WS and TS on */
		cr_assert_not_null(p.s[i]);
		cr_assert_eq(synack_stack_add_addr(p.s[i], addr[i]), 0);
		fd[i] = synack_socket(p.s[i]);
		cr_assert_eq(synack_bind(p.s[i], fd[i], SYNACK_ADDR_ANY, port[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_connect(p.s[i], fd[i], addr[!i], port[!i]), -EINPROGRESS);
	for (int r = 0; r < 4; r++)
		pair_exchange(&p);
	/* Figure 8: SYN, SYN (crossing), SYN-ACK, SYN-ACK (crossing): 4 segments */
	cr_assert_eq(p.segs, 4, "%u segments", p.segs);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(p.flags[k], F_SYN);
		iss[p.from[k]] = p.seq[k];
	}
	for (int k = 2; k < 4; k++) {
		cr_assert_eq(p.flags[k], F_SYN | F_ACK);
		cr_assert_eq(p.seq[k], iss[p.from[k]]);
		cr_assert_eq(p.ack[k], iss[!p.from[k]] + 1);
	}
	for (int i = 0; i < 2; i++) {
		struct synack_tcp_info ti;

		cr_assert_eq(synack_tcp_info(p.s[i], fd[i], &ti), 0);
		cr_assert_eq(ti.state, SYNACK_STATE_ESTABLISHED, "%s",
			     synack_state_name(ti.state));
		cr_assert_eq(ti.snd_nxt, iss[i] + 1);
		cr_assert_eq(ti.rcv_nxt, iss[!i] + 1);
	}
	/* data flows both ways on the one connection */
	cr_assert_eq(synack_send(p.s[0], fd[0], "ab", 2, 0), 2);
	cr_assert_eq(synack_send(p.s[1], fd[1], "cd", 2, 0), 2);
	for (int r = 0; r < 4; r++)
		pair_exchange(&p);
	cr_assert_eq(synack_recv(p.s[1], fd[1], buf, sizeof buf, 0), 2);
	cr_assert_eq(memcmp(buf, "ab", 2), 0);
	cr_assert_eq(synack_recv(p.s[0], fd[0], buf, sizeof buf, 0), 2);
	cr_assert_eq(memcmp(buf, "cd", 2), 0);
	for (int i = 0; i < 2; i++)
		synack_stack_free(p.s[i]);
	cr_assert_eq(p.mem.live_bytes, 0);
}
