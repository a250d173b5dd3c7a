/*
 * synq.c — half-open connections as compact entries (RFC 9293 §3.10.7.2 and the
 * SYN-RECEIVED part of §3.10.7.4; RFC 4987 §3.1 "half-open" state kept small; S06, S16,
 * S18, S22), and the stateless SYN-ACKs of SYN cookies (RFC 4987 §3.6).
 *
 * A SYN to a listener makes a struct tcp_reqsk (4-tuple, ISS, IRS, the peer's options
 * and window, retransmission count, listener link: about 130 bytes) on the listener's
 * SYN queue, in the stack's half-open hash and in its own timing wheel (SYN-ACK
 * retransmission: RTO rto_initial_ms doubling, synack_retries times, then dropped
 * silently). No control block exists until the handshake completes: an acceptable ACK
 * "promotes" the entry into a tcb in SYN-RECEIVED which then runs the normal §3.10.7.4
 * pipeline on that same segment (ACK → ESTABLISHED → accept queue; data and FIN on the
 * third segment are processed there, S06/S20). A valid SYN-cookie ACK is promoted the
 * same way from an entry rebuilt from the cookie.
 *
 * Segments for an entry, before promotion (§3.10.7.4 in SYN-RECEIVED from LISTEN):
 *   not acceptable (first check): a retransmitted SYN (SEG.SEQ = IRS) resends the
 *     SYN-ACK; a RST is dropped; anything else gets <SEQ=ISS+1><ACK=RCV.NXT><CTL=ACK>.
 *   RST at RCV.NXT: the entry goes (back to LISTEN, MUST-11); elsewhere in the window:
 *     a challenge ACK (RFC 5961 §3.2), from one rate-limit budget shared by all entries
 *     and TIME-WAIT records (an entry has no room for its own).
 *   SYN (a new one, in window): the entry goes, back to LISTEN (as before).
 *   no ACK: dropped. ACK not acknowledging exactly our SYN: <SEQ=SEG.ACK><CTL=RST>.
 *   PAWS (timestamps): an older TSval gets an ACK and is dropped (RFC 7323 §5.3).
 *   ACK while the accept queue is full: dropped, the client retries (Linux).
 * The output routine writes the SYN-ACKs (output.c emit_synack, from tcp_synq_header).
 */
#include <errno.h>
#include <string.h>

#include "base/keyedhash.h"
#include "tcp/ecn.h"
#include "tcp/input.h"
#include "tcp/isn.h"
#include "tcp/route.h"
#include "tcp/syncookie.h"
#include "tcp/tcb.h"

#define MS 1000000ull

struct tcp_reqsk *tcp_synq_lookup(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
				  uint32_t raddr, uint16_t rport)
{
	return tcp_synq_lookup_hashed(ts, tcp_tuple_hash(ts, laddr, lport, raddr, rport), laddr,
				      lport, raddr, rport);
}

static inline __attribute__((always_inline)) void synq_free(struct tcp_stack *ts,
							    struct tcp_reqsk *r)
{
	hash_remove(&ts->synq_hash, &r->hnode);
	timer_cancel(&ts->synq_wheel, &r->tnode);
	list_remove(&r->qlink);
	list_remove(&r->out_link);
	r->listener->synq_len--;
	tcp_route_free(ts, &r->ipopts);
	base_bufcache_obj_free(&ts->bufcache, TCP_REQSK_OBJ_SLOT, r);
}

void tcp_synq_free(struct tcp_stack *ts, struct tcp_reqsk *r)
{
	synq_free(ts, r);
}

/*
 * Makes r from the listener l and the peer's SYN s: every field written once, with no
 * clearing of the whole entry first (base_zero's call and the ~160 bytes of stores, or a
 * `rep stos`, cost more than the few zero fields written here). Zero: the ISS, the
 * timestamp offset, the retransmission counts, the send time, no cookie, no return
 * route (the callers set what they have); the list links and the timer node unlinked.
 * hnode is its table's to write (hash_insert; a cookie's entry is never in a table).
 * A field added to struct tcp_reqsk must be set here: the _Static_assert below names
 * the size this was written for. Always inline: every SYN to a listener fills an entry
 * (tcp_synq_add), and the call's frame (six registers saved and restored) cost more
 * than the stores.
 */
