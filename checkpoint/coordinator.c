// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart of a tree of tasks.
 *
 * mktree builds the tree the image records, every task with its pid,
 * parent, process group and session, and has each call
 * restart(0, fd, RESTART_JOIN) on the same open image. A coordinator
 * outside the tree calls restart(root, fd, RESTART_COORDINATE): it reads
 * the start of the image (header, architecture, tree) and opens a restart
 * of that tree, found by the image's struct file. A task that joins is
 * looked up by its pid in the root's pid namespace and checked against
 * its entry; a zombie exits there with its saved status. Once all have
 * joined, the tasks take turns in image order, each reading its own
 * records from the one stream into the one context (so shared objects
 * are restored once), and wait until the last is restored: then each
 * does what it left for then (it arms its process's timers), all return
 * into their restored state together, and the coordinator returns 0. A
 * process leader comes before its threads: it restores what they share
 * (memory, files, handlers, limits, timers), they only their own state,
 * after a check that each shares with exactly the tasks its entry names.
 *
 * A failure anywhere (a bad record, a task that does not match its
 * entry, a task or the coordinator killed, a task that does not join
 * within CKPT_JOIN_TIMEOUT) kills every task that joined, and the
 * coordinator returns the errno of the cause and logs its message. The
 * tasks that did not join yet are the builder's to kill.
 */
#include <linux/atomic.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

/*
 * How long a task waits for the coordinator to open its restart, and the
 * coordinator for all tasks to join it
 */
#define CKPT_JOIN_TIMEOUT	(30 * HZ)

enum ckpt_tree_state {
	CKPT_TREE_RESTORING,
	CKPT_TREE_RESTORED,
	CKPT_TREE_FAILED,
};

/**
 * struct ckpt_tree_restart - the restart of one image of a tree of tasks
 * @node: in ckpt_restarts
 * @ref: the coordinator's, and one per task between join and return
 * @ctx: the context all tasks read the image through, in turn
 * @ns: the pid namespace the image's pids are looked up in
 * @joined: the task of each entry once it joined, with a reference
 * @nr_joined: how many joined
 * @turn: index of the task whose state is read now
 * @last: index of the last task with state in the image
 * @state: restoring, restored or failed
 * @err: failed: negative errno of the cause
 * @msg: failed: its message
 * @resumed: restored: how many of the context's resume entries were run
 * @wq: the tasks and the coordinator wait here for @state, @turn and
 *	@resumed
 *
 * Every field but @ref, @resumed and @wq is under ckpt_restarts_lock.
 */
struct ckpt_tree_restart {
	struct list_head node;
	refcount_t ref;
	struct ckpt_ctx *ctx;
	struct pid_namespace *ns;
	struct task_struct **joined;
	unsigned int nr_joined;
	unsigned int turn;
	unsigned int last;
	enum ckpt_tree_state state;
	int err;
	char msg[CKPT_ERROR_MSG_MAX];
	atomic_t resumed;
	wait_queue_head_t wq;
};

static LIST_HEAD(ckpt_restarts);
static DEFINE_MUTEX(ckpt_restarts_lock);
/* Bumped, with a wake-up of ckpt_restarts_wq, when a restart opens */
static unsigned long ckpt_restarts_gen;
static DECLARE_WAIT_QUEUE_HEAD(ckpt_restarts_wq);

static void tree_restart_put(struct ckpt_tree_restart *r)
{
	unsigned int i;

	if (!refcount_dec_and_test(&r->ref))
		return;
	for (i = 0; i < r->ctx->tree->nr_tasks; i++)
		if (r->joined[i])
			put_task_struct(r->joined[i]);
	kvfree(r->joined);
	put_pid_ns(r->ns);
	ckpt_ctx_free(r->ctx);
	kfree(r);
}

static const struct ckpt_tree_task *tree_entry(struct ckpt_tree_restart *r,
					       unsigned int i)
{
	return &r->ctx->tree->tasks[i];
}

/* The task after @i with state in the image, or nr_tasks */
static unsigned int tree_next_turn(struct ckpt_tree_restart *r, unsigned int i)
{
	unsigned int n = r->ctx->tree->nr_tasks;

	for (i++; i < n; i++)
		if (!(tree_entry(r, i)->flags & CKPT_TREE_ZOMBIE))
			break;
	return i;
}

/*
 * Fails the restart for the first cause given, and kills every task that
 * joined. Called with ckpt_restarts_lock held.
 */
static void tree_restart_fail(struct ckpt_tree_restart *r, int err,
			      const char *msg)
{
	unsigned int i;

	if (r->state != CKPT_TREE_RESTORING)
		return;
	r->state = CKPT_TREE_FAILED;
	r->err = err;
	strscpy(r->msg, msg, sizeof(r->msg));
	for (i = 0; i < r->ctx->tree->nr_tasks; i++)
		if (r->joined[i])
			send_sig(SIGKILL, r->joined[i], 1);
	wake_up_all(&r->wq);
}

__printf(3, 4)
static void tree_restart_failf(struct ckpt_tree_restart *r, int err,
			       const char *fmt, ...)
{
	char msg[CKPT_ERROR_MSG_MAX];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	mutex_lock(&ckpt_restarts_lock);
	tree_restart_fail(r, err, msg);
	mutex_unlock(&ckpt_restarts_lock);
}

/* The open restart of @file, with a reference, or NULL */
static struct ckpt_tree_restart *tree_restart_find(struct file *file)
{
	struct ckpt_tree_restart *r;

	list_for_each_entry(r, &ckpt_restarts, node) {
		if (r->ctx->file == file) {
			refcount_inc(&r->ref);
			return r;
		}
	}
	return NULL;
}

/*
 * The root the coordinator names is the task of the first entry, in the
 * pid namespace it is active in; a container's root is its init.
 */
static int tree_check_root(struct ckpt_ctx *ctx, struct task_struct *root,
			   struct pid_namespace **ns)
{
	const struct ckpt_tree_task *e = &ctx->tree->tasks[0];
	struct pid_namespace *rns;
	int ret = 0;

	rcu_read_lock();
	rns = task_active_pid_ns(root);
	if (!rns || !thread_group_leader(root)) {
		ckpt_err(ctx, -ESRCH, "pid %d: is gone", ctx->root_pid);
		ret = -ESRCH;
	} else if (task_pid_nr_ns(root, rns) != e->pid) {
		ckpt_err(ctx, -EINVAL, "pid %d: is pid %d where the image's root is pid %d",
			 ctx->root_pid, task_pid_nr_ns(root, rns), e->pid);
		ret = -EINVAL;
	} else if (ctx->tree->flags & CKPT_TREE_CONTAINER &&
		   rns->child_reaper != root) {
		ckpt_err(ctx, -EINVAL,
			 "pid %d: the image is a container, and this is not the init of a pid namespace",
			 ctx->root_pid);
		ret = -EINVAL;
	} else {
		*ns = get_pid_ns(rns);
	}
	rcu_read_unlock();
	return ret;
}

static struct ckpt_tree_restart *tree_restart_alloc(struct ckpt_ctx *ctx,
						    struct pid_namespace *ns)
{
	unsigned int n = ctx->tree->nr_tasks, i;
	struct ckpt_tree_restart *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	r->joined = kvcalloc(n, sizeof(*r->joined), GFP_KERNEL);
	if (!r->joined) {
		kfree(r);
		return NULL;
	}
	refcount_set(&r->ref, 1);
	r->ctx = ctx;
	r->ns = ns;
	init_waitqueue_head(&r->wq);
	for (i = 0; i < n; i++)
		if (!(ctx->tree->tasks[i].flags & CKPT_TREE_ZOMBIE))
			r->last = i;
	return r;
}

/* Opens the restart for the tasks to join; -EBUSY if @file has one already */
static int tree_restart_open(struct ckpt_tree_restart *r)
{
	struct ckpt_tree_restart *other;
	int ret = 0;

	mutex_lock(&ckpt_restarts_lock);
	other = tree_restart_find(r->ctx->file);
	if (other) {
		refcount_dec(&other->ref);
		ret = -EBUSY;
	} else {
		list_add(&r->node, &ckpt_restarts);
		ckpt_restarts_gen++;
	}
	mutex_unlock(&ckpt_restarts_lock);
	if (!ret)
		wake_up_all(&ckpt_restarts_wq);
	return ret;
}

static bool tree_joined_or_over(struct ckpt_tree_restart *r)
{
	return READ_ONCE(r->nr_joined) == r->ctx->tree->nr_tasks ||
	       READ_ONCE(r->state) != CKPT_TREE_RESTORING;
}

/*
 * A task that dies before it joins would leave the others waiting for
 * ever: the restart fails once CKPT_JOIN_TIMEOUT passed without all.
 */
static void tree_wait_joined(struct ckpt_tree_restart *r)
{
	unsigned int i;
	long left;

	left = wait_event_killable_timeout(r->wq, tree_joined_or_over(r),
					   CKPT_JOIN_TIMEOUT);
	if (left < 0) {
		tree_restart_failf(r, -EINTR, "the coordinator was killed");
	} else if (!left) {
		mutex_lock(&ckpt_restarts_lock);
		for (i = 0; i < r->ctx->tree->nr_tasks && r->joined[i]; i++)
			;
		if (i < r->ctx->tree->nr_tasks) {
			char msg[CKPT_ERROR_MSG_MAX];

			scnprintf(msg, sizeof(msg), "pid %d: did not join the restart",
				  tree_entry(r, i)->pid);
			tree_restart_fail(r, -ETIMEDOUT, msg);
		}
		mutex_unlock(&ckpt_restarts_lock);
	}
}

/**
 * ckpt_coordinate() - coordinate the restart of an image of a tree
 * @file: the image, which the tasks of the tree also have open
 * @pid: the root of the tree, in the caller's pid namespace
 * @flags: restart(2) flags
 *
 * Return: 0 once every task is restored and runs, or the negative errno
 * of the cause of a failure, after which every task that joined is killed.
 */
long ckpt_coordinate(struct file *file, pid_t pid, unsigned long flags)
{
	struct pid_namespace *ns = NULL;
	struct ckpt_tree_restart *r;
	struct task_struct *root;
	struct ckpt_ctx *ctx;
	long ret;

	root = find_get_task_by_vpid(pid);
	if (!root)
		return -ESRCH;
	ret = ptrace_may_access(root, PTRACE_MODE_ATTACH_REALCREDS) ? 0 : -EPERM;
	if (ret)
		goto out_root;

	ctx = ckpt_ctx_alloc(CKPT_OP_RESTART, file, flags);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_root;
	}
	ctx->root_pid = pid;
	ret = ckpt_restart_prologue(ctx);
	if (!ret)
		ret = tree_check_root(ctx, root, &ns);
	if (ret) {
		ret = ctx->err_errno ? -ctx->err_errno : ret;
		pr_warn_ratelimited("checkpoint: restart of pid %d failed: %s (%ld)\n",
				    pid, ctx->err_msg, ret);
		ckpt_ctx_free(ctx);
		goto out_root;
	}
	r = tree_restart_alloc(ctx, ns);
	if (!r) {
		put_pid_ns(ns);
		ckpt_ctx_free(ctx);
		ret = -ENOMEM;
		goto out_root;
	}
	ret = tree_restart_open(r);
	if (ret) {
		tree_restart_put(r);
		goto out_root;
	}

	tree_wait_joined(r);
	if (wait_event_killable(r->wq, READ_ONCE(r->state) != CKPT_TREE_RESTORING))
		tree_restart_failf(r, -EINTR, "the coordinator was killed");

	mutex_lock(&ckpt_restarts_lock);
	list_del(&r->node);
	ret = r->state == CKPT_TREE_RESTORED ? 0 : r->err;
	if (ret)
		pr_warn_ratelimited("checkpoint: restart of pid %d failed: %s (%ld)\n",
				    pid, r->msg, ret);
	mutex_unlock(&ckpt_restarts_lock);
	tree_restart_put(r);
out_root:
	put_task_struct(root);
	return ret;
}

