/*
 * env.c — the OS environment for a stack on a real host: malloc-backed allocator and
 * secret keys from getrandom(2) (RFC 6528 §3: the ISN secret "SHOULD be ... random";
 * RFC 4987 §3.6 for the cookie secret). The engine never calls the OS itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "synack/io.h"

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

int synack_io_env(struct synack_env *env)
{
	size_t got = 0;

	env->alloc = env_alloc;
	env->free = env_free;
	env->ctx = NULL;
	while (got < sizeof env->secret) {
		ssize_t n = getrandom(env->secret + got, sizeof env->secret - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}
