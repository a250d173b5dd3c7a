/*
 * test_tcp_rack_runs.c — RACK's transmit map in runs (rack.h "Runs", RFC 8985 §6.1-6.3,
 * §7): segments sent at one instant share one entry until something asks about one of
 * them, and every RACK decision is the one the per-segment map makes.
 *
 * 1. Exact shapes: a flight of 10 segments sent at one time is one inline entry (no
 *    storage taken); a cumulative ACK in the middle of it delivers exactly the segments
 *    below SND.UNA (RACK.xmit_ts, RACK.end_seq, RACK.rtt, RACK.fack); a SACK splits the
 *    flight into its segments; the tail loss probe resends the last segment of a run.
 * 2. The compare switch: two connections fed the same seeded script (application writes,
 *    time steps, timer expiries, cumulative ACKs on and off segment edges, SACK blocks on
 *    and off segment edges, D-SACKs), one with runs whose output goes through the GSO
 *    burst path (synack_output_burst, cfg.gso), one with tcp_stack.rack_per_segment and
 *    plain synack_output. After every step: the same wire packets (sequence, length,
 *    flags, ACK, window), the maps expanded to one entry per segment identical (range,
 *    flags, send time), and every RACK variable, reo_wnd, the timer kind and deadline,
 *    the recovery state, cwnd and ssthresh equal.
 *
 * Fixture: test_stream_rec_rig.h (MSS 1000, SACK, no timestamps, window 65535).
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_stream_rec_rig.h"
#include "tcp/rack.h"

/* ---- reading the map -------------------------------------------------------------- */

struct segv {
	uint32_t start, end;    /* relative */
	uint8_t flags;
	uint64_t xmit_ns;
};

static const struct tcp_rack_seg *entry(const struct tcp_rack *m, uint32_t i)
{
	const struct tcp_rack_seg *s = m->seg ? m->seg : &m->one;

	return &s[(m->head + i) & (m->cap - 1)];
}

/* The map of r as one entry per segment (runs counted back from their ends). */
static uint32_t expand(const struct rig *r, struct segv *out, uint32_t cap, uint32_t *longest)
{
	const struct tcp_rack *m = &r->tcb->rec.rack;
	uint32_t k = 0, s = m->base;

	for (uint32_t i = 0; i < m->n; i++) {
		const struct tcp_rack_seg *e = entry(m, i);
		uint32_t end = e->seg_len ? s + (e->end - s - 1) % e->seg_len + 1 : e->end;
		uint32_t k0 = k;

		for (;;) {
			cr_assert_lt(k, cap);
			out[k++] = (struct segv){ s - REL(r, 0), end - REL(r, 0), e->flags,
						  e->xmit_ns };
			cr_assert(!e->seg_len || !e->flags || end == e->end,
				  "a run of several segments holds flags %u", e->flags);
			s = end;
			if (end == e->end)
				break;
			end += e->seg_len;
		}
		if (k - k0 > *longest)
			*longest = k - k0;
	}
	return k;
}

/* ---- output ---------------------------------------------------------------------- */

struct pkt {
	uint32_t seq, ack;      /* seq relative */
	uint32_t len;
	uint16_t win;
	uint8_t flags;
};

static void parse_into(const struct rig *r, const uint8_t *p, size_t n, struct pkt *out)
{
	struct wire_ipv4 ip;
	struct wire_tcp t;

	cr_assert_eq(wire_ipv4_parse(p, n, &ip), WIRE_OK);
	cr_assert(wire_ipv4_csum_ok(p, ip.hdr_len));
	cr_assert_eq(wire_tcp_parse(p + ip.hdr_len, ip.total_len - ip.hdr_len, &t), WIRE_OK);
	cr_assert(wire_tcp_csum_ok(ip.src, ip.dst, p + ip.hdr_len, ip.total_len - ip.hdr_len));
	*out = (struct pkt){ t.seq - REL(r, 0), t.ack, (uint32_t)t.payload_len, t.win,
			     t.flags };
}

