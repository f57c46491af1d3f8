// openShim(): validates options, loads or re-adopts the pinned shim through the addon,
// and wraps the native handle in the typed Shim API.
import { statSync, statfsSync } from "node:fs";
import { SockgateError, abi, isSockgateError } from "@sockgate/protocol";
import { MSG_HDR_LEN, dnsRecord, type DnsRecord } from "@sockgate/protocol/codec";
import { DEFAULT_CONFIG, mergeConfig } from "./config.js";
import { programStatsByHook, sumCounters } from "./counters.js";
import { callNative, loadAddon } from "./native.js";
import type { NativeAddon, NativeShimHandle } from "./native.js";
import { reloadPinnedMatch } from "./hold/chains.js";
import { DEFAULT_PIN_DIR, checkPinDir, makePinDirs, removeEmptyDirs } from "./pin-dir.js";
import { lockHolders } from "./pin-lock.js";
import type {
  AppCount,
  EndTargets,
  Scope,
  FlowKey,
  HookCounters,
  Lineage,
  PacketTuple,
  PendingFlow,
  ProgramStats,
  Shim,
  ShimConfig,
  ShimFeatures,
  ShimOptions,
  ShimStats,
  VerdictKey,
  VerdictValue,
} from "./types.js";
import { bootClock, type BootClock } from "./boot-clock.js";
import { FLOW_KEY_BYTES, PENDING_BYTES, TUPLE_BYTES, decodeFlowKey, decodePending, encodeFlowKey, encodeTuple } from "./flow-layout.js";
import { decodeLineage } from "./lineage-layout.js";
import { netnsPathsNow } from "./netns-paths.js";
import {
  KERNEL_OPS,
  VERDICT_KEY_BYTES,
  VERDICT_VALUE_BYTES,
  checkU32,
  decodeConfig,
  decodeVerdictKey,
  decodeVerdictValue,
  encodeConfig,
  encodeVerdictKey,
  encodeVerdictValue,
} from "./verdict-layout.js";

const U64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const U32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

const CGROUP2_SUPER_MAGIC = 0x63677270;
const BPF_NOEXIST = 1;
const BPF_EXIST = 2;

/** Entries of sg_verdicts only denies may take: 1%, at least 16 (the whole map when smaller). */
export function verdictReserve(max: number): number {
  return Math.min(max, Math.max(16, Math.floor(max / 100)));
}
const DEFAULT_MAX_VERDICTS = 65536;
const DEFAULT_MAX_PENDING = 8192;

