/*
 * output.c — the one output routine: every segment a connection sends is built here,
 * from state, when the driver drains (RFC 9293 §3.8.6 windows, §3.9.1.2 SEND, §3.7.1
 * MSS, RFC 7323 options, RFC 6298 §5 timer start, RFC 9293 §3.8.6.2.2 receiver SWS,
 * §3.8.6.3 ACK generation). Input and user calls only record intent.
 *
 * Also builds the SYN-ACKs of half-open entries and SYN cookies (synq.c says what they
 * hold), the stateless control segments queued by input (RSTs per §3.10.7.1–3, ACKs for
 * nobody) and passes raw packets (ICMP replies) through.
 */
#include <string.h>

#include "ip/ip.h"
#include "tcp/cc.h"
#include "tcp/ecn.h"
#include "tcp/isn.h"
#include "tcp/route.h"
#include "tcp/tcb.h"

#define MS 1000000ull

static uint16_t next_ip_id(struct tcp_stack *ts)
{
	return (uint16_t)(ts->counters[SYNACK_CTR_IP_OUT] & 0xffff);
}

/* finish_packet's part after a one-pass write of n bytes (0: refused, not counted). */
static size_t count_packet(struct tcp_stack *ts, size_t n)
{
	if (n) {
		tcp_count(ts, SYNACK_CTR_IP_OUT);
		tcp_count(ts, SYNACK_CTR_TCP_OUT);
	}
	return n;
}

/* Wraps tcp segment bytes at buf + ip_hdr_len(route) into an IPv4 packet with the
 * socket's IP_TTL (0: the stack's default) and IP_TOS (MUST-48, MUST-49), carrying the
 * IP options route (NULL: none; a source route sends it to the first hop: route.h).
 * Inlined: a call here costs ~35 instructions per packet (callgrind, bench lifecycle). */
static inline __attribute__((always_inline)) size_t
finish_packet(struct tcp_stack *ts, uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
	      size_t seg_len, uint8_t ttl, uint8_t tos, const struct ip_opts *route)
{
	uint8_t t = ttl ? ttl : ts->cfg.ip_default_ttl;
	size_t n = !route ? ip_emit(buf, cap, src, dst, WIRE_IPPROTO_TCP, t, tos,
				    next_ip_id(ts), seg_len)       /* the fixed 20 bytes */
			  : ip_emit_opts(buf, cap, src, dst, WIRE_IPPROTO_TCP, t, tos,
					 next_ip_id(ts), route, seg_len);

	return count_packet(ts, n);
}

/*
 * Whether a segment's IPv4 and TCP headers are written in one pass (wire_tcpip_emit:
 * the fixed 20-byte IP header, checksums from the field values) instead of by
 * wire_tcp_emit and then finish_packet: every segment without IP options (route NULL)
 * and without a super-segment's deferred checksum. tcp_stack.no_out_fast_path takes
 * the two-step writers: test_tcp_fastpath compares every byte of both.
 */
static bool is_one_pass(const struct tcp_stack *ts, const struct ip_opts *route, uint32_t gso)
{
	return !route && !gso && !ts->no_out_fast_path;
}


/* c's segment as struct wire_tcp: <SEQ><ACK><CTL> and the window it carries, TS with
 * TSval ts_val when it has one. */
static void ctl_header(const struct tcp_ctl *c, uint32_t ts_val, struct wire_tcp *seg)
{
	memset(seg, 0, sizeof *seg);
	seg->sport = c->lport;
	seg->dport = c->rport;
	seg->seq = c->seq;
	seg->ack = c->ack;
	seg->flags = c->flags;
	seg->win = c->win;
	if (c->has_ts) {
		seg->opt.present = WIRE_HAS_TS;
		seg->opt.ts_val = ts_val;
		seg->opt.ts_ecr = c->ts_ecr;
	}
}

static inline __attribute__((always_inline)) void
put_headers_at(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr, uint32_t ports,
	       uint8_t *buf, uint32_t seq, uint32_t ack, uint32_t word3, uint32_t seg_len,
	       uint8_t tos, uint8_t ttl, uint64_t sum);

/*
 * c's packet into buf (a stateless RST or ACK: §3.10.7.1-3, a TIME-WAIT record's or a
 * half-open entry's ACK, §3.10.7.4), TOS 0 and the stack's TTL (no socket holds them),
 * RFC 7323 §3.2: once negotiated, TS on every segment, our clock for this 4-tuple the
 * same pure function the tcb used (isn.h). Without IP options the headers are written
 * from the values by put_headers_at, NOP,NOP,TS inline (no struct wire_tcp, no option
 * walk), unless tcp_stack.no_out_common takes the general writers (wire_tcpip_emit,
 * or wire_tcp_emit and finish_packet): test_tcp_out_common compares both. Out of line:
 * inlined into output_queued it made that frame heavier for every segment (bench bulk
 * +1.6 k instructions, bench lifecycle -68 per lifecycle instead of -89).
 */
__attribute__((noinline)) static size_t emit_ctl(struct tcp_stack *ts, const struct tcp_ctl *c,
						uint8_t *buf, size_t cap)
{
	const struct ip_opts *route = tcp_ctl_route(ts, c);
	uint32_t ts_val = 0, seg_len = WIRE_TCP_HDR_MIN + (c->has_ts ? 12u : 0u);
	size_t n;

	if (c->has_ts)
		ts_val = (uint32_t)(ts->now_ns / MS) +
			 (c->has_ts_offset ? c->ts_offset
					   : tcp_ts_offset(ts->isn_key, c->laddr, c->lport,
							   c->raddr, c->rport));
	if (cap < ip_hdr_len(route) + WIRE_TCP_HDR_MIN)
		return 0;
	if (is_one_pass(ts, route, 0) && !ts->no_out_common &&
	    cap >= WIRE_IPV4_HDR_MIN + seg_len) {
		uint32_t word3 = (seg_len / 4) << 28 | (uint32_t)c->flags << 16 | c->win;
		uint64_t sum = 0;

		if (c->has_ts)
			sum = wire_ts_opt_put_sum(buf + WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN, ts_val,
						  c->ts_ecr);
		put_headers_at(ts, c->laddr, c->raddr, (uint32_t)c->lport << 16 | c->rport, buf,
			       c->seq, c->ack, word3, seg_len, 0, ts->cfg.ip_default_ttl, sum);
		n = WIRE_IPV4_HDR_MIN + seg_len;
	} else {
		struct wire_tcp seg;

		ctl_header(c, ts_val, &seg);
		if (is_one_pass(ts, route, 0))
			n = wire_tcpip_emit(&seg, c->laddr, c->raddr, ts->cfg.ip_default_ttl, 0,
					    next_ip_id(ts), 0, buf, cap);
		else
			n = wire_tcp_emit(&seg, c->laddr, c->raddr, NULL, 0,
					  buf + ip_hdr_len(route), cap - ip_hdr_len(route));
	}
	if (!n)
		return 0;
	if (c->flags & WIRE_TCP_RST)
		tcp_count(ts, SYNACK_CTR_TCP_RST_OUT);
	if (ts->notes_cap) {
		struct wire_tcp seg;

		ctl_header(c, ts_val, &seg);
		tcp_note(ts, NULL, SYNACK_NOTE_OUT, SYNACK_V_SENT, SYNACK_STATE_CLOSED, &seg,
			 c->laddr, c->raddr, c->flags & WIRE_TCP_RST ? "RST" : "ACK");
	}
	if (is_one_pass(ts, route, 0))
		return count_packet(ts, n);
	return finish_packet(ts, buf, cap, c->laddr, c->raddr, n, 0, 0, route);
}

static bool is_synack_common(const struct tcp_stack *ts, const struct tcp_reqsk *r, size_t cap);
static size_t emit_synack_common(struct tcp_stack *ts, struct tcp_reqsk *r, uint8_t *buf);

/* r's SYN-ACK as a finished packet (the half-open entry's or a SYN cookie's): written
 * from its fields where emit_synack_common may, else one pass where the connection's
 * segments take it (is_one_pass), else the two-step writers. */
static size_t emit_synack(struct tcp_stack *ts, struct tcp_reqsk *r, uint8_t *buf, size_t cap)
{
	const struct ip_opts *route = r->ipopts;
	size_t hl = ip_hdr_len(route), n;
	struct wire_tcp seg;

	if (is_synack_common(ts, r, cap))
		return emit_synack_common(ts, r, buf);
	tcp_synq_header(ts, r, &seg);
	if (cap < hl)
		return 0;
	if (is_one_pass(ts, route, 0))
		n = wire_tcpip_emit(&seg, r->laddr, r->raddr,
				    r->ip_ttl ? r->ip_ttl : ts->cfg.ip_default_ttl, r->ip_tos,
				    next_ip_id(ts), 0, buf, cap);
	else
		n = wire_tcp_emit(&seg, r->laddr, r->raddr, NULL, 0, buf + hl, cap - hl);
	if (!n) {
		tcp_count(ts, SYNACK_CTR_OUT_NO_ROOM);
		return 0;
	}
	tcp_synq_sent(ts, r, &seg);
	if (is_one_pass(ts, route, 0))
		return count_packet(ts, n);
	return finish_packet(ts, buf, cap, r->laddr, r->raddr, n, r->ip_ttl, r->ip_tos, route);
}

