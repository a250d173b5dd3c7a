/*
 * bench_bulk.c — `synack bench bulk [--bytes 1G] [--repeat N] [--mtu 1500]`: one
 * connection moves bytes from one stack to another in the simulator with no loss, no
 * latency and infinite bandwidth, so the figure is the CPU cost of the two stacks (and
 * the simulator between them) per byte: MSS 1460 (MTU 1500; timestamps on as Linux, so
 * 1448 bytes of payload per segment), every checksum computed by the sender and verified
 * by the receiver, one copy into the send buffer, one out of the receive buffer. The data
 * is not hashed (synack transfer does that): the application writes a seeded stream
 * and reads into a scratch buffer. --zerocopy: the same amounts through the zero-copy
 * calls (synack_send_reserve/commit, synack_recv_view/consume): the sender writes its
 * chunk into reserved memory that does not hold it yet (one lap of the send ring; later
 * laps find the bytes in place) and the receiver consumes the bytes in place unread, so
 * the only passes over the payload are the stacks': the cut into wire packets (copied
 * and summed) and the receiver's checksum verification and placement.
 *
 * Buffers: the stacks' defaults, Linux's (receive 128 KiB autotuned up to 6 MiB, send
 * 16 KiB autotuned up to 4 MiB), as bench/linux_bulk runs Linux with its own; --buf N
 * fixes both at N bytes from the start instead (the figures before session 9: --buf 4M).
 *
 * Both stacks and the simulator run in this one thread: the figure is goodput per core.
 * Prints each run and ends with "bulk Gbit/s: X" (the best run by CPU time).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_bulk.h"
#include "synack/io.h"
#include "synack/transfer.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: synack bench bulk [--bytes 1G] [--repeat 3] [--mtu 1500] "
		     "[--no-offload] [--zerocopy] [--buf N]\n"
		     "  one connection, no loss, simulator; Gbit/s of goodput per CPU second\n"
		     "  (buffers: the stacks' defaults, Linux's, autotuned; --buf N: both\n"
		     "  send and receive buffers fixed at N bytes from the start)\n"
		     "  (GSO/GRO on unless --no-offload: the link still carries MTU packets;\n"
		     "  --zerocopy: the applications use synack_send_reserve/commit and\n"
		     "  synack_recv_view/consume instead of send()/recv())\n");
}

int bench_bulk(int argc, char **argv)
{
	struct synack_transfer_config c = {0};
	struct synack_transfer_result *res;
	uint64_t bytes = 1ull << 30, repeat = 3, mtu = 1500, buf = 0;
	bool offload = true, zerocopy = false;
	double best = 0;

	for (int i = 1; i < argc; i++) {
		bool ok = i + 1 < argc;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (ok && !strcmp(argv[i], "--bytes")) {
			ok = synack_transfer_parse_size(argv[++i], true, &bytes) && bytes;
		} else if (ok && !strcmp(argv[i], "--repeat")) {
			repeat = strtoull(argv[++i], NULL, 10);
			ok = repeat >= 1 && repeat <= 100;
		} else if (!strcmp(argv[i], "--no-offload")) {
			offload = false;
			ok = true;
		} else if (!strcmp(argv[i], "--zerocopy")) {
			zerocopy = true;
			ok = true;
		} else if (ok && !strcmp(argv[i], "--buf")) {
			ok = synack_transfer_parse_size(argv[++i], true, &buf) && buf >= 4096 &&
			     buf <= (256u << 20);
		} else if (ok && !strcmp(argv[i], "--mtu")) {
			mtu = strtoull(argv[++i], NULL, 10);
			ok = mtu >= 576 && mtu <= 9000;
		} else {
			ok = false;
		}
		if (!ok) {
			usage(stderr);
			return 2;
		}
	}
	if (synack_io_env(&c.env))
		return 1;
	c.bytes = bytes;
	c.mtu = (uint32_t)mtu;
	c.seed = 1;
	c.no_hash = true;
	c.no_close_check = true;
	c.gso = c.gro = offload;
	c.zerocopy = zerocopy;
	c.buf_bytes = (uint32_t)buf;
	c.default_bufs = buf == 0;
	res = calloc(1, sizeof(*res));
	if (!res)
		return 1;
	printf("one connection, MTU %" PRIu64 " (MSS %" PRIu64 "), %" PRIu64
	       " bytes, no loss, simulator, checksums computed and verified, offload %s\n",
	       mtu, mtu - 40, bytes, offload ? "on (GSO/GRO)" : "off");
	if (buf)
		printf("buffers: send and receive fixed at %" PRIu64 " bytes\n", buf);
	else
		printf("buffers: the stacks' defaults (Linux's tcp_rmem/tcp_wmem), autotuned\n");
	if (zerocopy)
		printf("zero-copy API: the sender writes its data into the space "
		       "synack_send_reserve hands out where that memory does not hold it from "
		       "an earlier lap of the ring, the receiver consumes in place "
		       "(synack_recv_view, synack_recv_consume) without reading\n");
	else
		printf("copy API: send() copies each byte into the send buffer, recv() out of "
		       "the receive buffer\n");
	for (uint64_t r = 0; r < repeat; r++) {
		double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		int rc = synack_transfer_run(&c, res);
		double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		double wall = clock_s(CLOCK_MONOTONIC) - w0;
		double gbps = (double)res->bytes_total * 8 / cpu / 1e9;

		if (rc || res->bytes_total != bytes) {
			fprintf(stderr, "bench bulk: the transfer failed (rc %d, %" PRIu64
				" bytes)\n", rc, res->bytes_total);
			free(res);
			return 1;
		}
		printf("run %" PRIu64 ": %.3f s CPU, %.3f s wall: %.2f Gbit/s per CPU second "
		       "(%.2f per wall second), %" PRIu64 " packets\n", r + 1, cpu, wall, gbps,
		       (double)res->bytes_total * 8 / wall / 1e9, res->pkts);
		if (gbps > best)
			best = gbps;
	}
	printf("bulk Gbit/s: %.2f\n", best);
	free(res);
	return 0;
}
