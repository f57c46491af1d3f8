// SPDX-License-Identifier: MIT
/*
 * Attacks on `sockgate run` from the supervised program, one mode per run; each prints
 * JSON lines, the last one the result.
 *   sgrun-attack steal HOST PORT      take sockgate run's seccomp listener (pidfd_getfd on
 *                                     the parent), stop the supervisor (SIGSTOP) and answer
 *                                     its own notifications CONTINUE, then socket()+connect()
 *   sgrun-attack prctl-notif          a USER_NOTIF filter of its own without a listener
 *                                     (prctl(PR_SET_SECCOMP)): socket() must fail (ENOSYS)
 *   sgrun-attack orphan DELAY_MS      a double-forked setsid grandchild outlives sockgate
 *                                     run and calls socket() after DELAY_MS
 *   sgrun-attack sendmmsg HOST P1 P2  one UDP sendmmsg to HOST:P1 and HOST:P2
 *   sgrun-attack flood N HOST PORT    N threads connect at once
 *   sgrun-attack listenswap PORT_OK PORT_BAD ITER
 *                                     listen(fd) while a thread dup2()s a socket bound to
 *                                     PORT_OK and one bound to PORT_BAD onto fd
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *en(int err) { return err ? strerrorname_np(err) : ""; }

static int parse(struct sockaddr_in *sa, const char *addr, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1;
}

static int connect_to(const struct sockaddr_in *sa, int *err)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	*err = 0;
	return fd;
}

/* --- steal --------------------------------------------------------------------------- */

static atomic_int answered;

static void *answer_all(void *arg)
{
	int listener = *(int *)arg;
	for (;;) {
		struct seccomp_notif n;
		struct seccomp_notif_resp r;
		memset(&n, 0, sizeof(n));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;
		}
		memset(&r, 0, sizeof(r));
		r.id = n.id;
		r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &r) == 0)
			atomic_fetch_add(&answered, 1);
	}
}

static int steal(const char *host, const char *port)
{
	struct sockaddr_in sa;
	pid_t parent = getppid();
	int pidfd, fd, listener = -1, firstErr = 0, err;
	pthread_t t;

	if (!parse(&sa, host, port))
		return 2;
	pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
	if (pidfd < 0) {
		printf("{\"stolen\":false,\"step\":\"pidfd_open\",\"err\":\"%s\"}\n", en(errno));
		return 0;
	}
	for (int target = 0; target < 1024 && listener < 0; target++) {
		char path[64], link[128];
		ssize_t n;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
		if (fd < 0) {
			if (firstErr == 0 && errno != EBADF)
				firstErr = errno;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			if (strstr(link, "seccomp notify") != NULL) {
				listener = fd;
				break;
			}
		}
		close(fd);
	}
	if (listener < 0) {
		printf("{\"stolen\":false,\"step\":\"pidfd_getfd\",\"err\":\"%s\"}\n", en(firstErr));
		return 0;
	}
	printf("{\"stolen\":true}\n");
	fflush(stdout);
	/* the supervisor stopped: only this thread receives the notifications */
	kill(parent, SIGSTOP);
	pthread_create(&t, NULL, answer_all, &listener);
	fd = connect_to(&sa, &err);
	kill(parent, SIGCONT);
	printf("{\"stolen\":true,\"connected\":%s,\"err\":\"%s\",\"answeredByUs\":%d}\n", fd >= 0 ? "true" : "false", en(err),
	       atomic_load(&answered));
	return 0;
}

/* --- prctl-notif ---------------------------------------------------------------------- */

static int prctl_notif(void)
{
	/* USER_NOTIF for socket() only: with no listener of its own, the kernel fails it (ENOSYS) */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { 4, f };
	int r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	int perr = r < 0 ? errno : 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int serr = s < 0 ? errno : 0;
	printf("{\"prctl\":%d,\"prctlErr\":\"%s\",\"socket\":%d,\"err\":\"%s\"}\n", r, en(perr), s, en(serr));
	return 0;
}

/* --- orphan ---------------------------------------------------------------------------- */

