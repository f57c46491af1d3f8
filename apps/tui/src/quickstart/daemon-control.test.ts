// ensureDaemon and stopDaemon against real processes that are not sockgated: a "daemon"
// that dies at start, one that never answers, and a socket nobody serves.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDaemon, runningDaemon, stopDaemon } from "./daemon-control.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function world(daemonSource: string) {
  const dir = mkdtempSync(join(tmpdir(), "sg-qs-"));
  dirs.push(dir);
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ api: { socket: join(dir, "api.sock") } }));
  const daemon = join(dir, "fake-daemon.mjs");
  writeFileSync(daemon, daemonSource);
  const said: string[] = [];
  return { o: { config, daemon, logFile: join(dir, "log", "sockgated.log"), say: (l: string) => said.push(l) }, said };
}

describe("the quick start's daemon control", () => {
  it("nothing answers on the socket: no daemon runs, and stop says there is nothing to stop", async () => {
    const { o, said } = world("");
    expect(await runningDaemon(o.config)).toBeUndefined();
    expect(await stopDaemon(o)).toBeUndefined();
    expect(said.join("\n")).toMatch(/nothing to stop/);
  });

  it("a daemon that exits at start: the error quotes the end of its log", async () => {
    const { o } = world('console.error("refusing to start: store.path: expected a path"); process.exit(78);\n');
    await expect(ensureDaemon(o, 10_000)).rejects.toThrow(/exited with 78 at start[\s\S]*refusing to start: store\.path/);
  });

  it("a daemon that never answers is stopped at the timeout, and the error says so", async () => {
    const { o } = world("setInterval(() => {}, 1000);\n");
    await expect(ensureDaemon(o, 1500)).rejects.toThrow(/did not answer within 1\.5 s/);
  });
});
