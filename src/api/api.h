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
	uint16_t gen;
	uint32_t next_free;     /* index of the next free slot, UINT32_MAX at the end */
};

struct synack_stack {
	struct tcp_stack tcp;
	struct api_slot *slots;
	uint32_t nslots;        /* slots allocated */
	uint32_t used;
	uint32_t free_head;
};

/* The tcb a live descriptor names, or NULL (stale, never issued, out of range). */
struct tcb *api_tcb(struct synack_stack *s, int fd);
/* Releases a descriptor's slot (the tcb is not touched). */
void api_release(struct synack_stack *s, int fd);

#endif
