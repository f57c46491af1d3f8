import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "./errors.js";
import { requestFromEvent } from "./request-from-event.js";
import { parseRequest } from "./request-parse.js";

const valid = {
  operation: "connect",
  protocol: "tcp",
  family: "ipv4",
  remote: { address: "192.0.2.10", port: 443 },
  app: { exePath: "/usr/bin/curl", exeDev: 1, exeIno: 2, uid: 1000, pid: 3, cmdline: ["curl", "x"], cmdlineSource: "exec", appId: { kind: "snap", id: "x", verified: false }, flags: ["deleted"] },
};

function messageOf(json: unknown): string {
  try {
    parseRequest(json);
  } catch (err) {
    if (isSockgateError(err, "SG_ERR_BAD_VALUE")) return err.message;
    throw err;
  }
  throw new Error("parseRequest accepted it");
}

describe("parseRequest", () => {
  it("returns a copy of a valid request, from a value or from JSON text", () => {
    const r = parseRequest(valid);
    expect(r).toEqual(valid);
    expect(r.app).not.toBe(valid.app);
    expect(parseRequest(JSON.stringify(valid))).toEqual(valid);
  });

  // Whatever requestFromEvent builds must cross the client socket and come back equal.
  it("accepts every request requestFromEvent builds (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("socket", "bind", "listen", "connect", "accept", "send" as const),
        fc.constantFrom(2, 10),
        fc.integer({ min: 0, max: 0x7f }),
        fc.option(fc.array(fc.string(), { maxLength: 4 }), { nil: undefined }),
        (op, family, flags, argv) => {
          const r = requestFromEvent(
            { op, proto: "udp", family, tgid: 1, uid: 2, flags, cgroupId: 3n, exeIno: 4n, exeDev: 5n, cookie: 6n, localAddr: "::ffff:192.0.2.1", remoteAddr: "2001:db8::1", localPort: 1, remotePort: 2, exePath: "/x", ...(argv ? { argv } : {}) },
            { cgroupPath: "/system.slice/a.service" },
          );
          expect(parseRequest(JSON.parse(JSON.stringify(r)))).toEqual(r);
        },
      ),
    );
  });

  const rejections: Array<[string, unknown, string]> = [
    ["not an object", 5, "request: expected an object, received 5"],
    ["bad operation", { ...valid, operation: "recv" }, 'request.operation: expected one of socket, bind, listen, connect, accept, send, received "recv"'],
    ["unknown field", { ...valid, colour: 1 }, "request.colour: unknown field; expected one of operation"],
    ["negative inode", { ...valid, app: { ...valid.app, exeIno: -1 } }, "request.app.exeIno: expected an integer 0..9007199254740991, received -1"],
    ["inode as a string", { ...valid, app: { ...valid.app, exeIno: "2" } }, 'request.app.exeIno: expected an integer 0..9007199254740991, received "2"'],
    ["port too big", { ...valid, remote: { address: "192.0.2.1", port: 70000 } }, "request.remote.port: expected an integer 0..65535, received 70000"],
    ["bad address", { ...valid, remote: { address: "example.org" } }, 'request.remote.address: expected an IPv4 or IPv6 address, received "example.org"'],
    ["cmdline not strings", { ...valid, app: { ...valid.app, cmdline: ["a", 1] } }, "request.app.cmdline[1]: expected a string"],
    ["unknown flag", { ...valid, app: { ...valid.app, flags: ["root"] } }, 'request.app.flags[0]: expected one of path_truncated'],
    ["flatpak id without verified", { ...valid, app: { ...valid.app, appId: { kind: "flatpak", id: "x" } } }, "request.app.appId.verified: expected true or false, received undefined"],
    ["user unit without uid", { ...valid, app: { ...valid.app, appId: { kind: "user-unit", id: "x" } } }, "request.app.appId.uid: expected an integer"],
    ["a peer on a bind", { ...valid, operation: "bind" }, "request.remote: expected nothing: bind has no peer"],
    ["missing app", { ...valid, app: undefined }, "request.app: expected an object, received undefined"],
  ];
  it.each(rejections)("rejects %s, naming the field", (_what, json, fragment) => {
    expect(messageOf(json)).toContain(fragment);
  });
});
