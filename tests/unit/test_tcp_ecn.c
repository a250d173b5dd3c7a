/*
 * test_tcp_ecn.c — Explicit Congestion Notification (RFC 3168 §6.1, RFC 9293 SHLD-8;
 * src/tcp/ecn.c) as segment scripts: negotiation under each tcp_ecn value, ECT(0) only
 * on new data, the receiver's ECE echo until CWR, the sender's one reduction per window
 * and its CWR, and ECN on SYN-cookie connections (the cookie TSval's ECN bit). Every
 * expected segment is asserted whole (flags, seq, ack) with the IP TOS byte our
 * datagram carried.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"
#include "api/api.h"
#include "tcp/ecn.h"
#include "synack/ss.h"

#define F_ECE WIRE_TCP_ECE
#define F_CWR WIRE_TCP_CWR
#define MSS 1000u

static const char pay[100];    /* the peer's 100-byte segments */

/* The TOS byte of the datagram h_next drained last. */
static uint8_t out_tos(const struct harness *h)
{
	return h->pkt[1];
}

/* A segment THEM:PEER_PORT -> US:SRV_PORT (or dport) whose IP TOS byte is tos. */
static void send_tos(struct harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
		     uint32_t seq, uint32_t ack, const struct wire_tcp_opts *opt,
		     const void *data, size_t len, uint8_t tos)
{
	h_send_tos(h, sport, dport, flags, seq, ack, 65535, opt, data, len, 0, tos);
}

/* The next segment: EXPECT_SEG and the TOS byte. */
#define EXPECT_SEG_TOS(h, fl, sq, ak, tos) do { \
	EXPECT_SEG(h, fl, sq, ak, ANYWIN); \
	cr_assert_eq(out_tos(h), (uint8_t)(tos), "tos 0x%x, expected 0x%x", out_tos(h), \
		     (unsigned)(tos)); \
} while (0)

static void config(struct synack_config *c, uint32_t ecn)
{
	h_default_config(c);
	c->tcp_ecn = ecn;
	memcpy(c->congestion_control, "reno", 5);
}

/* A listener, and a peer SYN with syn_flags (its IP TOS syn_tos) and MSS 1000: the
 * SYN-ACK is asserted to carry synack_flags; then the ACK, accept. *iss our ISS. */
static int passive(struct harness *h, uint32_t ecn, uint8_t syn_flags, uint8_t syn_tos,
		   uint8_t synack_flags, uint32_t *iss)
{
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = MSS };
	uint32_t a;
	int l, fd;

	config(&c, ecn);
	h_init_cfg(h, &c);
	l = h_listen(h, SRV_PORT, 16);
	send_tos(h, PEER_PORT, SRV_PORT, F_SYN | syn_flags, PEER_ISN, 0, &o, NULL, 0, syn_tos);
	EXPECT_SEG_TOS(h, F_SYN | F_ACK | synack_flags, h->out.seq, PEER_ISN + 1, 0);
	*iss = h->out.seq;
	send_tos(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, *iss + 1, NULL, NULL, 0, 0);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, &a, NULL);
	cr_assert_geq(fd, 0);
	return fd;
}

/* We send 10 bytes: one segment [ACK|PSH] with tos; the peer ACKs it (not-ECT). */
static void data_out(struct harness *h, int fd, uint32_t seq, uint8_t tos)
{
	cr_assert_eq(synack_send(h->s, fd, "0123456789", 10, 0), 10);
	EXPECT_SEG_TOS(h, F_ACK | F_PSH, seq, PEER_ISN + 1, tos);
	cr_assert_eq(h->out.payload_len, 10);
	send_tos(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, seq + 10, NULL, NULL, 0, 0);
	EXPECT_NONE(h);
}

/* ---- negotiation (RFC 3168 §6.1.1) ----------------------------------------------- */

Test(ecn_setup, passive_default_accepts_ecn_setup_syn)
{
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 2, F_ECE | F_CWR, 0, F_ECE, &iss);

	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, TCP_ECN_OK);
	data_out(&h, fd, iss + 1, TCP_ECN_ECT_0);       /* new data: ECT(0) */
	h_fini(&h);
}

Test(ecn_setup, passive_tcp_ecn_1_accepts_too)
{
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 1, F_ECE | F_CWR, 0, F_ECE, &iss);

	data_out(&h, fd, iss + 1, TCP_ECN_ECT_0);
	h_fini(&h);
}

