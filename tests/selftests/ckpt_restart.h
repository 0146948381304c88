/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the tests that checkpoint a task and restart it.
 *
 * Every test follows one pattern:
 *
 *  1. The test forks a target. The target cuts itself off from the test
 *     (rs_target_enter(): death signal, every inherited fd >= 3 closed,
 *     stdio on /dev/null unless asked otherwise, the report file opened),
 *     sets up real state and stops itself with kill(getpid(), SIGSTOP)
 *     (or is frozen with the cgroup v2 freezer, or checkpoints itself).
 *  2. The test checkpoints it into a memfd (rs_checkpoint(): a positive id,
 *     a well-formed image) and kills it.
 *  3. The test forks a restarter (rs_restart()), which calls
 *     restart(0, image, flags). On failure it exits with
 *     RS_EXIT_RESTART_ERR + errno. On success it *is* the checkpointed
 *     program, which goes on after its stop point: code there runs only in
 *     a restored program (the original was killed while stopped).
 *  4. The restored program checks its own state and writes what it finds
 *     to the report file, a file it had open at checkpoint time (its fds
 *     are the image's fds: no pipe to the test survives), then exits with
 *     0 or with the number of the first failed check.
 *  5. The test reaps the restarter and asserts its exit status and report
 *     (rs_expect_restored()), printing the report on failure.
 *
 * The restarter changes a few things before calling restart(2) (cwd, umask,
 * a signal disposition, the blocked mask, fds 777 and 778...) so that a
 * restored task that kept any of the caller's state shows up in the checks.
 */
#ifndef CKPT_RESTART_H
#define CKPT_RESTART_H

#include "ckpt_test.h"

#include <dirent.h>
#include <grp.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/uio.h>

/* ------------------------------------------------------------------ */
/* Exit codes of a restarter (and of the program it becomes)           */
/* ------------------------------------------------------------------ */

#define RS_EXIT_OK		0	/* restored, every check passed */
#define RS_EXIT_CHECK_MAX	90	/* 1..90: number of the first failed check */
#define RS_EXIT_NOT_RESTORED	97	/* code after the stop point ran unrestored */
#define RS_EXIT_SETUP		98	/* the target could not set itself up */
#define RS_EXIT_RESTART_RET	99	/* restart(2) returned a value >= 0 */
#define RS_EXIT_RESTART_ERR	100	/* restart(2) failed: 100 + errno */
#define RS_EXIT_RESTARTER	250	/* the restarter could not set itself up */

/* Decoy fds the restarter holds; a restored task must not have them. */
#define RS_RESTARTER_IMG_FD	777
#define RS_RESTARTER_DECOY_FD	778

/* Bound on the wait for a restored program to finish. */
#define RS_WAIT_MS		30000

#define RS_NSEC_PER_SEC		1000000000LL

/* ------------------------------------------------------------------ */
/* One test's state (the test process side)                            */
/* ------------------------------------------------------------------ */

struct rs_test {
	char dir[64];		/* private directory under /tmp */
	char report[128];	/* dir/report: what the restored program found */
	int img;		/* the image (a memfd unless a test says so) */
	pid_t parent;		/* the test process */
	pid_t target;		/* the target while it lives, else 0 */
	pid_t target_pid;	/* pid of the last target (kept after reaping) */
	pid_t restarter;	/* the restarter while it lives, else 0 */
	pid_t restarter_pid;	/* pid of the last restarter */
	long ckpt_id;		/* what checkpoint(2) returned */
	int status;		/* wait status of the last restarter */
	struct timespec t_ckpt;	/* CLOCK_MONOTONIC after checkpoint(2) returned */
	struct timespec t_restart; /* CLOCK_MONOTONIC before forking the restarter */
	char text[16384];	/* the report, read after the restarter ended */
};

/*
 * The fixture of most restart tests, NAME with one struct rs_test t, set
 * up and cleaned up around each test.
 */
#define RS_FIXTURE(NAME)					\
	FIXTURE(NAME) {						\
		struct rs_test t;				\
	};							\
	FIXTURE_SETUP(NAME)					\
	{							\
		rs_init(_metadata, &self->t);			\
	}							\
	FIXTURE_TEARDOWN(NAME)					\
	{							\
		rs_cleanup(&self->t);				\
	}

/* What the restarter does before calling restart(2). */
struct rs_restart_opts {
	unsigned long flags;	/* restart(2) flags */
	int as_nobody;		/* drop to uid/gid 65534 first */
	rlim_t nofile_max;	/* if not 0: lower RLIMIT_NOFILE (both limits) */
	int stdout_null;	/* put /dev/null on fd 1 (terminal re-attach test) */
	int (*before)(void);	/* last step before restart(2); non-zero fails */
};

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * RS_NSEC_PER_SEC + ts->tv_nsec;
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/* ------------------------------------------------------------------ */
/* The target and restored program side                                */
/* ------------------------------------------------------------------ */

static int rs_report_fd = -1;	/* the report, in the target / restored program */
static int rs_nchecks;		/* checks made so far */
static int rs_nfailed;		/* ... of which failed */
static int rs_first_failed;	/* number of the first failed check, 0 if none */

/* Append one line to the report (no malloc, no stdio). */
static inline void __attribute__((format(printf, 1, 2))) rs_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (rs_report_fd >= 0)
		write_all(rs_report_fd, buf, (size_t)n);
}

