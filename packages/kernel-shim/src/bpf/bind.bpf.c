/* bind(): deny binding this local address/port for the app (EACCES); no verdict -> unknown
 * policy for "bind". Needs 4.17. */
SEC("cgroup/bind4")
int sg_bind4(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_BIND, SG_HOOK_BIND4, 0);
}

SEC("cgroup/bind6")
int sg_bind6(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_BIND, SG_HOOK_BIND6, 1);
}