static int orphan(const char *delay)
{
	pid_t p = fork();
	if (p < 0)
		return 1;
	if (p > 0) {
		waitpid(p, NULL, 0);
		printf("{\"parent\":\"done\"}\n");
		return 0;
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	/* the grandchild: re-parented, in its own session; it outlives sockgate run */
	struct timespec ts = { atoi(delay) / 1000, (atoi(delay) % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int err = s < 0 ? errno : 0;
	printf("{\"orphan\":true,\"ppid\":%d,\"socket\":%d,\"err\":\"%s\"}\n", getppid(), s, en(err));
	fflush(stdout);
	return 0;
}

/* --- sendmmsg -------------------------------------------------------------------------- */

static int send_many(const char *host, const char *p1, const char *p2)
{
	struct sockaddr_in a, b;
	struct mmsghdr m[2];
	struct iovec iov = { "x", 1 };
	int fd, r;

	if (!parse(&a, host, p1) || !parse(&b, host, p2))
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		printf("{\"step\":\"socket\",\"err\":\"%s\"}\n", en(errno));
		return 0;
	}
	memset(m, 0, sizeof(m));
	m[0].msg_hdr = (struct msghdr){ .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &iov, .msg_iovlen = 1 };
	m[1].msg_hdr = (struct msghdr){ .msg_name = &b, .msg_namelen = sizeof(b), .msg_iov = &iov, .msg_iovlen = 1 };
	r = sendmmsg(fd, m, 2, 0);
	printf("{\"step\":\"sendmmsg\",\"result\":%d,\"err\":\"%s\"}\n", r, en(r < 0 ? errno : 0));
	return 0;
}

/* --- flood ----------------------------------------------------------------------------- */

static struct sockaddr_in flood_sa;
static atomic_int flood_ok, flood_eacces, flood_other, flood_go;
static atomic_int flood_otherErr;
static pthread_mutex_t flood_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flood_cv = PTHREAD_COND_INITIALIZER;

static void *flood_one(void *arg)
{
	int err, fd;
	(void)arg;
	/* wait asleep: a thousand spinning threads would starve everything else on the machine */
	pthread_mutex_lock(&flood_mu);
	while (!atomic_load(&flood_go))
		pthread_cond_wait(&flood_cv, &flood_mu);
	pthread_mutex_unlock(&flood_mu);
	fd = connect_to(&flood_sa, &err);
	if (fd >= 0) {
		atomic_fetch_add(&flood_ok, 1);
		close(fd);
	} else if (err == EACCES) {
		atomic_fetch_add(&flood_eacces, 1);
	} else {
		atomic_fetch_add(&flood_other, 1);
		atomic_store(&flood_otherErr, err);
	}
	return NULL;
}

static int flood(const char *count, const char *host, const char *port)
{
	int n = atoi(count), made = 0;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t attr;
	struct timespec t0, t1;

	if (!parse(&flood_sa, host, port))
		return 2;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, flood_one, NULL) == 0)
			made++;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&flood_mu);
	atomic_store(&flood_go, 1);
	pthread_cond_broadcast(&flood_cv);
	pthread_mutex_unlock(&flood_mu);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("{\"threads\":%d,\"ok\":%d,\"eacces\":%d,\"other\":%d,\"otherErr\":\"%s\",\"ms\":%ld}\n", made, atomic_load(&flood_ok),
	       atomic_load(&flood_eacces), atomic_load(&flood_other), en(atomic_load(&flood_otherErr)),
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
}

/* --- listenswap ------------------------------------------------------------------------ */

static atomic_int swap_stop;
static int swap_fd, swap_a, swap_b;

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&swap_stop, memory_order_relaxed)) {
		dup2(swap_a, swap_fd);
		dup2(swap_b, swap_fd);
	}
	return NULL;
}

/* A call on swap_fd while `swap` rewrites what it names from another thread; how it failed is counted. */
struct swap_tally {
	int eacces, other, otherErr;
};

static void swapped_call(void *(*swap)(void *), int (*call)(void), struct swap_tally *tally)
{
	pthread_t t;

	atomic_store(&swap_stop, 0);
	pthread_create(&t, NULL, swap, NULL);
	int r = call();
	int err = r < 0 ? errno : 0;
	atomic_store(&swap_stop, 1);
	pthread_join(t, NULL);
	if (r != 0 && err == EACCES) {
		tally->eacces++;
	} else if (r != 0) {
		tally->other++;
		tally->otherErr = err;
	}
}

static int listen_swapped(void)
{
	return listen(swap_fd, 1);
}

static int bound(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr = { htonl(INADDR_LOOPBACK) } };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

static int listening(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	return v;
}

