/*
 * transfer.c — bulk transfers between two stacks over one simulated link (the contract
 * is in include/synack/transfer.h): `synack transfer`, the integrity matrix, the
 * fairness tests and bench/bulk all run through synack_transfer_run().
 *
 * The driver is the simulator's observer: socket events decide every application call
 * (the synack.h driver loop), so the application reacts at the virtual instant the
 * stack reports readiness, as an epoll loop would:
 *   sender:   CONNECTED / WRITABLE -> send() until -EAGAIN; all written -> SHUT_WR;
 *   receiver: ACCEPTABLE -> accept(); READABLE -> recv() until -EAGAIN; 0 -> SHUT_WR;
 *             CLOSED -> the flow's end states are read (sender TIME-WAIT expected,
 *             receiver CLOSED);
 *   slow receiver (cfg read_every_ns): READABLE only schedules a read_tick, which calls
 *             recv() once per flow (read_chunk_bytes at most) and comes back every
 *             read_every_ns while data is buffered.
 * Data is a xorshift64* stream seeded per flow, hashed with SHA-256 where it is handed to
 * send() and where recv() returns it.
 *
 * Corruption accounting: every delivered copy is checked here, independently of the
 * stack, for a bad IPv4 header checksum or TCP checksum; the stacks' drop counters must
 * account for exactly the corrupted copies (RFC 1071: a single flipped bit changes the
 * one's-complement sum by +-2^k, never by a multiple of 0xffff, so it is always caught).
 *
 * Memory: everything comes from the caller's allocator. Large blocks (send and receive
 * rings, which the engine frees when they empty and takes again on the next segment)
 * are kept in a small cache for the run, so a bulk transfer does not map and unmap
 * megabytes per segment.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "base/alloc.h"
#include "synack/sim.h"
#include "synack/synack.h"
#include "synack/transfer.h"
#include "wire/wire.h"

#define ADDR_S 0x0a000001u
#define ADDR_R 0x0a000002u
#define CHUNK  65536u
#define NS_PER_S 1000000000ull
#define CACHE_SLOTS 8
#define CACHE_MIN (64u * 1024u)

struct cache_slot {
	void *p;
	size_t size;
};

/* The run's allocator: the caller's, with a few large blocks kept for reuse. */
struct cache {
	struct base_allocator up;
	struct cache_slot slot[CACHE_SLOTS];
};

struct xrun;

struct xflow {
	struct xrun *run;
	uint32_t index;
	int sfd, rfd;
	uint16_t lport;
	uint64_t total;           /* UINT64_MAX in a timed run */
	uint64_t generated;
	uint32_t off, len;
	uint64_t x;               /* data generator state, never 0 */
	crypto_hash_sha256_state hs, hr;
	bool shut, rshut, closed, failed;
	uint64_t win_start;
	/* zero-copy sender without hashing (write_known): the memory [zc_lo, zc_hi) holds
	 * the chunk's bytes from offset zc_phase on, repeating; zc_next is where the next
	 * reservation starts if the ring kept its storage, and [zc_start, zc_end) that
	 * storage when a reservation wrapped in it (0: not known) */
	uintptr_t zc_lo, zc_hi, zc_next, zc_start, zc_end;
	uint32_t zc_phase;
	uint8_t chunk[CHUNK];
};

struct xrun {
	const struct synack_transfer_config *cfg;
	struct synack_transfer_result *res;
	struct cache cache;
	struct synack_sim *sim;
	struct synack_stack *snd, *rcv;
	int hs, hr, link, lfd;
	uint32_t nflows, ndone;
	bool stop, failed;
	bool read_due;          /* slow reader: a read_tick is scheduled */
	struct xflow flow[SYNACK_TRANSFER_MAX_FLOWS];
	uint8_t scratch[CHUNK];
};

/* ---- allocator cache --------------------------------------------------------------- */

static void *cache_alloc(void *ctx, size_t size)
{
	struct cache *c = ctx;

	if (size >= CACHE_MIN) {
		for (int i = 0; i < CACHE_SLOTS; i++) {
			if (c->slot[i].p && c->slot[i].size == size) {
				void *p = c->slot[i].p;

				c->slot[i].p = NULL;
				return p;
			}
		}
	}
	return c->up.alloc(c->up.ctx, size);
}

static void cache_free(void *ctx, void *p, size_t size)
{
	struct cache *c = ctx;

	if (!p)
		return;
	if (size >= CACHE_MIN) {
		for (int i = 0; i < CACHE_SLOTS; i++) {
			if (!c->slot[i].p) {
				c->slot[i].p = p;
				c->slot[i].size = size;
				return;
			}
		}
	}
	c->up.free(c->up.ctx, p, size);
}

static void cache_release(struct cache *c)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (c->slot[i].p)
			c->up.free(c->up.ctx, c->slot[i].p, c->slot[i].size);
		c->slot[i].p = NULL;
	}
}

