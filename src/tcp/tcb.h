/*
 * tcb.h — the engine's data: the transmission control block (RFC 9293 §3.3.1) and the
 * per-stack TCP state (demux tables, timing wheel, output and event queues, notes).
 *
 * Invariants:
 *   - A tcb is in the connection hash iff it has a remote endpoint (state >= SYN-SENT);
 *     a listener is in the listener hash iff state == LISTEN.
 *   - tcb->fd >= 0 iff an api descriptor refers to it; a tcb with fd < 0 and no parent
 *     is an orphan kept only to finish closing.
 *   - Output is never built by input or user calls: they record intent (want_ack,
 *     fin_queued, snd_nxt rewinds) and put the tcb on the stack's output list; the one
 *     output routine (output.c) builds segments from state when the driver drains.
 *   - Every timer kind has one absolute deadline (0 = off); the tcb's wheel node is armed
 *     at the minimum (tcb_timers_sync).
 */
#ifndef SYNACK_TCP_TCB_H
#define SYNACK_TCP_TCB_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/bufcache.h"
#include "base/dhash.h"
#include "base/hash.h"
#include "base/list.h"
#include "base/ring.h"
#include "base/timer.h"
#include "ip/ip.h"
#include "synack/synack.h"
#include "tcp/cc.h"
#include "tcp/challenge.h"
#include "tcp/ephemeral.h"
#include "tcp/rare.h"
#include "tcp/rcvbuf.h"
#include "tcp/reass.h"
#include "tcp/recovery.h"
#include "tcp/syncookie.h"
#include "tcp/timewait.h"
#include "wire/wire.h"

/* RFC 9293 §3.3.2 states; values equal the public enum synack_state. */
enum tcp_state {
	TCP_CLOSED = SYNACK_STATE_CLOSED,
	TCP_LISTEN = SYNACK_STATE_LISTEN,
	TCP_SYN_SENT = SYNACK_STATE_SYN_SENT,
	TCP_SYN_RECEIVED = SYNACK_STATE_SYN_RECEIVED,
	TCP_ESTABLISHED = SYNACK_STATE_ESTABLISHED,
	TCP_CLOSE_WAIT = SYNACK_STATE_CLOSE_WAIT,
	TCP_FIN_WAIT_1 = SYNACK_STATE_FIN_WAIT_1,
	TCP_CLOSING = SYNACK_STATE_CLOSING,
	TCP_LAST_ACK = SYNACK_STATE_LAST_ACK,
	TCP_FIN_WAIT_2 = SYNACK_STATE_FIN_WAIT_2,
	TCP_TIME_WAIT = SYNACK_STATE_TIME_WAIT,
};

/* Predicates as ranges over the state order (FreeBSD tcp_fsm.h style). */
static inline bool tcp_is_synchronized(int st) { return st >= TCP_ESTABLISHED; }
static inline bool tcp_has_rcvd_syn(int st) { return st >= TCP_SYN_RECEIVED; }
/* We have sent our FIN (states after CLOSE-WAIT). */
static inline bool tcp_has_sent_fin(int st) { return st > TCP_CLOSE_WAIT; }
/* The peer's FIN has been received. */
static inline bool tcp_has_rcvd_fin(int st)
{
	return st == TCP_CLOSE_WAIT || st == TCP_CLOSING || st == TCP_LAST_ACK ||
	       st == TCP_TIME_WAIT;
}

/* Timer kinds; values equal the public enum synack_timer. */
enum tcp_timer {
	TCP_T_RETRANSMIT = SYNACK_TIMER_RETRANSMIT,
	TCP_T_PERSIST = SYNACK_TIMER_PERSIST,
	TCP_T_DELACK = SYNACK_TIMER_DELACK,
	TCP_T_KEEPALIVE = SYNACK_TIMER_KEEPALIVE,
	TCP_T_TIME_WAIT = SYNACK_TIMER_TIME_WAIT,
	TCP_T_FIN_WAIT_2 = SYNACK_TIMER_FIN_WAIT_2,
	TCP_T_SYNACK = SYNACK_TIMER_SYNACK,
	TCP_T_USER_TIMEOUT = SYNACK_TIMER_USER_TIMEOUT,
	TCP_T_COUNT = SYNACK_TIMER_COUNT
};

/* RFC 6298 estimator state, apart from the timer slot. */
struct tcp_rtt {
	uint32_t srtt_us, rttvar_us, rto_us;
	bool has_sample;
	bool timing;            /* a segment is being timed (Karn: never a retransmitted one) */
	uint32_t timed_seq;     /* the timed segment ends at or after this sequence number */
	uint64_t timed_at_ns;
};

/* Socket options kept per tcb. */
struct tcp_sockopts {
	bool reuseaddr, keepalive, nodelay, linger_on;
	uint32_t linger_s;
	uint32_t keepidle_ms, keepintvl_ms, keepcnt;
	uint32_t user_timeout_ms;
	uint32_t retries1, retries2, syn_retries;
	uint32_t rcvbuf, sndbuf;
	bool sndbuf_locked;     /* SO_SNDBUF was set: no autotuning (Linux SOCK_SNDBUF_LOCK) */
	bool rcvbuf_locked;     /* SO_RCVBUF was set: no autotuning (Linux SOCK_RCVBUF_LOCK) */
	uint16_t maxseg;        /* TCP_MAXSEG user clamp, 0 = none */
	uint8_t ip_tos;         /* IP_TOS: DS field of our IPv4 headers (MUST-48) */
	uint8_t ip_ttl;         /* IP_TTL, 0 = cfg.ip_default_ttl (MUST-49) */
	bool error_reports;     /* SYNACK_EV_SOFT_ERROR wanted (MUST-47, SHLD-20) */
};

struct tcb {
	/* demux: the 4-tuple (host order) */
	struct hash_node hnode;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t state;
	bool in_hash, in_listen_hash, bound;
	struct dhash_node bnode; /* ts->bound, on lport, while bound (bind rules) */
	/* the 4-tuple's fixed header bytes and sums (wire.h), set with the 4-tuple when the
	 * tcb enters the connection hash (tcp_hash_insert_hashed): every segment the
	 * connection sends by output.c's put_headers starts from it */
	struct wire_tcpip_tmpl hdr_tmpl;

	/* RFC 9293 §3.3.1 send sequence variables */
	uint32_t snd_una, snd_nxt, snd_wnd, snd_up, snd_wl1, snd_wl2, iss;
	uint32_t snd_max;       /* highest sequence number sent + 1 (snd_nxt rewinds on RTO) */
	uint32_t max_snd_wnd;   /* RFC 5961 §5.2 MAX.SND.WND: the largest (scaled) window the
	                         * peer ever offered (Linux tp->max_window), kept where
	                         * input.c sets SND.WND once synchronized */
	/* RFC 9293 §3.3.1 receive sequence variables */
	uint32_t rcv_nxt, rcv_wnd, rcv_up, irs;
	uint32_t rcv_adv;       /* right edge last advertised: never moved left (SHLD-14) */

	/* options negotiated (RFC 9293 §3.7.1, RFC 7323) */
	uint16_t snd_mss;       /* effective send MSS */
	uint16_t rcv_mss;       /* what we advertised */
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok;
	bool sack_ok;           /* SACK-permitted sent and received (RFC 2018 §2) */
	uint8_t ecn_flags;      /* TCP_ECN_* (ecn.h; RFC 3168 §6.1) */
	uint32_t ecn_cwr_seq;   /* TCP_ECN_IN_CWR lasts until SND.UNA reaches it */
	uint32_t ts_recent;     /* RFC 7323 §4.3 */
	uint64_t ts_recent_ns;  /* when ts_recent was updated (24-day PAWS rule) */
	uint32_t ts_offset;     /* added to our ms clock for TSval */

