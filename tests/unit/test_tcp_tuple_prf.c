/* test_tcp_tuple_prf.c — one PRF output per 4-tuple for a stack's table hash and its ISN
 * (isn.h tcp_tuple_prf, tcb.h tcp_tuple_hash / tcp_tuple_isn through the TIME-WAIT
 * table's memo): whatever order 4-tuples are hashed and ISNs asked for, each value is
 * exactly the pure function's under the stack's ISN key, at the stack's clock. */
#include "harness.h"
#include "api/api.h"
#include "tcp/isn.h"
#include "tcp/tcb.h"

/* A fixed xorshift64 stream (reproducible). */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(tuple_prf, stack_hash_and_isn_equal_the_pure_functions_in_any_order)
{
	static struct harness h;
	struct tcp_stack *ts;
	uint32_t tuples[8][4];
	uint64_t rs = 0x243f6a8885a308d3ull;

	h_init(&h);
	ts = &h.s->tcp;
	for (int i = 0; i < 8; i++) {
		/* neighbours differing in one part only: a memo that ignored it would hit */
		tuples[i][0] = US + (i == 1);
		tuples[i][1] = (uint32_t)(40000 + (i == 2) + (i == 5 ? 256 : 0));
		tuples[i][2] = THEM + (i == 3) + (i == 6 ? 0x10000u : 0);
		tuples[i][3] = (uint32_t)(80 + (i == 4) + (i == 7 ? 256 : 0));
	}
	for (int step = 0; step < 4000; step++) {
		const uint32_t *t = tuples[next_rand(&rs) % 8];
		uint64_t out[2];
		uint32_t isn, off, want_isn, want_off;

		ts->now_ns += next_rand(&rs) % 100000;
		tcp_tuple_prf(ts->isn_key, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3], out);
		tcp_isn_pair(ts->isn_key, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3], ts->now_ns,
			     &want_isn, &want_off);
		if (next_rand(&rs) & 1) {
			uint32_t hh = tcp_tuple_hash(ts, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3]);

			cr_assert_eq(hh, (uint32_t)out[1], "step %d: hash 0x%08x, want 0x%08x", step,
				     hh, (uint32_t)out[1]);
		} else {
			tcp_tuple_isn(ts, t[0], (uint16_t)t[1], t[2], (uint16_t)t[3], &isn, &off);
			cr_assert_eq(isn, want_isn, "step %d: isn 0x%08x, want 0x%08x", step, isn,
				     want_isn);
			cr_assert_eq(off, want_off, "step %d: ts offset 0x%08x, want 0x%08x", step,
				     off, want_off);
		}
	}
	h_fini(&h);
}
