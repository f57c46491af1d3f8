/*
 * Who is governed: with the scope on (sg_config.scope_enabled), only governed processes meet
 * the unknown policy (hold, ask); the others' calls with no verdict are allowed at once,
 * unreported (they still meet every verdict entry, the any-user ones included). The deepest
 * listed cgroup of the caller decides (a governed shell inside an exempt service, an exempt
 * daemon inside a governed session); with none listed, the uid does.
 */
#pragma once

#define SG_CGROUP_LEVELS 12 /* cgroup depth walked: systemd's deepest paths are about 7 */

enum sg_scope_src { SG_SCOPE_CURRENT = 0, SG_SCOPE_IS_GOVERNED = 1, SG_SCOPE_IS_UNGOVERNED = 2 };

static __always_inline int sg_scope_on(void)
{
	struct sg_config *cfg = sg_config_get();

	return cfg && cfg->scope_enabled; /* scope off (or no config at all): everyone is governed */
}

/* governed = uid listed, unless the deepest listed cgroup (ANCESTOR(level)) says otherwise */
#define SG_SCOPE_WALK(uid, ANCESTOR)                                                      \
	({                                                                                \
		__u32 __uid = (uid);                                                      \
		int __governed = bpf_map_lookup_elem(&sg_scope_uids, &__uid) != NULL;     \
		for (int __level = 1; __level <= SG_CGROUP_LEVELS; __level++) {           \
			__u64 __id = ANCESTOR(__level);                                   \
			__u8 *__v;                                                        \
			if (!__id)                                                        \
				break;                                                    \
			__v = bpf_map_lookup_elem(&sg_scope_cgroups, &__id);              \
			if (__v)                                                          \
				__governed = *__v == SG_SCOPE_GOVERNED;                   \
		}                                                                         \
		__governed;                                                               \
	})

/* The calling process (process-context hooks). */
static __always_inline int sg_governed_current(__u32 uid)
{
	return !sg_scope_on() || SG_SCOPE_WALK(uid, bpf_get_current_ancestor_cgroup_id);
}

/* The socket a packet belongs to (ingress: the listener's cgroup and owner's uid). */
static __always_inline __u8 sg_scope_of_skb(struct __sk_buff *skb, __u32 uid)
{
	if (!sg_scope_on())
		return SG_SCOPE_IS_GOVERNED;
#define SG_SKB_ANCESTOR(level) bpf_skb_ancestor_cgroup_id(skb, level)
	return SG_SCOPE_WALK(uid, SG_SKB_ANCESTOR) ? SG_SCOPE_IS_GOVERNED : SG_SCOPE_IS_UNGOVERNED;
#undef SG_SKB_ANCESTOR
}
