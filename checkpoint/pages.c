// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the contents of memory.
 *
 * Only pages that hold something are saved: present pages of private
 * anonymous memory other than the zero page, the copied-on-write pages of
 * private file mappings (the others come from the file again), and the
 * pages of shared anonymous memory. They go to the image in runs of
 * consecutive pages, straight from where they are, without a copy and
 * without the target's mmap lock held during the write.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include "memory.h"

/**
 * struct ckpt_run - a run of pages to save, found by a page table walk
 * @anon_only: save copied-on-write pages only (private file mappings)
 * @start: address of the first page of the run, 0 while none found
 * @nr: number of pages in the run
 * @max: most pages the run may have
 * @count: pages found so far, when counting
 * @counting: count every page instead of stopping after the first run
 */
struct ckpt_run {
	bool anon_only;
	unsigned long start;
	unsigned int nr;
	unsigned int max;
	u64 count;
	bool counting;
};

/* Whether the page behind @pte holds data that the image must carry */
static bool ckpt_pte_saved(struct vm_area_struct *vma, unsigned long addr,
			   pte_t pte, bool anon_only)
{
	struct page *page;

	if (pte_none(pte))
		return false;
	if (!pte_present(pte)) {
		/* Swapped or migrating: anonymous data, GUP brings it back */
		return !is_pte_marker(pte);
	}
	if (is_zero_pfn(pte_pfn(pte)))
		return false;
	if (!anon_only)
		return true;
	page = vm_normal_page(vma, addr, pte);
	return page && PageAnon(page);
}

static int ckpt_run_pte(pte_t *pte, unsigned long addr, unsigned long next,
			struct mm_walk *walk)
{
	struct ckpt_run *run = walk->private;
	bool saved = ckpt_pte_saved(walk->vma, addr, ptep_get(pte),
				    run->anon_only);

	if (run->counting) {
		run->count += saved;
		return 0;
	}
	if (saved) {
		if (!run->nr)
			run->start = addr;
		run->nr++;
		return run->nr == run->max;
	}
	/* A hole ends the run */
	return run->nr ? 1 : 0;
}

static int ckpt_run_hole(unsigned long addr, unsigned long next, int depth,
			 struct mm_walk *walk)
{
	struct ckpt_run *run = walk->private;

	return !run->counting && run->nr ? 1 : 0;
}

static const struct mm_walk_ops ckpt_run_ops = {
	.pte_entry = ckpt_run_pte,
	.pte_hole = ckpt_run_hole,
	.walk_lock = PGWALK_RDLOCK,
};

/* The page of shared anonymous memory at @index, or NULL for a hole */
static struct page *ckpt_shmem_page(struct file *file, pgoff_t index)
{
	struct folio *folio = NULL;
	struct page *page;

	if (shmem_get_folio(file_inode(file), index, 0, &folio, SGP_READ) ||
	    !folio)
		return NULL;
	page = folio_file_page(folio, index);
	get_page(page);
	folio_unlock(folio);
	folio_put(folio);
	return page;
}

/**
 * ckpt_pages_count() - count the pages of an area that will be saved
 * @mm: the address space, its mmap lock held for reading
 * @v: the area; @v->nr_pages is set
 *
 * Return: 0 or a negative errno.
 */
int ckpt_pages_count(struct mm_struct *mm, struct ckpt_vma_info *v)
{
	struct ckpt_run run = { .counting = true };
	struct vm_area_struct *vma;
	int ret;

	v->nr_pages = 0;
	if (v->kind == CKPT_VMA_SHMEM) {
		pgoff_t i, n = (v->end - v->start) >> PAGE_SHIFT;

		for (i = 0; i < n; i++) {
			struct page *page = ckpt_shmem_page(v->file, v->pgoff + i);

			if (page) {
				v->nr_pages++;
				put_page(page);
			}
		}
		return 0;
	}
	if (v->kind != CKPT_VMA_ANON &&
	    !(v->kind == CKPT_VMA_FILE && !(v->flags & CKPT_VMA_SHARED)))
		return 0;
	vma = vma_lookup(mm, v->start);
	if (!vma || vma->vm_end != v->end)
		return -EBUSY;
	run.anon_only = v->kind == CKPT_VMA_FILE;
	ret = walk_page_range_vma(vma, v->start, v->end, &ckpt_run_ops, &run);
	v->nr_pages = run.count;
	return ret < 0 ? ret : 0;
}

/* The next run of saved pages at or after *@addr, its pages held */
static int ckpt_next_run(struct mm_struct *mm, const struct ckpt_vma_info *v,
			 unsigned long *addr, struct page **pages,
			 unsigned int *nr)
{
	struct ckpt_run run = {
		.anon_only = v->kind == CKPT_VMA_FILE,
		.max = CKPT_PAGES_MAX,
	};
	struct vm_area_struct *vma;
	long got;
	int ret;

	*nr = 0;
	if (v->kind == CKPT_VMA_SHMEM) {
		for (; *addr < v->end; *addr += PAGE_SIZE) {
			pgoff_t idx = v->pgoff + ((*addr - v->start) >> PAGE_SHIFT);
			struct page *page = ckpt_shmem_page(v->file, idx);

			if (page) {
				pages[(*nr)++] = page;
				if (*nr == CKPT_PAGES_MAX) {
					*addr += PAGE_SIZE;
					break;
				}
			} else if (*nr) {
				break;
			}
		}
		*addr -= *nr * PAGE_SIZE;
		return 0;
	}

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, v->start);
	ret = -EBUSY;
	if (!vma || vma->vm_end != v->end)
		goto out;
	ret = walk_page_range_vma(vma, *addr, v->end, &ckpt_run_ops, &run);
	if (ret < 0 || !run.nr)
		goto out;
	got = get_user_pages_remote(mm, run.start, run.nr, FOLL_FORCE, pages,
				    NULL);
	ret = 0;
	if (got != run.nr) {
		while (got > 0)
			put_page(pages[--got]);
		ret = got < 0 ? got : -EFAULT;
		goto out;
	}
	*addr = run.start;
	*nr = run.nr;
