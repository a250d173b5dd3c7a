/*
 * rcvbuf.c — receive-buffer autotuning (Linux's tcp_moderate_rcvbuf: tcp_rcv_space_adjust,
 * tcp_rcv_rtt_measure, tcp_rcv_rtt_measure_ts, tcp_rcv_rtt_update; there is no RFC for
 * it) and the window shift it needs (RFC 7323 §2.2-2.3). See rcvbuf.h for the rule, its
 * units and its invariants (opt.rcvbuf never shrinks here, never exceeds cfg.rmem_max,
 * and is left alone once the user set SO_RCVBUF).
 */
#include "tcp/rcvbuf.h"
#include "tcp/tcb.h"

#define MS 1000000ull
#define RCVBUF_INIT_SEGS 10u    /* Linux TCP_INIT_CWND in tcp_init_buffer_space */
#define RCVBUF_CUSHION_SEGS 16u /* Linux: "16 * tp->advmss" of cushion */

uint8_t tcp_rcv_wscale_of(const struct synack_config *cfg, const struct tcp_sockopts *opt)
{
	uint32_t cap = opt->rcvbuf, v;
	uint8_t s;

	if (!cfg->window_scaling)
		return 0;
	/* Linux tcp_select_initial_window: the shift is chosen from tcp_rmem[2] unless
	 * SO_RCVBUF fixed the buffer (then the window clamp is that buffer) */
	if (cfg->moderate_rcvbuf && !opt->rcvbuf_locked && cfg->rmem_max > cap)
		cap = cfg->rmem_max;
	/* the smallest s with 65535 << s >= cap, at most 14 (RFC 7323 §2.3), without a
	 * loop (this runs for every SYN): t, the smallest with 65536 << t >= cap, is
	 * the bit length of (cap - 1) >> 16; the answer is t or, as 65535 << (t + 1)
	 * > 65536 << t, t + 1 */
	if (cap <= 65535)
		return 0;
	v = (cap - 1) >> 16;
	s = v ? (uint8_t)(32 - __builtin_clz(v)) : 0;
	if (((uint32_t)65535 << s) < cap)
		s++;
	return s < 14 ? s : 14;
}

/* The bytes the application has consumed, as a sequence number (Linux copied_seq). */
static uint32_t read_seq(const struct tcb *tcb)
{
	return tcb->rcv_nxt - ring_len(&tcb->rcvbuf);
}

void tcp_rcvbuf_init(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rcvspace *q = &tcb->rcvq;
	uint32_t init = RCVBUF_INIT_SEGS * tcb->rcv_mss;

	q->space = tcb->opt.rcvbuf < init ? tcb->opt.rcvbuf : init;
	if (!q->space)
		q->space = 1;
	q->seq = read_seq(tcb);
	q->time_ns = ts->now_ns;
	q->rtt_us8 = 0;
	q->rtt_seq = tcb->rcv_nxt + tcb->rcv_wnd;
	q->rtt_time_ns = ts->now_ns;
	q->last_tsecr = 0;
}

/*
 * Linux tcp_rcv_rtt_update: keeps 8 x the RTT in µs. A smaller sample replaces the
 * estimate; a larger one is averaged in with gain 1/8, except for samples from the
 * window method (win_dep), which only lower it: a slow application or an idle sender
 * makes a window take longer than an RTT.
 */
static void rtt_update(struct tcp_rcvspace *q, uint64_t sample_us, bool win_dep)
{
	uint64_t m = sample_us << 3;

	if (m > UINT32_MAX)
		m = UINT32_MAX;
	if (!q->rtt_us8 || m < q->rtt_us8)
		q->rtt_us8 = (uint32_t)m;
	else if (!win_dep)
		q->rtt_us8 = q->rtt_us8 - (q->rtt_us8 >> 3) + (uint32_t)(m >> 3);
}

void tcp_rcvbuf_on_data(struct tcp_stack *ts, struct tcb *tcb, uint32_t len, bool has_ts,
			uint32_t tsecr)
{
	struct tcp_rcvspace *q = &tcb->rcvq;
	uint32_t full = tcb->rcv_ooo.seg_est ? tcb->rcv_ooo.seg_est : tcb->rcv_mss;

	if (tcb->ts_ok && has_ts) {
		/* Linux tcp_rcv_rtt_measure_ts: one sample per TSecr, from a full-sized
		 * segment (a short one may have waited for the application); our TS clock
		 * ticks in ms and 0 counts as 1 ms, as Linux */
		int32_t d = (int32_t)((uint32_t)(ts->now_ns / MS) + tcb->ts_offset - tsecr);

		if (tsecr == q->last_tsecr)
			return;
		q->last_tsecr = tsecr;
		if (len >= full && d >= 0)
			rtt_update(q, (uint64_t)(d ? d : 1) * 1000, false);
		return;
	}
	/* Linux tcp_rcv_rtt_measure: the time the peer takes to send one window */
	if (seq_lt(tcb->rcv_nxt, q->rtt_seq))
		return;
	if (ts->now_ns > q->rtt_time_ns)
		rtt_update(q, (ts->now_ns - q->rtt_time_ns + 999) / 1000, true);
	q->rtt_seq = tcb->rcv_nxt + tcb->rcv_wnd;
	q->rtt_time_ns = ts->now_ns;
}

/* Linux tcp_rcv_space_adjust's growth: two RTTs of what was read (against losses) plus
 * 16 segments of cushion, plus twice that scaled by the growth over the last RTT (the
 * ACK sent now paces the sender's next RTT, which in slow start doubles again). */
static void grow(struct tcp_stack *ts, struct tcb *tcb, uint32_t copied)
{
	uint64_t last = tcb->rcvq.space;
	uint64_t win = 2ull * copied + (uint64_t)RCVBUF_CUSHION_SEGS * tcb->rcv_mss;
	uint64_t cap = ts->cfg.rmem_max < RING_MAX_CAP ? ts->cfg.rmem_max : RING_MAX_CAP;

	win += 2 * (win * (copied - last) / last);
	if (win > cap)
		win = cap;
	if (win > tcb->opt.rcvbuf)
		tcb->opt.rcvbuf = (uint32_t)win;
}

void tcp_rcvbuf_on_read(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_rcvspace *q = &tcb->rcvq;
	uint32_t now_seq = read_seq(tcb);
	uint32_t copied;

	if (!q->rtt_us8 || ts->now_ns - q->time_ns < (uint64_t)(q->rtt_us8 >> 3) * 1000)
		return;
	copied = now_seq - q->seq;
	if (copied > q->space) {
		if (ts->cfg.moderate_rcvbuf && !tcb->opt.rcvbuf_locked)
			grow(ts, tcb, copied);
		q->space = copied;
	}
	q->seq = now_seq;
	q->time_ns = ts->now_ns;
}
