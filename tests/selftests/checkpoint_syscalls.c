// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2): argument checking, permission and state
 * checks; the complete image of a stopped, frozen or self-checkpointing
 * single task, and its tree record; the two modes of checkpoint(2): a
 * subtree (CHECKPOINT_SUBTREE, what a plain process needs) or a whole pid
 * namespace (no flag: only the init of a namespace other than the
 * caller's); the pending signals of a target, in the two SIGPENDING
 * records of its image; its interval timers (alarm(2), setitimer(2)), in
 * the ITIMERS record after them; and the refusal of what cannot be saved
 * (running children, sockets, deleted files, CPU-time POSIX timers,
 * mlocked memory, tracing), which writes an error record naming the
 * resource and leaves the target as it was.
 */
#include "ckpt_test.h"

#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/time.h>

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
 * The stopped control-pipe child c must still be stopped (a poke gets no
 * answer), and once continued it must run normally: answer the poke and
 * exit 42.
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

/*
 * Become uid:uid with no supplementary groups; re-arm the death signal
 * (a uid change clears it). 0 or -1.
 */
static int become_user(uid_t uid, pid_t parent)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -1;
	if (geteuid() != uid || getegid() != uid)
		return -1;
	return child_tie_to_parent(parent);
}

/* Drop to nobody:nogroup */
static int drop_privileges(pid_t parent)
{
	return become_user(CKPT_NOBODY, parent);
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

/* What checkpoint(2) without CHECKPOINT_SUBTREE says of a plain process */
#define NOT_NS_INIT_MSG		"not the init of a pid namespace"

static const unsigned long bad_checkpoint_flags[] = {
	0x2, 0x4, 0x100, 0x80000000UL, 1UL << 32, 1UL << 63, ~0UL,
	~CHECKPOINT_FLAGS_ALL,
};

/*
 * 0x1 is RESTART_FORCE_FILES; with pid 0, RESTART_COORDINATE (0x2), which
 * needs the root's pid, and RESTART_COORDINATE | RESTART_JOIN are bad too.
 */
static const unsigned long bad_restart_flags[] = {
	0x2, 0x3, 0x6, 0x7, 0x8, 0x80000000UL, 1UL << 32, 1UL << 63, ~0UL,
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
	EXPECT_EQ(-EINVAL, sys_checkpoint(unused_pid(), -1, 0x4 | CHECKPOINT_SUBTREE));
	/* would be EBADF (and EBUSY: init is not stopped) */
	EXPECT_EQ(-EINVAL, sys_checkpoint(1, -1, 0x4 | CHECKPOINT_SUBTREE));
	/* would be EBUSY (with CHECKPOINT_SUBTREE, which ~0 holds) */
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
		EXPECT_EQ(-EINVAL, sys_checkpoint(pids[i], fd, CHECKPOINT_SUBTREE))
			TH_LOG("pid %d", pids[i]);
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
		EXPECT_EQ(-ESRCH, sys_checkpoint(pids[i], fd, CHECKPOINT_SUBTREE))
			TH_LOG("pid %d", pids[i]);
	}
	EXPECT_EQ(0, fd_size(fd));
	close(fd);
}

TEST(checkpoint_bad_fd)
{
	int fds[] = { -1, INT_MAX, closed_fd() };

	ASSERT_LE(0, fds[2]);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		EXPECT_EQ(-EBADF, sys_checkpoint(0, fds[i], CHECKPOINT_SUBTREE))
			TH_LOG("fd %d", fds[i]);
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

	EXPECT_EQ(-EBADF, sys_checkpoint(0, rdonly, CHECKPOINT_SUBTREE)) TH_LOG("O_RDONLY file");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, opath, CHECKPOINT_SUBTREE)) TH_LOG("O_PATH file");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, pipefd[0], CHECKPOINT_SUBTREE))
		TH_LOG("pipe read end");
	EXPECT_EQ(-EBADF, sys_checkpoint(0, memfd_ro, CHECKPOINT_SUBTREE))
		TH_LOG("read-only memfd");

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

/*
 * What a self-checkpointing child reports to the test, with put_longs():
 * it shares no memory with the test, which would be outside its image
 */
enum self_report {
	SELF_R,		/* what checkpoint returned */
	SELF_INTACT,	/* probe_intact() after it */
	SELF_IMAGE_FD,	/* the fd the image went to */
	SELF_NR
};

/*
 * A child with a checkpointable state (fds 0-2 on /dev/null, the image
 * file at fd 3: a regular file, since the image fd is part of the state
 * too) checkpoints itself (pid 0, or its own pid) with flags. It must get
 * a positive id, stay as it was, and the file must hold its complete
 * image, in which fd 3 is that very file; or, if err is not 0, fail with
 * err, stay as it was, and the file must hold the image of a failed
 * checkpoint whose error record contains msg.
 */
static void self_checkpoint(struct __test_metadata *_metadata, int by_pid,
			    unsigned long flags, int err, const char *msg)
{
	char path[] = "/tmp/ckpt_self.XXXXXX", rpath[sizeof(path) + 4];
	long rep[SELF_NR];
	struct ckpt_image img;
	struct ckpt_expect e;
	struct ckpt_fd_entry ent;
	struct ckpt_hdr_file f;
	pid_t parent = getpid(), pid;
	int fd, status;
	ssize_t i;

	rep[SELF_R] = -ENOSYS;
	rep[SELF_INTACT] = 0;
	rep[SELF_IMAGE_FD] = -1;
	fd = mkostemp(path, O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(rpath, sizeof(rpath), "%s.rep", path);

	ckpt_expect_init(&e, 0, flags);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ckpt_probe probe;
		int nfd;

		if (child_tie_to_parent(parent) || ckpt_close_from(3) ||
		    ckpt_privatize_shared())
			_exit(EXIT_SETUP_FAILED);
		nfd = open("/dev/null", O_RDWR);
		for (int k = 0; k <= 2; k++)
			if (nfd < 0 || (nfd != k && dup2(nfd, k) != k))
				_exit(EXIT_SETUP_FAILED);
		if (nfd > 2)
			close(nfd);
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd < 0)
			_exit(EXIT_SETUP_FAILED);
		probe_arm(&probe);
		rep[SELF_IMAGE_FD] = fd;
		rep[SELF_R] = sys_checkpoint(by_pid ? getpid() : 0, fd, flags);
		rep[SELF_INTACT] = probe_intact(&probe);
		_exit(put_longs(rpath, rep, SELF_NR) ? EXIT_SETUP_FAILED : 0);
	}
	status = -1;
	if (wait_bounded(pid, &status, CKPT_WAIT_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		unlink(path);
		ASSERT_TRUE(0) TH_LOG("the self-checkpointing child did not end");
	}
	ckpt_expect_done(&e);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    !get_longs(rpath, rep, SELF_NR)) {
		unlink(path);
		unlink(rpath);
		TH_LOG("child status %#x (%d: setup failed)", status, EXIT_SETUP_FAILED);
	}
	unlink(rpath);
	EXPECT_TRUE(rep[SELF_INTACT]) TH_LOG("the caller changed");
	e.pid = pid;
	if (err) {
		e.errnum = err;
		e.msg[0] = msg;
		EXPECT_EQ(-err, rep[SELF_R]) TH_LOG("checkpoint of itself: %s, expected %s",
					       rep[SELF_R] < 0 ? strerror((int)-rep[SELF_R]) : "success",
					       strerror(err));
		ASSERT_EQ(0, ckpt_image_load(path, &img));
		unlink(path);
		EXPECT_EQ(img.len, ckpt_check_failed_image(_metadata, img.data, img.len, &e))
			TH_LOG("bytes after the error record (no trailer expected)");
		ckpt_image_free(&img);
		return;
	}
	ASSERT_LT(0, rep[SELF_R]) {
		unlink(path);
		TH_LOG("checkpoint of itself: %s", rep[SELF_R] < 0 ? strerror((int)-rep[SELF_R]) : "0");
	}

	ASSERT_EQ(0, ckpt_image_load(path, &img));
	unlink(path);
	e.ppid = parent;
	e.uid = getuid();
	e.id = rep[SELF_R];
	e.stopped = 0;		/* it was running: it made the call */
	EXPECT_EQ(img.len, ckpt_check_image(_metadata, img.data, img.len, &e));

	/* the image file is in its own image */
	ASSERT_EQ(0, ckpt_image_fd(&img, rep[SELF_IMAGE_FD], &ent));
	i = ckpt_image_file(&img, ent.objref);
	ASSERT_LE(0, i);
	memcpy(&f, img.data + img.rec[i].off, sizeof(f));
	EXPECT_EQ((uint32_t)CKPT_FILE_REG, f.kind);
	EXPECT_STREQ(path, (const char *)img.data + img.rec[i].off + sizeof(f));
	EXPECT_EQ((uint32_t)O_WRONLY, f.f_flags & O_ACCMODE);
	ckpt_image_free(&img);
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
	EXPECT_EQ(-EINVAL, sys_checkpoint(0, fd, CHECKPOINT_SUBTREE));
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, 0));
	ASSERT_LT(0, pread(fd, after, sizeof(after) - 1, 0));
	EXPECT_STREQ(before, after);
	close(fd);
}

