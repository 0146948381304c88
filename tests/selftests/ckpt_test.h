/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the checkpoint/restart selftests: system call
 * wrappers, an image record builder, image loading/indexing/saving for
 * tests that mutate real images, a validator of complete images and of
 * images of failed checkpoints, and helpers to run and control child
 * processes (control-pipe children, checkpointable targets, restarters,
 * pipe feeders, pipe drainers).
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
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

/*
 * The on-disk layout of format version 3 (x86_64): version 1 plus the
 * TREE record after the arch record, the two SIGPENDING records of each
 * task after its SIGNAL_TASK record, and its ITIMERS record after them;
 * version 3 marks a POSIX timer's own pending signal (si_sys_private).
 */
#if CKPT_FORMAT_VERSION == 3
_Static_assert(sizeof(struct ckpt_hdr) == 8, "ckpt_hdr layout");
_Static_assert(sizeof(struct ckpt_hdr_header) == 392, "ckpt_hdr_header layout");
_Static_assert(sizeof(struct ckpt_hdr_header_arch_x86_64) == 24,
	       "ckpt_hdr_header_arch_x86_64 layout");
_Static_assert(sizeof(struct ckpt_hdr_error) == 16, "ckpt_hdr_error layout");
_Static_assert(sizeof(struct ckpt_hdr_trailer) == 32, "ckpt_hdr_trailer layout");
_Static_assert(sizeof(struct ckpt_tree_task) == 56, "ckpt_tree_task layout");
_Static_assert(sizeof(struct ckpt_hdr_tree) == 16, "ckpt_hdr_tree layout");
_Static_assert(sizeof(struct ckpt_hdr_task) == 96, "ckpt_hdr_task layout");
_Static_assert(sizeof(struct ckpt_hdr_creds) == 88, "ckpt_hdr_creds layout");
_Static_assert(sizeof(struct ckpt_hdr_rlimits) == 272, "ckpt_hdr_rlimits layout");
_Static_assert(sizeof(struct ckpt_hdr_fs) == 24, "ckpt_hdr_fs layout");
_Static_assert(sizeof(struct ckpt_hdr_syscall_restart) == 48,
	       "ckpt_hdr_syscall_restart layout");
_Static_assert(sizeof(struct ckpt_hdr_cpu_x86_64) == 248, "ckpt_hdr_cpu_x86_64 layout");
_Static_assert(sizeof(struct ckpt_hdr_mm) == 632, "ckpt_hdr_mm layout");
_Static_assert(sizeof(struct ckpt_hdr_vma) == 56, "ckpt_hdr_vma layout");
_Static_assert(sizeof(struct ckpt_hdr_pages) == 24, "ckpt_hdr_pages layout");
_Static_assert(sizeof(struct ckpt_hdr_file) == 80, "ckpt_hdr_file layout");
_Static_assert(sizeof(struct ckpt_fd_entry) == 16, "ckpt_fd_entry layout");
_Static_assert(sizeof(struct ckpt_hdr_fd_table) == 16, "ckpt_hdr_fd_table layout");
_Static_assert(sizeof(struct ckpt_hdr_pipe) == 24, "ckpt_hdr_pipe layout");
_Static_assert(sizeof(struct ckpt_hdr_sighand) == 2064, "ckpt_hdr_sighand layout");
_Static_assert(sizeof(struct ckpt_hdr_signal_task) == 40, "ckpt_hdr_signal_task layout");
_Static_assert(sizeof(struct ckpt_siginfo) == 128, "ckpt_siginfo layout");
_Static_assert(sizeof(struct ckpt_hdr_sigpending) == 24, "ckpt_hdr_sigpending layout");
_Static_assert(sizeof(struct ckpt_itimer) == 16, "ckpt_itimer layout");
_Static_assert(sizeof(struct ckpt_hdr_itimers) == 64, "ckpt_hdr_itimers layout");
_Static_assert(CKPT_ITIMER_NR == 3 && ITIMER_REAL == 0 && ITIMER_VIRTUAL == 1 &&
	       ITIMER_PROF == 2, "ckpt_hdr_itimers.timers[] is indexed by ITIMER_*");
/* a saved siginfo is the user-space siginfo_t, byte for byte */
_Static_assert(sizeof(siginfo_t) == CKPT_SIGINFO_SIZE, "siginfo_t size");
#else
/* The walkers and builders below know version 2 only: update them too. */
#error "these tests know image format version 2 only"
#endif

/*
 * The kernel's bound on one record (CKPT_RECORD_MAX in the kernel-internal
 * include/linux/checkpoint.h; not part of the uapi).
 */
#define CKPT_TEST_RECORD_MAX	(64U << 20)
#define CKPT_TEST_PAGE		4096UL
/* TASK_SIZE_MAX of x86_64 with 4-level page tables */
#define CKPT_TEST_TASK_SIZE	((1ULL << 47) - CKPT_TEST_PAGE)

#define CKPT_WAIT_MS		10000	/* bound on any wait for a child */
#define CKPT_QUIET_MS		300	/* "nothing happens" observation window */
#define CKPT_NOBODY		65534
#define CKPT_OTHER_UID		1000	/* an unprivileged user other than nobody */

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

/*
 * Makes the caller's shared anonymous memory private, contents kept: the
 * harness shares _metadata and the fixture with each forked test that
 * way, and a target that still shared them with the test would be
 * refused (checkpoint: "shared memory ... also mapped by pid N, outside
 * the image"). Writes after this no longer reach the test. The area at
 * @keep, if any, stays shared. 0 or -1.
 */
static inline int ckpt_privatize_shared_but(const void *keep)
{
	struct { unsigned long start, end; } area[64];
	char buf[16384], *line, *next;
	int fd, n = 0;
	ssize_t len = 0, r;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	buf[len] = 0;
	for (line = buf; line && *line && n < 64; line = next) {
		char perms[8] = "";
		unsigned long start, end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
		    perms[3] == 's' && strstr(line, " /dev/zero") &&
		    (unsigned long)keep != start) {
			area[n].start = start;
			area[n++].end = end;
		}
	}
	for (int i = 0; i < n; i++) {
		size_t size = area[i].end - area[i].start;
		void *at = (void *)area[i].start;
		void *copy = mmap(NULL, size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (copy == MAP_FAILED)
			return -1;
		memcpy(copy, at, size);
		if (mremap(copy, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, at) != at)
			return -1;
	}
	return 0;
}

static inline int ckpt_privatize_shared(void)
{
	return ckpt_privatize_shared_but(NULL);
}

/*
 * A child's results for the test, as numbers in a file it creates after
 * its checkpoint: shared memory or a descriptor inherited from the test
 * would be shared with a task outside the image, and refused. 0 or -1.
 */
static inline int put_longs(const char *path, const long *v, int n)
{
	char buf[256];
	int len = 0, fd, ok;

	for (int i = 0; i < n && len < (int)sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%ld\n", v[i]);
	if (len >= (int)sizeof(buf))
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, buf, len) == len;
	return close(fd) || !ok ? -1 : 0;
}