/* ---- window advertisement (§3.8.6.2.2, SHLD-14 no shrinking) ------------------------- */

static inline __attribute__((always_inline)) uint16_t
advertise_window(struct tcp_stack *ts, struct tcb *tcb, bool syn)
{
	uint32_t space = tcp_rcv_space(ts, tcb);
	uint32_t cur = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	uint32_t sws = tcb->opt.rcvbuf / 2 < tcb->rcv_mss ? tcb->opt.rcvbuf / 2 : tcb->rcv_mss;
	uint32_t wnd = space;
	uint8_t shift = syn ? 0 : tcb->rcv_wscale;
	uint32_t max = (uint32_t)65535 << shift;

	/* receiver SWS avoidance: open the window only by a useful amount */
	if (wnd > cur && wnd - cur < sws && wnd < tcb->opt.rcvbuf)
		wnd = cur;
	if (wnd < cur)
		wnd = cur;              /* never move the right edge left */
	if (wnd > max)
		wnd = max;
	wnd = (wnd >> shift) << shift;
	tcb->rcv_wnd = wnd;
	if (seq_gt(tcb->rcv_nxt + wnd, tcb->rcv_adv) || !tcb->rcv_adv)
		tcb->rcv_adv = tcb->rcv_nxt + wnd;
	/* RFC 7323 §2.4: the scaled field cannot say cur: offer up to 2^S - 1 bytes
	 * beyond the edge rather than retract it, but do not make that the new edge
	 * (rcv_adv), or every ACK of a window that is closing would push it further past
	 * the buffer (by up to 2^S - 1 bytes each: 127 with the shift 7 of a 6 MiB cap) */
	if (wnd < cur && cur <= max)
		tcb->rcv_wnd = wnd = (cur + (1u << shift) - 1) >> shift << shift;
	return (uint16_t)(wnd >> shift);
}

/* ---- options (RFC 9293 §3.7.1, RFC 7323 §2–3) ---------------------------------------- */

static uint32_t ts_now(const struct tcp_stack *ts, const struct tcb *tcb)
{
	return (uint32_t)(ts->now_ns / MS) + tcb->ts_offset;
}

/* RFC 2018 §4 / RFC 2883 §4: SACK blocks on every ACK while out-of-order data is held
 * or a duplicate is to be reported: 3 blocks fit beside the timestamps, 4 without. */
static void add_sack_blocks(struct tcb *tcb, struct wire_tcp_opts *o)
{
	unsigned max = (o->present & WIRE_HAS_TS) ? 3 : WIRE_SACK_MAX;
	unsigned n;

	if (tcp_reass_empty(&tcb->rcv_ooo) && !tcb->rcv_ooo.has_dsack)
		return;
	n = tcp_reass_sack_blocks(&tcb->rcv_ooo, o->sack, max);
	if (n) {
		o->present |= WIRE_HAS_SACK;
		o->sack_count = (uint8_t)n;
	}
	tcp_reass_dsack_sent(&tcb->rcv_ooo);   /* a D-SACK is reported once */
	tcp_rare_sync_ooo(tcb);
}

static void build_options(struct tcp_stack *ts, struct tcb *tcb, bool syn,
			  struct wire_tcp_opts *o)
{
	memset(o, 0, sizeof *o);
	if (syn) {
		o->present |= WIRE_HAS_MSS;
		o->mss = tcb->rcv_mss;
		if (tcb->ws_ok || (tcb->state == TCP_SYN_SENT && ts->cfg.window_scaling)) {
			o->present |= WIRE_HAS_WS;
			o->wscale = tcb->rcv_wscale;
		}
		/* RFC 2018 §2: SACK-permitted only on SYNs; wire_tcp_emit lays it out as
		 * Linux does (sackOK in place of the NOP,NOP before TS) */
		if (tcb->sack_ok || (tcb->state == TCP_SYN_SENT && ts->cfg.sack))
			o->present |= WIRE_HAS_SACKOK;
	}
	if (tcb->ts_ok || (syn && tcb->state == TCP_SYN_SENT && ts->cfg.timestamps)) {
		o->present |= WIRE_HAS_TS;
		o->ts_val = ts_now(ts, tcb);
		o->ts_ecr = tcb->ts_recent;
	}
	if (!syn && tcb->sack_ok)
		add_sack_blocks(tcb, o);
}

/* ---- what to send ------------------------------------------------------------------ */

struct plan {
	uint32_t seq;
	uint32_t len;           /* payload bytes */
	uint8_t flags;
	bool syn, fin;
	bool rexmit;            /* chosen by loss recovery (tcp_rec_next_seg) */
	uint32_t gso;           /* 0, or payload bytes per wire packet of a super-segment */
};

static bool may_send_data(int st)
{
	return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_FIN_WAIT_1 ||
	       st == TCP_CLOSING || st == TCP_LAST_ACK;
}

/* ---- how much new data (RFC 9293 §3.7.4, §3.8.6.2.1; RFC 5681 §3.1) -------------- */

/* Bytes queued at or after SND.NXT (0 when SND.NXT is past the buffer, e.g. on a FIN). */
static uint32_t unsent_bytes(const struct tcb *tcb)
{
	uint32_t head = tcp_sndbuf_seq(tcb);
	uint32_t buffered = ring_len(&tcb->sndbuf);
	uint32_t off = tcb->snd_nxt - head;

	if (seq_lt(tcb->snd_nxt, head) || off >= buffered)
		return 0;
	return buffered - off;
}

/* The usable window U = SND.UNA + SND.WND - SND.NXT (RFC 1122 §4.2.3.4), 0 if closed. */
static uint32_t usable_window(const struct tcb *tcb)
{
	return seq_gt(tcb->snd_una + tcb->snd_wnd, tcb->snd_nxt)
		       ? tcb->snd_una + tcb->snd_wnd - tcb->snd_nxt : 0;
}

/* What cwnd still allows beyond the data in flight (RFC 5681 §3.1: FlightSize may not
 * exceed cwnd; after an RTO's go-back, what was resent since). No limit before the
 * connection is synchronized (cwnd 0: cc.h). */
