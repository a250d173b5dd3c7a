/* test_stream_cc_algo.c — congestion control arithmetic on a hand-made control block,
 * exact to the byte: RFC 6928 initial window, RFC 5681 (2) slow start, (3) congestion
 * avoidance with byte counting, (4) ssthresh, RFC 5681 §4.1 restart after idle, and
 * CUBIC (RFC 9438) K, W_cubic(t), multiplicative decrease, fast convergence, the
 * Reno-friendly and concave regions, with expected numbers computed here from the RFC
 * formulas in exact rational arithmetic (C = 4/10, beta = 7/10, t in microseconds). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "tcp/cc.h"
#include "tcp/tcb.h"

__extension__ typedef unsigned __int128 u128;

#define SEC 1000000000ull
#define MSS 1460u

static struct tcp_stack ts;
static struct tcb tcb;

static void setup(const char *alg, uint16_t mss)
{
	struct synack_config cfg;

	memset(&ts, 0, sizeof ts);
	memset(&tcb, 0, sizeof tcb);
	synack_config_default(&cfg);
	memset(cfg.congestion_control, 0, sizeof cfg.congestion_control);
	memcpy(cfg.congestion_control, alg, strlen(alg));
	tcp_stack_set_cfg(&ts, &cfg);   /* the algorithm is found there (ts.dflt) */
	ts.now_ns = 1000 * SEC;
	tcb.state = TCP_ESTABLISHED;
	tcb.snd_mss = mss;
	tcb.snd_una = tcb.snd_nxt = tcb.snd_max = 5000;
	tcb.snd_wnd = 1u << 24;
	tcb.rtt.srtt_us = 100000;
	tcb.rtt.rto_us = 300000;
	tcp_cc_init(&ts, &tcb);
}

/* The sender fills cwnd (every ACK then finds the window in use). */
static void fill(void)
{
	tcb.snd_nxt = tcb.snd_una + tcb.cc.cwnd;
	tcb.snd_max = tcb.snd_nxt;
}

static void ack(uint32_t n)
{
	tcb.snd_una += n;
	tcp_cc_on_ack(&ts, &tcb, n, 0);
}

Test(stream_cc_algo, initial_window_rfc6928)
{
	/* IW = min(10*MSS, max(2*MSS, 14600)) */
	cr_assert_eq(tcp_cc_initial_window(536), 5360);
	cr_assert_eq(tcp_cc_initial_window(1448), 14480);
	cr_assert_eq(tcp_cc_initial_window(1460), 14600);
	cr_assert_eq(tcp_cc_initial_window(4000), 14600);
	cr_assert_eq(tcp_cc_initial_window(8960), 17920);
	setup("reno", MSS);
	cr_assert_eq(tcb.cc.cwnd, 14600);
	cr_assert_eq(tcb.cc.ssthresh, 0x7fffffffu);
	cr_assert_eq(tcb.cc.ops, &tcp_cc_newreno);
	/* RFC 5681 §3.1: the SYN was retransmitted: IW is one segment */
	tcb.total_retrans = 1;
	tcp_cc_init(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, MSS);
}

Test(stream_cc_algo, names_like_linux)
{
	cr_assert_eq(tcp_cc_find("reno", 16), &tcp_cc_newreno);
	cr_assert_eq(tcp_cc_find("newreno", 16), &tcp_cc_newreno);
	cr_assert_eq(tcp_cc_find("cubic", 16), &tcp_cc_cubic);
	cr_assert_eq(tcp_cc_find("cubicXYZ", 5), &tcp_cc_cubic);   /* not terminated */
	cr_assert_null(tcp_cc_find("cubicX", 6));
	cr_assert_null(tcp_cc_find("vegas", 16));
	cr_assert_null(tcp_cc_find("", 16));
	cr_assert_str_eq(tcp_cc_newreno.name, "reno");
	cr_assert_str_eq(tcp_cc_cubic.name, "cubic");
	setup("cubic", MSS);
	cr_assert_eq(tcb.cc.ops, &tcp_cc_cubic);
}

Test(stream_cc_algo, slow_start_rfc5681_2)
{
	setup("reno", MSS);
	fill();
	ack(MSS);                       /* cwnd += min(N, SMSS) */
	cr_assert_eq(tcb.cc.cwnd, 14600 + 1460);
	fill();
	ack(2 * MSS);                   /* a delayed ACK of two segments: still one SMSS */
	cr_assert_eq(tcb.cc.cwnd, 16060 + 1460);
	fill();
	ack(500);                       /* a short segment: its own size */
	cr_assert_eq(tcb.cc.cwnd, 17520 + 500);
	/* an application-limited sender (flight far below cwnd) does not grow cwnd */
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 2000;
	ack(1000);
	cr_assert_eq(tcb.cc.cwnd, 18020);
	/* ... unless output said cwnd held it back */
	tcb.cc.cwnd_limited = true;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 2000;
	ack(1000);
	cr_assert_eq(tcb.cc.cwnd, 19020);
}

