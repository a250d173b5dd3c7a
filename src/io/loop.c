/*
 * loop.c — the reference event loop: one sans-IO stack driven from a TUN device with
 * epoll, a timerfd at the stack's next deadline (CLOCK_MONOTONIC, absolute), a signalfd
 * for SIGINT/SIGTERM and the `synack ss` control socket. The order of engine calls is
 * the one include/synack/synack.h prescribes and the simulator follows (see pump()).
 *
 * With --fault (fault.c) every packet read or written passes the injector first; held
 * packets are released from pump() when their time comes, the timerfd being armed at the
 * earlier of the stack's deadline and the injector's.
 *
 * Invariants: application callbacks run only from synack_loop_run(); after any of them
 * the loop drains output and events again before sleeping; the timerfd is re-armed after
 * every drain, so the engine is never late by more than the wake-up latency.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "io_int.h"
#include "synack/io.h"

#define PKT_MAX 65536u          /* largest IPv4 packet */
#define RX_BATCH 256            /* packets read per wake-up before draining */
#define DEFAULT_GRACE_MS 3000u

/* epoll tags: the kind in the top 32 bits, an OS fd in the low ones. */
enum tag { TAG_TUN = 1, TAG_TIMER, TAG_SIGNAL, TAG_CTL, TAG_OSFD };

struct watch {
	int fd;                 /* -1: free slot */
	synack_loop_event_fn fn;
	void *ctx;
};

struct osfd {
	int fd;
	synack_loop_fd_fn fn;
	void *ctx;
};

struct synack_loop {
	struct synack_stack *s;
	int tun_fd, ep_fd, timer_fd, sig_fd, ctl_fd;
	char ifname[SYNACK_IFNAMSIZ];
	char ctl_path[108];           /* a filesystem control socket to unlink, or "" */
	uint32_t addr;
	uint64_t now;
	struct synack_loop_opts o;
	sigset_t old_mask;

	struct watch *w;              /* open-addressing table keyed by descriptor */
	size_t wcap, wn;
	int *kick;                    /* descriptors whose level is to be reported */
	size_t nkick, kickcap;
	struct osfd *os;
	size_t nos, oscap;

	void (*on_signal)(struct synack_loop *l, int signo, void *ctx);
	void *on_signal_ctx;
	bool stopped, draining;
	uint64_t drain_deadline;
	struct synack_sock_info *list; /* scratch for the drain check */
	size_t listcap;

	struct synack_loop_stats stats;
	struct io_fault *fault;       /* NULL: no fault injection */
	char error[256];
	uint8_t buf[PKT_MAX];
};

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

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the watch table (linear probing, backward-shift deletion) ---------------------- */

static size_t slot_of(const struct synack_loop *l, int fd)
{
	uint32_t h = (uint32_t)fd * 2654435761u;

	return (size_t)h & (l->wcap - 1);
}

static struct watch *find_watch(struct synack_loop *l, int fd)
{
	size_t i;

	if (!l->wcap)
		return NULL;
	for (i = slot_of(l, fd); l->w[i].fd != -1; i = (i + 1) & (l->wcap - 1))
		if (l->w[i].fd == fd)
			return &l->w[i];
	return NULL;
}

static int grow_watch(struct synack_loop *l)
{
	size_t oldcap = l->wcap, ncap = oldcap ? oldcap * 2 : 64;
	struct watch *old = l->w, *nw = malloc(ncap * sizeof *nw);

	if (!nw)
		return -ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		nw[i].fd = -1;
	l->w = nw;
	l->wcap = ncap;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].fd == -1)
			continue;
		for (j = slot_of(l, old[i].fd); nw[j].fd != -1; j = (j + 1) & (ncap - 1))
			;
		nw[j] = old[i];
	}
	free(old);
	return 0;
}

