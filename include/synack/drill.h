/*
 * drill.h — packetdrill scripts as data: a line parser and the TCP/IPv4 packet
 * building, parsing and printing that `synack drill` (tools/cmd_drill.c) needs.
 *
 * Text and bytes only: no I/O, no allocation, no state outside the caller's structs.
 * The runner (virtual clock, sequence-number mapping, matching) lives in tools/; this
 * header is the part that is pure and unit-tested (tests/unit/test_drill_parse.c).
 * docs/drill.md lists the supported subset of packetdrill's language.
 *
 * Numbers in a parsed event are as the script wrote them (relative sequence numbers,
 * script TS values, microseconds); mapping them onto the wire is the runner's job.
 */
#ifndef SYNACK_DRILL_H
#define SYNACK_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- TCP options, in the order written or seen ------------------------------------ */

enum synack_drill_optkind {
	SYNACK_DRILL_OPT_EOL = 0,
	SYNACK_DRILL_OPT_NOP = 1,
	SYNACK_DRILL_OPT_MSS = 2,
	SYNACK_DRILL_OPT_WSCALE = 3,
	SYNACK_DRILL_OPT_SACKOK = 4,
	SYNACK_DRILL_OPT_SACK = 5,
	SYNACK_DRILL_OPT_TS = 8,
};

#define SYNACK_DRILL_OPTS_MAX 20
#define SYNACK_DRILL_SACK_MAX 4

struct synack_drill_opt {
	uint8_t kind;         /* enum synack_drill_optkind */
	uint8_t nblocks;      /* SACK: 1..4 blocks in v[0..2*nblocks) as left,right */
	uint32_t v[2 * SYNACK_DRILL_SACK_MAX]; /* MSS: v[0]; WSCALE: v[0]; TS: val, ecr */
};

/* ---- a packet line (and a packet seen on the wire, mapped back) ------------------- */

struct synack_drill_pkt {
	char dir;               /* '<' injected (the script's peer sends), '>' expected */
	uint8_t flags;          /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	uint8_t flow;           /* synack extension "<N" / ">N": remote port base + N */
	uint32_t seq, end, len; /* seq:end(len); end == seq + len */
	bool has_ack, has_win, has_urg;
	uint32_t ack, win;
	uint16_t urg;
	bool opts_any;          /* written as <...>: options not checked */
	bool has_opts;          /* an option list was written (possibly empty: <>) */
	uint8_t nopts;
	struct synack_drill_opt opts[SYNACK_DRILL_OPTS_MAX];
};

/* ---- a system-call line ----------------------------------------------------------- */

#define SYNACK_DRILL_ARGS_MAX 6
#define SYNACK_DRILL_ARG_CAP 96

struct synack_drill_call {
	char name[16];          /* "socket", "bind", ... as written */
	int nargs;
	char args[SYNACK_DRILL_ARGS_MAX][SYNACK_DRILL_ARG_CAP]; /* trimmed text */
	int64_t ret;            /* the expected return value */
	int err;                /* expected errno (positive) when ret == -1, else 0 */
};

/* ---- an event: one statement of the script ---------------------------------------- */

enum synack_drill_time {
	SYNACK_DRILL_T_ABS = 0,  /* "1.5"        */
	SYNACK_DRILL_T_REL,      /* "+0.1"       relative to the previous event */
	SYNACK_DRILL_T_ANY,      /* "*"          any time */
};

enum synack_drill_kind {
	SYNACK_DRILL_EV_PACKET = 1,
	SYNACK_DRILL_EV_CALL,
	SYNACK_DRILL_EV_SHELL,  /* "+0 `sysctl -q net.ipv4.tcp_sack=0`": cmd holds the
	                         * command between the backquotes */
	SYNACK_DRILL_EV_CODE,   /* "+0 %{ assert tcpi_state == TCP_CLOSING }%" on one
	                         * line: cmd holds the code between %{ and }% */
};

struct synack_drill_event {
	int kind;               /* enum synack_drill_kind */
	int line;               /* 1-based line in the script */
	/* Time: start t0 (kind t0_kind); a range "a~b" or a blocking call "a...b" also
	 * has t1 (t1_rel: "+b", relative to the same base as a). Microseconds. */
	int t0_kind;
	int64_t t0_us;
	bool has_t1, t1_rel, is_blocking;
	int64_t t1_us;
	struct synack_drill_pkt pkt;
	struct synack_drill_call call;
	char text[160];         /* the statement as written (trimmed, cut to fit) */
	char cmd[160];          /* SHELL / CODE: the command or code, trimmed (a longer
	                         * one is a syntax error) */
};

