// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt_bench - how fast checkpoint(2) and restart(2) move memory
 *
 *	ckpt_bench [-r REPEAT] [-d DIR] MIB...
 *
 * For each size, a workload process touches MIB MiB of private anonymous
 * memory (every page written with a pattern of its own), stops itself and
 * is checkpointed into a file in DIR (a tmpfs: /tmp in the guest). It is
 * killed, and a fresh process restarts from the file. The restored
 * workload notes the time it resumed, then checks every page of its
 * memory; a wrong byte makes the whole benchmark fail, so a fast number
 * cannot come from a broken restart.
 *
 * Next to each result, measured in the same run and on the same memory
 * size, is what the guest itself does without checkpointing: writing the
 * same amount from memory into a tmpfs file (what `dd if=/dev/zero
 * of=/tmp/x bs=1M` measures) and reading it back into fresh memory. Those
 * are the floors a checkpoint (memory -> file) and a restart (file ->
 * memory) are compared with: the ratio is the fraction of the copy rate
 * reached, 1.00 meaning as fast as a plain copy.
 *
 * With -c CRIU, the same workload is also dumped and restored by CRIU
 * (`criu dump`, then `criu restore -d`, images in DIR), timed from the
 * command's start to the dump's end and to the restored workload's first
 * instruction, so CRIU's figures include starting the criu binary. The
 * trees and the threaded process likewise, timed until `criu restore -d`
 * returns, as mktree -d is.
 *
 * With -t NPROC, a tree of NPROC processes (ten children each, three
 * levels for 100), each with a few touched pages, stops itself and is
 * checkpointed as a subtree; it is killed and restarted by mktree -d, timed
 * until mktree returns, when the kernel has restored every process; then
 * every process must be back with its pid. With -T NTHREADS, the same for
 * one process of NTHREADS threads, each with some stack of its own: every
 * thread must be back with its tid. Then the tree (or process) is started
 * again and left running, and `ckpt -v` checkpoints it as a user would:
 * it freezes the tree with the cgroup freezer, checkpoints it and thaws
 * it, and says how long the tree was kept still, freezing and thawing
 * included.
 *
 * Every figure is the median of REPEAT runs (3 by default). The output is
 * one line per size, "bench: memory ...", and with -c one "bench: criu
 * ..." line next to it; any failure prints "bench: FAILED: why" and exits 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_checkpoint
#define __NR_checkpoint 463
#endif
#ifndef __NR_restart
#define __NR_restart 464
#endif

/* CHECKPOINT_SUBTREE: a plain process, not the init of a pid namespace */
#define CKPT_BENCH_SUBTREE	0x1L

#define MIB		(1024UL * 1024UL)
#define PAGE		4096UL
#define MAX_REPEAT	15
#define CHUNK		MIB

/* Exit statuses of a restored workload */
#define WL_OK		0
#define WL_BAD_PAGE	1	/* a page did not hold its pattern */
#define WL_REPORT	2	/* the report could not be written */
#define WL_RESTART_ERR	100	/* restart(2) failed: 100 + errno */

static const char *dir = "/tmp";
static const char *criu;	/* the criu binary, when CRIU is compared */

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("bench: FAILED: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The word every 8 bytes of page @idx hold */
static uint64_t pattern(size_t idx)
{
	return (idx + 1) * 0x9e3779b97f4a7c15ULL;
}

static void fill(uint64_t *mem, size_t pages)
{
	for (size_t p = 0; p < pages; p++) {
		uint64_t v = pattern(p), *w = mem + p * (PAGE / 8);

		for (size_t i = 0; i < PAGE / 8; i++)
			w[i] = v;
	}
}

/* Index of the first page that does not hold its pattern, or -1 */
static long check(const uint64_t *mem, size_t pages)
{
	for (size_t p = 0; p < pages; p++) {
		uint64_t v = pattern(p);
		const uint64_t *w = mem + p * (PAGE / 8);

		for (size_t i = 0; i < PAGE / 8; i++)
			if (w[i] != v)
				return p;
	}
	return -1;
}

static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap %zu MiB: %s", bytes / MIB, strerror(errno));
	return p;
}

static int open_tmp(const char *name, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	return fd;
}

