// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the system calls, the operation context and the
 * permission checks.
 */
#include <linux/cgroup.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/syscalls.h>

/**
 * ckpt_ctx_alloc() - set up the context of one operation
 * @op: checkpoint or restart
 * @file: the image stream; the context takes a reference
 * @flags: system call flags
 *
 * Return: the context, or an ERR_PTR().
 */
struct ckpt_ctx *ckpt_ctx_alloc(enum ckpt_op op, struct file *file,
				unsigned long flags)
{
	struct ckpt_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->op = op;
	ctx->flags = flags;
	INIT_LIST_HEAD(&ctx->resume);
	ctx->file = get_file(file);
	ctx->ppos = (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
	ret = ckpt_objhash_alloc(ctx);
	if (ret) {
		ckpt_ctx_free(ctx);
		return ERR_PTR(ret);
	}
	return ctx;
}

/**
 * ckpt_ctx_free() - release a context and everything it holds
 * @ctx: the context, may be NULL
 */
void ckpt_ctx_free(struct ckpt_ctx *ctx)
{
	if (!ctx)
		return;
	ckpt_resume_free(ctx);
	ckpt_objhash_free(ctx);
	ckpt_tree_free(ctx);
	if (ctx->root)
		put_task_struct(ctx->root);
	fput(ctx->file);
	kfree(ctx);
}

/**
 * ckpt_err() - report why the operation fails
 * @ctx: checkpoint or restart context
 * @err: negative errno the operation will return
 * @fmt: printf-style message naming the resource, e.g. "fd 5: socket"
 *
 * The first report wins: it is the cause, later ones are consequences.
 * A failed checkpoint writes it into the image as a CKPT_HDR_ERROR record.
 */
void ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...)
{
	va_list args;

	if (ctx->err_errno)
		return;
	ctx->err_errno = -err;
	va_start(args, fmt);
	vsnprintf(ctx->err_msg, sizeof(ctx->err_msg), fmt, args);
	va_end(args);
}

/**
 * ckpt_may_checkpoint() - whether current may checkpoint a task now
 * @task: a task of the image
 *
 * A task can be checkpointed by current if it could be ptrace-attached
 * and, unless it is current, if it cannot run while its state is read.
 *
 * Return: 0, -ESRCH if it is exiting, -EPERM if it may not be attached or
 * is a kernel thread, -EBUSY if it is neither current, stopped nor frozen.
 */
int ckpt_may_checkpoint(struct task_struct *task)
{
	if (task->flags & PF_EXITING)
		return -ESRCH;
	if (task->flags & PF_KTHREAD)
		return -EPERM;
	if (!ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS))
		return -EPERM;
	if (task == current)
		return 0;
	if (!task_is_stopped_or_traced(task) && !cgroup_task_frozen(task))
		return -EBUSY;
	return 0;
}

/*
 * The image stream must be open for @mode (-EBADF) and a file the kernel
 * can read or write through iterators (-EINVAL).
 */
static int ckpt_file_usable(struct file *file, fmode_t mode)
{
	if (!(file->f_mode & mode))
		return -EBADF;
	if (mode == FMODE_WRITE ? !file->f_op->write_iter : !file->f_op->read_iter)
		return -EINVAL;
	return 0;
}

/* The image stream, usable, its position held as read(2) and write(2) hold it */
static int ckpt_fdget(int fd, fmode_t mode, struct fd *f)
{
	int ret;

	*f = fdget_pos(fd);
	if (fd_empty(*f))
		return -EBADF;
	ret = ckpt_file_usable(fd_file(*f), mode);
	if (ret)
		fdput_pos(*f);
	return ret;
}

