/*
 * Ancestry records (struct sg_lineage): made at fork, never changed afterwards, so a
 * process cannot shed where it came from by letting its parent exit. They decide nothing
 * in the kernel; the daemon reads them (by pidfd) to tell a prompt's asker's descendants.
 */

#define SG_NSEC_PER_USER_HZ_TICK 10000000ULL /* /proc/PID/stat counts start times in 1/100 s */

/* The process t belongs to, as /proc names it: tgid and start time in ticks. */
static __always_inline __u64 sg_lineage_id(struct task_struct *t)
{
	__u64 start = BPF_CORE_READ(t, group_leader, start_boottime);

	return ((__u64)BPF_CORE_READ(t, tgid) << 32) | (__u32)(start / SG_NSEC_PER_USER_HZ_TICK);
}

/* child's record from parent's (the forking thread's copy of its process's record). */
static __always_inline void sg_lineage_fork(struct task_struct *parent, struct task_struct *child)
{
	struct sg_lineage *from = bpf_task_storage_get(&sg_lineages, parent, NULL, 0);
	struct sg_lineage *to = bpf_task_storage_get(&sg_lineages, child, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!to) {
		sg_count(SG_HOOK_EXEC, SG_CNT_LOST);
		return;
	}
	if (child->pid != child->tgid) { /* a thread: its process's ancestry */
		if (from)
			__builtin_memcpy(to, from, sizeof(*to));
		return;
	}
	to->ancestors[0] = sg_lineage_id(parent);
	to->depth = 1;
	if (!from)
		return; /* the parent is older than the shim: its own ancestry is not known */
	for (int i = 1; i < SG_LINEAGE_MAX; i++)
		to->ancestors[i] = from->ancestors[i - 1];
	for (int i = 0; i < SG_LINEAGE_BLOOM_BITS / 64; i++)
		to->earlier[i] = from->earlier[i];
	if (from->depth >= SG_LINEAGE_MAX) { /* the oldest named one moves to the filter */
		__u64 id = from->ancestors[SG_LINEAGE_MAX - 1];

		for (__u32 k = 0; k < 3; k++) {
			__u32 bit = sg_lineage_bit(id, k);

			to->earlier[(bit / 64) & (SG_LINEAGE_BLOOM_BITS / 64 - 1)] |= 1ULL << (bit % 64);
		}
	}
	to->depth = from->depth + 1;
}
