/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image mktree restarts, and its first records.
 *
 * mktree needs the start of the stream (HEADER, HEADER_ARCH and TREE: the
 * root pid and the number of tasks) before it creates the process that
 * calls restart(2), which then reads the whole image, these records
 * included, from a file descriptor:
 *
 * - a seekable input is read and put back to where it was: the
 *   restarting process reads it itself;
 * - anything else (a pipe from ckpt, say) cannot be put back: mktree
 *   reads the first records, then a copier thread writes them and
 *   everything that follows into a pipe of its own, whose read end the
 *   restarting process gets.
 *
 * The header must be valid, and the arch and tree records, when they are
 * there, too. Anything else in their place (the ERROR record of a failed
 * checkpoint, the end of a truncated image) is left to restart(2), which
 * refuses it.
 */
#ifndef MKTREE_IMAGE_H
#define MKTREE_IMAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/checkpoint.h>

struct image {
	const char *name;		/* for messages */
	int fd;				/* the input */
	bool own_fd;			/* opened by image_open() */
	int restart_fd;			/* what restart(2) reads */
	struct ckpt_hdr_header hdr;	/* decoded */
	bool have_tree;			/* the TREE record was read: */
	uint32_t nr_tasks;		/* its number of tasks */
	uint32_t tree_flags;		/* CKPT_TREE_CONTAINER */
	struct ckpt_tree_task *tasks;	/* its entries, decoded */

	/* The first records, as read from the input */
	unsigned char *prefix;
	size_t prefix_len;

	/* A relay pipe when the input does not seek */
	bool relay;
	int relay_wr;			/* its write end, the copier's */
	pthread_t copier;
	bool copier_running;
	int read_err;			/* errno of a failed read of the input */
};

/* Opens file, or takes stdin if file is NULL. -1 after printing why. */
int image_open(struct image *im, const char *file);

/*
 * Reads and checks the header, the arch and tree records, and gets
 * im->restart_fd ready. Returns -1 after printing why.
 */
int image_read_header(struct image *im);

/*
 * Once the restarting process has im->restart_fd: closes mktree's copy of
 * it and starts the copier if there is a relay. -1 after printing why.
 */
int image_start(struct image *im);

/*
 * Waits until the copier has copied the whole input (or the restarting
 * process stopped reading it). Returns -1 after printing why if the
 * input could not be read.
 */
int image_wait(struct image *im);

/* The write end of the relay pipe, which a restarting process must not keep; or -1. */
int image_relay_wr(const struct image *im);

#endif /* MKTREE_IMAGE_H */
