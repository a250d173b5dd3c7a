/* test_matrix_closing.c — state × event matrix, CLOSING (RFC 9293 §3.10.7.4, §3.6
 * simultaneous close): FIN-WAIT-1, then the peer's FIN that does not acknowledge ours:
 * SND.UNA = ISS+1, SND.NXT = ISS+2, RCV.NXT = 1002. */
#include "matrix.h"

#define CL SYNACK_STATE_CLOSING

MX_SYNC_COMMON(closing, CL, AT(SND_UNA, 0))

/* second check, CLOSING: "If the RST bit is set, then enter the CLOSED state, delete the
 * TCB, and return" (no user signal in this group) */
MX_CASE(closing, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED)
MX_CASE(closing, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), OUT0, .state = SYNACK_STATE_CLOSED)

/* fifth check, CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT
 * state; otherwise, ignore the segment" */
MX_CASE(closing, ack_fin, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AT(SND_NXT, 0),
	OUT0, .state = SYNACK_STATE_TIME_WAIT, .check_2msl = true)
MX_CASE(closing, ack_fin_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = AT(SND_NXT, 0), OUT0, .state = SYNACK_STATE_TIME_WAIT)
/* first check: the peer's FIN retransmitted (SEG.SEQ = RCV.NXT-1) → ACK */
MX_CASE(closing, fin_ack_retransmitted, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -1),
	.ack = AT(SND_UNA, 0), OUT_ACK_NOW, .state = CL)
/* seventh check, CLOSING: "Ignore the segment text" */
MX_CASE(closing, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), .len = 10, OUT0, .state = CL)