/*
 * One check of the restored state. On failure the message goes to the
 * report as "check N failed: ...". Returns ok.
 */
static inline int __attribute__((format(printf, 2, 3))) rs_check(int ok, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	rs_nchecks++;
	if (ok)
		return 1;
	rs_nfailed++;
	if (!rs_first_failed)
		rs_first_failed = rs_nchecks;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rs_say("check %d failed: %s", rs_nchecks, msg);
	return 0;
}

/* The end of a restored program: success_code or the first failed check. */
static inline void __attribute__((noreturn)) rs_done_code(int success_code)
{
	rs_say("done checks=%d failed=%d", rs_nchecks, rs_nfailed);
	if (!rs_first_failed)
		_exit(success_code);
	_exit(rs_first_failed > RS_EXIT_CHECK_MAX ? RS_EXIT_CHECK_MAX : rs_first_failed);
}

static inline void __attribute__((noreturn)) rs_done(void)
{
	rs_done_code(RS_EXIT_OK);
}

/* The target could not set itself up: say why and exit (before any checkpoint). */
static inline void __attribute__((noreturn, format(printf, 1, 2))) rs_setup_fail(const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rs_say("setup failed: %s (errno %d: %s)", msg, err, strerror(err));
	_exit(RS_EXIT_SETUP);
}

#define RS_KEEP_STDIO	0x1	/* keep the inherited fds 0-2 that are terminals */
#define RS_NO_REPORT	0x2	/* do not open the report file */

/*
 * First thing a target does: die with the test, close every inherited fd
 * but stdio, put /dev/null on stdio (RS_KEEP_STDIO: only on the fds among
 * 0-2 that are not terminals) and open the report file (not close-on-exec,
 * O_APPEND). Exits with RS_EXIT_SETUP on failure.
 */
static inline void rs_target_enter(const struct rs_test *t, int how)
{
	int null;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != t->parent ||
	    ckpt_privatize_shared())
		_exit(RS_EXIT_SETUP);
	if (close_range(3, ~0U, 0))
		_exit(RS_EXIT_SETUP);
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(RS_EXIT_SETUP);
	for (int fd = 0; fd < 3; fd++) {
		if (fd == null || ((how & RS_KEEP_STDIO) && isatty(fd)))
			continue;
		if (dup2(null, fd) != fd)
			_exit(RS_EXIT_SETUP);
	}
	if (null > 2)
		close(null);
	if (!(how & RS_NO_REPORT)) {
		rs_report_fd = open(t->report, O_WRONLY | O_APPEND);
		if (rs_report_fd < 0)
			_exit(RS_EXIT_SETUP);
	}
}

/* Stop here; returns only in a restored program. */
static inline void rs_stop_here(void)
{
	kill(getpid(), SIGSTOP);
}

/*
 * First thing a restored program does: report who it is and check what
 * every restored program must satisfy. pid0 is the pid the target had.
 */
static inline void rs_restored_begin(pid_t pid0)
{
	pid_t pid = getpid();

	rs_say("restored pid=%d ppid=%d", pid, getppid());
	if (pid == pid0) {
		rs_say("the code after the stop point ran in the original target (pid %d)", pid);
		_exit(RS_EXIT_NOT_RESTORED);
	}
	rs_check(fcntl(RS_RESTARTER_IMG_FD, F_GETFD) < 0 && errno == EBADF,
		 "the restarter's image fd %d is open in the restored task",
		 RS_RESTARTER_IMG_FD);
	rs_check(fcntl(RS_RESTARTER_DECOY_FD, F_GETFD) < 0 && errno == EBADF,
		 "the restarter's fd %d (/dev/null) is open in the restored task",
		 RS_RESTARTER_DECOY_FD);
}

/* Compare two buffers; on a difference, a check naming the first byte. */
static inline int rs_check_bytes(const void *got, const void *want, size_t len,
			  const char *what)
{
	const unsigned char *g = got, *w = want;

	for (size_t i = 0; i < len; i++)
		if (g[i] != w[i])
			return rs_check(0, "%s: byte %zu is 0x%02x, expected 0x%02x",
					what, i, g[i], w[i]);
	return rs_check(1, "%s", what);
}

