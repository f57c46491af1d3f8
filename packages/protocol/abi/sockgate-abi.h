/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * sockgate-abi.h: every byte layout that crosses the kernel/user-space boundary.
 *
 * Included by the BPF programs (packages/kernel-shim/src/bpf), the addon, and the C
 * golden-vector test. TypeScript mirrors:
 *   enums, attribute ids ....... packages/protocol/src/abi.ts     (drift test: abi-header.test.ts)
 *   event record (nlattr TLV) .. packages/protocol/src/event-codec.ts
 *   verdict key/value, config .. packages/kernel-shim/src/verdict-layout.ts
 * Rules: fixed-width types only, explicit padding, a size assert per struct, and enum
 * values never reused (a retired value keeps its slot).
 */
#ifndef SOCKGATE_ABI_H
#define SOCKGATE_ABI_H

#ifdef __BPF__
/* vmlinux.h provides __u8..__u64 */
#else
#include <linux/types.h>
#endif

#define SG_ABI_VERSION 1
#define SG_COMM_LEN 16 /* the kernel's task comm, NUL padded */

/* Operation being mediated. 0 means "any operation" inside a verdict key. */
enum sg_op {
	SG_OP_ANY = 0,
	SG_OP_SOCKET = 1,
	SG_OP_BIND = 2,
	SG_OP_CONNECT = 3,
	SG_OP_LISTEN = 4,
	SG_OP_ACCEPT = 5,
	SG_OP_SEND = 6, /* unconnected UDP sendto()/sendmsg() */
	SG_OP_COUNT = 7,
};

/* Transport. 0 means "any protocol" inside a verdict key. */
enum sg_proto {
	SG_PROTO_ANY = 0,
	SG_PROTO_TCP = 1,
	SG_PROTO_UDP = 2,
	SG_PROTO_ICMP = 3, /* ping sockets (SOCK_DGRAM + IPPROTO_ICMP/ICMPV6) */
	SG_PROTO_RAW = 4,
	SG_PROTO_OTHER = 5,
};

enum sg_verdict {
	SG_VERDICT_NONE = 0, /* no entry: the per-operation unknown policy applies */
	SG_VERDICT_ALLOW = 1,
	SG_VERDICT_DENY = 2,
	SG_VERDICT_HELD = 3, /* events only: the flow waits in sg_pending for user space */
};

/* Why an event carries the verdict it does. Stable codes; retired codes keep their slot. */
enum sg_reason {
	SG_REASON_EXACT = 1,         /* verdict for app+op+proto+addr+port */
	SG_REASON_APP_ADDR = 2,      /* verdict for app+op+proto+addr */
	SG_REASON_APP_PORT = 3,      /* verdict for app+op+proto+port */
	SG_REASON_APP_OP = 4,        /* verdict for app+op+proto */
	SG_REASON_APP = 5,           /* verdict for the whole application */
	SG_REASON_UNKNOWN = 6,       /* no verdict: unknown policy applied */
	SG_REASON_OBSERVED = 7,      /* listen(): reported, the kernel offers no deny here */
	SG_REASON_UNTAGGED_LISTENER = 8, /* SYN to a listener marked at load as older than the shim */
	SG_REASON_FLOW = 9,          /* flow verdict: this socket (or listener), this peer and port */
	SG_REASON_PENDING_FULL = 10, /* hold policy, but the uid's, listener's or map's budget is spent */
	SG_REASON_NO_HOLD_IN_NETNS = 11, /* hold policy, but no queue reader in the socket's netns */
	SG_REASON_NO_OWNER = 12,     /* SYN to a listener with no owner record (its allocation failed at listen()) */
	SG_REASON_UNPARSEABLE = 13,  /* a packet to a listener whose TCP header cannot be found */
	SG_REASON_SOURCE_ROUTE = 14, /* an IPv6 routing header or IPv4 source route: traffic would not go where the call said */
	SG_REASON_MAP_FULL = 15,     /* a verdict did not fit in sg_verdicts: the operation's unknown policy became deny */
	SG_REASON_UNSUPPORTED_PROTOCOL = 16, /* socket(): a transport whose connect() and sends run no hook (UDP-Lite, SCTP): never governed blind */
};

