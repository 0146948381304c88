// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the tree record read at restart.
 *
 * Everything restart knows of the tasks before their state comes from
 * here, so every entry is checked before it is used: its ids and flags,
 * a status that fits a zombie or a stop, the sharing that only threads of
 * one process may have, and the relations between entries (unique pids,
 * parents and leaders listed first). The tasks are then looked up by pid.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define CKPT_TREE_FLAGS		(CKPT_TREE_CONTAINER)
#define CKPT_TREE_TASK_FLAGS	(CKPT_TREE_ZOMBIE | CKPT_TREE_STOPPED | \
				 CKPT_TREE_PGID_OUTSIDE | \
				 CKPT_TREE_SID_OUTSIDE | \
				 CKPT_TREE_STOP_WAITED)

/* A status wait(2) can return for a task that exited or was killed */
static bool tree_exit_code_ok(s32 code)
{
	int sig = code & 0x7f;

	if (code < 0 || code > 0xffff)
		return false;
	if (!sig)
		return !(code & 0x80);
	return sig != 0x7f && valid_signal(sig) && !(code & 0xff00);
}

/* The status wait(2) with WUNTRACED returns for a stop by job control */
static bool tree_stop_code_ok(s32 code)
{
	return (code & 0xff) == 0x7f && !(code >> 16) &&
	       sig_kernel_stop(code >> 8);
}

/* Entry @i of @tasks, checked against the ones before it */
static bool tree_task_ok(const struct ckpt_tree_task *tasks, unsigned int i)
{
	const struct ckpt_tree_task *e = &tasks[i];

	if (e->pid <= 0 || e->tgid <= 0 || e->ppid < 0 || e->ptid < 0 ||
	    e->pgid < 0 || e->sid < 0 || e->exit_signal > _NSIG ||
	    e->flags & ~CKPT_TREE_TASK_FLAGS || e->__pad)
		return false;
	if (!i && (e->pid != e->tgid || e->flags & CKPT_TREE_ZOMBIE))
		return false;
	/* The root's process has no parent in the image, the others one */
	if (e->tgid == tasks[0].pid ? e->ppid || e->ptid : !e->ppid || !e->ptid)
		return false;
	if (e->flags & CKPT_TREE_ZOMBIE ? !tree_exit_code_ok(e->exit_code) :
	    e->flags & CKPT_TREE_STOPPED && e->pid == e->tgid ?
	    !tree_stop_code_ok(e->exit_code) : e->exit_code)
		return false;
	if ((e->flags & (CKPT_TREE_STOPPED | CKPT_TREE_STOP_WAITED)) ==
	    CKPT_TREE_STOP_WAITED ||
	    (e->flags & (CKPT_TREE_STOPPED | CKPT_TREE_ZOMBIE)) ==
	    (CKPT_TREE_STOPPED | CKPT_TREE_ZOMBIE))
		return false;
	if (e->pid == e->tgid)
		return !e->share_mm && !e->share_files && !e->share_fs &&
		       !e->share_sighand;
	/* A thread comes right after its leader or another of its threads */
	return tasks[i - 1].tgid == e->tgid && !(e->flags & CKPT_TREE_ZOMBIE) &&
	       !e->exit_signal;
}

/*
 * Thread @e of leader @l, at index @li: threads share their leader's
 * address space and handlers, and maybe its files and fs context, the
 * only sharing checkpoint writes, and are where their process is.
 */
static bool tree_thread_of(const struct ckpt_tree_task *e,
			   const struct ckpt_tree_task *l, u32 li)
{
	return e->share_mm == li + 1 && e->share_sighand == li + 1 &&
	       (!e->share_files || e->share_files == li + 1) &&
	       (!e->share_fs || e->share_fs == li + 1) &&
	       e->ppid == l->ppid && e->pgid == l->pgid && e->sid == l->sid &&
	       e->flags == l->flags;
}

