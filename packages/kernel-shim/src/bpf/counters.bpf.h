/* Per-CPU counters, summed by user space. */
#pragma once

static __always_inline struct sg_counters *sg_counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_counters, &zero);
}

static __always_inline void sg_bump(struct sg_counters *c, __u32 hook, __u32 counter)
{
	if (c && hook < SG_HOOK_COUNT && counter < SG_CNT_COUNT)
		c->c[hook][counter]++;
}

static __always_inline void sg_count(__u32 hook, __u32 counter)
{
	sg_bump(sg_counters_get(), hook, counter);
}
