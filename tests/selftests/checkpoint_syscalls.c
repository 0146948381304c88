// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2): argument checking, permission and state
 * checks, and the image a checkpoint writes in this version (header, arch
 * record, then an EOPNOTSUPP error record, no trailer).
 */
#include "ckpt_test.h"

#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

/* ------------------------------------------------------------------ */
/* Helpers local to this file                                          */
/* ------------------------------------------------------------------ */

static int new_memfd(void)
{
	return memfd_create("ckpt_image", MFD_CLOEXEC);
}

/*
 * A fresh empty file under /tmp, opened with flags (O_RDONLY, O_WRONLY or
 * O_RDWR), and also O_PATH into *opath if opath is not NULL. The name is
 * unlinked before returning, so nothing is left behind. The fd or -1.
 */
static int new_tmpfile(int flags, int *opath)
{
	char path[] = "/tmp/ckpt_test.XXXXXX";
	int tmp, fd;

	tmp = mkostemp(path, O_CLOEXEC);
	if (tmp < 0)
		return -1;
	fd = open(path, flags | O_CLOEXEC);
	if (opath)
		*opath = open(path, O_PATH | O_CLOEXEC);
	unlink(path);
	close(tmp);
	if (opath && *opath < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A number that is not an open fd right now. */
static int closed_fd(void)
{
	int fd = new_memfd();

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Wait until pid is in scheduler state want; returns the last state seen. */
static char wait_state(pid_t pid, char want)
{
	char s = 0;

	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 5) {
		s = proc_state(pid);
		if (s == want)
			break;
		ckpt_msleep(5);
	}
	return s;
}

/*
 * The stopped target c must still be stopped (a poke gets no answer), and
 * once continued it must run normally: answer the poke and exit 42.
 */
static void assert_stopped_child_survives(struct __test_metadata *_metadata,
					  struct ckpt_child *c)
{
	EXPECT_EQ('T', proc_state(c->pid));
	ASSERT_EQ(0, child_poke(c));
	EXPECT_EQ(0, child_replied(c, CKPT_QUIET_MS))
		TH_LOG("the stopped target ran before SIGCONT");
	ASSERT_EQ(0, kill(c->pid, SIGCONT));
	ASSERT_EQ(1, child_replied(c, CKPT_WAIT_MS))
		TH_LOG("the target did not run after SIGCONT");
	ASSERT_EQ(CHILD_EXIT_OK, reap_exit_status(&c->pid));
}

/* The running target c must answer a poke and exit 42. */
static void assert_running_child_survives(struct __test_metadata *_metadata,
					  struct ckpt_child *c)
{
	ASSERT_EQ(0, child_poke(c));
	ASSERT_EQ(1, child_replied(c, CKPT_WAIT_MS));
	ASSERT_EQ(CHILD_EXIT_OK, reap_exit_status(&c->pid));
}

/* A child that has exited and been reaped: its pid is (almost surely) free */
static pid_t reaped_pid(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return pid;
}

/* Drop to nobody:nogroup; re-arm the death signal (a uid change clears it) */
static int drop_privileges(pid_t parent)
{
	if (setgroups(0, NULL) ||
	    setresgid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY) ||
	    setresuid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY))
		return -1;
	if (geteuid() != CKPT_NOBODY || getegid() != CKPT_NOBODY)
		return -1;
	return child_tie_to_parent(parent);
}

/* Exit code carrying the result of a system call made in a child. */
static int __attribute__((noreturn)) exit_with(long r)
{
	if (r == 0)
		_exit(200);		/* success: never expected here */
	if (r > 0)
		_exit(201);
	_exit((int)(-r) & 0xff);	/* the errno */
}

#define EXIT_SETUP_FAILED	202

static const unsigned long bad_checkpoint_flags[] = {
	0x2, 0x4, 0x100, 0x80000000UL, 1UL << 32, 1UL << 63, ~0UL,
	~CHECKPOINT_FLAGS_ALL,
};