/* Policy for calls with no verdict, set per operation in the config map. Deny is 0 so
 * a zeroed (never written) config fails closed. */
enum sg_policy {
	SG_POLICY_DENY = 0,  /* EACCES (or dropped SYN) and report */
	SG_POLICY_ALLOW = 1, /* proceed and report (the question is asked afterwards) */
	SG_POLICY_HOLD = 2,  /* connect, send, accept only: the flow waits until user space decides */
};

/* Which hook ran; indexes the counters. */
enum sg_hook {
	SG_HOOK_SOCK_CREATE = 0,
	SG_HOOK_BIND4 = 1,
	SG_HOOK_BIND6 = 2,
	SG_HOOK_CONNECT4 = 3,
	SG_HOOK_CONNECT6 = 4,
	SG_HOOK_SENDMSG4 = 5,
	SG_HOOK_SENDMSG6 = 6,
	SG_HOOK_INGRESS = 7,
	SG_HOOK_SOCKOPS = 8,
	SG_HOOK_SOCK_RELEASE = 9,
	SG_HOOK_HOLD_MATCH = 10, /* the xt_bpf program that sends packets of held sockets to NFQUEUE */
	SG_HOOK_ITER = 11,       /* the socket iterators: runs = sockets seen, denies = sockets ended */
	SG_HOOK_EXEC = 12,       /* exec/fork records of identities: runs = records made, lost = not made */
	SG_HOOK_EGRESS = 13,     /* cgroup_skb/egress: raw and ping sends, source-routed UDP */
	SG_HOOK_SETSOCKOPT = 14, /* cgroup/setsockopt: source-routing options refused */
	SG_HOOK_COUNT = 15,
};

enum sg_counter {
	SG_CNT_RUNS = 0,
	SG_CNT_ALLOWS = 1,
	SG_CNT_DENIES = 2,
	SG_CNT_UNKNOWNS = 3,
	SG_CNT_LOST = 4, /* event records the ring buffer had no room for */
	SG_CNT_HELD = 5, /* flows put in sg_pending (hold_match: packets sent to the queue) */
	SG_CNT_PENDING_FULL = 6, /* holds refused for lack of budget or room */
	SG_CNT_UNGOVERNED = 7, /* calls with no verdict of processes outside the governed scope: allowed, unreported */
	SG_CNT_COUNT = 8,
};

/* ---------------------------------------------------------------- verdict map --- */

/* Which optional parts of the key are set (the rest is zero). */
#define SG_LAYER_ADDR 0x1
#define SG_LAYER_PORT 0x2
/* uid of a key that holds for every user (a system rule), looked up after the user's own
 * key at each layer. */
#define SG_UID_ANY 0xffffffff

/*
 * Verdict key. The shim looks up, in this order, stopping at the first hit:
 *   1 exact      op, proto, addr, port   layer = ADDR|PORT
 *   2 app+addr   op, proto, addr         layer = ADDR
 *   3 app+port   op, proto, port         layer = PORT
 *   4 app+op     op, proto               layer = 0
 *   5 app        op = ANY, proto = ANY   layer = 0
 * At each layer the caller's uid is tried first, then uid SG_UID_ANY.
 * Example: "curl (dev 0x800001, ino 1234) run by uid 1000 may connect over TCP to
 * 2001:db8::1 port 443" is {ino 1234, dev 0x800001, uid 1000, op CONNECT, proto TCP,
 * layer ADDR|PORT, port 443, addr 2001:db8::1}.
 * Addresses are IPv6; IPv4 is stored v4-mapped (::ffff:a.b.c.d) so one entry covers
 * both spellings. addr is the peer for connect/send/accept and the local address for
 * bind/listen; port is the peer port for connect/send and the local port for
 * bind/listen/accept. socket() has neither.
 */
