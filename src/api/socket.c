/*
 * socket.c — BSD-like socket calls over the engine's user calls (RFC 9293 §3.10.1–6):
 * descriptors with generations, bind/listen/accept/connect/send/recv/shutdown/close,
 * socket options with Linux's numbers and errno values, readiness and STATUS.
 */
#include <errno.h>
#include <string.h>

#include "api/api.h"
#include "tcp/ecn.h"
#include "tcp/input.h"

/* ---- descriptor table ---------------------------------------------------------------- */

struct tcb *api_tcb(struct synack_stack *s, int fd)
{
	uint32_t idx;

	if (fd < 0)
		return NULL;
	idx = (uint32_t)fd & ((1u << API_SLOT_BITS) - 1);
	/* the generation must match; a free slot's tcb is NULL */
	if (idx >= s->nslots || s->slots[idx].fd != (uint32_t)fd)
		return NULL;
	return s->slots[idx].tcb;
}

/* out of line: alloc_fd's usual case (a free slot) then saves no registers for it */
__attribute__((noinline)) static int grow_slots(struct synack_stack *s)
{
	uint32_t n = s->nslots ? s->nslots * 2 : 16;
	struct api_slot *ns;

	if (n > s->tcp.cfg.max_sockets)
		n = s->tcp.cfg.max_sockets;
	if (n <= s->nslots)
		return -EMFILE;
	ns = base_alloc(&s->tcp.alloc, n * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	if (s->nslots)
		memcpy(ns, s->slots, s->nslots * sizeof *ns);
	for (uint32_t i = s->nslots; i < n; i++) {
		ns[i].tcb = NULL;
		ns[i].fd = i;                   /* generation 0 */
		ns[i].next_free = i + 1 < n ? i + 1 : s->free_head;
	}
	s->free_head = s->nslots;
	base_free(&s->tcp.alloc, s->slots, s->nslots * sizeof *s->slots);
	s->slots = ns;
	s->nslots = n;
	return 0;
}

static int alloc_fd(struct synack_stack *s, struct tcb *tcb)
{
	uint32_t idx;
	int err;

	if (s->free_head == UINT32_MAX && (err = grow_slots(s)) < 0)
		return err;
	idx = s->free_head;
	s->free_head = s->slots[idx].next_free;
	s->slots[idx].tcb = tcb;
	s->slots[idx].zc_len = 0;
	s->used++;
	tcb->fd = (int)s->slots[idx].fd;
	return tcb->fd;
}

void api_release(struct synack_stack *s, int fd)
{
	uint32_t idx = (uint32_t)fd & ((1u << API_SLOT_BITS) - 1);
	uint32_t gen = ((s->slots[idx].fd >> API_SLOT_BITS) + 1) & API_GEN_MASK;

	s->slots[idx].tcb = NULL;
	s->slots[idx].fd = gen << API_SLOT_BITS | idx;  /* a stale descriptor misses */
	s->slots[idx].next_free = s->free_head;
	s->free_head = idx;
	s->used--;
}

/* ---- calls ------------------------------------------------------------------------- */

int synack_socket(struct synack_stack *s)
{
	struct tcb *tcb = tcp_tcb_new(&s->tcp, &s->tcp.dflt.opt);
	int fd;

	if (!tcb)
		return -ENOMEM;
	fd = alloc_fd(s, tcb);
	if (fd < 0)
		tcp_tcb_free(&s->tcp, tcb);
	return fd;
}

int synack_bind(struct synack_stack *s, int fd, uint32_t addr, uint16_t port)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (tcb->bound || tcb->state != TCP_CLOSED)
		return -EINVAL;
	if (addr != SYNACK_ADDR_ANY && !tcp_is_local_addr(&s->tcp, addr))
		return -EADDRNOTAVAIL;
	if (!port) {
		port = tcp_pick_port(&s->tcp, tcb, addr, 0, 0, NULL);
		if (!port)
			return -EADDRINUSE;
	} else if (tcp_check_bind(&s->tcp, tcb, addr, port)) {
		return -EADDRINUSE;
	}
	tcb->laddr = addr;
	tcb->lport = port;
	tcp_set_bound(&s->tcp, tcb);
	return 0;
}

int synack_listen(struct synack_stack *s, int fd, int backlog)
{
	struct tcb *tcb = api_tcb(s, fd);

	return tcb ? tcp_user_listen(&s->tcp, tcb, backlog) : -EBADF;
}

int synack_accept(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port)
{
	struct tcb *l = api_tcb(s, fd);
	struct tcb *c;
	int nfd;

	if (!l)
		return -EBADF;
	if (l->state != TCP_LISTEN)
		return -EINVAL;
	if (!l->acceptq_len)
		return -EAGAIN;
	c = container_of(list_first(&l->acceptq), struct tcb, qlink);
	nfd = alloc_fd(s, c);
	if (nfd < 0)
		return nfd;
	tcp_user_accept(&s->tcp, l);
	if (addr)
		*addr = c->raddr;
	if (port)
		*port = c->rport;
	if (ring_len(&c->rcvbuf) || c->eof_seen)
		tcp_wake(&s->tcp, c, SYNACK_EV_READABLE);
	return nfd;
}

