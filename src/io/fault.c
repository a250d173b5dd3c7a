/*
 * fault.c — the loop's fault injector: loss, duplication, delay with jitter and
 * reordering between the engine and the TUN device, seeded, with the semantics of Linux's
 * netem qdisc (tc-netem(8); net/sched/sch_netem.c netem_enqueue). It exists because the
 * kernels the tests run on may be built without sch_netem (see docs/tun.md).
 *
 * Per packet, in netem's order: a duplicate is made with probability dup (count 2), then
 * loss takes one copy away with probability loss; each remaining copy is either sent at
 * once (probability reorder: netem's "reorder P", gap 1) or held until now + delay ±
 * jitter (uniform). Held packets sit in a binary min-heap ordered by (release time,
 * arrival number), so equal times keep their order.
 *
 * Invariants: at most limit packets are held per direction (more are dropped and counted
 * as lost, netem's tail drop); each direction has its own random stream, so its n-th
 * packet meets the same fate for a given seed whatever the other direction does. Held
 * packets are copied into malloc()ed buffers: this path allocates per delayed packet,
 * which is acceptable for a test facility and costs nothing when faults are off.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

#define DEFAULT_LIMIT 1000u
#define PPM 1000000u

struct held {
	uint64_t at;          /* release time, ns */
	uint64_t order;       /* arrival number: ties keep arrival order */
	uint8_t *pkt;
	size_t len;
	int dir;
};

struct io_fault {
	struct synack_fault_opts o;
	uint64_t rng[3];      /* indexed by SYNACK_LOOP_RX / SYNACK_LOOP_TX */
	size_t nheld[3];
	struct held *heap;
	size_t n, cap;
	uint64_t next_order;
	uint8_t *popped;      /* the packet io_fault_pop last returned, freed on next call */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- parsing ------------------------------------------------------------------------ */

/* "5", "5%", "0.25%" -> parts per million; false when malformed or above 100 %. */
static bool parse_pct(const char *s, size_t len, uint32_t *ppm)
{
	uint64_t whole = 0, frac = 0, scale = 10000;   /* 1 % = 10000 ppm */
	size_t i = 0;
	bool digits = false;

	if (len && s[len - 1] == '%')
		len--;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
		whole = whole * 10 + (uint64_t)(s[i] - '0');
		if (whole > 100)
			return false;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
			if (scale == 1)
				return false;      /* finer than 1 ppm */
			scale /= 10;
			frac += (uint64_t)(s[i] - '0') * scale;
		}
	}
	if (!digits || i != len || whole * 10000 + frac > PPM)
		return false;
	*ppm = (uint32_t)(whole * 10000 + frac);
	return true;
}

/* "20ms", "500us", "1s" -> microseconds; a unit is required (tc's bare number means µs,
 * a trap we do not copy). */
static bool parse_time(const char *s, size_t len, uint32_t *us)
{
	uint64_t v = 0, mult;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (i == 0)
		return false;
	if (len - i == 2 && !memcmp(s + i, "us", 2))
		mult = 1;
	else if (len - i == 2 && !memcmp(s + i, "ms", 2))
		mult = 1000;
	else if (len - i == 1 && s[i] == 's')
		mult = 1000000;
	else
		return false;
	if (v * mult > 60u * 1000000u)     /* a minute: more is surely a mistake */
		return false;
	*us = (uint32_t)(v * mult);
	return true;
}

static bool parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_dir(const char *s, size_t len, unsigned *dirs)
{
	if (len == 2 && !memcmp(s, "rx", 2))
		*dirs = 1u << SYNACK_LOOP_RX;
	else if (len == 2 && !memcmp(s, "tx", 2))
		*dirs = 1u << SYNACK_LOOP_TX;
	else if (len == 4 && !memcmp(s, "both", 4))
		*dirs = 1u << SYNACK_LOOP_RX | 1u << SYNACK_LOOP_TX;
	else
		return false;
	return true;
}

