// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo - decode and check a checkpoint image
 *
 * Prints every record of the image with its offset, type and length and
 * its decoded fields (with -v, also each queued signal; with -s, the
 * number of tasks of the tree and one line per task instead), then a
 * verdict that sums up what the image holds.
 * The image is checked as restart(2) will: each record on its own, and
 * against the records before it (see ckpt_state.h). Exit status: 0 for
 * a valid complete image, 1 for the image of a failed checkpoint, 2 for a
 * malformed or truncated image (or any other problem, such as a bad
 * usage).
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

enum mode {
	MODE_RECORDS,		/* every record */
	MODE_SUMMARY,		/* one line per task */
	MODE_QUIET,		/* only the verdict */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-q|-s|-v] [FILE|-]\n"
		"Decode and check a checkpoint image (standard input by default).\n"
		"  -q  print only the verdict\n"
		"  -s  print the number of tasks, then one line per task, instead of\n"
		"      every record\n"
		"  -v  print every record with more detail: each queued signal\n"
		"Exit status: 0 valid complete image, 1 image of a failed checkpoint,\n"
		"2 malformed or truncated image, or another error.\n", prog);
}

static void print_record(const struct ckpt_record *rec, const struct ckpt_stream *s,
			 void *arg)
{
	FILE *out = arg;
	char name[32];

	fprintf(out, "%10" PRIu64 "  %-12s len %" PRIu32 "\n", rec->offset,
		ckpt_rec_name(rec, name, sizeof(name)), rec->len);
	if (rec->rt)
		rec->rt->print(out, rec->data, rec->len, &s->st);
	else
		fprintf(out, "    unknown record type %" PRIu32 ", skipped\n", rec->type);
}

static double mib(uint64_t pages, uint32_t page_size)
{
	return (double)pages * page_size / (1 << 20);
}

/* The line of the task whose state was read last */
static void print_task(FILE *out, const struct ckpt_state *st)
{
	const struct ckpt_task_info *t = &st->task;
	int nr_sig = __builtin_popcountll(t->sigpending);
	uint32_t nr_timers = t->nr_itimers_armed;
	char why[128];

	fprintf(out, "task %" PRId32 " \"", t->pid);
	ckpt_print_str(out, t->comm, sizeof(t->comm));
	fprintf(out, "\": %" PRIu32 " fd%s, %" PRIu32 " file%s, %" PRIu32 " VMA%s, %"
		PRIu64 " page%s (%.1f MiB) saved",
		t->nr_fds, t->nr_fds == 1 ? "" : "s",
		t->nr_files, t->nr_files == 1 ? "" : "s",
		t->nr_vmas, t->nr_vmas == 1 ? "" : "s",
		t->nr_pages, t->nr_pages == 1 ? "" : "s", mib(t->nr_pages, st->page_size));
	if (t->nr_pipes)
		fprintf(out, ", %" PRIu32 " pipe%s (%" PRIu64 " byte%s in flight)",
			t->nr_pipes, t->nr_pipes == 1 ? "" : "s",
			t->pipe_bytes, t->pipe_bytes == 1 ? "" : "s");
	if (nr_sig)
		fprintf(out, ", %d pending signal%s", nr_sig, nr_sig == 1 ? "" : "s");
	if (nr_timers)
		fprintf(out, ", %" PRIu32 " armed timer%s", nr_timers,
			nr_timers == 1 ? "" : "s");
	if (t->nr_posix_timers)
		fprintf(out, ", %" PRIu32 " POSIX timer%s", t->nr_posix_timers,
			t->nr_posix_timers == 1 ? "" : "s");
	if (ckpt_state_task_pending(st, why, sizeof(why)))
		fprintf(out, ", incomplete: %s", why);
	putc('\n', out);
}

/* With -s: the tasks the tree lists (the record may be malformed) */
static void print_tree(FILE *out, const struct ckpt_record *rec)
{
	struct ckpt_hdr_tree t;

	ckpt_decode_tree(rec->data, &t);
	fprintf(out, "tree: %" PRIu32 " task%s%s\n", t.nr_tasks, t.nr_tasks == 1 ? "" : "s",
		t.flags & CKPT_TREE_CONTAINER ?
		", a container (the root is the init of its pid namespace)" : "");
}

/* Tasks printed by print_summary() */
static uint64_t tasks_printed;

/* With -s: each task once its state is read */
static void print_summary(const struct ckpt_record *rec, const struct ckpt_stream *s,
			  void *arg)
{
	switch (rec->type) {
	case CKPT_HDR_TREE:
		print_tree(arg, rec);
		break;
	case CKPT_HDR_TASK:
	case CKPT_HDR_ERROR:
	case CKPT_HDR_TRAILER:
		if (s->st.in_task) {
			print_task(arg, &s->st);
			tasks_printed = s->st.nr_tasks;
		}
		break;
	}
}

/* Tasks, areas, pages and files, for the verdict */
static void print_counts(FILE *out, const struct ckpt_state *st)
{
	fprintf(out, "%" PRIu64 " task%s, %" PRIu64 " VMA%s, %" PRIu64
		" page%s (%.1f MiB) saved, %" PRIu64 " file%s",
		st->nr_tasks, st->nr_tasks == 1 ? "" : "s",
		st->nr_vmas_total, st->nr_vmas_total == 1 ? "" : "s",
		st->nr_pages_total, st->nr_pages_total == 1 ? "" : "s",
		mib(st->nr_pages_total, st->page_size),
		st->nr_files, st->nr_files == 1 ? "" : "s");
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
		fputs(": ", stdout);
		print_counts(stdout, &s->st);
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
	enum mode mode = MODE_RECORDS;
	ckpt_record_fn *fn = NULL;
	struct ckpt_reader r;
	struct ckpt_stream s;
	enum ckpt_verdict v;
	int fd = STDIN_FILENO;
	int opt, status;

	opterr = 0;
	while ((opt = getopt(argc, argv, "qsvh")) != -1) {
		switch (opt) {
		case 'q':
			mode = MODE_QUIET;
			break;
		case 's':
			mode = MODE_SUMMARY;
			break;
		case 'v':
			ckpt_rec_verbose = true;
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

	if (mode == MODE_RECORDS)
		fn = print_record;
	else if (mode == MODE_SUMMARY)
		fn = print_summary;
	ckpt_reader_init_fd(&r, fd);
	v = ckpt_image_scan(&r, &s, fn, stdout);
	ckpt_reader_release(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	/* The scan stopped inside the state of a task */
	if (mode == MODE_SUMMARY && s.st.nr_tasks > tasks_printed)
		print_task(stdout, &s.st);

	fflush(stdout);		/* the records come before a verdict on stderr */
	status = report(file, &s, v);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: error writing to stdout\n", prog);
		return EXIT_MALFORMED;
	}
	return status;
}
