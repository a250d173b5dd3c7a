/*
 * cmd_transfer.c — `synack transfer`: moves N bytes from one stack to another over a
 * simulated link with latency, bandwidth, loss, duplication, reordering and corruption
 * (all seeded), then closes both ends; prints what arrived (bytes, SHA-256 at both
 * ends), how long it took in virtual time, goodput, retransmissions, fast retransmits,
 * RTOs, what the link did, and both ends' final states. The run itself is
 * synack_transfer_run() (include/synack/transfer.h); this file parses flags, writes the
 * optional pcap and prints.
 *
 * Exit status: 0 when every byte arrived intact and both ends closed properly, 1 when
 * not, 2 for bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "synack/io.h"
#include "synack/pcap.h"
#include "synack/transfer.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: synack transfer [--bytes 64M] [--rtt 50ms] [--bw 1G] [--loss 5%%]\n"
		"         [--dup 1%%] [--reorder 10%%] [--reorder-delay 1ms] [--corrupt 1%%]\n"
		"         [--cc cubic|newreno] [--seed N] [--flows N] [--queue PKTS] [--buf BYTES]\n"
		"         [--mtu N] [--limit 3600s] [--pcap FILE] [--no-hash] [--no-sack]\n"
		"         [--read-every 10ms [--read-chunk 1000]] [--offload] [--quiet]\n"
		"         [--ecn] [--ecn-mark 1%%] [--ecn-queue PKTS]\n"
		"  sizes: 64M = 64 MiB; --bw in bits/s: 1G = 10^9 (0 = infinite); times:\n"
		"  ns/us/ms/s (default ms); rates: 5%% or 0.05 or 50000ppm, each direction.\n"
		"  A progress line is shown on a terminal. Exit 0 when the SHA-256s match and\n"
		"  both ends closed (sender TIME-WAIT, receiver CLOSED, nothing left after 2MSL).\n"
		"  --read-every: a slow application, one recv() of --read-chunk bytes (default\n"
		"  64K) per flow per period, so the receive window closes and reopens.\n"
		"  --offload: both stacks with GSO and GRO (the link still carries MTU packets;\n"
		"  fewer ACKs when packets arrive at the same instant, e.g. --bw 0).\n"
		"  --ecn: both stacks with tcp_ecn = 1 (RFC 3168); --ecn-mark: the link marks\n"
		"  ECT packets CE at this rate; --ecn-queue: it marks them CE when PKTS packets\n"
		"  are queued ahead (a step AQM; needs --bw). Marking implies --ecn.\n");
}

struct targs {
	struct synack_transfer_config cfg;
	const char *pcap;
	bool quiet;
};

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	*out = strtoull(s, &end, 0);
	return !*end;
}

static int parse_flag(struct targs *a, const char *f, const char *v)
{
	struct synack_transfer_config *c = &a->cfg;
	uint64_t u = 0;
	bool ok;

	if (!strcmp(f, "--bytes"))
		ok = synack_transfer_parse_size(v, true, &c->bytes) && c->bytes;
	else if (!strcmp(f, "--rtt"))
		ok = synack_transfer_parse_time(v, &c->rtt_ns);
	else if (!strcmp(f, "--bw"))
		ok = synack_transfer_parse_size(v, false, &c->bandwidth_bps);
	else if (!strcmp(f, "--loss"))
		ok = synack_transfer_parse_ppm(v, &c->loss_ppm);
	else if (!strcmp(f, "--dup"))
		ok = synack_transfer_parse_ppm(v, &c->dup_ppm);
	else if (!strcmp(f, "--reorder"))
		ok = synack_transfer_parse_ppm(v, &c->reorder_ppm);
	else if (!strcmp(f, "--reorder-delay"))
		ok = synack_transfer_parse_time(v, &c->reorder_max_ns);
	else if (!strcmp(f, "--corrupt"))
		ok = synack_transfer_parse_ppm(v, &c->corrupt_ppm);
	else if (!strcmp(f, "--cc"))
		ok = !strcmp(v, "cubic") || !strcmp(v, "newreno") || !strcmp(v, "reno"),
		c->cc = v;
	else if (!strcmp(f, "--seed"))
		ok = parse_u64(v, &c->seed);
	else if (!strcmp(f, "--flows"))
		ok = parse_u64(v, &u) && u >= 1 && u <= SYNACK_TRANSFER_MAX_FLOWS,
		c->flows = (uint32_t)u;
	else if (!strcmp(f, "--queue"))
		ok = parse_u64(v, &u) && u <= 1000000, c->queue_pkts = (uint32_t)u;
	else if (!strcmp(f, "--buf"))
		ok = synack_transfer_parse_size(v, true, &u) && u <= (1u << 30),
		c->buf_bytes = (uint32_t)u;
	else if (!strcmp(f, "--mtu"))
		ok = parse_u64(v, &u) && u >= 576 && u <= 9000, c->mtu = (uint32_t)u;
	else if (!strcmp(f, "--limit"))
		ok = synack_transfer_parse_time(v, &c->time_limit_ns);
	else if (!strcmp(f, "--read-every"))
		ok = synack_transfer_parse_time(v, &c->read_every_ns);
	else if (!strcmp(f, "--read-chunk"))
		ok = synack_transfer_parse_size(v, true, &u) && u >= 1 && u <= 65536,
		c->read_chunk_bytes = (uint32_t)u;
	else if (!strcmp(f, "--ecn-mark"))
		ok = synack_transfer_parse_ppm(v, &c->ecn_mark_ppm), c->ecn = true;
	else if (!strcmp(f, "--ecn-queue"))
		ok = parse_u64(v, &u) && u >= 1 && u <= 1000000, c->ecn_mark_pkts = (uint32_t)u,
		c->ecn = true;
	else if (!strcmp(f, "--pcap"))
		ok = (a->pcap = v) != NULL;
	else
		return -1;
	return ok ? 0 : 1;
}

static int parse_args(int argc, char **argv, struct targs *a)
{
	struct synack_transfer_config *c = &a->cfg;

	c->bytes = 64ull << 20;
	c->rtt_ns = 50000000ull;
	c->bandwidth_bps = 1000000000ull;
	c->seed = 1;
	c->flows = 1;
	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--no-hash")) {
			c->no_hash = true;
			continue;
		}
		if (!strcmp(argv[i], "--offload")) {
			c->gso = c->gro = true; /* docs/choices.md "Offloads" */
			continue;
		}
		if (!strcmp(argv[i], "--ecn")) {
			c->ecn = true;          /* RFC 3168: tcp_ecn = 1 on both */
			continue;
		}
		if (!strcmp(argv[i], "--no-sack")) {
			c->no_sack = true;      /* NewReno recovery (RFC 6582) */
			continue;
		}
		if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
			a->quiet = true;
			continue;
		}
		r = i + 1 < argc ? parse_flag(a, argv[i], argv[i + 1]) : -1;
		if (r) {
			fprintf(stderr, "synack transfer: %s '%s'\n",
				r < 0 ? "unknown or incomplete flag" : "bad value for",
				r < 0 ? argv[i] : argv[i]);
			usage(stderr);
			return 2;
		}
		i++;
	}
	return 0;
}

