/*
 * icmp.c — ICMP errors delivered to connections (RFC 9293 §3.9.2.2 MUST-... "TCP MUST
 * act on an ICMP error message passed up from the IP layer, directing it to the
 * connection that created the error"; RFC 1122 §4.2.3.9; RFC 5927 §4.1 sequence check;
 * RFC 1191 path MTU discovery).
 *
 * The quoted segment names the connection by its 4-tuple (ours first). RFC 5927 §4.1:
 * the quoted SEG.SEQ must lie in [SND.UNA, SND.NXT) (SND.MAX here: the highest sent),
 * otherwise the message is stale or forged and ignored (counted tcp_icmp_stale).
 *
 * What each message does (as Linux tcp_v4_err, except where noted):
 *   destination unreachable, code 4 (fragmentation needed, RFC 1191): the send MSS is
 *     lowered to next-hop MTU - 40 (- 12 with timestamps) when that is smaller, and
 *     unacknowledged data is resent at the new size. RFC 1122 lists code 4 among the
 *     hard errors; with path MTU discovery it is not one (Linux, RFC 1191). Next-hop
 *     MTUs below 68 (RFC 791's minimum) or absent (0) are ignored.
 *   destination unreachable, codes 2 (protocol) and 3 (port), in SYN-SENT: hard errors
 *     (RFC 1122 §4.2.3.9): connect() fails at once, ENOPROTOOPT / ECONNREFUSED.
 *   every other error, and codes 2/3 in any other state: soft errors (RFC 1122 §4.2.3.9
 *     "SHOULD NOT abort"; RFC 5461): kept as the connection's soft error. If the
 *     connection later times out, the soft error is what the user sees instead of
 *     ETIMEDOUT (Linux tcp_write_err: sk_err_soft ?: ETIMEDOUT); an acknowledgment of
 *     new data clears it. Deviation: Linux aborts SYN-SENT on any ICMP error (e.g. host
 *     unreachable); we keep retrying, as RFC 1122 asks for soft errors.
 * Half-open entries (SYN queue, RFC 9293 §3.10.7.2): the one segment an entry has sent
 * is its SYN-ACK, so RFC 5927 §4.1's check is SEG.SEQ == ISS; a mismatch is ignored and
 * counted tcp_icmp_stale. A matching net or host unreachable (codes 0, 1), time
 * exceeded or parameter problem drops the entry silently, as Linux tcp_req_err (the
 * listener goes on; POSIX wants no network errors from accept()); every other message
 * (port unreachable, fragmentation needed, ...) leaves it (Linux since 2015: a SYN-ACK
 * has no route or path MTU of its own to correct).
 * TIME-WAIT records ignore ICMP errors (counted tcp_icmp_stale).
 */
#include <errno.h>

#include "ip/ip.h"
#include "tcp/tcb.h"

#define ICMP_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

/* Linux's icmp_err_convert table for destination unreachable codes 0..15. */
static int unreach_errno(uint8_t code)
{
	static const int map[16] = {
		ENETUNREACH, EHOSTUNREACH, ENOPROTOOPT, ECONNREFUSED, EMSGSIZE, EOPNOTSUPP,
		ENETUNREACH, EHOSTUNREACH, ENONET, ENETUNREACH, EHOSTUNREACH, ENETUNREACH,
		EHOSTUNREACH, EHOSTUNREACH, EHOSTUNREACH, EHOSTUNREACH,
	};

	return code < 16 ? map[code] : EHOSTUNREACH;
}

static void icmp_note(struct tcp_stack *ts, struct tcb *tcb, uint8_t before, uint8_t verdict,
		      const char *reason)
{
	tcp_note(ts, tcb, SYNACK_NOTE_IN, verdict, before, NULL, 0, 0, reason);
}

/* RFC 1191: lower the send MSS to the next-hop MTU; resend what is outstanding. */
static void pmtu_reduce(struct tcp_stack *ts, struct tcb *tcb, uint16_t mtu)
{
	uint32_t mss;

	if (mtu < 68 || mtu < 40 + 1 + (tcb->ts_ok ? 12 : 0)) {
		icmp_note(ts, tcb, tcb->state, SYNACK_V_DROPPED,
			  "ICMP fragmentation needed: next-hop MTU unusable, ignored");
		return;
	}
	mss = (uint32_t)mtu - 40 - (tcb->ts_ok ? 12 : 0);
	if (mss >= tcb->snd_mss) {
		icmp_note(ts, tcb, tcb->state, SYNACK_V_DROPPED,
			  "ICMP fragmentation needed: MSS already small enough");
		return;
	}
	tcb->snd_mss = (uint16_t)mss;
	if (tcb->snd_nxt != tcb->snd_una && tcp_is_synchronized(tcb->state)) {
		tcb->snd_nxt = tcb->snd_una;    /* resend at the new size (Linux) */
		tcb->rtt.timing = false;        /* Karn: no sample from a resent segment */
		tcp_want_output(ts, tcb);
	}
	tcp_count(ts, SYNACK_CTR_TCP_ICMP_ERR);
	icmp_note(ts, tcb, tcb->state, SYNACK_V_ACCEPTED,
		  "ICMP fragmentation needed: send MSS lowered (RFC 1191)");
}

