// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: pipes and named FIFOs.
 *
 * A pipe is saved once, with the bytes in it, as a CKPT_HDR_PIPE record
 * written before the record of the first of its ends met; each end is a
 * CKPT_HDR_FILE record of kind CKPT_FILE_PIPE that names the pipe. The
 * data is read without being consumed, under the pipe's lock. At restart
 * the record makes a new pipe of the same capacity with the same bytes in
 * it, and each end record takes its end of that pipe: whatever tasks held
 * the ends before hold them again, and read what was in flight.
 *
 * A FIFO opened by path is an end of the pipe its inode holds, saved the
 * same way, its records of kind CKPT_FILE_FIFO with the path. At restart
 * the first of them opens the path read-write: that "keeper" lets every
 * end open without waiting for a partner, and takes the data of the pipe
 * made from the record; each end then reopens the path with its own
 * flags. The keeper goes with the restart's objects.
 */
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "files.h"

/* At checkpoint the pipe is its pipe_inode_info, kept by the files held */
static void ckpt_pipe_noref(void *ptr)
{
}

static const struct ckpt_obj_ops ckpt_pipe_obj_ops = {
	.name = "pipe",
	.ref = ckpt_pipe_noref,
	.unref = ckpt_pipe_noref,
};

/**
 * struct ckpt_rst_pipe - a pipe made again at restart
 * @ref: one per objhash reference
 * @end: its read and its write end
 * @fifo: for a FIFO, the keeper, which the data went to
 * @taken: an end of @end was taken
 */
struct ckpt_rst_pipe {
	refcount_t ref;
	struct file *end[2];
	struct file *fifo;
	bool taken;
};

static void ckpt_rst_pipe_ref(void *ptr)
{
	struct ckpt_rst_pipe *p = ptr;

	refcount_inc(&p->ref);
}

static void ckpt_rst_pipe_unref(void *ptr)
{
	struct ckpt_rst_pipe *p = ptr;

	if (!refcount_dec_and_test(&p->ref))
		return;
	fput(p->end[0]);
	fput(p->end[1]);
	if (p->fifo)
		fput(p->fifo);
	kfree(p);
}

static const struct ckpt_obj_ops ckpt_rst_pipe_obj_ops = {
	.name = "pipe",
	.ref = ckpt_rst_pipe_ref,
	.unref = ckpt_rst_pipe_unref,
};

/* An end of a pipe(2); a FIFO opened by path is not one */
static bool ckpt_file_is_pipe(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISFIFO(inode->i_mode) &&
	       inode->i_sb->s_magic == PIPEFS_MAGIC &&
	       get_pipe_info(file, false);
}

/* Copies the bytes in the pipe, in order, without consuming them */
static int ckpt_pipe_peek(struct pipe_inode_info *pipe, u8 *data, u32 max,
			  u32 *len)
{
	unsigned int tail;
	int ret = 0;

	*len = 0;
	for (tail = pipe->tail; tail != pipe->head && !ret; tail++) {
		struct pipe_buffer *buf = pipe_buf(pipe, tail);
		void *p;

		if (buf->len > max - *len)
			return -EIO;
		ret = pipe_buf_confirm(pipe, buf);
		if (ret)
			break;
		p = kmap_local_page(buf->page);
		memcpy(data + *len, p + buf->offset, buf->len);
		kunmap_local(p);
		*len += buf->len;
	}
	return ret;
}

static int ckpt_pipe_write_record(struct ckpt_ctx *ctx,
				  struct pipe_inode_info *pipe, int objref)
{
	struct ckpt_hdr_pipe h = { .objref = objref };
	u8 *data;
	u32 len;
	int ret;

	pipe_lock(pipe);
	h.size = pipe->max_usage << PAGE_SHIFT;
	if (h.size > CKPT_PIPE_MAX) {
		pipe_unlock(pipe);
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: a pipe of %u bytes, more than %u",
			 ctx->task_pid, h.size, CKPT_PIPE_MAX);
		return -EOPNOTSUPP;
	}
	data = kvmalloc(max(h.size, 1U), GFP_KERNEL);
	ret = data ? ckpt_pipe_peek(pipe, data, h.size, &len) : -ENOMEM;
	pipe_unlock(pipe);
	if (!ret) {
		h.data_len = len;
		ret = ckpt_write_obj_data(ctx, &h.h, CKPT_HDR_PIPE, sizeof(h),
					  data, len);
	}
	kvfree(data);
	return ret;
}

