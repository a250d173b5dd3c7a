/*
 * drill_packet.c — TCP/IPv4 packets for `synack drill` (include/synack/drill.h):
 * built from a script line with options in the script's order, parsed back with the
 * options in wire order, and printed in packetdrill's syntax.
 *
 * The engine's own emitter (src/wire) lays options out the one way Linux does; a script
 * may inject them in any order (RFC 9293 §3.2 allows any), so building writes the option
 * bytes itself and uses src/wire only for the IPv4 header and the checksums. Parsing
 * validates through wire_ipv4_parse/wire_tcp_parse first, so the option walk below runs
 * over an area already proven well-formed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "synack/drill.h"
#include "wire/wire.h"

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Encodes the options (RFC 9293 §3.2, RFC 7323 §2.2/§3.2, RFC 2018 §2-3), padded
 * with EOL to a multiple of 4. Returns the length, or SIZE_MAX when they exceed 40. */
static size_t encode_opts(const struct synack_drill_wire *w, uint8_t *o)
{
	size_t n = 0;

	for (unsigned i = 0; i < w->nopts; i++) {
		const struct synack_drill_opt *op = &w->opts[i];
		size_t need = op->kind == SYNACK_DRILL_OPT_MSS ? 4 :
			      op->kind == SYNACK_DRILL_OPT_WSCALE ? 3 :
			      op->kind == SYNACK_DRILL_OPT_SACKOK ? 2 :
			      op->kind == SYNACK_DRILL_OPT_TS ? 10 :
			      op->kind == SYNACK_DRILL_OPT_SACK ? 2u + 8u * op->nblocks : 1;
		if (op->kind == SYNACK_DRILL_OPT_SACK &&
		    (op->nblocks < 1 || op->nblocks > SYNACK_DRILL_SACK_MAX))
			return SIZE_MAX;
		if (n + need > 40)
			return SIZE_MAX;
		o[n] = op->kind;
		if (need > 1)
			o[n + 1] = (uint8_t)need;
		if (op->kind == SYNACK_DRILL_OPT_MSS)
			put16(o + n + 2, op->v[0]);
		else if (op->kind == SYNACK_DRILL_OPT_WSCALE)
			o[n + 2] = (uint8_t)op->v[0];
		else if (op->kind == SYNACK_DRILL_OPT_TS || op->kind == SYNACK_DRILL_OPT_SACK)
			for (unsigned k = 0; k < (need - 2) / 4; k++)
				put32(o + n + 2 + 4 * k, op->v[k]);
		n += need;
	}
	while (n % 4)
		o[n++] = SYNACK_DRILL_OPT_EOL;
	return n;
}

size_t synack_drill_build(const struct synack_drill_wire *w, uint8_t *buf, size_t cap)
{
	uint8_t opts[40];
	size_t olen = encode_opts(w, opts);

	if (olen == SIZE_MAX)
		return 0;
	size_t tcp_len = 20 + olen + w->payload_len;
	size_t total = 20 + tcp_len;
	if (total > 65535 || total > cap)
		return 0;
	struct wire_ipv4 ip = {
		.total_len = (uint16_t)total, .frag = WIRE_IP_DF, .ttl = 64,
		.proto = WIRE_IPPROTO_TCP, .src = w->src, .dst = w->dst,
	};
	if (wire_ipv4_emit(&ip, buf, cap) != 20)
		return 0;
	uint8_t *t = buf + 20;
	put16(t, w->sport);
	put16(t + 2, w->dport);
	put32(t + 4, w->seq);
	put32(t + 8, w->ack);
	t[12] = (uint8_t)((20 + olen) / 4 << 4);
	t[13] = w->flags;
	put16(t + 14, w->win);
	put16(t + 16, 0);
	put16(t + 18, w->urg);
	memcpy(t + 20, opts, olen);
	memset(t + 20 + olen, 0, w->payload_len);
	uint64_t sum = wire_pseudo_ipv4(w->src, w->dst, WIRE_IPPROTO_TCP, (uint16_t)tcp_len);
	put16(t + 16, wire_csum_fold(wire_csum_add(sum, t, tcp_len)));
	return total;
}

