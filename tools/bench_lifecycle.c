/*
 * bench_lifecycle.c — `synack bench lifecycle`: full TCP lifecycles per second on one
 * core, two stacks wired back to back with a virtual clock (no simulator, no I/O), and
 * bytes per ESTABLISHED, TIME-WAIT and half-open entry.
 *
 * One lifecycle, as bench/linux_lifecycle.c does on Linux's loopback: connect (SYN,
 * SYN-ACK, ACK), 1 byte each way, the client closes first (FIN), the server closes on
 * EOF; the client keeps the connection in TIME-WAIT (its compact record). Every packet is
 * built by synack_output (checksums computed) and parsed by synack_input (checksums
 * verified). Each lifecycle uses a 4-tuple never used before — client ephemeral port x
 * server address (16) x server port (64) — so every SYN is a new connection while the
 * TIME-WAIT table grows: N entries are first made by real
 * lifecycles (not timed), then lifecycles are timed for S seconds with them present.
 * The virtual clock moves 1 us per lifecycle, so no TIME-WAIT record expires (2MSL is
 * 60 s) before 60 M lifecycles.
 *
 * Memory: each stack gets a counting allocator; bytes per entry are the growth of the
 * bytes in use (live bytes less what the stack's buffer cache keeps for reuse,
 * synack_stack_cached_bytes) divided by the number of entries added (tables included,
 * as they grow).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_lifecycle.h"
#include "synack/synack.h"

#ifdef SYNACK_BENCH_STEPS
#include <valgrind/callgrind.h>

/*
 * The cost of each step of one lifecycle under callgrind (bench/lifecycle_steps.sh; the
 * CMake option SYNACK_BENCH_STEPS, off by default: then STEP compiles to nothing and
 * the benchmark is unchanged). A step is what lies between two marks: a socket call, a
 * packet's synack_output in its sender, its synack_input in its receiver, an empty
 * synack_output, the event polls; a mark's label says what just ran. With SYNACK_STEP
 * unset, the 1001st timed lifecycle dumps callgrind's counts at every mark (a file per
 * step, each with the mark's own ~40 instructions); with SYNACK_STEP=k callgrind,
 * started with --collect-atstart=no, collects only step k of every timed lifecycle
 * (with ~20 of the marks' own). Not with --held (its lifecycles end elsewhere).
 */
#define STEPS_MAX 128
static struct {
	uint64_t first;         /* the first timed lifecycle's tuple index */
	int sel;                /* SYNACK_STEP, or -1: the table */
	int step;               /* marks passed in this lifecycle, less one */
	bool on, collecting, labels;
	int n;
	const char *label[STEPS_MAX];
} steps = { .sel = -1 };

static void step_mark(const char *label)
{
	if (!steps.on)
		return;
	if (steps.labels && steps.n < STEPS_MAX)
		steps.label[steps.n++] = label;
	if (steps.sel < 0) {
		CALLGRIND_DUMP_STATS;
	} else if (steps.collecting) {
		CALLGRIND_TOGGLE_COLLECT;
		steps.collecting = false;
	}
	if (++steps.step == steps.sel) {
		CALLGRIND_TOGGLE_COLLECT;
		steps.collecting = true;
	}
}

static void steps_start(uint64_t first)
{
	const char *e = getenv("SYNACK_STEP");

	steps.first = first;
	steps.sel = e ? atoi(e) : -1;
}

/* A lifecycle's marks are on when it is the table's, or any timed one for one step. */
static void steps_lifecycle(uint64_t tuple)
{
	steps.on = steps.sel < 0 ? tuple == steps.first + 1000 : tuple >= steps.first;
	steps.labels = tuple == steps.first + 1000;     /* the table's, or a typical one */
	steps.step = -1;
	step_mark("start");
}

static void steps_report(void)
{
	for (int i = 1; i < steps.n; i++)
		fprintf(stderr, "step %d: %s\n", i - 1, steps.label[i]);
}
#define MARK(label) step_mark(label)
#else
#define MARK(label) ((void)0)
#endif

