// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: open files and the file descriptor table.
 *
 * A file is saved once, the first time it is met (in the fd table or as a
 * mapped file), as a CKPT_HDR_FILE record with an objref; the fd table and
 * the memory areas refer to it by that objref. What a file is decides how
 * it is saved and reopened: each kind is one row of ckpt_file_kinds[], in
 * its own file.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "files.h"

static const struct ckpt_file_ops *const ckpt_file_kinds[] = {
	&ckpt_file_reg_ops,
	&ckpt_file_dir_ops,
	&ckpt_file_chr_ops,
	&ckpt_file_tty_ops,
	&ckpt_file_pipe_ops,
	&ckpt_file_fifo_ops,
};

/**
 * struct ckpt_rst_files - the fd table read at restart
 * @table: the CKPT_HDR_FD_TABLE record
 */
struct ckpt_rst_files {
	struct ckpt_hdr_fd_table *table;
};

/**
 * ckpt_obj_file_get() - the objhash's reference to a struct file
 * @ptr: the file
 *
 * For the kinds of objects that are files: open files, shared memory.
 */
void ckpt_obj_file_get(void *ptr)
{
	get_file(ptr);
}

/**
 * ckpt_obj_file_put() - drop the objhash's reference to a struct file
 * @ptr: the file
 */
void ckpt_obj_file_put(void *ptr)
{
	fput(ptr);
}

static const struct ckpt_obj_ops ckpt_file_obj_ops = {
	.name = "file",
	.ref = ckpt_obj_file_get,
	.unref = ckpt_obj_file_put,
};

static const struct ckpt_file_ops *ckpt_file_kind_of(struct file *file)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_kinds); i++)
		if (ckpt_file_kinds[i]->match(file))
			return ckpt_file_kinds[i];
	return NULL;
}

static const struct ckpt_file_ops *ckpt_file_kind_by_id(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_kinds); i++)
		if (ckpt_file_kinds[i]->kind == kind)
			return ckpt_file_kinds[i];
	return NULL;
}

/* "pipe:[1234]", "socket:[42]", "/tmp/x (deleted)": names for messages */
static const char *ckpt_file_name(struct file *file, char *buf, int len)
{
	char *p = d_path(&file->f_path, buf, len);

	return IS_ERR(p) ? "?" : p;
}

static int checkpoint_file_record(struct ckpt_ctx *ctx, struct file *file,
				  const struct ckpt_file_ops *ops, int objref,
				  const char *what, char *buf)
{
	struct inode *inode = file_inode(file);
	struct ckpt_hdr_file h = {
		.objref = objref,
		.kind = ops->kind,
		.f_flags = file->f_flags & CKPT_FILE_OPEN_FLAGS,
		.mode = inode->i_mode,
		.pos = file->f_pos,
		.dev = new_encode_dev(inode->i_sb->s_dev),
		.rdev = new_encode_dev(inode->i_rdev),
		.ino = inode->i_ino,
		.size = i_size_read(inode),
	};
	struct timespec64 mtime = inode_get_mtime(inode);
	char *path;
	int ret;

	if (file->f_flags & ~(CKPT_FILE_OPEN_FLAGS | CKPT_FILE_IGNORED_FLAGS)) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: %s: open flags %#x",
			 ctx->task_pid, what, file->f_flags);
		return -EOPNOTSUPP;
	}
	if (inode == file_inode(ctx->file))
		h.flags |= CKPT_FILE_IMAGE;
	h.mtime_sec = mtime.tv_sec;
	h.mtime_nsec = mtime.tv_nsec;
	path = d_path(&file->f_path, buf, PATH_MAX);
	if (IS_ERR(path) ||
	    (!ops->anonymous && (*path != '/' || d_unlinked(file->f_path.dentry)))) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: %s: %s is deleted or out of reach",
			 ctx->task_pid, what, IS_ERR(path) ? "file" : path);
		return -EOPNOTSUPP;
	}
	ret = ops->checkpoint ? ops->checkpoint(ctx, file, &h) : 0;
	if (ret)
		return ret;
	h.path_len = strlen(path) + 1;
	return ckpt_write_obj_data(ctx, &h.h, CKPT_HDR_FILE, sizeof(h), path,
				   h.path_len);
}

