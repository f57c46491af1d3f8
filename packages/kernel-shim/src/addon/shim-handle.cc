#include "shim-handle.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errors.h"
#include "events.h"
#include "iter.h"
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

std::vector<uint8_t> Bytes(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  }
  auto bytes = info[index].As<Napi::Uint8Array>();
  return std::vector<uint8_t>(bytes.Data(), bytes.Data() + bytes.ByteLength());
}

std::string String(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function ShimHandle::Define(Napi::Env env) {
  return DefineClass(env, "ShimHandle",
                     {
                         InstanceMethod<&ShimHandle::Adopted>("adopted"),
                         InstanceMethod<&ShimHandle::Features>("features"),
                         InstanceMethod<&ShimHandle::ConfigCreated>("configCreated"),
                         InstanceMethod<&ShimHandle::MapUpdate>("mapUpdate"),
                         InstanceMethod<&ShimHandle::MapLookup>("mapLookup"),
                         InstanceMethod<&ShimHandle::MapDelete>("mapDelete"),
                         InstanceMethod<&ShimHandle::Delegate>("delegate"),
                         InstanceMethod<&ShimHandle::MapList>("mapList"),
                         InstanceMethod<&ShimHandle::MapRef>("mapRef"),
                         InstanceMethod<&ShimHandle::LookupInto>("lookupInto"),
                         InstanceMethod<&ShimHandle::UpdateRef>("updateRef"),
                         InstanceMethod<&ShimHandle::DeleteRef>("deleteRef"),
                         InstanceMethod<&ShimHandle::MapMaxEntries>("mapMaxEntries"),
                         InstanceMethod<&ShimHandle::ReleasePending>("releasePending"),
                         InstanceMethod<&ShimHandle::LineageOf>("lineageOf"),
                         InstanceMethod<&ShimHandle::RunIterator>("runIterator"),
                         InstanceMethod<&ShimHandle::HoldMatchPin>("holdMatchPin"),
                         InstanceMethod<&ShimHandle::ReadCounters>("readCounters"),
                         InstanceMethod<&ShimHandle::ProgramStats>("programStats"),
                         InstanceMethod<&ShimHandle::EnableStats>("enableStats"),
                         InstanceMethod<&ShimHandle::DisableStats>("disableStats"),
                         InstanceMethod<&ShimHandle::StartEvents>("startEvents"),
                         InstanceMethod<&ShimHandle::PauseEvents>("pauseEvents"),
                         InstanceMethod<&ShimHandle::Close>("close"),
                         InstanceMethod<&ShimHandle::UpgradePending>("upgradePending"),
                         InstanceMethod<&ShimHandle::CompleteUpgrade>("completeUpgrade"),
                         InstanceMethod<&ShimHandle::Migrated>("migrated"),
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
  if (info.Length() > 4 && info[4].IsNumber()) options.max_pending = info[4].As<Napi::Number>().Uint32Value();
  if (info.Length() > 5 && info[5].IsBoolean()) options.exec_ids = info[5].As<Napi::Boolean>().Value();
  if (info.Length() > 6 && info[6].IsString()) options.object_path = info[6].As<Napi::String>().Utf8Value();
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

Napi::Value ShimHandle::Features(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Loaded& loaded = Open(env);
  auto feature = [&](bool active, const std::string& reason) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("active", Napi::Boolean::New(env, active));
    f.Set("reason", Napi::String::New(env, reason));
    return f;
  };
  Napi::Object out = Napi::Object::New(env);
  out.Set("execIdentity", feature(loaded.exec_ids(), loaded.exec_ids_reason()));
  out.Set("socketEnd", feature(loaded.socket_end().active, loaded.socket_end().reason));
  out.Set("delegation", feature(loaded.delegation().active, loaded.delegation().reason));
  return out;
}

Napi::Value ShimHandle::ConfigCreated(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Open(info.Env()).config_created());
}

Napi::Value ShimHandle::MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  std::vector<uint8_t> key = Bytes(info, 1, "key"), value = Bytes(info, 2, "value");
  uint64_t flags = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Uint32Value() : static_cast<uint32_t>(BPF_ANY);
  UpdateResult r = Guard(env, [&] { return sg::MapUpdate(MapByName(Open(env).skel(), name), key, value, flags); });
  return Napi::String::New(env, r == UpdateResult::kOk ? "ok" : r == UpdateResult::kFull ? "full" : "exists");
}

Napi::Value ShimHandle::MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  std::vector<uint8_t> key = Bytes(info, 1, "key");
  auto value = Guard(env, [&] { return sg::MapLookup(MapByName(Open(env).skel(), name), key); });
  if (!value) return env.Null();
  return ToBuffer(env, *value);
}

