// SPDX-License-Identifier: GPL-2.0-only
/*
 * sgclient: one process, one socket call, one JSON line on stdout.
 *
 * The kernel tests run it inside a test cgroup and network namespace so that the
 * shim sees a real process with a real executable identity, and the errno printed
 * is exactly what the program would see.
 *
 *   sgclient socket  tcp4|tcp6|udp4|udp6|icmp4|icmp6     (icmp: ping sockets)
 *   sgclient bind    <p> <addr> <port>
 *   sgclient connect <p> <addr> <port> [--timeout-ms N]
 *   sgclient fastopen tcp4|tcp6 <addr> <port>             (sendto with MSG_FASTOPEN: connects)
 *   sgclient sendto  udp4|udp6 <addr> <port>
 *   sgclient listen  tcp4|tcp6 <addr> <port> [--accept-one] [--accept-timeout-ms N]
 *   sgclient serve   tcp4|tcp6|udp4|udp6 <addr> <port>       (peer-side server, runs until killed)
 *
 * Output: {"ok":true|false,"errno":N,"err":"EACCES","step":"connect","pid":N,...}
 * listen and serve print "ready\n" on stderr once the socket is listening, so the
 * test knows when to start the other side; listen's JSON line comes at the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct target {
	int family;
	int type;
	int protocol;
	struct sockaddr_storage sa;
	socklen_t salen;
};

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EINVAL: return "EINVAL";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EINPROGRESS: return "EINPROGRESS";
	case EAGAIN: return "EAGAIN";
	default: return "E?";
	}
}

static void print_result(const char *step, int err, const char *extra)
{
	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"%s\",\"pid\":%d%s%s}\n",
	       err ? "false" : "true", err, errno_name(err), step, (int)getpid(),
	       extra && *extra ? "," : "", extra ? extra : "");
	fflush(stdout);
}

static int fail(const char *step, int err)
{
	print_result(step, err, NULL);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: sgclient socket|bind|connect|fastopen|sendto|listen|serve <tcp4|tcp6|udp4|udp6|icmp4|icmp6> [addr port] [options]\n");
	return 2;
}

static int parse_proto(const char *p, struct target *t)
{
	size_t n = strlen(p);

	if (n < 4)
		return -1;
	t->family = p[n - 1] == '4' ? AF_INET : p[n - 1] == '6' ? AF_INET6 : 0;
	if (!t->family)
		return -1;
	if (!strncmp(p, "tcp", n - 1) && n == 4) {
		t->type = SOCK_STREAM;
	} else if (!strncmp(p, "udp", n - 1) && n == 4) {
		t->type = SOCK_DGRAM;
	} else if (!strncmp(p, "icmp", n - 1) && n == 5) {
		t->type = SOCK_DGRAM;
		t->protocol = t->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	} else {
		return -1;
	}
	return 0;
}

static int parse_addr(const char *addr, const char *port, struct target *t)
{
	char *end;
	long p = strtol(port, &end, 10);

	if (*end || p < 0 || p > 65535)
		return -1;
	memset(&t->sa, 0, sizeof(t->sa));
	if (t->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&t->sa;

		s->sin_family = AF_INET;
		s->sin_port = htons((unsigned short)p);
		if (inet_pton(AF_INET, addr, &s->sin_addr) != 1)
			return -1;
		t->salen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&t->sa;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((unsigned short)p);
		if (inet_pton(AF_INET6, addr, &s->sin6_addr) != 1)
			return -1;
		t->salen = sizeof(*s);
	}
	return 0;
}

static long opt_long(int argc, char **argv, const char *name, long dflt)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtol(argv[i + 1], NULL, 10);
	return dflt;
}

static int has_flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

static int open_socket(const struct target *t)
{
	int fd = socket(t->family, t->type, t->protocol);

	if (fd >= 0 && t->family == AF_INET6 && !t->protocol) {
		int off = 0; /* dual stack, so v4-mapped addresses work whatever bindv6only says */

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	return fd;
}

static void sockname_json(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "";
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
			port = ntohs(s->sin_port);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
			port = ntohs(s->sin6_port);
		}
	}
	snprintf(out, outlen, "\"localAddr\":\"%s\",\"localPort\":%d", host, port);
}

/* Non-blocking connect bounded by a timeout, so a dropped SYN shows up as ETIMEDOUT quickly. */
static int connect_timeout(int fd, const struct target *t, long timeout_ms)
{
	int flags = fcntl(fd, F_GETFL, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t errlen = sizeof(err);
	int n;

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)&t->sa, t->salen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	n = poll(&pfd, 1, (int)timeout_ms);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		return errno;
	return err;
}

static int do_connect(const struct target *t, long timeout_ms)
{
	char extra[128];
	int fd = open_socket(t);
	int err;

	if (fd < 0)
		return fail("socket", errno);
	if (t->type == SOCK_STREAM) {
		err = connect_timeout(fd, t, timeout_ms);
	} else {
		err = connect(fd, (const struct sockaddr *)&t->sa, t->salen) ? errno : 0;
	}
	if (err)
		return fail("connect", err);
	sockname_json(fd, extra, sizeof(extra));
	print_result("connect", 0, extra);
	close(fd);
	return 0;
}

