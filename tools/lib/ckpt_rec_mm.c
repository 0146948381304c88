// SPDX-License-Identifier: GPL-2.0
/*
 * Records of memory: MM, VMA, PAGES.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* Decoders */

void ckpt_decode_mm(const void *rec, struct ckpt_hdr_mm *m)
{
	size_t i;

	memcpy(m, rec, sizeof(*m));
	ckpt_decode_hdr(&m->h);
	m->start_code = le64toh(m->start_code);
	m->end_code = le64toh(m->end_code);
	m->start_data = le64toh(m->start_data);
	m->end_data = le64toh(m->end_data);
	m->start_brk = le64toh(m->start_brk);
	m->brk = le64toh(m->brk);
	m->start_stack = le64toh(m->start_stack);
	m->arg_start = le64toh(m->arg_start);
	m->arg_end = le64toh(m->arg_end);
	m->env_start = le64toh(m->env_start);
	m->env_end = le64toh(m->env_end);
	m->mmap_base = le64toh(m->mmap_base);
	m->exe_objref = (int32_t)le32toh((uint32_t)m->exe_objref);
	m->nr_vmas = le32toh(m->nr_vmas);
	m->auxv_len = le32toh(m->auxv_len);
	m->__pad = le32toh(m->__pad);
	for (i = 0; i < CKPT_AUXV_MAX; i++)
		m->auxv[i] = le64toh(m->auxv[i]);
}

void ckpt_decode_vma(const void *rec, struct ckpt_hdr_vma *v)
{
	memcpy(v, rec, sizeof(*v));
	ckpt_decode_hdr(&v->h);
	v->start = le64toh(v->start);
	v->end = le64toh(v->end);
	v->pgoff = le64toh(v->pgoff);
	v->flags = le32toh(v->flags);
	v->kind = le32toh(v->kind);
	v->file_objref = (int32_t)le32toh((uint32_t)v->file_objref);
	v->__pad = le32toh(v->__pad);
	v->nr_pages = le64toh(v->nr_pages);
}

void ckpt_decode_pages(const void *rec, struct ckpt_hdr_pages *p)
{
	memcpy(p, rec, sizeof(*p));
	ckpt_decode_hdr(&p->h);
	p->addr = le64toh(p->addr);
	p->nr_pages = le32toh(p->nr_pages);
	p->__pad = le32toh(p->__pad);
}

/* CKPT_HDR_MM */

