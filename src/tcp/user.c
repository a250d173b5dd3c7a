/*
 * user.c — the user calls of RFC 9293 §3.10.1–3.10.5: OPEN (active and passive), SEND,
 * RECEIVE, CLOSE (and half-close), ABORT, plus readiness for poll().
 *
 * None of them builds a segment: each changes state, records intent and puts the tcb on
 * the output list; output.c sends what is due when the driver drains. Errors are the
 * negative errno Linux gives in the same situation.
 */
#include <errno.h>

#include "ip/ip.h"
#include "tcp/input.h"
#include "tcp/tcb.h"

#define MS 1000000ull

/* ---- OPEN (§3.10.1) --------------------------------------------------------------- */

static uint32_t choose_laddr(const struct tcp_stack *ts, uint32_t raddr)
{
	for (unsigned i = 0; i < ts->naddrs; i++)
		if (ip_is_loopback(ts->addrs[i]) == ip_is_loopback(raddr))
			return ts->addrs[i];
	return ts->naddrs ? ts->addrs[0] : 0;
}

/*
 * S10: the 4-tuple laddr:lport -> raddr:rport must be free, except that a TIME-WAIT
 * incarnation (a full tcb or a record) may be taken over under tw_reuse; then *old_nxt
 * receives its SND.NXT (the new ISS must lie beyond it) and it is removed. 0 or
 * -EADDRINUSE.
 */
static int claim_tuple(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport, uint32_t h, bool *reused, uint32_t *old_nxt)
{
	struct tcb *old = tcp_lookup_hashed(ts, h, laddr, lport, raddr, rport);
	struct tw_entry *e = tw_lookup_hashed(&ts->tw, h, laddr, lport, raddr, rport);

	*reused = false;
	if (old) {
		if (old->state != TCP_TIME_WAIT ||
		    !tcp_tw_may_reuse(ts, old->ts_ok, old->ts_recent_ns, raddr))
			return -EADDRINUSE;
		*old_nxt = old->snd_max;
		tcp_wake(ts, old, SYNACK_EV_CLOSED);
		tcp_tcb_close(ts, old);
		*reused = true;
	}
	if (e) {
		if (!tcp_tw_may_reuse(ts, e->has_ts, tcp_tw_ts_recent_ns(ts, e), raddr))
			return -EADDRINUSE;
		*old_nxt = e->snd_nxt;
		tw_remove(&ts->tw, e);
		*reused = true;
	}
	return 0;
}

static int check_state_for_connect(const struct tcb *tcb)
{
	/* RFC 9293 §3.10.2 lets SEND turn a LISTEN connection active (Figure 5's
	 * LISTEN -> SYN-SENT); the socket API does not offer it: Linux's connect() on a
	 * listening socket fails with EISCONN (sk_state is not CLOSE), and so does ours.
	 * The RFC's arc is tcp_user_listen_to_active() (synack_listen_to_active()). */
	if (tcb->state == TCP_LISTEN)
		return -EISCONN;
	if (tcb->state == TCP_SYN_SENT || tcb->state == TCP_SYN_RECEIVED)
		return -EALREADY;
	if (tcb->state != TCP_CLOSED || tcb->ever_synced)
		return -EISCONN;
	return 0;
}

/*
 * The active OPEN itself, shared by connect() (CLOSED) and synack_listen_to_active()
 * (LISTEN, §3.10.2): picks the tuple, selects the ISS (RFC 6528), enters SYN-SENT and
 * asks output.c for the SYN. A listener stops listening only once nothing can fail, so
 * an error leaves it in LISTEN.
 */
