// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel refuses around a tree of processes, with the error
 * that names the cause:
 *
 * - at checkpoint, what a subtree shares with a process outside it (leak
 *   detection): a pipe end, an open file, a file table, shared memory;
 *   accepted with CHECKPOINT_EXTERNAL;
 * - at restart, a task that is not where the image says: the test builds
 *   the tree itself, as mktree would but with one task misplaced, and
 *   coordinates the restart; no task of it survives.
 */
#include "restart_tree.h"

#include <linux/sched.h>

/* What the target of a leak detection test shares with the test */
enum external {
	EXT_PIPE,	/* the write end of a pipe whose read end the test has */
	EXT_FILE,	/* an open file (one offset) the test has too */
	EXT_FILE_TABLE,	/* the test's descriptor table (clone(CLONE_FILES)) */
	EXT_MEMORY,	/* shared anonymous memory the test maps too */
};

/*
 * Leak detection: a stopped target shares something with the test,
 * outside its subtree. The checkpoint is refused, naming what and the
 * test's pid; CHECKPOINT_EXTERNAL accepts it.
 */
static void external_case(struct __test_metadata *_metadata, struct tree_test *tt,
			  enum external what, const char *want_fmt)
{
	unsigned char *img = NULL;
	int p[2] = { -1, -1 }, fd = -1, out;
	void *mem = MAP_FAILED;
	char want[96], path[128];
	size_t len = 0;
	long id;

	if (what == EXT_PIPE)
		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	if (what == EXT_FILE) {
		fd = open(rs_path(&tt->t, "shared", path, sizeof(path)),
			  O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
	}
	if (what == EXT_MEMORY) {
		mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
		ASSERT_NE(MAP_FAILED, mem);
	}
	tt->t.target = what == EXT_FILE_TABLE ? fork_flags(CLONE_FILES) : fork();
	ASSERT_LE(0, tt->t.target);
	if (tt->t.target == 0) {
		int null = what == EXT_FILE_TABLE ? 0 : open("/dev/null", O_RDWR);
		int keep = what == EXT_PIPE ? p[1] : fd;

		/* With the test's table, it closes nothing */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || null < 0 ||
		    ckpt_privatize_shared_but(mem) ||
		    (what != EXT_FILE_TABLE &&
		     (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
		      (keep >= 0 && dup2(keep, 100) != 100) || close_range(3, 99, 0) ||
		      close_range(101, ~0U, 0))))
			_exit(RS_EXIT_SETUP);
		kill(getpid(), SIGSTOP);
		for (;;)
			pause();
	}
	if (p[1] >= 0)
		close(p[1]);
	tt->pids[tt->n++] = tt->t.target;
	ASSERT_EQ(0, settle(tt, tt->before)) TH_LOG("the target did not stop");

	snprintf(want, sizeof(want), want_fmt, getpid());
	ckpt_capture_failed_image(_metadata, tt->t.target, CHECKPOINT_SUBTREE,
				  EOPNOTSUPP, want, &img, &len);
	free(img);

	out = memfd_create("ckpt_external", MFD_CLOEXEC);
	ASSERT_LE(0, out);
	id = sys_checkpoint(tt->t.target, out, CHECKPOINT_SUBTREE | CHECKPOINT_EXTERNAL);
	close(out);
	EXPECT_LT(0, id) TH_LOG("checkpoint with CHECKPOINT_EXTERNAL: %s",
				id < 0 ? strerror((int)-id) : "");
	if (p[0] >= 0)
		close(p[0]);
	if (fd >= 0)
		close(fd);
	if (mem != MAP_FAILED)
		munmap(mem, 4096);
}

TEST_F(tree, external_pipe)
{
	external_case(_metadata, &self->tt, EXT_PIPE, "also held by pid %d, outside");
}

TEST_F(tree, external_file)
{
	external_case(_metadata, &self->tt, EXT_FILE,
		      "/shared: open file also held by pid %d, outside");
}

TEST_F(tree, external_file_table)
{
	external_case(_metadata, &self->tt, EXT_FILE_TABLE,
		      "its file table is shared with pid %d, outside");
}

TEST_F(tree, external_memory)
{
	external_case(_metadata, &self->tt, EXT_MEMORY, "also mapped by pid %d, outside");
}

/* ------------------------------------------------------------------ */
/* A restart that the test builds, with a task out of place            */
/* ------------------------------------------------------------------ */