/* Read a whole small file (proc) into buf with raw calls. Length or -1. */
static inline ssize_t rs_read_file(const char *path, char *buf, size_t size)
{
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (done < size - 1) {
		ssize_t n = read(fd, buf + done, size - 1 - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	buf[done] = 0;
	return (ssize_t)done;
}

/* ------------------------------------------------------------------ */
/* /proc/self/maps                                                     */
/* ------------------------------------------------------------------ */

#define RS_MAPS_MAX	512
#define RS_MAPS_PATH	112

struct rs_map {
	unsigned long start, end, off, ino;
	unsigned int maj, min;
	char perms[8];
	char path[RS_MAPS_PATH];
};

struct rs_maps {
	int n;
	struct rs_map m[RS_MAPS_MAX];
};

static char rs_maps_buf[256 * 1024];

/*
 * Parse /proc/self/maps (or another maps file) into *mm, merging adjacent
 * areas of equal permissions that are anonymous, or map one file at
 * offsets that follow (whether the kernel keeps them as one area or two
 * is not what a restart must preserve). 0 or -1.
 */
static inline int rs_maps_read(const char *file, struct rs_maps *mm)
{
	char *p, *nl;

	mm->n = 0;
	if (rs_read_file(file, rs_maps_buf, sizeof(rs_maps_buf)) <= 0)
		return -1;
	for (p = rs_maps_buf; *p; p = nl + 1) {
		struct rs_map e;
		int pos = 0;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		memset(&e, 0, sizeof(e));
		if (sscanf(p, "%lx-%lx %7s %lx %x:%x %lu %n", &e.start, &e.end,
			   e.perms, &e.off, &e.maj, &e.min, &e.ino, &pos) < 7)
			return -1;
		snprintf(e.path, sizeof(e.path), "%s", p + pos);
		if (mm->n) {
			struct rs_map *prev = &mm->m[mm->n - 1];
			/* The heap is anonymous memory too, named by brk */
			int anon = (!e.path[0] || !strcmp(e.path, "[heap]")) &&
				   (!prev->path[0] ||
				    !strcmp(prev->path, "[heap]")) &&
				   !e.ino && !prev->ino;
			/* One file mapped on: same file, offsets that follow */
			int file = e.ino && prev->ino == e.ino &&
				   prev->maj == e.maj && prev->min == e.min &&
				   !strcmp(prev->path, e.path) &&
				   prev->off + (prev->end - prev->start) == e.off;

			if ((anon || file) && prev->end == e.start &&
			    !strcmp(prev->perms, e.perms)) {
				prev->end = e.end;
				if (anon && e.path[0])
					strcpy(prev->path, e.path);
				continue;
			}
		}
		if (mm->n == RS_MAPS_MAX)
			return -1;
		mm->m[mm->n++] = e;
	}
	return 0;
}

/* The area holding addr, or NULL. */
static inline const struct rs_map *rs_maps_find(const struct rs_maps *mm, unsigned long addr)
{
	for (int i = 0; i < mm->n; i++)
		if (addr >= mm->m[i].start && addr < mm->m[i].end)
			return &mm->m[i];
	return NULL;
}

static inline void rs_map_str(const struct rs_map *e, char *buf, size_t size)
{
	snprintf(buf, size, "%lx-%lx %s %08lx %02x:%02x %lu %s", e->start, e->end,
		 e->perms, e->off, e->maj, e->min, e->ino, e->path);
}

/*
 * Is the area a restored copy of the original? Anonymous and deleted
 * (shared anonymous) areas get new inodes; the main stack may have grown
 * downwards by the time it is read again.
 */
static inline int rs_map_same(const struct rs_map *a, const struct rs_map *b)
{
	int anon = !a->path[0] || strstr(a->path, "(deleted)");

	if (strcmp(a->path, b->path) || strcmp(a->perms, b->perms) || a->end != b->end)
		return 0;
	if (a->start != b->start && strcmp(a->path, "[stack]"))
		return 0;
	if (anon)
		return 1;
	return a->off == b->off && a->maj == b->maj && a->min == b->min &&
	       a->ino == b->ino;
}

/* Check that two address space listings match, area by area. */
static inline int rs_check_maps(const struct rs_maps *before, const struct rs_maps *after)
{
	char a[256], b[256];
	int i;

	for (i = 0; i < before->n && i < after->n; i++) {
		if (!rs_map_same(&before->m[i], &after->m[i])) {
			rs_map_str(&before->m[i], a, sizeof(a));
			rs_map_str(&after->m[i], b, sizeof(b));
			return rs_check(0, "/proc/self/maps area %d differs: was \"%s\", now \"%s\"",
					i, a, b);
		}
	}
	if (i < before->n) {
		rs_map_str(&before->m[i], a, sizeof(a));
		return rs_check(0, "/proc/self/maps: %d areas, was %d; first missing \"%s\"",
				after->n, before->n, a);
	}
	if (i < after->n) {
		rs_map_str(&after->m[i], b, sizeof(b));
		return rs_check(0, "/proc/self/maps: %d areas, was %d; first extra \"%s\"",
				after->n, before->n, b);
	}
	return rs_check(1, "maps");
}

/* ------------------------------------------------------------------ */
/* The test process side                                               */
/* ------------------------------------------------------------------ */

static inline int rs_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* A private directory, an empty report file and a memfd for the image. */
static inline void rs_init(struct __test_metadata *_metadata, struct rs_test *t)
{
	int fd;

	memset(t, 0, sizeof(*t));
	t->img = -1;
	t->parent = getpid();
	snprintf(t->dir, sizeof(t->dir), "/tmp/ckpt_rs.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(t->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	snprintf(t->report, sizeof(t->report), "%s/report", t->dir);
	fd = open(t->report, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", t->report, strerror(errno));
	close(fd);
	t->img = memfd_create("ckpt_rs_image", MFD_CLOEXEC);
	ASSERT_LE(0, t->img) TH_LOG("memfd_create: %s", strerror(errno));
}

/* Kill what is left, remove the directory. Idempotent. */
static inline void rs_cleanup(struct rs_test *t)
{
	reap_kill(&t->target);
	reap_kill(&t->restarter);
	if (t->img >= 0)
		close(t->img);
	t->img = -1;
	if (t->dir[0])
		nftw(t->dir, rs_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	t->dir[0] = 0;
}

/* dir/name into buf */
static inline const char *rs_path(const struct rs_test *t, const char *name,
				  char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", t->dir, name);
	return buf;
}

/* Read the report file into t->text (empty string if none). */
static inline void rs_read_report_file(struct rs_test *t, const char *path)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	t->text[0] = 0;
	if (fd >= 0) {
		n = pread(fd, t->text, sizeof(t->text) - 1, 0);
		close(fd);
	}
	t->text[n > 0 ? n : 0] = 0;
}

static inline void rs_read_report(struct rs_test *t)
{
	rs_read_report_file(t, t->report);
}

/* Print the report, one TAP comment line per line. */
static inline void rs_log_report(struct __test_metadata *_metadata, const struct rs_test *t)
{
	const char *p = t->text;

	if (!*p) {
		TH_LOG("report: (empty)");
		return;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		TH_LOG("report: %.*s", len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* Fork a target running fn(t, arg); fn never returns. */
typedef void (*rs_target_fn)(const struct rs_test *t, const void *arg);

static inline void rs_spawn(struct __test_metadata *_metadata, struct rs_test *t,
		     rs_target_fn fn, const void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(t, arg);
		_exit(RS_EXIT_SETUP);
	}
	t->target = t->target_pid = pid;
}

/* Describe a wait status. */
static inline const char *rs_status_str(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		snprintf(buf, size, "stopped by signal %d", WSTOPSIG(status));
	else
		snprintf(buf, size, "wait status 0x%x", status);
	return buf;
}

/* Wait until the target stopped itself with SIGSTOP. */
static inline void rs_wait_stopped(struct __test_metadata *_metadata, struct rs_test *t)
{
	int status = 0, waited;
	pid_t r = 0;
	char s[96];

	for (waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		r = waitpid(t->target, &status, WUNTRACED | WNOHANG);
		if (r != 0)
			break;
		ckpt_msleep(2);
	}
	ASSERT_EQ(t->target, r) TH_LOG("target %d did not stop within %d ms", t->target,
				       CKPT_WAIT_MS);
	if (!WIFSTOPPED(status)) {
		t->target = 0;
		rs_read_report(t);
	}
	ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP) {
		TH_LOG("target %d did not stop itself: %s (98: setup failed)",
		       t->target_pid, rs_status_str(status, s, sizeof(s)));
		rs_log_report(_metadata, t);
	}
}

/* Reads the message of the image's error record, if any, into msg. */
static inline void rs_image_error(int fd, char *msg, size_t size)
{
	off_t off = 0, end = fd_size(fd);
	struct ckpt_hdr h;

	snprintf(msg, size, "(no error record in the image)");
	while (end > 0 && off + (off_t)sizeof(h) <= end) {
		if (pread(fd, &h, sizeof(h), off) != (ssize_t)sizeof(h) || h.len < sizeof(h))
			return;
		if (h.type == CKPT_HDR_ERROR && h.len > sizeof(struct ckpt_hdr_error)) {
			size_t n = h.len - sizeof(struct ckpt_hdr_error);
			struct ckpt_hdr_error e;
			ssize_t got;

			if (pread(fd, &e, sizeof(e), off) != (ssize_t)sizeof(e))
				return;
			if (n > size - 1)
				n = size - 1;
			got = pread(fd, msg, n, off + (off_t)sizeof(e));
			msg[got > 0 ? got : 0] = 0;
			return;
		}
		off += (off_t)CKPT_ALIGN8(h.len);
	}
}

/*
 * Walk the image of a successful checkpoint of the subtree of pid: a
 * header with the right id, pid and flags, the arch record, a tree of one
 * task, pid, the root, one task record, one ITIMERS record right after
 * the two SIGPENDING records and right before SYSCALL_RESTART, no error
 * record, a trailer with the same id counting the records before it,
 * nothing after it.
 */
static inline void rs_check_image(struct __test_metadata *_metadata, int fd, long id,
			   pid_t pid)
{
	off_t off = 0, end = fd_size(fd);
	uint32_t nr = 0, ntask = 0, ntree = 0, nitimers = 0;
	uint32_t prev = 0, prev2 = 0;	/* types of the two records before */
	int trailer = 0;
	struct ckpt_hdr h;

	ASSERT_LT(0, end) TH_LOG("the image is empty");
	while (off < end) {
		ASSERT_EQ((ssize_t)sizeof(h), pread(fd, &h, sizeof(h), off))
			TH_LOG("record %u at offset %lld: truncated", nr, (long long)off);
		ASSERT_LE(sizeof(h), h.len)
			TH_LOG("record %u (type %u) at offset %lld: length %u", nr, h.type,
			       (long long)off, h.len);
		ASSERT_LE(off + (off_t)h.len, end)
			TH_LOG("record %u (type %u) at offset %lld: length %u runs past the end %lld",
			       nr, h.type, (long long)off, h.len, (long long)end);
		ASSERT_NE((uint32_t)CKPT_HDR_ERROR, h.type) {
			char msg[CKPT_ERROR_MSG_MAX + 1];

			rs_image_error(fd, msg, sizeof(msg));
			TH_LOG("error record %u in the image of a successful checkpoint: %s",
			       nr, msg);
		}
		if (nr == 0) {
			struct ckpt_hdr_header hh;

			ASSERT_EQ((uint32_t)CKPT_HDR_HEADER, h.type);
			ASSERT_EQ(sizeof(hh), h.len);
			ASSERT_EQ((ssize_t)sizeof(hh), pread(fd, &hh, sizeof(hh), off));
			EXPECT_EQ(CKPT_MAGIC_HEAD, hh.magic);
			EXPECT_EQ((uint64_t)id, hh.ckpt_id)
				TH_LOG("header ckpt_id %llu, checkpoint returned %ld",
				       (unsigned long long)hh.ckpt_id, id);
			EXPECT_EQ(pid, hh.root_pid);
			EXPECT_EQ(CHECKPOINT_SUBTREE, hh.flags);
		} else if (nr == 1) {
			ASSERT_EQ((uint32_t)CKPT_HDR_HEADER_ARCH, h.type);
		} else if (nr == 2) {
			struct ckpt_hdr_tree tr;
			struct ckpt_tree_task k;

			ASSERT_EQ((uint32_t)CKPT_HDR_TREE, h.type)
				TH_LOG("record 2 is of type %u, not the tree", h.type);
			ASSERT_EQ(sizeof(tr) + sizeof(k), h.len)
				TH_LOG("the tree of a single task has %u bytes", h.len);
			ASSERT_EQ((ssize_t)sizeof(tr), pread(fd, &tr, sizeof(tr), off));
			ASSERT_EQ((ssize_t)sizeof(k), pread(fd, &k, sizeof(k),
							    off + (off_t)sizeof(tr)));
			EXPECT_EQ(1U, tr.nr_tasks);
			EXPECT_EQ(0U, tr.flags);
			EXPECT_EQ(pid, k.pid);
			EXPECT_EQ(pid, k.tgid);
			EXPECT_EQ(0, k.ppid);
		}
		if (h.type == CKPT_HDR_TREE)
			ntree++;
		if (h.type == CKPT_HDR_TASK)
			ntask++;
		if (h.type == CKPT_HDR_ITIMERS) {
			nitimers++;
			ASSERT_TRUE(prev == CKPT_HDR_SIGPENDING && prev2 == CKPT_HDR_SIGPENDING)
				TH_LOG("ITIMERS record %u after %s and %s, not the two SIGPENDING",
				       nr, ckpt_type_name(prev2), ckpt_type_name(prev));
			ASSERT_EQ(sizeof(struct ckpt_hdr_itimers), h.len)
				TH_LOG("ITIMERS record %u of %u bytes", nr, h.len);
		}
		if (h.type == CKPT_HDR_SYSCALL_RESTART) {
			ASSERT_TRUE(prev == CKPT_HDR_ITIMERS || prev == CKPT_HDR_POSIX_TIMERS)
				TH_LOG("SYSCALL_RESTART record %u after %s, not ITIMERS or"
				       " POSIX_TIMERS", nr, ckpt_type_name(prev));
		}
		if (h.type == CKPT_HDR_POSIX_TIMERS) {
			ASSERT_EQ((uint32_t)CKPT_HDR_ITIMERS, prev)
				TH_LOG("POSIX_TIMERS record %u after %s, not ITIMERS", nr,
				       ckpt_type_name(prev));
		}
		prev2 = prev;
		prev = h.type;
		if (h.type == CKPT_HDR_TRAILER) {
			struct ckpt_hdr_trailer tr;

			ASSERT_EQ(sizeof(tr), h.len);
			ASSERT_EQ((ssize_t)sizeof(tr), pread(fd, &tr, sizeof(tr), off));
			EXPECT_EQ(CKPT_MAGIC_TAIL, tr.magic);
			EXPECT_EQ((uint64_t)id, tr.ckpt_id);
			EXPECT_EQ(nr, tr.nr_records)
				TH_LOG("trailer counts %u records, the image has %u before it",
				       tr.nr_records, nr);
			EXPECT_EQ(end, off + (off_t)CKPT_ALIGN8(h.len))
				TH_LOG("%lld bytes after the trailer",
				       (long long)(end - off - (off_t)CKPT_ALIGN8(h.len)));
			trailer = 1;
			break;
		}
		off += (off_t)CKPT_ALIGN8(h.len);
		nr++;
	}
	ASSERT_TRUE(trailer) TH_LOG("no trailer in the image (%u records)", nr);
	EXPECT_EQ(1U, ntree) TH_LOG("%u tree records", ntree);
	EXPECT_EQ(1U, ntask) TH_LOG("%u task records", ntask);
	EXPECT_EQ(1U, nitimers) TH_LOG("%u ITIMERS records", nitimers);
}

/*
 * checkpoint(pid, t->img, CHECKPOINT_SUBTREE) must succeed with a positive
 * id and write a well-formed image.
 */
static inline void rs_checkpoint_pid(struct __test_metadata *_metadata, struct rs_test *t,
			      pid_t pid)
{
	char msg[CKPT_ERROR_MSG_MAX + 1];

	ASSERT_EQ(0, ftruncate(t->img, 0));
	ASSERT_EQ(0, lseek(t->img, 0, SEEK_SET));
	t->ckpt_id = sys_checkpoint(pid, t->img, CHECKPOINT_SUBTREE);
	clock_gettime(CLOCK_MONOTONIC, &t->t_ckpt);
	if (t->ckpt_id <= 0)
		rs_image_error(t->img, msg, sizeof(msg));
	ASSERT_LT(0, t->ckpt_id) TH_LOG("checkpoint(%d): %s; image: %s", pid,
					t->ckpt_id < 0 ? strerror((int)-t->ckpt_id) :
					"returned 0", msg);
	EXPECT_EQ(fd_size(t->img), fd_pos(t->img))
		TH_LOG("the image fd offset is not at the end of the image");
	rs_check_image(_metadata, t->img, t->ckpt_id, pid);
}

/* Checkpoint the stopped target, then kill and reap it. */
static inline void rs_checkpoint_kill(struct __test_metadata *_metadata, struct rs_test *t)
{
	rs_checkpoint_pid(_metadata, t, t->target);
	reap_kill(&t->target);
}

/* The restarter: never returns. */
static inline void __attribute__((noreturn))
rs_restarter(const struct rs_test *t, int img, const struct rs_restart_opts *o)
{
	static char altstack[16384];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigset_t set;
	int fd;
	long r;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != t->parent)
		_exit(RS_EXIT_RESTARTER);
	/* decoys: none of this may survive the restart */
	if (dup2(img, RS_RESTARTER_IMG_FD) != RS_RESTARTER_IMG_FD)
		_exit(RS_EXIT_RESTARTER);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, RS_RESTARTER_DECOY_FD) != RS_RESTARTER_DECOY_FD)
		_exit(RS_EXIT_RESTARTER);
	close(fd);
	if (o && o->stdout_null && dup2(RS_RESTARTER_DECOY_FD, 1) != 1)
		_exit(RS_EXIT_RESTARTER);
	if (chdir("/"))
		_exit(RS_EXIT_RESTARTER);
	umask(0077);
	signal(SIGPROF, SIG_IGN);
	signal(SIGVTALRM, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaltstack(&ss, NULL);
	prctl(PR_SET_NAME, "rs-restarter");
	if (o && o->as_nobody) {
		if (setgroups(0, NULL) || setresgid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY) ||
		    setresuid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY))
			_exit(RS_EXIT_RESTARTER);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != t->parent)
			_exit(RS_EXIT_RESTARTER);
	}
	if (o && o->nofile_max) {
		struct rlimit rl = { o->nofile_max, o->nofile_max };

		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(RS_EXIT_RESTARTER);
	}
	if (lseek(RS_RESTARTER_IMG_FD, 0, SEEK_SET) != 0)
		_exit(RS_EXIT_RESTARTER);
	if (o && o->before && o->before())
		_exit(RS_EXIT_RESTARTER);
	r = syscall(__NR_restart, 0L, (long)RS_RESTARTER_IMG_FD, o ? o->flags : 0UL);
	if (r >= 0)
		_exit(RS_EXIT_RESTART_RET);
	_exit(RS_EXIT_RESTART_ERR + (errno < 150 ? errno : 149));
}

