/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the checkpoint/restart selftests: system call
 * wrappers, an image record builder, an image checker, and helpers to run
 * and control child processes (targets, pipe feeders, pipe drainers).
 *
 * Conventions:
 *  - sys_checkpoint()/sys_restart() return -errno on failure, so a test can
 *    assert the exact errno with one ASSERT_EQ(-EXXX, ...).
 *  - Every child sets PR_SET_PDEATHSIG(SIGKILL), so nothing outlives the
 *    test process even when an ASSERT aborts it; fixtures also kill and reap
 *    their children in teardown.
 *  - Waits are bounded (CKPT_WAIT_MS); the harness timeout is the backstop.
 */
#ifndef CKPT_TEST_H
#define CKPT_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/checkpoint.h>

/*
 * The 6.12 harness is not -Wextra clean: its signal handler and the
 * functions TEST()/FIXTURE_*() expand to have unused parameters, and
 * TEST_F()'s wrapper keeps `child` across setjmp() (-Wclobbered). The
 * latter is a real harness bug: at -O2 a failed ASSERT in a TEST_F() body
 * skips FIXTURE_TEARDOWN(). So these tests never depend on teardown for
 * cleanup: every child dies with its parent (PR_SET_PDEATHSIG), temporary
 * files are unlinked as soon as they are open, and the one test with
 * global state (a cgroup) cleans up before it asserts.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#ifndef __NR_checkpoint
#define __NR_checkpoint 463
#endif
#ifndef __NR_restart
#define __NR_restart 464
#endif

/* The on-disk layout of format version 1 (x86_64). */
#if CKPT_FORMAT_VERSION == 1
_Static_assert(sizeof(struct ckpt_hdr) == 8, "ckpt_hdr layout");
_Static_assert(sizeof(struct ckpt_hdr_header) == 392, "ckpt_hdr_header layout");
_Static_assert(sizeof(struct ckpt_hdr_header_arch_x86_64) == 24,
	       "ckpt_hdr_header_arch_x86_64 layout");
_Static_assert(sizeof(struct ckpt_hdr_error) == 16, "ckpt_hdr_error layout");
_Static_assert(sizeof(struct ckpt_hdr_trailer) == 32, "ckpt_hdr_trailer layout");
#endif

#define CKPT_WAIT_MS		10000	/* bound on any wait for a child */
#define CKPT_QUIET_MS		300	/* "nothing happens" observation window */
#define CKPT_NOBODY		65534

#define CKPT_ALIGN8(x)		(((x) + (size_t)7) & ~(size_t)7)

/* ------------------------------------------------------------------ */
/* System calls                                                        */
/* ------------------------------------------------------------------ */

static inline long sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	long r = syscall(__NR_checkpoint, (long)pid, (long)fd, flags);

	return r < 0 ? -errno : r;
}

