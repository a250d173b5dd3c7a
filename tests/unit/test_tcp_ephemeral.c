/* test_tcp_ephemeral.c — ephemeral ports by RFC 6056 §3.3.4 Algorithm 4 (src/tcp/
 * ephemeral.h): every expected port is computed here from the RFC's formula with the
 * harness key (rfc6056_ref.h, libsodium's SipHash called directly). Distinct destinations
 * start at unrelated offsets; one destination walks the range sequentially from its
 * offset; destinations sharing a table slot share its counter; candidates whose 4-tuple
 * is in use or in TIME-WAIT are skipped (and counted, as in the RFC's loop); exhaustion
 * is EADDRNOTAVAIL for that destination only; ip_local_port_range bounds the walk, also
 * when changed at run time; bind() to port 0 and listen() use the same function with
 * the remote address and port 0. */
#include "harness.h"
#include "rfc6056_ref.h"
#include "tcp/ephemeral.h"

#define THEM2 0x0a000003u

static uint8_t key[16];

/* the harness's secret bytes 0..15 (h_init_cfg: secret[i] = i * 7 + 1) */
static void harness_key(void)
{
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 7 + 1);
}

/* connect() a new socket toward raddr:rport; returns the fd, *port its local port */
static int connect_to(struct harness *h, uint32_t raddr, uint16_t rport, uint16_t *port)
{
	int fd = synack_socket(h->s);

	cr_assert_geq(fd, 0);
	cr_assert_eq(synack_connect(h->s, fd, raddr, rport), -EINPROGRESS);
	cr_assert_eq(synack_getsockname(h->s, fd, NULL, port), 0);
	return fd;
}

/* the remembered hash is the formula's for every 3-tuple, whatever came before it:
 * repeats, a change of one field at a time, alternation */
Test(tcp_ephemeral, hash_memo_equals_the_formula_in_any_order)
{
	static struct tcp_port_table t;
	const uint32_t addrs[3] = { US, THEM, THEM2 };
	const uint16_t ports[3] = { 0, 80, 443 };
	uint64_t x = 0x9e3779b97f4a7c15ull;

	harness_key();
	memset(&t, 0, sizeof t);
	for (int i = 0; i < 4000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t la = addrs[x % 3], ra = addrs[(x >> 8) % 3];
		uint16_t rp = ports[(x >> 16) % 3];
		int reps = 1 + (int)((x >> 24) % 3);

		if ((x >> 32) % 4 == 0)
			ra = 0, rp = 0;     /* bind/listen: no peer */
		for (int r = 0; r < reps; r++)
			cr_assert_eq(tcp_port_hash_memo(&t, key, la, ra, rp),
				     tcp_port_hash(key, la, ra, rp),
				     "step %d: %08x -> %08x:%u", i, la, ra, rp);
	}
}

Test(tcp_ephemeral, exact_ports_from_the_rfc6056_formula)
{
	static struct ref6056 ref;
	struct harness h;
	uint16_t got, want;

	harness_key();
	h_init(&h);
	/* five destinations, the first connection to each */
	const struct { uint32_t a; uint16_t p; } dst[] = {
		{THEM, 80}, {THEM, 81}, {THEM, 443}, {THEM2, 80}, {0x08080808u, 53},
	};

	for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++) {
		want = ref_next(&ref, key, US, dst[i].a, dst[i].p, 32768, 60999);
		connect_to(&h, dst[i].a, dst[i].p, &got);
		cr_assert_eq(got, want, "destination %zu: port %u, want %u", i, got, want);
	}
	h_fini(&h);
}

