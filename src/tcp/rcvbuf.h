/*
 * rcvbuf.h — receive-buffer autotuning ("dynamic right-sizing"), as Linux's
 * tcp_moderate_rcvbuf (tcp_rcv_space_adjust, tcp_rcv_rtt_measure{,_ts}); there is no RFC
 * for it. RFC 7323 §2.2 fixes the window shift at the SYN, so the shift is chosen for the
 * largest buffer autotuning may reach (tcp_rcv_wscale), as Linux does from tcp_rmem[2].
 *
 * A connection's receive buffer (tcb->opt.rcvbuf) starts at cfg.rmem_default (Linux
 * tcp_rmem[1], 128 KiB). The receiver keeps an RTT estimate of its own (it may send no
 * data, so the sender-side estimator has no samples): from the TSecr of full-sized data
 * segments, or, without timestamps, from the time the peer takes to fill one window.
 * Once per such RTT, on a read, it counts the bytes the application consumed in that
 * RTT; when that count beats the last one, the buffer grows to
 *	win = 2 * copied + 16 * MSS, plus 2 * win * (copied - last) / last
 * (Linux: two RTTs of data against losses, with room for a sender in slow start that
 * doubles its rate each RTT), capped at cfg.rmem_max (Linux tcp_rmem[2], 6 MiB; synack
 * has one knob for that cap and for SO_RCVBUF's clamp). The buffer never shrinks here;
 * SO_RCVBUF stops it (tcb->opt.rcvbuf_locked, Linux SOCK_RCVBUF_LOCK), as does
 * cfg.moderate_rcvbuf = 0. The ring behind it grows when the next segment arrives
 * (input.c step_text, base/ring.c ring_reserve keeps every byte at its offset), and the
 * window offered grows with it (output.c: free space, never moving the right edge left).
 *
 * Units: bytes of payload. Linux sizes sk_rcvbuf in skb truesize and offers a window of
 * about half of it; synack's ring holds payload only, so the window is the buffer.
 */
#ifndef SYNACK_TCP_RCVBUF_H
#define SYNACK_TCP_RCVBUF_H

#include <stdbool.h>
#include <stdint.h>

struct tcp_stack;
struct tcb;
struct tcp_sockopts;
struct synack_config;

/* Per-connection state (Linux tp->rcvq_space and tp->rcv_rtt_est). */
struct tcp_rcvspace {
	uint64_t time_ns;       /* start of the current measurement (rcvq_space.time) */
	uint64_t rtt_time_ns;   /* without timestamps: when the timed window opened */
	uint32_t seq;           /* bytes read so far, as a sequence number, at that start */
	uint32_t space;         /* bytes read in the last measured RTT (rcvq_space.space) */
	uint32_t rtt_us8;       /* receiver RTT in µs, times 8; 0 = no sample yet */
	uint32_t rtt_seq;       /* without timestamps: RCV.NXT that ends the timed window */
	uint32_t last_tsecr;    /* TSecr of the last sample (one sample per TSecr) */
};

/* Our window shift for a connection with options opt: the smallest shift (<= 14) that
 * lets 65535 << shift cover the largest buffer the connection may have: cfg.rmem_max
 * when autotuning may grow it (cfg.moderate_rcvbuf on, SO_RCVBUF not set), else
 * opt->rcvbuf. 0 when cfg.window_scaling is off. Pure (tcb.h tcp_rcv_wscale: the same
 * under a stack's configuration, its default options' answer kept). */
uint8_t tcp_rcv_wscale_of(const struct synack_config *cfg, const struct tcp_sockopts *opt);

/* Starts the measurement at ESTABLISHED (Linux tcp_init_buffer_space): the first
 * RTT's baseline is min(buffer, 10 * our MSS). */
void tcp_rcvbuf_init(struct tcp_stack *ts, struct tcb *tcb);

/* In-order data of len bytes arrived (RCV.NXT already advanced past it); has_ts and
 * tsecr are the segment's Timestamps option. Takes an RTT sample when one is due
 * (Linux tcp_rcv_rtt_measure_ts / tcp_rcv_rtt_measure). */
void tcp_rcvbuf_on_data(struct tcp_stack *ts, struct tcb *tcb, uint32_t len, bool has_ts,
			uint32_t tsecr);

/* The application read: once an RTT has passed since the measurement started, compare
 * the bytes read in it with the last count and grow opt.rcvbuf (Linux
 * tcp_rcv_space_adjust). Allocates nothing. */
void tcp_rcvbuf_on_read(struct tcp_stack *ts, struct tcb *tcb);

#endif
