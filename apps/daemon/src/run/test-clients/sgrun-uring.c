// SPDX-License-Identifier: MIT
/*
 * connect() through io_uring (liburing), which seccomp never sees: only the kernel shim's
 * cgroup hooks decide it. One JSON line: {"ok","errno","err","step","pid"}.
 *   sgrun-uring ADDR PORT        (IPv4, TCP)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int report(int ok, int err, const char *step)
{
	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"%s\",\"pid\":%d}\n", ok ? "true" : "false", err, err ? strerrorname_np(err) : "",
	       step, getpid());
	fflush(stdout);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, r;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: %s ADDR PORT\n", argv[0]);
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	r = io_uring_queue_init(4, &ring, 0);
	if (r < 0)
		return report(0, -r, "io_uring_setup");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return report(0, errno, "socket");
	printf("{\"ring\":true}\n");
	fflush(stdout);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&sa, sizeof(sa));
	io_uring_submit(&ring);
	r = io_uring_wait_cqe(&ring, &cqe);
	if (r < 0)
		return report(0, -r, "wait");
	r = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return r < 0 ? report(0, -r, "connect") : report(1, 0, "connect");
}
