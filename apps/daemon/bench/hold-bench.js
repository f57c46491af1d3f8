// pnpm bench:hold — what holding costs a first contact when the decision comes at once.
//
// A real sockgated (dist/main.js --unknown hold --answer allow) holds on a cgroup and a
// network namespace this script makes. sgbench (kernel-shim's C client) runs in that
// namespace and alternates op by op between a bare cgroup and the held one: a new TCP
// socket's connect() to a loopback listener of its own, a new UDP socket's first datagram
// until its echo returns, and a connect() to a listener made in the held cgroup (whose SYN
// is held at ingress and passes at the peer's first retransmission). Every held op is
// proven to have gone through the queue (the daemon's queue counters against the ops).
// Everything it makes is removed, also on failure.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unloadShim } from "@sockgate/kernel-shim";

const OPS = Number(process.env.SG_BENCH_HOLD_OPS ?? 2000);
const INBOUND_OPS = Number(process.env.SG_BENCH_HOLD_INBOUND ?? 5);
const ADDR = "127.0.0.1";
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "..", "dist", "main.js");
const sgbench = realpathSync(join(here, "..", "..", "..", "packages", "kernel-shim", "build", "clients", "sgbench"));
const tag = `sghold-${process.pid}`;
const netnsPath = `/run/netns/${tag}`;
const pinDir = `/sys/fs/bpf/${tag}`;

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function cgroup2Mount() {
  const line = readFileSync("/proc/mounts", "utf8").split("\n").find((l) => l.split(" ")[2] === "cgroup2");
  if (!line) throw new Error("no cgroup2 mount in /proc/mounts");
  return line.split(" ")[1];
}

async function removeCgroup(path) {
  if (!existsSync(path)) return;
  for (let i = 0; i < 100 && readFileSync(join(path, "cgroup.procs"), "utf8").trim(); i++) {
    writeFileSync(join(path, "cgroup.kill"), "1");
    await new Promise((r) => setTimeout(r, 20));
  }
  rmdirSync(path);
}

function runCase(name, port, ops, cgroups) {
  const out = JSON.parse(execFileSync("nsenter", [`--net=${netnsPath}`, "--", sgbench, name, ADDR, String(port), String(ops), ...cgroups], { encoding: "utf8", maxBuffer: 64 << 20 }).trim());
  if (out.errno !== 0) throw new Error(`sgbench ${name} failed with errno ${out.errno}`);
  return out.ns;
}

const logLines = (file) => readFileSync(file, "utf8").split("\n");

