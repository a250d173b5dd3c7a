/* test_matrix_syn_received.c — state × event matrix, SYN-RECEIVED (RFC 9293 §3.10.7.4,
 * RFC 5961 §3.2): passive (a listener got the peer's SYN <SEQ=1000> and answered
 * <SEQ=ISS><ACK=1001><CTL=SYN,ACK>; the half-open entry has no descriptor and is seen
 * through synack_sock_list) and active (simultaneous open, §3.5 Figure 8: our SYN crossed
 * the peer's; the descriptor stays). SND.UNA = ISS, SND.NXT = ISS+1, RCV.NXT = 1001. */
#include "matrix.h"

#define SR SYNACK_STATE_SYN_RECEIVED
#define OK_ACK AT(ISS, 1)
#define GONE .state = SYNACK_STATE_CLOSED       /* back to LISTEN: no entry any more */

/* ---- passive ---------------------------------------------------------------------- */

/* fifth check, SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED
 * state and continue processing" (the connection goes to the accept queue) */
MX_CASE(syn_received, ack, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = OK_ACK, OUT0,
	.state = SYNACK_STATE_ESTABLISHED)
MX_CASE(syn_received, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = OK_ACK, OUT0, .state = SYNACK_STATE_ESTABLISHED)
/* ... and the text / FIN of that segment is processed in ESTABLISHED */
MX_CASE(syn_received, data_ack, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = OK_ACK, .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 10), MX_WND),
	.state = SYNACK_STATE_ESTABLISHED)
MX_CASE(syn_received, data_ack_in_window, .flags = F_ACK, .seq = AT(RCV_NXT, 10),
	.ack = OK_ACK, .len = 10, OUT_ACK_NOW, .state = SYNACK_STATE_ESTABLISHED)
MX_CASE(syn_received, fin_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = OK_ACK, OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_CLOSE_WAIT)
/* "If the segment acknowledgment is not acceptable, form a reset segment
 * <SEQ=SEG.ACK><CTL=RST> and send it" (the half-open connection stays; Linux answers a
 * bad ACK to a request socket with a RST too) */
#define RST_SEG_ACK OUT1(F_RST, AT(SEG_ACK, 0), AT(ABS, 0), 0), .state = SR
MX_CASE(syn_received, ack_ack_snd_una, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(ISS, 0), RST_SEG_ACK)
MX_CASE(syn_received, ack_ack_old, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(ISS, -1000), RST_SEG_ACK)
MX_CASE(syn_received, ack_ack_beyond, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(ISS, 2), RST_SEG_ACK)
MX_CASE(syn_received, data_ack_beyond, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(ISS, 2), .len = 10, RST_SEG_ACK)
/* fifth check: "if the ACK bit is off, drop the segment and return" */
MX_CASE(syn_received, fin, .flags = F_FIN, .seq = AT(RCV_NXT, 0), OUT0, .state = SR)
MX_CASE(syn_received, data, .flags = F_PSH, .seq = AT(RCV_NXT, 0), .len = 10, OUT0,
	.state = SR)

/* first check: unacceptable → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
MX_CASE(syn_received, ack_old_seq, .flags = F_ACK, .seq = AT(RCV_NXT, -1), .ack = OK_ACK,
	OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received, ack_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND),
	.ack = OK_ACK, OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received, data_old, .flags = F_ACK, .seq = AT(RCV_NXT, -10), .ack = OK_ACK,
	.len = 10, OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received, data_at_right_edge, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND),
	.ack = OK_ACK, .len = 1, OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received, syn_at_right_edge, .flags = F_SYN, .seq = AT(RCV_NXT, MX_WND),
	OUT_ACK_NOW, .state = SR)
/* the peer's SYN again (SEG.SEQ = IRS, left of the window): the RFC's answer is the ACK
 * <SEQ=ISS+1><ACK=RCV.NXT> of the first check; synack resends the SYN,ACK <SEQ=ISS>
 * <ACK=IRS+1>, as Linux's tcp_check_req does for a retransmitted SYN (the peer, still in
 * SYN-SENT, would drop a bare ACK: §3.10.7.3). A deviation the lead chose
 * (notes/REQUESTS.md, decision 4); the entry stays in SYN-RECEIVED. */
MX_CASE(syn_received, syn_retransmitted, .flags = F_SYN, .seq = AT(RCV_NXT, -1),
	OUT1(F_SYN | F_ACK, AT(ISS, 0), AT(RCV_NXT, 0), MX_WND), .state = SR)

/* second check, SYN-RECEIVED (RFC 5961 §3.2): RST at RCV.NXT: "If this connection was
 * initiated with a passive OPEN ... return this connection to LISTEN state and return.
 * The user need not be informed"; in the window elsewhere → challenge ACK; outside →
 * dropped */