struct sg_verdict_key {
	__u64 exe_ino;  /* inode of the executable (after symlinks) */
	__u32 exe_dev;  /* kernel dev_t of its filesystem: major << 20 | minor */
	__u32 uid;
	__u8 op;        /* enum sg_op */
	__u8 proto;     /* enum sg_proto */
	__u8 layer;     /* SG_LAYER_* */
	__u8 _pad0;
	__u16 port;     /* host byte order */
	__u16 _pad1;
	__u8 addr[16];  /* network byte order */
};

struct sg_verdict_value {
	__u32 verdict;    /* enum sg_verdict */
	__u32 tag;        /* opaque to the kernel (the daemon's rule id); echoed in events */
	__u64 expires_ns; /* CLOCK_BOOTTIME ns from which the entry is ignored; 0: no deadline */
	__u32 exe_gen;    /* identity entries: the file's i_generation (0: any), so a file that got a
			   * deleted one's inode number does not inherit its verdict */
	__u32 _pad;
};

/*
 * Flow verdict and pending-flow key: one socket (for accept, the listener) and one peer.
 * Flow verdicts are looked up before sg_verdicts, so "this connection only" answers
 * need no identity entry. Example: the held connect of socket cookie 4711 to
 * 203.0.113.7:443/tcp is {cookie 4711, addr ::ffff:203.0.113.7, port 443, proto TCP}.
 */
struct sg_flow_key {
	__u64 cookie;  /* socket cookie */
	__u8 addr[16]; /* peer, network byte order, IPv4 v4-mapped */
	__u16 port;    /* peer port, host order */
	__u8 proto;    /* enum sg_proto */
	__u8 _pad0;
	__u32 _pad1;
};

/*
 * A held flow, enough to ask the question again from the map alone (a restarted daemon
 * rebuilds its pending questions from sg_pending). Plain hash, never LRU: an evicted
 * entry would let the flow's packets pass.
 */
struct sg_pending {
	__u64 exe_ino;
	__u64 cgroup_id;
	__u64 ktime;        /* CLOCK_MONOTONIC ns when it was held */
	__u64 netns_cookie;
	__u32 exe_dev;
	__u32 uid;
	__u32 gid;
	__u32 tgid;
	__u32 pid;
	__u32 ppid;
	__u32 flags;        /* SG_EF_* of the call */
	__u8 op;            /* enum sg_op */
	__u8 hook;          /* enum sg_hook */
	__u8 family;        /* AF_INET / AF_INET6 of the socket */
	__u8 _pad0;
	__u8 local_addr[16];
	__u16 local_port;   /* host order */
	__u16 _pad1;
	__u32 exe_gen;      /* i_generation of the executable */
	char comm[SG_COMM_LEN];
	/* The calling program run, as in event records (SG_A_START_TIME, SG_A_EXEC_ID), so a
	 * flow known only from here is told from a later program in the same process. 0 for an
	 * inbound flow (no calling process) and in entries an older shim made. */
	__u64 start_time;   /* group leader's start_boottime, ns */
	__u64 exec_id;      /* group leader's self_exec_id */
};

/* Held flows counted against one uid (outbound) or one listener (inbound); socks counts a
 * uid's sockets with an sg_pending_socks entry, so no uid can fill that map for everyone. */
struct sg_budget {
	__u32 count;
	__u32 socks;
};

/* Per socket with held flows: what sg_hold_match reads (it has the cookie, not the socket). */
struct sg_sock_pending {
	__u32 count; /* held flows of this socket now; entries live until sock_release */
	__u32 uid;   /* whose sg_budget.socks this entry is counted in */
};

/* 5-tuple of a queued packet, so user space maps it back to its socket cookie. */
struct sg_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport; /* host order */
	__u16 dport;
	__u8 proto;  /* enum sg_proto */
	__u8 _pad0;
	__u16 _pad1;
};

