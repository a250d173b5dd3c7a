/* synack — the command-line tool: one binary, a subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"trace", cmd_trace, "trace [-S] [-t|-tt|-ttt|-tttt] FILE.pcap   print a pcap as tcpdump -n does"},
	{"demo", cmd_demo, "demo [SCENARIO] [--pcap FILE] [-S] [--seed N]   run a scenario in the simulator"},
	{"echo", cmd_echo, "echo --tun NAME --addr A [--peer B/P] [--port N]   RFC 862 echo server on a TUN device"},
	{"discard", cmd_discard, "discard --tun NAME --addr A [--peer B/P] [--port N]   RFC 863 discard server on a TUN device"},
	{"connect", cmd_connect, "connect --tun NAME --addr A [--peer B/P] [--send-file F] [--linger0] [--bind P] HOST PORT   netcat-like client on a TUN device"},
	{"load", cmd_load, "load --tun NAME --addr A [--peer B/P] [-n N] [--parallel P] [--bytes B] [--expect echo|none|sha256] HOST PORT   N checked connections from one stack"},
	{"http", cmd_http, "http --tun NAME --addr A [--peer B/P] --root DIR [--port N]   HTTP/1.1 file server on a TUN device"},
	{"ss", cmd_ss, "ss (--tun NAME | --ctl PATH) [-l] [-s] [-c] [-i SECONDS]   live connection listing of a running synack"},
	{"drill", cmd_drill, "drill [--tolerance_usecs=N] [--mtu=N] [--lenient] [-v] SCRIPT.pkt...   run packetdrill scripts against synack"},
	{"transfer", cmd_transfer, "transfer [--bytes 64M] [--rtt 50ms] [--bw 1G] [--loss 5%] [--dup 1%] [--reorder 10%] [--corrupt 1%] [--cc cubic|newreno] [--seed N] [--pcap F]   bulk transfer in the simulator"},
	{"bench", cmd_bench, "bench [lifecycle] [--tw N] [--seconds S]   full TCP lifecycles per second, bytes per entry"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: synack COMMAND [ARGS]\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  synack %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "synack: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