/* Fork a restarter on image fd img. */
static inline void rs_restart_fd(struct __test_metadata *_metadata, struct rs_test *t, int img,
			  const struct rs_restart_opts *o)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &t->t_restart);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0)
		rs_restarter(t, img, o);
	t->restarter = t->restarter_pid = pid;
}

static inline void rs_restart(struct __test_metadata *_metadata, struct rs_test *t,
		       const struct rs_restart_opts *o)
{
	rs_restart_fd(_metadata, t, t->img, o);
}

/* Wait for the restarter (or restored program) to end; read the report. */
static inline void rs_wait_restarter(struct __test_metadata *_metadata, struct rs_test *t, int ms)
{
	int status = 0;

	if (wait_bounded(t->restarter, &status, ms)) {
		reap_kill(&t->restarter);
		rs_read_report(t);
		ASSERT_TRUE(0) {
			TH_LOG("restarter %d did not end within %d ms (killed)",
			       t->restarter_pid, ms);
			rs_log_report(_metadata, t);
		}
	}
	t->restarter = 0;
	t->status = status;
	rs_read_report(t);
}

/* What an exit status of a restarter means. */
static inline const char *rs_exit_meaning(int status, char *buf, size_t size)
{
	int code;

	if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)),
			 WTERMSIG(status) == SIGKILL ?
			 ": restart failed after the point of no return? (see the kernel log)" :
			 ": the restored program crashed");
		return buf;
	}
	if (!WIFEXITED(status))
		return rs_status_str(status, buf, size);
	code = WEXITSTATUS(status);
	if (code == 0)
		snprintf(buf, size, "exit 0: restored, all checks passed");
	else if (code <= RS_EXIT_CHECK_MAX)
		snprintf(buf, size, "exit %d: restored, check %d failed", code, code);
	else if (code == RS_EXIT_NOT_RESTORED)
		snprintf(buf, size, "exit %d: the original target went past its stop point", code);
	else if (code == RS_EXIT_SETUP)
		snprintf(buf, size, "exit %d: setup failed", code);
	else if (code == RS_EXIT_RESTART_RET)
		snprintf(buf, size, "exit %d: restart(2) returned instead of resuming the image", code);
	else if (code >= RS_EXIT_RESTART_ERR && code < RS_EXIT_RESTARTER)
		snprintf(buf, size, "exit %d: restart(2) failed: %s", code,
			 strerror(code - RS_EXIT_RESTART_ERR));
	else if (code == RS_EXIT_RESTARTER)
		snprintf(buf, size, "exit %d: the restarter could not set itself up", code);
	else
		snprintf(buf, size, "exit %d", code);
	return buf;
}

