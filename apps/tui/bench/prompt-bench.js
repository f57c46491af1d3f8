// pnpm bench:prompt (./sockgate bench prompt): how fast a person sees a prompt, and how the
// TUI keeps up under the daemon's full event rate, against a real daemon.
//
// A real sockgated governs a cgroup and holds in a network namespace this script makes
// (the daemon's bench world). The real TUI runs in a pseudo-terminal (util-linux `script`)
// whose output is fed to a headless terminal (@xterm/headless), so "on screen" means what a
// terminal would show. 80x24.
// 1. Prompts: a python3 client in the governed cgroup connects to a new destination (its own
//    port) each time, prints CLOCK_MONOTONIC just before connect(), and waits while held; the
//    time runs until the prompt naming that port is on the headless screen. Enter answers it
//    (deny once: no rule is kept) before the next, so no rate limit or coalescing hides one.
// 2. Keys under load: a paced python3 load makes 1,000 new UDP flows a second that a rule
//    allows in user space (each an activity line; the rate is what the TUI says it
//    received); the TUI shows activity; "v" changes the verdict filter
//    and the time runs from writing the key to the header showing the new filter.
// 3. The TUI's RSS once it has received at least 10,000 activity lines.
// Everything made is removed, also on failure. Last line:
// prompt p50_ms=<a> p99_ms=<b> key_under_load_p99_ms=<k> tui_rss_mb=<c>
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { makeWorld, quantile, sleep, undoAll } from "@sockgate/daemon/bench-world";
import { connect } from "@sockgate/protocol/client";
import xterm from "@xterm/headless";

const PROMPTS = Number(process.env.SG_BENCH_PROMPTS ?? 200);
const KEYS = Number(process.env.SG_BENCH_KEYS ?? 100);
const LOAD_RATE = 1000;
const here = dirname(fileURLToPath(import.meta.url));
const DAEMON = realpathSync(join(here, "..", "..", "daemon", "dist", "main.js"));
const TUI = join(here, "..", "dist", "main.js");
const python = realpathSync("/usr/bin/python3");
const tag = `sgprompt-${process.pid}`;
const dir = `/tmp/${tag}`;
const socketPath = `${dir}/api.sock`;

// One connect per line read: "PORT" -> prints {"t0": ns} then {"port", "errno"} when the connect ends.
const ASKER = `
import socket, sys, time, json
for line in sys.stdin:
    port = int(line)
    s = socket.socket()
    s.settimeout(30)
    print(json.dumps({"t0": time.monotonic_ns()}), flush=True)
    try:
        s.connect(("127.0.0.1", port)); err = 0
    except OSError as e:
        err = e.errno or -1
    s.close()
    print(json.dumps({"port": port, "errno": err}), flush=True)
`;

// Paced UDP flows (connect + one datagram) to 127.0.1.x, decided by a rule in user space.
const LOAD = `
import socket, sys, time
rate, seconds = int(sys.argv[1]), float(sys.argv[2])
t0 = time.monotonic(); done = 0; open_ = []
while True:
    now = time.monotonic() - t0
    if now >= seconds: break
    due = min(int(now * rate) + 1, int(seconds * rate))
    while done < due:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("127.0.1.%d" % (1 + done % 250), 10000 + done % 50000)); s.send(b"x"); open_.append((now, s))
        except OSError:
            s.close()
        done += 1
    while open_ and open_[0][0] < now - 0.1: open_.pop(0)[1].close()
    time.sleep(0.002)
for _, s in open_: s.close()
print(done, flush=True)
`;

/** A process in the governed cgroup and the namespace (it joins the cgroup before exec). */
function governed(cg, netnsPath, argv, stdio) {
  return spawn("sh", ["-c", 'cg=$0; ns=$1; shift; echo $$ > "$cg/cgroup.procs" && exec nsenter --net="$ns" -- "$@"', cg, netnsPath, ...argv], { stdio });
}

