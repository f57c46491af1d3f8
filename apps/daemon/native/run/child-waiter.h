// Waits for the command (and reaps the orphans re-parented to the supervisor, a child
// subreaper) on a thread of its own, reporting the command's exits, stops and continues.
#pragma once

#include <sys/types.h>

#include <functional>
#include <thread>

namespace sgrun {

struct ChildEvent {
  enum Kind { kExited, kKilled, kStopped, kContinued } kind;
  int value;  // exit code, or the signal
  bool core;
};

class ChildWaiter {
 public:
  /** `report` runs on the waiter thread; it returns after the command's exit is reported. */
  ChildWaiter(pid_t child, std::function<void(const ChildEvent&)> report);
  ~ChildWaiter();

 private:
  void Loop();
  pid_t child_;
  std::function<void(const ChildEvent&)> report_;
  std::thread thread_;
};

}  // namespace sgrun