/* The tree is looked up and checked under ckpt_restarts_lock */

/*
 * Whether an id of @e (@what: CKPT_TREE_PGID_OUTSIDE or _SID_OUTSIDE) is
 * its own: where the root's group or session is not in the image, the
 * tasks in it stay in the restarter's. Any other group or session, its
 * leader in the image or not (mktree uses a helper then), is rebuilt.
 */
static bool tree_id_kept(const struct ckpt_tree_task *root,
			 const struct ckpt_tree_task *e, u32 what)
{
	bool pgid = what == CKPT_TREE_PGID_OUTSIDE;

	return !(e->flags & root->flags & what) ||
	       (pgid ? e->pgid != root->pgid : e->sid != root->sid);
}

/* Whether the caller is where the entry says, in the restart's namespace */
static const char *tree_check_place(struct ckpt_tree_restart *r,
				    const struct ckpt_tree_task *e, bool root)
{
	const struct ckpt_tree_task *top = &r->ctx->tree->tasks[0];
	struct task_struct *parent;
	struct pid_namespace *ns = r->ns;
	const char *why = NULL;

	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	if (task_tgid_nr_ns(current, ns) != e->tgid)
		why = e->pid == e->tgid ? "is a thread where the image has a process" :
		      "is not a thread of the image's process";
	else if (!root && task_tgid_nr_ns(parent, ns) != e->ppid)
		why = "has another parent than the image's";
	else if (tree_id_kept(top, e, CKPT_TREE_PGID_OUTSIDE) &&
		 task_pgrp_nr_ns(current, ns) != e->pgid)
		why = "is in another process group than the image's";
	else if (tree_id_kept(top, e, CKPT_TREE_SID_OUTSIDE) &&
		 task_session_nr_ns(current, ns) != e->sid)
		why = "is in another session than the image's";
	rcu_read_unlock();
	return why;
}

