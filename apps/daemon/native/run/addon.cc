// The sockgate run addon (sockgate_run.node): JavaScript's handles on the spawned command
// (Child), the supervisor thread (Supervisor), and the few calls the daemon and the CLI
// need (inspectSocket, terminalForeground, exitLike). JavaScript validates its inputs
// (src/run/native.ts); failures here are Node-shaped errors (code, errno, syscall).
#include <napi.h>

#include <signal.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>

#include "child-waiter.h"
#include "seccomp-filter.h"
#include "spawn.h"
#include "supervisor.h"
#include "sys.h"
#include "target.h"

namespace {

using sgrun::SocketCall;

Napi::Error ErrnoError(Napi::Env env, int err, const std::string& syscall) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : "E" + std::to_string(err);
  Napi::Error js = Napi::Error::New(env, syscall + " failed: " + strerror(err) + " (" + code + ")");
  js.Value().Set("code", code);
  js.Value().Set("errno", -err);
  js.Value().Set("syscall", syscall);
  return js;
}

std::vector<std::string> Strings(const Napi::Array& a) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

Napi::Object EndpointObject(Napi::Env env, const sgrun::Endpoint& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("address", e.Text());
  o.Set("port", e.port);
  return o;
}

Napi::Object CallObject(Napi::Env env, const SocketCall& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", Napi::BigInt::New(env, static_cast<uint64_t>(c.notifId)));
  o.Set("tid", c.tid);
  o.Set("tgid", c.tgid);
  o.Set("op", sgrun::OpName(c.op));
  o.Set("fd", c.fd);
  o.Set("domain", c.domain);
  o.Set("type", c.type);
  o.Set("protocol", c.protocol);
  o.Set("proto", sgrun::ProtoName(c.proto));
  o.Set("cookie", Napi::BigInt::New(env, static_cast<uint64_t>(c.cookie)));
  if (c.hasLocal) o.Set("local", EndpointObject(env, c.local));
  Napi::Array remotes = Napi::Array::New(env, c.remotes.size());
  for (size_t i = 0; i < c.remotes.size(); i++) remotes.Set(i, EndpointObject(env, c.remotes[i]));
  o.Set("remotes", remotes);
  return o;
}

// --- the command -------------------------------------------------------------------

class Child : public Napi::ObjectWrap<Child> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Child",
                       {InstanceMethod("go", &Child::GoJs), InstanceMethod("signal", &Child::Signal), InstanceMethod("watch", &Child::Watch),
                        InstanceAccessor("pid", &Child::Pid, nullptr), InstanceAccessor("listenerFd", &Child::ListenerFd, nullptr),
                        InstanceAccessor("killableWait", &Child::Killable, nullptr)});
  }

  // new Child(file, argv, env, { noIoUring })
  explicit Child(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Child>(info) {
    Napi::Env env = info.Env();
    sgrun::SpawnRequest req;
    req.file = info[0].As<Napi::String>().Utf8Value();
    req.argv = Strings(info[1].As<Napi::Array>());
    req.envp = Strings(info[2].As<Napi::Array>());
    req.filter.noIoUring = info[3].As<Napi::Object>().Get("noIoUring").ToBoolean();
    try {
      spawned_ = sgrun::Spawn(req);
    } catch (const std::system_error& e) {
      throw ErrnoError(env, e.code().value(), std::string(e.what()).substr(0, std::string(e.what()).find(':')));
    }
  }

  ~Child() override {
    if (spawned_.pidfd >= 0) close(spawned_.pidfd);
    if (spawned_.controlFd >= 0) close(spawned_.controlFd);
  }

 private:
  Napi::Value GoJs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sgrun::Go(spawned_)); }

  // signal(sig): by pidfd, so a reaped command's reused pid is never signalled
  Napi::Value Signal(const Napi::CallbackInfo& info) {
    int sig = info[0].As<Napi::Number>().Int32Value();
    if (exited_ || spawned_.pidfd < 0) return Napi::Boolean::New(info.Env(), false);
    return Napi::Boolean::New(info.Env(), sgrun::pidfd_send_signal(spawned_.pidfd, sig) == 0);
  }

  // watch(fn): fn({kind, value, core}) for each exit, stop and continue of the command
  Napi::Value Watch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto tsfn = std::make_shared<Napi::ThreadSafeFunction>(Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "sockgate-run-child", 0, 1));
    Ref();
    waiter_ = std::make_unique<sgrun::ChildWaiter>(spawned_.pid, [this, tsfn](const sgrun::ChildEvent& ev) {
      static const char* kinds[] = {"exited", "killed", "stopped", "continued"};
      auto* copy = new sgrun::ChildEvent(ev);
      bool last = ev.kind == sgrun::ChildEvent::kExited || ev.kind == sgrun::ChildEvent::kKilled;
      tsfn->BlockingCall(copy, [this, last](Napi::Env env, Napi::Function fn, sgrun::ChildEvent* e) {
        if (last) exited_ = true;
        Napi::Object o = Napi::Object::New(env);
        o.Set("kind", kinds[e->kind]);
        o.Set("value", e->value);
        o.Set("core", e->core);
        delete e;
        fn.Call({o});
        if (last) Unref();
      });
      if (last) tsfn->Release();
    });
    return env.Undefined();
  }

  Napi::Value Pid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), spawned_.pid); }
  Napi::Value ListenerFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), spawned_.listenerFd); }
  Napi::Value Killable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), spawned_.killableWait); }

  sgrun::Spawned spawned_;
  std::unique_ptr<sgrun::ChildWaiter> waiter_;
  bool exited_ = false;
};