/*
 * The restored program must have exited with code and (for a program that
 * uses the report) written "restored pid=<restarter> ppid=<us>" first and
 * "done ... failed=0" last.
 */
static inline void rs_expect_exit(struct __test_metadata *_metadata, struct rs_test *t, int code,
			   int check_report)
{
	int pid = -1, ppid = -1;
	char s[256];

	ASSERT_TRUE(WIFEXITED(t->status) && WEXITSTATUS(t->status) == code) {
		TH_LOG("restarter %d: %s; expected exit %d", t->restarter_pid,
		       rs_exit_meaning(t->status, s, sizeof(s)), code);
		rs_log_report(_metadata, t);
	}
	if (!check_report)
		return;
	ASSERT_EQ(2, sscanf(t->text, "restored pid=%d ppid=%d", &pid, &ppid)) {
		TH_LOG("the report does not start with \"restored pid=...\"");
		rs_log_report(_metadata, t);
	}
	EXPECT_EQ(t->restarter_pid, pid)
		TH_LOG("the restored task runs as pid %d, its restarter was %d", pid,
		       t->restarter_pid);
	EXPECT_EQ(getpid(), ppid)
		TH_LOG("the restored task's parent is %d, expected %d (its restarter's)",
		       ppid, getpid());
	ASSERT_NE(NULL, strstr(t->text, "\ndone checks=")) {
		TH_LOG("the restored program did not finish its checks");
		rs_log_report(_metadata, t);
	}
	EXPECT_NE(NULL, strstr(t->text, " failed=0\n")) rs_log_report(_metadata, t);
}

