// See supervisor.h. Per notification: the task (a pidfd), NOTIF_ID_VALID, its socket and
// memory, NOTIF_ID_VALID again (so nothing read can have come from a task that reused the
// pid), then the cache or JavaScript. Every inet call is decided before it continues.
#include "supervisor.h"

#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "sys.h"

namespace sgrun {
namespace {

constexpr int kInspect = 0;
constexpr int kContinue = 1;
// The kernel takes at most a sockaddr_storage (move_addr_to_kernel), and sendmmsg at most UIO_MAXIOV messages.
constexpr size_t kMaxAddr = sizeof(sockaddr_storage);
constexpr uint64_t kMaxMessages = 1024;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Reads and decodes one sockaddr of the target; kContinue when there is no address to decide.
// `raw`, when given, keeps the bytes read.
int ReadAddress(pid_t tid, uint64_t ptr, uint64_t len, int domain, bool unspecIsInet, Endpoint* out,
                std::vector<uint8_t>* raw = nullptr) {
  if (len > kMaxAddr) return -EINVAL;
  uint8_t buf[kMaxAddr];
  if (!ReadTarget(tid, ptr, buf, len)) return errno == EFAULT ? -EFAULT : -EACCES;
  if (raw != nullptr) raw->assign(buf, buf + len);
  switch (DecodeSockaddr(buf, len, domain, unspecIsInet, out)) {
    case AddrKind::kInet: return kInspect;
    case AddrKind::kNone: return kContinue;
    case AddrKind::kBadFamily: return -EAFNOSUPPORT;
    case AddrKind::kTooShort: return -EINVAL;
  }
  return -EINVAL;
}

constexpr int kNetBindService = 10;  // CAP_NET_BIND_SERVICE

// Whether CapEff in /proc/TASK/status has `cap`; false when unreadable.
bool HasCap(const char* task, int cap) {
  std::string eff = StatusField(task, "CapEff");
  return !eff.empty() && ((std::strtoull(eff.c_str(), nullptr, 16) >> cap) & 1) != 0;
}

// A bind the supervisor may do for the caller: one to a port below 1024 needs
// CAP_NET_BIND_SERVICE, and the supervisor must be neither more able than the caller (root
// running --user NAME) nor less (the caller root in a user namespace of its own, or a
// lowered ip_unprivileged_port_start): those continue, and the kernel checks the caller.
bool BindHere(const SocketCall& call) {
  if (call.rawLocal.empty()) return false;
  if (call.local.port == 0 || call.local.port >= 1024) return true;
  char tid[16];
  snprintf(tid, sizeof tid, "%d", call.tid);
  return HasCap("self", kNetBindService) && HasCap(tid, kNetBindService);
}

void AddRemote(SocketCall* call, const Endpoint& e) {
  for (const auto& r : call->remotes)
    if (r.port == e.port && std::memcmp(r.addr, e.addr, 16) == 0) return;
  call->remotes.push_back(e);
}

}  // namespace

Supervisor::Supervisor(int listenerFd, std::function<void(std::unique_ptr<SocketCall>)> ask) : listener_(listenerFd), ask_(std::move(ask)) {
  stopFd_ = eventfd(0, EFD_CLOEXEC);
  if (stopFd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Supervisor::~Supervisor() {
  Stop();
  for (auto& [id, call] : pending_)
    if (call.copyFd >= 0) close(call.copyFd);
  close(stopFd_);
}

void Supervisor::Start() {
  // 6.6+: the woken supervisor runs on the notifying task's CPU, which roughly halves the
  // round trip (kernel.md); older kernels refuse the flag and keep the plain wake-up.
  ioctl(listener_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
  thread_ = std::thread([this] { Loop(); });
}

void Supervisor::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(stopFd_, &one, sizeof one);
  thread_.join();
}

size_t Supervisor::CacheSize() {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.Size();
}

void Supervisor::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.Flush();
}

bool Supervisor::Valid(uint64_t id) const {
  uint64_t copy = id;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &copy) == 0;
}

void Supervisor::Reply(uint64_t id, bool cont, int error) {
  seccomp_notif_resp resp{};
  resp.id = id;
  resp.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  resp.error = cont ? 0 : -error;
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) stats_.gone++;
}

void Supervisor::Loop() {
  pollfd fds[2] = {{listener_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    if ((fds[0].revents & POLLIN) == 0) {
      if ((fds[0].revents & (POLLHUP | POLLERR)) != 0) break;  // no supervised task is left
      continue;
    }
    seccomp_notif n;
    std::memset(&n, 0, sizeof n);
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) {
      if (errno == EINTR || errno == ENOENT) continue;  // ENOENT: the task went away first
      break;
    }
    Handle(n);
  }
  ended_ = true;
}

