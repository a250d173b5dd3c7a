/*
 * timewait.c — the compact TIME-WAIT table (RFC 9293 §3.6, §3.10.7.4) and the RFC 6191
 * §2 reopen decision. See timewait.h for the structure and its costs.
 *
 * Invariants: every entry is in by_tuple and on the FIFO exactly once; for every
 * entry, the slot of its lport counts it in any, and its laddr is the slot's addr or
 * (slot mixed: addr 0) the by_port record (laddr, lport) counts it too; a slot is
 * mixed only while any > 0 and has several local addresses then; a record exists only
 * while its count is > 0 and only for a mixed slot; pool_in_use(&entries) ==
 * hash_count(&by_tuple).
 */
#include "tcp/timewait.h"

#include <errno.h>
#include <string.h>

#include "tcp/isn.h"
#include "wire/wire.h"

#define ENTRIES_PER_CHUNK 128 /* 8 KiB chunks */
#define PORTS_PER_CHUNK 128
#define INITIAL_BUCKETS 64

/* Count of entries on one local (address, port) whose port slot is mixed. */
struct tw_port {
	struct hash_node hnode;
	uint32_t laddr;
	uint16_t lport;
	uint32_t count;
};

void tw_memo_fill(struct tw_table *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
		  uint16_t rport)
{
	uint64_t out[2];

	tcp_tuple_prf(t->key, laddr, lport, raddr, rport, out);
	t->memo_in[0] = laddr;
	t->memo_in[1] = raddr;
	t->memo_in[2] = (uint32_t)lport << 16 | rport;
	t->memo_isn_half = out[0];
	t->memo_hash = (uint32_t)out[1];
}

/* tw_hash without the memo (t read only) */
static uint32_t hash_tuple(const struct tw_table *t, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport)
{
	uint64_t out[2];

	tcp_tuple_prf(t->key, laddr, lport, raddr, rport, out);
	return (uint32_t)out[1];
}

/* (laddr, lport) are our own address and port (timewait.h): no keyed hash needed */
static uint32_t hash_port(const struct tw_table *t, uint32_t laddr, uint16_t lport)
{
	uint64_t x = ((uint64_t)laddr << 16 | lport) * 0x9e3779b97f4a7c15ull;

	(void)t;
	return (uint32_t)(x >> 32);
}

static uint64_t clamp_deadline(uint64_t deadline_ns)
{
	return deadline_ns > TW_DEADLINE_MAX ? TW_DEADLINE_MAX : deadline_ns;
}

static struct tw_port *find_port(const struct tw_table *t, uint32_t h, uint32_t laddr,
				 uint16_t lport)
{
	for (struct hash_node *n = hash_bucket_first(&t->by_port, h); n; n = n->next) {
		struct tw_port *p = container_of(n, struct tw_port, hnode);

		if (n->hash == h && p->laddr == laddr && p->lport == lport)
			return p;
	}
	return NULL;
}

/* The record for (laddr, lport), created with count 0 if missing; NULL on ENOMEM. */
static struct tw_port *get_port(struct tw_table *t, uint32_t laddr, uint16_t lport)
{
	uint32_t h = hash_port(t, laddr, lport);
	struct tw_port *p = find_port(t, h, laddr, lport);

	if (p)
		return p;
	p = pool_get(&t->ports);
	if (!p)
		return NULL;
	p->laddr = laddr;
	p->lport = lport;
	p->count = 0;
	hash_insert(&t->by_port, &p->hnode, h);
	return p;
}

/* Drops one count from p, freeing the record at zero. */
static void put_port(struct tw_table *t, struct tw_port *p)
{
	if (--p->count > 0)
		return;
	hash_remove(&t->by_port, &p->hnode);
	pool_put(&t->ports, p);
}

/* The page of port slots holding lport, or NULL when no entry ever had a port on it. */
static struct tw_port_page *port_page(const struct tw_table *t, uint16_t lport)
{
	return t->port_pages[lport / TW_PORTS_PER_PAGE];
}

static struct tw_port_slot *port_slot(struct tw_port_page *pg, uint16_t lport)
{
	return &pg->slot[lport % TW_PORTS_PER_PAGE];
}

/*
 * Moves a single-address slot to mixed: its count becomes a by_port record. -ENOMEM
 * changes nothing.
 */
