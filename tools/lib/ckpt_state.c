// SPDX-License-Identifier: GPL-2.0
/*
 * What the records read so far establish: the order of the records of a
 * task, the FILE and PIPE records by objref, the areas of the MM and their
 * pages (the tasks of the tree are kept by ckpt_rec_tree.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"

void ckpt_state_init(struct ckpt_state *st)
{
	memset(st, 0, sizeof(*st));
}

void ckpt_state_release(struct ckpt_state *st)
{
	size_t i;

	for (i = 0; i < st->files_cap; i++)
		free(st->files[i].path);
	free(st->files);
	st->files = NULL;
	st->files_cap = 0;
	free(st->tree);
	st->tree = NULL;
}

static const char *type_name(uint32_t type)
{
	return ckpt_rec_type_name(type) ?: "?";
}

void ckpt_state_task_begin(struct ckpt_state *st)
{
	const struct ckpt_tree_info *e = &st->cur;
	uint32_t *p = st->prefix;
	uint32_t n = 0;

	p[n++] = CKPT_HDR_CREDS;
	if (!e->thread)
		p[n++] = CKPT_HDR_RLIMITS;
	if (e->own_fs)
		p[n++] = CKPT_HDR_FS;
	if (e->own_sighand)
		p[n++] = CKPT_HDR_SIGHAND;
	p[n++] = CKPT_HDR_SIGNAL_TASK;
	p[n++] = CKPT_HDR_SIGPENDING;
	if (!e->thread) {
		p[n++] = CKPT_HDR_SIGPENDING;
		p[n++] = CKPT_HDR_ITIMERS;
		p[n++] = CKPT_HDR_POSIX_TIMERS | CKPT_PREFIX_OPTIONAL;
	}
	p[n++] = CKPT_HDR_SYSCALL_RESTART;
	p[n++] = CKPT_HDR_CPU_X86_64;
	p[n++] = CKPT_HDR_XSTATE;
	st->prefix_len = n;
	st->prefix_pos = 0;
}

static bool in_prefix(const struct ckpt_state *st)
{
	return st->prefix_pos < st->prefix_len;
}

/* The type of the next record up to XSTATE, and whether it may be left out */
static uint32_t prefix_next(const struct ckpt_state *st, bool *optional)
{
	uint32_t step = st->prefix[st->prefix_pos];

	if (optional)
		*optional = step & CKPT_PREFIX_OPTIONAL;
	return step & ~CKPT_PREFIX_OPTIONAL;
}

/* Passes the optional records up to XSTATE that a record of type leaves out */
static void prefix_skip(struct ckpt_state *st, uint32_t type)
{
	bool optional;

	while (in_prefix(st) && prefix_next(st, &optional) != type && optional)
		st->prefix_pos++;
}

/*
 * Whether what the task's records so far hold allows one of type now,
 * after its records up to XSTATE, on top of its row's after[]: files
 * only with a file table of its own, one fd table, the files only mapped
 * and the MM only with an address space of its own.
 */
static bool counts_allow(const struct ckpt_state *st, uint32_t type)
{
	switch (type) {
	case CKPT_HDR_FILE:
	case CKPT_HDR_PIPE:
		return st->have_fd_table ? st->cur.own_mm : st->cur.own_files;
	case CKPT_HDR_FD_TABLE:
		return st->cur.own_files && !st->have_fd_table;
	case CKPT_HDR_MM:
		return st->cur.own_mm && (st->have_fd_table || !st->cur.own_files);
	}
	return true;
}

/* Names the record types that may come after the last one, in buf */
struct expect {
	const struct ckpt_state *st;
	char *buf;
	size_t size;
	unsigned int n;
};

