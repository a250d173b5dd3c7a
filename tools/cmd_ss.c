/*
 * cmd_ss.c — `synack ss`: the live connection listing of a running synack process (one
 * of the TUN programs), asked over its control socket (include/synack/loop.h), printed
 * as `ss -nato` prints Linux's (include/synack/ss.h).
 *
 *   synack ss --tun NAME [-l] [-s] [-c] [-i SECONDS -n COUNT]
 *   synack ss --ctl PATH ...
 *
 * --tun NAME finds the process serving device NAME in the current network namespace
 * (run it with `ip netns exec NS`). Default: every entry (sockets, listeners, half-open,
 * TIME-WAIT). -l: listeners only. -c: per-state counts. -s: summary (per-state counts
 * and every nonzero counter, the engine's and the driver's). -i: repeat every SECONDS
 * (COUNT times, default until interrupted). Exit status 1 when no process answers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "synack/ss.h"
#include "tun_common.h"

static void emit(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static void print_summary(const struct synack_ctl_snapshot *snap)
{
	static const struct {
		const char *name;
		size_t off;
	} drv[] = {
		{ "driver_rx_packets", offsetof(struct synack_loop_stats, rx_packets) },
		{ "driver_tx_packets", offsetof(struct synack_loop_stats, tx_packets) },
		{ "driver_rx_not_ipv4", offsetof(struct synack_loop_stats, rx_not_ipv4) },
		{ "driver_tx_dropped", offsetof(struct synack_loop_stats, tx_dropped) },
#define FAULT(f) { "driver_" #f, offsetof(struct synack_loop_stats, f) }
		FAULT(rx_fault_lost), FAULT(tx_fault_lost), FAULT(rx_fault_dup),
		FAULT(tx_fault_dup), FAULT(rx_fault_delayed), FAULT(tx_fault_delayed),
		FAULT(rx_fault_reordered), FAULT(tx_fault_reordered),
#undef FAULT
	};
	char a[16];

	printf("synack pid %d on %s, address %s\n", snap->pid, snap->ifname,
	       tun_fmt_ipv4(snap->addr, a));
	synack_ss_write_counts(snap->socks, snap->nsocks, emit, NULL);
	printf("counters:\n");
	for (size_t i = 0; i < snap->ncounters; i++)
		if (snap->counters[i])
			printf("  %s %llu\n", synack_counter_name((int)i),
			       (unsigned long long)snap->counters[i]);
	for (size_t i = 0; i < sizeof drv / sizeof drv[0]; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&snap->stats + drv[i].off, sizeof v);
		if (v)
			printf("  %s %llu\n", drv[i].name, (unsigned long long)v);
	}
}

static void print_list(struct synack_ctl_snapshot *snap, bool listeners_only)
{
	size_t n = 0;

	if (listeners_only) {
		for (size_t i = 0; i < snap->nsocks; i++)
			if (snap->socks[i].state == SYNACK_STATE_LISTEN)
				snap->socks[n++] = snap->socks[i];
	} else {
		n = snap->nsocks;
	}
	synack_ss_write_list(snap->socks, n, snap->now_ns, emit, NULL);
}

int cmd_ss(int argc, char **argv)
{
	const char *tun = NULL, *ctl = NULL;
	bool listeners = false, summary = false, counts = false;
	double interval = 0;
	long count = -1;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tun") && i + 1 < argc)
			tun = argv[++i];
		else if (!strcmp(argv[i], "--ctl") && i + 1 < argc)
			ctl = argv[++i];
		else if (!strcmp(argv[i], "-l"))
			listeners = true;
		else if (!strcmp(argv[i], "-s"))
			summary = true;
		else if (!strcmp(argv[i], "-c"))
			counts = true;
		else if (!strcmp(argv[i], "-i") && i + 1 < argc && (interval = atof(argv[++i])) > 0)
			continue;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc && (count = atol(argv[++i])) > 0)
			continue;
		else
			tun = ctl = NULL, i = argc;
	}
	if (!tun == !ctl) {
		fprintf(stderr, "usage: synack ss (--tun NAME | --ctl PATH) [-l] [-s] [-c] [-i SECONDS [-n COUNT]]\n");
		return 2;
	}
	if (!interval)
		count = 1;
	for (long k = 0; count < 0 || k < count; k++) {
		struct synack_ctl_snapshot snap;

		if (k) {
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (double)(time_t)interval) * 1e9) };

			nanosleep(&ts, NULL);
			printf("\n");
		}
		if (synack_ctl_query(tun, ctl, 2000, &snap, err, sizeof err)) {
			fprintf(stderr, "synack ss: %s\n", err);
			return 1;
		}
		if (summary)
			print_summary(&snap);
		else if (counts)
			synack_ss_write_counts(snap.socks, snap.nsocks, emit, NULL);
		else
			print_list(&snap, listeners);
		synack_ctl_snapshot_free(&snap);
		fflush(stdout);
	}
	return 0;
}