static uint32_t cwnd_room(const struct tcb *tcb)
{
	uint32_t pipe = tcp_pipe(tcb);  /* recovery.h: RFC 3042, 6582 inflation, 6675 */

	if (!tcb->cc.cwnd)
		return UINT32_MAX;
	return tcb->cc.cwnd > pipe ? tcb->cc.cwnd - pipe : 0;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Payload length for new data (or a go-back-N resend after an RTO) at SND.NXT: the
 * least of the data queued, the usable window, cwnd's room and SMSS, then the sender's
 * silly window syndrome avoidance (RFC 1122 §4.2.3.4 / RFC 9293 §3.8.6.2.1, with
 * cwnd counted in the usable window) with Nagle (§3.7.4) as its "all data pushed"
 * case. A short segment goes out when
 *   (1) it is a full SMSS (not short),
 *   (2) it carries all the queued data and nothing is unacknowledged, or TCP_NODELAY,
 *       or a FIN follows (every send() is pushed: Linux's PSH on the last byte),
 *   (3) it is at least half the largest window the peer ever offered (Fs = 1/2),
 *   (4) the persist timer fired (the override timeout: want_probe), or it is resent
 *       after an RTO (SND.NXT < SND.MAX: the data was sent before).
 * Nagle is RFC 896/1122's (hold while anything is unacknowledged), not Linux's
 * Minshall variant (hold only while a short segment is unacknowledged).
 */
static uint32_t data_len(const struct tcb *tcb, uint32_t avail, uint32_t wnd, uint32_t room)
{
	uint32_t mss = tcb->snd_mss;
	uint32_t len = min3(avail, wnd, room);

	if (!len)
		return 0;
	if (len >= mss)
		return mss;                                             /* (1) */
	if (tcb->want_probe || seq_lt(tcb->snd_nxt, tcb->snd_max))
		return len;                                             /* (4) */
	if (len == avail)                                               /* (2) */
		return tcb->opt.nodelay || tcb->snd_max == tcb->snd_una || tcb->fin_queued
			       ? len : 0;
	return len >= tcb->cc.max_snd_wnd / 2 ? len : 0;               /* (3) */
}

static uint32_t plan_data(const struct tcb *tcb)
{
	if (!may_send_data(tcb->state))
		return 0;
	return data_len(tcb, unsent_bytes(tcb), usable_window(tcb), cwnd_room(tcb));
}

/* Before planning: restart after idle (cc.c), the largest window seen (for (3) above),
 * whether cwnd is what holds data back (cc.c grows only a used window), and the end of
 * zero-window probing once the window takes the next segment (Linux tcp_ack_probe:
 * backoff and probe count reset). */
static void note_max_window(struct tcb *tcb)
{
	if (tcb->cc.cwnd && may_send_data(tcb->state) && tcb->snd_wnd > tcb->cc.max_snd_wnd)
		tcb->cc.max_snd_wnd = tcb->snd_wnd;
}

static void end_probing(struct tcb *tcb, uint32_t avail, uint32_t wnd)
{
	if (tcb->cc.probes_out && wnd >= (avail < tcb->snd_mss ? avail : tcb->snd_mss)) {
		tcb->cc.probes_out = 0;
		tcb->backoff = 0;
	}
}

static void prepare_send(struct tcp_stack *ts, struct tcb *tcb)
{
	struct tcp_cc *cc = &tcb->cc;
	uint32_t avail, want;

	if (!cc->cwnd || !may_send_data(tcb->state))
		return;
	note_max_window(tcb);
	avail = unsent_bytes(tcb);
	if (!avail)
		return;
	if (tcb->snd_nxt == tcb->snd_max)
		tcp_cc_on_send(ts, tcb);
	want = min3(avail, usable_window(tcb), tcb->snd_mss);
	if (want && cwnd_room(tcb) < want)
		cc->cwnd_limited = true;
	end_probing(tcb, avail, usable_window(tcb));
}

static inline __attribute__((always_inline)) void
plan_end_flags(const struct tcb *tcb, struct plan *p, uint32_t fin_seq);

static void plan_segment(struct tcp_stack *ts, const struct tcb *tcb, struct plan *p)
{
	uint32_t fin_seq = tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf);

	(void)ts;
	memset(p, 0, sizeof *p);
	p->seq = tcb->snd_nxt;
	if (tcb->state >= TCP_SYN_SENT && tcb->snd_nxt == tcb->iss && !tcb->syn_was_acked) {
		/* our SYN is unacknowledged: (re)send it; FIN-WAIT-1 gets here after a
		 * CLOSE in SYN-RECEIVED (§3.10.4) */
		p->syn = true;
		p->flags = WIRE_TCP_SYN | (tcb->state == TCP_SYN_SENT ? 0 : WIRE_TCP_ACK);
		return;
	}
	if (tcb->state == TCP_SYN_SENT || tcb->state < TCP_SYN_SENT)
		return;
	p->flags = WIRE_TCP_ACK;
	/* loss recovery first: a fast retransmit, a partial-ACK retransmission or RFC 6675
	 * NextSeg () (recovery.h); else new data */
	if (may_send_data(tcb->state) && tcp_rec_next_seg(ts, tcb, &p->seq, &p->len))
		p->rexmit = true;
	else
		p->len = plan_data(tcb);
	plan_end_flags(tcb, p, fin_seq);
}

/* FIN and PSH of a planned segment, from where its payload ends. Always inline (three
 * callers, new data and a FIN through plan_new_data): out of line it cost ~118 more
 * instructions per lifecycle in bench lifecycle, the callers then knowing nothing of the
 * plan it returns. */
static inline __attribute__((always_inline)) void
plan_end_flags(const struct tcb *tcb, struct plan *p, uint32_t fin_seq)
{
	p->fin = false;
	p->flags &= (uint8_t)~(WIRE_TCP_FIN | WIRE_TCP_PSH);
	/* §3.10.4: the FIN follows the last queued byte; it is unacknowledged exactly in
	 * FIN-WAIT-1, CLOSING and LAST-ACK, and resent after an RTO rewinds SND.NXT */
	if (tcb->fin_queued && tcp_has_sent_fin(tcb->state) && tcb->state != TCP_FIN_WAIT_2 &&
	    tcb->state != TCP_TIME_WAIT && !tcp_fin_acked(tcb) && p->seq + p->len == fin_seq)
		p->fin = true;
	if (p->fin)
		p->flags |= WIRE_TCP_FIN;
	if (p->len && p->seq + p->len == fin_seq)
		p->flags |= WIRE_TCP_PSH;       /* MUST-61: PSH on the last queued byte */
}

static bool plan_is_empty(const struct tcb *tcb, const struct plan *p)
{
	return !p->syn && !p->fin && !p->len && !tcb->want_ack && !tcb->want_ka_probe &&
	       !tcb->want_probe;
}

/* Whether a connection needs no place on the output list (input's listing rule,
 * tcp_output_settled, and settle_after_send after a segment left): true only when
 * plan_segment would plan nothing and prepare_send and maybe_persist would do nothing
 * but note the peer's largest window — no ACK or probe wanted, loss recovery not running
 * (tcp_rec_next_seg is false outside it), no unsent data, and neither our SYN nor our
 * FIN waiting at SND.NXT (tested loosely: false sends the connection through the full
 * planning, which decides). Always inline: out of line, its call from tcp_list_if_due
 * (9 per lifecycle in bench lifecycle) cost ~140 instructions per lifecycle more. The
 * probes, recovery, lost bytes and a probe due are the summary's TCP_RARE_DUE (rare.h). */
static inline __attribute__((always_inline)) bool nothing_due(const struct tcb *tcb)
{
	if (tcb->want_ack || (tcp_rare(tcb) & TCP_RARE_DUE) || unsent_bytes(tcb))
		return false;
	if (tcb->snd_nxt == tcb->iss && !tcb->syn_was_acked)
		return false;
	return !tcb->fin_queued || tcp_fin_acked(tcb) ||
	       tcb->snd_nxt != tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf);
}

bool tcp_output_settled(struct tcb *tcb)
{
	if (!nothing_due(tcb))
		return false;
	note_max_window(tcb);
	return true;
}

/*
 * The plan of a pure ACK without the general planning (RFC 9293 §3.8.6.3: the ACK the
 * input asked for, nothing else due), as Linux's tcp_send_ack bypasses tcp_write_xmit.
 * True only where plan_segment provably plans <SEQ=SND.NXT><ACK> with no text:
 *   - ESTABLISHED or CLOSE-WAIT: our SYN is acknowledged (no SYN to resend) and no FIN
 *     has been sent (plan_end_flags needs tcp_has_sent_fin); data may be sent;
 *   - nothing queued at or after SND.NXT: plan_data's min3 is 0, and prepare_send does
 *     nothing but note_max_window (done here too);
 *   - loss recovery open with no retransmission, marked loss or probe due: choose()
 *     in recovery.c returns R_NONE on both of its branches (tcp_rec_next_seg false);
 *   - an ACK wanted and no keep-alive or window probe (plan_is_empty false, and the
 *     probe's SEG.SEQ = SND.UNA - 1 not taken).
 * Everything after the plan (window, options, SACK blocks, URG, emit, account_sent) is
 * build_segment's common code. The probes and recovery's conditions are the summary's
 * TCP_RARE_PLAN (rare.h), one test with tcp_stack.no_out_fast_path (the summary's copy,
 * TCP_RARE_S_NO_OUT_FAST), which turns this off: test_tcp_fastpath compares every
 * packet and the state with and without it.
 */
static bool plan_pure_ack(struct tcp_stack *ts, struct tcb *tcb, struct plan *p)
{
	if (!tcb->want_ack ||
	    (tcp_rare_at(ts, tcb) & (TCP_RARE_PLAN | TCP_RARE_S_NO_OUT_FAST)) ||
	    (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_CLOSE_WAIT) ||
	    !tcb->syn_was_acked || unsent_bytes(tcb))
		return false;
	note_max_window(tcb);
	memset(p, 0, sizeof *p);
	p->seq = tcb->snd_nxt;
	p->flags = WIRE_TCP_ACK;
	return true;
}

/*
 * data_len for plan_new_data's plan when nothing is in flight (SND.UNA = SND.NXT =
 * SND.MAX) and no duplicate ACK is counted: then tcp_pipe is 0 on each of its branches
 * (RACK's: a flight of 0 with no probe due; loss recovery open: SND.NXT - SND.UNA, with
 * no RFC 3042 allowance), so cwnd's room is cwnd itself, and of data_len's cases (4)
 * cannot apply (no window probe: plan_new_data's test; SND.NXT = SND.MAX) and (2) sends
 * (nothing is unacknowledged): a full SMSS, else all the queued data if the window and
 * cwnd take it, else (3). The first segment of each burst of a request/response
 * exchange; without the calls of tcp_pipe and data_len (two per lifecycle in bench
 * lifecycle). tcp_stack.no_out_fast_path takes the general plan (plan_data:
 * cwnd_room, data_len): test_tcp_fastpath compares both.
 */
static inline __attribute__((always_inline)) uint32_t
lone_data_len(const struct tcb *tcb, uint32_t avail, uint32_t wnd, uint32_t room)
{
	uint32_t len = min3(avail, wnd, room);

	if (len >= tcb->snd_mss)
		return tcb->snd_mss;                                    /* (1) */
	if (len == avail)
		return len;                                             /* (2) */
	return len >= tcb->cc.max_snd_wnd / 2 ? len : 0;               /* (3) */
}

