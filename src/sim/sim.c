/*
 * sim.c — the simulator object: hosts, links, routing, the virtual clock and the run
 * loop. The link model is in link.c, the event heap in heap.c.
 *
 * The clock jumps: synack_sim_step() finds the earliest pending thing — the top of the
 * event heap (a packet delivery or a scheduled call) or a stack host's next timer
 * deadline — sets the clock to its time and runs it. Ties: heap events first (by their
 * sequence number), then hosts by id. Nothing here reads a real clock or a real random
 * source: randomness comes from per-direction xoshiro streams seeded from the sim seed.
 *
 * Routing: a host's packet goes over the first link (in id order) on which another
 * attached host owns the IPv4 destination address; failing that, over the host's first
 * link if it is point-to-point (the peer acts as the next hop and sees a packet for an
 * address that is not its own); otherwise it is dropped as NOROUTE. Each host keeps its
 * last answer (destination address -> link, peer, port) until a host, an address, a link
 * or a port is added (route_gen).
 *
 * A direction with no fault, no bandwidth limit and no script, while no filter is set,
 * delivers every packet at now + latency: its verdict is written without the link model
 * (link_verdict). The delivered copy is the sender's event itself when the packet was
 * built into one (sim_send_event): a copy is made only for a duplicate or a packet
 * handed in by synack_sim_send.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "wire/wire.h"

#define DEF_HOSTS   16u
#define DEF_LINKS   16u
#define DEF_EVENTS  1024u
#define DEF_PKT     2048u
#define DEF_QUEUE   256u

enum { SEED_PORT = 1, SEED_HOST = 2 };

static const char *const fate_names[SYNACK_SIM_FATE_COUNT] = {
	[SYNACK_SIM_DELIVERED] = "delivered",
	[SYNACK_SIM_DROP_LOSS] = "dropped: loss",
	[SYNACK_SIM_DROP_PARTITION] = "dropped: partition",
	[SYNACK_SIM_DROP_QUEUE] = "dropped: queue full",
	[SYNACK_SIM_DROP_SCRIPT] = "dropped: scripted",
	[SYNACK_SIM_DROP_NOROUTE] = "dropped: no route",
	[SYNACK_SIM_DROP_TOOBIG] = "dropped: too big",
	[SYNACK_SIM_DROP_NOBUF] = "dropped: simulator event pool full",
};

const char *synack_sim_fate_name(enum synack_sim_fate fate)
{
	if ((unsigned)fate >= SYNACK_SIM_FATE_COUNT)
		return "?";
	return fate_names[fate];
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_subseed(uint64_t seed, uint32_t kind, uint32_t a, uint32_t b)
{
	uint64_t z = mix64(seed + 0x9e3779b97f4a7c15ull);

	z = mix64(z ^ ((uint64_t)kind << 48) ^ ((uint64_t)a << 24) ^ b);
	return mix64(z + 0x9e3779b97f4a7c15ull);
}

/* ---- creation -------------------------------------------------------------------- */

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

static void free_arrays(struct synack_sim *sim)
{
	const struct base_allocator *a = &sim->a;

	for (uint32_t l = 0; l < sim->nlinks; l++)
		for (uint32_t p = 0; p < sim->links[l].nports; p++)
			base_free(a, sim->links[l].port[p].q, sizeof(uint64_t) * sim->queue_max);
	base_free(a, sim->hosts, sizeof(*sim->hosts) * sim->max_hosts);
	base_free(a, sim->links, sizeof(*sim->links) * sim->max_links);
	base_free(a, sim->ev, sizeof(*sim->ev) * sim->max_events);
	base_free(a, sim->bufs, (size_t)sim->pkt_max * sim->max_events);
	base_free(a, sim->heap.idx, sizeof(uint32_t) * sim->max_events);
	base_free(a, sim->heap.fifo, sizeof(uint32_t) * sim->max_events);
	base_free(a, sim->heap.run_next, sizeof(uint32_t) * sim->max_events);
	base_free(a, sim->out_buf, sim->pkt_max);
}

struct synack_sim *synack_sim_new(const struct synack_sim_config *cfg)
{
	struct base_allocator a;
	struct synack_sim *sim;

