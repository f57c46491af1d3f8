// pnpm bench:run — what `sockgate run` costs a program whose calls a rule already allows.
//
// A real sockgated (dist/main.js, the engine deciding) governs a cgroup and holds in a
// network namespace this script makes; its store is made here first, with rules that allow
// sgrun-bench's TCP socket() and its connect() to the loopback server. sgrun-bench (this
// package's C client) does N times socket()+connect()+close() to that server and reports
// the mean time per iteration. Round by round, in one run, the same program runs plain and
// under `sockgate run` (dist/run.js), both in the governed cgroup (so the kernel's hooks,
// which answer its connects from the rule's entry, cost both the same); the order flips
// every round. Under sockgate run the first socket() and connect() are decided by the
// daemon (a rule: the native thread keeps the verdict); every later one is answered by the
// native thread from its cache without entering JavaScript (proved from the supervisor's
// counters, `sockgate run --stats`). The same rounds measure an AF_UNIX connect(), which
// the filter must trap (its family is in user memory) and the native thread answers with
// CONTINUE at once: that cost is reported too.
// Every step is undone, also on failure. Last line:
// run cached_ratio=<plain/sockgate run> cached_added_us=<per iteration>
import { execFileSync, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { daemonDir, makeWorld, startBenchDaemon, quantile, sleep, undoAll } from "./bench-world.js";

const ROUNDS = Number(process.env.SG_BENCH_RUN_ROUNDS ?? 20);
const N = Number(process.env.SG_BENCH_RUN_N ?? 2000);
const PORT = 7401;
const ADDR = "127.0.0.1";
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "..", "dist", "main.js");
const RUN = join(here, "..", "dist", "run.js");
const bench = realpathSync(join(here, "..", "build", "clients", "sgrun-bench"));
const tag = `sgrunb-${process.pid}`;
const dir = `/tmp/${tag}`;
const unixPath = `${dir}/bench.sock`;

const system = { kind: "system" };
const rule = (id, match) => ({ schemaVersion: 1, id, owner: system, action: "allow", duration: { kind: "forever" }, match });
const RULES = [
  rule("bench-run-sockets", { exe: bench, operation: ["socket"], protocol: ["tcp"] }),
  rule("bench-run-connect", { exe: bench, operation: ["connect"], protocol: ["tcp"], remoteAddress: [ADDR], remotePort: [PORT] }),
];

/** Starts argv in the namespace (and cgroup) and waits for "ready" on its stderr. */
async function startServer(netnsPath, cgroup, argv, undo) {
  const child = spawn("sh", ["-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', "sh", cgroup, "nsenter", `--net=${netnsPath}`, "--", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
  undo.push(() => child.kill("SIGKILL"));
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
  for (let i = 0; i < 250 && !err.includes("ready"); i++) {
    if (child.exitCode !== null) throw new Error(`${argv.join(" ")} exited: ${err}`);
    await sleep(20);
  }
  if (!err.includes("ready")) throw new Error(`${argv.join(" ")} did not get ready: ${err}`);
}

async function main() {
  const undo = [];
  try {
    const { netnsPath, cgBase, cgHeld, pinDir } = makeWorld(tag, undo);
    // root runs the program: the governed cgroup is what makes it governed (and sockgate run keeps it there)
    daemonDir(dir, cgHeld, RULES, undo);
    await startBenchDaemon({ main: MAIN, dir, cgHeld, pinDir, netnsPath }, undo);
    // the servers outside the governed cgroup: their accepts cost neither arm anything
    await startServer(netnsPath, cgBase, [bench, "serve", "tcp", ADDR, String(PORT)], undo);
    await startServer(netnsPath, cgBase, [bench, "serve", "unix", unixPath], undo);

    const once = (supervised, args) => {
      const run = supervised ? [process.execPath, RUN, "--socket", `${dir}/api.sock`, "--", bench, ...args] : [bench, ...args];
      const script = 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"';
      const r = execFileSync("sh", ["-c", script, "sh", cgHeld, "nsenter", `--net=${netnsPath}`, "--", ...run], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 << 20 });
      const out = JSON.parse(r.trim().split("\n").at(-1));
      if (out.error !== undefined) throw new Error(`sgrun-bench ${args.join(" ")}${supervised ? " under sockgate run" : ""} failed: ${out.error} at iteration ${out.at}`);
      return out.us;
    };
    // --stats goes to stderr: run the supervised case once more through spawn to read it
    const stats = (args) => {
      const r = execFileSync("sh", ["-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@" 2>&1 >/dev/null', "sh", cgHeld, "nsenter", `--net=${netnsPath}`, "--", process.execPath, RUN, "--socket", `${dir}/api.sock`, "--stats", "--", bench, ...args], { encoding: "utf8" });
      const line = r.split("\n").find((l) => l.startsWith("sockgate run: stats "));
      if (line === undefined) throw new Error(`sockgate run --stats said no stats: ${r}`);
      return JSON.parse(line.slice("sockgate run: stats ".length));
    };
    const tcp = ["tcp", ADDR, String(PORT), String(N)];
    const unix = ["unix", unixPath, String(N)];
    // warm up: routes, the daemon's code paths, the page cache for node and the addon
    once(false, tcp);
    once(true, tcp);
    once(true, unix);

    const s = stats(tcp);
    // 1 socket() and 1 connect() asked of the daemon; the rest answered from the native cache
    if (s.asked !== 2 || s.cachedAllow < 2 * N - 2) throw new Error(`expected 2 calls asked and ${2 * N - 2} answered from the cache, got ${JSON.stringify(s)}`);
    const u = stats(unix);
    if (u.asked !== 0 || u.passedNonInet < N) throw new Error(`expected ${N} AF_UNIX connects continued at once, got ${JSON.stringify(u)}`);
    console.log(JSON.stringify({ supervisor_tcp: s, supervisor_unix: u }));

    const r = { tcpPlain: [], tcpRun: [], unixPlain: [], unixRun: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const supervised of order) r[supervised ? "tcpRun" : "tcpPlain"].push(once(supervised, tcp));
      for (const supervised of order) r[supervised ? "unixRun" : "unixPlain"].push(once(supervised, unix));
    }
    const med = (xs) => quantile(xs, 0.5);
    const f = (x) => Number(x.toFixed(2));
    const tcpPlain = med(r.tcpPlain);
    const tcpRun = med(r.tcpRun);
    const unixPlain = med(r.unixPlain);
    const unixRun = med(r.unixRun);
    // per round: the ratio of the two arms measured next to each other
    const ratios = r.tcpRun.map((x, i) => x / r.tcpPlain[i]);
    console.log(
      JSON.stringify({
        case: "tcp socket+connect+close, cached allow",
        iterations_per_run: N,
        rounds: ROUNDS,
        plain_us: f(tcpPlain),
        run_us: f(tcpRun),
        round_ratio_min_median_max: [f(Math.min(...ratios)), f(med(ratios)), f(Math.max(...ratios))],
        trapped_calls_per_iteration: 2,
      }),
    );
    console.log(JSON.stringify({ case: "unix socket+connect+close, connect trapped and continued", plain_us: f(unixPlain), run_us: f(unixRun), unix_continue_added_us: f(unixRun - unixPlain), trapped_calls_per_iteration: 1 }));
    console.log(`run cached_ratio=${(tcpRun / tcpPlain).toFixed(2)} cached_added_us=${(tcpRun - tcpPlain).toFixed(1)}`);
  } finally {
    await undoAll(undo);
  }
}

await main();