static void add_expected(const struct ckpt_rec_type *rt, void *arg)
{
	struct expect *e = arg;
	size_t i, len;

	if (!rt->in_task)
		return;
	if (!counts_allow(e->st, rt->type))
		return;
	for (i = 0; i < CKPT_REC_AFTER_MAX; i++) {
		if (rt->after[i] && rt->after[i] == e->st->last) {
			len = strlen(e->buf);
			snprintf(e->buf + len, e->size - len, "%s%s", e->n ? " or " : "",
				 rt->name);
			e->n++;
			return;
		}
	}
}

bool ckpt_state_task_pending(const struct ckpt_state *st, char *why, size_t size)
{
	struct expect e = { st, why, size, 0 };

	if (!st->in_task)
		return false;
	if (in_prefix(st)) {
		bool optional;
		uint32_t next = prefix_next(st, &optional);

		snprintf(why, size, "expected %s%s", type_name(next),
			 optional ? " or what follows it" : "");
		return true;
	}
	if ((st->cur.own_mm && !st->have_mm) ||
	    (!st->cur.own_mm && st->cur.own_files && !st->have_fd_table)) {
		snprintf(why, size, "expected ");
		ckpt_rec_type_each(add_expected, &e);
		return true;
	}
	if (st->vmas_seen && st->vma_pages_seen < st->vma_nr_pages) {
		snprintf(why, size, "the area 0x%" PRIx64 "-0x%" PRIx64 " has %" PRIu64
			 " of its %" PRIu64 " pages", st->vma_start, st->vma_end,
			 st->vma_pages_seen, st->vma_nr_pages);
		return true;
	}
	if (st->vmas_seen < st->nr_vmas) {
		snprintf(why, size, "%" PRIu32 " of the %" PRIu32 " areas of its MM are there",
			 st->vmas_seen, st->nr_vmas);
		return true;
	}
	return false;
}

/* Whether a record of type rt may come now in the state of a task. */
static int check_order(const struct ckpt_state *st, const struct ckpt_rec_type *rt,
		       char *why, size_t size)
{
	char want[128];
	size_t i;

	if (rt->type == CKPT_HDR_TASK) {
		if (ckpt_state_task_pending(st, want, sizeof(want)))
			return ckpt_bad(why, size, "the state of task %" PRId32
					" is incomplete: %s", st->task.pid, want);
		return 0;
	}
	if (!st->in_task)
		return ckpt_bad(why, size,
				"outside the state of a task (a TASK record comes first)");
	if (in_prefix(st)) {
		if (rt->type == prefix_next(st, NULL))
			return 0;
		return ckpt_bad(why, size, "misplaced after %s: expected %s",
				type_name(st->last), type_name(prefix_next(st, NULL)));
	}
	for (i = 0; i < CKPT_REC_AFTER_MAX; i++)
		if (rt->after[i] && rt->after[i] == st->last &&
		    counts_allow(st, rt->type))
			return 0;
	if (ckpt_state_task_pending(st, want, sizeof(want)))
		return ckpt_bad(why, size, "misplaced after %s: %s", type_name(st->last),
				want);
	return ckpt_bad(why, size, "misplaced: the state of task %" PRId32
			" is complete", st->task.pid);
}

int ckpt_state_add(struct ckpt_state *st, const struct ckpt_record *rec, char *why,
		   size_t size)
{
	const struct ckpt_rec_type *rt = rec->rt;

	if (!rt)
		return 0;
	if (rt->in_task && rt->type != CKPT_HDR_TASK)
		prefix_skip(st, rt->type);
	if (rt->in_task && check_order(st, rt, why, size) < 0)
		return -1;
	if (rt->track && rt->track(st, rec->data, rec->len, why, size) < 0)
		return -1;
	if (rt->in_task) {
		if (rt->type != CKPT_HDR_TASK && in_prefix(st))
			st->prefix_pos++;
		st->last = rt->type;
	}
	return 0;
}

/*
 * FILE and PIPE records by objref, in one table: an objref names one
 * object of the image, whatever its type.
 */