	if (!cfg || !cfg->env.alloc || !cfg->env.free)
		return NULL;
	a = (struct base_allocator){cfg->env.alloc, cfg->env.free, cfg->env.ctx};
	sim = base_zalloc(&a, sizeof(*sim));
	if (!sim)
		return NULL;
	sim->a = a;
	sim->seed = cfg->seed;
	sim->plain_driver = cfg->plain_driver;
	sim->route_gen = 1;
	sim->max_hosts = or_default(cfg->max_hosts, DEF_HOSTS);
	sim->max_links = or_default(cfg->max_links, DEF_LINKS);
	sim->max_events = or_default(cfg->max_events, DEF_EVENTS);
	sim->pkt_max = or_default(cfg->pkt_max_bytes, DEF_PKT);
	sim->queue_max = or_default(cfg->queue_max_pkts, DEF_QUEUE);
	sim->hosts = base_zalloc(&a, sizeof(*sim->hosts) * sim->max_hosts);
	sim->links = base_zalloc(&a, sizeof(*sim->links) * sim->max_links);
	sim->ev = base_zalloc(&a, sizeof(*sim->ev) * sim->max_events);
	sim->bufs = base_alloc(&a, (size_t)sim->pkt_max * sim->max_events);
	sim->heap.idx = base_alloc(&a, sizeof(uint32_t) * sim->max_events);
	sim->heap.fifo = base_alloc(&a, sizeof(uint32_t) * sim->max_events);
	if (!cfg->plain_driver)
		sim->heap.run_next = base_alloc(&a, sizeof(uint32_t) * sim->max_events);
	sim->out_buf = base_alloc(&a, sim->pkt_max);
	if (!sim->hosts || !sim->links || !sim->ev || !sim->bufs || !sim->heap.idx ||
	    !sim->heap.fifo || (!cfg->plain_driver && !sim->heap.run_next) || !sim->out_buf) {
		free_arrays(sim);
		base_free(&a, sim, sizeof(*sim));
		return NULL;
	}
	sim->heap.cap = sim->max_events;
	sim->heap.ev = sim->ev;
	for (uint32_t i = 0; i < sim->max_events; i++) {
		sim->ev[i].buf = sim->bufs + (size_t)i * sim->pkt_max;
		sim->ev[i].next_free = i + 1 < sim->max_events ? i + 1 : UINT32_MAX;
	}
	sim->free_head = 0;
	return sim;
}

void synack_sim_free(struct synack_sim *sim)
{
	struct base_allocator a;

	if (!sim)
		return;
	a = sim->a;
	sim_hosts_release(sim);
	free_arrays(sim);
	base_free(&a, sim, sizeof(*sim));
}

uint64_t synack_sim_now(const struct synack_sim *sim)
{
	return sim->now_ns;
}

/* ---- hosts ----------------------------------------------------------------------- */

struct sim_host *sim_host_get(struct synack_sim *sim, int id)
{
	if (id < 0 || (uint32_t)id >= sim->nhosts || !sim->hosts[id].used)
		return NULL;
	return &sim->hosts[id];
}

int sim_host_alloc(struct synack_sim *sim, const char *name, uint32_t addr)
{
	struct sim_host *h;

	if (!name)
		return -EINVAL;
	if (sim->nhosts >= sim->max_hosts)
		return -ENOSPC;
	h = &sim->hosts[sim->nhosts];
	memset(h, 0, sizeof(*h));
	h->used = true;
	h->index = sim->nhosts;
	h->first_link = -1;
	for (size_t i = 0; i < SIM_NAME_LEN - 1 && name[i]; i++)
		h->name[i] = name[i];
	h->addr[0] = addr;
	h->naddr = 1;
	sim->route_gen++;
	return (int)sim->nhosts++;
}

int synack_sim_add_raw_host(struct synack_sim *sim, const char *name, uint32_t addr,
			    synack_sim_recv_fn recv, void *ctx)
{
	int id = sim_host_alloc(sim, name, addr);

	if (id < 0)
		return id;
	sim->hosts[id].recv = recv;
	sim->hosts[id].recv_ctx = ctx;
	return id;
}

int synack_sim_host_add_addr(struct synack_sim *sim, int host, uint32_t addr)
{
	struct sim_host *h = sim_host_get(sim, host);

	if (!h)
		return -ENOENT;
	if (h->naddr >= SIM_MAX_ADDRS)
		return -ENOSPC;
	if (h->stack) {
		int err = synack_stack_add_addr(h->stack, addr);

		if (err)
			return err;
	}
	h->addr[h->naddr++] = addr;
	sim->route_gen++;       /* this host may now be the destination of a cached route */
	return 0;
}

