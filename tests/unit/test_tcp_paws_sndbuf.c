/*
 * test_tcp_paws_sndbuf.c — two choices taken from Linux for throughput on reordering
 * paths (docs/choices.md):
 *   - PAWS (RFC 7323 §5.3 R1) lets a "disordered" duplicate ACK through (input.c
 *     is_disordered_ack, Linux tcp_disordered_ack): its SACK blocks are used, its window
 *     and timestamp are not taken; a data segment or a non-duplicate ACK with the same
 *     old timestamp, or a duplicate ACK older than one RTO's worth of ticks, is still
 *     dropped with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
 *   - send-buffer autotuning (tcp/sndbuf.c, Linux tcp_sndbuf_expand): 2 x max(10, cwnd
 *     in segments) x SMSS, never above wmem_max, never after SO_SNDBUF.
 * Fixture: test_stream_rec_rig.h's rig_accept, MSS 1000 (SMSS 988 with timestamps: 12
 * bytes of every segment go to the option), SACK and timestamps on, no window scaling,
 * RFC 6675 recovery (tcp_recovery 0: loss marking by SACK count, deterministic here).
 */
#include "test_stream_rec_rig.h"
#include "tcp/sndbuf.h"

#define PMSS 1000u
#define SM   988u               /* SMSS: PMSS minus the Timestamps option */
#define NS   10u                /* segments of the first flight (IW10) */
#define RN   (PEER_ISN + 1)     /* our RCV.NXT */

static void pw_open(struct rig *p, uint32_t wmem_max, bool send_flight)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS,
				   .mss = PMSS, .ts_val = 100 };
	static char data[NS * SM];
	struct synack_config cfg;

	h_default_config(&cfg);
	cfg.sack = 1;
	cfg.timestamps = 1;
	cfg.recovery = 0;
	if (wmem_max)
		cfg.wmem_max = wmem_max;
	rig_accept(p, &cfg, o);
	if (!send_flight)
		return;
	memset(data, 'x', sizeof data);
	cr_assert_eq(synack_send(p->h.s, p->fd, data, sizeof data, 0), (long)sizeof data);
	for (uint32_t k = 0; k < NS; k++) {
		cr_assert(h_next(&p->h), "flight segment %u missing", k);
		cr_assert_eq(p->h.out.seq, REL(p, k * SM));
		cr_assert_eq(p->h.out.payload_len, SM);
		p->tsecr = p->h.out.opt.ts_val;
	}
	EXPECT_NONE(&p->h);
}

/* The peer's segment at RCV.NXT: ACK rel ack, window win, TSval tsval, SACK blocks
 * (relative pairs), payload len bytes. */
static void pw_seg(struct rig *p, uint32_t ack, uint16_t win, uint32_t tsval, unsigned nsack,
		   const uint32_t *blk, const char *payload, size_t len)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = tsval, .ts_ecr = p->tsecr };

	peer_send(p, ack, win, o, nsack, blk, payload, len);
}

static uint64_t ctr(struct rig *p, int c)
{
	return synack_counter(p->h.s, c);
}

/* The newest duplicate ACK: TSval 300, one segment SACKed. */
static void pw_first_dupack(struct rig *p)
{
	static const uint32_t b1[] = { SM, 2 * SM };

	pw_seg(p, 0, 65535, 300, 1, b1, NULL, 0);
	EXPECT_NONE(&p->h);
	cr_assert_eq(p->tcb->ts_recent, 300u);
	cr_assert_eq(p->tcb->rec.sb.sacked_bytes, SM);
	cr_assert_eq(p->tcb->snd_una, REL(p, 0));
}

Test(tcp_paws_disordered, reordered_dupack_sack_used)
{
	static const uint32_t b2[] = { 2 * SM, 5 * SM };
	struct rig p;

	pw_open(&p, 0, true);
	pw_first_dupack(&p);
	/* an older duplicate ACK (sent before the first, delivered after it) reporting
	 * three more segments, with a smaller window: not dropped by PAWS; with 4 segments
	 * SACKed above SND.UNA the first one is lost (RFC 6675 IsLost): retransmitted */
	pw_seg(&p, 0, 60000, 290, 1, b2, NULL, 0);
	cr_assert(h_next(&p.h), "no retransmission");
	cr_assert_eq(p.h.out.seq, REL(&p, 0), "rel %u", p.h.out.seq - REL(&p, 0));
	cr_assert_eq(p.h.out.payload_len, SM);
	cr_assert_eq(p.h.out.ack, RN);
	EXPECT_NONE(&p.h);
	cr_assert_eq(p.tcb->rec.sb.sacked_bytes, 4 * SM);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS), 0);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 1);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_FAST_RETRANS), 1);
	cr_assert_eq(p.tcb->ts_recent, 300u);   /* TS.Recent never moves back */
	cr_assert_eq(p.tcb->snd_wnd, 65535u);   /* the stale window is not taken */
	h_fini(&p.h);
}

