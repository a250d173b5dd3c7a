/* test_tcp_life_twin.c — the birth and death shortcuts (user.c open_active: the
 * TIME-WAIT record the port choice found taken over without a second lookup; tcb.h
 * tcp_tcb_close: a tcb without a descriptor freed at once) decide exactly as the long way:
 * two worlds, each a stack A (10.0.0.1) and a stack B (10.0.0.2) wired together, the
 * second world's stacks with tcp_stack.no_life_fast; the same random socket calls in
 * both, the same losses, delays and reorderings of the packets between A and B. After
 * every step every packet (byte for byte), every return value and errno, every event
 * and decision note, every counter and the RFC variables of every open connection must
 * be equal. The calls: connect from ephemeral ports (a range of 8 ports, so the port
 * walk meets its own TIME-WAIT records and takes them over under tw_reuse) or from a
 * bound port (the same 4-tuple again: RFC 6191 reopening at the peer's TIME-WAIT, or
 * EADDRINUSE), simultaneous open, accept with a backlog of 2 (the queue overflows),
 * send and receive with losses (SACK scoreboards and out-of-order queues filled, their
 * storage taken and given back, then freed with the connection: their tcbs come back
 * from the allocator's cache to the next connection), shutdown, close, abort (SO_LINGER 0: RST), time moving by
 * milliseconds to minutes (retransmissions, keepalives, 2MSL expiry); with SYN cookies
 * always on in one variant. */
#include <stddef.h>
#include <stdio.h>

#include "harness.h"
#include "api/api.h"
#include "pkt_fix.h"
#include "tcp/tcb.h"

#define NFD 24
#define HELD 6
#define LPORT 80

struct twin {
	struct synack_stack *s[2][2];  /* [world][side]: world 1 with no_life_fast */
	struct h_alloc_stats mem[2][2];
	uint64_t now;
	uint64_t rng;
	int fd[2][NFD];                /* per side: the open descriptors (same in both worlds) */
	unsigned nfd[2];
	int lfd[2];                    /* per side: its listener */
	struct {
		uint8_t pkt[1600];
		size_t len;
		int to;
	} held[HELD];                  /* packets delayed (delivered later: reordering) */
	unsigned nheld;
	unsigned step, pkts;
	uint8_t buf[2][9000];
	unsigned reuses, reopens, sacks, ooo, resets, simopens, tw_tcbs, young;
	size_t tw_max;
};

static uint32_t rnd(struct twin *t)
{
	return pf_rand(&t->rng);
}

static uint32_t addr_of(int side)
{
	return side ? THEM : US;
}

/* Every event of both worlds' stacks of a side, the same one for one: the first world
 * takes them in batches of 1 to 4 (synack_poll_events), the second one per
 * synack_poll_event call. */
static void same_events(struct twin *t, int side)
{
	struct synack_event ev[4], one;
	size_t max = 1 + t->step % 4, got;

	do {
		got = synack_poll_events(t->s[0][side], ev, max);
		for (size_t i = 0; i < got; i++) {
			cr_assert(synack_poll_event(t->s[1][side], &one), "step %u: events differ",
				  t->step);
			cr_assert_eq(ev[i].fd, one.fd, "step %u", t->step);
			cr_assert_eq(ev[i].kind, one.kind, "step %u", t->step);
			cr_assert_eq(ev[i].error, one.error, "step %u", t->step);
		}
	} while (got == max);
	cr_assert(!synack_poll_event(t->s[1][side], &one), "step %u: events differ", t->step);
}

