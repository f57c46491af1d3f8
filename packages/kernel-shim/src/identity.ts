// Application identity as the kernel sees it: the executable's inode, the dev_t of its
// superblock (i_sb->s_dev) and, where the filesystem's file handle shows it, the inode
// generation. stat().st_dev is not the superblock's dev on btrfs subvolumes (each has an
// anonymous dev of its own) nor on overlayfs whose layers are on two filesystems (a file
// reports its layer's dev); /proc/self/mountinfo gives the superblock's for the file's mount.
import { readFileSync, statSync } from "node:fs";
import { SockgateError } from "@sockgate/protocol";
import { generationFromHandle } from "./file-handle.js";
import { callNative, loadAddon } from "./native.js";

const MINOR_BITS = 20;

/** The kernel's internal dev_t: major << 20 | minor. */
export function kernelDev(major: number, minor: number, what = `device ${major}:${minor}`): number {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major >= 1 << (32 - MINOR_BITS) || minor >= 1 << MINOR_BITS) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `${what} (major ${major}, minor ${minor}) does not fit a kernel dev_t: expected major < 4096 and minor < 1048576`);
  }
  return major * (1 << MINOR_BITS) + minor;
}

/**
 * st_dev as glibc returns it (gnu_dev_makedev over the kernel's new_encode_dev:
 * (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12), major's high bits at 32)
 * to the kernel's internal dev_t: major << 20 | minor.
 */
export function kernelDevFromStat(stDev: bigint): number {
  const major = Number(((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn));
  const minor = Number((stDev & 0xffn) | ((stDev >> 12n) & 0xffff_ff00n));
  return kernelDev(major, minor, `device ${stDev}`);
}

/** The superblock dev_t of mount `mountId` in /proc/self/mountinfo's text; undefined when it is not listed. */
export function mountDev(mountinfo: string, mountId: number): number | undefined {
  for (const line of mountinfo.split("\n")) {
    // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": id, parent, major:minor
    const [id, , devText] = line.split(" ", 3);
    if (Number(id) !== mountId || devText === undefined) continue;
    const [major, minor] = devText.split(":").map(Number);
    return kernelDev(major!, minor!, `mount ${mountId}'s device ${devText}`);
  }
  return undefined;
}

export interface FileIdentity {
  /** Kernel dev_t of the file's superblock: major << 20 | minor. */
  exeDev: number;
  exeIno: bigint;
  /** The inode generation, where the filesystem's file handle carries it in a known layout
   *  (ext2/3/4, tmpfs, btrfs, xfs); absent elsewhere (overlayfs, filesystems without handles). */
  exeGeneration?: number;
}

/** The identity of the file at path, following symlinks (a symlink resolves to its target). */
export function identityOf(path: string): FileIdentity {
  let id;
  try {
    id = callNative(() => loadAddon().fileId(path));
  } catch (err) {
    const code = (err as { systemCode?: string }).systemCode;
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `identity of ${JSON.stringify(path)} is unavailable: expected an existing file, ${code !== undefined ? `open() failed with ${code}` : String(err)}`,
      { cause: err },
    );
  }
  let exeDev = id.mountId >= 0 ? mountDev(readFileSync("/proc/self/mountinfo", "utf8"), id.mountId) : undefined;
  // No mount id (a kernel before 5.8) or a mount gone meanwhile: stat's device, which is the
  // superblock's everywhere but on btrfs subvolumes and overlayfs over two filesystems.
  exeDev ??= kernelDevFromStat(statSync(path, { bigint: true }).dev);
  const out: FileIdentity = { exeDev, exeIno: id.ino };
  const generation = id.handleType < 0 ? undefined : generationFromHandle(id.handleType, id.handle, id.ino);
  if (generation !== undefined) out.exeGeneration = generation;
  return out;
}
