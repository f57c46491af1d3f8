// SPDX-License-Identifier: MIT
/*
 * System calls `sockgate run` must not let through unsupervised. One mode per run:
 *   sgrun-abi int80     socketcall(SYS_SOCKET) through the i386 entry (int $0x80): killed (SIGSYS)
 *   sgrun-abi x32       getpid with the x32 bit: killed (SIGSYS)
 *   sgrun-abi listener  a seccomp listener of its own: {"errno"} (EPERM: refused)
 *   sgrun-abi packet    socket(AF_PACKET): {"errno"} (EACCES: refused without asking)
 *   sgrun-abi setmm     prctl(PR_SET_MM, PR_SET_MM_EXE_FILE): {"errno"} (EPERM)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(int r)
{
	int err = r < 0 ? errno : 0;
	printf("{\"result\":%d,\"errno\":%d,\"err\":\"%s\"}\n", r, err, err ? strerrorname_np(err) : "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "int80")) {
#if defined(__x86_64__)
		long args[3] = { AF_INET, SOCK_STREAM, 0 };
		long ret;
		/* i386 socketcall(SYS_SOCKET=1, args): the pointer must be below 4 GiB for the 32-bit ABI,
		 * but the filter decides on the ABI before any argument is read */
		/* the 64-bit kernel zeroes r8-r11 on the way back from int $0x80 */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(1), "c"((long)args) : "memory", "r8", "r9", "r10", "r11");
		printf("{\"result\":%ld}\n", ret);
#endif
		return 0;
	}
	if (!strcmp(mode, "x32")) {
		printf("{\"result\":%ld}\n", syscall(0x40000000 | __NR_getpid));
		return 0;
	}
	if (!strcmp(mode, "listener")) {
		struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF) };
		struct sock_fprog prog = { 1, f };
		return report((int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
	}
	if (!strcmp(mode, "packet"))
		return report(socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(mode, "setmm"))
		return report(prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, 0, 0, 0));
	fprintf(stderr, "usage: %s int80|x32|listener|packet|setmm\n", argv[0]);
	return 2;
}
