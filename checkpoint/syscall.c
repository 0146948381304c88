// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: a system call the checkpoint interrupted.
 *
 * A task frozen or stopped inside a blocking system call has left it with
 * one of the -ERESTART* codes, to re-enter it when it resumes. The
 * architecture code saves the registers as they are after that re-entry
 * is set up. Calls that must not start over (nanosleep(2), a futex wait or
 * poll(2) with a timeout) continue through restart_syscall(2) and the
 * task's restart block instead: this file saves that block, with the time
 * that was left rather than a deadline on a clock that restarts at boot.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#ifdef CONFIG_FUTEX
#include "../kernel/futex/futex.h"
#endif

/**
 * struct ckpt_rst_syscall - the interrupted call read at restart
 * @h: the CKPT_HDR_SYSCALL_RESTART record
 */
struct ckpt_rst_syscall {
	struct ckpt_hdr_syscall_restart h;
};

/* The clocks a saved deadline can be on, and whether it survives a reboot */
static bool ckpt_clock_ok(clockid_t clk, bool *absolute)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_TAI:
		*absolute = true;
		return true;
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		*absolute = false;
		return true;
	}
	return false;
}

static s64 ckpt_clock_now(clockid_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
		return ktime_get_real_ns();
	case CLOCK_TAI:
		return ktime_get_clocktai_ns();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime_ns();
	default:
		return ktime_get_ns();
	}
}

/* A deadline on @clk as the record keeps it: absolute, or time left */
static int checkpoint_deadline(struct ckpt_hdr_syscall_restart *h,
			       clockid_t clk, s64 expires)
{
	bool absolute;

	if (!ckpt_clock_ok(clk, &absolute))
		return -EOPNOTSUPP;
	h->clockid = clk;
	if (absolute) {
		h->flags |= CKPT_RESTART_ABSTIME;
		h->deadline = expires;
	} else {
		h->deadline = max_t(s64, expires - ckpt_clock_now(clk), 0);
	}
	return 0;
}

static s64 restore_deadline(const struct ckpt_hdr_syscall_restart *h)
{
	if (h->flags & CKPT_RESTART_ABSTIME)
		return h->deadline;
	return ckpt_clock_now(h->clockid) + h->deadline;
}

static int checkpoint_nanosleep(struct ckpt_hdr_syscall_restart *h,
				const struct restart_block *rb)
{
	if (rb->nanosleep.type == TT_COMPAT)
		return -EOPNOTSUPP;
	h->kind = CKPT_RESTART_NANOSLEEP;
	h->uaddr = rb->nanosleep.type == TT_NATIVE ?
		   (unsigned long)rb->nanosleep.rmtp : 0;
	return checkpoint_deadline(h, rb->nanosleep.clockid,
				   rb->nanosleep.expires);
}

#ifdef CONFIG_FUTEX
static int checkpoint_futex(struct ckpt_hdr_syscall_restart *h,
			    const struct restart_block *rb)
{
	u32 fl = rb->futex.flags;

	if ((fl & FLAGS_SIZE_MASK) != FLAGS_SIZE_32 ||
	    fl & ~(FLAGS_SIZE_MASK | FLAGS_SHARED | FLAGS_CLOCKRT |
		   FLAGS_HAS_TIMEOUT) || !(fl & FLAGS_HAS_TIMEOUT))
		return -EOPNOTSUPP;
	h->kind = CKPT_RESTART_FUTEX_WAIT;
	h->uaddr = (unsigned long)rb->futex.uaddr;
	h->val = rb->futex.val;
	h->bitset = rb->futex.bitset;
	if (fl & FLAGS_SHARED)
		h->flags |= CKPT_RESTART_FUTEX_SHARED;
	if (fl & FLAGS_CLOCKRT)
		h->flags |= CKPT_RESTART_FUTEX_CLOCKRT;
	return checkpoint_deadline(h, fl & FLAGS_CLOCKRT ? CLOCK_REALTIME :
				   CLOCK_MONOTONIC, rb->futex.time);
}
#endif

static int checkpoint_poll(struct ckpt_hdr_syscall_restart *h,
			   const struct restart_block *rb)
{
	struct timespec64 end;

	h->kind = CKPT_RESTART_POLL;
	h->uaddr = (unsigned long)rb->poll.ufds;
	h->val = rb->poll.nfds;
	h->clockid = CLOCK_MONOTONIC;
	if (!rb->poll.has_timeout) {
		h->flags |= CKPT_RESTART_NO_TIMEOUT;
		return 0;
	}
	end.tv_sec = rb->poll.tv_sec;
	end.tv_nsec = rb->poll.tv_nsec;
	return checkpoint_deadline(h, CLOCK_MONOTONIC, timespec64_to_ns(&end));
}

/* The restart block of a stopped @task, which will call restart_syscall */
static int checkpoint_restart_block(struct ckpt_ctx *ctx,
				    struct ckpt_hdr_syscall_restart *h,
				    struct task_struct *task)
{
	const struct restart_block *rb = &task->restart_block;
	int ret = -EOPNOTSUPP;

	if (rb->fn == do_no_restart_syscall)
		ret = 0;
	else if (rb->fn == hrtimer_nanosleep_restart)
		ret = checkpoint_nanosleep(h, rb);
#ifdef CONFIG_FUTEX
	else if (rb->fn == futex_wait_restart)
		ret = checkpoint_futex(h, rb);
#endif
	else if (rb->fn == do_restart_poll)
		ret = checkpoint_poll(h, rb);
	if (ret)
		ckpt_err(ctx, ret,
			 "pid %d: interrupted system call %ps cannot be restarted",
			 task_pid_vnr(task), rb->fn);
	return ret;
}