/* A task without children is a subtree of one */
TEST(checkpoint_self_pid0)
{
	self_checkpoint(_metadata, 0, CHECKPOINT_SUBTREE, 0, NULL);
}

TEST(checkpoint_self_getpid)
{
	self_checkpoint(_metadata, 1, CHECKPOINT_SUBTREE, 0, NULL);
}

/*
 * Without CHECKPOINT_SUBTREE a process may checkpoint itself only as the
 * init of a pid namespace: a plain one gets EINVAL, and its image says why.
 */
TEST(checkpoint_self_no_subtree_einval)
{
	self_checkpoint(_metadata, 0, 0, EINVAL, NOT_NS_INIT_MSG);
}

TEST(checkpoint_self_getpid_no_subtree_einval)
{
	self_checkpoint(_metadata, 1, 0, EINVAL, NOT_NS_INIT_MSG);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of the init of the caller's own pid namespace         */
/* ------------------------------------------------------------------ */

/*
 * pid 1 is the init of the caller's own pid namespace: without
 * CHECKPOINT_SUBTREE it is not a container the caller may take (EINVAL).
 * Init is running, so the refusal may come before anything is written;
 * if an image was written, it is that of a failed checkpoint that says
 * why. Init is left alone.
 */
TEST(checkpoint_own_ns_init_einval)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int fd = new_memfd();
	long r;

	ASSERT_LE(0, fd);
	ckpt_expect_init(&e, 1, 0);
	e.errnum = EINVAL;
	e.msg[0] = NOT_NS_INIT_MSG;
	r = sys_checkpoint(1, fd, 0);
	ckpt_expect_done(&e);
	EXPECT_EQ(-EINVAL, r) TH_LOG("checkpoint(1, fd, 0): %s",
				     r < 0 ? strerror((int)-r) : "success");
	ASSERT_EQ(0, fd_slurp(fd, &img, &len));
	EXPECT_EQ((off_t)len, fd_pos(fd));
	if (len) {
		EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e))
			TH_LOG("bytes after the error record (no trailer expected)");
	}
	free(img);
	close(fd);
	EXPECT_EQ(0, kill(1, 0));
	EXPECT_NE('T', proc_state(1));
}

/* What the caller inside the namespace reports through shared memory */
struct inside_report {
	volatile long r;	/* what checkpoint(1, fd, 0) returned */
	volatile int done;
};

/*
 * The same from inside a new pid namespace, whose init (pid 1 there) is
 * stopped by the test: a child of that init calls checkpoint(1, fd, 0).
 * The target is the init of a pid namespace, and stopped, but of the
 * caller's own namespace: EINVAL, with the image of a failed checkpoint
 * (header, arch, error record) that says why.
 */
TEST(checkpoint_own_ns_init_from_inside_einval)
{
	struct inside_report *rep;
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int fd, go[2], ready[2];
	pid_t init;
	char ch = 0;

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	rep->r = 0;
	rep->done = 0;
	fd = new_memfd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));

	init = fork_flags(CLONE_NEWPID);
	ASSERT_LE(0, init) TH_LOG("clone(CLONE_NEWPID): %s", strerror(errno));
	if (init == 0) {
		pid_t caller;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getpid() != 1)
			_exit(EXIT_SETUP_FAILED);
		caller = fork();
		if (caller < 0)
			_exit(EXIT_SETUP_FAILED);
		if (caller == 0) {
			if (child_tie_to_parent(1))
				_exit(EXIT_SETUP_FAILED);
			if (read(go[0], &ch, 1) != 1)
				_exit(EXIT_SETUP_FAILED);
			rep->r = sys_checkpoint(1, fd, 0);
			rep->done = 1;
			_exit(0);
		}
		if (write(ready[1], "R", 1) != 1)
			_exit(EXIT_SETUP_FAILED);
		for (;;)
			pause();
	}
	close(go[0]);
	close(ready[1]);
	if (read_byte_timeout(ready[0], &ch, CKPT_WAIT_MS) != 1 || ch != 'R') {
		reap_kill(&init);
		ASSERT_TRUE(0) TH_LOG("the init of the new namespace did not set up");
	}
	if (pid_stop(init)) {
		reap_kill(&init);
		ASSERT_TRUE(0) TH_LOG("cannot stop the init of the new namespace");
	}

	ckpt_expect_init(&e, 1, 0);	/* pid 1 in the caller's namespace */
	e.errnum = EINVAL;
	e.msg[0] = NOT_NS_INIT_MSG;
	ASSERT_EQ(1, write(go[1], "g", 1));
	for (int waited = 0; !rep->done && waited < CKPT_WAIT_MS; waited += 2)
		ckpt_msleep(2);
	ckpt_expect_done(&e);
	EXPECT_EQ('T', proc_state(init)) TH_LOG("the init is not stopped any more");
	reap_kill(&init);	/* and its namespace with it */
	close(go[1]);
	close(ready[0]);

	ASSERT_TRUE(rep->done) TH_LOG("the caller inside did not finish its checkpoint");
	EXPECT_EQ(-EINVAL, rep->r) TH_LOG("checkpoint(1, fd, 0) of its own namespace's init: %s",
					  rep->r < 0 ? strerror((int)-rep->r) : "success");
	ASSERT_EQ(0, fd_slurp(fd, &img, &len));
	EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e))
		TH_LOG("bytes after the error record (no trailer expected)");
	free(img);
	close(fd);
	munmap(rep, sizeof(*rep));
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of a control-pipe child: state and permission checks */
/* ------------------------------------------------------------------ */

FIXTURE(target) {
	struct ckpt_child c;	/* the target, CHILD_BLOCK */
	struct ckpt_child c2;	/* a second target, when a test needs one */
	pid_t aux;		/* helper child (attacker) */
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

/* A target that sleeps (state S) but is not stopped: EBUSY. */
TEST_F(target, sleeping_child_ebusy)
{
	EXPECT_EQ('S', wait_state(self->c.pid, 'S'));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c.pid, self->fd, CHECKPOINT_SUBTREE));
	EXPECT_EQ(0, fd_size(self->fd)) TH_LOG("a refused checkpoint wrote to the fd");
	assert_running_child_survives(_metadata, &self->c);
}

/* A target that is running on a CPU (busy loop): EBUSY. */
TEST_F(target, spinning_child_ebusy)
{
	ASSERT_EQ(0, child_spawn(&self->c2, CHILD_SPIN));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c2.pid, self->fd, CHECKPOINT_SUBTREE));
	EXPECT_EQ(0, fd_size(self->fd));
	assert_running_child_survives(_metadata, &self->c2);
}

/* Stopped once and continued since: not stopped now, so EBUSY. */
TEST_F(target, continued_child_ebusy)
{
	ASSERT_EQ(0, child_stop(&self->c));
	ASSERT_EQ(0, child_cont(&self->c));
	EXPECT_EQ('S', wait_state(self->c.pid, 'S'));
	EXPECT_EQ(-EBUSY, sys_checkpoint(self->c.pid, self->fd, CHECKPOINT_SUBTREE));
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
		exit_with(sys_checkpoint(self->c.pid, self->fd, CHECKPOINT_SUBTREE));
	}
	EXPECT_EQ(EPERM, reap_exit_status(&self->aux))
		TH_LOG("exit code = errno of checkpoint as uid %d (%d: setup failed)",
		       CKPT_NOBODY, EXIT_SETUP_FAILED);
	EXPECT_EQ(0, fd_size(self->fd)) TH_LOG("a refused checkpoint wrote to the fd");
	assert_stopped_child_survives(_metadata, &self->c);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of a checkpointable target                            */
