/* test_matrix_closed.c — state × event matrix, CLOSED (RFC 9293 §3.10.7.1): segments to
 * a port with no socket (an unbound socket and a listener on another port exist). Every
 * segment without RST is answered with a RST made acceptable to its sender; a RST is
 * dropped. Sequence variants do not exist here (no TCB, nothing to compare with), so the
 * variants are the ACK bit, the lengths that SEG.LEN counts, and wrap-around. */
#include "matrix.h"

#define SQ AT(ABS, PEER_ISN)
#define AK AT(ABS, 5000)
/* "If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>" */
#define RST_ACK_END OUT1(F_RST | F_ACK, AT(ABS, 0), AT(SEG_END, 0), 0)
/* "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>" */
#define RST_SEG_ACK OUT1(F_RST, AT(SEG_ACK, 0), AT(ABS, 0), 0)
#define GONE .state = SYNACK_STATE_CLOSED

/* §3.10.7.1: "An incoming segment not containing a RST causes a RST to be sent". */
MX_CASE(closed, syn, .flags = F_SYN, .seq = SQ, RST_ACK_END, GONE)
MX_CASE(closed, syn_ack, .flags = F_SYN | F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK, GONE)
MX_CASE(closed, syn_fin, .flags = F_SYN | F_FIN, .seq = SQ, RST_ACK_END, GONE)
MX_CASE(closed, syn_data, .flags = F_SYN, .seq = SQ, .len = 5, RST_ACK_END, GONE)
MX_CASE(closed, ack, .flags = F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK, GONE)
MX_CASE(closed, ack_zero, .flags = F_ACK, .seq = SQ, .ack = AT(ABS, 0), RST_SEG_ACK, GONE)
MX_CASE(closed, fin, .flags = F_FIN, .seq = SQ, RST_ACK_END, GONE)
MX_CASE(closed, fin_ack, .flags = F_FIN | F_ACK, .seq = SQ, .ack = AK, RST_SEG_ACK, GONE)
MX_CASE(closed, data, .flags = F_PSH, .seq = SQ, .len = 10, RST_ACK_END, GONE)
MX_CASE(closed, data_ack, .flags = F_ACK | F_PSH, .seq = SQ, .ack = AK, .len = 10,
	RST_SEG_ACK, GONE)
/* SEG.SEQ+SEG.LEN wraps modulo 2^32 (§3.4) */
MX_CASE(closed, syn_seq_wrap, .flags = F_SYN, .seq = AT(ABS, 0xffffffffu), RST_ACK_END,
	GONE)
MX_CASE(closed, data_seq_wrap, .flags = F_PSH, .seq = AT(ABS, 0xfffffffdu), .len = 10,
	RST_ACK_END, GONE)
/* §3.10.7.1: "An incoming segment containing a RST is discarded." */
MX_CASE(closed, rst, .flags = F_RST, .seq = SQ, OUT0, GONE)
MX_CASE(closed, rst_ack, .flags = F_RST | F_ACK, .seq = SQ, .ack = AK, OUT0, GONE)

/* The fixture seen through the listing: only the unbound socket and the listener on
 * 8080, nothing for port 80; after a SYN there is still nothing for it. */
Test(matrix_closed, closed_fixture_listing)
{
	struct synack_sock_info info[8];
	struct mx m;
	size_t n;

	mx_fix_closed(&m);
	mx_send(&m, F_SYN, PEER_ISN, 0);
	EXPECT_SEG(&m.h, F_RST | F_ACK, 0, PEER_ISN + 1, 0);
	n = synack_sock_list(m.h.s, info, 8);
	cr_assert_eq(n, 2u);
	cr_assert_eq(info[0].state, SYNACK_STATE_CLOSED);
	cr_assert_eq(info[0].lport, 0);
	cr_assert_eq(info[1].state, SYNACK_STATE_LISTEN);
	cr_assert_eq(info[1].lport, 8080);
	cr_assert_eq(synack_counter(m.h.s, SYNACK_CTR_TCP_NO_LISTENER), 1);
	h_fini(&m.h);
}
