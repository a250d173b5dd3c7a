/*
 * matrix.h — the state × event matrix of RFC 9293 §3.10.7 (SEGMENT ARRIVES) as tables.
 *
 * Header-only, included by exactly one tests/unit/test_matrix_<state>.c per binary, on
 * top of harness.h. A case is one segment sent to a connection that a fixture brought
 * into a state through real exchanges (handshake, shutdown, FINs); the case names the
 * segment relative to the fixture's RFC variables (RCV.NXT, SND.NXT, SND.UNA, ISS, ...)
 * and lists the exact segments expected in reply (flags, seq, ack, window, options),
 * the state after, SO_ERROR and the event raised. MX_CASE() turns one table line into
 * its own Criterion test named <state>_<event>[_variant]; a failure prints the case,
 * the expected and the actual segment.
 *
 * Each case runs on a fresh stack (fresh RFC 5961 §7 / invalid_ratelimit_ms limiters).
 * Before the segment is sent the runner cross-checks the fixture: its state through
 * synack_tcp_info (descriptor) or synack_sock_list (descriptor-less entries), and for a
 * descriptor SND.UNA, SND.NXT and RCV.NXT against the values the fixture script says.
 *
 * Cases whose engine behaviour differs from the RFC are written with MX_PENDING(): the
 * test is compiled but disabled (Criterion reports it as skipped, never as passed), and
 * tests/matrix-pending.md lists every one with the RFC citation and what the engine does.
 */
#ifndef SYNACK_TESTS_MATRIX_H
#define SYNACK_TESTS_MATRIX_H

#include "harness.h"
#include "tcp/isn.h"

#include <stdio.h>

/* What a sequence or acknowledgment number is relative to. */
enum mx_base {
	MX_ABS = 0,     /* the offset itself */
	MX_RCV_NXT,     /* our RCV.NXT when the segment is sent */
	MX_SND_NXT,     /* our SND.NXT */
	MX_SND_UNA,     /* our SND.UNA */
	MX_ISS,         /* our ISS */
	MX_NEW_ISS,     /* the ISS a new connection on this 4-tuple gets now (RFC 6528) */
	MX_TW_ISS,      /* the ISS of a TIME-WAIT reincarnation: max(RFC 6528 ISS,
	                 * old SND.NXT + 65537) */
	MX_SEG_SEQ,     /* the SEG.SEQ of the segment sent */
	MX_SEG_ACK,     /* its SEG.ACK */
	MX_SEG_END,     /* SEG.SEQ + SEG.LEN (SYN and FIN counted) */
};

struct mx_val {
	uint8_t base;   /* enum mx_base */
	int64_t off;
};

#define AT(b, o) { MX_##b, (o) }
#define MX_WND 65535    /* our receive window after every fixture (no window scaling) */
#define MX_MSS 1460     /* our MSS option on a SYN (mtu 1500) */

/* One expected outgoing segment. */
struct mx_seg {
	uint8_t flags;
	struct mx_val seq, ack;   /* ack compared only when ACK is set */
	int32_t win;              /* exact window */
	uint32_t after_ms;        /* 0: sent at once; else sent exactly this late (delayed
	                           * ACK), and not before */
};

#define MX_MAX_OUT 3

struct mx_case {
	const char *name;
	/* the segment sent by the peer */
	uint8_t flags;
	struct mx_val seq, ack;
	uint16_t len;             /* payload bytes */
	uint16_t win;             /* 0 means 8192 */
	/* what must follow */
	int nout;
	struct mx_seg out[MX_MAX_OUT];
	int state;                /* enum synack_state of the connection after; CLOSED for
	                           * "no connection on the 4-tuple any more" */
	int err;                  /* SO_ERROR after (descriptor fixtures) */
	int ev;                   /* event that must have been raised (0: none checked;
	                           * RESET/ERROR must then not be raised) */
	bool check_una;           /* SND.UNA after must be una */
	struct mx_val una;
	bool check_2msl;          /* the 2MSL timer must (re)start at now + 2 * MSL */
	bool check_recv;          /* recv() must give back the len payload bytes */
};