/* ------------------------------------------------------------------ */

FIXTURE(simple) {
	struct ckpt_target t;	/* the target */
	pid_t aux;		/* helper child (caller, pipe drainer) */
	int fd;			/* memfd for the image */
};

FIXTURE_SETUP(simple)
{
	target_init(&self->t);
	self->aux = 0;
	self->fd = new_memfd();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(simple)
{
	target_cleanup(&self->t);
	reap_kill(&self->aux);
	if (self->fd >= 0)
		close(self->fd);
}

/* Expectations for the image of the fixture's target (stopped: 1, 0, -1) */
static void expect_target(struct ckpt_expect *e, const struct ckpt_target *t,
			  unsigned long flags, int stopped)
{
	ckpt_expect_init(e, t->pid, flags);
	e->ppid = getpid();
	e->uid = getuid();
	e->stopped = stopped;
}

/*
 * The tree of the complete image img: the root alone, in a tree with
 * flags tree_flags, with this pid (and tgid), pgid, sid and flags; no
 * parent, exit signal SIGCHLD (an ordinary child), nothing shared. A
 * root that is CKPT_TREE_STOPPED was stopped by target_stop(), whose
 * waitpid() took the stop: CKPT_TREE_STOP_WAITED too, and the status of
 * a stop by SIGSTOP in exit_code.
 */
static void expect_tree_root(struct __test_metadata *_metadata,
			     const struct ckpt_image *img, uint32_t tree_flags,
			     pid_t pid, pid_t pgid, pid_t sid, uint32_t flags)
{
	struct ckpt_hdr_tree tr;
	struct ckpt_tree_task k;

	ASSERT_EQ(0, ckpt_image_tree(img, &tr, &k, 0)) TH_LOG("no tree record with a task");
	EXPECT_EQ(1U, tr.nr_tasks);
	EXPECT_EQ(tree_flags, tr.flags);
	EXPECT_EQ(pid, k.pid);
	EXPECT_EQ(pid, k.tgid);
	EXPECT_EQ(0, k.ppid);
	EXPECT_EQ(0, k.ptid);
	EXPECT_EQ(pgid, k.pgid);
	EXPECT_EQ(sid, k.sid);
	if (flags & CKPT_TREE_STOPPED)
		flags |= CKPT_TREE_STOP_WAITED;
	EXPECT_EQ(flags, k.flags) TH_LOG("tree flags %#x, expected %#x", k.flags, flags);
	EXPECT_EQ(flags & CKPT_TREE_STOPPED ? SIGSTOP << 8 | 0x7f : 0, k.exit_code);
	EXPECT_EQ((uint32_t)SIGCHLD, k.exit_signal);
	EXPECT_EQ(0U, k.share_mm);
	EXPECT_EQ(0U, k.share_files);
	EXPECT_EQ(0U, k.share_fs);
	EXPECT_EQ(0U, k.share_sighand);
	EXPECT_EQ(0U, k.__pad);
}

/* The real-time signal the target of pending_signals_image queues twice */
#define PND_RT		(SIGRTMIN + 2)
#define PND_VALUE1	0x70656e6400000001ULL
#define PND_VALUE2	0x70656e6400000002ULL

static int queue_value(pid_t pid, int sig, uint64_t value)
{
	union sigval v;

	memset(&v, 0, sizeof(v));
	v.sival_ptr = (void *)(uintptr_t)value;
	return sigqueue(pid, sig, v);
}

/*
 * Blocks SIGUSR1, SIGUSR2 and PND_RT, then sends itself SIGUSR1 with
 * kill() and PND_RT twice with sigqueue() (to the process: its shared
 * queue), and SIGUSR2 with tgkill() (to itself: its own queue).
 */
static int hook_pending_signals(void *arg)
{
	pid_t pid = getpid();
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, PND_RT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || kill(pid, SIGUSR1) ||
	    queue_value(pid, PND_RT, PND_VALUE1) || queue_value(pid, PND_RT, PND_VALUE2))
		return -1;
	return (int)syscall(SYS_tgkill, pid, gettid(), SIGUSR2);
}

/* One saved siginfo, as the kernel keeps it */
static void expect_siginfo(struct __test_metadata *_metadata, const siginfo_t *si,
			   int signo, int code, pid_t pid, uid_t uid, uint64_t value,
			   const char *what)
{
	EXPECT_EQ(signo, si->si_signo) TH_LOG("%s: si_signo", what);
	EXPECT_EQ(0, si->si_errno) TH_LOG("%s: si_errno", what);
	EXPECT_EQ(code, si->si_code) TH_LOG("%s: si_code", what);
	EXPECT_EQ(pid, si->si_pid) TH_LOG("%s: si_pid", what);
	EXPECT_EQ(uid, si->si_uid) TH_LOG("%s: si_uid", what);
	EXPECT_EQ(value, (uint64_t)(uintptr_t)si->si_value.sival_ptr)
		TH_LOG("%s: si_value", what);
	EXPECT_TRUE(all_zero((const unsigned char *)si + CKPT_KSIGINFO_SIZE,
			     CKPT_SIGINFO_SIZE - CKPT_KSIGINFO_SIZE))
		TH_LOG("%s: bytes past %d not zero", what, CKPT_KSIGINFO_SIZE);
}

/*
 * The two SIGPENDING records of the indexed image: right after
 * SIGNAL_TASK, right before ITIMERS, the task's queue first, no third
 * one. Their indexes in *task and *shared, their headers in *tp and *sp.
 */
static void find_sigpending(struct __test_metadata *_metadata,
			    const struct ckpt_image *img, size_t *task, size_t *shared,
			    struct ckpt_hdr_sigpending *tp, struct ckpt_hdr_sigpending *sp)
{
	ssize_t st = ckpt_image_find(img, CKPT_HDR_SIGNAL_TASK, 0);
	ssize_t i0 = ckpt_image_sigpending(img, 0, tp);
	ssize_t i1 = ckpt_image_sigpending(img, 1, sp);

	ASSERT_LE(0, st) TH_LOG("no SIGNAL_TASK record");
	ASSERT_EQ(st + 1, i0) TH_LOG("no SIGPENDING record right after SIGNAL_TASK");
	ASSERT_EQ(st + 2, i1) TH_LOG("no second SIGPENDING record after the first");
	EXPECT_EQ(-1, ckpt_image_find(img, CKPT_HDR_SIGPENDING, 2))
		TH_LOG("more than two SIGPENDING records");
	ASSERT_LT((size_t)i1 + 1, img->nr);
	EXPECT_EQ((uint32_t)CKPT_HDR_ITIMERS, img->rec[i1 + 1].type)
		TH_LOG("record %zu after the SIGPENDING records: %s", (size_t)i1 + 1,
		       ckpt_type_name(img->rec[i1 + 1].type));
	EXPECT_EQ((uint32_t)CKPT_SIGPENDING_TASK, tp->queue);
	EXPECT_EQ((uint32_t)CKPT_SIGPENDING_SHARED, sp->queue);
	*task = (size_t)i0;
	*shared = (size_t)i1;
}

/* Both SIGPENDING records of the image empty: no signal, no info */
static void expect_nothing_pending(struct __test_metadata *_metadata,
				   const struct ckpt_image *img)
{
	struct ckpt_hdr_sigpending tp, sp;
	size_t ti, si;

	find_sigpending(_metadata, img, &ti, &si, &tp, &sp);
	EXPECT_EQ(0ULL, tp.signal) TH_LOG("the task's queue in the image: %#llx",
					  (unsigned long long)tp.signal);
	EXPECT_EQ(0U, tp.nr_info);
	EXPECT_EQ(sizeof(tp), (size_t)tp.h.len);
	EXPECT_EQ(0ULL, sp.signal) TH_LOG("the process's queue in the image: %#llx",
					  (unsigned long long)sp.signal);
	EXPECT_EQ(0U, sp.nr_info);
	EXPECT_EQ(sizeof(sp), (size_t)sp.h.len);
}