static void unlink_tmp(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Moves @len bytes between @buf and @fd, 1 MiB at a time, as dd does */
static void copy_all(int fd, char *buf, size_t len, bool to_file)
{
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;
		ssize_t r = to_file ? write(fd, buf, n) : read(fd, buf, n);

		if (r <= 0)
			fail("%s: %s", to_file ? "write" : "read",
			     r < 0 ? strerror(errno) : "short");
		buf += r;
		len -= r;
	}
}

/*
 * The guest's own copy rates for @bytes, in seconds, 1 MiB at a time as
 * dd does: from touched memory into a new tmpfs file (what a checkpoint
 * has to do at least), and from that file into memory not touched yet
 * (what a restart has to do at least: every page is allocated on the way).
 */
static void copy_rates(size_t bytes, double *t_write, double *t_read)
{
	char *buf = map_anon(bytes), *dst;
	int fd = open_tmp("bench-copy", O_RDWR | O_CREAT | O_TRUNC);
	double t0;

	fill((uint64_t *)buf, bytes / PAGE);

	t0 = now();
	copy_all(fd, buf, bytes, true);
	*t_write = now() - t0;
	munmap(buf, bytes);

	if (lseek(fd, 0, SEEK_SET) < 0)
		fail("lseek: %s", strerror(errno));
	dst = map_anon(bytes);
	t0 = now();
	copy_all(fd, dst, bytes, false);
	*t_read = now() - t0;

	if (check((uint64_t *)dst, bytes / PAGE) >= 0)
		fail("the copy through tmpfs changed the data");
	close(fd);
	unlink_tmp("bench-copy");
	munmap(dst, bytes);
}

/* Free space in the image directory, in bytes */
static unsigned long long dir_free(void)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		fail("statfs %s: %s", dir, strerror(errno));
	return (unsigned long long)sf.f_bfree * sf.f_bsize;
}

/*
 * The workload: touch @bytes, stop, and from there on run only as a
 * restored program: note the time, check the memory, report, exit.
 */
static void workload(size_t bytes, int report)
{
	size_t pages = bytes / PAGE;
	uint64_t *mem = map_anon(bytes);
	char line[128];
	double resumed;
	long bad;
	int fd, len;

	/* A session of its own: CRIU dumps only a tree that leads its session */
	setsid();
	fill(mem, pages);

	/* Nothing the checkpoint does not handle: stdio on /dev/null */
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(WL_REPORT);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);

	kill(getpid(), SIGSTOP);

	/* Only a restored copy gets here: the original is killed stopped */
	resumed = now();
	bad = check(mem, pages);
	len = snprintf(line, sizeof(line), "%.9f %ld\n", resumed, bad);
	if (pwrite(report, line, len, 0) != len)
		_exit(WL_REPORT);
	_exit(bad < 0 ? WL_OK : WL_BAD_PAGE);
}

static pid_t spawn_workload(size_t bytes)
{
	int report = open_tmp("bench-report", O_RDWR | O_CREAT | O_TRUNC);
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The report is the one fd the workload keeps */
		if (fcntl(report, F_SETFD, 0) < 0)
			_exit(WL_REPORT);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		workload(bytes, report);
	}
	close(report);

	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		fail("the %zu MiB workload did not stop (status %#x)",
		     bytes / MIB, status);
	return pid;
}

/* Checkpoints the stopped @pid into bench-image: seconds, image size */
static double do_checkpoint(pid_t pid, off_t *size)
{
	int img = open_tmp("bench-image", O_RDWR | O_CREAT | O_TRUNC);
	struct stat st;
	double t0, t;
	long r;

	t0 = now();
	r = syscall(__NR_checkpoint, (long)pid, (long)img, CKPT_BENCH_SUBTREE);
	t = now() - t0;
	if (r <= 0)
		fail("checkpoint(%d): %s", pid, r < 0 ? strerror(errno) : "0");
	if (fstat(img, &st) < 0)
		fail("fstat: %s", strerror(errno));
	*size = st.st_size;
	close(img);
	return t;
}

static void reap_killed(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid(%d): %s", pid, strerror(errno));
}

/*
 * Restarts bench-image in a new process: seconds from before the fork to
 * the moment the restored workload ran again.
 */
