/*
 * test_rfc9293.c — RFC 9293 Appendix B requirements that no state- or scenario-specific
 * test covers (docs/rfc9293.md names these tests): error reports (§3.9.1.8 MUST-47,
 * SHLD-20), urgent data reports (§3.8.5 MUST-31/32/33, §3.4 MUST-66), the DS field and
 * TTL per socket (§3.9.1.9 MUST-48, SHLD-21/22, §3.9.2 MUST-49), IP options (§3.9.2
 * MUST-50), address rules of OPEN (§3.9.1.1 MUST-41..46) and the layout of every option
 * the stack sends (§3.1 MUST-65/68/69).
 */
#include "harness.h"

#define US2 0x0a000003u
#define R0 (PEER_ISN + 1)

static int set_int(struct harness *h, int fd, int level, int name, int v)
{
	return synack_setsockopt(h->s, fd, level, name, &v, sizeof v);
}

static int get_int(struct harness *h, int fd, int level, int name)
{
	int v = -12345;
	size_t len = sizeof v;

	cr_assert_eq(synack_getsockopt(h->s, fd, level, name, &v, &len), 0);
	return v;
}

/* Pops every pending event; returns how many had kind on fd, the last one's error in
 * *err (when not NULL). */
static int count_events(struct harness *h, int fd, int kind, int *err)
{
	struct synack_event ev;
	int n = 0;

	while (synack_poll_event(h->s, &ev))
		if (ev.fd == fd && (int)ev.kind == kind) {
			n++;
			if (err)
				*err = ev.error;
		}
	return n;
}

/* The IPv4 TOS and TTL bytes of the packet h_next() drained last. */
static uint8_t last_tos(const struct harness *h) { return h->pkt[1]; }
static uint8_t last_ttl(const struct harness *h) { return h->pkt[8]; }

static void drain(struct harness *h)
{
	while (h_next(h))
		;
}

/* ---- MUST-47, SHLD-9, SHLD-20: asynchronous error reports -------------------------- */

/* Sends 100 bytes and lets the retransmission timer run until R1 (3) is reached. */
static void run_to_r1(struct harness *h, int fd, uint32_t iss, bool reports)
{
	struct synack_tcp_info ti;
	int err = 0;

	cr_assert_eq(synack_send(h->s, fd, "0123456789", 10, 0), 10);
	EXPECT_SEG(h, F_ACK | F_PSH, iss + 1, R0, ANYWIN);
	count_events(h, fd, SYNACK_EV_SOFT_ERROR, NULL);
	for (int i = 0; i < 400; i++) {
		h_advance(h, 500 * MSEC);
		drain(h);
		cr_assert_eq(synack_tcp_info(h->s, fd, &ti), 0);
		if (ti.retransmits < 3) {
			cr_assert_eq(count_events(h, fd, SYNACK_EV_SOFT_ERROR, NULL), 0,
				     "report before R1 (retransmits %u)", ti.retransmits);
			continue;
		}
		cr_assert_eq(count_events(h, fd, SYNACK_EV_SOFT_ERROR, &err), reports ? 1 : 0);
		if (reports)
			cr_assert_eq(err, ETIMEDOUT);
		EXPECT_STATE(h, fd, SYNACK_STATE_ESTABLISHED);     /* R1 < R2: goes on */
		return;
	}
	cr_assert_fail("R1 never reached");
}

Test(rfc9293, must47_r1_reached_is_reported_and_the_connection_goes_on)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(get_int(&h, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR_REPORTS), 1);
	run_to_r1(&h, fd, iss, true);
	h_fini(&h);
}

Test(rfc9293, shld20_error_reports_can_be_turned_off)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(set_int(&h, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR_REPORTS, 0), 0);
	cr_assert_eq(get_int(&h, fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR_REPORTS), 0);
	run_to_r1(&h, fd, iss, false);
	h_fini(&h);
}