Test(ecn_setup, passive_tcp_ecn_0_refuses)
{
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 0, F_ECE | F_CWR, 0, 0, &iss);

	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, 0);
	data_out(&h, fd, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, passive_ece_alone_is_not_ecn_setup)
{
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 2, F_ECE, 0, 0, &iss);

	data_out(&h, fd, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, passive_ect_syn_is_refused)
{
	/* Linux tcp_ecn_create_request: an ECN-setup SYN must itself be not-ECT */
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 2, F_ECE | F_CWR, TCP_ECN_ECT_0, 0, &iss);

	data_out(&h, fd, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, passive_keeps_ip_tos_dscp)
{
	/* IP_TOS's DS field stays; only the ECN field is ours */
	struct harness h;
	uint32_t iss;
	int tos = 0x10 | TCP_ECN_CE;
	int fd = passive(&h, 2, F_ECE | F_CWR, 0, F_ECE, &iss);

	cr_assert_eq(synack_setsockopt(h.s, fd, SYNACK_IPPROTO_IP, SYNACK_IP_TOS, &tos,
				       sizeof tos), 0);
	data_out(&h, fd, iss + 1, 0x10 | TCP_ECN_ECT_0);
	h_fini(&h);
}

/* Active open under ecn; the SYN must carry syn_flags; the peer answers synack_flags. */
static int active(struct harness *h, uint32_t ecn, uint8_t syn_flags, uint8_t synack_flags,
		  uint32_t *iss, uint16_t *lport)
{
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = MSS };
	int fd;

	config(&c, ecn);
	h_init_cfg(h, &c);
	fd = synack_socket(h->s);
	cr_assert_eq(synack_connect(h->s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG_TOS(h, F_SYN | syn_flags, h->out.seq, 0, 0);
	*iss = h->out.seq;
	*lport = h->out.sport;
	send_tos(h, SRV_PORT, *lport, F_SYN | F_ACK | synack_flags, PEER_ISN, *iss + 1, &o,
		 NULL, 0, 0);
	EXPECT_SEG_TOS(h, F_ACK, *iss + 1, PEER_ISN + 1, 0);
	EXPECT_STATE(h, fd, SYNACK_STATE_ESTABLISHED);
	return fd;
}

/* As data_out for an active connection (ports reversed). */
static void active_data_out(struct harness *h, int fd, uint16_t lport, uint32_t seq,
			    uint8_t tos)
{
	cr_assert_eq(synack_send(h->s, fd, "0123456789", 10, 0), 10);
	EXPECT_SEG_TOS(h, F_ACK | F_PSH, seq, PEER_ISN + 1, tos);
	send_tos(h, SRV_PORT, lport, F_ACK, PEER_ISN + 1, seq + 10, NULL, NULL, 0, 0);
	EXPECT_NONE(h);
}

Test(ecn_setup, active_tcp_ecn_1_requests_and_gets)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd = active(&h, 1, F_ECE | F_CWR, F_ECE, &iss, &lport);

	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, TCP_ECN_OK);
	active_data_out(&h, fd, lport, iss + 1, TCP_ECN_ECT_0);
	h_fini(&h);
}