static void cmp_conns(struct twin *t)
{
	size_t from = offsetof(struct tcb, snd_una), to = offsetof(struct tcb, tnode);

	for (int side = 0; side < 2; side++) {
		struct synack_note no[2];
		bool g0, g1;

		do {    /* h_same_events_notes' note half, counting RFC 6191 reopenings */
			g0 = synack_poll_note(t->s[0][side], &no[0]);
			g1 = synack_poll_note(t->s[1][side], &no[1]);
			cr_assert_eq(g0, g1, "step %u: notes differ", t->step);
			if (!g0)
				break;
			cr_assert_str_eq(no[0].reason, no[1].reason);
			no[1].reason = no[0].reason;
			cr_assert_eq(memcmp(&no[0], &no[1], sizeof no[0]), 0, "step %u: note differs: %s",
				     t->step, no[0].reason);
			if (strstr(no[0].reason, "RFC 6191"))
				t->reopens++;
		} while (g0);
		same_events(t, side);
		for (int c = 0; c < SYNACK_CTR_COUNT; c++)
			cr_assert_eq(synack_counter(t->s[0][side], c), synack_counter(t->s[1][side], c),
				     "step %u side %d counter %s: %llu vs %llu", t->step, side,
				     synack_counter_name(c),
				     (unsigned long long)synack_counter(t->s[0][side], c),
				     (unsigned long long)synack_counter(t->s[1][side], c));
		for (unsigned i = 0; i < t->nfd[side]; i++) {
			const struct tcb *a = api_tcb(t->s[0][side], t->fd[side][i]);
			const struct tcb *b = api_tcb(t->s[1][side], t->fd[side][i]);

			cr_assert_eq(!a, !b, "step %u: fd %d", t->step, t->fd[side][i]);
			if (!a)
				continue;
			cr_assert_eq(memcmp((const char *)a + from, (const char *)b + from, to - from),
				     0, "step %u side %d fd %d: tcb differs (state %d/%d)", t->step,
				     side, t->fd[side][i], a->state, b->state);
			cr_assert_eq(a->state, b->state);
			if (a->state == TCP_TIME_WAIT)
				t->tw_tcbs++;
			cr_assert_eq(a->rec.sb.n, b->rec.sb.n);
			cr_assert_eq(a->rec.sb.sacked_bytes, b->rec.sb.sacked_bytes);
			cr_assert(!a->rec.sb.n ||
				  !memcmp(a->rec.sb.r, b->rec.sb.r, a->rec.sb.n * sizeof a->rec.sb.r[0]),
				  "step %u: scoreboards differ", t->step);
			cr_assert_eq(a->rcv_ooo.n, b->rcv_ooo.n);
			cr_assert_eq(ring_len(&a->rcvbuf), ring_len(&b->rcvbuf));
			cr_assert_eq(ring_len(&a->sndbuf), ring_len(&b->sndbuf));
			cr_assert_eq(a->cc.cwnd, b->cc.cwnd);
			cr_assert_eq(a->rec.state, b->rec.state);
			if (a->rec.sb.n)
				t->sacks++;
			if (a->rcv_ooo.n)
				t->ooo++;
		}
		cr_assert_eq(tw_count(&t->s[0][side]->tcp.tw), tw_count(&t->s[1][side]->tcp.tw));
		if (tw_count(&t->s[0][side]->tcp.tw) > t->tw_max)
			t->tw_max = tw_count(&t->s[0][side]->tcp.tw);
	}
}

static void deliver(struct twin *t, int to, const uint8_t *pkt, size_t len)
{
	for (int w = 0; w < 2; w++)
		synack_input(t->s[w][to], t->now, pkt, len);
}

/* Drains both sides of both worlds (packets compared), delivering, losing or holding
 * each by one random draw; held packets go out later. */
static void exchange(struct twin *t, unsigned loss_pct)
{
	for (int round = 0; round < 64; round++) {
		bool any = false;

		for (int side = 0; side < 2; side++) {
			for (;;) {
				size_t n0 = synack_output(t->s[0][side], t->now, t->buf[0],
							  sizeof t->buf[0]);
				size_t n1 = synack_output(t->s[1][side], t->now, t->buf[1],
							  sizeof t->buf[1]);
				uint32_t r = rnd(t) % 100;

				cr_assert_eq(n0, n1, "step %u packet %u: %zu vs %zu bytes", t->step,
					     t->pkts, n0, n1);
				if (!n0)
					break;
				cr_assert_eq(memcmp(t->buf[0], t->buf[1], n0), 0,
					     "step %u packet %u differs", t->step, t->pkts);
				t->pkts++;
				any = true;
				if ((t->buf[0][33] & WIRE_TCP_RST) != 0)
					t->resets++;
				if (r < loss_pct)
					continue;
				if (r < 2 * loss_pct && t->nheld < HELD && n0 <= sizeof t->held[0].pkt) {
					memcpy(t->held[t->nheld].pkt, t->buf[0], n0);
					t->held[t->nheld].len = n0;
					t->held[t->nheld].to = 1 - side;
					t->nheld++;
					continue;
				}
				deliver(t, 1 - side, t->buf[0], n0);
			}
		}
		if (t->nheld && (rnd(t) % 3 == 0 || !any)) {
			unsigned k = rnd(t) % t->nheld;

			deliver(t, t->held[k].to, t->held[k].pkt, t->held[k].len);
			t->held[k] = t->held[--t->nheld];
			any = true;
		}
		if (!any)
			break;
	}
	cmp_conns(t);
}

