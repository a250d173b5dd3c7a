/* bench_lifecycle.h — the benchmarks behind `synack bench` (tools/cmd_bench.c). */
#ifndef SYNACK_TOOLS_BENCH_H
#define SYNACK_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/* Prefills tw TIME-WAIT entries (and `held` connections kept open, the oldest closed by
 * each lifecycle), times lifecycles for `seconds` (or exactly `count` lifecycles when
 * count > 0: the same work every run, for callgrind), measures bytes per entry if
 * `sizes`, prints the figures ending with "lifecycles/s: N". Returns the exit status. */
int bench_lifecycle(uint64_t tw, double seconds, uint64_t count, bool sizes, uint32_t held);

#endif