static const unsigned long bad_restart_flags[] = {
	0x1, 0x2, 0x80000000UL, 1UL << 32, 1UL << 63, ~0UL,
	~RESTART_FLAGS_ALL,
};

/* ------------------------------------------------------------------ */
/* checkpoint(2): argument errors                                      */
/* ------------------------------------------------------------------ */

TEST(checkpoint_bad_flags)
{
	int fd = new_memfd();

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < ARRAY_SIZE(bad_checkpoint_flags); i++) {
		unsigned long f = bad_checkpoint_flags[i];

		EXPECT_EQ(-EINVAL, sys_checkpoint(0, fd, f)) TH_LOG("flags %#lx", f);
	}
	EXPECT_EQ(0, fd_size(fd)) TH_LOG("a refused checkpoint wrote to the fd");
	close(fd);
}

/* Flags are checked before everything else. */
TEST(checkpoint_bad_flags_checked_first)
{
	int fd = new_memfd();

	ASSERT_LE(0, fd);
	/* would be ESRCH and EBADF */
	EXPECT_EQ(-EINVAL, sys_checkpoint(unused_pid(), -1, 0x2));
	/* would be EBADF (and EBUSY: init is not stopped) */
	EXPECT_EQ(-EINVAL, sys_checkpoint(1, -1, 0x2));
	/* would be EBUSY */
	EXPECT_EQ(-EINVAL, sys_checkpoint(1, fd, ~0UL));
	EXPECT_EQ(0, fd_size(fd));
	close(fd);
}

TEST(checkpoint_negative_pid)
{
	static const pid_t pids[] = { -1, -2, -1000, INT_MIN };
	int fd = new_memfd();

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		EXPECT_EQ(-EINVAL, sys_checkpoint(pids[i], fd, 0)) TH_LOG("pid %d", pids[i]);
	}
	EXPECT_EQ(0, fd_size(fd));
	close(fd);
}

TEST(checkpoint_no_such_pid)
{
	pid_t pids[] = { unused_pid(), INT_MAX, reaped_pid() };
	int fd = new_memfd();

	ASSERT_LE(0, fd);
	ASSERT_LT(0, pids[2]);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		EXPECT_EQ(-ESRCH, sys_checkpoint(pids[i], fd, 0)) TH_LOG("pid %d", pids[i]);
	}
	EXPECT_EQ(0, fd_size(fd));
	close(fd);
}

TEST(checkpoint_bad_fd)
{
	int fds[] = { -1, INT_MAX, closed_fd() };

	ASSERT_LE(0, fds[2]);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		EXPECT_EQ(-EBADF, sys_checkpoint(0, fds[i], 0)) TH_LOG("fd %d", fds[i]);
	}
}

TEST(checkpoint_fd_not_writable)
{
	char proc[64];
	int rdonly, opath, pipefd[2], memfd, memfd_ro, queued = -1;

	rdonly = new_tmpfile(O_RDONLY, &opath);
	ASSERT_LE(0, rdonly);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	memfd = new_memfd();
	ASSERT_LE(0, memfd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", memfd);
	memfd_ro = open(proc, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, memfd_ro);

	EXPECT_EQ(-EBADF, sys_checkpoint(0, rdonly, 0)) TH_LOG("O_RDONLY file");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, opath, 0)) TH_LOG("O_PATH file");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, pipefd[0], 0)) TH_LOG("pipe read end");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, memfd_ro, 0)) TH_LOG("read-only memfd");

	EXPECT_EQ(0, fd_size(rdonly));
	EXPECT_EQ(0, fd_size(memfd));
	ASSERT_EQ(0, ioctl(pipefd[0], FIONREAD, &queued));
	EXPECT_EQ(0, queued);
	close(rdonly);
	close(opath);
	close(pipefd[0]);
	close(pipefd[1]);
	close(memfd);
	close(memfd_ro);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of the caller                                         */
/* ------------------------------------------------------------------ */

