// sockgate_shim.node: module init. The API is private to src/shim.ts.
#include <napi.h>
#include <stdio.h>
#include <time.h>

#include "errors.h"
#include "file-id.h"
#include "libbpf-log.h"
#include "loader.h"
#include "netlink-socket.h"
#include "netns.h"
#include "shim-handle.h"
#include "test-object.h"

namespace sg {
namespace {

// detachPinnedLink(path: string): boolean; false when nothing is pinned there.
Napi::Value DetachPinnedLinkJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(env, Guard(env, [&] { return DetachPinnedLink(path); }));
}

// clocks(): [realtimeNs, boottimeNs] read back to back, to put wall-clock deadlines on
// the kernel's boot clock (bpf_ktime_get_boot_ns), which Node cannot read.
Napi::Value ClocksJs(const Napi::CallbackInfo& info) {
  timespec real = {}, boot = {};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  auto ns = [](const timespec& t) { return static_cast<uint64_t>(t.tv_sec * 1000000000LL + t.tv_nsec); };
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::BigInt::New(info.Env(), ns(real)));
  out.Set(1u, Napi::BigInt::New(info.Env(), ns(boot)));
  return out;
}

// readInNetns(netnsPath: string, file: string): string | null — a /proc/net file as one
// namespace sees it (null when it does not exist there), without spawning a process.
Napi::Value ReadInNetnsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) throw Napi::TypeError::New(env, "readInNetns(netnsPath, file)");
  std::string netns = info[0].As<Napi::String>().Utf8Value(), file = info[1].As<Napi::String>().Utf8Value();
  std::string out;
  bool found = false;
  Guard(env, [&] {
    InNetns(netns, [&] {
      // /proc/thread-self/net is the calling thread's namespace: the one just entered
      FILE* f = fopen(("/proc/thread-self/net/" + file).c_str(), "re");
      if (f == nullptr) return;
      found = true;
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
      fclose(f);
    });
  });
  return found ? Napi::Value(Napi::String::New(env, out)) : env.Null();
}

// netnsCookie(path: string): bigint; "" is this process's namespace.
Napi::Value NetnsCookieJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return Napi::BigInt::New(env, Guard(env, [&] { return NetnsCookie(path); }));
}

// fileId(path: string): { ino: bigint, mountId: number, handleType: number, handle: Buffer }
// (mountId and handleType -1 when the kernel or the filesystem gives none).
Napi::Value FileIdJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  FileId id = Guard(env, [&] { return ReadFileId(path); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("ino", Napi::BigInt::New(env, id.ino));
  out.Set("mountId", Napi::Number::New(env, static_cast<double>(id.mount_id)));
  out.Set("handleType", Napi::Number::New(env, id.handle_type));
  out.Set("handle", Napi::Buffer<uint8_t>::Copy(env, id.handle.data(), id.handle.size()));
  return out;
}

}  // namespace
}  // namespace sg

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  sg::LibbpfLog::Install();
  exports.Set("ShimHandle", sg::ShimHandle::Define(env));
  exports.Set("detachPinnedLink", Napi::Function::New<sg::DetachPinnedLinkJs>(env, "detachPinnedLink"));
  exports.Set("netnsCookie", Napi::Function::New<sg::NetnsCookieJs>(env, "netnsCookie"));
  exports.Set("clocks", Napi::Function::New<sg::ClocksJs>(env, "clocks"));
  exports.Set("fileId", Napi::Function::New<sg::FileIdJs>(env, "fileId"));
  exports.Set("readInNetns", Napi::Function::New<sg::ReadInNetnsJs>(env, "readInNetns"));
  exports.Set("NetlinkSocket", sg::NetlinkSocket::Define(env));
  exports.Set("TestObject", sg::TestObject::Define(env));  // tests only (bpf-test-run.test.ts)
  return exports;
}

NODE_API_MODULE(sockgate_shim, InitAddon)
