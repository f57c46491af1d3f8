/*
 * Who is calling. The executable is the one the kernel executed: exec.bpf.c records it (inode,
 * device, generation, path, argv) in the task storage of the thread-group leader when the
 * program is executed, and every hook reads that record, so a process cannot take another
 * program's identity later (prctl PR_SET_MM_MAP with another exe_fd changes mm->exe_file, not
 * the record). Kernels whose cgroup programs cannot read task storage (before 6.16) fall back
 * to mm->exe_file at the call (sg_exec_ids = 0, set by the loader).
 */
#pragma once

#define SG_PATH_WALK_MAX 64 /* dentries + mount crossings walked per path */

/* Set by the loader before load; the verifier drops the branch not taken, so the task
 * storage helper is never seen by a kernel that lacks it in cgroup programs. */
const volatile __u8 sg_exec_ids = 1;

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct sg_ident {
	__u64 exe_ino;
	__u64 cgroup_id;
	__u32 exe_dev;
	__u32 exe_gen;
	__u32 uid;
	__u32 gid;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 flags; /* SG_EF_* */
	char comm[SG_COMM_LEN];
};

/* The exec-time record of a task's process; NULL for kernel threads and tasks that have none. */
static __always_inline struct sg_task_ident *sg_task_record(struct task_struct *t)
{
	return bpf_task_storage_get(&sg_task_ids, t->group_leader, NULL, 0);
}

/* Hot path: only what the verdict key needs (exe inode, uid). Plain BTF loads. */
static __always_inline void sg_task_key_ident(struct task_struct *t, struct sg_ident *id)
{
	struct mm_struct *mm = t->mm;
	struct file *exe;

	id->uid = t->cred->uid.val;
	if (sg_exec_ids) {
		struct sg_task_ident *rec = sg_task_record(t);

		if (rec) {
			id->exe_ino = rec->exe_ino;
			id->exe_dev = rec->exe_dev;
			id->exe_gen = rec->exe_gen;
			id->flags |= rec->flags & SG_EF_NO_EXE;
		} else {
			/* no record (its allocation failed): no identity rather than a settable one */
			id->flags |= mm ? SG_EF_UNRECORDED | SG_EF_NO_EXE : SG_EF_NO_EXE;
		}
		return;
	}
	exe = mm ? mm->exe_file : NULL;
	if (exe) {
		/* the dentry's inode, as stat() reports it (on overlayfs f_inode is the lower one) */
		struct inode *ino = exe->f_path.dentry->d_inode;

		id->exe_ino = ino->i_ino;
		id->exe_dev = ino->i_sb->s_dev;
		id->exe_gen = ino->i_generation;
		id->flags |= SG_EF_UNRECORDED;
	} else {
		id->flags |= SG_EF_NO_EXE;
	}
}

static __always_inline void sg_current_key_ident(struct sg_ident *id)
{
	sg_task_key_ident(bpf_get_current_task_btf(), id);
}

/* The rest of the identity, read only when an event is reported or a listener tagged. */
static __always_inline void sg_task_rest_fields(struct task_struct *t, struct sg_ident *id)
{
	id->pid = t->pid;
	id->tgid = t->tgid;
	id->ppid = t->real_parent->tgid;
	id->gid = t->cred->gid.val;
	id->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
}

/* What makes this pid this process running this program: user space keys what it reads
 * from /proc by them (event records and held flows carry them). */
static __always_inline void sg_program_run_of(struct task_struct *t, __u64 *start, __u64 *exec_id)
{
	*start = BPF_CORE_READ(t, group_leader, start_boottime);
	*exec_id = BPF_CORE_READ(t, group_leader, self_exec_id);
}

static __always_inline void sg_current_rest_ident(struct sg_ident *id)
{
	sg_task_rest_fields(bpf_get_current_task_btf(), id);
	bpf_get_current_comm(id->comm, sizeof(id->comm));
}

/* The same for a task that is not the caller (id->comm must start zeroed). */
static __always_inline void sg_task_rest_ident(struct task_struct *t, struct sg_ident *id)
{
	sg_task_rest_fields(t, id);
	bpf_probe_read_kernel_str(id->comm, sizeof(id->comm), t->comm);
}

struct sg_path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	__u32 pos; /* path occupies buf[pos, SG_PATH_MAX - 1) */
	__u32 flags;
};

static long sg_path_step(__u32 i, void *arg)
{
	struct sg_path_walk *w = arg;
	__u32 zero = 0;
	struct sg_scratch *s = bpf_map_lookup_elem(&sg_scratch, &zero);
	struct dentry *d = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *parent, *mnt_root;
	const unsigned char *name;
	__u32 len;

	if (!s || !d)
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (d == mnt_root || d == parent) {
		struct mount *m = w->mnt;
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);

		if (d != mnt_root || m == mp)
			return 1; /* reached the root of the mount tree */
		w->dentry = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = mp;
		w->vfsmnt = (void *)mp + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len + 1 > w->pos) {
		w->flags |= SG_EF_PATH_TRUNCATED;
		return 1;
	}
	w->pos -= len;
	bpf_probe_read_kernel(&s->buf[w->pos & (SG_PATH_MAX - 1)], len & (SG_PATH_MAX - 1), name);
	w->pos -= 1;
	s->buf[w->pos & (SG_PATH_MAX - 1)] = '/';
	w->dentry = parent;
	return 0;
}

/*
 * Writes the path of `exe` (NUL-terminated, SG_PATH_MAX bytes at most) to dst and returns its
 * length; adds SG_EF_* flags to *flags. A file with no place in any mount tree (a memfd) is
 * named by its dentry ("memfd:NAME") and flagged, never "/". A path built in another mount
 * namespace than the host's is flagged: there it can name any file.
 */
