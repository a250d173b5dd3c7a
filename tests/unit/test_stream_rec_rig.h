/*
 * test_stream_rec_rig.h — fixture for the loss-recovery tests (test_stream_rec_*.c,
 * test_tcp_paws_sndbuf.c): a connection accepted from a peer whose SYN carries the
 * options a test asks for (rig_accept: MSS, SACK-permitted, timestamps), window 65535,
 * no window scaling. rig_open*: MSS 1000 (and SACK-permitted when asked), no timestamps,
 * so SMSS = 1000 exactly; then 10000 bytes sent as 10 full segments (within IW10, RFC
 * 6928), segment k covering relative sequence numbers [1000 k, 1000 k + 1000) (relative
 * to ISS + 1).
 *
 * Reading output: expect_data() skips pure ACKs (their timing is the receive side's
 * business) and asserts the next segment that carries data; expect_seg() the same
 * whatever the flags; expect_no_data() drains everything and asserts none carries data,
 * SYN or FIN.
 */
#ifndef SYNACK_TESTS_STREAM_REC_RIG_H
#define SYNACK_TESTS_STREAM_REC_RIG_H

#include "harness.h"
#include "api/api.h"
#include "tcp/recovery.h"

#define SMSS 1000u
#define NSEG 10u

struct rig {
	struct harness h;
	int fd;
	uint32_t iss;
	struct tcb *tcb;
	uint32_t peer_win;
	uint32_t peer_seq;      /* SEG.SEQ of the peer's next segment */
	uint32_t peer_tsval;    /* with timestamps: the peer's next TSval (peer_ack_ts) */
	uint32_t tsecr;         /* with timestamps: what the peer echoes (tests keep it) */
	size_t idle_bytes;      /* live bytes (cache excluded) once accepted, before the flight */
};

/* The env allocator's live bytes minus what the stack's buffer cache holds unused. */
static inline size_t rig_live_bytes(const struct rig *r)
{
	return r->h.mem.live_bytes - base_bufcache_held(&r->h.s->tcp.bufcache);
}

/* Relative sequence number -> absolute. */
#define REL(r, x) ((r)->iss + 1 + (uint32_t)(x))

/* SACK blocks as relative pairs: B(left, right, ...). */
#define B(...) ((const uint32_t[]){__VA_ARGS__})

/*
 * Accepts a connection under cfg (borrowed) from a peer whose SYN carries the options
 * syn (MSS, SACK-permitted and timestamps as its present bits say), window 65535. With
 * timestamps the handshake's ACK carries TSval syn.ts_val + 1 echoing the SYN-ACK's and
 * r->peer_tsval is the next one. Asserts what was negotiated: SACK and timestamps when
 * both sides offered them, SMSS = syn.mss less the 12 octets of timestamps. Sends
 * nothing.
 */
static inline void rig_accept(struct rig *r, const struct synack_config *cfg,
			      struct wire_tcp_opts syn)
{
	bool ts = (syn.present & WIRE_HAS_TS) && cfg->timestamps;
	bool sack = (syn.present & WIRE_HAS_SACKOK) && cfg->sack;
	struct wire_tcp_opts o = { 0 };
	uint32_t a;
	int l;

	memset(r, 0, sizeof *r);
	h_init_cfg(&r->h, cfg);
	r->peer_win = 65535;
	r->peer_seq = PEER_ISN + 1;
	l = h_listen(&r->h, SRV_PORT, 16);
	h_send_opt(&r->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &syn, NULL, 0, 0);
	EXPECT_SEG(&r->h, F_SYN | F_ACK, r->h.out.seq, PEER_ISN + 1, ANYWIN);
	r->iss = r->h.out.seq;
	if (ts) {
		o.present = WIRE_HAS_TS;
		o.ts_val = syn.ts_val + 1;
		o.ts_ecr = r->h.out.opt.ts_val;
		r->peer_tsval = syn.ts_val + 2;
	}
	h_send_opt(&r->h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, r->iss + 1, 65535, &o, NULL,
		   0, 0);
	EXPECT_NONE(&r->h);
	r->fd = synack_accept(r->h.s, l, &a, NULL);
	cr_assert_geq(r->fd, 0, "the ACK of our SYN-ACK was not taken");
	r->tcb = api_tcb(r->h.s, r->fd);
	cr_assert_not_null(r->tcb);
	cr_assert_eq(r->tcb->sack_ok, sack);
	cr_assert_eq(r->tcb->ts_ok, ts);
	cr_assert_eq(r->tcb->snd_mss, syn.mss - (ts ? 12u : 0u));
}

/* The connection under cfg (borrowed; cfg->sack should be 1 to offer SACK): MSS 1000,
 * no timestamps, the 10 segments queued. */
static inline void rig_open_cfg(struct rig *r, bool sack, const struct synack_config *cfg)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = SMSS };
	static char data[NSEG * SMSS];

	if (sack)
		o.present |= WIRE_HAS_SACKOK;
	rig_accept(r, cfg, o);
	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	r->idle_bytes = rig_live_bytes(r);
	cr_assert_eq(synack_send(r->h.s, r->fd, data, sizeof data, 0), (long)sizeof data);
}

