// SPDX-License-Identifier: MIT
/*
 * The `sockgate run` benchmark's program: N times socket()+connect()+close() to a TCP
 * server on loopback (or connect to a Unix socket). Prints {"us":<per iteration>}.
 *   sgrun-bench tcp ADDR PORT N
 *   sgrun-bench unix PATH N
 *   sgrun-bench serve tcp ADDR PORT | serve unix PATH
 *     (a listener with a backlog of 4096 that accepts and closes until killed; "ready" on
 *      stderr: a shorter backlog overflows at these rates and a dropped SYN costs 1 s)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int serve(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, l;

	if (argc == 5 && !strcmp(argv[2], "tcp")) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)atoi(argv[4]));
		inet_pton(AF_INET, argv[3], &a->sin_addr);
		len = sizeof(*a);
	} else if (argc == 4 && !strcmp(argv[2], "unix")) {
		struct sockaddr_un *u = (struct sockaddr_un *)&ss;
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof(u->sun_path), "%s", argv[3]);
		unlink(u->sun_path);
		len = sizeof(*u);
	} else {
		fprintf(stderr, "usage: %s serve tcp ADDR PORT | serve unix PATH\n", argv[0]);
		return 2;
	}
	l = socket(ss.ss_family, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 || bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 4096) != 0) {
		perror("serve");
		return 1;
	}
	fprintf(stderr, "ready\n");
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int family;
	long n, i;

	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if (argc == 5 && !strcmp(argv[1], "tcp")) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)atoi(argv[3]));
		inet_pton(AF_INET, argv[2], &a->sin_addr);
		len = sizeof(*a);
		family = AF_INET;
		n = atol(argv[4]);
	} else if (argc == 4 && !strcmp(argv[1], "unix")) {
		struct sockaddr_un *u = (struct sockaddr_un *)&ss;
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof(u->sun_path), "%s", argv[2]);
		len = sizeof(*u);
		family = AF_UNIX;
		n = atol(argv[3]);
	} else {
		fprintf(stderr, "usage: %s tcp ADDR PORT N | unix PATH N\n", argv[0]);
		return 2;
	}
	double t0 = now_us();
	for (i = 0; i < n; i++) {
		int fd = socket(family, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) != 0) {
			printf("{\"error\":\"%s\",\"at\":%ld}\n", strerrorname_np(errno), i);
			return 1;
		}
		close(fd);
	}
	printf("{\"us\":%.3f}\n", (now_us() - t0) / n);
	return 0;
}
