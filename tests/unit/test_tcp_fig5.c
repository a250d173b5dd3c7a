/* test_tcp_fig5.c — walks every arc of RFC 9293 Figure 5 (the state diagram) on one
 * engine, recording the transitions from the decision notes (state before/after of
 * every segment, user call and timer), and prints the arcs with what took them. */
#include <stdio.h>

#include "harness.h"

#define S(x) SYNACK_STATE_##x

struct arc {
	int from, to;
	const char *event;
	bool supported;
	const char *taken_by;
};

static struct arc arcs[] = {
	{ S(CLOSED), S(SYN_SENT), "active OPEN / snd SYN", true, NULL },
	{ S(CLOSED), S(LISTEN), "passive OPEN", true, NULL },
	{ S(LISTEN), S(CLOSED), "CLOSE / delete TCB", true, NULL },
	{ S(LISTEN), S(SYN_RECEIVED), "rcv SYN / snd SYN,ACK", true, NULL },
	{ S(LISTEN), S(SYN_SENT), "SEND / snd SYN", true, NULL },
	{ S(SYN_SENT), S(CLOSED), "CLOSE / delete TCB", true, NULL },
	{ S(SYN_SENT), S(SYN_RECEIVED), "rcv SYN / snd SYN,ACK", true, NULL },
	{ S(SYN_SENT), S(ESTABLISHED), "rcv SYN,ACK / snd ACK", true, NULL },
	{ S(SYN_RECEIVED), S(LISTEN), "rcv RST (note 1)", true, NULL },
	{ S(SYN_RECEIVED), S(ESTABLISHED), "rcv ACK of SYN", true, NULL },
	{ S(SYN_RECEIVED), S(FIN_WAIT_1), "CLOSE / snd FIN", true, NULL },
	{ S(ESTABLISHED), S(FIN_WAIT_1), "CLOSE / snd FIN", true, NULL },
	{ S(ESTABLISHED), S(CLOSE_WAIT), "rcv FIN / snd ACK", true, NULL },
	{ S(FIN_WAIT_1), S(FIN_WAIT_2), "rcv ACK of FIN", true, NULL },
	{ S(FIN_WAIT_1), S(CLOSING), "rcv FIN / snd ACK", true, NULL },
	{ S(FIN_WAIT_1), S(TIME_WAIT), "rcv FIN + ACK of FIN (note 2)", true, NULL },
	{ S(FIN_WAIT_2), S(TIME_WAIT), "rcv FIN / snd ACK", true, NULL },
	{ S(CLOSING), S(TIME_WAIT), "rcv ACK of FIN", true, NULL },
	{ S(CLOSE_WAIT), S(LAST_ACK), "CLOSE / snd FIN", true, NULL },
	{ S(LAST_ACK), S(CLOSED), "rcv ACK of FIN", true, NULL },
	{ S(TIME_WAIT), S(CLOSED), "Timeout=2MSL / delete TCB", true, NULL },
};
#define NARCS (sizeof arcs / sizeof arcs[0])

static void collect(struct harness *h)
{
	struct synack_note n;

	while (synack_poll_note(h->s, &n)) {
		if (n.state_before == n.state_after)
			continue;
		for (size_t i = 0; i < NARCS; i++)
			if (arcs[i].from == n.state_before && arcs[i].to == n.state_after &&
			    !arcs[i].taken_by)
				arcs[i].taken_by = n.reason;
	}
}

/* Drains output and notes after each step. */
static void settle(struct harness *h)
{
	while (h_next(h))
		;
	collect(h);
}

static void walk_passive(struct harness *h)
{
	uint32_t iss;
	int l, fd;

	fd = h_passive_est(h, &l, &iss);
	settle(h);
	h_send(h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, PEER_ISN + 1, iss + 1, 8192);
	synack_shutdown(h->s, fd, SYNACK_SHUT_WR);
	settle(h);
	h_send(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 2, iss + 2, 8192);
	EXPECT_STATE(h, fd, S(CLOSED));
	settle(h);
	/* note 1: a SYN-RECEIVED child reset goes back to LISTEN */
	h_send(h, PEER_PORT + 1, SRV_PORT, F_SYN, 5000, 0, 8192);
	settle(h);
	h_send(h, PEER_PORT + 1, SRV_PORT, F_RST, 5001, 0, 0);
	settle(h);
	synack_close(h->s, fd);
	synack_close(h->s, l);
	settle(h);
}

