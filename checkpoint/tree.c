// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the set of tasks an image holds, and its tree record.
 *
 * Checkpoint collects the tasks first: the root and, with
 * CHECKPOINT_SUBTREE, all its descendants; without it the root must be
 * the init of a pid namespace and the whole namespace is taken. Processes
 * come before their children, each thread right after its group's
 * leader. The CKPT_HDR_TREE record lists them, with the relations that a
 * restart has to rebuild before any task's state is read, and the state
 * records of the tasks follow in the same order. Restart reads the record
 * in tree_read.c.
 */
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/mm_types.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/bsearch.h>

/* Attempts at collecting a tree that keeps changing (tasks outside exit) */
#define CKPT_TREE_TRIES		3

/* The first child of a thread of a process, from thread @t on */
static struct task_struct *tree_first_child(struct task_struct *t)
{
	for (; t; t = __next_thread(t))
		if (!list_empty(&t->children))
			return list_first_entry(&t->children,
						struct task_struct, sibling);
	return NULL;
}

/* The parent of @t; tasklist_lock is held */
static struct task_struct *tree_parent(struct task_struct *t)
{
	return rcu_dereference_protected(t->real_parent,
					 lockdep_is_held(&tasklist_lock));
}

/* The child of the same process that comes after @c, or NULL */
static struct task_struct *tree_next_sibling(struct task_struct *c)
{
	struct task_struct *t = tree_parent(c);

	if (!list_is_last(&c->sibling, &t->children))
		return list_next_entry(c, sibling);
	return tree_first_child(__next_thread(t));
}

/*
 * Walks the processes below @root depth first, each followed by its
 * threads, and stores the first @max tasks with a reference each. Returns
 * how many there are, or @max + 1 once there are more. Called with
 * tasklist_lock held, which keeps the lists still, and with @root a
 * process leader still in the tree, which keeps the walk below it.
 */
static unsigned int tree_walk(struct task_struct *root,
			      struct task_struct **out, unsigned int max)
{
	struct task_struct *p = root, *t, *c;
	unsigned int n = 0;

	for (;;) {
		/* Reaped already, only not unlinked yet: not a task to save */
		if (p->exit_state != EXIT_DEAD) {
			for_each_thread(p, t) {
				if (n == max)
					return max + 1;
				if (out)
					out[n] = get_task_struct(t);
				n++;
			}
		}
		c = tree_first_child(p);
		if (c) {
			p = c;
			continue;
		}
		for (c = NULL; p != root; p = tree_parent(p)->group_leader) {
			c = tree_next_sibling(p);
			if (c)
				break;
		}
		if (!c)
			return n;
		p = c;
	}
}

static void tree_put_tasks(struct task_struct **tasks, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		put_task_struct(tasks[i]);
	kvfree(tasks);
}

/*
 * The walk needs a root that is still a process leader in the tree: one
 * that exited and was reaped, or a leader replaced by another thread's
 * exec, is not. Called with tasklist_lock held.
 */
static bool tree_root_ok(struct task_struct *root)
{
	return pid_alive(root) && thread_group_leader(root) &&
	       root->exit_state != EXIT_DEAD;
}

/* Walks the tree of @root under tasklist_lock: see tree_walk() */
static unsigned int tree_walk_locked(struct task_struct *root,
				     struct task_struct **out, unsigned int max)
{
	unsigned int n = 0;

	read_lock(&tasklist_lock);
	if (tree_root_ok(root))
		n = tree_walk(root, out, max);
	read_unlock(&tasklist_lock);
	return n;
}