Test(ecn_setup, active_synack_without_ece_means_no_ecn)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd = active(&h, 1, F_ECE | F_CWR, 0, &iss, &lport);

	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, 0);
	active_data_out(&h, fd, lport, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, active_synack_with_ece_and_cwr_is_not_ecn_setup)
{
	/* RFC 3168 §6.1.1: "a SYN-ACK packet with both ECE and CWR set ... MUST NOT" be
	 * taken as ECN-setup (a reflecting peer) */
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd = active(&h, 1, F_ECE | F_CWR, F_ECE | F_CWR, &iss, &lport);

	active_data_out(&h, fd, lport, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, active_default_never_requests)
{
	struct harness h;
	uint32_t iss;
	uint16_t lport;
	int fd = active(&h, 2, 0, F_ECE, &iss, &lport);

	active_data_out(&h, fd, lport, iss + 1, 0);
	h_fini(&h);
}

Test(ecn_setup, retransmitted_syn_does_not_request)
{
	/* Linux tcp_ecn_clear_syn (tcp_ecn_fallback, RFC 3168 §6.1.1.1) */
	struct harness h;
	struct synack_config c;
	int fd;
	uint32_t iss;

	config(&c, 1);
	h_init_cfg(&h, &c);
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	EXPECT_SEG_TOS(&h, F_SYN | F_ECE | F_CWR, h.out.seq, 0, 0);
	iss = h.out.seq;
	h_advance(&h, 1000 * MSEC);
	EXPECT_SEG_TOS(&h, F_SYN, iss, 0, 0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(ecn_setup, config_refuses_tcp_ecn_3)
{
	struct harness h;
	struct synack_config c;

	h_init(&h);
	config(&c, 3);
	cr_assert_eq(synack_stack_set_config(h.s, &c), -EINVAL);
	c.tcp_ecn = 2;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	synack_config_default(&c);
	cr_assert_eq(c.tcp_ecn, 2);     /* Linux's default */
	h_fini(&h);
}

/* ---- receiver: CE -> ECE until CWR (RFC 3168 §6.1.3) ------------------------------ */

/* fd's ECN state as shown: tcp_info's option bits (ti_ecn: SYNACK_TI_OPT_ECN /
 * _ECN_SEEN; the others off in this file's config), its synack_sock_list entry, and the
 * end of its ss line (tail: Linux ss -i's words). */
static void check_ecn_shown(struct harness *h, int fd, uint8_t ti_ecn, const char *tail)
{
	struct synack_tcp_info ti;
	struct synack_sock_info e[4];
	char line[200];
	size_t n = synack_sock_list(h->s, e, 4), i;

	cr_assert_eq(synack_tcp_info(h->s, fd, &ti), 0);
	cr_assert_eq(ti.options, ti_ecn, "options 0x%x", ti.options);
	for (i = 0; i < n && e[i].fd != fd; i++)
		;
	cr_assert_lt(i, n, "fd %d not listed", fd);
	cr_assert_eq(e[i].ecn, ti_ecn);
	synack_ss_format_entry(&e[i], h->now, line, sizeof line);
	cr_assert_str_eq(line + 71, tail, "line '%s'", line);
}

Test(ecn_receiver, ce_data_echoed_until_cwr)
{
	struct harness h;
	uint32_t iss, rs = PEER_ISN + 1;
	int fd = passive(&h, 2, F_ECE | F_CWR, 0, F_ECE, &iss);
	char buf[300];

	/* a CE-marked pure ACK is not a congestion signal we echo (Linux: data only) */
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK, rs, iss + 1, NULL, NULL, 0, TCP_ECN_CE);
	EXPECT_NONE(&h);
	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, TCP_ECN_OK);
	check_ecn_shown(&h, fd, SYNACK_TI_OPT_ECN, "ecn cwnd:10 rcv_space:14600");
	/* CE on data: ACK at once, with ECE */
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rs, iss + 1, NULL, pay, 100,
		 TCP_ECN_CE);
	rs += 100;
	EXPECT_SEG_TOS(&h, F_ACK | F_ECE, iss + 1, rs, 0);
	EXPECT_NONE(&h);
	/* more data, ECT(0): every ACK keeps ECE */
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rs, iss + 1, NULL, pay, 100,
		 TCP_ECN_ECT_0);
	rs += 100;
	h_advance(&h, 200 * MSEC);      /* the delayed ACK, whenever it comes */
	EXPECT_SEG_TOS(&h, F_ACK | F_ECE, iss + 1, rs, 0);
	EXPECT_NONE(&h);
	/* our data carries ECE too, and ECT(0) */
	cr_assert_eq(synack_send(h.s, fd, "0123456789", 10, 0), 10);
	EXPECT_SEG_TOS(&h, F_ACK | F_PSH | F_ECE, iss + 1, rs, TCP_ECN_ECT_0);
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK, rs, iss + 11, NULL, NULL, 0, 0);
	EXPECT_NONE(&h);
	/* CWR on data ends it: ACKed at once, without ECE */
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH | F_CWR, rs, iss + 11, NULL, pay, 100,
		 TCP_ECN_ECT_0);
	rs += 100;
	EXPECT_SEG_TOS(&h, F_ACK, iss + 11, rs, 0);
	EXPECT_NONE(&h);
	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, TCP_ECN_OK | TCP_ECN_SEEN);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_CE), 2);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_IP_ECT), 2);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 300);
	check_ecn_shown(&h, fd, SYNACK_TI_OPT_ECN | SYNACK_TI_OPT_ECN_SEEN,
			"ecn ecnseen cwnd:10 rcv_space:14600");
	h_fini(&h);
}

