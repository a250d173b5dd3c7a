/*
 * tun_common.c — the options and start-up shared by the TUN programs (echo, discard,
 * http, connect): parse --tun/--addr/--peer/--mtu/--pcap/--trace/--ctl/--set, create the
 * loop of include/synack/loop.h, and record every packet to a pcap file and/or print it
 * as tcpdump -n does (to stderr: stdout carries data for `synack connect`).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tun_common.h"

/* struct synack_config knobs settable with --set NAME=VALUE (all uint32_t). */
static const struct {
	const char *name;
	size_t off;
} knobs[] = {
#define KNOB(f) { #f, offsetof(struct synack_config, f) }
	KNOB(syn_retries), KNOB(synack_retries), KNOB(syncookies), KNOB(max_syn_backlog),
	KNOB(somaxconn), KNOB(rto_initial_ms), KNOB(rto_min_ms), KNOB(rto_max_ms),
	KNOB(retries1), KNOB(retries2), KNOB(delayed_ack_ms), KNOB(fin_timeout_ms),
	KNOB(msl_ms), KNOB(tw_reuse), KNOB(rfc1337), KNOB(keepalive_time_ms),
	KNOB(keepalive_intvl_ms), KNOB(keepalive_probes), KNOB(challenge_ack_limit),
	KNOB(window_scaling), KNOB(timestamps), KNOB(sack), KNOB(rmem_default),
	KNOB(wmem_default), KNOB(rmem_max), KNOB(wmem_max), KNOB(recovery), KNOB(early_retrans),
#undef KNOB
};

void tun_app_init(struct tun_app *a, const char *prog)
{
	memset(a, 0, sizeof *a);
	a->prog = prog;
	synack_config_default(&a->cfg);
	a->cfg.notes_max = 0;
	a->lo.config = &a->cfg;
}

bool tun_parse_ipv4(const char *s, uint32_t *out)
{
	unsigned b[4];
	char extra;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &b[0], &b[1], &b[2], &b[3], &extra) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (b[i] > 255)
			return false;
	*out = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	return true;
}

bool tun_parse_port(const char *s, uint16_t *out, bool allow_zero)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 65535 || (!v && !allow_zero) || s[0] == '-')
		return false;
	*out = (uint16_t)v;
	return true;
}

char *tun_fmt_ipv4(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

static bool parse_peer(struct tun_app *a, const char *s)
{
	char tmp[32], *slash;
	char *end;
	unsigned long p;

	if (strlen(s) >= sizeof tmp)
		return false;
	strcpy(tmp, s);
	slash = strchr(tmp, '/');
	if (!slash)
		return false;
	*slash = '\0';
	p = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end || p < 1 || p > 32)
		return false;
	a->lo.peer_prefix = (unsigned)p;
	return tun_parse_ipv4(tmp, &a->lo.peer_addr) && a->lo.peer_addr;
}

static bool parse_knob(struct tun_app *a, const char *s)
{
	const char *eq = strchr(s, '=');
	char *end;
	unsigned long v;

	if (!eq)
		return false;
	errno = 0;
	v = strtoul(eq + 1, &end, 0);
	if (errno || end == eq + 1 || *end || v > UINT32_MAX)
		return false;
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
		if (strlen(knobs[i].name) == (size_t)(eq - s) &&
		    !strncmp(knobs[i].name, s, (size_t)(eq - s))) {
			uint32_t v32 = (uint32_t)v;

			memcpy((char *)&a->cfg + knobs[i].off, &v32, sizeof v32);
			return true;
		}
	}
	return false;
}

int tun_parse_common(struct tun_app *a, int argc, char **argv, int *i)
{
	const char *opt = argv[*i], *val;
	unsigned long mtu;
	char *end;

	if (!strcmp(opt, "--trace")) {
		a->trace = true;
		return 1;
	}
	if (strcmp(opt, "--tun") && strcmp(opt, "--addr") && strcmp(opt, "--peer") &&
	    strcmp(opt, "--mtu") && strcmp(opt, "--pcap") && strcmp(opt, "--ctl") &&
	    strcmp(opt, "--set") && strcmp(opt, "--fault"))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value\n", a->prog, opt);
		return -1;
	}
	val = argv[++*i];
	if (!strcmp(opt, "--tun")) {
		a->lo.tun = val;
	} else if (!strcmp(opt, "--addr")) {
		if (!tun_parse_ipv4(val, &a->lo.addr) || !a->lo.addr) {
			fprintf(stderr, "%s: --addr: not an IPv4 address: '%s'\n", a->prog, val);
			return -1;
		}
	} else if (!strcmp(opt, "--peer")) {
		if (!parse_peer(a, val)) {
			fprintf(stderr, "%s: --peer: expected ADDRESS/PREFIX (10.9.0.1/24), got '%s'\n",
				a->prog, val);
			return -1;
		}
	} else if (!strcmp(opt, "--mtu")) {
		mtu = strtoul(val, &end, 10);
		if (end == val || *end || mtu < 68 || mtu > 65535) {
			fprintf(stderr, "%s: --mtu: expected 68..65535, got '%s'\n", a->prog, val);
			return -1;
		}
		a->lo.mtu = (uint32_t)mtu;
	} else if (!strcmp(opt, "--pcap")) {
		a->pcap_path = val;
	} else if (!strcmp(opt, "--ctl")) {
		a->lo.ctl = strcmp(val, "none") ? val : "";
	} else if (!strcmp(opt, "--fault")) {
		char err[200];

		if (synack_fault_parse(val, &a->fault, err, sizeof err)) {
			fprintf(stderr, "%s: --fault: %s\n", a->prog, err);
			return -1;
		}
		a->lo.fault = &a->fault;
	} else if (!parse_knob(a, val)) {
		fprintf(stderr, "%s: --set: unknown knob or bad value '%s'\n", a->prog, val);
		return -1;
	}
	return 1;
}

