/* NFQUEUE match (xt_bpf, in sockgate's raw OUTPUT chain, before conntrack and NAT): true
 * for every packet of a socket that has a held flow, whatever its destination (fail
 * closed: the queue reader drops what maps to no held flow); for a UDP socket, for the
 * datagrams of its held flows only. Egress decides every other datagram of a socket that
 * held a flow, for its sender, as the sendmsg hook did: one to a destination its sender may
 * reach is not queued behind another destination's question and dropped there. Records
 * 5-tuple -> socket cookie so the reader finds the flow of each queued packet. Needs 4.10
 * (cookie: 4.12). */

/* Whether this datagram's flow (its socket, its destination) is held. */
static __always_inline int sg_udp_flow_held(__u64 cookie, const struct sg_pkt *pkt)
{
	struct sg_flow_key fk = {};

	fk.cookie = cookie;
	__builtin_memcpy(fk.addr, pkt->daddr, 16);
	fk.port = pkt->dport;
	fk.proto = SG_PROTO_UDP;
	return bpf_map_lookup_elem(&sg_pending, &fk) != NULL;
}

SEC("socket")
int sg_hold_match(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct sg_sock_pending *sp;
	struct sg_pkt pkt = {};
	struct sg_tuple t = {};
	int parsed, prev = 0;

	if (!cookie)
		return 0;
	sp = bpf_map_lookup_elem(&sg_pending_socks, &cookie);
	if (!sp) { /* held by the previous version's programs during an upgrade (upgrade.bpf.c) */
		sp = bpf_map_lookup_elem(&sg_pending_socks_prev, &cookie);
		prev = 1;
	}
	if (!sp || !sp->count)
		return 0;
	parsed = sg_parse_packet(skb, &pkt);
	/* (a socket held by the previous version's programs has its flows in their map: all queued) */
	if (parsed == SG_PKT_OK && pkt.l4proto == IPPROTO_UDP && !prev && !sg_udp_flow_held(cookie, &pkt))
		return 0;
	sg_count(SG_HOOK_HOLD_MATCH, SG_CNT_RUNS);
	sg_count(SG_HOOK_HOLD_MATCH, SG_CNT_HELD);
	if (parsed != SG_PKT_UNREADABLE) {
		__builtin_memcpy(t.saddr, pkt.saddr, 16);
		__builtin_memcpy(t.daddr, pkt.daddr, 16);
		t.sport = pkt.sport;
		t.dport = pkt.dport;
		t.proto = sg_proto_of_l4(pkt.l4proto);
		bpf_map_update_elem(&sg_queued, &t, &cookie, BPF_ANY);
	}
	return 1;
}
