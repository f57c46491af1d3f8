/* One mediated call, as every hook describes it to the shared decision code. */
#pragma once

#define SG_IPPROTO_MPTCP 262 /* a SOCK_STREAM that runs the TCP hooks */

struct sg_req {
	struct sg_ident id;
	__u64 cookie;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;  /* host order */
	__u16 remote_port; /* host order */
	__u8 op;           /* enum sg_op */
	__u8 proto;        /* enum sg_proto */
	__u8 hook;         /* enum sg_hook */
	__u8 has_peer;     /* addr/port layers apply */
	__u8 scope;        /* enum sg_scope_src: the caller's (looked up when needed) or given by the hook */
	__u8 _pad[3];
	__u32 family;
	__u32 flags;       /* SG_EF_* added by the hook */
};

/* v4 goes in as ::ffff:a.b.c.d, so one verdict covers AF_INET and v4-mapped AF_INET6. */
static __always_inline void sg_addr_from_v4(__u8 *dst, __u32 ip4_be)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &ip4_be, 4);
}

static __always_inline void sg_addr_from_v6(__u8 *dst, const __u32 *ip6_be)
{
	__u32 w0 = ip6_be[0], w1 = ip6_be[1], w2 = ip6_be[2], w3 = ip6_be[3];

	__builtin_memcpy(dst, &w0, 4);
	__builtin_memcpy(dst + 4, &w1, 4);
	__builtin_memcpy(dst + 8, &w2, 4);
	__builtin_memcpy(dst + 12, &w3, 4);
}

/* By type and protocol both: UDP-Lite is a SOCK_DGRAM, SCTP a SOCK_STREAM, and neither
 * runs the connect hook or matches a UDP/TCP packet, so they are "other", never UDP/TCP. */
static __always_inline __u8 sg_proto_of(__u32 type, __u32 protocol)
{
	if (type == SOCK_RAW)
		return SG_PROTO_RAW;
	if (type == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP || protocol == SG_IPPROTO_MPTCP ? SG_PROTO_TCP : SG_PROTO_OTHER;
	if (type == SOCK_DGRAM) {
		if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
			return SG_PROTO_ICMP;
		return protocol == 0 || protocol == IPPROTO_UDP ? SG_PROTO_UDP : SG_PROTO_OTHER;
	}
	return SG_PROTO_OTHER;
}
