// SPDX-License-Identifier: GPL-2.0
/*
 * Interval timers across checkpoint and restart: a target with alarm(2)
 * or setitimer(2) timers armed stops itself, is checkpointed and killed;
 * the restored program finds them armed again, the time left counting
 * from the restart, with their intervals, and none of its restarter's
 * (see ckpt_restart.h for the pattern). Unless a test says otherwise the
 * restarter arms all three timers of its own first (arm_decoys()), so
 * that a timer the image does not set shows up.
 *
 *  alarm                   alarm(30): armed after the restart, no more
 *                          time left than at the stop, no interval;
 *                          alarm(0) returns 1..30
 *  real_interval           ITIMER_REAL, 0.5 s then every 0.2 s, SIGALRM
 *                          blocked: the interval to the microsecond, then
 *                          SIGALRM arrives, and again
 *  real_fired_pending      a periodic ITIMER_REAL that fired before the
 *                          stop, SIGALRM blocked: 0 left, its interval,
 *                          SIGALRM pending; taking it arms the timer again
 *  cpu_timers              ITIMER_VIRTUAL (100 s, every 1 s) and
 *                          ITIMER_PROF (200 s, every 2 s): armed, their
 *                          intervals to the microsecond
 *  prof_fires              ITIMER_PROF of 50 ms of CPU time, every 50 ms,
 *                          SIGPROF blocked: the restored program, spinning,
 *                          gets SIGPROF, twice
 *  time_left_from_restart  the time between checkpoint and restart does
 *                          not count: a 2 s gap between them leaves the
 *                          time left of ITIMER_REAL as it was at the
 *                          checkpoint, less what passed since the restart
 *  restarter_timers_not_inherited
 *                          an image with no timer armed disarms the
 *                          restarter's three
 *
 * No test depends on how fast the machine is: they check bounds and
 * order (time left never grows, an interval is exact, a periodic timer
 * fires within a generous wait), never a duration.
 */
#include "ckpt_restart.h"

#include <sys/time.h>

RS_FIXTURE(restart);

#define SEC_NS		1000000000LL
#define US_NS		1000LL

/* Bound on the wait for one signal of a timer (twice in a test) */
#define FIRE_WAIT_S	12
/* Bound on the wait for a restored program that waits for signals */
#define TIMERS_WAIT_MS	60000

static const char *const itimer_name[CKPT_ITIMER_NR] = {
	"ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF",
};

/* ------------------------------------------------------------------ */
/* The restarter's own timers                                          */
/* ------------------------------------------------------------------ */

/* Armed for far longer than a test runs, with intervals no image has */
#define DECOY_S			1000
#define DECOY_REAL_INTERVAL	{ 7, 0 }
#define DECOY_VIRT_INTERVAL	{ 3, 0 }
#define DECOY_PROF_INTERVAL	{ 5, 0 }

/* rs_restart_opts.before: arm all three timers of the restarter */
static int arm_decoys(void)
{
	const struct itimerval decoy[CKPT_ITIMER_NR] = {
		[ITIMER_REAL] = { DECOY_REAL_INTERVAL, { DECOY_S, 0 } },
		[ITIMER_VIRTUAL] = { DECOY_VIRT_INTERVAL, { DECOY_S, 0 } },
		[ITIMER_PROF] = { DECOY_PROF_INTERVAL, { DECOY_S, 0 } },
	};
	struct itimerval it;

	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		if (setitimer(k, &decoy[k], NULL) || getitimer(k, &it))
			return -1;
		/* the restarter really has them */
		if (it.it_value.tv_sec < DECOY_S / 2 ||
		    it.it_interval.tv_sec != decoy[k].it_interval.tv_sec)
			return -1;
	}
	return 0;
}

static const struct rs_restart_opts with_decoys = { .before = arm_decoys };

/* ------------------------------------------------------------------ */
/* Helpers of the target and restored program                          */
/* ------------------------------------------------------------------ */

