/*
 * test_fuzz_regress.c — fuzz findings as tests: every file in tests/fuzz/regress/ and the
 * seed corpus tests/fuzz/corpus/fuzz_engine/ is replayed through the fuzz target's own
 * decoder (tests/fuzz/engine_prog.h), which aborts on any violated invariant (a crash of
 * this test). Files in tests/fuzz/regress-pending/ are open findings and are not
 * replayed here (see /work/notes/FINDINGS.md). Also checks that the decoder's prefix
 * really leaves connections in the states it names, cross-checked through the API.
 */
#include <criterion/criterion.h>
#include <dirent.h>

#include "fuzz/engine_prog.h"

#define MAX_FILES 4096

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of $SYNACK_SRC/<rel>; returns how many. */
static size_t replay_dir(const char *rel)
{
	const char *src = getenv("SYNACK_SRC");
	char dir[4096], path[8192];
	char *names[MAX_FILES];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	cr_assert_not_null(src, "SYNACK_SRC is not set");
	snprintf(dir, sizeof dir, "%s/%s", src, rel);
	d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d)) && n < MAX_FILES)
		if (de->d_name[0] != '.' && !strstr(de->d_name, ".md"))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_names);
	for (size_t i = 0; i < n; i++) {
		static uint8_t buf[1 << 20];
		FILE *f;
		size_t len;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "cannot open %s", path);
		len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
		fp_run(buf, len);
		free(names[i]);
	}
	return n;
}

Test(fuzz_regress, regress_dir)
{
	replay_dir("tests/fuzz/regress");
}

Test(fuzz_regress, seed_corpus)
{
	cr_assert_geq(replay_dir("tests/fuzz/corpus/fuzz_engine"), 10);
}

static int state_of(struct fp *p, int k, int fd)
{
	struct synack_tcp_info ti;

	cr_assert_eq(synack_tcp_info(p->st[k], fd, &ti), 0, "fd %d", fd);
	return ti.state;
}

/* Descriptor-less entries of stack k in state st. */
static int fdless_in(struct fp *p, int k, int st)
{
	size_t n = synack_sock_list(p->st[k], p->list, FP_LIST_CAP);
	int c = 0;

	for (size_t i = 0; i < n; i++)
		c += p->list[i].fd < 0 && p->list[i].state == st;
	return c;
}

static int timer_of(struct fp *p, int k, int fd)
{
	size_t n = synack_sock_list(p->st[k], p->list, FP_LIST_CAP);

	for (size_t i = 0; i < n; i++)
		if (p->list[i].fd == fd)
			return p->list[i].timer;
	return -1;
}

#define EXPECT_ST(p, k, fd, st) \
	cr_assert_eq(state_of(p, k, fd), st, "%s: %s, expected %s", #fd, \
		     synack_state_name(state_of(p, k, fd)), synack_state_name(st))

Test(fuzz_regress, prefix_states)
{
	struct fp_conns c;
	struct fp *p = fp_new(0);
	int err = 0;
	size_t len = sizeof err;

	fp_prefix(p, &c);
	EXPECT_ST(p, FP_SRV, c.lis80, SYNACK_STATE_LISTEN);
	EXPECT_ST(p, FP_SRV, c.lis81, SYNACK_STATE_LISTEN);
	EXPECT_ST(p, FP_CLI, c.est_c, SYNACK_STATE_ESTABLISHED);
	EXPECT_ST(p, FP_SRV, c.est_s, SYNACK_STATE_ESTABLISHED);
	EXPECT_ST(p, FP_CLI, c.fly_c, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(timer_of(p, FP_CLI, c.fly_c), SYNACK_TIMER_RETRANSMIT);
	EXPECT_ST(p, FP_CLI, c.half_c, SYNACK_STATE_FIN_WAIT_2);
	EXPECT_ST(p, FP_SRV, c.half_s, SYNACK_STATE_CLOSE_WAIT);
	EXPECT_ST(p, FP_CLI, c.fw1_c, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(fdless_in(p, FP_SRV, SYNACK_STATE_FIN_WAIT_1), 1);
	cr_assert_eq(fdless_in(p, FP_SRV, SYNACK_STATE_LAST_ACK), 1);
	cr_assert_eq(fdless_in(p, FP_SRV, SYNACK_STATE_TIME_WAIT), 1);
	cr_assert_eq(fdless_in(p, FP_CLI, SYNACK_STATE_TIME_WAIT), 1);
	EXPECT_ST(p, FP_CLI, c.closing_c, SYNACK_STATE_CLOSING);
	EXPECT_ST(p, FP_SRV, c.closing_s, SYNACK_STATE_CLOSING);
	EXPECT_ST(p, FP_SRV, c.zw_s, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(timer_of(p, FP_SRV, c.zw_s), SYNACK_TIMER_PERSIST);
	cr_assert_eq(timer_of(p, FP_CLI, c.ka_c), SYNACK_TIMER_KEEPALIVE);
	EXPECT_ST(p, FP_CLI, c.synsent_c, SYNACK_STATE_SYN_SENT);
	EXPECT_ST(p, FP_CLI, c.synrcvd_c, SYNACK_STATE_SYN_SENT);
	cr_assert_eq(fdless_in(p, FP_SRV, SYNACK_STATE_SYN_RECEIVED), 1);
	EXPECT_ST(p, FP_CLI, c.aq_c, SYNACK_STATE_ESTABLISHED);
	cr_assert_eq(fdless_in(p, FP_SRV, SYNACK_STATE_ESTABLISHED), 1);   /* queued on 81 */
	EXPECT_ST(p, FP_CLI, c.aq2_c, SYNACK_STATE_SYN_SENT);
	EXPECT_ST(p, FP_CLI, c.refused_c, SYNACK_STATE_CLOSED);
	cr_assert_eq(synack_getsockopt(p->st[FP_CLI], c.refused_c, SYNACK_SOL_SOCKET,
				       SYNACK_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ECONNREFUSED, "SO_ERROR %d", err);
	fp_finish(p);
}
