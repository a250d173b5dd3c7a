/* test_stream_rec_prr.c — Proportional Rate Reduction (RFC 6937 §3, with the
 * slow-start reduction bound as Linux's tcp_cwnd_reduction) during SACK recovery:
 * exactly which segments each ACK releases, in the proportional phase (pipe above
 * ssthresh: one segment per two delivered with Reno's halving), in the reduction-bound
 * phase (pipe at or below ssthresh: packet conservation, plus one SMSS on an ACK that
 * advances SND.UNA without a new loss), cwnd == ssthresh when recovery ends, and the
 * RACK entry from the reordering timer (one segment, not a burst).
 *
 * Fixture: test_stream_rec_rig.h (MSS 1000, no timestamps), with cwnd raised to 20
 * segments before the first transmission and 20 more segments queued, Reno (ssthresh =
 * FlightSize / 2), net.ipv4.tcp_recovery = 0 (RFC 6675's IsLost () decides the losses,
 * so the expectations do not depend on time). */
#include "test_stream_rec_rig.h"
#include "tcp/cc.h"

#define WIN 20u                 /* segments in flight when the losses happen */

/* 20 segments [0, 20000) in flight, 20000 more bytes queued. */
static void open20(struct rig *r, uint32_t recovery)
{
	static const char more[WIN * SMSS];
	struct synack_config cfg;

	h_default_config(&cfg);
	cfg.sack = 1;
	cfg.recovery = recovery;
	cfg.wmem_default = 64 * 1024;           /* 40 segments queued */
	rig_open_cfg(r, true, &cfg);
	r->tcb->cc.ops = &tcp_cc_newreno;       /* Reno: ssthresh = FlightSize / 2 */
	r->tcb->cc.cwnd = WIN * SMSS;
	cr_assert_eq(synack_send(r->h.s, r->fd, more, sizeof more, 0), (long)sizeof more);
	for (uint32_t k = 0; k < WIN; k++)
		expect_seg(r, k * SMSS, SMSS);
	expect_no_data(r);
}

/* The data segments output sends now: their relative starts in out[] (each one SMSS
 * long), how many in the result. */
static unsigned drain(struct rig *r, uint32_t *out, unsigned max)
{
	unsigned n = 0;

	while (h_next(&r->h)) {
		if (!r->h.out.payload_len)
			continue;
		cr_assert_eq(r->h.out.payload_len, SMSS);
		cr_assert_lt(n, max);
		out[n++] = r->h.out.seq - REL(r, 0);
	}
	return n;
}

/*
 * One loss in a window of 20 (RFC 6937 §6's first example, with SACK): segment 0 is
 * lost, the first ACK SACKs 1..3 (IsLost (0): recovery begins with one ACK, no limited
 * transmit to muddle RecoverFS), each later ACK SACKs one more. ssthresh = 20000 / 2,
 * RecoverFS = 20000.
 *   ACK 1 (3000 delivered): pipe 16000 > ssthresh, sndcnt = CEIL(3000 * 10000 /
 *     20000) - 0 = 1500: the fast retransmit of 0 (prr_out 1000).
 *   ACK k = 2..13 (1000 each, prr_delivered (k + 2) * 1000): CEIL(prr_delivered / 2)
 *     - prr_out is 1000 on even k and 500 on odd k: new segments 20, 21, ... on even
 *     ACKs only — half the delivery rate, no burst and no stall (RFC 6675 alone sends
 *     nothing until pipe falls under cwnd = ssthresh, 7 ACKs here, then one per ACK).
 *   ACK 14: pipe = ssthresh = 10000: the reduction bound, sndcnt = MIN(ssthresh -
 *     pipe, ...) = 0.
 *   ACK 15..17: pipe 9000: sndcnt = MIN(1000, MAX(prr_delivered - prr_out,
 *     DeliveredData)) = 1000 (no SND.UNA advance: no extra SMSS): one each, pipe
 *     stays at ssthresh.
 *   The ACK of the retransmission covers everything below 20000 = RecoveryPoint:
 *   recovery ends with cwnd = ssthresh = 10000 exactly.
 */
