// The README's quick start itself: `./sockgate start` in tmux, as root, on this machine.
// It starts the daemon (detached) and opens the TUI, whose empty screen says what to run;
// the test runs exactly that (`./sockgate shell`) in a second tmux window, makes a
// connection there, reads the prompt off the TUI's screen and answers it; then quits, and
// `./sockgate stop` and `./sockgate unload` end everything. The daemon's configuration
// ($SOCKGATE_CONFIG) keeps its store, socket and pins in a temp dir and holds only in a
// network namespace the test made, so nothing else on the machine is asked about.
// In a checkout without its own .toolchain (a developer's worktree sharing another's) the
// setup step is skipped (SOCKGATE_NO_BOOTSTRAP=1) and the test says so. Elsewhere only
// `./sockgate start`, the README's run command, sets up; the shell, stop and unload after
// it skip that step (done once already; a second `pnpm build` would rewrite dist/ while
// the TUI and the daemon run from it).

import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Cleanup, assertNoLeftovers, clientPath, createNetns, pinDirName, sleep, startIn } from "@sockgate/kernel-shim/test-harness";
import type { TestNetns } from "@sockgate/kernel-shim/test-harness";
import { unloadShim } from "@sockgate/kernel-shim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KEY_GUARD_MS } from "../keys/prompt-keys.js";
import { Tmux } from "../test-support/tmux.js";

const ROOT = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const SOCKGATE = join(ROOT, "sockgate");

