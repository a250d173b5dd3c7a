/* test_stream_rcv_autotune.c — receive-buffer autotuning (src/tcp/rcvbuf.c, Linux's
 * tcp_moderate_rcvbuf): the window shift chosen at the SYN for the cap, exact advertised
 * windows after given read patterns, SO_RCVBUF locking, the cap, a reader that never
 * reads, the ring growing while it holds out-of-order data (base/ring.c), the ring's
 * free-on-empty churn served by the buffer cache, the grown window in TIME-WAIT records,
 * the receiver's RTT and rcv_space in tcp_info and ss.
 *
 * The peer offers MSS 1460, window scale 7 and timestamps; our MSS is 1460 (MTU 1500),
 * full segments carry 1448 bytes. Every RTT is 10 ms: the peer's flight at t echoes the
 * newest TSval of our segments sent before t - that is, at t - 10 ms - so our receiver
 * RTT estimate is exactly 10 ms. The default buffer is 131072 bytes (rmem_default), the
 * cap 6291456 (rmem_max): shift 7, since 65535 << 6 = 4194240 < 6291456 <= 65535 << 7.
 *
 * Growth, by rcvbuf.h's rule (copied = bytes read in the last RTT, last = the previous
 * count, first 10 * 1460 = 14600): win = 2 * copied + 16 * 1460, then
 * win += 2 * (win * (copied - last) / last). The windows below are worked by hand from it.
 * Checked against broken engines: the RTT sample taken before the segment size was
 * measured (no sample in the first RTT) fails the exact buffers; the right edge taking
 * every rounded-up window (output.c, before) offers 33 x 128 with 752 bytes free in
 * never_read_keeps_the_buffer; without the growth the windows stay at 1024 (x 128). */
#include "harness.h"
#include "api/api.h"
#include "synack/sim.h"
#include "synack/ss.h"
#include "synack/transfer.h"

#define R (PEER_ISN + 1)
#define SEG 1448u
#define RTT (10 * MSEC)

struct conn {
	struct harness h;
	uint32_t iss, nxt;      /* our ISS, the peer's next sequence number */
	uint32_t echo;          /* the newest TSval of ours the peer has seen */
	uint32_t tsval;         /* the peer's clock */
	uint16_t win;           /* the last window field we sent */
	uint64_t sent, read;    /* stream offsets: sent by the peer, read by the app */
	int fd;
};

/* Byte i of the stream: a hash of i, so a byte delivered at the wrong offset is seen. */
static uint8_t stream_byte(uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint8_t)(x >> 56);
}

/* Drains our segments: remembers the last window field and the newest TSval. Returns
 * how many there were. */
static unsigned drain(struct conn *c)
{
	unsigned n = 0;

	while (h_next(&c->h)) {
		cr_assert(c->h.out.flags & F_ACK);
		cr_assert(c->h.out.opt.present & WIRE_HAS_TS);
		c->win = c->h.out.win;
		c->echo = c->h.out.opt.ts_val;
		n++;
	}
	return n;
}

static void send_ts(struct conn *c, uint8_t flags, uint32_t seq, uint32_t echo,
		    const void *data, size_t len)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = ++c->tsval,
				   .ts_ecr = echo };

	h_send_opt(&c->h, PEER_PORT, SRV_PORT, flags, seq, c->iss + 1, 8192, &o, data, len, 0);
}

/* Passive open with WS 7 and TS; rcvbuf > 0 sets SO_RCVBUF on the listener first.
 * Checks the shift our SYN-ACK offers. The handshake completes at the harness's t0. */
static void conn_init(struct conn *c, const struct synack_config *cfg, int rcvbuf,
		      uint8_t want_shift)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_WS | WIRE_HAS_TS,
				   .mss = 1460, .wscale = 7, .ts_val = 1 };
	int l;

	memset(c, 0, sizeof *c);
	h_init_cfg(&c->h, cfg);
	l = synack_socket(c->h.s);
	if (rcvbuf > 0)
		cr_assert_eq(synack_setsockopt(c->h.s, l, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF,
					       &rcvbuf, sizeof rcvbuf), 0);
	cr_assert_eq(synack_bind(c->h.s, l, SYNACK_ADDR_ANY, SRV_PORT), 0);
	cr_assert_eq(synack_listen(c->h.s, l, 4), 0);
	c->tsval = 1;
	h_send_opt(&c->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 65535, &o, NULL, 0, 0);
	EXPECT_SEG(&c->h, F_SYN | F_ACK, c->h.out.seq, R, 65535);
	cr_assert(c->h.out.opt.present & WIRE_HAS_WS);
	cr_assert_eq(c->h.out.opt.wscale, want_shift, "shift %u, expected %u",
		     c->h.out.opt.wscale, want_shift);
	c->iss = c->h.out.seq;
	c->echo = c->h.out.opt.ts_val;
	send_ts(c, F_ACK, R, c->echo, NULL, 0);
	c->fd = synack_accept(c->h.s, l, NULL, NULL);
	cr_assert_geq(c->fd, 0);
	c->nxt = R;
}

