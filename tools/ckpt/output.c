// SPDX-License-Identifier: GPL-2.0
/*
 * Where the image of a checkpoint goes, and reading it back.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ckpt_reader.h"
#include "ckpt_util.h"
#include "output.h"

int output_open(struct output *o, const char *path)
{
	struct stat st;
	char proc[64];
	int flags;

	memset(o, 0, sizeof(*o));
	o->rfd = -1;
	o->pipe_rd = -1;
	o->kfd = -1;
	o->fd = STDOUT_FILENO;
	o->name = "stdout";
	if (path) {
		o->name = path;
		o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (o->fd < 0) {
			warn("%s", path);
			return -1;
		}
		o->own_fd = true;
	}

	if (isatty(o->fd)) {
		warnx("refusing to write the image to a terminal%s",
		      path ? "" : " (use -o FILE or redirect stdout)");
		goto fail;
	}
	if (fstat(o->fd, &st) < 0) {
		warn("%s", o->name);
		goto fail;
	}
	o->regular = S_ISREG(st.st_mode);
	if (!o->regular)
		return 0;

	/* Where the kernel will start writing */
	flags = fcntl(o->fd, F_GETFL);
	if (flags < 0) {
		warn("%s", o->name);
		goto fail;
	}
	if (flags & O_APPEND) {
		o->start = st.st_size;
	} else {
		o->start = lseek(o->fd, 0, SEEK_CUR);
		if (o->start < 0)
			return 0;	/* use a pipe */
	}
	/* fd may be write-only: read through a descriptor of our own */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	o->rfd = open(proc, O_RDONLY | O_CLOEXEC);
	/* On failure, a pipe will do */
	return 0;

fail:
	if (o->own_fd)
		close(o->fd);
	o->own_fd = false;
	return -1;
}

/* Source for the reader of the copier: what it reads is also copied out. */
static ssize_t copy_source(void *ctx, void *buf, size_t len)
{
	struct output *o = ctx;
	ssize_t n;

	n = ckpt_read(o->pipe_rd, buf, len);
	if (n > 0 && !o->write_err && ckpt_write_all(o->fd, buf, n) < 0)
		o->write_err = errno;
	return n;
}

static void *copier(void *arg)
{
	struct output *o = arg;
	struct ckpt_reader r;
	char buf[16384];

	ckpt_reader_init(&r, copy_source, o);
	o->verdict = ckpt_image_scan(&r, &o->stream, NULL, NULL);
	ckpt_reader_release(&r);

	/* Copy whatever follows the point where the scan stopped */
	while (copy_source(o, buf, sizeof(buf)) > 0)
		;
	/* On a read error, a kernel still writing gets EPIPE, not a hang */
	close(o->pipe_rd);
	o->pipe_rd = -1;
	return NULL;
}

int output_start(struct output *o)
{
	sigset_t all, old;
	int p[2], ret;

	if (o->rfd >= 0) {
		o->kfd = o->fd;
		return 0;
	}

	if (pipe2(p, O_CLOEXEC) < 0) {
		warn("pipe");
		return -1;
	}
	o->pipe_rd = p[0];
	o->kfd = p[1];

	/* Signals are for the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&o->copier, NULL, copier, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		errno = ret;
		warn("cannot start the copier thread");
		close(p[0]);
		close(p[1]);
		o->pipe_rd = -1;
		o->kfd = -1;
		return -1;
	}
	return 0;
}

int output_finish(struct output *o, bool sync)
{
	struct ckpt_reader r;
	int ret = 0;

	if (o->rfd >= 0) {
		ckpt_reader_init_pread(&r, o->rfd, o->start);
		o->verdict = ckpt_image_scan(&r, &o->stream, NULL, NULL);
		ckpt_reader_release(&r);
	} else {
		/* The end of the stream for the copier */
		close(o->kfd);
		o->kfd = -1;
		pthread_join(o->copier, NULL);
		if (o->write_err) {
			errno = o->write_err;
			warn("writing the image to %s", o->name);
			ret = -1;
		}
	}
	if (sync && o->regular && fsync(o->fd) < 0) {
		warn("%s", o->name);
		ret = -1;
	}
	return ret;
}

int output_close(struct output *o)
{
	int ret = 0;

	if (o->rfd >= 0)
		close(o->rfd);
	o->rfd = -1;
	if (o->own_fd && close(o->fd) < 0) {
		warn("%s", o->name);
		ret = -1;
	}
	o->own_fd = false;
	return ret;
}