/* Counts, allocates, collects: again if the tree changed in between */
static int tree_collect_tasks(struct ckpt_ctx *ctx)
{
	struct task_struct **tasks;
	unsigned int n, got, tries;

	for (tries = 0; tries < CKPT_TREE_TRIES; tries++) {
		n = tree_walk_locked(ctx->root, NULL, CKPT_TREE_MAX_TASKS);
		if (!n) {
			ckpt_err(ctx, -ESRCH, "pid %d: is gone", ctx->root_pid);
			return -ESRCH;
		}
		if (n > CKPT_TREE_MAX_TASKS) {
			ckpt_err(ctx, -E2BIG, "pid %d: more than %u tasks",
				 ctx->root_pid, CKPT_TREE_MAX_TASKS);
			return -E2BIG;
		}
		tasks = kvcalloc(n, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
		got = tree_walk_locked(ctx->root, tasks, n);
		if (got == n) {
			ctx->tasks = tasks;
			ctx->nr_tasks = n;
			return 0;
		}
		tree_put_tasks(tasks, min(got, n));
	}
	ckpt_err(ctx, -EBUSY, "pid %d: the tree kept changing", ctx->root_pid);
	return -EBUSY;
}

/* The namespace the image's pids are taken in, or an error */
static int tree_pid_ns(struct ckpt_ctx *ctx)
{
	struct task_struct *root = ctx->root;
	struct pid_namespace *ns;
	int ret = 0;

	if (!thread_group_leader(root)) {
		ckpt_err(ctx, -EINVAL, "pid %d: is a thread, not a process",
			 ctx->root_pid);
		return -EINVAL;
	}
	if (ctx->flags & CHECKPOINT_SUBTREE) {
		ctx->pid_ns = get_pid_ns(task_active_pid_ns(current));
		return 0;
	}
	/* A container's init may run, and exit, until it is pinned */
	rcu_read_lock();
	ns = task_active_pid_ns(root);
	if (!ns) {
		ckpt_err(ctx, -ESRCH, "pid %d: is gone", ctx->root_pid);
		ret = -ESRCH;
	} else if (ns == &init_pid_ns || ns->child_reaper != root ||
		   /* its own namespace, unless it is the init itself */
		   (ns == task_active_pid_ns(current) && root != current)) {
		ckpt_err(ctx, -EINVAL,
			 "pid %d: not the init of a pid namespace (CHECKPOINT_SUBTREE takes a process and its descendants)",
			 ctx->root_pid);
		ret = -EINVAL;
	} else {
		ctx->pid_ns = get_pid_ns(ns);
	}
	rcu_read_unlock();
	return ret;
}

/**
 * ckpt_cmp_ptr() - order two pointers by address, for sort() and bsearch()
 * @a: the first pointer's address
 * @b: the second's
 *
 * Return: -1, 0 or 1.
 */
int ckpt_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = (unsigned long)*(void * const *)a;
	unsigned long y = (unsigned long)*(void * const *)b;

	return x < y ? -1 : x > y;
}

/**
 * ckpt_tree_has() - whether a task is one of the collected tasks
 * @ctx: checkpoint context, after ckpt_tree_collect()
 * @t: the task
 *
 * Once the tree is written, a binary search of @ctx->tasks_sorted.
 *
 * Return: true if @t is in the image.
 */
bool ckpt_tree_has(struct ckpt_ctx *ctx, struct task_struct *t)
{
	unsigned int i;

	if (ctx->tasks_sorted)
		return bsearch(&t, ctx->tasks_sorted, ctx->nr_tasks,
			       sizeof(*ctx->tasks_sorted), ckpt_cmp_ptr);
	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i] == t)
			return true;
	return false;
}

/*
 * A container is its whole pid namespace: a task that entered it with
 * setns() and forked is in it without descending from its init, and the
 * image would leave it out. Find the first such task, if any.
 */
static pid_t tree_container_stray(struct ckpt_ctx *ctx)
{
	struct pid_namespace *ns = ctx->pid_ns;
	unsigned int nr_found = 0;
	struct task_struct *t;
	pid_t nr = 1, stray = 0;
	struct pid *pid;

	rcu_read_lock();
	while ((pid = find_ge_pid(nr, ns))) {
		nr = pid_nr_ns(pid, ns);
		t = pid_task(pid, PIDTYPE_PID);
		if (t && t->exit_state != EXIT_DEAD) {
			nr_found++;
			if (nr_found > ctx->nr_tasks || !ckpt_tree_has(ctx, t)) {
				stray = nr;
				break;
			}
		}
		nr++;
	}
	rcu_read_unlock();
	return stray;
}

/*
 * A process whose leader exited while its other threads run on has a
 * zombie leader in the tree, which restart cannot rebuild: refused, as
 * is a thread that exited and that a tracer has not reaped.
 */
