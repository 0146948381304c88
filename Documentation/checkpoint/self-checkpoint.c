// SPDX-License-Identifier: GPL-2.0
/*
 * self-checkpoint - a program that checkpoints itself
 *
 *	self-checkpoint IMAGE [EVERY [TOTAL]]
 *
 * Counts from 1 to TOTAL (default 10) and, every EVERY iterations
 * (default 3), saves itself into the file IMAGE with
 * checkpoint(0, fd, CHECKPOINT_SUBTREE): itself and its descendants (it
 * has none). Without the flag, checkpoint() takes a whole container and
 * refuses (EINVAL) a task that is not the init of a pid namespace.
 * Like fork(), checkpoint() returns twice: now, with the checkpoint id,
 * and again with 0 each time the image is restarted (mktree -i IMAGE),
 * in the restored copy of the program, which counts on from there.
 *
 * Flush stdio before checkpointing: what sits in a buffer is saved with
 * the memory and would be written twice, once by each copy.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_checkpoint
#define __NR_checkpoint 463	/* x86_64 */
#endif
#ifndef CHECKPOINT_SUBTREE
#define CHECKPOINT_SUBTREE 0x1UL	/* <linux/checkpoint.h> */
#endif

int main(int argc, char **argv)
{
	int every = argc > 2 ? atoi(argv[2]) : 3;
	int total = argc > 3 ? atoi(argv[3]) : 10;
	pid_t started_as = getpid();

	if (argc < 2 || every < 1 || total < 1) {
		fprintf(stderr, "usage: %s IMAGE [EVERY [TOTAL]]\n", argv[0]);
		return 2;
	}
	for (int i = 1; i <= total; i++) {
		printf("%d\n", i);
		if (i % every)
			continue;

		fflush(stdout);
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		long id = syscall(__NR_checkpoint, 0, fd, CHECKPOINT_SUBTREE);
		close(fd);

		if (id < 0) {
			perror("checkpoint");
			return 1;
		}
		if (id > 0)
			printf("iteration %d: checkpoint %ld saved to %s\n", i, id, argv[1]);
		else
			printf("iteration %d: running again after a restart, as pid %d (was %d)\n",
			       i, (int)getpid(), (int)started_as);
	}
	printf("done\n");
	return 0;
}
