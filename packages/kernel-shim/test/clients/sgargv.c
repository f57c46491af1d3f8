// SPDX-License-Identifier: MIT
/*
 * Rewrites its own argv in memory (what /proc/PID/cmdline shows) before it connects, the
 * way a process can pose as another command line after exec:
 *   sgargv FAKE tcp4|tcp6 ADDR PORT  ->  {"ok","errno","err","step","pid","cmdline"}
 * FAKE replaces the start of the argv area (up to its length).
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
#include <unistd.h>

int main(int argc, char **argv)
{
	char addr[64], cmdline[256] = "";
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, port, n;

	if (argc != 5) {
		fprintf(stderr, "usage: %s FAKE tcp4|tcp6 ADDR PORT\n", argv[0]);
		return 2;
	}
	port = atoi(argv[4]);
	snprintf(addr, sizeof(addr), "%s", argv[3]);
	int v4 = strcmp(argv[2], "tcp4") == 0;
	/* the argv strings are contiguous: overwrite them all with FAKE, NUL padded */
	char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
	size_t room = (size_t)(end - start), fake = strlen(argv[1]);
	char copy[256];

	snprintf(copy, sizeof(copy), "%s", argv[1]);
	memset(start, 0, room);
	memcpy(start, copy, fake < room ? fake : room);

	fd = open("/proc/self/cmdline", O_RDONLY);
	n = fd >= 0 ? (int)read(fd, cmdline, sizeof(cmdline) - 1) : 0;
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < n; i++)
		if (cmdline[i] == 0 || cmdline[i] == '"' || cmdline[i] == '\\')
			cmdline[i] = ' ';
	cmdline[n > 0 ? n : 0] = 0;
	for (int i = n - 1; i >= 0 && cmdline[i] == ' '; i--)
		cmdline[i] = 0;

	if (v4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) == 0;
	int err = ok ? 0 : errno;

	printf("{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"connect\",\"pid\":%d,\"cmdline\":\"%s\"}\n",
	       ok ? "true" : "false", err, err ? strerrorname_np(err) : "", getpid(), cmdline);
	return ok ? 0 : 1;
}
