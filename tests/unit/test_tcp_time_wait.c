/* test_tcp_time_wait.c — S10/S13 through the API on compact TIME-WAIT records
 * (src/tcp/tw.c): the record replaces the control block, retransmitted FIN re-ACKed
 * with 2MSL restarted, RST ignored (RFC 1337) or accepted, old duplicates ACKed, SYN
 * reopening per RFC 6191 with the documented ISS, listing and next deadline. */
#include "harness.h"
#include "api/api.h"
#include "tcp/isn.h"

#define R (PEER_ISN + 1)

/* Server-side active close: a TIME-WAIT record for THEM:PEER_PORT on US:SRV_PORT,
 * the listener kept. *iss: our ISS; returns the listener; *t_tw: TIME-WAIT entry time. */
static int srv_time_wait(struct harness *h, uint32_t *iss, uint64_t *t_tw)
{
	int l, fd = h_passive_est(h, &l, iss);

	synack_close(h->s, fd);
	EXPECT_SEG(h, F_FIN | F_ACK, *iss + 1, R, ANYWIN);
	h_send(h, PEER_PORT, SRV_PORT, F_ACK, R, *iss + 2, 8192);
	EXPECT_NONE(h);
	h_advance(h, 5 * MSEC);
	h_send(h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, *iss + 2, 8192);
	EXPECT_SEG(h, F_ACK, *iss + 2, R + 1, ANYWIN);
	EXPECT_NONE(h);
	*t_tw = h->now;
	return l;
}

/* Bytes the stack uses: what the allocator handed out less what the stack's cache
 * (base/bufcache.h: freed rings, tcbs and half-open entries kept for reuse) holds, as
 * the public synack_stack_cached_bytes reports it (bench lifecycle's figures). */
static size_t bytes_in_use(const struct harness *h)
{
	return h->mem.live_bytes - synack_stack_cached_bytes(h->s);
}

static void expect_tw_listed(struct harness *h, uint64_t deadline)
{
	struct synack_sock_info info[8];
	size_t n = synack_sock_list(h->s, info, 8);
	size_t found = 0;

	for (size_t i = 0; i < n && i < 8; i++) {
		if (info[i].state != SYNACK_STATE_TIME_WAIT)
			continue;
		found++;
		cr_assert_eq(info[i].fd, -1);
		cr_assert_eq(info[i].timer, SYNACK_TIMER_TIME_WAIT);
		cr_assert_eq(info[i].timer_deadline_ns, deadline, "deadline %llu, expected %llu",
			     (unsigned long long)info[i].timer_deadline_ns,
			     (unsigned long long)deadline);
		cr_assert_eq(info[i].laddr, US);
		cr_assert_eq(info[i].raddr, THEM);
		cr_assert_eq(info[i].lport, SRV_PORT);
		cr_assert_eq(info[i].rport, PEER_PORT);
	}
	cr_assert_eq(found, 1, "%zu TIME-WAIT entries listed", found);
}

