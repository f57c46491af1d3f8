// Shim event + what the daemon read about the process -> Request. The one place that says
// which event fields become which request fields, so every consumer of the shim builds the
// same question from the same record.

import {
  EVENT_FLAG_ARGV_TRUNCATED,
  EVENT_FLAG_DELETED,
  EVENT_FLAG_EXE_CHANGED,
  EVENT_FLAG_FOREIGN_MNTNS,
  EVENT_FLAG_MEMFD,
  EVENT_FLAG_NO_EXE,
  EVENT_FLAG_PATH_TRUNCATED,
  EVENT_FLAG_UNRECORDED,
  type OpName,
  type ProtoName,
} from "./abi.js";
import { SockgateError } from "./errors.js";
import type { AppFlag, AppIdentity, Endpoint, Request, RequestOperation, RequestProtocol } from "./request.js";
import { appIdFromCgroupPath } from "./request.js";

const FLAG_BITS: ReadonlyArray<[number, AppFlag]> = [
  [EVENT_FLAG_PATH_TRUNCATED, "path_truncated"],
  [EVENT_FLAG_NO_EXE, "no_exe"],
  [EVENT_FLAG_DELETED, "deleted"],
  [EVENT_FLAG_FOREIGN_MNTNS, "foreign_mount_ns"],
  [EVENT_FLAG_MEMFD, "memfd"],
  [EVENT_FLAG_EXE_CHANGED, "exe_changed"],
  [EVENT_FLAG_UNRECORDED, "unrecorded"],
];

type Id = number | bigint;

/** The event fields a request is built from: a decoded ShimEvent has all of them. */
export interface RequestEvent {
  op: OpName;
  proto: ProtoName;
  /** 2 = AF_INET, 10 = AF_INET6. */
  family: number;
  /** Process id (the event's pid is the thread's). */
  tgid: number;
  uid: number;
  flags: number;
  cgroupId: Id;
  exeIno: Id;
  exeDev: Id;
  cookie: Id;
  exeGeneration?: Id;
  localAddr: string;
  remoteAddr: string;
  localPort: number;
  remotePort: number;
  exePath: string;
  /** The first bytes of argv, recorded by the shim at exec. */
  argv?: string[];
  argvTruncated?: boolean;
}

/** What the daemon learnt about the process outside the event (from /proc and the host's files). */
export interface ProcInfo {
  /**
   * stat() of event.exePath as seen from the host, taken now (dev in the kernel's
   * encoding, major << 20 | minor); null when the path does not exist there. The request
   * is exePathVerified only when this is the event's very file.
   */
  exePathStat?: { dev: number; ino: number } | null;
  sha256?: string;
  userName?: string;
  parentExe?: string;
  /** /proc/PID/cmdline: used only when the event carries no exec-time argv. */
  cmdline?: string[];
  cgroupPath?: string;
  /** /proc/PID/stat field 22 (clock ticks since boot). */
  startTime?: number;
  /** The daemon found the executable in the installed deployment of the Flatpak/Snap id the cgroup claims. */
  appIdVerified?: boolean;
  /** Further flags the daemon found, e.g. "ld_preload". */
  flags?: AppFlag[];
}

function safeNumber(field: string, v: Id | undefined): number {
  const ok = typeof v === "bigint" ? v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) : Number.isSafeInteger(v) && (v as number) >= 0;
  if (!ok) {
    const shown = typeof v === "bigint" ? `${v}n` : String(v);
    throw new SockgateError("SG_ERR_BAD_VALUE", `event field ${field}: expected an integer 0..${Number.MAX_SAFE_INTEGER}, received ${shown}`);
  }
  return Number(v);
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

function endpoint(address: string, port: number, ipv4: boolean): Endpoint {
  const m = ipv4 ? V4_MAPPED.exec(address) : null;
  return { address: m ? m[1]! : address, port };
}

const UNSPECIFIED = new Set(["::", "::ffff:0.0.0.0"]);

