// `sockgate run` in a real terminal: an interactive bash as alice in a tmux pane (in the
// daemon fixture's cgroup and network namespace), with `sockgate run -- COMMAND` typed at
// its prompt. Ctrl-C must reach the command and end sockgate run as the command ended,
// leaving nothing behind; Ctrl-Z must stop the command (and the job), `fg` resume it; a
// call held for alice's answer must not keep Ctrl-C from ending the command. Processes are
// read from the cgroup and /proc, the shell's view ($?, "Stopped") off the screen.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DaemonFixture } from "@sockgate/daemon/test-support";
import type { ClientProcess, EventTap } from "@sockgate/daemon/test-support";
import { assertNoLeftovers, sleep } from "@sockgate/kernel-shim/test-harness";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Tmux } from "../test-support/tmux.js";
import { TERMINAL_ENV, asUser } from "./tui-users.js";

const RUN_BIN = fileURLToPath(new URL("../../../daemon/dist/run.js", import.meta.url));
const TUI_BIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const PANE = "shell";
const HELD_PORT = 8151;

interface Proc {
  pid: number;
  state: string;
  cmdline: string;
}

describe("sockgate run in a terminal: Ctrl-C, Ctrl-Z and fg", () => {
  const f = new DaemonFixture();
  const tmux = new Tmux(f.cleanup);
  let ui: ClientProcess;
  let tap: EventTap;
  let shellPid: number;

  /** Every process in the fixture's cgroup (the pane's shell and what it started). */
  function procs(): Proc[] {
    const pids = readFileSync(join(f.cgroup.path, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    return pids.flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
        return [{ pid, state: stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3), cmdline }];
      } catch {
        return []; // exited meanwhile
      }
    });
  }

  const command = (word: string): Proc | undefined => procs().find((p) => p.cmdline.split(" ")[0] === word || p.cmdline.startsWith(`${word} `));
  const supervisor = (): Proc | undefined => procs().find((p) => p.cmdline.includes(RUN_BIN));

  async function until<T>(what: string, get: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`${what} within ${timeoutMs} ms; processes: ${JSON.stringify(procs())}; screen:\n${tmux.screen(PANE)}`);
      await sleep(50);
    }
  }

  /** Types a command line at the shell's prompt. */
  function type(line: string): void {
    tmux.send(PANE, [line], true);
    tmux.send(PANE, ["Enter"]);
  }

  /** `sockgate run -- argv` typed at the prompt (alone: bash drops the rest of a line whose job Ctrl-C killed). */
  function sockgateRun(argv: string[]): void {
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    type(`node ${RUN_BIN} --socket ${f.socketPath} -- ${quoted}`);
  }

  let asked = 0;
  /** Once the shell prompts again: the last command's status ($?), as the shell saw it. */
  async function shellStatus(): Promise<number> {
    await tmux.waitFor(PANE, (s) => s.trimEnd().endsWith("\n$"), 10_000, "the shell's prompt");
    const n = ++asked;
    type(`echo "[status-${n} $?]"`);
    const screen = await tmux.waitFor(PANE, new RegExp(`^\\[status-${n} \\d+\\]$`, "m"));
    return Number(screen.match(new RegExp(`^\\[status-${n} (\\d+)\\]$`, "m"))![1]);
  }

  /** Nothing is left but the shell: no command, no sockgate run. */
  async function onlyTheShell(): Promise<void> {
    await until("only the shell left", () => procs().every((p) => p.pid === shellPid));
  }

  beforeAll(async () => {
    await f.setup([HELD_PORT, HELD_PORT + 1]);
    ui = await f.client(f.alice);
    tap = await ui.subscribe(["prompts"]);
    // alice's login shell in a terminal, in the governed cgroup and namespace; node on PATH
    const bash = asUser(f.alice, ["env", `PATH=${join(process.execPath, "..")}:/usr/bin:/bin`, "PS1=$ ", "bash", "--norc", "--noprofile", "-i"]);
    const script = 'echo $$ > "$1/cgroup.procs" && ns=$2 && shift 2 && exec nsenter --net="$ns" -- "$@"';
    tmux.start(PANE, ["sh", "-c", script, "sh", f.cgroup.path, f.ns.path, ...bash], { env: TERMINAL_ENV, width: 160, height: 40 });
    await tmux.waitFor(PANE, /^\$/m, 10_000); // capture-pane drops the trailing space of "$ "
    shellPid = await until("the shell in the cgroup", () => procs().find((p) => p.cmdline.startsWith("bash"))?.pid);
  }, 120_000);

  // each test reads a screen of its own
  beforeEach(async () => {
    type("clear");
    await tmux.waitFor(PANE, (screen) => screen.trim() === "$", 5000, "a cleared screen");
  });

  afterAll(async () => {
    await f.close();
    assertNoLeftovers();
  }, 60_000);

  it("Ctrl-C: sleep dies by SIGINT, sockgate run ends the same way ($? 130), nothing is left", async () => {
    sockgateRun(["sleep", "100"]);
    await until("sleep 100 running", () => command("sleep")?.state === "S");
    expect(supervisor(), "sockgate run is the sleep's supervisor").toBeDefined();
    tmux.send(PANE, ["C-c"]);
    expect(await shellStatus()).toBe(130);
    await onlyTheShell();
  });

  it("Ctrl-C: a python loop gets SIGINT (KeyboardInterrupt) and its own exit status is sockgate run's", async () => {
    const loop = "import time\ntry:\n  print('looping', flush=True)\n  while True: time.sleep(0.05)\nexcept KeyboardInterrupt:\n  print('got SIGINT', flush=True); raise SystemExit(3)";
    sockgateRun(["python3", "-c", loop]);
    await tmux.waitFor(PANE, /^looping$/m);
    tmux.send(PANE, ["C-c"]);
    expect(await shellStatus()).toBe(3);
    const screen = tmux.screen(PANE);
    expect(screen).toMatch(/^\^Cgot SIGINT$/m);
    // once: sockgate run did not pass the terminal's SIGINT on a second time
    expect(screen.match(/^\^Cgot SIGINT$/gm)).toHaveLength(1);
    await onlyTheShell();
  });

  it("through the TUI's `sockgate run` (which starts sockgate-run): the same Ctrl-C, the same status, SIGINT once", async () => {
    const loop = "import time\ntry:\n  print('looping', flush=True)\n  while True: time.sleep(0.05)\nexcept KeyboardInterrupt:\n  print('got SIGINT', flush=True); raise SystemExit(3)";
    const quoted = ["python3", "-c", loop].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    type(`node ${TUI_BIN} --socket ${f.socketPath} run -- ${quoted}`);
    await tmux.waitFor(PANE, /^looping$/m);
    expect(supervisor(), "the wrapper started the real supervisor").toBeDefined();
    tmux.send(PANE, ["C-c"]);
    expect(await shellStatus()).toBe(3);
    expect(tmux.screen(PANE).match(/^\^Cgot SIGINT$/gm)).toHaveLength(1);
    await onlyTheShell();
  });

  it("Ctrl-Z stops the command and the job; fg resumes it; Ctrl-C then ends it", async () => {
    const ticker = "import time, itertools\nfor i in itertools.count():\n  open('/proc/self/comm')\n  print('tick', i, flush=True) if i % 20 == 0 else None\n  time.sleep(0.05)";
    sockgateRun(["python3", "-c", ticker]);
    await tmux.waitFor(PANE, /^tick 0$/m);
    const py = await until("python3 running", () => command("python3"));
    const cpuTicks = (): number => Number(readFileSync(`/proc/${py.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[11]);
    tmux.send(PANE, ["C-z"]);
    await tmux.waitFor(PANE, /^\[1\]\+\s+Stopped\s+node /m);
    // the shell saw the job stop by SIGTSTP (128 + 20), as for any stopped job
    // both stopped: the command, and sockgate run (the shell's job)
    await until("python3 stopped", () => command("python3")?.state === "T");
    expect(supervisor()?.state).toBe("T");
    expect(await shellStatus()).toBe(148);
    const stoppedAt = cpuTicks();
    const ticksOnScreen = (tmux.screen(PANE).match(/^tick \d+$/gm) ?? []).length;
    await sleep(1500);
    expect(cpuTicks(), "no CPU used while stopped").toBe(stoppedAt);
    expect((tmux.screen(PANE).match(/^tick \d+$/gm) ?? []).length, "nothing printed while stopped").toBe(ticksOnScreen);

    type("fg");
    await until("python3 running again", () => ["S", "R"].includes(command("python3")?.state ?? ""));
    await until("it prints again", () => (tmux.screen(PANE).match(/^tick \d+$/gm) ?? []).length > ticksOnScreen, 5000);
    expect(["S", "R"]).toContain(supervisor()?.state);
    tmux.send(PANE, ["C-c"]);
    // fg's status is the job's: python3 died of the KeyboardInterrupt's SIGINT
    expect(await shellStatus()).toBe(130);
    await onlyTheShell();
  });

  it("Ctrl-C while a connect is held for alice's answer: a program that dies of SIGINT dies at once, nothing is left", async () => {
    const connect = `import signal, socket\nsignal.signal(signal.SIGINT, signal.SIG_DFL)\ns = socket.socket()\nprint('connecting', flush=True)\ns.connect(('${f.ns.peer4}', ${HELD_PORT}))\nprint('connected', flush=True)`;
    sockgateRun(["python3", "-c", connect]);
    await tap.next((e) => e.type === "prompt" && e.prompt.destination.port === HELD_PORT, 10_000);
    await tmux.waitFor(PANE, /^connecting$/m);
    await sleep(300);
    tmux.send(PANE, ["C-c"]);
    expect(await shellStatus()).toBe(130);
    expect(tmux.screen(PANE)).not.toMatch(/^connected$/m);
    await onlyTheShell();
  });

  it("Ctrl-C while a connect is held for alice's answer: python's KeyboardInterrupt ends the call at once (EINTR), as without sockgate run", async () => {
    const connect = `import socket\ns = socket.socket()\nprint('connecting', flush=True)\ns.connect(('${f.ns.peer4}', ${HELD_PORT + 1}))\nprint('connected', flush=True)`;
    sockgateRun(["python3", "-c", connect]);
    await tap.next((e) => e.type === "prompt" && e.prompt.destination.port === HELD_PORT + 1, 10_000);
    await tmux.waitFor(PANE, /^connecting$/m);
    await sleep(300);
    tmux.send(PANE, ["C-c"]);
    expect(await shellStatus()).toBe(130);
    const screen = tmux.screen(PANE);
    expect(screen).toMatch(/^KeyboardInterrupt$/m);
    expect(screen).not.toMatch(/^connected$/m);
    await onlyTheShell();
  });
});