static int make_mixed(struct tw_table *t, struct tw_port_slot *s, uint16_t lport)
{
	struct tw_port *p = get_port(t, s->addr, lport);

	if (!p)
		return -ENOMEM;
	p->count = s->any;
	s->addr = 0;
	return 0;
}

/*
 * Counts one more entry on (laddr, lport) (laddr != 0). -ENOMEM changes nothing (a slot
 * may have become mixed, which answers every question as before).
 */
static int count_port(struct tw_table *t, uint32_t laddr, uint16_t lport)
{
	struct tw_port_page *pg = port_page(t, lport);
	struct tw_port_slot *s;

	if (!pg) {
		pg = base_zalloc(t->entries.alloc, sizeof(*pg));
		if (!pg)
			return -ENOMEM;
		t->port_pages[lport / TW_PORTS_PER_PAGE] = pg;
	}
	s = port_slot(pg, lport);
	if (s->any == 0) {
		s->addr = laddr;
	} else if (s->addr != laddr) {
		struct tw_port *p;

		if (s->addr != 0 && make_mixed(t, s, lport) < 0)
			return -ENOMEM;
		p = get_port(t, laddr, lport);
		if (!p)
			return -ENOMEM;
		p->count++;
	}
	s->any++;
	return 0;
}

/*
 * Drops the count of one entry on (laddr, lport). The page stays (as the pools keep
 * their chunks): a port that comes and goes costs no allocation. A count that was never
 * made (a broken caller) is ignored rather than crashing.
 */
static void uncount_port(struct tw_table *t, uint32_t laddr, uint16_t lport)
{
	struct tw_port_page *pg = port_page(t, lport);
	struct tw_port_slot *s;

	if (!pg)
		return;
	s = port_slot(pg, lport);
	if (s->any == 0)
		return;
	if (s->addr == 0) {
		struct tw_port *p = find_port(t, hash_port(t, laddr, lport), laddr, lport);

		if (p)
			put_port(t, p);
	}
	s->any--;
}

int tw_init(struct tw_table *t, const struct base_allocator *a, const uint8_t key[TW_KEY_BYTES])
{
	int err;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < TW_LANES; i++)
		list_init(&t->lanes[i]);
	memcpy(t->key, key, TW_KEY_BYTES);
	tw_memo_fill(t, 0, 0, 0, 0);       /* the all-zero 4-tuple's */
	err = pool_init(&t->entries, a, sizeof(struct tw_entry), ENTRIES_PER_CHUNK);
	if (!err)
		err = pool_init(&t->ports, a, sizeof(struct tw_port), PORTS_PER_CHUNK);
	if (!err)
		err = hash_init(&t->by_tuple, a, INITIAL_BUCKETS);
	if (!err)
		err = hash_init(&t->by_port, a, INITIAL_BUCKETS);
	if (err) {
		tw_destroy(t);
		return -ENOMEM;
	}
	return 0;
}

void tw_destroy(struct tw_table *t)
{
	hash_destroy(&t->by_tuple);
	hash_destroy(&t->by_port);
	for (size_t i = 0; i < TW_PORT_PAGES; i++)
		if (t->port_pages[i])
			base_free(t->entries.alloc, t->port_pages[i], sizeof(*t->port_pages[i]));
	memset(t->port_pages, 0, sizeof(t->port_pages));
	if (t->entries.alloc)
		pool_destroy(&t->entries);
	if (t->ports.alloc)
		pool_destroy(&t->ports);
	memset(&t->entries, 0, sizeof(t->entries));
	memset(&t->ports, 0, sizeof(t->ports));
	for (int i = 0; i < TW_LANES; i++)
		list_init(&t->lanes[i]);
	t->spread = false;
}

/* The deadline of a lane's last entry; the lane must not be empty. */
static uint64_t tail_deadline(const struct list_node *lane)
{
	return container_of(lane->prev, struct tw_entry, fifo)->deadline_ns;
}

/*
 * Puts e into the lane that keeps every lane sorted at least cost: the lane whose tail
 * is the latest deadline not after e's (O(1) append; with a constant 2*MSL that is
 * always lane 0), else an empty lane, else a sorted walk back from the tail of lane 0.
 */
