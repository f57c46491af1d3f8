/*
 * The owner record of a socket (sg_sock_owners): made when it listens (the accept side runs
 * in softirq, with no caller) or holds a flow, cloned into accepted sockets. Plain client
 * sockets get none: an allocation costs ~750 ns on every socket() here, and the socket
 * iterators find their owners from the processes that hold them (iter_sock_idents.bpf.c).
 */
#pragma once

/* The socket's record, made with the caller's key identity if it has none yet. NULL when
 * it cannot be allocated. */
static __always_inline struct sg_sock_owner *sg_owner_of(void *sk, const struct sg_ident *id)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);

	if (owner || !sk)
		return owner;
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (owner) {
		owner->exe.exe_ino = id->exe_ino;
		owner->exe.exe_dev = id->exe_dev;
		owner->exe.exe_gen = id->exe_gen;
		owner->uid = id->uid;
	}
	return owner;
}

/* True when the socket held a flow: only then can it have flow verdicts to look up. */
static __always_inline int sg_owner_held(void *sk)
{
	struct sg_sock_owner *owner = sk ? bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0) : NULL;

	return owner && (owner->flags & SG_OWNER_HELD);
}

/* The owning process's identity (with its path and argv, for events made where it is not
 * the caller: the accept side, a raw socket's packets). r->id must hold the whole identity,
 * of task `t` (the caller, or whom sockgate run listened for). */
static __always_inline void sg_owner_takes_identity(struct sg_sock_owner *owner, const struct sg_req *r,
						    struct task_struct *t)
{
	struct sg_task_ident *rec = sg_exec_ids ? sg_task_record(t) : NULL;

	if (rec) {
		bpf_probe_read_kernel(&owner->exe, sizeof(owner->exe), rec);
	} else {
		__u32 zero = 0;
		struct sg_scratch *s = bpf_map_lookup_elem(&sg_scratch, &zero);

		sg_current_path_to_scratch(&r->id);
		owner->exe.flags = r->id.flags;
		owner->exe.argv_len = 0;
		owner->exe.path_len = 0;
		if (s) {
			owner->exe.path_len = s->out.len < SG_PATH_MAX ? s->out.len : SG_PATH_MAX - 1;
			owner->exe.flags |= s->out.flags;
			bpf_probe_read_kernel(owner->exe.path, SG_PATH_MAX, s->out.path);
		}
	}
	owner->exe.exe_ino = r->id.exe_ino;
	owner->exe.exe_dev = r->id.exe_dev;
	owner->exe.exe_gen = r->id.exe_gen;
	owner->uid = r->id.uid;
	owner->gid = r->id.gid;
	owner->tgid = r->id.tgid;
	owner->pid = r->id.pid;
	owner->ppid = r->id.ppid;
	owner->cgroup_id = r->id.cgroup_id;
	__builtin_memcpy(owner->comm, r->id.comm, SG_COMM_LEN);
}

/* At listen(): who listens, on which address and port, and what listen() was answered. */
static __always_inline void sg_owner_listening(struct sg_sock_owner *owner, const struct sg_req *r,
					       const struct sg_lookup *l, struct task_struct *t)
{
	sg_owner_takes_identity(owner, r, t);
	owner->flags = (owner->flags & SG_OWNER_HELD) | SG_OWNER_LISTENER |
		       (l->verdict == SG_VERDICT_DENY ? SG_OWNER_LISTEN_DENIED : 0);
	owner->tag = l->tag;
	owner->listen_reason = l->reason;
	owner->listener_cookie = r->cookie;
	__builtin_memcpy(owner->listen_addr, r->local_addr, 16);
	owner->listen_port = r->local_port;
}

/* socket() of a raw or ping socket: its packets are judged at egress, where the sender may
 * not be the current task. Not inlined: socket()'s common path must not carry its frame. */
static __noinline void sg_owner_of_sender(struct bpf_sock *sk, struct sg_req *r)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);

	if (!owner)
		return; /* egress then judges by the sending process */
	sg_current_rest_ident(&r->id);
	sg_owner_takes_identity(owner, r, bpf_get_current_task_btf());
}

/* The identity a request of this socket is decided for. */
static __always_inline void sg_ident_of_owner(struct sg_ident *id, const struct sg_sock_owner *owner)
{
	id->exe_ino = owner->exe.exe_ino;
	id->exe_dev = owner->exe.exe_dev;
	id->exe_gen = owner->exe.exe_gen;
	id->uid = owner->uid;
	id->gid = owner->gid;
	id->tgid = owner->tgid;
	id->pid = owner->pid;
	id->ppid = owner->ppid;
	id->cgroup_id = owner->cgroup_id;
	__builtin_memcpy(id->comm, owner->comm, SG_COMM_LEN);
}

/* A listen() deny answered after listen(): applies to the listener already made. Not
 * inlined: its request must not add to the ingress hook's stack. */
static __noinline int sg_listen_now_denied(const struct sg_sock_owner *owner, struct sg_lookup *out)
{
	struct sg_req lr = {};

	lr.id.exe_ino = owner->exe.exe_ino;
	lr.id.exe_dev = owner->exe.exe_dev;
	lr.id.exe_gen = owner->exe.exe_gen;
	lr.id.uid = owner->uid;
	lr.op = SG_OP_LISTEN;
	lr.proto = SG_PROTO_TCP;
	lr.has_peer = 1;
	__builtin_memcpy(lr.local_addr, owner->listen_addr, 16);
	lr.local_port = owner->listen_port;
	sg_lookup_verdict(&lr, out);
	return out->verdict == SG_VERDICT_DENY;
}
