/* test_tcp_out_common.c — output.c's common-segment writer (is_common, emit_common: the
 * ACK, data and FIN segments written straight from the tcb) is exactly build_segment's
 * general code, and so is emit_ctl's writer of the stateless RSTs and ACKs (TIME-WAIT
 * records, half-open entries, no connection) beside wire_tcpip_emit. Two worlds with
 * the same keys, clock and random script: in each a client stack (10.0.0.1) and a
 * server stack (10.0.0.2) joined by a link that holds, drops,
 * reorders, duplicates and CE-marks packets; world 1's stacks have
 * tcp_stack.no_out_common. The script: connections opened, data written (urgent too) and
 * read (a small receive buffer fills: zero windows, probes), setsockopt of IP_TOS,
 * IP_TTL, TCP_NODELAY and SO_RCVBUF, the stack's default TTL set anew, shutdown and close on either side, time moved by a
 * little or to the next deadline (delayed ACKs, RTOs, tail loss probes, persist and
 * keep-alive probes, TIME-WAIT), drains with a too-small buffer now and then; seeds vary
 * timestamps, SACK, window scaling, ECN, GSO and the decision notes. After every step every
 * packet is byte-identical across the worlds, and so are every counter, event and note,
 * the next deadline and each connection's RFC variables, timers, RTT and cc state (SYN
 * cookies always on for some seeds: the SYN-ACK's writer too); and
 * in both worlds tcp_output's out_maybe has the bit of every queue that holds output. */
#include <stddef.h>
#include <stdio.h>

#include "harness.h"
#include "api/api.h"

#define QMAX 48
#define PKT_MAX 2048
#define STEPS 20000

struct inflight {
	uint8_t b[PKT_MAX];
	size_t len;
};

struct world {
	struct synack_stack *s[2];      /* [0] client at US, [1] server at THEM */
	struct h_alloc_stats mem[2];
	struct inflight q[2][QMAX];     /* packets on the link from s[i] */
	unsigned nq[2];
	int lfd;                        /* the server's listener */
	int fd[2];                      /* the current connection's ends, -1: none */
};

struct twin {
	struct world w[2];              /* [0] common writer on, [1] off */
	uint64_t now, x;
	bool gso;
	unsigned pkts, common_like, sack_pkts, urg_pkts, ce_marks, conns, small_caps, syns;
	unsigned synacks;
};

static uint64_t rnd(struct twin *t)
{
	t->x ^= t->x >> 12;
	t->x ^= t->x << 25;
	t->x ^= t->x >> 27;
	return t->x * 2685821657736338717ull;
}