static void remove_watch(struct synack_loop *l, struct watch *w)
{
	size_t i = (size_t)(w - l->w), j = i, mask = l->wcap - 1;

	l->w[i].fd = -1;
	l->wn--;
	/* Backward shift: move later entries of the run into the hole when their home slot
	 * does not lie cyclically in (i, j]. */
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (l->w[j].fd == -1)
			return;
		home = slot_of(l, l->w[j].fd);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			l->w[i] = l->w[j];
			l->w[j].fd = -1;
			i = j;
		}
	}
}

static int push_kick(struct synack_loop *l, int fd)
{
	if (l->nkick == l->kickcap) {
		size_t ncap = l->kickcap ? l->kickcap * 2 : 64;
		int *nk = realloc(l->kick, ncap * sizeof *nk);

		if (!nk)
			return -ENOMEM;
		l->kick = nk;
		l->kickcap = ncap;
	}
	l->kick[l->nkick++] = fd;
	return 0;
}

int synack_loop_watch(struct synack_loop *l, int fd, synack_loop_event_fn fn, void *ctx)
{
	struct watch *w = find_watch(l, fd);
	size_t i;

	if (!w) {
		if ((l->wn + 1) * 2 > l->wcap && grow_watch(l))
			return -ENOMEM;
		for (i = slot_of(l, fd); l->w[i].fd != -1; i = (i + 1) & (l->wcap - 1))
			;
		w = &l->w[i];
		w->fd = fd;
		l->wn++;
	}
	w->fn = fn;
	w->ctx = ctx;
	return push_kick(l, fd);
}

int synack_loop_close(struct synack_loop *l, int fd)
{
	struct watch *w = find_watch(l, fd);

	if (w)
		remove_watch(l, w);
	return synack_close(l->s, fd);
}

/* ---- OS descriptors ----------------------------------------------------------------- */

static int ep_ctl(struct synack_loop *l, int op, int fd, uint32_t events, enum tag tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = (uint64_t)tag << 32 | (uint32_t)fd;
	return epoll_ctl(l->ep_fd, op, fd, &ev) < 0 ? -errno : 0;
}

int synack_loop_add_fd(struct synack_loop *l, int osfd, uint32_t events,
		       synack_loop_fd_fn fn, void *ctx)
{
	int rc;

	if (l->nos == l->oscap) {
		size_t ncap = l->oscap ? l->oscap * 2 : 8;
		struct osfd *n = realloc(l->os, ncap * sizeof *n);

		if (!n)
			return -ENOMEM;
		l->os = n;
		l->oscap = ncap;
	}
	rc = ep_ctl(l, EPOLL_CTL_ADD, osfd, events, TAG_OSFD);
	if (rc)
		return rc;
	l->os[l->nos++] = (struct osfd){ .fd = osfd, .fn = fn, .ctx = ctx };
	return 0;
}

int synack_loop_mod_fd(struct synack_loop *l, int osfd, uint32_t events)
{
	return ep_ctl(l, EPOLL_CTL_MOD, osfd, events, TAG_OSFD);
}

int synack_loop_del_fd(struct synack_loop *l, int osfd)
{
	for (size_t i = 0; i < l->nos; i++) {
		if (l->os[i].fd != osfd)
			continue;
		l->os[i] = l->os[--l->nos];
		return ep_ctl(l, EPOLL_CTL_DEL, osfd, 0, TAG_OSFD);
	}
	return -ENOENT;
}

/* ---- creation ----------------------------------------------------------------------- */