/*
 * The plan of new data and/or our FIN at SND.NXT without the general planning (the
 * segments of a connection's life besides the handshake and the pure ACKs), with
 * prepare_send's work done on the same quantities, each computed once. True only where
 * prepare_send and plan_segment provably plan <SEQ=SND.NXT><ACK> with plan_data's
 * length and plan_end_flags' FIN and PSH:
 *   - a state that may send data (ESTABLISHED, CLOSE-WAIT, FIN-WAIT-1, CLOSING,
 *     LAST-ACK) with our SYN acknowledged (no SYN to resend) and cwnd set;
 *   - loss recovery open with nothing due (tcp_rec_next_seg false, as for
 *     plan_pure_ack), no keep-alive or window probe wanted, SND.NXT = SND.MAX (no
 *     go-back after an RTO: plan_data's (4) cannot apply, and tcp_cc_on_send runs).
 * An empty plan goes on as the general one does (plan_is_empty, maybe_persist). The
 * probes and recovery's conditions are the summary's TCP_RARE_PLAN (rare.h), one test
 * with tcp_stack.no_out_fast_path (TCP_RARE_S_NO_OUT_FAST), which turns this off:
 * test_tcp_fastpath compares both.
 */
static bool plan_new_data(struct tcp_stack *ts, struct tcb *tcb, struct plan *p)
{
	const struct tcp_recovery *r = &tcb->rec;
	uint32_t avail, wnd, room, len = 0;

	if ((tcp_rare_at(ts, tcb) & (TCP_RARE_PLAN | TCP_RARE_S_NO_OUT_FAST)) || !tcb->cc.cwnd ||
	    !may_send_data(tcb->state) || !tcb->syn_was_acked ||
	    tcb->snd_nxt != tcb->snd_max)
		return false;
	note_max_window(tcb);
	avail = unsent_bytes(tcb);
	if (avail) {
		tcp_cc_on_send(ts, tcb);        /* SND.NXT = SND.MAX: new data */
		wnd = usable_window(tcb);
		if (tcb->snd_una == tcb->snd_max && !r->dupacks) {
			room = tcb->cc.cwnd;    /* cwnd is set (tested above) */
			len = lone_data_len(tcb, avail, wnd, room);
		} else {
			room = cwnd_room(tcb);
			len = data_len(tcb, avail, wnd, room);
		}
		if (min3(avail, wnd, tcb->snd_mss) > room)
			tcb->cc.cwnd_limited = true;
		end_probing(tcb, avail, wnd);
	}
	memset(p, 0, sizeof *p);
	p->seq = tcb->snd_nxt;
	p->flags = WIRE_TCP_ACK;
	p->len = len;
	plan_end_flags(tcb, p, tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf));
	return true;
}

/* A lone segment (recovery.c "Lone segments"): new data or a FIN as one wire packet at
 * SND.NXT = SND.MAX with nothing outstanding, recovery open, RACK's map empty with no
 * storage, nothing lost, no probe due, the retransmission timer off, synchronized.
 * plain: p is plan_new_data's or plan_pure_ack's (emit_common), whose tests already
 * hold the plan's half of these (no SYN, no GSO, no retransmission, SND.NXT = SND.MAX,
 * recovery open with no probe due and nothing lost, a state that may send data: all
 * synchronized) and nothing between the plan and here changes them; the other half is
 * tested here as for any plan (~-24 instructions per data segment or FIN).
 * tcp_stack.rec_no_lone_path turns it off (test_tcp_rack_runs compares);
 * no_out_common sends plain plans through the general code, which tests it all
 * (test_tcp_out_common compares). Recovery open, no probe due and nothing lost are the
 * summary's bits (rare.h). */
static inline __attribute__((always_inline)) bool
lone_ok(const struct tcp_stack *ts, const struct tcb *tcb, const struct plan *p, uint32_t span,
	bool plain)
{
	const struct tcp_recovery *r = &tcb->rec;

	return span && !ts->rec_no_lone_path && tcb->snd_una == tcb->snd_max && !r->rack.n &&
	       !r->rack.cap && !tcp_rexmit_running(tcb) &&
	       (plain || (!p->syn && !p->gso && !p->rexmit && p->seq == tcb->snd_max &&
			  !(tcp_rare(tcb) & (TCP_RARE_REC | TCP_RARE_TLP_DUE | TCP_RARE_LOST)) &&
			  tcp_is_synchronized(tcb->state)));
}

/*
 * After a lone segment [seq, seq + span) was accounted (recovery.c "Lone segments";
 * lone_ok says when; SND.NXT = SND.MAX = seq + span now): what tcp_rec_on_xmit,
 * tcp_rexmit_arm and tcp_rec_after_send would do, in one pass: RACK's inline entry
 * (rack.c tcp_rack_on_lone_send), the RTO in the retransmission slot (the SYN-ACK slot
 * cleared, RACK's timer kind RTO), replaced by the probe timeout when schedule_tlp would
 * take it (RFC 8985 §7.2), in one tcp_timer_set at the earlier of the two. Here rather
 * than in recovery.c, and always inline, for account_sent's four calls per lifecycle in
 * bench lifecycle (a data segment or a FIN each): out of line its call and frame cost
 * ~77 instructions per lifecycle more. tcp_stack.rec_no_lone_path turns it off
 * (test_tcp_rack_runs compares).
 */
static inline __attribute__((always_inline)) void
account_lone_send(struct tcp_stack *ts, struct tcb *tcb, uint32_t seq, uint32_t span)
{
	struct tcp_rack *m = &tcb->rec.rack;
	uint64_t rto = tcp_rto_ns(ts, tcb), at = ts->now_ns + rto;

	if (tcp_rack_enabled(ts, tcb))
		tcp_rack_on_lone_send(ts, tcb, seq, span);
	tcb->deadline[TCP_T_SYNACK] = 0;        /* tcp_rexmit_arm: RFC 6298 (5.1) */
	m->timer = TCP_RACK_T_RTO;
	if (m->active && tcb->sack_ok && ts->cfg.early_retrans >= 3 && !m->tlp_out) {
		at = ts->now_ns + tcp_rack_pto_rto(ts, tcb, rto);      /* §7.2, <= the RTO */
		m->timer = TCP_RACK_T_TLP;
	}
	tcp_timer_set(ts, tcb, TCP_T_RETRANSMIT, at);
}

/* Bookkeeping after a segment left (RFC 6298 (5.1), Karn, user timeout); plain: p is
 * emit_common's (lone_ok). */
static inline __attribute__((always_inline)) void
account_sent(struct tcp_stack *ts, struct tcb *tcb, const struct plan *p, bool plain)
{
	uint32_t span = p->len + p->syn + p->fin;
	uint32_t end = p->seq + span;
	bool new_data = seq_gt(end, tcb->snd_max);
	bool lone = lone_ok(ts, tcb, p, span, plain);

	if (p->fin) {
		tcb->fin_sent = true;
		tcb->fin_seq = p->seq + p->len;
	}
	if (p->rexmit)
		tcp_rec_on_sent(ts, tcb, p->seq, span);
	if (lone) {
		/* RACK's map, the RTO and the probe timer below, in one pass */
	} else if (span && !p->syn && p->gso) {
		/* a super-segment: RACK's map holds each wire packet, as it would have */
		tcp_rec_on_xmit_gso(ts, tcb, p->seq, p->len, span, p->gso);
	} else if (span && !p->syn) {
		tcp_rec_on_xmit(ts, tcb, p->seq, span);        /* RACK's transmit map */
	}
	if (span) {
		if (!tcb->rtt.timing && new_data && !seq_lt(p->seq, tcb->snd_max)) {
			tcb->rtt.timing = true;
			/* a super-segment times its first wire packet, as sent alone */
			tcb->rtt.timed_seq = p->gso ? p->seq + p->gso : end;
			tcb->rtt.timed_at_ns = ts->now_ns;
		}
		if (!p->rexmit || p->seq == tcb->snd_nxt)
			tcb->snd_nxt = end;     /* a retransmission below it leaves SND.NXT */
		if (new_data)
			tcb->snd_max = end;
		if (lone)
			account_lone_send(ts, tcb, p->seq, span);
		else if (!tcp_rexmit_running(tcb))
			tcp_rexmit_arm(ts, tcb);        /* RFC 6298 (5.1) */
		if (tcb->opt.user_timeout_ms && !tcb->deadline[TCP_T_USER_TIMEOUT])
			tcp_timer_set(ts, tcb, TCP_T_USER_TIMEOUT,
				      ts->now_ns + tcb->opt.user_timeout_ms * MS);
		tcp_timer_clear(ts, tcb, TCP_T_PERSIST);
		tcb->cc.last_send_ns = ts->now_ns;      /* idle restart (cc.c) */
		if (new_data && !lone)
			tcp_rec_after_send(ts, tcb);    /* RFC 8985 §7.2 probe timer */
	}
	if (p->flags & WIRE_TCP_ACK) {
		tcb->want_ack = false;
		tcp_timer_clear(ts, tcb, TCP_T_DELACK);
		tcp_rcv_ack_sent(ts, tcb, p->len);      /* quick-ACK count, RCV.WUP (reass.c) */
	}
	if (!plain)
		tcp_set_want_probe(tcb, false); /* a plain plan had none (TCP_RARE_PLAN) */
	tcb->segs_out += p->gso ? (p->len + p->gso - 1) / p->gso : 1;
	tcb->bytes_sent += p->len;
}

