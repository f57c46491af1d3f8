#include "shim-handle.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "events.h"
#include "maps.h"
#include "sockgate.skel.h"

namespace sg {

namespace {

// Copies a Buffer argument of exactly N bytes.
template <size_t N>
void FixedBytes(const Napi::CallbackInfo& info, size_t index, const char* what, uint8_t (&out)[N]) {
  if (info.Length() <= index || !info[index].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  }
  auto bytes = info[index].As<Napi::Uint8Array>();
  if (bytes.ByteLength() != N) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be " + std::to_string(N) + " bytes, got " +
                                               std::to_string(bytes.ByteLength()));
  }
  memcpy(out, bytes.Data(), N);
}

Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, const std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace

Napi::Function ShimHandle::Define(Napi::Env env) {
  return DefineClass(env, "ShimHandle",
                     {
                         InstanceMethod<&ShimHandle::Adopted>("adopted"),
                         InstanceMethod<&ShimHandle::ConfigCreated>("configCreated"),
                         InstanceMethod<&ShimHandle::UpdateVerdict>("updateVerdict"),
                         InstanceMethod<&ShimHandle::DeleteVerdict>("deleteVerdict"),
                         InstanceMethod<&ShimHandle::ListVerdicts>("listVerdicts"),
                         InstanceMethod<&ShimHandle::ReadConfig>("readConfig"),
                         InstanceMethod<&ShimHandle::WriteConfig>("writeConfig"),
                         InstanceMethod<&ShimHandle::ReadCounters>("readCounters"),
                         InstanceMethod<&ShimHandle::ProgramStats>("programStats"),
                         InstanceMethod<&ShimHandle::EnableStats>("enableStats"),
                         InstanceMethod<&ShimHandle::DisableStats>("disableStats"),
                         InstanceMethod<&ShimHandle::StartEvents>("startEvents"),
                         InstanceMethod<&ShimHandle::PauseEvents>("pauseEvents"),
                         InstanceMethod<&ShimHandle::Close>("close"),
                     });
}

ShimHandle::ShimHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ShimHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(
        env, "ShimHandle(cgroupPath: string, pinDir: string, maxVerdicts: number, initialConfig: Buffer)");
  }
  LoadOptions options;
  options.cgroup_path = info[0].As<Napi::String>().Utf8Value();
  options.pin_dir = info[1].As<Napi::String>().Utf8Value();
  options.max_verdicts = info[2].As<Napi::Number>().Uint32Value();
  FixedBytes(info, 3, "initialConfig", options.initial_config);
  loaded_ = Guard(env, [&] { return std::make_unique<Loaded>(options); });
}

ShimHandle::~ShimHandle() { Release(); }

Loaded& ShimHandle::Open(Napi::Env env) {
  if (!loaded_) throw Napi::Error::New(env, "the shim handle is closed");
  return *loaded_;
}

void ShimHandle::Release() {
  if (events_ != nullptr) {
    events_->Close();
    events_ = nullptr;
  }
  if (events_running_) {
    events_running_ = false;
    Unref();
  }
  for (int fd : stats_fds_) close(fd);
  stats_fds_.clear();
  loaded_.reset();
}

Napi::Value ShimHandle::Adopted(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Open(info.Env()).adopted());
}

Napi::Value ShimHandle::ConfigCreated(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Open(info.Env()).config_created());
}

Napi::Value ShimHandle::UpdateVerdict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t key[sizeof(sg_verdict_key)], value[sizeof(sg_verdict_value)];
  FixedBytes(info, 0, "key", key);
  FixedBytes(info, 1, "value", value);
  return Napi::Boolean::New(env, Guard(env, [&] { return sg::UpdateVerdict(Open(env).skel(), key, value); }));
}

Napi::Value ShimHandle::DeleteVerdict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t key[sizeof(sg_verdict_key)];
  FixedBytes(info, 0, "key", key);
  return Napi::Boolean::New(env, Guard(env, [&] { return sg::DeleteVerdict(Open(env).skel(), key); }));
}

Napi::Value ShimHandle::ListVerdicts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return ToBuffer(env, Guard(env, [&] { return sg::ListVerdicts(Open(env).skel()); }));
}

Napi::Value ShimHandle::ReadConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return ToBuffer(env, Guard(env, [&] { return sg::ReadConfig(Open(env).skel()); }));
}

Napi::Value ShimHandle::WriteConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t config[sizeof(sg_config)];
  FixedBytes(info, 0, "config", config);
  Guard(env, [&] { sg::WriteConfig(Open(env).skel(), config); });
  return env.Undefined();
}

Napi::Value ShimHandle::ReadCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int cpus = 0;
  std::vector<uint8_t> bytes = Guard(env, [&] { return sg::ReadCounters(Open(env).skel(), &cpus); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpus", cpus);
  out.Set("bytes", ToBuffer(env, bytes));
  return out;
}

Napi::Value ShimHandle::ProgramStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto programs = Open(env).Programs();
  Napi::Array out = Napi::Array::New(env, programs.size() * 2);
  for (size_t i = 0; i < programs.size(); i++) {
    auto stats = Guard(env, [&] { return ReadProgramStats(bpf_program__fd(programs[i]), bpf_program__name(programs[i])); });
    out.Set(static_cast<uint32_t>(2 * i), Napi::BigInt::New(env, stats.run_count));
    out.Set(static_cast<uint32_t>(2 * i + 1), Napi::BigInt::New(env, stats.run_time_ns));
  }
  return out;
}

Napi::Value ShimHandle::EnableStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  // Run-time stats stay on while any such fd is open, in any process.
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) throw ToJsError(env, StepError("stats", "bpf", errno, "enable BPF run-time statistics"));
  stats_fds_.insert(fd);
  return Napi::Number::New(env, fd);
}

Napi::Value ShimHandle::DisableStats(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) {
    int fd = info[0].As<Napi::Number>().Int32Value();
    if (stats_fds_.erase(fd) == 1) close(fd);
  }
  return info.Env().Undefined();
}

Napi::Value ShimHandle::StartEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "listener must be a function");
  Loaded& loaded = Open(env);
  if (events_ == nullptr) {
    events_ = Guard(env, [&] { return new EventStream(env, bpf_map__fd(loaded.skel()->maps.sg_events)); });
  }
  Guard(env, [&] { events_->Start(info[0].As<Napi::Function>()); });
  if (!events_running_) {
    events_running_ = true;
    Ref();  // a shim that is delivering events must not be collected
  }
  return env.Undefined();
}

Napi::Value ShimHandle::PauseEvents(const Napi::CallbackInfo& info) {
  if (events_ != nullptr) events_->Pause();
  if (events_running_) {
    events_running_ = false;
    Unref();
  }
  return info.Env().Undefined();
}

Napi::Value ShimHandle::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

}  // namespace sg
