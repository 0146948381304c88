// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart orchestrator.
 *
 * Reads the image in the order checkpoint wrote it and checks every
 * record before acting on it. The kinds of state are restored by their
 * own files; this one only sequences them. An image of one task is
 * restored here by that task alone; the tasks of a tree take turns
 * through the same steps under coordinator.c.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

static bool restore_uts_ok(const char *s)
{
	return memchr(s, '\0', CKPT_UTS_LEN);
}

static int restore_check_header(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_header *h)
{
	if (h->magic != CKPT_MAGIC_HEAD) {
		ckpt_err(ctx, -EINVAL, "not a checkpoint image (bad magic)");
		return -EINVAL;
	}
	if (h->format != CKPT_FORMAT_VERSION) {
		ckpt_err(ctx, -EINVAL, "image format %u, this kernel reads %u",
			 h->format, CKPT_FORMAT_VERSION);
		return -EINVAL;
	}
	if (h->arch != CKPT_ARCH_ID || h->page_size != PAGE_SIZE) {
		ckpt_err(ctx, -EINVAL, "image of arch %u with %u-byte pages",
			 h->arch, h->page_size);
		return -EINVAL;
	}
	if (h->flags & ~CHECKPOINT_FLAGS_ALL || h->__pad ||
	    memchr_inv(h->__pad2, 0, sizeof(h->__pad2)) ||
	    !restore_uts_ok(h->sysname) || !restore_uts_ok(h->nodename) ||
	    !restore_uts_ok(h->release) || !restore_uts_ok(h->version) ||
	    !restore_uts_ok(h->machine)) {
		ckpt_err(ctx, -EINVAL, "malformed image header");
		return -EINVAL;
	}
	return 0;
}

static int restore_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_HEADER, sizeof(*h));
	if (!ret)
		ret = restore_check_header(ctx, h);
	if (!ret)
		ctx->ckpt_id = h->ckpt_id;
	kfree(h);
	return ret;
}

/*
 * The restarting task of a single-task image is replaced like exec
 * replaces it, but without de_thread(): it must be alone with its memory,
 * files and handlers, and have no children that would become the restored
 * task's. (The tasks of a tree are checked by the coordinator.)
 */
static int restore_check_caller(struct ckpt_ctx *ctx)
{
	struct task_struct *t = current;
	const char *why = NULL;
	struct ckpt_held held;

	ckpt_task_held(t, &held);
	if (!thread_group_empty(t))
		why = "has other threads";
	else if (held.users[CKPT_SHARE_MM - 1] > 1 && ckpt_mm_tasks() > 1)
		why = "shares its memory";
	else if (held.users[CKPT_SHARE_SIGHAND - 1] > 1)
		why = "shares its signal handlers";
	else if (held.users[CKPT_SHARE_FILES - 1] > 1)
		why = "shares its file table";
	else if (held.users[CKPT_SHARE_FS - 1] > 1)
		why = "shares its fs context";
	else if (!list_empty(&t->children))
		why = "has children";
	if (!why)
		return 0;
	ckpt_err(ctx, -EBUSY, "the restarting task %s", why);
	return -EBUSY;
}

static int restore_read_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_trailer t;
	u32 before = ctx->nr_records;
	int ret;

	ret = ckpt_read_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t));
	if (ret)
		return ret;
	if (t.magic != CKPT_MAGIC_TAIL || t.ckpt_id != ctx->ckpt_id ||
	    t.nr_records != before || t.__pad) {
		ckpt_err(ctx, -EINVAL, "bad trailer");
		return -EINVAL;
	}
	return 0;
}

/*
 * Restores the state of one task; the image ends after the @last one.
 * State the task shares with one before it is that task's already.
 */
static int restore_task_kinds(struct ckpt_ctx *ctx, bool last)
{
	const struct ckpt_task_kind *k, *end = ckpt_task_kinds + ckpt_nr_task_kinds;
	int ret = 0;

	for (k = ckpt_task_kinds; k < end && !ret; k++)
		if (k->restore && !ckpt_task_shares(ctx, k->shared))
			ret = k->restore(ctx);
	if (!ret && last)
		ret = restore_read_trailer(ctx);
	for (k = ckpt_task_kinds; k < end && !ret; k++)
		if (k->commit && !ckpt_task_shares(ctx, k->shared))
			ret = k->commit(ctx);
	for (k = ckpt_task_kinds; k < end; k++)
		if (k->cleanup)
			k->cleanup(ctx);
	return ret;
}

