#include "pin-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "errors.h"

namespace sg {

PinLock::PinLock(const std::string& pin_dir) {
  // O_CLOEXEC: a child the daemon runs must not keep the lock after the daemon has gone.
  fd_ = open(pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw StepError("lock", "open", errno, "open pin directory " + pin_dir + " to lock it");
  // flock locks belong to the open file: a second openShim in this same process conflicts too.
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw StepError("lock", "flock", err,
                      "lock pin directory " + pin_dir +
                          ": another shim has it open (only one reader may consume its ring buffer; close that one first)",
                      "SG_ERR_SHIM_LOCKED");
    }
    throw StepError("lock", "flock", err, "lock pin directory " + pin_dir);
  }
}

PinLock::~PinLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

}  // namespace sg
