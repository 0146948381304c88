// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restart of a task blocked in a system call (see
 * ckpt_restart.h for the pattern). The target blocks; about 0.8 s later
 * the test freezes it with the cgroup v2 freezer (or stops it with
 * SIGSTOP), checkpoints it, kills it and restarts it.
 *
 *  sleep.*      nanosleep, clock_nanosleep (relative and absolute), futex
 *               wait (shared and private) and poll with a 3 s timeout: the
 *               restored task sleeps what was left, neither nothing nor a
 *               fresh 3 s, and the call returns as if never interrupted
 *  pause        pause() keeps waiting after the restart, until a signal
 *               with a handler comes
 *  poll_no_timeout  poll() without a timeout, likewise
 *  sigsuspend   sigsuspend() keeps waiting with its temporary mask (a
 *               signal it blocks stays pending), returns on a signal it
 *               lets through and puts the old mask back
 */
#include "ckpt_restart.h"

#include <linux/futex.h>

#define SLEEP_NS	(3 * RS_NSEC_PER_SEC)
#define SLEEP_MS	3000
/*
 * How long into its 3 s sleep the target is frozen. Late enough that a
 * fresh 3 s sleep after the restart stands out from the remaining time
 * even if the restart itself is slow (emulation), early enough that what
 * is left after the restart is clearly more than 1 s.
 */
#define FREEZE_AFTER_MS	800
#define RESTART_AFTER_MS 200	/* pause between the checkpoint and the restart */

#define COMM_SLEEPER	"ckpt-sleeper"
#define COMM_PAUSE	"ckpt-pause"
#define COMM_POLL	"ckpt-poll"
#define COMM_SIGSUSPEND	"ckpt-sigsusp"

/*
 * Wait until *pid is blocked in system call nr (or in restart_syscall if
 * also_restart) and, if comm is given, is named comm. 0, or -1 with *seen
 * the last system call seen, or with *pid reaped (cleared) and its wait
 * status in *status if it ended.
 */
static int wait_blocked_in(pid_t *pid, long nr, int also_restart, const char *comm, long *seen,
			   int *status)
{
	char name[64];

	*seen = -1;
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 2) {
		if (waitpid(*pid, status, WNOHANG) == *pid) {
			*pid = 0;
			return -1;
		}
		*seen = rs_proc_syscall(*pid);
		if (comm)
			rs_proc_comm(*pid, name, sizeof(name));
		if ((*seen == nr || (also_restart && *seen == SYS_restart_syscall)) &&
		    (!comm || !strcmp(name, comm)) && proc_state(*pid) == 'S')
			return 0;
		ckpt_msleep(2);
	}
	return -1;
}

/* *pid must get blocked in nr; if it ends instead, say how and log the report. */
static void expect_blocked(struct __test_metadata *_metadata, struct rs_test *t, pid_t *pid,
			   long nr, int also_restart, const char *comm, const char *who)
{
	pid_t p = *pid;
	int status = 0;
	char name[64], s[256];
	long seen;

	if (!wait_blocked_in(pid, nr, also_restart, comm, &seen, &status))
		return;
	rs_read_report(t);
	if (!*pid) {
		ASSERT_TRUE(0) {
			TH_LOG("%s %d ended instead of blocking in system call %ld: %s", who, p, nr,
			       rs_exit_meaning(status, s, sizeof(s)));
			rs_log_report(_metadata, t);
		}
	}
	rs_proc_comm(p, name, sizeof(name));
	ASSERT_TRUE(0) {
		TH_LOG("%s %d is not blocked in system call %ld as \"%s\": syscall %ld, state %c, comm \"%s\"",
		       who, p, nr, comm ? comm : "?", seen, proc_state(p) ? proc_state(p) : '-', name);
		rs_log_report(_metadata, t);
	}
}

/* Is the cgroup v2 freezer there? 0 or -errno */
static int freezer_available(void)
{
	struct rs_cgroup cg;
	int r = rs_cg_create(&cg, "ckpt_rs_probe");

	rs_cg_remove(&cg);
	return r;
}

/*
 * Freeze (or SIGSTOP) the blocked target, checkpoint it, kill it. The
 * cgroup is gone before anything is asserted.
 */
