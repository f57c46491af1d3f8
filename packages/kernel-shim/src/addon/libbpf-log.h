// libbpf reports why a load failed (the verifier log above all) through its print
// callback, not through errno. LibbpfLog keeps what it printed during one step so the
// error of that step can quote its tail.
#pragma once
#include <string>

namespace sg {

class LibbpfLog {
 public:
  static void Install();  // once, at module init
  // Collects messages until destroyed; only one capture is active (the loop thread).
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;
  // The last max_bytes of what libbpf printed, or "" when it printed nothing.
  std::string Tail(size_t max_bytes = 3000) const;
};

}  // namespace sg
