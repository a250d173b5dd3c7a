/*
 * tcp.c — the TCP header and options: parse with every length validated (RFC 9293 §3.1,
 * §3.2), the checksum over the IPv4 pseudo-header (RFC 9293 §3.1), and emit with the
 * option layout Linux uses, so that our segments look like Linux's on the wire.
 *
 * Options understood (RFC 9293 §3.2, RFC 7323 §2.2 and §3.2, RFC 2018 §2 and §3):
 * EOL, NOP, MSS, window scale, SACK-permitted, SACK (1..4 blocks), timestamps. Others are
 * skipped by their length byte and counted (RFC 9293 §3.1, MUST-68: every option but EOL
 * and NOP has a length field). A malformed option fails the whole parse with a reason of
 * its own: RFC 9293 §3.1 MUST-7 says an implementation "MUST be prepared to handle an
 * illegal option length (e.g., zero)" and suggests resetting the connection; what to do
 * with the segment is the engine's choice, made from the named reason. A repeated option:
 * the last one wins, as in Linux's tcp_parse_options().
 *
 * Invariants: no byte is read before its presence is checked; on WIRE_OK,
 * 20 <= hdr_len <= len and payload + payload_len == seg + len.
 */
#include <string.h>

#include "wire/wire.h"

#define OPT_MSS_LEN 4u
#define OPT_WS_LEN 3u
#define OPT_SACKOK_LEN 2u
#define OPT_TS_LEN 10u
#define OPT_SACK_BLOCK_LEN 8u

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/*
 * One option of known kind whose framing (kind, length, body inside the area) is
 * already checked: body = kind byte onwards, olen = its length byte.
 */
static enum wire_err parse_one(const uint8_t *body, size_t olen, struct wire_tcp_opts *out)
{
	size_t i, n;

	switch (body[0]) {
	case WIRE_OPT_MSS: /* RFC 9293 §3.2: kind 2, length 4, 16-bit MSS */
		if (olen != OPT_MSS_LEN)
			return WIRE_OPT_MSS_LEN;
		out->mss = get16(body + 2);
		out->present |= WIRE_HAS_MSS;
		break;
	case WIRE_OPT_WS: /* RFC 7323 §2.2: kind 3, length 3, shift.cnt */
		if (olen != OPT_WS_LEN)
			return WIRE_OPT_WS_LEN;
		out->wscale = body[2];
		out->present |= WIRE_HAS_WS;
		break;
	case WIRE_OPT_SACKOK: /* RFC 2018 §2: kind 4, length 2 */
		if (olen != OPT_SACKOK_LEN)
			return WIRE_OPT_SACKOK_LEN;
		out->present |= WIRE_HAS_SACKOK;
		break;
	case WIRE_OPT_SACK: /* RFC 2018 §3: kind 5, length 2 + 8n */
		n = (olen - 2) / OPT_SACK_BLOCK_LEN;
		if ((olen - 2) % OPT_SACK_BLOCK_LEN != 0 || n < 1 || n > WIRE_SACK_MAX)
			return WIRE_OPT_SACK_LEN;
		for (i = 0; i < n; i++) {
			out->sack[i].left = get32(body + 2 + i * OPT_SACK_BLOCK_LEN);
			out->sack[i].right = get32(body + 6 + i * OPT_SACK_BLOCK_LEN);
		}
		out->sack_count = (uint8_t)n;
		out->present |= WIRE_HAS_SACK;
		break;
	case WIRE_OPT_TS: /* RFC 7323 §3.2: kind 8, length 10, TSval, TSecr */
		if (olen != OPT_TS_LEN)
			return WIRE_OPT_TS_LEN;
		out->ts_val = get32(body + 2);
		out->ts_ecr = get32(body + 6);
		out->present |= WIRE_HAS_TS;
		break;
	default: /* RFC 9293 §3.1: unknown kinds are skipped by their length */
		if (out->unknown_count < UINT8_MAX)
			out->unknown_count++;
		break;
	}
	return WIRE_OK;
}

/*
 * Linux's SYN and SYN-ACK (tcp_options_write): MSS, SACKOK+TS, NOP,WS in 20 bytes, the
 * general walk reads it the same. True when opts[0..len) is that layout, with *out
 * filled (zeroed first) and *sum the area's five words as values (RFC 1071 §2), each
 * word loaded once for both.
 */
static inline bool parse_syn_layout(const uint8_t *opts, size_t len,
				    struct wire_tcp_opts *out, uint64_t *sum)
{
	const uint32_t mss_kind = WIRE_OPT_MSS << 8 | OPT_MSS_LEN;
	const uint32_t sackok_ts = (uint32_t)WIRE_OPT_SACKOK << 24 | OPT_SACKOK_LEN << 16 |
				   WIRE_OPT_TS << 8 | OPT_TS_LEN;
	const uint32_t nop_ws = WIRE_OPT_NOP << 16 | WIRE_OPT_WS << 8 | OPT_WS_LEN;

