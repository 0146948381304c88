// SPDX-License-Identifier: GPL-2.0
/*
 * Record types of a checkpoint image: decoding, checking and printing.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_records.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* The stream layout is part of the ABI: catch any accidental change. */
_Static_assert(sizeof(struct ckpt_hdr) == 8, "ckpt_hdr");
_Static_assert(sizeof(struct ckpt_hdr_header) == 392, "ckpt_hdr_header");
_Static_assert(sizeof(struct ckpt_hdr_header_arch_x86_64) == 24, "ckpt_hdr_arch");
_Static_assert(sizeof(struct ckpt_hdr_error) == 16, "ckpt_hdr_error");
_Static_assert(sizeof(struct ckpt_hdr_trailer) == 32, "ckpt_hdr_trailer");
_Static_assert(sizeof(struct ckpt_hdr_tree) == 16, "ckpt_hdr_tree");
_Static_assert(sizeof(struct ckpt_tree_task) == 56, "ckpt_tree_task");
_Static_assert(sizeof(struct ckpt_hdr_task) == 96, "ckpt_hdr_task");
_Static_assert(sizeof(struct ckpt_hdr_creds) == 88, "ckpt_hdr_creds");
_Static_assert(sizeof(struct ckpt_hdr_rlimits) == 272, "ckpt_hdr_rlimits");
_Static_assert(sizeof(struct ckpt_hdr_fs) == 24, "ckpt_hdr_fs");
_Static_assert(sizeof(struct ckpt_hdr_syscall_restart) == 48, "ckpt_hdr_syscall_restart");
_Static_assert(sizeof(struct ckpt_hdr_cpu_x86_64) == 248, "ckpt_hdr_cpu_x86_64");
_Static_assert(sizeof(struct ckpt_hdr_mm) == 632, "ckpt_hdr_mm");
_Static_assert(sizeof(struct ckpt_hdr_vma) == 56, "ckpt_hdr_vma");
_Static_assert(sizeof(struct ckpt_hdr_pages) == 24, "ckpt_hdr_pages");
_Static_assert(sizeof(struct ckpt_hdr_file) == 80, "ckpt_hdr_file");
_Static_assert(sizeof(struct ckpt_fd_entry) == 16, "ckpt_fd_entry");
_Static_assert(sizeof(struct ckpt_hdr_fd_table) == 16, "ckpt_hdr_fd_table");
_Static_assert(sizeof(struct ckpt_hdr_pipe) == 24, "ckpt_hdr_pipe");
_Static_assert(sizeof(struct ckpt_sigaction) == 32, "ckpt_sigaction");
_Static_assert(sizeof(struct ckpt_hdr_sighand) == 2064, "ckpt_hdr_sighand");
_Static_assert(sizeof(struct ckpt_hdr_signal_task) == 40, "ckpt_hdr_signal_task");
_Static_assert(sizeof(struct ckpt_siginfo) == 128, "ckpt_siginfo");
_Static_assert(sizeof(struct ckpt_hdr_sigpending) == 24, "ckpt_hdr_sigpending");
_Static_assert(sizeof(struct ckpt_itimer) == 16, "ckpt_itimer");
_Static_assert(sizeof(struct ckpt_hdr_itimers) == 64, "ckpt_hdr_itimers");

bool ckpt_rec_verbose;

#define ERROR_MIN_LEN	(sizeof(struct ckpt_hdr_error) + 1)
#define ERROR_MAX_LEN	(sizeof(struct ckpt_hdr_error) + CKPT_ERROR_MSG_MAX)

/* Decoders */

void ckpt_decode_header(const void *rec, struct ckpt_hdr_header *h)
{
	memcpy(h, rec, sizeof(*h));
	ckpt_decode_hdr(&h->h);
	h->magic = le64toh(h->magic);
	h->format = le16toh(h->format);
	h->arch = le16toh(h->arch);
	h->page_size = le32toh(h->page_size);
	h->flags = le64toh(h->flags);
	h->ckpt_id = le64toh(h->ckpt_id);
	h->time_sec = (int64_t)le64toh((uint64_t)h->time_sec);
	h->time_nsec = le32toh(h->time_nsec);
	h->kernel_version = le32toh(h->kernel_version);
	h->root_pid = (int32_t)le32toh((uint32_t)h->root_pid);
	h->__pad = le32toh(h->__pad);
}

