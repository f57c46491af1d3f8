// The public shapes of @sockgate/kernel-shim. Byte layouts live in verdict-layout.ts.
import type { CounterName, HookName, OpName, PolicyName, ProtoName } from "@sockgate/protocol";
import type { DnsRecord } from "@sockgate/protocol/codec";

/**
 * One verdict map key: an application identity, an operation and optionally a peer.
 * exeDev/exeIno have these types everywhere (events, DNS records, pending flows, keys):
 * exeDev a number, because the kernel's dev_t is 32 bits; exeIno a bigint, because inode
 * numbers are 64 bits (btrfs and xfs use the high ones) and a number would lose some.
 */
export interface VerdictKey {
  /** Kernel dev_t of the executable's filesystem (major << 20 | minor); see identityOf(). */
  exeDev: number;
  exeIno: bigint;
  /** A uid, or "any": the entry holds for every user (a system rule), looked up after the
   *  user's own entry at the same layer. */
  uid: number | "any";
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
  /** i_generation of the executable an identity entry is for (identityOf().exeGeneration),
   *  so a file that later gets the same inode number does not inherit it. Absent or 0: any. */
  exeGeneration?: number;
  /** Milliseconds since the epoch (Date.now()) from which the kernel ignores the entry.
   *  Stored on the kernel's boot clock at write time: a dead daemon cannot extend it, and
   *  a wall-clock change afterwards does not move it. Absent: no deadline. */
  expiresAt?: number;
}

/** A flow: one socket (for accept, the listener) and one peer. */
export interface FlowKey {
  /** Socket cookie; for accept, the listener's. */
  cookie: bigint;
  /** Peer address (IPv4, IPv6 or v4-mapped text); listed back in RFC 5952 form, v4-mapped. */
  addr: string;
  /** Peer port; 0 for protocols without ports. */
  port: number;
  proto: ProtoName;
}

/** A held flow as the kernel recorded it: enough to ask the question from the map alone. */
export interface PendingFlow {
  key: FlowKey;
  op: OpName;
  hook: HookName;
  /** AF_INET (2) or AF_INET6 (10) of the socket. */
  family: number;
  exeIno: bigint;
  exeDev: number;
  /** i_generation of the executable. */
  exeGeneration: number;
  uid: number;
  gid: number;
  pid: number;
  tgid: number;
  ppid: number;
  cgroupId: bigint;
  /** CLOCK_MONOTONIC ns when the flow was held. */
  ktime: bigint;
  netnsCookie: bigint;
  /** EVENT_FLAG_* bits of the call. */
  flags: number;
  localAddr: string;
  localPort: number;
  comm: string;
  /**
   * The calling program run, as an event record's startTime and execId: the group leader's
   * start_boottime (ns) and self_exec_id. 0n for an inbound flow (no calling process) and
   * for entries an older shim made.
   */
  startTime: bigint;
  execId: bigint;
}

/** A process's ancestry since the shim was loaded (struct sg_lineage), read by pidfd. */
export interface Lineage {
  /** Nearest first: the parent, its parent, ... as they were at each fork (the pid and the
   *  low 32 bits of /proc/PID/stat field 22), whatever became of them since. */
  ancestors: { pid: number; startTicks: number }[];
  /** The ancestors older than those, as a Bloom filter (abi.LINEAGE_BLOOM_BITS bits):
   *  ask it with lineageIncludes. */
  earlier: Uint8Array;
  /** Forks recorded since the shim was loaded. */
  depth: number;
}

/** What the hold match recorded for a queued packet: its 5-tuple. */
export interface PacketTuple {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  proto: ProtoName;
}

/** Who is governed (with ShimConfig.scopeEnabled): these users, and whatever their uid the
 *  processes in governed cgroups; never those in exempt cgroups. The deepest listed cgroup
 *  of a process decides; with none listed, its uid does. */
export interface Scope {
  uids: number[];
  /** cgroup v2 ids (the cgroup directory's inode number), e.g. of a "sockgate shell". */
  cgroupIds: bigint[];
  exemptCgroupIds: bigint[];
}

/** Calls the kernel answered from verdict entries, per application, since the shim was loaded. */
export interface AppCount {
  exeIno: bigint;
  exeDev: number;
  uid: number;
  op: OpName;
  proto: ProtoName;
  verdict: "allow" | "deny";
  count: bigint;
}