static void default_cfg(struct synack_config *cfg)
{
	h_default_config(cfg);
	cfg->window_scaling = 1;
	cfg->timestamps = 1;
}

/* One full segment of the stream at stream offset off, echoing echo. */
static void send_seg(struct conn *c, uint64_t off, uint32_t echo)
{
	uint8_t buf[SEG];

	for (uint32_t i = 0; i < SEG; i++)
		buf[i] = stream_byte(off + i);
	send_ts(c, F_ACK, R + (uint32_t)off, echo, buf, SEG);
}

/* Reads up to max bytes (one recv) and checks every byte; returns the count. */
static uint32_t read_upto(struct conn *c, size_t max)
{
	static uint8_t buf[1 << 20];
	long n = synack_recv(c->h.s, c->fd, buf, max < sizeof buf ? max : sizeof buf, 0);

	if (n == -EAGAIN)
		return 0;
	cr_assert_gt(n, 0, "recv %ld", n);
	for (long i = 0; i < n; i++)
		cr_assert_eq(buf[i], stream_byte(c->read + (uint64_t)i),
			     "stream byte %llu wrong", (unsigned long long)(c->read + (uint64_t)i));
	c->read += (uint64_t)n;
	return (uint32_t)n;
}

/* Reads everything buffered (one recv, as an application with a large buffer). */
static uint32_t read_all(struct conn *c)
{
	return read_upto(c, SIZE_MAX);
}

/* One RTT: 10 ms on, the peer sends segs full segments, each echoing the newest TSval
 * it had seen before this flight (sent 10 ms ago). */
static void flight(struct conn *c, unsigned segs)
{
	uint32_t echo;

	h_advance(&c->h, RTT);
	drain(c);
	echo = c->echo;
	for (unsigned i = 0; i < segs; i++) {
		send_seg(c, c->sent, echo);
		c->sent += SEG;
		drain(c);
	}
	c->nxt = R + (uint32_t)c->sent;
}

/* A flight the application then reads whole. */
static void flight_read(struct conn *c, unsigned segs)
{
	flight(c, segs);
	cr_assert_eq(read_all(c), segs * SEG);
	drain(c);
}

static uint32_t rcvbuf_of(struct conn *c)
{
	int v = 0;
	size_t len = sizeof v;

	cr_assert_eq(synack_getsockopt(c->h.s, c->fd, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &v,
				       &len), 0);
	return (uint32_t)v;
}

/* The application keeps up and the peer doubles its flight each RTT (slow start). */
Test(stream_rcv_autotune, buffer_and_window_follow_the_reader)
{
	struct synack_config cfg;
	struct conn c;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	/* RTT 1: 14480 read, not more than the first count 14600: no growth */
	flight_read(&c, 10);
	cr_assert_eq(rcvbuf_of(&c), 131072);
	cr_assert_eq(c.win, 131072 >> 7);
	/* RTT 2: 28960 read: win = 57920 + 23360 = 81280, + 2 * (81280 * 14360 / 14600 =
	 * 79943) = 241166; the window update offers it all, rounded down to the shift */
	flight_read(&c, 20);
	cr_assert_eq(rcvbuf_of(&c), 241166);
	cr_assert_eq(c.win, 241166 >> 7, "win %u", c.win);
	/* RTT 3: 57920 read: win = 115840 + 23360 = 139200, + 2 * (139200 * 28960 /
	 * 28960) = 417600 */
	flight_read(&c, 40);
	cr_assert_eq(rcvbuf_of(&c), 417600);
	cr_assert_eq(c.win, 417600 >> 7, "win %u", c.win);
	/* RTT 4: 80 segments (115840 bytes) in flight at once, all in the window */
	flight(&c, 80);
	cr_assert_eq(c.win, (417600 - 115840) >> 7, "win %u", c.win);
	cr_assert_eq(read_all(&c), 115840);
	drain(&c);
	/* 115840 read: win = 231680 + 23360 = 255040, + 2 * (255040 * 57920 / 57920) =
	 * 765120 */
	cr_assert_eq(rcvbuf_of(&c), 765120);
	cr_assert_eq(c.win, 765120 >> 7, "win %u", c.win);
	/* the same rate again: no growth (copied is not above the last count) */
	flight_read(&c, 80);
	cr_assert_eq(rcvbuf_of(&c), 765120);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&c.h);
}

