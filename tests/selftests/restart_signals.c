// SPDX-License-Identifier: GPL-2.0
/*
 * Pending signals across checkpoint and restart: a target with signals
 * pending stops itself, is checkpointed and killed; the restored program
 * finds them pending again, on the same queue (its own or its process's),
 * with the same siginfo (see ckpt_restart.h for the pattern).
 *
 *  queued               blocked SIGUSR1 (tgkill(): the task's own queue),
 *                       SIGUSR2 (kill()) and real-time signals with values
 *                       (sigqueue(): the process's queue; one with
 *                       rt_tgsigqueueinfo(): the task's), taken back with
 *                       sigtimedwait() in the order they were sent; signals
 *                       pending in the restarter do not survive
 *  unblocked_after      a blocked SIGUSR1 pending at checkpoint is handled
 *                       once, with its siginfo, when the restored program
 *                       unblocks it
 *  delivered_on_resume  SIGUSR1 and a real-time signal the test sends to the
 *                       stopped target, not blocked, are handled as soon
 *                       as the restored program resumes
 *  without_info         a signal pending without siginfo (sent over
 *                       RLIMIT_SIGPENDING) comes back without it
 */
#include "ckpt_restart.h"

RS_FIXTURE(restart);

/* ------------------------------------------------------------------ */
/* Helpers of the target and restored program                          */
/* ------------------------------------------------------------------ */

/* sigpending(2): the blocked signals pending on either queue */
static uint64_t pending_set(void)
{
	uint64_t set = 0;

	syscall(SYS_rt_sigpending, &set, 8);
	return set;
}

/* Pending on this task's own queue (SigPnd) and its process's (ShdPnd) */
static uint64_t pending_task(void)
{
	return proc_status_mask(getpid(), "SigPnd:");
}

static uint64_t pending_shared(void)
{
	return proc_status_mask(getpid(), "ShdPnd:");
}

/* sigqueue(2) of sig with a 64-bit value */
static int queue_value(pid_t pid, int sig, uint64_t value)
{
	union sigval v;

	memset(&v, 0, sizeof(v));
	v.sival_ptr = (void *)(uintptr_t)value;
	return sigqueue(pid, sig, v);
}

/* sig with SI_QUEUE and value to the thread tid of tgid: its own queue */
static long tgsigqueue_value(pid_t tgid, pid_t tid, int sig, uint64_t value)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)value;
	return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
}

static int block(const int *sigs, size_t n)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A check of a siginfo: signo, errno 0, code, pid, uid and value */
static void check_info(const siginfo_t *si, int sig, int code, pid_t pid, uid_t uid,
		       uint64_t value, const char *what)
{
	uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;

	rs_check(si->si_signo == sig && si->si_errno == 0 && si->si_code == code &&
		 si->si_pid == pid && si->si_uid == uid && v == value,
		 "%s: siginfo signo %d errno %d code %d pid %d uid %u value %#llx; expected %d 0 %d %d %u %#llx",
		 what, si->si_signo, si->si_errno, si->si_code, si->si_pid, si->si_uid,
		 (unsigned long long)v, sig, code, pid, uid, (unsigned long long)value);
}

/*
 * sigtimedwait() as the kernel answers it: glibc's wrapper turns SI_TKILL
 * into SI_USER, which would hide what restart queued.
 */
static int raw_sigtimedwait(const sigset_t *set, siginfo_t *si,
			    const struct timespec *timeout)
{
	return (int)syscall(SYS_rt_sigtimedwait, set, si, timeout, CKPT_NSIG / 8);
}

/* rt_sigtimedwait() for sig alone, without waiting: sig, or -1 */
static int take_now(int sig, siginfo_t *si)
{
	static const struct timespec zero;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return raw_sigtimedwait(&set, si, &zero);
}

/*
 * Take signal sig without waiting: it must be there, with this siginfo.
 */
static void take(int sig, int code, pid_t pid, uid_t uid, uint64_t value, const char *what)
{
	siginfo_t si;
	int r;

	memset(&si, 0x5a, sizeof(si));
	r = take_now(sig, &si);
	if (!rs_check(r == sig, "%s: sigtimedwait gave %d (%s), expected signal %d", what, r,
		      r < 0 ? strerror(errno) : "a signal", sig))
		return;
	check_info(&si, sig, code, pid, uid, value, what);
}