/* Argument of the sg_release_pending syscall program (BPF_PROG_RUN). With set_flow the
 * answer goes into sg_flows first, in the same call (one syscall per allowed flow instead
 * of two); the program returns 1, releasing nothing, when sg_flows refused it. */
struct sg_release_args {
	struct sg_flow_key key;
	__u32 released; /* out: 1 when this call removed the entry (and gave back its budget) */
	__u32 set_flow; /* in: 1: write `flow` to sg_flows under `key` before releasing */
	struct sg_verdict_value flow;
};

/* Config map, single entry. */
struct sg_config {
	__u8 unknown_policy[8];       /* enum sg_policy, indexed by enum sg_op */
	__u8 untagged_listener_policy; /* enum sg_policy for SYNs to listeners marked as older than the shim */
	__u8 report_allows;           /* 1: every allowed call also produces an event */
	__u8 scope_enabled;           /* 1: only governed processes (sg_scope_*) meet the unknown policy */
	__u8 _pad;
	__u32 pending_per_uid;        /* held outbound flows per uid; 0 refuses every hold */
	__u32 pending_per_listener;   /* held inbound peers per listener; 0 refuses every hold */
	__u32 socks_per_uid;          /* sockets with held flows per uid (sg_pending_socks entries) */
	__u32 host_mnt_ns;            /* inode number of the host's mount namespace: paths built in others are flagged */
	__u32 _pad2;
};

/* Counters map (per-CPU array, one entry). */
struct sg_counters {
	__u64 c[SG_HOOK_COUNT][SG_CNT_COUNT];
};

/* --------------------------------------------------------------- event record --- */

/*
 * An event record is one message: a header then netlink-style attributes
 * (struct sg_nla, 4-byte aligned), so a decoder skips attribute types it does not
 * know. The BPF side fills the fixed struct sg_event below, which is itself a valid
 * attribute stream: hdr.len is the logical length (the exe path attribute is last and
 * variable). u64 values are little-endian in two 4-byte halves so nothing needs 8-byte
 * alignment.
 */
#define SG_MSG_EVENT 1
#define SG_MSG_DNS 2 /* a DNS answer a governed socket received (struct sg_dns_event) */
#define SG_PATH_MAX 256
#define SG_ARGV_MAX 128 /* exec-time argv kept per process, NUL-separated */
#define SG_NLA_HDRLEN 4
#define SG_NLA_ALIGN(len) (((len) + 3) & ~3)

