/* test_tcp_fastpath.c — input.c's header prediction is exactly the §3.10.7 pipeline,
 * and output.c's pure-ACK and new-data plans exactly the general planning: two stacks with the same
 * keys and clock, one with both fast paths off (tcp_stack.no_fast_path and
 * no_out_fast_path), get the same segments and calls; after every step each
 * emitted packet must be byte-identical, and so must the connection's RFC variables,
 * options, flags, timer deadlines, RTT/congestion state, tcp_info, every counter, every
 * event and every decision note. Scripts cover in-sequence data, pure ACKs, duplicate
 * ACKs, window updates (and a zero window), timestamps (and an old one: PAWS), SACK
 * blocks, a D-SACK with nothing outstanding, an ACK beyond SND.NXT, out-of-window and
 * duplicate data, out-of-order data and the segment filling the hole, a window filled
 * without reading, urgent data and FIN, with timestamps, SACK and
 * window scaling each on and off; with ECN negotiated (RFC 3168 §6.1) the same script
 * plus CE-marked data and ACKs at RCV.NXT (our ECE echo), the peer's ECE (our one
 * reduction, then CWR) and CWR (the echo stops), each checked on the packets sent. */
#include <stddef.h>

#include "harness.h"
#include "api/api.h"
#include "tcp/ecn.h"

#define NOW0 (1000 * SEC)

/* open_pair's second stack: both fast paths off, or (when set) the rings' inline storage
 * off and the fast paths on (run_small_ring_script) */
static bool cmp_small_rings;

struct pair {
	struct harness h[2];    /* [0] fast path on, [1] off */
	int fd[2];
	struct tcb *tcb[2];
	uint32_t iss;           /* ours (same in both: same keys, same time) */
	uint32_t p;             /* the peer's next sequence number */
	uint32_t peer_ts;       /* the peer's TSval clock */
	uint32_t our_ts;        /* TSval of the last packet we sent (for TSecr) */
	bool ts, sack, ws, ecn;
	uint8_t tos;            /* IP TOS byte of the peer's next segment (its ECN field) */
	uint8_t last_flags;     /* TCP flags and IP TOS of the last packet we sent */
	uint8_t last_tos;
	unsigned pkts, fast_candidates;
};

/* Drains both stacks: same number of packets, same bytes. */
static void cmp_out(struct pair *p)
{
	struct wire_tcp t;

	while (h_next_same(&p->h[0], &p->h[1], p->pkts, &t)) {
		p->pkts++;
		if (t.opt.present & WIRE_HAS_TS)
			p->our_ts = t.opt.ts_val;
		p->last_flags = t.flags;
		p->last_tos = p->h[0].pkt[1];   /* the IPv4 TOS byte */
	}
}

/* Everything observable and the tcb's plain-value fields. */
static void cmp_state(struct pair *p)
{
	struct synack_tcp_info ti[2];
	const struct tcb *a = p->tcb[0], *b = p->tcb[1];

	memset(ti, 0, sizeof ti);
	if (p->fd[0] >= 0) {
		cr_assert_eq(synack_tcp_info(p->h[0].s, p->fd[0], &ti[0]), 0);
		cr_assert_eq(synack_tcp_info(p->h[1].s, p->fd[1], &ti[1]), 0);
		cr_assert_eq(memcmp(&ti[0], &ti[1], sizeof ti[0]), 0, "tcp_info differs");
	}
	h_same_counters(p->h[0].s, p->h[1].s);
	if (a && b) {
		/* RFC variables through the timer deadlines: values only, no pointers */
		size_t from = offsetof(struct tcb, snd_una), to = offsetof(struct tcb, tnode);

		cr_assert_eq(memcmp((const char *)a + from, (const char *)b + from, to - from), 0,
			     "tcb fields differ (snd_una %u/%u rcv_nxt %u/%u wnd %u/%u)",
			     a->snd_una, b->snd_una, a->rcv_nxt, b->rcv_nxt, a->snd_wnd, b->snd_wnd);
		cr_assert_eq(memcmp(&a->rtt, &b->rtt, sizeof a->rtt), 0, "RTT state differs");
		cr_assert_eq(memcmp(&a->cc, &b->cc, sizeof a->cc), 0, "cc state differs");
		cr_assert_eq(a->last_rcv_ns, b->last_rcv_ns);
		cr_assert_eq(a->ev_pending, b->ev_pending);
		cr_assert_eq(a->segs_in, b->segs_in);
		cr_assert_eq(a->bytes_received, b->bytes_received);
		cr_assert_eq(a->rec.rack.active, b->rec.rack.active);
	}
	h_same_events_notes(p->h[0].s, p->h[1].s);
}

static void at(struct pair *p, uint64_t dt)
{
	for (int i = 0; i < 2; i++)
		h_advance(&p->h[i], dt);
	cmp_out(p);
	cmp_state(p);
}

/* The peer's segment to both stacks: seq, ack relative to the ISNs (R = PEER_ISN + 1,
 * p->iss + 1), with TS (when on) at the peer clock unless ts_val is given. */
static void seg(struct pair *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		uint32_t len, const struct wire_sack_block *sack, int nsack, uint32_t ts_val,
		uint16_t urp)
{
	static uint8_t data[10000];
	struct wire_tcp_opts o = { 0 };

	if (p->ts) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = ts_val ? ts_val : p->peer_ts;
		o.ts_ecr = p->our_ts;
	}
	if (p->sack && nsack) {
		o.present |= WIRE_HAS_SACK;
		o.sack_count = (uint8_t)nsack;
		for (int i = 0; i < nsack; i++)
			o.sack[i] = sack[i];
	}
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(seq + i);
	if ((flags & (F_SYN | F_FIN | F_RST | F_ACK)) == F_ACK && p->tcb[0] &&
	    seq == p->tcb[0]->rcv_nxt)
		p->fast_candidates++;
	for (int i = 0; i < 2; i++)
		h_send_tos(&p->h[i], PEER_PORT, SRV_PORT, flags, seq, ack, win, &o, data, len, urp,
			   p->tos);
	cmp_out(p);
	cmp_state(p);
}

static void app_send(struct pair *p, size_t n)
{
	static char buf[8000];

	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_send(p->h[i].s, p->fd[i], buf, n, 0), (int)n);
	cmp_out(p);
	cmp_state(p);
}

/* Both applications read what they can; returns the count (the same on both). */
static int app_recv(struct pair *p)
{
	static char b0[70000], b1[70000];
	int n0 = synack_recv(p->h[0].s, p->fd[0], b0, sizeof b0, SYNACK_MSG_DONTWAIT);
	int n1 = synack_recv(p->h[1].s, p->fd[1], b1, sizeof b1, SYNACK_MSG_DONTWAIT);

	cr_assert_eq(n0, n1);
	if (n0 > 0)
		cr_assert_eq(memcmp(b0, b1, (size_t)n0), 0);
	cmp_out(p);
	cmp_state(p);
	return n0;
}

