#include "file-id.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>  // with linux/stat.h: struct statx has stx_mnt_id (5.8)
#include <unistd.h>

#include "errors.h"

namespace sg {

FileId ReadFileId(const std::string& path) {
  // One O_PATH fd for both calls, so they describe the same file even if the path changes.
  int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) throw StepError("read", "open", errno, "open " + path + " to read its identity");
  FileId id;
  struct statx stx = {};
  if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &stx) != 0) {
    int err = errno;
    close(fd);
    throw StepError("read", "statx", err, "statx " + path);
  }
  id.ino = stx.stx_ino;
  if (stx.stx_mask & STATX_MNT_ID) id.mount_id = static_cast<int64_t>(stx.stx_mnt_id);

  alignas(file_handle) uint8_t storage[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
  auto* fh = reinterpret_cast<file_handle*>(storage);
  fh->handle_bytes = MAX_HANDLE_SZ;
  int mount_id = -1;
  if (name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH) == 0) {
    id.handle_type = fh->handle_type;
    id.handle.assign(fh->f_handle, fh->f_handle + fh->handle_bytes);
    if (id.mount_id < 0) id.mount_id = mount_id;
  } else if (errno != EOPNOTSUPP && errno != ENOTSUP) {
    int err = errno;
    close(fd);
    throw StepError("read", "name_to_handle_at", err, "read the file handle of " + path);
  }
  close(fd);
  return id;
}

}  // namespace sg
