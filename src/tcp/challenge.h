/*
 * challenge.h — RFC 5961 §7 ACK throttling: the rate limit on challenge ACKs.
 *
 * RFC 5961 §3.2, §4.2 and §5.2 answer a suspicious RST, SYN or ACK with a "challenge
 * ACK"; §7 asks that no more than N of them go out in any T-second interval, both N and
 * T tunable, using "a timestamp and a counter" rather than a timer. That is exactly the
 * state here: one struct per connection, zero-initialised, no timer.
 *
 * What we do, and how it compares with Linux:
 *   - The limit is per connection (the struct lives in the control block). Linux kept
 *     one global counter (tcp_challenge_ack_limit: 100/s from 3.6; 1000/s, randomised,
 *     from 4.7, after CVE-2016-5696 showed that the shared budget let an off-path
 *     attacker observe other connections' challenge ACKs); since 6.0 that limit is per
 *     network namespace and off by default, leaving the per-socket
 *     tcp_invalid_ratelimit (at most one out-of-window/challenge ACK per 500 ms). A
 *     per-connection budget leaks nothing about other connections, so it needs no
 *     randomisation.
 *   - The interval is a fixed window that starts at the first challenge ACK sent after
 *     the previous window ended: within [window_start_ns, window_start_ns + interval)
 *     at most `limit` challenge ACKs are allowed; the first request at or after the end
 *     of the window opens a new window at that instant (not aligned to any grid).
 *   - limit 0 disables challenge ACKs altogether. Linux's per-socket behaviour is close
 *     to limit 1 per 500 ms (tcp_challenge_allow_n(l, now, 1, 500 ms)).
 *   - Time going backwards (a now_ns before the window start) counts as inside the
 *     current window: the budget is never refilled by a clock step back.
 */
#ifndef SYNACK_TCP_CHALLENGE_H
#define SYNACK_TCP_CHALLENGE_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_CHALLENGE_INTERVAL_NS 1000000000ull /* RFC 5961 §7 "T": 1 s for the _per_s form */

/* Per-connection throttle state. All-zero is the valid initial state. */
struct tcp_challenge_limit {
	uint64_t window_start_ns; /* when the current window opened (meaningful if count > 0) */
	uint32_t count;           /* challenge ACKs allowed in the current window */
};

/*
 * Asks whether a challenge ACK may be sent at now_ns (RFC 5961 §7). Returns true and
 * counts it when fewer than `limit` were allowed in the current window of interval_ns
 * (opening a new window when the last one has ended); returns false, changing nothing,
 * when the budget is spent or limit is 0. l is borrowed for the call. O(1).
 */
bool tcp_challenge_allow_n(struct tcp_challenge_limit *l, uint64_t now_ns, uint32_t limit,
			   uint64_t interval_ns);

/* tcp_challenge_allow_n with a 1-second window: at most limit_per_s per second. */
bool tcp_challenge_allow(struct tcp_challenge_limit *l, uint64_t now_ns, uint32_t limit_per_s);

#endif /* SYNACK_TCP_CHALLENGE_H */
