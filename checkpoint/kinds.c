// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the kinds of per-task state, in image order.
 *
 * One row per kind. The orchestrators walk this table; adding a kind of
 * state means adding its file and its row here. A kind whose state a
 * thread shares with its process as a whole says so in .shared; the
 * kinds with both (task, signals) tell the parts apart themselves. A row
 * that only checks or commits what another kind read takes its place in
 * the order of the commits.
 */
#include <linux/checkpoint.h>
#include <linux/kernel.h>

const struct ckpt_task_kind ckpt_task_kinds[] = {
	{
		.name = "task",
		.checkpoint = ckpt_checkpoint_task,
		.restore = ckpt_restore_task,
		.commit = ckpt_commit_task,
		.cleanup = ckpt_cleanup_task,
	},
	{
		.name = "fs",
		.checkpoint = ckpt_checkpoint_fs,
		.restore = ckpt_restore_fs,
		.commit = ckpt_commit_fs,
		.cleanup = ckpt_cleanup_fs,
		.shared = CKPT_SHARE_FS,
	},
	{
		.name = "signals",
		.checkpoint = ckpt_checkpoint_signals,
		.restore = ckpt_restore_signals,
		.commit = ckpt_commit_signals,
		.cleanup = ckpt_cleanup_signals,
	},
	{
		.name = "timers",
		.checkpoint = ckpt_checkpoint_timers,
		.restore = ckpt_restore_timers,
		.commit = ckpt_commit_timers,
		.cleanup = ckpt_cleanup_timers,
		.shared = CKPT_SHARE_SIGNAL,
	},
	{
		/* Read with the signals, checked and queued after the timers */
		.name = "pending signals",
		.restore = ckpt_restore_sigpending,
		.commit = ckpt_commit_sigpending,
	},
	{
		.name = "syscall",
		.checkpoint = ckpt_checkpoint_syscall,
		.restore = ckpt_restore_syscall,
		.commit = ckpt_commit_syscall,
		.cleanup = ckpt_cleanup_syscall,
	},
	{
		.name = "cpu",
		.checkpoint = ckpt_arch_checkpoint_cpu,
		.restore = ckpt_arch_restore_cpu,
		.commit = ckpt_arch_commit_cpu,
		.cleanup = ckpt_arch_cleanup_cpu,
	},
	{
		.name = "files",
		.checkpoint = ckpt_checkpoint_files,
		.restore = ckpt_restore_files,
		.commit = ckpt_commit_files,
		.cleanup = ckpt_cleanup_files,
		.prepare = ckpt_prepare_files,
		.shared = CKPT_SHARE_FILES,
	},
	{
		.name = "memory",
		.checkpoint = ckpt_checkpoint_mm,
		.restore = ckpt_restore_mm,
		.shared = CKPT_SHARE_MM,
	},
	{
		/* Read with the task, set once what they limit is back */
		.name = "limits",
		.commit = ckpt_commit_rlimits,
		.shared = CKPT_SHARE_SIGNAL,
	},
};

const unsigned int ckpt_nr_task_kinds = ARRAY_SIZE(ckpt_task_kinds);
