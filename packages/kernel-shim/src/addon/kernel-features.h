// What the running kernel offers the shim, probed before the object is loaded: features it
// cannot work without fail the load with a sentence naming them; optional ones are reported
// so the daemon can say what it does without them.
#pragma once
#include <string>

namespace sg {

// Throws StepError (code SG_ERR_KERNEL_FEATURE) naming the first required feature missing.
void RequireKernelFeatures();

struct OptionalFeature {
  bool active;
  std::string reason;  // empty when active
};

// bpf_sock_destroy (6.5): ends sockets whose permission ended; without it they live on
// until closed (new calls are still refused).
OptionalFeature SocketEndFeature();

// bpf_task_from_pid in sockops and sock_addr programs: a bind() or listen() sockgate run's
// supervisor performs for a supervised thread is that thread's. Without it the supervised
// thread's call continues after the check (a descriptor or sockaddr swapped meanwhile is
// then caught only by the hooks, not at the system call).
OptionalFeature DelegationFeature();

}  // namespace sg
