/* test_stream_rcv_ooo.c — out-of-order data held in place (reass.c; RFC 9293 §3.10.7.4
 * seventh check, MAY-13), the ACKs it draws (RFC 5681 §4.2: at once for out-of-order
 * and hole-filling data) and their SACK blocks (RFC 2018 §4: the block of the latest
 * segment first, then the most recently changed others; up to 4 without timestamps, 3
 * with) and D-SACK blocks (RFC 2883 §4) for duplicates; holes filled in every order,
 * overlaps, the bound on held blocks (tcp_reass_limit: receive buffer / 1 KiB, pruning
 * from the top, counter tcp_ooo_dropped), a FIN beyond a hole. SACK negotiated, no timestamps/WS unless said; peer MSS 536. */
#include "harness.h"
#include "api/api.h"
#include "tcp/reass.h"
#include "tcp/tcb.h"

#define R (PEER_ISN + 1)

struct conn {
	struct harness h;
	uint32_t iss;
	int fd;
};

static uint8_t byte_at(uint32_t off)
{
	return (uint8_t)(off * 7 + off / 251 + 1);
}

/* rmem: the receive buffer (cfg.rmem_default), 0 for the default 131072. */
static void conn_init_buf(struct conn *c, bool ts, uint32_t rmem)
{
	struct synack_config cfg;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_SACKOK, .mss = 536 };
	int l;

	synack_config_default(&cfg);
	cfg.window_scaling = 0;
	cfg.timestamps = ts;
	if (rmem)
		cfg.rmem_default = rmem;
	h_init_cfg(&c->h, &cfg);
	l = h_listen(&c->h, SRV_PORT, 4);
	if (ts) {
		o.present |= WIRE_HAS_TS;
		o.ts_val = 100;
	}
	h_send_opt(&c->h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&c->h, F_SYN | F_ACK, c->h.out.seq, R, rmem && rmem < 65535 ? rmem : 65535);
	cr_assert(c->h.out.opt.present & WIRE_HAS_SACKOK);
	c->iss = c->h.out.seq;
	o.present &= ~(uint8_t)(WIRE_HAS_MSS | WIRE_HAS_SACKOK);
	o.ts_ecr = c->h.out.opt.ts_val;
	h_send_opt(&c->h, PEER_PORT, SRV_PORT, F_ACK, R, c->iss + 1, 8192, &o, NULL, 0, 0);
	c->fd = synack_accept(c->h.s, l, NULL, NULL);
	cr_assert_geq(c->fd, 0);
}

static void conn_init_opts(struct conn *c, bool ts)
{
	conn_init_buf(c, ts, 0);
}

static void conn_init(struct conn *c)
{
	conn_init_opts(c, false);
}

static struct tcb *conn_tcb(struct conn *c)
{
	struct tcb *tcb = api_tcb(c->h.s, c->fd);

	cr_assert_not_null(tcb);
	return tcb;
}

/* The peer sends bytes [off, off + n) of its stream (offsets from R), flags extra. */
static void seg_flags(struct conn *c, uint32_t off, uint32_t n, uint8_t flags)
{
	uint8_t buf[2048];
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 200 };

	for (uint32_t i = 0; i < n; i++)
		buf[i] = byte_at(off + i);
	h_send_opt(&c->h, PEER_PORT, SRV_PORT, F_ACK | flags, R + off, c->iss + 1, 8192,
		   c->h.cfg.timestamps ? &o : NULL, buf, n, 0);
}

static void seg(struct conn *c, uint32_t off, uint32_t n)
{
	seg_flags(c, off, n, 0);
}

/* The next segment is <SEQ=ISS+1><ACK=R+ack> with exactly the blocks given as
 * offset pairs (left, right) from R, in order. */
