/*
 * test_transfer_bufs.c — synack_transfer_config.default_bufs (what `synack bench bulk`
 * runs by default): both stacks keep synack_config_default's buffers, Linux's
 * tcp_rmem/tcp_wmem, instead of buf_bytes on both ends from the start. Seen on the
 * wire: the receiver's window scale is the one for rmem_max 6 MiB (7: 65535 << 6 falls
 * short of it, RFC 7323 §2.3) and its first ACK of data, sent before the application
 * read the first flight (10 segments, RFC 5681 §3.1 with Linux's initial window:
 * 14 480 bytes either way), offers what is left of its 128 KiB starting buffer,
 * (131072 - 14480) >> 7 = 910, where fixed 4 MiB buffers offer
 * (4194304 - 14480) >> 7 = 32654.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "synack/io.h"
#include "synack/sim.h"
#include "synack/transfer.h"

/* What the tap saw of the receiver's segments: its SYN-ACK's window scale and the
 * window field of its first segment acknowledging data, and the sender's payload bytes
 * before that segment. */
struct seen {
	int wscale;             /* -1 until the SYN-ACK */
	int first_win;          /* -1 until the first ACK of data */
	uint32_t irs_plus1;     /* the sender's ISS + 1, from its SYN */
	uint64_t flight;        /* sender payload bytes before the first ACK of data */
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int syn_wscale(const uint8_t *tcp, size_t hl)
{
	for (size_t i = 20; i < hl;) {
		if (tcp[i] == 0)
			break;
		if (tcp[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || tcp[i + 1] < 2)
			break;
		if (tcp[i] == 3 && tcp[i + 1] == 3)
			return tcp[i + 2];
		i += tcp[i + 1];
	}
	return -2;
}

static void on_tap(void *ctx, const struct synack_sim_tap *rec)
{
	struct seen *s = ctx;
	const uint8_t *ip = rec->pkt, *tcp;
	size_t hl, thl;

	if (rec->kind != SYNACK_SIM_TAP_SEND || rec->len < 40)
		return;
	hl = (size_t)(ip[0] & 15) * 4;
	tcp = ip + hl;
	thl = (size_t)(tcp[12] >> 4) * 4;
	if (rec->src_host == 0) {               /* the sender */
		if (tcp[13] & 0x02)
			s->irs_plus1 = get32(tcp + 4) + 1;
		else if (s->first_win < 0)
			s->flight += rec->len - hl - thl;
		return;
	}
	if ((tcp[13] & 0x12) == 0x12) {
		s->wscale = syn_wscale(tcp, thl);
	} else if (s->first_win < 0 && (tcp[13] & 0x10) && get32(tcp + 8) != s->irs_plus1) {
		s->first_win = (int)((uint32_t)tcp[14] << 8 | tcp[15]);
	}
}

static void run(bool default_bufs, struct seen *s)
{
	struct synack_transfer_config c = {.bytes = 4u << 20, .seed = 9, .gso = true,
					   .gro = true, .no_hash = false,
					   .default_bufs = default_bufs};
	struct synack_transfer_result *res = calloc(1, sizeof *res);

	cr_assert_not_null(res);
	*s = (struct seen){.wscale = -1, .first_win = -1};
	c.tap = on_tap;
	c.tap_ctx = s;
	cr_assert_eq(synack_io_env(&c.env), 0);
	cr_assert_eq(synack_transfer_run(&c, res), 0);
	cr_assert_eq(res->bytes_total, c.bytes);
	cr_assert(res->flow[0].sha_equal, "the data arrived changed");
	free(res);
}

Test(transfer_bufs, default_bufs_are_linux_defaults_on_the_wire)
{
	/* default_bufs, then fixed 4 MiB buffers (buf_bytes 0 without a bandwidth) */
	static const struct {
		bool default_bufs;
		int win;
	} want[2] = {{true, (131072 - 14480) >> 7}, {false, (4194304 - 14480) >> 7}};
	struct seen s;

	for (int i = 0; i < 2; i++) {
		run(want[i].default_bufs, &s);
		cr_assert_eq(s.wscale, 7, "run %d: SYN-ACK window scale %d, want 7", i, s.wscale);
		cr_assert_eq(s.first_win, want[i].win, "run %d: first ACK of data: window %d, "
			     "want %d", i, s.first_win, want[i].win);
		cr_assert_eq(s.flight, 14480u, "run %d: first flight %llu bytes, want 10 x 1448",
			     i, (unsigned long long)s.flight);
	}
}