Test(stream_cc_algo, reno_ssthresh_and_avoidance_rfc5681_3_4)
{
	setup("reno", MSS);
	/* (4): ssthresh = max(FlightSize / 2, 2 * SMSS) */
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 20000;
	tcp_cc_enter_recovery(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 10000);
	cr_assert_eq(tcb.cc.cwnd, 10000);
	cr_assert(tcb.cc.in_recovery);
	ack(5000);                      /* no growth in recovery */
	cr_assert_eq(tcb.cc.cwnd, 10000);
	tcp_cc_exit_recovery(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 10000);
	cr_assert(!tcb.cc.in_recovery);
	/* (3) with byte counting: +SMSS each time cwnd bytes have been acknowledged */
	for (int i = 0; i < 6; i++) {
		fill();
		ack(MSS);
		cr_assert_eq(tcb.cc.cwnd, 10000, "ack %d: %u", i, tcb.cc.cwnd);
	}
	fill();
	ack(MSS);                       /* 7 * 1460 = 10220 >= 10000 */
	cr_assert_eq(tcb.cc.cwnd, 11460);
	cr_assert_eq(tcb.cc.bytes_acked, 220);
	for (int i = 0; i < 7; i++) {
		fill();
		ack(MSS);
	}
	/* 220 + 7 * 1460 = 10440 < 11460 */
	cr_assert_eq(tcb.cc.cwnd, 11460);
	fill();
	ack(MSS);                       /* 11900 >= 11460: +SMSS, 440 carried */
	cr_assert_eq(tcb.cc.cwnd, 12920);
	cr_assert_eq(tcb.cc.bytes_acked, 440);
	/* a small flight: ssthresh floor 2 * SMSS */
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 2000;
	tcp_cc_enter_recovery(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 2920);
}

Test(stream_cc_algo, rto_loss_window_once_per_episode)
{
	setup("reno", MSS);
	fill();                                 /* 14600 in flight */
	tcp_cc_on_rto(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 7300);
	cr_assert_eq(tcb.cc.cwnd, MSS);         /* LW = 1 SMSS */
	/* the backed-off timer expires again for the same data: ssthresh stays (RFC 5681
	 * (4): only when the segment was not already resent by the timer) */
	tcb.snd_nxt = tcb.snd_una + MSS;
	tcp_cc_on_rto(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 7300);
	cr_assert_eq(tcb.cc.cwnd, MSS);
	/* progress, then a new timeout: recomputed from the flight then */
	tcb.snd_nxt = tcb.snd_una + MSS;
	ack(MSS);
	cr_assert_eq(tcb.cc.cwnd, 2 * MSS);     /* slow start again (cwnd < ssthresh) */
	tcb.snd_max = tcb.snd_una + 8000;
	tcp_cc_on_rto(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 4000);
}

Test(stream_cc_algo, restart_after_idle_rfc5681_4_1)
{
	struct synack_config cfg;

	setup("reno", MSS);
	tcb.cc.cwnd = 40000;
	tcb.cc.ssthresh = 20000;
	tcb.cc.last_send_ns = ts.now_ns;
	/* idle exactly one RTO (300 ms): not "more than" */
	ts.now_ns += 300000000ull;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 40000);
	cr_assert_eq(tcb.cc.last_send_ns, ts.now_ns);
	ts.now_ns += 300000001ull;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 14600);               /* RW = min(IW, cwnd) */
	cr_assert_eq(tcb.cc.ssthresh, 30000);           /* Linux: >= 3/4 of the old cwnd */
	/* a cwnd below IW is kept */
	tcb.cc.cwnd = 5000;
	tcb.cc.last_send_ns = ts.now_ns;
	ts.now_ns += 10 * SEC;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 5000);
	/* data in flight: not idle */
	tcb.cc.cwnd = 40000;
	tcb.snd_max = tcb.snd_una + 1;
	ts.now_ns += 10 * SEC;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 40000);
	/* net.ipv4.tcp_slow_start_after_idle = 0 */
	tcb.snd_max = tcb.snd_una;
	cfg = ts.cfg;
	cfg.slow_start_after_idle = 0;
	tcp_stack_set_cfg(&ts, &cfg);
	ts.now_ns += 10 * SEC;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cwnd, 40000);
}

/* ---- CUBIC ----------------------------------------------------------------------- */

/* RFC 9438 Figure 2 in exact arithmetic: K^3 = (gap / mss) / (4/10) s^3, so the K in
 * whole microseconds satisfies K^3 * 4 * mss <= gap * 10 * 10^18 < (K+1)^3 * 4 * mss. */
