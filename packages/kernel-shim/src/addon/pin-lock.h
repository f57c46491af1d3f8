// An exclusive flock(2) on the pin directory, held for as long as one shim is open on it:
// two processes consuming one BPF ring buffer would each get part of the records. The
// kernel drops the lock when the holder's fd closes, also when the process dies.
#pragma once
#include <string>

namespace sg {

class PinLock {
 public:
  // Throws StepError (step "lock", SG_ERR_SHIM_LOCKED when another open file holds it).
  explicit PinLock(const std::string& pin_dir);
  ~PinLock();
  PinLock(const PinLock&) = delete;
  PinLock& operator=(const PinLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sg
