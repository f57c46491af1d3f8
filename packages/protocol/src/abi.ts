// Mirror of abi/sockgate-abi.h. abi-header.test.ts fails if the two drift.

export const ABI_VERSION = 1;
export const MSG_EVENT = 1;
/** A DNS answer a socket that sent to port 53 received (dns-record-codec.ts). */
export const MSG_DNS = 2;
/** DNS bytes a record carries at most (the payload is cut there). */
export const DNS_MAX = 1536;
export const PATH_MAX = 256;
/** Bytes of exec-time argv an event carries (NUL-separated, cut there). */
export const ARGV_MAX = 128;
export const COMM_LEN = 16;
/** Ancestors a process's struct sg_lineage names, nearest first. */
export const LINEAGE_MAX = 16;
/** Bits of the Bloom filter of a lineage's earlier ancestors. */
export const LINEAGE_BLOOM_BITS = 256;

export const OPS = ["any", "socket", "bind", "connect", "listen", "accept", "send"] as const;
export type OpName = (typeof OPS)[number];

export const PROTOS = ["any", "tcp", "udp", "icmp", "raw", "other"] as const;
export type ProtoName = (typeof PROTOS)[number];

/** "held" appears in events only: the flow waits in sg_pending for user space. */
export const VERDICTS = ["none", "allow", "deny", "held"] as const;
export type VerdictName = (typeof VERDICTS)[number];

/** Index = enum sg_reason value; slot 0 is unused. */
export const REASONS = [
  "invalid",
  "exact",
  "app_addr",
  "app_port",
  "app_op",
  "app",
  "unknown",
  "observed",
  "untagged_listener",
  "flow",
  "pending_full",
  "no_hold_in_netns",
  "no_owner",
  "unparseable",
  "source_route",
  "map_full",
  "unsupported_protocol",
] as const;
export type ReasonName = (typeof REASONS)[number];

/** Index = enum sg_policy value: deny is 0 so a zeroed config fails closed. */
export const POLICIES = ["deny", "allow", "hold"] as const;
export type PolicyName = (typeof POLICIES)[number];

export const HOOKS = [
  "sock_create",
  "bind4",
  "bind6",
  "connect4",
  "connect6",
  "sendmsg4",
  "sendmsg6",
  "ingress",
  "sockops",
  "sock_release",
  "hold_match",
  "iter",
  "exec",
  "egress",
  "setsockopt",
] as const;
export type HookName = (typeof HOOKS)[number];

export const COUNTERS = ["runs", "allows", "denies", "unknowns", "lost", "held", "pending_full", "ungoverned"] as const;
export type CounterName = (typeof COUNTERS)[number];

export const LAYER_ADDR = 0x1;
export const LAYER_PORT = 0x2;
/** uid of a verdict key that holds for every user. */
export const UID_ANY = 0xffffffff;
export const SCOPE_GOVERNED = 1;
export const SCOPE_EXEMPT = 2;
/** sg_hold_netns value bit: DNS answers there are believed, nothing is held (no queue reader). */
export const NETNS_DNS_ONLY = 1;

export const EVENT_FLAG_PATH_TRUNCATED = 0x1;
export const EVENT_FLAG_NO_EXE = 0x2;
/** listen(): the call itself proceeds; a deny drops the listener's inbound SYNs. */
export const EVENT_FLAG_NOT_DENIABLE = 0x4;
/** The executable was unlinked when it was executed. */
export const EVENT_FLAG_DELETED = 0x8;
/** Executed in another mount namespace than the host's: its path can name anything. */
export const EVENT_FLAG_FOREIGN_MNTNS = 0x10;
/** Executed from a memfd: the path is memfd:NAME. */
export const EVENT_FLAG_MEMFD = 0x20;
/** mm->exe_file no longer is the file executed (prctl PR_SET_MM): the exec-time identity decided. */
export const EVENT_FLAG_EXE_CHANGED = 0x40;
/** No exec-time record: on kernels without them, the identity was read at the call; else none. */
export const EVENT_FLAG_UNRECORDED = 0x80;
/** argv did not fit in ARGV_MAX bytes. */
export const EVENT_FLAG_ARGV_TRUNCATED = 0x100;

export const OWNER_LISTEN_DENIED = 0x1;
export const OWNER_LISTENER = 0x2;
export const OWNER_PREEXISTING = 0x4;
export const OWNER_BOUND = 0x8;
export const OWNER_HELD = 0x10;
export const OWNER_DNS = 0x20;

/** Attribute ids of the event record (enum sg_attr). */
export const Attr = {
  OP: 1,
  PROTO: 2,
  FAMILY: 3,
  HOOK: 4,
  VERDICT: 5,
  REASON: 6,
  TAG: 7,
  PID: 8,
  TGID: 9,
  PPID: 10,
  UID: 11,
  GID: 12,
  CGROUP_ID: 13,
  EXE_INO: 14,
  EXE_DEV: 15,
  COOKIE: 16,
  KTIME: 17,
  LOCAL_ADDR: 18,
  LOCAL_PORT: 19,
  REMOTE_ADDR: 20,
  REMOTE_PORT: 21,
  COMM: 22,
  EXE_PATH: 23,
  FLAGS: 24,
  EXE_GEN: 25,
  ARGV_LEN: 26,
  ARGV: 27,
  START_TIME: 28,
  EXEC_ID: 29,
} as const;
export type AttrName = keyof typeof Attr;

/** Attribute ids of the DNS record (enum sg_dns_attr). */
export const DnsAttr = {
  PROTO: 1,
  FAMILY: 2,
  UID: 3,
  TGID: 4,
  TCP_SEQ: 5,
  COOKIE: 6,
  EXE_INO: 7,
  EXE_DEV: 8,
  KTIME: 9,
  LOCAL_ADDR: 10,
  REMOTE_ADDR: 11,
  LOCAL_PORT: 12,
  REMOTE_PORT: 13,
  PAYLOAD: 14,
  EXE_GEN: 15,
  ARGV_LEN: 16,
  ARGV: 17,
} as const;
export type DnsAttrName = keyof typeof DnsAttr;

/** Byte sizes of structs in the header (asserted there with _Static_assert). */
export const SIZEOF = {
  verdictKey: 40,
  verdictValue: 24,
  flowKey: 32,
  pending: 120,
  lineage: 168,
  budget: 8,
  sockPending: 8,
  tuple: 40,
  releaseArgs: 64,
  sockOwner: 496,
  appKey: 24,
  config: 32,
  counters: 8 * HOOKS.length * COUNTERS.length,
  msgHdr: 8,
  event: 680,
  dnsEvent: 1840,
} as const;
