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
 *   never restores, nor the memory devices, which have no state);
 * - shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS) that a task
 *   outside maps too.
 *
 * Pipes are looked at by pipe.c, which also counts their ends.
 */
#include <linux/checkpoint.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
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

/* The address spaces of the image, sorted; each one once */
static int ext_mms(struct ckpt_ctx *ctx, struct ext_set *mms)
{
	unsigned int i;

	mms->ptr = kvmalloc_array(ctx->nr_tasks, sizeof(*mms->ptr), GFP_KERNEL);
	if (!mms->ptr)
		return -ENOMEM;
	mms->max = ctx->nr_tasks;
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];

		if (ctx->tree->tasks[i].share_mm)
			continue;
		task_lock(t);
		if (t->mm)
			ext_set_add_atomic(mms, t->mm);
		task_unlock(t);
	}
	ext_set_sort(mms);
	return 0;
}

/*
 * Adds @p to the sorted set @s unless it is in it: 1 if it was, 0 if
 * added, or -ENOMEM
 */
static int ext_set_insert(struct ext_set *s, const void *p)
{
	unsigned int lo = 0, hi = s->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->ptr[mid] == p)
			return 1;
		if ((unsigned long)s->ptr[mid] < (unsigned long)p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->nr == s->max) {
		unsigned int max = s->max ? 2 * s->max : 16;
		const void **ptr = kvrealloc(s->ptr, array_size(max, sizeof(*ptr)),
					     GFP_KERNEL);

		if (!ptr)
			return -ENOMEM;
		s->ptr = ptr;
		s->max = max;
	}
	memmove(&s->ptr[lo + 1], &s->ptr[lo], (s->nr - lo) * sizeof(*s->ptr));
	s->ptr[lo] = p;
	s->nr++;
	return 0;
}

/*
 * An address space outside @mms that maps the shared memory of @vma,
 * grabbed (mmdrop() it), or NULL. One being torn down (no users) shares
 * nothing any more.
 */
static struct mm_struct *ext_shmem_outside(struct vm_area_struct *vma,
					   const struct ext_set *mms)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct mm_struct *other = NULL;
	struct vm_area_struct *v;

	i_mmap_lock_read(mapping);
	vma_interval_tree_foreach(v, &mapping->i_mmap, 0, ULONG_MAX) {
		if (!ext_set_has(mms, v->vm_mm) &&
		    atomic_read(&v->vm_mm->mm_users)) {
			other = v->vm_mm;
			mmgrab(other);
			break;
		}
	}
	i_mmap_unlock_read(mapping);
	return other;
}

/*
 * Looks for an address space outside @mms that maps shared anonymous
 * memory of @mm: *@other (grabbed) at *@addr, or left NULL. Each object
 * is looked at once, however many of the image map it: @checked has
 * those seen, kept alive by the image's frozen mappings. 0 or -errno.
 */
static int ext_mm_shared_outside(struct mm_struct *mm, const struct ext_set *mms,
				 struct ext_set *checked, struct mm_struct **other,
				 unsigned long *addr)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		/* What memory.c saves as shared memory (CKPT_VMA_SHMEM) */
		if (!vma_is_anon_shmem(vma))
			continue;
		ret = ext_set_insert(checked, vma->vm_file->f_mapping);
		if (ret < 0)
			break;
		ret = 0;
		*other = ext_shmem_outside(vma, mms);
		if (*other) {
			*addr = vma->vm_start;
			break;
		}
		cond_resched();
	}
	mmap_read_unlock(mm);
	return ret;
}

/* A task that runs in @mm; its pid, or 0 when none is left */
static pid_t ext_mm_task(const struct mm_struct *mm)
{
	struct task_struct *p, *t;
	pid_t pid = 0;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (READ_ONCE(t->mm) == mm) {
			pid = task_pid_vnr(t);
			break;
		}
	}
	rcu_read_unlock();
	return pid;
}

/*
 * Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS, inherited across
 * fork) is one shmem object whose mappings are all in its i_mmap tree:
 * an address space there that is not the image's shares it.
 */
static int ext_check_memory(struct ckpt_ctx *ctx)
{
	struct ext_set mms = {}, checked = {};
	struct mm_struct *other = NULL;
	unsigned long addr = 0;
	pid_t pid = 0, outside;
	unsigned int i;
	int ret;

	ret = ext_mms(ctx, &mms);
	for (i = 0; i < ctx->nr_tasks && !ret && !other; i++) {
		struct mm_struct *mm;

		if (ctx->tree->tasks[i].share_mm)
			continue;
		mm = get_task_mm(ctx->tasks[i]);
		if (!mm)
			continue;
		ret = ext_mm_shared_outside(mm, &mms, &checked, &other, &addr);
		pid = ctx->tree->tasks[i].pid;
		mmput(mm);
	}
	ext_set_free(&mms);
	ext_set_free(&checked);
	if (ret || !other)
		return ret;
	outside = ext_mm_task(other);
	mmdrop(other);
	if (outside)
		ckpt_err(ctx, -EOPNOTSUPP,
			 "pid %d: shared memory at %#lx also mapped by pid %d, outside the image",
			 pid, addr, outside);
	else
		ckpt_err(ctx, -EOPNOTSUPP,
			 "pid %d: shared memory at %#lx also mapped outside the image",
			 pid, addr);
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

	if (!ret)
		ret = ext_check_files(ctx);
	return ret ? ret : ext_check_memory(ctx);
}
