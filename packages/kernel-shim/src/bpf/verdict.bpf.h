/*
 * The decision every hook shares: look the call up in sg_verdicts from the most to the
 * least specific layer (order documented in sockgate-abi.h); with no entry apply the
 * per-operation unknown policy from sg_config. Nothing here defaults to allow unless
 * that policy says so; a missing config entry means deny.
 */
#pragma once

enum sg_action { SG_ACT_DENY = 0, SG_ACT_ALLOW = 1, SG_ACT_HOLD = 2 };

/* What a cgroup program returns to the kernel. */
#define SG_PASS 1 /* the call proceeds, the packet goes on */
#define SG_DROP 0 /* the call fails (EPERM unless the program set another errno), the packet is dropped */

struct sg_lookup {
	__u32 verdict; /* enum sg_verdict */
	__u32 reason;  /* enum sg_reason */
	__u32 tag;
	__u32 report;  /* 1: the hook must emit an event with these values */
};

/* An entry past its deadline is no entry: a dead daemon cannot extend an answer. */
static __always_inline int sg_expired(const struct sg_verdict_value *v)
{
	return v->expires_ns && bpf_ktime_get_boot_ns() >= v->expires_ns;
}

/* An entry made for one file (its generation) is no entry for a file that got its inode number. */
static __always_inline int sg_take(struct sg_verdict_value *v, struct sg_lookup *out, __u32 reason, __u32 gen)
{
	if (!v || sg_expired(v) || (v->exe_gen && v->exe_gen != gen))
		return 0;
	out->verdict = v->verdict;
	out->reason = reason;
	out->tag = v->tag;
	return 1;
}

/* One layer: the caller's own key, then the any-user key (a system rule) of that layer. */
static __always_inline int sg_try(struct sg_verdict_key *k, struct sg_lookup *out, __u32 reason, __u32 gen)
{
	__u32 uid = k->uid;
	int hit;

	if (sg_take(bpf_map_lookup_elem(&sg_verdicts, k), out, reason, gen))
		return 1;
	k->uid = SG_UID_ANY;
	hit = sg_take(bpf_map_lookup_elem(&sg_verdicts, k), out, reason, gen);
	k->uid = uid;
	return hit;
}

/* The flow of a call: its socket (for accept, the listener) and its peer. */
static __always_inline void sg_flow_key_of(const struct sg_req *r, struct sg_flow_key *fk)
{
	fk->cookie = r->cookie;
	__builtin_memcpy(fk->addr, r->remote_addr, 16);
	fk->port = r->remote_port;
	fk->proto = r->proto;
}

/* connect, send and accept have a flow; socket, bind and listen do not. */
static __always_inline int sg_op_has_flow(__u8 op)
{
	return op == SG_OP_CONNECT || op == SG_OP_SEND || op == SG_OP_ACCEPT;
}

static __always_inline void sg_lookup_verdict(const struct sg_req *r, struct sg_lookup *out)
{
	struct sg_verdict_key k = {
		.exe_ino = r->id.exe_ino,
		.exe_dev = r->id.exe_dev,
		.uid = r->id.uid,
		.op = r->op,
		.proto = r->proto,
	};

	__u32 gen = r->id.exe_gen;

	out->verdict = SG_VERDICT_NONE;
	out->reason = SG_REASON_UNKNOWN;
	out->tag = 0;
	if (r->cookie && sg_op_has_flow(r->op)) {
		struct sg_flow_key fk = {};

		sg_flow_key_of(r, &fk);
		if (sg_take(bpf_map_lookup_elem(&sg_flows, &fk), out, SG_REASON_FLOW, 0))
			return;
	}
	if (r->has_peer) {
		__builtin_memcpy(k.addr, r->op == SG_OP_BIND || r->op == SG_OP_LISTEN ? r->local_addr : r->remote_addr, 16);
		k.port = r->op == SG_OP_CONNECT || r->op == SG_OP_SEND ? r->remote_port : r->local_port;
		k.layer = SG_LAYER_ADDR | SG_LAYER_PORT;
		if (sg_try(&k, out, SG_REASON_EXACT, gen))
			return;
		k.layer = SG_LAYER_ADDR;
		__u16 port = k.port;
		k.port = 0;
		if (sg_try(&k, out, SG_REASON_APP_ADDR, gen))
			return;
		k.layer = SG_LAYER_PORT;
		k.port = port;
		__builtin_memset(k.addr, 0, 16);
		if (sg_try(&k, out, SG_REASON_APP_PORT, gen))
			return;
		k.port = 0;
		k.layer = 0;
	}
	if (sg_try(&k, out, SG_REASON_APP_OP, gen))
		return;
	k.op = SG_OP_ANY;
	k.proto = SG_PROTO_ANY;
	sg_try(&k, out, SG_REASON_APP, gen);
}


/* A missing config entry means deny; hold means deny where a call cannot be held. */
static __always_inline __u8 sg_unknown_policy(__u32 op)
{
	struct sg_config *cfg = sg_config_get();
	__u8 policy;

	if (!cfg || op >= SG_OP_COUNT)
		return SG_POLICY_DENY;
	policy = cfg->unknown_policy[op & 7];
	if (policy == SG_POLICY_HOLD && !sg_op_has_flow(op))
		return SG_POLICY_DENY;
	return policy <= SG_POLICY_HOLD ? policy : SG_POLICY_DENY;
}

static __always_inline __u8 sg_untagged_listener_policy(void)
{
	struct sg_config *cfg = sg_config_get();

	return cfg ? cfg->untagged_listener_policy : SG_POLICY_DENY;
}

static __always_inline int sg_report_allows(void)
{
	struct sg_config *cfg = sg_config_get();

	return cfg && cfg->report_allows;
}

