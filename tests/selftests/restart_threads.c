// SPDX-License-Identifier: GPL-2.0
/*
 * A multithreaded process checkpointed while stopped, killed, and
 * restarted by mktree: every thread again, with its tid, and going on
 * where it was.
 *
 * The process has 12 threads besides its main one:
 *  - 8 counters, each counting in its own TLS variable and its own slot
 *    of shared memory, with a signal of its own blocked and queued to it
 *    with a value, and an alternate signal stack of its own (one set
 *    with SS_ONSTACK, which sigaltstack(2) accepts and keeps);
 *  - a futex waiter, a pthread_cond_wait() waiter, a nanosleep() sleeper;
 *    a periodic POSIX timer signals the futex waiter (SIGEV_THREAD_ID),
 *    which takes two of its signals once woken after the restart;
 *  - a thread with a file table and fs context of its own (unshare()),
 *    with a descriptor and a working directory the others do not have,
 *    waiting on the futex too.
 * A signal with a value is pending on the process as a whole.
 *
 * After the restart the main thread checks that the counters go on, that
 * the pending signals are where they were, wakes the waiters, stops the
 * counters and joins every thread (which needs its clear_child_tid), and
 * each thread checks its own tid, TLS, blocked mask and altstack.
 *
 * The image holds the process's state once (one address space, one set
 * of handlers, one of limits and timers) and a file table and fs context
 * for the thread that has its own; a tree record that pretends a thread
 * has an address space of its own is refused and leaves no task.
 */
#include "ckpt_restart.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/prctl.h>

#define NR_COUNTERS	8
#define NR_THREADS	(NR_COUNTERS + 4)
#define COUNT_MIN	2000	/* each counter has counted this far at the stop */
#define SHARED_VALUE	77	/* of the signal pending on the process */
#define OWN_FD		100	/* open in the unsharing thread only */
#define GATE_OPEN	2	/* the futex word, once set after the restart */
#define SIG_TIMER	(SIGRTMIN + 12)	/* of the futex waiter's timer */
#define TIMER_EVERY_NS	(50 * 1000 * 1000)

struct counter {
	pid_t tid;
	pthread_t self;
	void *tls_addr;
	void *altstack;
	volatile uint64_t count;	/* mirrors its TLS count */
	volatile int started;
	int bad;			/* what the thread found wrong, bits */
	char why[96];
};

static struct counter counters[NR_COUNTERS];
static __thread uint64_t tls_count;
static volatile int stop_counting;
static volatile uint32_t gate;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_go;
static pid_t waiter_tids[4];	/* futex, cond, sleeper, unsharing */
static const struct rs_test *test;

static long futex(volatile uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void bad(struct counter *c, int bit, const char *why)
{
	if (!c->bad)
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->bad |= bit;
}

static void *count_main(void *arg)
{
	struct counter *c = arg;
	int i = (int)(c - counters);
	int sig = SIGRTMIN + i;
	stack_t ss = { .ss_size = 16384 }, now;
	struct timespec zero = { 0, 0 };
	sigset_t set, mask;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, sig);
	ss.ss_sp = malloc(ss.ss_size);
	/* Which sigaltstack(2) takes, keeps and never reports */
	if (i == 1)
		ss.ss_flags = SS_ONSTACK;
	if (!ss.ss_sp || pthread_sigmask(SIG_BLOCK, &set, NULL) || sigaltstack(&ss, NULL))
		bad(c, 1, "setup");
	c->tid = gettid();
	c->self = pthread_self();
	c->tls_addr = &tls_count;
	c->altstack = ss.ss_sp;
	c->started = 1;
	while (!stop_counting) {
		c->count = ++tls_count;
		if (!(tls_count % 64))
			usleep(100);
	}

	/* After the restart: is this thread still itself? */
	if (c->count != tls_count)
		bad(c, 2, "TLS count and shared count differ");
	if (gettid() != c->tid || !pthread_equal(pthread_self(), c->self) ||
	    (void *)&tls_count != c->tls_addr)
		bad(c, 4, "tid, pthread_self or TLS address changed");
	if (sigaltstack(NULL, &now) || now.ss_sp != c->altstack || now.ss_size != 16384)
		bad(c, 8, "altstack");
	if (pthread_sigmask(SIG_BLOCK, NULL, &mask) || !sigismember(&mask, sig) ||
	    !sigismember(&mask, SIGUSR2) ||
	    sigismember(&mask, SIGRTMIN + (i + 1) % NR_COUNTERS))
		bad(c, 16, "blocked mask");
	if (sigtimedwait(&set, &si, &zero) != sig || si.si_code != SI_QUEUE ||
	    si.si_value.sival_int != 1000 + i)
		bad(c, 32, "its queued signal");
	return (void *)(uintptr_t)tls_count;
}

