/* test_matrix_established.c — state × event matrix, ESTABLISHED (RFC 9293 §3.10.7.4,
 * RFC 5961 §3–5): passive open, accepted, 100 bytes of ours in flight (SND.UNA = ISS+1,
 * SND.NXT = ISS+101), RCV.NXT = 1001, RCV.WND = 65535. The cases common to the
 * synchronized states come from MX_SYNC_COMMON (matrix.h); the ones below are those whose
 * answer is ESTABLISHED's own. */
#include "matrix.h"

#define EST SYNACK_STATE_ESTABLISHED
#define OK_ACK AT(SND_UNA, 50)

MX_SYNC_COMMON(established, EST, OK_ACK)

/* §3.10.7.4 second check, ESTABLISHED: RST at RCV.NXT (RFC 5961 §3.2 2)): "any
 * outstanding RECEIVEs and SEND should receive 'reset' responses ... Enter the CLOSED
 * state"; the ACK field of a RST is not checked first (the RST check comes before the
 * ACK check) */
MX_CASE(established, rst_at_rcv_nxt, .flags = F_RST, .seq = AT(RCV_NXT, 0), OUT0,
	.state = SYNACK_STATE_CLOSED, .err = ECONNRESET, .ev = SYNACK_EV_RESET)
MX_CASE(established, rst_ack_at_rcv_nxt, .flags = F_RST | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), OUT0, .state = SYNACK_STATE_CLOSED, .err = ECONNRESET,
	.ev = SYNACK_EV_RESET)
MX_CASE(established, rst_ack_at_rcv_nxt_ack_beyond, .flags = F_RST | F_ACK,
	.seq = AT(RCV_NXT, 0), .ack = AT(SND_NXT, 1000), OUT0, .state = SYNACK_STATE_CLOSED,
	.err = ECONNRESET, .ev = SYNACK_EV_RESET)

/* fifth check, ESTABLISHED: "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <-
 * SEG.ACK"; nothing to send (no data queued) */
MX_CASE(established, ack_acceptable, .flags = F_ACK, .seq = AT(RCV_NXT, 0), .ack = OK_ACK,
	OUT0, .state = EST, .check_una = true, .una = AT(SND_UNA, 50))
MX_CASE(established, ack_snd_nxt, .flags = F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_NXT, 0), OUT0, .state = EST, .check_una = true, .una = AT(SND_NXT, 0))
/* Table 6, length 0, window > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND is acceptable */
MX_CASE(established, ack_in_window_seq, .flags = F_ACK, .seq = AT(RCV_NXT, 100),
	.ack = OK_ACK, OUT0, .state = EST, .check_una = true, .una = AT(SND_UNA, 50))
MX_CASE(established, ack_right_edge_inside, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND - 1),
	.ack = OK_ACK, OUT0, .state = EST, .check_una = true, .una = AT(SND_UNA, 50))

/* seventh check: text at RCV.NXT is taken; "Send an acknowledgment ... piggybacked ...
 * if possible without incurring undue delay": the first data segments of a connection
 * are ACKed at once (Linux's quick-ACK mode; later ones wait up to delayed_ack_ms, see
 * test_stream_rcv_ack.c) */
MX_CASE(established, data, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0), .ack = OK_ACK,
	.len = 10, OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 10), MX_WND),
	.state = EST, .check_recv = true, .ev = SYNACK_EV_READABLE,
	.check_una = true, .una = AT(SND_UNA, 50))
/* first check "If a segment's contents straddle the boundary between old and new, only
 * the new parts are processed": 5 old bytes, 5 new (ACKed at once: quick-ACK mode) */
MX_CASE(established, data_left_edge_overlap, .flags = F_ACK, .seq = AT(RCV_NXT, -5),
	.ack = OK_ACK, .len = 10,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 5), MX_WND), .state = EST)
/* in the window, not at RCV.NXT: MAY-13 "send an ACK segment acknowledging RCV.NXT"
 * (Linux does, at once: out-of-order data) */
MX_CASE(established, data_in_window, .flags = F_ACK, .seq = AT(RCV_NXT, 10), .ack = OK_ACK,
	.len = 10, OUT_ACK_NOW, .state = EST)
MX_CASE(established, data_right_edge_inside, .flags = F_ACK, .seq = AT(RCV_NXT, MX_WND - 1),
	.ack = OK_ACK, .len = 1, OUT_ACK_NOW, .state = EST)
/* Table 6: the last byte inside the window makes it acceptable (then trimmed) */
MX_CASE(established, data_straddling_right_edge, .flags = F_ACK,
	.seq = AT(RCV_NXT, MX_WND - 5), .ack = OK_ACK, .len = 10, OUT_ACK_NOW, .state = EST)
MX_CASE(established, data_ack_too_old, .flags = F_ACK | F_PSH, .seq = AT(RCV_NXT, 0),
	.ack = AT(SND_UNA, -70000), .len = 10, OUT_ACK_NOW, .state = EST)

/* eighth check, ESTABLISHED: FIN at RCV.NXT: "advance RCV.NXT over the FIN, and send an
 * acknowledgment for the FIN ... Enter the CLOSE-WAIT state" */
MX_CASE(established, fin_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0), .ack = OK_ACK,
	OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 1), MX_WND),
	.state = SYNACK_STATE_CLOSE_WAIT, .ev = SYNACK_EV_READABLE)
MX_CASE(established, fin_data_ack, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 0),
	.ack = OK_ACK, .len = 10, OUT1(F_ACK, AT(SND_NXT, 0), AT(RCV_NXT, 11), MX_WND),
	.state = SYNACK_STATE_CLOSE_WAIT, .check_recv = true)
/* a FIN in the window beyond RCV.NXT cannot be processed yet ("Segments with higher
 * beginning sequence numbers SHOULD be held", SHLD-31); MAY-13 ACK of RCV.NXT, as for
 * out-of-order data (Linux: ofo queue, immediate dup ACK); fixed in fb0dc39 */
MX_CASE(established, fin_ack_in_window, .flags = F_FIN | F_ACK, .seq = AT(RCV_NXT, 10),
	.ack = OK_ACK, OUT_ACK_NOW, .state = EST)