Napi::Value ShimHandle::MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  std::vector<uint8_t> key = Bytes(info, 1, "key");
  return Napi::Boolean::New(env, Guard(env, [&] { return sg::MapDelete(MapByName(Open(env).skel(), name), key); }));
}

// Socket storage is keyed by a descriptor of the caller, so it has no place in mapUpdate.
Napi::Value ShimHandle::Delegate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  sg_delegation d{info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value(),
                  info[1].As<Napi::Number>().Uint32Value()};
  Guard(env, [&] {
    int map = bpf_map__fd(Open(env).skel()->maps.sg_delegations);
    if (bpf_map_update_elem(map, &fd, &d, BPF_ANY) != 0)
      throw StepError("update", "bpf", errno, "name the thread a call is for on socket fd " + std::to_string(fd));
    return 0;
  });
  return env.Undefined();
}

Napi::Value ShimHandle::MapMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  return Napi::Number::New(env, Guard(env, [&] { return bpf_map__max_entries(MapByName(Open(env).skel(), name)); }));
}

Napi::Value ShimHandle::MapList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  return ToBuffer(env, Guard(env, [&] { return sg::MapList(MapByName(Open(env).skel(), name)); }));
}

Napi::Value ShimHandle::MapRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "map");
  Guard(env, [&] { MapByName(Open(env).skel(), name); });  // refuses what MapByName refuses
  for (size_t i = 0; i < ref_names_.size(); i++) {
    if (ref_names_[i] == name) return Napi::Number::New(env, static_cast<double>(i));
  }
  ref_names_.push_back(name);
  ref_skel_ = nullptr;  // resolved again at the next use
  return Napi::Number::New(env, static_cast<double>(ref_names_.size() - 1));
}

bpf_map* ShimHandle::MapOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockgate* skel = Open(env).skel();
  if (ref_skel_ != skel) {
    ref_maps_.clear();
    for (const std::string& name : ref_names_) ref_maps_.push_back(Guard(env, [&] { return MapByName(skel, name); }));
    ref_skel_ = skel;
  }
  uint32_t ref = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : UINT32_MAX;
  if (ref >= ref_maps_.size()) throw Napi::TypeError::New(env, "map ref must come from mapRef()");
  return ref_maps_[ref];
}

namespace {
// A Buffer argument's bytes, not copied (the call is synchronous).
Napi::Uint8Array View(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  }
  return info[index].As<Napi::Uint8Array>();
}
}  // namespace

Napi::Value ShimHandle::LookupInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_map* map = MapOf(info);
  auto key = View(info, 1, "key");
  auto out = View(info, 2, "out");
  bool found = Guard(env, [&] { return MapLookupInto(map, key.Data(), key.ByteLength(), out.Data(), out.ByteLength()); });
  return Napi::Boolean::New(env, found);
}

Napi::Value ShimHandle::UpdateRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_map* map = MapOf(info);
  auto key = View(info, 1, "key");
  auto value = View(info, 2, "value");
  uint64_t flags = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Uint32Value() : static_cast<uint32_t>(BPF_ANY);
  UpdateResult r = Guard(env, [&] { return MapUpdateRaw(map, key.Data(), key.ByteLength(), value.Data(), value.ByteLength(), flags); });
  return Napi::Number::New(env, r == UpdateResult::kOk ? 0 : r == UpdateResult::kFull ? 1 : 2);
}

Napi::Value ShimHandle::DeleteRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_map* map = MapOf(info);
  auto key = View(info, 1, "key");
  return Napi::Boolean::New(env, Guard(env, [&] { return MapDeleteRaw(map, key.Data(), key.ByteLength()); }));
}