/* No further instance of sig is pending. */
static void none_left(int sig, const char *what)
{
	siginfo_t si;
	int r;

	r = take_now(sig, &si);
	rs_check(r < 0 && errno == EAGAIN, "%s: one more pending (sigtimedwait gave %d, value %#llx)",
		 what, r, r > 0 ? (unsigned long long)(uintptr_t)si.si_value.sival_ptr : 0ULL);
}

/* What the handler saw, per signal */
static volatile sig_atomic_t hits[CKPT_NSIG + 1];
static siginfo_t seen[CKPT_NSIG + 1];

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig < 1 || sig > CKPT_NSIG)
		return;
	hits[sig]++;
	seen[sig] = *si;
}

static int handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* ------------------------------------------------------------------ */
/* queued                                                              */
/* ------------------------------------------------------------------ */

#define QUEUED_VALUE	0x7072697600000042ULL	/* of SIGRTMIN+2, the task's queue */

static void queued_target(const struct rs_test *t, const void *arg)
{
	const int rt0 = SIGRTMIN, rt1 = SIGRTMIN + 1, rt2 = SIGRTMIN + 2;
	/* SIGWINCH and SIGRTMIN+3: blocked, nothing sent (the restarter's decoys) */
	const int sigs[] = { SIGUSR1, SIGUSR2, SIGWINCH, rt0, rt1, rt2, SIGRTMIN + 3 };
	uint64_t want_task, want_shared, got_task, got_shared, blocked0;
	pid_t pid0, tid0;
	uid_t uid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	tid0 = gettid();
	uid0 = getuid();
	if (block(sigs, sizeof(sigs) / sizeof(sigs[0])))
		rs_setup_fail("sigprocmask");
	if (pending_set())
		rs_setup_fail("signals pending before the test: %#llx",
			      (unsigned long long)pending_set());
	for (uint64_t v = 1; v <= 3; v++)
		if (queue_value(pid0, rt0, v))
			rs_setup_fail("sigqueue(SIGRTMIN, %llu)", (unsigned long long)v);
	if (queue_value(pid0, rt1, 7))
		rs_setup_fail("sigqueue(SIGRTMIN+1, 7)");
	if (kill(pid0, SIGUSR2))
		rs_setup_fail("kill(SIGUSR2)");
	if (syscall(SYS_tgkill, pid0, tid0, SIGUSR1))
		rs_setup_fail("tgkill(SIGUSR1)");
	if (tgsigqueue_value(pid0, tid0, rt2, QUEUED_VALUE))
		rs_setup_fail("rt_tgsigqueueinfo(SIGRTMIN+2)");
	want_task = rs_sigbit(SIGUSR1) | rs_sigbit(rt2);
	want_shared = rs_sigbit(SIGUSR2) | rs_sigbit(rt0) | rs_sigbit(rt1);
	got_task = pending_task();
	got_shared = pending_shared();
	if (got_task != want_task || got_shared != want_shared)
		rs_setup_fail("pending: %#llx on the task, %#llx on the process; expected %#llx, %#llx",
			      (unsigned long long)got_task, (unsigned long long)got_shared,
			      (unsigned long long)want_task, (unsigned long long)want_shared);
	blocked0 = rs_blocked();

	rs_stop_here();

	rs_restored_begin(pid0);
	got_task = pending_task();
	got_shared = pending_shared();
	rs_check(got_task == want_task,
		 "pending on the task's own queue (SigPnd): %#llx, expected %#llx",
		 (unsigned long long)got_task, (unsigned long long)want_task);
	rs_check(got_shared == want_shared,
		 "pending on the process's queue (ShdPnd): %#llx, expected %#llx",
		 (unsigned long long)got_shared, (unsigned long long)want_shared);
	rs_check(pending_set() == (want_task | want_shared), "sigpending() gives %#llx, expected %#llx",
		 (unsigned long long)pending_set(),
		 (unsigned long long)(want_task | want_shared));
	rs_check(rs_blocked() == blocked0, "blocked mask is %#llx, was %#llx",
		 (unsigned long long)rs_blocked(), (unsigned long long)blocked0);

	/* si_pid is the pid of the sender, the original target */
	take(rt0, SI_QUEUE, pid0, uid0, 1, "SIGRTMIN, sent first");
	take(rt0, SI_QUEUE, pid0, uid0, 2, "SIGRTMIN, sent second");
	take(rt0, SI_QUEUE, pid0, uid0, 3, "SIGRTMIN, sent third");
	none_left(rt0, "SIGRTMIN, after three");
	take(rt1, SI_QUEUE, pid0, uid0, 7, "SIGRTMIN+1");
	none_left(rt1, "SIGRTMIN+1, after one");
	take(rt2, SI_QUEUE, pid0, uid0, QUEUED_VALUE, "SIGRTMIN+2 (the task's queue)");
	take(SIGUSR2, SI_USER, pid0, uid0, 0, "SIGUSR2 (kill)");
	rs_check(pending_task() == rs_sigbit(SIGUSR1),
		 "the task's queue holds %#llx, expected SIGUSR1 alone",
		 (unsigned long long)pending_task());
	take(SIGUSR1, SI_TKILL, pid0, uid0, 0, "SIGUSR1 (tgkill)");
	none_left(SIGUSR1, "SIGUSR1, after one");
	rs_check(pending_set() == 0 && pending_task() == 0 && pending_shared() == 0,
		 "pending after taking them all: %#llx (task %#llx, process %#llx)",
		 (unsigned long long)pending_set(), (unsigned long long)pending_task(),
		 (unsigned long long)pending_shared());
	rs_done();
}

