/* accept side: drop the SYN of a peer the listening app may not accept (the remote client
 * sees a timeout); no verdict -> unknown policy for "accept": with hold, the SYN is dropped
 * and the peer held until user space answers, and the peer's next retransmission meets the
 * answer. A listener marked at load as older than the shim -> untagged_listener_policy; a
 * listener with no owner otherwise, or a SYN whose headers cannot be read -> dropped and
 * reported. Every other packet passes. Needs 5.3. */

/* The SYN of a listener that has no owner record: kernel listeners and those marked as
 * older than the shim get the untagged policy, any other is denied (no_owner). */
static __noinline int sg_ingress_ownerless(struct sg_req *r, struct bpf_sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
	__u32 reason = SG_REASON_NO_OWNER;
	int act = SG_ACT_DENY;

	sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
	sg_count(SG_HOOK_INGRESS, SG_CNT_UNKNOWNS);
	r->id.flags = SG_EF_NO_EXE;
	if (tp && BPF_CORE_READ_BITFIELD(&tp->inet_conn.icsk_inet.sk, sk_kern_sock)) {
		act = sg_untagged_listener_policy() == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;
		reason = SG_REASON_UNTAGGED_LISTENER;
	}
	if (act == SG_ACT_DENY)
		sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
	sg_emit_for(r, act == SG_ACT_ALLOW ? SG_VERDICT_ALLOW : SG_VERDICT_DENY, reason, 0, NULL);
	return act == SG_ACT_ALLOW ? 1 : 0;
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
		return 1;

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
		sg_refused(&r, &l, SG_REASON_UNPARSEABLE, 0);
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_emit_for(&r, l.verdict, l.reason, 0, owner ? &owner->exe : NULL);
		return 0;
	}
	if (!owner)
		return sg_ingress_ownerless(&r, sk);
	if (owner->flags & SG_OWNER_PREEXISTING) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_UNKNOWNS);
		r.id.flags = SG_EF_NO_EXE;
		act = sg_untagged_listener_policy() == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;
		if (act == SG_ACT_DENY)
			sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		sg_emit_for(&r, act == SG_ACT_ALLOW ? SG_VERDICT_ALLOW : SG_VERDICT_DENY, SG_REASON_UNTAGGED_LISTENER, 0, NULL);
		return act == SG_ACT_ALLOW ? 1 : 0;
	}
	if (owner->flags & SG_OWNER_LISTEN_DENIED) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		sg_emit_for(&r, SG_VERDICT_DENY, owner->listen_reason, owner->tag, &owner->exe);
		return 0;
	}
	if (sg_listen_now_denied(owner, &l)) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_RUNS);
		sg_count(SG_HOOK_INGRESS, SG_CNT_DENIES);
		sg_emit_for(&r, SG_VERDICT_DENY, l.reason, l.tag, &owner->exe);
		return 0;
	}
	/* softirq: the scope is the listener's (its cgroup, its owner's uid), not current's */
	r.scope = sg_scope_of_skb(skb, r.id.uid);
	act = sg_decide(&r, &l);
	if (act == SG_ACT_HOLD) {
		if (!r.cookie)
			r.cookie = bpf_get_socket_cookie(skb);
		act = sg_hold_inbound(owner, &r, &l, bpf_get_netns_cookie(skb));
	}
	SG_REPORT_FOR(skb, r, l, &owner->exe);
	return act == SG_ACT_ALLOW ? 1 : 0;
}

SEC("cgroup_skb/ingress")
int sg_ingress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	/* SCTP listeners share the LISTEN state: only TCP ones are mediated here. Other sockets
	 * only report DNS answers (UDP, and TCP connected to port 53): the rest of the traffic
	 * leaves after a few field reads. */
	if (sk->state == BPF_TCP_LISTEN && sk->protocol == IPPROTO_TCP)
		return sg_ingress_listener(skb, sk);
	if (sk->protocol == IPPROTO_UDP || (sk->protocol == IPPROTO_TCP && sk->dst_port == bpf_htons(SG_DNS_PORT)))
		return sg_dns_capture(skb, sk);
	return 1;
}