static __always_inline __u32 sg_path_of_file(struct task_struct *t, struct file *exe, char *dst, __u32 *flags)
{
	struct sg_config *cfg = sg_config_get();
	struct sg_path_walk w = {};
	struct vfsmount *vfsmnt;
	struct sg_scratch *s;
	struct dentry *d;
	__u32 zero = 0, size, mnt_ns;

	s = bpf_map_lookup_elem(&sg_scratch, &zero);
	if (!s)
		return 0;
	d = BPF_CORE_READ(exe, f_path.dentry);
	vfsmnt = BPF_CORE_READ(exe, f_path.mnt);
	w.dentry = d;
	w.vfsmnt = vfsmnt;
	w.mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	mnt_ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	if (cfg && cfg->host_mnt_ns && mnt_ns != cfg->host_mnt_ns)
		*flags |= SG_EF_FOREIGN_MNTNS;
	if (d == BPF_CORE_READ(d, d_parent) && d != BPF_CORE_READ(vfsmnt, mnt_root)) {
		/* a pseudo file (memfd_create): its dentry name is all there is */
		long n = bpf_probe_read_kernel_str(dst, SG_PATH_MAX, BPF_CORE_READ(d, d_name.name));

		*flags |= SG_EF_MEMFD; /* its inode has no links either: it is not "deleted" */
		return n > 0 ? (__u32)n - 1 : 0;
	}
	if (BPF_CORE_READ(d, d_inode, __i_nlink) == 0)
		*flags |= SG_EF_DELETED;
	w.pos = SG_PATH_MAX - 1;
	if (bpf_loop(SG_PATH_WALK_MAX, sg_path_step, &w, 0) >= SG_PATH_WALK_MAX)
		w.flags |= SG_EF_PATH_TRUNCATED;
	if (w.pos == SG_PATH_MAX - 1) {
		w.pos -= 1;
		s->buf[w.pos & (SG_PATH_MAX - 1)] = '/';
	}
	s->buf[SG_PATH_MAX - 1] = 0;
	size = SG_PATH_MAX - (w.pos & (SG_PATH_MAX - 1)); /* includes the NUL */
	if (size > SG_PATH_MAX)
		size = SG_PATH_MAX;
	bpf_probe_read_kernel(dst, size, &s->buf[w.pos & (SG_PATH_MAX - 1)]);
	*flags |= w.flags;
	return size - 1;
}

/* Fills a record from the file a task runs now and its argv (read with `read_argv`, which
 * must be able to read that task's memory). */
#define SG_RECORD_FROM_TASK(rec, t, exe, read_argv)                                             \
	do {                                                                                    \
		struct inode *__ino = BPF_CORE_READ(exe, f_path.dentry, d_inode);               \
		struct mm_struct *__mm = BPF_CORE_READ(t, mm);                                  \
		__u64 __as = BPF_CORE_READ(__mm, arg_start), __ae = BPF_CORE_READ(__mm, arg_end); \
		__u32 __flags = 0, __n = __ae > __as ? (__u32)(__ae - __as) : 0;                \
		(rec)->exe_ino = BPF_CORE_READ(__ino, i_ino);                                   \
		(rec)->exe_dev = BPF_CORE_READ(__ino, i_sb, s_dev);                             \
		(rec)->exe_gen = BPF_CORE_READ(__ino, i_generation);                            \
		(rec)->path_len = sg_path_of_file(t, exe, (rec)->path, &__flags);               \
		if (__n > SG_ARGV_MAX) {                                                        \
			__n = SG_ARGV_MAX;                                                      \
			__flags |= SG_EF_ARGV_TRUNCATED;                                        \
		}                                                                               \
		__builtin_memset((rec)->argv, 0, SG_ARGV_MAX);                                  \
		barrier_var(__n); /* the check below must be on the register the read uses */   \
		if (__n && __n <= SG_ARGV_MAX && read_argv((rec)->argv, __n, (void *)__as, t))  \
			__n = 0;                                                                \
		(rec)->argv_len = __n;                                                          \
		(rec)->flags = __flags;                                                         \
	} while (0)

/* Call-time identities only (no exec-time records): leaves the path of the current
 * executable in sg_scratch.out for the event, built once per (inode, device, generation)
 * and cached; never cached when built in another mount namespace, where it says nothing
 * about the file other processes would run. */
static __always_inline void sg_current_path_to_scratch(const struct sg_ident *id)
{
	struct sg_exe_key key = { .ino = id->exe_ino, .dev = id->exe_dev, .gen = id->exe_gen };
	struct task_struct *t = bpf_get_current_task_btf();
	struct sg_exe_path *cached;
	struct sg_scratch *s;
	struct file *exe;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&sg_scratch, &zero);
	if (!s)
		return;
	s->out.len = 0;
	s->out.flags = 0;
	s->out.path[0] = 0;
	if (id->flags & SG_EF_NO_EXE)
		return;
	cached = bpf_map_lookup_elem(&sg_exe_paths, &key);
	if (cached) {
		bpf_probe_read_kernel(&s->out, sizeof(s->out), cached);
		return;
	}
	exe = BPF_CORE_READ(t, mm, exe_file);
	if (!exe)
		return;
	s->out.len = sg_path_of_file(t, exe, s->out.path, &s->out.flags);
	if (!(s->out.flags & (SG_EF_FOREIGN_MNTNS | SG_EF_MEMFD)))
		bpf_map_update_elem(&sg_exe_paths, &key, &s->out, BPF_ANY);
}
