// The sockgate run addon (native/run/, built to build/Release/sockgate_run.node by the
// package's build script): the command spawned under the seccomp filter, the supervisor
// thread, and the daemon's own look at a caller's socket. Types and loading only.

import { loadNativeAddon } from "../native-addon.js";

export interface NativeEndpoint {
  address: string;
  port: number;
}

/** A trapped call the native thread could not answer from its cache. */
export interface NativeCall {
  /** The seccomp notification id: respond() with it. */
  id: bigint;
  tid: number;
  tgid: number;
  op: "socket" | "bind" | "connect" | "listen" | "accept" | "send";
  /** -1 for socket() */
  fd: number;
  domain: number;
  type: number;
  protocol: number;
  proto: "tcp" | "udp" | "icmp" | "raw" | "other";
  cookie: bigint;
  local?: NativeEndpoint;
  /** connect and send: one per peer (sendmmsg may name several). */
  remotes: NativeEndpoint[];
}

/** Per key of the call (one per remote, else one): keep the verdict until `untilMs` (0: until flush()). */
export type NativeRemember = { allow: boolean; untilMs: number } | null;

export interface NativeStats {
  notifications: number;
  cachedAllow: number;
  cachedDeny: number;
  passedNonInet: number;
  asked: number;
  answered: number;
  execs: number;
  gone: number;
  unreadable: number;
  failedByKernelRule: number;
  /** Allowed binds and listens the supervisor did itself, on its copy of the checked socket. */
  doneHere: number;
  cached: number;
  ended: boolean;
}

export interface NativeSupervisor {
  start(): void;
  /** onChecked: an allowed bind() or listen() is done by the supervisor on the socket it checked (RunVerdict.onCheckedSocket). */
  respond(id: bigint, allow: boolean, errno: number, remember: NativeRemember[], onChecked?: boolean): boolean;
  flush(): void;
  stats(): NativeStats;
  stop(): void;
}

export interface ChildEvent {
  kind: "exited" | "killed" | "stopped" | "continued";
  value: number;
  core: boolean;
}

export interface NativeChild {
  readonly pid: number;
  readonly listenerFd: number;
  readonly killableWait: boolean;
  /** Lets the command exec; 0, or the errno execve failed with. */
  go(): number;
  signal(sig: number): boolean;
  watch(onEvent: (event: ChildEvent) => void): void;
}

export interface SocketFacts {
  domain: number;
  type: number;
  protocol: number;
  cookie: bigint;
  local?: NativeEndpoint;
  /** inspectSocket(…, true): the caller's own copy of the socket, to close. */
  copyFd?: number;
}

export interface RunAddon {
  Child: new (file: string, argv: string[], env: string[], options: { noIoUring: boolean }) => NativeChild;
  Supervisor: new (listenerFd: number, onCall: (call: NativeCall) => void) => NativeSupervisor;
  inspectSocket(pid: number, fd: number, keep?: boolean): SocketFacts;
  terminalForeground(): boolean;
  exitLike(kind: "exited" | "killed", value: number): never;
  /** The classic-BPF filter Child installs, as [code, jt, jf, k] (for tests). */
  filterProgram(options: { noIoUring: boolean }): Array<[number, number, number, number]>;
}

// From src/run/ (tests), src/run/*/ and dist/ (the bundle): each leads to the package's build/.
const CANDIDATES = ["../../build/Release/sockgate_run.node", "../../../build/Release/sockgate_run.node", "../build/Release/sockgate_run.node"];
let addon: RunAddon | undefined;

export function runAddon(): RunAddon {
  addon ??= loadNativeAddon<RunAddon>(import.meta.url, CANDIDATES, "sockgate run");
  return addon;
}
