/*
 * offload.c — segmentation and receive offloads for drivers (include/synack/synack.h
 * "synack_output_gso", docs/choices.md "GSO/GRO"): the cut of a super-segment into wire
 * packets (what a NIC's TSO or Linux's GSO does, RFC 9293 §3.7.1: each packet at most
 * the effective MSS) and the merging of a burst of received in-order segments into one
 * (Linux's GRO, net/ipv4/tcp_offload.c's rules, written from its documented behaviour).
 *
 * Invariants: a cut packet is byte for byte the segment the engine would have built
 * alone (IPv4 ID, sequence number, PSH/FIN on the last, both checksums); GRO hands TCP
 * only segments whose every wire packet passed both checksums, in sequence, with equal
 * headers but for the sequence number and a final PSH, so TCP sees exactly the bytes and
 * control information the packets carried.
 */
#include <string.h>

#include "api/api.h"
#include "ip/ip.h"
#include "tcp/input.h"

#define GRO_MAX 65535u          /* an IPv4 datagram's length bound, Linux's too */

/* The one's complement negative of a 16-bit field (RFC 1624 §3: ~m), to take it out of
 * a running sum. */
static uint64_t neg16(const uint8_t *p)
{
	return (uint16_t)~wire_get16(p);
}

/*
 * Writes wire packet index's IPv4 and TCP headers into out from the super-segment's
 * headers hdr (ihl + thl bytes, PSH/FIN as on the last packet) and the TCP checksum over
 * them and the n payload bytes already at out + ihl + thl (offset off in the
 * super-segment's payload), whose running sum psum the copy that put them there took.
 * Both checksums are summed from hdr with the changed fields swapped in as values (RFC
 * 1624 §3 eqn. 3: + ~m + m'), so out is only written, never read back: reading a
 * just-written packet buffer waited for its cache lines (perf: 88 % of this function on
 * the first load, docs/PERFORMANCE.md "session 9 (zc)").
 */
static void cut_packet(uint8_t *out, const uint8_t *hdr, size_t ihl, size_t thl,
		       uint32_t index, size_t off, size_t n, bool last, uint64_t psum)
{
	const uint8_t *th = hdr + ihl;
	uint16_t total = (uint16_t)(ihl + thl + n), id = (uint16_t)(wire_get16(hdr + 4) + index);
	uint32_t seq = wire_get32(th + 4) + (uint32_t)off;
	uint8_t flags = th[13];
	uint64_t sum;

	/* TCP: PSH and FIN on the last packet only; RFC 3168 §6.1.2: CWR on the first
	 * packet only (as Linux's TSO) */
	if (!last)
		flags &= (uint8_t)~(WIRE_TCP_PSH | WIRE_TCP_FIN);
	if (index)
		flags &= (uint8_t)~WIRE_TCP_CWR;
	memcpy(out, hdr, ihl + thl);
	/* IPv4: total length, ID one more per packet (the engine's counter), checksum */
	sum = ihl == WIRE_IPV4_HDR_MIN ? wire_csum_add20(0, hdr) : wire_csum_add(0, hdr, ihl);
	sum = wire_csum_combine(sum, neg16(hdr + 2) + neg16(hdr + 4) + neg16(hdr + 10) +
				     total + id);
	wire_put16(out + 2, total);
	wire_put16(out + 4, id);
	wire_put16(out + 10, wire_csum_fold(sum));
	/* TCP: sequence number, flags, checksum over the pseudo-header with the final
	 * destination (no IP options: the engine does not make super-segments with a
	 * source route); thl is a multiple of 4, so the payload's sum joins at an even
	 * offset */
	sum = wire_csum_add(wire_pseudo_ipv4(wire_get32(hdr + 12), wire_get32(hdr + 16),
					     WIRE_IPPROTO_TCP, (uint16_t)(thl + n)), th, thl);
	sum = wire_csum_combine(sum, neg16(th + 4) + neg16(th + 6) + neg16(th + 12) +
				     neg16(th + 16) + (seq >> 16) + (seq & 0xffff) +
				     (uint32_t)(th[12] << 8 | flags));
	wire_put32(out + ihl + 4, seq);
	out[ihl + 13] = flags;
	wire_put16(out + ihl + 16, wire_csum_fold(wire_csum_combine(sum, psum)));
}

/* Copies the ring pieces pc to dst and returns their running sum as one stretch (the
 * second piece joins at its offset: byte-swapped when that is odd). */
