// SPDX-License-Identifier: GPL-2.0
/*
 * Wrappers for the checkpoint(2) and restart(2) system calls.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ckpt_sys.h"

/*
 * The unused argument registers are passed as zeroes: should the number
 * belong to another system call, it then sees well-defined arguments.
 */
long ckpt_sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	return syscall(__NR_checkpoint, (long)pid, (long)fd, flags, 0L, 0L, 0L);
}

long ckpt_sys_restart(pid_t pid, int fd, unsigned long flags)
{
	return syscall(__NR_restart, (long)pid, (long)fd, flags, 0L, 0L, 0L);
}

static bool probe(long (*call)(pid_t, int, unsigned long))
{
	int saved = errno;

	if (call(0, -1, 0) != -1) {
		/* Cannot happen with either meaning of the number */
		errno = EINVAL;
		return false;
	}
	if (errno == ENOSYS || errno == EINVAL)
		return false;
	errno = saved;
	return true;
}

bool ckpt_sys_has_checkpoint(void)
{
	return probe(ckpt_sys_checkpoint);
}

bool ckpt_sys_has_restart(void)
{
	return probe(ckpt_sys_restart);
}

#define STR(x)	STR_(x)
#define STR_(x)	#x

const char *ckpt_sys_probe_detail(int err)
{
	if (err == ENOSYS)
		return "no such system call";
	if (err == EINVAL)
		return "system calls " STR(__NR_checkpoint) " and " STR(__NR_restart)
		       " are other calls on this kernel";
	return "unexpected answer to a probe";
}
