/*
 * harness.h — segment-script harness for engine tests (header-only; include it from
 * one test file per binary).
 *
 * One stack under test owns US = 10.0.0.1; the test plays the peer THEM = 10.0.0.2.
 * h_send() crafts a segment (wire_tcp_emit + wire_ipv4_emit) and feeds it at the
 * harness clock; h_next() drains one packet the stack wants to send and parses it;
 * EXPECT_SEG asserts every field of it. Time moves only by h_at()/h_advance().
 * Keys are fixed so runs are reproducible. Options are off by default (timestamps,
 * window scaling and SACK 0 in the config) so scripts read like RFC 9293's figures;
 * tests that want them turn them on.
 */
#ifndef SYNACK_TESTS_HARNESS_H
#define SYNACK_TESTS_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synack/synack.h"
#include "wire/wire.h"

#define US   0x0a000001u
#define THEM 0x0a000002u
#define MSEC 1000000ull
#define SEC  1000000000ull

#define F_FIN WIRE_TCP_FIN
#define F_SYN WIRE_TCP_SYN
#define F_RST WIRE_TCP_RST
#define F_PSH WIRE_TCP_PSH
#define F_ACK WIRE_TCP_ACK
#define F_URG WIRE_TCP_URG

struct h_alloc_stats {
	size_t live_bytes;
	size_t allocs;
};

static void *h_alloc(void *ctx, size_t n)
{
	struct h_alloc_stats *st = ctx;

	st->live_bytes += n;
	st->allocs++;
	return malloc(n);
}

static void h_free(void *ctx, void *p, size_t n)
{
	struct h_alloc_stats *st = ctx;

	st->live_bytes -= n;
	free(p);
}

/* An allocator that refuses (ctx, n unused): tests put it in a stack's allocator to
 * see what runs out of memory does. */
static inline void *h_refuse_alloc(void *ctx, size_t n)
{
	(void)ctx;
	(void)n;
	return NULL;
}

struct harness {
	struct synack_stack *s;
	struct synack_config cfg;
	struct h_alloc_stats mem;
	uint64_t now;
	uint8_t pkt[70000];
	struct wire_tcp out;            /* the last segment drained */
	uint8_t out_payload[70000];
	uint32_t out_src, out_dst;
	uint32_t src2;                  /* a second address of ours a test added, or 0 */
};

/* Config used by h_init: Linux defaults with the options the scripts leave out. */
static inline void h_default_config(struct synack_config *c)
{
	synack_config_default(c);
	c->timestamps = 0;
	c->window_scaling = 0;
	c->sack = 0;
}

static inline void h_init_cfg(struct harness *h, const struct synack_config *cfg)
{
	struct synack_env env = { .alloc = h_alloc, .free = h_free };

	memset(h, 0, sizeof *h);
	env.ctx = &h->mem;
	for (int i = 0; i < SYNACK_SECRET_LEN; i++)
		env.secret[i] = (uint8_t)(i * 7 + 1);
	h->cfg = *cfg;
	h->now = 1000 * SEC;
	h->s = synack_stack_new(cfg, &env);
	cr_assert_not_null(h->s);
	cr_assert_eq(synack_stack_add_addr(h->s, US), 0);
}

static inline void h_init(struct harness *h)
{
	struct synack_config c;

	h_default_config(&c);
	h_init_cfg(h, &c);
}

static inline void h_fini(struct harness *h)
{
	synack_stack_free(h->s);
	cr_assert_eq(h->mem.live_bytes, 0, "leaked %zu bytes", h->mem.live_bytes);
}

/* Feeds a segment THEM:sport -> US:dport in a datagram whose IP TOS byte is tos (its
 * low two bits: the ECN field, RFC 3168 §5). opt may be NULL. */
static inline void h_send_tos(struct harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
			      uint32_t seq, uint32_t ack, uint16_t win,
			      const struct wire_tcp_opts *opt, const void *data, size_t len,
			      uint16_t urp, uint8_t tos)
{
	struct wire_tcp t = {
		.sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags,
		.win = win, .urp = urp,
	};
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .tos = tos, .proto = WIRE_IPPROTO_TCP, .src = THEM,
		.dst = US,
	};
	size_t n;

	if (opt)
		t.opt = *opt;
	n = wire_tcp_emit(&t, THEM, US, data, len, h->pkt + 20, sizeof h->pkt - 20);
	cr_assert_gt(n, 0);
	ip.total_len = (uint16_t)(n + 20);
	cr_assert_eq(wire_ipv4_emit(&ip, h->pkt, 20), 20);
	synack_input(h->s, h->now, h->pkt, n + 20);
}

