import { describe, expect, it } from "vitest";
import { ApiError } from "@sockgate/protocol/client";
import { parseAnswer } from "./answer-args.js";
import { CliError, EXIT, exitCodeOf } from "./exit-codes.js";
import { ownerSelector } from "./rules-command.js";
import { historyQuery } from "./log-command.js";
import { ruleFromFlags } from "./rule-flags.js";
import { resolveSocketPath } from "./socket-path.js";

describe("the CLI's arguments", () => {
  it("answers: action first, then a scope and a duration in any order, or as options", () => {
    expect(parseAnswer("allow", ["forever", "host"])).toEqual({ action: "allow", scope: "host", duration: "forever" });
    expect(parseAnswer("deny", [])).toEqual({ action: "deny", scope: "host-port", duration: "once" });
    expect(parseAnswer("allow", [], { scope: "domain", duration: "15m" })).toEqual({ action: "allow", scope: "domain", duration: { minutes: 15 } });
    expect(parseAnswer("allow", ["2h"]).duration).toEqual({ minutes: 120 });
    expect(() => parseAnswer("maybe", [])).toThrow(/must start with allow or deny/);
    expect(() => parseAnswer("allow", ["sometimes"])).toThrow(/expected a scope .* or a duration/);
    expect(() => parseAnswer("allow", ["host", "any"])).toThrow(/two scopes/);
  });

  it("rules from flags: lists split, ports and ranges, durations, a system owner", () => {
    const r = ruleFromFlags("allow", { exe: "/usr/bin/curl", op: "connect", host: "example.org,*.example.net", port: "443,8000-8080", duration: "15m", system: true, note: "n" }, 1000, () => "boot");
    expect(r).toEqual({
      schemaVersion: 1,
      action: "allow",
      duration: { kind: "minutes", minutes: 15 },
      createdAt: 1000,
      match: { exe: "/usr/bin/curl", operation: ["connect"], remoteHost: ["example.org", "*.example.net"], remotePort: [443, { from: 8000, to: 8080 }] },
      note: "n",
      owner: { kind: "system" },
    });
    expect(ruleFromFlags("deny", { duration: "reboot", user: "1001" }, 0, () => "b-1")).toMatchObject({ duration: { kind: "reboot", bootId: "b-1" }, match: { user: 1001 } });
    expect(() => ruleFromFlags("allow", { port: "https" })).toThrow(/--port: expected ports/);
  });

  it("exit codes say what went wrong", () => {
    expect(exitCodeOf(new CliError("bad"))).toBe(EXIT.usage);
    expect(exitCodeOf(new ApiError("io.sockgate.DaemonUnavailable", "x"))).toBe(EXIT.unavailable);
    expect(exitCodeOf(new ApiError("io.sockgate.PermissionDenied", "x"))).toBe(EXIT.denied);
    expect(exitCodeOf(new ApiError("io.sockgate.NotFound", "x"))).toBe(EXIT.notFound);
    expect(exitCodeOf(new ApiError("io.sockgate.InvalidRule", "x"))).toBe(EXIT.usage);
    expect(exitCodeOf(new ApiError("io.sockgate.Conflict", "x"))).toBe(EXIT.conflict);
    expect(exitCodeOf(new Error("x"))).toBe(EXIT.error);
  });

  it("the socket: --socket, then the environment, then the daemon's config file", () => {
    expect(resolveSocketPath({ socket: "/a" }, { SOCKGATE_SOCKET: "/b" })).toBe("/a");
    expect(resolveSocketPath({}, { SOCKGATE_SOCKET: "/b" })).toBe("/b");
    expect(resolveSocketPath({ config: "/nonexistent/config.json" }, {})).toBe("/run/sockgate/api.sock");
  });

  it("owners and history queries", () => {
    expect(ownerSelector("mine", () => 7)).toEqual({ kind: "user", uid: 7 });
    expect(ownerSelector("1002", () => 7)).toEqual({ kind: "user", uid: 1002 });
    expect(() => ownerSelector("them", () => 7)).toThrow(/--owner/);
    expect(historyQuery({ since: "2h", verdict: "deny" }, 10_000_000)).toEqual({ since: 10_000_000 - 7_200_000, verdict: "deny", limit: 100 });
    expect(() => historyQuery({ since: "yesterday" })).toThrow(/--since/);
  });
});
