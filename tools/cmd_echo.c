/*
 * cmd_echo.c — `synack echo` (RFC 862) and `synack discard` (RFC 863) servers on a TUN
 * device, run by the reference loop (include/synack/loop.h).
 *
 * Each connection has one buffer: what was received and not yet sent back (echo). While
 * it holds bytes the connection is not read, so a client that does not read its echo
 * is pushed back through our receive window (flow control, RFC 9293 §3.8.6), not our
 * memory. At end of stream (the peer's FIN) the rest is sent and the connection closed
 * (our FIN after the data). One line per finished connection goes to stderr:
 *   synack echo: 10.9.0.1:40312 done: 12 bytes in, 12 bytes out
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cmd.h"
#include "tun_common.h"

#define CONN_BUF 65536

struct server {
	struct tun_app app;
	const char *name;        /* "echo" or "discard" */
	bool echo;
	int lfd;
	int backlog;
	unsigned accept_delay_ms; /* S16: leave the accept queue alone this long */
	int delay_fd;            /* its timerfd, -1 when none or over */
	int usr1_fd;             /* signalfd: SIGUSR1 ends the delay early; -1 likewise */
	int keepalive[3];        /* S21: TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT; 0 off */
	unsigned long accepted;
	struct conn *conns;      /* live connections, freed at exit */
};

struct conn {
	struct server *srv;
	struct conn *prev, *next;
	int fd;
	uint32_t raddr;
	uint16_t rport;
	bool eof;
	size_t off, len;
	uint64_t in, out;
	uint8_t buf[CONN_BUF];
};

static void finish(struct synack_loop *l, struct conn *c, const char *how)
{
	char a[16];

	fprintf(stderr, "synack %s: %s:%u %s: %llu bytes in, %llu bytes out\n", c->srv->name,
		tun_fmt_ipv4(c->raddr, a), c->rport, how, (unsigned long long)c->in,
		(unsigned long long)c->out);
	synack_loop_close(l, c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Moves bytes until the connection would block; frees c when it is done. */
static void service(struct synack_loop *l, struct conn *c)
{
	struct synack_stack *s = synack_loop_stack(l);
	ssize_t n;

	for (;;) {
		while (c->off < c->len) {
			n = synack_send(s, c->fd, c->buf + c->off, c->len - c->off, 0);
			if (n == -EAGAIN)
				return;  /* WRITABLE will call us again */
			if (n < 0) {
				finish(l, c, strerror((int)-n));
				return;
			}
			c->off += (size_t)n;
			c->out += (uint64_t)n;
		}
		c->off = c->len = 0;
		if (c->eof) {
			finish(l, c, "done");
			return;
		}
		n = synack_recv(s, c->fd, c->buf, sizeof c->buf, 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			finish(l, c, strerror((int)-n));
			return;
		}
		if (n == 0) {
			c->eof = true;
			continue;
		}
		c->in += (uint64_t)n;
		if (c->srv->echo)
			c->len = (size_t)n;
	}
}

static void on_conn(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct conn *c = ctx;

	if (ev->kind == SYNACK_EV_RESET || ev->kind == SYNACK_EV_ERROR) {
		/* Whatever is still buffered was received before the reset: count it. */
		finish(l, c, ev->kind == SYNACK_EV_RESET ? "reset by peer" : strerror(ev->error));
		return;
	}
	service(l, c);
}

static void set_keepalive(struct synack_stack *s, int fd, const int ka[3])
{
	int on = 1;

	synack_setsockopt(s, fd, SYNACK_SOL_SOCKET, SYNACK_SO_KEEPALIVE, &on, sizeof on);
	synack_setsockopt(s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPIDLE, &ka[0], sizeof ka[0]);
	synack_setsockopt(s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPINTVL, &ka[1], sizeof ka[1]);
	synack_setsockopt(s, fd, SYNACK_IPPROTO_TCP, SYNACK_TCP_KEEPCNT, &ka[2], sizeof ka[2]);
}

static void on_listener(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct server *srv = ctx;
	struct synack_stack *s = synack_loop_stack(l);
	uint32_t raddr;
	uint16_t rport;
	int fd;

	(void)ev;
	if (srv->delay_fd >= 0)
		return;
	while ((fd = synack_accept(s, srv->lfd, &raddr, &rport)) >= 0) {
		struct conn *c = calloc(1, sizeof *c);

		if (srv->keepalive[0])
			set_keepalive(s, fd, srv->keepalive);

		if (!c || synack_loop_watch(l, fd, on_conn, c)) {
			free(c);
			synack_close(s, fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->raddr = raddr;
		c->rport = rport;
		c->next = srv->conns;
		if (c->next)
			c->next->prev = c;
		srv->conns = c;
		srv->accepted++;
	}
}

/* Closes the accept delay's descriptors (the timer's and SIGUSR1's), first taking them
 * out of the loop while it exists (tun_run frees it). */
static void stop_delay(struct server *srv)
{
	int *fds[] = { &srv->delay_fd, &srv->usr1_fd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] < 0)
			continue;
		if (srv->app.loop)
			synack_loop_del_fd(srv->app.loop, *fds[i]);
		close(*fds[i]);
		*fds[i] = -1;
	}
}

/* The accept delay is over (its timer expired, or SIGUSR1 came): accept what waits. */
static void on_delay(struct synack_loop *l, int osfd, uint32_t events, void *ctx)
{
	struct server *srv = ctx;
	struct synack_event ev = { .fd = srv->lfd, .kind = SYNACK_EV_ACCEPTABLE };
	struct signalfd_siginfo si;

	(void)events;
	if (osfd == srv->usr1_fd && read(osfd, &si, sizeof si) != (ssize_t)sizeof si)
		return;         /* spurious wake-up: nothing to read */
	stop_delay(srv);
	fprintf(stderr, "synack %s: accepting now\n", srv->name);
	on_listener(l, &ev, srv);
}

/* Starts the --accept-delay-ms timer and the SIGUSR1 watch that may end it sooner (S16
 * sends it once it has seen the queue it means to: no race with the timer); 0 or a
 * negative errno. */
static int start_delay(struct server *srv)
{
	struct itimerspec its = { .it_value = { (time_t)(srv->accept_delay_ms / 1000),
						(long)(srv->accept_delay_ms % 1000) * 1000000 } };
	sigset_t usr1;
	int rc;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) < 0)
		return -errno;
	srv->delay_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	srv->usr1_fd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->delay_fd < 0 || srv->usr1_fd < 0) {
		rc = -errno;
		goto fail;
	}
	timerfd_settime(srv->delay_fd, 0, &its, NULL);
	rc = synack_loop_add_fd(srv->app.loop, srv->delay_fd, EPOLLIN, on_delay, srv);
	if (!rc)
		rc = synack_loop_add_fd(srv->app.loop, srv->usr1_fd, EPOLLIN, on_delay, srv);
	if (!rc)
		return 0;
