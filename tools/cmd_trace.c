/*
 * cmd_trace.c — `synack trace [-S] [-v] [-t|-tt|-ttt|-tttt] FILE.pcap`: prints a capture the
 * way `tcpdump -n -r FILE.pcap` does, one line per IPv4 packet (include/synack/trace.h).
 *
 * Exit status: 0 when the whole file was printed, 1 when it cannot be read (or a read
 * error cuts it short), 2 on a usage error. Frames that carry no IPv4 are skipped; their
 * number goes to stderr at the end when there were any.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "synack/pcap.h"
#include "synack/trace.h"

static void usage(void)
{
	fprintf(stderr, "usage: synack trace [-S] [-v] [-t|-tt|-ttt|-tttt] FILE.pcap\n");
}

/* The local time zone's offset from UTC at that instant (tcpdump prints local time). */
static long local_utc_offset(void *ctx, int64_t epoch_s)
{
	time_t t = (time_t)epoch_s;
	struct tm tm;

	(void)ctx;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* Parses the switches into *opts; returns the index of the file argument, or -1. */
static int parse_args(int argc, char **argv, struct synack_trace_opts *opts)
{
	static const struct {
		const char *sw;
		enum synack_trace_ts ts;
	} ts_switches[] = {
		{"-t", SYNACK_TRACE_TS_NONE}, {"-tt", SYNACK_TRACE_TS_EPOCH},
		{"-ttt", SYNACK_TRACE_TS_DELTA}, {"-tttt", SYNACK_TRACE_TS_DATE},
	};
	int i, file = -1;

	for (i = 1; i < argc; i++) {
		bool known = false;

		if (!strcmp(argv[i], "-S")) {
			opts->absolute_seq = true;
			continue;
		}
		if (!strcmp(argv[i], "-v")) {
			opts->verbose = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(ts_switches) / sizeof(ts_switches[0]); k++) {
			if (!strcmp(argv[i], ts_switches[k].sw)) {
				opts->ts = ts_switches[k].ts;
				known = true;
			}
		}
		if (known)
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "synack trace: unknown switch '%s'\n", argv[i]);
			return -1;
		}
		if (file >= 0) {
			fprintf(stderr, "synack trace: more than one file given\n");
			return -1;
		}
		file = i;
	}
	if (file < 0)
		fprintf(stderr, "synack trace: no file given\n");
	return file;
}

int cmd_trace(int argc, char **argv)
{
	static struct synack_trace tracer; /* about 24 KiB: keep it off the stack */
	struct synack_trace_opts opts = {.utc_offset_s = local_utc_offset};
	struct synack_pcap_reader *r;
	struct synack_pcap_pkt pkt;
	char err[512], line[4096];
	uint64_t skipped;
	int file, rc;

	file = parse_args(argc, argv, &opts);
	if (file < 0) {
		usage();
		return 2;
	}
	tzset();
	r = synack_pcap_open_read(argv[file], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "synack trace: %s\n", err);
		return 1;
	}
	synack_trace_init(&tracer, &opts);
	while ((rc = synack_pcap_next(r, &pkt, err, sizeof(err))) == 1) {
		synack_trace_format(&tracer, line, sizeof(line), pkt.data, pkt.len, pkt.caplen,
				    pkt.ts_ns);
		puts(line);
	}
	skipped = synack_pcap_skipped(r);
	synack_pcap_close_read(r);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "synack trace: cannot write the output\n");
		return 1;
	}
	if (skipped > 0)
		fprintf(stderr, "%llu non-IPv4 frame%s skipped\n", (unsigned long long)skipped,
			skipped == 1 ? "" : "s");
	if (rc < 0) {
		fprintf(stderr, "synack trace: %s: %s\n", argv[file], err);
		return 1;
	}
	return 0;
}