Test(tcp_ephemeral, one_destination_walks_sequentially_others_unrelated)
{
	static struct ref6056 ref;
	struct harness h;
	uint16_t p80[20], p81, first, got;

	harness_key();
	h_init(&h);
	cr_assert_neq(ref_index(key, US, THEM, 80), ref_index(key, US, THEM, 81));
	for (int i = 0; i < 20; i++) {
		connect_to(&h, THEM, 80, &p80[i]);
		cr_assert_eq(p80[i], ref_next(&ref, key, US, THEM, 80, 32768, 60999));
		/* sequential from the offset, wrapping from 60999 to 32768 */
		cr_assert_eq(p80[i], 32768 + (p80[0] - 32768 + i) % 28232, "connection %d: %u", i,
			     p80[i]);
	}
	/* another port of the same host: its own offset, its own counter (0) */
	connect_to(&h, THEM, 81, &p81);
	cr_assert_eq(p81, ref_next(&ref, key, US, THEM, 81, 32768, 60999));
	first = (uint16_t)(32768 + (ref_hash(key, US, THEM, 81) >> 32) % 28232);
	cr_assert_eq(p81, first, "port 81 starts at its own offset: %u, want %u", p81, first);
	/* and port 80 continues where it stopped */
	connect_to(&h, THEM, 80, &got);
	cr_assert_eq(got, 32768 + (p80[0] - 32768 + 20) % 28232);
	h_fini(&h);
}

Test(tcp_ephemeral, destinations_sharing_a_slot_share_its_counter)
{
	static struct ref6056 ref;
	struct harness h;
	unsigned g;
	uint16_t other = 0, got;

	harness_key();
	g = ref_index(key, US, THEM, 80);
	for (uint32_t p = 1; p < 65536 && !other; p++)
		if (p != 80 && ref_index(key, US, THEM, (uint16_t)p) == g)
			other = (uint16_t)p;
	cr_assert_neq(other, 0, "no port of THEM shares port 80's slot");
	h_init(&h);
	for (int i = 0; i < 3; i++) {
		connect_to(&h, THEM, 80, &got);
		cr_assert_eq(got, ref_next(&ref, key, US, THEM, 80, 32768, 60999));
	}
	/* the counter of the slot is 3 now: THEM:other starts at its offset + 3 */
	connect_to(&h, THEM, other, &got);
	cr_assert_eq(got, 32768 + ((ref_hash(key, US, THEM, other) >> 32) + 3) % 28232,
		     "port %u for THEM:%u", got, other);
	cr_assert_eq(got, ref_next(&ref, key, US, THEM, other, 32768, 60999));
	h_fini(&h);
}

/* Drives fd (ESTABLISHED toward THEM:SRV_PORT from lport) into TIME-WAIT: we close
 * first, the peer ACKs our FIN and sends its own. */
static void to_time_wait(struct harness *h, int fd, uint32_t iss, uint16_t lport)
{
	cr_assert_eq(synack_close(h->s, fd), 0);
	EXPECT_SEG(h, F_FIN | F_ACK, iss + 1, PEER_ISN + 1, ANYWIN);
	h_send(h, SRV_PORT, lport, F_FIN | F_ACK, PEER_ISN + 1, iss + 2, 8192);
	EXPECT_SEG(h, F_ACK, iss + 2, PEER_ISN + 2, ANYWIN);
	cr_assert_eq(h_state_of_port(h, SRV_PORT), SYNACK_STATE_TIME_WAIT);
}

Test(tcp_ephemeral, busy_and_time_wait_candidates_skipped_then_eaddrnotavail)
{
	static struct ref6056 ref;
	struct harness h;
	struct synack_config c;
	struct synack_linger lg = { 1, 0 };
	uint16_t c0, c1, c2, got;
	uint32_t iss;
	int b, fd;

	harness_key();
	h_default_config(&c);
	c.ip_local_port_range_lo = 50000;
	c.ip_local_port_range_hi = 50002;        /* three ports */
	c.tw_reuse = 0;
	h_init_cfg(&h, &c);
	c0 = ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002);
	c1 = ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002);
	c2 = ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002);
	cr_assert(c0 != c1 && c1 != c2 && c0 != c2);
	fd = h_active_est(&h, &iss, &got);
	cr_assert_eq(got, c0);
	to_time_wait(&h, fd, iss, c0);
	b = connect_to(&h, THEM, SRV_PORT, &got);
	cr_assert_eq(got, c1);
	connect_to(&h, THEM, SRV_PORT, &got);
	cr_assert_eq(got, c2);
	while (h_next(&h))
		;
	/* c0 in TIME-WAIT (tw_reuse 0), c1 and c2 in use: every candidate fails */
	fd = synack_socket(h.s);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EADDRNOTAVAIL);
	for (int i = 0; i < 3; i++)
		ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002);  /* the RFC's loop ran */
	/* another destination has fresh 4-tuples on the same three ports */
	connect_to(&h, THEM, 81, &got);
	cr_assert_eq(got, ref_next(&ref, key, US, THEM, 81, 50000, 50002));
	/* c1 freed (abort: RST, no TIME-WAIT): the walk skips c0 (TIME-WAIT) and takes c1 */
	cr_assert_eq(synack_setsockopt(h.s, b, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg,
				       sizeof lg), 0);
	cr_assert_eq(synack_close(h.s, b), 0);
	cr_assert_eq(ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002), c0);
	cr_assert_eq(synack_connect(h.s, fd, THEM, SRV_PORT), -EINPROGRESS);
	cr_assert_eq(synack_getsockname(h.s, fd, NULL, &got), 0);
	cr_assert_eq(got, c1, "port %u, want %u (c0 %u is in TIME-WAIT)", got, c1, c0);
	cr_assert_eq(ref_next(&ref, key, US, THEM, SRV_PORT, 50000, 50002), c1);
	h_fini(&h);
}

