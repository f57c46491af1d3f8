// SPDX-License-Identifier: MIT
/*
 * The TOCTOU race against `sockgate run`: the main thread connects again and again with
 * one sockaddr in memory while a second thread keeps swapping it between A (which a rule
 * allows) and B (which nothing allows), so some connects are checked with A and executed
 * with B. Prints one JSON line: how many connects reached A, reached B, failed with
 * EACCES, with ECONNREFUSED (the kernel's hold refused B), or otherwise.
 *   sgrun-race A_ADDR A_PORT B_ADDR B_PORT ITERATIONS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in shared;
static struct sockaddr_in a, b;
static atomic_int stop;

static void *swapper(void *arg)
{
	(void)arg;
	volatile struct sockaddr_in *s = &shared;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		s->sin_port = b.sin_port;
		s->sin_addr.s_addr = b.sin_addr.s_addr;
		s->sin_port = a.sin_port;
		s->sin_addr.s_addr = a.sin_addr.s_addr;
	}
	return NULL;
}

static int parse(struct sockaddr_in *sa, const char *addr, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1;
}

int main(int argc, char **argv)
{
	long n, i, reachedA = 0, reachedB = 0, eacces = 0, refused = 0, other = 0;
	int otherErr = 0;
	pthread_t t;

	if (argc != 6 || !parse(&a, argv[1], argv[2]) || !parse(&b, argv[3], argv[4])) {
		fprintf(stderr, "usage: %s A_ADDR A_PORT B_ADDR B_PORT ITERATIONS\n", argv[0]);
		return 2;
	}
	n = atol(argv[5]);
	shared = a;
	pthread_create(&t, NULL, swapper, NULL);
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			other++;
			otherErr = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&shared, sizeof(shared)) == 0) {
			struct sockaddr_in peer;
			socklen_t len = sizeof(peer);
			getpeername(fd, (struct sockaddr *)&peer, &len);
			if (peer.sin_port == b.sin_port && peer.sin_addr.s_addr == b.sin_addr.s_addr)
				reachedB++;
			else
				reachedA++;
		} else if (errno == EACCES) {
			eacces++;
		} else if (errno == ECONNREFUSED) {
			refused++;
		} else {
			other++;
			otherErr = errno;
		}
		close(fd);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("{\"reachedA\":%ld,\"reachedB\":%ld,\"eacces\":%ld,\"refused\":%ld,\"other\":%ld,\"otherErr\":\"%s\",\"pid\":%d}\n", reachedA, reachedB,
	       eacces, refused, other, otherErr ? strerrorname_np(otherErr) : "", getpid());
	return 0;
}