static int ckpt_file_pipe_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				     struct ckpt_hdr_file *h)
{
	struct pipe_inode_info *pipe = get_pipe_info(file, false);
	bool first;
	int ret;

	if (file->f_flags & O_DIRECT) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: a packet-mode pipe",
			 ctx->task_pid);
		return -EOPNOTSUPP;
	}
	if (pipe_has_watch_queue(pipe)) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: a notification pipe (not supported)",
			 ctx->task_pid);
		return -EOPNOTSUPP;
	}
	/*
	 * A pipe(2) has one file an end; another (or one reading and
	 * writing) is an end opened again through /proc, which a restart
	 * would not make
	 */
	if (ckpt_file_is_pipe(file) &&
	    (READ_ONCE(pipe->readers) > 1 || READ_ONCE(pipe->writers) > 1 ||
	     (file->f_mode & FMODE_READ && file->f_mode & FMODE_WRITE))) {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "pid %d: pipe:[%lu]: an end opened again through /proc (not supported)",
			 ctx->task_pid, file_inode(file)->i_ino);
		return -EOPNOTSUPP;
	}
	ret = ckpt_obj_lookup_add(ctx, pipe, &ckpt_pipe_obj_ops, &first);
	if (ret < 0)
		return ret;
	h->peer_objref = ret;
	h->pos = 0;
	return first ? ckpt_pipe_write_record(ctx, pipe, ret) : 0;
}

/* Makes a pipe like @h, with its data in it */
static struct ckpt_rst_pipe *ckpt_pipe_make(struct ckpt_ctx *ctx,
					    const struct ckpt_hdr_pipe *h)
{
	struct ckpt_rst_pipe *p;
	loff_t pos = 0;
	long ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	refcount_set(&p->ref, 1);
	ret = create_pipe_files(p->end, O_NONBLOCK);
	if (ret) {
		kfree(p);
		return ERR_PTR(ret);
	}
	ret = pipe_fcntl(p->end[1], F_SETPIPE_SZ, h->size);
	if (ret < 0) {
		ckpt_err(ctx, ret, "record %u: cannot make a pipe of %u bytes",
			 ctx->nr_records, h->size);
	} else if (h->data_len) {
		ret = kernel_write(p->end[1], h->data, h->data_len, &pos);
		if (ret >= 0 && ret != h->data_len)
			ret = -EIO;
		if (ret < 0)
			ckpt_err(ctx, ret, "record %u: cannot fill the pipe",
				 ctx->nr_records);
	}
	if (ret < 0) {
		ckpt_rst_pipe_unref(p);
		return ERR_PTR(ret);
	}
	return p;
}

/**
 * ckpt_restore_pipe() - read a CKPT_HDR_PIPE record and make the pipe
 * @ctx: restart context
 *
 * The pipe enters the objhash under the record's objref, for the records
 * of its ends.
 *
 * Return: 0, -EINVAL for a malformed record, or the errno of the pipe.
 */
int ckpt_restore_pipe(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_pipe *p;
	struct ckpt_hdr_pipe *h;
	int ret = -EINVAL;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_PIPE, sizeof(*h),
				sizeof(*h) + CKPT_PIPE_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->objref <= 0 || h->__pad || !h->size ||
	    h->size > CKPT_PIPE_MAX || h->data_len > h->size ||
	    h->h.len != sizeof(*h) + h->data_len) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed pipe record",
			 ctx->nr_records);
		goto out;
	}
	p = ckpt_pipe_make(ctx, h);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	/* A bad or duplicate objref is reported there */
	ret = ckpt_obj_insert(ctx, p, h->objref, &ckpt_rst_pipe_obj_ops);
	ckpt_rst_pipe_unref(p);
out:
	kvfree(h);
	return ret;
}

/* An end of a pipe and a FIFO name the same pipe record */
static int ckpt_pipe_mixed(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	ckpt_err(ctx, -EINVAL, "record %u: pipe objref %d is a pipe's and a FIFO's",
		 ctx->nr_records, h->peer_objref);
	return -EINVAL;
}

static struct file *ckpt_file_pipe_restore(struct ckpt_ctx *ctx,
					   const struct ckpt_hdr_file *h)
{
	unsigned int acc = h->f_flags & O_ACCMODE;
	struct ckpt_rst_pipe *p;
	struct file *file;

	if (!S_ISFIFO(h->mode) || (acc != O_RDONLY && acc != O_WRONLY) ||
	    h->f_flags & (O_DIRECT | O_PATH | O_DIRECTORY) || h->pos)
		return ERR_PTR(-EINVAL);
	p = ckpt_obj_fetch(ctx, h->peer_objref, &ckpt_rst_pipe_obj_ops);
	if (IS_ERR(p))
		return ERR_CAST(p);
	if (p->fifo)
		return ERR_PTR(ckpt_pipe_mixed(ctx, h));
	p->taken = true;
	file = get_file(p->end[acc == O_WRONLY]);
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~O_NONBLOCK) |
			(h->f_flags & O_NONBLOCK);
	spin_unlock(&file->f_lock);
	return file;
}