static inline void rs_expect_restored(struct __test_metadata *_metadata, struct rs_test *t)
{
	rs_expect_exit(_metadata, t, RS_EXIT_OK, 1);
}

/* Restart must fail with err (the restarter exits 100 + err). */
static inline void rs_expect_restart_error(struct __test_metadata *_metadata, struct rs_test *t,
				    int err)
{
	char s[256];

	ASSERT_TRUE(WIFEXITED(t->status) &&
		    WEXITSTATUS(t->status) == RS_EXIT_RESTART_ERR + err) {
		TH_LOG("restarter %d: %s; expected restart(2) to fail with %s",
		       t->restarter_pid, rs_exit_meaning(t->status, s, sizeof(s)),
		       strerror(err));
		rs_log_report(_metadata, t);
	}
}

/*
 * The whole pattern for a target that stops itself: spawn, wait for the
 * stop, checkpoint, kill, restart (with options o, may be NULL), wait up
 * to wait_ms, expect a clean report.
 */
static inline void rs_run_opts(struct __test_metadata *_metadata, struct rs_test *t,
			       rs_target_fn fn, const void *arg,
			       const struct rs_restart_opts *o, int wait_ms)
{
	rs_spawn(_metadata, t, fn, arg);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);
	rs_restart(_metadata, t, o);
	rs_wait_restarter(_metadata, t, wait_ms);
	rs_expect_restored(_metadata, t);
}

