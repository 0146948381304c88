// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint: what the tasks of an image share with tasks outside it.
 *
 * After a restart the image's tasks have their own copy of whatever they
 * shared with a task outside the image: the sharing is gone. So it is
 * found before anything is saved, and refused with an error that names
 * what is shared and a task outside that has it, unless
 * CHECKPOINT_EXTERNAL accepts it (for a subtree only: sys.c refuses the
 * flag for a container). Looked for here:
 *
 * - an address space, file table, fs context or signal handlers used by
 *   more tasks than the image's that hold it;
 * - an open file (one struct file, one offset) that a task outside has in
 *   its descriptor table: regular files, directories and FIFOs, whose
 *   offset or data the sharing affects (not terminals, which a restart
 *   never restores, nor the memory devices, which have no state).
 *
 * Pipes are looked at by pipe.c, which also counts their ends. Shared
 * anonymous memory that a task outside maps too is not looked for yet.
 */
#include <linux/checkpoint.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/magic.h>
#include <linux/pipe_fs_i.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/bsearch.h>
#include <linux/sort.h>
#include "files.h"

/* Sorted pointers, for bsearch() */
struct ext_set {
	const void **ptr;
	unsigned int nr;
	unsigned int max;
};

static bool ext_set_has(const struct ext_set *s, const void *p)
{
	return s->nr && bsearch(&p, s->ptr, s->nr, sizeof(*s->ptr), ckpt_cmp_ptr);
}

/* Under a spinlock: -ENOSPC when full */
static int ext_set_add_atomic(struct ext_set *s, const void *p)
{
	if (s->nr == s->max)
		return -ENOSPC;
	s->ptr[s->nr++] = p;
	return 0;
}

static void ext_set_sort(struct ext_set *s)
{
	sort(s->ptr, s->nr, sizeof(*s->ptr), ckpt_cmp_ptr, NULL);
}

static void ext_set_free(struct ext_set *s)
{
	kvfree(s->ptr);
	s->ptr = NULL;
	s->nr = 0;
	s->max = 0;
}

/* A task outside the image that holds @what (enum ckpt_share) at @ptr; its pid or 0 */
static pid_t ext_holder(struct ckpt_ctx *ctx, enum ckpt_share what, const void *ptr)
{
	struct task_struct *p, *t;
	struct ckpt_held held;
	pid_t pid = 0;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (ckpt_tree_has(ctx, t) || t->flags & PF_KTHREAD)
			continue;
		ckpt_task_held(t, &held);
		if (held.ptr[what - 1] == ptr) {
			pid = task_pid_vnr(t);
			break;
		}
	}
	rcu_read_unlock();
	return pid;
}

/*
 * Every address space, file table, fs context and set of handlers of the
 * image has as many users as the image has tasks holding it. The tree
 * says who holds the same as an earlier task; an address space also has
 * users of a moment (ckpt_mm_tasks()), so a surplus there is looked for
 * among the tasks outside before it counts.
 */
static int ext_check_held(struct ckpt_ctx *ctx)
{
	static const char * const what[] = {
		"address space", "file table", "fs context", "signal handlers",
	};
	unsigned int n = ctx->nr_tasks, i;
	enum ckpt_share x;
	u32 *holders;
	int ret = 0;

	holders = kvcalloc(n, sizeof(*holders), GFP_KERNEL);
	if (!holders)
		return -ENOMEM;
	for (x = CKPT_SHARE_MM; x <= CKPT_SHARE_SIGHAND && !ret; x++) {
		memset(holders, 0, n * sizeof(*holders));
		for (i = 0; i < n; i++) {
			u32 j = ckpt_tree_share(&ctx->tree->tasks[i], x);

			holders[j ? j - 1 : i]++;
		}
		for (i = 0; i < n && !ret; i++) {
			struct ckpt_held held;
			pid_t pid;

			if (!holders[i])
				continue;
			ckpt_task_held(ctx->tasks[i], &held);
			if (!held.ptr[x - 1] || held.users[x - 1] <= (long)holders[i])
				continue;
			pid = ext_holder(ctx, x, held.ptr[x - 1]);
			if (!pid && x == CKPT_SHARE_MM)
				continue;
			ret = -EOPNOTSUPP;
			if (pid)
				ckpt_err(ctx, ret, "pid %d: its %s is shared with pid %d, outside the image",
					 ctx->tree->tasks[i].pid, what[x - 1], pid);
			else
				ckpt_err(ctx, ret, "pid %d: its %s is shared outside the image",
					 ctx->tree->tasks[i].pid, what[x - 1]);
		}
	}
	kvfree(holders);
	return ret;
}

