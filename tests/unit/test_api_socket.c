/* test_api_socket.c — the socket layer: descriptors with generations, errno values,
 * bind/port rules (S10), accept queue bound and FIFO (S16), ephemeral ports, options. */
#include "harness.h"

Test(api_socket, stale_descriptor_is_ebadf)
{
	struct harness h;
	int a, b;

	h_init(&h);
	a = synack_socket(h.s);
	cr_assert_eq(a, 0);                     /* small integers */
	cr_assert_eq(synack_close(h.s, a), 0);
	b = synack_socket(h.s);                 /* same slot, next generation */
	cr_assert_neq(a, b);
	cr_assert_eq(synack_close(h.s, a), -EBADF);
	cr_assert_eq(synack_send(h.s, a, "x", 1, 0), -EBADF);
	cr_assert_eq(synack_poll(h.s, a, SYNACK_POLLIN), -EBADF);
	cr_assert_eq(synack_close(h.s, b), 0);
	cr_assert_eq(synack_close(h.s, -1), -EBADF);
	/* free slots, never issued: slot 1's next descriptor (generation 0) and slot 0's
	 * (generation 2, after a and b) name nothing yet */
	cr_assert_eq(synack_send(h.s, 1, "x", 1, 0), -EBADF);
	cr_assert_eq(synack_close(h.s, 2 << 16), -EBADF);
	cr_assert_eq(synack_socket(h.s), 2 << 16, "slot 0 again, generation 2");
	h_fini(&h);
}

Test(api_socket, errno_before_connect)
{
	struct harness h;
	char c;
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), -ENOTCONN);
	cr_assert_eq(synack_recv(h.s, fd, &c, 1, 0), -ENOTCONN);
	cr_assert_eq(synack_shutdown(h.s, fd, SYNACK_SHUT_WR), -ENOTCONN);
	cr_assert_eq(synack_accept(h.s, fd, NULL, NULL), -EINVAL);
	cr_assert_eq(synack_bind(h.s, fd, 0x0a000009u, 80), -EADDRNOTAVAIL);
	cr_assert_eq(synack_connect(h.s, fd, 0xffffffffu, 80), -ENETUNREACH);
	cr_assert_eq(synack_connect(h.s, fd, 0, 80), -ENETUNREACH);
	cr_assert_eq(synack_shutdown(h.s, fd, 7), -EINVAL);
	h_fini(&h);
}

Test(api_socket, bind_conflicts_and_reuseaddr)
{
	struct harness h;
	int a, b, one = 1;

	h_init(&h);
	a = h_listen(&h, 80, 4);
	b = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, 80), -EADDRINUSE);
	cr_assert_eq(synack_bind(h.s, b, US, 80), -EADDRINUSE);
	cr_assert_eq(synack_setsockopt(h.s, b, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				       sizeof one), 0);
	cr_assert_eq(synack_bind(h.s, b, US, 80), -EADDRINUSE);  /* a listener holds it */
	cr_assert_eq(synack_bind(h.s, b, US, 81), 0);
	cr_assert_eq(synack_bind(h.s, b, US, 82), -EINVAL);      /* already bound */
	synack_close(h.s, a);
	synack_close(h.s, b);
	h_fini(&h);
}

Test(api_socket, time_wait_blocks_bind_and_same_tuple)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd, b, one = 1;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, PEER_ISN + 2, ANYWIN);
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_TIME_WAIT);
	/* S10: the port is held by TIME-WAIT */
	b = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, lport), -EADDRINUSE);
	cr_assert_eq(synack_setsockopt(h.s, b, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				       sizeof one), 0);
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, lport), 0);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT + 1), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert_eq(h.out.sport, lport);
	h_advance(&h, 60 * SEC);
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), -1);
	h_fini(&h);
}

