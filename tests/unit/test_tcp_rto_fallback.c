/* test_tcp_rto_fallback.c — RFC 6298 (5.7): after the SYN (active open) or the SYN-ACK
 * (passive open) timed out, the first data segment's RTO is 3 s, not the 1 s initial
 * RTO. As Linux (tcp_init_metrics, TCP_TIMEOUT_FALLBACK) the rule is "no RTT sample from
 * the handshake": a handshake measured through timestamps despite the retransmission
 * keeps its measured RTO, and a SYN-cookie handshake without timestamps, which cannot
 * be timed, falls back too. Every case asserts the virtual time of the first data
 * retransmission (nothing 1 ns before it) and of the second (the doubled RTO). */
#include "harness.h"

static const uint8_t blob[100] = { 1, 2, 3 };

static void expect_data(struct harness *h, uint32_t seq)
{
	cr_assert(h_next(h), "no segment at %llu ns", (unsigned long long)h->now);
	cr_assert_eq(h->out.seq, seq, "seq %u, want %u", h->out.seq, seq);
	cr_assert_eq(h->out.payload_len, sizeof blob, "len %zu", (size_t)h->out.payload_len);
}

/* Sends 100 bytes at h->now from SND.NXT = seq, then asserts the retransmissions at
 * now + rto and now + 3 rto (RFC 6298 (5.5) doubling), and none just before either. */
static void expect_rexmits(struct harness *h, int fd, uint32_t seq, uint64_t rto)
{
	uint64_t t = h->now;

	cr_assert_eq(synack_send(h->s, fd, blob, sizeof blob, 0), (ssize_t)sizeof blob);
	expect_data(h, seq);
	EXPECT_NONE(h);
	h_at(h, t + rto - 1);
	EXPECT_NONE(h);
	h_at(h, t + rto);
	expect_data(h, seq);
	EXPECT_NONE(h);
	h_at(h, t + 3 * rto - 1);
	EXPECT_NONE(h);
	h_at(h, t + 3 * rto);
	expect_data(h, seq);
}

static void init_ts(struct harness *h, uint32_t timestamps, uint32_t syncookies)
{
	struct synack_config c;

	h_default_config(&c);
	c.timestamps = timestamps;
	c.syncookies = syncookies;
	h_init_cfg(h, &c);
}

/* Active open: SYN at t0, lost; the retransmission at t0 + 1 s is answered after
 * answer_ms. With ts, the SYN-ACK echoes the second SYN's TSval. */
static int active_after_lost_syn(struct harness *h, bool lost, bool ts, uint64_t answer_ms,
				 uint32_t *iss)
{
	struct wire_tcp_opts o = { 0 };
	int fd = synack_socket(h->s);
	uint16_t lport;

	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	*iss = h->out.seq;
	lport = h->out.sport;
	if (lost) {
		h_advance(h, 1 * SEC);
		EXPECT_SEG(h, F_SYN, *iss, 0, ANYWIN);
	}
	cr_assert_eq(!!(h->out.opt.present & WIRE_HAS_TS), ts);
	if (ts) {
		o.present = WIRE_HAS_TS;
		o.ts_val = 7000;
		o.ts_ecr = h->out.opt.ts_val;
	}
	h_advance(h, answer_ms * MSEC);
	h_send_opt(h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, *iss + 1, 65535, &o, NULL, 0,
		   0);
	EXPECT_SEG(h, F_ACK, *iss + 1, PEER_ISN + 1, ANYWIN);
	EXPECT_STATE(h, fd, SYNACK_STATE_ESTABLISHED);
	return fd;
}

static void check_active(bool lost, uint32_t timestamps, uint64_t rto)
{
	struct harness h;
	uint32_t iss;
	int fd;

	init_ts(&h, timestamps, 1);
	fd = active_after_lost_syn(&h, lost, timestamps, 500, &iss);
	expect_rexmits(&h, fd, iss + 1, rto);
	h_fini(&h);
}

Test(tcp_rto_fallback, syn_timed_out_no_sample_first_data_rto_3s)
{
	check_active(true, 0, 3 * SEC);
}

