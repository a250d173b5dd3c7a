/*
 * api.h — the socket layer's private state: the stack object behind the public
 * struct synack_stack, and the descriptor table.
 *
 * Descriptors: fd = generation << 16 | slot. A slot's generation increases when it is
 * freed, so an old descriptor naming a reused slot fails with -EBADF.
 */
#ifndef SYNACK_API_API_H
#define SYNACK_API_API_H

#include "tcp/tcb.h"

#define API_SLOT_BITS 16
#define API_GEN_MASK 0x7fffu

struct api_slot {
	struct tcb *tcb;        /* NULL when free */
	uint32_t fd;            /* generation << API_SLOT_BITS | index: the descriptor while
	                         * live, the next one while free (api_tcb: one compare) */
	uint32_t next_free;     /* index of the next free slot, UINT32_MAX at the end */
	/* the last synack_send_reserve (zerocopy.c): where the space began, how long it
	 * was, and the sequence number of its first byte; zc_len 0: none outstanding */
	uint8_t *zc_ptr;
	uint32_t zc_len;
	uint32_t zc_seq;
};

struct synack_stack {
	struct tcp_stack tcp;
	struct api_slot *slots;
	uint32_t nslots;        /* slots allocated */
	uint32_t used;
	uint32_t free_head;
	uint8_t *gro_buf;       /* 65535 bytes, taken at the first GRO burst (offload.c) */
	bool no_gro_place;      /* GRO merges into gro_buf only (offload.c; tests compare) */
};

/* The tcb a live descriptor names, or NULL (stale, never issued, out of range). */
struct tcb *api_tcb(struct synack_stack *s, int fd);
/* Releases a descriptor's slot (the tcb is not touched). */
void api_release(struct synack_stack *s, int fd);

/* Drops fd's outstanding zero-copy send reservation (zerocopy.c): send() wrote where it
 * pointed. fd must name a live slot. */
void api_zc_forget(struct synack_stack *s, int fd);

/* Records the IP ECN field of the datagram about to reach tcp_input (tos: its TOS
 * byte) in ts->rx_ecn and counts ECT / CE (RFC 3168 §5). */
static inline void api_rx_ecn(struct tcp_stack *ts, uint8_t tos)
{
	ts->rx_ecn = tos & 3;
	if (ts->rx_ecn)
		tcp_count(ts, ts->rx_ecn == 3 ? SYNACK_CTR_IP_CE : SYNACK_CTR_IP_ECT);
}

/* GRO's rules (offload.c), apart for the tests: whether a checked segment may begin
 * a merge (payload, ACK with at most PSH, no urgent pointer), and whether seg (its TCP
 * header at hdr, addresses src -> dst) may join the held segment h (TCP header at
 * h_hdr, first piece `piece` bytes, `ended` after a short piece or a PSH): same flow,
 * next in sequence, same ACK, window, reserved bits and option bytes, ACK with at most
 * PSH, no longer than the first piece, 65535 bytes in all at most. */
bool api_gro_may_start(const struct wire_tcp *seg);
bool api_gro_may_merge(const struct wire_tcp *h, const uint8_t *h_hdr, uint32_t h_src,
		       uint32_t h_dst, uint32_t piece, bool ended, const struct wire_tcp *seg,
		       const uint8_t *hdr, uint32_t src, uint32_t dst);

#endif
