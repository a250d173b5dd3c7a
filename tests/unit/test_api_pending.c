/* test_api_pending.c — synack_pending (synack.h): each bit against what the matching
 * output call then returns, through a handshake, data and close; and the clock it
 * moves, proved by the bytes of a SYN built after it (the simulator's drains rely on
 * "synack_pending instead of an empty synack_output changes nothing"). */
#include "harness.h"

static void drain_notes(struct harness *h)
{
	struct synack_note n;

	while (synack_poll_note(h->s, &n))
		;
}

/* The bits, then each output call agrees with its bit. */
#define EXPECT_PENDING(h, bits) do { \
	unsigned p_ = synack_pending((h)->s, (h)->now); \
	cr_assert_eq(p_, (unsigned)(bits), "pending %#x, expected %#x", p_, (unsigned)(bits)); \
} while (0)

Test(api_pending, bits_follow_the_outputs)
{
	struct synack_config c;
	struct synack_event ev;
	struct harness h;
	uint32_t iss;
	int l, fd;

	h_default_config(&c);
	c.notes_max = 0;
	h_init_cfg(&h, &c);
	EXPECT_PENDING(&h, 0);
	l = h_listen(&h, SRV_PORT, 4);
	EXPECT_PENDING(&h, 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_PENDING(&h, SYNACK_PENDING_OUTPUT);        /* the SYN-ACK owed */
	EXPECT_PENDING(&h, SYNACK_PENDING_OUTPUT);        /* asking changes nothing */
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	EXPECT_PENDING(&h, 0);
	EXPECT_NONE(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	/* ACCEPTABLE; the new connection has nothing to send, so input does not list it
	 * (stack.c tcp_list_if_due): no OUTPUT bit, and an output call finds nothing */
	EXPECT_PENDING(&h, SYNACK_PENDING_EVENT);
	EXPECT_NONE(&h);
	EXPECT_PENDING(&h, SYNACK_PENDING_EVENT);
	cr_assert(synack_poll_event(h.s, &ev));
	cr_assert_eq(ev.fd, l);
	cr_assert_eq(ev.kind, SYNACK_EV_ACCEPTABLE);
	EXPECT_PENDING(&h, 0);
	cr_assert(!synack_poll_event(h.s, &ev));
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_send(h.s, fd, "ab", 2, 0), 2);
	EXPECT_PENDING(&h, SYNACK_PENDING_OUTPUT);
	h_next(&h);
	cr_assert_eq(h.out.seq, iss + 1);
	cr_assert_eq(h.out.payload_len, 2);
	/* nothing more due: taken off the output list with that segment (output.c
	 * settle_after_send), so no empty call is needed */
	EXPECT_PENDING(&h, 0);
	EXPECT_NONE(&h);
	EXPECT_PENDING(&h, 0);
	/* the peer's data: READABLE, and its ACK (quick ACK mode at the start) */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1, iss + 3, 8192, "x", 1);
	EXPECT_PENDING(&h, SYNACK_PENDING_EVENT | SYNACK_PENDING_OUTPUT);
	EXPECT_SEG(&h, F_ACK, iss + 3, PEER_ISN + 2, ANYWIN);
	EXPECT_NONE(&h);
	EXPECT_PENDING(&h, SYNACK_PENDING_EVENT);
	EXPECT_EVENT(&h, fd, SYNACK_EV_READABLE);
	while (synack_poll_event(h.s, &ev))               /* WRITABLE: "ab" was acked */
		cr_assert_eq(ev.kind, SYNACK_EV_WRITABLE);
	EXPECT_PENDING(&h, 0);
	/* an ABORT queues a RST: output pending until it is taken */
	synack_setsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER,
			  &(struct synack_linger){.l_onoff = 1, .l_linger = 0},
			  sizeof(struct synack_linger));
	cr_assert_eq(synack_close(h.s, fd), 0);
	cr_assert(synack_pending(h.s, h.now) & SYNACK_PENDING_OUTPUT);
	EXPECT_SEG(&h, F_RST | F_ACK, iss + 3, PEER_ISN + 2, ANYWIN);
	EXPECT_NONE(&h);
	while (synack_poll_event(h.s, &ev))
		;
	EXPECT_PENDING(&h, 0);
	synack_close(h.s, l);
	h_fini(&h);
}