/* SND.MAX and SND.UNA relative to ISS + 1 (cmp_state keeps both stacks equal): the
 * peer acknowledges what we really sent, whatever the options made of our segments
 * (timestamps: 988-byte segments, and Nagle holds the rest of a send). */
static uint32_t snd_max_rel(const struct pair *p)
{
	return p->tcb[0]->snd_max - (p->iss + 1);
}

static uint32_t snd_una_rel(const struct pair *p)
{
	return p->tcb[0]->snd_una - (p->iss + 1);
}

/* In-sequence bytes waiting in our receive queue. */
static uint32_t rcv_queued(const struct pair *p)
{
	return ring_len(&p->tcb[0]->rcvbuf);
}

/*
 * The peer's segment at RCV.NXT (asserted: a prediction candidate, unless flags say
 * otherwise) with len bytes and SEG.ACK = ISS + 1 + ack (asserted not beyond SND.MAX:
 * acceptable), which must add exactly want bytes to the receive queue and advance
 * RCV.NXT by as much (one more for a FIN taken whole), and move SND.UNA to the ACK when
 * it acknowledges new data.
 */
static void step_at_nxt(struct pair *p, uint8_t flags, uint32_t ack, uint16_t win,
			uint32_t len, uint32_t want, const struct wire_sack_block *blk,
			int nsack, uint16_t urp)
{
	const struct tcb *t = p->tcb[0];
	uint32_t q = rcv_queued(p), una = t->snd_una;
	uint32_t fin = (flags & F_FIN) && want == len ? 1 : 0;

	cr_assert_eq(p->p, t->rcv_nxt, "the script's %u is not RCV.NXT %u", p->p, t->rcv_nxt);
	cr_assert(seq_leq(p->iss + 1 + ack, t->snd_max), "ACK %u beyond SND.MAX %u",
		  ack, snd_max_rel(p));
	seg(p, flags, p->p, p->iss + 1 + ack, win, len, blk, nsack, 0, urp);
	cr_assert_eq(rcv_queued(p) - q, want, "%u bytes queued, meant %u", rcv_queued(p) - q,
		     want);
	cr_assert_eq(t->rcv_nxt - p->p, want + fin, "RCV.NXT moved %u, meant %u",
		     t->rcv_nxt - p->p, want + fin);
	if (seq_gt(p->iss + 1 + ack, una))
		cr_assert_eq(t->snd_una, p->iss + 1 + ack);
	p->p += want + fin;
}

static void data_at_nxt(struct pair *p, uint8_t flags, uint32_t ack, uint16_t win,
			uint32_t len, uint32_t want)
{
	step_at_nxt(p, flags, ack, win, len, want, NULL, 0, 0);
}

static void ack_at_nxt(struct pair *p, uint32_t ack, uint16_t win,
		       const struct wire_sack_block *blk, int nsack)
{
	step_at_nxt(p, F_ACK, ack, win, 0, 0, blk, nsack, 0);
}

/* Pure ACKs of everything we sent until nothing is outstanding (with timestamps the
 * first releases what Nagle held back); returns SND.UNA relative to ISS + 1. */
static uint32_t ack_all(struct pair *p, uint16_t win)
{
	for (int k = 0; k < 3 && p->tcb[0]->snd_una != p->tcb[0]->snd_max; k++)
		ack_at_nxt(p, snd_max_rel(p), win, NULL, 0);
	cr_assert_eq(p->tcb[0]->snd_una, p->tcb[0]->snd_max);
	return snd_una_rel(p);
}

/* seg at RCV.NXT (asserted), window 30000, ACK ack, in a datagram with IP TOS tos. */
static void seg_tos(struct pair *p, uint8_t tos, uint8_t flags, uint32_t ack, uint32_t len)
{
	uint32_t q = rcv_queued(p);

	cr_assert_eq(p->p, p->tcb[0]->rcv_nxt);        /* a prediction candidate */
	cr_assert(seq_leq(ack, p->tcb[0]->snd_max), "ACK beyond SND.MAX");
	p->tos = tos;
	p->last_flags = 0;
	seg(p, flags, p->p, ack, 30000, len, NULL, 0, 0, 0);
	p->tos = 0;
	cr_assert_eq(rcv_queued(p) - q, len, "%u bytes queued, meant %u", rcv_queued(p) - q, len);
	p->p += len;
}

static void set_nodelay(struct pair *p, int on)
{
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_setsockopt(p->h[i].s, p->fd[i], SYNACK_IPPROTO_TCP,
					       SYNACK_TCP_NODELAY, &on, sizeof on), 0);
}

/* Passive open on both stacks with the options of the variant (ECN: the peer's SYN
 * asks for it, RFC 3168 §6.1.1; our default tcp_ecn 2 accepts); the peer's SYN and
 * its ACK offer a window of win bytes (its field: win, or win / 4 with window scaling on
 * the ACK). */
static void open_pair_win(struct pair *p, bool ts, bool sack, bool ws, bool ecn, uint16_t win)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = 1000 };
	int l[2];

	memset(p, 0, sizeof *p);
	p->ts = ts;
	p->sack = sack;
	p->ws = ws;
	p->ecn = ecn;
	p->peer_ts = 5000;
	p->fd[0] = p->fd[1] = -1;
	if (ts) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = p->peer_ts;
	}
	if (sack)
		o.present |= WIRE_HAS_SACKOK;
	if (ws) {
		o.present |= WIRE_HAS_WS;
		o.wscale = 2;
	}
	for (int i = 0; i < 2; i++) {
		struct synack_config c;

		h_default_config(&c);
		c.timestamps = ts;
		c.sack = sack;
		c.window_scaling = ws;
		c.rmem_default = 8192;  /* a window the script can fill */
		h_init_cfg(&p->h[i], &c);
		p->h[i].s->tcp.no_fast_path = i == 1 && !cmp_small_rings;
		p->h[i].s->tcp.no_out_fast_path = i == 1 && !cmp_small_rings;
		p->h[i].s->tcp.no_small_rings = i == 1 && cmp_small_rings;
		l[i] = h_listen(&p->h[i], SRV_PORT, 4);
		h_send_opt(&p->h[i], PEER_PORT, SRV_PORT,
			   F_SYN | (ecn ? WIRE_TCP_ECE | WIRE_TCP_CWR : 0), PEER_ISN, 0, win, &o,
			   NULL, 0, 0);
	}
	p->p = PEER_ISN + 1;
	cmp_out(p);
	p->iss = p->h[0].out.seq;
	{
		struct wire_ipv4 ip;
		struct wire_tcp t;

		cr_assert_eq(wire_ipv4_parse(p->h[0].pkt, sizeof p->h[0].pkt, &ip), WIRE_OK);
		cr_assert_eq(wire_tcp_parse(p->h[0].pkt + ip.hdr_len, ip.total_len - ip.hdr_len,
					    &t), WIRE_OK);
		cr_assert_eq(t.flags, F_SYN | F_ACK | (ecn ? WIRE_TCP_ECE : 0));
		p->iss = t.seq;
	}
	p->peer_ts += 10;
	seg(p, F_ACK, p->p, p->iss + 1, ws ? win / 4 : win, 0, NULL, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		p->fd[i] = synack_accept(p->h[i].s, l[i], NULL, NULL);
		cr_assert_geq(p->fd[i], 0);
		p->tcb[i] = api_tcb(p->h[i].s, p->fd[i]);
		cr_assert_not_null(p->tcb[i]);
		cr_assert_eq(p->tcb[i]->ecn_flags, ecn ? TCP_ECN_OK : 0);
	}
	cmp_state(p);
}