static uint64_t copy_sum_from(uint8_t *dst, const struct ring_piece pc[2])
{
	uint64_t sum = wire_csum_copy(0, dst, pc[0].p, pc[0].n);

	if (pc[1].n)
		sum = wire_csum_add_at(sum, wire_csum_copy(0, dst + pc[0].n, pc[1].p, pc[1].n),
				       pc[0].n);
	return sum;
}

size_t synack_gso_segment(const uint8_t *pkt, size_t len, uint32_t gso_size, uint32_t index,
			  uint8_t *out, size_t cap)
{
	size_t ihl, thl, hl, data, off, n;

	if (!pkt || !out || !gso_size || len < WIRE_IPV4_HDR_MIN || (pkt[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(pkt[0] & 15) * 4;
	if (ihl < WIRE_IPV4_HDR_MIN || ihl + WIRE_TCP_HDR_MIN > len ||
	    pkt[9] != WIRE_IPPROTO_TCP)
		return 0;
	thl = (size_t)(pkt[ihl + 12] >> 4) * 4;
	hl = ihl + thl;
	if (thl < WIRE_TCP_HDR_MIN || hl > len)
		return 0;
	data = len - hl;
	off = (size_t)index * gso_size;
	if (off >= data && (index || data))
		return 0;
	n = data - off < gso_size ? data - off : gso_size;
	if (hl + n > cap)
		return 0;
	cut_packet(out, pkt, ihl, thl, index, off, n, off + n == data,
		   wire_csum_copy(0, out + hl, pkt + hl + off, n));
	return hl + n;
}

size_t synack_burst_packet(struct synack_stack *s, uint32_t index, uint8_t *out, size_t cap)
{
	const struct tcp_burst *b = &s->tcp.burst;
	size_t hl = b->hdr_len, off, n;
	struct ring_piece pc[2];
	uint32_t rel;

	if (!b->tcb || !out || index >= (b->len + b->gso - 1) / b->gso)
		return 0;
	off = (size_t)index * b->gso;
	n = b->len - off < b->gso ? b->len - off : b->gso;
	if (hl + n > cap)
		return 0;
	/* the bytes of a sequence number never change while they are in the send ring;
	 * acknowledged (dropped) bytes make the packet unavailable (rel wraps past len) */
	rel = b->seq + (uint32_t)off - tcp_sndbuf_seq(b->tcb);
	if (rel >= ring_len(&b->tcb->sndbuf) || ring_len(&b->tcb->sndbuf) - rel < n)
		return 0;
	ring_pieces(&b->tcb->sndbuf, rel, (uint32_t)n, pc);
	cut_packet(out, b->hdr, WIRE_IPV4_HDR_MIN, hl - WIRE_IPV4_HDR_MIN, index, off, n,
		   off + n == b->len, copy_sum_from(out + hl, pc));
	return hl + n;
}

size_t synack_output_burst(struct synack_stack *s, uint64_t now_ns, uint8_t *buf, size_t cap,
			   uint32_t *npkts)
{
	uint32_t gso;
	size_t n;

	tcp_set_now(&s->tcp, now_ns);
	*npkts = 0;
	n = tcp_output_burst(&s->tcp, buf, cap, &gso);
	if (!n || !gso) {
		*npkts = n ? 1 : 0;
		return n;
	}
	n = synack_burst_packet(s, 0, buf, cap);
	if (!n) {
		tcp_count(&s->tcp, SYNACK_CTR_OUT_NO_ROOM);
		return 0;
	}
	*npkts = (s->tcp.burst.len + gso - 1) / gso;
	return n;
}

/* ---- GRO ------------------------------------------------------------------------- */

/* The segment being merged: the first packet's parsed header, its raw TCP header (for
 * the option bytes), the payload so far (in the packet while alone, in the stack's
 * gro_buf, or in place in the receive ring of place) and the size of its full-sized
 * pieces. */
struct gro_held {
	bool on;
	uint32_t src, dst;
	struct wire_tcp seg;
	const uint8_t *hdr;     /* the first packet's TCP header, hdr_len bytes */
	uint32_t piece;         /* payload bytes of the first packet */
	bool ended;             /* a short piece or a PSH came: nothing may follow */
	uint8_t ecn;            /* the IP ECN field of every packet merged (RFC 3168 §5) */
	struct tcb *place;      /* the payload goes straight into its receive ring (NULL:
	                         * merged in gro_buf) */
	uint32_t placed;        /* bytes of it written there, from the merge's start */
	bool reserved;          /* place_target took the ring's storage for this merge */
};

bool api_gro_may_start(const struct wire_tcp *seg)
{
	return seg->payload_len > 0 && (seg->flags & ~WIRE_TCP_PSH) == WIRE_TCP_ACK &&
	       !seg->urp;
}

bool api_gro_may_merge(const struct wire_tcp *h, const uint8_t *h_hdr, uint32_t h_src,
		       uint32_t h_dst, uint32_t piece, bool ended, const struct wire_tcp *seg,
		       const uint8_t *hdr, uint32_t src, uint32_t dst)
{
	if (ended || src != h_src || dst != h_dst || seg->sport != h->sport ||
	    seg->dport != h->dport || seg->seq != h->seq + (uint32_t)h->payload_len ||
	    seg->ack != h->ack || seg->win != h->win || seg->reserved != h->reserved ||
	    seg->urp || !seg->payload_len || seg->payload_len > piece ||
	    (seg->flags & ~WIRE_TCP_PSH) != WIRE_TCP_ACK || seg->hdr_len != h->hdr_len ||
	    h->payload_len + seg->payload_len + seg->hdr_len > GRO_MAX - WIRE_IPV4_HDR_MIN)
		return false;
	/* the options byte for byte (timestamps equal: Linux's GRO flushes on any
	 * difference in them too) */
	return !memcmp(h_hdr + WIRE_TCP_HDR_MIN, hdr + WIRE_TCP_HDR_MIN,
		       (size_t)seg->hdr_len - WIRE_TCP_HDR_MIN);
}

/*
 * Gives back the receive storage place_target took for the merge g when TCP took none
 * of it (dropped by PAWS, a bad ACK, out of window): the ring is empty then, and is
 * left with no storage as a reader that empties it leaves it (user.c), not holding up
 * to SO_RCVBUF until the next read. tcp_input may have closed and freed the tcb: it is
 * looked up again (the lookup cache answers).
 */
static void give_back(struct tcp_stack *ts, const struct gro_held *g)
{
	uint32_t hash;
	struct tcb *tcb = tcp_lookup_input(ts, g->dst, g->seg.dport, g->src, g->seg.sport,
					   &hash);

	if (tcb && !ring_len(&tcb->rcvbuf) && tcp_reass_empty(&tcb->rcv_ooo))
		ring_free(&tcb->rcvbuf, &ts->alloc);
}

static void gro_flush(struct synack_stack *s, struct gro_held *g)
{
	if (!g->on)
		return;
	g->on = false;
	s->tcp.rx_ecn = g->ecn;
	s->tcp.placed = (struct tcp_placed){.tcb = g->place, .seq = g->seg.seq,
					    .len = g->placed};
	tcp_input_inline(&s->tcp, g->dst, g->src, &g->seg);
	s->tcp.placed.tcb = NULL;
	s->tcp.reply_route = NULL;      /* it lives for one segment (tcp/route.h) */
	if (g->reserved)
		give_back(&s->tcp, g);
}

/*
 * The connection whose receive ring a merge starting with seg (src -> dst) may write
 * straight into, or NULL: one that takes it in order as it is (ESTABLISHED, SEG.SEQ =
 * RCV.NXT, receive storage with room for all the window offers (up to a whole merge),
 * nothing out of order held in the free space, not shut or closed for reading). TCP's
 * seventh check then commits the bytes in place (tcb.h struct tcp_placed) or, if it
 * drops or trims the segment, leaves them as unused free space. The first packet's
 * payload (verified) is written there now; *placed is how much of it fit.
 *
 * The storage is taken here as step_text would take it (input.c: up to SO_RCVBUF):
 * a reader that empties the ring gives it back (user.c), so at the next burst there is
 * none, and merging into gro_buf would cost step_text a second copy of every byte. When
 * the allocation fails the merge goes through gro_buf and step_text counts the failure.
 * Storage taken here for a ring that had none sets *reserved: gro_flush gives it back
 * if TCP takes nothing (give_back). s->no_gro_place (tests) never places.
 */
static struct tcb *place_target(struct synack_stack *s, uint32_t src, uint32_t dst,
				const struct wire_tcp *seg, uint32_t *placed, bool *reserved)
{
	struct tcp_stack *ts = &s->tcp;
	uint32_t hash, wnd;
	struct tcb *tcb = tcp_lookup_input(ts, dst, seg->dport, src, seg->sport, &hash);

	if (!tcb || s->no_gro_place || tcb->state != TCP_ESTABLISHED || tcb->user_closed ||
	    tcb->rd_shut || seg->seq != tcb->rcv_nxt || !tcp_reass_empty(&tcb->rcv_ooo))
		return NULL;
	if (tcb->rcvbuf.cap < tcb->opt.rcvbuf) {
		*reserved = !tcb->rcvbuf.cap;
		if (ring_reserve(&tcb->rcvbuf, &ts->alloc, tcb->opt.rcvbuf) && !tcb->rcvbuf.cap)
			return NULL;
	}
	/* bytes past the window are trimmed before the seventh check (trim_to_window) */
	wnd = seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	if (ring_space(&tcb->rcvbuf) < (wnd < GRO_MAX ? wnd : GRO_MAX))
		return NULL;
	*placed = ring_write_at(&tcb->rcvbuf, ring_len(&tcb->rcvbuf), seg->payload,
				(uint32_t)seg->payload_len);
	return tcb;
}

/* Copies n bytes from src into the ring pieces pc and returns their running sum. */
static uint64_t copy_sum_into(const struct ring_piece pc[2], const uint8_t *src)
{
	uint64_t sum = wire_csum_copy(0, pc[0].p, src, pc[0].n);

	if (pc[1].n)
		sum = wire_csum_add_at(sum, wire_csum_copy(0, pc[1].p, src + pc[0].n, pc[1].n),
				       pc[0].n);
	return sum;
}

/* One received packet as GRO reads it: its addresses, IP TOS byte (the ECN field in its
 * low bits), TCP header (seg.hdr_len bytes at th), parsed segment (payload inside the
 * packet, borrowed) and hsum, the running sum of the pseudo-header and the TCP header:
 * the payload's sum joins it at an even offset (hdr_len is a multiple of 4). */
struct gro_pkt {
	uint32_t src, dst;
	uint8_t tos;
	const uint8_t *th;
	uint64_t hsum;
	struct wire_tcp seg;
};

/* The packet p's TCP checksum with its payload's running sum psum: right, counted in;
 * wrong, dropped and counted. */
static bool csum_verdict(struct tcp_stack *ts, const struct gro_pkt *p, uint64_t psum)
{
	if (!wire_csum_ok(wire_csum_combine(p->hsum, psum))) {
		tcp_count(ts, SYNACK_CTR_TCP_BAD_CSUM);
		tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, &p->seg, p->dst,
			 p->src, "dropped: bad checksum");
		return false;
	}
	tcp_count(ts, SYNACK_CTR_TCP_IN);
	api_rx_ecn(ts, p->tos);
	return true;
}

/*
 * Verifies the TCP checksum of packet p while its payload is copied to where the held
 * merge g puts it: the receive ring's free space after the bytes placed so far (what
 * does not fit is only summed: it lies past the window), or gro_buf (the first piece
 * moved there first). One pass over the payload bytes. A bad checksum drops the packet:
 * the copied bytes stay uncounted free space (g, the ring's length, RCV.NXT and every
 * counter but the drop's own are as if the packet never came). True when good.
 */
static bool gro_take(struct synack_stack *s, struct gro_held *g, const struct gro_pkt *p)
{
	const struct wire_tcp *seg = &p->seg;
	uint32_t len = (uint32_t)seg->payload_len, n = 0;
	uint64_t psum;

	if (g->place) {
		struct ring_piece pc[2];

		n = ring_pieces(&g->place->rcvbuf,
				ring_len(&g->place->rcvbuf) + (uint32_t)g->seg.payload_len, len, pc);
		psum = copy_sum_into(pc, seg->payload);
		if (n < len)
			psum = wire_csum_add_at(psum, wire_csum_add(0, seg->payload + n, len - n),
						n);
	} else {
		if (g->seg.payload != s->gro_buf) {
			memcpy(s->gro_buf, g->seg.payload, g->seg.payload_len);
			g->seg.payload = s->gro_buf;
		}
		psum = wire_csum_copy(0, s->gro_buf + g->seg.payload_len, seg->payload, len);
	}
	if (!csum_verdict(&s->tcp, p, psum))
		return false;
	g->placed += n;
	return true;
}

/* Adds seg's payload (already copied by gro_take) to the held segment. */
static void gro_append(struct gro_held *g, const struct wire_tcp *seg)
{
	g->seg.payload_len += seg->payload_len;
	if ((seg->flags & WIRE_TCP_PSH) || seg->payload_len < g->piece) {
		g->seg.flags |= seg->flags & WIRE_TCP_PSH;
		g->ended = true;
	}
}

/*
 * One packet's IPv4 and TCP headers into *p; true when it is a plain TCP segment (no IP
 * options to act on), else it was dropped and counted. The common packet is read in one
 * pass (ip_tcp_input_hdrs: wire_tcpip_parse_hdrs, its header sum kept for the checksum,
 * and the address checks); anything else, and everything with no_in_fast_path, through
 * ip_input and wire_tcp_parse, which decide and count (test_offload compares both). The
 * checksum is gro_take's or gro_csum_ok's.
 */
static bool gro_rx(struct synack_stack *s, const uint8_t *pkt, size_t len, struct gro_pkt *p)
{
	struct tcp_stack *ts = &s->tcp;
	struct ip_rx rx;

	tcp_count(ts, SYNACK_CTR_IP_IN);
	p->tos = pkt[1];
	p->th = pkt + WIRE_IPV4_HDR_MIN;
	if (!ts->no_in_fast_path && ip_tcp_input_hdrs(ts->addrs, ts->naddrs, pkt, len, &p->src,
						      &p->dst, &p->seg, &p->hsum))
		return true;
	if (ip_input(ts->addrs, ts->naddrs, ts->cfg.accept_source_route != 0, pkt, len, &rx) !=
	    IP_RX_TCP) {
		tcp_count(ts, rx.drop_ctr);
		return false;
	}
	if (wire_tcp_parse(rx.payload, rx.payload_len, &p->seg) != WIRE_OK) {
		tcp_count(ts, SYNACK_CTR_TCP_MALFORMED);
		tcp_note(ts, NULL, SYNACK_NOTE_IN, SYNACK_V_DROPPED, TCP_CLOSED, NULL, rx.dst,
			 rx.src, "dropped: malformed TCP header");
		return false;
	}
	p->src = rx.src;
	p->dst = rx.dst;
	p->th = rx.payload;
	p->hsum = wire_csum_add(wire_pseudo_ipv4(rx.src, rx.dst, WIRE_IPPROTO_TCP,
						 (uint16_t)rx.payload_len),
				rx.payload, p->seg.hdr_len);
	return true;
}

/* The TCP checksum of a packet that does not join the held merge. */
static bool gro_csum_ok(struct synack_stack *s, const struct gro_pkt *p)
{
	return csum_verdict(&s->tcp, p, wire_csum_add(0, p->seg.payload, p->seg.payload_len));
}

/* Whether the packet goes through the whole synack_input (ICMP, IP options, not for
 * us, not TCP): a cheap look at the header, the full checks follow either way. */
static bool is_plain_tcp(const uint8_t *pkt, size_t len)
{
	return len >= WIRE_IPV4_HDR_MIN + WIRE_TCP_HDR_MIN && pkt[0] == 0x45 &&
	       pkt[9] == WIRE_IPPROTO_TCP;
}

void synack_input_burst(struct synack_stack *s, uint64_t now_ns, const struct synack_pkt *pkts,
			size_t n)
{
	struct gro_held g = {.on = false};

	if (s->tcp.cfg.gro && !s->gro_buf)
		s->gro_buf = base_alloc(&s->tcp.alloc, GRO_MAX);
	if (!s->tcp.cfg.gro || !s->gro_buf) {
		for (size_t i = 0; i < n; i++)
			synack_input(s, now_ns, pkts[i].data, pkts[i].len);
		return;
	}
	tcp_set_now(&s->tcp, now_ns);
	for (size_t i = 0; i < n; i++) {
		struct gro_pkt p;
		uint8_t ecn;

		if (!is_plain_tcp(pkts[i].data, pkts[i].len)) {
			gro_flush(s, &g);
			synack_input(s, now_ns, pkts[i].data, pkts[i].len);
			continue;
		}
		if (!gro_rx(s, pkts[i].data, pkts[i].len, &p))
			continue;       /* dropped and counted; a gap ends the merge below */
		/* RFC 3168 §5: one ECN field per merged segment (Linux's GRO flushes on
		 * a TOS difference too) */
		ecn = p.tos & 3;
		if (g.on && g.ecn == ecn &&
		    api_gro_may_merge(&g.seg, g.hdr, g.src, g.dst, g.piece, g.ended, &p.seg,
				      p.th, p.src, p.dst)) {
			if (gro_take(s, &g, &p))
				gro_append(&g, &p.seg);
			continue;
		}
		if (!gro_csum_ok(s, &p))
			continue;
		gro_flush(s, &g);
		if (!api_gro_may_start(&p.seg)) {
			s->tcp.rx_ecn = ecn;
			tcp_input(&s->tcp, p.dst, p.src, &p.seg);
			s->tcp.reply_route = NULL;
			continue;
		}
		g = (struct gro_held){.on = true, .src = p.src, .dst = p.dst, .seg = p.seg,
				      .hdr = p.th, .piece = (uint32_t)p.seg.payload_len,
				      .ended = (p.seg.flags & WIRE_TCP_PSH) != 0, .ecn = ecn};
		g.place = place_target(s, p.src, p.dst, &p.seg, &g.placed, &g.reserved);
	}
	gro_flush(s, &g);
}
