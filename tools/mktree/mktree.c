// SPDX-License-Identifier: GPL-2.0
/*
 * mktree - restart a checkpoint image
 *
 * Reads the image from standard input or from FILE and hands it to
 * restart(2).
 *
 * Today the calling process restores itself (restart(0, fd, 0)). Later,
 * mktree will first rebuild the process tree recorded in the image: read
 * the task records, fork one process per task with the right parent, and
 * have each of them call restart(2) on its part of the stream. That work
 * belongs in build_tree(); main() only opens the image and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_sys.h"

static const char *prog = "mktree";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-i FILE]\n"
		"Restart the checkpoint image read from FILE (standard input by default).\n",
		prog);
}

/* Opens the image; returns its fd, or -1 after saying why. */
static int open_image(const char *file)
{
	int fd = STDIN_FILENO;

	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
			return -1;
		}
	}
	if (isatty(fd)) {
		fprintf(stderr, "%s: refusing to read an image from a terminal\n", prog);
		if (fd != STDIN_FILENO)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Rebuilds the process tree of the image and restarts it. For now there
 * is a single task, the caller: restart(2) only returns on failure.
 */
static int build_tree(int fd)
{
	if (ckpt_sys_restart(0, fd, 0) < 0)
		return -1;
	return 0;
}

static void report_failure(int err)
{
	fprintf(stderr, "%s: restart failed: %s", prog, strerror(err));
	if (err == EINVAL)
		fputs(" (malformed image, or an image of a failed checkpoint: run ckptinfo on it)",
		      stderr);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	int fd, opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "i:h")) != -1) {
		switch (opt) {
		case 'i':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			if (optopt == 'i')
				fprintf(stderr, "%s: option -i needs a FILE\n", prog);
			else
				fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}

	if (!ckpt_sys_has_restart()) {
		fprintf(stderr, "%s: this kernel has no checkpoint support (%s)\n",
			prog, ckpt_sys_probe_detail(errno));
		return EXIT_FAILURE;
	}

	fd = open_image(file);
	if (fd < 0)
		return EXIT_FAILURE;

	if (build_tree(fd) < 0) {
		report_failure(errno);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
