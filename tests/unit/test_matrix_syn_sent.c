/* test_matrix_syn_sent.c — state × event matrix, SYN-SENT (RFC 9293 §3.10.7.3, RFC 5961
 * §3.2 last paragraphs): our SYN <SEQ=ISS> is out, SND.UNA = ISS, SND.NXT = ISS+1. The
 * ACK field is checked first (acceptable iff SND.UNA < SEG.ACK =< SND.NXT), then RST,
 * then SYN; there is no RCV.NXT yet, so the variants are on SEG.ACK: acceptable (ISS+1),
 * at ISS (=< ISS), old (ISS-1000), beyond SND.NXT (ISS+2). */
#include "matrix.h"

#define SQ AT(ABS, PEER_ISN)
#define OK_ACK AT(ISS, 1)
#define STAY .state = SYNACK_STATE_SYN_SENT
/* first check: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit
 * is set, if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>" */
#define RST_SEG_ACK OUT1(F_RST, AT(SEG_ACK, 0), AT(ABS, 0), 0), STAY

MX_CASE(syn_sent, syn_ack_ack_iss, .flags = F_SYN | F_ACK, .seq = SQ, .ack = AT(ISS, 0),
	RST_SEG_ACK)
MX_CASE(syn_sent, syn_ack_ack_old, .flags = F_SYN | F_ACK, .seq = SQ, .ack = AT(ISS, -1000),
	RST_SEG_ACK)
MX_CASE(syn_sent, syn_ack_ack_beyond, .flags = F_SYN | F_ACK, .seq = SQ, .ack = AT(ISS, 2),
	RST_SEG_ACK)
MX_CASE(syn_sent, ack_ack_iss, .flags = F_ACK, .seq = SQ, .ack = AT(ISS, 0), RST_SEG_ACK)
MX_CASE(syn_sent, ack_ack_beyond, .flags = F_ACK, .seq = SQ, .ack = AT(ISS, 2), RST_SEG_ACK)
MX_CASE(syn_sent, fin_ack_ack_beyond, .flags = F_FIN | F_ACK, .seq = SQ, .ack = AT(ISS, 2),
	RST_SEG_ACK)
MX_CASE(syn_sent, data_ack_ack_old, .flags = F_ACK, .seq = SQ, .ack = AT(ISS, -1000),
	.len = 10, RST_SEG_ACK)

/* second check: RST. "If the ACK was acceptable, then signal to the user 'error:
 * connection reset', drop the segment, enter CLOSED state"; RFC 5961 §3.2: "In the
 * SYN-SENT state ... the RST is acceptable if the ACK field acknowledges the SYN. In all
 * other cases the receiver MUST silently discard the segment." Linux reports
 * ECONNREFUSED for it (a refused connect). */
MX_CASE(syn_sent, rst_ack, .flags = F_RST | F_ACK, .seq = AT(ABS, 0), .ack = OK_ACK, OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNREFUSED, .ev = SYNACK_EV_RESET)
MX_CASE(syn_sent, rst_ack_any_seq, .flags = F_RST | F_ACK, .seq = SQ, .ack = OK_ACK, OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNREFUSED, .ev = SYNACK_EV_RESET)
MX_CASE(syn_sent, rst, .flags = F_RST, .seq = SQ, OUT0, STAY)
MX_CASE(syn_sent, rst_ack_ack_iss, .flags = F_RST | F_ACK, .seq = SQ, .ack = AT(ISS, 0),
	OUT0, STAY)
MX_CASE(syn_sent, rst_ack_ack_beyond, .flags = F_RST | F_ACK, .seq = SQ, .ack = AT(ISS, 2),
	OUT0, STAY)

/* fourth check: SYN with an acceptable ACK: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT>
 * <CTL=ACK>; "If there are other controls or text in the segment, then continue
 * processing at the sixth step" (text taken, FIN processed: CLOSE-WAIT). */
MX_CASE(syn_sent, syn_ack, .flags = F_SYN | F_ACK, .seq = SQ, .ack = OK_ACK,
	OUT1(F_ACK, AT(ISS, 1), AT(ABS, PEER_ISN + 1), MX_WND),
	.state = SYNACK_STATE_ESTABLISHED, .ev = SYNACK_EV_CONNECTED,
	.check_una = true, .una = AT(ISS, 1))
MX_CASE(syn_sent, syn_ack_data, .flags = F_SYN | F_ACK, .seq = SQ, .ack = OK_ACK, .len = 10,
	OUT1(F_ACK, AT(ISS, 1), AT(ABS, PEER_ISN + 11), MX_WND),
	.state = SYNACK_STATE_ESTABLISHED, .ev = SYNACK_EV_CONNECTED, .check_recv = true)
MX_CASE(syn_sent, syn_fin_ack, .flags = F_SYN | F_FIN | F_ACK, .seq = SQ, .ack = OK_ACK,
	OUT1(F_ACK, AT(ISS, 1), AT(ABS, PEER_ISN + 2), MX_WND),
	.state = SYNACK_STATE_CLOSE_WAIT, .ev = SYNACK_EV_CONNECTED)
/* fourth check, no ACK: simultaneous open (§3.5 Figure 8): "enter SYN-RECEIVED, form a
 * SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>"; a FIN with it is "queued for
 * processing after the ESTABLISHED state has been reached". */
MX_CASE(syn_sent, syn, .flags = F_SYN, .seq = SQ,
	OUT1(F_SYN | F_ACK, AT(ISS, 0), AT(ABS, PEER_ISN + 1), MX_WND),
	.state = SYNACK_STATE_SYN_RECEIVED)
MX_CASE(syn_sent, syn_fin, .flags = F_SYN | F_FIN, .seq = SQ,
	OUT1(F_SYN | F_ACK, AT(ISS, 0), AT(ABS, PEER_ISN + 1), MX_WND),
	.state = SYNACK_STATE_SYN_RECEIVED)

/* fifth: "if neither of the SYN or RST bits is set, then drop the segment and return"
 * (an acceptable ACK alone, FIN, data) */
MX_CASE(syn_sent, ack, .flags = F_ACK, .seq = SQ, .ack = OK_ACK, OUT0, STAY)
MX_CASE(syn_sent, fin, .flags = F_FIN, .seq = SQ, OUT0, STAY)
MX_CASE(syn_sent, fin_ack, .flags = F_FIN | F_ACK, .seq = SQ, .ack = OK_ACK, OUT0, STAY)
MX_CASE(syn_sent, data, .flags = F_PSH, .seq = SQ, .len = 10, OUT0, STAY)
MX_CASE(syn_sent, data_ack, .flags = F_ACK | F_PSH, .seq = SQ, .ack = OK_ACK, .len = 10,
	OUT0, STAY)