/* ---- parsing helpers ----------------------------------------------------------------- */

/* Parses a non-negative decimal with an optional fraction into value * 10^6 (micro
 * units); *end receives the first character after the number. */
static bool parse_micro(const char *s, uint64_t *out, const char **end)
{
	uint64_t ip = 0, fp = 0, scale = 1000000;
	bool any = false;

	for (; *s >= '0' && *s <= '9'; s++, any = true) {
		if (ip > UINT64_MAX / 100000000ull)
			return false;
		ip = ip * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
			if (scale > 1) {
				scale /= 10;
				fp += (uint64_t)(*s - '0') * scale;
			}
		}
	}
	if (!any)
		return false;
	*out = ip * 1000000ull + fp;
	*end = s;
	return true;
}

static bool mul_micro(uint64_t micro, uint64_t mult, uint64_t *out)
{
	/* micro / 10^6 * mult without overflow for the ranges used here */
	if (mult && micro > UINT64_MAX / mult) {
		uint64_t whole = micro / 1000000ull;

		if (whole > UINT64_MAX / mult)
			return false;
		*out = whole * mult + (micro % 1000000ull) * (mult / 1000000ull);
		return true;
	}
	*out = micro * mult / 1000000ull;
	return true;
}

bool synack_transfer_parse_size(const char *s, bool binary, uint64_t *out)
{
	const char *end;
	uint64_t micro, mult = 1, k = binary ? 1024 : 1000;

	if (!s || !parse_micro(s, &micro, &end))
		return false;
	switch (*end) {
	case 'k': case 'K': mult = k; end++; break;
	case 'm': case 'M': mult = k * k; end++; break;
	case 'g': case 'G': mult = k * k * k; end++; break;
	case 't': case 'T': mult = k * k * k * k; end++; break;
	default: break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B' || (*end == 'b' && !binary) )
		end++;
	else if (!binary && !strcmp(end, "bit"))
		end += 3;
	if (*end)
		return false;
	return mul_micro(micro, mult, out);
}

bool synack_transfer_parse_time(const char *s, uint64_t *out_ns)
{
	const char *end;
	uint64_t micro, mult;

	if (!s || !parse_micro(s, &micro, &end))
		return false;
	if (!strcmp(end, "ns"))
		mult = 1;
	else if (!strcmp(end, "us"))
		mult = 1000;
	else if (!strcmp(end, "ms") || !*end)
		mult = 1000000;
	else if (!strcmp(end, "s"))
		mult = NS_PER_S;
	else
		return false;
	return mul_micro(micro, mult, out_ns);
}

bool synack_transfer_parse_ppm(const char *s, uint32_t *out_ppm)
{
	const char *end;
	uint64_t micro, v;

	if (!s || !parse_micro(s, &micro, &end))
		return false;
	if (!strcmp(end, "%"))
		v = micro / 100;                 /* percent -> ppm */
	else if (!strcmp(end, "ppm"))
		v = micro / 1000000;
	else if (!*end)
		v = micro;                       /* a fraction 0..1 -> ppm */
	else
		return false;
	if (v > 1000000)
		return false;
	*out_ppm = (uint32_t)v;
	return true;
}

/* ---- counters ------------------------------------------------------------------------ */

/* The counter named name, -1 when this build of the stack has none (looked up by name
 * so the transfer reports counters that other parts of the engine add later). */
static int counter_id(const char *name)
{
	for (int i = 0; i < 4096; i++) {
		const char *n = synack_counter_name(i);

		if (!n || !strcmp(n, "?"))
			return -1;
		if (!strcmp(n, name))
			return i;
	}
	return -1;
}

static uint64_t counter_sum(const struct xrun *r, const char *name)
{
	int id = counter_id(name);

	if (id < 0)
		return UINT64_MAX;
	return synack_counter(r->snd, id) + synack_counter(r->rcv, id);
}

/* ---- the application ------------------------------------------------------------------ */

/* The data: xorshift64* words (Vigna 2016), cheap enough not to weigh on the stacks'
 * figures; without hashing (bench) one chunk is made and sent again and again, as
 * iperf does. */
static void fill_chunk(struct xflow *f, bool reuse)
{
	uint64_t left = f->total - f->generated;
	uint32_t n = left < CHUNK ? (uint32_t)left : CHUNK;
	uint64_t x = f->x;

	if (!reuse || !f->len) {
		for (uint32_t i = 0; i + 8 <= CHUNK; i += 8) {
			uint64_t v;

			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			v = x * 0x2545f4914f6cdd1dull;
			memcpy(f->chunk + i, &v, 8);
		}
		f->x = x;
	}
	f->generated += n;
	f->off = 0;
	f->len = n;
}

/* Writes the n chunk bytes from offset src_off (src_off + n <= CHUNK) to dst, the
 * zero-copy sender without hashing: memory this flow wrote in the ring's present storage
 * (the interval, kept by check_storage) already holds those very bytes when it is at the
 * same chunk offset, as the storage of a ring whose capacity is a multiple of the chunk
 * does one lap later: that part is not written again (the data is one chunk sent again
 * and again, iperf's way). */
static void write_known(struct xflow *f, uint8_t *dst, uint32_t src_off, size_t n)
{
	uintptr_t a = (uintptr_t)dst;
	size_t have;

	if (a >= f->zc_lo && a <= f->zc_hi &&
	    (f->zc_phase + (a - f->zc_lo)) % CHUNK == src_off) {
		have = f->zc_hi - a;
		if (have < n) {
			memcpy(dst + have, f->chunk + src_off + have, n - have);
			f->zc_hi = a + n;
		}
		return;
	}
	memcpy(dst, f->chunk + src_off, n);
	f->zc_lo = a;
	f->zc_hi = a + n;
	f->zc_phase = src_off;
}

/* Forgets what write_known knew unless reservation v is in the storage the last one
 * was in: it starts where the last commit ended (at the storage's start when that was
 * its end) and the send ring is not empty. A ring that grew moved to a new block (its
 * reservation starts elsewhere); a ring freed when empty may come back at the same
 * address after another ring wrote there, so an empty ring is new storage as well. */
static void check_storage(struct xrun *r, struct xflow *f, const struct synack_iovec v[2])
{
	uintptr_t a = (uintptr_t)v[0].base, want = f->zc_next;
	struct synack_tcp_info ti;

	if (want && want == f->zc_end)
		want = f->zc_start;
	if (a != want || synack_tcp_info(r->snd, f->sfd, &ti) || !ti.send_queue)
		f->zc_lo = f->zc_hi = f->zc_start = f->zc_end = 0;
	if (v[1].len) {
		f->zc_start = (uintptr_t)v[1].base;
		f->zc_end = a + v[0].len;
	}
}

/* Puts n bytes of the chunk from f->off into the reserved pieces v, in order: copied,
 * or with no_hash through write_known. */
static void write_pieces(struct xrun *r, struct xflow *f, const struct synack_iovec v[2],
			 size_t n)
{
	size_t first = n < v[0].len ? n : v[0].len;

	if (!r->cfg->no_hash) {
		memcpy(v[0].base, f->chunk + f->off, first);
		if (n > first)
			memcpy(v[1].base, f->chunk + f->off + first, n - first);
		return;
	}
	check_storage(r, f, v);
	write_known(f, v[0].base, f->off, first);
	if (n > first)
		write_known(f, v[1].base, f->off + (uint32_t)first, n - first);
	f->zc_next = n > first ? (uintptr_t)v[1].base + (n - first) : (uintptr_t)v[0].base + n;
}

/* send() of the chunk's unsent bytes; with cfg.zerocopy the same through
 * synack_send_reserve/commit, the application writing the bytes into the reserved
 * space itself (from its chunk, the copy send() would make; without hashing only the
 * bytes that memory does not hold yet: write_pieces). */
static ssize_t send_chunk(struct xrun *r, struct xflow *f)
{
	size_t want = f->len - f->off, k;
	struct synack_iovec v[2];
	ssize_t room;

	if (!r->cfg->zerocopy)
		return synack_send(r->snd, f->sfd, f->chunk + f->off, want, 0);
	room = synack_send_reserve(r->snd, f->sfd, v);
	if (room < 0)
		return room;
	k = want < (size_t)room ? want : (size_t)room;
	write_pieces(r, f, v, k);
	return synack_send_commit(r->snd, f->sfd, k);
}

static void sender_write(struct xrun *r, struct xflow *f)
{
	struct synack_transfer_flow *o = &r->res->flow[f->index];

	if (f->sfd < 0 || f->shut || f->failed)
		return;
	while (o->bytes_sent < f->total) {
		ssize_t n;

		if (f->off == f->len)
			fill_chunk(f, r->cfg->no_hash);
		n = send_chunk(r, f);
		if (n <= 0) {
			if (n != -EAGAIN) {
				f->failed = true;
				o->sender_error = (int)-n;
			}
			return;
		}
		if (!r->cfg->no_hash)
			crypto_hash_sha256_update(&f->hs, f->chunk + f->off, (unsigned long long)n);
		f->off += (uint32_t)n;
		o->bytes_sent += (uint64_t)n;
	}
	if (f->total != UINT64_MAX && !f->shut) {
		f->shut = true;
		synack_shutdown(r->snd, f->sfd, SYNACK_SHUT_WR);
	}
}

static struct xflow *flow_by_fd(struct xrun *r, bool sender, int fd)
{
	for (uint32_t i = 0; i < r->nflows; i++)
		if ((sender ? r->flow[i].sfd : r->flow[i].rfd) == fd)
			return &r->flow[i];
	return NULL;
}

static void receiver_accept(struct xrun *r)
{
	for (;;) {
		uint16_t port = 0;
		int fd = synack_accept(r->rcv, r->lfd, NULL, &port);
		struct xflow *f = NULL;

		if (fd < 0)
			return;
		for (uint32_t i = 0; i < r->nflows; i++)
			if (r->flow[i].lport == port && r->flow[i].rfd < 0)
				f = &r->flow[i];
		if (!f) {
			synack_close(r->rcv, fd);
			continue;
		}
		f->rfd = fd;
	}
}

static void flow_finish_states(struct xrun *r, struct xflow *f)
{
	struct synack_transfer_flow *o = &r->res->flow[f->index];
	struct synack_tcp_info ti;

	o->sender_state = synack_tcp_info(r->snd, f->sfd, &ti) == 0 ? ti.state : -1;
	if (o->sender_state >= 0)
		o->total_retrans = ti.total_retrans;
	o->receiver_state = synack_tcp_info(r->rcv, f->rfd, &ti) == 0 ? ti.state : -1;
}

/* The application's use of n received bytes at p: hashed; without hashing nothing
 * (the bench: recv() copied them into scratch, or the zero-copy reader takes them in
 * place and lets them go, as recv() into a buffer nobody reads). */
static void take_bytes(struct xrun *r, struct xflow *f, const uint8_t *p, size_t n)
{
	if (!r->cfg->no_hash)
		crypto_hash_sha256_update(&f->hr, p, (unsigned long long)n);
}

/* recv() of at most max bytes; with cfg.zerocopy the same through synack_recv_view
 * and synack_recv_consume, the bytes taken in place. */
static ssize_t recv_some(struct xrun *r, struct xflow *f, uint32_t max)
{
	struct synack_iovec v[2];
	ssize_t n;
	size_t k, first;

	if (!r->cfg->zerocopy) {
		n = synack_recv(r->rcv, f->rfd, r->scratch, max, 0);
		if (n > 0)
			take_bytes(r, f, r->scratch, (size_t)n);
		return n;
	}
	n = synack_recv_view(r->rcv, f->rfd, v);
	if (n <= 0)
		return synack_recv_consume(r->rcv, f->rfd, 0);   /* recv()'s own answer */
	k = (size_t)n < max ? (size_t)n : max;
	first = k < v[0].len ? k : v[0].len;
	take_bytes(r, f, v[0].base, first);
	if (k > first)
		take_bytes(r, f, v[1].base, k - first);
	return synack_recv_consume(r->rcv, f->rfd, k);
}

/* One recv() of at most max bytes; false when nothing more is to be read now (EAGAIN,
 * end of stream, an error). */
static bool receiver_read_once(struct xrun *r, struct xflow *f, uint32_t max)
{
	struct synack_transfer_flow *o = &r->res->flow[f->index];
	ssize_t n = recv_some(r, f, max);

	if (n == -EAGAIN)
		return false;
	if (n < 0) {
		f->failed = true;
		o->receiver_error = (int)-n;
		return false;
	}
	if (n == 0) {
		o->eof = true;
		o->done_ns = synack_sim_now(r->sim);
		f->rshut = true;
		synack_shutdown(r->rcv, f->rfd, SYNACK_SHUT_WR);
		return false;
	}
	o->bytes_received += (uint64_t)n;
	return true;
}

static void receiver_read(struct xrun *r, struct xflow *f)
{
	while (!f->rshut && receiver_read_once(r, f, sizeof r->scratch))
		;
}

static bool has_unread(struct xrun *r, const struct xflow *f)
{
	return f->rfd >= 0 && !f->rshut && !f->failed &&
	       (synack_poll(r->rcv, f->rfd, SYNACK_POLLIN) & SYNACK_POLLIN);
}

static void read_tick(void *ctx, struct synack_sim *sim, uint64_t now_ns);

/* Slow reader: the next read_tick, unless one is due already. */
static void schedule_read(struct xrun *r)
{
	if (r->read_due)
		return;
	if (synack_sim_at(r->sim, synack_sim_now(r->sim) + r->cfg->read_every_ns, read_tick,
			  r) == 0)
		r->read_due = true;
}

/* Slow reader: one recv() of read_chunk_bytes per flow with data; again later while
 * any flow still has some (scheduled only then, so the simulator can go idle). */
static void read_tick(void *ctx, struct synack_sim *sim, uint64_t now_ns)
{
	struct xrun *r = ctx;
	uint32_t chunk = r->cfg->read_chunk_bytes;
	bool more = false;

	(void)sim;
	(void)now_ns;
	r->read_due = false;
	if (!chunk || chunk > sizeof r->scratch)
		chunk = sizeof r->scratch;
	for (uint32_t i = 0; i < r->nflows; i++) {
		struct xflow *f = &r->flow[i];

		if (has_unread(r, f))
			receiver_read_once(r, f, chunk);
		more |= has_unread(r, f);
	}
	if (more)
		schedule_read(r);
}

static void flow_error(struct xrun *r, struct xflow *f, bool sender, int error)
{
	struct synack_transfer_flow *o = &r->res->flow[f->index];

	f->failed = true;
	if (sender && !o->sender_error)
		o->sender_error = error;
	if (!sender && !o->receiver_error)
		o->receiver_error = error;
	r->failed = true;
}

static void on_receiver_closed(struct xrun *r, struct xflow *f)
{
	if (f->closed)
		return;
	f->closed = true;
	flow_finish_states(r, f);
	r->ndone++;
}

static void on_event(struct xrun *r, int host, const struct synack_event *ev)
{
	bool sender = host == r->hs;
	struct xflow *f;

	if (!sender && ev->fd == r->lfd) {
		if (ev->kind == SYNACK_EV_ACCEPTABLE)
			receiver_accept(r);
		return;
	}
	f = flow_by_fd(r, sender, ev->fd);
	if (!f)
		return;
	switch (ev->kind) {
	case SYNACK_EV_CONNECTED:
	case SYNACK_EV_WRITABLE:
		if (sender)
			sender_write(r, f);
		break;
	case SYNACK_EV_READABLE:
		if (!sender && r->cfg->read_every_ns) {
			schedule_read(r);       /* the slow application reads later */
		} else if (!sender) {
			receiver_read(r, f);
		} else {
			/* the receiver sends nothing: drain its end of stream */
			while (synack_recv(r->snd, f->sfd, r->scratch, sizeof r->scratch, 0) > 0)
				;
		}
		break;
	case SYNACK_EV_CLOSED:
		if (!sender)
			on_receiver_closed(r, f);
		break;
	case SYNACK_EV_RESET:
	case SYNACK_EV_ERROR:
		flow_error(r, f, sender, ev->error);
		break;
	default:
		break;
	}
}

static void observer(void *ctx, struct synack_sim *sim, const struct synack_sim_obs *obs)
{
	(void)sim;
	if (obs->kind == SYNACK_SIM_OBS_EVENT)
		on_event(ctx, obs->host, obs->event);
}

/* ---- the link tap --------------------------------------------------------------------- */

/* Whether a delivered IPv4/TCP packet fails its header or TCP checksum (the packets of
 * this run carry no IP options: the header is 20 bytes as sent). */
static bool csum_fails(const uint8_t *p, size_t len)
{
	uint32_t src, dst;

	if (len < 20 || !wire_ipv4_csum_ok(p, 20))
		return true;
	src = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
	dst = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	return !wire_tcp_csum_ok(src, dst, p + 20, len - 20);
}

/* The link tap, installed only when a caller's tap or corruption is configured: the
 * counts come from synack_sim_stats (collect). */
static void tap(void *ctx, const struct synack_sim_tap *rec)
{
	struct xrun *r = ctx;

	if (rec->kind == SYNACK_SIM_TAP_DELIVER && r->cfg->corrupt_ppm &&
	    csum_fails(rec->pkt, rec->len))
		r->res->corrupted_csum_caught++;
	if (r->cfg->tap)
		r->cfg->tap(r->cfg->tap_ctx, rec);
}

/* ---- setup ------------------------------------------------------------------------------ */

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static uint32_t choose_buf(const struct synack_transfer_config *cfg)
{
	uint64_t bdp, b;

	if (cfg->buf_bytes)
		return cfg->buf_bytes;
	if (cfg->default_bufs)
		return 6u << 20;        /* synack_config_default's rmem_max */
	if (!cfg->bandwidth_bps)
		return 4u << 20;
	bdp = cfg->bandwidth_bps / 8 * cfg->rtt_ns / NS_PER_S;
	b = pow2_at_least(2 * bdp);
	if (b < (4u << 20))
		b = 4u << 20;
	if (b > (256u << 20))
		b = 256u << 20;
	return (uint32_t)b;
}

static void stack_config(const struct synack_transfer_config *cfg, uint32_t buf,
			 struct synack_config *c)
{
	synack_config_default(c);
	if (!cfg->default_bufs) {
		c->rmem_default = c->rmem_max = buf;
		if (cfg->rcv_initial_bytes && cfg->rcv_initial_bytes < buf)
			c->rmem_default = cfg->rcv_initial_bytes;       /* autotuning grows it */
		c->wmem_default = c->wmem_max = buf;
	}
	c->mtu = cfg->mtu ? cfg->mtu : 1500;
	c->notes_max = 0;                /* no decision log: nobody reads it here */
	if (cfg->no_sack)
		c->sack = 0;
	c->gso = cfg->gso;
	c->gro = cfg->gro;
	if (cfg->ecn)
		c->tcp_ecn = 1;
	if (cfg->cc) {
		/* Linux calls NewReno "reno"; an unknown name makes the stack refuse the
		 * config, so the run fails at setup instead of using another algorithm */
		const char *cc = !strcmp(cfg->cc, "newreno") ? "reno" : cfg->cc;
		size_t n = strlen(cc);

		memset(c->congestion_control, 0, sizeof c->congestion_control);
		memcpy(c->congestion_control, cc,
		       n < sizeof c->congestion_control ? n : sizeof c->congestion_control - 1);
	}
}

static void link_dir(const struct synack_transfer_config *cfg, uint32_t queue,
		     struct synack_link_dir *d)
{
	uint64_t rmax = cfg->reorder_max_ns;

	memset(d, 0, sizeof(*d));
	if (!rmax)
		rmax = cfg->rtt_ns / 2 < 1000000 && cfg->rtt_ns ? cfg->rtt_ns / 2 : 1000000;
	d->latency_ns = cfg->rtt_ns / 2;
	d->bandwidth_bps = cfg->bandwidth_bps;
	d->queue_pkts = queue;
	d->loss_ppm = cfg->loss_ppm;
	d->dup_ppm = cfg->dup_ppm;
	d->reorder_ppm = cfg->reorder_ppm;
	d->reorder_max_ns = rmax > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)rmax;
	d->corrupt_ppm = cfg->corrupt_ppm;
	d->ecn_mark_ppm = cfg->ecn_mark_ppm;
	d->ecn_mark_pkts = cfg->ecn_mark_pkts;
}

