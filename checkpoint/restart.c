// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart orchestrator.
 *
 * Reads the image in the order checkpoint wrote it and checks every
 * record before acting on it. The kinds of state are restored by their
 * own files; this one only sequences them.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

static bool restore_uts_ok(const char *s)
{
	return memchr(s, '\0', CKPT_UTS_LEN);
}

static int restore_check_header(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_header *h)
{
	if (h->magic != CKPT_MAGIC_HEAD) {
		ckpt_err(ctx, -EINVAL, "not a checkpoint image (bad magic)");
		return -EINVAL;
	}
	if (h->format != CKPT_FORMAT_VERSION) {
		ckpt_err(ctx, -EINVAL, "image format %u, this kernel reads %u",
			 h->format, CKPT_FORMAT_VERSION);
		return -EINVAL;
	}
	if (h->arch != CKPT_ARCH_ID || h->page_size != PAGE_SIZE) {
		ckpt_err(ctx, -EINVAL, "image of arch %u with %u-byte pages",
			 h->arch, h->page_size);
		return -EINVAL;
	}
	if (h->flags & ~CHECKPOINT_FLAGS_ALL || h->__pad ||
	    memchr_inv(h->__pad2, 0, sizeof(h->__pad2)) ||
	    !restore_uts_ok(h->sysname) || !restore_uts_ok(h->nodename) ||
	    !restore_uts_ok(h->release) || !restore_uts_ok(h->version) ||
	    !restore_uts_ok(h->machine)) {
		ckpt_err(ctx, -EINVAL, "malformed image header");
		return -EINVAL;
	}
	return 0;
}

static int restore_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_HEADER, sizeof(*h));
	if (!ret)
		ret = restore_check_header(ctx, h);
	if (!ret)
		ctx->ckpt_id = h->ckpt_id;
	kfree(h);
	return ret;
}

static int restore_tasks(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int ret;

	ret = ckpt_read_hdr(ctx, &h);
	if (ret)
		return ret;
	if (h.type == CKPT_HDR_ERROR)
		ckpt_err(ctx, -EINVAL, "image of a failed checkpoint");
	else
		ckpt_err(ctx, -EINVAL, "record %u: no task state (type %u)",
			 ctx->nr_records, h.type);
	return -EINVAL;
}

/**
 * ckpt_do_restart() - rebuild the state in ctx->file into the calling task
 * @ctx: restart context
 *
 * Return: 0, or the negative errno of the cause of the failure (the first
 * error reported with ckpt_err()); -EINVAL for any malformed image.
 */
long ckpt_do_restart(struct ckpt_ctx *ctx)
{
	int ret;

	ret = restore_read_header(ctx);
	if (!ret)
		ret = ckpt_arch_read_header(ctx);
	if (!ret)
		ret = restore_tasks(ctx);
	if (ret && ctx->err_errno)
		ret = -ctx->err_errno;
	return ret;
}
