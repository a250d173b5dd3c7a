/*
 * ephemeral.c — RFC 6056 §3.3.4 Algorithm 4 (double-hash ephemeral port selection): the
 * keyed hash of the 3-tuple and the candidate walk. The exact construction and the
 * deviations from Linux are in ephemeral.h; tcb.c tcp_pick_port checks the candidates.
 */
#include "tcp/ephemeral.h"

#include "base/keyedhash.h"

#define PORT_DOMAIN 0x50 /* 'P': separates F/G from the ISN and the timestamp offset */

uint64_t tcp_port_hash(const uint8_t key[TCP_PORT_KEY_BYTES], uint32_t laddr, uint32_t raddr,
		       uint16_t rport)
{
	uint8_t in[11] = {
		(uint8_t)(laddr >> 24), (uint8_t)(laddr >> 16), (uint8_t)(laddr >> 8), (uint8_t)laddr,
		(uint8_t)(raddr >> 24), (uint8_t)(raddr >> 16), (uint8_t)(raddr >> 8), (uint8_t)raddr,
		(uint8_t)(rport >> 8), (uint8_t)rport, PORT_DOMAIN,
	};

	return base_siphash24(key, in, sizeof in);
}

uint64_t tcp_port_hash_fill(struct tcp_port_table *t, const uint8_t key[TCP_PORT_KEY_BYTES],
			    uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	t->memo_h = tcp_port_hash(key, laddr, raddr, rport);
	t->memo_laddr = laddr;
	t->memo_raddr = raddr;
	t->memo_rport = rport;
	t->memo_valid = true;
	return t->memo_h;
}

void tcp_port_walk_init(struct tcp_port_walk *w, struct tcp_port_table *t, uint64_t h,
			uint16_t lo, uint16_t hi)
{
	w->counter = &t->perturb[h & (TCP_PORT_TABLE - 1)];  /* RFC 6056: G(...) */
	w->offset = (uint32_t)(h >> 32);                      /* RFC 6056: F(...) */
	w->lo = lo;
	w->num = (uint32_t)(hi - lo) + 1;
}

uint16_t tcp_port_walk_next(struct tcp_port_walk *w)
{
	/* RFC 6056 §3.3.4: port = min_ephemeral + (offset + table[index]) % num_ephemeral;
	 * table[index]++ (in 64 bits: F + table[G] does not wrap) */
	uint16_t port = (uint16_t)(w->lo + ((uint64_t)w->offset + *w->counter) % w->num);

	(*w->counter)++;
	return port;
}