/* Walks a validated option area into w->opts (EOL ends it; unknown kinds skipped). */
static void decode_opts(const uint8_t *o, size_t len, struct synack_drill_wire *w)
{
	for (size_t i = 0; i < len && w->nopts < SYNACK_DRILL_OPTS_MAX;) {
		struct synack_drill_opt *op = &w->opts[w->nopts];
		uint8_t kind = o[i];
		size_t olen = kind <= WIRE_OPT_NOP ? 1 : o[i + 1];

		memset(op, 0, sizeof *op);
		op->kind = kind;
		if (kind == WIRE_OPT_MSS)
			op->v[0] = (uint32_t)o[i + 2] << 8 | o[i + 3];
		else if (kind == WIRE_OPT_WS)
			op->v[0] = o[i + 2];
		else if (kind == WIRE_OPT_TS || kind == WIRE_OPT_SACK)
			for (size_t k = 0; k < (olen - 2) / 4 && k < 2 * SYNACK_DRILL_SACK_MAX; k++)
				op->v[k] = get32(o + i + 2 + 4 * k);
		if (kind == WIRE_OPT_SACK)
			op->nblocks = (uint8_t)((olen - 2) / 8);
		if (kind == WIRE_OPT_EOL)
			return;
		if (kind <= WIRE_OPT_SACK || kind == WIRE_OPT_TS)
			w->nopts++;
		i += olen;
	}
}

int synack_drill_parse(const uint8_t *pkt, size_t len, struct synack_drill_wire *w)
{
	struct wire_ipv4 ip;
	struct wire_tcp tcp;

	memset(w, 0, sizeof *w);
	if (wire_ipv4_parse(pkt, len, &ip) != WIRE_OK || ip.proto != WIRE_IPPROTO_TCP ||
	    wire_ipv4_is_fragment(&ip))
		return -1;
	const uint8_t *seg = pkt + ip.hdr_len;
	if (wire_tcp_parse(seg, (size_t)ip.total_len - ip.hdr_len, &tcp) != WIRE_OK)
		return -1;
	w->src = ip.src;
	w->dst = ip.dst;
	w->sport = tcp.sport;
	w->dport = tcp.dport;
	w->seq = tcp.seq;
	w->ack = tcp.ack;
	w->flags = tcp.flags;
	w->win = tcp.win;
	w->urg = tcp.urp;
	w->payload_len = tcp.payload_len;
	decode_opts(seg + 20, (size_t)tcp.hdr_len - 20, w);
	return 0;
}

/* ---- printing ------------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3)))
static void emit(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->cap)
			o->buf[o->len] = tmp[i];
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
}

static void format_opt(struct out *o, const struct synack_drill_opt *op)
{
	switch (op->kind) {
	case SYNACK_DRILL_OPT_NOP: emit(o, "nop"); break;
	case SYNACK_DRILL_OPT_EOL: emit(o, "eol"); break;
	case SYNACK_DRILL_OPT_SACKOK: emit(o, "sackOK"); break;
	case SYNACK_DRILL_OPT_MSS: emit(o, "mss %u", op->v[0]); break;
	case SYNACK_DRILL_OPT_WSCALE: emit(o, "wscale %u", op->v[0]); break;
	case SYNACK_DRILL_OPT_TS: emit(o, "TS val %u ecr %u", op->v[0], op->v[1]); break;
	case SYNACK_DRILL_OPT_SACK:
		emit(o, "sack");
		for (unsigned i = 0; i < op->nblocks; i++)
			emit(o, " %u:%u", op->v[2 * i], op->v[2 * i + 1]);
		break;
	default: emit(o, "opt%u", op->kind); break;
	}
}

size_t synack_drill_format(const struct synack_drill_pkt *p, char *buf, size_t cap)
{
	static const char names[] = "FSRP.UEW";
	struct out o = {buf, cap, 0};
	char flags[9];
	size_t n = 0;

	if (cap)
		buf[0] = '\0';
	for (unsigned i = 0; i < 8; i++)
		if (p->flags & (1u << i))
			flags[n++] = names[i];
	flags[n] = '\0';
	/* packetdrill's order: S F R P . U, i.e. "S.", "F.", "P." */
	char ordered[9];
	size_t m = 0;
	for (const char *c = "SFRP.UEW"; *c; c++)
		if (strchr(flags, *c))
			ordered[m++] = *c;
	ordered[m] = '\0';
	for (size_t i = 0; i < m; i++)
		emit(&o, "%c", ordered[i]);
	if (!m)
		emit(&o, "-");
	emit(&o, " %u:%u", p->seq, p->end);
	emit(&o, "(%u)", p->len);
	if (p->has_ack)
		emit(&o, " ack %u", p->ack);
	if (p->has_win)
		emit(&o, " win %u", p->win);
	if (p->has_urg)
		emit(&o, " urg %u", p->urg);
	if (p->opts_any) {
		emit(&o, " <...>");
	} else if (p->has_opts) {
		emit(&o, " <");
		for (unsigned i = 0; i < p->nopts; i++) {
			if (i)
				emit(&o, ",");
			format_opt(&o, &p->opts[i]);
		}
		emit(&o, ">");
	}
	return o.len;
}
