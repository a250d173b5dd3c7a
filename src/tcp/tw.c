/*
 * tw.c — TIME-WAIT as compact records (RFC 9293 §3.6, §3.10.7.4 "TIME-WAIT STATE";
 * RFC 6191 §2; RFC 1337; RFC 7323 §5 PAWS), built on the table of timewait.h.
 *
 * A connection that reaches TIME-WAIT with no descriptor (or whose descriptor is closed
 * in TIME-WAIT) becomes a 64-byte struct tw_entry and its control block is freed. A
 * connection whose descriptor is still open stays a full tcb in TIME-WAIT (the user
 * can still see the state) until close() turns it into a record.
 *
 * Segments for a record (after the connection hash, before the listeners), and for a
 * full tcb in TIME-WAIT (through a copy of its fields, so both behave alike):
 *   RST:   ignored and counted when rfc1337 is on (RFC 1337); otherwise a RST at
 *          exactly RCV.NXT removes the record (RFC 5961 §3.2), any other is dropped.
 *   PAWS:  a non-SYN segment with a TSval older than TS.Recent: ACK, drop (RFC 7323 §5.3).
 *   SYN:   reopens the 4-tuple when may_reopen agrees (RFC 6191 §2, strict as Linux) and a listener
 *          takes it; otherwise answered with an ACK (§3.10.7.4 fourth check, RFC 5961 §4
 *          challenge ACK; Linux answers TCP_TW_ACK), the record unchanged.
 *   FIN retransmitted (SEG.SEQ + SEG.LEN + 1 == RCV.NXT): ACK, restart 2MSL (§3.10.7.4
 *          eighth check: "Acknowledge it, and restart the 2 MSL timeout").
 *   a pure ACK at RCV.NXT: acceptable, nothing to do: dropped silently.
 *   SEG.ACK beyond SND.NXT or more than 65535 behind it: challenge ACK (RFC 5961 §5.2).
 *   anything else (old duplicates, data, out of window): ACK, drop (§3.10.7.4 first
 *          check: "an acknowledgment should be sent in reply").
 * Challenge ACKs from records share one per-stack RFC 5961 §7 budget (a record has no
 * room for its own).
 *
 * ISN of a new incarnation (reopen by a SYN, or connect() under tw_reuse): the RFC 6528
 * ISN, or the old SND.NXT + 65537 (Linux's tw_snd_nxt + 65535 + 2) when that is later in
 * sequence space. The RFC 6528 clock normally wins (250,000 per second of 2MSL), but a
 * connection that sent more than that during its life would otherwise start the new
 * incarnation inside the old one's sequence space, which RFC 9293 §3.4.1 forbids.
 */
#include <errno.h>
#include <string.h>

#include "ip/ip.h"
#include "tcp/input.h"
#include "tcp/isn.h"
#include "tcp/tcb.h"
#include "tcp/timewait.h"

#define MS 1000000ull

int tcp_tw_init(struct tcp_stack *ts)
{
	/* keyed with the ISN key: the table's hash and the ISN are two parts of one PRF
	 * output per 4-tuple (isn.h), computed once (tcb.h tcp_tuple_isn) */
	return tw_init(&ts->tw, &ts->alloc, ts->isn_key);
}

uint32_t tcp_reincarnation_iss(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
			       uint32_t raddr, uint16_t rport, uint32_t old_snd_nxt)
{
	uint32_t floor = old_snd_nxt + 65537;
	uint32_t isn, ts_offset;

	tcp_tuple_isn(ts, laddr, lport, raddr, rport, &isn, &ts_offset);

	return seq_gt(isn, floor) ? isn : floor;
}

/*
 * Linux tcp_twsk_unique: only with timestamps (they tell old duplicates apart), and only
 * once the peer's last timestamp is more than 1 s old: RFC 7323 §5.4 lets a timestamp
 * clock tick as slowly as once a second, so by then every segment of the new
 * incarnation carries a TSval beyond the old one's. Linux compares whole seconds
 * (get_seconds() after the stamp's second: 0..1 s); we take "more than 1 s" exactly.
 */