static void connect_flow(struct xrun *r, struct xflow *f)
{
	int fd = synack_socket(r->snd);
	uint16_t port = 0;
	int err;

	if (fd < 0) {
		flow_error(r, f, true, -fd);
		return;
	}
	f->sfd = fd;
	err = synack_connect(r->snd, fd, ADDR_R, SYNACK_TRANSFER_PORT);
	if (err != -EINPROGRESS && err != 0) {
		flow_error(r, f, true, -err);
		return;
	}
	synack_getsockname(r->snd, fd, NULL, &port);
	f->lport = port;
}

static void connect_later(void *ctx, struct synack_sim *sim, uint64_t now_ns)
{
	struct xflow *f = ctx;

	(void)sim;
	(void)now_ns;
	connect_flow(f->run, f);
}

static void measure_start(void *ctx, struct synack_sim *sim, uint64_t now_ns)
{
	struct xrun *r = ctx;

	(void)sim;
	(void)now_ns;
	for (uint32_t i = 0; i < r->nflows; i++)
		r->flow[i].win_start = r->res->flow[i].bytes_received;
}

static void stop_run(void *ctx, struct synack_sim *sim, uint64_t now_ns)
{
	struct xrun *r = ctx;

	(void)sim;
	(void)now_ns;
	r->stop = true;
}

