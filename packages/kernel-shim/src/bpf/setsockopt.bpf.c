/* setsockopt(): refuse the options that source-route a socket's traffic (IPv6 routing
 * headers, IPv4 LSRR/SSRR in IP_OPTIONS), so packets go only where the call's address
 * (and its verdict) said (EACCES, reported with reason source_route); every other option
 * passes untouched. Needs 5.3 (set_retval: 5.18). */

#define SG_SOL_IP 0
#define SG_SOL_IPV6 41
#define SG_IP_OPTIONS 4
#define SG_IPV6_2292RTHDR 5
#define SG_IPV6_2292PKTOPTIONS 6 /* carries any sticky option, a routing header included */
#define SG_IPV6_RTHDR 57
/* IP_OPTIONS' value, copied to the stack (at most 40 bytes: the kernel refuses more). */
static __always_inline int sg_sockopt_ipv4_route(struct bpf_sockopt *ctx)
{
	__u8 *p = ctx->optval, *end = ctx->optval_end;
	struct sg_opt_scan scan = {};

	if (p + SG_IPOPT_MAX <= end) {
		__builtin_memcpy(scan.buf, p, SG_IPOPT_MAX);
		scan.n = SG_IPOPT_MAX;
	} else {
		for (int i = 0; i < SG_IPOPT_MAX; i++) {
			if (p + i + 1 > end)
				break;
			scan.buf[i] = p[i];
			scan.n++;
		}
	}
	if (ctx->optlen >= 0 && (__u32)ctx->optlen < scan.n)
		scan.n = ctx->optlen;
	return sg_ipv4_opts_route(&scan);
}

static __always_inline int sg_sockopt_routes(struct bpf_sockopt *ctx)
{
	if (ctx->level == SG_SOL_IPV6)
		return (ctx->optname == SG_IPV6_RTHDR || ctx->optname == SG_IPV6_2292RTHDR ||
			ctx->optname == SG_IPV6_2292PKTOPTIONS) &&
		       ctx->optlen > 0;
	if (ctx->level == SG_SOL_IP && ctx->optname == SG_IP_OPTIONS)
		return sg_sockopt_ipv4_route(ctx);
	return 0;
}

SEC("cgroup/setsockopt")
int sg_setsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct sg_req r = {};
	struct sg_lookup l;

	if (!sg_sockopt_routes(ctx))
		return SG_PASS;
	sg_current_key_ident(&r.id);
	r.op = SG_OP_SOCKET;
	r.hook = SG_HOOK_SETSOCKOPT;
	if (sk) {
		r.family = sk->family;
		r.proto = sg_proto_of(sk->type, sk->protocol);
	}
	sg_count(SG_HOOK_SETSOCKOPT, SG_CNT_RUNS);
	sg_refused(&r, &l, SG_REASON_SOURCE_ROUTE, 0);
	/* no socket cookie: this program type cannot read it (the event's cookie is 0) */
	sg_emit(&r, l.verdict, l.reason, l.tag);
	return sg_refuse();
}
