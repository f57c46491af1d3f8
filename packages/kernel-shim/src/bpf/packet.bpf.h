/*
 * One parser for every program that reads a packet (ingress, hold_match, and the
 * prog-test-run tests): the addresses, the transport protocol, ports and TCP flags.
 * Offsets count from the network header, which is where skb data starts for cgroup_skb
 * and xt_bpf programs alike.
 */
#pragma once

#define SG_IPV6_EXT_MAX 8 /* extension headers walked before the transport; longer chains are unreadable */
#define SG_NEXTHDR_HOP 0
#define SG_NEXTHDR_ROUTING 43
#define SG_NEXTHDR_FRAGMENT 44
#define SG_NEXTHDR_AUTH 51
#define SG_NEXTHDR_DEST 60
#define SG_IP_OFFSET_MASK 0x1fff
#define SG_TCP_SYN 0x02
#define SG_TCP_ACK 0x10

enum sg_parse {
	SG_PKT_OK = 0,         /* addresses, protocol and (for TCP/UDP) ports read */
	SG_PKT_NO_L4 = 1,      /* a non-first fragment: addresses only */
	SG_PKT_UNREADABLE = 2, /* not IPv4/IPv6, truncated, or an extension chain too long */
};

struct sg_pkt {
	__u8 saddr[16]; /* v4-mapped for IPv4 */
	__u8 daddr[16];
	__u16 sport;    /* host order; 0 without ports */
	__u16 dport;
	__u8 l4proto;   /* IPPROTO_* */
	__u8 tcp_flags;
	__u8 _pad[2];
};

/* Walks IPv6 extension headers so that prepending one cannot hide the transport header.
 * A fragment header with offset 0 (a first or an atomic fragment) is stepped over; a later
 * fragment has no transport header. */
static __always_inline int sg_ipv6_l4(struct __sk_buff *skb, __u8 *nexthdr, __u32 *off)
{
	struct {
		__u8 nexthdr;
		__u8 len;
		__be16 frag_off; /* fragment header only */
	} ext;

	/* one more round than the limit: after SG_IPV6_EXT_MAX headers the next must be the transport */
	for (int i = 0; i <= SG_IPV6_EXT_MAX; i++) {
		__u8 nh = *nexthdr;

		if (nh != SG_NEXTHDR_HOP && nh != SG_NEXTHDR_ROUTING && nh != SG_NEXTHDR_DEST && nh != SG_NEXTHDR_AUTH &&
		    nh != SG_NEXTHDR_FRAGMENT)
			return SG_PKT_OK;
		if (i == SG_IPV6_EXT_MAX)
			break;
		if (bpf_skb_load_bytes(skb, *off, &ext, sizeof(ext)))
			return SG_PKT_UNREADABLE;
		*nexthdr = ext.nexthdr;
		if (nh == SG_NEXTHDR_FRAGMENT) {
			if (bpf_ntohs(ext.frag_off) & ~7)
				return SG_PKT_NO_L4;
			*off += 8;
		} else {
			*off += nh == SG_NEXTHDR_AUTH ? ((__u32)ext.len + 2) * 4 : ((__u32)ext.len + 1) * 8;
		}
	}
	return SG_PKT_UNREADABLE;
}

/* As sg_parse_packet, and *l4off is where the transport header starts. */
static __always_inline int sg_parse_packet_l4(struct __sk_buff *skb, struct sg_pkt *p, __u32 *l4off)
{
	__u8 ports[14]; /* TCP through the flags byte; UDP uses the first four */
	__u32 off;
	__u8 version;
	int ret;

	if (bpf_skb_load_bytes(skb, 0, &version, 1))
		return SG_PKT_UNREADABLE;
	if (version >> 4 == 4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.ihl < 5)
			return SG_PKT_UNREADABLE;
		off = ip.ihl * 4;
		p->l4proto = ip.protocol;
		sg_addr_from_v4(p->saddr, ip.saddr);
		sg_addr_from_v4(p->daddr, ip.daddr);
		if (bpf_ntohs(ip.frag_off) & SG_IP_OFFSET_MASK)
			return SG_PKT_NO_L4;
	} else if (version >> 4 == 6) {
		struct ipv6hdr ip6;
		__u8 nexthdr;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return SG_PKT_UNREADABLE;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		off = sizeof(ip6);
		nexthdr = ip6.nexthdr;
		ret = sg_ipv6_l4(skb, &nexthdr, &off);
		p->l4proto = nexthdr;
		if (ret != SG_PKT_OK)
			return ret;
	} else {
		return SG_PKT_UNREADABLE;
	}
	if (p->l4proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
			return SG_PKT_UNREADABLE;
		p->tcp_flags = ports[13];
	} else if (p->l4proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, off, ports, 4))
			return SG_PKT_UNREADABLE;
	} else {
		return SG_PKT_OK;
	}
	p->sport = (__u16)ports[0] << 8 | ports[1];
	p->dport = (__u16)ports[2] << 8 | ports[3];
	*l4off = off;
	return SG_PKT_OK;
}

static __always_inline int sg_parse_packet(struct __sk_buff *skb, struct sg_pkt *p)
{
	__u32 off;

	return sg_parse_packet_l4(skb, p, &off);
}

/* The shim's protocol of a packet, as a flow key names it. */
static __always_inline __u8 sg_proto_of_l4(__u8 l4proto)
{
	if (l4proto == IPPROTO_TCP)
		return SG_PROTO_TCP;
	if (l4proto == IPPROTO_UDP)
		return SG_PROTO_UDP;
	if (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6)
		return SG_PROTO_ICMP;
	return SG_PROTO_RAW;
}