static void self_checkpoint(struct __test_metadata *_metadata, pid_t pid_arg,
			    unsigned long flags)
{
	struct ckpt_probe probe;
	unsigned char *img = NULL;
	size_t len = 0;

	probe_arm(&probe);
	ckpt_capture_failed_image(_metadata, pid_arg, flags, &img, &len);
	EXPECT_TRUE(probe_intact(&probe)) TH_LOG("the caller changed");
	free(img);
	probe_disarm(&probe);
}

/*
 * A character device is a stream like any other: the image of a refused
 * checkpoint goes through /dev/null (EOPNOTSUPP, not a write error).
 */
TEST(checkpoint_into_dev_null)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, sys_checkpoint(0, fd, 0));
	close(fd);
}

/*
 * A file whose operations have no write_iter/read_iter (here a procfs
 * knob with plain read/write) cannot carry an image: EINVAL, and the
 * file is left untouched.
 */
TEST(image_fd_without_iter_ops)
{
	char before[32] = "", after[32] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, pread(fd, before, sizeof(before) - 1, 0));
	EXPECT_EQ(-EINVAL, sys_checkpoint(0, fd, 0));
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, 0));
	ASSERT_LT(0, pread(fd, after, sizeof(after) - 1, 0));
	EXPECT_STREQ(before, after);
	close(fd);
}

TEST(checkpoint_self_pid0)
{
	self_checkpoint(_metadata, 0, 0);
}

TEST(checkpoint_self_getpid)
{
	self_checkpoint(_metadata, getpid(), 0);
}

TEST(checkpoint_self_subtree_flag)
{
	self_checkpoint(_metadata, 0, CHECKPOINT_SUBTREE);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of a child                                            */
/* ------------------------------------------------------------------ */

FIXTURE(target) {
	struct ckpt_child c;	/* the target, CHILD_BLOCK */
	struct ckpt_child c2;	/* a second target, when a test needs one */
	pid_t aux;		/* helper child (attacker, pipe drainer) */
	int fd;			/* memfd for the image */
};

FIXTURE_SETUP(target)
{
	child_init(&self->c);
	child_init(&self->c2);
	self->aux = 0;
	self->fd = new_memfd();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
}

FIXTURE_TEARDOWN(target)
{
	child_kill(&self->c);
	child_kill(&self->c2);
	reap_kill(&self->aux);
	if (self->fd >= 0)
		close(self->fd);
}

static void stopped_child_case(struct __test_metadata *_metadata,
			       FIXTURE_DATA(target) *self, unsigned long flags)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	long r;

	ASSERT_EQ(0, child_stop(&self->c));
	ASSERT_EQ('T', proc_state(self->c.pid));

	ckpt_expect_init(&e, self->c.pid, flags);
	r = sys_checkpoint(self->c.pid, self->fd, flags);
	ckpt_expect_done(&e);
	ASSERT_EQ(-EOPNOTSUPP, r);

	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ((off_t)len, fd_pos(self->fd));
	EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e))
		TH_LOG("bytes after the error record (no trailer expected)");
	free(img);

	assert_stopped_child_survives(_metadata, &self->c);
}

TEST_F(target, stopped_child)
{
	stopped_child_case(_metadata, self, 0);
}

TEST_F(target, stopped_child_subtree_flag)
{
	stopped_child_case(_metadata, self, CHECKPOINT_SUBTREE);
}

