import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Request, RequestOperation, RequestProtocol } from "@sockgate/protocol";
import { formatAddress, parseAddress } from "@sockgate/protocol";
import { REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "@sockgate/protocol/request";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import type { KernelVerdict } from "./kernel-verdict-key.js";
import { diffKernelVerdicts, kernelVerdictKeyString } from "./kernel-verdict-key.js";
import type { ExecutableIdentity, KernelVerdictOptions } from "./kernel-verdicts.js";
import { kernelVerdicts } from "./kernel-verdicts.js";
import type { Rule } from "./rule-types.js";

const NOW = 1_700_000_000_000;
const FILES: Record<string, ExecutableIdentity> = {
  "/usr/bin/curl": { dev: 1, ino: 10, realPath: "/usr/bin/curl", links: 1 },
  "/usr/bin/wget": { dev: 1, ino: 11, realPath: "/usr/bin/wget", links: 1 },
  "/usr/bin/python3": { dev: 1, ino: 12, realPath: "/usr/bin/python3.11", links: 1 },
  "/usr/bin/busybox": { dev: 1, ino: 13, realPath: "/usr/bin/busybox", links: 3 },
};
const options: KernelVerdictOptions = { now: NOW, resolveExe: (p) => FILES[p], uids: [1000, 1001] };

/** The shim's lookup (sockgate-abi.h, struct sg_verdict_key), over a planned entry list. */
function kernelLookup(entries: readonly KernelVerdict[], req: Request): KernelVerdict | undefined {
  const byKey = new Map(entries.map((e) => [kernelVerdictKeyString(e.key), e]));
  const id = FILES[req.app.exePath]!;
  const op = req.operation;
  const addrText = op === "bind" || op === "listen" ? req.local?.address : op === "socket" ? undefined : req.remote?.address;
  const port = op === "accept" || op === "bind" || op === "listen" ? req.local?.port : op === "socket" ? undefined : req.remote?.port;
  const addr = addrText === undefined ? null : formatAddress(parseAddress(addrText));
  const k = (o: string, p: string, layer: number, pt: number, a: string | null) =>
    kernelVerdictKeyString({ exeDev: id.dev, exeIno: id.ino, uid: req.app.uid, op: o as never, proto: p as never, layer, port: pt, addr: a });
  const order = [
    addr !== null && port !== undefined ? k(op, req.protocol, 3, port, addr) : undefined,
    addr !== null ? k(op, req.protocol, 1, 0, addr) : undefined,
    port !== undefined ? k(op, req.protocol, 2, port, null) : undefined,
    k(op, req.protocol, 0, 0, null),
    k("any", "any", 0, 0, null),
  ];
  for (const key of order) {
    const e = key === undefined ? undefined : byKey.get(key);
    if (e !== undefined) return e;
  }
  return undefined;
}

describe("kernelVerdicts", () => {
  it("a whole-app rule is one entry; a destination rule is one entry per op, proto, address and port", () => {
    const c = compileRules([
      rule({ exe: "/usr/bin/curl" }, { id: "app" }),
      rule({ exe: "/usr/bin/wget", operation: ["connect"], protocol: ["tcp"], remoteAddress: ["192.0.2.1", "2001:db8::1"], remotePort: [443] }, { id: "dst", action: "deny" }),
    ]);
    const plan = kernelVerdicts(c, options);
    const keys = plan.entries.map((e) => [e.ruleId, e.verdict, kernelVerdictKeyString(e.key)]);
    expect(keys).toEqual([
      ["dst", "deny", "1/11/1000/connect/tcp/3/443/::ffff:192.0.2.1"],
      ["dst", "deny", "1/11/1000/connect/tcp/3/443/2001:db8::1"],
      ["app", "allow", "1/10/1000/any/any/0/0/"],
    ]);
    expect(plan.notExpressed).toEqual([]);
  });

  it("says why a rule stays in user space", () => {
    const c = compileRules([
      rule({ exeGlob: "/usr/bin/*" }, { id: "glob" }),
      rule({ exe: "/usr/bin/curl", remoteHost: ["*.example.org"] }, { id: "host" }),
      rule({ exe: "/usr/bin/curl", remoteAddress: ["10.0.0.0/8"] }, { id: "cidr" }),
      rule({ exe: "/usr/bin/curl", remotePort: [{ from: 1000, to: 2000 }] }, { id: "range" }),
      rule({ exe: "/usr/bin/python3" }, { id: "symlink" }),
      rule({ exe: "/usr/bin/busybox" }, { id: "hardlinks" }),
      rule({ exe: "/usr/bin/curl" }, { id: "ask", action: "ask" }),
      rule({ exe: "/usr/bin/curl", cmdline: "curl *" }, { id: "cmdline" }),
    ]);
    const why = Object.fromEntries(kernelVerdicts(c, { ...options, uids: [] }).notExpressed.map((n) => [n.ruleId, n.why]));
    expect(why).toMatchObject({
      glob: "the kernel key has no exeGlob",
      host: "host names are known only to user space",
      cidr: "a CIDR wider than one address",
      range: "a port range wider than 16 ports",
      symlink: expect.stringContaining("resolves to /usr/bin/python3.11"),
      hardlinks: expect.stringContaining("3 hard links"),
      ask: "an ask rule is answered in user space",
      cmdline: "the kernel key has no cmdline",
    });
  });

  it("a broad allow is withheld while a higher-ranked rule the kernel cannot express overlaps it", () => {
    const c = compileRules([
      rule({ exe: "/usr/bin/curl", remoteHost: ["*.evil.example"] }, { id: "deny-host", action: "deny" }),
      rule({ exe: "/usr/bin/curl" }, { id: "allow-all" }),
    ]);
    const plan = kernelVerdicts(c, options);
    expect(plan.entries).toEqual([]);
    expect(plan.notExpressed.find((n) => n.ruleId === "allow-all")?.why).toMatch(/1 of 1 entries withheld: a higher-ranked rule could match the same calls/);
  });

  it("a narrower higher-ranked rule in the kernel lets the broad rule below it in too", () => {
    const c = compileRules([
      rule({ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], remoteAddress: ["192.0.2.1"] }, { id: "deny-one", action: "deny" }),
      rule({ exe: "/usr/bin/curl" }, { id: "allow-all" }),
    ]);
    expect(kernelVerdicts(c, options).entries.map((e) => e.ruleId)).toEqual(["deny-one", "allow-all"]);
  });

  it("every call the kernel answers from the plan gets the verdict decide() gives (property)", () => {
    // Weighted towards what the kernel can hold, so that many calls are answered there.
    const exe = fc.oneof(
      { arbitrary: fc.constantFrom("/usr/bin/curl", "/usr/bin/wget"), weight: 8 },
      { arbitrary: fc.constantFrom(undefined, "/usr/bin/*"), weight: 1 },
    );
    const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: arb, weight: 1 });
    const ops = rarely(fc.subarray([...REQUEST_OPERATIONS], { minLength: 1 }));
    const protos = rarely(fc.subarray([...REQUEST_PROTOCOLS], { minLength: 1 }));
    const addrs = fc.option(
      fc.oneof({ arbitrary: fc.subarray(["192.0.2.1", "::ffff:192.0.2.2", "2001:db8::1"], { minLength: 1 }), weight: 6 }, { arbitrary: fc.constant(["192.0.2.0/24"]), weight: 1 }),
      { nil: undefined },
    );
    const ports = rarely(fc.subarray([443, 80, { from: 440, to: 445 }] as const, { minLength: 1 }));
    const arbRule = fc.record({
      exe,
      ops,
      protos,
      addrs,
      rports: ports,
      lports: rarely(fc.constantFrom([8080], [443])),
      host: fc.oneof({ arbitrary: fc.constant(false), weight: 8 }, { arbitrary: fc.constant(true), weight: 1 }),
      owner: fc.constantFrom("system", 1000, 1001),
      action: fc.constantFrom("allow", "deny", "allow", "deny", "ask"),
      priority: fc.integer({ min: 0, max: 2 }),
    });
    const arbRequest = fc.record({
      exe: fc.constantFrom("/usr/bin/curl", "/usr/bin/wget"),
      uid: fc.constantFrom(1000, 1001),
      op: fc.constantFrom(...REQUEST_OPERATIONS),
      proto: fc.constantFrom(...REQUEST_PROTOCOLS),
      addr: fc.constantFrom("192.0.2.1", "192.0.2.2", "::ffff:192.0.2.1", "2001:db8::1", "198.51.100.7"),
      rport: fc.constantFrom(443, 80, 442, 9999),
      lport: fc.constantFrom(8080, 443, 50000),
      named: fc.boolean(),
      // A caller may hand any operation a peer (the shim's zeros, or a careless client):
      // for socket, bind and listen it must change nothing.
      strayPeer: fc.boolean(),
    });
    let answered = 0;
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 5 }), fc.array(arbRequest, { minLength: 1, maxLength: 20 }), (specs, reqs) => {
        const rules: Rule[] = specs.map((s, i) =>
          rule(
            {
              ...(s.exe === undefined ? {} : s.exe.includes("*") ? { exeGlob: s.exe } : { exe: s.exe }),
              ...(s.ops === undefined ? {} : { operation: s.ops as RequestOperation[] }),
              ...(s.protos === undefined ? {} : { protocol: s.protos as RequestProtocol[] }),
              ...(s.addrs === undefined ? {} : { remoteAddress: [...s.addrs] }),
              ...(s.host ? { remoteHost: ["*.example.org"] } : {}),
              ...(s.rports === undefined ? {} : { remotePort: [...s.rports] }),
              ...(s.lports === undefined ? {} : { localPort: [...s.lports] }),
            },
            {
              id: `k${i}`,
              owner: s.owner === "system" ? { kind: "system" } : { kind: "user", uid: s.owner as number },
              action: s.action as Rule["action"],
              priority: s.priority,
            },
          ),
        );
        const compiled = compileRules(rules);
        const plan = kernelVerdicts(compiled, options);
        for (const q of reqs) {
          const local = q.op === "bind" || q.op === "listen" || q.op === "accept" || q.op === "connect" ? { address: "0.0.0.0", port: q.lport } : undefined;
          const remote = q.op === "connect" || q.op === "send" || q.op === "accept" || q.strayPeer ? { address: q.addr, port: q.rport } : undefined;
          const req = request({
            operation: q.op,
            protocol: q.proto,
            app: { exePath: q.exe, uid: q.uid },
            ...(local === undefined ? {} : { local }),
            remote,
            ...(q.named && remote !== undefined ? { remoteHostNames: ["www.example.org"] } : {}),
          });
          const hit = kernelLookup(plan.entries, req);
          if (hit === undefined) continue;
          answered++;
          const d = decide(req, compiled, NOW);
          expect({ action: d.action, ruleId: d.ruleId }).toEqual({ action: hit.verdict, ruleId: hit.ruleId });
        }
      }),
      { numRuns: 1000 },
    );
    // The property is only worth something if the kernel answered a good share of calls.
    expect(answered).toBeGreaterThan(250);
  });

  it("diff says what to write and what to withdraw when a rule changes", () => {
    const before = kernelVerdicts(compileRules([rule({ exe: "/usr/bin/curl", operation: ["connect", "send"], protocol: ["udp"] }, { id: "a" })]), options).entries;
    const after = kernelVerdicts(
      compileRules([rule({ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["udp"] }, { id: "a", action: "deny" })]),
      options,
    ).entries;
    const d = diffKernelVerdicts(before, after);
    expect(d.upsert.map((e) => [kernelVerdictKeyString(e.key), e.verdict])).toEqual([["1/10/1000/connect/udp/0/0/", "deny"]]);
    expect(d.withdraw.map(kernelVerdictKeyString)).toEqual(["1/10/1000/send/udp/0/0/"]);
    expect(diffKernelVerdicts(after, after)).toEqual({ upsert: [], withdraw: [] });
  });

  it("entries carry the executable's generation, so a file reusing its inode number does not inherit them; a new generation is re-written", () => {
    const gen = (g: number | undefined): KernelVerdictOptions => ({
      ...options,
      resolveExe: (p) => (p === "/usr/bin/curl" ? { ...FILES[p]!, ...(g === undefined ? {} : { generation: g }) } : FILES[p]),
    });
    const rules = compileRules([rule({ exe: "/usr/bin/curl" }, { id: "g" })]);
    expect(kernelVerdicts(rules, gen(0x5a17)).entries.map((e) => e.exeGeneration)).toEqual([0x5a17]);
    expect(kernelVerdicts(rules, gen(undefined)).entries.map((e) => e.exeGeneration), "unknown: any").toEqual([0]);
    const d = diffKernelVerdicts(kernelVerdicts(rules, gen(1)).entries, kernelVerdicts(rules, gen(2)).entries);
    expect(d.upsert.map((e) => e.exeGeneration)).toEqual([2]);
    expect(d.withdraw).toEqual([]);
  });

  it("minutes rules carry their deadline, other entries null (JSON-safe, never Infinity); expired rules vanish", () => {
    const c = compileRules([
      rule({ exe: "/usr/bin/curl" }, { id: "m", createdAt: NOW, duration: { kind: "minutes", minutes: 1 } }),
      rule({ exe: "/usr/bin/wget" }, { id: "f" }),
    ]);
    const entries = kernelVerdicts(c, options).entries;
    expect(entries.map((e) => [e.ruleId, e.expiresAt]).sort()).toEqual([["f", null], ["m", NOW + 60_000]]);
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
    expect(kernelVerdicts(c, { ...options, now: NOW + 60_000 }).entries.map((e) => e.ruleId)).toEqual(["f"]);
  });

  // The kernel key names no process: an entry for "until curl exits" would go on allowing
  // every later curl of that user after the process is gone.
  it("emits no entry for a process-scoped rule, and holds back the broader rules it overrides", () => {
    const c = compileRules(
      [
        rule({ exe: "/usr/bin/curl" }, { id: "this-curl", priority: 1, duration: { kind: "process", pid: 4242, startTime: 777, bootId: "b" } }),
        rule({ exe: "/usr/bin/curl" }, { id: "all-curl", action: "deny" }),
      ],
      { bootId: "b" },
    );
    const plan = kernelVerdicts(c, options);
    expect(plan.entries).toEqual([]);
    expect(plan.notExpressed.map((n) => n.ruleId).sort()).toEqual(["all-curl", "this-curl"]);
    expect(plan.notExpressed.find((n) => n.ruleId === "this-curl")?.why).toMatch(/one process/);
  });
});