_Static_assert(sizeof(void *) != 8 || sizeof(struct tcp_reqsk) == 160,
	       "struct tcp_reqsk changed: set its new fields in fill_from_syn");
static inline __attribute__((always_inline)) void
fill_from_syn(struct tcp_stack *ts, struct tcp_reqsk *r, struct tcb *l, uint32_t laddr,
	      uint32_t raddr, const struct wire_tcp *s)
{
	uint32_t own = ts->cfg.mtu - 40;

	timer_node_init(&r->tnode);
	list_init(&r->qlink);
	list_init(&r->out_link);
	r->listener = l;
	r->laddr = laddr;
	r->raddr = raddr;
	r->lport = s->dport;
	r->rport = s->sport;
	r->iss = 0;
	r->irs = s->seq;
	r->ts_ok = ts->cfg.timestamps && (s->opt.present & WIRE_HAS_TS);
	r->ts_recent = r->ts_ok ? s->opt.ts_val : 0;
	r->cookie_tsval = 0;
	r->ts_offset = 0;
	r->synack_sent_ns = 0;
	r->peer_mss = (s->opt.present & WIRE_HAS_MSS) ? s->opt.mss : 536;     /* MUST-15 */
	r->snd_wnd = s->win;
	r->rcv_mss = (uint16_t)(l->opt.maxseg && l->opt.maxseg < own ? l->opt.maxseg : own);
	r->win = (uint16_t)(l->opt.rcvbuf < 65535 ? l->opt.rcvbuf : 65535);
	r->peer_wscale = (ts->cfg.window_scaling && (s->opt.present & WIRE_HAS_WS))
				 ? (uint8_t)(s->opt.wscale > 14 ? 14 : s->opt.wscale) : 0xff;
	r->rcv_wscale = r->peer_wscale != 0xff ? tcp_rcv_wscale(ts, &l->opt) : 0;
	r->retransmits = 0;
	r->resent = 0;
	r->ip_ttl = l->opt.ip_ttl;
	r->ip_tos = l->opt.ip_tos;
	r->cookie = false;
	r->sack_ok = ts->cfg.sack && (s->opt.present & WIRE_HAS_SACKOK);     /* RFC 2018 §2 */
	r->ecn_ok = tcp_ecn_syn_ok(ts, s);                                    /* RFC 3168 */
	r->ipopts = NULL;
}

/* RFC 7323 §5.4: the 4-tuple's timestamp offset, when timestamps are on (isn.h). */
static void set_ts_offset(struct tcp_stack *ts, struct tcp_reqsk *r)
{
	if (r->ts_ok)
		r->ts_offset = tcp_ts_offset(ts->isn_key, r->laddr, r->lport, r->raddr, r->rport);
}

static void arm(struct tcp_stack *ts, struct tcp_reqsk *r)
{
	uint64_t rto = (uint64_t)ts->cfg.rto_initial_ms * MS << r->retransmits;

	timer_arm(&ts->synq_wheel, &r->tnode, ts->now_ns + rto);
}

static void want_synack(struct tcp_stack *ts, struct tcp_reqsk *r)
{
	if (r->out_link.next == &r->out_link) {
		list_push_back(&ts->synack_out, &r->out_link);
		tcp_mark_output(ts, TCP_OUT_QUEUES);
	}
}

/* A note about entry r: tuple from r, states given. */
static void synq_note(struct tcp_stack *ts, const struct tcp_reqsk *r, uint8_t dir,
		      uint8_t verdict, uint8_t before, uint8_t after,
		      const struct wire_tcp *seg, const char *reason)
{
	struct synack_note *n;

	tcp_note(ts, NULL, dir, verdict, before, seg, r->laddr, r->raddr, reason);
	n = tcp_note_last(ts);
	if (!n)
		return;
	n->state_after = after;
	n->lport = r->lport;
	n->rport = r->rport;
	if (dir == SYNACK_NOTE_TIMER)
		n->timer = SYNACK_TIMER_SYNACK;
}

