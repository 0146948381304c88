/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machinery of the tree tests (restart_tree.c, restart_tree_checks.c):
 * a tree of processes that report their pids to the test and stop
 * themselves, checkpointed with CHECKPOINT_SUBTREE and killed; their ids
 * read from /proc before and after; the fixture (restart_tree.c adds
 * variants: the image comes to mktree from a file, or through a pipe).
 */
#ifndef RESTART_TREE_H
#define RESTART_TREE_H

#include "ckpt_restart.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define TREE_MAX	32

struct proc_ids {
	pid_t pid, ppid, pgid, sid;
	char state;
};

/* pid, ppid, pgid, sid and state of pid from /proc, -1 if gone */
static inline int proc_ids(pid_t pid, struct proc_ids *p)
{
	char path[64], buf[512], *s;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 2, "%c %d %d %d", &p->state, &p->ppid, &p->pgid,
			 &p->sid) != 4)
		return -1;
	p->pid = pid;
	return 0;
}

/* In the tree */

static inline void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void say(int fd, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write_all(fd, buf, (size_t)n);
}

/* Tells the test this task is there, stops, and sleeps once continued */
static inline void __attribute__((noreturn)) leaf(int rep)
{
	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);
	for (;;)
		pause();
}

/*
 * Forks a child in process group pgid (0: its own, -1: its parent's) that
 * runs fn, or a leaf if fn is NULL.
 */
static inline pid_t child(int rep, pid_t pgid, void (*fn)(int rep))
{
	pid_t pid = fork();

	if (pid < 0)
		_exit(RS_EXIT_SETUP);
	if (pid == 0) {
		if (pgid >= 0 && setpgid(0, pgid))
			_exit(RS_EXIT_SETUP);
		if (fn)
			fn(rep);
		leaf(rep);
	}
	/* Both set it, so that it is set before the next child */
	if (pgid >= 0 && setpgid(pid, pgid ? pgid : pid) && errno != EACCES)
		_exit(RS_EXIT_SETUP);
	return pid;
}

/* In the test */

struct tree_test {
	struct rs_test t;
	pid_t root;
	pid_t pids[TREE_MAX];
	struct proc_ids before[TREE_MAX];
	int n;
	pid_t zombie;
};

/* The pids the tasks reported, once there are @want of them */
static inline int collect(struct tree_test *tt, int want)
{
	for (int waited = 0; waited < RS_WAIT_MS; waited += 20) {
		char *p;

		rs_read_report(&tt->t);
		tt->n = 0;
		for (p = tt->t.text; (p = strstr(p, "task ")); p++)
			if (tt->n < TREE_MAX)
				tt->pids[tt->n++] = atoi(p + 5);
		if (tt->n >= want)
			return 0;
		ckpt_msleep(20);
	}
	return -1;
}

/* Waits until every task is stopped (or a zombie), and records it */
static inline int settle(struct tree_test *tt, struct proc_ids *ids)
{
	for (int waited = 0; waited < RS_WAIT_MS; waited += 20) {
		int i;

		for (i = 0; i < tt->n; i++) {
			if (proc_ids(tt->pids[i], &ids[i]) ||
			    (ids[i].state != 'T' && ids[i].state != 'Z'))
				break;
		}
		if (i == tt->n)
			return 0;
		ckpt_msleep(20);
	}
	return -1;
}

/* The same pids, states, parents, groups and sessions, task by task */
static inline void expect_same_ids(struct __test_metadata *_metadata,
				   const struct proc_ids *before,
				   const struct proc_ids *after, int n)
{
	for (int i = 0; i < n; i++) {
		const struct proc_ids *b = &before[i], *a = &after[i];

		EXPECT_EQ(b->pid, a->pid);
		EXPECT_EQ(b->state, a->state) TH_LOG("pid %d", b->pid);
		EXPECT_EQ(b->ppid, a->ppid) TH_LOG("pid %d: parent", b->pid);
		EXPECT_EQ(b->pgid, a->pgid) TH_LOG("pid %d: process group", b->pid);
		EXPECT_EQ(b->sid, a->sid) TH_LOG("pid %d: session", b->pid);
	}
}

/* Kills every task and reaps them all (the test is their subreaper) */
static inline void kill_all(struct tree_test *tt)
{
	int status;

	for (int i = 0; i < tt->n; i++)
		kill(tt->pids[i], SIGKILL);
	tt->t.target = 0;
	for (int waited = 0; waited < RS_WAIT_MS; waited += 5) {
		pid_t r = waitpid(-1, &status, WNOHANG);

		if (r < 0)
			break;
		if (r == 0)
			ckpt_msleep(5);
	}
}

static inline int run_mktree(struct tree_test *tt, bool pipe_in, pid_t *root,
			     char *err, size_t errsz)
{
	return rs_mktree(&tt->t, pipe_in, false, root, err, errsz);
}

/*
 * Has the root run @body (which leaves it to stop), waits for @n tasks to
 * report and stop, checkpoints them into the image and kills them
 */
static inline void tree_checkpoint(struct __test_metadata *_metadata,
				   struct tree_test *tt, void (*body)(int rep), int n)
{
	int rep;
	long id;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	tt->t.target = fork();
	ASSERT_LE(0, tt->t.target);
	if (tt->t.target == 0) {
		rs_target_enter(&tt->t, RS_NO_REPORT);
		rep = open(tt->t.report, O_WRONLY | O_APPEND);
		/* Its parent after the restart is mktree -d, which exits */
		if (rep < 0 || prctl(PR_SET_PDEATHSIG, 0))
			_exit(RS_EXIT_SETUP);
		body(rep);
		leaf(rep);
	}
	ASSERT_EQ(0, collect(tt, n)) TH_LOG("%d tasks reported: %s", tt->n, tt->t.text);
	ASSERT_EQ(0, settle(tt, tt->before)) TH_LOG("the tree did not stop");
	for (int i = 0; i < tt->n; i++)
		if (tt->before[i].state == 'Z')
			tt->zombie = tt->pids[i];
	tt->root = tt->t.target;

	id = sys_checkpoint(tt->t.target, tt->t.img, CHECKPOINT_SUBTREE);
	ASSERT_LT(0, id) TH_LOG("checkpoint: %s", strerror(errno));
	kill_all(tt);
	for (int i = 0; i < tt->n; i++) {
		ASSERT_NE(0, kill(tt->pids[i], 0)) TH_LOG("pid %d survived", tt->pids[i]);
	}
}

FIXTURE(tree) {
	struct tree_test tt;
};

FIXTURE_SETUP(tree)
{
	memset(&self->tt, 0, sizeof(self->tt));
	rs_init(_metadata, &self->tt.t);
}

FIXTURE_TEARDOWN(tree)
{
	kill_all(&self->tt);
	rs_cleanup(&self->tt.t);
}

#endif /* RESTART_TREE_H */