/*
 * Also the target of a periodic timer (SIGEV_THREAD_ID) whose signal it
 * blocks: after the restart the timer goes on, so it takes two more.
 */
static void *futex_main(void *arg)
{
	struct timespec wait = { 10, 0 };
	sigset_t set;
	siginfo_t si;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIG_TIMER);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	waiter_tids[0] = gettid();
	while (gate != GATE_OPEN)
		futex(&gate, FUTEX_WAIT, gate);
	for (int i = 0; i < 2; i++)
		if (sigtimedwait(&set, &si, &wait) != SIG_TIMER || si.si_code != SI_TIMER)
			return (void *)(uintptr_t)98;
	return (void *)(uintptr_t)gate;
}

static void *cond_main(void *arg)
{
	int seen;

	(void)arg;
	waiter_tids[1] = gettid();
	pthread_mutex_lock(&cond_lock);
	while (!cond_go)
		pthread_cond_wait(&cond, &cond_lock);
	seen = cond_go;
	pthread_mutex_unlock(&cond_lock);
	return (void *)(uintptr_t)seen;
}

static void *sleep_main(void *arg)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	(void)arg;
	waiter_tids[2] = gettid();
	/* Restarted after the restart, and completed: 0, not EINTR */
	return (void *)(uintptr_t)(nanosleep(&ts, NULL) == 0 ? 1 : 2);
}

/* Has its own files and fs context, with what only it sees */
static void *unshare_main(void *arg)
{
	char sub[128], cwd[128];
	int fd, ok = 1;

	(void)arg;
	snprintf(sub, sizeof(sub), "%s/sub", test->dir);
	if (unshare(CLONE_FILES | CLONE_FS) || chdir(sub))
		return (void *)(uintptr_t)10;
	fd = open("own", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || dup2(fd, OWN_FD) != OWN_FD)
		return (void *)(uintptr_t)11;
	close(fd);
	waiter_tids[3] = gettid();
	while (gate != GATE_OPEN)
		futex(&gate, FUTEX_WAIT, gate);
	if (fcntl(OWN_FD, F_GETFD) < 0)
		ok = 0;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, sub))
		ok = 0;
	return (void *)(uintptr_t)(ok ? 1 : 12);
}

/* The state letter of thread tid of this process, or 0 */
static char task_state(pid_t tid)
{
	char path[64], buf[256], *s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	s = strrchr(buf, ')');
	return s ? s[2] : 0;
}

