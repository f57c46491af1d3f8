// Starting the command under the filter: fork, no_new_privs, the filter with a listener,
// the listener handed to the parent, then execve once the parent says go.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "seccomp-filter.h"

namespace sgrun {

struct SpawnRequest {
  std::string file;  // an absolute path: PATH was searched before the fork
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  FilterOptions filter;
};

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;       // the child, for waiting and signals without pid reuse
  int listenerFd = -1;  // the seccomp listener, fetched from the child with pidfd_getfd
  int controlFd = -1;   // Go() writes here; execve closes the child's end
  bool killableWait = false;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV was accepted (5.19+)
};

/** Test hook: with SOCKGATE_RUN_TEST_INTERRUPTIBLE_WAIT=1 in sockgate run's environment the
 *  filter is installed without SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, as on kernels before
 *  5.19, so the tests can run that mode here: a caught signal interrupts a held call, which
 *  restarts (or fails with EINTR) and is asked again as a new notification. Both modes hold
 *  and decide every trapped call; the hook only picks the older one, never a weaker filter. */
constexpr const char* kInterruptibleWaitEnv = "SOCKGATE_RUN_TEST_INTERRUPTIBLE_WAIT";
bool InterruptibleWaitForTests();

/** Throws std::system_error naming the step that failed; the child is gone then. */
Spawned Spawn(const SpawnRequest& request);

/** Lets the child exec; returns 0 once execve succeeded, or the errno it failed with. */
int Go(Spawned& child);

}  // namespace sgrun