static void open_world(struct world *w, const struct synack_config *cfg, bool off)
{
	for (int i = 0; i < 2; i++) {
		struct synack_env env = { .alloc = h_alloc, .free = h_free, .ctx = &w->mem[i] };

		for (int k = 0; k < SYNACK_SECRET_LEN; k++)
			env.secret[k] = (uint8_t)(k * 7 + 1 + i);
		w->s[i] = synack_stack_new(cfg, &env);
		cr_assert_not_null(w->s[i]);
		cr_assert_eq(synack_stack_add_addr(w->s[i], i ? THEM : US), 0);
		w->s[i]->tcp.no_out_common = off;
		w->fd[i] = -1;
	}
	w->lfd = synack_socket(w->s[1]);
	cr_assert_eq(synack_bind(w->s[1], w->lfd, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(w->s[1], w->lfd, 8), 0);
}

/* The connection's state that must not depend on the writer. */
static void same_tcb(struct twin *t, int side, const char *what)
{
	const struct tcb *a, *b;
	size_t from = offsetof(struct tcb, snd_una), to = offsetof(struct tcb, tnode);

	if (t->w[0].fd[side] < 0)
		return;
	a = api_tcb(t->w[0].s[side], t->w[0].fd[side]);
	b = api_tcb(t->w[1].s[side], t->w[1].fd[side]);
	cr_assert_eq(!a, !b, "%s: side %d: a connection in one world only", what, side);
	if (!a)
		return;
	cr_assert_eq(memcmp((const char *)a + from, (const char *)b + from, to - from), 0,
		     "%s: side %d: tcb fields differ (state %d/%d snd_nxt %u/%u rcv_nxt %u/%u "
		     "rcv_wnd %u/%u rcv_adv %u/%u)", what, side, a->state, b->state, a->snd_nxt,
		     b->snd_nxt, a->rcv_nxt, b->rcv_nxt, a->rcv_wnd, b->rcv_wnd, a->rcv_adv,
		     b->rcv_adv);
	cr_assert_eq(memcmp(&a->rtt, &b->rtt, sizeof a->rtt), 0, "%s: RTT state", what);
	cr_assert_eq(memcmp(&a->cc, &b->cc, sizeof a->cc), 0, "%s: cc state", what);
	cr_assert_eq(a->tnode.deadline_ns, b->tnode.deadline_ns, "%s: wheel node", what);
	cr_assert_eq(a->rcv_ooo.rcv_wup, b->rcv_ooo.rcv_wup, "%s: RCV.WUP", what);
	cr_assert_eq(a->rcv_ooo.quick, b->rcv_ooo.quick, "%s: quick ACKs", what);
	cr_assert_eq(a->rcv_ooo.pingpong, b->rcv_ooo.pingpong, "%s: pingpong", what);
	cr_assert_eq(a->rcv_ooo.has_dsack, b->rcv_ooo.has_dsack, "%s: D-SACK", what);
	cr_assert_eq(a->ecn_flags, b->ecn_flags, "%s: ECN flags", what);
	cr_assert_eq(a->segs_out, b->segs_out, "%s: segs_out", what);
	cr_assert_eq(a->bytes_sent, b->bytes_sent, "%s: bytes_sent", what);
	cr_assert_eq(a->want_ack, b->want_ack, "%s: want_ack", what);
	cr_assert_eq(a->want_probe, b->want_probe, "%s: want_probe", what);
	cr_assert_eq(a->want_ka_probe, b->want_ka_probe, "%s: want_ka_probe", what);
	cr_assert_eq(a->rec.rack.n, b->rec.rack.n, "%s: RACK map", what);
	cr_assert_eq(a->rec.rack.tlp_due, b->rec.rack.tlp_due, "%s: TLP due", what);
}

static void same_all(struct twin *t, const char *what)
{
	for (int i = 0; i < 2; i++) {
		struct synack_stack *a = t->w[0].s[i], *b = t->w[1].s[i];

		for (int c = 0; c < SYNACK_CTR_COUNT; c++)
			cr_assert_eq(synack_counter(a, c), synack_counter(b, c),
				     "%s: stack %d: counter %s: %llu vs %llu", what, i,
				     synack_counter_name(c), (unsigned long long)synack_counter(a, c),
				     (unsigned long long)synack_counter(b, c));
		cr_assert_eq(synack_next_deadline(a), synack_next_deadline(b),
			     "%s: stack %d: next deadline", what, i);
		h_same_events_notes(a, b);
		same_tcb(t, i, what);
		/* tcp_output's early return and output_queued read out_maybe alone: its
		 * bits must cover every queue (tcb.h tcp_mark_output) */
		for (int k = 0; k < 2; k++) {
			const struct tcp_stack *ts = &t->w[k].s[i]->tcp;

			cr_assert(!tcp_queues_hold(ts) || (ts->out_maybe & TCP_OUT_QUEUES),
				  "%s: world %d stack %d: a queue holds output, out_maybe %u", what,
				  k, i, ts->out_maybe);
			cr_assert(list_empty(&ts->out_list) || (ts->out_maybe & TCP_OUT_LIST),
				  "%s: world %d stack %d: a connection listed, out_maybe %u", what, k,
				  i, ts->out_maybe);
		}
	}
}

/* What a packet from world 0 is, for the script's own coverage counts. */
static void classify(struct twin *t, const uint8_t *pkt, size_t n)
{
	struct wire_ipv4 ip;
	struct wire_tcp seg;

	cr_assert_eq(wire_ipv4_parse(pkt, n, &ip), WIRE_OK);
	cr_assert_eq(wire_tcp_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &seg), WIRE_OK);
	t->pkts++;
	if ((seg.flags & (F_SYN | F_RST | F_URG | F_ACK)) == F_ACK &&
	    !(seg.opt.present & ~WIRE_HAS_TS))
		t->common_like++;
	t->sack_pkts += !!(seg.opt.present & WIRE_HAS_SACK);
	t->urg_pkts += !!(seg.flags & F_URG);
	/* our SYN with all four options: emit_syn's (world 1: the general code) */
	t->syns += (seg.flags & (F_SYN | F_ACK)) == F_SYN && seg.opt.present == WIRE_SYN_OPTS;
	/* a SYN-ACK with all four: emit_synack_common's */
	t->synacks += (seg.flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK) &&
		      seg.opt.present == WIRE_SYN_OPTS;
}

