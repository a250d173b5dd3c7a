/* test_scenario_s17.c — S17 syn-flood, the half without cookies (seeds/004 §1.5, RFC 4987
 * §2): 16 SYNs from spoofed 198.51.100.1..16 reach B's listener (backlog 8, syncookies =
 * 0): 8 half-open SYN-RECEIVED entries pile up (listed at 100 ms), the other 8 SYNs are
 * dropped (SYNQ_FULL), no state is held for them. A's real SYN at 200 ms is dropped too,
 * and its retransmissions (1, 3, 7, 15, 31 s later) as well, until the half-open entries
 * give up (synack_retries = 5: 63 s after their SYN): the retransmission at 63.2 s gets
 * in.
 * Second half, syncookies = 1 (Linux's default) from 70 s: 16 more spoofed SYNs (from
 * 198.51.100.17..32): 8 half-open entries again, the other 8 answered with cookie
 * SYN,ACKs and no state. A (MTU 1380, MSS 1340) connects at 70.2 s: B answers with a
 * cookie and holds nothing for A (listing at 70.215 s) until A's ACK brings the cookie
 * back at 70.23 s; the connection is then ESTABLISHED and B sends with the MSS the cookie
 * table gave (1300, minus 12 bytes of timestamps option: 1288-byte segments). */
#include "test_scenario_states.h"
#include "test_scenario_util.h"

Test(scenario, S17_syn_flood_without_cookies_piles_up_and_drops)
{
	struct synack_sc_run *run = run_scenario("S17", 1);
	const struct synack_sock_info *v;
	const struct synack_sc_entry *log;
	size_t n, nl;
	const uint64_t a_syn_ms[7] = {200, 1200, 3200, 7200, 15200, 31200, 63200};
	int a_syns = 0;

	for (int i = 1; i <= 16; i++) {
		const struct synack_sc_entry *e = segment_nth(run, i);

		cr_assert(e->injected);
		cr_assert_eq(e->saddr, 0xc6336400u + (uint32_t)i);
		cr_assert_eq(arrival_nth(run, i)->state, i <= 8 ? SYN_RCVD : LISTEN, "SYN %d", i);
		if (i > 8)
			cr_assert_str_eq(arrival_nth(run, i)->decision, "SYN dropped: SYN queue full");
	}
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_SYNQ_FULL), 8 + 6);
	v = snapshot_of(run, HB, 1, &n);
	cr_assert_eq(n, 9);
	cr_assert_eq(v[0].state, LISTEN);
	for (size_t i = 1; i < 9; i++) {
		cr_assert_eq(v[i].state, SYN_RCVD);
		cr_assert_eq(v[i].raddr, 0xc6336400u + (uint32_t)i);
	}
	log = synack_sc_log(run, &nl);
	for (size_t i = 0; i < nl; i++) {
		const struct synack_sc_entry *e = &log[i], *a;

		if (e->kind != SYNACK_SC_LOG_SEND || e->host != HA || e->injected || !e->is_tcp ||
		    e->tcp_flags != F_SYN || e->t_ns >= 70 * SEC)
			continue;
		cr_assert_lt(a_syns, 7);
		cr_assert_eq(e->t_ns, a_syn_ms[a_syns] * MSEC, "A SYN %d at %llu", a_syns,
			     (unsigned long long)e->t_ns);
		a = arrival_of(log, nl, i, e->pkt_id);
		cr_assert_eq(a->state, a_syns < 6 ? LISTEN : SYN_RCVD);
		a_syns++;
	}
	cr_assert_eq(a_syns, 7);
	check_call(run, HB, "accept", 1, 63230 * MSEC, 1);
	synack_sc_run_free(run);
}

