/*
 * linux_lifecycle — the Linux kernel's yardstick for `synack bench lifecycle`.
 *
 * One full TCP lifecycle per iteration over loopback: connect, 1 byte each way, the
 * client closes first (FIN), the server closes on EOF; the client's side stays in
 * TIME_WAIT (the kernel keeps it, as synack keeps its compact record). The server runs in
 * a second thread. Run it inside a fresh network namespace (scripts/bench.sh does), so
 * the TIME_WAIT pile-up and the port range touch nothing else.
 *
 * With --held H (synack bench lifecycle --held's yardstick), H connections stay open,
 * idle, in a FIFO: each lifecycle opens one and closes the oldest. Client and server
 * then run in one thread (a connect completes in the listener's queue, accept takes it
 * at once), since the server holds H connections at a time.
 *
 * usage: linux_lifecycle [--seconds S] [--port P] [--held H]
 * Last line: "lifecycles/s: N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listen_fd;
static volatile int stop;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *server(void *arg)
{
	(void)arg;
	while (!stop) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		char c;
		if (read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
			while (read(fd, &c, 1) > 0) /* wait for the client's FIN */
				;
		close(fd);
	}
	return NULL;
}

/* One lifecycle's first half, both ends in this thread: connect, accept, 1 byte each
 * way; 0, or -1 (nothing left open). */
static int open_exchange(const struct sockaddr_in *sa, int fd[2])
{
	int one = 1;
	char c = 'x';

	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	fd[1] = -1;
	if (fd[0] < 0)
		return -1;
	setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd[0], (const struct sockaddr *)sa, sizeof *sa) == 0 &&
	    (fd[1] = accept(listen_fd, NULL, NULL)) >= 0) {
		setsockopt(fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (write(fd[0], &c, 1) == 1 && read(fd[1], &c, 1) == 1 && write(fd[1], &c, 1) == 1 &&
		    read(fd[0], &c, 1) == 1)
			return 0;
	}
	close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	return -1;
}

/* Its second half: the client closes first (it keeps TIME_WAIT), the server on EOF. */
static void close_pair(const int fd[2])
{
	char c;

	close(fd[0]);
	while (read(fd[1], &c, 1) > 0)
		;
	close(fd[1]);
}

/* --held H: the FIFO of open connections; lifecycles done in `seconds` */
static long run_held(const struct sockaddr_in *sa, long held, double seconds, double *elapsed,
		     long *failed)
{
	int (*fifo)[2] = calloc((size_t)held, sizeof *fifo);
	long n = 0, head = 0, count = 0;
	double t0;
	struct rlimit rl;

	/* 2 descriptors per held connection: the soft limit raised up to the hard one */
	if (!fifo || getrlimit(RLIMIT_NOFILE, &rl) ||
	    (rl.rlim_cur < (rlim_t)(2 * held + 64) &&
	     (rl.rlim_max < (rlim_t)(2 * held + 64) ||
	      (rl.rlim_cur = (rlim_t)(2 * held + 64), setrlimit(RLIMIT_NOFILE, &rl))))) {
		fprintf(stderr, "linux_lifecycle: --held %ld needs %ld descriptors (ulimit -Hn)\n",
			held, 2 * held + 64);
		exit(1);
	}
	while (count < held) {          /* filled first, not timed */
		if (open_exchange(sa, fifo[count]) == 0)
			count++;
		else if (++*failed > held) {
			fprintf(stderr, "linux_lifecycle: cannot open %ld connections\n", held);
			exit(1);
		}
	}
	*failed = 0;
	t0 = now_s();
	while ((*elapsed = now_s() - t0) < seconds) {
		int fd[2];

		if (open_exchange(sa, fd)) {
			++*failed;
			continue;
		}
		close_pair(fifo[head]);
		fifo[head][0] = fd[0];
		fifo[head][1] = fd[1];
		head = (head + 1) % held;
		n++;
	}
	for (long i = 0; i < held; i++)
		close_pair(fifo[i]);
	free(fifo);
	return n;
}

int main(int argc, char **argv)
{
	long held = 0;
	double seconds = 3;
	int port = 7777;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--held") && i + 1 < argc)
			held = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: linux_lifecycle [--seconds S] [--port P] [--held H]\n");
			return 2;
		}
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(listen_fd, 4096)) {
		perror("linux_lifecycle: bind/listen");
		return 1;
	}
	long n = 0, failed = 0;
	if (held > 0) {
		double el = 0;

		n = run_held(&sa, held, seconds, &el, &failed);
		printf("linux: %ld lifecycles in %.2f s with %ld connections held open (%ld failed)\n",
		       n, el, held, failed);
		printf("lifecycles/s: %.0f\n", (double)n / el);
		return 0;
	}
	pthread_t th;
	pthread_create(&th, NULL, server, NULL);

	double t0 = now_s(), t1 = t0;
	while ((t1 = now_s()) - t0 < seconds) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char c = 'x';
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && write(fd, &c, 1) == 1 &&
		    read(fd, &c, 1) == 1)
			n++;
		else
			failed++;
		close(fd);
	}
	stop = 1;
	shutdown(listen_fd, SHUT_RDWR);
	pthread_join(th, NULL);
	printf("linux: %ld lifecycles in %.2f s (%ld failed, e.g. ephemeral ports exhausted)\n", n,
	       t1 - t0, failed);
	printf("lifecycles/s: %.0f\n", (double)n / (t1 - t0));
	return 0;
}