int synack_connect(struct synack_stack *s, int fd, uint32_t addr, uint16_t port)
{
	struct tcb *tcb = api_tcb(s, fd);

	return tcb ? tcp_user_open_active(&s->tcp, tcb, addr, port) : -EBADF;
}

int synack_listen_to_active(struct synack_stack *s, int fd, uint32_t addr, uint16_t port)
{
	struct tcb *tcb = api_tcb(s, fd);

	return tcb ? tcp_user_listen_to_active(&s->tcp, tcb, addr, port) : -EBADF;
}

ssize_t synack_send(struct synack_stack *s, int fd, const void *buf, size_t len, int flags)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (flags & ~(SYNACK_MSG_OOB | SYNACK_MSG_DONTWAIT | SYNACK_MSG_NOSIGNAL))
		return -EOPNOTSUPP;
	if (!buf && len)
		return -EFAULT;         /* Linux's errno for a bad user buffer */
	api_zc_forget(s, fd);           /* the bytes go where a reservation pointed */
	return tcp_user_send(&s->tcp, tcb, buf, len, flags & SYNACK_MSG_OOB);
}

ssize_t synack_recv(struct synack_stack *s, int fd, void *buf, size_t len, int flags)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (flags & ~(SYNACK_MSG_PEEK | SYNACK_MSG_DONTWAIT))
		return -EOPNOTSUPP;
	if (!buf && len)
		return -EFAULT;
	return tcp_user_recv(&s->tcp, tcb, buf, len, flags & SYNACK_MSG_PEEK);
}

int synack_shutdown(struct synack_stack *s, int fd, int how)
{
	struct tcb *tcb = api_tcb(s, fd);

	return tcb ? tcp_user_shutdown(&s->tcp, tcb, how) : -EBADF;
}

int synack_close(struct synack_stack *s, int fd)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	api_release(s, fd);
	tcp_user_close(&s->tcp, tcb);
	return 0;
}

int synack_poll(struct synack_stack *s, int fd, int events)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	return tcp_user_poll(&s->tcp, tcb) & (events | SYNACK_POLLERR | SYNACK_POLLHUP);
}

static int endpoint(struct synack_stack *s, int fd, bool peer, uint32_t *addr, uint16_t *port)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (peer && (!tcb->rport || tcb->state == TCP_LISTEN))
		return -ENOTCONN;
	if (addr)
		*addr = peer ? tcb->raddr : tcb->laddr;
	if (port)
		*port = peer ? tcb->rport : tcb->lport;
	return 0;
}

int synack_getsockname(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port)
{
	return endpoint(s, fd, false, addr, port);
}

int synack_getpeername(struct synack_stack *s, int fd, uint32_t *addr, uint16_t *port)
{
	return endpoint(s, fd, true, addr, port);
}

/* ---- STATUS (§3.10.6) ---------------------------------------------------------------- */

int synack_tcp_info(struct synack_stack *s, int fd, struct synack_tcp_info *i)
{
	struct tcb *t = api_tcb(s, fd);

	if (!t)
		return -EBADF;
	memset(i, 0, sizeof *i);
	i->state = t->state;
	i->retransmits = t->retransmits;
	i->backoff = t->backoff;
	i->options = (uint8_t)((t->ts_ok ? SYNACK_TI_OPT_TIMESTAMPS : 0) |
			       (t->sack_ok ? SYNACK_TI_OPT_SACK : 0) |
			       (t->ws_ok ? SYNACK_TI_OPT_WSCALE : 0) | tcp_ecn_info(t));
	i->snd_wscale = t->snd_wscale;
	i->rcv_wscale = t->rcv_wscale;
	i->rto_us = (uint32_t)(tcp_rto_ns(&s->tcp, t) / 1000);
	i->rtt_us = t->rtt.srtt_us;
	i->rttvar_us = t->rtt.rttvar_us;
	i->snd_mss = t->snd_mss;
	i->rcv_mss = t->rcv_mss;
	i->iss = t->iss;
	i->irs = t->irs;
	i->snd_una = t->snd_una;
	i->snd_nxt = t->snd_nxt;
	i->snd_wnd = t->snd_wnd;
	i->rcv_nxt = t->rcv_nxt;
	i->rcv_wnd = t->rcv_wnd;
	i->snd_cwnd = t->cc.cwnd;
	i->snd_ssthresh = t->cc.cwnd ? t->cc.ssthresh : 0;
	i->unacked = t->snd_max - t->snd_una;
	i->send_queue = ring_len(&t->sndbuf);
	i->recv_queue = ring_len(&t->rcvbuf);
	i->total_retrans = t->total_retrans;
	i->bytes_sent = t->bytes_sent;
	i->bytes_received = t->bytes_received;
	i->segs_out = t->segs_out;
	i->segs_in = t->segs_in;
	i->rcv_rtt_us = t->rcvq.rtt_us8 >> 3;  /* Linux: rcv_rtt_est.rtt_us >> 3 */
	i->rcv_space = t->rcvq.space;
	if (t->rcv_urg) {
		/* MUST-33: urgent bytes between the read pointer and the urgent pointer */
		uint32_t rd = t->rcv_nxt - ring_len(&t->rcvbuf);

		i->urg_data = seq_gt(t->rcv_up, rd) ? t->rcv_up - rd : 0;
	}
	return 0;
}
