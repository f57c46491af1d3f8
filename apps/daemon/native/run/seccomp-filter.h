// The classic-BPF seccomp filter `sockgate run` installs in the child before exec.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace sgrun {

struct FilterOptions {
  /** io_uring_setup/enter/register fail with EPERM (the io_uring_disabled sysctl's answer). */
  bool noIoUring = false;
};

/**
 * What it does, in order:
 * - a foreign ABI (i386 int 0x80, x32 numbers, arm32 compat) kills the process: socketcall
 *   and the 32-bit socket calls would otherwise pass untrapped;
 * - socket() for AF_INET, AF_INET6 and AF_PACKET, and every bind, connect, listen, accept,
 *   accept4, sendmsg and sendmmsg, and sendto with an address, go to the supervisor;
 * - execve/execveat go to the supervisor (it forgets the process's cached verdicts);
 * - prctl(PR_SET_MM) fails with EPERM: it is how a process replaces /proc/PID/exe, which
 *   the daemon reads as the program's identity;
 * - seccomp(SET_MODE_FILTER) with NEW_LISTENER fails with EPERM: a listener of the
 *   program's own would receive its calls instead of the supervisor once this one is gone;
 * - with noIoUring, the io_uring calls fail with EPERM;
 * - everything else is allowed.
 */
std::vector<sock_filter> BuildFilter(const FilterOptions& options);

}  // namespace sgrun
