/*
 * cmd_connect.c — `synack connect HOST PORT`: a netcat-like client on a TUN device.
 *
 * Standard input (or --send-file FILE) goes to the connection, the connection's data to
 * standard output. At the end of the input the sending side is closed with
 * shutdown(SHUT_WR) — a FIN, RFC 9293 §3.10.4 — while data is still received, as
 * `nc -N` does; with --linger0 the connection is aborted instead (SO_LINGER {1, 0}: a
 * RST, §3.10.5). When both directions are finished the socket is closed and the program
 * waits (bounded) for the close to complete before it exits.
 *
 * Exit status: 0 after a clean end (or SIGINT/SIGTERM, which close the connection
 * gracefully first), 1 when the connection is refused, reset, times out or fails, 2 on
 * usage errors. Errors are named on stderr: "synack connect: 10.9.0.1:9: connection
 * refused".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cmd.h"
#include "tun_common.h"

#define TX_BUF 65536

struct client {
	struct tun_app app;
	uint32_t host;
	uint16_t port, bind_port;
	bool linger0, verbose;
	const char *send_file;
	int fd;                 /* synack descriptor */
	int src;                /* stdin or the file */
	bool started, src_pollable, src_ready, src_added;
	bool tx_done, rx_done, closed;
	int status;
	size_t off, len;
	uint8_t buf[TX_BUF];
	uint8_t rbuf[TX_BUF];
};

static void fail(struct synack_loop *l, struct client *c, int err)
{
	char a[16];

	fprintf(stderr, "synack connect: %s:%u: %s\n", tun_fmt_ipv4(c->host, a), c->port,
		err == ECONNREFUSED ? "connection refused" : err == ECONNRESET ?
		"connection reset by peer" : err == ETIMEDOUT ? "connection timed out" : strerror(err));
	c->status = 1;
	if (!c->closed) {
		synack_loop_close(l, c->fd);
		c->closed = true;
	}
	if (c->src_added)
		synack_loop_del_fd(l, c->src);
	c->src_added = false;
	synack_loop_stop(l);
}

static void pause_src(struct synack_loop *l, struct client *c, bool want)
{
	if (c->src_added)
		synack_loop_mod_fd(l, c->src, want ? EPOLLIN : 0);
}

static void maybe_close(struct synack_loop *l, struct client *c)
{
	if (!c->tx_done || !c->rx_done || c->closed)
		return;
	synack_loop_close(l, c->fd);
	c->closed = true;
	synack_loop_shutdown(l);   /* exits once our FIN is acknowledged */
}

static void end_of_input(struct synack_loop *l, struct client *c)
{
	struct synack_stack *s = synack_loop_stack(l);
	int rc;

	c->tx_done = true;
	if (c->src_added)
		synack_loop_del_fd(l, c->src);
	c->src_added = false;
	if (c->linger0) {
		/* SO_LINGER {1, 0} is set: close() aborts with a RST (RFC 9293 §3.10.5). */
		synack_loop_close(l, c->fd);
		c->closed = true;
		synack_loop_stop(l);
		return;
	}
	rc = synack_shutdown(s, c->fd, SYNACK_SHUT_WR);
	if (rc) {
		fail(l, c, -rc);
		return;
	}
	maybe_close(l, c);
}