const struct ckpt_file_ops ckpt_file_pipe_ops = {
	.kind = CKPT_FILE_PIPE,
	.name = "pipe",
	.match = ckpt_file_is_pipe,
	.checkpoint = ckpt_file_pipe_checkpoint,
	.restore = ckpt_file_pipe_restore,
	.anonymous = true,
	.pipe = true,
};

/* A FIFO opened by path (not with O_PATH, which makes no end of it) */
static bool ckpt_file_is_fifo(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISFIFO(inode->i_mode) &&
	       inode->i_sb->s_magic != PIPEFS_MAGIC &&
	       get_pipe_info(file, false);
}

/*
 * Opens the keeper of the FIFO at @h's path. The path must lead to a FIFO
 * before anything opens it (a device or a terminal there would see an
 * open), the one saved (ESTALE, unless RESTART_FORCE_FILES), not the one
 * the image comes through; and nobody else may have it open or have left
 * data in it (EBUSY): a reader would take the image's data, a writer add
 * its own.
 */
static struct file *ckpt_fifo_open_keeper(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_file *h)
{
	struct pipe_inode_info *pipe;
	struct file *keeper;
	struct path path;
	bool alone;
	int ret;

	/* The path came from d_path(): its last component is no symlink */
	ret = kern_path(h->path, 0, &path);
	if (!ret) {
		ret = S_ISFIFO(d_inode(path.dentry)->i_mode) ? 0 : -ESTALE;
		path_put(&path);
	}
	if (ret) {
		ckpt_err(ctx, ret, "%s: %s", h->path,
			 ret == -ESTALE ? "no FIFO any more" : "cannot find it");
		return ERR_PTR(ret);
	}
	keeper = filp_open(h->path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, 0);
	if (IS_ERR(keeper)) {
		ckpt_err(ctx, PTR_ERR(keeper), "%s: cannot open the FIFO read-write",
			 h->path);
		return keeper;
	}
	pipe = get_pipe_info(keeper, false);
	ret = pipe ? ckpt_file_validate(ctx, keeper, h, true) : -ESTALE;
	if (!pipe)
		ckpt_err(ctx, ret, "%s: no FIFO any more", h->path);
	if (!ret && file_inode(keeper) == file_inode(ctx->file)) {
		ret = -EINVAL;
		ckpt_err(ctx, ret, "%s: the image comes through this FIFO", h->path);
	}
	if (!ret) {
		pipe_lock(pipe);
		alone = pipe->readers == 1 && pipe->writers == 1 &&
			pipe_empty(pipe->head, pipe->tail);
		pipe_unlock(pipe);
		if (!alone) {
			ret = -EBUSY;
			ckpt_err(ctx, ret, "%s: the FIFO is open outside the restart, or has data that is not the image's",
				 h->path);
		}
	}
	if (ret) {
		fput(keeper);
		return ERR_PTR(ret);
	}
	return keeper;
}

/*
 * Opens the keeper of the FIFO and moves the data of the pipe made from
 * its record into it, with the record's capacity
 */
static int ckpt_fifo_keep(struct ckpt_ctx *ctx, struct ckpt_rst_pipe *p,
			  const struct ckpt_hdr_file *h)
{
	struct file *keeper = ckpt_fifo_open_keeper(ctx, h);
	loff_t rpos = 0, wpos = 0;
	ssize_t n = 0, w;
	long size;
	u8 *buf;
	int ret;

	if (IS_ERR(keeper))
		return PTR_ERR(keeper);
	size = pipe_fcntl(p->end[1], F_GETPIPE_SZ, 0);
	if (size > 0)
		size = pipe_fcntl(keeper, F_SETPIPE_SZ, size);
	if (size < 0) {
		ret = size;
		ckpt_err(ctx, ret, "%s: cannot resize the FIFO", h->path);
		goto out;
	}
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	ret = buf ? 0 : -ENOMEM;
	/* Until the pipe made from the record is empty: -EAGAIN */
	while (!ret && (n = kernel_read(p->end[0], buf, PAGE_SIZE, &rpos)) > 0) {
		w = kernel_write(keeper, buf, n, &wpos);
		if (w != n) {
			ret = w < 0 ? w : -EIO;
			ckpt_err(ctx, ret, "%s: cannot fill the FIFO", h->path);
		}
	}
	kfree(buf);
	if (!ret && n < 0 && n != -EAGAIN)
		ret = n;
out:
	if (ret) {
		fput(keeper);
		return ret;
	}
	p->fifo = keeper;
	return 0;
}

