// malloc_trim(0) for the daemon (src/memory-trim.ts). glibc keeps memory that was freed
// resident (V8's compiler zones, SQLite's page cache churn, libbpf's load of the kernel's
// BTF): a free chunk in the middle of an arena is returned to the system only by
// malloc_trim. Measured on a daemon under bench:daemon: RSS 117.5 → 108.6 MB by one call.
// Node has no binding for it. Built by node-gyp (binding.gyp) in the package's build script.

#include <napi.h>

#include <malloc.h>

namespace {

// mallocTrim() -> whether glibc gave memory back to the system
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim));
  return exports;
}

NODE_API_MODULE(sockgate_memory, Init)
