/*
 * pool.c — fixed-size object pool. Chunk layout: [next-chunk pointer][padding to 16]
 * [objs_per_chunk objects of obj_size]; the padding is computed from the address the
 * allocator returned, so objects are 16-aligned even if the allocator only aligns to 8.
 * Free objects are linked through their first word (obj_size >= sizeof(void *)).
 */
#include <errno.h>
#include <stdint.h>

#include "base/pool.h"

struct pool_chunk {
	struct pool_chunk *next;
};

int pool_init(struct pool *p, const struct base_allocator *a, size_t obj_size,
	      size_t objs_per_chunk)
{
	size_t size;

	memset(p, 0, sizeof(*p));
	p->alloc = a;
	if (obj_size == 0 || objs_per_chunk == 0 || obj_size > SIZE_MAX / 2)
		return -EINVAL;
	size = (obj_size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	/* header + worst-case alignment padding + objects, without overflow */
	if (objs_per_chunk > (SIZE_MAX - sizeof(struct pool_chunk) - POOL_ALIGN) / size)
		return -EINVAL;
	p->obj_size = size;
	p->objs_per_chunk = objs_per_chunk;
	p->chunk_bytes = sizeof(struct pool_chunk) + POOL_ALIGN + size * objs_per_chunk;
	return 0;
}

/* Allocates one chunk and threads its objects onto the free list (first object first). */
int pool_add_chunk(struct pool *p)
{
	struct pool_chunk *c;
	uintptr_t first;

	if (p->obj_size == 0)
		return -EINVAL;         /* pool_init failed */
	c = base_alloc(p->alloc, p->chunk_bytes);
	if (!c)
		return -ENOMEM;
	c->next = p->chunks;
	p->chunks = c;
	p->nchunks++;
	first = ((uintptr_t)(c + 1) + POOL_ALIGN - 1) & ~(uintptr_t)(POOL_ALIGN - 1);
	for (size_t i = p->objs_per_chunk; i-- > 0;) {
		struct pool_free *f = (struct pool_free *)(first + i * p->obj_size);

		f->next = p->free_list;
		p->free_list = f;
	}
	return 0;
}

void pool_destroy(struct pool *p)
{
	struct pool_chunk *c = p->chunks;

	while (c) {
		struct pool_chunk *next = c->next;

		base_free(p->alloc, c, p->chunk_bytes);
		c = next;
	}
	p->chunks = NULL;
	p->free_list = NULL;
	p->in_use = 0;
	p->nchunks = 0;
}
