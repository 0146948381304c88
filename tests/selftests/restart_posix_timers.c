// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timers across checkpoint and restart (see ckpt_restart.h for the
 * pattern): a target arms timers of three clocks and an interval timer,
 * with their signals blocked, stops itself, is checkpointed and killed;
 * the restored program has the same timers, by the same ids.
 *
 *  fire_in_order      three signalling timers and ITIMER_REAL, due in a
 *                     known order after the restart (one of them to the
 *                     thread by id, SIGEV_THREAD_ID): their signals come
 *                     in that order, each with its timer id and value;
 *                     a SIGEV_NONE timer and a periodic one keep their
 *                     clock's time left (no more than before) and their
 *                     exact intervals
 *  restarter_timers_gone
 *                     the restarter's own five POSIX timers (ids 0 to 4)
 *                     are gone: the restored program has exactly the
 *                     image's four
 *  pending_own_signal a periodic timer whose blocked signal is pending at
 *                     the checkpoint: after the restart its expiries
 *                     while the signal is still blocked are overruns of
 *                     that one signal (with those it had counted before
 *                     the checkpoint), not more signals; and a SIGUSR1
 *                     sent with kill() stays queued besides a SIGUSR1
 *                     timer's own, as the kernel had them
 *
 * The times are far apart (seconds), so that how long the checkpoint
 * takes on a slow machine cannot change their order; nothing checks a
 * duration.
 */
#include "ckpt_restart.h"

#include <sys/time.h>
#include <time.h>

RS_FIXTURE(restart);

#define MS_NS		1000000LL
#define SIG_A		(SIGRTMIN + 1)
#define SIG_B		(SIGRTMIN + 2)
#define SIG_D		(SIGRTMIN + 4)
#define B_MS		2000	/* SIG_B first, to the thread */
#define ALARM_MS	5000	/* then SIGALRM */
#define A_MS		8000	/* then SIG_A */
#define C_MS		60000	/* SIGEV_NONE, every 7 s */
#define C_EVERY_MS	7000
#define D_MS		100000	/* SIG_D, every 250 ms */
#define D_EVERY_MS	250
#define NR_TIMERS	4
#define FIRE_WAIT_S	30	/* bound on the wait for one signal */

static int64_t spec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static struct timespec ms_spec(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * MS_NS };

	return ts;
}

/* A timer of clock, notifying as notify with sig and value; -1 on failure */
static int make_timer(clockid_t clock, int notify, int sig, int value, int64_t first_ms,
		      int64_t every_ms, timer_t *id)
{
	struct itimerspec its = { ms_spec(every_ms), ms_spec(first_ms) };
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = value;
	if (notify & SIGEV_THREAD_ID)
		sev._sigev_un._tid = gettid();
	if (timer_create(clock, &sev, id))
		return -1;
	return timer_settime(*id, 0, &its, NULL);
}

/* The next of the blocked signals in set, within FIRE_WAIT_S; -1 if none */
static int next_signal(const sigset_t *set, siginfo_t *si)
{
	struct timespec wait = { FIRE_WAIT_S, 0 };

	return sigtimedwait(set, si, &wait);
}

/* The signal of timer id with value, as the restored program takes it */
static void check_timer_signal(const sigset_t *set, int sig, timer_t id, int value,
			       const char *name)
{
	siginfo_t si;
	int got = next_signal(set, &si);

	if (!rs_check(got == sig, "%s: signal %d came, expected %d", name, got, sig))
		return;
	rs_check(si.si_code == SI_TIMER, "%s: si_code %d, not SI_TIMER", name, si.si_code);
	rs_check(si.si_timerid == (int)(intptr_t)id, "%s: timer id %d, expected %d", name,
		 si.si_timerid, (int)(intptr_t)id);
	rs_check(si.si_value.sival_int == value, "%s: value %d, expected %d", name,
		 si.si_value.sival_int, value);
}

