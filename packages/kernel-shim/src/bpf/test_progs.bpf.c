// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test only: build/test-progs.bpf.o, never loaded by the shim. Drives the shim's shared
 * packet parser (packet.bpf.h) and its hold match (hold_match.bpf.c, the very source) with
 * BPF_PROG_TEST_RUN and hand-made packets (src/bpf-test-run.test.ts). A cgroup_skb program
 * cannot be driven this way (test-run gives it a dummy socket in state CLOSE with no
 * storage), so both run as socket filters, which see the packet from its network header
 * on, as the shim's cgroup_skb and xt_bpf programs do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

#include "sockgate-abi.h"
#include "upgrade-variant.bpf.h"
#include "maps.bpf.h"
#include "counters.bpf.h"
#include "identity.bpf.h"
#include "request.bpf.h"
#include "packet.bpf.h"

/* test-run gives every run a fresh dummy socket, whose cookie no test can know beforehand:
 * here the packet's mark (set through the run's __sk_buff context) stands in for it. */
#define bpf_get_socket_cookie(skb) ((__u64)(skb)->mark)
#include "upgrade.bpf.c"
#include "hold_match.bpf.c"
#undef bpf_get_socket_cookie

/* What sg_parse_packet_l4 made of the last packet. Mirrored in src/bpf-test-run.test.ts. */
struct sg_test_parse {
	__s32 ret;     /* enum sg_parse */
	__u32 l4off;   /* set for TCP and UDP only */
	struct sg_pkt pkt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_test_parse);
} sg_test_parse_out SEC(".maps");

SEC("socket")
int sg_test_parse(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct sg_test_parse *out = bpf_map_lookup_elem(&sg_test_parse_out, &zero);

	if (!out)
		return 0;
	__builtin_memset(out, 0, sizeof(*out));
	out->ret = sg_parse_packet_l4(skb, &out->pkt, &out->l4off);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
