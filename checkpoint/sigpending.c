// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: pending signals.
 *
 * A task has two queues: its own (signals sent to the thread) and its
 * process's shared one. Each is saved as its pending set and the queued
 * siginfos, oldest first, and queued again at restart with the same
 * information, in the same order, once the handlers and the blocked mask
 * are in place: a blocked signal stays pending, another is delivered when
 * the restored task returns to user space.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
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
				memcpy(h->info[i++].raw, &q->info,
				       sizeof(q->info));
		}
		spin_unlock_irqrestore(&sighand->siglock, flags);
		if (count == n) {
			h->queue = queue;
			h->nr_info = n;
			return h;
		}
		kvfree(h);
		n = count;
		if (n > CKPT_SIGPENDING_MAX)
			break;
	}
	ckpt_err(ctx, -EOPNOTSUPP, "pid %d: more than %u queued signals",
		 task_pid_vnr(t), CKPT_SIGPENDING_MAX);
	return ERR_PTR(-EOPNOTSUPP);
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
		int signo;

		memcpy(&signo, si->raw, sizeof(signo));
		if (signo < 1 || signo > _NSIG ||
		    !(h->signal & sigmask(signo)) ||
		    memchr_inv(si->raw + sizeof(struct kernel_siginfo), 0,
			       CKPT_SIGINFO_SIZE - sizeof(struct kernel_siginfo)))
			return false;
		/* A standard signal is queued once at most */
		if (signo < SIGRTMIN && (seen & sigmask(signo)))
			return false;
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
 * ckpt_queue_sigpending() - queue the signals of a record on current
 * @ctx: restart context
 * @h: a record from ckpt_read_sigpending()
 *
 * Called once the handlers and the blocked mask are restored.
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