/* Two checkpoints into one O_WRONLY file: two images, one after the other. */
TEST_F(target, stopped_child_twice_one_file)
{
	struct ckpt_expect e1, e2;
	unsigned char *img;
	size_t len, n1, n2;
	char path[64];
	int wfd, rfd;

	wfd = new_tmpfile(O_WRONLY, NULL);
	ASSERT_LE(0, wfd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", wfd);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, child_stop(&self->c));

	ckpt_expect_init(&e1, self->c.pid, 0);
	ASSERT_EQ(-EOPNOTSUPP, sys_checkpoint(self->c.pid, wfd, 0));
	ckpt_expect_done(&e1);
	n1 = (size_t)fd_pos(wfd);
	ASSERT_EQ((off_t)n1, fd_size(wfd));
	ASSERT_LT(0, fd_pos(wfd));

	ckpt_expect_init(&e2, self->c.pid, CHECKPOINT_SUBTREE);
	ASSERT_EQ(-EOPNOTSUPP, sys_checkpoint(self->c.pid, wfd, CHECKPOINT_SUBTREE));
	ckpt_expect_done(&e2);
	ASSERT_EQ(fd_pos(wfd), fd_size(wfd));
	ASSERT_LT((off_t)n1, fd_pos(wfd)) TH_LOG("the second image overwrote the first");
	close(wfd);

	ASSERT_EQ(0, fd_slurp(rfd, &img, &len));
	close(rfd);
	EXPECT_EQ(n1, ckpt_check_failed_image(_metadata, img, len, &e1));
	n2 = ckpt_check_failed_image(_metadata, img + n1, len - n1, &e2);
	EXPECT_EQ(len, n1 + n2) TH_LOG("file has %zu bytes, images %zu + %zu", len, n1, n2);
	free(img);

	assert_stopped_child_survives(_metadata, &self->c);
}

/* The image goes at the file's current offset; what is before it stays. */
TEST_F(target, stopped_child_at_file_offset)
{
	static const char prefix[] = "12345";	/* 5 bytes: not 8-aligned */
	const size_t off = sizeof(prefix) - 1;
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, write_all(self->fd, prefix, off));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_expect_init(&e, self->c.pid, 0);
	ASSERT_EQ(-EOPNOTSUPP, sys_checkpoint(self->c.pid, self->fd, 0));
	ckpt_expect_done(&e);

	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ((off_t)len, fd_pos(self->fd));
	ASSERT_GT(len, off);
	EXPECT_EQ(0, memcmp(img, prefix, off)) TH_LOG("bytes before the offset changed");
	EXPECT_EQ(len - off, ckpt_check_failed_image(_metadata, img + off, len - off, &e));
	free(img);

	assert_stopped_child_survives(_metadata, &self->c);
}

/* A pipe works as the image stream; a reader child drains it. */
TEST_F(target, stopped_child_into_pipe)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int p[2];
	long r;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, drainer_spawn(p, self->fd, &self->aux));
	ASSERT_EQ(0, child_stop(&self->c));

	ckpt_expect_init(&e, self->c.pid, 0);
	r = sys_checkpoint(self->c.pid, p[1], 0);
	ckpt_expect_done(&e);
	close(p[1]);
	ASSERT_EQ(-EOPNOTSUPP, r);
	ASSERT_EQ(0, reap_exit_status(&self->aux)) TH_LOG("pipe reader failed");

	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e));
	free(img);

	assert_stopped_child_survives(_metadata, &self->c);
}

/* A target that sleeps (state S) but is not stopped: EBUSY. */
TEST_F(target, sleeping_child_ebusy)
{
	EXPECT_EQ('S', wait_state(self->c.pid, 'S'));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c.pid, self->fd, 0));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c.pid, self->fd, CHECKPOINT_SUBTREE));
	EXPECT_EQ(0, fd_size(self->fd)) TH_LOG("a refused checkpoint wrote to the fd");
	assert_running_child_survives(_metadata, &self->c);
}

/* A target that is running on a CPU (busy loop): EBUSY. */
TEST_F(target, spinning_child_ebusy)
{
	ASSERT_EQ(0, child_spawn(&self->c2, CHILD_SPIN));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c2.pid, self->fd, 0));
	EXPECT_EQ(0, fd_size(self->fd));
	assert_running_child_survives(_metadata, &self->c2);
}

/* Stopped once and continued since: not stopped now, so EBUSY. */
TEST_F(target, continued_child_ebusy)
{
	ASSERT_EQ(0, child_stop(&self->c));
	ASSERT_EQ(0, child_cont(&self->c));
	EXPECT_EQ('S', wait_state(self->c.pid, 'S'));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c.pid, self->fd, 0));
	EXPECT_EQ(0, fd_size(self->fd));
	assert_running_child_survives(_metadata, &self->c);
}

