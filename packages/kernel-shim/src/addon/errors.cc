#include "errors.h"

#include <string.h>

namespace sg {

static std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "E" + std::to_string(err);
}

Napi::Error ToJsError(Napi::Env env, const StepError& e) {
  std::string message = e.what();
  if (e.err != 0) {
    message += " failed: " + std::string(strerror(e.err)) + " (" + ErrnoName(e.err) + ")";
  }
  if (!e.detail.empty()) message += "\n" + e.detail;
  Napi::Error js = Napi::Error::New(env, message);
  Napi::Object o = js.Value();
  if (e.err != 0) {
    o.Set("code", ErrnoName(e.err));
    o.Set("errno", -e.err);
    o.Set("syscall", e.syscall);
  }
  o.Set("step", e.step);
  if (!e.sg_code.empty()) o.Set("sgCode", e.sg_code);
  return js;
}

}  // namespace sg
