/* egress: a packet of a raw or ping socket (whose sendto() runs no address hook) is decided
 * against its socket owner's verdicts for op send, proto raw/icmp, to its destination: a
 * deny, or no verdict under any policy but allow (hold counts as deny: egress cannot wait),
 * drops it and the caller sees EPERM. A UDP or raw packet carrying an IPv6 routing header or
 * an IPv4 source route (put there per message: setsockopt refuses them) is dropped
 * (source_route). A UDP socket that held a flow, and a corked UDP push, has every datagram
 * decided here as its hook would have (below; bpf_rdonly_cast and bpf_cast_to_kern_ctx:
 * 6.2). TCP leaves after two field reads (type, protocol). Needs 4.10 (bpf_sk_fullsock: 5.1). */

/* Who sends: the socket's owner record (made at socket() for raw and ping sockets), else the
 * calling process, which is the sender for these synchronous sends. */
static __noinline int sg_egress_judge(struct __sk_buff *skb, struct bpf_sock *sk, __u8 proto, int routed)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	struct sg_pkt pkt = {};
	struct sg_req r = {};
	struct sg_lookup l;
	int act;

	if (owner)
		sg_ident_of_owner(&r.id, owner);
	else
		sg_current_key_ident(&r.id);
	r.op = SG_OP_SEND;
	r.proto = proto;
	r.hook = SG_HOOK_EGRESS;
	r.has_peer = 1;
	r.family = sk->family;
	sg_parse_packet(skb, &pkt);
	__builtin_memcpy(r.remote_addr, pkt.daddr, 16);
	__builtin_memcpy(r.local_addr, pkt.saddr, 16);
	r.remote_port = proto == SG_PROTO_UDP ? pkt.dport : 0;
	r.local_port = proto == SG_PROTO_UDP ? pkt.sport : 0;
	if (routed) {
		sg_count(SG_HOOK_EGRESS, SG_CNT_RUNS);
		sg_refused(&r, &l, SG_REASON_SOURCE_ROUTE, 0);
	} else {
		r.scope = sg_scope_of_skb(skb, r.id.uid);
		act = sg_decide(&r, &l);
		if (act == SG_ACT_HOLD) {
			sg_refused(&r, &l, SG_REASON_UNKNOWN, 0);
			act = SG_ACT_DENY;
		}
		if (act == SG_ACT_ALLOW && !l.report)
			return SG_PASS;
	}
	r.cookie = bpf_get_socket_cookie(skb);
	if (owner) {
		sg_emit_for(&r, l.verdict, l.reason, l.tag, &owner->exe);
	} else {
		if (!sg_exec_ids)
			sg_current_path_to_scratch(&r.id);
		sg_emit_for(&r, l.verdict, l.reason, l.tag, NULL);
	}
	return l.verdict == SG_VERDICT_ALLOW ? SG_PASS : SG_DROP;
}

extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;

/* Whether this UDP packet is corked data being pushed: udp_push_pending_frames() clears
 * up->pending only after sending, and the appends that queued it ran no hook (nor did the
 * push), so what was allowed at the first append may have been withdrawn since. */
static __always_inline int sg_udp_corked_push(struct bpf_sock *sk)
{
	struct udp_sock *up = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct udp_sock));

	return up->pending != 0;
}

#define SG_NFCT_INFOMASK 7UL /* skb->_nfct: the conntrack entry's pointer | its ctinfo */
#define SG_IP_CT_IS_REPLY 3  /* ctinfo from here on: a packet of the reply direction */
#define SG_IPS_NAT_MASK 0x30 /* nf_conn status: IPS_SRC_NAT | IPS_DST_NAT */

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The destination the sender named. NAT of nat OUTPUT (a DNAT: Docker's, a REDIRECT; or the
 * reverse of an inbound flow's SNAT, for a reply) runs before this hook and rewrote the
 * packet's. Conntrack keeps the packet's tuple from before NAT: the tuple of its direction. */
static __always_inline void sg_named_destination(struct __sk_buff *skb, struct sg_pkt *pkt)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	/* read with probe reads: a type-id cast is ambiguous here (nf_conn___init shares the name) */
	struct nf_conntrack_tuple *t;
	struct nf_conn *ct;
	unsigned long nfct;
	__u16 port;

	/* no conntrack in this kernel (or its module is not loaded): nothing rewrote the packet */
	if (!bpf_core_field_exists(kskb->_nfct) || !bpf_core_field_exists(((struct nf_conn *)0)->status))
		return;
	nfct = kskb->_nfct;
	ct = (struct nf_conn *)(nfct & ~SG_NFCT_INFOMASK);
	if (!ct || !(BPF_CORE_READ(ct, status) & SG_IPS_NAT_MASK))
		return;
	t = (nfct & SG_NFCT_INFOMASK) >= SG_IP_CT_IS_REPLY ? &ct->tuplehash[1].tuple : &ct->tuplehash[0].tuple;
	if (BPF_CORE_READ(t, dst.protonum) != IPPROTO_UDP)
		return;
	if (BPF_CORE_READ(t, src.l3num) == SG_AF_INET)
		sg_addr_from_v4(pkt->daddr, BPF_CORE_READ(t, dst.u3.ip));
	else if (bpf_core_read(pkt->daddr, 16, &t->dst.u3))
		return;
	port = BPF_CORE_READ(t, dst.u.udp.port);
	pkt->dport = bpf_ntohs(port);
}

