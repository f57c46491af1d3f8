// Reading a trapped call's target: its threads (pidfds, thread group), its memory
// (process_vm_readv) and its sockets (pidfd_getfd, then getsockopt on the copy).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "socket-call.h"

namespace sgrun {

/** The threads the supervisor has seen: a pidfd each (so a reused tid is noticed) and their thread group. */
class TaskTable {
 public:
  struct Task {
    int pidfd = -1;
    pid_t tgid = 0;
    /** Names the process instance: a reused tgid gets a new epoch. */
    uint64_t epoch = 0;
  };
  ~TaskTable();
  /** The task now running as `tid`; nullptr when it is gone. */
  const Task* Get(pid_t tid);
  /** Forgets everything (the pidfds are closed). */
  void Clear();
  size_t Size() const { return tasks_.size(); }

 private:
  struct Process {
    int pidfd = -1;  // the thread group leader's
    uint64_t epoch = 0;
  };
  uint64_t EpochOf(pid_t tgid);
  std::unordered_map<pid_t, Task> tasks_;
  std::unordered_map<pid_t, Process> processes_;
  uint64_t nextEpoch_ = 1;
};

/** What a socket in the target is. */
struct SocketInfo {
  int domain = 0;
  int type = 0;
  int protocol = 0;
  uint64_t cookie = 0;
  bool hasLocal = false;
  Endpoint local;
};

/** A copy of fd `fd` of the task behind `pidfd` is inspected and closed (or, with `keep`, left
 *  open in *keep for an inet socket); false with errno set when it cannot be. */
bool InspectSocket(int pidfd, int fd, SocketInfo* out, int* keep = nullptr);

/** Field `key` of /proc/TASK/status ("Tgid", "CapEff"), without its label; "" when unreadable. */
std::string StatusField(const char* task, const char* key);

/** Reads `len` bytes at `addr` of task `tid`; false with errno set (EFAULT for a bad pointer, EPERM/ESRCH otherwise). */
bool ReadTarget(pid_t tid, uint64_t addr, void* buf, size_t len);

/** A sockaddr as the kernel would take it for a socket of `domain`. */
enum class AddrKind { kInet, kNone, kBadFamily, kTooShort };
AddrKind DecodeSockaddr(const uint8_t* buf, size_t len, int domain, bool unspecIsInet, Endpoint* out);

}  // namespace sgrun