	/* intent recorded by input and user calls, consumed by output (output.c) */
	bool want_ack;          /* send an ACK at the next output */
	bool fin_queued;        /* CLOSE/SHUT_WR: a FIN follows the queued data */
	bool fin_sent;          /* fin_seq is meaningful */
	bool syn_was_acked;     /* SND.UNA has passed ISS once: our SYN is acknowledged. Not
				 * read from SND.UNA != ISS, false again on a connection that
				 * has sent 2^32 octets (RFC 9293 §3.4: the space wraps);
				 * set by input.c una_advance and handshake_acked */
	uint32_t fin_seq;       /* sequence number of our FIN */
	bool from_listen;       /* SYN-RECEIVED reached from LISTEN (MUST-11, §3.10.7.4) */
	bool rd_shut;           /* SHUT_RD: received data is discarded */
	bool wr_shut;           /* SHUT_WR or close: no more SEND */
	bool user_closed;       /* close() was called (orphan: fin_timeout applies) */
	bool eof_seen;          /* the peer's FIN has arrived: recv returns 0 when drained */
	bool ever_synced;       /* reached ESTABLISHED once (ENOTCONN vs EOF) */
	bool urg_pending;       /* snd_up is meaningful: URG on segments below it */
	bool rcv_urg;           /* rcv_up is meaningful */
	bool r1_reported;
	bool want_probe;        /* persist timer: send one byte beyond the window */
	bool want_ka_probe;     /* keepalive: send <SEQ=SND.UNA-1><CTL=ACK> */
	bool cookie_child;      /* created from a SYN cookie */
	uint8_t retransmits;    /* consecutive timeouts without progress */
	uint8_t backoff;
	uint8_t ka_probes;      /* keepalive probes sent without answer */
	uint32_t total_retrans;
	struct tcp_challenge_limit challenge;
	uint64_t last_invalid_ack_ns;
	uint64_t first_rto_ns;  /* when the current run of retransmissions began */

	/* timers: one absolute deadline per kind, 0 = off */
	uint64_t deadline[TCP_T_COUNT];
	struct timer_node tnode;
	struct tcp_rtt rtt;
	struct tcp_cc cc;          /* congestion control (cc.h) */
	struct tcp_recovery rec;   /* loss recovery, SACK scoreboard (recovery.h) */
	uint64_t last_rcv_ns;   /* for keepalive idleness */

	/* buffers, storage allocated lazily */
	struct ring sndbuf, rcvbuf;
	struct tcp_reass rcv_ooo;       /* out-of-order data held in rcvbuf, ACK policy */
	struct tcp_rcvspace rcvq;       /* receive-buffer autotuning (rcvbuf.c) */

	/* listen queues: on a listener, heads; on a child, links */
	struct tcb *parent;
	struct list_node synq, acceptq;    /* listener: SYN-RECEIVED children, completed */
	struct list_node qlink;            /* child: on parent's synq or acceptq */
	uint8_t queued;                    /* child: TCP_Q_NONE, TCP_Q_SYN, TCP_Q_ACCEPT */
	uint32_t synq_len, acceptq_len, backlog;
	uint64_t synq_overflow_ns;         /* listener: last SYN answered with a cookie, 0 =
	                                    * never (Linux tcp_synq_overflow; listen.c) */

	/* api */
	int fd;                 /* descriptor or -1 */
	int so_error;           /* pending error (positive errno) for SO_ERROR */
	int dead_error;         /* error the connection ended with, reported by recv/send */
	int soft_error;         /* last ICMP soft error (icmp.c): replaces ETIMEDOUT */
	int report_error;       /* errno of the last SYNACK_EV_SOFT_ERROR (tcp_report_soft) */
	struct tcp_sockopts opt;
	struct ip_opts *ipopts;      /* IP options / source route of our segments, NULL:
	                              * none (route.h: MUST-51..53, SHLD-24) */

	/* stack queues */
	struct list_node out_link;   /* on stack->out_list when output may be due */
	struct list_node ev_link;    /* on stack->ev_list while ev_pending is not 0; stale
	                              * (never self-linked) otherwise: api/stack.c */
	struct list_node all_link;   /* on stack->all_list */
	uint32_t ev_pending;         /* bit (1 << kind) per pending synack_event_kind */

	/* statistics for STATUS */
	uint64_t bytes_sent, bytes_received, segs_out, segs_in;
};

enum { TCP_Q_NONE = 0, TCP_Q_SYN, TCP_Q_ACCEPT };

/* The bufcache slots of struct tcb and struct tcp_reqsk: the exact sizes tcp_stack_init
 * registers, in that order (tcb.c and synq.c allocate and free them there directly) */
#define TCP_TCB_OBJ_SLOT 0
#define TCP_REQSK_OBJ_SLOT 1

/*
 * A half-open connection (synq.c): what SYN-RECEIVED needs before the handshake
 * completes, instead of a tcb. Also the stateless description of a SYN-cookie SYN-ACK
 * (cookie = true: on no list, in no table).
 */
struct tcp_reqsk {
	struct hash_node hnode;      /* ts->synq_hash, on the 4-tuple */
	struct timer_node tnode;     /* ts->synq_wheel: SYN-ACK retransmission */
	struct list_node qlink;      /* the listener's synq */
	struct list_node out_link;   /* ts->synack_out: a SYN-ACK is due */
	struct tcb *listener;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss, irs;
	uint32_t ts_recent;          /* the peer's TSval, when ts_ok */
	uint32_t cookie_tsval;       /* cookie: our TSval carrying WS/SACK (syncookie.h) */
	uint32_t ts_offset;          /* tcp_ts_offset of the 4-tuple, when ts_ok (computed
	                              * once: SYN-ACKs and the promoted tcb reuse it) */
	uint64_t synack_sent_ns;     /* last SYN-ACK sent (RTT sample when not resent) */
	uint16_t peer_mss;           /* its MSS option, 536 when absent (MUST-15) */
	uint16_t snd_wnd;            /* its SYN's window (never scaled) */
	uint16_t rcv_mss;            /* the MSS we advertise */
	uint16_t win;                /* the window our SYN-ACK offers */
	uint8_t peer_wscale;         /* its shift, 0xff when no WS (or WS off here) */
	uint8_t rcv_wscale;          /* our shift (meaningful when peer_wscale != 0xff) */
	uint8_t retransmits;
	uint8_t resent;              /* SYN-ACKs sent again for a retransmitted SYN (Linux
	                              * counts them in num_retrans too) */
	uint8_t ip_ttl, ip_tos;      /* the listener's IP_TTL/IP_TOS (the listener may be
	                              * gone when a cookie SYN-ACK is built) */
	bool ts_ok, cookie;
	bool sack_ok;                /* its SYN carried SACK-permitted and cfg.sack is on */
	bool ecn_ok;                 /* its SYN asked for ECN and we accept (ecn.h) */
	struct ip_opts *ipopts;      /* the return route of its SYN's source route (MUST-53),
	                              * or NULL; a cookie's points into ts->cookie_route */
};

#define TCP_COOKIE_QUEUE 64

/* A stateless control segment waiting for output (RST, or an ACK for no tcb). */
struct tcp_ctl {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t seq, ack;
	uint8_t flags;
	bool has_ts;            /* carry a Timestamps option: TSval from our clock for this
	                         * 4-tuple (tcp_ts_offset), TSecr = ts_ecr */
	uint16_t win;
	uint32_t ts_ecr;
	bool has_ts_offset;     /* ts_offset is the 4-tuple's tcp_ts_offset (known by the
	                         * tcb or entry that queued it): not recomputed at output */
	bool has_route;         /* carries the IP options ts->ctl_route[its slot] (route.h) */
	uint32_t ts_offset;
};

#define TCP_CTL_QUEUE 256
#define TCP_RAW_QUEUE 8

/* A raw IPv4 packet (ICMP reply) waiting for output. */
struct tcp_raw {
	uint32_t len;
	uint32_t cap;           /* bytes allocated at data */
	uint8_t *data;          /* mtu bytes, allocated on first use */
};

/*
 * A super-segment planned by tcp_output_burst (output.c) whose wire packets the driver
 * then writes one by one straight from tcb's send ring (api/offload.c
 * synack_burst_packet). tcb is NULL when there is none; tcp_tcb_free clears it. The
 * headers are the super-segment's (IPv4 without options, TCP with its options, PSH/FIN
 * as the last wire packet carries them); length, ID, sequence number, flags and both
 * checksums are set per wire packet.
 */
struct tcp_burst {
	struct tcb *tcb;
	uint32_t seq;           /* sequence number of the first payload byte */
	uint32_t len;           /* payload bytes in all */
	uint32_t gso;           /* payload bytes per wire packet (the last may be shorter) */
	uint32_t hdr_len;       /* IPv4 (20) + TCP header bytes at hdr */
	uint8_t hdr[WIRE_IPV4_HDR_MIN + 60];
};