out:
	mmap_read_unlock(mm);
	return ret;
}

/**
 * ckpt_pages_write() - write the saved pages of an area
 * @ctx: checkpoint context
 * @mm: the address space
 * @v: the area, @v->nr_pages counted by ckpt_pages_count()
 *
 * Return: 0, -EBUSY if the pages changed since they were counted, or
 * another negative errno.
 */
int ckpt_pages_write(struct ckpt_ctx *ctx, struct mm_struct *mm,
		     const struct ckpt_vma_info *v)
{
	struct ckpt_hdr_pages h = { .h.type = CKPT_HDR_PAGES };
	unsigned long addr = v->start;
	struct page **pages;
	unsigned int i, nr;
	u64 done = 0;
	int ret = 0;

	if (!v->nr_pages)
		return 0;
	pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	while (addr < v->end) {
		ret = ckpt_next_run(mm, v, &addr, pages, &nr);
		if (ret || !nr)
			break;
		if (done + nr > v->nr_pages) {
			ret = -EBUSY;
		} else {
			h.addr = addr;
			h.nr_pages = nr;
			h.h.len = sizeof(h) + nr * PAGE_SIZE;
			ret = ckpt_write_pages(ctx, &h.h, sizeof(h), pages, nr);
			done += nr;
		}
		for (i = 0; i < nr; i++)
			put_page(pages[i]);
		if (ret)
			break;
		addr += nr * PAGE_SIZE;
		cond_resched();
	}
	kfree(pages);
	if (!ret && done != v->nr_pages)
		ret = -EBUSY;
	if (ret == -EBUSY)
		ckpt_err(ctx, -EBUSY, "pid %d: memory %#lx-%#lx changed during the checkpoint",
			 ctx->task_pid, v->start, v->end);
	return ret;
}

/* Page data of a private area the task may not write: written by force */
static int restore_pages_forced(struct ckpt_ctx *ctx, unsigned long addr,
				unsigned int nr)
{
	void *buf;
	int ret = 0;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (; nr && !ret; nr--, addr += PAGE_SIZE) {
		ret = ckpt_kread(ctx, buf, PAGE_SIZE);
		if (!ret &&
		    access_remote_vm(current->mm, addr, buf, PAGE_SIZE,
				     FOLL_FORCE | FOLL_WRITE) != PAGE_SIZE)
			ret = -EFAULT;
	}
	kfree(buf);
	return ret;
}

/* Page data of shared anonymous memory: written to its shmem file */
static int restore_pages_shmem(struct ckpt_ctx *ctx, unsigned long addr,
			       unsigned int nr)
{
	struct vm_area_struct *vma;
	struct file *file = NULL;
	loff_t pos = 0;
	void *buf;
	int ret = 0;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma && vma->vm_file) {
		file = get_file(vma->vm_file);
		pos = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + addr - vma->vm_start;
	}
	mmap_read_unlock(current->mm);
	if (!file)
		return -EFAULT;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		ret = -ENOMEM;
	for (; nr && !ret; nr--) {
		ret = ckpt_kread(ctx, buf, PAGE_SIZE);
		if (!ret && kernel_write(file, buf, PAGE_SIZE, &pos) != PAGE_SIZE)
			ret = -EIO;
	}
	kfree(buf);
	fput(file);
	return ret;
}

/**
 * ckpt_pages_restore() - read the saved pages of an area into it
 * @ctx: restart context
 * @h: the CKPT_HDR_VMA record of the area, mapped already
 *
 * Return: 0, -EINVAL for malformed records, or another negative errno.
 */
int ckpt_pages_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h)
{
	unsigned long next = h->start;
	u64 left = h->nr_pages;
	int ret;

	while (left) {
		struct ckpt_hdr_pages p;
		unsigned long len;

		ret = ckpt_read_obj_head(ctx, &p.h, CKPT_HDR_PAGES, sizeof(p),
					 sizeof(p) + CKPT_PAGES_MAX * PAGE_SIZE);
		if (ret)
			return ret;
		len = (unsigned long)p.nr_pages * PAGE_SIZE;
		if (p.__pad || !p.nr_pages || p.nr_pages > CKPT_PAGES_MAX ||
		    p.nr_pages > left || p.h.len != sizeof(p) + len ||
		    !PAGE_ALIGNED(p.addr) || p.addr < next ||
		    p.addr > h->end || len > h->end - p.addr) {
			ckpt_err(ctx, -EINVAL, "record %u: malformed pages record",
				 ctx->nr_records);
			return -EINVAL;
		}
		if (h->kind == CKPT_VMA_SHMEM)
			ret = restore_pages_shmem(ctx, p.addr, p.nr_pages);
		else if (h->flags & CKPT_VMA_WRITE)
			ret = ckpt_read_user(ctx, u64_to_user_ptr(p.addr), len);
		else
			ret = restore_pages_forced(ctx, p.addr, p.nr_pages);
		if (ret) {
			ckpt_err(ctx, ret, "cannot fill memory at %#llx", p.addr);
			return ret;
		}
		next = p.addr + len;
		left -= p.nr_pages;
		cond_resched();
	}
	return 0;
}