struct mx {
	struct harness h;
	const char *state_name;
	int state;                /* the fixture's state */
	int fd;                   /* -1: the connection has no descriptor */
	int lfd;                  /* listener or -1 */
	uint16_t lport, rport;    /* ours, the peer's */
	uint32_t iss, snd_una, snd_nxt, rcv_nxt;
	bool has_rcv_nxt;         /* false in SYN-SENT and without a connection */
};

typedef void (*mx_fixture_fn)(struct mx *m);

/* ---- fixtures: every state reached through real exchanges ----------------------------- */

#define R0 (PEER_ISN + 1)     /* RCV.NXT after the handshake */

static inline void mx_init(struct mx *m)
{
	memset(m, 0, sizeof *m);
	h_init(&m->h);
	m->fd = -1;
	m->lfd = -1;
	m->lport = SRV_PORT;
	m->rport = PEER_PORT;
}

static inline void mx_send(struct mx *m, uint8_t flags, uint32_t seq, uint32_t ack)
{
	h_send(&m->h, m->rport, m->lport, flags, seq, ack, 8192);
}

/* CLOSED: the stack owns US, nothing on port 80 (a socket exists, unbound, and a
 * listener on another port: neither may answer for port 80). */
static inline void mx_fix_closed(struct mx *m)
{
	mx_init(m);
	cr_assert_geq(synack_socket(m->h.s), 0);
	h_listen(&m->h, 8080, 4);
	m->state = SYNACK_STATE_CLOSED;
	m->state_name = "CLOSED";
}

/* LISTEN: passive OPEN on *:80 (§3.10.1). */
static inline void mx_fix_listen(struct mx *m)
{
	mx_init(m);
	m->lfd = h_listen(&m->h, SRV_PORT, 16);
	m->state = SYNACK_STATE_LISTEN;
	m->state_name = "LISTEN";
}