Test(api_pending, note_bit_is_exact)
{
	struct synack_config c;
	struct synack_note n;
	struct harness h;

	h_default_config(&c);
	c.notes_max = 64;
	h_init_cfg(&h, &c);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);  /* no listener: RST */
	EXPECT_PENDING(&h, SYNACK_PENDING_OUTPUT | SYNACK_PENDING_NOTE);
	cr_assert(synack_poll_note(h.s, &n));
	cr_assert_eq(n.dir, SYNACK_NOTE_IN);
	drain_notes(&h);
	EXPECT_PENDING(&h, SYNACK_PENDING_OUTPUT);
	EXPECT_SEG(&h, F_RST | F_ACK, 0, PEER_ISN + 1, 0);
	EXPECT_PENDING(&h, SYNACK_PENDING_NOTE);          /* the note of building it */
	drain_notes(&h);
	EXPECT_PENDING(&h, 0);
	h_fini(&h);
}

/* The SYN of a connect() on a stack last given time t0, then told t1 by tell (1: an
 * empty synack_output, 2: synack_pending, 0: not told). */
static void syn_after(uint64_t t0, uint64_t t1, int tell, uint8_t *out, size_t *len)
{
	struct synack_config c;
	struct harness h;
	uint8_t buf[2048];
	int fd;

	h_default_config(&c);
	c.timestamps = 1;
	h_init_cfg(&h, &c);
	synack_advance(h.s, t0);
	if (tell == 1)
		cr_assert_eq(synack_output(h.s, t1, buf, sizeof buf), 0);
	else if (tell == 2)
		cr_assert_eq(synack_pending(h.s, t1), 0);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, fd, US, 5555), 0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	/* asked at t0: the clock never goes back, so a told stack builds it at t1 */
	*len = synack_output(h.s, t0, out, 2048);
	cr_assert_gt(*len, 0);
	synack_close(h.s, fd);
	h_fini(&h);
}

Test(api_pending, moves_the_clock_as_an_empty_output)
{
	uint8_t by_output[2048], by_pending[2048], untold[2048];
	size_t n1, n2, n3;
	uint64_t t0 = 1000 * SEC, t1 = t0 + 7 * SEC;

	syn_after(t0, t1, 1, by_output, &n1);
	syn_after(t0, t1, 2, by_pending, &n2);
	syn_after(t0, t1, 0, untold, &n3);
	cr_assert_eq(n1, n2);
	cr_assert_arr_eq(by_output, by_pending, n1, "the SYNs differ");
	/* the clock matters to these bytes (ISN, TSval): the comparison can fail */
	cr_assert_eq(n1, n3);
	cr_assert(memcmp(by_output, untold, n1) != 0, "the SYN does not depend on the clock");
}

/*
 * synack_poll_events against synack_poll_event: two stacks given the same segments, one
 * drained in batches of 3, 0, 1 and 8, the other one event per call; the same events in
 * the same order (two descriptors with two kinds each, a RESET with its errno, the
 * listener's ACCEPTABLE), a batch ending inside one descriptor's kinds, and the queue
 * empty after a short batch.
 */