/* One key=value item; false when the value does not parse. */
static bool parse_item(struct synack_fault_opts *o, const char *key, size_t klen,
		       const char *v, size_t vlen, bool *known)
{
	uint64_t n;

	*known = true;
	if (klen == 4 && !memcmp(key, "loss", 4))
		return parse_pct(v, vlen, &o->loss_ppm);
	if (klen == 3 && !memcmp(key, "dup", 3))
		return parse_pct(v, vlen, &o->dup_ppm);
	if (klen == 7 && !memcmp(key, "reorder", 7))
		return parse_pct(v, vlen, &o->reorder_ppm);
	if (klen == 5 && !memcmp(key, "delay", 5))
		return parse_time(v, vlen, &o->delay_us);
	if (klen == 6 && !memcmp(key, "jitter", 6))
		return parse_time(v, vlen, &o->jitter_us);
	if (klen == 3 && !memcmp(key, "dir", 3))
		return parse_dir(v, vlen, &o->dirs);
	if (klen == 4 && !memcmp(key, "seed", 4))
		return parse_u64(v, vlen, UINT64_MAX, &o->seed);
	if (klen == 5 && !memcmp(key, "limit", 5)) {
		if (!parse_u64(v, vlen, 1000000, &n) || !n)
			return false;
		o->limit = (uint32_t)n;
		return true;
	}
	*known = false;
	return false;
}

int synack_fault_parse(const char *spec, struct synack_fault_opts *out, char *err,
		       size_t errlen)
{
	struct synack_fault_opts o = { .seed = 1 };
	const char *p = spec;

	if (!spec || !*spec) {
		set_err(err, errlen, "empty fault spec");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ","), klen;
		const char *eq = memchr(p, '=', len);
		bool known;

		klen = eq ? (size_t)(eq - p) : len;
		if (!eq || !parse_item(&o, p, klen, eq + 1, len - klen - 1, &known)) {
			set_err(err, errlen, !eq ? "'%.*s': expected KEY=VALUE" :
				known ? "'%.*s': bad value (percent 0..100, time with us/ms/s)" :
				"'%.*s': unknown key (loss, dup, reorder, delay, jitter, limit, seed, dir)",
				(int)len, p);
			return -EINVAL;
		}
		p += len;
		if (*p == ',' && *++p == '\0') {
			set_err(err, errlen, "trailing comma");
			return -EINVAL;
		}
	}
	if ((o.reorder_ppm || o.jitter_us) && !o.delay_us) {
		/* tc-netem: "reordering not possible without specifying some delay" */
		set_err(err, errlen, "%s needs a delay", o.reorder_ppm ? "reorder" : "jitter");
		return -EINVAL;
	}
	*out = o;
	return 0;
}

/* ---- the injector ------------------------------------------------------------------- */

/* SplitMix64 (Steele, Lea, Flood 2014): one 64-bit output per step. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static bool chance(uint64_t *state, uint32_t ppm)
{
	if (!ppm)
		return false;     /* no draw: a zero knob does not shift the stream */
	return next_rand(state) % PPM < ppm;
}

struct io_fault *io_fault_new(const struct synack_fault_opts *o)
{
	struct io_fault *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->o = *o;
	if (!f->o.limit)
		f->o.limit = DEFAULT_LIMIT;
	if (!f->o.dirs)
		f->o.dirs = 1u << SYNACK_LOOP_RX | 1u << SYNACK_LOOP_TX;
	f->rng[SYNACK_LOOP_RX] = o->seed ^ 0x5258u;     /* "RX" */
	f->rng[SYNACK_LOOP_TX] = o->seed ^ 0x5458u;     /* "TX" */
	return f;
}

void io_fault_free(struct io_fault *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->heap[i].pkt);
	free(f->heap);
	free(f->popped);
	free(f);
}

bool io_fault_applies(const struct io_fault *f, enum synack_loop_dir dir)
{
	return f && (f->o.dirs & (1u << dir));
}

