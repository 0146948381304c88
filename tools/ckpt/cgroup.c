// SPDX-License-Identifier: GPL-2.0
/*
 * Freezing the target with the cgroup v2 freezer (see cgroup.h).
 */
#include <err.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "ckpt_util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_TIMEOUT_MS	10000
#define CG_POLL_MS	5

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool have_cgroup2(void)
{
	struct statfs sfs;

	return statfs(CG_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Reads a small control file into buf; -1 with errno on failure. */
static int cg_read(const char *cg, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return ckpt_read_file(path, buf, size) < 0 ? -1 : 0;
}

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX + 64];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ckpt_write_all(fd, val, strlen(val));
	close(fd);
	return ret;
}

/* The value of "key N" in cgroup.events: 0 or 1, -1 on error. */
static int cg_event(const char *cg, const char *key)
{
	char buf[256], *p;
	size_t len = strlen(key);

	if (cg_read(cg, "cgroup.events", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return p[len + 1] == '1';
	}
	return -1;
}

/* Waits until "key" in cgroup.events reads want; 0, or -1 after printing why. */
static int cg_wait(const char *cg, const char *key, int want,
		   const volatile sig_atomic_t *cancel)
{
	int waited;

	for (waited = 0; waited < CG_TIMEOUT_MS; waited += CG_POLL_MS) {
		if (cg_event(cg, key) == want)
			return 0;
		if (cancel && *cancel) {
			warnx("interrupted while waiting for %s to be %s", cg, key);
			return -1;
		}
		sleep_ms(CG_POLL_MS);
	}
	warnx("%s: not %s%s within %d s", cg, want ? "" : "un", key,
	      CG_TIMEOUT_MS / 1000);
	return -1;
}

/* The target's cgroup as a path under CG_ROOT; -1 after printing why. */
static int cg_of(pid_t pid, char *out, size_t size)
{
	char path[64], buf[PATH_MAX + 8];
	char *nl;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (ckpt_read_file(path, buf, sizeof(buf)) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			warnx("no process %d", pid);
		else
			warn("%s", path);
		return -1;
	}
	/* cgroup v2 only: the single line "0::/path" */
	if (strncmp(buf, "0::/", 4)) {
		warnx("%s: not on the unified cgroup v2 hierarchy", path);
		return -1;
	}
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if ((size_t)snprintf(out, size, "%s%s", CG_ROOT,
			     strcmp(buf + 3, "/") ? buf + 3 : "") >= size) {
		warnx("%s: cgroup path too long", path);
		return -1;
	}
	return 0;
}

int cg_target_frozen(pid_t pid)
{
	char cg[PATH_MAX];

	if (!have_cgroup2() || cg_of(pid, cg, sizeof(cg)) < 0)
		return -1;
	return cg_event(cg, "frozen") == 1;
}

/* The parent of pid from /proc, or -1 */
static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (ckpt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* "pid (comm) S ppid ...": comm may hold anything */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	return atoi(p + 4);
}

/*
 * pid and its descendants, from one walk of /proc (children before their
 * parent's walk ends: repeated until no more are found). A malloc'd
 * array, pid first, or NULL after printing why.
 */
static pid_t *tree_of(pid_t pid, size_t *nr)
{
	size_t n = 1, cap = 16, before;
	pid_t *set = malloc(cap * sizeof(*set));

	if (!set) {
		warnx("out of memory");
		return NULL;
	}
	set[0] = pid;
	do {
		struct dirent *de;
		DIR *dir = opendir("/proc");

		before = n;
		if (!dir) {
			warn("/proc");
			free(set);
			return NULL;
		}
		while ((de = readdir(dir))) {
			pid_t p = ckpt_parse_pid(de->d_name), pp;
			size_t i;
			bool have = false, child = false;

			if (p <= 0)
				continue;
			pp = ppid_of(p);
			for (i = 0; i < n; i++) {
				have |= set[i] == p;
				child |= set[i] == pp;
			}
			if (have || !child)
				continue;
			if (n == cap) {
				pid_t *s = realloc(set, 2 * cap * sizeof(*set));

				if (!s) {
					warnx("out of memory");
					closedir(dir);
					free(set);
					return NULL;
				}
				set = s;
				cap *= 2;
			}
			set[n++] = p;
		}
		closedir(dir);
	} while (n != before);
	*nr = n;
	return set;
}

/* Whether pid is the only process in cgroup cg (the root never counts). */
static bool cg_alone(const char *cg, pid_t pid)
{
	char buf[64], want[32];

	if (!strcmp(cg, CG_ROOT))
		return false;
	if (cg_read(cg, "cgroup.procs", buf, sizeof(buf)) < 0)
		return false;
	snprintf(want, sizeof(want), "%d\n", pid);
	return !strcmp(buf, want);
}

static int cg_move(const char *cg, pid_t pid)
{
	char val[32];

	snprintf(val, sizeof(val), "%d", pid);
	return cg_write(cg, "cgroup.procs", val);
}

/* Moves p into the target's own cgroup, remembering where it came from */
static int cg_move_member(struct cgfreeze *cg, pid_t p)
{
	char home[PATH_MAX];
	struct cgmember *m;

	for (size_t i = 0; i < cg->nr_moved; i++)
		if (cg->moved[i].pid == p)
			return 0;
	if (cg_of(p, home, sizeof(home)) < 0)
		return errno == ESRCH || errno == ENOENT ? 0 : -1;
	m = realloc(cg->moved, (cg->nr_moved + 1) * sizeof(*m));
	if (!m) {
		warnx("out of memory");
		return -1;
	}
	cg->moved = m;
	m = &cg->moved[cg->nr_moved];
	m->pid = p;
	m->home = strdup(home);
	if (!m->home) {
		warnx("out of memory");
		return -1;
	}
	if (cg_move(cg->own, p) < 0) {
		free(m->home);
		/* Gone meanwhile: nothing to freeze */
		if (errno == ESRCH)
			return 0;
		warn("cannot move process %d into %s", p, cg->own);
		return -1;
	}
	cg->nr_moved++;
	return 0;
}

/* Moves the tree of pid in; returns how many were moved, -1 on error */
static int cg_move_tree(struct cgfreeze *cg, pid_t pid)
{
	size_t nr, before = cg->nr_moved;
	pid_t *set = tree_of(pid, &nr);
	int ret = 0;

	if (!set)
		return -1;
	for (size_t i = 0; i < nr && !ret; i++)
		ret = cg_move_member(cg, set[i]);
	free(set);
	return ret < 0 ? -1 : (int)(cg->nr_moved - before);
}

#define CG_TREE_ROUNDS	8

int cg_freeze(pid_t pid, struct cgfreeze *cg, const volatile sig_atomic_t *cancel)
{
	size_t nr;
	pid_t *set;
	int moved = 0, round;

	memset(cg, 0, sizeof(*cg));
	if (!have_cgroup2())
		return 1;
	if (cg_of(pid, cg->home, sizeof(cg->home)) < 0)
		return -1;
	set = tree_of(pid, &nr);
	if (!set)
		return -1;
	free(set);

	if (nr == 1 && cg_alone(cg->home, pid)) {
		strcpy(cg->frozen, cg->home);
	} else {
		if ((size_t)snprintf(cg->own, sizeof(cg->own), "%s/ckpt-%d", cg->home,
				     pid) >= sizeof(cg->own)) {
			warnx("%s: cgroup path too long", cg->home);
			return -1;
		}
		if (mkdir(cg->own, 0755) < 0) {
			warn("cannot create cgroup %s", cg->own);
			cg->own[0] = '\0';
			return -1;
		}
		if (cg_move_tree(cg, pid) < 0) {
			cg_thaw(pid, cg);
			return -1;
		}
		strcpy(cg->frozen, cg->own);
	}

	if (cg_write(cg->frozen, "cgroup.freeze", "1") < 0) {
		warn("cannot freeze %s", cg->frozen);
		cg->frozen[0] = '\0';
		cg_thaw(pid, cg);
		return -1;
	}
	/* A child forked before its parent froze is frozen as it moves in */
	for (round = 0; round < CG_TREE_ROUNDS; round++) {
		if (cg_wait(cg->frozen, "frozen", 1, cancel) < 0) {
			cg_thaw(pid, cg);
			return -1;
		}
		if (!cg->own[0])
			return 0;
		moved = cg_move_tree(cg, pid);
		if (moved < 0) {
			cg_thaw(pid, cg);
			return -1;
		}
		if (!moved)
			return 0;
	}
	warnx("process %d: its tree kept growing while it was frozen", pid);
	cg_thaw(pid, cg);
	return -1;
}

int cg_kill_moved(struct cgfreeze *cg, int sig)
{
	int ret = 0;

	for (size_t i = 0; i < cg->nr_moved; i++)
		if (kill(cg->moved[i].pid, sig) < 0 && errno != ESRCH)
			ret = -1;
	return ret;
}

int cg_thaw(pid_t pid, struct cgfreeze *cg)
{
	int ret = 0;

	if (cg->frozen[0]) {
		if (cg_write(cg->frozen, "cgroup.freeze", "0") < 0) {
			warn("cannot thaw %s", cg->frozen);
			ret = -1;
		}
		cg->frozen[0] = '\0';
	}
	for (size_t i = 0; i < cg->nr_moved; i++) {
		struct cgmember *m = &cg->moved[i];

		if (cg_move(m->home, m->pid) < 0 && errno != ESRCH) {
			warn("cannot move process %d back to %s", m->pid, m->home);
			ret = -1;
		}
	}
	(void)pid;
	if (cg->own[0] && cg_release(cg) < 0)
		ret = -1;
	return ret;
}

int cg_release(struct cgfreeze *cg)
{
	if (!cg->own[0])
		return 0;
	/* A killed target leaves its cgroup once it is fully gone */
	if (cg_wait(cg->own, "populated", 0, NULL) < 0 || rmdir(cg->own) < 0) {
		warn("cannot remove cgroup %s", cg->own);
		return -1;
	}
	cg->own[0] = '\0';
	for (size_t i = 0; i < cg->nr_moved; i++)
		free(cg->moved[i].home);
	free(cg->moved);
	cg->moved = NULL;
	cg->nr_moved = 0;
	return 0;
}
