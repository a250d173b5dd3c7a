/*
 * synack_packetdrill.c — libsynack_packetdrill.so: one synack stack behind packetdrill's
 * shared-object interface (packetdrill_interface.h, issue 6 item 2), so that the real
 * packetdrill binary (`packetdrill --so_filename=libsynack_packetdrill.so
 * --local_ip=192.168.0.1 script.pkt`) runs its scripts against synack.
 *
 * Uses the public API only (synack/synack.h). The translation, call by call:
 *   - Linux's constants and structs in (AF_INET, SOCK_STREAM, struct sockaddr_in in
 *     network byte order, SOL_SOCKET/SO_*, IPPROTO_TCP/TCP_*, MSG_*, O_NONBLOCK, struct
 *     linger, struct pollfd), synack's host-order calls out; -errno results become -1
 *     with errno, as libc does.
 *   - Time: a virtual clock, in nanoseconds inside, that only usleep() and
 *     gettimeofday() move. usleep(us) runs the stack's timers deadline by deadline up to
 *     now + us, so each packet gets the exact time its timer fired. gettimeofday() returns
 *     the clock and then moves it by tick_usecs (default 1), so that a caller spinning on
 *     the clock (packetdrill spins for the last microseconds before an event) makes
 *     progress. netdev_receive() never moves the clock.
 *   - Packets: netdev_send() is synack_input(); every packet synack_output() produces is
 *     queued with its send time for netdev_receive().
 *   - Blocking: synack never blocks; this object does. A call on a descriptor without
 *     O_NONBLOCK (and without MSG_DONTWAIT) that synack answers -EAGAIN (a connect():
 *     -EINPROGRESS) waits on a condition variable and is retried after each change of the
 *     stack made by another thread (packetdrill runs system calls in a thread of their
 *     own). A call that changes the stack (netdev_send, usleep, gettimeofday, any socket
 *     call) returns only after every blocked call has retried once, so a blocked call
 *     completes at the virtual time of the change that unblocks it. poll() waits until
 *     an event or its timeout on the virtual clock.
 *   - Calls synack has no counterpart for (epoll_*, pipe, splice, ioctl and fcntl
 *     commands not listed below) return -1 with errno ENOSYS.
 *
 *   - getsockopt(TCP_INFO) fills Linux's struct tcp_info from synack_tcp_info (Linux's
 *     tcpi_state numbers), which is what packetdrill's %{ tcpi_* }% blocks read.
 *
 * --so_flags: space- or comma-separated "name=value": local=A.B.C.D (the stack's
 * address, default 192.168.0.1: give packetdrill the same --local_ip), mtu=N (default
 * 1500), tick_usecs=N (default 1, 0 = gettimeofday does not move the clock), and the
 * sysctls that have a synack knob with Linux's meaning and unit
 * (net.ipv4.tcp_syncookies=2, tcp_sack=0, net.core.somaxconn=..., the list in knobs[]
 * below; the net.ipv4./net.core. prefix is optional): the shell lines of a script run on
 * packetdrill's host, not here, so this is how a script's sysctls reach synack. A net.*
 * name without a knob is reported on stderr and ignored. An unknown flag, a bad value
 * or a configuration synack rejects is reported on stderr and makes every call fail
 * with EINVAL.
 *
 * Thread safety: one mutex around the stack; every function may be called from any
 * thread. ISN keys are fixed, so runs are reproducible.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "synack/synack.h"

#include "packetdrill_interface.h"

#define EXPORT __attribute__((visibility("default")))

/* synack.h promises Linux's numbers; the names passed through unchanged rely on it. */
_Static_assert(SOL_SOCKET == SYNACK_SOL_SOCKET, "SOL_SOCKET");
_Static_assert(IPPROTO_TCP == SYNACK_IPPROTO_TCP, "IPPROTO_TCP");
_Static_assert(SO_REUSEADDR == SYNACK_SO_REUSEADDR && SO_ERROR == SYNACK_SO_ERROR &&
	       SO_SNDBUF == SYNACK_SO_SNDBUF && SO_RCVBUF == SYNACK_SO_RCVBUF &&
	       SO_KEEPALIVE == SYNACK_SO_KEEPALIVE && SO_LINGER == SYNACK_SO_LINGER,
	       "SO_*");
_Static_assert(TCP_NODELAY == SYNACK_TCP_NODELAY && TCP_MAXSEG == SYNACK_TCP_MAXSEG &&
	       TCP_KEEPIDLE == SYNACK_TCP_KEEPIDLE && TCP_KEEPINTVL == SYNACK_TCP_KEEPINTVL &&
	       TCP_KEEPCNT == SYNACK_TCP_KEEPCNT && TCP_SYNCNT == SYNACK_TCP_SYNCNT &&
	       TCP_USER_TIMEOUT == SYNACK_TCP_USER_TIMEOUT, "TCP_*");
_Static_assert(SHUT_RD == SYNACK_SHUT_RD && SHUT_WR == SYNACK_SHUT_WR &&
	       SHUT_RDWR == SYNACK_SHUT_RDWR, "SHUT_*");

#define DEFAULT_LOCAL  0xc0a80001u          /* 192.168.0.1 */
#define START_NS       1000000000ull        /* the clock reads 1.000000 s at first */
#define PKT_CAP        65536
#define QUEUE_MAX      4096                 /* packets sent and not yet received */
#define POLL_MAX       1024
#define IOV_LIMIT      1024
#define NO_DEADLINE    UINT64_MAX

struct pd_pkt {
	uint64_t t_ns;
	size_t len;
	uint8_t *b;
};

struct pd_fdflags {
	int fd;
	bool nonblock;
};