const char *synack_sim_host_name(const struct synack_sim *sim, int host)
{
	if (host < 0 || (uint32_t)host >= sim->nhosts)
		return "?";
	return sim->hosts[host].name;
}

static bool host_owns(const struct sim_host *h, uint32_t addr)
{
	for (uint32_t i = 0; i < h->naddr; i++)
		if (h->addr[i] == addr)
			return true;
	return false;
}

int synack_sim_host_by_addr(const struct synack_sim *sim, uint32_t addr)
{
	for (uint32_t i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].used && host_owns(&sim->hosts[i], addr))
			return (int)i;
	return -ENOENT;
}

/* ---- links ----------------------------------------------------------------------- */

static struct sim_link *link_get(const struct synack_sim *sim, int id)
{
	if (id < 0 || (uint32_t)id >= sim->nlinks || !sim->links[id].used)
		return NULL;
	return &sim->links[id];
}

static struct sim_port *port_of(const struct synack_sim *sim, int link, int host)
{
	struct sim_link *l = link_get(sim, link);

	if (!l)
		return NULL;
	for (uint32_t p = 0; p < l->nports; p++)
		if (l->port[p].host == host)
			return &l->port[p];
	return NULL;
}

int synack_sim_add_segment(struct synack_sim *sim)
{
	struct sim_link *l;

	if (sim->nlinks >= sim->max_links)
		return -ENOSPC;
	l = &sim->links[sim->nlinks];
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->is_segment = true;
	sim->route_gen++;
	return (int)sim->nlinks++;
}

int synack_sim_attach(struct synack_sim *sim, int link, int host,
		      const struct synack_link_dir *tx)
{
	struct sim_link *l = link_get(sim, link);
	struct sim_host *h = sim_host_get(sim, host);
	uint64_t *q;

	if (!l || !h)
		return -ENOENT;
	if (port_of(sim, link, host))
		return -EINVAL;
	if (l->nports >= (l->is_segment ? SIM_MAX_PORTS : 2u))
		return -ENOSPC;
	q = base_alloc(&sim->a, sizeof(uint64_t) * sim->queue_max);
	if (!q)
		return -ENOMEM;
	sim_port_init(&l->port[l->nports], host, tx, q, sim->queue_max,
		      sim_subseed(sim->seed, SEED_PORT, (uint32_t)link, l->nports));
	l->nports++;
	if (h->first_link < 0)
		h->first_link = link;
	sim->route_gen++;
	return 0;
}

int synack_sim_add_link(struct synack_sim *sim, int a, int b,
			const struct synack_link_dir *ab, const struct synack_link_dir *ba)
{
	int id, err;

	if (!sim_host_get(sim, a) || !sim_host_get(sim, b))
		return -ENOENT;
	if (a == b)
		return -EINVAL;
	id = synack_sim_add_segment(sim);
	if (id < 0)
		return id;
	sim->links[id].is_segment = false;
	err = synack_sim_attach(sim, id, a, ab);
	if (!err)
		err = synack_sim_attach(sim, id, b, ba);
	if (err) {
		/* Undo: the link was the last one added. */
		struct sim_link *l = &sim->links[id];

		for (uint32_t p = 0; p < l->nports; p++)
			base_free(&sim->a, l->port[p].q, sizeof(uint64_t) * sim->queue_max);
		if (sim->hosts[a].first_link == id)
			sim->hosts[a].first_link = -1;
		l->used = false;
		l->nports = 0;
		sim->nlinks--;
		sim->route_gen++;
		return err;
	}
	return id;
}

int synack_sim_link_set(struct synack_sim *sim, int link, int from,
			const struct synack_link_dir *tx)
{
	struct sim_port *p = port_of(sim, link, from);

	if (!p)
		return -ENOENT;
	if (tx)
		p->p = *tx;
	else
		memset(&p->p, 0, sizeof(p->p));
	return 0;
}

int synack_sim_link_get(const struct synack_sim *sim, int link, int from,
			struct synack_link_dir *tx)
{
	struct sim_port *p = port_of(sim, link, from);

