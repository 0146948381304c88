// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: a task's identity, credentials and resource limits.
 *
 * Credentials are recorded so that restart can check them: a restarted
 * task runs with the credentials of the task that restarts it, and an
 * image of another user, or with capabilities the restarter lacks, is
 * refused rather than granted.
 */
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/futex.h>
#include <linux/personality.h>
#include <linux/pid_namespace.h>
#include <linux/resource.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/securebits.h>
#include <linux/security.h>
#include <linux/sem.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

/* The smallest rseq area rseq(2) accepts (kernel/rseq.c) */
#define CKPT_RSEQ_MIN_SIZE	32

/**
 * struct ckpt_rst_task - task state read at restart, applied at the end
 * @task: the CKPT_HDR_TASK record
 * @rlim: the limits of the CKPT_HDR_RLIMITS record (a process leader's)
 */
struct ckpt_rst_task {
	struct ckpt_hdr_task task;
	struct rlimit rlim[CKPT_RLIM_NLIMITS];
};

static u64 ckpt_cap(kernel_cap_t cap)
{
	return cap.val;
}

/* What this series cannot save about a task yet, as an error record */
static int checkpoint_task_check(struct ckpt_ctx *ctx, struct task_struct *t,
				 pid_t pid)
{
	if (t->ptrace) {
		ckpt_err(ctx, -EBUSY, "pid %d: is being traced", pid);
		return -EBUSY;
	}
	if (!ckpt_arch_task_supported(t)) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: not a 64-bit task", pid);
		return -EOPNOTSUPP;
	}
#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode != SECCOMP_MODE_DISABLED) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: seccomp filtering", pid);
		return -EOPNOTSUPP;
	}
#endif
	/* Threads share an undo list from their creation on, empty or not */
	if (!sem_undo_list_empty(t)) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: System V semaphore undo",
			 pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int checkpoint_task_record(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_task h = {};

	rcu_read_lock();
	h.pid = task_pid_vnr(t);
	h.tgid = task_tgid_vnr(t);
	h.ppid = task_tgid_vnr(rcu_dereference(t->real_parent));
	rcu_read_unlock();
	h.exit_signal = t->exit_signal;
	h.personality = t->personality;
	h.pdeath_signal = t->pdeath_signal;
	if (task_no_new_privs(t))
		h.flags |= CKPT_TASK_NO_NEW_PRIVS;
	if (thread_group_leader(t) && t->signal->is_child_subreaper)
		h.flags |= CKPT_TASK_SUBREAPER;
	h.clear_child_tid = (unsigned long)t->clear_child_tid;
#ifdef CONFIG_FUTEX
	h.robust_list = (unsigned long)t->robust_list;
	if (t->robust_list)
		h.robust_list_len = sizeof(*t->robust_list);
#endif
#ifdef CONFIG_RSEQ
	h.rseq = (unsigned long)t->rseq;
	h.rseq_len = t->rseq_len;
	h.rseq_sig = t->rseq_sig;
#endif
	get_task_comm(h.comm, t);
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h));
}

static int checkpoint_creds(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *cred = get_task_cred(t);
	struct group_info *gi = cred->group_info;
	struct ckpt_hdr_creds *h;
	u32 i, n = gi->ngroups;
	int ret = -ENOMEM;

	h = kzalloc(struct_size(h, groups, n), GFP_KERNEL);
	if (!h)
		goto out;
	h->uid = from_kuid_munged(ns, cred->uid);
	h->euid = from_kuid_munged(ns, cred->euid);
	h->suid = from_kuid_munged(ns, cred->suid);
	h->fsuid = from_kuid_munged(ns, cred->fsuid);
	h->gid = from_kgid_munged(ns, cred->gid);
	h->egid = from_kgid_munged(ns, cred->egid);
	h->sgid = from_kgid_munged(ns, cred->sgid);
	h->fsgid = from_kgid_munged(ns, cred->fsgid);
	h->cap_inheritable = ckpt_cap(cred->cap_inheritable);
	h->cap_permitted = ckpt_cap(cred->cap_permitted);
	h->cap_effective = ckpt_cap(cred->cap_effective);
	h->cap_bset = ckpt_cap(cred->cap_bset);
	h->cap_ambient = ckpt_cap(cred->cap_ambient);
	h->securebits = cred->securebits;
	h->ngroups = n;
	for (i = 0; i < n; i++)
		h->groups[i] = from_kgid_munged(ns, gi->gid[i]);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_CREDS, struct_size(h, groups, n));
	kvfree(h);