Test(ecn_receiver, ce_ignored_without_ecn)
{
	struct harness h;
	uint32_t iss, rs = PEER_ISN + 1;
	int fd = passive(&h, 0, F_ECE | F_CWR, 0, 0, &iss);

	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, rs, iss + 1, NULL, pay, 100,
		 TCP_ECN_CE);
	h_advance(&h, 200 * MSEC);
	EXPECT_SEG_TOS(&h, F_ACK, iss + 1, rs + 100, 0);
	EXPECT_NONE(&h);
	check_ecn_shown(&h, fd, 0, "cwnd:10 rcv_space:14600");  /* no "ecnseen" (Linux) */
	h_fini(&h);
}

/* ---- sender: ECE -> one reduction per window, CWR (RFC 3168 §6.1.2) ----------------- */

#define REL(x) (iss + 1 + (uint32_t)(x))

static char bulk[20 * MSS];

/* An ECN connection that has sent 10 full segments (IW10): [1000 k, 1000 k + 1000). */
static int flight(struct harness *h, uint32_t *iss_out)
{
	uint32_t iss;
	int fd = passive(h, 2, F_ECE | F_CWR, 0, F_ECE, &iss);

	for (unsigned i = 0; i < sizeof bulk; i++)
		bulk[i] = (char)('a' + i % 26);
	cr_assert_eq(synack_send(h->s, fd, bulk, 10 * MSS, 0), 10 * MSS);
	for (uint32_t k = 0; k < 10; k++)
		EXPECT_SEG_TOS(h, F_ACK | (k == 9 ? F_PSH : 0), REL(k * MSS), PEER_ISN + 1,
			       TCP_ECN_ECT_0);
	EXPECT_NONE(h);
	*iss_out = iss;
	return fd;
}

static void peer_ack(struct harness *h, uint32_t ack, uint8_t more)
{
	send_tos(h, PEER_PORT, SRV_PORT, F_ACK | more, PEER_ISN + 1, ack, NULL, NULL, 0, 0);
}

Test(ecn_sender, ece_reduces_once_per_window_and_cwr_follows)
{
	struct harness h;
	uint32_t iss;
	int fd = flight(&h, &iss);
	struct tcb *t = api_tcb(h.s, fd);

	cr_assert_eq(t->cc.cwnd, 10 * MSS);
	/* ACK of 2 segments with ECE: FlightSize 8000 -> reno ssthresh 4000, cwnd 4000 */
	peer_ack(&h, REL(2 * MSS), F_ECE);
	cr_assert_eq(t->cc.ssthresh, 4 * MSS, "ssthresh %u", t->cc.ssthresh);
	cr_assert_eq(t->cc.cwnd, 4 * MSS, "cwnd %u", t->cc.cwnd);
	EXPECT_NONE(&h);                /* nothing retransmitted, nothing new */
	/* a second ECE in the same window: no second reduction */
	peer_ack(&h, REL(3 * MSS), F_ECE);
	cr_assert_eq(t->cc.ssthresh, 4 * MSS);
	cr_assert_eq(t->cc.cwnd, 4 * MSS);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ECE_IN), 2);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ECN_REDUCTIONS), 1);
	/* new data waits for room; when it goes, its first segment carries CWR */
	cr_assert_eq(synack_send(h.s, fd, bulk, 3 * MSS, 0), 3 * MSS);
	EXPECT_NONE(&h);
	peer_ack(&h, REL(10 * MSS), 0);
	EXPECT_SEG_TOS(&h, F_ACK | F_CWR, REL(10 * MSS), PEER_ISN + 1, TCP_ECN_ECT_0);
	EXPECT_SEG_TOS(&h, F_ACK, REL(11 * MSS), PEER_ISN + 1, TCP_ECN_ECT_0);
	EXPECT_SEG_TOS(&h, F_ACK | F_PSH, REL(12 * MSS), PEER_ISN + 1, TCP_ECN_ECT_0);
	EXPECT_NONE(&h);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_CWR_OUT), 1);
	/* the window of the first response has passed: a new ECE reduces again */
	peer_ack(&h, REL(11 * MSS), F_ECE);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ECN_REDUCTIONS), 2);
	cr_assert_eq(t->cc.ssthresh, 2 * MSS);  /* FlightSize 2000 / 2, floor 2 SMSS */
	cr_assert_eq(t->cc.cwnd, 2 * MSS);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_RETRANS), 0);
	peer_ack(&h, REL(13 * MSS), 0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

Test(ecn_sender, ece_ignored_without_ecn)
{
	struct harness h;
	uint32_t iss;
	int fd = passive(&h, 0, F_ECE | F_CWR, 0, 0, &iss);
	struct tcb *t = api_tcb(h.s, fd);

	cr_assert_eq(synack_send(h.s, fd, bulk, 4 * MSS, 0), 4 * MSS);
	for (uint32_t k = 0; k < 4; k++)
		EXPECT_SEG_TOS(&h, F_ACK | (k == 3 ? F_PSH : 0), REL(k * MSS), PEER_ISN + 1, 0);
	peer_ack(&h, REL(2 * MSS), F_ECE);
	/* no reduction (and no growth: the window is not used, RFC 7661) */
	cr_assert_eq(t->cc.cwnd, 10 * MSS, "cwnd %u", t->cc.cwnd);
	cr_assert_eq(t->cc.ssthresh, TCP_CC_INFINITE_SSTHRESH);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_ECE_IN), 0);
	h_fini(&h);
}

