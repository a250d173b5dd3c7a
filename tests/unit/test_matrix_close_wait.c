/* test_matrix_close_wait.c — state × event matrix, CLOSE-WAIT (RFC 9293 §3.10.7.4,
 * RFC 5961): ESTABLISHED, then the peer's FIN <SEQ=1001> acknowledged: RCV.NXT = 1002,
 * SND.UNA = SND.NXT = ISS+1. */
#include "matrix.h"

#define CW SYNACK_STATE_CLOSE_WAIT

MX_SYNC_COMMON(close_wait, CW, AT(SND_NXT, 0))

/* second check, CLOSE-WAIT is in the "reset" group: "connection reset" */
MX_CASE(close_wait, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNRESET, .ev = SYNACK_EV_RESET)
MX_CASE(close_wait, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), OUT0, .state = SYNACK_STATE_CLOSED, .err = ECONNRESET,
	.ev = SYNACK_EV_RESET)

/* first check: the peer's FIN again (our ACK was lost): SEG.SEQ = RCV.NXT-1 is not
 * acceptable → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
MX_CASE(close_wait, fin_ack_retransmitted, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, -1),
	.ack = AT(SND_NXT, 0), OUT_ACK_NOW, .state = CW)
MX_CASE(close_wait, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = AT(SND_NXT, 0), OUT0, .state = CW)
/* seventh check, CLOSE-WAIT: "This should not occur since a FIN has been received from
 * the remote side. Ignore the segment text." (Linux: ignored, nothing sent) */
MX_CASE(close_wait, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), .len = 10, OUT0, .state = CW)