/* An unprivileged caller cannot checkpoint a stopped root process. */
TEST_F(target, unprivileged_caller_eperm)
{
	pid_t parent = getpid();

	ASSERT_EQ(0, child_stop(&self->c));
	self->aux = fork();
	ASSERT_LE(0, self->aux);
	if (self->aux == 0) {
		if (child_tie_to_parent(parent) || drop_privileges(parent))
			_exit(EXIT_SETUP_FAILED);
		exit_with(sys_checkpoint(self->c.pid, self->fd, 0));
	}
	EXPECT_EQ(EPERM, reap_exit_status(&self->aux))
		TH_LOG("exit code = errno of checkpoint as uid %d (%d: setup failed)",
		       CKPT_NOBODY, EXIT_SETUP_FAILED);
	EXPECT_EQ(0, fd_size(self->fd)) TH_LOG("a refused checkpoint wrote to the fd");
	assert_stopped_child_survives(_metadata, &self->c);
}

/*
 * Control for the test above: the same unprivileged caller may checkpoint
 * a stopped child of its own, so EPERM is about ptrace access, not uid 0.
 */
TEST_F(target, unprivileged_caller_own_child)
{
	pid_t parent = getpid(), gc_pid = 0;
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int p[2], scope = 0;
	FILE *f;

	f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope >= 2)
		SKIP(return, "yama ptrace_scope %d forbids unprivileged attach", scope);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ckpt_expect_init(&e, 0, 0);
	self->aux = fork();
	ASSERT_LE(0, self->aux);
	if (self->aux == 0) {
		struct ckpt_child gc;
		long r;

		close(p[0]);
		if (child_tie_to_parent(parent) || drop_privileges(parent) ||
		    prctl(PR_SET_DUMPABLE, 1) ||
		    child_spawn(&gc, CHILD_BLOCK) || child_stop(&gc))
			_exit(EXIT_SETUP_FAILED);
		if (write(p[1], &gc.pid, sizeof(gc.pid)) != sizeof(gc.pid))
			_exit(EXIT_SETUP_FAILED);
		r = sys_checkpoint(gc.pid, self->fd, 0);
		child_kill(&gc);
		exit_with(r);
	}
	close(p[1]);
	EXPECT_EQ(EOPNOTSUPP, reap_exit_status(&self->aux))
		TH_LOG("exit code = errno of checkpoint as uid %d (%d: setup failed)",
		       CKPT_NOBODY, EXIT_SETUP_FAILED);
	ckpt_expect_done(&e);
	ASSERT_EQ((ssize_t)sizeof(gc_pid), read(p[0], &gc_pid, sizeof(gc_pid)));
	close(p[0]);
	e.pid = gc_pid;
	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e));
	free(img);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of a child frozen by the cgroup v2 freezer            */
/* ------------------------------------------------------------------ */

FIXTURE(frozen) {
	struct ckpt_child c;
	int fd;
	int mounted;		/* we mounted cgroup2 on mnt */
	char mnt[64];		/* cgroup2 root */
	char cg[160];		/* our cgroup, once created */
};

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		r = -errno;
	close(fd);
	return r;
}

/* 1 / 0: "frozen" in cgroup.events, -1 on error */
static int cg_frozen(const char *cg)
{
	char path[256], buf[256], *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "frozen ");
	return p ? p[7] == '1' : -1;
}

static int cg_wait_frozen(const char *cg, int want)
{
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 5) {
		if (cg_frozen(cg) == want)
			return 0;
		ckpt_msleep(5);
	}
	return -1;
}

/* Find or mount a cgroup v2 hierarchy and create our cgroup. 0 or -errno */
static int cg_prepare(FIXTURE_DATA(frozen) *self)
{
	char path[256];

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		snprintf(self->mnt, sizeof(self->mnt), "/sys/fs/cgroup");
	} else {
		snprintf(self->mnt, sizeof(self->mnt), "/tmp/ckpt_cg.XXXXXX");
		if (!mkdtemp(self->mnt)) {
			self->mnt[0] = 0;
			return -errno;
		}
		if (mount("none", self->mnt, "cgroup2", 0, NULL))
			return -errno;
		self->mounted = 1;
	}
	snprintf(self->cg, sizeof(self->cg), "%s/ckpt_test.%d", self->mnt, getpid());
	if (mkdir(self->cg, 0755)) {
		int err = -errno;

		self->cg[0] = 0;
		return err;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", self->cg);
	if (access(path, F_OK))
		return -errno;
	return 0;
}