static double do_restart(size_t bytes)
{
	char line[128] = "";
	double t0, resumed;
	long bad;
	int status, fd;
	pid_t pid;

	t0 = now();
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int img = open_tmp("bench-image", O_RDONLY);

		syscall(__NR_restart, 0L, (long)img, 0L);
		_exit(WL_RESTART_ERR + errno);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid(%d): %s", pid, strerror(errno));
	if (!WIFEXITED(status))
		fail("the restored %zu MiB workload died (status %#x)",
		     bytes / MIB, status);
	if (WEXITSTATUS(status) >= WL_RESTART_ERR)
		fail("restart: %s", strerror(WEXITSTATUS(status) - WL_RESTART_ERR));

	fd = open_tmp("bench-report", O_RDONLY);
	if (read(fd, line, sizeof(line) - 1) < 0 ||
	    sscanf(line, "%lf %ld", &resumed, &bad) != 2)
		fail("the restored workload left no report (exit status %d)",
		     WEXITSTATUS(status));
	close(fd);
	if (bad >= 0)
		fail("after restart, page %ld of %zu MiB lost its contents",
		     bad, bytes / MIB);
	if (WEXITSTATUS(status) != WL_OK)
		fail("the restored workload exited with %d", WEXITSTATUS(status));
	return resumed - t0;
}

/* ------------------------------------------------------------------ */
/* CRIU, on the same workload                                          */
/* ------------------------------------------------------------------ */

static void tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Empties (creating it if needed) the CRIU image directory: its size */
static off_t criu_dir(int remove)
{
	char path[512], file[1024];
	struct dirent *de;
	struct stat st;
	off_t size = 0;
	DIR *d;

	tmp_path(path, sizeof(path), "bench-criu");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		fail("mkdir %s: %s", path, strerror(errno));
	d = opendir(path);
	if (!d)
		fail("opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (remove)
			unlink(file);
		else if (stat(file, &st) == 0)
			size += st.st_size;
	}
	closedir(d);
	return size;
}

/* Prints the last lines of a CRIU log after a failure */
static void criu_log_tail(const char *log)
{
	char line[512], tail[8][512];
	int n = 0;
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		snprintf(tail[n++ % 8], sizeof(tail[0]), "%s", line);
	fclose(f);
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		printf("bench:   %s: %s", log, tail[i % 8]);
}

/* Runs criu with @args (NULL-terminated, after the command): exit status */
static int run_criu(const char *cmd, const char *log, char *const args[])
{
	char *argv[32];
	int argc = 0, status;
	pid_t pid;

	argv[argc++] = (char *)criu;
	argv[argc++] = (char *)cmd;
	for (int i = 0; args[i] && argc < 28; i++)
		argv[argc++] = args[i];
	argv[argc++] = "-o";
	argv[argc++] = (char *)log;
	argv[argc] = NULL;

	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(criu, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid(criu): %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		criu_log_tail(log);
		fail("criu %s: status %#x (log above)", cmd, status);
	}
	return 0;
}

/* criu dump of the stopped @pid: seconds, image size; the task dies */
static double criu_dump(pid_t pid, off_t *size)
{
	char pidstr[16], images[512], log[512];
	char *args[] = { "-t", pidstr, "-D", images, "--shell-job", NULL };
	double t0, t;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	tmp_path(images, sizeof(images), "bench-criu");
	tmp_path(log, sizeof(log), "bench-criu-dump.log");
	criu_dir(1);

	t0 = now();
	run_criu("dump", log, args);
	t = now() - t0;
	*size = criu_dir(0);
	return t;
}

/*
 * criu restore -d of what bench-criu holds, as a child of this process
 * (-S): returns the pid of the restored root once criu returned, *t0 when
 * the command started.
 */
static pid_t criu_restore_run(double *t0)
{
	char images[512], log[512], pidfile[512];
	char *args[] = { "-D", images, "--shell-job", "-d", "-S",
			 "--pidfile", pidfile, NULL };
	pid_t pid;
	FILE *f;

	tmp_path(images, sizeof(images), "bench-criu");
	tmp_path(log, sizeof(log), "bench-criu-restore.log");
	tmp_path(pidfile, sizeof(pidfile), "bench-criu.pid");
	unlink(pidfile);

	*t0 = now();
	run_criu("restore", log, args);
	f = fopen(pidfile, "r");
	if (!f || fscanf(f, "%d", &pid) != 1)
		fail("criu restore left no pid in %s", pidfile);
	fclose(f);
	unlink(pidfile);
	return pid;
}

