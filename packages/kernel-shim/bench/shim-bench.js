// pnpm bench:shim — cost of the shim on the calls it mediates, measured from a real process.
//
// Inside a network namespace it creates, sgbench loops socket()+connect()+close() to a
// loopback TCP listener of its own (made before it joins a measured cgroup, so only the
// client side is mediated), connect() on a UDP socket, and send() on a connected UDP
// socket (the per-packet egress path). It alternates, batch by batch,
// between two cgroups: one bare, one with the shim attached and holding cached allow
// verdicts for sgbench, so both are measured under the same machine load. Each case
// reports the median over batches. Everything it creates is removed, also on failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmdirSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { identityOf, openShim, unloadShim } from "../dist/index.js";

const BATCHES = Number(process.env.SG_BENCH_BATCHES ?? 200);
const BATCH_SIZE = {
  tcp_connect: Number(process.env.SG_BENCH_TCP ?? 200),
  udp_connect: Number(process.env.SG_BENCH_UDP ?? 2000),
  udp_send: Number(process.env.SG_BENCH_UDP_SEND ?? 2000),
};
const CASES = ["tcp_connect", "udp_connect", "udp_send"];
const TCP_PORT = 7100;
const UDP_PORT = 7101;
const UDP_SEND_PORT = 7102;
const ADDR = "127.0.0.1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sgbench = realpathSync(join(root, "build", "clients", "sgbench"));
const tag = `sgbench-${process.pid}`;
const netnsPath = `/run/netns/${tag}`;
const pinDir = `/sys/fs/bpf/${tag}`;

function cgroup2Mount() {
  const line = readFileSync("/proc/mounts", "utf8").split("\n").find((l) => l.split(" ")[2] === "cgroup2");
  if (!line) throw new Error("no cgroup2 mount in /proc/mounts");
  return line.split(" ")[1];
}

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs one case alternating between the cgroups; returns per-batch ns/op, one array per cgroup. */
function runBench(name, cgroups, batches = BATCHES) {
  const port = String(name === "tcp_connect" ? TCP_PORT : name === "udp_send" ? UDP_SEND_PORT : UDP_PORT);
  const argv = [sgbench, name, ADDR, port, String(BATCH_SIZE[name]), String(batches), ...cgroups];
  const out = JSON.parse(execFileSync("nsenter", [`--net=${netnsPath}`, "--", ...argv], { encoding: "utf8" }).trim());
  if (out.errno !== 0) throw new Error(`sgbench ${name} failed with errno ${out.errno} after ${out.ns_per_op[0].length} batches`);
  return out.ns_per_op;
}

async function removeCgroup(path) {
  if (!existsSync(path)) return;
  for (let i = 0; i < 100 && readFileSync(join(path, "cgroup.procs"), "utf8").trim(); i++) {
    writeFileSync(join(path, "cgroup.kill"), "1");
    await new Promise((r) => setTimeout(r, 20));
  }
  rmdirSync(path);
}

