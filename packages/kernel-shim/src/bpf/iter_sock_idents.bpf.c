/* Run by user space just before the end iterators: records, for every socket file of every
 * process (in the daemon's pid namespace, i.e. all of them), socket cookie -> the identity of
 * the first process found holding it (its exec-time record), so a socket with no owner record of its own can still
 * be judged. Decides nothing. Needs 5.11 (bpf_sock_from_file). */
SEC("iter/task_file")
int sg_iter_sock_idents(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sg_sock_ident id = {};
	struct socket *sock;
	struct file *exe;
	__u64 sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = (__u64)sock->sk;
	if (!sk)
		return 0;
	if (sg_exec_ids) {
		/* the iterator's task is not a trusted pointer: take the leader by its pid */
		struct task_struct *leader = bpf_task_from_pid(task->tgid);
		struct sg_task_ident *rec;

		if (!leader)
			return 0;
		rec = bpf_task_storage_get(&sg_task_ids, leader, NULL, 0);
		if (rec) {
			id.exe_ino = rec->exe_ino;
			id.exe_dev = rec->exe_dev;
			id.exe_gen = rec->exe_gen;
		}
		bpf_task_release(leader);
		if (!rec)
			return 0;
	} else {
		exe = task->mm ? task->mm->exe_file : NULL;
		if (!exe)
			return 0;
		id.exe_ino = exe->f_path.dentry->d_inode->i_ino;
		id.exe_dev = exe->f_path.dentry->d_inode->i_sb->s_dev;
		id.exe_gen = exe->f_path.dentry->d_inode->i_generation;
	}
	id.uid = task->cred->uid.val;
	id.gen = sg_end_generation();
	bpf_map_update_elem(&sg_sock_idents, &sk, &id, BPF_ANY);
	return 0;
}
