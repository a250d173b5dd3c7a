/* test_scenario_s28.c — S28 connection-rate (seeds/004 §2.4, Stevens ex. 18.14): A has 4
 * local ports and closes actively, so each connection holds its port in TIME-WAIT for
 * 2MSL (60 s): four connections 1 s apart, all four records listed at 4.5 s with their
 * timers, the fifth connect() fails EADDRNOTAVAIL; at 60.3 s (after the first record
 * expired at 60.21 s) connect() succeeds again, on the freed first port, and A closes it
 * first too. The ports: RFC 6056 Algorithm 4 (src/tcp/ephemeral.h) starts 10.0.0.1's
 * walk toward B:80 at a secret offset o of the simulator's key and goes on sequentially
 * through 40000..40003, each failed connect() advancing the counter by 4: port_of(j) =
 * 40000 + (o + j) mod 4, o read from the first SYN (test_tcp_ephemeral checks the
 * offsets themselves against the formula).
 * Second half: at 60.6 s the 4 ports are in TIME-WAIT again (listing) and connect()
 * fails; with tw_reuse = 1 (timestamps on) from 60.7 s eight connections 500 ms apart
 * (61.0 .. 64.5 s) each take over a port whose connection is in TIME-WAIT: the new ISS is
 * the RFC 6528 clock's (250,000 per second past the old ISS, beyond the old SND.NXT), the
 * new TSval newer than the old incarnation's, and no record expires (they are taken
 * over). Linux's extra rule (the record's last peer timestamp > 1 s old) holds: every
 * port is reused >= 1.79 s after its last segment (test_tcp_time_wait proves the rule
 * itself). At 65 s,
 * tw_reuse = 0 again: connect() from 10.0.0.1 fails, but a socket bound to a second
 * address, 10.0.0.11, connects (its 4-tuples are all new). */
#include "test_scenario_states.h"
#include "test_scenario_util.h"
#include "wire/wire.h"

#define NCYCLES 13 /* 4 + 1 + 8 connect/close cycles */
#define NSEGS (7 * NCYCLES + 3)

/* One cycle: A connects at t0 (ms), closes at t0 + 100, B closes at t0 + 200. */
static struct want_seg *fill_cycle(struct want_seg *w, uint64_t t0_ms)
{
	const uint64_t t = t0_ms * MSEC, ms = MSEC;
	const struct want_seg c[7] = {
		{t, HA, F_SYN, 0, 0, 0, SYN_SENT, t + 10 * ms, SYN_RCVD},
		{t + 10 * ms, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, t + 20 * ms, ESTAB},
		{t + 20 * ms, HA, F_ACK, 1, 1, 0, ESTAB, t + 30 * ms, ESTAB},
		{t + 100 * ms, HA, F_FIN | F_ACK, 1, 1, 0, FW1, t + 110 * ms, CLOSE_WAIT},
		{t + 110 * ms, HB, F_ACK, 1, 2, 0, CLOSE_WAIT, t + 120 * ms, FW2},
		{t + 200 * ms, HB, F_FIN | F_ACK, 1, 2, 0, LAST_ACK, t + 210 * ms, TIME_WAIT},
		{t + 210 * ms, HA, F_ACK, 2, 2, 0, TIME_WAIT, t + 220 * ms, CLOSED},
	};

	memcpy(w, c, sizeof c);
	return w + 7;
}

/* The cycle start times: 0..3 s, 60.3 s, then 61.0 .. 64.5 s every 500 ms. */
static uint64_t cycle_ms(int i)
{
	if (i < 4)
		return 1000 * (uint64_t)i;
	if (i == 4)
		return 60300;
	return 61000 + 500 * (uint64_t)(i - 5);
}

/* The j-th port of A's walk (header comment). */
static uint16_t port_of(const struct synack_sc_run *run, int j)
{
	uint16_t first = segment_nth(run, 1)->sport;

	cr_assert(first >= 40000 && first <= 40003, "first port %u", first);
	return (uint16_t)(40000 + (first - 40000 + j) % 4);
}

static uint32_t tsval_of(const struct synack_sc_run *run, const struct synack_sc_entry *e)
{
	const uint8_t *pkt = synack_sc_packet(run, e);
	struct wire_ipv4 ip;
	struct wire_tcp tcp;

	cr_assert_not_null(pkt);
	cr_assert_eq(wire_ipv4_parse(pkt, e->pkt_len, &ip), WIRE_OK);
	cr_assert_eq(wire_tcp_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &tcp), WIRE_OK);
	cr_assert(tcp.opt.present & WIRE_HAS_TS);
	return tcp.opt.ts_val;
}