static void open_pair(struct pair *p, bool ts, bool sack, bool ws, bool ecn)
{
	open_pair_win(p, ts, sack, ws, ecn, 8192);
}

/* The receive window we offer now (RCV.ADV - RCV.NXT), the same on both stacks. */
static uint32_t rcv_window(const struct pair *p)
{
	const struct tcb *t = p->tcb[0];

	cr_assert_eq(t->rcv_adv - t->rcv_nxt, p->tcb[1]->rcv_adv - p->tcb[1]->rcv_nxt);
	return seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
}

static void both_shutdown_wr(struct pair *p)
{
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_shutdown(p->h[i].s, p->fd[i], SYNACK_SHUT_WR), 0);
	cmp_out(p);
	cmp_state(p);
}

static void both_close(struct pair *p)
{
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_close(p->h[i].s, p->fd[i]), 0);
	p->tcb[0] = p->tcb[1] = NULL;
	p->fd[0] = p->fd[1] = -1;
	cmp_out(p);
	cmp_state(p);
}

/* Ways to close, every segment at RCV.NXT: we close first (FIN-WAIT-1 with the peer's
 * data, FIN-WAIT-2, a FIN with text exactly filling the window, TIME-WAIT and a
 * retransmitted FIN there); the peer closes first (a FIN alone, CLOSE-WAIT, LAST-ACK);
 * both at once (CLOSING); a FIN into a zero window (not acceptable) and a FIN behind
 * text one byte longer than the window (trimmed away). */
static void run_close_script(bool ts, bool sack, bool ws, int variant)
{
	struct pair pr, *p = &pr;
	uint32_t w;

	open_pair(p, ts, sack, ws, false);
	p->peer_ts += 5;
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1, 8192, 100, NULL, 0, 0, 0);
	p->p += 100;
	app_send(p, 300);
	switch (variant) {
	case 0:         /* we close first */
		both_shutdown_wr(p);
		seg(p, F_ACK, p->p, p->iss + 1 + 300, 8192, 50, NULL, 0, 0, 0);
		p->p += 50;
		at(p, 1 * MSEC);
		p->peer_ts += 1;
		seg(p, F_ACK, p->p, p->iss + 1 + 301, 8192, 0, NULL, 0, 0, 0);
		cr_assert_eq(p->tcb[0]->state, TCP_FIN_WAIT_2);
		w = rcv_window(p);
		cr_assert_gt(w, 0);
		cr_assert_leq(w, 10000);
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 301, 8192, w, NULL, 0, 0, 0);
		p->p += w + 1;
		cr_assert_eq(p->tcb[0]->state, TCP_TIME_WAIT);
		at(p, 20 * MSEC);
		p->peer_ts += 20;
		seg(p, F_ACK | F_FIN, p->p - 1, p->iss + 1 + 301, 8192, 0, NULL, 0, 0, 0);
		app_recv(p);
		both_close(p);
		break;
	case 1:         /* the peer closes first: a FIN alone */
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 300, 8192, 0, NULL, 0, 0, 0);
		p->p += 1;
		cr_assert_eq(p->tcb[0]->state, TCP_CLOSE_WAIT);
		app_recv(p);
		seg(p, F_ACK, p->p, p->iss + 1 + 300, 9000, 0, NULL, 0, 0, 0);
		both_shutdown_wr(p);
		cr_assert_eq(p->tcb[0]->state, TCP_LAST_ACK);
		both_close(p);
		at(p, 1 * MSEC);
		p->peer_ts += 1;
		seg(p, F_ACK, p->p, p->iss + 1 + 301, 9000, 0, NULL, 0, 0, 0);
		break;
	case 2:         /* both at once: CLOSING, then TIME-WAIT */
		both_shutdown_wr(p);
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 300, 8192, 0, NULL, 0, 0, 0);
		p->p += 1;
		cr_assert_eq(p->tcb[0]->state, TCP_CLOSING);
		seg(p, F_ACK, p->p, p->iss + 1 + 301, 8192, 0, NULL, 0, 0, 0);
		cr_assert_eq(p->tcb[0]->state, TCP_TIME_WAIT);
		both_close(p);
		break;
	default:        /* a zero window: a FIN alone into it, then text one byte over */
		seg(p, F_ACK, p->p, p->iss + 1 + 300, 8192, 0, NULL, 0, 0, 0);
		for (int k = 0; k < 40 && rcv_window(p); k++) {
			w = rcv_window(p);
			seg(p, F_ACK, p->p, p->iss + 1 + 300, 8192, w < 700 ? w : 700, NULL, 0,
			    0, 0);
			p->p = p->tcb[0]->rcv_nxt;
		}
		cr_assert_eq(rcv_window(p), 0);
		at(p, 1 * MSEC);
		p->peer_ts += 1;
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 300, 8192, 0, NULL, 0, 0, 0);
		cr_assert_eq(p->tcb[0]->state, TCP_ESTABLISHED);        /* not acceptable */
		app_recv(p);
		w = rcv_window(p);
		cr_assert_gt(w, 0);
		cr_assert_lt(w, 10000);
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 300, 8192, w + 1, NULL, 0, 0, 0);
		cr_assert_eq(p->tcb[0]->state, TCP_ESTABLISHED);        /* FIN cut away */
		p->p += w;
		app_recv(p);
		seg(p, F_ACK | F_FIN, p->p + 1, p->iss + 1 + 300, 8192, 0, NULL, 0, 0, 0);
		seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + 300, 8192, 1, NULL, 0, 0, 0);
		p->p += 2;
		cr_assert_eq(p->tcb[0]->state, TCP_CLOSE_WAIT);
		app_recv(p);
		both_close(p);
		seg(p, F_ACK, p->p, p->iss + 1 + 301, 8192, 0, NULL, 0, 0, 0);
		break;
	}
	cr_assert_geq(p->pkts, 5, "only %u packets compared", p->pkts);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, closes_same_as_pipeline)
{
	for (int v = 0; v < 4; v++) {
		run_close_script(false, false, false, v);
		run_close_script(true, false, false, v);
		run_close_script(true, true, true, v);
		run_close_script(false, true, true, v);
	}
}

/* ECN (RFC 3168 §6.1.2-§6.1.4) at RCV.NXT, where the prediction applies; s1 is our
 * next sequence number relative to ISS + 1, everything before it acknowledged. Returns
 * the new s1. Both stacks are compared after each segment; the flags asserted here
 * make sure the script reaches each ECN state. Nagle is off meanwhile so that every
 * byte we send leaves at once. */
