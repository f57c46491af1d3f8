import { describe, expect, it } from "vitest";
import type { AppFlag } from "@sockgate/protocol";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import type { Rule } from "./rule-types.js";

// Who asks must be something the process cannot choose: the file the kernel ran, the argv
// recorded at exec, an app id from a cgroup only root can name (or one the daemon checked).

const NOW = 1_700_000_000_000;
const winner = (rules: Rule[], req = request()) => decide(req, compileRules(rules), NOW).ruleId;

describe("executables are identified by inode as well as path", () => {
  const byPath = [rule({ exe: "/usr/bin/curl" }, { id: "path" })];
  const byGlob = [rule({ exeGlob: "/usr/bin/*" }, { id: "glob" })];

  it("a path rule matches a request whose path the daemon verified to be this very file", () => {
    expect(winner(byPath)).toBe("path");
    expect(winner(byGlob)).toBe("glob");
    // The daemon found another inode at that path (the process runs a different file), or did not look.
    expect(winner(byPath, request({ app: { exePathVerified: false } }))).toBeNull();
    expect(winner(byGlob, request({ app: { exePathVerified: undefined } }))).toBeNull();
  });

  it.each<AppFlag>(["path_truncated", "deleted", "foreign_mount_ns", "memfd", "no_exe"])("a request flagged %s never matches a path rule", (flag) => {
    expect(winner(byPath, request({ app: { flags: [flag] } }))).toBeNull();
    expect(winner(byGlob, request({ app: { flags: [flag] } }))).toBeNull();
  });

  it("a path is literal: a file named ** is that file, not everything below its directory", () => {
    const stars = [rule({ exe: "/home/alice/**" }, { id: "stars" })];
    expect(winner(stars, request({ app: { exePath: "/home/alice/bin/evil" } }))).toBeNull();
    expect(winner(stars, request({ app: { exePath: "/home/alice/**" } }))).toBe("stars");
  });

  it("an exeId rule matches the kernel identity, generation included when it names one", () => {
    const id = [rule({ exeId: { dev: 0x800001, ino: 1234, generation: 7 } }, { id: "id" })];
    const flagged = { flags: ["foreign_mount_ns" as const], exePathVerified: false };
    expect(winner(id, request({ app: { ...flagged, exeGeneration: 7 } }))).toBe("id");
    expect(winner(id, request({ app: { ...flagged, exeGeneration: 8 } }))).toBeNull();
    expect(winner(id, request({ app: { ...flagged } }))).toBeNull();
    expect(winner(id, request({ app: { ...flagged, exeGeneration: 7, exeIno: 1235 } }))).toBeNull();
  });

  it("a noExe rule matches processes without an executable only", () => {
    const none = [rule({ noExe: true }, { id: "none" })];
    expect(winner(none, request({ app: { exePath: "", exeDev: 0, exeIno: 0, flags: ["no_exe"] } }))).toBe("none");
    expect(winner(none)).toBeNull();
  });
});

describe("command lines are the exec-time argv", () => {
  const argv = ["python3", "/home/alice/backup.py"];
  it("cmdline and argv rules match an argv recorded at exec, not /proc/PID/cmdline", () => {
    const rules = [rule({ argv }, { id: "argv" }), rule({ cmdline: "python3 *backup.py" }, { id: "glob", priority: 1 })];
    expect(winner(rules, request({ app: { cmdline: argv, cmdlineSource: "exec" } }))).toBe("glob");
    expect(winner([rules[0]!], request({ app: { cmdline: argv, cmdlineSource: "exec" } }))).toBe("argv");
    // A process can rewrite /proc/PID/cmdline to look like another script.
    expect(winner(rules, request({ app: { cmdline: argv, cmdlineSource: "proc" } }))).toBeNull();
    expect(winner(rules, request({ app: { cmdline: argv } }))).toBeNull();
  });

  it("argv matches element by element: neither spaces nor a prefix make two command lines one", () => {
    const r = [rule({ argv: ["a b"] }, { id: "argv" })];
    expect(winner(r, request({ app: { cmdline: ["a", "b"], cmdlineSource: "exec" } }))).toBeNull();
    expect(winner(r, request({ app: { cmdline: ["a b", "c"], cmdlineSource: "exec" } }))).toBeNull();
    expect(winner(r, request({ app: { cmdline: ["a b"], cmdlineSource: "exec" } }))).toBe("argv");
  });
});

describe("app ids cannot be claimed by a user", () => {
  const sshd = [rule({ appId: { kind: "systemd", id: "sshd.service" } }, { id: "sshd", owner: { kind: "system" } })];
  it("a user's own unit is never the system unit of the same name", () => {
    expect(winner(sshd, request({ app: { appId: { kind: "systemd", id: "sshd.service" } } }))).toBe("sshd");
    expect(winner(sshd, request({ app: { appId: { kind: "user-unit", uid: 1000, id: "sshd.service" } } }))).toBeNull();
    const mine = [rule({ appId: { kind: "user-unit", uid: 1000, id: "sync.service" } }, { id: "mine" })];
    expect(winner(mine, request({ app: { appId: { kind: "user-unit", uid: 1000, id: "sync.service" } } }))).toBe("mine");
    expect(winner(mine, request({ app: { appId: { kind: "systemd", id: "sync.service" } } }))).toBeNull();
  });

  it("a Flatpak or Snap id matches only when the daemon verified it against the installed deployment", () => {
    const firefox = [rule({ appId: { kind: "flatpak", id: "org.mozilla.firefox" } }, { id: "ff" })];
    expect(winner(firefox, request({ app: { appId: { kind: "flatpak", id: "org.mozilla.firefox", verified: false } } }))).toBeNull();
    expect(winner(firefox, request({ app: { appId: { kind: "flatpak", id: "org.mozilla.firefox", verified: true } } }))).toBe("ff");
    const snap = [rule({ appId: { kind: "snap", id: "firefox" } }, { id: "snap" })];
    expect(winner(snap, request({ app: { appId: { kind: "snap", id: "firefox", verified: false } } }))).toBeNull();
  });

  it("parseRule refuses a user's rule about another user's unit", () => {
    expect(() => compileRules([rule({ appId: { kind: "user-unit", uid: 1001, id: "x.service" } }, { id: "theirs" })])).toThrow(/field match.appId.uid: a rule owned by uid 1000/);
  });
});

describe("socket, bind and listen have no remote side", () => {
  // A caller that filled `remote` for a bind (the shim reports zeros there) must not get a
  // destination rule to match: the kernel's key for bind has no peer, so the two would disagree.
  it.each(["socket", "bind", "listen"] as const)("decide ignores a remote given for %s", (operation) => {
    const rules = [rule({ remoteAddress: ["::/0", "0.0.0.0/0"] }, { id: "dest", action: "deny" }), rule({ remotePort: [{ from: 1, to: 65535 }] }, { id: "port", action: "deny" })];
    expect(winner(rules, request({ operation, remote: { address: "::", port: 1 }, remoteHostNames: ["x.example"] }))).toBeNull();
    expect(winner(rules, request({ operation: "connect", remote: { address: "::", port: 1 } }))).not.toBeNull();
  });
});