/* Activity of calls answered from an entry, per application, without an event each.
 * socket() is not counted: the connect, bind or send that follows it is. */
static __always_inline void sg_count_app(const struct sg_req *r, __u32 verdict)
{
	struct sg_app_key k = {
		.exe_ino = r->id.exe_ino,
		.exe_dev = r->id.exe_dev,
		.uid = r->id.uid,
		.op = r->op,
		.proto = r->proto,
		.verdict = (__u8)verdict,
	};
	__u64 one = 1, *n;

	if (r->op == SG_OP_SOCKET)
		return;
	n = bpf_map_lookup_elem(&sg_app_counts, &k);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&sg_app_counts, &k, &one, BPF_NOEXIST);
}

/*
 * Decide and count one call; says in *out whether to report it. SG_ACT_HOLD means no
 * verdict and a hold policy: the hook holds the flow (hold.bpf.h), which counts and sets
 * the verdict. A flow is only looked up when the hook has put the socket cookie in r. A
 * process outside the governed scope gets allow for a call with no verdict, unreported.
 */
static __always_inline int sg_decide(const struct sg_req *r, struct sg_lookup *out)
{
	struct sg_counters *cnt = sg_counters_get();
	__u8 policy;

	sg_bump(cnt, r->hook, SG_CNT_RUNS);
	sg_lookup_verdict(r, out);
	if (out->verdict == SG_VERDICT_ALLOW) {
		sg_bump(cnt, r->hook, SG_CNT_ALLOWS);
		sg_count_app(r, SG_VERDICT_ALLOW);
		out->report = sg_report_allows();
		return SG_ACT_ALLOW;
	}
	out->report = 1;
	if (out->verdict == SG_VERDICT_DENY) {
		sg_bump(cnt, r->hook, SG_CNT_DENIES);
		sg_count_app(r, SG_VERDICT_DENY);
		return SG_ACT_DENY;
	}
	if (r->scope == SG_SCOPE_IS_UNGOVERNED || (r->scope == SG_SCOPE_CURRENT && !sg_governed_current(r->id.uid))) {
		sg_bump(cnt, r->hook, SG_CNT_UNGOVERNED);
		out->verdict = SG_VERDICT_ALLOW;
		out->report = 0;
		return SG_ACT_ALLOW;
	}
	sg_bump(cnt, r->hook, SG_CNT_UNKNOWNS);
	policy = sg_unknown_policy(r->op);
	if (policy == SG_POLICY_ALLOW) {
		out->verdict = SG_VERDICT_ALLOW;
		return SG_ACT_ALLOW;
	}
	if (policy == SG_POLICY_HOLD)
		return SG_ACT_HOLD;
	sg_bump(cnt, r->hook, SG_CNT_DENIES);
	out->verdict = SG_VERDICT_DENY;
	return SG_ACT_DENY;
}

/* A call the hook decided without a verdict lookup (a policy of its own: untagged listeners,
 * a listener whose listen() was denied): counted as a run (and an unknown when no verdict
 * was involved), reported like every decision. */
static __always_inline int sg_decided_by_hook(const struct sg_req *r, struct sg_lookup *out, int act, __u32 reason,
					      __u32 tag, int unknown)
{
	struct sg_counters *cnt = sg_counters_get();

	sg_bump(cnt, r->hook, SG_CNT_RUNS);
	if (unknown)
		sg_bump(cnt, r->hook, SG_CNT_UNKNOWNS);
	sg_bump(cnt, r->hook, act == SG_ACT_ALLOW ? SG_CNT_ALLOWS : SG_CNT_DENIES);
	out->verdict = act == SG_ACT_ALLOW ? SG_VERDICT_ALLOW : SG_VERDICT_DENY;
	out->reason = reason;
	out->tag = tag;
	out->report = 1;
	return act;
}

/* A refusal the hook decided itself (no room to hold, no reader): counted and reported. */
static __always_inline int sg_refused(const struct sg_req *r, struct sg_lookup *out, __u32 reason, __u32 counter)
{
	struct sg_counters *cnt = sg_counters_get();

	sg_bump(cnt, r->hook, SG_CNT_DENIES);
	if (counter)
		sg_bump(cnt, r->hook, counter);
	out->verdict = SG_VERDICT_DENY;
	out->reason = reason;
	out->tag = 0;
	out->report = 1;
	return SG_ACT_DENY;
}

/* Emits the event sg_decide asked for; ctx is any context bpf_get_socket_cookie takes; exe
 * is the identity record of a caller that is not the current task (else NULL). */
#define SG_REPORT_FOR(ctx, r, l, exe)                                                       \
	do {                                                                                \
		if ((l).report) {                                                           \
			if (!(r).cookie)                                                    \
				(r).cookie = bpf_get_socket_cookie(ctx);                    \
			sg_emit_for(&(r), (l).verdict, (l).reason, (l).tag, (exe));         \
		}                                                                           \
	} while (0)

/* The same from the calling process. */
#define SG_REPORT(ctx, r, l)                                                                \
	do {                                                                                \
		if ((l).report) {                                                           \
			if (!(r).cookie)                                                    \
				(r).cookie = bpf_get_socket_cookie(ctx);                    \
			sg_emit(&(r), (l).verdict, (l).reason, (l).tag);                    \
		}                                                                           \
	} while (0)

/* The only way a hook says no to the caller: EACCES, never an odd errno. Needs 5.18. */
static __always_inline int sg_refuse(void)
{
	bpf_set_retval(-SG_EACCES);
	return SG_DROP;
}

/* A process-context hook's answer: proceed, or EACCES. */
static __always_inline int sg_answer(int act)
{
	return act == SG_ACT_ALLOW ? SG_PASS : sg_refuse();
}