#define N_ADDRS      16u      /* server addresses */
#define N_LISTEN     64u      /* server ports: 16 x 64 x 28232 = 28.9 M 4-tuples */
#define N_EPHEMERAL  (60999u - 32768u + 1u)  /* the default ip_local_port_range */
#define SRV_PORT     80u
#define PKT_CAP      2048u
#define STEP_NS      1000u
#define EV_BATCH     8u       /* events taken per synack_poll_events call */

struct counting {
	size_t live;
};

struct bench {
	struct synack_stack *srv, *cli;
	struct counting mem_srv, mem_cli;
	int lfd[N_LISTEN];
	uint64_t now;
	uint64_t next_tuple;
	uint64_t packets;
	uint32_t held, nheld, hhead;  /* --held: the FIFO of open connections (lifecycle) */
	int (*hfd)[2];                /* [held] client, server descriptors */
	uint8_t pkt[PKT_CAP];
};

static void *count_alloc(void *ctx, size_t n)
{
	struct counting *c = ctx;
	void *p = malloc(n);

	if (p)
		c->live += n;
	return p;
}

static void count_free(void *ctx, void *p, size_t n)
{
	struct counting *c = ctx;

	if (p)
		c->live -= n;
	free(p);
}

static uint32_t srv_addr(unsigned i)
{
	return 0x0a010000u + i + 1;     /* 10.1.0.1 .. */
}

static uint32_t cli_addr(unsigned i)
{
	return 0x0a020000u + i + 1;     /* 10.2.0.1 .. */
}

static struct synack_stack *new_stack(struct counting *mem, uint32_t (*addr)(unsigned),
				      uint8_t key)
{
	struct synack_env env = { .alloc = count_alloc, .free = count_free, .ctx = mem };
	struct synack_config cfg;
	struct synack_stack *s;

	synack_config_default(&cfg);
	cfg.notes_max = 0;               /* no decision log on the fast path */
	cfg.max_syn_backlog = 65536;
	cfg.somaxconn = 65536;
	cfg.syncookies = 0;
	for (int i = 0; i < SYNACK_SECRET_LEN; i++)
		env.secret[i] = (uint8_t)(key + i * 11);
	s = synack_stack_new(&cfg, &env);
	if (!s)
		return NULL;
	for (unsigned i = 0; i < N_ADDRS; i++)
		if (synack_stack_add_addr(s, addr(i)) != 0) {
			synack_stack_free(s);
			return NULL;
		}
	return s;
}

/* Drains from's output into to (none when to is NULL: dropped); whether anything came. */
static bool hand_over(struct bench *b, struct synack_stack *from, struct synack_stack *to)
{
	bool moved = false;
	size_t n;

	while ((n = synack_output(from, b->now, b->pkt, sizeof b->pkt)) > 0) {
		MARK(from == b->cli ? "output cli" : "output srv");
		if (to)
			synack_input(to, b->now, b->pkt, n);
		MARK(to == b->cli ? "input cli" : "input srv");
		b->packets++;
		moved = true;
	}
	MARK(from == b->cli ? "output cli (none)" : "output srv (none)");
	return moved;
}

/*
 * Hands packets across until both stacks are quiet; drops srv's output if asked. A
 * stack is asked again only after it was given a packet: its last synack_output call
 * returned 0 and nothing has happened to it since (no input, no socket call, the same
 * now), so asking would return 0 again. Both are asked once (both may have something
 * after a socket call); after that the stack just given packets is asked, in turn, until
 * one hand-over moves nothing — the calls that return packets, and their order, are
 * those of asking both stacks in turn until a whole round moves nothing.
 */
