/*
 * Map definitions the upgrade test changes. A production build takes the defaults; the
 * test-only object build/sockgate-upgrade-variant.bpf.o (-DSG_UPGRADE_TEST_VARIANT) plays
 * "the next version": other flags, other sizes and a socket owner record with a new field,
 * while the code that reads them stays the same. See src/upgrade.kernel.test.ts.
 */
#pragma once

#ifdef SG_UPGRADE_TEST_VARIANT
struct sg_sock_owner_v2 {
	struct sg_sock_owner owner;
	__u64 added_field; /* a field the next version appended */
};
#define SG_VERDICTS_FLAGS BPF_F_NO_PREALLOC
#define SG_PENDING_FLAGS BPF_F_NO_PREALLOC
#define SG_FLOWS_MAX 65537
#define SG_PENDING_SOCKS_MAX 65537
#define SG_PENDING_UIDS_MAX 4097
#define SG_SCOPE_UIDS_MAX 4097
#define SG_CONFIG_MAX 2
#define SG_COUNTERS_MAX 2
#define SG_SOCK_OWNER_VALUE struct sg_sock_owner_v2
#else
#define SG_VERDICTS_FLAGS 0
#define SG_PENDING_FLAGS 0
#define SG_FLOWS_MAX 65536
#define SG_PENDING_SOCKS_MAX 65536
#define SG_PENDING_UIDS_MAX 4096
#define SG_SCOPE_UIDS_MAX 4096
#define SG_CONFIG_MAX 1
#define SG_COUNTERS_MAX 1
#define SG_SOCK_OWNER_VALUE struct sg_sock_owner
#endif
