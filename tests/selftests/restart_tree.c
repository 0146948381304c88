// SPDX-License-Identifier: GPL-2.0
/*
 * A tree of processes checkpointed with CHECKPOINT_SUBTREE, killed, and
 * restarted by mktree: the same pids, parents, process groups and
 * sessions, a zombie that its parent reaps afterwards with the saved
 * status, stopped tasks still stopped. And a restart that fails in the
 * middle of the tree leaves none of its tasks.
 *
 * The tree (21 processes, 3 levels, 8 process groups, 2 sessions):
 *
 *   R  leads session R and group R
 *   +- A   leads session A;  a1 a2 lead groups, a3 a4 in a1's, a5 in a2's,
 *   |                        a6 in A's
 *   +- B   group B;          b1 b4 lead groups, b2 in b1's, b3 in R's,
 *   |                        b5 in B's, b6 a zombie (exit status 42)
 *   +- C   in R's group;     c1 leads a group, c2 c3 c4 in c1's, c5 in B's
 *
 * Each task stops itself (SIGSTOP) once its children are set up; the test
 * reads every task's pid, parent, group, session and state from /proc
 * before the checkpoint and again after the restart, where the stopped
 * tasks must be stopped again. Continued, B reaps its zombie and reports
 * the status.
 */
#include "restart_tree.h"

#define ZOMBIE_STATUS	42

/* The image comes to mktree from a file, or through a pipe */
FIXTURE_VARIANT(tree) {
	bool pipe_in;
};

FIXTURE_VARIANT_ADD(tree, file) {
	.pipe_in = false,
};

FIXTURE_VARIANT_ADD(tree, pipe) {
	.pipe_in = true,
};

/* The test's directory, for the trees that open files in it */
static char share_dir[64];

static void tree_a(int rep)
{
	pid_t a1, a2;

	if (setsid() < 0)
		_exit(RS_EXIT_SETUP);
	a1 = child(rep, 0, NULL);
	a2 = child(rep, 0, NULL);
	child(rep, a1, NULL);
	child(rep, a1, NULL);
	child(rep, a2, NULL);
	child(rep, -1, NULL);
}

static void tree_b(int rep)
{
	pid_t b1, zombie, root = getppid();
	siginfo_t si;
	int status;

	b1 = child(rep, 0, NULL);
	child(rep, b1, NULL);
	child(rep, getpgid(root), NULL);
	child(rep, 0, NULL);
	child(rep, getpid(), NULL);
	zombie = fork();
	if (zombie < 0)
		_exit(RS_EXIT_SETUP);
	if (zombie == 0) {
		say(rep, "task %d\n", getpid());
		_exit(ZOMBIE_STATUS);
	}
	if (waitid(P_PID, zombie, &si, WEXITED | WNOWAIT))
		_exit(RS_EXIT_SETUP);
	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);
	/* Continued, after the restart: the zombie is still there */
	if (waitpid(zombie, &status, 0) == zombie)
		say(rep, "zombie %d status %d\n", zombie, status);
	else
		say(rep, "zombie %d waitpid: %s\n", zombie, strerror(errno));
	for (;;)
		pause();
}

/* B's pid, which C (forked after B) knows as its group's */
static pid_t group_b;

static void tree_c(int rep)
{
	pid_t c1;

	c1 = child(rep, 0, NULL);
	child(rep, c1, NULL);
	child(rep, c1, NULL);
	child(rep, c1, NULL);
	child(rep, group_b, NULL);
}

static void tree_root(int rep)
{
	if (setsid() < 0)
		_exit(RS_EXIT_SETUP);
	child(rep, -1, tree_a);
	group_b = child(rep, 0, tree_b);
	child(rep, -1, tree_c);
}


/*
 * A shell-style pipeline, producer | filter | consumer, stopped with data
 * in both pipes (the first one enlarged with F_SETPIPE_SZ and holding more
 * than a default pipe can): after the restart the consumer must get
 * every byte exactly once, in order.
 */
#define PIPE_TOTAL	300000
#define PIPE_FIRST	100000	/* written before the stop */
#define PIPE_FILTERED	1000	/* through the filter before the stop */
#define PIPE_CONSUMED	500	/* read by the consumer before the stop */
#define PIPE1_SIZE	(256 * 1024)

static unsigned char pipe_byte(size_t i)
{
	return (unsigned char)(i % 251);
}