static int tree_supported(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];

		if (ckpt_tree_is_zombie(t) && thread_group_leader(t) &&
		    get_nr_threads(t) > 1) {
			ckpt_err(ctx, -EOPNOTSUPP,
				 "pid %d: its leader exited, its other threads run on",
				 task_pid_vnr(t));
			return -EOPNOTSUPP;
		}
		/* Only a tracer keeps an exited thread from being reaped */
		if (ckpt_tree_is_zombie(t) && !thread_group_leader(t)) {
			ckpt_err(ctx, -EOPNOTSUPP, "thread %d: exited, not reaped",
				 task_pid_vnr(t));
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/**
 * ckpt_tree_is_zombie() - whether a task of the tree is a zombie
 * @task: a collected task
 *
 * A zombie is in the tree, with its exit code, but has no state to save.
 *
 * Return: true if @task exited and waits to be reaped.
 */
bool ckpt_tree_is_zombie(struct task_struct *task)
{
	return READ_ONCE(task->exit_state) == EXIT_ZOMBIE;
}

/**
 * ckpt_tree_collect() - find the tasks to checkpoint
 * @ctx: checkpoint context, with @ctx->root held
 *
 * Fills @ctx->tasks (@ctx->root first) and @ctx->pid_ns. The tasks are
 * not checked here: each kind of state refuses what it cannot save. A
 * process whose leader exited before its threads is refused with
 * -EOPNOTSUPP.
 *
 * Return: 0 or a negative errno, reported with ckpt_err().
 */
int ckpt_tree_collect(struct ckpt_ctx *ctx)
{
	int ret;

	ret = tree_pid_ns(ctx);
	if (!ret)
		ret = tree_collect_tasks(ctx);
	if (!ret && !(ctx->flags & CHECKPOINT_SUBTREE)) {
		pid_t stray = tree_container_stray(ctx);

		if (stray) {
			ckpt_err(ctx, -EOPNOTSUPP,
				 "pid %d of the container: not a descendant of its init",
				 stray);
			ret = -EOPNOTSUPP;
		}
	}
	if (!ret)
		ret = tree_supported(ctx);
	return ret;
}

/**
 * ckpt_tree_free() - drop what ckpt_tree_collect() or ckpt_tree_read() took
 * @ctx: checkpoint or restart context
 */
void ckpt_tree_free(struct ckpt_ctx *ctx)
{
	if (ctx->tasks)
		tree_put_tasks(ctx->tasks, ctx->nr_tasks);
	ctx->tasks = NULL;
	ctx->nr_tasks = 0;
	kvfree(ctx->tasks_sorted);
	ctx->tasks_sorted = NULL;
	if (ctx->pid_ns)
		put_pid_ns(ctx->pid_ns);
	ctx->pid_ns = NULL;
	kvfree(ctx->tree);
	ctx->tree = NULL;
	kvfree(ctx->tree_by_pid);
	ctx->tree_by_pid = NULL;
}

/* Whether the process whose leader holds @pid is one of @sorted */
static bool tree_has_process(struct task_struct **sorted, unsigned int nr,
			     struct pid *pid)
{
	struct task_struct *leader = pid_task(pid, PIDTYPE_PID);

	return leader && bsearch(&leader, sorted, nr, sizeof(*sorted),
				 ckpt_cmp_ptr);
}

/**
 * ckpt_mm_tasks() - how many tasks run in the caller's address space
 *
 * mm_users also counts who holds the memory for a moment (a reader of
 * /proc/PID/stat, mem or cmdline, process_vm_readv()), which is no
 * sharing: when it says more than one, the tasks that run in it are
 * counted, as current_is_single_threaded() looks for them. Kernel threads
 * that borrow it do not count. Only tasks that run in it can add one.
 *
 * Return: the count, at least 1.
 */
long ckpt_mm_tasks(void)
{
	struct mm_struct *mm = current->mm;
	struct task_struct *p, *t;
	long n = 0;

	if (atomic_read(&mm->mm_users) <= 1)
		return 1;
	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		/* The threads of a process all run in one, or are exiting */
		for_each_thread(p, t) {
			struct mm_struct *m = READ_ONCE(t->mm);

			if (m == mm)
				n++;
			else if (m)
				break;
		}
	}
	rcu_read_unlock();
	return max(n, 1L);
}

/**
 * ckpt_task_held() - what a task holds that other tasks may share
 * @t: the task
 * @held: filled with the address of its address space, file table, fs
 *	context and handlers (indexed by enum ckpt_share - 1), and how many
 *	users each has (for an address space, mm_users: see ckpt_mm_tasks());
 *	an address is only compared, never dereferenced
 */
void ckpt_task_held(struct task_struct *t, struct ckpt_held *held)
{
	struct sighand_struct *sighand;

	task_lock(t);
	held->ptr[CKPT_SHARE_MM - 1] = t->mm;
	held->users[CKPT_SHARE_MM - 1] = t->mm ? atomic_read(&t->mm->mm_users) : 0;
	held->ptr[CKPT_SHARE_FILES - 1] = t->files;
	held->users[CKPT_SHARE_FILES - 1] = t->files ?
					     atomic_read(&t->files->count) : 0;
	held->ptr[CKPT_SHARE_FS - 1] = t->fs;
	held->users[CKPT_SHARE_FS - 1] = t->fs ? READ_ONCE(t->fs->users) : 0;
	task_unlock(t);
	rcu_read_lock();
	sighand = rcu_dereference(t->sighand);
	held->ptr[CKPT_SHARE_SIGHAND - 1] = sighand;
	held->users[CKPT_SHARE_SIGHAND - 1] = sighand ?
					       refcount_read(&sighand->count) : 0;
	rcu_read_unlock();
}

