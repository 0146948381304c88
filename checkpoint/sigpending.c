// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: pending signals.
 *
 * A task has two queues: its own (signals sent to the thread) and its
 * process's shared one. Each is saved as its pending set and the queued
 * siginfos, oldest first, and queued again at restart with the same
 * information, in the same order, once the handlers and the blocked mask
 * are in place: a blocked signal stays pending, another is delivered when
 * the restored task returns to user space. A signal that a POSIX timer
 * queued is queued again as the timer's own, once the timer is there:
 * while it is pending, the timer's next expiries count as its overruns.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/posix-timers.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "signal.h"

/* Attempts at copying a queue that keeps growing while it is copied */
#define CKPT_SIGPENDING_TRIES	3

static unsigned int sigpending_count(struct sigpending *pending)
{
	struct sigqueue *q;
	unsigned int n = 0;

	list_for_each_entry(q, &pending->list, list)
		n++;
	return n;
}

/*
 * The siginfo of @q as queued; the si_sys_private of a timer's signal,
 * which the kernel keeps for itself, says whether it is the timer's own
 * (1), queued by the timer, or a copy (0) sent with rt_sigqueueinfo(2)
 */
static void sigpending_save(struct ckpt_siginfo *si, const struct sigqueue *q)
{
	kernel_siginfo_t info = q->info;

	if (info.si_code == SI_TIMER)
		info.si_sys_private = !!(q->flags & SIGQUEUE_PREALLOC);
	memcpy(si->raw, &info, sizeof(info));
}

/* Whether @info is a timer's own signal, as sigpending_save() marks it */
static bool sigpending_timer_own(const kernel_siginfo_t *info)
{
	return info->si_code == SI_TIMER && info->si_sys_private;
}

static struct sigpending *sigpending_of(struct task_struct *t, u32 queue)
{
	return queue == CKPT_SIGPENDING_SHARED ? &t->signal->shared_pending :
						 &t->pending;
}

/*
 * Copies one queue of @t into a new record, under its siglock; the record
 * is sized first, without the lock, and the copy done again if signals
 * arrived meanwhile (a stopped task can still be sent signals).
 */
static struct ckpt_hdr_sigpending *sigpending_copy(struct ckpt_ctx *ctx,
						   struct task_struct *t,
						   u32 queue)
{
	unsigned int tries, n = 0, count, i;
	struct ckpt_hdr_sigpending *h;
	struct sighand_struct *sighand;
	struct sigpending *pending;
	unsigned long flags;
	struct sigqueue *q;

	for (tries = 0; tries < CKPT_SIGPENDING_TRIES; tries++) {
		h = kvzalloc(struct_size(h, info, n), GFP_KERNEL);
		if (!h)
			return ERR_PTR(-ENOMEM);
		sighand = lock_task_sighand(t, &flags);
		if (!sighand) {
			kvfree(h);
			return ERR_PTR(-ESRCH);
		}
		pending = sigpending_of(t, queue);
		count = sigpending_count(pending);
		if (count == n) {
			h->signal = pending->signal.sig[0];
			i = 0;
			list_for_each_entry(q, &pending->list, list)
				sigpending_save(&h->info[i++], q);
		}
		spin_unlock_irqrestore(&sighand->siglock, flags);
		if (count == n) {
			h->queue = queue;
			h->nr_info = n;
			return h;
		}
		kvfree(h);
		n = count;
		if (n > CKPT_SIGPENDING_MAX) {
			ckpt_err(ctx, -EOPNOTSUPP, "pid %d: more than %u queued signals",
				 task_pid_vnr(t), CKPT_SIGPENDING_MAX);
			return ERR_PTR(-EOPNOTSUPP);
		}
	}
	ckpt_err(ctx, -EBUSY, "pid %d: signals kept coming while they were saved",
		 task_pid_vnr(t));
	return ERR_PTR(-EBUSY);
}

/*
 * A periodic timer whose own signal is queued counts its expiries since
 * as overruns, which the signal gets when it is taken: they go with it
 * (the timer is armed again at restart, not when the signal is taken).
 * Outside the siglock, which the timer's lock comes before.
 */