/*
 * In the restarter, just before restart(2): signals pending on itself,
 * SIGWINCH on its process's queue, SIGRTMIN+3 on its own. The image has
 * them blocked, and pending on neither queue: the restored task must not
 * have them.
 */
static int pend_decoys(void)
{
	const int sigs[] = { SIGWINCH, SIGRTMIN + 3 };

	if (block(sigs, 2) || kill(getpid(), SIGWINCH) ||
	    syscall(SYS_tgkill, getpid(), gettid(), SIGRTMIN + 3))
		return -1;
	if (proc_status_mask(getpid(), "ShdPnd:") != rs_sigbit(SIGWINCH) ||
	    proc_status_mask(getpid(), "SigPnd:") != rs_sigbit(SIGRTMIN + 3))
		return -1;
	return 0;
}

static const struct rs_restart_opts with_decoys = { .before = pend_decoys };

/*
 * Blocked signals pending on both queues, real-time ones queued several
 * times with values: all pending again after the restart, each on its
 * queue, with its siginfo, in the order sent; none of the restarter's.
 */
TEST_F_TIMEOUT(restart, queued, 60)
{
	struct rs_test *t = &self->t;

	rs_spawn(_metadata, t, queued_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);
	rs_restart_fd(_metadata, t, t->img, &with_decoys);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

/* ------------------------------------------------------------------ */
/* unblocked_after                                                     */
/* ------------------------------------------------------------------ */

static void unblock_target(const struct rs_test *t, const void *arg)
{
	const int usr1 = SIGUSR1;
	sigset_t set;
	pid_t pid0;
	uid_t uid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	uid0 = getuid();
	if (handle(SIGUSR1) || block(&usr1, 1))
		rs_setup_fail("sigaction/sigprocmask");
	if (kill(pid0, SIGUSR1))
		rs_setup_fail("kill(SIGUSR1)");
	if (hits[SIGUSR1] || pending_set() != rs_sigbit(SIGUSR1))
		rs_setup_fail("SIGUSR1: handled %d times, pending %#llx", (int)hits[SIGUSR1],
			      (unsigned long long)pending_set());

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(hits[SIGUSR1] == 0, "the handler of the blocked SIGUSR1 ran %d times",
		 (int)hits[SIGUSR1]);
	rs_check(pending_shared() == rs_sigbit(SIGUSR1) && pending_task() == 0,
		 "pending: %#llx on the process, %#llx on the task; expected SIGUSR1 on the process",
		 (unsigned long long)pending_shared(), (unsigned long long)pending_task());
	rs_check(rs_blocked() & rs_sigbit(SIGUSR1), "SIGUSR1 is not blocked (mask %#llx)",
		 (unsigned long long)rs_blocked());

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);	/* handled on the way out */
	rs_check(hits[SIGUSR1] == 1, "after unblocking SIGUSR1 its handler ran %d times, expected once",
		 (int)hits[SIGUSR1]);
	if (hits[SIGUSR1])
		check_info(&seen[SIGUSR1], SIGUSR1, SI_USER, pid0, uid0, 0, "SIGUSR1 (kill)");
	rs_check(pending_set() == 0 && pending_shared() == 0 && pending_task() == 0,
		 "pending after the handler: %#llx", (unsigned long long)pending_shared());
	getppid();
	rs_check(hits[SIGUSR1] == 1, "the SIGUSR1 handler ran %d times", (int)hits[SIGUSR1]);
	rs_done();
}