/*
 * criu restore of the dumped workload: seconds from the command's start
 * to the moment the workload ran again.
 */
static double criu_restore(size_t bytes)
{
	char line[128] = "";
	double t0, resumed;
	int status, fd;
	long bad;
	pid_t pid;

	pid = criu_restore_run(&t0);
	/* A workload dumped stopped comes back stopped */
	kill(pid, SIGCONT);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid(%d) after criu restore: %s", pid, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != WL_OK)
		fail("the %zu MiB workload restored by criu ended with status %#x",
		     bytes / MIB, status);

	fd = open_tmp("bench-report", O_RDONLY);
	if (read(fd, line, sizeof(line) - 1) < 0 ||
	    sscanf(line, "%lf %ld", &resumed, &bad) != 2 || bad >= 0)
		fail("the workload restored by criu reported \"%s\"", line);
	close(fd);
	return resumed - t0;
}

static void criu_cleanup(void)
{
	char path[512];

	criu_dir(1);
	tmp_path(path, sizeof(path), "bench-criu");
	rmdir(path);
	tmp_path(path, sizeof(path), "bench-criu-dump.log");
	unlink(path);
	tmp_path(path, sizeof(path), "bench-criu-restore.log");
	unlink(path);
}

static void bench_memory(size_t mib, int repeat)
{
	double ckpt[MAX_REPEAT], rst[MAX_REPEAT], wr[MAX_REPEAT], rd[MAX_REPEAT];
	double cdump[MAX_REPEAT], crst[MAX_REPEAT];
	double t_ckpt, t_rst, t_wr, t_rd, t_cdump, t_crst;
	size_t bytes = mib * MIB;
	unsigned long long before = dir_free(), after;
	off_t image = 0, criu_image = 0;

	for (int i = 0; i < repeat; i++) {
		pid_t pid;

		copy_rates(bytes, &wr[i], &rd[i]);
		pid = spawn_workload(bytes);
		ckpt[i] = do_checkpoint(pid, &image);
		reap_killed(pid);
		rst[i] = do_restart(bytes);

		if (!criu)
			continue;
		pid = spawn_workload(bytes);
		cdump[i] = criu_dump(pid, &criu_image);
		reap_killed(pid);
		crst[i] = criu_restore(bytes);
	}
	if (criu)
		criu_cleanup();
	unlink_tmp("bench-image");
	unlink_tmp("bench-report");
	/* An image or file the kernel still holds would show here */
	after = dir_free();
	if (after + MIB < before)
		fail("%llu MiB of %s still in use after the %zu MiB runs",
		     (before - after) / MIB, dir, mib);

	t_ckpt = median(ckpt, repeat);
	t_rst = median(rst, repeat);
	t_wr = median(wr, repeat);
	t_rd = median(rd, repeat);
	printf("bench: memory %5zu MiB  image %7.1f MiB  "
	       "checkpoint %7.3f s %7.0f MiB/s (%.2f of tmpfs write %6.0f MiB/s)  "
	       "restart %7.3f s %7.0f MiB/s (%.2f of tmpfs read %6.0f MiB/s)\n",
	       mib, (double)image / MIB,
	       t_ckpt, mib / t_ckpt, t_wr / t_ckpt, mib / t_wr,
	       t_rst, mib / t_rst, t_rd / t_rst, mib / t_rd);
	if (criu) {
		t_cdump = median(cdump, repeat);
		t_crst = median(crst, repeat);
		printf("bench: criu   %5zu MiB  image %7.1f MiB  "
		       "dump       %7.3f s %7.0f MiB/s (checkpoint is %.2fx as fast)  "
		       "restore %7.3f s %7.0f MiB/s (restart is %.2fx as fast)\n",
		       mib, (double)criu_image / MIB,
		       t_cdump, mib / t_cdump, t_cdump / t_ckpt,
		       t_crst, mib / t_crst, t_crst / t_rst);
	}
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* A tree of processes                                                 */
/* ------------------------------------------------------------------ */

#define TREE_FANOUT	10
#define TREE_PAGES	16	/* touched by each process */
#define TREE_WAIT_S	60

/*
 * Process @i of a tree of @nr: its children are i * TREE_FANOUT + 1 and
 * on. It touches some memory, creates them, notes its pid in @slots and
 * stops; a restarted one stops again (it was stopped), and waits.
 */
static void __attribute__((noreturn)) tree_node(pid_t *slots, int i, int nr)
{
	char *mem = map_anon(TREE_PAGES * PAGE);

	for (size_t p = 0; p < TREE_PAGES; p++)
		mem[p * PAGE] = (char)(i + p);
	for (int c = i * TREE_FANOUT + 1; c <= i * TREE_FANOUT + TREE_FANOUT && c < nr; c++) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid == 0)
			tree_node(slots, c, nr);
	}
	__atomic_store_n(&slots[i], getpid(), __ATOMIC_SEQ_CST);
	/* Shared with the benchmark, outside the image: checkpoint refuses it */
	munmap(slots, nr * sizeof(*slots));
	raise(SIGSTOP);
	for (;;)
		pause();
}

