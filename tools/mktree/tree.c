// SPDX-License-Identifier: GPL-2.0
/*
 * Restarting an image of several tasks: see tree.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ckpt_sys.h"
#include "ckpt_util.h"
#include "image.h"
#include "mktree.h"
#include "spawn.h"
#include "tree.h"

/* How long mktree waits for the tasks to finish a round of the build */
#define ROUND_TIMEOUT_MS	30000

/* What a task reports at the end of a round */
#define ROUND_OK	'+'
#define ROUND_FAILED	'!'

struct tree {
	const struct ckpt_tree_task *t;
	uint32_t n;
	int *first_child;	/* index of a process's first child, -1 if none */
	int *next_sibling;	/* index of the next child of the same parent */
	bool *before_setsid;	/* created before its parent calls setsid() */
	uint32_t *by_pid;	/* the indexes, sorted by pid */
	uint32_t nr_procs;	/* processes: the tasks that are no threads */
	int ready[2];		/* the tasks report here */
	int go[2][2];		/* and wait here for rounds 2 and 3 */
	int image_fd;		/* what restart(2) reads */
	int coord_fd;		/* the same open image, for mktree's restart(2) */
	unsigned long flags;	/* restart(2) flags */
};

static bool is_thread(const struct ckpt_tree_task *e)
{
	return e->pid != e->tgid;
}

static bool leads_session(const struct ckpt_tree_task *e)
{
	return !(e->flags & CKPT_TREE_SID_OUTSIDE) && e->sid == e->pid;
}

static bool leads_group(const struct ckpt_tree_task *e)
{
	return !(e->flags & CKPT_TREE_PGID_OUTSIDE) && e->pgid == e->pid;
}