static int do_bind(const struct target *t)
{
	char extra[128];
	int fd = open_socket(t);

	if (fd < 0)
		return fail("socket", errno);
	if (bind(fd, (const struct sockaddr *)&t->sa, t->salen))
		return fail("bind", errno);
	sockname_json(fd, extra, sizeof(extra));
	print_result("bind", 0, extra);
	return 0;
}

static int do_sendto(const struct target *t)
{
	static const char payload[] = "sockgate-test";
	int fd = open_socket(t);

	if (fd < 0)
		return fail("socket", errno);
	if (sendto(fd, payload, sizeof(payload), 0, (const struct sockaddr *)&t->sa, t->salen) < 0)
		return fail("sendto", errno);
	print_result("sendto", 0, NULL);
	return 0;
}

/* TCP Fast Open: the connect happens inside sendto(), and runs the connect hook there. */
static int do_fastopen(const struct target *t)
{
	static const char payload[] = "sockgate-tfo";
	char extra[128];
	int fd = open_socket(t);

	if (fd < 0)
		return fail("socket", errno);
	if (sendto(fd, payload, sizeof(payload), MSG_FASTOPEN, (const struct sockaddr *)&t->sa, t->salen) < 0)
		return fail("sendto", errno);
	sockname_json(fd, extra, sizeof(extra));
	print_result("sendto", 0, extra);
	close(fd);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int do_listen(const struct target *t, int accept_one, long accept_timeout_ms)
{
	int one = 1;
	int fd = open_socket(t);
	char extra[256];
	char peer[INET6_ADDRSTRLEN] = "";
	int accepted = 0;

	if (fd < 0)
		return fail("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&t->sa, t->salen))
		return fail("bind", errno);
	if (listen(fd, 16))
		return fail("listen", errno);
	fprintf(stderr, "ready\n");
	fflush(stderr);
	if (accept_one) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long deadline = now_ms() + accept_timeout_ms;
		long left;

		while ((left = deadline - now_ms()) > 0) {
			int n = poll(&pfd, 1, (int)left);

			if (n > 0) {
				struct sockaddr_storage ss;
				socklen_t len = sizeof(ss);
				int c = accept(fd, (struct sockaddr *)&ss, &len);

				if (c >= 0) {
					accepted = 1;
					if (ss.ss_family == AF_INET)
						inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer, sizeof(peer));
					else
						inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, peer, sizeof(peer));
					close(c);
				}
				break;
			}
			if (n < 0 && errno != EINTR)
				return fail("poll", errno);
		}
	}
	sockname_json(fd, extra, sizeof(extra));
	snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ",\"accepted\":%s,\"peer\":\"%s\"",
		 accepted ? "true" : "false", peer);
	print_result("listen", 0, extra);
	close(fd);
	return 0;
}

/* Peer-side server: accepts and closes (TCP) or reads and drops (UDP) until killed. */
static int do_serve(const struct target *t)
{
	int one = 1;
	int fd = open_socket(t);
	char buf[2048];

	if (fd < 0)
		return fail("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&t->sa, t->salen))
		return fail("bind", errno);
	if (t->type == SOCK_STREAM && listen(fd, 128))
		return fail("listen", errno);
	fprintf(stderr, "ready\n");
	fflush(stderr);
	for (;;) {
		if (t->type == SOCK_STREAM) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				close(c);
		} else {
			if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
				return fail("recv", errno);
		}
	}
}

int main(int argc, char **argv)
{
	struct target t = { 0 };
	const char *op;

	if (argc < 3)
		return usage();
	op = argv[1];
	if (parse_proto(argv[2], &t))
		return usage();
	if (!strcmp(op, "socket")) {
		int fd = socket(t.family, t.type, t.protocol);

		if (fd < 0)
			return fail("socket", errno);
		print_result("socket", 0, NULL);
		return 0;
	}
	if (argc < 5 || parse_addr(argv[3], argv[4], &t))
		return usage();
	if (!strcmp(op, "bind"))
		return do_bind(&t);
	if (!strcmp(op, "connect"))
		return do_connect(&t, opt_long(argc, argv, "--timeout-ms", 3000));
	if (!strcmp(op, "fastopen") && t.type == SOCK_STREAM)
		return do_fastopen(&t);
	if (!strcmp(op, "sendto") && t.type == SOCK_DGRAM)
		return do_sendto(&t);
	if (!strcmp(op, "listen") && t.type == SOCK_STREAM)
		return do_listen(&t, has_flag(argc, argv, "--accept-one"),
				 opt_long(argc, argv, "--accept-timeout-ms", 3000));
	if (!strcmp(op, "serve"))
		return do_serve(&t);
	return usage();
}