/* The n numbers put_longs() wrote to path. 0 or -1. */
static inline int get_longs(const char *path, long *v, int n)
{
	char buf[256], *p = buf, *end;

	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (int i = 0; i < n; i++, p = end) {
		errno = 0;
		v[i] = strtol(p, &end, 10);
		if (end == p || errno)
			return -1;
	}
	return 0;
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
 * The hexadecimal mask of field name ("SigPnd:", "ShdPnd:", "SigBlk:") of
 * /proc/<pid>/status, or ~0 if it cannot be read.
 */
static inline uint64_t proc_status_mask(pid_t pid, const char *name)
{
	char path[64], buf[4096], *p;
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return ~0ULL;
	p = strstr(buf, name);
	if (!p || sscanf(p + strlen(name), " %llx", &v) != 1)
		return ~0ULL;
	return v;
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

/*
 * waitpid(pid, status, flags) with a bound. 0 and *status set, or -1
 * (timeout or error).
 */
static inline int wait_bounded_flags(pid_t pid, int *status, int flags, int ms)
{
	for (int waited = 0;; waited += 2) {
		pid_t r = waitpid(pid, status, flags | WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= ms)
			return -1;
		ckpt_msleep(2);
	}
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
		if (child_tie_to_parent(parent) || ckpt_privatize_shared())
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

/* SIGSTOP a child and wait until it is reported stopped. 0 or -1. */
static inline int pid_stop(pid_t pid)
{
	int status;

	if (kill(pid, SIGSTOP))
		return -1;
	if (wait_bounded_flags(pid, &status, WUNTRACED, CKPT_WAIT_MS))
		return -1;
	return WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP ? 0 : -1;
}

/* SIGCONT a child and wait until it is reported continued. 0 or -1. */
static inline int pid_cont(pid_t pid)
{
	int status;

	if (kill(pid, SIGCONT))
		return -1;
	if (wait_bounded_flags(pid, &status, WCONTINUED, CKPT_WAIT_MS))
		return -1;
	return WIFCONTINUED(status) ? 0 : -1;
}

static inline int child_stop(struct ckpt_child *c)
{
	return pid_stop(c->pid);
}

static inline int child_cont(struct ckpt_child *c)
{
	return pid_cont(c->pid);
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
 * bytes (0: one write), waiting hold_ms before the last hold bytes, and
 * exits 0 (also when the reader went away early). Returns the read end;
 * the parent holds no write end, so the reader sees EOF after the last
 * byte. -1 on error.
 */
static inline int feeder_spawn_held(const void *buf, size_t len, size_t chunk,
				    size_t hold, unsigned int hold_ms, pid_t *pid)
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
		size_t off = 0, at = hold < len ? len - hold : 0;

		if (child_tie_to_parent(parent))
			_exit(1);
		signal(SIGPIPE, SIG_IGN);
		close(p[0]);
		while (off < len) {
			size_t n = chunk ? chunk : len - off;

			if (n > len - off)
				n = len - off;
			if (hold_ms && off < at && n > at - off)
				n = at - off;
			if (hold_ms && off == at && hold)
				ckpt_msleep((int)hold_ms);
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

static inline int feeder_spawn(const void *buf, size_t len, size_t chunk,
			       pid_t *pid)
{
	return feeder_spawn_held(buf, len, chunk, 0, 0, pid);
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

/* The header of a TREE record of nr_tasks tasks, its len to match. */
static inline void ckpt_fill_tree(struct ckpt_hdr_tree *t, uint32_t nr_tasks,
				  uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	t->h.type = CKPT_HDR_TREE;
	t->h.len = (uint32_t)(sizeof(*t) + (size_t)nr_tasks *
			      sizeof(struct ckpt_tree_task));
	t->nr_tasks = nr_tasks;
	t->flags = flags;
}

/*
 * The tree entry of the calling process as a checkpoint of its subtree
 * lists it: the root (no parent), its group and session, with the
 * OUTSIDE flags when their leaders are not the caller itself.
 */
static inline void ckpt_fill_tree_task(struct ckpt_tree_task *k)
{
	pid_t pid = getpid();

	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->tgid = pid;
	k->pgid = getpgrp();
	k->sid = getsid(0);
	if (k->pgid != pid)
		k->flags |= CKPT_TREE_PGID_OUTSIDE;
	if (k->sid != pid)
		k->flags |= CKPT_TREE_SID_OUTSIDE;
	k->exit_signal = SIGCHLD;
}

/*
 * Append a TREE record: its header t then n entries, t->h.len bytes of
 * them in all (cut short, or completed with zero bytes), padded. A len
 * below the header's size is taken as the header's size.
 */
static inline size_t cb_tree(struct ckpt_buf *b, const struct ckpt_hdr_tree *t,
			     const struct ckpt_tree_task *tasks, size_t n)
{
	size_t off = b->len, want = t->h.len, have;

	if (want < sizeof(*t))
		want = sizeof(*t);
	cb_raw(b, t, sizeof(*t));
	have = sizeof(*t) + n * sizeof(*tasks);
	if (want < have)
		have = want;
	cb_raw(b, tasks, have - sizeof(*t));
	while (have < want) {
		static const unsigned char zero[64];
		size_t k = want - have < sizeof(zero) ? want - have : sizeof(zero);

		cb_raw(b, zero, k);
		have += k;
	}
	cb_pad(b);
	return off;
}

#define CKPT_TEST_ID	0x1122334455667788ULL

/* Offsets of the records of the well-formed image built below. */
struct ckpt_layout {
	size_t header, arch, tree, trailer, end;
};

/*
 * A well-formed image with no task state: header, arch, a tree of one
 * task (the caller, as a subtree), trailer. (restart(2) refuses it: the
 * state of the task is missing.)
 */
static inline void ckpt_build_minimal(struct ckpt_buf *b, struct ckpt_layout *l)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_tree tr;
	struct ckpt_tree_task k;
	struct ckpt_hdr_trailer t;
	struct ckpt_layout tmp;

	if (!l)
		l = &tmp;
	ckpt_fill_header(&h, getpid(), CHECKPOINT_SUBTREE, CKPT_TEST_ID);
	ckpt_fill_arch(&a);
	ckpt_fill_tree(&tr, 1, 0);
	ckpt_fill_tree_task(&k);
	ckpt_fill_trailer(&t, CKPT_TEST_ID, 3);
	l->header = cb_record(b, &h, sizeof(h));
	l->arch = cb_record(b, &a, sizeof(a));
	l->tree = cb_tree(b, &tr, &k, 1);
	l->trailer = cb_record(b, &t, sizeof(t));
	l->end = b->len;
}

/* ------------------------------------------------------------------ */
/* Real images: load, list the records, mutate, save                   */
/* ------------------------------------------------------------------ */

/* One record of an image: where it starts, its type and its length. */
struct ckpt_rec {
	size_t off;
	uint32_t type;
	uint32_t len;		/* ckpt_hdr.len: padding not included */
};

/*
 * An image in memory and the list of its records. The list is built by
 * framing alone (ckpt_hdr.len, padded to 8), without looking inside the
 * records, so it works on broken images too.
 */
struct ckpt_image {
	unsigned char *data;
	size_t len;
	struct ckpt_rec *rec;
	size_t nr;		/* records listed */
	size_t end;		/* offset just past the last listed record */
	int whole;		/* the records tile data[0..len) exactly */
};

static inline void ckpt_image_init(struct ckpt_image *img)
{
	memset(img, 0, sizeof(*img));
}

static inline void ckpt_image_free(struct ckpt_image *img)
{
	free(img->data);
	free(img->rec);
	ckpt_image_init(img);
}

/*
 * (Re)build img->rec: walk from offset 0 while a whole record fits with
 * a length in [8, CKPT_TEST_RECORD_MAX]; stop after a TRAILER or an
 * ERROR record (a file may hold several images). 0, or -1 (no memory).
 */
static inline int ckpt_image_index(struct ckpt_image *img)
{
	size_t off = 0, cap = 0;

	free(img->rec);
	img->rec = NULL;
	img->nr = 0;
	while (off + sizeof(struct ckpt_hdr) <= img->len) {
		struct ckpt_hdr h;
		size_t next;

		memcpy(&h, img->data + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > CKPT_TEST_RECORD_MAX)
			break;
		next = off + CKPT_ALIGN8((size_t)h.len);
		if (next > img->len)
			break;
		if (img->nr == cap) {
			struct ckpt_rec *r;

			cap = cap ? 2 * cap : 64;
			r = realloc(img->rec, cap * sizeof(*r));
			if (!r)
				return -1;
			img->rec = r;
		}
		img->rec[img->nr].off = off;
		img->rec[img->nr].type = h.type;
		img->rec[img->nr].len = h.len;
		img->nr++;
		off = next;
		if (h.type == CKPT_HDR_TRAILER || h.type == CKPT_HDR_ERROR)
			break;
	}
	img->end = off;
	img->whole = off == img->len;
	return 0;
}

/* An image holding a copy of buf[0..len), indexed. 0 or -1. */
static inline int ckpt_image_from(struct ckpt_image *img, const void *buf,
				  size_t len)
{
	ckpt_image_init(img);
	img->data = malloc(len + 1);
	if (!img->data)
		return -1;
	if (len)
		memcpy(img->data, buf, len);
	img->len = len;
	return ckpt_image_index(img);
}

/* Load the whole content of fd (from offset 0, with pread), indexed. */
static inline int ckpt_image_load_fd(int fd, struct ckpt_image *img)
{
	ckpt_image_init(img);
	if (fd_slurp(fd, &img->data, &img->len))
		return -1;
	return ckpt_image_index(img);
}

/* Load an image file, indexed. 0 or -1. */
static inline int ckpt_image_load(const char *path, struct ckpt_image *img)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0) {
		ckpt_image_init(img);
		return -1;
	}
	r = ckpt_image_load_fd(fd, img);
	close(fd);
	return r;
}

/* Write buf[0..len) (say, a modified copy of an image) to path. 0 or -1. */
static inline int ckpt_image_save(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, buf, len);
	if (close(fd))
		r = -1;
	return r;
}

/* A malloc()ed copy of the image bytes, to be mutated. */
static inline unsigned char *ckpt_image_copy(const struct ckpt_image *img)
{
	unsigned char *p = malloc(img->len + 1);

	if (!p)
		abort();
	memcpy(p, img->data, img->len);
	return p;
}

/* Index of the nth (from 0) record of type `type`, or -1. */
static inline ssize_t ckpt_image_find(const struct ckpt_image *img,
				      uint32_t type, unsigned int nth)
{
	for (size_t i = 0; i < img->nr; i++)
		if (img->rec[i].type == type && nth-- == 0)
			return (ssize_t)i;
	return -1;
}

/* Byte offset of a field of record i, e.g. REC_FIELD(img, i, ckpt_hdr_vma, end) */
#define REC_FIELD(img, i, stype, field) \
	((img)->rec[i].off + offsetof(struct stype, field))

static inline uint32_t get_u32(const unsigned char *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static inline uint64_t get_u64(const unsigned char *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static inline void put_u32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static inline void put_u64(unsigned char *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

/*
 * The saved content of the page holding addr, found in the PAGES records
 * (the image must be indexed and well-formed), or NULL if not saved.
 */
static inline const unsigned char *ckpt_image_page(const struct ckpt_image *img,
						   uint64_t addr)
{
	uint64_t page = addr & ~(uint64_t)(CKPT_TEST_PAGE - 1);

	for (size_t i = 0; i < img->nr; i++) {
		const struct ckpt_rec *r = &img->rec[i];
		uint64_t start;
		uint32_t n;

		if (r->type != CKPT_HDR_PAGES ||
		    r->len < sizeof(struct ckpt_hdr_pages))
			continue;
		start = get_u64(img->data, REC_FIELD(img, i, ckpt_hdr_pages, addr));
		n = get_u32(img->data, REC_FIELD(img, i, ckpt_hdr_pages, nr_pages));
		if (page < start || (page - start) / CKPT_TEST_PAGE >= n)
			continue;
		if (sizeof(struct ckpt_hdr_pages) + (size_t)n * CKPT_TEST_PAGE > r->len)
			return NULL;
		return img->data + r->off + sizeof(struct ckpt_hdr_pages) +
		       (page - start);
	}
	return NULL;
}

/* Index of the FILE record with this objref, or -1. */
static inline ssize_t ckpt_image_file(const struct ckpt_image *img, int32_t objref)
{
	for (size_t i = 0; i < img->nr; i++) {
		if (img->rec[i].type != CKPT_HDR_FILE ||
		    img->rec[i].len < sizeof(struct ckpt_hdr_file))
			continue;
		if ((int32_t)get_u32(img->data, REC_FIELD(img, i, ckpt_hdr_file,
							  objref)) == objref)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * The FD_TABLE entry of descriptor fd: 0 and *entry set, or -1 if the
 * image has no such descriptor.
 */
static inline int ckpt_image_fd(const struct ckpt_image *img, int fd,
				struct ckpt_fd_entry *entry)
{
	ssize_t t = ckpt_image_find(img, CKPT_HDR_FD_TABLE, 0);
	uint32_t nr;

	if (t < 0 || img->rec[t].len < sizeof(struct ckpt_hdr_fd_table))
		return -1;
	nr = get_u32(img->data, REC_FIELD(img, t, ckpt_hdr_fd_table, nr_fds));
	for (uint32_t i = 0; i < nr; i++) {
		size_t off = img->rec[t].off + sizeof(struct ckpt_hdr_fd_table) +
			     (size_t)i * sizeof(*entry);

		if (off + sizeof(*entry) > img->rec[t].off + img->rec[t].len)
			return -1;
		memcpy(entry, img->data + off, sizeof(*entry));
		if (entry->fd == fd)
			return 0;
	}
	return -1;
}

/*
 * The TREE record of an indexed image and its entry idx (from 0): 0, or
 * -1 if the image has no TREE record or the record no such entry.
 */
static inline int ckpt_image_tree(const struct ckpt_image *img,
				  struct ckpt_hdr_tree *tree,
				  struct ckpt_tree_task *task, uint32_t idx)
{
	ssize_t i = ckpt_image_find(img, CKPT_HDR_TREE, 0);
	size_t off;

	if (i < 0 || img->rec[i].len < sizeof(*tree))
		return -1;
	memcpy(tree, img->data + img->rec[i].off, sizeof(*tree));
	off = sizeof(*tree) + (size_t)idx * sizeof(*task);
	if (idx >= tree->nr_tasks || off + sizeof(*task) > img->rec[i].len)
		return -1;
	memcpy(task, img->data + img->rec[i].off + off, sizeof(*task));
	return 0;
}

/* Bit of signal sig (1..64) in a signal set of the image */
static inline uint64_t ckpt_sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Bytes of a saved siginfo the kernel keeps (struct kernel_siginfo) */
#define CKPT_KSIGINFO_SIZE	48

/*
 * The nth (from 0) SIGPENDING record of an indexed image: its index, its
 * header in *sp; -1 if there is no such record or it is too short for
 * its header. Its infos follow the header.
 */
static inline ssize_t ckpt_image_sigpending(const struct ckpt_image *img,
					    unsigned int nth,
					    struct ckpt_hdr_sigpending *sp)
{
	ssize_t i = ckpt_image_find(img, CKPT_HDR_SIGPENDING, nth);

	if (i < 0 || img->rec[i].len < sizeof(*sp))
		return -1;
	memcpy(sp, img->data + img->rec[i].off, sizeof(*sp));
	return i;
}

/*
 * Info k (from 0) of the SIGPENDING record i, as a siginfo_t: 0, or -1 if
 * the record does not hold it.
 */
static inline int ckpt_image_siginfo(const struct ckpt_image *img, size_t i,
				     uint32_t k, siginfo_t *si)
{
	size_t off = sizeof(struct ckpt_hdr_sigpending) +
		     (size_t)k * CKPT_SIGINFO_SIZE;

	if (off + CKPT_SIGINFO_SIZE > img->rec[i].len)
		return -1;
	memcpy(si, img->data + img->rec[i].off + off, CKPT_SIGINFO_SIZE);
	return 0;
}

/*
 * The nth (from 0) ITIMERS record of an indexed image: its index, the
 * record in *it; -1 if there is no such record or it is not of the size
 * of struct ckpt_hdr_itimers.
 */
static inline ssize_t ckpt_image_itimers(const struct ckpt_image *img,
					 unsigned int nth,
					 struct ckpt_hdr_itimers *it)
{
	ssize_t i = ckpt_image_find(img, CKPT_HDR_ITIMERS, nth);

	if (i < 0 || img->rec[i].len != sizeof(*it))
		return -1;
	memcpy(it, img->data + img->rec[i].off, sizeof(*it));
	return i;
}

/* Nanoseconds of a struct timeval (getitimer(2), setitimer(2)) */
static inline int64_t ckpt_tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000LL + (int64_t)tv->tv_usec * 1000LL;
}

/*
 * The longest tick of the kernel (HZ=100): setitimer(2) arms a CPU-time
 * timer (ITIMER_VIRTUAL, ITIMER_PROF) one tick later than asked, so what
 * getitimer(2) reads of it may exceed the value it was set to, and a
 * restart that arms it again "as setitimer would" may add one more.
 */
#define CKPT_TICK_MAX_NS	10000000LL

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

/*
 * Does msg contain one of the |-separated alternatives of want, in any
 * case? ("timer|alarm" matches "fd 3: ITIMER_REAL armed".)
 */
static inline int msg_has(const char *msg, const char *want)
{
	char alt[128];

	while (*want) {
		size_t n = strcspn(want, "|");

		if (n && n < sizeof(alt)) {
			memcpy(alt, want, n);
			alt[n] = 0;
			if (strcasestr(msg, alt))
				return 1;
		}
		want += n;
		if (*want == '|')
			want++;
	}
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

#define CKPT_EXPECT_MSGS	4

/* What a checkpoint of task `pid` with `flags` must have written. */
struct ckpt_expect {
	pid_t pid;			/* root_pid, TASK pid (0: unchecked) */
	uint64_t flags;
	struct timespec before, after;	/* CLOCK_REALTIME around the call */
	/* complete images */
	long id;			/* what checkpoint returned (0: unchecked) */
	pid_t ppid;			/* TASK ppid (0: unchecked); also: the
					 * task is an ordinary child, its
					 * exit_signal is SIGCHLD */
	uid_t uid;			/* CREDS uid ((uid_t)-1: unchecked) */
	int stopped;			/* CKPT_TREE_STOPPED of the root: 1 set,
					 * 0 clear, -1 unchecked */
	/* images of a failed checkpoint */
	int errnum;			/* errno in the error record */
	const char *msg[CKPT_EXPECT_MSGS];	/* its message contains each,
						 * see msg_has() (NULL: end) */
};

static inline void ckpt_expect_init(struct ckpt_expect *e, pid_t pid,
				    uint64_t flags)
{
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->flags = flags;
	e->uid = (uid_t)-1;
	e->stopped = -1;
	e->errnum = EOPNOTSUPP;
	clock_gettime(CLOCK_REALTIME, &e->before);
}

static inline void ckpt_expect_done(struct ckpt_expect *e)
{
	clock_gettime(CLOCK_REALTIME, &e->after);
}

/* A cursor over the records of an image being checked. */
struct ckpt_walk {
	const unsigned char *buf;
	size_t len;
	size_t off;		/* next record */
	uint32_t nr;		/* records passed */
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_tree tree;	/* once checked */
	struct ckpt_tree_task root;	/* its first entry */
};

/* Type of the record at the cursor, or 0 if no record header is left. */
static inline uint32_t walk_peek(const struct ckpt_walk *w)
{
	struct ckpt_hdr h;

	if (w->off + sizeof(h) > w->len)
		return 0;
	memcpy(&h, w->buf + w->off, sizeof(h));
	return h.type;
}

static inline const char *ckpt_type_name(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_HEADER: return "HEADER";
	case CKPT_HDR_HEADER_ARCH: return "HEADER_ARCH";
	case CKPT_HDR_ERROR: return "ERROR";
	case CKPT_HDR_TRAILER: return "TRAILER";
	case CKPT_HDR_TREE: return "TREE";
	case CKPT_HDR_TASK: return "TASK";
	case CKPT_HDR_CREDS: return "CREDS";
	case CKPT_HDR_RLIMITS: return "RLIMITS";
	case CKPT_HDR_FS: return "FS";
	case CKPT_HDR_SYSCALL_RESTART: return "SYSCALL_RESTART";
	case CKPT_HDR_CPU_X86_64: return "CPU_X86_64";
	case CKPT_HDR_XSTATE: return "XSTATE";
	case CKPT_HDR_MM: return "MM";
	case CKPT_HDR_VMA: return "VMA";
	case CKPT_HDR_PAGES: return "PAGES";
	case CKPT_HDR_FILE: return "FILE";
	case CKPT_HDR_FD_TABLE: return "FD_TABLE";
	case CKPT_HDR_PIPE: return "PIPE";
	case CKPT_HDR_SIGHAND: return "SIGHAND";
	case CKPT_HDR_SIGNAL_TASK: return "SIGNAL_TASK";
	case CKPT_HDR_SIGPENDING: return "SIGPENDING";
	case CKPT_HDR_ITIMERS: return "ITIMERS";
	case CKPT_HDR_POSIX_TIMERS: return "POSIX_TIMERS";
	}
	return "unknown";
}

/*
 * Take the record at the cursor: it must be of type `type`, its length in
 * [min, max], all of it and its padding inside the image, the padding
 * zero. Its first min(len, size) bytes are copied to dst (the rest of dst
 * zeroed). Returns the record's offset; the cursor moves past it.
 */
static inline size_t walk_take(struct __test_metadata *_metadata,
			       struct ckpt_walk *w, uint32_t type,
			       size_t min, size_t max, void *dst, size_t size)
{
	struct ckpt_hdr h;
	size_t off = w->off, padded;

	ASSERT_GE(w->len, off + sizeof(h))
		TH_LOG("record %u (%s expected) at %zu: image ends at %zu",
		       w->nr, ckpt_type_name(type), off, w->len);
	memcpy(&h, w->buf + off, sizeof(h));
	ASSERT_EQ(type, h.type)
		TH_LOG("record %u at %zu: type %u (%s), expected %u (%s)", w->nr,
		       off, h.type, ckpt_type_name(h.type), type, ckpt_type_name(type));
	ASSERT_GE(h.len, min) TH_LOG("record %u (%s) at %zu: len %u < %zu",
				     w->nr, ckpt_type_name(type), off, h.len, min);
	ASSERT_LE(h.len, max) TH_LOG("record %u (%s) at %zu: len %u > %zu",
				     w->nr, ckpt_type_name(type), off, h.len, max);
	ASSERT_LE(h.len, CKPT_TEST_RECORD_MAX);
	padded = CKPT_ALIGN8((size_t)h.len);
	ASSERT_LE(off + padded, w->len)
		TH_LOG("record %u (%s) at %zu, len %u, runs past the image end %zu",
		       w->nr, ckpt_type_name(type), off, h.len, w->len);
	EXPECT_TRUE(all_zero(w->buf + off + h.len, padded - h.len))
		TH_LOG("record %u (%s) at %zu: padding is not zero", w->nr,
		       ckpt_type_name(type), off);
	if (dst) {
		size_t n = h.len < size ? h.len : size;

		memset(dst, 0, size);
		memcpy(dst, w->buf + off, n);
	}
	w->off = off + padded;
	w->nr++;
	return off;
}

/* Length (ckpt_hdr.len) of the record at offset off. */
static inline uint32_t rec_len_at(const unsigned char *buf, size_t off)
{
	return get_u32(buf, off + offsetof(struct ckpt_hdr, len));
}

/* The HEADER and HEADER_ARCH records, as the running kernel writes them. */
static inline void ckpt_check_headers(struct __test_metadata *_metadata,
				      struct ckpt_walk *w,
				      const struct ckpt_expect *e)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct utsname u;
	uint64_t xcr0;
	uint32_t kv;

	ASSERT_EQ(0, uname(&u));

	/* header */
	ASSERT_GE(w->len, sizeof(h)) TH_LOG("image of %zu bytes has no header", w->len);
	ASSERT_EQ(0, memcmp(w->buf + offsetof(struct ckpt_hdr_header, magic),
			    "lnxckpt", 8)) TH_LOG("magic bytes in the stream");
	walk_take(_metadata, w, CKPT_HDR_HEADER, sizeof(h), sizeof(h), &h, sizeof(h));
	EXPECT_EQ(CKPT_MAGIC_HEAD, h.magic);
	EXPECT_EQ(CKPT_FORMAT_VERSION, h.format);
	EXPECT_EQ(CKPT_ARCH_X86_64, h.arch);
	EXPECT_EQ(4096U, h.page_size);
	EXPECT_EQ(e->flags, h.flags);
	if (e->pid) {
		EXPECT_EQ(e->pid, h.root_pid);
	}
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

	/* arch */
	walk_take(_metadata, w, CKPT_HDR_HEADER_ARCH, sizeof(a), sizeof(a), &a, sizeof(a));
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
	w->h = h;
	w->a = a;
}

/* The ERROR record at the cursor, as e expects it. */
static inline void ckpt_check_error(struct __test_metadata *_metadata,
				    struct ckpt_walk *w,
				    const struct ckpt_expect *e)
{
	struct ckpt_hdr_error err;
	const char *msg;
	size_t off, msglen;

	off = walk_take(_metadata, w, CKPT_HDR_ERROR, sizeof(err) + 1,
			sizeof(err) + CKPT_ERROR_MSG_MAX, &err, sizeof(err));
	EXPECT_EQ(e->errnum, err.errnum)
		TH_LOG("error record errnum %d (%s), expected %d (%s)", err.errnum,
		       strerror(err.errnum), e->errnum, strerror(e->errnum));
	EXPECT_EQ(0U, err.__pad);
	msg = (const char *)w->buf + off + sizeof(err);
	msglen = err.h.len - sizeof(err);
	ASSERT_NE(NULL, memchr(msg, 0, msglen)) TH_LOG("message not NUL-terminated");
	EXPECT_GT(strlen(msg), 0U);
	EXPECT_TRUE(all_zero(msg + strlen(msg), msglen - strlen(msg)))
		TH_LOG("bytes after the message NUL are not zero");
	for (int i = 0; i < CKPT_EXPECT_MSGS && e->msg[i]; i++) {
		EXPECT_TRUE(msg_has(msg, e->msg[i]))
			TH_LOG("error message \"%s\" does not name \"%s\"", msg,
			       e->msg[i]);
	}
}

#define CKPT_TREE_TASK_FLAGS	(CKPT_TREE_ZOMBIE | CKPT_TREE_STOPPED | \
				 CKPT_TREE_PGID_OUTSIDE | CKPT_TREE_SID_OUTSIDE | \
				 CKPT_TREE_STOP_WAITED)

/* Is pid the pid of one of the n entries of the tree record at rec? */
static inline int tree_has_pid(const unsigned char *rec, uint32_t n, int32_t pid)
{
	struct ckpt_tree_task k;

	for (uint32_t i = 0; i < n; i++) {
		memcpy(&k, rec + sizeof(struct ckpt_hdr_tree) + (size_t)i * sizeof(k),
		       sizeof(k));
		if (k.pid == pid)
			return 1;
	}
	return 0;
}

/*
 * The TREE record at the cursor, as checkpoint(2) with e->flags writes
 * it: its length that of its nr_tasks (>= 1) entries, the CONTAINER flag
 * unless CHECKPOINT_SUBTREE, every entry with positive pids, known flags
 * (the OUTSIDE ones set exactly when no entry has the pid of the group or
 * session), shares only with earlier entries and zero padding; the root
 * first, without a parent, a process, pid 1 for a container and the
 * header's root_pid for a subtree. In the image of a checkpoint that
 * worked (complete), the tree is the root alone, a live task, STOPPED as
 * e->stopped says, with exit signal SIGCHLD if e->ppid says it is a child.
 */
static inline void ckpt_check_tree(struct __test_metadata *_metadata,
				   struct ckpt_walk *w,
				   const struct ckpt_expect *e, int complete)
{
	int container = !(e->flags & CHECKPOINT_SUBTREE);
	const unsigned char *rec;
	struct ckpt_hdr_tree t;
	struct ckpt_tree_task k;
	size_t off;

	off = walk_take(_metadata, w, CKPT_HDR_TREE, sizeof(t) + sizeof(k),
			sizeof(t) + (size_t)CKPT_TREE_MAX_TASKS * sizeof(k), &t, sizeof(t));
	rec = w->buf + off;
	ASSERT_EQ(t.h.len, sizeof(t) + (size_t)t.nr_tasks * sizeof(k))
		TH_LOG("TREE: len %u, nr_tasks %u", t.h.len, t.nr_tasks);
	ASSERT_LE(1U, t.nr_tasks);
	EXPECT_EQ(container ? (uint32_t)CKPT_TREE_CONTAINER : 0U, t.flags)
		TH_LOG("TREE flags %#x of a checkpoint with flags %#llx", t.flags,
		       (unsigned long long)e->flags);
	for (uint32_t i = 0; i < t.nr_tasks; i++) {
		memcpy(&k, rec + sizeof(t) + (size_t)i * sizeof(k), sizeof(k));
		EXPECT_GT(k.pid, 0) TH_LOG("tree task %u: pid %d", i, k.pid);
		EXPECT_GT(k.tgid, 0) TH_LOG("tree task %u: tgid %d", i, k.tgid);
		EXPECT_GE(k.pgid, 0) TH_LOG("tree task %u: pgid %d", i, k.pgid);
		EXPECT_GE(k.sid, 0) TH_LOG("tree task %u: sid %d", i, k.sid);
		EXPECT_EQ(0U, k.flags & ~(uint32_t)CKPT_TREE_TASK_FLAGS)
			TH_LOG("tree task %u: flags %#x", i, k.flags);
		EXPECT_EQ(!tree_has_pid(rec, t.nr_tasks, k.pgid),
			  !!(k.flags & CKPT_TREE_PGID_OUTSIDE))
			TH_LOG("tree task %u: pgid %d, flags %#x", i, k.pgid, k.flags);
		EXPECT_EQ(!tree_has_pid(rec, t.nr_tasks, k.sid),
			  !!(k.flags & CKPT_TREE_SID_OUTSIDE))
			TH_LOG("tree task %u: sid %d, flags %#x", i, k.sid, k.flags);
		if (k.flags & CKPT_TREE_STOPPED && k.pid == k.tgid) {
			/* The status of a stop, by a stop signal */
			EXPECT_EQ(0x7f, k.exit_code & (int32_t)0xffff00ff) TH_LOG("tree task %u", i);
			EXPECT_TRUE(k.exit_code >> 8 == SIGSTOP || k.exit_code >> 8 == SIGTSTP ||
				    k.exit_code >> 8 == SIGTTIN || k.exit_code >> 8 == SIGTTOU)
				TH_LOG("tree task %u: exit_code %#x", i, k.exit_code);
		} else if (!(k.flags & CKPT_TREE_ZOMBIE)) {
			EXPECT_EQ(0, k.exit_code) TH_LOG("tree task %u", i);
		}
		EXPECT_NE((uint32_t)CKPT_TREE_STOP_WAITED,
			  k.flags & (CKPT_TREE_STOPPED | CKPT_TREE_STOP_WAITED))
			TH_LOG("tree task %u: flags %#x", i, k.flags);
		EXPECT_LE(k.exit_signal, 64U) TH_LOG("tree task %u", i);
		EXPECT_LE(k.share_mm, i) TH_LOG("tree task %u", i);
		EXPECT_LE(k.share_files, i) TH_LOG("tree task %u", i);
		EXPECT_LE(k.share_fs, i) TH_LOG("tree task %u", i);
		EXPECT_LE(k.share_sighand, i) TH_LOG("tree task %u", i);
		EXPECT_EQ(0U, k.__pad) TH_LOG("tree task %u", i);
	}
	memcpy(&k, rec + sizeof(t), sizeof(k));
	EXPECT_EQ(container ? 1 : w->h.root_pid, k.pid) TH_LOG("the root's pid in the tree");
	EXPECT_EQ(k.pid, k.tgid) TH_LOG("the root is a thread?");
	EXPECT_EQ(0, k.ppid);
	EXPECT_EQ(0, k.ptid);
	EXPECT_EQ(0U, k.flags & CKPT_TREE_ZOMBIE);
	w->tree = t;
	w->root = k;
	if (!complete)
		return;
	ASSERT_EQ(1U, t.nr_tasks) TH_LOG("a tree of %u tasks: only single tasks are checkpointed so far",
					 t.nr_tasks);
	if (e->stopped >= 0) {
		EXPECT_EQ(e->stopped, !!(k.flags & CKPT_TREE_STOPPED))
			TH_LOG("the root's tree flags %#x", k.flags);
	}
	if (e->ppid) {
		EXPECT_EQ((uint32_t)SIGCHLD, k.exit_signal);
	}
}

/*
 * Assert that buf[0..len) starts with the image of a failed checkpoint:
 * header, arch, the tree (if the checkpoint got that far), any records of
 * task state (well framed), then one error record with errno e->errnum
 * whose message contains e->msg[]; no trailer.
 * Returns the number of bytes the image takes (the error record padded to
 * 8 included).
 */
static inline size_t ckpt_check_failed_image(struct __test_metadata *_metadata,
					     const unsigned char *buf,
					     size_t len,
					     const struct ckpt_expect *e)
{
	struct ckpt_walk w = { .buf = buf, .len = len };
	uint32_t type;

	ckpt_check_headers(_metadata, &w, e);
	if (walk_peek(&w) == CKPT_HDR_TREE)
		ckpt_check_tree(_metadata, &w, e, 0);
	while ((type = walk_peek(&w)) != CKPT_HDR_ERROR) {
		ASSERT_NE(0U, type) TH_LOG("image of %zu bytes has no error record", len);
		ASSERT_TRUE(type >= CKPT_HDR_TASK && type < CKPT_HDR_TYPE_MAX &&
			    strcmp(ckpt_type_name(type), "unknown"))
			TH_LOG("record %u at %zu of type %u in a failed image",
			       w.nr, w.off, type);
		walk_take(_metadata, &w, type, sizeof(struct ckpt_hdr),
			  CKPT_TEST_RECORD_MAX, NULL, 0);
	}
	ckpt_check_error(_metadata, &w, e);
	return w.off;
}

/* Known objrefs while checking a complete image */
#define CKPT_CHECK_MAX_FILES	1024

struct ckpt_objrefs {
	int32_t ref[CKPT_CHECK_MAX_FILES];	/* of FILE records */
	size_t nr;
	int32_t pipe[CKPT_CHECK_MAX_FILES];	/* of PIPE records */
	size_t nr_pipes;
	int32_t next_pipe;	/* the PIPE just taken, whose first end is next */
};

/* Whether ref is the objref of an earlier FILE record */
static inline int objref_known(const struct ckpt_objrefs *o, int32_t ref)
{
	for (size_t i = 0; i < o->nr; i++)
		if (o->ref[i] == ref)
			return 1;
	return 0;
}

/* Whether ref is the objref of an earlier PIPE record */
static inline int pipe_known(const struct ckpt_objrefs *o, int32_t ref)
{
	for (size_t i = 0; i < o->nr_pipes; i++)
		if (o->pipe[i] == ref)
			return 1;
	return 0;
}

/* A NUL-terminated string filling exactly n bytes, n >= 2. */
static inline int name_ok(const char *p, size_t n)
{
	return n >= 2 && p[n - 1] == 0 && strlen(p) == n - 1;
}

/* Likewise, an absolute path. */
static inline int path_ok(const char *p, size_t n)
{
	return name_ok(p, n) && p[0] == '/';
}

/*
 * A PIPE record: a capacity of whole pages up to CKPT_PIPE_MAX, at most
 * that many bytes in it, an objref of its own; the FILE record of its
 * first end comes right after it.
 */
static inline void ckpt_check_pipe(struct __test_metadata *_metadata,
				   struct ckpt_walk *w, struct ckpt_objrefs *o)
{
	struct ckpt_hdr_pipe p;
	size_t off;

	off = walk_take(_metadata, w, CKPT_HDR_PIPE, sizeof(p),
			sizeof(p) + (size_t)CKPT_PIPE_MAX, &p, sizeof(p));
	EXPECT_GT(p.objref, 0) TH_LOG("PIPE at %zu: objref %d", off, p.objref);
	EXPECT_FALSE(objref_known(o, p.objref) || pipe_known(o, p.objref))
		TH_LOG("PIPE at %zu: objref %d written twice", off, p.objref);
	ASSERT_LT(o->nr_pipes, (size_t)CKPT_CHECK_MAX_FILES);
	o->pipe[o->nr_pipes++] = p.objref;
	EXPECT_EQ(0U, p.__pad);
	EXPECT_LT(0U, p.size) TH_LOG("PIPE at %zu", off);
	EXPECT_LE(p.size, CKPT_PIPE_MAX) TH_LOG("PIPE at %zu", off);
	EXPECT_EQ(0U, p.size % CKPT_TEST_PAGE) TH_LOG("PIPE at %zu: size %u", off, p.size);
	EXPECT_LE(p.data_len, p.size) TH_LOG("PIPE at %zu", off);
	ASSERT_EQ(p.h.len, sizeof(p) + (size_t)p.data_len)
		TH_LOG("PIPE at %zu: len %u, data_len %u", off, p.h.len, p.data_len);
	EXPECT_EQ((uint32_t)CKPT_HDR_FILE, walk_peek(w))
		TH_LOG("PIPE at %zu: not followed by a FILE record", off);
	o->next_pipe = p.objref;
}

static inline void ckpt_check_file(struct __test_metadata *_metadata,
				   struct ckpt_walk *w, struct ckpt_objrefs *o)
{
	struct ckpt_hdr_file f;
	const char *path;
	size_t off;

	off = walk_take(_metadata, w, CKPT_HDR_FILE, sizeof(f) + 2,
			sizeof(f) + CKPT_PATH_MAX, &f, sizeof(f));
	path = (const char *)w->buf + off + sizeof(f);
	EXPECT_GT(f.objref, 0) TH_LOG("FILE at %zu: objref %d", off, f.objref);
	EXPECT_FALSE(objref_known(o, f.objref) || pipe_known(o, f.objref))
		TH_LOG("FILE at %zu: objref %d written twice", off, f.objref);
	ASSERT_LT(o->nr, (size_t)CKPT_CHECK_MAX_FILES);
	o->ref[o->nr++] = f.objref;
	ASSERT_EQ(f.h.len, sizeof(f) + f.path_len)
		TH_LOG("FILE at %zu: len %u, path_len %u", off, f.h.len, f.path_len);
	/* An end of a pipe has only the pipe's name, "pipe:[ino]" */
	if (f.kind == CKPT_FILE_PIPE) {
		EXPECT_TRUE(name_ok(path, f.path_len) && path[0] != '/')
			TH_LOG("FILE at %zu: bad pipe name (path_len %u)", off, f.path_len);
	} else {
		EXPECT_TRUE(path_ok(path, f.path_len))
			TH_LOG("FILE at %zu: bad path (path_len %u)", off, f.path_len);
		if (f.kind != CKPT_FILE_FIFO)
			EXPECT_EQ(0, f.peer_objref) TH_LOG("%s: peer_objref", path);
	}
	if (o->next_pipe) {
		EXPECT_EQ(o->next_pipe, f.peer_objref)
			TH_LOG("FILE at %zu: not an end of the PIPE just before it", off);
		o->next_pipe = 0;
	}
	switch (f.kind) {
	case CKPT_FILE_REG:
		EXPECT_TRUE(S_ISREG(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		break;
	case CKPT_FILE_DIR:
		EXPECT_TRUE(S_ISDIR(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		break;
	case CKPT_FILE_CHR: {
		unsigned int major = (f.rdev & 0xfff00) >> 8;
		unsigned int minor = (f.rdev & 0xff) | ((f.rdev >> 12) & 0xfff00);

		EXPECT_TRUE(S_ISCHR(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		EXPECT_EQ(1U, major) TH_LOG("%s: rdev %u:%u", path, major, minor);
		EXPECT_TRUE(minor == 3 || minor == 5 || minor == 7 || minor == 8 ||
			    minor == 9) TH_LOG("%s: rdev %u:%u", path, major, minor);
		break;
	}
	case CKPT_FILE_TTY:
		EXPECT_TRUE(S_ISCHR(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		break;
	case CKPT_FILE_PIPE:
		EXPECT_TRUE(S_ISFIFO(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		EXPECT_TRUE(pipe_known(o, f.peer_objref))
			TH_LOG("%s: peer_objref %d of no PIPE before", path, f.peer_objref);
		EXPECT_TRUE((f.f_flags & O_ACCMODE) == O_RDONLY ||
			    (f.f_flags & O_ACCMODE) == O_WRONLY)
			TH_LOG("%s: f_flags 0%o", path, f.f_flags);
		EXPECT_EQ(0ULL, f.pos) TH_LOG("%s", path);
		break;
	case CKPT_FILE_FIFO:
		EXPECT_TRUE(S_ISFIFO(f.mode)) TH_LOG("%s: mode 0%o", path, f.mode);
		EXPECT_TRUE(pipe_known(o, f.peer_objref))
			TH_LOG("%s: peer_objref %d of no PIPE before", path, f.peer_objref);
		EXPECT_EQ(0ULL, f.pos) TH_LOG("%s", path);
		break;
	default:
		EXPECT_TRUE(0) TH_LOG("FILE at %zu (%s): kind %u", off, path, f.kind);
	}
	EXPECT_LT(f.mtime_nsec, 1000000000U);
}

/* The FILE records at the cursor, each pipe's PIPE record before its first end */
static inline void ckpt_check_files(struct __test_metadata *_metadata,
				    struct ckpt_walk *w, struct ckpt_objrefs *o)
{
	for (;;) {
		uint32_t type = walk_peek(w);

		if (type == CKPT_HDR_PIPE)
			ckpt_check_pipe(_metadata, w, o);
		else if (type == CKPT_HDR_FILE)
			ckpt_check_file(_metadata, w, o);
		else
			break;
	}
}

static inline void ckpt_check_fd_table(struct __test_metadata *_metadata,
				       struct ckpt_walk *w,
				       const struct ckpt_objrefs *o)
{
	struct ckpt_hdr_fd_table t;
	struct ckpt_fd_entry ent;
	size_t off;
	int32_t last = -1;

	off = walk_take(_metadata, w, CKPT_HDR_FD_TABLE, sizeof(t),
			sizeof(t) + (size_t)CKPT_FDS_MAX * sizeof(ent), &t, sizeof(t));
	ASSERT_EQ(t.h.len, sizeof(t) + (size_t)t.nr_fds * sizeof(ent))
		TH_LOG("FD_TABLE: len %u, nr_fds %u", t.h.len, t.nr_fds);
	EXPECT_EQ(0U, t.__pad);
	for (uint32_t i = 0; i < t.nr_fds; i++) {
		memcpy(&ent, w->buf + off + sizeof(t) + i * sizeof(ent), sizeof(ent));
		EXPECT_GT(ent.fd, last) TH_LOG("fd entry %u: fd %d after %d", i,
					       ent.fd, last);
		last = ent.fd;
		EXPECT_TRUE(objref_known(o, ent.objref))
			TH_LOG("fd %d: objref %d of no FILE before", ent.fd, ent.objref);
		EXPECT_EQ(0U, ent.flags & ~(uint32_t)CKPT_FD_CLOEXEC);
		EXPECT_EQ(0U, ent.__pad);
	}
}

/*
 * The SIGPENDING record of queue `queue` at the cursor: its length that of
 * its nr_info infos, at most CKPT_SIGPENDING_MAX; no SIGKILL in its set;
 * every info of a signal 1..64 of the set, zero past the bytes the kernel
 * keeps; no standard signal (below 32) queued twice, but for the own
 * signals of POSIX timers (SI_TIMER, si_sys_private 1). Returns the
 * record's offset.
 */
static inline size_t ckpt_check_sigpending(struct __test_metadata *_metadata,
					   struct ckpt_walk *w, uint32_t queue)
{
	struct ckpt_hdr_sigpending sp;
	uint64_t seen = 0;
	size_t off;

	off = walk_take(_metadata, w, CKPT_HDR_SIGPENDING, sizeof(sp),
			sizeof(sp) + (size_t)CKPT_SIGPENDING_MAX * CKPT_SIGINFO_SIZE,
			&sp, sizeof(sp));
	EXPECT_EQ(queue, sp.queue) TH_LOG("SIGPENDING at %zu: queue %u, expected %u",
					  off, sp.queue, queue);
	ASSERT_LE(sp.nr_info, (uint32_t)CKPT_SIGPENDING_MAX)
		TH_LOG("SIGPENDING at %zu: nr_info %u", off, sp.nr_info);
	ASSERT_EQ(sp.h.len, sizeof(sp) + (size_t)sp.nr_info * CKPT_SIGINFO_SIZE)
		TH_LOG("SIGPENDING at %zu: len %u, nr_info %u", off, sp.h.len, sp.nr_info);
	EXPECT_EQ(0ULL, sp.signal & ckpt_sigbit(SIGKILL))
		TH_LOG("SIGPENDING at %zu: SIGKILL pending", off);
	for (uint32_t k = 0; k < sp.nr_info; k++) {
		const unsigned char *raw = w->buf + off + sizeof(sp) +
					   (size_t)k * CKPT_SIGINFO_SIZE;
		int32_t signo = (int32_t)get_u32(raw, 0);

		EXPECT_TRUE(all_zero(raw + CKPT_KSIGINFO_SIZE,
				     CKPT_SIGINFO_SIZE - CKPT_KSIGINFO_SIZE))
			TH_LOG("SIGPENDING at %zu, info %u: bytes past %d not zero",
			       off, k, CKPT_KSIGINFO_SIZE);
		EXPECT_TRUE(signo >= 1 && signo <= CKPT_NSIG)
			TH_LOG("SIGPENDING at %zu, info %u: si_signo %d", off, k, signo);
		if (signo < 1 || signo > CKPT_NSIG)
			continue;
		EXPECT_NE(0ULL, sp.signal & ckpt_sigbit(signo))
			TH_LOG("SIGPENDING at %zu, info %u: signal %d not in the set %#llx",
			       off, k, signo, (unsigned long long)sp.signal);
		/* A timer's own signal is queued besides */
		if (signo < 32 && !((int32_t)get_u32(raw, 8) == SI_TIMER && get_u32(raw, 32))) {
			EXPECT_EQ(0ULL, seen & ckpt_sigbit(signo))
				TH_LOG("SIGPENDING at %zu, info %u: signal %d queued twice",
				       off, k, signo);
			seen |= ckpt_sigbit(signo);
		}
	}
	return off;
}

/*
 * The ITIMERS record at the cursor: exactly a struct ckpt_hdr_itimers,
 * nr CKPT_ITIMER_NR, __pad zero, no value or interval above INT64_MAX.
 * A zero value may come with an interval: setitimer(2) keeps the interval
 * of a CPU-time timer set to 0, and a periodic ITIMER_REAL that fired
 * while SIGALRM is blocked reads 0 until the signal is taken. Returns the
 * record's offset.
 */
static inline size_t ckpt_check_itimers(struct __test_metadata *_metadata,
					struct ckpt_walk *w)
{
	struct ckpt_hdr_itimers it;
	size_t off;

	off = walk_take(_metadata, w, CKPT_HDR_ITIMERS, sizeof(it), sizeof(it),
			&it, sizeof(it));
	EXPECT_EQ((uint32_t)CKPT_ITIMER_NR, it.nr) TH_LOG("ITIMERS at %zu: nr %u", off, it.nr);
	EXPECT_EQ(0U, it.__pad) TH_LOG("ITIMERS at %zu: __pad %#x", off, it.__pad);
	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		EXPECT_GE((uint64_t)INT64_MAX, it.timers[k].value)
			TH_LOG("ITIMERS at %zu: timer %d value %#llx", off, k,
			       (unsigned long long)it.timers[k].value);
		EXPECT_GE((uint64_t)INT64_MAX, it.timers[k].interval)
			TH_LOG("ITIMERS at %zu: timer %d interval %#llx", off, k,
			       (unsigned long long)it.timers[k].interval);
	}
	return off;
}

/*
 * Assert that buf[0..len) starts with a complete image as the running
 * kernel writes it for a single task: HEADER, HEADER_ARCH, TREE, TASK, CREDS,
 * RLIMITS, FS, SIGHAND, SIGNAL_TASK, SIGPENDING (the task's queue),
 * SIGPENDING (the process's), ITIMERS, SYSCALL_RESTART, CPU_X86_64, XSTATE,
 * FILE*, FD_TABLE, FILE*, MM, nr_vmas x (VMA, PAGES*), TRAILER, with a
 * PIPE right before the FILE of the first end of each pipe; every
 * length, count, padding and cross reference consistent; the trailer
 * with the header's ckpt_id and the number of records before it.
 * Returns the number of bytes the image takes.
 */
static inline size_t ckpt_check_image(struct __test_metadata *_metadata,
				      const unsigned char *buf, size_t len,
				      const struct ckpt_expect *e)
{
	struct ckpt_walk w = { .buf = buf, .len = len };
	struct ckpt_objrefs *o = calloc(1, sizeof(*o));
	union {
		struct ckpt_hdr_task task;
		struct ckpt_hdr_creds creds;
		struct ckpt_hdr_rlimits rl;
		struct ckpt_hdr_fs fs;
		struct ckpt_hdr_sighand sh;
		struct ckpt_hdr_signal_task st;
		struct ckpt_hdr_syscall_restart sr;
		struct ckpt_hdr_cpu_x86_64 cpu;
		struct ckpt_hdr_mm mm;
		struct ckpt_hdr_vma vma;
		struct ckpt_hdr_pages pg;
		struct ckpt_hdr_trailer t;
	} *u = calloc(1, sizeof(*u));
	uint64_t prev_end = 0, xstate_bv, xcomp_bv;
	uint32_t nr_vmas;
	size_t off;

	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, u);
	ckpt_check_headers(_metadata, &w, e);
	if (e->id) {
		EXPECT_EQ((uint64_t)e->id, w.h.ckpt_id)
			TH_LOG("header ckpt_id %llu, checkpoint returned %ld",
			       (unsigned long long)w.h.ckpt_id, e->id);
	}
	EXPECT_NE(0ULL, w.h.ckpt_id);

	/* TREE */
	ckpt_check_tree(_metadata, &w, e, 1);

	/* TASK: pids of the checkpointer's pid namespace, like a subtree's tree */
	walk_take(_metadata, &w, CKPT_HDR_TASK, sizeof(u->task), sizeof(u->task),
		  &u->task, sizeof(u->task));
	if (e->pid) {
		EXPECT_EQ(e->pid, u->task.pid);
	}
	EXPECT_EQ(u->task.pid, u->task.tgid) TH_LOG("TASK of a thread?");
	EXPECT_EQ(w.h.root_pid, u->task.pid);
	if (e->flags & CHECKPOINT_SUBTREE) {
		EXPECT_EQ(w.root.pid, u->task.pid) TH_LOG("TASK and TREE name different pids");
	}
	EXPECT_EQ(w.root.exit_signal, u->task.exit_signal)
		TH_LOG("TASK and TREE name different exit signals");
	if (e->ppid) {
		EXPECT_EQ(e->ppid, u->task.ppid);
	}
	EXPECT_LE(u->task.exit_signal, 64U);
	EXPECT_LE(u->task.pdeath_signal, 64U);
	EXPECT_EQ(0U, u->task.flags & ~(uint32_t)CKPT_TASK_NO_NEW_PRIVS);
	EXPECT_EQ(0U, u->task.__pad);
	EXPECT_NE(NULL, memchr(u->task.comm, 0, sizeof(u->task.comm)))
		TH_LOG("comm is not NUL-terminated");

	/* CREDS */
	off = walk_take(_metadata, &w, CKPT_HDR_CREDS, sizeof(u->creds),
			sizeof(u->creds) + 4 * (size_t)CKPT_NGROUPS_MAX,
			&u->creds, sizeof(u->creds));
	(void)off;
	EXPECT_EQ(u->creds.h.len, sizeof(u->creds) + 4 * (size_t)u->creds.ngroups)
		TH_LOG("CREDS: len %u, ngroups %u", u->creds.h.len, u->creds.ngroups);
	if (e->uid != (uid_t)-1) {
		EXPECT_EQ(e->uid, u->creds.uid);
		EXPECT_EQ(e->uid, u->creds.euid);
	}
	EXPECT_EQ(0ULL, u->creds.cap_effective & ~u->creds.cap_permitted);

	/* RLIMITS */
	walk_take(_metadata, &w, CKPT_HDR_RLIMITS, sizeof(u->rl), sizeof(u->rl),
		  &u->rl, sizeof(u->rl));
	EXPECT_EQ((uint32_t)CKPT_RLIM_NLIMITS, u->rl.nr);
	EXPECT_EQ(0U, u->rl.__pad);
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		EXPECT_LE(u->rl.rlim[i].cur, u->rl.rlim[i].max) TH_LOG("rlimit %d", i);
	}

	/* FS */
	off = walk_take(_metadata, &w, CKPT_HDR_FS, sizeof(u->fs),
			sizeof(u->fs) + 2 * (size_t)CKPT_PATH_MAX, &u->fs, sizeof(u->fs));
	ASSERT_EQ(u->fs.h.len, sizeof(u->fs) + (size_t)u->fs.root_len + u->fs.cwd_len)
		TH_LOG("FS: len %u, root_len %u, cwd_len %u", u->fs.h.len,
		       u->fs.root_len, u->fs.cwd_len);
	EXPECT_TRUE(path_ok((const char *)buf + off + sizeof(u->fs), u->fs.root_len))
		TH_LOG("FS: bad root path");
	EXPECT_TRUE(path_ok((const char *)buf + off + sizeof(u->fs) + u->fs.root_len,
			    u->fs.cwd_len)) TH_LOG("FS: bad cwd path");
	EXPECT_EQ(0U, u->fs.umask & ~0777U);
	EXPECT_EQ(0U, u->fs.__pad);

	/* SIGHAND */
	walk_take(_metadata, &w, CKPT_HDR_SIGHAND, sizeof(u->sh), sizeof(u->sh),
		  &u->sh, sizeof(u->sh));
	EXPECT_EQ((uint32_t)CKPT_NSIG, u->sh.nr);
	EXPECT_EQ(0U, u->sh.__pad);
	EXPECT_EQ(0ULL, u->sh.action[SIGKILL - 1].handler);
	EXPECT_EQ(0ULL, u->sh.action[SIGSTOP - 1].handler);

	/* SIGNAL_TASK */
	walk_take(_metadata, &w, CKPT_HDR_SIGNAL_TASK, sizeof(u->st), sizeof(u->st),
		  &u->st, sizeof(u->st));
	EXPECT_EQ(0ULL, u->st.blocked & ((1ULL << (SIGKILL - 1)) |
					(1ULL << (SIGSTOP - 1))));
	EXPECT_EQ(0U, u->st.__pad);

	/* SIGPENDING: the task's own queue, then the process's */
	ckpt_check_sigpending(_metadata, &w, CKPT_SIGPENDING_TASK);
	ckpt_check_sigpending(_metadata, &w, CKPT_SIGPENDING_SHARED);

	/* ITIMERS: right after the two SIGPENDING records */
	ckpt_check_itimers(_metadata, &w);

	/* SYSCALL_RESTART */
	walk_take(_metadata, &w, CKPT_HDR_SYSCALL_RESTART, sizeof(u->sr),
		  sizeof(u->sr), &u->sr, sizeof(u->sr));
	EXPECT_LE(u->sr.kind, (uint32_t)CKPT_RESTART_POLL);
	EXPECT_EQ(0U, u->sr.flags & ~(uint32_t)(CKPT_RESTART_ABSTIME |
						CKPT_RESTART_FUTEX_SHARED |
						CKPT_RESTART_FUTEX_CLOCKRT |
						CKPT_RESTART_NO_TIMEOUT));
	EXPECT_EQ(0U, u->sr.__pad);

	/* CPU_X86_64 */
	walk_take(_metadata, &w, CKPT_HDR_CPU_X86_64, sizeof(u->cpu), sizeof(u->cpu),
		  &u->cpu, sizeof(u->cpu));
	EXPECT_EQ(0x33, u->cpu.cs) TH_LOG("cs %#x: not the 64-bit user cs", u->cpu.cs);
	EXPECT_EQ(0x2b, u->cpu.ss) TH_LOG("ss %#x", u->cpu.ss);
	EXPECT_LT(u->cpu.ip, 1ULL << 47) TH_LOG("ip %#llx",
						(unsigned long long)u->cpu.ip);
	EXPECT_LT(u->cpu.sp, 1ULL << 47) TH_LOG("sp %#llx",
						(unsigned long long)u->cpu.sp);
	EXPECT_EQ(0U, u->cpu.__pad);
	EXPECT_EQ(0ULL, u->cpu.debugreg[4]);
	EXPECT_EQ(0ULL, u->cpu.debugreg[5]);

	/* XSTATE: the standard-format XSAVE area of the arch record's size */
	off = walk_take(_metadata, &w, CKPT_HDR_XSTATE, sizeof(struct ckpt_hdr) + 576,
			sizeof(struct ckpt_hdr) + (1U << 20), NULL, 0);
	ASSERT_EQ(sizeof(struct ckpt_hdr) + w.a.xstate_size, rec_len_at(buf, off))
		TH_LOG("XSTATE len %u, arch xstate_size %u", rec_len_at(buf, off),
		       w.a.xstate_size);
	xstate_bv = get_u64(buf, off + sizeof(struct ckpt_hdr) + 512);
	xcomp_bv = get_u64(buf, off + sizeof(struct ckpt_hdr) + 520);
	EXPECT_EQ(0ULL, xstate_bv & ~w.a.xfeatures)
		TH_LOG("XSTATE_BV %#llx outside xfeatures %#llx",
		       (unsigned long long)xstate_bv, (unsigned long long)w.a.xfeatures);
	EXPECT_EQ(0ULL, xcomp_bv) TH_LOG("XSAVE area in compacted format");

	/* files (and pipes), fd table, files only mapped */
	ckpt_check_files(_metadata, &w, o);
	ckpt_check_fd_table(_metadata, &w, o);
	ckpt_check_files(_metadata, &w, o);

	/* MM */
	walk_take(_metadata, &w, CKPT_HDR_MM, sizeof(u->mm), sizeof(u->mm),
		  &u->mm, sizeof(u->mm));
	nr_vmas = u->mm.nr_vmas;
	EXPECT_GE(nr_vmas, 1U);
	EXPECT_LE(u->mm.auxv_len, (uint32_t)CKPT_AUXV_MAX);
	EXPECT_EQ(0U, u->mm.auxv_len % 2) TH_LOG("auxv_len %u", u->mm.auxv_len);
	EXPECT_LE(u->mm.start_code, u->mm.end_code);
	EXPECT_LE(u->mm.start_brk, u->mm.brk);
	EXPECT_LE(u->mm.arg_start, u->mm.arg_end);
	EXPECT_LE(u->mm.env_start, u->mm.env_end);
	EXPECT_TRUE(u->mm.exe_objref == 0 || objref_known(o, u->mm.exe_objref))
		TH_LOG("MM: exe_objref %d of no FILE before", u->mm.exe_objref);
	EXPECT_EQ(0U, u->mm.__pad);

	/* VMAs and their pages */
	for (uint32_t v = 0; v < nr_vmas; v++) {
		struct ckpt_hdr_vma vma;
		uint64_t saved = 0, next_page;

		off = walk_take(_metadata, &w, CKPT_HDR_VMA, sizeof(vma), sizeof(vma),
				&vma, sizeof(vma));
		ASSERT_LT(vma.start, vma.end) TH_LOG("VMA %u at %zu", v, off);
		EXPECT_EQ(0ULL, vma.start % CKPT_TEST_PAGE);
		EXPECT_EQ(0ULL, vma.end % CKPT_TEST_PAGE);
		EXPECT_GE(vma.start, prev_end) TH_LOG("VMA %u overlaps or is out of order", v);
		EXPECT_LE(vma.end, CKPT_TEST_TASK_SIZE) TH_LOG("VMA %u ends at %#llx", v,
							   (unsigned long long)vma.end);
		EXPECT_TRUE(vma.kind >= CKPT_VMA_ANON && vma.kind <= CKPT_VMA_VVAR)
			TH_LOG("VMA %u: kind %u", v, vma.kind);
		EXPECT_EQ(0U, vma.flags & ~0x3fffU);
		if (vma.kind == CKPT_VMA_FILE) {
			EXPECT_TRUE(objref_known(o, vma.file_objref))
				TH_LOG("VMA %u: file_objref %d of no FILE before", v,
				       vma.file_objref);
			EXPECT_EQ(0ULL, vma.pgoff % CKPT_TEST_PAGE);
		} else if (vma.kind == CKPT_VMA_SHMEM) {
			/* the objref of its memory object, which has no record */
			EXPECT_LT(0, vma.file_objref) TH_LOG("VMA %u", v);
			EXPECT_EQ(0ULL, vma.pgoff % CKPT_TEST_PAGE);
		} else {
			EXPECT_EQ(0, vma.file_objref);
			EXPECT_EQ(0ULL, vma.pgoff);
		}
		if (vma.kind == CKPT_VMA_ANON) {
			EXPECT_EQ(0U, vma.flags & CKPT_VMA_SHARED) TH_LOG("VMA %u", v);
		}
		if (vma.kind == CKPT_VMA_SHMEM) {
			EXPECT_NE(0U, vma.flags & CKPT_VMA_SHARED) TH_LOG("VMA %u", v);
		}
		EXPECT_EQ(0U, vma.__pad);
		EXPECT_LE(vma.nr_pages, (vma.end - vma.start) / CKPT_TEST_PAGE);
		prev_end = vma.end;
		next_page = vma.start;
		while (walk_peek(&w) == CKPT_HDR_PAGES) {
			struct ckpt_hdr_pages pg;

			off = walk_take(_metadata, &w, CKPT_HDR_PAGES, sizeof(pg) + CKPT_TEST_PAGE,
					sizeof(pg) + CKPT_PAGES_MAX * CKPT_TEST_PAGE,
					&pg, sizeof(pg));
			ASSERT_TRUE(pg.nr_pages >= 1 && pg.nr_pages <= CKPT_PAGES_MAX)
				TH_LOG("PAGES at %zu: nr_pages %u", off, pg.nr_pages);
			ASSERT_EQ(pg.h.len, sizeof(pg) + pg.nr_pages * CKPT_TEST_PAGE)
				TH_LOG("PAGES at %zu: len %u, nr_pages %u", off,
				       pg.h.len, pg.nr_pages);
			EXPECT_EQ(0ULL, pg.addr % CKPT_TEST_PAGE);
			EXPECT_GE(pg.addr, next_page)
				TH_LOG("PAGES at %zu: addr %#llx below %#llx", off,
				       (unsigned long long)pg.addr,
				       (unsigned long long)next_page);
			EXPECT_LE(pg.addr + pg.nr_pages * CKPT_TEST_PAGE, vma.end)
				TH_LOG("PAGES at %zu past its VMA", off);
			EXPECT_EQ(0U, pg.__pad);
			next_page = pg.addr + pg.nr_pages * CKPT_TEST_PAGE;
			saved += pg.nr_pages;
		}
		EXPECT_EQ(vma.nr_pages, saved) TH_LOG("VMA %u [%#llx, %#llx)", v,
						      (unsigned long long)vma.start,
						      (unsigned long long)vma.end);
	}

	/* TRAILER */
	walk_take(_metadata, &w, CKPT_HDR_TRAILER, sizeof(u->t), sizeof(u->t),
		  &u->t, sizeof(u->t));
	EXPECT_EQ(CKPT_MAGIC_TAIL, u->t.magic);
	EXPECT_EQ(w.h.ckpt_id, u->t.ckpt_id);
	EXPECT_EQ(w.nr - 1, u->t.nr_records) TH_LOG("trailer counts %u records, %u before it",
						    u->t.nr_records, w.nr - 1);
	EXPECT_EQ(0U, u->t.__pad);
	free(o);
	free(u);
	return w.off;
}

/*
 * checkpoint(pid, <fresh memfd>, flags) must fail with errno err after
 * writing exactly one complete failed-checkpoint image whose error record
 * carries err and contains msg (NULL: any message), leaving the file
 * offset at its end. The image is returned in *img (malloc()ed).
 * pid 0 means the caller.
 */
static inline void ckpt_capture_failed_image(struct __test_metadata *_metadata,
					     pid_t pid, unsigned long flags,
					     int err, const char *msg,
					     unsigned char **img, size_t *len)
{
	struct ckpt_expect e;
	int fd = memfd_create("ckpt_image", MFD_CLOEXEC);
	long r;

	ASSERT_LE(0, fd);
	ckpt_expect_init(&e, pid ? pid : getpid(), flags);
	e.errnum = err;
	e.msg[0] = msg;
	r = sys_checkpoint(pid, fd, flags);
	ckpt_expect_done(&e);
	ASSERT_EQ(-err, r) TH_LOG("checkpoint(%d, memfd, %#lx): %s", pid,
				  flags, r < 0 ? strerror((int)-r) : "success");
	ASSERT_EQ(0, fd_slurp(fd, img, len));
	EXPECT_EQ((off_t)*len, fd_pos(fd)) TH_LOG("file offset is not at the image end");
	EXPECT_EQ(*len, ckpt_check_failed_image(_metadata, *img, *len, &e))
		TH_LOG("bytes after the error record (no trailer expected)");
	close(fd);
}

/*
 * checkpoint(e->pid, <fresh memfd>, e->flags) of a stopped or frozen
 * target must succeed and write one complete image (checked with e; e->pid
 * and e->flags set by the caller, the id filled in here). The image is
 * loaded and indexed in *img. Returns the checkpoint id.
 */
static inline long ckpt_capture_image(struct __test_metadata *_metadata,
				      struct ckpt_expect *e,
				      struct ckpt_image *img)
{
	int fd = memfd_create("ckpt_image", MFD_CLOEXEC);
	long r;

	ckpt_image_init(img);
	ASSERT_LE(0, fd);
	clock_gettime(CLOCK_REALTIME, &e->before);
	r = sys_checkpoint(e->pid, fd, e->flags);
	ckpt_expect_done(e);
	ASSERT_LT(0, r) TH_LOG("checkpoint(%d, memfd, %#llx): %s", e->pid,
			       (unsigned long long)e->flags,
			       r < 0 ? strerror((int)-r) : "0");
	e->id = r;
	ASSERT_EQ(0, ckpt_image_load_fd(fd, img));
	EXPECT_EQ((off_t)img->len, fd_pos(fd)) TH_LOG("file offset is not at the image end");
	close(fd);
	EXPECT_EQ(img->len, ckpt_check_image(_metadata, img->data, img->len, e))
		TH_LOG("bytes after the trailer");
	EXPECT_TRUE(img->whole);
	return r;
}

/* ------------------------------------------------------------------ */
/* Checkpointable targets                                              */
/* ------------------------------------------------------------------ */

/*
 * A target that checkpoint(2) accepts: a single-threaded child with no
 * children, whose descriptors are 0, 1, 2 on /dev/null and (optionally)
 * fd 3 on a regular file under /tmp, at offset TGT_FILE_POS. It holds
 * TGT_HEAP_WORDS words of heap filled with a pattern, a SIGTERM handler,
 * and loops: check the heap, count in tgt_counter, sleep 2 ms (so it is
 * usually stopped inside nanosleep). SIGTERM makes it exit TGT_EXIT_OK;
 * a heap that changed makes it exit TGT_EXIT_CORRUPT.
 *
 * A hook run in the target before the loop adds what a test needs (a
 * pipe, a thread, a timer...); resources it adds to the fd table go at
 * TGT_EXTRA_FD so that error messages can be matched.
 *
 * The parent sees the target's memory through /proc/PID/mem: the target
 * is a fork of the test, so tgt_counter and tgt_heap are at the same
 * addresses in both, and in a copy of the target restarted from an image.
 */
#define TGT_EXIT_OK		150	/* SIGTERM seen, heap intact */
#define TGT_EXIT_CORRUPT	151	/* the heap pattern changed */
#define TGT_EXIT_SETUP		152	/* could not set itself up */
#define TGT_FILE_FD		3
#define TGT_FILE_POS		5
#define TGT_EXTRA_FD		10
#define TGT_HEAP_WORDS		4096	/* 32 KiB: 8 pages of heap */

static const char tgt_file_text[] = "checkpoint target file: keep me as I am\n";

static volatile uint64_t tgt_counter;
static volatile sig_atomic_t tgt_quit;
static uint64_t *volatile tgt_heap;

static inline uint64_t tgt_pattern(size_t i)
{
	return 0x7467745f68656170ULL ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

static void tgt_on_term(int sig)
{
	(void)sig;
	tgt_quit = 1;
}

typedef int (*ckpt_target_hook)(void *arg);

struct ckpt_target {
	pid_t pid;
	char path[64];		/* the file at fd 3, "" if none */
};

static inline void target_init(struct ckpt_target *t)
{
	t->pid = 0;
	t->path[0] = 0;
}

/* Close every descriptor from lowfd up. 0 or -1. */
static inline int ckpt_close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0) == 0)
		return 0;
#endif
	for (int fd = lowfd; fd < 65536; fd++)
		close(fd);
	return 0;
}

/* Put fd at number want (closing fd). 0 or -1. */
static inline int fd_move(int fd, int want)
{
	if (fd < 0)
		return -1;
	if (fd == want)
		return 0;
	if (dup2(fd, want) != want)
		return -1;
	close(fd);
	return 0;
}

/*
 * A target hook: both ends of a unix socket pair at TGT_EXTRA_FD and the
 * one after, which checkpoint refuses
 */
static inline int target_hook_socketpair(void *arg)
{
	int sv[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	return fd_move(sv[0], TGT_EXTRA_FD) || fd_move(sv[1], TGT_EXTRA_FD + 1);
}

static inline void __attribute__((noreturn))
target_body(const char *path, ckpt_target_hook hook, void *arg)
{
	struct sigaction sa;
	struct timespec ts = { 0, 2000000 };
	uint64_t *heap;
	int fd;

	if (ckpt_close_from(3))
		_exit(TGT_EXIT_SETUP);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(TGT_EXIT_SETUP);
	for (int i = 0; i <= 2; i++)
		if (fd != i && dup2(fd, i) != i)
			_exit(TGT_EXIT_SETUP);
	if (fd > 2)
		close(fd);
	if (path[0]) {
		fd = open(path, O_RDWR);
		if (fd_move(fd, TGT_FILE_FD) ||
		    lseek(TGT_FILE_FD, TGT_FILE_POS, SEEK_SET) != TGT_FILE_POS)
			_exit(TGT_EXIT_SETUP);
	}
	heap = malloc(TGT_HEAP_WORDS * sizeof(*heap));
	if (!heap)
		_exit(TGT_EXIT_SETUP);
	for (size_t i = 0; i < TGT_HEAP_WORDS; i++)
		heap[i] = tgt_pattern(i);
	tgt_heap = heap;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tgt_on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL))
		_exit(TGT_EXIT_SETUP);
	if (hook && hook(arg))
		_exit(TGT_EXIT_SETUP);
	for (;;) {
		if (tgt_quit)
			_exit(TGT_EXIT_OK);
		for (size_t i = 0; i < TGT_HEAP_WORDS; i++)
			if (tgt_heap[i] != tgt_pattern(i))
				_exit(TGT_EXIT_CORRUPT);
		tgt_counter++;
		nanosleep(&ts, NULL);
	}
}

/* Read n bytes of pid's memory at addr. 0 or -1. */
static inline int target_peek(pid_t pid, const volatile void *addr, void *buf,
			      size_t n)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = pread(fd, buf, n, (off_t)(uintptr_t)addr);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

/* tgt_counter of process pid, or (uint64_t)-1 if it cannot be read. */
static inline uint64_t target_counter_of(pid_t pid)
{
	uint64_t v;

	if (target_peek(pid, &tgt_counter, &v, sizeof(v)))
		return (uint64_t)-1;
	return v;
}

static inline uint64_t target_counter(const struct ckpt_target *t)
{
	return target_counter_of(t->pid);
}

/* 1 if pid's heap still holds the pattern, 0 if not or unreadable. */
static inline int target_heap_ok_of(pid_t pid)
{
	uint64_t *addr, *copy;
	int ok = 1;

	if (target_peek(pid, &tgt_heap, &addr, sizeof(addr)) || !addr)
		return 0;
	copy = malloc(TGT_HEAP_WORDS * sizeof(*copy));
	if (!copy)
		return 0;
	if (target_peek(pid, addr, copy, TGT_HEAP_WORDS * sizeof(*copy)))
		ok = 0;
	for (size_t i = 0; ok && i < TGT_HEAP_WORDS; i++)
		if (copy[i] != tgt_pattern(i))
			ok = 0;
	free(copy);
	return ok;
}

static inline int target_heap_ok(const struct ckpt_target *t)
{
	return target_heap_ok_of(t->pid);
}

/* 1 if pid's counter moves within CKPT_WAIT_MS, else 0. */
static inline int target_runs_pid(pid_t pid)
{
	uint64_t c0 = target_counter_of(pid), c;

	if (c0 == (uint64_t)-1)
		return 0;
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		c = target_counter_of(pid);
		if (c == (uint64_t)-1)
			return 0;
		if (c != c0)
			return 1;
		ckpt_msleep(2);
	}
	return 0;
}

/*
 * 1 once pid, a restarter, has become the restarted target: its counter
 * reads at least saved and then moves. While the restart is in progress
 * its memory may be unreadable or still the restarter's own; that is
 * waited out, within CKPT_WAIT_MS, so that a slow restart (TCG, KASAN)
 * is not taken for a failed one, nor killed halfway by the test.
 */
static inline int target_restarted_runs(pid_t pid, uint64_t saved)
{
	uint64_t c0 = (uint64_t)-1, c;

	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		c = target_counter_of(pid);
		if (c != (uint64_t)-1 && c >= saved) {
			if (c0 != (uint64_t)-1 && c != c0)
				return 1;
			c0 = c;
		}
		ckpt_msleep(2);
	}
	return 0;
}

static inline int target_runs(const struct ckpt_target *t)
{
	return target_runs_pid(t->pid);
}

/* 1 if t's counter stays put for CKPT_QUIET_MS, else 0. */
static inline int target_still(const struct ckpt_target *t)
{
	uint64_t c0 = target_counter(t), c;

	ckpt_msleep(CKPT_QUIET_MS);
	c = target_counter(t);
	return c0 != (uint64_t)-1 && c == c0;
}

/*
 * Like fork(), with clone(2) flags such as CLONE_NEWPID (the child is
 * then pid 1 of a new pid namespace). The raw system call leaves glibc's
 * idea of the thread id stale in the child: it must not use pthreads or
 * raise(); target_body() does not.
 */
static inline pid_t fork_flags(unsigned long clone_flags)
{
	if (!clone_flags)
		return fork();
	return (pid_t)syscall(SYS_clone, clone_flags | SIGCHLD, 0L, 0L, 0L, 0L);
}

/*
 * Fork a target with clone(2) flags clone_flags (0: a plain fork; with
 * CLONE_NEWPID it is the init of a new pid namespace, where its parent is
 * not visible), with a file at fd 3 if with_file, running hook(arg)
 * before its loop, and wait until it loops. 0, or -1 (then t->pid is 0:
 * the target died, reaped, or could not be started).
 */
static inline int target_spawn_flags(struct ckpt_target *t, int with_file,
				     ckpt_target_hook hook, void *arg,
				     unsigned long clone_flags)
{
	pid_t parent = getpid();
	int status;

	target_init(t);
	if (with_file) {
		int fd;

		snprintf(t->path, sizeof(t->path), "/tmp/ckpt_tgt.XXXXXX");
		fd = mkostemp(t->path, O_CLOEXEC);
		if (fd < 0) {
			t->path[0] = 0;
			return -1;
		}
		if (write_all(fd, tgt_file_text, sizeof(tgt_file_text) - 1) ||
		    fchmod(fd, 0644)) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	t->pid = fork_flags(clone_flags);
	if (t->pid < 0) {
		t->pid = 0;
		return -1;
	}
	if (t->pid == 0) {
		if (clone_flags & CLONE_NEWPID) {
			/* the parent is outside: getppid() is 0 */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getpid() != 1 ||
			    getppid() != 0)
				_exit(TGT_EXIT_SETUP);
		} else if (child_tie_to_parent(parent)) {
			_exit(TGT_EXIT_SETUP);
		}
		if (ckpt_privatize_shared())
			_exit(TGT_EXIT_SETUP);
		target_body(t->path, hook, arg);
	}
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		uint64_t c = target_counter(t);

		if (c != (uint64_t)-1 && c > 0)
			return 0;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return -1;
		}
		ckpt_msleep(2);
	}
	reap_kill(&t->pid);
	return -1;
}

static inline int target_spawn(struct ckpt_target *t, int with_file,
			       ckpt_target_hook hook, void *arg)
{
	return target_spawn_flags(t, with_file, hook, arg, 0);
}

static inline int target_stop(const struct ckpt_target *t)
{
	return pid_stop(t->pid);
}

/*
 * SIGTERM the target and reap it: its exit status (TGT_EXIT_OK for a
 * target that ran well), or -1 if it died otherwise or did not end.
 */
static inline int target_finish(struct ckpt_target *t)
{
	if (t->pid <= 0 || kill(t->pid, SIGTERM))
		return -1;
	return reap_exit_status(&t->pid);
}

/* Kill and reap the target; its file stays. */
static inline void target_kill(struct ckpt_target *t)
{
	reap_kill(&t->pid);
}

/* Kill and reap the target and remove its file. Idempotent. */
static inline void target_cleanup(struct ckpt_target *t)
{
	reap_kill(&t->pid);
	if (t->path[0])
		unlink(t->path);
	t->path[0] = 0;
}

/*
 * The stopped target t was left as it was: still stopped (its counter
 * does not move), its heap intact; continued, it runs (its counter
 * moves) and SIGTERM ends it with TGT_EXIT_OK. Reaps it.
 */
static inline void assert_target_unchanged(struct __test_metadata *_metadata,
					   struct ckpt_target *t)
{
	EXPECT_EQ('T', proc_state(t->pid)) TH_LOG("the target is not stopped any more");
	EXPECT_TRUE(target_still(t)) TH_LOG("the stopped target ran");
	EXPECT_TRUE(target_heap_ok(t)) TH_LOG("the target's heap changed");
	ASSERT_EQ(0, kill(t->pid, SIGCONT));
	ASSERT_TRUE(target_runs(t)) TH_LOG("the target does not run after SIGCONT");
	EXPECT_TRUE(target_heap_ok(t));
	ASSERT_EQ(TGT_EXIT_OK, target_finish(t))
		TH_LOG("exit status of the target (%d: heap changed)", TGT_EXIT_CORRUPT);
}

/*
 * What the image of a target must hold beyond being well-formed: fds 0-2
 * on /dev/null and fd 3 on its file at TGT_FILE_POS (if it has one), the
 * SIGTERM handler, and the target's own memory: tgt_counter as `counter`
 * (read from the stopped target) and the heap pattern. `img` is a
 * complete image, indexed.
 */
static inline void ckpt_check_target_image(struct __test_metadata *_metadata,
					   const struct ckpt_image *img,
					   const struct ckpt_target *t,
					   uint64_t counter)
{
	struct ckpt_hdr_sighand sh;
	struct ckpt_hdr_file f;
	struct ckpt_fd_entry ent;
	const unsigned char *page;
	uint64_t heap, v;
	ssize_t i;
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		ASSERT_EQ(0, ckpt_image_fd(img, fd, &ent)) TH_LOG("fd %d not in the image", fd);
		i = ckpt_image_file(img, ent.objref);
		ASSERT_LE(0, i) TH_LOG("fd %d: no FILE record", fd);
		memcpy(&f, img->data + img->rec[i].off, sizeof(f));
		EXPECT_EQ((uint32_t)CKPT_FILE_CHR, f.kind);
		EXPECT_STREQ("/dev/null", (const char *)img->data + img->rec[i].off + sizeof(f));
	}
	if (t->path[0]) {
		struct stat st;

		ASSERT_EQ(0, stat(t->path, &st));
		ASSERT_EQ(0, ckpt_image_fd(img, TGT_FILE_FD, &ent)) TH_LOG("fd 3 not in the image");
		EXPECT_EQ(0U, ent.flags);
		i = ckpt_image_file(img, ent.objref);
		ASSERT_LE(0, i) TH_LOG("fd 3: no FILE record");
		memcpy(&f, img->data + img->rec[i].off, sizeof(f));
		EXPECT_EQ((uint32_t)CKPT_FILE_REG, f.kind);
		EXPECT_STREQ(t->path, (const char *)img->data + img->rec[i].off + sizeof(f));
		EXPECT_EQ((uint64_t)TGT_FILE_POS, f.pos);
		EXPECT_EQ((uint64_t)st.st_size, f.size);
		EXPECT_EQ((uint64_t)st.st_ino, f.ino);
		EXPECT_EQ((uint32_t)O_RDWR, f.f_flags & O_ACCMODE);
	} else {
		EXPECT_NE(0, ckpt_image_fd(img, TGT_FILE_FD, &ent));
	}
	EXPECT_NE(0, ckpt_image_fd(img, TGT_FILE_FD + 1, &ent)) TH_LOG("an fd the target does not have");

	i = ckpt_image_find(img, CKPT_HDR_SIGHAND, 0);
	ASSERT_LE(0, i);
	memcpy(&sh, img->data + img->rec[i].off, sizeof(sh));
	EXPECT_EQ((uint64_t)(uintptr_t)tgt_on_term, sh.action[SIGTERM - 1].handler);

	page = ckpt_image_page(img, (uintptr_t)&tgt_counter);
	ASSERT_NE(NULL, page) TH_LOG("the page of tgt_counter is not in the image");
	memcpy(&v, page + ((uintptr_t)&tgt_counter % CKPT_TEST_PAGE), sizeof(v));
	EXPECT_EQ(counter, v) TH_LOG("tgt_counter in the image");

	page = ckpt_image_page(img, (uintptr_t)&tgt_heap);
	ASSERT_NE(NULL, page) TH_LOG("the page of tgt_heap is not in the image");
	memcpy(&heap, page + ((uintptr_t)&tgt_heap % CKPT_TEST_PAGE), sizeof(heap));
	ASSERT_NE(0ULL, heap);
	for (size_t w = 0; w < TGT_HEAP_WORDS; w++) {
		uint64_t addr = heap + w * sizeof(uint64_t);

		page = ckpt_image_page(img, addr);
		ASSERT_NE(NULL, page) TH_LOG("heap page %#llx not in the image",
					     (unsigned long long)addr);
		memcpy(&v, page + (addr % CKPT_TEST_PAGE), sizeof(v));
		ASSERT_EQ(tgt_pattern(w), v) TH_LOG("heap word %zu in the image", w);
	}
}

/* ------------------------------------------------------------------ */
/* "The caller is unharmed"                                            */
/* ------------------------------------------------------------------ */

#define CKPT_CANARY 0x636b70745f636e72ULL
#define PROBE_FDS 64

static volatile uint64_t ckpt_canary_global = CKPT_CANARY;

/*
 * What a refused restart(2) must leave as it was in the caller: ids,
 * memory (data, heap, an anonymous mapping), working directory, umask,
 * signal mask, a signal disposition, a resource limit, the open
 * descriptors (as device and inode) and the interval timers (see
 * probe_itimer_same()).
 */
struct ckpt_probe {
	pid_t pid, ppid;
	uint64_t *heap;
	uint64_t *map;
	char cwd[256];
	mode_t umask;
	sigset_t blocked;
	struct sigaction usr2;
	struct rlimit nofile;
	struct itimerval itimer[CKPT_ITIMER_NR];
	struct {
		int open;
		dev_t dev;
		ino_t ino;
	} fd[PROBE_FDS];
};

static inline mode_t get_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/*
 * Is the interval timer `now` the one read earlier as `was`? The same
 * interval; disarmed if it was; if it was armed, armed still, with no
 * more time left than then and no less than half of it (the timers
 * probed are armed for far longer than any test runs: one that a restart
 * replaced by the image's shows).
 */
static inline int probe_itimer_same(const struct itimerval *was,
				    const struct itimerval *now)
{
	int64_t w = ckpt_tv_ns(&was->it_value), n = ckpt_tv_ns(&now->it_value);

	if (ckpt_tv_ns(&was->it_interval) != ckpt_tv_ns(&now->it_interval))
		return 0;
	if (!w)
		return !n;
	return n > 0 && n <= w && n >= w / 2;
}

static inline void probe_arm(struct ckpt_probe *p)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
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
	if (!getcwd(p->cwd, sizeof(p->cwd)))
		p->cwd[0] = 0;
	p->umask = get_umask();
	sigprocmask(SIG_BLOCK, NULL, &p->blocked);
	sigaction(SIGUSR2, NULL, &p->usr2);
	getrlimit(RLIMIT_NOFILE, &p->nofile);
	for (int k = 0; k < CKPT_ITIMER_NR; k++)
		getitimer(k, &p->itimer[k]);
	for (int fd = 0; fd < PROBE_FDS; fd++) {
		if (fstat(fd, &st))
			continue;
		p->fd[fd].open = 1;
		p->fd[fd].dev = st.st_dev;
		p->fd[fd].ino = st.st_ino;
	}
}

/* 1 if this process still looks exactly like before. */
static inline int probe_intact(const struct ckpt_probe *p)
{
	struct itimerval it;
	struct sigaction sa;
	struct rlimit rl;
	struct stat st;
	sigset_t blocked;
	char cwd[256];

	if (getpid() != p->pid || getppid() != p->ppid)
		return 0;
	if (ckpt_canary_global != CKPT_CANARY)
		return 0;
	for (size_t i = 0; i < 4096 / 8; i++)
		if (p->heap[i] != (CKPT_CANARY ^ i) ||
		    p->map[i] != (CKPT_CANARY ^ i))
			return 0;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, p->cwd))
		return 0;
	if (get_umask() != p->umask)
		return 0;
	sigprocmask(SIG_BLOCK, NULL, &blocked);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&blocked, s) != sigismember(&p->blocked, s))
			return 0;
	sigaction(SIGUSR2, NULL, &sa);
	if (sa.sa_handler != p->usr2.sa_handler || sa.sa_flags != p->usr2.sa_flags)
		return 0;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur != p->nofile.rlim_cur || rl.rlim_max != p->nofile.rlim_max)
		return 0;
	for (int k = 0; k < CKPT_ITIMER_NR; k++)
		if (getitimer(k, &it) || !probe_itimer_same(&p->itimer[k], &it))
			return 0;
	for (int fd = 0; fd < PROBE_FDS; fd++) {
		if (!p->fd[fd].open)
			continue;
		if (fstat(fd, &st) || st.st_dev != p->fd[fd].dev ||
		    st.st_ino != p->fd[fd].ino)
			return 0;
	}
	return 1;
}

