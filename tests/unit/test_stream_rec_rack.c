/* test_stream_rec_rack.c — RACK-TLP (RFC 8985) on a SACK connection (net.ipv4.
 * tcp_recovery = 1): the reordering window and its timer (§6.2 steps 4-5, §6.3), a lost
 * retransmission found by time instead of the RTO, the tail loss probe (§7.2-7.3) and
 * reordering/D-SACK widening reo_wnd. Exact segments, timer deadlines, cwnd.
 *
 * Fixture: test_stream_rec_rig.h (MSS 1000, no timestamps, 10 segments sent at t0 in
 * IW10, CUBIC). SRTT is set to 40 ms before the flight (the rig's handshake takes no
 * time, which would give SRTT 0 and so reo_wnd = min(.., SRTT) = 0): a 40 ms path. */
#include "test_stream_rec_rig.h"
#include "tcp/cc.h"
#include "tcp/rack.h"

static uint64_t t0;

static void open40(struct rig *r)
{
	rig_open_rec(r, true, 1);
	r->tcb->rtt.srtt_us = 40000;
	r->tcb->rtt.rttvar_us = 0;
	t0 = r->h.now;
	expect_flight(r);
}

static uint64_t rexmit_deadline(const struct rig *r)
{
	return r->tcb->deadline[TCP_T_RETRANSMIT];
}

Test(stream_rec_rack, one_sack_then_the_reordering_window)
{
	struct rig r;

	open40(&r);
	/* t0 + 40 ms: only the last segment arrived. RACK.rtt 40 ms; no reordering seen
	 * and 1 segment SACKed (< DupThresh): reo_wnd = min_RTT / 4 = 10 ms, so nothing
	 * is lost yet (0..8 are due at t0 + 50 ms) and the reordering timer waits */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 0, 65535, 1, B(9000, 10000));
	cr_assert_eq(r.tcb->rec.rack.rtt_us, 40000);
	cr_assert_eq(r.tcb->rec.rack.min_rtt_us, 40000);
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, r.tcb), 10 * MSEC);
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_REO);
	cr_assert_eq(rexmit_deadline(&r), t0 + 50 * MSEC);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	expect_no_data(&r);
	/* one ms early: nothing */
	h_at(&r.h, t0 + 49 * MSEC);
	expect_no_data(&r);
	/* §6.3: the timer marks 0..8 lost (9000 bytes), recovery begins: ssthresh = 0.7 x
	 * 10000 (CUBIC); PRR (RFC 6937) as Linux's tcp_rack_reo_timeout counts one segment
	 * delivered: pipe = 10000 - 1000 SACKed - 9000 lost = 0 <= ssthresh, sndcnt =
	 * MIN(ssthresh - pipe, MAX(1000 - 0, 1000)) = 1000, cwnd = pipe + sndcnt: only 0
	 * is resent (RFC 6675 alone would send 0..6 at once), 1..8 wait for ACKs */
	h_at(&r.h, t0 + 50 * MSEC);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(r.tcb->cc.ssthresh, 7000);
	cr_assert_eq(r.tcb->cc.cwnd, 1000);
	cr_assert_eq(fast_retrans(&r), 1);
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.rack.lost_bytes, 8000);
	cr_assert_eq(tcp_pipe(r.tcb), 1000);
	cr_assert_eq(r.tcb->rec.prr_out, 1000);
	/* the RTO is back in the slot, from the timer's expiry */
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_RTO);
	cr_assert_eq(rexmit_deadline(&r), t0 + 50 * MSEC + 200 * MSEC);
	rig_close(&r);
}

Test(stream_rec_rack, lost_retransmission_found_without_rto)
{
	static const char more[3000];
	struct rig r;

	open40(&r);
	cr_assert_eq(synack_send(r.h.s, r.fd, more, sizeof more, 0), (long)sizeof more);
	expect_no_data(&r);             /* cwnd (IW10) is full */
	/* t0 + 40: 1..9 SACKed, 0 missing: 9000 SACKed >= DupThresh segments and no
	 * reordering seen: reo_wnd 0, 0 is lost at once; recovery, cwnd 7000; 0 resent,
	 * then new data (RFC 6675 NextSeg (2)) as pipe allows: 10, 11, 12 */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 0, 65535, 1, B(1000, 10000));
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, r.tcb), 0);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	expect_seg(&r, 0, SMSS);
	expect_seg(&r, 10000, SMSS);
	expect_seg(&r, 11000, SMSS);
	expect_seg(&r, 12000, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.recover, REL(&r, 10000));
	/* t0 + 80: 10..12 (sent with the retransmission, after it in sequence) arrived, 0
	 * did not: the retransmission is lost (§6.2 step 5; RFC 6675 would wait for the
	 * RTO) and goes again at once, within the same recovery */
	h_at(&r.h, t0 + 80 * MSEC);
	peer_ack(&r, 0, 65535, 1, B(1000, 13000));
	cr_assert_eq(r.tcb->rec.rack.end_seq, REL(&r, 13000));
	expect_seg(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RTO), 0);
	cr_assert_eq(fast_retrans(&r), 1);
	cr_assert_eq(r.tcb->total_retrans, 2);
	/* t0 + 120: everything acknowledged: recovery ends at RecoveryPoint, cwnd 7000 */
	h_at(&r.h, t0 + 120 * MSEC);
	peer_ack(&r, 13000, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->cc.cwnd, 7000);
	cr_assert_eq(r.tcb->rec.rack.n, 0);
	rig_close(&r);
}

