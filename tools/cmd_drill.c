/*
 * cmd_drill.c — `synack drill [OPTIONS] SCRIPT.pkt...`: runs packetdrill scripts
 * in-process against one synack stack each, on a virtual clock (docs/drill.md).
 * Exit status: 0 when every script passes, 1 when any fails, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "drill_run.h"

static int usage(void)
{
	fprintf(stderr, "usage: synack drill [--tolerance_usecs=N] [--mtu=N] "
		"[--ip_version=ipv4] [--lenient] [-v] SCRIPT.pkt...\n");
	return 2;
}

int cmd_drill(int argc, char **argv)
{
	struct drill_opts o = {.tolerance_us = 4000, .mtu = 1500};
	int first = 1, failed = 0, ran = 0;

	for (; first < argc && argv[first][0] == '-'; first++)
		if (drill_parse_opt(argv[first], &o)) {
			fprintf(stderr, "synack drill: bad option '%s'\n", argv[first]);
			return usage();
		}
	if (first == argc)
		return usage();
	for (int i = first; i < argc; i++, ran++)
		if (drill_run_file(argv[i], &o, stdout))
			failed++;
	printf("%d script%s, %d passed, %d failed\n", ran, ran == 1 ? "" : "s",
	       ran - failed, failed);
	return failed ? 1 : 0;
}