static int fail(struct synack_transfer_result *res, int err, const char *what)
{
	res->error = err;
	res->what = what;
	return err;
}

static int setup(struct xrun *r)
{
	const struct synack_transfer_config *cfg = r->cfg;
	struct synack_transfer_result *res = r->res;
	uint32_t buf = choose_buf(cfg), queue = cfg->queue_pkts, pkts;
	struct synack_sim_config sc = {0};
	struct synack_config c;
	struct synack_link_dir d;

	/* Without a configured queue the queue holds both buffers' worth of segments, so a
	 * sender that is limited by the window alone never overflows it. */
	pkts = buf / 1000 + 64;
	if (!queue)
		queue = pkts;
	res->buf_bytes = buf;
	res->queue_pkts = queue;
	sc.seed = cfg->seed;
	sc.plain_driver = cfg->plain_sim;
	sc.max_hosts = 2;
	sc.max_links = 1;
	sc.max_events = (2 * pkts + queue) * 2 * r->nflows + 4096;
	sc.pkt_max_bytes = (cfg->mtu ? cfg->mtu : 1500) + 64;
	sc.queue_max_pkts = queue;
	sc.env.alloc = cache_alloc;
	sc.env.free = cache_free;
	sc.env.ctx = &r->cache;
	r->sim = synack_sim_new(&sc);
	if (!r->sim)
		return fail(res, -ENOMEM, "simulator");
	stack_config(cfg, buf, &c);
	r->hs = synack_sim_add_stack_host(r->sim, "sender", ADDR_S, &c);
	r->hr = synack_sim_add_stack_host(r->sim, "receiver", ADDR_R, &c);
	if (r->hs < 0 || r->hr < 0)
		return fail(res, r->hs < 0 ? r->hs : r->hr, "stack");
	link_dir(cfg, queue, &d);
	r->link = synack_sim_add_link(r->sim, r->hs, r->hr, &d, &d);
	if (r->link < 0)
		return fail(res, r->link, "link");
	res->cc_applied = cfg->cc != NULL;
	r->snd = synack_sim_stack(r->sim, r->hs);
	r->rcv = synack_sim_stack(r->sim, r->hr);
	r->lfd = synack_socket(r->rcv);
	if (r->lfd < 0 || synack_bind(r->rcv, r->lfd, SYNACK_ADDR_ANY, SYNACK_TRANSFER_PORT) ||
	    synack_listen(r->rcv, r->lfd, SYNACK_TRANSFER_MAX_FLOWS))
		return fail(res, -EINVAL, "listen");
	synack_sim_set_observer(r->sim, observer, r);
	if (cfg->tap || cfg->corrupt_ppm)
		synack_sim_set_tap(r->sim, tap, r);
	return 0;
}