Test(tcp_time_wait, time_wait_orphan_is_a_record_listed_with_timer)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;
	size_t live_est, live_tw;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	live_tw = bytes_in_use(&h);
	cr_assert_geq(synack_stack_cached_bytes(h.s), sizeof(struct tcb),
		      "the freed tcb is kept for reuse");
	expect_tw_listed(&h, t + 60 * SEC);
	cr_assert_eq(synack_next_deadline(h.s), t + 60 * SEC);
	/* the control block is gone: a second connection's tcb costs more than the record */
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, ANYWIN);
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_ACK, PEER_ISN + 1, h.out.seq + 1, 8192);
	live_est = bytes_in_use(&h);
	cr_assert_gt(live_est - live_tw, 256, "a tcb costs %zu bytes", live_est - live_tw);
	h_send(&h, PEER_PORT + 1, SRV_PORT, F_RST, PEER_ISN + 1, 0, 0);
	h_at(&h, t + 60 * SEC - 1);
	expect_tw_listed(&h, t + 60 * SEC);
	h_at(&h, t + 60 * SEC);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	cr_assert_eq(synack_next_deadline(h.s), UINT64_MAX);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_fin_retransmitted_acked_2msl_restarted)
{
	struct harness h;
	struct synack_note n = { 0 }, last = { 0 };
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	h_at(&h, t + 10 * SEC);
	/* S10: our last ACK was lost; the peer retransmits its FIN */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 70 * SEC);
	h_at(&h, t + 60 * SEC);
	expect_tw_listed(&h, t + 70 * SEC);
	while (synack_poll_note(h.s, &n))
		;
	h_at(&h, t + 70 * SEC);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	while (synack_poll_note(h.s, &n))
		if (n.dir == SYNACK_NOTE_TIMER)
			last = n;
	cr_assert_eq(last.timer, SYNACK_TIMER_TIME_WAIT);
	cr_assert_eq(last.state_before, SYNACK_STATE_TIME_WAIT);
	cr_assert_eq(last.state_after, SYNACK_STATE_CLOSED);
	cr_assert_eq(last.rport, PEER_PORT);
	cr_assert_eq(last.time_ns, t + 70 * SEC);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_rst_ignored_rfc1337_S13)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 1, 0, 0);
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 60 * SEC);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_TW_RST_IGNORED), 1);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_rst_accepted_without_rfc1337)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss;
	uint64_t t;

	h_default_config(&c);
	c.rfc1337 = 0;
	h_init_cfg(&h, &c);
	srv_time_wait(&h, &iss, &t);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 5, 0, 0);     /* not at RCV.NXT */
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 60 * SEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 1, 0, 0);     /* at RCV.NXT */
	EXPECT_NONE(&h);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_TW_RST_IGNORED), 0);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_old_duplicate_acked_pure_ack_silent)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, R - 3, iss + 1, 8192, "old", 3);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_NONE(&h);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 2, 8192);
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 60 * SEC);     /* neither restarts 2MSL */
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_old_syn_acked_record_kept)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	/* RFC 6191 §2: no timestamps, SEG.SEQ not beyond the old FIN: no reopen */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, R, 0, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 60 * SEC);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_new_syn_reopens_rfc6191_iss)
{
	struct harness h;
	uint8_t key[16];
	uint32_t iss, isn, floor, want;
	uint64_t t;
	int l, fd;

	h_init(&h);
	l = srv_time_wait(&h, &iss, &t);
	h_at(&h, t + 1 * SEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, R + 100000, 0, 8192);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 7 + 1);  /* the harness secret's ISN half */
	isn = tcp_isn(key, US, SRV_PORT, THEM, PEER_PORT, h.now);
	floor = iss + 2 + 65537;
	want = seq_gt(isn, floor) ? isn : floor;
	EXPECT_SEG(&h, F_SYN | F_ACK, want, R + 100001, ANYWIN);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 100001, want + 1, 8192);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_timestamps_on_record_ack)
{
	struct harness h;
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 500, .ts_ecr = 0 };
	uint32_t iss, tsv;
	int l, fd;

	h_default_config(&c);
	c.timestamps = 1;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 4);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	iss = h.out.seq;
	tsv = h.out.opt.ts_val;
	o.ts_val = 501;
	o.ts_ecr = tsv;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, &o, NULL, 0, 0);
	fd = synack_accept(h.s, l, NULL, NULL);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	o.ts_val = 502;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	cr_assert_eq(h.out.opt.ts_ecr, 502);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_TIME_WAIT);
	/* a retransmitted FIN answered from the record: TS on, TSecr = its TSval, TSval
	 * continues our clock for the 4-tuple (1 ms per ms) */
	h_advance(&h, 7 * MSEC);
	o.ts_val = 510;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	cr_assert(h.out.opt.present & WIRE_HAS_TS);
	cr_assert_eq(h.out.opt.ts_ecr, 510);
	cr_assert_eq(h.out.opt.ts_val, tsv + 7, "TSval %u, expected %u", h.out.opt.ts_val,
		     tsv + 7);
	/* PAWS: an older TSval is answered with an ACK and dropped */
	o.ts_val = 400;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_PAWS), 1);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_close_descriptor_makes_record)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd, b;
	uint64_t t;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	t = h.now;
	h_at(&h, t + 20 * SEC);
	synack_close(h.s, fd);
	/* the record keeps the original deadline; bind and same-tuple rules see it */
	cr_assert_eq(h_timer_of_port(&h, lport, NULL), t + 60 * SEC);
	b = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, lport), -EADDRINUSE);
	h_at(&h, t + 60 * SEC);
	cr_assert_eq(synack_bind(h.s, b, SYNACK_ADDR_ANY, lport), 0);
	h_fini(&h);
}