	if (!p || !tx)
		return -ENOENT;
	*tx = p->p;
	return 0;
}

int synack_sim_partition(struct synack_sim *sim, int link, bool on)
{
	struct sim_link *l = link_get(sim, link);

	if (!l)
		return -ENOENT;
	for (uint32_t p = 0; p < l->nports; p++)
		l->port[p].p.partitioned = on;
	return 0;
}

int synack_sim_drop_nth(struct synack_sim *sim, int link, int from, uint32_t nth)
{
	struct sim_port *p = port_of(sim, link, from);

	if (!p)
		return -ENOENT;
	if (nth == 0)
		return -EINVAL;
	if (p->nscript >= SIM_MAX_SCRIPTED)
		return -ENOSPC;
	p->script[p->nscript++] = nth;
	return 0;
}

void synack_sim_set_filter(struct synack_sim *sim, synack_sim_filter_fn fn, void *ctx)
{
	sim->filter = fn;
	sim->filter_ctx = ctx;
}

void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx)
{
	sim->tap = fn;
	sim->tap_ctx = ctx;
}

/* ---- events ---------------------------------------------------------------------- */

uint32_t sim_event_get(struct synack_sim *sim)
{
	uint32_t i = sim->free_head;

	if (i != UINT32_MAX)
		sim->free_head = sim->ev[i].next_free;
	return i;
}

void sim_event_put(struct synack_sim *sim, uint32_t i)
{
	sim->ev[i].kind = SIM_EV_FREE;
	sim->ev[i].next_free = sim->free_head;
	sim->free_head = i;
}

static void event_queue(struct synack_sim *sim, uint32_t i, uint64_t t_ns)
{
	sim->ev[i].t_ns = t_ns < sim->now_ns ? sim->now_ns : t_ns;
	sim->ev[i].seq = sim->next_seq++;
	sim_heap_push(&sim->heap, i);
}

int synack_sim_at(struct synack_sim *sim, uint64_t t_ns, synack_sim_call_fn fn, void *ctx)
{
	uint32_t i;

	if (!fn)
		return -EINVAL;
	i = sim_event_get(sim);
	if (i == UINT32_MAX)
		return -ENOSPC;
	sim->ev[i].kind = SIM_EV_CALL;
	sim->ev[i].fn = fn;
	sim->ev[i].ctx = ctx;
	event_queue(sim, i, t_ns);
	return 0;
}

/* ---- sending --------------------------------------------------------------------- */