	if (len != 20 || get16(opts) != mss_kind || get32(opts + 4) != sackok_ts ||
	    get32(opts + 16) >> 8 != nop_ws)
		return false;
	memset(out, 0, sizeof(*out));
	out->present = WIRE_HAS_MSS | WIRE_HAS_SACKOK | WIRE_HAS_TS | WIRE_HAS_WS;
	out->mss = get16(opts + 2);
	out->wscale = opts[19];
	out->ts_val = get32(opts + 8);
	out->ts_ecr = get32(opts + 12);
	/* the five words' values: their kinds and lengths are the constants compared */
	*sum = ((uint64_t)mss_kind << 16) + sackok_ts + ((uint64_t)nop_ws << 8) + out->mss +
	       out->wscale + out->ts_val + out->ts_ecr;
	return true;
}

/*
 * Walks opts[0..len): EOL ends the list (RFC 9293 §3.2: the rest is padding), NOP is one
 * byte, every other kind has a length byte >= 2 covering kind, length and body, all
 * inside the area. *out is zeroed first, so on an error it holds what came before.
 * unknown_count saturates at 255.
 */
enum wire_err wire_tcp_parse_opts(const uint8_t *opts, size_t len, struct wire_tcp_opts *out)
{
	size_t i = 0;
	uint64_t sum;

	memset(out, 0, sizeof(*out));
	/* the layout of every segment after a handshake with timestamps (Linux's
	 * tcp_fast_parse_options): NOP, NOP, TS alone; the walk below reads it the same */
	if (len == 12 && get32(opts) == (WIRE_OPT_NOP << 24 | WIRE_OPT_NOP << 16 |
					 WIRE_OPT_TS << 8 | OPT_TS_LEN)) {
		out->ts_val = get32(opts + 4);
		out->ts_ecr = get32(opts + 8);
		out->present = WIRE_HAS_TS;
		return WIRE_OK;
	}
	if (parse_syn_layout(opts, len, out, &sum))
		return WIRE_OK;
	while (i < len) {
		size_t olen;
		enum wire_err err;

		if (opts[i] == WIRE_OPT_EOL)
			break;
		if (opts[i] == WIRE_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return WIRE_OPT_OVERRUN; /* the length byte is past the header */
		olen = opts[i + 1];
		if (olen < 2)
			return WIRE_OPT_LEN_SHORT;
		if (olen > len - i)
			return WIRE_OPT_OVERRUN;
		err = parse_one(opts + i, olen, out);
		if (err != WIRE_OK)
			return err;
		i += olen;
	}
	return WIRE_OK;
}

/*
 * RFC 9293 §3.1 header: checks, in this order, 20 bytes present (WIRE_TCP_TRUNCATED),
 * data offset in 5..15 and its bytes present (WIRE_TCP_DOFF), then the options. seg is
 * borrowed; tcp->payload points into it.
 */
enum wire_err wire_tcp_parse(const uint8_t *seg, size_t len, struct wire_tcp *tcp)
{
	size_t hdr_len;
	enum wire_err err;

	if (len < WIRE_TCP_HDR_MIN)
		return WIRE_TCP_TRUNCATED;
	hdr_len = (size_t)(seg[12] >> 4) * 4;
	if (hdr_len < WIRE_TCP_HDR_MIN || hdr_len > len)
		return WIRE_TCP_DOFF;
	err = wire_tcp_parse_opts(seg + WIRE_TCP_HDR_MIN, hdr_len - WIRE_TCP_HDR_MIN, &tcp->opt);
	if (err != WIRE_OK)
		return err;

	tcp->sport = get16(seg);
	tcp->dport = get16(seg + 2);
	tcp->seq = get32(seg + 4);
	tcp->ack = get32(seg + 8);
	tcp->hdr_len = (uint8_t)hdr_len;
	tcp->reserved = seg[12] & 0x0f;
	tcp->flags = seg[13];
	tcp->win = get16(seg + 14);
	tcp->csum = get16(seg + 16);
	tcp->urp = get16(seg + 18);
	tcp->payload = seg + hdr_len;
	tcp->payload_len = len - hdr_len;
	return WIRE_OK;
}

/*
 * RFC 9293 §3.1 "Checksum": over the pseudo-header and the whole segment, checksum field
 * included, the folded sum is 0. A segment longer than 65535 bytes cannot be right.
 */
bool wire_tcp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
	uint64_t sum;

