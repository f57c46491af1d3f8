/* Run once at a fresh load, in every network namespace: marks each TCP listener that has no
 * owner record as older than the shim (SG_OWNER_PREEXISTING), so its SYNs get the
 * untagged-listener policy; any other ownerless listener is denied. Needs 5.9 (iter/tcp
 * with sk storage). */
SEC("iter/tcp")
int sg_iter_mark_listeners(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sg_sock_owner *owner;
	struct tcp_sock *tp;

	if (!skc || skc->skc_state != BPF_TCP_LISTEN)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp || bpf_sk_storage_get(&sg_sock_owners, tp, NULL, 0))
		return 0;
	owner = bpf_sk_storage_get(&sg_sock_owners, tp, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner)
		return 0; /* stays ownerless: denied */
	owner->flags = SG_OWNER_PREEXISTING | SG_OWNER_LISTENER;
	owner->listener_cookie = bpf_get_socket_cookie(tp);
	sg_count(SG_HOOK_ITER, SG_CNT_UNKNOWNS);
	return 0;
}
