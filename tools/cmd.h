/* cmd.h — the subcommands of the synack tool. Each takes argv after the command name
 * (argv[0] is the command name) and returns the process exit status. */
#ifndef SYNACK_TOOLS_CMD_H
#define SYNACK_TOOLS_CMD_H

int cmd_trace(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_discard(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_http(int argc, char **argv);
int cmd_ss(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_drill(int argc, char **argv);
int cmd_transfer(int argc, char **argv);

#endif
