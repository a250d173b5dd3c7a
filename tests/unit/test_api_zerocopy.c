/*
 * test_api_zerocopy.c — the zero-copy calls (synack.h: synack_send_reserve/commit,
 * synack_recv_view/consume) against send()/recv(). Two identical stacks ("twins": same
 * secret, same clock, same scripted peer) run the same script; one uses the copy API,
 * the other the zero-copy calls for the same amounts. Every return value is asserted
 * (exact errno in each state: before connecting, listening, SYN-SENT, ESTABLISHED,
 * full buffer, after SHUT_WR, after a reset, CLOSE-WAIT, end of stream) and every
 * packet the two stacks send is compared byte for byte. Stale reservations, oversized
 * commits and consumes, and reservations that wrap at the end of the ring are checked
 * on their own. Whole transfers under faults are compared in test_sim_fastpath.
 */
#include "harness.h"

struct twin {
	struct harness a;       /* send() / recv() */
	struct harness b;       /* reserve/commit, view/consume */
	int fa, fb;
	uint8_t pa[70000], pb[70000];
};

static struct twin *tw_new(void)
{
	struct twin *t = calloc(1, sizeof *t);

	cr_assert_not_null(t);
	h_init(&t->a);
	h_init(&t->b);
	return t;
}

static void tw_free(struct twin *t)
{
	h_fini(&t->a);
	h_fini(&t->b);
	free(t);
}

/* Drains both stacks, asserting identical packets; returns how many each sent. */
static int tw_drain(struct twin *t)
{
	int n = 0;

	for (;;) {
		size_t na = synack_output(t->a.s, t->a.now, t->pa, sizeof t->pa);
		size_t nb = synack_output(t->b.s, t->b.now, t->pb, sizeof t->pb);

		cr_assert_eq(na, nb, "packet %d: %zu bytes with send/recv, %zu zero-copy", n, na,
			     nb);
		if (!na)
			return n;
		cr_assert(memcmp(t->pa, t->pb, na) == 0, "packet %d differs", n);
		n++;
	}
}

/* The last packet tw_drain compared, parsed (TCP header of t->pa). */
static struct wire_tcp tw_last(struct twin *t)
{
	struct wire_ipv4 ip;
	struct wire_tcp seg;

	cr_assert_eq(wire_ipv4_parse(t->pa, sizeof t->pa, &ip), WIRE_OK);
	cr_assert_eq(wire_tcp_parse(t->pa + ip.hdr_len, ip.total_len - ip.hdr_len, &seg),
		     WIRE_OK);
	return seg;
}

static void tw_feed(struct twin *t, uint16_t sport, uint16_t dport, uint8_t flags,
		    uint32_t seq, uint32_t ack, uint16_t win, const void *data, size_t len)
{
	h_send_opt(&t->a, sport, dport, flags, seq, ack, win, NULL, data, len, 0);
	h_send_opt(&t->b, sport, dport, flags, seq, ack, win, NULL, data, len, 0);
}

/* The peer acknowledges everything sent, again as more goes out, until nothing is left
 * to send (seq: the peer's sequence number). */
static void tw_ack_all(struct twin *t, uint16_t lport, uint32_t seq)
{
	struct synack_tcp_info ti;

	for (int i = 0; i < 100; i++) {
		cr_assert_eq(synack_tcp_info(t->a.s, t->fa, &ti), 0);
		if (ti.snd_una == ti.snd_nxt && !ti.send_queue)
			return;
		tw_feed(t, SRV_PORT, lport, F_ACK, seq, ti.snd_nxt, 8192, NULL, 0);
		tw_drain(t);
	}
	cr_assert_fail("data left unsent");
}

/* send(buf, n) through the zero-copy calls: reserve, write, commit. */
static ssize_t zc_send(struct synack_stack *s, int fd, const uint8_t *buf, size_t n)
{
	struct synack_iovec v[2];
	ssize_t room = synack_send_reserve(s, fd, v);
	size_t k, first;

	if (room < 0) {
		cr_assert(!v[0].base && !v[0].len && !v[1].base && !v[1].len);
		return room;
	}
	cr_assert_eq(v[0].len + v[1].len, (size_t)room);
	k = n < (size_t)room ? n : (size_t)room;
	first = k < v[0].len ? k : v[0].len;
	memcpy(v[0].base, buf, first);
	if (k > first)
		memcpy(v[1].base, buf + first, k - first);
	return synack_send_commit(s, fd, k);
}

