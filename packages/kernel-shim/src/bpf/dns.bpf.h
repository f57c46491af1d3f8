/*
 * DNS answers, for host names: a socket that sends to port 53 is marked (with the sender's
 * identity in its owner record), and what it then receives from port 53 is copied to user
 * space (SG_MSG_DNS) as it arrives. User space parses it and believes only the configured
 * resolvers. Reporting only: nothing here drops or delays a packet.
 */
#pragma once

#define SG_DNS_PORT 53

/* At an allowed (or held) connect/sendmsg to port 53: this socket's answers get reported,
 * if its network namespace is one the daemon trusts (sg_hold_netns): in a namespace of its
 * own, a process could serve itself any answer from the resolver's address. */
static __always_inline void sg_mark_dns(struct bpf_sock *sk, const struct sg_req *r, const __u64 *netns)
{
	struct sg_sock_owner *owner;

	if (r->remote_port != SG_DNS_PORT || (r->proto != SG_PROTO_UDP && r->proto != SG_PROTO_TCP))
		return;
	if (!bpf_map_lookup_elem(&sg_hold_netns, netns))
		return;
	owner = sg_owner_of(sk, &r->id);
	if (!owner)
		return;
	if (!(owner->flags & SG_OWNER_DNS) && sg_exec_ids) {
		/* the querying program's path and argv, so its names label the right requests */
		struct sg_task_ident *rec = sg_task_record(bpf_get_current_task_btf());

		if (rec)
			bpf_probe_read_kernel(&owner->exe, sizeof(owner->exe), rec);
	}
	owner->flags |= SG_OWNER_DNS;
	owner->tgid = bpf_get_current_pid_tgid() >> 32;
}

/* Copies the transport payload of a packet from port 53 to a marked socket. */
static __noinline int sg_dns_capture(struct __sk_buff *skb, struct bpf_sock *sk)
{
	struct sg_sock_owner *owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0);
	struct sg_dns_event *ev;
	struct sg_pkt pkt = {};
	__u8 tcp[13];
	__u32 off, seq = 0, len;

	if (!owner || !(owner->flags & SG_OWNER_DNS))
		return SG_PASS;
	if (sg_parse_packet_l4(skb, &pkt, &off) != SG_PKT_OK || pkt.sport != SG_DNS_PORT)
		return SG_PASS;
	if (pkt.l4proto == IPPROTO_UDP) {
		off += 8;
	} else if (pkt.l4proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, tcp, sizeof(tcp)))
			return SG_PASS;
		seq = (__u32)tcp[4] << 24 | (__u32)tcp[5] << 16 | (__u32)tcp[6] << 8 | tcp[7];
		off += (tcp[12] >> 4) * 4;
	} else {
		return SG_PASS;
	}
	if (off >= skb->len)
		return SG_PASS; /* a bare ACK: no DNS bytes */
	len = skb->len - off;
	if (len > SG_DNS_MAX)
		len = SG_DNS_MAX; /* user space sees it cut: a gap in the TCP stream, a truncated datagram */
	ev = bpf_ringbuf_reserve(&sg_events, sizeof(*ev), 0);
	if (!ev) {
		sg_count(SG_HOOK_INGRESS, SG_CNT_LOST);
		return SG_PASS;
	}
	if (len < 1 || len > SG_DNS_MAX || bpf_skb_load_bytes(skb, off, ev->payload.v, len)) {
		bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
		return SG_PASS;
	}
	ev->hdr.version = SG_ABI_VERSION;
	ev->hdr.type = SG_MSG_DNS;
	SG_PUT_U32(ev->proto, SG_D_PROTO, pkt.l4proto == IPPROTO_TCP ? SG_PROTO_TCP : SG_PROTO_UDP);
	SG_PUT_U32(ev->family, SG_D_FAMILY, sk->family);
	SG_PUT_U32(ev->uid, SG_D_UID, owner->uid);
	SG_PUT_U32(ev->tgid, SG_D_TGID, owner->tgid);
	SG_PUT_U32(ev->tcp_seq, SG_D_TCP_SEQ, seq);
	SG_PUT_U64(ev->cookie, SG_D_COOKIE, bpf_get_socket_cookie(skb));
	SG_PUT_U64(ev->exe_ino, SG_D_EXE_INO, owner->exe.exe_ino);
	SG_PUT_U64(ev->exe_dev, SG_D_EXE_DEV, owner->exe.exe_dev);
	SG_PUT_U64(ev->ktime, SG_D_KTIME, bpf_ktime_get_ns());
	SG_PUT_ADDR(ev->local_addr, SG_D_LOCAL_ADDR, pkt.daddr);
	SG_PUT_ADDR(ev->remote_addr, SG_D_REMOTE_ADDR, pkt.saddr);
	SG_PUT_U32(ev->local_port, SG_D_LOCAL_PORT, pkt.dport);
	SG_PUT_U32(ev->remote_port, SG_D_REMOTE_PORT, pkt.sport);
	SG_PUT_U32(ev->exe_gen, SG_D_EXE_GEN, owner->exe.exe_gen);
	SG_PUT_U32(ev->argv_len, SG_D_ARGV_LEN, owner->exe.argv_len <= SG_ARGV_MAX ? owner->exe.argv_len : SG_ARGV_MAX);
	ev->argv.h.nla_len = sizeof(ev->argv);
	ev->argv.h.nla_type = SG_D_ARGV;
	__builtin_memcpy(ev->argv.v, owner->exe.argv, SG_ARGV_MAX);
	ev->payload.h.nla_len = SG_NLA_HDRLEN + len;
	ev->payload.h.nla_type = SG_D_PAYLOAD;
	ev->hdr.len = __builtin_offsetof(struct sg_dns_event, payload) + SG_NLA_ALIGN(ev->payload.h.nla_len);
	/* an answer the application is waiting on: user space should have its names first */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	return SG_PASS;
}