static inline void rs_run(struct __test_metadata *_metadata, struct rs_test *t,
		   rs_target_fn fn, const void *arg)
{
	rs_run_opts(_metadata, t, fn, arg, NULL, RS_WAIT_MS);
}

/*
 * Runs mktree -d on the image t->img, from the file or through a pipe
 * (pipe_in, the trailer held back hold_ms if not 0), with --pidns if
 * asked; returns its exit status, *root the pid it printed, err what it
 * said on stderr.
 */
static inline int rs_mktree_held(const struct rs_test *t, bool pipe_in, bool pidns,
				 unsigned int hold_ms, pid_t *root, char *err, size_t errsz)
{
	int out[2], errp[2], in = -1, status;
	pid_t feeder = 0, pid;
	unsigned char *img = NULL;
	char path[64], buf[64];
	size_t len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", getpid(), t->img);
	if (pipe_in) {
		if (lseek(t->img, 0, SEEK_SET) || fd_slurp(t->img, &img, &len))
			return -1;
		in = feeder_spawn_held(img, len, 4096, sizeof(struct ckpt_hdr_trailer),
				       hold_ms, &feeder);
		if (in < 0)
			return -1;
	}
	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(errp[1], 2);
		if (pipe_in) {
			dup2(in, 0);
			execlp("mktree", "mktree", "-d", NULL);
		} else {
			execlp("mktree", "mktree", "-d", "-i", path,
			       pidns ? "--pidns" : NULL, NULL);
		}
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	if (in >= 0)
		close(in);
	n = read(out[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	*root = atoi(buf);
	n = read(errp[0], err, errsz - 1);
	err[n > 0 ? n : 0] = 0;
	close(out[0]);
	close(errp[0]);
	if (wait_bounded(pid, &status, RS_WAIT_MS))
		status = -1;
	if (feeder)
		reap_exit_status(&feeder);
	free(img);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline int rs_mktree(const struct rs_test *t, bool pipe_in, bool pidns, pid_t *root,
			    char *err, size_t errsz)
{
	return rs_mktree_held(t, pipe_in, pidns, 0, root, err, errsz);
}

/* ------------------------------------------------------------------ */
/* The cgroup v2 freezer                                               */
/* ------------------------------------------------------------------ */

struct rs_cgroup {
	char path[128];
};

static inline int rs_cg_write(const struct rs_cgroup *cg, const char *file, const char *val)
{
	char path[192];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		r = -errno;
	close(fd);
	return r;
}

/* Create our cgroup under /sys/fs/cgroup (cgroup v2). 0 or -errno. */
static inline int rs_cg_create(struct rs_cgroup *cg, const char *name)
{
	char path[192];

	cg->path[0] = 0;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		return -errno;
	snprintf(cg->path, sizeof(cg->path), "/sys/fs/cgroup/%s.%d", name, getpid());
	if (mkdir(cg->path, 0755)) {
		int err = -errno;

		cg->path[0] = 0;
		return err;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->path);
	return access(path, F_OK) ? -errno : 0;
}

/* 1 / 0: "frozen" in cgroup.events, -1 on error */
static inline int rs_cg_frozen(const struct rs_cgroup *cg)
{
	char path[192], buf[256], *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg->path);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "frozen ");
	return p ? p[7] == '1' : -1;
}

/* Move pid into the cgroup and freeze it. 0 or -errno. */
static inline int rs_cg_freeze_pid(const struct rs_cgroup *cg, pid_t pid)
{
	char buf[24];
	int r;

	snprintf(buf, sizeof(buf), "%d", pid);
	r = rs_cg_write(cg, "cgroup.procs", buf);
	if (!r)
		r = rs_cg_write(cg, "cgroup.freeze", "1");
	for (int waited = 0; !r && waited < CKPT_WAIT_MS; waited += 2) {
		if (rs_cg_frozen(cg) == 1)
			return 0;
		ckpt_msleep(2);
	}
	return r ? r : -ETIMEDOUT;
}

/* Remove the cgroup (its tasks must be dead). Idempotent. */
static inline void rs_cg_remove(struct rs_cgroup *cg)
{
	if (!cg->path[0])
		return;
	for (int waited = 0; rmdir(cg->path) && errno == EBUSY && waited < CKPT_WAIT_MS;
	     waited += 5)
		ckpt_msleep(5);
	cg->path[0] = 0;
}

/* ------------------------------------------------------------------ */
/* Raw signal state (the kernel's view, glibc's own signals included)  */
/* ------------------------------------------------------------------ */

struct rs_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static inline int rs_get_sigaction(int sig, struct rs_ksigaction *ka)
{
	memset(ka, 0, sizeof(*ka));
	return (int)syscall(SYS_rt_sigaction, sig, NULL, ka, 8);
}

static inline uint64_t rs_blocked(void)
{
	uint64_t set = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &set, 8);
	return set;
}

static inline uint64_t rs_sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/* ------------------------------------------------------------------ */
/* /proc/<pid>/                                                        */
/* ------------------------------------------------------------------ */

/* The system call number pid is blocked in (/proc/pid/syscall), or -1. */
static inline long rs_proc_syscall(pid_t pid)
{
	char path[64], buf[256];
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "%ld", &nr) != 1)
		return -1;
	return nr;
}

/* /proc/pid/comm without the newline; "" if gone. */
static inline void rs_proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	char *nl;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_small_file(path, buf, size) < 0) {
		buf[0] = 0;
		return;
	}
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
}

#endif /* CKPT_RESTART_H */