struct tcp_reqsk *tcp_synq_add(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcb *l = c->tcb;
	/* from the stack's cache directly, as a tcb (tcb.c) */
	struct tcp_reqsk *r = base_bufcache_obj_alloc(&ts->bufcache, TCP_REQSK_OBJ_SLOT);

	if (!r) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		return NULL;
	}
	fill_from_syn(ts, r, l, c->laddr, c->raddr, c->seg);
	/* RFC 9293 §3.9.2.1 MUST-53: the SYN's return route, for the SYN-ACK and after */
	if (ts->rx_route && !tcp_route_set(ts, &r->ipopts, ts->rx_route)) {
		base_bufcache_obj_free(&ts->bufcache, TCP_REQSK_OBJ_SLOT, r);
		return NULL;
	}
	/* §3.10.7.2: ISS selected (RFC 6528), or beyond a reopened TIME-WAIT (RFC 6191) */
	tcp_tuple_isn(ts, r->laddr, r->lport, r->raddr, r->rport, &r->iss,
		      &r->ts_offset);   /* the lookup's PRF output (isn.h) */
	if (c->has_reopen_iss)
		r->iss = c->reopen_iss;
	if (!r->ts_ok)
		r->ts_offset = 0;
	hash_insert(&ts->synq_hash, &r->hnode, c->hash);   /* the SYN's 4-tuple hash */
	list_push_back(&l->synq, &r->qlink);
	l->synq_len++;
	arm(ts, r);
	want_synack(ts, r);
	return r;
}

/* ---- promotion: the handshake completes ------------------------------------------- */

/* A SYN-RECEIVED tcb (from LISTEN) equal to what r describes, counted on r's listener's
 * SYN queue (TCP_Q_SYN, unlinked) so tcp_on_established moves it to the accept queue. */
static struct tcb *promote(struct tcp_stack *ts, const struct tcp_reqsk *r, uint32_t h)
{
	struct tcb *l = r->listener;
	struct tcb *t = tcp_tcb_new(ts, &l->opt);       /* the listener's options, copied once */
	uint32_t own;

	if (!t)
		return NULL;
	t->laddr = r->laddr;
	t->lport = r->lport;
	t->raddr = r->raddr;
	t->rport = r->rport;
	tcp_set_bound(ts, t);
	t->parent = l;
	t->from_listen = true;          /* MUST-11 */
	if (r->ipopts && !tcp_route_set(ts, &t->ipopts, r->ipopts)) {
		tcp_tcb_free(ts, t);
		return NULL;
	}
	tcp_rare_sync_route(t);
	t->iss = r->iss;
	t->snd_una = r->iss;
	t->snd_nxt = t->snd_max = r->iss + 1;
	t->irs = r->irs;
	t->rcv_nxt = r->irs + 1;
	t->rcv_wnd = r->win;
	t->rcv_adv = t->rcv_nxt + r->win;       /* what our SYN-ACK offered */
	t->rcv_mss = r->rcv_mss;
	own = r->rcv_mss;
	t->snd_mss = (uint16_t)(r->peer_mss < own ? r->peer_mss : own);
	if (!t->snd_mss)
		t->snd_mss = 1;
	t->ws_ok = r->peer_wscale != 0xff;
	t->snd_wscale = t->ws_ok ? r->peer_wscale : 0;
	t->rcv_wscale = t->ws_ok ? r->rcv_wscale : 0;
	t->ts_ok = r->ts_ok;
	t->sack_ok = r->sack_ok;
	t->ecn_flags = r->ecn_ok ? TCP_ECN_OK : 0;
	if (t->ts_ok) {
		t->ts_recent = r->ts_recent;
		t->ts_recent_ns = ts->now_ns;
		t->ts_offset = r->ts_offset;
		if (t->snd_mss > 12 + 1)
			t->snd_mss -= 12;
	}
	t->snd_wnd = r->snd_wnd;
	t->snd_wl1 = r->irs;
	t->snd_wl2 = r->iss;
	t->last_rcv_ns = ts->now_ns;
	/* RFC 5681 §3.1: a lost SYN-ACK makes the initial window one segment (tcp_cc_init
	 * reads total_retrans; Linux: newtp->total_retrans = req->num_retrans) */
	t->total_retrans = (uint32_t)r->retransmits + r->resent;
	if (!t->total_retrans && r->synack_sent_ns && !r->cookie) {
		/* RFC 6298 §3 with Karn's rule: the SYN-ACK, sent once, was timed (Linux
		 * tcp_synack_rtt_meas) */
		uint64_t us = (ts->now_ns - r->synack_sent_ns) / 1000;

		tcp_rtt_sample(&t->rtt, (uint32_t)(us > 0xffffffffu ? 0xffffffffu : us),
			       ts->cfg.rto_min_ms * 1000u, ts->cfg.rto_max_ms * 1000u);
	}
	tcp_set_state(t, TCP_SYN_RECEIVED);
	tcp_hash_insert_hashed(ts, t, h);
	if (t->ipopts)
		tcp_uncache(ts, t);     /* the SYN's return route: the demux's (tcb.h) */
	t->queued = TCP_Q_SYN;
	l->synq_len++;
	return t;
}