/* Timer id has at most left_ns left, and exactly every_ns of interval */
static void check_timer_setting(timer_t id, int64_t left_ns, int64_t every_ns,
				const char *name)
{
	struct itimerspec its;

	if (!rs_check(!timer_gettime(id, &its), "%s: timer_gettime: %s", name,
		      strerror(errno)))
		return;
	rs_check(spec_ns(&its.it_value) > 0 && spec_ns(&its.it_value) <= left_ns,
		 "%s: %lld ns left, expected 1..%lld", name,
		 (long long)spec_ns(&its.it_value), (long long)left_ns);
	rs_check(spec_ns(&its.it_interval) == every_ns, "%s: interval %lld ns, expected %lld",
		 name, (long long)spec_ns(&its.it_interval), (long long)every_ns);
}

static void timers_target(const struct rs_test *t, const void *arg)
{
	struct itimerval alarm_it = { { 0, 0 }, { ALARM_MS / 1000, 0 } };
	struct itimerspec before_c, before_d;
	timer_t ta, tb, tc, td;
	sigset_t set;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	sigemptyset(&set);
	sigaddset(&set, SIG_A);
	sigaddset(&set, SIG_B);
	sigaddset(&set, SIG_D);
	sigaddset(&set, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		rs_setup_fail("sigprocmask");
	if (make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_A, 101, A_MS, 0, &ta) ||
	    make_timer(CLOCK_REALTIME, SIGEV_SIGNAL | SIGEV_THREAD_ID, SIG_B, 202, B_MS, 0,
		       &tb) ||
	    make_timer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, C_MS, C_EVERY_MS, &tc) ||
	    make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_D, 404, D_MS, D_EVERY_MS, &td) ||
	    setitimer(ITIMER_REAL, &alarm_it, NULL))
		rs_setup_fail("timers");
	if (timer_gettime(tc, &before_c) || timer_gettime(td, &before_d))
		rs_setup_fail("timer_gettime");

	rs_stop_here();

	rs_restored_begin(pid0);
	check_timer_setting(tc, spec_ns(&before_c.it_value), C_EVERY_MS * MS_NS,
			    "SIGEV_NONE boottime timer");
	check_timer_setting(td, spec_ns(&before_d.it_value), D_EVERY_MS * MS_NS,
			    "periodic monotonic timer");
	sigdelset(&set, SIG_D);
	check_timer_signal(&set, SIG_B, tb, 202, "realtime timer to the thread");
	{
		siginfo_t si;
		int got = next_signal(&set, &si);

		rs_check(got == SIGALRM, "then signal %d came, expected SIGALRM", got);
	}
	check_timer_signal(&set, SIG_A, ta, 101, "monotonic timer");
	rs_check(timer_getoverrun(ta) == 0, "overrun of the one-shot timer: %d",
		 timer_getoverrun(ta));
	rs_done();
}

TEST_F_TIMEOUT(restart, fire_in_order, 120)
{
	rs_run_opts(_metadata, &self->t, timers_target, NULL, NULL, 90000);
}

/* The restarter's own timers, ids 0 to 4, which the image's must replace */
static int restarter_timers(void)
{
	timer_t id;

	for (int i = 0; i < NR_TIMERS + 1; i++)
		if (make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 1000000, 0, &id))
			return -1;
	return 0;
}

static void four_timers_target(const struct rs_test *t, const void *arg)
{
	struct itimerspec its;
	timer_t ids[NR_TIMERS];
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	for (int i = 0; i < NR_TIMERS; i++)
		if (make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 500000 + i * 1000, 0, &ids[i]))
			rs_setup_fail("timer %d", i);

	rs_stop_here();

	rs_restored_begin(pid0);
	for (int i = 0; i < NR_TIMERS; i++)
		rs_check(!timer_gettime(ids[i], &its) &&
			 spec_ns(&its.it_value) <= (500000 + i * 1000) * MS_NS &&
			 spec_ns(&its.it_value) > (500000 + i * 1000 - 400000) * MS_NS,
			 "timer %d: not the image's", (int)(intptr_t)ids[i]);
	/* The restarter's fifth is gone, and a new timer gets a free id */
	rs_check(timer_gettime((timer_t)(intptr_t)NR_TIMERS, &its) && errno == EINVAL,
		 "the restarter's timer %d is still there", NR_TIMERS);
	rs_done();
}

