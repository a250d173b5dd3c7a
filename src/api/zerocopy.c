/*
 * zerocopy.c — zero-copy send and receive (synack.h: synack_send_reserve/commit,
 * synack_recv_view/consume): the application writes straight into the connection's
 * send ring and reads straight from its receive ring, as production userspace stacks
 * offer it. Committing n bytes is SEND (RFC 9293 §3.10.2) of those n bytes and
 * consuming n bytes is RECEIVE (§3.10.3) of them: the same tcp_user_send and
 * tcp_user_recv run with the copy left out (buf NULL), so the errno values, SO_ERROR,
 * window updates, receive-buffer autotuning, urgent data (in line) and end of stream
 * are those of synack_send()/synack_recv() by construction.
 *
 * A reservation is recorded in the descriptor's slot (the pointer handed out, its
 * length, the sequence number of its first byte). A commit takes the bytes in place only
 * while the send ring still ends at that pointer and that sequence number: a stale
 * reservation (the ring was released when everything was acknowledged, send() wrote
 * there, another reservation replaced it) is refused with -EINVAL, so bytes the
 * application did not write never reach the wire.
 */
#include <errno.h>

#include "api/api.h"

static struct api_slot *slot_of(struct synack_stack *s, int fd)
{
	return &s->slots[(uint32_t)fd & ((1u << API_SLOT_BITS) - 1)];
}

void api_zc_forget(struct synack_stack *s, int fd)
{
	slot_of(s, fd)->zc_len = 0;
}

/* Where the next byte given to SEND goes, and its sequence number. */
static uint8_t *send_end(const struct tcb *tcb)
{
	const struct ring *r = &tcb->sndbuf;

	return r->buf ? r->buf + ((r->head + r->len) & (r->cap - 1)) : NULL;
}

static uint32_t send_end_seq(const struct tcb *tcb)
{
	return tcp_sndbuf_seq(tcb) + ring_len(&tcb->sndbuf);
}

/* The two pieces of n bytes of r's storage starting at offset off from head (the second
 * empty unless they wrap at the end of the storage). */
static void pieces(const struct ring *r, uint32_t off, uint32_t n, struct synack_iovec iov[2])
{
	uint32_t at = (r->head + off) & (r->cap - 1);
	uint32_t first = r->cap - at < n ? r->cap - at : n;

	iov[0] = (struct synack_iovec){r->buf + at, first};
	iov[1] = (struct synack_iovec){first < n ? r->buf : NULL, n - first};
}

ssize_t synack_send_reserve(struct synack_stack *s, int fd, struct synack_iovec iov[2])
{
	struct tcb *tcb = api_tcb(s, fd);
	struct api_slot *sl;
	long room;

	if (!tcb)
		return -EBADF;
	if (!iov)
		return -EFAULT;
	iov[0] = iov[1] = (struct synack_iovec){NULL, 0};
	sl = slot_of(s, fd);
	sl->zc_len = 0;
	room = tcp_user_send_room(&s->tcp, tcb);     /* send()'s checks, the ring's growth */
	if (room < 0)
		return room;
	pieces(&tcb->sndbuf, ring_len(&tcb->sndbuf), (uint32_t)room, iov);
	sl->zc_ptr = iov[0].base;
	sl->zc_len = (uint32_t)room;
	sl->zc_seq = send_end_seq(tcb);
	return room;
}

ssize_t synack_send_commit(struct synack_stack *s, int fd, size_t n)
{
	struct tcb *tcb = api_tcb(s, fd);
	struct api_slot *sl;
	bool is_valid;
	long room;

	if (!tcb)
		return -EBADF;
	sl = slot_of(s, fd);
	is_valid = n <= sl->zc_len && sl->zc_ptr == send_end(tcb) &&
		   sl->zc_seq == send_end_seq(tcb);
	sl->zc_len = 0;
	if (is_valid || n == 0)
		return tcp_user_send(&s->tcp, tcb, NULL, n, false);
	/* the state's errno first, as send() would give it; else the reservation's */
	room = tcp_user_send_room(&s->tcp, tcb);
	return room < 0 ? room : -EINVAL;
}

ssize_t synack_recv_view(struct synack_stack *s, int fd, struct synack_iovec iov[2])
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (!iov)
		return -EFAULT;
	iov[0] = iov[1] = (struct synack_iovec){NULL, 0};
	if (ring_len(&tcb->rcvbuf) && !tcb->rd_shut) {
		pieces(&tcb->rcvbuf, 0, ring_len(&tcb->rcvbuf), iov);
		return ring_len(&tcb->rcvbuf);
	}
	/* nothing readable: what recv(MSG_PEEK) says (SO_ERROR left for consume/recv) */
	return tcp_user_recv(&s->tcp, tcb, NULL, 0, true);
}

ssize_t synack_recv_consume(struct synack_stack *s, int fd, size_t n)
{
	struct tcb *tcb = api_tcb(s, fd);

	if (!tcb)
		return -EBADF;
	if (ring_len(&tcb->rcvbuf) && !tcb->rd_shut && n > ring_len(&tcb->rcvbuf))
		return -EINVAL;
	return tcp_user_recv(&s->tcp, tcb, NULL, n, false);
}
