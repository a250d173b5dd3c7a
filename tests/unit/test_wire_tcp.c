/*
 * test_wire_tcp.c — TCP header and option parse/emit (RFC 9293 §3.1–3.2, RFC 7323,
 * RFC 2018) on segments Linux sent (tests/golden/linux_packets.h, recorded by
 * tests/golden/capture.sh) and on crafted ones checked by tshark
 * (tests/golden/crafted_packets.h, tests/golden/crafted.txt):
 *   - parse gives exactly the fields tshark decodes (`tshark -T fields`);
 *   - emit(parse(x)) == x byte for byte, checksum included: Linux's option layout;
 *   - every truncation of the header and of the options area fails with its own name;
 *   - every malformed option gives its own reason.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "golden/check.h"
#include "golden/crafted_packets.h"
#include "golden/linux_packets.h"
#include "wire/wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct pkt {
	const char *name;
	const uint8_t *ip;
	size_t len;
};

#define PKT(a) { #a, a, sizeof(a) }

static const struct pkt linux_pkts[] = {
	PKT(syn_full), PKT(synack_full), PKT(ack_full), PKT(data_full), PKT(fin_full),
	PKT(syn_nots), PKT(synack_nots), PKT(data_nots), PKT(syn_nosack), PKT(rst_refused),
	PKT(rst_abort), PKT(syn_ipopts), PKT(synack_ipopts), PKT(sack1), PKT(sack2),
	PKT(sack3),
};

/* The TCP segment inside an IPv4 packet (by its own IHL and total length fields). */
static const uint8_t *seg_of(const uint8_t *ip, size_t *seg_len)
{
	size_t hl = (size_t)(ip[0] & 15) * 4, tl = (size_t)(ip[2] << 8 | ip[3]);

	*seg_len = tl - hl;
	return ip + hl;
}

/* Parses the segment from an exact-size heap copy: ASan sees any read past the end. */
static enum wire_err parse_exact(const uint8_t *seg, size_t len, struct wire_tcp *t)
{
	uint8_t *q = malloc(len ? len : 1);
	enum wire_err e;

	cr_assert(q != NULL);
	if (len)
		memcpy(q, seg, len);
	e = wire_tcp_parse(q, len, t);
	if (e == WIRE_OK) {
		cr_assert(t->payload == q + t->hdr_len);
		t->payload = seg + (t->payload - q); /* re-point into the caller's bytes */
	}
	free(q);
	return e;
}

static enum wire_err parse_opts_exact(const uint8_t *o, size_t len, struct wire_tcp_opts *out)
{
	uint8_t *q = malloc(len ? len : 1);
	enum wire_err e;

	cr_assert(q != NULL);
	if (len)
		memcpy(q, o, len);
	e = wire_tcp_parse_opts(q, len, out);
	free(q);
	return e;
}

static struct wire_tcp parse_pkt(const uint8_t *ip, size_t len)
{
	struct wire_ipv4 h;
	struct wire_tcp t;

	EXPECT_ERR(wire_ipv4_parse(ip, len, &h), WIRE_OK);
	EXPECT_ERR(wire_tcp_parse(ip + h.hdr_len, (size_t)h.total_len - h.hdr_len, &t), WIRE_OK);
	EXPECT_TRUE(wire_tcp_csum_ok(h.src, h.dst, ip + h.hdr_len, (size_t)h.total_len - h.hdr_len));
	return t;
}

/* ---- exact fields, from `tshark -T fields -e tcp.*` on tests/golden/linux.pcap ---- */

struct want {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hdr_len, flags;
	uint16_t win, csum;
	uint8_t present, wscale;
	uint16_t mss;
	uint32_t ts_val, ts_ecr;
	size_t payload_len;
};

static void check_fields(const struct pkt *p, const struct want *w)
{
	struct wire_tcp t;

	CTX("%s", p->name);
	t = parse_pkt(p->ip, p->len);
	EXPECT_EQ(t.sport, w->sport);
	EXPECT_EQ(t.dport, w->dport);
	EXPECT_EQ(t.seq, w->seq);
	EXPECT_EQ(t.ack, w->ack);
	EXPECT_EQ(t.hdr_len, w->hdr_len);
	EXPECT_EQ(t.flags, w->flags);
	EXPECT_EQ(t.reserved, 0);
	EXPECT_EQ(t.win, w->win);
	EXPECT_EQ(t.csum, w->csum);
	EXPECT_EQ(t.urp, 0);
	EXPECT_EQ(t.opt.present, w->present);
	EXPECT_EQ(t.opt.unknown_count, 0);
	EXPECT_EQ(t.opt.mss, w->mss);
	EXPECT_EQ(t.opt.wscale, w->wscale);
	EXPECT_EQ(t.opt.ts_val, w->ts_val);
	EXPECT_EQ(t.opt.ts_ecr, w->ts_ecr);
	EXPECT_EQ(t.payload_len, w->payload_len);
	EXPECT_TRUE(t.payload == seg_of(p->ip, &(size_t){ 0 }) + w->hdr_len);
}

#define A WIRE_TCP_ACK
#define ALL4 (WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS)

