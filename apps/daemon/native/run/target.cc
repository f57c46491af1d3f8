// See target.h.
#include "target.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sys.h"

namespace sgrun {
namespace {

pid_t TgidOf(pid_t tid) {
  char task[16];
  snprintf(task, sizeof task, "%d", tid);
  std::string v = StatusField(task, "Tgid");
  return static_cast<pid_t>(atoi(v.c_str()));
}

void FromSockaddr(const sockaddr_storage& ss, Endpoint* e) {
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memset(e->addr, 0, 10);
    e->addr[10] = e->addr[11] = 0xff;
    std::memcpy(e->addr + 12, &in->sin_addr, 4);
    e->port = ntohs(in->sin_port);
    e->v4 = true;
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    std::memcpy(e->addr, &in6->sin6_addr, 16);
    e->port = ntohs(in6->sin6_port);
    e->v4 = false;
  }
}

}  // namespace

std::string StatusField(const char* task, const char* key) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/status", task);
  FILE* f = fopen(path, "re");
  if (f == nullptr) return "";
  size_t n = std::strlen(key);
  char line[256];
  std::string value;
  while (fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, n) == 0 && line[n] == ':') {
      const char* v = line + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      value.assign(v, std::strcspn(v, "\n"));
      break;
    }
  }
  fclose(f);
  return value;
}

TaskTable::~TaskTable() { Clear(); }

void TaskTable::Clear() {
  for (auto& [tid, t] : tasks_) close(t.pidfd);
  for (auto& [tgid, p] : processes_) close(p.pidfd);
  tasks_.clear();
  processes_.clear();
}

uint64_t TaskTable::EpochOf(pid_t tgid) {
  auto it = processes_.find(tgid);
  if (it != processes_.end()) {
    if (pidfd_send_signal(it->second.pidfd, 0) == 0 || errno == EPERM) return it->second.epoch;
    close(it->second.pidfd);
    processes_.erase(it);
  }
  int pidfd = pidfd_open(tgid, 0);
  if (pidfd < 0) return 0;
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  uint64_t epoch = nextEpoch_++;
  processes_[tgid] = Process{pidfd, epoch};
  return epoch;
}

const TaskTable::Task* TaskTable::Get(pid_t tid) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) {
    // The same thread still? A dead one's pidfd says ESRCH: the tid was reused.
    if (pidfd_send_signal(it->second.pidfd, 0) == 0 || errno == EPERM) return &it->second;
    close(it->second.pidfd);
    tasks_.erase(it);
  }
  if (tasks_.size() > 16384 || processes_.size() > 16384) Clear();  // bounded: an entry costs a pidfd
  int pidfd = pidfd_open(tid, PIDFD_THREAD);
  if (pidfd < 0 && errno == EINVAL) pidfd = pidfd_open(tid, 0);  // before 6.9: threads share the leader's files
  if (pidfd < 0) return nullptr;
  pid_t tgid = TgidOf(tid);
  if (tgid == 0) {
    close(pidfd);
    return nullptr;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  uint64_t epoch = EpochOf(tgid);
  if (epoch == 0) {
    close(pidfd);
    return nullptr;
  }
  return &(tasks_[tid] = Task{pidfd, tgid, epoch});
}

bool InspectSocket(int pidfd, int fd, SocketInfo* out, int* keep) {
  int copy = pidfd_getfd(pidfd, fd);
  if (copy < 0) return false;
  socklen_t len = sizeof(int);
  bool ok = getsockopt(copy, SOL_SOCKET, SO_DOMAIN, &out->domain, &len) == 0;
  if (ok && out->domain != AF_INET && out->domain != AF_INET6) {
    // not a socket sockgate decides (AF_UNIX, netlink): its type and protocol do not matter,
    // and every system call saved here is time the trapped caller waits
    close(copy);
    errno = 0;
    return true;
  }
  len = sizeof(int);
  if (ok) ok = getsockopt(copy, SOL_SOCKET, SO_TYPE, &out->type, &len) == 0;
  len = sizeof(int);
  if (ok) ok = getsockopt(copy, SOL_SOCKET, SO_PROTOCOL, &out->protocol, &len) == 0;
  if (ok && (out->domain == AF_INET || out->domain == AF_INET6)) {
    len = sizeof out->cookie;
    ok = getsockopt(copy, SOL_SOCKET, SO_COOKIE, &out->cookie, &len) == 0;
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    if (ok && getsockname(copy, reinterpret_cast<sockaddr*>(&ss), &sl) == 0 && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
      FromSockaddr(ss, &out->local);
      out->hasLocal = true;
    }
  }
  int err = errno;
  if (ok && keep != nullptr) {
    *keep = copy;
  } else {
    close(copy);
  }
  errno = ok ? 0 : (err == ENOTSOCK ? ENOTSOCK : err);
  return ok;
}

bool ReadTarget(pid_t tid, uint64_t addr, void* buf, size_t len) {
  if (len == 0) return true;
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (n == static_cast<ssize_t>(len)) return true;
  if (n >= 0) errno = EFAULT;
  return false;
}

AddrKind DecodeSockaddr(const uint8_t* buf, size_t len, int domain, bool unspecIsInet, Endpoint* out) {
  if (len < sizeof(sa_family_t)) return AddrKind::kTooShort;
  sa_family_t family;
  std::memcpy(&family, buf, sizeof family);
  if (family == AF_UNSPEC && unspecIsInet && domain == AF_INET) family = AF_INET;
  if (family == AF_UNSPEC) return AddrKind::kNone;
  sockaddr_storage ss{};
  if (family == AF_INET) {
    if (len < sizeof(sockaddr_in)) return AddrKind::kTooShort;
    std::memcpy(&ss, buf, sizeof(sockaddr_in));
  } else if (family == AF_INET6) {
    // the kernel takes 24 bytes (without sin6_scope_id) for an IPv6 address
    if (len < 24 || domain != AF_INET6) return len < 24 ? AddrKind::kTooShort : AddrKind::kBadFamily;
    std::memcpy(&ss, buf, len < sizeof(sockaddr_in6) ? len : sizeof(sockaddr_in6));
  } else {
    return AddrKind::kBadFamily;
  }
  ss.ss_family = family;
  FromSockaddr(ss, out);
  return AddrKind::kInet;
}

}  // namespace sgrun