/*
 * Payload a receive offload already wrote into tcb's receive ring (api/offload.c GRO:
 * straight from the wire packets, checksums verified while copying, no merged copy),
 * for the segment tcp_input is given meanwhile: len bytes from seq, at ring offset
 * ring_len(&tcb->rcvbuf) onwards (free space: the out-of-order queue was empty). Only
 * ever set with seq == RCV.NXT, state ESTABLISHED, receive storage with room for the
 * offered window: step_text's in-order path then commits the bytes (ring_commit, at
 * most len) instead of copying them. The segment's payload pointer then covers only the
 * first wire packet: nothing reads through it. tcb NULL: nothing placed.
 */
struct tcp_placed {
	struct tcb *tcb;
	uint32_t seq;
	uint32_t len;
};

struct tcp_stack {
	struct base_allocator alloc; /* the env's allocator through bufcache (until destroy) */
	struct base_bufcache bufcache; /* freed ring storage kept for the next connection */
	struct synack_config cfg;    /* written only by tcp_stack_set_cfg (with dflt) */
	/* what every new connection would derive from cfg alike, derived once by
	 * tcp_stack_set_cfg when cfg is set: nothing else writes cfg, so this never goes
	 * stale (tests too set the configuration through it or synack_stack_set_config) */
	struct tcp_cfg_derived {
		struct tcp_sockopts opt;      /* a new tcb's options (tcp_tcb_new) */
		const struct tcp_cc_ops *cc_ops; /* tcp_cc_find of cfg.congestion_control,
		                              * NULL when none (cc.c: CUBIC then) */
		uint8_t rcv_wscale;           /* tcp_rcv_wscale_of(&cfg, &opt) */
	} dflt;
	uint8_t isn_key[16];
	uint64_t now_ns;
	uint64_t first_now_ns;
	bool seen_time;
	uint8_t out_maybe;           /* TCP_OUT_*: where tcp_output may find a packet */
	bool no_fast_path;           /* input.c header prediction off (tests compare) */
	/* Two of the tests' switches, each a bit of rare_switches at the position its
	 * TCP_RARE_S_* bit has in a connection's summary (rare.h) shifted down by
	 * TCP_RARE_S_SHIFT: tcp_tcb_new copies them into the summary, where output.c's
	 * plans and is_common test them with the connection's rare conditions in one
	 * test. Set before the stack's first connection (the twin tests do; tcp_rare_at
	 * checks it in builds without NDEBUG). */
	union {
		struct {
			bool no_out_fast_path : 1;  /* output.c's plain plans off (tests compare) */
			bool no_out_common : 1;     /* output.c's common-segment writer off
			                             * (tests compare) */
		};
		uint8_t rare_switches;
	};
	bool no_in_fast_path;        /* synack_input's one-pass parse off (tests compare) */
	bool no_in_predict;          /* input.c predicted_ack off (tests compare) */
	bool no_list_rule;           /* input lists without tcp_list_if_due (tests compare) */
	uint64_t in_predicted;       /* segments predicted_ack took (tests) */
	bool rack_per_segment;       /* RACK's map without runs (rack.h; tests compare) */
	bool rec_no_lone_path;       /* recovery.c's lone-segment send/ACK off (tests compare) */
	bool no_small_rings;         /* rings' inline storage unused (ring.h; tests compare) */
	bool no_life_fast;           /* tcb.c/user.c birth shortcuts off (tests compare) */

	uint32_t addrs[SYNACK_MAX_ADDRS];
	unsigned naddrs;

	struct hash_table conns;     /* by 4-tuple */
	struct tcb *last_conn;       /* tcp_lookup_input's one-entry cache: a tcb in conns
	                              * whose 4-tuple passes the read's address checks
	                              * (ip_tcp_addrs_ok; api/stack.c synack_input skips
	                              * them for its segments), not in TIME-WAIT and with
	                              * no IP options (input.h tcp_input_dispatch hands its
	                              * segments to tcp_conn_input untested): tcp_uncache */
	struct tcp_burst burst;      /* the last super-segment tcp_output_burst planned */
	struct tcp_placed placed;    /* set by GRO around tcp_input (api/offload.c) */
	struct hash_table listeners; /* by local port */
	struct dhash_table bound;    /* every bound tcb by local port (tcp_check_bind); doubly
	                              * linked: a port's owners share a chain, and closing
	                              * one of N must not walk the other N - 1 */
	struct tw_table tw;          /* TIME-WAIT records (tw.c) */
	struct hash_table synq_hash; /* half-open entries by 4-tuple (synq.c) */
	struct timer_wheel synq_wheel; /* their SYN-ACK retransmission deadlines */
	struct list_node synack_out; /* entries owing a SYN-ACK */
	struct tcp_reqsk cookieq[TCP_COOKIE_QUEUE]; /* SYN-cookie SYN-ACKs to send */
	struct ip_opts cookie_route[TCP_COOKIE_QUEUE]; /* their return routes (route.h) */
	unsigned cookie_head, cookie_len;
	struct tcp_cookie_keys cookie_keys;
	uint64_t cookie_rotated_ns;  /* last automatic key rotation */
	struct tcp_challenge_limit tw_challenge; /* one RFC 5961 §7 budget for all records */
	uint64_t oow_ns[64];         /* last out-of-window ACK per 4-tuple hash slot, for
	                              * records and half-open entries (tw.c) */
	struct timer_wheel wheel;
	struct list_node all_list, out_list, ev_list;
	struct tcp_port_table ports; /* RFC 6056 Algorithm 4 counters (ephemeral.h) */

	/* the datagram being processed (set by synack_input around tcp_input, else NULL):
	 * its return route, and the route control segments queued meanwhile use (route.h) */
	const struct ip_opts *rx_route, *reply_route;
	uint8_t rx_ecn;              /* the datagram's IP ECN field (RFC 3168 §5; ecn.h) */
	struct ip_opts reply_copy;   /* reply_route's storage when it is a connection's
	                              * (a copy: the tcb may go before the datagram is done) */

	struct tcp_ctl ctlq[TCP_CTL_QUEUE];
	struct ip_opts ctl_route[TCP_CTL_QUEUE]; /* the IP options of ctlq's entries with
	                              * has_route, out of line: ctlq stays small */
	unsigned ctl_head, ctl_len;
	struct tcp_raw rawq[TCP_RAW_QUEUE];
	unsigned raw_head, raw_len;

	struct synack_note *notes;   /* ring of cfg.notes_max entries */
	uint32_t notes_cap, notes_head, notes_len;

	uint64_t counters[SYNACK_CTR_COUNT];
};

/* ---- stack.c ---------------------------------------------------------------------- */

/* Initialises ts (zeroed by the caller) with a copy of cfg, the allocator and the keys.
 * Returns 0 or -ENOMEM. */
int tcp_stack_init(struct tcp_stack *ts, const struct synack_config *cfg,
		   const struct base_allocator *a, const uint8_t secret[SYNACK_SECRET_LEN]);
/* Sets ts->cfg to *cfg (checked by the caller) and derives ts->dflt from it: the only
 * way the configuration of a stack changes (tcp_stack_init, synack_stack_set_config). */
void tcp_stack_set_cfg(struct tcp_stack *ts, const struct synack_config *cfg);
/* Every connection's header template takes its TTL and TOS again (tcp_tmpl_tos_ttl):
 * after a new configuration (cfg.ip_default_ttl) on a stack that has connections. */
void tcp_tmpl_tos_ttl_all(struct tcp_stack *ts);
/* Our window shift for options opt (rcvbuf.h tcp_rcv_wscale_of under ts->cfg): the
 * stack's default options' (SO_RCVBUF not set, the buffer cfg.rmem_default: every
 * socket's until set) from ts->dflt without computing it. Inline: a connect and a
 * listener's SYN each ask. */
static inline uint8_t tcp_rcv_wscale(const struct tcp_stack *ts, const struct tcp_sockopts *opt)
{
	if (opt->rcvbuf == ts->dflt.opt.rcvbuf && !opt->rcvbuf_locked)
		return ts->dflt.rcv_wscale;
	return tcp_rcv_wscale_of(&ts->cfg, opt);
}
/* Frees every tcb and table of ts; ts->alloc is the env's allocator again afterwards
 * (free the rest with it). */
void tcp_stack_destroy(struct tcp_stack *ts);
/* Records the driver's time: the latest now is kept (never goes back). Inline: every
 * synack_input / synack_output call starts with it (37 of them per short connection). */
