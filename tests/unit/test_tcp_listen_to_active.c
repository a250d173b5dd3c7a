/* test_tcp_listen_to_active.c — RFC 9293 §3.10.2 SEND in LISTEN with the remote socket
 * specified (Figure 5's LISTEN -> SYN-SENT), offered as synack_listen_to_active(): the
 * exact SYN, the ISS as connect() selects it (RFC 6528), the handshake completing like a
 * connect, and each errno. connect() on a listener stays EISCONN (Linux). */
#include "harness.h"

#define DST_PORT 5555

/* A listener on SRV_PORT turned active toward THEM:DST_PORT; returns the fd, *iss. */
static int listener_to_active(struct harness *h, uint32_t *iss)
{
	int l = h_listen(h, SRV_PORT, 8);

	cr_assert_eq(synack_listen_to_active(h->s, l, THEM, DST_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, 65535);
	*iss = h->out.seq;
	return l;
}

Test(tcp_listen_to_active, listen_send_sends_syn_and_enters_syn_sent)
{
	struct harness h, ref;
	uint32_t iss;
	int l, fd;

	h_init(&h);
	l = listener_to_active(&h, &iss);
	/* §3.10.2: <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS+1; MSS only (no WS/TS
	 * configured), from the listener's port to the named remote socket */
	cr_assert_eq(h.out.sport, SRV_PORT);
	cr_assert_eq(h.out.dport, DST_PORT);
	cr_assert_eq(h.out_dst, THEM);
	cr_assert_eq(h.out.ack, 0);
	cr_assert_eq(h.out.payload_len, 0);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS);
	cr_assert_eq(h.out.opt.mss, 1460);
	EXPECT_STATE(&h, l, SYNACK_STATE_SYN_SENT);
	EXPECT_NONE(&h);
	/* the ISS is the one connect() selects for the same tuple at the same time */
	h_init(&ref);
	fd = synack_socket(ref.s);
	cr_assert_eq(synack_bind(ref.s, fd, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_connect(ref.s, fd, THEM, DST_PORT), -EINPROGRESS);
	EXPECT_SEG(&ref, F_SYN, iss, 0, 65535);
	h_fini(&ref);
	/* it no longer listens: a SYN to the port is answered as by a closed port (S07) */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, 7000, 0, 8192);
	EXPECT_SEG(&h, F_RST | F_ACK, 0, 7001, 0);
	cr_assert_eq(h.out.dport, PEER_PORT);
	EXPECT_NONE(&h);
	/* SYN retransmission as for a connect: RTO 1 s (RFC 6298 (2.1)) */
	h_advance(&h, 1 * SEC);
	EXPECT_SEG(&h, F_SYN, iss, 0, 65535);
	cr_assert_eq(h.out.dport, DST_PORT);
	h_fini(&h);
}

Test(tcp_listen_to_active, listen_send_handshake_completes_like_connect)
{
	struct harness h;
	uint32_t iss;
	int l, err = -1;
	size_t len = sizeof err;
	char buf[8];

	h_init(&h);
	l = listener_to_active(&h, &iss);
	h_send(&h, DST_PORT, SRV_PORT, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, PEER_ISN + 1, 65535);
	EXPECT_STATE(&h, l, SYNACK_STATE_ESTABLISHED);
	EXPECT_EVENT(&h, l, SYNACK_EV_CONNECTED);
	cr_assert_eq(synack_getsockopt(h.s, l, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len),
		     0);
	cr_assert_eq(err, 0);
	cr_assert_eq(synack_send(h.s, l, "hi", 2, 0), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, PEER_ISN + 1, 65535);
	cr_assert_eq(h.out.payload_len, 2);
	cr_assert_eq(memcmp(h.out.payload, "hi", 2), 0);
	cr_assert_eq(synack_connect(h.s, l, THEM, DST_PORT), -EISCONN);
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, DST_PORT), -EINVAL);
	cr_assert_eq(synack_recv(h.s, l, buf, sizeof buf, 0), -EAGAIN);
	h_fini(&h);
}

Test(tcp_listen_to_active, listen_send_refused_sets_so_error)
{
	struct harness h;
	uint32_t iss;
	int l, err = -1;
	size_t len = sizeof err;

	h_init(&h);
	l = listener_to_active(&h, &iss);
	h_send(&h, DST_PORT, SRV_PORT, F_RST | F_ACK, 0, iss + 1, 0);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, l, SYNACK_STATE_CLOSED);
	EXPECT_EVENT(&h, l, SYNACK_EV_RESET);
	cr_assert_eq(synack_getsockopt(h.s, l, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len),
		     0);
	cr_assert_eq(err, ECONNREFUSED);
	h_fini(&h);
}

Test(tcp_listen_to_active, listen_send_errnos)
{
	struct harness h;
	uint32_t iss;
	int l, c, fd, stale;

	h_init(&h);
	cr_assert_eq(synack_listen_to_active(h.s, 12345, THEM, DST_PORT), -EBADF);
	cr_assert_eq(synack_listen_to_active(h.s, -1, THEM, DST_PORT), -EBADF);
	stale = synack_socket(h.s);
	cr_assert_eq(synack_close(h.s, stale), 0);
	cr_assert_eq(synack_listen_to_active(h.s, stale, THEM, DST_PORT), -EBADF);
	/* not a listener: CLOSED, then connecting */
	fd = synack_socket(h.s);
	cr_assert_eq(synack_listen_to_active(h.s, fd, THEM, DST_PORT), -EINVAL);
	cr_assert_eq(synack_connect(h.s, fd, THEM, DST_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert_eq(synack_listen_to_active(h.s, fd, THEM, DST_PORT), -EINVAL);
	EXPECT_STATE(&h, fd, SYNACK_STATE_SYN_SENT);
	EXPECT_NONE(&h);

	l = h_listen(&h, SRV_PORT, 8);
	cr_assert_eq(synack_connect(h.s, l, THEM, DST_PORT), -EISCONN);       /* as Linux */
	/* a half-open connection on the SYN queue: -EBUSY, still listening */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	iss = h.out.seq;
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, DST_PORT), -EBUSY);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, l, SYNACK_STATE_LISTEN);
	/* completed but not accepted: -EBUSY */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, DST_PORT), -EBUSY);
	EXPECT_NONE(&h);
	EXPECT_STATE(&h, l, SYNACK_STATE_LISTEN);
	c = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(c, 0);
	EXPECT_STATE(&h, c, SYNACK_STATE_ESTABLISHED);
	/* an error of the active OPEN itself (connect's -ENETUNREACH) leaves it listening */
	cr_assert_eq(synack_listen_to_active(h.s, l, 0, DST_PORT), -ENETUNREACH);
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, 0), -ENETUNREACH);
	EXPECT_STATE(&h, l, SYNACK_STATE_LISTEN);
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_SYN, 9000, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, 9001, ANYWIN);
	cr_assert_eq(h.out.dport, PEER_PORT + 1);
	EXPECT_NONE(&h);
	/* the 4-tuple of the accepted connection is in use: -EADDRINUSE (as connect) */
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_RST, 9001, 0, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, PEER_PORT), -EADDRINUSE);
	EXPECT_STATE(&h, l, SYNACK_STATE_LISTEN);
	/* queues empty again: allowed */
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, DST_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, 65535);
	cr_assert_eq(h.out.sport, SRV_PORT);
	EXPECT_STATE(&h, l, SYNACK_STATE_SYN_SENT);
	cr_assert_eq(synack_listen_to_active(h.s, l, THEM, DST_PORT), -EINVAL);
	h_fini(&h);
}