/* Files whose sharing a restart would undo */
static bool ext_file_counts(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	if (get_pipe_info(file, false))
		return S_ISFIFO(mode) && file_inode(file)->i_sb->s_magic != PIPEFS_MAGIC;
	return S_ISREG(mode) || S_ISDIR(mode);
}

static int ext_add_file(const void *arg, struct file *file, unsigned int fd)
{
	struct ext_set *files = (struct ext_set *)arg;

	return ext_file_counts(file) ? ext_set_add_atomic(files, file) : 0;
}

/* The open files in the image's descriptor tables, sorted */
static int ext_files(struct ckpt_ctx *ctx, struct ext_set *files)
{
	unsigned int i, max = 256;
	int ret;

	do {
		ext_set_free(files);
		files->ptr = kvmalloc_array(max, sizeof(*files->ptr), GFP_KERNEL);
		if (!files->ptr)
			return -ENOMEM;
		files->max = max;
		max *= 2;
		ret = 0;
		for (i = 0; i < ctx->nr_tasks && !ret; i++) {
			struct task_struct *t = ctx->tasks[i];

			/* A table shared by threads is looked at once */
			if (ctx->tree->tasks[i].share_files)
				continue;
			task_lock(t);
			if (t->files)
				ret = iterate_fd(t->files, 0, ext_add_file, files);
			task_unlock(t);
		}
	} while (ret == -ENOSPC);
	ext_set_sort(files);
	return ret;
}

/* Looking for one of the image's files in a descriptor table */
struct ext_find {
	const struct ext_set *files;
	struct file *found;
};

/* Under the table's lock, where the file cannot go */
static int ext_fd_in(const void *arg, struct file *file, unsigned int fd)
{
	struct ext_find *f = (struct ext_find *)arg;

	if (!ext_set_has(f->files, file))
		return 0;
	f->found = get_file(file);
	return 1;
}

/*
 * The first open file of the image that a task outside has in its
 * descriptor table; with the task's pid
 */
static struct file *ext_file_outside(struct ckpt_ctx *ctx,
				     const struct ext_set *files, pid_t *pid)
{
	struct ext_find f = { .files = files };
	struct task_struct *p, *t;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (ckpt_tree_has(ctx, t) || t->flags & PF_KTHREAD ||
		    (t != p && READ_ONCE(t->files) == READ_ONCE(p->files)))
			continue;
		task_lock(t);
		if (t->files)
			iterate_fd(t->files, 0, ext_fd_in, &f);
		task_unlock(t);
		if (f.found) {
			*pid = task_pid_vnr(t);
			break;
		}
	}
	rcu_read_unlock();
	return f.found;
}

static int ext_check_files(struct ckpt_ctx *ctx)
{
	struct ext_set files = {};
	struct file *file;
	char *buf, *path;
	pid_t pid = 0;
	int ret;

	ret = ext_files(ctx, &files);
	file = ret ? NULL : ext_file_outside(ctx, &files, &pid);
	ext_set_free(&files);
	if (!file)
		return ret;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	path = buf ? d_path(&file->f_path, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	ckpt_err(ctx, -EOPNOTSUPP, "%s: open file also held by pid %d, outside the image",
		 IS_ERR(path) ? "?" : path, pid);
	kfree(buf);
	fput(file);
	return -EOPNOTSUPP;
}

/**
 * ckpt_check_external() - refuse what the image's tasks share with others
 * @ctx: checkpoint context, with the tasks collected and the tree written
 *
 * Return: 0, or -EOPNOTSUPP with an error record naming the first thing
 * found shared with a task outside the image, and that task.
 */
int ckpt_check_external(struct ckpt_ctx *ctx)
{
	int ret = ext_check_held(ctx);

	return ret ? ret : ext_check_files(ctx);
}