/* Input -> connection until the input or the send buffer runs dry. */
static void pump_tx(struct synack_loop *l, struct client *c)
{
	struct synack_stack *s = synack_loop_stack(l);
	ssize_t n;

	while (!c->tx_done && !c->closed) {
		if (c->off == c->len) {
			if (c->src_pollable) {
				if (!c->src_ready) {
					pause_src(l, c, true);
					return;
				}
				c->src_ready = false;  /* one read per readiness: it cannot block */
			}
			n = read(c->src, c->buf, sizeof c->buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fprintf(stderr, "synack connect: input: %s\n", strerror(errno));
			if (n <= 0) {
				end_of_input(l, c);
				return;
			}
			c->off = 0;
			c->len = (size_t)n;
		}
		n = synack_send(s, c->fd, c->buf + c->off, c->len - c->off, 0);
		if (n == -EAGAIN) {
			pause_src(l, c, false);  /* WRITABLE resumes */
			return;
		}
		if (n < 0) {
			fail(l, c, (int)-n);
			return;
		}
		c->off += (size_t)n;
	}
}

static bool write_out(const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Connection -> stdout until nothing is buffered; end of stream sets rx_done. */
static void pump_rx(struct synack_loop *l, struct client *c)
{
	struct synack_stack *s = synack_loop_stack(l);
	ssize_t n;

	while (!c->rx_done && !c->closed) {
		n = synack_recv(s, c->fd, c->rbuf, sizeof c->rbuf, 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			fail(l, c, (int)-n);
			return;
		}
		if (n == 0) {
			c->rx_done = true;
			maybe_close(l, c);
			return;
		}
		if (!write_out(c->rbuf, (size_t)n)) {
			/* Nobody reads our output any more: discard the rest, like nc. */
			fprintf(stderr, "synack connect: output: %s\n", strerror(errno));
			c->rx_done = true;
			synack_shutdown(s, c->fd, SYNACK_SHUT_RD);
			maybe_close(l, c);
			return;
		}
	}
}

static void on_src(struct synack_loop *l, int osfd, uint32_t events, void *ctx)
{
	struct client *c = ctx;

	(void)osfd;
	(void)events;
	c->src_ready = true;
	pause_src(l, c, false);
	pump_tx(l, c);
}

static void start_input(struct synack_loop *l, struct client *c)
{
	int rc = synack_loop_add_fd(l, c->src, 0, on_src, c);

	/* epoll refuses regular files and /dev/null: those never block, read them directly. */
	c->started = true;
	c->src_pollable = rc == 0;
	c->src_added = rc == 0;
	pump_tx(l, c);
}

static void on_conn(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct client *c = ctx;
	char a[16];

	switch (ev->kind) {
	case SYNACK_EV_CONNECTED:
		if (c->verbose)
			fprintf(stderr, "synack connect: connected to %s:%u\n",
				tun_fmt_ipv4(c->host, a), c->port);
		start_input(l, c);
		break;
	case SYNACK_EV_RESET:
	case SYNACK_EV_ERROR:
		pump_rx(l, c);   /* what arrived before the failure is still delivered */
		fail(l, c, ev->error ? ev->error : ECONNRESET);
		break;
	case SYNACK_EV_WRITABLE:
		if (c->started)
			pump_tx(l, c);
		break;
	default:
		pump_rx(l, c);
		break;
	}
}

static void on_signal(struct synack_loop *l, int signo, void *ctx)
{
	struct client *c = ctx;

	(void)signo;
	if (c->src_added)
		synack_loop_del_fd(l, c->src);
	c->src_added = false;
	if (c->closed) {
		synack_loop_stop(l);
		return;
	}
	c->tx_done = c->rx_done = true;
	maybe_close(l, c);
}

static int parse(struct client *c, int argc, char **argv)
{
	int pos = 0, rc;

	for (int i = 1; i < argc; i++) {
		rc = tun_parse_common(&c->app, argc, argv, &i);
		if (rc < 0)
			return -1;
		if (rc)
			continue;
		if (!strcmp(argv[i], "--linger0")) {
			c->linger0 = true;
		} else if (!strcmp(argv[i], "-v")) {
			c->verbose = true;
		} else if (!strcmp(argv[i], "--send-file") && i + 1 < argc) {
			c->send_file = argv[++i];
		} else if (!strcmp(argv[i], "--bind") && i + 1 < argc) {
			if (!tun_parse_port(argv[++i], &c->bind_port, false)) {
				fprintf(stderr, "synack connect: --bind: expected a port 1..65535\n");
				return -1;
			}
		} else if (argv[i][0] == '-' || pos == 2) {
			return -1;
		} else if (pos++ == 0) {
			if (!tun_parse_ipv4(argv[i], &c->host)) {
				fprintf(stderr, "synack connect: HOST must be an IPv4 address: '%s'\n", argv[i]);
				return -1;
			}
		} else if (!tun_parse_port(argv[i], &c->port, false)) {
			fprintf(stderr, "synack connect: PORT must be 1..65535: '%s'\n", argv[i]);
			return -1;
		}
	}
	return pos == 2 ? 0 : -1;
}

/* socket, options, bind, non-blocking connect; 0 or a negative errno */
static int open_conn(struct client *c)
{
	struct synack_stack *s = synack_loop_stack(c->app.loop);
	struct synack_linger lg = { 1, 0 };
	int rc;

	c->fd = synack_socket(s);
	if (c->fd < 0)
		return c->fd;
	if (c->linger0) {
		rc = synack_setsockopt(s, c->fd, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof lg);
		if (rc)
			return rc;
	}
	if (c->bind_port) {
		rc = synack_bind(s, c->fd, c->app.lo.addr, c->bind_port);
		if (rc)
			return rc;
	}
	rc = synack_connect(s, c->fd, c->host, c->port);
	if (rc && rc != -EINPROGRESS)
		return rc;
	return synack_loop_watch(c->app.loop, c->fd, on_conn, c);
}

int cmd_connect(int argc, char **argv)
{
	static struct client c;
	int rc;

	tun_app_init(&c.app, "synack connect");
	c.src = STDIN_FILENO;
	if (parse(&c, argc, argv)) {
		fprintf(stderr, "usage: synack connect --tun NAME --addr A [--peer B/P] [--send-file FILE]\n"
			"         [--linger0] [--bind PORT] [-v] [options] HOST PORT\n%s", TUN_COMMON_USAGE);
		return 2;
	}
	if (c.send_file) {
		c.src = open(c.send_file, O_RDONLY | O_CLOEXEC);
		if (c.src < 0) {
			fprintf(stderr, "synack connect: %s: %s\n", c.send_file, strerror(errno));
			return 1;
		}
	}
	rc = tun_start(&c.app);
	if (rc)
		return rc;
	synack_loop_on_signal(c.app.loop, on_signal, &c);
	rc = open_conn(&c);
	if (rc) {
		fprintf(stderr, "synack connect: %s\n", rc == -EADDRINUSE ? "--bind: address already in use" :
			strerror(-rc));
		synack_loop_free(c.app.loop);
		return 1;
	}
	rc = tun_run(&c.app);
	if (c.send_file)
		close(c.src);
	return rc ? rc : c.status;
}