/* A call blocked in this object; lives on the blocked thread's stack. */
struct pd_waiter {
	uint64_t seen;          /* the change generation it last retried at */
	uint64_t deadline_ns;   /* poll() timeout, or NO_DEADLINE */
	struct pd_waiter *next;
};

struct pd {
	pthread_mutex_t mu;
	pthread_cond_t changed;   /* a blocked call should retry */
	pthread_cond_t settled;   /* a blocked call retried or left */
	struct synack_stack *s;
	int flags_err;            /* EINVAL after bad flags: every call fails */
	struct synack_config cfg; /* defaults, mtu= and sysctl flags applied */
	uint32_t local_addr;
	uint64_t tick_ns;
	uint64_t now_ns;
	uint64_t gen;
	struct pd_waiter *waiters;
	struct pd_pkt q[QUEUE_MAX];
	size_t qhead, qlen;
	uint64_t q_dropped;
	struct pd_fdflags *fds;
	size_t nfds, capfds;
	uint8_t out[PKT_CAP];
};

/* ---- errors, locking, the change protocol ------------------------------------------ */

static int set_errno(int e)
{
	errno = e;
	return -1;
}

/* Locks; returns 0, or the errno every call gets (no stack, bad flags). */
static int enter(struct pd *pd)
{
	if (!pd)
		return ENOMEM;
	if (pd->flags_err)
		return pd->flags_err;
	pthread_mutex_lock(&pd->mu);
	return 0;
}

/* Queues what the stack sends, at the current time; discards events (callers poll). */
static void drain(struct pd *pd)
{
	struct synack_event ev;
	size_t n;

	while ((n = synack_output(pd->s, pd->now_ns, pd->out, sizeof pd->out)) > 0) {
		uint8_t *b = malloc(n);
		if (!b || pd->qlen == QUEUE_MAX) {
			free(b);
			pd->q_dropped++;
			continue;
		}
		memcpy(b, pd->out, n);
		pd->q[(pd->qhead + pd->qlen++) % QUEUE_MAX] = (struct pd_pkt){pd->now_ns, n, b};
	}
	while (synack_poll_event(pd->s, &ev))
		;
}

static bool all_settled(const struct pd *pd)
{
	for (const struct pd_waiter *w = pd->waiters; w; w = w->next)
		if (w->seen != pd->gen)
			return false;
	return true;
}

/* After a change of the stack: queue its packets, then let every blocked call retry
 * once before going on. Never called by a thread that is itself registered as waiter. */
static void changed(struct pd *pd)
{
	drain(pd);
	if (!pd->waiters)
		return;
	pd->gen++;
	pthread_cond_broadcast(&pd->changed);
	while (!all_settled(pd))
		pthread_cond_wait(&pd->settled, &pd->mu);
}

/* Ends a call: result r (>= 0, or -errno) as libc returns it. */
static long leave(struct pd *pd, long r)
{
	changed(pd);
	pthread_mutex_unlock(&pd->mu);
	if (r < 0)
		return set_errno((int)-r);
	return r;
}

static void waiter_add(struct pd *pd, struct pd_waiter *w, uint64_t deadline_ns)
{
	w->seen = pd->gen;
	w->deadline_ns = deadline_ns;
	w->next = pd->waiters;
	pd->waiters = w;
}

static void waiter_remove(struct pd *pd, struct pd_waiter *w)
{
	for (struct pd_waiter **p = &pd->waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	pthread_cond_broadcast(&pd->settled);
}

/* Blocks until another thread changes the stack. */
static void wait_change(struct pd *pd, struct pd_waiter *w)
{
	w->seen = pd->gen;
	pthread_cond_broadcast(&pd->settled);
	while (w->seen == pd->gen)
		pthread_cond_wait(&pd->changed, &pd->mu);
}

/*
 * One attempt of a call: returns the result, or -EAGAIN to wait for the next change.
 * ctx is the call's own state.
 */
typedef long (*try_fn)(struct pd *pd, void *ctx);

/* Tries fn; while it says -EAGAIN and block is set, waits for a change and retries. */
static long run_blocking(struct pd *pd, bool block, uint64_t deadline_ns, try_fn fn,
			 void *ctx)
{
	struct pd_waiter w;
	bool waiting = false;
	long r;

	for (;;) {
		r = fn(pd, ctx);
		drain(pd);
		if (r != -EAGAIN || !block)
			break;
		if (!waiting) {
			waiter_add(pd, &w, deadline_ns);
			waiting = true;
		}
		wait_change(pd, &w);
	}
	if (waiting)
		waiter_remove(pd, &w);
	return r;
}

/* ---- the clock ---------------------------------------------------------------------- */

static uint64_t earliest_waiter(const struct pd *pd)
{
	uint64_t d = NO_DEADLINE;

	for (const struct pd_waiter *w = pd->waiters; w; w = w->next)
		if (w->deadline_ns < d)
			d = w->deadline_ns;
	return d;
}

/* Moves the clock to target, firing timers (and poll timeouts) at their deadlines. */
static void run_until(struct pd *pd, uint64_t target)
{
	for (;;) {
		uint64_t d = synack_next_deadline(pd->s), wd = earliest_waiter(pd);
		if (wd < d)
			d = wd;
		if (d <= pd->now_ns)
			d = pd->now_ns + 1000;   /* an early wake-up already served */
		if (d >= target)
			break;
		pd->now_ns = d;
		synack_advance(pd->s, d);
		changed(pd);
	}
	if (target > pd->now_ns) {
		pd->now_ns = target;
		synack_advance(pd->s, target);
		changed(pd);
	}
}

static int pd_usleep(void *ud, useconds_t usec)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	run_until(pd, pd->now_ns + (uint64_t)usec * 1000u);
	return (int)leave(pd, 0);
}