static void init_flows(struct xrun *r)
{
	const struct synack_transfer_config *cfg = r->cfg;

	for (uint32_t i = 0; i < r->nflows; i++) {
		struct xflow *f = &r->flow[i];
		struct synack_transfer_flow *o = &r->res->flow[i];

		f->run = r;
		f->index = i;
		f->sfd = f->rfd = -1;
		f->total = cfg->bytes ? cfg->bytes : UINT64_MAX;
		f->x = (cfg->seed + i + 1) * 0x9e3779b97f4a7c15ull | 1;
		crypto_hash_sha256_init(&f->hs);
		crypto_hash_sha256_init(&f->hr);
		o->sender_state = o->receiver_state = -1;
	}
}

/* ---- the run ----------------------------------------------------------------------------- */

static void report_progress(struct xrun *r)
{
	struct synack_transfer_progress p = {0};

	p.now_ns = synack_sim_now(r->sim);
	for (uint32_t i = 0; i < r->nflows; i++)
		p.bytes_received += r->res->flow[i].bytes_received;
	p.bytes_total = r->cfg->bytes * r->nflows;
	p.retrans = counter_sum(r, "tcp_retrans");
	r->cfg->progress(r->cfg->progress_ctx, &p);
}

/* Runs until every flow ended (or failed), the stop call, or the time limit. */
static void run_data(struct xrun *r)
{
	const struct synack_transfer_config *cfg = r->cfg;
	uint64_t limit = cfg->time_limit_ns ? cfg->time_limit_ns : 3600ull * NS_PER_S;
	uint64_t every = cfg->progress_every_ns ? cfg->progress_every_ns : NS_PER_S / 10;
	uint64_t next_progress = every;

	/* The limit is checked after each step (the clock passes it by at most one event):
	 * asking synack_sim_next_time() first would compute every host's deadline twice. */
	while (!r->stop && r->ndone < r->nflows && !r->failed) {
		if (!synack_sim_step(r->sim))
			return;
		if (synack_sim_now(r->sim) > limit) {
			r->res->timed_out = true;
			return;
		}
		if (cfg->progress && synack_sim_now(r->sim) >= next_progress) {
			report_progress(r);
			next_progress = synack_sim_now(r->sim) + every;
		}
	}
}