static uint32_t ecn_steps(struct pair *p, uint32_t s1)
{
	const struct tcb *t = p->tcb[0];
	const uint8_t ece = WIRE_TCP_ECE, cwr = WIRE_TCP_CWR;
	uint32_t una = p->iss + 1 + s1, cwnd;
	uint32_t n = 2 * t->snd_mss;     /* two segments: within the cwnd after the losses */

	set_nodelay(p, 1);
	cr_assert_eq(p->p, t->rcv_nxt);
	cr_assert_eq(t->snd_una, una);          /* nothing outstanding */
	cr_assert_eq(t->snd_max, una);
	/* a CE-marked pure ACK is not echoed (data only, as Linux) */
	seg_tos(p, TCP_ECN_CE, F_ACK, una, 0);
	cr_assert_eq(t->ecn_flags, TCP_ECN_OK);
	/* CE on data: ACK at once, with ECE (§6.1.3) */
	seg_tos(p, TCP_ECN_CE, F_ACK | F_PSH, una, 100);
	cr_assert_eq(p->last_flags, F_ACK | ece, "flags 0x%x", p->last_flags);
	cr_assert_eq(t->ecn_flags, TCP_ECN_OK | TCP_ECN_DEMAND_CWR | TCP_ECN_SEEN);
	/* ECT(0) data: every ACK keeps ECE until CWR */
	seg_tos(p, TCP_ECN_ECT_0, F_ACK, una, 200);
	at(p, 200 * MSEC);
	cr_assert_eq(p->last_flags, F_ACK | ece, "flags 0x%x", p->last_flags);
	app_recv(p);
	/* our new data: ECT(0), with ECE */
	p->last_flags = 0;
	app_send(p, n);
	cr_assert_eq(p->last_flags & (ece | cwr), ece, "flags 0x%x", p->last_flags);
	cr_assert_eq(p->last_tos, TCP_ECN_ECT_0);
	cr_assert_eq(t->snd_nxt, una + n);
	/* the peer's ECE on a partial ACK: one reduction (cwnd = ssthresh; after the RTO
	 * above cwnd may already be at the 2 SMSS floor), CWR queued (§6.1.2) */
	cwnd = t->cc.cwnd;
	seg_tos(p, 0, F_ACK | ece, una + n / 2, 0);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_ECN_REDUCTIONS), 1);
	cr_assert_eq(t->cc.cwnd, t->cc.ssthresh, "cwnd %u ssthresh %u", t->cc.cwnd,
		     t->cc.ssthresh);
	cr_assert_leq(t->cc.cwnd, cwnd);
	cr_assert_eq(t->ecn_flags, TCP_ECN_OK | TCP_ECN_DEMAND_CWR | TCP_ECN_QUEUE_CWR |
		     TCP_ECN_IN_CWR | TCP_ECN_SEEN, "ecn_flags 0x%x", t->ecn_flags);
	cr_assert_eq(t->ecn_cwr_seq, una + n);
	/* another ECE in the same window: no second reduction */
	seg_tos(p, 0, F_ACK | ece, una + n / 4 * 3, 0);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_ECN_REDUCTIONS), 1);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_ECE_IN), 2);
	/* our next new data carries CWR (and still ECE) */
	p->last_flags = 0;
	app_send(p, 500);
	cr_assert_eq(p->last_flags & (ece | cwr), ece | cwr, "flags 0x%x", p->last_flags);
	cr_assert_eq(p->last_tos, TCP_ECN_ECT_0);
	cr_assert_eq(t->snd_nxt, una + n + 500);
	/* the peer's CWR on data acknowledging everything: the echo stops (ACK at once),
	 * SND.UNA passed ecn_cwr_seq (the response window is over) */
	seg_tos(p, TCP_ECN_ECT_0, F_ACK | cwr, una + n + 500, 100);
	cr_assert_eq(p->last_flags, F_ACK, "flags 0x%x", p->last_flags);
	cr_assert_eq(t->ecn_flags, TCP_ECN_OK | TCP_ECN_SEEN, "ecn_flags 0x%x", t->ecn_flags);
	/* CWR and CE on one segment: CWR first, so the CE is echoed again */
	seg_tos(p, TCP_ECN_CE, F_ACK | cwr, una + n + 500, 100);
	cr_assert_eq(p->last_flags, F_ACK | ece, "flags 0x%x", p->last_flags);
	seg_tos(p, TCP_ECN_ECT_0, F_ACK | F_PSH | cwr, una + n + 500, 100);
	cr_assert_eq(p->last_flags, F_ACK, "flags 0x%x", p->last_flags);
	cr_assert_eq(t->ecn_flags, TCP_ECN_OK | TCP_ECN_SEEN, "ecn_flags 0x%x", t->ecn_flags);
	app_recv(p);
	set_nodelay(p, 0);
	return s1 + n + 500;
}

/*
 * One script, run under the variant's options. Every segment meant to be at RCV.NXT is
 * asserted to be there, every ACK meant to be acceptable not beyond SND.MAX (the ACK
 * numbers come from SND.MAX/SND.UNA: with timestamps our segments carry 988 bytes), and
 * each step's effect on the receive queue is asserted, so that each step reaches the
 * path it is meant for in every variant; the one challenge ACK is the one meant.
 */
