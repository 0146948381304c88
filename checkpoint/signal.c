// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: signal dispositions, the blocked mask, the
 * alternate signal stack and (in sigpending.c) the pending signals.
 *
 * Timers are in timers.c.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/sched/jobctl.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include "signal.h"

/* The SA_* flags a disposition may carry */
#define CKPT_SA_FLAGS	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			 SA_ONSTACK | SA_RESTART | SA_NODEFER | \
			 SA_RESETHAND | SA_RESTORER | SA_EXPOSE_TAGBITS | \
			 SA_UNSUPPORTED)

/**
 * struct ckpt_rst_signal - signal state read at restart
 * @own_sighand: the task has its own handlers in the image, not shared
 *	with a task before it
 * @sighand: if so, the CKPT_HDR_SIGHAND record
 * @task: the CKPT_HDR_SIGNAL_TASK record
 * @pending: the CKPT_HDR_SIGPENDING records, task then shared queue (the
 *	latter for a process leader only)
 */
struct ckpt_rst_signal {
	bool own_sighand;
	struct ckpt_hdr_sighand sighand;
	struct ckpt_hdr_signal_task task;
	struct ckpt_hdr_sigpending *pending[2];
};

/**
 * ckpt_checkpoint_signals() - save dispositions, mask, altstack, pending
 * @ctx: checkpoint context
 * @task: the task
 *
 * The dispositions are saved with the first task that holds them, the
 * signals pending on the process with its leader.
 *
 * A task stopped in sigsuspend(2) or a similar call has a temporary mask;
 * the one saved is the mask it returns to, since the call is restarted
 * from the beginning.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_checkpoint_signals(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_hdr_signal_task st = {};
	struct sighand_struct *sighand;
	struct ckpt_hdr_sighand *sh;
	unsigned long irqflags;
	int i, ret;

	sh = kzalloc(sizeof(*sh), GFP_KERNEL);
	if (!sh)
		return -ENOMEM;
	BUILD_BUG_ON(CKPT_NSIG != _NSIG);
	BUILD_BUG_ON(_NSIG_WORDS != 1);
	sh->nr = CKPT_NSIG;
	sighand = lock_task_sighand(task, &irqflags);
	if (!sighand) {
		kfree(sh);
		return -ESRCH;
	}
	ret = 0;
	for (i = 0; i < _NSIG; i++) {
		const struct sigaction *sa = &sighand->action[i].sa;

		sh->action[i].handler = (unsigned long)sa->sa_handler;
		sh->action[i].flags = sa->sa_flags;
		sh->action[i].restorer = (unsigned long)sa->sa_restorer;
		sh->action[i].mask = sa->sa_mask.sig[0];
	}
	if (test_tsk_restore_sigmask(task))
		st.blocked = task->saved_sigmask.sig[0];
	else
		st.blocked = task->blocked.sig[0];
	spin_unlock_irqrestore(&sighand->siglock, irqflags);
	st.ss_sp = task->sas_ss_sp;
	st.ss_size = task->sas_ss_size;
	st.ss_flags = task->sas_ss_flags;

	if (!ret && !ckpt_task_shares(ctx, CKPT_SHARE_SIGHAND))
		ret = ckpt_write_obj(ctx, &sh->h, CKPT_HDR_SIGHAND, sizeof(*sh));
	if (!ret)
		ret = ckpt_write_obj(ctx, &st.h, CKPT_HDR_SIGNAL_TASK,
				     sizeof(st));
	kfree(sh);
	if (!ret)
		ret = ckpt_checkpoint_sigpending(ctx, task);
	return ret;
}

static bool restore_sighand_ok(const struct ckpt_hdr_sighand *sh)
{
	int i;

	if (sh->nr != CKPT_NSIG || sh->__pad)
		return false;
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &sh->action[i];

		if (a->flags & ~(u64)CKPT_SA_FLAGS)
			return false;
		if ((i + 1 == SIGKILL || i + 1 == SIGSTOP) && a->handler)
			return false;
	}
	return true;
}

/**
 * ckpt_restore_signals() - read and check the signal records
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for malformed records, or another negative errno.
 */
int ckpt_restore_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signal *rs;
	unsigned int i;
	u32 mode;
	int ret;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	ctx->rst_signal = rs;
	rs->own_sighand = !ckpt_task_shares(ctx, CKPT_SHARE_SIGHAND);
	if (rs->own_sighand) {
		ret = ckpt_read_obj(ctx, &rs->sighand.h, CKPT_HDR_SIGHAND,
				    sizeof(rs->sighand));
		if (ret)
			return ret;
		if (!restore_sighand_ok(&rs->sighand))
			goto bad;
	}
	ret = ckpt_read_obj(ctx, &rs->task.h, CKPT_HDR_SIGNAL_TASK,
			    sizeof(rs->task));
	if (ret)
		return ret;
	/* sigaltstack(2) keeps SS_ONSTACK if given, and reports it never */
	mode = rs->task.ss_flags & ~SS_AUTODISARM;
	if (rs->task.__pad ||
	    (mode && mode != SS_ONSTACK && mode != SS_DISABLE) ||
	    (rs->task.ss_size && !access_ok((void __user *)rs->task.ss_sp,
					    rs->task.ss_size)))
		goto bad;
	for (i = 0; i < ckpt_sigpending_queues(ctx); i++) {
		rs->pending[i] = ckpt_read_sigpending(ctx, i);
		if (IS_ERR(rs->pending[i])) {
			ret = PTR_ERR(rs->pending[i]);
			rs->pending[i] = NULL;
			return ret;
		}
	}
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed signal state",
		 ctx->nr_records);
	return -EINVAL;
}

