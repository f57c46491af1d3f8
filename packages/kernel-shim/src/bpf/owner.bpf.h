/*
 * The owner record every socket made under the shim carries (sg_sock_owners): written at
 * socket(), completed at listen(), cloned into accepted sockets. It is how the accept side
 * (softirq, no caller) and the socket iterators know whose socket it is.
 */
#pragma once

/* At socket(): the creator's key identity. 0 when the record cannot be allocated. */
static __always_inline int sg_tag_owner(struct bpf_sock *sk, const struct sg_ident *id)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);

	if (!owner)
		return 0;
	owner->exe_ino = id->exe_ino;
	owner->exe_dev = id->exe_dev;
	owner->uid = id->uid;
	owner->flags = 0;
	return 1;
}

/* At an allowed bind(): a bind deny answered later applies to this socket too. */
static __always_inline void sg_owner_bound(struct bpf_sock *sk)
{
	struct sg_sock_owner *owner = sk ? bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0) : NULL;

	if (owner)
		owner->flags |= SG_OWNER_BOUND;
}

/* At listen(): who listens, on which address and port, and what listen() was answered. */
static __always_inline void sg_owner_listening(struct sg_sock_owner *owner, const struct sg_req *r,
					       const struct sg_lookup *l)
{
	owner->exe_ino = r->id.exe_ino;
	owner->exe_dev = r->id.exe_dev;
	owner->uid = r->id.uid;
	owner->gid = r->id.gid;
	owner->tgid = r->id.tgid;
	owner->pid = r->id.pid;
	owner->ppid = r->id.ppid;
	owner->cgroup_id = r->id.cgroup_id;
	__builtin_memcpy(owner->comm, r->id.comm, SG_COMM_LEN);
	owner->flags = (owner->flags & SG_OWNER_BOUND) | SG_OWNER_LISTENER | (l->verdict == SG_VERDICT_DENY ? SG_OWNER_LISTEN_DENIED : 0);
	owner->tag = l->tag;
	owner->listen_reason = l->reason;
	owner->listener_cookie = r->cookie;
	__builtin_memcpy(owner->listen_addr, r->local_addr, 16);
	owner->listen_port = r->local_port;
}

/* The identity a request of this socket is decided for. */
static __always_inline void sg_ident_of_owner(struct sg_ident *id, const struct sg_sock_owner *owner)
{
	id->exe_ino = owner->exe_ino;
	id->exe_dev = owner->exe_dev;
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

	lr.id.exe_ino = owner->exe_ino;
	lr.id.exe_dev = owner->exe_dev;
	lr.id.uid = owner->uid;
	lr.op = SG_OP_LISTEN;
	lr.proto = SG_PROTO_TCP;
	lr.has_peer = 1;
	__builtin_memcpy(lr.local_addr, owner->listen_addr, 16);
	lr.local_port = owner->listen_port;
	sg_lookup_verdict(&lr, out);
	return out->verdict == SG_VERDICT_DENY;
}