/* getitimer(which) as nanoseconds left and interval; 0 or -1 */
static int itimer_ns(int which, int64_t *value, int64_t *interval)
{
	struct itimerval it;

	if (getitimer(which, &it))
		return -1;
	*value = ckpt_tv_ns(&it.it_value);
	*interval = ckpt_tv_ns(&it.it_interval);
	return 0;
}

static int block_sig(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

static int sig_pending(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	return !sigpending(&set) && sigismember(&set, sig) == 1;
}

/* A check: timer which disarmed, no interval (the restarter's are gone) */
static void check_disarmed(int which)
{
	int64_t v = -1, i = -1;

	if (!rs_check(!itimer_ns(which, &v, &i), "getitimer(%s): %s", itimer_name[which],
		      strerror(errno)))
		return;
	rs_check(v == 0 && i == 0,
		 "%s: %lld ns left, interval %lld ns; expected disarmed (the restarter's?)",
		 itimer_name[which], (long long)v, (long long)i);
}

/*
 * Wait up to FIRE_WAIT_S for sig, blocked, with rt_sigtimedwait(); a
 * check that it came, sent by the kernel (SI_KERNEL).
 */
static int check_fires(int sig, const char *what)
{
	const struct timespec wait = { FIRE_WAIT_S, 0 };
	siginfo_t si;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(&si, 0, sizeof(si));
	r = (int)syscall(SYS_rt_sigtimedwait, &set, &si, &wait, CKPT_NSIG / 8);
	if (!rs_check(r == sig, "%s: sigtimedwait gave %d (%s) within %d s, expected signal %d",
		      what, r, r < 0 ? strerror(errno) : "a signal", FIRE_WAIT_S, sig))
		return 0;
	return rs_check(si.si_code == SI_KERNEL, "%s: si_code %d, expected SI_KERNEL (%d)",
			what, si.si_code, SI_KERNEL);
}

/* ------------------------------------------------------------------ */
/* alarm                                                               */
/* ------------------------------------------------------------------ */

#define ALARM_S		30

static void alarm_target(const struct rs_test *t, const void *arg)
{
	int64_t m0, m1, v0, i0, v, i, left_s;
	unsigned int rem;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (alarm(ALARM_S) != 0)
		rs_setup_fail("an alarm was armed already");
	m0 = mono_ns();			/* after the alarm was set */
	if (itimer_ns(ITIMER_REAL, &v0, &i0))
		rs_setup_fail("getitimer");
	if (v0 <= 0 || v0 > ALARM_S * SEC_NS || i0 != 0)
		rs_setup_fail("after alarm(%d): %lld ns left, interval %lld ns", ALARM_S,
			      (long long)v0, (long long)i0);
	m1 = mono_ns();

	rs_stop_here();

	rs_restored_begin(pid0);
	if (!rs_check(!itimer_ns(ITIMER_REAL, &v, &i), "getitimer: %s", strerror(errno)))
		rs_done();
	rs_check(i == 0, "ITIMER_REAL of alarm(): interval %lld ns, expected 0", (long long)i);
	rs_check(v > 0, "the alarm is not armed after the restart");
	rs_check(v <= v0, "the alarm has %lld ns left, more than the %lld ns it had before the stop",
		 (long long)v, (long long)v0);
	rem = alarm(0);
	/* at least the seconds that passed between alarm() and the stop are gone */
	left_s = ALARM_S - (m1 - m0) / SEC_NS;
	rs_check(rem >= 1 && (int64_t)rem <= left_s,
		 "alarm(0) returned %u, expected 1..%lld", rem, (long long)left_s);
	/* alarm() rounds to the nearest second: no more than getitimer() said, plus one */
	rs_check((int64_t)rem <= v / SEC_NS + 1,
		 "alarm(0) returned %u, getitimer() said %lld ns left just before", rem,
		 (long long)v);
	rs_check(!itimer_ns(ITIMER_REAL, &v, &i) && v == 0 && i == 0,
		 "after alarm(0): %lld ns left, interval %lld ns", (long long)v, (long long)i);
	check_disarmed(ITIMER_VIRTUAL);
	check_disarmed(ITIMER_PROF);
	rs_done();
}

/*
 * alarm(30), then the stop: the restored program has the alarm armed,
 * with no more time left than before the stop (not 30 s again), no
 * interval, and alarm(0) returns 1..30 less the seconds that passed
 * before the stop; the restarter's timers are gone.
 */
TEST_F_TIMEOUT(restart, alarm, 60)
{
	struct rs_test *t = &self->t;

	rs_run_opts(_metadata, t, alarm_target, NULL, &with_decoys, RS_WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* real_interval                                                       */
/* ------------------------------------------------------------------ */

#define RI_VALUE_US	500000
#define RI_INTERVAL_US	200000

static void real_interval_target(const struct rs_test *t, const void *arg)
{
	const struct itimerval set = { { 0, RI_INTERVAL_US }, { 0, RI_VALUE_US } };
	int64_t v0, i0, v = 0, i = 0;
	int pending;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (block_sig(SIGALRM) || sig_pending(SIGALRM))
		rs_setup_fail("SIGALRM blocked, not pending");
	if (setitimer(ITIMER_REAL, &set, NULL) || itimer_ns(ITIMER_REAL, &v0, &i0))
		rs_setup_fail("setitimer/getitimer");
	if (v0 <= 0 || v0 > RI_VALUE_US * US_NS || i0 != RI_INTERVAL_US * US_NS)
		rs_setup_fail("ITIMER_REAL: %lld ns left, interval %lld ns", (long long)v0,
			      (long long)i0);

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(!!(rs_blocked() & rs_sigbit(SIGALRM)), "SIGALRM is not blocked");
	if (!rs_check(!itimer_ns(ITIMER_REAL, &v, &i), "getitimer: %s", strerror(errno)))
		rs_done();
	/*
	 * Fired already (the signal blocked, it is not armed again until the
	 * signal is taken): 0 left, SIGALRM pending. Else armed, with no more
	 * time left than before the stop.
	 */
	pending = sig_pending(SIGALRM);
	rs_check(i == RI_INTERVAL_US * US_NS, "ITIMER_REAL interval %lld ns, expected %lld",
		 (long long)i, RI_INTERVAL_US * US_NS);
	rs_check((v > 0 && v <= v0) || (v == 0 && pending),
		 "ITIMER_REAL: %lld ns left (SIGALRM %spending), expected 0 < left <= %lld",
		 (long long)v, pending ? "" : "not ", (long long)v0);
	check_disarmed(ITIMER_VIRTUAL);
	check_disarmed(ITIMER_PROF);
	/* it fires, and fires again: it is periodic */
	if (check_fires(SIGALRM, "first SIGALRM"))
		check_fires(SIGALRM, "second SIGALRM");
	rs_check(!itimer_ns(ITIMER_REAL, &v, &i) && i == RI_INTERVAL_US * US_NS &&
		 v >= 0 && v <= RI_INTERVAL_US * US_NS,
		 "ITIMER_REAL after two signals: %lld ns left, interval %lld ns",
		 (long long)v, (long long)i);
	rs_done();
}

/*
 * ITIMER_REAL of 0.5 s, then every 0.2 s, SIGALRM blocked: after the
 * restart its interval is 0.2 s to the microsecond and it has no more
 * time left than before the stop; SIGALRM arrives, then again.
 */
TEST_F_TIMEOUT(restart, real_interval, 120)
{
	struct rs_test *t = &self->t;
	struct ckpt_hdr_itimers it;
	struct ckpt_image img;
	uint64_t value;

	rs_spawn(_metadata, t, real_interval_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);

	ASSERT_EQ(0, ckpt_image_load_fd(t->img, &img));
	ASSERT_LE(0, ckpt_image_itimers(&img, 0, &it)) TH_LOG("no ITIMERS record");
	value = it.timers[ITIMER_REAL].value;
	EXPECT_EQ((uint64_t)RI_INTERVAL_US * US_NS, it.timers[ITIMER_REAL].interval);
	ckpt_image_free(&img);
	/*
	 * A machine slow enough for the timer to fire between the stop and
	 * the checkpoint saves it as getitimer(2) reads it then: 0 left, an
	 * interval, SIGALRM pending. That is not this test's case.
	 */
	if (!value)
		SKIP(return, "ITIMER_REAL fired before the checkpoint (slow machine)");
	EXPECT_GE((uint64_t)RI_VALUE_US * US_NS, value);

	rs_restart(_metadata, t, &with_decoys);
	rs_wait_restarter(_metadata, t, TIMERS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

/* ------------------------------------------------------------------ */
/* real_fired_pending                                                  */
/* ------------------------------------------------------------------ */

#define RF_VALUE_US	10000
#define RF_INTERVAL_US	200000

/*
 * The periodic ITIMER_REAL fired with SIGALRM blocked, before the stop:
 * it is not armed again until the signal is taken, so it reads 0 left
 * and its interval, SIGALRM pending. After the restart the same: taking
 * the pending SIGALRM arms it again, and it fires once more.
 */
static void real_fired_target(const struct rs_test *t, const void *arg)
{
	const struct itimerval set = { { 0, RF_INTERVAL_US }, { 0, RF_VALUE_US } };
	const struct timespec wait = { FIRE_WAIT_S, 0 };
	int64_t v = 0, i = 0;
	sigset_t alrm;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	if (block_sig(SIGALRM) || sig_pending(SIGALRM))
		rs_setup_fail("SIGALRM blocked, not pending");
	if (setitimer(ITIMER_REAL, &set, NULL))
		rs_setup_fail("setitimer");
	/* wait until it fired: SIGALRM pending, the timer not armed again */
	for (int n = 0; !sig_pending(SIGALRM); n++) {
		struct timespec ms = { 0, 1000000 };

		if (n == FIRE_WAIT_S * 1000)
			rs_setup_fail("ITIMER_REAL did not fire within %d s", FIRE_WAIT_S);
		nanosleep(&ms, NULL);
	}
	if (itimer_ns(ITIMER_REAL, &v, &i) || v != 0 || i != RF_INTERVAL_US * US_NS)
		rs_setup_fail("fired ITIMER_REAL: %lld ns left, interval %lld ns",
			      (long long)v, (long long)i);

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(sig_pending(SIGALRM), "SIGALRM is not pending after the restart");
	rs_check(!itimer_ns(ITIMER_REAL, &v, &i) && v == 0 &&
		 i == RF_INTERVAL_US * US_NS,
		 "ITIMER_REAL: %lld ns left, interval %lld ns; expected 0, %lld",
		 (long long)v, (long long)i, RF_INTERVAL_US * US_NS);
	/* taking the signal arms it again: it fires once more */
	rs_check(sigtimedwait(&alrm, NULL, &wait) == SIGALRM, "the pending SIGALRM");
	check_fires(SIGALRM, "SIGALRM after the pending one was taken");
	rs_done();
}

TEST_F_TIMEOUT(restart, real_fired_pending, 120)
{
	struct rs_test *t = &self->t;

	rs_run_opts(_metadata, t, real_fired_target, NULL, &with_decoys, TIMERS_WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* cpu_timers                                                          */
/* ------------------------------------------------------------------ */

#define CPU_VIRT_S		100
#define CPU_VIRT_INTERVAL_S	1
#define CPU_PROF_S		200
#define CPU_PROF_INTERVAL_S	2

static void cpu_timers_target(const struct rs_test *t, const void *arg)
{
	const struct itimerval virt = { { CPU_VIRT_INTERVAL_S, 0 }, { CPU_VIRT_S, 0 } };
	const struct itimerval prof = { { CPU_PROF_INTERVAL_S, 0 }, { CPU_PROF_S, 0 } };
	int64_t vv0, vi0, pv0, pi0, v, i;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (setitimer(ITIMER_VIRTUAL, &virt, NULL) || setitimer(ITIMER_PROF, &prof, NULL) ||
	    itimer_ns(ITIMER_VIRTUAL, &vv0, &vi0) || itimer_ns(ITIMER_PROF, &pv0, &pi0))
		rs_setup_fail("setitimer/getitimer");
	if (vv0 <= 0 || vi0 != CPU_VIRT_INTERVAL_S * SEC_NS || pv0 <= 0 ||
	    pi0 != CPU_PROF_INTERVAL_S * SEC_NS)
		rs_setup_fail("ITIMER_VIRTUAL %lld/%lld ns, ITIMER_PROF %lld/%lld ns",
			      (long long)vv0, (long long)vi0, (long long)pv0, (long long)pi0);

	rs_stop_here();

	/*
	 * setitimer(2) arms a CPU-time timer a tick late, and so may the
	 * restart: what was read before the stop plus one tick at most.
	 */
	rs_restored_begin(pid0);
	if (rs_check(!itimer_ns(ITIMER_VIRTUAL, &v, &i), "getitimer: %s", strerror(errno))) {
		rs_check(i == CPU_VIRT_INTERVAL_S * SEC_NS,
			 "ITIMER_VIRTUAL interval %lld ns, expected %lld", (long long)i,
			 CPU_VIRT_INTERVAL_S * SEC_NS);
		rs_check(v > 0 && v <= vv0 + CKPT_TICK_MAX_NS &&
			 v <= CPU_VIRT_S * SEC_NS + 2 * CKPT_TICK_MAX_NS,
			 "ITIMER_VIRTUAL: %lld ns left, %lld before the stop", (long long)v,
			 (long long)vv0);
	}
	if (rs_check(!itimer_ns(ITIMER_PROF, &v, &i), "getitimer: %s", strerror(errno))) {
		rs_check(i == CPU_PROF_INTERVAL_S * SEC_NS,
			 "ITIMER_PROF interval %lld ns, expected %lld", (long long)i,
			 CPU_PROF_INTERVAL_S * SEC_NS);
		rs_check(v > 0 && v <= pv0 + CKPT_TICK_MAX_NS &&
			 v <= CPU_PROF_S * SEC_NS + 2 * CKPT_TICK_MAX_NS,
			 "ITIMER_PROF: %lld ns left, %lld before the stop", (long long)v,
			 (long long)pv0);
	}
	check_disarmed(ITIMER_REAL);
	rs_done();
}

/*
 * ITIMER_VIRTUAL (100 s, every 1 s) and ITIMER_PROF (200 s, every 2 s),
 * never to fire during the test: armed after the restart, their
 * intervals exact, their time left within what they had; ITIMER_REAL (the
 * restarter's) disarmed.
 */
TEST_F_TIMEOUT(restart, cpu_timers, 60)
{
	struct rs_test *t = &self->t;

	rs_run_opts(_metadata, t, cpu_timers_target, NULL, &with_decoys, RS_WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* prof_fires                                                          */
/* ------------------------------------------------------------------ */

#define PF_US		50000	/* of CPU time, first and interval */

static volatile uint64_t spin_sink;

/* Spin (using CPU time) until sig is pending, at most FIRE_WAIT_S; 1 if it is */
static int spin_until_pending(int sig)
{
	int64_t end = mono_ns() + FIRE_WAIT_S * SEC_NS;

	while (!sig_pending(sig)) {
		if (mono_ns() > end)
			return 0;
		for (int k = 0; k < 100000; k++)
			spin_sink += (uint64_t)k;
	}
	return 1;
}

static void prof_fires_target(const struct rs_test *t, const void *arg)
{
	const struct itimerval prof = { { 0, PF_US }, { 0, PF_US } };
	int64_t v0, i0, v = 0, i = 0;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (block_sig(SIGPROF) || sig_pending(SIGPROF))
		rs_setup_fail("SIGPROF blocked, not pending");
	if (setitimer(ITIMER_PROF, &prof, NULL) || itimer_ns(ITIMER_PROF, &v0, &i0))
		rs_setup_fail("setitimer/getitimer");
	if (v0 <= 0 || i0 != PF_US * US_NS)
		rs_setup_fail("ITIMER_PROF %lld ns left, interval %lld ns", (long long)v0,
			      (long long)i0);

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(!!(rs_blocked() & rs_sigbit(SIGPROF)), "SIGPROF is not blocked");
	rs_check(!itimer_ns(ITIMER_PROF, &v, &i) && i == PF_US * US_NS,
		 "ITIMER_PROF: %lld ns left, interval %lld ns, expected %lld", (long long)v,
		 (long long)i, PF_US * US_NS);
	check_disarmed(ITIMER_REAL);
	check_disarmed(ITIMER_VIRTUAL);
	/* a CPU-time timer fires only while the process runs: spin */
	for (int n = 1; n <= 2; n++) {
		char what[32];

		snprintf(what, sizeof(what), "SIGPROF #%d", n);
		if (!rs_check(spin_until_pending(SIGPROF),
			      "%s: not pending after %d s of spinning", what, FIRE_WAIT_S))
			break;
		if (!check_fires(SIGPROF, what))
			break;
	}
	rs_check(!itimer_ns(ITIMER_PROF, &v, &i) && i == PF_US * US_NS,
		 "ITIMER_PROF after its signals: interval %lld ns", (long long)i);
	rs_done();
}

/*
 * ITIMER_PROF of 50 ms of CPU time, every 50 ms, SIGPROF blocked: the
 * restored program, spinning, gets SIGPROF from it, and again. (A timer
 * armed on the restarter's or the original's CPU clock instead of the
 * restored process's own would not fire, or not twice.)
 */
TEST_F_TIMEOUT(restart, prof_fires, 120)
{
	struct rs_test *t = &self->t;

	rs_run_opts(_metadata, t, prof_fires_target, NULL, &with_decoys, TIMERS_WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* time_left_from_restart                                              */
/* ------------------------------------------------------------------ */

#define GAP_VALUE_S	20
#define GAP_MS		2000	/* between checkpoint and restart */
#define GAP_SLACK_NS	(10 * 1000 * 1000LL)	/* rounding, far below the gap */

/* The test, as the restarter (a fork of it) sees it */
static const struct rs_test *gap_test;

/*
 * rs_restart_opts.before: arm the restarter's timers, then write to
 * dir/times when checkpoint(2) had returned and now, CLOCK_MONOTONIC:
 * the restart arms the image's timers after this.
 */
static int write_times(void)
{
	char path[192], line[64];
	int fd, n, r;

	if (arm_decoys() || !gap_test)
		return -1;
	snprintf(path, sizeof(path), "%s/times", gap_test->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%lld %lld\n",
		     (long long)ts_ns(&gap_test->t_ckpt), (long long)mono_ns());
	r = write_all(fd, line, (size_t)n);
	return close(fd) || r;
}

static void gap_target(const struct rs_test *t, const void *arg)
{
	const struct itimerval set = { { 0, 0 }, { GAP_VALUE_S, 0 } };
	long long t_ckpt = 0, t_restart = 0;
	int64_t m0, m1, v0, i0, v, i, lost, bound;
	char path[192], buf[128];
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (block_sig(SIGALRM) || setitimer(ITIMER_REAL, &set, NULL))
		rs_setup_fail("sigprocmask/setitimer");
	m0 = mono_ns();			/* before the time left is read */
	if (itimer_ns(ITIMER_REAL, &v0, &i0) || v0 <= 0 || i0 != 0)
		rs_setup_fail("ITIMER_REAL: %lld ns left, interval %lld ns", (long long)v0,
			      (long long)i0);

	rs_stop_here();

	rs_restored_begin(pid0);
	if (!rs_check(!itimer_ns(ITIMER_REAL, &v, &i), "getitimer: %s", strerror(errno)))
		rs_done();
	m1 = mono_ns();			/* after it is read */
	if (!rs_check(rs_read_file(rs_path(t, "times", path, sizeof(path)), buf,
				   sizeof(buf)) > 0 &&
		      sscanf(buf, "%lld %lld", &t_ckpt, &t_restart) == 2,
		      "no times from the restarter in %s", path))
		rs_done();
	rs_check(i == 0, "ITIMER_REAL interval %lld ns, expected 0", (long long)i);
	rs_check(v > 0 && v <= v0, "ITIMER_REAL: %lld ns left, %lld before the stop",
		 (long long)v, (long long)v0);
	/*
	 * It ran from m0 to the checkpoint (before t_ckpt), then from the
	 * restart (after t_restart) to m1: no longer. Had it run through the
	 * gap between the checkpoint and the restart, it would have lost
	 * GAP_MS more.
	 */
	lost = v0 - v;
	bound = (t_ckpt - m0) + (m1 - t_restart) + GAP_SLACK_NS;
	rs_check(lost <= bound,
		 "ITIMER_REAL lost %lld ns, at most %lld passed with it running (%lld ns from checkpoint to restart count?)",
		 (long long)lost, (long long)bound, (long long)(t_restart - t_ckpt));
	rs_say("lost %lld ns; bound %lld ns; gap %lld ns", (long long)lost, (long long)bound,
	       (long long)(t_restart - t_ckpt));
	rs_done();
}

/*
 * ITIMER_REAL of 20 s (SIGALRM blocked), checkpointed, restarted 2 s
 * later: the time left counts from the restart, so it lost no more than
 * the time it ran before the checkpoint and after the restart, not the
 * gap between them.
 */
TEST_F_TIMEOUT(restart, time_left_from_restart, 60)
{
	static const struct rs_restart_opts opts = { .before = write_times };
	struct rs_test *t = &self->t;

	rs_spawn(_metadata, t, gap_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);
	ckpt_msleep(GAP_MS);
	gap_test = t;
	rs_restart(_metadata, t, &opts);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
	EXPECT_LE((int64_t)GAP_MS * 1000000, ts_ns(&t->t_restart) - ts_ns(&t->t_ckpt));
}

/* ------------------------------------------------------------------ */
/* restarter_timers_not_inherited                                      */
/* ------------------------------------------------------------------ */

static void no_timers_target(const struct rs_test *t, const void *arg)
{
	int64_t v = 0, i = 0;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	for (int k = 0; k < CKPT_ITIMER_NR; k++)
		if (itimer_ns(k, &v, &i) || v || i)
			rs_setup_fail("%s armed in the target", itimer_name[k]);

	rs_stop_here();

	rs_restored_begin(pid0);
	for (int k = 0; k < CKPT_ITIMER_NR; k++)
		check_disarmed(k);
	rs_done();
}

/*
 * The restarter arms ITIMER_REAL (1000 s), ITIMER_VIRTUAL and ITIMER_PROF,
 * with intervals, then restarts an image whose timers are all disarmed:
 * the restored program has none.
 */
TEST_F_TIMEOUT(restart, restarter_timers_not_inherited, 60)
{
	struct rs_test *t = &self->t;
	struct ckpt_hdr_itimers it;
	struct ckpt_image img;

	rs_spawn(_metadata, t, no_timers_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);
	ASSERT_EQ(0, ckpt_image_load_fd(t->img, &img));
	ASSERT_LE(0, ckpt_image_itimers(&img, 0, &it)) TH_LOG("no ITIMERS record");
	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		EXPECT_EQ(0ULL, it.timers[k].value) TH_LOG("%s", itimer_name[k]);
		EXPECT_EQ(0ULL, it.timers[k].interval) TH_LOG("%s", itimer_name[k]);
	}
	ckpt_image_free(&img);
	rs_restart(_metadata, t, &with_decoys);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

TEST_HARNESS_MAIN
