// See spawn.h. Between fork() and execve() the child only makes system calls (no malloc,
// no locks): everything it needs is prepared before the fork. The listener travels by
// pidfd_getfd, because sendmsg (SCM_RIGHTS) is itself trapped once the filter is in.
#include "spawn.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "sys.h"

namespace sgrun {
namespace {

// What the child writes to the control socket.
struct ChildReport {
  int stage;  // 1: listener ready (value = its fd); 2: failed (value = errno)
  int value;
  int killable;
  int step;  // for stage 2: which step failed
};

enum Step { kStepFilter = 1, kStepExec = 2, kStepPrivs = 3, kStepLandlock = 4 };

// LANDLOCK_ACCESS_FS_MAKE_BLOCK (linux/landlock.h, ABI 1)
constexpr uint64_t kLandlockMakeBlock = 1ULL << 11;

const char* StepName(int step) {
  switch (step) {
    case kStepFilter: return "seccomp(SECCOMP_SET_MODE_FILTER)";
    case kStepExec: return "execve";
    case kStepPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case kStepLandlock: return "landlock_restrict_self";
    default: return "child setup";
  }
}

[[noreturn]] void ChildFail(int ctl, int step, int err) {
  ChildReport r{2, err, 0, step};
  (void)!write(ctl, &r, sizeof r);
  _exit(127);
}

// Runs in the child between fork and exec: system calls only.
[[noreturn]] void Child(int ctl, const SpawnRequest& req, char* const* argv, char* const* envp, const sock_fprog* prog, const bool* ignored, bool tryKillable) {
  // The parent takes the listener with pidfd_getfd, which needs ptrace access to this
  // child. A process that changed its ids (`--user`: root became NAME) is not dumpable, and
  // its child inherits that until execve, so the access would need CAP_SYS_PTRACE. Only this
  // copy becomes dumpable (as any child of a normal user's sockgate run is); execve sets it
  // anew, and the parent stays not dumpable.
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    dfl.sa_handler = ignored[sig] ? SIG_IGN : SIG_DFL;
    sigaction(sig, &dfl, nullptr);
  }
  // Only stdin, stdout and stderr pass: the supervisor's own descriptors (its daemon
  // connection, the listener) must not reach the program. ctl is close-on-exec.
  if (ctl > 3) syscall(__NR_close_range, 3, ctl - 1, 0);
  syscall(__NR_close_range, ctl + 1, ~0U, 0);
  // Node marks its stdio close-on-exec; the command must get them
  for (int fd = 0; fd <= 2; fd++) fcntl(fd, F_SETFD, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail(ctl, kStepPrivs, errno);
  // A Landlock domain of the command's own: it may then ptrace, read or write the memory of,
  // or take descriptors from (pidfd_getfd) only processes of that domain (its own tree),
  // not sockgate run (whose listener would answer its calls) nor the user's other processes
  // (which are not supervised). The ruleset handles one access no unprivileged program has
  // (making block devices) and so restricts nothing else. Without Landlock (before 5.13,
  // or not enabled at boot) the command goes on without it: see "Limits" in the README.
  uint64_t handledFs = kLandlockMakeBlock;
  int ruleset = static_cast<int>(syscall(__NR_landlock_create_ruleset, &handledFs, sizeof handledFs, 0));
  if (ruleset >= 0) {
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) ChildFail(ctl, kStepLandlock, errno);
    close(ruleset);
  }
  int killable = 1;
  int listener = -1;
  errno = EINVAL;
  if (tryKillable) listener = sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, const_cast<sock_fprog*>(prog));
  if (listener < 0 && errno == EINVAL) {
    // before 5.19: a signal interrupts a held call, which restarts and is asked again
    killable = 0;
    listener = sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, const_cast<sock_fprog*>(prog));
  }
  if (listener < 0) ChildFail(ctl, kStepFilter, errno);
  ChildReport ready{1, listener, killable, 0};
  if (write(ctl, &ready, sizeof ready) != sizeof ready) _exit(127);
  char go = 0;
  if (read(ctl, &go, 1) != 1) _exit(127);  // the parent went away before saying go
  close(listener);
  execve(req.file.c_str(), argv, envp);
  ChildFail(ctl, kStepExec, errno);
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

bool ReadReport(int fd, ChildReport* r) {
  ssize_t n;
  do n = read(fd, r, sizeof *r);
  while (n < 0 && errno == EINTR);
  return n == sizeof *r;
}

}  // namespace

bool InterruptibleWaitForTests() {
  const char* v = getenv(kInterruptibleWaitEnv);
  return v != nullptr && std::strcmp(v, "1") == 0;
}

Spawned Spawn(const SpawnRequest& req) {
  const bool tryKillable = !InterruptibleWaitForTests();
  std::vector<sock_filter> code = BuildFilter(req.filter);
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  std::vector<char*> argv = CStrings(req.argv);
  std::vector<char*> envp = CStrings(req.envp);
  // Signals ignored when sockgate run started stay ignored for the command (nohup), except
  // SIGPIPE, which Node itself ignores.
  bool ignored[NSIG] = {};
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction old {};
    if (sig != SIGPIPE && sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) ignored[sig] = true;
  }
  // Orphans of the command are re-parented here, so they stay descendants the supervisor
  // may read (Yama's ptrace_scope 1) and are reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw std::system_error(errno, std::generic_category(), "socketpair");
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    throw std::system_error(err, std::generic_category(), "fork");
  }
  if (pid == 0) {
    close(sv[0]);
    Child(sv[1], req, argv.data(), envp.data(), &prog, ignored, tryKillable);
  }
  close(sv[1]);
  Spawned out;
  out.pid = pid;
  out.controlFd = sv[0];
  auto fail = [&](int err, const std::string& what) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    if (out.pidfd >= 0) close(out.pidfd);
    close(sv[0]);
    throw std::system_error(err, std::generic_category(), what);
  };
  ChildReport r{};
  if (!ReadReport(sv[0], &r)) fail(EPIPE, "the child ended before installing its filter");
  if (r.stage == 2) fail(r.value, StepName(r.step));
  out.killableWait = r.killable != 0;
  out.pidfd = pidfd_open(pid, 0);
  if (out.pidfd < 0) fail(errno, "pidfd_open");
  out.listenerFd = pidfd_getfd(out.pidfd, r.value);
  if (out.listenerFd < 0) fail(errno, "pidfd_getfd of the seccomp listener (ptrace access to the child is needed: kernel.yama.ptrace_scope must be 0 or 1)");
  fcntl(out.listenerFd, F_SETFD, FD_CLOEXEC);
  // Not dumpable: a process of the same user (the command, where Landlock is missing) may
  // not ptrace sockgate run, read or write its memory, or take its listener with
  // pidfd_getfd (ptrace access needs CAP_SYS_PTRACE then). It already has the listener.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return out;
}

int Go(Spawned& child) {
  char go = 1;
  if (write(child.controlFd, &go, 1) != 1) return errno;
  ChildReport r{};
  bool failed = ReadReport(child.controlFd, &r);  // EOF: execve closed the child's end
  close(child.controlFd);
  child.controlFd = -1;
  return failed && r.stage == 2 ? r.value : 0;
}

}  // namespace sgrun