static inline void tcp_set_now(struct tcp_stack *ts, uint64_t now_ns)
{
	if (!ts->seen_time) {
		ts->seen_time = true;
		ts->first_now_ns = now_ns;
		ts->now_ns = now_ns;
	}
	if (now_ns > ts->now_ns)
		ts->now_ns = now_ns;
}
/* Whether tcp_output could return a packet: a queued control segment, raw datagram,
 * SYN cookie answer, SYN-ACK owed, or a connection on the output list (which may still
 * find nothing to send). */
static inline bool tcp_queues_hold(const struct tcp_stack *ts)
{
	return ts->raw_len || ts->ctl_len || ts->cookie_len || !list_empty(&ts->synack_out);
}
static inline bool tcp_has_output(const struct tcp_stack *ts)
{
	return tcp_queues_hold(ts) || !list_empty(&ts->out_list);
}
/* tcp_stack.out_maybe's bits: the output list may hold a connection; the four queues
 * before it (raw, control, cookie, SYN-ACK: tcp_queues_hold) may hold a packet. */
#define TCP_OUT_LIST   1u
#define TCP_OUT_QUEUES 2u
/* Called by each of the five queues' enqueue with its bit (tcp_want_output: LIST;
 * tcp_queue_ctl, tcp_queue_raw, synq.c's SYN-ACK list and cookie queue: QUEUES).
 * Invariant: tcp_queues_hold(ts) implies TCP_OUT_QUEUES, a non-empty output list
 * TCP_OUT_LIST. tcp_output returns at once when neither is set (one load instead of the
 * five queue tests on four cache lines: a driver asks until nothing comes, ~18 empty
 * calls per short connection) and output_queued skips the four queues' tests without
 * TCP_OUT_QUEUES; output_queued leaves the bits exact after each call. A queue emptied
 * elsewhere (a tcb or entry freed while listed) leaves its bit set: the next call finds
 * nothing there, as before. */
static inline void tcp_mark_output(struct tcp_stack *ts, uint8_t which)
{
	ts->out_maybe |= which;
}
/* True when addr is one of the stack's addresses. */
bool tcp_is_local_addr(const struct tcp_stack *ts, uint32_t addr);
static inline void tcp_count(struct tcp_stack *ts, int ctr)
{
	ts->counters[ctr]++;
}
/* Appends a decision note about tcb (may be NULL: then the tuple comes from seg or
 * laddr/raddr, and state_after is CLOSED: the connection is gone or never was). */
void tcp_note_write(struct tcp_stack *ts, const struct tcb *tcb, uint8_t dir, uint8_t verdict,
		    uint8_t st_before, const struct wire_tcp *seg, uint32_t laddr, uint32_t raddr,
		    const char *reason);
/* Inline: without a notes queue (notes_cap 0, the default of an embedding program and of
 * the benchmarks) a note costs one test, not a call with nine arguments. */
static inline void tcp_note(struct tcp_stack *ts, const struct tcb *tcb, uint8_t dir,
			    uint8_t verdict, uint8_t st_before, const struct wire_tcp *seg,
			    uint32_t laddr, uint32_t raddr, const char *reason)
{
	if (ts->notes_cap)
		tcp_note_write(ts, tcb, dir, verdict, st_before, seg, laddr, raddr, reason);
}
/* The newest note still queued (for a caller to complete it), or NULL. */
struct synack_note *tcp_note_last(struct tcp_stack *ts);
/* Corrects the state_after of the newest note (a connection that went back to LISTEN,
 * or one deleted after its note was written). */
void tcp_note_fix_after(struct tcp_stack *ts, uint8_t st_after);
/* A TIMER note about tcb (which must still exist) carrying the timer kind. */
void tcp_note_timer(struct tcp_stack *ts, const struct tcb *tcb, int kind, uint8_t verdict,
		    uint8_t st_before, const char *reason);
/* Marks event kind pending on tcb (only when it has a descriptor). */
void tcp_wake(struct tcp_stack *ts, struct tcb *tcb, enum synack_event_kind kind);
/* An asynchronous error report (RFC 9293 §3.9.1.8 MUST-47): SYNACK_EV_SOFT_ERROR with
 * errno err, unless the socket turned reports off (SHLD-20). */
void tcp_report_soft(struct tcp_stack *ts, struct tcb *tcb, int err);
/* Puts tcb on the output list (idempotent); a CLOSED or LISTEN tcb is not listed. */
void tcp_want_output(struct tcp_stack *ts, struct tcb *tcb);
/* The same, unless output would find nothing due (tcp_output_settled): input's listing
 * rule at the end of a segment (off with ts->no_list_rule). */
void tcp_list_if_due(struct tcp_stack *ts, struct tcb *tcb);
/* output.c: true when output would send nothing for tcb and only note the peer's largest
 * window (done here); false when it may send. */
bool tcp_output_settled(struct tcb *tcb);
/* Queues a stateless control segment (RST or ACK) and returns it (for options), or NULL
 * (counted) when the queue is full. */
struct tcp_ctl *tcp_queue_ctl(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		   uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags);
/* Queues a raw IPv4 packet pkt[0..len) (copied; len <= mtu). Returns false when full. */
bool tcp_queue_raw(struct tcp_stack *ts, const uint8_t *pkt, size_t len);

/* ---- tcb.c: lifetime, demux, ports ------------------------------------------------- */

/* A new CLOSED tcb with the socket options *opt (a socket's: the stack's defaults,
 * ts->dflt.opt; a listener's child: the listener's), on the all-list. NULL on ENOMEM. */
struct tcb *tcp_tcb_new(struct tcp_stack *ts, const struct tcp_sockopts *opt);
/* Unlinks tcb from every table, list and the wheel and frees it with its buffers. */
void tcp_tcb_free(struct tcp_stack *ts, struct tcb *tcb);
/* The storage a tcb points at: its rings, a source route, RACK's transmit map, the
 * out-of-order blocks, the SACK scoreboard. A short connection that ends normally has
 * given every one of them back before its death (the rings when emptied, the maps when
 * the flight and the holes are gone), so its free asks once (one or of the six
 * pointers) and calls nothing. */
static inline bool tcp_tcb_has_storage(const struct tcb *tcb)
{
	return ((uintptr_t)tcb->sndbuf.buf | (uintptr_t)tcb->rcvbuf.buf |
		(uintptr_t)tcb->ipopts | (uintptr_t)tcb->rec.rack.seg |
		(uintptr_t)tcb->rcv_ooo.ext | (uintptr_t)tcb->rec.sb.r) != 0;
}
/* Gives that storage back (tcp_tcb_free's part, out of line: the common death has none);
 * the fields that record it go with the tcb. */
void tcp_tcb_free_storage(struct tcp_stack *ts, struct tcb *tcb);
/* Takes a child off its listener's SYN or accept queue (no-op when on none). */
void tcp_unqueue(struct tcb *tcb);
/* The stack's hash of a 4-tuple, shared by the connection, half-open and TIME-WAIT
 * tables (tw_hash): computed once per segment and passed to the *_hashed calls. */
static inline uint32_t tcp_tuple_hash(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
				      uint32_t raddr, uint16_t rport)
{
	return tw_hash(&ts->tw, laddr, lport, raddr, rport);
}
/* The 4-tuple's ISN at ts->now_ns and its timestamp offset (isn.h tcp_isn_pair under
 * ts->isn_key, bit for bit) from the same PRF output as tcp_tuple_hash: free when the
 * 4-tuple was the last one hashed (the SYN just looked up, the port just chosen). */
void tcp_tuple_isn(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		   uint16_t rport, uint32_t *isn, uint32_t *ts_offset);
/* Takes tcb out of the one-entry cache (ts->last_conn): where it leaves conns, enters
 * TIME-WAIT or gets IP options, or its 4-tuple may fail the read's address checks. */
static inline void tcp_uncache(struct tcp_stack *ts, const struct tcb *tcb)
{
	if (ts->last_conn == tcb)
		ts->last_conn = NULL;
}
/* The TTL of tcb's IPv4 headers: IP_TTL, else the stack's default (MUST-49). */
static inline uint8_t tcp_ip_ttl(const struct tcp_stack *ts, const struct tcb *tcb)
{
	return tcb->opt.ip_ttl ? tcb->opt.ip_ttl : ts->cfg.ip_default_ttl;
}
/* tcb's header template takes its TOS (IP_TOS, MUST-48) and TTL (tcp_ip_ttl) again:
 * called where they are set (the hash insert below, IP_TOS and IP_TTL, a new stack
 * configuration: tcp_tmpl_tos_ttl_all), so that output.c's put_headers need not choose
 * them per segment. */