/* Arms the persist timer when data waits and nothing is in flight to bring an ACK:
 * behind a zero window (§3.8.6.1) or a window too small to use (the SWS override
 * timeout, RFC 1122 §4.2.3.4 (4)); as Linux (tcp_check_probe_timer), after one RTO
 * (never less than rto_min) with the current backoff. */
static void maybe_persist(struct tcp_stack *ts, struct tcb *tcb)
{
	if (may_send_data(tcb->state) && unsent_bytes(tcb) && !tcp_rexmit_running(tcb) &&
	    !tcb->deadline[TCP_T_PERSIST])
		tcp_timer_set(ts, tcb, TCP_T_PERSIST, ts->now_ns + tcp_rto_ns(ts, tcb));
}

/* Effective send MSS for this segment (RFC 9293 §3.7.1: the TCP header size counts
 * the options actually sent; Linux tcp_current_mss): snd_mss already excludes the
 * Timestamps option; SACK blocks on a data segment take their bytes from the payload.
 * Trims p (FIN and PSH then belong to a later segment). */
static uint32_t full_payload(const struct tcb *tcb, size_t opts_len, size_t ip_hdr)
{
	uint32_t room = (uint32_t)tcb->snd_mss + (tcb->ts_ok ? 12u : 0u);
	/* IP options too (ip_hdr beyond 20): RFC 1122 §4.2.2.6 Eff.snd.MSS =
	 * min(SendMSS + 20, MMS_S) - TCPhdrsize - IPoptionsize (Linux's icsk_ext_hdr_len) */
	uint32_t opt = (uint32_t)opts_len + (uint32_t)(ip_hdr - WIRE_IPV4_HDR_MIN);

	return room > opt ? room - opt : 1;
}

/* opts_len: wire_tcp_opts_len(&seg->opt), computed once per segment by build_segment. */
static void trim_to_options(const struct tcb *tcb, struct plan *p, struct wire_tcp *seg,
			    size_t opts_len, size_t ip_hdr)
{
	uint32_t lim = full_payload(tcb, opts_len, ip_hdr);

	if (p->syn || p->len <= lim)
		return;
	p->len = lim;
	p->fin = false;
	p->flags &= (uint8_t)~(WIRE_TCP_FIN | WIRE_TCP_PSH);
	seg->flags &= (uint8_t)~(WIRE_TCP_FIN | WIRE_TCP_PSH);
}

/*
 * Segmentation offload (docs/choices.md "GSO/GRO"): with the stack's gso knob on, a
 * full-sized segment of new data grows into a super-segment of as many full segments
 * as the data queued, the usable window, cwnd's room, the buffer and IPv4's 65535-byte
 * limit allow, which the driver cuts into wire packets with synack_gso_segment — each
 * exactly the segment this routine would have built on the next call (same options and
 * TSval: the clock does not move between calls; PSH and FIN only on the last; IP ID
 * one more per packet), as Linux's TSO does. Only the plain case grows: no SYN, no
 * retransmission, loss recovery open, no urgent pointer, no SACK blocks (a D-SACK goes
 * out once), no probe (zero-window, keep-alive, or RFC 8985 §7.3's tail loss probe:
 * one segment), no IP options; else one segment as always.
 */
static void grow_to_super(struct tcp_stack *ts, const struct tcb *tcb, struct plan *p,
			  struct wire_tcp *seg, size_t opts_len, size_t at, size_t cap,
			  bool has_route)
{
	uint32_t lim = p->len, room, k;

	/* recovery open, no probe wanted or due: the summary's bits (rare.h) */
	if (!ts->cfg.gso || !lim || p->syn || p->rexmit || has_route ||
	    p->seq != tcb->snd_max ||
	    (tcp_rare(tcb) & (TCP_RARE_REC | TCP_RARE_PROBE | TCP_RARE_KA_PROBE |
			      TCP_RARE_TLP_DUE)) ||
	    (seg->flags & WIRE_TCP_URG) || (seg->opt.present & WIRE_HAS_SACK) ||
	    lim != full_payload(tcb, opts_len, WIRE_IPV4_HDR_MIN))
		return;
	room = min3(unsent_bytes(tcb), usable_window(tcb), cwnd_room(tcb));
	if (cap > 65535)
		cap = 65535;
	if (cap <= at)
		return;
	k = min3(room / lim, (uint32_t)((cap - at) / lim), UINT32_MAX);
	if (k < 2)
		return;
	p->len = k * lim;
	p->gso = lim;
	plan_end_flags(tcb, p, tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf));
	seg->flags = (uint8_t)((seg->flags & ~(WIRE_TCP_FIN | WIRE_TCP_PSH)) |
			       (p->flags & (WIRE_TCP_FIN | WIRE_TCP_PSH)));
}

/* tcp_output_burst's record of a super-segment whose headers are at buf (route NULL:
 * grow_to_super makes none with IP options): the driver cuts it from the ring. */
static void record_burst(struct tcp_stack *ts, struct tcb *tcb, const struct plan *p,
			 const uint8_t *buf, size_t hdr_len)
{
	struct tcp_burst *b = &ts->burst;

	b->tcb = tcb;
	b->seq = p->seq;
	b->len = p->len;
	b->gso = p->gso;
	b->hdr_len = (uint32_t)hdr_len;
	memcpy(b->hdr, buf, hdr_len);
}

/* ---- the common segment, written straight from the tcb ------------------------------ */

/*
 * Whether p (planned by plan_pure_ack or plan_new_data: <SEQ=SND.NXT><ACK>, maybe data,
 * PSH and FIN, no SYN, no probe) may be written by emit_common instead of build_segment's
 * general code: nothing of what that code adds besides the fixed header and NOP,NOP,TS
 * applies — no IP options, no urgent data, no SACK blocks to report (a D-SACK included),
 * no super-segment (grow_to_super grows only a full-sized segment), no trim by the
 * options (the payload is at most SMSS, which already excludes the timestamps) — and the
 * packet fits cap and IPv4's 65535 bytes (else the general code counts the refusal).
 * The IP options, the urgent data and the blocks to report are the summary's
 * (TCP_RARE_WRITER, TCP_RARE_OOO: rare.h), one test when none holds, with
 * tcp_stack.no_out_common (TCP_RARE_S_NO_OUT_COMMON), which turns it off:
 * test_tcp_out_common compares both.
 */
static inline __attribute__((always_inline)) bool
is_common(const struct tcp_stack *ts, const struct tcb *tcb, const struct plan *p,
	  const uint32_t *gso, size_t cap)
{
	size_t need = WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN + (tcb->ts_ok ? 12u : 0u) + p->len;
	uint32_t rare = tcp_rare_at(ts, tcb);

	return (!(rare & (TCP_RARE_S_NO_OUT_COMMON | TCP_RARE_WRITER | TCP_RARE_OOO)) ||
		(!(rare & (TCP_RARE_S_NO_OUT_COMMON | TCP_RARE_WRITER)) && !tcb->sack_ok)) &&
	       p->len <= tcb->snd_mss && (!gso || !ts->cfg.gso || p->len < tcb->snd_mss) &&
	       need <= cap && need <= UINT16_MAX;
}

/* A payload of at most SHORT_PAYLOAD bytes (a request, a response) is copied out of the
 * send ring and summed in one loop by peek_sum_short, without ring_peek's memcpy and
 * wire_csum_add's call. */
#define SHORT_PAYLOAD 8u

/* n <= SHORT_PAYLOAD bytes of r from off (they are there: planned from the unsent
 * bytes) to dst, returning their sum as 16-bit big-endian words (RFC 1071 §2) for a
 * dst at an even offset from the TCP header: byte i is the high half of its word when
 * i is even. At most 2^19: a plain addition to the running sum cannot carry out. */
static inline __attribute__((always_inline)) uint64_t
peek_sum_short(const struct ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint32_t mask = r->cap - 1, at = r->head + off, i;
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		uint8_t b = r->buf[(at + i) & mask];

		dst[i] = b;
		sum += (uint32_t)b << (i & 1 ? 0 : 8);
	}
	return sum;
}

/*
 * The fixed TCP header (ports: sport << 16 | dport, SEQ, ACK, word3: offset, flags and
 * window; urgent pointer 0) at buf + 20 with its checksum, and the 20-byte IPv4 header
 * from laddr to raddr before it, for a segment of seg_len bytes whose options and
 * payload are in place and summed in sum (RFC 1071 §2, as wire_tcpip_emit sums: from
 * the values). emit_synack_common (a half-open entry has no template); a tcb's segments
 * take put_headers.
 */