Test(rfc9293, must47_icmp_soft_error_is_reported_connection_stays)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd, err = 0;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R0, ANYWIN);
	count_events(&h, fd, SYNACK_EV_SOFT_ERROR, NULL);
	h_icmp_err(&h, 3, 1, 0, lport, SRV_PORT, iss + 1);     /* host unreachable */
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_SOFT_ERROR, &err), 1);
	cr_assert_eq(err, EHOSTUNREACH);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);     /* MUST-56: no abort */
	h_icmp_err(&h, 11, 0, 0, lport, SRV_PORT, iss + 1);    /* time exceeded */
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_SOFT_ERROR, &err), 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_icmp_err(&h, 12, 0, 0, lport, SRV_PORT, iss + 1);    /* parameter problem */
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_SOFT_ERROR, &err), 1);
	cr_assert_eq(err, EPROTO);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

/* ---- MUST-30..33, MUST-66: urgent data -------------------------------------------- */

Test(rfc9293, must32_33_urgent_pointer_raises_event_and_count)
{
	struct harness h;
	struct synack_tcp_info ti;
	uint32_t iss;
	char buf[64];
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	count_events(&h, fd, SYNACK_EV_URGENT, NULL);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.urg_data, 0);
	/* 10 bytes, the first 4 urgent: RFC 6093 pointer = seq + 4 */
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_URG | F_PSH, R0, iss + 1, 8192, NULL,
		   "UUUUnormal", 10, 4);
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_URGENT, NULL), 1);
	cr_assert(synack_poll(h.s, fd, SYNACK_POLLPRI) & SYNACK_POLLPRI);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.urg_data, 4);
	cr_assert_eq(synack_recv(h.s, fd, buf, 2, 0), 2);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.urg_data, 2);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 8);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.urg_data, 0);
	cr_assert_eq(synack_poll(h.s, fd, SYNACK_POLLPRI) & SYNACK_POLLPRI, 0);
	/* the same pointer again is no news */
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_URG, R0 + 10, iss + 1, 8192, NULL, NULL,
		   0, 0);
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_URGENT, NULL), 0);
	h_fini(&h);
}

Test(rfc9293, must31_urgent_sequence_longer_than_a_pointer)
{
	struct harness h;
	struct synack_tcp_info ti;
	static char data[1000];
	uint32_t iss, seq = R0;
	int fd, events = 0;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	/* each segment moves the pointer 65000 bytes past its own start: after 40 KB of
	 * data the urgent sequence (pointer minus read pointer) exceeds 16 bits */
	for (int i = 0; i < 40; i++) {
		h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_URG, seq, iss + 1, 8192, NULL,
			   data, sizeof data, 65000);
		seq += sizeof data;
		events += count_events(&h, fd, SYNACK_EV_URGENT, NULL);
		drain(&h);
	}
	cr_assert_eq(events, 40);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.recv_queue, 40000);
	cr_assert_eq(ti.urg_data, 39000 + 65000, "urg_data %u", ti.urg_data);
	h_fini(&h);
}

Test(rfc9293, must66_urg_and_rst_processed_with_zero_window)
{
	struct harness h;
	struct synack_tcp_info ti;
	static char data[1024];
	uint32_t iss;
	int l = -1, fd, err = 0;

	h_init(&h);
	l = synack_socket(h.s);
	cr_assert_eq(set_int(&h, l, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, 2048), 0);
	cr_assert_eq(synack_bind(h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 4), 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R0, 2048);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 1, 8192);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 1, 8192, data, 1024);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R0 + 1024, iss + 1, 8192, data, 1024);
	h_advance(&h, 500 * MSEC);
	drain(&h);
	cr_assert_eq(h.out.ack, R0 + 2048);
	cr_assert_eq(h.out.win, 0, "window %u, expected 0", h.out.win);
	cr_assert_eq(synack_tcp_info(h.s, fd, &ti), 0);
	cr_assert_eq(ti.rcv_wnd, 0);
	count_events(&h, fd, SYNACK_EV_URGENT, NULL);
	/* URG on a segment at RCV.NXT while the window is zero: processed */
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_URG, R0 + 2048, iss + 1, 8192, NULL,
		   NULL, 0, 5);
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_URGENT, NULL), 1);
	/* RST at RCV.NXT while the window is zero: resets */
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R0 + 2048, 0, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_RESET, &err), 1);
	cr_assert_eq(err, ECONNRESET);
	h_fini(&h);
}

