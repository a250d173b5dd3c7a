/* test_matrix_listen.c — state × event matrix, LISTEN (RFC 9293 §3.10.7.2): a listener on
 * *:80. The checks run in the RFC's order — RST, then ACK, then SYN, then "other" — so a
 * segment carrying several of these bits is judged by the first. There is no RCV.NXT
 * yet, so the sequence variants are only the wrap-around of SEG.SEQ+1. "State after" is
 * the state of the 4-tuple (a half-open SYN-RECEIVED entry, or none); the listener must
 * stay in LISTEN in every case. */
#include "matrix.h"

#define SQ AT(ABS, PEER_ISN)
#define AK AT(ABS, 5000)
#define NONE .state = SYNACK_STATE_CLOSED
/* §3.10.7.2 third: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, RCV.NXT = SEG.SEQ+1 */
#define SYNACK_OUT OUT1(F_SYN | F_ACK, AT(NEW_ISS, 0), AT(SEG_SEQ, 1), MX_WND), \
	.state = SYNACK_STATE_SYN_RECEIVED

/* §3.10.7.2 first: "An incoming RST should be ignored. Return." */
MX_CASE(listen, rst, .flags = F_RST, .seq = SQ, OUT0, NONE)
MX_CASE(listen, rst_ack, .flags = F_RST | F_ACK, .seq = SQ, .ack = AK, OUT0, NONE)
MX_CASE(listen, syn_rst, .flags = F_SYN | F_RST, .seq = SQ, OUT0, NONE)

/* §3.10.7.2 second: "Any acknowledgment is bad if it arrives on a connection still in
 * the LISTEN state ... <SEQ=SEG.ACK><CTL=RST>" (before the SYN check: a SYN,ACK too) */
#define RST_SEG_ACK OUT1(F_RST, AT(SEG_ACK, 0), AT(ABS, 0), 0), NONE
MX_CASE(listen, ack, .flags = F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK)
MX_CASE(listen, syn_ack, .flags = F_SYN | F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK)
MX_CASE(listen, fin_ack, .flags = F_FIN | F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK)
MX_CASE(listen, data_ack, .flags = F_ACK | F_PSH, .seq = SQ, .ack = AK, .len = 10,
	RST_SEG_ACK)

/* §3.10.7.2 third: a SYN makes a SYN-RECEIVED connection and is answered with SYN,ACK.
 * "any other control or text should be queued for processing later": the SYN,ACK still
 * acknowledges SEG.SEQ+1 only (text on a SYN is not acknowledged by it). */
MX_CASE(listen, syn, .flags = F_SYN, .seq = SQ, SYNACK_OUT)
MX_CASE(listen, syn_data, .flags = F_SYN, .seq = SQ, .len = 10, SYNACK_OUT)
/* SYN,FIN: the RFC would process the SYN and queue the FIN; synack drops it, as Linux's
 * tcp_rcv_state_process does in LISTEN (`if (th->fin) goto discard` before
 * conn_request) — a deviation the lead chose (notes/REQUESTS.md, decision 1), within
 * SCENARIOS.md S26 (odd flag sets "handled by RFC 9293's rules or dropped"). Nothing is
 * sent and no connection is made. */
MX_CASE(listen, syn_fin, .flags = F_SYN | F_FIN, .seq = SQ, OUT0, NONE)
MX_CASE(listen, syn_seq_wrap, .flags = F_SYN, .seq = AT(ABS, 0xffffffffu), SYNACK_OUT)

/* §3.10.7.2 fourth: "Any other control or data-bearing segment (not containing SYN)
 * ... Drop the segment and return." */
MX_CASE(listen, fin, .flags = F_FIN, .seq = SQ, OUT0, NONE)
MX_CASE(listen, data, .flags = F_PSH, .seq = SQ, .len = 10, OUT0, NONE)