static void expect_ack_sack(struct conn *c, uint32_t ack, unsigned n, const uint32_t *b)
{
	EXPECT_SEG(&c->h, F_ACK, c->iss + 1, R + ack, ANYWIN);
	if (!n) {
		cr_assert(!(c->h.out.opt.present & WIRE_HAS_SACK), "unexpected SACK (%u blocks)",
			  c->h.out.opt.sack_count);
		return;
	}
	cr_assert(c->h.out.opt.present & WIRE_HAS_SACK, "no SACK option, want %u blocks", n);
	cr_assert_eq(c->h.out.opt.sack_count, n, "%u blocks, want %u", c->h.out.opt.sack_count, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(c->h.out.opt.sack[i].left, R + b[2 * i], "block %u left %u, want %u", i,
			     c->h.out.opt.sack[i].left - R, b[2 * i]);
		cr_assert_eq(c->h.out.opt.sack[i].right, R + b[2 * i + 1],
			     "block %u right %u, want %u", i, c->h.out.opt.sack[i].right - R,
			     b[2 * i + 1]);
	}
}

#define EXPECT_ACK(c, ack, ...) do { \
	const uint32_t b_[] = { 0, __VA_ARGS__ }; \
	expect_ack_sack((c), (ack), (unsigned)(sizeof b_ / sizeof b_[0] - 1) / 2, b_ + 1); \
} while (0)

/* recv() returns exactly bytes [0, n) of the peer's stream. */
static void expect_stream(struct conn *c, uint32_t from, uint32_t n)
{
	uint8_t buf[8192];

	cr_assert_leq(n, sizeof buf);
	cr_assert_eq(synack_recv(c->h.s, c->fd, buf, sizeof buf, 0), (long)n);
	for (uint32_t i = 0; i < n; i++)
		cr_assert_eq(buf[i], byte_at(from + i), "byte %u: 0x%02x, want 0x%02x", from + i,
			     buf[i], byte_at(from + i));
}

Test(stream_rcv_ooo, hole_then_fill_exact_acks_and_blocks)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 100, 100);              /* hole [0, 100) */
	EXPECT_ACK(&c, 0, 100, 200);
	cr_assert_eq(synack_recv(c.h.s, c.fd, (uint8_t[8]){ 0 }, 8, 0), -EAGAIN);
	seg(&c, 300, 100);              /* second hole [200, 300) */
	EXPECT_ACK(&c, 0, 300, 400, 100, 200);
	seg(&c, 0, 100);                /* first hole filled: ACK at once */
	EXPECT_ACK(&c, 200, 300, 400);
	EXPECT_NONE(&c.h);
	seg(&c, 200, 100);              /* the last hole */
	EXPECT_ACK(&c, 400);
	EXPECT_NONE(&c.h);
	expect_stream(&c, 0, 400);
	h_fini(&c.h);
}

/* The first block is the one holding the latest segment, even when lower blocks are
 * newer than others (RFC 2018 §4); a segment joining two blocks makes one block. */
Test(stream_rcv_ooo, block_order_most_recent_first_and_merge)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 500, 100);
	EXPECT_ACK(&c, 0, 500, 600);
	seg(&c, 100, 100);
	EXPECT_ACK(&c, 0, 100, 200, 500, 600);
	seg(&c, 300, 100);
	EXPECT_ACK(&c, 0, 300, 400, 100, 200, 500, 600);
	seg(&c, 520, 10);               /* inside [500, 600): a duplicate, D-SACK */
	EXPECT_ACK(&c, 0, 520, 530, 500, 600, 300, 400, 100, 200);
	seg(&c, 200, 100);              /* joins [100, 200) and [300, 400) */
	EXPECT_ACK(&c, 0, 100, 400, 500, 600);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 400, 500, 600);
	seg(&c, 400, 100);
	EXPECT_ACK(&c, 600);
	expect_stream(&c, 0, 600);
	h_fini(&c.h);
}

/* Overlaps: a segment covering part of a held block and new bytes: its new bytes are
 * taken, the overlap reported as D-SACK, the merged block second (RFC 2883 §4). */
Test(stream_rcv_ooo, overlap_trimmed_with_dsack)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 200, 100);
	EXPECT_ACK(&c, 0, 200, 300);
	seg(&c, 250, 100);              /* [250, 300) again, [300, 350) new */
	EXPECT_ACK(&c, 0, 250, 300, 200, 350);
	seg(&c, 150, 300);              /* covers [200, 350) and more on both sides */
	EXPECT_ACK(&c, 0, 200, 350, 150, 450);
	seg(&c, 0, 200);                /* overlaps the block's first 50 bytes */
	EXPECT_ACK(&c, 450, 150, 200);
	expect_stream(&c, 0, 450);
	h_fini(&c.h);
}