/* ---- MUST-48, SHLD-21, SHLD-22, MUST-49: DS field and TTL ------------------------- */

Test(rfc9293, must48_ds_field_on_every_segment_and_changed_mid_connection)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd = -1;

	h_init(&h);
	fd = synack_socket(h.s);
	cr_assert_eq(get_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TOS), 0);
	cr_assert_eq(set_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TOS, 46 << 2 | 3), 0);
	cr_assert_eq(get_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TOS), 46 << 2,
		     "the ECN bits stay the stack's");
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert_eq(last_tos(&h), 46 << 2);
	iss = h.out.seq;
	lport = h.out.sport;
	h_send(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R0, ANYWIN);
	cr_assert_eq(last_tos(&h), 46 << 2);
	/* SHLD-21/22: a new value applies to the next segment, unchanged */
	cr_assert_eq(set_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TOS, 10 << 2), 0);
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), 1);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R0, ANYWIN);
	cr_assert_eq(last_tos(&h), 10 << 2);
	/* a RST for no connection carries the default */
	h_send(&h, SRV_PORT, 9, F_ACK, 1, 1, 0);
	EXPECT_SEG(&h, F_RST, 1, 0, ANYWIN);
	cr_assert_eq(last_tos(&h), 0);
	h_fini(&h);
}

Test(rfc9293, must49_ttl_per_socket_listener_children_and_errors)
{
	struct harness h;
	uint32_t iss;
	int l, fd;

	h_init(&h);
	l = synack_socket(h.s);
	cr_assert_eq(get_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL), 64);
	cr_assert_eq(set_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, 0), -EINVAL);
	cr_assert_eq(set_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, 256), -EINVAL);
	cr_assert_eq(set_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, -2), -EINVAL);
	cr_assert_eq(set_int(&h, l, SYNACK_IPPROTO_IP, 99, 1), -ENOPROTOOPT);
	cr_assert_eq(set_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, 7), 0);
	cr_assert_eq(get_int(&h, l, SYNACK_IPPROTO_IP, SYNACK_IP_TTL), 7);
	cr_assert_eq(synack_bind(h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 4), 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R0, ANYWIN);
	cr_assert_eq(last_ttl(&h), 7);                  /* the SYN-ACK: the listener's */
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 1, 8192);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(get_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TTL), 7);  /* inherited */
	cr_assert_eq(synack_send(h.s, fd, "x", 1, 0), 1);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R0, ANYWIN);
	cr_assert_eq(last_ttl(&h), 7);
	cr_assert_eq(set_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TTL, -1), 0);   /* default */
	cr_assert_eq(get_int(&h, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TTL), 64);
	cr_assert_eq(synack_send(h.s, fd, "y", 1, 0), 1);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 2, R0, ANYWIN);
	cr_assert_eq(last_ttl(&h), 64);
	h_fini(&h);
}

/* ---- MUST-50: IP options ---------------------------------------------------------- */

Test(rfc9293, must50_syn_with_ip_options_is_answered)
{
	struct harness h;
	uint8_t p[24 + 20];
	struct wire_tcp t = {
		.sport = PEER_PORT, .dport = SRV_PORT, .seq = PEER_ISN, .flags = F_SYN,
		.win = 8192,
	};
	uint16_t c;

	h_init(&h);
	h_listen(&h, SRV_PORT, 4);
	memset(p, 0, sizeof p);
	p[0] = 0x46;                            /* IHL 6: 4 bytes of options */
	p[3] = sizeof p;
	p[8] = 64;
	p[9] = WIRE_IPPROTO_TCP;
	memcpy(p + 12, (uint8_t[]){ 10, 0, 0, 2, 10, 0, 0, 1 }, 8);
	memcpy(p + 20, (uint8_t[]){ 0x94, 4, 0, 0 }, 4);       /* Router Alert (RFC 2113) */
	c = wire_csum(p, 24);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	cr_assert_eq(wire_tcp_emit(&t, THEM, US, NULL, 0, p + 24, 20), 20);
	synack_input(h.s, h.now, p, sizeof p);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R0, ANYWIN);
	h_fini(&h);
}

