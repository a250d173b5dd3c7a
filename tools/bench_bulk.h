/* bench_bulk.h — `synack bench bulk` (tools/bench_bulk.c). */
#ifndef SYNACK_TOOLS_BENCH_BULK_H
#define SYNACK_TOOLS_BENCH_BULK_H

/* Runs the bulk benchmark with argv after "bulk" (argv[0] is "bulk"); returns the exit
 * status. */
int bench_bulk(int argc, char **argv);

#endif