/* Kill the target, remove the cgroup and the mount. Idempotent. */
static void cg_cleanup(FIXTURE_DATA(frozen) *self)
{
	child_kill(&self->c);
	if (self->cg[0]) {
		/* the killed task may take a moment to leave the cgroup */
		for (int waited = 0; rmdir(self->cg) && errno == EBUSY &&
		     waited < CKPT_WAIT_MS; waited += 5)
			ckpt_msleep(5);
		self->cg[0] = 0;
	}
	if (self->mounted) {
		umount2(self->mnt, MNT_DETACH);
		self->mounted = 0;
	}
	if (self->mnt[0] && strcmp(self->mnt, "/sys/fs/cgroup"))
		rmdir(self->mnt);
	self->mnt[0] = 0;
}

FIXTURE_SETUP(frozen)
{
	child_init(&self->c);
	self->mounted = 0;
	self->mnt[0] = 0;
	self->cg[0] = 0;
	self->fd = new_memfd();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(frozen)
{
	cg_cleanup(self);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A target frozen by the cgroup v2 freezer (not stopped) may be
 * checkpointed; it stays frozen, and once thawed runs normally.
 * Everything is done (and cleaned up) before the first ASSERT, so that a
 * failure leaves no cgroup or mount behind.
 */
TEST_F_TIMEOUT(frozen, frozen_child, 60)
{
	int still_frozen = -1, quiet = -1, replied = -1, status = -1, r;
	const char *failed = NULL;
	struct ckpt_expect e;
	unsigned char *img;
	long ck = 0;
	char pid[16], state = 0;
	size_t len;

	r = cg_prepare(self);
	if (r) {
		cg_cleanup(self);
		SKIP(return, "no cgroup v2 freezer: %s", strerror(-r));
	}
	if (child_spawn(&self->c, CHILD_BLOCK)) {
		failed = "spawn the target";
		goto out;
	}
	snprintf(pid, sizeof(pid), "%d", self->c.pid);
	r = cg_write(self->cg, "cgroup.procs", pid);
	if (r) {
		cg_cleanup(self);
		SKIP(return, "cannot move a task into a cgroup: %s", strerror(-r));
	}
	if (cg_write(self->cg, "cgroup.freeze", "1") || cg_wait_frozen(self->cg, 1)) {
		failed = "freeze the cgroup";
		goto out;
	}
	state = proc_state(self->c.pid);

	ckpt_expect_init(&e, self->c.pid, 0);
	ck = sys_checkpoint(self->c.pid, self->fd, 0);
	ckpt_expect_done(&e);

	still_frozen = cg_frozen(self->cg);
	if (child_poke(&self->c)) {
		failed = "poke the target";
		goto out;
	}
	quiet = child_replied(&self->c, CKPT_QUIET_MS);
	if (cg_write(self->cg, "cgroup.freeze", "0")) {
		failed = "thaw the cgroup";
		goto out;
	}
	replied = child_replied(&self->c, CKPT_WAIT_MS);
	status = reap_exit_status(&self->c.pid);
out:
	cg_cleanup(self);

	ASSERT_TRUE(failed == NULL) TH_LOG("could not %s", failed);
	EXPECT_NE('T', state) TH_LOG("the target should be frozen, not stopped");
	ASSERT_EQ(-EOPNOTSUPP, ck);
	EXPECT_EQ(1, still_frozen) TH_LOG("checkpoint thawed the cgroup");
	EXPECT_EQ(0, quiet) TH_LOG("the frozen target ran before thawing");
	EXPECT_EQ(1, replied) TH_LOG("the target did not run after thawing");
	EXPECT_EQ(CHILD_EXIT_OK, status);

	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ((off_t)len, fd_pos(self->fd));
	EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e));
	free(img);
}