/* Everything r has to send: through synack_output_burst when burst, else synack_output. */
static uint32_t drain(struct rig *r, bool burst, struct pkt *out, uint32_t cap)
{
	uint32_t k = 0, npkts;
	size_t n;

	for (;;) {
		if (burst)
			n = synack_output_burst(r->h.s, r->h.now, r->h.pkt, sizeof r->h.pkt, &npkts);
		else
			n = synack_output(r->h.s, r->h.now, r->h.pkt, sizeof r->h.pkt), npkts = 1;
		if (!n)
			return k;
		cr_assert_lt(k, cap);
		parse_into(r, r->h.pkt, n, &out[k++]);
		for (uint32_t i = 1; i < npkts; i++) {
			n = synack_burst_packet(r->h.s, i, r->h.pkt, sizeof r->h.pkt);
			cr_assert_gt(n, 0);
			cr_assert_lt(k, cap);
			parse_into(r, r->h.pkt, n, &out[k++]);
		}
	}
}

/* ---- the pair --------------------------------------------------------------------- */

struct pair {
	struct rig a;           /* runs, GSO bursts (lone: runs, the lone paths) */
	struct rig b;           /* one entry per segment, synack_output (lone: runs,
				 * rec_no_lone_path) */
	bool lone;              /* the lone-segment comparison (both synack_output) */
	uint32_t lone_sends;    /* lone: flights a began with one segment */
	uint32_t lone_acks;     /* lone: such a flight acknowledged whole by one ACK */
	uint64_t t0;
	uint32_t bursts;        /* packets a sent in bursts of 2 or more */
	uint32_t max_runs;      /* most segments one entry of a held */
};

static void open_one(struct rig *r, bool runs, bool gso)
{
	struct synack_config cfg;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK, .mss = SMSS };

	h_default_config(&cfg);
	cfg.sack = 1;
	cfg.recovery = 1;
	cfg.gso = gso;
	rig_accept(r, &cfg, o);
	r->h.s->tcp.rack_per_segment = !runs;
	r->tcb->rtt.srtt_us = 40000;    /* a 40 ms path (test_stream_rec_rack.c) */
	r->tcb->rtt.rttvar_us = 0;
}

static struct segv sa[4096], sb[4096];
static struct pkt pa[4096], pb[4096];

/* The lone comparison: both maps with runs, so their storage and every field of the
 * flight's state, the retransmission and SYN-ACK slots and the wheel node too. */
static void same_lone_state(struct pair *p, const char *step)
{
	const struct tcp_rack *x = &p->a.tcb->rec.rack, *y = &p->b.tcb->rec.rack;
	const struct tcb *ta = p->a.tcb, *tb = p->b.tcb;
	const struct tcp_recovery *ra = &ta->rec, *rb = &tb->rec;

	cr_assert(x->n == y->n && x->cap == y->cap && x->head == y->head &&
		  x->per_seg == y->per_seg && x->active == y->active &&
		  !x->seg == !y->seg && x->base - REL(&p->a, 0) == y->base - REL(&p->b, 0),
		  "%s: map n %u/%u cap %u/%u head %u/%u per_seg %d/%d active %d/%d", step, x->n,
		  y->n, x->cap, y->cap, x->head, y->head, x->per_seg, y->per_seg, x->active,
		  y->active);
	if (!x->seg && x->cap)
		cr_assert(x->one.end - REL(&p->a, 0) == y->one.end - REL(&p->b, 0) &&
			  x->one.seg_len == y->one.seg_len && x->one.flags == y->one.flags &&
			  x->one.xmit_ns == y->one.xmit_ns, "%s: the inline entry", step);
	cr_assert_eq(ta->deadline[TCP_T_SYNACK], tb->deadline[TCP_T_SYNACK], "%s", step);
	cr_assert_eq(timer_is_armed(&ta->tnode), timer_is_armed(&tb->tnode), "%s", step);
	cr_assert_eq(ta->tnode.deadline_ns, tb->tnode.deadline_ns, "%s: wheel node %llu / %llu",
		     step, (unsigned long long)ta->tnode.deadline_ns,
		     (unsigned long long)tb->tnode.deadline_ns);
	cr_assert_eq(ra->dupacks, rb->dupacks, "%s", step);
	cr_assert_eq(ra->prr_lost, rb->prr_lost, "%s", step);
	cr_assert_eq(ra->prr_out, rb->prr_out, "%s", step);
	cr_assert_eq(ra->sb.n, rb->sb.n, "%s", step);
	cr_assert_eq(ra->sb.sacked_bytes, rb->sb.sacked_bytes, "%s", step);
	cr_assert_eq(ra->eifel_armed, rb->eifel_armed, "%s", step);
	cr_assert_eq(x->reo_wnd_mult, y->reo_wnd_mult, "%s", step);
	cr_assert_eq(x->tlp_end_seq - REL(&p->a, 0), y->tlp_end_seq - REL(&p->b, 0), "%s", step);
	cr_assert_eq(ta->cc.bytes_acked, tb->cc.bytes_acked, "%s", step);
	cr_assert_eq(ta->cc.cwnd_limited, tb->cc.cwnd_limited, "%s", step);
	cr_assert_eq(ta->cc.in_recovery, tb->cc.in_recovery, "%s", step);
	cr_assert_eq(ta->cc.last_send_ns, tb->cc.last_send_ns, "%s", step);
	cr_assert_eq(ta->rtt.srtt_us, tb->rtt.srtt_us, "%s: SRTT", step);
	cr_assert_eq(ta->rtt.rttvar_us, tb->rtt.rttvar_us, "%s", step);
	cr_assert_eq(ta->rtt.rto_us, tb->rtt.rto_us, "%s: RTO", step);
	cr_assert_eq(ta->backoff, tb->backoff, "%s", step);
	cr_assert_eq(ta->state, tb->state, "%s", step);
}

