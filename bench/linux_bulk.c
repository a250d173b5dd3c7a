/*
 * linux_bulk — the Linux kernel's yardstick for `synack bench bulk`.
 *
 * One TCP connection over loopback moves --bytes bytes (default 1 GiB): a sender thread
 * writes 256 KiB at a time, the main thread reads 256 KiB at a time until EOF. Run it
 * in a fresh network namespace whose lo has MTU 1500 (scripts/bench.sh does), so
 * segments are MSS 1460 as in the synack benchmark. With --cpu N (default 0) the whole
 * process is pinned to that one CPU, so the kernel's work (both TCP ends, softirq
 * included: loopback delivers in the sender's context) and both threads share one core
 * as synack's single-threaded run does; --cpu -1 leaves it unpinned.
 *
 * Each run prints Gbit/s per wall second and per CPU second (user + system time of the
 * process from getrusage, which holds the kernel's TCP work done in its threads'
 * context; on a loaded machine the wall figure is the lower one).
 *
 * usage: linux_bulk [--bytes N] [--repeat R] [--cpu N] [--port P]
 * Last line: "bulk Gbit/s: X" (the best run, per CPU second).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

static unsigned long long total = 1ull << 30;
static struct sockaddr_in sa;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void *sender(void *arg)
{
	static char buf[BUF];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned long long left = total;

	(void)arg;
	memset(buf, 0x5a, sizeof buf);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		perror("linux_bulk: connect");
		exit(1);
	}
	while (left) {
		ssize_t n = write(fd, buf, left < BUF ? left : BUF);
		if (n <= 0) {
			perror("linux_bulk: write");
			exit(1);
		}
		left -= (unsigned long long)n;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[BUF];
	int port = 7778, cpu = 0, repeat = 3, one = 1;
	double best = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
			total = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			cpu = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: linux_bulk [--bytes N] [--repeat R] [--cpu N] [--port P]\n");
			return 2;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set))
			perror("linux_bulk: sched_setaffinity");
	}
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 16)) {
		perror("linux_bulk: bind/listen");
		return 1;
	}
	printf("one connection over loopback, %llu bytes, %s\n", total,
	       cpu >= 0 ? "pinned to one CPU" : "unpinned");
	for (int r = 0; r < repeat; r++) {
		pthread_t th;
		unsigned long long got = 0;
		int mss = 0;
		socklen_t len = sizeof mss;
		double t0 = now_s(), c0 = cpu_s();

		pthread_create(&th, NULL, sender, NULL);
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("linux_bulk: accept");
			return 1;
		}
		getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len);
		for (;;) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n <= 0)
				break;
			got += (unsigned long long)n;
		}
		pthread_join(th, NULL);
		double t = now_s() - t0, c = cpu_s() - c0;
		close(fd);
		if (got != total) {
			fprintf(stderr, "linux_bulk: received %llu of %llu\n", got, total);
			return 1;
		}
		double gbps = (double)got * 8 / c / 1e9;
		printf("run %d: %.3f s CPU, %.3f s wall: %.2f Gbit/s per CPU second (%.2f per wall "
		       "second; receiver's TCP_MAXSEG %d)\n", r + 1, c, t, gbps,
		       (double)got * 8 / t / 1e9, mss);
		if (gbps > best)
			best = gbps;
	}
	printf("bulk Gbit/s: %.2f\n", best);
	return 0;
}
