/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Creating the process that calls restart(2).
 *
 * restart(2) replaces its caller with the task of the image, keeping the
 * caller's pid, so the caller is created with the pid the task had:
 * clone3() with set_tid, which needs CAP_CHECKPOINT_RESTORE (or
 * CAP_SYS_ADMIN). When that pid is taken or may not be chosen, a plain
 * child restarts under another pid, and mktree says so.
 *
 * With a new pid namespace, a task that was pid 1 is its init; any other
 * gets a small init of mktree's (pid 1 there, which reaps orphans and
 * ends with the task) and is created under it with set_tid.
 *
 * The restarting process is single-threaded and only calls restart(2).
 * A failure before restart(2) changed anything comes back to mktree as
 * an errno through a close-on-exec pipe; once restart(2) replaces the
 * file table, the pipe just closes.
 */
#ifndef MKTREE_SPAWN_H
#define MKTREE_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct spawn_opts {
	pid_t pid;		/* the pid to restart as */
	bool pidns;		/* in a new pid namespace */
	int image_fd;		/* what restart(2) reads */
	unsigned long flags;	/* restart(2) flags */
	int close_fd;		/* of mktree, not to keep (-1: none) */
	bool exact;		/* fail rather than take another pid */
	/* If set, what the process runs instead of restart(2); never returns */
	void (*run)(void *arg);
	void *arg;
};

struct spawn {
	pid_t pid;		/* mktree's child: the restarting process or its init */
	bool via_init;		/* pid is the init of a new pid namespace */
	pid_t task;		/* the restarting process, in mktree's pid namespace */
	int err_rd;		/* the errno of an early restart(2) failure comes here */
	int status_rd;		/* via_init: the wait status of the restarted task */
};

/* Like fork(), as pid (set_tid). */
pid_t spawn_clone(pid_t pid);

/* The same, but the parent gets no signal when the child exits (__WALL) */
pid_t spawn_clone_quiet(pid_t pid);

/*
 * The same as a child of the caller's parent (CLONE_PARENT), in the
 * caller's session and process group; it exits with the caller's exit
 * signal, which restart(2) sets to the image's. The caller must not be
 * an init.
 */
pid_t spawn_clone_sibling(pid_t pid);

/*
 * A new thread of the caller's process, as tid (set_tid), sharing its
 * memory, files, fs context and handlers, on a stack of its own. It runs
 * fn(arg) and ends its process (exit_group) with what fn returns. It has
 * the caller's TLS: fn may only make system calls with spawn_syscall().
 * Returns the tid, or -1 with errno set.
 */
pid_t spawn_thread(pid_t tid, long (*fn)(void *), void *arg);

/* A system call that leaves errno alone: returns -errno on failure. */
long spawn_syscall(long nr, long a, long b, long c);

/* Creates the restarting process. Returns -1 after printing why. */
int spawn_restart(const struct spawn_opts *o, struct spawn *sp);

/*
 * Waits until restart(2) either failed early (returns its errno) or got
 * past its checks (returns 0: the restarted task runs, or dies if the
 * rest of the image is bad). -1 after printing why.
 */
int spawn_early_result(struct spawn *sp);

/*
 * The pid of the restarted task in mktree's pid namespace, once
 * spawn_early_result() returned 0; 0 if it cannot be found.
 */
pid_t spawn_task_pid(struct spawn *sp);

/*
 * Has SIGTERM and SIGHUP passed on to the restarted task, and ignores
 * SIGINT and SIGQUIT, which a terminal sends it directly.
 */
int spawn_forward_signals(const struct spawn *sp);

/*
 * Waits for the restarted task to end (or only looks, with nohang):
 * returns 1 with its wait status in *status, 0 if it still runs (nohang),
 * -1 after printing why.
 */
int spawn_wait(struct spawn *sp, int *status, bool nohang);

#endif /* MKTREE_SPAWN_H */