static void enqueue_walk(struct tw_table *t, struct tw_entry *e)
{
	struct list_node *lane = NULL, *pos;
	int empty = -1;

	for (int i = 0; i < TW_LANES; i++) {
		if (list_empty(&t->lanes[i])) {
			if (empty < 0)
				empty = i;
			continue;
		}
		if (tail_deadline(&t->lanes[i]) <= e->deadline_ns &&
		    (!lane || tail_deadline(&t->lanes[i]) > tail_deadline(lane)))
			lane = &t->lanes[i];
	}
	if (lane || empty >= 0) {
		lane = lane ? lane : &t->lanes[empty];
		list_push_back(lane, &e->fifo);
		t->spread |= lane != &t->lanes[0];
		return;
	}
	lane = &t->lanes[0];
	for (pos = lane->prev; pos != lane; pos = pos->prev)
		if (container_of(pos, struct tw_entry, fifo)->deadline_ns <= e->deadline_ns)
			break;
	list_insert_between(&e->fifo, pos, pos->next);
}

/* Lane 0 when it keeps the order and no other lane is in use (the walk would choose it
 * too: an empty lane is chosen only when no tail is early enough); t->spread false
 * says the other lanes are empty. */
static inline bool lane0_fits(const struct tw_table *t, const struct tw_entry *e)
{
	return !t->spread &&
	       (list_empty(&t->lanes[0]) || tail_deadline(&t->lanes[0]) <= e->deadline_ns);
}

/* enqueue when lane 0 does not fit at once: t->spread brought up to date (the lanes
 * other than 0 may have emptied since it was set: removals and expiries do not look),
 * then lane 0 again or the walk. */
__attribute__((noinline)) static void enqueue_slow(struct tw_table *t, struct tw_entry *e)
{
	bool others = false;

	for (int i = 1; i < TW_LANES; i++)
		others |= !list_empty(&t->lanes[i]);
	t->spread = others;
	if (lane0_fits(t, e))
		list_push_back(&t->lanes[0], &e->fifo);
	else
		enqueue_walk(t, e);
}

/* The usual case (a constant 2*MSL: the other lanes empty) is one test of t->spread
 * and lane 0's tail, inline in tw_add and tw_restart. */
static inline void enqueue(struct tw_table *t, struct tw_entry *e)
{
	if (lane0_fits(t, e))
		list_push_back(&t->lanes[0], &e->fifo);
	else
		enqueue_slow(t, e);
}

int tw_insert(struct tw_table *t, const struct tw_entry *proto, uint64_t deadline_ns,
	      struct tw_entry **out)
{
	if (proto->laddr == 0)
		return -EINVAL;
	return tw_insert_hashed(t, proto, tw_hash(t, proto->laddr, proto->lport, proto->raddr,
						  proto->rport), deadline_ns, out);
}

int tw_insert_hashed(struct tw_table *t, const struct tw_entry *proto, uint32_t h,
		     uint64_t deadline_ns, struct tw_entry **out)
{
	struct tw_entry *e;

	if (proto->laddr == 0)
		return -EINVAL;
	if (tw_lookup_hashed(t, h, proto->laddr, proto->lport, proto->raddr, proto->rport))
		return -EEXIST;
	e = tw_add(t, h, proto->laddr, proto->lport, proto->raddr, proto->rport, deadline_ns);
	if (!e)
		return -ENOMEM;
	e->has_ts = proto->has_ts;
	e->snd_nxt = proto->snd_nxt;
	e->rcv_nxt = proto->rcv_nxt;
	e->ts_recent = proto->ts_recent;
	e->hnode.spare = proto->hnode.spare;
	if (out)
		*out = e;
	return 0;
}

struct tw_entry *tw_add(struct tw_table *t, uint32_t h, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport, uint64_t deadline_ns)
{
	struct tw_entry *e = pool_get(&t->entries);

	if (!e)
		return NULL;
	if (count_port(t, laddr, lport) < 0) {
		pool_put(&t->entries, e);
		return NULL;
	}
	e->deadline_ns = clamp_deadline(deadline_ns) & TW_DEADLINE_MAX;
	e->laddr = laddr;
	e->raddr = raddr;
	e->lport = lport;
	e->rport = rport;
	hash_insert(&t->by_tuple, &e->hnode, h);
	enqueue(t, e);
	return e;
}

struct tw_entry *tw_lookup(const struct tw_table *t, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport)
{
	/* t is read only here: hashed without the memo (the engine uses _hashed) */
	return tw_lookup_hashed(t, hash_tuple(t, laddr, lport, raddr, rport), laddr, lport, raddr,
			  rport);
}



