// SPDX-License-Identifier: GPL-2.0
/*
 * How mktree builds a tree: see plan.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mktree.h"
#include "plan.h"

bool plan_is_thread(const struct ckpt_tree_task *e)
{
	return e->pid != e->tgid;
}

bool plan_leads_session(const struct ckpt_tree_task *e)
{
	return !(e->flags & CKPT_TREE_SID_OUTSIDE) && e->sid == e->pid;
}

bool plan_leads_group(const struct ckpt_tree_task *e)
{
	return !(e->flags & CKPT_TREE_PGID_OUTSIDE) && e->pgid == e->pid;
}

/*
 * The root's session and group, when they are not the image's, are where
 * mktree runs; a task in them stays there. Another session or group
 * without its leader in the image is rebuilt by a helper.
 */
static bool in_callers_session(const struct plan *pl, const struct ckpt_tree_task *e)
{
	const struct ckpt_tree_task *root = &pl->t[0];

	return e->flags & CKPT_TREE_SID_OUTSIDE && root->flags & CKPT_TREE_SID_OUTSIDE &&
	       e->sid == root->sid;
}

bool plan_in_callers_group(const struct plan *pl, const struct ckpt_tree_task *e)
{
	const struct ckpt_tree_task *root = &pl->t[0];

	return e->flags & CKPT_TREE_PGID_OUTSIDE && root->flags & CKPT_TREE_PGID_OUTSIDE &&
	       e->pgid == root->pgid;
}

/* The helper holding this id, or -1 */
static int find_helper(const struct plan *pl, int32_t id)
{
	for (uint32_t h = 0; h < pl->nr_helpers; h++)
		if (pl->helpers[h].pid == id)
			return (int)h;
	return -1;
}

/* A new helper; there is room for one per task */
static int add_helper(struct plan *pl, int32_t id, uint32_t parent, int32_t sid,
		      bool session)
{
	struct helper *h = &pl->helpers[pl->nr_helpers];

	h->pid = id;
	h->parent = parent;
	h->sid = sid;
	h->session = session;
	return (int)pl->nr_helpers++;
}