static int listenswap(const char *okPort, const char *badPort, const char *iterations)
{
	int ok = atoi(okPort), bad = atoi(badPort), n = atoi(iterations);
	int listenedOk = 0, listenedBad = 0;
	struct swap_tally tally = { 0 };

	for (int i = 0; i < n; i++) {
		swap_a = bound(ok);
		swap_b = bound(bad);
		if (swap_a < 0 || swap_b < 0) {
			tally.other++;
			tally.otherErr = errno;
			if (swap_a >= 0)
				close(swap_a);
			if (swap_b >= 0)
				close(swap_b);
			continue;
		}
		swap_fd = dup(swap_a);
		swapped_call(swapper, listen_swapped, &tally);
		/* which socket listens, whatever fd the call used */
		if (listening(swap_a))
			listenedOk++;
		if (listening(swap_b))
			listenedBad++;
		close(swap_fd);
		close(swap_a);
		close(swap_b);
	}
	printf("{\"listenedOk\":%d,\"listenedBad\":%d,\"eacces\":%d,\"other\":%d,\"otherErr\":\"%s\",\"okPort\":%d,\"badPort\":%d}\n", listenedOk,
	       listenedBad, tally.eacces, tally.other, en(tally.otherErr), ok, bad);
	(void)port_of;
	return 0;
}

/* --- bindswap ------------------------------------------------------------------------- */

static struct sockaddr_in bind_sa;
static int bind_ok_port, bind_bad_port;

static int bind_swapped(void)
{
	return bind(swap_fd, (struct sockaddr *)&bind_sa, sizeof(bind_sa));
}

/* swaps the fd between two sockets and the sockaddr's port between the checked and another */
static void *bind_swapper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&swap_stop, memory_order_relaxed)) {
		dup2(swap_b, swap_fd);
		bind_sa.sin_port = htons((unsigned short)bind_bad_port);
		dup2(swap_a, swap_fd);
		bind_sa.sin_port = htons((unsigned short)bind_ok_port);
	}
	return NULL;
}

static int bindswap(const char *okPort, const char *badPort, const char *iterations)
{
	int n = atoi(iterations);
	int boundOk = 0, boundBad = 0, boundBoth = 0;
	struct swap_tally tally = { 0 };

	bind_ok_port = atoi(okPort);
	bind_bad_port = atoi(badPort);
	for (int i = 0; i < n; i++) {
		int one = 1;
		swap_a = socket(AF_INET, SOCK_STREAM, 0);
		swap_b = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(swap_a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(swap_b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		swap_fd = dup(swap_a);
		bind_sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((unsigned short)bind_ok_port),
						.sin_addr = { htonl(INADDR_LOOPBACK) } };
		swapped_call(bind_swapper, bind_swapped, &tally);
		/* what the kernel bound, whatever fd and sockaddr the call used: one socket (the one
		 * the fd named when checked) at most, to the port checked */
		int pa = port_of(swap_a), pb = port_of(swap_b);
		if (pa == bind_ok_port || pb == bind_ok_port)
			boundOk++;
		if (pa == bind_bad_port || pb == bind_bad_port)
			boundBad++;
		if (pa > 0 && pb > 0)
			boundBoth++;
		close(swap_fd);
		close(swap_a);
		close(swap_b);
	}
	printf("{\"boundOk\":%d,\"boundBad\":%d,\"boundBoth\":%d,\"eacces\":%d,\"other\":%d,\"otherErr\":\"%s\"}\n", boundOk,
	       boundBad, boundBoth, tally.eacces, tally.other, en(tally.otherErr));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "steal") && argc == 4)
		return steal(argv[2], argv[3]);
	if (!strcmp(mode, "prctl-notif"))
		return prctl_notif();
	if (!strcmp(mode, "orphan") && argc == 3)
		return orphan(argv[2]);
	if (!strcmp(mode, "sendmmsg") && argc == 5)
		return send_many(argv[2], argv[3], argv[4]);
	if (!strcmp(mode, "flood") && argc == 5)
		return flood(argv[2], argv[3], argv[4]);
	if (!strcmp(mode, "listenswap") && argc == 5)
		return listenswap(argv[2], argv[3], argv[4]);
	if (!strcmp(mode, "bindswap") && argc == 5)
		return bindswap(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: %s steal HOST PORT | prctl-notif | orphan DELAY_MS | sendmmsg HOST P1 P2 | flood N HOST PORT | listenswap OK BAD N | bindswap OK BAD N\n",
		argv[0]);
	return 2;
}