/* A datagram of a UDP socket that held a flow can leave without running a hook: corked data
 * pushed after the answer, a copy from user memory that stalled past it. So can corked data
 * of any UDP socket. So each is decided here as its hook would have: for the sending process
 * (a datagram leaves in the call that sends or uncorks it; one the holder re-injects after an
 * allow meets its flow verdict first), to the destination it named, as the operation its
 * hook decides (connected_peer.bpf.h): its flow verdict, else the sender's verdicts, else
 * that operation's unknown policy, hold counting as deny. Nothing leaves undecided. */
static __noinline int sg_egress_judge_udp(struct __sk_buff *skb, struct bpf_sock *sk)
{
	struct sg_counters *cnt = sg_counters_get();
	struct sg_pkt pkt = {};
	struct sg_req r = {};
	struct sg_lookup l = { .verdict = SG_VERDICT_DENY, .reason = SG_REASON_UNKNOWN };

	sg_bump(cnt, SG_HOOK_EGRESS, SG_CNT_RUNS);
	r.proto = SG_PROTO_UDP;
	r.hook = SG_HOOK_EGRESS;
	r.has_peer = 1;
	r.family = sk->family;
	r.cookie = bpf_get_socket_cookie(skb);
	sg_current_key_ident(&r.id);
	r.op = SG_OP_SEND;
	if (sg_parse_packet(skb, &pkt) != SG_PKT_OK)
		goto drop;
	/* an IPsec transform's output (ESP, AH, a tunnel) of a datagram judged here before it */
	if (pkt.l4proto != IPPROTO_UDP)
		return SG_PASS;
	sg_named_destination(skb, &pkt);
	__builtin_memcpy(r.remote_addr, pkt.daddr, 16);
	__builtin_memcpy(r.local_addr, pkt.saddr, 16);
	r.remote_port = pkt.dport;
	r.local_port = pkt.sport;
	sg_datagram_op(sk, &r);
	sg_lookup_verdict(&r, &l);
	if (l.verdict == SG_VERDICT_ALLOW)
		return SG_PASS;
	/* governed or not as the hooks see it: the sender's cgroup, not the socket's */
	if (l.verdict == SG_VERDICT_NONE && (!sg_governed_current(r.id.uid) || sg_unknown_policy(r.op) == SG_POLICY_ALLOW))
		return SG_PASS;
drop:
	sg_bump(cnt, SG_HOOK_EGRESS, SG_CNT_DENIES);
	sg_emit(&r, SG_VERDICT_DENY, l.reason, l.tag);
	return SG_DROP;
}

SEC("cgroup_skb/egress")
int sg_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u8 proto;
	int routed;

	if (!sk)
		return SG_PASS;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return SG_PASS;
	proto = sg_proto_of(sk->type, sk->protocol);
	if (proto == SG_PROTO_TCP)
		return SG_PASS; /* TCP takes no per-message options and was decided at connect()/accept */
	/* UDP-Lite, SCTP: refused at socket() for governed processes, but one made by an
	 * ungoverned process (or before the shim loaded) may be used by a governed one */
	if (proto == SG_PROTO_OTHER)
		return sg_governed_current(bpf_get_current_uid_gid() & 0xffffffff) ? SG_DROP : SG_PASS;
	routed = sg_packet_source_routed(skb);
	if (!routed && proto == SG_PROTO_UDP && (sg_owner_held(sk) || sg_udp_corked_push(sk)))
		return sg_egress_judge_udp(skb, sk);
	if (!routed && proto != SG_PROTO_RAW && proto != SG_PROTO_ICMP)
		return SG_PASS; /* plain UDP: decided at connect()/sendmsg() */
	return sg_egress_judge(skb, sk, proto, routed);
}
