/* demo.h — the pieces of `synack demo` (tools/cmd_demo.c, tools/demo_print.c). */
#ifndef SYNACK_TOOLS_DEMO_H
#define SYNACK_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdio.h>

#include "synack/sim.h"

struct demo_ctx {
	const struct synack_scenario *sc;
	struct synack_sc_run *run;
	bool absolute;          /* -S: absolute sequence numbers */
};

/* Prints the run's log (calls, segments, decisions, states, timers, marks). */
void demo_print_trace(FILE *out, const struct demo_ctx *d);
/* Prints each packet sent as `tcpdump -n` (absolute: with -S) would, indented by two
 * spaces, with its virtual time in tcpdump's default format (UTC). */
void demo_print_packets(FILE *out, const struct demo_ctx *d, bool absolute);
/* Prints the RFC-style ladder of the run's TCP segments. */
void demo_print_ladder(FILE *out, const struct demo_ctx *d);
/* Writes every packet sent, once, at its virtual send time. 0 or -1 (message printed). */
int demo_write_pcap(const struct demo_ctx *d, const char *path);
/* "ECONNREFUSED" for ECONNREFUSED (a positive errno), "E?" when unknown. */
const char *demo_errname(long err);

#endif
