/*
 * Ends the sockets whose permission ended: run by user space after a deny answer, an
 * expiry or a withdrawn allow, in every network namespace, with the targets of that change
 * in sg_end_cookies / sg_end_idents and the owners of plain sockets in sg_sock_idents. A connected TCP or UDP socket of the shim is destroyed
 * (bpf_sock_destroy: the application sees ECONNABORTED) when its flow verdict is a deny or
 * past its deadline, when its identity entries now deny it, or when it is a target and
 * nothing allows it any more; a socket whose socket() or (explicit) bind() is now denied goes
 * too. Listeners are left to ingress. Needs 6.5 (bpf_sock_destroy); without it the program is not loaded.
 */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym __weak;

/* Whose socket: its own owner record (listeners, accepted and held sockets), else the
 * process sg_iter_sock_idents found holding it; 0 for a socket no process holds. */
struct sg_sock_whose {
	__u64 exe_ino;
	__u64 listener_cookie; /* nonzero for an accepted socket */
	__u32 exe_dev;
	__u32 uid;
	__u32 exe_gen;
	__u32 _pad;
};

static __always_inline int sg_whose(struct sock *sk, struct sg_sock_whose *w)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	struct sg_sock_ident *id;
	__u64 addr = (__u64)sk;

	if (owner) {
		w->exe_ino = owner->exe.exe_ino;
		w->exe_dev = owner->exe.exe_dev;
		w->exe_gen = owner->exe.exe_gen;
		w->uid = owner->uid;
		w->listener_cookie = owner->flags & SG_OWNER_LISTENER ? owner->listener_cookie : 0;
		return 1;
	}
	id = bpf_map_lookup_elem(&sg_sock_idents, &addr);
	if (!id || id->gen != sg_end_generation())
		return 0;
	w->exe_ino = id->exe_ino;
	w->exe_dev = id->exe_dev;
	w->exe_gen = id->exe_gen;
	w->uid = id->uid;
	w->listener_cookie = 0;
	return 1;
}

static __always_inline int sg_end_targeted(const struct sg_sock_whose *w, __u64 cookie)
{
	struct sg_exe_key k = { .ino = w->exe_ino, .dev = w->exe_dev };
	__u32 *uid1;

	if (bpf_map_lookup_elem(&sg_end_cookies, &cookie))
		return 1;
	uid1 = bpf_map_lookup_elem(&sg_end_idents, &k);
	return uid1 && (*uid1 == 0 || *uid1 == w->uid + 1);
}

#define SG_SOCK_BINDPORT_LOCK 8 /* include/net/sock.h: the process bound a port itself */

/* 1 when the socket may no longer exist. peer/local are the socket's own addresses. */
static __always_inline int sg_should_end(struct sock *sk, __u8 proto, int connected)
{
	struct sg_req r = {};
	struct sg_lookup l;
	struct sg_flow_key fk = {};
	struct sg_sock_whose w = {};
	struct sg_verdict_value *v;
	__u64 cookie = bpf_get_socket_cookie(sk);
	int targeted;

	if (!sg_whose(sk, &w))
		return 0;
	sg_count(SG_HOOK_ITER, SG_CNT_RUNS);
	r.id.exe_ino = w.exe_ino;
	r.id.exe_dev = w.exe_dev;
	r.id.exe_gen = w.exe_gen;
	r.id.uid = w.uid;
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
	if (sk->sk_userlocks & SG_SOCK_BINDPORT_LOCK) {
		r.op = SG_OP_BIND;
		sg_lookup_verdict(&r, &l);
		if (l.verdict == SG_VERDICT_DENY)
			return 1;
	}
	if (!connected)
		return 0;
	/* an accepted socket carries its listener's record: its flows hang off the listener */
	if (w.listener_cookie) {
		r.op = SG_OP_ACCEPT;
		r.cookie = w.listener_cookie;
	} else {
		r.op = SG_OP_CONNECT;
		r.cookie = cookie;
	}
	targeted = sg_end_targeted(&w, cookie);

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
	struct tcp_sock *tp;
	int state;

	if (!skc)
		return 0;
	state = skc->skc_state;
	if (state == BPF_TCP_LISTEN || state == BPF_TCP_TIME_WAIT || state == BPF_TCP_NEW_SYN_RECV ||
	    state == BPF_TCP_CLOSE)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp && sg_should_end((struct sock *)tp, SG_PROTO_TCP, 1))
		sg_end(skc);
	return 0;
}

SEC("iter/udp")
int sg_iter_end_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct sock *sk;

	if (!udp)
		return 0;
	sk = (struct sock *)udp;
	if (sg_should_end(sk, SG_PROTO_UDP, sk->__sk_common.skc_state == BPF_TCP_ESTABLISHED))
		sg_end((struct sock_common *)sk);
	return 0;
}