/* Where the test puts C', the child, before it joins the restart */
enum misplace {
	MIS_NONE,		/* where C was: the restart goes through */
	MIS_ROOT_GROUP,		/* C was in R's group, which is outside the
				 * image; C' leads a group of its own */
	MIS_OWN_GROUP,		/* C led a group; C' stays in the test's */
	MIS_ROOT_SESSION,	/* C led a group in R's session, outside the
				 * image; C' leads a session of its own */
};

static bool misplace_own_group;

/* R, in the test's group and session, and its child C */
static void misplace_root(int rep)
{
	child(rep, misplace_own_group ? 0 : -1, NULL);
}

/* fork() into the pid @pid, as mktree does (clone3() with set_tid) */
static pid_t fork_pid(pid_t pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Whether the kernel log from @kmsg on has a line with @want */
static bool kmsg_has(int kmsg, const char *want)
{
	char rec[1024];
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;
		rec[n] = 0;
		if (strstr(rec, want))
			return true;
	}
	return false;
}

/*
 * R and C are checkpointed (C in R's group, or leading its own) and
 * killed. The test then creates R' and C' with their pids, C' placed as
 * @how says; each joins the restart (RESTART_JOIN), and the test
 * coordinates it (RESTART_COORDINATE). Placed right, the tree is back
 * with the same ids; misplaced, the restart fails with EINVAL, the kernel
 * log names C and why (@want_fmt, with C's and R's pids), and neither R'
 * nor C' is left.
 */
static void misplace_case(struct __test_metadata *_metadata, struct tree_test *tt,
			  enum misplace how, const char *want_fmt)
{
	struct proc_ids after[TREE_MAX];
	char path[64], want[160];
	pid_t r, c = 0;
	int img, kmsg;
	long ret;

	misplace_own_group = how == MIS_OWN_GROUP || how == MIS_ROOT_SESSION;
	tree_checkpoint(_metadata, tt, misplace_root, 2);
	for (int i = 0; i < tt->n; i++)
		if (tt->pids[i] != tt->root)
			c = tt->pids[i];
	ASSERT_NE(0, c);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", tt->t.img);
	img = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));

	r = fork_pid(tt->root);
	ASSERT_LE(0, r) TH_LOG("clone3 with pid %d: %s", tt->root, strerror(errno));
	if (r == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || fork_pid(c) < 0)
			_exit(RS_EXIT_SETUP);
		/* C' is in R's group, the test's, unless moved */
		if (getpid() == c &&
		    ((how == MIS_ROOT_GROUP && setpgid(0, 0)) ||
		     (how == MIS_ROOT_SESSION && setsid() < 0)))
			_exit(RS_EXIT_SETUP);
		sys_restart(0, img, RESTART_JOIN);
		_exit(RS_EXIT_SETUP);
	}
	ASSERT_EQ(tt->root, r);
	ret = sys_restart(tt->root, img, RESTART_COORDINATE);
	close(img);
	if (how == MIS_NONE) {
		EXPECT_LE(0, ret) TH_LOG("restart: %s", strerror((int)-ret));
		ASSERT_EQ(0, settle(tt, after)) TH_LOG("the restarted tree did not stop");
		expect_same_ids(_metadata, tt->before, after, tt->n);
		close(kmsg);
		return;
	}
	EXPECT_EQ(-EINVAL, ret) TH_LOG("restart: %s", ret < 0 ? strerror((int)-ret) : "done");
	snprintf(want, sizeof(want), want_fmt, c, tt->root);
	EXPECT_TRUE(kmsg_has(kmsg, want)) TH_LOG("no \"%s\" in the kernel log", want);
	close(kmsg);
	kill_all(tt);
	for (int i = 0; i < tt->n; i++) {
		EXPECT_NE(0, kill(tt->pids[i], 0)) TH_LOG("pid %d is alive", tt->pids[i]);
	}
}

TEST_F_TIMEOUT(tree, placed_right, 60)
{
	misplace_case(_metadata, &self->tt, MIS_NONE, NULL);
}

TEST_F_TIMEOUT(tree, misplaced_out_of_root_group, 60)
{
	misplace_case(_metadata, &self->tt, MIS_ROOT_GROUP,
		      "pid %d: is not in the process group of pid %d");
}

TEST_F_TIMEOUT(tree, misplaced_out_of_own_group, 60)
{
	misplace_case(_metadata, &self->tt, MIS_OWN_GROUP,
		      "pid %d: is in another process group than the image's");
}

TEST_F_TIMEOUT(tree, misplaced_out_of_root_session, 60)
{
	misplace_case(_metadata, &self->tt, MIS_ROOT_SESSION,
		      "pid %d: is not in the session of pid %d");
}

TEST_HARNESS_MAIN