int ckpt_check_mm(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_mm m;

	(void)len;
	ckpt_decode_mm(rec, &m);
	if (m.auxv_len > CKPT_AUXV_MAX)
		return ckpt_bad(why, size, "auxv_len %" PRIu32 " exceeds %u", m.auxv_len,
				CKPT_AUXV_MAX);
	if (m.exe_objref < 0)
		return ckpt_bad(why, size, "exe_objref %" PRId32 " is negative", m.exe_objref);
	if (m.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (m.start_code > m.end_code || m.start_data > m.end_data ||
	    m.start_brk > m.brk || m.arg_start > m.arg_end || m.env_start > m.env_end)
		return ckpt_bad(why, size,
				"an area (code, data, brk, args or env) ends before it starts");
	return 0;
}

int ckpt_track_mm(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		  size_t size)
{
	struct ckpt_hdr_mm m;

	(void)len;
	ckpt_decode_mm(rec, &m);
	if (!st->have_fd_table)
		return ckpt_bad(why, size, "misplaced: the FD_TABLE record comes first");
	if (m.exe_objref &&
	    ckpt_state_check_objref(st, m.exe_objref, "exe_objref", why, size) < 0)
		return -1;
	st->have_mm = true;
	st->nr_vmas = m.nr_vmas;
	st->vmas_seen = 0;
	return 0;
}

static void print_range(FILE *out, const char *name, uint64_t start, uint64_t end)
{
	fprintf(out, FIELD "0x%" PRIx64 "-0x%" PRIx64 "\n", name, start, end);
}

void ckpt_print_mm(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_mm m;
	uint32_t i, n;

	(void)len;
	ckpt_decode_mm(rec, &m);
	print_range(out, "code", m.start_code, m.end_code);
	print_range(out, "data", m.start_data, m.end_data);
	print_range(out, "brk", m.start_brk, m.brk);
	fprintf(out, FIELD "0x%" PRIx64 "\n", "start_stack", (uint64_t)m.start_stack);
	print_range(out, "args", m.arg_start, m.arg_end);
	print_range(out, "env", m.env_start, m.env_end);
	fprintf(out, FIELD "0x%" PRIx64 "\n", "mmap_base", (uint64_t)m.mmap_base);
	fprintf(out, FIELD, "exe");
	if (m.exe_objref)
		ckpt_print_objref(out, st, m.exe_objref);
	else
		fputs("none", out);
	putc('\n', out);
	fprintf(out, FIELD "%" PRIu32 "\n", "nr_vmas", m.nr_vmas);

	/* Entries up to AT_NULL, among the words used */
	n = m.auxv_len <= CKPT_AUXV_MAX ? m.auxv_len : CKPT_AUXV_MAX;
	for (i = 0; i + 1 < n && m.auxv[i]; i += 2)
		;
	fprintf(out, FIELD "%" PRIu32 " entries (%" PRIu32 " words)\n", "auxv", i / 2,
		m.auxv_len);
}

/* CKPT_HDR_VMA */

#define VMA_FLAGS_ALL	0x3fffU

static const char *const vma_kinds[] = {
	[CKPT_VMA_ANON] = "anonymous",
	[CKPT_VMA_FILE] = "file",
	[CKPT_VMA_SHMEM] = "shared anonymous",
	[CKPT_VMA_VDSO] = "vdso",
	[CKPT_VMA_VVAR] = "vvar",
};

int ckpt_check_vma(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_vma v;

	(void)len;
	ckpt_decode_vma(rec, &v);
	if (v.start >= v.end)
		return ckpt_bad(why, size, "empty area 0x%" PRIx64 "-0x%" PRIx64,
				(uint64_t)v.start, (uint64_t)v.end);
	if (!v.kind || v.kind >= CKPT_ARRAY_SIZE(vma_kinds))
		return ckpt_bad(why, size, "unknown kind %" PRIu32, v.kind);
	if (v.flags & ~VMA_FLAGS_ALL)
		return ckpt_bad(why, size, "unknown flags 0x%" PRIx32, v.flags & ~VMA_FLAGS_ALL);
	if (v.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (v.kind == CKPT_VMA_FILE) {
		if (v.file_objref <= 0)
			return ckpt_bad(why, size, "file area without a file_objref");
	} else if (v.kind == CKPT_VMA_SHMEM) {
		/* The objref names the memory object the area maps, if shared */
		if (v.file_objref < 0)
			return ckpt_bad(why, size, "negative objref of shared memory");
	} else if (v.file_objref || v.pgoff) {
		return ckpt_bad(why, size, "%s area with a file_objref or pgoff",
				vma_kinds[v.kind]);
	}
	if (v.kind == CKPT_VMA_ANON && (v.flags & CKPT_VMA_SHARED))
		return ckpt_bad(why, size, "private anonymous area marked SHARED");
	if (v.kind == CKPT_VMA_SHMEM && !(v.flags & CKPT_VMA_SHARED))
		return ckpt_bad(why, size, "shared anonymous area not marked SHARED");
	/* Their contents come from the file, or from the kernel */
	if (v.nr_pages && ((v.kind == CKPT_VMA_FILE && (v.flags & CKPT_VMA_SHARED)) ||
			   v.kind == CKPT_VMA_VDSO || v.kind == CKPT_VMA_VVAR))
		return ckpt_bad(why, size, "saved pages in a %s%s area",
				v.flags & CKPT_VMA_SHARED ? "shared " : "", vma_kinds[v.kind]);
	return 0;
}

/* The vDSO data (vvar) lies just below the vDSO text */
static int track_vdso(struct ckpt_state *st, const struct ckpt_hdr_vma *v, char *why,
		      size_t size)
{
	if (st->vvar_end && !st->vdso_start && v->kind != CKPT_VMA_VDSO)
		return ckpt_bad(why, size, "the vvar area ending at 0x%" PRIx64
				" is not followed by the vdso", st->vvar_end);
	switch (v->kind) {
	case CKPT_VMA_VVAR:
		if (st->vvar_end || st->vdso_start)
			return ckpt_bad(why, size, "a second vvar area, or one above the vdso");
		if (st->vmas_seen == st->nr_vmas)
			return ckpt_bad(why, size, "the last area is the vvar, without the vdso");
		st->vvar_end = v->end;
		break;
	case CKPT_VMA_VDSO:
		if (st->vdso_start)
			return ckpt_bad(why, size, "a second vdso area");
		if (!st->vvar_end)
			return ckpt_bad(why, size, "a vdso without the vvar area below it");
		if (st->vvar_end != v->start)
			return ckpt_bad(why, size, "the vdso does not start where the vvar area"
					" ends (0x%" PRIx64 ")", st->vvar_end);
		st->vdso_start = v->start;
		break;
	}
	return 0;
}

int ckpt_track_vma(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		   size_t size)
{
	struct ckpt_hdr_vma v;

	(void)len;
	ckpt_decode_vma(rec, &v);
	if (ckpt_state_begin_vma(st, v.start, v.end, v.nr_pages, why, size) < 0)
		return -1;
	if ((v.kind == CKPT_VMA_FILE || v.kind == CKPT_VMA_SHMEM) && v.pgoff % st->page_size)
		return ckpt_bad(why, size, "offset 0x%" PRIx64 " is not aligned to the page size",
				(uint64_t)v.pgoff);
	if (v.kind == CKPT_VMA_FILE) {
		if (ckpt_state_check_objref(st, v.file_objref, "file_objref", why, size) < 0)
			return -1;
	}
	return track_vdso(st, &v, why, size);
}

static const struct ckpt_flag_name vma_flags[] = {
	{ CKPT_VMA_MAYWRITE, "MAYWRITE" },
	{ CKPT_VMA_GROWSDOWN, "GROWSDOWN" },
	{ CKPT_VMA_NORESERVE, "NORESERVE" },
	{ CKPT_VMA_DONTFORK, "DONTFORK" },
	{ CKPT_VMA_DONTDUMP, "DONTDUMP" },
	{ CKPT_VMA_WIPEONFORK, "WIPEONFORK" },
	{ CKPT_VMA_SEQ_READ, "SEQ_READ" },
	{ CKPT_VMA_RAND_READ, "RAND_READ" },
	{ CKPT_VMA_HUGEPAGE, "HUGEPAGE" },
	{ CKPT_VMA_NOHUGEPAGE, "NOHUGEPAGE" },
};

#define VMA_PROT_FLAGS	(CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_EXEC | CKPT_VMA_SHARED)

void ckpt_print_vma(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_vma v;
	uint64_t ps = st && st->page_size ? st->page_size : 4096;
	uint32_t extra;

	(void)len;
	ckpt_decode_vma(rec, &v);
	fprintf(out, FIELD "0x%" PRIx64 "-0x%" PRIx64 " %c%c%c%c", "area",
		(uint64_t)v.start, (uint64_t)v.end,
		v.flags & CKPT_VMA_READ ? 'r' : '-',
		v.flags & CKPT_VMA_WRITE ? 'w' : '-',
		v.flags & CKPT_VMA_EXEC ? 'x' : '-',
		v.flags & CKPT_VMA_SHARED ? 's' : 'p');
	if (v.end > v.start) {
		uint64_t n = (v.end - v.start) / ps;

		fprintf(out, " (%" PRIu64 " page%s)", n, n == 1 ? "" : "s");
	}
	putc('\n', out);

	extra = v.flags & ~VMA_PROT_FLAGS;
	if (extra) {
		fprintf(out, FIELD "0x%" PRIx32, "flags", extra);
		ckpt_print_flags(out, extra, vma_flags, CKPT_ARRAY_SIZE(vma_flags));
		putc('\n', out);
	}

	fprintf(out, FIELD, "kind");
	if (v.kind && v.kind < CKPT_ARRAY_SIZE(vma_kinds))
		fputs(vma_kinds[v.kind], out);
	else
		fprintf(out, "unknown (%" PRIu32 ")", v.kind);
	if (v.kind == CKPT_VMA_FILE) {
		fputs(": ", out);
		ckpt_print_objref(out, st, v.file_objref);
		fprintf(out, " at offset 0x%" PRIx64, (uint64_t)v.pgoff);
	}
	putc('\n', out);
	fprintf(out, FIELD "%" PRIu64 " saved\n", "nr_pages", (uint64_t)v.nr_pages);
}

/* CKPT_HDR_PAGES */

int ckpt_check_pages(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_pages p;

	(void)len;
	ckpt_decode_pages(rec, &p);
	if (!p.nr_pages || p.nr_pages > CKPT_PAGES_MAX)
		return ckpt_bad(why, size, "nr_pages %" PRIu32 " is not from 1 to %u",
				p.nr_pages, CKPT_PAGES_MAX);
	if (p.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

int ckpt_track_pages(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		     size_t size)
{
	struct ckpt_hdr_pages p;

	ckpt_decode_pages(rec, &p);
	if (len != sizeof(p) + (uint64_t)p.nr_pages * st->page_size)
		return ckpt_bad(why, size, "length %" PRIu32 " does not hold %" PRIu32
				" pages of %" PRIu32 " bytes", len, p.nr_pages, st->page_size);
	return ckpt_state_add_pages(st, p.addr, p.nr_pages, why, size);
}

void ckpt_print_pages(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_pages p;
	uint64_t ps = st && st->page_size ? st->page_size : 4096;

	(void)len;
	ckpt_decode_pages(rec, &p);
	fprintf(out, FIELD "0x%" PRIx64 "-0x%" PRIx64 ": %" PRIu32 " page%s", "pages",
		(uint64_t)p.addr, (uint64_t)p.addr + p.nr_pages * ps, p.nr_pages,
		p.nr_pages == 1 ? "" : "s");
	if (st && st->vmas_seen)
		fprintf(out, ", %" PRIu64 " of the area's %" PRIu64,
			st->vma_pages_seen + p.nr_pages, st->vma_nr_pages);
	putc('\n', out);
}