/**
 * ckpt_checkpoint_file() - save a file, once, and give its objref
 * @ctx: checkpoint context
 * @file: the file
 * @what: how the task holds it, for messages ("fd 3", "mapping")
 * @objref: filled with the objref of the file
 *
 * Writes a CKPT_HDR_FILE record the first time @file is met.
 *
 * Return: 0, -EOPNOTSUPP with an error record for a file that cannot be
 * saved, or another negative errno.
 */
int ckpt_checkpoint_file(struct ckpt_ctx *ctx, struct file *file,
			 const char *what, int *objref)
{
	const struct ckpt_file_ops *ops;
	bool first;
	char *buf;
	int ret;

	ret = ckpt_obj_lookup_add(ctx, file, &ckpt_file_obj_ops, &first);
	if (ret < 0 || !first)
		goto out;
	*objref = ret;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ops = ckpt_file_kind_of(file);
	if (ops) {
		ret = checkpoint_file_record(ctx, file, ops, *objref, what, buf);
	} else {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: %s: %s unsupported",
			 ctx->task_pid, what, ckpt_file_name(file, buf, PATH_MAX));
		ret = -EOPNOTSUPP;
	}
	kfree(buf);
	return ret;
out:
	if (ret > 0) {
		*objref = ret;
		ret = 0;
	}
	return ret;
}

/**
 * ckpt_file_validate() - whether a reopened file is the one saved
 * @ctx: restart context
 * @file: the file opened by the record's path
 * @h: the CKPT_HDR_FILE record
 * @identity_only: check the inode only, not its size and mtime
 *
 * Return: 0, or -ESTALE after an error naming the path (not with
 * RESTART_FORCE_FILES).
 */
int ckpt_file_validate(struct ckpt_ctx *ctx, struct file *file,
		       const struct ckpt_hdr_file *h, bool identity_only)
{
	struct inode *inode = file_inode(file);
	struct timespec64 mtime = inode_get_mtime(inode);
	const char *why = NULL;

	if (inode->i_ino != h->ino ||
	    new_encode_dev(inode->i_sb->s_dev) != h->dev ||
	    (inode->i_mode & S_IFMT) != (h->mode & S_IFMT))
		why = "was replaced";
	else if (!identity_only &&
		 (i_size_read(inode) != h->size ||
		  mtime.tv_sec != h->mtime_sec ||
		  mtime.tv_nsec != h->mtime_nsec))
		why = "was modified";
	if (!why || ctx->flags & RESTART_FORCE_FILES)
		return 0;
	ckpt_err(ctx, -ESTALE, "%s %s since the checkpoint", h->path, why);
	return -ESTALE;
}

/**
 * ckpt_file_type_check() - whether the path of a record names its type
 * @ctx: restart context
 * @h: the CKPT_HDR_FILE record
 *
 * Looked up before the file is opened, even with RESTART_FORCE_FILES:
 * opening what came there instead, a FIFO (which waits for a peer) or a
 * device, could block or do more.
 *
 * Return: 0, or the errno of the lookup or -ESTALE, after an error.
 */
int ckpt_file_type_check(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct path path;
	umode_t type;
	int ret;

	ret = kern_path(h->path, h->f_flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW,
			&path);
	if (ret) {
		ckpt_err(ctx, ret, "%s: cannot open it", h->path);
		return ret;
	}
	type = d_inode(path.dentry)->i_mode & S_IFMT;
	path_put(&path);
	if (type == (h->mode & S_IFMT))
		return 0;
	ckpt_err(ctx, -ESTALE, "%s is another kind of file since the checkpoint",
		 h->path);
	return -ESTALE;
}