static inline void tcp_tmpl_tos_ttl(const struct tcp_stack *ts, struct tcb *tcb)
{
	wire_tcpip_tmpl_tos_ttl(&tcb->hdr_tmpl, tcb->opt.ip_tos, tcp_ip_ttl(ts, tcb));
}
/* Enters the connection hash under its 4-tuple, h = tcp_tuple_hash of it (connect and
 * promote, which have h from the port choice or the segment's lookup), and the one-entry
 * cache: a caller whose 4-tuple may fail the read's address checks, or whose tcb has IP
 * options, takes it out again (tcp_uncache: connect, user.c open_active; promote's
 * 4-tuple comes from a segment that passed them). */
static inline void tcp_hash_insert_hashed(struct tcp_stack *ts, struct tcb *tcb, uint32_t h)
{
	/* the 4-tuple is final here (connect, promote): its header template with it */
	wire_tcpip_tmpl_init(&tcb->hdr_tmpl, tcb->laddr, tcb->raddr, tcb->lport, tcb->rport);
	tcp_tmpl_tos_ttl(ts, tcb);
	hash_insert(&ts->conns, &tcb->hnode, h);
	tcb->in_hash = true;
	ts->last_conn = tcb;    /* its next segment is likely the next one in */
}
/* The connection with this 4-tuple, or NULL (_hashed: h = tcp_tuple_hash of it). */
struct tcb *tcp_lookup(struct tcp_stack *ts, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport);
static inline struct tcb *tcp_lookup_hashed(struct tcp_stack *ts, uint32_t h,
					    uint32_t laddr, uint16_t lport, uint32_t raddr,
					    uint16_t rport)
{
	for (struct hash_node *n = hash_bucket_first(&ts->conns, h); n; n = n->next) {
		struct tcb *t = container_of(n, struct tcb, hnode);

		if (n->hash == h && t->laddr == laddr && t->lport == lport &&
		    t->raddr == raddr && t->rport == rport)
			return t;
	}
	return NULL;
}
/* tcp_lookup_input past its cache: hashes the tuple, looks it up, caches what it finds
 * unless it is in TIME-WAIT or has IP options (the callers' segments have passed the
 * address checks, so its 4-tuple does too). */
static inline struct tcb *tcp_lookup_input_miss(struct tcp_stack *ts, uint32_t laddr,
						uint16_t lport, uint32_t raddr, uint16_t rport,
						uint32_t *h)
{
	struct tcb *t;

	*h = tcp_tuple_hash(ts, laddr, lport, raddr, rport);
	t = tcp_lookup_hashed(ts, *h, laddr, lport, raddr, rport);
	if (t && !t->ipopts && t->state != TCP_TIME_WAIT)
		ts->last_conn = t;
	return t;
}
/* Whether t, the one-entry cache (ts->last_conn, may be NULL), is the connection of this
 * 4-tuple: tcp_lookup_input's hit, and input.h tcp_input_inline's. The tuple is compared
 * as two words, the addresses' 8 bytes and the ports' 4, each laid out as the tcb's
 * adjacent fields are (the same on either byte order): two compares instead of four. */
static inline bool tcp_is_cached_conn(const struct tcb *t, uint32_t laddr, uint16_t lport,
				      uint32_t raddr, uint16_t rport)
{
	const uint32_t addrs[2] = { laddr, raddr };
	const uint16_t ports[2] = { lport, rport };
	uint64_t a, ta;
	uint32_t p, tp;

	_Static_assert(offsetof(struct tcb, raddr) == offsetof(struct tcb, laddr) + 4 &&
		       offsetof(struct tcb, rport) == offsetof(struct tcb, lport) + 2,
		       "the 4-tuple's fields are adjacent, as compared");
	if (!t)
		return false;
	memcpy(&a, addrs, sizeof a);
	memcpy(&ta, &t->laddr, sizeof ta);
	memcpy(&p, ports, sizeof p);
	memcpy(&tp, &t->lport, sizeof tp);
	return a == ta && p == tp;
}
/* tcp_lookup for an arriving segment, through a one-entry cache of the last connection
 * found or entered (a bulk flow's segments all hit it, skipping the keyed hash); *h
 * receives the tuple's hash either way, for the other tables. The cached tcb is in
 * conns (cleared where it leaves): same tuple, same answer. Inline: a hit costs a few
 * compares, no call. */
static inline struct tcb *tcp_lookup_input(struct tcp_stack *ts, uint32_t laddr,
					   uint16_t lport, uint32_t raddr, uint16_t rport,
					   uint32_t *h)
{
	struct tcb *t = ts->last_conn;

	if (tcp_is_cached_conn(t, laddr, lport, raddr, rport)) {
		*h = t->hnode.hash;
		return t;
	}
	return tcp_lookup_input_miss(ts, laddr, lport, raddr, rport, h);
}
/* Enters/leaves the listener hash. */
void tcp_listen_insert(struct tcp_stack *ts, struct tcb *tcb);
void tcp_listen_remove(struct tcp_stack *ts, struct tcb *tcb);
/* The hash of a local port (listeners and ts->bound: our own ports, no key needed) */
static inline uint32_t tcp_lport_hash(uint16_t port)
{
	return (uint32_t)port * 2654435761u;
}
/* The listener for a SYN to laddr:lport: exact address first, then wildcard. Inline
 * like the 4-tuple lookups above: every SYN to a listener asks (input.c's demux), and
 * connect's port choice and a reopened TIME-WAIT 4-tuple (tw.c). */
static inline struct tcb *tcp_lookup_listener(struct tcp_stack *ts, uint32_t laddr,
					      uint16_t lport)
{
	uint32_t h = tcp_lport_hash(lport);
	struct tcb *wild = NULL;

	if (!ts->listeners.count)
		return NULL;    /* a client-only stack: connect()'s port choice asks every time */
	for (struct hash_node *n = hash_bucket_first(&ts->listeners, h); n; n = n->next) {
		struct tcb *t = container_of(n, struct tcb, hnode);

		if (n->hash != h || t->lport != lport)
			continue;
		if (t->laddr == laddr)
			return t;       /* S23: the most specific binding wins */
		if (t->laddr == SYNACK_ADDR_ANY)
			wild = t;
	}
	return wild;
}

/* Marks tcb bound to its lport (set first) and indexes it for the bind rules. Inline:
 * a connect and an accept each do it. */
static inline void tcp_set_bound(struct tcp_stack *ts, struct tcb *tcb)
{
	tcb->bound = true;
	if (!dhash_linked(&tcb->bnode))
		dhash_insert(&ts->bound, &tcb->bnode, tcp_lport_hash(tcb->lport));
}

/* ts->bound's hash of a linked tcb (dhash_init's hash_of) */
uint32_t tcp_bound_hash_of(const struct dhash_node *n);
/* Bind rules (S10, Linux): returns 0 or -EADDRINUSE for tcb binding addr:port. */
int tcp_check_bind(struct tcp_stack *ts, const struct tcb *tcb, uint32_t addr, uint16_t port);
/* A free ephemeral port for tcb (connect toward raddr:rport when raddr != 0), or 0:
 * RFC 6056 Algorithm 4 (ephemeral.h), each candidate checked by the bind rules
 * (bind/listen) or for a free 4-tuple, a TIME-WAIT record tw_reuse may take over and no
 * listener on the port (connect). When connecting and hash is not NULL, *hash receives
 * the chosen 4-tuple's tcp_tuple_hash. */
uint16_t tcp_pick_port(struct tcp_stack *ts, const struct tcb *tcb, uint32_t laddr,
		       uint32_t raddr, uint16_t rport, uint32_t *hash);
/* tcp_pick_port for a connect: tcp_pick_port_tw, below with tw.c's declarations. */
/* tcp_tcb_close the long way: CLOSED, off the wheel, the caches, the hashes and the
 * output list, then freed when no descriptor refers to it. */
void tcp_tcb_close_kept(struct tcp_stack *ts, struct tcb *tcb);
/* Moves tcb into CLOSED and releases it unless a descriptor still refers to it. Without
 * a descriptor that is tcp_tcb_free, which undoes it all itself (the state and the
 * deadlines go with the tcb): inline, no call for it (the long way with no_life_fast). */