/*
 * The ITIMERS record of the indexed image: one, of the size of its
 * struct, right after the two SIGPENDING records and right before
 * SYSCALL_RESTART, nr CKPT_ITIMER_NR, __pad zero. The record in *it.
 */
static void find_itimers(struct __test_metadata *_metadata,
			 const struct ckpt_image *img, struct ckpt_hdr_itimers *it)
{
	ssize_t s1 = ckpt_image_find(img, CKPT_HDR_SIGPENDING, 1);
	ssize_t i = ckpt_image_find(img, CKPT_HDR_ITIMERS, 0);

	ASSERT_LE(0, i) TH_LOG("no ITIMERS record in the image");
	ASSERT_LE(0, s1) TH_LOG("no second SIGPENDING record");
	EXPECT_EQ(-1, ckpt_image_find(img, CKPT_HDR_ITIMERS, 1))
		TH_LOG("more than one ITIMERS record");
	ASSERT_EQ(s1 + 1, i) TH_LOG("ITIMERS is record %zd, the second SIGPENDING %zd",
				    i, s1);
	ASSERT_LT((size_t)i + 1, img->nr);
	EXPECT_EQ((uint32_t)CKPT_HDR_SYSCALL_RESTART, img->rec[i + 1].type)
		TH_LOG("record after ITIMERS: %s", ckpt_type_name(img->rec[i + 1].type));
	ASSERT_EQ(i, ckpt_image_itimers(img, 0, it))
		TH_LOG("ITIMERS record of %u bytes", img->rec[i].len);
	EXPECT_EQ((uint32_t)CKPT_ITIMER_NR, it->nr);
	EXPECT_EQ(0U, it->__pad);
}

/* Every timer of the ITIMERS record disarmed, with no interval */
static void expect_no_itimers(struct __test_metadata *_metadata,
			      const struct ckpt_image *img)
{
	struct ckpt_hdr_itimers it;

	find_itimers(_metadata, img, &it);
	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		EXPECT_EQ(0ULL, it.timers[k].value) TH_LOG("timer %d", k);
		EXPECT_EQ(0ULL, it.timers[k].interval) TH_LOG("timer %d", k);
	}
}

/*
 * A stopped target with a file and some heap: a positive id, one complete
 * image holding its fds, handler, counter and heap, and a tree of the
 * target alone, stopped, in the test's process group and session (both
 * outside the image); the target stopped still, and running normally
 * once continued.
 */
TEST_F(simple, stopped_target)
{
	struct ckpt_expect e;
	struct ckpt_image img;
	uint64_t counter;

	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	ASSERT_EQ('T', proc_state(self->t.pid));
	counter = target_counter(&self->t);

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, &img);
	ckpt_check_target_image(_metadata, &img, &self->t, counter);
	expect_tree_root(_metadata, &img, 0, self->t.pid, getpgrp(), getsid(0),
			 CKPT_TREE_STOPPED | CKPT_TREE_PGID_OUTSIDE |
			 CKPT_TREE_SID_OUTSIDE);
	expect_nothing_pending(_metadata, &img);
	expect_no_itimers(_metadata, &img);
	ckpt_image_free(&img);

	assert_target_unchanged(_metadata, &self->t);
}

/*
 * A stopped target with blocked signals pending (hook_pending_signals()):
 * its image holds SIGUSR2 from tgkill() in the task's SIGPENDING record,
 * SIGUSR1 from kill() and the real-time signal twice from sigqueue() in
 * the process's, with their siginfo in the order they were sent; the
 * target is left as it was, its signals still pending.
 */
TEST_F(simple, pending_signals_image)
{
	uint64_t shared = ckpt_sigbit(SIGUSR1) | ckpt_sigbit(PND_RT);
	uint64_t task = ckpt_sigbit(SIGUSR2);
	struct ckpt_hdr_sigpending tp, sp;
	struct ckpt_expect e;
	struct ckpt_image img;
	size_t ti, si_rec;
	uint64_t counter;
	uid_t uid = getuid();
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook_pending_signals, NULL))
		TH_LOG("the target could not queue its signals");
	ASSERT_EQ(0, target_stop(&self->t));
	pid = self->t.pid;
	/* as the kernel has them: SigPnd the task's queue, ShdPnd the process's */
	ASSERT_EQ(task, proc_status_mask(pid, "SigPnd:"));
	ASSERT_EQ(shared, proc_status_mask(pid, "ShdPnd:"));
	counter = target_counter(&self->t);

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, &img);
	ckpt_check_target_image(_metadata, &img, &self->t, counter);
	find_sigpending(_metadata, &img, &ti, &si_rec, &tp, &sp);

	EXPECT_EQ(task, tp.signal) TH_LOG("the task's queue: %#llx",
					  (unsigned long long)tp.signal);
	ASSERT_EQ(1U, tp.nr_info);
	ASSERT_EQ(0, ckpt_image_siginfo(&img, ti, 0, &si));
	expect_siginfo(_metadata, &si, SIGUSR2, SI_TKILL, pid, uid, 0, "SIGUSR2 (tgkill)");

	EXPECT_EQ(shared, sp.signal) TH_LOG("the process's queue: %#llx",
					    (unsigned long long)sp.signal);
	ASSERT_EQ(3U, sp.nr_info);
	ASSERT_EQ(0, ckpt_image_siginfo(&img, si_rec, 0, &si));
	expect_siginfo(_metadata, &si, SIGUSR1, SI_USER, pid, uid, 0, "SIGUSR1 (kill)");
	ASSERT_EQ(0, ckpt_image_siginfo(&img, si_rec, 1, &si));
	expect_siginfo(_metadata, &si, PND_RT, SI_QUEUE, pid, uid, PND_VALUE1,
		       "SIGRTMIN+2, queued first");
	ASSERT_EQ(0, ckpt_image_siginfo(&img, si_rec, 2, &si));
	expect_siginfo(_metadata, &si, PND_RT, SI_QUEUE, pid, uid, PND_VALUE2,
		       "SIGRTMIN+2, queued second");
	ckpt_image_free(&img);

	EXPECT_EQ(task, proc_status_mask(pid, "SigPnd:")) TH_LOG("checkpoint took a signal");
	EXPECT_EQ(shared, proc_status_mask(pid, "ShdPnd:")) TH_LOG("checkpoint took a signal");
	assert_target_unchanged(_metadata, &self->t);
}

/* ------------------------------------------------------------------ */
/* Interval timers in the image                                        */
/* ------------------------------------------------------------------ */

#define IT_ALARM_S		100
#define IT_PROF_S		200
#define IT_PROF_INTERVAL	{ 2, 500000 }		/* 2.5 s */
#define IT_PROF_INTERVAL_NS	2500000000ULL
#define IT_VIRT_S		50
#define IT_VIRT_INTERVAL	{ 0, 750000 }		/* 0.75 s */
#define IT_VIRT_INTERVAL_NS	750000000ULL

/*
 * What the target read with getitimer(2) right after arming its timers
 * (the test reads it in the target's memory): an image taken later may
 * hold no more time left than that.
 */
static struct itimerval hook_itimers_read[CKPT_ITIMER_NR];

static int hook_read_itimers(void)
{
	for (int k = 0; k < CKPT_ITIMER_NR; k++)
		if (getitimer(k, &hook_itimers_read[k]))
			return -1;
	return 0;
}

/* alarm(IT_ALARM_S) and ITIMER_PROF (IT_PROF_S, interval IT_PROF_INTERVAL) */
static int hook_alarm_prof(void *arg)
{
	const struct itimerval prof = { IT_PROF_INTERVAL, { IT_PROF_S, 0 } };

	(void)arg;
	if (alarm(IT_ALARM_S) != 0 || setitimer(ITIMER_PROF, &prof, NULL))
		return -1;
	return hook_read_itimers();
}

/* ITIMER_VIRTUAL (IT_VIRT_S, interval IT_VIRT_INTERVAL) alone */
static int hook_virtual(void *arg)
{
	const struct itimerval virt = { IT_VIRT_INTERVAL, { IT_VIRT_S, 0 } };

	(void)arg;
	if (setitimer(ITIMER_VIRTUAL, &virt, NULL))
		return -1;
	return hook_read_itimers();
}

/*
 * Spawn and stop a target set up by hook, read what it read of its
 * timers into seen[], checkpoint it into *img (a complete, well-formed
 * image) and return its ITIMERS record in *it.
 */
