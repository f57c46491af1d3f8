/* accept side: drop the SYN of a peer the listening app may not accept (the remote client
 * sees a timeout); no verdict -> unknown policy for "accept"; a listener tagged before the
 * shim existed -> untagged_listener_policy. Every other packet passes, except one to a
 * listener whose TCP header cannot be found (fail closed, counted as a deny). Needs 5.3. */

#define SG_IPV6_EXT_MAX 8 /* extension headers walked before TCP; longer chains are dropped */
#define SG_NEXTHDR_HOP 0
#define SG_NEXTHDR_ROUTING 43
#define SG_NEXTHDR_AUTH 51
#define SG_NEXTHDR_DEST 60

enum sg_parse { SG_PARSE_NOT_SYN = 0, SG_PARSE_SYN = 1, SG_PARSE_UNREADABLE = 2 };

struct sg_syn {
	__u16 sport; /* host order */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Walks IPv6 extension headers (hop-by-hop, routing, destination options, AH) so that
 * prepending one cannot smuggle a SYN past the check. Fragments are reassembled (and
 * their header removed) before a socket sees the packet. */
static __always_inline int sg_ipv6_tcp_offset(struct __sk_buff *skb, __u8 nexthdr, __u32 *off)
{
	struct {
		__u8 nexthdr;
		__u8 len;
	} ext;

	for (int i = 0; i < SG_IPV6_EXT_MAX; i++) {
		if (nexthdr == IPPROTO_TCP)
			return 1;
		if (nexthdr != SG_NEXTHDR_HOP && nexthdr != SG_NEXTHDR_ROUTING && nexthdr != SG_NEXTHDR_DEST &&
		    nexthdr != SG_NEXTHDR_AUTH)
			return 0;
		if (bpf_skb_load_bytes(skb, *off, &ext, sizeof(ext)))
			return 0;
		*off += nexthdr == SG_NEXTHDR_AUTH ? ((__u32)ext.len + 2) * 4 : ((__u32)ext.len + 1) * 8;
		nexthdr = ext.nexthdr;
	}
	return nexthdr == IPPROTO_TCP;
}

/* Only called for packets to a TCP listener, which are all TCP: anything unreadable is
 * reported as such so the caller can fail closed. */
static __always_inline int sg_parse_syn(struct __sk_buff *skb, struct sg_syn *syn)
{
	__u8 tcp[14]; /* through the flags byte */
	__u32 off;

	if (skb->protocol == bpf_htons(SG_ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP)
			return SG_PARSE_UNREADABLE;
		off = ip.ihl * 4;
		sg_addr_from_v4(syn->saddr, ip.saddr);
		sg_addr_from_v4(syn->daddr, ip.daddr);
	} else if (skb->protocol == bpf_htons(SG_ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		off = sizeof(ip6);
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) || !sg_ipv6_tcp_offset(skb, ip6.nexthdr, &off))
			return SG_PARSE_UNREADABLE;
		__builtin_memcpy(syn->saddr, &ip6.saddr, 16);
		__builtin_memcpy(syn->daddr, &ip6.daddr, 16);
	} else {
		return SG_PARSE_UNREADABLE;
	}
	if (bpf_skb_load_bytes(skb, off, tcp, sizeof(tcp)))
		return SG_PARSE_UNREADABLE;
	/* flags byte 13: SYN 0x02, ACK 0x10 */
	if ((tcp[13] & 0x12) != 0x02)
		return SG_PARSE_NOT_SYN;
	syn->sport = (__u16)tcp[0] << 8 | tcp[1];
	syn->dport = (__u16)tcp[2] << 8 | tcp[3];
	return SG_PARSE_SYN;
}

SEC("cgroup_skb/ingress")
int sg_ingress(struct __sk_buff *skb)
{
	struct sg_sock_owner *owner;
	struct bpf_sock *sk;
	struct sg_syn syn = {};
	struct sg_req r = {};
	struct sg_lookup l;
	int act, parsed;

	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	/* SCTP listeners share the LISTEN state: only TCP ones are mediated here. */
	if (!sk || sk->state != BPF_TCP_LISTEN || sk->protocol != IPPROTO_TCP)
		return 1;
	parsed = sg_parse_syn(skb, &syn);
	if (parsed == SG_PARSE_NOT_SYN)
		return 1;
	if (parsed == SG_PARSE_UNREADABLE) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		return 0;
	}

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
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_UNKNOWNS);
		r.id.flags = SG_EF_NO_EXE;
		act = sg_untagged_listener_policy() == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;
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