static int tree_cmp_index(const void *a, const void *b, const void *priv)
{
	const struct ckpt_tree_task *tasks = priv;
	s32 x = tasks[*(const u32 *)a].pid, y = tasks[*(const u32 *)b].pid;

	return x < y ? -1 : x > y;
}

/**
 * ckpt_tree_index() - the index of a task in the tree read at restart
 * @ctx: restart context, after ckpt_tree_read()
 * @pid: a pid of the image
 *
 * Return: the index of the task with that pid, or -1 if there is none.
 */
int ckpt_tree_index(struct ckpt_ctx *ctx, pid_t pid)
{
	const struct ckpt_tree_task *tasks = ctx->tree->tasks;
	unsigned int lo = 0, hi = ctx->tree->nr_tasks;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		s32 p = tasks[ctx->tree_by_pid[mid]].pid;

		if (p == pid)
			return ctx->tree_by_pid[mid];
		if (p < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The relations between the entries: pids that are unique, a parent (and
 * the thread that created the task) listed before its children.
 */
static int tree_check_relations(struct ckpt_ctx *ctx)
{
	const struct ckpt_tree_task *tasks = ctx->tree->tasks;
	unsigned int i, n = ctx->tree->nr_tasks;
	u32 *by_pid;

	by_pid = kvmalloc_array(n, sizeof(*by_pid), GFP_KERNEL);
	if (!by_pid)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		by_pid[i] = i;
	sort_r(by_pid, n, sizeof(*by_pid), tree_cmp_index, NULL, tasks);
	ctx->tree_by_pid = by_pid;
	for (i = 1; i < n; i++) {
		if (tasks[by_pid[i - 1]].pid == tasks[by_pid[i]].pid) {
			ckpt_err(ctx, -EINVAL,
				 "malformed tree record: pid %d twice",
				 tasks[by_pid[i]].pid);
			return -EINVAL;
		}
	}
	for (i = 1; i < n; i++) {
		const struct ckpt_tree_task *e = &tasks[i];
		int p = ckpt_tree_index(ctx, e->ppid);
		int pt = ckpt_tree_index(ctx, e->ptid);
		int l = ckpt_tree_index(ctx, e->tgid);

		if (e->ppid && (p < 0 || p >= i || tasks[p].pid != tasks[p].tgid ||
				pt < 0 || pt >= i || tasks[pt].tgid != e->ppid ||
				tasks[p].flags & CKPT_TREE_ZOMBIE)) {
			ckpt_err(ctx, -EINVAL,
				 "malformed tree record: task %u: parent %d",
				 i, e->ppid);
			return -EINVAL;
		}
		if (e->pid != e->tgid &&
		    (l < 0 || !tree_thread_of(e, &tasks[l], l))) {
			ckpt_err(ctx, -EINVAL,
				 "malformed tree record: thread %d of process %d",
				 e->pid, e->tgid);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * ckpt_tree_read() - read and check the CKPT_HDR_TREE record
 * @ctx: restart context
 *
 * The record stays in @ctx->tree, with @ctx->tree_by_pid to look its
 * tasks up by pid.
 *
 * Return: 0, or -EINVAL for a malformed record.
 */
int ckpt_tree_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree *h;
	unsigned int i;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_TREE, sizeof(*h),
				struct_size(h, tasks, CKPT_TREE_MAX_TASKS));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->tree = h;
	if (!h->nr_tasks || h->nr_tasks > CKPT_TREE_MAX_TASKS ||
	    h->h.len != struct_size(h, tasks, h->nr_tasks) ||
	    h->flags & ~CKPT_TREE_FLAGS) {
		ckpt_err(ctx, -EINVAL, "malformed tree record");
		return -EINVAL;
	}
	for (i = 0; i < h->nr_tasks; i++) {
		if (!tree_task_ok(h->tasks, i)) {
			ckpt_err(ctx, -EINVAL, "malformed tree record: task %u",
				 i);
			return -EINVAL;
		}
	}
	return tree_check_relations(ctx);
}