/* A reader slower than the sender: what it reads per RTT never beats 14600 */
Test(stream_rcv_autotune, slow_reader_keeps_the_default)
{
	struct synack_config cfg;
	static uint8_t buf[4000];
	struct conn c;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	for (int k = 0; k < 6; k++) {
		flight(&c, 10);
		cr_assert_eq(synack_recv(c.h.s, c.fd, buf, sizeof buf, 0), (long)sizeof buf);
		drain(&c);
	}
	cr_assert_eq(rcvbuf_of(&c), 131072);
	/* 6 x 14480 arrived, 24000 read: 131072 - 62880 free (x128, rounded down) */
	h_advance(&c.h, 200 * MSEC);
	drain(&c);
	cr_assert_eq(c.win, (131072 - 6 * 14480 + 24000) >> 7, "win %u", c.win);
	h_fini(&c.h);
}

/* The application never reads: the buffer keeps its size, the window closes exactly. */
Test(stream_rcv_autotune, never_read_keeps_the_buffer)
{
	struct synack_config cfg;
	struct conn c;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	/* 90 segments = 130320 bytes: 752 left, below one segment. The right edge is the
	 * first ACK's (after 1448 bytes: 129624 free, 129536 offered, edge at 130984);
	 * no later ACK could move it by the SWS step (1460), so 664 bytes are left of it,
	 * offered as 6 x 128 (RFC 7323 §2.4: rounded up rather than retracted) */
	for (int k = 0; k < 9; k++)
		flight(&c, 10);
	cr_assert_eq(c.win, 6, "win %u", c.win);
	h_advance(&c.h, 10 * SEC);
	drain(&c);
	cr_assert_eq(rcvbuf_of(&c), 131072);
	cr_assert_eq(read_all(&c), 130320);    /* every byte intact */
	h_fini(&c.h);
}

/* The reader of buffer_and_window_follow_the_reader's first three RTTs (14480, 28960,
 * 57920 bytes) on a connection set up with cfg and rcvbuf: the SYN-ACK offers shift,
 * and the buffer ends at want, offered whole. */
static void three_rtts(const struct synack_config *cfg, int rcvbuf, uint8_t shift,
		       uint32_t want)
{
	struct conn c;

	conn_init(&c, cfg, rcvbuf, shift);
	flight_read(&c, 10);
	flight_read(&c, 20);
	flight_read(&c, 40);
	cr_assert_eq(rcvbuf_of(&c), want);
	cr_assert_eq(c.win, want >> shift, "win %u", c.win);
	h_fini(&c.h);
}

/* SO_RCVBUF locks the buffer (Linux SOCK_RCVBUF_LOCK): the shift is chosen from it (2
 * for 131072) and the reader that grew the default buffer grows nothing here. */
Test(stream_rcv_autotune, so_rcvbuf_locks)
{
	struct synack_config cfg;

	default_cfg(&cfg);
	three_rtts(&cfg, 131072, 2, 131072);
}

/* SO_RCVBUF set on the connection itself after the handshake stops growth too (the
 * shift stays the one of the SYN). */
Test(stream_rcv_autotune, so_rcvbuf_after_growth_locks)
{
	struct synack_config cfg;
	struct conn c;
	int v = 300000;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	flight_read(&c, 10);
	flight_read(&c, 20);
	cr_assert_eq(rcvbuf_of(&c), 241166);
	cr_assert_eq(synack_setsockopt(c.h.s, c.fd, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &v,
				       sizeof v), 0);
	flight_read(&c, 40);
	flight_read(&c, 80);
	cr_assert_eq(rcvbuf_of(&c), 300000);
	cr_assert_eq(c.win, 300000 >> 7, "win %u", c.win);
	h_fini(&c.h);
}