/* h_send_tos with TOS 0 (not-ECT). */
static inline void h_send_opt(struct harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
			      uint32_t seq, uint32_t ack, uint16_t win,
			      const struct wire_tcp_opts *opt, const void *data, size_t len,
			      uint16_t urp)
{
	h_send_tos(h, sport, dport, flags, seq, ack, win, opt, data, len, urp, 0);
}

static inline void h_send(struct harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
			  uint32_t seq, uint32_t ack, uint16_t win)
{
	h_send_opt(h, sport, dport, flags, seq, ack, win, NULL, NULL, 0, 0);
}

static inline void h_send_data(struct harness *h, uint16_t sport, uint16_t dport,
			       uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
			       const void *data, size_t len)
{
	h_send_opt(h, sport, dport, flags, seq, ack, win, NULL, data, len, 0);
}

/* Drains one packet; true and h->out filled when there was one (must be TCP). */
static inline bool h_next(struct harness *h)
{
	struct wire_ipv4 ip;
	size_t n = synack_output(h->s, h->now, h->pkt, sizeof h->pkt);

	if (!n)
		return false;
	cr_assert_eq(wire_ipv4_parse(h->pkt, n, &ip), WIRE_OK);
	cr_assert(wire_ipv4_csum_ok(h->pkt, ip.hdr_len));
	cr_assert_eq(ip.proto, WIRE_IPPROTO_TCP);
	cr_assert_eq(wire_tcp_parse(h->pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &h->out),
		     WIRE_OK);
	cr_assert(wire_tcp_csum_ok(ip.src, ip.dst, h->pkt + ip.hdr_len,
				   ip.total_len - ip.hdr_len));
	cr_assert(ip.src == US || (h->src2 && ip.src == h->src2), "source %08x", ip.src);
	h->out_src = ip.src;
	h->out_dst = ip.dst;
	memcpy(h->out_payload, h->out.payload, h->out.payload_len);
	h->out.payload = h->out_payload;
	return true;
}

static const char *h_flags(uint8_t f, char *buf)
{
	static const char names[] = "FSRPAU";
	int k = 0;

	for (int i = 0; i < 6; i++)
		if (f & (1 << i))
			buf[k++] = names[i];
	buf[k] = 0;
	return buf;
}

/* Asserts the next segment: flags, seq, ack (checked only when ACK is set), window. */
#define EXPECT_SEG(h, fl, sq, ak, wn) do { \
	char fb1_[8], fb2_[8]; \
	cr_assert(h_next(h), "expected a segment [%s] seq %u ack %u, got nothing", \
		  h_flags((uint8_t)(fl), fb1_), (unsigned)(sq), (unsigned)(ak)); \
	cr_assert_eq((h)->out.flags, (uint8_t)(fl), "flags [%s], expected [%s]", \
		     h_flags((h)->out.flags, fb1_), h_flags((uint8_t)(fl), fb2_)); \
	cr_assert_eq((h)->out.seq, (uint32_t)(sq), "seq %u, expected %u", \
		     (unsigned)(h)->out.seq, (unsigned)(sq)); \
	if ((fl) & F_ACK) \
		cr_assert_eq((h)->out.ack, (uint32_t)(ak), "ack %u, expected %u", \
			     (unsigned)(h)->out.ack, (unsigned)(ak)); \
	if ((long)(wn) >= 0) \
		cr_assert_eq((h)->out.win, (uint16_t)(wn), "win %u, expected %u", \
			     (unsigned)(h)->out.win, (unsigned)(wn)); \
} while (0)

#define ANYWIN (-1)

#define EXPECT_NONE(h) do { \
	char fb_[8]; \
	bool got_ = h_next(h); \
	cr_assert(!got_, "expected no segment, got [%s] seq %u ack %u", \
		  h_flags((h)->out.flags, fb_), (unsigned)(h)->out.seq, (unsigned)(h)->out.ack); \
} while (0)

