/*
 * drill_parse.c — the line parser for packetdrill scripts (include/synack/drill.h).
 *
 * packetdrill's language, the subset real suites use (docs/drill.md):
 *   time:   "0.1", "+0.1", "*", ranges "a~b", blocking calls "a...b"
 *   packet: "< S 0:0(0) win 32792 <mss 1000,sackOK,nop,wscale 7>"
 *           "> S. 0:0(0) ack 1 <...>"
 *   call:   "socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "= -1 EAGAIN (text)"
 *   other:  "--option=value" lines; timed `shell` lines and one-line %{ python }%
 *           blocks (events the runner interprets in part), untimed ones and longer
 *           blocks (skipped with a notice); C and C++ comments, #ifdef/#ifndef/#else/#endif (STANDARD is
 *           defined, nothing else: nplab's packetdrill convention).
 *
 * Pure text: works in the caller's structs, writes messages with snprintf, never reads
 * past the line's NUL. Every syntax error is reported with what was expected.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/drill.h"

#define LINE_MAX_LEN 1024

struct name_value {
	const char *name;
	int64_t value;
};

/* Linux's errno numbers (asm-generic/errno-base.h, errno.h). */
static const struct name_value errnos[] = {
	{"EPERM", 1}, {"ENOENT", 2}, {"EINTR", 4}, {"EIO", 5}, {"EBADF", 9},
	{"EAGAIN", 11}, {"EWOULDBLOCK", 11}, {"ENOMEM", 12}, {"EFAULT", 14},
	{"EEXIST", 17}, {"EINVAL", 22}, {"EMFILE", 24}, {"ENOSPC", 28}, {"EPIPE", 32},
	{"ENOTSOCK", 88}, {"EDESTADDRREQ", 89}, {"EMSGSIZE", 90}, {"EPROTOTYPE", 91},
	{"ENOPROTOOPT", 92}, {"EOPNOTSUPP", 95}, {"EAFNOSUPPORT", 97},
	{"EADDRINUSE", 98}, {"EADDRNOTAVAIL", 99}, {"ENETDOWN", 100},
	{"ENETUNREACH", 101}, {"ENETRESET", 102}, {"ECONNABORTED", 103},
	{"ECONNRESET", 104}, {"ENOBUFS", 105}, {"EISCONN", 106}, {"ENOTCONN", 107},
	{"ESHUTDOWN", 108}, {"ETIMEDOUT", 110}, {"ECONNREFUSED", 111},
	{"EHOSTUNREACH", 113}, {"EALREADY", 114}, {"EINPROGRESS", 115},
};

/* Linux's values of the symbolic constants scripts use. */
static const struct name_value consts[] = {
	{"AF_INET", 2}, {"PF_INET", 2}, {"SOCK_STREAM", 1}, {"IPPROTO_TCP", 6},
	{"IPPROTO_IP", 0}, {"SOL_SOCKET", 1}, {"SOL_TCP", 6},
	{"SO_REUSEADDR", 2}, {"SO_ERROR", 4}, {"SO_SNDBUF", 7}, {"SO_RCVBUF", 8},
	{"SO_KEEPALIVE", 9}, {"SO_LINGER", 13},
	{"TCP_NODELAY", 1}, {"TCP_MAXSEG", 2}, {"TCP_KEEPIDLE", 4}, {"TCP_KEEPINTVL", 5},
	{"TCP_KEEPCNT", 6}, {"TCP_SYNCNT", 7}, {"TCP_USER_TIMEOUT", 18},
	{"O_RDONLY", 0}, {"O_WRONLY", 1}, {"O_RDWR", 2}, {"O_NONBLOCK", 0x800},
	{"F_GETFL", 3}, {"F_SETFL", 4},
	{"MSG_OOB", 1}, {"MSG_PEEK", 2}, {"MSG_DONTWAIT", 0x40}, {"MSG_NOSIGNAL", 0x4000},
	{"SHUT_RD", 0}, {"SHUT_WR", 1}, {"SHUT_RDWR", 2},
	{"POLLIN", 0x1}, {"POLLPRI", 0x2}, {"POLLOUT", 0x4}, {"POLLERR", 0x8},
	{"POLLHUP", 0x10}, {"POLLNVAL", 0x20}, {"POLLRDNORM", 0x40}, {"POLLWRNORM", 0x100},
	{"POLLRDHUP", 0x2000}, {"NULL", 0}, {"TCP_INFO", 11},
	/* Linux's tcpi_state values (include/net/tcp_states.h), for %{ assert }% blocks */
	{"TCP_ESTABLISHED", 1}, {"TCP_SYN_SENT", 2}, {"TCP_SYN_RECV", 3},
	{"TCP_FIN_WAIT1", 4}, {"TCP_FIN_WAIT2", 5}, {"TCP_TIME_WAIT", 6}, {"TCP_CLOSE", 7},
	{"TCP_CLOSE_WAIT", 8}, {"TCP_LAST_ACK", 9}, {"TCP_LISTEN", 10}, {"TCP_CLOSING", 11},
};