Test(stream_rec_rack, tail_loss_probe_then_recovery)
{
	struct rig r;
	uint32_t cw;

	open40(&r);
	/* t0 + 40: 0..7 acknowledged, 8 and 9 (the tail) lost. Nothing SACKed: no
	 * recovery. §7.2: PTO = 2 SRTT + 2 ms (2 segments in flight) = 82 ms, before the
	 * RTO (200 ms) */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 8000, 65535, 0, NULL);
	expect_no_data(&r);
	cw = r.tcb->cc.cwnd;            /* slow start: 10000 + 1 SMSS */
	cr_assert_eq(cw, 11000);
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_TLP);
	cr_assert_eq(rexmit_deadline(&r), t0 + 40 * MSEC + 82 * MSEC);
	h_at(&r.h, t0 + 121 * MSEC);
	expect_no_data(&r);
	/* §7.3: no new data, so the probe is the last segment; then the RTO is armed */
	h_at(&r.h, t0 + 122 * MSEC);
	expect_data(&r, 9000, SMSS);
	expect_no_data(&r);
	cr_assert(r.tcb->rec.rack.tlp_out);
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_RTO);
	cr_assert_eq(rexmit_deadline(&r), t0 + 122 * MSEC + 200 * MSEC);
	cr_assert_eq(r.tcb->cc.cwnd, cw);      /* a probe is not a congestion event */
	/* t0 + 162: the probe's SACK (9 delivered, sent at t0 + 122) shows 8 lost (sent at
	 * t0, due at t0 + 40 + 10 ms): recovery with one fast retransmission, no RTO */
	h_at(&r.h, t0 + 162 * MSEC);
	peer_ack(&r, 8000, 65535, 1, B(9000, 10000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	expect_data(&r, 8000, SMSS);
	expect_no_data(&r);
	h_at(&r.h, t0 + 202 * MSEC);
	peer_ack(&r, 10000, 65535, 0, NULL);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert(!r.tcb->rec.rack.tlp_out);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RTO), 0);
	cr_assert_eq(fast_retrans(&r), 1);
	rig_close(&r);
}

Test(stream_rec_rack, reordering_and_dsack_widen_the_window)
{
	struct rig r;

	open40(&r);
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 2000, 65535, 0, NULL);
	peer_ack(&r, 2000, 65535, 1, B(3000, 6000));
	/* 3 segments SACKed, no reordering seen yet: DupThresh's reo_wnd 0 */
	cr_assert(!r.tcb->rec.rack.reordering_seen);
	/* 2 arrives late (below RACK.fack 6000): reordering (§6.2 step 3) */
	peer_ack(&r, 6000, 65535, 0, NULL);
	cr_assert(r.tcb->rec.rack.reordering_seen);
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, r.tcb), 10 * MSEC);
	/* a D-SACK (below the cumulative ACK, RFC 2883): reo_wnd_mult 2, for 16
	 * recoveries (§6.2 step 4); a second one in the same round changes nothing */
	peer_ack(&r, 6000, 65535, 1, B(2000, 3000));
	cr_assert_eq(r.tcb->rec.rack.reo_wnd_mult, 2);
	cr_assert_eq(r.tcb->rec.rack.reo_wnd_persist, 16);
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, r.tcb), 20 * MSEC);
	peer_ack(&r, 6000, 65535, 1, B(2000, 3000));
	cr_assert_eq(r.tcb->rec.rack.reo_wnd_mult, 2);
	/* never above SRTT */
	r.tcb->rec.rack.reo_wnd_mult = 9;
	cr_assert_eq(tcp_rack_reo_wnd_ns(NULL, r.tcb), 40 * MSEC);
	rig_close(&r);
}

Test(stream_rec_rack, off_keeps_rfc6675)
{
	struct rig r;

	rig_open_rec(&r, true, 0);
	expect_flight(&r);
	h_advance(&r.h, 40 * MSEC);
	/* one SACKed segment: RFC 6675 needs DupThresh; no RACK timer, no map */
	peer_ack(&r, 0, 65535, 1, B(9000, 10000));
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_RTO);
	cr_assert_null(r.tcb->rec.rack.seg);
	expect_no_data(&r);
	rig_close(&r);
}

Test(stream_rec_rack, every_retransmission_dsacked_undoes)
{
	struct rig r;

	open40(&r);
	/* 1..9 SACKed: 0 lost at once, recovery, cwnd 7000, 0 resent */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 0, 65535, 1, B(1000, 10000));
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(r.tcb->cc.cwnd, 7000);
	expect_data(&r, 0, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.undo_retrans, 1);
	/* the original was only late: the peer reports the copy as a duplicate (D-SACK
	 * below the cumulative ACK, RFC 2883): the one retransmission of the episode was
	 * not needed (RFC 3708), the reduction is undone (Linux tcp_try_undo_dsack) */
	h_at(&r.h, t0 + 60 * MSEC);
	peer_ack(&r, 10000, 65535, 1, B(0, 1000));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_UNDO_DSACK), 1);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	cr_assert_geq(r.tcb->cc.cwnd, 10000);
	rig_close(&r);
}

