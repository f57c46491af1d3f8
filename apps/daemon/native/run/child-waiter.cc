// See child-waiter.h. waitid(P_ALL) reaps every child of the supervisor process: sockgate
// run starts no other children (Node's child_process is not used in it).
#include "child-waiter.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

namespace sgrun {

ChildWaiter::ChildWaiter(pid_t child, std::function<void(const ChildEvent&)> report) : child_(child), report_(std::move(report)) {
  thread_ = std::thread([this] { Loop(); });
}

ChildWaiter::~ChildWaiter() {
  if (thread_.joinable()) thread_.detach();  // it ends by itself once the command has exited
}

void ChildWaiter::Loop() {
  for (;;) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WSTOPPED | WCONTINUED) != 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD: nothing left to wait for
    }
    if (info.si_pid != child_) continue;  // an orphan of the command: reaped, nothing to say
    switch (info.si_code) {
      case CLD_EXITED: report_({ChildEvent::kExited, info.si_status, false}); return;
      case CLD_KILLED: report_({ChildEvent::kKilled, info.si_status, false}); return;
      case CLD_DUMPED: report_({ChildEvent::kKilled, info.si_status, true}); return;
      case CLD_STOPPED:
      case CLD_TRAPPED: report_({ChildEvent::kStopped, info.si_status, false}); break;
      case CLD_CONTINUED: report_({ChildEvent::kContinued, info.si_status, false}); break;
      default: break;
    }
  }
}

}  // namespace sgrun