int synack_drill_errno(const char *name)
{
	for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
		if (!strcmp(name, errnos[i].name))
			return (int)errnos[i].value;
	return 0;
}

const char *synack_drill_errno_name(int err)
{
	for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	return "E?";
}

static bool lookup_const(const char *name, size_t len, int64_t *out)
{
	char buf[32];

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++)
		if (!strcmp(buf, consts[i].name)) {
			*out = consts[i].value;
			return true;
		}
	int e = synack_drill_errno(buf);
	if (e) {
		*out = e;
		return true;
	}
	return false;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One term: a number or a name; *end after it. */
static bool parse_term(const char *s, const char **end, int64_t *out)
{
	s = skip_space(s);
	if (*s == '-' || isdigit((unsigned char)*s)) {
		char *e;
		errno = 0;
		long long v = strtoll(s, &e, 0);
		if (e == s || errno)
			return false;
		*out = v;
		*end = e;
		return true;
	}
	const char *b = s;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (!lookup_const(b, (size_t)(s - b), out))
		return false;
	*end = s;
	return true;
}

bool synack_drill_value(const char *text, int64_t *out)
{
	const char *s = skip_space(text);
	bool bracket = *s == '[';
	int64_t acc = 0, v;

	if (bracket)
		s++;
	for (;;) {
		if (!parse_term(s, &s, &v))
			return false;
		acc |= v;
		s = skip_space(s);
		if (*s != '|')
			break;
		s++;
	}
	if (bracket) {
		if (*s != ']')
			return false;
		s = skip_space(s + 1);
	}
	if (*s)
		return false;
	*out = acc;
	return true;
}

/* ---- lines: comments, conditionals, skipped blocks --------------------------------- */

__attribute__((format(printf, 3, 4)))
static void say(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!cap)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

