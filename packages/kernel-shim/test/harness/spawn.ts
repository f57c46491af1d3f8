import { spawn, type ChildProcess } from "node:child_process";
import type { Cleanup } from "./cleanup.js";
import type { TestCgroup } from "./cgroup.js";

/** Where a process runs: inside a test cgroup, inside a network namespace (by its /run/netns path), or both. */
export interface Place {
  cgroup?: TestCgroup;
  netnsPath?: string;
}

/** The one JSON line sgclient prints. */
export interface ClientJson {
  ok: boolean;
  errno: number;
  err: string;
  step: string;
  pid: number;
  localAddr?: string;
  localPort?: number;
  accepted?: boolean;
  peer?: string;
  /** sghold: how long the call waited, and what followed it. */
  elapsedMs?: number;
  firstErr?: string;
  endErr?: string;
  endAfterMs?: number;
  againErr?: string;
  sends?: Array<{ errno: number; err: string; replied: boolean; elapsedMs: number }>;
  again?: string[];
  replied?: boolean;
}

export interface ProcResult {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last JSON line on stdout, when there is one. */
  json?: ClientJson;
}

/**
 * The process joins the cgroup itself (echo $$ before exec) so that every socket call of
 * the client, from its first instruction, runs under the programs attached there; nsenter
 * only switches the network namespace (unlike `ip netns exec`, it leaves /sys alone).
 * The pid of the spawned shell is the client's pid: both steps exec in place.
 */
function wrap(place: Place, argv: string[]): { cmd: string; args: string[] } {
  const inner = place.netnsPath ? ["nsenter", `--net=${place.netnsPath}`, "--", ...argv] : argv;
  if (!place.cgroup) return { cmd: inner[0]!, args: inner.slice(1) };
  const script = 'cg=$1; shift; echo $$ > "$cg/cgroup.procs" && exec "$@"';
  return { cmd: "sh", args: ["-c", script, "sh", place.cgroup.path, ...inner] };
}

function lastJson(stdout: string): ClientJson | undefined {
  const line = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .at(-1);
  return line === undefined ? undefined : (JSON.parse(line) as ClientJson);
}

function collect(child: ChildProcess): Promise<ProcResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ pid: child.pid ?? -1, code, signal, stdout, stderr, json: lastJson(stdout) });
    });
  });
}

/** Runs argv in place to completion; a process still running after timeoutMs is killed and reported. */
export async function runIn(place: Place, argv: string[], opts: { timeoutMs?: number } = {}): Promise<ProcResult> {
  const { cmd, args } = wrap(place, argv);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const result = await collect(child);
    if (result.signal === "SIGKILL") {
      throw new Error(`${argv.join(" ")} did not finish within ${timeoutMs} ms (stdout: ${result.stdout.trim()}, stderr: ${result.stderr.trim()})`);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs argv and returns the JSON line it printed, failing with everything it said when there is none. */
export async function runClient(place: Place, argv: string[], opts: { timeoutMs?: number } = {}): Promise<ClientJson & { exitCode: number | null }> {
  const r = await runIn(place, argv, opts);
  if (!r.json) throw new Error(`${argv.join(" ")} printed no JSON line (exit ${r.code}, stdout: ${r.stdout.trim()}, stderr: ${r.stderr.trim()})`);
  if (r.json.pid !== r.pid) throw new Error(`client reported pid ${r.json.pid} but was spawned as pid ${r.pid}`);
  return { ...r.json, exitCode: r.code };
}

export interface Started {
  pid: number;
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<ProcResult>;
  /** SIGKILLs the process (if still running) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts a long-running process (server, listener, loader) and waits until it prints
 * `readyToken` on stdout or stderr. Cleanup kills it.
 */
export async function startIn(
  place: Place,
  argv: string[],
  cleanup: Cleanup,
  opts: { readyToken?: string; readyTimeoutMs?: number } = {},
): Promise<Started> {
  const token = opts.readyToken ?? "ready";
  const { cmd, args } = wrap(place, argv);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const done = collect(child);
  let exited = false;
  void done.then(
    () => (exited = true),
    () => (exited = true),
  );
  const stop = async (): Promise<void> => {
    if (!exited) child.kill("SIGKILL");
    await done.catch(() => undefined);
  };
  cleanup.add(`kill ${argv.join(" ")}`, stop);
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${argv.join(" ")} did not print "${token}" within ${opts.readyTimeoutMs ?? 10_000} ms (said: ${seen.trim()})`)), opts.readyTimeoutMs ?? 10_000);
    const onData = (d: Buffer | string): void => {
      seen += d.toString();
      if (seen.includes(token)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void done.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(" ")} exited (code ${r.code}, signal ${r.signal}) before "${token}": ${r.stdout.trim()} ${r.stderr.trim()}`));
    });
  });
  return { pid: child.pid ?? -1, child, done, stop };
}