static void pump(struct bench *b, bool drop_srv)
{
	struct synack_event ev[EV_BATCH];
	struct synack_stack *from = b->srv, *to = drop_srv ? NULL : b->cli;

	hand_over(b, b->cli, b->srv);
	while (hand_over(b, from, to) && to) {
		struct synack_stack *t = from;

		from = to;
		to = t;
	}
	/* every event taken, a batch at a time: a short batch means the queue is empty */
	while (synack_poll_events(b->cli, ev, EV_BATCH) == EV_BATCH)
		;
	MARK("events cli");
	while (synack_poll_events(b->srv, ev, EV_BATCH) == EV_BATCH)
		;
	MARK("events srv");
}

static int bench_init(struct bench *b)
{
	memset(b, 0, sizeof *b);
	b->now = 1000000000ull;
	b->srv = new_stack(&b->mem_srv, srv_addr, 1);
	b->cli = new_stack(&b->mem_cli, cli_addr, 2);
	if (!b->srv || !b->cli)
		return -ENOMEM;
	for (unsigned i = 0; i < N_LISTEN; i++) {
		int fd = synack_socket(b->srv);

		if (fd < 0 || synack_bind(b->srv, fd, SYNACK_ADDR_ANY, (uint16_t)(SRV_PORT + i)) ||
		    synack_listen(b->srv, fd, 65536))
			return -EINVAL;
		b->lfd[i] = fd;
	}
	return 0;
}

static void bench_fini(struct bench *b)
{
	free(b->hfd);
	synack_stack_free(b->cli);
	synack_stack_free(b->srv);
}

/*
 * A client socket connecting to the next destination: the client's ephemeral port
 * cursor moves by one per connect, so each destination (server address x port) takes
 * every port of the range once before the next destination is used, and every 4-tuple
 * is new. connect() picks the port with O(1) lookups; an explicit bind() would not do
 * (it scans every connection: /work/notes/FINDINGS.md F3).
 */
static int open_next(struct bench *b, int *which_listener)
{
	uint64_t t = b->next_tuple++;
	uint64_t dest = t / N_EPHEMERAL;
	unsigned sa = (unsigned)(dest % N_ADDRS);
	unsigned sp = (unsigned)(dest / N_ADDRS);
	int fd, r;

	if (sp >= N_LISTEN)
		return -EADDRNOTAVAIL;
	fd = synack_socket(b->cli);
	if (fd < 0)
		return fd;
	r = synack_connect(b->cli, fd, srv_addr(sa), (uint16_t)(SRV_PORT + sp));
	if (r != -EINPROGRESS) {
		synack_close(b->cli, fd);
		return r ? r : -EPROTO;
	}
	*which_listener = (int)sp;
	return fd;
}

/* A lifecycle's first half: connect, accept, one byte each way; 0 or -errno. */
static int open_exchange(struct bench *b, int *cfd, int *sfd)
{
	uint8_t byte = 'x';
	int lis, c, s;

	c = open_next(b, &lis);
	if (c < 0)
		return c;
	MARK("socket+connect cli");
	pump(b, false);
	s = synack_accept(b->srv, b->lfd[lis], NULL, NULL);
	if (s < 0)
		return s;
	MARK("accept srv");
	if (synack_send(b->cli, c, &byte, 1, 0) != 1)
		return -EIO;
	MARK("send cli");
	pump(b, false);
	if (synack_recv(b->srv, s, &byte, 1, 0) != 1 || synack_send(b->srv, s, &byte, 1, 0) != 1)
		return -EIO;
	MARK("recv+send srv");
	pump(b, false);
	if (synack_recv(b->cli, c, &byte, 1, 0) != 1)
		return -EIO;
	MARK("recv cli");
	*cfd = c;
	*sfd = s;
	return 0;
}

/* Its second half: the client closes first (FIN: it will hold TIME-WAIT), the server on
 * EOF; 0 or -errno. */
static int close_pair(struct bench *b, int c, int s)
{
	uint8_t byte;

	synack_close(b->cli, c);
	MARK("close cli");
	pump(b, false);
	if (synack_recv(b->srv, s, &byte, 1, 0) != 0)
		return -EPROTO;
	MARK("recv EOF srv");
	synack_close(b->srv, s);
	MARK("close srv");
	pump(b, false);
	return 0;
}