static inline void probe_disarm(struct ckpt_probe *p)
{
	free(p->heap);
	munmap(p->map, 4096);
}

/* ------------------------------------------------------------------ */
/* Restarters                                                          */
/* ------------------------------------------------------------------ */

#define RST_EXIT_RETURNED	200	/* restart(2) returned >= 0: never right */
#define RST_EXIT_SETUP		201	/* the restarter could not set up */
#define RST_EXIT_CHANGED	202	/* restart(2) failed but changed the caller */

static void *rst_idle_thread(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;)
		pause();
	return NULL;
}

/*
 * Interval timers of a restarter, armed for far longer than a test runs
 * (their signals would kill it): ITIMER_REAL and ITIMER_PROF, with
 * intervals; ITIMER_VIRTUAL stays disarmed. A refused restart must leave
 * them as they are (probe_intact()); a restart replaces them by the
 * image's. 0 or -1.
 */
#define RST_DECOY_REAL_S	1000000
#define RST_DECOY_REAL_INTERVAL_S 7
#define RST_DECOY_PROF_S	2000000
#define RST_DECOY_PROF_INTERVAL_S 11

static inline int rst_arm_decoy_timers(void)
{
	const struct itimerval real = { { RST_DECOY_REAL_INTERVAL_S, 0 },
					{ RST_DECOY_REAL_S, 0 } };
	const struct itimerval prof = { { RST_DECOY_PROF_INTERVAL_S, 0 },
					{ RST_DECOY_PROF_S, 0 } };
	struct itimerval it;

	if (setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_PROF, &prof, NULL))
		return -1;
	if (getitimer(ITIMER_REAL, &it) || !it.it_value.tv_sec ||
	    it.it_interval.tv_sec != RST_DECOY_REAL_INTERVAL_S)
		return -1;
	if (getitimer(ITIMER_PROF, &it) || !it.it_value.tv_sec ||
	    it.it_interval.tv_sec != RST_DECOY_PROF_INTERVAL_S)
		return -1;
	return 0;
}