enum sg_attr {
	SG_A_UNSPEC = 0,
	SG_A_OP = 1,          /* u32 enum sg_op */
	SG_A_PROTO = 2,       /* u32 enum sg_proto */
	SG_A_FAMILY = 3,      /* u32 AF_INET / AF_INET6 of the socket */
	SG_A_HOOK = 4,        /* u32 enum sg_hook */
	SG_A_VERDICT = 5,     /* u32 enum sg_verdict: what the kernel did */
	SG_A_REASON = 6,      /* u32 enum sg_reason */
	SG_A_TAG = 7,         /* u32 tag of the verdict entry that matched, 0 if none */
	SG_A_PID = 8,         /* u32 thread id */
	SG_A_TGID = 9,        /* u32 process id */
	SG_A_PPID = 10,       /* u32 parent's process id */
	SG_A_UID = 11,        /* u32 */
	SG_A_GID = 12,        /* u32 */
	SG_A_CGROUP_ID = 13,  /* u64 cgroup v2 id */
	SG_A_EXE_INO = 14,    /* u64 */
	SG_A_EXE_DEV = 15,    /* u64 kernel dev_t */
	SG_A_COOKIE = 16,     /* u64 socket cookie */
	SG_A_KTIME = 17,      /* u64 CLOCK_MONOTONIC ns at the call */
	SG_A_LOCAL_ADDR = 18, /* 16 bytes, IPv6 or v4-mapped */
	SG_A_LOCAL_PORT = 19, /* u32, host order */
	SG_A_REMOTE_ADDR = 20,/* 16 bytes, IPv6 or v4-mapped */
	SG_A_REMOTE_PORT = 21,/* u32, host order */
	SG_A_COMM = 22,       /* 16 bytes, NUL padded */
	SG_A_EXE_PATH = 23,   /* NUL-terminated string, length varies */
	SG_A_FLAGS = 24,      /* u32 SG_EF_* */
	SG_A_EXE_GEN = 25,    /* u32 i_generation of the executable */
	SG_A_ARGV_LEN = 26,   /* u32 bytes of SG_A_ARGV in use */
	SG_A_ARGV = 27,       /* exec-time argv, NUL-separated, SG_ARGV_MAX bytes (zero filled) */
	SG_A_START_TIME = 28, /* u64 CLOCK_BOOTTIME ns when the calling process started (its
			       * group leader's start_boottime; /proc/PID/stat field 22 is this
			       * in 1/100 s). 0: no calling process (accept, ingress). Optional:
			       * a shim older than this attribute does not write it. */
	SG_A_EXEC_ID = 29,    /* u64 the calling process's exec count (its group leader's
			       * self_exec_id): with SG_A_START_TIME it names one program run of
			       * one process, as an exec keeps the pid and the start. 0 as above.
			       * Optional, as SG_A_START_TIME. */
	SG_A_MAX = 29,
};

#define SG_EF_PATH_TRUNCATED 0x1 /* the exe path did not fit in SG_PATH_MAX */
#define SG_EF_NO_EXE 0x2         /* kernel thread or no mm: no executable identity */
#define SG_EF_NOT_DENIABLE 0x4   /* listen(): the call itself proceeds; a deny drops its inbound SYNs */
#define SG_EF_DELETED 0x8        /* the executable was unlinked when it was executed */
#define SG_EF_FOREIGN_MNTNS 0x10 /* executed in another mount namespace than the host's: its path says little */
#define SG_EF_MEMFD 0x20         /* executed from a memfd: the path is memfd:NAME */
#define SG_EF_EXE_CHANGED 0x40   /* mm->exe_file is no longer the file executed (prctl PR_SET_MM): ignored */
#define SG_EF_UNRECORDED 0x80    /* no exec-time record: the identity was read from mm->exe_file at the call */
#define SG_EF_ARGV_TRUNCATED 0x100 /* argv did not fit in SG_ARGV_MAX */

struct sg_msg_hdr {
	__u32 len;     /* bytes of header plus attributes */
	__u16 version; /* SG_ABI_VERSION */
	__u16 type;    /* SG_MSG_* */
};

struct sg_nla {
	__u16 nla_len;  /* header plus payload, without trailing alignment */
	__u16 nla_type; /* enum sg_attr */
};

struct sg_attr_u32 {
	struct sg_nla h;
	__u32 v;
};

struct sg_attr_u64 {
	struct sg_nla h;
	__u32 lo;
	__u32 hi;
};

struct sg_attr_addr {
	struct sg_nla h;
	__u8 v[16];
};

struct sg_attr_comm {
	struct sg_nla h;
	char v[SG_COMM_LEN];
};

struct sg_attr_path {
	struct sg_nla h;
	char v[SG_PATH_MAX];
};

struct sg_attr_argv {
	struct sg_nla h;
	char v[SG_ARGV_MAX];
};

struct sg_event {
	struct sg_msg_hdr hdr;
	struct sg_attr_u32 op, proto, family, hook, verdict, reason, tag;
	struct sg_attr_u32 pid, tgid, ppid, uid, gid, flags;
	struct sg_attr_u64 cgroup_id, exe_ino, exe_dev, cookie, ktime;
	struct sg_attr_addr local_addr, remote_addr;
	struct sg_attr_u32 local_port, remote_port, exe_gen, argv_len;
	struct sg_attr_u64 start_time, exec_id;
	struct sg_attr_comm comm;
	struct sg_attr_argv argv;     /* fixed size: argv_len says how much is used */
	struct sg_attr_path exe_path; /* last: its nla_len varies */
};