/* The index of the process with this pid, or -1 */
static int find_pid(const struct plan *pl, int32_t pid)
{
	uint32_t lo = 0, hi = pl->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int32_t p = pl->t[pl->by_pid[mid]].pid;

		if (p == pid)
			return (int)pl->by_pid[mid];
		if (p < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_pid(const void *a, const void *b, void *arg)
{
	const struct plan *pl = arg;
	int32_t x = pl->t[*(const uint32_t *)a].pid;
	int32_t y = pl->t[*(const uint32_t *)b].pid;

	return x < y ? -1 : x > y;
}

/* Sorts the indexes by pid, for find_pid() */
static int index_pids(struct plan *pl)
{
	pl->by_pid = malloc(pl->n * sizeof(*pl->by_pid));
	if (!pl->by_pid) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (uint32_t i = 0; i < pl->n; i++)
		pl->by_pid[i] = i;
	qsort_r(pl->by_pid, pl->n, sizeof(*pl->by_pid), cmp_pid, pl);
	return 0;
}

/* What this version of mktree cannot build, said once; -1 if any */
static int check_supported(const struct plan *pl)
{
	for (uint32_t i = 0; i < pl->n; i++) {
		const struct ckpt_tree_task *e = &pl->t[i];

		/* Threads share with their leader; the kernel checks how */
		if (!plan_is_thread(e) &&
		    (e->share_mm || e->share_files || e->share_fs || e->share_sighand)) {
			fprintf(stderr, "%s: pid %d shares state with another process:"
				" not supported yet\n", prog, e->pid);
			return -1;
		}
	}
	return 0;
}

/*
 * Task i is in session s, whose leader is not in the image and which its
 * parent p is not in: a helper with pid s, child of p, creates it as p's
 * child (CLONE_PARENT) after setsid(). It does so for every such task of
 * the session, so they must have one parent. -1 after saying why not.
 */
static int plan_session_helper(struct plan *pl, uint32_t i, uint32_t p)
{
	const struct ckpt_tree_task *e = &pl->t[i];
	int h = find_helper(pl, e->sid);

	if (h < 0)
		h = add_helper(pl, e->sid, p, e->sid, true);
	if (pl->helpers[h].parent != p) {
		fprintf(stderr, "%s: pid %d is in session %d, whose leader has exited, as is"
			" pid %d of another parent: not supported\n", prog, e->pid, e->sid,
			pl->t[pl->helpers[h].parent].pid);
		return -1;
	}
	pl->via_helper[i] = h;
	return 0;
}

/*
 * Task i is in group g of session sid[i], and the group's leader is not
 * in the image: the session's helper if g is the session, or else a
 * helper with pid g, child of the group's first task, which is in the
 * session then. -1 after saying why not.
 */
static int plan_group_helper(struct plan *pl, uint32_t i, const int32_t *sid)
{
	const struct ckpt_tree_task *e = &pl->t[i];
	int h = find_helper(pl, e->pgid);

	if (h < 0)
		h = add_helper(pl, e->pgid, i, sid[i], false);
	if (pl->helpers[h].sid != sid[i]) {
		fprintf(stderr, "%s: pid %d: process group %d is not in its session\n",
			prog, e->pid, e->pgid);
		return -1;
	}
	return 0;
}

/*
 * Which children come before their parent's setsid(): a task inherits
 * its session, so it must be created while its parent is in it; or by a
 * helper, in a session without its leader. 0 stands for the session
 * mktree runs in.
 */
static int plan_sessions(struct plan *pl)
{
	int32_t *fork_sid, *sid;
	int ret = 0;

	fork_sid = calloc(pl->n, sizeof(*fork_sid));
	sid = calloc(pl->n, sizeof(*sid));
	if (!fork_sid || !sid) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = -1;
		goto out;
	}
	for (uint32_t i = 0; i < pl->n && !ret; i++) {
		const struct ckpt_tree_task *e = &pl->t[i];
		int32_t want = in_callers_session(pl, e) ? 0 : e->sid;
		int p = i ? find_pid(pl, e->ppid) : -1;

		/* A thread is in its process's session, and follows it */
		if (plan_is_thread(e)) {
			sid[i] = sid[i - 1];
			continue;
		}

		if (p >= 0 && !plan_leads_session(e) && want != sid[p]) {
			if (plan_leads_session(&pl->t[p]) && want == fork_sid[p])
				pl->before_setsid[i] = true;
			else if (want && e->flags & CKPT_TREE_SID_OUTSIDE)
				ret = plan_session_helper(pl, i, (uint32_t)p) ? -2 : 0;
			else
				ret = -1;
		}
		fork_sid[i] = p < 0 ? 0 : pl->before_setsid[i] ? fork_sid[p] :
			      pl->via_helper[i] >= 0 ? want : sid[p];
		if (p < 0 && !plan_leads_session(e) && want)
			ret = -1;
		sid[i] = plan_leads_session(e) ? e->pid : fork_sid[i];
		if (ret == -1)
			fprintf(stderr, "%s: pid %d is in session %d, which it cannot inherit:"
				" not supported\n", prog, e->pid, e->sid);
	}
	/* A group lives in one session */
	for (uint32_t i = 0; i < pl->n && !ret; i++) {
		const struct ckpt_tree_task *e = &pl->t[i];
		int l;

		if (plan_is_thread(e) || plan_in_callers_group(pl, e))
			continue;
		if (e->flags & CKPT_TREE_PGID_OUTSIDE) {
			ret = plan_group_helper(pl, i, sid);
			continue;
		}
		l = find_pid(pl, e->pgid);
		if (l < 0 || sid[l] != sid[i]) {
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

bool plan_has_helpers(const struct plan *pl, uint32_t i)
{
	for (uint32_t h = 0; h < pl->nr_helpers; h++)
		if (pl->helpers[h].parent == i)
			return true;
	return false;
}

int plan(struct plan *pl)
{
	int *last_child;

	pl->first_child = malloc(pl->n * sizeof(int));
	pl->next_sibling = malloc(pl->n * sizeof(int));
	pl->before_setsid = calloc(pl->n, sizeof(bool));
	pl->via_helper = malloc(pl->n * sizeof(int));
	pl->helpers = calloc(pl->n, sizeof(*pl->helpers));
	last_child = malloc(pl->n * sizeof(int));
	if (!pl->first_child || !pl->next_sibling || !pl->before_setsid ||
	    !pl->via_helper || !pl->helpers || !last_child) {
		free(last_child);
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	if (index_pids(pl) < 0) {
		free(last_child);
		return -1;
	}
	for (uint32_t i = 0; i < pl->n; i++)
		pl->first_child[i] = pl->next_sibling[i] = last_child[i] =
			pl->via_helper[i] = -1;
	pl->nr_procs = 1;
	for (uint32_t i = 1; i < pl->n; i++) {
		int p;

		/* The threads of a process follow it: its leader starts them */
		if (plan_is_thread(&pl->t[i]))
			continue;
		pl->nr_procs++;
		p = find_pid(pl, pl->t[i].ppid);
		if (p < 0) {
			free(last_child);
			fprintf(stderr, "%s: malformed image: the parent of pid %d is not in it\n",
				prog, pl->t[i].pid);
			return -1;
		}
		if (last_child[p] < 0)
			pl->first_child[p] = (int)i;
		else
			pl->next_sibling[last_child[p]] = (int)i;
		last_child[p] = (int)i;
	}
	free(last_child);
	if (check_supported(pl) < 0 || plan_sessions(pl) < 0)
		return -1;
	/* A helper's parent waits for its release too, and then reaps it */
	pl->nr_reporters = pl->nr_procs + pl->nr_helpers;
	pl->nr_released = pl->nr_helpers;
	for (uint32_t i = 0; i < pl->n; i++)
		pl->nr_released += plan_has_helpers(pl, i);
	return 0;
}

void plan_free(struct plan *pl)
{
	free(pl->first_child);
	free(pl->next_sibling);
	free(pl->before_setsid);
	free(pl->via_helper);
	free(pl->helpers);
	free(pl->by_pid);
}