fail:
	stop_delay(srv);
	return rc;
}

static bool parse_server_opt(struct server *srv, int argc, char **argv, int *i, uint16_t *port)
{
	const char *opt = argv[*i];
	unsigned long v;
	char *end;

	if (*i + 1 >= argc)
		return false;
	if (!strcmp(opt, "--port"))
		return tun_parse_port(argv[++*i], port, false);
	if (!strcmp(opt, "--keepalive"))
		return sscanf(argv[++*i], "%d,%d,%d", &srv->keepalive[0], &srv->keepalive[1],
			      &srv->keepalive[2]) == 3 && srv->keepalive[0] > 0 &&
		       srv->keepalive[1] > 0 && srv->keepalive[2] > 0;
	if (strcmp(opt, "--backlog") && strcmp(opt, "--accept-delay-ms"))
		return false;
	v = strtoul(argv[++*i], &end, 10);
	if (end == argv[*i] || *end || v > 600000)
		return false;
	if (!strcmp(opt, "--backlog"))
		srv->backlog = (int)v;
	else
		srv->accept_delay_ms = (unsigned)v;
	return true;
}

static void usage(const char *name, uint16_t port)
{
	fprintf(stderr, "usage: synack %s --tun NAME --addr A [--peer B/P] [--port N (%u)]\n"
		"         [--backlog N (128)] [--accept-delay-ms MS] [--keepalive IDLE,INTVL,CNT] [options]\n%s"
		"  --accept-delay-ms MS  accept nothing for MS ms or until SIGUSR1 (connections wait in the queue)\n"
		"  --keepalive I,N,C     SO_KEEPALIVE on accepted connections: idle I s, probes every N s, C probes\n",
		name, port, TUN_COMMON_USAGE);
}

static int run_server(int argc, char **argv, bool echo)
{
	static struct server srv;
	const char *name = echo ? "echo" : "discard";
	uint16_t port = echo ? 7 : 9;
	struct synack_stack *s;
	int rc;

	tun_app_init(&srv.app, echo ? "synack echo" : "synack discard");
	srv.name = name;
	srv.echo = echo;
	srv.backlog = 128;
	srv.delay_fd = -1;
	srv.usr1_fd = -1;
	for (int i = 1; i < argc; i++) {
		rc = tun_parse_common(&srv.app, argc, argv, &i);
		if (rc < 0)
			return 2;
		if (rc)
			continue;
		if (parse_server_opt(&srv, argc, argv, &i, &port))
			continue;
		usage(name, port);
		return 2;
	}
	rc = tun_start(&srv.app);
	if (rc)
		return rc;
	s = synack_loop_stack(srv.app.loop);
	srv.lfd = synack_socket(s);
	rc = srv.lfd < 0 ? srv.lfd : synack_bind(s, srv.lfd, srv.app.lo.addr, port);
	if (!rc)
		rc = synack_listen(s, srv.lfd, srv.backlog);
	if (!rc)
		rc = synack_loop_watch(srv.app.loop, srv.lfd, on_listener, &srv);
	if (!rc && srv.accept_delay_ms)
		rc = start_delay(&srv);
	if (rc) {
		fprintf(stderr, "synack %s: port %u: %s\n", name, port, strerror(-rc));
		synack_loop_free(srv.app.loop);
		return 1;
	}
	fprintf(stderr, "synack %s: listening on %s port %u\n", name, synack_loop_ifname(srv.app.loop),
		port);
	rc = tun_run(&srv.app);
	stop_delay(&srv);
	while (srv.conns) {
		struct conn *c = srv.conns;

		srv.conns = c->next;
		free(c);
	}
	return rc;
}

int cmd_echo(int argc, char **argv)
{
	return run_server(argc, argv, true);
}

int cmd_discard(int argc, char **argv)
{
	return run_server(argc, argv, false);
}
