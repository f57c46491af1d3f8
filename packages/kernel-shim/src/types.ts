// The public shapes of @sockgate/kernel-shim. Byte layouts live in verdict-layout.ts.
import type { CounterName, HookName, OpName, PolicyName, ProtoName } from "@sockgate/protocol";

/** One verdict map key: an application identity, an operation and optionally a peer. */
export interface VerdictKey {
  /** Kernel dev_t of the executable's filesystem (major << 20 | minor); see identityOf(). */
  exeDev: number;
  exeIno: bigint;
  uid: number;
  /** "any" only with proto "any" and no addr/port: the whole-application layer. */
  op: OpName;
  proto: ProtoName;
  /** IPv4, IPv6 or v4-mapped text; stored v4-mapped. Listed back in RFC 5952 form. */
  addr?: string;
  /** 1..65535 */
  port?: number;
}

export interface VerdictValue {
  verdict: "allow" | "deny";
  /** Opaque to the kernel (the daemon's rule id), echoed in events. Default 0. */
  tag?: number;
}

export type KernelOpName = Exclude<OpName, "any">;

export interface ShimConfig {
  /** What the kernel does with a call that has no verdict, per operation. */
  unknownPolicy: Record<KernelOpName, PolicyName>;
  /** SYNs to listeners created before the shim (no owner identity). */
  untaggedListenerPolicy: PolicyName;
  /** Also report allowed calls (denies and unknowns are always reported). */
  reportAllows: boolean;
}

export interface ShimOptions {
  /** cgroup v2 directory to attach to; production: the cgroup2 root. */
  cgroupPath: string;
  /** bpffs directory for pinned maps and links; default "/sys/fs/bpf/sockgate". */
  pinDir?: string;
  /** sg_verdicts max_entries when the map is created (default 65536); a pinned map keeps its size. */
  maxVerdicts?: number;
  /** Fresh maps: DEFAULT_CONFIG merged with this, written before any program is attached.
   *  Adopted maps: only the given fields are changed. */
  config?: Partial<ShimConfig>;
}

export type HookCounters = Record<HookName, Record<CounterName, bigint>>;
export type ProgramStats = Record<HookName, { runCount: bigint; runTimeNs: bigint }>;

/** User-space counts the kernel cannot keep. */
export interface ShimStats {
  /** setVerdict() calls refused because sg_verdicts was full. */
  verdictMapFull: number;
}

export interface Shim {
  /** True when pinned links of an earlier process were re-adopted (their programs replaced). */
  readonly adopted: boolean;
  readonly pinDir: string;
  /** Throws SockgateError SG_ERR_VERDICT_MAP_FULL when the map is full (counted in stats()). */
  setVerdict(key: VerdictKey, value: VerdictValue): void;
  /** False when there was no such entry. */
  deleteVerdict(key: VerdictKey): boolean;
  listVerdicts(): Array<{ key: VerdictKey; value: VerdictValue }>;
  getConfig(): ShimConfig;
  setConfig(patch: Partial<ShimConfig>): void;
  /** Per-hook counters, summed over CPUs. */
  counters(): HookCounters;
  /** Run count and time per program (counting needs enableStats() or kernel.bpf_stats_enabled=1). */
  programStats(): ProgramStats;
  /** Turns on BPF run-time statistics until the returned disposer is called. */
  enableStats(): () => void;
  stats(): ShimStats;
  /** Raw event records (decode with event.decode from @sockgate/protocol), delivered from
   *  the Node loop when the ring buffer is readable. Returns the unsubscribe function. */
  onEvent(listener: (record: Buffer) => void): () => void;
  /** Stops events and closes fds; the pinned links keep enforcing. Idempotent. */
  close(): void;
}

/** Properties a SockgateError from a failed system call of the shim carries. */
export interface ShimErrorInfo {
  /** open | load | attach | pin | adopt | update | read | events | stats | detach */
  step: string;
  /** Negative errno, as in Node's system errors. */
  errno?: number;
  /** The errno's name, e.g. "EPERM". */
  systemCode?: string;
  syscall?: string;
}