static int nr_threads(void)
{
	char buf[2048], *s;

	if (read_small_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	s = strstr(buf, "Threads:");
	return s ? atoi(s + 8) : -1;
}

static void __attribute__((noreturn)) threads_target(const struct rs_test *t, const void *arg)
{
	void *(*waiters[4])(void *) = { futex_main, cond_main, sleep_main, unshare_main };
	pthread_t th[NR_THREADS];
	char cwd[128], sub[128];
	union sigval v;
	sigset_t set;
	uint64_t before[NR_COUNTERS];
	int i, waited;

	(void)arg;
	test = t;
	rs_target_enter(t, 0);
	/* Its parent after the restart is mktree -d, which exits */
	if (prctl(PR_SET_PDEATHSIG, 0))
		rs_setup_fail("PR_SET_PDEATHSIG");
	snprintf(sub, sizeof(sub), "%s/sub", t->dir);
	if (mkdir(sub, 0700) || chdir(t->dir))
		rs_setup_fail("directories");
	/* Blocked in every thread: stays pending on the process */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < NR_COUNTERS; i++)
		if (pthread_create(&th[i], NULL, count_main, &counters[i]))
			rs_setup_fail("pthread_create");
	for (i = 0; i < 4; i++)
		if (pthread_create(&th[NR_COUNTERS + i], NULL, waiters[i], NULL))
			rs_setup_fail("pthread_create");
	/* Everyone counted, every waiter waits */
	for (waited = 0; waited < RS_WAIT_MS; waited += 5) {
		for (i = 0; i < NR_COUNTERS; i++)
			if (!counters[i].started || counters[i].count < COUNT_MIN)
				break;
		if (i == NR_COUNTERS) {
			for (i = 0; i < 4; i++)
				if (!waiter_tids[i] || task_state(waiter_tids[i]) != 'S')
					break;
			if (i == 4)
				break;
		}
		ckpt_msleep(5);
	}
	if (waited >= RS_WAIT_MS)
		rs_setup_fail("the threads did not get going");
	{
		struct itimerspec its = { { 0, TIMER_EVERY_NS }, { 0, TIMER_EVERY_NS } };
		struct sigevent sev;
		timer_t tid;

		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
		sev.sigev_signo = SIG_TIMER;
		sev._sigev_un._tid = waiter_tids[0];
		if (timer_create(CLOCK_MONOTONIC, &sev, &tid) ||
		    timer_settime(tid, 0, &its, NULL))
			rs_setup_fail("timer_create");
	}
	for (i = 0; i < NR_COUNTERS; i++) {
		siginfo_t si = { .si_signo = SIGRTMIN + i, .si_code = SI_QUEUE };

		si.si_pid = getpid();
		si.si_uid = getuid();
		si.si_value.sival_int = 1000 + i;
		if (syscall(SYS_rt_tgsigqueueinfo, getpid(), counters[i].tid,
			    SIGRTMIN + i, &si))
			rs_setup_fail("rt_tgsigqueueinfo");
	}
	v.sival_int = SHARED_VALUE;
	if (sigqueue(getpid(), SIGUSR2, v))
		rs_setup_fail("sigqueue");

	rs_stop_here();

	/* Restored: the process is itself again, all of it */
	rs_check(nr_threads() == NR_THREADS + 1, "%d threads, not %d", nr_threads(),
		 NR_THREADS + 1);
	for (i = 0; i < NR_COUNTERS; i++)
		before[i] = counters[i].count;
	for (waited = 0; waited < RS_WAIT_MS; waited += 5) {
		for (i = 0; i < NR_COUNTERS; i++)
			if (counters[i].count == before[i])
				break;
		if (i == NR_COUNTERS)
			break;
		ckpt_msleep(5);
	}
	for (i = 0; i < NR_COUNTERS; i++)
		rs_check(counters[i].count > before[i], "counter %d (tid %d) stands at %llu",
			 i, counters[i].tid, (unsigned long long)before[i]);
	{
		struct timespec zero = { 0, 0 };
		siginfo_t si;

		rs_check(sigtimedwait(&set, &si, &zero) == SIGUSR2 &&
			 si.si_value.sival_int == SHARED_VALUE,
			 "the signal pending on the process");
	}
	rs_check(fcntl(OWN_FD, F_GETFD) < 0 && errno == EBADF,
		 "fd %d of the unsharing thread is in the main table", OWN_FD);
	rs_check(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, t->dir),
		 "the main working directory is %s", cwd);

	gate = GATE_OPEN;
	futex(&gate, FUTEX_WAKE, INT_MAX);
	pthread_mutex_lock(&cond_lock);
	cond_go = 3;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&cond_lock);
	stop_counting = 1;

	for (i = 0; i < NR_THREADS; i++) {
		struct timespec end;
		void *ret = NULL;
		int r;

		clock_gettime(CLOCK_REALTIME, &end);
		end.tv_sec += 20;
		r = pthread_timedjoin_np(th[i], &ret, &end);
		if (!rs_check(r == 0, "thread %d: join: %s", i, strerror(r)))
			continue;
		if (i < NR_COUNTERS) {
			struct counter *c = &counters[i];

			rs_check(!c->bad, "counter %d (tid %d): %s", i, c->tid, c->why);
			rs_check((uint64_t)(uintptr_t)ret == c->count,
				 "counter %d: TLS %llu, memory %llu", i,
				 (unsigned long long)(uintptr_t)ret,
				 (unsigned long long)c->count);
		} else {
			static const uintptr_t want[4] = { GATE_OPEN, 3, 1, 1 };

			rs_check((uintptr_t)ret == want[i - NR_COUNTERS],
				 "waiter %d returned %lu", i - NR_COUNTERS,
				 (unsigned long)(uintptr_t)ret);
		}
	}
	rs_done();
}