Test(ecn_sender, retransmission_is_not_ect_and_cwr_rides_new_data)
{
	struct harness h;
	uint32_t iss;
	int fd = flight(&h, &iss);

	/* RFC 3168 §6.1.5: the RTO retransmission goes not-ECT, without CWR */
	h_advance(&h, 1000 * MSEC);
	EXPECT_SEG_TOS(&h, F_ACK, REL(0), PEER_ISN + 1, 0);
	EXPECT_NONE(&h);
	/* the timeout reduced cwnd: CWR on the next new data (Linux tcp_enter_loss) */
	peer_ack(&h, REL(10 * MSS), 0);
	cr_assert_eq(synack_send(h.s, fd, bulk, MSS, 0), MSS);
	EXPECT_SEG_TOS(&h, F_ACK | F_PSH | F_CWR, REL(10 * MSS), PEER_ISN + 1, TCP_ECN_ECT_0);
	EXPECT_NONE(&h);
	h_fini(&h);
}

/* ---- SYN cookies: ECN in the cookie TSval (Linux cookie_init_timestamp, cookie_ecn_ok) */

/* syncookies = 2 (always), a listener with tcp_ecn = ecn; the peer's SYN (ECE+CWR when
 * ask, MSS 1000, TSval 9000) gets a cookie SYN-ACK asserted whole: synack_flags, our
 * MSS and TS options, TSecr 9000, the TSval's low 6 bits tsv_bits (syncookie.h: 0xf no
 * WS, 0x10 SACK, 0x20 ECN). The ACK echoes the TSval with ecr_or OR-ed in. Returns the
 * accepted descriptor (a cookie child); *iss our ISS. */
static int cookie_passive(struct harness *h, uint32_t ecn, bool ask, uint8_t synack_flags,
			  uint32_t tsv_bits, uint32_t ecr_or, uint32_t *iss)
{
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS | WIRE_HAS_TS, .mss = MSS,
				   .ts_val = 9000 };
	uint32_t tsv;
	int l, fd;

	config(&c, ecn);
	c.syncookies = 2;
	c.timestamps = 1;       /* window scaling and SACK stay off (h_default_config) */
	h_init_cfg(h, &c);
	l = h_listen(h, SRV_PORT, 16);
	send_tos(h, PEER_PORT, SRV_PORT, F_SYN | (ask ? F_ECE | F_CWR : 0), PEER_ISN, 0, &o,
		 NULL, 0, 0);
	EXPECT_SEG_TOS(h, F_SYN | F_ACK | synack_flags, h->out.seq, PEER_ISN + 1, 0);
	cr_assert_eq(synack_counter(h->s, SYNACK_CTR_TCP_COOKIES_SENT), 1);
	cr_assert_eq(h->out.opt.present, WIRE_HAS_MSS | WIRE_HAS_TS);
	cr_assert_eq(h->out.opt.mss, 1460);
	cr_assert_eq(h->out.opt.ts_ecr, 9000);
	*iss = h->out.seq;
	tsv = h->out.opt.ts_val;
	cr_assert_eq(tsv & 0x3fu, tsv_bits, "TSval %08x", tsv);
	o.present = WIRE_HAS_TS;
	o.ts_val = 9001;
	o.ts_ecr = tsv | ecr_or;
	send_tos(h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, *iss + 1, &o, NULL, 0, 0);
	EXPECT_NONE(h);
	fd = synack_accept(h->s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert(api_tcb(h->s, fd)->cookie_child);
	return fd;
}