function checkCgroup(path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new SockgateError("SG_ERR_BAD_VALUE", `cgroupPath is invalid: expected a cgroup v2 directory, got ${JSON.stringify(path)}`);
  }
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (err) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `cgroupPath ${path} is unavailable: expected an existing cgroup v2 directory, statfs() failed with ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  if (type !== CGROUP2_SUPER_MAGIC) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `cgroupPath ${path} is not on cgroup2: expected filesystem magic 0x${CGROUP2_SUPER_MAGIC.toString(16)}, got 0x${type.toString(16)}`,
    );
  }
  return path;
}

function checkMapSize(name: string, n: unknown, dflt: number): number {
  if (n === undefined) return dflt;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 0xffff_ffff) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `${name} is invalid: expected an integer from 1 to 4294967295, got ${JSON.stringify(n)}`);
  }
  return n;
}

class OpenShim implements Shim {
  readonly adopted: boolean;
  readonly identitySource: { active: boolean; reason: string };
  readonly features: ShimFeatures;
  readonly pinDir: string;
  readonly holdMatchPin: string;
  readonly migrated: Readonly<Record<string, number>> | undefined;
  #native: NativeShimHandle | undefined;
  #clock: BootClock;
  #listeners = new Set<{ fn: (record: Buffer) => void; type: number }>();
  #badDns = 0;
  #statsTokens = new Set<number>();
  #verdictMapFull = 0;
  #flowMapFull = 0;
  #policyFallbacks = 0;
  #verdicts: { used: number; max: number } | undefined;
  /** Starts from the wall clock so two daemons one after the other do not share generations. */
  #endGen = Math.floor(Date.now() / 1000) >>> 0;
  /** The per-flow path (a held flow costs several of these): maps named once, and one set of
   *  key and value buffers reused by every call, which the native side reads and fills in
   *  place. Each call is synchronous and decodes before it returns, so none outlives it. */
  #refs: { flows: number; pending: number; queued: number } | undefined;
  #flowKey = Buffer.alloc(FLOW_KEY_BYTES);
  #tuple = Buffer.alloc(TUPLE_BYTES);
  #pendingOut = Buffer.alloc(PENDING_BYTES);
  #valueOut = Buffer.alloc(VERDICT_VALUE_BYTES);
  #cookieOut = Buffer.alloc(8);

  constructor(native: NativeShimHandle, pinDir: string, clock: BootClock) {
    this.#native = native;
    this.pinDir = pinDir;
    this.adopted = native.adopted();
    this.features = native.features();
    this.identitySource = this.features.execIdentity;
    this.holdMatchPin = native.holdMatchPin();
    const migrated = native.migrated();
    this.migrated = Object.keys(migrated).length > 0 ? migrated : undefined;
    this.#clock = clock;
  }

  #valueBytes(value: VerdictValue): Buffer {
    if (typeof value !== "object" || value === null) return encodeVerdictValue(value);
    // by name, not by rest and spread: this runs once per answered flow
    const { verdict, tag, exeGeneration, expiresAt } = value;
    return encodeVerdictValue({ verdict, tag, exeGeneration, ...(expiresAt === undefined ? {} : { expiresNs: this.#clock.bootNsAt(expiresAt) }) });
  }

  #valueOf(bytes: Buffer): VerdictValue {
    const { expiresNs, exeGeneration, ...plain } = decodeVerdictValue(bytes);
    const rest: VerdictValue = exeGeneration === 0 ? plain : { ...plain, exeGeneration };
    return expiresNs === 0n ? rest : { ...rest, expiresAt: this.#clock.epochMsAt(expiresNs) };
  }

  #flowRefs(native: NativeShimHandle): { flows: number; pending: number; queued: number } {
    this.#refs ??= callNative(() => ({ flows: native.mapRef("sg_flows"), pending: native.mapRef("sg_pending"), queued: native.mapRef("sg_queued") }));
    return this.#refs;
  }

  #handle(method: string): NativeShimHandle {
    if (this.#native === undefined) {
      throw new SockgateError("SG_ERR_SHIM_CLOSED", `shim.${method}() was called after close(): expected an open shim (pinDir ${this.pinDir})`);
    }
    return this.#native;
  }

  /** Entries in sg_verdicts, counted once, then kept by this (the only) writer. */
  #verdictCount(native: NativeShimHandle): { used: number; max: number } {
    if (this.#verdicts === undefined) {
      const max = callNative(() => native.mapMaxEntries("sg_verdicts"));
      const used = callNative(() => native.mapList("sg_verdicts")).length / (VERDICT_KEY_BYTES + VERDICT_VALUE_BYTES);
      this.#verdicts = { used, max };
    }
    return this.#verdicts;
  }

  setVerdict(key: VerdictKey, value: VerdictValue): void {
    const native = this.#handle("setVerdict");
    const k = encodeVerdictKey(key);
    const v = this.#valueBytes(value);
    const count = this.#verdictCount(native);
    if (callNative(() => native.mapLookup("sg_verdicts", k)) !== null) {
      callNative(() => native.mapUpdate("sg_verdicts", k, v, BPF_EXIST));
      return;
    }
    // The last entries are kept for denies: a deny must always find room, an allow may not.
    const reserve = verdictReserve(count.max);
    const room = value.verdict === "deny" ? count.max : count.max - reserve;
    const result = count.used >= room ? "full" : callNative(() => native.mapUpdate("sg_verdicts", k, v, BPF_NOEXIST));
    if (result === "ok") {
      count.used++;
      return;
    }
    if (result === "exists") return this.setVerdict(key, value); // written meanwhile: update it
    this.#verdictMapFull++;
    if (value.verdict === "allow") {
      throw new SockgateError(
        "SG_ERR_VERDICT_MAP_FULL",
        `setVerdict allow for ${key.op}/${key.proto} of ino ${key.exeIno} was refused: sg_verdicts holds ${count.used} of ${count.max} entries and the last ${reserve} are kept for denies, so the unknown policy keeps applying; delete verdicts or reopen with a larger maxVerdicts after unloadShim()`,
      );
    }
    // A deny with no room at all: no operation it covers may go on being allowed by default.
    const ops = key.op === "any" ? KERNEL_OPS : [key.op];
    const config = this.getConfig();
    const switched = ops.filter((op) => config.unknownPolicy[op] === "allow");
    if (switched.length > 0) {
      this.setConfig({ unknownPolicy: Object.fromEntries(switched.map((op) => [op, "deny"])) as ShimConfig["unknownPolicy"] });
      this.#policyFallbacks += switched.length;
    }
    throw new SockgateError(
      "SG_ERR_VERDICT_MAP_FULL",
      `setVerdict deny for ${key.op}/${key.proto} of ino ${key.exeIno} did not fit: sg_verdicts is full (${count.used} of ${count.max})` +
        (switched.length > 0 ? `; the unknown policy of ${switched.join(", ")} was switched from allow to deny so nothing it covers is allowed by default` : "; its unknown policy already refuses or holds"),
    );
  }

  deleteVerdict(key: VerdictKey): boolean {
    const native = this.#handle("deleteVerdict");
    const k = encodeVerdictKey(key);
    const count = this.#verdictCount(native);
    const deleted = callNative(() => native.mapDelete("sg_verdicts", k));
    if (deleted) count.used = Math.max(0, count.used - 1);
    return deleted;
  }

  listVerdicts(): Array<{ key: VerdictKey; value: VerdictValue }> {
    const native = this.#handle("listVerdicts");
    const bytes = callNative(() => native.mapList("sg_verdicts"));
    const entry = VERDICT_KEY_BYTES + VERDICT_VALUE_BYTES;
    const out: Array<{ key: VerdictKey; value: VerdictValue }> = [];
    for (let at = 0; at + entry <= bytes.length; at += entry) {
      out.push({ key: decodeVerdictKey(bytes, at), value: this.#valueOf(bytes.subarray(at + VERDICT_KEY_BYTES, at + entry)) });
    }
    return out;
  }

  getConfig(): ShimConfig {
    const native = this.#handle("getConfig");
    const bytes = callNative(() => native.mapLookup("sg_config", Buffer.alloc(4)));
    if (bytes === null) throw new SockgateError("SG_ERR_SHIM_SYSCALL", "sg_config has no entry 0: the array map lost its only slot");
    return decodeConfig(bytes);
  }

  setConfig(patch: Partial<ShimConfig>): void {
    const native = this.#handle("setConfig");
    const bytes = encodeConfig(mergeConfig(this.getConfig(), patch));
    callNative(() => native.mapUpdate("sg_config", Buffer.alloc(4), bytes));
  }

  setFlowVerdict(flow: FlowKey, value: VerdictValue): void {
    const native = this.#handle("setFlowVerdict");
    const ref = this.#flowRefs(native).flows;
    const k = encodeFlowKey(flow, this.#flowKey);
    const v = this.#valueBytes(value);
    // An LRU map makes room rather than refuse; "full" only means no free slot right now.
    if (callNative(() => native.updateRef(ref, k, v)) === 1) {
      this.#flowMapFull++;
      throw new SockgateError("SG_ERR_VERDICT_MAP_FULL", `setFlowVerdict for cookie ${flow.cookie} failed: the kernel flow map had no room`);
    }
  }

  deleteFlowVerdict(flow: FlowKey): boolean {
    const native = this.#handle("deleteFlowVerdict");
    const ref = this.#flowRefs(native).flows;
    const k = encodeFlowKey(flow, this.#flowKey);
    return callNative(() => native.deleteRef(ref, k));
  }

  delegate(socketFd: number, op: "bind" | "listen", tid: number, tgid: number): void {
    const native = this.#handle("delegate");
    for (const [name, v] of [["socketFd", socketFd], ["tid", tid], ["tgid", tgid]] as const) {
      if (!Number.isInteger(v) || v < (name === "socketFd" ? 0 : 1) || v > 0x7fffffff) throw new SockgateError("SG_ERR_BAD_VALUE", `delegate: ${name} must be a positive 32-bit integer, got ${v}`);
    }
    if (op !== "bind" && op !== "listen") throw new SockgateError("SG_ERR_BAD_VALUE", `delegate: op must be "bind" or "listen", got ${JSON.stringify(op)}`);
    if (!this.features.delegation.active) throw new SockgateError("SG_ERR_KERNEL_FEATURE", `delegate: ${this.features.delegation.reason}`);
    callNative(() => native.delegate(socketFd, abi.OPS.indexOf(op), tid, tgid));
  }

  getFlowVerdict(flow: FlowKey): VerdictValue | undefined {
    const native = this.#handle("getFlowVerdict");
    const ref = this.#flowRefs(native).flows;
    const k = encodeFlowKey(flow, this.#flowKey);
    const out = this.#valueOut;
    return callNative(() => native.lookupInto(ref, k, out)) ? this.#valueOf(out) : undefined;
  }

  pendingFlows(): PendingFlow[] {
    const native = this.#handle("pendingFlows");
    const bytes = callNative(() => native.mapList("sg_pending"));
    const entry = FLOW_KEY_BYTES + PENDING_BYTES;
    const out: PendingFlow[] = [];
    for (let at = 0; at + entry <= bytes.length; at += entry) {
      out.push(decodePending(decodeFlowKey(bytes, at), bytes, at + FLOW_KEY_BYTES));
    }
    return out;
  }

  getPending(flow: FlowKey): PendingFlow | undefined {
    const native = this.#handle("getPending");
    const ref = this.#flowRefs(native).pending;
    const k = encodeFlowKey(flow, this.#flowKey);
    const out = this.#pendingOut;
    return callNative(() => native.lookupInto(ref, k, out)) ? decodePending(decodeFlowKey(k), out) : undefined;
  }

  lineageOf(pid: number): Lineage | undefined {
    const native = this.#handle("lineageOf");
    if (!Number.isInteger(pid) || pid <= 0) throw new SockgateError("SG_ERR_BAD_VALUE", `lineageOf: pid must be a positive integer; received ${String(pid)}`);
    const bytes = callNative(() => native.lineageOf(pid));
    return bytes === null ? undefined : decodeLineage(bytes);
  }

  releasePending(flow: FlowKey, answer?: VerdictValue): boolean {
    const native = this.#handle("releasePending");
    const k = encodeFlowKey(flow, this.#flowKey);
    const r = callNative(() => native.releasePending(k, answer === undefined ? undefined : this.#valueBytes(answer)));
    if (r === 2) {
      this.#flowMapFull++;
      throw new SockgateError("SG_ERR_VERDICT_MAP_FULL", `releasePending for cookie ${flow.cookie} failed: the kernel flow map had no room for its answer (the flow stays held)`);
    }
    return r === 1;
  }

  queuedCookie(tuple: PacketTuple): bigint | undefined {
    const native = this.#handle("queuedCookie");
    const ref = this.#flowRefs(native).queued;
    const k = encodeTuple(tuple, this.#tuple);
    const out = this.#cookieOut;
    return callNative(() => native.lookupInto(ref, k, out)) ? out.readBigUInt64LE(0) : undefined;
  }

  setHoldNamespace(netnsCookie: bigint, enabled: boolean): void {
    const native = this.#handle("setHoldNamespace");
    if (typeof netnsCookie !== "bigint" || netnsCookie <= 0n) {
      throw new SockgateError("SG_ERR_BAD_VALUE", `netnsCookie is invalid: expected a namespace cookie (a positive bigint), got ${String(netnsCookie)}`);
    }
    const k = U64(netnsCookie);
    if (!enabled) {
      // a namespace whose DNS answers are believed stays so when holding there stops
      if (this.#dnsTrusted.has(netnsCookie)) callNative(() => native.mapUpdate("sg_hold_netns", k, U32(abi.NETNS_DNS_ONLY)));
      else callNative(() => native.mapDelete("sg_hold_netns", k));
      return;
    }
    if (callNative(() => native.mapUpdate("sg_hold_netns", k, U32(0))) === "full") {
      throw new SockgateError("SG_ERR_VERDICT_MAP_FULL", `cannot hold in netns ${netnsCookie}: sg_hold_netns is full (1024 namespaces)`);
    }
  }

  holdNamespaces(): bigint[] {
    return this.#netnsEntries("holdNamespaces").filter(([, v]) => (v & abi.NETNS_DNS_ONLY) === 0).map(([c]) => c);
  }

  #dnsTrusted = new Set<bigint>();

  trustDnsIn(netnsPath?: string): bigint {
    const native = this.#handle("trustDnsIn");
    const cookie = callNative(() => loadAddon().netnsCookie(netnsPath ?? ""));
    this.#dnsTrusted.add(cookie);
    // a namespace where holds happen is trusted already: its entry stays as it is
    if (callNative(() => native.mapUpdate("sg_hold_netns", U64(cookie), U32(abi.NETNS_DNS_ONLY), BPF_NOEXIST)) === "full") {
      throw new SockgateError("SG_ERR_VERDICT_MAP_FULL", `cannot trust DNS answers in netns ${netnsPath ?? "(own)"}: sg_hold_netns is full (1024 namespaces)`);
    }
    return cookie;
  }

  dnsNamespaces(): bigint[] {
    return this.#netnsEntries("dnsNamespaces").map(([c]) => c);
  }

  #netnsEntries(method: string): Array<[bigint, number]> {
    return holdNetnsEntries(this.#handle(method));
  }

  markPreexistingListeners(netnsPaths: string[]): number {
    const native = this.#handle("markPreexistingListeners");
    const before = this.counters().iter.unknowns;
    callNative(() => native.runIterator("mark_listeners", netnsPaths));
    return Number(this.counters().iter.unknowns - before);
  }

  setScope(scope: Scope): void {
    const native = this.#handle("setScope");
    if (typeof scope !== "object" || scope === null) throw new SockgateError("SG_ERR_BAD_VALUE", `scope is invalid: expected {uids, cgroupIds, exemptCgroupIds}, got ${String(scope)}`);
    const uids = new Map<string, Buffer>();
    for (const uid of scope.uids) {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(checkU32("scope uid", uid));
      uids.set(k.toString("hex"), k);
    }
    const cgroups = new Map<string, { key: Buffer; value: number }>();
    const put = (ids: bigint[], value: number, what: string): void => {
      for (const id of ids) {
        if (typeof id !== "bigint" || id <= 0n) throw new SockgateError("SG_ERR_BAD_VALUE", `scope ${what} is invalid: expected cgroup ids (positive bigints), got ${String(id)}`);
        const k = U64(id);
        cgroups.set(k.toString("hex"), { key: k, value });
      }
    };
    put(scope.cgroupIds, abi.SCOPE_GOVERNED, "cgroupIds");
    put(scope.exemptCgroupIds, abi.SCOPE_EXEMPT, "exemptCgroupIds"); // exempt wins a cgroup listed twice
    // add the new entries before removing the old, so nobody is ungoverned in between by accident
    for (const k of uids.values()) callNative(() => native.mapUpdate("sg_scope_uids", k, Buffer.of(1)));
    for (const { key, value } of cgroups.values()) callNative(() => native.mapUpdate("sg_scope_cgroups", key, Buffer.of(value)));
    const listed = (map: "sg_scope_uids" | "sg_scope_cgroups", keyBytes: number): Buffer[] => {
      const bytes = callNative(() => native.mapList(map));
      const out: Buffer[] = [];
      for (let at = 0; at + keyBytes + 1 <= bytes.length; at += keyBytes + 1) out.push(bytes.subarray(at, at + keyBytes));
      return out;
    };
    for (const k of listed("sg_scope_uids", 4)) if (!uids.has(k.toString("hex"))) native.mapDelete("sg_scope_uids", k);
    for (const k of listed("sg_scope_cgroups", 8)) if (!cgroups.has(k.toString("hex"))) native.mapDelete("sg_scope_cgroups", k);
  }

  scope(): Scope {
    const native = this.#handle("scope");
    const uids: number[] = [];
    const ub = callNative(() => native.mapList("sg_scope_uids"));
    for (let at = 0; at + 5 <= ub.length; at += 5) uids.push(ub.readUInt32LE(at));
    const out: Scope = { uids: uids.sort((a, b) => a - b), cgroupIds: [], exemptCgroupIds: [] };
    const cb = callNative(() => native.mapList("sg_scope_cgroups"));
    for (let at = 0; at + 9 <= cb.length; at += 9) (cb[at + 8] === abi.SCOPE_EXEMPT ? out.exemptCgroupIds : out.cgroupIds).push(cb.readBigUInt64LE(at));
    return out;
  }

  appCounters(): AppCount[] {
    const native = this.#handle("appCounters");
    const bytes = callNative(() => native.mapList("sg_app_counts"));
    const cpus = (bytes.length === 0 ? 0 : 1) && this.#cpus(native);
    const entry = abi.SIZEOF.appKey + 8 * cpus;
    const out: AppCount[] = [];
    for (let at = 0; cpus > 0 && at + entry <= bytes.length; at += entry) {
      let count = 0n;
      for (let c = 0; c < cpus; c++) count += bytes.readBigUInt64LE(at + abi.SIZEOF.appKey + 8 * c);
      const verdict = abi.VERDICTS[bytes.readUInt8(at + 18)];
      out.push({
        exeIno: bytes.readBigUInt64LE(at),
        exeDev: bytes.readUInt32LE(at + 8),
        uid: bytes.readUInt32LE(at + 12),
        op: abi.OPS[bytes.readUInt8(at + 16)] ?? "any",
        proto: abi.PROTOS[bytes.readUInt8(at + 17)] ?? "any",
        verdict: verdict === "deny" ? "deny" : "allow",
        count,
      });
    }
    return out;
  }

  #cpus(native: NativeShimHandle): number {
    return callNative(() => native.readCounters()).cpus;
  }

  endSockets(targets: EndTargets, netnsPaths: string[]): number {
    const native = this.#handle("endSockets");
    const cookies = (targets.cookies ?? []).map(U64);
    const idents = (targets.idents ?? []).map((i) => {
      const k = Buffer.alloc(16);
      if (typeof i.exeIno !== "bigint") throw new SockgateError("SG_ERR_BAD_VALUE", `endSockets ident exeIno is invalid: expected a bigint, got ${String(i.exeIno)}`);
      k.writeBigUInt64LE(i.exeIno);
      k.writeUInt32LE(checkU32("endSockets ident exeDev", i.exeDev), 8);
      const v = Buffer.alloc(4);
      v.writeUInt32LE(i.uid === undefined ? 0 : checkU32("endSockets ident uid", i.uid) + 1);
      return [k, v] as const;
    });
    const before = this.counters().iter.denies;
    try {
      for (const k of cookies) callNative(() => native.mapUpdate("sg_end_cookies", k, Buffer.of(1)));
      for (const [k, v] of idents) callNative(() => native.mapUpdate("sg_end_idents", k, v));
      // who holds each plain socket, once (task iterators walk every process whatever the netns)
      const gen = Buffer.alloc(4);
      gen.writeUInt32LE((this.#endGen = (this.#endGen + 1) >>> 0 || 1));
      callNative(() => native.mapUpdate("sg_end_gen", Buffer.alloc(4), gen));
      callNative(() => native.runIterator("sock_idents", [""]));
      callNative(() => native.runIterator("end_tcp", netnsPaths));
      callNative(() => native.runIterator("end_udp", netnsPaths));
    } finally {
      for (const k of cookies) native.mapDelete("sg_end_cookies", k);
      for (const [k] of idents) native.mapDelete("sg_end_idents", k);
    }
    return Number(this.counters().iter.denies - before);
  }

  counters(): HookCounters {
    const native = this.#handle("counters");
    const { cpus, bytes } = callNative(() => native.readCounters());
    return sumCounters(bytes, cpus);
  }

  programStats(): ProgramStats {
    const native = this.#handle("programStats");
    return programStatsByHook(callNative(() => native.programStats()));
  }

  enableStats(): () => void {
    const native = this.#handle("enableStats");
    const token = callNative(() => native.enableStats());
    this.#statsTokens.add(token);
    return () => {
      if (this.#statsTokens.delete(token)) this.#native?.disableStats(token);
    };
  }

  stats(): ShimStats {
    return {
      verdictMapFull: this.#verdictMapFull,
      flowMapFull: this.#flowMapFull,
      undecodableDns: this.#badDns,
      unknownPolicyFallbacks: this.#policyFallbacks,
    };
  }

  onEvent(listener: (record: Buffer) => void): () => void {
    return this.#subscribe("onEvent", abi.MSG_EVENT, listener);
  }

  onDns(listener: (record: DnsRecord) => void): () => void {
    if (typeof listener !== "function") {
      throw new SockgateError("SG_ERR_BAD_VALUE", `onDns listener is invalid: expected a function, got ${typeof listener}`);
    }
    return this.#subscribe("onDns", abi.MSG_DNS, (record) => {
      let decoded: DnsRecord;
      try {
        decoded = dnsRecord.decode(record);
      } catch {
        this.#badDns++;
        return; // counted in stats(): the kernel wrote a record this code cannot read
      }
      listener(decoded);
    });
  }

  /** One ring buffer carries every record type; each listener gets the type it asked for. */
  #subscribe(method: string, type: number, listener: (record: Buffer) => void): () => void {
    const native = this.#handle(method);
    if (typeof listener !== "function") {
      throw new SockgateError("SG_ERR_BAD_VALUE", `${method} listener is invalid: expected a function, got ${typeof listener}`);
    }
    const entry = { fn: listener, type };
    this.#listeners.add(entry);
    if (this.#listeners.size === 1) {
      try {
        callNative(() => native.startEvents((record) => this.#dispatch(record)));
      } catch (err) {
        // Not subscribed: the next onEvent/onDns starts delivery again instead of finding a listener there.
        this.#listeners.delete(entry);
        throw err;
      }
    }
    return () => {
      if (!this.#listeners.delete(entry)) return;
      // No listener: stop watching, so the ring buffer no longer keeps the process alive.
      if (this.#listeners.size === 0) this.#native?.pauseEvents();
    };
  }

  #dispatch(record: Buffer): void {
    // sg_msg_hdr.type; a record too short for it goes to the event listeners, whose decoder says so
    const type = record.length >= MSG_HDR_LEN ? record.readUInt16LE(6) : abi.MSG_EVENT;
    for (const entry of [...this.#listeners]) if (entry.type === type) entry.fn(record);
  }

  close(): void {
    const native = this.#native;
    if (native === undefined) return;
    this.#native = undefined;
    this.#listeners.clear();
    this.#statsTokens.clear();
    native.close();
  }
}

/** Loads the shim, or re-adopts the one pinned at pinDir, attached to options.cgroupPath. */
export function openShim(options: ShimOptions): Shim {
  return openShimObject(options, undefined);
}

/**
 * The pins had other map definitions (another version): the new maps hold a copy and the
 * old programs still run. Re-read the hold match in the rules of every namespace sockgate
 * holds in (they keep the program they opened), then swap and finish the copy. A failure
 * before the swap puts the old match back in those rules (closing the handle re-pins it).
 */
/** sg_hold_netns as [netns cookie, value bits] pairs. */
function holdNetnsEntries(native: NativeShimHandle): Array<[bigint, number]> {
  const bytes = callNative(() => native.mapList("sg_hold_netns"));
  const out: Array<[bigint, number]> = [];
  for (let at = 0; at + 12 <= bytes.length; at += 12) out.push([bytes.readBigUInt64LE(at), bytes.readUInt32LE(at + 8)]);
  return out;
}

function completeUpgrade(native: NativeShimHandle, addon: NativeAddon): void {
  const namespaces = netnsPathsNow();
  // only where holds happen: a namespace trusted for DNS alone has no chains to reload
  const cookies = new Set(holdNetnsEntries(native).filter(([, v]) => (v & abi.NETNS_DNS_ONLY) === 0).map(([c]) => c));
  const holding: Array<string | undefined> = [];
  for (const path of cookies.size > 0 ? namespaces : []) {
    let cookie: bigint;
    try {
      cookie = addon.netnsCookie(path);
    } catch {
      continue; // gone meanwhile
    }
    if (cookies.delete(cookie)) holding.push(path === "/proc/self/ns/net" ? undefined : path);
  }
  const pin = native.holdMatchPin();
  try {
    for (const netns of holding) reloadPinnedMatch(netns, pin);
    callNative(() => native.completeUpgrade(namespaces));
  } catch (err) {
    if (native.upgradePending()) {
      native.close(); // not swapped: the old programs enforce, their match is pinned again
      for (const netns of holding) {
        try {
          reloadPinnedMatch(netns, pin);
        } catch {
          // the new match stays in that namespace's rules: it still finds the old holds
        }
      }
    }
    throw err;
  }
}

/** openShim with another build of the BPF object (tests: the upgrade test's next version). */
export function openShimObject(options: ShimOptions, objectPath: string | undefined): Shim {
  if (typeof options !== "object" || options === null) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `openShim options are invalid: expected an object, got ${JSON.stringify(options)}`);
  }
  const cgroupPath = checkCgroup(options.cgroupPath);
  const pinDir = checkPinDir(options.pinDir ?? DEFAULT_PIN_DIR);
  const maxVerdicts = checkMapSize("maxVerdicts", options.maxVerdicts, DEFAULT_MAX_VERDICTS);
  const maxPending = checkMapSize("maxPending", options.maxPending, DEFAULT_MAX_PENDING);
  if (options.execIdentity !== undefined && typeof options.execIdentity !== "boolean") {
    throw new SockgateError("SG_ERR_BAD_VALUE", `execIdentity is invalid: expected a boolean, got ${JSON.stringify(options.execIdentity)}`);
  }
  // paths are trusted as this process's mount namespace sees them
  const config = { hostMountNamespace: Number(statSync("/proc/self/ns/mnt").ino), ...options.config };
  const initialConfig = encodeConfig(mergeConfig(DEFAULT_CONFIG, config));
  const addon = loadAddon();
  const created = makePinDirs(pinDir);
  let native: NativeShimHandle;
  try {
    native = callNative(() => new addon.ShimHandle(cgroupPath, pinDir, maxVerdicts, initialConfig, maxPending, options.execIdentity ?? true, objectPath));
  } catch (err) {
    removeEmptyDirs(created);
    if (isSockgateError(err, "SG_ERR_SHIM_LOCKED")) {
      const pids = lockHolders(pinDir);
      if (pids.length > 0) err.message += ` (held by pid ${pids.join(", ")}${pids.includes(process.pid) ? ": this process" : ""})`;
    }
    throw err;
  }
  if (native.upgradePending()) {
    try {
      completeUpgrade(native, addon);
    } catch (err) {
      native.close();
      throw err;
    }
  }
  const shim = new OpenShim(native, pinDir, bootClock(addon));
  // A reused config map keeps the running policy: change only what was asked for.
  if (!native.configCreated()) {
    try {
      shim.setConfig(config);
    } catch (err) {
      shim.close();
      throw err;
    }
  }
  // Listeners older than this load have no owner: mark them (in every namespace) so their
  // SYNs get the untagged policy, and any other ownerless listener is denied.
  if (!shim.adopted) {
    try {
      shim.markPreexistingListeners(netnsPathsNow());
    } catch (err) {
      shim.close();
      throw err;
    }
  }
  return shim;
}