static bool is_before(const struct held *a, const struct held *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void sift_up(struct held *h, size_t i)
{
	while (i) {
		size_t parent = (i - 1) / 2;
		struct held t;

		if (!is_before(&h[i], &h[parent]))
			return;
		t = h[i];
		h[i] = h[parent];
		h[parent] = t;
		i = parent;
	}
}

static void sift_down(struct held *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct held t;

		if (l < n && is_before(&h[l], &h[m]))
			m = l;
		if (r < n && is_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Holds a copy of pkt until at; false (the copy is lost) at the limit or without memory. */
static bool hold(struct io_fault *f, enum synack_loop_dir dir, uint64_t at,
		 const uint8_t *pkt, size_t len)
{
	struct held *e;

	if (f->nheld[dir] >= f->o.limit)
		return false;
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		struct held *nh = realloc(f->heap, ncap * sizeof *nh);

		if (!nh)
			return false;
		f->heap = nh;
		f->cap = ncap;
	}
	e = &f->heap[f->n];
	e->pkt = malloc(len ? len : 1);
	if (!e->pkt)
		return false;
	memcpy(e->pkt, pkt, len);
	e->len = len;
	e->at = at;
	e->dir = (int)dir;
	e->order = f->next_order++;
	sift_up(f->heap, f->n++);
	f->nheld[dir]++;
	return true;
}

/* The delay of one held copy: delay ± jitter, uniform, never below 0 (netem tabledist). */
static uint64_t draw_delay_ns(struct io_fault *f, uint64_t *rng)
{
	int64_t d = (int64_t)f->o.delay_us;

	if (f->o.jitter_us) {
		uint64_t span = 2 * (uint64_t)f->o.jitter_us + 1;

		d += (int64_t)(next_rand(rng) % span) - (int64_t)f->o.jitter_us;
		if (d < 0)
			d = 0;
	}
	return (uint64_t)d * 1000u;
}

unsigned io_fault_admit(struct io_fault *f, enum synack_loop_dir dir, uint64_t now,
			const uint8_t *pkt, size_t len, struct synack_loop_stats *st)
{
	uint64_t *rng = &f->rng[dir];
	bool rx = dir == SYNACK_LOOP_RX;
	unsigned count = 1, now_copies = 0;

	if (chance(rng, f->o.dup_ppm)) {
		count++;
		(*(rx ? &st->rx_fault_dup : &st->tx_fault_dup))++;
	}
	if (chance(rng, f->o.loss_ppm)) {
		count--;
		(*(rx ? &st->rx_fault_lost : &st->tx_fault_lost))++;
	}
	for (unsigned c = 0; c < count; c++) {
		if (!f->o.delay_us) {
			now_copies++;
		} else if (chance(rng, f->o.reorder_ppm)) {
			now_copies++;
			(*(rx ? &st->rx_fault_reordered : &st->tx_fault_reordered))++;
		} else if (hold(f, dir, now + draw_delay_ns(f, rng), pkt, len)) {
			(*(rx ? &st->rx_fault_delayed : &st->tx_fault_delayed))++;
		} else {
			(*(rx ? &st->rx_fault_lost : &st->tx_fault_lost))++;
		}
	}
	return now_copies;
}

uint64_t io_fault_deadline(const struct io_fault *f)
{
	return f && f->n ? f->heap[0].at : UINT64_MAX;
}

bool io_fault_pop(struct io_fault *f, uint64_t now, enum synack_loop_dir *dir,
		  const uint8_t **pkt, size_t *len)
{
	struct held top;

	free(f->popped);
	f->popped = NULL;
	if (!f->n || f->heap[0].at > now)
		return false;
	top = f->heap[0];
	f->heap[0] = f->heap[--f->n];
	sift_down(f->heap, f->n, 0);
	f->nheld[top.dir]--;
	f->popped = top.pkt;
	*dir = (enum synack_loop_dir)top.dir;
	*pkt = top.pkt;
	*len = top.len;
	return true;
}
