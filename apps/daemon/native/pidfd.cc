// pidfds for the daemon's per-process cache (src/hold/start-times.ts): a pidfd names one
// process, not a pid number, so "is the process this fd was opened for still alive" tells
// whether a pid still belongs to the process whose start time was read, for one syscall
// instead of reading /proc/PID/stat again. Node has no pidfd API. Built by node-gyp
// (binding.gyp) in the package's build script.

#include <napi.h>

#include <cerrno>

#include <sys/syscall.h>
#include <unistd.h>

namespace {

// pidfdOpen(pid) -> the fd (close-on-exec), or -errno (ESRCH: no such process; ENOSYS: kernel < 5.3)
Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "pidfdOpen(pid): expected a pid");
  int pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) return Napi::Number::New(env, -ESRCH);
  long fd = syscall(SYS_pidfd_open, pid, 0);  // pidfds are always O_CLOEXEC
  return Napi::Number::New(env, fd >= 0 ? static_cast<double>(fd) : -errno);
}

// pidfdAlive(fd) -> whether the process is still there (not yet reaped: its pid is not free
// for reuse). Signal 0 only checks; EPERM also means it is there. Anything else (ESRCH, a
// bad fd) is "not alive", so a caller falls back to reading /proc.
Napi::Value PidfdAlive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "pidfdAlive(fd): expected a pidfd");
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool alive = syscall(SYS_pidfd_send_signal, fd, 0, nullptr, 0) == 0 || errno == EPERM;
  return Napi::Boolean::New(env, alive);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdAlive", Napi::Function::New(env, PidfdAlive));
  return exports;
}

NODE_API_MODULE(sockgate_pidfd, Init)