SYSCALL_DEFINE3(checkpoint, pid_t, pid, int, fd, unsigned long, flags)
{
	struct task_struct *task;
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~CHECKPOINT_FLAGS_ALL || pid < 0 ||
	    (flags & CHECKPOINT_EXTERNAL && !(flags & CHECKPOINT_SUBTREE)))
		return -EINVAL;

	ret = ckpt_fdget(fd, FMODE_WRITE, &f);
	if (ret)
		return ret;

	ret = -ESRCH;
	task = pid ? find_get_task_by_vpid(pid) : get_task_struct(current);
	if (!task)
		goto out_fd;
	ret = ckpt_may_checkpoint(task);
	/*
	 * The tasks of a container are checked once they are collected, where
	 * an error record can name the one that runs; a running target that
	 * is not a container's init is then refused as such.
	 */
	if (ret == -EBUSY && !(flags & CHECKPOINT_SUBTREE))
		ret = 0;
	/* A leader gone before its threads: the image says why it is refused */
	if (ret == -ESRCH && thread_group_leader(task) && get_nr_threads(task) > 1)
		ret = ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS) ? 0 : -EPERM;
	if (ret)
		goto out_task;

	ctx = ckpt_ctx_alloc(CKPT_OP_CHECKPOINT, fd_file(f), flags);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_task;
	}
	ctx->root = task;
	ctx->root_pid = task_pid_vnr(task);
	ctx->task_pid = ctx->root_pid;
	ret = ckpt_do_checkpoint(ctx);
	ckpt_ctx_free(ctx);
	goto out_fd;

out_task:
	put_task_struct(task);
out_fd:
	fdput_pos(f);
	return ret;
}

/*
 * A restart that failed after it began to replace the caller leaves a task
 * that must not run: kill it before it returns to user space, and say why
 * where the user can see it, since the caller never will.
 */
static void restart_kill(struct ckpt_ctx *ctx, long err)
{
	pr_warn_ratelimited("checkpoint: restart of pid %d failed: %s (%ld)\n",
			    ctx->root_pid,
			    ctx->err_msg[0] ? ctx->err_msg : "error", err);
	force_fatal_sig(SIGKILL);
}

/* restart(pid, fd, RESTART_COORDINATE) and restart(0, fd, RESTART_JOIN) */
static long restart_tree(pid_t pid, int fd, unsigned long flags)
{
	int exit_code = -1;
	struct file *file;
	long ret;

	if (!(flags & RESTART_COORDINATE) != !pid)
		return -EINVAL;
	/*
	 * The tasks of the tree read the one image in turns, so none holds
	 * its position lock, which they would all wait for.
	 */
	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = ckpt_file_usable(file, FMODE_READ);
	if (!ret && flags & RESTART_COORDINATE)
		ret = ckpt_coordinate(file, pid, flags);
	else if (!ret)
		ret = ckpt_join(file, flags, &exit_code);
	fput(file);
	if (exit_code >= 0)
		do_exit(exit_code);
	return ret;
}

SYSCALL_DEFINE3(restart, pid_t, pid, int, fd, unsigned long, flags)
{
	struct task_struct *task;
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~RESTART_FLAGS_ALL || pid < 0 ||
	    (flags & RESTART_COORDINATE && flags & RESTART_JOIN))
		return -EINVAL;
	if (flags & (RESTART_COORDINATE | RESTART_JOIN))
		return restart_tree(pid, fd, flags);

	ret = ckpt_fdget(fd, FMODE_READ, &f);
	if (ret)
		return ret;

	/* pid is the caller, or 0 */
	if (pid) {
		ret = -ESRCH;
		task = find_get_task_by_vpid(pid);
		if (!task)
			goto out_fd;
		ret = same_thread_group(task, current) ? 0 : -EINVAL;
		put_task_struct(task);
		if (ret)
			goto out_fd;
	}

	ctx = ckpt_ctx_alloc(CKPT_OP_RESTART, fd_file(f), flags);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_fd;
	}
	ctx->root = get_task_struct(current);
	ctx->root_pid = task_pid_vnr(current);
	ctx->task_pid = ctx->root_pid;
	ret = ckpt_do_restart(ctx);
	if (!ret)
		ret = ctx->retval;
	else if (ctx->no_return)
		restart_kill(ctx, ret);
	else if (ctx->err_errno)
		pr_debug("restart of pid %d: %s\n", ctx->root_pid, ctx->err_msg);
	/* The stream may be closed in the fd table now: ctx holds it */
	fdput_pos(f);
	ckpt_ctx_free(ctx);
	return ret;

out_fd:
	fdput_pos(f);
	return ret;
}