/* TIME-WAIT entered while no timer runs (input.c tcp_enter_time_wait turns the other
 * deadlines off and leaves the wheel node where it is; here it is off): the 2MSL timer
 * arms it, and the full control block (descriptor still open) ends at 2MSL. */
Test(tcp_time_wait, time_wait_entered_with_no_timer_running_ends_after_2msl)
{
	struct harness h;
	const struct tcb *tcb;
	uint32_t iss;
	uint16_t lport;
	int fd;
	uint64_t t;

	h_init(&h);
	fd = h_active_est(&h, &iss, &lport);
	synack_shutdown(h.s, fd, SYNACK_SHUT_WR);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_ACK, R, iss + 2, 8192);
	EXPECT_STATE(&h, fd, SYNACK_STATE_FIN_WAIT_2);
	/* the node wakes once for the stopped retransmission timer and goes off */
	h_advance(&h, 10 * SEC);
	EXPECT_NONE(&h);
	tcb = tcp_lookup(&h.s->tcp, US, lport, THEM, SRV_PORT);
	cr_assert_not_null(tcb);
	cr_assert(!timer_is_armed(&tcb->tnode));
	h_send(&h, SRV_PORT, lport, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	t = h.now;
	cr_assert(timer_is_armed(&tcb->tnode));
	cr_assert_eq(tcb->tnode.deadline_ns, t + 60 * SEC);
	h_at(&h, t + 60 * SEC - 1);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	h_at(&h, t + 60 * SEC);
	EXPECT_STATE(&h, fd, SYNACK_STATE_CLOSED);
	h_fini(&h);
}

/* ---- client-side TIME-WAIT with timestamps: tw_reuse (S28), RFC 6191 by TSval ------- */

/* Active close with timestamps from US:*lport to THEM:SRV_PORT, socket closed: a record.
 * Returns the ISS; *snd_nxt = our SND.NXT in TIME-WAIT. */
static uint32_t client_time_wait(struct harness *h, uint16_t *lport, uint32_t *snd_nxt)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 700 };
	int fd = synack_socket(h->s);
	uint32_t iss;

	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(h, F_SYN, h->out.seq, 0, ANYWIN);
	iss = h->out.seq;
	*lport = h->out.sport;
	o.ts_ecr = h->out.opt.ts_val;
	h_send_opt(h, SRV_PORT, *lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(h, F_ACK, iss + 1, R, ANYWIN);
	synack_close(h->s, fd);
	EXPECT_SEG(h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	o.ts_val = 701;
	h_send_opt(h, SRV_PORT, *lport, F_FIN | F_ACK, R, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(h, F_ACK, iss + 2, R + 1, ANYWIN);
	cr_assert_eq(h_state_of_port(h, SRV_PORT), SYNACK_STATE_TIME_WAIT);
	*snd_nxt = iss + 2;
	return iss;
}

static struct harness *ts_harness(struct harness *h, unsigned tw_reuse)
{
	struct synack_config c;

	h_default_config(&c);
	c.timestamps = 1;
	c.tw_reuse = tw_reuse;
	h_init_cfg(h, &c);
	return h;
}

static int reuse_socket(struct harness *h, uint16_t lport)
{
	int one = 1, b = synack_socket(h->s);

	cr_assert_eq(synack_setsockopt(h->s, b, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				       sizeof one), 0);
	cr_assert_eq(synack_bind(h->s, b, SYNACK_ADDR_ANY, lport), 0);
	return b;
}

Test(tcp_time_wait, time_wait_tw_reuse_1_connect_takes_tuple_iss_beyond)
{
	struct harness h;
	uint8_t key[16];
	uint16_t lport;
	uint32_t nxt, isn, want;
	int b;

	ts_harness(&h, 1);
	client_time_wait(&h, &lport, &nxt);
	h_advance(&h, 2 * SEC);
	b = reuse_socket(&h, lport);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EINPROGRESS);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	isn = tcp_isn(key, US, lport, THEM, SRV_PORT, h.now);
	want = seq_gt(isn, nxt + 65537) ? isn : nxt + 65537;
	EXPECT_SEG(&h, F_SYN, want, 0, ANYWIN);
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_SYN_SENT);
	h_fini(&h);
}