/**
 * The Request a shim event asks. Sides: socket() has none; bind and listen the local one
 * only (there is no peer: the event's remote fields are zeros and are dropped); connect
 * and send the peer, plus the local side once bound; accept both. IPv4 sockets' addresses
 * are given as dotted quads. Throws SG_ERR_BAD_VALUE / SG_ERR_BAD_ENUM naming the field.
 */
export function requestFromEvent(event: RequestEvent, proc: ProcInfo = {}): Request {
  const op = event.op;
  if (op === "any") throw new SockgateError("SG_ERR_BAD_ENUM", `event field op: expected a socket call, received "any"`);
  const protocol: RequestProtocol | undefined = event.proto === "any" ? undefined : event.proto;
  if (protocol === undefined) throw new SockgateError("SG_ERR_BAD_ENUM", `event field proto: expected a protocol, received "any"`);
  if (event.family !== 2 && event.family !== 10) {
    throw new SockgateError("SG_ERR_BAD_ENUM", `event field family: expected 2 (AF_INET) or 10 (AF_INET6), received ${String(event.family)}`);
  }
  const ipv4 = event.family === 2;
  const exeDev = safeNumber("exeDev", event.exeDev);
  const exeIno = safeNumber("exeIno", event.exeIno);
  const cgroupId = safeNumber("cgroupId", event.cgroupId);
  const cookie = safeNumber("cookie", event.cookie);

  const flags = new Set<AppFlag>();
  for (const [bit, name] of FLAG_BITS) if ((event.flags & bit) !== 0) flags.add(name);
  const argvCut = event.argvTruncated === true || (event.flags & EVENT_FLAG_ARGV_TRUNCATED) !== 0;
  if (event.argv !== undefined && event.argv.length > 0 && argvCut) flags.add("argv_truncated");
  for (const f of proc.flags ?? []) flags.add(f);

  const app: AppIdentity = { exePath: event.exePath, exeDev, exeIno, uid: event.uid, pid: event.tgid, cgroupId };
  if (event.exeGeneration !== undefined) app.exeGeneration = safeNumber("exeGeneration", event.exeGeneration);
  const stat = proc.exePathStat;
  app.exePathVerified = !flags.has("no_exe") && stat != null && stat.dev === exeDev && stat.ino === exeIno;
  if (proc.sha256 !== undefined) app.sha256 = proc.sha256;
  if (proc.userName !== undefined) app.userName = proc.userName;
  if (proc.startTime !== undefined) app.startTime = proc.startTime;
  if (proc.parentExe !== undefined) app.parentExe = proc.parentExe;
  // an empty exec-time argv (a record without one) says nothing: fall back to /proc
  if (event.argv !== undefined && event.argv.length > 0) {
    app.cmdline = [...event.argv];
    app.cmdlineSource = "exec";
  } else if (proc.cmdline !== undefined) {
    app.cmdline = [...proc.cmdline];
    app.cmdlineSource = "proc";
  }
  if (proc.cgroupPath !== undefined) {
    app.cgroupPath = proc.cgroupPath;
    const id = appIdFromCgroupPath(proc.cgroupPath);
    if (id !== undefined) app.appId = id.kind === "flatpak" || id.kind === "snap" ? { ...id, verified: proc.appIdVerified === true } : id;
  }
  if (flags.size > 0) app.flags = [...flags];

  const operation: RequestOperation = op;
  const request: Request = { operation, protocol, family: ipv4 ? "ipv4" : "ipv6", app, cookie };
  const local = endpoint(event.localAddr, event.localPort, ipv4);
  const remote = endpoint(event.remoteAddr, event.remotePort, ipv4);
  if (op === "bind" || op === "listen") request.local = local;
  else if (op === "accept") Object.assign(request, { local, remote });
  else if (op === "connect" || op === "send") {
    request.remote = remote;
    if (event.localPort !== 0 || !UNSPECIFIED.has(event.localAddr)) request.local = local;
  }
  return request;
}