static int pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (tv) {
		uint64_t us = pd->now_ns / 1000u;
		tv->tv_sec = (time_t)(us / 1000000u);
		tv->tv_usec = (suseconds_t)(us % 1000000u);
	}
	if (tz)
		memset(tz, 0, sizeof *tz);
	run_until(pd, pd->now_ns + pd->tick_ns);
	return (int)leave(pd, 0);
}

/* ---- the network device ------------------------------------------------------------- */

static int pd_netdev_send(void *ud, const void *buf, size_t count)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (!buf || count == 0)
		return (int)leave(pd, -EINVAL);
	if (count > 65535)
		return (int)leave(pd, -EMSGSIZE);
	synack_input(pd->s, pd->now_ns, buf, count);
	return (int)leave(pd, 0);
}

static int pd_netdev_receive(void *ud, void *buf, size_t *count, long long *time_usecs)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (!buf || !count)
		return (int)leave(pd, -EFAULT);
	drain(pd);
	if (!pd->qlen) {
		*count = 0;
		return (int)leave(pd, 0);
	}
	struct pd_pkt *p = &pd->q[pd->qhead];
	if (p->len > *count) {          /* stays queued: call again with room */
		*count = p->len;
		return (int)leave(pd, -EMSGSIZE);
	}
	memcpy(buf, p->b, p->len);
	*count = p->len;
	if (time_usecs)
		*time_usecs = (long long)(p->t_ns / 1000u);
	free(p->b);
	pd->qhead = (pd->qhead + 1) % QUEUE_MAX;
	pd->qlen--;
	return (int)leave(pd, 0);
}

/* ---- descriptors: O_NONBLOCK is kept here, synack itself never blocks -------------- */

static struct pd_fdflags *find_fd(struct pd *pd, int fd)
{
	for (size_t i = 0; i < pd->nfds; i++)
		if (pd->fds[i].fd == fd)
			return &pd->fds[i];
	return NULL;
}

static int add_fd(struct pd *pd, int fd, bool nonblock)
{
	struct pd_fdflags *f = find_fd(pd, fd);

	if (!f) {
		if (pd->nfds == pd->capfds) {
			size_t cap = pd->capfds ? 2 * pd->capfds : 16;
			struct pd_fdflags *v = realloc(pd->fds, cap * sizeof *v);
			if (!v)
				return -ENOMEM;
			pd->fds = v;
			pd->capfds = cap;
		}
		f = &pd->fds[pd->nfds++];
	}
	*f = (struct pd_fdflags){fd, nonblock};
	return 0;
}

static void remove_fd(struct pd *pd, int fd)
{
	struct pd_fdflags *f = find_fd(pd, fd);

	if (f)
		*f = pd->fds[--pd->nfds];
}

static bool is_nonblock(struct pd *pd, int fd)
{
	struct pd_fdflags *f = find_fd(pd, fd);

	return f && f->nonblock;
}

static bool fd_valid(struct pd *pd, int fd)
{
	return synack_poll(pd->s, fd, 0) >= 0;
}

/* ---- addresses ---------------------------------------------------------------------- */

/* A struct sockaddr_in from the caller into host-order addr/port; 0 or -errno. */
static int get_sin(const struct sockaddr *sa, socklen_t len, uint32_t *addr, uint16_t *port)
{
	struct sockaddr_in sin;

	if (!sa)
		return -EFAULT;
	if (len < (socklen_t)sizeof sin)
		return -EINVAL;
	memcpy(&sin, sa, sizeof sin);
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = ntohl(sin.sin_addr.s_addr);
	*port = ntohs(sin.sin_port);
	return 0;
}

/* Writes addr/port as a struct sockaddr_in, cut to *len as the kernel does. */
static void put_sin(struct sockaddr *sa, socklen_t *len, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	if (!sa || !len)
		return;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	memcpy(sa, &sin, *len < (socklen_t)sizeof sin ? *len : sizeof sin);
	*len = (socklen_t)sizeof sin;
}

/* ---- socket, bind, listen, accept, connect ----------------------------------------- */

static int pd_socket(void *ud, int domain, int type, int protocol)
{
	struct pd *pd = ud;
	int e = enter(pd), base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), fd;

	if (e)
		return set_errno(e);
	if (domain != AF_INET)
		return (int)leave(pd, -EAFNOSUPPORT);
	if (base != SOCK_STREAM)
		return (int)leave(pd, -ENOSYS);      /* UDP, raw: not in synack */
	if (protocol != 0 && protocol != IPPROTO_TCP)
		return (int)leave(pd, -EPROTONOSUPPORT);
	fd = synack_socket(pd->s);
	if (fd >= 0 && add_fd(pd, fd, (type & SOCK_NONBLOCK) != 0)) {
		synack_close(pd->s, fd);
		fd = -ENOMEM;
	}
	return (int)leave(pd, fd);
}

static int pd_bind(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct pd *pd = ud;
	int e = enter(pd), r;
	uint32_t a = 0;
	uint16_t port = 0;

	if (e)
		return set_errno(e);
	r = get_sin(addr, len, &a, &port);
	if (!r)
		r = synack_bind(pd->s, fd, a, port);
	return (int)leave(pd, r);
}

static int pd_listen(void *ud, int fd, int backlog)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return (int)leave(pd, synack_listen(pd->s, fd, backlog));
}

struct accept_ctx {
	int fd;
	uint32_t addr;
	uint16_t port;
};

