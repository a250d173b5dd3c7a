/* test_stream_rcv_wnd.c — the window we advertise: receiver SWS avoidance (RFC 9293
 * §3.8.6.2.2: a closed or small window opens only by min(RCV.BUFF / 2, MSS) or more) and
 * no shrinking (SHLD-14: the right edge never moves left, even when the buffer is made
 * smaller). A 4000-byte receive buffer (SO_RCVBUF on the listener), no options: our MSS
 * 1460, so the SWS step is min(2000, 1460) = 1460. Exact windows on every ACK. */
#include "harness.h"

#define R (PEER_ISN + 1)

struct conn {
	struct harness h;
	uint32_t iss, nxt;
	int fd;
};

static void conn_init(struct conn *c, int rcvbuf)
{
	int l;

	h_init(&c->h);
	l = synack_socket(c->h.s);
	cr_assert_eq(synack_setsockopt(c->h.s, l, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &rcvbuf,
				       sizeof rcvbuf), 0);
	cr_assert_eq(synack_bind(c->h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(c->h.s, l, 4), 0);
	h_send(&c->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&c->h, F_SYN | F_ACK, c->h.out.seq, R, ANYWIN);
	cr_assert_eq(c->h.out.win, rcvbuf);
	c->iss = c->h.out.seq;
	h_send(&c->h, PEER_PORT, SRV_PORT, F_ACK, R, c->iss + 1, 8192);
	c->fd = synack_accept(c->h.s, l, NULL, NULL);
	cr_assert_geq(c->fd, 0);
	c->nxt = R;
}

static void peer_data(struct conn *c, uint32_t n)
{
	static const uint8_t zeros[2000];

	h_send_data(&c->h, PEER_PORT, SRV_PORT, F_ACK, c->nxt, c->iss + 1, 8192, zeros, n);
	c->nxt += n;
}

/* A zero-window probe as Linux sends it: <SEQ=RCV.NXT-1><CTL=ACK>, answered at once
 * (600 ms after the last one: such ACKs are rate-limited by invalid_ratelimit_ms). */
static void probe(struct conn *c)
{
	h_advance(&c->h, 600 * MSEC);
	h_send(&c->h, PEER_PORT, SRV_PORT, F_ACK, c->nxt - 1, c->iss + 1, 8192);
}

static void read_n(struct conn *c, uint32_t n)
{
	static uint8_t buf[8192];

	cr_assert_eq(synack_recv(c->h.s, c->fd, buf, n, 0), (long)n);
}

Test(stream_rcv_wnd, window_closes_then_opens_only_by_a_full_step)
{
	struct conn c;

	conn_init(&c, 4000);
	peer_data(&c, 1000);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 3000);
	peer_data(&c, 1000);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 2000);
	/* the two quick ACKs (4000 / (2 * 1000)) are spent: every second segment */
	peer_data(&c, 1000);
	EXPECT_NONE(&c.h);
	peer_data(&c, 1000);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 0);
	/* 100 bytes read: 100 free, less than the step: the window stays closed */
	read_n(&c, 100);
	EXPECT_NONE(&c.h);
	probe(&c);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 0);
	/* 1400 read in all: still below 1460 */
	read_n(&c, 1300);
	EXPECT_NONE(&c.h);
	probe(&c);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 0);
	/* 1500 free: at least one MSS, the window opens to all of it */
	read_n(&c, 100);
	probe(&c);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 1500);
	h_fini(&c.h);
}

/* An open window grows only by a full step too: 10 bytes read after 1000 arrived keep
 * the right edge where it was (the ACK of new data shows the remaining window). */
Test(stream_rcv_wnd, small_growth_not_advertised)
{
	struct conn c;

	conn_init(&c, 4000);
	peer_data(&c, 1000);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 3000);
	read_n(&c, 10);
	peer_data(&c, 10);              /* quick ACK */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 2990);  /* not 3000: same right edge */
	read_n(&c, 1000);               /* 1010 read: 4000 - 0 free vs 2990 shown */
	peer_data(&c, 10);              /* quick ACKs spent: delayed 40 ms */
	h_advance(&c.h, 40 * MSEC);
	/* 3990 free, growth 1010 < 1460: the right edge stays (2980 left) */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 2980);
	read_n(&c, 10);
	peer_data(&c, 500);
	h_advance(&c.h, 40 * MSEC);
	/* 3500 free; 2480 shown would be the old edge: growth 1020 < 1460 still */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 2480);
	read_n(&c, 500);
	peer_data(&c, 10);
	h_advance(&c.h, 40 * MSEC);
	/* 3990 free vs 2470: growth 1520 >= 1460: the whole free space is offered */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 3990);
	h_fini(&c.h);
}

/* SHLD-14: making the buffer smaller never pulls the advertised right edge back. */
Test(stream_rcv_wnd, never_shrunk_when_buffer_reduced)
{
	struct conn c;
	int small = 1000;

	conn_init(&c, 4000);
	peer_data(&c, 500);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 3500);
	cr_assert_eq(synack_setsockopt(c.h.s, c.fd, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &small,
				       sizeof small), 0);
	peer_data(&c, 100);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 3400);  /* the old right edge */
	peer_data(&c, 1700);            /* fills exactly what was offered */
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 1700);
	peer_data(&c, 1700);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, c.nxt, 0);
	read_n(&c, 4000);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&c.h);
}
