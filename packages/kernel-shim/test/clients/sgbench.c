// SPDX-License-Identifier: GPL-2.0-only
/*
 * sgbench: times the calls the shim mediates, from inside whatever cgroup it runs in.
 *
 *   sgbench tcp_connect <addr> <port> <iterations>   socket() + connect() + close() per op
 *   sgbench udp_connect <addr> <port> <iterations>   connect() + connect(AF_UNSPEC) on one socket per op
 *
 * Prints one JSON line: {"case":"tcp_connect","iterations":N,"ns_per_op":X,"errno":0}.
 * TCP sockets close with SO_LINGER 0 (RST) so a long run does not run out of ephemeral
 * ports to TIME_WAIT; the UDP disconnect does not run the connect hook, so the per-op
 * figure carries one mediated connect.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int report(const char *name, long n, long long ns, int err)
{
	printf("{\"case\":\"%s\",\"iterations\":%ld,\"ns_per_op\":%.1f,\"errno\":%d}\n", name, n,
	       n > 0 ? (double)ns / (double)n : 0.0, err);
	return err ? 1 : 0;
}

static int tcp_connect(const struct sockaddr_in *sa, long n)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	long long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			return report("tcp_connect", i, now_ns() - t0, errno);
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
			int err = errno;

			close(fd);
			return report("tcp_connect", i, now_ns() - t0, err);
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fd);
	}
	return report("tcp_connect", n, now_ns() - t0, 0);
}

static int udp_connect(const struct sockaddr_in *sa, long n)
{
	const struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long long t0;

	if (fd < 0)
		return report("udp_connect", 0, 0, errno);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
			return report("udp_connect", i, now_ns() - t0, errno);
		if (connect(fd, &unspec, sizeof(unspec)))
			return report("udp_connect", i, now_ns() - t0, errno);
	}
	return report("udp_connect", n, now_ns() - t0, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long n;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: sgbench tcp_connect|udp_connect <ipv4> <port> <iterations>\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[3]));
	n = atol(argv[4]);
	if (!strcmp(argv[1], "tcp_connect"))
		return tcp_connect(&sa, n);
	if (!strcmp(argv[1], "udp_connect"))
		return udp_connect(&sa, n);
	fprintf(stderr, "sgbench: unknown case %s\n", argv[1]);
	return 2;
}