Test(api_socket, accept_queue_full_drops_syn_fifo_accept)
{
	struct harness h;
	uint32_t iss1, iss2, a;
	uint16_t p;
	int l, fd;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, 2);
	h_send(&h, 50001, SRV_PORT, F_SYN, 100, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 101, ANYWIN);
	iss1 = h.out.seq;
	h_send(&h, 50002, SRV_PORT, F_SYN, 200, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 201, ANYWIN);
	iss2 = h.out.seq;
	h_send(&h, 50002, SRV_PORT, F_ACK, 201, iss2 + 1, 8192);
	h_send(&h, 50001, SRV_PORT, F_ACK, 101, iss1 + 1, 8192);
	EXPECT_EVENT(&h, l, SYNACK_EV_ACCEPTABLE);
	cr_assert_eq(synack_poll(h.s, l, SYNACK_POLLIN), SYNACK_POLLIN);
	/* S16: the accept queue (backlog 2) is full: a new SYN is dropped silently */
	h_send(&h, 50003, SRV_PORT, F_SYN, 300, 0, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ACCEPTQ_FULL), 1);
	cr_assert_eq(h_state_of_port(&h, 50003), -1);
	/* FIFO: completed first, accepted first */
	fd = synack_accept(h.s, l, &a, &p);
	cr_assert_geq(fd, 0);
	cr_assert_eq(p, 50002);
	cr_assert_eq(a, THEM);
	/* room again: the client's retried SYN is answered */
	h_send(&h, 50003, SRV_PORT, F_SYN, 300, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 301, ANYWIN);
	fd = synack_accept(h.s, l, NULL, &p);
	cr_assert_eq(p, 50001);
	cr_assert_eq(synack_accept(h.s, l, NULL, NULL), -EAGAIN);
	h_fini(&h);
}

/* completes the handshake of a client at THEM:cport with the listener on SRV_PORT */
static void complete_handshake(struct harness *h, uint16_t cport, uint32_t irs)
{
	h_send(h, cport, SRV_PORT, F_SYN, irs, 0, 8192);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, irs + 1, ANYWIN);
	h_send(h, cport, SRV_PORT, F_ACK, irs + 1, h->out.seq + 1, 8192);
	EXPECT_NONE(h);
}

/*
 * listen()'s backlog is clamped to somaxconn (Linux: a backlog above
 * net.core.somaxconn, or negative, becomes somaxconn): with somaxconn 2, listen(100)
 * and listen(-1) both hold two completed connections and drop the third's SYN
 * silently; the listing shows the clamped backlog as the listener's Send-Q; a
 * backlog below somaxconn is kept.
 */
Test(api_socket, backlog_clamped_to_somaxconn)
{
	const int backlogs[3] = { 100, -1, 1 };

	for (int i = 0; i < 3; i++) {
		struct synack_config c;
		struct synack_sock_info info[8];
		struct harness h;
		uint32_t want = backlogs[i] == 1 ? 1 : 2;
		size_t n, k;

		h_default_config(&c);
		c.somaxconn = 2;
		h_init_cfg(&h, &c);
		cr_assert_eq(h_listen(&h, SRV_PORT, backlogs[i]) >= 0, true);
		for (uint32_t j = 0; j < want; j++)
			complete_handshake(&h, (uint16_t)(50001 + j), 100 + 1000 * j);
		/* the accept queue holds want connections: the next SYN is dropped silently */
		h_send(&h, 50009, SRV_PORT, F_SYN, 9000, 0, 8192);
		EXPECT_NONE(&h);
		cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ACCEPTQ_FULL), 1,
			     "backlog %d", backlogs[i]);
		cr_assert_eq(h_state_of_port(&h, 50009), -1);
		n = synack_sock_list(h.s, info, 8);
		for (k = 0; k < n && info[k].state != SYNACK_STATE_LISTEN; k++)
			;
		cr_assert_lt(k, n);
		cr_assert_eq(info[k].send_q, want, "backlog %d: Send-Q %u", backlogs[i],
			     info[k].send_q);
		cr_assert_eq(info[k].recv_q, want);
		h_fini(&h);
	}
}

/*
 * Every connection accepted on a port holds it (Linux: the child is in the listener's
 * bind bucket): after the listener closes, bind() to the port is EADDRINUSE until the
 * last of them is gone. 300 of them close by ABORT (RST, no TIME-WAIT) oldest first, then
 * newest first: the bind index (tcb.c ts->bound, doubly linked since all of a port's
 * owners share one chain) must lose exactly the closed one each time, whatever its place.
 */