static int open_active(struct tcp_stack *ts, struct tcb *tcb, uint32_t raddr, uint16_t rport)
{
	uint32_t laddr = tcb->bound && tcb->laddr ? tcb->laddr : choose_laddr(ts, raddr);
	uint16_t lport = tcb->lport;
	uint8_t before = tcb->state;
	bool reused = false;
	uint32_t old_nxt = 0, h = 0;
	int err;

	if (raddr == 0 || ip_addr_is_bcast_mcast(raddr) || rport == 0)
		return -ENETUNREACH;
	if (ts->cfg.quiet_time && ts->now_ns - ts->first_now_ns < ts->cfg.msl_ms * MS)
		return -EAGAIN;         /* §3.4.3 quiet time */
	if (!laddr)
		return -EADDRNOTAVAIL;
	if (tcb->bound && lport) {
		h = tcp_tuple_hash(ts, laddr, lport, raddr, rport);
		err = claim_tuple(ts, laddr, lport, raddr, rport, h, &reused, &old_nxt);
		if (err)
			return err;     /* S10: the 4-tuple is in use or in TIME-WAIT */
	} else {
		struct tw_entry *e = NULL;

		lport = tcp_pick_port_tw(ts, laddr, raddr, rport, &h, &e);
		if (!lport)
			return -EADDRNOTAVAIL;
		/* the port may come with a TIME-WAIT record tw_reuse lets us take over: the
		 * port choice found it and checked that it may (and that no tcb has the
		 * 4-tuple), so only the record goes; claim_tuple looks again */
		if (ts->no_life_fast) {
			err = claim_tuple(ts, laddr, lport, raddr, rport, h, &reused, &old_nxt);
			if (err)
				return err;
		} else if (e) {
			old_nxt = e->snd_nxt;
			tw_remove(&ts->tw, e);
			reused = true;
		}
	}
	tcb->laddr = laddr;
	tcb->lport = lport;
	tcb->raddr = raddr;
	tcb->rport = rport;
	tcp_set_bound(ts, tcb);
	tcb->from_listen = false;
	tcp_init_send_side(ts, tcb);
	if (reused) {
		tcb->iss = tcp_reincarnation_iss(ts, laddr, lport, raddr, rport, old_nxt);
		tcb->snd_una = tcb->snd_nxt = tcb->snd_max = tcb->iss;
	}
	tcb->rcv_wnd = 0;
	tcp_listen_remove(ts, tcb);     /* LISTEN: "change the connection from passive to active" */
	tcp_set_state(tcb, TCP_SYN_SENT);
	tcp_hash_insert_hashed(ts, tcb, h);
	/* the one-entry cache holds only a 4-tuple whose segments pass the read's address
	 * checks (stack.c synack_input): laddr is ours, but a loopback peer from an address
	 * that is not loopback is no valid source (MUST-63), so its segments must miss; and
	 * no tcb with IP options (the socket's IP_OPTIONS, input.h tcp_input_dispatch) */
	if (ip_src_is_invalid(raddr, laddr) || tcb->ipopts)
		tcp_uncache(ts, tcb);
	tcp_want_output(ts, tcb);
	tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, before, NULL, 0, 0,
		 before == TCP_LISTEN ? "SEND in LISTEN: passive to active, SYN" : "active OPEN");
	return -EINPROGRESS;
}

int tcp_user_open_active(struct tcp_stack *ts, struct tcb *tcb, uint32_t raddr, uint16_t rport)
{
	int err = check_state_for_connect(tcb);

	return err ? err : open_active(ts, tcb, raddr, rport);
}

int tcp_user_listen_to_active(struct tcp_stack *ts, struct tcb *tcb, uint32_t raddr,
			      uint16_t rport)
{
	if (tcb->state != TCP_LISTEN)
		return -EINVAL;
	/* a listener with half-open or unaccepted connections would orphan them */
	if (tcb->synq_len || tcb->acceptq_len || !list_empty(&tcb->synq) ||
	    !list_empty(&tcb->acceptq))
		return -EBUSY;
	return open_active(ts, tcb, raddr, rport);
}

int tcp_user_listen(struct tcp_stack *ts, struct tcb *tcb, int backlog)
{
	uint32_t b = backlog < 0 || (uint32_t)backlog > ts->cfg.somaxconn ? ts->cfg.somaxconn
									  : (uint32_t)backlog;

	if (tcb->state != TCP_CLOSED && tcb->state != TCP_LISTEN)
		return -EINVAL;
	if (tcb->state == TCP_CLOSED && tcb->ever_synced)
		return -EINVAL;
	tcb->backlog = b ? b : 1;
	if (tcb->state == TCP_LISTEN)
		return 0;
	if (!tcb->bound) {
		tcb->lport = tcp_pick_port(ts, tcb, tcb->laddr, 0, 0, NULL);
		if (!tcb->lport)
			return -EADDRINUSE;
		tcp_set_bound(ts, tcb);
	}
	tcp_set_state(tcb, TCP_LISTEN);
	if (tcp_check_bind(ts, tcb, tcb->laddr, tcb->lport)) {
		tcp_set_state(tcb, TCP_CLOSED);
		return -EADDRINUSE;
	}
	tcp_listen_insert(ts, tcb);
	tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, TCP_CLOSED, NULL, 0, 0,
		 "passive OPEN");
	return 0;
}