Test(tcp, parse_linux_handshake_full_options)
{
	static const struct pkt p[] = { PKT(syn_full), PKT(synack_full), PKT(ack_full) };
	static const struct want w[] = {
		/* frame 1: SYN, MSS=1460 SACK_PERM TSval=1120554472 TSecr=0 WS=1024 */
		{ 35144, 5000, 2475042124u, 0, 40, WIRE_TCP_SYN, 64240, 0x52a2,
		  ALL4, 10, 1460, 1120554472u, 0, 0 },
		/* frame 2: SYN-ACK */
		{ 5000, 35144, 1495981195u, 2475042125u, 40, WIRE_TCP_SYN | A, 65160, 0xd588,
		  ALL4, 10, 1460, 112803073u, 1120554472u, 0 },
		/* frame 3: ACK, window 63 unscaled */
		{ 35144, 5000, 2475042125u, 1495981196u, 32, A, 63, 0x02a2,
		  WIRE_HAS_TS, 0, 0, 1120554472u, 112803073u, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(p); i++)
		check_fields(&p[i], &w[i]);
}

Test(tcp, parse_linux_data_fin_rst)
{
	static const struct pkt p[] = { PKT(data_full), PKT(fin_full), PKT(data_nots),
					PKT(rst_refused), PKT(rst_abort) };
	static const struct want w[] = {
		/* frame 4: "hello\n" */
		{ 35144, 5000, 2475042125u, 1495981196u, 32, WIRE_TCP_PSH | A, 63, 0xbdef,
		  WIRE_HAS_TS, 0, 0, 1120554672u, 112803073u, 6 },
		/* frame 8: FIN */
		{ 35144, 5000, 2475042131u, 1495981202u, 32, WIRE_TCP_FIN | A, 63, 0xff73,
		  WIRE_HAS_TS, 0, 0, 1120555073u, 112803273u, 0 },
		/* frame 14: data without timestamps: bare 20-byte header */
		{ 35158, 5000, 826101135u, 3766031544u, 20, WIRE_TCP_PSH | A, 63, 0x46ba,
		  0, 0, 0, 0, 0, 6 },
		/* frame 32: RST|ACK for a closed port: seq 0, window 0 */
		{ 5001, 35574, 0, 4112788381u, 20, WIRE_TCP_RST | A, 0, 0xdc7a,
		  0, 0, 0, 0, 0, 0 },
		/* frame 36: abortive close (SO_LINGER 0) */
		{ 32816, 5000, 2828950085u, 1504954657u, 32, WIRE_TCP_RST | A, 63, 0x8ea8,
		  WIRE_HAS_TS, 0, 0, 3239003830u, 619244957u, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(p); i++)
		check_fields(&p[i], &w[i]);
	{
		struct wire_tcp t = parse_pkt(data_full, sizeof(data_full));

		EXPECT_MEM(t.payload, "hello\n", 6);
	}
}

Test(tcp, parse_linux_syn_variants)
{
	static const struct pkt p[] = { PKT(syn_nots), PKT(synack_nots), PKT(syn_nosack),
					PKT(syn_ipopts) };
	static const struct want w[] = {
		/* frame 11: tcp_timestamps=0: MSS, NOP,NOP,SACKOK, NOP,WS */
		{ 35158, 5000, 826101134u, 0, 32, WIRE_TCP_SYN, 64240, 0x445f,
		  WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_WS, 10, 1460, 0, 0, 0 },
		/* frame 12 */
		{ 5000, 35158, 3766031543u, 826101135u, 32, WIRE_TCP_SYN | A, 64240, 0x4f1d,
		  WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_WS, 10, 1460, 0, 0, 0 },
		/* frame 21: tcp_sack=0: MSS, NOP,NOP,TS, NOP,WS */
		{ 35164, 5000, 1722650577u, 0, 40, WIRE_TCP_SYN, 64240, 0xe97e,
		  WIRE_HAS_MSS | WIRE_HAS_TS | WIRE_HAS_WS, 10, 1460, 2863666278u, 0, 0 },
		/* frame 37: behind 8 bytes of IP options */
		{ 32828, 5000, 2797024994u, 0, 40, WIRE_TCP_SYN, 64240, 0xcc9f,
		  ALL4, 10, 1460, 1388619829u, 0, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(p); i++)
		check_fields(&p[i], &w[i]);
}

Test(tcp, parse_linux_sack_blocks)
{
	/* frames 55, 57, 59: Linux's dup ACKs for 1, 2, 3 out-of-order segments, newest first
	 * (RFC 2018 §4: the first block reports the most recent segment). */
	static const struct wire_sack_block b[3] = {
		{ 2736456676u, 2736456776u }, { 2736455676u, 2736455776u },
		{ 2736454676u, 2736454776u },
	};
	static const struct pkt p[] = { PKT(sack1), PKT(sack2), PKT(sack3) };
	static const uint16_t csum[] = { 0xacee, 0x4583, 0xd647 };
	static const uint32_t tsval[] = { 3795281250u, 3795281450u, 3795281650u };
	size_t i, k;

	for (i = 0; i < 3; i++) {
		struct wire_tcp t;

		CTX("%s", p[i].name);
		t = parse_pkt(p[i].ip, p[i].len);
		EXPECT_EQ(t.sport, 5000);
		EXPECT_EQ(t.dport, 32840);
		EXPECT_EQ(t.seq, 3546263367u);
		EXPECT_EQ(t.ack, 2736453676u);
		EXPECT_EQ(t.flags, WIRE_TCP_ACK);
		EXPECT_EQ(t.hdr_len, 32 + 4 + 8 * (i + 1));
		EXPECT_EQ(t.csum, csum[i]);
		EXPECT_EQ(t.opt.present, WIRE_HAS_TS | WIRE_HAS_SACK);
		EXPECT_EQ(t.opt.ts_val, tsval[i]);
		EXPECT_EQ(t.opt.ts_ecr, 1539304326u);
		EXPECT_EQ(t.opt.sack_count, i + 1);
		for (k = 0; k <= i; k++) {
			EXPECT_EQ(t.opt.sack[k].left, b[2 - i + k].left);
			EXPECT_EQ(t.opt.sack[k].right, b[2 - i + k].right);
		}
	}
}

/* ---- emit: the exact bytes back ------------------------------------------------- */

static void check_round_trip(const char *name, const uint8_t *ip, size_t len)
{
	struct wire_ipv4 h;
	struct wire_tcp t;
	const uint8_t *seg;
	size_t sl;
	uint8_t out[1600];

	CTX("%s", name);
	EXPECT_ERR(wire_ipv4_parse(ip, len, &h), WIRE_OK);
	seg = seg_of(ip, &sl);
	EXPECT_ERR(wire_tcp_parse(seg, sl, &t), WIRE_OK);
	EXPECT_EQ(wire_tcp_opts_len(&t.opt), t.hdr_len - 20u);
	memset(out, 0xee, sizeof(out));
	t.hdr_len = 0; /* ignored by emit */
	t.csum = 0;    /* computed by emit */
	EXPECT_EQ(wire_tcp_emit(&t, h.src, h.dst, t.payload, t.payload_len, out, sizeof(out)), sl);
	EXPECT_MEM(out, seg, sl);
	EXPECT_EQ(out[sl], 0xee); /* nothing written past the segment */
	/* exactly enough room works, one byte less does not */
	EXPECT_EQ(wire_tcp_emit(&t, h.src, h.dst, t.payload, t.payload_len, out, sl), sl);
	EXPECT_MEM(out, seg, sl);
	EXPECT_EQ(wire_tcp_emit(&t, h.src, h.dst, t.payload, t.payload_len, out, sl - 1), 0);
}

Test(tcp, emit_round_trip_linux)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(linux_pkts); i++)
		check_round_trip(linux_pkts[i].name, linux_pkts[i].ip, linux_pkts[i].len);
}

Test(tcp, emit_round_trip_crafted_valid)
{
	static const struct pkt p[] = { PKT(sack4), PKT(all_flags), PKT(syn_fin), PKT(null_flags),
					PKT(max_opts) };
	size_t i;

	for (i = 0; i < ARRAY_LEN(p); i++)
		check_round_trip(p[i].name, p[i].ip, p[i].len);
}

/* The layout in the brief: a Linux SYN with every option is 02 04 05 b4 04 02 08 0a
 * <tsval> <tsecr> 01 03 03 07. Built from fields, not parsed. */
Test(tcp, emit_linux_syn_layout_from_fields)
{
	static const uint8_t want_opts[20] = {
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
	};
	struct wire_tcp t = {
		.sport = 1234, .dport = 80, .seq = 0xdeadbeef, .flags = WIRE_TCP_SYN, .win = 64240,
		.opt = { .present = ALL4, .mss = 1460, .wscale = 7, .ts_val = 0x11223344 },
	};
	uint8_t out[60];

	EXPECT_EQ(wire_tcp_opts_len(&t.opt), 20);
	EXPECT_EQ(wire_tcp_emit(&t, 0x0a000001, 0x0a000002, NULL, 0, out, sizeof(out)), 40);
	EXPECT_EQ(out[12], 0xa0); /* data offset 10 */
	EXPECT_EQ(out[13], WIRE_TCP_SYN);
	EXPECT_MEM(out + 20, want_opts, 20);
	EXPECT_TRUE(wire_tcp_csum_ok(0x0a000001, 0x0a000002, out, 40));
}

Test(tcp, emit_layouts_per_option_set)
{
	static const struct {
		uint8_t present;
		uint8_t sacks;
		size_t len;
		uint8_t bytes[40];
	} c[] = {
		{ 0, 0, 0, { 0 } },
		{ WIRE_HAS_MSS, 0, 4, { 2, 4, 0x05, 0xb4 } },
		{ WIRE_HAS_SACKOK, 0, 4, { 1, 1, 4, 2 } },
		{ WIRE_HAS_WS, 0, 4, { 1, 3, 3, 7 } },
		{ WIRE_HAS_TS, 0, 12, { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6 } },
		{ WIRE_HAS_TS | WIRE_HAS_SACKOK, 0, 12, { 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6 } },
		{ WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_WS, 0, 12,
		  { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 } },
		{ WIRE_HAS_SACK, 1, 12, { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 } },
		{ WIRE_HAS_TS | WIRE_HAS_SACK, 2, 32,
		  { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1, 5, 18,
		    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 } },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		struct wire_tcp t = { .flags = WIRE_TCP_ACK };
		struct wire_tcp back;
		uint8_t out[60];

		CTX("case %zu", i);
		t.opt.present = c[i].present;
		t.opt.mss = 1460;
		t.opt.wscale = 7;
		t.opt.ts_val = 5;
		t.opt.ts_ecr = 6;
		t.opt.sack_count = c[i].sacks;
		t.opt.sack[0] = (struct wire_sack_block){ 1, 2 };
		t.opt.sack[1] = (struct wire_sack_block){ 3, 4 };
		EXPECT_EQ(wire_tcp_opts_len(&t.opt), c[i].len);
		EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, sizeof(out)), 20 + c[i].len);
		EXPECT_MEM(out + 20, c[i].bytes, c[i].len);
		EXPECT_ERR(wire_tcp_parse(out, 20 + c[i].len, &back), WIRE_OK);
		EXPECT_EQ(back.opt.present, c[i].present);
	}
}

