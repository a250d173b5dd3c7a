/*
 * bufcache.c — free-list cache for power-of-two blocks of 4 KiB..256 KiB and for a few
 * registered exact object sizes, in front of an injected allocator (see bufcache.h for
 * the bounds).
 */
#include "base/bufcache.h"

struct cached {
	struct cached *next;
};

/* The class of a cacheable size, or -1. */
static int class_of(size_t size)
{
	int shift;

	if (size < ((size_t)1 << BUFCACHE_MIN_SHIFT) || size > ((size_t)1 << BUFCACHE_MAX_SHIFT) ||
	    (size & (size - 1)))
		return -1;
	shift = __builtin_ctzll((unsigned long long)size);
	return shift - BUFCACHE_MIN_SHIFT;
}

static unsigned class_limit(int cls)
{
	size_t size = (size_t)1 << (cls + BUFCACHE_MIN_SHIFT);
	size_t n = BUFCACHE_CLASS_BYTES / size;

	if (n < 1)
		n = 1;
	return n > BUFCACHE_MAX_PER_CLASS ? BUFCACHE_MAX_PER_CLASS : (unsigned)n;
}

/* The slot of a registered exact size, or -1. */
static int obj_slot(const struct base_bufcache *c, size_t size)
{
	for (int i = 0; i < BUFCACHE_OBJ_SIZES; i++)
		if (c->obj_size[i] == size && size)
			return i;
	return -1;
}

static void *cache_alloc(void *ctx, size_t size)
{
	struct base_bufcache *c = ctx;
	int slot = obj_slot(c, size);
	int cls;

	if (slot >= 0)
		return base_bufcache_obj_alloc(c, slot);
	cls = class_of(size);

	if (cls >= 0 && c->head[cls]) {
		struct cached *b = c->head[cls];

		c->head[cls] = b->next;
		c->count[cls]--;
		c->hits++;
		return b;
	}
	c->misses++;
	return c->backing.alloc(c->backing.ctx, size);
}

static void cache_free(void *ctx, void *p, size_t size)
{
	struct base_bufcache *c = ctx;
	int slot = obj_slot(c, size);
	int cls;

	if (!p)
		return;
	if (slot >= 0) {
		base_bufcache_obj_free(c, slot, p);
		return;
	}
	cls = class_of(size);
	if (cls >= 0 && c->count[cls] < class_limit(cls)) {
		struct cached *b = p;

		b->next = c->head[cls];
		c->head[cls] = b;
		c->count[cls]++;
		return;
	}
	c->backing.free(c->backing.ctx, p, size);
}

void base_bufcache_init(struct base_bufcache *c, const struct base_allocator *backing)
{
	memset(c, 0, sizeof *c);
	c->backing = *backing;
}

struct base_allocator base_bufcache_allocator(struct base_bufcache *c)
{
	struct base_allocator a = { .alloc = cache_alloc, .free = cache_free, .ctx = c };

	return a;
}

int base_bufcache_add_size(struct base_bufcache *c, size_t size)
{
	if (size < sizeof(struct cached) || class_of(size) >= 0 || obj_slot(c, size) >= 0)
		return -1;
	for (int i = 0; i < BUFCACHE_OBJ_SIZES; i++) {
		if (!c->obj_size[i]) {
			c->obj_size[i] = size;
			return 0;
		}
	}
	return -1;
}

void base_bufcache_drain(struct base_bufcache *c)
{
	for (int i = 0; i < BUFCACHE_OBJ_SIZES; i++) {
		while (c->obj_head[i]) {
			struct cached *b = c->obj_head[i];

			c->obj_head[i] = b->next;
			c->backing.free(c->backing.ctx, b, c->obj_size[i]);
		}
		c->obj_count[i] = 0;
	}
	for (int cls = 0; cls < BUFCACHE_CLASSES; cls++) {
		size_t size = (size_t)1 << (cls + BUFCACHE_MIN_SHIFT);

		while (c->head[cls]) {
			struct cached *b = c->head[cls];

			c->head[cls] = b->next;
			c->backing.free(c->backing.ctx, b, size);
		}
		c->count[cls] = 0;
	}
}

size_t base_bufcache_held(const struct base_bufcache *c)
{
	size_t n = 0;

	for (int cls = 0; cls < BUFCACHE_CLASSES; cls++)
		n += (size_t)c->count[cls] << (cls + BUFCACHE_MIN_SHIFT);
	for (int i = 0; i < BUFCACHE_OBJ_SIZES; i++)
		n += c->obj_count[i] * c->obj_size[i];
	return n;
}
