// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the address space of a task.
 *
 * At checkpoint the memory areas are listed under the mmap lock, then
 * written one by one with their pages (pages.c). At restart the restarting
 * task's own memory is thrown away, like exec does, and the areas are
 * mapped again at their addresses: anonymous memory, files reopened by
 * path, shared anonymous memory, and the vDSO with its data page.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/pkeys.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <asm/vdso.h>
#include "memory.h"

/* VMA flags the image can carry, and their madvise(2) advice */
static const struct {
	u32 ckpt;
	vm_flags_t vm;
	int advice;
} ckpt_vma_advice[] = {
	{ CKPT_VMA_DONTFORK, VM_DONTCOPY, MADV_DONTFORK },
	{ CKPT_VMA_DONTDUMP, VM_DONTDUMP, MADV_DONTDUMP },
	{ CKPT_VMA_WIPEONFORK, VM_WIPEONFORK, MADV_WIPEONFORK },
	{ CKPT_VMA_SEQ_READ, VM_SEQ_READ, MADV_SEQUENTIAL },
	{ CKPT_VMA_RAND_READ, VM_RAND_READ, MADV_RANDOM },
	{ CKPT_VMA_HUGEPAGE, VM_HUGEPAGE, MADV_HUGEPAGE },
	{ CKPT_VMA_NOHUGEPAGE, VM_NOHUGEPAGE, MADV_NOHUGEPAGE },
};

#define CKPT_VMA_FLAGS	(CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_EXEC | \
			 CKPT_VMA_SHARED | CKPT_VMA_MAYWRITE | \
			 CKPT_VMA_GROWSDOWN | CKPT_VMA_NORESERVE | \
			 CKPT_VMA_DONTFORK | CKPT_VMA_DONTDUMP | \
			 CKPT_VMA_WIPEONFORK | CKPT_VMA_SEQ_READ | \
			 CKPT_VMA_RAND_READ | CKPT_VMA_HUGEPAGE | \
			 CKPT_VMA_NOHUGEPAGE)

/**
 * struct ckpt_mm_info - what checkpoint reads under the mmap lock
 * @h: the CKPT_HDR_MM record
 * @exe: the executable, held, or NULL
 * @vmas: the areas, in address order
 * @nr: number of @vmas
 */
struct ckpt_mm_info {
	struct ckpt_hdr_mm h;
	struct file *exe;
	struct ckpt_vma_info *vmas;
	unsigned int nr;
};

static u32 ckpt_vma_flags(struct vm_area_struct *vma)
{
	vm_flags_t f = vma->vm_flags;
	u32 flags = 0;
	unsigned int i;

	if (f & VM_READ)
		flags |= CKPT_VMA_READ;
	if (f & VM_WRITE)
		flags |= CKPT_VMA_WRITE;
	if (f & VM_EXEC)
		flags |= CKPT_VMA_EXEC;
	if (f & VM_SHARED)
		flags |= CKPT_VMA_SHARED;
	if (f & VM_MAYWRITE)
		flags |= CKPT_VMA_MAYWRITE;
	if (f & VM_GROWSDOWN)
		flags |= CKPT_VMA_GROWSDOWN;
	if (f & VM_NORESERVE)
		flags |= CKPT_VMA_NORESERVE;
	for (i = 0; i < ARRAY_SIZE(ckpt_vma_advice); i++)
		if (f & ckpt_vma_advice[i].vm)
			flags |= ckpt_vma_advice[i].ckpt;
	return flags;
}

/* What backs @vma, or a reason it cannot be saved */
static const char *ckpt_vma_kind(struct mm_struct *mm,
				 struct vm_area_struct *vma, u32 *kind)
{
	unsigned long vdso = (unsigned long)mm->context.vdso;
	const struct vdso_image *image = mm->context.vdso_image;