Test(tcp_paws_disordered, data_with_old_timestamp_dropped)
{
	static const uint32_t b2[] = { 2 * SM, 5 * SM };
	struct rig p;

	pw_open(&p, 0, true);
	pw_first_dupack(&p);
	pw_seg(&p, 0, 65535, 290, 1, b2, "old", 3);
	EXPECT_SEG(&p.h, F_ACK, REL(&p, NS * SM), RN, ANYWIN);
	cr_assert_eq(p.h.out.opt.ts_ecr, 300u);
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS), 1);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 0);
	cr_assert_eq(p.tcb->rec.sb.sacked_bytes, SM);   /* its SACK block unused */
	cr_assert_eq(p.tcb->rcv_nxt, RN);
	cr_assert_eq(synack_recv(p.h.s, p.fd, NULL, 0, 0), -EAGAIN);
	h_fini(&p.h);
}

Test(tcp_paws_disordered, new_ack_with_old_timestamp_dropped)
{
	static const uint32_t b2[] = { 2 * SM, 5 * SM };
	struct rig p;

	pw_open(&p, 0, true);
	pw_first_dupack(&p);
	/* acknowledges new data (SEG.ACK > SND.UNA): not a duplicate, PAWS drops it */
	pw_seg(&p, SM, 65535, 290, 1, b2, NULL, 0);
	EXPECT_SEG(&p.h, F_ACK, REL(&p, NS * SM), RN, ANYWIN);
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS), 1);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 0);
	cr_assert_eq(p.tcb->snd_una, REL(&p, 0));
	cr_assert_eq(p.tcb->rec.sb.sacked_bytes, SM);
	h_fini(&p.h);
}

Test(tcp_paws_disordered, window_update_with_old_timestamp_dropped)
{
	struct rig p;

	pw_open(&p, 0, true);
	pw_first_dupack(&p);
	/* a larger window at SND.WL1 would update it (Linux tcp_may_update_window) */
	pw_seg(&p, 0, 65535 - 1, 299, 0, NULL, NULL, 0);    /* smaller: let through */
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 1);
	cr_assert_eq(p.tcb->snd_wnd, 65535u);
	h_fini(&p.h);

	pw_open(&p, 0, true);
	pw_seg(&p, 0, 60000, 300, 0, NULL, NULL, 0);      /* window 60000, TS 300 */
	EXPECT_NONE(&p.h);
	cr_assert_eq(p.tcb->snd_wnd, 60000u);
	pw_seg(&p, 0, 65535, 290, 0, NULL, NULL, 0);      /* older, window larger */
	EXPECT_SEG(&p.h, F_ACK, REL(&p, NS * SM), RN, ANYWIN);
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS), 1);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 0);
	cr_assert_eq(p.tcb->snd_wnd, 60000u);
	h_fini(&p.h);
}

Test(tcp_paws_disordered, older_than_one_rto_dropped)
{
	struct rig p;

	pw_open(&p, 0, true);
	/* RTO 200 ms (rto_min: the handshake's RTT sample was 0): 200 * 1024 / 1000 = 204
	 * ticks of slack (Linux: icsk_rto * 1024 / HZ) */
	cr_assert_eq(tcp_rto_ns(&p.h.s->tcp, p.tcb), 200 * MSEC);
	pw_first_dupack(&p);
	pw_seg(&p, 0, 65535, 300 - 204, 0, NULL, NULL, 0);
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 1);
	pw_seg(&p, 0, 65535, 300 - 205, 0, NULL, NULL, 0);
	EXPECT_SEG(&p.h, F_ACK, REL(&p, NS * SM), RN, ANYWIN);
	EXPECT_NONE(&p.h);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS), 1);
	cr_assert_eq(ctr(&p, SYNACK_CTR_TCP_PAWS_DISORDERED), 1);
	h_fini(&p.h);
}

/* ---- send-buffer autotuning ------------------------------------------------------- */

static int sndbuf_of(struct rig *p)
{
	int v = 0;
	size_t len = sizeof v;

	cr_assert_eq(synack_getsockopt(p->h.s, p->fd, SYNACK_SOL_SOCKET, SYNACK_SO_SNDBUF, &v,
				       &len), 0);
	return v;
}

static char big[1 << 20];