static long try_accept(struct pd *pd, void *ctx)
{
	struct accept_ctx *c = ctx;

	return synack_accept(pd->s, c->fd, &c->addr, &c->port);
}

static int pd_accept(void *ud, int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct pd *pd = ud;
	int e = enter(pd);
	struct accept_ctx c = {.fd = fd};

	if (e)
		return set_errno(e);
	long r = run_blocking(pd, !is_nonblock(pd, fd), NO_DEADLINE, try_accept, &c);
	if (r >= 0) {
		put_sin(addr, addrlen, c.addr, c.port);
		if (add_fd(pd, (int)r, false)) {     /* accept() does not inherit O_NONBLOCK */
			synack_close(pd->s, (int)r);
			r = -ENOMEM;
		}
	}
	return (int)leave(pd, r);
}

struct connect_ctx {
	int fd;
	uint32_t addr;
	uint16_t port;
	bool started;
};

/* The SYN, then (blocking) until writable or failed: the result is SO_ERROR. */
static long try_connect(struct pd *pd, void *ctx)
{
	struct connect_ctx *c = ctx;

	if (!c->started) {
		int r = synack_connect(pd->s, c->fd, c->addr, c->port);
		c->started = true;
		if (r != -EINPROGRESS || is_nonblock(pd, c->fd))
			return r;
	}
	int rev = synack_poll(pd->s, c->fd, SYNACK_POLLOUT);
	if (rev < 0)
		return rev;
	if (!(rev & (SYNACK_POLLOUT | SYNACK_POLLERR | SYNACK_POLLHUP)))
		return -EAGAIN;
	int err = 0;
	size_t len = sizeof err;
	synack_getsockopt(pd->s, c->fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &len);
	return -err;
}

static int pd_connect(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct pd *pd = ud;
	int e = enter(pd);
	struct connect_ctx c = {.fd = fd};

	if (e)
		return set_errno(e);
	long r = get_sin(addr, len, &c.addr, &c.port);
	if (!r)
		r = run_blocking(pd, true, NO_DEADLINE, try_connect, &c);
	return (int)leave(pd, r);
}

/* ---- receiving ---------------------------------------------------------------------- */

/* MSG_* of a recv/send into synack's; -EOPNOTSUPP for flags synack has no meaning for. */
static int map_msg_flags(int flags, bool sending, bool *dontwait)
{
	int allowed = MSG_PEEK | MSG_DONTWAIT | MSG_NOSIGNAL | (sending ? MSG_OOB : 0);
	int out = 0;

	if (flags & ~allowed)
		return -EOPNOTSUPP;
	*dontwait = (flags & MSG_DONTWAIT) != 0;
	out |= flags & MSG_PEEK ? SYNACK_MSG_PEEK : 0;
	out |= flags & MSG_DONTWAIT ? SYNACK_MSG_DONTWAIT : 0;
	out |= flags & MSG_NOSIGNAL ? SYNACK_MSG_NOSIGNAL : 0;
	out |= flags & MSG_OOB ? SYNACK_MSG_OOB : 0;
	return out;
}

struct io_ctx {
	int fd, flags;
	uint8_t *rbuf;
	const uint8_t *wbuf;
	size_t len, done;
	bool block;
};

static long try_recv(struct pd *pd, void *ctx)
{
	struct io_ctx *c = ctx;

	return synack_recv(pd->s, c->fd, c->rbuf, c->len, c->flags);
}

/* recv() on one buffer, blocking unless O_NONBLOCK or MSG_DONTWAIT. Locked. */
static long do_recv(struct pd *pd, int fd, void *buf, size_t len, int flags)
{
	bool dontwait;
	int sf = map_msg_flags(flags, false, &dontwait);
	struct io_ctx c = {.fd = fd, .flags = sf, .rbuf = buf, .len = len};

	if (sf < 0)
		return sf;
	return run_blocking(pd, !dontwait && !is_nonblock(pd, fd), NO_DEADLINE, try_recv, &c);
}

/* Total length of an iovec array; -EINVAL for a bad count, -EFAULT for NULL. */
static long iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > IOV_LIMIT)
		return -EINVAL;
	if (iovcnt && !iov)
		return -EFAULT;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)INT32_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (long)total;
}

/* recv into a scatter list: one synack_recv into a bounce buffer (MSG_PEEK stays right). */
static long do_recv_iov(struct pd *pd, int fd, const struct iovec *iov, int iovcnt,
			int flags)
{
	long total = iov_total(iov, iovcnt), r;
	uint8_t *b;

	if (total < 0)
		return total;
	b = malloc(total ? (size_t)total : 1);
	if (!b)
		return -ENOMEM;
	r = do_recv(pd, fd, b, (size_t)total, flags);
	for (int i = 0, off = 0; r > 0 && i < iovcnt && off < r; i++) {
		size_t n = iov[i].iov_len < (size_t)(r - off) ? iov[i].iov_len : (size_t)(r - off);
		memcpy(iov[i].iov_base, b + off, n);
		off += (int)n;
	}
	free(b);
	return r;
}

static ssize_t pd_read(void *ud, int fd, void *buf, size_t count)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_recv(pd, fd, buf, count, 0));
}

static ssize_t pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_recv_iov(pd, fd, iov, iovcnt, 0));
}

static ssize_t pd_recv(void *ud, int fd, void *buf, size_t len, int flags)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_recv(pd, fd, buf, len, flags));
}

/* The peer's address for recvfrom/recvmsg (a TCP socket's only source). */
static void put_peer(struct pd *pd, int fd, struct sockaddr *sa, socklen_t *len)
{
	uint32_t a = 0;
	uint16_t p = 0;

	if (sa && len && synack_getpeername(pd->s, fd, &a, &p) == 0)
		put_sin(sa, len, a, p);
	else if (len)
		*len = 0;
}

