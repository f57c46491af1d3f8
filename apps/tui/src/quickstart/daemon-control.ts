// What ./sockgate start, stop and unload do to the daemon: find one answering on the
// socket (or start one, detached, logging to a file, and wait until it answers), stop it
// by the pid it reports, unload the shim. The TUI package never imports the daemon: it
// runs the daemon's executable, whose path the caller gives.

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { connect, isApiError } from "@sockgate/protocol/client";
import type { Status } from "@sockgate/protocol/client";
import { resolveSocketPath } from "../cli/socket-path.js";

export interface ControlOptions {
  /** The daemon's configuration file (its socket is read from it). */
  config: string;
  /** sockgated's executable (apps/daemon/dist/main.js). */
  daemon?: string;
  /** Where a daemon started here logs. */
  logFile: string;
  say: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The running daemon's status, or undefined when nothing answers on the socket. */
export async function runningDaemon(config: string): Promise<Status | undefined> {
  try {
    const c = await connect({ socketPath: resolveSocketPath({ config }), client: { name: "sockgate-quickstart" }, timeoutMs: 2000 });
    try {
      return await c.status();
    } finally {
      c.close();
    }
  } catch (err) {
    if (isApiError(err, "io.sockgate.DaemonUnavailable") || isApiError(err, "io.sockgate.Disconnected")) return undefined;
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function pidFile(config: string): string {
  return join(dirname(resolveSocketPath({ config })), "sockgated.pid");
}

/** A daemon answering on the socket: the one running, or one started now. Resolves with its pid. */
export async function ensureDaemon(o: ControlOptions, timeoutMs = 60_000): Promise<number> {
  const running = await runningDaemon(o.config);
  if (running !== undefined) {
    o.say(`sockgate: using the daemon already running (pid ${running.daemon.pid})`);
    return running.daemon.pid;
  }
  if (o.daemon === undefined) throw new Error("no daemon runs and no daemon executable was given");
  mkdirSync(dirname(o.logFile), { recursive: true });
  const log = openSync(o.logFile, "a");
  // Detached, in a session of its own: it outlives this terminal and the TUI.
  // The daemon adds its own node flags and environment (apps/daemon/src/node-tuning.ts).
  const child = spawn(process.execPath, [o.daemon, "--config", o.config], { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  const pid = child.pid!;
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  child.unref();
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (exited !== undefined) throw new Error(`the daemon exited with ${exited} at start; its log (${o.logFile}) ends:\n${tail(o.logFile)}`);
    const s = await runningDaemon(o.config);
    if (s !== undefined) {
      const file = pidFile(o.config);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${s.daemon.pid}\n`);
      o.say(`sockgate: started the daemon (pid ${s.daemon.pid}); it logs to ${o.logFile}`);
      return s.daemon.pid;
    }
    await sleep(100);
  }
  process.kill(pid, "SIGTERM");
  throw new Error(`the daemon did not answer within ${timeoutMs / 1000} s; its log (${o.logFile}) ends:\n${tail(o.logFile)}`);
}

/** Stops the daemon answering on the socket (SIGTERM to the pid it reports). Resolves with that pid, or undefined when none ran. */
export async function stopDaemon(o: ControlOptions, timeoutMs = 20_000): Promise<number | undefined> {
  const s = await runningDaemon(o.config);
  if (s === undefined) {
    o.say("sockgate: no daemon answers on the socket; nothing to stop");
    return undefined;
  }
  const pid = s.daemon.pid;
  process.kill(pid, "SIGTERM");
  const end = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < end) await sleep(50);
  if (alive(pid)) throw new Error(`the daemon (pid ${pid}) is still running ${timeoutMs / 1000} s after SIGTERM`);
  rmSync(pidFile(o.config), { force: true });
  o.say(
    `sockgate: stopped the daemon (pid ${pid}). The kernel keeps every verdict it was given: calls they allow still go through, undecided calls of governed programs are denied until a daemon runs again. ./sockgate unload removes the shim.`,
  );
  return pid;
}

/** Stops the daemon, detaches the shim and removes its pins (the daemon's --unload), and the governed shell's cgroup when empty. The rules stay in the store. */
export async function unload(o: ControlOptions, cgroupRoot: string): Promise<void> {
  await stopDaemon(o);
  if (o.daemon === undefined) throw new Error("unloading needs the daemon executable");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [o.daemon!, "--config", o.config, "--unload"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (c) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        o.say(`sockgate: ${(JSON.parse(line) as { msg: string }).msg}`);
      } catch {
        if (line !== "") o.say(line);
      }
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`sockgated --unload exited with ${code}`);
  const shell = join(cgroupRoot, "sockgate.shell");
  if (existsSync(shell)) {
    try {
      rmdirSync(shell);
      o.say(`sockgate: removed the governed shell's cgroup ${shell}`);
    } catch {
      o.say(`sockgate: ${shell} still has processes (an open ./sockgate shell?); left in place`);
    }
  }
  rmSync(pidFile(o.config), { force: true });
  o.say("sockgate: unloaded. Your rules stay in the store (store.path in the configuration) for the next start.");
}
