// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt - checkpoint a process and its descendants, or a container
 *
 * Stops the process (unless it is stopped already), has the kernel write
 * its image to standard output or to a file, and puts the process back
 * as it was, or kills it with -k once the image is safely stored.
 *
 * The init of a pid namespace other than ckpt's own is taken with its
 * whole namespace (checkpoint(2) without CHECKPOINT_SUBTREE); any other
 * process (or that init too, with -t) with its descendants.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/checkpoint.h>

#include "ckpt_sys.h"
#include "ckpt_util.h"
#include "freeze.h"
#include "output.h"

struct options {
	pid_t pid;
	const char *file;	/* NULL: stdout */
	bool kill;
	bool verbose;
	bool subtree;		/* -t: CHECKPOINT_SUBTREE even for a pid ns init */
	bool external;		/* -x: CHECKPOINT_EXTERNAL */
	unsigned long flags;	/* checkpoint(2) flags */
};

static volatile sig_atomic_t interrupted;

/* When each step ended: how long the processes were kept still */
enum step { STEP_START, STEP_FROZEN, STEP_SAVED, STEP_THAWED, NR_STEPS };

static void step_done(struct timespec *at, enum step s)
{
	clock_gettime(CLOCK_MONOTONIC, &at[s]);
}

static double step_ms(const struct timespec *at, enum step from, enum step to)
{
	return (double)(at[to].tv_sec - at[from].tv_sec) * 1e3 +
	       (double)(at[to].tv_nsec - at[from].tv_nsec) / 1e6;
}

/*
 * -v: how long the processes were kept still by ckpt (not when they were
 * found stopped or frozen), from the first freeze to the last thaw
 */
static void report_frozen(const struct timespec *at, bool thawed)
{
	if (thawed)
		fprintf(stderr, "%s: kept still for %.3f ms: freezing %.3f ms, checkpoint"
			" %.3f ms, thawing %.3f ms\n", program_invocation_short_name,
			step_ms(at, STEP_START, STEP_THAWED),
			step_ms(at, STEP_START, STEP_FROZEN),
			step_ms(at, STEP_FROZEN, STEP_SAVED),
			step_ms(at, STEP_SAVED, STEP_THAWED));
	else
		fprintf(stderr, "%s: kept still until killed: freezing %.3f ms, checkpoint"
			" %.3f ms\n", program_invocation_short_name,
			step_ms(at, STEP_START, STEP_FROZEN),
			step_ms(at, STEP_FROZEN, STEP_SAVED));
}

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-ktvx] [-o FILE] PID\n"
		"Checkpoint process PID and its descendants or, if PID is the init of a\n"
		"pid namespace (a container), the whole namespace, writing the image to\n"
		"standard output or FILE.\n"
		"  -k       kill the process after a successful checkpoint\n"
		"  -o FILE  write the image to FILE (created with mode 0600)\n"
		"  -t       take PID and its descendants only, even if it is the init\n"
		"           of a pid namespace\n"
		"  -v       say what is checkpointed, how the process was frozen, the\n"
		"           checkpoint id, what the image holds and how long the\n"
		"           processes were kept still, on standard error\n"
		"  -x       accept what the processes share with processes outside (a\n"
		"           pipe to one, say): it is not shared after a restart\n",
		program_invocation_short_name);
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	int c;

	memset(opt, 0, sizeof(*opt));
	opterr = 0;
	while ((c = getopt(argc, argv, "hko:tvx")) != -1) {
		switch (c) {
		case 'k':
			opt->kill = true;
			break;
		case 't':
			opt->subtree = true;
			break;
		case 'o':
			opt->file = optarg;
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'x':
			opt->external = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			if (optopt == 'o')
				warnx("option -o needs a FILE");
			else
				warnx("unknown option -%c", optopt);
			return -1;
		}
	}
	if (argc - optind != 1)
		return -1;
	opt->pid = ckpt_parse_pid(argv[optind]);
	if (opt->pid < 0) {
		warnx("invalid pid '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/*
 * Whether pid is the init of a pid namespace other than ours: the NSpid
 * line of its status lists its pid in each pid namespace from ours down
 * to its own, where an init has pid 1. Without the line (no pid
 * namespaces), there is only ours. 1 yes, 0 no, -1 after printing why.
 */
static int is_pidns_init(pid_t pid)
{
	static const char key[] = "NSpid:";
	char path[64], *line = NULL, *p, *end;
	size_t cap = 0;
	unsigned int n = 0;
	long v, last = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			warnx("no process %d", pid);
		else
			warn("%s", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		for (p = line + sizeof(key) - 1;; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			last = v;
			n++;
		}
		break;
	}
	free(line);
	fclose(f);
	return n > 1 && last == 1;
}

/* The checkpoint(2) flags for the target; -1 after printing why. */
static int choose_flags(struct options *opt)
{
	int init = 0;

	if (!opt->subtree) {
		init = is_pidns_init(opt->pid);
		if (init < 0)
			return -1;
	}
	opt->flags = init ? 0 : CHECKPOINT_SUBTREE;
	if (opt->external && init) {
		warnx("-x: a container may share nothing with processes outside it;"
		      " -t takes its init as a subtree");
		return -1;
	}
	if (opt->external)
		opt->flags |= CHECKPOINT_EXTERNAL;
	if (opt->verbose && init)
		warnx("checkpointing the pid namespace of init %d", opt->pid);
	else if (opt->verbose)
		warnx("checkpointing pid %d and its descendants", opt->pid);
	return 0;
}

/* Interruptions are noticed, not fatal: the target must be put back. */
static int catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < CKPT_ARRAY_SIZE(sigs); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0) {
			warn("sigaction");
			return -1;
		}
	}
	/* A closed output must be an error to report, not death */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0) {
		warn("sigaction");
		return -1;
	}
	return 0;
}