/** Targets of endSockets(): whose permission just ended. */
export interface EndTargets {
  /** Sockets (by cookie) whose grant ended. */
  cookies?: bigint[];
  /** Executables (for one uid, or every uid) whose allow entries were withdrawn. */
  idents?: Array<{ exeIno: bigint; exeDev: number; uid?: number }>;
}

export type KernelOpName = Exclude<OpName, "any">;

export interface ShimConfig {
  /** What the kernel does with a call that has no verdict, per operation. */
  unknownPolicy: Record<KernelOpName, PolicyName>;
  /** SYNs to listeners created before the shim (no owner identity). */
  untaggedListenerPolicy: PolicyName;
  /** Also report allowed calls (denies and unknowns are always reported). */
  reportAllows: boolean;
  /** Only processes in the governed scope (setScope) meet the unknown policy; the others'
   *  calls with no verdict are allowed at once, unreported. Off: everyone is governed. */
  scopeEnabled: boolean;
  /** Held outbound flows per uid; a full budget denies (reason pending_full). */
  pendingPerUid: number;
  /** Held inbound peers per listener: a SYN flood fills only that listener's budget. */
  pendingPerListener: number;
  /** Sockets with held flows per uid (entries of sg_pending_socks). */
  socksPerUid: number;
  /** Inode number of the mount namespace whose paths are trusted (events of programs
   *  executed elsewhere are flagged foreign_mntns); 0: flag none. openShim sets its own. */
  hostMountNamespace: number;
}

export interface ShimOptions {
  /** cgroup v2 directory to attach to; production: the cgroup2 root. */
  cgroupPath: string;
  /** bpffs directory for pinned maps and links; default "/sys/fs/bpf/sockgate". */
  pinDir?: string;
  /** sg_verdicts max_entries when the map is created (default 65536); a pinned map keeps its size. */
  maxVerdicts?: number;
  /** sg_pending max_entries (held flows of every user) when created (default 8192). */
  maxPending?: number;
  /** Record identities when programs are executed (default true; needs Linux 6.16). False
   *  forces what older kernels get: the executable read at each call, which a process can
   *  change (prctl PR_SET_MM_MAP). */
  execIdentity?: boolean;
  /** Fresh maps: DEFAULT_CONFIG merged with this, written before any program is attached.
   *  Adopted maps: only the given fields are changed. */
  config?: Partial<ShimConfig>;
}

export type HookCounters = Record<HookName, Record<CounterName, bigint>>;
export type ProgramStats = Record<HookName, { runCount: bigint; runTimeNs: bigint }>;

/** User-space counts the kernel cannot keep. */
/** A feature the shim works without, at the cost the reason states. */
export interface ShimFeature {
  active: boolean;
  /** Empty when active; else what the shim does without it and which kernel has it. */
  reason: string;
}

export interface ShimFeatures {
  /** Identities recorded when programs are executed (task storage in cgroup programs, 6.16). */
  execIdentity: ShimFeature;
  /** Sockets ended when their permission ends (bpf_sock_destroy, 6.5). */
  socketEnd: ShimFeature;
  /** delegate(): a bind() or listen() one process performs for another is the other's
   *  (bpf_task_from_pid in sockops and sock_addr programs, with exec-time identities). */
  delegation: ShimFeature;
}

export interface ShimStats {
  /** setVerdict() calls refused because sg_verdicts was full. */
  verdictMapFull: number;
  /** setFlowVerdict() calls refused because sg_flows had no room. */
  flowMapFull: number;
  /** DNS records the kernel wrote that could not be decoded (not delivered). */
  undecodableDns: number;
  /** Operations whose unknown policy was switched from allow to deny because a deny did
   *  not fit in sg_verdicts (never a silent allow). */
  unknownPolicyFallbacks: number;
}