static void freeze_checkpoint_kill(struct __test_metadata *_metadata, struct rs_test *t,
				   int use_sigstop)
{
	char msg[CKPT_ERROR_MSG_MAX + 1] = "", s[96] = "";
	struct rs_cgroup cg = { "" };
	const char *failed = NULL;
	pid_t pid = t->target;
	int r = 0, status = 0;

	if (use_sigstop) {
		if (kill(pid, SIGSTOP) || waitpid(pid, &status, WUNTRACED) != pid ||
		    !WIFSTOPPED(status)) {
			failed = "stop the target with SIGSTOP";
			rs_status_str(status, s, sizeof(s));
		}
	} else {
		r = rs_cg_create(&cg, "ckpt_rs");
		if (!r)
			r = rs_cg_freeze_pid(&cg, pid);
		if (r)
			failed = "freeze the target in a cgroup";
	}
	if (!failed) {
		t->ckpt_id = sys_checkpoint(pid, t->img, CHECKPOINT_SUBTREE);
		clock_gettime(CLOCK_MONOTONIC, &t->t_ckpt);
		if (t->ckpt_id <= 0)
			rs_image_error(t->img, msg, sizeof(msg));
	}
	reap_kill(&t->target);
	rs_cg_remove(&cg);

	ASSERT_EQ(NULL, failed) TH_LOG("could not %s: %s %s", failed,
				       r ? strerror(-r) : strerror(errno), s);
	ASSERT_LT(0, t->ckpt_id) TH_LOG("checkpoint(%d) of the %s target: %s; image: %s", pid,
					use_sigstop ? "stopped" : "frozen",
					t->ckpt_id < 0 ? strerror((int)-t->ckpt_id) : "returned 0",
					msg);
	rs_check_image(_metadata, t->img, t->ckpt_id, pid);
}

#define REQUIRE_FREEZER() do {								\
	int __r = freezer_available();							\
											\
	if (__r)									\
		SKIP(return, "no cgroup v2 freezer: %s", strerror(-__r));		\
} while (0)

/* The restored task must still be waiting after the quiet period. */
static void expect_still_waiting(struct __test_metadata *_metadata, struct rs_test *t,
				 const char *why)
{
	char s[256];
	int status = 0;

	ckpt_msleep(CKPT_QUIET_MS);
	if (waitpid(t->restarter, &status, WNOHANG) != t->restarter)
		return;
	t->restarter = 0;
	t->status = status;
	rs_read_report(t);
	ASSERT_TRUE(0) {
		TH_LOG("the restored task %d ended %s: %s", t->restarter_pid, why,
		       rs_exit_meaning(status, s, sizeof(s)));
		rs_log_report(_metadata, t);
	}
}

/* ------------------------------------------------------------------ */
/* timed sleeps                                                        */
/* ------------------------------------------------------------------ */

enum sleep_kind {
	SK_NANOSLEEP,
	SK_CLOCK_REL,
	SK_CLOCK_ABS,
	SK_FUTEX,
	SK_FUTEX_PRIVATE,
	SK_POLL,
};

FIXTURE(sleep) {
	struct rs_test t;
};

FIXTURE_VARIANT(sleep) {
	enum sleep_kind kind;
	long nr;		/* the system call it blocks in */
	int expect_err;		/* errno it returns with, 0 for success */
	int use_sigstop;	/* stopped with SIGSTOP rather than frozen */
};

FIXTURE_VARIANT_ADD(sleep, nanosleep) {
	.kind = SK_NANOSLEEP, .nr = SYS_nanosleep,
};

FIXTURE_VARIANT_ADD(sleep, nanosleep_sigstop) {
	.kind = SK_NANOSLEEP, .nr = SYS_nanosleep, .use_sigstop = 1,
};

FIXTURE_VARIANT_ADD(sleep, clock_nanosleep) {
	.kind = SK_CLOCK_REL, .nr = SYS_clock_nanosleep,
};

FIXTURE_VARIANT_ADD(sleep, clock_nanosleep_abstime) {
	.kind = SK_CLOCK_ABS, .nr = SYS_clock_nanosleep,
};

FIXTURE_VARIANT_ADD(sleep, futex_wait) {
	.kind = SK_FUTEX, .nr = SYS_futex, .expect_err = ETIMEDOUT,
};

