// A held flow -> the Request its decider reads. The event record carries the exe path; a
// flow first seen from a packet or a scan of sg_pending (a lost record, a restarted daemon)
// has only the kernel's pending entry, and the path comes from /proc.
import { readFileSync, readlinkSync } from "node:fs";
import { identityOf } from "@sockgate/kernel-shim";
import { readStartTime, startTimes } from "./start-times.js";
import type { HeldFlow } from "@sockgate/kernel-shim";
import { requestFromEvent, type ProcInfo, type Request, type RequestEvent } from "@sockgate/protocol";

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined; // the process is gone: the request says less, it is still asked
  }
}

// A process asks many questions in a row: its cgroup and command line are read once per
// program run (pid, start time and exec count, so a reused pid is a new process and an exec
// a new program). Event records and sg_pending entries carry the start time and exec count
// from the kernel; the rest (DNS answers, entries an older shim made) get the start time
// from a pidfd-checked cache (start-times.ts), which cannot see an exec.
const starts = startTimes();
const CACHE_MAX = 1024;
const cache = new Map<string, ProcInfo>();

/** Forgets what was read (an executable was replaced: its path names another file now). */
export function forgetProcInfo(): void {
  cache.clear();
  byStart.clear();
}

let userNames: Map<number, string> | undefined;
function userName(uid: number): string | undefined {
  if (userNames === undefined) {
    userNames = new Map();
    const passwd = tryRead(() => readFileSync("/etc/passwd", "utf8")) ?? "";
    for (const line of passwd.split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id && /^\d+$/.test(id)) userNames.set(Number(id), name);
    }
    // users come and go (the tests make some): read the file again in a minute
    setTimeout(() => (userNames = undefined), 60_000).unref();
  }
  return userNames.get(uid);
}

/**
 * What /proc and the host's files tell about the process now: its cgroup, start time,
 * command line, user name, and what its executable's path names on the host (so a rule on
 * the path can match only that very file). Read once per process.
 */
/** LD_PRELOAD or LD_AUDIT set (non-empty) in a process's environment block. */
export function preloads(environ: string): boolean {
  return environ.split("\0").some((kv) => /^LD_(PRELOAD|AUDIT)=./.test(kv));
}

/** What does not come from /proc/PID: the executable's path on the host, the user's name. */
function hostInfo(exePath: string, uid: number | undefined): ProcInfo {
  const info: ProcInfo = {};
  if (exePath !== "") {
    const st = tryRead(() => identityOf(exePath));
    info.exePathStat = st === undefined ? null : { dev: st.exeDev, ino: Number(st.exeIno) };
  }
  if (uid !== undefined) {
    const name = userName(uid);
    if (name !== undefined) info.userName = name;
  }
  return info;
}

/** cgroup, command line and preload flag from /proc/PID into `info`. */
function readProc(pid: number, info: ProcInfo): void {
  const cgroup = tryRead(() => readFileSync(`/proc/${pid}/cgroup`, "utf8"));
  const line = cgroup?.split("\n").find((l) => l.startsWith("0::"));
  if (line) info.cgroupPath = line.slice(3);
  const cmdline = tryRead(() => readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  if (cmdline) info.cmdline = cmdline.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1);
  // code loaded into the program by the dynamic linker runs as the program: say so in the prompt
  const environ = tryRead(() => readFileSync(`/proc/${pid}/environ`, "utf8"));
  if (environ !== undefined && preloads(environ)) info.flags = ["ld_preload"];
}

// Keyed by pid, holding the kernel's start time and exec count of the program run it was read for.
const byStart = new Map<number, { start: bigint; execId: bigint | undefined; info: ProcInfo }>();
const NS_PER_TICK = 10_000_000n; // /proc/PID/stat counts 1/100 s (USER_HZ)

/** Who the kernel says called: the event record's start time and exec count. */
export interface ProgramRun {
  startTime?: bigint;
  execId?: bigint;
}

/**
 * The process with this pid that started at `startNs`, running the program of its exec
 * count `execId` (both from the kernel, in the event record): a later flow of that run needs
 * no syscall at all, and one after an exec (same pid and start, a new command line and
 * environment) is read again. What /proc says is kept only if /proc still shows that start
 * after it was read, so a pid that is someone else's by then lends nothing of theirs.
 */
function procInfoByStart(pid: number, startNs: bigint, execId: bigint | undefined, exePath: string, uid: number | undefined): ProcInfo {
  const hit = byStart.get(pid);
  if (hit !== undefined && hit.start === startNs && hit.execId === execId) return hit.info;
  const info = hostInfo(exePath, uid);
  const ticks = Number(startNs / NS_PER_TICK);
  info.startTime = ticks;
  const read: ProcInfo = {};
  readProc(pid, read);
  if (readStartTime(pid) !== ticks) return info; // gone, or the pid is another process's now
  Object.assign(info, read);
  if (hit === undefined && byStart.size >= CACHE_MAX) byStart.delete(byStart.keys().next().value!);
  byStart.set(pid, { start: startNs, execId, info });
  return info;
}

/** `run`: the event record of the call, when there is one (its start time and exec count). */
export function procInfoOf(pid: number, exePath = "", uid?: number, run?: ProgramRun): ProcInfo {
  if (run?.startTime !== undefined && run.startTime > 0n) return procInfoByStart(pid, run.startTime, run.execId, exePath, uid);
  const startTime = starts.of(pid);
  const id = `${pid}:${startTime}`;
  const hit = startTime === undefined ? undefined : cache.get(id);
  if (hit) return hit;
  const info = hostInfo(exePath, uid);
  if (startTime !== undefined) info.startTime = startTime;
  readProc(pid, info);
  if (startTime !== undefined) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(id, info);
  }
  return info;
}

export function requestOfFlow(flow: HeldFlow): Request {
  const p = flow.pending;
  const ev: RequestEvent = flow.event ?? {
    op: p.op,
    proto: p.key.proto,
    family: p.family,
    tgid: p.tgid,
    uid: p.uid,
    flags: p.flags,
    cgroupId: p.cgroupId,
    exeIno: p.exeIno,
    exeDev: p.exeDev,
    exeGeneration: p.exeGeneration,
    cookie: p.key.cookie,
    localAddr: p.localAddr,
    localPort: p.localPort,
    remoteAddr: p.key.addr,
    remotePort: p.key.port,
    exePath: tryRead(() => readlinkSync(`/proc/${p.tgid}/exe`)) ?? "",
  };
  // a flow known only from sg_pending names its program run there too (0n: an inbound
  // flow, or an entry an older shim made)
  const run = flow.event ?? (p.startTime > 0n ? { startTime: p.startTime, execId: p.execId } : undefined);
  return requestFromEvent(ev, procInfoOf(p.tgid, ev.exePath, p.uid, run));
}