/* Linux tcp_twsk_unique: the record's last peer timestamp must be more than 1 s old.
 * A retransmitted FIN (TSval 702) at +0.5 s renews it: refused at +1.5 s, taken at
 * +1.5 s + 1 ns. */
Test(tcp_time_wait, time_wait_tw_reuse_waits_1s_after_last_timestamp)
{
	struct harness h;
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 702 };
	uint16_t lport;
	uint32_t nxt;
	int b;

	ts_harness(&h, 1);
	client_time_wait(&h, &lport, &nxt);
	b = reuse_socket(&h, lport);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
	h_advance(&h, 500 * MSEC);
	h_send_opt(&h, SRV_PORT, lport, F_FIN | F_ACK, R, nxt, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, nxt, R + 1, ANYWIN);
	cr_assert_eq(h.out.opt.ts_ecr, 702);
	h_advance(&h, 1 * SEC);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_TIME_WAIT);
	h_advance(&h, 1);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert(seq_geq(h.out.seq, nxt + 65537));
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_SYN_SENT);
	h_fini(&h);
}

/* The same rule for a full tcb in TIME-WAIT (descriptor still open): its ts_recent_ns. */
Test(tcp_time_wait, time_wait_tw_reuse_full_tcb_waits_1s)
{
	struct harness h;
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 700 };
	uint16_t lport;
	uint32_t iss;
	int fd, b;

	ts_harness(&h, 1);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	iss = h.out.seq;
	lport = h.out.sport;
	o.ts_ecr = h.out.opt.ts_val;
	h_send_opt(&h, SRV_PORT, lport, F_SYN | F_ACK, PEER_ISN, iss + 1, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);
	cr_assert_eq(synack_shutdown(h.s, fd, SYNACK_SHUT_WR), 0);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	o.ts_val = 701;
	h_send_opt(&h, SRV_PORT, lport, F_FIN | F_ACK, R, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_STATE(&h, fd, SYNACK_STATE_TIME_WAIT);
	b = reuse_socket(&h, lport);
	h_advance(&h, 1 * SEC);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
	h_advance(&h, 1);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert(seq_geq(h.out.seq, iss + 2 + 65537));
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_tw_reuse_off_or_loopback_only_refuses)
{
	for (unsigned knob = 0; knob <= 2; knob += 2) {
		struct harness h;
		uint16_t lport;
		uint32_t nxt;
		int b;

		ts_harness(&h, knob);
		client_time_wait(&h, &lport, &nxt);
		b = reuse_socket(&h, lport);
		/* S10: the same remote endpoint is refused; 10.0.0.2 is not loopback */
		cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
		cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_TIME_WAIT);
		h_fini(&h);
	}
}