/* Removes comments from line into out (C comments may span lines: p->in_comment). */
static void strip_comments(struct synack_drill_parser *p, const char *line, char *out,
			   size_t cap)
{
	size_t n = 0;

	for (const char *s = line; *s && *s != '\n' && n + 1 < cap; s++) {
		if (p->in_comment) {
			if (s[0] == '*' && s[1] == '/') {
				p->in_comment = false;
				s++;
			}
			continue;
		}
		if (s[0] == '/' && s[1] == '*') {
			p->in_comment = true;
			s++;
			continue;
		}
		if (s[0] == '/' && s[1] == '/')
			break;
		out[n++] = *s;
	}
	while (n && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

static bool is_skipping(const struct synack_drill_parser *p)
{
	uint32_t mask = p->if_depth >= 32 ? ~0u : (1u << p->if_depth) - 1u;

	return (p->if_skip & mask) != 0;
}

/* #ifdef / #ifndef / #else / #endif. Returns a synack_drill_res. */
static int do_conditional(struct synack_drill_parser *p, const char *s, char *msg,
			  size_t cap)
{
	bool is_ifdef = !strncmp(s, "#ifdef", 6), is_ifndef = !strncmp(s, "#ifndef", 7);

	if (is_ifdef || is_ifndef) {
		const char *name = skip_space(s + (is_ifdef ? 6 : 7));
		if (p->if_depth >= SYNACK_DRILL_IF_MAX) {
			say(msg, cap, "#ifdef nested too deeply");
			return SYNACK_DRILL_ERROR;
		}
		bool defined = !strcmp(name, "STANDARD");
		uint32_t bit = 1u << p->if_depth;
		p->if_skip &= ~bit;
		p->if_else &= ~bit;
		if (defined != is_ifdef)
			p->if_skip |= bit;
		p->if_depth++;
		return SYNACK_DRILL_NONE;
	}
	if (!strncmp(s, "#else", 5) || !strncmp(s, "#endif", 6)) {
		if (p->if_depth == 0) {
			say(msg, cap, "%s without #ifdef", s);
			return SYNACK_DRILL_ERROR;
		}
		uint32_t bit = 1u << (p->if_depth - 1);
		if (s[2] == 'n') {
			p->if_depth--;
			return SYNACK_DRILL_NONE;
		}
		if (p->if_else & bit) {
			say(msg, cap, "second #else");
			return SYNACK_DRILL_ERROR;
		}
		p->if_else |= bit;
		p->if_skip ^= bit;
		return SYNACK_DRILL_NONE;
	}
	say(msg, cap, "unknown directive '%s'", s);
	return SYNACK_DRILL_ERROR;
}

/* ---- times ------------------------------------------------------------------------ */

/* "0.1", ".1", "3": microseconds. */
static bool parse_seconds(const char *s, const char **end, int64_t *us)
{
	int64_t whole = 0, frac = 0, scale = 100000;
	const char *b = s;

	while (isdigit((unsigned char)*s)) {
		if (whole > 100000000)
			return false;
		whole = whole * 10 + (*s++ - '0');
	}
	if (*s == '.' && s[1] != '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			frac += (*s++ - '0') * scale;
			scale /= 10;
		}
	}
	if (s == b || (s == b + 1 && *b == '.'))
		return false;
	*us = whole * 1000000 + frac;
	*end = s;
	return true;
}

static bool parse_time_point(const char *s, const char **end, bool *rel, int64_t *us)
{
	*rel = *s == '+';
	if (*rel)
		s++;
	return parse_seconds(s, end, us);
}

/* The time prefix of an event; *end after it. */
static bool parse_time(const char *s, const char **end, struct synack_drill_event *ev)
{
	bool rel;

	if (*s == '*') {
		ev->t0_kind = SYNACK_DRILL_T_ANY;
		*end = s + 1;
		return true;
	}
	if (!parse_time_point(s, &s, &rel, &ev->t0_us))
		return false;
	ev->t0_kind = rel ? SYNACK_DRILL_T_REL : SYNACK_DRILL_T_ABS;
	if (*s == '~' || !strncmp(s, "...", 3)) {
		ev->is_blocking = *s == '.';
		s += ev->is_blocking ? 3 : 1;
		if (!parse_time_point(s, &s, &ev->t1_rel, &ev->t1_us))
			return false;
		ev->has_t1 = true;
	}
	*end = s;
	return true;
}

/* ---- packets ----------------------------------------------------------------------- */

static bool parse_u32(const char *s, const char **end, uint32_t *v)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &e, s[0] == '0' && s[1] == 'x' ? 16 : 10);
	if (errno || x > 0xffffffffull)
		return false;
	*v = (uint32_t)x;
	*end = e;
	return true;
}

static bool word_is(const char *s, const char *w, const char **end)
{
	size_t n = strlen(w);

	if (strncmp(s, w, n) || isalnum((unsigned char)s[n]))
		return false;
	*end = s + n;
	return true;
}

static bool parse_flags(const char *s, const char **end, uint8_t *flags)
{
	static const char names[] = "FSRP.UEW";
	static const uint8_t bits[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};

	*flags = 0;
	if (*s == '-') {
		*end = s + 1;
		return true;
	}
	const char *b = s;
	for (const char *c; *s && (c = strchr(names, *s)) != NULL; s++)
		*flags |= bits[c - names];
	*end = s;
	return s != b;
}

