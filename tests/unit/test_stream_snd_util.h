/* test_stream_snd_util.h — fixtures for the send-path tests (test_stream_cc_engine.c,
 * test_stream_snd_*.c): a passive connection whose peer SYN carries the options the
 * test wants, a big send buffer, and helpers that drain and check whole flights. */
#ifndef SYNACK_TEST_STREAM_SND_UTIL_H
#define SYNACK_TEST_STREAM_SND_UTIL_H

#include "harness.h"

#define SR (PEER_ISN + 1)       /* the peer's RCV.NXT side: our ACK number */

static uint8_t snd_blob[1 << 20];

/* h_init with a 1 MiB send buffer and cfg tweaks left to the caller via *c. */
static inline void snd_init(struct harness *h, const char *cc, int timestamps)
{
	struct synack_config c;

	h_default_config(&c);
	c.wmem_default = 1 << 20;
	c.timestamps = (uint32_t)timestamps;
	memset(c.congestion_control, 0, sizeof c.congestion_control);
	memcpy(c.congestion_control, cc, strlen(cc));
	h_init_cfg(h, &c);
	for (size_t i = 0; i < sizeof snd_blob; i++)
		snd_blob[i] = (uint8_t)(i * 31 + 7);
}

/* Passive open: the peer's SYN offers MSS mss (0: none) and window win (TS when the
 * stack has timestamps on: TSval 100, answered ACK echoes our TSval). *iss is our ISS.
 * The SYN-ACK is answered at once (RTT sample 0: SRTT 0, RTO = rto_min). */
static inline int snd_est(struct harness *h, uint16_t mss, uint16_t win, uint32_t *iss)
{
	struct wire_tcp_opts o = { 0 };
	int l = h_listen(h, SRV_PORT, 16), fd;
	uint32_t a;

	if (mss) {
		o.present |= WIRE_HAS_MSS;
		o.mss = mss;
	}
	if (h->cfg.timestamps) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = 100;
	}
	h_send_opt(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, win, &o, NULL, 0, 0);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, SR, ANYWIN);
	*iss = h->out.seq;
	o.present &= (uint8_t)~WIRE_HAS_MSS;
	o.ts_ecr = h->out.opt.ts_val;
	o.ts_val = 101;
	h_send_opt(h, PEER_PORT, SRV_PORT, F_ACK, SR, *iss + 1, win, &o, NULL, 0, 0);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	return fd;
}

/* The peer acknowledges up to ack with window win (TS echoing ecr when on). */
static inline void snd_ack(struct harness *h, uint32_t ack, uint16_t win, uint32_t ecr)
{
	struct wire_tcp_opts o = { 0 };

	if (h->cfg.timestamps) {
		o.present = WIRE_HAS_TS;
		o.ts_val = 200;
		o.ts_ecr = ecr;
	}
	h_send_opt(h, PEER_PORT, SRV_PORT, F_ACK, SR, ack, win, &o, NULL, 0, 0);
}

/* Drains n data segments that must be back to back from seq, len bytes each, ACK SR,
 * then nothing. Returns the sequence number after them. */
static inline uint32_t snd_expect_flight(struct harness *h, uint32_t seq, unsigned n,
					 uint32_t len)
{
	for (unsigned i = 0; i < n; i++) {
		cr_assert(h_next(h), "segment %u of %u missing", i + 1, n);
		cr_assert_eq(h->out.seq, seq, "segment %u: seq %u, expected %u", i + 1,
			     h->out.seq, seq);
		cr_assert_eq(h->out.payload_len, len, "segment %u: %zu bytes, expected %u",
			     i + 1, (size_t)h->out.payload_len, len);
		cr_assert_eq(h->out.ack, SR);
		cr_assert(h->out.flags & F_ACK);
		seq += len;
	}
	EXPECT_NONE(h);
	return seq;
}

static inline struct synack_tcp_info snd_info(struct harness *h, int fd)
{
	struct synack_tcp_info ti;

	cr_assert_eq(synack_tcp_info(h->s, fd, &ti), 0);
	return ti;
}

#endif