	if (vdso && image == &vdso_image_64) {
		if (vma->vm_start == vdso && vma->vm_end == vdso + image->size) {
			*kind = CKPT_VMA_VDSO;
			return NULL;
		}
		if (vma->vm_end == vdso &&
		    vma->vm_start == vdso + image->sym_vvar_start) {
			*kind = CKPT_VMA_VVAR;
			return NULL;
		}
	}
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return "device memory";
	if (is_vm_hugetlb_page(vma))
		return "hugetlb memory";
	if (vma->vm_flags & (VM_LOCKED | VM_LOCKONFAULT))
		return "mlocked memory";
	if (vma_is_anon_shmem(vma)) {
		*kind = CKPT_VMA_SHMEM;
		return NULL;
	}
	if (vma->vm_file) {
		*kind = CKPT_VMA_FILE;
		return NULL;
	}
	if (vma_is_anonymous(vma)) {
		*kind = CKPT_VMA_ANON;
		return NULL;
	}
	return "special mapping";
}

/*
 * Shared anonymous memory is one object however many areas map it, in one
 * process or in several: saved with the first area, mapped again by the
 * others at restart.
 */
static const struct ckpt_obj_ops ckpt_shmem_obj_ops = {
	.name = "shared memory",
	.ref = ckpt_obj_file_get,
	.unref = ckpt_obj_file_put,
};

/*
 * Whether every area that maps this shared memory maps all of it: then
 * the first area saved holds all its pages, and the others need none.
 */
static bool ckpt_shmem_all_whole(struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	unsigned long size = PAGE_ALIGN(i_size_read(file_inode(file)));
	struct vm_area_struct *v;
	bool whole = true;

	i_mmap_lock_read(mapping);
	vma_interval_tree_foreach(v, &mapping->i_mmap, 0, ULONG_MAX)
		if (v->vm_pgoff || v->vm_end - v->vm_start != size)
			whole = false;
	i_mmap_unlock_read(mapping);
	return whole;
}

static void ckpt_mm_info_free(struct ckpt_mm_info *mi)
{
	unsigned int i;

	for (i = 0; i < mi->nr; i++)
		if (mi->vmas[i].file)
			fput(mi->vmas[i].file);
	kvfree(mi->vmas);
	if (mi->exe)
		fput(mi->exe);
}

static void checkpoint_mm_fields(struct mm_struct *mm, struct ckpt_hdr_mm *h)
{
	unsigned int n;

	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	h->mmap_base = mm->mmap_base;
	spin_lock(&mm->arg_lock);
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	n = min_t(unsigned int, AT_VECTOR_SIZE, CKPT_AUXV_MAX);
	memcpy(h->auxv, mm->saved_auxv, n * sizeof(h->auxv[0]));
	h->auxv_len = n;
}

/* Lists the areas of @mm, with their files held; refuses what it cannot save */
static int checkpoint_mm_collect(struct ckpt_ctx *ctx, struct mm_struct *mm,
				 struct ckpt_mm_info *mi)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	const char *why = NULL;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	mi->vmas = kvcalloc(mm->map_count, sizeof(*mi->vmas), GFP_KERNEL);
	if (!mi->vmas) {
		ret = -ENOMEM;
		goto out;
	}
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (mm->context.ldt)
		why = "a local descriptor table";
#endif
	for_each_vma(vmi, vma) {
		struct ckpt_vma_info *v;

		if (why || mi->nr == mm->map_count)
			break;
		v = &mi->vmas[mi->nr];
		why = ckpt_vma_kind(mm, vma, &v->kind);
		if (!why && vma_pkey(vma))
			why = "memory with a protection key";

		if (why) {
			ckpt_err(ctx, -EOPNOTSUPP, "pid %d: %#lx-%#lx: %s",
				 ctx->task_pid, vma->vm_start, vma->vm_end, why);
			break;
		}
		v->start = vma->vm_start;
		v->end = vma->vm_end;
		v->pgoff = vma->vm_pgoff;
		v->flags = ckpt_vma_flags(vma);
		if (vma->vm_file && v->kind != CKPT_VMA_VDSO &&
		    v->kind != CKPT_VMA_VVAR)
			v->file = get_file(vma->vm_file);
		mi->nr++;
		ret = ckpt_pages_count(mm, v);
		if (ret)
			break;
	}
	if (why)
		ret = -EOPNOTSUPP;
	checkpoint_mm_fields(mm, &mi->h);
