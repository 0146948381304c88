/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping the target of a checkpoint still.
 *
 * checkpoint(2) wants a target that is stopped or cgroup-frozen. A target
 * already stopped or frozen is left as it is; otherwise the cgroup v2
 * freezer freezes it (see cgroup.h), or, where no cgroup v2 hierarchy is
 * mounted, SIGSTOP stops it.
 */
#ifndef CKPT_FREEZE_H
#define CKPT_FREEZE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"

enum freeze_how {
	FREEZE_NONE,		/* found stopped or frozen: leave it so */
	FREEZE_CGROUP,		/* frozen by us with the cgroup freezer */
	FREEZE_SIGSTOP,		/* stopped by us with SIGSTOP */
};

struct target {
	pid_t pid;
	bool verbose;		/* say how the target was kept still */
	enum freeze_how how;	/* what thaw must undo */
	struct cgfreeze cg;
};

/*
 * Makes sure the target is frozen or stopped, freezing it if needed; gives up after
 * 10 seconds or when *cancel becomes non-zero. Returns 0, or -1 after
 * printing why (the target is then as it was found).
 */
int target_freeze(struct target *t, const volatile sig_atomic_t *cancel);

/* Puts the target back in the state target_freeze() found it in. */
int target_thaw(struct target *t);

/* Kills the target (after a successful checkpoint). */
int target_kill(struct target *t);

#endif /* CKPT_FREEZE_H */