/* Side i's packets in both worlds onto the link (cap: the driver's buffer). */
static void drain(struct twin *t, int i, size_t cap)
{
	static uint8_t buf[2][70000];

	for (unsigned round = 0;; round++) {
		size_t n[2];
		uint32_t gso[2] = { 0, 0 };

		for (int k = 0; k < 2; k++)
			n[k] = t->gso ? synack_output_gso(t->w[k].s[i], t->now, buf[k], cap, &gso[k])
				      : synack_output(t->w[k].s[i], t->now, buf[k], cap);
		cr_assert_eq(n[0], n[1], "side %d: %zu bytes with the common writer, %zu without",
			     i, n[0], n[1]);
		cr_assert_eq(gso[0], gso[1]);
		if (!n[0])
			return;
		cr_assert_eq(memcmp(buf[0], buf[1], n[0]), 0, "side %d: packet %u differs", i,
			     t->pkts);
		cr_assert_lt(round, 1000, "side %d: output does not stop", i);
		for (uint32_t idx = 0;; idx++) {
			uint8_t one[PKT_MAX];
			size_t m = gso[0] ? synack_gso_segment(buf[0], n[0], gso[0], idx, one,
								sizeof one)
					  : (idx ? 0 : n[0]);

			if (!m)
				break;
			if (!gso[0])
				memcpy(one, buf[0], m);
			cr_assert_leq(m, PKT_MAX);
			classify(t, one, m);
			for (int k = 0; k < 2; k++) {
				struct world *w = &t->w[k];

				if (w->nq[i] == QMAX)
					continue;       /* the link is full: lost */
				memcpy(w->q[i][w->nq[i]].b, one, m);
				w->q[i][w->nq[i]].len = m;
				w->nq[i]++;
			}
		}
	}
}

/* One packet of the link from side i delivered (maybe out of order, duplicated, lost or
 * CE-marked when ECN-capable), the same in both worlds. */
static void deliver(struct twin *t, int i)
{
	unsigned nq = t->w[0].nq[i], at, fate;
	bool ce;

	cr_assert_eq(nq, t->w[1].nq[i]);
	if (!nq)
		return;
	at = rnd(t) % 4 ? 0 : (unsigned)(rnd(t) % nq);
	fate = (unsigned)(rnd(t) % 40);         /* 0-1 lost, 2 duplicated */
	ce = rnd(t) % 6 == 0;
	for (int k = 0; k < 2; k++) {
		struct world *w = &t->w[k];
		struct inflight *p = &w->q[i][at];

		if (ce && (p->b[1] & 3)) {
			p->b[1] |= 3;                   /* CE (RFC 3168 §5) */
			p->b[10] = p->b[11] = 0;
			wire_put16(p->b + 10, wire_csum(p->b, 20));
			t->ce_marks += k == 0;
		}
		if (fate >= 2)
			synack_input(w->s[!i], t->now, p->b, p->len);
		if (fate != 2) {
			memmove(&w->q[i][at], &w->q[i][at + 1], (nq - at - 1) * sizeof w->q[i][0]);
			w->nq[i]--;
		}
	}
}

static void both_advance(struct twin *t, uint64_t to)
{
	if (to <= t->now)
		return;
	t->now = to;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++)
			synack_advance(t->w[k].s[i], t->now);
}

