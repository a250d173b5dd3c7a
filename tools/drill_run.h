/* drill_run.h — the packetdrill script runner of `synack drill` (tools/drill_run.c). */
#ifndef SYNACK_TOOLS_DRILL_RUN_H
#define SYNACK_TOOLS_DRILL_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct drill_opts {
	int64_t tolerance_us;   /* --tolerance_usecs, default 4000 (packetdrill's) */
	uint32_t mtu;           /* --mtu, default 1500 */
	bool lenient;           /* --lenient (docs/drill.md) */
	bool verbose;           /* -v: print the trace of passing scripts too */
};

/* Applies one "--name=value" option (also "--lenient", "-v") to *o: 0, or -1 when
 * unknown or out of range. */
int drill_parse_opt(const char *arg, struct drill_opts *o);

/*
 * Runs one script file against a fresh synack stack on a virtual clock. Writes
 * "PASS path" or "FAIL path:line: ..." with the expectation, what synack did and the
 * trace to out; notices (skipped lines) too. Options written in the script override
 * *opts for that script. Returns 0 on pass, 1 on failure (2: cannot read the file).
 */
int drill_run_file(const char *path, const struct drill_opts *opts, FILE *out);

#endif
