// Tests only: a BPF object loaded on its own (build/test-progs.bpf.o) whose socket-filter
// programs the tests run with BPF_PROG_TEST_RUN on hand-made packets, reading and writing
// its maps by name. Nothing of the shim uses it.
#pragma once
#include <napi.h>

struct bpf_object;

namespace sg {

class TestObject : public Napi::ObjectWrap<TestObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new TestObject(path: string)
  explicit TestObject(const Napi::CallbackInfo& info);
  ~TestObject() override;

 private:
  Napi::Value Run(const Napi::CallbackInfo& info);        // (program, packet: Buffer, mark: number) => retval
  Napi::Value MapUpdate(const Napi::CallbackInfo& info);  // (map, key, value)
  Napi::Value MapLookup(const Napi::CallbackInfo& info);  // (map, key) => Buffer | null
  Napi::Value Close(const Napi::CallbackInfo& info);

  bpf_object* obj_ = nullptr;
};

}  // namespace sg
