/* accept side: drop the SYN of a peer the listening app may not accept (the remote client
 * sees a timeout); no verdict -> unknown policy for "accept"; a listener tagged before the
 * shim existed -> untagged_listener_policy. Every other packet passes. Needs 5.3. */

struct sg_syn {
	__u8 is_syn;
	__u8 is_v6;
	__u16 sport; /* host order */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

static __always_inline int sg_parse_syn(struct __sk_buff *skb, struct sg_syn *syn)
{
	__u8 tcp[14]; /* through the flags byte */
	__u32 off;

	if (skb->protocol == bpf_htons(SG_ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP)
			return 0;
		off = ip.ihl * 4;
		sg_addr_from_v4(syn->saddr, ip.saddr);
		sg_addr_from_v4(syn->daddr, ip.daddr);
	} else if (skb->protocol == bpf_htons(SG_ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		/* extension headers before TCP are not parsed: such SYNs pass */
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) || ip6.nexthdr != IPPROTO_TCP)
			return 0;
		off = sizeof(ip6);
		__builtin_memcpy(syn->saddr, &ip6.saddr, 16);
		__builtin_memcpy(syn->daddr, &ip6.daddr, 16);
		syn->is_v6 = 1;
	} else {
		return 0;
	}
	if (bpf_skb_load_bytes(skb, off, tcp, sizeof(tcp)))
		return 0;
	/* flags byte 13: SYN 0x02, ACK 0x10 */
	if ((tcp[13] & 0x12) != 0x02)
		return 0;
	syn->sport = (__u16)tcp[0] << 8 | tcp[1];
	syn->dport = (__u16)tcp[2] << 8 | tcp[3];
	syn->is_syn = 1;
	return 1;
}

SEC("cgroup_skb/ingress")
int sg_ingress(struct __sk_buff *skb)
{
	struct sg_sock_owner *owner;
	struct bpf_sock *sk;
	struct sg_syn syn = {};
	struct sg_req r = {};
	struct sg_lookup l;
	int act;

	if (!sg_parse_syn(skb, &syn))
		return 1;
	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->state != BPF_TCP_LISTEN)
		return 1;

	r.op = SG_OP_ACCEPT;
	r.proto = SG_PROTO_TCP;
	r.hook = SG_HOOK_INGRESS;
	r.has_peer = 1;
	r.family = sk->family;
	__builtin_memcpy(r.remote_addr, syn.saddr, 16);
	__builtin_memcpy(r.local_addr, syn.daddr, 16);
	r.remote_port = syn.sport;
	r.local_port = syn.dport;

	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	if (!owner) {
		__u32 zero = 0;
		struct sg_config *cfg = bpf_map_lookup_elem(&sg_config, &zero);

		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_UNKNOWNS);
		r.id.flags = SG_EF_NO_EXE;
		act = cfg && cfg->untagged_listener_policy == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;
		if (act == SG_ACT_DENY)
			sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		r.cookie = bpf_get_socket_cookie(skb);
		sg_emit(&r, act == SG_ACT_ALLOW ? SG_VERDICT_ALLOW : SG_VERDICT_DENY, SG_REASON_UNTAGGED_LISTENER, 0);
		return act == SG_ACT_ALLOW ? 1 : 0;
	}
	r.id.exe_ino = owner->exe_ino;
	r.id.exe_dev = owner->exe_dev;
	r.id.uid = owner->uid;
	r.id.gid = owner->gid;
	r.id.tgid = owner->tgid;
	r.id.pid = owner->pid;
	r.id.ppid = owner->ppid;
	r.id.cgroup_id = owner->cgroup_id;
	__builtin_memcpy(r.id.comm, owner->comm, SG_COMM_LEN);
	if (owner->flags & SG_OWNER_LISTEN_DENIED) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		r.cookie = bpf_get_socket_cookie(skb);
		sg_emit(&r, SG_VERDICT_DENY, owner->listen_reason, owner->tag);
		return 0;
	}
	act = sg_decide(&r, &l);
	SG_REPORT(skb, r, l);
	return act == SG_ACT_ALLOW ? 1 : 0;
}
