// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel refuses around a tree of processes, with the error
 * that names the cause: at checkpoint, what a subtree shares with a
 * process outside it (leak detection): a pipe end, an open file, a file
 * table, shared memory; accepted with CHECKPOINT_EXTERNAL.
 */
#include "restart_tree.h"

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

TEST_HARNESS_MAIN
