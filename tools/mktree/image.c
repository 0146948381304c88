// SPDX-License-Identifier: GPL-2.0
/*
 * The image mktree restarts, and its first records.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_records.h"
#include "ckpt_util.h"
#include "image.h"
#include "mktree.h"

int image_open(struct image *im, const char *file)
{
	memset(im, 0, sizeof(*im));
	im->fd = STDIN_FILENO;
	im->name = "<stdin>";
	im->restart_fd = -1;
	im->relay_wr = -1;
	if (file) {
		im->name = file;
		im->fd = open(file, O_RDONLY | O_CLOEXEC);
		if (im->fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
			return -1;
		}
		im->own_fd = true;
	}
	if (isatty(im->fd)) {
		fprintf(stderr, "%s: refusing to read an image from a terminal\n", prog);
		if (im->own_fd)
			close(im->fd);
		return -1;
	}
	return 0;
}

/* Reads up to len bytes, fewer only at the end of the input. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = ckpt_read(fd, (char *)buf + done, len - done);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/*
 * Reads up to len more bytes of the input onto the prefix: returns how
 * many (fewer only at the end of the input), or -1 after printing why.
 */
static ssize_t read_prefix(struct image *im, size_t len)
{
	unsigned char *p;
	ssize_t got;

	p = realloc(im->prefix, im->prefix_len + len);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	im->prefix = p;
	got = read_full(im->fd, p + im->prefix_len, len);
	if (got < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, im->name, strerror(errno));
		return -1;
	}
	im->prefix_len += got;
	return got;
}

/* Checks the header record as restart(2) will. */
static int check_header(struct image *im, size_t got)
{
	const struct ckpt_rec_type *rt = ckpt_rec_type_find(CKPT_HDR_HEADER);
	struct ckpt_hdr h;
	char why[256];

	if (!got) {
		fprintf(stderr, "%s: %s: no image: the input is empty\n", prog, im->name);
		return -1;
	}
	if (got < sizeof(struct ckpt_hdr_header)) {
		fprintf(stderr, "%s: %s: not a checkpoint image: it ends after %zu bytes,"
			" inside the header\n", prog, im->name, got);
		return -1;
	}
	memcpy(&h, im->prefix, sizeof(h));
	if (le32toh(h.type) != CKPT_HDR_HEADER ||
	    le32toh(h.len) != sizeof(struct ckpt_hdr_header)) {
		fprintf(stderr, "%s: %s: not a checkpoint image (no header record)\n",
			prog, im->name);
		return -1;
	}
	if (rt->check(im->prefix, sizeof(struct ckpt_hdr_header), why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: not a checkpoint image this tool can restart: %s\n",
			prog, im->name, why);
		return -1;
	}
	ckpt_decode_header(im->prefix, &im->hdr);
	return 0;
}

/*
 * Reads the next record if it is of this type, and checks it as
 * restart(2) will. Returns 1 with *off its offset in the prefix, 0 if the
 * input has something else there (left to restart(2)), -1 after printing
 * why.
 */
static int read_record(struct image *im, uint32_t type, size_t *off)
{
	const struct ckpt_rec_type *rt = ckpt_rec_type_find(type);
	struct ckpt_hdr h;
	char why[256];
	size_t total;
	ssize_t got;

	*off = im->prefix_len;
	got = read_prefix(im, sizeof(h));
	if (got < 0)
		return -1;
	if ((size_t)got < sizeof(h))
		return 0;
	memcpy(&h, im->prefix + *off, sizeof(h));
	if (le32toh(h.type) != type)
		return 0;
	h.len = le32toh(h.len);
	if (h.len < rt->min_len || (rt->max_len && h.len > rt->max_len)) {
		fprintf(stderr, "%s: %s: malformed image: %s record of %" PRIu32 " bytes\n",
			prog, im->name, rt->name, h.len);
		return -1;
	}

	total = CKPT_ALIGN((size_t)h.len, (size_t)CKPT_RECORD_ALIGN);
	got = read_prefix(im, total - sizeof(h));
	if (got < 0)
		return -1;
	if ((size_t)got < total - sizeof(h))
		return 0;
	if (rt->check(im->prefix + *off, h.len, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: malformed image: %s record: %s\n",
			prog, im->name, rt->name, why);
		return -1;
	}
	return 1;
}

