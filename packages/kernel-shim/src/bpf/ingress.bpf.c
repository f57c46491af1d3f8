/* accept side: drop the SYN of a peer the listening app may not accept (the remote client
 * sees a timeout); no verdict -> unknown policy for "accept": with hold, the SYN is dropped
 * and the peer held until user space answers, and the peer's next retransmission meets the
 * answer. A listener marked at load as older than the shim -> untagged_listener_policy; a
 * listener with no owner otherwise, or a SYN whose headers cannot be read -> dropped and
 * reported. Every other packet passes. Needs 5.3. */

/* The SYN of a listener that has no owner record: kernel listeners and those marked as
 * older than the shim get the untagged policy, any other is denied (no_owner). */
static __always_inline int sg_untagged_or_ownerless(struct sg_req *r, struct sg_lookup *l, int untagged)
{
	int act = untagged && sg_untagged_listener_policy() == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;

	r->id.flags = SG_EF_NO_EXE;
	return sg_decided_by_hook(r, l, act, untagged ? SG_REASON_UNTAGGED_LISTENER : SG_REASON_NO_OWNER, 0, 1);
}

static __always_inline int sg_kernel_listener(struct bpf_sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	return tp && BPF_CORE_READ_BITFIELD(&tp->inet_conn.icsk_inet.sk, sk_kern_sock);
}

/* A packet to a TCP listener: the accept side's decision. Not inlined: its frame and the
 * DNS path's are never on the stack together. */
static __noinline int sg_ingress_listener(struct __sk_buff *skb, struct bpf_sock *sk)
{
	struct sg_sock_owner *owner;
	struct sg_pkt pkt = {};
	struct sg_req r = {};
	struct sg_lookup l;
	int act, parsed;

	parsed = sg_parse_packet(skb, &pkt);
	if (parsed == SG_PKT_OK && (pkt.l4proto != IPPROTO_TCP || (pkt.tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) != SG_TCP_SYN))
		return SG_PASS;

	r.op = SG_OP_ACCEPT;
	r.proto = SG_PROTO_TCP;
	r.hook = SG_HOOK_INGRESS;
	r.has_peer = 1;
	r.family = sk->family;
	__builtin_memcpy(r.remote_addr, pkt.saddr, 16);
	__builtin_memcpy(r.local_addr, pkt.daddr, 16);
	r.remote_port = pkt.sport;
	r.local_port = pkt.dport;
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	/* the listener's cookie: the accept side's flows hang off it, once it held a peer */
	if (owner && (owner->flags & SG_OWNER_HELD))
		r.cookie = bpf_get_socket_cookie(skb);
	if (owner)
		sg_ident_of_owner(&r.id, owner);

	if (parsed != SG_PKT_OK) {
		/* a packet to a TCP listener whose TCP header cannot be found: fail closed */
		act = sg_decided_by_hook(&r, &l, SG_ACT_DENY, SG_REASON_UNPARSEABLE, 0, 0);
	} else if (!owner) {
		act = sg_untagged_or_ownerless(&r, &l, sg_kernel_listener(sk));
	} else if (owner->flags & SG_OWNER_PREEXISTING) {
		act = sg_untagged_or_ownerless(&r, &l, 1);
	} else if (owner->flags & SG_OWNER_LISTEN_DENIED) {
		act = sg_decided_by_hook(&r, &l, SG_ACT_DENY, owner->listen_reason, owner->tag, 0);
	} else if (sg_listen_now_denied(owner, &l)) {
		act = sg_decided_by_hook(&r, &l, SG_ACT_DENY, l.reason, l.tag, 0);
	} else {
		/* softirq: the scope is the listener's (its cgroup, its owner's uid), not current's */
		r.scope = sg_scope_of_skb(skb, r.id.uid);
		act = sg_decide(&r, &l);
		if (act == SG_ACT_HOLD) {
			if (!r.cookie)
				r.cookie = bpf_get_socket_cookie(skb);
			act = sg_hold_inbound(owner, &r, &l, bpf_get_netns_cookie(skb));
		}
	}
	SG_REPORT_FOR(skb, r, l, owner && !(owner->flags & SG_OWNER_PREEXISTING) ? &owner->exe : NULL);
	return act == SG_ACT_ALLOW ? SG_PASS : SG_DROP;
}

SEC("cgroup_skb/ingress")
int sg_ingress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return SG_PASS;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return SG_PASS;
	/* SCTP listeners share the LISTEN state: only TCP ones are mediated here. Other sockets
	 * only report DNS answers (UDP, and TCP connected to port 53): the rest of the traffic
	 * leaves after a few field reads. */
	if (sk->state == BPF_TCP_LISTEN && sk->protocol == IPPROTO_TCP)
		return sg_ingress_listener(skb, sk);
	if (sk->protocol == IPPROTO_UDP || (sk->protocol == IPPROTO_TCP && sk->dst_port == bpf_htons(SG_DNS_PORT)))
		return sg_dns_capture(skb, sk);
	return SG_PASS;
}