/**
 * ckpt_checkpoint_syscall() - save the system call a task is stopped in
 * @ctx: checkpoint context
 * @task: the task
 *
 * Return: 0, -EOPNOTSUPP for a call whose restart cannot be saved, or
 * another negative errno.
 */
int ckpt_checkpoint_syscall(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_hdr_syscall_restart h = {};
	bool block;
	int ret;

	if (task != current && ckpt_arch_in_syscall_restart(task, &block) &&
	    block) {
		ret = checkpoint_restart_block(ctx, &h, task);
		if (ret)
			return ret;
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_SYSCALL_RESTART, sizeof(h));
}

static bool restore_syscall_ok(const struct ckpt_hdr_syscall_restart *h)
{
	bool absolute;

	if (h->__pad || h->flags & ~(CKPT_RESTART_ABSTIME |
				     CKPT_RESTART_FUTEX_SHARED |
				     CKPT_RESTART_FUTEX_CLOCKRT |
				     CKPT_RESTART_NO_TIMEOUT))
		return false;
	switch (h->kind) {
	case CKPT_RESTART_NONE:
		return !h->flags && !h->clockid && !h->deadline && !h->uaddr &&
		       !h->val && !h->bitset;
	case CKPT_RESTART_NANOSLEEP:
		break;
	case CKPT_RESTART_FUTEX_WAIT:
		if (!IS_ENABLED(CONFIG_FUTEX) || !h->bitset ||
		    h->clockid != (h->flags & CKPT_RESTART_FUTEX_CLOCKRT ?
				   CLOCK_REALTIME : CLOCK_MONOTONIC))
			return false;
		break;
	case CKPT_RESTART_POLL:
		if (h->clockid != CLOCK_MONOTONIC || h->val > INT_MAX)
			return false;
		break;
	default:
		return false;
	}
	if (!ckpt_clock_ok(h->clockid, &absolute) ||
	    absolute != !!(h->flags & CKPT_RESTART_ABSTIME))
		return false;
	return h->deadline <= KTIME_MAX / 2;
}

/**
 * ckpt_restore_syscall() - read and check the interrupted system call
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for a malformed record, or another negative errno.
 */
int ckpt_restore_syscall(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_syscall *rs;
	int ret;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	ctx->rst_syscall = rs;
	ret = ckpt_read_obj(ctx, &rs->h.h, CKPT_HDR_SYSCALL_RESTART,
			    sizeof(rs->h));
	if (!ret && !restore_syscall_ok(&rs->h)) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed system call state",
			 ctx->nr_records);
		ret = -EINVAL;
	}
	return ret;
}

/**
 * ckpt_commit_syscall() - set up current's restart block from the image
 * @ctx: restart context
 *
 * Deadlines kept as time left start counting again now.
 *
 * Return: 0.
 */
int ckpt_commit_syscall(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_syscall_restart *h = &ctx->rst_syscall->h;
	struct restart_block *rb = &current->restart_block;
	long (*fn)(struct restart_block *rb) = do_no_restart_syscall;
	struct timespec64 end;

	switch (h->kind) {
	case CKPT_RESTART_NANOSLEEP:
		rb->nanosleep.clockid = h->clockid;
		rb->nanosleep.type = h->uaddr ? TT_NATIVE : TT_NONE;
		rb->nanosleep.rmtp = u64_to_user_ptr(h->uaddr);
		rb->nanosleep.expires = restore_deadline(h);
		fn = hrtimer_nanosleep_restart;
		break;
#ifdef CONFIG_FUTEX
	case CKPT_RESTART_FUTEX_WAIT:
		rb->futex.uaddr = u64_to_user_ptr(h->uaddr);
		rb->futex.val = h->val;
		rb->futex.bitset = h->bitset;
		rb->futex.flags = FLAGS_SIZE_32 | FLAGS_HAS_TIMEOUT;
		if (h->flags & CKPT_RESTART_FUTEX_SHARED)
			rb->futex.flags |= FLAGS_SHARED;
		if (h->flags & CKPT_RESTART_FUTEX_CLOCKRT)
			rb->futex.flags |= FLAGS_CLOCKRT;
		rb->futex.time = restore_deadline(h);
		fn = futex_wait_restart;
		break;
#endif
	case CKPT_RESTART_POLL:
		rb->poll.ufds = u64_to_user_ptr(h->uaddr);
		rb->poll.nfds = h->val;
		rb->poll.has_timeout = !(h->flags & CKPT_RESTART_NO_TIMEOUT);
		end = ns_to_timespec64(restore_deadline(h));
		rb->poll.tv_sec = end.tv_sec;
		rb->poll.tv_nsec = end.tv_nsec;
		fn = do_restart_poll;
		break;
	}
	set_restart_fn(rb, fn);
	return 0;
}

/**
 * ckpt_cleanup_syscall() - free what ckpt_restore_syscall() kept
 * @ctx: restart context
 */
void ckpt_cleanup_syscall(struct ckpt_ctx *ctx)
{
	kfree(ctx->rst_syscall);
	ctx->rst_syscall = NULL;
}