/**
 * ckpt_file_reopen() - open a file by the path in its record and check it
 * @ctx: restart context
 * @h: the CKPT_HDR_FILE record
 * @identity_only: check the inode only, not its size and mtime
 *
 * Return: the file, or an ERR_PTR() after an error naming the path.
 */
struct file *ckpt_file_reopen(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file *h, bool identity_only)
{
	struct file *file;
	int ret;

	ret = ckpt_file_type_check(ctx, h);
	if (ret)
		return ERR_PTR(ret);
	/* Not a controlling terminal, should the path be one now */
	file = filp_open(h->path, h->f_flags | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "%s: cannot open it", h->path);
		return file;
	}
	ret = ckpt_file_validate(ctx, file, h, identity_only);
	if (!ret && !(h->f_flags & O_PATH) && h->pos) {
		loff_t pos = vfs_llseek(file, h->pos, SEEK_SET);

		if (pos != h->pos) {
			ret = pos < 0 ? pos : -EINVAL;
			ckpt_err(ctx, ret, "%s: cannot seek to %llu", h->path,
				 h->pos);
		}
	}
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

/*
 * Reads a CKPT_HDR_FILE record and reopens the file, which enters the
 * objhash under the record's objref.
 */
static int ckpt_restore_file(struct ckpt_ctx *ctx)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_hdr_file *h;
	struct file *file;
	int ret = -EINVAL;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_FILE, sizeof(*h) + 2,
				sizeof(*h) + CKPT_PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ops = ckpt_file_kind_by_id(h->kind);
	if (!ops || h->objref <= 0 || h->path_len < 2 ||
	    h->h.len != sizeof(*h) + h->path_len ||
	    (h->path[0] != '/' && !ops->anonymous) ||
	    h->path[h->path_len - 1] ||
	    strlen(h->path) != h->path_len - 1 ||
	    h->f_flags & ~CKPT_FILE_OPEN_FLAGS ||
	    h->flags & ~CKPT_FILE_IMAGE ||
	    (ops->pipe ? h->peer_objref <= 0 : h->peer_objref)) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed file record",
			 ctx->nr_records);
		goto out;
	}
	file = ops->restore(ctx, h);
	ret = PTR_ERR_OR_ZERO(file);
	if (ret)
		goto out;
	/* A bad or duplicate objref is reported there */
	ret = ckpt_obj_insert(ctx, file, h->objref, &ckpt_file_obj_ops);
	fput(file);
out:
	kvfree(h);
	return ret;
}

/**
 * ckpt_restore_file_records() - reopen the files whose records come next
 * @ctx: restart context
 * @max: the most records there may be (the files of a descriptor table,
 *	or of an address space's mappings)
 *
 * Reads CKPT_HDR_FILE records, and the CKPT_HDR_PIPE records of pipes
 * before their ends, for as long as the stream has them; each file enters
 * the objhash under its record's objref.
 *
 * Return: 0, -EINVAL for a malformed record or more than @max, or the
 * errno of a reopen.
 */
int ckpt_restore_file_records(struct ckpt_ctx *ctx, u32 max)
{
	u32 type, n;
	int ret;

	for (n = 0;; n++) {
		ret = ckpt_peek_type(ctx, &type);
		if (ret || (type != CKPT_HDR_FILE && type != CKPT_HDR_PIPE))
			return ret;
		/* Each holds a file until the restart ends */
		if (n == max) {
			ckpt_err(ctx, -EINVAL, "record %u: more than %u file and pipe records",
				 ctx->nr_records, max);
			return -EINVAL;
		}
		if (type == CKPT_HDR_PIPE)
			ret = ckpt_restore_pipe(ctx);
		else
			ret = ckpt_restore_file(ctx);
		if (ret)
			return ret;
	}
}

/**
 * ckpt_file_fetch() - the file restored under an objref
 * @ctx: restart context
 * @objref: its objref
 *
 * Return: the file, held by the objhash until the restart ends, or NULL.
 */
