// SPDX-License-Identifier: GPL-2.0
/*
 * mktree - restart a checkpoint image
 *
 * Reads the image from standard input or from FILE, creates a process
 * with the pid the checkpointed task had (see spawn.h) and has it call
 * restart(2), which turns it into that task. Then, like a shell, waits
 * for the task and exits with its status, or with -d prints its pid and
 * leaves it running.
 *
 * The restarted task keeps mktree's standard input, output and error
 * until restart(2) replaces them with the image's files; terminals in
 * the image are re-attached to mktree's terminal by the kernel.
 *
 * The TREE record at the start of the image lists its tasks. An image of
 * several tasks (a process tree, or a container) is rebuilt as that tree,
 * with the same pids, and restarted as a whole: see tree.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ckpt_sys.h"
#include "image.h"
#include "mktree.h"
#include "spawn.h"
#include "tree.h"

const char *prog = "mktree";

struct options {
	const char *file;	/* NULL: stdin */
	bool detach;
	bool pidns;
	unsigned long flags;	/* restart(2) flags */
};

enum { OPT_PIDNS = 256 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-dF] [--pidns] [-i FILE]\n"
		"Restart the checkpoint image read from FILE (standard input by default).\n"
		"An image of several tasks is rebuilt as the tree it records, with its pids.\n"
		"  -i FILE            read the image from FILE\n"
		"  -d                 print the pid of the restarted task (the root of a\n"
		"                     tree) and exit\n"
		"                     without waiting for it\n"
		"  -F, --force-files  accept files that changed since the checkpoint\n"
		"      --pidns        restart in a new pid namespace\n"
		"Exit status: that of the restarted task (128+N if signal N killed it),\n"
		"or 1 if the restart failed before it began.\n", prog);
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "force-files", no_argument, NULL, 'F' },
		{ "pidns", no_argument, NULL, OPT_PIDNS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(opt, 0, sizeof(*opt));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:dFh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			opt->file = optarg;
			break;
		case 'd':
			opt->detach = true;
			break;
		case 'F':
			opt->flags |= RESTART_FORCE_FILES;
			break;
		case OPT_PIDNS:
			opt->pidns = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			if (optopt == 'i')
				fprintf(stderr, "%s: option -i needs a FILE\n", prog);
			else if (optopt)
				fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
			else
				fprintf(stderr, "%s: unknown option %s\n", prog, argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc)
		return -1;
	return 0;
}

static void report_failure(int err)
{
	fprintf(stderr, "%s: restart failed: %s", prog, strerror(err));
	switch (err) {
	case EINVAL:
		fputs(" (malformed image, or an image of a failed checkpoint: run ckptinfo on it)",
		      stderr);
		break;
	case ESTALE:
		fputs(" (a file changed since the checkpoint; -F accepts it)", stderr);
		break;
	case ENOENT:
		fputs(" (a file of the image is gone)", stderr);
		break;
	case EPERM:
		fputs(" (the image's credentials or resource limits exceed yours)", stderr);
		break;
	case EOPNOTSUPP:
		fputs(" (this CPU lacks XSAVE features the image uses)", stderr);
		break;
	case ENOTTY:
		fputs(" (the image has a terminal: run mktree with one on its standard"
		      " input, output or error)", stderr);
		break;
	}
	fputc('\n', stderr);
}

/* How the restarted task ended, as a shell reports it; returns the exit status. */
static int report_end(const struct spawn *sp, int status)
{
	pid_t pid = sp->task ?: sp->pid;
	int sig;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return EXIT_FAILURE;

	sig = WTERMSIG(status);
	if (sig == SIGKILL)
		fprintf(stderr, "%s: pid %d was killed by SIGKILL; if that happened during the"
			" restart, the restart failed midway: see the kernel log\n", prog, pid);
	else if (sig != SIGINT && sig != SIGPIPE)
		fprintf(stderr, "%s: pid %d: %s%s\n", prog, pid, strsignal(sig),
			WCOREDUMP(status) ? " (core dumped)" : "");
	return 128 + sig;
}

/* Once the restarted task (or tree) runs: waits for it, or with -d prints its pid */
static int finish(struct image *im, struct spawn *sp, bool detach)
{
	int status, ret;

	if (detach) {
		/* It may still be reading the image from the copier */
		image_wait(im);
		ret = spawn_wait(sp, &status, true);
		if (ret < 0)
			return EXIT_FAILURE;
		if (ret > 0)
			return report_end(sp, status);
		printf("%d\n", sp->task ?: sp->pid);
		return fflush(stdout) == EOF ? EXIT_FAILURE : EXIT_SUCCESS;
	}

	if (spawn_wait(sp, &status, false) < 0)
		return EXIT_FAILURE;
	return report_end(sp, status);
}

/* The coordinated restart of a tree failed (tree.c printed which task and why) */
static void report_tree_failure(int err)
{
	fprintf(stderr, "%s: restart of the tree failed, every task of it was killed\n",
		prog);
	report_failure(err);
}

int main(int argc, char **argv)
{
	struct spawn_opts so;
	struct options opt;
	struct image im;
	struct spawn sp;
	int err, status;

	if (parse_args(argc, argv, &opt) < 0) {
		usage(stderr);
		return EXIT_FAILURE;
	}

	if (!ckpt_sys_has_restart()) {
		fprintf(stderr, "%s: this kernel has no checkpoint support (%s)\n",
			prog, ckpt_sys_probe_detail(errno));
		return EXIT_FAILURE;
	}

	if (image_open(&im, opt.file) < 0 || image_read_header(&im) < 0)
		return EXIT_FAILURE;
	if (im.have_tree && im.nr_tasks > 1) {
		struct tree_opts to = { .pidns = opt.pidns, .flags = opt.flags };

		err = tree_restart(&im, &to, &sp);
		if (err) {
			if (err > 0)
				report_tree_failure(err);
			return EXIT_FAILURE;
		}
		if (spawn_forward_signals(&sp) < 0) {
			kill(sp.pid, SIGKILL);
			spawn_wait(&sp, &status, false);
			return EXIT_FAILURE;
		}
		return finish(&im, &sp, opt.detach);
	}

	memset(&so, 0, sizeof(so));
	so.pid = im.hdr.root_pid;
	so.pidns = opt.pidns;
	so.image_fd = im.restart_fd;
	so.flags = opt.flags;
	so.close_fd = image_relay_wr(&im);
	fflush(NULL);
	if (spawn_restart(&so, &sp) < 0)
		return EXIT_FAILURE;

	if (spawn_forward_signals(&sp) < 0 || image_start(&im) < 0) {
		kill(sp.pid, SIGKILL);
		spawn_wait(&sp, &status, false);
		return EXIT_FAILURE;
	}

	err = spawn_early_result(&sp);
	if (err) {
		if (err > 0)
			report_failure(err);
		else
			kill(sp.pid, SIGKILL);
		spawn_wait(&sp, &status, false);
		return EXIT_FAILURE;
	}
	/* The restarted task runs: while it is there, find its pid */
	spawn_task_pid(&sp);
	return finish(&im, &sp, opt.detach);
}

