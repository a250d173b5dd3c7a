/*
 * trace.c — the tcpdump -n line for one IPv4 packet: the timestamp (tcpdump's default,
 * -t, -tt, -ttt, -tttt formats), the IPv4 layer (RFC 791), ICMP (RFC 792) echo,
 * destination-unreachable and time-exceeded messages, UDP (RFC 768), and tcpdump's short
 * line for other protocols and for non-first fragments. TCP is in trace_tcp.c.
 *
 * The rules are tcpdump 4.99's, read off its output for crafted packets (see
 * tests/data/gen_trace_pcap.py and docs/trace.md); the checks below run in the order
 * tcpdump makes them, since the order decides which message a broken packet gets.
 * Text only: everything goes through trace_put into the caller's buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace_int.h"
#include "wire/wire.h"

#define IPPROTO_UDP_NUM 17u

void trace_put(struct trace_out *o, const char *fmt, ...)
{
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

const char *trace_addr(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

void synack_trace_init(struct synack_trace *t, const struct synack_trace_opts *opts)
{
	memset(t, 0, sizeof(*t));
	if (opts)
		t->opts = *opts;
}

/* ---- timestamps ------------------------------------------------------------------- */

struct civil {
	int64_t year;
	unsigned month, day, hour, min, sec;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Seconds since the epoch to a proleptic Gregorian date and time (days to civil date:
 * count 400-year eras of 146097 days from 0000-03-01). */
static struct civil to_civil(int64_t s)
{
	int64_t days = floor_div(s, 86400), rem = s - days * 86400;
	int64_t z = days + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct civil c;

