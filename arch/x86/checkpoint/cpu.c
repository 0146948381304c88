// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: x86_64 CPU state of a task.
 *
 * The general registers are saved as the task will see them when it
 * resumes: a task stopped inside an interrupted system call has them set
 * up to re-enter the call (or restart_syscall(2)), as the signal code
 * would have on its way back to user space, and a task that checkpointed
 * itself sees its checkpoint(2) return 0. The FPU state is the standard
 * XSAVE format of ptrace's NT_X86_XSTATE regset.
 */
#include <linux/checkpoint.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/ptrace.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/user.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fsgsbase.h>
#include <asm/hw_breakpoint.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/segment.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

/* The RFLAGS bits a restarted task may set, as popf(2) lets it */
#define CKPT_USER_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_DF | \
			 X86_EFLAGS_OF | X86_EFLAGS_AC | X86_EFLAGS_ID)

/* The XSAVE legacy area and header: the least an XSAVE image holds */
#define CKPT_XSAVE_MIN	576

/**
 * struct ckpt_rst_cpu - CPU state read at restart
 * @regs: the CKPT_HDR_CPU_X86_64 record
 * @xstate: the XSAVE area, fpu_user_cfg.max_size bytes
 */
struct ckpt_rst_cpu {
	struct ckpt_hdr_cpu_x86_64 regs;
	void *xstate;
};

/**
 * ckpt_arch_task_supported() - whether the task uses the x86_64 ABI
 * @task: a stopped task, or current
 *
 * Return: false for 32-bit and x32 tasks and tasks with a shadow stack.
 */
bool ckpt_arch_task_supported(struct task_struct *task)
{
	if (test_tsk_thread_flag(task, TIF_ADDR32) ||
	    task_pt_regs(task)->cs != __USER_CS)
		return false;
#ifdef CONFIG_X86_USER_SHADOW_STACK
	if (task->thread.features)
		return false;
#endif
	return true;
}

/**
 * ckpt_arch_in_syscall_restart() - whether a task will re-enter a call
 * @task: a stopped task
 * @restart_block: set when it will do so through restart_syscall(2)
 *
 * Return: true if @task stopped in a system call that it will restart.
 */
bool ckpt_arch_in_syscall_restart(struct task_struct *task, bool *restart_block)
{
	struct pt_regs *regs = task_pt_regs(task);

	*restart_block = false;
	if (syscall_get_nr(task, regs) < 0)
		return false;
	switch (regs->ax) {
	case -ERESTART_RESTARTBLOCK:
		*restart_block = true;
		return true;
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		return true;
	}
	return false;
}

static void checkpoint_segments(struct task_struct *task,
				struct ckpt_hdr_cpu_x86_64 *h)
{
	if (task == current) {
		unsigned short sel;

		savesegment(ds, sel);
		h->ds = sel;
		savesegment(es, sel);
		h->es = sel;
		savesegment(fs, sel);
		h->fs = sel;
		savesegment(gs, sel);
		h->gs = sel;
	} else {
		h->ds = task->thread.ds;
		h->es = task->thread.es;
		h->fs = task->thread.fsindex;
		h->gs = task->thread.gsindex;
	}
	h->fs_base = x86_fsbase_read_task(task);
	h->gs_base = x86_gsbase_read_task(task);
}

static void checkpoint_debugregs(struct task_struct *task,
				 struct ckpt_hdr_cpu_x86_64 *h)
{
	struct thread_struct *thread = &task->thread;
	int i;

#ifdef CONFIG_HAVE_HW_BREAKPOINT
	for (i = 0; i < HBP_NUM; i++) {
		struct perf_event *bp = thread->ptrace_bps[i];

		if (bp)
			h->debugreg[i] = bp->hw.info.address;
	}
#endif
	h->debugreg[6] = thread->virtual_dr6;
	h->debugreg[7] = thread->ptrace_dr7;
}

