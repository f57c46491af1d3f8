import { describe, expect, it } from "vitest";
import { generationFromHandle } from "./file-handle.js";
import { mountDev } from "./identity.js";

// File handle layouts, one hand-made handle per filesystem family (little-endian, as the
// kernel writes them on x86), and the mountinfo line that gives a mount's superblock dev.

const bytes = (...words: Array<[number, "u32" | "u64"]>): Buffer =>
  Buffer.concat(words.map(([v, w]) => {
    const b = Buffer.alloc(w === "u32" ? 4 : 8);
    if (w === "u32") b.writeUInt32LE(v);
    else b.writeBigUInt64LE(BigInt(v));
    return b;
  }));

describe("generationFromHandle", () => {
  it("ext4 (FILEID_INO32_GEN): {u32 ino, u32 gen}", () => {
    expect(generationFromHandle(1, bytes([260178, "u32"], [7, "u32"]), 260178n)).toBe(7);
  });
  it("tmpfs (type 1, 12 bytes): {u32 gen, u64 ino}", () => {
    expect(generationFromHandle(1, bytes([0xdeadbeef, "u32"], [42, "u64"]), 42n)).toBe(0xdeadbeef);
  });
  it("btrfs (0x4d): {u64 objectid, u64 root, u32 gen}", () => {
    expect(generationFromHandle(0x4d, bytes([257, "u64"], [5, "u64"], [9, "u32"]), 257n)).toBe(9);
  });
  it("xfs (0x81): {u64 ino, u32 gen}", () => {
    expect(generationFromHandle(0x81, bytes([2 ** 40, "u64"], [3, "u32"]), 2n ** 40n)).toBe(3);
  });
  it("a handle whose inode is not the file's gives nothing (layouts are told apart by it)", () => {
    expect(generationFromHandle(1, bytes([1, "u32"], [7, "u32"]), 2n)).toBeUndefined();
    expect(generationFromHandle(0x4d, bytes([1, "u64"], [5, "u64"], [9, "u32"]), 2n)).toBeUndefined();
  });
  it("unknown or wrapping layouts (overlayfs 0xf8) give nothing", () => {
    expect(generationFromHandle(0xf8, Buffer.alloc(40), 1n)).toBeUndefined();
    expect(generationFromHandle(1, Buffer.alloc(2), 0n)).toBeUndefined();
  });
});

describe("mountDev", () => {
  const info = [
    "26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
    "50 26 0:40 / /mnt/b rw,relatime shared:2 - btrfs /dev/loop0 rw,subvolid=5,subvol=/",
    "51 26 259:1048575 / /mnt/n rw - ext4 /dev/nvme0n1p1 rw",
  ].join("\n");
  it("reads the superblock's major:minor of the mount", () => {
    expect(mountDev(info, 26)).toBe(254 * 2 ** 20 + 1);
    expect(mountDev(info, 50)).toBe(40);
    expect(mountDev(info, 51)).toBe(259 * 2 ** 20 + 1048575);
  });
  it("is undefined for a mount that is not listed", () => {
    expect(mountDev(info, 2)).toBeUndefined();
  });
});
