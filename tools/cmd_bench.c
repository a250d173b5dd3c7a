/*
 * cmd_bench.c — `synack bench [lifecycle] [--tw N] [--seconds S]`: the benchmarks of
 * docs/PERFORMANCE.md. Each prints its figures and ends with one summary line
 * ("lifecycles/s: N"); scripts/bench.sh runs them beside Linux's yardsticks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_bulk.h"
#include "bench_lifecycle.h"
#include "cmd.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: synack bench [lifecycle] [--tw N] [--seconds S] [--count C]"
		     " [--held H] [--no-sizes]\n"
		     "  lifecycle   connect, 1 byte each way, FIN close, TIME-WAIT kept;\n"
		     "              N TIME-WAIT entries present first (default 1000), timed for S\n"
		     "              seconds (default 3), or exactly C lifecycles (rounded up to\n"
		     "              1024: the same work every run, for callgrind)\n"
		     "  --held H    H connections stay open (idle, on the same server port), each\n"
		     "              lifecycle opening one and closing the oldest (default 0)\n"
		     "  --no-sizes  skip the bytes-per-entry measurement\n"
		     "       synack bench bulk [--bytes 1G] [--repeat N] [--mtu 1500]\n"
		     "  bulk        one connection, no loss, in the simulator: Gbit/s per CPU second\n");
}

int cmd_bench(int argc, char **argv)
{
	uint64_t tw = 1000, count = 0, held = 0;
	double secs = 3;
	bool sizes = true;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "bulk"))
		return bench_bulk(argc - i, argv + i);
	if (i < argc && !strcmp(argv[i], "lifecycle"))
		i++;
	for (; i < argc; i++) {
		char *end = NULL;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--tw") && i + 1 < argc) {
			tw = strtoull(argv[++i], &end, 10);
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			secs = strtod(argv[++i], &end);
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoull(argv[++i], &end, 10);
		} else if (!strcmp(argv[i], "--held") && i + 1 < argc) {
			held = strtoull(argv[++i], &end, 10);
			if (held > 1000000)
				end = NULL;     /* usage: more than the server's descriptors */
		} else if (!strcmp(argv[i], "--no-sizes")) {
			sizes = false;
			continue;
		} else {
			usage(stderr);
			return 2;
		}
		if (!end || *end || secs <= 0) {
			usage(stderr);
			return 2;
		}
	}
	return bench_lifecycle(tw, secs, count, sizes, (uint32_t)held);
}