/* Linux tcp_v4_err's list of messages that abort a request sock. */
static bool drops_half_open(const struct ip_icmp_err *e)
{
	return e->type == ICMP_PARAM_PROBLEM || e->type == ICMP_TIME_EXCEEDED ||
	       (e->type == ICMP_UNREACH && (e->code == 0 || e->code == 1));
}

/* An ICMP error quoting an entry's SYN-ACK (file header). */
static void half_open_err(struct tcp_stack *ts, struct tcp_reqsk *r, const struct ip_icmp_err *e)
{
	const char *why;
	uint8_t after = TCP_SYN_RECEIVED;
	struct synack_note *n;

	if (e->seq != r->iss) {
		tcp_count(ts, SYNACK_CTR_TCP_ICMP_STALE);   /* RFC 5927 §4.1 */
		why = "ICMP error ignored: half-open entry, sequence is not its ISS";
	} else if (drops_half_open(e)) {
		tcp_count(ts, SYNACK_CTR_TCP_ICMP_ERR);
		tcp_synq_free(ts, r);
		after = TCP_LISTEN;
		why = "ICMP error: half-open entry dropped, back to LISTEN";
	} else {
		why = "ICMP error ignored: half-open entry kept (not a dropping message)";
	}
	tcp_note(ts, NULL, SYNACK_NOTE_IN,
		 after == TCP_LISTEN ? SYNACK_V_ACCEPTED : SYNACK_V_DROPPED, TCP_SYN_RECEIVED, NULL, e->laddr, e->raddr, why);
	n = tcp_note_last(ts);
	if (!n)
		return;
	n->state_after = after;
	n->lport = e->lport;
	n->rport = e->rport;
}

void tcp_icmp_input(struct tcp_stack *ts, const struct ip_icmp_err *e)
{
	struct tcb *tcb = tcp_lookup(ts, e->laddr, e->lport, e->raddr, e->rport);
	struct tcp_reqsk *r;
	uint8_t before;
	int err;

	if (!tcb && tcp_is_local_addr(ts, e->laddr) &&
	    (r = tcp_synq_lookup(ts, e->laddr, e->lport, e->raddr, e->rport))) {
		half_open_err(ts, r, e);
		return;
	}
	if (!tcb || !tcp_is_local_addr(ts, e->laddr) ||
	    seq_lt(e->seq, tcb->snd_una) || !seq_lt(e->seq, tcb->snd_max)) {
		/* RFC 5927 §4.1: no such connection, or SEG.SEQ not in flight */
		tcp_count(ts, SYNACK_CTR_TCP_ICMP_STALE);
		tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, NULL, e->laddr,
			 e->raddr, "ICMP error ignored: no connection or sequence not in flight");
		return;
	}
	before = tcb->state;
	if (e->type == ICMP_UNREACH && e->code == 4) {
		pmtu_reduce(ts, tcb, e->mtu);
		return;
	}
	if (e->type == ICMP_UNREACH)
		err = unreach_errno(e->code);
	else if (e->type == ICMP_PARAM_PROBLEM)
		err = EPROTO;
	else
		err = EHOSTUNREACH;             /* time exceeded (Linux) */
	tcp_count(ts, SYNACK_CTR_TCP_ICMP_ERR);
	if (tcb->state == TCP_SYN_SENT && e->type == ICMP_UNREACH &&
	    (e->code == 2 || e->code == 3)) {
		icmp_note(ts, tcb, before, SYNACK_V_RESET,
			  e->code == 3 ? "ICMP port unreachable: connection refused"
				       : "ICMP protocol unreachable: connect fails");
		tcp_drop(ts, tcb, err);         /* RFC 1122 §4.2.3.9 hard error */
		tcp_note_fix_after(ts, TCP_CLOSED);
		return;
	}
	tcb->soft_error = err;
	tcp_report_soft(ts, tcb, err);  /* MUST-47: reported, the connection goes on */
	icmp_note(ts, tcb, before, SYNACK_V_ACCEPTED, "ICMP error kept as the soft error");
}
