import { describe, expect, it } from "vitest";
import type { RunVerdict } from "@sockgate/protocol/client";
import type { NativeCall } from "../native.js";
import { answerOf, describeRefusal, runCallsOf } from "./call-mapping.js";

const call = (over: Partial<NativeCall>): NativeCall => ({
  id: 1n, tid: 12, tgid: 10, op: "connect", fd: 3, domain: 2, type: 1, protocol: 0, proto: "tcp", cookie: 77n, remotes: [], ...over,
});
const allow = (cache: RunVerdict["cache"]): RunVerdict => ({ action: "allow", reason: "rule r", cache });
const deny: RunVerdict = { action: "deny", reason: "prompt p: denied", cache: { scope: "call" } };

describe("sockgate run: native calls as DecideCall questions", () => {
  it("socket() sends its arguments, not a descriptor", () => {
    expect(runCallsOf(call({ op: "socket", fd: -1, domain: 10, type: 2, protocol: 17 }), "s")).toEqual([
      { session: "s", tid: 12, operation: "socket", socket: { domain: 10, type: 2, protocol: 17 } },
    ]);
  });

  it("bind sends the address asked for; listen and accept only the descriptor and the cookie of the socket checked", () => {
    expect(runCallsOf(call({ op: "bind", local: { address: "0.0.0.0", port: 8080 } }), "s")).toEqual([{ session: "s", tid: 12, operation: "bind", fd: 3, cookie: "77", local: { address: "0.0.0.0", port: 8080 } }]);
    expect(runCallsOf(call({ op: "listen", local: { address: "0.0.0.0", port: 8080 } }), "s")).toEqual([{ session: "s", tid: 12, operation: "listen", fd: 3, cookie: "77" }]);
    expect(runCallsOf(call({ op: "listen", cookie: 0n }), "s")).toEqual([{ session: "s", tid: 12, operation: "listen", fd: 3 }]);
  });

  it("a sendmmsg with two peers asks twice", () => {
    const remotes = [{ address: "192.0.2.1", port: 53 }, { address: "192.0.2.2", port: 53 }];
    expect(runCallsOf(call({ op: "send", proto: "udp", remotes }), "s").map((c) => c.remote)).toEqual(remotes);
  });

  it("allows only when every peer is allowed, and keeps what the daemon says may be reused", () => {
    expect(answerOf([allow({ scope: "rules" }), allow({ scope: "rules", until: 5000 })])).toEqual({ allow: true, remember: [{ allow: true, untilMs: 0 }, { allow: true, untilMs: 5000 }], onChecked: false });
    expect(answerOf([allow({ scope: "call" }), deny])).toEqual({ allow: false, remember: [null, null], onChecked: false });
    expect(answerOf([]).allow).toBe(false);
  });

  it("binds or listens in the supervisor only for an allowed call the daemon named the caller for", () => {
    expect(answerOf([{ ...allow({ scope: "call" }), onCheckedSocket: true }]).onChecked).toBe(true);
    expect(answerOf([allow({ scope: "call" })]).onChecked).toBe(false);
    expect(answerOf([{ ...deny, onCheckedSocket: true }]).onChecked).toBe(false);
  });

  it("says what was refused and why", () => {
    expect(describeRefusal(call({ remotes: [{ address: "192.0.2.1", port: 443 }] }), [deny], "/usr/bin/curl")).toBe(
      "sockgate run: /usr/bin/curl (pid 10): connect tcp 192.0.2.1:443 refused (EACCES): prompt p: denied",
    );
  });
});
