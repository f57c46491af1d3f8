// Thin wrappers for the system calls glibc 2.36 (Debian 12) does not wrap, and the
// seccomp and pidfd constants its headers (Linux 6.1) lack. Nothing here allocates, so
// the spawn path may use them between fork() and execve().
#pragma once

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD 00000200 /* O_EXCL: a pidfd for this thread, not its process (6.9) */
#endif
#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

namespace sgrun {

inline int sys_seccomp(unsigned op, unsigned flags, void* args) { return static_cast<int>(syscall(__NR_seccomp, op, flags, args)); }
inline int pidfd_open(pid_t pid, unsigned flags) { return static_cast<int>(syscall(__NR_pidfd_open, pid, flags)); }
inline int pidfd_getfd(int pidfd, int fd) { return static_cast<int>(syscall(__NR_pidfd_getfd, pidfd, fd, 0)); }
inline int pidfd_send_signal(int pidfd, int sig) { return static_cast<int>(syscall(__NR_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

}  // namespace sgrun