/* Governed scope (sg_scope_cgroups values): the deepest cgroup of the caller listed decides;
 * with none listed, its uid (sg_scope_uids) does. */
/* sg_hold_netns value bits. 0: chains and a queue reader are installed (holds happen there,
 * and DNS answers there are believed). SG_NETNS_DNS_ONLY: DNS answers there are believed, but
 * nothing is held (no reader): the daemon's own namespace when it holds elsewhere or not at all. */
#define SG_NETNS_DNS_ONLY 1

#define SG_SCOPE_GOVERNED 1
#define SG_SCOPE_EXEMPT 2

/* Per-application count of calls the kernel answered from a verdict entry (no event each). */
struct sg_app_key {
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 uid;
	__u8 op;      /* enum sg_op */
	__u8 proto;   /* enum sg_proto */
	__u8 verdict; /* enum sg_verdict: allow or deny */
	__u8 _pad[5];
};

/* Owner of a socket as the socket iterators found it: the process holding it, found in
 * run `gen` (a socket's address may be reused after it is freed: other runs' entries are
 * ignored). */
struct sg_sock_ident {
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 uid;
	__u32 gen;
	__u32 exe_gen;
};

/* ------------------------------------------------------------------ DNS record --- */

/*
 * A DNS message received by a socket that sent to port 53 (UDP datagram or TCP segment
 * payload, from the transport payload on, cut at SG_DNS_MAX), with the sending process's
 * identity, so user space learns the names an application resolved. Same framing as the
 * event record: header, then nlattr attributes of enum sg_dns_attr, payload last.
 */
#define SG_DNS_MAX 1536

enum sg_dns_attr {
	SG_D_UNSPEC = 0,
	SG_D_PROTO = 1,       /* u32 enum sg_proto: UDP or TCP */
	SG_D_FAMILY = 2,      /* u32 AF_INET / AF_INET6 */
	SG_D_UID = 3,         /* u32 of the process that sent the query */
	SG_D_TGID = 4,        /* u32 */
	SG_D_TCP_SEQ = 5,     /* u32 sequence number of the segment's first byte (TCP), else 0 */
	SG_D_COOKIE = 6,      /* u64 socket cookie */
	SG_D_EXE_INO = 7,     /* u64 */
	SG_D_EXE_DEV = 8,     /* u64 kernel dev_t */
	SG_D_KTIME = 9,       /* u64 CLOCK_MONOTONIC ns at reception */
	SG_D_LOCAL_ADDR = 10, /* 16 bytes, IPv6 or v4-mapped */
	SG_D_REMOTE_ADDR = 11,/* 16 bytes: the server that answered */
	SG_D_LOCAL_PORT = 12, /* u32 */
	SG_D_REMOTE_PORT = 13,/* u32: 53 */
	SG_D_PAYLOAD = 14,    /* the DNS bytes, nla_len = 4 + length */
	SG_D_EXE_GEN = 15,    /* u32 i_generation of the executable */
	SG_D_ARGV_LEN = 16,   /* u32 bytes of SG_D_ARGV in use */
	SG_D_ARGV = 17,       /* exec-time argv, NUL-separated, SG_ARGV_MAX bytes (zero filled) */
	SG_D_MAX = 17,
};

struct sg_attr_dns {
	struct sg_nla h;
	__u8 v[SG_DNS_MAX];
};

struct sg_dns_event {
	struct sg_msg_hdr hdr;
	struct sg_attr_u32 proto, family, uid, tgid, tcp_seq;
	struct sg_attr_u64 cookie, exe_ino, exe_dev, ktime;
	struct sg_attr_addr local_addr, remote_addr;
	struct sg_attr_u32 local_port, remote_port, exe_gen, argv_len;
	struct sg_attr_argv argv;   /* the querying process's, as in events */
	struct sg_attr_dns payload; /* last: its nla_len varies */
};

