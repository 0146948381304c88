/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart: what signal.c uses of sigpending.c.
 */
#ifndef _CHECKPOINT_SIGNAL_H
#define _CHECKPOINT_SIGNAL_H

#include <linux/types.h>

struct ckpt_ctx;
struct ckpt_hdr_sigpending;
struct task_struct;

unsigned int ckpt_sigpending_queues(const struct ckpt_ctx *ctx);
int ckpt_checkpoint_sigpending(struct ckpt_ctx *ctx, struct task_struct *task);
struct ckpt_hdr_sigpending *ckpt_read_sigpending(struct ckpt_ctx *ctx,
						 u32 queue);
int ckpt_check_sigpending_timers(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_sigpending *h);
int ckpt_queue_sigpending(struct ckpt_ctx *ctx,
			  const struct ckpt_hdr_sigpending *h);

#endif /* _CHECKPOINT_SIGNAL_H */