static void run_script(bool ts, bool sack, bool ws, bool ecn)
{
	struct pair pr, *p = &pr;
	uint32_t s1, mss, w, rcvq, ctr;
	struct wire_sack_block blk[1];
	bool cut = false;

	open_pair(p, ts, sack, ws, ecn);
	mss = p->tcb[0]->snd_mss;       /* 1000, 988 with timestamps */
	/* in-sequence data, twice, with time between */
	p->peer_ts += 5;
	data_at_nxt(p, F_ACK | F_PSH, 0, 8192, 100, 100);
	at(p, 10 * MSEC);
	p->peer_ts += 10;
	data_at_nxt(p, F_ACK, 0, 8192, 1000, 1000);
	cr_assert_eq(app_recv(p), 1100);
	/* our data, then pure ACKs: partial, full with a larger window (with timestamps
	 * Nagle then sends the rest), duplicate, a window update alone, a shrinking window */
	app_send(p, 3000);
	cr_assert_eq(snd_max_rel(p), 3000 / mss * mss);
	at(p, 1 * MSEC);        /* before the tail loss probe (PTO 2 ms: SRTT 0 here) */
	p->peer_ts += 1;
	ack_at_nxt(p, 1000, 8192, NULL, 0);
	ack_at_nxt(p, snd_max_rel(p), 16384, NULL, 0);
	ack_at_nxt(p, snd_una_rel(p), 16384, NULL, 0);
	ack_at_nxt(p, snd_una_rel(p), 20000, NULL, 0);
	ack_at_nxt(p, snd_una_rel(p), 4000, NULL, 0);
	ack_at_nxt(p, snd_max_rel(p), 30000, NULL, 0);
	s1 = ack_all(p, 30000);
	cr_assert_eq(s1, 3000);
	/* a flight with the middle lost: SACK for the last, then the cumulative ACK */
	app_send(p, 3000);
	cr_assert_eq(snd_max_rel(p), s1 + 3 * mss, "SND.MAX %u", snd_max_rel(p));
	at(p, 2 * MSEC);
	p->peer_ts += 2;
	blk[0].left = p->iss + 1 + s1 + 2 * mss;
	blk[0].right = p->iss + 1 + s1 + 3 * mss;
	ack_at_nxt(p, s1 + mss, 30000, blk, 1);
	ack_at_nxt(p, s1 + mss, 30000, blk, 1);
	at(p, 300 * MSEC);      /* whatever the timers do, they do it alike */
	ack_all(p, 30000);
	cr_assert_eq(snd_una_rel(p), 6000);
	/* then a D-SACK (RFC 2883 §4) for the middle one, on a pure ACK with nothing
	 * outstanding: recovery reads it (SACK on), the quiet-ACK path must not take it.
	 * SACK alone: the middle went out again once (RACK's reordering timeout), so the
	 * recovery is undone (RFC 3708); with timestamps it went out twice (RACK, then the
	 * RTO) and one D-SACK undoes nothing */
	blk[0].left = p->iss + 1 + s1 + mss;
	blk[0].right = p->iss + 1 + s1 + 2 * mss;
	s1 = 6000;
	ack_at_nxt(p, s1, 30000, blk, 1);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_UNDO_DSACK), sack && !ts ? 1 : 0);
	/* an ACK for data never sent (RFC 5961 §5.2: challenge ACK) */
	ctr = (uint32_t)synack_counter(p->h[0].s, SYNACK_CTR_TCP_CHALLENGE_ACK);
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 5000, 30000, 0, NULL, 0, 0, 0);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_CHALLENGE_ACK), ctr + 1);
	/* an old timestamp (PAWS drops it), data beyond the window, a duplicate: nothing
	 * queued */
	if (ts) {
		seg(p, F_ACK, p->p, p->iss + 1 + s1, 30000, 10, NULL, 0, p->peer_ts - 100, 0);
		cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_PAWS), 1);
	}
	seg(p, F_ACK, p->p + 70000, p->iss + 1 + s1, 30000, 10, NULL, 0, 0, 0);
	seg(p, F_ACK, p->p - 50, p->iss + 1 + s1, 30000, 50, NULL, 0, 0, 0);
	cr_assert_eq(rcv_queued(p), 0);
	cr_assert_eq(p->tcb[0]->rcv_nxt, p->p);
	/* out of order (held, not readable), then the segment that fills the hole (at
	 * RCV.NXT): both readable */
	at(p, 1 * MSEC);
	p->peer_ts += 1;
	seg(p, F_ACK, p->p + 500, p->iss + 1 + s1, 30000, 500, NULL, 0, 0, 0);
	cr_assert_eq(rcv_queued(p), 0);
	data_at_nxt(p, F_ACK, s1, 30000, 500, 1000);
	/* data together with the ACK of our data */
	app_send(p, 500);
	data_at_nxt(p, F_ACK | F_PSH, s1 + 500, 30000, 200, 200);
	s1 += 500;
	cr_assert_eq(app_recv(p), 1200);
	if (ecn)
		s1 = ecn_steps(p, s1);
	/* a zero window: data held, probes; then the window opens */
	ack_at_nxt(p, s1, 0, NULL, 0);
	app_send(p, 700);
	at(p, 250 * MSEC);
	at(p, 500 * MSEC);
	p->peer_ts += 750;
	ack_at_nxt(p, snd_una_rel(p), 30000, NULL, 0);
	s1 = ack_all(p, 30000);
	cr_assert_eq(s1, (ecn ? 7000 + 2 * mss : 6500) + 700);
	/* the receive window filled without reading: a segment at RCV.NXT longer than the
	 * window is cut to it (§3.10.7.4 trim); then one into a zero window */
	for (int k = 0; k < 40 && !cut; k++) {
		w = rcv_window(p);
		data_at_nxt(p, F_ACK, s1, 30000, 700, w < 700 ? w : 700);
		cut = w < 700;
	}
	cr_assert(cut, "window not filled");
	cr_assert_eq(rcv_window(p), 0);
	rcvq = rcv_queued(p);
	data_at_nxt(p, F_ACK, s1, 30000, 300, 0);
	cr_assert_eq(app_recv(p), (int)rcvq);
	/* urgent data, then data with FIN; our close; the ACK of our FIN */
	step_at_nxt(p, F_ACK | F_URG, s1, 30000, 10, 10, NULL, 0, 5);
	cr_assert_gt(app_recv(p), 0);
	at(p, 50 * MSEC);
	p->peer_ts += 50;
	data_at_nxt(p, F_ACK | F_FIN, s1, 30000, 20, 20);
	cr_assert_eq(p->tcb[0]->state, TCP_CLOSE_WAIT);
	app_recv(p);
	cr_assert_eq(synack_counter(p->h[0].s, SYNACK_CTR_TCP_CHALLENGE_ACK), ctr + 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_close(p->h[i].s, p->fd[i]), 0);
	p->tcb[0] = p->tcb[1] = NULL;
	p->fd[0] = p->fd[1] = -1;
	cmp_out(p);
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 1, 30000, 0, NULL, 0, 0, 0);
	cr_assert_geq(p->pkts, 20, "only %u packets compared", p->pkts);
	cr_assert_geq(p->fast_candidates, 12, "only %u fast-path candidates",
		      p->fast_candidates);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, same_as_pipeline_plain)
{
	run_script(false, false, false, false);
}

Test(tcp_fastpath, same_as_pipeline_timestamps)
{
	run_script(true, false, false, false);
}

Test(tcp_fastpath, same_as_pipeline_sack)
{
	run_script(false, true, false, false);
}

Test(tcp_fastpath, same_as_pipeline_ts_sack_ws)
{
	run_script(true, true, true, false);
}

Test(tcp_fastpath, same_as_pipeline_ws)
{
	run_script(false, false, true, false);
}

Test(tcp_fastpath, same_as_pipeline_ecn)
{
	run_script(false, false, false, true);
}

Test(tcp_fastpath, same_as_pipeline_ecn_ts_sack_ws)
{
	run_script(true, true, true, true);
}

/*
 * The segments where an ACK is wanted but more than a pure ACK is due, so that the
 * output's pure-ACK plan must step aside (each step fails when the matching condition
 * of plan_pure_ack is dropped): peer data opening a zero window behind which our data
 * waits (data + ACK), peer data while Nagle holds ours, out-of-order peer data carrying
 * a partial ACK in recovery (the retransmission it makes due goes with the ACK), the
 * RTO's retransmission, and our FIN (FIN-WAIT-1 is not the pure-ACK plan's).
 */