/* RFC 2883 §4.1.1: a duplicate below RCV.NXT is reported as the first block, at once;
 * one straddling RCV.NXT reports its old part. */
Test(stream_rcv_ooo, dsack_for_old_and_straddling_duplicates)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 100);
	seg(&c, 0, 100);                /* all old */
	EXPECT_ACK(&c, 100, 0, 100);
	seg(&c, 50, 100);               /* [50, 100) old, [100, 150) new */
	EXPECT_ACK(&c, 150, 50, 100);
	EXPECT_NONE(&c.h);
	seg(&c, 150, 10);               /* the D-SACK was reported once */
	EXPECT_ACK(&c, 160);
	expect_stream(&c, 0, 160);
	h_fini(&c.h);
}

/* With a hole and an old duplicate: D-SACK first, then the held block (RFC 2883 §4). */
Test(stream_rcv_ooo, dsack_then_held_blocks)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 100);
	seg(&c, 200, 100);
	EXPECT_ACK(&c, 100, 200, 300);
	seg(&c, 10, 20);
	EXPECT_ACK(&c, 100, 10, 30, 200, 300);
	h_fini(&c.h);
}

/* Holes filled in every order: 4 segments after a missing first one, all 120 orders of
 * the five; every ACK is checked against the stream prefix held, the first SACK block
 * against the latest segment's block, and the bytes read at the end. */
static unsigned perm[120][5];

static void make_perms(void)
{
	unsigned n = 0, a[5];

	for (a[0] = 0; a[0] < 5; a[0]++)
		for (a[1] = 0; a[1] < 5; a[1]++)
			for (a[2] = 0; a[2] < 5; a[2]++)
				for (a[3] = 0; a[3] < 5; a[3]++) {
					unsigned used = 0, ok = 1;

					for (int i = 0; i < 4; i++) {
						ok &= !(used >> a[i] & 1);
						used |= 1u << a[i];
					}
					if (!ok)
						continue;
					for (a[4] = 0; used >> a[4] & 1; a[4]++)
						;
					memcpy(perm[n++], a, sizeof a);
				}
	cr_assert_eq(n, 120);
}

Test(stream_rcv_ooo, holes_filled_in_every_order)
{
	make_perms();
	for (unsigned p = 0; p < 120; p++) {
		struct conn c;
		bool have[5] = { false };

		conn_init(&c);
		for (unsigned k = 0; k < 5; k++) {
			unsigned s = perm[p][k];
			uint32_t ack = 0, l = s * 100, r = l + 100;

			seg(&c, s * 100, 100);
			have[s] = true;
			while (ack < 5 && have[ack])
				ack++;
			/* the block holding s: extend over held neighbours */
			while (l / 100 > 0 && have[l / 100 - 1])
				l -= 100;
			while (r / 100 < 5 && have[r / 100])
				r += 100;
			EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R + ack * 100, ANYWIN);
			if (ack * 100 >= r) {
				cr_assert(!(c.h.out.opt.present & WIRE_HAS_SACK) ||
					  c.h.out.opt.sack[0].left != R + l);
			} else {
				cr_assert(c.h.out.opt.present & WIRE_HAS_SACK, "perm %u step %u", p, k);
				cr_assert_eq(c.h.out.opt.sack[0].left, R + l, "perm %u step %u", p, k);
				cr_assert_eq(c.h.out.opt.sack[0].right, R + r, "perm %u step %u", p, k);
			}
			EXPECT_NONE(&c.h);
		}
		expect_stream(&c, 0, 500);
		h_fini(&c.h);
	}
}

/* Bounded memory: with a 16 KiB receive buffer tcp_reass_limit is 16 blocks (16384 /
 * 1024). 16 separate blocks are held; a 17th above all of them is dropped and counted
 * (tcp_ooo_dropped), still answered with an ACK; a segment that joins two blocks is
 * taken. The ACK carries 4 blocks (no timestamps). */
