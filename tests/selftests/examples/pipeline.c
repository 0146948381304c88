// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline - a small process tree with a pipe, for the demonstration
 *
 *	pipeline FILE
 *
 * Three processes: the parent, which leads a session of its own, reads
 * lines from a pipe and appends them to FILE; its child writes "count 1",
 * "count 2", ... into the pipe, one a second; the child's own child, in
 * a process group of its own, only waits, to make the tree three deep.
 * Checkpoint the tree (ckpt -k PID > IMAGE), restart it (mktree -i IMAGE)
 * and the processes come back with their pids, the pipe between them with
 * whatever was in it, and the sequence in FILE goes on without a number
 * missing or written twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The writer: one line a second into the pipe, for ever */
static void __attribute__((noreturn)) writer(int wr)
{
	struct timespec ts = { 1, 0 };
	char line[32];
	unsigned long n;

	for (n = 1;; n++) {
		int len = snprintf(line, sizeof(line), "count %lu\n", n);

		if (write(wr, line, len) != len)
			die("write");
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
	}
}

int main(int argc, char **argv)
{
	char buf[4096];
	int p[2], out;
	ssize_t n;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	if (setsid() < 0)
		die("setsid");
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (out < 0)
		die(argv[1]);
	if (pipe(p) < 0)
		die("pipe");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		close(out);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(p[1]);
			if (setpgid(0, 0) < 0)
				die("setpgid");
			for (;;)
				pause();
		}
		writer(p[1]);
	}
	close(p[1]);
	/* Lines go to FILE as they come, whole lines at a time */
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (write(out, buf, n) != n)
			die("write");
		fdatasync(out);
	}
	return 0;
}