static void add_fd(struct twin *t, int side, int fd)
{
	if (fd >= 0 && t->nfd[side] < NFD)
		t->fd[side][t->nfd[side]++] = fd;
	else if (fd >= 0)
		for (int w = 0; w < 2; w++)
			synack_close(t->s[w][side], fd);
}

static int same2(struct twin *t, int r0, int r1, const char *what)
{
	cr_assert_eq(r0, r1, "step %u %s: %d vs %d", t->step, what, r0, r1);
	return r0;
}

/* socket() on both worlds, optionally bound to port (SO_REUSEADDR); the descriptor, or
 * -1 when bind failed (closed again). */
static int new_socket(struct twin *t, int side, uint16_t port)
{
	int fd = same2(t, synack_socket(t->s[0][side]), synack_socket(t->s[1][side]), "socket");
	int one = 1;

	if (fd < 0 || !port)
		return fd;
	for (int w = 0; w < 2; w++)
		synack_setsockopt(t->s[w][side], fd, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				  sizeof one);
	if (same2(t, synack_bind(t->s[0][side], fd, addr_of(side), port),
		  synack_bind(t->s[1][side], fd, addr_of(side), port), "bind") < 0) {
		for (int w = 0; w < 2; w++)
			synack_close(t->s[w][side], fd);
		return -1;
	}
	return fd;
}

/* Does the port walk of a connect from side meet a record of its 4-tuple that tw_reuse
 * may not take over yet (its peer's last timestamp 1 s old or less: tw.c
 * tcp_tw_may_reuse)? The walk must pass over it in both worlds. */
static bool meets_young_record(struct twin *t, int side)
{
	const struct tcp_stack *ts = &t->s[0][side]->tcp;

	for (uint16_t p = 40000; p <= 40007; p++) {
		struct tw_entry *e = tw_lookup(&ts->tw, addr_of(side), p, addr_of(1 - side), LPORT);

		if (e && e->has_ts &&
		    !tcp_tw_may_reuse(ts, e->has_ts, tcp_tw_ts_recent_ns(ts, e), addr_of(1 - side)))
			return true;
	}
	return false;
}

static void op_connect(struct twin *t, int side)
{
	uint16_t port = rnd(t) % 3 ? 0 : (uint16_t)(5000 + rnd(t) % 3);
	int fd = new_socket(t, side, port);
	size_t records = tw_count(&t->s[0][side]->tcp.tw);
	int r;

	if (fd < 0)
		return;
	if (!port && meets_young_record(t, side))
		t->young++;
	r = same2(t, synack_connect(t->s[0][side], fd, addr_of(1 - side), LPORT),
		  synack_connect(t->s[1][side], fd, addr_of(1 - side), LPORT), "connect");
	if (tw_count(&t->s[0][side]->tcp.tw) < records)
		t->reuses++;    /* tw_reuse took a record over */
	if (r == -EINPROGRESS) {
		add_fd(t, side, fd);
		return;
	}
	for (int w = 0; w < 2; w++)
		synack_close(t->s[w][side], fd);
}

/* Both sides connect to each other's bound port at once: the SYNs cross (§3.5). */
static void op_simopen(struct twin *t)
{
	uint16_t p[2] = { (uint16_t)(6000 + rnd(t) % 2), (uint16_t)(7000 + rnd(t) % 2) };
	int fd[2];

	for (int side = 0; side < 2; side++)
		fd[side] = new_socket(t, side, p[side]);
	for (int side = 0; side < 2; side++) {
		int r;

		if (fd[side] < 0)
			continue;
		r = same2(t, synack_connect(t->s[0][side], fd[side], addr_of(1 - side), p[1 - side]),
			  synack_connect(t->s[1][side], fd[side], addr_of(1 - side), p[1 - side]),
			  "simultaneous connect");
		if (r == -EINPROGRESS) {
			add_fd(t, side, fd[side]);
			t->simopens++;
		} else {
			for (int w = 0; w < 2; w++)
				synack_close(t->s[w][side], fd[side]);
		}
	}
}

static void op_accept(struct twin *t, int side)
{
	uint32_t a[2];
	uint16_t p[2];
	int r = same2(t, synack_accept(t->s[0][side], t->lfd[side], &a[0], &p[0]),
		      synack_accept(t->s[1][side], t->lfd[side], &a[1], &p[1]), "accept");

	if (r >= 0) {
		cr_assert_eq(a[0], a[1]);
		cr_assert_eq(p[0], p[1]);
		add_fd(t, side, r);
	}
}

