/*
 * test_stream_rec_undo.c — a fast retransmit that reordering caused, detected by RFC
 * 3522 (Eifel: the first ACK covering the retransmission echoes a TSval older than the
 * retransmission's) and undone (cwnd and ssthresh as before the recovery, recovery
 * left: Linux tcp_try_undo_partial); a real loss (the ACK echoes the retransmission's
 * TSval) keeps the recovery; without SACK the undo keeps RFC 6582's recover.
 *
 * Fixture: a connection accepted from a peer whose SYN has MSS 1012, timestamps and
 * (when asked) SACK-permitted, window 65535, no window scaling: SMSS = 1000 (12 octets
 * of timestamps); 10000 bytes sent as 10 segments (IW10), CUBIC (the default).
 * Sequence numbers relative to ISS + 1; the peer's TS clock is its own counter.
 */
#include "harness.h"
#include "api/api.h"
#include "tcp/cc.h"
#include "tcp/recovery.h"

#define SMSS 1000u
#define NSEG 10u

struct u {
	struct harness h;
	int fd;
	uint32_t iss;
	struct tcb *tcb;
	uint32_t peer_tsval;    /* the peer's next TSval */
	uint32_t ts0;           /* TSval of our first flight */
};

#define REL(u, x) ((u)->iss + 1 + (uint32_t)(x))

static void u_ack(struct u *u, uint32_t ack, unsigned nsack, const uint32_t *blk,
		  uint32_t tsecr)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = u->peer_tsval++,
				   .ts_ecr = tsecr };

	if (nsack) {
		o.present |= WIRE_HAS_SACK;
		o.sack_count = (uint8_t)nsack;
		for (unsigned i = 0; i < nsack; i++) {
			o.sack[i].left = REL(u, blk[2 * i]);
			o.sack[i].right = REL(u, blk[2 * i + 1]);
		}
	}
	h_send_opt(&u->h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, REL(u, ack), 65535, &o,
		   NULL, 0, 0);
}

/* The next segment with data: exactly [REL(x), REL(x) + SMSS) with TSval tsval. */
static void u_expect(struct u *u, uint32_t x, uint32_t tsval)
{
	do
		cr_assert(h_next(&u->h), "expected data at rel %u, got nothing", x);
	while (!u->h.out.payload_len);
	cr_assert_eq(u->h.out.seq, REL(u, x), "data at rel %u, expected %u",
		     u->h.out.seq - REL(u, 0), x);
	cr_assert_eq(u->h.out.payload_len, SMSS);
	cr_assert(u->h.out.opt.present & WIRE_HAS_TS);
	cr_assert_eq(u->h.out.opt.ts_val, tsval, "TSval %u, expected %u", u->h.out.opt.ts_val,
		     tsval);
}

static void u_expect_no_data(struct u *u)
{
	while (h_next(&u->h))
		cr_assert(!u->h.out.payload_len, "unexpected data at rel %u",
			  u->h.out.seq - REL(u, 0));
}

static void u_open(struct u *u, bool sack)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_TS, .mss = SMSS + 12,
				   .ts_val = 500, .ts_ecr = 0 };
	static char data[NSEG * SMSS];
	struct synack_config cfg;
	uint32_t a;
	int l;

	memset(u, 0, sizeof *u);
	h_default_config(&cfg);
	cfg.timestamps = 1;
	cfg.sack = 1;
	cfg.recovery = 0;       /* RFC 6675 / 6582 recovery (RACK: test_stream_rec_rack) */
	h_init_cfg(&u->h, &cfg);
	u->peer_tsval = 501;
	l = h_listen(&u->h, SRV_PORT, 16);
	if (sack)
		o.present |= WIRE_HAS_SACKOK;
	h_send_opt(&u->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(&u->h, F_SYN | F_ACK, u->h.out.seq, PEER_ISN + 1, ANYWIN);
	u->iss = u->h.out.seq;
	u_ack(u, 0, 0, NULL, u->h.out.opt.ts_val);      /* the handshake's ACK */
	u->fd = synack_accept(u->h.s, l, &a, NULL);
	cr_assert_geq(u->fd, 0, "the ACK of our SYN-ACK was not taken");
	u->tcb = api_tcb(u->h.s, u->fd);
	cr_assert_not_null(u->tcb);
	cr_assert(u->tcb->ts_ok);
	cr_assert_eq(u->tcb->sack_ok, sack);
	cr_assert_eq(u->tcb->snd_mss, SMSS);
	cr_assert_eq(synack_send(u->h.s, u->fd, data, sizeof data, 0), (long)sizeof data);
	do
		cr_assert(h_next(&u->h));
	while (!u->h.out.payload_len);
	u->ts0 = u->h.out.opt.ts_val;
	cr_assert_eq(u->h.out.seq, REL(u, 0));
	for (uint32_t k = 1; k < NSEG; k++)
		u_expect(u, k * SMSS, u->ts0);
	u_expect_no_data(u);
}