Test(tcp_time_wait, time_wait_tw_reuse_needs_timestamps)
{
	struct harness h;
	struct synack_config c;
	uint32_t iss;
	uint16_t lport;
	int fd, b;

	h_default_config(&c);
	c.tw_reuse = 1;                 /* timestamps off: nothing proves the new one newer */
	h_init_cfg(&h, &c);
	fd = h_active_est(&h, &iss, &lport);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	h_send(&h, SRV_PORT, lport, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	b = reuse_socket(&h, lport);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRINUSE);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_syn_newer_timestamp_reopens_rfc6191)
{
	struct harness h;
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 500 };
	uint32_t iss, tsv;
	uint64_t t;
	int l, fd;

	h_default_config(&c);
	c.timestamps = 1;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 4);
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	iss = h.out.seq;
	tsv = h.out.opt.ts_val;
	o.ts_val = 501;
	o.ts_ecr = tsv;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_ACK, R, iss + 1, 8192, &o, NULL, 0, 0);
	fd = synack_accept(h.s, l, NULL, NULL);
	synack_close(h.s, fd);
	EXPECT_SEG(&h, F_FIN | F_ACK, iss + 1, R, ANYWIN);
	o.ts_val = 502;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	t = h.now;
	/* an older TSval with an old sequence number: ACK, the record stays */
	o.ts_val = 400;
	o.ts_ecr = 0;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	expect_tw_listed(&h, t + 60 * SEC);
	/* RFC 6191: a newer TSval reopens even with an OLD sequence number */
	o.ts_val = 503;
	h_send_opt(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, &o, NULL, 0, 0);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	cr_assert(seq_geq(h.out.seq, iss + 2 + 65537));
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	h_fini(&h);
}

Test(tcp_time_wait, closed_quiet_time_blocks_connect_and_syn_for_msl_S11)
{
	struct harness h;
	struct synack_config c;
	int fd;

	h_default_config(&c);
	c.quiet_time = 1;
	h_init_cfg(&h, &c);
	h_at(&h, h.now);                /* the first driver call starts the quiet time */
	h_listen(&h, SRV_PORT, 4);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EAGAIN);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_QUIET_TIME), 1);
	h_advance(&h, 30 * SEC - 1);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_NONE(&h);
	h_advance(&h, 1);               /* MSL (30 s) has passed */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	h_fini(&h);
}

Test(tcp_listen, listen_connect_is_eisconn)
{
	struct harness h;
	int l;

	h_init(&h);
	l = h_listen(&h, SRV_PORT, 4);
	/* LISTEN -> SYN-SENT (§3.10.2 SEND in LISTEN) is not offered: Linux EISCONN */
	cr_assert_eq(synack_connect(h.s, l, THEM, SRV_PORT), -EISCONN);
	EXPECT_STATE(&h, l, SYNACK_STATE_LISTEN);
	h_fini(&h);
}

/* ---- the lead's decisions on the matrix findings (REQUESTS.md) ------------------------ */

Test(tcp_time_wait, time_wait_syn_at_rcv_nxt_or_with_fin_does_not_reopen)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	/* SEG.SEQ == RCV.NXT: not beyond it (Linux, FreeBSD): challenge ACK, record kept */
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, R + 1, 0, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	EXPECT_NONE(&h);
	expect_tw_listed(&h, t + 60 * SEC);
	/* a SYN,FIN beyond RCV.NXT never ends TIME-WAIT */
	h_advance(&h, 1 * SEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN | F_FIN, R + 11, 0, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	expect_tw_listed(&h, t + 60 * SEC);
	h_fini(&h);
}

/* Server-side TIME-WAIT record as srv_time_wait, the peer's SYN carrying opt, the
 * listener's SO_RCVBUF rcvbuf (0: not set); returns the window field of our FIN (the connection's
 * last); the record's ACK of the peer's FIN must advertise record. */
