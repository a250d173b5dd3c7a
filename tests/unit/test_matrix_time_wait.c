/* test_matrix_time_wait.c — state × event matrix, TIME-WAIT (RFC 9293 §3.10.7.4, RFC 1337,
 * RFC 5961, RFC 1122 §4.2.2.13): the server closed first (close(): FIN, the peer's ACK,
 * the peer's FIN <SEQ=1001> acknowledged), so the connection is a descriptor-less
 * TIME-WAIT record seen through synack_sock_list; the listener on *:80 stays.
 * SND.NXT = ISS+2, RCV.NXT = 1002. A second fixture keeps the descriptor (shutdown
 * instead of close) so the full-TCB TIME-WAIT is covered too. rfc1337 = 1 (the config
 * default). */
#include "matrix.h"

#define TW SYNACK_STATE_TIME_WAIT
#define AK AT(SND_NXT, 0)

/* first check: unacceptable → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; the retransmitted
 * FIN (SEG.SEQ = RCV.NXT-1) is the case of the fifth/eighth checks: "Acknowledge it,
 * and restart the 2 MSL timeout" */
MX_CASE(time_wait, fin_ack_retransmitted, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -1),
	.ack = AK, OUT_ACK_NOW, .state = TW, .check_2msl = true)
MX_CASE(time_wait, fin_retransmitted_no_ack, .flags = F_FIN, .seq = AT(RCV_NXT, -1),
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, ack_old_seq, .flags = F_ACK, .seq = AT(RCV_NXT, -1), .ack = AK,
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, ack_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND), .ack = AK,
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, data_old, .flags = F_ACK, .seq = AT(RCV_NXT, -10), .ack = AK, .len = 10,
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, data_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND), .ack = AK,
	.len = 1, OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, fin_ack_old, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -5), .ack = AK,
	OUT_ACK_NOW, .state = TW)

/* an acceptable pure ACK at RCV.NXT: nothing to do */
MX_CASE(time_wait, ack, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AK, OUT0, .state = TW)
/* acceptable (Table 6) elsewhere in the window, text, no ACK bit: the RFC sends nothing;
 * the lead's decision 5 (REQUESTS.md): record and full TCB both answer as Linux's
 * tcp_timewait_state_process, which ACKs every segment but a bare ACK at RCV.NXT */
MX_CASE(time_wait, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100), .ack = AK,
	OUT_ACK_NOW, .state = TW)
/* seventh check, TIME-WAIT: "Ignore the segment text" */
MX_CASE(time_wait, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0), .ack = AK,
	.len = 10, OUT_ACK_NOW, .state = TW)
/* fifth check: "if the ACK bit is off, drop the segment and return" */
MX_CASE(time_wait, data_no_ack, .flags = F_PSH, .seq = AT(RCV_NXT, 0), .len = 10,
	OUT_ACK_NOW, .state = TW)
/* fifth check with RFC 5961 §5.2: SEG.ACK > SND.NXT or < SND.UNA - MAX.SND.WND →
 * "discarded and an ACK sent back" (TIME-WAIT is one of the states of §3.10.7.4).
 * Pending for the record (it does not look at SEG.ACK); the full TCB passes. */
MX_CASE(time_wait, ack_beyond_snd_nxt, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 1), OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, ack_too_old, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, -70000), OUT_ACK_NOW, .state = TW)

/* second check, TIME-WAIT, with RFC 1337 (F1): "Ignore RST segments in TIME-WAIT state"
 * — at RCV.NXT, in the window (no challenge ACK either: Linux with tcp_rfc1337 = 1
 * ignores them silently) and outside */
MX_CASE(time_wait, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0, .state = TW)
MX_CASE(time_wait, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AK, OUT0, .state = TW)
MX_CASE(time_wait, rst_in_window, .flags = F_RST, .seq = AT(RCV_NXT, 1), OUT0, .state = TW)
MX_CASE(time_wait, rst_old, .flags = F_RST, .seq = AT(RCV_NXT, -1), OUT0, .state = TW)
MX_CASE(time_wait, rst_outside, .flags = F_RST, .seq = AT(RCV_NXT, 0x40000000), OUT0,
	.state = TW)

/* fourth check, TIME-WAIT (RFC 5961 §4.2): a SYN gets a challenge ACK ... (pending:
 * at RCV.NXT the engine reopens, Linux and BSD only above it; a SYN,FIN above RCV.NXT
 * removes the record and the listener drops it — tests/matrix-pending.md) */
