// pnpm bench:daemon — the real daemon deciding with the engine, against no firewall.
//
// A sockgated (dist/main.js, the engine deciding: no --answer) governs a cgroup and holds in
// a network namespace this script makes; its store is made here first, with the rules below.
// 1. First contact decided by a rule the kernel cannot express: sgbench (kernel-shim's C
//    client) alternates op by op between a bare cgroup and the governed one, each op a new
//    TCP socket's connect() to a loopback listener of its own. Its connects match a rule
//    on a CIDR (127.0.0.0/8) by an executable glob: the kernel has no key for either, so
//    every connect is held and decided by the engine in user space. (The issue names a
//    host-name rule; host names need the shim's DNS capture, which is not there yet: a CIDR
//    rule costs the engine the same lookup, in the same place.)
// 2. The daemon's CPU seconds and RSS while a paced load runs in the governed cgroup for
//    20 s each: 5,000 UDP connects per second that the kernel answers from an entry (an exact
//    executable to one address: never reaches user space), then 2,000 new UDP flows per
//    second (connect + one datagram) to addresses only a CIDR rule covers, each held and
//    decided by the engine. Every engine flow is proven answered (the daemon's status).
// SG_BENCH_DAEMON_ANSWER=allow runs the same with a fixed answer instead of the engine (what
// the hold path costs without it). Everything made is removed, also on failure. Last line:
// daemon rule_first_contact_p50_us=… rule_first_contact_p99_us=… rss_mb=… cpu_s_per_10k_kernel_flows=… cpu_s_per_10k_engine_flows=…
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { daemonDir, daemonStatus, makeWorld, startBenchDaemon, quantile, sleep, undoAll } from "./bench-world.js";

const OPS = Number(process.env.SG_BENCH_DAEMON_OPS ?? 2000);
// As in bench:hold: the first contacts measured meet the daemon's compiled code, not V8's
// first compilations of it (a daemon answers flows all day).
const WARMUP_OPS = Number(process.env.SG_BENCH_DAEMON_WARMUP ?? 2000);
const SECONDS = Number(process.env.SG_BENCH_DAEMON_SECONDS ?? 20);
const KERNEL_RATE = 5000;
const ENGINE_RATE = 2000;
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "..", "dist", "main.js");
const sgbench = realpathSync(join(here, "..", "..", "..", "packages", "kernel-shim", "build", "clients", "sgbench"));
const python = realpathSync("/usr/bin/python3");
const tag = `sgdaemon-${process.pid}`;
const dir = `/tmp/${tag}`;

const system = { kind: "system" };
const rule = (id, match) => ({ schemaVersion: 1, id, owner: system, action: "allow", duration: { kind: "forever" }, match });
const RULES = [
  // kernel entries: the executables' own socket() calls, and the paced kernel load's connects
  rule("bench-sgbench-sockets", { exe: sgbench, operation: ["socket", "bind", "listen"] }),
  rule("bench-python-sockets", { exe: python, operation: ["socket"] }),
  rule("bench-kernel-flows", { exe: python, operation: ["connect"], protocol: ["udp"], remoteAddress: ["127.0.0.2"] }),
  // user space only: a CIDR and an executable glob have no kernel key
  rule("bench-first-contact", { exeGlob: "/**/sgbench", operation: ["connect"], remoteAddress: ["127.0.0.0/8"] }),
  rule("bench-engine-flows", { exe: python, operation: ["connect", "send"], protocol: ["udp"], remoteAddress: ["127.0.1.0/24"] }),
];

// One paced loop: `rate` ops per second for `seconds`, each op a new UDP socket.
const LOAD = `
import socket, sys, time
mode, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t0 = time.monotonic(); done = 0; errors = 0; open_ = []
while True:
    now = time.monotonic() - t0
    if now >= seconds: break
    due = min(int(now * rate) + 1, int(seconds * rate))
    while done < due:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if mode == "kernel":
                s.connect(("127.0.0.2", 10000 + done % 50000)); s.close()
            else:
                s.connect(("127.0.1.%d" % (1 + done % 250), 10000 + done % 50000)); s.send(b"x")
                open_.append((now, s))
        except OSError:
            errors += 1; s.close()
        done += 1
    # engine flows' sockets stay open 100 ms, so each flow is decided before it is closed
    while open_ and open_[0][0] < now - 0.1: open_.pop(0)[1].close()
    time.sleep(0.002)
for _, s in open_: s.close()
print('{"ops": %d, "errors": %d, "seconds": %.3f}' % (done, errors, time.monotonic() - t0))
`;

