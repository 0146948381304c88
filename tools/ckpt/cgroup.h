/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freezing the target with the cgroup v2 freezer.
 *
 * The target is a process and its descendants. A process without
 * children, alone in its cgroup, is frozen there. Otherwise the processes
 * are moved into a cgroup of their own, created under the target's, which
 * is frozen; then the descendants are looked for again, and any that was
 * forked meanwhile is moved in too (and so frozen), until none is left
 * out. When they are thawed, each goes back to the cgroup it came from and
 * the cgroup is removed. checkpoint(2) itself refuses any task of the
 * tree that is neither stopped nor frozen.
 */
#ifndef CKPT_CGROUP_H
#define CKPT_CGROUP_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* A process moved into the cgroup made for the target */
struct cgmember {
	pid_t pid;
	char *home;		/* the cgroup it came from */
};

struct cgfreeze {
	char home[PATH_MAX];	/* the target's cgroup, where it returns */
	char own[PATH_MAX];	/* the cgroup created for it, or "" */
	char frozen[PATH_MAX];	/* the cgroup frozen by us, or "" */
	struct cgmember *moved;	/* the processes moved into own */
	size_t nr_moved;
};

/*
 * Whether the target's cgroup is frozen already: 1 yes, 0 no, -1 when
 * there is no cgroup v2 to ask.
 */
int cg_target_frozen(pid_t pid);

/*
 * Freezes the target. Returns 0 when it is frozen, 1 when there is no
 * usable cgroup v2 hierarchy (nothing changed), or -1 after printing why
 * (the target is then back as it was found).
 */
int cg_freeze(pid_t pid, struct cgfreeze *cg, const volatile sig_atomic_t *cancel);

/* Thaws the target and undoes every change cg_freeze() made. */
int cg_thaw(pid_t pid, struct cgfreeze *cg);

/* After the target was killed: removes the cgroup created for it. */
int cg_release(struct cgfreeze *cg);

/* Sends sig to every process moved for the target (none: returns 0). */
int cg_kill_moved(struct cgfreeze *cg, int sig);

#endif /* CKPT_CGROUP_H */