/* Moves the clock to t and fires due timers. */
static inline void h_at(struct harness *h, uint64_t t)
{
	h->now = t;
	synack_advance(h->s, t);
}

static inline void h_advance(struct harness *h, uint64_t dt)
{
	h_at(h, h->now + dt);
}

static inline int h_state(struct harness *h, int fd)
{
	struct synack_tcp_info ti;

	cr_assert_eq(synack_tcp_info(h->s, fd, &ti), 0);
	return ti.state;
}

#define EXPECT_STATE(h, fd, st) \
	cr_assert_eq(h_state(h, fd), (st), "state %s, expected %s", \
		     synack_state_name(h_state(h, fd)), synack_state_name(st))

/* State of the descriptor-less connection with remote port rport (-1: none). */
static inline int h_state_of_port(struct harness *h, uint16_t rport)
{
	struct synack_sock_info info[64];
	size_t n = synack_sock_list(h->s, info, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (info[i].rport == rport && info[i].state != SYNACK_STATE_LISTEN)
			return info[i].state;
	return -1;
}

/* The next timer (kind, absolute deadline) of the connection with local or remote
 * port `port` (listing view); deadline 0 when none. */
static inline uint64_t h_timer_of_port(struct harness *h, uint16_t port, int *kind)
{
	struct synack_sock_info info[64];
	size_t n = synack_sock_list(h->s, info, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if ((info[i].rport == port || info[i].lport == port) &&
		    info[i].state != SYNACK_STATE_LISTEN) {
			if (kind)
				*kind = info[i].timer;
			return info[i].timer_deadline_ns;
		}
	return 0;
}

/* Next event, asserting its kind. */
#define EXPECT_EVENT(h, fd_, kind_) do { \
	struct synack_event ev_; \
	bool found_ = false; \
	while (synack_poll_event((h)->s, &ev_)) \
		if (ev_.fd == (fd_) && ev_.kind == (kind_)) { found_ = true; break; } \
	cr_assert(found_, "event %d on fd %d not raised", (int)(kind_), (int)(fd_)); \
} while (0)

/* Drains one packet from each of a and b (two stacks run side by side on the same
 * input) and asserts they are the same bytes; when there is one, parses its TCP header
 * into *t and returns its length; 0 when neither has one. n counts packets (messages). */
static inline size_t h_next_same(struct harness *a, struct harness *b, unsigned n,
				 struct wire_tcp *t)
{
	size_t n0 = synack_output(a->s, a->now, a->pkt, sizeof a->pkt);
	size_t n1 = synack_output(b->s, b->now, b->pkt, sizeof b->pkt);
	struct wire_ipv4 ip;

	cr_assert_eq(n0, n1, "packet %u: %zu bytes from the first stack, %zu from the second",
		     n, n0, n1);
	if (!n0)
		return 0;
	cr_assert_eq(memcmp(a->pkt, b->pkt, n0), 0, "packet %u differs", n);
	cr_assert_eq(wire_ipv4_parse(a->pkt, n0, &ip), WIRE_OK);
	cr_assert_eq(wire_tcp_parse(a->pkt + ip.hdr_len, ip.total_len - ip.hdr_len, t), WIRE_OK);
	return n0;
}

/* Asserts every counter of stacks a and b equal. */
static inline void h_same_counters(struct synack_stack *a, struct synack_stack *b)
{
	for (int c = 0; c < SYNACK_CTR_COUNT; c++)
		cr_assert_eq(synack_counter(a, c), synack_counter(b, c), "counter %s: %llu vs %llu",
			     synack_counter_name(c), (unsigned long long)synack_counter(a, c),
			     (unsigned long long)synack_counter(b, c));
}

/* Pops every event and decision note of stacks a and b (two stacks run side by side
 * on the same input, a fast path compared with the general one) and asserts they are
 * the same, one for one. */
static inline void h_same_events_notes(struct synack_stack *a, struct synack_stack *b)
{
	struct synack_event ev[2];
	struct synack_note no[2];
	bool g0, g1;

	do {
		g0 = synack_poll_event(a, &ev[0]);
		g1 = synack_poll_event(b, &ev[1]);
		cr_assert_eq(g0, g1, "events differ");
		if (g0) {
			cr_assert_eq(ev[0].fd, ev[1].fd);
			cr_assert_eq(ev[0].kind, ev[1].kind);
			cr_assert_eq(ev[0].error, ev[1].error);
		}
	} while (g0);
	do {
		g0 = synack_poll_note(a, &no[0]);
		g1 = synack_poll_note(b, &no[1]);
		cr_assert_eq(g0, g1, "notes differ");
		if (g0) {
			cr_assert_str_eq(no[0].reason, no[1].reason);
			no[1].reason = no[0].reason;
			cr_assert_eq(memcmp(&no[0], &no[1], sizeof no[0]), 0, "note differs: %s",
				     no[0].reason);
		}
	} while (g0);
}

/* A listener on US:port with backlog. */
static inline int h_listen(struct harness *h, uint16_t port, int backlog)
{
	int fd = synack_socket(h->s);

	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_bind(h->s, fd, SYNACK_ADDR_ANY, port), 0);
	cr_assert_eq(synack_listen(h->s, fd, backlog), 0);
	return fd;
}

