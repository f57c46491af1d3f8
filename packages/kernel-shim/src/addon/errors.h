// Failures of one step of the shim's life (open, load, attach, pin, adopt, update, ...).
// C++ code throws StepError; the JS boundary turns it into a Node-shaped Error that
// src/shim.ts wraps in a SockgateError.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

namespace sg {

struct StepError : std::runtime_error {
  std::string step;     // lock | open | load | attach | pin | adopt | update | read | events | stats | detach
  std::string syscall;  // the call that failed, e.g. "bpf", "open"
  int err;              // positive errno; 0 when no syscall failed
  std::string sg_code;  // a SG_ERR_* code when the failure is not a plain syscall error
  std::string detail;   // appended after the sentence, e.g. the tail of the verifier log

  StepError(std::string step, std::string syscall, int err, const std::string& what,
            std::string sg_code = "")
      : std::runtime_error(what), step(std::move(step)), syscall(std::move(syscall)), err(err),
        sg_code(std::move(sg_code)) {}
};

// "attach sg_connect4 to /x failed: Operation not permitted (EPERM)" plus code, errno
// (negative, as in Node), syscall and step properties.
Napi::Error ToJsError(Napi::Env env, const StepError& e);

// Runs fn and rethrows a StepError as a JS exception.
template <typename Fn>
auto Guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const StepError& e) {
    throw ToJsError(env, e);
  }
}

}  // namespace sg