static long local_utc_offset(void *ctx, int64_t epoch_s)
{
	time_t t = (time_t)epoch_s;
	struct tm tm;

	(void)ctx;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

static void tap(void *ctx, enum synack_loop_dir dir, const uint8_t *pkt, size_t len,
		int64_t realtime_ns)
{
	struct tun_app *a = ctx;
	char line[1024];

	(void)dir;
	if (a->pcap)
		synack_pcap_write(a->pcap, realtime_ns, pkt, len);
	if (a->tracer) {
		synack_trace_format(a->tracer, line, sizeof line, pkt, len, len, realtime_ns);
		fprintf(stderr, "%s\n", line);
	}
}

/* One line saying which faults are on, so a log explains a slow or lossy run. */
static void print_faults(const struct tun_app *a)
{
	const struct synack_fault_opts *f = &a->fault;
	unsigned both = 1u << SYNACK_LOOP_RX | 1u << SYNACK_LOOP_TX;

	fprintf(stderr, "%s: faults (%s): loss %g%%, dup %g%%, reorder %g%%, delay %gms, "
		"jitter %gms, seed %llu\n", a->prog,
		!f->dirs || f->dirs == both ? "both ways" :
		f->dirs == 1u << SYNACK_LOOP_RX ? "to synack" : "from synack",
		f->loss_ppm / 1e4, f->dup_ppm / 1e4, f->reorder_ppm / 1e4, f->delay_us / 1e3,
		f->jitter_us / 1e3, (unsigned long long)f->seed);
}

int tun_start(struct tun_app *a)
{
	struct synack_trace_opts topts = { .utc_offset_s = local_utc_offset };
	char err[512];

	if (!a->lo.tun || !a->lo.addr) {
		fprintf(stderr, "%s: --tun NAME and --addr A are required\n", a->prog);
		return 2;
	}
	/* A closed stdout (a pipe whose reader left) must not kill us before we close. */
	signal(SIGPIPE, SIG_IGN);
	if (a->pcap_path) {
		a->pcap = synack_pcap_open_write(a->pcap_path, err, sizeof err);
		if (!a->pcap) {
			fprintf(stderr, "%s: --pcap: %s\n", a->prog, err);
			return 1;
		}
	}
	if (a->trace) {
		tzset();
		a->tracer = malloc(sizeof *a->tracer);
		if (!a->tracer) {
			fprintf(stderr, "%s: out of memory\n", a->prog);
			return 1;
		}
		synack_trace_init(a->tracer, &topts);
	}
	if (a->pcap || a->tracer) {
		a->lo.tap = tap;
		a->lo.tap_ctx = a;
	}
	a->loop = synack_loop_new(&a->lo, NULL, err, sizeof err);
	if (!a->loop) {
		fprintf(stderr, "%s: %s\n", a->prog, err);
		synack_pcap_close_write(a->pcap);
		a->pcap = NULL;
		free(a->tracer);
		a->tracer = NULL;
		return 1;
	}
	if (a->lo.fault)
		print_faults(a);
	return 0;
}

int tun_run(struct tun_app *a)
{
	int rc = synack_loop_run(a->loop), status = 0;

	if (rc) {
		fprintf(stderr, "%s: %s\n", a->prog, synack_loop_error(a->loop));
		status = 1;
	}
	synack_loop_free(a->loop);
	a->loop = NULL;
	if (a->pcap && synack_pcap_close_write(a->pcap)) {
		fprintf(stderr, "%s: --pcap: write error, the capture is incomplete\n", a->prog);
		status = 1;
	}
	a->pcap = NULL;
	free(a->tracer);
	a->tracer = NULL;
	return status;
}
