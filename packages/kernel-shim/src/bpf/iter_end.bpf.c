/*
 * Ends the sockets whose permission ended: run by user space after a deny answer, an
 * expiry or a withdrawn allow, in every network namespace, with the targets of that change
 * in sg_end_cookies / sg_end_idents. A connected TCP or UDP socket of the shim is destroyed
 * (bpf_sock_destroy: the application sees ECONNABORTED) when its flow verdict is a deny or
 * past its deadline, when its identity entries now deny it, or when it is a target and
 * nothing allows it any more; a socket whose socket() or (explicit) bind() is now denied goes
 * too. Listeners are left to ingress. Needs 6.5 (bpf_sock_destroy); without it the program is not loaded.
 */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym __weak;

static __always_inline int sg_end_targeted(const struct sg_sock_owner *owner, __u64 cookie)
{
	struct sg_exe_key k = { .ino = owner->exe_ino, .dev = owner->exe_dev };
	__u32 *uid1;

	if (bpf_map_lookup_elem(&sg_end_cookies, &cookie))
		return 1;
	uid1 = bpf_map_lookup_elem(&sg_end_idents, &k);
	return uid1 && (*uid1 == 0 || *uid1 == owner->uid + 1);
}

/* 1 when the socket may no longer exist. peer/local are the socket's own addresses. */
static __always_inline int sg_should_end(struct sock *sk, const struct sg_sock_owner *owner, __u8 proto, int connected)
{
	struct sg_req r = {};
	struct sg_lookup l;
	struct sg_flow_key fk = {};
	struct sg_verdict_value *v;
	__u64 cookie = bpf_get_socket_cookie(sk);
	int targeted;

	r.id.exe_ino = owner->exe_ino;
	r.id.exe_dev = owner->exe_dev;
	r.id.uid = owner->uid;
	r.proto = proto;
	r.op = SG_OP_SOCKET;
	sg_lookup_verdict(&r, &l);
	if (l.verdict == SG_VERDICT_DENY)
		return 1;

	if (sk->__sk_common.skc_family == SG_AF_INET6) {
		sg_addr_from_v6(r.remote_addr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32);
		sg_addr_from_v6(r.local_addr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
	} else {
		sg_addr_from_v4(r.remote_addr, sk->__sk_common.skc_daddr);
		sg_addr_from_v4(r.local_addr, sk->__sk_common.skc_rcv_saddr);
	}
	r.remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	r.local_port = sk->__sk_common.skc_num;
	r.has_peer = 1;
	if (owner->flags & SG_OWNER_BOUND) {
		r.op = SG_OP_BIND;
		sg_lookup_verdict(&r, &l);
		if (l.verdict == SG_VERDICT_DENY)
			return 1;
	}
	if (!connected)
		return 0;
	/* an accepted socket carries its listener's record: its flows hang off the listener */
	if (owner->flags & SG_OWNER_LISTENER) {
		r.op = SG_OP_ACCEPT;
		r.cookie = owner->listener_cookie;
	} else {
		r.op = SG_OP_CONNECT;
		r.cookie = cookie;
	}
	targeted = sg_end_targeted(owner, cookie);

	sg_flow_key_of(&r, &fk);
	v = bpf_map_lookup_elem(&sg_flows, &fk);
	if (v)
		return v->verdict != SG_VERDICT_ALLOW || sg_expired(v) || targeted;
	r.cookie = 0; /* the identity layers only */
	sg_lookup_verdict(&r, &l);
	if (l.verdict == SG_VERDICT_DENY)
		return 1;
	if (l.verdict == SG_VERDICT_ALLOW)
		return targeted && bpf_map_lookup_elem(&sg_end_cookies, &cookie) != NULL;
	return targeted && sg_unknown_policy(r.op) != SG_POLICY_ALLOW;
}

static __always_inline void sg_end(struct sock_common *skc)
{
	sg_count(SG_HOOK_ITER, SG_CNT_DENIES);
	if (bpf_sock_destroy)
		bpf_sock_destroy(skc);
}

SEC("iter/tcp")
int sg_iter_end_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sg_sock_owner *owner;
	struct tcp_sock *tp;
	int state;

	if (!skc)
		return 0;
	state = skc->skc_state;
	if (state == BPF_TCP_LISTEN || state == BPF_TCP_TIME_WAIT || state == BPF_TCP_NEW_SYN_RECV ||
	    state == BPF_TCP_CLOSE)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	owner = bpf_sk_storage_get(&sg_sock_owners, tp, NULL, 0);
	if (!owner)
		return 0;
	sg_count(SG_HOOK_ITER, SG_CNT_RUNS);
	if (sg_should_end((struct sock *)tp, owner, SG_PROTO_TCP, 1))
		sg_end(skc);
	return 0;
}

SEC("iter/udp")
int sg_iter_end_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct sg_sock_owner *owner;
	struct sock *sk;

	if (!udp)
		return 0;
	sk = (struct sock *)udp;
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	if (!owner)
		return 0;
	sg_count(SG_HOOK_ITER, SG_CNT_RUNS);
	if (sg_should_end(sk, owner, SG_PROTO_UDP, sk->__sk_common.skc_state == BPF_TCP_ESTABLISHED))
		sg_end((struct sock_common *)sk);
	return 0;
}