static uint16_t srv_time_wait_opt(struct harness *h, const struct wire_tcp_opts *opt,
				  int rcvbuf, int record, uint32_t *iss)
{
	int l = h_listen(h, SRV_PORT, 16), fd;
	uint16_t last;

	if (rcvbuf)
		cr_assert_eq(synack_setsockopt(h->s, l, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF,
					       &rcvbuf, sizeof rcvbuf), 0);
	h_send_opt(h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192, opt, NULL, 0, 0);
	EXPECT_SEG(h, F_SYN | F_ACK, h->out.seq, R, ANYWIN);
	*iss = h->out.seq;
	h_send(h, PEER_PORT, SRV_PORT, F_ACK, R, *iss + 1, 8192);
	fd = synack_accept(h->s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	synack_close(h->s, fd);
	EXPECT_SEG(h, F_FIN | F_ACK, *iss + 1, R, ANYWIN);
	last = h->out.win;
	h_send(h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, *iss + 2, 8192);
	/* the ACK of its FIN already comes from the record (tcp_tw_from_tcb) */
	EXPECT_SEG(h, F_ACK, *iss + 2, R + 1, record);
	cr_assert_eq(h_state_of_port(h, PEER_PORT), SYNACK_STATE_TIME_WAIT);
	return last;
}

/* RFC 9293 SHLD-14, Linux tw_rcv_wnd: a record's ACKs advertise the window field the
 * connection last sent. Window scaling on here, 131072-byte default buffer (our shift
 * 7, chosen for the 6 MiB autotuning cap):
 *   no WS from the peer: 65535 (before: 131072 >> 7 = 1024, the right edge moved left);
 *   WS negotiated: 1024 (x 128 = the buffer);
 *   SO_RCVBUF 131072 (locked: shift 2, last window 32768): 32768, SO_RCVBUF 250000
 *   (shift 2): 62500, SO_RCVBUF 4096 (shift 0): 4096 (before: 65535 for these three,
 *   more than the connection ever offered). */
Test(tcp_time_wait, time_wait_record_ack_window_is_the_last_advertised)
{
	struct wire_tcp_opts ws = { .present = WIRE_HAS_WS, .wscale = 7 };
	static const struct {
		bool ws;
		int rcvbuf;
		uint16_t last;
		int record;
	} cases[] = {
		{ false, 0, 65535, 65535 },
		{ true, 0, 1024, 1024 },
		{ true, 131072, 32768, 32768 },
		{ true, 250000, 62500, 62500 },
		{ true, 4096, 4096, 4096 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct harness h;
		struct synack_config c;
		uint32_t iss;
		uint16_t last;

		h_default_config(&c);
		c.window_scaling = 1;           /* rmem_default 131072 */
		h_init_cfg(&h, &c);
		last = srv_time_wait_opt(&h, cases[i].ws ? &ws : NULL, cases[i].rcvbuf,
					 cases[i].record, &iss);
		cr_assert_eq(last, cases[i].last, "case %zu: last %u", i, last);
		h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
		EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, cases[i].record);
		h_advance(&h, 1 * SEC);         /* an old duplicate: the same window */
		h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R - 100, iss + 2, 8192);
		EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, cases[i].record);
		h_fini(&h);
	}
}

Test(tcp_time_wait, time_wait_tw_reuse_ephemeral_connect_takes_record_S28)
{
	struct harness h;
	struct synack_config c;
	uint16_t lport;
	uint32_t nxt;
	int b;

	h_default_config(&c);
	c.timestamps = 1;
	c.tw_reuse = 1;
	c.ip_local_port_range_lo = 40000;
	c.ip_local_port_range_hi = 40000;       /* one port: held by the record */
	h_init_cfg(&h, &c);
	client_time_wait(&h, &lport, &nxt);
	cr_assert_eq(lport, 40000);
	b = synack_socket(h.s);
	/* the peer's last TSval (its FIN) arrived just now: not before 1 s has passed */
	h_advance(&h, 1 * SEC);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRNOTAVAIL);
	h_advance(&h, 1);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG(&h, F_SYN, h.out.seq, 0, ANYWIN);
	cr_assert_eq(h.out.sport, 40000);
	cr_assert(seq_geq(h.out.seq, nxt + 65537));
	cr_assert_eq(h_state_of_port(&h, SRV_PORT), SYNACK_STATE_SYN_SENT);
	/* with tw_reuse 0 the only port is taken: EADDRNOTAVAIL */
	h.cfg = c;
	h_fini(&h);
	c.tw_reuse = 0;
	h_init_cfg(&h, &c);
	client_time_wait(&h, &lport, &nxt);
	b = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, b, THEM, SRV_PORT), -EADDRNOTAVAIL);
	h_fini(&h);
}

