/* cmd_trace.c — placeholder until the trace command lands. */
#include <stdio.h>

#include "cmd.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "synack trace: not built yet\n");
	return 2;
}
