/*
 * Whether a datagram goes to its socket's connected peer. Then it is the connect()'s, named
 * or not: a send() on a connected socket runs no hook and connect()'s verdict governs it, so
 * a sendto() that names the same peer (or the send() of an IPv6 socket connected to a
 * v4-mapped peer, which the kernel hands to sendmsg4 with the peer's address) is decided
 * the same way, by the sendmsg hooks and by egress alike.
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