/* The identity of a process, recorded when it executed its program (task storage of the
 * thread-group leader, copied to children at fork), so a process cannot choose it later. */
struct sg_task_ident {
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 exe_gen;  /* i_generation: a reused inode number is another file */
	__u32 flags;    /* SG_EF_* */
	__u16 path_len; /* strlen(path) */
	__u16 argv_len; /* bytes of argv used, NULs included */
	char path[SG_PATH_MAX];
	char argv[SG_ARGV_MAX];
};

/*
 * The processes a process descends from, nearest first, recorded at each fork after the
 * shim was loaded (task storage; every thread holds its process's copy, so an exec from a
 * thread that is not the leader keeps it). /proc shows only the live parent: a grandchild
 * whose parent exited is re-parented to init. The daemon refuses a prompt's answer from a
 * descendant of the asking process with it.
 */
#define SG_LINEAGE_MAX 16
#define SG_LINEAGE_BLOOM_BITS 256
struct sg_lineage {
	/* (tgid << 32) | low 32 bits of its start time in USER_HZ ticks (/proc/PID/stat field
	 * 22): the pid alone may be someone else's by now */
	__u64 ancestors[SG_LINEAGE_MAX];
	/* the ancestors older than those: a Bloom filter (bits sg_lineage_bit(id, 0..2)), so
	 * a long chain of forks cannot shed one; a false "yes" refuses an answer, never allows */
	__u64 earlier[SG_LINEAGE_BLOOM_BITS / 64];
	__u32 depth; /* forks recorded on the way */
	__u32 _pad0;
};

/* Bit k (0..2) of an ancestor id in sg_lineage.earlier: murmur3's 64-bit finaliser, a byte
 * each. The TypeScript mirror (lineage-layout.ts) is checked against this. */
static inline __u32 sg_lineage_bit(__u64 id, __u32 k)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	id *= 0xc4ceb9fe1a85ec53ULL;
	id ^= id >> 33;
	return (__u32)(id >> (8 * k)) & (SG_LINEAGE_BLOOM_BITS - 1);
}

/* Per-executable path cache, keyed by (ino, dev, generation). */
struct sg_exe_key {
	__u64 ino;
	__u32 dev;
	__u32 gen; /* i_generation; 0 in sg_end_idents keys */
};

struct sg_exe_path {
	__u32 len;   /* strlen(path) */
	__u32 flags; /* SG_EF_* */
	char path[SG_PATH_MAX];
};

/* Identity of a socket's owner, stored with a listener at listen() for the accept side
 * (accepted sockets inherit it) and with a socket that holds a flow. */
struct sg_sock_owner {
	struct sg_task_ident exe; /* the owning process's exec-time identity, path and argv */
	__u32 uid;
	__u32 gid;
	__u32 tgid;
	__u32 pid;
	__u32 ppid;
	__u32 _pad0;
	__u64 cgroup_id;
	char comm[SG_COMM_LEN];
	__u32 flags;         /* SG_OWNER_* */
	__u32 tag;           /* tag of the listen verdict that matched */
	__u32 listen_reason; /* enum sg_reason of that verdict, reported with each dropped SYN */
	__u16 listen_port;   /* the bound local port at listen(), host order */
	__u16 _pad;
	__u64 listener_cookie; /* set at listen(); accepted sockets inherit it (BPF_F_CLONE) */
	__u8 listen_addr[16];  /* the bound local address at listen() (:: or ::ffff:0.0.0.0 for any) */
};

/* A bind() or listen() sockgate run decided and its supervisor performs on its own copy of
 * the checked socket (so a descriptor or sockaddr swapped after the check is not what the
 * kernel binds or listens on): the daemon names, on the socket, the thread whose call it
 * was, and the hook decides and reports the call as that thread's, not the supervisor's.
 * Used once, by the call of that operation. */
