/*
 * haze-bench-tcpload: the kernel-side client and server of haze-bench-tcp
 * (and the source of the RAM-per-connection figures). Plain BSD sockets,
 * so the same program drives haze-echo, lwip-echo and a Linux peer in the
 * same way.
 *
 *   tcpload send HOST PORT SECS   write for SECS seconds (RFC 863 discard),
 *                                 then shut down the write side and wait for
 *                                 the server's FIN: every byte counted has
 *                                 been received by the server.
 *   tcpload recv HOST PORT SECS   read for SECS seconds (RFC 864 chargen),
 *                                 then close.
 *       Both print one line: "bytes=N secs=T gbps=G".
 *   tcpload serve DPORT CPORT     a Linux discard server on DPORT and a
 *                                 chargen server on CPORT (one process per
 *                                 connection) until SIGTERM.
 *   tcpload sizes                 "name=value" lines: sizeof(struct
 *                                 hz_tcp_conn), the stack's ring sizes and
 *                                 slot count, as compiled into haze-echo.
 */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "haze/stack.h"

#define IOBUF (256 * 1024)
static uint8_t iobuf[IOBUF];

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const char *host, const char *port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "tcpload: bad address %s\n", host);
		exit(2);
	}
	for (int tries = 0;; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			perror("tcpload: socket");
			exit(1);
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (tries >= 50) {
			fprintf(stderr, "tcpload: connect %s:%s: %s\n", host, port, strerror(e));
			exit(1);
		}
		usleep(100000);
	}
}

static void report(uint64_t bytes, double secs)
{
	printf("bytes=%llu secs=%.6f gbps=%.4f\n", (unsigned long long)bytes, secs,
	       secs > 0 ? (double)bytes * 8 / secs / 1e9 : 0.0);
}

static int do_send(const char *host, const char *port, double secs)
{
	int fd = dial(host, port);
	memset(iobuf, 'x', sizeof iobuf);
	uint64_t total = 0;
	double t0 = mono(), end = t0 + secs;
	unsigned k = 0;
	for (;;) {
		ssize_t n = write(fd, iobuf, sizeof iobuf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("tcpload: write");
			return 1;
		}
		total += (uint64_t)n;
		/* The clock is read every 16 writes (4 MiB): cheap, and still
		 * well under a millisecond at these rates. */
		if ((++k & 15) == 0 && mono() >= end)
			break;
	}
	/* The server closes after our FIN: once its FIN is here, it has
	 * every byte. */
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = read(fd, iobuf, sizeof iobuf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	double t1 = mono();
	close(fd);
	report(total, t1 - t0);
	return 0;
}

static int do_recv(const char *host, const char *port, double secs)
{
	int fd = dial(host, port);
	uint64_t total = 0;
	double t0 = mono(), end = t0 + secs, t1 = t0;
	unsigned k = 0;
	for (;;) {
		ssize_t n = read(fd, iobuf, sizeof iobuf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("tcpload: read");
			return 1;
		}
		if (n == 0) {
			fprintf(stderr, "tcpload: server closed early\n");
			return 1;
		}
		total += (uint64_t)n;
		if ((++k & 15) == 0 && (t1 = mono()) >= end)
			break;
	}
	/* Unread data at close makes this a reset, which is how a chargen
	 * client ends. */
	close(fd);
	report(total, t1 - t0);
	return 0;
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "tcpload: listen %d: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static void serve_conn(int fd, bool chargen)
{
	if (chargen) {
		/* Any printable pattern does: the clients only count bytes. */
		for (size_t i = 0; i < sizeof iobuf; i++)
			iobuf[i] = (uint8_t)(0x20 + i % 95);
		while (write(fd, iobuf, sizeof iobuf) > 0 || errno == EINTR)
			;
	} else {
		while (read(fd, iobuf, sizeof iobuf) > 0 || errno == EINTR)
			;
	}
	close(fd);
	_exit(0);
}

static int do_serve(int dport, int cport)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	struct pollfd p[2] = { { listen_on(dport), POLLIN, 0 }, { listen_on(cport), POLLIN, 0 } };
	while (!stop) {
		if (poll(p, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			pid_t pid = fork();
			if (pid == 0) {
				signal(SIGTERM, SIG_DFL);
				serve_conn(c, i == 1);
			}
			close(c);
		}
	}
	return 0;
}

static int do_sizes(void)
{
	size_t conn = sizeof(struct hz_tcp_conn);
	printf("tcp_conn=%zu\n", conn);
	printf("snd_ring=%u\n", (unsigned)HZ_STACK_TCP_SND_RING);
	printf("rcv_ring=%u\n", (unsigned)HZ_STACK_TCP_RCV_RING);
	printf("per_conn=%zu\n", conn + HZ_STACK_TCP_SND_RING + HZ_STACK_TCP_RCV_RING);
	printf("conns=%u\n", (unsigned)HZ_STACK_TCP_CONNS);
	printf("stack=%zu\n", sizeof(struct hz_stack));
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], argv[3], atof(argv[4]));
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv[2], argv[3], atof(argv[4]));
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return do_serve(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && strcmp(argv[1], "sizes") == 0)
		return do_sizes();
	fputs("usage: tcpload send|recv HOST PORT SECS | serve DPORT CPORT | sizes\n", stderr);
	return 2;
}