static size_t file_slot(const struct ckpt_state *st, int32_t objref)
{
	size_t mask = st->files_cap - 1;
	size_t i = ((uint32_t)objref * 2654435761U) & mask;

	while (st->files[i].objref && st->files[i].objref != objref)
		i = (i + 1) & mask;
	return i;
}

/* The record of either type with this objref, or NULL */
static const struct ckpt_file_info *find_obj(const struct ckpt_state *st, int32_t objref)
{
	size_t i;

	if (!st || !st->files_cap || objref <= 0)
		return NULL;
	i = file_slot(st, objref);
	return st->files[i].objref ? &st->files[i] : NULL;
}

const struct ckpt_file_info *ckpt_state_file(const struct ckpt_state *st, int32_t objref)
{
	const struct ckpt_file_info *f = find_obj(st, objref);

	return f && f->type == CKPT_HDR_FILE ? f : NULL;
}

const struct ckpt_file_info *ckpt_state_pipe(const struct ckpt_state *st, int32_t objref)
{
	const struct ckpt_file_info *f = find_obj(st, objref);

	return f && f->type == CKPT_HDR_PIPE ? f : NULL;
}

static int grow_files(struct ckpt_state *st)
{
	struct ckpt_file_info *old = st->files;
	size_t old_cap = st->files_cap, i;

	st->files_cap = old_cap ? old_cap * 2 : 64;
	st->files = calloc(st->files_cap, sizeof(*st->files));
	if (!st->files) {
		st->files = old;
		st->files_cap = old_cap;
		return -1;
	}
	for (i = 0; i < old_cap; i++)
		if (old[i].objref)
			st->files[file_slot(st, old[i].objref)] = old[i];
	free(old);
	return 0;
}

/*
 * The free slot for a new objref, which no earlier record may have: the
 * caller fills it in. NULL after describing the problem in why.
 */
static struct ckpt_file_info *new_obj(struct ckpt_state *st, int32_t objref, char *why,
				      size_t size)
{
	const struct ckpt_file_info *f = find_obj(st, objref);

	if (f) {
		ckpt_bad(why, size, "objref %" PRId32 " is already the one of an earlier %s"
			 " record", objref, type_name(f->type));
		return NULL;
	}
	/* At most half full */
	if ((st->nr_files + st->nr_pipes + 1) * 2 > st->files_cap && grow_files(st) < 0) {
		ckpt_bad(why, size, "out of memory");
		return NULL;
	}
	return &st->files[file_slot(st, objref)];
}

int ckpt_state_add_file(struct ckpt_state *st, int32_t objref, uint32_t kind,
			const char *path, char *why, size_t size)
{
	struct ckpt_file_info *f = new_obj(st, objref, why, size);

	if (!f)
		return -1;
	f->path = strdup(path);
	if (!f->path)
		return ckpt_bad(why, size, "out of memory");
	f->objref = objref;
	f->type = CKPT_HDR_FILE;
	f->kind = kind;
	st->nr_files++;
	return 0;
}

int ckpt_state_add_pipe(struct ckpt_state *st, int32_t objref, uint32_t pipe_size,
			uint32_t pipe_len, char *why, size_t size)
{
	struct ckpt_file_info *f = new_obj(st, objref, why, size);

	if (!f)
		return -1;
	f->objref = objref;
	f->type = CKPT_HDR_PIPE;
	f->pipe_size = pipe_size;
	f->pipe_len = pipe_len;
	st->nr_pipes++;
	st->pipe_bytes += pipe_len;
	return 0;
}

/* Whether objref names an earlier record of type; what names the referrer */
static int check_ref(const struct ckpt_state *st, int32_t objref, uint32_t type,
		     const char *what, char *why, size_t size)
{
	const struct ckpt_file_info *f = find_obj(st, objref);

	if (!f)
		return ckpt_bad(why, size, "%s: objref %" PRId32
				" is not the one of an earlier %s record", what, objref,
				type_name(type));
	if (f->type != type)
		return ckpt_bad(why, size, "%s: objref %" PRId32 " is the one of a %s"
				" record, not of a %s record", what, objref,
				type_name(f->type), type_name(type));
	return 0;
}

