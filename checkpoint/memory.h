/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: memory areas and their pages, private to checkpoint/.
 */
#ifndef _CHECKPOINT_MEMORY_H
#define _CHECKPOINT_MEMORY_H

#include <linux/checkpoint.h>
#include <linux/mm_types.h>

/**
 * struct ckpt_vma_info - a memory area of the checkpointed task
 * @start: first address
 * @end: address past the end
 * @pgoff: offset in the file, in pages
 * @kind: enum ckpt_vma_kind
 * @flags: CKPT_VMA_* flags
 * @file: the mapped file (CKPT_VMA_FILE, CKPT_VMA_SHMEM), held
 * @objref: objref of @file in the image (CKPT_VMA_FILE)
 * @nr_pages: number of pages saved for the area
 */
struct ckpt_vma_info {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	u32 kind;
	u32 flags;
	struct file *file;
	int objref;
	u64 nr_pages;
};

/* pages.c */
int ckpt_pages_count(struct mm_struct *mm, struct ckpt_vma_info *v);
int ckpt_pages_write(struct ckpt_ctx *ctx, struct mm_struct *mm,
		     const struct ckpt_vma_info *v);
int ckpt_pages_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h);

#endif /* _CHECKPOINT_MEMORY_H */
