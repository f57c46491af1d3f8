// SPDX-License-Identifier: GPL-2.0-only
/*
 * sgbench: times the calls the shim mediates, alternating between cgroups.
 *
 *   sgbench tcp_connect|udp_connect <addr> <port> <batch-size> <batches> <cgroup-dir>...
 *   sgbench tcp_first|udp_first|inbound_first <addr> <port> <ops> <cgroup-dir>...
 *
 *   tcp_connect: socket() + connect() + close() per op, to a listener of its own on addr:port
 *   udp_connect: connect() + connect(AF_UNSPEC) on one UDP socket per op
 *   udp_send:    send() of 64 bytes on a connected UDP socket per op (the per-packet egress path)
 *   tcp_first:   a new socket's connect() per op (a first contact: held where the shim holds)
 *   udp_first:   a new socket's first datagram per op, until its echo returns
 *   inbound_first: connect() to a listener made in the measured cgroup, from the first cgroup
 *   The *_first cases alternate cgroups every SG_BENCH_RUN ops (default 20) and print every op's time:
 *   {"case":...,"ns":[[op times, cgroup 1],[... cgroup 2]],"errno":0}
 *
 * For each batch it moves itself into each cgroup in turn (the first one alternating
 * between batches) and times batch-size ops there, so a bare cgroup and a cgroup with the
 * shim are measured milliseconds apart: on a busy machine, load changes hit both alike.
 * A socket belongs to the cgroup it was created in, so sockets are created after the move.
 * Prints one JSON line: {"case":"tcp_connect","batch":N,"ns_per_op":[[per batch, cgroup 1],[... cgroup 2]],"errno":0}
 *
 * The TCP listener is created before any move, so it stays in the caller's cgroup and
 * only the client side is mediated; accept() and closing the server side are not timed.
 * Client sockets close with SO_LINGER 0 (RST) so long runs do not exhaust ephemeral ports
 * in TIME_WAIT. The UDP disconnect does not run the connect hook: each op carries one
 * mediated connect.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CGROUPS 4
#define MAX_BATCHES 1000

static double results[MAX_CGROUPS][MAX_BATCHES];

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	char pid[32];
	int fd, n, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ok = write(fd, pid, (size_t)n) == n;
	close(fd);
	return ok ? 0 : errno;
}

/* Returns 0 and the timed ns for n ops, or an errno. */
static int tcp_batch(int lfd, const struct sockaddr_in *sa, long n, long long *timed)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	*timed = 0;
	for (long i = 0; i < n; i++) {
		long long t0 = now_ns();
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int c;

		if (fd < 0)
			return errno;
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
			int err = errno;

			close(fd);
			return err;
		}
		*timed += now_ns() - t0;
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			return errno;
		t0 = now_ns();
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fd);
		*timed += now_ns() - t0;
		close(c);
	}
	return 0;
}

static int udp_batch(const struct sockaddr_in *sa, long n, long long *timed)
{
	const struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long long t0;

	if (fd < 0)
		return errno;
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
		    connect(fd, &unspec, sizeof(unspec))) {
			int err = errno;

			close(fd);
			return err;
		}
	}
	*timed = now_ns() - t0;
	close(fd);
	return 0;
}

/* n datagrams on one connected UDP socket: the per-packet path (egress), no address hook. */
static int udp_send_batch(const struct sockaddr_in *sa, long n, long long *timed)
{
	static const char payload[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long long t0;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		int err = errno;

		close(fd);
		return err;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (send(fd, payload, sizeof(payload), 0) != (ssize_t)sizeof(payload)) {
			int err = errno;

			close(fd);
			return err;
		}
	}
	*timed = now_ns() - t0;
	close(fd);
	return 0;
}

/* ---- first contacts: every op is timed alone, cgroups alternate op by op ---- */

#define MAX_OPS 20000
static long long op_ns[MAX_CGROUPS][MAX_OPS];

static int tcp_first(int lfd, const struct sockaddr_in *sa, long long *ns)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	long long t0 = now_ns();
	int fd = socket(AF_INET, SOCK_STREAM, 0), c, err = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		err = errno;
	*ns = now_ns() - t0;
	if (!err && (c = accept(lfd, NULL, NULL)) >= 0)
		close(c);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	return err;
}

/* The echo side is this process's own socket, made before any move (so not mediated). */
static int udp_first(int efd, const struct sockaddr_in *sa, long long *ns)
{
	char buf[16];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	long long t0 = now_ns();
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return errno;
	if (sendto(fd, "x", 1, 0, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		err = errno;
	if (!err) {
		ssize_t n = recvfrom(efd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0 || sendto(efd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) < 0 || recv(fd, buf, sizeof(buf), 0) < 0)
			err = errno;
	}
	*ns = now_ns() - t0;
	close(fd);
	return err;
}

/* A listener in the measured cgroup, a client from the first cgroup (never mediated). */
static int inbound_first(const char *measured, const char *client, const struct sockaddr_in *sa, long long *ns)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, lfd, fd, c, err;
	long long t0;

	if ((err = join_cgroup(measured)))
		return err;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(lfd, 16))
		return errno;
	if ((err = join_cgroup(client)))
		return err;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	t0 = now_ns();
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	*ns = now_ns() - t0;
	if (!err && (c = accept(lfd, NULL, NULL)) >= 0)
		close(c);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	close(lfd);
	return err;
}