static void sigpending_timer_overruns(struct task_struct *t,
				      struct ckpt_hdr_sigpending *h)
{
	kernel_siginfo_t info;
	unsigned int i;
	s64 sum;

	for (i = 0; i < h->nr_info; i++) {
		memcpy(&info, h->info[i].raw, sizeof(info));
		if (!sigpending_timer_own(&info))
			continue;
		sum = (s64)info.si_overrun +
		      posix_timer_pending_overrun(t, info.si_tid);
		info.si_overrun = min_t(s64, sum, INT_MAX);
		memcpy(h->info[i].raw, &info, sizeof(info));
	}
}

/**
 * ckpt_sigpending_queues() - how many pending-signal queues the task has
 * @ctx: checkpoint or restart context, at the task
 *
 * A process leader's records hold its own queue and the process's; a
 * thread's, its own only.
 *
 * Return: 2 or 1.
 */
unsigned int ckpt_sigpending_queues(const struct ckpt_ctx *ctx)
{
	return ckpt_task_shares(ctx, CKPT_SHARE_SIGNAL) ? 1 : 2;
}

/**
 * ckpt_checkpoint_sigpending() - save the pending-signal queues of a task
 * @ctx: checkpoint context
 * @task: the task
 *
 * Return: 0, -ESRCH for a task being killed, or another negative errno.
 */
int ckpt_checkpoint_sigpending(struct ckpt_ctx *ctx, struct task_struct *task)
{
	static const u32 queues[] = {
		CKPT_SIGPENDING_TASK, CKPT_SIGPENDING_SHARED,
	};
	struct ckpt_hdr_sigpending *h;
	unsigned int i;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct kernel_siginfo) > CKPT_SIGINFO_SIZE);
	for (i = 0; i < ckpt_sigpending_queues(ctx) && !ret; i++) {
		h = sigpending_copy(ctx, task, queues[i]);
		if (IS_ERR(h))
			return PTR_ERR(h);
		sigpending_timer_overruns(task, h);
		if (h->signal & sigmask(SIGKILL)) {
			ckpt_err(ctx, -ESRCH, "pid %d: is being killed",
				 task_pid_vnr(task));
			ret = -ESRCH;
		} else {
			ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SIGPENDING,
					     struct_size(h, info, h->nr_info));
		}
		kvfree(h);
	}
	return ret;
}

static bool sigpending_ok(const struct ckpt_hdr_sigpending *h)
{
	u64 seen = 0;
	unsigned int i;

	if (h->h.len != struct_size(h, info, h->nr_info) ||
	    h->signal & sigmask(SIGKILL))
		return false;
	for (i = 0; i < h->nr_info; i++) {
		const struct ckpt_siginfo *si = &h->info[i];
		kernel_siginfo_t info;
		int signo;
		bool own;

		memcpy(&info, si->raw, sizeof(info));
		signo = info.si_signo;
		if (signo < 1 || signo > _NSIG ||
		    !(h->signal & sigmask(signo)) ||
		    memchr_inv(si->raw + sizeof(struct kernel_siginfo), 0,
			       CKPT_SIGINFO_SIZE - sizeof(struct kernel_siginfo)))
			return false;
		own = sigpending_timer_own(&info);
		if (info.si_code == SI_TIMER && (u32)info.si_sys_private > 1)
			return false;
		/*
		 * A standard signal is queued once at most, but for the own
		 * signals of timers, which the kernel queues besides
		 */
		if (signo < SIGRTMIN && !own && (seen & sigmask(signo)))
			return false;
		if (!own)
			seen |= sigmask(signo);
	}
	return true;
}

/**
 * ckpt_read_sigpending() - read and check one CKPT_HDR_SIGPENDING record
 * @ctx: restart context
 * @queue: the queue expected, enum ckpt_sigpending_queue
 *
 * Return: the record, to be freed with kvfree(), or an ERR_PTR(): -EINVAL
 * for a malformed record.
 */
