#include "test-object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>

#include <vector>

#include "errors.h"
#include "maps.h"

namespace sg {

namespace {

std::vector<uint8_t> Bytes(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "expected a Buffer");
  auto b = info[i].As<Napi::Uint8Array>();
  return std::vector<uint8_t>(b.Data(), b.Data() + b.ByteLength());
}

}  // namespace

Napi::Function TestObject::Define(Napi::Env env) {
  return DefineClass(env, "TestObject",
                     {InstanceMethod<&TestObject::Run>("run"), InstanceMethod<&TestObject::MapUpdate>("mapUpdate"),
                      InstanceMethod<&TestObject::MapLookup>("mapLookup"), InstanceMethod<&TestObject::Close>("close")});
}

TestObject::TestObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TestObject>(info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "TestObject(path: string)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Guard(info.Env(), [&] {
    obj_ = bpf_object__open_file(path.c_str(), nullptr);
    if (obj_ == nullptr) throw StepError("open", "bpf", errno, "open BPF object " + path);
    int err = bpf_object__load(obj_);
    if (err != 0) {
      bpf_object__close(obj_);
      obj_ = nullptr;
      throw StepError("load", "bpf", -err, "load BPF object " + path);
    }
  });
}

TestObject::~TestObject() { bpf_object__close(obj_); }

Napi::Value TestObject::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (obj_ == nullptr || info.Length() < 3 || !info[0].IsString() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "run(program: string, packet: Buffer, mark: number) on an open object");
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::vector<uint8_t> packet = Bytes(info, 1);
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) throw Napi::TypeError::New(env, "no program " + name);
  __sk_buff ctx = {};
  ctx.mark = info[2].As<Napi::Number>().Uint32Value();
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_size_in = static_cast<uint32_t>(packet.size()),
              .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1);
  Guard(env, [&] {
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) throw StepError("read", "bpf", errno, "test-run " + name);
  });
  return Napi::Number::New(env, opts.retval);
}

Napi::Value TestObject::MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::vector<uint8_t> key = Bytes(info, 1), value = Bytes(info, 2);
  bpf_map* map = obj_ != nullptr ? bpf_object__find_map_by_name(obj_, name.c_str()) : nullptr;
  if (map == nullptr) throw Napi::TypeError::New(env, "no map " + name);
  Guard(env, [&] { sg::MapUpdate(map, key, value, BPF_ANY); });
  return env.Undefined();
}

Napi::Value TestObject::MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::vector<uint8_t> key = Bytes(info, 1);
  bpf_map* map = obj_ != nullptr ? bpf_object__find_map_by_name(obj_, name.c_str()) : nullptr;
  if (map == nullptr) throw Napi::TypeError::New(env, "no map " + name);
  auto value = Guard(env, [&] { return sg::MapLookup(map, key); });
  if (!value) return env.Null();
  return Napi::Buffer<uint8_t>::Copy(env, value->data(), value->size());
}

Napi::Value TestObject::Close(const Napi::CallbackInfo& info) {
  bpf_object__close(obj_);
  obj_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace sg