static void same_state(struct pair *p, const char *step)
{
	const struct tcp_rack *x = &p->a.tcb->rec.rack, *y = &p->b.tcb->rec.rack;
	const struct tcb *ta = p->a.tcb, *tb = p->b.tcb;
	uint32_t one = 0, na = expand(&p->a, sa, 4096, &p->max_runs);
	uint32_t nb = expand(&p->b, sb, 4096, &one);

	cr_assert_eq(na, nb, "%s: %u segments in the map with runs, %u without", step, na, nb);
	for (uint32_t i = 0; i < na; i++)
		cr_assert(sa[i].start == sb[i].start && sa[i].end == sb[i].end &&
			  sa[i].flags == sb[i].flags && sa[i].xmit_ns == sb[i].xmit_ns,
			  "%s: segment %u: [%u, %u) flags %u at %llu with runs, [%u, %u) flags %u "
			  "at %llu without", step, i, sa[i].start, sa[i].end, sa[i].flags,
			  (unsigned long long)sa[i].xmit_ns, sb[i].start, sb[i].end, sb[i].flags,
			  (unsigned long long)sb[i].xmit_ns);
	if (!p->lone)
		cr_assert_eq(one, nb ? 1 : 0, "%s: a run without runs", step);
	else
		same_lone_state(p, step);
	cr_assert_eq(ta->snd_una - REL(&p->a, 0), tb->snd_una - REL(&p->b, 0), "%s", step);
	cr_assert_eq(ta->snd_nxt - REL(&p->a, 0), tb->snd_nxt - REL(&p->b, 0), "%s", step);
	cr_assert_eq(ta->snd_max - REL(&p->a, 0), tb->snd_max - REL(&p->b, 0), "%s", step);
	cr_assert_eq(x->lost_bytes, y->lost_bytes, "%s: lost %u / %u", step, x->lost_bytes,
		     y->lost_bytes);
	cr_assert_eq(x->xmit_ns, y->xmit_ns, "%s: RACK.xmit_ts", step);
	cr_assert_eq(x->end_seq - REL(&p->a, 0), y->end_seq - REL(&p->b, 0),
		     "%s: RACK.end_seq %u / %u", step, x->end_seq - REL(&p->a, 0),
		     y->end_seq - REL(&p->b, 0));
	cr_assert_eq(x->rtt_us, y->rtt_us, "%s: RACK.rtt %u / %u", step, x->rtt_us, y->rtt_us);
	cr_assert_eq(x->ack_xmit_ns, y->ack_xmit_ns, "%s", step);
	cr_assert_eq(x->ack_end - REL(&p->a, 0), y->ack_end - REL(&p->b, 0), "%s", step);
	cr_assert_eq(x->min_rtt_us, y->min_rtt_us, "%s: RACK.min_RTT", step);
	cr_assert_eq(x->fack - REL(&p->a, 0), y->fack - REL(&p->b, 0), "%s: RACK.fack %u / %u",
		     step, x->fack - REL(&p->a, 0), y->fack - REL(&p->b, 0));
	cr_assert_eq(x->reordering_seen, y->reordering_seen, "%s: reordering_seen", step);
	cr_assert_eq(x->reo_wnd_mult, y->reo_wnd_mult, "%s", step);
	cr_assert_eq(x->reo_wnd_persist, y->reo_wnd_persist, "%s", step);
	cr_assert_eq(x->has_dsack_round, y->has_dsack_round, "%s", step);
	cr_assert_eq(x->timer, y->timer, "%s: timer kind %u / %u", step, x->timer, y->timer);
	cr_assert_eq(x->tlp_due, y->tlp_due, "%s", step);
	cr_assert_eq(x->tlp_out, y->tlp_out, "%s", step);
	cr_assert_eq(x->tlp_rexmit, y->tlp_rexmit, "%s", step);
	cr_assert_eq(x->tlp_dsack, y->tlp_dsack, "%s", step);
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, ta), tcp_rack_reo_wnd_ns(NULL, tb), "%s", step);
	cr_assert_eq(ta->deadline[TCP_T_RETRANSMIT], tb->deadline[TCP_T_RETRANSMIT],
		     "%s: retransmission slot %llu / %llu", step,
		     (unsigned long long)ta->deadline[TCP_T_RETRANSMIT],
		     (unsigned long long)tb->deadline[TCP_T_RETRANSMIT]);
	cr_assert_eq(ta->rec.state, tb->rec.state, "%s: recovery state", step);
	cr_assert_eq(ta->cc.cwnd, tb->cc.cwnd, "%s: cwnd %u / %u", step, ta->cc.cwnd, tb->cc.cwnd);
	cr_assert_eq(ta->cc.ssthresh, tb->cc.ssthresh, "%s", step);
}

