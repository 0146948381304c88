// SPDX-License-Identifier: GPL-2.0
/*
 * Creating the process that calls restart(2).
 *
 * The processes are created with the raw clone3 system call, so glibc's
 * per-thread data in them still names mktree's thread: they only make
 * system calls, print with stdio and end with _exit().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ckpt_sys.h"
#include "ckpt_util.h"
#include "mktree.h"
#include "spawn.h"

#ifndef __NR_clone3
#define __NR_clone3	435
#endif

/* struct clone_args of <linux/sched.h>, up to set_tid_size (CLONE_ARGS_SIZE_VER1) */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
};

/*
 * Like fork(), in a new pid namespace with CLONE_NEWPID, and as pid (in
 * the caller's pid namespace) if pid is not 0; the parent gets
 * exit_signal when the child exits.
 */
static pid_t clone3_pid_signal(uint64_t flags, pid_t pid, int exit_signal)
{
	struct clone3_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = (uint64_t)exit_signal;
	if (pid) {
		args.set_tid = (uintptr_t)&pid;
		args.set_tid_size = 1;
	}
	return syscall(__NR_clone3, &args, sizeof(args));
}

static pid_t clone3_pid(uint64_t flags, pid_t pid)
{
	return clone3_pid_signal(flags, pid, SIGCHLD);
}

pid_t spawn_clone(pid_t pid)
{
	return clone3_pid(0, pid);
}

pid_t spawn_clone_quiet(pid_t pid)
{
	return clone3_pid_signal(0, pid, 0);
}

pid_t spawn_clone_sibling(pid_t pid)
{
	return clone3_pid_signal(CLONE_PARENT, pid, 0);
}

#ifndef __x86_64__
#error "mktree starts threads with x86-64 code"
#endif

/* Stack of a thread mktree starts: it only makes system calls */
#define THREAD_STACK_SIZE	(64 << 10)

long spawn_syscall(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone3() of a thread: the child starts on the new stack, where no C
 * frame can be returned to, so the same code calls fn(arg) there (kept in
 * r12 and r13, which the child inherits) and ends the process with its
 * result.
 */
static long clone3_thread(struct clone3_args *args, long (*fn)(void *), void *arg)
{
	register long rax asm("rax") = __NR_clone3;
	register void *rdi asm("rdi") = args;
	register long rsi asm("rsi") = sizeof(*args);
	register void *r12 asm("r12") = (void *)fn;
	register void *r13 asm("r13") = arg;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xor %%ebp, %%ebp\n\t"
		     "mov %%r13, %%rdi\n\t"
		     "call *%%r12\n\t"
		     "mov %%rax, %%rdi\n\t"
		     "mov %[nr_exit], %%eax\n\t"
		     "syscall\n\t"
		     "ud2\n"
		     "1:"
		     : "+r"(rax)
		     : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13),
		       [nr_exit] "i"(__NR_exit_group)
		     : "rcx", "r11", "memory");
	return rax;
}

