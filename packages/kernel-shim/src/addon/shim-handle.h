// The native object behind one open shim; private to src/shim.ts, which validates input
// and owns every byte layout.
#pragma once
#include <napi.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "loader.h"

namespace sg {

class EventStream;

class ShimHandle : public Napi::ObjectWrap<ShimHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new ShimHandle(cgroupPath: string, pinDir: string, maxVerdicts: number, initialConfig: Buffer)
  explicit ShimHandle(const Napi::CallbackInfo& info);
  ~ShimHandle() override;

 private:
  Napi::Value Adopted(const Napi::CallbackInfo& info);
  Napi::Value Features(const Napi::CallbackInfo& info);
  Napi::Value ConfigCreated(const Napi::CallbackInfo& info);
  Napi::Value MapUpdate(const Napi::CallbackInfo& info);  // (map, key, value, flags) => "ok" | "full" | "exists"
  Napi::Value MapLookup(const Napi::CallbackInfo& info);  // (map, key) => Buffer | null
  Napi::Value MapDelete(const Napi::CallbackInfo& info);  // (map, key) => false when absent
  Napi::Value Delegate(const Napi::CallbackInfo& info);  // (socketFd, op, tid, tgid)
  // The per-flow path: a map named once (mapRef), then bytes in and out of the caller's own
  // Buffers, with no copy and no allocation per call.
  Napi::Value MapRef(const Napi::CallbackInfo& info);         // (map) => ref
  Napi::Value LookupInto(const Napi::CallbackInfo& info);     // (ref, key, out) => false when absent
  Napi::Value UpdateRef(const Napi::CallbackInfo& info);      // (ref, key, value, flags) => 0 ok | 1 full | 2 exists
  Napi::Value DeleteRef(const Napi::CallbackInfo& info);      // (ref, key) => false when absent
  Napi::Value MapList(const Napi::CallbackInfo& info);
  Napi::Value MapMaxEntries(const Napi::CallbackInfo& info);    // (map) => Buffer of key|value pairs
  Napi::Value ReleasePending(const Napi::CallbackInfo& info);  // (flowKey) => true when it ended the flow
  Napi::Value LineageOf(const Napi::CallbackInfo& info);       // (pid) => struct sg_lineage bytes | null
  Napi::Value RunIterator(const Napi::CallbackInfo& info);     // (program, netnsPaths[]) => namespaces walked
  Napi::Value HoldMatchPin(const Napi::CallbackInfo& info);    // () => pinned path of sg_hold_match
  Napi::Value ReadCounters(const Napi::CallbackInfo& info);   // () => { cpus, bytes }
  Napi::Value ProgramStats(const Napi::CallbackInfo& info);   // () => bigint[] run/time pairs by hook
  Napi::Value EnableStats(const Napi::CallbackInfo& info);    // () => token
  Napi::Value DisableStats(const Napi::CallbackInfo& info);   // (token)
  Napi::Value StartEvents(const Napi::CallbackInfo& info);    // (listener)
  Napi::Value PauseEvents(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value UpgradePending(const Napi::CallbackInfo& info);   // () => true until completeUpgrade()
  Napi::Value CompleteUpgrade(const Napi::CallbackInfo& info);  // (netnsPaths) => swaps the programs, finishes the copy
  Napi::Value Migrated(const Napi::CallbackInfo& info);         // () => { map: entries moved } of a migration

  Loaded& Open(Napi::Env env);  // throws when closed
  bpf_map* MapOf(const Napi::CallbackInfo& info);  // the map of info[0], a ref from MapRef

  std::vector<std::string> ref_names_;      // index: ref
  std::vector<bpf_map*> ref_maps_;          // resolved in ref_skel_
  struct sockgate* ref_skel_ = nullptr;
  void Release();

  std::unique_ptr<Loaded> loaded_;
  EventStream* events_ = nullptr;  // frees itself after Close()
  bool events_running_ = false;    // while true, this object holds itself against GC
  std::set<int> stats_fds_;
};

}  // namespace sg
