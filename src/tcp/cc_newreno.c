/*
 * cc_newreno.c — Reno/NewReno congestion avoidance (RFC 5681 §3.1 (3) with appropriate
 * byte counting, (4) ssthresh). Fast recovery itself (RFC 6582) is recovery.c's; this
 * file only answers "what is ssthresh" and "how does cwnd grow past ssthresh".
 * Registered as "reno", Linux's name.
 */
#include "tcp/cc.h"
#include "tcp/recovery.h"
#include "tcp/tcb.h"

static void reno_init(struct tcp_stack *ts, struct tcb *tcb)
{
	(void)ts;
	tcb->cc.bytes_acked = 0;
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t reno_ssthresh(struct tcp_stack *ts, struct tcb *tcb)
{
	uint32_t half = tcp_flight_size(tcb) / 2;      /* recovery.h */

	(void)ts;
	return half > 2u * tcb->snd_mss ? half : 2u * tcb->snd_mss;
}

/*
 * RFC 5681 §3.1 congestion avoidance with byte counting (RFC 3465 §2.1): count the
 * bytes acknowledged; each time they reach cwnd, cwnd grows by SMSS and cwnd bytes are
 * taken from the count. That is (3) cwnd += SMSS*SMSS/cwnd without its rounding error.
 */
static void reno_cong_avoid(struct tcp_stack *ts, struct tcb *tcb, uint32_t acked,
			    uint32_t rtt_us)
{
	struct tcp_cc *cc = &tcb->cc;

	(void)ts;
	(void)rtt_us;
	cc->bytes_acked += acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd += tcb->snd_mss;
	}
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "reno",
	.init = reno_init,
	.ssthresh = reno_ssthresh,
	.cong_avoid = reno_cong_avoid,
};