static void run_ack_script(bool ts, bool sack, bool ws)
{
	struct pair pr, *p = &pr;
	uint32_t s1 = 0;
	struct wire_sack_block blk[1];

	open_pair(p, ts, sack, ws, false);
	/* a zero window, our data waits; peer data at RCV.NXT opens the window */
	seg(p, F_ACK, p->p, p->iss + 1, 0, 0, NULL, 0, 0, 0);
	app_send(p, 300);
	p->peer_ts += 1;
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1, 30000, 50, NULL, 0, 0, 0);
	p->p += 50;
	seg(p, F_ACK, p->p, p->iss + 1 + 300, 30000, 0, NULL, 0, 0, 0);
	s1 = 300;
	/* Nagle holds a short second send while the first is unacknowledged; peer data
	 * that also acknowledges the first lets it go with the ACK */
	app_send(p, 100);
	app_send(p, 100);
	p->peer_ts += 1;
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1 + s1, 30000, 40, NULL, 0, 0, 0);
	p->p += 40;
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1 + s1 + 100, 30000, 40, NULL, 0, 0, 0);
	p->p += 40;
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 200, 30000, 0, NULL, 0, 0, 0);
	s1 += 200;
	/* a flight of five with the first and third lost: three duplicate ACKs (SACK
	 * blocks when on) start recovery; the partial ACK for the first two comes on
	 * peer data, and the retransmission it makes due carries the ACK */
	app_send(p, 5000);
	at(p, 1 * MSEC);
	for (int k = 1; k <= 3; k++) {
		struct wire_sack_block b2[2] = {
			{ p->iss + 1 + s1 + 3000, p->iss + 1 + s1 + 3000 + 700 * (uint32_t)k },
			{ p->iss + 1 + s1 + 1000, p->iss + 1 + s1 + 2000 },
		};

		p->peer_ts += 1;
		seg(p, F_ACK, p->p, p->iss + 1 + s1, 30000, 0, b2, k > 1 ? 2 : 1, 0, 0);
	}
	blk[0].left = p->iss + 1 + s1 + 3000;
	blk[0].right = p->iss + 1 + s1 + 5000;
	p->peer_ts += 1;
	/* out of order, so that it is acknowledged at once (RFC 5681 §4.2), then the
	 * segment filling the hole */
	seg(p, F_ACK | F_PSH, p->p + 100, p->iss + 1 + s1 + 2000, 30000, 10, blk, 1, 0, 0);
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 2000, 30000, 100, blk, 1, 0, 0);
	p->p += 110;
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 5000, 30000, 0, NULL, 0, 0, 0);
	s1 += 5000;
	/* the RTO: a lost segment resent by the timer, then peer data before its ACK */
	app_send(p, 800);
	at(p, 1500 * MSEC);
	p->peer_ts += 1500;
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1 + s1, 30000, 30, NULL, 0, 0, 0);
	p->p += 30;
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 800, 30000, 0, NULL, 0, 0, 0);
	s1 += 800;
	/* our FIN with data queued; peer data before it is acknowledged */
	app_send(p, 200);
	cr_assert_eq(synack_shutdown(p->h[0].s, p->fd[0], SYNACK_SHUT_WR), 0);
	cr_assert_eq(synack_shutdown(p->h[1].s, p->fd[1], SYNACK_SHUT_WR), 0);
	cmp_out(p);
	cmp_state(p);
	seg(p, F_ACK | F_PSH, p->p, p->iss + 1 + s1, 30000, 20, NULL, 0, 0, 0);
	p->p += 20;
	seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + s1 + 201, 30000, 0, NULL, 0, 0, 0);
	cr_assert_geq(p->pkts, 12, "only %u packets compared", p->pkts);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, pure_ack_plan_steps_aside_plain)
{
	run_ack_script(false, false, false);
}

Test(tcp_fastpath, pure_ack_plan_steps_aside_ts_sack_ws)
{
	run_ack_script(true, true, true);
}

/*
 * New data and FINs (output.c plan_new_data) where the general planning decides
 * something other than "send it all": Nagle holding a short send while data is
 * unacknowledged (then TCP_NODELAY), a send split at the MSS, a window smaller than the
 * data (sender SWS avoidance holds it: less than half the largest window), cwnd filled
 * (cwnd_limited), the window reopening after a zero-window probe (the probe count
 * reset), a restart after idle (RFC 5681 §4.1: cwnd back to the initial window), urgent
 * data, our FIN behind queued data, data sent in CLOSE-WAIT and the FIN of LAST-ACK.
 * Each step fails when the matching part of plan_new_data is dropped.
 */
static void send_oob(struct pair *p, size_t n)
{
	static char buf[100];

	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_send(p->h[i].s, p->fd[i], buf, n, SYNACK_MSG_OOB), (int)n);
	cmp_out(p);
	cmp_state(p);
}

static void run_data_script(bool ts, bool sack, bool ws)
{
	struct pair pr, *p = &pr;
	uint32_t s1;

	open_pair(p, ts, sack, ws, false);
	/* Nagle: the second short send waits for the first one's ACK */
	app_send(p, 100);
	app_send(p, 50);
	cr_assert_eq(snd_max_rel(p), 100);
	ack_at_nxt(p, 100, 30000, NULL, 0);
	cr_assert_eq(snd_max_rel(p), 150);
	s1 = ack_all(p, 30000);
	set_nodelay(p, 1);
	app_send(p, 10);
	app_send(p, 10);
	cr_assert_eq(snd_max_rel(p), s1 + 20);
	set_nodelay(p, 0);
	s1 = ack_all(p, 30000);
	/* split at the MSS; then a window of 300 bytes with 2000 queued: held (SWS) */
	app_send(p, 2500);
	s1 = ack_all(p, 30000);
	ack_at_nxt(p, s1, ws ? 75 : 300, NULL, 0);    /* our peer's window scale is 2 */
	app_send(p, 2000);
	cr_assert_eq(snd_max_rel(p), s1);
	ack_at_nxt(p, s1, 30000, NULL, 0);
	cr_assert_gt(snd_max_rel(p), s1);
	s1 = ack_all(p, 30000);
	/* cwnd fills (10 segments): the rest waits for ACKs */
	app_send(p, 8000);
	app_send(p, 8000);
	cr_assert_lt(snd_max_rel(p), s1 + 16000);
	cr_assert(p->tcb[0]->cc.cwnd_limited);
	for (int k = 0; k < 10 && snd_una_rel(p) != s1 + 16000; k++)
		ack_at_nxt(p, snd_max_rel(p), 30000, NULL, 0);
	s1 = ack_all(p, 30000);
	cr_assert_eq(s1, 2500 + 2000 + 16000 + 170);
	/* idle for 10 s: cwnd (grown past the initial window) restarts from it */
	cr_assert_gt(p->tcb[0]->cc.cwnd, 10 * p->tcb[0]->snd_mss);
	at(p, 10 * SEC);
	p->peer_ts += 10000;
	app_send(p, 8000);
	app_send(p, 8000);
	app_send(p, 4000);
	cr_assert_eq(p->tcb[0]->cc.cwnd, 10 * p->tcb[0]->snd_mss);
	cr_assert_eq(snd_max_rel(p), s1 + 10 * p->tcb[0]->snd_mss);
	for (int k = 0; k < 10 && snd_una_rel(p) != s1 + 20000; k++)
		ack_at_nxt(p, snd_max_rel(p), 30000, NULL, 0);
	s1 = ack_all(p, 30000);
	/* a zero window, a probe, the window reopens */
	ack_at_nxt(p, s1, 0, NULL, 0);
	app_send(p, 400);
	at(p, 3 * SEC);
	cr_assert_gt(p->tcb[0]->cc.probes_out, 0);
	ack_at_nxt(p, s1, 30000, NULL, 0);
	cr_assert_eq(p->tcb[0]->cc.probes_out, 0);
	s1 = ack_all(p, 30000);
	/* urgent data */
	send_oob(p, 5);
	cr_assert(p->last_flags & F_URG);
	s1 = ack_all(p, 30000);
	/* the peer's FIN: CLOSE-WAIT; our data there, then data and FIN (LAST-ACK) */
	seg(p, F_ACK | F_FIN, p->p, p->iss + 1 + s1, 30000, 0, NULL, 0, 0, 0);
	p->p += 1;
	cr_assert_eq(p->tcb[0]->state, TCP_CLOSE_WAIT);
	app_send(p, 70);
	cr_assert_eq(snd_max_rel(p), s1 + 70);
	app_send(p, 30);
	both_shutdown_wr(p);
	cr_assert_eq(p->tcb[0]->state, TCP_LAST_ACK);
	cr_assert(p->last_flags & F_FIN);
	ack_at_nxt(p, s1 + 70, 30000, NULL, 0);
	cr_assert_eq(snd_max_rel(p), s1 + 101);
	seg(p, F_ACK, p->p, p->iss + 1 + s1 + 101, 30000, 0, NULL, 0, 0, 0);
	cr_assert_geq(p->pkts, 30, "only %u packets compared", p->pkts);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, new_data_plan_same_as_general_plain)
{
	run_data_script(false, false, false);
}