struct tcb *tcp_user_accept(struct tcp_stack *ts, struct tcb *l)
{
	struct list_node *n = list_first(&l->acceptq);
	struct tcb *child;

	(void)ts;
	if (!n)
		return NULL;
	child = container_of(n, struct tcb, qlink);
	tcp_unqueue(child);
	child->parent = NULL;
	return child;
}

/* ---- SEND (§3.10.2) --------------------------------------------------------------- */

/* send()'s checks, then the free space for want more bytes (see tcp_user_send_room). A
 * few bytes (want) go to the ring's inline storage (ring.h) while they fit there: no
 * allocation; the space offered is the same, opt.sndbuf less what is queued, only
 * counted against the storage in use. Always inline (two callers): out of line, its call
 * from tcp_user_send cost ~28 instructions per lifecycle more in bench lifecycle. */
static inline __attribute__((always_inline)) long
send_space(struct tcp_stack *ts, struct tcb *tcb, uint32_t want)
{
	struct ring *r = &tcb->sndbuf;
	uint32_t space, lim;

	if (tcb->so_error) {
		int e = tcb->so_error;

		tcb->so_error = 0;
		return -e;
	}
	if (tcb->dead_error || tcb->wr_shut)
		return -EPIPE;
	if (tcb->state == TCP_CLOSED || tcb->state == TCP_LISTEN)
		return tcb->ever_synced ? -EPIPE : -ENOTCONN;
	if (tcb->state != TCP_SYN_SENT && tcb->state != TCP_SYN_RECEIVED &&
	    tcb->state != TCP_ESTABLISHED && tcb->state != TCP_CLOSE_WAIT)
		return -EPIPE;
	if (!r->cap && want <= RING_SMALL_CAP && !ts->no_small_rings)
		ring_take_small(r);
	/* the ring grows when autotuning (sndbuf.c) raised opt.sndbuf, or when the bytes
	 * outgrow the inline storage; a failed growth of a ring that exists leaves the old
	 * capacity in use */
	if (r->cap < tcb->opt.sndbuf && (!ring_is_small(r) || ring_space(r) < want) &&
	    ring_reserve(r, &ts->alloc, tcb->opt.sndbuf)) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		if (!r->cap)
			return -ENOMEM;
	}
	lim = tcb->opt.sndbuf < r->cap ? tcb->opt.sndbuf : r->cap;
	space = lim > ring_len(r) ? lim - ring_len(r) : 0;
	return space ? (long)space : -EAGAIN;
}

long tcp_user_send_room(struct tcp_stack *ts, struct tcb *tcb)
{
	return send_space(ts, tcb, UINT32_MAX);
}

long tcp_user_send(struct tcp_stack *ts, struct tcb *tcb, const uint8_t *buf, size_t len,
		   bool urgent)
{
	/* without buf the bytes are already in place: tcp_user_send_room grew the ring */
	long space = send_space(ts, tcb, buf && len < UINT32_MAX ? (uint32_t)len : UINT32_MAX);
	uint32_t n;

	if (space < 0)
		return space;
	n = len < (size_t)space ? (uint32_t)len : (uint32_t)space;
	/* without buf the n bytes were written in place past the ring's end (zero-copy
	 * send, api/zerocopy.c): SEND takes them as they are */
	if (!buf)
		n = ring_commit(&tcb->sndbuf, n);
	else if (n <= RING_SHORT)
		n = ring_write_short(&tcb->sndbuf, buf, n);    /* a few bytes: no memcpy call */
	else
		n = ring_write(&tcb->sndbuf, buf, n);
	if (urgent && n) {
		/* §3.8.5, RFC 6093: SND.UP points past the last urgent byte */
		tcb->snd_up = tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf);
		tcp_set_urg_pending(tcb);
	}
	tcp_want_output(ts, tcb);
	return (long)n;
}

/* ---- RECEIVE (§3.10.3) ------------------------------------------------------------ */