/* Who a restarter shares its memory with (restarter_spawn()) */
enum rst_company {
	RST_ALONE,
	RST_SECOND_THREAD,	/* a second thread */
	RST_MEMORY_SHARER,	/* a child process of clone(CLONE_VM) */
	RST_READ_AREA,		/* none, but maps RST_AREA_SIZE at RST_AREA_ADDR
				 * for a reader, and waits RST_AREA_WAIT_MS */
};

#define RST_AREA_ADDR		0x500000000000UL
#define RST_AREA_SIZE		(16UL << 20)
#define RST_AREA_WAIT_MS	300

/* The CLONE_VM child: waits for its parent's death (raw calls only) */
static int rst_memory_sharer(void *arg)
{
	(void)arg;
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static inline int rst_start_company(enum rst_company company, pid_t *sharer)
{
	static char stack[65536] __attribute__((aligned(16)));
	pthread_t th;

	*sharer = 0;
	switch (company) {
	case RST_SECOND_THREAD:
		return pthread_create(&th, NULL, rst_idle_thread, NULL) ? -1 : 0;
	case RST_MEMORY_SHARER:
		*sharer = clone(rst_memory_sharer, stack + sizeof(stack),
				CLONE_VM | SIGCHLD, NULL);
		return *sharer > 0 ? 0 : -1;
	case RST_READ_AREA:
		if (mmap((void *)RST_AREA_ADDR, RST_AREA_SIZE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
			 -1, 0) != (void *)RST_AREA_ADDR)
			return -1;
		ckpt_msleep(RST_AREA_WAIT_MS);
		return 0;
	default:
		return 0;
	}
}

/*
 * Fork a restarter: a child that dies with the test (PR_SET_PDEATHSIG),
 * optionally starts a second thread or a process sharing its memory,
 * arms interval timers of its own (rst_arm_decoy_timers()), and calls
 * restart(0, fd, flags) on a memfd holding buf[0..len). If restart
 * returns an error, it exits with the errno, or with RST_EXIT_CHANGED if
 * the failed restart changed it (see probe_intact()); if restart works,
 * the child *is* the restarted task from then on. Returns the pid, or -1.
 */
static inline pid_t restarter_spawn(const void *buf, size_t len,
				    unsigned long flags, enum rst_company company)
{
	pid_t parent = getpid(), pid;
	int fd = memfd_with(buf, len);

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct ckpt_probe probe;
		pid_t sharer;
		long r;

		if (child_tie_to_parent(parent))
			_exit(RST_EXIT_SETUP);
		if (rst_start_company(company, &sharer))
			_exit(RST_EXIT_SETUP);
		if (rst_arm_decoy_timers())
			_exit(RST_EXIT_SETUP);
		probe_arm(&probe);
		r = sys_restart(0, fd, flags);
		if (r >= 0)
			_exit(RST_EXIT_RETURNED);
		if (sharer > 0) {
			kill(sharer, SIGKILL);
			waitpid(sharer, NULL, 0);
		}
		if (!probe_intact(&probe) || fcntl(fd, F_GETFD) < 0)
			_exit(RST_EXIT_CHANGED);
		_exit((int)-r);
	}
	close(fd);
	return pid < 0 ? -1 : pid;
}