/** SIGUSR1 makes the daemon log its status; the next status line is returned, parsed. */
async function daemonStatus(daemon, logFile) {
  const seen = logLines(logFile).length;
  daemon.kill("SIGUSR1");
  for (let i = 0; i < 200; i++) {
    const line = logLines(logFile).slice(seen - 1).find((l) => l.includes('"msg":"status"'));
    if (line) return JSON.parse(line).status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the daemon logged no status");
}

async function main() {
  const undo = [];
  try {
    sh("ip", ["netns", "add", tag]);
    undo.push(() => sh("ip", ["netns", "del", tag]));
    sh("ip", ["-n", tag, "link", "set", "lo", "up"]);
    const cgBase = join(cgroup2Mount(), `${tag}-base`);
    const cgHeld = join(cgroup2Mount(), `${tag}-held`);
    for (const cg of [cgBase, cgHeld]) {
      mkdirSync(cg);
      undo.push(() => removeCgroup(cg));
    }
    undo.push(() => unloadShim(pinDir));
    // The daemon logs to a file, so reading its log costs this process nothing while it runs.
    const logFile = `/tmp/${tag}.log`;
    const dir = `/tmp/${tag}`;
    undo.push(() => sh("rm", ["-rf", logFile, dir]));
    mkdirSync(dir);
    // root runs the benchmark's clients: govern uid 0; a store and socket of its own
    writeFileSync(`${dir}/config.json`, JSON.stringify({ store: { path: `${dir}/db` }, api: { socket: `${dir}/api.sock` }, governed: { users: [0], cgroups: [] }, defaultRules: false }));
    const daemon = spawn(process.execPath, [MAIN, "--config", `${dir}/config.json`, "--cgroup", cgHeld, "--pin-dir", pinDir, "--unknown", "hold", "--answer", "allow", "--hold-netns", netnsPath], { stdio: ["ignore", openSync(logFile, "w"), "inherit"] });
    undo.push(() => daemon.kill("SIGKILL"));
    for (let i = 0; i < 500 && !logLines(logFile).some((l) => l.includes("holding connect")); i++) {
      if (daemon.exitCode !== null) throw new Error(`the daemon exited: ${readFileSync(logFile, "utf8")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // warm up: routes, allocator, the daemon's code paths
    runCase("tcp_first", 7201, 50, [cgBase, cgHeld]);
    runCase("udp_first", 7202, 50, [cgBase, cgHeld]);

    const before = await daemonStatus(daemon, logFile);
    const tcp = runCase("tcp_first", 7201, OPS, [cgBase, cgHeld]);
    const udp = runCase("udp_first", 7202, OPS, [cgBase, cgHeld]);
    const mid = await daemonStatus(daemon, logFile);
    const inbound = runCase("inbound_first", 7203, INBOUND_OPS, [cgBase, cgHeld]);
    const after = await daemonStatus(daemon, logFile);

    const queue = (s) => s.hold.hold.namespaces[0].queue;
    const queued = queue(mid).idSequence - queue(before).idSequence;
    const answered = mid.hold.answered.allow - before.hold.answered.allow;
    const inboundAnswered = after.hold.answered.allow - mid.hold.answered.allow;
    const dropped = queue(mid).queueDropped - queue(before).queueDropped + queue(mid).userDropped - queue(before).userDropped;
    // every held TCP connect queued its SYN, every held UDP socket its first datagram
    if (queued !== 2 * OPS) throw new Error(`expected ${2 * OPS} packets through the queue for ${2 * OPS} held flows, counted ${queued}`);
    if (answered !== 2 * OPS) throw new Error(`expected ${2 * OPS} held flows answered, counted ${answered}`);
    if (inboundAnswered !== INBOUND_OPS) throw new Error(`expected ${INBOUND_OPS} held inbound flows, counted ${inboundAnswered}`);
    if (dropped !== 0) throw new Error(`the queue dropped ${dropped} packets`);

    const us = (ns) => ns / 1000;
    const report = {};
    for (const [name, [base, held]] of Object.entries({ tcp, udp, inbound })) {
      report[name] = {
        base_p50_us: Math.round(us(quantile(base, 0.5))),
        held_p50_us: Math.round(us(quantile(held, 0.5))),
        base_p99_us: Math.round(us(quantile(base, 0.99))),
        held_p99_us: Math.round(us(quantile(held, 0.99))),
        ops: held.length,
      };
      console.log(JSON.stringify({ case: name, ...report[name] }));
    }
    console.log(JSON.stringify({ queued, answered, inbound_answered: inboundAnswered, queue_dropped: dropped }));
    const tail = (xs) => [0.9, 0.95, 0.99, 0.999].map((q) => Math.round(us(quantile(xs, q))));
    console.log(JSON.stringify({ tail_us_p90_p95_p99_p999: { tcp: tail(tcp[1]), udp: tail(udp[1]), tcp_base: tail(tcp[0]) } }));
    const added = (name, q) => us(quantile(name[1], q) - quantile(name[0], q));
    console.log(
      `hold tcp_added_p50_us=${added(tcp, 0.5).toFixed(1)} tcp_added_p99_us=${added(tcp, 0.99).toFixed(1)} udp_added_p50_us=${added(udp, 0.5).toFixed(1)} inbound_userspace_added_ms=${(added(inbound, 0.5) / 1000).toFixed(1)}`,
    );
  } finally {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (err) {
        console.error(`bench cleanup: ${err.message}`);
        process.exitCode = 1;
      }
    }
  }
}

await main();