static inline void tcp_tcb_close(struct tcp_stack *ts, struct tcb *tcb)
{
	if (tcb->fd < 0 && !ts->no_life_fast)
		tcp_tcb_free(ts, tcb);
	else
		tcp_tcb_close_kept(ts, tcb);
}
/*
 * The common death in one straight move: a synchronized connection without a descriptor
 * whose end input has just seen (LAST-ACK's FIN acknowledged, input.c closed_by_fin_ack;
 * FIN-WAIT-2's FIN turned into a TIME-WAIT record, tw.c tcp_tw_fin_record), which is
 * tcp_tcb_close's free without the steps that cannot apply to it:
 *  - children, the listener hash: only a listener has them, and a synchronized tcb
 *    never was one (connect() from LISTEN requires empty queues and leaves the hash;
 *    a child never listens);
 *  - the accept queue: a queued child has no descriptor and so no CLOSE, hence never
 *    sent the FIN that LAST-ACK and FIN-WAIT-2 require (a listener's close frees its
 *    queued children itself);
 *  - the event list: CLOSE took the tcb off it (tcp_user_close), and without a
 *    descriptor tcp_wake posts nothing;
 *  - the connection hash's test: input found the tcb through it.
 * What remains is unconditional (the two hashes, the wheel, the output and all-lists,
 * the cache) but for the per-stack pointers and the storage (tcp_tcb_has_storage). The
 * long way (tcp_tcb_close, then tcp_tcb_close_kept) with no_life_fast: test_tcp_life_twin
 * compares the two.
 */
static inline __attribute__((always_inline)) void tcp_tcb_free_orphan(struct tcp_stack *ts,
								   struct tcb *tcb)
{
	if (ts->no_life_fast) {
		tcp_tcb_close(ts, tcb);
		return;
	}
	tcp_uncache(ts, tcb);
	if (ts->burst.tcb == tcb)
		ts->burst.tcb = NULL;
	hash_remove(&ts->conns, &tcb->hnode);
	dhash_remove(&ts->bound, &tcb->bnode);
	timer_forget(&ts->wheel, &tcb->tnode);
	list_unlink(&tcb->out_link);
	list_unlink(&tcb->all_link);
	if (tcp_tcb_has_storage(tcb))
		tcp_tcb_free_storage(ts, tcb);
	base_bufcache_obj_free(&ts->bufcache, TCP_TCB_OBJ_SLOT, tcb);
}
/* Sets the state, recording nothing else. */
static inline void tcp_set_state(struct tcb *tcb, int st)
{
	tcb->state = (uint8_t)st;
}
/* ---- the rare-conditions summary (rare.h): its recomputation, check and setters ---- */

/* The bits of TCP_RARE_REC_BITS as loss recovery's and RACK's fields say. */
static inline uint32_t tcp_rare_of_rec(const struct tcp_recovery *r)
{
	return (r->state != TCP_REC_OPEN ? TCP_RARE_REC : 0u) |
	       (r->rexmit_due ? TCP_RARE_REXMIT : 0u) |
	       (r->dupacks ? TCP_RARE_DUPACKS : 0u) |
	       (r->sb.n ? TCP_RARE_SB : 0u) |
	       (r->eifel_armed ? TCP_RARE_EIFEL : 0u) |
	       (r->rack.lost_bytes ? TCP_RARE_LOST : 0u) |
	       (r->rack.tlp_due ? TCP_RARE_TLP_DUE : 0u) |
	       (r->rack.tlp_out ? TCP_RARE_TLP_OUT : 0u);
}
/* tcb->rec.rare as its fields say it should be (rare.h: one bit per condition). */
static inline uint32_t tcp_rare_of(const struct tcb *tcb)
{
	return (tcb->want_ka_probe ? TCP_RARE_KA_PROBE : 0u) |
	       (tcb->want_probe ? TCP_RARE_PROBE : 0u) |
	       (tcb->urg_pending ? TCP_RARE_URG : 0u) |
	       (tcb->ipopts ? TCP_RARE_IPOPTS : 0u) |
	       (!tcp_reass_empty(&tcb->rcv_ooo) || tcb->rcv_ooo.has_dsack ? TCP_RARE_OOO : 0u) |
	       tcp_rare_of_rec(&tcb->rec);
}
/* Every read of the summary: in builds without NDEBUG (the tests' Debug and sanitizer
 * builds) it must equal its recomputation, else a setter is missing (abort). The
 * stack's switches copied at birth are tcp_rare_at's to check. */
static inline uint32_t tcp_rare(const struct tcb *tcb)
{
	assert((tcb->rec.rare & ~TCP_RARE_S_BITS) == tcp_rare_of(tcb) &&
	       "tcb->rec.rare: a change without its setter");
	return tcb->rec.rare;
}
/* tcp_rare with the stack's switches: in builds without NDEBUG the bits tcp_tcb_new
 * copied must still be the stack's (a switch set while connections exist aborts). */
static inline uint32_t tcp_rare_at(const struct tcp_stack *ts, const struct tcb *tcb)
{
	assert((tcb->rec.rare & TCP_RARE_S_BITS) ==
		       ((ts->no_out_fast_path ? TCP_RARE_S_NO_OUT_FAST : 0u) |
			(ts->no_out_common ? TCP_RARE_S_NO_OUT_COMMON : 0u)) &&
	       "tcb->rec.rare: a stack switch set while connections exist");
	(void)ts;
	return tcp_rare(tcb);
}
static inline void tcp_set_want_probe(struct tcb *tcb, bool on)
{
	tcb->want_probe = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_PROBE, on);
}
static inline void tcp_set_want_ka_probe(struct tcb *tcb, bool on)
{
	tcb->want_ka_probe = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_KA_PROBE, on);
}
static inline void tcp_set_urg_pending(struct tcb *tcb)
{
	tcb->urg_pending = true;        /* SND.UP meaningful until its octets are acked */
	tcb->rec.rare |= TCP_RARE_URG;
}
/* output.c's general writer, once SND.UNA has reached SND.UP. */
static inline void tcp_clear_urg_pending(struct tcb *tcb)
{
	tcb->urg_pending = false;
	tcb->rec.rare &= ~TCP_RARE_URG;
}
/* After tcb->ipopts was set or freed (route.c, synq.c's promote). */
static inline void tcp_rare_sync_route(struct tcb *tcb)
{
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_IPOPTS, tcb->ipopts != NULL);
}
/* After the out-of-order queue or its D-SACK changed (input.c, output.c). */
static inline void tcp_rare_sync_ooo(struct tcb *tcb)
{
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_OOO,
				  !tcp_reass_empty(&tcb->rcv_ooo) || tcb->rcv_ooo.has_dsack);
}
/* After tcp_reass_clear of the out-of-order queue (nothing held, no D-SACK). */
static inline void tcp_rare_ooo_cleared(struct tcb *tcb)
{
	tcb->rec.rare &= ~TCP_RARE_OOO;
}
/* Loss recovery's and RACK-TLP's conditions (recovery.c, rack.c, input.c). */
static inline void tcp_rec_set_state(struct tcb *tcb, uint8_t st)
{
	tcb->rec.state = st;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_REC, st != TCP_REC_OPEN);
}
static inline void tcp_rec_set_rexmit_due(struct tcb *tcb, bool on)
{
	tcb->rec.rexmit_due = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_REXMIT, on);
}
static inline void tcp_rec_set_dupacks(struct tcb *tcb, uint8_t n)
{
	tcb->rec.dupacks = n;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_DUPACKS, n != 0);
}
/* Duplicate ACKs reset (a cumulative ACK). */
static inline void tcp_rec_clear_dupacks(struct tcb *tcb)
{
	tcb->rec.dupacks = 0;
	tcb->rec.rare &= ~TCP_RARE_DUPACKS;
}
static inline void tcp_rec_set_eifel_armed(struct tcb *tcb, bool on)
{
	tcb->rec.eifel_armed = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_EIFEL, on);
}
static inline void tcp_rack_set_tlp_due(struct tcb *tcb, bool on)
{
	tcb->rec.rack.tlp_due = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_TLP_DUE, on);
}
static inline void tcp_rack_set_tlp_out(struct tcb *tcb, bool on)
{
	tcb->rec.rack.tlp_out = on;
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_TLP_OUT, on);
}
/* After RACK's lost_bytes changed (rack.c: it moves by sums over the map's entries). */
static inline void tcp_rare_sync_lost(struct tcb *tcb)
{
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_LOST, tcb->rec.rack.lost_bytes != 0);
}
/* After the SACK scoreboard's ranges changed (recovery.c: tcp_sb_update, tcp_sb_ack,
 * tcp_sb_clear). */