async function main() {
  const undo = [];
  try {
    sh("ip", ["netns", "add", tag]);
    undo.push(() => sh("ip", ["netns", "del", tag]));
    sh("ip", ["-n", tag, "link", "set", "lo", "up"]);

    const cgBase = join(cgroup2Mount(), `${tag}-base`);
    const cgShim = join(cgroup2Mount(), `${tag}-shim`);
    const cgFloor = join(cgroup2Mount(), `${tag}-floor`);
    for (const cg of [cgBase, cgShim, cgFloor]) {
      mkdirSync(cg);
      undo.push(() => removeCgroup(cg));
    }
    // udp_send's floor: a cgroup with only an egress program that passes everything
    const floorPin = `/sys/fs/bpf/${tag}-floor`;
    sh("bpftool", ["prog", "load", join(root, "build", "egress-floor.bpf.o"), floorPin, "type", "cgroup/skb"]);
    undo.push(() => rmSync(floorPin, { force: true }));
    sh("bpftool", ["cgroup", "attach", cgFloor, "egress", "pinned", floorPin]);
    undo.push(() => sh("bpftool", ["cgroup", "detach", cgFloor, "egress", "pinned", floorPin]));

    undo.push(() => unloadShim(pinDir));
    const shim = openShim({ cgroupPath: cgShim, pinDir, config: { reportAllows: false } });
    undo.push(() => shim.close());
    const id = { ...identityOf(sgbench), uid: 0 };
    shim.setVerdict({ ...id, op: "socket", proto: "tcp" }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "socket", proto: "udp" }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "connect", proto: "tcp", addr: ADDR, port: TCP_PORT }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "connect", proto: "udp", addr: ADDR, port: UDP_PORT }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "connect", proto: "udp", addr: ADDR, port: UDP_SEND_PORT }, { verdict: "allow" });
    let events = 0;
    undo.push(shim.onEvent(() => (events += 1)));

    // warm up caches (exe path cache, routes, allocator) in both cgroups
    for (const name of CASES) runBench(name, [cgBase, cgShim], 5);

    const countersBefore = shim.counters();
    const samples = {};
    let floor = [];
    for (const name of CASES) {
      const [base, withShim, egressOnly] = runBench(name, name === "udp_send" ? [cgBase, cgShim, cgFloor] : [cgBase, cgShim]);
      samples[name] = { false: base, true: withShim };
      if (egressOnly) floor = egressOnly.map((t, i) => t / base[i]);
    }
    const countersAfter = shim.counters();
    // Run-time statistics cost two clock reads per program run, so they are taken in a
    // separate pass, not while the cases above are timed.
    const stopStats = shim.enableStats();
    let statsBefore, statsAfter;
    try {
      statsBefore = shim.programStats();
      for (const name of CASES) runBench(name, [cgShim], 20);
      statsAfter = shim.programStats();
    } finally {
      stopStats();
    }

    const ratios = {};
    for (const name of CASES) {
      for (const withShim of [false, true]) {
        const s = samples[name][withShim];
        console.log(JSON.stringify({ case: name, shim: withShim, ns_per_op: Math.round(median(s)), batches: s.length, batch_size: BATCH_SIZE[name], min: Math.round(Math.min(...s)), max: Math.round(Math.max(...s)) }));
      }
      ratios[name] = median(samples[name].true) / median(samples[name].false);
      // the same comparison batch by batch (each pair ran back to back), less sensitive to load drift
      const paired = samples[name].true.map((t, i) => t / samples[name].false[i]);
      console.log(JSON.stringify({ case: name, paired_ratio_median: Number(median(paired).toFixed(3)) }));
    }
    // what an egress program that does nothing costs the same sends, batch by batch
    console.log(JSON.stringify({ case: "udp_send", empty_egress_program_paired_ratio_median: Number(median(floor).toFixed(3)) }));
    const progs = {};
    for (const hook of Object.keys(statsAfter)) {
      const runs = statsAfter[hook].runCount - statsBefore[hook].runCount;
      const ns = statsAfter[hook].runTimeNs - statsBefore[hook].runTimeNs;
      if (runs > 0n) progs[hook] = { runs: Number(runs), ns_per_run: Math.round(Number(ns) / Number(runs)) };
    }
    const denied = Object.keys(countersAfter).reduce((n, h) => n + Number(countersAfter[h].denies - countersBefore[h].denies + countersAfter[h].unknowns - countersBefore[h].unknowns), 0);
    console.log(JSON.stringify({ bpf_prog_stats: progs, denies_or_unknowns: denied, events }));
    const mediated = Number(countersAfter.connect4.allows - countersBefore.connect4.allows);
    const expected = BATCHES * (BATCH_SIZE.tcp_connect + BATCH_SIZE.udp_connect + 1); // udp_send: one connect per batch
    if (mediated !== expected) throw new Error(`expected ${expected} connects allowed by the shim during the rounds, counted ${mediated}`);
    if (denied !== 0) throw new Error(`the cached allow did not hold: ${denied} calls were denied or unknown during the run`);
    console.log(
      `shim-overhead tcp_connect_ratio=${ratios.tcp_connect.toFixed(2)} udp_connect_ratio=${ratios.udp_connect.toFixed(2)} udp_send_ratio=${ratios.udp_send.toFixed(2)} udp_send_empty_egress_ratio=${median(floor).toFixed(2)}`,
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