#define PEER_ISN 1000u
#define PEER_PORT 40000
#define SRV_PORT 80

/*
 * F-EST (passive): listener on SRV_PORT, peer handshake from PEER_PORT with ISN
 * PEER_ISN and window 8192; returns the accepted fd, *iss our ISS.
 * Afterwards: our SND.NXT = *iss + 1, RCV.NXT = PEER_ISN + 1.
 */
static inline int h_passive_est(struct harness *h, int *lfd, uint32_t *iss)
{
	int l = h_listen(h, SRV_PORT, 16);
	uint32_t a;
	int fd;

	h_send(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, PEER_ISN + 1, ANYWIN);
	*iss = h->out.seq;
	h_send(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, *iss + 1, 8192);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(a, THEM);
	if (lfd)
		*lfd = l;
	return fd;
}

/* F-EST-A (active): connect to THEM:SRV_PORT, answer with SYN-ACK (ISN PEER_ISN). */
static inline int h_active_est(struct harness *h, uint32_t *iss, uint16_t *lport)
{
	int fd = synack_socket(h->s);

	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	*iss = h->out.seq;
	*lport = h->out.sport;
	h_send(h, SRV_PORT, *lport, F_SYN | F_ACK, PEER_ISN, *iss + 1, 8192);
	EXPECT_SEG(h, F_ACK, *iss + 1, PEER_ISN + 1, ANYWIN);
	EXPECT_STATE(h, fd, SYNACK_STATE_ESTABLISHED);
	return fd;
}

#define H_ROUTER 0x0a0000feu

/* ICMP type/code from H_ROUTER to US quoting a TCP segment US:lport -> THEM:rport with
 * sequence number seq; mtu goes in bytes 6-7 (frag needed). */
static inline void h_icmp_err(struct harness *h, uint8_t type, uint8_t code, uint16_t mtu,
		     uint16_t lport, uint16_t rport, uint32_t seq)
{
	uint8_t p[20 + 8 + 20 + 8];
	struct wire_ipv4 ip = {
		.hdr_len = 20, .ttl = 64, .proto = WIRE_IPPROTO_ICMP, .src = H_ROUTER, .dst = US,
		.total_len = sizeof p,
	};
	struct wire_ipv4 inner = {
		.hdr_len = 20, .ttl = 1, .proto = WIRE_IPPROTO_TCP, .src = US, .dst = THEM,
		.total_len = 1500,
	};
	uint8_t *icmp = p + 20, *q = p + 28, *t = p + 48;
	uint16_t c;

	memset(p, 0, sizeof p);
	cr_assert_eq(wire_ipv4_emit(&ip, p, 20), 20);
	cr_assert_eq(wire_ipv4_emit(&inner, q, 20), 20);
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	t[0] = (uint8_t)(lport >> 8);
	t[1] = (uint8_t)lport;
	t[2] = (uint8_t)(rport >> 8);
	t[3] = (uint8_t)rport;
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	c = wire_csum(icmp, sizeof p - 20);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	synack_input(h->s, h->now, p, sizeof p);
}

#endif