static void check_k(uint32_t gap, uint32_t mss)
{
	uint64_t k = tcp_cubic_k_us(gap, mss);
	u128 rhs = (u128)gap * 10u * 1000000000000000000ull;
	long double real = cbrtl((long double)gap / mss / 0.4L) * 1e6L;

	cr_assert((u128)k * k * k * 4u * mss <= rhs, "K %lu too big for gap %u", k, gap);
	cr_assert((u128)(k + 1) * (k + 1) * (k + 1) * 4u * mss > rhs, "K %lu too small", k);
	cr_assert(fabsl((long double)k - real) < 1.0L, "K %lu vs %Lf", k, real);
}

/* RFC 9438 Figure 1: W_max + C (t - K)^3 segments, in bytes, the cubic term truncated
 * toward zero: floor(4 |t - K|^3 mss / 10^19) with t, K in microseconds. */
static uint32_t rfc_w(uint32_t w_max, uint64_t k, uint64_t t, uint32_t mss)
{
	uint64_t d = t > k ? t - k : k - t;
	u128 num = (u128)d * d * d * 4u * mss;
	uint64_t delta = (uint64_t)(num / ((u128)10u * 1000000000000000000ull));

	return t >= k ? w_max + (uint32_t)delta : w_max - (uint32_t)delta;
}

Test(stream_cc_algo, cubic_k_and_w_rfc9438_figures_1_2)
{
	/* 100 segments before the loss, cwnd_epoch = 70 (beta 0.7): K = cbrt(75) s */
	cr_assert_eq(tcp_cubic_k_us(30 * MSS, MSS), 4217163);
	check_k(30 * MSS, MSS);
	check_k(1, MSS);
	check_k(43800, 1448);
	check_k(1000000, 536);
	check_k(0x7fffffff, 1);
	cr_assert_eq(tcp_cubic_k_us(0, MSS), 0);
	/* W(K) = W_max; before K below, after K above; the curve's values exactly */
	cr_assert_eq(tcp_cubic_w(146000, 4217163, 4217163, MSS), 146000);
	cr_assert_eq(tcp_cubic_w(146000, 4217163, 0, MSS), rfc_w(146000, 4217163, 0, MSS));
	/* t = 0: W = W_max - C K^3 = cwnd_epoch, within the truncation of K */
	cr_assert_eq(tcp_cubic_w(146000, 4217163, 0, MSS), 102201);
	for (uint64_t t = 0; t < 10000000; t += 123457)
		cr_assert_eq(tcp_cubic_w(146000, 4217163, t, MSS), rfc_w(146000, 4217163, t, MSS),
			     "t %lu", t);
	/* 1 s past K: + 0.4 segment = 584 bytes */
	cr_assert_eq(tcp_cubic_w(146000, 4217163, 5217163, MSS), 146584);
	/* 10 s past K: + 400 segments */
	cr_assert_eq(tcp_cubic_w(146000, 0, 10000000, MSS), 146000 + 400 * MSS);
}

Test(stream_cc_algo, cubic_decrease_and_fast_convergence_rfc9438_4_6_4_7)
{
	setup("cubic", MSS);
	tcb.cc.cwnd = 100 * MSS;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 100 * MSS;
	tcp_cc_enter_recovery(&ts, &tcb);
	/* Figure 5: ssthresh = flight * 0.7, cwnd_prior = cwnd; first event: W_max = cwnd */
	cr_assert_eq(tcb.cc.ssthresh, 70 * MSS);
	cr_assert_eq(tcb.cc.cwnd, 70 * MSS);
	cr_assert_eq(tcb.cc.cubic.w_max, 100 * MSS);
	cr_assert_eq(tcb.cc.cubic.cwnd_prior, 100 * MSS);
	tcp_cc_exit_recovery(&ts, &tcb);
	/* a second event below W_max: fast convergence, W_max = cwnd * (1 + 0.7) / 2 */
	tcb.cc.cwnd = 90 * MSS;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 90 * MSS;
	tcp_cc_enter_recovery(&ts, &tcb);
	cr_assert_eq(tcb.cc.cubic.w_max, 90 * MSS * 17 / 20);
	cr_assert_eq(tcb.cc.ssthresh, 90 * MSS * 7 / 10);
	cr_assert_eq(tcb.cc.cubic.cwnd_prior, 90 * MSS);
	/* ssthresh >= 2 SMSS */
	tcp_cc_exit_recovery(&ts, &tcb);
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 2 * MSS;
	tcp_cc_enter_recovery(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 2 * MSS);
	/* §4.8 timeout: ssthresh by beta, cwnd 1 SMSS, then K = 0 and W_max = cwnd */
	tcp_cc_exit_recovery(&ts, &tcb);
	tcb.cc.cwnd = 50 * MSS;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 50 * MSS;
	tcp_cc_on_rto(&ts, &tcb);
	cr_assert_eq(tcb.cc.ssthresh, 35 * MSS);
	cr_assert_eq(tcb.cc.cwnd, MSS);
	cr_assert_eq(tcb.cc.cubic.w_max, 0);
}

