/*
 * cmd_demo.c — `synack demo [SCENARIO] [--pcap FILE] [-S] [--seed N] [--loss PPM]`,
 * `synack demo --list`: runs a scenario of ../shared/SCENARIOS.md in the deterministic
 * simulator (include/synack/sim.h) and prints what both ends did: socket calls, each
 * segment in tcpdump's format at its virtual time, each engine decision with its reason,
 * the states entered, and the RFC-style ladder. The same seed gives byte-identical output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "demo.h"
#include "synack/io.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: synack demo [SCENARIO] [--pcap FILE] [-S] [--seed N] [--loss PPM]\n"
		     "       synack demo --list\n"
		     "SCENARIO is an id (S01, s1, 1) or a name (handshake-close); default S01.\n"
		     "--loss PPM drops packets at random on both directions (parts per million).\n");
}

static void list(FILE *out)
{
	size_t n;
	const struct synack_scenario *all = synack_scenarios(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s  %-20s %s%s\n", all[i].id, all[i].name, all[i].what,
			all[i].ready ? "" : "  (not yet)");
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

struct demo_args {
	const char *key;
	const char *pcap;
	uint64_t seed;
	uint64_t loss_ppm;
	bool absolute, list;
};

static int parse_args(int argc, char **argv, struct demo_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--list")) {
			a->list = true;
		} else if (!strcmp(s, "-S")) {
			a->absolute = true;
		} else if (!strcmp(s, "--pcap") && i + 1 < argc) {
			a->pcap = argv[++i];
		} else if (!strcmp(s, "--seed") && i + 1 < argc) {
			if (!parse_u64(argv[++i], &a->seed))
				return -1;
		} else if (!strcmp(s, "--loss") && i + 1 < argc) {
			if (!parse_u64(argv[++i], &a->loss_ppm) || a->loss_ppm > 1000000)
				return -1;
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			return 1;
		} else if (s[0] != '-' && !a->key) {
			a->key = s;
		} else {
			return -1;
		}
	}
	return 0;
}

static void print_header(FILE *out, const struct synack_scenario *sc, const struct demo_args *a)
{
	fprintf(out, "synack demo %s %s: %s\n", sc->id, sc->name, sc->what);
	fprintf(out, "seed %" PRIu64 "; A = 10.0.0.1, B = 10.0.0.2; link A->B %" PRIu64
		" us, B->A %" PRIu64 " us", a->seed, sc->ab.latency_ns / 1000,
		sc->ba.latency_ns / 1000);
	if (sc->ab.loss_ppm || sc->ba.loss_ppm)
		fprintf(out, "; loss %u/%u ppm", sc->ab.loss_ppm, sc->ba.loss_ppm);
	fprintf(out, "; times are virtual\n\n");
}

/* S19: every SYN's ISN split into RFC 6528's M (the 4 us clock at the send time) and
 * F = ISN - M (the keyed hash of the 4-tuple): same 4-tuple, same F. */
static void print_isn_inputs(FILE *out, const struct synack_sc_run *run)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	fprintf(out, "RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey)\n"
		     "  M = virtual time / 4 us (mod 2^32); F = SipHash-2-4 keyed with 16 secret bytes\n"
		     "  (from the OS random source; here derived from the seed)\n\n");
	fprintf(out, "  %-8s %-26s %-12s %-10s %-10s %-10s\n", "sender", "4-tuple (local > remote)",
		"time", "M", "ISN", "F = ISN-M");
	for (size_t i = 0; i < n; i++) {
		const struct synack_sc_entry *e = &log[i];
		uint32_t m = (uint32_t)(e->t_ns / 4000u);
		char tuple[64];

		if (e->kind != SYNACK_SC_LOG_SEND || !e->is_tcp || !(e->tcp_flags & 0x02) ||
		    e->rel_seq != 0 || e->is_dup)
			continue;
		snprintf(tuple, sizeof tuple, "%u.%u.%u.%u:%u > :%u", e->saddr >> 24,
			 (e->saddr >> 16) & 255, (e->saddr >> 8) & 255, e->saddr & 255, e->sport,
			 e->dport);
		fprintf(out, "  %-8s %-26s %9.6f s %-10u %-10u %-10u\n", e->host == 0 ? "A" : "B",
			tuple, (double)e->t_ns / 1e9, m, e->seq, e->seq - m);
	}
}