Test(tcp_syn_received, syn_received_entry_rst_in_window_challenge_ack)
{
	struct harness h;
	uint32_t iss;

	h_init(&h);
	h_listen(&h, SRV_PORT, 4);
	h_send(&h, PEER_PORT, SRV_PORT, F_SYN, PEER_ISN, 0, 8192);
	EXPECT_SEG(&h, F_SYN | F_ACK, h.out.seq, R, ANYWIN);
	iss = h.out.seq;
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R + 1, 0, 0);    /* RFC 5961 §3.2 */
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), SYNACK_STATE_SYN_RECEIVED);
	h_send(&h, PEER_PORT, SRV_PORT, F_RST, R, 0, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(h_state_of_port(&h, PEER_PORT), -1);       /* back to LISTEN */
	h_fini(&h);
}

Test(tcp_established, established_fin_beyond_rcv_nxt_dup_ack_at_once)
{
	struct harness h;
	uint32_t iss;
	int fd;

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R + 10, iss + 1, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 1, R, ANYWIN);              /* MAY-13, Linux */
	EXPECT_STATE(&h, fd, SYNACK_STATE_ESTABLISHED);
	h_fini(&h);
}

Test(tcp_time_wait, time_wait_record_out_of_window_acks_rate_limited)
{
	struct harness h;
	uint32_t iss;
	uint64_t t;

	h_init(&h);
	srv_time_wait(&h, &iss, &t);
	/* fuzz finding F6: a record and a half-open entry answered each other's ACKs
	 * forever; like Linux (tcp_timewait_check_oow_rate_limit) one per 500 ms */
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 9, 8192);  /* beyond SND.NXT */
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	for (int i = 0; i < 10; i++)
		h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 9, 8192);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_OOW_LIMITED), 10);
	/* a retransmitted FIN is always answered */
	h_send(&h, PEER_PORT, SRV_PORT, F_FIN | F_ACK, R, iss + 2, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	h_advance(&h, 500 * MSEC);
	h_send(&h, PEER_PORT, SRV_PORT, F_ACK, R + 1, iss + 9, 8192);
	EXPECT_SEG(&h, F_ACK, iss + 2, R + 1, ANYWIN);
	h_fini(&h);
}

Test(tcp_listen, closed_listen_first_of_two_reuseaddr_sockets_succeeds)
{
	struct harness h;
	int one = 1, s1, s2;

	h_init(&h);
	s1 = synack_socket(h.s);
	s2 = synack_socket(h.s);
	cr_assert_eq(synack_setsockopt(h.s, s1, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				       sizeof one), 0);
	cr_assert_eq(synack_setsockopt(h.s, s2, SYNACK_SOL_SOCKET, SYNACK_SO_REUSEADDR, &one,
				       sizeof one), 0);
	cr_assert_eq(synack_bind(h.s, s1, SYNACK_ADDR_ANY, 8080), 0);
	cr_assert_eq(synack_bind(h.s, s2, US, 8080), 0);
	/* Linux: the first listen() succeeds, the second finds a listener (S23) */
	cr_assert_eq(synack_listen(h.s, s1, 4), 0);
	cr_assert_eq(synack_listen(h.s, s2, 4), -EADDRINUSE);
	EXPECT_STATE(&h, s1, SYNACK_STATE_LISTEN);
	EXPECT_STATE(&h, s2, SYNACK_STATE_CLOSED);
	h_fini(&h);
}
