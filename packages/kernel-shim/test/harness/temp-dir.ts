import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { uniqueName } from "./names.js";

/**
 * A fresh directory under /tmp (realpath: the kernel reports resolved paths), removed with
 * the cleanup. Mode 0755 by default so that test users can run what is put there.
 */
export function tempDir(cleanup: Cleanup, mode = 0o755): string {
  const dir = join(realpathSync("/tmp"), uniqueName());
  mkdirSync(dir, { mode });
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