	if (len > UINT16_MAX)
		return false;
	sum = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, (uint16_t)len);
	return wire_csum_fold(wire_csum_add(sum, seg, len)) == 0;
}

/* True when the SACK part of opt can be written (1..4 blocks), or is absent. */
static bool has_valid_sack(const struct wire_tcp_opts *opt)
{
	return !(opt->present & WIRE_HAS_SACK) ||
	       (opt->sack_count >= 1 && opt->sack_count <= WIRE_SACK_MAX);
}

/*
 * The sizes of Linux's layout (see wire_tcp_emit): every option padded with NOPs to
 * 4 bytes, TS+SACKOK sharing one 12-byte group. The result may exceed 40 (too many
 * options for one header); wire_tcp_emit then refuses. A SACK with a block count
 * outside 1..4 counts as not fitting (SIZE_MAX).
 */
size_t wire_tcp_opts_len(const struct wire_tcp_opts *opt)
{
	size_t n = 0;

	if (!has_valid_sack(opt))
		return SIZE_MAX;
	if (opt->present & WIRE_HAS_MSS)
		n += 4;
	if (opt->present & WIRE_HAS_TS)
		n += 12; /* SACKOK (or NOP,NOP) + TS */
	else if (opt->present & WIRE_HAS_SACKOK)
		n += 4;
	if (opt->present & WIRE_HAS_WS)
		n += 4;
	if (opt->present & WIRE_HAS_SACK)
		n += 4 + OPT_SACK_BLOCK_LEN * opt->sack_count;
	return n;
}

/* One 32-bit word of the options area at p, added to *sum as a value (RFC 1071 §2: a
 * big-endian 32-bit word is congruent, modulo 2^16 - 1, to the sum of its halves). */
static uint8_t *put_word(uint8_t *p, uint32_t w, uint64_t *sum)
{
	*sum += w;
	return put32(p, w);
}

/* write_opts, returning the sum of the words written (at most 10 words of 32 bits:
 * no carry out of 64 bits). Every option here is laid out in whole 32-bit words. */