Test(stream_rcv_ooo, block_count_bounded)
{
	struct conn c;

	conn_init_buf(&c, false, 16384);
	for (uint32_t i = 1; i <= 16; i++) {
		seg(&c, i * 20, 10);
		EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R, ANYWIN);
		cr_assert_eq(c.h.out.opt.sack_count, i < 4 ? i : 4);
	}
	cr_assert_eq(tcp_reass_limit(&conn_tcb(&c)->rcvbuf), 16);
	cr_assert_eq(conn_tcb(&c)->rcv_ooo.ext_cap, 16);        /* the first array's 16 */
	seg(&c, 17 * 20, 10);           /* would be the 17th block, above all: dropped */
	EXPECT_ACK(&c, 0, 320, 330, 300, 310, 280, 290, 260, 270);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 1);
	seg(&c, 325, 10);               /* extends the newest block: no new block needed */
	EXPECT_ACK(&c, 0, 325, 330, 320, 335, 300, 310, 280, 290);     /* D-SACK first */
	seg(&c, 30, 10);                /* joins [20, 30) and [40, 50) */
	EXPECT_ACK(&c, 0, 20, 50, 320, 335, 300, 310, 280, 290);
	seg(&c, 17 * 20, 10);           /* now there is room: 16 blocks again */
	EXPECT_ACK(&c, 0, 340, 350, 20, 50, 320, 335, 300, 310);
	seg(&c, 400, 10);               /* the 17th again, above all: dropped */
	EXPECT_ACK(&c, 0, 340, 350, 20, 50, 320, 335, 300, 310);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 2);
	cr_assert_eq(conn_tcb(&c)->rcv_ooo.n, 16);
	h_fini(&c.h);
}

/* At the bound, a segment below the highest block (a retransmission into a low hole)
 * is held and the highest block is dropped for it (Linux tcp_prune_ofo_queue, which
 * stops at the incoming segment); nothing is counted dropped. The pruned bytes are no
 * longer SACKed; when the peer sends them again they are taken, and the whole stream
 * reads back exactly. */
Test(stream_rcv_ooo, bound_prunes_the_highest_block_for_a_lower_segment)
{
	struct conn c;
	struct tcb *tcb;

	conn_init_buf(&c, false, 16384);
	for (uint32_t i = 1; i <= 16; i++) {     /* [20i, 20i + 10) for i = 1..16 */
		seg(&c, i * 20, 10);
		EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R, ANYWIN);
	}
	tcb = conn_tcb(&c);
	/* [5, 10) needs a 17th block and lies below [320, 330): that one goes */
	seg(&c, 5, 5);
	EXPECT_ACK(&c, 0, 5, 10, 300, 310, 280, 290, 260, 270);
	cr_assert_eq(tcb->rcv_ooo.n, 16);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[0].left, R + 5);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[15].left, R + 300);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 0);
	/* again, [12, 14): [300, 310) goes */
	seg(&c, 12, 2);
	EXPECT_ACK(&c, 0, 12, 14, 5, 10, 280, 290, 260, 270);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[15].left, R + 280);
	/* the peer fills every hole, the pruned ranges included (one segment each) */
	seg(&c, 0, 5);
	EXPECT_ACK(&c, 10, 12, 14, 280, 290, 260, 270, 240, 250);
	seg(&c, 10, 2);
	EXPECT_ACK(&c, 14, 280, 290, 260, 270, 240, 250, 220, 230);
	seg(&c, 14, 6);
	for (uint32_t i = 1; i <= 14; i++)      /* the holes above [20i, 20i + 10) */
		seg(&c, 20 * i + 10, 10);
	seg(&c, 290, 40);                       /* and the pruned range */
	while (h_next(&c.h))
		;
	cr_assert_eq(tcb->rcv_nxt, R + 330);
	cr_assert_eq(tcb->rcv_ooo.n, 0);
	expect_stream(&c, 0, 330);
	h_fini(&c.h);
}

/* The bound follows the receive buffer: the default 128 KiB holds 128 blocks (the
 * array from the stack's allocator doubling: 16, 32, 64, 128), the 129th
 * above them is dropped. */