/* recv(out, n) through the zero-copy calls: view, read, consume. */
static ssize_t zc_recv(struct synack_stack *s, int fd, uint8_t *out, size_t n)
{
	struct synack_iovec v[2];
	ssize_t got = synack_recv_view(s, fd, v);
	size_t k, first;

	if (got <= 0) {
		cr_assert(!v[0].base && !v[0].len && !v[1].len);
		return synack_recv_consume(s, fd, n);
	}
	cr_assert_eq(v[0].len + v[1].len, (size_t)got);
	k = n < (size_t)got ? n : (size_t)got;
	first = k < v[0].len ? k : v[0].len;
	memcpy(out, v[0].base, first);
	if (k > first)
		memcpy(out + first, v[1].base, k - first);
	return synack_recv_consume(s, fd, k);
}

/* send() on a, the zero-copy send on b, both returning want. */
static void tw_send(struct twin *t, const uint8_t *buf, size_t n, ssize_t want)
{
	ssize_t ra = synack_send(t->a.s, t->fa, buf, n, 0);
	ssize_t rb = zc_send(t->b.s, t->fb, buf, n);

	cr_assert_eq(ra, want, "send() %zd, expected %zd", ra, want);
	cr_assert_eq(rb, want, "zero-copy send %zd, expected %zd", rb, want);
}

/* recv() on a, the zero-copy receive on b: both return want, the same bytes. */
static void tw_recv(struct twin *t, size_t n, ssize_t want)
{
	static uint8_t xa[70000], xb[70000];
	ssize_t ra = synack_recv(t->a.s, t->fa, xa, n, 0);
	ssize_t rb = zc_recv(t->b.s, t->fb, xb, n);

	cr_assert_eq(ra, want, "recv() %zd, expected %zd", ra, want);
	cr_assert_eq(rb, want, "zero-copy recv %zd, expected %zd", rb, want);
	if (want > 0)
		cr_assert(memcmp(xa, xb, (size_t)want) == 0);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

/* Both twins ESTABLISHED (active open, peer window 8192); returns our ISS. */
static uint32_t tw_est(struct twin *t, uint16_t *lport)
{
	uint32_t iss_b;
	uint16_t lp_b;

	t->fa = h_active_est(&t->a, &iss_b, lport);
	{
		uint32_t iss_a = iss_b;

		t->fb = h_active_est(&t->b, &iss_b, &lp_b);
		cr_assert_eq(iss_a, iss_b);
		cr_assert_eq(*lport, lp_b);
	}
	return iss_b;
}

Test(api_zerocopy, errno_before_connect_on_listener_and_bad_arguments)
{
	struct twin *t = tw_new();
	struct synack_iovec v[2] = {{(void *)1, 1}, {(void *)1, 1}};
	int l;

	t->fa = synack_socket(t->a.s);
	t->fb = synack_socket(t->b.s);
	tw_send(t, (const uint8_t *)"x", 1, -ENOTCONN);
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, v), -ENOTCONN);
	cr_assert(!v[0].base && !v[0].len && !v[1].base && !v[1].len);
	cr_assert_eq(synack_send_commit(t->b.s, t->fb, 0), -ENOTCONN);
	cr_assert_eq(synack_send_commit(t->b.s, t->fb, 5), -ENOTCONN);
	tw_recv(t, 10, -ENOTCONN);
	cr_assert_eq(synack_recv_view(t->b.s, t->fb, v), -ENOTCONN);
	cr_assert_eq(synack_recv_consume(t->b.s, t->fb, 0), -ENOTCONN);

	l = h_listen(&t->b, 80, 4);
	cr_assert_eq(synack_send_reserve(t->b.s, l, v), -ENOTCONN);
	cr_assert_eq(synack_send_commit(t->b.s, l, 3), -ENOTCONN);
	cr_assert_eq(synack_recv_view(t->b.s, l, v), -ENOTCONN);
	cr_assert_eq(synack_recv_consume(t->b.s, l, 0), -ENOTCONN);

	cr_assert_eq(synack_send_reserve(t->b.s, 12345, v), -EBADF);
	cr_assert_eq(synack_send_commit(t->b.s, 12345, 1), -EBADF);
	cr_assert_eq(synack_recv_view(t->b.s, -1, v), -EBADF);
	cr_assert_eq(synack_recv_consume(t->b.s, -1, 1), -EBADF);
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, NULL), -EFAULT);
	cr_assert_eq(synack_recv_view(t->b.s, t->fb, NULL), -EFAULT);
	cr_assert_eq(tw_drain(t), 0);
	tw_free(t);
}

