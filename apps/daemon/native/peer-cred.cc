// The few lines Node lacks for the API server: who is on the other end of a connected Unix
// socket. SO_PEERCRED (uid, gid, pid at connect time), SO_PEERGROUPS (supplementary
// groups), and the peer's executable, read through /proc and confirmed with a pidfd from
// SO_PEERPIDFD (Linux 6.5+): if the process still lives after the read, the pid was not
// reused in between. The pidfd is returned open: the server keeps it for the connection's
// life, so a call can ask whether the process that connected still runs (a connection
// handed to another process by SCM_RIGHTS outlives its connector). Errors are Node-shaped (code, errno, syscall). Built by node-gyp
// (binding.gyp) in the package's build script; src/api/peer-credentials.ts loads it.

#include <napi.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

namespace {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : "E" + std::to_string(err);
  Napi::Error js = Napi::Error::New(env, std::string(syscall) + " failed: " + strerror(err) + " (" + code + ")");
  js.Value().Set("code", code);
  js.Value().Set("errno", -err);
  js.Value().Set("syscall", syscall);
  return js;
}

// The groups the kernel recorded for the peer; the first call says how many there are.
std::vector<gid_t> PeerGroups(Napi::Env env, int fd) {
  std::vector<gid_t> groups(32);
  for (;;) {
    socklen_t len = groups.size() * sizeof(gid_t);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      return groups;
    }
    if (errno != ERANGE) throw ErrnoError(env, errno, "getsockopt(SO_PEERGROUPS)");
    groups.resize(len / sizeof(gid_t) + 1);
  }
}

// {exe, verified}: the executable's path, and whether `pidfd` (-1: none) proved it belongs to the peer.
std::pair<std::string, bool> PeerExe(pid_t pid, int pidfd, bool* found) {
  bool have_pidfd = pidfd >= 0;
  char buf[PATH_MAX];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf);
  *found = n >= 0 && n < static_cast<ssize_t>(sizeof buf);
  bool alive = false;
  if (have_pidfd) {
    // Signal 0 checks that the process is still there; EPERM also means it is.
    alive = syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0 || errno == EPERM;
  }
  return {*found ? std::string(buf, n) : std::string(), *found && alive};
}

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "peerCredentials(fd): expected a file descriptor number");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) throw ErrnoError(env, errno, "getsockopt(SO_PEERCRED)");
  std::vector<gid_t> groups = PeerGroups(env, fd);
  int pidfd = -1;
  socklen_t pidfd_len = sizeof pidfd;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &pidfd_len) != 0) pidfd = -1;
  bool found = false;
  auto [exe, verified] = PeerExe(cred.pid, pidfd, &found);

  Napi::Object out = Napi::Object::New(env);
  out.Set("uid", static_cast<double>(cred.uid));
  out.Set("gid", static_cast<double>(cred.gid));
  out.Set("pid", static_cast<double>(cred.pid));
  Napi::Array js_groups = Napi::Array::New(env, groups.size());
  for (size_t i = 0; i < groups.size(); i++) js_groups.Set(i, static_cast<double>(groups[i]));
  out.Set("groups", js_groups);
  out.Set("exe", found ? Napi::Value(Napi::String::New(env, exe)) : env.Null());
  out.Set("exeVerified", verified);
  out.Set("pidfd", static_cast<double>(pidfd));
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials));
  return exports;
}

NODE_API_MODULE(sockgate_peercred, Init)