static void same_output(struct pair *p, const char *step)
{
	uint32_t na = drain(&p->a, !p->lone, pa, 4096), nb = drain(&p->b, false, pb, 4096);

	if (getenv("RUNS_DEBUG_PKTS") || na != nb) {
		for (uint32_t i = 0; i < na; i++)
			fprintf(stderr, "A %s: rel %u len %u fl %02x\n", step, pa[i].seq, pa[i].len, pa[i].flags);
		for (uint32_t i = 0; i < nb; i++)
			fprintf(stderr, "B %s: rel %u len %u fl %02x\n", step, pb[i].seq, pb[i].len, pb[i].flags);
	}
	cr_assert_eq(na, nb, "%s: %u packets with runs and GSO, %u without", step, na, nb);
	for (uint32_t i = 0; i < na; i++)
		cr_assert(pa[i].seq == pb[i].seq && pa[i].len == pb[i].len &&
			  pa[i].flags == pb[i].flags && pa[i].ack == pb[i].ack &&
			  pa[i].win == pb[i].win,
			  "%s: packet %u: rel %u len %u flags %02x / rel %u len %u flags %02x", step,
			  i, pa[i].seq, pa[i].len, pa[i].flags, pb[i].seq, pb[i].len, pb[i].flags);
	if (na >= 2 && pa[0].len && pa[1].len && pa[1].seq == pa[0].seq + pa[0].len)
		p->bursts += na;
	same_state(p, step);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

/* Both peers send the same ACK: cumulative ack (relative), nsack blocks (relative). */
static void both_ack(struct pair *p, uint32_t ack, unsigned nsack, const uint32_t *blk)
{
	peer_ack(&p->a, ack, 65535, nsack, blk);
	peer_ack(&p->b, ack, 65535, nsack, blk);
}

static void both_at(struct pair *p, uint64_t t)
{
	h_at(&p->a.h, t);
	h_at(&p->b.h, t);
}

static void both_send(struct pair *p, size_t n)
{
	static char data[65536];

	cr_assert_eq(synack_send(p->a.h.s, p->a.fd, data, n, 0),
		     synack_send(p->b.h.s, p->b.fd, data, n, 0));
}

/* An edge in [lo, hi] (relative): on a 1000-byte segment edge from the start of the data
 * (the rig's segments), or anywhere on a 100-byte grid now and then. */
static uint32_t edge(uint64_t *x, uint32_t lo, uint32_t hi)
{
	uint32_t v;

	if (hi <= lo)
		return lo;
	v = lo + (uint32_t)(rnd(x) % (hi - lo + 1));
	if (rnd(x) % 4)
		v = v / 1000 * 1000 < lo ? lo : v / 1000 * 1000;
	else
		v = v / 100 * 100 < lo ? lo : v / 100 * 100;
	return v;
}

static void one_step(struct pair *p, uint64_t *x, unsigned step)
{
	const struct tcb *t = p->a.tcb;
	uint32_t una = t->snd_una - REL(&p->a, 0), max = t->snd_max - REL(&p->a, 0);
	uint32_t blk[8], n = 0;
	char what[96];
	unsigned op = (unsigned)(rnd(x) % 16);
	/* lone: phases of 100 steps with writes of about one segment and most ACKs
	 * taking everything, between phases of the general script (losses, recovery) */
	bool small = p->lone && (step / 100) % 2 == 0;
	uint32_t wmax = small ? 1500 : 20000, all = 8;
	bool idle = t->snd_una == t->snd_max, one = t->rec.rack.n == 1 && !t->rec.rack.seg;

	if (op < 3) {
		snprintf(what, sizeof what, "step %u: write", step);
		both_send(p, 1 + rnd(x) % wmax);
	} else if (op < 5) {
		snprintf(what, sizeof what, "step %u: time", step);
		both_at(p, p->a.h.now + rnd(x) % (30 * MSEC));
	} else if (op < 6 && t->deadline[TCP_T_RETRANSMIT]) {
		snprintf(what, sizeof what, "step %u: the retransmission slot fires", step);
		both_at(p, t->deadline[TCP_T_RETRANSMIT]);
	} else {
		uint32_t ack = una + (rnd(x) % 3 ? 0 : edge(x, 0, max - una));

		if (ack > max || rnd(x) % all == 0)
			ack = max;      /* now and then everything: the map empties */
		if (small && rnd(x) % 4)
			ack = max;      /* lone: mostly everything */
		else if (ack > una && rnd(x) % 2)
			ack = edge(x, una, max);
		if (rnd(x) % 8 == 0 && una >= 1000) {
			blk[0] = edge(x, 0, una - 1000);        /* a D-SACK below the ACK */
			blk[1] = blk[0] + 1000;
			n = 1;
		}
		for (unsigned k = (unsigned)(rnd(x) % 4); k && max > ack + 100; k--) {
			uint32_t l = edge(x, ack + 100, max), r = edge(x, l, max);

			if (r > l) {
				blk[2 * n] = l;
				blk[2 * n + 1] = r;
				n++;
			}
		}
		snprintf(what, sizeof what, "step %u: ACK %u with %u blocks", step, ack, n);
		both_at(p, p->a.h.now + rnd(x) % (5 * MSEC));
		both_ack(p, ack, n, blk);
	}
	same_output(p, what);
	if (idle && t->rec.rack.n == 1 && t->snd_max - t->snd_una <= SMSS + 1)
		p->lone_sends++;
	if (one && !idle && t->snd_una == t->snd_max && !n)
		p->lone_acks++;
}

static void run_pair(uint64_t seed, unsigned steps, bool lone)
{
	static struct pair p;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	memset(&p, 0, sizeof p);
	p.lone = lone;
	open_one(&p.a, true, !lone);
	open_one(&p.b, lone, false);
	p.b.h.s->tcp.rec_no_lone_path = lone;
	cr_assert_eq(p.a.iss, p.b.iss);
	same_output(&p, "open");
	for (unsigned i = 0; i < steps; i++)
		one_step(&p, &x, i);
	if (getenv("RUNS_DEBUG"))
		fprintf(stderr, "seed %llu%s: %u burst packets, longest run %u, %u lone sends, "
			"%u lone ACKs, %llu fast retransmits, %llu RTOs, %llu probes\n",
			(unsigned long long)seed, lone ? " (lone)" : "", p.bursts, p.max_runs,
			p.lone_sends, p.lone_acks,
			(unsigned long long)synack_counter(p.b.h.s, SYNACK_CTR_TCP_FAST_RETRANS),
			(unsigned long long)synack_counter(p.b.h.s, SYNACK_CTR_TCP_RTO),
			(unsigned long long)synack_counter(p.b.h.s, SYNACK_CTR_TCP_LOSS_PROBES));
	cr_assert_gt(synack_counter(p.b.h.s, SYNACK_CTR_TCP_FAST_RETRANS), 0);
	rig_close(&p.a);
	rig_close(&p.b);
	if (lone) {
		/* the script did what it is for: lone flights sent and acknowledged */
		cr_assert_gt(p.lone_sends, 50, "seed %llu: %u lone sends",
			     (unsigned long long)seed, p.lone_sends);
		cr_assert_gt(p.lone_acks, 30, "seed %llu: %u lone ACKs",
			     (unsigned long long)seed, p.lone_acks);
		return;
	}
	/* the script did what it is for: bursts left as GSO packets, runs formed */
	cr_assert_gt(p.bursts, 100, "seed %llu: %u packets in bursts", (unsigned long long)seed,
		     p.bursts);
	cr_assert_gt(p.max_runs, 5, "seed %llu: no run longer than %u segments",
		     (unsigned long long)seed, p.max_runs);
}

Test(tcp_rack_runs, same_decisions_as_the_per_segment_map)
{
	for (uint64_t seed = 1; seed <= 12; seed++)
		run_pair(seed, 1500, false);
}

/*
 * recovery.c "Lone segments": the flight's only segment sent and acknowledged whole
 * takes the one-pass accounting; tcp_stack.rec_no_lone_path the general one. The same
 * seeded script with writes of about one segment and most ACKs taking everything (so
 * that most flights are lone), losses, SACK blocks, D-SACKs, time steps and RTO/probe/
 * reordering expiries between them: after every step the same wire packets and the same
 * map, RACK, recovery, cc, RTT and timer state (both slots, the wheel node).
 */
Test(tcp_rack_runs, lone_segments_same_as_the_general_accounting)
{
	for (uint64_t seed = 1; seed <= 12; seed++)
		run_pair(seed, 1500, true);
}

/* ---- exact shapes ------------------------------------------------------------------- */

static uint64_t t0;

static void open40(struct rig *r, bool per_segment)
{
	struct synack_config cfg;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK, .mss = SMSS };
	static char data[NSEG * SMSS];

	h_default_config(&cfg);
	cfg.sack = 1;
	cfg.recovery = 1;
	rig_accept(r, &cfg, o);
	r->h.s->tcp.rack_per_segment = per_segment;
	r->tcb->rtt.srtt_us = 40000;
	r->tcb->rtt.rttvar_us = 0;
	r->idle_bytes = rig_live_bytes(r);
	t0 = r->h.now;
	cr_assert_eq(synack_send(r->h.s, r->fd, data, sizeof data, 0), (long)sizeof data);
	expect_flight(r);
}

