/*
 * test_stream_rec_reo_persist.c — RFC 8985 §6.2 step 4: a D-SACK-widened reordering
 * window (reo_wnd_mult) persists for 16 loss recoveries; a recovery undone at its full
 * ACK (the ACK echoes a TSval older than the episode's first retransmission: the
 * "lost" segment was only late, Linux tcp_try_undo_recovery) does not count, as Linux
 * decrements reo_wnd_persist only when a recovery ends without undo.
 *
 * Fixture: a connection accepted from a peer whose SYN has MSS 1012, timestamps and
 * SACK-permitted, window 65535: SMSS = 1000; RACK-TLP on (recovery = 1). Each episode
 * sends 6 segments, the peer SACKs the last 4, the first two are resent, a partial ACK
 * echoes the retransmission's TSval and the full ACK either the original's (undone)
 * or the retransmission's (real).
 */
#include "harness.h"
#include "api/api.h"
#include "tcp/cc.h"
#include "tcp/rack.h"
#include "tcp/recovery.h"

#define SMSS 1000u
#define NSEG 6u

struct u {
	struct harness h;
	int fd;
	uint32_t iss;
	struct tcb *tcb;
	uint32_t peer_tsval;    /* the peer's next TSval */
	uint32_t next;          /* relative sequence of the next new data */
};

#define REL(u, x) ((u)->iss + 1 + (uint32_t)(x))

static void u_ack(struct u *u, uint32_t ack, uint32_t sl, uint32_t sr, uint32_t tsecr)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = u->peer_tsval++,
				   .ts_ecr = tsecr };

	if (sl != sr) {
		o.present |= WIRE_HAS_SACK;
		o.sack_count = 1;
		o.sack[0].left = REL(u, sl);
		o.sack[0].right = REL(u, sr);
	}
	h_send_opt(&u->h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, REL(u, ack), 65535, &o,
		   NULL, 0, 0);
}

static void u_expect_no_data(struct u *u)
{
	while (h_next(&u->h))
		cr_assert(!u->h.out.payload_len, "unexpected data at rel %u",
			  u->h.out.seq - REL(u, 0));
}

static void u_open(struct u *u)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_TS | WIRE_HAS_SACKOK,
				   .mss = SMSS + 12, .ts_val = 500, .ts_ecr = 0 };
	struct synack_config cfg;
	uint32_t a;
	int l;

	memset(u, 0, sizeof *u);
	h_default_config(&cfg);
	cfg.timestamps = 1;
	cfg.sack = 1;
	cfg.recovery = 1;       /* RACK-TLP */
	h_init_cfg(&u->h, &cfg);
	u->peer_tsval = 501;
	l = h_listen(&u->h, SRV_PORT, 16);
	h_send_opt(&u->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(&u->h, F_SYN | F_ACK, u->h.out.seq, PEER_ISN + 1, ANYWIN);
	u->iss = u->h.out.seq;
	u_ack(u, 0, 0, 0, u->h.out.opt.ts_val);         /* the handshake's ACK */
	u->fd = synack_accept(u->h.s, l, &a, NULL);
	cr_assert_geq(u->fd, 0, "the ACK of our SYN-ACK was not taken");
	u->tcb = api_tcb(u->h.s, u->fd);
	cr_assert_not_null(u->tcb);
	cr_assert(u->tcb->ts_ok && u->tcb->sack_ok);
	cr_assert_eq(u->tcb->snd_mss, SMSS);
}

/* Collects the data segments sent now: marks each one's index (rel - b) / SMSS in
 * *seen (twice the same one fails), returns the TSval of the last. */
static uint32_t u_collect(struct u *u, uint32_t b, uint32_t *seen)
{
	uint32_t tsval = 0;

	while (h_next(&u->h)) {
		uint32_t k;

		if (!u->h.out.payload_len)
			continue;
		k = (u->h.out.seq - REL(u, b)) / SMSS;
		cr_assert_eq(u->h.out.seq, REL(u, b + k * SMSS));
		cr_assert_eq(u->h.out.payload_len, SMSS);
		cr_assert(k < NSEG && !(*seen & (1u << k)), "segment %u again", k);
		*seen |= 1u << k;
		tsval = u->h.out.opt.ts_val;
	}
	return tsval;
}