struct file *ckpt_file_fetch(struct ckpt_ctx *ctx, int objref)
{
	struct file *file = ckpt_obj_fetch(ctx, objref, &ckpt_file_obj_ops);

	return IS_ERR(file) ? NULL : file;
}

/* The open files of @task and their close-on-exec flags, files held */
static int checkpoint_collect_fds(struct task_struct *task,
				  struct ckpt_hdr_fd_table **tablep,
				  struct file ***filesp)
{
	struct ckpt_hdr_fd_table *t = NULL;
	struct file **files = NULL;
	unsigned int fd = 0, n = 0, cap = 0;
	int ret;

	for (;; fd++) {
		struct file *file;
		bool cloexec = false;

		rcu_read_lock();
		file = task_lookup_next_fdget_rcu(task, &fd);
		if (file) {
			task_lock(task);
			if (task->files)
				cloexec = close_on_exec(fd, task->files);
			task_unlock(task);
		}
		rcu_read_unlock();
		if (!file)
			break;
		if (n == cap) {
			void *p;

			cap = cap ? 2 * cap : 16;
			if (cap > CKPT_FDS_MAX) {
				ret = -EMFILE;
				goto fail;
			}
			ret = -ENOMEM;
			p = krealloc(t, struct_size(t, fds, cap), GFP_KERNEL);
			if (!p)
				goto fail;
			t = p;
			p = krealloc_array(files, cap, sizeof(*files), GFP_KERNEL);
			if (!p)
				goto fail;
			files = p;
		}
		memset(&t->fds[n], 0, sizeof(t->fds[n]));
		t->fds[n].fd = fd;
		t->fds[n].flags = cloexec ? CKPT_FD_CLOEXEC : 0;
		files[n++] = file;
		continue;
fail:
		fput(file);
		while (n--)
			fput(files[n]);
		kfree(t);
		kfree(files);
		return ret;
	}
	if (!t) {
		t = kzalloc(sizeof(*t), GFP_KERNEL);
		if (!t)
			return -ENOMEM;
	}
	t->nr_fds = n;
	t->__pad = 0;
	*tablep = t;
	*filesp = files;
	return 0;
}

/**
 * ckpt_checkpoint_files() - save the open files and the fd table
 * @ctx: checkpoint context
 * @task: the task
 *
 * Return: 0, -EOPNOTSUPP with an error record naming the first fd that
 * cannot be saved, or another negative errno.
 */
int ckpt_checkpoint_files(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_hdr_fd_table *t;
	struct file **files;
	char what[24];
	u32 i;
	int ret;

	ret = checkpoint_collect_fds(task, &t, &files);
	if (ret == -EMFILE) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: more than %u open files",
			 ctx->task_pid, CKPT_FDS_MAX);
		return -EOPNOTSUPP;
	}
	if (ret)
		return ret;
	for (i = 0; i < t->nr_fds && !ret; i++) {
		snprintf(what, sizeof(what), "fd %d", t->fds[i].fd);
		ret = ckpt_checkpoint_file(ctx, files[i], what,
					   &t->fds[i].objref);
	}
	if (!ret)
		ret = ckpt_write_obj(ctx, &t->h, CKPT_HDR_FD_TABLE,
				     struct_size(t, fds, t->nr_fds));
	for (i = 0; i < t->nr_fds; i++)
		fput(files[i]);
	kfree(files);
	kfree(t);
	return ret;
}

static int restore_fd_table_check(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_fd_table *t)
{
	u32 i;

	if (t->__pad || t->h.len != struct_size(t, fds, t->nr_fds))
		goto bad;
	for (i = 0; i < t->nr_fds; i++) {
		const struct ckpt_fd_entry *e = &t->fds[i];

		if (e->fd < 0 || (unsigned int)e->fd >= sysctl_nr_open ||
		    (i && e->fd <= t->fds[i - 1].fd) ||
		    e->flags & ~CKPT_FD_CLOEXEC || e->__pad ||
		    !ckpt_file_fetch(ctx, e->objref))
			goto bad;
	}
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "record %u: malformed fd table",
		 ctx->nr_records);
	return -EINVAL;
}