/**
 * ckpt_tree_share() - the share_* field of a tree entry for a kind of state
 * @e: the entry
 * @what: CKPT_SHARE_MM to CKPT_SHARE_SIGHAND
 *
 * Return: 1 + index of the task @e shares @what with, or 0.
 */
u32 ckpt_tree_share(const struct ckpt_tree_task *e, enum ckpt_share what)
{
	switch (what) {
	case CKPT_SHARE_MM:
		return e->share_mm;
	case CKPT_SHARE_FILES:
		return e->share_files;
	case CKPT_SHARE_FS:
		return e->share_fs;
	case CKPT_SHARE_SIGHAND:
		return e->share_sighand;
	default:
		return 0;
	}
}

/*
 * 1 + index of the first task before @i that holds what @i holds at
 * @k, or 0. Quadratic in the number of sharers at worst; trees are
 * small next to the state each task carries.
 */
static u32 tree_share_index(const struct ckpt_held *held, unsigned int i,
			    unsigned int k)
{
	const void *ptr = held[i].ptr[k];
	unsigned int j;

	if (!ptr)
		return 0;
	for (j = 0; j < i; j++)
		if (held[j].ptr[k] == ptr)
			return j + 1;
	return 0;
}

/*
 * For a process stopped by job control: the signal that stopped it, as
 * wait(2) with WUNTRACED reports it (@exit_code of the leader's entry),
 * and whether its parent has taken that report (CKPT_TREE_STOP_WAITED).
 * Read once, for the leader; its threads, listed after it, copy it.
 */
static void tree_fill_stop(struct task_struct *t, struct ckpt_tree_task *tasks,
			   unsigned int i)
{
	struct ckpt_tree_task *e = &tasks[i];
	struct sighand_struct *sighand;
	unsigned long flags;
	int signr = 0;

	if (!(e->flags & CKPT_TREE_STOPPED))
		return;
	if (e->pid != e->tgid) {
		if (e->share_sighand)
			e->flags |= tasks[e->share_sighand - 1].flags &
				    CKPT_TREE_STOP_WAITED;
		return;
	}
	/* What wait(2) reports, else what the leader stopped for */
	sighand = lock_task_sighand(t, &flags);
	if (!sighand)
		return;		/* it is exiting: checkpoint sees it ran */
	signr = t->signal->group_exit_code;
	if (!signr)
		e->flags |= CKPT_TREE_STOP_WAITED;
	if (!sig_kernel_stop(signr))
		signr = t->jobctl & JOBCTL_STOP_SIGMASK;
	spin_unlock_irqrestore(&sighand->siglock, flags);
	if (!sig_kernel_stop(signr))
		signr = SIGSTOP;
	e->exit_code = signr << 8 | 0x7f;
}

static void tree_fill_task(struct ckpt_ctx *ctx, unsigned int i,
			   struct task_struct **sorted,
			   const struct ckpt_held *held,
			   struct ckpt_tree_task *e)
{
	struct task_struct *t = ctx->tasks[i], *parent;
	struct pid_namespace *ns = ctx->pid_ns;

	rcu_read_lock();
	e->pid = task_pid_nr_ns(t, ns);
	e->tgid = task_tgid_nr_ns(t, ns);
	/* The root and its threads: their parent is outside */
	if (!same_thread_group(t, ctx->tasks[0])) {
		parent = rcu_dereference(t->real_parent);
		e->ppid = task_tgid_nr_ns(parent, ns);
		e->ptid = task_pid_nr_ns(parent, ns);
	}
	e->pgid = task_pgrp_nr_ns(t, ns);
	e->sid = task_session_nr_ns(t, ns);
	if (!tree_has_process(sorted, ctx->nr_tasks, task_pgrp(t)))
		e->flags |= CKPT_TREE_PGID_OUTSIDE;
	if (!tree_has_process(sorted, ctx->nr_tasks, task_session(t)))
		e->flags |= CKPT_TREE_SID_OUTSIDE;
	rcu_read_unlock();

