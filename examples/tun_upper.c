/*
 * tun_upper.c — embedding synack in a program: a TCP server on a TUN device that greets
 * each client and sends back every byte it receives in upper case.
 *
 * Build against an installed synack:
 *   cc -o tun_upper tun_upper.c $(pkg-config --cflags --libs synack)
 * Run in a namespace made by scripts/netns.sh (or anywhere, as root):
 *   ip netns exec NS ./tun_upper tun0 10.9.0.2 7000
 *   ip netns exec NS nc 10.9.0.2 7000
 *
 * The pattern every program follows:
 *   1. synack_loop_new(): the TUN device, the stack, the epoll loop in one call;
 *   2. socket calls on synack_loop_stack(loop), and synack_loop_watch() to have a
 *      descriptor's events delivered to a callback;
 *   3. synack_loop_run(): the loop feeds packets and timers to the engine and calls the
 *      callbacks; socket calls made in callbacks are flushed by the loop afterwards;
 *   4. SIGINT/SIGTERM close every watched connection gracefully and end the run.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <synack/loop.h>

struct client {
	int fd;
	char pending[4096];     /* upper-cased bytes the send buffer had no room for */
	size_t off, len;
};

/* Sends what is pending; false when the connection must be dropped. */
static bool flush(struct synack_stack *s, struct client *c)
{
	while (c->off < c->len) {
		ssize_t n = synack_send(s, c->fd, c->pending + c->off, c->len - c->off, 0);

		if (n == -EAGAIN)
			return true;    /* SYNACK_EV_WRITABLE will bring us back */
		if (n < 0)
			return false;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return true;
}

static void on_client(struct synack_loop *loop, const struct synack_event *ev, void *ctx)
{
	struct synack_stack *s = synack_loop_stack(loop);
	struct client *c = ctx;
	ssize_t n;

	if (ev->kind == SYNACK_EV_RESET || ev->kind == SYNACK_EV_ERROR)
		goto drop;
	if (!flush(s, c))
		goto drop;
	/* Read only when nothing is pending: a slow reader slows its sender (flow control). */
	while (c->len == 0) {
		n = synack_recv(s, c->fd, c->pending, sizeof c->pending, 0);
		if (n == -EAGAIN)
			return;
		if (n <= 0)
			goto drop;      /* 0: the client closed (FIN); we close too */
		for (ssize_t i = 0; i < n; i++)
			c->pending[i] = (char)toupper((unsigned char)c->pending[i]);
		c->len = (size_t)n;
		if (!flush(s, c))
			goto drop;
	}
	return;
drop:
	synack_loop_close(loop, c->fd);  /* FIN after queued data */
	free(c);
}

static void on_listener(struct synack_loop *loop, const struct synack_event *ev, void *ctx)
{
	struct synack_stack *s = synack_loop_stack(loop);
	int lfd = *(int *)ctx, fd;

	(void)ev;
	while ((fd = synack_accept(s, lfd, NULL, NULL)) >= 0) {
		struct client *c = calloc(1, sizeof *c);

		if (!c) {
			synack_close(s, fd);
			continue;
		}
		c->fd = fd;
		c->len = (size_t)snprintf(c->pending, sizeof c->pending, "hello from synack\n");
		synack_loop_watch(loop, fd, on_client, c);  /* reports WRITABLE at once */
	}
}

int main(int argc, char **argv)
{
	struct synack_loop_opts opts = { 0 };
	struct synack_loop *loop;
	struct synack_stack *s;
	unsigned a, b, c, d, port;
	char err[256];
	int lfd, rc;

	if (argc != 4 || sscanf(argv[2], "%u.%u.%u.%u", &a, &b, &c, &d) != 4 ||
	    sscanf(argv[3], "%u", &port) != 1 || port == 0 || port > 65535) {
		fprintf(stderr, "usage: tun_upper TUN ADDRESS PORT\n");
		return 2;
	}
	opts.tun = argv[1];
	opts.addr = a << 24 | b << 16 | c << 8 | d;
	loop = synack_loop_new(&opts, NULL, err, sizeof err);
	if (!loop) {
		fprintf(stderr, "tun_upper: %s\n", err);
		return 1;
	}
	s = synack_loop_stack(loop);
	lfd = synack_socket(s);
	rc = lfd < 0 ? lfd : synack_bind(s, lfd, opts.addr, (uint16_t)port);
	if (!rc)
		rc = synack_listen(s, lfd, 64);
	if (!rc)
		rc = synack_loop_watch(loop, lfd, on_listener, &lfd);
	if (rc) {
		fprintf(stderr, "tun_upper: %s\n", strerror(-rc));
		synack_loop_free(loop);
		return 1;
	}
	fprintf(stderr, "tun_upper: listening on %s:%u\n", argv[2], port);
	rc = synack_loop_run(loop);
	if (rc)
		fprintf(stderr, "tun_upper: %s\n", synack_loop_error(loop));
	synack_loop_free(loop);
	return rc ? 1 : 0;
}