/* The records of each type in the image, and its tree record */
struct image_scan {
	unsigned int count[CKPT_HDR_TYPE_MAX];
	off_t tree_off;
	struct ckpt_hdr_tree tree;
	struct ckpt_tree_task tasks[NR_THREADS + 1];
};

static int scan_image(int fd, struct image_scan *s)
{
	off_t off = 0, end = fd_size(fd);
	struct ckpt_hdr h;

	memset(s, 0, sizeof(*s));
	while (off < end) {
		if (pread(fd, &h, sizeof(h), off) != (ssize_t)sizeof(h) || h.len < sizeof(h))
			return -1;
		if (h.type < CKPT_HDR_TYPE_MAX)
			s->count[h.type]++;
		if (h.type == CKPT_HDR_TREE) {
			s->tree_off = off;
			if (pread(fd, &s->tree, sizeof(s->tree), off) != (ssize_t)sizeof(s->tree) ||
			    s->tree.nr_tasks != NR_THREADS + 1 ||
			    pread(fd, s->tasks, sizeof(s->tasks), off + (off_t)sizeof(s->tree)) !=
			    (ssize_t)sizeof(s->tasks))
				return -1;
		}
		off += (off_t)CKPT_ALIGN8(h.len);
	}
	return 0;
}

/* Waits, within RS_WAIT_MS, for pid to be in state; 0 or -1 */
static int wait_proc_state(pid_t pid, char state)
{
	char path[64], buf[512], *s;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int waited = 0; waited < RS_WAIT_MS; waited += 5) {
		if (read_small_file(path, buf, sizeof(buf)) > 0 &&
		    (s = strrchr(buf, ')')) && s[2] == state)
			return 0;
		ckpt_msleep(5);
	}
	return -1;
}

