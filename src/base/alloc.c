/*
 * alloc.c — base_zero (alloc.h): memset kept out of line so that a constant size does
 * not make the compiler expand it inline (`rep stosq`) in the callers; the C library's
 * memset picks vector stores for the size at run time.
 */
#include "base/alloc.h"

/* noipa (GCC): not inlined, not cloned for a constant size, no size propagated in */
#if defined(__GNUC__) && !defined(__clang__)
#define BASE_ZERO_OUT_OF_LINE __attribute__((noipa))
#else
#define BASE_ZERO_OUT_OF_LINE __attribute__((noinline))
#endif

BASE_ZERO_OUT_OF_LINE void base_zero(void *p, size_t n)
{
	memset(p, 0, n);
}