static uint64_t listed(struct synack_stack *s)
{
	return synack_sock_list(s, NULL, 0);
}

/* Closes every descriptor and runs to idle: TIME-WAIT expires, nothing may remain. */
static void run_close(struct xrun *r)
{
	struct synack_transfer_result *res = r->res;
	uint64_t limit;

	for (uint32_t i = 0; i < r->nflows; i++) {
		if (r->flow[i].sfd >= 0)
			synack_close(r->snd, r->flow[i].sfd);
		if (r->flow[i].rfd >= 0)
			synack_close(r->rcv, r->flow[i].rfd);
		r->flow[i].sfd = r->flow[i].rfd = -1;
	}
	synack_sim_flush(r->sim);
	limit = synack_sim_now(r->sim) + 2ull * synack_stack_config(r->snd)->msl_ms * 1000000ull +
		10 * NS_PER_S;
	synack_sim_run_until_idle(r->sim, limit);
	res->idle_ns = synack_sim_now(r->sim);
	res->left_sender = listed(r->snd);
	res->left_receiver = listed(r->rcv) - 1;     /* the listener */
	res->stuck = res->left_sender || res->left_receiver;
}

static double jain(const struct synack_transfer_result *res, bool window)
{
	double sum = 0, sq = 0;

	for (uint32_t i = 0; i < res->flows; i++) {
		double x = (double)(window ? res->flow[i].window_bytes : res->flow[i].bytes_received);

		sum += x;
		sq += x * x;
	}
	return sq > 0 ? sum * sum / ((double)res->flows * sq) : 0;
}