static int checkpoint_regs(struct ckpt_ctx *ctx, struct task_struct *task)
{
	struct pt_regs *regs = task_pt_regs(task);
	struct ckpt_hdr_cpu_x86_64 h = {
		.r15 = regs->r15, .r14 = regs->r14, .r13 = regs->r13,
		.r12 = regs->r12, .bp = regs->bp, .bx = regs->bx,
		.r11 = regs->r11, .r10 = regs->r10, .r9 = regs->r9,
		.r8 = regs->r8, .ax = regs->ax, .cx = regs->cx,
		.dx = regs->dx, .si = regs->si, .di = regs->di,
		.ip = regs->ip, .flags = regs->flags, .sp = regs->sp,
		.cs = regs->cs, .ss = regs->ss,
	};
	bool block;

	if (task == current) {
		/* checkpoint(2) returns 0 in the restarted task */
		h.ax = 0;
	} else if (ckpt_arch_in_syscall_restart(task, &block)) {
		/* Re-enter the call, as the signal code would on resume */
		h.ax = block ? __NR_restart_syscall : regs->orig_ax;
		h.ip -= 2;
	}
	checkpoint_segments(task, &h);
	if (h.ds | h.es | h.fs | h.gs) {
		ckpt_err(ctx, -EOPNOTSUPP,
			 "pid %d: non-null segment selectors",
			 task_pid_vnr(task));
		return -EOPNOTSUPP;
	}
	checkpoint_debugregs(task, &h);
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_CPU_X86_64, sizeof(h));
}

static const struct user_regset *ckpt_xstate_regset(struct task_struct *task)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == NT_X86_XSTATE)
			return &view->regsets[i];
	return NULL;
}

static int checkpoint_xstate(struct ckpt_ctx *ctx, struct task_struct *task)
{
	const struct user_regset *rs = ckpt_xstate_regset(task);
	unsigned int size = fpu_user_cfg.max_size;
	void *buf = NULL;
	int ret;

	if (!rs || !cpu_feature_enabled(X86_FEATURE_XSAVE) ||
	    rs->n * rs->size != size) {
		ckpt_err(ctx, -EOPNOTSUPP, "pid %d: CPU without XSAVE",
			 task_pid_vnr(task));
		return -EOPNOTSUPP;
	}
	ret = regset_get_alloc(task, rs, size, &buf);
	if (ret >= 0)
		ret = ckpt_write_buffer(ctx, CKPT_HDR_XSTATE, buf, size);
	kvfree(buf);
	return ret;
}

/**
 * ckpt_arch_checkpoint_cpu() - save the registers and the FPU state
 * @ctx: checkpoint context
 * @task: the task, stopped or current
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *task)
{
	int ret;

	ret = checkpoint_regs(ctx, task);
	if (!ret)
		ret = checkpoint_xstate(ctx, task);
	return ret;
}

static bool restore_regs_ok(const struct ckpt_hdr_cpu_x86_64 *h)
{
	if (h->cs != __USER_CS || h->ss != __USER_DS ||
	    h->ds | h->es | h->fs | h->gs || h->__pad)
		return false;
	if (h->ip >= TASK_SIZE_MAX || h->fs_base >= TASK_SIZE_MAX ||
	    h->gs_base >= TASK_SIZE_MAX)
		return false;
	if (h->debugreg[4] || h->debugreg[5])
		return false;
	return true;
}

/**
 * ckpt_arch_restore_cpu() - read and check the registers and FPU state
 * @ctx: restart context
 *
 * Return: 0, -EINVAL for malformed records, or another negative errno.
 */
