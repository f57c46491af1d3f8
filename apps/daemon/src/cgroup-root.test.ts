import { describe, expect, it } from "vitest";
import { cgroup2Root } from "./cgroup-root.js";

describe("cgroup2Root", () => {
  it("finds the unified hierarchy on a hybrid system", () => {
    const mounts = [
      "tmpfs /sys/fs/cgroup tmpfs rw 0 0",
      "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0",
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
    ].join("\n");
    expect(cgroup2Root(mounts)).toBe("/sys/fs/cgroup/unified");
  });

  it("finds a pure v2 system", () => {
    expect(cgroup2Root("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n")).toBe("/sys/fs/cgroup");
  });

  it("says what is missing", () => {
    expect(() => cgroup2Root("proc /proc proc rw 0 0\n")).toThrow(/no cgroup2 filesystem/);
  });
});