Test(stream_rcv_ooo, bound_follows_the_receive_buffer)
{
	struct conn c;
	struct tcb *tcb;

	conn_init(&c);
	tcb = conn_tcb(&c);
	for (uint32_t i = 1; i <= 128; i++) {
		seg(&c, i * 20, 10);
		EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R, ANYWIN);
	}
	cr_assert_eq(tcb->rcvbuf.cap, 131072);
	cr_assert_eq(tcp_reass_limit(&tcb->rcvbuf), 128);
	cr_assert_eq(tcb->rcv_ooo.n, 128);
	cr_assert_not_null(tcb->rcv_ooo.ext);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 128);
	seg(&c, 129 * 20, 10);
	EXPECT_ACK(&c, 0, 2560, 2570, 2540, 2550, 2520, 2530, 2500, 2510);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 1);
	cr_assert_eq(tcb->rcv_ooo.n, 128);
	/* fill the first hole: the first block joins RCV.NXT, 127 left */
	seg(&c, 0, 20);
	EXPECT_ACK(&c, 30, 2560, 2570, 2540, 2550, 2520, 2530, 2500, 2510);
	cr_assert_eq(tcb->rcv_ooo.n, 127);
	expect_stream(&c, 0, 30);
	h_fini(&c.h);
}

/* A hostile peer: 1-byte segments with 1-byte gaps, highest first, into a 4 MiB
 * receive buffer. Held blocks never exceed TCP_REASS_MAX_BLOCKS (4096: 4 MiB / 1 KiB),
 * nor does the array; each segment below the others prunes the top one, so what is
 * held at the end is the 4096 lowest (the ones nearest RCV.NXT). */
Test(stream_rcv_ooo, one_byte_segments_with_gaps_stay_bounded)
{
	struct conn c;
	struct tcb *tcb;
	int buf = 4 << 20;
	const uint32_t nseg = 5000;

	conn_init(&c);
	cr_assert_eq(synack_setsockopt(c.h.s, c.fd, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &buf,
				       sizeof buf), 0);
	tcb = conn_tcb(&c);
	for (uint32_t k = nseg; k >= 1; k--) {
		seg(&c, 2 * k, 1);
		while (h_next(&c.h))
			;
		cr_assert_leq(tcb->rcv_ooo.n, TCP_REASS_MAX_BLOCKS);
	}
	cr_assert_eq(tcp_reass_limit(&tcb->rcvbuf), TCP_REASS_MAX_BLOCKS);
	cr_assert_eq(tcb->rcv_ooo.n, TCP_REASS_MAX_BLOCKS);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, TCP_REASS_MAX_BLOCKS);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[0].left, R + 2);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[TCP_REASS_MAX_BLOCKS - 1].left,
		     R + 2 * TCP_REASS_MAX_BLOCKS);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 0);
	/* ascending now, above them all: dropped, nothing grows */
	seg(&c, 2 * nseg + 2, 1);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 1);
	cr_assert_eq(tcb->rcv_ooo.n, TCP_REASS_MAX_BLOCKS);
	h_fini(&c.h);
}

/* Bytes in use: the allocator's live bytes less what the buffer cache holds unused. */
static size_t live_bytes(const struct conn *c)
{
	return c->h.mem.live_bytes - base_bufcache_held(&c->h.s->tcp.bufcache);
}

/* The first hole takes an array of 16 blocks from the allocator, more double it (32,
 * then 64 blocks); when the hole before them fills and the queue empties, exactly that
 * array goes back (reass.h: an idle connection holds none), and once the stream is
 * read the connection is back to what it held before any data. */
Test(stream_rcv_ooo, array_given_back_when_the_queue_empties)
{
	struct conn c;
	struct tcb *tcb;
	size_t idle, held;

	conn_init(&c);
	tcb = conn_tcb(&c);
	idle = live_bytes(&c);
	for (uint32_t i = 1; i <= 40; i++) {    /* [20i, 20i + 10) for i = 1..40 */
		seg(&c, i * 20, 10);
		EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R, ANYWIN);
	}
	cr_assert_eq(tcb->rcv_ooo.n, 40);
	cr_assert_not_null(tcb->rcv_ooo.ext);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 64);
	held = live_bytes(&c);
	/* one segment fills every hole: [0, 810) in order, nothing held; the held bytes
	 * it brought again are a D-SACK (the first block's, RFC 2883 §4.1.2) */
	seg(&c, 0, 810);
	EXPECT_ACK(&c, 810, 20, 30);
	EXPECT_NONE(&c.h);
	cr_assert_eq(tcb->rcv_ooo.n, 0);
	cr_assert_null(tcb->rcv_ooo.ext);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 0);
	cr_assert_eq(held - live_bytes(&c), 64 * sizeof(struct tcp_reass_block),
		     "%zu bytes given back", held - live_bytes(&c));
	expect_stream(&c, 0, 810);
	cr_assert_eq(live_bytes(&c), idle, "%zu bytes in use, %zu before data",
		     live_bytes(&c), idle);
	/* holes again: the array comes back as needed, the blocks exact */
	for (uint32_t i = 1; i <= 17; i++)
		seg(&c, 810 + i * 20, 10);
	while (h_next(&c.h))
		;
	cr_assert_eq(tcb->rcv_ooo.n, 17);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 32);
	cr_assert_eq(tcp_reass_blocks(&tcb->rcv_ooo)[16].left, R + 810 + 17 * 20);
	h_fini(&c.h);
}

