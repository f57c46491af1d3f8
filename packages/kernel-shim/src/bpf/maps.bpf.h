/* Maps shared by every hook. Layouts: ../../../protocol/abi/sockgate-abi.h */
#pragma once

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* user space may resize before load */
	__type(key, struct sg_verdict_key);
	__type(value, struct sg_verdict_value);
} sg_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
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

/* Who owns a listener: the accept side runs in softirq, where there is no caller. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_sock_owner);
} sg_sock_owners SEC(".maps");

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