/* SYN-SENT: active OPEN to THEM:80; our SYN <SEQ=ISS> went out. */
static inline void mx_fix_syn_sent(struct mx *m)
{
	mx_init(m);
	m->fd = synack_socket(m->h.s);
	cr_assert_geq(m->fd, 0);
	cr_assert_eq(synack_connect(m->h.s, m->fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&m->h, F_SYN, m->h.out.seq, 0, MX_WND);
	m->iss = m->h.out.seq;
	m->lport = m->h.out.sport;
	m->rport = SRV_PORT;
	m->snd_una = m->iss;
	m->snd_nxt = m->iss + 1;
	m->state = SYNACK_STATE_SYN_SENT;
	m->state_name = "SYN-SENT";
}

/* SYN-RECEIVED (passive): listener, the peer's SYN <SEQ=PEER_ISN>, our SYN,ACK. The
 * half-open connection has no descriptor. */
static inline void mx_fix_syn_received(struct mx *m)
{
	mx_init(m);
	m->lfd = h_listen(&m->h, SRV_PORT, 16);
	mx_send(m, F_SYN, PEER_ISN, 0);
	EXPECT_SEG(&m->h, F_SYN | F_ACK, m->h.out.seq, R0, MX_WND);
	m->iss = m->h.out.seq;
	m->snd_una = m->iss;
	m->snd_nxt = m->iss + 1;
	m->rcv_nxt = R0;
	m->has_rcv_nxt = true;
	EXPECT_NONE(&m->h);
	m->state = SYNACK_STATE_SYN_RECEIVED;
	m->state_name = "SYN-RECEIVED";
}

/* ESTABLISHED (passive open, accepted), with 100 bytes of ours in flight so that ACK
 * fields can acknowledge something: SND.UNA = ISS+1, SND.NXT = ISS+101. */
static inline void mx_fix_established(struct mx *m)
{
	static const char data[100];

	mx_init(m);
	m->fd = h_passive_est(&m->h, &m->lfd, &m->iss);
	cr_assert_eq(synack_send(m->h.s, m->fd, data, sizeof data, 0), 100);
	EXPECT_SEG(&m->h, F_ACK | F_PSH, m->iss + 1, R0, MX_WND);
	cr_assert_eq(m->h.out.payload_len, 100u);
	EXPECT_NONE(&m->h);
	m->snd_una = m->iss + 1;
	m->snd_nxt = m->iss + 101;
	m->rcv_nxt = R0;
	m->has_rcv_nxt = true;
	m->state = SYNACK_STATE_ESTABLISHED;
	m->state_name = "ESTABLISHED";
}

/* FIN-WAIT-1: ESTABLISHED (nothing in flight), shutdown(SHUT_WR): our FIN <SEQ=ISS+1>
 * is unacknowledged. The descriptor stays (data can still arrive). */
static inline void mx_fix_fin_wait_1(struct mx *m)
{
	mx_init(m);
	m->fd = h_passive_est(&m->h, &m->lfd, &m->iss);
	cr_assert_eq(synack_shutdown(m->h.s, m->fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&m->h, F_FIN | F_ACK, m->iss + 1, R0, MX_WND);
	EXPECT_NONE(&m->h);
	m->snd_una = m->iss + 1;
	m->snd_nxt = m->iss + 2;
	m->rcv_nxt = R0;
	m->has_rcv_nxt = true;
	m->state = SYNACK_STATE_FIN_WAIT_1;
	m->state_name = "FIN-WAIT-1";
}

/* FIN-WAIT-2: FIN-WAIT-1, then the peer acknowledges our FIN. */
static inline void mx_fix_fin_wait_2(struct mx *m)
{
	mx_fix_fin_wait_1(m);
	mx_send(m, F_ACK, R0, m->iss + 2);
	EXPECT_NONE(&m->h);
	m->snd_una = m->iss + 2;
	m->state = SYNACK_STATE_FIN_WAIT_2;
	m->state_name = "FIN-WAIT-2";
}

/* CLOSE-WAIT: ESTABLISHED (nothing in flight), the peer's FIN <SEQ=R0> acknowledged. */
static inline void mx_fix_close_wait(struct mx *m)
{
	mx_init(m);
	m->fd = h_passive_est(&m->h, &m->lfd, &m->iss);
	mx_send(m, F_FIN | F_ACK, R0, m->iss + 1);
	EXPECT_SEG(&m->h, F_ACK, m->iss + 1, R0 + 1, MX_WND);
	EXPECT_NONE(&m->h);
	m->snd_una = m->iss + 1;
	m->snd_nxt = m->iss + 1;
	m->rcv_nxt = R0 + 1;
	m->has_rcv_nxt = true;
	m->state = SYNACK_STATE_CLOSE_WAIT;
	m->state_name = "CLOSE-WAIT";
}

/* CLOSING (simultaneous close, §3.6 Figure 13): FIN-WAIT-1, then the peer's FIN that
 * does not acknowledge ours; we acknowledge it. */
static inline void mx_fix_closing(struct mx *m)
{
	mx_fix_fin_wait_1(m);
	mx_send(m, F_FIN | F_ACK, R0, m->iss + 1);
	EXPECT_SEG(&m->h, F_ACK, m->iss + 2, R0 + 1, MX_WND);
	EXPECT_NONE(&m->h);
	m->rcv_nxt = R0 + 1;
	m->state = SYNACK_STATE_CLOSING;
	m->state_name = "CLOSING";
}

/* LAST-ACK: CLOSE-WAIT, then shutdown(SHUT_WR): our FIN <SEQ=ISS+1> unacknowledged. */
static inline void mx_fix_last_ack(struct mx *m)
{
	mx_fix_close_wait(m);
	cr_assert_eq(synack_shutdown(m->h.s, m->fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&m->h, F_FIN | F_ACK, m->iss + 1, R0 + 1, MX_WND);
	EXPECT_NONE(&m->h);
	m->snd_nxt = m->iss + 2;
	m->state = SYNACK_STATE_LAST_ACK;
	m->state_name = "LAST-ACK";
}

/* TIME-WAIT (the usual way: the application closed): passive open, close() → FIN,
 * the peer ACKs it (FIN-WAIT-2, orphan), then sends its FIN <SEQ=R0>, which we ACK.
 * No descriptor: the connection is a TIME-WAIT record. The listener stays. */
static inline void mx_fix_time_wait(struct mx *m)
{
	mx_init(m);
	m->fd = h_passive_est(&m->h, &m->lfd, &m->iss);
	cr_assert_eq(synack_close(m->h.s, m->fd), 0);
	m->fd = -1;
	EXPECT_SEG(&m->h, F_FIN | F_ACK, m->iss + 1, R0, MX_WND);
	mx_send(m, F_ACK, R0, m->iss + 2);
	EXPECT_NONE(&m->h);
	cr_assert_eq(h_state_of_port(&m->h, PEER_PORT), SYNACK_STATE_FIN_WAIT_2);
	m->h.now += 10 * MSEC;
	mx_send(m, F_FIN | F_ACK, R0, m->iss + 2);
	EXPECT_SEG(&m->h, F_ACK, m->iss + 2, R0 + 1, MX_WND);
	EXPECT_NONE(&m->h);
	m->snd_una = m->iss + 2;
	m->snd_nxt = m->iss + 2;
	m->rcv_nxt = R0 + 1;
	m->has_rcv_nxt = true;
	m->h.now += 10 * MSEC;
	m->state = SYNACK_STATE_TIME_WAIT;
	m->state_name = "TIME-WAIT";
}

/* ---- the runner ---------------------------------------------------------------------- */

/* State of the fixture's connection: its descriptor's, else the listing entry's for
 * the peer port (CLOSED when there is none). */
static inline int mx_state(struct mx *m)
{
	int st;

	if (m->fd >= 0)
		return h_state(&m->h, m->fd);
	st = h_state_of_port(&m->h, m->rport == SRV_PORT ? m->lport : m->rport);
	return st < 0 ? SYNACK_STATE_CLOSED : st;
}

/* The RFC 6528 ISS the stack picks for the fixture's 4-tuple now (harness keys). */
static inline uint32_t mx_isn_now(const struct mx *m)
{
	uint8_t key[TCP_ISN_KEY_BYTES];

	for (int i = 0; i < TCP_ISN_KEY_BYTES; i++)
		key[i] = (uint8_t)(i * 7 + 1);          /* as h_init_cfg's env.secret */
	return tcp_isn(key, US, m->lport, THEM, m->rport, m->h.now);
}

static inline uint32_t mx_resolve(const struct mx *m, const struct wire_tcp *seg,
				  const struct mx_val *v)
{
	uint32_t b = 0;
	uint32_t len = seg ? (uint32_t)seg->payload_len + !!(seg->flags & F_SYN) +
			     !!(seg->flags & F_FIN) : 0;

	switch (v->base) {
	case MX_RCV_NXT: b = m->rcv_nxt; break;
	case MX_SND_NXT: b = m->snd_nxt; break;
	case MX_SND_UNA: b = m->snd_una; break;
	case MX_ISS: b = m->iss; break;
	case MX_NEW_ISS:
		b = mx_isn_now(m);
		break;
	case MX_TW_ISS:
		b = mx_isn_now(m);
		if ((int32_t)(b - (m->snd_nxt + 65537)) <= 0)
			b = m->snd_nxt + 65537;
		break;
	case MX_SEG_SEQ: b = seg->seq; break;
	case MX_SEG_ACK: b = seg->ack; break;
	case MX_SEG_END: b = seg->seq + len; break;
	default: break;
	}
	return b + (uint32_t)v->off;
}

static inline void mx_fmt_seg(char *buf, size_t cap, uint8_t flags, uint32_t seq,
			      uint32_t ack, long win, uint8_t opts, uint16_t mss, size_t len)
{
	char fb[8];

	snprintf(buf, cap, "[%s] seq %u ack %u win %ld opts 0x%x mss %u len %zu",
		 h_flags(flags, fb), seq, (flags & F_ACK) ? ack : 0, win, opts, mss, len);
}

static inline void mx_check_seg(struct mx *m, const struct mx_case *c, int i,
				const struct wire_tcp *sent)
{
	const struct mx_seg *e = &c->out[i];
	struct wire_tcp *o = &m->h.out;
	char want[128], got[128];
	uint32_t seq = mx_resolve(m, sent, &e->seq);
	uint32_t ack = (e->flags & F_ACK) ? mx_resolve(m, sent, &e->ack) : 0;
	/* options: a SYN carries exactly MSS (timestamps, window scaling and SACK are off
	 * in the harness config); nothing else carries any. */
	uint8_t opts = (e->flags & F_SYN) ? WIRE_HAS_MSS : 0;
	uint16_t mss = (e->flags & F_SYN) ? MX_MSS : 0;
	bool ok = o->flags == e->flags && o->seq == seq &&
		  (!(e->flags & F_ACK) || o->ack == ack) && o->win == (uint16_t)e->win &&
		  o->opt.present == opts && (!opts || o->opt.mss == mss) &&
		  o->payload_len == 0 && o->sport == m->lport && o->dport == m->rport &&
		  m->h.out_dst == THEM;

	mx_fmt_seg(want, sizeof want, e->flags, seq, ack, e->win, opts, mss, 0);
	mx_fmt_seg(got, sizeof got, o->flags, o->seq, o->ack, o->win, o->opt.present,
		   o->opt.mss, o->payload_len);
	char in[128];

	mx_fmt_seg(in, sizeof in, sent->flags, sent->seq, sent->ack, 8192, 0, 0,
		   sent->payload_len);
	cr_assert(ok, "%s (fixture %s): segment in %s\n  reply %d:\n  expected %s\n"
		  "  actual   %s (ports %u->%u)", c->name, m->state_name, in, i + 1, want, got,
		  o->sport, o->dport);
}

static inline void mx_expect_silence(struct mx *m, const struct mx_case *c, const char *when)
{
	char got[128];

	if (!h_next(&m->h))
		return;
	mx_fmt_seg(got, sizeof got, m->h.out.flags, m->h.out.seq, m->h.out.ack, m->h.out.win,
		   m->h.out.opt.present, m->h.out.opt.mss, m->h.out.payload_len);
	cr_assert_fail("%s (fixture %s): %s:\n  expected no segment\n  actual   %s", c->name,
		       m->state_name, when, got);
}

/* Cross-checks the fixture against the stack's own view before the case runs. */
static inline void mx_check_fixture(struct mx *m)
{
	struct synack_tcp_info ti;
	int st = mx_state(m);

	if (m->state == SYNACK_STATE_LISTEN) {  /* the listener; no connection yet */
		cr_assert_eq(st, SYNACK_STATE_CLOSED, "fixture LISTEN: a connection exists");
		st = h_state(&m->h, m->lfd);
	}
	cr_assert_eq(st, m->state, "fixture %s: stack says %s", m->state_name,
		     synack_state_name(st));
	if (m->lfd >= 0)
		cr_assert_eq(h_state(&m->h, m->lfd), SYNACK_STATE_LISTEN);
	if (m->fd < 0)
		return;
	cr_assert_eq(synack_tcp_info(m->h.s, m->fd, &ti), 0);
	cr_assert_eq(ti.iss, m->iss, "fixture %s: ISS %u, script says %u", m->state_name,
		     ti.iss, m->iss);
	cr_assert_eq(ti.snd_una, m->snd_una, "fixture %s: SND.UNA %u, script says %u",
		     m->state_name, ti.snd_una, m->snd_una);
	cr_assert_eq(ti.snd_nxt, m->snd_nxt, "fixture %s: SND.NXT %u, script says %u",
		     m->state_name, ti.snd_nxt, m->snd_nxt);
	if (m->has_rcv_nxt) {
		cr_assert_eq(ti.rcv_nxt, m->rcv_nxt, "fixture %s: RCV.NXT %u, script says %u",
			     m->state_name, ti.rcv_nxt, m->rcv_nxt);
		cr_assert_eq(ti.rcv_wnd, MX_WND, "fixture %s: RCV.WND %u", m->state_name,
			     ti.rcv_wnd);
	}
}

static inline void mx_check_after(struct mx *m, const struct mx_case *c,
				  const struct wire_tcp *sent)
{
	struct synack_event ev;
	bool raised = false, bad = false;
	int st = mx_state(m);

	cr_assert_eq(st, c->state, "%s (fixture %s): state after %s, expected %s", c->name,
		     m->state_name, synack_state_name(st), synack_state_name(c->state));
	if (m->lfd >= 0)
		cr_assert_eq(h_state(&m->h, m->lfd), SYNACK_STATE_LISTEN,
			     "%s: the listener left LISTEN", c->name);
	while (synack_poll_event(m->h.s, &ev)) {
		if (ev.fd != m->fd || m->fd < 0)
			continue;
		if (c->ev && (int)ev.kind == c->ev)
			raised = true;
		if (ev.kind == SYNACK_EV_RESET || ev.kind == SYNACK_EV_ERROR)
			bad = c->ev != SYNACK_EV_RESET && c->ev != SYNACK_EV_ERROR;
	}
	if (c->ev)
		cr_assert(raised, "%s: event %d not raised", c->name, c->ev);
	cr_assert(!bad, "%s: unexpected RESET/ERROR event", c->name);
	if (m->fd >= 0) {
		int err = -1;
		size_t n = sizeof err;

		cr_assert_eq(synack_getsockopt(m->h.s, m->fd, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR,
					       &err, &n), 0);
		cr_assert_eq(err, c->err, "%s: SO_ERROR %d, expected %d", c->name, err, c->err);
	}
	if (c->check_una) {
		struct synack_tcp_info ti;
		uint32_t una = mx_resolve(m, sent, &c->una);

		cr_assert_eq(synack_tcp_info(m->h.s, m->fd, &ti), 0);
		cr_assert_eq(ti.snd_una, una, "%s: SND.UNA %u, expected %u", c->name,
			     ti.snd_una, una);
	}
	if (c->check_recv) {
		char buf[64];
		ssize_t n = synack_recv(m->h.s, m->fd, buf, sizeof buf, 0);

		cr_assert_eq(n, (ssize_t)c->len, "%s: recv %zd, expected %u", c->name, n,
			     (unsigned)c->len);
		for (ssize_t i = 0; i < n; i++)
			cr_assert_eq(buf[i], (char)('a' + i));
	}
}

/* Runs one case on a fresh fixture and frees the stack (no leak allowed). */
static inline void mx_run(mx_fixture_fn fix, const struct mx_case *c)
{
	struct mx *m = calloc(1, sizeof *m);
	struct synack_event ev;
	struct wire_tcp sent;
	char data[64];
	uint64_t t0, t_tw = 0;
	int i;

	cr_assert_not_null(m);
	fix(m);
	mx_check_fixture(m);
	while (synack_poll_event(m->h.s, &ev))
		;
	for (i = 0; i < c->len && i < (int)sizeof data; i++)
		data[i] = (char)('a' + i);
	memset(&sent, 0, sizeof sent);
	sent.flags = c->flags;
	sent.payload_len = c->len;
	sent.seq = mx_resolve(m, NULL, &c->seq);
	sent.ack = mx_resolve(m, NULL, &c->ack);
	t0 = m->h.now;
	h_send_opt(&m->h, m->rport, m->lport, c->flags, sent.seq, sent.ack,
		   c->win ? c->win : 8192, NULL, data, c->len, 0);
	if (c->check_2msl) {
		int kind = 0;

		t_tw = h_timer_of_port(&m->h, m->rport == SRV_PORT ? m->lport : m->rport, &kind);
		cr_assert_eq(kind, SYNACK_TIMER_TIME_WAIT, "%s: timer %s", c->name,
			     synack_timer_name(kind));
		cr_assert_eq(t_tw, t0 + 2 * 30 * SEC, "%s: 2MSL deadline %llu, expected %llu",
			     c->name, (unsigned long long)t_tw,
			     (unsigned long long)(t0 + 60 * SEC));
	}
	for (i = 0; i < c->nout && c->out[i].after_ms == 0; i++) {
		cr_assert(h_next(&m->h), "%s (fixture %s): reply %d missing", c->name,
			  m->state_name, i + 1);
		mx_check_seg(m, c, i, &sent);
	}
	mx_expect_silence(m, c, "at once");
	for (; i < c->nout; i++) {
		uint64_t at = t0 + c->out[i].after_ms * MSEC;

		if (at > m->h.now + 1) {
			h_at(&m->h, at - 1);
			mx_expect_silence(m, c, "before the delayed reply");
		}
		h_at(&m->h, at);
		cr_assert(h_next(&m->h), "%s (fixture %s): reply %d (after %u ms) missing",
			  c->name, m->state_name, i + 1, c->out[i].after_ms);
		mx_check_seg(m, c, i, &sent);
		mx_expect_silence(m, c, "after the delayed reply");
	}
	mx_check_after(m, c, &sent);
	h_fini(&m->h);
	free(m);
}

/* One table line = one named test <state>_<event>[_variant]. */
#define MX_CASE(st, nm, ...) \
	static const struct mx_case mx_##st##_##nm = { .name = #st "_" #nm, __VA_ARGS__ }; \
	Test(matrix_##st, st##_##nm) { mx_run(mx_fix_##st, &mx_##st##_##nm); }

/* A case the engine does not pass yet: compiled, disabled (skipped, not passed), and
 * listed in tests/matrix-pending.md with the RFC citation and the engine's answer. */
#define MX_PENDING(st, nm, ...) \
	static const struct mx_case mx_##st##_##nm = { .name = #st "_" #nm, __VA_ARGS__ }; \
	Test(matrix_##st, st##_##nm, .disabled = true) { mx_run(mx_fix_##st, &mx_##st##_##nm); }

/* Shorthands for expected replies. */
#define OUT0 .nout = 0
#define OUT1(f, s, a, w) .nout = 1, .out = { { (f), s, a, (w), 0 } }
#define OUT1_LATE(f, s, a, w, ms) .nout = 1, .out = { { (f), s, a, (w), (ms) } }
/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: the dup / challenge ACK of §3.10.7.4 */
#define OUT_ACK_NOW OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 0), MX_WND)

/*
 * The cases that read the same in every synchronized state with a full TCB (ESTABLISHED,
 * FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK): each answer is
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> or nothing, and the state does not change.
 * RCV.WND = MX_WND; the right edge is RCV.NXT+RCV.WND. ok_ack is an acceptable SEG.ACK.
 */
#define MX_SYNC_COMMON(st, STATE, ok_ack) \
	/* RFC 9293 §3.10.7.4 second check / RFC 5961 §3.2: RST in the window but not at \
	 * RCV.NXT → challenge ACK; outside the window (left of RCV.NXT, at or beyond \
	 * RCV.NXT+RCV.WND) → silently dropped */ \
	MX_CASE(st, rst_in_window, .flags = F_RST, .seq = AT(RCV_NXT, 1), OUT_ACK_NOW, \
		.state = STATE) \
	MX_CASE(st, rst_right_edge_inside, .flags = F_RST, .seq = AT(RCV_NXT, MX_WND - 1), \
		OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, rst_ack_in_window, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 100), \
		.ack = ok_ack, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, rst_at_right_edge, .flags = F_RST, .seq = AT(RCV_NXT, MX_WND), OUT0, \
		.state = STATE) \
	MX_CASE(st, rst_old, .flags = F_RST, .seq = AT(RCV_NXT, -1), OUT0, .state = STATE) \
	MX_CASE(st, rst_outside, .flags = F_RST, .seq = AT(RCV_NXT, 0x40000000), OUT0, \
		.state = STATE) \
	MX_CASE(st, rst_ack_old, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, -1), \
		.ack = ok_ack, OUT0, .state = STATE) \
	/* §3.10.7.4 fourth check / RFC 5961 §4.2: a SYN in a synchronized state, \
	 * "irrespective of the sequence number", gets a challenge ACK (out of the window \
	 * the first check sends the same ACK) */ \
	MX_CASE(st, syn_at_rcv_nxt, .flags = F_SYN, .seq = AT(RCV_NXT, 0), OUT_ACK_NOW, \
		.state = STATE) \
	MX_CASE(st, syn_in_window, .flags = F_SYN, .seq = AT(RCV_NXT, 100), OUT_ACK_NOW, \
		.state = STATE) \
	MX_CASE(st, syn_old, .flags = F_SYN, .seq = AT(RCV_NXT, -1000), OUT_ACK_NOW, \
		.state = STATE) \
	MX_CASE(st, syn_at_right_edge, .flags = F_SYN, .seq = AT(RCV_NXT, MX_WND), \
		OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, syn_ack_in_window, .flags = F_SYN | F_ACK, .seq = AT(RCV_NXT, 0), \
		.ack = ok_ack, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, syn_fin_in_window, .flags = F_SYN | F_FIN, .seq = AT(RCV_NXT, 10), \
		OUT_ACK_NOW, .state = STATE) \
	/* §3.10.7.4 first check: an unacceptable segment (Table 6) is answered with \
	 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped */ \
	MX_CASE(st, ack_old_seq, .flags = F_ACK, .seq = AT(RCV_NXT, -1), .ack = ok_ack, \
		OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, ack_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND), \
		.ack = ok_ack, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, data_old, .flags = F_ACK, .seq = AT(RCV_NXT, -10), .ack = ok_ack, \
		.len = 10, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, data_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND), \
		.ack = ok_ack, .len = 1, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, data_outside, .flags = F_ACK, .seq = AT(RCV_NXT, 0x40000000), \
		.ack = ok_ack, .len = 10, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, fin_ack_old, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -2), \
		.ack = ok_ack, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, fin_ack_at_right_edge, .flags = F_FIN | F_ACK, \
		.seq = AT(RCV_NXT, MX_WND), .ack = ok_ack, OUT_ACK_NOW, .state = STATE) \
	/* §3.10.7.4 fifth check: "if the ACK bit is off, drop the segment and return" */ \
	MX_CASE(st, fin_no_ack, .flags = F_FIN, .seq = AT(RCV_NXT, 0), OUT0, .state = STATE) \
	MX_CASE(st, data_no_ack, .flags = F_PSH, .seq = AT(RCV_NXT, 0), .len = 10, OUT0, \
		.state = STATE) \
	/* fifth check with RFC 5961 §5.2 (MAY-12): SEG.ACK outside \
	 * [SND.UNA - MAX.SND.WND, SND.NXT] → discarded, ACK sent (a challenge ACK); data \
	 * on such a segment is not taken */ \
	MX_CASE(st, ack_beyond_snd_nxt, .flags = F_ACK, .seq = AT(RCV_NXT, 0), \
		.ack = AT(SND_NXT, 1), OUT_ACK_NOW, .state = STATE, \
		.check_una = true, .una = AT(SND_UNA, 0)) \
	MX_CASE(st, ack_too_old, .flags = F_ACK, .seq = AT(RCV_NXT, 0), \
		.ack = AT(SND_UNA, -70000), OUT_ACK_NOW, .state = STATE, \
		.check_una = true, .una = AT(SND_UNA, 0)) \
	MX_CASE(st, data_ack_beyond_snd_nxt, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0), \
		.ack = AT(SND_NXT, 1), .len = 10, OUT_ACK_NOW, .state = STATE) \
	MX_CASE(st, fin_ack_too_old, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0), \
		.ack = AT(SND_UNA, -70000), OUT_ACK_NOW, .state = STATE) \
	/* fifth check, ESTABLISHED rules: "If the ACK is a duplicate (SEG.ACK =< SND.UNA), \
	 * it can be ignored" — also an old one inside RFC 5961's range */ \
	MX_CASE(st, ack_dup, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AT(SND_UNA, 0), \
		OUT0, .state = STATE, .check_una = true, .una = AT(SND_UNA, 0)) \
	MX_CASE(st, ack_old, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AT(SND_UNA, -1000), \
		OUT0, .state = STATE, .check_una = true, .una = AT(SND_UNA, 0)) \
	MX_CASE(st, ack_dup_right_edge_inside, .flags = F_ACK, \
		.seq = AT(RCV_NXT, MX_WND - 1), .ack = AT(SND_UNA, 0), OUT0, .state = STATE)

#endif
