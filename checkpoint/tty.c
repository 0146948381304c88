// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: terminals.
 *
 * A terminal is not saved: at restart, the task gets the terminal of the
 * task that restarts it, as the 1991 chkpnt did, so that a program
 * restarted from a shell talks to that shell's terminal.
 */
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include "files.h"

/* A terminal a program can read and write: not a pty master */
static bool ckpt_tty_dev(dev_t dev)
{
	unsigned int major = MAJOR(dev);

	if (major == TTY_MAJOR)
		return true;
	if (major == TTYAUX_MAJOR)
		return MINOR(dev) == 0 || MINOR(dev) == 1;
	return major >= UNIX98_PTY_SLAVE_MAJOR &&
	       major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
}

static bool ckpt_file_is_tty(struct file *file)
{
	struct inode *inode = file_inode(file);

	/* An O_PATH descriptor is none to talk to */
	return !(file->f_mode & FMODE_PATH) && S_ISCHR(inode->i_mode) &&
	       ckpt_tty_dev(inode->i_rdev);
}

static struct file *ckpt_file_tty_restore(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_file *h)
{
	unsigned int fd;

	if (!S_ISCHR(h->mode) || !ckpt_tty_dev(new_decode_dev(h->rdev)))
		return ERR_PTR(-EINVAL);
	for (fd = 0; fd < 3; fd++) {
		struct file *file = fget(fd);

		if (file && ckpt_file_is_tty(file))
			return file;
		if (file)
			fput(file);
	}
	ckpt_err(ctx, -ENOTTY, "%s: the restarting task has no terminal",
		 h->path);
	return ERR_PTR(-ENOTTY);
}

const struct ckpt_file_ops ckpt_file_tty_ops = {
	.kind = CKPT_FILE_TTY,
	.name = "terminal",
	.match = ckpt_file_is_tty,
	.restore = ckpt_file_tty_restore,
};