/* ---- MUST-41..46: OPEN and local addresses ---------------------------------------- */

Test(rfc9293, must46_open_to_broadcast_multicast_or_zero_fails)
{
	struct harness h;
	static const uint32_t bad[] = { 0xffffffffu, 0xe0000001u, 0xefffffffu, 0, 0xf0000001u };
	int fd;

	h_init(&h);
	fd = synack_socket(h.s);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(synack_connect(h.s, fd, bad[i], SRV_PORT), -ENETUNREACH,
			     "address %08x", bad[i]);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(rfc9293, must43_44_45_local_address_chosen_or_given_and_kept)
{
	struct harness h;
	uint32_t iss;
	int a, b;

	h_init(&h);
	cr_assert_eq(synack_stack_add_addr(h.s, US2), 0);
	h.src2 = US2;
	/* MUST-44: no local address given: the stack picks one of its own */
	a = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, a, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert(h_next(&h));
	cr_assert_eq(h.out.flags, F_SYN);
	cr_assert_eq(h.out_src, US);
	iss = h.out.seq;
	h_send(&h, SRV_PORT, h.out.sport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192);
	cr_assert(h_next(&h));
	cr_assert_eq(h.out_src, US);            /* MUST-45: later segments keep it */
	/* MUST-43: a local address given in OPEN (bind) is used */
	b = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, b, US2, 0), 0);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert(h_next(&h));
	cr_assert_eq(h.out.flags, F_SYN);
	cr_assert_eq(h.out_src, US2, "SYN from %08x", h.out_src);
	h_fini(&h);
}

Test(rfc9293, must43_listener_bound_to_one_address_ignores_the_other)
{
	struct harness h;
	int l;

	h_init(&h);
	cr_assert_eq(synack_stack_add_addr(h.s, US2), 0);
	l = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, l, US2, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 4), 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);      /* to US */
	EXPECT_SEG(&h, F_RST | F_ACK, 0, R0, 0);
	h_fini(&h);
}

Test(rfc9293, must41_42_second_passive_open_on_a_busy_port)
{
	struct harness h;
	uint32_t iss;
	int l, fd, l2, c;

	h_init(&h);
	/* MUST-42: a port used by an active OPEN can also LISTEN (SO_REUSEADDR, Linux) */
	c = synack_socket(h.s);
	cr_assert_eq(set_int(&h, c, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, 1), 0);
	cr_assert_eq(synack_bind(h.s, c, SYNACK_ADDR_ANY, 8080), 0);
	cr_assert_eq(synack_connect(h.s, c, THEM, 9999), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	l2 = synack_socket(h.s);
	cr_assert_eq(set_int(&h, l2, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, 1), 0);
	cr_assert_eq(synack_bind(h.s, l2, SYNACK_ADDR_ANY, 8080), 0);
	cr_assert_eq(synack_listen(h.s, l2, 4), 0);
	h_send(&h, PEER_PORT, 8080, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R0, ANYWIN);
	/* MUST-41: a new LISTEN on the port of an established connection leaves it alone */
	l = synack_socket(h.s);
	cr_assert_eq(set_int(&h, l, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, 1), 0);
	cr_assert_eq(synack_bind(h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 4), 0);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R0, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 1, 8192);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_close(h.s, l), 0);
	l = synack_socket(h.s);
	cr_assert_eq(set_int(&h, l, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, 1), 0);
	cr_assert_eq(synack_bind(h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(h.s, l, 4), 0);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R0, iss + 1, 8192, "hi", 2);
	EXPECT_SEG(&h, F_ACK, iss + 1, R0 + 2, ANYWIN);        /* quick-ACK mode */
	cr_assert_eq(synack_recv(h.s, fd, (char[4]){ 0 }, 4, 0), 2);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	drain(&h);
	cr_assert_eq(h.out.flags, F_SYN | F_ACK);
	cr_assert_eq(h.out.dport, PEER_PORT + 1);
	h_fini(&h);
}

