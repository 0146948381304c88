// SPDX-License-Identifier: GPL-2.0
/*
 * Records of files: FILE (the ends of pipes included), FD_TABLE.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* Decoders */

void ckpt_decode_file(const void *rec, struct ckpt_hdr_file *f)
{
	memcpy(f, rec, sizeof(*f));
	ckpt_decode_hdr(&f->h);
	f->objref = (int32_t)le32toh((uint32_t)f->objref);
	f->kind = le32toh(f->kind);
	f->f_flags = le32toh(f->f_flags);
	f->mode = le32toh(f->mode);
	f->flags = le32toh(f->flags);
	f->peer_objref = (int32_t)le32toh((uint32_t)f->peer_objref);
	f->pos = le64toh(f->pos);
	f->dev = le32toh(f->dev);
	f->rdev = le32toh(f->rdev);
	f->ino = le64toh(f->ino);
	f->size = le64toh(f->size);
	f->mtime_sec = (int64_t)le64toh((uint64_t)f->mtime_sec);
	f->mtime_nsec = le32toh(f->mtime_nsec);
	f->path_len = le32toh(f->path_len);
}

void ckpt_decode_fd_table(const void *rec, struct ckpt_hdr_fd_table *t)
{
	memcpy(t, rec, sizeof(*t));
	ckpt_decode_hdr(&t->h);
	t->nr_fds = le32toh(t->nr_fds);
	t->__pad = le32toh(t->__pad);
}

void ckpt_decode_fd_entry(const void *rec, uint32_t i, struct ckpt_fd_entry *e)
{
	memcpy(e, (const char *)rec + sizeof(struct ckpt_hdr_fd_table) +
	       (size_t)i * sizeof(*e), sizeof(*e));
	e->fd = (int32_t)le32toh((uint32_t)e->fd);
	e->objref = (int32_t)le32toh((uint32_t)e->objref);
	e->flags = le32toh(e->flags);
	e->__pad = le32toh(e->__pad);
}

/* CKPT_HDR_FILE */

static const char *const file_kinds[] = {
	[CKPT_FILE_REG] = "regular file",
	[CKPT_FILE_DIR] = "directory",
	[CKPT_FILE_CHR] = "character device",
	[CKPT_FILE_TTY] = "terminal",
	[CKPT_FILE_PIPE] = "pipe",
	[CKPT_FILE_FIFO] = "FIFO",
};

/* The inode type each kind of file has */
static const unsigned int file_kind_type[] = {
	[CKPT_FILE_REG] = S_IFREG,
	[CKPT_FILE_DIR] = S_IFDIR,
	[CKPT_FILE_CHR] = S_IFCHR,
	[CKPT_FILE_TTY] = S_IFCHR,
	[CKPT_FILE_PIPE] = S_IFIFO,
	[CKPT_FILE_FIFO] = S_IFIFO,
};

/* new_decode_dev() */
static uint32_t dev_major(uint32_t dev)
{
	return (dev & 0xfff00) >> 8;
}

static uint32_t dev_minor(uint32_t dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

/* /dev/null, zero, full, random, urandom */
static bool mem_dev(uint32_t dev)
{
	switch (dev_major(dev) == 1 ? dev_minor(dev) : 0) {
	case 3: case 5: case 7: case 8: case 9:
		return true;
	}
	return false;
}

/* Virtual consoles and serial ports, /dev/tty and /dev/console, ptys */
static bool tty_dev(uint32_t dev)
{
	uint32_t major = dev_major(dev);

	if (major == 4)
		return true;
	if (major == 5)
		return dev_minor(dev) <= 1;
	return major >= 136 && major < 136 + 8;
}

/* open(2) flags (x86_64) that a file is reopened with */
#define O_ACCMODE_	00000003U
#define O_APPEND_	00002000U
#define O_NONBLOCK_	00004000U
#define O_DSYNC_	00010000U
#define O_DIRECT_	00040000U
#define O_LARGEFILE_	00100000U
#define O_DIRECTORY_	00200000U
#define O_NOFOLLOW_	00400000U
#define O_NOATIME_	01000000U
#define O_SYNC_		04000000U	/* __O_SYNC, with O_DSYNC for O_SYNC */
#define O_PATH_		010000000U
#define OPEN_FLAGS_ALL	(O_ACCMODE_ | O_APPEND_ | O_NONBLOCK_ | O_DSYNC_ | O_DIRECT_ | \
			 O_LARGEFILE_ | O_DIRECTORY_ | O_NOFOLLOW_ | O_NOATIME_ | \
			 O_SYNC_ | O_PATH_)

