/*
 * Identity records (identity.bpf.h): made when a program is executed, copied to each new
 * process at fork (task storage is not inherited), and made at load for processes that
 * existed before. They decide nothing. Threads, io_uring workers included, read their
 * thread-group leader's record. Needs 5.11 (tp_btf, task storage; read by cgroup programs
 * from 6.16: older kernels load none of these).
 */

static __always_inline long sg_argv_of_current(void *dst, __u32 n, const void *src, struct task_struct *t)
{
	return bpf_probe_read_user(dst, n, src);
}

static __always_inline long sg_argv_of_task(void *dst, __u32 n, const void *src, struct task_struct *t)
{
	return bpf_copy_from_user_task(dst, n, (void *)src, t, 0);
}

/* exec: the process is now the file the kernel executed, with the argv it was given. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sg_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *leader = p->group_leader; /* p itself: exec made it the leader */
	struct file *exe = BPF_CORE_READ(p, mm, exe_file);
	struct sg_task_ident *rec;

	rec = bpf_task_storage_get(&sg_task_ids, leader, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!rec || !exe) {
		sg_count(SG_HOOK_EXEC, SG_CNT_LOST);
		return 0;
	}
	SG_RECORD_FROM_TASK(rec, p, exe, sg_argv_of_current);
	sg_count(SG_HOOK_EXEC, SG_CNT_RUNS);
	return 0;
}

/* fork: a new process runs what its parent ran until it executes something else, and
 * descends from it whatever becomes of the parent. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct sg_task_ident *from;

	sg_lineage_fork(parent, child);
	if (child->pid != child->tgid)
		return 0; /* a thread: it reads its leader's record */
	from = sg_task_record(parent);
	if (!from)
		return 0; /* a kernel thread's child has none until it executes */
	if (bpf_task_storage_get(&sg_task_ids, child, from, BPF_LOCAL_STORAGE_GET_F_CREATE))
		sg_count(SG_HOOK_EXEC, SG_CNT_RUNS);
	else
		sg_count(SG_HOOK_EXEC, SG_CNT_LOST);
	return 0;
}

/* At load, after exec and fork are attached: processes older than the shim get a record of
 * what they run now (the best there is: they may have changed it before). */
SEC("iter.s/task")
int sg_iter_seed_ids(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct sg_task_ident *rec;
	struct file *exe;

	if (!t || t->pid != t->tgid || !t->mm)
		return 0;
	if (bpf_task_storage_get(&sg_task_ids, t, NULL, 0))
		return 0; /* exec or fork recorded it already */
	exe = BPF_CORE_READ(t, mm, exe_file);
	if (!exe)
		return 0;
	rec = bpf_task_storage_get(&sg_task_ids, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!rec) {
		sg_count(SG_HOOK_EXEC, SG_CNT_LOST);
		return 0;
	}
	SG_RECORD_FROM_TASK(rec, t, exe, sg_argv_of_task);
	sg_count(SG_HOOK_EXEC, SG_CNT_RUNS);
	return 0;
}