static void collect(struct xrun *r)
{
	const struct synack_transfer_config *cfg = r->cfg;
	struct synack_transfer_result *res = r->res;
	bool all = true;
	uint64_t last = 0;

	for (uint32_t i = 0; i < r->nflows; i++) {
		struct xflow *f = &r->flow[i];
		struct synack_transfer_flow *o = &res->flow[i];

		res->bytes_total += o->bytes_received;
		o->window_bytes = o->bytes_received - f->win_start;
		if (!cfg->no_hash) {
			crypto_hash_sha256_final(&f->hs, o->sha_sent);
			crypto_hash_sha256_final(&f->hr, o->sha_received);
		}
		o->sha_equal = !memcmp(o->sha_sent, o->sha_received, 32) &&
			       o->bytes_sent == o->bytes_received;
		if (!f->closed && f->sfd >= 0 && f->rfd >= 0)
			flow_finish_states(r, f);
		if (o->done_ns > last)
			last = o->done_ns;
		all = all && o->eof && f->closed && o->sha_equal &&
		      o->sender_state == SYNACK_STATE_TIME_WAIT &&
		      o->receiver_state == SYNACK_STATE_CLOSED;
	}
	res->completed = all && !res->timed_out && !cfg->run_for_ns;
	res->duration_ns = cfg->run_for_ns ? synack_sim_now(r->sim) : last;
	res->closed_ns = synack_sim_now(r->sim);
	if (res->duration_ns)
		res->goodput_bps = (double)res->bytes_total * 8e9 / (double)res->duration_ns;
	if (cfg->run_for_ns && cfg->measure_from_ns < cfg->run_for_ns)
		res->goodput_bps = 0;
	res->jain_index = jain(res, cfg->run_for_ns != 0);
}

