/* Fills a request from a bind/connect/sendmsg context: the user's address is the peer
 * for connect/send and the local address for bind. */
#pragma once

static __always_inline void sg_req_from_sock_addr(struct sg_req *r, struct bpf_sock_addr *ctx, __u8 op, __u8 hook,
						  int v6)
{
	__u8 *user_addr = op == SG_OP_BIND ? r->local_addr : r->remote_addr;
	__u16 user_port = bpf_ntohs((__u16)ctx->user_port);

	r->op = op;
	r->hook = hook;
	r->has_peer = 1;
	r->family = ctx->family;
	r->proto = sg_proto_of(ctx->type, ctx->protocol);
	if (v6) {
		__u32 ip6[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

		sg_addr_from_v6(user_addr, ip6);
	} else {
		sg_addr_from_v4(user_addr, ctx->user_ip4);
	}
	if (op == SG_OP_BIND)
		r->local_port = user_port;
	else
		r->remote_port = user_port;
}

static __always_inline int sg_sock_addr_hook(struct bpf_sock_addr *ctx, __u8 op, __u8 hook, int v6)
{
	struct sg_req r = {};
	struct sg_lookup l;
	__u64 netns = 0;
	int act;

	sg_current_key_ident(&r.id);
	sg_req_from_sock_addr(&r, ctx, op, hook, v6);
	/* flow verdicts are keyed by the socket and exist only for sockets that held a flow:
	 * only those pay for the cookie and the lookup */
	if (sg_op_has_flow(op) && sg_owner_held(ctx->sk))
		r.cookie = bpf_get_socket_cookie(ctx);
	if (op == SG_OP_SEND)
		sg_datagram_op(ctx->sk, &r);
	act = sg_decide(&r, &l);
	/* the namespace matters to a hold and to a DNS query only: other calls do not pay for it */
	if (act == SG_ACT_HOLD || (act == SG_ACT_ALLOW && sg_op_has_flow(op) && r.remote_port == SG_DNS_PORT))
		netns = bpf_get_netns_cookie(ctx);
	if (act == SG_ACT_HOLD && !sg_holds_in(&netns)) {
		act = sg_refused(&r, &l, SG_REASON_NO_HOLD_IN_NETNS, 0);
	} else if (act == SG_ACT_HOLD) {
		sg_current_rest_ident(&r.id);
		if (!r.cookie)
			r.cookie = bpf_get_socket_cookie(ctx);
		act = sg_hold_outbound(ctx->sk, &r, &l, netns);
	}
	SG_REPORT(ctx, r, l);
	if (act == SG_ACT_ALLOW && sg_op_has_flow(op))
		sg_mark_dns(ctx->sk, &r, &netns);
	return sg_answer(act);
}