/* Side i's application call, the same in both worlds (same result asserted). */
static void app(struct twin *t, int i, int op)
{
	static uint8_t data[6000], sink[2][8000];
	long r[2];
	size_t n = 1 + rnd(t) % 3000;
	int v = 0, level = SYNACK_IPPROTO_IP, name = SYNACK_IP_TOS, flags = 0;

	if (t->w[0].fd[i] < 0)
		return;
	for (size_t k = 0; k < n; k++)
		data[k] = (uint8_t)(t->pkts + k);
	switch (op) {
	case 0:
		flags = rnd(t) % 12 == 0 ? SYNACK_MSG_OOB : 0;
		if (flags)
			n = 1 + n % 40;
		break;
	case 1:
		n = rnd(t) % 3 ? 8000 : 1 + rnd(t) % 500;
		break;
	case 2:
		switch (rnd(t) % 6) {
		case 0: v = (int)(rnd(t) % 256); break;
		case 5:
			/* the stack's default TTL, the TTL of each connection without
			 * IP_TTL: the header templates take it (tcp_stack_set_cfg) */
			level = -1;
			v = 1 + (int)(rnd(t) % 255);
			break;
		case 1: name = SYNACK_IP_TTL; v = rnd(t) % 4 ? 1 + (int)(rnd(t) % 255) : -1; break;
		case 2:
			level = SYNACK_IPPROTO_TCP; name = SYNACK_TCP_NODELAY;
			v = (int)(rnd(t) % 2);
			break;
		case 3:
			level = SYNACK_SOL_SOCKET; name = SYNACK_SO_RCVBUF;
			v = 2048 + (int)(rnd(t) % 16) * 1024;
			break;
		default:
			level = SYNACK_SOL_SOCKET; name = SYNACK_SO_KEEPALIVE; v = 1;
			break;
		}
		break;
	}
	for (int k = 0; k < 2; k++) {
		struct world *w = &t->w[k];
		struct synack_stack *s = w->s[i];
		int fd = w->fd[i];

		switch (op) {
		case 0: r[k] = synack_send(s, fd, data, n, flags); break;
		case 1:
			r[k] = synack_recv(s, fd, sink[k], n, SYNACK_MSG_DONTWAIT);
			if (r[k] > 0 && k == 1)
				cr_assert_eq(memcmp(sink[0], sink[1], (size_t)r[k]), 0);
			break;
		case 2:
			if (level < 0) {
				struct synack_config c = *synack_stack_config(s);

				c.ip_default_ttl = (uint8_t)v;
				r[k] = synack_stack_set_config(s, &c);
				break;
			}
			r[k] = synack_setsockopt(s, fd, level, name, &v, sizeof v);
			break;
		case 3: r[k] = synack_shutdown(s, fd, SYNACK_SHUT_WR); break;
		default:
			r[k] = synack_close(s, fd);
			w->fd[i] = -1;
			break;
		}
	}
	cr_assert_eq(r[0], r[1], "side %d op %d: %ld vs %ld", i, op, r[0], r[1]);
}

/* A new connection when neither end has one; the server accepts when it can. */
static void connections(struct twin *t)
{
	if (t->w[0].fd[0] < 0 && t->w[0].fd[1] < 0 && rnd(t) % 4 == 0) {
		t->conns++;
		for (int k = 0; k < 2; k++) {
			struct world *w = &t->w[k];

			w->fd[0] = synack_socket(w->s[0]);
			cr_assert_geq(w->fd[0], 0);
			cr_assert_eq(synack_connect(w->s[0], w->fd[0], THEM, SRV_PORT), -EINPROGRESS);
		}
	}
	if (t->w[0].fd[1] < 0) {
		int r[2];

		for (int k = 0; k < 2; k++) {
			r[k] = synack_accept(t->w[k].s[1], t->w[k].lfd, NULL, NULL);
			if (r[k] >= 0)
				t->w[k].fd[1] = r[k];
		}
		cr_assert_eq(r[0], r[1]);
	}
}

static void step(struct twin *t, unsigned n)
{
	char what[64];
	unsigned op = (unsigned)(rnd(t) % 1000);
	int side = (int)(rnd(t) % 2);
	const struct tcb *mine = t->w[0].fd[side] >= 0 ? api_tcb(t->w[0].s[side],
								 t->w[0].fd[side]) : NULL;

	snprintf(what, sizeof what, "step %u (op %u, side %d)", n, op, side);
	if (op < 300) {
		size_t cap = sizeof ((struct world *)0)->q[0][0].b;

		if (rnd(t) % 40 == 0) {
			cap = 40 + rnd(t) % 60;         /* too small for most: refused */
			t->small_caps++;
		}
		drain(t, side, cap);
	} else if (op < 580) {
		deliver(t, side);
	} else if (op < 620) {
		both_advance(t, t->now + rnd(t) % (300 * MSEC));
	} else if (op < 680) {
		uint64_t d = synack_next_deadline(t->w[0].s[side]);

		if (d && d != UINT64_MAX && d - t->now < 200 * SEC)
			both_advance(t, d);
	} else if (op < 800) {
		app(t, side, 0);
	} else if (op < 910) {
		app(t, side, 1);
	} else if (op < 960) {
		app(t, side, 2);
	} else if (op < 966) {
		app(t, side, 3);
	} else if (op < 970 || (mine && mine->state == TCP_CLOSED && op < 990)) {
		app(t, side, 4);
	}
	connections(t);
	same_all(t, what);
}

static unsigned total_sack, total_urg, total_ce, total_small, total_syn, total_synack;
static unsigned long long total_cookies;