Test(tcp_rack_runs, a_flight_is_one_inline_entry_and_a_partial_ack_delivers_its_segments)
{
	struct rig r;
	const struct tcp_rack *m;

	open40(&r, false);
	m = &r.tcb->rec.rack;
	/* 10 segments sent at t0: one entry, [0, 10000), runs of 1000, held in the tcb */
	cr_assert_eq(m->n, 1);
	cr_assert_eq(m->cap, 1);
	cr_assert_null(m->seg);
	cr_assert_eq(m->base, REL(&r, 0));
	cr_assert_eq(m->one.end, REL(&r, 10000));
	cr_assert_eq(m->one.seg_len, SMSS);
	cr_assert_eq(m->one.xmit_ns, t0);
	cr_assert_eq(m->one.flags, 0);
	/* t0 + 40 ms: ACK 2500, in the middle of segment 2: segments 0 and 1 delivered
	 * (§6.2 step 2: RACK.xmit_ts t0, RACK.end_seq 2000, RACK.rtt 40 ms, fack 2000),
	 * 2 is partly acknowledged: the entry now starts at 2500 */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 2500, 65535, 0, NULL);
	cr_assert_eq(m->xmit_ns, t0);
	cr_assert_eq(m->end_seq, REL(&r, 2000));
	cr_assert_eq(m->rtt_us, 40000);
	cr_assert_eq(m->min_rtt_us, 40000);
	cr_assert_eq(m->fack, REL(&r, 2000));
	cr_assert_eq(m->n, 1);
	cr_assert_eq(m->base, REL(&r, 2500));
	cr_assert(!m->reordering_seen);
	/* ACK 3000: segment 2 (its end 3000) delivered, nothing more */
	h_at(&r.h, t0 + 41 * MSEC);
	peer_ack(&r, 3000, 65535, 0, NULL);
	cr_assert_eq(m->end_seq, REL(&r, 3000));
	cr_assert_eq(m->rtt_us, 41000);
	cr_assert_eq(m->min_rtt_us, 40000);
	cr_assert_eq(m->base, REL(&r, 3000));
	/* a SACK of 5000..6000: the run becomes its 7 segments (one ring from the
	 * allocator), 5 SACKed alone; RACK.end_seq 6000 */
	peer_ack(&r, 3000, 65535, 1, B(5000, 6000));
	cr_assert_eq(m->n, 7);
	cr_assert_not_null(m->seg);
	cr_assert(m->per_seg);
	for (uint32_t i = 0; i < 7; i++) {
		cr_assert_eq(entry(m, i)->end, REL(&r, 4000 + 1000 * i));
		cr_assert_eq(entry(m, i)->seg_len, 0);
		cr_assert_eq(entry(m, i)->flags, i == 2 ? TCP_RACK_F_SACKED : 0);
	}
	cr_assert_eq(m->end_seq, REL(&r, 6000));
	/* everything acknowledged: the ring goes, the next flight forms runs again */
	peer_ack(&r, 10000, 65535, 0, NULL);
	expect_no_data(&r);
	cr_assert_null(m->seg);
	cr_assert_eq(m->cap, 0);
	cr_assert(!m->per_seg);
	cr_assert_leq(rig_live_bytes(&r), r.idle_bytes);
	rig_close(&r);
}