out:
	put_cred(cred);
	return ret;
}

static int checkpoint_rlimits(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_rlimits h = { .nr = CKPT_RLIM_NLIMITS };
	struct rlimit rlim[RLIM_NLIMITS];
	int i;

	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_RLIM_NLIMITS);
	task_lock(t->group_leader);
	memcpy(rlim, t->signal->rlim, sizeof(rlim));
	task_unlock(t->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		h.rlim[i].cur = rlim[i].rlim_cur == RLIM_INFINITY ?
				RLIM64_INFINITY : rlim[i].rlim_cur;
		h.rlim[i].max = rlim[i].rlim_max == RLIM_INFINITY ?
				RLIM64_INFINITY : rlim[i].rlim_max;
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_RLIMITS, sizeof(h));
}

/**
 * ckpt_checkpoint_task() - save a task's identity, credentials and limits
 * @ctx: checkpoint context
 * @task: the task, stopped or current
 *
 * Refuses a task with state this series cannot save yet: a tracer, a
 * 32-bit ABI, seccomp filters, semaphore undo lists.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_checkpoint_task(struct ckpt_ctx *ctx, struct task_struct *task)
{
	int ret;

	ret = checkpoint_task_check(ctx, task, task_pid_vnr(task));
	if (!ret)
		ret = checkpoint_task_record(ctx, task);
	if (!ret)
		ret = checkpoint_creds(ctx, task);
	/* The limits are the process's, saved with its leader */
	if (!ret && !ckpt_task_shares(ctx, CKPT_SHARE_SIGNAL))
		ret = checkpoint_rlimits(ctx, task);
	return ret;
}

static int restore_task_check(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_task *h)
{
	/* A thread sends no signal when it exits */
	bool thread = ckpt_task_shares(ctx, CKPT_SHARE_SIGNAL);
	bool exit_signal_ok = thread ? h->exit_signal == (u32)-1 :
				       valid_signal(h->exit_signal);
	bool rseq_ok = !h->rseq;

	if (h->rseq && h->rseq_len >= CKPT_RSEQ_MIN_SIZE &&
	    IS_ALIGNED(h->rseq, CKPT_RSEQ_MIN_SIZE) &&
	    IS_ALIGNED(h->rseq_len, 8) &&
	    access_ok((void __user *)(unsigned long)h->rseq, h->rseq_len))
		rseq_ok = true;
	if (h->pid <= 0 || h->tgid <= 0 || h->ppid < 0 ||
	    !exit_signal_ok || !valid_signal(h->pdeath_signal) ||
	    h->flags & ~(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_SUBREAPER) ||
	    (thread && h->flags & CKPT_TASK_SUBREAPER) || h->__pad ||
	    (h->robust_list && h->robust_list_len !=
	     sizeof(struct robust_list_head)) ||
	    !rseq_ok || h->personality == 0xffffffff ||
	    !memchr(h->comm, '\0', sizeof(h->comm))) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed task record",
			 ctx->nr_records);
		return -EINVAL;
	}
	return 0;
}

static bool restore_cap_ok(u64 image, kernel_cap_t have)
{
	return !(image & ~have.val);
}