static inline void tcp_rare_sync_sb(struct tcb *tcb)
{
	tcb->rec.rare = tcp_rare_with(tcb->rec.rare, TCP_RARE_SB, tcb->rec.sb.n != 0);
}

/* The first sequence number of the send buffer's head byte: SND.UNA, or ISS + 1 while
 * our SYN (at SND.UNA = ISS) is unacknowledged. */
static inline uint32_t tcp_sndbuf_seq(const struct tcb *tcb)
{
	return tcb->snd_una + !tcb->syn_was_acked;
}
/* Our FIN has been sent and acknowledged. */
static inline bool tcp_fin_acked(const struct tcb *tcb)
{
	return tcb->fin_sent && seq_gt(tcb->snd_una, tcb->fin_seq);
}
/* Receive window we can offer now (bytes of buffer space). */
uint32_t tcp_rcv_space(const struct tcp_stack *ts, const struct tcb *tcb);

/* ---- timers.c: per-kind deadlines, RFC 6298 estimator ------------------------------- */

/* Set (absolute ns; 0 taken as 1) or clear one kind's deadline; clear_all turns every
 * kind off. Every write of tcb->deadline[] goes through these three (timers_run aside):
 * the wheel node then sits at or before the earliest deadline and moves only when a
 * deadline becomes earlier than it (a later or cleared one means an early wake-up). */
void tcp_timer_set(struct tcp_stack *ts, struct tcb *tcb, int kind, uint64_t deadline_ns);
/* The node stays armed: if it held this kind's deadline it fires early (above). Inline:
 * a store, called ~40 times per short connection. */
static inline void tcp_timer_clear(struct tcp_stack *ts, struct tcb *tcb, int kind)
{
	(void)ts;
	tcb->deadline[kind] = 0;
}
/* Fires every due deadline of every tcb whose node is due at ts->now_ns. */
void tcp_timers_run(struct tcp_stack *ts);
/* RFC 6298 estimator (started by tcp_tcb_new; inline: its callers are an ACK's RTT
 * sample, rttm.c, and the promoted tcb's, synq.c) */
static inline void tcp_rtt_sample(struct tcp_rtt *r, uint32_t sample_us,
				  uint32_t rto_min_us, uint32_t rto_max_us)
{
	const uint32_t g_us = 1000; /* clock granularity G: our timers tick in 1 ms */
	uint32_t k_var, rto;

	if (!r->has_sample) {
		/* RFC 6298 (2.2): SRTT <- R, RTTVAR <- R/2 */
		r->srtt_us = sample_us;
		r->rttvar_us = sample_us / 2;
		r->has_sample = true;
	} else {
		/* RFC 6298 (2.3): beta = 1/4, alpha = 1/8, RTTVAR first */
		uint32_t diff = r->srtt_us > sample_us ? r->srtt_us - sample_us
						      : sample_us - r->srtt_us;

		r->rttvar_us = (3 * r->rttvar_us + diff) / 4;
		r->srtt_us = (7 * r->srtt_us + sample_us) / 8;
	}
	/* RTO <- SRTT + max(G, K*RTTVAR), K = 4 */
	k_var = 4 * r->rttvar_us;
	rto = r->srtt_us + (k_var > g_us ? k_var : g_us);
	/* RFC 6298 (2.4) asks for a 1 s floor; Linux uses 200 ms (rto_min), so do we.
	 * (2.5) a maximum of at least 60 s: rto_max (120 s as Linux). */
	if (rto < rto_min_us)
		rto = rto_min_us;
	if (rto > rto_max_us)
		rto = rto_max_us;
	r->rto_us = rto;
}
/* The RTO with backoff applied (clamped to rto_max), in ns. */
uint64_t tcp_rto_ns(const struct tcp_stack *ts, const struct tcb *tcb);
/* (Re)starts the retransmission timer at now + RTO (RFC 6298 (5.1)). A SYN-RECEIVED
 * connection reached from LISTEN uses the SYN-ACK slot (TCP_T_SYNACK) instead. */
void tcp_rexmit_arm(struct tcp_stack *ts, struct tcb *tcb);
/* Stops the retransmission timer (either slot). */
static inline void tcp_rexmit_stop(struct tcp_stack *ts, struct tcb *tcb)
{
	tcb->rec.rack.timer = TCP_RACK_T_RTO;   /* the slot holds the RTO (rack.h) */
	tcp_timer_clear(ts, tcb, TCP_T_SYNACK);
	tcp_timer_clear(ts, tcb, TCP_T_RETRANSMIT);
}
/* True when the retransmission timer (either slot) is running. */
static inline bool tcp_rexmit_running(const struct tcb *tcb)
{
	return tcb->deadline[TCP_T_RETRANSMIT] || tcb->deadline[TCP_T_SYNACK];
}
/* Restarts the keepalive timer (when SO_KEEPALIVE, synchronized). */
void tcp_keepalive_arm(struct tcp_stack *ts, struct tcb *tcb);

/* ---- input.c: SEGMENT ARRIVES ------------------------------------------------------- */

/* RFC 9293 §3.10.7 for one checksummed TCP segment from raddr to laddr (ours). */
void tcp_input(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr, const struct wire_tcp *seg);
/* Ends the connection with error err (ECONNRESET, ETIMEDOUT, ...): reports to the user,
 * enters CLOSED, frees it when no descriptor refers to it. */
void tcp_drop(struct tcp_stack *ts, struct tcb *tcb, int err);
/* Enters TIME-WAIT and starts the 2MSL timer (§3.10.7.4 sixth/eighth checks). */
void tcp_enter_time_wait(struct tcp_stack *ts, struct tcb *tcb);

/* ---- tw.c: TIME-WAIT records ---------------------------------------------------------- */

/* Sets up ts->tw (key derived from the ISN key). 0 or -ENOMEM. */
int tcp_tw_init(struct tcp_stack *ts);
/* Turns tcb (TIME-WAIT, no descriptor) into a record and frees it; queues the ACK it
 * still owed. Returns false (tcb untouched) when it is not such a tcb or on ENOMEM. */
bool tcp_tw_from_tcb(struct tcp_stack *ts, struct tcb *tcb);
/* tcp_tw_from_tcb in two halves, for a caller that makes the record before the tcb has
 * reached TIME-WAIT (input.c fin_to_record): a new record for tcb's 4-tuple with
 * deadline, its engine fields not yet set (NULL on ENOMEM, not counted, nothing
 * changed); then tcp_tw_replace fills it from tcb, queues the ACK tcb owes (want_ack)
 * and closes tcb. */
struct tw_entry *tcp_tw_add_for(struct tcp_stack *ts, const struct tcb *tcb, uint64_t deadline);
void tcp_tw_replace(struct tcp_stack *ts, struct tcb *tcb, struct tw_entry *e);
/* Both halves in one call for input.c fin_to_record (tw.c): the record of a synchronized
 * tcb without descriptor in FIN-WAIT-2 whose FIN has just arrived, RCV.NXT over the FIN,
 * TS.Recent ts_recent, the ACK queued, the tcb freed; false, nothing changed, on ENOMEM. */
bool tcp_tw_fin_record(struct tcp_stack *ts, struct tcb *tcb, uint32_t ts_recent,
		       uint64_t deadline);
/* Copies tcb's TIME-WAIT fields (4-tuple, SND.MAX as snd_nxt, RCV.NXT, TS, its last
 * window field) into *e. */
void tcp_tw_fill_proto(const struct tcp_stack *ts, const struct tcb *tcb, struct tw_entry *e);
/* Emits a TIMER note for, and drops, every record whose 2MSL has passed. */
void tcp_tw_expire(struct tcp_stack *ts);
/* The ISS of a new incarnation of a 4-tuple whose old SND.NXT is known (tw.c header). */
uint32_t tcp_reincarnation_iss(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
			       uint32_t raddr, uint16_t rport, uint32_t old_snd_nxt);
/* tw_reuse: may connect() take over a TIME-WAIT 4-tuple toward raddr? (Linux
 * tcp_twsk_unique: only when the old incarnation used timestamps and the peer's last one,
 * received at ts_recent_ns, is more than 1 s old; knob 1 always, 2 loopback only.) */
bool tcp_tw_may_reuse(const struct tcp_stack *ts, bool had_ts, uint64_t ts_recent_ns,
		      uint32_t raddr);