static ssize_t pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags,
			   struct sockaddr *src, socklen_t *srclen)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	long r = do_recv(pd, fd, buf, len, flags);
	if (r >= 0)
		put_peer(pd, fd, src, srclen);
	return leave(pd, r);
}

static ssize_t pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (!msg)
		return leave(pd, -EFAULT);
	long r = do_recv_iov(pd, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
	if (r >= 0) {
		put_peer(pd, fd, msg->msg_name, &msg->msg_namelen);
		msg->msg_controllen = 0;    /* no ancillary data */
		msg->msg_flags = 0;
	}
	return leave(pd, r);
}

/* ---- sending ------------------------------------------------------------------------ */

/* Queues what fits; a blocking send waits until all of it is queued (Linux). */
static long try_send(struct pd *pd, void *ctx)
{
	struct io_ctx *c = ctx;
	ssize_t n = synack_send(pd->s, c->fd, c->wbuf + c->done, c->len - c->done, c->flags);

	if (n > 0) {
		c->done += (size_t)n;
		if (c->block && c->done < c->len) {
			pd->gen++;                      /* progress: other waiters retry too */
			pthread_cond_broadcast(&pd->changed);
			return -EAGAIN;
		}
		return (long)c->done;
	}
	if (n == -EAGAIN && c->block)
		return -EAGAIN;
	return c->done ? (long)c->done : (long)n;   /* an error after some bytes: the count */
}

static long do_send(struct pd *pd, int fd, const void *buf, size_t len, int flags)
{
	bool dontwait;
	int sf = map_msg_flags(flags, true, &dontwait);
	struct io_ctx c = {.fd = fd, .flags = sf, .wbuf = buf, .len = len};

	if (sf < 0)
		return sf;
	if (len == 0)
		return synack_send(pd->s, fd, buf, 0, sf);
	c.block = !dontwait && !is_nonblock(pd, fd);
	return run_blocking(pd, c.block, NO_DEADLINE, try_send, &c);
}

/* send from a gather list: gathered into one buffer, then one blocking send. */
static long do_send_iov(struct pd *pd, int fd, const struct iovec *iov, int iovcnt,
			int flags)
{
	long total = iov_total(iov, iovcnt), r;
	uint8_t *b;
	size_t off = 0;

	if (total < 0)
		return total;
	b = malloc(total ? (size_t)total : 1);
	if (!b)
		return -ENOMEM;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(b + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	r = do_send(pd, fd, b, (size_t)total, flags);
	free(b);
	return r;
}

static ssize_t pd_write(void *ud, int fd, const void *buf, size_t count)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_send(pd, fd, buf, count, 0));
}

static ssize_t pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_send_iov(pd, fd, iov, iovcnt, 0));
}

static ssize_t pd_send(void *ud, int fd, const void *buf, size_t len, int flags)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return leave(pd, do_send(pd, fd, buf, len, flags));
}

/* A destination on a TCP socket is ignored, as Linux's tcp_sendmsg does. */
static ssize_t pd_sendto(void *ud, int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *dst, socklen_t dstlen)
{
	(void)dst;
	(void)dstlen;
	return pd_send(ud, fd, buf, len, flags);
}

static ssize_t pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (!msg)
		return leave(pd, -EFAULT);
	if (msg->msg_controllen)
		return leave(pd, -ENOSYS);          /* ancillary data: none supported */
	return leave(pd, do_send_iov(pd, fd, msg->msg_iov, (int)msg->msg_iovlen, flags));
}

/* ---- fcntl, ioctl, close, shutdown -------------------------------------------------- */

static int pd_fcntl(void *ud, int fd, int cmd, ...)
{
	struct pd *pd = ud;
	int e = enter(pd), r = 0, arg = 0;
	va_list ap;

	if (e)
		return set_errno(e);
	if (cmd == F_SETFL || cmd == F_SETFD) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	if (!fd_valid(pd, fd))
		return (int)leave(pd, -EBADF);
	switch (cmd) {
	case F_GETFL:
		r = O_RDWR | (is_nonblock(pd, fd) ? O_NONBLOCK : 0);
		break;
	case F_SETFL:
		r = add_fd(pd, fd, (arg & O_NONBLOCK) != 0);
		break;
	case F_GETFD:
	case F_SETFD:
		r = 0;            /* close-on-exec means nothing here */
		break;
	default:
		r = -ENOSYS;
	}
	return (int)leave(pd, r);
}

static int pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
	struct pd *pd = ud;
	int e = enter(pd), r;
	struct synack_tcp_info ti;
	va_list ap;
	int *argp;

	if (e)
		return set_errno(e);
	va_start(ap, request);
	argp = va_arg(ap, int *);
	va_end(ap);
	if (request != FIONBIO && request != FIONREAD && request != TIOCOUTQ)
		return (int)leave(pd, -ENOSYS);
	if (!argp)
		return (int)leave(pd, -EFAULT);
	r = synack_tcp_info(pd->s, fd, &ti);
	if (r)
		return (int)leave(pd, r);
	if (request == FIONBIO)
		r = add_fd(pd, fd, *argp != 0);
	else if (ti.state == SYNACK_STATE_LISTEN)
		r = -EINVAL;      /* Linux: SIOCINQ/SIOCOUTQ on a listener */
	else
		*argp = (int)(request == FIONREAD ? ti.recv_queue : ti.send_queue);
	return (int)leave(pd, r);
}