static inline __attribute__((always_inline)) void
put_headers_at(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr, uint32_t ports,
	       uint8_t *buf, uint32_t seq, uint32_t ack, uint32_t word3, uint32_t seg_len,
	       uint8_t tos, uint8_t ttl, uint64_t sum)
{
	uint8_t *t = buf + WIRE_IPV4_HDR_MIN;

	sum += wire_pseudo_ipv4(laddr, raddr, WIRE_IPPROTO_TCP, (uint16_t)seg_len) + ports +
	       seq + ack + word3;
	wire_put32(t, ports);
	wire_put32(t + 4, seq);
	wire_put32(t + 8, ack);
	wire_put32(t + 12, word3);
	wire_put32(t + 16, (uint32_t)wire_csum_fold(sum) << 16);        /* urgent pointer 0 */
	wire_ipv4_emit20(buf, tos, (uint16_t)(WIRE_IPV4_HDR_MIN + seg_len), next_ip_id(ts),
			 WIRE_IP_DF, ttl, WIRE_IPPROTO_TCP, laddr, raddr);
}

/* put_headers_at's bytes for the connection tcb, from its header template (wire.h
 * wire_tcpip_tmpl_put: the 4-tuple's bytes and sums made when it entered the hash, its
 * TOS and TTL set where they change, tcb.h tcp_tmpl_tos_ttl), ect the ECN field's bits
 * of this segment (0 or ECT(0), ecn.c): emit_common and emit_syn. */
static inline __attribute__((always_inline)) void
put_headers(struct tcp_stack *ts, const struct tcb *tcb, uint8_t *buf, uint32_t seq,
	    uint32_t ack, uint32_t word3, uint32_t seg_len, uint8_t ect, uint64_t sum)
{
	wire_tcpip_tmpl_put(&tcb->hdr_tmpl, buf, ect, next_ip_id(ts), seq, ack, word3, seg_len,
			    sum);
}

/*
 * p's packet into buf (is_common said it may), with the same bytes, state changes and
 * counts as build_segment's general code, in its order: ECN (ecn.c), the window, the
 * payload from the send ring, both headers with NOP,NOP,TS when negotiated (RFC 7323
 * §3.2), account_sent, the note. The headers are written from the tcb's fields with no
 * struct wire_tcp, no option walk and no memset: the checksums are summed from the
 * values as wire_tcpip_emit sums them (RFC 1071 §2). Always inline, at three calls in
 * build_segment: the pure ACK's copy and the FIN-only segment's see their plans as
 * constants.
 */
static inline __attribute__((always_inline)) size_t
emit_common(struct tcp_stack *ts, struct tcb *tcb, const struct plan *p, uint8_t *buf)
{
	uint8_t flags = p->flags;
	/* the TOS and TTL are the header template's; ECN's field is this segment's (IP_TOS
	 * holds none: tcp_ecn_out's TOS is IP_TOS with ECT(0) on new data, or IP_TOS) */
	uint8_t ect = !(tcb->ecn_flags & TCP_ECN_OK)      /* tcp_ecn_out's own first test */
			      ? 0
			      : tcp_ecn_out(ts, tcb, &flags, p->len != 0, tcb->opt.ip_tos) &
					TCP_ECN_MASK;
	uint16_t win = advertise_window(ts, tcb, false);
	uint32_t olen = tcb->ts_ok ? 12u : 0u, hdr_len = WIRE_TCP_HDR_MIN + olen;
	uint32_t seg_len = hdr_len + p->len, ack = tcb->rcv_nxt;
	uint32_t word3 = (hdr_len / 4) << 28 | (uint32_t)flags << 16 | win;
	uint8_t *t = buf + WIRE_IPV4_HDR_MIN;
	uint64_t sum = 0;

	/* (p->flags holds ACK: both plans set it, so SEG.ACK is RCV.NXT) */
	if (olen)
		sum = wire_ts_opt_put_sum(t + WIRE_TCP_HDR_MIN, ts_now(ts, tcb), tcb->ts_recent);
	if (p->len > SHORT_PAYLOAD) {
		ring_peek(&tcb->sndbuf, p->seq - tcp_sndbuf_seq(tcb), t + hdr_len, p->len);
		sum = wire_csum_add(sum, t + hdr_len, p->len);
	} else if (p->len) {
		sum += peek_sum_short(&tcb->sndbuf, p->seq - tcp_sndbuf_seq(tcb), t + hdr_len,
				      p->len);
	}
	put_headers(ts, tcb, buf, p->seq, ack, word3, seg_len, ect, sum);
	account_sent(ts, tcb, p, true);
	/* (no keep-alive probe to clear: both plain plans had none, TCP_RARE_PLAN) */
	if (ts->notes_cap) {
		struct wire_tcp seg = {
			.sport = tcb->lport, .dport = tcb->rport, .seq = p->seq, .ack = ack,
			.flags = flags, .win = win, .payload_len = p->len,
		};

		tcp_note(ts, tcb, SYNACK_NOTE_OUT, SYNACK_V_SENT, tcb->state, &seg, tcb->laddr,
			 tcb->raddr, "sent");
	}
	return count_packet(ts, WIRE_IPV4_HDR_MIN + seg_len);
}

/*
 * settle_after_send's nothing_due after a plain segment (plan_pure_ack or plan_new_data,
 * then emit_common) without the tests whose answer is known: the ACK and both probes
 * were just cleared, our SYN is acknowledged, and loss recovery is as the plan found it
 * (open, nothing to resend, nothing lost, no probe due: sending changes none of them).
 * So only unsent data, or our FIN still to go at SND.NXT, keeps the connection listed
 * (plan_end_flags puts the FIN on the last byte of such a plan, so the second test is
 * nothing_due's guard kept, not a case seen); after a pure ACK (nothing queued at or
 * after SND.NXT) build_segment tests only the queued FIN.
 */
static inline __attribute__((always_inline)) bool is_data_settled(const struct tcb *tcb)
{
	return !unsent_bytes(tcb) &&
	       (!tcb->fin_queued || tcp_fin_acked(tcb) ||
		tcb->snd_nxt != tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf));
}

/*
 * Whether our SYN (SYN-SENT, SND.NXT = SND.UNA = ISS: plan_segment's first case, sent or
 * resent) may be written by emit_syn instead of build_segment's general code: the one-pass
 * writers in use (is_one_pass: no IP options, no_out_fast_path off), all four SYN options
 * on (build_options' tests; WIRE_SYN_OPTS, as Linux's defaults and ours), no urgent
 * pointer (a MSG_OOB send queued before the SYN puts URG on it), and room in buf (else
 * the general code counts the refusal). tcp_stack.no_out_common turns it off with the
 * common segment's writer: test_tcp_out_common compares both.
 */
static bool is_syn_common(const struct tcp_stack *ts, const struct tcb *tcb, size_t cap)
{
	/* both switches, the IP options and the urgent pointer: the summary's (rare.h) */
	return !(tcp_rare_at(ts, tcb) & (TCP_RARE_S_NO_OUT_COMMON | TCP_RARE_S_NO_OUT_FAST |
					 TCP_RARE_WRITER)) &&
	       tcb->state == TCP_SYN_SENT && tcb->snd_nxt == tcb->iss &&
	       !tcb->syn_was_acked && (tcb->ws_ok || ts->cfg.window_scaling) &&
	       (tcb->sack_ok || ts->cfg.sack) && (tcb->ts_ok || ts->cfg.timestamps) &&
	       cap >= WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN + 20u;
}

/*
 * Our SYN into buf (is_syn_common said it may) with the bytes, state changes and counts of
 * build_segment's general code, in its order: <SEQ=ISS><CTL=SYN> with ECN's setup flags
 * (RFC 3168 §6.1.1, ecn.c), the unscaled window (RFC 7323 §2.2), the options MSS
 * (RFC 9293 §3.7.1), SACK-permitted (RFC 2018 §2), TS (RFC 7323 §3.2: TSecr as the tcb
 * holds it) and WS in Linux's layout, then account_sent (RFC 6298 (5.1)) and the note.
 */
static size_t emit_syn(struct tcp_stack *ts, struct tcb *tcb, uint8_t *buf)
{
	struct plan p = { .seq = tcb->snd_nxt, .flags = WIRE_TCP_SYN, .syn = true };
	uint8_t flags = (uint8_t)(WIRE_TCP_SYN | tcp_ecn_syn_flags(ts, tcb));
	uint16_t win = advertise_window(ts, tcb, true);
	uint32_t seg_len = WIRE_TCP_HDR_MIN + 20u;
	uint32_t word3 = (seg_len / 4) << 28 | (uint32_t)flags << 16 | win;
	uint64_t sum = wire_syn_opts_put_sum(buf + WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN,
					     tcb->rcv_mss, ts_now(ts, tcb), tcb->ts_recent,
					     tcb->rcv_wscale);

	put_headers(ts, tcb, buf, p.seq, 0, word3, seg_len, 0, sum);      /* no ECT on SYNs */
	account_sent(ts, tcb, &p, false);
	tcp_set_want_ka_probe(tcb, false);
	if (ts->notes_cap) {
		struct wire_tcp seg = {
			.sport = tcb->lport, .dport = tcb->rport, .seq = p.seq, .flags = flags,
			.win = win,
		};

		tcp_note(ts, tcb, SYNACK_NOTE_OUT, SYNACK_V_SENT, tcb->state, &seg, tcb->laddr,
			 tcb->raddr, "sent");
	}
	return count_packet(ts, WIRE_IPV4_HDR_MIN + seg_len);
}