bool tcp_synq_promote(struct seg_ctx *c, const struct tcp_reqsk *r)
{
	struct tcb *t = promote(c->ts, r, c->hash);     /* r's 4-tuple is the segment's */

	if (!t)
		return false;
	c->tcb = t;
	c->st_before = TCP_SYN_RECEIVED;
	return true;
}

/* ---- segments for an entry --------------------------------------------------------- */

static void ack_from_entry(struct tcp_stack *ts, const struct tcp_reqsk *r)
{
	struct tcp_ctl *k = tcp_queue_ctl(ts, r->laddr, r->lport, r->raddr, r->rport,
					  r->iss + 1, r->irs + 1, WIRE_TCP_ACK);

	if (!k)
		return;
	k->win = r->win;
	k->has_ts = r->ts_ok;
	k->ts_ecr = r->ts_recent;
	k->has_ts_offset = r->ts_ok;
	k->ts_offset = r->ts_offset;
}

static void entry_oow_ack(struct seg_ctx *c, const struct tcp_reqsk *r)
{
	if (!tcp_oow_tuple_limited(c))
		ack_from_entry(c->ts, r);
}

static bool seq_ok(const struct tcp_reqsk *r, uint32_t seq, uint32_t len)
{
	uint32_t nxt = r->irs + 1;

	if (len == 0)
		return seq_in(seq, nxt, nxt + r->win);
	return seq_in(seq, nxt, nxt + r->win) || seq_in(seq + len - 1, nxt, nxt + r->win);
}

/* Returns true when the segment completes the handshake: c->tcb is then the promoted
 * tcb (the entry freed) and the caller runs the §3.10.7.4 pipeline on it. */
