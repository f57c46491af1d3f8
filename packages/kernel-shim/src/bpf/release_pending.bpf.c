/* Run by user space (BPF_PROG_RUN) once a held flow is decided: writes the flow's answer
 * when asked, then ends it in sg_pending and gives its budget back, atomically with the
 * hooks that take budget; a refused answer releases nothing. Needs 5.14. */
SEC("syscall")
int sg_release_pending(struct sg_release_args *args)
{
	struct sg_flow_key key;
	struct sg_verdict_value flow;

	__builtin_memcpy(&key, &args->key, sizeof(key));
	args->released = 0;
	if (args->set_flow) {
		__builtin_memcpy(&flow, &args->flow, sizeof(flow));
		if (bpf_map_update_elem(&sg_flows, &key, &flow, BPF_ANY))
			return 1;
	}
	args->released = sg_release_flow(&key);
	return 0;
}