/* One option of a list; *end after it. */
static bool parse_option(const char *s, const char **end, struct synack_drill_opt *o)
{
	memset(o, 0, sizeof *o);
	if (word_is(s, "nop", &s)) {
		o->kind = SYNACK_DRILL_OPT_NOP;
	} else if (word_is(s, "eol", &s)) {
		o->kind = SYNACK_DRILL_OPT_EOL;
	} else if (word_is(s, "sackOK", &s)) {
		o->kind = SYNACK_DRILL_OPT_SACKOK;
	} else if (word_is(s, "mss", &s) || word_is(s, "wscale", &s)) {
		o->kind = s[-1] == 's' ? SYNACK_DRILL_OPT_MSS : SYNACK_DRILL_OPT_WSCALE;
		if (!parse_u32(skip_space(s), &s, &o->v[0]))
			return false;
		if (o->v[0] > (o->kind == SYNACK_DRILL_OPT_MSS ? 65535u : 255u))
			return false;
	} else if (word_is(s, "TS", &s)) {
		o->kind = SYNACK_DRILL_OPT_TS;
		s = skip_space(s);
		if (!word_is(s, "val", &s) || !parse_u32(skip_space(s), &s, &o->v[0]))
			return false;
		s = skip_space(s);
		if (!word_is(s, "ecr", &s) || !parse_u32(skip_space(s), &s, &o->v[1]))
			return false;
	} else if (word_is(s, "sack", &s)) {
		o->kind = SYNACK_DRILL_OPT_SACK;
		for (s = skip_space(s); isdigit((unsigned char)*s); s = skip_space(s)) {
			uint32_t *b = &o->v[2 * o->nblocks];
			if (o->nblocks == SYNACK_DRILL_SACK_MAX || !parse_u32(s, &s, &b[0]) ||
			    *s != ':' || !parse_u32(s + 1, &s, &b[1]))
				return false;
			o->nblocks++;
		}
		if (!o->nblocks)
			return false;
	} else {
		return false;
	}
	*end = skip_space(s);
	return true;
}

static bool parse_options(const char *s, const char **end, struct synack_drill_pkt *p,
			  char *msg, size_t cap)
{
	s = skip_space(s + 1);
	p->has_opts = true;
	if (!strncmp(s, "...", 3)) {
		p->opts_any = true;
		s = skip_space(s + 3);
	} else {
		while (*s && *s != '>') {
			if (p->nopts == SYNACK_DRILL_OPTS_MAX) {
				say(msg, cap, "too many options");
				return false;
			}
			if (!parse_option(s, &s, &p->opts[p->nopts])) {
				say(msg, cap, "bad TCP option at '%s'", s);
				return false;
			}
			p->nopts++;
			if (*s == ',')
				s = skip_space(s + 1);
			else if (*s != '>')
				break;
		}
	}
	if (*s != '>') {
		say(msg, cap, "option list: expected '>' at '%s'", s);
		return false;
	}
	*end = skip_space(s + 1);
	return true;
}

static bool parse_packet(const char *s, struct synack_drill_event *ev, char *msg, size_t cap)
{
	struct synack_drill_pkt *p = &ev->pkt;
	uint32_t v;

	ev->kind = SYNACK_DRILL_EV_PACKET;
	p->dir = *s++;
	if (isdigit((unsigned char)*s)) {
		if (!parse_u32(s, &s, &v) || v > 255) {
			say(msg, cap, "bad flow number");
			return false;
		}
		p->flow = (uint8_t)v;
	}
	s = skip_space(s);
	if (!parse_flags(s, &s, &p->flags)) {
		say(msg, cap, "expected TCP flags (S . F R P U or -) at '%s'", s);
		return false;
	}
	s = skip_space(s);
	if (!parse_u32(s, &s, &p->seq) || *s != ':' || !parse_u32(s + 1, &s, &p->end) ||
	    *s != '(' || !parse_u32(s + 1, &s, &p->len) || *s != ')') {
		say(msg, cap, "expected seq:end(len) at '%s'", s);
		return false;
	}
	if (p->end - p->seq != p->len) {
		say(msg, cap, "seq:end(len): end - seq is not len");
		return false;
	}
	s = skip_space(s + 1);
	for (;;) {
		if (word_is(s, "ack", &s)) {
			p->has_ack = parse_u32(skip_space(s), &s, &p->ack);
			if (!p->has_ack)
				break;
		} else if (word_is(s, "win", &s)) {
			p->has_win = parse_u32(skip_space(s), &s, &p->win);
			if (!p->has_win)
				break;
			if (p->win > 65535) {
				say(msg, cap, "win %u is above 65535", p->win);
				return false;
			}
		} else if (word_is(s, "urg", &s)) {
			p->has_urg = parse_u32(skip_space(s), &s, &v) && v <= 65535;
			if (!p->has_urg)
				break;
			p->urg = (uint16_t)v;
		} else if (*s == '<') {
			if (!parse_options(s, &s, p, msg, cap))
				return false;
			continue;
		} else {
			break;
		}
		s = skip_space(s);
	}
	if (*s) {
		say(msg, cap, "unexpected text in packet at '%s'", s);
		return false;
	}
	return true;
}