bool tcp_synq_input(struct seg_ctx *c, struct tcp_reqsk *r)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *s = c->seg;
	uint32_t len = (uint32_t)s->payload_len + !!(s->flags & WIRE_TCP_SYN) +
		       !!(s->flags & WIRE_TCP_FIN);
	const uint8_t SR = TCP_SYN_RECEIVED;

	if (r->ts_ok && (s->opt.present & WIRE_HAS_TS) && !(s->flags & WIRE_TCP_RST) &&
	    seq_lt(s->opt.ts_val, r->ts_recent)) {
		tcp_count(ts, SYNACK_CTR_TCP_PAWS);
		entry_oow_ack(c, r);
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACKED, SR, SR, s,
			  "dropped: PAWS (old timestamp)");
		return false;
	}
	if (!seq_ok(r, s->seq, len)) {
		if (s->flags & WIRE_TCP_RST) {
			synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_DROPPED, SR, SR, s,
				  "dropped: RST out of window");
		} else if ((s->flags & WIRE_TCP_SYN) && s->seq == r->irs) {
			/* our SYN-ACK was lost: resend it now (Linux), timer unchanged */
			if (r->resent < UINT8_MAX)
				r->resent++;
			want_synack(ts, r);
			synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, SR, SR, s,
				  "SYN retransmitted: SYN-ACK resent");
		} else {
			tcp_count(ts, SYNACK_CTR_TCP_NOT_ACCEPTABLE);
			entry_oow_ack(c, r);
			synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACKED, SR, SR, s,
				  "dropped: not acceptable");
		}
		return false;
	}
	if (s->flags & WIRE_TCP_RST) {
		if (s->seq != r->irs + 1) {
			/* RFC 5961 §3.2: a challenge ACK; entries share the stack's budget */
			if (!tcp_challenge_allow(&ts->tw_challenge, ts->now_ns,
						 ts->cfg.challenge_ack_limit)) {
				tcp_count(ts, SYNACK_CTR_TCP_CHALLENGE_LIMITED);
				synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_DROPPED, SR, SR, s,
					  "dropped: challenge ACK rate-limited");
				return false;
			}
			tcp_count(ts, SYNACK_CTR_TCP_CHALLENGE_ACK);
			entry_oow_ack(c, r);
			synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACKED, SR, SR, s,
				  "challenge ACK: RST in window, not at RCV.NXT");
			return false;
		}
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, SR, TCP_LISTEN, s,
			  "RST: SYN-RECEIVED returns to LISTEN");
		tcp_synq_free(ts, r);
		return false;
	}
	if (s->flags & WIRE_TCP_SYN) {
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, SR, TCP_LISTEN, s,
			  "SYN in SYN-RECEIVED: returns to LISTEN");
		tcp_synq_free(ts, r);
		return false;
	}
	if (!(s->flags & WIRE_TCP_ACK)) {
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_DROPPED, SR, SR, s, "dropped: no ACK");
		return false;
	}
	if (s->ack != r->iss + 1) {
		tcp_reply_rst(c);
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_RESET, SR, SR, s,
			  "RST sent: unacceptable ACK in SYN-RECEIVED");
		return false;
	}
	if (r->listener->acceptq_len >= r->listener->backlog) {
		/* Linux (tcp_abort_on_overflow 0): ignore the ACK, the client retries */
		tcp_count(ts, SYNACK_CTR_TCP_ACCEPTQ_FULL);
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_DROPPED, SR, SR, s,
			  "ACK dropped: accept queue full");
		return false;
	}
	if (!tcp_synq_promote(c, r)) {
		synq_note(ts, r, SYNACK_NOTE_IN, SYNACK_V_DROPPED, SR, SR, s,
			  "dropped: no memory for the connection");
		return false;
	}
	synq_free(ts, r);       /* inline: the entry of every completed handshake */
	return true;
}

/* ---- SYN-ACK retransmission (S06) ---------------------------------------------------- */

void tcp_synq_timers_run(struct tcp_stack *ts)
{
	struct timer_node *n;

	while ((n = timer_pop_expired(&ts->synq_wheel, ts->now_ns))) {
		struct tcp_reqsk *r = container_of(n, struct tcp_reqsk, tnode);

		if (r->retransmits >= ts->cfg.synack_retries) {
			/* S06: the half-open entry is dropped silently */
			tcp_count(ts, SYNACK_CTR_TCP_SYNACK_GIVEUP);
			synq_note(ts, r, SYNACK_NOTE_TIMER, SYNACK_V_TIMED_OUT, TCP_SYN_RECEIVED,
				  TCP_CLOSED, NULL,
				  "SYN-ACK retries exhausted: half-open entry dropped");
			tcp_synq_free(ts, r);
			continue;
		}
		r->retransmits++;
		tcp_count(ts, SYNACK_CTR_TCP_RETRANS);
		synq_note(ts, r, SYNACK_NOTE_TIMER, SYNACK_V_FIRED, TCP_SYN_RECEIVED,
			  TCP_SYN_RECEIVED, NULL, "SYN-ACK retransmission timeout");
		arm(ts, r);             /* RFC 6298 (5.5)-(5.6): doubled */
		want_synack(ts, r);
	}
}