MX_CASE(time_wait, syn_at_rcv_nxt, .flags = F_SYN, .seq = AT(RCV_NXT, 0), OUT_ACK_NOW,
	.state = TW)
MX_CASE(time_wait, syn_old, .flags = F_SYN, .seq = AT(RCV_NXT, -1000), OUT_ACK_NOW,
	.state = TW)
MX_CASE(time_wait, syn_ack_at_rcv_nxt, .flags = F_SYN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AK, OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait, syn_fin_in_window, .flags = F_SYN | F_FIN, .seq = AT(RCV_NXT, 10),
	OUT_ACK_NOW, .state = TW)
/* ... except that a new connection may be accepted (RFC 9293 §3.10.7.4 fourth, RFC 1122
 * §4.2.2.13 MAY, Linux's TCP_TW_SYN): without timestamps, a SYN above RCV.NXT reopens
 * the 4-tuple with an ISS above everything the old incarnation used: a new SYN-RECEIVED
 * connection answers <SEQ=ISS'><ACK=SEG.SEQ+1><CTL=SYN,ACK> */
MX_CASE(time_wait, syn_beyond_rcv_nxt, .flags = F_SYN, .seq = AT(RCV_NXT, 100000),
	OUT1(F_SYN | F_ACK, AT(TW_ISS, 0), AT(SEG_SEQ, 1), MX_WND),
	.state = SYNACK_STATE_SYN_RECEIVED)

/* ---- TIME-WAIT with its descriptor (full TCB) ---------------------------------------- */

static void mx_fix_time_wait_fd(struct mx *m)
{
	mx_fix_fin_wait_2(m);
	mx_send(m, F_FIN | F_ACK, R0, m->iss + 2);
	EXPECT_SEG(&m->h, F_ACK, m->iss + 2, R0 + 1, MX_WND);
	EXPECT_NONE(&m->h);
	m->rcv_nxt = R0 + 1;
	m->h.now += 10 * MSEC;
	m->state = TW;
	m->state_name = "TIME-WAIT (descriptor kept)";
}

MX_CASE(time_wait_fd, fin_ack_retransmitted, .flags = F_FIN | F_ACK,
	.seq = AT(RCV_NXT, -1), .ack = AK, OUT_ACK_NOW, .state = TW, .check_2msl = true)
MX_CASE(time_wait_fd, ack, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AK, OUT0,
	.state = TW)
MX_CASE(time_wait_fd, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100), .ack = AK,
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait_fd, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0), .ack = AK,
	.len = 10, OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait_fd, data_no_ack, .flags = F_PSH, .seq = AT(RCV_NXT, 0), .len = 10,
	OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait_fd, data_old, .flags = F_ACK, .seq = AT(RCV_NXT, -10), .ack = AK,
	.len = 10, OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait_fd, ack_beyond_snd_nxt, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 1), OUT_ACK_NOW, .state = TW)
MX_CASE(time_wait_fd, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = TW)
MX_CASE(time_wait_fd, rst_in_window, .flags = F_RST, .seq = AT(RCV_NXT, 1), OUT0,
	.state = TW)
MX_CASE(time_wait_fd, syn_at_rcv_nxt, .flags = F_SYN, .seq = AT(RCV_NXT, 0), OUT_ACK_NOW,
	.state = TW)
MX_CASE(time_wait_fd, syn_old, .flags = F_SYN, .seq = AT(RCV_NXT, -1000), OUT_ACK_NOW,
	.state = TW)

/* The record fixture through the listing: listener + one descriptor-less TIME-WAIT
 * entry whose 2MSL timer ends 60 s after the peer's FIN. */
Test(matrix_time_wait, time_wait_fixture_listing)
{
	struct synack_sock_info info[4];
	struct mx m;

	mx_fix_time_wait(&m);
	cr_assert_eq(synack_sock_list(m.h.s, info, 4), 2u);
	cr_assert_eq(info[0].state, SYNACK_STATE_LISTEN);
	cr_assert_eq(info[1].fd, -1);
	cr_assert_eq(info[1].state, TW);
	cr_assert_eq(info[1].rport, PEER_PORT);
	cr_assert_eq(info[1].timer, SYNACK_TIMER_TIME_WAIT);
	cr_assert_eq(info[1].timer_deadline_ns, m.h.now - 10 * MSEC + 60 * SEC);
	h_fini(&m.h);
}