/* ---- the parser --------------------------------------------------------------------- */

#define SYNACK_DRILL_IF_MAX 16

/* Carries what spans lines: comments, %{ }% blocks, #ifdef nesting. Zero it to start. */
struct synack_drill_parser {
	int line;                 /* lines seen so far */
	bool in_comment;          /* inside a C comment */
	bool in_python;           /* inside %{ ... }% */
	int if_depth;
	uint32_t if_skip;         /* bit i: level i is not taken */
	uint32_t if_else;         /* bit i: #else seen at level i */
	bool seen_event;          /* option lines are allowed only before the first event */
};

enum synack_drill_res {
	SYNACK_DRILL_NONE = 0,    /* nothing (blank, comment, skipped #ifdef branch) */
	SYNACK_DRILL_EVENT,       /* *ev filled */
	SYNACK_DRILL_OPTION,      /* an option line "--name=value": msg holds it */
	SYNACK_DRILL_NOTICE,      /* skipped with a notice in msg (shell line, python) */
	SYNACK_DRILL_ERROR,       /* syntax error described in msg */
};

/*
 * Parses the next line of a script (no newline needed; text after a newline is
 * ignored). Returns an enum synack_drill_res; msg[0..cap) receives the option text,
 * notice or error (NUL-terminated when cap > 0). A timed backquoted command or a timed
 * one-line %{ }% block is an event (SHELL, CODE); an untimed one, or a timed %{ block
 * that spans lines, is skipped with a notice. #ifdef NAME is taken for STANDARD and
 * not for anything else (nplab's packetdrill convention); #ifndef, #else, #endif nest
 * up to SYNACK_DRILL_IF_MAX levels.
 */
int synack_drill_parse_line(struct synack_drill_parser *p, const char *line,
			    struct synack_drill_event *ev, char *msg, size_t cap);
/* After the last line: SYNACK_DRILL_ERROR (message in msg) when a comment, %{ block or
 * #ifdef is still open, else SYNACK_DRILL_NONE. */
int synack_drill_parse_end(const struct synack_drill_parser *p, char *msg, size_t cap);

/*
 * The value of a symbolic or numeric argument: decimal/hex numbers, Linux's names
 * (SOL_SOCKET, SO_LINGER, TCP_NODELAY, O_NONBLOCK, MSG_PEEK, SHUT_WR, F_SETFL, POLLIN,
 * SOCK_STREAM, IPPROTO_TCP, AF_INET, ...) and errno names, joined by '|', optionally in
 * [brackets]. Returns false for anything else (including "...").
 */
bool synack_drill_value(const char *text, int64_t *out);
/* Positive errno of a name ("ECONNRESET"), 0 when unknown; and the reverse ("E?" for
 * an unknown number). Linux's numbers. */
int synack_drill_errno(const char *name);
const char *synack_drill_errno_name(int err);

/* ---- packets ------------------------------------------------------------------------ */

/* A TCP/IPv4 packet on the wire, as numbers (host order). */
struct synack_drill_wire {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urg;
	uint8_t nopts;
	struct synack_drill_opt opts[SYNACK_DRILL_OPTS_MAX];
	size_t payload_len;
};

/*
 * Builds the IPv4 + TCP packet *w into buf[0..cap) with options in the order given,
 * zero-filled payload, TTL 64, right checksums. Returns the length, 0 when the options
 * take more than 40 bytes, an option is malformed (SACK without 1..4 blocks) or cap is
 * too small.
 */
size_t synack_drill_build(const struct synack_drill_wire *w, uint8_t *buf, size_t cap);
/*
 * Parses an IPv4 packet carrying TCP into *w, options in their wire order (unknown
 * kinds skipped). Returns 0, or -1 when it is not a well-formed TCP/IPv4 packet.
 */
int synack_drill_parse(const uint8_t *pkt, size_t len, struct synack_drill_wire *w);
/*
 * Writes the packet as a packetdrill line body ("S. 0:0(0) ack 1 win 65535 <mss 1460>",
 * no direction or time) into buf[0..cap); returns the snprintf-style length.
 */
size_t synack_drill_format(const struct synack_drill_pkt *p, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