static inline long sys_restart(pid_t pid, int fd, unsigned long flags)
{
	long r = syscall(__NR_restart, (long)pid, (long)fd, flags);

	return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */
/* ------------------------------------------------------------------ */

static inline void ckpt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A memfd holding buf[0..len), positioned at 0. Returns the fd or -1. */
static inline int memfd_with(const void *buf, size_t len)
{
	int fd = memfd_create("ckpt_test", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((len && write_all(fd, buf, len)) || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline off_t fd_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static inline off_t fd_pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/*
 * The whole content of a regular file / memfd (read with pread, the file
 * position is left alone). *buf is malloc()ed (at least 1 byte). 0 or -1.
 */
static inline int fd_slurp(int fd, unsigned char **buf, size_t *len)
{
	off_t size = fd_size(fd);
	size_t done = 0;

	*buf = NULL;
	*len = 0;
	if (size < 0)
		return -1;
	*buf = malloc((size_t)size + 1);
	if (!*buf)
		return -1;
	while (done < (size_t)size) {
		ssize_t n = pread(fd, *buf + done, (size_t)size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	*len = done;
	return done == (size_t)size ? 0 : -1;
}

/* A pid that cannot exist: pids are always below pid_max. */
static inline pid_t unused_pid(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v > 0 ? v : INT_MAX;
}

/*
 * Read the start of a small file (proc, cgroup) into buf as a string.
 * Returns its length, or -1 if it cannot be read or is empty.
 */
static inline ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Scheduler state letter of pid from /proc/<pid>/stat, or 0. */
static inline char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/*
 * Read one byte from fd, waiting at most ms. 1: got it, 0: timed out,
 * -1: EOF or error.
 */
static inline int read_byte_timeout(int fd, char *c, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, ms);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		return -1;
	return read(fd, c, 1) == 1 ? 1 : -1;
}

/* waitpid with a bound. 0 and *status set, or -1 (timeout or error). */
static inline int wait_bounded(pid_t pid, int *status, int ms)
{
	for (int waited = 0;; waited += 5) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= ms)
			return -1;
		ckpt_msleep(5);
	}
}

/* Kill (if still there) and reap a child we forked. *pid is cleared. */
static inline void reap_kill(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

/* Exit status of a child that should exit by itself, or -1. *pid cleared. */
static inline int reap_exit_status(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return -1;
	if (wait_bounded(*pid, &status, CKPT_WAIT_MS)) {
		reap_kill(pid);
		return -1;
	}
	*pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a fresh child: die with the parent. Returns 0 if the parent is alive. */
static inline int child_tie_to_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -1;
	return getppid() == parent ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Target children                                                     */
/* ------------------------------------------------------------------ */

enum ckpt_child_mode {
	CHILD_BLOCK,	/* sleeps in read() on the control pipe: state S */
	CHILD_SPIN,	/* busy-polls the control pipe: state R */
};

#define CHILD_EXIT_OK		42	/* got 'g', replied 'c' */
#define CHILD_EXIT_EOF		43	/* control pipe closed */

/*
 * A target process. The parent writes 'g' on ctl; the child then writes
 * 'c' on rep and exits with CHILD_EXIT_OK. Before that it writes 'R' once
 * set up. So "the child still runs" is: send 'g', see 'c', reap 42.
 */
struct ckpt_child {
	pid_t pid;
	int ctl;	/* parent's write end of the control pipe */
	int rep;	/* parent's read end of the reply pipe */
};

static inline void child_init(struct ckpt_child *c)
{
	c->pid = 0;
	c->ctl = -1;
	c->rep = -1;
}

static inline void __attribute__((noreturn))
child_body(int ctl, int rep, enum ckpt_child_mode mode)
{
	char ch = 0;
	ssize_t n;

	if (write(rep, "R", 1) != 1)
		_exit(1);
	if (mode == CHILD_SPIN) {
		if (fcntl(ctl, F_SETFL, O_NONBLOCK))
			_exit(1);
		for (;;) {
			n = read(ctl, &ch, 1);
			if (n >= 0 || (errno != EAGAIN && errno != EINTR))
				break;
		}
	} else {
		do {
			n = read(ctl, &ch, 1);
		} while (n < 0 && errno == EINTR);
	}
	if (n == 1 && ch == 'g') {
		if (write(rep, "c", 1) != 1)
			_exit(1);
		_exit(CHILD_EXIT_OK);
	}
	_exit(CHILD_EXIT_EOF);
}

/* Fork a target and wait until it is set up. 0 or -1. */
static inline int child_spawn(struct ckpt_child *c, enum ckpt_child_mode mode)
{
	int ctl[2], rep[2];
	pid_t parent = getpid();
	char ch;

	child_init(c);
	if (pipe2(ctl, O_CLOEXEC))
		return -1;
	if (pipe2(rep, O_CLOEXEC)) {
		close(ctl[0]);
		close(ctl[1]);
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		close(ctl[0]);
		close(ctl[1]);
		close(rep[0]);
		close(rep[1]);
		return -1;
	}
	if (c->pid == 0) {
		if (child_tie_to_parent(parent))
			_exit(1);
		close(ctl[1]);
		close(rep[0]);
		child_body(ctl[0], rep[1], mode);
	}
	close(ctl[0]);
	close(rep[1]);
	c->ctl = ctl[1];
	c->rep = rep[0];
	if (read_byte_timeout(c->rep, &ch, CKPT_WAIT_MS) != 1 || ch != 'R')
		return -1;
	return 0;
}

/* SIGSTOP the child and wait until it is reported stopped. 0 or -1. */
static inline int child_stop(struct ckpt_child *c)
{
	int status;

	if (kill(c->pid, SIGSTOP))
		return -1;
	if (waitpid(c->pid, &status, WUNTRACED) != c->pid)
		return -1;
	return WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP ? 0 : -1;
}

/* SIGCONT the child and wait until it is reported continued. 0 or -1. */
static inline int child_cont(struct ckpt_child *c)
{
	int status;

	if (kill(c->pid, SIGCONT))
		return -1;
	if (waitpid(c->pid, &status, WCONTINUED) != c->pid)
		return -1;
	return WIFCONTINUED(status) ? 0 : -1;
}

/* Ask the child to reply and exit: send 'g'. 0 or -1. */
static inline int child_poke(struct ckpt_child *c)
{
	return write(c->ctl, "g", 1) == 1 ? 0 : -1;
}

/* 1: the child replied 'c' within ms, 0: silent, -1: EOF or error. */
static inline int child_replied(struct ckpt_child *c, int ms)
{
	char ch;
	int r = read_byte_timeout(c->rep, &ch, ms);

	if (r == 1)
		return ch == 'c' ? 1 : -1;
	return r;
}

static inline void child_kill(struct ckpt_child *c)
{
	reap_kill(&c->pid);
	if (c->ctl >= 0)
		close(c->ctl);
	if (c->rep >= 0)
		close(c->rep);
	c->ctl = c->rep = -1;
}

/* ------------------------------------------------------------------ */
/* Pipe feeder (for restart) and pipe drainer (for checkpoint)         */
/* ------------------------------------------------------------------ */

/*
 * Fork a writer that feeds buf[0..len) into a new pipe in pieces of chunk
 * bytes (0: one write) and exits 0 (also when the reader went away early).
 * Returns the read end; the parent holds no write end, so the reader sees
 * EOF after the last byte. -1 on error.
 */
static inline int feeder_spawn(const void *buf, size_t len, size_t chunk,
			       pid_t *pid)
{
	pid_t parent = getpid();
	int p[2];

	*pid = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	*pid = fork();
	if (*pid < 0) {
		*pid = 0;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (*pid == 0) {
		const unsigned char *b = buf;
		size_t off = 0;

		if (child_tie_to_parent(parent))
			_exit(1);
		signal(SIGPIPE, SIG_IGN);
		close(p[0]);
		while (off < len) {
			size_t n = chunk ? chunk : len - off;

			if (n > len - off)
				n = len - off;
			if (write_all(p[1], b + off, n))
				_exit(errno == EPIPE ? 0 : 1);
			off += n;
			if (chunk)
				sched_yield();
		}
		close(p[1]);
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/*
 * Fork a reader that copies everything from the pipe p (until EOF) into
 * outfd and exits 0. The parent keeps only the write end p[1]; the reader
 * sees EOF once the parent closes it.
 */
static inline int drainer_spawn(int p[2], int outfd, pid_t *pid)
{
	pid_t parent = getpid();
	int rfd = p[0];

	*pid = fork();
	if (*pid < 0) {
		*pid = 0;
		return -1;
	}
	if (*pid == 0) {
		unsigned char b[4096];
		ssize_t n;

		if (child_tie_to_parent(parent))
			_exit(1);
		close(p[1]);
		for (;;) {
			n = read(rfd, b, sizeof(b));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				_exit(1);
			if (n == 0)
				_exit(0);
			if (write_all(outfd, b, (size_t)n))
				_exit(1);
		}
	}
	close(rfd);
	p[0] = -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Image building                                                      */
/* ------------------------------------------------------------------ */

/* A growable byte buffer holding an image under construction. */
struct ckpt_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

static inline void cb_raw(struct ckpt_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 512;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Zero bytes up to the next multiple of CKPT_RECORD_ALIGN. */
static inline void cb_pad(struct ckpt_buf *b)
{
	static const unsigned char zero[CKPT_RECORD_ALIGN];

	cb_raw(b, zero, CKPT_ALIGN8(b->len) - b->len);
}

/* Append a record (its ckpt_hdr already filled in), padded. */
static inline size_t cb_record(struct ckpt_buf *b, const void *rec, size_t n)
{
	size_t off = b->len;

	cb_raw(b, rec, n);
	cb_pad(b);
	return off;
}

static inline void cb_free(struct ckpt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* XCR0 if the OS enabled XSAVE, else -1. */
static inline int cpu_xcr0(uint64_t *xcr0)
{
	unsigned int a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
		return -1;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	*xcr0 = ((uint64_t)hi << 32) | lo;
	return 0;
}

static inline uint32_t kernel_version_code(const char *release)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

/* A header record as this machine would write it. */
static inline void ckpt_fill_header(struct ckpt_hdr_header *h, pid_t root_pid,
				    uint64_t flags, uint64_t ckpt_id)
{
	struct utsname u;
	struct timespec ts;

	memset(h, 0, sizeof(*h));
	uname(&u);
	clock_gettime(CLOCK_REALTIME, &ts);
	h->h.type = CKPT_HDR_HEADER;
	h->h.len = sizeof(*h);
	h->magic = CKPT_MAGIC_HEAD;
	h->format = CKPT_FORMAT_VERSION;
	h->arch = CKPT_ARCH_X86_64;
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	h->flags = flags;
	h->ckpt_id = ckpt_id;
	h->time_sec = ts.tv_sec;
	h->time_nsec = (uint32_t)ts.tv_nsec;
	h->kernel_version = kernel_version_code(u.release);
	h->root_pid = root_pid;
	snprintf(h->sysname, CKPT_UTS_LEN, "%s", u.sysname);
	snprintf(h->nodename, CKPT_UTS_LEN, "%s", u.nodename);
	snprintf(h->release, CKPT_UTS_LEN, "%s", u.release);
	snprintf(h->version, CKPT_UTS_LEN, "%s", u.version);
	snprintf(h->machine, CKPT_UTS_LEN, "%s", u.machine);
}

/* An arch record describing this CPU. */
static inline void ckpt_fill_arch(struct ckpt_hdr_header_arch_x86_64 *a)
{
	unsigned int eax, ebx, ecx, edx;
	uint64_t xcr0;

	memset(a, 0, sizeof(*a));
	a->h.type = CKPT_HDR_HEADER_ARCH;
	a->h.len = sizeof(*a);
	/* XCR0 is what the kernel enables for user space */
	if (cpu_xcr0(&xcr0) == 0 &&
	    __get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx)) {
		a->xfeatures = xcr0;
		a->xstate_size = ebx;	/* XSAVE area size for XCR0 */
	} else {
		a->xfeatures = 0x3;	/* x87 | SSE */
		a->xstate_size = 0;
	}
	/* the smallest XSAVE area: 512-byte legacy area + 64-byte header */
	if (a->xstate_size < 576)
		a->xstate_size = 576;
}

static inline void ckpt_fill_trailer(struct ckpt_hdr_trailer *t,
				     uint64_t ckpt_id, uint32_t nr_records)
{
	memset(t, 0, sizeof(*t));
	t->h.type = CKPT_HDR_TRAILER;
	t->h.len = sizeof(*t);
	t->magic = CKPT_MAGIC_TAIL;
	t->ckpt_id = ckpt_id;
	t->nr_records = nr_records;
}

/* An error record with message msg; *len gets its ckpt_hdr.len. malloc()ed */
static inline struct ckpt_hdr_error *ckpt_make_error(int errnum,
						     const char *msg,
						     size_t *len)
{
	size_t n = sizeof(struct ckpt_hdr_error) + strlen(msg) + 1;
	struct ckpt_hdr_error *e = calloc(1, n);

	if (!e)
		abort();
	e->h.type = CKPT_HDR_ERROR;
	e->h.len = (uint32_t)n;
	e->errnum = errnum;
	memcpy(e->msg, msg, strlen(msg) + 1);
	*len = n;
	return e;
}

#define CKPT_TEST_ID	0x1122334455667788ULL

/* Offsets of the records of the well-formed image built below. */
struct ckpt_layout {
	size_t header, arch, trailer, end;
};

/*
 * A well-formed image with no task state: header, arch, trailer.
 * (This version of the kernel refuses it, since it restores no task.)
 */
static inline void ckpt_build_minimal(struct ckpt_buf *b, struct ckpt_layout *l)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_trailer t;
	struct ckpt_layout tmp;

	if (!l)
		l = &tmp;
	ckpt_fill_header(&h, getpid(), 0, CKPT_TEST_ID);
	ckpt_fill_arch(&a);
	ckpt_fill_trailer(&t, CKPT_TEST_ID, 2);
	l->header = cb_record(b, &h, sizeof(h));
	l->arch = cb_record(b, &a, sizeof(a));
	l->trailer = cb_record(b, &t, sizeof(t));
	l->end = b->len;
}

/* ------------------------------------------------------------------ */
/* Image checking                                                      */
/* ------------------------------------------------------------------ */

/* Does msg contain "pid <pid>" with no further digit after it? */
static inline int msg_names_pid(const char *msg, pid_t pid)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "pid %d", pid);

	for (const char *p = msg; (p = strstr(p, want)) != NULL; p++)
		if (!isdigit((unsigned char)p[n]))
			return 1;
	return 0;
}

static inline int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* What a failed checkpoint of task `pid` with `flags` must have written. */
struct ckpt_expect {
	pid_t pid;			/* root_pid and the pid in the message */
	uint64_t flags;
	struct timespec before, after;	/* CLOCK_REALTIME around the call */
};

static inline void ckpt_expect_init(struct ckpt_expect *e, pid_t pid,
				    uint64_t flags)
{
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->flags = flags;
	clock_gettime(CLOCK_REALTIME, &e->before);
}

static inline void ckpt_expect_done(struct ckpt_expect *e)
{
	clock_gettime(CLOCK_REALTIME, &e->after);
}

/*
 * Assert that buf[0..len) starts with the image of a checkpoint that failed
 * with EOPNOTSUPP: header, arch, error; no trailer. Returns the number of
 * bytes the image takes (the error record padded to 8 included).
 */
static inline size_t ckpt_check_failed_image(struct __test_metadata *_metadata,
					     const unsigned char *buf,
					     size_t len,
					     const struct ckpt_expect *e)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_error err;
	struct utsname u;
	const char *msg;
	size_t off, msglen, end;
	uint64_t xcr0;
	uint32_t kv;

	ASSERT_EQ(0, uname(&u));

	/* header */
	ASSERT_GE(len, sizeof(h)) TH_LOG("image of %zu bytes has no header", len);
	memcpy(&h, buf, sizeof(h));
	ASSERT_EQ((uint32_t)CKPT_HDR_HEADER, h.h.type);
	ASSERT_EQ(sizeof(h), h.h.len);
	ASSERT_EQ(0, memcmp(buf + offsetof(struct ckpt_hdr_header, magic),
			    "lnxckpt", 8)) TH_LOG("magic bytes in the stream");
	EXPECT_EQ(CKPT_MAGIC_HEAD, h.magic);
	EXPECT_EQ(CKPT_FORMAT_VERSION, h.format);
	EXPECT_EQ(CKPT_ARCH_X86_64, h.arch);
	EXPECT_EQ(4096U, h.page_size);
	EXPECT_EQ(e->flags, h.flags);
	EXPECT_EQ(e->pid, h.root_pid);
	EXPECT_GE(h.time_sec, (int64_t)e->before.tv_sec - 1);
	EXPECT_LE(h.time_sec, (int64_t)e->after.tv_sec);
	EXPECT_LT(h.time_nsec, 1000000000U);
	kv = kernel_version_code(u.release);
	EXPECT_EQ(kv >> 8, h.kernel_version >> 8)
		TH_LOG("kernel_version 0x%x vs release %s", h.kernel_version,
		       u.release);
	EXPECT_EQ(0U, h.__pad);
	EXPECT_TRUE(all_zero(h.__pad2, sizeof(h.__pad2)));
#define CHECK_UTS(field, want) do {						\
	ASSERT_NE(NULL, memchr(h.field, 0, CKPT_UTS_LEN))			\
		TH_LOG(#field " is not NUL-terminated");			\
	EXPECT_STREQ(want, h.field);						\
} while (0)
	CHECK_UTS(sysname, u.sysname);
	CHECK_UTS(nodename, u.nodename);
	CHECK_UTS(release, u.release);
	CHECK_UTS(version, u.version);
	CHECK_UTS(machine, u.machine);
#undef CHECK_UTS
	off = sizeof(h);	/* already a multiple of 8 */

	/* arch */
	ASSERT_GE(len, off + sizeof(a)) TH_LOG("image of %zu bytes has no arch record", len);
	memcpy(&a, buf + off, sizeof(a));
	ASSERT_EQ((uint32_t)CKPT_HDR_HEADER_ARCH, a.h.type);
	ASSERT_EQ(sizeof(a), a.h.len);
	EXPECT_EQ(0x3ULL, a.xfeatures & 0x3)
		TH_LOG("xfeatures 0x%llx lacks x87/SSE", (unsigned long long)a.xfeatures);
	if (cpu_xcr0(&xcr0) == 0) {
		EXPECT_EQ(0ULL, a.xfeatures & ~xcr0)
			TH_LOG("xfeatures 0x%llx not within XCR0 0x%llx",
			       (unsigned long long)a.xfeatures,
			       (unsigned long long)xcr0);
	}
	EXPECT_GE(a.xstate_size, 512U);		/* at least the FXSAVE area */
	EXPECT_LE(a.xstate_size, 1U << 20);
	EXPECT_EQ(0U, a.__pad);
	off += sizeof(a);

	/* error */
	ASSERT_GE(len, off + sizeof(err)) TH_LOG("image of %zu bytes has no error record", len);
	memcpy(&err, buf + off, sizeof(err));
	ASSERT_EQ((uint32_t)CKPT_HDR_ERROR, err.h.type);
	ASSERT_GT(err.h.len, sizeof(err)) TH_LOG("error record without a message");
	ASSERT_LE(err.h.len, sizeof(err) + CKPT_ERROR_MSG_MAX);
	end = off + CKPT_ALIGN8(err.h.len);
	ASSERT_LE(end, len) TH_LOG("error record (len %u) runs past the image end %zu",
				   err.h.len, len);
	EXPECT_EQ(EOPNOTSUPP, err.errnum);
	EXPECT_EQ(0U, err.__pad);
	msg = (const char *)buf + off + sizeof(err);
	msglen = err.h.len - sizeof(err);
	ASSERT_NE(NULL, memchr(msg, 0, msglen)) TH_LOG("message not NUL-terminated");
	EXPECT_GT(strlen(msg), 0U);
	EXPECT_TRUE(all_zero(msg + strlen(msg), msglen - strlen(msg)))
		TH_LOG("bytes after the message NUL are not zero");
	EXPECT_TRUE(msg_names_pid(msg, e->pid))
		TH_LOG("message \"%s\" does not name pid %d", msg, e->pid);
	EXPECT_TRUE(all_zero(buf + off + err.h.len, end - off - err.h.len))
		TH_LOG("record padding is not zero");
	return end;
}

/*
 * checkpoint(pid, <fresh memfd>, flags) must fail with EOPNOTSUPP after
 * writing exactly one complete failed-checkpoint image, leaving the file
 * offset at its end. The image is returned in *img (malloc()ed).
 * pid 0 means the caller.
 */
static inline void ckpt_capture_failed_image(struct __test_metadata *_metadata,
					     pid_t pid, unsigned long flags,
					     unsigned char **img, size_t *len)
{
	struct ckpt_expect e;
	int fd = memfd_create("ckpt_image", MFD_CLOEXEC);
	long r;

	ASSERT_LE(0, fd);
	ckpt_expect_init(&e, pid ? pid : getpid(), flags);
	r = sys_checkpoint(pid, fd, flags);
	ckpt_expect_done(&e);
	ASSERT_EQ(-EOPNOTSUPP, r) TH_LOG("checkpoint(%d, memfd, %#lx): %s", pid,
					 flags, r < 0 ? strerror((int)-r) : "success");
	ASSERT_EQ(0, fd_slurp(fd, img, len));
	EXPECT_EQ((off_t)*len, fd_pos(fd)) TH_LOG("file offset is not at the image end");
	EXPECT_EQ(*len, ckpt_check_failed_image(_metadata, *img, *len, &e))
		TH_LOG("bytes after the error record (no trailer expected)");
	close(fd);
}

/* ------------------------------------------------------------------ */
/* "The caller is unharmed"                                            */
/* ------------------------------------------------------------------ */

#define CKPT_CANARY 0x636b70745f636e72ULL

static volatile uint64_t ckpt_canary_global = CKPT_CANARY;

struct ckpt_probe {
	pid_t pid, ppid;
	uint64_t *heap;
	uint64_t *map;
};

static inline void probe_arm(struct ckpt_probe *p)
{
	p->pid = getpid();
	p->ppid = getppid();
	p->heap = malloc(4096);
	p->map = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!p->heap || p->map == MAP_FAILED)
		abort();
	for (size_t i = 0; i < 4096 / 8; i++)
		p->heap[i] = p->map[i] = CKPT_CANARY ^ i;
	ckpt_canary_global = CKPT_CANARY;
}

/* 1 if this process still looks exactly like before. */
static inline int probe_intact(const struct ckpt_probe *p)
{
	if (getpid() != p->pid || getppid() != p->ppid)
		return 0;
	if (ckpt_canary_global != CKPT_CANARY)
		return 0;
	for (size_t i = 0; i < 4096 / 8; i++)
		if (p->heap[i] != (CKPT_CANARY ^ i) ||
		    p->map[i] != (CKPT_CANARY ^ i))
			return 0;
	return 1;
}

static inline void probe_disarm(struct ckpt_probe *p)
{
	free(p->heap);
	munmap(p->map, 4096);
}

/* ------------------------------------------------------------------ */
/* restart(0, ...) of an image that must be refused                    */
/* ------------------------------------------------------------------ */

/*
 * restart(0) reading buf[0..len) from a memfd must fail with errno err
 * (positive) and leave the caller intact. `what` names the case in failure
 * messages.
 */
static inline void expect_restart(struct __test_metadata *_metadata,
				  const struct ckpt_probe *p,
				  const void *buf, size_t len, int err,
				  const char *what)
{
	int fd = memfd_with(buf, len);
	long r;

	ASSERT_LE(0, fd) TH_LOG("memfd for %s", what);
	r = sys_restart(0, fd, 0);
	EXPECT_EQ(-err, r) TH_LOG("restart of %s (%zu bytes): %s, expected %s",
				  what, len,
				  r < 0 ? strerror((int)-r) : "success",
				  strerror(err));
	EXPECT_TRUE(probe_intact(p)) TH_LOG("caller changed by restart of %s", what);
	EXPECT_NE(-1, fcntl(fd, F_GETFD)) TH_LOG("image fd gone after %s", what);
	close(fd);
}

/*
 * Same, with the image arriving through a pipe fed by a writer child in
 * chunks of `chunk` bytes (0: all at once). *writer is the writer's pid
 * while it runs (for the caller's teardown), 0 once reaped.
 */
static inline void expect_restart_pipe(struct __test_metadata *_metadata,
				       const struct ckpt_probe *p,
				       const void *buf, size_t len,
				       size_t chunk, pid_t *writer, int err,
				       const char *what)
{
	int rfd = feeder_spawn(buf, len, chunk, writer);
	long r;

	ASSERT_LE(0, rfd) TH_LOG("pipe feeder for %s", what);
	r = sys_restart(0, rfd, 0);
	EXPECT_EQ(-err, r) TH_LOG("restart of %s (%zu bytes via pipe, chunk %zu): %s, expected %s",
				  what, len, chunk,
				  r < 0 ? strerror((int)-r) : "success",
				  strerror(err));
	EXPECT_TRUE(probe_intact(p)) TH_LOG("caller changed by restart of %s", what);
	close(rfd);
	EXPECT_EQ(0, reap_exit_status(writer)) TH_LOG("pipe writer for %s", what);
}

#define expect_restart_einval(_metadata, p, buf, len, what) \
	expect_restart(_metadata, p, buf, len, EINVAL, what)

#endif /* CKPT_TEST_H */
