/*
 * Event records: struct sg_event is itself a valid nlattr stream, so the kernel writes
 * fixed offsets and user space decodes it as TLV. A full ring buffer is counted as
 * lost per hook, never silently dropped. Only records of held calls wake the reader.
 */
#pragma once

#define SG_PUT_U32(attr, type, val)                                                     \
	do {                                                                            \
		(attr).h.nla_len = sizeof(struct sg_attr_u32);                          \
		(attr).h.nla_type = (type);                                             \
		(attr).v = (val);                                                       \
	} while (0)

#define SG_PUT_U64(attr, type, val)                                                     \
	do {                                                                            \
		__u64 __v = (val);                                                      \
		(attr).h.nla_len = sizeof(struct sg_attr_u64);                          \
		(attr).h.nla_type = (type);                                             \
		(attr).lo = (__u32)__v;                                                 \
		(attr).hi = (__u32)(__v >> 32);                                         \
	} while (0)

#define SG_PUT_ADDR(attr, type, src)                                                    \
	do {                                                                            \
		(attr).h.nla_len = sizeof(struct sg_attr_addr);                         \
		(attr).h.nla_type = (type);                                             \
		__builtin_memcpy((attr).v, (src), 16);                                  \
	} while (0)

/* Not inlined: one copy serves every report path, which keeps each program small. Fills
 * in the rest of r->id (the request is not used after it is reported). `exe` is the
 * identity record when the caller is not the current task (the accept side, in softirq:
 * the listener's), else NULL. */
static __noinline void sg_emit_for(struct sg_req *r, __u32 verdict, __u32 reason, __u32 tag,
				   const struct sg_task_ident *exe)
{
	struct sg_ident *idp = &r->id;
	struct sg_exe_path *path = NULL;
	struct sg_event *ev;
	__u32 path_len = 0, argv_len = 0, flags = r->id.flags | r->flags;
	__u64 start = 0, exec_id = 0; /* no calling process: accept, ingress */

	if (!exe && r->hook != SG_HOOK_INGRESS) {
		struct task_struct *t = bpf_get_current_task_btf();

		sg_program_run_of(t, &start, &exec_id);

		sg_current_rest_ident(idp);
		if (sg_exec_ids) {
			exe = sg_task_record(t);
			/* prctl(PR_SET_MM_MAP) gave it another exe_file: the record still decides */
			if (exe && (BPF_CORE_READ(t, mm, exe_file, f_path.dentry, d_inode, i_ino) != exe->exe_ino))
				flags |= SG_EF_EXE_CHANGED;
		} else if (!(idp->flags & SG_EF_NO_EXE)) {
			__u32 zero = 0;
			struct sg_scratch *s = bpf_map_lookup_elem(&sg_scratch, &zero);

			path = s ? &s->out : NULL; /* sg_emit put it there */
		}
	}

	ev = bpf_ringbuf_reserve(&sg_events, sizeof(*ev), 0);
	if (!ev) {
		sg_count(r->hook, SG_CNT_LOST);
		return;
	}
	ev->hdr.version = SG_ABI_VERSION;
	ev->hdr.type = SG_MSG_EVENT;
	SG_PUT_U32(ev->op, SG_A_OP, r->op);
	SG_PUT_U32(ev->proto, SG_A_PROTO, r->proto);
	SG_PUT_U32(ev->family, SG_A_FAMILY, r->family);
	SG_PUT_U32(ev->hook, SG_A_HOOK, r->hook);
	SG_PUT_U32(ev->verdict, SG_A_VERDICT, verdict);
	SG_PUT_U32(ev->reason, SG_A_REASON, reason);
	SG_PUT_U32(ev->tag, SG_A_TAG, tag);
	SG_PUT_U32(ev->pid, SG_A_PID, idp->pid);
	SG_PUT_U32(ev->tgid, SG_A_TGID, idp->tgid);
	SG_PUT_U32(ev->ppid, SG_A_PPID, idp->ppid);
	SG_PUT_U32(ev->uid, SG_A_UID, idp->uid);
	SG_PUT_U32(ev->gid, SG_A_GID, idp->gid);
	SG_PUT_U64(ev->cgroup_id, SG_A_CGROUP_ID, idp->cgroup_id);
	SG_PUT_U64(ev->exe_ino, SG_A_EXE_INO, idp->exe_ino);
	SG_PUT_U64(ev->exe_dev, SG_A_EXE_DEV, idp->exe_dev);
	SG_PUT_U64(ev->cookie, SG_A_COOKIE, r->cookie);
	SG_PUT_U64(ev->ktime, SG_A_KTIME, bpf_ktime_get_ns());
	SG_PUT_ADDR(ev->local_addr, SG_A_LOCAL_ADDR, r->local_addr);
	SG_PUT_ADDR(ev->remote_addr, SG_A_REMOTE_ADDR, r->remote_addr);
	SG_PUT_U32(ev->local_port, SG_A_LOCAL_PORT, r->local_port);
	SG_PUT_U32(ev->remote_port, SG_A_REMOTE_PORT, r->remote_port);
	SG_PUT_U32(ev->exe_gen, SG_A_EXE_GEN, idp->exe_gen);
	SG_PUT_U64(ev->start_time, SG_A_START_TIME, start);
	SG_PUT_U64(ev->exec_id, SG_A_EXEC_ID, exec_id);
	ev->comm.h.nla_len = sizeof(struct sg_attr_comm);
	ev->comm.h.nla_type = SG_A_COMM;
	__builtin_memcpy(ev->comm.v, idp->comm, SG_COMM_LEN);
	if (exe) {
		path_len = exe->path_len;
		argv_len = exe->argv_len;
		flags |= exe->flags;
		__builtin_memcpy(ev->exe_path.v, exe->path, SG_PATH_MAX);
		__builtin_memcpy(ev->argv.v, exe->argv, SG_ARGV_MAX);
	} else {
		if (path) {
			path_len = path->len;
			flags |= path->flags;
			__builtin_memcpy(ev->exe_path.v, path->path, SG_PATH_MAX);
		} else {
			ev->exe_path.v[0] = 0;
		}
		__builtin_memset(ev->argv.v, 0, SG_ARGV_MAX);
	}
	if (path_len > SG_PATH_MAX - 1)
		path_len = SG_PATH_MAX - 1;
	if (argv_len > SG_ARGV_MAX)
		argv_len = SG_ARGV_MAX;
	SG_PUT_U32(ev->argv_len, SG_A_ARGV_LEN, argv_len);
	ev->argv.h.nla_len = sizeof(struct sg_attr_argv);
	ev->argv.h.nla_type = SG_A_ARGV;
	SG_PUT_U32(ev->flags, SG_A_FLAGS, flags);
	ev->exe_path.h.nla_len = SG_NLA_HDRLEN + path_len + 1;
	ev->exe_path.h.nla_type = SG_A_EXE_PATH;
	ev->hdr.len = __builtin_offsetof(struct sg_event, exe_path) + SG_NLA_ALIGN(SG_NLA_HDRLEN + path_len + 1);
	/* Only a held call waits for user space: wake the reader for it at once. Reports of
	 * calls already answered ride along, or are collected by the reader's 50 ms timer. */
	bpf_ringbuf_submit(ev, verdict == SG_VERDICT_HELD ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* A report from the calling process (every hook but ingress). */
static __always_inline void sg_emit(struct sg_req *r, __u32 verdict, __u32 reason, __u32 tag)
{
	if (!sg_exec_ids)
		sg_current_path_to_scratch(&r->id);
	sg_emit_for(r, verdict, reason, tag, NULL);
}