export interface Shim {
  /** True when pinned links of an earlier process were re-adopted (their programs replaced). */
  readonly adopted: boolean;
  /** Set when the pins had other map definitions (another version) and were migrated:
   *  entries moved per map, e.g. { sg_verdicts: 12, sg_sock_owners: 3 }. */
  readonly migrated: Readonly<Record<string, number>> | undefined;
  /** active: identities are the exec-time records (a process cannot change its own); else
   *  reason says why they are read from mm->exe_file at each call. */
  readonly identitySource: { active: boolean; reason: string };
  /** Optional kernel features and whether this kernel has them (the required ones are
   *  checked at load: SG_ERR_KERNEL_FEATURE names what is missing). */
  readonly features: ShimFeatures;
  readonly pinDir: string;
  /** Throws SockgateError SG_ERR_VERDICT_MAP_FULL when the map is full (counted in stats()).
   *  The last entries (verdictReserve: 1%, at least 16) are kept for denies; a deny that finds
   *  no room at all switches the unknown policy of the operations it covers from allow to
   *  deny (stats().unknownPolicyFallbacks), so nothing it would have refused is allowed. */
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
  /** DNS answers received by sockets that sent to port 53, decoded (a TCP one per segment:
   *  reassemble by cookie and tcpSeq). Believe only your resolvers' (remoteAddr). */
  onDns(listener: (record: DnsRecord) => void): () => void;

  /** "This connection only" answers, looked up before the identity entries. */
  setFlowVerdict(flow: FlowKey, value: VerdictValue): void;
  deleteFlowVerdict(flow: FlowKey): boolean;
  /** The next `op` call on the socket behind `socketFd` (a descriptor of this process) is
   *  thread `tid` of process `tgid`'s: decided, recorded and reported as theirs, whoever
   *  makes it (sockgate run's supervisor binds and listens on its own copy of the socket it
   *  checked). A thread gone by then gets the bind refused, the listener denied. Ids are the
   *  initial pid namespace's. Throws SG_ERR_KERNEL_FEATURE without features.delegation. */
  delegate(socketFd: number, op: "bind" | "listen", tid: number, tgid: number): void;
  getFlowVerdict(flow: FlowKey): VerdictValue | undefined;
  /** Held flows, straight from the kernel's sg_pending map. */
  pendingFlows(): PendingFlow[];
  getPending(flow: FlowKey): PendingFlow | undefined;
  /** The ancestry the kernel recorded for the process that has `pid` now (looked up by
   *  pidfd); undefined when it is gone or has none (older than the shim, or exec-time
   *  identities are off). */
  lineageOf(pid: number): Lineage | undefined;
  /** Ends a held flow and gives its budget back; false when it had already ended. With
   *  `answer`, first writes it as the flow's verdict (setFlowVerdict), in the same system call;
   *  throws SG_ERR_VERDICT_MAP_FULL, releasing nothing, when the flow map refuses it. */
  releasePending(flow: FlowKey, answer?: VerdictValue): boolean;
  /** The socket cookie the hold match recorded for a queued packet's 5-tuple. */
  queuedCookie(tuple: PacketTuple): bigint | undefined;
  /** Allows or stops holding in a network namespace (by cookie, see netnsCookie()). */
  setHoldNamespace(netnsCookie: bigint, enabled: boolean): void;
  /** Namespaces where holds happen (chains and a queue reader). */
  holdNamespaces(): bigint[];
  /** Believes DNS answers received in this namespace (default: the caller's own) without
   *  holding there; those where holds happen are believed already. Elsewhere the shim does
   *  not capture DNS answers: in a namespace of its own, a process could answer itself from
   *  the resolver's address. Returns the namespace's cookie. */
  trustDnsIn(netnsPath?: string): bigint;
  /** Namespaces whose DNS answers are captured: trusted ones and those where holds happen. */
  dnsNamespaces(): bigint[];
  /** Where sg_hold_match is pinned, for iptables -m bpf --object-pinned. */
  readonly holdMatchPin: string;
  /** Marks listeners older than the shim in these namespaces; returns how many were marked. */
  markPreexistingListeners(netnsPaths: string[]): number;
  /** Destroys the sockets whose permission ended (see iter_end.bpf.c); returns how many. */
  endSockets(targets: EndTargets, netnsPaths: string[]): number;
  /** Replaces the governed scope (takes effect with config scopeEnabled). */
  setScope(scope: Scope): void;
  scope(): Scope;
  /** Per-application counts of calls answered from verdict entries (summed over CPUs). */
  appCounters(): AppCount[];
  /** Stops events and closes fds; the pinned links keep enforcing. Idempotent. */
  close(): void;
}

/** Properties a SockgateError from a failed system call of the shim carries. */
export interface ShimErrorInfo {
  /** lock | open | load | attach | pin | adopt | migrate | update | read | events | stats | detach */
  step: string;
  /** Negative errno, as in Node's system errors. */
  errno?: number;
  /** The errno's name, e.g. "EPERM". */
  systemCode?: string;
  syscall?: string;
}
