// SPDX-License-Identifier: GPL-2.0-only
/*
 * sghold: the client side of the hold tests. One process, one JSON line on stdout, with
 * how long each call waited, so a test can tell a held call from an answered one.
 *
 *   sghold connect tcp4|tcp6 <addr> <port> [--nonblock] [--timeout-ms N] [--hold-open-ms N] [--again]
 *       Blocking connect() (SO_SNDTIMEO bounds it), or non-blocking: connect() must say
 *       EINPROGRESS ("firstErr"), then poll() waits. --hold-open-ms keeps a connected socket
 *       open and reports how it ended ("endErr", "endAfterMs": ECONNABORTED when the shim
 *       destroyed it). --again makes a second attempt on a new socket ("againErr").
 *   sghold sendto udp4|udp6 <addr> <port> [<addr2> <port2>] [--timeout-ms N] [--again]
 *       One unconnected socket: a datagram to each destination in turn, each waiting for the
 *       echo ("sends": [{errno, err, replied, elapsedMs}]); --again sends once more to each
 *       ("again": [errno...]).
 *   sghold udpconnect udp4|udp6 <addr> <port> [--send-after-ms N] [--timeout-ms N] [--flood-ms N]
 *       connect() a UDP socket (its flow is held: no packet yet), wait, then send() one
 *       datagram and wait for its echo ({"replied":...}): an answer that came before the
 *       packet must still decide it. --flood-ms: meanwhile a second thread send()s "leak"
 *       datagrams without pause for N ms or until send() fails ("floodSent": how many the
 *       kernel took), so a moment in which the socket's packets are neither queued nor
 *       refused is found.
 *   sghold echo udp4|udp6 <addr> <port> [--log]
 *       Peer-side UDP echo server; prints "ready" on stderr. --log: one line on stdout per
 *       datagram, its first 4 bytes.
 *   sghold keep tcp4|tcp6 <addr> <port>
 *       Peer-side TCP server that accepts and keeps every connection open, silent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNABORTED: return "ECONNABORTED";
	case ECONNRESET: return "ECONNRESET";
	case EINPROGRESS: return "EINPROGRESS";
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case ENOTCONN: return "ENOTCONN";
	default: return "E?";
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], flag))
			return 1;
	return 0;
}

static long opt_long(int argc, char **argv, const char *name, long dflt)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtol(argv[i + 1], NULL, 10);
	return dflt;
}

static int parse_addr(int family, const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((unsigned short)atoi(port));
		*len = sizeof(*s);
		return inet_pton(AF_INET, host, &s->sin_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

	s->sin6_family = AF_INET6;
	s->sin6_port = htons((unsigned short)atoi(port));
	*len = sizeof(*s);
	return inet_pton(AF_INET6, host, &s->sin6_addr) == 1 ? 0 : -1;
}

static int family_of(const char *p)
{
	return p[3] == '6' ? AF_INET6 : AF_INET;
}

/* One TCP connect attempt; *first is connect()'s own errno for a non-blocking socket. */
static int connect_once(int family, struct sockaddr_storage *ss, socklen_t len, int nonblock, long timeout_ms,
			int *first, int *fd_out)
{
	int fd = socket(family, SOCK_STREAM, 0);
	int err = 0;
	socklen_t errlen = sizeof(err);

	*first = 0;
	*fd_out = -1;
	if (fd < 0)
		return errno;
	if (!nonblock) {
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)ss, len) != 0) {
			err = errno == EINPROGRESS ? ETIMEDOUT : errno; /* SO_SNDTIMEO expiry reports EINPROGRESS */
			close(fd);
			return err;
		}
		*fd_out = fd;
		return 0;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)ss, len) == 0) {
		*fd_out = fd;
		return 0;
	}
	*first = errno;
	if (errno != EINPROGRESS) {
		close(fd);
		return *first;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n = poll(&pfd, 1, (int)timeout_ms);

	if (n == 0) {
		close(fd);
		return ETIMEDOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		err = errno;
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/* Keeps a connection open (reading; the peer sends nothing) until it ends or ms pass. */
static int hold_open(int fd, long ms, long *after)
{
	long start = now_ms();
	char buf[64];

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
	while (now_ms() - start < ms) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			*after = now_ms() - start;
			if (n < 0 && errno != EAGAIN)
				return errno;
			if (n == 0) {
				int err = 0;
				socklen_t l = sizeof(err);

				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
				return err ? err : EPIPE;
			}
		}
	}
	*after = now_ms() - start;
	return 0;
}

static int do_connect(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = family_of(argv[2]);
	int nonblock = has_flag(argc, argv, "--nonblock");
	long timeout = opt_long(argc, argv, "--timeout-ms", 10000);
	long hold = opt_long(argc, argv, "--hold-open-ms", 0);
	int first, fd, err, again = -1, end = -1;
	long start, elapsed, end_after = 0;

	if (parse_addr(family, argv[3], argv[4], &ss, &len))
		return 2;
	start = now_ms();
	err = connect_once(family, &ss, len, nonblock, timeout, &first, &fd);
	elapsed = now_ms() - start;
	if (!err && hold > 0)
		end = hold_open(fd, hold, &end_after);
	if (fd >= 0)
		close(fd);
	if (has_flag(argc, argv, "--again")) {
		int f2, fd2;

		again = connect_once(family, &ss, len, nonblock, timeout, &f2, &fd2);
		if (fd2 >= 0)
			close(fd2);
	}
	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"connect\",\"pid\":%d,\"elapsedMs\":%ld,\"firstErr\":\"%s\"",
	       err ? "false" : "true", err, errno_name(err), (int)getpid(), elapsed, errno_name(first));
	if (end >= 0)
		printf(",\"endErr\":\"%s\",\"endAfterMs\":%ld", errno_name(end), end_after);
	if (again >= 0)
		printf(",\"againErr\":\"%s\"", errno_name(again));
	printf("}\n");
	return 0;
}

