/*
 * drill_embed.c — the parts of packetdrill's embedded shell commands and %{ python }%
 * blocks that `synack drill` understands (docs/drill.md "Shell lines and code blocks").
 *
 * Real suites configure the kernel with timed shell lines such as
 * "0 `sysctl -q net.ipv4.tcp_syncookies=2`" and check its state with one-line blocks such
 * as "+0 %{ assert tcpi_state == TCP_CLOSING }%". synack has no kernel and no Python:
 * sysctl assignments whose name has a synack_config knob (same meaning, same unit as
 * Linux) are applied to the stack with synack_stack_set_config; asserts over tcpi_*
 * fields that synack_tcp_info can answer are evaluated. Everything else is reported as
 * skipped, so the caller prints a notice rather than failing on it.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/drill.h"
#include "synack/synack.h"

#include "drill_run.h"

/* A sysctl that has a synack knob: cfg field (uint32_t) = value * scale. */
struct knob {
	const char *name;
	size_t off;
	uint32_t scale;
	bool middle;             /* "min default max" triple: the default is taken */
};

#define K(n, f, sc) {n, offsetof(struct synack_config, f), sc, false}
static const struct knob knobs[] = {
	K("net.ipv4.tcp_syncookies", syncookies, 1),
	K("net.ipv4.tcp_max_syn_backlog", max_syn_backlog, 1),
	K("net.core.somaxconn", somaxconn, 1),
	K("net.ipv4.tcp_syn_retries", syn_retries, 1),
	K("net.ipv4.tcp_synack_retries", synack_retries, 1),
	K("net.ipv4.tcp_retries1", retries1, 1),
	K("net.ipv4.tcp_retries2", retries2, 1),
	K("net.ipv4.tcp_fin_timeout", fin_timeout_ms, 1000),          /* seconds */
	K("net.ipv4.tcp_tw_reuse", tw_reuse, 1),
	K("net.ipv4.tcp_rfc1337", rfc1337, 1),
	K("net.ipv4.tcp_keepalive_time", keepalive_time_ms, 1000),    /* seconds */
	K("net.ipv4.tcp_keepalive_intvl", keepalive_intvl_ms, 1000),  /* seconds */
	K("net.ipv4.tcp_keepalive_probes", keepalive_probes, 1),
	K("net.ipv4.tcp_challenge_ack_limit", challenge_ack_limit, 1),
	K("net.ipv4.tcp_invalid_ratelimit", invalid_ratelimit_ms, 1),  /* ms */
	K("net.ipv4.tcp_window_scaling", window_scaling, 1),
	K("net.ipv4.tcp_timestamps", timestamps, 1),
	K("net.ipv4.tcp_sack", sack, 1),
	K("net.ipv4.tcp_moderate_rcvbuf", moderate_rcvbuf, 1),
	K("net.core.rmem_max", rmem_max, 1),
	K("net.core.wmem_max", wmem_max, 1),
	{"net.ipv4.tcp_rmem", offsetof(struct synack_config, rmem_default), 1, true},
	{"net.ipv4.tcp_wmem", offsetof(struct synack_config, wmem_default), 1, true},
};
#undef K

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The next word of s (up to whitespace, ';' or '&'; a "quoted" part may hold
 * spaces) into w[0..cap); returns the text after it. */
static const char *next_word(const char *s, char *w, size_t cap)
{
	size_t n = 0;
	char q = 0;

	s = skip_ws(s);
	for (; *s && (q || (!isspace((unsigned char)*s) && *s != ';' && *s != '&')); s++) {
		if (*s == '"' || *s == '\'') {
			q = q == *s ? 0 : q ? q : *s;
			continue;
		}
		if (n + 1 < cap)
			w[n++] = *s;
	}
	w[n] = '\0';
	return s;
}

/* "name=value": applies it to *cfg. 1 applied, 0 no such knob, -1 bad value. */
static int apply_assignment(struct synack_config *cfg, const char *word)
{
	const char *eq = strchr(word, '=');
	char *end;

	if (!eq)
		return -1;
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
		const struct knob *k = &knobs[i];
		if (strlen(k->name) != (size_t)(eq - word) || strncmp(word, k->name, (size_t)(eq - word)))
			continue;
		const char *v = eq + 1;
		unsigned long x = strtoul(v, &end, 10);
		if (k->middle)      /* "4096 131072 6291456": the second number */
			x = strtoul(end, &end, 10);
		if (end == v || (!k->middle && *end) || x > 0xffffffffu / k->scale)
			return -1;
		uint32_t val = (uint32_t)x * k->scale;
		memcpy((char *)cfg + k->off, &val, sizeof val);
		return 1;
	}
	return 0;
}

int drill_shell(struct synack_stack *s, const char *cmd, char *note, size_t ncap,
		char *err, size_t ecap)
{
	struct synack_config cfg = *synack_stack_config(s);
	char w[160];
	const char *p = cmd;
	int applied = 0, skipped = 0;
	size_t nlen = 0;

	note[0] = err[0] = '\0';
	while (*skip_ws(p)) {
		p = next_word(p, w, sizeof w);
		if (strcmp(w, "sysctl")) {      /* not a sysctl: skip to the next command */
			snprintf(note + nlen, ncap - nlen, "%sskipped '%s...'", nlen ? "; " : "", w);
			nlen = strlen(note);
			skipped++;
			while (*p && *p != ';' && *p != '&')
				p++;
		}
		while (*skip_ws(p) && *skip_ws(p) != ';' && *skip_ws(p) != '&') {
			p = next_word(p, w, sizeof w);
			if (w[0] == '-')
				continue;               /* -q, -w, -e */
			int k = apply_assignment(&cfg, w);
			if (k < 0) {
				snprintf(err, ecap, "sysctl %s: not name=value or a bad value", w);
				return -1;
			}
			if (k == 0) {
				snprintf(note + nlen, ncap - nlen, "%s%s not applied (no synack knob)",
					 nlen ? "; " : "", w);
				nlen = strlen(note);
				skipped++;
			}
			applied += k;
		}
		p = skip_ws(p);
		while (*p == ';' || *p == '&')
			p++;
	}
	if (applied && synack_stack_set_config(s, &cfg)) {
		snprintf(err, ecap, "synack rejects the configuration of `%s`", cmd);
		return -1;
	}
	return skipped ? 1 : 0;
}

