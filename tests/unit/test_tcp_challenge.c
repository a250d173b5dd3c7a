/* test_tcp_challenge.c — RFC 5961 §7 challenge-ACK throttle: exact allow/deny sequences
 * over virtual time (window boundaries at exactly +interval, clock steps back, limit 0). */
#include <criterion/criterion.h>

#include "tcp/challenge.h"

#define MS 1000000ull
#define S  1000000000ull

struct step {
	uint64_t now_ns;
	bool allowed;
};

static void run_steps(struct tcp_challenge_limit *l, uint32_t limit, uint64_t interval_ns,
		      const struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = tcp_challenge_allow_n(l, steps[i].now_ns, limit, interval_ns);

		cr_assert_eq(got, steps[i].allowed, "step %zu at %llu ns: got %d, want %d", i,
			     (unsigned long long)steps[i].now_ns, got, steps[i].allowed);
	}
}

Test(challenge, per_second_window_exact)
{
	struct tcp_challenge_limit l = { 0 };
	/* limit 3/s; the first window opens at 10.5 s, not at a whole second. */
	const struct step steps[] = {
		{ 10 * S + 500 * MS, true },      /* opens window [10.5 s, 11.5 s) */
		{ 10 * S + 500 * MS, true },
		{ 10 * S + 900 * MS, true },
		{ 10 * S + 900 * MS, false },     /* budget of 3 spent */
		{ 11 * S + 500 * MS - 1, false }, /* last ns of the window */
		{ 11 * S + 500 * MS, true },      /* exactly +1 s: new window [11.5, 12.5) */
		{ 11 * S + 600 * MS, true },
		{ 12 * S + 400 * MS, true },
		{ 12 * S + 499 * MS, false },
		{ 20 * S, true },                 /* long idle: new window [20, 21) */
		{ 20 * S + 1, true },
		{ 20 * S + 2, true },
		{ 20 * S + 3, false },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool got = tcp_challenge_allow(&l, steps[i].now_ns, 3);

		cr_assert_eq(got, steps[i].allowed, "step %zu: got %d want %d", i, got,
			     steps[i].allowed);
	}
	cr_assert_eq(l.window_start_ns, 20 * S);
	cr_assert_eq(l.count, 3u);
}

Test(challenge, rfc5961_example_10_per_5s)
{
	/* RFC 5961 §7's example: no more than 10 challenge ACKs in any 5-second window. */
	struct tcp_challenge_limit l = { 0 };
	struct step steps[24];
	size_t n = 0;

	for (uint64_t i = 0; i < 12; i++) /* one every 100 ms from t=0: 10 yes, 2 no */
		steps[n++] = (struct step){ i * 100 * MS, i < 10 };
	steps[n++] = (struct step){ 4999 * MS, false };
	steps[n++] = (struct step){ 5000 * MS, true };
	for (uint64_t i = 1; i < 10; i++)
		steps[n++] = (struct step){ 5000 * MS + i, true };
	steps[n++] = (struct step){ 5000 * MS + 10, false };
	run_steps(&l, 10, 5 * S, steps, n);
	cr_assert_eq(n, 24u);
}

Test(challenge, limit_zero_denies_everything)
{
	struct tcp_challenge_limit l = { 0 };

	cr_assert(!tcp_challenge_allow(&l, 0, 0));
	cr_assert(!tcp_challenge_allow(&l, 5 * S, 0));
	cr_assert_eq(l.count, 0u);
}

Test(challenge, zero_state_at_time_zero)
{
	struct tcp_challenge_limit l = { 0 };
	const struct step steps[] = {
		{ 0, true },
		{ 0, false },
		{ S - 1, false },
		{ S, true },
	};

	run_steps(&l, 1, S, steps, sizeof(steps) / sizeof(steps[0]));
}

Test(challenge, clock_step_back_does_not_refill)
{
	struct tcp_challenge_limit l = { 0 };
	const struct step steps[] = {
		{ 100 * S, true },
		{ 100 * S, true },
		{ 100 * S, false },
		{ 50 * S, false },          /* earlier than the window start: still inside */
		{ 0, false },
		{ 101 * S - 1, false },
		{ 101 * S, true },
	};

	run_steps(&l, 2, S, steps, sizeof(steps) / sizeof(steps[0]));
}

Test(challenge, linux_like_one_per_500ms)
{
	struct tcp_challenge_limit l = { 0 };
	const struct step steps[] = {
		{ 1 * S, true },
		{ 1 * S + 499 * MS, false },
		{ 1 * S + 500 * MS, true },
		{ 1 * S + 700 * MS, false },
		{ 2 * S + 100 * MS, true },   /* window [1.5, 2.0) over; new at 2.1 */
		{ 2 * S + 599 * MS, false },
		{ 2 * S + 600 * MS, true },
	};

	run_steps(&l, 1, 500 * MS, steps, sizeof(steps) / sizeof(steps[0]));
}
