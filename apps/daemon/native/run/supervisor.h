// The supervisor thread: receives every seccomp notification of the supervised tree,
// answers what it can at once (AF_UNIX and other non-inet calls, cached verdicts, execve),
// and hands the rest to JavaScript, which answers later with Respond().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "socket-call.h"
#include "target.h"
#include "verdict-cache.h"

namespace sgrun {

struct SupervisorStats {
  std::atomic<uint64_t> notifications{0};
  std::atomic<uint64_t> cachedAllow{0};
  std::atomic<uint64_t> cachedDeny{0};
  std::atomic<uint64_t> passedNonInet{0};  // AF_UNIX and other families: CONTINUE at once
  std::atomic<uint64_t> asked{0};          // handed to JavaScript
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> execs{0};
  std::atomic<uint64_t> gone{0};        // the task died or the notification ended before an answer
  std::atomic<uint64_t> unreadable{0};  // memory or socket not readable: refused with EACCES
  std::atomic<uint64_t> failedByKernelRule{0};  // answered with the errno the kernel would give (bad pointer, bad family)
  std::atomic<uint64_t> doneHere{0};  // allowed binds and listens done on the checked socket's copy
};

/** One cached verdict JavaScript hands back with its answer, per key of the call. */
struct Remember {
  bool set = false;
  bool allow = false;
  int64_t untilMs = 0;  // 0: until Flush()
};

class Supervisor {
 public:
  /** `ask` is called on the supervisor thread; it must hand the call to JavaScript and return. */
  Supervisor(int listenerFd, std::function<void(std::unique_ptr<SocketCall>)> ask);
  ~Supervisor();
  void Start();
  /** Stops the thread; unanswered calls stay held until the listener closes (then ENOSYS). */
  void Stop();
  /** Answers call `notifId`: CONTINUE, or the errno (EACCES for a deny); false when it had ended.
   *  `onChecked`: an allowed bind() or listen() is done here, on the copy of the socket that
   *  was checked (a bind with the sockaddr that was checked), and its result is the call's
   *  (the daemon has named the caller on the socket for the kernel). */
  bool Respond(uint64_t notifId, bool allow, int error, const std::vector<Remember>& remember, bool onChecked);
  void Flush();
  const SupervisorStats& Stats() const { return stats_; }
  size_t CacheSize();
  /** Whether the loop has ended (every supervised task is gone, or Stop()). */
  bool Ended() const { return ended_; }

 private:
  void Loop();
  void Handle(const struct seccomp_notif& n);
  bool Valid(uint64_t id) const;
  void Reply(uint64_t id, bool cont, int error);
  /** Fills `call` from the target; returns 0 when it is to be decided, 1 to CONTINUE, or -errno to fail it with. */
  int Inspect(const struct seccomp_notif& n, const TaskTable::Task& task, SocketCall* call);

  int listener_;
  int stopFd_;
  std::function<void(std::unique_ptr<SocketCall>)> ask_;
  std::thread thread_;
  std::mutex mu_;  // guards tasks_, cache_ and pending_ (the loop and Respond from JavaScript)
  TaskTable tasks_;
  VerdictCache cache_;
  std::unordered_map<uint64_t, SocketCall> pending_;
  SupervisorStats stats_;
  std::atomic<bool> ended_{false};
  size_t notifSize_ = 0;
};

}  // namespace sgrun
