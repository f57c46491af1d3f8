/*
 * Calls one process performs for another: sockgate run's supervisor binds or listens on its
 * own copy of the socket it checked, for the supervised thread the daemon named on the
 * socket (sg_delegations). The hook then decides, records and reports the call as that
 * thread's. Needs bpf_task_from_pid in the hook's program type and exec-time identities
 * (the loader clears sg_delegation otherwise).
 */
#pragma once

/* Set by the loader: this kernel lets sockops and sock_addr programs take a task by its pid. */
const volatile __u8 sg_delegation = 1;

/* The thread named on the socket for `op`, taken once; acquired, or NULL. *named says whether
 * one was named: a thread that is gone, or has no exec-time record, cannot be said to make the
 * call, and the hook refuses it. A name left for another operation is dropped. */
static __always_inline struct task_struct *sg_delegate(struct bpf_sock *sk, __u32 op, int *named)
{
	struct sg_delegation *d;
	struct task_struct *t;
	__u32 tid, tgid, for_op;

	*named = 0;
	if (!sg_delegation || !sg_exec_ids || !sk)
		return NULL;
	d = bpf_sk_storage_get(&sg_delegations, sk, NULL, 0);
	if (!d)
		return NULL;
	tid = d->tid;
	tgid = d->tgid;
	for_op = d->op;
	bpf_sk_storage_delete(&sg_delegations, sk);
	if (for_op != op)
		return NULL;
	*named = 1;
	t = bpf_task_from_pid(tid);
	if (t && (t->tgid != tgid || !sg_task_record(t))) {
		/* the thread ended and its id went to another process, or it has no identity */
		bpf_task_release(t);
		t = NULL;
	}
	return t;
}
