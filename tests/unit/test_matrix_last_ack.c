/* test_matrix_last_ack.c — state × event matrix, LAST-ACK (RFC 9293 §3.10.7.4):
 * CLOSE-WAIT, then shutdown(SHUT_WR): our FIN <SEQ=ISS+1> unacknowledged, SND.UNA = ISS+1,
 * SND.NXT = ISS+2, RCV.NXT = 1002. The descriptor stays open. */
#include "matrix.h"

#define LA SYNACK_STATE_LAST_ACK

MX_SYNC_COMMON(last_ack, LA, AT(SND_UNA, 0))

/* second check, LAST-ACK: "enter the CLOSED state, delete the TCB, and return" */
MX_CASE(last_ack, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED)
MX_CASE(last_ack, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), OUT0, .state = SYNACK_STATE_CLOSED)

/* fifth check, LAST-ACK: "If our FIN is now acknowledged, delete the TCB, enter the
 * CLOSED state, and return" */
MX_CASE(last_ack, ack_fin, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = AT(SND_NXT, 0),
	OUT0, .state = SYNACK_STATE_CLOSED, .ev = SYNACK_EV_CLOSED)
MX_CASE(last_ack, ack_fin_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = AT(SND_NXT, 0), OUT0, .state = SYNACK_STATE_CLOSED)
/* first check: the peer's FIN retransmitted → ACK, stay */
MX_CASE(last_ack, fin_ack_retransmitted, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -1),
	.ack = AT(SND_UNA, 0), OUT_ACK_NOW, .state = LA)
/* seventh check, LAST-ACK: "Ignore the segment text" */
MX_CASE(last_ack, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), .len = 10, OUT0, .state = LA)
