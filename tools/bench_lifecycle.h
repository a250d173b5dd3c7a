/* bench_lifecycle.h — the benchmarks behind `synack bench` (tools/cmd_bench.c). */
#ifndef SYNACK_TOOLS_BENCH_H
#define SYNACK_TOOLS_BENCH_H

#include <stdint.h>

/* Prefills tw TIME-WAIT entries, times lifecycles for `seconds`, prints the figures
 * ending with "lifecycles/s: N". Returns the exit status. */
int bench_lifecycle(uint64_t tw, double seconds);

#endif
