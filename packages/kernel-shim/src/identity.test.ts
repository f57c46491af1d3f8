import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { identityOf, kernelDevFromStat } from "./identity.js";

// glibc's makedev(): what stat() puts in st_dev.
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

describe("kernelDevFromStat", () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [8, 1], //         /dev/sda1
    [254, 0], //       /dev/vda
    [0, 38], //        anonymous block device (overlayfs, tmpfs)
    [259, 0x12345], // minor above 255: its high bits move to bit 20 of st_dev
    [4095, 0xfffff], // the largest kernel dev_t
  ];
  for (const [major, minor] of cases) {
    it(`maps st_dev of ${major}:${minor} to ${major} << 20 | ${minor}`, () => {
      expect(kernelDevFromStat(makedev(major, minor))).toBe(major * 2 ** 20 + minor);
    });
  }

  it("knows the exact encodings of two devices by hand", () => {
    expect(kernelDevFromStat(0xfe00n)).toBe(0x0fe00000); // 254:0
    expect(kernelDevFromStat(0x12310345n)).toBe(0x10312345); // 259:0x12345
  });

  it("refuses devices a kernel dev_t cannot hold", () => {
    expect(() => kernelDevFromStat(makedev(4096, 0))).toThrow(/major < 4096/);
    expect(() => kernelDevFromStat(makedev(1, 1 << 20))).toThrow(/minor < 1048576/);
  });
});

describe("identityOf", () => {
  const dir = mkdtempSync(join(tmpdir(), "sg-identity-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("agrees with stat(1)'s major, minor and inode where st_dev is the superblock's (here: ext4 or tmpfs)", () => {
    const file = join(dir, "exe");
    writeFileSync(file, "#!/bin/sh\n");
    const [major, minor, ino] = execFileSync("stat", ["-L", "-c", "%Hd %Ld %i", file], { encoding: "utf8" })
      .trim()
      .split(" ")
      .map(Number);
    expect(identityOf(file)).toMatchObject({ exeDev: major! * 2 ** 20 + minor!, exeIno: BigInt(ino!) });
  });

  it("resolves a symlink to its target's identity", () => {
    const target = join(dir, "target");
    const link = join(dir, "link");
    writeFileSync(target, "");
    symlinkSync(target, link);
    expect(identityOf(link)).toEqual(identityOf(target));
  });

  it("says which path it could not open", () => {
    expect(() => identityOf(join(dir, "missing"))).toThrow(/missing.*ENOENT/);
  });
});
