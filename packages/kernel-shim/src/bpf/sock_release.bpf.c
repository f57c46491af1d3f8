/* close(): the held flows of a socket (or a listener's held peers) end with it and give
 * their budget back; its sg_pending_socks entry goes. Decides nothing. Needs 5.9
 * (bpf_for_each_map_elem: 5.13). */

struct sg_release_scan {
	__u64 cookie;
};

static long sg_release_scan_one(struct bpf_map *map, struct sg_flow_key *key, struct sg_pending *val,
				struct sg_release_scan *scan)
{
	if (key->cookie == scan->cookie)
		sg_release_flow(key);
	return 0;
}

SEC("cgroup/sock_release")
int sg_sock_release(struct bpf_sock *sk)
{
	struct sg_sock_pending *sp;
	struct sg_budget *lb;
	struct sg_release_scan scan;
	__u64 cookie;
	__u32 held = 0;

	/* only a socket that held something has entries to end: the rest leave at once */
	if (!sg_owner_held(sk))
		return 1;
	cookie = bpf_get_socket_cookie(sk);
	sp = bpf_map_lookup_elem(&sg_pending_socks, &cookie);
	lb = bpf_map_lookup_elem(&sg_pending_listeners, &cookie);
	scan.cookie = cookie;

	if (sp)
		held += sp->count + 1;
	if (lb)
		held += lb->count + 1;
	if (!held)
		return 1;
	sg_count(SG_HOOK_SOCK_RELEASE, SG_CNT_RUNS);
	/* a walk of sg_pending, only for sockets that still hold something */
	if ((sp && sp->count) || (lb && lb->count))
		bpf_for_each_map_elem(&sg_pending, sg_release_scan_one, &scan, 0);
	if (sp) {
		struct sg_budget *ub = bpf_map_lookup_elem(&sg_pending_uids, &sp->uid);

		if (ub)
			__sync_fetch_and_sub(&ub->socks, 1);
		bpf_map_delete_elem(&sg_pending_socks, &cookie);
	}
	if (lb)
		bpf_map_delete_elem(&sg_pending_listeners, &cookie);
	return 1;
}