static struct file *ckpt_file_fifo_restore(struct ckpt_ctx *ctx,
					   const struct ckpt_hdr_file *h)
{
	struct ckpt_rst_pipe *p;
	struct file *file;
	int ret;

	if (!S_ISFIFO(h->mode) || h->f_flags & (O_DIRECT | O_PATH | O_DIRECTORY) ||
	    h->pos || h->flags & CKPT_FILE_IMAGE) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed FIFO record",
			 ctx->nr_records);
		return ERR_PTR(-EINVAL);
	}
	p = ckpt_obj_fetch(ctx, h->peer_objref, &ckpt_rst_pipe_obj_ops);
	if (IS_ERR(p))
		return ERR_CAST(p);
	if (p->taken)
		return ERR_PTR(ckpt_pipe_mixed(ctx, h));
	if (!p->fifo) {
		ret = ckpt_fifo_keep(ctx, p, h);
		if (ret)
			return ERR_PTR(ret);
	}
	/* It does not wait for a partner: the keeper is both */
	file = ckpt_file_reopen(ctx, h, true);
	if (!IS_ERR(file) && file_inode(file) != file_inode(p->fifo)) {
		ckpt_err(ctx, -ESTALE, "%s is not the FIFO of pipe objref %d",
			 h->path, h->peer_objref);
		fput(file);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_fifo_ops = {
	.kind = CKPT_FILE_FIFO,
	.name = "FIFO",
	.match = ckpt_file_is_fifo,
	.checkpoint = ckpt_file_pipe_checkpoint,
	.restore = ckpt_file_fifo_restore,
	.pipe = true,
};

/* The descriptors of pipe ends in the image's tables, each with a reference */
struct ckpt_pipe_scan {
	struct file **fds;
	unsigned int nr;
	unsigned int max;
	bool full;
};

/* Under the table's lock, where the file cannot go */
static int ckpt_pipe_scan_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ckpt_pipe_scan *s = (struct ckpt_pipe_scan *)arg;

	if (!ckpt_file_is_pipe(file))
		return 0;
	if (s->nr == s->max) {
		s->full = true;
		return 1;
	}
	s->fds[s->nr++] = get_file(file);
	return 0;
}

static void ckpt_pipe_scan_put(struct ckpt_pipe_scan *s)
{
	while (s->nr)
		fput(s->fds[--s->nr]);
}

/* Fills @s with the pipe descriptors of the tasks; -ENOSPC if it is too small */
static int ckpt_pipe_scan_tasks(struct ckpt_ctx *ctx, struct ckpt_pipe_scan *s)
{
	unsigned int i;

	s->nr = 0;
	s->full = false;
	for (i = 0; i < ctx->nr_tasks && !s->full; i++) {
		struct task_struct *t = ctx->tasks[i];

		/* A table shared by threads counts once */
		if (ctx->tree->tasks[i].share_files)
			continue;
		task_lock(t);
		if (t->files)
			iterate_fd(t->files, 0, ckpt_pipe_scan_fd, s);
		task_unlock(t);
		cond_resched();
	}
	if (!s->full)
		return 0;
	ckpt_pipe_scan_put(s);
	return -ENOSPC;
}

/* The pipe descriptors of the tasks, in @s; more than CKPT_FDS_MAX a task is refused */
static int ckpt_pipe_scan(struct ckpt_ctx *ctx, struct ckpt_pipe_scan *s)
{
	u64 most = (u64)ctx->nr_tasks * CKPT_FDS_MAX;
	int ret;

	for (s->max = 64;; s->max *= 2) {
		s->fds = kvmalloc_array(s->max, sizeof(*s->fds), GFP_KERNEL);
		if (!s->fds)
			return -ENOMEM;
		ret = ckpt_pipe_scan_tasks(ctx, s);
		if (ret != -ENOSPC)
			return ret;
		kvfree(s->fds);
		s->fds = NULL;
		if (s->max >= most) {
			ckpt_err(ctx, -EOPNOTSUPP, "more than %u descriptors a task",
				 CKPT_FDS_MAX);
			return -EOPNOTSUPP;
		}
	}
}

/* A pipe end the tasks hold, with how many of their descriptors it has */
struct ckpt_pipe_end {
	struct pipe_inode_info *pipe;
	struct file *file;
	unsigned int nr_fds;
};