/*
 * After the user read, tell the peer about a window that opened usefully: RFC 9293
 * §3.8.6.2.2 (receiver SWS avoidance) keeps the right edge RCV.NXT+RCV.WND fixed until
 * it can advance by at least min(RCV.BUFF/2, Eff.snd.MSS). The new right edge is the one
 * output.c can advertise: the free space capped at 65535 << Rcv.Wind.Shift and rounded
 * down to the scale. Linux (tcp_cleanup_rbuf) likewise sends no update that does not
 * open the window significantly: a read never repeats an identical ACK. The step is
 * min(RCV.BUFF/2, 2 * the MSS we advertised): at least the RFC's threshold (sending
 * fewer updates stays within it), as before; only the cap on the new edge is new.
 */
static void maybe_window_update(struct tcp_stack *ts, struct tcb *tcb)
{
	uint32_t cur = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	uint32_t space = tcp_rcv_space(ts, tcb);
	uint32_t max = (uint32_t)65535 << tcb->rcv_wscale;
	uint32_t step = 2u * tcb->rcv_mss;

	if (step > tcb->opt.rcvbuf / 2)
		step = tcb->opt.rcvbuf / 2;
	if (space > max)
		space = max;
	space = space >> tcb->rcv_wscale << tcb->rcv_wscale;
	if (tcp_is_synchronized(tcb->state) && !tcp_has_rcvd_fin(tcb->state) &&
	    space >= cur + step) {
		tcb->want_ack = true;
		tcp_want_output(ts, tcb);
	}
}

long tcp_user_recv(struct tcp_stack *ts, struct tcb *tcb, uint8_t *buf, size_t len, bool peek)
{
	uint32_t want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	uint32_t n;

	if (ring_len(&tcb->rcvbuf) && !tcb->rd_shut) {
		if (peek)
			return ring_peek(&tcb->rcvbuf, 0, buf, want);
		/* without buf the caller read the bytes in place (zero-copy receive) */
		n = buf ? ring_read(&tcb->rcvbuf, buf, want) : ring_drop(&tcb->rcvbuf, want);
		tcp_rcvbuf_on_read(ts, tcb);    /* may grow opt.rcvbuf: before the update */
		if (!ring_len(&tcb->rcvbuf) && tcp_reass_empty(&tcb->rcv_ooo))
			ring_free(&tcb->rcvbuf, &ts->alloc);    /* (held out-of-order data) */
		maybe_window_update(ts, tcb);
		return n;
	}
	if (tcb->so_error) {
		int e = tcb->so_error;

		if (!peek)
			tcb->so_error = 0;
		return -e;
	}
	if (tcb->rd_shut || tcb->eof_seen || tcb->dead_error)
		return 0;
	if (tcb->state == TCP_LISTEN || (tcb->state == TCP_CLOSED && !tcb->ever_synced))
		return -ENOTCONN;
	if (tcb->state == TCP_CLOSED)
		return 0;
	return -EAGAIN;
}

/* ---- CLOSE (§3.10.4) and half-close ------------------------------------------------ */

/* Queues our FIN: the state moves now, the FIN goes after the queued data. */
static void queue_fin(struct tcp_stack *ts, struct tcb *tcb)
{
	tcb->wr_shut = true;
	tcb->fin_queued = true;
	if (tcb->state == TCP_ESTABLISHED)
		tcp_set_state(tcb, TCP_FIN_WAIT_1);
	else if (tcb->state == TCP_CLOSE_WAIT)
		tcp_set_state(tcb, TCP_LAST_ACK);
	else if (tcb->state == TCP_SYN_RECEIVED && !ring_len(&tcb->sndbuf))
		tcp_set_state(tcb, TCP_FIN_WAIT_1);     /* §3.10.4: no SENDs: FIN now */
	/* SYN-SENT, SYN-RECEIVED with data: "queue for processing after ESTABLISHED" */
	tcp_want_output(ts, tcb);
}

int tcp_user_shutdown(struct tcp_stack *ts, struct tcb *tcb, int how)
{
	uint8_t before = tcb->state;

	if (how < SYNACK_SHUT_RD || how > SYNACK_SHUT_RDWR)
		return -EINVAL;
	if (tcb->state == TCP_CLOSED || tcb->state == TCP_LISTEN)
		return -ENOTCONN;
	if (how != SYNACK_SHUT_WR) {
		tcb->rd_shut = true;
		ring_destroy(&tcb->rcvbuf, &ts->alloc);
		tcp_wake(ts, tcb, SYNACK_EV_READABLE);
	}
	if (how != SYNACK_SHUT_RD && !tcb->wr_shut) {
		queue_fin(ts, tcb);
		tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, before, NULL, 0, 0,
			 "shutdown(SHUT_WR): FIN queued");
	}
	return 0;
}