/* ---- MUST-65, MUST-68, MUST-69: the options of every segment sent ----------------- */

/* Walks the TCP options of the packet in h->pkt: every option but EOL/NOP has a length
 * that fits, MSS only on SYNs, zeros after EOL. Returns the number of options seen. */
static int check_options(const struct harness *h)
{
	const uint8_t *ip = h->pkt;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	const uint8_t *t = ip + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	bool syn = t[13] & F_SYN;
	size_t i = 20;
	int n = 0;

	while (i < doff) {
		uint8_t kind = t[i];

		if (kind == 0) {
			for (size_t j = i + 1; j < doff; j++)
				cr_assert_eq(t[j], 0, "padding byte %zu after EOL is %u", j, t[j]);
			return n;
		}
		n++;
		if (kind == 1) {
			i++;
			continue;
		}
		cr_assert_lt(i + 1, doff, "option kind %u without a length", kind);
		cr_assert_geq(t[i + 1], 2, "option kind %u length %u", kind, t[i + 1]);
		cr_assert_leq(i + t[i + 1], doff, "option kind %u overruns the header", kind);
		if (kind == 2)
			cr_assert(syn, "MSS option on a segment without SYN");
		i += t[i + 1];
	}
	return n;
}

Test(rfc9293, must65_68_69_every_option_sent_is_well_formed)
{
	struct harness h;
	struct synack_config c;
	struct wire_tcp_opts o = { 0 };
	static char data[3000];
	uint32_t iss;
	int l, fd, segs = 0, opts = 0;

	h_default_config(&c);
	c.timestamps = 1;
	c.window_scaling = 1;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 4);
	o.present = WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS | WIRE_HAS_SACKOK;
	o.mss = 1000;
	o.wscale = 7;
	o.ts_val = 100;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	cr_assert(h_next(&h));
	iss = h.out.seq;
	opts += check_options(&h);
	segs++;
	o.present = WIRE_HAS_TS;
	o.ts_val = 101;
	o.ts_ecr = h.out.opt.ts_val;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, R0, iss + 1, 8192, &o, NULL, 0, 0);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_send(h.s, fd, data, sizeof data, 0), (ssize_t)sizeof data);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R0, iss + 1, 8192, &o, data, 500, 0);
	cr_assert_eq(synack_shutdown(h.s, fd, 1), 0);
	h_advance(&h, 300 * MSEC);
	while (h_next(&h)) {
		opts += check_options(&h);
		segs++;
		cr_assert(h.out.payload_len <= 1000 - 12, "payload %u above MSS - TS",
			  h.out.payload_len);
	}
	cr_assert_geq(segs, 5);
	cr_assert_geq(opts, 3 * segs);         /* at least NOP, NOP, TS on each */
	h_fini(&h);
}

/* ---- MUST-55: source quench ------------------------------------------------------- */

Test(rfc9293, must55_source_quench_is_silently_discarded)
{
	struct harness h;
	struct synack_tcp_info before, after;
	uint32_t iss;
	uint16_t lport;
	int fd;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, R0, ANYWIN);
	count_events(&h, fd, SYNACK_EV_SOFT_ERROR, NULL);
	cr_assert_eq(synack_tcp_info(h.s, fd, &before), 0);
	h_icmp_err(&h, 4, 0, 0, lport, SRV_PORT, iss + 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_ICMP_IN), 1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ICMP_ERR), 0);
	cr_assert_eq(count_events(&h, fd, SYNACK_EV_SOFT_ERROR, NULL), 0);
	cr_assert_eq(synack_tcp_info(h.s, fd, &after), 0);
	cr_assert_eq(after.snd_cwnd, before.snd_cwnd);
	cr_assert_eq(after.snd_mss, before.snd_mss);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	EXPECT_NONE(&h);
	h_fini(&h);
}