/* tcp_moderate_rcvbuf = 0: fixed buffer, shift from rmem_default (2) as before. */
Test(stream_rcv_autotune, moderate_off_is_fixed)
{
	struct synack_config cfg;

	default_cfg(&cfg);
	cfg.moderate_rcvbuf = 0;
	three_rtts(&cfg, 0, 2, 131072);
}

/* rmem_max caps the growth (241166 wanted after the second RTT, 417600 after the
 * third), and the shift is the smallest that reaches it: 200000 needs 2 (65535 << 1 =
 * 131070 is short). */
Test(stream_rcv_autotune, capped_at_rmem_max)
{
	struct synack_config cfg;

	default_cfg(&cfg);
	cfg.rmem_max = 200000;
	three_rtts(&cfg, 0, 2, 200000);
}

/* The ring grows while it holds out-of-order data: the bytes beyond the hole keep their
 * place (ring_reserve) and arrive intact when the hole fills. */
Test(stream_rcv_autotune, ring_grows_under_held_data)
{
	struct synack_config cfg;
	struct conn c;
	uint32_t echo;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	flight_read(&c, 10);
	/* RTT 2: segments 0..17 and 19..21 of the flight; 18 is lost */
	h_advance(&c.h, RTT);
	drain(&c);
	echo = c.echo;
	for (unsigned i = 0; i < 22; i++)
		if (i != 18) {
			send_seg(&c, c.sent + i * SEG, echo);
			drain(&c);
		}
	/* 18 x 1448 = 26064 read: win = 52128 + 23360 = 75488, + 2 * (75488 * 11464 /
	 * 14600 = 59273) = 194034 */
	cr_assert_eq(read_all(&c), 18 * SEG);
	drain(&c);
	cr_assert_eq(rcvbuf_of(&c), 194034);
	/* the window offered: the right edge of 194034 free bytes, the held 3 x 1448 in it */
	cr_assert_eq(c.win, 194034 >> 7, "win %u", c.win);
	/* the hole fills: the ring (131072) grows to 262144 with the held data in it */
	send_seg(&c, c.sent + 18 * SEG, echo);
	c.sent += 22 * SEG;
	drain(&c);
	cr_assert_eq(read_all(&c), 4 * SEG);
	flight_read(&c, 40);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&c.h);
}

/* Receive-side out of memory (issue 3: counted with its reason, nothing lost): a
 * reader that read all but one byte of RTT 2's flight grew the buffer (autotuning) while
 * the ring (131072 bytes of storage) still holds that byte, so the window offered reaches
 * past the storage. The allocator refuses; 90 segments in order fill the storage (751
 * bytes left); the 91st would need the ring to grow: it is not taken (RFC 9293
 * §3.10.7.4: RCV.NXT does not move), counted (tcp_no_memory), its note says why, and an
 * ACK with RCV.NXT goes at once (Linux: ICSK_ACK_NOMEM). With memory back its
 * retransmission is taken (the ring grows) and every byte reads back in order. */