Test(tcp, emit_refuses_what_does_not_fit)
{
	struct wire_tcp t = { .flags = WIRE_TCP_ACK };
	uint8_t out[100], pay[8] = { 0 };

	/* MSS 4 + SACKOK+TS 12 + WS 4 + SACK(3) 28 = 48 > 40 */
	t.opt.present = ALL4 | WIRE_HAS_SACK;
	t.opt.sack_count = 3;
	EXPECT_EQ(wire_tcp_opts_len(&t.opt), 48);
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, sizeof(out)), 0);
	/* TS + 3 blocks is Linux's maximum with timestamps: 12 + 28 = 40 */
	t.opt.present = WIRE_HAS_TS | WIRE_HAS_SACK;
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, sizeof(out)), 60);
	/* a SACK option with 0 or 5 blocks cannot be written */
	t.opt.present = WIRE_HAS_SACK;
	t.opt.sack_count = 0;
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, sizeof(out)), 0);
	t.opt.sack_count = 5;
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, sizeof(out)), 0);
	/* payload must fit in cap, and a NULL payload with a length is refused */
	t.opt.present = 0;
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, pay, 8, out, 27), 0);
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, pay, 8, out, 28), 28);
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 8, out, sizeof(out)), 0);
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, NULL, 0, out, 19), 0);
}

