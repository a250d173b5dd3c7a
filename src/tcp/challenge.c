/*
 * challenge.c — RFC 5961 §7 challenge-ACK throttling (see challenge.h for the policy
 * and how it compares with Linux). Invariant: count <= the limit last passed in, and
 * count > 0 means a window opened at window_start_ns.
 */
#include "tcp/challenge.h"

/* True when now_ns lies at or past the end of the window opened at start_ns. A clock
 * that stepped back (now_ns < start_ns) stays inside the window. */
static bool is_window_over(uint64_t start_ns, uint64_t now_ns, uint64_t interval_ns)
{
	return now_ns >= start_ns && now_ns - start_ns >= interval_ns;
}

bool tcp_challenge_allow_n(struct tcp_challenge_limit *l, uint64_t now_ns, uint32_t limit,
			   uint64_t interval_ns)
{
	if (limit == 0)
		return false;
	/* RFC 5961 §7: "a timestamp and a counter"; no timer. */
	if (l->count == 0 || is_window_over(l->window_start_ns, now_ns, interval_ns)) {
		l->window_start_ns = now_ns;
		l->count = 0;
	}
	if (l->count >= limit)
		return false;
	l->count++;
	return true;
}

bool tcp_challenge_allow(struct tcp_challenge_limit *l, uint64_t now_ns, uint32_t limit_per_s)
{
	return tcp_challenge_allow_n(l, now_ns, limit_per_s, TCP_CHALLENGE_INTERVAL_NS);
}
