/* bind(): deny binding this local address/port for the app (EACCES); no verdict -> unknown
 * policy for "bind". A bind sockgate run performs for a supervised thread is decided as that
 * thread's; one named for a thread that is gone is refused. Needs 4.17. */

/* The bind of thread `t`, done by sockgate run's supervisor on the socket it checked. */
static __always_inline int sg_bind_for(struct bpf_sock_addr *ctx, struct task_struct *t, __u8 hook, int v6)
{
	struct sg_req r = {};
	struct sg_lookup l;
	int act;

	sg_task_key_ident(t, &r.id);
	sg_task_rest_ident(t, &r.id);
	sg_req_from_sock_addr(&r, ctx, SG_OP_BIND, hook, v6);
	/* sockgate run governs the sessions it binds for, whatever cgroup its supervisor is in */
	r.scope = SG_SCOPE_IS_GOVERNED;
	act = sg_decide(&r, &l);
	SG_REPORT_FOR(ctx, r, l, sg_task_record(t));
	return sg_answer(act);
}

static __always_inline int sg_bind_hook(struct bpf_sock_addr *ctx, __u8 hook, int v6)
{
	struct task_struct *t;
	int named, ret;

	t = sg_delegate(ctx->sk, SG_OP_BIND, &named);
	if (t) {
		ret = sg_bind_for(ctx, t, hook, v6);
		bpf_task_release(t);
		return ret;
	}
	if (named)
		return sg_refuse();
	return sg_sock_addr_hook(ctx, SG_OP_BIND, hook, v6);
}

SEC("cgroup/bind4")
int sg_bind4(struct bpf_sock_addr *ctx)
{
	return sg_bind_hook(ctx, SG_HOOK_BIND4, 0);
}

SEC("cgroup/bind6")
int sg_bind6(struct bpf_sock_addr *ctx)
{
	return sg_bind_hook(ctx, SG_HOOK_BIND6, 1);
}
