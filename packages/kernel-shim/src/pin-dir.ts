// The pin directory must be on bpffs: pins live nowhere else, and unloadShim() must
// never delete files from an ordinary filesystem.
import { existsSync, mkdirSync, rmdirSync, statfsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { SockgateError } from "@sockgate/protocol";

export const DEFAULT_PIN_DIR = "/sys/fs/bpf/sockgate";
const BPF_FS_MAGIC = 0xcafe4a11;

export function checkPinDir(pinDir: unknown): string {
  if (typeof pinDir !== "string" || !isAbsolute(pinDir)) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `pinDir is invalid: expected an absolute path on bpffs such as ${DEFAULT_PIN_DIR}, got ${JSON.stringify(pinDir)}`,
    );
  }
  let probe = pinDir;
  while (!existsSync(probe)) probe = dirname(probe);
  const type = statfsSync(probe).type;
  if (type !== BPF_FS_MAGIC) {
    throw new SockgateError(
      "SG_ERR_SHIM_NO_BPFFS",
      `pinDir ${pinDir} is not on a BPF filesystem: expected bpffs (magic 0x${BPF_FS_MAGIC.toString(16)}) at ${probe}, got filesystem magic 0x${type.toString(16)}; mount it with "mount -t bpf bpf /sys/fs/bpf"`,
    );
  }
  return pinDir;
}

export const linksDir = (pinDir: string): string => join(pinDir, "links");
export const mapsDir = (pinDir: string): string => join(pinDir, "maps");
export const progsDir = (pinDir: string): string => join(pinDir, "progs");

/** Creates pinDir/maps, pinDir/links and pinDir/progs; returns the directories it created, deepest last. */
export function makePinDirs(pinDir: string): string[] {
  const created: string[] = [];
  for (const dir of [pinDir, mapsDir(pinDir), linksDir(pinDir), progsDir(pinDir)]) {
    const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (first !== undefined) created.push(dir);
  }
  return created;
}

/** Removes the given directories if they are empty, deepest first. */
export function removeEmptyDirs(dirs: string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty or already gone: leave it
    }
  }
}