/* sendto, then wait for the echo; the errno of sendto itself or ETIMEDOUT without a reply. */
static int send_and_wait(int fd, struct sockaddr_storage *ss, socklen_t len, long timeout, int *replied)
{
	static const char payload[] = "sockgate-hold";
	char buf[64];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long start = now_ms();

	*replied = 0;
	if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)ss, len) < 0)
		return errno;
	while (now_ms() - start < timeout) {
		if (poll(&pfd, 1, (int)(timeout - (now_ms() - start))) > 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
			*replied = 1;
			return 0;
		}
	}
	return ETIMEDOUT;
}

static int do_sendto(int argc, char **argv)
{
	struct sockaddr_storage ss[2];
	socklen_t len[2];
	int family = family_of(argv[2]);
	int n = argc >= 7 && argv[5][0] != '-' ? 2 : 1;
	long timeout = opt_long(argc, argv, "--timeout-ms", 10000);
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		return 1;
	if (parse_addr(family, argv[3], argv[4], &ss[0], &len[0]) || (n == 2 && parse_addr(family, argv[5], argv[6], &ss[1], &len[1])))
		return 2;
	printf("{\"ok\":true,\"errno\":0,\"err\":\"\",\"step\":\"sendto\",\"pid\":%d,\"sends\":[", (int)getpid());
	for (int i = 0; i < n; i++) {
		int replied;
		long start = now_ms();
		int err = send_and_wait(fd, &ss[i], len[i], timeout, &replied);

		printf("%s{\"errno\":%d,\"err\":\"%s\",\"replied\":%s,\"elapsedMs\":%ld}", i ? "," : "", err, errno_name(err),
		       replied ? "true" : "false", now_ms() - start);
		fflush(stdout);
	}
	printf("]");
	if (has_flag(argc, argv, "--again")) {
		printf(",\"again\":[");
		for (int i = 0; i < n; i++) {
			static const char payload[] = "again";
			int err = sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&ss[i], len[i]) < 0 ? errno : 0;

			printf("%s\"%s\"", i ? "," : "", errno_name(err));
		}
		printf("]");
	}
	printf("}\n");
	return 0;
}

struct flood {
	int fd;
	long ms;
	long sent;
};

static void *flood_run(void *arg)
{
	struct flood *f = arg;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (send(f->fd, "leak", 4, 0) >= 0)
			f->sent++;
		else if (errno != ENOBUFS && errno != EAGAIN) /* a full queue is not the end */
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= f->ms)
			break;
	}
	return NULL;
}

static int do_udpconnect(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = family_of(argv[2]);
	long wait = opt_long(argc, argv, "--send-after-ms", 0);
	long timeout = opt_long(argc, argv, "--timeout-ms", 3000);
	int fd = socket(family, SOCK_DGRAM, 0), err = 0, replied = 0;
	struct flood fl = { .fd = fd, .ms = opt_long(argc, argv, "--flood-ms", 0) };
	pthread_t flooder;
	int flooding = 0;
	char buf[64];

	if (fd < 0 || parse_addr(family, argv[3], argv[4], &ss, &len))
		return 2;
	if (connect(fd, (struct sockaddr *)&ss, len))
		err = errno;
	if (!err) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		usleep((useconds_t)wait * 1000);
		if (send(fd, "held", 4, 0) < 0)
			err = errno;
		else {
			flooding = fl.ms > 0 && pthread_create(&flooder, NULL, flood_run, &fl) == 0;
			/* not a blocking recv: the wakeup may be the error of a socket ended by its
			 * deny, which the flood thread's send() can take first (then recv waits forever) */
			if (poll(&pfd, 1, (int)timeout) > 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				replied = 1;
		}
	}
	if (flooding)
		pthread_join(flooder, NULL);
	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"udpconnect\",\"pid\":%d,\"replied\":%s,\"floodSent\":%ld}\n",
	       err ? "false" : "true", err, errno_name(err), (int)getpid(), replied ? "true" : "false", fl.sent);
	return 0;
}

static int do_echo(int argc, char **argv)
{
	int log = has_flag(argc, argv, "--log");
	struct sockaddr_storage ss, from;
	socklen_t len, flen;
	int family = family_of(argv[2]);
	int fd = socket(family, SOCK_DGRAM, 0);
	char buf[2048];

	if (fd < 0 || parse_addr(family, argv[3], argv[4], &ss, &len) || bind(fd, (struct sockaddr *)&ss, len))
		return 1;
	fprintf(stderr, "ready\n");
	fflush(stderr);
	for (;;) {
		flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n > 0 && log) {
			printf("%.4s\n", buf);
			fflush(stdout);
		}
		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
}

static int do_keep(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = family_of(argv[2]);
	int one = 1;
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || parse_addr(family, argv[3], argv[4], &ss, &len))
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		return 1;
	fprintf(stderr, "ready\n");
	fflush(stderr);
	for (;;)
		accept(fd, NULL, NULL); /* never closed: the connection stays until the peer or the shim ends it */
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: sghold connect|sendto|echo <tcp4|tcp6|udp4|udp6> <addr> <port> [options]\n");
		return 2;
	}
	if (!strcmp(argv[1], "connect"))
		return do_connect(argc, argv);
	if (!strcmp(argv[1], "sendto"))
		return do_sendto(argc, argv);
	if (!strcmp(argv[1], "echo"))
		return do_echo(argc, argv);
	if (!strcmp(argv[1], "udpconnect"))
		return do_udpconnect(argc, argv);
	if (!strcmp(argv[1], "keep"))
		return do_keep(argv);
	return 2;
}
