/*
 * tun_common.h — what every TUN program of the synack tool shares: the common options
 * (--tun, --addr, --peer, --mtu, --pcap, --trace, --ctl, --set, --get), starting the loop with
 * the pcap/trace tap, and clean exits.
 */
#ifndef SYNACK_TOOLS_TUN_COMMON_H
#define SYNACK_TOOLS_TUN_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/loop.h"
#include "synack/pcap.h"
#include "synack/trace.h"

#define TUN_COMMON_USAGE \
	"  --tun NAME        attach to (or create) the TUN device NAME (required)\n" \
	"  --addr A          synack's own IPv4 address (required)\n" \
	"  --peer B/P        give the kernel's side of the device address B/P, link up\n" \
	"  --mtu N           set the device MTU (default: keep it)\n" \
	"  --pcap FILE       write every packet to FILE (raw IPv4 pcap)\n" \
	"  --trace           print every packet to stderr as tcpdump -n does\n" \
	"  --ctl PATH|none   control socket for `synack ss` (default @synack/<tun>)\n" \
	"  --set KNOB=VALUE  a struct synack_config knob (keepalive_time_ms=1000, ...),\n" \
	"                    at its own width, range-checked\n" \
	"  --get KNOB|all    print the knob's value in the running stack to stderr\n" \
	"  --fault SPEC      seeded faults both ways, netem-like (docs/tun.md):\n" \
	"                    loss=5%,delay=20ms,jitter=2ms,reorder=10%,dup=1%,seed=N,dir=rx|tx\n"

struct tun_app {
	const char *prog;            /* "synack echo", for messages */
	struct synack_loop_opts lo;
	struct synack_config cfg;
	struct synack_fault_opts fault;
	const char *pcap_path;
	bool trace;
	struct synack_loop *loop;
	struct synack_pcap_writer *pcap;
	struct synack_trace *tracer;
	const char *get[16];         /* --get names (argv strings), printed by tun_start */
	unsigned nget;
};

/* Sets defaults. prog is kept (a string literal). */
void tun_app_init(struct tun_app *a, const char *prog);

/*
 * Consumes argv[*i] (and its value, advancing *i) when it is a common option. Returns 1
 * when consumed, 0 when argv[*i] is not a common option, -1 after printing a usage error.
 */
int tun_parse_common(struct tun_app *a, int argc, char **argv, int *i);

/*
 * Checks the required options, opens the pcap file, creates the loop, prints the --get
 * knobs from its stack. Returns 0, or the exit status to return (1) after printing the
 * error.
 */
int tun_start(struct tun_app *a);

/* Runs the loop; then closes the pcap file and frees the loop. Returns the exit status:
 * 0, or 1 after printing a loop or pcap failure. */
int tun_run(struct tun_app *a);

/* Parses a dotted quad into host order; false when malformed. */
bool tun_parse_ipv4(const char *s, uint32_t *out);
/* Parses a port 1..65535 (0 allowed when allow_zero); false when malformed. */
bool tun_parse_port(const char *s, uint16_t *out, bool allow_zero);
/* "10.9.0.2" into buf (at least 16 bytes); returns buf. */
char *tun_fmt_ipv4(uint32_t addr, char *buf);

#endif