int ckpt_state_check_objref(const struct ckpt_state *st, int32_t objref,
			    const char *what, char *why, size_t size)
{
	return check_ref(st, objref, CKPT_HDR_FILE, what, why, size);
}

int ckpt_state_check_pipe(const struct ckpt_state *st, int32_t objref,
			  const char *what, char *why, size_t size)
{
	return check_ref(st, objref, CKPT_HDR_PIPE, what, why, size);
}

/* Areas and their pages */

int ckpt_state_begin_vma(struct ckpt_state *st, uint64_t start, uint64_t end,
			 uint64_t nr_pages, char *why, size_t size)
{
	uint64_t ps = st->page_size;

	if (st->vmas_seen && st->vma_pages_seen < st->vma_nr_pages)
		return ckpt_bad(why, size, "the previous area 0x%" PRIx64 "-0x%" PRIx64
				" has only %" PRIu64 " of its %" PRIu64 " pages",
				st->vma_start, st->vma_end, st->vma_pages_seen,
				st->vma_nr_pages);
	if (st->vmas_seen == st->nr_vmas)
		return ckpt_bad(why, size, "one area more than the %" PRIu32
				" of the MM record", st->nr_vmas);
	if (start % ps || end % ps)
		return ckpt_bad(why, size, "the area 0x%" PRIx64 "-0x%" PRIx64
				" is not aligned to the page size %" PRIu64, start, end, ps);
	if (start < st->vmas_end)
		return ckpt_bad(why, size, "the area 0x%" PRIx64 "-0x%" PRIx64
				" does not come after the previous one, which ends at 0x%"
				PRIx64, start, end, st->vmas_end);
	if (nr_pages > (end - start) / ps)
		return ckpt_bad(why, size, "%" PRIu64 " saved pages in an area of %" PRIu64
				" pages", nr_pages, (end - start) / ps);

	st->vma_start = start;
	st->vma_end = end;
	st->vma_nr_pages = nr_pages;
	st->vma_pages_seen = 0;
	st->vma_next = start;
	st->vmas_end = end;
	st->vmas_seen++;
	st->task.nr_vmas++;
	st->nr_vmas_total++;
	return 0;
}

int ckpt_state_add_pages(struct ckpt_state *st, uint64_t addr, uint32_t nr_pages,
			 char *why, size_t size)
{
	uint64_t ps = st->page_size;

	if (addr % ps)
		return ckpt_bad(why, size, "address 0x%" PRIx64
				" is not aligned to the page size %" PRIu64, addr, ps);
	if (addr < st->vma_start || addr >= st->vma_end ||
	    nr_pages > (st->vma_end - addr) / ps)
		return ckpt_bad(why, size, "%" PRIu32 " pages at 0x%" PRIx64
				" are not inside the area 0x%" PRIx64 "-0x%" PRIx64,
				nr_pages, addr, st->vma_start, st->vma_end);
	if (addr < st->vma_next)
		return ckpt_bad(why, size, "pages at 0x%" PRIx64 " come after pages up to 0x%"
				PRIx64 ": not in increasing address order", addr,
				st->vma_next);
	if (nr_pages > st->vma_nr_pages - st->vma_pages_seen)
		return ckpt_bad(why, size, "more pages than the %" PRIu64
				" the area 0x%" PRIx64 "-0x%" PRIx64 " has saved",
				st->vma_nr_pages, st->vma_start, st->vma_end);

	st->vma_next = addr + nr_pages * ps;
	st->vma_pages_seen += nr_pages;
	st->task.nr_pages += nr_pages;
	st->nr_pages_total += nr_pages;
	return 0;
}
