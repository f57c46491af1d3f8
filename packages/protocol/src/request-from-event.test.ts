import { describe, expect, it } from "vitest";
import { isSockgateError } from "./errors.js";
import type { RequestEvent } from "./request-from-event.js";
import { requestFromEvent } from "./request-from-event.js";
import { parseRequest } from "./request-parse.js";
import { loadVector, vectorNames } from "../test/golden-files.js";

const base: RequestEvent = {
  op: "connect",
  proto: "tcp",
  family: 2,
  tgid: 4242,
  uid: 1000,
  flags: 0,
  cgroupId: 77n,
  exeIno: 1234n,
  exeDev: 0x800001,
  cookie: 99n,
  localAddr: "::ffff:0.0.0.0",
  remoteAddr: "::ffff:192.0.2.10",
  localPort: 0,
  remotePort: 443,
  exePath: "/usr/bin/curl",
};
const ev = (over: Partial<RequestEvent> = {}): RequestEvent => ({ ...base, ...over });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "nothing thrown";
}

describe("requestFromEvent", () => {
  it("builds the request of a connect: the process id is the event's tgid, ids are numbers", () => {
    expect(requestFromEvent(ev({ tgid: 4242 }), { exePathStat: { dev: 0x800001, ino: 1234 }, startTime: 5, userName: "alice" })).toEqual({
      operation: "connect",
      protocol: "tcp",
      family: "ipv4",
      remote: { address: "192.0.2.10", port: 443 },
      cookie: 99,
      app: { exePath: "/usr/bin/curl", exeDev: 0x800001, exeIno: 1234, exePathVerified: true, uid: 1000, pid: 4242, cgroupId: 77, startTime: 5, userName: "alice" },
    });
  });

  it("accepts numbers as well as bigints and refuses ids above 2^53-1", () => {
    expect(requestFromEvent(ev({ exeIno: 1234, exeDev: 1, cgroupId: 2, cookie: 3 })).app.exeIno).toBe(1234);
    expect(codeOf(() => requestFromEvent(ev({ exeIno: 2n ** 53n })))).toBe("SG_ERR_BAD_VALUE: event field exeIno: expected an integer 0..9007199254740991, received 9007199254740992n");
    expect(codeOf(() => requestFromEvent(ev({ cookie: 2n ** 64n - 1n })))).toMatch(/^SG_ERR_BAD_VALUE: event field cookie/);
  });

  // The shim fills the peer fields with zeros where a call has no peer; a request that
  // carried them would let a rule on "::/0" match a bind that the kernel never matches.
  it.each(["socket", "bind", "listen"] as const)("%s has no remote side", (op) => {
    const r = requestFromEvent(ev({ op, remoteAddr: "::", remotePort: 0, localAddr: "::ffff:0.0.0.0", localPort: 8080 }));
    expect(r.remote).toBeUndefined();
    expect(r.local).toEqual(op === "socket" ? undefined : { address: "0.0.0.0", port: 8080 });
  });

  it("accept has both sides; IPv6 sockets keep v4-mapped text", () => {
    const r = requestFromEvent(ev({ op: "accept", family: 10, localAddr: "2001:db8::1", localPort: 22, remoteAddr: "::ffff:198.51.100.7", remotePort: 40001 }));
    expect([r.family, r.local, r.remote]).toEqual(["ipv6", { address: "2001:db8::1", port: 22 }, { address: "::ffff:198.51.100.7", port: 40001 }]);
  });

  it("maps the event's flag bits, keeping the ones it does not know out", () => {
    const r = requestFromEvent(ev({ flags: 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x1000 }), { flags: ["ld_preload"] });
    expect(r.app.flags).toEqual(["path_truncated", "no_exe", "deleted", "foreign_mount_ns", "memfd", "exe_changed", "ld_preload"]);
    expect(requestFromEvent(ev()).app.flags).toBeUndefined();
  });

  it("prefers the exec-time argv to /proc/PID/cmdline and says which it carries", () => {
    const proc = { cmdline: ["python3", "backup.py"] };
    expect(requestFromEvent(ev({ argv: ["python3", "evil.py"] }), proc).app).toMatchObject({ cmdline: ["python3", "evil.py"], cmdlineSource: "exec" });
    expect(requestFromEvent(ev(), proc).app).toMatchObject({ cmdline: ["python3", "backup.py"], cmdlineSource: "proc" });
    expect(requestFromEvent(ev({ argv: ["python3"], argvTruncated: true })).app.flags).toEqual(["argv_truncated"]);
  });

  it("verifies the path only when the host's file at that path is the event's very inode", () => {
    expect(requestFromEvent(ev(), { exePathStat: { dev: 0x800001, ino: 9999 } }).app.exePathVerified).toBe(false);
    expect(requestFromEvent(ev(), { exePathStat: null }).app.exePathVerified).toBe(false);
    expect(requestFromEvent(ev()).app.exePathVerified).toBe(false);
    expect(requestFromEvent(ev({ exeGeneration: 7n }), { exePathStat: { dev: 0x800001, ino: 1234 } }).app).toMatchObject({ exePathVerified: true, exeGeneration: 7 });
  });

  it("takes the app id from the cgroup path; a Flatpak id is verified only when the daemon says so", () => {
    const cgroupPath = "/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-1.scope";
    expect(requestFromEvent(ev(), { cgroupPath }).app.appId).toEqual({ kind: "flatpak", id: "org.mozilla.firefox", verified: false });
    expect(requestFromEvent(ev(), { cgroupPath, appIdVerified: true }).app.appId).toEqual({ kind: "flatpak", id: "org.mozilla.firefox", verified: true });
    expect(requestFromEvent(ev(), { cgroupPath: "/system.slice/nginx.service", appIdVerified: true }).app.appId).toEqual({ kind: "systemd", id: "nginx.service" });
  });

  it("refuses an event that asks nothing a request can hold", () => {
    expect(codeOf(() => requestFromEvent(ev({ op: "any" })))).toMatch(/^SG_ERR_BAD_ENUM: event field op/);
    expect(codeOf(() => requestFromEvent(ev({ proto: "any" })))).toMatch(/^SG_ERR_BAD_ENUM: event field proto/);
    expect(codeOf(() => requestFromEvent(ev({ family: 1 })))).toMatch(/^SG_ERR_BAD_ENUM: event field family/);
    expect(requestFromEvent(ev({ proto: "other" })).protocol).toBe("other");
  });

  // What the decoder hands over is what requestFromEvent takes, whatever the vector holds.
  it.each(vectorNames())("golden vector %s becomes a request parseRequest accepts, or a named error", (name) => {
    const { event } = loadVector(name);
    if (event.cookie > BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(codeOf(() => requestFromEvent(event))).toMatch(/^SG_ERR_BAD_VALUE: event field cookie/);
      return;
    }
    const r = requestFromEvent(event);
    expect(parseRequest(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(r.app.pid).toBe(event.tgid);
  });
});
