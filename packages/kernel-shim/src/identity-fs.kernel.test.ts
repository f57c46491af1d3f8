import { chmodSync, copyFileSync, linkSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { kernelDevFromStat } from "./identity.js";
import { run } from "../test/harness/exec.js";
import { kernelHasFilesystem, mountImage, mountOverlay, mountTmpfs } from "../test/harness/filesystems.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath, uniqueName } from "../test/harness/names.js";
import { runClient } from "../test/harness/spawn.js";
import { createShimWorld, resetShim, PEER_TCP_PORT, type ShimWorld } from "../test/harness/world.js";

// identityOf() gives the key the kernel sees (the superblock's dev, i_sb->s_dev), on every
// filesystem: a verdict set from it matches a real process executing that file, also where
// stat()'s st_dev is another number (btrfs subvolumes, overlayfs over two filesystems).

const BTRFS = kernelHasFilesystem("btrfs");
const sgclient = clientPath("sgclient");

describe("identityOf on filesystems where st_dev is not the superblock's", () => {
  let w: ShimWorld;
  let dir: string;
  beforeAll(async () => {
    w = await createShimWorld();
    dir = join("/tmp", uniqueName());
    mkdirSync(dir);
    w.cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  /** A deny for exe's identity is met by exe itself, run in the test cgroup; the event names that identity. */
  async function deniedByItsOwnIdentity(exe: string): Promise<void> {
    const id = identityOf(exe);
    // the entry names the file's generation too: the kernel ignores it if its own differs
    const value = { verdict: "deny", tag: 81, ...(id.exeGeneration !== undefined ? { exeGeneration: id.exeGeneration } : {}) } as const;
    w.shim.setVerdict({ exeDev: id.exeDev, exeIno: id.exeIno, uid: 0, op: "connect", proto: "tcp", addr: w.ns.peer4, port: PEER_TCP_PORT }, value);
    const r = await runClient(w.inside, [exe, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    expect(r, `${exe} with a deny for identityOf(${exe})`).toMatchObject({ ok: false, err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev).toMatchObject({ verdict: "deny", reason: "exact", tag: 81, exeDev: id.exeDev, exeIno: id.exeIno, ...(id.exeGeneration !== undefined ? { exeGeneration: id.exeGeneration } : {}) });
  }

  it("overlayfs with its lower layer on ext4 and its upper layer on tmpfs", async () => {
    const ext4 = mountImage(w.cleanup, dir, "lower", "ext4", 32);
    const tmpfs = mountTmpfs(w.cleanup, join(dir, "uppertmp"));
    copyFileSync(sgclient, join(ext4, "lower-sgclient"));
    const merged = mountOverlay(w.cleanup, dir, ext4, tmpfs);
    const fromLower = join(merged, "lower-sgclient");
    const fromUpper = join(merged, "upper-sgclient");
    copyFileSync(sgclient, fromUpper); // written through the overlay: lands in the tmpfs upper layer
    chmodSync(fromUpper, 0o755);
    for (const exe of [fromLower, fromUpper]) {
      await deniedByItsOwnIdentity(exe);
      // why it matters: stat() reports the layer's device, not the overlay's
      expect(kernelDevFromStat(statSync(exe, { bigint: true }).dev), `st_dev of ${exe}`).not.toBe(identityOf(exe).exeDev);
      expect(identityOf(exe).exeGeneration, "no generation: the overlay's handle wraps the layer's").toBeUndefined();
    }
  });

  it.skipIf(!BTRFS)("btrfs: a file in a subvolume (its own anonymous st_dev)", async () => {
    const btrfs = mountImage(w.cleanup, dir, "btrfs", "btrfs", 128);
    run("btrfs", ["-q", "subvolume", "create", join(btrfs, "sub")]);
    const exe = join(btrfs, "sub", "sgclient");
    copyFileSync(sgclient, exe);
    chmodSync(exe, 0o755);
    await deniedByItsOwnIdentity(exe);
    expect(kernelDevFromStat(statSync(exe, { bigint: true }).dev), "why it matters: the subvolume's st_dev is not the superblock's").not.toBe(identityOf(exe).exeDev);
    // and in the top-level subvolume, where the two agree
    const top = join(btrfs, "top-sgclient");
    copyFileSync(sgclient, top);
    await deniedByItsOwnIdentity(top);
  });

  it("ext4 and btrfs: the generation from the file handle is the one lsattr -v (FS_IOC_GETVERSION) reports, kept across chmod and hard links", () => {
    const ext4 = mountImage(w.cleanup, dir, "gen-ext4", "ext4", 32);
    const roots = [ext4, ...(BTRFS ? [mountImage(w.cleanup, dir, "gen-btrfs", "btrfs", 128)] : [])];
    for (const root of roots) {
      const file = join(root, "exe");
      copyFileSync(sgclient, file);
      const id = identityOf(file);
      const version = Number(run("lsattr", ["-v", file]).trim().split(/\s+/)[0]);
      expect(id.exeGeneration, `generation of ${file}`).toBe(version);
      chmodSync(file, 0o700);
      linkSync(file, join(root, "hardlink"));
      expect(identityOf(join(root, "hardlink")), "chmod and a hard link change nothing").toEqual(id);
    }
  });

  it("ext4 and tmpfs: a deny naming identityOf's generation is met by the file's process", async () => {
    const ext4 = mountImage(w.cleanup, dir, "run-ext4", "ext4", 32);
    const tmpfs = mountTmpfs(w.cleanup, join(dir, "run-tmpfs"));
    for (const root of [ext4, tmpfs]) {
      const exe = join(root, "sgclient");
      copyFileSync(sgclient, exe);
      chmodSync(exe, 0o755);
      expect(identityOf(exe).exeGeneration, `${root} gives a generation`).toBeDefined();
      await deniedByItsOwnIdentity(exe);
    }
  });

  it("tmpfs: a generation, stable for the file", () => {
    const tmpfs = mountTmpfs(w.cleanup, join(dir, "gen-tmpfs"));
    const file = join(tmpfs, "exe");
    copyFileSync(sgclient, file);
    const id = identityOf(file);
    expect(typeof id.exeGeneration).toBe("number");
    expect(identityOf(file)).toEqual(id);
  });
});

if (!BTRFS) {
  describe("btrfs", () => {
    it.skip("this kernel has no btrfs in /proc/filesystems (and cannot load modules): the btrfs identity test is skipped", () => {});
  });
}
