/*
 * host.c — the simulator's hosts: raw endpoints (a receive callback) for now; the wiring
 * of synack stacks (input, advance, draining output, events and decision notes) joins
 * here once the engine's public API exists.
 */
#include "sim/sim_internal.h"

void sim_host_input(struct synack_sim *sim, int id, const uint8_t *pkt, size_t len)
{
	struct sim_host *h = sim_host_get(sim, id);

	if (h && h->recv)
		h->recv(h->recv_ctx, sim, id, sim->now_ns, pkt, len);
}

uint64_t sim_hosts_next_deadline(const struct synack_sim *sim, int *host)
{
	(void)sim;
	*host = -1;
	return UINT64_MAX;
}

void sim_host_advance(struct synack_sim *sim, int id)
{
	(void)sim;
	(void)id;
}

void sim_hosts_release(struct synack_sim *sim)
{
	(void)sim;
}
