// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the filesystem context of a task, its root, working
 * directory and umask.
 *
 * Directories are saved by path, as the checkpointer sees them, and looked
 * up again at restart in the restarting task's namespace.
 */
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

/**
 * struct ckpt_rst_fs - fs context read at restart, applied at the end
 * @root: the root directory
 * @pwd: the working directory
 * @umask: the file creation mask
 */
struct ckpt_rst_fs {
	struct path root;
	struct path pwd;
	u32 umask;
};

/*
 * The path of @path as the checkpointer sees it, into @buf of PATH_MAX
 * bytes. Returns its length with the NUL, or a negative errno after an
 * error record naming @what.
 */
static int checkpoint_dir_path(struct ckpt_ctx *ctx, const struct path *path,
			       char *buf, const char *what)
{
	char *p;

	p = d_path(path, buf, PATH_MAX);
	if (IS_ERR(p) || d_unlinked(path->dentry) || *p != '/') {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "pid %d: %s is deleted or out of reach", ctx->task_pid,
			 what);
		return -EOPNOTSUPP;
	}
	memmove(buf, p, strlen(p) + 1);
	return strlen(buf) + 1;
}

/**
 * ckpt_checkpoint_fs() - save the root, working directory and umask
 * @ctx: checkpoint context
 * @task: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_checkpoint_fs(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_hdr_fs h = {};
	struct path root, pwd;
	char *buf;
	int rlen, clen, ret;

	task_lock(task);
	if (!task->fs) {
		task_unlock(task);
		return -ESRCH;
	}
	get_fs_root(task->fs, &root);
	get_fs_pwd(task->fs, &pwd);
	h.umask = task->fs->umask;
	task_unlock(task);

	ret = -ENOMEM;
	buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	if (!buf)
		goto out;
	rlen = checkpoint_dir_path(ctx, &root, buf, "root directory");
	ret = rlen;
	if (rlen < 0)
		goto out;
	clen = checkpoint_dir_path(ctx, &pwd, buf + rlen, "working directory");
	ret = clen;
	if (clen < 0)
		goto out;
	h.root_len = rlen;
	h.cwd_len = clen;
	ret = ckpt_write_obj_data(ctx, &h.h, CKPT_HDR_FS, sizeof(h), buf,
				  rlen + clen);
out:
	kfree(buf);
	path_put(&root);
	path_put(&pwd);
	return ret;
}

static int restore_dir(struct ckpt_ctx *ctx, const char *name,
		       struct path *path, const char *what)
{
	int ret;

	ret = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (!ret)
		ret = path_permission(path, MAY_EXEC | MAY_CHDIR);
	if (ret)
		ckpt_err(ctx, ret, "%s %s: cannot enter it", what, name);
	return ret;
}

/**
 * ckpt_restore_fs() - read the fs context and look its directories up
 * @ctx: restart context
 *
 * A root other than the restarting task's needs CAP_SYS_CHROOT, as
 * chroot(2) does.
 *
 * Return: 0, -EINVAL for a malformed record, or the errno of the lookup.
 */
int ckpt_restore_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_fs *rf;
	struct ckpt_hdr_fs *h;
	struct path cur;
	bool same_root;
	int ret;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_FS, sizeof(*h) + 2,
				sizeof(*h) + 2 * CKPT_PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->__pad || h->umask & ~0777 || !h->root_len ||
	    !h->cwd_len || h->root_len > CKPT_PATH_MAX ||
	    h->cwd_len > CKPT_PATH_MAX ||
	    h->h.len != sizeof(*h) + h->root_len + h->cwd_len ||
	    h->paths[h->root_len - 1] ||
	    h->paths[h->root_len + h->cwd_len - 1]) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed fs record",
			 ctx->nr_records);
		goto out;
	}
	ret = -ENOMEM;
	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		goto out;
	ctx->rst_fs = rf;
	rf->umask = h->umask;
	ret = restore_dir(ctx, h->paths, &rf->root, "root directory");
	if (ret)
		goto out;
	ret = restore_dir(ctx, h->paths + h->root_len, &rf->pwd,
			  "working directory");
	if (ret)
		goto out;
	get_fs_root(current->fs, &cur);
	same_root = path_equal(&cur, &rf->root);
	path_put(&cur);
	if (!same_root && !capable(CAP_SYS_CHROOT)) {
		ckpt_err(ctx, -EPERM, "root directory %s needs CAP_SYS_CHROOT",
			 h->paths);
		ret = -EPERM;
	}
out:
	kvfree(h);
	return ret;
}

/**
 * ckpt_commit_fs() - make the directories read at restart current's
 * @ctx: restart context
 *
 * Return: 0.
 */
int ckpt_commit_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_fs *rf = ctx->rst_fs;

	set_fs_root(current->fs, &rf->root);
	set_fs_pwd(current->fs, &rf->pwd);
	current->fs->umask = rf->umask;
	return 0;
}

/**
 * ckpt_cleanup_fs() - release what ckpt_restore_fs() kept
 * @ctx: restart context
 */
void ckpt_cleanup_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_fs *rf = ctx->rst_fs;

	if (!rf)
		return;
	path_put(&rf->root);
	path_put(&rf->pwd);
	kfree(rf);
	ctx->rst_fs = NULL;
}