/* An in-sequence FIN while blocks are held beyond it (a peer sending past its own FIN):
 * nothing follows a FIN, the blocks are dropped and the array goes back. */
Test(stream_rcv_ooo, fin_in_order_drops_blocks_and_array)
{
	struct conn c;
	struct tcb *tcb;
	size_t held;

	conn_init(&c);
	tcb = conn_tcb(&c);
	for (uint32_t i = 1; i <= 20; i++)
		seg(&c, i * 20, 10);
	while (h_next(&c.h))
		;
	cr_assert_not_null(tcb->rcv_ooo.ext);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 32);
	held = live_bytes(&c);
	seg_flags(&c, 0, 10, F_FIN);
	EXPECT_ACK(&c, 11);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_CLOSE_WAIT);
	cr_assert_eq(tcb->rcv_ooo.n, 0);
	cr_assert_null(tcb->rcv_ooo.ext);
	cr_assert_eq(held - live_bytes(&c), 32 * sizeof(struct tcp_reass_block));
	expect_stream(&c, 0, 10);
	h_fini(&c.h);
}

/* With timestamps only 3 blocks fit (RFC 2018 §3: 10 + 8n bytes with the 12 of TS). */
Test(stream_rcv_ooo, three_blocks_with_timestamps)
{
	struct conn c;

	conn_init_opts(&c, true);
	for (uint32_t i = 1; i <= 5; i++) {
		seg(&c, i * 20, 10);
		EXPECT_SEG(&c.h, F_ACK, c.iss + 1, R, ANYWIN);
		cr_assert(c.h.out.opt.present & WIRE_HAS_TS);
	}
	cr_assert_eq(c.h.out.opt.sack_count, 3);
	cr_assert_eq(c.h.out.opt.sack[0].left, R + 100);
	cr_assert_eq(c.h.out.opt.sack[1].left, R + 80);
	cr_assert_eq(c.h.out.opt.sack[2].left, R + 60);
	cr_assert_eq(c.h.out.hdr_len, 20 + 12 + 4 + 24);
	h_fini(&c.h);
}

/* A FIN beyond a hole is remembered: ACK at once without it; when the hole fills the
 * FIN is processed too (RCV.NXT over it, CLOSE-WAIT, EOF after the data). */
Test(stream_rcv_ooo, fin_beyond_hole_applied_when_filled)
{
	struct conn c;
	struct synack_tcp_info ti;

	conn_init(&c);
	seg_flags(&c, 100, 100, F_FIN);
	EXPECT_ACK(&c, 0, 100, 200);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 201);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_CLOSE_WAIT);
	EXPECT_NONE(&c.h);
	expect_stream(&c, 0, 200);
	cr_assert_eq(synack_recv(c.h.s, c.fd, (uint8_t[8]){ 0 }, 8, 0), 0);   /* EOF */
	cr_assert_eq(synack_tcp_info(c.h.s, c.fd, &ti), 0);
	cr_assert_eq(ti.state, SYNACK_STATE_CLOSE_WAIT);
	h_fini(&c.h);
}

/* A bare FIN beyond a hole (no data with it), and data sent beyond a remembered FIN
 * (ignored: nothing follows a FIN). */