/* A blocked signal pending at checkpoint is handled once unblocked. */
TEST_F_TIMEOUT(restart, unblocked_after, 60)
{
	rs_run(_metadata, &self->t, unblock_target, NULL);
}

/* ------------------------------------------------------------------ */
/* delivered_on_resume                                                 */
/* ------------------------------------------------------------------ */

#define RESUME_RT	(SIGRTMIN + 1)
#define RESUME_VALUE	0x726573756d650077ULL

static void resume_target(const struct rs_test *t, const void *arg)
{
	int h_usr1, h_rt;
	pid_t pid0;
	uid_t uid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	uid0 = getuid();
	if (handle(SIGUSR1) || handle(RESUME_RT))
		rs_setup_fail("sigaction");
	if (rs_blocked() & (rs_sigbit(SIGUSR1) | rs_sigbit(RESUME_RT)))
		rs_setup_fail("blocked: %#llx", (unsigned long long)rs_blocked());

	rs_stop_here();		/* the test sends both signals while we are stopped */

	h_usr1 = hits[SIGUSR1];
	h_rt = hits[RESUME_RT];
	rs_restored_begin(pid0);
	rs_check(h_usr1 == 1, "when the restored program resumed, the SIGUSR1 handler had run %d times, expected once",
		 h_usr1);
	rs_check(h_rt == 1, "when the restored program resumed, the SIGRTMIN+1 handler had run %d times, expected once",
		 h_rt);
	/* sent by the test process */
	if (h_usr1)
		check_info(&seen[SIGUSR1], SIGUSR1, SI_USER, t->parent, uid0, 0, "SIGUSR1 (kill)");
	if (h_rt)
		check_info(&seen[RESUME_RT], RESUME_RT, SI_QUEUE, t->parent, uid0, RESUME_VALUE,
			   "SIGRTMIN+1 (sigqueue)");
	rs_check(pending_task() == 0 && pending_shared() == 0,
		 "still pending: %#llx on the task, %#llx on the process",
		 (unsigned long long)pending_task(), (unsigned long long)pending_shared());
	rs_check(hits[SIGUSR1] == 1 && hits[RESUME_RT] == 1, "handlers ran %d and %d times",
		 (int)hits[SIGUSR1], (int)hits[RESUME_RT]);
	rs_done();
}

/*
 * Signals sent to the stopped target, not blocked, wait pending (a stopped
 * task does not take them); the restored program handles them as it
 * resumes, before it goes on after its stop point.
 */