static const char *const acc_modes[] = { "RDONLY", "WRONLY", "RDWR", "ACCMODE3" };

static bool names_pipe(uint32_t kind)
{
	return kind == CKPT_FILE_PIPE || kind == CKPT_FILE_FIFO;
}

/*
 * An end of a pipe takes its end of the pipe made for its PIPE record:
 * read or write only, at offset 0, and never reopened by its path (only
 * the pipe's name, "pipe:[ino]"). A FIFO is reopened by its path, in any
 * access mode, and takes the pipe's data.
 */
static int check_pipe_end(const struct ckpt_hdr_file *f, char *why, size_t size)
{
	uint32_t acc = f->f_flags & O_ACCMODE_;

	if (f->peer_objref <= 0)
		return ckpt_bad(why, size, "peer_objref %" PRId32 " of an end of a pipe"
				" is not positive", f->peer_objref);
	/* RDONLY or WRONLY: it picks the end */
	if (acc == 3 || (acc == 2 && f->kind == CKPT_FILE_PIPE))
		return ckpt_bad(why, size, "an end of a pipe opened %s", acc_modes[acc]);
	if (f->f_flags & (O_DIRECT_ | O_DIRECTORY_ | O_PATH_))
		return ckpt_bad(why, size, "f_flags 0%" PRIo32 " of an end of a pipe",
				f->f_flags);
	if (f->pos)
		return ckpt_bad(why, size, "an end of a pipe at pos %" PRIu64,
				(uint64_t)f->pos);
	return 0;
}

int ckpt_check_file(const void *rec, uint32_t len, char *why, size_t size)
{
	const char *path = (const char *)rec + sizeof(struct ckpt_hdr_file);
	struct ckpt_hdr_file f;

	ckpt_decode_file(rec, &f);
	if (f.objref <= 0)
		return ckpt_bad(why, size, "objref %" PRId32 " is not positive", f.objref);
	if (!f.kind || f.kind >= CKPT_ARRAY_SIZE(file_kinds))
		return ckpt_bad(why, size, "unknown kind %" PRIu32, f.kind);
	if ((f.mode & S_IFMT) != file_kind_type[f.kind])
		return ckpt_bad(why, size, "mode 0%" PRIo32 " is not the one of a %s",
				f.mode, file_kinds[f.kind]);
	if (f.f_flags & ~OPEN_FLAGS_ALL)
		return ckpt_bad(why, size, "f_flags 0%" PRIo32 " has flags that cannot be reopened",
				f.f_flags);
	if (f.flags & ~CKPT_FILE_IMAGE)
		return ckpt_bad(why, size, "unknown flags 0x%" PRIx32, f.flags);
	if (names_pipe(f.kind) && check_pipe_end(&f, why, size) < 0)
		return -1;
	if (!names_pipe(f.kind) && f.peer_objref)
		return ckpt_bad(why, size, "a %s with peer_objref %" PRId32,
				file_kinds[f.kind], f.peer_objref);
	if (f.kind == CKPT_FILE_CHR && !mem_dev(f.rdev))
		return ckpt_bad(why, size, "device %" PRIu32 ":%" PRIu32
				" is not null, zero, full, random or urandom",
				dev_major(f.rdev), dev_minor(f.rdev));
	if (f.kind == CKPT_FILE_TTY && !tty_dev(f.rdev))
		return ckpt_bad(why, size, "device %" PRIu32 ":%" PRIu32 " is not a terminal",
				dev_major(f.rdev), dev_minor(f.rdev));
	if (f.mtime_nsec >= 1000000000)
		return ckpt_bad(why, size, "mtime_nsec %" PRIu32 " is out of range",
				f.mtime_nsec);
	if (len != sizeof(f) + (uint64_t)f.path_len)
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit path_len %"
				PRIu32, len, f.path_len);
	/* Anything but a pipe is reopened by its path */
	return ckpt_check_str(path, f.path_len, f.kind != CKPT_FILE_PIPE, "path", why, size);
}