/* A listener's queued children: established ones are reset (Linux), half-open ones go. */
static void close_listener(struct tcp_stack *ts, struct tcb *l)
{
	struct list_node *pos, *tmp;

	list_for_each_safe(pos, tmp, &l->acceptq) {
		struct tcb *c = container_of(pos, struct tcb, qlink);

		tcp_send_rst_for(ts, c);
		tcp_tcb_free(ts, c);
	}
	tcp_tcb_free(ts, l);
}

void tcp_user_abort(struct tcp_stack *ts, struct tcb *tcb)
{
	/* §3.10.5: a RST in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT */
	if (tcb->state == TCP_SYN_RECEIVED || tcb->state == TCP_ESTABLISHED ||
	    tcb->state == TCP_FIN_WAIT_1 || tcb->state == TCP_FIN_WAIT_2 ||
	    tcb->state == TCP_CLOSE_WAIT)
		tcp_send_rst_for(ts, tcb);
	tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_RESET, tcb->state, NULL, 0, 0, "ABORT");
	tcp_tcb_free(ts, tcb);
}

void tcp_user_close(struct tcp_stack *ts, struct tcb *tcb)
{
	uint8_t before = tcb->state;

	tcb->fd = -1;
	tcb->user_closed = true;
	if (tcb->ev_pending) {
		list_unlink(&tcb->ev_link);
		tcb->ev_pending = 0;
	}
	if (tcb->state == TCP_TIME_WAIT) {
		tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, before, NULL, 0, 0,
			 "CLOSE in TIME-WAIT: kept as a compact record");
		tcp_tw_from_tcb(ts, tcb);
		return;
	}
	if (tcb->state == TCP_LISTEN || tcb->state == TCP_CLOSED ||
	    tcb->state == TCP_SYN_SENT) {
		tcp_note(ts, NULL, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, before, NULL, tcb->laddr,
			 tcb->raddr, "CLOSE: delete TCB");
		if (tcb->state == TCP_LISTEN)
			close_listener(ts, tcb);
		else
			tcp_tcb_free(ts, tcb);  /* §3.10.4: "delete the TCB" */
		return;
	}
	if ((tcb->opt.linger_on && tcb->opt.linger_s == 0) || ring_len(&tcb->rcvbuf)) {
		/* SO_LINGER {1,0} (S08), or unread data (RFC 2525 §2.17): ABORT */
		tcp_user_abort(ts, tcb);
		return;
	}
	tcb->rd_shut = true;
	if (!tcb->wr_shut)
		queue_fin(ts, tcb);
	if (tcb->state == TCP_FIN_WAIT_2)
		tcp_timer_set(ts, tcb, TCP_T_FIN_WAIT_2, ts->now_ns + ts->cfg.fin_timeout_ms * MS);
	tcp_note(ts, tcb, SYNACK_NOTE_USER, SYNACK_V_ACCEPTED, before, NULL, 0, 0, "CLOSE");
}

/* ---- readiness ---------------------------------------------------------------------- */

int tcp_user_poll(const struct tcp_stack *ts, const struct tcb *tcb)
{
	int ev = 0;

	(void)ts;
	if (tcb->state == TCP_LISTEN)
		return tcb->acceptq_len ? SYNACK_POLLIN : 0;
	if (ring_len(&tcb->rcvbuf) || tcb->eof_seen || tcb->rd_shut || tcb->dead_error)
		ev |= SYNACK_POLLIN;
	if (tcb->eof_seen)
		ev |= SYNACK_POLLRDHUP;
	if (tcb->rcv_urg && seq_gt(tcb->rcv_up, tcb->rcv_nxt - ring_len(&tcb->rcvbuf)))
		ev |= SYNACK_POLLPRI;
	if ((tcb->state == TCP_ESTABLISHED || tcb->state == TCP_CLOSE_WAIT) && !tcb->wr_shut &&
	    ring_len(&tcb->sndbuf) < tcb->opt.sndbuf)
		ev |= SYNACK_POLLOUT;
	if (tcb->so_error)
		ev |= SYNACK_POLLERR;
	if (tcb->dead_error || (tcb->wr_shut && tcb->eof_seen) ||
	    (tcb->state == TCP_CLOSED && tcb->ever_synced))
		ev |= SYNACK_POLLHUP | SYNACK_POLLOUT;
	return ev;
}