Test(tcp_fastpath, new_data_plan_same_as_general_ts_sack_ws)
{
	run_data_script(true, true, true);
}

/*
 * New data with nothing in flight (output.c lone_data_len: cwnd's room without tcp_pipe,
 * data_len's cases without (4)), against a peer whose largest window is 1000 bytes, so
 * that sender SWS avoidance's (3) (at least half the largest window) decides short
 * segments: all the queued data when it fits (2), a full segment (1), 300 bytes of 2000
 * queued held (less than 500), 600 sent, the rest when the window opens; each with
 * nothing outstanding. Fails when lone_data_len's (2) or (3) is changed.
 */
static void run_lone_script(bool ts, bool ws)
{
	struct pair pr, *p = &pr;
	uint32_t s1;

	open_pair_win(p, ts, false, ws, false, 1000);
	cr_assert_eq(p->tcb[0]->cc.max_snd_wnd, 1000);
	app_send(p, 100);                               /* (2): all of it */
	cr_assert_eq(snd_max_rel(p), 100);
	s1 = ack_all(p, ws ? 250 : 1000);
	app_send(p, 1500);                              /* (1): a full segment first */
	cr_assert_eq(snd_max_rel(p), s1 + p->tcb[0]->snd_mss);
	s1 = ack_all(p, ws ? 250 : 1000);
	ack_at_nxt(p, s1, ws ? 75 : 300, NULL, 0);     /* (3): 300 < 500: held */
	app_send(p, 2000);
	cr_assert_eq(snd_max_rel(p), s1);
	ack_at_nxt(p, s1, ws ? 150 : 600, NULL, 0);    /* (3): 600 >= 500: sent */
	cr_assert_eq(snd_max_rel(p), s1 + 600);
	for (int k = 0; k < 8 && ring_len(&p->tcb[0]->sndbuf); k++)
		ack_all(p, ws ? 250 : 1000);            /* the rest, window by window */
	cr_assert_eq(ring_len(&p->tcb[0]->sndbuf), 0);
	cr_assert_geq(p->pkts, 7, "only %u packets compared", p->pkts);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, lone_data_plan_same_as_general)
{
	run_lone_script(false, false);
	run_lone_script(true, false);
	run_lone_script(true, true);
}

/* ---- small data in the rings' inline storage (base/ring.h) ----------------------------- */

/* Both applications send n bytes of a pattern that differs per call (a byte lost or
 * moved when a ring leaves its inline storage shows in the packets). */
static void app_send_pat(struct pair *p, size_t n)
{
	static uint8_t k;
	uint8_t buf[64];

	cr_assert_leq(n, sizeof buf);
	for (size_t j = 0; j < n; j++)
		buf[j] = (uint8_t)(++k * 7 + 3);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(synack_send(p->h[i].s, p->fd[i], buf, n, 0), (long)n);
	cmp_out(p);
	cmp_state(p);
}

static bool small0(const struct ring *r0, const struct ring *r1)
{
	cr_assert(!ring_is_small(r1), "the stack without inline storage used it");
	return ring_is_small(r0);
}

/*
 * One stack keeps small data in the rings' inline storage, the other allocates every
 * ring (tcp_stack.no_small_rings): every packet (windows included), return value, byte
 * read, tcb variable, counter, event and note must be the same. Covers a byte each way
 * (inline, then no storage once empty or acknowledged), bytes that outgrow the inline
 * storage while queued (unread, or sent and not yet acknowledged: the RTO resends them
 * from the grown ring), the storage filled exactly, out-of-order data arriving while
 * the bytes are inline, a zero-copy reserve on inline bytes, and the FIN.
 */