/* ckptinfo's verdict on the image: its exit status, what it said in out */
static int run_ckptinfo(const struct rs_test *t, char *out, size_t size)
{
	char img[64], log[128];
	int status, fd;
	pid_t pid;

	snprintf(img, sizeof(img), "/proc/%d/fd/%d", getpid(), t->img);
	snprintf(log, sizeof(log), "%s/ckptinfo.log", t->dir);
	pid = fork();
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execlp("ckptinfo", "ckptinfo", "-q", img, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait_bounded(pid, &status, RS_WAIT_MS))
		return -1;
	if (read_small_file(log, out, size) < 0)
		out[0] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RS_FIXTURE(threads);

TEST_F_TIMEOUT(threads, restart, 180)
{
	struct rs_test *t = &self->t;
	char err[1024], msg[CKPT_ERROR_MSG_MAX + 1], info[4096];
	struct ckpt_tree_task e;
	struct image_scan s;
	unsigned char *img;
	int status, good;
	pid_t pid, root;
	size_t len;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	rs_spawn(_metadata, t, threads_target, NULL);
	rs_wait_stopped(_metadata, t);
	pid = t->target;
	t->ckpt_id = sys_checkpoint(pid, t->img, CHECKPOINT_SUBTREE);
	if (t->ckpt_id <= 0)
		rs_image_error(t->img, msg, sizeof(msg));
	ASSERT_LT(0, t->ckpt_id) TH_LOG("checkpoint: %s; image: %s",
					strerror((int)-t->ckpt_id), msg);
	reap_kill(&t->target);

	/* One process: its state once, each thread's own state each */
	ASSERT_EQ(0, scan_image(t->img, &s)) TH_LOG("the image does not scan");
	EXPECT_EQ(pid, s.tasks[0].pid);
	for (unsigned int i = 1; i <= NR_THREADS; i++) {
		const struct ckpt_tree_task *k = &s.tasks[i];

		EXPECT_EQ(pid, k->tgid) TH_LOG("task %u", i);
		EXPECT_EQ(1U, k->share_mm) TH_LOG("task %u", i);
		EXPECT_EQ(1U, k->share_sighand) TH_LOG("task %u", i);
	}
	EXPECT_EQ(1U, s.count[CKPT_HDR_MM]);
	EXPECT_EQ(1U, s.count[CKPT_HDR_SIGHAND]);
	EXPECT_EQ(1U, s.count[CKPT_HDR_RLIMITS]);
	EXPECT_EQ(1U, s.count[CKPT_HDR_ITIMERS]);
	EXPECT_EQ(2U, s.count[CKPT_HDR_FD_TABLE]) TH_LOG("the main one, the unsharer's");
	EXPECT_EQ(2U, s.count[CKPT_HDR_FS]);
	EXPECT_EQ(NR_THREADS + 1U, s.count[CKPT_HDR_TASK]);
	EXPECT_EQ(NR_THREADS + 1U, s.count[CKPT_HDR_SIGNAL_TASK]);
	EXPECT_EQ(NR_THREADS + 2U, s.count[CKPT_HDR_SIGPENDING]);
	/* The tools read it as restart will */
	EXPECT_EQ(0, run_ckptinfo(t, info, sizeof(info))) TH_LOG("ckptinfo: %s", info);
	EXPECT_NE(NULL, strstr(info, "valid image")) TH_LOG("ckptinfo: %s", info);

	/* A thread that claims an address space of its own: refused whole */
	ASSERT_EQ(0, lseek(t->img, 0, SEEK_SET));
	ASSERT_EQ(0, fd_slurp(t->img, &img, &len));
	good = t->img;
	t->img = memfd_with(img, len);
	ASSERT_LE(0, t->img);
	e = s.tasks[3];
	e.share_mm = 0;
	ASSERT_EQ((ssize_t)sizeof(e), pwrite(t->img, &e, sizeof(e), s.tree_off +
					     (off_t)(sizeof(s.tree) + 3 * sizeof(e))));
	EXPECT_NE(0, rs_mktree(t, false, false, &root, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "malformed tree record: thread")) TH_LOG("mktree: %s", err);
	EXPECT_NE(0, kill(pid, 0)) TH_LOG("pid %d runs after a refused restart", pid);
	close(t->img);
	t->img = good;
	free(img);

	ASSERT_EQ(0, rs_mktree(t, false, false, &root, err, sizeof(err))) TH_LOG("mktree: %s", err);
	EXPECT_EQ(pid, root);
	/* Stopped at the checkpoint, it stops again: then it may go on */
	ASSERT_EQ(0, wait_proc_state(pid, 'T')) TH_LOG("the restarted process did not stop");
	kill(pid, SIGCONT);
	ASSERT_EQ(0, wait_bounded(pid, &status, RS_WAIT_MS)) {
		kill(pid, SIGKILL);
		TH_LOG("the restarted process did not finish");
	}
	t->status = status;
	rs_read_report(t);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		char str[128];

		TH_LOG("restarted process: %s", rs_exit_meaning(status, str, sizeof(str)));
		rs_log_report(_metadata, t);
	}
	EXPECT_NE(NULL, strstr(t->text, " failed=0\n")) rs_log_report(_metadata, t);
}

/* Only the leader exited: its threads run on, under a zombie leader */
static void *linger_main(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void __attribute__((noreturn)) dead_leader_target(const struct rs_test *t,
							 const void *arg)
{
	pthread_t th;

	(void)arg;
	rs_target_enter(t, 0);
	if (pthread_create(&th, NULL, linger_main, NULL))
		rs_setup_fail("pthread_create");
	pthread_exit(NULL);
}

TEST_F(threads, dead_leader_refused)
{
	struct rs_test *t = &self->t;
	char msg[CKPT_ERROR_MSG_MAX + 1];
	long r;

	rs_spawn(_metadata, t, dead_leader_target, NULL);
	ASSERT_EQ(0, wait_proc_state(t->target, 'Z')) TH_LOG("the leader did not exit");
	kill(t->target, SIGSTOP);
	r = sys_checkpoint(t->target, t->img, CHECKPOINT_SUBTREE);
	rs_image_error(t->img, msg, sizeof(msg));
	EXPECT_EQ(-EOPNOTSUPP, r) TH_LOG("checkpoint: %ld, image: %s", r, msg);
	EXPECT_NE(NULL, strstr(msg, "its leader exited")) TH_LOG("image: %s", msg);
	reap_kill(&t->target);
}

TEST_HARNESS_MAIN