/** The TUI in a pseudo-terminal; its screen in a headless terminal. */
function startTui(undo) {
  const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const cmd = `stty rows 24 cols 80; exec ${process.execPath} ${TUI} --socket ${socketPath} --key-guard-ms 0`;
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "inherit"], env: { PATH: process.env.PATH, HOME: "/tmp", LANG: "C.UTF-8", TERM: "xterm-256color" } });
  undo.push(() => child.kill("SIGKILL"));
  const watchers = new Set();
  const screen = () => {
    const b = term.buffer.active;
    const rows = [];
    for (let i = 0; i < term.rows; i++) rows.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? "");
    return rows.join("\n");
  };
  child.stdout.on("data", (d) => {
    term.write(d, () => {
      const at = process.hrtime.bigint();
      if (watchers.size === 0) return;
      const s = screen();
      for (const w of watchers) {
        if (!w.test(s)) continue;
        watchers.delete(w);
        w.resolve(at);
      }
    });
  });
  /** Resolves with the hrtime at which `test` first held for the screen (now, if it already does). */
  const until = (test, timeoutMs = 10_000, what = String(test)) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => void (watchers.delete(w), reject(new Error(`not on the TUI's screen within ${timeoutMs} ms: ${what}\n${screen()}`))), timeoutMs);
      const w = { test: typeof test === "function" ? test : (s) => test.test(s), resolve: (at) => (clearTimeout(timer), resolve(at)) };
      if (w.test(screen())) w.resolve(process.hrtime.bigint());
      else watchers.add(w);
    });
  const tuiPid = () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]);
  return { child, until, screen, type: (keys) => child.stdin.write(keys), tuiPid };
}

async function waitForSocket(daemon, logFile) {
  for (let i = 0; i < 500; i++) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited: ${readFileSync(logFile, "utf8")}`);
    try {
      return await connect({ socketPath, client: { name: "prompt-bench" } });
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`the daemon's API did not answer: ${readFileSync(logFile, "utf8").slice(-2000)}`);
}

const ms = (ns) => Number(ns) / 1e6;
/** The five largest, rounded: the tail a p99 over a few hundred samples stands for. */
const slowest = (xs) => [...xs].sort((a, b) => b - a).slice(0, 5).map((x) => Math.round(x));

