// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: timers.
 *
 * The interval timers of the process (ITIMER_REAL, which alarm(2) also
 * uses, ITIMER_VIRTUAL and ITIMER_PROF) are saved as getitimer(2) reads
 * them, the time left and the interval, and armed again at restart as
 * setitimer(2) would: the time left counts from the restart. Its POSIX
 * timers likewise, as timer_gettime(2) reads them, with their id, clock,
 * notification, signal, value, target thread and overrun; they are
 * created again with the same ids. A POSIX timer of a CPU-time or alarm
 * clock is refused.
 *
 * The timers are created at the process's turn, disarmed, before its
 * pending signals are queued (a timer's own signal is queued as the
 * timer's), and armed as the restart resumes (ckpt_resume_add()): the
 * time left counts from then, not from a turn that the restore of the
 * rest of a tree follows.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/posix-timers.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/time.h>
#include <uapi/linux/time.h>

/**
 * struct ckpt_rst_timers - the timers read at restart, armed at resume
 * @itimers: the CKPT_HDR_ITIMERS record
 * @posix: the CKPT_HDR_POSIX_TIMERS record, NULL if the process had none
 * @resume: arms them as the restart resumes
 */
struct ckpt_rst_timers {
	struct ckpt_hdr_itimers itimers;
	struct ckpt_hdr_posix_timers *posix;
	struct ckpt_resume resume;
};

/**
 * ckpt_cmp_timer_id() - order two POSIX timer ids, for sort()
 * @a: a timer_t
 * @b: another
 *
 * Return: <0, 0 or >0 as @a is below, equal to or above @b.
 */
int ckpt_cmp_timer_id(const void *a, const void *b)
{
	timer_t x = *(const timer_t *)a, y = *(const timer_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether the thread a SIGEV_THREAD_ID timer signals is one of @t's */
static bool checkpoint_timer_target_ok(struct task_struct *t, struct pid *pid)
{
	struct task_struct *target;
	bool ok;

	rcu_read_lock();
	target = pid_task(pid, PIDTYPE_PID);
	ok = target && same_thread_group(target, t) && !target->exit_state;
	rcu_read_unlock();
	return ok;
}

static void checkpoint_posix_timer(struct ckpt_ctx *ctx,
				   const struct posix_timer_state *st,
				   struct ckpt_posix_timer *e)
{
	e->id = st->id;
	e->clock = st->clock;
	e->notify = st->notify;
	/* Whatever timer_create(2) was given: a SIGEV_NONE timer sends none */
	e->signo = st->notify == SIGEV_NONE ? 0 : st->signo;
	if (st->notify & SIGEV_THREAD_ID)
		e->tid = pid_nr_ns(st->pid, ctx->pid_ns);
	e->overrun = st->overrun;
	e->value = (unsigned long)st->value.sival_ptr;
	e->expires = timespec64_to_ns(&st->spec.it_value);
	e->interval = timespec64_to_ns(&st->spec.it_interval);
}

/* The POSIX timers of @t's process, in a record if it has any */
static int checkpoint_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_posix_timers *h = NULL;
	struct posix_timer_state st;
	timer_t *ids = NULL;
	int n, i, ret;

	n = posix_timers_ids(t, NULL, 0);
	if (n <= 0)
		return n;
	if (n > CKPT_POSIX_TIMERS_MAX) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: more than %u POSIX timers",
			 ctx->task_pid, CKPT_POSIX_TIMERS_MAX);
		return -EOPNOTSUPP;
	}
	ret = -ENOMEM;
	ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	h = kvzalloc(struct_size(h, timers, n), GFP_KERNEL);
	if (!ids || !h)
		goto out;
	/* The process cannot run: its timers stay as they are */
	ret = -EBUSY;
	if (posix_timers_ids(t, ids, n) != n)
		goto out;
	sort(ids, n, sizeof(*ids), ckpt_cmp_timer_id, NULL);
	for (i = 0; i < n; i++) {
		ret = posix_timer_save(t, ids[i], &st);
		/* CPU-time clocks have negative ids (MAKE_PROCESS_CPUCLOCK) */
		if (ret == -EOPNOTSUPP && st.clock < 0)
			ckpt_err(ctx, ret, "pid %d: POSIX timer %d of a CPU-time clock (not supported)",
				 ctx->task_pid, ids[i]);
		else if (ret == -EOPNOTSUPP)
			ckpt_err(ctx, ret, "pid %d: POSIX timer %d of clock %d (not supported)",
				 ctx->task_pid, ids[i], st.clock);
		if (ret)
			goto out;
		/* A thread that exited is no longer signalled, nor in the image */
		if (st.notify & SIGEV_THREAD_ID &&
		    !checkpoint_timer_target_ok(t, st.pid)) {
			ckpt_err(ctx, -EOPNOTSUPP,
				 "pid %d: POSIX timer %d signals a thread that exited",
				 ctx->task_pid, ids[i]);
			ret = -EOPNOTSUPP;
		} else {
			checkpoint_posix_timer(ctx, &st, &h->timers[i]);
		}
		put_pid(st.pid);
		if (ret)
			goto out;
	}
	h->nr = n;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_POSIX_TIMERS,
			     struct_size(h, timers, n));