Test(tcp, emit_payload_already_in_place)
{
	/* The engine may build the payload at buf + header length first: emit must not
	 * corrupt it (memmove semantics). */
	struct wire_tcp t = { .sport = 1, .dport = 2, .flags = WIRE_TCP_ACK | WIRE_TCP_PSH };
	uint8_t out[64];
	struct wire_tcp back;

	t.opt.present = WIRE_HAS_TS;
	memcpy(out + 32, "payload!", 8);
	EXPECT_EQ(wire_tcp_emit(&t, 1, 2, out + 32, 8, out, sizeof(out)), 40);
	EXPECT_MEM(out + 32, "payload!", 8);
	EXPECT_ERR(wire_tcp_parse(out, 40, &back), WIRE_OK);
	EXPECT_EQ(back.payload_len, 8);
	EXPECT_TRUE(wire_tcp_csum_ok(1, 2, out, 40));
}

/* ---- truncation ---------------------------------------------------------------- */

/* Every prefix of a valid segment: < 20 truncated, < data offset bad offset, else a
 * valid segment with less payload. */
Test(tcp, every_truncation_of_linux_segments)
{
	size_t i, len;

	for (i = 0; i < ARRAY_LEN(linux_pkts); i++) {
		size_t sl;
		const uint8_t *seg = seg_of(linux_pkts[i].ip, &sl);
		size_t hl = (size_t)(seg[12] >> 4) * 4;

		for (len = 0; len <= sl; len++) {
			struct wire_tcp t;
			enum wire_err want = len < 20 ? WIRE_TCP_TRUNCATED :
					     len < hl ? WIRE_TCP_DOFF : WIRE_OK;

			CTX("%s truncated to %zu", linux_pkts[i].name, len);
			EXPECT_ERR(parse_exact(seg, len, &t), want);
			if (want == WIRE_OK) {
				EXPECT_EQ(t.hdr_len, hl);
				EXPECT_EQ(t.payload_len, len - hl);
				EXPECT_TRUE(t.payload == seg + hl);
			}
		}
	}
}

/*
 * Every prefix of an options area: a cut at an option boundary parses (with only the
 * options before it), a cut inside an option is an overrun. The boundaries are written
 * out by hand from the layout tshark shows.
 */
static void check_opt_truncations(const char *name, const uint8_t *ip, size_t ip_len,
				  const size_t *bounds, const uint8_t *present, size_t nb)
{
	size_t sl, len, b;
	const uint8_t *seg = seg_of(ip, &sl);
	size_t olen = (size_t)(seg[12] >> 4) * 4 - 20;

	(void)ip_len;
	for (len = 0; len <= olen; len++) {
		struct wire_tcp_opts o;
		enum wire_err want = WIRE_OPT_OVERRUN;
		uint8_t want_present = 0;

		for (b = 0; b < nb; b++) {
			if (bounds[b] == len) {
				want = WIRE_OK;
				want_present = present[b];
			}
		}
		CTX("%s options cut at %zu", name, len);
		EXPECT_ERR(parse_opts_exact(seg + 20, len, &o), want);
		if (want == WIRE_OK)
			EXPECT_EQ(o.present, want_present);
	}
}

