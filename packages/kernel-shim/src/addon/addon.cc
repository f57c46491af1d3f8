// sockgate_shim.node: module init. The API is private to src/shim.ts.
#include <napi.h>

#include "errors.h"
#include "libbpf-log.h"
#include "loader.h"
#include "shim-handle.h"

namespace sg {
namespace {

// detachPinnedLink(path: string): boolean; false when nothing is pinned there.
Napi::Value DetachPinnedLinkJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(env, Guard(env, [&] { return DetachPinnedLink(path); }));
}

}  // namespace
}  // namespace sg

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  sg::LibbpfLog::Install();
  exports.Set("ShimHandle", sg::ShimHandle::Define(env));
  exports.Set("detachPinnedLink", Napi::Function::New<sg::DetachPinnedLinkJs>(env, "detachPinnedLink"));
  return exports;
}

NODE_API_MODULE(sockgate_shim, InitAddon)