static void op_send(struct twin *t, int side, int fd)
{
	size_t n = 1 + rnd(t) % (rnd(t) % 2 ? 100 : 8000);

	for (size_t i = 0; i < n; i++)
		t->buf[0][i] = (uint8_t)(t->step + i);
	same2(t, (int)synack_send(t->s[0][side], fd, t->buf[0], n, 0),
	      (int)synack_send(t->s[1][side], fd, t->buf[0], n, 0), "send");
}

static void op_recv(struct twin *t, int side, int fd)
{
	size_t n = 1 + rnd(t) % 3000;
	int r = same2(t, (int)synack_recv(t->s[0][side], fd, t->buf[0], n, 0),
		      (int)synack_recv(t->s[1][side], fd, t->buf[1], n, 0), "recv");

	if (r > 0)
		cr_assert_eq(memcmp(t->buf[0], t->buf[1], (size_t)r), 0, "step %u: bytes differ",
			     t->step);
}

static void op_close(struct twin *t, int side, unsigned i, int how)
{
	int fd = t->fd[side][i];

	if (how == 1) {
		struct synack_linger l = { .l_onoff = 1, .l_linger = 0 };

		for (int w = 0; w < 2; w++)
			synack_setsockopt(t->s[w][side], fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &l,
					  sizeof l);
	}
	if (how == 2) {
		same2(t, synack_shutdown(t->s[0][side], fd, SYNACK_SHUT_WR),
		      synack_shutdown(t->s[1][side], fd, SYNACK_SHUT_WR), "shutdown");
		return;
	}
	same2(t, synack_close(t->s[0][side], fd), synack_close(t->s[1][side], fd), "close");
	t->fd[side][i] = t->fd[side][--t->nfd[side]];
}

static void op_time(struct twin *t)
{
	uint32_t r = rnd(t) % 100;
	uint64_t dt = r < 60 ? (1 + rnd(t) % 300) * MSEC : r < 92 ? (1 + rnd(t) % 5) * SEC
							  : (20 + rnd(t) % 50) * SEC;

	t->now += dt;
	for (int w = 0; w < 2; w++)
		for (int side = 0; side < 2; side++)
			synack_advance(t->s[w][side], t->now);
}

static void twin_init(struct twin *t, const struct synack_config *cfg, uint64_t seed)
{
	struct synack_env env = { .alloc = h_alloc, .free = h_free };

	memset(t, 0, sizeof *t);
	t->rng = seed;
	t->now = 1000 * SEC;
	for (int i = 0; i < SYNACK_SECRET_LEN; i++)
		env.secret[i] = (uint8_t)(i * 7 + 1);
	for (int w = 0; w < 2; w++)
		for (int side = 0; side < 2; side++) {
			env.ctx = &t->mem[w][side];
			t->s[w][side] = synack_stack_new(cfg, &env);
			cr_assert_not_null(t->s[w][side]);
			cr_assert_eq(synack_stack_add_addr(t->s[w][side], addr_of(side)), 0);
			t->s[w][side]->tcp.no_life_fast = w == 1;
		}
	for (int side = 0; side < 2; side++) {
		t->lfd[side] = new_socket(t, side, LPORT);
		cr_assert(t->lfd[side] >= 0);
		same2(t, synack_listen(t->s[0][side], t->lfd[side], 2),
		      synack_listen(t->s[1][side], t->lfd[side], 2), "listen");
	}
}

static void twin_fini(struct twin *t)
{
	for (int w = 0; w < 2; w++)
		for (int side = 0; side < 2; side++) {
			synack_stack_free(t->s[w][side]);
			cr_assert_eq(t->mem[w][side].live_bytes, 0, "leaked %zu bytes",
				     t->mem[w][side].live_bytes);
		}
}

/* What the runs of one test reached, summed: each kind must have happened. */
static struct {
	unsigned sacks, ooo, reuses, reopens, simopens, tw_tcbs, young;
	size_t records;
	uint64_t predicted;     /* segments predicted_ack took in the first world */
} cover;

/* want_reuse: tw_reuse can take records over (only with timestamps, tw.c); notes: the
 * notes are kept (reopenings are counted from them) */
static void check_cover(bool want_reuse, bool notes)
{
	cr_assert(cover.sacks && cover.ooo && (cover.reuses || !want_reuse) &&
		  (cover.reopens || !notes) &&
		  cover.simopens && cover.tw_tcbs && cover.records && (cover.young || !want_reuse),
		  "not reached: scoreboards %u, out-of-order %u, taken over %u, reopened %u, "
		  "simultaneous %u, TIME-WAIT tcbs %u, records %zu, records too young to take "
		  "over %u", cover.sacks, cover.ooo, cover.reuses, cover.reopens, cover.simopens,
		  cover.tw_tcbs, cover.records, cover.young);
}

