/* test_stream_rcv_ack.c — when the receiver ACKs in-sequence data (RFC 9293 §3.8.6.3,
 * RFC 1122 §4.2.3.2, RFC 5681 §4.2), as Linux does: quick-ACK mode for the first
 * segments of a connection (16 here: min(RCV.WND / (2 * 536), 16)), then an ACK for
 * every second full-sized segment (more than one full segment unacknowledged) or after
 * delayed_ack_ms (40 ms); interactive (pingpong) mode when our data answers theirs;
 * quick-ACK again after an idle time beyond the RTO and after duplicate data. Exact
 * segments and exact virtual times. Peer MSS 536 (no MSS option), no options. */
#include "harness.h"

#define R (PEER_ISN + 1)

struct conn {
	struct harness h;
	uint32_t iss;
	uint32_t nxt;           /* next peer sequence number to send */
	int fd;
};

static void conn_init(struct conn *c)
{
	h_init(&c->h);
	c->fd = h_passive_est(&c->h, NULL, &c->iss);
	c->nxt = R;
}

/* The peer sends n bytes at its next sequence number. */
static void peer_data(struct conn *c, uint32_t n)
{
	static const uint8_t zeros[2000];

	h_send_data(&c->h, PEER_PORT, SRV_PORT, F_ACK, c->nxt, c->iss + 1, 8192, zeros, n);
	c->nxt += n;
}

/* Spends the 16 quick ACKs with 16 segments of 10 bytes, each ACKed at once. */
static void use_quick_acks(struct conn *c)
{
	for (int i = 0; i < 16; i++) {
		peer_data(c, 10);
		EXPECT_SEG(&c->h, F_ACK, c->iss + 1, c->nxt, ANYWIN);
		EXPECT_NONE(&c->h);
	}
}

Test(stream_rcv_ack, quick_ack_first_sixteen_segments)
{
	struct conn c;

	conn_init(&c);
	use_quick_acks(&c);
	peer_data(&c, 10);              /* the 17th: delayed */
	EXPECT_NONE(&c.h);
	h_fini(&c.h);
}

Test(stream_rcv_ack, delayed_ack_40ms_after_quick_acks)
{
	struct conn c;

	conn_init(&c);
	use_quick_acks(&c);
	h_advance(&c.h, 100 * MSEC);
	peer_data(&c, 10);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 39 * MSEC);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 1 * MSEC);      /* delayed_ack_ms = 40 after the segment */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 65535);   /* (131072-byte buffer) */
	EXPECT_NONE(&c.h);
	h_fini(&c.h);
}

/* Small segments do not count as full-sized: three of them wait for the timer, which
 * was armed by the first (not restarted), and one ACK covers them all. */
Test(stream_rcv_ack, small_segments_share_one_delayed_ack)
{
	struct conn c;

	conn_init(&c);
	use_quick_acks(&c);
	h_advance(&c.h, 100 * MSEC);
	peer_data(&c, 100);
	h_advance(&c.h, 10 * MSEC);
	peer_data(&c, 100);
	h_advance(&c.h, 10 * MSEC);
	peer_data(&c, 100);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 19 * MSEC);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 1 * MSEC);      /* 40 ms after the first */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	EXPECT_NONE(&c.h);
	h_fini(&c.h);
}

/* §3.8.6.3 / RFC 1122 §4.2.3.2: an ACK for at least every second full-sized segment:
 * the first 536-byte segment waits, the second is ACKed at once, the third waits. */
Test(stream_rcv_ack, every_second_full_segment)
{
	struct conn c;

	conn_init(&c);
	use_quick_acks(&c);
	h_advance(&c.h, 100 * MSEC);
	peer_data(&c, 536);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 5 * MSEC);
	peer_data(&c, 536);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	EXPECT_NONE(&c.h);
	peer_data(&c, 536);
	EXPECT_NONE(&c.h);
	peer_data(&c, 536);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	/* the delayed-ACK timer was cleared by the ACK: nothing 40 ms later */
	h_advance(&c.h, 100 * MSEC);
	EXPECT_NONE(&c.h);
	h_fini(&c.h);
}

/* A full segment and a small one: more than one full segment's worth unacknowledged. */
Test(stream_rcv_ack, full_plus_small_acked_at_once)
{
	struct conn c;

	conn_init(&c);
	use_quick_acks(&c);
	peer_data(&c, 536);
	EXPECT_NONE(&c.h);
	peer_data(&c, 1);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	h_fini(&c.h);
}

/* Interactive exchange (Linux pingpong): our reply within 40 ms of their data carries
 * the ACK; then their next data is not quick-ACKed although quick ACKs remain; the
 * delayed-ACK timer firing ends the mode (Linux: "delayed ACK missed"). */
Test(stream_rcv_ack, pingpong_delays_then_timer_ends_it)
{
	struct conn c;

	conn_init(&c);
	peer_data(&c, 10);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);     /* quick */
	h_advance(&c.h, 5 * MSEC);
	cr_assert_eq(synack_send(c.h.s, c.fd, "reply", 5, 0), 5);
	EXPECT_SEG(&c.h, F_ACK | F_PSH, c.iss + 1, c.nxt, ANYWIN);
	h_send(&c.h, PEER_PORT, SRV_PORT, F_ACK, c.nxt, c.iss + 6, 8192);
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 100 * MSEC);
	peer_data(&c, 10);              /* interactive now: delayed */
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 40 * MSEC);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 6, c.nxt, ANYWIN);
	h_advance(&c.h, 100 * MSEC);
	peer_data(&c, 10);              /* the timer fired: quick again */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 6, c.nxt, ANYWIN);
	h_fini(&c.h);
}

/* Linux tcp_event_data_recv: data after an idle time longer than the RTO re-arms the
 * quick ACKs. */
Test(stream_rcv_ack, quick_again_after_idle_beyond_rto)
{
	struct conn c;
	struct synack_tcp_info ti;

	conn_init(&c);
	use_quick_acks(&c);
	cr_assert_eq(synack_tcp_info(c.h.s, c.fd, &ti), 0);
	h_advance(&c.h, (uint64_t)ti.rto_us * 1000 / 2);
	peer_data(&c, 10);              /* not idle long enough: delayed */
	EXPECT_NONE(&c.h);
	h_advance(&c.h, 40 * MSEC);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	h_advance(&c.h, (uint64_t)ti.rto_us * 1000 + 1);
	peer_data(&c, 10);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	h_fini(&c.h);
}

/* Data we already have (our ACK was lost): ACKed at once, and quick-ACK mode again
 * (Linux tcp_enter_quickack_mode on DELAYEDACKLOST). */
Test(stream_rcv_ack, duplicate_data_reenters_quick_ack)
{
	struct conn c;
	static const uint8_t zeros[10];

	conn_init(&c);
	use_quick_acks(&c);
	h_send_data(&c.h, PEER_PORT, SRV_PORT, F_ACK, c.nxt - 10, c.iss + 1, 8192, zeros, 10);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	EXPECT_NONE(&c.h);
	peer_data(&c, 10);              /* quick again */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, ANYWIN);
	h_fini(&c.h);
}

/* The delayed-ACK deadline is visible as the connection's timer (40 ms). */
Test(stream_rcv_ack, delack_timer_deadline)
{
	struct conn c;
	int kind = 0;

	conn_init(&c);
	use_quick_acks(&c);
	peer_data(&c, 10);
	cr_assert_eq(h_timer_of_port(&c.h, PEER_PORT, &kind), c.h.now + 40 * MSEC);
	cr_assert_eq(kind, SYNACK_TIMER_DELACK);
	h_fini(&c.h);
}
