/*
 * cc_cubic.c — CUBIC congestion avoidance (RFC 9438 §4.2–4.8, §5.8), the default as on
 * Linux. Slow start is RFC 5681's (cc.c); HyStart++ (RFC 9406) is not implemented.
 *
 * Fixed point: windows in bytes, times in microseconds. With C = 0.4 = 4/10 and t in
 * seconds, W_cubic(t) in bytes is
 *     W_max + 4 * (t_us - K_us)^3 * SMSS / 10^19
 * (the cubic term truncated toward zero), and Figure 2's K in microseconds is
 *     K_us = floor(cbrt(floor((W_max - cwnd_epoch) * 2.5e18 / SMSS))).
 * Products need up to ~2^120: 128-bit integers (GCC/Clang).
 *
 * Constants: beta_cubic = 0.7 exactly (Linux: 717/1024), C = 0.4, fast convergence on
 * (§4.7, as Linux), alpha_cubic = 3 * (1 - 0.7) / (1 + 0.7) = 9/17 (§4.3).
 * ssthresh from FlightSize (§4.6 Figure 5; Linux uses cwnd). cwnd grows by
 * (target - cwnd) / cwnd per SMSS acknowledged (the RFC says per ACK; counting
 * acknowledged bytes keeps the rate independent of delayed ACKs, as Linux does).
 */
#include "tcp/cc.h"
#include "tcp/recovery.h"
#include "tcp/tcb.h"

__extension__ typedef unsigned __int128 u128;

#define US_PER_S3 1000000000000000000ull        /* (10^6 us)^3 = 10^18 */

static uint32_t mss_of(const struct tcb *tcb)
{
	return tcb->snd_mss ? tcb->snd_mss : 1;
}

/* floor(cbrt(x)) for x < 2^96 (result < 2^32). */
static uint64_t icbrt(u128 x)
{
	uint64_t lo = 0, hi = 1ull << 32;

	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if ((u128)mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* RFC 9438 Figure 2: K for a window to regain of gap bytes, in microseconds. */
uint64_t tcp_cubic_k_us(uint32_t gap_bytes, uint32_t mss)
{
	/* K^3 = gap / mss / C seconds^3 = gap * 10^18 * 10 / (4 * mss) us^3 */
	u128 x = (u128)gap_bytes * (US_PER_S3 / 4 * 10) / mss;

	return icbrt(x);
}

/* RFC 9438 Figure 1: W_cubic(t) in bytes for t_us after the epoch (clamped >= 0 and to
 * 2^31, and t - K to +-2^36 us). */
uint32_t tcp_cubic_w(uint32_t w_max, uint64_t k_us, uint64_t t_us, uint32_t mss)
{
	const uint64_t lim = 1ull << 36;
	uint64_t d = t_us > k_us ? t_us - k_us : k_us - t_us;
	u128 delta;

	if (d > lim)
		d = lim;
	delta = (u128)d * d * d * 4u * mss / (US_PER_S3 * 10u);
	if (t_us >= k_us)
		return (u128)w_max + delta > 0x80000000u ? 0x80000000u
							  : (uint32_t)(w_max + delta);
	return delta >= w_max ? 0 : (uint32_t)(w_max - delta);
}

static void cubic_init(struct tcp_stack *ts, struct tcb *tcb)
{
	(void)ts;
	tcb->cc.cubic.epoch_ns = 0;
}

/* §4.7 fast convergence, then §4.6 Figure 5. */
static uint32_t cubic_ssthresh(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc_cubic *c = &tcb->cc.cubic;
	uint32_t cwnd = tcb->cc.cwnd;
	uint32_t ss = (uint32_t)((uint64_t)tcp_flight_size(tcb) * 7 / 10);

	(void)ts;
	if (c->w_max && cwnd < c->w_max)
		c->w_max = (uint32_t)((uint64_t)cwnd * 17 / 20);     /* cwnd * (1 + 0.7) / 2 */
	else
		c->w_max = cwnd;
	c->cwnd_prior = cwnd;
	c->epoch_ns = 0;
	return ss > 2 * mss_of(tcb) ? ss : 2 * mss_of(tcb);
}

/* §4.8: the first avoidance stage after a timeout starts with K = 0, W_max = cwnd. */
static void cubic_on_rto(struct tcp_stack *ts, struct tcb *tcb)
{
	(void)ts;
	tcb->cc.cubic.w_max = 0;
	tcb->cc.cubic.epoch_ns = 0;
}

static void start_epoch(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc_cubic *c = &tcb->cc.cubic;
	uint32_t cwnd = tcb->cc.cwnd;

	c->epoch_ns = ts->now_ns ? ts->now_ns : 1;
	c->cwnd_epoch = cwnd;
	c->w_est = cwnd;                        /* §4.3 */
	if (!c->cwnd_prior)
		c->cwnd_prior = cwnd;           /* §4.10: first slow start ended without loss */
	if (c->w_max <= cwnd) {
		c->w_max = cwnd;                /* §4.8, §4.10: K = 0 */
		c->k_us = 0;
	} else {
		c->k_us = tcp_cubic_k_us(c->w_max - cwnd, mss_of(tcb));
	}
}

static void cubic_cong_avoid(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked,
			     uint32_t rtt_us)
{
	struct tcp_cc_cubic *c = &tcb->cc.cubic;
	uint32_t cwnd = tcb->cc.cwnd, mss = mss_of(tcb);
	uint64_t t_us, rtt = tcb->rtt.srtt_us;
	uint32_t w_t, target;

	(void)rtt_us;
	if (!c->epoch_ns)
		start_epoch(ts, tcb);
	t_us = (ts->now_ns - c->epoch_ns) / 1000;
	/* §4.2: target = W_cubic(t + RTT) bounded to [cwnd, 1.5 cwnd] */
	target = tcp_cubic_w(c->w_max, c->k_us, t_us + rtt, mss);
	if (target < cwnd)
		target = cwnd;
	if (target > cwnd + cwnd / 2)
		target = cwnd + cwnd / 2;
	/* §4.3 Figure 4, in bytes: W_est += alpha * acked * SMSS / cwnd, alpha 9/17 until
	 * W_est reaches cwnd_prior, then 1 */
	if (c->w_est >= c->cwnd_prior)
		c->w_est += (uint32_t)((uint64_t)acked * mss / cwnd);
	else
		c->w_est += (uint32_t)((uint64_t)acked * mss * 9 / ((uint64_t)cwnd * 17));
	w_t = tcp_cubic_w(c->w_max, c->k_us, t_us, mss);
	if (w_t < c->w_est) {
		if (c->w_est > cwnd)
			tcb->cc.cwnd = c->w_est;        /* Reno-friendly region */
		return;
	}
	/* §4.4/§4.5 concave and convex regions: (target - cwnd) / cwnd per SMSS acked */
	tcb->cc.cwnd = cwnd + (uint32_t)((uint64_t)(target - cwnd) * acked / cwnd);
}

/* §5.8: t must not count the time the flow sent nothing (Linux moves t_epoch). */
static void cubic_tx_start(struct tcp_stack *ts, struct tcb *tcb, uint64_t idle_ns)
{
	(void)ts;
	if (tcb->cc.cubic.epoch_ns)
		tcb->cc.cubic.epoch_ns += idle_ns;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ssthresh = cubic_ssthresh,
	.cong_avoid = cubic_cong_avoid,
	.on_rto = cubic_on_rto,
	.tx_start = cubic_tx_start,
};