TEST_F_TIMEOUT(restart, restarter_timers_gone, 60)
{
	const struct rs_restart_opts o = { .before = restarter_timers };

	rs_run_opts(_metadata, &self->t, four_timers_target, NULL, &o, RS_WAIT_MS);
}

#define SIG_E		(SIGRTMIN + 5)
#define E_EVERY_MS	50
#define U_MS		100

/* How many of signal sig are pending, taken one by one; the last in *si */
static int take_pending(int sig, siginfo_t *si)
{
	struct timespec zero = { 0, 0 };
	sigset_t one;
	int n = 0;

	sigemptyset(&one);
	sigaddset(&one, sig);
	while (sigtimedwait(&one, si, &zero) == sig)
		n++;
	return n;
}

static void pending_own_target(const struct rs_test *t, const void *arg)
{
	struct timespec zero = { 0, 0 };
	timer_t te, tu;
	siginfo_t si;
	sigset_t set, one;
	pid_t pid0;
	int n;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	sigemptyset(&set);
	sigaddset(&set, SIG_E);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		rs_setup_fail("sigprocmask");
	if (make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_E, 505, E_EVERY_MS, E_EVERY_MS, &te) ||
	    make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 606, U_MS, 0, &tu) ||
	    kill(getpid(), SIGUSR1))
		rs_setup_fail("timers");
	/* Both fired: SIG_E once (then overruns), SIGUSR1 after the kill's */
	ckpt_msleep(20 * E_EVERY_MS);

	rs_stop_here();

	rs_restored_begin(pid0);
	/* Long enough for SIG_E's timer to expire again while blocked */
	ckpt_msleep(6 * E_EVERY_MS);
	n = take_pending(SIG_E, &si);
	rs_check(n == 1, "%d SIG_E pending, expected 1 with overruns", n);
	if (n == 1) {
		rs_check(si.si_code == SI_TIMER && si.si_timerid == (int)(intptr_t)te &&
			 si.si_value.sival_int == 505,
			 "SIG_E: code %d timer %d value %d", si.si_code, si.si_timerid,
			 si.si_value.sival_int);
		/*
		 * Blocked for 20 periods before the checkpoint: 19 overruns
		 * and more, of which the 6 periods after the restart make 7
		 * at most
		 */
		rs_check(si.si_overrun >= 15, "SIG_E: overrun %d, expected 15 or more",
			 si.si_overrun);
	}
	/* Taking it armed the timer again: it goes on */
	sigemptyset(&one);
	sigaddset(&one, SIG_E);
	{
		struct timespec wait = { FIRE_WAIT_S, 0 };

		rs_check(sigtimedwait(&one, &si, &wait) == SIG_E, "SIG_E did not come again");
	}
	/* SIGUSR1 twice: the kill's, then the timer's own */
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	n = sigtimedwait(&one, &si, &zero);
	rs_check(n == SIGUSR1 && si.si_code == SI_USER && si.si_pid == pid0,
		 "first SIGUSR1: %d, code %d, pid %d", n, si.si_code, si.si_pid);
	n = sigtimedwait(&one, &si, &zero);
	rs_check(n == SIGUSR1 && si.si_code == SI_TIMER && si.si_timerid == (int)(intptr_t)tu &&
		 si.si_value.sival_int == 606,
		 "second SIGUSR1: %d, code %d, timer %d, value %d", n, si.si_code,
		 si.si_timerid, si.si_value.sival_int);
	rs_check(sigtimedwait(&one, &si, &zero) < 0, "a third SIGUSR1");
	rs_done();
}

TEST_F_TIMEOUT(restart, pending_own_signal, 120)
{
	rs_run_opts(_metadata, &self->t, pending_own_target, NULL, NULL, 90000);
}

TEST_HARNESS_MAIN