out:
	kvfree(h);
	kvfree(ids);
	return ret;
}

/**
 * ckpt_checkpoint_timers() - save the timers of a task's process
 * @ctx: checkpoint context
 * @task: the task, stopped or current
 *
 * Refuses a POSIX timer of another clock than CLOCK_REALTIME,
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME.
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
	for (which = 0; which < CKPT_ITIMER_NR; which++) {
		ret = do_getitimer(task, which, &v);
		if (ret)
			return ret;
		h.timers[which].value = timespec64_to_ns(&v.it_value);
		h.timers[which].interval = timespec64_to_ns(&v.it_interval);
	}
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_ITIMERS, sizeof(h));
	if (!ret)
		ret = checkpoint_posix_timers(ctx, task);
	return ret;
}

#define CKPT_CLOCKS	(BIT(CLOCK_REALTIME) | BIT(CLOCK_MONOTONIC) | \
			 BIT(CLOCK_BOOTTIME))

/* One saved POSIX timer, @prev the id of the one before it or -1 */
static bool restore_posix_timer_ok(struct ckpt_ctx *ctx,
				   const struct ckpt_posix_timer *e, s64 prev)
{
	const struct ckpt_tree_task *self = &ctx->tree->tasks[ctx->cur];
	int k;

	if (e->id <= prev || e->clock < 0 || e->clock >= BITS_PER_LONG ||
	    !(CKPT_CLOCKS & BIT(e->clock)) || e->overrun < 0 ||
	    e->signo < 0 || e->signo > _NSIG ||
	    e->expires > (u64)KTIME_MAX || e->interval > (u64)KTIME_MAX)
		return false;
	switch (e->notify) {
	case SIGEV_NONE:
		return !e->tid;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		return e->signo && !e->tid;
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		/* A thread of the process, in the tree */
		k = ckpt_tree_index(ctx, e->tid);
		return e->signo && k >= 0 && ctx->tree->tasks[k].tgid == self->pid;
	default:
		return false;
	}
}

static int restore_posix_timers(struct ckpt_ctx *ctx, struct ckpt_rst_timers *rt)
{
	struct ckpt_hdr_posix_timers *h;
	s64 prev = -1;
	u32 i, type;
	int ret;

	ret = ckpt_peek_type(ctx, &type);
	if (ret || type != CKPT_HDR_POSIX_TIMERS)
		return ret;
	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_POSIX_TIMERS,
				struct_size(h, timers, 1),
				struct_size(h, timers, CKPT_POSIX_TIMERS_MAX));
	if (IS_ERR(h))
		return PTR_ERR(h);
	rt->posix = h;
	if (!h->nr || h->nr > CKPT_POSIX_TIMERS_MAX || h->__pad ||
	    h->h.len != struct_size(h, timers, h->nr))
		goto bad;
	for (i = 0; i < h->nr; i++) {
		if (!restore_posix_timer_ok(ctx, &h->timers[i], prev))
			goto bad;
		prev = h->timers[i].id;
	}
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed POSIX timers",
		 ctx->nr_records);
	return -EINVAL;
}

/**
 * ckpt_timer_signal_ok() - whether a pending signal can be a timer's own
 * @ctx: restart context, the timers of the task's process read (by the
 *	task, a process leader) or created (by its leader, before)
 * @id: the timer (si_timerid)
 * @signo: the signal
 * @thread: pending on the task's own queue, not on its process's
 *
 * Return: true if the process has timer @id, which sends @signo to the
 * task (@thread) or to the process.
 */
bool ckpt_timer_signal_ok(struct ckpt_ctx *ctx, int id, int signo, bool thread)
{
	const struct ckpt_hdr_posix_timers *h;
	struct posix_timer_state st;
	pid_t self = ctx->tree->tasks[ctx->cur].pid;
	bool ok;
	u32 i;

	if (!ctx->rst_timers) {
		/* A thread: its leader made the timers */
		if (posix_timer_save(current, id, &st))
			return false;
		ok = st.notify != SIGEV_NONE && st.signo == signo &&
		     thread == !!(st.notify & SIGEV_THREAD_ID) &&
		     (!thread || st.pid == task_pid(current));
		put_pid(st.pid);
		return ok;
	}
	h = ctx->rst_timers->posix;
	for (i = 0; h && i < h->nr; i++) {
		const struct ckpt_posix_timer *e = &h->timers[i];

		if (e->id != id)
			continue;
		return e->notify != SIGEV_NONE && e->signo == signo &&
		       thread == !!(e->notify & SIGEV_THREAD_ID) &&
		       (!thread || e->tid == self);
	}
	return false;
}

/**
 * ckpt_restore_timers() - read and check the interval and POSIX timers
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for a malformed record, or another negative errno.
 */