FIXTURE_VARIANT_ADD(sleep, futex_wait_private) {
	.kind = SK_FUTEX_PRIVATE, .nr = SYS_futex, .expect_err = ETIMEDOUT,
};

FIXTURE_VARIANT_ADD(sleep, poll) {
	.kind = SK_POLL, .nr = SYS_poll,
};

FIXTURE_SETUP(sleep)
{
	rs_init(_metadata, &self->t);
}

FIXTURE_TEARDOWN(sleep)
{
	rs_cleanup(&self->t);
}

static uint32_t futex_word;

static void sleep_target(const struct rs_test *t, const void *arg)
{
	const FIXTURE_VARIANT(sleep) *v = arg;
	struct timespec req = { SLEEP_MS / 1000, 0 }, rem = { 0, 0 }, t0, t1, abs;
	struct pollfd pfd = { .fd = -1 };
	long ret = -1;
	int err = 0;
	pid_t pid0;

	rs_target_enter(t, 0);
	pid0 = getpid();
	if (prctl(PR_SET_NAME, COMM_SLEEPER))
		rs_setup_fail("PR_SET_NAME");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	abs = t0;
	abs.tv_sec += SLEEP_MS / 1000;
	switch (v->kind) {
	case SK_NANOSLEEP:
		ret = syscall(SYS_nanosleep, &req, &rem);
		break;
	case SK_CLOCK_REL:
		ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem);
		break;
	case SK_CLOCK_ABS:
		ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
		break;
	case SK_FUTEX:
		ret = syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, &req, NULL, 0);
		break;
	case SK_FUTEX_PRIVATE:
		ret = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &req, NULL, 0);
		break;
	case SK_POLL:
		ret = syscall(SYS_poll, &pfd, 1, SLEEP_MS);
		break;
	}
	err = ret < 0 ? errno : 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);

	rs_restored_begin(pid0);
	rs_say("slept ret=%ld errno=%d t0=%lld t1=%lld", ret, err, (long long)ts_ns(&t0),
	       (long long)ts_ns(&t1));
	if (v->expect_err)
		rs_check(ret == -1 && err == v->expect_err, "the call returned %ld, errno %d (%s); expected -1, %s",
			 ret, err, strerror(err), strerror(v->expect_err));
	else
		rs_check(ret == 0, "the call returned %ld, errno %d (%s); expected 0", ret, err,
			 strerror(err));
	rs_check(ts_ns(&t1) - ts_ns(&t0) >= SLEEP_NS - 1000000,
		 "woke up %lld ms after starting a %d ms sleep",
		 (long long)((ts_ns(&t1) - ts_ns(&t0)) / 1000000), SLEEP_MS);
	if (v->kind == SK_POLL)
		rs_check(pfd.revents == 0, "poll set revents 0x%x on fd -1", pfd.revents);
	rs_done();
}

/*
 * A 3 s sleep, interrupted ~0.8 s in by the checkpoint, restarted 0.2 s
 * after it: the restored task sleeps until about 3 s after it started
 * (a deadline kept) or for the time that was left at the checkpoint (a
 * remaining time kept). Either way it sleeps more than 1 s after the
 * restart, less than a fresh 3 s, and never less than 3 s in all.
 */
