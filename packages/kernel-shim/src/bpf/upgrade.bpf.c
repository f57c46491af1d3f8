/*
 * Adopting the pins of a version whose map definitions differ (src/addon/migrate.cc):
 * the loader creates this version's maps, copies the old contents over and only then
 * swaps the programs. Two pieces need the kernel's side.
 */

/* The previous version's sg_pending_socks while it is being replaced (user space makes
 * this map that one before load, else it stays empty): sg_hold_match also looks here, so a
 * socket held by the old programs up to the swap is queued by the new match. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct sg_sock_pending);
} sg_pending_socks_prev SEC(".maps");

/* The previous version's sg_sock_owners during an upgrade (user space makes this map that
 * one before load, else it stays empty). Socket storage cannot be walked with get_next_key
 * (and iter/bpf_sk_storage_map is refused on these machines), so the TCP and UDP socket
 * iterators walk every socket, in each network namespace, and copy its old record into
 * this version's: the common prefix of the two layouts (sg_migrate_owner_bytes, the old
 * value size, set by user space), the rest zero. A socket that already has a record here
 * (copied by an earlier walk, or made by the new programs after the swap) is left alone.
 * Needs 5.9 (socket iterators with socket storage). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_sock_owner);
} sg_sock_owners_prev SEC(".maps");

volatile __u32 sg_migrate_owner_bytes;
volatile __u32 sg_migrated_owners;
volatile __u32 sg_migrate_owner_failures;

static __always_inline void sg_migrate_owner(struct sock *sk)
{
	void *old = bpf_sk_storage_get(&sg_sock_owners_prev, sk, NULL, 0);
	SG_SOCK_OWNER_VALUE *owner;
	__u32 n = sg_migrate_owner_bytes;

	if (!old || bpf_sk_storage_get(&sg_sock_owners, sk, NULL, 0))
		return;
	owner = bpf_sk_storage_get(&sg_sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner) {
		sg_migrate_owner_failures++; /* iterators run one at a time: no atomics needed */
		return;
	}
	if (n > sizeof(*owner))
		n = sizeof(*owner);
	bpf_probe_read_kernel(owner, n, old);
	sg_migrated_owners++;
}

SEC("iter/tcp")
int sg_iter_migrate_owners_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		sg_migrate_owner((struct sock *)tp);
	return 0;
}

SEC("iter/udp")
int sg_iter_migrate_owners_udp(struct bpf_iter__udp *ctx)
{
	if (ctx->udp_sk)
		sg_migrate_owner((struct sock *)ctx->udp_sk);
	return 0;
}