static void run(uint64_t seed)
{
	static struct twin t;
	struct synack_config cfg;

	memset(&t, 0, sizeof t);
	t.x = seed * 0x9e3779b97f4a7c15ull + 1;
	t.now = 1000 * SEC;
	synack_config_default(&cfg);
	cfg.timestamps = seed % 2 ? 1 : 0;
	cfg.sack = seed % 4 < 2 ? 1 : 0;
	cfg.window_scaling = seed % 3 ? 1 : 0;
	cfg.tcp_ecn = seed % 5 < 3 ? 1 : 0;
	cfg.gso = seed % 7 == 3;
	cfg.notes_max = seed % 6 == 5 ? 0 : 256;
	cfg.rmem_default = seed % 2 ? 131072 : 8192;
	cfg.delayed_ack_ms = 40;
	cfg.syncookies = seed % 8 == 5 ? 2 : 1;        /* 5 and 13: cookies, all options */
	t.gso = cfg.gso;
	for (int k = 0; k < 2; k++)
		open_world(&t.w[k], &cfg, k == 1);
	for (unsigned i = 0; i < STEPS; i++)
		step(&t, i);
	if (getenv("OUT_COMMON_DEBUG"))
		fprintf(stderr, "seed %llu: %u packets, %u common-like, %u with SACK blocks, "
			"%u URG, %u CE marks, %u connections, %u small buffers, %u SYNs, "
			"%u SYN-ACKs\n",
			(unsigned long long)seed, t.pkts, t.common_like, t.sack_pkts, t.urg_pkts,
			t.ce_marks, t.conns, t.small_caps, t.syns, t.synacks);
	/* the script did what it is for: mostly common segments, and the others too */
	cr_assert_gt(t.common_like, t.pkts / 3, "seed %llu: %u of %u packets common",
		     (unsigned long long)seed, t.common_like, t.pkts);
	cr_assert_gt(t.conns, 2, "seed %llu: %u connections", (unsigned long long)seed, t.conns);
	total_sack += t.sack_pkts;
	total_urg += t.urg_pkts;
	total_ce += t.ce_marks;
	total_small += t.small_caps;
	total_syn += t.syns;
	total_synack += t.synacks;
	total_cookies += synack_counter(t.w[0].s[1], SYNACK_CTR_TCP_COOKIES_SENT);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++) {
			synack_stack_free(t.w[k].s[i]);
			cr_assert_eq(t.w[k].mem[i].live_bytes, 0);
		}
}

Test(tcp_out_common, same_packets_and_state_as_the_general_writer)
{
	for (uint64_t seed = 1; seed <= 24; seed++)
		run(seed);
	/* and what the common writer must step aside for was sent: SACK blocks (D-SACKs
	 * among them), urgent data, ECN marks answered, buffers too small */
	cr_assert_gt(total_sack, 100, "%u packets with SACK blocks", total_sack);
	cr_assert_gt(total_urg, 20, "%u packets with URG", total_urg);
	cr_assert_gt(total_ce, 20, "%u CE marks", total_ce);
	cr_assert_gt(total_small, 20, "%u drains with a small buffer", total_small);
	cr_assert_gt(total_syn, 20, "%u SYNs with all four options", total_syn);
	cr_assert_gt(total_synack, 20, "%u SYN-ACKs with all four options", total_synack);
	cr_assert_gt(total_cookies, 10, "%llu SYN-ACKs with a cookie", total_cookies);
}

/*
 * A connection reset while an ACK was wanted (the peer's data, then its RST, before the
 * driver drained) is CLOSED under its socket with want_ack still set; TCP_NODELAY (or a
 * read) lists it for output again. Nothing may come out: before the fix output planned a
 * segment with no flags at SND.NXT, which cleared nothing, on every call (the drain
 * above never ended).
 */
Test(tcp_out_common, a_reset_connection_listed_again_sends_nothing)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd, one = 1;
	char b[16];

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	h_send_data(&h, SRV_PORT, lport, F_ACK | F_PSH, PEER_ISN + 1, iss + 1, 8192, "abc", 3);
	h_send_data(&h, SRV_PORT, lport, F_ACK | F_PSH, PEER_ISN + 4, iss + 1, 8192, "def", 3);
	h_send(&h, SRV_PORT, lport, F_RST, PEER_ISN + 7, 0, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	cr_assert(api_tcb(h.s, fd)->want_ack, "the script must leave an ACK wanted");
	EXPECT_NONE(&h);
	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one,
				       sizeof one), 0);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_recv(h.s, fd, b, sizeof b, SYNACK_MSG_DONTWAIT), -ECONNRESET);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_close(h.s, fd), 0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