Test(tcp, every_truncation_of_options)
{
	/* SYN: [0] MSS 4 [4] SACKOK 2 [6] TS 10 [16] NOP [17] WS 3 [20] */
	static const size_t syn_b[] = { 0, 4, 6, 16, 17, 20 };
	static const uint8_t syn_p[] = {
		0, WIRE_HAS_MSS, WIRE_HAS_MSS | WIRE_HAS_SACKOK,
		WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS,
		WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS, ALL4,
	};
	/* SYN without TS: [0] MSS [4] NOP [5] NOP [6] SACKOK [8] NOP [9] WS [12] */
	static const size_t nots_b[] = { 0, 4, 5, 6, 8, 9, 12 };
	static const uint8_t nots_p[] = {
		0, WIRE_HAS_MSS, WIRE_HAS_MSS, WIRE_HAS_MSS, WIRE_HAS_MSS | WIRE_HAS_SACKOK,
		WIRE_HAS_MSS | WIRE_HAS_SACKOK, WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_WS,
	};
	/* ACK with 3 SACK blocks: [0] NOP [1] NOP [2] TS [12] NOP [13] NOP [14] SACK 26 [40] */
	static const size_t sack_b[] = { 0, 1, 2, 12, 13, 14, 40 };
	static const uint8_t sack_p[] = {
		0, 0, 0, WIRE_HAS_TS, WIRE_HAS_TS, WIRE_HAS_TS, WIRE_HAS_TS | WIRE_HAS_SACK,
	};

	check_opt_truncations("syn_full", syn_full, sizeof(syn_full), syn_b, syn_p, ARRAY_LEN(syn_b));
	check_opt_truncations("syn_nots", syn_nots, sizeof(syn_nots), nots_b, nots_p,
			      ARRAY_LEN(nots_b));
	check_opt_truncations("sack3", sack3, sizeof(sack3), sack_b, sack_p, ARRAY_LEN(sack_b));
}

/* ---- malformed options and headers (crafted, confirmed by tshark) ------------------ */

Test(tcp, malformed_each_has_its_reason)
{
	static const struct {
		struct pkt p;
		enum wire_err want;
	} c[] = {
		/* tshark: "Maximum segment size (with too-short option length = 0 bytes)" */
		{ PKT(bad_optlen0), WIRE_OPT_LEN_SHORT },
		/* tshark: "(with too-short option length = 1 byte)" */
		{ PKT(bad_optlen1), WIRE_OPT_LEN_SHORT },
		/* tshark: "Maximum segment size (length byte past end of options)" */
		{ PKT(bad_overrun_lenbyte), WIRE_OPT_OVERRUN },
		/* tshark: "Timestamps (option length = 10 bytes says option goes past end...)" */
		{ PKT(bad_overrun_body), WIRE_OPT_OVERRUN },
		/* tshark: "option length should be 4" */
		{ PKT(bad_mss_len), WIRE_OPT_MSS_LEN },
		/* tshark: "option length should be 3" */
		{ PKT(bad_ws_len), WIRE_OPT_WS_LEN },
		/* tshark: "option length should be 2" */
		{ PKT(bad_sackok_len), WIRE_OPT_SACKOK_LEN },
		/* tshark: "suboption would go past end of option" (length 11 = 2 + 9) */
		{ PKT(bad_sack_len_odd), WIRE_OPT_SACK_LEN },
		/* tshark: "Malformed Packet (Exception occurred)" (length 2, no block) */
		{ PKT(bad_sack_len_empty), WIRE_OPT_SACK_LEN },
		/* tshark: "option length should be 10" */
		{ PKT(bad_ts_len), WIRE_OPT_TS_LEN },
		/* tshark: "Bogus TCP header length (16, must be at least 20)" */
		{ PKT(bad_doff4), WIRE_TCP_DOFF },
		/* tshark: "Short segment ... does not contain a full TCP header" (60 > 40) */
		{ PKT(bad_doff15), WIRE_TCP_DOFF },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		struct wire_ipv4 h;
		struct wire_tcp t;
		size_t sl;
		const uint8_t *seg = seg_of(c[i].p.ip, &sl);

		CTX("%s", c[i].p.name);
		EXPECT_ERR(wire_ipv4_parse(c[i].p.ip, c[i].p.len, &h), WIRE_OK);
		EXPECT_TRUE(wire_tcp_csum_ok(h.src, h.dst, seg, sl)); /* only the named defect */
		EXPECT_ERR(parse_exact(seg, sl, &t), c[i].want);
		if (c[i].want != WIRE_TCP_DOFF)
			EXPECT_ERR(parse_opts_exact(seg + 20, (size_t)(seg[12] >> 4) * 4 - 20,
						    &t.opt), c[i].want);
	}
}