static void itimers_case(struct __test_metadata *_metadata, FIXTURE_DATA(simple) *self,
			 ckpt_target_hook hook, struct itimerval *seen,
			 struct ckpt_image *img, struct ckpt_hdr_itimers *it)
{
	struct ckpt_expect e;
	uint64_t counter;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook, NULL))
		TH_LOG("the target could not arm its timers");
	ASSERT_EQ(0, target_stop(&self->t));
	ASSERT_EQ(0, target_peek(self->t.pid, hook_itimers_read, seen,
				 CKPT_ITIMER_NR * sizeof(*seen)));
	counter = target_counter(&self->t);
	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, img);
	ckpt_check_target_image(_metadata, img, &self->t, counter);
	find_itimers(_metadata, img, it);
}

/*
 * Timer k of the image: armed, with no more time left than the target
 * read (to the microsecond it reads) nor than max_ns, and the interval
 * interval_ns.
 */
static void expect_itimer(struct __test_metadata *_metadata,
			  const struct ckpt_hdr_itimers *it, int k,
			  const struct itimerval *seen, uint64_t max_ns,
			  uint64_t interval_ns, const char *what)
{
	uint64_t read_ns = (uint64_t)ckpt_tv_ns(&seen[k].it_value);

	EXPECT_LT(0ULL, read_ns) TH_LOG("%s: the target read it disarmed", what);
	EXPECT_LT(0ULL, it->timers[k].value) TH_LOG("%s: disarmed in the image", what);
	EXPECT_GE(read_ns + 999, it->timers[k].value)
		TH_LOG("%s: %llu ns left in the image, the target read %llu ns before",
		       what, (unsigned long long)it->timers[k].value,
		       (unsigned long long)read_ns);
	EXPECT_GE(max_ns, it->timers[k].value)
		TH_LOG("%s: %llu ns left in the image, more than %llu", what,
		       (unsigned long long)it->timers[k].value, (unsigned long long)max_ns);
	EXPECT_EQ(interval_ns, it->timers[k].interval)
		TH_LOG("%s: interval %llu ns in the image", what,
		       (unsigned long long)it->timers[k].interval);
}

static void expect_itimer_off(struct __test_metadata *_metadata,
			      const struct ckpt_hdr_itimers *it, int k, const char *what)
{
	EXPECT_EQ(0ULL, it->timers[k].value) TH_LOG("%s: armed in the image", what);
	EXPECT_EQ(0ULL, it->timers[k].interval) TH_LOG("%s: an interval in the image", what);
}

/*
 * A stopped target with alarm(100) and ITIMER_PROF armed (200 s, every
 * 2.5 s) is checkpointed, not refused: the ITIMERS record holds the time
 * left of each (no more than what the target read after arming them, so
 * not the value it asked for again), the intervals as set, ITIMER_VIRTUAL
 * disarmed; the target is left as it was.
 */
TEST_F(simple, itimers_image)
{
	struct itimerval seen[CKPT_ITIMER_NR];
	struct ckpt_hdr_itimers it;
	struct ckpt_image img;

	itimers_case(_metadata, self, hook_alarm_prof, seen, &img, &it);
	expect_itimer(_metadata, &it, ITIMER_REAL, seen, IT_ALARM_S * 1000000000ULL, 0,
		      "ITIMER_REAL (alarm)");
	expect_itimer_off(_metadata, &it, ITIMER_VIRTUAL, "ITIMER_VIRTUAL");
	/* a CPU-time timer is armed a tick late: see CKPT_TICK_MAX_NS */
	expect_itimer(_metadata, &it, ITIMER_PROF, seen,
		      IT_PROF_S * 1000000000ULL + CKPT_TICK_MAX_NS, IT_PROF_INTERVAL_NS,
		      "ITIMER_PROF");
	ckpt_image_free(&img);
	assert_target_unchanged(_metadata, &self->t);
}

/* ITIMER_VIRTUAL alone (50 s, every 0.75 s): saved, the others disarmed */
TEST_F(simple, itimer_virtual_image)
{
	struct itimerval seen[CKPT_ITIMER_NR];
	struct ckpt_hdr_itimers it;
	struct ckpt_image img;

	itimers_case(_metadata, self, hook_virtual, seen, &img, &it);
	expect_itimer_off(_metadata, &it, ITIMER_REAL, "ITIMER_REAL");
	expect_itimer(_metadata, &it, ITIMER_VIRTUAL, seen,
		      IT_VIRT_S * 1000000000ULL + CKPT_TICK_MAX_NS, IT_VIRT_INTERVAL_NS,
		      "ITIMER_VIRTUAL");
	expect_itimer_off(_metadata, &it, ITIMER_PROF, "ITIMER_PROF");
	ckpt_image_free(&img);
	assert_target_unchanged(_metadata, &self->t);
}

/*
 * Without CHECKPOINT_SUBTREE the target must be the init of a pid
 * namespace: a plain stopped child is refused with EINVAL, after the
 * headers, by an error record that says so; the child stays stopped and
 * runs normally once continued.
 */
TEST_F(simple, stopped_target_no_subtree_einval)
{
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	ckpt_capture_failed_image(_metadata, self->t.pid, 0, EINVAL, NOT_NS_INIT_MSG,
				  &img, &len);
	free(img);
	assert_target_unchanged(_metadata, &self->t);
}

static int hook_setpgid(void *arg)
{
	(void)arg;
	return setpgid(0, 0);
}

static int hook_setsid(void *arg)
{
	(void)arg;
	return setsid() < 0 ? -1 : 0;
}

/*
 * A stopped target that leads a process group of its own, in the test's
 * session: its tree entry has its own pid as pgid (the leader is in the
 * image) and the test's session, outside.
 */
TEST_F(simple, tree_own_process_group)
{
	struct ckpt_expect e;
	struct ckpt_image img;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook_setpgid, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	ASSERT_EQ(self->t.pid, getpgid(self->t.pid));
	ASSERT_EQ(getsid(0), getsid(self->t.pid));
	ASSERT_NE(self->t.pid, getsid(0));

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, &img);
	expect_tree_root(_metadata, &img, 0, self->t.pid, self->t.pid, getsid(0),
			 CKPT_TREE_STOPPED | CKPT_TREE_SID_OUTSIDE);
	ckpt_image_free(&img);

	assert_target_unchanged(_metadata, &self->t);
}

/* A stopped target that leads a session of its own: nothing outside. */
TEST_F(simple, tree_own_session)
{
	struct ckpt_expect e;
	struct ckpt_image img;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook_setsid, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	ASSERT_EQ(self->t.pid, getpgid(self->t.pid));
	ASSERT_EQ(self->t.pid, getsid(self->t.pid));

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, &img);
	expect_tree_root(_metadata, &img, 0, self->t.pid, self->t.pid, self->t.pid,
			 CKPT_TREE_STOPPED);
	ckpt_image_free(&img);

	assert_target_unchanged(_metadata, &self->t);
}

/*
 * The init of a new pid namespace (clone(CLONE_NEWPID)), with no
 * children, stopped by the test (SIGSTOP from an ancestor namespace
 * reaches it): checkpoint(pid, fd, 0) takes the namespace, a container
 * of one task. The tree has CKPT_TREE_CONTAINER and the pids of the
 * namespace: the root is 1, the test's group and session are not visible
 * there (0, outside), unless the init made a session of its own (1). The
 * same task checkpointed as a subtree is listed with the test's pids.
 */