int ckpt_track_file(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size)
{
	const char *path = (const char *)rec + sizeof(struct ckpt_hdr_file);
	struct ckpt_hdr_file f;

	(void)len;
	ckpt_decode_file(rec, &f);
	if (names_pipe(f.kind) &&
	    ckpt_state_check_pipe(st, f.peer_objref, "peer_objref", why, size) < 0)
		return -1;
	if (ckpt_state_add_file(st, f.objref, f.kind, path, why, size) < 0)
		return -1;
	st->task.nr_files++;
	return 0;
}

static const struct ckpt_flag_name open_flags[] = {
	{ O_APPEND_, "APPEND" },
	{ O_NONBLOCK_, "NONBLOCK" },
	{ O_SYNC_ | O_DSYNC_, "SYNC" },
	{ O_DSYNC_, "DSYNC" },
	{ O_DIRECT_, "DIRECT" },
	{ O_LARGEFILE_, "LARGEFILE" },
	{ O_DIRECTORY_, "DIRECTORY" },
	{ O_NOFOLLOW_, "NOFOLLOW" },
	{ O_NOATIME_, "NOATIME" },
	{ O_PATH_, "PATH" },
};

static void print_dev(FILE *out, const char *name, uint32_t dev)
{
	fprintf(out, " %s %" PRIu32 ":%" PRIu32, name, dev_major(dev), dev_minor(dev));
}

/* The pipe an end names, as far as st knows it */
static void print_pipe_ref(FILE *out, const struct ckpt_state *st, int32_t objref)
{
	const struct ckpt_file_info *p = ckpt_state_pipe(st, objref);

	fprintf(out, "objref %" PRId32, objref);
	if (p)
		fprintf(out, " (%" PRIu32 " bytes, %" PRIu32 " in it)",
			p->pipe_size, p->pipe_len);
	else
		fputs(" (unknown)", out);
}

void ckpt_print_file(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	const char *path = (const char *)rec + sizeof(struct ckpt_hdr_file);
	struct ckpt_hdr_file f;
	uint32_t rest;
	size_t i;

	ckpt_decode_file(rec, &f);
	fprintf(out, FIELD "%" PRId32 "\n", "objref", f.objref);
	if (f.kind && f.kind < CKPT_ARRAY_SIZE(file_kinds))
		fprintf(out, FIELD "%s\n", "kind", file_kinds[f.kind]);
	else
		fprintf(out, FIELD "unknown (%" PRIu32 ")\n", "kind", f.kind);
	if (names_pipe(f.kind) || f.peer_objref) {
		fprintf(out, FIELD, "pipe");
		print_pipe_ref(out, st, f.peer_objref);
		putc('\n', out);
	}
	ckpt_print_field_str(out, "path", path, len - sizeof(f));

	fprintf(out, FIELD "0x%" PRIx32 " (%s", "f_flags", f.f_flags,
		acc_modes[f.f_flags & 3]);
	rest = f.f_flags & ~3U;
	for (i = 0; i < CKPT_ARRAY_SIZE(open_flags); i++) {
		if ((rest & open_flags[i].flag) == open_flags[i].flag) {
			fprintf(out, " %s", open_flags[i].name);
			rest &= ~open_flags[i].flag;
		}
	}
	if (rest)
		fprintf(out, " 0x%" PRIx32, rest);
	fputs(")\n", out);
	fprintf(out, FIELD "%" PRIu64 "\n", "pos", (uint64_t)f.pos);

	fprintf(out, FIELD "ino %" PRIu64 " mode 0%" PRIo32, "inode", (uint64_t)f.ino, f.mode);
	print_dev(out, "dev", f.dev);
	if (S_ISCHR(f.mode) || S_ISBLK(f.mode))
		print_dev(out, "rdev", f.rdev);
	fprintf(out, " size %" PRIu64 "\n", (uint64_t)f.size);
	ckpt_print_time(out, "mtime", f.mtime_sec, f.mtime_nsec);
}

