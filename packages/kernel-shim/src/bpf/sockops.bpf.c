/* listen(): observed and reported; the kernel offers no deny here, so a deny verdict (or,
 * with no verdict, an unknown policy of deny) marks the listener and ingress drops every
 * SYN to it. Records the listener's owner (who listens, on what) for the accept side.
 * Return value is ignored by the kernel. Needs 4.13 (sk field: 5.3). */

/* The listen of `t` (the caller, or the thread sockgate run listens for). `lost`: a thread
 * was named but is gone, so nobody can be said to listen and the listener is denied. */
static __always_inline void sg_listen_by(struct bpf_sock_ops *skops, struct bpf_sock *sk, struct task_struct *t,
					 int delegated, int lost)
{
	struct sg_sock_owner *owner;
	struct sg_lookup l;
	struct sg_req r = {};

	sg_task_key_ident(t, &r.id);
	if (delegated)
		sg_task_rest_ident(t, &r.id);
	else
		sg_current_rest_ident(&r.id);
	r.op = SG_OP_LISTEN;
	r.proto = SG_PROTO_TCP;
	r.hook = SG_HOOK_SOCKOPS;
	r.has_peer = 1;
	r.family = skops->family;
	r.flags = SG_EF_NOT_DENIABLE;
	/* sockgate run governs the sessions it listens for, whatever cgroup its supervisor is in */
	r.scope = delegated ? SG_SCOPE_IS_GOVERNED : SG_SCOPE_CURRENT;
	r.cookie = bpf_get_socket_cookie(skops);
	if (skops->family == SG_AF_INET6) {
		__u32 ip6[4] = { skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3] };

		sg_addr_from_v6(r.local_addr, ip6);
	} else {
		sg_addr_from_v4(r.local_addr, skops->local_ip4);
	}
	r.local_port = (__u16)skops->local_port; /* host order already */

	/* listen() proceeds whatever is decided: a deny or a fail-closed unknown marks the listener */
	if (sg_decide(&r, &l) != SG_ACT_ALLOW || lost)
		l.verdict = SG_VERDICT_DENY;
	else if (l.reason == SG_REASON_UNKNOWN)
		l.verdict = SG_VERDICT_NONE, l.reason = SG_REASON_OBSERVED;
	/* fails only when the process filled its option memory first: then the listener has no
	 * owner, and ingress denies its SYNs (no_owner), never allows them */
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (owner)
		sg_owner_listening(owner, &r, &l, t);
	/* a delegated listen is reported with its thread's record even when no owner could be made */
	SG_REPORT_FOR(skops, r, l, delegated ? sg_task_record(t) : NULL);
}

SEC("sockops")
int sg_sockops(struct bpf_sock_ops *skops)
{
	struct task_struct *t;
	struct bpf_sock *sk;
	int named;

	if (skops->op != BPF_SOCK_OPS_TCP_LISTEN_CB)
		return SG_PASS;
	sk = skops->sk;
	if (!sk)
		return SG_PASS;
	t = sg_delegate(sk, SG_OP_LISTEN, &named);
	if (t) {
		sg_listen_by(skops, sk, t, 1, 0);
		bpf_task_release(t);
	} else {
		sg_listen_by(skops, sk, bpf_get_current_task_btf(), 0, named);
	}
	return SG_PASS;
}