Test(stream_rec_prr, one_loss_proportional_then_conservation)
{
	/* what each ACK k (index) releases: -1 none, else the relative start */
	static const int32_t want[18] = {
		-1, 0, 20000, -1, 21000, -1, 22000, -1, 23000, -1, 24000, -1, 25000,
		-1, -1, 26000, 27000, 28000,
	};
	static const uint32_t pipe_after[18] = {
		0, 17000, 17000, 16000, 16000, 15000, 15000, 14000, 14000, 13000, 13000,
		12000, 12000, 11000, 10000, 10000, 10000, 10000,
	};
	struct rig r;
	uint32_t got[4];

	open20(&r, 0);
	for (uint32_t k = 1; k <= 17; k++) {
		unsigned n;

		peer_ack(&r, 0, 65535, 1, B(1000, (k + 3) * SMSS));
		cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK, "ACK %u", k);
		if (k == 1) {
			cr_assert_eq(r.tcb->cc.ssthresh, 10000);
			cr_assert_eq(r.tcb->rec.recover_fs, 20000);
			cr_assert_eq(r.tcb->cc.cwnd, 16000 + 1500);
		}
		n = drain(&r, got, 4);
		if (want[k] < 0) {
			cr_assert_eq(n, 0, "ACK %u released %u segment(s), first at %u", k, n,
				     n ? got[0] : 0);
		} else {
			cr_assert_eq(n, 1, "ACK %u released %u segments, want one at %d", k, n,
				     want[k]);
			cr_assert_eq(got[0], (uint32_t)want[k], "ACK %u sent %u, want %d", k,
				     got[0], want[k]);
		}
		cr_assert_eq(r.tcb->rec.prr_delivered, (k + 2) * SMSS, "ACK %u", k);
		cr_assert_eq(tcp_pipe(r.tcb), pipe_after[k], "ACK %u: pipe %u, want %u", k,
			     tcp_pipe(r.tcb), pipe_after[k]);
	}
	cr_assert_eq(r.tcb->rec.prr_out, 10 * SMSS);
	/* the retransmitted 0 arrives: ACK 20000, RecoveryPoint: recovery ends at
	 * cwnd = ssthresh; pipe 9000 (20..28): one new segment */
	peer_ack(&r, WIN * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->cc.cwnd, r.tcb->cc.ssthresh);
	cr_assert_eq(r.tcb->cc.cwnd, 10000);
	cr_assert_eq(drain(&r, got, 4), 1);
	cr_assert_eq(got[0], 29000);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RETRANS), 1);
	rig_close(&r);
}

/*
 * Heavy loss: 0..14 lost, 15..19 SACKed by one ACK. pipe = 0, far below ssthresh
 * (10000): the reduction bound allows what was delivered (5000), not ssthresh at once
 * (RFC 6675 would send 10 segments back to back): 0..4. Then each ACK that advances
 * SND.UNA with no new loss (a "safe" ACK) releases its delivery plus one SMSS (PRR-SSRB:
 * slow start toward ssthresh): two segments per ACK of one, until pipe reaches
 * ssthresh.
 */