/* CKPT_HDR_FD_TABLE */

int ckpt_check_fd_table(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_fd_table t;
	struct ckpt_fd_entry e;
	int64_t prev = -1;
	uint32_t i;

	ckpt_decode_fd_table(rec, &t);
	if (t.nr_fds > CKPT_FDS_MAX)
		return ckpt_bad(why, size, "nr_fds %" PRIu32 " exceeds %u", t.nr_fds,
				CKPT_FDS_MAX);
	if (len != sizeof(t) + (uint64_t)t.nr_fds * sizeof(e))
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit nr_fds %" PRIu32,
				len, t.nr_fds);
	if (t.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	for (i = 0; i < t.nr_fds; i++) {
		ckpt_decode_fd_entry(rec, i, &e);
		if (e.fd <= prev)
			return ckpt_bad(why, size, "entry %" PRIu32 ": fd %" PRId32
					" is not above the one before", i, e.fd);
		if (e.objref <= 0)
			return ckpt_bad(why, size, "fd %" PRId32 ": objref %" PRId32
					" is not positive", e.fd, e.objref);
		if (e.flags & ~CKPT_FD_CLOEXEC)
			return ckpt_bad(why, size, "fd %" PRId32 ": unknown flags 0x%" PRIx32,
					e.fd, e.flags);
		if (e.__pad)
			return ckpt_bad(why, size, "fd %" PRId32 ": non-zero reserved field",
					e.fd);
		prev = e.fd;
	}
	return 0;
}

int ckpt_track_fd_table(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
			size_t size)
{
	struct ckpt_hdr_fd_table t;
	struct ckpt_fd_entry e;
	char what[32];
	uint32_t i;

	(void)len;
	if (st->have_fd_table)
		return ckpt_bad(why, size, "a second FD_TABLE record for the task");
	ckpt_decode_fd_table(rec, &t);
	for (i = 0; i < t.nr_fds; i++) {
		ckpt_decode_fd_entry(rec, i, &e);
		snprintf(what, sizeof(what), "fd %" PRId32, e.fd);
		if (ckpt_state_check_objref(st, e.objref, what, why, size) < 0)
			return -1;
	}
	st->have_fd_table = true;
	st->task.nr_fds = t.nr_fds;
	return 0;
}

void ckpt_print_fd_table(FILE *out, const void *rec, uint32_t len,
			 const struct ckpt_state *st)
{
	struct ckpt_hdr_fd_table t;
	struct ckpt_fd_entry e;
	char name[32];
	uint32_t i, n;

	ckpt_decode_fd_table(rec, &t);
	fprintf(out, FIELD "%" PRIu32 "\n", "nr_fds", t.nr_fds);
	/* A malformed record may hold fewer entries */
	n = (len - sizeof(t)) / sizeof(e);
	if (n > t.nr_fds)
		n = t.nr_fds;
	for (i = 0; i < n; i++) {
		ckpt_decode_fd_entry(rec, i, &e);
		snprintf(name, sizeof(name), "fd %" PRId32, e.fd);
		fprintf(out, FIELD, name);
		ckpt_print_objref(out, st, e.objref);
		if (e.flags & CKPT_FD_CLOEXEC)
			fputs(" cloexec", out);
		putc('\n', out);
	}
}
