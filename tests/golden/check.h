/*
 * check.h — assertions for the wire tests that print both operands (in decimal and hex)
 * or both byte strings, plus a context line (which packet, which length) set with CTX().
 * Built on Criterion's classic cr_assert: its new-style eq() leaks under LeakSanitizer
 * in Criterion 2.4.1, which made every ASan run noisy.
 */
#ifndef SYNACK_TESTS_GOLDEN_CHECK_H
#define SYNACK_TESTS_GOLDEN_CHECK_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "wire/wire.h"

static char check_ctx[200];

/* Sets the context printed by every failing check until the next CTX(""). */
#define CTX(...) snprintf(check_ctx, sizeof(check_ctx), __VA_ARGS__)

#define EXPECT_EQ(a, b)                                                                    \
	do {                                                                               \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		cr_assert(a_ == b_, "[%s] %s == %s: got %llu (0x%llx), want %llu (0x%llx)",   \
			  check_ctx, #a, #b, a_, a_, b_, b_);                                  \
	} while (0)

#define EXPECT_TRUE(c) cr_assert((c), "[%s] expected true: %s", check_ctx, #c)
#define EXPECT_FALSE(c) cr_assert(!(c), "[%s] expected false: %s", check_ctx, #c)

/* Compares two parse results by their names. */
#define EXPECT_ERR(a, b)                                                                   \
	do {                                                                               \
		enum wire_err a_ = (a), b_ = (b);                                          \
		cr_assert(a_ == b_, "[%s] %s: got %d \"%s\", want %d \"%s\"", check_ctx, #a,  \
			  (int)a_, wire_strerror(a_), (int)b_, wire_strerror(b_));          \
	} while (0)

static inline void check_hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, k = 0;

	out[0] = 0;
	for (i = 0; i < n && k + 4 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%02x%s", p[i], (i % 4 == 3) ? " " : "");
}

/* n bytes at a equal n bytes at b; on failure prints the first difference and both. */
#define EXPECT_MEM(a, b, n)                                                                \
	do {                                                                               \
		const uint8_t *a_ = (const uint8_t *)(a), *b_ = (const uint8_t *)(b);      \
		size_t n_ = (n), i_ = 0;                                                   \
		char ha_[400], hb_[400];                                                   \
		while (i_ < n_ && a_[i_] == b_[i_])                                        \
			i_++;                                                              \
		if (i_ < n_) {                                                             \
			check_hex(ha_, sizeof(ha_), a_, n_);                               \
			check_hex(hb_, sizeof(hb_), b_, n_);                               \
		}                                                                          \
		cr_assert(i_ == n_, "[%s] %s vs %s (%zu bytes) differ at %zu:\n got  %s\n want %s", \
			  check_ctx, #a, #b, n_, i_, i_ < n_ ? ha_ : "", i_ < n_ ? hb_ : ""); \
	} while (0)

#endif