static void container_case(struct __test_metadata *_metadata,
			   FIXTURE_DATA(simple) *self, int own_session)
{
	uint32_t outside = CKPT_TREE_PGID_OUTSIDE | CKPT_TREE_SID_OUTSIDE;
	struct ckpt_expect e;
	struct ckpt_image img;
	uint64_t counter;
	pid_t pid;

	ASSERT_EQ(0, target_spawn_flags(&self->t, 1, own_session ? hook_setsid : NULL,
					NULL, CLONE_NEWPID))
		TH_LOG("clone(CLONE_NEWPID) of a target: %s", strerror(errno));
	pid = self->t.pid;
	ASSERT_EQ(0, target_stop(&self->t)) TH_LOG("SIGSTOP of the init of a pid namespace");
	ASSERT_EQ('T', proc_state(pid));
	counter = target_counter(&self->t);

	expect_target(&e, &self->t, 0, 1);
	ckpt_capture_image(_metadata, &e, &img);
	ckpt_check_target_image(_metadata, &img, &self->t, counter);
	if (own_session)
		expect_tree_root(_metadata, &img, CKPT_TREE_CONTAINER, 1, 1, 1,
				 CKPT_TREE_STOPPED);
	else
		expect_tree_root(_metadata, &img, CKPT_TREE_CONTAINER, 1, 0, 0,
				 CKPT_TREE_STOPPED | outside);
	ckpt_image_free(&img);

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	ckpt_capture_image(_metadata, &e, &img);
	if (own_session)
		expect_tree_root(_metadata, &img, 0, pid, pid, pid, CKPT_TREE_STOPPED);
	else
		expect_tree_root(_metadata, &img, 0, pid, getpgrp(), getsid(0),
				 CKPT_TREE_STOPPED | outside);
	ckpt_image_free(&img);

	assert_target_unchanged(_metadata, &self->t);
}

TEST_F(simple, container_init)
{
	container_case(_metadata, self, 0);
}

TEST_F(simple, container_init_own_session)
{
	container_case(_metadata, self, 1);
}

/*
 * A task that entered the container's pid namespace with setns() and
 * forked is in the namespace without descending from its init: the
 * checkpoint of the container would leave it out, so it is refused
 * (EOPNOTSUPP, an error record that names it); the init stays stopped.
 */
TEST_F(simple, container_stray_task_refused)
{
	char path[64];
	unsigned char *img;
	size_t len;
	int status, ready[2];
	pid_t helper, parent = getpid();
	char c;

	ASSERT_EQ(0, target_spawn_flags(&self->t, 1, NULL, NULL, CLONE_NEWPID))
		TH_LOG("clone(CLONE_NEWPID) of a target: %s", strerror(errno));
	ASSERT_EQ(0, target_stop(&self->t));
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", self->t.pid);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));

	/* helper: setns() into the container, fork a child there, wait */
	helper = fork();
	ASSERT_LE(0, helper);
	if (helper == 0) {
		int ns = open(path, O_RDONLY | O_CLOEXEC);
		pid_t inside;

		if (child_tie_to_parent(parent) || ns < 0 ||
		    setns(ns, CLONE_NEWPID))
			_exit(EXIT_SETUP_FAILED);
		inside = fork();
		if (inside < 0)
			_exit(EXIT_SETUP_FAILED);
		if (inside == 0) {
			/* pid 2 or so in the container, its parent outside */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != 0)
				_exit(EXIT_SETUP_FAILED);
			if (write(ready[1], "r", 1) != 1)
				_exit(EXIT_SETUP_FAILED);
			for (;;)
				pause();
		}
		close(ready[1]);
		waitpid(inside, &status, 0);
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("no task entered the container");
	close(ready[0]);

	ckpt_capture_failed_image(_metadata, self->t.pid, 0, EOPNOTSUPP,
				  "not a descendant of its init", &img, &len);
	free(img);

	kill(helper, SIGKILL);	/* its child dies with it */
	waitpid(helper, &status, 0);
	assert_target_unchanged(_metadata, &self->t);
}

/* Two checkpoints into one O_WRONLY file: two images, one after the other. */
TEST_F(simple, stopped_target_twice_one_file)
{
	struct ckpt_expect e1, e2;
	unsigned char *img;
	size_t len, n1, n2;
	char path[64];
	long id1, id2;
	int wfd, rfd;

	wfd = new_tmpfile(O_WRONLY, NULL);
	ASSERT_LE(0, wfd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", wfd);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));

	expect_target(&e1, &self->t, CHECKPOINT_SUBTREE, 1);
	id1 = sys_checkpoint(self->t.pid, wfd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e1);
	ASSERT_LT(0, id1) TH_LOG("first checkpoint: %s", strerror((int)-id1));
	e1.id = id1;
	n1 = (size_t)fd_pos(wfd);
	ASSERT_EQ((off_t)n1, fd_size(wfd));
	ASSERT_LT(0, fd_pos(wfd));

	expect_target(&e2, &self->t, CHECKPOINT_SUBTREE, 1);
	id2 = sys_checkpoint(self->t.pid, wfd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e2);
	ASSERT_LT(0, id2) TH_LOG("second checkpoint: %s", strerror((int)-id2));
	e2.id = id2;
	EXPECT_NE(id1, id2) TH_LOG("two checkpoints with one id");
	ASSERT_EQ(fd_pos(wfd), fd_size(wfd));
	ASSERT_LT((off_t)n1, fd_pos(wfd)) TH_LOG("the second image overwrote the first");
	close(wfd);

	ASSERT_EQ(0, fd_slurp(rfd, &img, &len));
	close(rfd);
	EXPECT_EQ(n1, ckpt_check_image(_metadata, img, len, &e1));
	n2 = ckpt_check_image(_metadata, img + n1, len - n1, &e2);
	EXPECT_EQ(len, n1 + n2) TH_LOG("file has %zu bytes, images %zu + %zu", len, n1, n2);
	free(img);

	assert_target_unchanged(_metadata, &self->t);
}

/* The image goes at the file's current offset; what is before it stays. */
TEST_F(simple, stopped_target_at_file_offset)
{
	static const char prefix[] = "12345";	/* 5 bytes: not 8-aligned */
	const size_t off = sizeof(prefix) - 1;
	struct ckpt_image img;
	struct ckpt_expect e;
	unsigned char *buf;
	uint64_t counter;
	size_t len;
	long id;

	ASSERT_EQ(0, write_all(self->fd, prefix, off));
	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	counter = target_counter(&self->t);
	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	id = sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e);
	ASSERT_LT(0, id) TH_LOG("checkpoint: %s", strerror((int)-id));
	e.id = id;

	ASSERT_EQ(0, fd_slurp(self->fd, &buf, &len));
	EXPECT_EQ((off_t)len, fd_pos(self->fd));
	ASSERT_GT(len, off);
	EXPECT_EQ(0, memcmp(buf, prefix, off)) TH_LOG("bytes before the offset changed");
	EXPECT_EQ(len - off, ckpt_check_image(_metadata, buf + off, len - off, &e));
	ASSERT_EQ(0, ckpt_image_from(&img, buf + off, len - off));
	ckpt_check_target_image(_metadata, &img, &self->t, counter);
	ckpt_image_free(&img);
	free(buf);

	assert_target_unchanged(_metadata, &self->t);
}

/* A pipe works as the image stream; a reader child drains it. */
TEST_F(simple, stopped_target_into_pipe)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int p[2];
	long r;

	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, drainer_spawn(p, self->fd, &self->aux));
	ASSERT_EQ(0, target_stop(&self->t));

	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 1);
	r = sys_checkpoint(self->t.pid, p[1], CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e);
	close(p[1]);
	ASSERT_LT(0, r) TH_LOG("checkpoint into a pipe: %s", strerror((int)-r));
	e.id = r;
	ASSERT_EQ(0, reap_exit_status(&self->aux)) TH_LOG("pipe reader failed");

	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ(len, ckpt_check_image(_metadata, img, len, &e));
	free(img);

	assert_target_unchanged(_metadata, &self->t);
}

/* A character device is a stream like any other: the image goes to /dev/null */
TEST_F(simple, stopped_target_into_dev_null)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	long r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, target_spawn(&self->t, 0, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	r = sys_checkpoint(self->t.pid, fd, CHECKPOINT_SUBTREE);
	close(fd);
	EXPECT_LT(0, r) TH_LOG("checkpoint into /dev/null: %s",
			       r < 0 ? strerror((int)-r) : "0");
	assert_target_unchanged(_metadata, &self->t);
}

/* Target of another unprivileged user: the hook becomes CKPT_OTHER_UID */
static int hook_other_user(void *arg)
{
	return become_user(CKPT_OTHER_UID, *(pid_t *)arg);
}

/*
 * An unprivileged caller cannot checkpoint a stopped process of another
 * unprivileged user: EPERM, nothing written, the target unharmed.
 */