void ckpt_decode_arch(const void *rec, struct ckpt_hdr_header_arch_x86_64 *a)
{
	memcpy(a, rec, sizeof(*a));
	ckpt_decode_hdr(&a->h);
	a->xfeatures = le64toh(a->xfeatures);
	a->xstate_size = le32toh(a->xstate_size);
	a->__pad = le32toh(a->__pad);
}

void ckpt_decode_error(const void *rec, uint32_t len, struct ckpt_error_info *e)
{
	struct ckpt_hdr_error h;
	size_t n = len - sizeof(h);

	memcpy(&h, rec, sizeof(h));
	e->errnum = (int32_t)le32toh((uint32_t)h.errnum);
	if (n > sizeof(e->msg) - 1)
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, (const char *)rec + sizeof(h), n);
	e->msg[n] = '\0';
}

void ckpt_decode_trailer(const void *rec, struct ckpt_hdr_trailer *t)
{
	memcpy(t, rec, sizeof(*t));
	ckpt_decode_hdr(&t->h);
	t->magic = le64toh(t->magic);
	t->ckpt_id = le64toh(t->ckpt_id);
	t->nr_records = le32toh(t->nr_records);
	t->__pad = le32toh(t->__pad);
}

/* Helpers */

static const char *arch_name(unsigned int arch)
{
	switch (arch) {
	case CKPT_ARCH_X86_64:
		return "x86_64";
	}
	return NULL;
}

static void print_uts(FILE *out, const char *name, const char *s)
{
	ckpt_print_field_str(out, name, s, CKPT_UTS_LEN);
}

/* Page sizes an image may have */
#define PAGE_SIZE_MIN	4096U
#define PAGE_SIZE_MAX	65536U

/* CKPT_HDR_HEADER */