/**
 * ckpt_commit_signals() - install dispositions, mask, altstack
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signal *rs = ctx->rst_signal;
	struct task_struct *t = current;
	struct sighand_struct *sighand;
	sigset_t blocked;
	int i;

	/* Shared with the tasks of the restart only (checked before) */
	sighand = rcu_dereference_protected(t->sighand, 1);
	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < _NSIG && rs->own_sighand; i++) {
		const struct ckpt_sigaction *a = &rs->sighand.action[i];
		struct sigaction *sa = &sighand->action[i].sa;

		sa->sa_handler = (__sighandler_t)(unsigned long)a->handler;
		sa->sa_flags = a->flags;
		sa->sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
		siginitset(&sa->sa_mask, a->mask);
		sigdelsetmask(&sa->sa_mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	}
	spin_unlock_irq(&sighand->siglock);

	siginitset(&blocked, rs->task.blocked);
	set_current_blocked(&blocked);
	clear_restore_sigmask();
	t->sas_ss_sp = rs->task.ss_sp;
	t->sas_ss_size = rs->task.ss_size;
	t->sas_ss_flags = rs->task.ss_flags;
	return 0;
}

/**
 * ckpt_restore_sigpending() - check the pending signals against the timers
 * @ctx: restart context
 *
 * Reads nothing: the records came with the signal state; once the timers
 * are read too, a signal that a timer had queued must name one that
 * sends it there.
 *
 * Return: 0, or -EINVAL for a malformed record.
 */
int ckpt_restore_sigpending(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signal *rs = ctx->rst_signal;
	unsigned int i;
	int ret;

	for (i = 0; i < ckpt_sigpending_queues(ctx); i++) {
		ret = ckpt_check_sigpending_timers(ctx, rs->pending[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * ckpt_commit_sigpending() - queue the pending signals read with the rest
 * @ctx: restart context
 *
 * After ckpt_commit_signals() and, for a process, ckpt_commit_timers():
 * a signal that a timer had queued is queued as the timer's own.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_sigpending(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signal *rs = ctx->rst_signal;
	struct task_struct *t = current;
	struct sighand_struct *sighand;
	unsigned int i;
	int ret;

	/*
	 * The caller's own pending signals are not the image's; a kill stays.
	 * They go once its own timers are gone (ckpt_commit_timers()), which
	 * could else queue more. A task of a tree dropped its own when it
	 * joined (coordinator.c): what was sent to it since is the restored
	 * task's, and stays. The process's are its leader's to replace,
	 * before its threads.
	 */
	sighand = rcu_dereference_protected(t->sighand, 1);
	spin_lock_irq(&sighand->siglock);
	if (!fatal_signal_pending(t)) {
		if (!(ctx->flags & RESTART_COORDINATE))
			flush_sigqueue(&t->pending);
		if (rs->pending[CKPT_SIGPENDING_SHARED])
			flush_sigqueue(&t->signal->shared_pending);
		recalc_sigpending();
	}
	spin_unlock_irq(&sighand->siglock);

	for (i = 0; i < ckpt_sigpending_queues(ctx); i++) {
		ret = ckpt_queue_sigpending(ctx, rs->pending[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * ckpt_cleanup_signals() - free what ckpt_restore_signals() kept
 * @ctx: restart context
 */
void ckpt_cleanup_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signal *rs = ctx->rst_signal;
	unsigned int i;

	if (rs)
		for (i = 0; i < ARRAY_SIZE(rs->pending); i++)
			kvfree(rs->pending[i]);
	kfree(ctx->rst_signal);
	ctx->rst_signal = NULL;
}

/**
 * ckpt_restore_stop() - stop the caller's process again, as it was stopped
 * @signr: the signal that stopped it
 * @waited: its parent had taken the stop with wait(2)
 *
 * Called by the process's last task to be restored, before any task of
 * the restart returns. The group stop is put back whole: each thread
 * stops on its way to user space, and none tells the parent, which was
 * told before the checkpoint (a SIGCHLD it had not taken comes back with
 * its own pending signals). wait(2) with WUNTRACED reports the stop
 * unless it had already.
 */
void ckpt_restore_stop(int signr, bool waited)
{
	struct signal_struct *sig = current->signal;
	struct task_struct *t, *parent, *leader = current->group_leader;
	struct sighand_struct *sighand;
	bool stopped = false;

	/* current's own: it cannot change under it */
	sighand = rcu_dereference_protected(current->sighand, 1);
	spin_lock_irq(&sighand->siglock);
	/* Not if a fatal signal came meanwhile */
	if (!(sig->flags & SIGNAL_GROUP_EXIT) && !sig->group_exec_task) {
		signal_set_stop_flags(sig, SIGNAL_STOP_STOPPED);
		sig->group_exit_code = waited ? 0 : signr;
		sig->group_stop_count = 0;
		for_each_thread(current, t) {
			/* Pending without JOBCTL_STOP_CONSUME: the stop is complete */
			task_clear_jobctl_pending(t, JOBCTL_STOP_PENDING);
			task_set_jobctl_pending(t, signr | JOBCTL_STOP_PENDING);
			signal_wake_up(t, 0);
		}
		stopped = true;
	}
	spin_unlock_irq(&sighand->siglock);
	/* A parent that waits with WUNTRACED already finds the stop */
	if (stopped && !waited) {
		read_lock(&tasklist_lock);
		parent = rcu_dereference_protected(leader->real_parent,
						   lockdep_is_held(&tasklist_lock));
		__wake_up_parent(leader, parent);
		read_unlock(&tasklist_lock);
	}
}