int ckpt_arch_restore_cpu(struct ckpt_ctx *ctx)
{
	unsigned int size = fpu_user_cfg.max_size;
	struct ckpt_rst_cpu *rc;
	struct ckpt_hdr *h;
	int ret;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	ctx->rst_cpu = rc;
	ret = ckpt_read_obj(ctx, &rc->regs.h, CKPT_HDR_CPU_X86_64,
			    sizeof(rc->regs));
	if (ret)
		return ret;
	if (!restore_regs_ok(&rc->regs)) {
		ckpt_err(ctx, -EINVAL, "record %u: malformed registers",
			 ctx->nr_records);
		return -EINVAL;
	}
	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_XSTATE,
				sizeof(*h) + CKPT_XSAVE_MIN,
				sizeof(*h) + size);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->len != sizeof(*h) + ctx->xstate_size) {
		ckpt_err(ctx, -EINVAL, "record %u: XSAVE area of %u bytes, not %u",
			 ctx->nr_records, h->len - (u32)sizeof(*h),
			 ctx->xstate_size);
		kvfree(h);
		return -EINVAL;
	}
	rc->xstate = kvzalloc(size, GFP_KERNEL);
	if (rc->xstate)
		memcpy(rc->xstate, h + 1, h->len - sizeof(*h));
	kvfree(h);
	return rc->xstate ? 0 : -ENOMEM;
}

static int restore_debugregs(const struct ckpt_hdr_cpu_x86_64 *h)
{
	unsigned long dr0 = offsetof(struct user, u_debugreg[0]);
	int i, ret = 0;

	if (!IS_ENABLED(CONFIG_HAVE_HW_BREAKPOINT)) {
		for (i = 0; i < HBP_NUM; i++)
			if (h->debugreg[i])
				return -EOPNOTSUPP;
		if (h->debugreg[7])
			return -EOPNOTSUPP;
	} else {
		flush_ptrace_hw_breakpoint(current);
	}
	for (i = 0; i < HBP_NUM && !ret; i++)
		if (h->debugreg[i])
			ret = arch_ptrace(current, PTRACE_POKEUSR,
					  dr0 + i * sizeof(long),
					  h->debugreg[i]);
	if (!ret && h->debugreg[7])
		ret = arch_ptrace(current, PTRACE_POKEUSR,
				  dr0 + 7 * sizeof(long), h->debugreg[7]);
	current->thread.virtual_dr6 = h->debugreg[6];
	return ret;
}

/**
 * ckpt_arch_commit_cpu() - load the registers and FPU state into current
 * @ctx: restart context
 *
 * The general registers take effect on the return to user space; the
 * value of ax is what restart(2) returns, in ctx->retval.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_commit_cpu(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_cpu_x86_64 *h = &ctx->rst_cpu->regs;
	struct pt_regs *regs = current_pt_regs();
	int ret;

	ret = fpu_restore_uabi_xstate(ctx->rst_cpu->xstate);
	if (ret) {
		ckpt_err(ctx, ret, "XSAVE state not accepted by this CPU");
		return ret;
	}
	ret = do_arch_prctl_64(current, ARCH_SET_FS, h->fs_base);
	if (!ret)
		ret = do_arch_prctl_64(current, ARCH_SET_GS, h->gs_base);
	if (!ret)
		ret = restore_debugregs(h);
	if (ret) {
		ckpt_err(ctx, ret, "cannot load segment bases or debug registers");
		return ret;
	}
	regs->r15 = h->r15;
	regs->r14 = h->r14;
	regs->r13 = h->r13;
	regs->r12 = h->r12;
	regs->bp = h->bp;
	regs->bx = h->bx;
	regs->r11 = h->r11;
	regs->r10 = h->r10;
	regs->r9 = h->r9;
	regs->r8 = h->r8;
	regs->cx = h->cx;
	regs->dx = h->dx;
	regs->si = h->si;
	regs->di = h->di;
	regs->ip = h->ip;
	regs->sp = h->sp;
	regs->flags = (regs->flags & ~CKPT_USER_FLAGS) |
		      (h->flags & CKPT_USER_FLAGS);
	/* Not in a system call any more: no restart on the way out */
	regs->orig_ax = -1;
	ctx->retval = h->ax;
	return 0;
}

/**
 * ckpt_arch_cleanup_cpu() - free what ckpt_arch_restore_cpu() kept
 * @ctx: restart context
 */
void ckpt_arch_cleanup_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_cpu *rc = ctx->rst_cpu;

	if (!rc)
		return;
	kvfree(rc->xstate);
	kfree(rc);
	ctx->rst_cpu = NULL;
}
