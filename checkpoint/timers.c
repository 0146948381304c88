// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: timers.
 *
 * The interval timers of the process (ITIMER_REAL, which alarm(2) also
 * uses, ITIMER_VIRTUAL and ITIMER_PROF) are saved as getitimer(2) reads
 * them, the time left and the interval, and armed again at restart as
 * setitimer(2) would: the time left counts from the restart. POSIX timers
 * are not saved yet: a process that has any is refused rather than
 * restarted without them.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/time.h>
#include <uapi/linux/time.h>

/* POSIX timers: refused until they can be saved */
static int checkpoint_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct sighand_struct *sighand;
	unsigned long flags;
	bool any;

	sighand = lock_task_sighand(t, &flags);
	if (!sighand)
		return -ESRCH;
	any = !hlist_empty(&t->signal->posix_timers);
	spin_unlock_irqrestore(&sighand->siglock, flags);
	if (!any)
		return 0;
	ckpt_err(ctx, -EOPNOTSUPP, "pid %d: POSIX timers (not supported yet)",
		 task_pid_vnr(t));
	return -EOPNOTSUPP;
}

/**
 * ckpt_checkpoint_timers() - save the interval timers of a task's process
 * @ctx: checkpoint context
 * @task: the task, stopped or current
 *
 * Refuses a process with POSIX timers.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_hdr_itimers h = { .nr = CKPT_ITIMER_NR };
	struct itimerspec64 v;
	int which, ret;

	BUILD_BUG_ON(ITIMER_REAL != 0 || ITIMER_VIRTUAL != 1 ||
		     ITIMER_PROF != 2 || CKPT_ITIMER_NR != 3);
	ret = checkpoint_posix_timers(ctx, task);
	if (ret)
		return ret;
	for (which = 0; which < CKPT_ITIMER_NR; which++) {
		ret = do_getitimer(task, which, &v);
		if (ret)
			return ret;
		h.timers[which].value = timespec64_to_ns(&v.it_value);
		h.timers[which].interval = timespec64_to_ns(&v.it_interval);
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_ITIMERS, sizeof(h));
}

/**
 * ckpt_restore_timers() - read and check the interval timers
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for a malformed record, or another negative errno.
 */
int ckpt_restore_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_itimers *h;
	int which, ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ctx->rst_itimers = h;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_ITIMERS, sizeof(*h));
	if (ret)
		return ret;
	if (h->nr != CKPT_ITIMER_NR || h->__pad)
		goto bad;
	for (which = 0; which < CKPT_ITIMER_NR; which++)
		if (h->timers[which].value > (u64)KTIME_MAX ||
		    h->timers[which].interval > (u64)KTIME_MAX)
			goto bad;
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed interval timers",
		 ctx->nr_records);
	return -EINVAL;
}

/**
 * ckpt_commit_timers() - arm the interval timers of the image
 * @ctx: restart context
 *
 * Every timer is set, so that a disarmed one in the image disarms the
 * restarting process's own.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_timers(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_itimers *h = ctx->rst_itimers;
	const struct ckpt_itimer *real;
	struct itimerspec64 v;
	int which, ret;

	for (which = 0; which < CKPT_ITIMER_NR; which++) {
		v.it_value = ns_to_timespec64((s64)h->timers[which].value);
		v.it_interval = ns_to_timespec64((s64)h->timers[which].interval);
		ret = do_setitimer(which, &v, NULL);
		if (ret)
			return ret;
	}
	/*
	 * A periodic ITIMER_REAL that fired, its SIGALRM not taken yet (it is
	 * blocked, and pending in the image), reads as 0 left: setting that
	 * disarms it, but its period must stay, for taking the signal to arm
	 * it again, as dequeue_signal() does.
	 */
	real = &h->timers[ITIMER_REAL];
	if (!real->value && real->interval) {
		struct sighand_struct *sighand;
		struct signal_struct *sig = current->signal;

		/* shared with the tasks of the restart only (checked before) */
		sighand = rcu_dereference_protected(current->sighand, 1);
		spin_lock_irq(&sighand->siglock);
		/* the next period counts from now, not from an old expiry */
		hrtimer_set_expires(&sig->real_timer, ktime_get());
		sig->it_real_incr = ns_to_ktime((s64)real->interval);
		spin_unlock_irq(&sighand->siglock);
	}
	return 0;
}

/**
 * ckpt_cleanup_timers() - free what ckpt_restore_timers() kept
 * @ctx: restart context
 */
void ckpt_cleanup_timers(struct ckpt_ctx *ctx)
{
	kfree(ctx->rst_itimers);
	ctx->rst_itimers = NULL;
}
