// The quick start's governed shell: what it runs is in the cgroup /sockgate.shell, which
// the default configuration governs whatever the uid.
import { spawnSync } from "node:child_process";
import { existsSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cgroup2Mount } from "@sockgate/kernel-shim/test-harness";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config/load.js";

const SHELL = fileURLToPath(new URL("../dist/shell.js", import.meta.url));

describe("sockgate-shell", () => {
  it("runs its command in /sockgate.shell, a cgroup the default configuration governs", () => {
    const dir = join(cgroup2Mount(), "sockgate.shell");
    const made = !existsSync(dir);
    try {
      const r = spawnSync(process.execPath, [SHELL, "cat", "/proc/self/cgroup"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split("\n")).toContain("0::/sockgate.shell");
      expect(r.stderr).toMatch(/runs in the governed cgroup \/sockgate\.shell/);
      expect(loadConfig("/nonexistent/config.json").governed.cgroups).toContain("/sockgate.shell");
    } finally {
      if (made && existsSync(dir)) rmdirSync(dir);
    }
  });
});