/* Moves len bytes from fd to fd (len 0: until EOF), transformed; -1 on error */
static ssize_t pipe_pump(int in, int out, size_t len)
{
	unsigned char buf[4096];
	size_t done = 0;

	while (!len || done < len) {
		size_t want = len && len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t n = read(in, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)done;
		for (ssize_t k = 0; k < n; k++)
			buf[k] ^= 0x5a;
		if (write_all(out, buf, (size_t)n))
			return -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static void pipe_producer(int rep, int wr)
{
	unsigned char buf[4096];
	size_t i = 0;

	while (i < PIPE_TOTAL) {
		size_t end = i < PIPE_FIRST ? PIPE_FIRST : PIPE_TOTAL, n = 0;

		for (; n < sizeof(buf) && i < end; n++, i++)
			buf[n] = pipe_byte(i);
		if (write_all(wr, buf, n))
			_exit(RS_EXIT_SETUP);
		if (i == PIPE_FIRST) {
			say(rep, "task %d\n", getpid());
			kill(getpid(), SIGSTOP);
		}
	}
	close(wr);
	for (;;)
		pause();
}

/* Reads what the consumer gets, checking each byte; returns how many */
static size_t pipe_consume(int rep, int rd, size_t from, size_t len)
{
	unsigned char buf[4096];
	size_t i = from;

	while (!len || i < from + len) {
		size_t want = len && from + len - i < sizeof(buf) ? from + len - i : sizeof(buf);
		ssize_t n = read(rd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t k = 0; k < n; k++, i++) {
			if (buf[k] != (pipe_byte(i) ^ 0x5a)) {
				say(rep, "consumer bad byte %zu: %#x\n", i, buf[k]);
				return 0;
			}
		}
	}
	return i - from;
}

/* If set, the filter writes into the FIFO at this path, which the consumer reads */
static char pipe_fifo[128];

/* fd, or the FIFO opened with flags in its place if there is one */
static int pipe_or_fifo(int fd, int flags)
{
	if (pipe_fifo[0])
		fd = open(pipe_fifo, flags);
	if (fd < 0)
		_exit(RS_EXIT_SETUP);
	return fd;
}

static void pipe_root(int rep)
{
	int p1[2], p2[2] = { -1, -1 };
	pid_t pid;

	if (pipe(p1) || fcntl(p1[1], F_SETPIPE_SZ, PIPE1_SIZE) < PIPE1_SIZE ||
	    (pipe_fifo[0] ? mkfifo(pipe_fifo, 0600) : pipe(p2)))
		_exit(RS_EXIT_SETUP);
	pid = fork();
	if (pid == 0) {
		close(p1[0]);
		close(p2[0]);
		close(p2[1]);
		pipe_producer(rep, p1[1]);
	}
	pid = fork();
	if (pid == 0) {
		close(p1[1]);
		close(p2[0]);
		p2[1] = pipe_or_fifo(p2[1], O_WRONLY);
		if (pipe_pump(p1[0], p2[1], PIPE_FILTERED) != PIPE_FILTERED)
			_exit(RS_EXIT_SETUP);
		say(rep, "task %d\n", getpid());
		kill(getpid(), SIGSTOP);
		if (pipe_pump(p1[0], p2[1], 0) < 0)
			say(rep, "filter: %s\n", strerror(errno));
		close(p2[1]);
		for (;;)
			pause();
	}
	pid = fork();
	if (pid == 0) {
		size_t got;

		close(p1[0]);
		close(p1[1]);
		close(p2[1]);
		p2[0] = pipe_or_fifo(p2[0], O_RDONLY);
		if (pipe_consume(rep, p2[0], 0, PIPE_CONSUMED) != PIPE_CONSUMED)
			_exit(RS_EXIT_SETUP);
		say(rep, "task %d\n", getpid());
		kill(getpid(), SIGSTOP);
		got = pipe_consume(rep, p2[0], PIPE_CONSUMED, 0);
		say(rep, "consumer got %zu\n", PIPE_CONSUMED + got);
		for (;;)
			pause();
	}
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
}


/* Same pids, parents, groups, sessions; stopped again; the zombie reaped after */
TEST_F_TIMEOUT(tree, identity, 120)
{
	struct tree_test *tt = &self->tt;
	struct proc_ids after[TREE_MAX];
	char err[1024], want[64];
	pid_t root = 0;

	tree_checkpoint(_metadata, tt, tree_root, 21);
	ASSERT_NE(0, tt->zombie);
	ASSERT_EQ(0, run_mktree(tt, variant->pipe_in, &root, err, sizeof(err)))
		TH_LOG("mktree: %s", err);
	ASSERT_EQ(tt->root, root) TH_LOG("mktree printed the root's pid");
	ASSERT_EQ(0, settle(tt, after)) TH_LOG("the restarted tree did not stop");
	expect_same_ids(_metadata, tt->before, after, tt->n);

	for (int i = 0; i < tt->n; i++)
		kill(tt->pids[i], SIGCONT);
	snprintf(want, sizeof(want), "zombie %d status %d\n", tt->zombie,
		 ZOMBIE_STATUS << 8);
	for (int waited = 0; waited < RS_WAIT_MS && !strstr(tt->t.text, want);
	     waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	EXPECT_NE(NULL, strstr(tt->t.text, want)) TH_LOG("report: %s", tt->t.text);
}

/* One corrupted task in the middle: the restart fails, and none survives */
TEST_F_TIMEOUT(tree, fails_midway, 120)
{
	struct tree_test *tt = &self->tt;
	struct ckpt_image img;
	char err[1024];
	pid_t root = 0;
	int k = 0;
	ssize_t at;

	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	tree_checkpoint(_metadata, tt, tree_root, 21);

	/* The TASK record of the 10th task gets an invalid exit signal */
	ckpt_image_init(&img);
	ASSERT_EQ(0, lseek(tt->t.img, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_image_load_fd(tt->t.img, &img));
	for (at = 0; at < (ssize_t)img.nr; at++)
		if (img.rec[at].type == CKPT_HDR_TASK && ++k == 10)
			break;
	ASSERT_LT(at, (ssize_t)img.nr);
	put_u32(img.data, img.rec[at].off + offsetof(struct ckpt_hdr_task, exit_signal), 1000);
	ASSERT_EQ((ssize_t)img.len, pwrite(tt->t.img, img.data, img.len, 0));
	ckpt_image_free(&img);

	EXPECT_EQ(1, run_mktree(tt, false, &root, err, sizeof(err)));
	/* The tasks before it were restored: the 10th is the one named */
	EXPECT_NE(NULL, strstr(err, "restart of the tree failed")) TH_LOG("mktree: %s", err);
	EXPECT_NE(NULL, strstr(err, "malformed task record")) TH_LOG("mktree: %s", err);
	/* Orphans of killed tasks come to the test: reap them, then look */
	kill_all(tt);
	for (int i = 0; i < tt->n; i++) {
		EXPECT_NE(0, kill(tt->pids[i], 0)) TH_LOG("pid %d is alive", tt->pids[i]);
	}
}

/*
 * Shared state across fork: the parent's open file and its shared
 * anonymous memory. After the restart, the child reads from the file and
 * writes into the memory; the parent sees its file offset moved and the
 * child's bytes, and the rest of the memory as it was.
 */
#define SHARE_LEN	(3 * 4096)
#define SHARE_MAGIC	0x5a

static int share_fd = -1;
static unsigned char *share_mem;

static void share_fill(unsigned char *p)
{
	for (size_t i = 0; i < SHARE_LEN; i++)
		p[i] = (unsigned char)(i * 7 + 1);
}

static void share_child(int rep)
{
	char buf[10];

	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);
	/* Continued after the restart, before the parent */
	if (read(share_fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		say(rep, "child read: %s\n", strerror(errno));
	share_mem[5000] = SHARE_MAGIC;
	say(rep, "child done\n");
	for (;;)
		pause();
}

static void share_root(int rep)
{
	char path[160];
	unsigned char want[SHARE_LEN];
	off_t off;
	int bad = 0;

	snprintf(path, sizeof(path), "%s/data", share_dir);
	share_fd = open(path, O_RDONLY);
	share_mem = mmap(NULL, SHARE_LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (share_fd < 0 || share_mem == MAP_FAILED)
		_exit(RS_EXIT_SETUP);
	share_fill(share_mem);
	if (child(rep, -1, share_child) < 0)
		_exit(RS_EXIT_SETUP);
	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);
	/* Continued after the restart, once the child is done */
	off = lseek(share_fd, 0, SEEK_CUR);
	share_fill(want);
	want[5000] = SHARE_MAGIC;
	for (size_t i = 0; i < SHARE_LEN; i++)
		bad += share_mem[i] != want[i];
	say(rep, "parent offset %lld, %d bytes differ\n", (long long)off, bad);
	for (;;)
		pause();
}


TEST_F_TIMEOUT(tree, sharing, 120)
{
	struct tree_test *tt = &self->tt;
	char err[1024], path[160], data[64];
	pid_t root = 0, kid = 0;
	int fd;

	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	snprintf(share_dir, sizeof(share_dir), "%s", tt->t.dir);
	snprintf(path, sizeof(path), "%s/data", tt->t.dir);
	memset(data, 'd', sizeof(data));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(data), write(fd, data, sizeof(data)));
	close(fd);

	tree_checkpoint(_metadata, tt, share_root, 2);
	ASSERT_EQ(0, run_mktree(tt, false, &root, err, sizeof(err))) TH_LOG("mktree: %s", err);
	for (int i = 0; i < tt->n; i++)
		if (tt->pids[i] != root)
			kid = tt->pids[i];
	ASSERT_NE(0, kid);
	kill(kid, SIGCONT);
	for (int waited = 0; waited < RS_WAIT_MS && !strstr(tt->t.text, "child done");
	     waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	ASSERT_NE(NULL, strstr(tt->t.text, "child done")) TH_LOG("report: %s", tt->t.text);
	kill(root, SIGCONT);
	for (int waited = 0; waited < RS_WAIT_MS && !strstr(tt->t.text, "parent offset");
	     waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	EXPECT_NE(NULL, strstr(tt->t.text, "parent offset 10, 0 bytes differ\n"))
		TH_LOG("report: %s", tt->t.text);
	EXPECT_EQ(NULL, strstr(tt->t.text, "child read")) TH_LOG("report: %s", tt->t.text);
}

/*
 * Stops by job control that the parent has taken with wait(2) and one it
 * has not:
 *
 *   R     stopped, like every task of these trees; counts its SIGCHLDs
 *   +- s1  stopped by SIGSTOP, which R has taken with waitpid(WUNTRACED)
 *   +- s2  with a second thread, in a group of its own, stopped by
 *          SIGTSTP, which R has not taken
 *
 * After the restart both threads of s2 are stopped, and R (continued
 * alone) finds s2's stop, by SIGTSTP, nothing of s1, and no new SIGCHLD:
 * the restart stops them again without telling R anew.
 */
static volatile sig_atomic_t stops_sigchld;

static void stops_count(int sig)
{
	(void)sig;
	stops_sigchld++;
}

static volatile pid_t stops_tid;

static void *stops_thread(void *arg)
{
	(void)arg;
	stops_tid = (pid_t)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static void stops_s2(int rep)
{
	pthread_t th;

	/* Not in an orphaned group, which SIGTSTP would not stop */
	if (setpgid(0, 0) || pthread_create(&th, NULL, stops_thread, NULL))
		_exit(RS_EXIT_SETUP);
	while (!stops_tid)
		ckpt_msleep(1);
	say(rep, "task %d thread %d\n", getpid(), stops_tid);
	kill(getpid(), SIGTSTP);
	for (;;)
		pause();
}

static void stops_root(int rep)
{
	struct sigaction sa = { .sa_handler = stops_count, .sa_flags = SA_RESTART };
	int st1 = 0, st2 = 0, before;
	pid_t s1, s2, r1, r2;
	siginfo_t si;

	if (sigaction(SIGCHLD, &sa, NULL))
		_exit(RS_EXIT_SETUP);
	s1 = child(rep, -1, NULL);
	if (waitpid(s1, &st1, WUNTRACED) != s1 || !WIFSTOPPED(st1))
		_exit(RS_EXIT_SETUP);
	s2 = fork();
	if (s2 < 0)
		_exit(RS_EXIT_SETUP);
	if (s2 == 0)
		stops_s2(rep);
	if (setpgid(s2, s2) && errno != EACCES)
		_exit(RS_EXIT_SETUP);
	/* Stopped, and left to report */
	if (waitid(P_PID, s2, &si, WSTOPPED | WNOWAIT) || si.si_status != SIGTSTP)
		_exit(RS_EXIT_SETUP);
	before = stops_sigchld;
	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);

	/* Continued after the restart */
	r1 = waitpid(s1, &st1, WUNTRACED | WNOHANG);
	r2 = waitpid(s2, &st2, WUNTRACED | WNOHANG);
	say(rep, "s1 %s, s2 %s %s, %d new SIGCHLD\n", r1 ? "reported" : "quiet",
	    r2 == s2 && WIFSTOPPED(st2) ? "stopped by" : "not reported",
	    r2 == s2 && WIFSTOPPED(st2) ? strsignal(WSTOPSIG(st2)) : "",
	    stops_sigchld - before);
	for (;;)
		pause();
}

TEST_F_TIMEOUT(tree, stops, 120)
{
	struct tree_test *tt = &self->tt;
	struct proc_ids after[TREE_MAX];
	char err[1024], want[96], path[64], buf[512], *p;
	pid_t root = 0, s2 = 0, thread = 0;

	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	tree_checkpoint(_metadata, tt, stops_root, 3);
	p = strstr(tt->t.text, " thread ");
	ASSERT_NE(NULL, p) TH_LOG("report: %s", tt->t.text);
	while (p > tt->t.text && p[-1] != '\n')
		p--;
	ASSERT_EQ(2, sscanf(p, "task %d thread %d", &s2, &thread));
	ASSERT_EQ(0, run_mktree(tt, false, &root, err, sizeof(err))) TH_LOG("mktree: %s", err);
	ASSERT_EQ(0, settle(tt, after)) TH_LOG("the restarted tree did not stop");
	expect_same_ids(_metadata, tt->before, after, tt->n);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", s2, thread);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf))) TH_LOG("%s", path);
	p = strrchr(buf, ')');
	ASSERT_NE(NULL, p);
	EXPECT_EQ('T', p[2]) TH_LOG("thread %d of pid %d: %s", thread, s2, buf);

	kill(root, SIGCONT);
	snprintf(want, sizeof(want), "s1 quiet, s2 stopped by %s, 0 new SIGCHLD\n",
		 strsignal(SIGTSTP));
	for (int waited = 0; waited < RS_WAIT_MS && !strstr(tt->t.text, "s1 "); waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	EXPECT_NE(NULL, strstr(tt->t.text, want)) TH_LOG("report: %s", tt->t.text);
}

/* The pipeline checkpointed, restarted and let go: every byte comes through */
static void pipeline_case(struct __test_metadata *_metadata, struct tree_test *tt,
			  bool pipe_in)
{
	char err[1024], want[64];
	pid_t root = 0;

	tree_checkpoint(_metadata, tt, pipe_root, 4);
	ASSERT_EQ(0, run_mktree(tt, pipe_in, &root, err, sizeof(err))) TH_LOG("mktree: %s", err);
	for (int i = 0; i < tt->n; i++)
		kill(tt->pids[i], SIGCONT);
	snprintf(want, sizeof(want), "consumer got %d\n", PIPE_TOTAL);
	for (int waited = 0; waited < RS_WAIT_MS && !strstr(tt->t.text, "consumer got");
	     waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	EXPECT_NE(NULL, strstr(tt->t.text, want)) TH_LOG("report: %s", tt->t.text);
}

TEST_F_TIMEOUT(tree, pipeline, 120)
{
	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	pipeline_case(_metadata, &self->tt, false);
}

/*
 * The same with a named FIFO between the filter and the consumer, each
 * with its own open file of it: after the restart the FIFO, reopened by
 * its path, still holds what was in flight, and the consumer gets every
 * byte once, then the end of the file when the filter closes its end.
 */
TEST_F_TIMEOUT(tree, fifo_pipeline, 120)
{
	snprintf(pipe_fifo, sizeof(pipe_fifo), "%s/fifo", self->tt.t.dir);
	pipeline_case(_metadata, &self->tt, variant->pipe_in);
}

/*
 * A FIFO that is not the one saved is refused: holding data that is not
 * the image's (EBUSY), or replaced by another FIFO at its path (ESTALE);
 * either way no task of the tree is left.
 */
TEST_F_TIMEOUT(tree, fifo_refused, 120)
{
	struct tree_test *tt = &self->tt;
	char err[1024];
	pid_t root = 0;
	int fd;

	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	snprintf(pipe_fifo, sizeof(pipe_fifo), "%s/fifo", tt->t.dir);
	tree_checkpoint(_metadata, tt, pipe_root, 4);

	fd = open(pipe_fifo, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, write(fd, "xyz", 3));
	EXPECT_EQ(1, run_mktree(tt, false, &root, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "has data that is not the image's"))
		TH_LOG("mktree: %s", err);
	close(fd);
	kill_all(tt);

	ASSERT_EQ(0, unlink(pipe_fifo));
	ASSERT_EQ(0, mkfifo(pipe_fifo, 0600));
	EXPECT_EQ(1, run_mktree(tt, false, &root, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "was replaced")) TH_LOG("mktree: %s", err);
	kill_all(tt);
	for (int i = 0; i < tt->n; i++) {
		EXPECT_NE(0, kill(tt->pids[i], 0)) TH_LOG("pid %d is alive", tt->pids[i]);
	}
}

/* The last field of a line of /proc/PID/status, or -1 */
static pid_t status_last(pid_t pid, const char *key)
{
	char path[64], buf[2048], *p, *end;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	if (!p)
		return -1;
	end = strchr(p, '\n');
	if (end)
		*end = 0;
	p = strrchr(p, '\t');
	return p ? atoi(p + 1) : -1;
}

/* The last NSpid of pid (its pid in its own pid namespace), or -1 */
static pid_t inner_pid(pid_t pid)
{
	return status_last(pid, "NSpid:");
}

/* How many processes descend from pid, whose inner pids are all in @tt */
static int count_inner(struct tree_test *tt, pid_t pid, int *stray)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct proc_ids ids;
		pid_t p = atoi(de->d_name), in;
		int i;

		if (p <= 0 || proc_ids(p, &ids) || ids.ppid != pid)
			continue;
		in = inner_pid(p);
		for (i = 0; i < tt->n && tt->pids[i] != in; i++)
			;
		if (i == tt->n)
			(*stray)++;
		n += 1 + count_inner(tt, p, stray);
	}
	closedir(d);
	return n;
}

/*
 * Orphans (the root is their subreaper) in a process group and a session
 * whose leaders exited:
 *
 *   R  leads session R and group R
 *   +- g2 g3   in group G of session R; G (their parent) exited
 *   +- d2      in session D and its group D; D (its parent) exited
 *      +- d3   leads a group in session D
 *      +- d4   in group D
 *
 * mktree rebuilds G and D with helpers that have those pids for the
 * time of the build only. R is a child subreaper, and still is after the
 * restart: when d2 is killed then, d3 becomes R's child.
 */
static pid_t orphan_g, orphan_d;

/*
 * Waits until pid has exited: a group that its exit orphans gets SIGHUP
 * if a task of it is stopped then. (A pidfd, not /proc, which may show
 * another pid namespace.)
 */
static void wait_exited(pid_t pid)
{
	struct pollfd pfd = { .events = POLLIN };

	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0)
		return;
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	close(pfd.fd);
}

static void orphan_d4(int rep)
{
	(void)rep;
	wait_exited(getpgrp());
}

/* It outlives its group's last link to the session (see the test) */
static void orphan_d3(int rep)
{
	(void)rep;
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR)
		_exit(RS_EXIT_SETUP);
}

static void orphan_d2(int rep)
{
	pid_t d = getppid();

	say(rep, "d2 %d\n", getpid());
	child(rep, 0, orphan_d3);
	child(rep, -1, orphan_d4);
	wait_exited(d);
}

/* Has fn run in a child that exits once it created its own children */
static pid_t orphan_parent(pid_t pgid, void (*fn)(int rep), int rep)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		_exit(RS_EXIT_SETUP);
	if (pid == 0) {
		fn(rep);
		_exit(0);
	}
	if (pgid == 0 && setpgid(pid, pid) && errno != EACCES)
		_exit(RS_EXIT_SETUP);
	if (waitpid(pid, &status, 0) != pid || status)
		_exit(RS_EXIT_SETUP);
	return pid;
}

static void orphan_group(int rep)
{
	if (setpgid(0, 0))
		_exit(RS_EXIT_SETUP);
	child(rep, -1, NULL);
	child(rep, -1, NULL);
}

static void orphan_session(int rep)
{
	if (setsid() < 0)
		_exit(RS_EXIT_SETUP);
	child(rep, -1, orphan_d2);
}

static void orphans_root(int rep)
{
	if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1))
		_exit(RS_EXIT_SETUP);
	orphan_g = orphan_parent(0, orphan_group, rep);
	orphan_d = orphan_parent(-1, orphan_session, rep);
	say(rep, "helpers %d %d\n", orphan_g, orphan_d);
}

TEST_F_TIMEOUT(tree, orphans, 120)
{
	struct tree_test *tt = &self->tt;
	struct proc_ids after[TREE_MAX];
	int children = 0, stray = 0;
	pid_t root = 0, g = 0, d = 0, d2 = 0, d3 = 0;
	struct proc_ids ids;
	char err[1024], *p;

	tree_checkpoint(_metadata, tt, orphans_root, 6);
	p = strstr(tt->t.text, "helpers ");
	ASSERT_NE(NULL, p) TH_LOG("report: %s", tt->t.text);
	ASSERT_EQ(2, sscanf(p, "helpers %d %d", &g, &d));
	p = strstr(tt->t.text, "d2 ");
	ASSERT_NE(NULL, p);
	d2 = atoi(p + 3);
	for (int i = 0; i < tt->n; i++) {
		struct proc_ids *b = &tt->before[i];

		if (b->pid == tt->root)
			continue;
		/* The tree is as the picture says */
		ASSERT_EQ(b->pgid == g, b->sid == tt->root && b->pgid != tt->root)
			TH_LOG("pid %d: group %d session %d", b->pid, b->pgid, b->sid);
		ASSERT_TRUE(b->sid == tt->root || b->sid == d)
			TH_LOG("pid %d: session %d", b->pid, b->sid);
		children += b->ppid == tt->root;
		if (b->ppid == d2 && b->pgid == b->pid)
			d3 = b->pid;
	}
	ASSERT_EQ(3, children);
	ASSERT_NE(0, d3);
	ASSERT_EQ(-1, kill(g, 0));
	ASSERT_EQ(-1, kill(d, 0));

	ASSERT_EQ(0, run_mktree(tt, variant->pipe_in, &root, err, sizeof(err)))
		TH_LOG("mktree: %s", err);
	ASSERT_EQ(0, settle(tt, after)) TH_LOG("the restarted tree did not stop");
	expect_same_ids(_metadata, tt->before, after, tt->n);
	/* The helpers are gone, and no task has another child */
	EXPECT_NE(0, kill(g, 0)) TH_LOG("the helper of group %d is still there", g);
	EXPECT_NE(0, kill(d, 0)) TH_LOG("the helper of session %d is still there", d);
	EXPECT_EQ(tt->n - 1, count_inner(tt, tt->root, &stray));
	EXPECT_EQ(0, stray);

	/* d3's group loses its last link to the session: SIGHUP, SIGCONT */
	ASSERT_EQ(0, kill(d2, SIGKILL));
	for (int waited = 0; waited < RS_WAIT_MS; waited += 20) {
		if (proc_ids(d3, &ids) || ids.ppid != d2)
			break;
		ckpt_msleep(20);
	}
	ASSERT_EQ(0, proc_ids(d3, &ids));
	EXPECT_EQ(tt->root, ids.ppid) TH_LOG("the orphan went elsewhere: no subreaper");
}

/*
 * mktree --pidns: the same tree in a new pid namespace, under an init of
 * mktree's; inside it every process has its pid of the image.
 */
TEST_F_TIMEOUT(tree, pidns, 120)
{
	struct tree_test *tt = &self->tt;
	char err[1024];
	pid_t root = 0, init;
	int stray = 0, n;

	if (variant->pipe_in)
		SKIP(return, "the file variant covers it");
	tree_checkpoint(_metadata, tt, tree_root, 21);
	ASSERT_EQ(0, rs_mktree(&tt->t, false, true, &root, err, sizeof(err)))
		TH_LOG("mktree --pidns: %s", err);
	ASSERT_LT(0, root);
	EXPECT_EQ(tt->root, inner_pid(root)) TH_LOG("the root's pid in its namespace");
	init = 0;
	{
		struct proc_ids ids;

		if (!proc_ids(root, &ids))
			init = ids.ppid;
	}
	ASSERT_LT(0, init);
	EXPECT_EQ(1, inner_pid(init)) TH_LOG("the root's parent is the namespace's init");
	/* Wait (10 s at most) until the 20 below the root are there */
	for (int64_t t0 = mono_ns(); mono_ns() - t0 < 10 * RS_NSEC_PER_SEC;) {
		stray = 0;
		n = count_inner(tt, root, &stray);
		if (n == 20)
			break;
		ckpt_msleep(200);
	}
	EXPECT_EQ(20, n) TH_LOG("root %d, init %d, mktree: %s", root, init, err);
	EXPECT_EQ(0, stray) TH_LOG("processes with pids that are not the image's");
	/* The namespace ends with its init */
	kill(init, SIGKILL);
	tt->n = 0;
}

/*
 * A container: the init of a new pid namespace (pid 1 there, which leads
 * its session) with a session of its own below it (A's part of the tree
 * of the identity test) and the orphans of a daemon that forked after
 * setsid() and exited (d2 and its children, in session D, now children
 * of the init). checkpoint(init, fd, 0) takes the namespace; mktree
 * makes a new one, whose init is the restored init, and the pids,
 * parents, groups, sessions and states inside it are the saved ones.
 */
static void container_root(int rep)
{
	if (setsid() < 0)
		_exit(RS_EXIT_SETUP);
	child(rep, -1, tree_a);
	orphan_d = orphan_parent(-1, orphan_session, rep);
}

#define CONTAINER_TASKS	11

#define PROCS_MAX	4096

/* Every process's ids, as this test's namespace sees them; how many */
static int procs_snapshot(struct proc_ids *all)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < PROCS_MAX) {
		pid_t p = atoi(de->d_name);

		if (p > 0 && !proc_ids(p, &all[n]))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * ids[n..]: the process all[k] and its descendants, with the ids they
 * have in their pid namespace; returns the new n, or -1
 */
static int container_ids(const struct proc_ids *all, int nr_all, int k,
			 pid_t inner_ppid, struct proc_ids *ids, int n)
{
	struct proc_ids *me = &ids[n];
	pid_t pid = all[k].pid;

	if (n >= TREE_MAX)
		return -1;
	*me = all[k];
	me->pid = status_last(pid, "NSpid:");
	me->ppid = inner_ppid;
	me->pgid = status_last(pid, "NSpgid:");
	me->sid = status_last(pid, "NSsid:");
	n++;
	for (int c = 0; c < nr_all && n >= 0; c++)
		if (all[c].ppid == pid)
			n = container_ids(all, nr_all, c, me->pid, ids, n);
	return n;
}

static int cmp_ids(const void *a, const void *b)
{
	return ((const struct proc_ids *)a)->pid - ((const struct proc_ids *)b)->pid;
}

/*
 * The ids in the namespace of init once its tree is there and stopped;
 * the number of tasks found otherwise
 */
static int container_settle(pid_t init, struct proc_ids *ids)
{
	static struct proc_ids all[PROCS_MAX];
	int64_t t0 = mono_ns();
	int n = 0;

	while (mono_ns() - t0 < (int64_t)RS_WAIT_MS * 1000000) {
		int nr_all = procs_snapshot(all), k, i;

		for (k = 0; k < nr_all && all[k].pid != init; k++)
			;
		n = k < nr_all ? container_ids(all, nr_all, k, 0, ids, 0) : -1;
		for (i = 0; i < n && ids[i].state == 'T'; i++)
			;
		if (n == CONTAINER_TASKS && i == n) {
			qsort(ids, n, sizeof(*ids), cmp_ids);
			return 0;
		}
		ckpt_msleep(20);
	}
	return n ? n : -1;
}

TEST_F_TIMEOUT(tree, container, 150)
{
	struct tree_test *tt = &self->tt;
	struct proc_ids before[TREE_MAX], after[TREE_MAX];
	pid_t root = 0, init;
	char err[1024];
	int rep, status, sessions = 0, orphans = 0;
	long id;

	init = fork_flags(CLONE_NEWPID);
	ASSERT_LE(0, init) TH_LOG("clone(CLONE_NEWPID): %s", strerror(errno));
	if (init == 0) {
		/* rs_target_enter() but for the parent, outside the namespace */
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) || dup2(null, 1) != 1 ||
		    dup2(null, 2) != 2 || close_range(3, ~0U, 0) ||
		    ckpt_privatize_shared())
			_exit(RS_EXIT_SETUP);
		rep = open(tt->t.report, O_WRONLY | O_APPEND);
		if (rep < 0)
			_exit(RS_EXIT_SETUP);
		container_root(rep);
		leaf(rep);
	}
	tt->t.target = init;
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, collect(tt, CONTAINER_TASKS)) TH_LOG("report: %s", tt->t.text);
	tt->n = 0;
	/* Its own SIGSTOP does not stop an init; one from outside does */
	ASSERT_EQ(0, kill(init, SIGSTOP));
	ASSERT_EQ(0, container_settle(init, before)) TH_LOG("the container did not stop");
	for (int i = 0; i < CONTAINER_TASKS; i++) {
		sessions += before[i].sid == before[i].pid;
		orphans += before[i].ppid == 1 && before[i].sid != 1;
	}
	ASSERT_EQ(1, before[0].pid);
	ASSERT_EQ(2, sessions) TH_LOG("the init's and A's");
	ASSERT_EQ(2, orphans) TH_LOG("A and the orphan d2, in session D");

	id = sys_checkpoint(init, tt->t.img, 0);
	ASSERT_LT(0, id) TH_LOG("checkpoint: %s", strerror(errno));
	kill(init, SIGKILL);
	ASSERT_EQ(init, waitpid(init, &status, 0));
	tt->t.target = 0;

	ASSERT_EQ(0, run_mktree(tt, variant->pipe_in, &root, err, sizeof(err)))
		TH_LOG("mktree: %s", err);
	ASSERT_LT(0, root);
	tt->t.target = root;	/* the cleanup kills it */
	EXPECT_EQ(1, inner_pid(root)) TH_LOG("the root is the init of its namespace");
	ASSERT_EQ(0, container_settle(root, after)) TH_LOG("the restarted container");
	expect_same_ids(_metadata, before, after, CONTAINER_TASKS);
}

TEST_HARNESS_MAIN
