/*
 * test_pd_interface.c — libsynack_packetdrill.so through its function pointers only
 * (dlopen, packetdrill_interface_init), as packetdrill uses it: Linux constants and
 * errno values, ENOSYS for what synack lacks, the virtual clock (usleep, gettimeofday),
 * netdev_send/netdev_receive with exact send times, the --so_flags string, and blocking
 * calls completing in another thread at the virtual time of the packet that unblocks
 * them. Packets are built and parsed with the public include/synack/drill.h.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "synack/drill.h"

#include "packetdrill_interface.h"

#define LOCAL   0xc0a80001u  /* 192.168.0.1 */
#define REMOTE  0xc0000201u  /* 192.0.2.1 */

static void *so;
static struct packetdrill_interface ifc;

static void open_so(const char *flags)
{
	const char *path = getenv("SYNACK_PD_SO");

	cr_assert(path, "SYNACK_PD_SO is not set");
	so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert(so, "dlopen: %s", dlerror());
	packetdrill_interface_init_t init =
		(packetdrill_interface_init_t)dlsym(so, "packetdrill_interface_init");
	cr_assert(init);
	memset(&ifc, 0, sizeof ifc);
	init(flags, &ifc);
}

static void close_so(void)
{
	if (ifc.free)
		ifc.free(ifc.userdata);
	memset(&ifc, 0, sizeof ifc);
	if (so)
		dlclose(so);
	so = NULL;
}

static void setup_default(void)
{
	open_so(NULL);
}

#define U ifc.userdata

/* -1 with errno e */
#define assert_err(call, e) do { \
	errno = 0; \
	long rv_ = (long)(call); \
	int er_ = errno; \
	cr_assert_eq(rv_, -1, "%s returned %ld, expected -1", #call, rv_); \
	cr_assert_eq(er_, (e), "%s: errno %d (%s), expected %d (%s)", #call, er_, \
		     strerror(er_), (e), strerror(e)); \
} while (0)

static long long now_us(void)
{
	struct timeval tv;

	cr_assert_eq(ifc.gettimeofday(U, &tv, NULL), 0);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* The next packet out of the stack, parsed; false when none. */
static bool receive(struct synack_drill_wire *w, long long *t)
{
	uint8_t buf[2048];
	size_t n = sizeof buf;

	cr_assert_eq(ifc.netdev_receive(U, buf, &n, t), 0);
	if (!n)
		return false;
	cr_assert_eq(synack_drill_parse(buf, n, w), 0, "not a TCP/IPv4 packet");
	return true;
}

/* Injects a segment from 192.0.2.1:sport to dst:dport. */
static void inject(uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
		   uint32_t ack, size_t len)
{
	struct synack_drill_wire w = {.src = REMOTE, .dst = dst, .sport = sport, .dport = dport,
				      .seq = seq, .ack = ack, .flags = flags, .win = 65535,
				      .payload_len = len};
	uint8_t buf[2048];
	size_t n = synack_drill_build(&w, buf, sizeof buf);

	cr_assert(n > 0);
	cr_assert_eq(ifc.netdev_send(U, buf, n), 0);
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	return sin;
}

static int listener(uint16_t port)
{
	struct sockaddr_in sin = sin_of(LOCAL, port);
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM, IPPROTO_TCP);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ifc.bind(U, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	cr_assert_eq(ifc.listen(U, fd, 4), 0);
	return fd;
}

/* A handshake on a listener: returns synack's ISS. */
static uint32_t handshake(uint16_t sport, uint16_t dport)
{
	struct synack_drill_wire w;
	long long t;

	inject(LOCAL, sport, dport, 0x02, 1000, 0, 0);
	cr_assert(receive(&w, &t), "no SYN-ACK");
	cr_assert_eq(w.flags, 0x12);
	cr_assert_eq(w.ack, 1001);
	inject(LOCAL, sport, dport, 0x10, 1001, w.seq + 1, 0);
	return w.seq;
}

TestSuite(pd, .fini = close_so);

Test(pd, init_fills_every_pointer_and_exports_one_symbol, .init = setup_default)
{
	void **p = (void **)&ifc;

	for (size_t i = 0; i < sizeof ifc / sizeof(void *); i++)
		cr_assert(p[i], "member %zu of struct packetdrill_interface is NULL", i);
	cr_assert_eq(sizeof ifc / sizeof(void *), 33);   /* userdata + 32 functions */
	cr_assert_null(dlsym(so, "synack_stack_new"), "synack's symbols leak from the .so");
	cr_assert_null(dlsym(so, "synack_socket"));
}

Test(pd, unsupported_calls_are_enosys, .init = setup_default)
{
	int fds[2];
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM, 0);

	assert_err(ifc.epoll_create(U, 1), ENOSYS);
	assert_err(ifc.epoll_ctl(U, 3, EPOLL_CTL_ADD, fd, NULL), ENOSYS);
	assert_err(ifc.epoll_wait(U, 3, NULL, 1, 0), ENOSYS);
	assert_err(ifc.pipe(U, fds), ENOSYS);
	assert_err(ifc.splice(U, fd, NULL, fd, NULL, 10, 0), ENOSYS);
	assert_err(ifc.socket(U, AF_INET, SOCK_DGRAM, 0), ENOSYS);
	assert_err(ifc.ioctl(U, fd, (unsigned long)TIOCGWINSZ, &fds[0]), ENOSYS);
	assert_err(ifc.fcntl(U, fd, F_DUPFD, 0), ENOSYS);
}

