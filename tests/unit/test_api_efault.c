/* test_api_efault.c — a NULL buffer with a non-zero length is -EFAULT (Linux's errno for
 * a bad user buffer), never a crash, and changes nothing: the connection goes on. */
#include "harness.h"

Test(api_efault, send_recv_null_buffer_on_established)
{
	struct harness h;
	uint32_t iss;
	int fd;
	char buf[4];

	h_init(&h);
	fd = h_passive_est(&h, NULL, &iss);
	cr_assert_eq(synack_send(h.s, fd, NULL, 5, 0), -EFAULT);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 5, 0), -EFAULT);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 5, SYNACK_MSG_PEEK), -EFAULT);
	EXPECT_NONE(&h);
	/* zero length with NULL is fine, as in Linux: nothing to copy */
	cr_assert_eq(synack_send(h.s, fd, NULL, 0, 0), 0);
	cr_assert_eq(synack_send(h.s, fd, "ab", 2, 0), 2);
	EXPECT_SEG(&h, F_PSH | F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	cr_assert_eq(h.out.payload_len, 2u);
	h_send_data(&h, PEER_PORT, SRV_PORT, F_PSH | F_ACK, PEER_ISN + 1, iss + 3, 8192, "xyz", 3);
	cr_assert_eq(synack_recv(h.s, fd, NULL, 3, 0), -EFAULT);
	cr_assert_eq(synack_recv(h.s, fd, buf, sizeof buf, 0), 3);
	cr_assert_eq(memcmp(buf, "xyz", 3), 0);
	h_fini(&h);
}