/**
 * ckpt_restore_files() - reopen the open files and read the fd table
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for malformed records, or the errno of a reopen.
 */
int ckpt_restore_files(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_files *rf;
	struct ckpt_hdr_fd_table *t;
	int ret;

	/* The open files of a table, and a pipe record for each */
	ret = ckpt_restore_file_records(ctx, 2 * CKPT_FDS_MAX);
	if (ret)
		return ret;
	t = ckpt_read_obj_alloc(ctx, CKPT_HDR_FD_TABLE, sizeof(*t),
				struct_size(t, fds, CKPT_FDS_MAX));
	if (IS_ERR(t))
		return PTR_ERR(t);
	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf) {
		kvfree(t);
		return -ENOMEM;
	}
	rf->table = t;
	ctx->rst_files = rf;
	return restore_fd_table_check(ctx, t);
}

/*
 * Sets the soft RLIMIT_NOFILE of current's process, as do_prlimit() does
 * but for a moment and whatever the hard limit: replace_fd() checks it.
 * Returns the one it had.
 */
static unsigned long nofile_set(unsigned long cur)
{
	struct rlimit *rlim = &current->signal->rlim[RLIMIT_NOFILE];
	unsigned long old;

	task_lock(current->group_leader);
	old = rlim->rlim_cur;
	rlim->rlim_cur = cur;
	task_unlock(current->group_leader);
	return old;
}

/**
 * ckpt_commit_files() - replace current's fd table with the image's
 * @ctx: restart context
 *
 * Every descriptor of the restarting task is closed, the image stream's
 * included (the restart holds its own reference to it). The descriptors
 * are installed under a soft RLIMIT_NOFILE set for the highest, then put
 * back: the process may have lowered its limits since it opened it, or
 * raised them above the restarting task's (the image's are set last, or
 * were set by the leader of a thread with a table of its own). The fds
 * are below fs.nr_open, which bounds the table.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_commit_files(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_fd_table *t = ctx->rst_files->table;
	unsigned long old;
	u32 i;
	int ret;

	ret = __close_range(0, ~0U, 0);
	if (ret)
		return ret;
	old = nofile_set(t->nr_fds ? t->fds[t->nr_fds - 1].fd + 1UL : 0);
	for (i = 0; i < t->nr_fds && !ret; i++) {
		const struct ckpt_fd_entry *e = &t->fds[i];

		ret = replace_fd(e->fd, ckpt_file_fetch(ctx, e->objref),
				 e->flags & CKPT_FD_CLOEXEC ? O_CLOEXEC : 0);
		if (ret < 0)
			ckpt_err(ctx, ret, "cannot install fd %d", e->fd);
		else
			ret = 0;
	}
	nofile_set(old);
	return ret;
}

/**
 * ckpt_cleanup_files() - free what ckpt_restore_files() kept
 * @ctx: restart context
 */
void ckpt_cleanup_files(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_files *rf = ctx->rst_files;

	if (!rf)
		return;
	kvfree(rf->table);
	kfree(rf);
	ctx->rst_files = NULL;
}

/**
 * ckpt_prepare_files() - check, before any task is saved, what they share
 * @ctx: checkpoint context, with the tasks collected
 *
 * A pipe whose ends are held outside the image too would come back
 * without them. That is refused, unless CHECKPOINT_EXTERNAL accepts it
 * for a subtree.
 *
 * Return: 0, or -EOPNOTSUPP with an error record naming the pipe and a
 * task outside that holds it.
 */
int ckpt_prepare_files(struct ckpt_ctx *ctx)
{
	if (ctx->flags & CHECKPOINT_EXTERNAL)
		return 0;
	return ckpt_pipe_check_external(ctx);
}