/* Control: the SYN sent once and answered after 500 ms is Karn-timed: SRTT 500 ms,
 * RTTVAR 250 ms, RTO = 500 + 4 * 250 = 1.5 s (RFC 6298 (2.2)). */
Test(tcp_rto_fallback, syn_not_lost_measured_rto)
{
	check_active(false, 0, 1500 * MSEC);
}

/* Linux's choice: the retransmitted SYN's SYN-ACK echoes its TSval, a valid sample
 * (RFC 7323 §4.1), so the measured 1.5 s stands instead of (5.7)'s 3 s. */
Test(tcp_rto_fallback, syn_timed_out_timestamp_sample_kept)
{
	check_active(true, 1, 1500 * MSEC);
}

/* How the passive open's SYN-ACK goes: once, retransmitted by its timer at t0 + 1 s, or
 * resent at t0 + 300 ms for a retransmitted SYN. */
enum synack_tx { SYNACK_ONCE, SYNACK_BY_TIMER, SYNACK_FOR_SYN };

/* Passive open: SYN at t0, the SYN-ACK sent as how says; the ACK arrives 500 ms after
 * the last SYN-ACK (with ts, echoing its TSval). */
static int passive_open(struct harness *h, enum synack_tx how, bool ts, uint32_t *iss)
{
	struct wire_tcp_opts o = { 0 };
	int l = h_listen(h, SRV_PORT, 16), fd;

	if (ts) {
		o.present = WIRE_HAS_TS;
		o.ts_val = 7000;
	}
	h_send_opt(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, PEER_ISN + 1, ANYWIN);
	*iss = h->out.seq;
	if (how == SYNACK_BY_TIMER) {
		h_advance(h, 1 * SEC);
		EXPECT_SEG(h, F_SYN | F_ACK, *iss, PEER_ISN + 1, ANYWIN);
	} else if (how == SYNACK_FOR_SYN) {
		h_advance(h, 300 * MSEC);
		EXPECT_NONE(h);
		h_send_opt(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
		EXPECT_SEG(h, F_SYN | F_ACK, *iss, PEER_ISN + 1, ANYWIN);
	}
	cr_assert_eq(!!(h->out.opt.present & WIRE_HAS_TS), ts);
	o.ts_val = 7001;
	o.ts_ecr = h->out.opt.ts_val;
	h_advance(h, 500 * MSEC);
	h_send_opt(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, *iss + 1, 65535, &o, NULL, 0,
		   0);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	EXPECT_STATE(h, fd, SYNACK_STATE_ESTABLISHED);
	return fd;
}

static void check_passive(enum synack_tx how, uint32_t timestamps, uint32_t syncookies,
			  uint64_t rto)
{
	struct harness h;
	uint32_t iss;
	int fd;

	init_ts(&h, timestamps, syncookies);
	fd = passive_open(&h, how, timestamps, &iss);
	expect_rexmits(&h, fd, iss + 1, rto);
	h_fini(&h);
}

Test(tcp_rto_fallback, synack_timed_out_no_sample_first_data_rto_3s)
{
	check_passive(SYNACK_BY_TIMER, 0, 1, 3 * SEC);
}

Test(tcp_rto_fallback, synack_resent_for_syn_no_sample_first_data_rto_3s)
{
	check_passive(SYNACK_FOR_SYN, 0, 1, 3 * SEC);
}

Test(tcp_rto_fallback, synack_timed_out_timestamp_sample_kept)
{
	check_passive(SYNACK_BY_TIMER, 1, 1, 1500 * MSEC);
}

/* Control: the SYN-ACK sent once is timed (Linux tcp_synack_rtt_meas): 1.5 s. */
Test(tcp_rto_fallback, synack_not_lost_measured_rto)
{
	check_passive(SYNACK_ONCE, 0, 1, 1500 * MSEC);
}

/* Linux: a SYN-cookie handshake (syncookies 2: every SYN-ACK a cookie one, sent once)
 * has no timed SYN-ACK (snt_synack 0); without timestamps it has no sample at all and
 * falls back to 3 s although nothing was lost. */
Test(tcp_rto_fallback, cookie_without_timestamps_no_sample_rto_3s)
{
	check_passive(SYNACK_ONCE, 0, 2, 3 * SEC);
}