static void two_conns_events(struct harness *h, int fd[2], int *lfd)
{
	uint32_t iss[2];

	*lfd = h_listen(h, SRV_PORT, 4);
	for (int i = 0; i < 2; i++) {
		h_send(h, PEER_PORT + i, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
		EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, PEER_ISN + 1, ANYWIN);
		iss[i] = h->out.seq;
		h_send(h, PEER_PORT + i, SRV_PORT, F_ACK, PEER_ISN + 1, iss[i] + 1, 8192);
		EXPECT_NONE(h);
	}
	for (int i = 0; i < 2; i++) {
		fd[i] = synack_accept(h->s, *lfd, NULL, NULL);
		cr_assert_geq(fd[i], 0);
		cr_assert_eq(synack_send(h->s, fd[i], "ab", 2, 0), 2);
		h_next(h);
		EXPECT_NONE(h);
	}
	/* data and the ACK of "ab" on each: READABLE and WRITABLE; then a RST on the
	 * second: RESET (ECONNRESET) added to its kinds */
	for (int i = 0; i < 2; i++) {
		h_send_data(h, PEER_PORT + i, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1, iss[i] + 3,
			    8192, "x", 1);
		while (h_next(h))
			;
	}
	h_send(h, PEER_PORT + 1, SRV_PORT, F_RST, PEER_ISN + 2, 0, 0);
	while (h_next(h))
		;
}

Test(api_pending, poll_events_as_poll_event_calls)
{
	static const size_t batch[] = {3, 0, 1, 8, 8};
	struct synack_event one[16], many[16];
	struct synack_config c;
	struct harness h[2];
	int fd[2][2], l[2];
	size_t n1 = 0, n = 0;

	h_default_config(&c);
	c.notes_max = 0;
	for (int w = 0; w < 2; w++) {
		h_init_cfg(&h[w], &c);
		two_conns_events(&h[w], fd[w], &l[w]);
		cr_assert_eq(fd[w][0], fd[0][0]);
		cr_assert_eq(fd[w][1], fd[0][1]);
	}
	while (synack_poll_event(h[1].s, &one[n1]))
		cr_assert_lt(++n1, 16u);
	for (unsigned b = 0; b < sizeof batch / sizeof batch[0]; b++) {
		size_t got = synack_poll_events(h[0].s, many + n, batch[b]);

		cr_assert_leq(got, batch[b]);
		n += got;
		if (batch[b] && got < batch[b])
			break;
		cr_assert_eq(synack_pending(h[0].s, h[0].now) & SYNACK_PENDING_EVENT,
			     SYNACK_PENDING_EVENT, "batch %u: a full batch, events left", b);
	}
	cr_assert_eq(synack_pending(h[0].s, h[0].now) & SYNACK_PENDING_EVENT, 0u);
	cr_assert_eq(synack_poll_events(h[0].s, many + n, 8), 0u);
	cr_assert_eq(n, n1, "%zu events in batches, %zu one by one", n, n1);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(many[i].fd, one[i].fd, "event %zu", i);
		cr_assert_eq(many[i].kind, one[i].kind, "event %zu", i);
		cr_assert_eq(many[i].error, one[i].error, "event %zu", i);
	}
	/* what they are: the listener's, then each descriptor's kinds lowest first (the
	 * batch of 1 ends between the second descriptor's READABLE and WRITABLE) */
	cr_assert_eq(n, 6u);
	cr_assert_eq(many[0].fd, l[0]);
	cr_assert_eq(many[0].kind, SYNACK_EV_ACCEPTABLE);
	cr_assert_eq(many[1].fd, fd[0][0]);
	cr_assert_eq(many[1].kind, SYNACK_EV_READABLE);
	cr_assert_eq(many[2].fd, fd[0][0]);
	cr_assert_eq(many[2].kind, SYNACK_EV_WRITABLE);
	cr_assert_eq(many[3].fd, fd[0][1]);
	cr_assert_eq(many[3].kind, SYNACK_EV_READABLE);
	cr_assert_eq(many[4].fd, fd[0][1]);
	cr_assert_eq(many[4].kind, SYNACK_EV_WRITABLE);
	cr_assert_eq(many[5].fd, fd[0][1]);
	cr_assert_eq(many[5].kind, SYNACK_EV_RESET);
	cr_assert_eq(many[5].error, ECONNRESET);
	for (int w = 0; w < 2; w++)
		h_fini(&h[w]);
}
