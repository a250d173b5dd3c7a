/* fuzz_trace.c — libFuzzer target for the tcpdump-format printer: any bytes, any
 * capture length shorter than the packet, any buffer size, both sequence modes (the
 * absolute one with -v: IP options, checksums, ICMP quotes) and a
 * shared tracer across inputs (so the conversation table fills and evicts). The printer
 * must never read outside pkt[0..caplen) (ASan), never write past cap, always leave a
 * NUL-terminated line, and report the same length whatever the buffer size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synack/trace.h"

static struct synack_trace tr_rel, tr_abs;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synack_trace_opts rel = {.ts = SYNACK_TRACE_TS_DELTA};
	struct synack_trace_opts abs = {.absolute_seq = true, .ts = SYNACK_TRACE_TS_DATE,
					.verbose = true};
	char big[4096], small[17];
	size_t cut, n_big, n_small;
	uint8_t *pkt;

	if (!ready) {
		synack_trace_init(&tr_rel, &rel);
		synack_trace_init(&tr_abs, &abs);
		ready = 1;
	}
	if (size < 1)
		return 0;
	/* the first byte picks how much of the rest was "captured" */
	cut = data[0] % 8 == 0 ? 0 : data[0] % 8 * 4;
	data++;
	size--;
	cut = cut < size ? size - cut : size;
	/* an exact-size heap copy so ASan sees any read past caplen */
	pkt = malloc(cut ? cut : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, cut);
	n_big = synack_trace_format(&tr_rel, big, sizeof(big), pkt, size, cut, (int64_t)size * 1000);
	if (n_big < sizeof(big) && strlen(big) != n_big)
		abort();
	n_small = synack_trace_format(&tr_abs, small, sizeof(small), pkt, size, cut, 0);
	if (strlen(small) != (n_small < sizeof(small) ? n_small : sizeof(small) - 1))
		abort();
	free(pkt);
	return 0;
}