out:
	mmap_read_unlock(mm);
	if (!ret)
		mi->exe = get_mm_exe_file(mm);
	return ret;
}

static int checkpoint_vma(struct ckpt_ctx *ctx, struct mm_struct *mm,
			  const struct ckpt_vma_info *v)
{
	struct ckpt_hdr_vma h = {
		.start = v->start,
		.end = v->end,
		.flags = v->flags,
		.kind = v->kind,
		.file_objref = v->objref,
		.nr_pages = v->nr_pages,
	};
	int ret;

	if (v->kind == CKPT_VMA_FILE || v->kind == CKPT_VMA_SHMEM)
		h.pgoff = (u64)v->pgoff << PAGE_SHIFT;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_VMA, sizeof(h));
	if (!ret)
		ret = ckpt_pages_write(ctx, mm, v);
	return ret;
}

/**
 * ckpt_checkpoint_mm() - save the address space and its contents
 * @ctx: checkpoint context
 * @task: the task
 *
 * Writes the CKPT_HDR_FILE records of mapped files not met yet, then
 * CKPT_HDR_MM and each area with its pages.
 *
 * Return: 0, -EOPNOTSUPP with an error record for an area that cannot be
 * saved, or another negative errno.
 */
int ckpt_checkpoint_mm(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct ckpt_mm_info mi = {};
	struct mm_struct *mm;
	char what[48];
	unsigned int i;
	int ret;

	mm = get_task_mm(task);
	if (!mm)
		return -ESRCH;
	ret = checkpoint_mm_collect(ctx, mm, &mi);
	if (!ret && mi.exe)
		ret = ckpt_checkpoint_file(ctx, mi.exe, "executable",
					   &mi.h.exe_objref);
	for (i = 0; i < mi.nr && !ret; i++) {
		struct ckpt_vma_info *v = &mi.vmas[i];
		bool first;

		if (v->kind == CKPT_VMA_SHMEM) {
			ret = ckpt_obj_lookup_add(ctx, v->file,
						  &ckpt_shmem_obj_ops, &first);
			v->objref = ret > 0 ? ret : 0;
			ret = ret > 0 ? 0 : ret;
			/* Its pages may be in the image already */
			if (!ret && !first && ckpt_shmem_all_whole(v->file))
				v->nr_pages = 0;
			continue;
		}
		if (v->kind != CKPT_VMA_FILE)
			continue;
		snprintf(what, sizeof(what), "mapping %#lx-%#lx", v->start,
			 v->end);
		ret = ckpt_checkpoint_file(ctx, v->file, what, &v->objref);
	}
	mi.h.nr_vmas = mi.nr;
	if (!ret)
		ret = ckpt_write_obj(ctx, &mi.h.h, CKPT_HDR_MM, sizeof(mi.h));
	for (i = 0; i < mi.nr && !ret; i++)
		ret = checkpoint_vma(ctx, mm, &mi.vmas[i]);
	ckpt_mm_info_free(&mi);
	mmput(mm);
	return ret;
}

static bool restore_mm_ok(const struct ckpt_hdr_mm *h)
{
	const u64 top = TASK_SIZE;

	return !h->__pad && h->exe_objref >= 0 &&
	       h->auxv_len <= min_t(u32, AT_VECTOR_SIZE, CKPT_AUXV_MAX) &&
	       h->start_code <= h->end_code && h->end_code <= top &&
	       h->start_data <= h->end_data && h->end_data <= top &&
	       h->start_brk <= h->brk && h->brk <= top &&
	       h->arg_start <= h->arg_end && h->arg_end <= top &&
	       h->env_start <= h->env_end && h->env_end <= top &&
	       h->start_stack <= top && h->mmap_base <= top;
}