Napi::Value ShimHandle::ReleasePending(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t key[sizeof(sg_flow_key)];
  FixedBytes(info, 0, "flow key", key);
  sg_release_args args = {};
  memcpy(&args.key, key, sizeof key);
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    uint8_t flow[sizeof(sg_verdict_value)];
    FixedBytes(info, 1, "flow verdict", flow);
    memcpy(&args.flow, flow, sizeof flow);
    args.set_flow = 1;
  }
  uint32_t retval = 0;
  Guard(env, [&] {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof args);
    int err = bpf_prog_test_run_opts(bpf_program__fd(Open(env).skel()->progs.sg_release_pending), &opts);
    if (err != 0) throw StepError("update", "bpf", errno, "run sg_release_pending");
    retval = opts.retval;
  });
  // 0: nothing to release, 1: released, 2: sg_flows refused the answer (nothing released)
  return Napi::Number::New(env, retval != 0 ? 2 : args.released != 0 ? 1 : 0);
}

// Task storage is looked up by pidfd: the process the pid names when it is opened.
Napi::Value ShimHandle::LineageOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "pid must be a number");
  int pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) throw Napi::TypeError::New(env, "pid must be a positive number");
  sg_lineage value = {};
  bool found = Guard(env, [&] {
    int map = bpf_map__fd(Open(env).skel()->maps.sg_lineages);
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      if (errno == ESRCH) return false;  // gone: nothing to tell
      throw StepError("lookup", "pidfd_open", errno, "open a pidfd for process " + std::to_string(pid));
    }
    int err = bpf_map_lookup_elem(map, &pidfd, &value) == 0 ? 0 : errno;
    close(pidfd);
    if (err == ENOENT) return false;
    if (err != 0) throw StepError("lookup", "bpf", err, "read the lineage of process " + std::to_string(pid));
    return true;
  });
  if (!found) return env.Null();
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&value), sizeof value);
}

Napi::Value ShimHandle::RunIterator(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = String(info, 0, "program");
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(env, "netnsPaths must be an array of strings");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < list.Length(); i++) paths.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  sockgate* skel = Open(env).skel();
  bpf_program* prog = name == "mark_listeners" ? skel->progs.sg_iter_mark_listeners
                      : name == "sock_idents"  ? skel->progs.sg_iter_sock_idents
                      : name == "end_tcp"      ? skel->progs.sg_iter_end_tcp
                      : name == "end_udp"      ? skel->progs.sg_iter_end_udp
                                               : nullptr;
  if (prog == nullptr) throw Napi::TypeError::New(env, "program must be mark_listeners, sock_idents, end_tcp or end_udp");
  return Napi::Number::New(env, Guard(env, [&] { return sg::RunIterator(prog, paths); }));
}

Napi::Value ShimHandle::HoldMatchPin(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Open(info.Env()).hold_match_pin());
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
  auto rows = Open(env).ProgramsByHook();
  Napi::Array out = Napi::Array::New(env, rows.size() * 2);
  for (size_t i = 0; i < rows.size(); i++) {
    sg::ProgramStats sum = {0, 0};
    for (bpf_program* prog : rows[i]) {
      if (bpf_program__fd(prog) < 0) continue;  // not loaded on this kernel
      auto stats = Guard(env, [&] { return ReadProgramStats(bpf_program__fd(prog), bpf_program__name(prog)); });
      sum.run_count += stats.run_count;
      sum.run_time_ns += stats.run_time_ns;
    }
    out.Set(static_cast<uint32_t>(2 * i), Napi::BigInt::New(env, sum.run_count));
    out.Set(static_cast<uint32_t>(2 * i + 1), Napi::BigInt::New(env, sum.run_time_ns));
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

Napi::Value ShimHandle::UpgradePending(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Open(info.Env()).upgrade_pending());
}

Napi::Value ShimHandle::CompleteUpgrade(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "netnsPaths must be an array of strings");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < list.Length(); i++) paths.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  Guard(env, [&] { Open(env).CompleteUpgrade(paths); });
  return env.Undefined();
}

Napi::Value ShimHandle::Migrated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  for (auto& [name, moved] : Open(env).MigrationReport()) out.Set(name, Napi::Number::New(env, static_cast<double>(moved)));
  return out;
}

Napi::Value ShimHandle::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

}  // namespace sg