struct sg_delegation {
	__u32 tid;  /* the calling thread, in the initial pid namespace */
	__u32 tgid; /* its process: a reused tid of another process is refused */
	__u32 op;   /* SG_OP_BIND or SG_OP_LISTEN */
};

#define SG_OWNER_LISTEN_DENIED 0x1 /* listen() was denied: every SYN to this listener is dropped */
#define SG_OWNER_LISTENER 0x2      /* listen() ran on this socket (or, cloned, on its listener) */
#define SG_OWNER_PREEXISTING 0x4   /* marked at load: the listener is older than the shim, no identity */
#define SG_OWNER_BOUND 0x8         /* retired: explicit binds are read from sk_userlocks */
#define SG_OWNER_HELD 0x10         /* it held a flow (or, a listener, a peer): its flow verdicts are looked up */
#define SG_OWNER_DNS 0x20          /* it sent to port 53: the answers it receives are reported (SG_MSG_DNS) */

#ifdef __cplusplus
#define SG_ASSERT_SIZE(t, n) static_assert(sizeof(struct t) == (n), #t " size changed: update its TypeScript mirror")
#else
#define SG_ASSERT_SIZE(t, n) _Static_assert(sizeof(struct t) == (n), #t " size changed: update its TypeScript mirror")
#endif
SG_ASSERT_SIZE(sg_verdict_key, 40);
SG_ASSERT_SIZE(sg_verdict_value, 24);
SG_ASSERT_SIZE(sg_flow_key, 32);
SG_ASSERT_SIZE(sg_pending, 120);
SG_ASSERT_SIZE(sg_lineage, 168);
SG_ASSERT_SIZE(sg_budget, 8);
SG_ASSERT_SIZE(sg_sock_pending, 8);
SG_ASSERT_SIZE(sg_tuple, 40);
SG_ASSERT_SIZE(sg_release_args, 64);
SG_ASSERT_SIZE(sg_config, 32);
SG_ASSERT_SIZE(sg_counters, 8 * SG_HOOK_COUNT * SG_CNT_COUNT);
SG_ASSERT_SIZE(sg_msg_hdr, 8);
SG_ASSERT_SIZE(sg_attr_u32, 8);
SG_ASSERT_SIZE(sg_attr_u64, 12);
SG_ASSERT_SIZE(sg_attr_addr, 20);
SG_ASSERT_SIZE(sg_attr_comm, 20);
SG_ASSERT_SIZE(sg_attr_path, 4 + SG_PATH_MAX);
SG_ASSERT_SIZE(sg_attr_argv, 4 + SG_ARGV_MAX);
SG_ASSERT_SIZE(sg_event, 8 + 13 * 8 + 7 * 12 + 2 * 20 + 4 * 8 + 20 + 4 + SG_ARGV_MAX + 4 + SG_PATH_MAX);
SG_ASSERT_SIZE(sg_attr_dns, 4 + SG_DNS_MAX);
SG_ASSERT_SIZE(sg_dns_event, 8 + 5 * 8 + 4 * 12 + 2 * 20 + 4 * 8 + 4 + SG_ARGV_MAX + 4 + SG_DNS_MAX);
SG_ASSERT_SIZE(sg_exe_key, 16);
SG_ASSERT_SIZE(sg_sock_ident, 24);
SG_ASSERT_SIZE(sg_delegation, 12);
SG_ASSERT_SIZE(sg_app_key, 24);
SG_ASSERT_SIZE(sg_exe_path, 8 + SG_PATH_MAX);
SG_ASSERT_SIZE(sg_task_ident, 24 + SG_PATH_MAX + SG_ARGV_MAX);
SG_ASSERT_SIZE(sg_sock_owner, 24 + SG_PATH_MAX + SG_ARGV_MAX + 88);

#endif /* SOCKGATE_ABI_H */