/* ---- output ---------------------------------------------------------------------- */

static void pcap_tap(void *ctx, const struct synack_sim_tap *rec)
{
	if (rec->kind == SYNACK_SIM_TAP_SEND)
		synack_pcap_write(ctx, (int64_t)rec->now_ns, rec->pkt, rec->len);
}

static void progress(void *ctx, const struct synack_transfer_progress *p)
{
	double pct = p->bytes_total ? 100.0 * (double)p->bytes_received / (double)p->bytes_total : 0;
	double secs = (double)p->now_ns / 1e9;

	(void)ctx;
	fprintf(stderr, "\r%9.3f s virtual  %12" PRIu64 " / %" PRIu64 " bytes (%5.1f%%)  "
		"%8.2f Mbit/s  retrans %" PRIu64 "   ",
		secs, p->bytes_received, p->bytes_total, pct,
		secs > 0 ? (double)p->bytes_received * 8 / secs / 1e6 : 0.0,
		p->retrans == UINT64_MAX ? 0 : p->retrans);
	fflush(stderr);
}

static void print_hex(const uint8_t *h)
{
	for (int i = 0; i < 32; i++)
		printf("%02x", h[i]);
}

static void print_counter(const char *name, uint64_t v)
{
	if (v == UINT64_MAX)
		printf("%-18s n/a (the stack has no such counter yet)\n", name);
	else
		printf("%-18s %" PRIu64 "\n", name, v);
}

static const char *state_name(int st)
{
	return st < 0 ? "?" : synack_state_name(st);
}

