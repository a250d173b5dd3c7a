/* test_matrix_fin_wait_1.c — state × event matrix, FIN-WAIT-1 (RFC 9293 §3.10.7.4,
 * RFC 5961): ESTABLISHED, then shutdown(SHUT_WR): our FIN <SEQ=ISS+1> unacknowledged
 * (SND.UNA = ISS+1, SND.NXT = ISS+2), RCV.NXT = 1001. The descriptor stays open, so data
 * is still received. */
#include "matrix.h"

#define FW1 SYNACK_STATE_FIN_WAIT_1
#define ACK_FIN AT(SND_NXT, 0)

MX_SYNC_COMMON(fin_wait_1, FW1, AT(SND_UNA, 0))

/* second check, FIN-WAIT-1 is in the "reset" group: ECONNRESET, CLOSED */
MX_CASE(fin_wait_1, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNRESET, .ev = SYNACK_EV_RESET)
MX_CASE(fin_wait_1, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = ACK_FIN, OUT0, .state = SYNACK_STATE_CLOSED, .err = ECONNRESET,
	.ev = SYNACK_EV_RESET)

/* fifth check, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter
 * FIN-WAIT-2" — nothing is sent */
MX_CASE(fin_wait_1, ack_fin, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = ACK_FIN, OUT0,
	.state = SYNACK_STATE_FIN_WAIT_2, .check_una = true, .una = AT(SND_NXT, 0))
MX_CASE(fin_wait_1, ack_fin_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = ACK_FIN, OUT0, .state = SYNACK_STATE_FIN_WAIT_2)

/* seventh check: FIN-WAIT-1 still receives text (ACKed at once: the first data of the
 * connection, Linux's quick-ACK mode) */
MX_CASE(fin_wait_1, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 10), MX_WND), .state = FW1,
	.check_recv = true)
MX_CASE(fin_wait_1, data_acking_fin, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = ACK_FIN, .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 10), MX_WND),
	.state = SYNACK_STATE_FIN_WAIT_2, .check_recv = true)
/* MAY-13: out-of-order data gets an ACK of RCV.NXT at once */
MX_CASE(fin_wait_1, data_in_window, .flags = F_ACK, .seq = AT(RCV_NXT, 10),
	.ack = AT(SND_UNA, 0), .len = 10, OUT_ACK_NOW, .state = FW1)

/* eighth check, FIN-WAIT-1: "If our FIN has been ACKed (perhaps in this segment), then
 * enter TIME-WAIT, start the time-wait timer ...; otherwise, enter the CLOSING state";
 * the FIN is acknowledged at once */
MX_CASE(fin_wait_1, fin_ack_acking_fin, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = ACK_FIN, OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_TIME_WAIT, .check_2msl = true, .ev = SYNACK_EV_CLOSED)
MX_CASE(fin_wait_1, fin_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_CLOSING)
MX_CASE(fin_wait_1, fin_data_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, 0), .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 11), MX_WND),
	.state = SYNACK_STATE_CLOSING, .check_recv = true)