/* The segment host sent at t_ns from sport to dport (the first one). */
static const struct synack_sc_entry *seg_at(const struct synack_sc_run *run, int host,
					    uint64_t t_ns, uint16_t sport, uint16_t dport)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == SYNACK_SC_LOG_SEND && log[i].is_tcp && log[i].host == host &&
		    log[i].t_ns == t_ns && log[i].sport == sport && log[i].dport == dport)
			return &log[i];
	cr_assert_fail("no segment from %c at %llu ns %u > %u", 'A' + host,
		       (unsigned long long)t_ns, sport, dport);
	return NULL;
}

static const struct synack_sc_entry *arrival_at(const struct synack_sc_run *run,
						const struct synack_sc_entry *e)
{
	size_t n;
	const struct synack_sc_entry *log = synack_sc_log(run, &n);

	return arrival_of(log, n, (size_t)(e - log), e->pkt_id);
}

/* B's listing: LISTEN, A:40000 ESTABLISHED, 198.51.100.17..24 SYN-RECEIVED, and (when
 * with_cookie_conn) A:40001 ESTABLISHED after A:40000. */
static void check_flood2_listing(struct synack_sc_run *run, int nth, bool with_cookie_conn)
{
	size_t n, k = 2;
	const struct synack_sock_info *v = snapshot_of(run, HB, nth, &n);

	cr_assert_eq(n, with_cookie_conn ? 11u : 10u, "snapshot %d: %zu entries", nth, n);
	cr_assert_eq(v[0].state, LISTEN);
	cr_assert_eq(v[1].state, ESTAB);
	cr_assert_eq(v[1].rport, 40000);
	if (with_cookie_conn) {
		cr_assert_eq(v[2].state, ESTAB);
		cr_assert_eq(v[2].raddr, 0x0a000001u);
		cr_assert_eq(v[2].rport, 40001);
		k = 3;
	}
	for (uint32_t i = 0; i < 8; i++, k++) {
		cr_assert_eq(v[k].state, SYN_RCVD, "entry %zu", k);
		cr_assert_eq(v[k].raddr, 0xc6336411u + i, "entry %zu", k);
	}
}