TEST_F_TIMEOUT(restart, delivered_on_resume, 60)
{
	uint64_t want = rs_sigbit(SIGUSR1) | rs_sigbit(RESUME_RT), shd;
	struct rs_test *t = &self->t;
	union sigval v;

	rs_spawn(_metadata, t, resume_target, NULL);
	rs_wait_stopped(_metadata, t);
	memset(&v, 0, sizeof(v));
	v.sival_ptr = (void *)(uintptr_t)RESUME_VALUE;
	ASSERT_EQ(0, kill(t->target, SIGUSR1));
	ASSERT_EQ(0, sigqueue(t->target, RESUME_RT, v));
	shd = proc_status_mask(t->target, "ShdPnd:");
	ASSERT_EQ(want, shd) TH_LOG("pending on the stopped target: %#llx",
				    (unsigned long long)shd);
	ASSERT_EQ('T', proc_state(t->target));
	rs_checkpoint_kill(_metadata, t);
	rs_restart(_metadata, t, NULL);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

/* ------------------------------------------------------------------ */
/* without_info                                                        */
/* ------------------------------------------------------------------ */

static void noinfo_target(const struct rs_test *t, const void *arg)
{
	const int sigs[] = { SIGUSR1, SIGUSR2 };
	struct rlimit rl0, rl;
	pid_t pid0;
	uid_t uid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	uid0 = getuid();
	if (block(sigs, 2) || getrlimit(RLIMIT_SIGPENDING, &rl0))
		rs_setup_fail("sigprocmask/getrlimit");
	/* no room for a siginfo: tgkill() sets the signal without one */
	rl = rl0;
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_SIGPENDING, &rl))
		rs_setup_fail("setrlimit(RLIMIT_SIGPENDING, 0)");
	if (syscall(SYS_tgkill, pid0, gettid(), SIGUSR1))
		rs_setup_fail("tgkill(SIGUSR1)");
	if (setrlimit(RLIMIT_SIGPENDING, &rl0))
		rs_setup_fail("setrlimit(RLIMIT_SIGPENDING) back");
	if (kill(pid0, SIGUSR2))
		rs_setup_fail("kill(SIGUSR2)");
	if (pending_task() != rs_sigbit(SIGUSR1) || pending_shared() != rs_sigbit(SIGUSR2))
		rs_setup_fail("pending: %#llx on the task, %#llx on the process",
			      (unsigned long long)pending_task(), (unsigned long long)pending_shared());

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(pending_task() == rs_sigbit(SIGUSR1) && pending_shared() == rs_sigbit(SIGUSR2),
		 "pending: %#llx on the task, %#llx on the process; expected SIGUSR1, SIGUSR2",
		 (unsigned long long)pending_task(), (unsigned long long)pending_shared());
	/* what the kernel makes up for a signal without siginfo */
	take(SIGUSR1, SI_USER, 0, 0, 0, "SIGUSR1 (pending without siginfo)");
	take(SIGUSR2, SI_USER, pid0, uid0, 0, "SIGUSR2 (kill)");
	rs_check(pending_set() == 0, "pending after taking both: %#llx",
		 (unsigned long long)pending_set());
	rs_done();
}

/*
 * A signal pending without siginfo (the image has its bit and no info)
 * comes back the same: pending, and taken with the siginfo of SI_USER from
 * pid 0, not with one made up at restart.
 */
TEST_F_TIMEOUT(restart, without_info, 60)
{
	struct ckpt_hdr_sigpending tp, sp;
	struct rs_test *t = &self->t;
	struct ckpt_image img;
	ssize_t ti, si;

	rs_spawn(_metadata, t, noinfo_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);

	/* what the test relies on: the image has SIGUSR1 without siginfo */
	ASSERT_EQ(0, ckpt_image_load_fd(t->img, &img));
	ti = ckpt_image_sigpending(&img, 0, &tp);
	si = ckpt_image_sigpending(&img, 1, &sp);
	ASSERT_LE(0, ti) TH_LOG("no SIGPENDING record in the image");
	ASSERT_LE(0, si) TH_LOG("no second SIGPENDING record in the image");
	EXPECT_EQ((uint32_t)CKPT_SIGPENDING_TASK, tp.queue);
	EXPECT_EQ(rs_sigbit(SIGUSR1), tp.signal);
	EXPECT_EQ(0U, tp.nr_info) TH_LOG("the task's SIGUSR1 has a siginfo in the image");
	EXPECT_EQ((uint32_t)CKPT_SIGPENDING_SHARED, sp.queue);
	EXPECT_EQ(rs_sigbit(SIGUSR2), sp.signal);
	EXPECT_EQ(1U, sp.nr_info);
	ckpt_image_free(&img);

	rs_restart(_metadata, t, NULL);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

TEST_HARNESS_MAIN
