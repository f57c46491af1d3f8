/* socket(): deny creation of an AF_INET/AF_INET6 socket the app may not have (EACCES);
 * no verdict -> unknown policy for "socket"; a transport the hooks cannot see (UDP-Lite,
 * SCTP, SOCK_SEQPACKET) -> deny for governed processes. A raw or ping socket allowed gets
 * an owner record for egress. Needs 4.10 (set_retval: 5.18). */
SEC("cgroup/sock_create")
int sg_sock_create(struct bpf_sock *sk)
{
	struct sg_req r = {};
	struct sg_lookup l;
	int act;

	if (sk->family != SG_AF_INET && sk->family != SG_AF_INET6)
		return SG_PASS;
	sg_current_key_ident(&r.id);
	r.op = SG_OP_SOCKET;
	r.proto = sg_proto_of(sk->type, sk->protocol);
	r.hook = SG_HOOK_SOCK_CREATE;
	r.family = sk->family;
	/* a governed process gets no socket whose calls the shim could not see */
	if (r.proto == SG_PROTO_OTHER && sg_governed_current(r.id.uid))
		act = sg_refused(&r, &l, SG_REASON_UNSUPPORTED_PROTOCOL, 0);
	else
		act = sg_decide(&r, &l);
	if (act == SG_ACT_ALLOW && (r.proto == SG_PROTO_RAW || r.proto == SG_PROTO_ICMP))
		sg_owner_of_sender(sk, &r);
	SG_REPORT(sk, r, l);
	return sg_answer(act);
}
