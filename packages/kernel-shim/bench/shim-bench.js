// pnpm bench:shim — cost of the shim on the calls it mediates, measured from a real process.
//
// Inside a network namespace it creates, sgbench loops socket()+connect()+close() to a
// loopback TCP listener and connect() on a UDP socket, in two cgroups: one bare, one with
// the shim attached and holding cached allow verdicts for sgbench. Rounds alternate which
// cgroup runs first; each case reports the median over rounds. Everything it creates is
// removed at the end, also on failure.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmdirSync, existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { identityOf, openShim, unloadShim } from "../dist/index.js";

const ROUNDS = Number(process.env.SG_BENCH_ROUNDS ?? 9);
const ITERATIONS = { tcp_connect: Number(process.env.SG_BENCH_TCP ?? 4000), udp_connect: Number(process.env.SG_BENCH_UDP ?? 100000) };
const TCP_PORT = 7100;
const UDP_PORT = 7101;
const ADDR = "127.0.0.1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sgbench = realpathSync(join(root, "build", "clients", "sgbench"));
const sgclient = realpathSync(join(root, "build", "clients", "sgclient"));
const tag = `sgbench-${process.pid}`;
const netnsPath = `/run/netns/${tag}`;
const pinDir = `/sys/fs/bpf/${tag}`;

function cgroup2Mount() {
  const line = readFileSync("/proc/mounts", "utf8").split("\n").find((l) => l.split(" ")[2] === "cgroup2");
  if (!line) throw new Error("no cgroup2 mount in /proc/mounts");
  return line.split(" ")[1];
}

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const inCgroup = (cg, argv) => ["sh", "-c", 'cg=$1; shift; echo $$ > "$cg/cgroup.procs" && exec "$@"', "sh", cg, "nsenter", `--net=${netnsPath}`, "--", ...argv];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runBench(cg, name) {
  const [cmd, ...args] = inCgroup(cg, [sgbench, name, ADDR, String(name === "tcp_connect" ? TCP_PORT : UDP_PORT), String(ITERATIONS[name])]);
  const out = JSON.parse(execFileSync(cmd, args, { encoding: "utf8" }).trim());
  if (out.errno !== 0) throw new Error(`sgbench ${name} failed after ${out.iterations} iterations with errno ${out.errno}`);
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
    for (const cg of [cgBase, cgShim]) {
      mkdirSync(cg);
      undo.push(() => removeCgroup(cg));
    }

    // the listener lives in the namespace but outside both cgroups: only the client is measured
    const server = spawn("nsenter", [`--net=${netnsPath}`, "--", sgclient, "serve", "tcp4", ADDR, String(TCP_PORT)], { stdio: ["ignore", "ignore", "pipe"] });
    undo.push(() => server.kill("SIGKILL"));
    await new Promise((resolve, reject) => {
      server.stderr.on("data", (d) => d.toString().includes("ready") && resolve());
      server.on("exit", (code) => reject(new Error(`listener exited early (${code})`)));
    });

    undo.push(() => unloadShim(pinDir));
    const shim = openShim({ cgroupPath: cgShim, pinDir, config: { reportAllows: false } });
    undo.push(() => shim.close());
    const id = { ...identityOf(sgbench), uid: 0 };
    shim.setVerdict({ ...id, op: "socket", proto: "tcp" }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "socket", proto: "udp" }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "connect", proto: "tcp", addr: ADDR, port: TCP_PORT }, { verdict: "allow" });
    shim.setVerdict({ ...id, op: "connect", proto: "udp", addr: ADDR, port: UDP_PORT }, { verdict: "allow" });
    let events = 0;
    undo.push(shim.onEvent(() => (events += 1)));

    // warm up caches (exe path cache, routes, conntrack-free loopback) in both cgroups
    for (const cg of [cgBase, cgShim]) for (const name of ["tcp_connect", "udp_connect"]) runBench(cg, name);

    const stopStats = shim.enableStats();
    undo.push(stopStats);
    const statsBefore = shim.programStats();
    const countersBefore = shim.counters();
    const samples = { tcp_connect: { false: [], true: [] }, udp_connect: { false: [], true: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [true, false] : [false, true];
      for (const name of ["tcp_connect", "udp_connect"]) {
        for (const withShim of order) samples[name][withShim].push(runBench(withShim ? cgShim : cgBase, name));
      }
    }
    const statsAfter = shim.programStats();
    const countersAfter = shim.counters();

    const ratios = {};
    for (const name of ["tcp_connect", "udp_connect"]) {
      for (const withShim of [false, true]) {
        const s = samples[name][withShim];
        console.log(JSON.stringify({ case: name, shim: withShim, ns_per_op: Math.round(median(s)), rounds: ROUNDS, iterations: ITERATIONS[name], min: Math.round(Math.min(...s)), max: Math.round(Math.max(...s)) }));
      }
      ratios[name] = median(samples[name].true) / median(samples[name].false);
    }
    const progs = {};
    for (const hook of Object.keys(statsAfter)) {
      const runs = statsAfter[hook].runCount - statsBefore[hook].runCount;
      const ns = statsAfter[hook].runTimeNs - statsBefore[hook].runTimeNs;
      if (runs > 0n) progs[hook] = { runs: Number(runs), ns_per_run: Math.round(Number(ns) / Number(runs)) };
    }
    const denied = Object.keys(countersAfter).reduce((n, h) => n + Number(countersAfter[h].denies - countersBefore[h].denies + countersAfter[h].unknowns - countersBefore[h].unknowns), 0);
    console.log(JSON.stringify({ bpf_prog_stats: progs, denies_or_unknowns: denied, events }));
    if (denied !== 0) throw new Error(`the cached allow did not hold: ${denied} calls were denied or unknown during the run`);
    console.log(`shim-overhead tcp_connect_ratio=${ratios.tcp_connect.toFixed(2)} udp_connect_ratio=${ratios.udp_connect.toFixed(2)}`);
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
