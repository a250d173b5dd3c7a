/*
 * host.c — the simulator's hosts: raw endpoints (a receive callback) and synack stacks.
 *
 * A stack host is driven exactly as synack.h's driver loop prescribes: after every
 * input (a delivered packet, synack_advance at the host's deadline, or a scheduled call
 * that made socket calls) the simulator drains, until nothing is left: the decision
 * notes, the packets to transmit (each handed to the link at the current virtual time),
 * then the socket events (the observer may make socket calls, hence the loop).
 *
 * Host restart frees the stack and creates a new one with the same configuration and
 * addresses and a new secret (derived from seed, host id and restart count), as a real
 * host that rebooted: every connection is gone and nothing is sent.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"

enum { SEED_SECRET = 3 };

void synack_sim_set_observer(struct synack_sim *sim, synack_sim_observer_fn fn, void *ctx)
{
	sim->observer = fn;
	sim->observer_ctx = ctx;
}

static void observe(struct synack_sim *sim, int id, const struct synack_note *n,
		    const struct synack_event *ev)
{
	struct synack_sim_obs o = {
		.kind = n ? SYNACK_SIM_OBS_NOTE : SYNACK_SIM_OBS_EVENT,
		.host = id, .now_ns = sim->now_ns, .note = n, .event = ev,
	};

	if (sim->observer)
		sim->observer(sim->observer_ctx, sim, &o);
}

static bool drain_notes_now(struct synack_sim *sim, int id)
{
	struct synack_note n;
	bool any = false;

	while (sim->hosts[id].stack && synack_poll_note(sim->hosts[id].stack, &n)) {
		observe(sim, id, &n, NULL);
		any = true;
	}
	return any;
}

/* The flag is tested here, apart from the loop, so the common "notes off" case costs a
 * load instead of a call that sets up a note on the stack. */
static inline bool drain_notes(struct synack_sim *sim, int id)
{
	return !sim->hosts[id].notes_off && drain_notes_now(sim, id);
}

/* Sends wire packets 1..npkts-1 of the burst synack_output_burst began on s, each
 * written straight from the connection's send buffer into its event's buffer
 * (synack_burst_packet): the link, its faults, the tap and the trace see only wire
 * packets, as behind a device with TSO. */
static void send_burst(struct synack_sim *sim, int id, struct synack_stack *s, uint32_t npkts)
{
	/* (an observer may have restarted the host meanwhile: its new stack has no burst) */
	for (uint32_t k = 1; k < npkts && sim->hosts[id].stack == s; k++) {
		uint32_t ev = sim_event_get(sim);
		uint8_t *out = ev == UINT32_MAX ? sim->out_buf : sim->ev[ev].buf;
		size_t n = synack_burst_packet(s, k, out, sim->pkt_max);

		if (!n) {
			if (ev != UINT32_MAX)
				sim_event_put(sim, ev);
			return;
		}
		if (ev == UINT32_MAX)
			synack_sim_send(sim, id, out, n);
		else
			sim_send_event(sim, id, ev, n);
	}
}

static bool drain_one_output(struct synack_sim *sim, int id)
{
	struct synack_stack *s = sim->hosts[id].stack;
	uint32_t ev, npkts = 1;
	uint8_t *buf;
	size_t n;

	if (!s)
		return false;
	/* Built straight into the buffer of the event the pool hands out next, which becomes
	 * the delivered copy; with the pool empty into out_buf, and the send reports the drop
	 * (DROP_NOBUF). The event is taken only when a packet came (the common last call is
	 * empty), before the notes' observer could take it. With the gso knob on, that is
	 * wire packet 0 of a burst and send_burst writes the others. */
	ev = sim->free_head;
	buf = ev == UINT32_MAX ? sim->out_buf : sim->ev[ev].buf;
	if (synack_stack_config(s)->gso)
		n = synack_output_burst(s, sim->now_ns, buf, sim->pkt_max, &npkts);
	else
		n = synack_output(s, sim->now_ns, buf, sim->pkt_max);
	if (n == 0)
		return false;
	if (ev != UINT32_MAX)
		sim_event_get(sim);
	/* The notes of building this segment come before its transmission. */
	drain_notes(sim, id);
	if (ev == UINT32_MAX)
		synack_sim_send(sim, id, sim->out_buf, n);
	else
		sim_send_event(sim, id, ev, n);
	if (npkts > 1)
		send_burst(sim, id, s, npkts);
	return true;
}

static bool drain_one_event(struct synack_sim *sim, int id)
{
	struct synack_event ev;

	if (!sim->hosts[id].stack || !synack_poll_event(sim->hosts[id].stack, &ev))
		return false;
	observe(sim, id, NULL, &ev);
	return true;
}

/* synack.h's driver loop as it reads (synack_sim_config.plain_driver): the reference
 * the short cuts below are compared with. */
static void drain_plain(struct synack_sim *sim, int id)
{
	bool more = true;

	while (more) {
		more = drain_notes_now(sim, id);
		while (drain_one_output(sim, id))
			more = true;
		more |= drain_notes_now(sim, id);
		more |= drain_one_event(sim, id);
	}
}