/* Every possible length byte for each known kind, in a 40-byte options area. */
Test(tcp, every_length_byte_per_kind)
{
	static const struct { uint8_t kind, good; enum wire_err bad; } k[] = {
		{ WIRE_OPT_MSS, 4, WIRE_OPT_MSS_LEN }, { WIRE_OPT_WS, 3, WIRE_OPT_WS_LEN },
		{ WIRE_OPT_SACKOK, 2, WIRE_OPT_SACKOK_LEN }, { WIRE_OPT_TS, 10, WIRE_OPT_TS_LEN },
		{ WIRE_OPT_SACK, 0, WIRE_OPT_SACK_LEN }, { 30, 0, WIRE_OK }, { 254, 0, WIRE_OK },
	};
	size_t i;
	unsigned l;

	for (i = 0; i < ARRAY_LEN(k); i++) {
		for (l = 0; l < 256; l++) {
			uint8_t o[40];
			struct wire_tcp_opts out;
			enum wire_err want;

			memset(o, 0, sizeof(o)); /* EOL after the option */
			o[0] = k[i].kind;
			o[1] = (uint8_t)l;
			if (l < 2)
				want = WIRE_OPT_LEN_SHORT;
			else if (l > sizeof(o))
				want = WIRE_OPT_OVERRUN;
			else if (k[i].kind == WIRE_OPT_SACK)
				want = ((l - 2) % 8 == 0 && l >= 10 && l <= 34) ? WIRE_OK : WIRE_OPT_SACK_LEN;
			else if (k[i].good == 0 || l == k[i].good)
				want = WIRE_OK;
			else
				want = k[i].bad;
			CTX("kind %u length %u", k[i].kind, l);
			EXPECT_ERR(parse_opts_exact(o, sizeof(o), &out), want);
			if (want == WIRE_OK && k[i].kind == WIRE_OPT_SACK)
				EXPECT_EQ(out.sack_count, (l - 2) / 8);
			if (want == WIRE_OK && (k[i].kind == 30 || k[i].kind == 254))
				EXPECT_EQ(out.unknown_count, 1);
		}
	}
}

Test(tcp, crafted_valid_fields)
{
	struct wire_tcp t;
	size_t k;

	/* four SACK blocks (no timestamps): the most a header can carry */
	CTX("sack4");
	t = parse_pkt(sack4, sizeof(sack4));
	EXPECT_EQ(t.opt.present, WIRE_HAS_SACK);
	EXPECT_EQ(t.opt.sack_count, 4);
	for (k = 0; k < 4; k++) {
		EXPECT_EQ(t.opt.sack[k].left, 1000 * (k + 1));
		EXPECT_EQ(t.opt.sack[k].right, 1000 * (k + 1) + 500);
	}
	/* MSS, EOL, then 02 00 03: nothing after EOL is read (tshark: non-zero padding) */
	CTX("eol_stops");
	t = parse_pkt(eol_stops, sizeof(eol_stops));
	EXPECT_EQ(t.opt.present, WIRE_HAS_MSS);
	EXPECT_EQ(t.opt.mss, 1460);
	/* kind 30 (MPTCP) and 254 (RFC 6994 experimental, TFO magic) skipped, then TS */
	CTX("unknown_kinds");
	t = parse_pkt(unknown_kinds, sizeof(unknown_kinds));
	EXPECT_EQ(t.opt.unknown_count, 2);
	EXPECT_EQ(t.opt.present, WIRE_HAS_TS);
	EXPECT_EQ(t.opt.ts_val, 5);
	EXPECT_EQ(t.opt.ts_ecr, 6);
	/* every flag and every reserved bit, urgent pointer 3, 7 bytes of data */
	CTX("all_flags");
	t = parse_pkt(all_flags, sizeof(all_flags));
	EXPECT_EQ(t.flags, 0xff);
	EXPECT_EQ(t.reserved, 0x0f);
	EXPECT_EQ(t.urp, 3);
	EXPECT_EQ(t.payload_len, 7);
	EXPECT_MEM(t.payload, "urgent!", 7);
	CTX("syn_fin");
	t = parse_pkt(syn_fin, sizeof(syn_fin));
	EXPECT_EQ(t.flags, WIRE_TCP_SYN | WIRE_TCP_FIN);
	CTX("null_flags");
	t = parse_pkt(null_flags, sizeof(null_flags));
	EXPECT_EQ(t.flags, 0);
	EXPECT_EQ(t.seq, 0x01020304);
	EXPECT_EQ(t.ack, 0x05060708);
	/* 40 bytes of options: MSS 8760, TS 7/8, WS 14, two SACK blocks */
	CTX("max_opts");
	t = parse_pkt(max_opts, sizeof(max_opts));
	EXPECT_EQ(t.hdr_len, 60);
	EXPECT_EQ(t.opt.present, WIRE_HAS_MSS | WIRE_HAS_TS | WIRE_HAS_WS | WIRE_HAS_SACK);
	EXPECT_EQ(t.opt.mss, 8760);
	EXPECT_EQ(t.opt.wscale, 14);
	EXPECT_EQ(t.opt.sack_count, 2);
	EXPECT_EQ(t.opt.sack[1].right, 2500);
}

Test(tcp, repeated_option_last_wins)
{
	/* Linux's tcp_parse_options() overwrites on repeat; so do we. */
	static const uint8_t o[8] = { 2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18 };
	struct wire_tcp_opts out;

	EXPECT_ERR(wire_tcp_parse_opts(o, sizeof(o), &out), WIRE_OK);
	EXPECT_EQ(out.mss, 536);
}