async function main() {
  const undo = [];
  // Interrupted (Ctrl-C, a timeout's SIGTERM): undo everything first, or the namespace, the
  // cgroups and the pins stay behind for the next run and every leftover check to trip on.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(sig, () => {
      console.error(`bench: ${sig}, cleaning up`);
      void undoAll(undo).finally(() => process.exit(130));
    });
  }
  try {
    const { netnsPath, cgHeld, pinDir } = makeWorld(tag, undo);
    const logFile = `/tmp/${tag}.log`;
    undo.push(() => execFileSync("rm", ["-rf", logFile, dir]));
    mkdirSync(dir);
    // root runs the clients: govern uid 0 in the bench's cgroup; prompts limited only far above what this makes
    writeFileSync(
      `${dir}/config.json`,
      JSON.stringify({ store: { path: `${dir}/db` }, api: { socket: socketPath }, governed: { users: [0], cgroups: [] }, defaultRules: false, prompts: { timeoutMs: 30_000, perAppLimit: 1000, windowMs: 1000, maxPendingPerUser: 1000 } }),
    );
    const daemon = spawn(process.execPath, [DAEMON, "--config", `${dir}/config.json`, "--cgroup", cgHeld, "--pin-dir", pinDir, "--hold-netns", netnsPath], { stdio: ["ignore", openSync(logFile, "w"), "inherit"] });
    undo.push(() => daemon.kill("SIGKILL"));
    const api = await waitForSocket(daemon, logFile);
    undo.push(() => api.close());
    const system = { kind: "system" };
    // python3's sockets are a kernel entry (never reach user space); its UDP load is allowed by a rule only user space can apply (a CIDR)
    await api.addRule({ schemaVersion: 1, id: "bench-sockets", owner: system, action: "allow", duration: { kind: "forever" }, match: { exe: python, operation: ["socket"] } });
    await api.addRule({ schemaVersion: 1, id: "bench-load", owner: system, action: "allow", duration: { kind: "forever" }, match: { exe: python, operation: ["connect", "send"], protocol: ["udp"], remoteAddress: ["127.0.1.0/24"] } });

    const tui = startTui(undo);
    await tui.until(/No prompts waiting/, 20_000, "the TUI's empty prompt view");

    // 1. prompts
    const asker = governed(cgHeld, netnsPath, [python, "-c", ASKER], ["pipe", "pipe", "inherit"]);
    undo.push(() => asker.kill("SIGKILL"));
    const replies = createInterface({ input: asker.stdout });
    const lines = [];
    let wake;
    replies.on("line", (l) => (lines.push(JSON.parse(l)), wake?.()));
    const nextLine = async () => {
      while (lines.length === 0) await new Promise((r) => (wake = r));
      return lines.shift();
    };
    const latencies = [];
    for (let i = 0; i < PROMPTS + 5; i++) {
      const port = 20000 + i;
      asker.stdin.write(`${port}\n`);
      const { t0 } = await nextLine();
      const seen = await tui.until(new RegExp(`port ${port} \\(TCP\\)`), 10_000, `the prompt for port ${port}`);
      if (i >= 5) latencies.push(ms(seen - BigInt(t0))); // the first few warm up the code paths
      tui.type("\r"); // deny once
      const done = await nextLine();
      if (done.errno === 0) throw new Error(`the connect to ${port} went through: it was not held`);
      await tui.until((s) => !s.includes(`port ${port} (TCP)`), 5000, `prompt ${port} gone`);
    }
    console.log(JSON.stringify({ case: "prompt", prompts: latencies.length, p50_ms: +quantile(latencies, 0.5).toFixed(2), p99_ms: +quantile(latencies, 0.99).toFixed(2), max_ms: +Math.max(...latencies).toFixed(2), slowest_ms: slowest(latencies) }));

    // utime + stime of a process, in ms (clock ticks are 10 ms on Linux)
    const cpuOf = (pid = tui.tuiPid()) => {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(f[11]) + Number(f[12])) * 10;
    };
    const rssOf = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${tui.tuiPid()}/status`, "utf8"))[1]) / 1024;
    console.log(JSON.stringify({ case: "tui_rss_before_load", rss_mb: +rssOf().toFixed(1), cmdline: readFileSync(`/proc/${tui.tuiPid()}/cmdline`, "utf8").split("\0").slice(0, 3).join(" ") }));

    // 2. keys while 1,000 activity lines a second arrive (counted by the TUI itself: "of N received")
    const received = () => Number(/of (\d+) received/.exec(tui.screen())?.[1] ?? 0);
    const seconds = 4 + KEYS * 0.15 + 12;
    const load = governed(cgHeld, netnsPath, [python, "-c", LOAD, String(LOAD_RATE), String(seconds)], ["ignore", "pipe", "inherit"]);
    undo.push(() => load.kill("SIGKILL"));
    const loadDone = new Promise((r) => load.once("exit", r));
    tui.type("2");
    await tui.until(/verdict all ·/, 5000, "the activity view");
    await sleep(3000);
    const a0 = received();
    const c0 = cpuOf();
    const d0 = cpuOf(daemon.pid);
    const l0 = cpuOf(load.pid);
    const b0 = process.cpuUsage();
    const t0 = Date.now();
    const order = ["allow", "deny", "held", "all"];
    const keyTimes = [];
    for (let i = 0; i < KEYS; i++) {
      const next = order[i % order.length];
      const sent = process.hrtime.bigint();
      tui.type("v");
      const seen = await tui.until(new RegExp(`verdict ${next} ·`), 5000, `verdict ${next}`);
      keyTimes.push(ms(seen - sent));
      await sleep(100 + Math.random() * 50);
    }
    const elapsed = Date.now() - t0;
    const rate = ((received() - a0) * 1000) / elapsed;
    const cpu = { tui_cpu_pct: Math.round(((cpuOf() - c0) * 100) / elapsed), daemon_cpu_pct: Math.round(((cpuOf(daemon.pid) - d0) * 100) / elapsed), load_cpu_pct: Math.round(((cpuOf(load.pid) - l0) * 100) / elapsed), bench_cpu_pct: Math.round((Object.values(process.cpuUsage(b0)).reduce((x, y) => x + y, 0) / 1000 / elapsed) * 100), loadavg: readFileSync("/proc/loadavg", "utf8").split(" ")[0] };
    console.log(JSON.stringify({ case: "key_under_load", keys: keyTimes.length, activity_per_s: Math.round(rate), p50_ms: +quantile(keyTimes, 0.5).toFixed(2), p99_ms: +quantile(keyTimes, 0.99).toFixed(2), max_ms: +Math.max(...keyTimes).toFixed(2), slowest_ms: slowest(keyTimes), ...cpu }));
    if (rate < LOAD_RATE * 0.9) console.log(JSON.stringify({ warning: `the TUI received ${Math.round(rate)} activity lines a second, below the ${LOAD_RATE} asked for` }));

    // 3. RSS after at least 10,000 lines received by the TUI
    await loadDone;
    await sleep(500);
    const total = received();
    if (total < 10_000) throw new Error(`the TUI received ${total} activity lines, fewer than 10,000`);
    const rss = rssOf();
    console.log(JSON.stringify({ case: "tui_rss", activity_lines: total, rss_mb: +rss.toFixed(1) }));
    console.log(
      `prompt p50_ms=${quantile(latencies, 0.5).toFixed(1)} p99_ms=${quantile(latencies, 0.99).toFixed(1)} key_under_load_p99_ms=${quantile(keyTimes, 0.99).toFixed(1)} tui_rss_mb=${rss.toFixed(1)}`,
    );
  } finally {
    await undoAll(undo);
  }
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exitCode = 1;
});
