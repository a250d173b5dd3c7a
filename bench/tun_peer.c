/*
 * tun_peer.c — the Linux side of bench/tun.sh: plain BSD-socket programs that measure
 * bulk throughput and connection rate against whatever listens on the other end (synack
 * on a TUN device, or another Linux namespace across a veth pair, the yardstick). Using
 * the same program on both paths means the figures differ only by the peer and the link.
 *
 *   tun_peer sink ADDR PORT             accept one connection, read until EOF; prints
 *                                       "sink BYTES bytes SECONDS s MB/s" (from accept)
 *   tun_peer source ADDR PORT BYTES     connect, write BYTES, shut down writing, wait for
 *                                       the peer's EOF; prints "source BYTES bytes ..."
 *   tun_peer echo ADDR PORT             accept forever, one connection at a time: echo
 *                                       what arrives, close at EOF
 *   tun_peer rate ADDR PORT SECONDS     sequential lifecycles for SECONDS: connect, write
 *                                       1 byte, read it back, close (we close first);
 *                                       prints "rate N connections SECONDS s conn/s"
 *
 * MB is 10^6 bytes. Exit status 0, or 1 with a message on any socket failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_BYTES (256 * 1024)

static char buf[BUF_BYTES];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tun_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr_of(const char *a, const char *p)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(p));
	if (inet_pton(AF_INET, a, &sin.sin_addr) != 1) {
		fprintf(stderr, "tun_peer: not an IPv4 address: %s\n", a);
		exit(2);
	}
	return sin;
}

static int listen_on(const struct sockaddr_in *sin)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (const struct sockaddr *)sin, sizeof *sin) < 0)
		die("bind");
	if (listen(s, 128) < 0)
		die("listen");
	return s;
}

static int connect_to(const struct sockaddr_in *sin)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket");
	if (connect(s, (const struct sockaddr *)sin, sizeof *sin) < 0)
		die("connect");
	return s;
}

/* Reads until EOF; returns the byte count. */
static uint64_t drain(int c)
{
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(c, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			return total;
		total += (uint64_t)n;
	}
}

static void report(const char *what, uint64_t bytes, double secs)
{
	printf("%s %llu bytes %.3f s %.1f MB/s\n", what, (unsigned long long)bytes, secs,
	       (double)bytes / secs / 1e6);
}

static int do_sink(const struct sockaddr_in *sin)
{
	int s = listen_on(sin), c;
	double t0;
	uint64_t n;

	fprintf(stderr, "tun_peer: listening\n");
	c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		die("accept");
	t0 = now_s();
	n = drain(c);
	report("sink", n, now_s() - t0);
	close(c);
	close(s);
	return 0;
}

static int do_source(const struct sockaddr_in *sin, uint64_t bytes)
{
	int c = connect_to(sin);
	double t0 = now_s();
	uint64_t left = bytes;

	memset(buf, 'x', sizeof buf);
	while (left) {
		size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
		ssize_t n = write(c, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		left -= (uint64_t)n;
	}
	shutdown(c, SHUT_WR);
	drain(c);     /* the peer's EOF: everything was received */
	report("source", bytes, now_s() - t0);
	close(c);
	return 0;
}

static int do_echo(const struct sockaddr_in *sin)
{
	int s = listen_on(sin);

	fprintf(stderr, "tun_peer: listening\n");
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		ssize_t n;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		while ((n = read(c, buf, sizeof buf)) > 0)
			if (write(c, buf, (size_t)n) != n)
				break;
		close(c);
	}
}

static int do_rate(const struct sockaddr_in *sin, double secs)
{
	double t0 = now_s(), t = t0;
	unsigned long n = 0;

	while (t - t0 < secs) {
		int c = connect_to(sin), one = 1;
		char b = 'x';

		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (write(c, &b, 1) != 1)
			die("write");
		if (read(c, &b, 1) != 1)
			die("read (echo)");
		close(c);
		n++;
		if (!(n & 15))
			t = now_s();
	}
	t = now_s();
	printf("rate %lu connections %.3f s %.0f conn/s\n", n, t - t0, (double)n / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;

	if (argc < 4) {
		fprintf(stderr, "usage: tun_peer sink|echo ADDR PORT | source ADDR PORT BYTES | "
			"rate ADDR PORT SECONDS\n");
		return 2;
	}
	sin = addr_of(argv[2], argv[3]);
	if (!strcmp(argv[1], "sink"))
		return do_sink(&sin);
	if (!strcmp(argv[1], "echo"))
		return do_echo(&sin);
	if (!strcmp(argv[1], "source") && argc == 5)
		return do_source(&sin, strtoull(argv[4], NULL, 10));
	if (!strcmp(argv[1], "rate") && argc == 5)
		return do_rate(&sin, atof(argv[4]));
	fprintf(stderr, "tun_peer: unknown mode or missing argument\n");
	return 2;
}
