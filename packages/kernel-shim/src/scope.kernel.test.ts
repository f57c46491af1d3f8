import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// The governed scope, the any-user key layer and the per-application counters, in the kernel.

const DENY_UNKNOWN = { ...OPEN_CONFIG, unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "deny" }, reportAllows: false } as const;
const NOBODY = 65534;
const asNobody = (argv: string[]): string[] => ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...argv];

describe("governed scope", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");
  const connect = (x: ShimWorld): string[] => [sgclient, "connect", "tcp4", x.ns.peer4, "8080", "--timeout-ms", "2000"];

  beforeAll(async () => {
    w = await createShimWorld();
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => {
    resetShim(w.shim);
    w.shim.setConfig({ ...DENY_UNKNOWN, scopeEnabled: true });
    w.shim.setScope({ uids: [NOBODY], cgroupIds: [], exemptCgroupIds: [] });
  });

  it("governs listed users only: another user's call with no verdict is allowed at once, unreported", async () => {
    const before = w.shim.counters().connect4;
    const governed = await runClient(w.inside, asNobody(connect(w)));
    expect(governed, "uid 65534 is governed: the unknown policy (deny) applies").toMatchObject({ ok: false, err: "EACCES" });
    const root = await runClient(w.inside, connect(w));
    expect(root, "root is not governed").toMatchObject({ ok: true });
    const after = w.shim.counters().connect4;
    expect({ ungoverned: after.ungoverned - before.ungoverned, unknowns: after.unknowns - before.unknowns }).toEqual({ ungoverned: 1n, unknowns: 1n });
    expect(await w.events.settle((e) => e.tgid === root.pid && e.op === "connect")).toEqual([]);
  });

  it("a governed cgroup governs whatever the uid; an exempt one inside it does not (the deepest listed decides)", async () => {
    const shell = createTestCgroup(w.cleanup, `${w.cg.name}/shell`);
    const exempt = createTestCgroup(w.cleanup, `${w.cg.name}/shell/daemon`);
    w.shim.setScope({ uids: [], cgroupIds: [shell.id], exemptCgroupIds: [exempt.id] });
    expect(w.shim.scope()).toEqual({ uids: [], cgroupIds: [shell.id], exemptCgroupIds: [exempt.id] });
    const inShell = await runClient({ cgroup: shell, netnsPath: w.ns.path }, connect(w));
    expect(inShell, "root in the governed shell cgroup is governed").toMatchObject({ ok: false, err: "EACCES" });
    const inExempt = await runClient({ cgroup: exempt, netnsPath: w.ns.path }, connect(w));
    expect(inExempt).toMatchObject({ ok: true });
    const outside = await runClient(w.inside, asNobody(connect(w)));
    expect(outside, "uid 65534 is no longer listed").toMatchObject({ ok: true });
  });

  it("scope off governs everyone", async () => {
    w.shim.setConfig({ scopeEnabled: false });
    expect(await runClient(w.inside, connect(w))).toMatchObject({ ok: false, err: "EACCES" });
  });
});

describe("the any-user layer and per-application counters", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");
  const id = identityOf(sgclient);

  beforeAll(async () => {
    w = await createShimWorld();
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => {
    resetShim(w.shim);
    w.shim.setConfig(DENY_UNKNOWN);
  });

  it("an any-user entry answers every user; a user's own entry at the same layer comes first", async () => {
    const key = { ...id, op: "connect", proto: "tcp", addr: w.ns.peer4, port: 8080 } as const;
    w.shim.setVerdict({ ...key, uid: "any" }, { verdict: "allow", tag: 9 });
    expect(w.shim.listVerdicts().map((v) => v.key.uid)).toEqual(["any"]);
    const connect = [sgclient, "connect", "tcp4", w.ns.peer4, "8080"];
    expect(await runClient(w.inside, connect)).toMatchObject({ ok: true });
    expect(await runClient(w.inside, asNobody(connect))).toMatchObject({ ok: true });
    w.shim.setVerdict({ ...key, uid: NOBODY }, { verdict: "deny", tag: 10 });
    const denied = await runClient(w.inside, asNobody(connect));
    expect(denied).toMatchObject({ ok: false, err: "EACCES" });
    expect(await w.events.waitFor((e) => e.tgid === denied.pid && e.op === "connect", 3000)).toMatchObject({ verdict: "deny", tag: 10 });
    expect(await runClient(w.inside, connect), "root still meets the any-user allow").toMatchObject({ ok: true });
    expect(() => w.shim.setVerdict({ ...key, uid: 0xffffffff }, { verdict: "allow" })).toThrow(/write "any" for every user/);
  });

  it("counts the calls the kernel answered from entries, per application, user and verdict, without events", async () => {
    const key = { ...id, uid: 0, op: "connect", proto: "tcp", addr: w.ns.peer4, port: 8080 } as const;
    w.shim.setVerdict(key, { verdict: "allow" });
    w.shim.setVerdict({ ...key, port: 8081 }, { verdict: "deny" });
    const mine = (v: "allow" | "deny"): bigint =>
      w.shim.appCounters().find((c) => c.exeIno === id.exeIno && c.uid === 0 && c.op === "connect" && c.proto === "tcp" && c.verdict === v)?.count ?? 0n;
    const before = { allow: mine("allow"), deny: mine("deny") };
    for (let i = 0; i < 5; i++) expect(await runClient(w.inside, [sgclient, "connect", "tcp4", w.ns.peer4, "8080"])).toMatchObject({ ok: true });
    for (let i = 0; i < 2; i++) expect(await runClient(w.inside, [sgclient, "connect", "tcp4", w.ns.peer4, "8081"])).toMatchObject({ ok: false });
    expect({ allow: mine("allow") - before.allow, deny: mine("deny") - before.deny }).toEqual({ allow: 5n, deny: 2n });
  });
});