bool tcp_tw_may_reuse(const struct tcp_stack *ts, bool had_ts, uint64_t ts_recent_ns,
		      uint32_t raddr)
{
	if (!had_ts || !ts->cfg.tw_reuse)
		return false;
	if (ts->now_ns < ts_recent_ns || ts->now_ns - ts_recent_ns <= 1000 * MS)
		return false;
	return ts->cfg.tw_reuse == 1 || ip_is_loopback(raddr);
}

/*
 * A record does not keep when TS.Recent last changed (no room in 64 bytes); it changes
 * only together with a 2MSL (re)start: at the FIN or ACK that brought the connection
 * into TIME-WAIT, or at a retransmitted FIN in TIME-WAIT. So deadline - 2MSL is never
 * earlier than the stamp (Linux's tw_ts_recent_stamp). Caveat: msl_ms raised at run time
 * since the record's last (re)start makes this earlier than the (re)start.
 */
uint64_t tcp_tw_ts_recent_ns(const struct tcp_stack *ts, const struct tw_entry *e)
{
	uint64_t msl2 = 2ull * ts->cfg.msl_ms * MS;

	return e->deadline_ns > msl2 ? e->deadline_ns - msl2 : 0;
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> from a record, with TSecr = TS.Recent. Returns
 * the queued segment (NULL when the queue is full). */
static struct tcp_ctl *tw_ack(struct tcp_stack *ts, const struct tw_entry *e)
{
	struct tcp_ctl *c = tcp_queue_ctl(ts, e->laddr, e->lport, e->raddr, e->rport,
					  e->snd_nxt, e->rcv_nxt, WIRE_TCP_ACK);

	if (!c)
		return NULL;
	c->has_ts = e->has_ts;
	c->ts_ecr = e->ts_recent;
	c->win = (uint16_t)e->hnode.spare;     /* the connection's last window */
	return c;
}

/*
 * The window field of a TIME-WAIT ACK: the one tcb last sent (RCV.WND as advertised,
 * output.c advertise_window, over our shift), as Linux's records send tw_rcv_wnd >>
 * tw_rcv_wscale whatever the buffer was (locked by SO_RCVBUF, grown by autotuning).
 * RFC 9293 §3.8.6.2.2 (SHLD-14): the right edge does not move left (the peer's FIN
 * used one sequence number of that window, so it moves right by at most one).
 */
static uint16_t last_window(const struct tcb *tcb)
{
	uint32_t w = tcb->rcv_wnd >> (tcb->ws_ok ? tcb->rcv_wscale : 0);

	return (uint16_t)(w < 65535 ? w : 65535);
}

/* What a record keeps of tcb besides its 4-tuple (timewait.h tw_add's engine fields). */
static void fill_engine(const struct tcb *tcb, struct tw_entry *e)
{
	e->snd_nxt = tcb->snd_max;
	e->rcv_nxt = tcb->rcv_nxt;
	e->has_ts = tcb->ts_ok;
	e->ts_recent = tcb->ts_recent;
	e->hnode.spare = last_window(tcb);
}

void tcp_tw_fill_proto(const struct tcp_stack *ts, const struct tcb *tcb, struct tw_entry *e)
{
	(void)ts;       /* the window is the connection's own, not the configuration's */
	memset(e, 0, sizeof *e);
	e->laddr = tcb->laddr;
	e->raddr = tcb->raddr;
	e->lport = tcb->lport;
	e->rport = tcb->rport;
	fill_engine(tcb, e);
}

/*
 * The record is made in place (tw_add): a tcb in TIME-WAIT holds its 4-tuple, so no
 * record has it (connect() and a reopening SYN remove the record before a tcb takes the
 * 4-tuple, and the demux finds a tcb before a record): tw_insert_hashed's duplicate
 * check could not hit. The same holds for input.c's orphan FIN in FIN-WAIT-2, whose tcb
 * is about to enter TIME-WAIT (fin_to_record).
 */
struct tw_entry *tcp_tw_add_for(struct tcp_stack *ts, const struct tcb *tcb, uint64_t deadline)
{
	/* a connected tcb is in the connection hash: its node holds the 4-tuple's hash */
	return tw_add(&ts->tw,
		      tcb->in_hash ? tcb->hnode.hash
				   : tcp_tuple_hash(ts, tcb->laddr, tcb->lport, tcb->raddr,
						    tcb->rport),
		      tcb->laddr, tcb->lport, tcb->raddr, tcb->rport, deadline);
}

/* The ACK tcb owed, from its record e: the tcb knows its TS offset (no PRF call). */
static void owed_ack(struct tcp_stack *ts, const struct tcb *tcb, const struct tw_entry *e)
{
	struct tcp_ctl *k = tw_ack(ts, e);

	if (k && tcb->ts_ok) {
		k->has_ts_offset = true;
		k->ts_offset = tcb->ts_offset;
	}
}

/*
 * FIN-WAIT-2's FIN into the record in one move (input.c fin_to_record; without
 * no_life_fast): tcp_tw_add_for, then tcp_tw_replace as it would run after the pipeline
 * moved RCV.NXT over the FIN, set TS.Recent to ts_recent and owed the ACK - those three
 * written into the record, not into a tcb about to be freed. The tcb is synchronized
 * (in the connection hash: its node holds the 4-tuple's hash) and has no descriptor.
 * false, nothing changed, when there is no memory for the record. flatten: the table's
 * insert (timewait.c tw_add), the ACK's queueing and the free in one body, without their
 * calls' saved registers (-16 per lifecycle in bench lifecycle).
 */
__attribute__((flatten)) bool tcp_tw_fin_record(struct tcp_stack *ts, struct tcb *tcb,
						 uint32_t ts_recent, uint64_t deadline)
{
	struct tw_entry *e = tw_add(&ts->tw, tcb->hnode.hash, tcb->laddr, tcb->lport,
				    tcb->raddr, tcb->rport, deadline);

	if (!e)
		return false;
	fill_engine(tcb, e);
	e->rcv_nxt++;                   /* "advance RCV.NXT over the FIN" */
	e->ts_recent = ts_recent;
	owed_ack(ts, tcb, e);
	tcp_tcb_free_orphan(ts, tcb);
	return true;
}

void tcp_tw_replace(struct tcp_stack *ts, struct tcb *tcb, struct tw_entry *e)
{
	fill_engine(tcb, e);
	if (tcb->want_ack)
		owed_ack(ts, tcb, e);   /* the ACK of the peer's FIN was still due */
	tcp_tcb_free_orphan(ts, tcb);   /* synchronized, no descriptor (both callers') */
}

bool tcp_tw_from_tcb(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tw_entry *e;
	uint64_t deadline = tcb->deadline[TCP_T_TIME_WAIT];

	if (tcb->state != TCP_TIME_WAIT || tcb->fd >= 0)
		return false;
	if (tcb->ipopts)
		return false;   /* a record has no room for a route: keep the tcb (route.h) */
	if (!deadline)
		deadline = ts->now_ns + 2ull * ts->cfg.msl_ms * MS;
	e = tcp_tw_add_for(ts, tcb, deadline);
	if (!e) {
		tcp_count(ts, SYNACK_CTR_TCP_NO_MEMORY);
		return false;   /* the full tcb stays and expires by its own timer */
	}
	tcp_tw_replace(ts, tcb, e);
	return true;
}

bool tcp_oow_tuple_limited(struct seg_ctx *c)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *s = c->seg;
	uint64_t gap = (uint64_t)ts->cfg.invalid_ratelimit_ms * MS;
	uint32_t h = (c->laddr ^ c->raddr ^ ((uint32_t)s->dport << 16 | s->sport)) * 2654435761u;
	uint64_t *last = &ts->oow_ns[h >> 26];

	if (s->payload_len && !(s->flags & WIRE_TCP_SYN))
		return false;
	if (gap && *last && ts->now_ns - *last < gap) {
		tcp_count(ts, SYNACK_CTR_TCP_OOW_LIMITED);
		return true;
	}
	*last = ts->now_ns ? ts->now_ns : 1;
	return false;
}