TEST_F(simple, other_user_eperm)
{
	pid_t parent = getpid();

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook_other_user, &parent));
	ASSERT_EQ(0, target_stop(&self->t));
	self->aux = fork();
	ASSERT_LE(0, self->aux);
	if (self->aux == 0) {
		if (child_tie_to_parent(parent) || drop_privileges(parent))
			_exit(EXIT_SETUP_FAILED);
		exit_with(sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE));
	}
	EXPECT_EQ(EPERM, reap_exit_status(&self->aux))
		TH_LOG("exit code = errno of checkpoint of uid %d as uid %d (%d: setup failed)",
		       CKPT_OTHER_UID, CKPT_NOBODY, EXIT_SETUP_FAILED);
	EXPECT_EQ(0, fd_size(self->fd)) TH_LOG("a refused checkpoint wrote to the fd");
	assert_target_unchanged(_metadata, &self->t);
}

/*
 * Control for the EPERM tests: the same unprivileged caller may
 * checkpoint a stopped child of its own, so EPERM is about ptrace access,
 * not uid 0.
 */
TEST_F(simple, unprivileged_caller_own_child)
{
	pid_t parent = getpid();
	struct {
		pid_t pid;
		long id;
	} rep = { 0, 0 };
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
	ckpt_expect_init(&e, 0, CHECKPOINT_SUBTREE);
	self->aux = fork();
	ASSERT_LE(0, self->aux);
	if (self->aux == 0) {
		struct ckpt_target gc;

		close(p[0]);
		if (child_tie_to_parent(parent) || drop_privileges(parent) ||
		    prctl(PR_SET_DUMPABLE, 1) ||
		    target_spawn(&gc, 1, NULL, NULL) || target_stop(&gc)) {
			target_cleanup(&gc);
			_exit(EXIT_SETUP_FAILED);
		}
		rep.pid = gc.pid;
		rep.id = sys_checkpoint(gc.pid, self->fd, CHECKPOINT_SUBTREE);
		target_cleanup(&gc);
		if (write(p[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(EXIT_SETUP_FAILED);
		_exit(0);
	}
	close(p[1]);
	EXPECT_EQ(0, reap_exit_status(&self->aux))
		TH_LOG("exit code of the caller as uid %d (%d: setup failed)",
		       CKPT_NOBODY, EXIT_SETUP_FAILED);
	ckpt_expect_done(&e);
	ASSERT_EQ((ssize_t)sizeof(rep), read(p[0], &rep, sizeof(rep)));
	close(p[0]);
	ASSERT_LT(0, rep.id) TH_LOG("checkpoint of its own child as uid %d: %s",
				    CKPT_NOBODY, strerror((int)-rep.id));
	e.pid = rep.pid;
	e.id = rep.id;
	e.uid = CKPT_NOBODY;
	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ(len, ckpt_check_image(_metadata, img, len, &e));
	free(img);
}

/* ------------------------------------------------------------------ */
/* Refusals: the target holds something that cannot be saved          */
/* ------------------------------------------------------------------ */

/*
 * checkpoint(2) of the stopped target t (set up by hook) must fail with
 * err, write the image of a failed checkpoint whose error record names
 * the resource (m1 and m2, see msg_has(); NULL: not checked), and leave
 * the target as it was.
 */
static void refusal_case(struct __test_metadata *_metadata,
			 FIXTURE_DATA(simple) *self, ckpt_target_hook hook,
			 void *arg, int err, const char *m1, const char *m2)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	long r;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook, arg))
		TH_LOG("the target could not set itself up");
	ASSERT_EQ(0, target_stop(&self->t));

	ckpt_expect_init(&e, self->t.pid, CHECKPOINT_SUBTREE);
	e.errnum = err;
	e.msg[0] = m1;
	e.msg[1] = m2;
	r = sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e);
	EXPECT_EQ(-err, r) TH_LOG("checkpoint: %s, expected %s",
				  r < 0 ? strerror((int)-r) : "success", strerror(err));
	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	EXPECT_EQ((off_t)len, fd_pos(self->fd));
	if (r < 0) {
		EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e))
			TH_LOG("bytes after the error record (no trailer expected)");
	}
	free(img);

	assert_target_unchanged(_metadata, &self->t);
}

static int hook_thread(void *arg)
{
	pthread_t th;

	(void)arg;
	return pthread_create(&th, NULL, rst_idle_thread, NULL) ? -1 : 0;
}

static int hook_child(void *arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	(void)arg;
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (child_tie_to_parent(parent))
			_exit(1);
		for (;;)
			pause();
	}
	return 0;
}

static int hook_deleted_file(void *arg)
{
	char path[] = "/tmp/ckpt_deleted.XXXXXX";
	int fd = mkstemp(path);

	(void)arg;
	if (fd < 0)
		return -1;
	if (write_all(fd, "gone\n", 5) || unlink(path))
		return -1;
	return fd_move(fd, TGT_EXTRA_FD);
}

static int hook_mapped_deleted_file(void *arg)
{
	char path[] = "/tmp/ckpt_mapdel.XXXXXX";
	int fd = mkstemp(path);
	void *p;

	(void)arg;
	if (fd < 0 || ftruncate(fd, 4096))
		return -1;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	*(volatile char *)p = 'x';
	close(fd);
	return unlink(path);
}

static int hook_posix_timer(void *arg)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 1000, 0 } };
	timer_t tid;

	(void)arg;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	/* A timer of CPU time: only hrtimer clocks are saved */
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &tid))
		return -1;
	return timer_settime(tid, 0, &its, NULL);
}

/* A pipe whose read end is opened a second time, through /proc */
static int hook_pipe_reopened(void *arg)
{
	char path[64];
	int p[2], fd;

	(void)arg;
	if (pipe(p))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	fd = open(path, O_RDONLY);
	return fd < 0 ? -1 : 0;
}

static int hook_mlock(void *arg)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		return -1;
	*(volatile char *)p = 1;
	return mlock(p, 4096);
}

/*
 * A process of two threads is saved whole: the tree lists the thread
 * after its leader, sharing everything with it, and the image has one
 * address space and one fd table (the leader's).
 */
TEST_F(simple, second_thread_saved)
{
	struct ckpt_hdr_tree tr;
	struct ckpt_tree_task k[2];
	unsigned int nr_mm = 0, nr_fdt = 0, nr_task = 0;
	off_t off = 0, tree_off = -1, end;
	struct ckpt_hdr h;
	long r;

	ASSERT_EQ(0, target_spawn(&self->t, 1, hook_thread, NULL))
		TH_LOG("the target could not set itself up");
	ASSERT_EQ(0, target_stop(&self->t));
	r = sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE);
	ASSERT_LT(0, r) TH_LOG("checkpoint: %s", strerror((int)-r));
	end = fd_size(self->fd);
	while (off < end) {
		ASSERT_EQ((ssize_t)sizeof(h), pread(self->fd, &h, sizeof(h), off));
		ASSERT_LE(sizeof(h), h.len);
		if (h.type == CKPT_HDR_TREE)
			tree_off = off;
		nr_mm += h.type == CKPT_HDR_MM;
		nr_fdt += h.type == CKPT_HDR_FD_TABLE;
		nr_task += h.type == CKPT_HDR_TASK;
		off += (off_t)CKPT_ALIGN8(h.len);
	}
	ASSERT_LE(0, tree_off);
	ASSERT_EQ((ssize_t)sizeof(tr), pread(self->fd, &tr, sizeof(tr), tree_off));
	ASSERT_EQ(2U, tr.nr_tasks);
	ASSERT_EQ((ssize_t)sizeof(k), pread(self->fd, k, sizeof(k),
					    tree_off + (off_t)sizeof(tr)));
	EXPECT_EQ(self->t.pid, k[0].pid);
	EXPECT_EQ(self->t.pid, k[1].tgid);
	EXPECT_NE(self->t.pid, k[1].pid);
	EXPECT_EQ(0, k[1].ppid) TH_LOG("a thread of the root has its parent outside");
	EXPECT_EQ(1U, k[1].share_mm);
	EXPECT_EQ(1U, k[1].share_files);
	EXPECT_EQ(1U, k[1].share_fs);
	EXPECT_EQ(1U, k[1].share_sighand);
	EXPECT_EQ(2U, nr_task);
	EXPECT_EQ(1U, nr_mm);
	EXPECT_EQ(1U, nr_fdt);
	assert_target_unchanged(_metadata, &self->t);
}