void Supervisor::Handle(const seccomp_notif& n) {
  stats_.notifications++;
  std::unique_lock<std::mutex> lock(mu_);
  const TaskTable::Task* task = tasks_.Get(static_cast<pid_t>(n.pid));
  if (task == nullptr || !Valid(n.id)) {
    stats_.gone++;
    return;
  }
  if (n.data.nr == __NR_execve || n.data.nr == __NR_execveat) {
    // A new program: what the old one was allowed is not its to inherit.
    cache_.ForgetProcess(task->tgid);
    stats_.execs++;
    lock.unlock();
    Reply(n.id, true, 0);
    return;
  }
  SocketCall call;
  int r = Inspect(n, *task, &call);
  // The copy of a listener-to-be lives only while its call is pending, and is closed before
  // any answer: the caller may close and bind its port again at once.
  auto dropCopy = [&call] {
    if (call.copyFd >= 0) close(call.copyFd);
    call.copyFd = -1;
  };
  if (!Valid(n.id)) {
    dropCopy();
    stats_.gone++;
    return;
  }
  if (r == kContinue) {
    stats_.passedNonInet++;
    dropCopy();
    lock.unlock();
    Reply(n.id, true, 0);
    return;
  }
  if (r < 0) {
    if (r == -EACCES) stats_.unreadable++;
    else stats_.failedByKernelRule++;
    dropCopy();
    lock.unlock();
    Reply(n.id, false, -r);
    return;
  }
  if (call.op == Op::kAccept && cache_.ListenerAllowed(call.cookie)) {
    stats_.cachedAllow++;
    lock.unlock();
    Reply(n.id, true, 0);
    return;
  }
  int64_t now = NowMs();
  bool all = true;
  for (const auto& key : call.Keys()) {
    VerdictCache::Hit hit = cache_.Lookup(call.tgid, call.epoch, key, now);
    if (hit == VerdictCache::Hit::kDeny) {
      stats_.cachedDeny++;
      dropCopy();
      lock.unlock();
      Reply(n.id, false, EACCES);
      return;
    }
    if (hit == VerdictCache::Hit::kMiss) all = false;
  }
  // an allowed bind or listen goes to the daemon each time: only it can name the caller on the socket
  if (DoneOnCheckedSocket(call.op)) all = false;
  if (all) {
    stats_.cachedAllow++;
    lock.unlock();
    Reply(n.id, true, 0);
    return;
  }
  stats_.asked++;
  pending_.emplace(n.id, call);  // which owns the copy now
  lock.unlock();
  ask_(std::make_unique<SocketCall>(call));
}

