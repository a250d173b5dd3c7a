/*
 * cmd_load.c — `synack load HOST PORT`: many connections at once from one process and
 * one stack on a TUN device, every byte checked.
 *
 * -n N connections to HOST:PORT, at most --parallel P of them open at a time (default:
 * all N at once). Connection i (0 .. N-1) sends --bytes B bytes of its own payload, then
 * shuts its sending side down (a FIN, RFC 9293 §3.10.4) and reads until the peer's FIN.
 * What it must read, by --expect:
 *   echo    (default) exactly the B bytes it sent, byte for byte (an RFC 862 server:
 *           socat ... EXEC:cat, synack echo);
 *   none    nothing (a discard server, RFC 863);
 *   sha256  the line "got B bytes sha256 H\n", H the lowercase hex SHA-256 of its
 *           payload (tests/interop's hashing servers answer that after the client's FIN).
 * Then the connection is closed (graceful) and the next one, if any, is opened.
 *
 * The payload is a documented function, so a server can recompute it: byte k of
 * connection i under --seed S is byte (k mod 8) (little-endian) of splitmix64's output
 * number j = i * 2^40 + k / 8 from state S (Steele, Lea, Flood 2014; Vigna's reference
 * code):  z = S + (j + 1) * 0x9e3779b97f4a7c15;  z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
 * z = (z ^ z >> 27) * 0x94d049bb133111eb;  word = z ^ z >> 31.
 *
 * Output: a line per failed connection on stderr (per finished one with -v), e.g.
 *   synack load: #17 10.9.0.2:41234: byte 5000 differs: got 0x12, want 0x34
 * and one summary line on stdout:
 *   synack load: 100 connections to 10.9.0.1:7: 100 ok, 0 failed; 6553600 bytes sent,
 *   6553600 received (echo, every byte checked) in 0.84 s
 * Exit status 0 when every connection succeeded, 1 on any failure (refused, reset, a
 * wrong byte, a short or long answer, unfinished at --timeout), 2 on usage errors.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cmd.h"
#include "tun_common.h"

#define CHUNK 65536
#define ANSWER_MAX 128

enum expect { EXPECT_ECHO, EXPECT_NONE, EXPECT_SHA256 };

struct lconn {
	struct load *ld;
	unsigned idx;
	int fd;
	uint16_t lport;
	bool open, tx_done, done;
	uint64_t tx_off, rx_off;
	crypto_hash_sha256_state sha;
	size_t ans_len;
	char ans[ANSWER_MAX];
};

struct load {
	struct tun_app app;
	uint32_t host;
	uint16_t port;
	unsigned n, parallel, timeout_s;
	uint64_t bytes, seed;
	enum expect expect;
	bool verbose, ended;
	struct lconn *conns;
	unsigned next, active, ok, failed;
	uint64_t sent, received, start_ns;
	int timer_fd;
	uint8_t tx[CHUNK], rx[CHUNK], want[CHUNK];
};

static const char *const expect_names[] = { "echo", "none", "sha256" };

/* splitmix64 output number j from state seed (the formula of the header comment). */
static uint64_t payload_word(uint64_t seed, uint64_t j)
{
	uint64_t z = seed + (j + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes off .. off+len-1 of connection idx's payload into buf. */
static void payload_fill(uint64_t seed, unsigned idx, uint64_t off, uint8_t *buf, size_t len)
{
	uint64_t base = (uint64_t)idx << 40;

	for (size_t k = 0; k < len; k++, off++)
		buf[k] = (uint8_t)(payload_word(seed, base + off / 8) >> (8 * (off % 8)));
}

static void conn_name(const struct lconn *c, char *buf, size_t len)
{
	char a[16];

	snprintf(buf, len, "#%u %s:%u", c->idx, tun_fmt_ipv4(c->ld->app.lo.addr, a), c->lport);
}

static void start_more(struct synack_loop *l, struct load *ld);
static void end_run(struct synack_loop *l, struct load *ld);

/* The connection is over (ok when why is NULL): counted, closed, the next one opened. */
static void finish(struct synack_loop *l, struct lconn *c, const char *why)
{
	struct load *ld = c->ld;
	char name[48];

	if (c->done)
		return;
	c->done = true;
	conn_name(c, name, sizeof name);
	if (why) {
		ld->failed++;
		fprintf(stderr, "synack load: %s: %s\n", name, why);
	} else {
		ld->ok++;
		if (ld->verbose)
			fprintf(stderr, "synack load: %s ok: %llu bytes sent, %llu received\n", name,
				(unsigned long long)c->tx_off, (unsigned long long)c->rx_off);
	}
	if (c->open) {
		synack_loop_close(l, c->fd);
		c->open = false;
		ld->active--;
	}
	if (ld->ok + ld->failed == ld->n)
		end_run(l, ld);
	else if (!ld->ended)
		start_more(l, ld);
}

static void fail_errno(struct synack_loop *l, struct lconn *c, int err)
{
	finish(l, c, err == ECONNREFUSED ? "connection refused" : err == ECONNRESET ?
	       "connection reset by peer" : err == ETIMEDOUT ? "connection timed out" :
	       strerror(err));
}

/* Payload -> connection until it is all sent (then SHUT_WR) or the buffer is full. */
static void pump_tx(struct synack_loop *l, struct lconn *c)
{
	struct load *ld = c->ld;
	struct synack_stack *s = synack_loop_stack(l);
	ssize_t n;
	int rc;

	while (!c->done && !c->tx_done) {
		if (c->tx_off == ld->bytes) {
			c->tx_done = true;
			rc = synack_shutdown(s, c->fd, SYNACK_SHUT_WR);
			if (rc)
				fail_errno(l, c, -rc);
			return;
		}
		size_t len = ld->bytes - c->tx_off < CHUNK ? (size_t)(ld->bytes - c->tx_off) : CHUNK;

		payload_fill(ld->seed, c->idx, c->tx_off, ld->tx, len);
		n = synack_send(s, c->fd, ld->tx, len, 0);
		if (n == -EAGAIN)
			return;   /* WRITABLE calls us again */
		if (n < 0) {
			fail_errno(l, c, (int)-n);
			return;
		}
		if (ld->expect == EXPECT_SHA256)
			crypto_hash_sha256_update(&c->sha, ld->tx, (unsigned long long)n);
		c->tx_off += (uint64_t)n;
		ld->sent += (uint64_t)n;
	}
}

/* Checks n received bytes against what --expect wants; false after failing c. */
static bool check_rx(struct synack_loop *l, struct lconn *c, const uint8_t *p, size_t n)
{
	struct load *ld = c->ld;
	char why[128];

	switch (ld->expect) {
	case EXPECT_ECHO:
		if (c->rx_off + n > ld->bytes) {
			snprintf(why, sizeof why, "answer longer than the %llu bytes sent",
				 (unsigned long long)ld->bytes);
			finish(l, c, why);
			return false;
		}
		payload_fill(ld->seed, c->idx, c->rx_off, ld->want, n);
		for (size_t k = 0; k < n; k++) {
			if (p[k] != ld->want[k]) {
				snprintf(why, sizeof why, "byte %llu differs: got 0x%02x, want 0x%02x",
					 (unsigned long long)(c->rx_off + k), p[k], ld->want[k]);
				finish(l, c, why);
				return false;
			}
		}
		return true;
	case EXPECT_NONE:
		finish(l, c, "data from a server that should send none");
		return false;
	case EXPECT_SHA256:
		if (c->ans_len + n >= ANSWER_MAX) {
			finish(l, c, "answer longer than a sha256 line");
			return false;
		}
		memcpy(c->ans + c->ans_len, p, n);
		c->ans_len += n;
		c->ans[c->ans_len] = '\0';
		return true;
	}
	return true;
}

/* At the peer's FIN: is everything there? */
static void check_end(struct synack_loop *l, struct lconn *c)
{
	struct load *ld = c->ld;
	unsigned char md[crypto_hash_sha256_BYTES];
	char why[256], hex[2 * crypto_hash_sha256_BYTES + 1];

	if (!c->tx_done) {
		snprintf(why, sizeof why, "the peer closed after %llu of %llu bytes were sent",
			 (unsigned long long)c->tx_off, (unsigned long long)ld->bytes);
		finish(l, c, why);
		return;
	}
	if (ld->expect == EXPECT_ECHO && c->rx_off != ld->bytes) {
		snprintf(why, sizeof why, "short answer: %llu of %llu bytes",
			 (unsigned long long)c->rx_off, (unsigned long long)ld->bytes);
		finish(l, c, why);
		return;
	}
	if (ld->expect == EXPECT_SHA256) {
		crypto_hash_sha256_final(&c->sha, md);
		for (size_t i = 0; i < sizeof md; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		snprintf(why, sizeof why, "got %llu bytes sha256 %s\n",
			 (unsigned long long)ld->bytes, hex);
		if (strcmp(c->ans, why)) {
			char got[ANSWER_MAX + 32];

			c->ans[strcspn(c->ans, "\n")] = '\0';
			snprintf(got, sizeof got, "wrong answer: '%s'", c->ans);
			finish(l, c, got);
			return;
		}
	}
	finish(l, c, NULL);
}

/* Connection -> checks until nothing is buffered; the peer's FIN ends the connection. */
static void pump_rx(struct synack_loop *l, struct lconn *c)
{
	struct load *ld = c->ld;
	struct synack_stack *s = synack_loop_stack(l);
	ssize_t n;

	while (!c->done) {
		n = synack_recv(s, c->fd, ld->rx, sizeof ld->rx, 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			fail_errno(l, c, (int)-n);
			return;
		}
		if (n == 0) {
			check_end(l, c);
			return;
		}
		if (!check_rx(l, c, ld->rx, (size_t)n))
			return;
		c->rx_off += (uint64_t)n;
		ld->received += (uint64_t)n;
	}
}

static void on_conn(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct lconn *c = ctx;
	uint32_t addr;

	if (c->done)
		return;
	switch (ev->kind) {
	case SYNACK_EV_CONNECTED:
		synack_getsockname(synack_loop_stack(l), c->fd, &addr, &c->lport);
		pump_tx(l, c);
		break;
	case SYNACK_EV_RESET:
	case SYNACK_EV_ERROR:
		fail_errno(l, c, ev->error ? ev->error : ECONNRESET);
		break;
	case SYNACK_EV_WRITABLE:
		pump_tx(l, c);
		break;
	case SYNACK_EV_CLOSED:
		pump_rx(l, c);
		if (!c->done)
			finish(l, c, "closed before the exchange ended");
		break;
	default:
		pump_rx(l, c);
		break;
	}
}

/* socket + non-blocking connect for c; a failure fails c (without recursion). */
static int open_conn(struct synack_loop *l, struct lconn *c)
{
	struct load *ld = c->ld;
	struct synack_stack *s = synack_loop_stack(l);
	int rc;

	crypto_hash_sha256_init(&c->sha);
	c->fd = synack_socket(s);
	if (c->fd < 0)
		return c->fd;
	rc = synack_connect(s, c->fd, ld->host, ld->port);
	if (rc == -EINPROGRESS || rc == 0)
		rc = synack_loop_watch(l, c->fd, on_conn, c);
	if (rc) {
		synack_close(s, c->fd);
		return rc;
	}
	synack_getsockname(s, c->fd, &(uint32_t){0}, &c->lport);
	c->open = true;
	ld->active++;
	return 0;
}

static void start_more(struct synack_loop *l, struct load *ld)
{
	while (!ld->ended && ld->active < ld->parallel && ld->next < ld->n) {
		struct lconn *c = &ld->conns[ld->next++];
		int rc = open_conn(l, c);

		if (rc) {
			c->done = true;
			ld->failed++;
			fprintf(stderr, "synack load: #%u: connect: %s\n", c->idx,
				rc == -EADDRNOTAVAIL ? "no free local port (EADDRNOTAVAIL)" : strerror(-rc));
		}
	}
	if (ld->ok + ld->failed == ld->n)
		end_run(l, ld);
}

static void end_run(struct synack_loop *l, struct load *ld)
{
	char a[16];
	double secs = (double)(synack_loop_now(l) - ld->start_ns) / 1e9;

	if (ld->ended)
		return;
	ld->ended = true;
	printf("synack load: %u connections to %s:%u: %u ok, %u failed; %llu bytes sent, "
	       "%llu received (%s%s) in %.2f s\n", ld->n, tun_fmt_ipv4(ld->host, a), ld->port,
	       ld->ok, ld->failed, (unsigned long long)ld->sent, (unsigned long long)ld->received,
	       expect_names[ld->expect], ld->expect == EXPECT_ECHO ? ", every byte checked" :
	       ld->expect == EXPECT_SHA256 ? ", SHA-256 checked" : "", secs);
	fflush(stdout);
	if (ld->timer_fd >= 0) {
		synack_loop_del_fd(l, ld->timer_fd);
		close(ld->timer_fd);
		ld->timer_fd = -1;
	}
	synack_loop_shutdown(l);    /* exits once the closes completed (bounded) */
}

/* --timeout or a signal: every unfinished connection fails, then the summary. */
static void give_up(struct synack_loop *l, struct load *ld, const char *why)
{
	ld->ended = true;   /* no new connection from finish() */
	for (unsigned i = 0; i < ld->n; i++) {
		struct lconn *c = &ld->conns[i];

		if (c->done)
			continue;
		if (i >= ld->next) {
			c->done = true;
			ld->failed++;
			continue;
		}
		finish(l, c, why);
	}
	if (ld->next < ld->n)
		fprintf(stderr, "synack load: %u connections never opened\n", ld->n - ld->next);
	ld->ended = false;
	end_run(l, ld);
}

static void on_timer(struct synack_loop *l, int osfd, uint32_t events, void *ctx)
{
	struct load *ld = ctx;
	char why[64];
	uint64_t ticks;

	(void)events;
	if (read(osfd, &ticks, sizeof ticks) < 0 && errno == EAGAIN)
		return;
	snprintf(why, sizeof why, "unfinished after --timeout %u s", ld->timeout_s);
	give_up(l, ld, why);
}

/* SIGINT/SIGTERM: the run ends as at --timeout; a second signal ends the loop at once. */
static void on_signal(struct synack_loop *l, int signo, void *ctx)
{
	struct load *ld = ctx;

	(void)signo;
	if (ld->ended) {
		synack_loop_stop(l);
		return;
	}
	give_up(l, ld, "interrupted");
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return false;
	if (*end == 'K' || *end == 'M' || *end == 'G') {
		unsigned shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;

		if (v > (max >> shift))
			return false;
		v <<= shift;
		end++;
	}
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

static int parse(struct load *ld, int argc, char **argv)
{
	unsigned long long v;
	int pos = 0, rc;

	for (int i = 1; i < argc; i++) {
		rc = tun_parse_common(&ld->app, argc, argv, &i);
		if (rc < 0)
			return -1;
		if (rc)
			continue;
		if (!strcmp(argv[i], "-v")) {
			ld->verbose = true;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (!parse_uint(argv[++i], 1000000, &v) || !v) {
				fprintf(stderr, "synack load: -n: expected 1..1000000 connections\n");
				return -1;
			}
			ld->n = (unsigned)v;
		} else if (!strcmp(argv[i], "--parallel") && i + 1 < argc) {
			if (!parse_uint(argv[++i], 1000000, &v) || !v) {
				fprintf(stderr, "synack load: --parallel: expected 1..1000000\n");
				return -1;
			}
			ld->parallel = (unsigned)v;
		} else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
			if (!parse_uint(argv[++i], 1ull << 40, &v)) {
				fprintf(stderr, "synack load: --bytes: expected a size (65536, 64K, 1M)\n");
				return -1;
			}
			ld->bytes = v;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (!parse_uint(argv[++i], UINT64_MAX, &v)) {
				fprintf(stderr, "synack load: --seed: expected a number\n");
				return -1;
			}
			ld->seed = v;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!parse_uint(argv[++i], 86400, &v) || !v) {
				fprintf(stderr, "synack load: --timeout: expected 1..86400 seconds\n");
				return -1;
			}
			ld->timeout_s = (unsigned)v;
		} else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			const char *e = argv[++i];

			if (!strcmp(e, "echo"))
				ld->expect = EXPECT_ECHO;
			else if (!strcmp(e, "none"))
				ld->expect = EXPECT_NONE;
			else if (!strcmp(e, "sha256"))
				ld->expect = EXPECT_SHA256;
			else {
				fprintf(stderr, "synack load: --expect: echo, none or sha256, not '%s'\n", e);
				return -1;
			}
		} else if (argv[i][0] == '-' || pos == 2) {
			return -1;
		} else if (pos++ == 0) {
			if (!tun_parse_ipv4(argv[i], &ld->host)) {
				fprintf(stderr, "synack load: HOST must be an IPv4 address: '%s'\n", argv[i]);
				return -1;
			}
		} else if (!tun_parse_port(argv[i], &ld->port, false)) {
			fprintf(stderr, "synack load: PORT must be 1..65535: '%s'\n", argv[i]);
			return -1;
		}
	}
	return pos == 2 ? 0 : -1;
}

static int arm_timeout(struct load *ld)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)ld->timeout_s } };

	ld->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ld->timer_fd < 0 || timerfd_settime(ld->timer_fd, 0, &its, NULL) ||
	    synack_loop_add_fd(ld->app.loop, ld->timer_fd, EPOLLIN, on_timer, ld)) {
		fprintf(stderr, "synack load: timerfd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static struct load ld;
	int rc;

	tun_app_init(&ld.app, "synack load");
	ld.n = 100;
	ld.bytes = 65536;
	ld.timeout_s = 60;
	ld.timer_fd = -1;
	if (parse(&ld, argc, argv)) {
		fprintf(stderr, "usage: synack load --tun NAME --addr A [--peer B/P] [-n CONNS] [--parallel P]\n"
			"         [--bytes B] [--expect echo|none|sha256] [--seed S] [--timeout SECONDS]\n"
			"         [-v] [options] HOST PORT\n%s", TUN_COMMON_USAGE);
		return 2;
	}
	if (!ld.parallel || ld.parallel > ld.n)
		ld.parallel = ld.n;
	ld.conns = calloc(ld.n, sizeof *ld.conns);
	if (!ld.conns) {
		fprintf(stderr, "synack load: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < ld.n; i++) {
		ld.conns[i].ld = &ld;
		ld.conns[i].idx = i;
		ld.conns[i].fd = -1;
	}
	rc = tun_start(&ld.app);
	if (rc) {
		free(ld.conns);
		return rc;
	}
	if (arm_timeout(&ld)) {
		synack_loop_free(ld.app.loop);
		free(ld.conns);
		return 1;
	}
	synack_loop_on_signal(ld.app.loop, on_signal, &ld);
	ld.start_ns = synack_loop_now(ld.app.loop);
	start_more(ld.app.loop, &ld);
	rc = tun_run(&ld.app);
	if (ld.timer_fd >= 0)
		close(ld.timer_fd);
	free(ld.conns);
	if (rc)
		return rc;
	return ld.failed || ld.ok != ld.n ? 1 : 0;
}