Test(pd, errors_are_minus_one_and_linux_errno, .init = setup_default)
{
	struct sockaddr_in sin = sin_of(LOCAL, 8080), bad = sin_of(LOCAL, 8080);
	char b[16];
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	int v = 1;
	socklen_t len = sizeof v;

	cr_assert_geq(fd, 0);
	assert_err(ifc.socket(U, AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	assert_err(ifc.socket(U, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	assert_err(ifc.bind(U, fd, (struct sockaddr *)&sin, sizeof sin - 1), EINVAL);
	bad.sin_family = AF_INET6;
	assert_err(ifc.bind(U, fd, (struct sockaddr *)&bad, sizeof bad), EAFNOSUPPORT);
	assert_err(ifc.bind(U, fd, NULL, sizeof sin), EFAULT);
	assert_err(ifc.read(U, fd, b, sizeof b), ENOTCONN);
	assert_err(ifc.write(U, fd, b, sizeof b), ENOTCONN);
	assert_err(ifc.recv(U, fd, b, sizeof b, MSG_WAITALL), EOPNOTSUPP);
	assert_err(ifc.getsockopt(U, fd, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
	assert_err(ifc.setsockopt(U, fd, SOL_SOCKET, SO_REUSEADDR, NULL, 4), EFAULT);
	assert_err(ifc.close(U, 9999), EBADF);
	assert_err(ifc.fcntl(U, 9999, F_GETFL), EBADF);
	assert_err(ifc.shutdown(U, fd, SHUT_WR), ENOTCONN);
	cr_assert_eq(ifc.bind(U, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	cr_assert_eq(ifc.listen(U, fd, 1), 0);
	int fd2 = ifc.socket(U, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	assert_err(ifc.bind(U, fd2, (struct sockaddr *)&sin, sizeof sin), EADDRINUSE);
	/* a listener in O_NONBLOCK mode: accept has nothing yet */
	cr_assert_eq(ifc.fcntl(U, fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
	assert_err(ifc.accept(U, fd, NULL, NULL), EAGAIN);
	/* errno untouched... and a success after a failure returns 0 */
	cr_assert_eq(ifc.close(U, fd2), 0);
	assert_err(ifc.close(U, fd2), EBADF);
}

Test(pd, linux_constants_flags_options, .init = setup_default)
{
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), v = 0;
	struct linger l = {.l_onoff = 1, .l_linger = 0}, g = {7, 7};
	socklen_t len = sizeof g;

	cr_assert_eq(ifc.fcntl(U, fd, F_GETFL), O_RDWR | O_NONBLOCK);
	cr_assert_eq(ifc.fcntl(U, fd, F_SETFL, O_RDWR), 0);
	cr_assert_eq(ifc.fcntl(U, fd, F_GETFL), O_RDWR);
	v = 1;
	cr_assert_eq(ifc.ioctl(U, fd, (unsigned long)FIONBIO, &v), 0);
	cr_assert_eq(ifc.fcntl(U, fd, F_GETFL), O_RDWR | O_NONBLOCK);
	cr_assert_eq(ifc.setsockopt(U, fd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
	cr_assert_eq(ifc.getsockopt(U, fd, SOL_SOCKET, SO_LINGER, &g, &len), 0);
	cr_assert_eq(len, sizeof g);
	cr_assert_eq(g.l_onoff, 1);
	cr_assert_eq(g.l_linger, 0);
	v = 1;
	cr_assert_eq(ifc.setsockopt(U, fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), 0);
	v = 0;
	len = sizeof v;
	cr_assert_eq(ifc.getsockopt(U, fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(len, sizeof v);
	/* connect on O_NONBLOCK: EINPROGRESS, the SYN to 192.0.2.1:40000 in network order */
	struct sockaddr_in dst = sin_of(REMOTE, 40000);
	assert_err(ifc.connect(U, fd, (struct sockaddr *)&dst, sizeof dst), EINPROGRESS);
	struct synack_drill_wire w;
	long long t;
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.flags, 0x02);
	cr_assert_eq(w.src, LOCAL);
	cr_assert_eq(w.dst, REMOTE);
	cr_assert_eq(w.dport, 40000);
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	cr_assert_eq(ifc.poll(U, &p, 1, 0), 0);
	cr_assert_eq(p.revents, 0);
	assert_err(ifc.connect(U, fd, (struct sockaddr *)&dst, sizeof dst), EALREADY);
	/* RST,ACK: refused; POLLOUT|POLLERR|POLLHUP then SO_ERROR ECONNREFUSED once */
	inject(LOCAL, 40000, w.sport, 0x14, 0, w.seq + 1, 0);
	cr_assert_eq(ifc.poll(U, &p, 1, 0), 1);
	cr_assert(p.revents & POLLERR, "revents 0x%x", p.revents);
	len = sizeof v;
	cr_assert_eq(ifc.getsockopt(U, fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	cr_assert_eq(v, ECONNREFUSED);
	cr_assert_eq(ifc.getsockopt(U, fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	cr_assert_eq(v, 0);
	p.fd = 4242;
	cr_assert_eq(ifc.poll(U, &p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLNVAL);
}

Test(pd, time_moves_only_by_usleep_and_gettimeofday, .init = setup_default)
{
	struct synack_drill_wire w;
	long long t0, t;
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in dst = sin_of(REMOTE, 40000);

	cr_assert_eq(now_us(), 1000000);        /* the clock starts at 1.000000 s */
	cr_assert_eq(now_us(), 1000001);        /* each reading moves it by tick_usecs = 1 */
	cr_assert_eq(ifc.usleep(U, 250000), 0);
	cr_assert_eq(now_us(), 1250002);
	assert_err(ifc.connect(U, fd, (struct sockaddr *)&dst, sizeof dst), EINPROGRESS);
	cr_assert(receive(&w, &t0));
	cr_assert_eq(t0, 1250003);              /* the SYN at the current time */
	/* nothing but usleep/gettimeofday moves the clock: no retransmission however
	 * often the device is read */
	for (int i = 0; i < 1000; i++)
		cr_assert_not(receive(&w, &t));
	cr_assert_eq(ifc.usleep(U, 999999), 0);
	cr_assert_not(receive(&w, &t));
	/* RFC 6298 (2.1): the first retransmission after 1 s, stamped at its deadline even
	 * though one usleep jumps past it */
	cr_assert_eq(ifc.usleep(U, 500000), 0);
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.flags, 0x02);
	cr_assert_eq(t, t0 + 1000000);
	cr_assert_eq(now_us(), t0 + 1499999);
	cr_assert_not(receive(&w, &t));
}

Test(pd, tick_zero_freezes_gettimeofday)
{
	struct timeval tv;
	struct timezone tz = {1, 1};

	open_so("tick_usecs=0");
	cr_assert_eq(now_us(), 1000000);
	cr_assert_eq(now_us(), 1000000);
	cr_assert_eq(ifc.usleep(U, 7), 0);
	cr_assert_eq(ifc.gettimeofday(U, &tv, &tz), 0);
	cr_assert_eq(tv.tv_sec, 1);
	cr_assert_eq(tv.tv_usec, 7);
	cr_assert_eq(tz.tz_minuteswest, 0);
}

Test(pd, netdev_receive_count_zero_when_idle, .init = setup_default)
{
	uint8_t buf[100];
	size_t n = sizeof buf;
	long long t = -5;

	cr_assert_eq(ifc.netdev_receive(U, buf, &n, &t), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(t, -5, "time written although no packet");
	/* a SYN to a closed port: RST,ACK from 192.168.0.1:8080, SEQ 0, ACK = SEG.SEQ + 1 */
	inject(LOCAL, 40000, 8080, 0x02, 77, 0, 0);
	n = 10;                                  /* too small: EMSGSIZE, it stays queued */
	assert_err(ifc.netdev_receive(U, buf, &n, &t), EMSGSIZE);
	cr_assert_eq(n, 40);
	struct synack_drill_wire w;
	cr_assert(receive(&w, &t));
	cr_assert_eq(t, 1000000);
	cr_assert_eq(w.src, LOCAL);
	cr_assert_eq(w.sport, 8080);
	cr_assert_eq(w.flags, 0x14);
	cr_assert_eq(w.seq, 0);
	cr_assert_eq(w.ack, 78);
	cr_assert_not(receive(&w, &t));
	assert_err(ifc.netdev_send(U, buf, 0), EINVAL);
	assert_err(ifc.netdev_send(U, NULL, 40), EINVAL);
}

Test(pd, flags_set_address_and_mtu)
{
	struct synack_drill_wire w;
	long long t;

	open_so("local=10.0.0.7, mtu=1000");
	inject(LOCAL, 40000, 8080, 0x02, 1, 0, 0);    /* not ours any more: dropped */
	cr_assert_not(receive(&w, &t));
	inject(0x0a000007u, 40000, 8080, 0x02, 1, 0, 0);
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.src, 0x0a000007u);
	cr_assert_eq(w.flags, 0x14);
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = sin_of(0x0a000007u, 8080);
	cr_assert_eq(ifc.bind(U, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	cr_assert_eq(ifc.listen(U, fd, 1), 0);
	inject(0x0a000007u, 40001, 8080, 0x02, 1, 0, 0);
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.flags, 0x12);
	cr_assert_geq(w.nopts, 1);
	cr_assert_eq(w.opts[0].kind, SYNACK_DRILL_OPT_MSS);
	cr_assert_eq(w.opts[0].v[0], 960, "MSS %u, mtu=1000 gives 960", w.opts[0].v[0]);
}

Test(pd, default_mss_is_1460, .init = setup_default)
{
	struct synack_drill_wire w;
	long long t;

	listener(8080);
	inject(LOCAL, 40000, 8080, 0x02, 1, 0, 0);
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.opts[0].kind, SYNACK_DRILL_OPT_MSS);
	cr_assert_eq(w.opts[0].v[0], 1460);
}

Test(pd, bad_flags_make_every_call_einval)
{
	static const char *bad[] = {"bogus=1", "local=300.1.1.1", "mtu=10", "mtu=x",
				    "tick_usecs=-1", "local", "local=0.0.0.0"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		open_so(bad[i]);
		cr_assert(ifc.socket && ifc.free, "%s: pointers not filled", bad[i]);
		errno = 0;
		cr_assert_eq(ifc.socket(U, AF_INET, SOCK_STREAM, 0), -1, "%s accepted", bad[i]);
		cr_assert_eq(errno, EINVAL, "%s: errno %d", bad[i], errno);
		assert_err(ifc.usleep(U, 1), EINVAL);
		assert_err(ifc.netdev_send(U, "x", 1), EINVAL);
		close_so();
	}
}

/* ---- blocking calls from a second thread (packetdrill's system-call thread) ---- */

struct blocked {
	atomic_int tid;
	int fd, ret, err;
	struct sockaddr_in peer;
	socklen_t len;
	struct pollfd p;
	int timeout;
	atomic_int returned;
};

static void *do_accept(void *arg)
{
	struct blocked *b = arg;

	atomic_store(&b->tid, (int)syscall(SYS_gettid));

	b->len = sizeof b->peer;
	b->ret = ifc.accept(U, b->fd, (struct sockaddr *)&b->peer, &b->len);
	b->err = errno;
	atomic_store(&b->returned, 1);
	return NULL;
}

static void *do_poll(void *arg)
{
	struct blocked *b = arg;

	atomic_store(&b->tid, (int)syscall(SYS_gettid));

	b->ret = ifc.poll(U, &b->p, 1, b->timeout);
	b->err = errno;
	atomic_store(&b->returned, 1);
	return NULL;
}

static void *do_read(void *arg)
{
	struct blocked *b = arg;

	atomic_store(&b->tid, (int)syscall(SYS_gettid));
	char buf[100];
	b->ret = (int)ifc.read(U, b->fd, buf, sizeof buf);
	b->err = errno;
	atomic_store(&b->returned, 1);
	return NULL;
}

/* Is the thread asleep? (/proc/self/task/TID/stat, state after the ')') */
static bool sleeping(int tid)
{
	char path[64], st[512] = {0};
	FILE *f;

	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(st, 1, sizeof st - 1, f);
	fclose(f);
	st[n] = '\0';
	char *p = strrchr(st, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Waits until the started thread blocks inside the object (asleep three times in a row,
 * 1 ms apart) — the object settles every blocked call before a changing call returns,
 * but the thread must have entered it first. */
static void let_block(struct blocked *b)
{
	struct timespec ts = {.tv_nsec = 1000 * 1000};
	int asleep = 0;

	for (int i = 0; i < 20000 && asleep < 3; i++) {
		nanosleep(&ts, NULL);
		cr_assert_eq(atomic_load(&b->returned), 0, "the call returned %d without blocking",
			     b->ret);
		int tid = atomic_load(&b->tid);
		asleep = tid && sleeping(tid) ? asleep + 1 : 0;
	}
	cr_assert_eq(asleep, 3, "the thread never blocked");
}

Test(pd, blocking_accept_completes_on_the_ack, .init = setup_default)
{
	struct blocked b = {.fd = listener(8080)};
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, do_accept, &b), 0);
	let_block(&b);
	cr_assert_eq(atomic_load(&b.returned), 0, "accept returned %d without a connection",
		     b.ret);
	struct synack_drill_wire w;
	long long t;
	inject(LOCAL, 40000, 8080, 0x02, 1000, 0, 0);
	cr_assert(receive(&w, &t));
	cr_assert_eq(atomic_load(&b.returned), 0);
	inject(LOCAL, 40000, 8080, 0x10, 1001, w.seq + 1, 0);
	/* netdev_send returned only after the blocked accept retried */
	pthread_join(th, NULL);
	cr_assert_geq(b.ret, 0, "accept: %s", strerror(b.err));
	cr_assert_eq(b.len, sizeof(struct sockaddr_in));
	cr_assert_eq(b.peer.sin_family, AF_INET);
	cr_assert_eq(b.peer.sin_addr.s_addr, htonl(REMOTE));
	cr_assert_eq(b.peer.sin_port, htons(40000));
	/* accept() does not inherit O_NONBLOCK (none here), and the child is blocking */
	cr_assert_eq(ifc.fcntl(U, b.ret, F_GETFL), O_RDWR);
}

Test(pd, blocking_read_wakes_on_data, .init = setup_default)
{
	int lfd = listener(8080);
	uint32_t iss = handshake(40000, 8080);
	struct blocked b = {0};
	pthread_t th;

	cr_assert_eq(ifc.fcntl(U, lfd, F_SETFL, O_NONBLOCK), 0);
	b.fd = ifc.accept(U, lfd, NULL, NULL);
	cr_assert_geq(b.fd, 0);
	cr_assert_eq(pthread_create(&th, NULL, do_read, &b), 0);
	let_block(&b);
	cr_assert_eq(ifc.usleep(U, 100000), 0);
	cr_assert_eq(atomic_load(&b.returned), 0, "read returned %d with no data", b.ret);
	inject(LOCAL, 40000, 8080, 0x18, 1001, iss + 1, 30);
	pthread_join(th, NULL);
	cr_assert_eq(b.ret, 30);
	/* MSG_DONTWAIT and FIONREAD on the now empty connection */
	char buf[10];
	int n = -1;
	assert_err(ifc.recv(U, b.fd, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	cr_assert_eq(ifc.ioctl(U, b.fd, (unsigned long)FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
}

Test(pd, poll_timeout_runs_on_the_virtual_clock, .init = setup_default)
{
	struct blocked b = {.timeout = 100};
	pthread_t th;

	b.p.fd = listener(8080);
	b.p.events = POLLIN;
	cr_assert_eq(pthread_create(&th, NULL, do_poll, &b), 0);
	let_block(&b);
	cr_assert_eq(ifc.usleep(U, 99999), 0);
	cr_assert_eq(atomic_load(&b.returned), 0, "poll returned before its timeout");
	cr_assert_eq(ifc.usleep(U, 1), 0);
	pthread_join(th, NULL);
	cr_assert_eq(b.ret, 0);
	cr_assert_eq(b.p.revents, 0);
}

Test(pd, poll_wakes_on_a_connection, .init = setup_default)
{
	struct blocked b = {.timeout = -1};
	pthread_t th;

	b.p.fd = listener(8080);
	b.p.events = POLLIN;
	cr_assert_eq(pthread_create(&th, NULL, do_poll, &b), 0);
	let_block(&b);
	cr_assert_eq(ifc.usleep(U, 5000000), 0);
	cr_assert_eq(atomic_load(&b.returned), 0);
	handshake(40000, 8080);
	pthread_join(th, NULL);
	cr_assert_eq(b.ret, 1);
	cr_assert_eq(b.p.revents, POLLIN);
}

Test(pd, sysctl_flags_reach_the_stack)
{
	struct synack_drill_wire w;
	long long t;
	struct sockaddr_in dst = sin_of(REMOTE, 40000);

	/* with and without the prefix; a net.* name without a knob is ignored */
	open_so("net.ipv4.tcp_timestamps=0,tcp_window_scaling=0 net.ipv4.tcp_ecn=1");
	int fd = ifc.socket(U, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(fd, 0, "flags refused: %s", strerror(errno));
	assert_err(ifc.connect(U, fd, (struct sockaddr *)&dst, sizeof dst), EINPROGRESS);
	cr_assert(receive(&w, &t));
	cr_assert_eq(w.flags, 0x02);
	for (unsigned i = 0; i < w.nopts; i++)
		cr_assert(w.opts[i].kind != SYNACK_DRILL_OPT_TS &&
			  w.opts[i].kind != SYNACK_DRILL_OPT_WSCALE,
			  "option %u in the SYN although turned off", w.opts[i].kind);
	cr_assert_eq(w.opts[0].kind, SYNACK_DRILL_OPT_MSS);
	close_so();
	/* a value synack rejects, and a malformed one */
	static const char *bad[] = {"net.ipv4.tcp_syncookies=3", "tcp_sack=x", "tcp_sack=-1"};
	for (size_t i = 0; i < 3; i++) {
		open_so(bad[i]);
		assert_err(ifc.socket(U, AF_INET, SOCK_STREAM, 0), EINVAL);
		close_so();
	}
}

Test(pd, tcp_info_in_linux_terms, .init = setup_default)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	int lfd = listener(8080);

	memset(&ti, 0xff, sizeof ti);
	cr_assert_eq(ifc.getsockopt(U, lfd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	cr_assert_eq(len, sizeof ti);
	cr_assert_eq(ti.tcpi_state, 10);              /* TCP_LISTEN */
	handshake(40000, 8080);
	cr_assert_eq(ifc.fcntl(U, lfd, F_SETFL, O_NONBLOCK), 0);
	int fd = ifc.accept(U, lfd, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ifc.getsockopt(U, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	cr_assert_eq(ti.tcpi_state, TCP_ESTABLISHED);
	cr_assert_eq(ti.tcpi_snd_mss, 536, "snd_mss %u (the SYN had no MSS: 536)", ti.tcpi_snd_mss);
	cr_assert_eq(ti.tcpi_retransmits, 0);
	cr_assert_eq(ti.tcpi_unacked, 0);
	cr_assert_eq(ti.tcpi_pmtu, 1500);
	cr_assert_eq(ifc.shutdown(U, fd, SHUT_WR), 0);
	cr_assert_eq(ifc.getsockopt(U, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	cr_assert_eq(ti.tcpi_state, TCP_FIN_WAIT1);
	cr_assert_eq(ti.tcpi_unacked, 1, "the FIN is one segment unacknowledged");
	/* a shorter buffer gets the head of the struct, as Linux does */
	uint8_t head[1] = {0};
	len = 1;
	cr_assert_eq(ifc.getsockopt(U, fd, IPPROTO_TCP, TCP_INFO, head, &len), 0);
	cr_assert_eq(len, 1);
	cr_assert_eq(head[0], TCP_FIN_WAIT1);
	assert_err(ifc.getsockopt(U, 4242, IPPROTO_TCP, TCP_INFO, &ti, &len), EBADF);
}