static int ckpt_cmp_pipe_end(const void *a, const void *b)
{
	const struct ckpt_pipe_end *x = a, *y = b;

	return ckpt_cmp_ptr(&x->pipe, &y->pipe);
}

/*
 * The distinct ends of @s, sorted by pipe, each with one reference (@s
 * keeps none); its number, or -ENOMEM
 */
static int ckpt_pipe_ends(struct ckpt_pipe_scan *s, struct ckpt_pipe_end **endsp)
{
	struct ckpt_pipe_end *ends;
	unsigned int i, n = 0;

	ends = kvmalloc_array(max(s->nr, 1U), sizeof(*ends), GFP_KERNEL);
	if (!ends)
		return -ENOMEM;
	sort(s->fds, s->nr, sizeof(*s->fds), ckpt_cmp_ptr, NULL);
	for (i = 0; i < s->nr; i++) {
		if (n && ends[n - 1].file == s->fds[i]) {
			ends[n - 1].nr_fds++;
			fput(s->fds[i]);
			continue;
		}
		ends[n].file = s->fds[i];
		ends[n].pipe = get_pipe_info(s->fds[i], false);
		ends[n++].nr_fds = 1;
	}
	s->nr = 0;
	sort(ends, n, sizeof(*ends), ckpt_cmp_pipe_end, NULL);
	*endsp = ends;
	return n;
}

static int ckpt_fd_of_pipe(const void *pipe, struct file *file, unsigned int fd)
{
	return get_pipe_info(file, false) == pipe;
}

/* A process outside the image with a descriptor on @pipe, or 0 */
static pid_t ckpt_pipe_holder(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe)
{
	struct task_struct *p;
	pid_t pid = 0;

	rcu_read_lock();
	for_each_process(p) {
		bool found = false;

		if (ckpt_tree_has(ctx, p))
			continue;
		task_lock(p);
		if (p->files)
			found = iterate_fd(p->files, 0, ckpt_fd_of_pipe, pipe);
		task_unlock(p);
		if (found) {
			pid = task_pid_vnr(p);
			break;
		}
	}
	rcu_read_unlock();
	return pid;
}

/*
 * Whether the pipe of @ends[0..@nr), all its ends that the tasks hold, has
 * ends or descriptors outside: each of its open files must be one of
 * these, held by the tasks' descriptors (and the reference of @ends) only
 */
static bool ckpt_pipe_external(const struct ckpt_pipe_end *ends, unsigned int nr)
{
	struct pipe_inode_info *pipe = ends[0].pipe;
	unsigned int i, readers = 0, writers = 0;

	for (i = 0; i < nr; i++) {
		struct file *file = ends[i].file;

		if (file_count(file) > ends[i].nr_fds + 1)
			return true;
		readers += !!(file->f_mode & FMODE_READ);
		writers += !!(file->f_mode & FMODE_WRITE);
	}
	return READ_ONCE(pipe->readers) != readers ||
	       READ_ONCE(pipe->writers) != writers;
}

/**
 * ckpt_pipe_check_external() - refuse pipes shared with tasks outside
 * @ctx: checkpoint context, with the tasks collected and pinned
 *
 * Return: 0, or -EOPNOTSUPP with an error record naming the first pipe
 * with an end held outside the image, and a task that holds it.
 */
int ckpt_pipe_check_external(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_scan s = {};
	struct ckpt_pipe_end *ends;
	unsigned int k, j, nr;
	int n, ret;

	ret = ckpt_pipe_scan(ctx, &s);
	if (ret)
		return ret;
	n = ckpt_pipe_ends(&s, &ends);
	if (n < 0) {
		ckpt_pipe_scan_put(&s);
		kvfree(s.fds);
		return n;
	}
	kvfree(s.fds);
	nr = n;
	for (k = 0; k < nr; k = j) {
		unsigned long ino = file_inode(ends[k].file)->i_ino;
		pid_t holder;

		for (j = k + 1; j < nr && ends[j].pipe == ends[k].pipe; j++)
			;
		cond_resched();
		if (ret || !ckpt_pipe_external(&ends[k], j - k))
			continue;
		holder = ckpt_pipe_holder(ctx, ends[k].pipe);
		if (holder)
			ckpt_err(ctx, -EOPNOTSUPP,
				 "pipe:[%lu]: also held by pid %d, outside the image",
				 ino, holder);
		else
			ckpt_err(ctx, -EOPNOTSUPP,
				 "pipe:[%lu]: also held outside the image", ino);
		ret = -EOPNOTSUPP;
	}
	for (k = 0; k < nr; k++)
		fput(ends[k].file);
	kvfree(ends);
	return ret;
}