Test(stream_rcv_autotune, ring_that_cannot_grow_takes_nothing_and_acks)
{
	struct synack_config cfg;
	struct synack_note n = {0}, last = {0};
	struct tcp_stack *ts;
	struct conn c;
	void *(*alloc)(void *, size_t);
	uint64_t nomem;
	uint16_t win;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	ts = &c.h.s->tcp;
	flight_read(&c, 10);
	flight(&c, 20);
	cr_assert_eq(read_upto(&c, 20 * SEG - 1), 20 * SEG - 1);
	drain(&c);
	cr_assert_gt(rcvbuf_of(&c), 2 * 131072 - 20 * SEG);
	cr_assert_eq(api_tcb(c.h.s, c.fd)->rcvbuf.cap, 131072);
	alloc = ts->bufcache.backing.alloc;
	ts->bufcache.backing.alloc = h_refuse_alloc;
	for (int k = 0; k < 90; k++) {
		send_seg(&c, c.sent, c.echo);
		c.sent += SEG;
		drain(&c);
	}
	cr_assert_eq(ring_space(&api_tcb(c.h.s, c.fd)->rcvbuf), 751);
	while (synack_poll_note(c.h.s, &n))
		;
	nomem = synack_counter(c.h.s, SYNACK_CTR_TCP_NO_MEMORY);
	send_seg(&c, c.sent, c.echo);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R + (uint32_t)c.sent, ANYWIN);
	win = c.h.out.win;
	EXPECT_NONE(&c.h);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_NO_MEMORY), nomem + 1);
	cr_assert_eq(api_tcb(c.h.s, c.fd)->rcv_nxt, R + (uint32_t)c.sent);
	while (synack_poll_note(c.h.s, &n))
		if (n.dir == SYNACK_NOTE_IN)
			last = n;
	cr_assert_str_eq(last.reason, "dropped: no memory for receive buffer, ACK");
	cr_assert_eq(last.verdict, SYNACK_V_ACKED);
	cr_assert_eq(last.seq, R + (uint32_t)c.sent);
	cr_assert_eq(last.len, SEG);
	cr_assert_eq(last.state_after, SYNACK_STATE_ESTABLISHED);
	/* the window offered is the one before: nothing was taken */
	cr_assert_eq(win, c.win, "win %u, the ACK before offered %u", win, c.win);
	ts->bufcache.backing.alloc = alloc;
	send_seg(&c, c.sent, c.echo);
	c.sent += SEG;
	drain(&c);
	cr_assert_eq(api_tcb(c.h.s, c.fd)->rcv_nxt, R + (uint32_t)c.sent);
	cr_assert_eq(api_tcb(c.h.s, c.fd)->rcvbuf.cap, 262144);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_NO_MEMORY), nomem + 1);
	cr_assert_eq(read_all(&c), 1 + 91 * SEG);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&c.h);
}

/* ---- the simulator: whole transfers with growth, under faults ------------------------ */

struct wnd_tap {
	uint32_t max_field;     /* largest window field of a segment without payload */
	uint64_t acks;
};

static void window_tap(void *ctx, const struct synack_sim_tap *rec)
{
	struct wnd_tap *w = ctx;
	struct wire_ipv4 ip;
	struct wire_tcp t;

	if (rec->kind != SYNACK_SIM_TAP_SEND || wire_ipv4_parse(rec->pkt, rec->len, &ip) ||
	    ip.proto != WIRE_IPPROTO_TCP ||
	    wire_tcp_parse(rec->pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &t) ||
	    t.payload_len || (t.flags & (F_SYN | F_RST)))
		return;
	w->acks++;
	if (t.win > w->max_field)
		w->max_field = t.win;
}

/* 8 MiB over 20 ms and 100 Mbit/s (BDP 250 kB, twice the 131072 the receiver starts
 * with), with loss, reordering and duplicates: every byte arrives intact (SHA-256),
 * both ends close as they must, and the receiver's window went past its first buffer
 * (its ACKs are the only pure ACKs whose field can exceed 131072 >> 7 = 1024: the
 * sender's receive buffer has nothing to read and never grows), never past the cap
 * (4 MiB >> 7 = 32768). Seeds 1..3. */
Test(stream_rcv_autotune, simulator_transfer_grows_and_is_intact, .timeout = 120)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct synack_transfer_config c = {0};
		struct synack_transfer_result *res = calloc(1, sizeof *res);
		struct h_alloc_stats mem = {0};
		struct wnd_tap w = {0};

		cr_assert_not_null(res);
		c.bytes = 8u << 20;
		c.rtt_ns = 20 * MSEC;
		c.bandwidth_bps = 100000000;
		c.loss_ppm = 5000;
		c.reorder_ppm = 10000;
		c.dup_ppm = 2000;
		c.buf_bytes = 4u << 20;
		c.rcv_initial_bytes = 131072;
		c.seed = seed;
		c.tap = window_tap;
		c.tap_ctx = &w;
		c.env.alloc = h_alloc;
		c.env.free = h_free;
		c.env.ctx = &mem;
		cr_assert_eq(synack_transfer_run(&c, res), 0, "seed %llu: %s",
			     (unsigned long long)seed, res->what ? res->what : "not completed");
		cr_assert(res->flow[0].sha_equal, "seed %llu", (unsigned long long)seed);
		cr_assert_eq(res->flow[0].bytes_received, c.bytes);
		cr_assert_eq(res->flow[0].sender_state, SYNACK_STATE_TIME_WAIT);
		cr_assert_eq(res->flow[0].receiver_state, SYNACK_STATE_CLOSED);
		cr_assert_gt(w.max_field, 1024, "seed %llu: largest window field %u",
			     (unsigned long long)seed, w.max_field);
		cr_assert_leq(w.max_field, 32768, "seed %llu: %u", (unsigned long long)seed,
			      w.max_field);
		cr_assert_eq(mem.live_bytes, 0);
		free(res);
	}
}

