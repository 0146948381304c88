/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Restarting an image of several tasks: mktree builds the tree the image
 * records, with the same pids, parents, sessions and process groups, and
 * has every task join the restart that mktree coordinates.
 *
 * The tree is built in three rounds, each finished by every task before
 * the next begins (the tasks report on a pipe, mktree lets them go on
 * another):
 *
 * 1. each process creates its children with clone3() and set_tid, the
 *    children that stay in the session it inherited first, then calls
 *    setsid() if it leads a session, then creates the others, then its
 *    helpers (plan.h): a session's helper calls setsid() and creates the
 *    tasks of its session that its parent could not (CLONE_PARENT);
 * 2. the leaders of process groups, a group's helper too, call
 *    setpgid(0, 0);
 * 3. the other members of the groups join theirs, and every process
 *    starts its threads (clone3() with CLONE_THREAD and set_tid), which
 *    unshare their files or fs context where the image's have their own.
 *
 * Then the helpers exit, and their parents reap them; each task calls
 * restart(0, fd, RESTART_JOIN), a thread as soon as
 * it runs, and mktree restart(root, fd, RESTART_COORDINATE), which
 * returns once every task is restored (or all are killed). A task whose parent dies is killed
 * (PR_SET_PDEATHSIG), so killing the root takes the whole tree down.
 *
 * The pids must be free where the tree is built; a container (an image
 * of a whole pid namespace) is always built in a new one.
 */
#ifndef MKTREE_TREE_H
#define MKTREE_TREE_H

#include <stdbool.h>

struct image;
struct spawn;

struct tree_opts {
	bool pidns;		/* in a new pid namespace */
	unsigned long flags;	/* restart(2) flags */
};

/*
 * Builds the tree and coordinates its restart. Returns 0 once every task
 * is restored, with *sp the process mktree created (the root, or the
 * init of the new pid namespace it runs under) and sp->task the root; an
 * errno after the coordinated restart failed (the tree is gone then); or
 * -1 after printing why the tree could not be built.
 */
int tree_restart(struct image *im, const struct tree_opts *o, struct spawn *sp);

#endif /* MKTREE_TREE_H */
