// Benchmark only: passes every packet. Attached to a cgroup of its own by bench:shim, it
// measures what any cgroup_skb/egress program costs a UDP send on this kernel (the floor
// under sg_egress's own cost).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* passes every packet: the cost measured is the kernel's dispatch of an egress program */
SEC("cgroup_skb/egress")
int sg_egress_floor(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