/* Drains both stacks of a twin pair (world 0's output against world 1's, which has
 * no_out_common) until neither has a packet; returns how many came, and the TCP header
 * of the last one in *last. */
static unsigned drain_same(struct harness h[2], struct wire_tcp *last)
{
	struct wire_tcp t;
	unsigned n = 0;

	while (h_next_same(&h[0], &h[1], n, &t)) {
		*last = t;
		n++;
		cr_assert_lt(n, 16, "output does not stop");
	}
	h_same_counters(h[0].s, h[1].s);
	h_same_events_notes(h[0].s, h[1].s);
	return n;
}

/*
 * emit_syn writes only our SYN in SYN-SENT (is_syn_common): the SYN resent from
 * SYN-RECEIVED (simultaneous open, RFC 9293 §3.5 Figure 8) carries ACK and goes through
 * the general code, with all four SYN options on. Both stacks, with and without the
 * common writers, send the same bytes: the SYN and its retransmission (no ECN setup on a
 * resent SYN, RFC 3168 §6.1.1.1), the SYN-ACK for the crossing SYN and its
 * retransmissions, then after a CLOSE in SYN-RECEIVED (§3.10.4) the FIN and its resend.
 */
Test(tcp_out_common, syns_with_ack_take_the_general_writer)
{
	struct synack_config cfg;
	struct harness h[2];
	struct wire_tcp last;
	struct wire_tcp_opts o = {
		.present = WIRE_SYN_OPTS, .mss = 1460, .wscale = 7, .ts_val = 4242,
	};
	int fd[2];

	h_default_config(&cfg);
	cfg.timestamps = cfg.sack = cfg.window_scaling = 1;
	cfg.tcp_ecn = 1;
	cfg.notes_max = 64;
	for (int k = 0; k < 2; k++) {
		h_init_cfg(&h[k], &cfg);
		h[k].s->tcp.no_out_common = k == 1;
		fd[k] = synack_socket(h[k].s);
		cr_assert_eq(synack_connect(h[k].s, fd[k], THEM, SRV_PORT), -EINPROGRESS);
	}
	cr_assert_eq(drain_same(h, &last), 1);
	cr_assert_eq(last.flags, F_SYN | WIRE_TCP_ECE | WIRE_TCP_CWR);
	cr_assert_eq(last.opt.present, WIRE_SYN_OPTS);
	for (int k = 0; k < 2; k++)
		h_advance(&h[k], 1100 * MSEC);
	cr_assert_eq(drain_same(h, &last), 1);
	cr_assert_eq(last.flags, F_SYN, "a resent SYN without ECN setup");
	/* the peer's SYN crosses ours: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	for (int k = 0; k < 2; k++)
		h_send_opt(&h[k], SRV_PORT, last.sport, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	cr_assert_eq(drain_same(h, &last), 1);
	cr_assert_eq(last.flags & (F_SYN | F_ACK), F_SYN | F_ACK);
	for (int r = 0; r < 2; r++) {
		for (int k = 0; k < 2; k++)
			h_advance(&h[k], 5 * SEC);
		cr_assert_eq(drain_same(h, &last), 1);
		cr_assert_eq(last.flags & (F_SYN | F_ACK), F_SYN | F_ACK, "resent SYN-ACK %d", r);
	}
	/* CLOSE in SYN-RECEIVED: FIN-WAIT-1 with our SYN still unacknowledged */
	for (int k = 0; k < 2; k++) {
		const struct tcb *tcb = api_tcb(h[k].s, fd[k]);

		EXPECT_STATE(&h[k], fd[k], SYNACK_STATE_SYN_RECEIVED);
		cr_assert_eq(synack_close(h[k].s, fd[k]), 0);
		cr_assert_eq(tcb->state, TCP_FIN_WAIT_1);
	}
	cr_assert_eq(drain_same(h, &last), 1);
	cr_assert_eq(last.flags, F_FIN | F_ACK);
	for (int k = 0; k < 2; k++)
		h_advance(&h[k], 20 * SEC);
	cr_assert_eq(drain_same(h, &last), 1);
	cr_assert_eq(last.flags, F_FIN | F_ACK, "the FIN resent");
	for (int k = 0; k < 2; k++)
		h_fini(&h[k]);
}
