// Loads the addon (build/Release/sockgate_shim.node) and turns its Node-shaped errors
// (code, errno, syscall, step) into SockgateErrors. The native handle stays private.
import { createRequire } from "node:module";
import { SockgateError } from "@sockgate/protocol";
import type { SockgateErrorCode } from "@sockgate/protocol";
import type { ShimErrorInfo } from "./types.js";

/** The shim maps user space reads and writes by name (layouts in *-layout.ts). */
export type ShimMapName =
  | "sg_verdicts"
  | "sg_config"
  | "sg_flows"
  | "sg_pending"
  | "sg_pending_uids"
  | "sg_pending_listeners"
  | "sg_pending_socks"
  | "sg_hold_netns"
  | "sg_queued"
  | "sg_end_cookies"
  | "sg_end_idents"
  | "sg_end_gen"
  | "sg_scope_uids"
  | "sg_scope_cgroups"
  | "sg_app_counts"
  | "sg_exe_paths";

export interface NativeShimHandle {
  adopted(): boolean;
  configCreated(): boolean;
  /** BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2. */
  mapUpdate(map: ShimMapName, key: Uint8Array, value: Uint8Array, flags?: number): "ok" | "full" | "exists";
  mapLookup(map: ShimMapName, key: Uint8Array): Buffer | null;
  /** struct sg_lineage of the process `pid` names now (looked up by pidfd); null when none. */
  lineageOf(pid: number): Buffer | null;
  mapDelete(map: ShimMapName, key: Uint8Array): boolean;
  mapList(map: ShimMapName): Buffer;
  /** The per-flow path: a map named once, then bytes in and out of the caller's Buffers
   *  (no copy, no allocation per call). updateRef: 0 ok, 1 full, 2 exists. */
  mapRef(map: ShimMapName): number;
  lookupInto(ref: number, key: Uint8Array, out: Uint8Array): boolean;
  updateRef(ref: number, key: Uint8Array, value: Uint8Array, flags?: number): 0 | 1 | 2;
  deleteRef(ref: number, key: Uint8Array): boolean;
  mapMaxEntries(map: ShimMapName): number;
  /** op: SG_OP_BIND or SG_OP_LISTEN */
  delegate(socketFd: number, op: number, tid: number, tgid: number): void;
  /** 0: nothing was pending, 1: released, 2: sg_flows refused flowValue (nothing released). */
  releasePending(flowKey: Uint8Array, flowValue?: Uint8Array): 0 | 1 | 2;
  runIterator(program: "mark_listeners" | "sock_idents" | "end_tcp" | "end_udp", netnsPaths: string[]): number;
  holdMatchPin(): string;
  readCounters(): { cpus: number; bytes: Buffer };
  programStats(): bigint[];
  enableStats(): number;
  disableStats(token: number): void;
  startEvents(listener: (record: Buffer) => void): void;
  pauseEvents(): void;
  /** True after a construction that found other map definitions, until completeUpgrade(). */
  upgradePending(): boolean;
  /** Copies socket owner records (walking these namespaces), swaps the new programs into the
   *  pinned links, copies what changed meanwhile, replaces the map pins. */
  completeUpgrade(netnsPaths: string[]): void;
  /** Entries moved per migrated map (empty when nothing was migrated). */
  migrated(): Record<string, number>;
  close(): void;
  features(): { execIdentity: { active: boolean; reason: string }; socketEnd: { active: boolean; reason: string }; delegation: { active: boolean; reason: string } };
}

export interface NativeAddon {
  ShimHandle: new (
    cgroupPath: string,
    pinDir: string,
    maxVerdicts: number,
    initialConfig: Uint8Array,
    maxPending?: number,
    execIds?: boolean,
    /** Tests only: another build of the BPF object to load (upgrade.kernel.test.ts). */
    objectPath?: string,
  ) => NativeShimHandle;
  detachPinnedLink(path: string): boolean;
  netnsCookie(path: string): bigint;
  /** A file under /proc/net as the namespace at netnsPath ("" = ours) sees it; null when absent. */
  readInNetns(netnsPath: string, file: string): string | null;
  /** A file's inode, mount id and file handle (following symlinks); -1 where the kernel gives none. */
  fileId(path: string): { ino: bigint; mountId: number; handleType: number; handle: Buffer };
  /** [CLOCK_REALTIME ns, CLOCK_BOOTTIME ns], read back to back. */
  clocks(): [bigint, bigint];
  NetlinkSocket: new (netnsPath: string, rcvbufBytes: number) => NativeNetlinkSocket;
  /** Tests only: a separately built BPF object whose socket filters run with BPF_PROG_TEST_RUN. */
  TestObject: new (path: string) => NativeTestObject;
}

export interface NativeTestObject {
  /** Runs the program once on packet (from the Ethernet header: test-run strips it), mark in the context; its return value. */
  run(program: string, packet: Uint8Array, mark: number): number;
  mapUpdate(map: string, key: Uint8Array, value: Uint8Array): void;
  mapLookup(map: string, key: Uint8Array): Buffer | null;
  close(): void;
}

export interface NativeNetlinkSocket {
  portId(): number;
  send(datagram: Uint8Array): void;
  start(onDatagram: (datagram: Buffer) => void, onOverrun: (count: number) => void): void;
  /** Reads what is waiting now (delivered through onDatagram), unless already reading. */
  drain(): void;
  close(): void;
}

const ADDON_PATH = "../build/Release/sockgate_shim.node";
let addon: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  try {
    // Relative to src/ (tests) and dist/ (the bundle) alike: both sit beside build/.
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    throw new SockgateError(
      "SG_ERR_SHIM_ADDON",
      `loading the native addon ${ADDON_PATH} failed: expected a built addon (run "pnpm --filter @sockgate/kernel-shim build"), got ${String(err)}`,
      { cause: err },
    );
  }
  return addon;
}

interface NativeFailure extends Error {
  step: string;
  code?: string;
  errno?: number;
  syscall?: string;
  sgCode?: SockgateErrorCode;
}

function isNativeFailure(err: unknown): err is NativeFailure {
  return err instanceof Error && typeof (err as Partial<NativeFailure>).step === "string";
}

function codeFor(step: string): SockgateErrorCode {
  if (step === "load") return "SG_ERR_SHIM_LOAD";
  if (step === "attach" || step === "pin") return "SG_ERR_SHIM_ATTACH";
  return "SG_ERR_SHIM_SYSCALL";
}

/** Runs a native call; a failed step becomes a SockgateError carrying errno, syscall and step. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!isNativeFailure(err)) throw err;
    const info: ShimErrorInfo = { step: err.step };
    if (err.errno !== undefined) info.errno = err.errno;
    if (err.code !== undefined) info.systemCode = err.code;
    if (err.syscall !== undefined) info.syscall = err.syscall;
    throw Object.assign(new SockgateError(err.sgCode ?? codeFor(err.step), err.message, { cause: err }), info);
  }
}