int ckpt_restore_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_timers *rt;
	struct ckpt_hdr_itimers *h;
	int which, ret;

	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	ctx->rst_timers = rt;
	h = &rt->itimers;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_ITIMERS, sizeof(*h));
	if (ret)
		return ret;
	if (h->nr != CKPT_ITIMER_NR || h->__pad)
		goto bad;
	for (which = 0; which < CKPT_ITIMER_NR; which++)
		if (h->timers[which].value > (u64)KTIME_MAX ||
		    h->timers[which].interval > (u64)KTIME_MAX)
			goto bad;
	return restore_posix_timers(ctx, rt);
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed interval timers",
		 ctx->nr_records);
	return -EINVAL;
}

/*
 * The restarting process's own POSIX timers go, as exec deletes them;
 * the image's are created with their ids, disarmed.
 */
static int commit_posix_timers(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_posix_timers *h = ctx->rst_timers->posix;
	pid_t self = ctx->tree->tasks[ctx->cur].pid;
	struct posix_timer_state st;
	u32 i;
	int ret;

	exit_itimers(current);
	for (i = 0; h && i < h->nr; i++) {
		const struct ckpt_posix_timer *e = &h->timers[i];

		memset(&st, 0, sizeof(st));
		st.id = e->id;
		st.clock = e->clock;
		st.notify = e->notify;
		st.signo = e->signo;
		st.value.sival_ptr = (void __user *)(unsigned long)e->value;
		/* The leader may restart as another pid; its threads may not */
		st.tid = e->tid == self ? task_pid_vnr(current) : e->tid;
		st.overrun = e->overrun;
		ret = posix_timer_restore(&st);
		if (ret) {
			ckpt_err(ctx, ret, "cannot create POSIX timer %d", e->id);
			return ret;
		}
	}
	return 0;
}

/* Whether any timer of @rt is to be armed */
static bool timers_armed(const struct ckpt_rst_timers *rt)
{
	u32 i;

	for (i = 0; i < CKPT_ITIMER_NR; i++)
		if (rt->itimers.timers[i].value || rt->itimers.timers[i].interval)
			return true;
	for (i = 0; rt->posix && i < rt->posix->nr; i++)
		if (rt->posix->timers[i].expires)
			return true;
	return false;
}

static void timers_free(struct ckpt_rst_timers *rt)
{
	kvfree(rt->posix);
	kfree(rt);
}

static void resume_timers_free(struct ckpt_resume *rs)
{
	timers_free(container_of(rs, struct ckpt_rst_timers, resume));
}

/* The interval timers of the image, as setitimer(2) would set them */
static int arm_itimers(const struct ckpt_hdr_itimers *h)
{
	const struct ckpt_itimer *real = &h->timers[ITIMER_REAL];
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

/*
 * Arms the timers as the restart resumes. It cannot fail: the values were
 * checked, and no task of the process ran since the timers were created.
 */
static void resume_timers(struct ckpt_resume *rs)
{
	const struct ckpt_rst_timers *rt =
		container_of(rs, struct ckpt_rst_timers, resume);
	struct itimerspec64 spec;
	int ret;
	u32 i;

	ret = arm_itimers(&rt->itimers);
	for (i = 0; !ret && rt->posix && i < rt->posix->nr; i++) {
		const struct ckpt_posix_timer *e = &rt->posix->timers[i];

		if (!e->expires)
			continue;
		spec.it_value = ns_to_timespec64((s64)e->expires);
		spec.it_interval = ns_to_timespec64((s64)e->interval);
		ret = posix_timer_arm(e->id, &spec);
	}
	if (ret)
		pr_warn_ratelimited("restart of pid %d: cannot arm its timers (%d)\n",
				    task_pid_vnr(current), ret);
}

/**
 * ckpt_commit_timers() - create the POSIX timers, arm all at resume
 * @ctx: restart context
 *
 * The restarting process's own interval timers are disarmed and its POSIX
 * timers deleted; the image's POSIX timers are created, disarmed. What
 * the image has armed is armed as the restart resumes.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_timers *rt = ctx->rst_timers;
	struct itimerspec64 off = {};
	int which, ret;

	for (which = 0; which < CKPT_ITIMER_NR; which++) {
		ret = do_setitimer(which, &off, NULL);
		if (ret)
			return ret;
	}
	ret = commit_posix_timers(ctx);
	if (ret || !timers_armed(rt))
		return ret;
	/* The context owns them now */
	ctx->rst_timers = NULL;
	rt->resume.run = resume_timers;
	rt->resume.free = resume_timers_free;
	ckpt_resume_add(ctx, &rt->resume);
	return 0;
}

/**
 * ckpt_cleanup_timers() - free what ckpt_restore_timers() kept
 * @ctx: restart context
 */
void ckpt_cleanup_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_timers *rt = ctx->rst_timers;

	if (!rt)
		return;
	timers_free(rt);
	ctx->rst_timers = NULL;
}
