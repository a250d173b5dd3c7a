/* test_scenario_s17.c — S17 syn-flood, the half without cookies (seeds/004 §1.5, RFC 4987
 * §2): 16 SYNs from spoofed 198.51.100.1..16 reach B's listener (backlog 8, syncookies =
 * 0): 8 half-open SYN-RECEIVED entries pile up (listed at 100 ms), the other 8 SYNs are
 * dropped (SYNQ_FULL), no state is held for them. A's real SYN at 200 ms is dropped too,
 * and its retransmissions (1, 3, 7, 15, 31 s later) as well, until the half-open entries
 * give up (synack_retries = 5: 63 s after their SYN): the retransmission at 63.2 s gets
 * in. The SYN-cookie half waits for the engine's cookie integration. */
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
		    e->tcp_flags != F_SYN)
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