static void run(const struct synack_config *cfg, uint64_t seed, unsigned steps)
{
	static struct twin t;

	twin_init(&t, cfg, seed);
	for (t.step = 0; t.step < steps; t.step++) {
		uint32_t r = rnd(&t) % 100;
		int side = (int)(rnd(&t) % 2);
		unsigned loss = rnd(&t) % 2 ? 0 : 10;

		if (r < 12)
			op_connect(&t, side);
		else if (r < 14)
			op_simopen(&t);
		else if (r < 30)
			op_accept(&t, side);
		else if (r < 58 && t.nfd[side])
			op_send(&t, side, t.fd[side][rnd(&t) % t.nfd[side]]);
		else if (r < 78 && t.nfd[side])
			op_recv(&t, side, t.fd[side][rnd(&t) % t.nfd[side]]);
		else if (r < 88 && t.nfd[side]) {
			unsigned i = rnd(&t) % t.nfd[side];

			if (rnd(&t) % 2)        /* read what is there first: an orderly close */
				op_recv(&t, side, t.fd[side][i]);
			op_close(&t, side, i, (int)(rnd(&t) % 5));
		}
		else
			op_time(&t);
		exchange(&t, loss);
	}
	fprintf(stderr, "seed %llx: %u packets, %u resets, %u simultaneous opens, scoreboards %u, "
		"out-of-order queues %u, TIME-WAIT tcbs %u, records at most %zu, taken over %u, "
		"reopened %u, too young %u\n", (unsigned long long)seed, t.pkts, t.resets,
		t.simopens, t.sacks, t.ooo, t.tw_tcbs, t.tw_max, t.reuses, t.reopens, t.young);
	cover.sacks += t.sacks;
	cover.ooo += t.ooo;
	cover.reuses += t.reuses;
	cover.reopens += t.reopens;
	cover.simopens += t.simopens;
	cover.tw_tcbs += t.tw_tcbs;
	cover.records += t.tw_max;
	cover.young += t.young;
	cover.predicted += t.s[0][0]->tcp.in_predicted + t.s[0][1]->tcp.in_predicted;
	twin_fini(&t);
}

/* Linux defaults with TIME-WAIT reuse on (our addresses are not loopback), eight
 * ephemeral ports and a short MSL: 2MSL passes within a few steps of time. */
static void twin_config(struct synack_config *c)
{
	synack_config_default(c);
	c->tw_reuse = 1;
	c->ip_local_port_range_lo = 40000;
	c->ip_local_port_range_hi = 40007;
	c->msl_ms = 5000;
}

/* nseeds runs of cfg (seeds mult * 1..nseeds), then what they reached checked. */
static void run_seeds(const struct synack_config *cfg, uint64_t mult, int nseeds,
		      bool want_reuse)
{
	for (uint64_t seed = 1; seed <= (uint64_t)nseeds; seed++)
		run(cfg, mult * seed, 8000);
	check_cover(want_reuse, cfg->notes_max != 0);
}

Test(tcp_life_twin, shortcuts_decide_as_the_long_way)
{
	struct synack_config c;

	twin_config(&c);
	run_seeds(&c, 0x9e3779b97f4a7c15ull, 6, true);
}

Test(tcp_life_twin, shortcuts_decide_as_the_long_way_syn_cookies)
{
	struct synack_config c;

	twin_config(&c);
	c.syncookies = 2;
	run_seeds(&c, 0x2545f4914f6cdd1dull, 3, true);
}

Test(tcp_life_twin, shortcuts_decide_as_the_long_way_rfc1337_off_no_timestamps)
{
	struct synack_config c;

	twin_config(&c);
	c.rfc1337 = 0;
	c.timestamps = 0;
	run_seeds(&c, 0xd1b54a32d192ed03ull, 3, false);
}

/* Without decision notes (notes_max 0) input's short finish and predicted_ack's deaths
 * run, which keeping notes turns off: LAST-ACK's end (input.c closed_by_fin_ack) and
 * FIN-WAIT-2's FIN into its record in one move (tw.c tcp_tw_fin_record), both freeing
 * the tcb straight (tcb.h tcp_tcb_free_orphan); the long way is tcp_tcb_close, and
 * tcp_tw_add_for then tcp_tw_replace. */
Test(tcp_life_twin, shortcuts_decide_as_the_long_way_without_notes)
{
	struct synack_config c;

	twin_config(&c);
	c.notes_max = 0;
	run_seeds(&c, 0x94d049bb133111ebull, 4, true);
	cr_assert_gt(cover.predicted, 0);
}
