#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace sg {

namespace {
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};
}  // namespace

void InNetns(const std::string& path, const std::function<void()>& fn) {
  if (path.empty()) {
    fn();
    return;
  }
  Fd self(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (self.fd < 0) throw StepError("netns", "open", errno, "open this thread's network namespace");
  Fd target(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (target.fd < 0) throw StepError("netns", "open", errno, "open network namespace " + path);
  if (setns(target.fd, CLONE_NEWNET) != 0) throw StepError("netns", "setns", errno, "enter network namespace " + path);
  try {
    fn();
  } catch (...) {
    if (setns(self.fd, CLONE_NEWNET) != 0) abort();  // a thread stuck in a foreign namespace must not go on
    throw;
  }
  if (setns(self.fd, CLONE_NEWNET) != 0) abort();
}

uint64_t NetnsCookie(const std::string& path) {
  uint64_t cookie = 0;
  InNetns(path, [&] {
    Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s.fd < 0) throw StepError("netns", "socket", errno, "make a socket to read the netns cookie of " + path);
    socklen_t len = sizeof cookie;
    if (getsockopt(s.fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) {
      throw StepError("netns", "getsockopt", errno, "read SO_NETNS_COOKIE in " + (path.empty() ? "this namespace" : path));
    }
  });
  return cookie;
}

}  // namespace sg