static void walk_active(struct harness *h)
{
	uint32_t iss;
	uint16_t lport;
	int fd = h_active_est(h, &iss, &lport);

	synack_shutdown(h->s, fd, SYNACK_SHUT_WR);
	settle(h);
	h_send(h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 2, 8192);
	h_send(h, SRV_PORT, lport, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	settle(h);
	h_advance(h, 60 * SEC);
	EXPECT_STATE(h, fd, S(CLOSED));
	settle(h);
	synack_close(h->s, fd);
	/* SYN-SENT, then CLOSE */
	fd = synack_socket(h->s);
	synack_connect(h->s, fd, THEM, SRV_PORT);
	settle(h);
	synack_close(h->s, fd);
	settle(h);
}

static void walk_simultaneous(struct harness *h)
{
	int fd = synack_socket(h->s);
	uint32_t iss;
	uint16_t lport;

	synack_connect(h->s, fd, THEM, SRV_PORT);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	iss = h->out.seq;
	lport = h->out.sport;
	h_send(h, SRV_PORT, lport, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(h, F_SYN | F_ACK, iss, PEER_ISN + 1, ANYWIN);
	/* CLOSE in SYN-RECEIVED with nothing queued: FIN now (§3.10.4) */
	synack_shutdown(h->s, fd, SYNACK_SHUT_WR);
	EXPECT_STATE(h, fd, S(FIN_WAIT_1));
	EXPECT_SEG(h, F_FIN | F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	h_send(h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 1, 8192);        /* SYN acked */
	h_send(h, SRV_PORT, lport, F_FIN | F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_STATE(h, fd, S(CLOSING));
	h_send(h, SRV_PORT, lport, F_ACK, PEER_ISN + 2, iss + 2, 8192);
	EXPECT_STATE(h, fd, S(TIME_WAIT));
	settle(h);
	synack_close(h->s, fd);
}

static void walk_fin_wait_1_to_time_wait(struct harness *h)
{
	uint32_t iss;
	int fd = h_passive_est(h, NULL, &iss);

	synack_shutdown(h->s, fd, SYNACK_SHUT_WR);
	settle(h);
	h_send(h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	EXPECT_STATE(h, fd, S(TIME_WAIT));
	settle(h);
}

/* §3.10.2 SEND in LISTEN with a foreign socket: synack_listen_to_active() (connect() on
 * a listener is EISCONN as in Linux), then the handshake completes */
static void walk_listen_to_active(struct harness *h)
{
	int l = h_listen(h, SRV_PORT, 4);
	uint32_t iss;

	cr_assert_eq(synack_listen_to_active(h->s, l, THEM, PEER_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	iss = h->out.seq;
	EXPECT_STATE(h, l, S(SYN_SENT));
	h_send(h, PEER_PORT, SRV_PORT, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_SEG(h, F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	EXPECT_STATE(h, l, S(ESTABLISHED));
	settle(h);
	synack_close(h->s, l);
	settle(h);
}

Test(tcp_fig5, every_arc_of_figure_5)
{
	size_t taken = 0, supported = 0;

	{ struct harness h; h_init(&h); walk_passive(&h); h_fini(&h); }
	{ struct harness h; h_init(&h); walk_active(&h); h_fini(&h); }
	{ struct harness h; h_init(&h); walk_simultaneous(&h); h_fini(&h); }
	{ struct harness h; h_init(&h); walk_fin_wait_1_to_time_wait(&h); h_fini(&h); }
	{ struct harness h; h_init(&h); walk_listen_to_active(&h); h_fini(&h); }
	printf("RFC 9293 Figure 5 arcs:\n");
	for (size_t i = 0; i < NARCS; i++) {
		printf("  %-12s -> %-12s  %-32s  %s\n", synack_state_name(arcs[i].from),
		       synack_state_name(arcs[i].to), arcs[i].event,
		       arcs[i].taken_by ? arcs[i].taken_by : "NOT TAKEN");
		supported += arcs[i].supported;
		taken += arcs[i].taken_by != NULL;
	}
	fflush(stdout);
	for (size_t i = 0; i < NARCS; i++)
		cr_expect(!arcs[i].supported || arcs[i].taken_by, "arc %s -> %s not taken",
			  synack_state_name(arcs[i].from), synack_state_name(arcs[i].to));
	cr_assert_eq(taken, supported);
	cr_assert_eq(supported, NARCS);
	cr_assert_eq(taken, (size_t)21);
}