/* Registers the caller as the task of its entry; returns the index */
static int tree_join(struct ckpt_tree_restart *r)
{
	struct ckpt_ctx *ctx = r->ctx;
	pid_t pid = task_pid_nr_ns(current, r->ns);
	const char *why;
	int i;

	if (r->state != CKPT_TREE_RESTORING)
		return -EINTR;
	i = pid > 0 ? ckpt_tree_index(ctx, pid) : -1;
	if (i < 0) {
		tree_restart_fail(r, -ESRCH, "a task joined that is no task of the image");
		return -ESRCH;
	}
	/* The root's process has its parent outside */
	why = r->joined[i] ? "joined twice" :
	      tree_check_place(r, tree_entry(r, i),
			       tree_entry(r, i)->tgid == tree_entry(r, 0)->pid);
	if (why) {
		char msg[CKPT_ERROR_MSG_MAX];

		scnprintf(msg, sizeof(msg), "pid %d: %s", pid, why);
		tree_restart_fail(r, -EINVAL, msg);
		return -EINVAL;
	}
	r->joined[i] = get_task_struct(current);
	r->nr_joined++;
	if (r->nr_joined == ctx->tree->nr_tasks)
		wake_up_all(&r->wq);
	return i;
}

/* Waits for a restart of @file to open: the one found, with a reference */
static struct ckpt_tree_restart *tree_restart_wait(struct file *file)
{
	struct ckpt_tree_restart *r;
	unsigned long gen;
	long left;