	if (t->signal->flags & SIGNAL_STOP_STOPPED && !t->exit_state)
		e->flags |= CKPT_TREE_STOPPED;
	if (t->exit_state == EXIT_ZOMBIE) {
		e->flags |= CKPT_TREE_ZOMBIE;
		e->exit_code = t->exit_code;
	}
	e->exit_signal = t->exit_signal > 0 ? t->exit_signal : 0;
	e->share_mm = tree_share_index(held, i, CKPT_SHARE_MM - 1);
	e->share_files = tree_share_index(held, i, CKPT_SHARE_FILES - 1);
	e->share_fs = tree_share_index(held, i, CKPT_SHARE_FS - 1);
	e->share_sighand = tree_share_index(held, i, CKPT_SHARE_SIGHAND - 1);
}

/*
 * A thread shares state with its leader; processes that share state
 * with one another (CLONE_VM or CLONE_FILES without CLONE_THREAD), or a
 * thread that shares with another thread only, are not restarted yet.
 */
static int tree_check_sharing(struct ckpt_ctx *ctx,
			      const struct ckpt_tree_task *tasks)
{
	static const char * const what[] = {
		"address space", "file table", "fs context", "signal handlers",
	};
	unsigned int i, k;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct ckpt_tree_task *e = &tasks[i];
		u32 share[] = {
			e->share_mm, e->share_files, e->share_fs,
			e->share_sighand,
		};

		for (k = 0; k < ARRAY_SIZE(share); k++) {
			const struct ckpt_tree_task *o;

			if (!share[k])
				continue;
			o = &tasks[share[k] - 1];
			if (o->tgid != e->tgid) {
				ckpt_err(ctx, -EOPNOTSUPP, "pid %d: shares its %s with pid %d",
					 e->pid, what[k], o->pid);
				return -EOPNOTSUPP;
			}
			if (o->pid != o->tgid) {
				ckpt_err(ctx, -EOPNOTSUPP,
					 "thread %d: shares its %s with thread %d, not with its leader",
					 e->pid, what[k], o->pid);
				return -EOPNOTSUPP;
			}
		}
	}
	return 0;
}

/**
 * ckpt_tree_write() - write the CKPT_HDR_TREE record of @ctx->tasks
 * @ctx: checkpoint context, after ckpt_tree_collect()
 *
 * Return: 0 or a negative errno.
 */
int ckpt_tree_write(struct ckpt_ctx *ctx)
{
	unsigned int i, nr = ctx->nr_tasks;
	struct task_struct **sorted = NULL;
	struct ckpt_held *held = NULL;
	struct ckpt_hdr_tree *h;
	size_t len = struct_size(h, tasks, nr);
	int ret = -ENOMEM;

	h = kvzalloc(len, GFP_KERNEL);
	sorted = kvmalloc_array(nr, sizeof(*sorted), GFP_KERNEL);
	held = kvmalloc_array(nr, sizeof(*held), GFP_KERNEL);
	if (!h || !sorted || !held)
		goto out;

	memcpy(sorted, ctx->tasks, nr * sizeof(*sorted));
	sort(sorted, nr, sizeof(*sorted), ckpt_cmp_ptr, NULL);
	for (i = 0; i < nr; i++)
		ckpt_task_held(ctx->tasks[i], &held[i]);

	h->nr_tasks = nr;
	if (!(ctx->flags & CHECKPOINT_SUBTREE))
		h->flags |= CKPT_TREE_CONTAINER;
	for (i = 0; i < nr; i++) {
		tree_fill_task(ctx, i, sorted, held, &h->tasks[i]);
		tree_fill_stop(ctx->tasks[i], h->tasks, i);
	}
	ret = tree_check_sharing(ctx, h->tasks);
	if (!ret)
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_TREE, len);
	/* The kinds of state look up what each task shares */
	if (!ret) {
		ctx->tree = h;
		h = NULL;
		ctx->tasks_sorted = sorted;
		sorted = NULL;
	}
out:
	kvfree(held);
	kvfree(sorted);
	kvfree(h);
	return ret;
}

/**
 * ckpt_task_shares() - whether the task at hand has state of a kind its own
 * @ctx: checkpoint or restart context, at task @ctx->cur of @ctx->tree
 * @what: the state, CKPT_SHARE_NONE for none
 *
 * State that a task shares with a task before it in the tree is saved
 * and restored with that task only.
 *
 * Return: true if the task shares @what with a task before it.
 */
bool ckpt_task_shares(const struct ckpt_ctx *ctx, enum ckpt_share what)
{
	const struct ckpt_tree_task *e = &ctx->tree->tasks[ctx->cur];

	if (what == CKPT_SHARE_SIGNAL)
		return e->pid != e->tgid;
	return ckpt_tree_share(e, what);
}
