/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: kernel-internal API shared by the core in
 * checkpoint/ and the architecture code in arch/x86/checkpoint/.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <uapi/linux/checkpoint.h>

struct file;
struct task_struct;
struct ckpt_objhash;

#ifdef CONFIG_X86_64
#define CKPT_ARCH_ID		CKPT_ARCH_X86_64
#endif

/* Upper bound for the length of any record; readers check it first */
#define CKPT_RECORD_MAX		(64U << 20)

/* Largest record that the generic readers allocate a buffer for */
#define CKPT_RECORD_ALLOC_MAX	(256U << 10)

enum ckpt_op {
	CKPT_OP_CHECKPOINT,
	CKPT_OP_RESTART,
};

/**
 * struct ckpt_ctx - one checkpoint or restart operation
 * @op: what the operation does
 * @ckpt_id: id of the checkpoint (written at checkpoint, read at restart)
 * @flags: the flags given to the system call
 * @file: the image stream; read or written sequentially, never seeked
 * @ppos: where the stream is (the file's own position), NULL for streams
 *	such as pipes that have none
 * @root: the task checkpoint(2) was asked for, or the restarting task
 * @root_pid: pid of @root in the caller's pid namespace
 * @objhash: shared objects met so far, by address and by objref
 * @nr_records: records read or written so far
 * @stream_broken: a write to @file failed; nothing more can be appended
 * @err_errno: errno of the first error reported with ckpt_err()
 * @err_msg: message of that error, NUL-terminated, empty if none
 */
struct ckpt_ctx {
	enum ckpt_op op;
	u64 ckpt_id;
	unsigned long flags;
	struct file *file;
	loff_t *ppos;
	struct task_struct *root;
	pid_t root_pid;
	struct ckpt_objhash *objhash;
	u32 nr_records;
	bool stream_broken;
	int err_errno;
	char err_msg[CKPT_ERROR_MSG_MAX];
};

/* sys.c */
struct ckpt_ctx *ckpt_ctx_alloc(enum ckpt_op op, struct file *file,
				unsigned long flags);
void ckpt_ctx_free(struct ckpt_ctx *ctx);
__printf(3, 4)
void ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);

/* image.c: record output */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   u32 len);
int ckpt_write_buffer(struct ckpt_ctx *ctx, u32 type, const void *data,
		      u32 len);
int ckpt_write_error(struct ckpt_ctx *ctx);

/* image.c: record input */
int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		  u32 len);
void *ckpt_read_obj_alloc(struct ckpt_ctx *ctx, u32 type, u32 min_len,
			  u32 max_len);

/**
 * struct ckpt_obj_ops - how the object hash handles one kind of object
 * @name: name of the kind, for messages
 * @ref: take a reference to an object when it enters the hash
 * @unref: drop that reference when the operation ends
 */
struct ckpt_obj_ops {
	const char *name;
	void (*ref)(void *ptr);
	void (*unref)(void *ptr);
};

/* objhash.c */
int ckpt_objhash_alloc(struct ckpt_ctx *ctx);
void ckpt_objhash_free(struct ckpt_ctx *ctx);
int ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr,
		    const struct ckpt_obj_ops *ops);
int ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
			const struct ckpt_obj_ops *ops, bool *first);
int ckpt_obj_insert(struct ckpt_ctx *ctx, void *ptr, int objref,
		    const struct ckpt_obj_ops *ops);
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, int objref,
		     const struct ckpt_obj_ops *ops);

/* checkpoint.c, restart.c: the two orchestrators */
long ckpt_do_checkpoint(struct ckpt_ctx *ctx);
long ckpt_do_restart(struct ckpt_ctx *ctx);

/* arch/<arch>/checkpoint/: the architecture header record */
int ckpt_arch_write_header(struct ckpt_ctx *ctx);
int ckpt_arch_read_header(struct ckpt_ctx *ctx);

#endif /* _LINUX_CHECKPOINT_H */
