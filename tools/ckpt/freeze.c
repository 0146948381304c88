// SPDX-License-Identifier: GPL-2.0
/*
 * Keeping the target of a checkpoint still: the cgroup v2 freezer, or
 * SIGSTOP / SIGCONT where there is no cgroup v2.
 *
 * The target counts as stopped when every one of its threads is in the
 * job-control stop state ('T' in /proc/PID/task/TID/stat); threads that
 * have exited but are not reaped yet do not count.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_util.h"
#include "freeze.h"

#define STOP_TIMEOUT_SEC	10
#define STOP_POLL_NSEC		(10 * 1000 * 1000)

struct proc_state {
	unsigned int threads;
	unsigned int stopped;	/* 'T' */
	unsigned int dead;	/* 'Z', 'X', 'x' */
	char other;		/* the state of one thread that is neither */
};

/* Reads the state letter of one thread; -1 with errno on failure. */
static int thread_state(pid_t pid, pid_t tid, char *state)
{
	char path[64], buf[512];
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (ckpt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* "tid (comm) S ...": comm may hold anything, so find its last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2]) {
		errno = EPROTO;
		return -1;
	}
	*state = p[2];
	return 0;
}

/* Fills *ps; -1 after printing why. */
static int proc_state(pid_t pid, struct proc_state *ps)
{
	struct dirent *de;
	char path[64], st;
	pid_t tid;
	DIR *dir;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT)
			warnx("no process %d", pid);
		else
			warn("%s", path);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		tid = ckpt_parse_pid(de->d_name);
		if (tid < 0)
			continue;	/* "." and ".." */
		if (thread_state(pid, tid, &st) < 0) {
			if (errno == ENOENT || errno == ESRCH)
				continue;	/* the thread is gone */
			warn("/proc/%d/task/%d/stat", pid, tid);
			closedir(dir);
			return -1;
		}
		ps->threads++;
		if (st == 'T')
			ps->stopped++;
		else if (st == 'Z' || st == 'X' || st == 'x')
			ps->dead++;
		else
			ps->other = st;
	}
	if (errno) {
		warn("%s", path);
		closedir(dir);
		return -1;
	}
	closedir(dir);

	if (ps->threads == ps->dead) {
		warnx("process %d has exited", pid);
		return -1;
	}
	return 0;
}

static bool is_stopped(const struct proc_state *ps)
{
	return ps->stopped && ps->stopped + ps->dead == ps->threads;
}

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

static int stop_target(struct target *t, const volatile sig_atomic_t *cancel)
{
	const struct timespec poll = { 0, STOP_POLL_NSEC };
	struct proc_state ps;
	struct timespec start;

	if (kill(t->pid, SIGSTOP) < 0) {
		warn("cannot stop process %d", t->pid);
		return -1;
	}
	t->how = FREEZE_SIGSTOP;
	clock_gettime(CLOCK_MONOTONIC, &start);

	for (;;) {
		if (proc_state(t->pid, &ps) < 0)
			break;
		if (is_stopped(&ps))
			return 0;
		if (*cancel) {
			warnx("interrupted while waiting for process %d to stop", t->pid);
			break;
		}
		if (elapsed(&start) >= STOP_TIMEOUT_SEC) {
			warnx("process %d did not stop within %d s (a thread is in state '%c')",
			      t->pid, STOP_TIMEOUT_SEC, ps.other);
			break;
		}
		nanosleep(&poll, NULL);	/* EINTR: the loop checks *cancel */
	}
	target_thaw(t);
	return -1;
}

int target_freeze(struct target *t, const volatile sig_atomic_t *cancel)
{
	struct proc_state ps;
	int ret;

	t->how = FREEZE_NONE;
	if (proc_state(t->pid, &ps) < 0)
		return -1;
	if (is_stopped(&ps) || cg_target_frozen(t->pid) == 1) {
		if (t->verbose)
			warnx("process %d is stopped or frozen already", t->pid);
		return 0;
	}

	ret = cg_freeze(t->pid, &t->cg, cancel);
	if (ret == 0) {
		t->how = FREEZE_CGROUP;
		if (t->verbose)
			warnx("froze process %d in cgroup %s", t->pid, t->cg.frozen);
	}
	if (ret <= 0)
		return ret;
	ret = stop_target(t, cancel);
	if (!ret && t->verbose)
		warnx("no cgroup v2: stopped process %d with SIGSTOP", t->pid);
	return ret;
}

int target_thaw(struct target *t)
{
	enum freeze_how how = t->how;

	t->how = FREEZE_NONE;
	switch (how) {
	case FREEZE_CGROUP:
		return cg_thaw(t->pid, &t->cg);
	case FREEZE_SIGSTOP:
		if (kill(t->pid, SIGCONT) < 0 && errno != ESRCH) {
			warn("cannot resume process %d", t->pid);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

int target_kill(struct target *t)
{
	int ret = 0;

	if (kill(t->pid, SIGKILL) < 0) {
		warn("cannot kill process %d", t->pid);
		ret = -1;
	}
	/* The rest of a tree frozen with it */
	if (t->how == FREEZE_CGROUP && cg_kill_moved(&t->cg, SIGKILL) < 0)
		ret = -1;
	/* Dying needs no thaw, but a cgroup left frozen would freeze others */
	if (t->how == FREEZE_CGROUP && target_thaw(t) < 0)
		ret = -1;
	t->how = FREEZE_NONE;
	return ret;
}