static int pd_close(void *ud, int fd)
{
	struct pd *pd = ud;
	int e = enter(pd), r;

	if (e)
		return set_errno(e);
	r = synack_close(pd->s, fd);
	if (r == 0)
		remove_fd(pd, fd);
	return (int)leave(pd, r);
}

static int pd_shutdown(void *ud, int fd, int how)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	return (int)leave(pd, synack_shutdown(pd->s, fd, how));
}

/* ---- socket options ----------------------------------------------------------------- */

static bool is_linger(int level, int name)
{
	return level == SOL_SOCKET && name == SO_LINGER;
}

/* Linux's tcpi_state numbers (include/net/tcp_states.h) for synack's states. */
static uint8_t linux_state(int st)
{
	static const uint8_t map[SYNACK_STATE_COUNT] = {
		[SYNACK_STATE_CLOSED] = 7, [SYNACK_STATE_LISTEN] = 10,
		[SYNACK_STATE_SYN_SENT] = 2, [SYNACK_STATE_SYN_RECEIVED] = 3,
		[SYNACK_STATE_ESTABLISHED] = 1, [SYNACK_STATE_CLOSE_WAIT] = 8,
		[SYNACK_STATE_FIN_WAIT_1] = 4, [SYNACK_STATE_CLOSING] = 11,
		[SYNACK_STATE_LAST_ACK] = 9, [SYNACK_STATE_FIN_WAIT_2] = 5,
		[SYNACK_STATE_TIME_WAIT] = 6,
	};

	return st >= 0 && st < SYNACK_STATE_COUNT ? map[st] : 0;
}

/* TCP_INFO: Linux's struct tcp_info from synack_tcp_info, in Linux's units (segments
 * for unacked and snd_cwnd); fields synack does not keep are 0. Cut to *len. */
static int get_tcp_info(struct pd *pd, int fd, void *val, socklen_t *len)
{
	struct synack_tcp_info ti;
	struct tcp_info li;
	int r = synack_tcp_info(pd->s, fd, &ti);
	uint32_t mss;

	if (r)
		return r;
	mss = ti.snd_mss ? ti.snd_mss : 1;
	memset(&li, 0, sizeof li);
	li.tcpi_state = linux_state(ti.state);
	li.tcpi_retransmits = ti.retransmits;
	li.tcpi_backoff = ti.backoff;
	li.tcpi_options = (uint8_t)((ti.options & SYNACK_TI_OPT_TIMESTAMPS ? TCPI_OPT_TIMESTAMPS : 0) |
				    (ti.options & SYNACK_TI_OPT_SACK ? TCPI_OPT_SACK : 0) |
				    (ti.options & SYNACK_TI_OPT_WSCALE ? TCPI_OPT_WSCALE : 0));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"   /* 4-bit fields; the values are 0..14 */
	li.tcpi_snd_wscale = ti.snd_wscale & 0xf;
	li.tcpi_rcv_wscale = ti.rcv_wscale & 0xf;
#pragma GCC diagnostic pop
	li.tcpi_rto = ti.rto_us;
	li.tcpi_snd_mss = ti.snd_mss;
	li.tcpi_rcv_mss = ti.rcv_mss;
	li.tcpi_unacked = (ti.unacked + mss - 1) / mss;
	li.tcpi_pmtu = pd->cfg.mtu;
	li.tcpi_rtt = ti.rtt_us;
	li.tcpi_rttvar = ti.rttvar_us;
	li.tcpi_snd_cwnd = ti.snd_cwnd / mss;
	li.tcpi_advmss = pd->cfg.mtu - 40;
	li.tcpi_total_retrans = ti.total_retrans;
	memcpy(val, &li, *len < (socklen_t)sizeof li ? *len : sizeof li);
	if (*len > (socklen_t)sizeof li)
		*len = (socklen_t)sizeof li;
	return 0;
}

static int pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
	struct pd *pd = ud;
	int e = enter(pd), r;

	if (e)
		return set_errno(e);
	if (!val || !len)
		return (int)leave(pd, -EFAULT);
	if (level == IPPROTO_TCP && name == TCP_INFO)
		return (int)leave(pd, get_tcp_info(pd, fd, val, len));
	if (is_linger(level, name)) {
		struct synack_linger sl;
		struct linger l;
		size_t n = sizeof sl;
		if (*len < (socklen_t)sizeof l)
			return (int)leave(pd, -EINVAL);
		r = synack_getsockopt(pd->s, fd, level, name, &sl, &n);
		if (!r) {
			l.l_onoff = sl.l_onoff;
			l.l_linger = sl.l_linger;
			memcpy(val, &l, sizeof l);
			*len = (socklen_t)sizeof l;
		}
		return (int)leave(pd, r);
	}
	size_t n = *len;
	r = synack_getsockopt(pd->s, fd, level, name, val, &n);
	if (!r)
		*len = (socklen_t)n;
	return (int)leave(pd, r);
}

static int pd_setsockopt(void *ud, int fd, int level, int name, const void *val,
			 socklen_t len)
{
	struct pd *pd = ud;
	int e = enter(pd);

	if (e)
		return set_errno(e);
	if (!val)
		return (int)leave(pd, -EFAULT);
	if (is_linger(level, name)) {
		struct linger l;
		if (len < (socklen_t)sizeof l)
			return (int)leave(pd, -EINVAL);
		memcpy(&l, val, sizeof l);
		struct synack_linger sl = {.l_onoff = l.l_onoff, .l_linger = l.l_linger};
		return (int)leave(pd, synack_setsockopt(pd->s, fd, level, name, &sl, sizeof sl));
	}
	return (int)leave(pd, synack_setsockopt(pd->s, fd, level, name, val, len));
}

/* ---- poll --------------------------------------------------------------------------- */

