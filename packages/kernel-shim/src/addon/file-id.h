// What identityOf() needs of a file that Node's fs cannot give: its mount id (to find the
// superblock's dev_t in /proc/self/mountinfo) and its file handle (which carries the inode
// generation). src/identity.ts reads them; this file only makes the system calls.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

namespace sg {

struct FileId {
  uint64_t ino = 0;
  int64_t mount_id = -1;      // -1: the kernel gave none (statx without STATX_MNT_ID, no handle)
  int handle_type = -1;       // -1: the filesystem cannot make file handles (EOPNOTSUPP)
  std::vector<uint8_t> handle;
};

// Follows symlinks, like stat(). Throws StepError (step "read") when the path cannot be opened.
FileId ReadFileId(const std::string& path);

}  // namespace sg