/* ---- system calls -------------------------------------------------------------------- */

static bool split_args(const char *s, const char **end, struct synack_drill_call *c)
{
	int depth = 0;
	size_t n = 0;

	s = skip_space(s);
	if (*s == ')') {
		*end = s + 1;
		return true;
	}
	for (c->nargs = 1; *s; s++) {
		if (depth == 0 && (*s == ',' || *s == ')')) {
			char *a = c->args[c->nargs - 1];
			while (n && isspace((unsigned char)a[n - 1]))
				n--;
			a[n] = '\0';
			if (*s == ')') {
				*end = s + 1;
				return true;
			}
			if (c->nargs == SYNACK_DRILL_ARGS_MAX)
				return false;
			c->nargs++;
			n = 0;
			s = skip_space(s + 1) - 1;
			continue;
		}
		if (*s == '[' || *s == '{' || *s == '(')
			depth++;
		if (*s == ']' || *s == '}' || *s == ')')
			depth--;
		if (depth < 0 || n + 1 >= SYNACK_DRILL_ARG_CAP)
			return false;
		c->args[c->nargs - 1][n++] = *s;
	}
	return false;
}

static bool parse_call(const char *s, struct synack_drill_event *ev, char *msg, size_t cap)
{
	struct synack_drill_call *c = &ev->call;
	size_t n = 0;
	int64_t v;

	ev->kind = SYNACK_DRILL_EV_CALL;
	while ((isalnum((unsigned char)*s) || *s == '_') && n + 1 < sizeof c->name)
		c->name[n++] = *s++;
	c->name[n] = '\0';
	if (!n || *s != '(') {
		say(msg, cap, "expected a packet or a system call at '%s'", s);
		return false;
	}
	if (!split_args(s + 1, &s, c)) {
		say(msg, cap, "bad argument list in %s()", c->name);
		return false;
	}
	s = skip_space(s);
	if (*s != '=') {
		say(msg, cap, "expected '= RESULT' after %s()", c->name);
		return false;
	}
	if (!parse_term(skip_space(s + 1), &s, &v)) {
		say(msg, cap, "bad result at '%s'", s + 1);
		return false;
	}
	c->ret = v;
	s = skip_space(s);
	if (isupper((unsigned char)*s)) {
		const char *b = s;
		char name[24];
		while (isalnum((unsigned char)*s) && (size_t)(s - b) + 1 < sizeof name)
			s++;
		memcpy(name, b, (size_t)(s - b));
		name[s - b] = '\0';
		c->err = synack_drill_errno(name);
		if (!c->err) {
			say(msg, cap, "unknown errno name '%s'", name);
			return false;
		}
		s = skip_space(s);
	}
	if (*s && *s != '(') {      /* "(Operation now in progress)" is a comment */
		say(msg, cap, "unexpected text after the result: '%s'", s);
		return false;
	}
	return true;
}

/* ---- the line ----------------------------------------------------------------------- */

/* Copies s[0..n) trimmed into ev->cmd; false when it does not fit. */
static bool set_cmd(struct synack_drill_event *ev, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sizeof ev->cmd)
		return false;
	memcpy(ev->cmd, s, n);
	ev->cmd[n] = '\0';
	return true;
}

/*
 * A timed `command` or %{ code }% (s at the backquote or "%{"). One-line only: a timed
 * %{ block without its }% on the line is skipped with a notice (p->in_python until the
 * }%), as untimed blocks are.
 */
static int parse_embedded(struct synack_drill_parser *p, const char *s,
			  struct synack_drill_event *ev, char *msg, size_t cap)
{
	bool shell = *s == '`';
	const char *b = s + (shell ? 1 : 2);
	const char *e = shell ? strchr(b, '`') : strstr(b, "}%");