Test(api_zerocopy, syn_sent_queues_then_sends_identically)
{
	struct twin *t = tw_new();
	uint8_t d[3000];
	uint32_t iss;
	uint16_t lport;

	fill(d, sizeof d, 1);
	t->fa = synack_socket(t->a.s);
	t->fb = synack_socket(t->b.s);
	cr_assert_eq(synack_connect(t->a.s, t->fa, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert_eq(synack_connect(t->b.s, t->fb, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert_eq(tw_drain(t), 1);                   /* the SYN */
	iss = tw_last(t).seq;
	lport = tw_last(t).sport;
	tw_send(t, d, 1000, 1000);                      /* queued in SYN-SENT */
	tw_recv(t, 100, -EAGAIN);
	cr_assert_eq(tw_drain(t), 0);
	tw_feed(t, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192, NULL, 0);
	cr_assert_geq(tw_drain(t), 1);
	/* the peer's SYN-ACK gave no MSS: 536 (RFC 9293 §3.7.1) */
	cr_assert_eq(tw_last(t).payload_len, 536, "last: %u bytes", tw_last(t).payload_len);
	cr_assert_eq(tw_last(t).seq, iss + 1);
	tw_free(t);
}

Test(api_zerocopy, established_data_window_and_end_of_stream_identical)
{
	struct twin *t = tw_new();
	uint8_t d[6000];
	uint32_t iss;
	uint16_t lport;

	fill(d, sizeof d, 7);
	iss = tw_est(t, &lport);
	tw_send(t, d, 1000, 1000);
	tw_send(t, d + 1000, 2000, 2000);
	cr_assert_geq(tw_drain(t), 2);
	tw_ack_all(t, lport, PEER_ISN + 1);

	/* the peer's data: read in pieces, the window update after the reads */
	tw_feed(t, SRV_PORT, lport, F_ACK | F_PSH, PEER_ISN + 1, iss + 3001, 8192, d, 1400);
	tw_feed(t, SRV_PORT, lport, F_ACK | F_PSH, PEER_ISN + 1401, iss + 3001, 8192,
		d + 1400, 1400);
	tw_drain(t);
	tw_recv(t, 500, 500);
	tw_recv(t, 5000, 2300);
	tw_recv(t, 10, -EAGAIN);
	tw_drain(t);
	/* urgent data arrives in line: same bytes, same urgent count */
	h_send_opt(&t->a, SRV_PORT, lport, F_ACK | F_URG, PEER_ISN + 2801, iss + 3001, 8192,
		   NULL, d, 100, 50);
	h_send_opt(&t->b, SRV_PORT, lport, F_ACK | F_URG, PEER_ISN + 2801, iss + 3001, 8192,
		   NULL, d, 100, 50);
	tw_drain(t);
	{
		struct synack_tcp_info ia, ib;

		cr_assert_eq(synack_tcp_info(t->a.s, t->fa, &ia), 0);
		cr_assert_eq(synack_tcp_info(t->b.s, t->fb, &ib), 0);
		uint32_t before = ia.urg_data;

		cr_assert_gt(before, 30);
		cr_assert_eq(ib.urg_data, before);
		tw_recv(t, 30, 30);
		cr_assert_eq(synack_tcp_info(t->a.s, t->fa, &ia), 0);
		cr_assert_eq(synack_tcp_info(t->b.s, t->fb, &ib), 0);
		cr_assert_eq(ia.urg_data, before - 30);
		cr_assert_eq(ib.urg_data, before - 30);
	}
	/* FIN after 70 more bytes buffered: CLOSE-WAIT, the data, then end of stream */
	tw_feed(t, SRV_PORT, lport, F_ACK | F_FIN, PEER_ISN + 2901, iss + 3001, 8192, NULL, 0);
	tw_drain(t);
	EXPECT_STATE(&t->b, t->fb, SYNACK_STATE_CLOSE_WAIT);
	tw_recv(t, 1000, 70);
	tw_recv(t, 1000, 0);
	tw_recv(t, 0, 0);
	tw_send(t, d, 500, 500);                        /* CLOSE-WAIT still sends */
	cr_assert_eq(tw_drain(t), 1);
	tw_free(t);
}

Test(api_zerocopy, full_buffer_eagain_and_a_reservation_that_wraps)
{
	struct twin *t = tw_new();
	static uint8_t d[300000];
	struct synack_iovec v[2];
	int sz = 16384;
	ssize_t room;
	uint32_t iss, total;
	uint16_t lport;

	fill(d, sizeof d, 3);
	iss = tw_est(t, &lport);
	cr_assert_eq(synack_setsockopt(t->a.s, t->fa, SYNACK_SOL_SOCKET, SYNACK_SO_SNDBUF, &sz,
				       sizeof sz), 0);
	cr_assert_eq(synack_setsockopt(t->b.s, t->fb, SYNACK_SOL_SOCKET, SYNACK_SO_SNDBUF, &sz,
				       sizeof sz), 0);
	tw_send(t, d, 3000, 3000);
	tw_drain(t);
	/* 2000 bytes acknowledged: the ring holds [2000, 3000); its free space runs from
	 * 3000 to the end of the storage and on from its start */
	tw_feed(t, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 2001, 8192, NULL, 0);
	tw_drain(t);
	room = synack_send_reserve(t->b.s, t->fb, v);
	cr_assert_gt(room, 3000);
	cr_assert_gt(v[1].len, 0, "expected a wrapped reservation: %zu + %zu", v[0].len,
		     v[1].len);
	cr_assert_gt(v[0].len, 0);
	cr_assert_eq(v[0].len + v[1].len, (size_t)room);
	tw_send(t, d + 3000, sizeof d - 3000, room);    /* re-reserves: the same pieces */
	total = 3000 + (uint32_t)room;
	tw_send(t, d, 100, -EAGAIN);                    /* full */
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, v), -EAGAIN);
	tw_drain(t);
	/* everything acknowledged as it goes out: the same segments from both */
	tw_ack_all(t, lport, PEER_ISN + 1);
	{
		struct synack_tcp_info ti;

		cr_assert_eq(synack_tcp_info(t->b.s, t->fb, &ti), 0);
		cr_assert_eq(ti.snd_una, iss + 1 + total);
	}
	tw_free(t);
}

Test(api_zerocopy, shutdown_and_reset_errno_as_send_recv)
{
	struct twin *t = tw_new();
	struct synack_iovec v[2];
	uint32_t iss;
	uint16_t lport;

	iss = tw_est(t, &lport);
	cr_assert_eq(synack_shutdown(t->a.s, t->fa, SYNACK_SHUT_WR), 0);
	cr_assert_eq(synack_shutdown(t->b.s, t->fb, SYNACK_SHUT_WR), 0);
	cr_assert_eq(tw_drain(t), 1);                   /* FIN */
	tw_send(t, (const uint8_t *)"abc", 3, -EPIPE);
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, v), -EPIPE);
	cr_assert_eq(synack_send_commit(t->b.s, t->fb, 3), -EPIPE);
	cr_assert_eq(synack_send_commit(t->b.s, t->fb, 0), -EPIPE);
	tw_recv(t, 10, -EAGAIN);
	/* reset by the peer: SO_ERROR once (view leaves it, as MSG_PEEK), then EOF/EPIPE */
	tw_feed(t, SRV_PORT, lport, F_RST, PEER_ISN + 1, 0, 0, NULL, 0);
	cr_assert_eq(tw_drain(t), 0);
	{
		uint8_t x[4];

		cr_assert_eq(synack_recv(t->a.s, t->fa, x, 4, SYNACK_MSG_PEEK), -ECONNRESET);
	}
	cr_assert_eq(synack_recv_view(t->b.s, t->fb, v), -ECONNRESET);
	cr_assert_eq(synack_recv_view(t->b.s, t->fb, v), -ECONNRESET);
	tw_recv(t, 10, -ECONNRESET);
	tw_recv(t, 10, 0);
	cr_assert_eq(synack_recv_view(t->b.s, t->fb, v), 0);
	tw_send(t, (const uint8_t *)"abc", 3, -EPIPE);
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, v), -EPIPE);
	(void)iss;
	tw_free(t);
}