/* The image's credentials must be the restarter's; nothing is granted */
static int restore_creds_check(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_creds *h)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *cred = current_cred();
	u32 i;

	if (h->uid != from_kuid_munged(ns, cred->uid) ||
	    h->euid != from_kuid_munged(ns, cred->euid) ||
	    h->suid != from_kuid_munged(ns, cred->suid) ||
	    h->fsuid != from_kuid_munged(ns, cred->fsuid) ||
	    h->gid != from_kgid_munged(ns, cred->gid) ||
	    h->egid != from_kgid_munged(ns, cred->egid) ||
	    h->sgid != from_kgid_munged(ns, cred->sgid) ||
	    h->fsgid != from_kgid_munged(ns, cred->fsgid)) {
		ckpt_err(ctx, -EPERM,
			 "image of uid %u gid %u, restarting as uid %u gid %u",
			 h->uid, h->gid, from_kuid_munged(ns, cred->uid),
			 from_kgid_munged(ns, cred->gid));
		return -EPERM;
	}
	if (!restore_cap_ok(h->cap_inheritable, cred->cap_inheritable) ||
	    !restore_cap_ok(h->cap_permitted, cred->cap_permitted) ||
	    !restore_cap_ok(h->cap_effective, cred->cap_effective) ||
	    !restore_cap_ok(h->cap_bset, cred->cap_bset) ||
	    !restore_cap_ok(h->cap_ambient, cred->cap_ambient)) {
		ckpt_err(ctx, -EPERM,
			 "image has capabilities the restarting task lacks");
		return -EPERM;
	}
	for (i = 0; i < h->ngroups; i++) {
		kgid_t gid = make_kgid(ns, h->groups[i]);

		if (!gid_valid(gid) || !groups_search(cred->group_info, gid)) {
			ckpt_err(ctx, -EPERM,
				 "image has group %u the restarting task lacks",
				 h->groups[i]);
			return -EPERM;
		}
	}
	return 0;
}

static int restore_creds(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_creds *h;
	int ret;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_CREDS, sizeof(*h),
				struct_size(h, groups, CKPT_NGROUPS_MAX));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = 0;
	if (h->h.len != struct_size(h, groups, h->ngroups)) {
		ckpt_err(ctx, -EINVAL, "record %u: %u groups in %u bytes",
			 ctx->nr_records, h->ngroups, h->h.len);
		ret = -EINVAL;
	}
	if (!ret)
		ret = restore_creds_check(ctx, h);
	kvfree(h);
	return ret;
}

static int restore_rlimits(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_rlimits h;
	struct rlimit cur;
	int i, ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_RLIMITS, sizeof(h));
	if (ret)
		return ret;
	if (h.nr != CKPT_RLIM_NLIMITS || h.__pad)
		goto bad;
	for (i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit *r = &rt->rlim[i];

		r->rlim_cur = h.rlim[i].cur >= RLIM_INFINITY ?
			      RLIM_INFINITY : h.rlim[i].cur;
		r->rlim_max = h.rlim[i].max >= RLIM_INFINITY ?
			      RLIM_INFINITY : h.rlim[i].max;
		if (r->rlim_cur > r->rlim_max)
			goto bad;
		task_lock(current->group_leader);
		cur = current->signal->rlim[i];
		task_unlock(current->group_leader);
		if (r->rlim_max > cur.rlim_max && !capable(CAP_SYS_RESOURCE)) {
			ckpt_err(ctx, -EPERM,
				 "image raises hard limit %d above the restarting task's",
				 i);
			return -EPERM;
		}
		/* What do_prlimit() would refuse at the end, refused now */
		if (i == RLIMIT_NOFILE && r->rlim_max > sysctl_nr_open) {
			ckpt_err(ctx, -EPERM,
				 "image's hard RLIMIT_NOFILE is above fs.nr_open (%u)",
				 sysctl_nr_open);
			return -EPERM;
		}
		ret = security_task_setrlimit(current, i, r);
		if (ret) {
			ckpt_err(ctx, ret, "resource limit %d refused", i);
			return ret;
		}
	}
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed resource limits",
		 ctx->nr_records);
	return -EINVAL;
}

