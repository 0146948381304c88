/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the image of a checkpoint goes, and reading it back.
 *
 * The kernel writes the image to a file descriptor and, when it fails,
 * explains why in an error record at the end of the image. To find that
 * record (and to check a successful image before killing its task):
 *
 * - a regular file is read back afterwards with pread(2), from the offset
 *   where the image starts;
 * - anything else (pipe, socket, device) gets a pipe interposed: the
 *   kernel writes into it and a thread copies the bytes to the real
 *   output, scanning the records as they pass.
 */
#ifndef CKPT_OUTPUT_H
#define CKPT_OUTPUT_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ckpt_stream.h"

struct output {
	const char *name;	/* for messages */
	int fd;			/* the image goes there */
	bool own_fd;		/* opened by output_open() */
	bool regular;
	int kfd;		/* what checkpoint(2) writes to */

	/* Regular file: the image is read back through rfd from start */
	int rfd;
	off_t start;

	/* Anything else: a copier thread reads the pipe into fd */
	int pipe_rd;
	pthread_t copier;
	int write_err;		/* errno of the first failed write to fd */

	/* The image as read back, after output_finish() */
	struct ckpt_stream stream;
	enum ckpt_verdict verdict;
};

/* Opens path (created 0600, truncated), or takes stdout if path is NULL. */
int output_open(struct output *o, const char *path);
/* Gets o->kfd ready for checkpoint(2). */
int output_start(struct output *o);
/*
 * After checkpoint(2): collects the image into o->stream and o->verdict,
 * syncing a regular file to disk if sync is set. Returns -1 after printing
 * why if the image could not be stored in full.
 */
int output_finish(struct output *o, bool sync);
/* Returns -1 after printing why if closing loses data. */
int output_close(struct output *o);

#endif /* CKPT_OUTPUT_H */