pid_t spawn_thread(pid_t tid, long (*fn)(void *), void *arg)
{
	struct clone3_args args;
	void *stack;
	long ret;

	stack = mmap(NULL, THREAD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		     CLONE_THREAD | CLONE_SYSVSEM;
	args.stack = (uintptr_t)stack;
	args.stack_size = THREAD_STACK_SIZE;
	args.set_tid = (uintptr_t)&tid;
	args.set_tid_size = 1;
	ret = clone3_thread(&args, fn, arg);
	if (ret < 0) {
		munmap(stack, THREAD_STACK_SIZE);
		errno = (int)-ret;
		return -1;
	}
	return (pid_t)ret;
}

/* Creates a child as pid, or else (unless exact) as any pid, saying why. */
static pid_t clone_as(pid_t pid, bool exact, const char *where)
{
	pid_t child;
	int err;

	child = clone3_pid(0, pid);
	if (child >= 0)
		return child;
	err = errno;
	if (exact) {
		fprintf(stderr, "%s: cannot create pid %d%s: %s\n", prog, pid, where,
			err == EEXIST ? "it is in use" : strerror(err));
		errno = err;
		return -1;
	}
	if (err != EEXIST && err != EPERM && err != EINVAL)
		return -1;

	child = clone3_pid(0, 0);
	if (child <= 0)
		return child;
	if (err == EEXIST)
		fprintf(stderr, "%s: pid %d is in use%s, restarting as pid %d\n",
			prog, pid, where, child);
	else if (err == EPERM)
		fprintf(stderr, "%s: choosing pid %d%s is not permitted"
			" (it needs CAP_CHECKPOINT_RESTORE), restarting as pid %d\n",
			prog, pid, where, child);
	else
		fprintf(stderr, "%s: pid %d is out of range%s, restarting as pid %d\n",
			prog, pid, where, child);
	return child;
}

/* The restarting process: only restart(2), which returns only on failure. */
static __attribute__((noreturn))
void restart_child(const struct spawn_opts *o, int err_wr, int other_fd)
{
	int err;

	if (o->close_fd >= 0)
		close(o->close_fd);
	if (other_fd >= 0)
		close(other_fd);
	if (o->run)
		o->run(o->arg);
	ckpt_sys_restart(0, o->image_fd, o->flags);
	err = errno;
	if (write(err_wr, &err, sizeof(err)) != sizeof(err))
		_exit(126);
	_exit(127);
}

/* The init of a new pid namespace, and the restarted task it reaps */

static volatile sig_atomic_t init_task;

static void init_forward(int sig)
{
	if (init_task > 0)
		kill(init_task, sig);
}

static __attribute__((noreturn))
void run_init(const struct spawn_opts *o, int err_wr, int status_wr)
{
	struct sigaction sa = { .sa_handler = init_forward };
	int status = 0, null;
	pid_t child, w;

	child = clone_as(o->pid, o->exact, " in the new pid namespace");
	if (child == 0)
		restart_child(o, err_wr, status_wr);
	if (child < 0) {
		fprintf(stderr, "%s: cannot create the restarting process: %s\n", prog,
			strerror(errno));
		_exit(1);
	}
	init_task = child;
	/* The pipes must close when the restarted task is done with them */
	close(err_wr);
	close(o->image_fd);
	if (o->close_fd >= 0)
		close(o->close_fd);
	/*
	 * Nor may mktree's standard streams stay open here: a reader of
	 * mktree -d's output, $(mktree -d) say, would wait for this init.
	 */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}

	/* An init ignores signals it has no handler for: pass these on */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* Reap everything until the restarted task ends */
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR) {
			status = 1 << 8;
			break;
		}
	}
	if (write(status_wr, &status, sizeof(status)) != sizeof(status))
		_exit(1);
	/* The other tasks of the namespace die with its init */
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int spawn_restart(const struct spawn_opts *o, struct spawn *sp)
{
	int err[2], st[2] = { -1, -1 };
	pid_t pid;

	memset(sp, 0, sizeof(*sp));
	sp->err_rd = -1;
	sp->status_rd = -1;
	if (pipe2(err, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return -1;
	}

	if (!o->pidns) {
		pid = clone_as(o->pid, o->exact, "");
		if (pid == 0)
			restart_child(o, err[1], err[0]);
	} else if (o->pid == 1) {
		/* The first process of a new pid namespace is its pid 1 */
		pid = clone3_pid(CLONE_NEWPID, 0);
		if (pid == 0)
			restart_child(o, err[1], err[0]);
	} else {
		if (pipe2(st, O_CLOEXEC) < 0) {
			fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
			close(err[0]);
			close(err[1]);
			return -1;
		}
		pid = clone3_pid(CLONE_NEWPID, 0);
		if (pid == 0) {
			close(err[0]);
			close(st[0]);
			run_init(o, err[1], st[1]);
		}
		sp->via_init = true;
	}
	if (pid < 0) {
		fprintf(stderr, "%s: cannot create the restarting process%s: %s\n", prog,
			o->pidns ? " in a new pid namespace" : "", strerror(errno));
		close(err[0]);
		close(err[1]);
		if (st[0] >= 0) {
			close(st[0]);
			close(st[1]);
		}
		return -1;
	}

	close(err[1]);
	if (st[1] >= 0)
		close(st[1]);
	sp->pid = pid;
	sp->task = sp->via_init ? 0 : pid;
	sp->err_rd = err[0];
	sp->status_rd = st[0];
	return 0;
}

int spawn_early_result(struct spawn *sp)
{
	int err = 0;
	ssize_t n;

	n = ckpt_read(sp->err_rd, &err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "%s: reading from the restarting process: %s\n", prog,
			strerror(errno));
		return -1;
	}
	close(sp->err_rd);
	sp->err_rd = -1;
	/* A short report would be a process killed while writing it */
	if (n != sizeof(err) || err <= 0)
		return 0;
	return err;
}

/* The child of ppid, from /proc: the restarted task under its init. */
static pid_t find_child(pid_t ppid)
{
	char path[64], buf[512], *p;
	struct dirent *de;
	pid_t pid, found = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		pid = ckpt_parse_pid(de->d_name);
		if (pid < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (ckpt_read_file(path, buf, sizeof(buf)) < 0)
			continue;
		/* "pid (comm) S ppid ...": comm may hold anything */
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] && p[3] == ' ' && atoi(p + 4) == ppid)
			found = pid;
	}
	closedir(dir);
	return found;
}

pid_t spawn_task_pid(struct spawn *sp)
{
	if (!sp->task)
		sp->task = find_child(sp->pid);
	return sp->task;
}

static volatile sig_atomic_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

int spawn_forward_signals(const struct spawn *sp)
{
	static const int fwd[] = { SIGTERM, SIGHUP };
	static const int ign[] = { SIGINT, SIGQUIT, SIGPIPE };
	struct sigaction sa = { .sa_handler = forward };
	size_t i;

	forward_to = sp->pid;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < CKPT_ARRAY_SIZE(fwd); i++)
		if (sigaction(fwd[i], &sa, NULL) < 0)
			goto fail;
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < CKPT_ARRAY_SIZE(ign); i++)
		if (sigaction(ign[i], &sa, NULL) < 0)
			goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: sigaction: %s\n", prog, strerror(errno));
	return -1;
}

int spawn_wait(struct spawn *sp, int *status, bool nohang)
{
	int st, task_st;
	pid_t w;

	do
		w = waitpid(sp->pid, &st, nohang ? WNOHANG : 0);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		fprintf(stderr, "%s: waiting for pid %d: %s\n", prog, sp->pid, strerror(errno));
		return -1;
	}
	if (w == 0)
		return 0;
	*status = st;
	/* The init tells how the task ended; without that, the init's end is it */
	if (sp->via_init && ckpt_read(sp->status_rd, &task_st, sizeof(task_st)) ==
	    sizeof(task_st))
		*status = task_st;
	return 1;
}
