// Filesystems a test mounts for itself (loop images, tmpfs, overlayfs), each unmounted and
// removed by the test's Cleanup, also when the test fails. `mount -o loop` sets autoclear,
// so unmounting an image frees its loop device.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { run } from "./exec.js";

/** Whether this kernel can mount fstype (/proc/filesystems; modules cannot be loaded here). */
export function kernelHasFilesystem(fstype: string): boolean {
  return readFileSync("/proc/filesystems", "utf8")
    .split("\n")
    .some((line) => line.split("\t")[1] === fstype);
}

function mountHere(cleanup: Cleanup, dir: string, args: string[]): string {
  mkdirSync(dir, { recursive: true });
  run("mount", [...args, dir]);
  cleanup.add(`unmount ${dir}`, () => void run("umount", ["-l", dir]));
  return dir;
}

/** A fresh `mkfs.<fstype>` image of sizeMb in dir, loop-mounted at dir/<name>. */
export function mountImage(cleanup: Cleanup, dir: string, name: string, fstype: "ext4" | "btrfs", sizeMb: number): string {
  const image = join(dir, `${name}.img`);
  run("truncate", ["-s", `${sizeMb}M`, image]);
  cleanup.add(`remove ${image}`, () => rmSync(image, { force: true }));
  run(`mkfs.${fstype}`, fstype === "ext4" ? ["-q", "-F", image] : ["-q", image]);
  return mountHere(cleanup, join(dir, name), ["-t", fstype, "-o", "loop", image]);
}

export function mountTmpfs(cleanup: Cleanup, dir: string): string {
  return mountHere(cleanup, dir, ["-t", "tmpfs", "-o", "size=64m", "tmpfs"]);
}

/** overlayfs at dir/merged with one lower layer and upper/work dirs (which must share a filesystem). */
export function mountOverlay(cleanup: Cleanup, dir: string, lower: string, upperParent: string): string {
  const upper = join(upperParent, "upper");
  const work = join(upperParent, "work");
  mkdirSync(upper, { recursive: true });
  mkdirSync(work, { recursive: true });
  return mountHere(cleanup, join(dir, "merged"), ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`]);
}