	for (;;) {
		mutex_lock(&ckpt_restarts_lock);
		r = tree_restart_find(file);
		gen = ckpt_restarts_gen;
		mutex_unlock(&ckpt_restarts_lock);
		if (r)
			return r;
		left = wait_event_killable_timeout(ckpt_restarts_wq,
						   READ_ONCE(ckpt_restarts_gen) != gen,
						   CKPT_JOIN_TIMEOUT);
		if (!left)
			return ERR_PTR(-ETIMEDOUT);
		if (left < 0)
			return ERR_PTR(-EINTR);
	}
}

/* The index of the task entry @i shares @what with, or @i */
static u32 tree_sharer(const struct ckpt_tree_task *e, u32 i,
		       enum ckpt_share what)
{
	u32 share = ckpt_tree_share(e, what);

	return share ? share - 1 : i;
}

/*
 * At its turn, with all tasks joined: the caller, task @i, shares its
 * address space, file table, fs context and handlers with exactly the
 * tasks its entry says, which are threads of its process, and with no
 * task outside. Its process has no other threads than the image's. 0,
 * or -EINVAL with @msg saying why.
 */
static int tree_check_shared(struct ckpt_tree_restart *r, unsigned int i,
			     char *msg, size_t size)
{
	static const char * const what[] = {
		"address space", "file table", "fs context", "signal handlers",
	};
	const struct ckpt_tree_task *tasks = r->ctx->tree->tasks;
	const struct ckpt_tree_task *e = &tasks[i];
	unsigned int n = r->ctx->tree->nr_tasks, k, l;
	long expected[CKPT_NR_SHARED] = {};
	struct ckpt_held mine, theirs;
	enum ckpt_share x;

	/* Sharers are threads of one process, listed together */
	l = ckpt_tree_index(r->ctx, e->tgid);
	for (k = l; k < n && tasks[k].tgid == e->tgid; k++)
		for (x = CKPT_SHARE_MM; x <= CKPT_SHARE_SIGHAND; x++)
			expected[x - 1] += tree_sharer(&tasks[k], k, x) ==
					   tree_sharer(e, i, x);
	if (get_nr_threads(current) != k - l) {
		scnprintf(msg, size, "pid %d: its process has %d threads, the image's %u",
			  e->pid, get_nr_threads(current), k - l);
		return -EINVAL;
	}
	ckpt_task_held(current, &mine);
	/* Who reads the memory for a moment is no user */
	if (mine.users[CKPT_SHARE_MM - 1] != expected[CKPT_SHARE_MM - 1])
		mine.users[CKPT_SHARE_MM - 1] = ckpt_mm_tasks();
	for (x = CKPT_SHARE_MM; x <= CKPT_SHARE_SIGHAND; x++) {
		u32 j = tree_sharer(e, i, x);

		if (j != i) {
			ckpt_task_held(r->joined[j], &theirs);
			if (theirs.ptr[x - 1] != mine.ptr[x - 1]) {
				scnprintf(msg, size, "pid %d: does not share its %s with pid %d",
					  e->pid, what[x - 1], tasks[j].pid);
				return -EINVAL;
			}
		}
		if (mine.users[x - 1] != expected[x - 1]) {
			scnprintf(msg, size, "pid %d: its %s has %ld users, the image's %ld",
				  e->pid, what[x - 1], mine.users[x - 1],
				  expected[x - 1]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * At the root's turn, the first, with all tasks joined: every task whose
 * entry shares the root's group or session, which is outside the image
 * (tree_id_kept()), is in the root's, zombies included. 0, or -EINVAL
 * with @msg saying why.
 */
static int tree_check_outside_ids(struct ckpt_tree_restart *r, char *msg,
				  size_t size)
{
	const struct ckpt_tree_task *top = tree_entry(r, 0);
	const char *why = NULL;
	unsigned int i;

	rcu_read_lock();
	for (i = 1; i < r->ctx->tree->nr_tasks && !why; i++) {
		const struct ckpt_tree_task *e = tree_entry(r, i);
		struct task_struct *t = r->joined[i];

		if (!tree_id_kept(top, e, CKPT_TREE_PGID_OUTSIDE) &&
		    task_pgrp(t) != task_pgrp(current))
			why = "process group";
		else if (!tree_id_kept(top, e, CKPT_TREE_SID_OUTSIDE) &&
			 task_session(t) != task_session(current))
			why = "session";
	}
	rcu_read_unlock();
	if (!why)
		return 0;
	scnprintf(msg, size, "pid %d: is not in the %s of pid %d, as in the image",
		  tree_entry(r, i - 1)->pid, why, top->pid);
	return -EINVAL;
}

static bool tree_my_turn(struct ckpt_tree_restart *r, unsigned int i)
{
	return READ_ONCE(r->state) != CKPT_TREE_RESTORING ||
	       (READ_ONCE(r->nr_joined) == r->ctx->tree->nr_tasks &&
		READ_ONCE(r->turn) == i);
}

/*
 * Job control stopped the process of task @i, just restored: if it is the
 * process's last, the stop is put back, before any task of the tree runs
 */
static void tree_restore_stop(struct ckpt_tree_restart *r, unsigned int i)
{
	const struct ckpt_tree_task *e = tree_entry(r, i);
	int l;

	if (!(e->flags & CKPT_TREE_STOPPED) ||
	    (i + 1 < r->ctx->tree->nr_tasks && tree_entry(r, i + 1)->tgid == e->tgid))
		return;
	l = ckpt_tree_index(r->ctx, e->tgid);
	if (l >= 0)
		ckpt_restore_stop((tree_entry(r, l)->exit_code >> 8) & 0x7f,
				  e->flags & CKPT_TREE_STOP_WAITED);
}

/* Restores the caller from its records; returns what restart(2) returns */
static long tree_restore(struct ckpt_tree_restart *r, unsigned int i)
{
	struct ckpt_ctx *ctx = r->ctx;
	char msg[CKPT_ERROR_MSG_MAX];
	long ret;

	ret = tree_check_shared(r, i, msg, sizeof(msg));
	if (!ret && !i)
		ret = tree_check_outside_ids(r, msg, sizeof(msg));
	if (ret) {
		tree_restart_failf(r, ret, "%s", msg);
		return ret;
	}
	ret = ckpt_restart_task(ctx, i, i == r->last);
	mutex_lock(&ckpt_restarts_lock);
	if (ret) {
		scnprintf(msg, sizeof(msg), "pid %d: %s", tree_entry(r, i)->pid,
			  ctx->err_msg[0] ? ctx->err_msg : "restore failed");
		tree_restart_fail(r, ctx->err_errno ? -ctx->err_errno : ret, msg);
	} else if (r->state == CKPT_TREE_RESTORING) {
		/* Not if another task failed meanwhile: it killed this one */
		ret = ctx->retval;
		tree_restore_stop(r, i);
		r->turn = tree_next_turn(r, i);
		if (i == r->last)
			r->state = CKPT_TREE_RESTORED;
		wake_up_all(&r->wq);
	}
	mutex_unlock(&ckpt_restarts_lock);
	return ret;
}

/*
 * Once all are restored, each task does what it left for then, and
 * returns once all did: a thread must not find its process's timers not
 * armed yet. One killed meanwhile returns to die, having done its own.
 */
static void tree_resume(struct ckpt_tree_restart *r, unsigned int i)
{
	unsigned int n, all;

	/* The entries that the tasks added at their turns, under it */
	mutex_lock(&ckpt_restarts_lock);
	all = r->ctx->nr_resume;
	mutex_unlock(&ckpt_restarts_lock);
	n = ckpt_resume_run(r->ctx, i);
	if (n && atomic_add_return(n, &r->resumed) == all)
		wake_up_all(&r->wq);
	wait_event_killable(r->wq, atomic_read(&r->resumed) == all);
}

static void tree_block_signals(void)
{
	struct sighand_struct *sighand;
	sigset_t all;

	sigfillset(&all);
	set_current_blocked(&all);
	/*
	 * What is pending on it is the builder's, not the image's: dropped
	 * now, not at its turn, which would drop a signal sent meanwhile to
	 * the task being restored. A kill stays.
	 */
	sighand = rcu_dereference_protected(current->sighand, 1);
	spin_lock_irq(&sighand->siglock);
	if (!fatal_signal_pending(current))
		flush_sigqueue(&current->pending);
	recalc_sigpending();
	spin_unlock_irq(&sighand->siglock);
}

/**
 * ckpt_join() - restore the caller as its task of a coordinated restart
 * @file: the image, as the coordinator has it open
 * @flags: restart(2) flags
 * @exit_code: set for a zombie, which must exit with it once the caller
 *	let go of @file
 *
 * Return: what the restored task's system call returns, once all tasks
 * are restored; 0 with *@exit_code set for a zombie; or a negative errno,
 * with the caller killed if the restart had begun.
 */
long ckpt_join(struct file *file, unsigned long flags, int *exit_code)
{
	struct ckpt_tree_restart *r;
	const struct ckpt_tree_task *e;
	long ret;
	int i;

	r = tree_restart_wait(file);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ret = -EINVAL;
	if (flags & ~(RESTART_JOIN | RESTART_FORCE_FILES) ||
	    (flags ^ r->ctx->flags) & RESTART_FORCE_FILES) {
		tree_restart_failf(r, -EINVAL, "pid %d: joined with other flags",
				   task_pid_vnr(current));
		goto out_kill;
	}
	mutex_lock(&ckpt_restarts_lock);
	i = tree_join(r);
	mutex_unlock(&ckpt_restarts_lock);
	if (i < 0) {
		ret = i;
		goto out_kill;
	}
	e = tree_entry(r, i);
	if (e->flags & CKPT_TREE_ZOMBIE) {
		*exit_code = e->exit_code;
		write_lock_irq(&tasklist_lock);
		current->exit_signal = e->exit_signal;
		write_unlock_irq(&tasklist_lock);
		tree_restart_put(r);
		return 0;
	}

	/*
	 * Until its own turn a task takes no signal: one that its restored
	 * leader queued to the process would else go to it, with the
	 * builder's mask and the image's handlers. Its turn sets its mask.
	 */
	tree_block_signals();
	if (wait_event_killable(r->wq, tree_my_turn(r, i))) {
		tree_restart_failf(r, -EINTR, "pid %d: killed before its turn",
				   e->pid);
		goto out_kill;
	}
	if (READ_ONCE(r->state) != CKPT_TREE_RESTORING)
		goto out_kill;
	ret = tree_restore(r, i);
	if (READ_ONCE(r->state) == CKPT_TREE_FAILED)
		goto out_kill;

	/* All resume together, once the last is restored */
	if (wait_event_killable(r->wq, READ_ONCE(r->state) != CKPT_TREE_RESTORING))
		tree_restart_failf(r, -EINTR, "pid %d: killed while others restored",
				   e->pid);
	if (READ_ONCE(r->state) != CKPT_TREE_RESTORED)
		goto out_kill;
	tree_resume(r, i);
	tree_restart_put(r);
	return ret;

out_kill:
	tree_restart_put(r);
	force_fatal_sig(SIGKILL);
	return ret < 0 ? ret : -EINTR;
}
