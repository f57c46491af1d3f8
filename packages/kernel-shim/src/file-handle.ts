// The inode generation (i_generation) inside a file handle from name_to_handle_at. Each
// filesystem lays its handle out its own way; the layouts below are the kernel's, and a
// layout counts only when the inode number it carries is the file's (two filesystems use
// handle type 1 with different layouts). Anything else: no generation (undefined).

const FILEID_INO32_GEN = 0x1; //             ext2/3/4, xfs (32-bit inodes): {u32 ino, u32 gen}; tmpfs: {u32 gen, u64 ino}
const FILEID_INO32_GEN_PARENT = 0x2; //      the same, then the parent's
const FILEID_BTRFS_WITHOUT_PARENT = 0x4d; // struct btrfs_fid: {u64 objectid, u64 root, u32 gen, ...}
const FILEID_BTRFS_WITH_PARENT = 0x4e;
const FILEID_BTRFS_WITH_PARENT_ROOT = 0x4f;
const XFS_FILEID_INO64_GEN = 0x81; //        struct xfs_fid64: {u64 ino, u32 gen, ...}
const XFS_FILEID_INO64_GEN_PARENT = 0x82;

export function generationFromHandle(type: number, h: Buffer, ino: bigint): number | undefined {
  const u32 = (at: number): number | undefined => (h.length >= at + 4 ? h.readUInt32LE(at) : undefined);
  const u64 = (at: number): bigint | undefined => (h.length >= at + 8 ? h.readBigUInt64LE(at) : undefined);
  switch (type) {
    case FILEID_INO32_GEN:
    case FILEID_INO32_GEN_PARENT:
      // tmpfs (shmem_encode_fh) writes 12 bytes with the generation first
      if (h.length === 12 && (BigInt(u32(4)!) | (BigInt(u32(8)!) << 32n)) === ino) return u32(0);
      if (BigInt(u32(0) ?? -1) === (ino & 0xffff_ffffn) && ino <= 0xffff_ffffn) return u32(4);
      return undefined;
    case FILEID_BTRFS_WITHOUT_PARENT:
    case FILEID_BTRFS_WITH_PARENT:
    case FILEID_BTRFS_WITH_PARENT_ROOT:
      return u64(0) === ino ? u32(16) : undefined;
    case XFS_FILEID_INO64_GEN:
    case XFS_FILEID_INO64_GEN_PARENT:
      return u64(0) === ino ? u32(8) : undefined;
    default:
      return undefined; // overlayfs wraps the real layer's handle; others are unknown
  }
}
