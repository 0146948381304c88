// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: files reopened by path.
 *
 * Regular files and directories are reopened by the path they had and
 * checked to be the same inode; a regular file must also have kept its
 * size and mtime, since the task may hold data that depends on them.
 * The memory devices are reopened by path and checked by device number.
 */
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include "files.h"

static bool ckpt_file_is_reg(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode);
}

static struct file *ckpt_file_reg_restore(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_file *h)
{
	if (!S_ISREG(h->mode))
		return ERR_PTR(-EINVAL);
	/* The image grew after its own record was written */
	return ckpt_file_reopen(ctx, h, h->flags & CKPT_FILE_IMAGE);
}

const struct ckpt_file_ops ckpt_file_reg_ops = {
	.kind = CKPT_FILE_REG,
	.name = "regular file",
	.match = ckpt_file_is_reg,
	.restore = ckpt_file_reg_restore,
};

static bool ckpt_file_is_dir(struct file *file)
{
	return S_ISDIR(file_inode(file)->i_mode);
}

static struct file *ckpt_file_dir_restore(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_file *h)
{
	if (!S_ISDIR(h->mode))
		return ERR_PTR(-EINVAL);
	/* Entries come and go in a directory: only its identity counts */
	return ckpt_file_reopen(ctx, h, true);
}

const struct ckpt_file_ops ckpt_file_dir_ops = {
	.kind = CKPT_FILE_DIR,
	.name = "directory",
	.match = ckpt_file_is_dir,
	.restore = ckpt_file_dir_restore,
};

/* /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom */
static bool ckpt_mem_dev(dev_t dev)
{
	if (MAJOR(dev) != 1)
		return false;
	switch (MINOR(dev)) {
	case 3: case 5: case 7: case 8: case 9:
		return true;
	}
	return false;
}

static bool ckpt_file_is_chr(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISCHR(inode->i_mode) && ckpt_mem_dev(inode->i_rdev);
}

static struct file *ckpt_file_chr_restore(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_file *h)
{
	struct file *file;
	dev_t dev = new_decode_dev(h->rdev);
	int ret;

	if (!S_ISCHR(h->mode) || !ckpt_mem_dev(dev))
		return ERR_PTR(-EINVAL);
	ret = ckpt_file_type_check(ctx, h);
	if (ret)
		return ERR_PTR(ret);
	file = filp_open(h->path, h->f_flags | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "%s: cannot open it", h->path);
		return file;
	}
	if (!S_ISCHR(file_inode(file)->i_mode) ||
	    file_inode(file)->i_rdev != dev) {
		ckpt_err(ctx, -ESTALE, "%s is not device %u:%u any more",
			 h->path, MAJOR(dev), MINOR(dev));
		fput(file);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_chr_ops = {
	.kind = CKPT_FILE_CHR,
	.name = "memory device",
	.match = ckpt_file_is_chr,
	.restore = ckpt_file_chr_restore,
};
