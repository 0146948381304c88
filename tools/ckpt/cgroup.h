/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freezing the target with the cgroup v2 freezer.
 *
 * A target alone in its cgroup is frozen there. Otherwise it is moved
 * into a cgroup of its own, created under the one it is in, frozen there,
 * and moved back when it is thawed; the cgroup is then removed.
 */
#ifndef CKPT_CGROUP_H
#define CKPT_CGROUP_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct cgfreeze {
	char home[PATH_MAX];	/* the target's cgroup, where it returns */
	char own[PATH_MAX];	/* the cgroup created for it, or "" */
	char frozen[PATH_MAX];	/* the cgroup frozen by us, or "" */
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

#endif /* CKPT_CGROUP_H */
