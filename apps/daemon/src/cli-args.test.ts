import { describe, expect, it } from "vitest";
import { parseDaemonArgs } from "./cli-args.js";

describe("parseDaemonArgs", () => {
  it("leaves to the configuration file what is not given; holds by default", () => {
    expect(parseDaemonArgs([])).toEqual({
      config: "/etc/sockgate/config.json",
      unload: false,
      cgroup: undefined,
      pinDir: undefined,
      reportAllows: false,
      unknown: "hold",
      answer: undefined,
      holdTimeoutMs: undefined,
      timeoutAction: undefined,
      holdNetns: undefined,
      queueNum: undefined,
    });
  });

  it("reads every option", () => {
    const args = parseDaemonArgs([
      "--config", "/tmp/c.json", "--cgroup", "/sys/fs/cgroup/x", "--pin-dir", "/sys/fs/bpf/t", "--report-allows", "--unknown", "allow",
      "--answer", "deny", "--hold-timeout-ms", "1500", "--timeout-action", "allow", "--hold-netns", "/run/netns/a",
      "--hold-netns", "/run/netns/b", "--queue-num", "9",
    ]);
    expect(args).toEqual({
      config: "/tmp/c.json",
      unload: false,
      cgroup: "/sys/fs/cgroup/x",
      pinDir: "/sys/fs/bpf/t",
      reportAllows: true,
      unknown: "allow",
      answer: "deny",
      holdTimeoutMs: 1500,
      timeoutAction: "allow",
      holdNetns: ["/run/netns/a", "/run/netns/b"],
      queueNum: 9,
    });
  });

  it("rejects bad values naming the option", () => {
    expect(() => parseDaemonArgs(["--unknown", "maybe"])).toThrow(/--unknown must be "allow" or "deny" or "hold", got "maybe"/);
    expect(() => parseDaemonArgs(["--answer", "hold"])).toThrow(/--answer must be "allow" or "deny", got "hold"/);
    expect(() => parseDaemonArgs(["--hold-timeout-ms", "0"])).toThrow(/--hold-timeout-ms must be an integer from 1/);
    expect(() => parseDaemonArgs(["--queue-num", "70000"])).toThrow(/--queue-num must be an integer from 0 to 65535, got "70000"/);
  });

  it("refuses options it does not know", () => {
    expect(() => parseDaemonArgs(["--frobnicate"])).toThrow();
  });
});