/* The connection with net.ipv4.tcp_recovery = recovery: 0 keeps RFC 6675 / RFC 6582
 * alone (test_stream_rec_sack/sackrec/newreno/undo test those paths), 1 adds RACK-TLP
 * (RFC 8985: test_stream_rec_rack). */
static inline void rig_open_rec(struct rig *r, bool sack, uint32_t recovery)
{
	struct synack_config cfg;

	h_default_config(&cfg);
	cfg.sack = 1;           /* SACK-permitted is offered; used when the peer's SYN has it */
	cfg.recovery = recovery;
	rig_open_cfg(r, sack, &cfg);
}

static inline void rig_open(struct rig *r, bool sack)
{
	rig_open_rec(r, sack, 0);
}

/* The next segment carrying data: exactly [REL(x), REL(x) + len), flags ACK (+PSH when
 * it ends the queued data). */
static inline void expect_data(struct rig *r, uint32_t x, uint32_t len)
{
	char fb[8];

	for (;;) {
		cr_assert(h_next(&r->h), "expected data at rel %u len %u, got nothing", x, len);
		if (r->h.out.payload_len || (r->h.out.flags & (F_SYN | F_FIN)) ||
		    r->h.out.flags != F_ACK)
			break;
	}
	cr_assert_eq(r->h.out.seq, REL(r, x), "data at rel %u, expected rel %u",
		     r->h.out.seq - REL(r, 0), x);
	cr_assert_eq(r->h.out.payload_len, len, "len %zu at rel %u, expected %u",
		     r->h.out.payload_len, x, len);
	cr_assert_eq(r->h.out.flags & ~F_PSH, F_ACK, "flags [%s]", h_flags(r->h.out.flags, fb));
	cr_assert_eq(r->h.out.ack, r->peer_seq);
	cr_assert_eq(!!(r->h.out.flags & F_PSH), x + len == NSEG * SMSS);
}

/* The next segment carrying data, whatever its flags (more data may be queued than the
 * rig's 10 segments): exactly [REL(x), REL(x) + len). */
static inline void expect_seg(struct rig *r, uint32_t x, uint32_t len)
{
	do
		cr_assert(h_next(&r->h), "expected data at rel %u, got nothing", x);
	while (!r->h.out.payload_len);
	cr_assert_eq(r->h.out.seq, REL(r, x), "data at rel %u, expected rel %u",
		     r->h.out.seq - REL(r, 0), x);
	cr_assert_eq(r->h.out.payload_len, len, "len %zu at rel %u, expected %u",
		     r->h.out.payload_len, x, len);
}

static inline void expect_no_data(struct rig *r)
{
	while (h_next(&r->h))
		cr_assert(!r->h.out.payload_len && !(r->h.out.flags & (F_SYN | F_FIN)),
			  "expected no data, got rel %u len %zu", r->h.out.seq - REL(r, 0),
			  r->h.out.payload_len);
}

/* The 10 first transmissions. */
static inline void expect_flight(struct rig *r)
{
	for (uint32_t k = 0; k < NSEG; k++)
		expect_data(r, k * SMSS, SMSS);
	expect_no_data(r);
}

/* The peer's segment at r->peer_seq: flags ACK (+PSH with a payload), ACK relative ack,
 * window win, the options o (timestamps or none) plus nsack SACK blocks (relative
 * pairs), len bytes of payload (borrowed for the call). */
static inline void peer_send(struct rig *r, uint32_t ack, uint16_t win, struct wire_tcp_opts o,
			     unsigned nsack, const uint32_t *blk, const char *payload, size_t len)
{
	if (nsack) {
		o.present |= WIRE_HAS_SACK;
		o.sack_count = (uint8_t)nsack;
		for (unsigned i = 0; i < nsack; i++) {
			o.sack[i].left = REL(r, blk[2 * i]);
			o.sack[i].right = REL(r, blk[2 * i + 1]);
		}
	}
	h_send_opt(&r->h, PEER_PORT, SRV_PORT, F_ACK | (len ? F_PSH : 0), r->peer_seq,
		   REL(r, ack), win, &o, payload, len, 0);
}

/* The peer ACKs relative ack with window win and nsack SACK blocks (relative pairs). */
static inline void peer_ack(struct rig *r, uint32_t ack, uint16_t win, unsigned nsack,
			    const uint32_t *blk)
{
	peer_send(r, ack, win, (struct wire_tcp_opts){ 0 }, nsack, blk, NULL, 0);
}

/* The same with timestamps: TSval r->peer_tsval (then incremented), TSecr tsecr, window
 * r->peer_win. */
static inline void peer_ack_ts(struct rig *r, uint32_t ack, unsigned nsack,
			       const uint32_t *blk, uint32_t tsecr)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = r->peer_tsval++,
				   .ts_ecr = tsecr };

	peer_send(r, ack, (uint16_t)r->peer_win, o, nsack, blk, NULL, 0);
}

static inline void dupack(struct rig *r, uint32_t ack)
{
	peer_ack(r, ack, (uint16_t)r->peer_win, 0, NULL);
}

static inline uint64_t fast_retrans(struct rig *r)
{
	return synack_counter(r->h.s, SYNACK_CTR_TCP_FAST_RETRANS);
}

static inline void rig_close(struct rig *r)
{
	h_fini(&r->h);
}

#endif
