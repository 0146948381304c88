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
#include "plan.h"
#include "spawn.h"
#include "tree.h"

/* How long mktree waits for the tasks to finish a round of the build */
#define ROUND_TIMEOUT_MS	30000

/* What a task reports at the end of a round */
#define ROUND_OK	'+'
#define ROUND_FAILED	'!'

struct tree {
	struct plan p;
	int ready[2];		/* the tasks report here */
	int go[3][2];		/* and wait here for rounds 2 and 3, and the
				 * helpers for their release */
	int image_fd;		/* what restart(2) reads */
	int coord_fd;		/* the same open image, for mktree's restart(2) */
	unsigned long flags;	/* restart(2) flags */
};

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

/* Says what failed in the process or helper of pid, and ends it */
static __attribute__((noreturn, format(printf, 4, 5)))
void fail(struct tree *tr, const char *what, int32_t pid, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s %d: %s\n", prog, what, pid, msg);
	report(tr, ROUND_FAILED);
	_exit(1);
}

#define task_fail(tr, e, ...)	fail(tr, "pid", (e)->pid, __VA_ARGS__)
#define helper_fail(tr, h, ...)	fail(tr, (h)->session ? "helper of session" : \
				     "helper of process group", (h)->pid, __VA_ARGS__)

/* Waits for mktree to start the next round; the end of mktree ends us */
static void await(struct tree *tr, int round)
{
	char c;

	if (ckpt_read(tr->go[round][0], &c, 1) != 1)
		_exit(1);
}

static const char *clone_error(void)
{
	return errno == EEXIST ? "the pid is in use" : strerror(errno);
}

/* Creates the children of i that are (or are not) created before its setsid() */
static void create_children(struct tree *tr, uint32_t i, bool before)
{
	for (int c = tr->p.first_child[i]; c >= 0; c = tr->p.next_sibling[c]) {
		pid_t pid;

		if (tr->p.before_setsid[c] != before || tr->p.via_helper[c] >= 0)
			continue;
		pid = spawn_clone(tr->p.t[c].pid);
		if (pid == 0)
			task_run(tr, (uint32_t)c);
		if (pid < 0)
			task_fail(tr, &tr->p.t[i], "cannot create child pid %d: %s", tr->p.t[c].pid,
				  clone_error());
	}
}

static __attribute__((noreturn)) void helper_run(struct tree *tr, uint32_t h);

/* Creates the helpers of process i, once it is in its session */
static void create_helpers(struct tree *tr, uint32_t i)
{
	for (uint32_t h = 0; h < tr->p.nr_helpers; h++) {
		pid_t pid;

		if (tr->p.helpers[h].parent != i)
			continue;
		pid = spawn_clone_quiet(tr->p.helpers[h].pid);
		if (pid == 0)
			helper_run(tr, h);
		if (pid < 0)
			helper_fail(tr, &tr->p.helpers[h], "cannot create it: %s", clone_error());
	}
}