static int open_fds(struct synack_loop *l, char *err, size_t errlen)
{
	sigset_t mask;

	l->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &l->old_mask);
	l->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->ep_fd < 0 || l->timer_fd < 0 || l->sig_fd < 0) {
		int e = errno;

		set_err(err, errlen, "epoll/timerfd/signalfd: %s", strerror(e));
		return -e;
	}
	if (ep_ctl(l, EPOLL_CTL_ADD, l->tun_fd, EPOLLIN, TAG_TUN) ||
	    ep_ctl(l, EPOLL_CTL_ADD, l->timer_fd, EPOLLIN, TAG_TIMER) ||
	    ep_ctl(l, EPOLL_CTL_ADD, l->sig_fd, EPOLLIN, TAG_SIGNAL) ||
	    (l->ctl_fd >= 0 && ep_ctl(l, EPOLL_CTL_ADD, l->ctl_fd, EPOLLIN, TAG_CTL))) {
		int e = errno;

		set_err(err, errlen, "epoll_ctl: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int make_stack(struct synack_loop *l, const struct synack_loop_opts *o, int mtu,
		      char *err, size_t errlen)
{
	struct synack_config cfg;
	struct synack_env env;
	int rc;

	if (o->config) {
		cfg = *o->config;
	} else {
		synack_config_default(&cfg);
		if (!o->note)
			cfg.notes_max = 0;
	}
	cfg.mtu = (uint32_t)mtu;
	rc = synack_io_env(&env);
	if (rc) {
		set_err(err, errlen, "getrandom: %s", strerror(-rc));
		return rc;
	}
	l->s = synack_stack_new(&cfg, &env);
	memset(env.secret, 0, sizeof env.secret);
	if (!l->s) {
		set_err(err, errlen, "cannot create the stack (invalid configuration or no memory)");
		return -EINVAL;
	}
	rc = synack_stack_add_addr(l->s, o->addr);
	if (rc) {
		set_err(err, errlen, "address: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static int setup(struct synack_loop *l, const struct synack_loop_opts *o, char *err,
		 size_t errlen)
{
	int rc, mtu;

	if (!o->tun || !o->addr || (o->peer_addr && (o->peer_prefix < 1 || o->peer_prefix > 32))) {
		set_err(err, errlen, "a TUN device name, an address and a prefix 1..32 are needed");
		return -EINVAL;
	}
	if (o->addr == o->peer_addr) {
		set_err(err, errlen, "synack's address and the kernel's (--peer) must differ");
		return -EINVAL;
	}
	rc = synack_tun_open(o->tun, l->ifname, err, errlen);
	if (rc < 0)
		return rc;
	l->tun_fd = rc;
	rc = synack_tun_configure(l->ifname, o->peer_addr, o->peer_prefix, o->mtu, err, errlen);
	if (rc)
		return rc;
	if (io_tun_wait_running(l->ifname, 2000)) {
		set_err(err, errlen, "%s: the device did not come up", l->ifname);
		return -ENETDOWN;
	}
	mtu = synack_tun_mtu(l->ifname);
	if (mtu < 68) {
		set_err(err, errlen, "%s: cannot read the MTU", l->ifname);
		return mtu < 0 ? mtu : -EINVAL;
	}
	rc = make_stack(l, o, mtu, err, errlen);
	if (rc)
		return rc;
	if (!o->ctl || o->ctl[0]) {
		rc = io_ctl_listen(l->ifname, o->ctl, err, errlen);
		if (rc < 0)
			return rc;
		l->ctl_fd = rc;
		if (o->ctl)
			snprintf(l->ctl_path, sizeof l->ctl_path, "%s", o->ctl);
	}
	return open_fds(l, err, errlen);
}

struct synack_loop *synack_loop_new(const struct synack_loop_opts *o, int *errp,
				    char *err, size_t errlen)
{
	struct synack_loop *l = calloc(1, sizeof *l);
	int rc;

	if (!l) {
		set_err(err, errlen, "out of memory");
		if (errp)
			*errp = ENOMEM;
		return NULL;
	}
	l->tun_fd = l->ep_fd = l->timer_fd = l->sig_fd = l->ctl_fd = -1;
	l->o = *o;
	l->o.tun = NULL;
	l->o.config = NULL;
	l->o.ctl = NULL;
	l->o.fault = NULL;
	if (o->fault) {
		l->fault = io_fault_new(o->fault);
		if (!l->fault) {
			set_err(err, errlen, "out of memory");
			if (errp)
				*errp = ENOMEM;
			free(l);
			return NULL;
		}
	}
	if (!l->o.grace_ms)
		l->o.grace_ms = DEFAULT_GRACE_MS;
	l->addr = o->addr;
	sigprocmask(SIG_BLOCK, NULL, &l->old_mask);
	rc = setup(l, o, err, errlen);
	if (rc) {
		if (errp)
			*errp = -rc;
		synack_loop_free(l);
		return NULL;
	}
	l->now = mono_ns();
	return l;
}

void synack_loop_free(struct synack_loop *l)
{
	if (!l)
		return;
	synack_stack_free(l->s);
	if (l->ctl_fd >= 0) {
		close(l->ctl_fd);
		if (l->ctl_path[0])
			unlink(l->ctl_path);
	}
	if (l->sig_fd >= 0)
		close(l->sig_fd);
	sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	if (l->timer_fd >= 0)
		close(l->timer_fd);
	if (l->ep_fd >= 0)
		close(l->ep_fd);
	if (l->tun_fd >= 0)
		close(l->tun_fd);
	free(l->w);
	free(l->kick);
	free(l->os);
	free(l->list);
	io_fault_free(l->fault);
	free(l);
}

struct synack_stack *synack_loop_stack(struct synack_loop *l)
{
	return l->s;
}

uint64_t synack_loop_now(const struct synack_loop *l)
{
	return l->now;
}

const char *synack_loop_ifname(const struct synack_loop *l)
{
	return l->ifname;
}

const char *synack_loop_error(const struct synack_loop *l)
{
	return l->error;
}

void synack_loop_stats(const struct synack_loop *l, struct synack_loop_stats *out)
{
	*out = l->stats;
}

void synack_loop_on_signal(struct synack_loop *l, void (*fn)(struct synack_loop *l, int signo,
							     void *ctx), void *ctx)
{
	l->on_signal = fn;
	l->on_signal_ctx = ctx;
}

void synack_loop_stop(struct synack_loop *l)
{
	l->stopped = true;
}

void synack_loop_shutdown(struct synack_loop *l)
{
	size_t n = 0;
	int *fds;

	if (!l->draining) {
		l->draining = true;
		l->drain_deadline = l->now + (uint64_t)l->o.grace_ms * 1000000u;
	}
	if (!l->wn)
		return;
	fds = malloc(l->wn * sizeof *fds);
	if (!fds) {
		l->stopped = true;
		return;
	}
	for (size_t i = 0; i < l->wcap; i++)
		if (l->w[i].fd != -1)
			fds[n++] = l->w[i].fd;
	for (size_t i = 0; i < n; i++)
		synack_loop_close(l, fds[i]);
	free(fds);
}

/* ---- the drain (synack.h's driver order) --------------------------------------------- */

static void write_tun(struct synack_loop *l, const uint8_t *pkt, size_t len)
{
	/* A TUN write hands the packet to the kernel's input path; it fails only when the
	 * device is down or memory is short: the packet is lost, TCP retransmits it. */
	if (write(l->tun_fd, pkt, len) != (ssize_t)len)
		l->stats.tx_dropped++;
	else
		l->stats.tx_packets++;
}

/* A packet synack made: to the tap, then (through the injector, if any) to the device. */
static void transmit(struct synack_loop *l, const uint8_t *pkt, size_t len)
{
	unsigned copies = 1;

	if (l->o.tap)
		l->o.tap(l->o.tap_ctx, SYNACK_LOOP_TX, pkt, len, real_ns());
	if (io_fault_applies(l->fault, SYNACK_LOOP_TX))
		copies = io_fault_admit(l->fault, SYNACK_LOOP_TX, l->now, pkt, len, &l->stats);
	while (copies--)
		write_tun(l, pkt, len);
}


static void drain_output(struct synack_loop *l)
{
	size_t n;

	while ((n = synack_output(l->s, l->now, l->buf, sizeof l->buf)) > 0)
		transmit(l, l->buf, n);
}

/* A packet for synack: to the tap, to the engine, and its replies out at once (so a
 * long batch does not hold them back). */
static void deliver(struct synack_loop *l, const uint8_t *pkt, size_t len)
{
	if (l->o.tap)
		l->o.tap(l->o.tap_ctx, SYNACK_LOOP_RX, pkt, len, real_ns());
	synack_input(l->s, l->now, pkt, len);
	drain_output(l);
}

/* Packets the injector held whose time has come: to the engine or to the device. */
static void release_held(struct synack_loop *l)
{
	enum synack_loop_dir dir;
	const uint8_t *pkt;
	size_t len;

	while (io_fault_pop(l->fault, l->now, &dir, &pkt, &len)) {
		if (dir == SYNACK_LOOP_TX) {
			write_tun(l, pkt, len);
		} else {
			/* deliver() reuses l->buf for output, not the held copy */
			deliver(l, pkt, len);
		}
	}
}

static void dispatch(struct synack_loop *l, const struct synack_event *ev)
{
	struct watch *w = find_watch(l, ev->fd);

	if (w)
		w->fn(l, ev, w->ctx);
}

/* Reports the current level of newly watched descriptors; true when it reported any. */
static bool deliver_kicks(struct synack_loop *l)
{
	bool any = false;

	while (l->nkick) {
		int fd = l->kick[--l->nkick];
		int lvl = synack_poll(l->s, fd, SYNACK_POLLIN | SYNACK_POLLOUT);
		struct synack_event ev = { .fd = fd };

		if (lvl < 0)
			continue;
		if (lvl & (SYNACK_POLLIN | SYNACK_POLLHUP | SYNACK_POLLERR)) {
			ev.kind = SYNACK_EV_READABLE;
			dispatch(l, &ev);
			any = true;
		}
		if ((lvl & SYNACK_POLLOUT) && find_watch(l, fd)) {
			ev.kind = SYNACK_EV_WRITABLE;
			dispatch(l, &ev);
			any = true;
		}
	}
	return any;
}

static void arm_timer(struct synack_loop *l)
{
	uint64_t d = synack_next_deadline(l->s);
	struct itimerspec its;

	if (l->draining && l->drain_deadline < d)
		d = l->drain_deadline;
	if (io_fault_deadline(l->fault) < d)
		d = io_fault_deadline(l->fault);
	memset(&its, 0, sizeof its);
	if (d != UINT64_MAX) {
		if (d <= l->now)
			d = l->now + 1;  /* a zero it_value would disarm the timer */
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
	}
	timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* true when every connection is in TIME-WAIT or gone (listeners aside): none still owes
 * its peer a handshake, data, a FIN or the ACK of the peer's FIN */
static bool is_drained(struct synack_loop *l)
{
	size_t n;

	if (!l->list) {
		/* never a NULL buffer: the listing qsort()s it even when cap is 0 */
		l->list = malloc(64 * sizeof *l->list);
		if (!l->list)
			return true;
		l->listcap = 64;
	}
	n = synack_sock_list(l->s, l->list, l->listcap);

	if (n > l->listcap) {
		struct synack_sock_info *nl = realloc(l->list, n * 2 * sizeof *nl);

		if (!nl)
			return true;
		l->list = nl;
		l->listcap = n * 2;
		n = synack_sock_list(l->s, l->list, l->listcap);
	}
	for (size_t i = 0; i < n && i < l->listcap; i++) {
		switch (l->list[i].state) {
		case SYNACK_STATE_SYN_SENT:
		case SYNACK_STATE_SYN_RECEIVED:
		case SYNACK_STATE_ESTABLISHED:
		case SYNACK_STATE_CLOSE_WAIT:
		case SYNACK_STATE_FIN_WAIT_1:
		case SYNACK_STATE_CLOSING:
		case SYNACK_STATE_LAST_ACK:
		case SYNACK_STATE_FIN_WAIT_2:  /* the peer's FIN is still to be ACKed */
			return false;
		default:
			break;
		}
	}
	return true;
}

/* synack.h's driver order: output, then events (whose handlers may make socket calls,
 * so back to output), until quiet; then notes and the next deadline. */
static void pump(struct synack_loop *l)
{
	struct synack_event ev;
	struct synack_note note;
	bool any;

	l->now = mono_ns();
	if (l->fault)
		release_held(l);
	if (synack_next_deadline(l->s) <= l->now)
		synack_advance(l->s, l->now);
	do {
		drain_output(l);
		any = deliver_kicks(l);
		while (synack_poll_event(l->s, &ev)) {
			dispatch(l, &ev);
			any = true;
		}
	} while (any);
	while (synack_poll_note(l->s, &note))
		if (l->o.note)
			l->o.note(l->o.note_ctx, &note);
	if (l->draining && (is_drained(l) || l->now >= l->drain_deadline))
		l->stopped = true;
	arm_timer(l);
}

/* ---- wake-up handlers ---------------------------------------------------------------- */

/* A packet read into l->buf, through the injector: 0, 1 or 2 copies now (a copy is
 * needed for the second: deliver() reuses l->buf for the replies). */
static void handle_faulty_rx(struct synack_loop *l, size_t n)
{
	unsigned copies = io_fault_admit(l->fault, SYNACK_LOOP_RX, l->now, l->buf, n, &l->stats);
	uint8_t *dup;

	if (copies == 2) {
		dup = malloc(n);
		if (dup) {
			memcpy(dup, l->buf, n);
			deliver(l, dup, n);
			deliver(l, dup, n);
			free(dup);
			return;
		}
		l->stats.rx_fault_lost++;
	}
	if (copies)
		deliver(l, l->buf, n);
}

static int read_tun(struct synack_loop *l)
{
	for (int i = 0; i < RX_BATCH; i++) {
		ssize_t n = read(l->tun_fd, l->buf, sizeof l->buf);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			snprintf(l->error, sizeof l->error, "%s: read: %s", l->ifname, strerror(errno));
			return -errno;
		}
		if (n == 0 || (l->buf[0] >> 4) != 4) {
			l->stats.rx_not_ipv4++;   /* IPv6 router solicitations and the like */
			continue;
		}
		l->stats.rx_packets++;
		if (io_fault_applies(l->fault, SYNACK_LOOP_RX))
			handle_faulty_rx(l, (size_t)n);
		else
			deliver(l, l->buf, (size_t)n);
	}
	return 0;
}

static void read_signal(struct synack_loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (l->on_signal)
			l->on_signal(l, (int)si.ssi_signo, l->on_signal_ctx);
		else if (l->draining)
			l->stopped = true;
		else
			synack_loop_shutdown(l);
	}
}

static void serve_ctl(struct synack_loop *l)
{
	while (io_ctl_serve(l->ctl_fd, l->s, l->ifname, l->addr, l->now, &l->stats))
		l->stats.ctl_queries++;
}

static void call_osfd(struct synack_loop *l, int fd, uint32_t events)
{
	for (size_t i = 0; i < l->nos; i++) {
		if (l->os[i].fd == fd) {
			l->os[i].fn(l, fd, events, l->os[i].ctx);
			return;
		}
	}
}

static int handle(struct synack_loop *l, const struct epoll_event *ev)
{
	uint64_t expirations;

	switch ((enum tag)(ev->data.u64 >> 32)) {
	case TAG_TUN:
		return read_tun(l);
	case TAG_TIMER:
		if (read(l->timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
			return -errno;
		return 0;
	case TAG_SIGNAL:
		read_signal(l);
		return 0;
	case TAG_CTL:
		serve_ctl(l);
		return 0;
	case TAG_OSFD:
		call_osfd(l, (int)(uint32_t)ev->data.u64, ev->events);
		return 0;
	}
	return 0;
}

int synack_loop_run(struct synack_loop *l)
{
	struct epoll_event evs[16];

	l->stopped = false;
	pump(l);
	while (!l->stopped) {
		int n = epoll_wait(l->ep_fd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(l->error, sizeof l->error, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		l->now = mono_ns();
		for (int i = 0; i < n; i++) {
			int rc = handle(l, &evs[i]);

			if (rc)
				return rc;
		}
		pump(l);
	}
	return 0;
}