// --- the supervisor thread ------------------------------------------------------------

class Supervisor : public Napi::ObjectWrap<Supervisor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Supervisor",
                       {InstanceMethod("start", &Supervisor::StartJs), InstanceMethod("respond", &Supervisor::Respond), InstanceMethod("flush", &Supervisor::Flush),
                        InstanceMethod("stats", &Supervisor::Stats), InstanceMethod("stop", &Supervisor::StopJs)});
  }

  // new Supervisor(listenerFd, onCall)
  explicit Supervisor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Supervisor>(info) {
    Napi::Env env = info.Env();
    int fd = info[0].As<Napi::Number>().Int32Value();
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "sockgate-run-supervisor", 0, 1);
    try {
      native_ = std::make_unique<sgrun::Supervisor>(fd, [this](std::unique_ptr<SocketCall> call) {
        tsfn_.BlockingCall(call.release(), [](Napi::Env env, Napi::Function fn, SocketCall* c) {
          Napi::Object o = CallObject(env, *c);
          delete c;
          fn.Call({o});
        });
      });
    } catch (const std::system_error& e) {
      throw ErrnoError(env, e.code().value(), "eventfd");
    }
  }

  ~Supervisor() override { Shutdown(); }

 private:
  void Shutdown() {
    if (native_) native_->Stop();
    if (!released_) {
      released_ = true;
      tsfn_.Release();
    }
  }

  Napi::Value StartJs(const Napi::CallbackInfo& info) {
    native_->Start();
    return info.Env().Undefined();
  }

  // respond(id: bigint, allow: boolean, errno: number, remember: ({allow, untilMs} | null)[], onChecked: boolean)
  Napi::Value Respond(const Napi::CallbackInfo& info) {
    bool lossless = false;
    uint64_t id = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
    bool allow = info[1].ToBoolean();
    int error = info[2].As<Napi::Number>().Int32Value();
    Napi::Array list = info[3].As<Napi::Array>();
    std::vector<sgrun::Remember> remember(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value v = list.Get(i);
      if (!v.IsObject()) continue;
      Napi::Object o = v.As<Napi::Object>();
      remember[i] = {true, o.Get("allow").ToBoolean(), static_cast<int64_t>(o.Get("untilMs").As<Napi::Number>().Int64Value())};
    }
    bool onChecked = info.Length() > 4 && info[4].ToBoolean();
    return Napi::Boolean::New(info.Env(), native_->Respond(id, allow, error, remember, onChecked));
  }

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    native_->Flush();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const sgrun::SupervisorStats& s = native_->Stats();
    Napi::Object o = Napi::Object::New(env);
    o.Set("notifications", static_cast<double>(s.notifications));
    o.Set("cachedAllow", static_cast<double>(s.cachedAllow));
    o.Set("cachedDeny", static_cast<double>(s.cachedDeny));
    o.Set("passedNonInet", static_cast<double>(s.passedNonInet));
    o.Set("asked", static_cast<double>(s.asked));
    o.Set("answered", static_cast<double>(s.answered));
    o.Set("execs", static_cast<double>(s.execs));
    o.Set("gone", static_cast<double>(s.gone));
    o.Set("unreadable", static_cast<double>(s.unreadable));
    o.Set("failedByKernelRule", static_cast<double>(s.failedByKernelRule));
    o.Set("doneHere", static_cast<double>(s.doneHere));
    o.Set("cached", static_cast<double>(native_->CacheSize()));
    o.Set("ended", native_->Ended());
    return o;
  }

  Napi::Value StopJs(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<sgrun::Supervisor> native_;
  Napi::ThreadSafeFunction tsfn_;
  bool released_ = false;
};

