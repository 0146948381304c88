/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping the target of a checkpoint still.
 *
 * checkpoint(2) wants a target that is stopped or cgroup-frozen. Today
 * the target is stopped with SIGSTOP; the cgroup v2 freezer will replace
 * that here, behind the same functions.
 */
#ifndef CKPT_FREEZE_H
#define CKPT_FREEZE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct target {
	pid_t pid;
	bool frozen_by_us;	/* thaw must undo what freeze did */
};

/*
 * Makes sure the target is stopped, stopping it if needed; gives up after
 * 10 seconds or when *cancel becomes non-zero. Returns 0, or -1 after
 * printing why (the target is then as it was found).
 */
int target_freeze(struct target *t, const volatile sig_atomic_t *cancel);

/* Puts the target back in the state target_freeze() found it in. */
int target_thaw(struct target *t);

/* Kills the target (after a successful checkpoint). */
int target_kill(struct target *t);

#endif /* CKPT_FREEZE_H */
