/* test_matrix_fin_wait_2.c — state × event matrix, FIN-WAIT-2 (RFC 9293 §3.10.7.4,
 * RFC 5961): FIN-WAIT-1, then the peer's ACK of our FIN: SND.UNA = SND.NXT = ISS+2,
 * RCV.NXT = 1001. The descriptor stays open (shutdown, not close). */
#include "matrix.h"

#define FW2 SYNACK_STATE_FIN_WAIT_2

MX_SYNC_COMMON(fin_wait_2, FW2, AT(SND_NXT, 0))

/* second check, FIN-WAIT-2 is in the "reset" group */
MX_CASE(fin_wait_2, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNRESET, .ev = SYNACK_EV_RESET)
MX_CASE(fin_wait_2, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), OUT0, .state = SYNACK_STATE_CLOSED, .err = ECONNRESET,
	.ev = SYNACK_EV_RESET)

/* fifth check: nothing outstanding; in-window ACKs change nothing */
MX_CASE(fin_wait_2, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = AT(SND_NXT, 0), OUT0, .state = FW2)

/* seventh check: FIN-WAIT-2 receives text */
MX_CASE(fin_wait_2, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 10), MX_WND), .state = FW2,
	.check_recv = true, .ev = SYNACK_EV_READABLE)
MX_CASE(fin_wait_2, data_in_window, .flags = F_ACK, .seq = AT(RCV_NXT, 10),
	.ack = AT(SND_NXT, 0), .len = 10, OUT_ACK_NOW, .state = FW2)

/* eighth check, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the time-wait timer" and
 * acknowledge the FIN */
MX_CASE(fin_wait_2, fin_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_TIME_WAIT, .check_2msl = true, .ev = SYNACK_EV_CLOSED)
MX_CASE(fin_wait_2, fin_data_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 11), MX_WND),
	.state = SYNACK_STATE_TIME_WAIT, .check_recv = true)
