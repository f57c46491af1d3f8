// What the daemon benchmarks share: a network namespace and two cgroups (a bare one for the
// no-firewall baseline and the governed one), the shim's pin directory, quantiles, and the
// daemon's status read from its JSON log (SIGUSR1). Every step is undone by `undo`, in reverse.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unloadShim } from "@sockgate/kernel-shim";
import { openStore } from "@sockgate/store";

export const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function cgroup2Mount() {
  const line = readFileSync("/proc/mounts", "utf8").split("\n").find((l) => l.split(" ")[2] === "cgroup2");
  if (!line) throw new Error("no cgroup2 mount in /proc/mounts");
  return line.split(" ")[1];
}

async function removeCgroup(path) {
  if (!existsSync(path)) return;
  for (let i = 0; i < 100 && readFileSync(join(path, "cgroup.procs"), "utf8").trim(); i++) {
    writeFileSync(join(path, "cgroup.kill"), "1");
    await sleep(20);
  }
  rmdirSync(path);
}

/** The namespace `tag` (lo up), cgroups `<tag>-base` and `<tag>-held`, and the pin dir's removal. */
export function makeWorld(tag, undo) {
  sh("ip", ["netns", "add", tag]);
  undo.push(() => sh("ip", ["netns", "del", tag]));
  sh("ip", ["-n", tag, "link", "set", "lo", "up"]);
  const cgBase = join(cgroup2Mount(), `${tag}-base`);
  const cgHeld = join(cgroup2Mount(), `${tag}-held`);
  for (const cg of [cgBase, cgHeld]) {
    mkdirSync(cg);
    undo.push(() => removeCgroup(cg));
  }
  const pinDir = `/sys/fs/bpf/${tag}`;
  undo.push(() => unloadShim(pinDir));
  return { netnsPath: `/run/netns/${tag}`, cgBase, cgHeld, pinDir };
}

/** SIGUSR1 makes the daemon log its status; the next status line of `logFile`, parsed. */
export async function daemonStatus(daemon, logFile) {
  const lines = () => readFileSync(logFile, "utf8").split("\n");
  const seen = lines().length;
  daemon.kill("SIGUSR1");
  for (let i = 0; i < 300; i++) {
    const line = lines().slice(seen - 1).find((l) => l.includes('"msg":"status"'));
    if (line) return JSON.parse(line).status;
    await sleep(10);
  }
  throw new Error("the daemon logged no status");
}

/** Runs every undo step in reverse; a failing step is reported and sets the exit code. */
export async function undoAll(undo) {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (err) {
      console.error(`bench cleanup: ${err.message}`);
      process.exitCode = 1;
    }
  }
}

/**
 * The daemon's directory `dir` (removed by `undo`): a store holding `rules` and a
 * configuration governing the cgroup `cgHeld` whatever the uid (root runs the load).
 * Returns the configuration's path.
 */
export function daemonDir(dir, cgHeld, rules, undo) {
  mkdirSync(dir);
  undo.push(() => sh("rm", ["-rf", dir]));
  const store = openStore({ path: `${dir}/sockgate.db` });
  for (const r of rules) store.rules.put(r);
  store.close();
  const held = `/${cgHeld.split("/").pop()}`;
  const config = `${dir}/config.json`;
  writeFileSync(config, JSON.stringify({ store: { path: `${dir}/sockgate.db` }, api: { socket: `${dir}/api.sock` }, governed: { users: [], cgroups: [held] }, defaultRules: false, countersIntervalMs: 5000 }));
  return config;
}

/**
 * sockgated on `cgHeld` with the configuration of `daemonDir`, logging to `dir`/daemon.log,
 * ready once it holds; stopped by `undo` (SIGTERM first, so a profile is written).
 * Started as `node main.js`: the daemon adds its own tuning (src/node-tuning.ts), as it does
 * for ./sockgate start; SG_BENCH_DAEMON_NODE_ARGS gives node flags that replace it.
 */
export async function startBenchDaemon({ main, dir, cgHeld, pinDir, netnsPath, extraArgs = [] }, undo) {
  const logFile = `${dir}/daemon.log`;
  const nodeArgs = (process.env.SG_BENCH_DAEMON_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const daemon = spawn(process.execPath, [...nodeArgs, main, "--config", `${dir}/config.json`, "--cgroup", cgHeld, "--pin-dir", pinDir, "--hold-netns", netnsPath, ...extraArgs], { stdio: ["ignore", openSync(logFile, "w"), "inherit"] });
  const daemonExit = new Promise((resolve) => daemon.once("exit", resolve));
  undo.push(async () => {
    daemon.kill("SIGTERM");
    const t = setTimeout(() => daemon.kill("SIGKILL"), 15_000);
    await daemonExit;
    clearTimeout(t);
  });
  for (let i = 0; i < 500 && !readFileSync(logFile, "utf8").includes("holding connect"); i++) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited: ${readFileSync(logFile, "utf8")}`);
    await sleep(20);
  }
  return { daemon, logFile };
}