static uint64_t put_opts(const struct wire_tcp_opts *opt, uint8_t *p)
{
	uint64_t sum = 0;
	unsigned i;

	if (opt->present & WIRE_HAS_MSS)
		p = put_word(p, (uint32_t)WIRE_OPT_MSS << 24 | (uint32_t)OPT_MSS_LEN << 16 |
				opt->mss, &sum);
	if (opt->present & WIRE_HAS_TS) {
		if (opt->present & WIRE_HAS_SACKOK)
			p = put_word(p, (uint32_t)WIRE_OPT_SACKOK << 24 |
					(uint32_t)OPT_SACKOK_LEN << 16 |
					(uint32_t)WIRE_OPT_TS << 8 | OPT_TS_LEN, &sum);
		else
			p = put_word(p, (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_NOP << 16 |
					(uint32_t)WIRE_OPT_TS << 8 | OPT_TS_LEN, &sum);
		p = put_word(p, opt->ts_val, &sum);
		p = put_word(p, opt->ts_ecr, &sum);
	} else if (opt->present & WIRE_HAS_SACKOK) {
		p = put_word(p, (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_NOP << 16 |
				(uint32_t)WIRE_OPT_SACKOK << 8 | OPT_SACKOK_LEN, &sum);
	}
	if (opt->present & WIRE_HAS_WS)
		p = put_word(p, (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_WS << 16 |
				(uint32_t)OPT_WS_LEN << 8 | opt->wscale, &sum);
	if (opt->present & WIRE_HAS_SACK) {
		p = put_word(p, (uint32_t)WIRE_OPT_NOP << 24 | (uint32_t)WIRE_OPT_NOP << 16 |
				(uint32_t)WIRE_OPT_SACK << 8 |
				(uint32_t)(2 + OPT_SACK_BLOCK_LEN * opt->sack_count), &sum);
		for (i = 0; i < opt->sack_count; i++) {
			p = put_word(p, opt->sack[i].left, &sum);
			p = put_word(p, opt->sack[i].right, &sum);
		}
	}
	return sum;
}

/*
 * Linux's order and padding (tcp_options_write() in net/ipv4/tcp_output.c), checked
 * against captured Linux segments in tests/unit/test_wire_tcp.c:
 *   MSS                 02 04 mm mm
 *   SACKOK+TS           04 02 08 0a <tsval> <tsecr>   (NOP,NOP instead of 04 02 without SACKOK)
 *   SACKOK without TS   01 01 04 02
 *   WS                  01 03 03 ss
 *   SACK                01 01 05 <2+8n> <blocks>
 */
static void write_opts(const struct wire_tcp_opts *opt, uint8_t *p)
{
	(void)put_opts(opt, p);
}

/*
 * Writes the segment into buf[0..cap): header from *tcp (hdr_len ignored, reserved bits
 * kept), options as write_opts lays them out, then payload (borrowed; it may already sit
 * at buf + header length: it is moved, not copied, so overlap is fine), then the
 * checksum over the pseudo-header. 0 when the options are over 40 bytes or invalid, the
 * segment exceeds cap or 65535 bytes, or payload is NULL with payload_len > 0.
 */
size_t wire_tcp_emit(const struct wire_tcp *tcp, uint32_t src, uint32_t dst,
		     const uint8_t *payload, size_t payload_len, uint8_t *buf, size_t cap)
{
	size_t olen = wire_tcp_opts_len_quick(&tcp->opt);
	size_t hdr_len, seg_len;
	uint64_t sum;

	if (olen > WIRE_TCP_HDR_MAX - WIRE_TCP_HDR_MIN || (payload_len > 0 && !payload))
		return 0;
	hdr_len = WIRE_TCP_HDR_MIN + olen;
	if (payload_len > UINT16_MAX - hdr_len || hdr_len + payload_len > cap)
		return 0;
	seg_len = hdr_len + payload_len;

	if (payload_len > 0 && payload != buf + hdr_len)
		memmove(buf + hdr_len, payload, payload_len);
	put16(buf, tcp->sport);
	put16(buf + 2, tcp->dport);
	put32(buf + 4, tcp->seq);
	put32(buf + 8, tcp->ack);
	buf[12] = (uint8_t)((hdr_len / 4) << 4 | (tcp->reserved & 0x0fu));
	buf[13] = tcp->flags;
	put16(buf + 14, tcp->win);
	put16(buf + 16, 0);
	put16(buf + 18, tcp->urp);
	write_opts(&tcp->opt, buf + WIRE_TCP_HDR_MIN);

	sum = wire_pseudo_ipv4(src, dst, WIRE_IPPROTO_TCP, (uint16_t)seg_len);
	put16(buf + 16, wire_csum_fold(wire_csum_add(sum, buf, seg_len)));
	return seg_len;
}

/* The option bytes for wire_tcpip_emit's general case: written and summed as values. */
uint64_t wire_tcp_opts_write_sum(const struct wire_tcp_opts *opt, uint8_t *p, uint64_t acc)
{
	return wire_csum_combine(acc, put_opts(opt, p));
}

/* wire.h: the option area parsed and its words summed, for the one-pass read. */
bool wire_tcp_parse_opts_sum(const uint8_t *opts, size_t len, struct wire_tcp_opts *out,
			     uint64_t *sum)
{
	uint64_t s = 0;

	if (parse_syn_layout(opts, len, out, sum))
		return true;
	if (wire_tcp_parse_opts(opts, len, out) != WIRE_OK)
		return false;
	for (size_t i = 0; i < len; i += 4)
		s += get32(opts + i);
	*sum = s;
	return true;
}

/* wire_tcpip_parse_opts_rest for a layout other than Linux's SYN: the general walk. */
static __attribute__((noinline)) bool
parse_opts_rest_walk(const uint8_t *pkt, size_t tot, size_t hdr_len, uint32_t word3,
		     uint32_t *src, uint32_t *dst, struct wire_tcp *tcp, uint64_t *sum)
{
	uint64_t s;

	if (!wire_tcp_parse_opts_sum(pkt + WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN,
				     hdr_len - WIRE_TCP_HDR_MIN, &tcp->opt, &s))
		return false;
	return wire_tcpip_parse_rest(pkt, tot, hdr_len, word3, s, src, dst, tcp, sum);
}

/* wire.h: wire_tcpip_parse_hdrs past the IPv4 header for any other option layout.
 * Linux's SYN layout (every SYN and SYN-ACK with the four options, ours included) is
 * read here with nothing else in the frame, so it saves no register; any other layout
 * is walked by parse_opts_rest_walk. */
bool wire_tcpip_parse_opts_rest(const uint8_t *pkt, size_t tot, size_t hdr_len,
				uint32_t word3, uint32_t *src, uint32_t *dst,
				struct wire_tcp *tcp, uint64_t *sum)
{
	uint64_t s;

	if (parse_syn_layout(pkt + WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN,
			     hdr_len - WIRE_TCP_HDR_MIN, &tcp->opt, &s))
		return wire_tcpip_parse_rest(pkt, tot, hdr_len, word3, s, src, dst, tcp, sum);
	return parse_opts_rest_walk(pkt, tot, hdr_len, word3, src, dst, tcp, sum);
}