int Supervisor::Inspect(const seccomp_notif& n, const TaskTable::Task& task, SocketCall* call) {
  const auto* a = n.data.args;
  call->notifId = n.id;
  call->tid = static_cast<pid_t>(n.pid);
  call->tgid = task.tgid;
  call->epoch = task.epoch;
  if (n.data.nr == __NR_socket) {
    call->op = Op::kSocket;
    call->domain = static_cast<int>(a[0]);
    call->type = static_cast<int>(a[1]) & 0xf;  // without SOCK_NONBLOCK and SOCK_CLOEXEC
    call->protocol = static_cast<int>(a[2]);
    call->proto = ProtoOf(call->domain, call->type, call->protocol);
    return kInspect;
  }
  call->fd = static_cast<int>(a[0]);
  SocketInfo si;
  bool keep = n.data.nr == __NR_listen || n.data.nr == __NR_bind;
  if (!InspectSocket(task.pidfd, call->fd, &si, keep ? &call->copyFd : nullptr))
    return errno == EBADF || errno == ENOTSOCK ? -errno : -EACCES;
  if (si.domain != AF_INET && si.domain != AF_INET6) return kContinue;
  call->domain = si.domain;
  call->type = si.type;
  call->protocol = si.protocol;
  call->proto = ProtoOf(si.domain, si.type, si.protocol);
  call->cookie = si.cookie;
  bool tcp = call->proto == Proto::kTcp;
  switch (n.data.nr) {
    case __NR_bind: {
      call->op = Op::kBind;
      int r = ReadAddress(call->tid, a[1], a[2], si.domain, true, &call->local, &call->rawLocal);
      if (r == kContinue) return -EAFNOSUPPORT;
      call->hasLocal = r == kInspect;
      return r;
    }
    case __NR_connect: {
      call->op = Op::kConnect;
      Endpoint e;
      int r = ReadAddress(call->tid, a[1], a[2], si.domain, false, &e);
      if (r == kInspect) call->remotes.push_back(e);
      return r;  // kContinue: AF_UNSPEC, which disconnects
    }
    case __NR_listen:
    case __NR_accept:
    case __NR_accept4:
      call->op = n.data.nr == __NR_listen ? Op::kListen : Op::kAccept;
      call->backlog = static_cast<int>(a[1]);
      call->hasLocal = si.hasLocal;
      call->local = si.local;
      return kInspect;
    default:
      break;
  }
  // sendto, sendmsg, sendmmsg. TCP ignores the address unless it is a Fast Open connect.
  uint64_t flags = n.data.nr == __NR_sendmsg ? a[2] : a[3];
  if (tcp && (flags & MSG_FASTOPEN) == 0) return kContinue;
  call->op = tcp ? Op::kConnect : Op::kSend;
  bool unspecIsInet = si.domain == AF_INET;  // udp_sendmsg takes AF_UNSPEC as AF_INET
  if (n.data.nr == __NR_sendto) {
    Endpoint e;
    int r = ReadAddress(call->tid, a[4], a[5], si.domain, unspecIsInet, &e);
    if (r == kInspect) call->remotes.push_back(e);
    return r;
  }
  uint64_t count = n.data.nr == __NR_sendmsg ? 1 : (a[2] < kMaxMessages ? a[2] : kMaxMessages);
  size_t stride = n.data.nr == __NR_sendmsg ? sizeof(msghdr) : sizeof(mmsghdr);
  std::vector<uint8_t> headers(count * stride);
  if (!ReadTarget(call->tid, a[1], headers.data(), headers.size())) return errno == EFAULT ? -EFAULT : -EACCES;
  for (uint64_t i = 0; i < count; i++) {
    msghdr h;
    std::memcpy(&h, headers.data() + i * stride, sizeof h);
    if (h.msg_name == nullptr || h.msg_namelen == 0) continue;
    Endpoint e;
    int r = ReadAddress(call->tid, reinterpret_cast<uint64_t>(h.msg_name), h.msg_namelen, si.domain, unspecIsInet, &e);
    if (r < 0) return r;
    if (r == kInspect) AddRemote(call, e);
  }
  return call->remotes.empty() ? kContinue : kInspect;
}

bool Supervisor::Respond(uint64_t notifId, bool allow, int error, const std::vector<Remember>& remember, bool onChecked) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = pending_.find(notifId);
  if (it == pending_.end()) return false;
  SocketCall call = std::move(it->second);
  pending_.erase(it);
  std::vector<CallKey> keys = call.Keys();
  for (size_t i = 0; i < keys.size() && i < remember.size(); i++) {
    // an allowed bind or listen is never answered from the cache (Handle), so it is not kept
    if (remember[i].set && !(DoneOnCheckedSocket(call.op) && remember[i].allow))
      cache_.Remember(call.tgid, call.epoch, keys[i], remember[i].allow, remember[i].untilMs);
  }
  if (allow && (call.op == Op::kListen || call.op == Op::kAccept) && call.cookie != 0) cache_.AllowListener(call.cookie);
  lock.unlock();
  stats_.answered++;
  if (allow && DoneOnCheckedSocket(call.op) && onChecked && call.copyFd >= 0 && (call.op == Op::kListen || BindHere(call))) {
    // The socket that was checked binds or listens, to the address that was checked, whatever
    // the caller's descriptor and memory say by now. A task that is gone is not called for.
    if (!Valid(notifId)) {
      close(call.copyFd);
      stats_.gone++;
      return true;
    }
    int r = call.op == Op::kListen ? listen(call.copyFd, call.backlog)
                                   : bind(call.copyFd, reinterpret_cast<const sockaddr*>(call.rawLocal.data()), static_cast<socklen_t>(call.rawLocal.size()));
    int err = r == 0 ? 0 : errno;
    close(call.copyFd);  // before the answer: the caller may close the socket and bind its port again at once
    stats_.doneHere++;
    Reply(notifId, false, err);
    return true;
  }
  if (call.copyFd >= 0) close(call.copyFd);
  Reply(notifId, allow, allow ? 0 : (error > 0 ? error : EACCES));
  return true;
}

}  // namespace sgrun
