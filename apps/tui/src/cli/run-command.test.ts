import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findSockgateRun, runArguments } from "./run-command.js";

const TUI_MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const DAEMON_RUN = fileURLToPath(new URL("../../../daemon/dist/run.js", import.meta.url));

describe("sockgate run (the TUI's command line hands over to sockgate-run)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sg-run-cmd-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the arguments after run on as typed, and a global --socket with them", () => {
    expect(runArguments(["run", "--profile", "p", "--", "python3", "-c", "x", "--help"])).toEqual({ args: ["--profile", "p", "--", "python3", "-c", "x", "--help"] });
    expect(runArguments(["--socket", "run", "--json", "run", "--", "id"])).toEqual({ args: ["--", "id"], socket: "run" });
    expect(runArguments(["--socket=/s", "run", "--", "id"])).toEqual({ args: ["--", "id"], socket: "/s" });
    expect(runArguments(["status"])).toEqual({ args: [] });
  });

  it("finds sockgate-run beside it in the tree, else on PATH, else nowhere", () => {
    const tuiDist = pathToFileURL(TUI_MAIN).href;
    expect(findSockgateRun({ PATH: "" }, tuiDist)).toEqual({ file: DAEMON_RUN, viaNode: true });
    const elsewhere = pathToFileURL(join(dir, "a", "b", "main.js")).href;
    expect(findSockgateRun({ PATH: "" }, elsewhere)).toBeUndefined();
    const bin = join(dir, "sockgate-run");
    writeFileSync(bin, "#!/bin/sh\n");
    chmodSync(bin, 0o755);
    expect(findSockgateRun({ PATH: `/nonexistent:${dir}` }, elsewhere)).toEqual({ file: bin, viaNode: false });
  });

  it("the real supervisor answers: with no daemon on the socket it says so and starts nothing (exit 125)", () => {
    const marker = join(dir, "ran");
    const r = spawnSync(process.execPath, [TUI_MAIN, "--socket", join(dir, "nobody.sock"), "run", "--", "/bin/sh", "-c", `touch ${marker}`], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toMatch(/nothing could be decided, so \/bin\/sh was not started/);
    expect(spawnSync("test", ["-e", marker]).status, "the command never ran").toBe(1);
  });
});