static bool restore_vma_ok(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h,
			   unsigned long prev_end)
{
	if (h->__pad || h->flags & ~CKPT_VMA_FLAGS ||
	    !PAGE_ALIGNED(h->start) || !PAGE_ALIGNED(h->end) ||
	    !PAGE_ALIGNED(h->pgoff) || h->start >= h->end ||
	    h->end > TASK_SIZE || h->start < prev_end ||
	    h->nr_pages > (h->end - h->start) >> PAGE_SHIFT)
		return false;
	switch (h->kind) {
	case CKPT_VMA_ANON:
		return !h->file_objref && !h->pgoff &&
		       !(h->flags & CKPT_VMA_SHARED);
	case CKPT_VMA_SHMEM:
		return h->file_objref >= 0 && h->flags & CKPT_VMA_SHARED &&
		       h->pgoff <= MAX_LFS_FILESIZE - (h->end - h->start);
	case CKPT_VMA_FILE:
		if (h->flags & CKPT_VMA_SHARED && h->nr_pages)
			return false;
		return ckpt_file_fetch(ctx, h->file_objref);
	case CKPT_VMA_VDSO:
	case CKPT_VMA_VVAR:
		return !h->file_objref && !h->pgoff && !h->nr_pages;
	}
	return false;
}

/*
 * The shared memory an area maps: made at its first area, as mmap(2) makes
 * it, and found by its objref for the areas that map it again (in this
 * task or another), grown if they map beyond its end.
 */
static struct file *restore_shmem_file(struct ckpt_ctx *ctx,
				       const struct ckpt_hdr_vma *h)
{
	loff_t size = h->pgoff + (h->end - h->start);
	struct file *file;
	int ret;

	file = ckpt_obj_find(ctx, h->file_objref, &ckpt_shmem_obj_ops);
	if (file) {
		if (size <= i_size_read(file_inode(file)))
			return file;
		ret = do_truncate(file_mnt_idmap(file), file->f_path.dentry,
				  size, 0, file);
		return ret ? ERR_PTR(ret) : file;
	}
	file = shmem_kernel_file_setup("dev/zero", size,
				       h->flags & CKPT_VMA_NORESERVE ?
				       VM_NORESERVE : 0);
	if (IS_ERR(file))
		return file;
	ret = ckpt_obj_insert(ctx, file, h->file_objref, &ckpt_shmem_obj_ops);
	fput(file);
	return ret ? ERR_PTR(ret) : file;
}

/* Maps the area a checked record describes into current */
static int restore_vma_map(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h)
{
	unsigned long len = h->end - h->start, prot = PROT_NONE, addr;
	unsigned long flags = MAP_FIXED_NOREPLACE;
	struct file *file = NULL;

	if (h->flags & CKPT_VMA_READ)
		prot |= PROT_READ;
	if (h->flags & CKPT_VMA_WRITE)
		prot |= PROT_WRITE;
	if (h->flags & CKPT_VMA_EXEC)
		prot |= PROT_EXEC;
	flags |= h->flags & CKPT_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
	if (h->flags & CKPT_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (h->flags & CKPT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	if (h->kind == CKPT_VMA_FILE)
		file = ckpt_file_fetch(ctx, h->file_objref);
	else if (h->kind == CKPT_VMA_SHMEM && h->file_objref)
		file = restore_shmem_file(ctx, h);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (!file)
		flags |= MAP_ANONYMOUS;
	addr = vm_mmap(file, h->start, len, prot, flags, file ? h->pgoff : 0);
	if (IS_ERR_VALUE(addr))
		return addr;
	return addr == h->start ? 0 : -EEXIST;
}

static int restore_vma_advice(const struct ckpt_hdr_vma *h)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(ckpt_vma_advice) && !ret; i++)
		if (h->flags & ckpt_vma_advice[i].ckpt)
			ret = do_madvise(current->mm, h->start,
					 h->end - h->start,
					 ckpt_vma_advice[i].advice);
	return ret;
}

