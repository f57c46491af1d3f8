/* connect() (TCP, UDP, ping, TCP Fast Open sendto): deny this peer for the app (EACCES);
 * no verdict -> unknown policy for "connect" (deny by default). Needs 4.17. */
SEC("cgroup/connect4")
int sg_connect4(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_CONNECT, SG_HOOK_CONNECT4, 0);
}

SEC("cgroup/connect6")
int sg_connect6(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_CONNECT, SG_HOOK_CONNECT6, 1);
}
