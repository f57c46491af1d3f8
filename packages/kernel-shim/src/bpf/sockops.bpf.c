/* listen(): observed and reported; the kernel offers no deny here, so a deny verdict (or,
 * with no verdict, an unknown policy of deny) marks the listener and ingress drops every
 * SYN to it. Records the listener's owner (who listens, on what) for the accept side.
 * Return value is ignored by the kernel. Needs 4.13 (sk field: 5.3). */
SEC("sockops")
int sg_sockops(struct bpf_sock_ops *skops)
{
	struct sg_sock_owner *owner;
	struct bpf_sock *sk;
	struct sg_lookup l;
	struct sg_req r = {};

	if (skops->op != BPF_SOCK_OPS_TCP_LISTEN_CB)
		return SG_PASS;
	sk = skops->sk;
	if (!sk)
		return SG_PASS;
	sg_current_key_ident(&r.id);
	sg_current_rest_ident(&r.id);
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

	/* listen() proceeds whatever is decided: a deny or a fail-closed unknown marks the listener */
	if (sg_decide(&r, &l) != SG_ACT_ALLOW)
		l.verdict = SG_VERDICT_DENY;
	else if (l.reason == SG_REASON_UNKNOWN)
		l.verdict = SG_VERDICT_NONE, l.reason = SG_REASON_OBSERVED;
	/* fails only when the process filled its option memory first: then the listener has no
	 * owner, and ingress denies its SYNs (no_owner), never allows them */
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (owner)
		sg_owner_listening(owner, &r, &l);
	SG_REPORT(skops, r, l);
	return SG_PASS;
}