/**
 * ckpt_restore_task() - read a task's identity, credentials and limits
 * @ctx: restart context
 *
 * Checks the credentials against the restarting task's and keeps the rest
 * for ckpt_commit_task().
 *
 * Return: 0, -EINVAL for a malformed image, -EPERM when the image asks
 * for more than the restarting task has, or another negative errno.
 */
int ckpt_restore_task(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_task *rt;
	int ret;

	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	ctx->rst_task = rt;
	ret = ckpt_read_obj(ctx, &rt->task.h, CKPT_HDR_TASK, sizeof(rt->task));
	if (!ret)
		ret = restore_task_check(ctx, &rt->task);
	if (!ret)
		ret = restore_creds(ctx);
	if (!ret && !ckpt_task_shares(ctx, CKPT_SHARE_SIGNAL))
		ret = restore_rlimits(ctx, rt);
	return ret;
}

/* Visits the descendants that do not know yet (1: go on below @p) */
static int set_has_subreaper(struct task_struct *p, void *data)
{
	if (p->signal->has_child_subreaper || is_child_reaper(task_pid(p)))
		return 0;
	p->signal->has_child_subreaper = 1;
	return 1;
}

/*
 * Makes @t a child subreaper or not, as PR_SET_CHILD_SUBREAPER does: its
 * descendants then learn they have one (the tasks of a tree below it
 * exist already).
 */
static void restore_subreaper(struct task_struct *t, bool on)
{
	/* A bit field next to has_child_subreaper: written only if it changes */
	if (t->signal->is_child_subreaper == on)
		return;
	t->signal->is_child_subreaper = on;
	if (on)
		walk_process_tree(t, set_has_subreaper, NULL);
}

/**
 * ckpt_commit_task() - apply the task state read by ckpt_restore_task()
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_task(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_task *rt = ctx->rst_task;
	const struct ckpt_hdr_task *h = &rt->task;
	bool thread = ckpt_task_shares(ctx, CKPT_SHARE_SIGNAL);
	struct task_struct *t = current;

	set_task_comm(t, h->comm);
	t->personality = h->personality;
	if (!thread) {
		/* The parent may be in wait() and read it */
		write_lock_irq(&tasklist_lock);
		t->exit_signal = h->exit_signal;
		write_unlock_irq(&tasklist_lock);
	}
	t->pdeath_signal = h->pdeath_signal;
	if (h->flags & CKPT_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(t);
	if (!thread)
		restore_subreaper(t, h->flags & CKPT_TASK_SUBREAPER);
	t->clear_child_tid = (int __user *)(unsigned long)h->clear_child_tid;
#ifdef CONFIG_FUTEX
	t->robust_list = (void __user *)(unsigned long)h->robust_list;
#endif
#ifdef CONFIG_RSEQ
	t->rseq = (struct rseq __user *)(unsigned long)h->rseq;
	t->rseq_len = h->rseq_len;
	t->rseq_sig = h->rseq_sig;
	t->rseq_event_mask = 0;
	rseq_set_notify_resume(t);
#endif
	return 0;
}

/**
 * ckpt_commit_rlimits() - set the resource limits of the image's process
 * @ctx: restart context
 *
 * The last commit: a limit lowered after the process took what it limits
 * (a descriptor above its RLIMIT_NOFILE) must not keep the restart from
 * giving that back, as it did not take it from the process.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_rlimits(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_task *rt = ctx->rst_task;
	int i, ret;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		ret = do_prlimit(current, i, &rt->rlim[i], NULL);
		if (ret) {
			ckpt_err(ctx, ret, "cannot set resource limit %d", i);
			return ret;
		}
	}
	return 0;
}

/**
 * ckpt_cleanup_task() - free what ckpt_restore_task() kept
 * @ctx: restart context
 */
void ckpt_cleanup_task(struct ckpt_ctx *ctx)
{
	kfree(ctx->rst_task);
	ctx->rst_task = NULL;
}
