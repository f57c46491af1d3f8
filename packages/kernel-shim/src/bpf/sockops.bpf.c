/* listen(): observed and reported; the kernel offers no deny here, so a deny verdict (or,
 * with no verdict, an unknown policy of deny) marks the listener and ingress drops every
 * SYN to it. Tags the listener with its owner for the accept side. Return value is
 * ignored by the kernel. Needs 4.13 (sk field: 5.3). */
SEC("sockops")
int sg_sockops(struct bpf_sock_ops *skops)
{
	struct sg_sock_owner *owner;
	struct bpf_sock *sk;
	struct sg_lookup l;
	struct sg_req r = {};

	if (skops->op != BPF_SOCK_OPS_TCP_LISTEN_CB)
		return 1;
	sk = skops->sk;
	if (!sk)
		return 1;
	sg_current_key_ident(&r.id);
	r.op = SG_OP_LISTEN;
	r.proto = SG_PROTO_TCP;
	r.hook = SG_HOOK_SOCKOPS;
	r.has_peer = 1;
	r.family = skops->family;
	r.flags = SG_EF_NOT_DENIABLE;
	r.cookie = bpf_get_socket_cookie(skops);
	if (skops->family == SG_AF_INET6) {
		__u32 ip6[4] = { skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3] };

		sg_addr_from_v6(r.local_addr, ip6);
	} else {
		sg_addr_from_v4(r.local_addr, skops->local_ip4);
	}
	r.local_port = (__u16)skops->local_port; /* host order already */

	sg_count(SG_HOOK_SOCKOPS, SG_CNT_RUNS);
	sg_lookup_verdict(&r, &l);
	/* No verdict and an unknown policy of deny: fail closed like every other hook. */
	if (l.verdict == SG_VERDICT_NONE && sg_unknown_policy(SG_OP_LISTEN) != SG_POLICY_ALLOW) {
		sg_count(SG_HOOK_SOCKOPS, SG_CNT_UNKNOWNS);
		l.verdict = SG_VERDICT_DENY;
	}
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (owner) {
		sg_current_rest_ident(&r.id);
		owner->exe_ino = r.id.exe_ino;
		owner->exe_dev = r.id.exe_dev;
		owner->uid = r.id.uid;
		owner->gid = r.id.gid;
		owner->tgid = r.id.tgid;
		owner->pid = r.id.pid;
		owner->ppid = r.id.ppid;
		owner->cgroup_id = r.id.cgroup_id;
		__builtin_memcpy(owner->comm, r.id.comm, SG_COMM_LEN);
		owner->flags = l.verdict == SG_VERDICT_DENY ? SG_OWNER_LISTEN_DENIED : 0;
		owner->tag = l.tag;
		owner->listen_reason = l.reason;
	}
	if (l.verdict == SG_VERDICT_ALLOW) {
		sg_count(SG_HOOK_SOCKOPS, SG_CNT_ALLOWS);
		if (sg_report_allows())
			sg_emit(&r, SG_VERDICT_ALLOW, l.reason, l.tag);
	} else if (l.verdict == SG_VERDICT_DENY) {
		sg_count(SG_HOOK_SOCKOPS, SG_CNT_DENIES);
		sg_emit(&r, SG_VERDICT_DENY, l.reason, l.tag);
	} else {
		sg_count(SG_HOOK_SOCKOPS, SG_CNT_UNKNOWNS);
		sg_emit(&r, SG_VERDICT_NONE, SG_REASON_OBSERVED, 0);
	}
	return 1;
}