/* A segment from the peer at c->nxt acknowledging ack, echoing c->echo. */
static void send_ack_ts(struct conn *c, uint8_t flags, uint32_t ack, const void *data,
			size_t len)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = ++c->tsval,
				   .ts_ecr = c->echo };

	h_send_opt(&c->h, PEER_PORT, SRV_PORT, flags, c->nxt, ack, 8192, &o, data, len, 0);
}

/* One request/response exchange 10 ms on: the peer's 100-byte request, read whole; our
 * 100-byte response; the peer's ACK of it. *ring: the receive ring holding the request. */
static void exchange(struct conn *c, uint32_t *snd, const uint8_t **ring)
{
	static const uint8_t req[100], resp[100];
	const struct tcb *tcb = api_tcb(c->h.s, c->fd);
	uint8_t buf[200];

	h_advance(&c->h, RTT);
	drain(c);
	send_ack_ts(c, F_ACK | F_PSH, *snd, req, sizeof req);
	c->nxt += sizeof req;
	cr_assert_eq(tcb->rcvbuf.cap, 131072);
	*ring = tcb->rcvbuf.buf;
	cr_assert_eq(synack_recv(c->h.s, c->fd, buf, sizeof buf, 0), (long)sizeof req);
	cr_assert_eq(synack_send(c->h.s, c->fd, resp, sizeof resp, 0), (long)sizeof resp);
	EXPECT_SEG(&c->h, F_ACK | F_PSH, *snd, c->nxt, 131072 >> 7);
	cr_assert_eq(c->h.out.payload_len, sizeof resp);
	c->echo = c->h.out.opt.ts_val;
	*snd += sizeof resp;
	EXPECT_NONE(&c->h);
	send_ack_ts(c, F_ACK, *snd, NULL, 0);
	EXPECT_NONE(&c->h);
}

/*
 * A request/response connection frees its rings when they empty (DESIGN.md: idle
 * connections small; docs/choices.md) and takes them again on the next exchange: the
 * buffer cache (base/bufcache.h) serves that churn. After the first exchange, each one
 * allocates exactly twice through the engine's allocator - the 128 KiB receive ring
 * (freed by the read that empties it) and the 16 KiB send ring (freed when our response
 * is acknowledged; no SACK here, so no RACK map) - both cache hits, LIFO, so the same
 * receive ring comes back; the environment's allocator sees nothing.
 */
Test(stream_rcv_autotune, ping_pong_ring_churn_stays_in_the_buffer_cache)
{
	const struct base_bufcache *bc;
	struct synack_config cfg;
	struct conn c;
	struct tcb *tcb;
	uint32_t snd;
	const uint8_t *first, *ring;
	uint64_t hits0, misses0;
	size_t env0, live0;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	bc = &c.h.s->tcp.bufcache;
	tcb = api_tcb(c.h.s, c.fd);
	cr_assert_not_null(tcb);
	snd = c.iss + 1;
	exchange(&c, &snd, &first);
	cr_assert_eq(tcb->rcvbuf.cap, 0);       /* read empty: handed back */
	cr_assert_eq(tcb->sndbuf.cap, 0);
	hits0 = bc->hits;
	misses0 = bc->misses;
	env0 = c.h.mem.allocs;
	live0 = c.h.mem.live_bytes;
	for (int k = 1; k <= 20; k++) {
		exchange(&c, &snd, &ring);
		cr_assert_eq(ring, first, "exchange %d: another receive ring", k);
		cr_assert_eq(bc->hits - hits0, 2ull * (uint64_t)k, "exchange %d: %llu hits", k,
			     (unsigned long long)(bc->hits - hits0));
		cr_assert_eq(bc->misses, misses0, "exchange %d: %llu misses", k,
			     (unsigned long long)(bc->misses - misses0));
		cr_assert_eq(tcb->rcvbuf.cap, 0);
		cr_assert_eq(tcb->sndbuf.cap, 0);
		cr_assert_null(tcb->rec.rack.seg);
	}
	cr_assert_eq(c.h.mem.allocs, env0, "%zu environment allocations",
		     c.h.mem.allocs - env0);
	cr_assert_eq(c.h.mem.live_bytes, live0);
	h_fini(&c.h);
}

