/* drill_run.h — the packetdrill script runner of `synack drill` (tools/drill_run.c). */
#ifndef SYNACK_TOOLS_DRILL_RUN_H
#define SYNACK_TOOLS_DRILL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct drill_opts {
	int64_t tolerance_us;   /* --tolerance_usecs, default 4000 (packetdrill's) */
	uint32_t mtu;           /* --mtu, default 1500 */
	bool lenient;           /* --lenient (docs/drill.md) */
	bool verbose;           /* -v: print the trace of passing scripts too */
};

/* Applies one "--name=value" option (also "--lenient", "-v") to *o: 0, or -1 when
 * unknown or out of range. */
int drill_parse_opt(const char *arg, struct drill_opts *o);

/*
 * Runs one script file against a fresh synack stack on a virtual clock. Writes
 * "PASS path" or "FAIL path:line: ..." with the expectation, what synack did and the
 * trace to out; notices (skipped lines) too. Options written in the script override
 * *opts for that script. Returns 0 on pass, 1 on failure (2: cannot read the file).
 */
int drill_run_file(const char *path, const struct drill_opts *opts, FILE *out);

struct synack_stack;

/*
 * A timed shell command of a script (tools/drill_embed.c): every "sysctl [-q|-w]
 * name=value" whose name has a synack_config knob (Linux's meaning and unit) is applied
 * to s; other commands and names are skipped. Commands may be joined by ';' or '&&'.
 * Returns 0 (all applied), 1 (something skipped: note[0..ncap) says what), -1 (a bad
 * value or a configuration synack rejects: err[0..ecap) says why; nothing changed).
 */
int drill_shell(struct synack_stack *s, const char *cmd, char *note, size_t ncap,
		char *err, size_t ecap);
/*
 * A timed one-line %{ code }% block: "assert tcpi_X OP V [and ...][, message]" is
 * evaluated on synack_tcp_info(s, fd) with Linux's tcpi_* names and units (tcpi_state
 * as Linux numbers it; V a number or a name such as TCP_CLOSING). Returns 0 (true),
 * -1 (false, or no socket: err says what), 1 (not understood: skipped, note says why).
 */
int drill_code(struct synack_stack *s, int fd, const char *code, char *note, size_t ncap,
	       char *err, size_t ecap);

#endif