/* Our 10 bytes (TOS tos), then the peer's 100 bytes with TS and IP ECN field ip_ecn;
 * its ACK is asserted with ack_flags. */
static void cookie_data(struct harness *h, int fd, uint32_t iss, uint8_t tos,
			uint8_t ip_ecn, uint8_t ack_flags)
{
	struct wire_tcp_opts o = { .present = WIRE_HAS_TS, .ts_val = 9002 };

	cr_assert_eq(synack_send(h->s, fd, "0123456789", 10, 0), 10);
	EXPECT_SEG_TOS(h, F_ACK | F_PSH, iss + 1, PEER_ISN + 1, tos);
	o.ts_ecr = h->out.opt.ts_val;
	send_tos(h, PEER_PORT, SRV_PORT, F_ACK | F_PSH, PEER_ISN + 1, iss + 11, &o, pay, 100,
		 ip_ecn);
	EXPECT_SEG_TOS(h, ack_flags, iss + 11, PEER_ISN + 101, 0);
	EXPECT_NONE(h);
}

/* A cookie connection (cookie_passive's arguments) whose tcb has ECN flags ecn_flags;
 * then cookie_data: our data with TOS tos, the peer's CE-marked data ACKed with
 * ack_flags. */
static void check_cookie_ecn(uint32_t ecn, bool ask, uint8_t synack_flags, uint32_t tsv_bits,
			     uint32_t ecr_or, uint8_t ecn_flags, uint8_t tos, uint8_t ack_flags)
{
	struct harness h;
	uint32_t iss;
	int fd = cookie_passive(&h, ecn, ask, synack_flags, tsv_bits, ecr_or, &iss);

	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, ecn_flags);
	cookie_data(&h, fd, iss, tos, TCP_ECN_CE, ack_flags);
	h_fini(&h);
}

Test(ecn_cookie, cookie_child_negotiates_ecn_through_tsval)
{
	/* SYN-ACK [S.E], TSval bits 0x20 (ECN) | 0xf (no WS); new data ECT(0); CE-marked
	 * data: ACK at once with ECE */
	check_cookie_ecn(2, true, F_ECE, 0x20 | 0xf, 0, TCP_ECN_OK, TCP_ECN_ECT_0,
			 F_ACK | F_ECE);
}

Test(ecn_cookie, cookie_without_ecn_setup_syn_has_no_ecn)
{
	check_cookie_ecn(2, false, 0, 0xf, 0, 0, 0, F_ACK);
}

Test(ecn_cookie, ecn_bit_in_tsecr_ignored_when_tcp_ecn_0)
{
	/* Linux cookie_ecn_ok: the bit counts only while tcp_ecn is on; here the peer
	 * sets it in its echo although our SYN-ACK did not */
	check_cookie_ecn(0, true, 0, 0xf, 0x20, 0, 0, F_ACK);
}

Test(ecn_cookie, cookie_without_timestamps_has_no_ecn)
{
	/* nowhere to keep the ECN bit: the cookie SYN-ACK does not offer ECN (Linux
	 * tcp_conn_request clears ecn_ok for a cookie without timestamps) */
	struct harness h;
	struct synack_config c;
	struct wire_tcp_opts o = { .present = WIRE_HAS_MSS, .mss = MSS };
	uint32_t iss;
	int l, fd;

	config(&c, 2);
	c.syncookies = 2;
	h_init_cfg(&h, &c);
	l = h_listen(&h, SRV_PORT, 16);
	send_tos(&h, PEER_PORT, SRV_PORT, F_SYN | F_ECE | F_CWR, PEER_ISN, 0, &o, NULL, 0, 0);
	EXPECT_SEG_TOS(&h, F_SYN | F_ACK, h.out.seq, PEER_ISN + 1, 0);
	cr_assert_eq(synack_counter(h.s, SYNACK_CTR_TCP_COOKIES_SENT), 1);
	cr_assert_eq(h.out.opt.present, WIRE_HAS_MSS);
	iss = h.out.seq;
	send_tos(&h, PEER_PORT, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, NULL, NULL, 0, 0);
	EXPECT_NONE(&h);
	fd = synack_accept(h.s, l, NULL, NULL);
	cr_assert_geq(fd, 0);
	cr_assert(api_tcb(h.s, fd)->cookie_child);
	cr_assert_eq(api_tcb(h.s, fd)->ecn_flags, 0);
	data_out(&h, fd, iss + 1, 0);
	h_fini(&h);
}