Test(tcp_sndbuf, grows_at_established_and_with_cwnd)
{
	struct rig p;

	pw_open(&p, 0, false);
	/* ESTABLISHED: 2 x IW10 x SMSS (Linux tcp_init_buffer_space) */
	cr_assert_eq(sndbuf_of(&p), (int)(2 * 10 * SM));
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0), (long)(2 * 10 * SM));
	cr_assert_eq(synack_send(p.h.s, p.fd, big, 1, 0), -EAGAIN);
	while (h_next(&p.h))
		p.tsecr = p.h.out.opt.ts_val;
	/* cwnd 50 segments, an ACK frees one segment while not cwnd-limited; slow start
	 * takes cwnd to 51 segments (RFC 5681 §3.1): 2 x 51 x SMSS */
	p.tcb->cc.cwnd = 50 * SM;
	cr_assert_eq(tcp_sndbuf_target(&p.h.s->tcp, p.tcb), 2 * 50 * SM);
	pw_seg(&p, SM, 65535, 300, 0, NULL, NULL, 0);
	cr_assert_eq(p.tcb->cc.cwnd, 51 * SM);
	cr_assert_eq(sndbuf_of(&p), (int)(2 * 51 * SM));
	/* the ring grows on the next send: exactly the new room is taken */
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0),
		     (long)(2 * 51 * SM - (2 * 10 * SM - SM)));
	cr_assert_eq(synack_send(p.h.s, p.fd, big, 1, 0), -EAGAIN);
	h_fini(&p.h);
}

Test(tcp_sndbuf, not_while_cwnd_limited)
{
	struct rig p;
	uint32_t segs;

	pw_open(&p, 0, false);
	p.tcb->cc.cwnd = p.tcb->cc.ssthresh = 20 * SM;  /* congestion avoidance */
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0), (long)(20 * SM));
	for (uint32_t k = 0; k < 20; k++) {
		cr_assert(h_next(&p.h));
		cr_assert_eq(p.h.out.seq, REL(&p, k * SM));
		p.tsecr = p.h.out.opt.ts_val;
	}
	EXPECT_NONE(&p.h);
	/* cwnd cut to 12 segments with 19 still in flight after the next ACK: the
	 * sender is cwnd-limited, Linux does not expand (the target would be 2 x 12) */
	p.tcb->cc.cwnd = p.tcb->cc.ssthresh = 12 * SM;
	pw_seg(&p, SM, 65535, 300, 0, NULL, NULL, 0);
	cr_assert_eq(tcp_pipe(p.tcb), 19 * SM);
	cr_assert_lt(p.tcb->cc.cwnd, 13 * SM);
	cr_assert_gt(tcp_sndbuf_target(&p.h.s->tcp, p.tcb), 20 * SM);
	cr_assert_eq(sndbuf_of(&p), (int)(20 * SM));
	/* an ACK that leaves 10 in flight (< cwnd): now it grows to 2 x cwnd segments */
	pw_seg(&p, 10 * SM, 65535, 301, 0, NULL, NULL, 0);
	cr_assert_eq(tcp_pipe(p.tcb), 10 * SM);
	segs = p.tcb->cc.cwnd / SM;
	cr_assert_geq(segs, 12);
	cr_assert_eq(sndbuf_of(&p), (int)(2 * segs * SM));
	h_fini(&p.h);
}

Test(tcp_sndbuf, never_above_wmem_max)
{
	struct rig p;

	pw_open(&p, 30000, false);
	cr_assert_eq(sndbuf_of(&p), (int)(2 * 10 * SM));        /* 19760 < 30000 */
	p.tcb->cc.cwnd = 1000 * SM;
	cr_assert_eq(tcp_sndbuf_target(&p.h.s->tcp, p.tcb), 30000u);
	tcp_sndbuf_expand(&p.h.s->tcp, p.tcb);
	cr_assert_eq(sndbuf_of(&p), 30000);
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0), 30000);
	h_fini(&p.h);

	pw_open(&p, 8000, false);       /* a cap below the default: the default stays */
	cr_assert_eq(sndbuf_of(&p), 16384);
	h_fini(&p.h);
}

Test(tcp_sndbuf, so_sndbuf_locks_it)
{
	struct rig p;
	int v = 12000;

	pw_open(&p, 0, false);
	cr_assert_eq(synack_setsockopt(p.h.s, p.fd, SYNACK_SOL_SOCKET, SYNACK_SO_SNDBUF, &v,
				       sizeof v), 0);
	cr_assert_eq(sndbuf_of(&p), 12000);
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0), 12000);
	while (h_next(&p.h))
		p.tsecr = p.h.out.opt.ts_val;
	p.tcb->cc.cwnd = 50 * SM;
	pw_seg(&p, SM, 65535, 300, 0, NULL, NULL, 0);
	cr_assert_eq(sndbuf_of(&p), 12000);
	tcp_sndbuf_expand(&p.h.s->tcp, p.tcb);
	cr_assert_eq(sndbuf_of(&p), 12000);
	cr_assert_eq(synack_send(p.h.s, p.fd, big, sizeof big, 0), (long)SM);
	h_fini(&p.h);
}