static int first_contacts(const char *name, const struct sockaddr_in *sa, long ops, int ncg, char **cgs)
{
	int tcp = !strcmp(name, "tcp_first"), udp = !strcmp(name, "udp_first"), fd = -1, err = 0, one = 1;
	long done = 0;

	if (ops <= 0 || ops > MAX_OPS)
		return 2;
	if (tcp || udp) {
		fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) || (tcp && listen(fd, 4096)))
			err = errno;
	}
	/* Runs of `run` ops per cgroup, the cgroups taking turns (and which goes first alternating),
	 * so the cost of moving between cgroups is paid once per run, not per op. */
	long run = getenv("SG_BENCH_RUN") ? atol(getenv("SG_BENCH_RUN")) : 20;
	if (run < 1)
		run = 1;
	while (!err && done < ops) {
		long n = ops - done < run ? ops - done : run;

		for (int k = 0; k < ncg && !err; k++) {
			int c = (int)((k + done / run) % ncg);

			if (tcp || udp)
				err = join_cgroup(cgs[c]);
			for (long i = 0; i < n && !err; i++)
				err = tcp ? tcp_first(fd, sa, &op_ns[c][done + i])
				    : udp ? udp_first(fd, sa, &op_ns[c][done + i])
					  : inbound_first(cgs[c], cgs[0], sa, &op_ns[c][done + i]);
		}
		done += n;
	}
	printf("{\"case\":\"%s\",\"ns\":[", name);
	for (int c = 0; c < ncg; c++) {
		printf("%s[", c ? "," : "");
		for (long i = 0; i < (err ? 0 : done); i++)
			printf("%s%lld", i ? "," : "", op_ns[c][i]);
		printf("]");
	}
	printf("],\"errno\":%d}\n", err);
	return err ? 1 : 0;
}

static int report(const char *name, long batch, int ncg, long done, int err)
{
	printf("{\"case\":\"%s\",\"batch\":%ld,\"ns_per_op\":[", name, batch);
	for (int c = 0; c < ncg; c++) {
		printf("%s[", c ? "," : "");
		for (long b = 0; b < done; b++)
			printf("%s%.1f", b ? "," : "", results[c][b]);
		printf("]");
	}
	printf("],\"errno\":%d}\n", err);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *name = argc > 1 ? argv[1] : "";
	int tcp = !strcmp(name, "tcp_connect"), send_case = !strcmp(name, "udp_send");
	int lfd = -1;
	long batch, batches;
	int ncg = argc - 6;

	if (argc >= 6 && strstr(name, "_first") && argc - 5 <= MAX_CGROUPS && inet_pton(AF_INET, argv[2], &sa.sin_addr) == 1) {
		sa.sin_port = htons((unsigned short)atoi(argv[3]));
		return first_contacts(name, &sa, atol(argv[4]), argc - 5, argv + 5);
	}
	if ((!tcp && !send_case && strcmp(name, "udp_connect")) || argc < 7 || ncg > MAX_CGROUPS ||
	    inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: sgbench tcp_connect|udp_connect|udp_send <ipv4> <port> <batch-size> <batches> <cgroup-dir>... (at most %d)\n", MAX_CGROUPS);
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[3]));
	batch = atol(argv[4]);
	batches = atol(argv[5]);
	if (batch <= 0 || batches <= 0 || batches > MAX_BATCHES) {
		fprintf(stderr, "sgbench: batch-size must be > 0 and batches 1..%d\n", MAX_BATCHES);
		return 2;
	}
	if (tcp) {
		int one = 1;

		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd < 0)
			return report(name, batch, ncg, 0, errno);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (const struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096))
			return report(name, batch, ncg, 0, errno);
	}
	if (send_case) {
		/* a receiver outside the measured cgroups, never read: a full buffer drops quietly */
		lfd = socket(AF_INET, SOCK_DGRAM, 0);
		if (lfd < 0 || bind(lfd, (const struct sockaddr *)&sa, sizeof(sa)))
			return report(name, batch, ncg, 0, errno);
	}
	for (long b = 0; b < batches; b++) {
		for (int k = 0; k < ncg; k++) {
			int c = (int)((k + b) % ncg);
			long long timed = 0;
			int err = join_cgroup(argv[6 + c]);

			if (!err)
				err = tcp	  ? tcp_batch(lfd, &sa, batch, &timed)
				      : send_case ? udp_send_batch(&sa, batch, &timed)
						  : udp_batch(&sa, batch, &timed);
			if (err)
				return report(name, batch, ncg, b, err);
			results[c][b] = (double)timed / (double)batch;
		}
	}
	return report(name, batch, ncg, batches, 0);
}