void tw_restart(struct tw_table *t, struct tw_entry *e, uint64_t deadline_ns)
{
	/* RFC 9293 §3.10.7.4: "restart the 2 MSL timeout" */
	e->deadline_ns = clamp_deadline(deadline_ns) & TW_DEADLINE_MAX;
	list_remove(&e->fifo);
	enqueue(t, e);
}

void tw_remove(struct tw_table *t, struct tw_entry *e)
{
	hash_remove(&t->by_tuple, &e->hnode);
	list_remove(&e->fifo);
	uncount_port(t, e->laddr, e->lport);
	pool_put(&t->entries, e);
}

/* The entry with the earliest deadline (the earliest lane head), or NULL. */
static struct tw_entry *earliest(const struct tw_table *t)
{
	struct tw_entry *best = NULL;

	for (int i = 0; i < TW_LANES; i++) {
		struct list_node *n = list_first(&t->lanes[i]);
		struct tw_entry *e;

		if (!n)
			continue;
		e = container_of(n, struct tw_entry, fifo);
		if (!best || e->deadline_ns < best->deadline_ns)
			best = e;
	}
	return best;
}

/* The earliest entry if it has expired at now_ns, else NULL. */
static struct tw_entry *expired_head(const struct tw_table *t, uint64_t now_ns)
{
	struct tw_entry *e = earliest(t);

	return e && e->deadline_ns <= now_ns ? e : NULL;
}

bool tw_pop_expired(struct tw_table *t, uint64_t now_ns, struct tw_entry *out)
{
	struct tw_entry *e = expired_head(t, now_ns);

	if (!e)
		return false;
	*out = *e;
	tw_remove(t, e);
	return true;
}

size_t tw_expire(struct tw_table *t, uint64_t now_ns)
{
	struct tw_entry *e;
	size_t n = 0;

	while ((e = expired_head(t, now_ns)) != NULL) {
		tw_remove(t, e);
		n++;
	}
	return n;
}

uint64_t tw_next_deadline(const struct tw_table *t)
{
	const struct tw_entry *e = earliest(t);

	return e ? e->deadline_ns : UINT64_MAX;
}

/* The first entry of lanes[i..], or NULL. */
static struct tw_entry *first_from_lane(const struct tw_table *t, int i)
{
	for (; i < TW_LANES; i++) {
		struct list_node *n = list_first(&t->lanes[i]);

		if (n)
			return container_of(n, struct tw_entry, fifo);
	}
	return NULL;
}

struct tw_entry *tw_first(const struct tw_table *t)
{
	return first_from_lane(t, 0);
}

struct tw_entry *tw_next(const struct tw_table *t, const struct tw_entry *e)
{
	struct list_node *n = e->fifo.next;

	for (int i = 0; i < TW_LANES; i++)
		if (n == &t->lanes[i])        /* e was its lane's last entry */
			return first_from_lane(t, i + 1);
	return container_of(n, struct tw_entry, fifo);
}

size_t tw_count(const struct tw_table *t)
{
	return hash_count(&t->by_tuple);
}

bool tw_port_in_use(const struct tw_table *t, uint32_t laddr, uint16_t lport)
{
	const struct tw_port_page *pg = port_page(t, lport);
	const struct tw_port_slot *s;

	if (!pg)
		return false;
	s = &pg->slot[lport % TW_PORTS_PER_PAGE];
	if (s->any == 0)
		return false;
	if (laddr == 0)
		return true;
	if (s->addr != 0)
		return s->addr == laddr;
	return find_port(t, hash_port(t, laddr, lport), laddr, lport) != NULL;
}

bool tw_syn_may_reopen(const struct tw_entry *e, uint32_t seg_seq, bool has_ts,
		       uint32_t ts_val)
{
	/* RFC 6191 §2 note: the last sequence number seen is that of the peer's FIN. */
	bool is_seq_newer = seq_gt(seg_seq, e->rcv_nxt - 1u);
	int32_t ts_diff = (int32_t)(ts_val - e->ts_recent);

	if (!e->has_ts)
		return has_ts || is_seq_newer;
	if (!has_ts)
		return is_seq_newer;
	if (ts_diff > 0)
		return true;
	return ts_diff == 0 && is_seq_newer;
}