/* When record e's TS.Recent was last updated, at the latest (tw.c). */
uint64_t tcp_tw_ts_recent_ns(const struct tcp_stack *ts, const struct tw_entry *e);
/*
 * tcp_pick_port for a connect toward raddr:rport (raddr != 0): the first candidate of
 * RFC 6056 Algorithm 4 (ephemeral.h) whose 4-tuple is new - no tcb has it and no record,
 * or a record tw_reuse may take over (Linux __inet_hash_connect -> tcp_twsk_unique) -
 * and whose port no listener owns; 0 when none is. *hash receives the 4-tuple's
 * tcp_tuple_hash, *tw the record on it (one tw_reuse may take over) or NULL: then
 * nothing has the 4-tuple. Inline, always: in connect()'s one caller (user.c
 * open_active) the walk's values live in the caller's registers; its own call saved six
 * and spilled the arguments (39 instructions per lifecycle in bench lifecycle).
 */
static inline __attribute__((always_inline)) uint16_t
tcp_pick_port_tw(struct tcp_stack *ts, uint32_t laddr, uint32_t raddr, uint16_t rport,
		 uint32_t *hash, struct tw_entry **tw)
{
	struct tcp_port_walk w;

	tcp_port_walk_init(&w, &ts->ports,
			   tcp_port_hash_memo(&ts->ports, ts->isn_key, laddr, raddr, rport),
			   ts->cfg.ip_local_port_range_lo, ts->cfg.ip_local_port_range_hi);
	for (uint32_t i = 0; i < w.num; i++) {
		uint16_t p = tcp_port_walk_next(&w);
		uint32_t h = tcp_tuple_hash(ts, laddr, p, raddr, rport);
		struct tw_entry *e = tw_lookup_hashed(&ts->tw, h, laddr, p, raddr, rport);

		if (!tcp_lookup_hashed(ts, h, laddr, p, raddr, rport) &&
		    (!e || tcp_tw_may_reuse(ts, e->has_ts, tcp_tw_ts_recent_ns(ts, e), raddr)) &&
		    !tcp_lookup_listener(ts, laddr, p)) {
			*hash = h;
			*tw = e;
			return p;
		}
	}
	return 0;
}

/* ---- synq.c: half-open entries ----------------------------------------------------- */

struct tcp_reqsk *tcp_synq_lookup(struct tcp_stack *ts, uint32_t laddr, uint16_t lport,
				  uint32_t raddr, uint16_t rport);
/* The same with h = tcp_tuple_hash of the 4-tuple. */
static inline struct tcp_reqsk *tcp_synq_lookup_hashed(struct tcp_stack *ts, uint32_t h,
						       uint32_t laddr, uint16_t lport,
						       uint32_t raddr, uint16_t rport)
{
	if (!hash_count(&ts->synq_hash))
		return NULL;    /* none half-open (most of the time): no bucket to load */
	for (struct hash_node *n = hash_bucket_first(&ts->synq_hash, h); n; n = n->next) {
		struct tcp_reqsk *r = container_of(n, struct tcp_reqsk, hnode);

		if (n->hash == h && r->laddr == laddr && r->lport == lport &&
		    r->raddr == raddr && r->rport == rport)
			return r;
	}
	return NULL;
}
/* Unlinks r from every table, list and wheel, uncounts it, frees it. */
void tcp_synq_free(struct tcp_stack *ts, struct tcp_reqsk *r);
/* Fires due SYN-ACK retransmissions (and give-ups). */
void tcp_synq_timers_run(struct tcp_stack *ts);
/* The synq wheel's next deadline (UINT64_MAX when none). */
uint64_t tcp_synq_next_deadline(struct tcp_stack *ts);
/* The header of r's SYN-ACK (RFC 9293 §3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>,
 * ECE for an ECN setup, RFC 3168 §6.1.1) with its options (MSS, then window scale,
 * SACK-permitted and timestamps as the peer's SYN offered them) into *seg; the writing
 * is output.c's (every segment is built there). */
void tcp_synq_header(const struct tcp_stack *ts, const struct tcp_reqsk *r,
		     struct wire_tcp *seg);
/* r's SYN-ACK TSval (r->ts_ok): a cookie's carries WS/SACK (syncookie.h), else our ms
 * clock plus the 4-tuple's offset (RFC 7323 §5.4, as the promoted tcb's will be). */
static inline uint32_t tcp_synq_tsval(const struct tcp_stack *ts, const struct tcp_reqsk *r)
{
	return r->cookie ? r->cookie_tsval : (uint32_t)(ts->now_ns / 1000000u) + r->ts_offset;
}
/* After r's SYN-ACK seg was written: its send time (the RTT sample of the handshake's
 * ACK) and the decision note. */
void tcp_synq_sent(struct tcp_stack *ts, struct tcp_reqsk *r, const struct wire_tcp *seg);

/* ---- icmp.c ---------------------------------------------------------------------- */

struct ip_icmp_err;
/* An ICMP error quoting one of our segments (RFC 9293 §3.9.2.2, RFC 5927, RFC 1191). */
void tcp_icmp_input(struct tcp_stack *ts, const struct ip_icmp_err *e);

/* ---- output.c: the one output routine ------------------------------------------------ */

/* Builds the next packet (control queue first, then tcbs with output due) into
 * buf[0..cap). Returns its length or 0. gso NULL: always one wire packet; else, with
 * cfg.gso on, the packet may be a super-segment: *gso is then its payload bytes per
 * wire packet (synack_gso_segment cuts it), and 0 for a plain packet. */
size_t tcp_output(struct tcp_stack *ts, uint8_t *buf, size_t cap, uint32_t *gso);
/* tcp_output with gso (cfg.gso on), except that a super-segment's payload is not
 * copied: buf gets its headers only, ts->burst records it (the driver writes its wire
 * packets from the send ring: synack_burst_packet) and the return value is the length
 * the super-segment would have had (sized as if cap were 65535). */
size_t tcp_output_burst(struct tcp_stack *ts, uint8_t *buf, size_t cap, uint32_t *gso);
/* Queues a RST for tcb (ABORT, §3.10.5): <SEQ=SND.NXT><CTL=RST>. */
void tcp_send_rst_for(struct tcp_stack *ts, struct tcb *tcb);

/* ---- user.c: OPEN, SEND, RECEIVE, CLOSE, ABORT (§3.10.1–3.10.5) -------------------- */

int tcp_user_open_active(struct tcp_stack *ts, struct tcb *tcb, uint32_t raddr, uint16_t rport);
int tcp_user_listen(struct tcp_stack *ts, struct tcb *tcb, int backlog);
/* SEND in LISTEN with a foreign socket (§3.10.2, Figure 5 LISTEN -> SYN-SENT): the
 * listener, whose SYN and accept queues must be empty (-EBUSY), stops listening and
 * opens actively to raddr:rport as tcp_user_open_active() does (-EINPROGRESS or its
 * errors, the listener then still listening). -EINVAL when tcb is not in LISTEN. */
int tcp_user_listen_to_active(struct tcp_stack *ts, struct tcb *tcb, uint32_t raddr,
			      uint16_t rport);
struct tcb *tcp_user_accept(struct tcp_stack *ts, struct tcb *listener);
/* SEND's checks (SO_ERROR reported once, then EPIPE/ENOTCONN by state) and the send
 * ring's growth: the bytes SEND would accept now (> 0), or a negative errno, -EAGAIN
 * when the buffer is full. */
long tcp_user_send_room(struct tcp_stack *ts, struct tcb *tcb);
/* SEND of up to len bytes from buf (borrowed); buf NULL: the bytes were already written
 * at the ring's end (ring_write_at) and are taken in place. Returns the count or the
 * errno of tcp_user_send_room. */
long tcp_user_send(struct tcp_stack *ts, struct tcb *tcb, const uint8_t *buf, size_t len,
		   bool urgent);
/* RECEIVE of up to len bytes into buf (NULL: consumed without a copy, the caller read
 * them in place); peek leaves them (buf required). */
long tcp_user_recv(struct tcp_stack *ts, struct tcb *tcb, uint8_t *buf, size_t len, bool peek);
int tcp_user_shutdown(struct tcp_stack *ts, struct tcb *tcb, int how);
/* close(): the descriptor is gone; the tcb closes in the background or is freed. */
void tcp_user_close(struct tcp_stack *ts, struct tcb *tcb);
void tcp_user_abort(struct tcp_stack *ts, struct tcb *tcb);
int tcp_user_poll(const struct tcp_stack *ts, const struct tcb *tcb);

#endif