/* Reaps the helpers of process i, once released */
static void reap_helpers(struct tree *tr, uint32_t i)
{
	for (uint32_t h = 0; h < tr->p.nr_helpers; h++) {
		int status;

		if (tr->p.helpers[h].parent == i &&
		    waitpid(tr->p.helpers[h].pid, &status, __WALL) != tr->p.helpers[h].pid)
			_exit(1);
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
	const struct ckpt_tree_task *e = &tr->p.t[i];
	struct thread_start *ts;
	uint32_t n = 0;

	while (i + 1 + n < tr->p.n && tr->p.t[i + 1 + n].tgid == e->pid)
		n++;
	if (!n)
		return;
	ts = calloc(n, sizeof(*ts));
	if (!ts)
		task_fail(tr, e, "out of memory");
	for (uint32_t k = 0; k < n; k++) {
		const struct ckpt_tree_task *t = &tr->p.t[i + 1 + k];

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

/* mktree's ends: with them gone, the end of mktree ends the build */
static void close_mktree_ends(struct tree *tr)
{
	close_fd(&tr->ready[0]);
	for (int r = 0; r < 3; r++)
		close_fd(&tr->go[r][1]);
	close_fd(&tr->coord_fd);
}

/* The rounds are over for the caller */
static void close_rounds(struct tree *tr)
{
	close_fd(&tr->ready[1]);
	for (int r = 0; r < 3; r++)
		close_fd(&tr->go[r][0]);
}

/*
 * A helper: leads its session (and creates the tasks of it whose parent
 * is its own) or its process group while the tasks join it, then exits
 */
static __attribute__((noreturn)) void helper_run(struct tree *tr, uint32_t h)
{
	const struct helper *hp = &tr->p.helpers[h];

	close_mktree_ends(tr);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		helper_fail(tr, hp, "prctl: %s", strerror(errno));
	if (hp->session && setsid() < 0)
		helper_fail(tr, hp, "setsid: %s", strerror(errno));
	for (uint32_t c = 0; c < tr->p.n; c++) {
		pid_t pid;

		if (tr->p.via_helper[c] != (int)h)
			continue;
		pid = spawn_clone_sibling(tr->p.t[c].pid);
		if (pid == 0)
			task_run(tr, c);
		if (pid < 0)
			helper_fail(tr, hp, "cannot create pid %d: %s", tr->p.t[c].pid,
				    clone_error());
	}
	report(tr, ROUND_OK);

	await(tr, 0);
	if (!hp->session && setpgid(0, 0) < 0)
		helper_fail(tr, hp, "setpgid: %s", strerror(errno));
	report(tr, ROUND_OK);

	await(tr, 1);
	report(tr, ROUND_OK);
	await(tr, 2);
	_exit(0);
}

static __attribute__((noreturn)) void task_run(struct tree *tr, uint32_t i)
{
	const struct ckpt_tree_task *e = &tr->p.t[i];

	close_mktree_ends(tr);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		task_fail(tr, e, "prctl: %s", strerror(errno));
	create_children(tr, i, true);
	if (plan_leads_session(e) && setsid() < 0)
		task_fail(tr, e, "setsid: %s", strerror(errno));
	create_children(tr, i, false);
	create_helpers(tr, i);
	report(tr, ROUND_OK);

	await(tr, 0);
	if (plan_leads_group(e) && !plan_leads_session(e) && setpgid(0, 0) < 0)
		task_fail(tr, e, "setpgid: %s", strerror(errno));
	report(tr, ROUND_OK);

	await(tr, 1);
	if (!plan_leads_group(e) && !plan_in_callers_group(&tr->p, e) && setpgid(0, e->pgid) < 0)
		task_fail(tr, e, "setpgid to %d: %s", e->pgid, strerror(errno));
	create_threads(tr, i);
	report(tr, ROUND_OK);
	if (plan_has_helpers(&tr->p, i)) {
		await(tr, 2);
		reap_helpers(tr, i);
	}
	close_rounds(tr);

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

	while (done < tr->p.nr_reporters) {
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
		got = ckpt_read(tr->ready[0], buf, tr->p.nr_reporters - done < sizeof(buf) ?
				tr->p.nr_reporters - done : sizeof(buf));
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

/* Lets the next round begin, or the helpers go (round 2) */
static int round_go(struct tree *tr, int round)
{
	char buf[4096];
	uint32_t left = round < 2 ? tr->p.nr_reporters : tr->p.nr_released;

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
	    pipe2(tr->go[1], O_CLOEXEC) == 0 && pipe2(tr->go[2], O_CLOEXEC) == 0)
		return 0;
	fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
	return -1;
}

static void tree_free(struct tree *tr)
{
	close_fd(&tr->ready[0]);
	close_fd(&tr->ready[1]);
	close_fd(&tr->coord_fd);
	for (int r = 0; r < 3; r++) {
		close_fd(&tr->go[r][0]);
		close_fd(&tr->go[r][1]);
	}
	plan_free(&tr->p);
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
	so.pid = tr->p.t[0].pid;
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
	close_rounds(tr);
	if (image_start(im) < 0)
		return -1;

	if (round_wait(tr, 0) < 0 || round_go(tr, 0) < 0 ||
	    round_wait(tr, 1) < 0 || round_go(tr, 1) < 0 ||
	    round_wait(tr, 2) < 0 || round_go(tr, 2) < 0)
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
		.p = { .t = im->tasks, .n = im->nr_tasks },
		.ready = { -1, -1 },
		.go = { { -1, -1 }, { -1, -1 }, { -1, -1 } },
		.image_fd = im->restart_fd,
		.coord_fd = -1,
		.flags = o->flags,
	};
	pid_t root = 0;
	int ret, kmsg;

	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	if (plan(&tr.p) < 0 || open_pipes(&tr) < 0) {
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