/* A failed checkpoint ends in an error record where state would follow */
static int restore_check_not_failed(struct ckpt_ctx *ctx)
{
	u32 type;
	int ret;

	ret = ckpt_peek_type(ctx, &type);
	if (ret)
		return ret;
	if (type == CKPT_HDR_ERROR) {
		ckpt_err(ctx, -EINVAL, "image of a failed checkpoint");
		return -EINVAL;
	}
	return 0;
}

static int restore_one_task(struct ckpt_ctx *ctx, u32 index, bool last)
{
	int ret;

	ctx->task_pid = task_pid_vnr(current);
	ctx->cur = index;
	ctx->no_return = false;
	ctx->retval = 0;
	ret = restore_check_not_failed(ctx);
	if (!ret)
		ret = restore_task_kinds(ctx, last);
	return ret;
}

/**
 * ckpt_restart_prologue() - read what comes before the state of the tasks
 * @ctx: restart context
 *
 * Reads and checks the header, the architecture header and the tree, which
 * stays in @ctx->tree.
 *
 * Return: 0 or the negative errno of the cause, reported with ckpt_err().
 */
int ckpt_restart_prologue(struct ckpt_ctx *ctx)
{
	int ret;

	ret = restore_read_header(ctx);
	if (!ret)
		ret = ckpt_arch_read_header(ctx);
	if (!ret)
		ret = restore_check_not_failed(ctx);
	if (!ret)
		ret = ckpt_tree_read(ctx);
	return ret;
}

/**
 * ckpt_restart_task() - restore the calling task, a task of a tree, from @ctx
 * @ctx: the restart context of the tree, at the state of the caller's task
 * @index: the caller's entry in the tree
 * @last: the caller's task is the last with state in the image
 *
 * As ckpt_do_restart(), for one task of a tree whose turn it is, once the
 * coordinator checked that it shares state with exactly the tasks its
 * entry says. On return @ctx->retval and @ctx->no_return are the caller's.
 *
 * Return: 0 or the negative errno of the cause, reported with ckpt_err().
 */
int ckpt_restart_task(struct ckpt_ctx *ctx, u32 index, bool last)
{
	return restore_one_task(ctx, index, last);
}

/**
 * ckpt_do_restart() - rebuild the state in ctx->file into the calling task
 * @ctx: restart context
 *
 * Every record is read and checked before the task is changed, except the
 * memory, which is replaced as it is read: once ctx->no_return is set, a
 * failure leaves the task half restored and the caller must kill it.
 *
 * Return: 0, or the negative errno of the cause of the failure (the first
 * error reported with ckpt_err()); -EINVAL for any malformed image.
 */
long ckpt_do_restart(struct ckpt_ctx *ctx)
{
	int ret;

	ret = ckpt_restart_prologue(ctx);
	if (!ret && ctx->tree->nr_tasks > 1) {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "image of %u tasks: a tree restarts with RESTART_COORDINATE (mktree)",
			 ctx->tree->nr_tasks);
		ret = -EOPNOTSUPP;
	}
	/* A failed checkpoint is named first, whoever restarts it */
	if (!ret)
		ret = restore_check_not_failed(ctx);
	if (!ret)
		ret = restore_check_caller(ctx);
	if (!ret)
		ret = restore_one_task(ctx, 0, true);
	if (!ret)
		ckpt_resume_run(ctx, 0);
	if (ret && ctx->err_errno)
		ret = -ctx->err_errno;
	return ret;
}

/**
 * ckpt_resume_add() - have the current task do @rs->run as it resumes
 * @ctx: restart context, at the task's turn
 * @rs: with @run and @free set; the context owns it from here on
 */
void ckpt_resume_add(struct ckpt_ctx *ctx, struct ckpt_resume *rs)
{
	rs->index = ctx->cur;
	list_add_tail(&rs->node, &ctx->resume);
	ctx->nr_resume++;
}

/**
 * ckpt_resume_run() - do what task @index left for when it resumes
 * @ctx: restart context, every task restored: the list no longer changes
 * @index: the caller's entry in the tree
 *
 * Return: how many entries were run.
 */
unsigned int ckpt_resume_run(struct ckpt_ctx *ctx, u32 index)
{
	struct ckpt_resume *rs;
	unsigned int n = 0;

	list_for_each_entry(rs, &ctx->resume, node) {
		if (rs->index == index) {
			rs->run(rs);
			n++;
		}
	}
	return n;
}

/**
 * ckpt_resume_free() - free what was left for the tasks to do as they resume
 * @ctx: restart context, which no task uses any more
 */
void ckpt_resume_free(struct ckpt_ctx *ctx)
{
	struct ckpt_resume *rs, *next;

	list_for_each_entry_safe(rs, next, &ctx->resume, node) {
		list_del(&rs->node);
		rs->free(rs);
	}
	ctx->nr_resume = 0;
}
