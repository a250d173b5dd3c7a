/*
 * test_stream_rec_reo_persist.c — RFC 8985 §6.2 step 4: a D-SACK-widened reordering
 * window (reo_wnd_mult) persists for 16 loss recoveries; a recovery undone at its full
 * ACK (the ACK echoes a TSval older than the episode's first retransmission: the
 * "lost" segment was only late, Linux tcp_try_undo_recovery) does not count, as Linux
 * decrements reo_wnd_persist only when a recovery ends without undo.
 *
 * Fixture: test_stream_rec_rig.h's rig_accept, from a peer whose SYN has MSS 1012,
 * timestamps and SACK-permitted, window 65535: SMSS = 1000; RACK-TLP on (recovery = 1). Each episode
 * sends 6 segments, the peer SACKs the last 4, the first two are resent, a partial ACK
 * echoes the retransmission's TSval and the full ACK either the original's (undone)
 * or the retransmission's (real).
 */
#include "test_stream_rec_rig.h"
#include "tcp/cc.h"
#include "tcp/rack.h"

#define EPSEG 6u                /* segments of one episode's flight */

static uint32_t next_rel;       /* relative sequence of the next new data */

/* The connection, nothing sent yet. */
static void u_open(struct rig *r)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_TS | WIRE_HAS_SACKOK,
				   .mss = SMSS + 12, .ts_val = 500 };
	struct synack_config cfg;

	h_default_config(&cfg);
	cfg.timestamps = 1;
	cfg.sack = 1;
	cfg.recovery = 1;       /* RACK-TLP */
	rig_accept(r, &cfg, o);
	next_rel = 0;
}

/* Collects the data segments sent now: marks each one's index (rel - b) / SMSS in
 * *seen (twice the same one fails), returns the TSval of the last. */
static uint32_t u_collect(struct rig *u, uint32_t b, uint32_t *seen)
{
	uint32_t tsval = 0;

	while (h_next(&u->h)) {
		uint32_t k;

		if (!u->h.out.payload_len)
			continue;
		k = (u->h.out.seq - REL(u, b)) / SMSS;
		cr_assert_eq(u->h.out.seq, REL(u, b + k * SMSS));
		cr_assert_eq(u->h.out.payload_len, SMSS);
		cr_assert(k < EPSEG && !(*seen & (1u << k)), "segment %u again", k);
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
static void episode(struct rig *u, bool spurious)
{
	static const char data[EPSEG * SMSS];
	uint32_t b = next_rel, tx, rx, seen = 0, rseen = 0, r2;

	u->tcb->cc.cwnd = 10 * SMSS;
	/* reordering "not seen" so that 4 SACKed segments mark 0 and 1 lost at once
	 * (reo_wnd 0, §6.2); the window's size is not what this test is about, its
	 * persistence is */
	u->tcb->rec.rack.reordering_seen = false;
	cr_assert_eq(synack_send(u->h.s, u->fd, data, sizeof data, 0), (long)sizeof data);
	tx = u_collect(u, b, &seen);
	cr_assert_eq(seen, (1u << EPSEG) - 1);
	h_advance(&u->h, 50 * MSEC);
	peer_ack_ts(u, b, 1, B(b + 2 * SMSS, b + EPSEG * SMSS), tx);
	cr_assert_neq(u->tcb->rec.state, TCP_REC_OPEN, "no recovery at rel %u", b);
	rx = u_collect(u, b, &rseen);
	cr_assert(rseen & 1u, "segment 0 not resent");
	cr_assert_gt(rx, tx);
	h_advance(&u->h, 10 * MSEC);
	peer_ack_ts(u, b + SMSS, 1, B(b + 2 * SMSS, b + EPSEG * SMSS), rx);
	cr_assert_neq(u->tcb->rec.state, TCP_REC_OPEN);
	r2 = u_collect(u, b, &rseen);
	/* 0 and 1 resent (a probe of the last segment may go too) */
	cr_assert_eq(rseen & 3u, 3u, "rel %u resent: %#x", b, rseen);
	h_advance(&u->h, 10 * MSEC);
	peer_ack_ts(u, b + EPSEG * SMSS, 0, NULL, spurious ? tx : (r2 ? r2 : rx));
	cr_assert_eq(u->tcb->rec.state, TCP_REC_OPEN);
	expect_no_data(u);
	next_rel = b + EPSEG * SMSS;
	h_advance(&u->h, 10 * MSEC);
}

Test(stream_rec_reo_persist, undone_recoveries_keep_the_widened_window)
{
	struct rig u;
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
	rig_close(&u);
}