TEST_F_TIMEOUT(sleep, resumes_remaining_time, 60)
{
	struct rs_test *t = &self->t;
	long long t0 = 0, t1 = 0, after, left;
	long ret = 0;
	int err = 0;
	const char *p;

	if (!variant->use_sigstop)
		REQUIRE_FREEZER();
	rs_spawn(_metadata, t, sleep_target, variant);
	expect_blocked(_metadata, t, &t->target, variant->nr, 0, COMM_SLEEPER, "target");
	ckpt_msleep(FREEZE_AFTER_MS);
	freeze_checkpoint_kill(_metadata, t, variant->use_sigstop);
	ckpt_msleep(RESTART_AFTER_MS);
	rs_restart(_metadata, t, NULL);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);

	p = strstr(t->text, "slept ");
	ASSERT_NE(NULL, p) rs_log_report(_metadata, t);
	ASSERT_EQ(4, sscanf(p, "slept ret=%ld errno=%d t0=%lld t1=%lld", &ret, &err, &t0, &t1));
	after = t1 - ts_ns(&t->t_restart);
	left = t0 + SLEEP_NS - ts_ns(&t->t_restart);
	TH_LOG("checkpoint %lld ms into the sleep; restarted at %lld ms; slept %lld ms after the restart, %lld ms in all",
	       (ts_ns(&t->t_ckpt) - t0) / 1000000, (ts_ns(&t->t_restart) - t0) / 1000000,
	       after / 1000000, (t1 - t0) / 1000000);
	EXPECT_GE(t1 - t0, SLEEP_NS - 1000000)
		TH_LOG("the task woke up %lld ms after starting a %d ms sleep",
		       (t1 - t0) / 1000000, SLEEP_MS);
	EXPECT_LT(after, SLEEP_NS)
		TH_LOG("slept %lld ms after the restart: a fresh %d ms sleep, not what was left",
		       after / 1000000, SLEEP_MS);
	/* an absolute deadline leaves `left'; if that is short, so can the sleep be */
	if (left > 1200000000LL) {
		EXPECT_GT(after, 1000000000LL)
			TH_LOG("slept only %lld ms after the restart, %lld ms were left",
			       after / 1000000, left / 1000000);
	} else {
		TH_LOG("slow run: only %lld ms left at the restart, the > 1 s bound is not checked",
		       left / 1000000);
	}
}

/* ------------------------------------------------------------------ */
/* pause() and sigsuspend()                                            */
/* ------------------------------------------------------------------ */

FIXTURE(restart) {
	struct rs_test t;
};

FIXTURE_SETUP(restart)
{
	rs_init(_metadata, &self->t);
}

FIXTURE_TEARDOWN(restart)
{
	rs_cleanup(&self->t);
}

static volatile sig_atomic_t sig_order[4], sig_norder;

static void on_signal(int sig)
{
	if (sig_norder < 4)
		sig_order[sig_norder] = sig;
	sig_norder++;
}

/* pause(), or poll() without a timeout: both wait for a signal */
struct wait_arg {
	long nr;		/* SYS_pause or SYS_poll */
	const char *comm;
};

static const struct wait_arg wait_pause = { SYS_pause, COMM_PAUSE };
static const struct wait_arg wait_poll = { SYS_poll, COMM_POLL };

static void wait_target(const struct rs_test *t, const void *arg)
{
	const struct wait_arg *w = arg;
	struct pollfd pfd = { .fd = -1 };
	struct sigaction sa;
	long ret;
	int err;
	pid_t pid0;

	rs_target_enter(t, 0);
	pid0 = getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || prctl(PR_SET_NAME, w->comm))
		rs_setup_fail("sigaction/PR_SET_NAME");

	if (w->nr == SYS_pause)
		ret = syscall(SYS_pause);
	else
		ret = syscall(SYS_poll, &pfd, 1, -1);
	err = errno;

	rs_restored_begin(pid0);
	rs_check(ret == -1 && err == EINTR, "%s returned %ld, errno %d (%s)",
		 w->nr == SYS_pause ? "pause" : "poll", ret, err, strerror(err));
	rs_check(sig_norder == 1 && sig_order[0] == SIGUSR1,
		 "the call returned after %d signals (first %d), expected one SIGUSR1",
		 (int)sig_norder, (int)sig_order[0]);
	rs_done();
}