uint64_t tcp_synq_next_deadline(struct tcp_stack *ts)
{
	return timer_next_deadline(&ts->synq_wheel);
}

/* ---- the SYN-ACK builder used by output --------------------------------------------- */

void tcp_synq_header(const struct tcp_stack *ts, const struct tcp_reqsk *r,
		     struct wire_tcp *seg)
{
	memset(seg, 0, sizeof *seg);
	seg->sport = r->lport;
	seg->dport = r->rport;
	seg->seq = r->iss;
	seg->ack = r->irs + 1;
	seg->flags = WIRE_TCP_SYN | WIRE_TCP_ACK | (r->ecn_ok ? WIRE_TCP_ECE : 0);
	seg->win = r->win;
	seg->opt.present = WIRE_HAS_MSS;
	seg->opt.mss = r->rcv_mss;
	if (r->peer_wscale != 0xff) {
		seg->opt.present |= WIRE_HAS_WS;
		seg->opt.wscale = r->rcv_wscale;
	}
	if (r->sack_ok)
		seg->opt.present |= WIRE_HAS_SACKOK;
	if (r->ts_ok) {
		seg->opt.present |= WIRE_HAS_TS;
		seg->opt.ts_val = tcp_synq_tsval(ts, r);
		seg->opt.ts_ecr = r->ts_recent;
	}
}

void tcp_synq_sent(struct tcp_stack *ts, struct tcp_reqsk *r, const struct wire_tcp *seg)
{
	struct synack_note *n;

	r->synack_sent_ns = ts->now_ns;
	tcp_note(ts, NULL, SYNACK_NOTE_OUT, SYNACK_V_SENT,
		 r->cookie ? TCP_LISTEN : TCP_SYN_RECEIVED, seg, r->laddr, r->raddr,
		 r->cookie ? "sent: SYN-ACK with a SYN cookie" : "sent");
	n = tcp_note_last(ts);
	if (n)
		n->state_after = r->cookie ? TCP_LISTEN : TCP_SYN_RECEIVED;
}

/* ---- SYN cookies (RFC 4987 §3.6; syncookie.h) ------------------------------------------ */

/*
 * Automatic key rotation: every TCP_COOKIE_ROTATE_NS (256 s, four counter periods) the
 * cookie key is replaced by SipHash of the current key (two calls, domain bytes 'K' 0 and
 * 'K' 1), lazily when a cookie is made or checked. The engine has no random source, so
 * the new key is derived, not drawn: its value is as secret as the stack's secret. A
 * cookie made under a key validates until the second rotation after it (syncookie.h),
 * i.e. at least 256 s, above a cookie's 64..128 s life: rotation never cuts one short.
 * synack_stack_rotate_cookie_key installs a caller-supplied (random) key at any time.
 */
#define TCP_COOKIE_ROTATE_NS (4 * TCP_COOKIE_PERIOD_NS)

static void rotate_if_due(struct tcp_stack *ts)
{
	if (!ts->cookie_rotated_ns) {
		ts->cookie_rotated_ns = ts->now_ns ? ts->now_ns : 1;
		return;
	}
	while (ts->now_ns - ts->cookie_rotated_ns >= TCP_COOKIE_ROTATE_NS) {
		const uint8_t *cur = ts->cookie_keys.key[ts->cookie_keys.cur];
		uint8_t in0[2] = { 'K', 0 }, in1[2] = { 'K', 1 }, next[16];
		uint64_t a = base_siphash24(cur, in0, sizeof in0);
		uint64_t b = base_siphash24(cur, in1, sizeof in1);

		memcpy(next, &a, 8);
		memcpy(next + 8, &b, 8);
		tcp_cookie_rotate(&ts->cookie_keys, next);
		ts->cookie_rotated_ns += TCP_COOKIE_ROTATE_NS;
	}
}