void sim_host_drain(struct synack_sim *sim, int id)
{
	bool more = true;

	if (sim->plain_driver) {
		drain_plain(sim, id);
		return;
	}

	/* Each round makes progress or stops; an observer that keeps making calls keeps
	 * the loop going, as it would keep a real event loop busy. A round starts with
	 * synack_pending (which moves the clock as the empty synack_output it replaces
	 * would): nothing pending, the round would do nothing; a clear bit skips a call
	 * that would find nothing. The calls made and their order are otherwise those of
	 * the plain driver loop, so traces are the same. */
	while (more && sim->hosts[id].stack) {
		unsigned p = synack_pending(sim->hosts[id].stack, sim->now_ns);

		if (!p)
			break;
		more = (p & SYNACK_PENDING_NOTE) && drain_notes(sim, id);
		if (p & SYNACK_PENDING_OUTPUT)
			while (drain_one_output(sim, id))
				more = true;
		more |= drain_notes(sim, id);
		more |= drain_one_event(sim, id);
	}
}

void synack_sim_flush(struct synack_sim *sim)
{
	for (uint32_t i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].stack)
			sim_host_drain(sim, (int)i);
}

void sim_host_input(struct synack_sim *sim, int id, const uint8_t *pkt, size_t len)
{
	struct sim_host *h = sim_host_get(sim, id);

	if (!h)
		return;
	if (h->stack) {
		synack_input(h->stack, sim->now_ns, pkt, len);
		sim_host_drain(sim, id);
	} else if (h->recv) {
		h->recv(h->recv_ctx, sim, id, sim->now_ns, pkt, len);
	}
}

/* The host's deadline, never at or before a time it was already advanced to: an engine
 * whose deadline does not move after an advance is retried 1 ns later (and counted)
 * instead of hanging the simulator. */
static uint64_t host_deadline(const struct sim_host *h)
{
	uint64_t d;

	if (!h->stack)
		return UINT64_MAX;
	d = synack_next_deadline(h->stack);
	if (d != UINT64_MAX && h->advanced && d <= h->advanced_at_ns)
		d = h->advanced_at_ns + 1;
	return d;
}

uint64_t sim_hosts_next_deadline(const struct synack_sim *sim, int *host)
{
	uint64_t best = UINT64_MAX;

	*host = -1;
	for (uint32_t i = 0; i < sim->nhosts; i++) {
		uint64_t d = host_deadline(&sim->hosts[i]);

		if (d < best) {
			best = d;
			*host = (int)i;
		}
	}
	if (best != UINT64_MAX && best < sim->now_ns)
		best = sim->now_ns;
	return best;
}

void sim_host_advance(struct synack_sim *sim, int id)
{
	struct sim_host *h = sim_host_get(sim, id);

	if (!h || !h->stack)
		return;
	if (h->advanced && h->advanced_at_ns >= sim->now_ns)
		h->stuck++;
	h->advanced = true;
	h->advanced_at_ns = sim->now_ns;
	synack_advance(h->stack, sim->now_ns);
	sim_host_drain(sim, id);
}

void sim_hosts_release(struct synack_sim *sim)
{
	for (uint32_t i = 0; i < sim->nhosts; i++) {
		synack_stack_free(sim->hosts[i].stack);
		sim->hosts[i].stack = NULL;
	}
}

/* Creates the host's stack: config copy, sim allocator, derived secret, addresses. */
static int make_stack(struct synack_sim *sim, struct sim_host *h)
{
	struct synack_env env = {.alloc = sim->a.alloc, .free = sim->a.free, .ctx = sim->a.ctx};
	struct rng g;

	rng_seed(&g, sim_subseed(sim->seed, SEED_SECRET, h->index, h->restarts));
	for (size_t i = 0; i < SYNACK_SECRET_LEN; i += 8) {
		uint64_t v = rng_next(&g);

		memcpy(env.secret + i, &v, 8);
	}
	h->stack = synack_stack_new(&h->cfg, &env);
	if (!h->stack)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->naddr; i++) {
		int err = synack_stack_add_addr(h->stack, h->addr[i]);

		if (err) {
			synack_stack_free(h->stack);
			h->stack = NULL;
			return err;
		}
	}
	h->advanced = false;
	h->notes_off = h->cfg.notes_max == 0;
	return 0;
}

int synack_sim_add_stack_host(struct synack_sim *sim, const char *name, uint32_t addr,
			      const struct synack_config *cfg)
{
	int id = sim_host_alloc(sim, name, addr);
	struct sim_host *h;
	int err;

	if (id < 0)
		return id;
	h = &sim->hosts[id];
	h->is_stack = true;
	if (cfg)
		h->cfg = *cfg;
	else
		synack_config_default(&h->cfg);
	err = make_stack(sim, h);
	if (err) {
		/* Undo: the host was the last one added. */
		h->used = false;
		sim->nhosts--;
		return err;
	}
	return id;
}

struct synack_stack *synack_sim_stack(struct synack_sim *sim, int host)
{
	struct sim_host *h = sim_host_get(sim, host);

	return h ? h->stack : NULL;
}

int synack_sim_restart_host(struct synack_sim *sim, int host)
{
	struct sim_host *h = sim_host_get(sim, host);

	if (!h)
		return -ENOENT;
	if (!h->is_stack)
		return -EINVAL;
	synack_stack_free(h->stack);
	h->stack = NULL;
	h->restarts++;
	return make_stack(sim, h);
}

uint32_t synack_sim_restarts(const struct synack_sim *sim, int host)
{
	if (host < 0 || (uint32_t)host >= sim->nhosts)
		return 0;
	return sim->hosts[host].restarts;
}