/* ---- %{ assert tcpi_... }% ----------------------------------------------------------- */

/* Linux's tcpi_state numbers for synack's states (include/net/tcp_states.h). */
static int linux_state(int st)
{
	static const int map[SYNACK_STATE_COUNT] = {
		[SYNACK_STATE_CLOSED] = 7, [SYNACK_STATE_LISTEN] = 10,
		[SYNACK_STATE_SYN_SENT] = 2, [SYNACK_STATE_SYN_RECEIVED] = 3,
		[SYNACK_STATE_ESTABLISHED] = 1, [SYNACK_STATE_CLOSE_WAIT] = 8,
		[SYNACK_STATE_FIN_WAIT_1] = 4, [SYNACK_STATE_CLOSING] = 11,
		[SYNACK_STATE_LAST_ACK] = 9, [SYNACK_STATE_FIN_WAIT_2] = 5,
		[SYNACK_STATE_TIME_WAIT] = 6,
	};

	return st >= 0 && st < SYNACK_STATE_COUNT ? map[st] : -1;
}

/* The value of tcpi_<name>, Linux's units; false when synack has no such field. */
static bool tcpi_field(const struct synack_tcp_info *ti, const char *name, int64_t *v)
{
	if (!strcmp(name, "tcpi_state"))
		*v = linux_state(ti->state);
	else if (!strcmp(name, "tcpi_retransmits"))
		*v = ti->retransmits;
	else if (!strcmp(name, "tcpi_backoff"))
		*v = ti->backoff;
	else if (!strcmp(name, "tcpi_rto"))
		*v = ti->rto_us;
	else if (!strcmp(name, "tcpi_rtt"))
		*v = ti->rtt_us;
	else if (!strcmp(name, "tcpi_rttvar"))
		*v = ti->rttvar_us;
	else if (!strcmp(name, "tcpi_snd_mss"))
		*v = ti->snd_mss;
	else if (!strcmp(name, "tcpi_rcv_mss"))
		*v = ti->rcv_mss;
	else if (!strcmp(name, "tcpi_snd_wscale"))
		*v = ti->snd_wscale;
	else if (!strcmp(name, "tcpi_rcv_wscale"))
		*v = ti->rcv_wscale;
	else if (!strcmp(name, "tcpi_total_retrans"))
		*v = ti->total_retrans;
	else
		return false;
	return true;
}

static bool compare(int64_t a, const char *op, int64_t b)
{
	if (!strcmp(op, "=="))
		return a == b;
	if (!strcmp(op, "!="))
		return a != b;
	if (!strcmp(op, "<"))
		return a < b;
	if (!strcmp(op, "<="))
		return a <= b;
	if (!strcmp(op, ">"))
		return a > b;
	if (!strcmp(op, ">="))
		return a >= b;
	return false;
}

int drill_code(struct synack_stack *s, int fd, const char *code, char *note, size_t ncap,
	       char *err, size_t ecap)
{
	char name[64], op[4], val[64], cond[160];
	struct synack_tcp_info ti;
	const char *p = skip_ws(code);
	int64_t want, got;

	note[0] = err[0] = '\0';
	if (strncmp(p, "assert", 6) || !isspace((unsigned char)p[6])) {
		snprintf(note, ncap, "skipped code '%s' (only 'assert tcpi_X OP V' is run)", code);
		return 1;
	}
	/* conditions joined by "and", up to an optional ", message" */
	size_t n = strcspn(p + 6, ",");
	snprintf(cond, sizeof cond, "%.*s", (int)n, p + 6);
	bool have_info = false;
	for (char *c = cond; *skip_ws(c);) {
		int used = 0;
		if (sscanf(c, " %63[a-z_] %3[=!<>] %63[A-Za-z0-9_] %n", name, op, val, &used) != 3 ||
		    !synack_drill_value(val, &want)) {
			snprintf(note, ncap, "skipped code '%s' (not 'tcpi_X OP V [and ...]')", code);
			return 1;
		}
		if (!have_info) {
			if (fd < 0 || synack_tcp_info(s, fd, &ti)) {
				snprintf(err, ecap, "%s: no open socket to read tcpi_* from", code);
				return -1;
			}
			have_info = true;
		}
		if (!tcpi_field(&ti, name, &got)) {
			snprintf(note, ncap, "skipped code '%s' (synack has no %s)", code, name);
			return 1;
		}
		if (!compare(got, op, want)) {
			snprintf(err, ecap, "assert failed: %s is %lld (state %s), the script says %s %s",
				 name, (long long)got, synack_state_name(ti.state), op, val);
			return -1;
		}
		c += used;
		if (!strncmp(c, "and", 3) && isspace((unsigned char)c[3]))
			c += 3;
		else if (*skip_ws(c)) {
			snprintf(note, ncap, "skipped code '%s' (not 'tcpi_X OP V [and ...]')", code);
			return 1;
		}
	}
	return 0;
}
