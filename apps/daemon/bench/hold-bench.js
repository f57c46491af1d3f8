// pnpm bench:hold — what holding costs a first contact when the decision comes at once.
//
// A real sockgated (dist/main.js --unknown hold --answer allow) holds on a cgroup and a
// network namespace this script makes. sgbench (kernel-shim's C client) runs in that
// namespace and alternates op by op between a bare cgroup and the held one: a new TCP
// socket's connect() to a loopback listener of its own, a new UDP socket's first datagram
// until its echo returns, and a connect() to a listener made in the held cgroup (whose SYN
// is held at ingress and passes at the peer's first retransmission). Every held op is
// proven to have gone through the queue (the daemon's queue counters against the ops).
// sgbench's socket() calls are allowed by a kernel rule, as the default rules allow
// everyone's: only the connect, the datagram and the inbound SYN are put to user space.
// Everything it makes is removed, also on failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "@sockgate/store";
import { daemonStatus, makeWorld, quantile, sh, startBenchDaemon, undoAll } from "./bench-world.js";

const OPS = Number(process.env.SG_BENCH_HOLD_OPS ?? 2000);
const INBOUND_OPS = Number(process.env.SG_BENCH_HOLD_INBOUND ?? 5);
// A daemon answers flows all day: the measured ops should meet its compiled code, not V8's
// first compilations of it. With 50 warm-up ops, 193 Maglev/TurboFan jobs (190 ms of
// compiler-thread time, seen with --trace-opt) still ran during the 4,000 measured ones.
const WARMUP_OPS = Number(process.env.SG_BENCH_HOLD_WARMUP ?? 2000);
const ADDR = "127.0.0.1";
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "..", "dist", "main.js");
const sgbench = realpathSync(join(here, "..", "..", "..", "packages", "kernel-shim", "build", "clients", "sgbench"));
const tag = `sghold-${process.pid}`;
const netnsPath = `/run/netns/${tag}`; // made by makeWorld

function runCase(name, port, ops, cgroups) {
  const out = JSON.parse(execFileSync("nsenter", [`--net=${netnsPath}`, "--", sgbench, name, ADDR, String(port), String(ops), ...cgroups], { encoding: "utf8", maxBuffer: 64 << 20 }).trim());
  if (out.errno !== 0) throw new Error(`sgbench ${name} failed with errno ${out.errno}`);
  return out.ns;
}

async function main() {
  const undo = [];
  try {
    const { cgBase, cgHeld, pinDir } = makeWorld(tag, undo);
    const dir = `/tmp/${tag}`;
    undo.push(() => sh("rm", ["-rf", dir]));
    mkdirSync(dir);
    // sgbench's socket() calls are answered by the kernel from a rule, as the default rule
    // "default-sockets" answers everyone's: otherwise each op would also put a socket()
    // question to user space, which is not the first-contact cost measured here
    const store = openStore({ path: `${dir}/db` });
    store.rules.put({ schemaVersion: 1, id: "bench-sgbench-sockets", owner: { kind: "system" }, action: "allow", duration: { kind: "forever" }, match: { exe: sgbench, operation: ["socket"] } });
    store.close();
    // root runs the benchmark's clients: govern uid 0; a store and socket of its own
    writeFileSync(`${dir}/config.json`, JSON.stringify({ store: { path: `${dir}/db` }, api: { socket: `${dir}/api.sock` }, governed: { users: [0], cgroups: [] }, defaultRules: false }));
    // The daemon logs to a file, so reading its log costs this process nothing while it runs.
    const { daemon, logFile } = await startBenchDaemon({ main: MAIN, dir, cgHeld, pinDir, netnsPath, extraArgs: ["--unknown", "hold", "--answer", "allow"] }, undo);
    // warm up: routes, allocator, the daemon's code paths and their JIT tiers
    runCase("tcp_first", 7201, WARMUP_OPS, [cgBase, cgHeld]);
    runCase("udp_first", 7202, WARMUP_OPS, [cgBase, cgHeld]);

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
    // Every held TCP connect queued its SYN, every held UDP socket its first datagram. Every
    // packet of a socket with a held flow goes to the queue, so one the socket sends after
    // the verdict but before the daemon has cleared the flow's entry (the handshake's ACK,
    // the closing RST) is queued too and accepted: a few more packets than flows, never fewer.
    if (queued < 2 * OPS) throw new Error(`expected at least ${2 * OPS} packets through the queue for ${2 * OPS} held flows, counted ${queued}`);
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
    console.log(JSON.stringify({ queued, queued_beyond_first: queued - 2 * OPS, answered, inbound_answered: inboundAnswered, queue_dropped: dropped }));
    const tail = (xs) => [0.9, 0.95, 0.99, 0.999].map((q) => Math.round(us(quantile(xs, q))));
    console.log(JSON.stringify({ tail_us_p90_p95_p99_p999: { tcp: tail(tcp[1]), udp: tail(udp[1]), tcp_base: tail(tcp[0]) } }));
    const added = (name, q) => us(quantile(name[1], q) - quantile(name[0], q));
    console.log(
      `hold tcp_added_p50_us=${added(tcp, 0.5).toFixed(1)} tcp_added_p99_us=${added(tcp, 0.99).toFixed(1)} udp_added_p50_us=${added(udp, 0.5).toFixed(1)} inbound_userspace_added_ms=${(added(inbound, 0.5) / 1000).toFixed(1)}`,
    );
  } finally {
    await undoAll(undo);
  }
}

await main();