/*
 * Congestion avoidance after a loss at 100 segments, one ACK of one SMSS every 10 ms
 * with the window full, SRTT 100 ms. The expected window is computed here per ACK from
 * RFC 9438 §4.2 (target = W_cubic(t + RTT) within [cwnd, 1.5 cwnd]), §4.3 (W_est +=
 * alpha * acked / cwnd, alpha = 3 (1 - 0.7) / (1 + 0.7) = 9/17 until W_est reaches
 * cwnd_prior, then 1; cwnd = W_est when W_cubic(t) < W_est) and §4.4/4.5 (cwnd +=
 * (target - cwnd) / cwnd per SMSS acknowledged), in bytes with integer division.
 */
Test(stream_cc_algo, cubic_avoidance_per_ack_rfc9438_4_2_to_4_5)
{
	uint32_t cwnd, w_est, w_max = 100 * MSS, prior = 100 * MSS;
	uint64_t k, t0;
	int reno_acks = 0, cubic_acks = 0;

	setup("cubic", MSS);
	tcb.cc.cwnd = 100 * MSS;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una + 100 * MSS;
	tcp_cc_enter_recovery(&ts, &tcb);
	tcp_cc_exit_recovery(&ts, &tcb);
	cwnd = 70 * MSS;
	cr_assert_eq(tcb.cc.cwnd, cwnd);
	cr_assert_eq(tcb.cc.ssthresh, cwnd);    /* cwnd == ssthresh: avoidance */
	k = tcp_cubic_k_us(w_max - cwnd, MSS);
	cr_assert_eq(k, 4217163);
	w_est = cwnd;
	t0 = ts.now_ns;
	for (int i = 0; i < 1500; i++) {
		uint64_t t = (ts.now_ns - t0) / 1000;
		uint32_t target = rfc_w(w_max, k, t + 100000, MSS);
		uint32_t w_t = rfc_w(w_max, k, t, MSS);

		if (target < cwnd)
			target = cwnd;
		if (target > cwnd + cwnd / 2)
			target = cwnd + cwnd / 2;
		if (w_est >= prior)
			w_est += (uint32_t)((uint64_t)MSS * MSS / cwnd);
		else
			w_est += (uint32_t)((uint64_t)MSS * MSS * 9 / ((uint64_t)cwnd * 17));
		if (w_t < w_est) {
			if (w_est > cwnd)
				cwnd = w_est;
			reno_acks++;
		} else {
			cwnd += (uint32_t)((uint64_t)(target - cwnd) * MSS / cwnd);
			cubic_acks++;
		}
		fill();
		ack(MSS);
		cr_assert_eq(tcb.cc.cwnd, cwnd, "ACK %d at t = %lu us: %u, RFC %u", i, t,
			     tcb.cc.cwnd, cwnd);
		ts.now_ns += 10000000ull;
	}
	/* both regions were visited, and by 15 s the window is well past W_max (convex) */
	cr_assert_gt(reno_acks, 0);
	cr_assert_gt(cubic_acks, 0);
	cr_assert_gt(cwnd, w_max);
	cr_assert_eq(tcb.cc.cubic.k_us, k);
	cr_assert_eq(tcb.cc.cubic.w_max, w_max);
}

Test(stream_cc_algo, cubic_first_avoidance_without_loss_rfc9438_4_10)
{
	uint64_t t0;

	/* slow start ended at ssthresh without a loss: K = 0, W_max = cwnd_epoch */
	setup("cubic", MSS);
	tcb.cc.ssthresh = 20 * MSS;
	tcb.cc.cwnd = 20 * MSS;
	fill();
	ack(MSS);
	cr_assert_eq(tcb.cc.cubic.k_us, 0);
	cr_assert_eq(tcb.cc.cubic.w_max, 20 * MSS);
	cr_assert_eq(tcb.cc.cubic.cwnd_prior, 20 * MSS);
	cr_assert_eq(tcb.cc.cubic.epoch_ns, ts.now_ns);
	/* §5.8: a pause with nothing in flight does not count in t */
	t0 = ts.now_ns;
	tcb.snd_nxt = tcb.snd_max = tcb.snd_una;
	tcb.cc.last_send_ns = ts.now_ns + SEC;
	ts.now_ns += 3 * SEC;
	tcp_cc_on_send(&ts, &tcb);
	cr_assert_eq(tcb.cc.cubic.epoch_ns, t0 + 2 * SEC);
}
