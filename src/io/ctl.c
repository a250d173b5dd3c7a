/*
 * ctl.c — the control channel of a running loop: a Unix stream socket on which
 * `synack ss` asks for the live connection listing and counters.
 *
 * Protocol (same host, same build, so structs travel in native layout): the client sends
 * IO_CTL_REQUEST; the server answers with struct io_ctl_hdr, nsocks struct
 * synack_sock_info, ncounters uint64_t counters, and closes. The default address is the
 * abstract name "synack/<tun>": abstract Unix names belong to the network namespace, so
 * a client run in the same namespace (ip netns exec NS synack ss --tun tun0) finds it,
 * and nothing is left on disk.
 *
 * The server side is bounded: the request is read with a 200 ms receive timeout and the
 * answer written with a 1 s send timeout, so a stuck client delays the loop at most that.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "io_int.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Fills *sun for the abstract name or the path; returns the address length, or 0 when
 * the path does not fit. */
static socklen_t fill_addr(struct sockaddr_un *sun, const char *tun, const char *ctl)
{
	size_t n;

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (ctl) {
		n = strlen(ctl);
		if (n == 0 || n >= sizeof sun->sun_path)
			return 0;
		memcpy(sun->sun_path, ctl, n);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	n = (size_t)snprintf(sun->sun_path + 1, sizeof sun->sun_path - 1, "synack/%s", tun ? tun : "");
	if (n >= sizeof sun->sun_path - 1)
		return 0;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void set_timeout(int fd, int opt, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

/* Connects a client socket; returns it or a negative errno. */
static int dial(const struct sockaddr_un *sun, socklen_t len, unsigned timeout_ms)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return -errno;
	set_timeout(fd, SO_RCVTIMEO, timeout_ms);
	set_timeout(fd, SO_SNDTIMEO, timeout_ms);
	if (connect(fd, (const struct sockaddr *)sun, len) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int io_ctl_listen(const char *tun, const char *ctl, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len = fill_addr(&sun, tun, ctl);
	int fd, e, probe;

	if (!len) {
		set_err(err, errlen, "control socket path too long");
		return -ENAMETOOLONG;
	}
	if (ctl) {
		/* A socket file left by a process that died is replaced; a live one is not. */
		probe = dial(&sun, len, 200);
		if (probe >= 0) {
			close(probe);
			set_err(err, errlen, "control socket %s: address in use (another synack serves it)", ctl);
			return -EADDRINUSE;
		}
		if (probe == -ECONNREFUSED)
			unlink(ctl);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		set_err(err, errlen, "control socket: %s", strerror(e));
		return -e;
	}
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, 16) < 0) {
		e = errno;
		close(fd);
		if (e == EADDRINUSE)
			set_err(err, errlen, "control socket %s%s: address in use (another synack serves it)",
				ctl ? "" : "@synack/", ctl ? ctl : tun);
		else
			set_err(err, errlen, "control socket: %s", strerror(e));
		return -e;
	}
	return fd;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

static bool read_request(int c)
{
	char req[16];
	size_t got = 0, want = strlen(IO_CTL_REQUEST);

	while (got < want) {
		ssize_t n = recv(c, req + got, want - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return !memcmp(req, IO_CTL_REQUEST, want);
}

static void answer(int c, struct synack_stack *s, const char *ifname, uint32_t addr,
		   uint64_t now_ns, const struct synack_loop_stats *stats)
{
	struct io_ctl_hdr h;
	struct synack_sock_info first, *socks;
	uint64_t counters[SYNACK_CTR_COUNT];
	size_t n = synack_sock_list(s, &first, 1);   /* a real buffer: it is qsort()ed */

	socks = calloc(n ? n : 1, sizeof *socks);
	if (!socks)
		return;
	if (n)
		n = synack_sock_list(s, socks, n);  /* unchanged: nothing ran in between */
	memset(&h, 0, sizeof h);
	memcpy(h.magic, IO_CTL_MAGIC, sizeof h.magic);
	h.version = IO_CTL_VERSION;
	h.addr = addr;
	h.pid = (int32_t)getpid();
	h.nsocks = (uint32_t)n;
	h.ncounters = SYNACK_CTR_COUNT;
	h.info_size = (uint32_t)sizeof(struct synack_sock_info);
	h.now_ns = now_ns;
	memcpy(h.ifname, ifname, SYNACK_IFNAMSIZ);
	h.stats = *stats;
	for (int i = 0; i < SYNACK_CTR_COUNT; i++)
		counters[i] = synack_counter(s, i);
	if (write_all(c, &h, sizeof h) && (!n || write_all(c, socks, n * sizeof *socks)))
		write_all(c, counters, sizeof counters);
	free(socks);
}

bool io_ctl_serve(int lfd, struct synack_stack *s, const char *ifname, uint32_t addr,
		  uint64_t now_ns, const struct synack_loop_stats *stats)
{
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return false;
	set_timeout(c, SO_RCVTIMEO, 200);
	set_timeout(c, SO_SNDTIMEO, 1000);
	if (read_request(c))
		answer(c, s, ifname, addr, now_ns, stats);
	close(c);
	return true;
}

static bool read_all(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = recv(fd, b, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		b += r;
		n -= (size_t)r;
	}
	return true;
}

static int read_snapshot(int fd, struct synack_ctl_snapshot *out, char *err, size_t errlen)
{
	struct io_ctl_hdr h;

	if (!read_all(fd, &h, sizeof h) || memcmp(h.magic, IO_CTL_MAGIC, sizeof h.magic) ||
	    h.version != IO_CTL_VERSION || h.info_size != sizeof(struct synack_sock_info) ||
	    h.ncounters > 4096 || h.nsocks > (1u << 24)) {
		set_err(err, errlen, "control socket: malformed or incompatible answer");
		return -EPROTO;
	}
	memset(out, 0, sizeof *out);
	memcpy(out->ifname, h.ifname, SYNACK_IFNAMSIZ);
	out->ifname[SYNACK_IFNAMSIZ - 1] = '\0';
	out->addr = h.addr;
	out->pid = h.pid;
	out->now_ns = h.now_ns;
	out->stats = h.stats;
	out->nsocks = h.nsocks;
	out->ncounters = h.ncounters;
	out->socks = calloc(h.nsocks ? h.nsocks : 1, sizeof *out->socks);
	out->counters = calloc(h.ncounters ? h.ncounters : 1, sizeof *out->counters);
	if (!out->socks || !out->counters ||
	    !read_all(fd, out->socks, h.nsocks * sizeof *out->socks) ||
	    !read_all(fd, out->counters, h.ncounters * sizeof *out->counters)) {
		synack_ctl_snapshot_free(out);
		set_err(err, errlen, "control socket: short answer");
		return -EPROTO;
	}
	return 0;
}

int synack_ctl_query(const char *tun, const char *ctl, unsigned timeout_ms,
		     struct synack_ctl_snapshot *out, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len = fill_addr(&sun, tun, ctl);
	int fd, rc;

	if (!len) {
		set_err(err, errlen, "control socket name too long or empty");
		return -EINVAL;
	}
	fd = dial(&sun, len, timeout_ms);
	if (fd < 0) {
		set_err(err, errlen, "no synack process answers on %s%s (%s)", ctl ? "" : "@synack/",
			ctl ? ctl : tun, strerror(-fd));
		return fd;
	}
	if (!write_all(fd, IO_CTL_REQUEST, strlen(IO_CTL_REQUEST))) {
		rc = -errno;
		close(fd);
		set_err(err, errlen, "control socket: %s", strerror(-rc));
		return rc;
	}
	rc = read_snapshot(fd, out, err, errlen);
	close(fd);
	return rc;
}

void synack_ctl_snapshot_free(struct synack_ctl_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->socks);
	free(snap->counters);
	snap->socks = NULL;
	snap->counters = NULL;
	snap->nsocks = snap->ncounters = 0;
}