/* tw_ack for an unacceptable segment, unless rate-limited (tcp_oow_tuple_limited). */
static void tw_oow_ack(struct seg_ctx *c, const struct tw_entry *e)
{
	if (!tcp_oow_tuple_limited(c))
		tw_ack(c->ts, e);
}

/* A note about a record: the tuple from e, state TIME-WAIT before, st_after after. */
static void tw_note_fd(struct tcp_stack *ts, const struct tw_entry *e, int fd, uint8_t dir,
		       uint8_t verdict, const struct wire_tcp *seg, uint8_t st_after,
		       const char *reason)
{
	struct synack_note *n;

	tcp_note(ts, NULL, dir, verdict, TCP_TIME_WAIT, seg, e->laddr, e->raddr, reason);
	n = tcp_note_last(ts);
	if (!n)
		return;
	n->fd = fd;
	n->state_after = st_after;
	n->lport = e->lport;
	n->rport = e->rport;
	if (dir == SYNACK_NOTE_TIMER)
		n->timer = SYNACK_TIMER_TIME_WAIT;
}

/* A note about the segment in c for TIME-WAIT e (a record, or c->tcb's copy). */
static void tw_note(struct seg_ctx *c, const struct tw_entry *e, uint8_t dir, uint8_t verdict,
		    const struct wire_tcp *seg, uint8_t st_after, const char *reason)
{
	tw_note_fd(c->ts, e, c->tcb ? c->tcb->fd : -1, dir, verdict, seg, st_after, reason);
}

