// Application identity as the kernel sees it: the executable's inode and the kernel
// dev_t of its filesystem (i_sb->s_dev), which stat() reports in a different encoding.
import { statSync } from "node:fs";
import { SockgateError } from "@sockgate/protocol";

const MINOR_BITS = 20;

/**
 * st_dev as glibc returns it (gnu_dev_makedev over the kernel's new_encode_dev:
 * (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12), major's high bits at 32)
 * to the kernel's internal dev_t: major << 20 | minor.
 */
export function kernelDevFromStat(stDev: bigint): number {
  const major = Number(((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn));
  const minor = Number((stDev & 0xffn) | ((stDev >> 12n) & 0xffff_ff00n));
  if (major >= 1 << (32 - MINOR_BITS) || minor >= 1 << MINOR_BITS) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `device ${stDev} (major ${major}, minor ${minor}) does not fit a kernel dev_t: expected major < 4096 and minor < 1048576`,
    );
  }
  return major * (1 << MINOR_BITS) + minor;
}

/** The identity of the file at path, following symlinks (a symlink resolves to its target). */
export function identityOf(path: string): { exeDev: number; exeIno: bigint } {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (err) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `identity of ${JSON.stringify(path)} is unavailable: expected an existing file, stat() failed with ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  return { exeDev: kernelDevFromStat(st.dev), exeIno: st.ino };
}