/*
 * Whether r's SYN-ACK may be written by emit_synack_common instead of emit_synack's
 * general code (tcp_synq_header, then wire_tcpip_emit): the one-pass writers in use (no
 * return route, no_out_fast_path off), all four SYN options on (the peer's SYN offered
 * WS, SACK-permitted and TS and we accept them: Linux's SYN, and ours), and room in buf
 * (else the general code counts the refusal). tcp_stack.no_out_common turns it off with
 * the other common writers: test_tcp_out_common compares both.
 */
static bool is_synack_common(const struct tcp_stack *ts, const struct tcp_reqsk *r, size_t cap)
{
	return !ts->no_out_common && !ts->no_out_fast_path && !r->ipopts &&
	       r->peer_wscale != 0xff && r->sack_ok && r->ts_ok &&
	       cap >= WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN + 20u;
}

/*
 * r's SYN-ACK into buf (is_synack_common said it may) with the bytes and state changes of
 * emit_synack's general code: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (RFC 9293 §3.10.7.2),
 * ECE for an ECN setup (RFC 3168 §6.1.1), the unscaled window (RFC 7323 §2.2), the
 * options MSS, SACK-permitted, TS (tcp_synq_tsval; TSecr the SYN's TSval) and WS in
 * Linux's layout; then tcp_synq_sent (its send time and the note). The struct wire_tcp
 * the note shows is built only when notes are kept.
 */
static size_t emit_synack_common(struct tcp_stack *ts, struct tcp_reqsk *r, uint8_t *buf)
{
	uint8_t flags = WIRE_TCP_SYN | WIRE_TCP_ACK | (r->ecn_ok ? WIRE_TCP_ECE : 0);
	uint32_t seg_len = WIRE_TCP_HDR_MIN + 20u;
	uint32_t word3 = (seg_len / 4) << 28 | (uint32_t)flags << 16 | r->win;
	uint8_t ttl = r->ip_ttl ? r->ip_ttl : ts->cfg.ip_default_ttl;
	uint64_t sum = wire_syn_opts_put_sum(buf + WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN,
					     r->rcv_mss, tcp_synq_tsval(ts, r), r->ts_recent,
					     r->rcv_wscale);

	put_headers_at(ts, r->laddr, r->raddr, (uint32_t)r->lport << 16 | r->rport, buf,
		       r->iss, r->irs + 1, word3, seg_len, r->ip_tos, ttl, sum);
	if (ts->notes_cap) {
		struct wire_tcp seg;

		tcp_synq_header(ts, r, &seg);
		tcp_synq_sent(ts, r, &seg);
	} else {
		r->synack_sent_ns = ts->now_ns;         /* tcp_synq_sent's, without its note */
	}
	return count_packet(ts, WIRE_IPV4_HDR_MIN + seg_len);
}

/* Builds tcb's next segment into buf; gso NULL: one wire packet, else a super-segment
 * may come (*gso its payload bytes per wire packet, 0 for a single packet); burst: a
 * super-segment's payload stays in the ring (tcp_output_burst). Always inline (its one
 * caller, output_queued): with emit_common's copies GCC would otherwise keep it
 * out of line, a call and a frame per segment. */
static inline __attribute__((always_inline)) size_t
build_segment(struct tcp_stack *ts, struct tcb *tcb, uint8_t *buf, size_t cap,
	      uint32_t *gso, bool burst)
{
	const struct ip_opts *route;
	size_t hl;
	struct plan p;
	struct wire_tcp seg;
	uint8_t *payload;
	uint8_t tos;
	size_t n, at, olen;
	bool one_pass, pure, plain;

	/* the plain plans first (plan_pure_ack, plan_new_data), else the general one */
	pure = plan_pure_ack(ts, tcb, &p);
	if (pure && is_common(ts, tcb, &p, gso, cap)) {
		/* RFC 9293 §3.8.6.3: the ACK input asked for, <SEQ=SND.NXT><ACK=RCV.NXT>
		 * <CTL=ACK> with no text, written by emit_common's own copy for this plan:
		 * with its fields given as constants, the payload's, the FIN's, RACK's and
		 * the RTO's steps fold away (no sequence space is sent). The plan is
		 * plan_pure_ack's; the general code below takes it only when is_common
		 * refuses. About -260 instructions per lifecycle in bench lifecycle. */
		struct plan a = { .seq = tcb->snd_nxt, .flags = WIRE_TCP_ACK };

		n = emit_common(ts, tcb, &a, buf);
		if (!tcb->fin_queued)
			list_remove(&tcb->out_link);
		return n;
	}
	plain = pure || plan_new_data(ts, tcb, &p);
	if (!plain) {
		if (is_syn_common(ts, tcb, cap))
			return emit_syn(ts, tcb, buf);
		prepare_send(ts, tcb);
		plan_segment(ts, tcb, &p);
	}
	if (!pure && plan_is_empty(tcb, &p)) {
		maybe_persist(ts, tcb);
		return 0;
	}
	if (plain && !pure && is_common(ts, tcb, &p, gso, cap)) {
		if (!p.len && p.fin) {
			/* RFC 9293 §3.10.4: our FIN alone, <SEQ=SND.NXT><CTL=FIN,ACK> (no
			 * text: plan_end_flags set no PSH), by emit_common's copy for this
			 * plan as for the pure ACK above: its fields as constants fold the
			 * payload's steps. About -80 instructions per lifecycle. */
			struct plan f = { .seq = p.seq, .flags = WIRE_TCP_ACK | WIRE_TCP_FIN,
					  .fin = true };

			n = emit_common(ts, tcb, &f, buf);
		} else {
			n = emit_common(ts, tcb, &p, buf);
		}
		if (is_data_settled(tcb))
			list_remove(&tcb->out_link);
		return n;
	}
	/* the general code: read here, not before the plain plans, which need neither
	 * (emit_common: no IP options, is_common) */
	route = tcb->ipopts;    /* NULL: 20-byte header */
	hl = ip_hdr_len(route);
	tos = tcb->opt.ip_tos;
	memset(&seg, 0, sizeof seg);
	seg.sport = tcb->lport;
	seg.dport = tcb->rport;
	seg.seq = p.seq;
	/* §3.8.4 keep-alive and §3.8.6.1 zero-window probes as Linux sends them: an ACK
	 * with SEG.SEQ = SND.UNA - 1 (already acknowledged), which the peer must answer */
	if ((tcb->want_ka_probe || tcb->want_probe) && !p.len && !p.syn && !p.fin)
		seg.seq = tcb->snd_una - 1;
	seg.ack = (p.flags & WIRE_TCP_ACK) ? tcb->rcv_nxt : 0;
	seg.flags = p.flags;
	/* RFC 9293 §3.8.5: SND.UP matters until the peer has acknowledged the urgent octets;
	 * after that no segment can start below it (each starts at SND.UNA or later). It
	 * must then be forgotten: 2^32 octets later SND.UP would be "ahead" of SEG.SEQ again
	 * and the segments in the 64 KiB below it would carry a false URG. Cleared here,
	 * where every segment of a connection with urg_pending is written (TCP_RARE_WRITER
	 * keeps the other writers off it); the connection's segments then take the common
	 * writers again (test_tcp_established urgent_pointer_forgotten_once_acked). */
	if (tcb->urg_pending && !seq_lt(tcb->snd_una, tcb->snd_up))
		tcp_clear_urg_pending(tcb);
	if (tcb->urg_pending && seq_lt(p.seq, tcb->snd_up) && tcb->snd_up - p.seq <= 65535) {
		seg.flags |= WIRE_TCP_URG;      /* RFC 6093: points past the urgent byte */
		seg.urp = (uint16_t)(tcb->snd_up - p.seq);
	}
	/* RFC 3168 §6.1: ECN setup on SYNs, ECE/CWR and ECT(0) on new data (ecn.c) */
	if (p.syn)
		seg.flags |= tcp_ecn_syn_flags(ts, tcb);
	else
		tos = tcp_ecn_out(ts, tcb, &seg.flags, p.len && !p.rexmit && !tcb->want_probe &&
					       !seq_lt(p.seq, tcb->snd_max), tos);
	seg.win = advertise_window(ts, tcb, p.syn);
	build_options(ts, tcb, p.syn, &seg.opt);
	olen = wire_tcp_opts_len_quick(&seg.opt);       /* they do not change below */
	trim_to_options(tcb, &p, &seg, olen, hl);
	if (cap < hl)
		return 0;
	/* the payload goes straight to its place in the packet, after the IP and TCP
	 * headers (wire_tcp_emit leaves it there): one copy out of the send ring */
	at = hl + WIRE_TCP_HDR_MIN + olen;
	if (gso)
		grow_to_super(ts, tcb, &p, &seg, olen, at, burst ? 65535 : cap, route != NULL);
	burst = burst && p.gso;
	payload = at <= cap ? buf + at : buf;   /* (too long: wire_tcp_emit refuses) */
	if (p.len && at + p.len <= cap && !burst)
		ring_peek(&tcb->sndbuf, p.seq - tcp_sndbuf_seq(tcb), payload, p.len);
	/* a super-segment's TCP checksum is left to the cut (synack_gso_segment sums
	 * each wire packet): the header is emitted alone, the payload stays behind it */
	one_pass = is_one_pass(ts, route, p.gso);
	if (one_pass)
		n = wire_tcpip_emit(&seg, tcb->laddr, tcb->raddr,
				    tcb->opt.ip_ttl ? tcb->opt.ip_ttl : ts->cfg.ip_default_ttl,
				    tos, next_ip_id(ts), p.len, buf, cap);
	else
		n = wire_tcp_emit(&seg, tcb->laddr, tcb->raddr, payload, p.gso ? 0 : p.len,
				  buf + hl, cap - hl);
	if (!n) {
		tcp_count(ts, SYNACK_CTR_OUT_NO_ROOM);
		return 0;
	}
	n += p.gso && !burst ? p.len : 0;
	seg.payload_len = p.len;
	account_sent(ts, tcb, &p, false);
	tcp_set_want_ka_probe(tcb, false);
	tcp_note(ts, tcb, SYNACK_NOTE_OUT, SYNACK_V_SENT, tcb->state, &seg, tcb->laddr,
		 tcb->raddr, "sent");
	if (p.gso) {
		*gso = p.gso;
		/* the counters count wire packets: the cut makes the others */
		uint32_t more = (p.len + p.gso - 1) / p.gso - 1;

		n = finish_packet(ts, buf, cap, tcb->laddr, tcb->raddr, n, tcb->opt.ip_ttl,
				  tos, route);
		ts->counters[SYNACK_CTR_IP_OUT] += n ? more : 0;
		ts->counters[SYNACK_CTR_TCP_OUT] += n ? more : 0;
		if (n && burst) {
			record_burst(ts, tcb, &p, buf, n);
			n += p.len;
		}
		return n;
	}
	if (one_pass)
		return count_packet(ts, n);
	return finish_packet(ts, buf, cap, tcb->laddr, tcb->raddr, n, tcb->opt.ip_ttl, tos,
			     route);
}

