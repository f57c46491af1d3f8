#include "libbpf-log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

namespace sg {

namespace {
// Verifier logs run to megabytes; the tail names the instruction that failed.
constexpr size_t kKeep = 64 * 1024;
bool capturing = false;
std::string buffer;

int Print(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (!capturing || level == LIBBPF_DEBUG) return 0;
  // One call can carry the whole verifier log ("-- BEGIN PROG LOAD LOG --%s...").
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string text(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(text.data(), text.size(), fmt, ap);
  text.resize(static_cast<size_t>(n));
  buffer += text;
  if (buffer.size() > 2 * kKeep) buffer.erase(0, buffer.size() - kKeep);
  return n;
}
}  // namespace

void LibbpfLog::Install() { libbpf_set_print(Print); }

LibbpfLog::LibbpfLog() {
  buffer.clear();
  capturing = true;
}

LibbpfLog::~LibbpfLog() {
  capturing = false;
  buffer.clear();
}

std::string LibbpfLog::Tail(size_t max_bytes) const {
  if (buffer.size() <= max_bytes) return buffer;
  return "..." + buffer.substr(buffer.size() - max_bytes);
}

}  // namespace sg