Test(stream_rcv_ooo, bare_fin_beyond_hole)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 100, 50);
	EXPECT_ACK(&c, 0, 100, 150);
	seg_flags(&c, 150, 0, F_FIN);
	EXPECT_ACK(&c, 0, 100, 150);
	seg(&c, 150, 50);               /* beyond the FIN: not held */
	EXPECT_ACK(&c, 0, 100, 150);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_ESTABLISHED);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 151);
	EXPECT_STATE(&c.h, c.fd, SYNACK_STATE_CLOSE_WAIT);
	expect_stream(&c, 0, 150);
	h_fini(&c.h);
}

/* Without SACK the same holes draw plain duplicate ACKs (no option) at once. */
Test(stream_rcv_ooo, no_sack_plain_dup_acks)
{
	struct harness h;
	uint32_t iss;
	uint8_t buf[300];
	int fd;

	h_init(&h);                     /* sack = 0 */
	fd = h_passive_est(&h, NULL, &iss);
	for (int i = 0; i < 300; i++)
		buf[i] = byte_at((uint32_t)i);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 100, iss + 1, 8192, buf + 100, 100);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	cr_assert_eq(h.out.opt.present, 0);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R + 100, iss + 1, 8192, buf + 100, 100);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, 65535);
	cr_assert_eq(h.out.opt.present, 0);     /* no D-SACK either */
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, buf, 100);
	EXPECT_SEG(&h, F_ACK, iss + 1, R + 200, 65535);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 200);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(buf[i], byte_at((uint32_t)i));
	h_fini(&h);
}

/* Held data survives reads of the in-order part (the ring is not released while out-of-
 * order bytes sit beyond its length), and the hole filled later reads back exactly. */
Test(stream_rcv_ooo, read_between_keeps_held_data)
{
	struct conn c;

	conn_init(&c);
	seg(&c, 0, 100);
	EXPECT_ACK(&c, 100);
	seg(&c, 200, 100);
	EXPECT_ACK(&c, 100, 200, 300);
	expect_stream(&c, 0, 100);      /* the ring is now empty below RCV.NXT */
	seg(&c, 100, 100);
	EXPECT_ACK(&c, 300);
	expect_stream(&c, 100, 200);
	h_fini(&c.h);
}

/* No memory for the out-of-order array (the stack's allocator refuses at the first
 * hole): the segment is dropped as when no block is left (reass.h: a failed allocation
 * counts as none left; tcp_ooo_dropped), still answered with an ACK at once, which has
 * no SACK block to report; nothing is held. With memory again the same segment is held
 * in a new array of 16 blocks, and the stream reads back exactly once the hole fills. */
Test(stream_rcv_ooo, no_memory_for_the_first_block_drops_the_segment)
{
	struct tcp_stack *ts;
	struct conn c;
	struct tcb *tcb;
	void *(*alloc)(void *, size_t);
	size_t idle;

	conn_init(&c);
	tcb = conn_tcb(&c);
	ts = &c.h.s->tcp;
	seg(&c, 0, 10);                 /* in order: the receive ring is there */
	EXPECT_ACK(&c, 10);
	idle = live_bytes(&c);
	alloc = ts->bufcache.backing.alloc;
	ts->bufcache.backing.alloc = h_refuse_alloc;
	seg(&c, 100, 10);
	EXPECT_ACK(&c, 10);
	EXPECT_NONE(&c.h);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 1);
	cr_assert_eq(tcb->rcv_ooo.n, 0);
	cr_assert_null(tcb->rcv_ooo.ext);
	cr_assert_eq(live_bytes(&c), idle);
	ts->bufcache.backing.alloc = alloc;
	seg(&c, 100, 10);
	EXPECT_ACK(&c, 10, 100, 110);
	cr_assert_eq(synack_counter(c.h.s, SYNACK_CTR_TCP_OOO_DROPPED), 1);
	cr_assert_eq(tcb->rcv_ooo.n, 1);
	cr_assert_eq(tcb->rcv_ooo.ext_cap, 16);
	seg(&c, 10, 90);
	EXPECT_ACK(&c, 110);
	cr_assert_eq(tcb->rcv_ooo.n, 0);
	cr_assert_null(tcb->rcv_ooo.ext);
	expect_stream(&c, 0, 110);
	h_fini(&c.h);
}
