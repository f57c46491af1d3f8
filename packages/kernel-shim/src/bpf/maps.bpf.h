/* Maps shared by every hook. Layouts: ../../../protocol/abi/sockgate-abi.h */
#pragma once

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* user space may resize before load */
	__uint(map_flags, SG_VERDICTS_FLAGS);
	__type(key, struct sg_verdict_key);
	__type(value, struct sg_verdict_value);
} sg_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_CONFIG_MAX);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

static __always_inline struct sg_config *sg_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_config, &zero);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_COUNTERS_MAX);
	__type(key, __u32);
	__type(value, struct sg_counters);
} sg_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} sg_events SEC(".maps");

/* Exe paths are rebuilt from dentries once per executable, then served from here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sg_exe_key);
	__type(value, struct sg_exe_path);
} sg_exe_paths SEC(".maps");

/* The exec-time identity of each process (identity.bpf.h), on its thread-group leader.
 * Freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_task_ident);
} sg_task_ids SEC(".maps");

/* Each process's ancestry since the shim was loaded (exec.bpf.c), on every thread. Freed
 * with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_lineage);
} sg_lineages SEC(".maps");

/* Binds and listens sockgate run performs for a supervised thread (struct sg_delegation):
 * written by the daemon on its copy of the socket, taken by the socket's next call of that
 * operation. Dies with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_delegation);
} sg_delegations SEC(".maps");

/* Who owns a socket, from socket() on: the accept side runs in softirq, where there is no
 * caller. Cloned into accepted sockets so they know their listener. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, SG_SOCK_OWNER_VALUE);
} sg_sock_owners SEC(".maps");

/* "This connection only" answers: looked up before sg_verdicts. Written by user space only;
 * LRU because an evicted entry only makes the next call of that flow ask again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_FLOWS_MAX);
	__type(key, struct sg_flow_key);
	__type(value, struct sg_verdict_value);
} sg_flows SEC(".maps");

/* Held flows. A plain hash: an evicted entry would let its packets pass. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, SG_PENDING_FLAGS);
	__type(key, struct sg_flow_key);
	__type(value, struct sg_pending);
} sg_pending SEC(".maps");

/* Budgets of held flows: by uid for outbound, by listener cookie for inbound. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_PENDING_UIDS_MAX);
	__type(key, __u32);
	__type(value, struct sg_budget);
} sg_pending_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct sg_budget);
} sg_pending_listeners SEC(".maps");

/* Sockets with held flows, by cookie: what sg_hold_match queues on. Removed at sock_release
 * only, so a packet can never find its socket's entry gone while a flow is held. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_PENDING_SOCKS_MAX);
	__type(key, __u64);
	__type(value, struct sg_sock_pending);
} sg_pending_socks SEC(".maps");

/* Network namespaces (by cookie) where sockgate's chains and a queue reader are installed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} sg_hold_netns SEC(".maps");

/* 5-tuple -> socket cookie of packets sent to the queue, so user space finds their flow. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sg_tuple);
	__type(value, __u64);
} sg_queued SEC(".maps");

/* Targets of one sg_iter_end_* run: sockets whose grant ended (by cookie) and identities
 * whose allow entries were withdrawn. Filled and emptied by user space around the run. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} sg_end_cookies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sg_exe_key);
	__type(value, __u32); /* uid + 1, or 0 for every uid */
} sg_end_idents SEC(".maps");

/* Socket (its kernel address) -> the process holding it, written by sg_iter_sock_idents
 * just before the end iterators run (plain sockets carry no owner record of their own).
 * LRU, with the run's generation in each entry: older entries are ignored and age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct sg_sock_ident);
} sg_sock_idents SEC(".maps");

/* The generation of the current end run, set by user space (single entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sg_end_gen SEC(".maps");

static __always_inline __u32 sg_end_generation(void)
{
	__u32 zero = 0, *gen = bpf_map_lookup_elem(&sg_end_gen, &zero);

	return gen ? *gen : 0;
}

struct sg_scratch {
	char buf[2 * SG_PATH_MAX]; /* path built backwards in the first half; the second absorbs masked overruns */
	struct sg_exe_path out;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_scratch);
} sg_scratch SEC(".maps");

/* Governed scope: users, and cgroups governed or exempt whatever the uid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_SCOPE_UIDS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} sg_scope_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8); /* SG_SCOPE_* */
} sg_scope_cgroups SEC(".maps");

/* Calls the kernel answered from a verdict entry, per application: the activity user space
 * sees without an event per call. Per CPU (no atomics) and preallocated: when it is full a
 * new application goes uncounted (user space sees the map full), nothing else changes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sg_app_key);
	__type(value, __u64);
} sg_app_counts SEC(".maps");