/* A child is checkpointed with its parent, so it must be stopped too */
TEST_F(simple, refuse_running_child)
{
	refusal_case(_metadata, self, hook_child, NULL, EBUSY, "neither stopped nor frozen",
		     NULL);
}

TEST_F(simple, refuse_unix_socket)
{
	refusal_case(_metadata, self, target_hook_socketpair, NULL, EOPNOTSUPP,
		     "fd 10", "socket");
}

TEST_F(simple, refuse_deleted_file)
{
	refusal_case(_metadata, self, hook_deleted_file, NULL, EOPNOTSUPP,
		     "fd 10", "deleted");
}

TEST_F(simple, refuse_mapped_deleted_file)
{
	refusal_case(_metadata, self, hook_mapped_deleted_file, NULL, EOPNOTSUPP,
		     "deleted", NULL);
}

TEST_F(simple, refuse_cpu_clock_posix_timer)
{
	timer_t tid;

	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &tid))
		SKIP(return, "no POSIX timers: %s", strerror(errno));
	timer_delete(tid);
	refusal_case(_metadata, self, hook_posix_timer, NULL, EOPNOTSUPP, "POSIX timer",
		     "CPU-time clock");
}

/* A second file on an end of a pipe(2), which a restart would not make */
TEST_F(simple, refuse_pipe_end_reopened)
{
	refusal_case(_metadata, self, hook_pipe_reopened, NULL, EOPNOTSUPP, "pipe:[",
		     "opened again through /proc");
}

TEST_F(simple, refuse_mlocked_memory)
{
	refusal_case(_metadata, self, hook_mlock, NULL, EOPNOTSUPP, "lock", NULL);
}

/*
 * A target traced by the test (PTRACE_SEIZE while stopped): EBUSY, with
 * no image or the image of a failed checkpoint; once detached, the target
 * is stopped still and runs normally after SIGCONT.
 */
TEST_F(simple, refuse_ptraced)
{
	struct ckpt_expect e;
	unsigned char *img;
	size_t len;
	int status;
	long r;

	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->t.pid, NULL, NULL))
		TH_LOG("PTRACE_SEIZE: %s", strerror(errno));

	ckpt_expect_init(&e, self->t.pid, CHECKPOINT_SUBTREE);
	e.errnum = EBUSY;
	r = sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e);

	/* let go before asserting anything */
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		if (ptrace(PTRACE_DETACH, self->t.pid, NULL, NULL) == 0)
			break;
		ckpt_msleep(2);
	}
	while (waitpid(self->t.pid, &status, WNOHANG | __WALL) > 0)
		;
	EXPECT_EQ(-EBUSY, r) TH_LOG("checkpoint of a traced target: %s",
				    r < 0 ? strerror((int)-r) : "success");
	ASSERT_EQ(0, fd_slurp(self->fd, &img, &len));
	if (len) {
		EXPECT_EQ(len, ckpt_check_failed_image(_metadata, img, len, &e));
	}
	free(img);
	EXPECT_EQ('T', wait_state(self->t.pid, 'T'));
	assert_target_unchanged(_metadata, &self->t);
}

/* ------------------------------------------------------------------ */
/* checkpoint(2) of a target frozen by the cgroup v2 freezer           */
/* ------------------------------------------------------------------ */

FIXTURE(frozen) {
	struct ckpt_target t;
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
	target_kill(&self->t);
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
	target_init(&self->t);
	self->mounted = 0;
	self->mnt[0] = 0;
	self->cg[0] = 0;
	self->fd = new_memfd();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(frozen)
{
	cg_cleanup(self);
	target_cleanup(&self->t);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A target frozen by the cgroup v2 freezer (not stopped) may be
 * checkpointed: a complete image; it stays frozen, and once thawed runs
 * normally. Everything is done (and cleaned up) before the first ASSERT,
 * so that a failure leaves no cgroup or mount behind.
 */
TEST_F_TIMEOUT(frozen, frozen_target, 60)
{
	int still_frozen = -1, quiet = -1, runs = -1, heap_ok = -1, status = -1, r;
	const char *failed = NULL;
	struct ckpt_image img;
	struct ckpt_expect e;
	uint64_t counter = 0;
	char pid[16], state = 0;
	long ck = 0;

	r = cg_prepare(self);
	if (r) {
		cg_cleanup(self);
		SKIP(return, "no cgroup v2 freezer: %s", strerror(-r));
	}
	if (target_spawn(&self->t, 1, NULL, NULL)) {
		failed = "spawn the target";
		goto out;
	}
	snprintf(pid, sizeof(pid), "%d", self->t.pid);
	r = cg_write(self->cg, "cgroup.procs", pid);
	if (r) {
		cg_cleanup(self);
		target_cleanup(&self->t);
		SKIP(return, "cannot move a task into a cgroup: %s", strerror(-r));
	}
	if (cg_write(self->cg, "cgroup.freeze", "1") || cg_wait_frozen(self->cg, 1)) {
		failed = "freeze the cgroup";
		goto out;
	}
	state = proc_state(self->t.pid);
	counter = target_counter(&self->t);

	/* frozen, not stopped: the tree says so */
	expect_target(&e, &self->t, CHECKPOINT_SUBTREE, 0);
	ck = sys_checkpoint(self->t.pid, self->fd, CHECKPOINT_SUBTREE);
	ckpt_expect_done(&e);

	still_frozen = cg_frozen(self->cg);
	quiet = target_still(&self->t);
	if (cg_write(self->cg, "cgroup.freeze", "0")) {
		failed = "thaw the cgroup";
		goto out;
	}
	runs = target_runs(&self->t);
	heap_ok = target_heap_ok(&self->t);
	status = target_finish(&self->t);
out:
	cg_cleanup(self);

	ASSERT_TRUE(failed == NULL) TH_LOG("could not %s", failed);
	EXPECT_NE('T', state) TH_LOG("the target should be frozen, not stopped");
	ASSERT_LT(0, ck) TH_LOG("checkpoint of a frozen target: %s",
				ck < 0 ? strerror((int)-ck) : "0");
	EXPECT_EQ(1, still_frozen) TH_LOG("checkpoint thawed the cgroup");
	EXPECT_EQ(1, quiet) TH_LOG("the frozen target ran before thawing");
	EXPECT_EQ(1, runs) TH_LOG("the target did not run after thawing");
	EXPECT_EQ(1, heap_ok) TH_LOG("the target's heap changed");
	EXPECT_EQ(TGT_EXIT_OK, status);

	e.id = ck;
	ASSERT_EQ(0, ckpt_image_load_fd(self->fd, &img));
	EXPECT_EQ((off_t)img.len, fd_pos(self->fd));
	EXPECT_EQ(img.len, ckpt_check_image(_metadata, img.data, img.len, &e));
	ckpt_check_target_image(_metadata, &img, &self->t, counter);
	expect_tree_root(_metadata, &img, 0, e.pid, getpgrp(), getsid(0),
			 CKPT_TREE_PGID_OUTSIDE | CKPT_TREE_SID_OUTSIDE);
	expect_nothing_pending(_metadata, &img);
	ckpt_image_free(&img);
	target_cleanup(&self->t);
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

/* RESTART_FORCE_FILES is a valid flag: the image, then the fd, decide */
TEST(restart_force_files_flag)
{
	struct ckpt_probe probe;
	int fd;

	probe_arm(&probe);
	fd = minimal_image_fd();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, RESTART_FORCE_FILES))
		TH_LOG("an image without task records");
	close(fd);
	EXPECT_EQ(-EBADF, sys_restart(0, -1, RESTART_FORCE_FILES));
	EXPECT_TRUE(probe_intact(&probe));
	probe_disarm(&probe);
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

/*
 * The two sides of a coordinated restart: RESTART_JOIN takes no pid, and
 * RESTART_COORDINATE needs a live root whose pid is the image's root pid.
 * None of these may touch the caller.
 */
TEST(restart_tree_bad_args)
{
	struct ckpt_probe probe;
	pid_t other = unused_pid();
	int fd;

	probe_arm(&probe);
	fd = minimal_image_fd();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, sys_restart(getpid(), fd, RESTART_JOIN));
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, RESTART_COORDINATE));
	EXPECT_EQ(-ESRCH, sys_restart(other, fd, RESTART_COORDINATE));
	EXPECT_EQ(-EBADF, sys_restart(1, -1, RESTART_COORDINATE));
	close(fd);
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