/* One recovery episode on a fresh 6-segment flight (cwnd set back to 10 segments first
 * so every flight goes at once): 50 ms later segments 2..5 are SACKed, so 0 and 1 are
 * lost (RACK, reo_wnd 0) and resent; 10 ms later a partial ACK covers 0 and echoes the
 * retransmission's TSval (RFC 3522's check: not spurious); 10 ms later the full ACK
 * echoes the original's TSval (the original of 1 was only late: undone at the full
 * ACK, Linux tcp_try_undo_recovery) or the retransmission's (a real recovery). */
static void episode(struct u *u, bool spurious)
{
	static const char data[NSEG * SMSS];
	uint32_t b = u->next, tx, rx, seen = 0, rseen = 0, r2;

	u->tcb->cc.cwnd = 10 * SMSS;
	/* reordering "not seen" so that 4 SACKed segments mark 0 and 1 lost at once
	 * (reo_wnd 0, §6.2); the window's size is not what this test is about, its
	 * persistence is */
	u->tcb->rec.rack.reordering_seen = false;
	cr_assert_eq(synack_send(u->h.s, u->fd, data, sizeof data, 0), (long)sizeof data);
	tx = u_collect(u, b, &seen);
	cr_assert_eq(seen, (1u << NSEG) - 1);
	h_advance(&u->h, 50 * MSEC);
	u_ack(u, b, b + 2 * SMSS, b + NSEG * SMSS, tx);
	cr_assert_neq(u->tcb->rec.state, TCP_REC_OPEN, "no recovery at rel %u", b);
	rx = u_collect(u, b, &rseen);
	cr_assert(rseen & 1u, "segment 0 not resent");
	cr_assert_gt(rx, tx);
	h_advance(&u->h, 10 * MSEC);
	u_ack(u, b + SMSS, b + 2 * SMSS, b + NSEG * SMSS, rx);
	cr_assert_neq(u->tcb->rec.state, TCP_REC_OPEN);
	r2 = u_collect(u, b, &rseen);
	/* 0 and 1 resent (a probe of the last segment may go too) */
	cr_assert_eq(rseen & 3u, 3u, "rel %u resent: %#x", b, rseen);
	h_advance(&u->h, 10 * MSEC);
	u_ack(u, b + NSEG * SMSS, 0, 0, spurious ? tx : (r2 ? r2 : rx));
	cr_assert_eq(u->tcb->rec.state, TCP_REC_OPEN);
	u_expect_no_data(u);
	u->next = b + NSEG * SMSS;
	h_advance(&u->h, 10 * MSEC);
}

Test(stream_rec_reo_persist, undone_recoveries_keep_the_widened_window)
{
	struct u u;
	struct tcp_rack *m;

	u_open(&u);
	m = &u.tcb->rec.rack;
	/* as two D-SACK rounds leave them (§6.2 step 4; set directly here, the widening
	 * itself is test_stream_rec_rack's): reo_wnd_mult 3, persistence 16 */
	m->reo_wnd_mult = 3;
	m->reo_wnd_persist = 16;
	/* 20 spurious episodes, each undone at its full ACK: nothing counted */
	for (int i = 0; i < 20; i++) {
		episode(&u, true);
		cr_assert_eq(m->reo_wnd_mult, 3, "episode %d", i);
		cr_assert_eq(m->reo_wnd_persist, 16, "episode %d", i);
	}
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_UNDO_TS), 20);
	/* 16 real recoveries: 15 leave the steps, the 16th resets them to 1 */
	for (int i = 0; i < 15; i++) {
		episode(&u, false);
		cr_assert_eq(m->reo_wnd_mult, 3, "real recovery %d", i);
		cr_assert_eq(m->reo_wnd_persist, (uint8_t)(15 - i), "real recovery %d", i);
	}
	episode(&u, false);
	cr_assert_eq(m->reo_wnd_persist, 0);
	cr_assert_eq(m->reo_wnd_mult, 1);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_UNDO_TS), 20);
	h_fini(&u.h);
}