Test(scenario, S17_syn_cookies_let_a_legitimate_client_in)
{
	struct synack_sc_run *run = run_scenario("S17", 1);
	const struct synack_sc_entry *e, *a;
	const uint64_t t0 = 70 * SEC;

	/* the second flood: 8 entries, then 8 cookies (no state: the arrival leaves only the
	 * listener — the log shows LISTEN — and the cookie SYN,ACK's sender holds no
	 * connection for its 4-tuple: CLOSED) */
	for (uint32_t i = 0; i < 16; i++) {
		e = seg_at(run, HA, t0 + 1 * MSEC, (uint16_t)(2024 + i), 80);
		cr_assert(e->injected);
		cr_assert_eq(e->saddr, 0xc6336411u + i);
		a = arrival_at(run, e);
		cr_assert_eq(a->t_ns, t0 + 11 * MSEC);
		cr_assert_str_eq(a->decision, i < 8 ? "SYN accepted: SYN-RECEIVED" :
			"SYN answered with a SYN cookie", "SYN %u", i);
		cr_assert_eq(a->state, i < 8 ? SYN_RCVD : LISTEN, "SYN %u: %s", i, st(a->state));
		e = seg_at(run, HB, t0 + 11 * MSEC, 80, (uint16_t)(2024 + i));
		cr_assert_eq(e->tcp_flags, F_SYN | F_ACK);
		cr_assert_eq(e->ack, 2000000u + i * 7919u + 1u);
		cr_assert_eq(e->state, i < 8 ? SYN_RCVD : CLOSED, "SYN,ACK %u", i);
	}
	check_flood2_listing(run, 2, false);

	/* A's SYN (MSS 1340) overflows the queue too and gets a cookie */
	check_call(run, HA, "connect", 2, t0 + 200 * MSEC, -EINPROGRESS);
	e = seg_at(run, HA, t0 + 200 * MSEC, 40001, 80);
	cr_assert_eq(e->tcp_flags, F_SYN);
	cr_assert_eq(e->rel_seq, 0);
	cr_assert_eq(e->mss, 1340);
	cr_assert_eq(e->state, SYN_SENT);
	a = arrival_at(run, e);
	cr_assert_eq(a->t_ns, t0 + 210 * MSEC);
	cr_assert_str_eq(a->decision, "SYN answered with a SYN cookie");
	cr_assert_eq(a->state, LISTEN);
	e = seg_at(run, HB, t0 + 210 * MSEC, 80, 40001);
	cr_assert_eq(e->tcp_flags, F_SYN | F_ACK);
	cr_assert_eq(e->rel_seq, 0);
	cr_assert_eq(e->rel_ack, 1);
	cr_assert_eq(e->mss, 1460);
	cr_assert_eq(e->state, CLOSED);
	a = arrival_at(run, e);
	cr_assert_eq(a->t_ns, t0 + 220 * MSEC);
	cr_assert_eq(a->state, ESTAB);
	/* no state on B while the cookie is out (70.215 s) */
	check_flood2_listing(run, 3, false);
	/* the third segment brings the cookie back: the connection is made from it */
	e = seg_at(run, HA, t0 + 220 * MSEC, 40001, 80);
	cr_assert_eq(e->tcp_flags, F_ACK);
	cr_assert_eq(e->rel_seq, 1);
	cr_assert_eq(e->rel_ack, 1);
	cr_assert_eq(e->len, 0);
	a = arrival_at(run, e);
	cr_assert_eq(a->t_ns, t0 + 230 * MSEC);
	cr_assert_str_eq(a->decision, "valid SYN cookie: connection created");
	cr_assert_eq(a->state_before, LISTEN);
	cr_assert_eq(a->state, ESTAB);
	check_call(run, HB, "accept", 3, t0 + 230 * MSEC, 2);
	check_flood2_listing(run, 4, true);

	/* B's 3000 bytes with the cookie's MSS 1300 (12 bytes of timestamps: 1288 of data);
	 * the last 424 wait for A's ACK (Nagle, RFC 9293 §3.7.4) */
	check_call(run, HB, "send", 1, t0 + 300 * MSEC, 3000);
	e = seg_at(run, HB, t0 + 300 * MSEC, 80, 40001);
	cr_assert_eq(e->tcp_flags, F_ACK);
	cr_assert_eq(e->rel_seq, 1);
	cr_assert_eq(e->len, 1288);
	while ((++e)->kind != SYNACK_SC_LOG_SEND)
		;
	cr_assert_eq(e->t_ns, t0 + 300 * MSEC);
	cr_assert_eq(e->host, HB);
	cr_assert_eq(e->rel_seq, 1289);
	cr_assert_eq(e->len, 1288);
	/* A ACKs each full segment at once (quick-ACK mode: its first data) */
	e = seg_at(run, HA, t0 + 310 * MSEC, 40001, 80);
	cr_assert_eq(e->rel_ack, 1289);
	while ((++e)->kind != SYNACK_SC_LOG_SEND)
		;
	cr_assert_eq(e->t_ns, t0 + 310 * MSEC);
	cr_assert_eq(e->host, HA);
	cr_assert_eq(e->rel_ack, 2577);
	e = seg_at(run, HB, t0 + 320 * MSEC, 80, 40001);
	cr_assert_eq(e->tcp_flags, F_PSH | F_ACK);
	cr_assert_eq(e->rel_seq, 2577);
	cr_assert_eq(e->len, 424);
	e = seg_at(run, HA, t0 + 330 * MSEC, 40001, 80);
	cr_assert_eq(e->rel_ack, 3001);

	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_COOKIES_SENT), 9);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_COOKIES_OK), 1);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_COOKIES_BAD), 0);
	cr_assert_eq(counter_of(run, HB, SYNACK_CTR_TCP_SYNQ_FULL), 8 + 6);
	synack_sc_run_free(run);
}