/* How a restarter ended. */
struct rst_outcome {
	int ended;		/* 0: still running after the bound, killed */
	int exited;		/* exit status, or -1 */
	int signal;		/* terminating signal, or 0 */
};

/* Wait (bounded) for restarter pid to end; kill it if it does not. */
static inline void restarter_wait(pid_t pid, struct rst_outcome *o, int ms)
{
	int status;

	o->ended = 0;
	o->exited = -1;
	o->signal = 0;
	if (wait_bounded(pid, &status, ms)) {
		kill(pid, SIGKILL);
		wait_bounded(pid, &status, CKPT_WAIT_MS);
		return;
	}
	o->ended = 1;
	if (WIFEXITED(status))
		o->exited = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		o->signal = WTERMSIG(status);
}

static inline const char *rst_outcome_str(const struct rst_outcome *o, char *buf,
					  size_t size)
{
	if (!o->ended)
		snprintf(buf, size, "still running after %d ms (restarted?)",
			 CKPT_WAIT_MS);
	else if (o->signal)
		snprintf(buf, size, "killed by signal %d (%s)", o->signal,
			 strsignal(o->signal));
	else if (o->exited == RST_EXIT_RETURNED)
		snprintf(buf, size, "restart returned success");
	else if (o->exited == RST_EXIT_SETUP)
		snprintf(buf, size, "restarter setup failed");
	else if (o->exited == RST_EXIT_CHANGED)
		snprintf(buf, size, "restart failed but changed the caller");
	else
		snprintf(buf, size, "restart failed: %s (exit %d)",
			 strerror(o->exited), o->exited);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Leftover processes                                                  */
/* ------------------------------------------------------------------ */

/* ppid and pgrp of pid from /proc/<pid>/stat. 0 or -1. */
static inline int proc_ppid_pgrp(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512], *p, state;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d %d", &state, ppid, pgrp) != 3)
		return -1;
	return 0;
}