/* TIME-WAIT ends for e: the record is removed, or the full tcb CLOSED (or freed). */
static void tw_end(struct seg_ctx *c, struct tw_entry *e)
{
	if (c->tcb) {
		tcp_wake(c->ts, c->tcb, SYNACK_EV_CLOSED);
		tcp_tcb_close(c->ts, c->tcb);
		c->tcb = NULL;
	} else {
		tw_remove(&c->ts->tw, e);
	}
}

/* A challenge ACK from TIME-WAIT (RFC 5961 §4, §5.2), within the stack-wide TIME-WAIT
 * budget (§7); reason names why. Never ends TIME-WAIT: returns false. */
static bool tw_challenge(struct seg_ctx *c, struct tw_entry *e, const char *reason)
{
	struct tcp_stack *ts = c->ts;

	if (!tcp_challenge_allow(&ts->tw_challenge, ts->now_ns, ts->cfg.challenge_ack_limit)) {
		tcp_count(ts, SYNACK_CTR_TCP_CHALLENGE_LIMITED);
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_DROPPED, c->seg, TCP_TIME_WAIT,
			"dropped: challenge ACK rate-limited");
		return false;
	}
	tcp_count(ts, SYNACK_CTR_TCP_CHALLENGE_ACK);
	tw_oow_ack(c, e);
	tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACKED, c->seg, TCP_TIME_WAIT, reason);
	return false;
}

/* §3.10.7.4: restart the 2 MSL timeout, in the record or the full tcb. */
static void tw_again(struct seg_ctx *c, struct tw_entry *e)
{
	uint64_t dl = c->ts->now_ns + 2ull * c->ts->cfg.msl_ms * MS;

	if (c->tcb)
		tcp_timer_set(c->ts, c->tcb, TCP_T_TIME_WAIT, dl);
	else
		tw_restart(&c->ts->tw, e, dl);
}

static bool tw_rst(struct seg_ctx *c, struct tw_entry *e)
{
	struct tcp_stack *ts = c->ts;

	if (ts->cfg.rfc1337) {
		tcp_count(ts, SYNACK_CTR_TCP_TW_RST_IGNORED);
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_DROPPED, c->seg, TCP_TIME_WAIT,
			"RST ignored in TIME-WAIT (RFC 1337)");
		return false;
	}
	if (c->seg->seq != e->rcv_nxt) {
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_DROPPED, c->seg, TCP_TIME_WAIT,
			"dropped: RST not at RCV.NXT");
		return false;
	}
	tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, c->seg, TCP_CLOSED, "RST: CLOSED");
	tw_end(c, e);
	return false;
}

/*
 * RFC 6191 §2 (tw_syn_may_reopen), made as strict as Linux and FreeBSD where they are
 * stricter (the lead's decision): without a newer timestamp SEG.SEQ must be beyond
 * RCV.NXT itself (not merely beyond the FIN at RCV.NXT - 1), and a SYN carrying FIN
 * never reopens (it would cut TIME-WAIT short only to be dropped by the listener).
 */