/* The index of the process with this pid, or -1 */
static int find_pid(const struct tree *tr, int32_t pid)
{
	uint32_t lo = 0, hi = tr->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int32_t p = tr->t[tr->by_pid[mid]].pid;

		if (p == pid)
			return (int)tr->by_pid[mid];
		if (p < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_pid(const void *a, const void *b, void *arg)
{
	const struct tree *tr = arg;
	int32_t x = tr->t[*(const uint32_t *)a].pid;
	int32_t y = tr->t[*(const uint32_t *)b].pid;

	return x < y ? -1 : x > y;
}

/* Sorts the indexes by pid, for find_pid() */
static int index_pids(struct tree *tr)
{
	tr->by_pid = malloc(tr->n * sizeof(*tr->by_pid));
	if (!tr->by_pid) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (uint32_t i = 0; i < tr->n; i++)
		tr->by_pid[i] = i;
	qsort_r(tr->by_pid, tr->n, sizeof(*tr->by_pid), cmp_pid, tr);
	return 0;
}

/* What this version of mktree cannot build, said once; -1 if any */
static int check_supported(const struct tree *tr)
{
	for (uint32_t i = 0; i < tr->n; i++) {
		const struct ckpt_tree_task *e = &tr->t[i];

		/* Threads share with their leader; the kernel checks how */
		if (!is_thread(e) &&
		    (e->share_mm || e->share_files || e->share_fs || e->share_sighand)) {
			fprintf(stderr, "%s: pid %d shares state with another process:"
				" not supported yet\n", prog, e->pid);
			return -1;
		}
		if (e->flags & CKPT_TREE_PGID_OUTSIDE && !(e->flags & CKPT_TREE_SID_OUTSIDE)) {
			fprintf(stderr, "%s: pid %d is in process group %d, whose leader has"
				" exited: not supported yet\n", prog, e->pid, e->pgid);
			return -1;
		}
	}
	return 0;
}

/*
 * Which children come before their parent's setsid(): a task inherits
 * its session, so it must be created while its parent is in it. 0 stands
 * for the session mktree runs in.
 */
static int plan_sessions(struct tree *tr)
{
	int32_t *fork_sid, *sid;
	int ret = 0;

	fork_sid = calloc(tr->n, sizeof(*fork_sid));
	sid = calloc(tr->n, sizeof(*sid));
	if (!fork_sid || !sid) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = -1;
		goto out;
	}
	for (uint32_t i = 0; i < tr->n && !ret; i++) {
		const struct ckpt_tree_task *e = &tr->t[i];
		int32_t want = e->flags & CKPT_TREE_SID_OUTSIDE ? 0 : e->sid;
		int p = i ? find_pid(tr, e->ppid) : -1;

		/* A thread is in its process's session, and follows it */
		if (is_thread(e)) {
			sid[i] = sid[i - 1];
			continue;
		}

		if (p >= 0 && !leads_session(e) && want != sid[p]) {
			if (leads_session(&tr->t[p]) && want == fork_sid[p])
				tr->before_setsid[i] = true;
			else
				ret = -1;
		}
		fork_sid[i] = p < 0 ? 0 : tr->before_setsid[i] ? fork_sid[p] : sid[p];
		if (p < 0 && !leads_session(e) && want)
			ret = -1;
		sid[i] = leads_session(e) ? e->pid : fork_sid[i];
		if (ret)
			fprintf(stderr, "%s: pid %d is in session %d, which it cannot inherit:"
				" not supported\n", prog, e->pid, e->sid);
	}
	/* A group lives in one session */
	for (uint32_t i = 0; i < tr->n && !ret; i++) {
		const struct ckpt_tree_task *e = &tr->t[i];
		int l = e->flags & CKPT_TREE_PGID_OUTSIDE ? -2 : find_pid(tr, e->pgid);

		if (l == -1 || (l >= 0 && sid[l] != sid[i])) {
			fprintf(stderr, "%s: pid %d: process group %d is not in its session\n",
				prog, e->pid, e->pgid);
			ret = -1;
		}
	}
out:
	free(fork_sid);
	free(sid);
	return ret;
}

static int plan(struct tree *tr)
{
	int *last_child;

	tr->first_child = malloc(tr->n * sizeof(int));
	tr->next_sibling = malloc(tr->n * sizeof(int));
	tr->before_setsid = calloc(tr->n, sizeof(bool));
	last_child = malloc(tr->n * sizeof(int));
	if (!tr->first_child || !tr->next_sibling || !tr->before_setsid || !last_child) {
		free(last_child);
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	if (index_pids(tr) < 0) {
		free(last_child);
		return -1;
	}
	for (uint32_t i = 0; i < tr->n; i++)
		tr->first_child[i] = tr->next_sibling[i] = last_child[i] = -1;
	tr->nr_procs = 1;
	for (uint32_t i = 1; i < tr->n; i++) {
		int p;

		/* The threads of a process follow it: its leader starts them */
		if (is_thread(&tr->t[i]))
			continue;
		tr->nr_procs++;
		p = find_pid(tr, tr->t[i].ppid);
		if (p < 0) {
			free(last_child);
			fprintf(stderr, "%s: malformed image: the parent of pid %d is not in it\n",
				prog, tr->t[i].pid);
			return -1;
		}
		if (last_child[p] < 0)
			tr->first_child[p] = (int)i;
		else
			tr->next_sibling[last_child[p]] = (int)i;
		last_child[p] = (int)i;
	}
	free(last_child);
	if (check_supported(tr) < 0)
		return -1;
	return plan_sessions(tr);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In a task of the tree */

static __attribute__((noreturn)) void task_run(struct tree *tr, uint32_t i);

static void report(struct tree *tr, char what)
{
	if (write(tr->ready[1], &what, 1) != 1)
		_exit(1);
}

static __attribute__((noreturn, format(printf, 3, 4)))
void task_fail(struct tree *tr, const struct ckpt_tree_task *e, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: pid %d: %s\n", prog, e->pid, msg);
	report(tr, ROUND_FAILED);
	_exit(1);
}

/* Waits for mktree to start the next round; the end of mktree ends us */
static void await(struct tree *tr, int round)
{
	char c;

	if (ckpt_read(tr->go[round][0], &c, 1) != 1)
		_exit(1);
}

/* Creates the children of i that are (or are not) created before its setsid() */
static void create_children(struct tree *tr, uint32_t i, bool before)
{
	for (int c = tr->first_child[i]; c >= 0; c = tr->next_sibling[c]) {
		pid_t pid;

		if (tr->before_setsid[c] != before)
			continue;
		pid = spawn_clone(tr->t[c].pid);
		if (pid == 0)
			task_run(tr, (uint32_t)c);
		if (pid < 0)
			task_fail(tr, &tr->t[i], "cannot create child pid %d: %s", tr->t[c].pid,
				  errno == EEXIST ? "the pid is in use" : strerror(errno));
	}
}

/* What a thread mktree starts needs to join the restart */
struct thread_start {
	int image_fd;
	unsigned long flags;	/* restart(2) flags */
	unsigned long unshare;	/* CLONE_FILES, CLONE_FS: not its leader's */
};

/* In a new thread, on the leader's TLS: system calls only */
static long thread_join(void *arg)
{
	const struct thread_start *ts = arg;

	if (ts->unshare && spawn_syscall(__NR_unshare, (long)ts->unshare, 0, 0) < 0)
		return 1;
	spawn_syscall(__NR_restart, 0, ts->image_fd, (long)(RESTART_JOIN | ts->flags));
	/* The coordinator says why, and the tree is being killed */
	return 127;
}

/*
 * Starts the threads of process i, which follow it in the tree, each
 * joining the restart as soon as it runs. Their starting data stays
 * allocated: the restored memory replaces it.
 */
static void create_threads(struct tree *tr, uint32_t i)
{
	const struct ckpt_tree_task *e = &tr->t[i];
	struct thread_start *ts;
	uint32_t n = 0;

	while (i + 1 + n < tr->n && tr->t[i + 1 + n].tgid == e->pid)
		n++;
	if (!n)
		return;
	ts = calloc(n, sizeof(*ts));
	if (!ts)
		task_fail(tr, e, "out of memory");
	for (uint32_t k = 0; k < n; k++) {
		const struct ckpt_tree_task *t = &tr->t[i + 1 + k];

		ts[k].image_fd = tr->image_fd;
		ts[k].flags = tr->flags;
		if (!t->share_files)
			ts[k].unshare |= CLONE_FILES;
		if (!t->share_fs)
			ts[k].unshare |= CLONE_FS;
		if (spawn_thread(t->pid, thread_join, &ts[k]) < 0)
			task_fail(tr, e, "cannot create thread %d: %s", t->pid,
				  errno == EEXIST ? "the tid is in use" : strerror(errno));
	}
}

static __attribute__((noreturn)) void task_run(struct tree *tr, uint32_t i)
{
	const struct ckpt_tree_task *e = &tr->t[i];

	/* mktree's ends: with them gone, the end of mktree ends the build */
	close_fd(&tr->ready[0]);
	close_fd(&tr->go[0][1]);
	close_fd(&tr->go[1][1]);
	close_fd(&tr->coord_fd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		task_fail(tr, e, "prctl: %s", strerror(errno));
	create_children(tr, i, true);
	if (leads_session(e) && setsid() < 0)
		task_fail(tr, e, "setsid: %s", strerror(errno));
	create_children(tr, i, false);
	report(tr, ROUND_OK);

	await(tr, 0);
	if (leads_group(e) && !leads_session(e) && setpgid(0, 0) < 0)
		task_fail(tr, e, "setpgid: %s", strerror(errno));
	report(tr, ROUND_OK);

	await(tr, 1);
	if (!leads_group(e) && !(e->flags & CKPT_TREE_PGID_OUTSIDE) &&
	    setpgid(0, e->pgid) < 0)
		task_fail(tr, e, "setpgid to %d: %s", e->pgid, strerror(errno));
	create_threads(tr, i);
	report(tr, ROUND_OK);
	close(tr->ready[1]);
	close(tr->go[0][0]);
	close(tr->go[1][0]);

	ckpt_sys_restart(0, tr->image_fd, RESTART_JOIN | tr->flags);
	/* The coordinator says why, and the tree is being killed */
	_exit(127);
}

static void root_run(void *arg)
{
	task_run(arg, 0);
}

/* In mktree */

/* Waits until every task finished the round; -1 after printing why not */
static int round_wait(struct tree *tr, int round)
{
	uint32_t done = 0;
	char buf[256];

	while (done < tr->nr_procs) {
		struct pollfd pfd = { .fd = tr->ready[0], .events = POLLIN };
		ssize_t got;
		int r;

		r = poll(&pfd, 1, ROUND_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "%s: building the tree: %s in round %d\n", prog,
				r ? strerror(errno) : "timed out", round + 1);
			return -1;
		}
		got = ckpt_read(tr->ready[0], buf, tr->nr_procs - done < sizeof(buf) ?
				tr->nr_procs - done : sizeof(buf));
		if (got <= 0) {
			fprintf(stderr, "%s: building the tree: its tasks are gone\n", prog);
			return -1;
		}
		if (memchr(buf, ROUND_FAILED, (size_t)got))
			return -1;
		done += (uint32_t)got;
	}
	return 0;
}

static int round_go(struct tree *tr, int round)
{
	char buf[4096];
	uint32_t left = tr->nr_procs;

	memset(buf, ROUND_OK, sizeof(buf));
	while (left) {
		size_t len = left < sizeof(buf) ? left : sizeof(buf);

		if (ckpt_write_all(tr->go[round][1], buf, len) < 0) {
			fprintf(stderr, "%s: building the tree: %s\n", prog, strerror(errno));
			return -1;
		}
		left -= (uint32_t)len;
	}
	return 0;
}

static int open_pipes(struct tree *tr)
{
	if (pipe2(tr->ready, O_CLOEXEC) == 0 && pipe2(tr->go[0], O_CLOEXEC) == 0 &&
	    pipe2(tr->go[1], O_CLOEXEC) == 0)
		return 0;
	fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
	return -1;
}

static void tree_free(struct tree *tr)
{
	close_fd(&tr->ready[0]);
	close_fd(&tr->ready[1]);
	close_fd(&tr->coord_fd);
	for (int r = 0; r < 2; r++) {
		close_fd(&tr->go[r][0]);
		close_fd(&tr->go[r][1]);
	}
	free(tr->first_child);
	free(tr->next_sibling);
	free(tr->before_setsid);
	free(tr->by_pid);
}

/*
 * The kernel log from now on, where a failed coordinated restart says
 * which task failed and why; -1 if it cannot be read (dmesg_restrict).
 */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Prints the kernel's messages about the restart logged since kmsg_open() */
static bool kmsg_report(int fd)
{
	static const char tag[] = "checkpoint: restart of pid ";
	bool found = false;
	char rec[1024];
	ssize_t n;

	if (fd < 0)
		return false;
	/* One record per read: "prio,seq,usec,flags;message\n" */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg, *nl;

		if (n < 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || strncmp(msg + 1, tag, sizeof(tag) - 1))
			continue;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		fprintf(stderr, "%s: kernel: %s\n", prog, msg + 1);
		found = true;
	}
	return found;
}

/* Builds the tree; returns 0 with the root's pid (in mktree's namespace) */
static int build(struct tree *tr, struct image *im, const struct tree_opts *o,
		 struct spawn *sp, pid_t *root)
{
	bool container = im->tree_flags & CKPT_TREE_CONTAINER;
	struct spawn_opts so;

	memset(&so, 0, sizeof(so));
	so.pid = tr->t[0].pid;
	so.pidns = o->pidns || container;
	so.image_fd = tr->image_fd;
	so.flags = o->flags;
	so.close_fd = image_relay_wr(im);
	so.exact = true;
	so.run = root_run;
	so.arg = tr;
	/* The relay's read end closes in mktree once the root has it */
	tr->coord_fd = fcntl(tr->image_fd, F_DUPFD_CLOEXEC, 3);
	if (tr->coord_fd < 0) {
		fprintf(stderr, "%s: dup: %s\n", prog, strerror(errno));
		return -1;
	}
	fflush(NULL);
	if (spawn_restart(&so, sp) < 0)
		return -1;
	close_fd(&sp->err_rd);
	close_fd(&tr->ready[1]);
	close_fd(&tr->go[0][0]);
	close_fd(&tr->go[1][0]);
	if (image_start(im) < 0)
		return -1;

	if (round_wait(tr, 0) < 0 || round_go(tr, 0) < 0 ||
	    round_wait(tr, 1) < 0 || round_go(tr, 1) < 0 ||
	    round_wait(tr, 2) < 0)
		return -1;
	*root = spawn_task_pid(sp);
	if (*root <= 0) {
		fprintf(stderr, "%s: cannot find the root of the tree\n", prog);
		return -1;
	}
	return 0;
}

int tree_restart(struct image *im, const struct tree_opts *o, struct spawn *sp)
{
	struct tree tr = {
		.t = im->tasks,
		.n = im->nr_tasks,
		.ready = { -1, -1 },
		.go = { { -1, -1 }, { -1, -1 } },
		.image_fd = im->restart_fd,
		.coord_fd = -1,
		.flags = o->flags,
	};
	pid_t root = 0;
	int ret, kmsg;

	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	if (plan(&tr) < 0 || open_pipes(&tr) < 0) {
		tree_free(&tr);
		return -1;
	}
	ret = build(&tr, im, o, sp, &root);
	kmsg = kmsg_open();
	if (!ret && ckpt_sys_restart(root, tr.coord_fd, RESTART_COORDINATE | o->flags) < 0) {
		ret = errno;
		if (!kmsg_report(kmsg))
			fprintf(stderr, "%s: the kernel log says which task failed and why"
				" (dmesg | grep checkpoint)\n", prog);
	}
	if (kmsg >= 0)
		close(kmsg);
	if (ret && sp->pid > 0) {
		int status;

		kill(sp->pid, SIGKILL);
		spawn_wait(sp, &status, false);
	}
	tree_free(&tr);
	return ret;
}
