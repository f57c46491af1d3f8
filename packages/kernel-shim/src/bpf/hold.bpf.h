/*
 * Holding a flow: with no verdict and a hold policy the flow goes into sg_pending, with
 * the caller's identity so that user space can ask from the map alone (a restarted daemon
 * does), counted against the uid's (outbound) or the listener's (inbound) budget. Its
 * packets then wait: outbound ones in NFQUEUE (sg_hold_match), inbound SYNs dropped until
 * user space decides. Every way a hold can fail is a deny with its own reason.
 */
#pragma once

static __always_inline struct sg_budget *sg_budget_of(void *map, const void *key)
{
	struct sg_budget zero = {};
	struct sg_budget *b = bpf_map_lookup_elem(map, key);

	if (b)
		return b;
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* Takes one unit unless `limit` are taken. Two racing takers may both back off: never both succeed past it. */
static __always_inline int sg_take_unit(__u32 *counter, __u32 limit)
{
	if (__sync_fetch_and_add(counter, 1) < limit)
		return 1;
	__sync_fetch_and_sub(counter, 1);
	return 0;
}

/* The socket's sg_pending_socks entry, made on its first hold and counted in the uid's socks. */
static __always_inline struct sg_sock_pending *sg_sock_pending_of(__u64 cookie, __u32 uid, struct sg_budget *ub,
								  __u32 limit)
{
	struct sg_sock_pending fresh = { .uid = uid };
	struct sg_sock_pending *sp = bpf_map_lookup_elem(&sg_pending_socks, &cookie);

	if (sp)
		return sp;
	if (!sg_take_unit(&ub->socks, limit))
		return NULL;
	/* EEXIST: another thread of this socket made it first and counted it */
	if (bpf_map_update_elem(&sg_pending_socks, &cookie, &fresh, BPF_NOEXIST))
		__sync_fetch_and_sub(&ub->socks, 1);
	return bpf_map_lookup_elem(&sg_pending_socks, &cookie);
}

static __always_inline void sg_pending_fill(struct sg_pending *p, const struct sg_req *r, __u64 netns)
{
	p->exe_ino = r->id.exe_ino;
	p->exe_dev = r->id.exe_dev;
	p->exe_gen = r->id.exe_gen;
	p->uid = r->id.uid;
	p->gid = r->id.gid;
	p->tgid = r->id.tgid;
	p->pid = r->id.pid;
	p->ppid = r->id.ppid;
	p->cgroup_id = r->id.cgroup_id;
	p->flags = r->id.flags | r->flags;
	p->ktime = bpf_ktime_get_ns();
	p->netns_cookie = netns;
	p->op = r->op;
	p->hook = r->hook;
	p->family = r->family;
	__builtin_memcpy(p->local_addr, r->local_addr, 16);
	p->local_port = r->local_port;
	__builtin_memcpy(p->comm, r->id.comm, SG_COMM_LEN);
}

static __always_inline void sg_held(const struct sg_req *r, struct sg_lookup *l, int first)
{
	l->verdict = SG_VERDICT_HELD;
	l->reason = SG_REASON_UNKNOWN;
	l->tag = 0;
	/* one event per flow: a call or SYN of a flow already held asks nothing new */
	l->report = first;
	if (first)
		sg_count(r->hook, SG_CNT_HELD);
}

/* Whether chains and a queue reader are installed in this namespace (not merely trusted for DNS). */
static __always_inline int sg_holds_in(const __u64 *netns)
{
	__u32 *v = bpf_map_lookup_elem(&sg_hold_netns, netns);

	return v && !(*v & SG_NETNS_DNS_ONLY);
}

/*
 * connect()/sendmsg() with no verdict under a hold policy: the call proceeds and its
 * packets are queued until decided. SG_ACT_ALLOW when held (now or before), SG_ACT_DENY
 * when it cannot be (no queue reader in the socket's namespace, no budget, no room).
 * r->id must hold the whole identity (sg_current_rest_ident); the caller has checked that
 * the socket's namespace holds (sg_holds_in).
 */
/* Not inlined: its frame (the pending record) must not add to the hook's stack. */
static __noinline int sg_hold_outbound(struct bpf_sock *sk, struct sg_req *r, struct sg_lookup *l, __u64 netns)
{
	struct sg_config *cfg = sg_config_get();
	struct sg_flow_key fk = {};
	struct sg_pending p = {};
	struct sg_sock_pending *sp;
	struct sg_sock_owner *owner;
	struct sg_budget *ub;

	/* its answer will be a flow verdict: from now on the socket's calls look them up */
	owner = sg_owner_of(sk, &r->id);
	if (!owner)
		return sg_refused(r, l, SG_REASON_NO_OWNER, 0);
	owner->flags |= SG_OWNER_HELD;
	sg_flow_key_of(r, &fk);
	if (bpf_map_lookup_elem(&sg_pending, &fk)) {
		sg_held(r, l, 0);
		return SG_ACT_ALLOW;
	}
	/* keyed by the caller's copy of the uid: a local would push the two frames past 512 bytes */
	ub = sg_budget_of(&sg_pending_uids, &r->id.uid);
	if (!cfg || !ub)
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	sp = sg_sock_pending_of(r->cookie, r->id.uid, ub, cfg->socks_per_uid);
	if (!sp)
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	if (!sg_take_unit(&ub->count, cfg->pending_per_uid))
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	sg_pending_fill(&p, r, netns);
	sg_program_run_of(bpf_get_current_task_btf(), &p.start_time, &p.exec_id);
	/* counted before the entry exists, so sg_hold_match never sees a held flow with count 0 */
	__sync_fetch_and_add(&sp->count, 1);
	if (bpf_map_update_elem(&sg_pending, &fk, &p, BPF_NOEXIST)) {
		__sync_fetch_and_sub(&sp->count, 1);
		__sync_fetch_and_sub(&ub->count, 1);
		if (bpf_map_lookup_elem(&sg_pending, &fk)) { /* a concurrent call of this socket held it */
			sg_held(r, l, 0);
			return SG_ACT_ALLOW;
		}
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	}
	sg_held(r, l, 1);
	return SG_ACT_ALLOW;
}

/*
 * A SYN with no verdict under a hold policy: dropped, and the peer held until decided; the
 * peer's retransmission then meets the flow verdict. Always SG_ACT_DENY (the SYN goes);
 * l says held or refused. A SYN flood from spoofed peers fills only this listener's budget.
 */
static __noinline int sg_hold_inbound(struct sg_sock_owner *owner, struct sg_req *r, struct sg_lookup *l, __u64 netns)
{
	struct sg_config *cfg = sg_config_get();
	struct sg_flow_key fk = {};
	struct sg_pending p = {};
	struct sg_budget *lb;

	owner->flags |= SG_OWNER_HELD;
	sg_flow_key_of(r, &fk);
	if (bpf_map_lookup_elem(&sg_pending, &fk)) {
		sg_held(r, l, 0);
		return SG_ACT_DENY;
	}
	lb = sg_budget_of(&sg_pending_listeners, &r->cookie);
	if (!cfg || !lb || !sg_take_unit(&lb->count, cfg->pending_per_listener))
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	sg_pending_fill(&p, r, netns);
	if (bpf_map_update_elem(&sg_pending, &fk, &p, BPF_NOEXIST)) {
		__sync_fetch_and_sub(&lb->count, 1);
		if (bpf_map_lookup_elem(&sg_pending, &fk)) {
			sg_held(r, l, 0);
			return SG_ACT_DENY;
		}
		return sg_refused(r, l, SG_REASON_PENDING_FULL, SG_CNT_PENDING_FULL);
	}
	sg_held(r, l, 1);
	return SG_ACT_DENY;
}

/*
 * Ends one held flow and gives back its budget; 1 when this call removed it. Both ways a
 * flow ends (user space's decision through sg_release_pending, the socket's release) come
 * here, and only the caller whose delete succeeds gives the unit back: exactly once.
 */
static __always_inline int sg_release_flow(const struct sg_flow_key *fk)
{
	struct sg_pending *p = bpf_map_lookup_elem(&sg_pending, fk);
	struct sg_flow_key key;
	__u32 uid;
	__u8 op;

	if (!p)
		return 0;
	uid = p->uid;
	op = p->op;
	__builtin_memcpy(&key, fk, sizeof(key));
	if (bpf_map_delete_elem(&sg_pending, &key))
		return 0;
	if (op == SG_OP_ACCEPT) {
		struct sg_budget *lb = bpf_map_lookup_elem(&sg_pending_listeners, &key.cookie);

		if (lb)
			__sync_fetch_and_sub(&lb->count, 1);
	} else {
		struct sg_budget *ub = bpf_map_lookup_elem(&sg_pending_uids, &uid);
		struct sg_sock_pending *sp = bpf_map_lookup_elem(&sg_pending_socks, &key.cookie);

		if (ub)
			__sync_fetch_and_sub(&ub->count, 1);
		if (sp)
			__sync_fetch_and_sub(&sp->count, 1);
	}
	return 1;
}