Test(tcp, checksum_judged_separately)
{
	uint8_t seg[sizeof(data_full) - 20];
	size_t bit;

	memcpy(seg, data_full + 20, sizeof(seg));
	EXPECT_TRUE(wire_tcp_csum_ok(0x0a090001, 0x0a090002, seg, sizeof(seg)));
	/* wrong pseudo-header address */
	EXPECT_FALSE(wire_tcp_csum_ok(0x0a090003, 0x0a090002, seg, sizeof(seg)));
	for (bit = 0; bit < sizeof(seg) * 8; bit++) {
		struct wire_tcp t;

		seg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CTX("bit %zu", bit);
		EXPECT_FALSE(wire_tcp_csum_ok(0x0a090001, 0x0a090002, seg, sizeof(seg)));
		if (bit / 8 == 16 || bit / 8 == 17) /* checksum field: still parses */
			EXPECT_ERR(wire_tcp_parse(seg, sizeof(seg), &t), WIRE_OK);
		seg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	EXPECT_FALSE(wire_tcp_csum_ok(1, 2, seg, 70000)); /* longer than any segment */
}

/* ---- one pass: IPv4 + TCP headers with the checksums from values ---------------- */

/* RFC 1071 §4.1's loop: 16-bit big-endian words, an odd last byte padded with zero,
 * carries folded back in, complemented. */
static uint16_t ref_csum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP checksum over the pseudo-header and seg[0..len) with its field read as 0. */
static uint16_t ref_tcp_csum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
	uint8_t copy[2048];
	uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 +
		       (uint32_t)len;

	cr_assert(len <= sizeof copy);
	memcpy(copy, seg, len);
	copy[16] = copy[17] = 0;
	return ref_csum(sum, copy, len);
}

static uint64_t xs(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A random header: every field, the flags (ECE, CWR, reserved bits too) and any set of
 * options, SACK with 1..4 blocks (sets over 40 bytes included: both must refuse). */
static void random_seg(uint64_t *x, struct wire_tcp *t)
{
	uint64_t r = xs(x), q = xs(x);

	memset(t, 0, sizeof *t);
	t->sport = (uint16_t)r;
	t->dport = (uint16_t)(r >> 16);
	t->seq = (uint32_t)(r >> 32);
	t->ack = (uint32_t)q;
	t->flags = (uint8_t)(q >> 32);
	t->reserved = (uint8_t)(q >> 40) & 0x0f;
	t->win = (uint16_t)(q >> 44);
	t->urp = (q >> 60) & 1 ? (uint16_t)(q >> 20) : 0;
	r = xs(x);
	/* half the segments carry TS alone or nothing (the connection's usual ones) */
	t->opt.present = (r & 1) ? (uint8_t)((r >> 1) & 0x1f) : ((r & 2) ? WIRE_HAS_TS : 0);
	t->opt.mss = (uint16_t)(r >> 8);
	t->opt.wscale = (uint8_t)(r >> 24) % 15;
	t->opt.sack_count = (uint8_t)(1 + (r >> 28) % 4);
	t->opt.ts_val = (uint32_t)(r >> 32);
	t->opt.ts_ecr = (uint32_t)xs(x);
	for (int i = 0; i < WIRE_SACK_MAX; i++) {
		t->opt.sack[i].left = (uint32_t)xs(x);
		t->opt.sack[i].right = (uint32_t)(*x >> 32);
	}
}

Test(tcp, one_pass_equals_general_writer_and_rfc1071)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned zero_csums = 0, refused = 0;

	for (int i = 0; i < 20000; i++) {
		struct wire_tcp t;
		uint8_t a[1600], b[1600], pay[1500];
		uint64_t r;
		uint32_t src, dst;
		uint16_t id;
		uint8_t ttl, tos;
		size_t olen, len, n, m, at;

		random_seg(&x, &t);
		r = xs(&x);
		src = (uint32_t)r;
		dst = (uint32_t)(r >> 32);
		r = xs(&x);
		ttl = (uint8_t)r;
		tos = (uint8_t)(r >> 8);        /* ECT(0), CE, ... in the low two bits */
		id = (uint16_t)(r >> 16);
		len = (r >> 32) % 4 ? (size_t)((r >> 34) % 200) : (size_t)((r >> 34) % 1400);
		for (size_t k = 0; k < len; k++)
			pay[k] = (uint8_t)xs(&x);
		olen = wire_tcp_opts_len(&t.opt);
		at = 40 + (olen <= 40 ? olen : 0);
		if (i % 4 == 3 && olen <= 40) {
			/* the urgent pointer chosen to make the TCP checksum 0x0000 */
			t.urp = 0;
			cr_assert_neq(wire_tcp_emit(&t, src, dst, pay, len, b, sizeof b), 0);
			t.urp = (uint16_t)(b[16] << 8 | b[17]);
		}
		memset(a, 0xee, sizeof a);
		memset(b, 0xee, sizeof b);
		memcpy(a + at, pay, len);
		n = wire_tcpip_emit(&t, src, dst, ttl, tos, id, len, a, sizeof a);
		m = wire_tcp_emit(&t, src, dst, pay, len, b + 20, sizeof b - 20);
		CTX("segment %d: options %#x (%zu bytes), payload %zu", i, t.opt.present, olen, len);
		EXPECT_EQ(n, m ? m + 20 : 0);
		if (!m) {
			EXPECT_TRUE(olen > 40);
			refused++;
			continue;
		}
		wire_ipv4_emit20(b, tos, (uint16_t)n, id, WIRE_IP_DF, ttl, WIRE_IPPROTO_TCP, src,
				 dst);
		EXPECT_MEM(a, b, n);
		EXPECT_MEM(a + n, b + n, 8);    /* nothing written past the packet */
		/* both checksums as RFC 1071's loop gives them */
		EXPECT_EQ((uint16_t)(a[36] << 8 | a[37]), ref_tcp_csum(src, dst, a + 20, n - 20));
		{
			uint8_t h[20];

			memcpy(h, a, 20);
			h[10] = h[11] = 0;
			EXPECT_EQ((uint16_t)(a[10] << 8 | a[11]), ref_csum(0, h, 20));
		}
		EXPECT_TRUE(wire_tcp_csum_ok(src, dst, a + 20, n - 20));
		/* 0xffff would need all-zero data; the pseudo-header holds 6 */
		EXPECT_FALSE(a[36] == 0xff && a[37] == 0xff);
		zero_csums += !a[36] && !a[37];
	}
	/* the constructed urgent pointers did reach the zero checksum; some sets refused */
	EXPECT_TRUE(zero_csums >= 3000);
	EXPECT_TRUE(refused > 0);
}