static bool may_reopen(const struct tw_entry *e, const struct wire_tcp *s, bool has_ts)
{
	if (s->flags & WIRE_TCP_FIN)
		return false;
	if (!tw_syn_may_reopen(e, s->seq, has_ts, s->opt.ts_val))
		return false;
	return seq_gt(s->seq, e->rcv_nxt) ||
	       (has_ts && seq_gt(s->opt.ts_val, e->ts_recent));
}

static bool tw_syn(struct seg_ctx *c, struct tw_entry *e)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *s = c->seg;
	bool has_ts = ts->cfg.timestamps && (s->opt.present & WIRE_HAS_TS);

	if (may_reopen(e, s, has_ts) && tcp_lookup_listener(ts, c->laddr, s->dport)) {
		c->reopen_iss = tcp_reincarnation_iss(ts, e->laddr, e->lport, e->raddr,
						      e->rport, e->snd_nxt);
		c->has_reopen_iss = true;
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACCEPTED, s, TCP_CLOSED,
			"TIME-WAIT reopened by a newer SYN (RFC 6191)");
		tw_end(c, e);
		return true;
	}
	return tw_challenge(c, e, "challenge ACK: SYN does not reopen TIME-WAIT");
}

bool tcp_tw_input(struct seg_ctx *c, struct tw_entry *e)
{
	struct tcp_stack *ts = c->ts;
	const struct wire_tcp *s = c->seg;
	uint32_t len = (uint32_t)s->payload_len;

	if (s->flags & WIRE_TCP_RST)
		return tw_rst(c, e);
	if ((s->flags & (WIRE_TCP_SYN | WIRE_TCP_ACK)) == WIRE_TCP_SYN)
		return tw_syn(c, e);
	if (e->has_ts && (s->opt.present & WIRE_HAS_TS) && seq_lt(s->opt.ts_val, e->ts_recent)) {
		tcp_count(ts, SYNACK_CTR_TCP_PAWS);
		tw_oow_ack(c, e);
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACKED, s, TCP_TIME_WAIT,
			"dropped: PAWS (old timestamp)");
		return false;
	}
	if ((s->flags & WIRE_TCP_ACK) &&
	    (seq_gt(s->ack, e->snd_nxt) || seq_lt(s->ack, e->snd_nxt - 65535))) {
		/* RFC 5961 §5.2: SEG.ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] */
		return tw_challenge(c, e, "challenge ACK: ACK out of range");
	}
	if ((s->flags & WIRE_TCP_FIN) && !(s->flags & WIRE_TCP_SYN) &&
	    s->seq + len + 1 == e->rcv_nxt) {
		/* §3.10.7.4 eighth check, TIME-WAIT: the peer's FIN again: our last ACK was
		 * lost (S10) */
		if (e->has_ts && (s->opt.present & WIRE_HAS_TS)) {
			e->ts_recent = s->opt.ts_val;   /* RFC 7323 §4.3 */
			if (c->tcb) {
				c->tcb->ts_recent = s->opt.ts_val;
				c->tcb->ts_recent_ns = ts->now_ns;
			}
		}
		tw_again(c, e);
		tw_ack(ts, e);
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACKED, s, TCP_TIME_WAIT,
			"FIN retransmitted in TIME-WAIT: ACK, 2MSL restarted");
		return false;
	}
	if (!len && !(s->flags & (WIRE_TCP_SYN | WIRE_TCP_FIN)) && s->seq == e->rcv_nxt) {
		tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_DROPPED, s, TCP_TIME_WAIT,
			"TIME-WAIT: nothing to do");
		return false;
	}
	tcp_count(ts, SYNACK_CTR_TCP_NOT_ACCEPTABLE);
	tw_oow_ack(c, e);
	tw_note(c, e, SYNACK_NOTE_IN, SYNACK_V_ACKED, s, TCP_TIME_WAIT,
		"dropped: not acceptable in TIME-WAIT");
	return false;
}

void tcp_tw_expire(struct tcp_stack *ts)
{
	struct tw_entry e;

	while (tw_pop_expired(&ts->tw, ts->now_ns, &e))
		tw_note_fd(ts, &e, -1, SYNACK_NOTE_TIMER, SYNACK_V_FIRED, NULL, TCP_CLOSED,
			   "2MSL expired: CLOSED");
}