/*
 * After a segment left: a connection that may have more to send stays listed; one with
 * nothing due is taken off the list now instead of by the next call (then tcp_output's
 * early return makes the driver's last, empty call cheap: about 13 of a lifecycle's 24
 * calls found only this). That call's note_max_window is not needed here: build_segment
 * made it already (prepare_send or plan_pure_ack, same guard) and output does not move
 * SND.WND. The same
 * for a driver that drains until nothing comes before its next input or advance (the
 * reference loop, the simulator, bench lifecycle): no input and no clock move between
 * the two points; tcp_stack.no_out_fast_path keeps the connection listed
 * (test_tcp_fastpath compares both).
 */
static void settle_after_send(struct tcp_stack *ts, struct tcb *tcb)
{
	if ((tcp_rare_at(ts, tcb) & TCP_RARE_S_NO_OUT_FAST) || !nothing_due(tcb))
		return;
	list_remove(&tcb->out_link);
}

/* n, a packet from one of the four queues before the output list: out_maybe again
 * exactly what the queues hold (tcb.h tcp_mark_output). */
static size_t sent_queued(struct tcp_stack *ts, size_t n)
{
	ts->out_maybe = (uint8_t)((tcp_queues_hold(ts) ? TCP_OUT_QUEUES : 0u) |
				  (list_empty(&ts->out_list) ? 0u : TCP_OUT_LIST));
	return n;
}

/* Kept out of line so that tcp_output's empty case does not pay for its frame. */
__attribute__((noinline)) static size_t output_queued(struct tcp_stack *ts, uint8_t *buf,
						      size_t cap, uint32_t *gso, bool burst)
{
	struct list_node *first;

	/* the four queues only when one may hold a packet (tcb.h tcp_mark_output) */
	if (ts->out_maybe & TCP_OUT_QUEUES) {
		if (ts->raw_len) {
			struct tcp_raw *r = &ts->rawq[ts->raw_head];
			size_t n = r->len;

			ts->raw_head = (ts->raw_head + 1) % TCP_RAW_QUEUE;
			ts->raw_len--;
			if (n > cap) {
				tcp_count(ts, SYNACK_CTR_OUT_NO_ROOM);
				return output_queued(ts, buf, cap, gso, burst);
			}
			memcpy(buf, r->data, n);
			tcp_count(ts, SYNACK_CTR_IP_OUT);
			return sent_queued(ts, n);
		}
		while (ts->ctl_len) {
			const struct tcp_ctl *c = &ts->ctlq[ts->ctl_head];
			size_t n;

			ts->ctl_head = (ts->ctl_head + 1) % TCP_CTL_QUEUE;
			ts->ctl_len--;
			n = emit_ctl(ts, c, buf, cap);
			if (n)
				return sent_queued(ts, n);
			tcp_count(ts, SYNACK_CTR_OUT_NO_ROOM);
		}
		while (ts->cookie_len) {
			struct tcp_reqsk *r = &ts->cookieq[ts->cookie_head];
			size_t n = emit_synack(ts, r, buf, cap);

			ts->cookie_head = (ts->cookie_head + 1) % TCP_COOKIE_QUEUE;
			ts->cookie_len--;
			if (n)
				return sent_queued(ts, n);
		}
		while ((first = list_first(&ts->synack_out))) {
			struct tcp_reqsk *r = container_of(first, struct tcp_reqsk, out_link);
			size_t n = emit_synack(ts, r, buf, cap);

			list_remove(first);
			if (n)
				return sent_queued(ts, n);
		}
	}
	/* No nothing_due before build_segment: input lists a connection only when it is
	 * false (tcp_list_if_due), and user calls list one that has something to send, so
	 * the test would repeat the plans' own. For a connection listed with nothing due
	 * the plans find nothing and do what nothing_due's branch did (note_max_window,
	 * through plan_new_data or prepare_send; maybe_persist finds no unsent data) and
	 * the connection leaves the list.
	 * The four queues above are empty: out_maybe is cleared now and set again by any
	 * enqueue meanwhile (tcp_mark_output), so it is exact at each return without
	 * tcp_has_output's five tests. */
	ts->out_maybe = 0;
	while (!list_empty(&ts->out_list)) {   /* (list_first would test for NULL too) */
		struct tcb *tcb = container_of(ts->out_list.next, struct tcb, out_link);
		size_t n = build_segment(ts, tcb, buf, cap, gso, burst);

		if (n) {
			if (!list_empty(&tcb->out_link))        /* not settled yet */
				settle_after_send(ts, tcb);
			if (!list_empty(&ts->out_list))
				ts->out_maybe |= TCP_OUT_LIST;
			return n;
		}
		list_remove(&tcb->out_link);
	}
	return 0;
}

size_t tcp_output(struct tcp_stack *ts, uint8_t *buf, size_t cap, uint32_t *gso)
{
	/* the driver asks until nothing comes: make the last, empty call cheap (the flag
	 * is a superset of tcp_has_output: tcb.h tcp_mark_output) */
	if (!ts->out_maybe)
		return 0;
	if (gso)
		*gso = 0;
	return output_queued(ts, buf, cap, gso, false);
}

size_t tcp_output_burst(struct tcp_stack *ts, uint8_t *buf, size_t cap, uint32_t *gso)
{
	*gso = 0;
	ts->burst.tcb = NULL;
	if (!ts->out_maybe)
		return 0;
	return output_queued(ts, buf, cap, ts->cfg.gso ? gso : NULL, true);
}

void tcp_send_rst_for(struct tcp_stack *ts, struct tcb *tcb)
{
	/* §3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>; Linux also sets ACK when synchronized */
	uint8_t flags = WIRE_TCP_RST;
	uint32_t ack = 0;
	struct tcp_ctl *c;

	if (tcp_has_rcvd_syn(tcb->state)) {
		flags |= WIRE_TCP_ACK;
		ack = tcb->rcv_nxt;
	}
	c = tcp_queue_ctl(ts, tcb->laddr, tcb->lport, tcb->raddr, tcb->rport, tcb->snd_max,
			  ack, flags);
	if (c && tcb->ipopts)
		tcp_route_ctl(ts, c, tcb->ipopts);      /* MUST-53: all its segments */
}