static uint32_t dst_addr_of(const uint8_t *pkt, size_t len)
{
	if (len < 20)
		return 0;
	return (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 | (uint32_t)pkt[18] << 8 | pkt[19];
}

/* Chooses the link and destination host for a packet from host `from`. */
static int route(struct synack_sim *sim, int from, const uint8_t *pkt, size_t len, int *dst)
{
	uint32_t daddr = dst_addr_of(pkt, len);
	struct sim_host *h = &sim->hosts[from];

	for (uint32_t l = 0; len >= 20 && l < sim->nlinks; l++) {
		struct sim_link *lk = &sim->links[l];

		if (!lk->used || !port_of(sim, (int)l, from))
			continue;
		for (uint32_t p = 0; p < lk->nports; p++) {
			int other = lk->port[p].host;

			if (other != from && host_owns(&sim->hosts[other], daddr)) {
				*dst = other;
				return (int)l;
			}
		}
	}
	if (h->first_link >= 0 && !sim->links[h->first_link].is_segment) {
		struct sim_link *lk = &sim->links[h->first_link];

		*dst = lk->port[0].host == from ? lk->port[1].host : lk->port[0].host;
		return h->first_link;
	}
	*dst = -1;
	return -1;
}

/* route() and port_of() through the sending host's one-entry cache: links, ports and
 * addresses only change by the calls that bump route_gen, so a hit gives the answer
 * route() would. Packets shorter than an IPv4 header bypass it (no address). */
static int route_port(struct synack_sim *sim, int from, const uint8_t *pkt, size_t len,
		      int *dst, struct sim_port **port)
{
	struct sim_host *h = &sim->hosts[from];
	uint32_t daddr = dst_addr_of(pkt, len);
	int link;

	if (h->rc_gen == sim->route_gen && h->rc_daddr == daddr && len >= 20 &&
	    !sim->plain_driver) {
		*dst = h->rc_dst;
		*port = h->rc_port;
		return h->rc_link;
	}
	link = route(sim, from, pkt, len, dst);
	*port = link < 0 ? NULL : port_of(sim, link, from);
	if (link >= 0 && len >= 20) {
		h->rc_daddr = daddr;
		h->rc_gen = sim->route_gen;
		h->rc_link = link;
		h->rc_dst = *dst;
		h->rc_port = *port;
	}
	return link;
}

/* The link model's verdict: on an ideal direction (sim_port_is_ideal) with no filter
 * installed, the one sim_port_xmit would give, without walking the model. */
static void link_verdict(struct synack_sim *sim, struct sim_port *port, size_t len,
			 const struct sim_filter *f, struct sim_xmit *x)
{
	if (sim->plain_driver || sim->filter || !sim_port_is_ideal(port)) {
		sim_port_xmit(port, sim->now_ns, (uint32_t)len, f, x);
		return;
	}
	x->fate = SYNACK_SIM_DELIVERED;
	x->flags = 0;
	x->dir_index = ++port->sent;
	x->deliver_ns = sim->now_ns + port->p.latency_ns;
	x->dup_deliver_ns = 0;
	x->corrupt_bit = 0;
}

static void tap_emit(struct synack_sim *sim, const struct synack_sim_tap *rec)
{
	if (sim->tap)
		sim->tap(sim->tap_ctx, rec);
}

/* The SEND record rec in the counts (synack_sim_stats). */
static void count_send(struct synack_sim *sim, const struct synack_sim_tap *rec)
{
	struct synack_sim_stats *st = &sim->stats;
	bool is_delivered = rec->fate == SYNACK_SIM_DELIVERED;

	st->pkts++;
	if ((unsigned)rec->fate < SYNACK_SIM_FATE_COUNT)
		st->fate[rec->fate]++;
	if (!rec->flags)
		return;
	st->duplicated += !!(rec->flags & SYNACK_SIM_F_DUPLICATED);
	st->reordered += !!(rec->flags & SYNACK_SIM_F_REORDERED);
	st->corrupted += is_delivered && (rec->flags & SYNACK_SIM_F_CORRUPTED);
	st->ce_marked += is_delivered && (rec->flags & SYNACK_SIM_F_CE);
}

void synack_sim_stats(const struct synack_sim *sim, struct synack_sim_stats *out)
{
	*out = sim->stats;
}

static void flip_bit(uint8_t *buf, uint32_t bit)
{
	buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
}

/* Queues one copy for delivery; false when the event pool is empty. With own set (not
 * UINT32_MAX) the copy is that event, whose buffer already holds the packet: nothing is
 * copied, and a corruption is left to the caller (the tap must see the packet as sent). */
/* RFC 3168 §5: the IPv4 ECN field becomes CE (11); the header checksum follows. */
static void mark_ce(uint8_t *buf)
{
	size_t hl = (size_t)(buf[0] & 0xf) * 4;
	uint16_t c;

	buf[1] |= 3;
	buf[10] = 0;
	buf[11] = 0;
	c = wire_csum(buf, hl);
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;
}

static bool queue_copy(struct synack_sim *sim, const struct synack_sim_tap *rec,
		       uint64_t t_ns, bool is_dup, uint32_t fl, uint32_t own)
{
	uint32_t i = own != UINT32_MAX ? own : sim_event_get(sim);
	struct sim_event *e;

	if (i == UINT32_MAX)
		return false;
	e = &sim->ev[i];
	e->kind = SIM_EV_PKT;
	e->link = rec->link;
	e->src_host = rec->src_host;
	e->dst_host = rec->dst_host;
	e->pkt_id = rec->pkt_id;
	e->dir_index = rec->dir_index;
	e->len = (uint32_t)rec->len;
	e->is_dup = is_dup;
	if (own == UINT32_MAX) {
		memcpy(e->buf, rec->pkt, rec->len);
		if (fl & SYNACK_SIM_F_CE)
			mark_ce(e->buf);
		if (fl & SYNACK_SIM_F_CORRUPTED)
			flip_bit(e->buf, rec->corrupt_bit);
	}
	event_queue(sim, i, t_ns);
	return true;
}

/*
 * synack_sim_send's body. own: UINT32_MAX, or a free event (taken with sim_event_get)
 * whose buffer holds the packet (pkt == its buf): that event becomes the delivered copy
 * instead of a new one, one copy less; whatever the fate, the caller no longer owns it.
 * Everything observable (fates, times, sequence numbers, tap records and their bytes) is
 * the same either way: the duplicate is copied before the delivered copy is corrupted,
 * and the corruption is applied after the tap saw the packet as sent.
 */
static int send_packet(struct synack_sim *sim, int from, const uint8_t *pkt, size_t len,
		       uint32_t own)
{
	struct synack_sim_tap rec = {.kind = SYNACK_SIM_TAP_SEND, .src_host = from,
				     .pkt = pkt, .len = len};
	struct sim_filter f = {sim->filter, sim->filter_ctx, -1, pkt};
	struct sim_xmit x;
	struct sim_port *port;
	bool queued = false;

	rec.now_ns = sim->now_ns;
	rec.pkt_id = ++sim->next_pkt_id;
	rec.link = route_port(sim, from, pkt, len, &rec.dst_host, &port);
	if (rec.link < 0) {
		rec.fate = SYNACK_SIM_DROP_NOROUTE;
		goto out;
	}
	if (len > sim->pkt_max) {
		rec.dir_index = ++port->sent;
		rec.fate = SYNACK_SIM_DROP_TOOBIG;
		goto out;
	}
	f.link = rec.link;
	link_verdict(sim, port, len, &f, &x);
	rec.dir_index = x.dir_index;
	rec.fate = x.fate;
	rec.flags = x.flags;
	rec.corrupt_bit = x.corrupt_bit;
	if (rec.fate == SYNACK_SIM_DELIVERED) {
		rec.deliver_ns = x.deliver_ns;
		if (!queue_copy(sim, &rec, x.deliver_ns, false,
				x.flags & (SYNACK_SIM_F_CORRUPTED | SYNACK_SIM_F_CE), own)) {
			rec.fate = SYNACK_SIM_DROP_NOBUF;
			rec.flags = 0;
			rec.deliver_ns = 0;
		} else {
			queued = true;
			if (x.flags & SYNACK_SIM_F_DUPLICATED) {
				rec.dup_deliver_ns = x.dup_deliver_ns;
				if (!queue_copy(sim, &rec, x.dup_deliver_ns, true,
						x.flags & SYNACK_SIM_F_CE, UINT32_MAX)) {
					rec.flags &= ~SYNACK_SIM_F_DUPLICATED;
					rec.dup_deliver_ns = 0;
				}
			}
		}
	}
out:
	count_send(sim, &rec);
	tap_emit(sim, &rec);
	if (own != UINT32_MAX) {
		if (!queued) {
			sim_event_put(sim, own);
		} else {
			if (rec.flags & SYNACK_SIM_F_CE)
				mark_ce(sim->ev[own].buf);
			if (rec.flags & SYNACK_SIM_F_CORRUPTED)
				flip_bit(sim->ev[own].buf, rec.corrupt_bit);
		}
	}
	return rec.fate;
}

int synack_sim_send(struct synack_sim *sim, int from, const uint8_t *pkt, size_t len)
{
	if (!sim_host_get(sim, from) || (!pkt && len))
		return -ENOENT;
	return send_packet(sim, from, pkt, len, UINT32_MAX);
}

int sim_send_event(struct synack_sim *sim, int from, uint32_t ev, size_t len)
{
	return send_packet(sim, from, sim->ev[ev].buf, len, ev);
}

/* ---- the run loop ---------------------------------------------------------------- */

static uint64_t heap_time(const struct synack_sim *sim)
{
	uint32_t i = sim_heap_peek(&sim->heap);

	return i == UINT32_MAX ? UINT64_MAX : sim->ev[i].t_ns;
}

uint64_t synack_sim_next_time(const struct synack_sim *sim)
{
	uint64_t t = heap_time(sim);
	int h;
	uint64_t ht = sim_hosts_next_deadline(sim, &h);

	if (ht < t)
		t = ht;
	return t;
}

static void deliver(struct synack_sim *sim, struct sim_event *e)
{
	struct synack_sim_tap rec;

	if (!sim->tap)
		return;         /* nobody looks: no record */
	rec = (struct synack_sim_tap){
		.kind = SYNACK_SIM_TAP_DELIVER, .now_ns = sim->now_ns, .pkt_id = e->pkt_id,
		.dir_index = e->dir_index, .link = e->link, .src_host = e->src_host,
		.dst_host = e->dst_host, .fate = SYNACK_SIM_DELIVERED,
		.is_duplicate = e->is_dup, .pkt = e->buf, .len = e->len,
	};
	tap_emit(sim, &rec);
}

/* Whether the next queued event is another packet for host dst due now (a burst for a
 * host with GRO). */
static bool next_is_burst(const struct synack_sim *sim, int dst)
{
	uint32_t j = sim_heap_peek(&sim->heap);

	return j != UINT32_MAX && sim->ev[j].kind == SIM_EV_PKT && sim->ev[j].dst_host == dst &&
	       sim->ev[j].t_ns <= sim->now_ns;
}

/* Packet event i (popped) and, for a stack host with GRO on, every packet for it due now
 * right behind it in the queue (at most SIM_GRO_BURST): each is tapped as delivered,
 * then the host gets them in one synack_input_burst. Without GRO exactly one packet. */
static void deliver_burst(struct synack_sim *sim, uint32_t i)
{
	struct sim_host *h = sim_host_get(sim, sim->ev[i].dst_host);
	struct synack_pkt pkts[SIM_GRO_BURST];
	uint32_t idx[SIM_GRO_BURST];
	uint32_t n = 0;

	deliver(sim, &sim->ev[i]);
	if (!h || !h->stack || !synack_stack_config(h->stack)->gro) {
		sim_host_input(sim, sim->ev[i].dst_host, sim->ev[i].buf, sim->ev[i].len);
		sim_event_put(sim, i);
		return;
	}
	idx[n++] = i;
	while (n < SIM_GRO_BURST && next_is_burst(sim, sim->ev[i].dst_host)) {
		idx[n] = sim_heap_pop(&sim->heap);
		deliver(sim, &sim->ev[idx[n]]);
		n++;
	}
	for (uint32_t k = 0; k < n; k++)
		pkts[k] = (struct synack_pkt){sim->ev[idx[k]].buf, sim->ev[idx[k]].len};
	synack_input_burst(h->stack, sim->now_ns, pkts, n);
	for (uint32_t k = 0; k < n; k++)
		sim_event_put(sim, idx[k]);
	sim_host_drain(sim, (int)h->index);
}

static void run_event(struct synack_sim *sim, uint32_t i)
{
	struct sim_event *e = &sim->ev[i];

	if (e->t_ns > sim->now_ns)
		sim->now_ns = e->t_ns;
	if (e->kind == SIM_EV_CALL) {
		synack_sim_call_fn fn = e->fn;
		void *ctx = e->ctx;

		/* Freed first so the call may schedule again into this slot. */
		sim_event_put(sim, i);
		fn(ctx, sim, sim->now_ns);
		return;
	}
	deliver_burst(sim, i);
}

bool synack_sim_step(struct synack_sim *sim)
{
	uint64_t th = heap_time(sim);
	int host = -1;
	uint64_t td = UINT64_MAX;

	/* Host deadlines are clamped to at least now, and ties go to the heap: an event due
	 * now runs first whatever they are, so they are not computed (a bulk transfer at
	 * zero latency never moves the clock). */
	if (th > sim->now_ns)
		td = sim_hosts_next_deadline(sim, &host);

	if (th == UINT64_MAX && td == UINT64_MAX)
		return false;
	if (th <= td) {
		run_event(sim, sim_heap_pop(&sim->heap));
	} else {
		if (td > sim->now_ns)
			sim->now_ns = td;
		sim_host_advance(sim, host);
	}
	/* Socket calls made by a scheduled call or an observer on any stack: send now. */
	synack_sim_flush(sim);
	return true;
}

void synack_sim_run_until(struct synack_sim *sim, uint64_t t_ns)
{
	while (synack_sim_next_time(sim) <= t_ns)
		synack_sim_step(sim);
	if (t_ns > sim->now_ns)
		sim->now_ns = t_ns;
}

bool synack_sim_run_until_idle(struct synack_sim *sim, uint64_t limit_ns)
{
	for (;;) {
		uint64_t t = synack_sim_next_time(sim);

		if (t == UINT64_MAX)
			return true;
		if (t > limit_ns)
			return false;
		synack_sim_step(sim);
	}
}
