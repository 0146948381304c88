// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo - decode and check a checkpoint image
 *
 * Prints every record of the image with its offset, type and length and
 * its decoded fields, then a verdict. Exit status: 0 for a valid complete
 * image, 1 for the image of a failed checkpoint, 2 for a malformed or
 * truncated image (or any other problem, such as a bad usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_reader.h"
#include "ckpt_stream.h"
#include "ckpt_util.h"

#define EXIT_MALFORMED	2

static const char *prog = "ckptinfo";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-q] [FILE|-]\n"
		"Decode and check a checkpoint image (standard input by default).\n"
		"  -q  print only the verdict\n"
		"Exit status: 0 valid complete image, 1 image of a failed checkpoint,\n"
		"2 malformed or truncated image, or another error.\n", prog);
}

static void print_record(const struct ckpt_record *rec, void *arg)
{
	FILE *out = arg;
	char name[32];

	fprintf(out, "%10" PRIu64 "  %-12s len %" PRIu32 "\n", rec->offset,
		ckpt_rec_name(rec, name, sizeof(name)), rec->len);
	if (rec->rt)
		rec->rt->print(out, rec->data, rec->len);
	else
		fprintf(out, "    unknown record type %" PRIu32 ", skipped\n", rec->type);
}

static void print_failure(FILE *out, const char *prefix, const struct ckpt_error_info *e)
{
	const char *name = ckpt_errno_name(e->errnum);

	fprintf(out, "%scheckpoint failed: ", prefix);
	ckpt_print_str(out, e->msg, sizeof(e->msg));
	if (name)
		fprintf(out, " (%s)\n", name);
	else
		fprintf(out, " (errno %d)\n", e->errnum);
}

/* Prints the verdict; returns the exit status. */
static int report(const char *file, const struct ckpt_stream *s, enum ckpt_verdict v)
{
	switch (v) {
	case CKPT_IMAGE_COMPLETE:
		printf("valid image: %" PRIu64 " records, checkpoint id %" PRIu64,
		       s->nr_records, s->ckpt_id);
		if (s->nr_unknown)
			printf(", %" PRIu64 " of unknown type (skipped)", s->nr_unknown);
		putchar('\n');
		return EXIT_SUCCESS;
	case CKPT_IMAGE_FAILED:
		print_failure(stdout, "", &s->error);
		return EXIT_FAILURE;
	case CKPT_IMAGE_MALFORMED:
		fprintf(stderr, "%s: %s: %s image: %s\n", prog, file,
			s->truncated ? "truncated" : "malformed", s->err);
		if (s->have_error)
			print_failure(stderr, "note: the image has an error record: ", &s->error);
		return EXIT_MALFORMED;
	case CKPT_IMAGE_IOERR:
		fprintf(stderr, "%s: %s: %s\n", prog, file, s->err);
		return EXIT_MALFORMED;
	}
	return EXIT_MALFORMED;
}

int main(int argc, char **argv)
{
	const char *file = "-";
	bool quiet = false;
	struct ckpt_reader r;
	struct ckpt_stream s;
	enum ckpt_verdict v;
	int fd = STDIN_FILENO;
	int opt, status;

	opterr = 0;
	while ((opt = getopt(argc, argv, "qh")) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
			usage(stderr);
			return EXIT_MALFORMED;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_MALFORMED;
	}
	if (optind < argc)
		file = argv[optind];

	if (strcmp(file, "-")) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
			return EXIT_MALFORMED;
		}
	} else {
		file = "<stdin>";
	}

	ckpt_reader_init_fd(&r, fd);
	v = ckpt_image_scan(&r, &s, quiet ? NULL : print_record, stdout);
	ckpt_reader_release(&r);
	if (fd != STDIN_FILENO)
		close(fd);

	fflush(stdout);		/* the records come before a verdict on stderr */
	status = report(file, &s, v);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: error writing to stdout\n", prog);
		return EXIT_MALFORMED;
	}
	return status;
}