static const struct {
	short linux_bit;
	int synack_bit;
} poll_bits[] = {
	{POLLIN, SYNACK_POLLIN},   {POLLPRI, SYNACK_POLLPRI}, {POLLOUT, SYNACK_POLLOUT},
	{POLLERR, SYNACK_POLLERR}, {POLLHUP, SYNACK_POLLHUP}, {POLLRDHUP, SYNACK_POLLRDHUP},
};

struct poll_ctx {
	struct pollfd *fds;
	nfds_t nfds;
	uint64_t deadline_ns;    /* NO_DEADLINE: wait for ever */
};

static short poll_one(struct pd *pd, const struct pollfd *p)
{
	int want = 0, got;
	short rev = 0;

	if (p->fd < 0)
		return 0;
	for (size_t i = 0; i < sizeof poll_bits / sizeof poll_bits[0]; i++)
		if (p->events & poll_bits[i].linux_bit)
			want |= poll_bits[i].synack_bit;
	got = synack_poll(pd->s, p->fd, want);
	if (got < 0)
		return POLLNVAL;
	for (size_t i = 0; i < sizeof poll_bits / sizeof poll_bits[0]; i++)
		if (got & poll_bits[i].synack_bit)
			rev = (short)(rev | poll_bits[i].linux_bit);
	/* POLLERR and POLLHUP are reported whatever events asks (poll(2)) */
	return (short)(rev & (p->events | POLLERR | POLLHUP));
}

static long try_poll(struct pd *pd, void *ctx)
{
	struct poll_ctx *c = ctx;
	long ready = 0;

	for (nfds_t i = 0; i < c->nfds; i++) {
		c->fds[i].revents = poll_one(pd, &c->fds[i]);
		ready += c->fds[i].revents != 0;
	}
	if (ready || pd->now_ns >= c->deadline_ns)
		return ready;
	return -EAGAIN;
}

static int pd_poll(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct pd *pd = ud;
	int e = enter(pd);
	struct poll_ctx c = {.fds = fds, .nfds = nfds, .deadline_ns = NO_DEADLINE};

	if (e)
		return set_errno(e);
	if (nfds > POLL_MAX)
		return (int)leave(pd, -EINVAL);
	if (nfds && !fds)
		return (int)leave(pd, -EFAULT);
	if (timeout >= 0)
		c.deadline_ns = pd->now_ns + (uint64_t)timeout * 1000000u;
	return (int)leave(pd, run_blocking(pd, true, c.deadline_ns, try_poll, &c));
}

/* ---- what synack does not have ------------------------------------------------------ */

static int pd_epoll_create(void *ud, int size)
{
	(void)ud;
	(void)size;
	return set_errno(ENOSYS);
}

static int pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *event)
{
	(void)ud;
	(void)epfd;
	(void)op;
	(void)fd;
	(void)event;
	return set_errno(ENOSYS);
}

static int pd_epoll_wait(void *ud, int epfd, struct epoll_event *events, int maxevents,
			 int timeout)
{
	(void)ud;
	(void)epfd;
	(void)events;
	(void)maxevents;
	(void)timeout;
	return set_errno(ENOSYS);
}

static int pd_pipe(void *ud, int pipefd[2])
{
	(void)ud;
	(void)pipefd;
	return set_errno(ENOSYS);
}

static int pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
		     size_t len, unsigned int flags)
{
	(void)ud;
	(void)fd_in;
	(void)off_in;
	(void)fd_out;
	(void)off_out;
	(void)len;
	(void)flags;
	return set_errno(ENOSYS);
}

/* ---- setup -------------------------------------------------------------------------- */

/* A sysctl with a synack knob of the same meaning: cfg field = value * scale. */
struct knob {
	const char *name;        /* after "net.ipv4." / "net.core." */
	size_t off;
	uint32_t scale;
};

#define K(n, f, sc) {n, offsetof(struct synack_config, f), sc}
static const struct knob knobs[] = {
	K("tcp_syncookies", syncookies, 1), K("tcp_max_syn_backlog", max_syn_backlog, 1),
	K("somaxconn", somaxconn, 1), K("tcp_syn_retries", syn_retries, 1),
	K("tcp_synack_retries", synack_retries, 1), K("tcp_retries1", retries1, 1),
	K("tcp_retries2", retries2, 1), K("tcp_fin_timeout", fin_timeout_ms, 1000),
	K("tcp_tw_reuse", tw_reuse, 1), K("tcp_rfc1337", rfc1337, 1),
	K("tcp_keepalive_time", keepalive_time_ms, 1000),
	K("tcp_keepalive_intvl", keepalive_intvl_ms, 1000),
	K("tcp_keepalive_probes", keepalive_probes, 1),
	K("tcp_challenge_ack_limit", challenge_ack_limit, 1),
	K("tcp_invalid_ratelimit", invalid_ratelimit_ms, 1),
	K("tcp_window_scaling", window_scaling, 1), K("tcp_timestamps", timestamps, 1),
	K("tcp_sack", sack, 1), K("rmem_max", rmem_max, 1), K("wmem_max", wmem_max, 1),
};
#undef K

/* "net.ipv4.tcp_sack=0" (prefix optional). 1 applied, 0 not a sysctl, -1 bad value;
 * a net.* name without a knob is reported and ignored (1). */
