/* Run by user space (BPF_PROG_RUN) once a held flow is decided: ends it in sg_pending and
 * gives its budget back, atomically with the hooks that take budget. Needs 5.14. */
SEC("syscall")
int sg_release_pending(struct sg_release_args *args)
{
	struct sg_flow_key key;

	__builtin_memcpy(&key, &args->key, sizeof(key));
	args->released = sg_release_flow(&key);
	return 0;
}