/* The vDSO data area comes first, its text just above it */
static int restore_vdso(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h,
			unsigned long *vvar)
{
	const struct vdso_image *image = &vdso_image_64;
	int ret;

	if (h->kind == CKPT_VMA_VVAR) {
		if (*vvar || h->end - h->start != -image->sym_vvar_start)
			return -EINVAL;
		*vvar = h->start;
		return 0;
	}
	if (!*vvar || *vvar != h->start + image->sym_vvar_start ||
	    h->end - h->start != image->size)
		return -EINVAL;
	ret = map_vdso_once(image, *vvar);
	if (!ret && (unsigned long)current->mm->context.vdso != h->start)
		ret = -EEXIST;
	return ret;
}

static int restore_vma(struct ckpt_ctx *ctx, unsigned long *prev_end,
		       unsigned long *vvar)
{
	struct ckpt_hdr_vma h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_VMA, sizeof(h));
	if (ret)
		return ret;
	if (!restore_vma_ok(ctx, &h, *prev_end)) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed memory area",
			 ctx->nr_records);
		return -EINVAL;
	}
	*prev_end = h.end;
	if (h.kind == CKPT_VMA_VDSO || h.kind == CKPT_VMA_VVAR) {
		ret = restore_vdso(ctx, &h, vvar);
	} else {
		ret = restore_vma_map(ctx, &h);
		if (!ret)
			ret = restore_vma_advice(&h);
	}
	if (ret) {
		ckpt_err(ctx, ret, "cannot map %#llx-%#llx", h.start, h.end);
		return ret;
	}
	return ckpt_pages_restore(ctx, &h);
}

/* Set while nothing is mapped: the old executable must not be */
static int restore_mm_exe(struct ckpt_ctx *ctx, const struct ckpt_hdr_mm *h)
{
	int ret;

	if (!h->exe_objref)
		return 0;
	ret = replace_mm_exe_file(current->mm,
				  ckpt_file_fetch(ctx, h->exe_objref));
	if (ret)
		ckpt_err(ctx, ret, "cannot set the executable");
	return ret;
}

static void restore_mm_fields(const struct ckpt_hdr_mm *h)
{
	struct mm_struct *mm = current->mm;

	mmap_write_lock(mm);
	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	mm->mmap_base = h->mmap_base;
	spin_lock(&mm->arg_lock);
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	spin_unlock(&mm->arg_lock);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, h->auxv, h->auxv_len * sizeof(h->auxv[0]));
	mmap_write_unlock(mm);
}

/**
 * ckpt_restore_mm() - replace current's address space with the image's
 * @ctx: restart context
 *
 * Reads the files only mapped, then the CKPT_HDR_MM record; from there
 * on current's memory is being replaced and ctx->no_return is set.
 *
 * Return: 0, -EINVAL for malformed records, or another negative errno.
 */
int ckpt_restore_mm(struct ckpt_ctx *ctx)
{
	unsigned long prev_end = 0, vvar = 0;
	struct ckpt_hdr_mm *h;
	u32 i;
	int ret;

	/* A file for each area (one more than max_map_count at most) and the executable */
	ret = ckpt_restore_file_records(ctx, READ_ONCE(sysctl_max_map_count) + 2);
	if (ret)
		return ret;
	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_MM, sizeof(*h));
	if (ret)
		goto out;
	if (!restore_mm_ok(h) ||
	    (h->exe_objref && !ckpt_file_fetch(ctx, h->exe_objref))) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed address space",
			 ctx->nr_records);
		ret = -EINVAL;
		goto out;
	}

	ctx->no_return = true;
	ret = vm_munmap(0, TASK_SIZE);
	current->mm->context.vdso = NULL;
	if (!ret)
		ret = restore_mm_exe(ctx, h);
	for (i = 0; i < h->nr_vmas && !ret; i++)
		ret = restore_vma(ctx, &prev_end, &vvar);
	if (!ret && vvar && !current->mm->context.vdso) {
		ckpt_err(ctx, -EINVAL, "vDSO data without the vDSO");
		ret = -EINVAL;
	}
	if (!ret)
		restore_mm_fields(h);
out:
	kfree(h);
	return ret;
}