Test(tcp_rack_runs, the_same_script_one_entry_per_segment)
{
	struct rig r;
	const struct tcp_rack *m;

	open40(&r, true);
	m = &r.tcb->rec.rack;
	cr_assert_eq(m->n, NSEG);
	cr_assert_not_null(m->seg);
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 2500, 65535, 0, NULL);
	cr_assert_eq(m->end_seq, REL(&r, 2000));
	cr_assert_eq(m->fack, REL(&r, 2000));
	cr_assert_eq(m->n, 8);
	cr_assert_eq(m->base, REL(&r, 2500));
	rig_close(&r);
}

Test(tcp_rack_runs, the_probe_resends_the_last_segment_of_a_run)
{
	struct rig r;
	const struct tcp_rack *m;

	open40(&r, false);
	m = &r.tcb->rec.rack;
	/* §7.2: PTO = 2 SRTT + 2 ms with more than one segment in flight; §7.3: nothing new
	 * to send, the probe is the last segment, 9000..9999, taken from the run */
	cr_assert_eq(m->timer, TCP_RACK_T_TLP);
	cr_assert_eq(r.tcb->deadline[TCP_T_RETRANSMIT], t0 + 82 * MSEC);
	cr_assert_eq(m->n, 1);
	h_at(&r.h, t0 + 82 * MSEC);
	expect_data(&r, 9000, SMSS);
	expect_no_data(&r);
	cr_assert(m->tlp_out);
	cr_assert(m->tlp_rexmit);
	/* the retransmission split the run: 9 segments untouched, the last RETRANS */
	cr_assert_eq(m->n, NSEG);
	cr_assert_eq(entry(m, 9)->flags, TCP_RACK_F_RETRANS);
	cr_assert_eq(entry(m, 9)->xmit_ns, t0 + 82 * MSEC);
	cr_assert_eq(entry(m, 8)->xmit_ns, t0);
	rig_close(&r);
}