static int apply_sysctl(struct pd *pd, const char *name, const char *v)
{
	const char *base = name;
	char *end;

	if (!strncmp(base, "net.ipv4.", 9) || !strncmp(base, "net.core.", 9))
		base += 9;
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
		if (strcmp(base, knobs[i].name))
			continue;
		errno = 0;
		unsigned long x = strtoul(v, &end, 10);
		if (!*v || *end || errno || *v == '-' || x > UINT32_MAX / knobs[i].scale)
			return -1;
		uint32_t val = (uint32_t)x * knobs[i].scale;
		memcpy((char *)&pd->cfg + knobs[i].off, &val, sizeof val);
		return 1;
	}
	if (base == name)
		return 0;
	fprintf(stderr, "libsynack_packetdrill: %s not applied (no synack knob)\n", name);
	return 1;
}

/* "name=value" pairs separated by spaces or commas; 0, or -1 (reported on stderr). */
static int parse_flags(struct pd *pd, const char *flags)
{
	char buf[512], *save = NULL;

	if (!flags)
		return 0;
	if (strlen(flags) >= sizeof buf) {
		fprintf(stderr, "libsynack_packetdrill: --so_flags too long\n");
		return -1;
	}
	strcpy(buf, flags);
	for (char *t = strtok_r(buf, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
		char *v = strchr(t, '='), *end = NULL;
		struct in_addr in;
		unsigned long n = 0;
		if (v) {
			*v++ = '\0';
			errno = 0;
			n = strtoul(v, &end, 10);
		}
		bool num_ok = v && *v && end && !*end && !errno;
		int k;
		if (v && !strcmp(t, "local") && inet_pton(AF_INET, v, &in) == 1) {
			pd->local_addr = ntohl(in.s_addr);
		} else if (v && !strcmp(t, "mtu") && num_ok && n >= 68 && n <= 65535) {
			pd->cfg.mtu = (uint32_t)n;
		} else if (v && !strcmp(t, "tick_usecs") && num_ok && n <= 1000000) {
			pd->tick_ns = n * 1000u;
		} else if (v && (k = apply_sysctl(pd, t, v)) != 0) {
			if (k < 0) {
				fprintf(stderr, "libsynack_packetdrill: bad value in --so_flags "
					"'%s=%s'\n", t, v);
				return -1;
			}
		} else {
			fprintf(stderr, "libsynack_packetdrill: bad --so_flags entry '%s%s%s' "
				"(local=A.B.C.D, mtu=N, tick_usecs=N, net.ipv4.tcp_X=N)\n", t,
				v ? "=" : "",
				v ? v : "");
			return -1;
		}
	}
	return 0;
}

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

static int make_stack(struct pd *pd)
{
	struct synack_env env = {.alloc = env_alloc, .free = env_free};

	for (int i = 0; i < SYNACK_SECRET_LEN; i++)
		env.secret[i] = (uint8_t)(0x5a + i);   /* fixed: runs are reproducible */
	pd->cfg.notes_max = 0;
	pd->s = synack_stack_new(&pd->cfg, &env);
	if (!pd->s) {
		fprintf(stderr, "libsynack_packetdrill: synack rejects the configuration of "
			"--so_flags (or memory ran out)\n");
		return -1;
	}
	if (synack_stack_add_addr(pd->s, pd->local_addr)) {
		fprintf(stderr, "libsynack_packetdrill: synack refuses the address local=\n");
		return -1;
	}
	pd->now_ns = START_NS;
	synack_advance(pd->s, pd->now_ns);
	return 0;
}

static void pd_free(void *ud)
{
	struct pd *pd = ud;

	if (!pd)
		return;
	synack_stack_free(pd->s);
	for (size_t i = 0; i < pd->qlen; i++)
		free(pd->q[(pd->qhead + i) % QUEUE_MAX].b);
	free(pd->fds);
	pthread_mutex_destroy(&pd->mu);
	pthread_cond_destroy(&pd->changed);
	pthread_cond_destroy(&pd->settled);
	free(pd);
}

/*
 * packetdrill's entry point (see packetdrill_interface.h). Always fills every pointer;
 * ifc->userdata is NULL only when memory ran out (every call then fails with ENOMEM),
 * and bad flags make every call fail with EINVAL.
 */
EXPORT void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
	struct pd *pd = calloc(1, sizeof *pd);

	if (!ifc) {
		free(pd);
		return;
	}
	*ifc = (struct packetdrill_interface){
		.userdata = pd, .free = pd_free, .socket = pd_socket, .bind = pd_bind,
		.listen = pd_listen, .accept = pd_accept, .connect = pd_connect,
		.read = pd_read, .readv = pd_readv, .recv = pd_recv, .recvfrom = pd_recvfrom,
		.recvmsg = pd_recvmsg, .write = pd_write, .writev = pd_writev,
		.send = pd_send, .sendto = pd_sendto, .sendmsg = pd_sendmsg,
		.fcntl = pd_fcntl, .ioctl = pd_ioctl, .close = pd_close,
		.shutdown = pd_shutdown, .getsockopt = pd_getsockopt,
		.setsockopt = pd_setsockopt, .poll = pd_poll, .netdev_send = pd_netdev_send,
		.netdev_receive = pd_netdev_receive, .usleep = pd_usleep,
		.gettimeofday = pd_gettimeofday, .epoll_create = pd_epoll_create,
		.epoll_ctl = pd_epoll_ctl, .epoll_wait = pd_epoll_wait, .pipe = pd_pipe,
		.splice = pd_splice,
	};
	if (!pd)
		return;
	pthread_mutex_init(&pd->mu, NULL);
	pthread_cond_init(&pd->changed, NULL);
	pthread_cond_init(&pd->settled, NULL);
	pd->local_addr = DEFAULT_LOCAL;
	pd->tick_ns = 1000;
	synack_config_default(&pd->cfg);
	if (parse_flags(pd, flags) || make_stack(pd))
		pd->flags_err = EINVAL;
}