Test(api_socket, accepted_connections_hold_the_port_until_the_last_closes)
{
	enum { NCONN = 300 };
	static int fd[NCONN];
	static uint32_t iss[NCONN];
	struct harness h;
	int l, b, order[NCONN];
	size_t bl;
	uint16_t p;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, NCONN);
	for (int j = 0; j < NCONN; j++) {
		h_send(&h, (uint16_t)(40000 + j), SRV_PORT, F_SYN, 1000u * j, 0, 8192);
		EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 1000u * j + 1, ANYWIN);
		iss[j] = h.out.seq;
		h_send(&h, (uint16_t)(40000 + j), SRV_PORT, F_ACK, 1000u * j + 1, iss[j] + 1, 8192);
		EXPECT_NONE(&h);
		fd[j] = synack_accept(h.s, l, NULL, &p);
		cr_assert_geq(fd[j], 0);
		cr_assert_eq(p, 40000 + j);
	}
	cr_assert_eq(synack_close(h.s, l), 0);
	EXPECT_NONE(&h);
	b = synack_socket(h.s);
	cr_assert_geq(b, 0);
	bl = synack_sock_list(h.s, NULL, 0) - NCONN; /* whether the unbound socket is listed */
	cr_assert_leq(bl, 1);
	for (int j = 0; j < NCONN / 2; j++)
		order[j] = j;                     /* oldest first */
	for (int j = NCONN / 2; j < NCONN; j++)
		order[j] = NCONN - 1 - (j - NCONN / 2); /* then newest first */
	for (int k = 0; k < NCONN; k++) {
		int j = order[k];

		cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, SRV_PORT), -EADDRINUSE,
			     "%d of %d closed", k, NCONN);
		EXPECT_STATE(&h, fd[j], SYNACK_STATE_ESTABLISHED);
		synack_setsockopt(h.s, fd[j], SYNACK_SOL_SOCKET, SYNACK_SO_LINGER,
				  &(struct synack_linger){ .l_onoff = 1, .l_linger = 0 },
				  sizeof(struct synack_linger));
		cr_assert_eq(synack_close(h.s, fd[j]), 0);
		EXPECT_SEG(&h, F_RST | F_ACK, iss[j] + 1, 1000u * j + 1, 0);
		cr_assert_eq(synack_sock_list(h.s, NULL, 0), (size_t)(NCONN - k - 1) + bl);
	}
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, b, 4), 0);
	h_fini(&h);
}

Test(api_socket, listener_close_resets_queued_children)
{
	struct harness h;
	uint32_t iss;
	int l;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, 4);
	h_send(&h, 50001, SRV_PORT, F_SYN, 100, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 101, ANYWIN);
	iss = h.out.seq;
	h_send(&h, 50001, SRV_PORT, F_ACK, 101, iss + 1, 8192);
	synack_close(h.s, l);
	EXPECT_SEG(&h, F_RST | F_ACK, iss + 1, 101, 0);
	cr_assert_eq(synack_sock_list(h.s, NULL, 0), 0);
	h_send(&h, 50001, SRV_PORT, F_SYN, 900, 0, 8192);
	EXPECT_SEG(&h, F_RST | F_ACK, 0, 901, 0);
	h_fini(&h);
}

Test(api_socket, ephemeral_ports_distinct_and_in_range)
{
	struct harness h;
	uint16_t p1, p2;
	int a, b;

	h_init(&h);
	a = synack_socket(h.s);
	b = synack_socket(h.s);
	synack_connect(h.s, a, THEM, 80);
	synack_connect(h.s, b, THEM, 80);
	cr_assert_eq(synack_getsockname(h.s, a, NULL, &p1), 0);
	cr_assert_eq(synack_getsockname(h.s, b, NULL, &p2), 0);
	cr_assert_neq(p1, p2);
	cr_assert(p1 >= 32768 && p1 <= 60999 && p2 >= 32768 && p2 <= 60999);
	h_fini(&h);
}

Test(api_socket, sockopts_roundtrip_and_errors)
{
	struct harness h;
	struct synack_linger lg = { 1, 5 }, got;
	size_t len;
	int fd, v;

	h_init(&h);
	fd = synack_socket(h.s);
	v = 600;
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPIDLE, &v, sizeof v), 0);
	len = sizeof v;
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPIDLE, &v, &len), 0);
	cr_assert_eq(v, 600);
	v = 0;
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPCNT, &v, sizeof v), -EINVAL);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, 999, &v, sizeof v), -ENOPROTOOPT);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &v, 1), -EINVAL);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof lg), 0);
	len = sizeof got;
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &got, &len), 0);
	cr_assert_eq(got.l_onoff, 1);
	cr_assert_eq(got.l_linger, 5);
	len = sizeof v;
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_MAXSEG, &v, &len), 0);
	cr_assert_eq(v, 1460);
	cr_assert_eq(synack_getsockopt(h.s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &v, &len), 0);
	cr_assert_eq(v, 0);
	h_fini(&h);
}
