// The shipped systemd unit: systemd-analyze verify accepts it, and the daemon runs (loads
// and attaches the shim, holds, decides) with exactly the capabilities the unit grants.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unloadShim } from "@sockgate/kernel-shim";
import { Cleanup, assertNoLeftovers, clientPath, createNetns, createTestCgroup, pinDirName, runClient, startIn } from "@sockgate/kernel-shim/test-harness";
import { afterEach, describe, expect, it } from "vitest";
import { NODE_ENV, NODE_FLAGS } from "./node-tuning.js";

const UNIT = fileURLToPath(new URL("../sockgated.service", import.meta.url));
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** CAP_* names of the unit's CapabilityBoundingSet, e.g. ["bpf", "net_admin"]. */
function unitCapabilities(text: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith("CapabilityBoundingSet="))!;
  return line.slice("CapabilityBoundingSet=".length).trim().split(/\s+/).map((c) => c.replace(/^CAP_/, "").toLowerCase());
}

/** The CapEff mask a set of capability names makes (numbers from linux/capability.h). */
const CAP_NUMBERS: Record<string, number> = { dac_read_search: 2, net_admin: 12, sys_ptrace: 19, sys_admin: 21, perfmon: 38, bpf: 39 };

describe("sockgated.service", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  it("systemd-analyze verify accepts it (with this checkout's paths)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sockgate-unit-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const text = readFileSync(UNIT, "utf8").replace(/^ExecStart=\S+ (.*) \S+main\.js/m, `ExecStart=${process.execPath} $1 ${MAIN}`);
    // the unit starts the daemon with its tuning, so it never has to run itself again
    expect(text).toContain(`ExecStart=${process.execPath} ${NODE_FLAGS.join(" ")} ${MAIN}`);
    for (const [k, v] of Object.entries(NODE_ENV)) expect(text).toMatch(new RegExp(`^Environment=${k}=${v}$`, "m"));
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=/m);
    const unit = join(dir, "sockgated.service");
    writeFileSync(unit, text);
    const r = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    const ours = r.stderr.split("\n").filter((l) => l.includes("sockgated.service"));
    expect(r.status, r.stderr).toBe(0);
    expect(ours).toEqual([]);
  });

  it("under setpriv with exactly the unit's capabilities, the daemon loads the shim, holds and decides", async () => {
    const caps = unitCapabilities(readFileSync(UNIT, "utf8"));
    expect(caps.sort()).toEqual(Object.keys(CAP_NUMBERS).sort());
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const pinDir = pinDirName();
    cleanup.add(`unload ${pinDir}`, () => void unloadShim(pinDir));
    const dir = mkdtempSync(join(tmpdir(), "sockgate-caps-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ store: { path: join(dir, "db") }, api: { socket: join(dir, "api.sock") }, governed: { users: [0], cgroups: [] }, defaultRules: false }));
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", "8080"], cleanup);
    const bounding = `-all,${caps.map((c) => `+${c}`).join(",")}`;
    const daemon = await startIn({}, ["setpriv", `--bounding-set=${bounding}`, "--inh-caps=-all", "--", process.execPath, MAIN, "--config", join(dir, "config.json"), "--cgroup", cg.path, "--pin-dir", pinDir, "--hold-netns", ns.path], cleanup, { readyToken: "holding connect", readyTimeoutMs: 20_000 });
    const status = readFileSync(`/proc/${daemon.child.pid}/status`, "utf8");
    const eff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(status)![1]}`);
    const want = caps.reduce((m, c) => m | (1n << BigInt(CAP_NUMBERS[c]!)), 0n);
    expect(eff.toString(16)).toBe(want.toString(16));
    // governed root, no UI listening: "nobody is listening" (deny) answers the held connect at once
    const r = await runClient({ cgroup: cg, netnsPath: ns.path }, [clientPath("sghold"), "connect", "tcp4", ns.peer4, "8080"], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: false, err: "ECONNREFUSED" });
    expect(r.elapsedMs).toBeLessThan(1000);
    expect(execFileSync("bpftool", ["link", "show"], { encoding: "utf8" })).toMatch(/cgroup/);
  });
});
