// SPDX-License-Identifier: MIT
/*
 * connect() through io_uring with IOSQE_ASYNC, so the call runs on an io-wq worker
 * thread, not in the submitting task: the shim must still judge it as this process.
 * Raw syscalls (no liburing). Prints one JSON line like sgclient:
 *   sguring tcp4|tcp6 ADDR PORT  ->  {"ok","errno","err","step","pid"}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(int ok, int err, const char *step)
{
	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"%s\",\"pid\":%d}\n", ok ? "true" : "false", err,
	       err ? strerrorname_np(err) : "", step, getpid());
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct io_uring_params p = { 0 };
	socklen_t len;
	int ring, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s tcp4|tcp6 ADDR PORT\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "tcp4") == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &a->sin_addr) != 1)
			return report(0, EINVAL, "args");
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET6, argv[2], &a->sin6_addr) != 1)
			return report(0, EINVAL, "args");
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return report(0, errno, "socket");
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return report(0, errno, "io_uring_setup");

	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return report(0, errno, "mmap");

	__u32 *sq_tail = (__u32 *)(sq + p.sq_off.tail);
	__u32 *sq_mask = (__u32 *)(sq + p.sq_off.ring_mask);
	__u32 *sq_array = (__u32 *)(sq + p.sq_off.array);
	__u32 tail = *sq_tail, idx = tail & *sq_mask;
	struct io_uring_sqe *sqe = &sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_CONNECT;
	sqe->flags = IOSQE_ASYNC; /* run it on an io-wq worker */
	sqe->fd = fd;
	sqe->addr = (unsigned long)&ss;
	sqe->off = len;
	sqe->user_data = 42;
	sq_array[idx] = idx;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return report(0, errno, "io_uring_enter");

	__u32 *cq_head = (__u32 *)(cq + p.cq_off.head);
	__u32 *cq_mask = (__u32 *)(cq + p.cq_off.ring_mask);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	struct io_uring_cqe *cqe = &cqes[*cq_head & *cq_mask];
	int res = cqe->res;

	__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
	return res < 0 ? report(0, -res, "connect") : report(1, 0, "connect");
}
