/* test_tcp_iss_wrap.c — SND.UNA back at ISS after 2^32 sequence numbers (RFC 9293 §3.4:
 * the sequence space is finite and wraps; a connection may send more than 2^32 octets).
 * "Our SYN is unacknowledged" must not be read from SND.UNA = ISS: once SND.UNA has
 * wrapped to ISS on a synchronized connection the SYN was acknowledged long ago, the send
 * buffer's head octet is at SND.UNA (not ISS + 1), an idle connection plans no SYN, and
 * data and retransmissions go out at their own sequence numbers.
 *
 * The setup: a real transfer of 2^32 octets is ~4 G octets through the stack (minutes
 * under ASan), so each test establishes a connection, lets it go idle (nothing
 * outstanding, nothing queued) and then moves the tcb's ISS instead of SND.UNA. That is
 * the same connection as one that has sent 2^32 - k octets since its SYN: in a
 * synchronized state ISS is read only by the "SYN unacknowledged" tests (tcb.h
 * tcp_sndbuf_seq, output.c's planning, input.c syn_acked in SYN-SENT/SYN-RECEIVED only),
 * by rttm.c's "ACK of our SYN only" test (an RTT sample of a connection without
 * timestamps: not taken here) and by TCP_INFO; every other variable (SND.UNA, SND.NXT,
 * SND.MAX, WL1/WL2, the ring, recovery, RACK, RTT) is relative to SND.UNA and is exactly
 * what the long transfer would leave on an idle connection. The peer's side of the
 * scripts is written at those sequence numbers.
 */
#include "harness.h"
#include "api/api.h"

#define R (PEER_ISN + 1)        /* our RCV.NXT after the handshake */

/* A passive connection *fd, established and idle: SND.UNA = SND.NXT = SND.MAX = *una
 * (ISS + 1 of its handshake); afterwards the tcb's ISS is *una + ahead, i.e. SND.UNA
 * reaches ISS after `ahead` more octets acknowledged. */
static struct tcb *est_wrap_iss(struct harness *h, int *fd, uint32_t *una, uint32_t ahead)
{
	struct tcb *t;
	uint32_t iss;

	h_init(h);
	*fd = h_passive_est(h, NULL, &iss);
	t = api_tcb(h->s, *fd);
	cr_assert_not_null(t);
	cr_assert_eq(t->snd_una, iss + 1);
	cr_assert_eq(t->snd_una, t->snd_nxt);
	cr_assert_eq(t->snd_una, t->snd_max);
	cr_assert_eq(ring_len(&t->sndbuf), 0);
	*una = t->snd_una;
	t->iss = t->snd_una + ahead;
	return t;
}

#define EXPECT_PAYLOAD(h, s) do { \
	cr_assert_eq((h)->out.payload_len, sizeof(s) - 1, "len %u, expected %u", \
		     (unsigned)(h)->out.payload_len, (unsigned)(sizeof(s) - 1)); \
	cr_assert_eq(memcmp((h)->out.payload, (s), sizeof(s) - 1), 0); \
} while (0)

/* Idle at SND.UNA = SND.NXT = ISS: the peer's data gets a plain ACK (no SYN planned),
 * our data starts at SND.UNA and its ACK empties the send buffer. */
Test(tcp_iss_wrap, idle_at_iss_sends_ack_and_data_not_syn)
{
	struct harness h;
	uint32_t w;
	int fd;
	struct tcb *t = est_wrap_iss(&h, &fd, &w, 0);  /* SND.UNA = ISS: 2^32 octets on */

	cr_assert_eq(tcp_sndbuf_seq(t), w, "send buffer head %u, expected SND.UNA %u",
		     (unsigned)tcp_sndbuf_seq(t), (unsigned)w);

	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R, w, 8192, "hello", 5);
	EXPECT_SEG(&h, F_ACK, w, R + 5, 65535);
	cr_assert_eq(h.out.payload_len, 0);
	EXPECT_NONE(&h);
	h_advance(&h, SEC);
	EXPECT_NONE(&h);                /* no SYN retransmitted either */

	cr_assert_eq(synack_send(h.s, fd, "abc", 3, 0), 3);
	EXPECT_SEG(&h, F_ACK | F_PSH, w, R + 5, ANYWIN);
	EXPECT_PAYLOAD(&h, "abc");
	EXPECT_NONE(&h);
	cr_assert_eq(tcp_sndbuf_seq(t), w);
	cr_assert_eq(ring_len(&t->sndbuf), 3);

	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 5, w + 3, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(t->snd_una, w + 3);
	cr_assert_eq(ring_len(&t->sndbuf), 0, "%u octets left in the send buffer",
		     (unsigned)ring_len(&t->sndbuf));

	cr_assert_eq(synack_send(h.s, fd, "de", 2, 0), 2);
	EXPECT_SEG(&h, F_ACK | F_PSH, w + 3, R + 5, ANYWIN);
	EXPECT_PAYLOAD(&h, "de");
	EXPECT_NONE(&h);
	h_fini(&h);
}

/* SND.UNA reaches ISS by a partial ACK with octets still in flight: the ACK drops exactly
 * the octets it covers, the head is SND.UNA, new data queues behind the held octets, and
 * the retransmission timeout resends them all from SND.UNA (SND.NXT back at ISS), not a
 * SYN; the ACK of everything empties the send buffer. */
Test(tcp_iss_wrap, partial_ack_to_iss_keeps_head_and_retransmits_data)
{
	struct harness h;
	uint32_t w;
	int fd;
	struct tcb *t = est_wrap_iss(&h, &fd, &w, 2);  /* ISS = SND.UNA + 2 */

	cr_assert_eq(synack_send(h.s, fd, "abcde", 5, 0), 5);
	EXPECT_SEG(&h, F_ACK | F_PSH, w, R, ANYWIN);
	EXPECT_PAYLOAD(&h, "abcde");
	EXPECT_NONE(&h);

	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, w + 2, 8192);    /* SEG.ACK = ISS */
	EXPECT_NONE(&h);
	cr_assert_eq(t->snd_una, t->iss);
	cr_assert_eq(ring_len(&t->sndbuf), 3, "%u octets in the send buffer, expected 3",
		     (unsigned)ring_len(&t->sndbuf));
	cr_assert_eq(tcp_sndbuf_seq(t), w + 2, "send buffer head %u, expected SND.UNA %u",
		     (unsigned)tcp_sndbuf_seq(t), (unsigned)(w + 2));

	cr_assert_eq(synack_send(h.s, fd, "fg", 2, 0), 2);
	EXPECT_NONE(&h);                /* Nagle (RFC 1122 §4.2.3.4): "cde" unacknowledged */
	cr_assert_eq(ring_len(&t->sndbuf), 5);

	h_advance(&h, 2 * SEC);         /* past the RTO (1 s initial, RFC 6298 (2.1)) */
	EXPECT_SEG(&h, F_ACK | F_PSH, w + 2, R, ANYWIN);
	EXPECT_PAYLOAD(&h, "cdefg");
	EXPECT_NONE(&h);

	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R, w + 7, 8192);
	cr_assert_eq(t->snd_una, w + 7);
	cr_assert_eq(ring_len(&t->sndbuf), 0, "%u octets left in the send buffer",
		     (unsigned)ring_len(&t->sndbuf));
	h_fini(&h);
}
