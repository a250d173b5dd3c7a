/* test_api_config.c — synack_stack_set_config's contract (include/synack/synack.h): every
 * value it lists as refused is refused with -EINVAL leaving the configuration as it was,
 * the edges of each range are accepted, and synack_config_range (the table the TUN
 * programs' --set reads) gives exactly those single-field ranges. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "synack/synack.h"
#include "plain_alloc.h"

static struct synack_stack *new_stack(void)
{
	struct synack_env env = { .alloc = plain_alloc, .free = plain_free };
	struct synack_stack *s = synack_stack_new(NULL, &env);

	cr_assert_not_null(s);
	return s;
}

/* cfg (defaults changed by the caller) is refused and the stack keeps its defaults;
 * synack_stack_new refuses it too. */
static void expect_refused(struct synack_stack *s, const struct synack_config *cfg,
			   const char *what)
{
	struct synack_env env = { .alloc = plain_alloc, .free = plain_free };
	struct synack_config def;

	synack_config_default(&def);
	cr_assert_eq(synack_stack_set_config(s, cfg), -EINVAL, "%s accepted", what);
	cr_assert_eq(memcmp(synack_stack_config(s), &def, sizeof def), 0, "%s changed it", what);
	cr_assert_null(synack_stack_new(cfg, &env), "%s: stack created", what);
}

static void expect_taken(struct synack_stack *s, const struct synack_config *cfg,
			 const char *what)
{
	struct synack_config def;

	cr_assert_eq(synack_stack_set_config(s, cfg), 0, "%s refused", what);
	cr_assert_eq(memcmp(synack_stack_config(s), cfg, sizeof *cfg), 0);
	synack_config_default(&def);
	cr_assert_eq(synack_stack_set_config(s, &def), 0);
}

/* The defaults with field = v, given to check (expect_refused or expect_taken). */
#define CHECK_FIELD(check, s, field, v) do { \
	struct synack_config c_; \
	synack_config_default(&c_); \
	c_.field = v; \
	check((s), &c_, #field " = " #v); \
} while (0)
#define REFUSE(s, field, v) CHECK_FIELD(expect_refused, s, field, v)
#define TAKE(s, field, v) CHECK_FIELD(expect_taken, s, field, v)

/* Each refused value of the contract, in its order. */
Test(api_config, every_value_the_contract_lists_is_refused)
{
	struct synack_stack *s = new_stack();
	struct synack_config c;

	REFUSE(s, syncookies, 3);
	REFUSE(s, quiet_time, 2);
	REFUSE(s, rto_initial_ms, 0);
	REFUSE(s, rto_min_ms, 0);
	REFUSE(s, rto_min_ms, 120001);          /* > rto_max_ms (120000) */
	REFUSE(s, msl_ms, 0);
	REFUSE(s, tw_reuse, 3);
	REFUSE(s, rmem_default, 0);
	REFUSE(s, wmem_default, 0);
	REFUSE(s, mtu, 67);
	REFUSE(s, mtu, 65536);
	REFUSE(s, ip_local_port_range_lo, 0);
	REFUSE(s, ip_local_port_range_lo, 61000);       /* > _hi (60999) */
	REFUSE(s, ip_local_port_range_hi, 0);
	REFUSE(s, ip_default_ttl, 0);
	REFUSE(s, accept_source_route, 2);
	REFUSE(s, max_sockets, 0);
	REFUSE(s, max_sockets, 65537);
	REFUSE(s, gso, 2);
	REFUSE(s, gro, 2);
	REFUSE(s, moderate_rcvbuf, 2);
	REFUSE(s, tcp_ecn, 3);
	synack_config_default(&c);
	memcpy(c.congestion_control, "bogus", 6);
	expect_refused(s, &c, "congestion_control bogus");
	memset(c.congestion_control, 'a', sizeof c.congestion_control);
	expect_refused(s, &c, "congestion_control without NUL");
	synack_config_default(&c);
	c.notes_max = 7;
	cr_assert_eq(synack_stack_set_config(s, &c), -EINVAL);  /* fixed at creation */
	synack_stack_free(s);
}

Test(api_config, range_edges_are_accepted)
{
	struct synack_stack *s = new_stack();
	struct synack_config c;

	TAKE(s, syncookies, 2);
	TAKE(s, quiet_time, 1);
	TAKE(s, rto_initial_ms, 1);
	TAKE(s, rto_min_ms, 120000);            /* == rto_max_ms */
	TAKE(s, msl_ms, 1);
	TAKE(s, tw_reuse, 0);
	TAKE(s, mtu, 68);
	TAKE(s, mtu, 65535);
	TAKE(s, ip_local_port_range_lo, 60999);         /* == _hi */
	TAKE(s, ip_default_ttl, 255);
	TAKE(s, accept_source_route, 1);
	TAKE(s, max_sockets, 65536);
	TAKE(s, gso, 1);
	TAKE(s, gro, 1);
	TAKE(s, moderate_rcvbuf, 0);
	TAKE(s, tcp_ecn, 1);
	TAKE(s, sack, 7);                       /* no range of its own: any value */
	synack_config_default(&c);
	memcpy(c.congestion_control, "newreno", 8);
	expect_taken(s, &c, "congestion_control newreno");
	synack_stack_free(s);
}

Test(api_config, config_range_is_the_contract)
{
	static const struct {
		const char *field;
		uint32_t min, max;
	} want[] = {
		{ "syncookies", 0, 2 }, { "quiet_time", 0, 1 },
		{ "rto_initial_ms", 1, UINT32_MAX }, { "rto_min_ms", 1, UINT32_MAX },
		{ "msl_ms", 1, UINT32_MAX }, { "tw_reuse", 0, 2 },
		{ "rmem_default", 1, UINT32_MAX }, { "wmem_default", 1, UINT32_MAX },
		{ "mtu", 68, 65535 }, { "ip_local_port_range_lo", 1, 65535 },
		{ "ip_local_port_range_hi", 1, 65535 }, { "ip_default_ttl", 1, 255 },
		{ "accept_source_route", 0, 1 }, { "max_sockets", 1, 65536 },
		{ "gso", 0, 1 }, { "gro", 0, 1 }, { "moderate_rcvbuf", 0, 1 },
		{ "tcp_ecn", 0, 2 },
	};
	static const char *const none[] = { "sack", "rto_max_ms", "congestion_control",
					    "notes_max", "wmem_max", "mtux", "" };
	uint32_t lo, hi;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		lo = hi = 12345;
		cr_assert(synack_config_range(want[i].field, &lo, &hi), "%s", want[i].field);
		cr_assert_eq(lo, want[i].min, "%s min %u", want[i].field, lo);
		cr_assert_eq(hi, want[i].max, "%s max %u", want[i].field, hi);
	}
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		lo = hi = 12345;
		cr_assert_not(synack_config_range(none[i], &lo, &hi), "%s", none[i]);
		cr_assert_eq(lo, 12345);
		cr_assert_eq(hi, 12345);
	}
}