Test(api_zerocopy, reset_error_reported_once_by_reserve)
{
	struct twin *t = tw_new();
	struct synack_iovec v[2];
	uint16_t lport;

	tw_est(t, &lport);
	tw_feed(t, SRV_PORT, lport, F_RST, PEER_ISN + 1, 0, 0, NULL, 0);
	tw_send(t, (const uint8_t *)"abc", 3, -ECONNRESET);
	tw_send(t, (const uint8_t *)"abc", 3, -EPIPE);
	tw_recv(t, 10, 0);
	cr_assert_eq(synack_send_reserve(t->b.s, t->fb, v), -EPIPE);
	tw_free(t);
}

Test(api_zerocopy, stale_or_oversized_commit_is_refused_and_sends_nothing)
{
	struct harness *h = calloc(1, sizeof *h);
	struct synack_iovec v[2];
	uint32_t iss;
	uint16_t lport;
	ssize_t room;
	int fd;

	h_init(h);
	fd = h_active_est(h, &iss, &lport);
	cr_assert_eq(synack_send_commit(h->s, fd, 1), -EINVAL);     /* nothing reserved */
	room = synack_send_reserve(h->s, fd, v);
	cr_assert_gt(room, 100);
	cr_assert_eq(synack_send_commit(h->s, fd, (size_t)room + 1), -EINVAL);
	cr_assert_eq(synack_send_commit(h->s, fd, 10), -EINVAL);    /* the refusal ended it */

	/* send() writes where the reservation pointed */
	cr_assert_gt(synack_send_reserve(h->s, fd, v), 0);
	memset(v[0].base, 'z', 10);
	cr_assert_eq(synack_send(h->s, fd, "0123456789", 10, 0), 10);
	cr_assert_eq(synack_send_commit(h->s, fd, 10), -EINVAL);
	EXPECT_SEG(h, F_ACK | F_PSH, iss + 1, PEER_ISN + 1, ANYWIN);
	cr_assert_eq(h->out.payload_len, 10);
	cr_assert(memcmp(h->out.payload, "0123456789", 10) == 0);
	EXPECT_NONE(h);

	/* the ring released when everything was acknowledged */
	cr_assert_gt(synack_send_reserve(h->s, fd, v), 0);
	h_send(h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 11, 8192);
	cr_assert_eq(synack_send_commit(h->s, fd, 5), -EINVAL);
	EXPECT_NONE(h);

	/* a second reservation replaces the first; a valid commit of part of it */
	cr_assert_gt(synack_send_reserve(h->s, fd, v), 0);
	cr_assert_gt(synack_send_reserve(h->s, fd, v), 0);
	memcpy(v[0].base, "hello", 5);
	cr_assert_eq(synack_send_commit(h->s, fd, 5), 5);
	EXPECT_SEG(h, F_ACK | F_PSH, iss + 11, PEER_ISN + 1, ANYWIN);
	cr_assert(memcmp(h->out.payload, "hello", 5) == 0);
	EXPECT_NONE(h);

	/* consume beyond what is buffered: refused, nothing consumed */
	h_send_data(h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, iss + 16, 8192, "abcdef", 6);
	cr_assert_eq(synack_recv_consume(h->s, fd, 7), -EINVAL);
	cr_assert_eq(synack_recv_view(h->s, fd, v), 6);
	cr_assert_eq(v[0].len, 6);
	cr_assert_eq(v[1].len, 0);
	cr_assert(memcmp(v[0].base, "abcdef", 6) == 0);
	cr_assert_eq(synack_recv_consume(h->s, fd, 2), 2);
	cr_assert_eq(synack_recv_view(h->s, fd, v), 4);
	cr_assert(memcmp(v[0].base, "cdef", 4) == 0);
	cr_assert_eq(synack_recv_consume(h->s, fd, 4), 4);
	cr_assert_eq(synack_recv_view(h->s, fd, v), -EAGAIN);
	cr_assert_eq(synack_recv_consume(h->s, fd, 1), -EAGAIN);

	cr_assert_eq(synack_close(h->s, fd), 0);
	while (h_next(h))
		;
	h_fini(h);
	free(h);
}
