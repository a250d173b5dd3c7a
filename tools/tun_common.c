/*
 * tun_common.c — the options and start-up shared by the TUN programs (echo, discard,
 * http, connect, load): parse --tun/--addr/--peer/--mtu/--pcap/--trace/--ctl/--set/--get,
 * create the loop of include/synack/loop.h, and record every packet to a pcap file
 * and/or print it as tcpdump -n does (to stderr: stdout carries data for `synack
 * connect`).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tun_common.h"

/*
 * Every struct synack_config field, settable with --set NAME=VALUE and printed with
 * --get NAME: the integer width is the field's own (1, 2 or 4 bytes; 0 marks the
 * congestion_control string, [min, max] then its length) and [min, max] the width's
 * range. Where synack_stack_set_config refuses a value of a single field, the engine's
 * own table says so (synack_config_range: mtu, syncookies, tw_reuse, ...) and --set
 * narrows the range to it, so the error names the knob; what depends on two fields
 * (rto_min_ms <= rto_max_ms, the port range) or on the engine (a known
 * congestion_control) is refused when the loop starts.
 */
struct knob {
	const char *name;
	size_t off;
	size_t size;
	uint32_t min, max;
};

#define FIELD_SIZE(f) sizeof(((struct synack_config *)0)->f)
#define KNOB(f) { #f, offsetof(struct synack_config, f), FIELD_SIZE(f), 0, \
		  (uint32_t)((1ull << (8 * FIELD_SIZE(f))) - 1) }
static const struct knob knobs[] = {
	KNOB(syn_retries), KNOB(synack_retries), KNOB(syncookies), KNOB(max_syn_backlog),
	KNOB(somaxconn), KNOB(quiet_time), KNOB(rto_initial_ms), KNOB(rto_min_ms),
	KNOB(rto_max_ms), KNOB(retries1), KNOB(retries2), KNOB(delayed_ack_ms),
	KNOB(fin_timeout_ms), KNOB(msl_ms), KNOB(tw_reuse), KNOB(rfc1337),
	KNOB(keepalive_time_ms), KNOB(keepalive_intvl_ms), KNOB(keepalive_probes),
	KNOB(challenge_ack_limit), KNOB(invalid_ratelimit_ms), KNOB(window_scaling),
	KNOB(timestamps), KNOB(sack), KNOB(rmem_default), KNOB(wmem_default), KNOB(rmem_max),
	KNOB(wmem_max), KNOB(mtu), KNOB(ip_local_port_range_lo), KNOB(ip_local_port_range_hi),
	KNOB(ip_default_ttl), KNOB(icmp_echo_ignore_all), KNOB(accept_source_route),
	KNOB(notes_max), KNOB(max_sockets),
	{ "congestion_control", offsetof(struct synack_config, congestion_control), 0, 1,
	  FIELD_SIZE(congestion_control) - 1 },
	KNOB(slow_start_after_idle), KNOB(recovery), KNOB(early_retrans),
	/* accepted, no effect on TUN: the driver moves one packet per MSS (synack.h) */
	KNOB(gso), KNOB(gro), KNOB(moderate_rcvbuf), KNOB(tcp_ecn),
};
#undef KNOB

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

static const struct knob *find_knob(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
		if (strlen(knobs[i].name) == len && !strncmp(knobs[i].name, name, len))
			return &knobs[i];
	return NULL;
}

/* --set NAME=VALUE into a->cfg at the knob's width; false after printing the error. */
static bool parse_knob(struct tun_app *a, const char *s)
{
	const char *eq = strchr(s, '='), *val;
	const struct knob *k;
	unsigned long long v;
	char *end;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32, min, max;

	k = eq ? find_knob(s, (size_t)(eq - s)) : NULL;
	if (!k) {
		fprintf(stderr, "%s: --set %s: %s\n", a->prog, s,
			eq ? "unknown knob (--get all lists them)" : "expected NAME=VALUE");
		return false;
	}
	val = eq + 1;
	if (!k->size) {
		size_t n = strlen(val);

		if (n < k->min || n > k->max) {
			fprintf(stderr, "%s: --set %s: expected %u..%u characters\n", a->prog, s,
				k->min, k->max);
			return false;
		}
		memset((char *)&a->cfg + k->off, 0, k->max + 1);
		memcpy((char *)&a->cfg + k->off, val, n);
		return true;
	}
	min = k->min;
	max = k->max;
	synack_config_range(k->name, &min, &max);       /* the engine's, when it has one */
	errno = 0;
	v = strtoull(val, &end, 0);
	if (errno == ERANGE)
		v = ULLONG_MAX;                 /* beyond any range below */
	else if (errno || end == val || *end || val[0] == '-' || val[0] == '+')
		v = 0, end = NULL;
	if (!end || v < min || v > max) {
		fprintf(stderr, "%s: --set %s: %s %u..%u\n", a->prog, s,
			end ? "out of range" : "not a number: expected", min, max);
		return false;
	}
	v8 = (uint8_t)v;
	v16 = (uint16_t)v;
	v32 = (uint32_t)v;
	memcpy((char *)&a->cfg + k->off, k->size == 1 ? (void *)&v8 :
	       k->size == 2 ? (void *)&v16 : (void *)&v32, k->size);
	return true;
}

/* --get NAME (or all): remembered, printed by tun_start from the running stack. */
static bool add_get(struct tun_app *a, const char *name)
{
	if (strcmp(name, "all") && !find_knob(name, strlen(name))) {
		fprintf(stderr, "%s: --get %s: unknown knob (--get all lists them)\n", a->prog,
			name);
		return false;
	}
	if (a->nget == sizeof a->get / sizeof a->get[0]) {
		fprintf(stderr, "%s: --get: at most %zu\n", a->prog, sizeof a->get / sizeof a->get[0]);
		return false;
	}
	a->get[a->nget++] = name;
	return true;
}

/* "synack echo: NAME=VALUE" on stderr, the value read back from the live stack. */
static void print_knob(const struct tun_app *a, const struct synack_config *c,
		       const struct knob *k)
{
	const char *p = (const char *)c + k->off;
	uint8_t v8 = 0;
	uint16_t v16 = 0;
	uint32_t v32 = 0;
	unsigned long v;

	if (!k->size) {
		fprintf(stderr, "%s: %s=%.*s\n", a->prog, k->name, (int)k->max, p);
		return;
	}
	if (k->size == 1) {
		memcpy(&v8, p, 1);
		v = v8;
	} else if (k->size == 2) {
		memcpy(&v16, p, 2);
		v = v16;
	} else {
		memcpy(&v32, p, 4);
		v = v32;
	}
	fprintf(stderr, "%s: %s=%lu\n", a->prog, k->name, v);
}

static void print_gets(const struct tun_app *a)
{
	const struct synack_config *c = synack_stack_config(synack_loop_stack(a->loop));

	for (unsigned i = 0; i < a->nget; i++) {
		for (size_t j = 0; j < sizeof knobs / sizeof knobs[0]; j++)
			if (!strcmp(a->get[i], "all") || !strcmp(a->get[i], knobs[j].name))
				print_knob(a, c, &knobs[j]);
	}
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
	    strcmp(opt, "--set") && strcmp(opt, "--get") && strcmp(opt, "--fault"))
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
	} else if (!strcmp(opt, "--get")) {
		if (!add_get(a, val))
			return -1;
	} else if (!parse_knob(a, val)) {
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
	print_gets(a);
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
