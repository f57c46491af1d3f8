import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseRule } from "./rule-parse.js";

const base = {
  schemaVersion: 1,
  id: "r1",
  owner: { kind: "user", uid: 1000 },
  action: "allow",
  duration: { kind: "forever" },
  match: { exe: "/usr/bin/curl", remoteHost: ["*.example.org"], remotePort: [443, { from: 8000, to: 8100 }] },
};

function messageOf(json: unknown): string {
  try {
    parseRule(json);
  } catch (err) {
    if (!isSockgateError(err, "SG_ERR_RULE_INVALID")) throw err;
    return err.message;
  }
  throw new Error("parseRule accepted an invalid rule");
}

const withMatch = (match: Record<string, unknown>): unknown => ({ ...base, match });

describe("parseRule", () => {
  it("accepts a valid rule and returns a copy", () => {
    const r = parseRule(base);
    expect(r).toEqual(base);
    expect(r).not.toBe(base);
  });

  it("accepts every matcher together", () => {
    expect(() =>
      parseRule({
        ...base,
        owner: { kind: "system" },
        priority: 1023,
        createdAt: 0,
        duration: { kind: "minutes", minutes: 5 },
        note: "all of them",
        match: {
          exe: "/usr/lib/**/firefox",
          sha256: "a".repeat(64),
          user: "alice",
          appId: { kind: "flatpak", id: "org.mozilla.firefox" },
          parentExe: "/usr/bin/bash",
          cmdline: "python3 *backup.py*",
          operation: ["connect", "send"],
          protocol: ["tcp", "udp"],
          family: "ipv6",
          remoteAddress: ["192.0.2.1", "10.0.0.0/8", "2001:db8::/32", "::ffff:192.0.2.0/120"],
          remoteHost: ["www.example.org", "*.example.net"],
          list: ["ads"],
          remotePort: [53],
          localPort: [0, { from: 1024, to: 65535 }],
        },
      }),
    ).not.toThrow();
  });

  // Each case: the input, then every fragment the message must contain.
  const rejections: Array<[string, unknown, string[]]> = [
    ["not an object", 42, ["(the rule itself): expected object; received 42"]],
    ["uid as text", { ...base, owner: { kind: "user", uid: "1000" } }, ['field owner.uid: expected integer; received "1000"']],
    ["missing owner", { ...base, owner: undefined }, ["field owner: missing"]],
    ["unknown top-level field", { ...base, colour: "red" }, ["field colour: unknown field", "expected one of schemaVersion"]],
    ["unknown match field", withMatch({ exee: "/bin/x" }), ["rule \"r1\" is invalid", "field match.exee: unknown field", "expected one of exe, exeGlob, exeId, noExe, sha256"]],
    ["wrong schema version", { ...base, schemaVersion: 2 }, ["field schemaVersion: expected 1; received 2"]],
    ["bad action", { ...base, action: "permit" }, ['field action: expected one of "allow", "deny", "ask"; received "permit"']],
    ["bad owner kind", { ...base, owner: { kind: "group" } }, ['field owner.kind: expected one of "system", "user"; received "group"']],
    ["user owner without uid", { ...base, owner: { kind: "user" } }, ["field owner.uid: missing"]],
    ["bad duration kind", { ...base, duration: { kind: "week" } }, ['field duration.kind: expected one of "once", "process", "minutes", "reboot", "forever"']],
    ["minutes without minutes", { ...base, duration: { kind: "minutes" } }, ["field duration.minutes: missing"]],
    ["zero minutes", { ...base, createdAt: 0, duration: { kind: "minutes", minutes: 0 } }, ["field duration.minutes: must be >= 1; received 0"]],
    ["minutes without createdAt", { ...base, duration: { kind: "minutes", minutes: 5 } }, ["field createdAt: missing"]],
    ["priority too high", { ...base, priority: 5000 }, ["field priority: must be <= 1023; received 5000"]],
    ["relative exe", withMatch({ exe: "curl" }), ["field match.exe: must match pattern", 'received "curl"']],
    ["bad sha256", withMatch({ sha256: "ABC" }), ["field match.sha256: must match pattern", 'received "ABC"']],
    ["bad operation", withMatch({ operation: ["connect", "recv"] }), ["field match.operation[1]: expected one of", 'received "recv"']],
    ["empty protocol list", withMatch({ protocol: [] }), ["field match.protocol: must NOT have fewer than 1 items"]],
    ["bad family", withMatch({ family: "inet" }), ['field match.family: expected one of "ipv4", "ipv6"; received "inet"']],
    ["port out of range", withMatch({ remotePort: [70000] }), ["field match.remotePort[0]: must be <= 65535; received 70000"]],
    ["port as string", withMatch({ remotePort: ["443"] }), ['field match.remotePort[0]: expected a port number or a range such as {"from": 8000, "to": 8100}; received "443"']],
    ["remote port 0", withMatch({ remotePort: [0] }), ["field match.remotePort[0]: expected a port 1-65535; received 0"]],
    ["reversed range", withMatch({ remotePort: [{ from: 9000, to: 8000 }] }), ['field match.remotePort[0]: expected a range with 1 <= from <= to <= 65535; received {"from":9000,"to":8000}']],
    ["range without to", withMatch({ localPort: [{ from: 9000 }] }), ["field match.localPort[0].to: missing"]],
    ["CIDR with host bits", withMatch({ remoteAddress: ["10.0.0.1/8"] }), ["field match.remoteAddress[0]", "bits set after its /8 prefix"]],
    ["not an address", withMatch({ remoteAddress: ["example.org"] }), ["field match.remoteAddress[0]", '"example.org" is not valid']],
    ["bad host", withMatch({ remoteHost: ["bad host"] }), ["field match.remoteHost[0]: expected a host name", 'received "bad host"']],
    ["bad app id kind", withMatch({ appId: { kind: "appimage", id: "x" } }), ["field match.appId.kind: expected one of"]],
    ["user rule for another uid", withMatch({ user: 1001 }), ["field match.user: a rule owned by uid 1000", "received uid 1001"]],
  ];
  it.each(rejections)("rejects %s", (_what, json, fragments) => {
    const msg = messageOf(json);
    expect(msg.startsWith("rule")).toBe(true);
    for (const f of fragments) expect(msg).toContain(f);
  });
});