Test(stream_rec_prr, deep_loss_reduction_bound_slow_start)
{
	/* ACK n (SACK 15..19 on each): the segments it releases. ACK 1000..3000: pipe
	 * 4000 -> 5000 -> 6000 after the ACK, bound MAX(delivered, prr_delivered -
	 * prr_out) + SMSS = 2000: two each. ACK 4000: pipe 7000, two (pipe 9000);
	 * ACK 5000: pipe 8000, ssthresh - pipe = 2000: two; ACK 6000: pipe 9000,
	 * ssthresh - pipe = 1000 caps the bound: one, new data (20) since 0..14 are all
	 * resent */
	static const struct {
		uint32_t ack, n, seg[2];
	} step[] = {
		{ 1000, 2, { 5000, 6000 } },  { 2000, 2, { 7000, 8000 } },
		{ 3000, 2, { 9000, 10000 } }, { 4000, 2, { 11000, 12000 } },
		{ 5000, 2, { 13000, 14000 } }, { 6000, 1, { 20000 } },
	};
	struct rig r;
	uint32_t got[12];

	open20(&r, 0);
	peer_ack(&r, 0, 65535, 1, B(15000, 20000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(r.tcb->cc.ssthresh, 10000);
	cr_assert_eq(r.tcb->cc.cwnd, 5000);             /* pipe 0 + sndcnt 5000 */
	cr_assert_eq(drain(&r, got, 12), 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(got[i], i * SMSS);
	for (unsigned k = 0; k < sizeof step / sizeof step[0]; k++) {
		peer_ack(&r, step[k].ack, 65535, 1, B(15000, 20000));
		cr_assert(!r.tcb->rec.prr_lost);
		cr_assert_eq(drain(&r, got, 12), step[k].n, "ACK %u", step[k].ack);
		for (uint32_t i = 0; i < step[k].n; i++)
			cr_assert_eq(got[i], step[k].seg[i], "ACK %u: sent %u, want %u",
				     step[k].ack, got[i], step[k].seg[i]);
	}
	cr_assert_eq(tcp_pipe(r.tcb), 10000);
	cr_assert_eq(r.tcb->rec.prr_out, 16 * SMSS);
	cr_assert_eq(r.tcb->rec.prr_delivered, 11 * SMSS);
	/* ACK 20000 (RecoveryPoint; 20 still out): recovery ends, cwnd = ssthresh */
	peer_ack(&r, WIN * SMSS, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->cc.cwnd, 10000);
	rig_close(&r);
}

/*
 * 0..9 and 15 lost, 10..14 SACKed first. A D-SACK alone (nothing newly delivered)
 * changes nothing (Linux returns early); an ACK that advances SND.UNA but marks a new
 * loss (15, by IsLost ()) gets no extra SMSS from the reduction bound; the next one,
 * with no new loss, does.
 */
Test(stream_rec_prr, dsack_alone_and_new_loss_get_nothing_extra)
{
	struct rig r;
	uint32_t got[12];

	open20(&r, 0);
	/* pipe = 20000 - 5000 SACKed - 10000 lost = 5000 <= ssthresh: sndcnt = MIN(10000 -
	 * 5000, MAX(5000, 5000)) = 5000: 0..4 */
	peer_ack(&r, 0, 65535, 1, B(10000, 15000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(r.tcb->cc.cwnd, 10000);
	cr_assert_eq(drain(&r, got, 12), 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(got[i], i * SMSS);
	/* a D-SACK of 12 (RFC 2883 §4: inside the second block): delivered 0 */
	peer_ack(&r, 0, 65535, 2, B(12000, 13000, 10000, 15000));
	cr_assert_eq(r.tcb->cc.cwnd, 10000);
	cr_assert_eq(r.tcb->rec.prr_delivered, 5000);
	cr_assert_eq(drain(&r, got, 12), 0);
	/* ACK 1000, SACK 10..14 and 16..19: delivered 1000 + 4000, 15 now IsLost ():
	 * pipe = 1..4 resent = 4000; MIN(6000, MAX(10000 - 5000, 5000)) = 5000, no extra
	 * SMSS: 5..9 (lost first in sequence order), not 15 */
	peer_ack(&r, 1000, 65535, 2, B(16000, 20000, 10000, 15000));
	cr_assert(r.tcb->rec.prr_lost);
	cr_assert_eq(r.tcb->rec.prr_delivered, 10000);
	cr_assert_eq(drain(&r, got, 12), 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(got[i], (5 + i) * SMSS);
	cr_assert_eq(tcp_pipe(r.tcb), 9000);
	/* ACK 2000, nothing new lost (safe): pipe 8000; MIN(2000, MAX(11000 - 10000,
	 * 1000) + 1000) = 2000: 15, then new data 20 */
	peer_ack(&r, 2000, 65535, 2, B(16000, 20000, 10000, 15000));
	cr_assert(!r.tcb->rec.prr_lost);
	cr_assert_eq(drain(&r, got, 12), 2);
	cr_assert_eq(got[0], 15000);
	cr_assert_eq(got[1], 20000);
	cr_assert_eq(tcp_pipe(r.tcb), 10000);
	rig_close(&r);
}
