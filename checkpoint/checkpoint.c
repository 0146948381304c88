// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the checkpoint orchestrator.
 *
 * Writes the image in order: header, architecture header, the tree of
 * tasks (tree.c), the state of each task, kind after kind as
 * ckpt_task_kinds[] lists them, trailer. The kinds of state are saved by
 * their own files; this one only sequences them and turns a failure into
 * an error record.
 */
#include <linux/atomic.h>
#include <linux/checkpoint.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <linux/version.h>

static atomic64_t ckpt_last_id = ATOMIC64_INIT(0);

/* KERNEL_VERSION() of the running kernel, from its release string */
static u32 checkpoint_kernel_version(void)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(init_utsname()->release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return KERNEL_VERSION(a, b, c);
}

/* The uts names of the checkpointed task's namespace */
static void checkpoint_uts(struct ckpt_ctx *ctx, struct ckpt_hdr_header *h)
{
	struct nsproxy *nsp;

	BUILD_BUG_ON(sizeof(h->sysname) != sizeof(init_utsname()->sysname));
	down_read(&uts_sem);
	task_lock(ctx->root);
	nsp = ctx->root->nsproxy;
	if (nsp) {
		struct new_utsname *uts = &nsp->uts_ns->name;

		memcpy(h->sysname, uts->sysname, sizeof(h->sysname));
		memcpy(h->nodename, uts->nodename, sizeof(h->nodename));
		memcpy(h->release, uts->release, sizeof(h->release));
		memcpy(h->version, uts->version, sizeof(h->version));
		memcpy(h->machine, uts->machine, sizeof(h->machine));
	}
	task_unlock(ctx->root);
	up_read(&uts_sem);
}

static int checkpoint_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	struct timespec64 now;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ktime_get_real_ts64(&now);
	h->magic = CKPT_MAGIC_HEAD;
	h->format = CKPT_FORMAT_VERSION;
	h->arch = CKPT_ARCH_ID;
	h->page_size = PAGE_SIZE;
	h->flags = ctx->flags;
	h->ckpt_id = ctx->ckpt_id;
	h->time_sec = now.tv_sec;
	h->time_nsec = now.tv_nsec;
	h->kernel_version = checkpoint_kernel_version();
	h->root_pid = ctx->root_pid;
	checkpoint_uts(ctx, h);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_HEADER, sizeof(*h));
	kfree(h);
	return ret;
}

/* The states a target sits in while it cannot run: stopped or frozen */
#define CKPT_STOPPED_STATES	(__TASK_STOPPED | __TASK_TRACED | \
				 TASK_INTERRUPTIBLE | TASK_FROZEN)

/* The state of task @index of the tree, but what it shares with another */
static int checkpoint_task_kinds(struct ckpt_ctx *ctx, u32 index)
{
	struct task_struct *t = ctx->tasks[index];
	const struct ckpt_task_kind *k;
	int ret = 0;

	/* A zombie is only its entry in the tree */
	if (ckpt_tree_is_zombie(t))
		return 0;
	ctx->task_pid = task_pid_vnr(t);
	ctx->cur = index;
	for (k = ckpt_task_kinds; k < ckpt_task_kinds + ckpt_nr_task_kinds && !ret; k++)
		if (k->checkpoint && !ckpt_task_shares(ctx, k->shared))
			ret = k->checkpoint(ctx, t);
	return ret;
}

/*
 * The tasks are stopped or frozen, or one of them is current. A stopped
 * task cannot run until it is woken, but the checks of the system call
 * are only a snapshot: pin each by its context switch count, which must
 * not move while the state is read, so that a task woken meanwhile is
 * refused instead of saved torn. A zombie does not run any more, and
 * waits for a parent that is pinned too.
 */
static int checkpoint_pin(struct ckpt_ctx *ctx, struct task_struct *t,
			  unsigned long *ncsw)
{
	int ret;

	if (ckpt_tree_is_zombie(t))
		return 0;
	ret = ckpt_may_checkpoint(t);

	if (ret) {
		ckpt_err(ctx, ret, "pid %d: %s", task_pid_vnr(t),
			 ret == -EBUSY ? "neither stopped nor frozen" :
			 ret == -EPERM ? "may not be checkpointed by the caller" :
			 "is exiting");
		return ret;
	}
	if (t == current)
		return 0;
	*ncsw = wait_task_inactive(t, CKPT_STOPPED_STATES);
	if (*ncsw)
		return 0;
	ckpt_err(ctx, -EBUSY, "pid %d: is running", task_pid_vnr(t));
	return -EBUSY;
}

static int checkpoint_tasks(struct ckpt_ctx *ctx)
{
	unsigned long *ncsw;
	unsigned int i;
	int ret = 0;

	ncsw = kvcalloc(ctx->nr_tasks, sizeof(*ncsw), GFP_KERNEL);
	if (!ncsw)
		return -ENOMEM;
	for (i = 0; i < ctx->nr_tasks && !ret; i++)
		ret = checkpoint_pin(ctx, ctx->tasks[i], &ncsw[i]);
	if (!ret)
		ret = ckpt_tree_write(ctx);
	/* A refusal comes before any state: restart sees it before acting */
	if (!ret && !(ctx->flags & CHECKPOINT_EXTERNAL))
		ret = ckpt_check_external(ctx);
	for (i = 0; i < ckpt_nr_task_kinds && !ret; i++)
		if (ckpt_task_kinds[i].prepare)
			ret = ckpt_task_kinds[i].prepare(ctx);
	for (i = 0; i < ctx->nr_tasks && !ret; i++)
		ret = checkpoint_task_kinds(ctx, i);
	for (i = 0; i < ctx->nr_tasks && !ret; i++) {
		struct task_struct *t = ctx->tasks[i];

		if (t != current && ncsw[i] &&
		    wait_task_inactive(t, CKPT_STOPPED_STATES) != ncsw[i]) {
			ckpt_err(ctx, -EBUSY, "pid %d: ran during the checkpoint",
				 task_pid_vnr(t));
			ret = -EBUSY;
		}
	}
	kvfree(ncsw);
	return ret;
}

static int checkpoint_write_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_trailer t = {
		.magic = CKPT_MAGIC_TAIL,
		.ckpt_id = ctx->ckpt_id,
		.nr_records = ctx->nr_records,
	};

	return ckpt_write_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t));
}

/**
 * ckpt_do_checkpoint() - write the image of ctx->root (and its tree) to ctx->file
 * @ctx: checkpoint context, with the target checked and held
 *
 * On failure the image ends with a CKPT_HDR_ERROR record naming the
 * cause (unless writing the stream is what failed) and has no trailer.
 *
 * Return: the checkpoint id (positive), or the negative errno of the
 * cause of the failure: the first error reported with ckpt_err().
 */
long ckpt_do_checkpoint(struct ckpt_ctx *ctx)
{
	int ret;

	ctx->ckpt_id = atomic64_inc_return(&ckpt_last_id);
	ret = checkpoint_write_header(ctx);
	if (!ret)
		ret = ckpt_arch_write_header(ctx);
	if (!ret)
		ret = ckpt_tree_collect(ctx);
	if (!ret)
		ret = checkpoint_tasks(ctx);
	if (!ret)
		ret = checkpoint_write_trailer(ctx);
	if (ret) {
		ckpt_err(ctx, ret, "pid %d: checkpoint failed", ctx->root_pid);
		ckpt_write_error(ctx);
		return -ctx->err_errno;
	}
	return ctx->ckpt_id;
}