/* The per-connection template (wire_tcpip_tmpl_init and wire_tcpip_tmpl_tos_ttl, then
 * wire_tcpip_tmpl_put with the options and payload summed as output.c's emit_common
 * sums them) writes exactly the bytes of wire_tcpip_emit for the segments it serves: no
 * options or NOP,NOP,TS, urgent pointer 0, any payload, TOS (its ECN field given per
 * segment), TTL and ID; the TOS and TTL set again over earlier ones, as a socket option
 * or the stack's configuration sets them mid-connection. */
Test(tcp, tmpl_put_equals_one_pass)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 20000; i++) {
		struct wire_tcp t;
		struct wire_tcpip_tmpl tp;
		uint8_t a[1600], b[1600];
		uint64_t r, sum = 0;
		uint32_t src, dst, word3;
		uint16_t id;
		uint8_t ttl, tos, ect;
		size_t olen, len, n, hdr_len;

		random_seg(&x, &t);
		t.urp = 0;
		t.opt.present &= WIRE_HAS_TS;
		r = xs(&x);
		src = (uint32_t)r;
		dst = (uint32_t)(r >> 32);
		if (i % 5 == 0)
			src = dst = 0;          /* the sums' smallest values */
		if (i % 5 == 1)
			src = dst = 0xffffffffu;
		r = xs(&x);
		ttl = (uint8_t)(r | 1);
		tos = (uint8_t)(r >> 8);
		id = (uint16_t)(r >> 16);
		len = (r >> 32) % 4 ? (size_t)((r >> 34) % 200) : (size_t)((r >> 34) % 1400);
		olen = t.opt.present ? 12 : 0;
		hdr_len = 20 + olen;
		memset(a, 0xee, sizeof a);
		memset(b, 0xdd, sizeof b);
		for (size_t k = 0; k < len; k++)
			a[40 + olen + k] = b[40 + olen + k] = (uint8_t)xs(&x);
		n = wire_tcpip_emit(&t, src, dst, ttl, tos, id, len, a, sizeof a);
		cr_assert_eq(n, 20 + hdr_len + len);
		/* the options and payload as emit_common writes and sums them */
		if (olen) {
			uint32_t kind = 0x0101080au;

			wire_put32(b + 40, kind);
			wire_put32(b + 44, t.opt.ts_val);
			wire_put32(b + 48, t.opt.ts_ecr);
			sum += (uint64_t)kind + t.opt.ts_val + t.opt.ts_ecr;
		}
		if (len)
			sum = wire_csum_add(sum, b + 20 + hdr_len, len);
		word3 = (uint32_t)((hdr_len / 4) << 4 | t.reserved) << 24 | (uint32_t)t.flags << 16 |
			t.win;
		wire_tcpip_tmpl_init(&tp, src, dst, t.sport, t.dport);
		if (i % 3 == 0)         /* set before: the new ones replace them in the sum */
			wire_tcpip_tmpl_tos_ttl(&tp, (uint8_t)(r >> 40), (uint8_t)(r >> 48));
		ect = tos & 3;          /* IP_TOS holds no ECN field; ECN adds it per segment */
		wire_tcpip_tmpl_tos_ttl(&tp, tos & 0xfc, ttl);
		wire_tcpip_tmpl_put(&tp, b, ect, id, t.seq, t.ack, word3, (uint32_t)(hdr_len + len),
				    sum);
		CTX("segment %d: options %#x, payload %zu", i, t.opt.present, len);
		EXPECT_MEM(a, b, n);
		EXPECT_TRUE(wire_tcp_csum_ok(src, dst, b + 20, n - 20));
	}
}

Test(tcp, one_pass_refuses_what_does_not_fit)
{
	struct wire_tcp t = { .flags = WIRE_TCP_ACK };
	uint8_t out[100];

	t.opt.present = WIRE_HAS_TS;
	/* 20 + 32 + 8 payload bytes: exactly 60 fits, 59 does not */
	EXPECT_EQ(wire_tcpip_emit(&t, 1, 2, 64, 0, 0, 8, out, 59), 0);
	EXPECT_EQ(wire_tcpip_emit(&t, 1, 2, 64, 0, 0, 8, out, 60), 60);
	/* the IPv4 total length is at most 65535 */
	EXPECT_EQ(wire_tcpip_emit(&t, 1, 2, 64, 0, 0, 65535 - 52 + 1, out, SIZE_MAX), 0);
	t.opt.present = WIRE_HAS_SACK;
	t.opt.sack_count = 5;
	EXPECT_EQ(wire_tcpip_emit(&t, 1, 2, 64, 0, 0, 0, out, sizeof out), 0);
}