/*
 * Processes of the caller's process group (the harness gives each test
 * one) other than the caller, its ancestors and the pids in allow[].
 * Returns how many, the first in *first.
 */
static inline int pgrp_strays(const pid_t *allow, size_t nallow, pid_t *first)
{
	pid_t me = getpid(), pgrp = getpgrp(), anc[32];
	size_t nanc = 0;
	struct dirent *d;
	int n = 0;
	DIR *dir;

	*first = 0;
	for (pid_t p = me; p > 1 && nanc < 32;) {
		pid_t pp, pg;

		anc[nanc++] = p;
		if (proc_ppid_pgrp(p, &pp, &pg))
			break;
		p = pp;
	}
	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		pid_t pid = (pid_t)atoi(d->d_name), pp, pg;
		int skip = 0;

		if (pid <= 0 || proc_ppid_pgrp(pid, &pp, &pg) || pg != pgrp)
			continue;
		for (size_t i = 0; i < nanc; i++)
			skip |= anc[i] == pid;
		for (size_t i = 0; i < nallow; i++)
			skip |= allow[i] == pid;
		if (skip)
			continue;
		if (!n++)
			*first = pid;
	}
	closedir(dir);
	return n;
}

/* No child left to reap and no stray process in the test's group. */
static inline void assert_no_leftovers(struct __test_metadata *_metadata)
{
	pid_t stray, r;
	int status, err;

	r = waitpid(-1, &status, WNOHANG);
	err = errno;
	EXPECT_EQ(-1, r) TH_LOG("child %d is left", r);
	EXPECT_EQ(ECHILD, err) TH_LOG("waitpid: %s", strerror(err));
	EXPECT_EQ(0, pgrp_strays(NULL, 0, &stray))
		TH_LOG("process %d (state %c) is left in the test's process group",
		       stray, proc_state(stray));
}

