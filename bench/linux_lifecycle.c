/*
 * linux_lifecycle — the Linux kernel's yardstick for `synack bench lifecycle`.
 *
 * One full TCP lifecycle per iteration over loopback: connect, 1 byte each way, the
 * client closes first (FIN), the server closes on EOF; the client's side stays in
 * TIME_WAIT (the kernel keeps it, as synack keeps its compact record). The server runs in
 * a second thread. Run it inside a fresh network namespace (scripts/bench.sh does), so
 * the TIME_WAIT pile-up and the port range touch nothing else.
 *
 * usage: linux_lifecycle [--seconds S] [--port P]
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

int main(int argc, char **argv)
{
	double seconds = 3;
	int port = 7777;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: linux_lifecycle [--seconds S] [--port P]\n");
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
	pthread_t th;
	pthread_create(&th, NULL, server, NULL);

	long n = 0, failed = 0;
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
