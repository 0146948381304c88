// SPDX-License-Identifier: GPL-2.0
/*
 * The timers of a restarted tree run from the moment the tree resumes,
 * not from the turn of their process, which the restore of the rest of
 * the tree follows:
 *
 *   R  an ITIMER_REAL and a POSIX timer, one shot, TIMERS_LEFT_S left
 *   +- c   restored last
 *
 * The image comes to mktree through a pipe that holds back its trailer,
 * the end of c's records, for longer than the timers had left: R's turn
 * is over by then, c's not. Continued after the restart, R finds that
 * neither timer fired and both have time left; then both fire.
 */
#include "restart_tree.h"

#include <time.h>
#include <sys/time.h>

#define TIMERS_LEFT_S	6
#define TRAILER_HOLD_MS	((TIMERS_LEFT_S + 1) * 1000)

static volatile sig_atomic_t timers_alarms, timers_posix;

static void timers_count(int sig)
{
	if (sig == SIGALRM)
		timers_alarms++;
	else
		timers_posix++;
}

static long ms_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void timers_root(int rep)
{
	struct sigaction sa = { .sa_handler = timers_count, .sa_flags = SA_RESTART };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerval it = { .it_value = { .tv_sec = TIMERS_LEFT_S } };
	struct itimerspec ts = { .it_value = { .tv_sec = TIMERS_LEFT_S } };
	struct timespec real;
	timer_t id;

	if (sigaction(SIGALRM, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL))
		_exit(RS_EXIT_SETUP);
	if (child(rep, -1, NULL) < 0)
		_exit(RS_EXIT_SETUP);
	if (timer_create(CLOCK_MONOTONIC, &sev, &id) || timer_settime(id, 0, &ts, NULL) ||
	    setitimer(ITIMER_REAL, &it, NULL))
		_exit(RS_EXIT_SETUP);
	say(rep, "task %d\n", getpid());
	kill(getpid(), SIGSTOP);

	/* Continued after the restart */
	if (getitimer(ITIMER_REAL, &it) || timer_gettime(id, &ts))
		_exit(RS_EXIT_SETUP);
	real.tv_sec = it.it_value.tv_sec;
	real.tv_nsec = it.it_value.tv_usec * 1000;
	say(rep, "at resume: %d alarm, %d timer; %s, %s\n", timers_alarms, timers_posix,
	    ms_of(&real) > 0 ? "alarm left" : "no alarm left",
	    ms_of(&ts.it_value) > 0 ? "timer left" : "no timer left");
	for (int waited = 0; waited < (TIMERS_LEFT_S + 20) * 1000 &&
	     (!timers_alarms || !timers_posix); waited += 20)
		ckpt_msleep(20);
	say(rep, "then: %d alarm, %d timer\n", timers_alarms, timers_posix);
	for (;;)
		pause();
}

TEST_F_TIMEOUT(tree, armed_at_resume, 120)
{
	struct tree_test *tt = &self->tt;
	char err[1024];
	pid_t root = 0;

	tree_checkpoint(_metadata, tt, timers_root, 2);
	ASSERT_EQ(0, rs_mktree_held(&tt->t, true, false, TRAILER_HOLD_MS, &root, err,
				    sizeof(err))) TH_LOG("mktree: %s", err);
	ASSERT_EQ(tt->root, root);
	kill(root, SIGCONT);
	for (int waited = 0; waited < RS_WAIT_MS + TIMERS_LEFT_S * 1000 &&
	     !strstr(tt->t.text, "then: "); waited += 20) {
		ckpt_msleep(20);
		rs_read_report(&tt->t);
	}
	EXPECT_NE(NULL, strstr(tt->t.text, "at resume: 0 alarm, 0 timer; alarm left, timer left\n"))
		TH_LOG("report: %s", tt->t.text);
	EXPECT_NE(NULL, strstr(tt->t.text, "then: 1 alarm, 1 timer\n"))
		TH_LOG("report: %s", tt->t.text);
}

TEST_HARNESS_MAIN
