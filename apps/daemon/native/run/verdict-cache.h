// Verdicts the supervisor may give again without asking: per process (thread group), per
// call key, until a deadline or until the rules change (Flush). A process that execs
// starts empty (ForgetProcess); a reused tgid is a new process because its entries carry
// the epoch of the process they were made for.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "socket-call.h"

namespace sgrun {

class VerdictCache {
 public:
  enum class Hit { kMiss, kAllow, kDeny };
  /** `epoch` names the process instance (TaskTable gives a new one to a new process). */
  Hit Lookup(pid_t tgid, uint64_t epoch, const CallKey& key, int64_t nowMs) const;
  /** untilMs 0: until Flush. */
  void Remember(pid_t tgid, uint64_t epoch, const CallKey& key, bool allow, int64_t untilMs);
  void ForgetProcess(pid_t tgid);
  void Flush();
  bool ListenerAllowed(uint64_t cookie) const { return listeners_.count(cookie) != 0; }
  void AllowListener(uint64_t cookie);
  size_t Size() const { return size_; }

 private:
  struct Entry {
    bool allow;
    int64_t untilMs;
  };
  struct Process {
    uint64_t epoch = 0;
    std::unordered_map<CallKey, Entry, CallKeyHash> calls;
  };
  std::unordered_map<pid_t, Process> processes_;
  // Listeners whose listen() (or first accept) was allowed: accept() on them proceeds, and
  // each peer is decided by the kernel's inbound hold.
  std::unordered_set<uint64_t> listeners_;
  size_t size_ = 0;
};

}  // namespace sgrun