struct ckpt_hdr_sigpending *ckpt_read_sigpending(struct ckpt_ctx *ctx,
						 u32 queue)
{
	struct ckpt_hdr_sigpending *h;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_SIGPENDING, sizeof(*h),
				struct_size(h, info, CKPT_SIGPENDING_MAX));
	if (IS_ERR(h))
		return h;
	if (h->queue != queue || h->nr_info > CKPT_SIGPENDING_MAX ||
	    !sigpending_ok(h)) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed pending signals",
			 ctx->nr_records);
		kvfree(h);
		return ERR_PTR(-EINVAL);
	}
	return h;
}

/**
 * ckpt_check_sigpending_timers() - check the timers' own signals of a record
 * @ctx: restart context, the task's timers known (ckpt_timer_signal_ok())
 * @h: a record from ckpt_read_sigpending()
 *
 * Each must be the signal of a timer of the process that sends it where it
 * is pending, and be there once.
 *
 * Return: 0, or -EINVAL for a malformed record.
 */
int ckpt_check_sigpending_timers(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_sigpending *h)
{
	bool thread = h->queue == CKPT_SIGPENDING_TASK;
	kernel_siginfo_t info;
	unsigned int i, n = 0;
	timer_t *ids;
	int ret = 0;

	ids = kvmalloc_array(max(h->nr_info, 1U), sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < h->nr_info && !ret; i++) {
		memcpy(&info, h->info[i].raw, sizeof(info));
		if (!sigpending_timer_own(&info))
			continue;
		if (!ckpt_timer_signal_ok(ctx, info.si_tid, info.si_signo, thread))
			ret = -EINVAL;
		ids[n++] = info.si_tid;
	}
	sort(ids, n, sizeof(*ids), ckpt_cmp_timer_id, NULL);
	for (i = 1; i < n && !ret; i++)
		if (ids[i] == ids[i - 1])
			ret = -EINVAL;
	kvfree(ids);
	if (ret)
		ckpt_err(ctx, ret, "pid %d: a pending signal of a POSIX timer that does not send it there",
			 ctx->task_pid);
	return ret;
}

/* A timer's own signal, queued again as the timer's (the timer exists) */
static int requeue_timer_signal(struct ckpt_ctx *ctx,
				const kernel_siginfo_t *info, bool thread)
{
	int ret;

	ret = posix_timer_requeue(info->si_tid, info->si_signo, thread,
				  info->si_overrun);
	if (ret)
		ckpt_err(ctx, ret, "pid %d: signal %d of POSIX timer %d, which does not send it there",
			 ctx->task_pid, info->si_signo, info->si_tid);
	return ret;
}

/**
 * ckpt_queue_sigpending() - queue the signals of a record on current
 * @ctx: restart context
 * @h: a record from ckpt_read_sigpending()
 *
 * Called once the handlers and the blocked mask are restored, and the
 * process's timers created: a signal that a timer had queued is queued
 * as that timer's own.
 *
 * Return: 0 or a negative errno (-EAGAIN over RLIMIT_SIGPENDING).
 */
int ckpt_queue_sigpending(struct ckpt_ctx *ctx,
			  const struct ckpt_hdr_sigpending *h)
{
	enum pid_type type = h->queue == CKPT_SIGPENDING_SHARED ?
			     PIDTYPE_TGID : PIDTYPE_PID;
	u64 left = h->signal;
	struct kernel_siginfo info;
	unsigned int i;
	int signo, ret;

	for (i = 0; i < h->nr_info; i++) {
		memcpy(&info, h->info[i].raw, sizeof(info));
		if (sigpending_timer_own(&info))
			ret = requeue_timer_signal(ctx, &info, type == PIDTYPE_PID);
		else
			ret = do_send_sig_info(info.si_signo, &info, current, type);
		if (ret)
			goto fail;
		left &= ~sigmask(info.si_signo);
	}
	/* Pending without information: what collect_signal() makes up */
	for (signo = 1; left; signo++) {
		if (!(left & sigmask(signo)))
			continue;
		left &= ~sigmask(signo);
		clear_siginfo(&info);
		info.si_signo = signo;
		info.si_code = SI_USER;
		ret = do_send_sig_info(signo, &info, current, type);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	ckpt_err(ctx, ret, "cannot queue the pending signals again");
	return ret;
}