// --- single calls --------------------------------------------------------------------

// inspectSocket(pid, fd, keep?) -> {domain, type, protocol, cookie, local?, copyFd?}: for the
// daemon, which takes no socket fact from the client it can read itself. With keep, its copy
// of the socket stays open (copyFd, close-on-exec) for the caller to use and close.
Napi::Value InspectSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  bool keep = info.Length() > 2 && info[2].ToBoolean();
  int pidfd = sgrun::pidfd_open(pid, PIDFD_THREAD);
  if (pidfd < 0 && errno == EINVAL) pidfd = sgrun::pidfd_open(pid, 0);
  if (pidfd < 0) throw ErrnoError(env, errno, "pidfd_open");
  sgrun::SocketInfo si;
  int copy = -1;
  bool ok = sgrun::InspectSocket(pidfd, fd, &si, keep ? &copy : nullptr);
  int err = errno;
  close(pidfd);
  if (!ok) throw ErrnoError(env, err, "pidfd_getfd");
  Napi::Object o = Napi::Object::New(env);
  o.Set("domain", si.domain);
  o.Set("type", si.type);
  o.Set("protocol", si.protocol);
  o.Set("cookie", Napi::BigInt::New(env, static_cast<uint64_t>(si.cookie)));
  if (si.hasLocal) o.Set("local", EndpointObject(env, si.local));
  if (copy >= 0) o.Set("copyFd", copy);
  return o;
}

// terminalForeground(): whether this process's group is the foreground group of the
// terminal on stdin, stdout or stderr: then a Ctrl-C reached the command already.
Napi::Value TerminalForeground(const Napi::CallbackInfo& info) {
  pid_t group = getpgrp();
  for (int fd = 0; fd <= 2; fd++) {
    if (isatty(fd) && tcgetpgrp(fd) == group) return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

// exitLike(kind, value): ends this process as the command ended: the same exit code, or
// death by the same signal (with core dumps off: the core would be the supervisor's).
Napi::Value ExitLike(const Napi::CallbackInfo& info) {
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  int value = info[1].As<Napi::Number>().Int32Value();
  if (kind == "killed") {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(value, &dfl, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, value);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    kill(getpid(), value);
    _exit(128 + value);  // a signal whose default is to be ignored
  }
  _exit(value);
}

// filterProgram({noIoUring}) -> [[code, jt, jf, k], ...]: the filter Child installs, for
// tests that evaluate it on system calls this kernel cannot make (an i386 int 0x80 where
// the entry is off, an arm32 compat call).
Napi::Value FilterProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sgrun::FilterOptions options;
  if (info.Length() > 0 && info[0].IsObject()) options.noIoUring = info[0].As<Napi::Object>().Get("noIoUring").ToBoolean();
  std::vector<sock_filter> code = sgrun::BuildFilter(options);
  Napi::Array out = Napi::Array::New(env, code.size());
  for (size_t i = 0; i < code.size(); i++) {
    Napi::Array ins = Napi::Array::New(env, 4);
    ins.Set(0u, code[i].code);
    ins.Set(1u, code[i].jt);
    ins.Set(2u, code[i].jf);
    ins.Set(3u, static_cast<double>(code[i].k));
    out.Set(i, ins);
  }
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("filterProgram", Napi::Function::New(env, FilterProgram));
  exports.Set("Child", Child::Define(env));
  exports.Set("Supervisor", Supervisor::Define(env));
  exports.Set("inspectSocket", Napi::Function::New(env, InspectSocket));
  exports.Set("terminalForeground", Napi::Function::New(env, TerminalForeground));
  exports.Set("exitLike", Napi::Function::New(env, ExitLike));
  return exports;
}

}  // namespace

NODE_API_MODULE(sockgate_run, Init)