bool tcp_synq_send_cookie(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	struct tcp_reqsk *r;
	uint16_t mss, used;

	if (ts->cookie_len == TCP_COOKIE_QUEUE) {
		tcp_count(ts, SYNACK_CTR_OUT_QUEUE_FULL);
		return false;
	}
	rotate_if_due(ts);
	r = &ts->cookieq[(ts->cookie_head + ts->cookie_len) % TCP_COOKIE_QUEUE];
	fill_from_syn(ts, r, c->tcb, c->laddr, c->raddr, c->seg);
	set_ts_offset(ts, r);
	r->cookie = true;
	if (ts->rx_route) {
		/* the return route rides with the cookie SYN-ACK only: the connection
		 * learns it again from the ACK that completes it (route.h) */
		r->ipopts = &ts->cookie_route[r - ts->cookieq];
		*r->ipopts = *ts->rx_route;
	}
	/* the options we cannot remember: WS, SACK-permitted and ECN ride in the TSval,
	 * so without timestamps the connection goes without them (Linux does the same:
	 * tcp_conn_request clears ecn_ok for a cookie without timestamps) */
	if (!r->ts_ok) {
		r->peer_wscale = 0xff;
		r->sack_ok = false;
		r->ecn_ok = false;
	}
	mss = r->peer_mss < r->rcv_mss ? r->peer_mss : r->rcv_mss;
	r->iss = tcp_cookie_make(&ts->cookie_keys, r->laddr, r->lport, r->raddr, r->rport,
				 r->irs, mss, ts->now_ns, &used);
	r->peer_mss = used;
	if (r->ts_ok)
		r->cookie_tsval = tcp_cookie_ts_encode(
			(uint32_t)(ts->now_ns / MS) + r->ts_offset,
			r->peer_wscale == 0xff ? -1 : r->peer_wscale, r->sack_ok, r->ecn_ok);
	ts->cookie_len++;
	tcp_mark_output(ts, TCP_OUT_QUEUES);
	tcp_count(ts, SYNACK_CTR_TCP_COOKIES_SENT);
	return true;
}

int tcp_synq_check_cookie(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *s = c->seg;
	struct tcp_reqsk r;
	int mss, ws = -1;
	bool sack = false, ecn = false;

	rotate_if_due(ts);
	mss = tcp_cookie_check(&ts->cookie_keys, c->laddr, s->dport, c->raddr, s->sport,
			       s->seq - 1, s->ack - 1, ts->now_ns);
	if (mss <= 0)
		return mss;
	fill_from_syn(ts, &r, c->tcb, c->laddr, c->raddr, s);
	set_ts_offset(ts, &r);
	r.cookie = true;
	r.irs = s->seq - 1;
	r.iss = s->ack - 1;
	r.peer_mss = (uint16_t)mss;
	r.peer_wscale = 0xff;
	r.sack_ok = false;
	r.ecn_ok = false;
	/* fill_from_syn read the ACK's options: only TS means something here */
	if (r.ts_ok) {
		tcp_cookie_ts_decode(s->opt.ts_ecr, &ws, &sack, &ecn);
		r.sack_ok = sack && ts->cfg.sack;
		r.ecn_ok = ecn && ts->cfg.tcp_ecn;      /* Linux cookie_ecn_ok */
		if (ws >= 0 && ts->cfg.window_scaling)
			r.peer_wscale = (uint8_t)ws;
		r.rcv_wscale = r.peer_wscale != 0xff ? tcp_rcv_wscale(ts, &c->tcb->opt) : 0;
	}
	if (!tcp_synq_promote(c, &r))
		return 0;
	c->tcb->cookie_child = true;
	return mss;
}
