// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the x86_64 architecture header.
 *
 * It records the CPU facts every later x86 record depends on: which XSAVE
 * features user space had and how large their save area was. Restart
 * refuses an image that needs a feature the CPU does not enable.
 */
#include <linux/align.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/fpu/types.h>

/* The legacy FXSAVE area: the least any FPU save area holds */
#define CKPT_XSTATE_MIN	512
/* Far above any XSAVE area of today's CPUs (AMX tiles included) */
#define CKPT_XSTATE_MAX	(64U << 10)

/**
 * ckpt_arch_write_header() - write the x86_64 architecture header
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header_arch_x86_64 h = {
		.xfeatures = fpu_user_cfg.max_features,
		.xstate_size = fpu_user_cfg.max_size,
	};

	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
}

/**
 * ckpt_arch_read_header() - read and check the x86_64 architecture header
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for a malformed record, -EOPNOTSUPP if the image
 * needs XSAVE features that this CPU does not enable.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header_arch_x86_64 h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
	if (ret)
		return ret;
	if (h.__pad || (h.xfeatures & XFEATURE_MASK_FPSSE) != XFEATURE_MASK_FPSSE ||
	    h.xstate_size < CKPT_XSTATE_MIN || h.xstate_size > CKPT_XSTATE_MAX ||
	    !IS_ALIGNED(h.xstate_size, 64)) {
		ckpt_err(ctx, -EINVAL, "malformed x86_64 header");
		return -EINVAL;
	}
	if (h.xfeatures & ~fpu_user_cfg.max_features) {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "image needs XSAVE features %#llx this CPU lacks",
			 h.xfeatures & ~fpu_user_cfg.max_features);
		return -EOPNOTSUPP;
	}
	if (h.xstate_size > fpu_user_cfg.max_size) {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "image XSAVE area of %u bytes, this CPU's holds %u",
			 h.xstate_size, fpu_user_cfg.max_size);
		return -EOPNOTSUPP;
	}
	ctx->xstate_size = h.xstate_size;
	return 0;
}
