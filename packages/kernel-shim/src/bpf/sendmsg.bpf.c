/* sendto()/sendmsg() with an address (unconnected UDP): deny this peer for the app (EACCES);
 * no verdict -> unknown policy for "send". One to the socket's connected peer meets its
 * connect()'s verdict first (connected_peer.bpf.h). A UDP6 send to ::ffff:a.b.c.d arrives in sendmsg4
 * and is keyed v4-mapped like everything else. Needs 4.18. */
SEC("cgroup/sendmsg4")
int sg_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_SEND, SG_HOOK_SENDMSG4, 0);
}

SEC("cgroup/sendmsg6")
int sg_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sg_sock_addr_hook(ctx, SG_OP_SEND, SG_HOOK_SENDMSG6, 1);
}