/* Counters of host h's stack at the end of the run, the ones the scenario is about
 * (ctr ends with -1): S15's malformed headers, S17's SYN queue and cookies. */
static void print_counters(FILE *out, const struct synack_sc_run *run, int h, const int *ctr)
{
	const struct synack_stack *s = synack_sim_stack(synack_sc_sim(run), h);

	fprintf(out, "\n%s's counters at the end:\n", h == 0 ? "A" : "B");
	for (; *ctr >= 0; ctr++)
		fprintf(out, "  %-22s %" PRIu64 "\n", synack_counter_name(*ctr),
			synack_counter(s, *ctr));
}

static const int s15_counters[] = {
	SYNACK_CTR_TCP_IN, SYNACK_CTR_TCP_MALFORMED, SYNACK_CTR_TCP_BAD_CSUM, SYNACK_CTR_TCP_OUT,
	SYNACK_CTR_TCP_RST_OUT, -1,
};

int cmd_demo(int argc, char **argv)
{
	struct demo_args a = {.seed = 1};
	struct synack_scenario sc;
	const struct synack_scenario *found;
	struct synack_env env;
	struct demo_ctx d = {0};
	int rc = parse_args(argc, argv, &a);

	if (rc) {
		usage(rc < 0 ? stderr : stdout);
		return rc < 0 ? 2 : 0;
	}
	if (a.list) {
		list(stdout);
		return 0;
	}
	found = synack_scenario_find(a.key ? a.key : "S01");
	if (!found) {
		fprintf(stderr, "synack demo: unknown scenario '%s' (see synack demo --list)\n", a.key);
		return 2;
	}
	if (!found->ready) {
		fprintf(stderr, "synack demo: %s %s is not supported by the engine yet\n",
			found->id, found->name);
		return 3;
	}
	sc = *found;
	if (a.loss_ppm)
		sc.ab.loss_ppm = sc.ba.loss_ppm = (uint32_t)a.loss_ppm;
	/* Only the allocator is used: the stacks' secrets come from the seed. */
	if (synack_io_env(&env)) {
		fprintf(stderr, "synack demo: cannot set up the environment\n");
		return 1;
	}
	d.sc = &sc;
	d.absolute = a.absolute;
	d.run = synack_sc_run(&sc, a.seed, &env);
	if (!d.run) {
		fprintf(stderr, "synack demo: out of memory\n");
		return 1;
	}
	print_header(stdout, &sc, &a);
	demo_print_trace(stdout, &d);
	fprintf(stdout, "\n");
	demo_print_ladder(stdout, &d);
	if (sc.explain)
		fprintf(stdout, "\n%s", sc.explain);
	if (!strcmp(sc.id, "S19"))
		print_isn_inputs(stdout, d.run);
	if (!strcmp(sc.id, "S25")) {
		fprintf(stdout, "\nThe same packets as `tcpdump -n -r` prints them (relative sequence "
			"numbers after the SYN):\n");
		demo_print_packets(stdout, &d, false);
		fprintf(stdout, "\nand as `tcpdump -n -S -r` prints them (absolute):\n");
		demo_print_packets(stdout, &d, true);
		fprintf(stdout, "\n(--pcap FILE writes them: raw IPv4, times from the epoch.)\n");
	}
	if (!strcmp(sc.id, "S15"))
		print_counters(stdout, d.run, 1, s15_counters);
	rc = a.pcap && demo_write_pcap(&d, a.pcap) ? 1 : 0;
	synack_sc_run_free(d.run);
	return rc;
}
