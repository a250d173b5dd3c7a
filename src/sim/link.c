/*
 * link.c — one direction of a simulated link: the transmit side of one attached host.
 *
 * Model (per packet, in this order):
 *   1. partition: dropped before anything else;
 *   2. queue: with a finite bandwidth, packets wait in a FIFO behind the one being
 *      serialised; when queue_pkts packets are waiting or in serialisation the new one is
 *      tail-dropped (DROP_QUEUE). Occupancy = queued packets whose departure is later
 *      than now (departures within a port never decrease, so a sorted ring suffices);
 *   3. serialisation: departure = max(now, previous departure) + ceil(len*8 / bandwidth);
 *      arrival = departure + latency. A packet lost on the wire still used the link;
 *   4. scripted drop (the nth packet, or the caller's filter), then random loss;
 *   5. corruption (one bit of the delivered copy), duplication (a second copy), and
 *      reordering (an extra delay uniform in [0, reorder_max_ns], drawn separately for
 *      each copy);
 *   6. ECN: an ECT packet (IPv4 ECN field 01 or 10) is marked CE by the queue threshold
 *      (ecn_mark_pkts packets ahead of it) or at random (ecn_mark_ppm), RFC 3168 §5.
 * Random numbers are drawn only for features whose probability is non-zero, so changing
 * one knob on one direction never shifts another direction's pattern.
 */
#include <string.h>

#include "sim/sim_internal.h"

#define PPM 1000000u

void sim_port_init(struct sim_port *port, int host, const struct synack_link_dir *p,
		   uint64_t *q, uint32_t q_cap, uint64_t seed)
{
	memset(port, 0, sizeof(*port));
	port->host = host;
	if (p)
		port->p = *p;
	port->q = q;
	port->q_cap = q_cap;
	rng_seed(&port->rng, seed);
}

bool sim_port_take_scripted(struct sim_port *port, uint32_t nth)
{
	for (uint32_t i = 0; i < port->nscript; i++) {
		if (port->script[i] == nth) {
			port->script[i] = port->script[--port->nscript];
			return true;
		}
	}
	return false;
}

static bool draw(struct sim_port *port, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= PPM)
		return true;
	return rng_below(&port->rng, PPM) < ppm;
}

static uint64_t serialisation_ns(uint64_t bandwidth_bps, uint32_t len)
{
	uint64_t bits_ns = (uint64_t)len * 8u * 1000000000u;

	return (bits_ns + bandwidth_bps - 1) / bandwidth_bps;
}

static uint32_t queue_limit(const struct sim_port *port)
{
	uint32_t lim = port->p.queue_pkts;

	if (lim == 0 || lim > port->q_cap)
		lim = port->q_cap;
	return lim;
}

/* Forgets queued packets that have left the port by now. */
static void drain_departed(struct sim_port *port, uint64_t now_ns)
{
	while (port->q_len && port->q[port->q_head] <= now_ns) {
		port->q_head = (port->q_head + 1) % port->q_cap;
		port->q_len--;
	}
}

/* Step 2 and 3: returns false on tail drop, else sets *depart_ns. */
static bool enqueue(struct sim_port *port, uint64_t now_ns, uint32_t len, uint64_t *depart_ns)
{
	uint64_t start;

	if (port->p.bandwidth_bps == 0) {
		*depart_ns = now_ns;
		return true;
	}
	drain_departed(port, now_ns);
	if (port->q_len >= queue_limit(port))
		return false;
	start = port->busy_until_ns > now_ns ? port->busy_until_ns : now_ns;
	*depart_ns = start + serialisation_ns(port->p.bandwidth_bps, len);
	port->busy_until_ns = *depart_ns;
	port->q[(port->q_head + port->q_len) % port->q_cap] = *depart_ns;
	port->q_len++;
	return true;
}

/* Step 6: whether the packet (len bytes at pkt, NULL when the caller has none) leaves
 * CE-marked; ahead = packets queued before it. Draws only for ECT packets. */
static bool ce_mark(struct sim_port *port, const uint8_t *pkt, uint32_t len, uint32_t ahead)
{
	uint8_t ecn;

	if (!pkt || len < 20 || (pkt[0] >> 4) != 4)
		return false;
	ecn = pkt[1] & 3;
	if (ecn == 0 || ecn == 3)
		return false;
	if (port->p.ecn_mark_pkts && ahead >= port->p.ecn_mark_pkts)
		return true;
	return draw(port, port->p.ecn_mark_ppm);
}

static uint64_t reorder_delay(struct sim_port *port, uint32_t *flags)
{
	if (!draw(port, port->p.reorder_ppm))
		return 0;
	*flags |= SYNACK_SIM_F_REORDERED;
	if (port->p.reorder_max_ns == UINT32_MAX)
		return (uint32_t)rng_next(&port->rng);
	return rng_below(&port->rng, port->p.reorder_max_ns + 1);
}

bool sim_port_is_ideal(const struct sim_port *port)
{
	const struct synack_link_dir *p = &port->p;
	uint32_t faults = p->loss_ppm | p->dup_ppm | p->reorder_ppm | p->corrupt_ppm |
			  port->nscript;

	return !faults && !p->partitioned && !p->bandwidth_bps;
}

void sim_port_xmit(struct sim_port *port, uint64_t now_ns, uint32_t len,
		   const struct sim_filter *f, struct sim_xmit *out)
{
	uint64_t depart, arrive;
	uint32_t ahead;

	memset(out, 0, sizeof(*out));
	out->dir_index = ++port->sent;
	if (port->p.partitioned) {
		out->fate = SYNACK_SIM_DROP_PARTITION;
		return;
	}
	if (!enqueue(port, now_ns, len, &depart)) {
		out->fate = SYNACK_SIM_DROP_QUEUE;
		return;
	}
	ahead = port->q_len ? port->q_len - 1 : 0;
	arrive = depart + port->p.latency_ns;
	if (sim_port_take_scripted(port, out->dir_index) ||
	    (f && f->fn && f->fn(f->ctx, f->link, port->host, out->dir_index, f->pkt, len))) {
		out->fate = SYNACK_SIM_DROP_SCRIPT;
		return;
	}
	if (draw(port, port->p.loss_ppm)) {
		out->fate = SYNACK_SIM_DROP_LOSS;
		return;
	}
	out->fate = SYNACK_SIM_DELIVERED;
	if (len > 0 && draw(port, port->p.corrupt_ppm)) {
		out->flags |= SYNACK_SIM_F_CORRUPTED;
		out->corrupt_bit = rng_below(&port->rng, len * 8u);
	}
	if (draw(port, port->p.dup_ppm))
		out->flags |= SYNACK_SIM_F_DUPLICATED;
	out->deliver_ns = arrive + reorder_delay(port, &out->flags);
	if (out->flags & SYNACK_SIM_F_DUPLICATED)
		out->dup_deliver_ns = arrive + reorder_delay(port, &out->flags);
	if ((port->p.ecn_mark_ppm || port->p.ecn_mark_pkts) &&
	    ce_mark(port, f ? f->pkt : NULL, len, ahead))
		out->flags |= SYNACK_SIM_F_CE;
}
