// SPDX-License-Identifier: GPL-2.0
/*
 * counter - the classic checkpoint/restart demonstration program
 *
 *	counter FILE
 *
 * Appends "count 1", "count 2", ... to FILE, one line a second, for ever.
 * Checkpoint it (ckpt -k PID > IMAGE), restart it (mktree -i IMAGE) and
 * the sequence in FILE goes on from where it stopped, without a number
 * missing or written twice.
 *
 * What makes that work:
 *  - FILE is opened with O_APPEND: every line lands at the end of the
 *    file, whatever the file offset was when the image was taken.
 *  - Each line is flushed and synced before the program sleeps, so what
 *    the file holds and what the program's memory says it wrote agree.
 *  - The program spends nearly all its time in nanosleep(2), so that is
 *    where a checkpoint usually finds it; after a restart the kernel
 *    resumes the sleep with the time that was left.
 *
 * No threads, no children, no signals to itself: a single task, which is
 * what checkpoint(2) saves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Sleeps for one second, going on with the time left if interrupted */
static void sleep_one_second(void)
{
	struct timespec left = { .tv_sec = 1, .tv_nsec = 0 };

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	unsigned long count;
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	/* "a": O_WRONLY | O_CREAT | O_APPEND; "e": O_CLOEXEC */
	out = fopen(argv[1], "ae");
	if (!out) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}

	for (count = 1;; count++) {
		fprintf(out, "count %lu\n", count);
		if (fflush(out) == EOF || fsync(fileno(out)) < 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1],
				strerror(errno));
			return 1;
		}
		sleep_one_second();
	}
}