/* ------------------------------------------------------------------ */
/* restart(2): argument errors                                         */
/* ------------------------------------------------------------------ */

/* A memfd holding a well-formed header+arch+trailer image. */
static int minimal_image_fd(void)
{
	struct ckpt_buf b = { 0 };
	int fd;

	ckpt_build_minimal(&b, NULL);
	fd = memfd_with(b.data, b.len);
	cb_free(&b);
	return fd;
}

TEST(restart_bad_flags)
{
	struct ckpt_probe probe;
	int fd;

	probe_arm(&probe);
	for (size_t i = 0; i < ARRAY_SIZE(bad_restart_flags); i++) {
		unsigned long f = bad_restart_flags[i];

		fd = minimal_image_fd();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-EINVAL, sys_restart(0, fd, f)) TH_LOG("flags %#lx", f);
		close(fd);
		/* checked before the fd: would be EBADF otherwise */
		EXPECT_EQ(-EINVAL, sys_restart(0, -1, f)) TH_LOG("flags %#lx, fd -1", f);
	}
	EXPECT_TRUE(probe_intact(&probe));
	probe_disarm(&probe);
}

TEST(restart_negative_pid)
{
	static const pid_t pids[] = { -1, -2, -1000, INT_MIN };
	struct ckpt_probe probe;
	int fd;

	probe_arm(&probe);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		fd = minimal_image_fd();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-EINVAL, sys_restart(pids[i], fd, 0)) TH_LOG("pid %d", pids[i]);
		close(fd);
		/* checked before the fd: would be EBADF otherwise */
		EXPECT_EQ(-EINVAL, sys_restart(pids[i], -1, 0)) TH_LOG("pid %d, fd -1", pids[i]);
	}
	EXPECT_TRUE(probe_intact(&probe));
	probe_disarm(&probe);
}

TEST(restart_no_such_pid)
{
	pid_t pids[] = { unused_pid(), INT_MAX, reaped_pid() };
	int fd;

	ASSERT_LT(0, pids[2]);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		fd = minimal_image_fd();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-ESRCH, sys_restart(pids[i], fd, 0)) TH_LOG("pid %d", pids[i]);
		close(fd);
	}
}

TEST(restart_bad_fd)
{
	int fds[] = { -1, INT_MAX, closed_fd() };
	struct ckpt_probe probe;

	ASSERT_LE(0, fds[2]);
	probe_arm(&probe);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		EXPECT_EQ(-EBADF, sys_restart(0, fds[i], 0)) TH_LOG("fd %d", fds[i]);
	}
	EXPECT_TRUE(probe_intact(&probe));
	probe_disarm(&probe);
}

TEST(restart_fd_not_readable)
{
	struct ckpt_buf b = { 0 };
	struct ckpt_probe probe;
	int wronly, opath, pipefd[2];

	ckpt_build_minimal(&b, NULL);
	wronly = new_tmpfile(O_WRONLY, &opath);
	ASSERT_LE(0, wronly);
	ASSERT_EQ(0, pwrite(wronly, b.data, b.len, 0) != (ssize_t)b.len);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC | O_NONBLOCK));
	ASSERT_EQ(0, write_all(pipefd[1], b.data, b.len));

	probe_arm(&probe);
	EXPECT_EQ(-EBADF, sys_restart(0, wronly, 0)) TH_LOG("O_WRONLY file");
	EXPECT_EQ(-EBADF, sys_restart(0, opath, 0)) TH_LOG("O_PATH file");
	EXPECT_EQ(-EBADF, sys_restart(0, pipefd[1], 0)) TH_LOG("pipe write end");
	EXPECT_TRUE(probe_intact(&probe));
	probe_disarm(&probe);

	close(wronly);
	close(opath);
	close(pipefd[0]);
	close(pipefd[1]);
	cb_free(&b);
}

TEST_HARNESS_MAIN