MX_CASE(syn_received, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0, GONE)
MX_CASE(syn_received, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = OK_ACK, OUT0, GONE)
/* the half-open entry sends the challenge ACK too (fixed in fb0dc39, a regression of
 * c531365) */
MX_CASE(syn_received, rst_in_window, .flags = F_RST, .seq = AT(RCV_NXT, 1), OUT_ACK_NOW,
	.state = SR)
MX_CASE(syn_received, rst_right_edge_inside, .flags = F_RST,
	.seq = AT(RCV_NXT, MX_WND - 1), OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received, rst_at_right_edge, .flags = F_RST, .seq = AT(RCV_NXT, MX_WND), OUT0,
	.state = SR)
MX_CASE(syn_received, rst_old, .flags = F_RST, .seq = AT(RCV_NXT, -1), OUT0, .state = SR)

/* fourth check, SYN-RECEIVED: "If the connection was initiated with a passive OPEN,
 * then return this connection to the LISTEN state and return" (a SYN in the window) */
MX_CASE(syn_received, syn_at_rcv_nxt, .flags = F_SYN, .seq = AT(RCV_NXT, 0), OUT0, GONE)
MX_CASE(syn_received, syn_in_window, .flags = F_SYN, .seq = AT(RCV_NXT, 100), OUT0, GONE)
MX_CASE(syn_received, syn_ack_in_window, .flags = F_SYN | F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = OK_ACK, OUT0, GONE)
MX_CASE(syn_received, syn_fin_in_window, .flags = F_SYN | F_FIN, .seq = AT(RCV_NXT, 100),
	OUT0, GONE)

/* The fixture through the listing: one listener and one descriptor-less SYN-RECEIVED
 * entry for the peer, with the SYN-ACK retransmission timer at RTO 1 s (RFC 6298 2.1). */
Test(matrix_syn_received, syn_received_fixture_listing)
{
	struct synack_sock_info info[4];
	struct mx m;

	mx_fix_syn_received(&m);
	cr_assert_eq(synack_sock_list(m.h.s, info, 4), 2u);
	cr_assert_eq(info[0].state, SYNACK_STATE_LISTEN);
	cr_assert_eq(info[1].fd, -1);
	cr_assert_eq(info[1].state, SYNACK_STATE_SYN_RECEIVED);
	cr_assert_eq(info[1].raddr, THEM);
	cr_assert_eq(info[1].rport, PEER_PORT);
	cr_assert_eq(info[1].lport, SRV_PORT);
	cr_assert_eq(info[1].timer, SYNACK_TIMER_SYNACK);
	cr_assert_eq(info[1].timer_deadline_ns, m.h.now + SEC);
	h_fini(&m.h);
}

/* ---- active (simultaneous open) ----------------------------------------------------- */

static void mx_fix_syn_received_active(struct mx *m)
{
	mx_fix_syn_sent(m);
	mx_send(m, F_SYN, PEER_ISN, 0);
	EXPECT_SEG(&m->h, F_SYN | F_ACK, m->iss, R0, MX_WND);
	EXPECT_NONE(&m->h);
	m->rcv_nxt = R0;
	m->has_rcv_nxt = true;
	m->state = SR;
	m->state_name = "SYN-RECEIVED (active)";
}

/* second check, active OPEN: "the connection was refused; signal the user 'connection
 * refused' ... enter the CLOSED state" */
MX_CASE(syn_received_active, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNREFUSED, .ev = SYNACK_EV_RESET)
MX_CASE(syn_received_active, rst_in_window, .flags = F_RST, .seq = AT(RCV_NXT, 1),
	OUT_ACK_NOW, .state = SR)
/* fifth check: an acceptable ACK completes the handshake (the peer's SYN,ACK of Figure 8
 * line 4 is one) */
MX_CASE(syn_received_active, ack, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = OK_ACK,
	OUT0, .state = SYNACK_STATE_ESTABLISHED, .ev = SYNACK_EV_CONNECTED)
MX_CASE(syn_received_active, syn_ack, .flags = F_SYN | F_ACK, .seq = AT(RCV_NXT, -1),
	.ack = OK_ACK, OUT0, .state = SYNACK_STATE_ESTABLISHED, .ev = SYNACK_EV_CONNECTED)
MX_CASE(syn_received_active, ack_ack_beyond, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(ISS, 2), OUT1(F_RST, AT(SEG_ACK, 0), AT(ABS, 0), 0), .state = SR)
/* fourth check, active OPEN: "handle per the directions for synchronized states":
 * RFC 5961 §4 challenge ACK */
MX_CASE(syn_received_active, syn_in_window, .flags = F_SYN, .seq = AT(RCV_NXT, 100),
	OUT_ACK_NOW, .state = SR)
MX_CASE(syn_received_active, fin_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = OK_ACK, OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_CLOSE_WAIT)