static void print_flow(const struct synack_transfer_result *res, uint32_t i, bool hash)
{
	const struct synack_transfer_flow *f = &res->flow[i];

	if (res->flows > 1)
		printf("-- flow %u\n", i);
	printf("bytes sent         %" PRIu64 "\n", f->bytes_sent);
	printf("bytes received     %" PRIu64 "\n", f->bytes_received);
	if (hash) {
		printf("sha256 sender      ");
		print_hex(f->sha_sent);
		printf("\nsha256 receiver    ");
		print_hex(f->sha_received);
		printf("  %s\n", f->sha_equal ? "(identical)" : "(DIFFERENT)");
	}
	printf("final states       sender %s, receiver %s\n", state_name(f->sender_state),
	       state_name(f->receiver_state));
	if (f->sender_error || f->receiver_error)
		printf("errors             sender %s, receiver %s\n",
		       f->sender_error ? strerror(f->sender_error) : "-",
		       f->receiver_error ? strerror(f->receiver_error) : "-");
}

static void print_result(const struct targs *a, const struct synack_transfer_result *res,
			 double wall_s)
{
	const struct synack_transfer_config *c = &a->cfg;

	for (uint32_t i = 0; i < res->flows; i++)
		print_flow(res, i, !c->no_hash);
	printf("duration           %.6f s virtual (last byte read), %.6f s to both closed\n",
	       (double)res->duration_ns / 1e9, (double)res->closed_ns / 1e9);
	printf("goodput            %.3f Mbit/s (virtual time)\n", res->goodput_bps / 1e6);
	printf("wall time          %.3f s (%.3f Gbit/s of goodput per wall second)\n", wall_s,
	       wall_s > 0 ? (double)res->bytes_total * 8 / wall_s / 1e9 : 0.0);
	print_counter("retransmissions", res->retrans);
	print_counter("fast retransmits", res->fast_retrans);
	print_counter("RTOs", res->rtos);
	printf("link               %" PRIu64 " packets: %" PRIu64 " lost, %" PRIu64
	       " queue drops, %" PRIu64 " duplicated, %" PRIu64 " reordered, %" PRIu64
	       " corrupted\n", res->pkts, res->fate[SYNACK_SIM_DROP_LOSS],
	       res->fate[SYNACK_SIM_DROP_QUEUE], res->duplicated, res->reordered, res->corrupted);
	if (c->ecn)
		printf("ecn                %" PRIu64 " packets CE-marked, %" PRIu64
		       " ECE received, %" PRIu64 " cwnd reductions, %" PRIu64 " CWR sent\n",
		       res->ce_marked, res->ece_in, res->ecn_reductions, res->cwr_out);
	printf("corruption         %" PRIu64 " corrupted copies delivered, %" PRIu64
	       " fail a checksum, %" PRIu64 " dropped by the stacks as bad\n",
	       res->corrupted, res->corrupted_csum_caught, res->bad_csum);
	printf("buffers            %" PRIu64 " bytes each way, link queue %u packets\n",
	       res->buf_bytes, res->queue_pkts);
	if (c->cc)
		printf("congestion control %s%s\n", c->cc,
		       res->cc_applied ? "" : " (NOT applied)");
	printf("after 2MSL         %" PRIu64 " connections left at the sender, %" PRIu64
	       " at the receiver%s\n", res->left_sender, res->left_receiver,
	       res->stuck ? " (STUCK)" : "");
	printf("result             %s\n", res->completed && !res->stuck ? "ok"
	       : res->timed_out ? "FAILED: time limit reached" : "FAILED");
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_transfer(int argc, char **argv)
{
	struct targs a = {0};
	struct synack_transfer_result *res;
	struct synack_pcap_writer *w = NULL;
	double t0;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (synack_io_env(&a.cfg.env)) {
		fprintf(stderr, "synack transfer: no environment\n");
		return 1;
	}
	if (a.pcap) {
		char err[256];

		w = synack_pcap_open_write(a.pcap, err, sizeof err);
		if (!w) {
			fprintf(stderr, "synack transfer: %s\n", err);
			return 1;
		}
		a.cfg.tap = pcap_tap;
		a.cfg.tap_ctx = w;
	}
	if (!a.quiet && isatty(STDERR_FILENO) && isatty(STDOUT_FILENO))
		a.cfg.progress = progress;
	res = calloc(1, sizeof(*res));
	if (!res)
		return 1;
	t0 = wall_now();
	rc = synack_transfer_run(&a.cfg, res);
	if (a.cfg.progress)
		fprintf(stderr, "\n");
	if (w && synack_pcap_close_write(w))
		fprintf(stderr, "synack transfer: writing %s failed\n", a.pcap);
	if (rc < 0) {
		fprintf(stderr, "synack transfer: %s: %s\n", res->what ? res->what : "run",
			strerror(-rc));
		free(res);
		return 1;
	}
	print_result(&a, res, wall_now() - t0);
	free(res);
	return rc ? 1 : 0;
}
