/*
 * Source routes: an IPv6 routing header or an IPv4 loose/strict source route sends a packet
 * to its first hop, not to the address the call gave (and its verdict judged). Shared by the
 * setsockopt program (refuses the options) and egress (drops what per-message control data
 * put into UDP and raw packets).
 */
#pragma once

#define SG_IPOPT_LSRR 0x83
#define SG_IPOPT_SSRR 0x89
#define SG_IPOPT_MAX 40 /* an IPv4 header has room for 40 bytes of options */

struct sg_opt_scan {
	__u8 buf[SG_IPOPT_MAX * 2]; /* the options in the first SG_IPOPT_MAX bytes */
	__u32 n;
	__u32 off;
	__u32 routed;
};

/* One option per step (bpf_loop: an unrolled walk is too much for the verifier). */
static long sg_opt_step(__u32 i, struct sg_opt_scan *s)
{
	__u32 off = s->off;
	__u8 type, len;

	if (off >= s->n || off >= SG_IPOPT_MAX)
		return 1;
	type = s->buf[off & (SG_IPOPT_MAX * 2 - 1)];
	if (type == SG_IPOPT_LSRR || type == SG_IPOPT_SSRR) {
		s->routed = 1;
		return 1;
	}
	if (type == 0) /* end of options */
		return 1;
	if (type == 1) { /* no-op */
		s->off = off + 1;
		return 0;
	}
	len = s->buf[(off + 1) & (SG_IPOPT_MAX * 2 - 1)];
	if (off + 1 >= s->n || len < 2)
		return 1; /* malformed: the stack refuses it itself */
	s->off = off + len;
	return 0;
}

/* True when the IPv4 options in s (s->n bytes) hold a loose or strict source route. */
static __always_inline int sg_ipv4_opts_route(struct sg_opt_scan *s)
{
	s->off = 0;
	s->routed = 0;
	bpf_loop(SG_IPOPT_MAX, sg_opt_step, s, 0);
	return s->routed;
}

/* The options of an IPv4 header of hlen bytes (> 20). Not inlined: only packets with options pay. */
static __noinline int sg_ipv4_packet_route(struct __sk_buff *skb, __u32 hlen)
{
	struct sg_opt_scan scan = {};
	__u32 n = hlen - 20;

	if (n > SG_IPOPT_MAX || n < 1 || bpf_skb_load_bytes(skb, 20, scan.buf, n))
		return 0;
	scan.n = n;
	return sg_ipv4_opts_route(&scan);
}

/* The same from bytes read one by one: headers not in the linear area, IPv6 extension chains. */
static __noinline int sg_packet_source_routed_slow(struct __sk_buff *skb, __u8 first)
{
	if (first >> 4 == 4) {
		__u32 hlen = (first & 0xf) * 4;

		/* no options: the common case costs one byte read */
		return hlen > 20 ? sg_ipv4_packet_route(skb, hlen) : 0;
	}
	if (first >> 4 == 6) {
		__u8 nexthdr;
		__u32 off = 40;
		struct {
			__u8 nexthdr;
			__u8 len;
		} ext;

		if (bpf_skb_load_bytes(skb, 6, &nexthdr, 1))
			return 0;
		for (int i = 0; i < SG_IPV6_EXT_MAX; i++) {
			if (nexthdr == SG_NEXTHDR_ROUTING)
				return 1;
			if (nexthdr != SG_NEXTHDR_HOP && nexthdr != SG_NEXTHDR_DEST && nexthdr != SG_NEXTHDR_FRAGMENT &&
			    nexthdr != SG_NEXTHDR_AUTH)
				return 0;
			if (bpf_skb_load_bytes(skb, off, &ext, sizeof(ext)))
				return 0;
			off += nexthdr == SG_NEXTHDR_FRAGMENT ? 8
			       : nexthdr == SG_NEXTHDR_AUTH  ? ((__u32)ext.len + 2) * 4
							     : ((__u32)ext.len + 1) * 8;
			nexthdr = ext.nexthdr;
		}
		return 1; /* a chain too long to read: treated as routed, it cannot be judged */
	}
	return 0;
}

/* What a packet leaving says about its route: 1 when it is source-routed. */
static __always_inline int sg_packet_source_routed(struct __sk_buff *skb)
{
	__u8 *data = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;
	__u8 first;

	/* direct reads of the first header bytes: the plain UDP packet calls no helper here */
	if (data + 8 > end)
		return bpf_skb_load_bytes(skb, 0, &first, 1) ? 0 : sg_packet_source_routed_slow(skb, first);
	first = data[0];
	if (first >> 4 == 4)
		return (first & 0xf) > 5 ? sg_ipv4_packet_route(skb, (first & 0xf) * 4) : 0;
	if (first >> 4 == 6 && (data[6] == IPPROTO_UDP || data[6] == IPPROTO_ICMPV6 || data[6] == IPPROTO_TCP))
		return 0;
	return sg_packet_source_routed_slow(skb, first);
}
