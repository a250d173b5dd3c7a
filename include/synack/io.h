/*
 * io.h — the OS-backed pieces of synack that sit outside the sans-IO engine.
 *
 * Only src/io/ touches the operating system; this header is how a program that runs
 * synack on a real host gets what the engine needs injected.
 */
#ifndef SYNACK_IO_H
#define SYNACK_IO_H

#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fills *env with the malloc/free allocator (ctx NULL) and SYNACK_SECRET_LEN bytes from
 * getrandom(2) for the ISN and SYN-cookie keys. Returns 0, or a negative errno when the
 * random source fails (env->secret is then unusable; do not create a stack with it).
 */
int synack_io_env(struct synack_env *env);

#ifdef __cplusplus
}
#endif

#endif