Test(scenario, S28_time_wait_bounds_connection_rate)
{
	struct synack_sc_run *run = run_scenario("S28", 1);
	const struct synack_sock_info *v;
	size_t n;

	for (int i = 0; i < 4; i++) {
		const struct synack_sc_entry *syn = segment_nth(run, 1 + 7 * i);

		cr_assert_eq(syn->tcp_flags, F_SYN);
		cr_assert_eq(syn->t_ns, (uint64_t)i * SEC);
		cr_assert_eq(syn->sport, port_of(run, i));
		check_call(run, HA, "connect", 1 + i, (uint64_t)i * SEC, -EINPROGRESS);
		/* A's ACK of B's FIN: A is the active closer and enters TIME-WAIT */
		cr_assert_eq(segment_nth(run, 7 + 7 * i)->state, TIME_WAIT);
	}
	v = snapshot_of(run, HA, 1, &n);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(v[i].state, TIME_WAIT);
		cr_assert_eq(v[i].lport, port_of(run, (int)i));
		cr_assert_eq(v[i].timer_deadline_ns, i * SEC + 210 * MSEC + 60 * SEC);
	}
	check_call(run, HA, "connect", 5, 5 * SEC, -EADDRNOTAVAIL);
	cr_assert_eq(timer_transition(run, HA, TIME_WAIT, CLOSED)->t_ns, 60 * SEC + 210 * MSEC);
	check_call(run, HA, "connect", 6, 60 * SEC + 300 * MSEC, -EINPROGRESS);
	cr_assert_eq(segment_nth(run, 29)->tcp_flags, F_SYN);
	cr_assert_eq(segment_nth(run, 29)->sport, port_of(run, 0));
	cr_assert_eq(arrival_nth(run, 29)->state, SYN_RCVD);
	synack_sc_run_free(run);
}

Test(scenario, S28_every_segment_of_the_run)
{
	struct synack_sc_run *run = run_scenario("S28", 1);
	struct want_seg want[NSEGS], *w = want;
	const uint64_t t = 65 * SEC, ms = MSEC;

	for (int i = 0; i < NCYCLES; i++)
		w = fill_cycle(w, cycle_ms(i));
	/* the connection from the second address: handshake only */
	w[0] = (struct want_seg){t, HA, F_SYN, 0, 0, 0, SYN_SENT, t + 10 * ms, SYN_RCVD};
	w[1] = (struct want_seg){t + 10 * ms, HB, F_SYN | F_ACK, 0, 1, 0, SYN_RCVD, t + 20 * ms,
				 ESTAB};
	w[2] = (struct want_seg){t + 20 * ms, HA, F_ACK, 1, 1, 0, ESTAB, t + 30 * ms, ESTAB};
	check_segments(run, want, NSEGS);
	synack_sc_run_free(run);
}