function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(f[11]) + Number(f[12]); // utime + stime
  return ticks / 100; // CLK_TCK is 100 on Linux
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function main() {
  const undo = [];
  try {
    const { netnsPath, cgBase, cgHeld, pinDir } = makeWorld(tag, undo);
    // root runs the load: the governed cgroup is what makes it governed
    daemonDir(dir, cgHeld, RULES, undo);
    const { daemon, logFile } = await startBenchDaemon({ main: MAIN, dir, cgHeld, pinDir, netnsPath, extraArgs: process.env.SG_BENCH_DAEMON_ANSWER ? ["--answer", process.env.SG_BENCH_DAEMON_ANSWER] : [] }, undo);
    let rssMax = 0;
    const rssAtStart = rssMb(daemon.pid);
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(daemon.pid))), 250);
    undo.push(() => clearInterval(sampler));

    // 1. first contact decided by a user-space rule
    const runCase = (name, port, ops) => {
      const out = JSON.parse(execFileSync("nsenter", [`--net=${netnsPath}`, "--", sgbench, name, "127.0.0.1", String(port), String(ops), cgBase, cgHeld], { encoding: "utf8", maxBuffer: 64 << 20 }).trim());
      if (out.errno !== 0) throw new Error(`sgbench ${name} failed with errno ${out.errno}`);
      return out.ns;
    };
    runCase("tcp_first", 7301, WARMUP_OPS); // warm up
    const s0 = await daemonStatus(daemon, logFile);
    const [base, gov] = runCase("tcp_first", 7301, OPS);
    const s1 = await daemonStatus(daemon, logFile);
    const answered = s1.hold.answered.allow - s0.hold.answered.allow;
    if (answered !== OPS) throw new Error(`expected ${OPS} first contacts decided in user space, the daemon answered ${answered}`);
    const us = (ns) => ns / 1000;
    const p50 = us(quantile(gov, 0.5) - quantile(base, 0.5));
    const p99 = us(quantile(gov, 0.99) - quantile(base, 0.99));
    const rssAfterFirst = rssMb(daemon.pid);
    console.log(JSON.stringify({ case: "first_contact", base_p50_us: Math.round(us(quantile(base, 0.5))), governed_p50_us: Math.round(us(quantile(gov, 0.5))), base_p99_us: Math.round(us(quantile(base, 0.99))), governed_p99_us: Math.round(us(quantile(gov, 0.99))), ops: gov.length, decided_in_user_space: answered }));

    // 2. paced loads in the governed cgroup
    const load = (mode, rate) => {
      const cpu0 = procStat(daemon.pid);
      const script = 'cg=$1; shift; echo $$ > "$cg/cgroup.procs" && exec "$@"';
      const out = JSON.parse(execFileSync("sh", ["-c", script, "sh", cgHeld, "nsenter", `--net=${netnsPath}`, "--", python, "-c", LOAD, mode, String(rate), String(SECONDS)], { encoding: "utf8" }).trim());
      return { ...out, cpu: procStat(daemon.pid) - cpu0 };
    };
    await sleep(500);
    const k0 = await daemonStatus(daemon, logFile);
    const kernel = load("kernel", KERNEL_RATE);
    const k1 = await daemonStatus(daemon, logFile);
    const kernelUserSpace = k1.hold.answered.allow - k0.hold.answered.allow;
    console.log(JSON.stringify({ case: "kernel_flows", ...kernel, rate: Math.round(kernel.ops / kernel.seconds), reached_user_space: kernelUserSpace, daemon_cpu_s: +kernel.cpu.toFixed(2) }));
    if (kernel.errors > 0) throw new Error(`${kernel.errors} kernel-answered connects failed`);
    const e0 = k1;
    const engine = load("engine", ENGINE_RATE);
    await sleep(300);
    const e1 = await daemonStatus(daemon, logFile);
    const engineAnswered = e1.hold.answered.allow - e0.hold.answered.allow;
    console.log(JSON.stringify({ case: "engine_flows", ...engine, rate: Math.round(engine.ops / engine.seconds), decided_by_engine: engineAnswered, denied: e1.hold.answered.deny - e0.hold.answered.deny, daemon_cpu_s: +engine.cpu.toFixed(2) }));
    if (engineAnswered + engine.errors < engine.ops * 0.9) throw new Error(`expected the engine to decide every one of ${engine.ops} flows, it allowed ${engineAnswered}`);
    clearInterval(sampler);
    rssMax = Math.max(rssMax, rssMb(daemon.pid));
    const mem = (await daemonStatus(daemon, logFile)).memory;
    console.log(JSON.stringify({ daemon_memory_mb: Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, +(v / 1048576).toFixed(1)])) }));
    console.log(JSON.stringify({ rss_mb: { start: +rssAtStart.toFixed(1), after_first_contact: +rssAfterFirst.toFixed(1), max: +rssMax.toFixed(1), end: +rssMb(daemon.pid).toFixed(1) } }));
    console.log(
      `daemon rule_first_contact_p50_us=${p50.toFixed(1)} rule_first_contact_p99_us=${p99.toFixed(1)} rss_mb=${rssMax.toFixed(1)} cpu_s_per_10k_kernel_flows=${((kernel.cpu * 10000) / kernel.ops).toFixed(3)} cpu_s_per_10k_engine_flows=${((engine.cpu * 10000) / engine.ops).toFixed(3)}`,
    );
  } finally {
    await undoAll(undo);
  }
}

await main();