/* 50 ms later three SACKs report segments 1..3 (segment 0 missing): RFC 6675 recovery,
 * segment 0 again at once with TSval ts0 + 50. */
static void u_fast_retransmit_sack(struct u *u)
{
	static const uint32_t b1[] = { 1000, 2000 }, b2[] = { 1000, 3000 },
			      b3[] = { 1000, 4000 };

	cr_assert_eq(u->tcb->cc.cwnd, NSEG * SMSS);
	cr_assert_eq(u->tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	h_advance(&u->h, 50 * MSEC);
	u_ack(u, 0, 1, b1, u->ts0);
	u_ack(u, 0, 1, b2, u->ts0);
	u_expect_no_data(u);
	cr_assert_eq(u->tcb->rec.state, TCP_REC_OPEN);
	u_ack(u, 0, 1, b3, u->ts0);
	u_expect(u, 0, u->ts0 + 50);
	u_expect_no_data(u);
	cr_assert_eq(u->tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(u->tcb->cc.ssthresh, 7 * SMSS);    /* CUBIC: 0.7 x 10000 */
	cr_assert_eq(u->tcb->cc.cwnd, 7 * SMSS);
	cr_assert(u->tcb->rec.eifel_armed);
}

Test(stream_rec_undo, sack_reordered_segment_recovery_undone)
{
	struct u u;

	u_open(&u, true);
	u_fast_retransmit_sack(&u);
	/* 1 ms later: the original segment 0 arrived after all; the ACK covers 0..3 and
	 * echoes ts0 (< ts0 + 50): spurious, undone */
	h_advance(&u.h, 1 * MSEC);
	u_ack(&u, 4 * SMSS, 0, NULL, u.ts0);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert(!u.tcb->rec.eifel_armed);
	cr_assert(!u.tcb->rec.has_recover);             /* SACK: may recover again */
	cr_assert_eq(u.tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);   /* slow start again */
	/* cwnd 10000 back, then this ACK's slow-start growth: + 1 SMSS */
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	u_expect_no_data(&u);                           /* nothing else queued */
	/* the retransmitted copy arrives too: a D-SACK, nothing changes */
	u_ack(&u, 4 * SMSS, 1, (const uint32_t[]){ 0, 1000 }, u.ts0 + 50);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_FAST_RETRANS), 1);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_RETRANS), 1);
	h_fini(&u.h);
}

Test(stream_rec_undo, sack_real_loss_keeps_recovery)
{
	struct u u;

	u_open(&u, true);
	u_fast_retransmit_sack(&u);
	/* 50 ms later the retransmission filled the hole: the ACK echoes its TSval */
	h_advance(&u.h, 50 * MSEC);
	u_ack(&u, 4 * SMSS, 0, NULL, u.ts0 + 50);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_SACK);   /* partial: recover is 10000 */
	cr_assert(!u.tcb->rec.eifel_armed);             /* only the first ACK decides */
	cr_assert_eq(u.tcb->cc.ssthresh, 7 * SMSS);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	/* a later ACK echoing an old TSval no longer undoes anything */
	u_ack(&u, 5 * SMSS, 0, NULL, u.ts0);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	u_ack(&u, NSEG * SMSS, 0, NULL, u.ts0 + 50);    /* full ACK: recovery ends */
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	cr_assert_eq(u.tcb->cc.ssthresh, 7 * SMSS);
	h_fini(&u.h);
}

Test(stream_rec_undo, newreno_reordered_segment_undone_recover_kept)
{
	struct u u;

	u_open(&u, false);
	h_advance(&u.h, 50 * MSEC);
	for (int i = 0; i < 3; i++)
		u_ack(&u, 0, 0, NULL, u.ts0);           /* RFC 5681 duplicates */
	u_expect(&u, 0, u.ts0 + 50);
	u_expect_no_data(&u);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_NEWRENO);
	cr_assert_eq(u.tcb->cc.cwnd, 7 * SMSS);
	h_advance(&u.h, 1 * MSEC);
	u_ack(&u, 4 * SMSS, 0, NULL, u.ts0);            /* the original, reordered */
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(u.tcb->rec.inflate, 0);
	cr_assert_eq(u.tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	cr_assert_eq(u.tcb->cc.cwnd, NSEG * SMSS + SMSS);
	/* RFC 6582 step 2: duplicates of this window still start no second recovery */
	cr_assert(u.tcb->rec.has_recover);
	cr_assert_eq(u.tcb->rec.recover, REL(&u, NSEG * SMSS));
	for (int i = 0; i < 3; i++)
		u_ack(&u, 4 * SMSS, 0, NULL, u.ts0);
	u_expect_no_data(&u);
	cr_assert_eq(u.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(synack_counter(u.h.s, SYNACK_CTR_TCP_FAST_RETRANS), 1);
	h_fini(&u.h);
}