/** argv to completion, with what it printed (the harness's runIn parses JSON lines; `status --json` prints a multi-line document). */
function run(argv: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env, timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the README quick start: ./sockgate start on this machine", () => {
  const cleanup = new Cleanup();
  const tmux = new Tmux(cleanup);
  const dir = mkdtempSync(join(tmpdir(), "sockgate-quickstart-"));
  const pinDir = pinDirName();
  let ns: TestNetns;
  let env: Record<string, string>;

  /** The environment of every command after `./sockgate start`: set up already. */
  const after = () => ({ ...env, SOCKGATE_NO_BOOTSTRAP: "1" });
  const sockgate = (args: string[], timeoutMs = 120_000) => run([SOCKGATE, ...args], after(), timeoutMs);

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    cleanup.add(`unload ${pinDir}`, () => void unloadShim(pinDir));
    ns = createNetns(cleanup);
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp4", "0.0.0.0", "8080"], cleanup);
    const config = join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({ store: { path: join(dir, "sockgate.db") }, api: { socket: join(dir, "run", "api.sock") }, pinDir, hold: { namespaces: [ns.path] }, governed: { users: [], cgroups: ["/sockgate.shell"] }, dns: { resolvers: [ns.peer4] } }),
    );
    env = { SOCKGATE_CONFIG: config, SOCKGATE_LOG: join(dir, "sockgated.log"), TERM: "xterm-256color", LANG: "C.UTF-8", PATH: process.env.PATH ?? "/usr/bin:/bin" };
    if (!existsSync(join(ROOT, ".toolchain"))) {
      console.warn(`quick start test: ${ROOT} has no .toolchain of its own; running ./sockgate with SOCKGATE_NO_BOOTSTRAP=1 (the setup step is exercised by ./sockgate test itself)`);
      env.SOCKGATE_NO_BOOTSTRAP = "1";
    }
    // Whatever happens: the daemon started detached must not outlive the test.
    cleanup.add("stop the quick start's daemon", async () => {
      const pid = Number(readFileSync(join(dir, "run", "sockgated.pid"), { encoding: "utf8", flag: "a+" }).trim());
      if (pid > 0) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already stopped (by ./sockgate stop)
        }
      }
    });
  }, 120_000);

  afterAll(async () => {
    await cleanup.run();
    assertNoLeftovers();
  }, 60_000);

  it("opens the TUI with the daemon running, and the screen says what to run to see a prompt", async () => {
    tmux.start("qs", [SOCKGATE, "start"], { env, width: 100, height: 30 });
    const screen = await tmux.waitFor("qs", /No prompts waiting/, 300_000, "the TUI's empty prompt view");
    expect(screen).toMatch(/uid 0 \(admin\) · connected/);
    expect(screen).toContain(`${SOCKGATE} shell`);
    // a second start finds the daemon answering and uses it (the step ./sockgate start runs before the TUI)
    const again = await run([process.execPath, join(ROOT, "apps/tui/dist/quickstart.js"), "ensure", "--daemon", join(ROOT, "apps/daemon/dist/main.js")], after(), 30_000);
    expect(again.code, again.stderr).toBe(0);
    const pid = Number(readFileSync(join(dir, "run", "sockgated.pid"), "utf8"));
    expect(again.stderr).toContain(`using the daemon already running (pid ${pid})`);
  }, 320_000);

  it("the command the screen suggests opens a governed shell; a connection there is asked about, answered, and goes through", async () => {
    tmux.tmux(["new-window", "-d", "-t", "qs", "-n", "shell", ...["env", ...Object.entries(after()).map(([k, v]) => `${k}=${v}`), SOCKGATE, "shell"]]);
    await tmux.waitFor("qs:shell", /governed cgroup \/sockgate\.shell/, 120_000, "the governed shell's banner");
    await sleep(300);
    tmux.send("qs:shell", [`nsenter --net=${ns.path} curl -sS -o /dev/null --max-time 20 http://${ns.peer4}:8080/; echo "curl exit $?"`], true);
    tmux.send("qs:shell", ["Enter"]);
    const prompt = await tmux.waitFor("qs:0", new RegExp(`curl wants to connect to ${ns.peer4.replace(/\./g, "\\.")} port 8080 \\(TCP\\)`), 20_000);
    expect(prompt).toMatch(/process\s+pid \d+ · user (root \()?uid 0/);
    await sleep(DEFAULT_KEY_GUARD_MS + 100);
    tmux.send("qs:0", ["a", "f", "Enter"]);
    const shell = await tmux.waitFor("qs:shell", /curl exit \d+/, 20_000);
    expect(shell, "curl reached the server (it accepts and closes: exit 52 or 56)").toMatch(/curl exit (52|56)/);
    await tmux.waitFor("qs:0", /settled: curl → .*8080: allow, answered/);
  }, 180_000);

  it("quitting the TUI leaves the daemon enforcing and says so; ./sockgate stop stops it; ./sockgate unload removes the shim", async () => {
    tmux.send("qs:0", ["q"]);
    // the farewell is a long line the terminal wrapped
    const bye = (await tmux.waitFor("qs:0", /\[exited 0\]/)).replace(/\n/g, "");
    expect(bye).toMatch(/the daemon \(pid \d+\) keeps enforcing your rules/);
    expect(bye).toContain(`${SOCKGATE} stop stops it`);
    const status = await run([process.execPath, join(ROOT, "apps/tui/dist/main.js"), "--config", env.SOCKGATE_CONFIG!, "status", "--json"], after(), 15_000);
    expect(status.code, status.stderr).toBe(0);
    const pid = (JSON.parse(status.stdout) as { daemon: { pid: number } }).daemon.pid;
    const stop = await sockgate(["stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`stopped the daemon \\(pid ${pid}\\)`));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(join(pinDir)), "the pins outlive the daemon").toBe(true);
    const unloaded = await sockgate(["unload"]);
    expect(unloaded.code, unloaded.stderr).toBe(0);
    expect(unloaded.stderr).toMatch(/links detached/);
    expect(existsSync(pinDir)).toBe(false);
    // nothing of sockgate's stays in iptables either (the rules would keep the match program)
    for (const tool of ["iptables", "ip6tables"]) {
      const rules = execFileSync("nsenter", [`--net=${ns.path}`, "--", tool, "-w", "-t", "raw", "-S"], { encoding: "utf8" });
      expect(rules, `${tool} raw after unload`).not.toMatch(/SOCKGATE/);
    }
  }, 600_000);
});
