/* cmd_demo.c — placeholder until the demo command lands. */
#include <stdio.h>

#include "cmd.h"

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "synack demo: not built yet\n");
	return 2;
}