/* ------------------------------------------------------------------ */
/* restart(0, ...) of an image that must be refused                    */
/* ------------------------------------------------------------------ */

/*
 * restart(0) reading buf[0..len) from a memfd must fail with errno err
 * (positive) and leave the caller intact. `what` names the case in failure
 * messages. The caller is the test process itself: it must be alone
 * (restart(2) refuses a caller with threads or children with EBUSY once
 * the image header is read), and the image must be refused before the
 * point of no return.
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
 * chunks of `chunk` bytes (0: all at once). Since the caller of restart(2)
 * may have no children, the call is made by a restarter child, a sibling
 * of the writer, which checks that it is intact itself and exits with the
 * errno. *writer is the writer's pid while it runs (for the caller's
 * teardown), 0 once reaped.
 */
static inline void expect_restart_pipe(struct __test_metadata *_metadata,
				       const struct ckpt_probe *p,
				       const void *buf, size_t len,
				       size_t chunk, pid_t *writer, int err,
				       const char *what)
{
	int rfd = feeder_spawn(buf, len, chunk, writer);
	pid_t parent = getpid(), pid;
	struct rst_outcome o;
	char out[128];

	ASSERT_LE(0, rfd) TH_LOG("pipe feeder for %s", what);
	pid = fork();
	if (pid == 0) {
		struct ckpt_probe mine;
		long r;

		if (child_tie_to_parent(parent))
			_exit(RST_EXIT_SETUP);
		probe_arm(&mine);
		r = sys_restart(0, rfd, 0);
		if (r >= 0)
			_exit(RST_EXIT_RETURNED);
		if (!probe_intact(&mine) || fcntl(rfd, F_GETFD) < 0)
			_exit(RST_EXIT_CHANGED);
		_exit((int)-r);
	}
	close(rfd);
	ASSERT_LT(0, pid) TH_LOG("restarter for %s", what);
	restarter_wait(pid, &o, CKPT_WAIT_MS);
	EXPECT_TRUE(o.ended && o.exited == err)
		TH_LOG("restart of %s (%zu bytes via pipe, chunk %zu): %s, expected %s",
		       what, len, chunk, rst_outcome_str(&o, out, sizeof(out)),
		       strerror(err));
	EXPECT_TRUE(probe_intact(p));
	EXPECT_EQ(0, reap_exit_status(writer)) TH_LOG("pipe writer for %s", what);
}

#define expect_restart_einval(_metadata, p, buf, len, what) \
	expect_restart(_metadata, p, buf, len, EINVAL, what)

#endif /* CKPT_TEST_H */