Test(stream_rec_rack, dsack_for_part_of_the_retransmissions_keeps_the_reduction)
{
	struct rig r;

	open40(&r);
	/* 0 and 1 missing, 2..9 SACKed: both lost (reo_wnd 0), both resent */
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 0, 65535, 1, B(2000, 10000));
	expect_data(&r, 0, SMSS);
	expect_data(&r, 1000, SMSS);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.undo_retrans, 2);
	/* only 0's copy was a duplicate: 1 was really lost */
	h_at(&r.h, t0 + 80 * MSEC);
	peer_ack(&r, 10000, 65535, 1, B(0, 1000));
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_UNDO_DSACK), 0);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_eq(r.tcb->cc.ssthresh, 7000);
	cr_assert_eq(r.tcb->cc.cwnd, 7000);
	rig_close(&r);
}

/* An idle connection holds no transmit map (DESIGN.md: idle connections small): once
 * the flight is acknowledged the map goes back to the buffer cache and the connection
 * costs what it did before it sent; the next flight allocates it again and RACK finds
 * a loss by time as before (two segments SACKed, below DupThresh: RFC 6675 would wait). */
Test(stream_rec_rack, idle_connection_releases_the_map)
{
	static const char more[3000];
	char buf[1000];
	struct rig r;

	open40(&r);
	/* one send time: one entry (rack.h "Runs"), the tcb's inline one */
	cr_assert_eq(r.tcb->rec.rack.n, 1);
	cr_assert_eq(r.tcb->rec.rack.cap, 1);
	cr_assert_gt(rig_live_bytes(&r), r.idle_bytes);
	h_at(&r.h, t0 + 40 * MSEC);
	peer_ack(&r, 10000, 65535, 0, NULL);
	expect_no_data(&r);
	/* and the peer's 500 bytes, read: the receive ring goes back too */
	h_send_data(&r.h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, r.peer_seq, REL(&r, 10000), 65535,
		    more, 500);
	r.peer_seq += 500;
	cr_assert_gt(rig_live_bytes(&r), r.idle_bytes);
	cr_assert_eq(synack_recv(r.h.s, r.fd, buf, sizeof buf, 0), 500);
	expect_no_data(&r);
	cr_assert_null(r.tcb->rec.rack.seg);
	cr_assert_eq(r.tcb->rec.rack.cap, 0);
	cr_assert(r.tcb->rec.rack.active);
	cr_assert_leq(rig_live_bytes(&r), r.idle_bytes, "idle: %zu bytes live, %zu before data",
		      rig_live_bytes(&r), r.idle_bytes);
	/* the next flight: 10000..12999 at t0 + 40, the map back (RACK.min_RTT 40 ms) */
	cr_assert_eq(synack_send(r.h.s, r.fd, more, sizeof more, 0), (long)sizeof more);
	expect_seg(&r, 10000, SMSS);
	expect_seg(&r, 11000, SMSS);
	expect_seg(&r, 12000, SMSS);
	expect_no_data(&r);
	cr_assert_null(r.tcb->rec.rack.seg);
	cr_assert_eq(r.tcb->rec.rack.n, 1);
	/* t0 + 80: 11000..12999 SACKed; reo_wnd = min_RTT / 4 = 10 ms: 10000 is lost at
	 * t0 + 40 + 40 + 10 (§6.2 step 5), found by the reordering timer, resent */
	h_at(&r.h, t0 + 80 * MSEC);
	peer_ack(&r, 10000, 65535, 1, B(11000, 13000));
	expect_no_data(&r);
	cr_assert_not_null(r.tcb->rec.rack.seg);       /* the SACK split the run */
	cr_assert_eq(r.tcb->rec.rack.n, 3);
	cr_assert_eq(r.tcb->rec.rack.timer, TCP_RACK_T_REO);
	cr_assert_eq(rexmit_deadline(&r), t0 + 90 * MSEC);
	h_at(&r.h, t0 + 90 * MSEC);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_SACK);
	cr_assert_eq(fast_retrans(&r), 1);
	expect_seg(&r, 10000, SMSS);
	expect_no_data(&r);
	cr_assert_eq(synack_counter(r.h.s, SYNACK_CTR_TCP_RTO), 0);
	/* t0 + 130: all acknowledged: recovery ends, the map is released again */
	h_at(&r.h, t0 + 130 * MSEC);
	peer_ack(&r, 13000, 65535, 0, NULL);
	expect_no_data(&r);
	cr_assert_eq(r.tcb->rec.state, TCP_REC_OPEN);
	cr_assert_null(r.tcb->rec.rack.seg);
	cr_assert_leq(rig_live_bytes(&r), r.idle_bytes, "idle: %zu bytes live, %zu before data",
		      rig_live_bytes(&r), r.idle_bytes);
	rig_close(&r);
}