Test(scenario, S28_tw_reuse_takes_over_time_wait_ports)
{
	struct synack_sc_run *run = run_scenario("S28", 1);
	const struct synack_sock_info *v;
	const struct synack_sc_entry *log;
	const uint16_t tw_ports[4] = {port_of(run, 1), port_of(run, 2), port_of(run, 3),
				      port_of(run, 0)};
	size_t n, nl;
	int expiries = 0;

	/* 60.6 s: every port in TIME-WAIT again (the first since 60.51 s), connect() fails */
	v = snapshot_of(run, HA, 2, &n);
	cr_assert_eq(n, 5);
	cr_assert_eq(v[0].state, CLOSED);               /* the socket of the failed connect */
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(v[i + 1].state, TIME_WAIT);
		cr_assert_eq(v[i + 1].lport, tw_ports[i]);
	}
	cr_assert_eq(v[1].timer_deadline_ns, 61 * SEC + 210 * MSEC);
	cr_assert_eq(v[2].timer_deadline_ns, 62 * SEC + 210 * MSEC);
	cr_assert_eq(v[3].timer_deadline_ns, 63 * SEC + 210 * MSEC);
	cr_assert_eq(v[4].timer_deadline_ns, 120 * SEC + 510 * MSEC);
	check_call(run, HA, "connect", 7, 60 * SEC + 600 * MSEC, -EADDRNOTAVAIL);

	/* tw_reuse = 1: eight connections in 4 s, each on a port held in TIME-WAIT (the
	 * first four records would expire at 61.21, 62.21, 63.21 and 120.51 s; the next four
	 * are the records the first four takeovers left) */
	for (int k = 0; k < 8; k++) {
		int nth = 1 + 7 * (5 + k);
		const struct synack_sc_entry *syn = segment_nth(run, nth);
		const struct synack_sc_entry *old_syn = NULL, *old_last = NULL;
		uint64_t dt_ns;

		check_call(run, HA, "connect", 8 + k, (61000 + 500 * (uint64_t)k) * MSEC,
			   -EINPROGRESS);
		cr_assert_eq(syn->tcp_flags, F_SYN);
		cr_assert_eq(syn->saddr, 0x0a000001u);
		cr_assert_eq(syn->sport, tw_ports[k % 4], "connection %d", k);
		/* the old incarnation on this port: its SYN and A's last ACK (at SND.NXT) */
		for (int j = nth - 7; j >= 1; j -= 7) {
			if (segment_nth(run, j)->sport == syn->sport) {
				old_syn = segment_nth(run, j);
				old_last = segment_nth(run, j + 6);
				break;
			}
		}
		cr_assert_not_null(old_syn);
		cr_assert_eq(old_last->state, TIME_WAIT);
		cr_assert_eq(old_last->seq, old_syn->seq + 2);  /* SND.NXT: after SYN and FIN */
		/* the record was still in TIME-WAIT: its 2MSL had not run out */
		cr_assert_lt(syn->t_ns, old_last->t_ns + 60 * SEC);
		/* ISS: the RFC 6528 clock (4 us) on the same 4-tuple, beyond the old SND.NXT */
		dt_ns = syn->t_ns - old_syn->t_ns;
		cr_assert_eq(syn->seq - old_syn->seq, (uint32_t)(dt_ns / (4 * US)), "connection %d", k);
		cr_assert_gt((int32_t)(syn->seq - old_last->seq), 65536);
		/* timestamps newer than the old incarnation's last (RFC 6191 §2) */
		cr_assert_gt((int32_t)(tsval_of(run, syn) - tsval_of(run, old_last)), 0);
		cr_assert_eq(arrival_nth(run, nth)->state, SYN_RCVD);
		cr_assert_eq(arrival_nth(run, nth + 2)->state, ESTAB);
	}
	/* no record ran out its 2MSL in the run but the first port's first one (60.21 s):
	 * the others were taken over */
	log = synack_sc_log(run, &nl);
	for (size_t i = 0; i < nl; i++)
		if (log[i].kind == SYNACK_SC_LOG_NOTE && log[i].host == HA &&
		    log[i].note.dir == SYNACK_NOTE_TIMER && log[i].note.state_before == TIME_WAIT) {
			cr_assert_eq(log[i].t_ns, 60 * SEC + 210 * MSEC);
			expiries++;
		}
	cr_assert_eq(expiries, 1);
	/* 65 s: one TIME-WAIT entry per port, the last four connections' */
	v = snapshot_of(run, HA, 3, &n);
	cr_assert_eq(n, 6);
	cr_assert_eq(v[0].state, CLOSED);
	cr_assert_eq(v[1].state, CLOSED);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(v[i + 2].state, TIME_WAIT);
		cr_assert_eq(v[i + 2].lport, tw_ports[i]);
		cr_assert_eq(v[i + 2].timer_deadline_ns, (63210 + 500 * i) * MSEC + 60 * SEC);
	}
	synack_sc_run_free(run);
}

Test(scenario, S28_second_source_address_has_its_own_ports)
{
	struct synack_sc_run *run = run_scenario("S28", 1);
	const struct synack_sc_entry *syn = segment_nth(run, NSEGS - 2);

	/* tw_reuse = 0 again: 10.0.0.1's four ports are in TIME-WAIT */
	check_call(run, HA, "connect", 16, 65 * SEC, -EADDRNOTAVAIL);
	check_call(run, HA, "bind", 1, 65 * SEC, 0);
	check_call(run, HA, "connect", 17, 65 * SEC, -EINPROGRESS);
	cr_assert_eq(syn->tcp_flags, F_SYN);
	cr_assert_eq(syn->t_ns, 65 * SEC);
	cr_assert_eq(syn->saddr, 0x0a00000bu);
	/* bind(10.0.0.11, 0): RFC 6056 with no peer, from 10.0.0.11's own offset */
	cr_assert(syn->sport >= 40000 && syn->sport <= 40003, "port %u", syn->sport);
	cr_assert_eq(arrival_nth(run, NSEGS - 2)->state, SYN_RCVD);
	cr_assert_eq(segment_nth(run, NSEGS)->state, ESTAB);
	cr_assert_eq(segment_nth(run, NSEGS)->saddr, 0x0a00000bu);
	cr_assert_eq(arrival_nth(run, NSEGS)->state, ESTAB);
	synack_sc_run_free(run);
}