/*
 * One full lifecycle; 0 or -errno (the step that failed). With --held N, N connections
 * stay open, idle, in a FIFO: each lifecycle opens a new one and closes the oldest (a
 * server whose connections live a while and end in the order they came), so N
 * accepted connections share the server's port all along: the bind index must drop the
 * oldest without walking the others (tcb.c ts->bound). The packets are the same.
 */
static int lifecycle(struct bench *b)
{
	int c, s, r;

	b->now += STEP_NS;
#ifdef SYNACK_BENCH_STEPS
	steps_lifecycle(b->next_tuple);
#endif
	r = open_exchange(b, &c, &s);
	if (r || !b->held) {
		r = r ? r : close_pair(b, c, s);
		MARK("end");
		return r;
	}
	if (b->nheld == b->held) {
		int oc = b->hfd[b->hhead][0], os = b->hfd[b->hhead][1];

		b->hfd[b->hhead][0] = c;
		b->hfd[b->hhead][1] = s;
		b->hhead = (b->hhead + 1) % b->held;
		return close_pair(b, oc, os);
	}
	b->hfd[(b->hhead + b->nheld) % b->held][0] = c;
	b->hfd[(b->hhead + b->nheld) % b->held][1] = s;
	b->nheld++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count_state(struct synack_stack *s, int state)
{
	size_t n = synack_sock_list(s, NULL, 0), c = 0;
	struct synack_sock_info *v = malloc((n ? n : 1) * sizeof *v);

	if (!v)
		return 0;
	n = synack_sock_list(s, v, n);
	for (size_t i = 0; i < n; i++)
		c += v[i].state == state;
	free(v);
	return c;
}

/* Bytes in use on stack s counted by m: not the blocks and entries its buffer cache
 * holds, which come and go with connections other than the ones measured (up to ~0.75
 * MiB: tens of bytes per entry over 10 000 entries). */
static size_t in_use(const struct synack_stack *s, const struct counting *m)
{
	return m->live - synack_stack_cached_bytes(s);
}

/* Bytes per ESTABLISHED (each side) and half-open entry, on fresh stacks. */
static int measure_entries(unsigned m)
{
	struct bench b;
	size_t srv0, cli0, srv1, cli1;
	uint8_t byte = 'x';
	int lis, r = 0;
	int *fds = calloc(m, sizeof *fds);

	if (!fds || bench_init(&b))
		return -ENOMEM;
	srv0 = in_use(b.srv, &b.mem_srv);
	cli0 = in_use(b.cli, &b.mem_cli);
	for (unsigned i = 0; i < m && !r; i++) {
		int c = open_next(&b, &lis), s;

		pump(&b, false);
		s = synack_accept(b.srv, b.lfd[lis], NULL, NULL);
		if (c < 0 || s < 0) {
			r = c < 0 ? c : s;
			break;
		}
		/* one byte each way, read: idle ESTABLISHED connections with empty buffers */
		synack_send(b.cli, c, &byte, 1, 0);
		pump(&b, false);
		synack_recv(b.srv, s, &byte, 1, 0);
		synack_send(b.srv, s, &byte, 1, 0);
		pump(&b, false);
		synack_recv(b.cli, c, &byte, 1, 0);
		b.now += 100 * 1000000ull;      /* let delayed ACKs go out */
		synack_advance(b.cli, b.now);
		synack_advance(b.srv, b.now);
		pump(&b, false);
		fds[i] = c;
	}
	srv1 = in_use(b.srv, &b.mem_srv);
	cli1 = in_use(b.cli, &b.mem_cli);
	printf("bytes per ESTABLISHED entry (idle, buffers empty): server %.1f, client %.1f"
	       " (%u connections, %zu ESTABLISHED on the server)\n",
	       (double)(srv1 - srv0) / m, (double)(cli1 - cli0) / m, m,
	       count_state(b.srv, SYNACK_STATE_ESTABLISHED));
	for (unsigned i = 0; i < m; i++) {
		int c = open_next(&b, &lis);

		if (c < 0)
			break;
		pump(&b, true);                 /* SYN-ACK lost: server entry stays half-open */
	}
	printf("bytes per half-open (SYN-RECEIVED) entry: server %.1f (%zu half-open)\n",
	       (double)(in_use(b.srv, &b.mem_srv) - srv1) / m,
	       count_state(b.srv, SYNACK_STATE_SYN_RECEIVED));
	bench_fini(&b);
	free(fds);
	return r;
}

int bench_lifecycle(uint64_t tw, double seconds, uint64_t count, bool sizes, uint32_t held)
{
	struct bench b;
	uint64_t done = 0;
	size_t cli0;
	double t0, t1;
	int r;

	if (bench_init(&b)) {
		fprintf(stderr, "bench: cannot create the stacks\n");
		return 1;
	}
	if (held) {
		b.hfd = calloc(held, sizeof *b.hfd);
		if (!b.hfd) {
			fprintf(stderr, "bench: cannot hold %u connections\n", held);
			return 1;
		}
		b.held = held;
	}
	printf("lifecycle: connect, 1 byte each way, client FIN first, TIME-WAIT kept "
	       "(two stacks back to back, virtual clock, checksums on)\n");
	if (held)
		printf("held: %u connections open all along (FIFO: each lifecycle opens one and "
		       "closes the oldest)\n", held);
	for (uint32_t i = 0; i < held; i++) { /* the FIFO filled: these only open */
		r = lifecycle(&b);
		if (r) {
			fprintf(stderr, "bench: opening held connection %u failed: %s (%d)\n", i,
				strerror(-r), r);
			return 1;
		}
	}
#ifdef SYNACK_BENCH_STEPS
	steps_start(b.next_tuple + tw);
#endif
	cli0 = in_use(b.cli, &b.mem_cli);
	t0 = now_s();
	for (uint64_t i = 0; i < tw; i++) {
		r = lifecycle(&b);
		if (r) {
			fprintf(stderr, "bench: prefill lifecycle %llu failed: %s (%d)\n",
				(unsigned long long)i, strerror(-r), r);
			return 1;
		}
		if ((i & 1023) == 1023) {
			synack_advance(b.cli, b.now);
			synack_advance(b.srv, b.now);
			pump(&b, false);
		}
	}
	t1 = now_s();
	printf("prefill: %llu TIME-WAIT entries in %.1f s; bytes per TIME-WAIT entry: %.1f "
	       "(client stack, tables included)\n", (unsigned long long)tw, t1 - t0,
	       tw ? (double)(in_use(b.cli, &b.mem_cli) - cli0) / (double)tw : 0.0);
	b.packets = 0;
	t0 = now_s();
	do {
		for (int i = 0; i < 1024; i++) {
			r = lifecycle(&b);
			if (r) {
				fprintf(stderr, "bench: lifecycle failed: %s (%d)\n", strerror(-r), r);
				return 1;
			}
		}
		done += 1024;
		synack_advance(b.cli, b.now);
		synack_advance(b.srv, b.now);
		pump(&b, false);
		t1 = now_s();
	} while (count ? done < count : t1 - t0 < seconds);
	printf("TIME-WAIT entries at the end: %zu; %.1f packets per lifecycle\n",
	       count_state(b.cli, SYNACK_STATE_TIME_WAIT), (double)b.packets / (double)done);
	bench_fini(&b);
	if (sizes && measure_entries(10000))
		fprintf(stderr, "bench: entry-size measurement failed\n");
#ifdef SYNACK_BENCH_STEPS
	steps_report();
#endif
	printf("lifecycles: %llu in %.2f s\n", (unsigned long long)done, t1 - t0);
	printf("lifecycles/s: %.0f\n", (double)done / (t1 - t0));
	return 0;
}