	c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c.year = yoe + era * 400 + (c.month <= 2);
	c.hour = (unsigned)(rem / 3600);
	c.min = (unsigned)(rem / 60 % 60);
	c.sec = (unsigned)(rem % 60);
	return c;
}

static void put_timestamp(struct synack_trace *t, struct trace_out *o, int64_t ts_ns)
{
	int64_t us = floor_div(ts_ns, 1000);
	int64_t sec = floor_div(us, 1000000);
	unsigned frac = (unsigned)(us - sec * 1000000);
	struct civil c;

	switch (t->opts.ts) {
	case SYNACK_TRACE_TS_NONE:
		return;
	case SYNACK_TRACE_TS_EPOCH:
		trace_put(o, "%lld.%06u ", (long long)sec, frac);
		return;
	case SYNACK_TRACE_TS_DELTA: {
		/* tcpdump: the first packet is its own reference; the delta is printed as a
		 * time of day, so whole days drop out. */
		int64_t d = t->has_prev ? us - t->prev_us : 0;
		char sign = d < 0 ? '-' : ' ';

		if (d < 0)
			d = -d;
		t->prev_us = us;
		t->has_prev = true;
		c = to_civil(d / 1000000);
		trace_put(o, "%c%02u:%02u:%02u.%06u ", sign, c.hour, c.min, c.sec,
			  (unsigned)(d % 1000000));
		return;
	}
	case SYNACK_TRACE_TS_DATE:
	case SYNACK_TRACE_TS_DEFAULT:
	default:
		if (t->opts.utc_offset_s)
			sec += t->opts.utc_offset_s(t->opts.utc_offset_ctx, sec);
		c = to_civil(sec);
		if (t->opts.ts == SYNACK_TRACE_TS_DATE)
			trace_put(o, "%04lld-%02u-%02u ", (long long)c.year, c.month, c.day);
		trace_put(o, "%02u:%02u:%02u.%06u ", c.hour, c.min, c.sec, frac);
		return;
	}
}

/* ---- ICMP (RFC 792) --------------------------------------------------------------- */

/* tcpdump's texts for destination-unreachable codes 0..15 other than 2, 3, 4: what goes
 * before and after the original datagram's destination address. */
static const struct {
	const char *pre, *post;
} unreach_text[16] = {
	[0] = {"net ", " unreachable"},
	[1] = {"host ", " unreachable"},
	[5] = {"", " unreachable - source route failed"},
	[6] = {"net ", " unreachable - unknown"},
	[7] = {"host ", " unreachable - unknown"},
	[8] = {"", " unreachable - source host isolated"},
	[9] = {"net ", " unreachable - admin prohibited"},
	[10] = {"host ", " unreachable - admin prohibited"},
	[11] = {"net ", " unreachable - tos prohibited"},
	[12] = {"host ", " unreachable - tos prohibited"},
	[13] = {"host ", " unreachable - admin prohibited filter"},
	[14] = {"host ", " unreachable - host precedence violation"},
	[15] = {"host ", " unreachable - precedence cutoff"},
};

/* Destination unreachable: formats the text into s, returning its length, or -1 when
 * the quoted datagram is cut short before the port tcpdump shows. */
static int format_unreach(char *s, size_t cap, const struct trace_pkt *p, uint8_t code)
{
	const uint8_t *oip = p->seg + 8;
	unsigned ohl = (unsigned)(oip[0] & 0x0f) * 4;
	char d[16];

	trace_addr(trace_get32(oip + 16), d);
	switch (code) {
	case 2:
		return snprintf(s, cap, "%s protocol %u unreachable", d, oip[9]);
	case 3: {
		const char *proto = oip[9] == WIRE_IPPROTO_TCP ? "tcp" :
				    oip[9] == IPPROTO_UDP_NUM ? "udp" : NULL;
		unsigned dport;

		if (p->avail < 8 + ohl + 4)
			return -1;
		dport = trace_get16(oip + ohl + 2);
		if (proto)
			return snprintf(s, cap, "%s %s port %u unreachable", d, proto, dport);
		return snprintf(s, cap, "%s protocol %u port %u unreachable", d, oip[9], dport);
	}
	case 4: {
		unsigned mtu = trace_get16(p->seg + 6);

		if (mtu)
			return snprintf(s, cap, "%s unreachable - need to frag (mtu %u)", d, mtu);
		return snprintf(s, cap, "%s unreachable - need to frag", d);
	}
	default:
		if (code < 16 && unreach_text[code].post)
			return snprintf(s, cap, "%s%s%s", unreach_text[code].pre, d,
					unreach_text[code].post);
		return snprintf(s, cap, "%s unreachable - #%u", d, code);
	}
}

static void put_ipv4(struct synack_trace *t, struct trace_out *o, const uint8_t *pkt,
		     size_t len, size_t caplen);

/* -v: an error's quoted datagram (at p->seg + 8, at least 20 bytes) on its own lines,
 * as tcpdump prints it: a newline, a tab, then the datagram as a packet of its own
 * length, so a quote cut short is not "truncated-ip". One level only: a quoted ICMP
 * error's own quote is not printed (nesting would recurse once per 28 bytes). */
static void put_quote(struct synack_trace *t, struct trace_out *o, const struct trace_pkt *p)
{
	const uint8_t *q = p->seg + 8;
	size_t qcap = p->avail - 8, qlen = trace_get16(q + 2);

	if (!t->opts.verbose || o->depth)
		return;
	trace_put(o, "\n\t");
	o->depth++;
	put_ipv4(t, o, q, qlen > qcap ? qlen : qcap, qcap);
	o->depth--;
}

static void put_icmp(struct synack_trace *t, struct trace_out *o, const struct trace_pkt *p)
{
	char s[96];
	uint8_t type, code;

	if (p->avail < 2)
		goto trunc;
	type = p->seg[0];
	code = p->seg[1];
	switch (type) {
	case 0:
	case 8:
		if (p->avail < 8)
			goto trunc;
		snprintf(s, sizeof(s), "echo %s, id %u, seq %u", type ? "request" : "reply",
			 trace_get16(p->seg + 4), trace_get16(p->seg + 6));
		break;
	case 3: /* the quoted datagram's header must be there up to its destination */
		if (p->avail < 8 + WIRE_IPV4_HDR_MIN || format_unreach(s, sizeof(s), p, code) < 0)
			goto trunc;
		break;
	case 11:
		if (p->avail < 8 + WIRE_IPV4_HDR_MIN)
			goto trunc;
		if (code == 0)
			snprintf(s, sizeof(s), "time exceeded in-transit");
		else if (code == 1)
			snprintf(s, sizeof(s), "ip reassembly time exceeded");
		else
			snprintf(s, sizeof(s), "time exceeded-#%u", code);
		break;
	default:
		snprintf(s, sizeof(s), "type-#%u", type);
		break;
	}
	trace_put(o, "ICMP %s, length %u", s, p->length);
	if (type == 3 || type == 11)
		put_quote(t, o, p);
	return;
trunc:
	trace_put(o, " [|icmp]");
}

/* ---- UDP (RFC 768) ---------------------------------------------------------------- */

static void put_udp(struct trace_out *o, const struct trace_pkt *p)
{
	char a[16], b[16];
	unsigned ulen;

	trace_addr(p->src, a);
	trace_addr(p->dst, b);
	if (p->avail < 4) {
		trace_put(o, "%s > %s:  [|udp]", a, b);
		return;
	}
	trace_put(o, "%s.%u > %s.%u: ", a, trace_get16(p->seg), b, trace_get16(p->seg + 2));
	if (p->length < 8) {
		trace_put(o, "truncated-udp %u", p->length);
		return;
	}
	if (p->avail < 8) {
		trace_put(o, " [|udp]");
		return;
	}
	ulen = trace_get16(p->seg + 4);
	if (ulen < 8)
		trace_put(o, "truncated-udplength %u", ulen);
	else if (ulen > p->length)
		trace_put(o, "UDP, bad length %u > %u", ulen - 8, p->length - 8);
	else
		trace_put(o, "UDP, length %u", ulen - 8);
}

/* ---- IPv4 (RFC 791 §3.1) ---------------------------------------------------------- */

/* The header fields. A header the wire parser accepts is taken from it; otherwise
 * (truncated capture, bad IHL or total length) the fields are read from the first 20
 * bytes, which the caller has checked are captured. */
static void read_ipv4(const uint8_t *pkt, size_t caplen, struct wire_ipv4 *ip)
{
	if (wire_ipv4_parse(pkt, caplen, ip) == WIRE_OK)
		return;
	memset(ip, 0, sizeof(*ip));
	ip->hdr_len = (uint8_t)((pkt[0] & 0x0f) * 4);
	ip->tos = pkt[1];
	ip->total_len = trace_get16(pkt + 2);
	ip->id = trace_get16(pkt + 4);
	ip->frag = trace_get16(pkt + 6);
	ip->ttl = pkt[8];
	ip->proto = pkt[9];
	ip->csum = trace_get16(pkt + 10);
	ip->src = trace_get32(pkt + 12);
	ip->dst = trace_get32(pkt + 16);
}

static void put_ipv4(struct synack_trace *t, struct trace_out *o, const uint8_t *pkt,
		     size_t len, size_t caplen)
{
	char a[16], b[16];
	struct wire_ipv4 ip;
	struct trace_pkt p;
	size_t avail;

	trace_put(o, "IP ");
	if (caplen < WIRE_IPV4_HDR_MIN) {
		trace_put(o, " [|ip]");
		return;
	}
	if ((pkt[0] >> 4) != 4) {
		trace_put(o, "version %u", pkt[0] >> 4);
		return;
	}
	read_ipv4(pkt, caplen, &ip);
	if (ip.hdr_len < WIRE_IPV4_HDR_MIN) {
		trace_put(o, "bad-hlen %u", ip.hdr_len);
		return;
	}
	if (len < ip.total_len)
		trace_put(o, "truncated-ip - %u bytes missing! ", (unsigned)(ip.total_len - len));
	if (ip.total_len < ip.hdr_len) {
		trace_put(o, "bad-len %u", ip.total_len);
		return;
	}
	/* What lies past the total length is link padding; tcpdump cuts it off. */
	avail = caplen < len ? caplen : len;
	if (avail > ip.total_len)
		avail = ip.total_len;
	if (t->opts.verbose)
		trace_ipv4_verbose(o, &ip, pkt, avail);
	trace_addr(ip.src, a);
	trace_addr(ip.dst, b);
	if (ip.frag & WIRE_IP_OFFMASK) {
		/* A later fragment: no transport header to show. */
		trace_put(o, "%s > %s: ip-proto-%u", a, b, ip.proto);
		return;
	}
	/* TCP and UDP print the addresses with their ports. (tcpdump leaves SCTP and DCCP
	 * to their own printers too; we do not decode those and print the generic line.) */
	if (ip.proto != WIRE_IPPROTO_TCP && ip.proto != IPPROTO_UDP_NUM)
		trace_put(o, "%s > %s: ", a, b);
	if (avail < ip.hdr_len) {
		trace_put(o, " [remaining caplen(%zu) < header length(%u)] [|ip]", avail, ip.hdr_len);
		return;
	}
	p = (struct trace_pkt){ip.src, ip.dst, pkt + ip.hdr_len,
			       (uint32_t)(ip.total_len - ip.hdr_len), avail - ip.hdr_len,
			       (ip.frag & WIRE_IP_MF) != 0, trace_ipv4_csum_dst(&ip, pkt, avail)};
	switch (ip.proto) {
	case WIRE_IPPROTO_TCP:
		trace_tcp(t, o, &p);
		break;
	case IPPROTO_UDP_NUM:
		put_udp(o, &p);
		break;
	case WIRE_IPPROTO_ICMP:
		put_icmp(t, o, &p);
		break;
	default:
		trace_put(o, " ip-proto-%u %u", ip.proto, p.length);
		break;
	}
}

size_t synack_trace_format(struct synack_trace *t, char *buf, size_t cap,
			   const uint8_t *pkt, size_t len, size_t caplen, int64_t ts_ns)
{
	struct trace_out o = {buf, cap, 0, 0};

	if (cap > 0)
		buf[0] = '\0';
	if (len < caplen)
		len = caplen;
	put_timestamp(t, &o, ts_ns);
	put_ipv4(t, &o, pkt, len, caplen);
	return o.len;
}
