import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unloadShim } from "@sockgate/kernel-shim";
import {
  Cleanup,
  assertNoLeftovers,
  clientPath,
  createNetns,
  createTestCgroup,
  pinDirName,
  runClient,
  sleep,
  startIn,
  type Started,
} from "@sockgate/kernel-shim/test-harness";
import { afterEach, describe, expect, it } from "vitest";

// The real daemon process (dist/main.js) holding on a cgroup and namespace this test made.

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

describe("sockgated --unknown hold", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  async function setup(extra: string[]): Promise<{ daemon: Started; inside: { cgroup: ReturnType<typeof createTestCgroup>; netnsPath: string }; peer4: string; stderr: () => string }> {
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const pinDir = pinDirName();
    cleanup.add(`unload ${pinDir}`, () => void unloadShim(pinDir));
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", "8080"], cleanup);
    let out = "";
    const dir = mkdtempSync(join(tmpdir(), "sockgate-hold-test-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    // the fixed answers of these tests concern every process: govern root too (the test runs as root)
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ store: { path: join(dir, "db") }, api: { socket: join(dir, "api.sock") }, governed: { users: [0], cgroups: [] }, defaultRules: false }));
    const daemon = await startIn({}, [process.execPath, MAIN, "--config", config, "--cgroup", cg.path, "--pin-dir", pinDir, "--unknown", "hold", "--hold-netns", ns.path, ...extra], cleanup, {
      readyToken: "holding connect",
    });
    daemon.child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    return { daemon, inside: { cgroup: cg, netnsPath: ns.path }, peer4: ns.peer4, stderr: () => out };
  }

  it("without --answer the engine decides: no rule and no UI listening, so \"nobody is listening\" (deny: ECONNREFUSED) applies at once, and it is logged", async () => {
    const w = await setup(["--hold-timeout-ms", "1500"]);
    const r = await runClient(w.inside, [clientPath("sghold"), "connect", "tcp4", w.peer4, "8080", "--again"], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: false, err: "ECONNREFUSED" });
    expect(r.elapsedMs).toBeLessThan(1000);
    expect(r.againErr, "a flow answer only: the next attempt is asked again").toBe("ECONNREFUSED");
    await sleep(100);
    expect(w.stderr()).toMatch(/"level":"info".*"msg":"deny held connect tcp to ::ffff:[\d.]+:8080: no UI of uid 0 is listening/);
  });

  it("with --answer allow, a held connect is answered at once", async () => {
    const w = await setup(["--answer", "allow"]);
    const r = await runClient(w.inside, [clientPath("sghold"), "connect", "tcp4", w.peer4, "8080"], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: true });
    expect(r.elapsedMs).toBeLessThan(500);
  });

  it("SIGUSR1 logs the status: queue counters, answers, the kernel's counters", async () => {
    const w = await setup(["--answer", "deny"]);
    await runClient(w.inside, [clientPath("sghold"), "connect", "tcp4", w.peer4, "8080"], { timeoutMs: 15_000 });
    w.daemon.child.kill("SIGUSR1");
    for (let i = 0; i < 50 && !w.stderr().includes('"msg":"status"'); i++) await sleep(20);
    const line = w.stderr().split("\n").find((l) => l.includes('"msg":"status"'))!;
    const { status } = JSON.parse(line) as { status: { hold: { answered: { deny: number }; hold: { namespaces: Array<{ queue: { idSequence: number; queueDropped: number } }> } } } };
    expect(status.hold.answered.deny).toBe(1);
    expect(status.hold.hold.namespaces[0]!.queue).toMatchObject({ idSequence: 1, queueDropped: 0 });
  });
});