/* "ckpt: checkpoint of pid N failed: <the kernel's error record> (<strerror>)" */
static void report_failure(pid_t pid, int err, const struct output *o)
{
	fprintf(stderr, "%s: checkpoint of pid %d failed: ", program_invocation_short_name,
		pid);
	if (o->stream.have_error) {
		ckpt_print_str(stderr, o->stream.error.msg, sizeof(o->stream.error.msg));
		fprintf(stderr, " (%s)\n", strerror(err));
		if (o->stream.error.errnum != err)
			warnx("the error record says %s", strerror(o->stream.error.errnum));
	} else {
		fprintf(stderr, "%s\n", strerror(err));
	}
}

/* With -v, after a successful checkpoint */
static void report_success(long id, const struct output *o)
{
	const struct ckpt_state *st = &o->stream.st;
	uint64_t bytes = st->nr_pages_total * st->page_size;

	fprintf(stderr, "%s: checkpoint id %ld: %" PRIu64 " task%s, %" PRIu64 " VMA%s, %"
		PRIu64 " page%s (%.1f MiB) saved, %" PRIu64 " file%s\n",
		program_invocation_short_name, id,
		st->nr_tasks, st->nr_tasks == 1 ? "" : "s",
		st->nr_vmas_total, st->nr_vmas_total == 1 ? "" : "s",
		st->nr_pages_total, st->nr_pages_total == 1 ? "" : "s",
		(double)bytes / (1 << 20), st->nr_files, st->nr_files == 1 ? "" : "s");
}

/* After a successful checkpoint(2): is the image usable? */
static bool image_ok(const struct options *opt, long id, const struct output *o)
{
	switch (o->verdict) {
	case CKPT_IMAGE_COMPLETE:
		return true;
	case CKPT_IMAGE_IOERR:
		warnx("%s: cannot read the image back: %s", o->name, o->stream.err);
		return false;
	default:
		warnx("checkpoint %ld of %d wrote an unusable image to %s: %s",
		      id, opt->pid, o->name, o->stream.err);
		return false;
	}
}

int main(int argc, char **argv)
{
	struct timespec at[NR_STEPS];
	struct options opt;
	struct output out;
	struct target t;
	bool ok, froze;
	long id;
	int err;

	if (parse_args(argc, argv, &opt) < 0) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	if (opt.pid == getpid()) {
		warnx("cannot checkpoint myself");
		return EXIT_FAILURE;
	}
	if (!ckpt_sys_has_checkpoint()) {
		warnx("this kernel has no checkpoint support (%s)",
		      ckpt_sys_probe_detail(errno));
		return EXIT_FAILURE;
	}
	if (choose_flags(&opt) < 0 || catch_signals() < 0 || output_open(&out, opt.file) < 0)
		return EXIT_FAILURE;

	t.pid = opt.pid;
	t.verbose = opt.verbose;
	step_done(at, STEP_START);
	if (target_freeze(&t, &interrupted) < 0) {
		output_close(&out);
		return EXIT_FAILURE;
	}
	if (output_start(&out) < 0) {
		target_thaw(&t);
		output_close(&out);
		return EXIT_FAILURE;
	}

	step_done(at, STEP_FROZEN);
	/* target_thaw() forgets it */
	froze = t.how != FREEZE_NONE;
	id = ckpt_sys_checkpoint(opt.pid, out.kfd, opt.flags);
	err = errno;
	step_done(at, STEP_SAVED);
	/* Unless it is to be killed, the target need not wait for the output */
	if (!opt.kill) {
		target_thaw(&t);
		step_done(at, STEP_THAWED);
	}

	ok = output_finish(&out, opt.kill) == 0;
	if (id < 0) {
		report_failure(opt.pid, err, &out);
		ok = false;
	} else if (ok) {
		ok = image_ok(&opt, id, &out);
	}
	if (output_close(&out) < 0)
		ok = false;
	if (interrupted) {
		warnx("interrupted by signal %d (%s)", (int)interrupted,
		      strsignal(interrupted));
		ok = false;
	}

	if (opt.kill) {
		if (ok)
			ok = target_kill(&t) == 0;
		else
			target_thaw(&t);
	}
	if (ok && opt.verbose) {
		report_success(id, &out);
		if (froze)
			report_frozen(at, !opt.kill);
	}
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
