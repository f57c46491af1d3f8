import { describe, expect, it } from "vitest";
import { parseDaemonArgs } from "./cli-args.js";

describe("parseDaemonArgs", () => {
  it("has production defaults", () => {
    expect(parseDaemonArgs([])).toEqual({
      cgroup: undefined,
      pinDir: "/sys/fs/bpf/sockgate",
      unload: false,
      reportAllows: false,
      json: false,
      unknown: "allow",
    });
  });

  it("reads every option", () => {
    expect(parseDaemonArgs(["--cgroup", "/sys/fs/cgroup/x", "--pin-dir", "/sys/fs/bpf/t", "--report-allows", "--json"])).toEqual({
      cgroup: "/sys/fs/cgroup/x",
      pinDir: "/sys/fs/bpf/t",
      unload: false,
      reportAllows: true,
      json: true,
      unknown: "allow",
    });
  });

  it("rejects a bad --unknown value naming it", () => {
    expect(parseDaemonArgs(["--unknown", "deny"]).unknown).toBe("deny");
    expect(() => parseDaemonArgs(["--unknown", "maybe"])).toThrow(/--unknown must be "allow" or "deny", got "maybe"/);
  });

  it("rejects an unknown option by name", () => {
    expect(() => parseDaemonArgs(["--bogus"])).toThrow(/--bogus/);
  });
});
