/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: the kinds of open files, private to checkpoint/.
 */
#ifndef _CHECKPOINT_FILES_H
#define _CHECKPOINT_FILES_H

#include <linux/checkpoint.h>
#include <linux/fcntl.h>
#include <linux/fs.h>

/* The open(2) flags a saved file is reopened with */
#define CKPT_FILE_OPEN_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
				 __O_SYNC | O_DIRECT | O_LARGEFILE | \
				 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_PATH)
/* Flags the kernel sets on its own, not asked for by open(2) */
#define CKPT_FILE_IGNORED_FLAGS	(__FMODE_EXEC | __FMODE_NONOTIFY)

/**
 * struct ckpt_file_ops - one kind of open file
 * @kind: enum ckpt_file_kind, as in the image
 * @name: name of the kind, for messages
 * @match: whether a file is of this kind
 * @checkpoint: add kind-specific state to the record, may be NULL
 * @restore: reopen the file a checked record describes
 * @anonymous: the file has no path to reopen (a pipe): its record's path
 *	is only its name
 * @pipe: the file is an end of a pipe, which its record names
 *	(peer_objref)
 */
struct ckpt_file_ops {
	u32 kind;
	const char *name;
	bool (*match)(struct file *file);
	int (*checkpoint)(struct ckpt_ctx *ctx, struct file *file,
			  struct ckpt_hdr_file *h);
	struct file *(*restore)(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *h);
	bool anonymous;
	bool pipe;
};

int ckpt_file_type_check(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h);
struct file *ckpt_file_reopen(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file *h, bool identity_only);
int ckpt_file_validate(struct ckpt_ctx *ctx, struct file *file,
		       const struct ckpt_hdr_file *h, bool identity_only);

/* file_path.c: files reopened by path */
extern const struct ckpt_file_ops ckpt_file_reg_ops;
extern const struct ckpt_file_ops ckpt_file_dir_ops;
extern const struct ckpt_file_ops ckpt_file_chr_ops;

/* tty.c: terminals */
extern const struct ckpt_file_ops ckpt_file_tty_ops;

/* pipe.c: pipes and named FIFOs, with their data */
extern const struct ckpt_file_ops ckpt_file_pipe_ops;
extern const struct ckpt_file_ops ckpt_file_fifo_ops;
int ckpt_restore_pipe(struct ckpt_ctx *ctx);
int ckpt_pipe_check_external(struct ckpt_ctx *ctx);

#endif /* _CHECKPOINT_FILES_H */