Test(tcp_ephemeral, range_knob_bounds_the_walk_also_when_changed)
{
	static struct ref6056 ref;
	struct harness h;
	struct synack_config c;
	uint16_t got, want;

	harness_key();
	h_default_config(&c);
	c.ip_local_port_range_lo = 40000;
	c.ip_local_port_range_hi = 40009;
	h_init_cfg(&h, &c);
	for (int i = 0; i < 10; i++) {
		want = ref_next(&ref, key, US, THEM, 80, 40000, 40009);
		connect_to(&h, THEM, 80, &got);
		cr_assert_eq(got, want, "connection %d: %u, want %u", i, got, want);
		cr_assert(got >= 40000 && got <= 40009);
	}
	/* all ten used: the eleventh fails */
	cr_assert_eq(synack_connect(h.s, synack_socket(h.s), THEM, 80), -EADDRNOTAVAIL);
	for (int i = 0; i < 10; i++)
		ref_next(&ref, key, US, THEM, 80, 40000, 40009);
	/* a new range at run time: same offset and counter, new modulus */
	c.ip_local_port_range_lo = 61000;
	c.ip_local_port_range_hi = 61999;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	want = ref_next(&ref, key, US, THEM, 80, 61000, 61999);
	connect_to(&h, THEM, 80, &got);
	cr_assert_eq(got, want, "%u, want %u", got, want);
	/* a one-port range */
	c.ip_local_port_range_lo = c.ip_local_port_range_hi = 65000;
	cr_assert_eq(synack_stack_set_config(h.s, &c), 0);
	connect_to(&h, THEM, 80, &got);
	cr_assert_eq(got, 65000);
	cr_assert_eq(synack_connect(h.s, synack_socket(h.s), THEM, 80), -EADDRNOTAVAIL);
	h_fini(&h);
}

Test(tcp_ephemeral, bind_port_zero_and_listen_use_the_formula_without_a_peer)
{
	static struct ref6056 ref;
	struct harness h;
	uint16_t got;
	int a, b;

	harness_key();
	h_init(&h);
	a = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, a, SYNACK_ADDR_ANY, 0), 0);
	cr_assert_eq(synack_getsockname(h.s, a, NULL, &got), 0);
	cr_assert_eq(got, ref_next(&ref, key, 0, 0, 0, 32768, 60999));
	b = synack_socket(h.s);
	cr_assert_eq(synack_bind(h.s, b, US, 0), 0);
	cr_assert_eq(synack_getsockname(h.s, b, NULL, &got), 0);
	cr_assert_eq(got, ref_next(&ref, key, US, 0, 0, 32768, 60999));
	/* listen() on an unbound socket binds the same way (laddr any) */
	b = synack_socket(h.s);
	cr_assert_eq(synack_listen(h.s, b, 4), 0);
	cr_assert_eq(synack_getsockname(h.s, b, NULL, &got), 0);
	cr_assert_eq(got, ref_next(&ref, key, 0, 0, 0, 32768, 60999));
	h_fini(&h);
}
