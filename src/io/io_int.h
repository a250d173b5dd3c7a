/*
 * io_int.h — pieces shared between the files of src/io (the loop and its control socket).
 */
#ifndef SYNACK_IO_INT_H
#define SYNACK_IO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "synack/loop.h"

/*
 * Waits (polling every 5 ms, at most timeout_ms) until the device is running. The kernel
 * turns the carrier on when a process attaches, but activates the device's queue a
 * little later (link watch, asynchronously): until then what Linux sends to the device
 * is dropped, so a SYN sent at once would see its SYN-ACK lost. Returns 0 or -ETIMEDOUT.
 */
int io_tun_wait_running(const char *ifname, unsigned timeout_ms);

/* Wire format of a control-channel answer (same host, same binary: native layout). */
#define IO_CTL_MAGIC "SYNACKSS"
#define IO_CTL_VERSION 2u
#define IO_CTL_REQUEST "ss\n"

struct io_ctl_hdr {
	char magic[8];
	uint32_t version;
	uint32_t addr;
	int32_t pid;
	uint32_t nsocks;
	uint32_t ncounters;
	uint32_t info_size;          /* sizeof(struct synack_sock_info), checked */
	uint64_t now_ns;
	char ifname[SYNACK_IFNAMSIZ];
	struct synack_loop_stats stats;
};

/*
 * Binds and listens on the control socket: the abstract name "synack/<tun>" when ctl is
 * NULL, else the path ctl (an existing socket file there is replaced only when nothing
 * answers on it). Returns the listening fd (non-blocking) or a negative errno with a
 * message (-EADDRINUSE: another process serves that name).
 */
int io_ctl_listen(const char *tun, const char *ctl, char *err, size_t errlen);

/*
 * Serves one pending client of the listening socket lfd: reads its request (bounded by a
 * short timeout) and writes the snapshot of stack s. Errors with that client are
 * ignored (it is simply closed). Returns true when a client was served.
 */
bool io_ctl_serve(int lfd, struct synack_stack *s, const char *ifname, uint32_t addr,
		  uint64_t now_ns, const struct synack_loop_stats *stats);

/* ---- fault.c: the netem substitute (see synack_fault_opts in loop.h) ---------------- */

struct io_fault;

/* A fault injector with a copy of o (limit and dirs defaulted). NULL without memory. */
struct io_fault *io_fault_new(const struct synack_fault_opts *o);
/* Frees f and every packet it still holds. NULL is a no-op. */
void io_fault_free(struct io_fault *f);
/* true when f is not NULL and applies to direction dir. */
bool io_fault_applies(const struct io_fault *f, enum synack_loop_dir dir);
/*
 * Decides the fate of one packet of direction dir arriving at now (ns): returns how many
 * copies (0..2) the caller passes on at once; copies to delay are copied into f (pkt is
 * borrowed for the call). Counts what happened into st's fault counters.
 */
unsigned io_fault_admit(struct io_fault *f, enum synack_loop_dir dir, uint64_t now,
			const uint8_t *pkt, size_t len, struct synack_loop_stats *st);
/* The release time of the earliest held packet (ns), UINT64_MAX when none (or f NULL). */
uint64_t io_fault_deadline(const struct io_fault *f);
/*
 * Takes the earliest held packet whose release time is <= now: true with its direction,
 * bytes and length (valid until the next io_fault_pop or io_fault_free); false when none
 * is due.
 */
bool io_fault_pop(struct io_fault *f, uint64_t now, enum synack_loop_dir *dir,
		  const uint8_t **pkt, size_t *len);

#endif