static void run_small_ring_script(bool ts, bool sack, bool ws)
{
	struct pair pr, *p = &pr;
	struct synack_iovec iov[2][2];
	uint32_t a;

	cmp_small_rings = true;
	open_pair(p, ts, sack, ws, false);
	cmp_small_rings = false;
	p->peer_ts += 5;
	data_at_nxt(p, F_ACK | F_PSH, 0, 8192, 1, 1);
	cr_assert(small0(&p->tcb[0]->rcvbuf, &p->tcb[1]->rcvbuf));
	at(p, 50 * MSEC);
	cr_assert_eq(app_recv(p), 1);
	cr_assert_eq(p->tcb[0]->rcvbuf.cap, 0);
	app_send_pat(p, 1);
	cr_assert(small0(&p->tcb[0]->sndbuf, &p->tcb[1]->sndbuf));
	p->peer_ts += 5;
	a = ack_all(p, 8192);
	cr_assert_eq(p->tcb[0]->sndbuf.cap, 0);
	/* 10 and 10 unread: the second outgrows the inline storage */
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, 10, 10);
	cr_assert(small0(&p->tcb[0]->rcvbuf, &p->tcb[1]->rcvbuf));
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, 10, 10);
	cr_assert(!ring_is_small(&p->tcb[0]->rcvbuf));
	cr_assert_eq(app_recv(p), 20);
	/* exactly RING_SMALL_CAP, then one more */
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, RING_SMALL_CAP, RING_SMALL_CAP);
	cr_assert(small0(&p->tcb[0]->rcvbuf, &p->tcb[1]->rcvbuf));
	cr_assert_eq(ring_space(&p->tcb[0]->rcvbuf), 0);
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, 1, 1);
	cr_assert_eq(app_recv(p), RING_SMALL_CAP + 1);
	/* 3 inline, then 4 beyond a 2-byte hole (held out of order: the ring grows with
	 * the 3 at their offsets), then the hole */
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, 3, 3);
	cr_assert(small0(&p->tcb[0]->rcvbuf, &p->tcb[1]->rcvbuf));
	seg(p, F_ACK | F_PSH, p->p + 2, p->iss + 1 + a, 8192, 4, NULL, 0, 0, 0);
	cr_assert(!ring_is_small(&p->tcb[0]->rcvbuf));
	data_at_nxt(p, F_ACK | F_PSH, a, 8192, 2, 6);
	cr_assert_eq(app_recv(p), 9);
	/* 10 sent, 10 more queued before the ACK (Nagle): the queue outgrows the inline
	 * storage with 10 bytes in flight; the RTO resends those from the grown ring */
	app_send_pat(p, 10);
	cr_assert(small0(&p->tcb[0]->sndbuf, &p->tcb[1]->sndbuf));
	app_send_pat(p, 10);
	cr_assert(!ring_is_small(&p->tcb[0]->sndbuf));
	at(p, 1100 * MSEC);
	p->peer_ts += 1100;
	a = ack_all(p, 8192);
	/* a zero-copy reserve on inline bytes: all of SEND's room, the ring grown */
	app_send_pat(p, 3);
	cr_assert(small0(&p->tcb[0]->sndbuf, &p->tcb[1]->sndbuf));
	for (int i = 0; i < 2; i++) {
		long room = synack_send_reserve(p->h[i].s, p->fd[i], iov[i]);

		cr_assert_eq(room, (long)p->tcb[i]->opt.sndbuf - 3);
		memset(iov[i][0].base, 0x5a, 7);
		cr_assert_eq(synack_send_commit(p->h[i].s, p->fd[i], 7), 7);
	}
	cr_assert(!ring_is_small(&p->tcb[0]->sndbuf));
	cmp_out(p);
	cmp_state(p);
	p->peer_ts += 5;
	a = ack_all(p, 8192);
	cr_assert_eq(a, 1 + 20 + 10);
	/* the peer's FIN behind 2 bytes, read; ours */
	data_at_nxt(p, F_ACK | F_PSH | F_FIN, a, 8192, 2, 2);
	cr_assert(small0(&p->tcb[0]->rcvbuf, &p->tcb[1]->rcvbuf));
	cr_assert_eq(app_recv(p), 2);
	both_close(p);
	p->peer_ts += 5;
	seg(p, F_ACK, p->p, p->iss + 1 + a + 1, 8192, 0, NULL, 0, 0, 0);
	cr_assert_geq(p->pkts, 12, "only %u packets compared", p->pkts);
	for (int i = 0; i < 2; i++)
		h_fini(&p->h[i]);
}

Test(tcp_fastpath, small_rings_same_as_allocated_plain)
{
	run_small_ring_script(false, false, false);
}

Test(tcp_fastpath, small_rings_same_as_allocated_ts_sack_ws)
{
	run_small_ring_script(true, true, true);
}

/*
 * Without memory (the env allocator refuses; a fresh stack's bufcache holds no ring
 * block): a few bytes still go both ways in the inline storage; what needs a ring is
 * refused as before (SEND: ENOMEM with no storage, EAGAIN with storage that cannot grow,
 * as for an allocated ring; a segment that does not fit the storage there is, none or
 * the inline storage that cannot grow: not taken, counted, an ACK with RCV.NXT, as when
 * an allocated ring cannot grow after autotuning, input.c step_text); with memory back
 * the bytes move out of the inline storage and every byte is read in order.
 */
Test(tcp_fastpath, small_rings_without_memory)
{
	struct harness h;
	struct tcp_stack *ts;
	void *(*alloc)(void *, size_t);
	uint8_t out[40], in[40];
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	ts = &h.s->tcp;
	alloc = ts->bufcache.backing.alloc;
	ts->bufcache.backing.alloc = h_refuse_alloc;
	for (unsigned i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(i * 13 + 1);
	cr_assert_eq(synack_send(h.s, fd, out, RING_SMALL_CAP + 1, 0), -ENOMEM);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_send(h.s, fd, out, RING_SMALL_CAP, 0), RING_SMALL_CAP);
	EXPECT_SEG(&h, F_ACK | F_PSH, iss + 1, PEER_ISN + 1, ANYWIN);
	cr_assert_eq(h.out.payload_len, RING_SMALL_CAP);
	cr_assert_eq(memcmp(h.out.payload, out, RING_SMALL_CAP), 0);
	cr_assert_eq(synack_send(h.s, fd, out, 1, 0), -EAGAIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NO_MEMORY), 2);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1 + RING_SMALL_CAP, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(api_tcb(h.s, fd)->sndbuf.cap, 0);
	/* receive */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1,
		    iss + 1 + RING_SMALL_CAP, 8192, out, RING_SMALL_CAP + 1);
	EXPECT_SEG(&h, F_ACK, iss + 1 + RING_SMALL_CAP, PEER_ISN + 1, ANYWIN);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NO_MEMORY), 3);
	cr_assert_eq(api_tcb(h.s, fd)->rcv_nxt, PEER_ISN + 1);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1,
		    iss + 1 + RING_SMALL_CAP, 8192, out, RING_SMALL_CAP);
	EXPECT_SEG(&h, F_ACK, iss + 1 + RING_SMALL_CAP, PEER_ISN + 1 + RING_SMALL_CAP, ANYWIN);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1 + RING_SMALL_CAP,
		    iss + 1 + RING_SMALL_CAP, 8192, out + RING_SMALL_CAP, 1);
	EXPECT_SEG(&h, F_ACK, iss + 1 + RING_SMALL_CAP, PEER_ISN + 1 + RING_SMALL_CAP, ANYWIN);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NO_MEMORY), 4);
	cr_assert_eq(api_tcb(h.s, fd)->rcv_nxt, PEER_ISN + 1 + RING_SMALL_CAP);
	/* memory back: the byte again, then everything read in order */
	ts->bufcache.backing.alloc = alloc;
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1 + RING_SMALL_CAP,
		    iss + 1 + RING_SMALL_CAP, 8192, out + RING_SMALL_CAP, 3);
	cr_assert(!ring_is_small(&api_tcb(h.s, fd)->rcvbuf));
	cr_assert_eq(synack_recv(h.s, fd, in, sizeof in, 0), RING_SMALL_CAP + 3);
	cr_assert_eq(memcmp(in, out, RING_SMALL_CAP + 3), 0);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_NO_MEMORY), 4);
	synack_close(h.s, fd);
	h_fini(&h);
}
