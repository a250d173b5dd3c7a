/* test_seq.c — serial-number arithmetic (RFC 1982) across the 2^31 boundary and wrap. */
#include <criterion/criterion.h>

#include "wire/wire.h"

Test(seq, ordering_across_wrap)
{
	cr_assert(seq_lt(0xfffffff0u, 0x10u));
	cr_assert(seq_gt(0x10u, 0xfffffff0u));
	cr_assert(seq_leq(5u, 5u));
	cr_assert(seq_geq(5u, 5u));
	cr_assert(!seq_lt(5u, 5u));
	cr_assert(seq_lt(0u, 0x7fffffffu));
	cr_assert(!seq_lt(0u, 0x80000001u)); /* more than 2^31 ahead is behind */
	cr_assert_eq(seq_max(0xffffffffu, 1u), 1u);
	cr_assert_eq(seq_min(0xffffffffu, 1u), 0xffffffffu);
}

Test(seq, ranges)
{
	cr_assert(seq_in(0xfffffffeu, 0xfffffff0u, 0x10u));
	cr_assert(seq_in(0x0fu, 0xfffffff0u, 0x10u));
	cr_assert(!seq_in(0x10u, 0xfffffff0u, 0x10u)); /* half-open */
	cr_assert(seq_in_closed(0x10u, 0xfffffff0u, 0x10u));
	cr_assert(!seq_in(7u, 7u, 7u)); /* empty */
	cr_assert(seq_in_closed(7u, 7u, 7u));
}