/* The stacks' counters, read last (the close phase retransmits and drops too). */
/* The stacks' counters added up, and what the simulator did with the packets. */
static void collect_counters(struct xrun *r)
{
	struct synack_transfer_result *res = r->res;
	struct synack_sim_stats st;

	synack_sim_stats(r->sim, &st);
	res->pkts = st.pkts;
	memcpy(res->fate, st.fate, sizeof res->fate);
	res->duplicated = st.duplicated;
	res->reordered = st.reordered;
	res->corrupted = st.corrupted;
	res->ce_marked = st.ce_marked;
	res->retrans = counter_sum(r, "tcp_retrans");
	res->fast_retrans = counter_sum(r, "tcp_fast_retrans");
	res->ece_in = counter_sum(r, "tcp_ece_in");
	res->ecn_reductions = counter_sum(r, "tcp_ecn_reductions");
	res->cwr_out = counter_sum(r, "tcp_cwr_out");
	res->rtos = counter_sum(r, "tcp_rto");
	res->bad_csum = counter_sum(r, "ip_bad_csum") + counter_sum(r, "tcp_bad_csum") +
			counter_sum(r, "ip_malformed") + counter_sum(r, "tcp_malformed");
}

static int run(struct xrun *r)
{
	const struct synack_transfer_config *cfg = r->cfg;
	int err = setup(r);

	if (err)
		return err;
	init_flows(r);
	for (uint32_t i = 0; i < r->nflows; i++) {
		if (i == 0 || !cfg->stagger_ns)
			connect_flow(r, &r->flow[i]);
		else if (synack_sim_at(r->sim, i * cfg->stagger_ns, connect_later, &r->flow[i]))
			return fail(r->res, -ENOSPC, "schedule");
	}
	if (cfg->run_for_ns) {
		if (synack_sim_at(r->sim, cfg->measure_from_ns, measure_start, r) ||
		    synack_sim_at(r->sim, cfg->run_for_ns, stop_run, r))
			return fail(r->res, -ENOSPC, "schedule");
	}
	synack_sim_flush(r->sim);
	run_data(r);
	collect(r);
	if (!cfg->run_for_ns && !cfg->no_close_check)
		run_close(r);
	collect_counters(r);
	return 0;
}

int synack_transfer_run(const struct synack_transfer_config *cfg,
			struct synack_transfer_result *res)
{
	struct base_allocator up;
	struct xrun *r;
	int err;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!cfg || !cfg->env.alloc || !cfg->env.free)
		return fail(res, -EINVAL, "config");
	if (cfg->flows > SYNACK_TRANSFER_MAX_FLOWS || (!cfg->bytes && !cfg->run_for_ns))
		return fail(res, -EINVAL, "config");
	up = (struct base_allocator){cfg->env.alloc, cfg->env.free, cfg->env.ctx};
	r = base_zalloc(&up, sizeof(*r));
	if (!r)
		return fail(res, -ENOMEM, "run");
	r->cfg = cfg;
	r->res = res;
	r->cache.up = up;
	r->nflows = cfg->flows ? cfg->flows : 1;
	res->flows = r->nflows;
	err = run(r);
	synack_sim_free(r->sim);
	cache_release(&r->cache);
	base_free(&up, r, sizeof(*r));
	if (err)
		return err;
	if (cfg->run_for_ns)
		return res->timed_out ? 1 : 0;
	if (!res->completed || res->stuck)
		return 1;
	if (!cfg->no_close_check && (res->corrupted != res->corrupted_csum_caught ||
				     res->corrupted != res->bad_csum))
		return 1;
	return 0;
}
