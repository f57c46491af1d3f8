/*
 * Who is calling: read from the current task at the call. The hot path reads only
 * inode numbers through BTF pointers (plain loads); the exe path is rebuilt from the
 * dentry/mount chain once per executable and cached in sg_exe_paths.
 */
#pragma once

#define SG_PATH_WALK_MAX 64 /* dentries + mount crossings walked per path */

struct sg_ident {
	__u64 exe_ino;
	__u64 cgroup_id;
	__u32 exe_dev;
	__u32 uid;
	__u32 gid;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 flags; /* SG_EF_* */
	__u32 _pad;
	char comm[SG_COMM_LEN];
};

/* Hot path: only what the verdict key needs (exe inode, uid). Plain BTF loads. */
static __always_inline void sg_current_key_ident(struct sg_ident *id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct mm_struct *mm = t->mm;
	struct file *exe = mm ? mm->exe_file : NULL;

	id->uid = t->cred->uid.val;
	if (exe) {
		/* the dentry's inode, as stat() reports it (on overlayfs f_inode is the lower one) */
		struct inode *ino = exe->f_path.dentry->d_inode;

		id->exe_ino = ino->i_ino;
		id->exe_dev = ino->i_sb->s_dev;
	} else {
		id->flags |= SG_EF_NO_EXE;
	}
}

/* The rest of the identity, read only when an event is reported or a listener tagged. */
static __always_inline void sg_current_rest_ident(struct sg_ident *id)
{
	struct task_struct *t = bpf_get_current_task_btf();

	id->pid = t->pid;
	id->tgid = t->tgid;
	id->ppid = t->real_parent->tgid;
	id->gid = t->cred->gid.val;
	id->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	bpf_get_current_comm(id->comm, sizeof(id->comm));
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

/* Returns the cached path of the current executable, building it on first sight. */
static __always_inline struct sg_exe_path *sg_exe_path_of_current(const struct sg_ident *id)
{
	struct sg_exe_key key = { .ino = id->exe_ino, .dev = id->exe_dev };
	struct sg_exe_path *cached;
	struct sg_path_walk w = {};
	struct task_struct *t;
	struct sg_scratch *s;
	struct file *exe;
	__u32 zero = 0, size;

	if (id->flags & SG_EF_NO_EXE)
		return NULL;
	cached = bpf_map_lookup_elem(&sg_exe_paths, &key);
	if (cached)
		return cached;
	s = bpf_map_lookup_elem(&sg_scratch, &zero);
	if (!s)
		return NULL;
	t = bpf_get_current_task_btf();
	exe = BPF_CORE_READ(t, mm, exe_file);
	if (!exe)
		return NULL;
	w.dentry = BPF_CORE_READ(exe, f_path.dentry);
	w.vfsmnt = BPF_CORE_READ(exe, f_path.mnt);
	w.mnt = (void *)w.vfsmnt - bpf_core_field_offset(struct mount, mnt);
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
	s->out.len = size - 1;
	s->out.flags = w.flags;
	bpf_probe_read_kernel(s->out.path, size, &s->buf[w.pos & (SG_PATH_MAX - 1)]);
	bpf_map_update_elem(&sg_exe_paths, &key, &s->out, BPF_ANY);
	return bpf_map_lookup_elem(&sg_exe_paths, &key);
}