/* How many processes of the tree are stopped; -1 if one is not there yet */
static int tree_nr_stopped(const pid_t *slots, int nr)
{
	char path[64], buf[512], *p;
	int stopped = 0;

	for (int i = 0; i < nr; i++) {
		pid_t pid = __atomic_load_n(&slots[i], __ATOMIC_SEQ_CST);

		if (pid <= 0)
			return false;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return -1;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ')
			return -1;
		stopped += p[2] == 'T';
	}
	return stopped;
}

/* Whether every process of the tree is there and stopped */
static bool tree_stopped(const pid_t *slots, int nr)
{
	return tree_nr_stopped(slots, nr) == nr;
}

static void tree_wait_stopped(const pid_t *slots, int nr, const char *what)
{
	double t0 = now();

	while (!tree_stopped(slots, nr)) {
		if (now() - t0 > TREE_WAIT_S)
			fail("the %d-process tree did not stop %s", nr, what);
		usleep(2000);
	}
}

/* The thread of a process that runs thread_node() */
static void *thread_main(void *arg)
{
	pid_t *slot = arg;
	char mem[TREE_PAGES / 4 * PAGE];

	/* Some stack of its own that the image must hold */
	memset(mem, (int)(uintptr_t)slot, sizeof(mem));
	__asm__ volatile("" : : "r"(mem) : "memory");
	__atomic_store_n(slot, gettid(), __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

/*
 * A process of @nr threads: it touches some memory, starts the other
 * @nr - 1, which note their tids in @slots, notes its pid in @slots[0]
 * once they all did, and stops; a restarted one stops again.
 */
static void __attribute__((noreturn)) thread_node(pid_t *slots, int i, int nr)
{
	char *mem = map_anon(TREE_PAGES * PAGE);
	pthread_t th;

	(void)i;
	for (size_t p = 0; p < TREE_PAGES; p++)
		mem[p * PAGE] = (char)p;
	for (int t = 1; t < nr; t++)
		if (pthread_create(&th, NULL, thread_main, &slots[t]))
			_exit(1);
	for (int t = 1; t < nr; t++)
		while (!__atomic_load_n(&slots[t], __ATOMIC_SEQ_CST))
			usleep(1000);
	__atomic_store_n(&slots[0], getpid(), __ATOMIC_SEQ_CST);
	munmap(slots, nr * sizeof(*slots));
	raise(SIGSTOP);
	for (;;)
		pause();
}

/*
 * The tree (@node is tree_node) or the threaded process (thread_node),
 * stopped; @slots (shared memory) gets every pid or tid
 */
static pid_t spawn_tree(pid_t *slots, int nr,
			void (*node)(pid_t *slots, int i, int nr))
{
	pid_t root;

	memset(slots, 0, nr * sizeof(*slots));
	root = fork();
	if (root < 0)
		fail("fork: %s", strerror(errno));
	if (root == 0) {
		int null = open("/dev/null", O_RDWR);

		/* Nothing shared with the benchmark but the slots */
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(1);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		/* A session of its own: CRIU dumps only a tree that leads its session */
		setsid();
		node(slots, 0, nr);
	}
	tree_wait_stopped(slots, nr, "before the checkpoint");
	return root;
}

static void tree_kill(const pid_t *slots, int nr, pid_t root)
{
	for (int i = 0; i < nr; i++)
		if (slots[i] > 0)
			kill(slots[i], SIGKILL);
	if (root > 0)
		waitpid(root, NULL, 0);
	/* The others come to this process, a subreaper: their pids are free once reaped */
	for (int i = 0; i < nr; i++) {
		char path[64];
		double t0 = now();

		snprintf(path, sizeof(path), "/proc/%d", slots[i]);
		while (slots[i] > 0 && access(path, F_OK) == 0) {
			if (now() - t0 > TREE_WAIT_S)
				fail("pid %d of the tree is still there", slots[i]);
			if (waitpid(-1, NULL, WNOHANG) <= 0)
				usleep(1000);
		}
	}
}

/* mktree -d on bench-image: seconds until it returns, all restored */
static double tree_restart(const pid_t *slots, int nr)
{
	char path[512], out[32] = "";
	int p[2], status;
	double t0, t;
	pid_t pid;
	ssize_t n;

	tmp_path(path, sizeof(path), "bench-image");
	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	t0 = now();
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], 1);
		execlp("mktree", "mktree", "-d", "-i", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid(mktree): %s", strerror(errno));
	t = now() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("mktree -d on the %d-process tree: status %#x", nr, status);
	if (n <= 0 || atoi(out) != slots[0])
		fail("mktree restarted the tree as pid %s, not %d", out, slots[0]);
	/* Each process is back with its pid, stopped as it was */
	tree_wait_stopped(slots, nr, "after the restart");
	return t;
}

/* Lets the stopped tree (or threaded process) run again */
static void tree_continue(const pid_t *slots, int nr, bool threads)
{
	double t0 = now();

	for (int i = 0; i < (threads ? 1 : nr); i++)
		kill(slots[i], SIGCONT);
	while (tree_nr_stopped(slots, nr) != 0) {
		if (now() - t0 > TREE_WAIT_S)
			fail("the %d-process tree did not go on", nr);
		usleep(2000);
	}
}

/*
 * ckpt -v on the running tree whose root is @root: how long ckpt says it
 * kept the tree still, in seconds, and the checkpoint's part of it
 */
static double tree_ckpt_tool(pid_t root, double *syscall_part)
{
	char path[512], pid[16], msg[4096], *p;
	double still, freezing, ckpt, thawing;
	size_t len = 0;
	int e[2], status;
	pid_t child;
	ssize_t n;

	tmp_path(path, sizeof(path), "bench-ckpt-image");
	snprintf(pid, sizeof(pid), "%d", root);
	if (pipe2(e, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0) {
		dup2(e[1], 2);
		execlp("ckpt", "ckpt", "-v", "-o", path, pid, (char *)NULL);
		_exit(127);
	}
	close(e[1]);
	while (len < sizeof(msg) - 1 &&
	       (n = read(e[0], msg + len, sizeof(msg) - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = 0;
	close(e[0]);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("ckpt -v %d: status %#x: %s", root, status, msg);
	unlink(path);
	p = strstr(msg, "kept still for ");
	if (!p || sscanf(p, "kept still for %lf ms: freezing %lf ms, checkpoint %lf ms,"
			 " thawing %lf ms", &still, &freezing, &ckpt, &thawing) != 4)
		fail("ckpt -v %d did not say how long it kept the tree still: %s", root, msg);
	*syscall_part = ckpt / 1000;
	return still / 1000;
}

/*
 * criu restore -d of the dumped tree: seconds until it returns, the tree
 * restored; then every pid must be back, stopped as it was
 */
static double criu_restore_tree(const pid_t *slots, int nr)
{
	double t0, t;
	pid_t pid;

	pid = criu_restore_run(&t0);
	t = now() - t0;
	if (pid != slots[0])
		fail("criu restored the tree as pid %d, not %d", pid, slots[0]);
	tree_wait_stopped(slots, nr, "after criu restore");
	return t;
}

/* A tree of @nr processes (threads: one process of @nr threads) */
static void bench_tree(int nr, bool threads, int repeat)
{
	double ckpt[MAX_REPEAT], rst[MAX_REPEAT], t_ckpt, t_rst;
	double cdump[MAX_REPEAT], crst[MAX_REPEAT], t_cdump, t_crst;
	double still[MAX_REPEAT], still_ckpt[MAX_REPEAT], t_still;
	pid_t *slots = mmap(NULL, nr * sizeof(pid_t), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	off_t image = 0, criu_image = 0;

	if (slots == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	/* The orphans of a killed tree come to this process to be reaped */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));

	for (int i = 0; i < repeat; i++) {
		pid_t root = spawn_tree(slots, nr, threads ? thread_node : tree_node);

		ckpt[i] = do_checkpoint(root, &image);
		tree_kill(slots, nr, root);
		rst[i] = tree_restart(slots, nr);
		tree_kill(slots, nr, 0);

		root = spawn_tree(slots, nr, threads ? thread_node : tree_node);
		tree_continue(slots, nr, threads);
		still[i] = tree_ckpt_tool(root, &still_ckpt[i]);
		tree_kill(slots, nr, root);

		if (!criu)
			continue;
		root = spawn_tree(slots, nr, threads ? thread_node : tree_node);
		cdump[i] = criu_dump(root, &criu_image);
		tree_kill(slots, nr, root);
		crst[i] = criu_restore_tree(slots, nr);
		tree_kill(slots, nr, 0);
	}
	unlink_tmp("bench-image");
	munmap(slots, nr * sizeof(pid_t));
	t_ckpt = median(ckpt, repeat);
	t_rst = median(rst, repeat);
	t_still = median(still, repeat);
	printf("bench: %s %5d %s  image %7.1f MiB  "
	       "checkpoint %7.3f s (%.2f ms a %s, the time the %s is stopped for it)  "
	       "restart with mktree %7.3f s (%.2f ms a %s)\n",
	       threads ? "threads" : "tree   ", nr, threads ? "threads  " : "processes",
	       (double)image / MIB, t_ckpt, 1000 * t_ckpt / nr,
	       threads ? "thread" : "process", threads ? "process" : "tree",
	       t_rst, 1000 * t_rst / nr, threads ? "thread" : "process");
	printf("bench: ckpt   %5d %s  kept still by ckpt -v %7.3f s, freezing and thawing"
	       " included (the checkpoint %.3f s of it)\n",
	       nr, threads ? "threads  " : "processes", t_still, median(still_ckpt, repeat));
	if (criu) {
		t_cdump = median(cdump, repeat);
		t_crst = median(crst, repeat);
		printf("bench: criu   %5d %s  images %6.1f MiB  dump %7.3f s (checkpoint"
		       " %.2fx as fast)  restore %7.3f s (restart %.2fx as fast)\n",
		       nr, threads ? "threads  " : "processes", (double)criu_image / MIB,
		       t_cdump, t_cdump / t_ckpt, t_crst, t_crst / t_rst);
		criu_cleanup();
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int repeat = 3, opt, tree = 0, threads = 0;

	while ((opt = getopt(argc, argv, "r:d:c:t:T:")) != -1) {
		switch (opt) {
		case 't':
			tree = atoi(optarg);
			break;
		case 'T':
			threads = atoi(optarg);
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'c':
			criu = optarg;
			break;
		default:
			goto usage;
		}
	}
	if ((optind == argc && !tree && !threads) || repeat < 1 ||
	    repeat > MAX_REPEAT || tree < 0 || threads < 0)
		goto usage;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench: memory: checkpoint and restart of touched private anonymous memory, to %s, median of %d\n",
	       dir, repeat);
	for (int i = optind; i < argc; i++) {
		long mib = atol(argv[i]);

		if (mib <= 0)
			goto usage;
		bench_memory(mib, repeat);
	}
	if (tree)
		bench_tree(tree, false, repeat);
	if (threads)
		bench_tree(threads, true, repeat);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-r REPEAT(1-%d)] [-d DIR] [-c CRIU] [-t NPROC] [-T NTHREADS]"
		" MIB...\n", argv[0], MAX_REPEAT);
	return 2;
}
