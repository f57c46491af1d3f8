/*
 * The decision every hook shares: look the call up in sg_verdicts from the most to the
 * least specific layer (order documented in sockgate-abi.h); with no entry apply the
 * per-operation unknown policy from sg_config. Nothing here defaults to allow unless
 * that policy says so; a missing config entry means deny.
 */
#pragma once

enum sg_action { SG_ACT_DENY = 0, SG_ACT_ALLOW = 1 };

struct sg_lookup {
	__u32 verdict; /* enum sg_verdict */
	__u32 reason;  /* enum sg_reason */
	__u32 tag;
	__u32 report;  /* 1: the hook must emit an event with these values */
};

static __always_inline int sg_try(struct sg_verdict_key *k, struct sg_lookup *out, __u32 reason)
{
	struct sg_verdict_value *v = bpf_map_lookup_elem(&sg_verdicts, k);

	if (!v)
		return 0;
	out->verdict = v->verdict;
	out->reason = reason;
	out->tag = v->tag;
	return 1;
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

	out->verdict = SG_VERDICT_NONE;
	out->reason = SG_REASON_UNKNOWN;
	out->tag = 0;
	if (r->has_peer) {
		__builtin_memcpy(k.addr, r->op == SG_OP_BIND || r->op == SG_OP_LISTEN ? r->local_addr : r->remote_addr, 16);
		k.port = r->op == SG_OP_CONNECT || r->op == SG_OP_SEND ? r->remote_port : r->local_port;
		k.layer = SG_LAYER_ADDR | SG_LAYER_PORT;
		if (sg_try(&k, out, SG_REASON_EXACT))
			return;
		k.layer = SG_LAYER_ADDR;
		__u16 port = k.port;
		k.port = 0;
		if (sg_try(&k, out, SG_REASON_APP_ADDR))
			return;
		k.layer = SG_LAYER_PORT;
		k.port = port;
		__builtin_memset(k.addr, 0, 16);
		if (sg_try(&k, out, SG_REASON_APP_PORT))
			return;
		k.port = 0;
		k.layer = 0;
	}
	if (sg_try(&k, out, SG_REASON_APP_OP))
		return;
	k.op = SG_OP_ANY;
	k.proto = SG_PROTO_ANY;
	sg_try(&k, out, SG_REASON_APP);
}

static __always_inline struct sg_config *sg_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_config, &zero);
}

/* A missing config entry means deny. */
static __always_inline __u8 sg_unknown_policy(__u32 op)
{
	struct sg_config *cfg = sg_config_get();

	if (!cfg || op >= SG_OP_COUNT)
		return SG_POLICY_DENY;
	return cfg->unknown_policy[op & 7];
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

/*
 * Decide and count one call; says in *out whether to report it. Reporting is left to
 * the hook so the socket cookie is only fetched when an event is sent.
 */
static __always_inline int sg_decide(const struct sg_req *r, struct sg_lookup *out)
{
	struct sg_counters *cnt = sg_counters_get();
	int act;

	sg_bump(cnt, r->hook, SG_CNT_RUNS);
	sg_lookup_verdict(r, out);
	if (out->verdict == SG_VERDICT_ALLOW) {
		sg_bump(cnt, r->hook, SG_CNT_ALLOWS);
		out->report = sg_report_allows();
		return SG_ACT_ALLOW;
	}
	out->report = 1;
	if (out->verdict == SG_VERDICT_DENY) {
		sg_bump(cnt, r->hook, SG_CNT_DENIES);
		return SG_ACT_DENY;
	}
	sg_bump(cnt, r->hook, SG_CNT_UNKNOWNS);
	act = sg_unknown_policy(r->op) == SG_POLICY_ALLOW ? SG_ACT_ALLOW : SG_ACT_DENY;
	if (act == SG_ACT_DENY)
		sg_bump(cnt, r->hook, SG_CNT_DENIES);
	out->verdict = act == SG_ACT_ALLOW ? SG_VERDICT_ALLOW : SG_VERDICT_DENY;
	return act;
}

/* Emits the event sg_decide asked for; ctx is any context bpf_get_socket_cookie takes. */
#define SG_REPORT(ctx, r, l)                                                                \
	do {                                                                                \
		if ((l).report) {                                                           \
			(r).cookie = bpf_get_socket_cookie(ctx);                            \
			sg_emit(&(r), (l).verdict, (l).reason, (l).tag);                    \
		}                                                                           \
	} while (0)

/* The only way a hook says no to the caller: EACCES, never an odd errno. */
static __always_inline int sg_refuse(void)
{
	bpf_set_retval(-SG_EACCES);
	return 0;
}