static int check_header(const void *rec, uint32_t len, char *why, size_t size)
{
	const struct ckpt_hdr_header *raw = rec;
	struct ckpt_hdr_header h;
	const char *const uts[] = { raw->sysname, raw->nodename, raw->release,
				    raw->version, raw->machine };
	size_t i;

	(void)len;
	ckpt_decode_header(rec, &h);
	if (h.magic != CKPT_MAGIC_HEAD)
		return ckpt_bad(why, size, "bad magic 0x%016llx (expected 0x%016llx)",
				(unsigned long long)h.magic, CKPT_MAGIC_HEAD);
	if (h.format != CKPT_FORMAT_VERSION)
		return ckpt_bad(why, size,
				"image format version %u, this tool reads version %u",
				h.format, CKPT_FORMAT_VERSION);
	if (!arch_name(h.arch))
		return ckpt_bad(why, size, "unknown architecture %u", h.arch);
	if (h.page_size < PAGE_SIZE_MIN || h.page_size > PAGE_SIZE_MAX ||
	    (h.page_size & (h.page_size - 1)))
		return ckpt_bad(why, size, "page size %" PRIu32 " is not a power of two"
				" from %u to %u", h.page_size, PAGE_SIZE_MIN, PAGE_SIZE_MAX);
	if (h.flags & ~CHECKPOINT_FLAGS_ALL)
		return ckpt_bad(why, size, "unknown checkpoint flags 0x%llx",
				(unsigned long long)(h.flags & ~CHECKPOINT_FLAGS_ALL));
	if (h.time_nsec >= 1000000000)
		return ckpt_bad(why, size, "time_nsec %" PRIu32 " is out of range",
				h.time_nsec);
	if (h.root_pid <= 0)
		return ckpt_bad(why, size, "root_pid %" PRId32 " is not a pid", h.root_pid);
	for (i = 0; i < CKPT_ARRAY_SIZE(uts); i++)
		if (!memchr(uts[i], '\0', CKPT_UTS_LEN))
			return ckpt_bad(why, size,
					"utsname string %zu is not NUL-terminated", i);
	if (h.__pad || !ckpt_all_zero(raw->__pad2, sizeof(raw->__pad2)))
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

static int track_header(struct ckpt_state *st, const void *rec, uint32_t len,
			char *why, size_t size)
{
	struct ckpt_hdr_header h;

	(void)len;
	(void)why;
	(void)size;
	ckpt_decode_header(rec, &h);
	st->page_size = h.page_size;
	st->flags = h.flags;
	st->root_pid = h.root_pid;
	return 0;
}

static void print_header(FILE *out, const void *rec, uint32_t len,
			 const struct ckpt_state *st)
{
	const struct ckpt_hdr_header *raw = rec;
	struct ckpt_hdr_header h;
	const char *arch;
	uint32_t kv;

	(void)len;
	(void)st;
	ckpt_decode_header(rec, &h);
	arch = arch_name(h.arch);
	kv = h.kernel_version;

	fprintf(out, FIELD "0x%016llx (%s)\n", "magic", (unsigned long long)h.magic,
		h.magic == CKPT_MAGIC_HEAD ? "ok" : "BAD");
	fprintf(out, FIELD "%u\n", "format", h.format);
	fprintf(out, FIELD "%s (%u)\n", "arch", arch ? arch : "unknown", h.arch);
	fprintf(out, FIELD "%" PRIu32 "\n", "page_size", h.page_size);
	fprintf(out, FIELD "0x%llx%s%s\n", "flags", (unsigned long long)h.flags,
		h.flags & CHECKPOINT_SUBTREE ? " SUBTREE" : "",
		h.flags & ~CHECKPOINT_FLAGS_ALL ? " +unknown" : "");
	fprintf(out, FIELD "%llu\n", "ckpt_id", (unsigned long long)h.ckpt_id);
	ckpt_print_time(out, "time", h.time_sec, h.time_nsec);
	fprintf(out, FIELD "%u.%u.%u (0x%06" PRIx32 ")\n", "kernel_version",
		kv >> 16, (kv >> 8) & 0xff, kv & 0xff, kv);
	fprintf(out, FIELD "%" PRId32 "\n", "root_pid", h.root_pid);
	print_uts(out, "sysname", raw->sysname);
	print_uts(out, "nodename", raw->nodename);
	print_uts(out, "release", raw->release);
	print_uts(out, "version", raw->version);
	print_uts(out, "machine", raw->machine);
}

/* CKPT_HDR_HEADER_ARCH */

#define XFEATURES_FPSSE	0x3ULL		/* x87 and SSE state */
#define XSTATE_SIZE_MIN	512U		/* the legacy FXSAVE area */
#define XSTATE_SIZE_MAX	(64U << 10)

static int check_arch(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_header_arch_x86_64 a;

	(void)len;
	ckpt_decode_arch(rec, &a);
	if ((a.xfeatures & XFEATURES_FPSSE) != XFEATURES_FPSSE)
		return ckpt_bad(why, size, "xfeatures 0x%llx without x87 and SSE",
				(unsigned long long)a.xfeatures);
	if (a.xstate_size < XSTATE_SIZE_MIN || a.xstate_size > XSTATE_SIZE_MAX)
		return ckpt_bad(why, size, "xstate_size %" PRIu32 " is not from %u to %u",
				a.xstate_size, XSTATE_SIZE_MIN, XSTATE_SIZE_MAX);
	if (a.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

static int track_arch(struct ckpt_state *st, const void *rec, uint32_t len,
		      char *why, size_t size)
{
	struct ckpt_hdr_header_arch_x86_64 a;

	(void)len;
	(void)why;
	(void)size;
	ckpt_decode_arch(rec, &a);
	st->xfeatures = a.xfeatures;
	st->xstate_size = a.xstate_size;
	return 0;
}

static void print_arch(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_header_arch_x86_64 a;

	(void)len;
	(void)st;
	ckpt_decode_arch(rec, &a);
	fprintf(out, FIELD "0x%llx", "xfeatures", (unsigned long long)a.xfeatures);
	ckpt_print_xfeatures(out, a.xfeatures);
	putc('\n', out);
	fprintf(out, FIELD "%" PRIu32 "\n", "xstate_size", a.xstate_size);
}

/* CKPT_HDR_ERROR */

static int check_error(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_error h;

	memcpy(&h, rec, sizeof(h));
	if ((int32_t)le32toh((uint32_t)h.errnum) <= 0)
		return ckpt_bad(why, size, "errnum %" PRId32 " is not a positive errno",
				(int32_t)le32toh((uint32_t)h.errnum));
	if (h.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (((const char *)rec)[len - 1] != '\0')
		return ckpt_bad(why, size, "message is not NUL-terminated");
	return 0;
}

static void print_error(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_error_info e;
	const char *name;

	(void)st;
	ckpt_decode_error(rec, len, &e);
	name = ckpt_errno_name(e.errnum);
	if (name)
		fprintf(out, FIELD "%s (%d)\n", "errno", name, e.errnum);
	else
		fprintf(out, FIELD "%d\n", "errno", e.errnum);
	ckpt_print_field_str(out, "message", e.msg, sizeof(e.msg));
}

/* CKPT_HDR_TRAILER */

static int check_trailer(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_trailer t;

	(void)len;
	ckpt_decode_trailer(rec, &t);
	if (t.magic != CKPT_MAGIC_TAIL)
		return ckpt_bad(why, size, "bad magic 0x%016llx (expected 0x%016llx)",
				(unsigned long long)t.magic, CKPT_MAGIC_TAIL);
	if (t.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

/* The last task must be complete, and every task of the tree there */
static int track_trailer(struct ckpt_state *st, const void *rec, uint32_t len,
			 char *why, size_t size)
{
	char want[128];

	(void)rec;
	(void)len;
	if (ckpt_state_task_pending(st, want, sizeof(want)))
		return ckpt_bad(why, size, "the state of task %" PRId32
				" is incomplete: %s", st->task.pid, want);
	if (st->nr_tasks != st->tree_nr_tasks)
		return ckpt_bad(why, size, "the tree lists %" PRIu32 " task%s, the image"
				" holds the state of %" PRIu64, st->tree_nr_tasks,
				st->tree_nr_tasks == 1 ? "" : "s", st->nr_tasks);
	return 0;
}

static void print_trailer(FILE *out, const void *rec, uint32_t len,
			  const struct ckpt_state *st)
{
	struct ckpt_hdr_trailer t;

	(void)len;
	(void)st;
	ckpt_decode_trailer(rec, &t);
	fprintf(out, FIELD "0x%016llx (%s)\n", "magic", (unsigned long long)t.magic,
		t.magic == CKPT_MAGIC_TAIL ? "ok" : "BAD");
	fprintf(out, FIELD "%llu\n", "ckpt_id", (unsigned long long)t.ckpt_id);
	fprintf(out, FIELD "%" PRIu32 "\n", "nr_records", t.nr_records);
}

/* The table */

#define HEADER_LEN	sizeof(struct ckpt_hdr_header)
#define ARCH_LEN	sizeof(struct ckpt_hdr_header_arch_x86_64)
#define TRAILER_LEN	sizeof(struct ckpt_hdr_trailer)
#define TREE_MIN_LEN	(sizeof(struct ckpt_hdr_tree) + sizeof(struct ckpt_tree_task))
#define TREE_MAX_LEN	(sizeof(struct ckpt_hdr_tree) + \
			 CKPT_TREE_MAX_TASKS * sizeof(struct ckpt_tree_task))
#define TASK_LEN	sizeof(struct ckpt_hdr_task)
#define CREDS_LEN	sizeof(struct ckpt_hdr_creds)
#define CREDS_MAX_LEN	(CREDS_LEN + CKPT_NGROUPS_MAX * sizeof(__u32))
#define RLIMITS_LEN	sizeof(struct ckpt_hdr_rlimits)
#define FS_MIN_LEN	(sizeof(struct ckpt_hdr_fs) + 2)	/* two NULs */
#define FS_MAX_LEN	(sizeof(struct ckpt_hdr_fs) + 2 * CKPT_PATH_MAX)
#define RESTART_LEN	sizeof(struct ckpt_hdr_syscall_restart)
#define SIGHAND_LEN	sizeof(struct ckpt_hdr_sighand)
#define SIGTASK_LEN	sizeof(struct ckpt_hdr_signal_task)
#define SIGPEND_MIN_LEN	sizeof(struct ckpt_hdr_sigpending)
#define SIGPEND_MAX_LEN	(SIGPEND_MIN_LEN + CKPT_SIGPENDING_MAX * sizeof(struct ckpt_siginfo))
#define ITIMERS_LEN	sizeof(struct ckpt_hdr_itimers)
#define PTIMERS_MIN_LEN	(sizeof(struct ckpt_hdr_posix_timers) + sizeof(struct ckpt_posix_timer))
#define PTIMERS_MAX_LEN	(sizeof(struct ckpt_hdr_posix_timers) + \
			 CKPT_POSIX_TIMERS_MAX * sizeof(struct ckpt_posix_timer))
#define CPU_LEN		sizeof(struct ckpt_hdr_cpu_x86_64)
#define XSTATE_MIN_LEN	(sizeof(struct ckpt_hdr) + CKPT_XSAVE_MIN_SIZE)
#define FILE_MIN_LEN	(sizeof(struct ckpt_hdr_file) + 2)		/* "/" */
#define FILE_MAX_LEN	(sizeof(struct ckpt_hdr_file) + CKPT_PATH_MAX)
/* No max_len: up to CKPT_PIPE_MAX bytes of data, more than the reader takes */
#define PIPE_MIN_LEN	sizeof(struct ckpt_hdr_pipe)
#define FDT_MIN_LEN	sizeof(struct ckpt_hdr_fd_table)
#define FDT_MAX_LEN	(FDT_MIN_LEN + CKPT_FDS_MAX * sizeof(struct ckpt_fd_entry))
#define MM_LEN		sizeof(struct ckpt_hdr_mm)
#define VMA_LEN		sizeof(struct ckpt_hdr_vma)
#define PAGES_MIN_LEN	(sizeof(struct ckpt_hdr_pages) + PAGE_SIZE_MIN)
#define PAGES_MAX_LEN	(sizeof(struct ckpt_hdr_pages) + CKPT_PAGES_MAX * PAGE_SIZE_MAX)

/* Where a row's records come: in the stream, or in a task after one of these */
#define STREAM		false, { 0 }
#define AFTER(...)	true, { __VA_ARGS__ }

/*
 * One row per record type, in the order of the stream. Fixed-size
 * records must have exactly their size.
 */
static const struct ckpt_rec_type rec_types[] = {
	/* type                     name               min_len        max_len */
	{ CKPT_HDR_HEADER,          "HEADER",          HEADER_LEN,    HEADER_LEN,
	  STREAM, check_header, track_header, print_header },
	{ CKPT_HDR_HEADER_ARCH,     "HEADER_ARCH",     ARCH_LEN,      ARCH_LEN,
	  STREAM, check_arch, track_arch, print_arch },
	{ CKPT_HDR_TREE,            "TREE",            TREE_MIN_LEN,  TREE_MAX_LEN,
	  STREAM, ckpt_check_tree, ckpt_track_tree, ckpt_print_tree },

	{ CKPT_HDR_TASK,            "TASK",            TASK_LEN,      TASK_LEN,
	  AFTER(0),
	  ckpt_check_task, ckpt_track_task, ckpt_print_task },
	{ CKPT_HDR_CREDS,           "CREDS",           CREDS_LEN,     CREDS_MAX_LEN,
	  AFTER(CKPT_HDR_TASK),
	  ckpt_check_creds, NULL, ckpt_print_creds },
	{ CKPT_HDR_RLIMITS,         "RLIMITS",         RLIMITS_LEN,   RLIMITS_LEN,
	  AFTER(CKPT_HDR_CREDS),
	  ckpt_check_rlimits, NULL, ckpt_print_rlimits },
	{ CKPT_HDR_FS,              "FS",              FS_MIN_LEN,    FS_MAX_LEN,
	  AFTER(CKPT_HDR_RLIMITS),
	  ckpt_check_fs, NULL, ckpt_print_fs },
	{ CKPT_HDR_SIGHAND,         "SIGHAND",         SIGHAND_LEN,   SIGHAND_LEN,
	  AFTER(CKPT_HDR_FS),
	  ckpt_check_sighand, NULL, ckpt_print_sighand },
	{ CKPT_HDR_SIGNAL_TASK,     "SIGNAL_TASK",     SIGTASK_LEN,   SIGTASK_LEN,
	  AFTER(CKPT_HDR_SIGHAND),
	  ckpt_check_signal_task, NULL, ckpt_print_signal_task },
	{ CKPT_HDR_SIGPENDING,      "SIGPENDING",      SIGPEND_MIN_LEN, SIGPEND_MAX_LEN,
	  AFTER(CKPT_HDR_SIGNAL_TASK, CKPT_HDR_SIGPENDING),
	  ckpt_check_sigpending, ckpt_track_sigpending, ckpt_print_sigpending },
	{ CKPT_HDR_ITIMERS,         "ITIMERS",         ITIMERS_LEN,   ITIMERS_LEN,
	  AFTER(CKPT_HDR_SIGPENDING),
	  ckpt_check_itimers, ckpt_track_itimers, ckpt_print_itimers },
	{ CKPT_HDR_POSIX_TIMERS,    "POSIX_TIMERS",    PTIMERS_MIN_LEN, PTIMERS_MAX_LEN,
	  AFTER(CKPT_HDR_ITIMERS),
	  ckpt_check_posix_timers, ckpt_track_posix_timers, ckpt_print_posix_timers },
	{ CKPT_HDR_SYSCALL_RESTART, "SYSCALL_RESTART", RESTART_LEN,   RESTART_LEN,
	  AFTER(CKPT_HDR_ITIMERS, CKPT_HDR_POSIX_TIMERS, CKPT_HDR_SIGPENDING),
	  ckpt_check_syscall_restart, NULL, ckpt_print_syscall_restart },
	{ CKPT_HDR_CPU_X86_64,      "CPU_X86_64",      CPU_LEN,       CPU_LEN,
	  AFTER(CKPT_HDR_SYSCALL_RESTART),
	  ckpt_check_cpu_x86_64, NULL, ckpt_print_cpu_x86_64 },
	{ CKPT_HDR_XSTATE,          "XSTATE",          XSTATE_MIN_LEN, 0,
	  AFTER(CKPT_HDR_CPU_X86_64),
	  ckpt_check_xstate, ckpt_track_xstate, ckpt_print_xstate },
	/* A pipe comes right before the FILE record of its first end */
	{ CKPT_HDR_PIPE,            "PIPE",            PIPE_MIN_LEN,  0,
	  AFTER(CKPT_HDR_XSTATE, CKPT_HDR_FILE, CKPT_HDR_FD_TABLE),
	  ckpt_check_pipe, ckpt_track_pipe, ckpt_print_pipe },
	{ CKPT_HDR_FILE,            "FILE",            FILE_MIN_LEN,  FILE_MAX_LEN,
	  AFTER(CKPT_HDR_XSTATE, CKPT_HDR_FILE, CKPT_HDR_FD_TABLE, CKPT_HDR_PIPE),
	  ckpt_check_file, ckpt_track_file, ckpt_print_file },
	{ CKPT_HDR_FD_TABLE,        "FD_TABLE",        FDT_MIN_LEN,   FDT_MAX_LEN,
	  AFTER(CKPT_HDR_XSTATE, CKPT_HDR_FILE),
	  ckpt_check_fd_table, ckpt_track_fd_table, ckpt_print_fd_table },
	{ CKPT_HDR_MM,              "MM",              MM_LEN,        MM_LEN,
	  AFTER(CKPT_HDR_FD_TABLE, CKPT_HDR_FILE),
	  ckpt_check_mm, ckpt_track_mm, ckpt_print_mm },
	{ CKPT_HDR_VMA,             "VMA",             VMA_LEN,       VMA_LEN,
	  AFTER(CKPT_HDR_MM, CKPT_HDR_VMA, CKPT_HDR_PAGES),
	  ckpt_check_vma, ckpt_track_vma, ckpt_print_vma },
	{ CKPT_HDR_PAGES,           "PAGES",           PAGES_MIN_LEN, PAGES_MAX_LEN,
	  AFTER(CKPT_HDR_VMA, CKPT_HDR_PAGES),
	  ckpt_check_pages, ckpt_track_pages, ckpt_print_pages },

	{ CKPT_HDR_ERROR,           "ERROR",           ERROR_MIN_LEN, ERROR_MAX_LEN,
	  STREAM, check_error, NULL, print_error },
	{ CKPT_HDR_TRAILER,         "TRAILER",         TRAILER_LEN,   TRAILER_LEN,
	  STREAM, check_trailer, track_trailer, print_trailer },
};

const struct ckpt_rec_type *ckpt_rec_type_find(uint32_t type)
{
	size_t i;

	for (i = 0; i < CKPT_ARRAY_SIZE(rec_types); i++)
		if (rec_types[i].type == type)
			return &rec_types[i];
	return NULL;
}

const char *ckpt_rec_type_name(uint32_t type)
{
	const struct ckpt_rec_type *rt = ckpt_rec_type_find(type);

	return rt ? rt->name : NULL;
}

void ckpt_rec_type_each(void (*fn)(const struct ckpt_rec_type *rt, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < CKPT_ARRAY_SIZE(rec_types); i++)
		fn(&rec_types[i], arg);
}
