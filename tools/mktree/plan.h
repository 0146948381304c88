/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How mktree builds the tree of an image (tree.h says in what rounds):
 * which process creates which, which children come before their
 * parent's setsid(), and which helpers stand in for the leaders of
 * sessions and process groups that are not in the image. Worked out, and
 * what cannot be built refused, before anything is created.
 */
#ifndef MKTREE_PLAN_H
#define MKTREE_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/checkpoint.h>

/*
 * A process that exists only while the tree is built, for a session or
 * process group that the image's tasks are in but whose leader is not in
 * the image (it exited): it is created with the id as its pid, leads the
 * session or group, and exits (reaped by its parent, which gets no
 * signal) once the tasks are in their groups.
 */
struct helper {
	int32_t pid;		/* the sid or pgid it holds */
	uint32_t parent;	/* the process of the tree that creates it */
	int32_t sid;		/* its session, as plan_sessions() numbers them */
	bool session;		/* calls setsid(), and creates the tasks of its
				 * session whose parent is its parent */
};

/* How the tree is built, worked out before anything is created */
struct plan {
	const struct ckpt_tree_task *t;	/* the image's tasks */
	uint32_t n;
	int *first_child;	/* index of a process's first child, -1 if none */
	int *next_sibling;	/* index of the next child of the same parent */
	bool *before_setsid;	/* created before its parent calls setsid() */
	int *via_helper;	/* the session helper that creates it, or -1 */
	uint32_t *by_pid;	/* the indexes, sorted by pid */
	uint32_t nr_procs;	/* processes: the tasks that are no threads */
	struct helper *helpers;
	uint32_t nr_helpers;
	uint32_t nr_reporters;	/* processes and helpers */
	uint32_t nr_released;	/* helpers, and the processes that reap them */
};

bool plan_is_thread(const struct ckpt_tree_task *e);
bool plan_leads_session(const struct ckpt_tree_task *e);
bool plan_leads_group(const struct ckpt_tree_task *e);

/* Whether e stays in the root's group, which is mktree's */
bool plan_in_callers_group(const struct plan *pl, const struct ckpt_tree_task *e);

/* Whether process i creates helpers, which it then reaps */
bool plan_has_helpers(const struct plan *pl, uint32_t i);

/*
 * Plans the build of pl->t[0..pl->n). Returns 0, or -1 after saying what
 * cannot be built; plan_free() either way.
 */
int plan(struct plan *pl);
void plan_free(struct plan *pl);

#endif /* MKTREE_PLAN_H */