/* A TIME-WAIT record's ACKs advertise the window the connection last advertised (Linux
 * tw_rcv_wnd), here one autotuning grew to 417600 bytes (x 128: 3262), not 65535 (the
 * record's "larger than the default" answer before, 2^23 bytes at our shift 7). */
Test(stream_rcv_autotune, time_wait_record_advertises_the_grown_window)
{
	struct synack_config cfg;
	struct conn c;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	for (unsigned segs = 10; segs <= 40; segs *= 2)
		flight_read(&c, segs);  /* the growth buffer_and_window_follow_the_reader shows */
	cr_assert_eq(rcvbuf_of(&c), 417600);
	cr_assert_eq(c.win, 417600 >> 7);
	cr_assert_eq(synack_close(c.h.s, c.fd), 0);
	EXPECT_SEG(&c.h, F_FIN | F_ACK, c.iss + 1, c.nxt, 417600 >> 7);
	c.echo = c.h.out.opt.ts_val;
	send_ack_ts(&c, F_ACK | F_FIN, c.iss + 2, NULL, 0);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 2, c.nxt + 1, 417600 >> 7);
	EXPECT_NONE(&c.h);
	cr_assert_eq(h_state_of_port(&c.h, PEER_PORT), SYNACK_STATE_TIME_WAIT);
	cr_assert_eq(synack_sock_list(c.h.s, NULL, 0), 2);      /* the listener, the record */
	/* the peer's FIN again, 1 s later: the record answers with the same window */
	h_advance(&c.h, 1 * SEC);
	send_ack_ts(&c, F_ACK | F_FIN, c.iss + 2, NULL, 0);
	EXPECT_SEG(&c.h, F_ACK, c.iss + 2, c.nxt + 1, 417600 >> 7);
	h_fini(&c.h);
}

/* tcp_info's rcv_rtt_us / rcv_space and ss's line, for the connection on PEER_PORT. */
static void expect_rcv_info(struct conn *c, uint32_t rtt_us, uint32_t space, const char *tail)
{
	struct synack_tcp_info ti;
	struct synack_sock_info v[2];
	char line[200];
	size_t n = synack_sock_list(c->h.s, v, 2);

	cr_assert_eq(synack_tcp_info(c->h.s, c->fd, &ti), 0);
	cr_assert_eq(ti.rcv_rtt_us, rtt_us, "rcv_rtt_us %u, expected %u", ti.rcv_rtt_us, rtt_us);
	cr_assert_eq(ti.rcv_space, space, "rcv_space %u, expected %u", ti.rcv_space, space);
	for (size_t i = 0; i < n && i < 2; i++) {
		if (v[i].rport != PEER_PORT)
			continue;
		cr_assert_eq(v[i].rcv_rtt_us, rtt_us);
		cr_assert_eq(v[i].rcv_space, space);
		synack_ss_format_entry(&v[i], c->h.now, line, sizeof line);
		cr_assert(strlen(line) > strlen(tail) &&
			  !strcmp(line + strlen(line) - strlen(tail), tail), "%s", line);
		return;
	}
	cr_assert_fail("no connection listed");
}

/* Linux tcpi_rcv_rtt / tcpi_rcv_space and ss -i's rcv_rtt: / rcv_space:. At ESTABLISHED
 * no sample yet and the baseline min(buffer, 10 * 1460) = 14600; after the first flight
 * the TSecr sample, exactly 10 ms (one RTT), and 14480 read (not above 14600: kept);
 * after the second 28960 read in that RTT. */
Test(stream_rcv_autotune, tcp_info_and_ss_show_rcv_rtt_and_rcv_space)
{
	struct synack_config cfg;
	struct conn c;

	default_cfg(&cfg);
	conn_init(&c, &cfg, 0, 7);
	expect_rcv_info(&c, 0, 14600, " cwnd:10 rcv_space:14600");
	flight_read(&c, 10);
	expect_rcv_info(&c, 10000, 14600, " cwnd:10 rcv_rtt:10 rcv_space:14600");
	flight_read(&c, 20);
	expect_rcv_info(&c, 10000, 28960, " cwnd:10 rcv_rtt:10 rcv_space:28960");
	h_fini(&c.h);
}