/* The restored task keeps waiting until a signal with a handler comes. */
static void wait_for_signal(struct __test_metadata *_metadata, struct rs_test *t,
			    const struct wait_arg *w)
{
	rs_spawn(_metadata, t, wait_target, w);
	expect_blocked(_metadata, t, &t->target, w->nr, 0, w->comm, "target");
	ckpt_msleep(FREEZE_AFTER_MS);
	freeze_checkpoint_kill(_metadata, t, 0);
	rs_restart(_metadata, t, NULL);
	expect_blocked(_metadata, t, &t->restarter, w->nr, 1, w->comm, "restored task");
	expect_still_waiting(_metadata, t, "without a signal: the call did not keep waiting");
	ASSERT_EQ(0, kill(t->restarter, SIGUSR1));
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

/* pause() keeps waiting after the restart, until a signal with a handler */
TEST_F_TIMEOUT(restart, pause, 60)
{
	REQUIRE_FREEZER();
	wait_for_signal(_metadata, &self->t, &wait_pause);
}

/* poll() with no timeout (and an ignored fd) waits the same way */
TEST_F_TIMEOUT(restart, poll_no_timeout, 60)
{
	REQUIRE_FREEZER();
	wait_for_signal(_metadata, &self->t, &wait_poll);
}

static void sigsuspend_target(const struct rs_test *t, const void *arg)
{
	uint64_t temp = rs_sigbit(SIGUSR2), blocked;
	struct sigaction sa;
	sigset_t set;
	long ret;
	int err;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);	/* so the order is USR1 then USR2 */
	if (sigaction(SIGUSR1, &sa, NULL))
		rs_setup_fail("sigaction SIGUSR1");
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		rs_setup_fail("sigaction SIGUSR2");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_SETMASK, &set, NULL) || prctl(PR_SET_NAME, COMM_SIGSUSPEND))
		rs_setup_fail("sigprocmask/PR_SET_NAME");

	/* lets SIGUSR1 in, keeps SIGUSR2 out */
	ret = syscall(SYS_rt_sigsuspend, &temp, 8);
	err = errno;

	rs_restored_begin(pid0);
	blocked = rs_blocked();
	rs_check(ret == -1 && err == EINTR, "sigsuspend returned %ld, errno %d (%s)", ret, err,
		 strerror(err));
	rs_check(sig_norder == 2 && sig_order[0] == SIGUSR1 && sig_order[1] == SIGUSR2,
		 "handled %d signals: %d, %d; expected SIGUSR1 (%d) then the pending SIGUSR2 (%d)",
		 (int)sig_norder, (int)sig_order[0], (int)sig_order[1], SIGUSR1, SIGUSR2);
	rs_check(blocked == rs_sigbit(SIGUSR1),
		 "blocked after sigsuspend: 0x%llx, expected the old mask 0x%llx",
		 (unsigned long long)blocked, (unsigned long long)rs_sigbit(SIGUSR1));
	rs_done();
}

/*
 * The restored task stays in sigsuspend() with its temporary mask: a
 * signal the temporary mask blocks stays pending; one it lets through
 * ends the call, and the old mask comes back (and lets the pending one in).
 */
TEST_F_TIMEOUT(restart, sigsuspend, 60)
{
	struct rs_test *t = &self->t;
	uint64_t blk, pnd;

	REQUIRE_FREEZER();
	rs_spawn(_metadata, t, sigsuspend_target, NULL);
	expect_blocked(_metadata, t, &t->target, SYS_rt_sigsuspend, 0, COMM_SIGSUSPEND, "target");
	blk = proc_status_mask(t->target, "SigBlk:");
	ASSERT_EQ(rs_sigbit(SIGUSR2), blk) TH_LOG("the target's mask in sigsuspend is 0x%llx",
						  (unsigned long long)blk);
	ckpt_msleep(FREEZE_AFTER_MS);
	freeze_checkpoint_kill(_metadata, t, 0);
	rs_restart(_metadata, t, NULL);
	expect_blocked(_metadata, t, &t->restarter, SYS_rt_sigsuspend, 1, COMM_SIGSUSPEND,
		       "restored task");
	blk = proc_status_mask(t->restarter, "SigBlk:");
	EXPECT_EQ(rs_sigbit(SIGUSR2), blk)
		TH_LOG("mask of the restored task in sigsuspend: 0x%llx, expected the temporary mask 0x%llx",
		       (unsigned long long)blk, (unsigned long long)rs_sigbit(SIGUSR2));

	ASSERT_EQ(0, kill(t->restarter, SIGUSR2));
	expect_still_waiting(_metadata, t, "on a signal the temporary mask of sigsuspend() blocks");
	pnd = proc_status_mask(t->restarter, "ShdPnd:") | proc_status_mask(t->restarter, "SigPnd:");
	EXPECT_TRUE(pnd != ~0ULL && (pnd & rs_sigbit(SIGUSR2)))
		TH_LOG("SIGUSR2 is not pending (0x%llx)", (unsigned long long)pnd);

	ASSERT_EQ(0, kill(t->restarter, SIGUSR1));
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

TEST_HARNESS_MAIN
