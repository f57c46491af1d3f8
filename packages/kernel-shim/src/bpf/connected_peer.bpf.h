/*
 * The operation a datagram is decided as, by the sendmsg hooks and by egress alike. One to
 * its socket's connected peer is the connect()'s, named or not: a send() on a connected
 * socket runs no hook and connect()'s verdict governs it, and the kernel hands every send()
 * of an IPv6 socket connected to a v4-mapped peer to sendmsg4 with the peer's address. A
 * send verdict for that peer counts too (a sendto() naming it is a send as well): connect's
 * verdict, else send's, else connect's unknown policy. Every other datagram is a send.
 */
#pragma once

/* Not inlined: the sendmsg hooks' frame is at the verifier's limit on the hold path. */
static __noinline int sg_to_connected_peer(struct bpf_sock *sk, const __u8 *addr, __u16 port)
{
	/* each field read on its own: the verifier refuses arithmetic on a socket pointer */
	__u32 peer[4] = { sk->dst_ip6[0], sk->dst_ip6[1], sk->dst_ip6[2], sk->dst_ip6[3] }, named[4];
	__u32 v4 = sk->dst_ip4;

	if (!sk->dst_port || bpf_ntohs(sk->dst_port) != port)
		return 0;
	if (sk->family == SG_AF_INET)
		sg_addr_from_v4((__u8 *)peer, v4);
	__builtin_memcpy(named, addr, 16);
	return peer[0] == named[0] && peer[1] == named[1] && peer[2] == named[2] && peer[3] == named[3];
}

/* Sets r->op (r: a send's request, with its peer and, for a held socket, its cookie). Not
 * inlined: its lookups must not add to the hooks' frame. */
static __noinline void sg_datagram_op(struct bpf_sock *sk, struct sg_req *r)
{
	struct sg_lookup l;

	r->op = SG_OP_SEND;
	if (!sg_to_connected_peer(sk, r->remote_addr, r->remote_port))
		return;
	r->op = SG_OP_CONNECT;
	sg_lookup_verdict(r, &l);
	if (l.verdict != SG_VERDICT_NONE)
		return;
	r->op = SG_OP_SEND;
	sg_lookup_verdict(r, &l);
	if (l.verdict == SG_VERDICT_NONE)
		r->op = SG_OP_CONNECT;
}