/* Reads the arch header and the tree of tasks that follow the header. */
static int read_tree(struct image *im)
{
	struct ckpt_hdr_tree t;
	size_t off;
	int ret;

	ret = read_record(im, CKPT_HDR_HEADER_ARCH, &off);
	if (ret <= 0)
		return ret;
	ret = read_record(im, CKPT_HDR_TREE, &off);
	if (ret <= 0)
		return ret;
	ckpt_decode_tree(im->prefix + off, &t);
	im->tasks = calloc(t.nr_tasks, sizeof(*im->tasks));
	if (!im->tasks) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (uint32_t i = 0; i < t.nr_tasks; i++)
		ckpt_decode_tree_task(im->prefix + off, i, &im->tasks[i]);
	im->have_tree = true;
	im->nr_tasks = t.nr_tasks;
	im->tree_flags = t.flags;
	return 0;
}

int image_read_header(struct image *im)
{
	off_t start;
	ssize_t got;
	int p[2];

	start = lseek(im->fd, 0, SEEK_CUR);
	got = read_prefix(im, sizeof(struct ckpt_hdr_header));
	if (got < 0 || check_header(im, got) < 0 || read_tree(im) < 0)
		return -1;

	if (start >= 0) {
		/* The restarting process reads the input itself, from the start */
		if (lseek(im->fd, start, SEEK_SET) < 0) {
			fprintf(stderr, "%s: %s: cannot seek back to the header: %s\n",
				prog, im->name, strerror(errno));
			return -1;
		}
		im->restart_fd = im->fd;
		free(im->prefix);
		im->prefix = NULL;
		im->prefix_len = 0;
		return 0;
	}

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return -1;
	}
	im->relay = true;
	im->restart_fd = p[0];
	im->relay_wr = p[1];
	return 0;
}

int image_relay_wr(const struct image *im)
{
	return im->relay ? im->relay_wr : -1;
}

/* Copies the first records, then the rest of the input, into the relay pipe */
static void *copier(void *arg)
{
	struct image *im = arg;
	char buf[65536];
	ssize_t n;

	/* EPIPE: the restarting process is gone or done reading */
	n = ckpt_write_all(im->relay_wr, im->prefix, im->prefix_len);
	free(im->prefix);
	im->prefix = NULL;
	if (n < 0)
		goto out;
	for (;;) {
		n = ckpt_read(im->fd, buf, sizeof(buf));
		if (n < 0)
			im->read_err = errno;
		if (n <= 0)
			break;
		if (ckpt_write_all(im->relay_wr, buf, n) < 0)
			break;
	}
out:
	/* The end of the image for restart(2) */
	close(im->relay_wr);
	im->relay_wr = -1;
	return NULL;
}

int image_start(struct image *im)
{
	sigset_t all, old;
	int ret;

	if (!im->relay)
		return 0;
	close(im->restart_fd);
	im->restart_fd = -1;

	/* Signals are for the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&im->copier, NULL, copier, im);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		fprintf(stderr, "%s: cannot start the copier thread: %s\n", prog, strerror(ret));
		close(im->relay_wr);
		im->relay_wr = -1;
		return -1;
	}
	im->copier_running = true;
	return 0;
}

int image_wait(struct image *im)
{
	if (!im->copier_running)
		return 0;
	pthread_join(im->copier, NULL);
	im->copier_running = false;
	if (im->read_err) {
		fprintf(stderr, "%s: %s: %s\n", prog, im->name, strerror(im->read_err));
		return -1;
	}
	return 0;
}