	if (!e && !shell) {
		p->in_python = true;
		say(msg, cap, "%s", "skipped a %{ python }% block");
		return SYNACK_DRILL_NOTICE;
	}
	if (!e) {
		say(msg, cap, "%s", "shell command without its closing backquote");
		return SYNACK_DRILL_ERROR;
	}
	if (*skip_space(e + (shell ? 1 : 2))) {
		say(msg, cap, "unexpected text after the %s: '%s'",
		    shell ? "shell command" : "%{ }% block", skip_space(e + (shell ? 1 : 2)));
		return SYNACK_DRILL_ERROR;
	}
	if (!set_cmd(ev, b, (size_t)(e - b))) {
		say(msg, cap, "%s longer than %zu characters", shell ? "shell command" : "code",
		    sizeof ev->cmd - 1);
		return SYNACK_DRILL_ERROR;
	}
	if (ev->is_blocking || ev->has_t1) {
		say(msg, cap, "%s", "a shell command or code block takes one time");
		return SYNACK_DRILL_ERROR;
	}
	ev->kind = shell ? SYNACK_DRILL_EV_SHELL : SYNACK_DRILL_EV_CODE;
	p->seen_event = true;
	return SYNACK_DRILL_EVENT;
}

static int parse_event(struct synack_drill_parser *p, const char *s,
		       struct synack_drill_event *ev, char *msg, size_t cap)
{
	size_t n = strlen(s);

	memset(ev, 0, sizeof *ev);
	ev->line = p->line;
	n = n < sizeof ev->text - 1 ? n : sizeof ev->text - 1;
	memcpy(ev->text, s, n);
	ev->text[n] = '\0';
	if (!parse_time(s, &s, ev)) {
		say(msg, cap, "expected a time (0.1, +0.1, *, a~b, a...b) at '%s'", s);
		return SYNACK_DRILL_ERROR;
	}
	s = skip_space(s);
	if (*s == '`' || !strncmp(s, "%{", 2))
		return parse_embedded(p, s, ev, msg, cap);
	if (*s == '<' || *s == '>') {
		if (ev->is_blocking) {
			say(msg, cap, "a packet cannot have a blocking time");
			return SYNACK_DRILL_ERROR;
		}
		if (!parse_packet(s, ev, msg, cap))
			return SYNACK_DRILL_ERROR;
	} else if (!parse_call(s, ev, msg, cap)) {
		return SYNACK_DRILL_ERROR;
	}
	p->seen_event = true;
	return SYNACK_DRILL_EVENT;
}

int synack_drill_parse_line(struct synack_drill_parser *p, const char *line,
			    struct synack_drill_event *ev, char *msg, size_t cap)
{
	char buf[LINE_MAX_LEN];
	const char *s;

	if (cap)
		msg[0] = '\0';
	p->line++;
	if (p->in_python) {
		if (strstr(line, "}%"))
			p->in_python = false;
		return SYNACK_DRILL_NONE;
	}
	strip_comments(p, line, buf, sizeof buf);
	s = skip_space(buf);
	if (*s == '#')
		return do_conditional(p, s, msg, cap);
	if (!*s || is_skipping(p))
		return SYNACK_DRILL_NONE;
	if (!strncmp(s, "%{", 2)) {
		p->in_python = strstr(s + 2, "}%") == NULL;
		say(msg, cap, "%s", "skipped a %{ python }% block");
		return SYNACK_DRILL_NOTICE;
	}
	if (*s == '`') {
		say(msg, cap, "skipped shell command %s", s);
		return SYNACK_DRILL_NOTICE;
	}
	if (!strncmp(s, "--", 2)) {
		if (p->seen_event) {
			say(msg, cap, "option %s after the first event", s);
			return SYNACK_DRILL_ERROR;
		}
		say(msg, cap, "%s", s + 2);
		return SYNACK_DRILL_OPTION;
	}
	return parse_event(p, s, ev, msg, cap);
}

int synack_drill_parse_end(const struct synack_drill_parser *p, char *msg, size_t cap)
{
	if (p->in_comment || p->in_python || p->if_depth) {
		say(msg, cap, "end of script inside %s",
		    p->in_comment ? "a comment" : p->in_python ? "a %{ }% block" : "#ifdef");
		return SYNACK_DRILL_ERROR;
	}
	return SYNACK_DRILL_NONE;
}
